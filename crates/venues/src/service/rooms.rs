//! Rooms.

use super::*;
use crate::store::{bookings, rooms as store};
use ggzy_events::venues::{ChangedRoomFields, RoomBlocked, RoomNetworksChanged, RoomUpdated};
use ggzy_events::Contract as _;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewRoom {
    pub kind: RoomKind,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub floor: i64,
    #[schema(minimum = 1)]
    pub capacity: i64,
    #[serde(default)]
    pub equipment: Vec<String>,
    /// Closed room (封闭评标室); only evaluation rooms may be isolated.
    #[serde(default)]
    pub isolated: bool,
    /// Local opening time `HH:MM` on the quarter hour, default 08:00.
    #[schema(pattern = "^([01][0-9]|2[0-3]):(00|15|30|45)$")]
    pub opens: Option<String>,
    /// Local closing time `HH:MM` on the quarter hour, after the opening, default 18:00.
    #[schema(pattern = "^([01][0-9]|2[0-3]):(00|15|30|45)$")]
    pub closes: Option<String>,
    /// Networks of the room's evaluation terminals in CIDR notation (e.g. `10.20.0.0/24`); when
    /// any, committee members of a session in this room work only from them (centre rule on
    /// 招标投标法 第三十八条). Empty = not restricted.
    #[serde(default)]
    pub networks: Vec<String>,
}

/// The networks of a room's evaluation terminals (replaces the list; empty lifts the restriction).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RoomNetworks {
    pub networks: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Room {
    pub id: String,
    pub kind: RoomKind,
    pub name: String,
    pub floor: i64,
    pub capacity: i64,
    pub equipment: Vec<String>,
    pub isolated: bool,
    pub opens: String,
    pub closes: String,
    /// Networks of the evaluation terminals (CIDR); empty = not restricted.
    pub networks: Vec<String>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewBlock {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    #[schema(min_length = 1, pattern = "\\S")]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Block {
    pub id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub reason: String,
}

pub(crate) struct RoomRow {
    pub id: String,
    pub kind: RoomKind,
    pub name: String,
    pub floor: i64,
    pub capacity: i64,
    pub equipment: Vec<String>,
    pub isolated: bool,
    pub hours: Hours,
    pub networks: Vec<String>,
}

pub(crate) async fn load_room<'e, E>(exec: E, id: &str) -> Result<RoomRow>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let r = store::room(exec, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("room {id}")))?;
    Ok(r.into())
}

pub(crate) async fn blocks_of(db: &Db, room_id: &str) -> Result<Vec<Block>> {
    let rows = store::blocks_of(db, room_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| Block {
            id: r.id,
            start: r.starts_at,
            end: r.ends_at,
            reason: r.reason,
        })
        .collect())
}

pub(crate) async fn to_room(db: &Db, r: RoomRow) -> Result<Room> {
    let blocks = blocks_of(db, &r.id).await?;
    Ok(Room {
        id: r.id,
        kind: r.kind,
        name: r.name,
        floor: r.floor,
        capacity: r.capacity,
        equipment: r.equipment,
        isolated: r.isolated,
        opens: Hours::fmt(r.hours.from),
        closes: Hours::fmt(r.hours.until),
        networks: r.networks,
        blocks,
    })
}

#[tracing::instrument(skip_all)]
pub async fn create_room(ctx: &Ctx, actor: &Actor, input: NewRoom) -> Result<Room> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let mut v = ggzy_core::error::Violations::new();
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        v.push("name", "required", "a name of at most 100 characters");
    }
    if input.capacity < 1 {
        v.push("capacity", "range", "capacity must be at least 1");
    }
    if input.isolated && input.kind != RoomKind::EvaluationRoom {
        v.push(
            "isolated",
            "room.isolated_only_evaluation",
            "only evaluation rooms (评标室) can be isolated",
        );
    }
    let hours = Hours::parse(
        input.opens.as_deref().unwrap_or("08:00"),
        input.closes.as_deref().unwrap_or("18:00"),
    );
    if hours.is_none() {
        v.push(
            "opens",
            "room.hours",
            "opening hours are HH:MM on the quarter hour, opening before closing",
        );
    }
    let networks = networks_or_push(&input.networks, &mut v);
    v.into_result()?;
    let hours = hours.ok_or_else(|| Error::internal("hours"))?;
    let id = ids::new_id();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    store::insert_room(
        &mut tx,
        store::NewRoomRow {
            id: &id,
            kind: input.kind,
            name: &name,
            floor: input.floor,
            capacity: input.capacity,
            equipment: json!(input.equipment).to_string(),
            isolated: input.isolated,
            hours,
            created_at: to_micros(now),
            networks: json!(networks).to_string(),
        },
    )
    .await
    .map_err(|e| match e {
        Error::Conflict { .. } => {
            Error::conflict("room.duplicate_name", format!("a room named {name} exists"))
        }
        e => e,
    })?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::Contract::encode(&ggzy_events::venues::RoomCreated {
            room_id: id.clone(),
            kind: input.kind.as_str().to_string(),
            name: name.clone(),
            capacity: input.capacity,
            isolated: input.isolated,
            networks: networks.clone(),
        }),
    )
    .await?;
    let r = load_room(&mut *tx, &id).await?;
    let room = to_room(&ctx.db, r).await?;
    ctx.db.commit_answering(tx, 201, &room, now).await?;
    Ok(room)
}

