//! Venue use cases: each runs in one transaction together with its domain events.

use crate::rules::{self, Hours, PersonRole, Purpose, RoomKind};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::error::FieldError;
use ggzy_core::events::{ActorRef, Event, NewEvent};
use ggzy_core::ident::ResidentId;
use ggzy_core::time::{at_local, display_local, from_micros, to_micros};
use ggzy_core::{ids, Clock, Error, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::outbox::emit;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

/// Timer kind that expires a tentative hold.
pub const HOLD_TIMER: &str = "venues.hold.expire";

pub(crate) fn hold_key(booking_id: &str) -> String {
    format!("venues.hold:{booking_id}")
}

/// Lifetime of a tentative hold: `GGZY_VENUE_HOLD_MINUTES`, or the default.
pub fn hold_duration() -> Duration {
    let m = std::env::var("GGZY_VENUE_HOLD_MINUTES")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|m| *m > 0)
        .unwrap_or(rules::DEFAULT_HOLD_MINUTES);
    Duration::minutes(m)
}

pub(crate) fn refusal(field: &str, r: rules::Refusal) -> Error {
    Error::field(field, r.0, r.1)
}

// ---------------------------------------------------------------- rooms

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

pub(crate) const ROOM_COLS: &str =
    "id, kind, name, floor, capacity, equipment, isolated, open_from, open_until, networks";

pub(crate) fn room_row(r: &ggzy_store::Row) -> Result<RoomRow> {
    let kind: String = r.try_get(1)?;
    let equipment: String = r.try_get(5)?;
    Ok(RoomRow {
        id: r.try_get(0)?,
        kind: RoomKind::parse(&kind).ok_or_else(|| Error::internal("bad room kind"))?,
        name: r.try_get(2)?,
        floor: r.try_get(3)?,
        capacity: r.try_get(4)?,
        equipment: serde_json::from_str(&equipment).unwrap_or_default(),
        isolated: r.try_get::<i64, _>(6)? == 1,
        hours: Hours {
            from: r.try_get(7)?,
            until: r.try_get(8)?,
        },
        networks: serde_json::from_str(&r.try_get::<String, _>(9)?).unwrap_or_default(),
    })
}

pub(crate) async fn load_room<'e, E>(exec: E, id: &str) -> Result<RoomRow>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let r = sqlx::query(&format!(
        "SELECT {ROOM_COLS} FROM venue_rooms WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?
    .ok_or_else(|| Error::not_found(format!("room {id}")))?;
    room_row(&r)
}

pub(crate) async fn blocks_of(db: &Db, room_id: &str) -> Result<Vec<Block>> {
    let rows = sqlx::query(
        "SELECT id, starts_at, ends_at, reason FROM venue_blocks WHERE room_id = $1 ORDER BY starts_at",
    )
    .bind(room_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Block {
                id: r.try_get(0)?,
                start: from_micros(r.try_get(1)?),
                end: from_micros(r.try_get(2)?),
                reason: r.try_get(3)?,
            })
        })
        .collect()
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
    sqlx::query(
        "INSERT INTO venue_rooms (id, kind, name, floor, capacity, equipment, isolated, open_from, open_until, created_at, networks) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(input.kind.as_str())
    .bind(&name)
    .bind(input.floor)
    .bind(input.capacity)
    .bind(json!(input.equipment).to_string())
    .bind(i64::from(input.isolated))
    .bind(hours.from)
    .bind(hours.until)
    .bind(to_micros(now))
    .bind(json!(networks).to_string())
    .execute(&mut *tx)
    .await
    .map_err(|e| match Error::from(e) {
        Error::Conflict { .. } => Error::conflict("room.duplicate_name", format!("a room named {name} exists")),
        e => e,
    })?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "venues.room.created",
            "room",
            &id,
            json!({"room_id": id, "kind": input.kind.as_str(), "name": name, "capacity": input.capacity,
                   "isolated": input.isolated, "networks": networks}),
        ),
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
    let n = sqlx::query("UPDATE venue_rooms SET networks = $1 WHERE id = $2")
        .bind(json!(networks).to_string())
        .bind(room_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(Error::not_found(format!("room {room_id}")));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "venues.room.networks_changed",
            "room",
            room_id,
            json!({"room_id": room_id, "networks": networks}),
        ),
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
    let n = sqlx::query(
        "UPDATE venue_rooms SET kind = $1, name = $2, floor = $3, capacity = $4, equipment = $5, \
         isolated = $6, open_from = $7, open_until = $8 WHERE id = $9",
    )
    .bind(kind.as_str())
    .bind(&name)
    .bind(floor)
    .bind(capacity)
    .bind(json!(equipment).to_string())
    .bind(i64::from(isolated))
    .bind(hours.from)
    .bind(hours.until)
    .bind(room_id)
    .execute(&mut *tx)
    .await
    .map_err(|e| match Error::from(e) {
        Error::Conflict { .. } => {
            Error::conflict("room.duplicate_name", format!("a room named {name} exists"))
        }
        e => e,
    })?
    .rows_affected();
    if n == 0 {
        return Err(Error::not_found(format!("room {room_id}")));
    }
    let live = sqlx::query(&format!(
        "SELECT {BOOKING_COLS} FROM venue_bookings WHERE room_id = $1 AND status <> 'cancelled' \
         AND ends_at > $2 ORDER BY starts_at"
    ))
    .bind(room_id)
    .bind(to_micros(now))
    .fetch_all(&mut *tx)
    .await?;
    let mut v = ggzy_core::error::Violations::new();
    for r in &live {
        let (b, _) = booking_row(r)?;
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
    let mut changed = serde_json::Map::new();
    if name != old.name {
        changed.insert("name".into(), json!(name));
    }
    if kind != old.kind {
        changed.insert("kind".into(), json!(kind.as_str()));
    }
    if floor != old.floor {
        changed.insert("floor".into(), json!(floor));
    }
    if capacity != old.capacity {
        changed.insert("capacity".into(), json!(capacity));
    }
    if equipment != old.equipment {
        changed.insert("equipment".into(), json!(equipment));
    }
    if isolated != old.isolated {
        changed.insert("isolated".into(), json!(isolated));
    }
    if hours.from != old.hours.from || hours.until != old.hours.until {
        changed.insert("opens".into(), json!(Hours::fmt(hours.from)));
        changed.insert("closes".into(), json!(Hours::fmt(hours.until)));
    }
    if !changed.is_empty() {
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            NewEvent::new(
                "venues.room.updated",
                "room",
                room_id,
                json!({"room_id": room_id, "name": name, "changed": changed}),
            ),
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
    let rows = sqlx::query(&format!(
        "SELECT {ROOM_COLS} FROM venue_rooms ORDER BY name"
    ))
    .fetch_all(ctx.db.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        out.push(to_room(&ctx.db, room_row(r)?).await?);
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
    sqlx::query(
        "INSERT INTO venue_blocks (id, room_id, starts_at, ends_at, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(room_id)
    .bind(to_micros(b.start))
    .bind(to_micros(b.end))
    .bind(&reason)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "venues.room.blocked",
            "room",
            room_id,
            json!({"room_id": room_id, "block_id": id, "start": b.start.to_rfc3339(),
                   "end": b.end.to_rfc3339(), "reason": reason}),
        ),
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

async fn blocked(db: &Db, room_id: &str, start: i64, end: i64) -> Result<Option<Block>> {
    Ok(blocks_of(db, room_id)
        .await?
        .into_iter()
        .find(|b| rules::overlaps(start, end, to_micros(b.start), to_micros(b.end))))
}

// ---------------------------------------------------------------- bookings

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewBooking {
    pub room_id: String,
    pub section_id: String,
    pub purpose: Purpose,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Evaluation only: members of the evaluation committee (评标委员会).
    #[serde(default)]
    pub committee_size: i64,
    /// Evaluation only: centre staff and supervisors attending.
    #[serde(default)]
    pub staff_count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Booking {
    pub id: String,
    pub room_id: String,
    pub section_id: String,
    pub purpose: Purpose,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// `tentative`, `confirmed` or `cancelled`.
    pub status: String,
    pub committee_size: i64,
    pub staff_count: i64,
    /// A tentative hold is cancelled at this instant unless confirmed.
    pub hold_until: Option<DateTime<Utc>>,
    /// Why the booking could not follow its section's new opening time (staff must move it).
    pub conflict: Option<String>,
}

pub(crate) const BOOKING_COLS: &str = "id, room_id, section_id, purpose, starts_at, ends_at, status, committee_size, staff_count, hold_until, created_org, conflict";

pub(crate) fn booking_row(r: &ggzy_store::Row) -> Result<(Booking, Option<String>)> {
    let purpose: String = r.try_get(3)?;
    let hold: Option<i64> = r.try_get(9)?;
    Ok((
        Booking {
            id: r.try_get(0)?,
            room_id: r.try_get(1)?,
            section_id: r.try_get(2)?,
            purpose: Purpose::parse(&purpose).ok_or_else(|| Error::internal("bad purpose"))?,
            start: from_micros(r.try_get(4)?),
            end: from_micros(r.try_get(5)?),
            status: r.try_get(6)?,
            committee_size: r.try_get(7)?,
            staff_count: r.try_get(8)?,
            hold_until: hold.map(from_micros),
            conflict: r.try_get(11)?,
        },
        r.try_get(10)?,
    ))
}

pub(crate) async fn load_booking<'e, E>(exec: E, id: &str) -> Result<(Booking, Option<String>)>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let r = sqlx::query(&format!(
        "SELECT {BOOKING_COLS} FROM venue_bookings WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?
    .ok_or_else(|| Error::not_found(format!("booking {id}")))?;
    booking_row(&r)
}

pub(crate) fn booking_payload(b: &Booking) -> serde_json::Value {
    json!({"booking_id": b.id, "room_id": b.room_id, "section_id": b.section_id,
           "purpose": b.purpose.as_str(), "start": b.start.to_rfc3339(), "end": b.end.to_rfc3339(),
           "status": b.status})
}

/// Book a room (tentative hold). Overlap is refused by the slot table's primary key.
#[tracing::instrument(skip_all, fields(room_id = %input.room_id))]
pub async fn create_booking(ctx: &Ctx, actor: &Actor, input: NewBooking) -> Result<Booking> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let room = load_room(ctx.db.pool(), &input.room_id).await?;
    rules::check_window(input.start, input.end, room.hours).map_err(|r| refusal("start", r))?;
    let slots = rules::slots(input.start, input.end);
    if slots.len() > rules::MAX_SLOTS {
        return Err(Error::field(
            "end",
            "booking.too_long",
            "a booking lasts at most one day",
        ));
    }
    let (s, e) = (to_micros(input.start), to_micros(input.end));
    if let Some(b) = blocked(&ctx.db, &room.id, s, e).await? {
        return Err(Error::field(
            "start",
            "booking.blocked",
            format!(
                "{} is blocked {} – {}: {}",
                room.name,
                display_local(b.start),
                display_local(b.end),
                b.reason
            ),
        ));
    }
    match input.purpose {
        Purpose::Evaluation => rules::check_evaluation_room(
            room.kind,
            room.isolated,
            room.capacity,
            input.committee_size,
            input.staff_count,
        )
        .map_err(|r| refusal("room_id", r))?,
        Purpose::Opening => {
            let r = sqlx::query("SELECT opening_at FROM venue_sections WHERE section_id = $1")
                .bind(&input.section_id)
                .fetch_optional(ctx.db.pool())
                .await?;
            let Some(r) = r else {
                return Err(Error::field(
                    "section_id",
                    "booking.section_unknown",
                    "no registered section with this id",
                ));
            };
            let opening = from_micros(r.try_get(0)?);
            if opening != input.start {
                return Err(Error::field(
                    "start",
                    "booking.opening_time",
                    format!(
                        "an opening session starts at the section's opening time {} (招标投标法 第三十四条)",
                        display_local(opening)
                    ),
                ));
            }
        }
        _ => {}
    }
    let now = ctx.clock.now();
    let hold_until = now + hold_duration();
    let b = Booking {
        id: ids::new_id(),
        room_id: room.id.clone(),
        section_id: input.section_id.clone(),
        purpose: input.purpose,
        start: input.start,
        end: input.end,
        status: "tentative".into(),
        committee_size: input.committee_size,
        staff_count: input.staff_count,
        hold_until: Some(hold_until),
        conflict: None,
    };
    let mut tx = ctx.db.begin().await?;
    sqlx::query(
        "INSERT INTO venue_bookings (id, room_id, section_id, purpose, starts_at, ends_at, status, committee_size, \
         staff_count, hold_until, created_by, created_org, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'tentative', $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(&b.id)
    .bind(&b.room_id)
    .bind(&b.section_id)
    .bind(b.purpose.as_str())
    .bind(s)
    .bind(e)
    .bind(b.committee_size)
    .bind(b.staff_count)
    .bind(to_micros(hold_until))
    .bind(&actor.user_id)
    .bind(actor.org_id.clone())
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    for slot in &slots {
        let r = sqlx::query(
            "INSERT INTO booking_slots (room_id, slot_start, booking_id) VALUES ($1, $2, $3)",
        )
        .bind(&b.room_id)
        .bind(*slot)
        .bind(&b.id)
        .execute(&mut *tx)
        .await;
        if let Err(err) = r {
            let err = Error::from(err);
            return Err(match err {
                Error::Conflict { .. } => Error::conflict(
                    "booking.overlap",
                    format!(
                        "{} is already booked at {}",
                        room.name,
                        display_local(from_micros(*slot))
                    ),
                ),
                e => e,
            });
        }
    }
    timers::schedule(
        &mut tx,
        HOLD_TIMER,
        &hold_key(&b.id),
        hold_until,
        json!({"booking_id": b.id}),
        now,
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "venues.booking.created",
            "booking",
            &b.id,
            booking_payload(&b),
        ),
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &b, now).await?;
    Ok(b)
}

pub(crate) fn may_manage(actor: &Actor, org: &Option<String>) -> Result<()> {
    if actor.is(Role::Staff) || (actor.org_id.is_some() && actor.org_id == *org) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "this booking belongs to another organization",
        ))
    }
}