/// Parse a room's network list into `v` (field `networks[i]`); the canonical list when valid.
fn networks_or_push(list: &[String], v: &mut ggzy_core::error::Violations) -> Vec<String> {
    match rules::parse_room_networks(list) {
        Ok(n) => n,
        Err((i, (rule, detail))) => {
            v.push(format!("networks[{i}]"), rule, detail);
            vec![]
        }
    }
}

/// Replace the networks of a room's evaluation terminals (staff, admin). Sessions already
/// scheduled in the room follow: `venues.room.networks_changed` {room_id, networks} tells the
/// evaluation area, which applies the list to those sessions at once.
#[tracing::instrument(skip_all, fields(room_id = %room_id))]
pub async fn set_room_networks(
    ctx: &Ctx,
    actor: &Actor,
    room_id: &str,
    input: RoomNetworks,
) -> Result<Room> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let mut v = ggzy_core::error::Violations::new();
    let networks = networks_or_push(&input.networks, &mut v);
    v.into_result()?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let n = store::set_networks(&mut tx, room_id, json!(networks).to_string()).await?;
    if n == 0 {
        return Err(Error::not_found(format!("room {room_id}")));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        RoomNetworksChanged {
            room_id: room_id.to_string(),
            networks: networks.clone(),
        }
        .encode(),
    )
    .await?;
    let r = load_room(&mut *tx, room_id).await?;
    let room = to_room(&ctx.db, r).await?;
    ctx.db.commit_answering(tx, 200, &room, now).await?;
    Ok(room)
}

/// Changes to a room (staff, admin): every field is optional, absent fields stay as they are.
/// The room's networks have their own route (`PUT /rooms/{id}/networks`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RoomChanges {
    pub kind: Option<RoomKind>,
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    pub floor: Option<i64>,
    #[schema(minimum = 1)]
    pub capacity: Option<i64>,
    pub equipment: Option<Vec<String>>,
    /// Closed room (封闭评标室); only evaluation rooms may be isolated.
    pub isolated: Option<bool>,
    /// Local opening time `HH:MM` on the quarter hour.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub opens: Option<String>,
    /// Local closing time `HH:MM` on the quarter hour.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub closes: Option<String>,
}