#[tracing::instrument(skip_all, fields(booking_id = %id))]
pub async fn confirm(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Booking> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let (_, org) = load_booking(ctx.db.pool(), id).await?;
    may_manage(actor, &org)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = sqlx::query(
        "UPDATE venue_bookings SET status = 'confirmed', hold_until = NULL, updated_at = $1 \
         WHERE id = $2 AND status = 'tentative'",
    )
    .bind(to_micros(now))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() != 1 {
        let (b, _) = load_booking(&mut *tx, id).await?;
        return Err(Error::conflict(
            "booking.not_tentative",
            format!(
                "only a tentative booking can be confirmed; this one is {}",
                b.status
            ),
        ));
    }
    timers::cancel(&mut tx, &hold_key(id)).await?;
    let (b, _) = load_booking(&mut *tx, id).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "venues.booking.confirmed",
            "booking",
            id,
            booking_payload(&b),
        ),
    )
    .await?;
    ctx.db.commit_answering(tx, 200, &b, now).await?;
    Ok(b)
}

/// Cancel inside `tx`: the row stays (status cancelled), its slot rows are deleted.
pub(crate) async fn cancel_in(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    now: Timestamp,
    id: &str,
    event: &str,
) -> Result<Option<Booking>> {
    let r = sqlx::query(
        "UPDATE venue_bookings SET status = 'cancelled', hold_until = NULL, updated_at = $1 \
         WHERE id = $2 AND status IN ('tentative', 'confirmed')",
    )
    .bind(to_micros(now))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if r.rows_affected() != 1 {
        return Ok(None);
    }
    sqlx::query("DELETE FROM booking_slots WHERE booking_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let (b, _) = load_booking(&mut **tx, id).await?;
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(event, "booking", id, booking_payload(&b)),
    )
    .await?;
    Ok(Some(b))
}

#[tracing::instrument(skip_all, fields(booking_id = %id))]
pub async fn cancel(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Booking> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let (_, org) = load_booking(ctx.db.pool(), id).await?;
    may_manage(actor, &org)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let Some(b) = cancel_in(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        id,
        "venues.booking.cancelled",
    )
    .await?
    else {
        return Err(Error::conflict(
            "booking.already_cancelled",
            "this booking is already cancelled",
        ));
    };
    timers::cancel(&mut tx, &hold_key(id)).await?;
    ctx.db.commit_answering(tx, 200, &b, now).await?;
    Ok(b)
}

/// Expires a tentative hold that was not confirmed in time.
pub struct HoldExpiry;