/// Edit a room (staff, admin). The same checks as creating one, and an edit never strands a live
/// booking: a tentative or confirmed booking that has not ended must still fit the room's new
/// opening hours (422 `room.hours_exclude_booking` on `opens`), and an evaluation booking its
/// isolation, kind and seats (`room.booking_needs_isolated_room` on `isolated`/`kind`,
/// `room.capacity_below_booking` on `capacity`), each naming the booking's time. Same name as
/// another room: 409 `room.duplicate_name`. Emits `venues.room.updated` with the changed fields.
/// The room row is updated first in the transaction, so on PostgreSQL it stays locked while the
/// bookings are checked.
#[tracing::instrument(skip_all, fields(room_id = %room_id))]
pub async fn update_room(
    ctx: &Ctx,
    actor: &Actor,
    room_id: &str,
    input: RoomChanges,
) -> Result<Room> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let old = load_room(ctx.db.pool(), room_id).await?;
    let mut v = ggzy_core::error::Violations::new();
    let name = input
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or(&old.name)
        .to_string();
    if name.is_empty() || name.chars().count() > 100 {
        v.push("name", "required", "a name of at most 100 characters");
    }
    let kind = input.kind.unwrap_or(old.kind);
    let floor = input.floor.unwrap_or(old.floor);
    let capacity = input.capacity.unwrap_or(old.capacity);
    if capacity < 1 {
        v.push("capacity", "range", "capacity must be at least 1");
    }
    let isolated = input.isolated.unwrap_or(old.isolated);
    if isolated && kind != RoomKind::EvaluationRoom {
        v.push(
            "isolated",
            "room.isolated_only_evaluation",
            "only evaluation rooms (评标室) can be isolated",
        );
    }
    let hours = match (&input.opens, &input.closes) {
        (None, None) => Some(old.hours),
        (o, c) => Hours::parse(
            o.as_deref().unwrap_or(&Hours::fmt(old.hours.from)),
            c.as_deref().unwrap_or(&Hours::fmt(old.hours.until)),
        ),
    };
    if hours.is_none() {
        v.push(
            if input.opens.is_some() {
                "opens"
            } else {
                "closes"
            },
            "room.hours",
            "opening hours are HH:MM on the quarter hour, opening before closing",
        );
    }
    let equipment = input.equipment.clone().unwrap_or(old.equipment.clone());
    v.into_result()?;
    let hours = hours.ok_or_else(|| Error::internal("hours"))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let n = store::update_room(
        &mut tx,
        room_id,
        store::RoomFields {
            kind,
            name: &name,
            floor,
            capacity,
            equipment: json!(equipment).to_string(),
            isolated,
            hours,
        },
    )
    .await
    .map_err(|e| match e {
        Error::Conflict { .. } => {
            Error::conflict("room.duplicate_name", format!("a room named {name} exists"))
        }
        e => e,
    })?;
    if n == 0 {
        return Err(Error::not_found(format!("room {room_id}")));
    }
    let live = bookings::live_bookings_of_room(&mut tx, room_id, to_micros(now)).await?;
    let mut v = ggzy_core::error::Violations::new();
    for r in live {
        let (b, _) = r.split();
        let when = format!("{} – {}", display_local(b.start), display_local(b.end));
        if let Err((rule, _)) = rules::check_window(b.start, b.end, hours) {
            if rule == "booking.opening_hours" {
                v.push(
                    "opens",
                    "room.hours_exclude_booking",
                    format!("the booking {when} falls outside the new opening hours; move or cancel it first"),
                );
            }
        }
        if b.purpose == Purpose::Evaluation {
            match rules::check_evaluation_room(kind, isolated, capacity, b.committee_size, b.staff_count) {
                Err(("booking.evaluation_needs_isolated_room", _)) => v.push(
                    if kind != RoomKind::EvaluationRoom { "kind" } else { "isolated" },
                    "room.booking_needs_isolated_room",
                    format!("the evaluation booking {when} needs an isolated evaluation room (招标投标法 第三十八条); move it first"),
                ),
                Err(("booking.capacity", _)) => v.push(
                    "capacity",
                    "room.capacity_below_booking",
                    format!(
                        "the evaluation booking {when} needs {} seats; move it first",
                        b.committee_size + b.staff_count
                    ),
                ),
                _ => {}
            }
        }
    }
    // One message per field is enough: the first booking in time is named.
    v.into_result().map_err(first_per_field)?;
    let hours_changed = hours.from != old.hours.from || hours.until != old.hours.until;
    let changed = ChangedRoomFields {
        name: (name != old.name).then(|| name.clone()),
        kind: (kind != old.kind).then(|| kind.as_str().to_string()),
        floor: (floor != old.floor).then_some(floor),
        capacity: (capacity != old.capacity).then_some(capacity),
        equipment: (equipment != old.equipment).then(|| equipment.clone()),
        isolated: (isolated != old.isolated).then_some(isolated),
        opens: hours_changed.then(|| Hours::fmt(hours.from)),
        closes: hours_changed.then(|| Hours::fmt(hours.until)),
    };
    if !changed.is_empty() {
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            RoomUpdated {
                room_id: room_id.into(),
                name: name.clone(),
                changed,
            }
            .encode(),
        )
        .await?;
    }
    let r = load_room(&mut *tx, room_id).await?;
    let room = to_room(&ctx.db, r).await?;
    ctx.db.commit_answering(tx, 200, &room, now).await?;
    Ok(room)
}

/// Keep the first error of each field (the bookings are checked in time order).
fn first_per_field(e: Error) -> Error {
    match e {
        Error::Validation(list) => {
            let mut seen = std::collections::HashSet::new();
            Error::Validation(
                list.into_iter()
                    .filter(|f| seen.insert(f.field.clone()))
                    .collect(),
            )
        }
        e => e,
    }
}

pub async fn list_rooms(ctx: &Ctx, actor: &Actor) -> Result<Vec<Room>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Agency, Role::Supervisor])?;
    let rows = store::rooms_by_name(&ctx.db).await?;
    let mut out = Vec::new();
    for r in rows {
        out.push(to_room(&ctx.db, r.into()).await?);
    }
    Ok(out)
}

#[tracing::instrument(skip_all, fields(room_id = %room_id))]
pub async fn add_block(ctx: &Ctx, actor: &Actor, room_id: &str, b: NewBlock) -> Result<Block> {
    actor.require(&[Role::Staff, Role::Admin])?;
    if b.end <= b.start {
        return Err(Error::field(
            "end",
            "block.window",
            "the end must be after the start",
        ));
    }
    let reason = b.reason.trim().to_string();
    if reason.is_empty() {
        return Err(Error::field("reason", "required", "a reason is required"));
    }
    load_room(ctx.db.pool(), room_id).await?;
    let id = ids::new_id();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    store::insert_block(
        &mut tx,
        &id,
        room_id,
        to_micros(b.start),
        to_micros(b.end),
        &reason,
        to_micros(now),
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        RoomBlocked {
            room_id: room_id.into(),
            block_id: id.clone(),
            start: b.start,
            end: b.end,
            reason: reason.clone(),
        }
        .encode(),
    )
    .await?;
    let block = Block {
        id,
        start: b.start,
        end: b.end,
        reason,
    };
    ctx.db.commit_answering(tx, 201, &block, now).await?;
    Ok(block)
}

pub(super) async fn blocked(db: &Db, room_id: &str, start: i64, end: i64) -> Result<Option<Block>> {
    Ok(blocks_of(db, room_id)
        .await?
        .into_iter()
        .find(|b| rules::overlaps(start, end, to_micros(b.start), to_micros(b.end))))
}