#[async_trait::async_trait]
impl TimerHandler for HoldExpiry {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let Some(id) = timer.payload["booking_id"].as_str() else {
            tracing::warn!(timer = %timer.id, "hold timer without booking_id; skipped");
            return Ok(());
        };
        let r = sqlx::query("SELECT status FROM venue_bookings WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(r) = r else { return Ok(()) };
        let status: String = r.try_get(0)?;
        if status == "tentative" {
            cancel_in(
                tx,
                db,
                &ActorRef::system("venues.hold"),
                clock.now(),
                id,
                "venues.booking.expired",
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct FreeQuery {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub capacity: Option<i64>,
    pub kind: Option<RoomKind>,
}

/// Rooms that can be booked for the whole window (hours, blocks and slots), smallest first.
pub async fn free_rooms(ctx: &Ctx, actor: &Actor, q: &FreeQuery) -> Result<Vec<Room>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Agency, Role::Supervisor])?;
    let (s, e) = (to_micros(q.start), to_micros(q.end));
    let rows = sqlx::query(&format!(
        "SELECT {ROOM_COLS} FROM venue_rooms ORDER BY capacity, name"
    ))
    .fetch_all(ctx.db.pool())
    .await?;
    let busy: Vec<String> = sqlx::query(
        "SELECT DISTINCT room_id FROM booking_slots WHERE slot_start >= $1 AND slot_start < $2",
    )
    .bind(s - s.rem_euclid(rules::SLOT_MINUTES * 60_000_000))
    .bind(e)
    .fetch_all(ctx.db.pool())
    .await?
    .iter()
    .map(|r| r.try_get::<String, _>(0))
    .collect::<std::result::Result<_, _>>()?;
    let mut out = Vec::new();
    for r in &rows {
        let room = room_row(r)?;
        if q.kind.is_some_and(|k| k != room.kind)
            || q.capacity.is_some_and(|c| room.capacity < c)
            || busy.contains(&room.id)
            || rules::check_window(q.start, q.end, room.hours).is_err()
            || blocked(&ctx.db, &room.id, s, e).await?.is_some()
        {
            continue;
        }
        out.push(to_room(&ctx.db, room).await?);
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct DayQuery {
    /// Local date `YYYY-MM-DD` (Asia/Shanghai).
    pub day: NaiveDate,
}

/// The day calendar: every booking starting that local day, by room and time.
pub async fn day_calendar(ctx: &Ctx, actor: &Actor, day: NaiveDate) -> Result<Vec<Booking>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Agency, Role::Supervisor])?;
    let from = at_local(day, 0, 0, 0);
    let rows = sqlx::query(&format!(
        "SELECT {BOOKING_COLS} FROM venue_bookings WHERE starts_at >= $1 AND starts_at < $2 \
         ORDER BY room_id, starts_at"
    ))
    .bind(to_micros(from))
    .bind(to_micros(from + Duration::days(1)))
    .fetch_all(ctx.db.pool())
    .await?;
    rows.iter().map(|r| Ok(booking_row(r)?.0)).collect()
}

// ---------------------------------------------------------------- sections projection

/// Keeps `venue_sections` from `projects.section.registered` (opening times of sections) and
/// moves opening bookings on `projects.section.deadline_changed` (one consumer, so in order).
pub struct SectionsProjection;

#[async_trait::async_trait]
impl Consumer for SectionsProjection {
    fn name(&self) -> &'static str {
        "venues.sections"
    }

    fn wants(&self, event_type: &str) -> bool {
        event_type == "projects.section.registered"
            || event_type == "projects.section.deadline_changed"
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        if ev.event_type == "projects.section.deadline_changed" {
            return crate::sessions::follow_deadline(tx, db, clock, ev).await;
        }
        let p = &ev.payload;
        let opening = p["opening_at"]
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok());
        let (Some(id), Some(opening)) = (p["section_id"].as_str(), opening) else {
            tracing::warn!(event = %ev.id, "section event without section_id/opening_at; skipped");
            return Ok(());
        };
        sqlx::query(
            "INSERT INTO venue_sections (section_id, name, project_code, opening_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (section_id) DO UPDATE SET name = excluded.name, \
             project_code = excluded.project_code, opening_at = excluded.opening_at, updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(p["name"].as_str().unwrap_or_default())
        .bind(p["project_code"].as_str().map(str::to_string))
        .bind(to_micros(opening.with_timezone(&Utc)))
        .bind(to_micros(clock.now()))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

// ---------------------------------------------------------------- on-site personnel

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewPerson {
    pub role: PersonRole,
    pub name: String,
    #[schema(pattern = "^[0-9]{17}[0-9X]$", max_length = 18)]
    pub resident_id: String,
    /// Authorization letter (授权委托书) reference; required for bidder representatives.
    pub authorization_ref: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub id: String,
    pub booking_id: String,
    pub role: PersonRole,
    pub name: String,
    /// Masked for experts unless the caller is staff; absent for a drawn expert whose identity
    /// card staff have not checked yet (not yet admitted by the door).
    pub resident_id: Option<String>,
    pub authorization_ref: Option<String>,
    /// Expert-pool id of a drawn expert (staff only).
    pub expert_id: Option<String>,
}

pub(crate) fn with_field(field: &str, mut e: FieldError) -> Error {
    e.field = field.into();
    Error::Validation(vec![e])
}

#[tracing::instrument(skip_all, fields(booking_id = %booking_id))]
pub async fn add_person(
    ctx: &Ctx,
    actor: &Actor,
    booking_id: &str,
    p: NewPerson,
) -> Result<Person> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let (b, org) = load_booking(ctx.db.pool(), booking_id).await?;
    may_manage(actor, &org)?;
    if b.status == "cancelled" {
        return Err(Error::conflict(
            "roster.booking_cancelled",
            "the booking is cancelled",
        ));
    }
    let rid = ResidentId::parse(&p.resident_id).map_err(|e| with_field("resident_id", e))?;
    let name = p.name.trim().to_string();
    if name.is_empty() {
        return Err(Error::field("name", "required", "a name is required"));
    }
    let auth = p
        .authorization_ref
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if p.role == PersonRole::BidderRep && auth.is_none() {
        return Err(Error::field(
            "authorization_ref",
            "roster.authorization_required",
            "a bidder's representative needs an authorization letter (授权委托书)",
        ));
    }
    let id = ids::new_id();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    sqlx::query(
        "INSERT INTO venue_roster (id, booking_id, role, name, resident_id, authorization_ref, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(booking_id)
    .bind(p.role.as_str())
    .bind(&name)
    .bind(rid.as_str())
    .bind(auth.clone())
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await
    .map_err(|e| match Error::from(e) {
        Error::Conflict { .. } => {
            Error::conflict("roster.duplicate", "this person is already on the roster")
        }
        e => e,
    })?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "venues.roster.added",
            "booking",
            booking_id,
            json!({"booking_id": booking_id, "person_id": id, "role": p.role.as_str(),
                   "name": name, "resident_id": rid.masked()}),
        ),
    )
    .await?;
    let person = Person {
        id,
        booking_id: booking_id.into(),
        role: p.role,
        name,
        resident_id: Some(rid.to_string()),
        authorization_ref: auth,
        expert_id: None,
    };
    ctx.db.commit_answering(tx, 201, &person, now).await?;
    Ok(person)
}

/// An expert's name as the caller may see it (staff only see who the experts are).
pub(crate) fn shown_name(actor: &Actor, role: PersonRole, name: &str) -> String {
    if role == PersonRole::Expert && !actor.is(Role::Staff) {
        rules::MASKED_EXPERT_NAME.into()
    } else {
        name.into()
    }
}

pub(crate) fn shown_id(actor: &Actor, role: PersonRole, rid: &str) -> String {
    if role == PersonRole::Expert && !actor.is(Role::Staff) {
        ResidentId::parse(rid)
            .map(|r| r.masked())
            .unwrap_or_else(|_| "******".into())
    } else {
        rid.into()
    }
}

pub async fn roster(ctx: &Ctx, actor: &Actor, booking_id: &str) -> Result<Vec<Person>> {
    actor.require(&[Role::Staff, Role::Agency, Role::Supervisor])?;
    let (_, org) = load_booking(ctx.db.pool(), booking_id).await?;
    if actor.is(Role::Agency) {
        may_manage(actor, &org)?;
    }
    let rows = sqlx::query(
        "SELECT id, role, name, resident_id, authorization_ref, expert_id FROM venue_roster WHERE booking_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(booking_id)
    .fetch_all(ctx.db.pool())
    .await?;
    let staff = actor.is(Role::Staff);
    let mut out = rows
        .iter()
        .map(|r| {
            let role: String = r.try_get(1)?;
            let role = PersonRole::parse(&role).ok_or_else(|| Error::internal("bad role"))?;
            let rid: String = r.try_get(3)?;
            let name: String = r.try_get(2)?;
            let expert_id: Option<String> = r.try_get(5)?;
            Ok(Person {
                id: r.try_get(0)?,
                booking_id: booking_id.into(),
                role,
                name: shown_name(actor, role, &name),
                resident_id: Some(shown_id(actor, role, &rid)),
                authorization_ref: r.try_get(4)?,
                expert_id: expert_id.filter(|_| staff),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // Drawn experts whose identity card is not checked yet: on the roster, not yet through the door.
    let pending = sqlx::query(
        "SELECT e.expert_id, e.name FROM venue_session_experts e WHERE e.session_id = $1 AND e.status = 'drawn' \
         AND NOT EXISTS (SELECT 1 FROM venue_roster r WHERE r.booking_id = e.session_id AND r.expert_id = e.expert_id) \
         ORDER BY e.expert_id",
    )
    .bind(booking_id)
    .fetch_all(ctx.db.pool())
    .await?;
    for r in &pending {
        let expert_id: String = r.try_get(0)?;
        let name: String = r.try_get(1)?;
        out.push(Person {
            id: format!("expert:{expert_id}"),
            booking_id: booking_id.into(),
            role: PersonRole::Expert,
            name: shown_name(actor, PersonRole::Expert, &name),
            resident_id: None,
            authorization_ref: None,
            expert_id: staff.then_some(expert_id),
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DoorRequest {
    #[schema(pattern = "^[0-9]{17}[0-9X]$", max_length = 18)]
    pub resident_id: String,
    pub direction: Direction,
    /// The person handed in phones and other communication devices (通讯工具存放).
    #[serde(default)]
    pub phone_deposited: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DoorDecision {
    pub allowed: bool,
    /// Rule name of a refusal, e.g. `door.not_on_roster`.
    pub reason: Option<String>,
    pub detail: String,
    pub booking_id: Option<String>,
    pub name: Option<String>,
    pub role: Option<PersonRole>,
}

struct Admission {
    booking_id: String,
    name: String,
    role: PersonRole,
}

/// Grace after the start before an entry counts as late: `GGZY_VENUE_LATE_GRACE_MINUTES`, or the
/// default of the rules.
pub fn late_grace_minutes() -> i64 {
    std::env::var("GGZY_VENUE_LATE_GRACE_MINUTES")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|m| *m >= 0)
        .unwrap_or(rules::DEFAULT_LATE_GRACE_MINUTES)
}

async fn booking_window(tx: &mut Tx, id: &str) -> Result<(Timestamp, Timestamp)> {
    let r = sqlx::query("SELECT starts_at, ends_at FROM venue_bookings WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok((from_micros(r.try_get(0)?), from_micros(r.try_get(1)?)))
}

/// The live booking of a room taking place at `now` (door grace included), if any.
async fn current_booking(tx: &mut Tx, room_id: &str, now: Timestamp) -> Result<Option<String>> {
    let r = sqlx::query(
        "SELECT id FROM venue_bookings WHERE room_id = $1 AND status <> 'cancelled' AND starts_at <= $2 \
         AND ends_at > $3 ORDER BY starts_at, id",
    )
    .bind(room_id)
    .bind(to_micros(now + Duration::minutes(rules::DOOR_GRACE_MINUTES)))
    .bind(to_micros(now))
    .fetch_all(&mut **tx)
    .await?;
    r.first()
        .map(|r| r.try_get(0))
        .transpose()
        .map_err(Into::into)
}

/// Record a violation (row + `venues.violation.recorded`, for the monitoring area).
#[allow(clippy::too_many_arguments)]
async fn record_violation(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    now: Timestamp,
    session_id: Option<&str>,
    room_id: &str,
    kind: &str,
    role: Option<PersonRole>,
    rid: &ResidentId,
    detail: &str,
) -> Result<()> {
    // The expert pool names experts by its own id (and login): give both when the roster has them.
    let (mut expert_id, mut user_id): (Option<String>, Option<String>) = (None, None);
    if let (Some(PersonRole::Expert), Some(session)) = (role, session_id) {
        let r = sqlx::query(
            "SELECT r.expert_id, a.user_id FROM venue_roster r \
             LEFT JOIN venue_expert_accounts a ON a.expert_id = r.expert_id \
             WHERE r.booking_id = $1 AND r.resident_id = $2",
        )
        .bind(session)
        .bind(rid.as_str())
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(r) = r {
            expert_id = r.try_get(0)?;
            user_id = r.try_get(1)?;
        }
    }
    let id = ids::new_id();
    sqlx::query(
        "INSERT INTO venue_violations (id, session_id, room_id, kind, person_role, resident_id, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(session_id.map(str::to_string))
    .bind(room_id)
    .bind(kind)
    .bind(role.map(|r| r.as_str().to_string()))
    .bind(rid.as_str())
    .bind(detail)
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "venues.violation.recorded",
            "room",
            room_id,
            json!({"violation_id": id, "session_id": session_id, "room_id": room_id, "kind": kind,
                   "person_role": role.map(|r| r.as_str()), "resident_id": rid.masked(),
                   "expert_id": expert_id, "user_id": user_id,
                   "detail": detail, "at": now.to_rfc3339()}),
        ),
    )
    .await?;
    Ok(())
}

/// Decide a door attempt and record it (log row + event) whatever the outcome.
#[tracing::instrument(skip_all, fields(room_id = %room_id))]
pub async fn door(
    ctx: &Ctx,
    actor: &Actor,
    room_id: &str,
    req: DoorRequest,
) -> Result<DoorDecision> {
    actor.require(&[Role::Staff])?;
    let rid = ResidentId::parse(&req.resident_id).map_err(|e| with_field("resident_id", e))?;
    let room = load_room(ctx.db.pool(), room_id).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let presence = sqlx::query(
        "SELECT room_id, booking_id, name, role, isolated FROM venue_presence WHERE resident_id = $1",
    )
    .bind(rid.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let presence = match presence {
        Some(r) => Some((
            r.try_get::<String, _>(0)?,
            r.try_get::<String, _>(1)?,
            r.try_get::<String, _>(2)?,
            r.try_get::<String, _>(3)?,
            r.try_get::<i64, _>(4)? == 1,
        )),
        None => None,
    };
    let mut who: Option<Admission> = None;
    let refused: Option<(&str, String)> = match req.direction {
        Direction::Out => match &presence {
            Some((room, booking, name, role, _)) if room == room_id => {
                who = Some(Admission {
                    booking_id: booking.clone(),
                    name: name.clone(),
                    role: PersonRole::parse(role).unwrap_or(PersonRole::Staff),
                });
                None
            }
            _ => Some((
                "door.not_inside",
                "this person is not inside this room".into(),
            )),
        },
        Direction::In => {
            let grace = to_micros(now + Duration::minutes(rules::DOOR_GRACE_MINUTES));
            let rows = sqlx::query(
                "SELECT b.id, r.name, r.role FROM venue_bookings b JOIN venue_roster r ON r.booking_id = b.id \
                 WHERE b.room_id = $1 AND b.status <> 'cancelled' AND r.resident_id = $2 \
                 AND b.starts_at <= $3 AND b.ends_at > $4 ORDER BY b.starts_at",
            )
            .bind(room_id)
            .bind(rid.as_str())
            .bind(grace)
            .bind(to_micros(now))
            .fetch_all(&mut *tx)
            .await?;
            match rows.first() {
                None => Some((
                    "door.not_on_roster",
                    "not on the roster of a session taking place in this room now".into(),
                )),
                Some(r) => {
                    let role: String = r.try_get(2)?;
                    let a = Admission {
                        booking_id: r.try_get(0)?,
                        name: r.try_get(1)?,
                        role: PersonRole::parse(&role).unwrap_or(PersonRole::Staff),
                    };
                    let refusal = if a.role == PersonRole::Expert
                        && !(room.kind == RoomKind::EvaluationRoom && room.isolated)
                    {
                        Some((
                            "door.expert_needs_isolated_room",
                            "experts enter only isolated evaluation rooms".to_string(),
                        ))
                    } else if a.role == PersonRole::Expert && !req.phone_deposited {
                        Some((
                            "door.phone_not_deposited",
                            "experts must deposit phones and communication devices first (通讯工具存放)"
                                .to_string(),
                        ))
                    } else {
                        match &presence {
                            Some((other, _, _, _, true)) if other != room_id => Some((
                                "door.inside_isolated_room",
                                "this person is inside another isolated room".to_string(),
                            )),
                            Some((same, _, _, _, _)) if same == room_id => Some((
                                "door.already_inside",
                                "this person is already inside".to_string(),
                            )),
                            _ => None,
                        }
                    };
                    who = Some(a);
                    refusal
                }
            }
        }
    };
    let allowed = refused.is_none();
    if allowed {
        if let Some(a) = &who {
            match req.direction {
                Direction::In => {
                    sqlx::query("DELETE FROM venue_presence WHERE resident_id = $1")
                        .bind(rid.as_str())
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO venue_presence (resident_id, room_id, booking_id, name, role, isolated, entered_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(rid.as_str())
                    .bind(room_id)
                    .bind(&a.booking_id)
                    .bind(&a.name)
                    .bind(a.role.as_str())
                    .bind(i64::from(room.isolated))
                    .bind(to_micros(now))
                    .execute(&mut *tx)
                    .await?;
                }
                Direction::Out => {
                    sqlx::query(
                        "DELETE FROM venue_presence WHERE resident_id = $1 AND room_id = $2",
                    )
                    .bind(rid.as_str())
                    .bind(room_id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
    }
    let dir = match req.direction {
        Direction::In => "in",
        Direction::Out => "out",
    };
    let (reason, detail) = match &refused {
        Some((r, d)) => (Some(r.to_string()), d.clone()),
        None => (None, format!("{dir} allowed")),
    };
    let mut violations: Vec<(&str, Option<String>, String)> = Vec::new();
    match (allowed, req.direction, &who) {
        (false, Direction::In, _) => {
            let session = match &who {
                Some(a) => Some(a.booking_id.clone()),
                None => current_booking(&mut tx, room_id, now).await?,
            };
            violations.push((rules::violation::REFUSED_ENTRY, session, detail.clone()));
        }
        (true, Direction::In, Some(a)) => {
            let (start, _) = booking_window(&mut tx, &a.booking_id).await?;
            let grace = late_grace_minutes();
            if rules::is_late(now, start, grace) {
                violations.push((
                    rules::violation::LATE_ARRIVAL,
                    Some(a.booking_id.clone()),
                    format!(
                        "arrived {} (the session started {}, grace {grace} min)",
                        display_local(now),
                        display_local(start)
                    ),
                ));
            }
            let inside: i64 = sqlx::query(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM venue_presence WHERE room_id = $1",
            )
            .bind(room_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            if inside > room.capacity {
                violations.push((
                    rules::violation::OVER_CAPACITY,
                    Some(a.booking_id.clone()),
                    format!("{inside} people inside, the room seats {}", room.capacity),
                ));
            }
        }
        (true, Direction::Out, Some(a)) if a.role == PersonRole::Expert => {
            let (_, end) = booking_window(&mut tx, &a.booking_id).await?;
            if rules::leaves_early(now, end) {
                violations.push((
                    rules::violation::EXPERT_LEFT_EARLY,
                    Some(a.booking_id.clone()),
                    format!(
                        "an expert left {} before the session end {}",
                        display_local(now),
                        display_local(end)
                    ),
                ));
            }
        }
        _ => {}
    }
    for (kind, session, d) in &violations {
        record_violation(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            session.as_deref(),
            room_id,
            kind,
            who.as_ref().map(|a| a.role),
            &rid,
            d,
        )
        .await?;
    }
    sqlx::query(
        "INSERT INTO venue_door_log (id, room_id, booking_id, resident_id, name, role, direction, allowed, reason, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(ids::new_id())
    .bind(room_id)
    .bind(who.as_ref().map(|a| a.booking_id.clone()))
    .bind(rid.as_str())
    .bind(who.as_ref().map(|a| a.name.clone()))
    .bind(who.as_ref().map(|a| a.role.as_str().to_string()))
    .bind(dir)
    .bind(i64::from(allowed))
    .bind(reason.clone())
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            if allowed {
                "venues.door.allowed"
            } else {
                "venues.door.refused"
            },
            "room",
            room_id,
            json!({"room_id": room_id, "direction": dir, "resident_id": rid.masked(),
                   "booking_id": who.as_ref().map(|a| a.booking_id.clone()),
                   "role": who.as_ref().map(|a| a.role.as_str()),
                   "phone_deposited": req.phone_deposited, "reason": reason}),
        ),
    )
    .await?;
    let decision = DoorDecision {
        allowed,
        reason,
        detail,
        booking_id: who.as_ref().map(|a| a.booking_id.clone()),
        name: who.as_ref().map(|a| a.name.clone()),
        role: who.as_ref().map(|a| a.role),
    };
    if allowed {
        // The API answers an allowed entry with the decision …
        ggzy_store::idempotency::answer_json_in_tx(&mut tx, 200, &decision, now).await?;
    } else if ggzy_store::idempotency::in_keyed_request() {
        // … and a refusal, which is recorded too, with its problem document: a retry replays
        // the same refusal.
        let body = serde_json::to_string(&refusal_problem(&decision))
            .map_err(|e| Error::internal(format!("serialize the refusal: {e}")))?;
        ggzy_store::idempotency::answer_typed_in_tx(
            &mut tx,
            403,
            "application/problem+json",
            &body,
            now,
        )
        .await?;
    }
    ctx.db.commit(tx).await?;
    Ok(decision)
}

/// The problem document (403) the API answers a refused door entry with.
pub fn refusal_problem(d: &DoorDecision) -> ggzy_core::error::Problem {
    ggzy_core::error::Problem {
        kind: "https://ggzy.dev/problems/forbidden".into(),
        title: "Entry refused".into(),
        status: 403,
        detail: d.detail.clone(),
        rule: d.reason.clone(),
        errors: vec![],
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Occupant {
    pub name: String,
    pub role: PersonRole,
    pub booking_id: String,
    pub entered_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Occupancy {
    pub room_id: String,
    pub headcount: i64,
    pub capacity: i64,
    pub people: Vec<Occupant>,
}

pub async fn occupancy(ctx: &Ctx, actor: &Actor, room_id: &str) -> Result<Occupancy> {
    actor.require(&[Role::Staff, Role::Supervisor])?;
    let room = load_room(ctx.db.pool(), room_id).await?;
    let rows = sqlx::query(
        "SELECT name, role, booking_id, entered_at FROM venue_presence WHERE room_id = $1 ORDER BY entered_at",
    )
    .bind(room_id)
    .fetch_all(ctx.db.pool())
    .await?;
    let people = rows
        .iter()
        .map(|r| {
            let role: String = r.try_get(1)?;
            let role = PersonRole::parse(&role).unwrap_or(PersonRole::Staff);
            let name: String = r.try_get(0)?;
            Ok(Occupant {
                name: shown_name(actor, role, &name),
                role,
                booking_id: r.try_get(2)?,
                entered_at: from_micros(r.try_get(3)?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Occupancy {
        room_id: room.id,
        headcount: people.len() as i64,
        capacity: room.capacity,
        people,
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DoorEntry {
    pub at: DateTime<Utc>,
    pub name: Option<String>,
    pub role: Option<String>,
    /// Masked for experts unless the caller is staff.
    pub resident_id: String,
    pub direction: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionReport {
    pub booking: Booking,
    pub arrivals: Vec<DoorEntry>,
    pub departures: Vec<DoorEntry>,
    pub refusals: Vec<DoorEntry>,
    pub violations: Vec<ViolationEntry>,
    /// People still inside when the report was made.
    pub inside: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ViolationEntry {
    pub at: DateTime<Utc>,
    /// `refused_entry`, `late_arrival`, `expert_left_early` or `over_capacity`.
    pub kind: String,
    pub person_role: Option<String>,
    pub detail: String,
}

/// End-of-session report: arrivals, departures and refusals at the room's door for the booking
/// (refusals of people on no roster are counted within the session window).
pub async fn report(ctx: &Ctx, actor: &Actor, booking_id: &str) -> Result<SessionReport> {
    actor.require(&[Role::Staff, Role::Supervisor, Role::Agency])?;
    let (b, org) = load_booking(ctx.db.pool(), booking_id).await?;
    if actor.is(Role::Agency) {
        may_manage(actor, &org)?;
    }
    let rows = sqlx::query(
        "SELECT at, name, role, resident_id, direction, allowed, reason FROM venue_door_log \
         WHERE booking_id = $1 OR (booking_id IS NULL AND room_id = $2 AND at >= $3 AND at < $4) \
         ORDER BY at, id",
    )
    .bind(booking_id)
    .bind(&b.room_id)
    .bind(to_micros(
        b.start - Duration::minutes(rules::DOOR_GRACE_MINUTES),
    ))
    .bind(to_micros(b.end))
    .fetch_all(ctx.db.pool())
    .await?;
    let (mut arrivals, mut departures, mut refusals) = (vec![], vec![], vec![]);
    for r in &rows {
        let role: Option<String> = r.try_get(2)?;
        let rid: String = r.try_get(3)?;
        let name: Option<String> = r.try_get(1)?;
        let (shown, name) = match role.as_deref().and_then(PersonRole::parse) {
            Some(pr) => (
                shown_id(actor, pr, &rid),
                name.map(|n| shown_name(actor, pr, &n)),
            ),
            None => (rid, name),
        };
        let e = DoorEntry {
            at: from_micros(r.try_get(0)?),
            name,
            role,
            resident_id: shown,
            direction: r.try_get(4)?,
            reason: r.try_get(6)?,
        };
        if r.try_get::<i64, _>(5)? != 1 {
            refusals.push(e);
        } else if e.direction == "in" {
            arrivals.push(e);
        } else {
            departures.push(e);
        }
    }
    let violations = sqlx::query(
        "SELECT at, kind, person_role, detail FROM venue_violations WHERE session_id = $1 ORDER BY at, id",
    )
    .bind(booking_id)
    .fetch_all(ctx.db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(ViolationEntry {
            at: from_micros(r.try_get(0)?),
            kind: r.try_get(1)?,
            person_role: r.try_get(2)?,
            detail: r.try_get(3)?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let inside: i64 =
        sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) FROM venue_presence WHERE booking_id = $1")
            .bind(booking_id)
            .fetch_one(ctx.db.pool())
            .await?
            .try_get(0)?;
    Ok(SessionReport {
        booking: b,
        arrivals,
        departures,
        refusals,
        violations,
        inside,
    })
}

/// One booking (staff, admin, supervisor, or the booking's agency).
pub async fn get_booking(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Booking> {
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor, Role::Agency])?;
    let (b, org) = load_booking(ctx.db.pool(), id).await?;
    if actor.is(Role::Agency) {
        may_manage(actor, &org)?;
    }
    Ok(b)
}
