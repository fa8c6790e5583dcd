//! Evaluation sessions (评标会), moving bookings (also when a change notice postpones an opening),
//! experts from the draw on the roster, and the evaluators' own upcoming sessions.
//!
//! A session's id is the id of its booking, so the roster, the door and the report of a session
//! are those of its booking.

use crate::rules::{self, Candidate, Purpose, Refusal};
use crate::service::{
    booking_payload, cancel_in, load_booking, load_room, may_manage, refusal, room_row, Booking,
    RoomRow, BOOKING_COLS, ROOM_COLS,
};
use chrono::{DateTime, Utc};
use ggzy_core::events::{ActorRef, Event, NewEvent};
use ggzy_core::ident::{ResidentId, Uscc};
use ggzy_core::money::Money;
use ggzy_core::time::{display_local, from_micros, to_micros};
use ggzy_core::{ids, Clock, Error, Result, Timestamp};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::outbox::emit;
use ggzy_store::{Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::HashSet;
use utoipa::ToSchema;

// ---------------------------------------------------------------- slots and moves

/// Claim `slots` of `room_id` for `booking_id` with `INSERT … ON CONFLICT DO NOTHING` (no failed
/// statement, so the transaction stays usable on PostgreSQL). When one slot is taken, the slots
/// claimed by this call are released again and the taken slot is returned.
pub(crate) async fn claim_slots(
    tx: &mut Tx,
    room_id: &str,
    booking_id: &str,
    slots: &[i64],
) -> Result<Option<i64>> {
    let mut claimed = Vec::new();
    for slot in slots {
        let r = sqlx::query(
            "INSERT INTO booking_slots (room_id, slot_start, booking_id) VALUES ($1, $2, $3) \
             ON CONFLICT (room_id, slot_start) DO NOTHING",
        )
        .bind(room_id)
        .bind(*slot)
        .bind(booking_id)
        .execute(&mut **tx)
        .await?;
        if r.rows_affected() != 1 {
            for c in &claimed {
                sqlx::query(
                    "DELETE FROM booking_slots WHERE room_id = $1 AND slot_start = $2 AND booking_id = $3",
                )
                .bind(room_id)
                .bind(*c)
                .bind(booking_id)
                .execute(&mut **tx)
                .await?;
            }
            return Ok(Some(*slot));
        }
        claimed.push(*slot);
    }
    Ok(None)
}

async fn blocked_in(tx: &mut Tx, room_id: &str, start: i64, end: i64) -> Result<Option<String>> {
    let r = sqlx::query(
        "SELECT reason, starts_at, ends_at FROM venue_blocks WHERE room_id = $1 AND starts_at < $2 AND ends_at > $3 \
         ORDER BY starts_at",
    )
    .bind(room_id)
    .bind(end)
    .bind(start)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match r {
        Some(r) => Some(format!(
            "blocked {} – {}: {}",
            display_local(from_micros(r.try_get(1)?)),
            display_local(from_micros(r.try_get(2)?)),
            r.try_get::<String, _>(0)?
        )),
        None => None,
    })
}

/// The rules a window must satisfy in `room` for a booking of `purpose` (hours, grid, length,
/// blocked periods, evaluation room); slots are checked separately.
async fn check_room_window(
    tx: &mut Tx,
    room: &RoomRow,
    purpose: Purpose,
    committee: i64,
    staff: i64,
    start: Timestamp,
    end: Timestamp,
) -> Result<std::result::Result<Vec<i64>, Refusal>> {
    if let Err(r) = rules::check_window(start, end, room.hours) {
        return Ok(Err(r));
    }
    let slots = rules::slots(start, end);
    if slots.len() > rules::MAX_SLOTS {
        return Ok(Err((
            "booking.too_long",
            "a booking lasts at most one day".into(),
        )));
    }
    if let Some(why) = blocked_in(tx, &room.id, to_micros(start), to_micros(end)).await? {
        return Ok(Err(("booking.blocked", format!("{} is {why}", room.name))));
    }
    if purpose == Purpose::Evaluation {
        if let Err(r) =
            rules::check_evaluation_room(room.kind, room.isolated, room.capacity, committee, staff)
        {
            return Ok(Err(r));
        }
    }
    Ok(Ok(slots))
}

/// Move a live booking to `room` and `[start, end)` inside `tx`. The slots it already holds in the
/// same room stay; the new ones are claimed first, the old ones released only after success, so
/// a refused move leaves the booking exactly where it was.
pub(crate) async fn relocate(
    tx: &mut Tx,
    b: &Booking,
    room: &RoomRow,
    start: Timestamp,
    end: Timestamp,
    now: Timestamp,
) -> Result<std::result::Result<(), Refusal>> {
    let slots = match check_room_window(
        tx,
        room,
        b.purpose,
        b.committee_size,
        b.staff_count,
        start,
        end,
    )
    .await?
    {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    let own: HashSet<i64> = if room.id == b.room_id {
        sqlx::query("SELECT slot_start FROM booking_slots WHERE booking_id = $1")
            .bind(&b.id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<std::result::Result<_, _>>()?
    } else {
        HashSet::new()
    };
    let fresh: Vec<i64> = slots.into_iter().filter(|s| !own.contains(s)).collect();
    if let Some(taken) = claim_slots(tx, &room.id, &b.id, &fresh).await? {
        return Ok(Err((
            "booking.overlap",
            format!(
                "{} is already booked at {}",
                room.name,
                display_local(from_micros(taken))
            ),
        )));
    }
    let (s, e) = (to_micros(start), to_micros(end));
    sqlx::query(
        "DELETE FROM booking_slots WHERE booking_id = $1 AND (room_id <> $2 OR slot_start < $3 OR slot_start >= $4)",
    )
    .bind(&b.id)
    .bind(&room.id)
    .bind(s)
    .bind(e)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE venue_bookings SET room_id = $1, starts_at = $2, ends_at = $3, conflict = NULL, updated_at = $4 \
         WHERE id = $5 AND status IN ('tentative', 'confirmed')",
    )
    .bind(&room.id)
    .bind(s)
    .bind(e)
    .bind(to_micros(now))
    .bind(&b.id)
    .execute(&mut **tx)
    .await?;
    Ok(Ok(()))
}

fn refusal_error(r: Refusal) -> Error {
    match r.0 {
        "booking.overlap" => Error::conflict(r.0, r.1),
        "booking.evaluation_needs_isolated_room"
        | "booking.capacity"
        | "booking.committee_size" => refusal("room_id", r),
        _ => refusal("start", r),
    }
}

async fn section_opening(tx: &mut Tx, section_id: &str) -> Result<Option<Timestamp>> {
    let r = sqlx::query("SELECT opening_at FROM venue_sections WHERE section_id = $1")
        .bind(section_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match r {
        Some(r) => Some(from_micros(r.try_get(0)?)),
        None => None,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MoveRequest {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Another room; the same room when absent.
    pub room_id: Option<String>,
}

/// Move a booking (staff, or the booking agency); clears a conflict flag. A session's booking
/// moves as its session (`venues.session.moved`).
#[tracing::instrument(skip_all, fields(booking_id = %id))]
pub async fn move_booking(ctx: &Ctx, actor: &Actor, id: &str, req: MoveRequest) -> Result<Booking> {
    let (tx, moved) = move_booking_in(ctx, actor, id, req).await?;
    ctx.db
        .commit_answering(tx, 200, &moved, ctx.clock.now())
        .await?;
    Ok(moved)
}

/// [`move_booking`] up to its commit: the open transaction and the moved booking (the caller
/// commits, with the answer it gives).
async fn move_booking_in(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    req: MoveRequest,
) -> Result<(Tx, Booking)> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let (b, org) = load_booking(ctx.db.pool(), id).await?;
    may_manage(actor, &org)?;
    if b.status == "cancelled" {
        return Err(Error::conflict(
            "booking.cancelled",
            "a cancelled booking cannot be moved",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    if b.purpose == Purpose::Opening {
        if let Some(opening) = section_opening(&mut tx, &b.section_id).await? {
            if opening != req.start {
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
    }
    let room_id = req.room_id.clone().unwrap_or_else(|| b.room_id.clone());
    let room = load_room(&mut *tx, &room_id).await?;
    relocate(&mut tx, &b, &room, req.start, req.end, now)
        .await?
        .map_err(refusal_error)?;
    let (moved, _) = load_booking(&mut *tx, id).await?;
    let mut payload = booking_payload(&moved);
    payload["old_start"] = json!(b.start.to_rfc3339());
    payload["old_end"] = json!(b.end.to_rfc3339());
    payload["old_room_id"] = json!(b.room_id);
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new("venues.booking.moved", "booking", id, payload),
    )
    .await?;
    if let Some(session) = session_row(&mut tx, id).await? {
        if session.status == "scheduled" {
            emit_session_moved(
                &mut tx,
                &ctx.db,
                &actor.actor_ref(),
                now,
                &session,
                &moved,
                &room,
            )
            .await?;
        }
    }
    Ok((tx, moved))
}

/// Bookings flagged because they could not follow a postponed opening (staff).
pub async fn conflicts(ctx: &Ctx, actor: &Actor) -> Result<Vec<Booking>> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let rows = sqlx::query(&format!(
        "SELECT {BOOKING_COLS} FROM venue_bookings WHERE conflict IS NOT NULL AND status <> 'cancelled' \
         ORDER BY starts_at"
    ))
    .fetch_all(ctx.db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok(crate::service::booking_row(r)?.0))
        .collect()
}

/// `projects.section.deadline_changed`: the section's opening bookings follow the new opening time
/// when their room is free then; otherwise the booking keeps its old slots, is flagged and
/// `venues.booking.conflict` tells staff (never silently lost).
pub(crate) async fn follow_deadline(tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
    let d = ggzy_events::projects::SectionDeadlineChanged::decode(ev)?;
    // A deadline change without a new opening time (none was set) moves no booking.
    let Some(new_opening) = d.new_opening_at else {
        return Ok(());
    };
    let section_id = d.section_id.as_str();
    let now = clock.now();
    sqlx::query("UPDATE venue_sections SET opening_at = $1, updated_at = $2 WHERE section_id = $3")
        .bind(to_micros(new_opening))
        .bind(to_micros(now))
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT {BOOKING_COLS} FROM venue_bookings WHERE section_id = $1 AND purpose = 'opening' \
         AND status IN ('tentative', 'confirmed') ORDER BY starts_at, id"
    ))
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?;
    let by = ActorRef::system("venues.deadline");
    for r in &rows {
        let (b, _) = crate::service::booking_row(r)?;
        if b.start == new_opening {
            continue;
        }
        let end = new_opening + (b.end - b.start);
        let room = load_room(&mut **tx, &b.room_id).await?;
        match relocate(tx, &b, &room, new_opening, end, now).await? {
            Ok(()) => {
                let (moved, _) = load_booking(&mut **tx, &b.id).await?;
                let mut payload = booking_payload(&moved);
                payload["old_start"] = json!(b.start.to_rfc3339());
                payload["old_end"] = json!(b.end.to_rfc3339());
                payload["old_room_id"] = json!(b.room_id);
                payload["reason"] = json!("deadline_changed");
                emit(
                    tx,
                    db,
                    &by,
                    now,
                    NewEvent::new("venues.booking.moved", "booking", &b.id, payload),
                )
                .await?;
            }
            Err((rule, detail)) => {
                let why = format!(
                    "{rule}: cannot follow the new opening time {}: {detail}",
                    display_local(new_opening)
                );
                sqlx::query(
                    "UPDATE venue_bookings SET conflict = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(&why)
                .bind(to_micros(now))
                .bind(&b.id)
                .execute(&mut **tx)
                .await?;
                emit(
                    tx,
                    db,
                    &by,
                    now,
                    NewEvent::new(
                        "venues.booking.conflict",
                        "booking",
                        &b.id,
                        json!({"booking_id": b.id, "section_id": b.section_id, "room_id": b.room_id,
                               "room_name": room.name, "start": b.start.to_rfc3339(),
                               "end": b.end.to_rfc3339(), "new_opening_at": new_opening.to_rfc3339(),
                               "rule": rule, "detail": why}),
                    ),
                )
                .await?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- evaluation sessions

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SpecialtyNeed {
    /// Specialty code of the expert pool, e.g. `A08.02`.
    pub code: String,
    pub count: i64,
}

/// The expert draw request sent with the session (the expert pool runs it).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DrawSpec {
    pub specialties: Vec<SpecialtyNeed>,
    /// Ordered backups per specialty.
    #[serde(default)]
    pub backups: i64,
    /// Tenderer representatives on the committee (招标人代表), counted in its size.
    #[serde(default)]
    pub representatives: i64,
    /// Procurement budget, decimal with 2 places (政府采购 87号令 47).
    pub budget: Option<String>,
    #[schema(
        pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        max_length = 18
    )]
    pub tenderer_uscc: Option<String>,
    #[schema(
        pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        max_length = 18
    )]
    pub agency_uscc: Option<String>,
    #[serde(default)]
    #[schema(value_type = Vec<ggzy_core::ident::Uscc>)]
    pub bidder_usccs: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewSession {
    pub section_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// A chosen room; when absent the best-fitting free isolated evaluation room is taken.
    pub room_id: Option<String>,
    /// Members of the evaluation committee (评标委员会).
    pub committee_size: i64,
    /// Centre staff and supervisors attending.
    #[serde(default)]
    pub staff_count: i64,
    pub draw: Option<DrawSpec>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Session {
    /// Also the id of the session's booking (roster, door, report).
    pub id: String,
    pub section_id: String,
    pub kind: String,
    /// `scheduled` or `cancelled`.
    pub status: String,
    pub room_id: String,
    pub room_name: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub committee_size: i64,
    pub staff_count: i64,
    /// The draw request as sent to the expert pool.
    #[schema(value_type = Option<Object>)]
    pub draw: Option<Value>,
    pub draw_id: Option<String>,
    /// Experts currently drawn for the session.
    pub experts: i64,
}

pub(crate) struct SessionRow {
    pub id: String,
    pub section_id: String,
    pub kind: String,
    pub status: String,
    pub draw: Option<Value>,
    pub draw_id: Option<String>,
}

pub(crate) async fn session_row(tx: &mut Tx, id: &str) -> Result<Option<SessionRow>> {
    let r = sqlx::query(
        "SELECT id, section_id, kind, status, draw_spec, draw_id FROM venue_sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let spec: Option<String> = r.try_get(4)?;
    Ok(Some(SessionRow {
        id: r.try_get(0)?,
        section_id: r.try_get(1)?,
        kind: r.try_get(2)?,
        status: r.try_get(3)?,
        draw: spec.and_then(|s| serde_json::from_str(&s).ok()),
        draw_id: r.try_get(5)?,
    }))
}

fn validate_draw(d: &DrawSpec, committee: i64) -> Result<Value> {
    let mut v = ggzy_core::error::Violations::new();
    if d.specialties.is_empty() {
        v.push(
            "draw.specialties",
            "required",
            "at least one specialty to draw from",
        );
    }
    for (i, s) in d.specialties.iter().enumerate() {
        if s.code.trim().is_empty() {
            v.push(
                format!("draw.specialties[{i}].code"),
                "required",
                "a specialty code",
            );
        }
        if s.count < 1 {
            v.push(
                format!("draw.specialties[{i}].count"),
                "range",
                "at least one expert per specialty",
            );
        }
    }
    if d.backups < 0 || d.representatives < 0 {
        v.push(
            "draw.backups",
            "range",
            "backups and representatives are not negative",
        );
    }
    let experts: i64 = d.specialties.iter().map(|s| s.count.max(0)).sum();
    if experts + d.representatives != committee {
        v.push(
            "draw.specialties",
            "session.draw_size",
            format!(
                "the draw asks for {experts} experts and {} representatives, the committee has {committee} members",
                d.representatives
            ),
        );
    }
    let budget = match &d.budget {
        Some(b) => v.take("draw.budget", Money::parse_str(b)),
        None => None,
    };
    let mut usccs = Vec::new();
    for (field, u) in [
        ("draw.tenderer_uscc", &d.tenderer_uscc),
        ("draw.agency_uscc", &d.agency_uscc),
    ] {
        if let Some(u) = u {
            usccs.push(
                v.take(field, Uscc::parse(u))
                    .map(|u| u.as_str().to_string()),
            );
        } else {
            usccs.push(None);
        }
    }
    let mut bidders = Vec::new();
    for (i, u) in d.bidder_usccs.iter().enumerate() {
        if let Some(u) = v.take(&format!("draw.bidder_usccs[{i}]"), Uscc::parse(u)) {
            bidders.push(u.as_str().to_string());
        }
    }
    v.into_result()?;
    let mut out = json!({
        "specialties": d.specialties.iter().map(|s| json!({"code": s.code.trim(), "specialty": s.code.trim(), "count": s.count})).collect::<Vec<_>>(),
        "backups": d.backups,
        "committee_size": committee,
        "representatives": d.representatives,
        "bidder_usccs": bidders,
    });
    if let Some(b) = budget {
        out["budget"] = json!(format!("{:.2}", b.amount()));
    }
    if let Some(Some(u)) = usccs.first() {
        out["tenderer_uscc"] = json!(u);
    }
    if let Some(Some(u)) = usccs.get(1) {
        out["agency_uscc"] = json!(u);
    }
    Ok(out)
}

async fn session_view(ctx: &Ctx, id: &str) -> Result<Session> {
    let mut tx = ctx.db.pool().begin().await?;
    let view = session_view_in(&mut tx, id).await?;
    tx.rollback().await?;
    Ok(view)
}

/// The session as read inside `tx` (a change's transaction stores it as its answer).
async fn session_view_in(tx: &mut Tx, id: &str) -> Result<Session> {
    let s = session_row(tx, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("session {id}")))?;
    let (b, _) = load_booking(&mut **tx, id).await?;
    let room = load_room(&mut **tx, &b.room_id).await?;
    let experts: i64 = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM venue_session_experts WHERE session_id = $1 AND status = 'drawn'",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    Ok(Session {
        id: s.id,
        section_id: s.section_id,
        kind: s.kind,
        status: s.status,
        room_id: room.id,
        room_name: room.name,
        start: b.start,
        end: b.end,
        committee_size: b.committee_size,
        staff_count: b.staff_count,
        draw: s.draw,
        draw_id: s.draw_id,
        experts,
    })
}

/// Schedule an evaluation session in one step (staff, agency): the room (chosen, or the best
/// fitting free isolated evaluation room), a confirmed booking and the draw request, with
/// `venues.session.scheduled` for the expert pool.
#[tracing::instrument(skip_all, fields(section_id = %input.section_id))]
pub async fn schedule(ctx: &Ctx, actor: &Actor, input: NewSession) -> Result<Session> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let section_id = input.section_id.trim().to_string();
    if section_id.is_empty() {
        return Err(Error::field("section_id", "required", "a section id"));
    }
    rules::check_window(
        input.start,
        input.end,
        rules::Hours {
            from: 0,
            until: 24 * 60,
        },
    )
    .map_err(|r| refusal("start", r))?;
    if input.committee_size < 1 || input.staff_count < 0 {
        return Err(Error::field(
            "committee_size",
            "booking.committee_size",
            "committee size must be at least 1 and staff count not negative",
        ));
    }
    let draw = match &input.draw {
        Some(d) => Some(validate_draw(d, input.committee_size)?),
        None => None,
    };
    let all: Vec<RoomRow> = sqlx::query(&format!("SELECT {ROOM_COLS} FROM venue_rooms"))
        .fetch_all(ctx.db.pool())
        .await?
        .iter()
        .map(room_row)
        .collect::<Result<_>>()?;
    let candidates: Vec<String> = match &input.room_id {
        Some(id) => {
            let room = all
                .iter()
                .find(|r| &r.id == id)
                .ok_or_else(|| Error::not_found(format!("room {id}")))?;
            rules::check_evaluation_room(
                room.kind,
                room.isolated,
                room.capacity,
                input.committee_size,
                input.staff_count,
            )
            .map_err(|r| refusal("room_id", r))?;
            vec![id.clone()]
        }
        None => rules::best_fit(
            &all.iter()
                .map(|r| Candidate {
                    id: r.id.clone(),
                    name: r.name.clone(),
                    kind: r.kind,
                    isolated: r.isolated,
                    capacity: r.capacity,
                })
                .collect::<Vec<_>>(),
            input.committee_size,
            input.staff_count,
        ),
    };
    let now = ctx.clock.now();
    let id = ids::new_id();
    let mut tx = ctx.db.begin().await?;
    let mut chosen: Option<&RoomRow> = None;
    let mut last: Option<Refusal> = None;
    for rid in &candidates {
        let Some(room) = all.iter().find(|r| &r.id == rid) else {
            continue;
        };
        let slots = match check_room_window(
            &mut tx,
            room,
            Purpose::Evaluation,
            input.committee_size,
            input.staff_count,
            input.start,
            input.end,
        )
        .await?
        {
            Ok(s) => s,
            Err(r) => {
                last = Some(r);
                continue;
            }
        };
        match claim_slots(&mut tx, &room.id, &id, &slots).await? {
            None => {
                chosen = Some(room);
                break;
            }
            Some(taken) => {
                last = Some((
                    "booking.overlap",
                    format!(
                        "{} is already booked at {}",
                        room.name,
                        display_local(from_micros(taken))
                    ),
                ))
            }
        }
    }
    let Some(room) = chosen else {
        return Err(match (&input.room_id, last) {
            (Some(_), Some(r)) => refusal_error(r),
            _ => Error::conflict(
                "session.no_room",
                format!(
                    "no isolated evaluation room seating {} is free {} – {}",
                    input.committee_size + input.staff_count,
                    display_local(input.start),
                    display_local(input.end)
                ),
            ),
        });
    };
    sqlx::query(
        "INSERT INTO venue_bookings (id, room_id, section_id, purpose, starts_at, ends_at, status, committee_size, \
         staff_count, hold_until, created_by, created_org, created_at, updated_at) \
         VALUES ($1, $2, $3, 'evaluation', $4, $5, 'confirmed', $6, $7, NULL, $8, $9, $10, $10)",
    )
    .bind(&id)
    .bind(&room.id)
    .bind(&section_id)
    .bind(to_micros(input.start))
    .bind(to_micros(input.end))
    .bind(input.committee_size)
    .bind(input.staff_count)
    .bind(&actor.user_id)
    .bind(actor.org_id.clone())
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO venue_sessions (id, section_id, kind, status, draw_spec, draw_id, created_at, updated_at) \
         VALUES ($1, $2, 'evaluation', 'scheduled', $3, NULL, $4, $4)",
    )
    .bind(&id)
    .bind(&section_id)
    .bind(draw.as_ref().map(Value::to_string))
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    let (b, _) = load_booking(&mut *tx, &id).await?;
    let by = actor.actor_ref();
    emit(
        &mut tx,
        &ctx.db,
        &by,
        now,
        NewEvent::new(
            "venues.booking.created",
            "booking",
            &id,
            booking_payload(&b),
        ),
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &by,
        now,
        NewEvent::new(
            "venues.session.scheduled",
            "session",
            &id,
            json!({"session_id": id, "section_id": section_id, "kind": "evaluation",
                   "room_id": room.id, "room_name": room.name, "room_networks": room.networks,
                   "start": input.start.to_rfc3339(), "end": input.end.to_rfc3339(),
                   "suggested": input.room_id.is_none(),
                   "draw": draw}),
        ),
    )
    .await?;
    let view = session_view_in(&mut tx, &id).await?;
    ctx.db.commit_answering(tx, 201, &view, now).await?;
    Ok(view)
}

async fn emit_session_moved(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    now: Timestamp,
    s: &SessionRow,
    b: &Booking,
    room: &RoomRow,
) -> Result<()> {
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "venues.session.moved",
            "session",
            &s.id,
            json!({"session_id": s.id, "section_id": s.section_id, "draw_id": s.draw_id,
                   "start": b.start.to_rfc3339(), "end": b.end.to_rfc3339(),
                   "room_id": room.id, "room_name": room.name, "room_networks": room.networks}),
        ),
    )
    .await?;
    Ok(())
}

async fn live_session(ctx: &Ctx, actor: &Actor, id: &str) -> Result<()> {
    let (_, org) = load_booking(ctx.db.pool(), id).await?;
    may_manage(actor, &org)?;
    let status: Option<String> = sqlx::query("SELECT status FROM venue_sessions WHERE id = $1")
        .bind(id)
        .fetch_optional(ctx.db.pool())
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    match status.as_deref() {
        None => Err(Error::not_found(format!("session {id}"))),
        Some("scheduled") => Ok(()),
        Some(_) => Err(Error::conflict(
            "session.cancelled",
            "the session is cancelled",
        )),
    }
}

/// Move a session (staff, or the scheduling agency): its booking moves (same room unless another
/// is given) and `venues.session.moved` re-notifies the drawn experts.
#[tracing::instrument(skip_all, fields(session_id = %id))]
pub async fn move_session(ctx: &Ctx, actor: &Actor, id: &str, req: MoveRequest) -> Result<Session> {
    actor.require(&[Role::Staff, Role::Agency])?;
    live_session(ctx, actor, id).await?;
    let (mut tx, _) = move_booking_in(ctx, actor, id, req).await?;
    let view = session_view_in(&mut tx, id).await?;
    ctx.db
        .commit_answering(tx, 200, &view, ctx.clock.now())
        .await?;
    Ok(view)
}

/// Cancel a session (staff, or the scheduling agency): the booking is released and
/// `venues.session.cancelled` tells the expert pool to release the draw.
#[tracing::instrument(skip_all, fields(session_id = %id))]
pub async fn cancel_session(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Session> {
    actor.require(&[Role::Staff, Role::Agency])?;
    live_session(ctx, actor, id).await?;
    let now = ctx.clock.now();
    let by = actor.actor_ref();
    let mut tx = ctx.db.begin().await?;
    let r = sqlx::query(
        "UPDATE venue_sessions SET status = 'cancelled', updated_at = $1 WHERE id = $2 AND status = 'scheduled'",
    )
    .bind(to_micros(now))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() != 1 {
        return Err(Error::conflict(
            "session.cancelled",
            "the session is cancelled",
        ));
    }
    cancel_in(&mut tx, &ctx.db, &by, now, id, "venues.booking.cancelled").await?;
    let s = session_row(&mut tx, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("session {id}")))?;
    emit(
        &mut tx,
        &ctx.db,
        &by,
        now,
        NewEvent::new(
            "venues.session.cancelled",
            "session",
            id,
            json!({"session_id": id, "section_id": s.section_id, "draw_id": s.draw_id}),
        ),
    )
    .await?;
    let view = session_view_in(&mut tx, id).await?;
    ctx.db.commit_answering(tx, 200, &view, now).await?;
    Ok(view)
}

pub async fn get_session(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Session> {
    actor.require(&[Role::Staff, Role::Agency, Role::Supervisor])?;
    let (_, org) = load_booking(ctx.db.pool(), id).await?;
    if actor.is(Role::Agency) {
        may_manage(actor, &org)?;
    }
    session_view(ctx, id).await
}

// ---------------------------------------------------------------- experts on the roster

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExpertIdentity {
    /// The resident ID on the expert's identity card, checked by staff at the desk.
    #[schema(pattern = "^[0-9]{17}[0-9X]$", max_length = 18)]
    pub resident_id: String,
}

/// Staff record the identity card of a drawn expert whose number the draw event did not carry;
/// the expert is then on the door roster of the session.
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn verify_expert(
    ctx: &Ctx,
    actor: &Actor,
    session_id: &str,
    expert_id: &str,
    input: ExpertIdentity,
) -> Result<()> {
    actor.require(&[Role::Staff])?;
    let rid = ResidentId::parse(&input.resident_id)
        .map_err(|e| crate::service::with_field("resident_id", e))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = sqlx::query(
        "SELECT name FROM venue_session_experts WHERE session_id = $1 AND expert_id = $2 AND status = 'drawn'",
    )
    .bind(session_id)
    .bind(expert_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found(format!("drawn expert {expert_id} of session {session_id}")))?;
    let name: String = r.try_get(0)?;
    put_expert(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        session_id,
        &Drawn {
            expert_id: expert_id.into(),
            name,
            resident_id: Some(rid.as_str().to_string()),
            user_id: None,
            username: None,
        },
        None,
    )
    .await?;
    ggzy_store::idempotency::answer_in_tx(&mut tx, 204, "", now).await?;
    ctx.db.commit(tx).await?;
    Ok(())
}

struct Drawn {
    expert_id: String,
    name: String,
    resident_id: Option<String>,
    user_id: Option<String>,
    username: Option<String>,
}

fn str_of(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| v[*k].as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// One drawn expert as an event names it: an object with `expert_id` (or `id`), `name` and
/// optionally `resident_id`, `user_id`, `username`; or just the id as a string. Backups
/// (`"backup": true` or `"role": "backup"`) are not on the roster.
fn drawn_of(v: &Value) -> Option<Drawn> {
    if let Some(id) = v.as_str() {
        return Some(Drawn {
            expert_id: id.to_string(),
            name: String::new(),
            resident_id: None,
            user_id: None,
            username: None,
        });
    }
    if v["backup"].as_bool() == Some(true) || v["role"].as_str() == Some("backup") {
        return None;
    }
    Some(Drawn {
        expert_id: str_of(v, &["expert_id", "id"])?,
        name: str_of(v, &["name", "expert_name"]).unwrap_or_default(),
        resident_id: str_of(v, &["resident_id"]),
        user_id: str_of(v, &["user_id"]),
        username: str_of(v, &["username"]),
    })
}

fn drawn_list(p: &Value) -> Vec<Drawn> {
    for key in ["experts", "members", "committee"] {
        if let Some(a) = p[key].as_array() {
            return a.iter().filter_map(drawn_of).collect();
        }
    }
    Vec::new()
}

async fn put_expert(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    now: Timestamp,
    session_id: &str,
    e: &Drawn,
    draw_id: Option<&str>,
) -> Result<()> {
    let rid = e
        .resident_id
        .as_deref()
        .and_then(|r| ResidentId::parse(r).ok());
    sqlx::query(
        "INSERT INTO venue_session_experts (session_id, expert_id, name, resident_id, status, draw_id, updated_at) \
         VALUES ($1, $2, $3, $4, 'drawn', $5, $6) ON CONFLICT (session_id, expert_id) DO UPDATE SET \
         name = CASE WHEN excluded.name = '' THEN venue_session_experts.name ELSE excluded.name END, \
         resident_id = COALESCE(excluded.resident_id, venue_session_experts.resident_id), status = 'drawn', \
         draw_id = COALESCE(excluded.draw_id, venue_session_experts.draw_id), updated_at = excluded.updated_at",
    )
    .bind(session_id)
    .bind(&e.expert_id)
    .bind(&e.name)
    .bind(rid.as_ref().map(|r| r.as_str().to_string()))
    .bind(draw_id.map(str::to_string))
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    if e.user_id.is_some() || e.username.is_some() {
        link_account(
            tx,
            &e.expert_id,
            e.user_id.as_deref(),
            e.username.as_deref(),
            now,
        )
        .await?;
    }
    let mut on_roster = false;
    if let Some(rid) = &rid {
        let name: String = sqlx::query(
            "SELECT name FROM venue_session_experts WHERE session_id = $1 AND expert_id = $2",
        )
        .bind(session_id)
        .bind(&e.expert_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        sqlx::query(
            "INSERT INTO venue_roster (id, booking_id, role, name, resident_id, authorization_ref, created_at, expert_id) \
             VALUES ($1, $2, 'expert', $3, $4, NULL, $5, $6) ON CONFLICT (booking_id, resident_id) DO NOTHING",
        )
        .bind(ids::new_id())
        .bind(session_id)
        .bind(&name)
        .bind(rid.as_str())
        .bind(to_micros(now))
        .bind(&e.expert_id)
        .execute(&mut **tx)
        .await?;
        on_roster = true;
    }
    // The committee is secret (招标投标法 第三十七条): the event names the expert by pool id only.
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "venues.session.expert_added",
            "session",
            session_id,
            json!({"session_id": session_id, "expert_id": e.expert_id, "on_door_roster": on_roster}),
        ),
    )
    .await?;
    Ok(())
}

async fn link_account(
    tx: &mut Tx,
    expert_id: &str,
    user_id: Option<&str>,
    username: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_expert_accounts (expert_id, user_id, username, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (expert_id) DO UPDATE SET user_id = COALESCE(excluded.user_id, venue_expert_accounts.user_id), \
         username = COALESCE(excluded.username, venue_expert_accounts.username), updated_at = excluded.updated_at",
    )
    .bind(expert_id)
    .bind(user_id.map(str::to_string))
    .bind(username.map(str::to_string))
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The session an expert-pool event is about: its `session_id`, else the session that carries its
/// `draw_id`, else the latest scheduled session of its section that asked for a draw.
async fn session_of(tx: &mut Tx, p: &Value) -> Result<Option<String>> {
    if let Some(id) = str_of(p, &["session_id"]) {
        if session_row(tx, &id).await?.is_some() {
            return Ok(Some(id));
        }
    }
    if let Some(draw) = str_of(p, &["draw_id"]) {
        let r = sqlx::query("SELECT id FROM venue_sessions WHERE draw_id = $1")
            .bind(&draw)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(r) = r {
            return Ok(Some(r.try_get(0)?));
        }
    }
    if let Some(section) = str_of(p, &["section_id"]) {
        let r = sqlx::query(
            "SELECT s.id FROM venue_sessions s JOIN venue_bookings b ON b.id = s.id \
             WHERE s.section_id = $1 AND s.status = 'scheduled' AND s.draw_spec IS NOT NULL AND s.draw_id IS NULL \
             ORDER BY b.starts_at DESC, s.id",
        )
        .bind(&section)
        .fetch_all(&mut **tx)
        .await?;
        if let Some(r) = r.first() {
            return Ok(Some(r.try_get(0)?));
        }
    }
    Ok(None)
}

/// Puts drawn experts on their session's roster from `experts.draw.completed` and
/// `experts.member.replaced`, and learns expert login accounts from expert-pool events that name
/// them (`user_id` / `username`).
pub struct SessionExperts;

#[async_trait::async_trait]
impl Consumer for SessionExperts {
    fn name(&self) -> &'static str {
        "venues.session_experts"
    }

    fn wants(&self, event_type: &str) -> bool {
        matches!(
            event_type,
            "experts.draw.completed"
                | "experts.member.replaced"
                | "experts.expert.registered"
                | "experts.expert.updated"
        )
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let now = clock.now();
        let by = ActorRef::system("venues.experts");
        if ev.event_type.starts_with("experts.expert.") {
            if let Some(expert) = str_of(p, &["expert_id", "id"]) {
                let (u, n) = (str_of(p, &["user_id"]), str_of(p, &["username"]));
                if u.is_some() || n.is_some() {
                    link_account(tx, &expert, u.as_deref(), n.as_deref(), now).await?;
                }
            }
            return Ok(());
        }
        let Some(session) = session_of(tx, p).await? else {
            tracing::info!(event = %ev.id, "expert event for no venue session; skipped");
            return Ok(());
        };
        let draw_id = str_of(p, &["draw_id"]);
        if let Some(d) = &draw_id {
            sqlx::query("UPDATE venue_sessions SET draw_id = $1, updated_at = $2 WHERE id = $3")
                .bind(d)
                .bind(to_micros(now))
                .bind(&session)
                .execute(&mut **tx)
                .await?;
        }
        if ev.event_type == "experts.member.replaced" {
            let mut out: Vec<String> = Vec::new();
            for k in ["replaced_expert_id", "old_expert_id", "removed_expert_id"] {
                if let Some(id) = str_of(p, &[k]) {
                    out.push(id);
                }
            }
            for k in ["replaced", "old", "out", "removed"] {
                if let Some(id) = str_of(&p[k], &["expert_id", "id"]) {
                    out.push(id);
                }
            }
            for id in &out {
                sqlx::query(
                    "UPDATE venue_session_experts SET status = 'replaced', updated_at = $1 \
                     WHERE session_id = $2 AND expert_id = $3",
                )
                .bind(to_micros(now))
                .bind(&session)
                .bind(id)
                .execute(&mut **tx)
                .await?;
                sqlx::query("DELETE FROM venue_roster WHERE booking_id = $1 AND expert_id = $2")
                    .bind(&session)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
            }
            let mut added: Vec<Drawn> = ["replacement", "new", "in", "new_expert", "added"]
                .iter()
                .filter_map(|k| p.get(*k).and_then(drawn_of))
                .collect();
            if let Some(id) = str_of(p, &["new_expert_id", "replacement_expert_id"]) {
                added.push(Drawn {
                    expert_id: id,
                    name: str_of(p, &["new_name", "name"]).unwrap_or_default(),
                    resident_id: str_of(p, &["new_resident_id", "resident_id"]),
                    user_id: None,
                    username: None,
                });
            }
            let mut seen = out.clone();
            for e in added.iter().chain(drawn_list(p).iter()) {
                if !seen.contains(&e.expert_id) {
                    seen.push(e.expert_id.clone());
                    put_expert(tx, db, &by, now, &session, e, draw_id.as_deref()).await?;
                }
            }
            return Ok(());
        }
        for e in drawn_list(p) {
            put_expert(tx, db, &by, now, &session, &e, draw_id.as_deref()).await?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExpertAccount {
    /// The login name of the expert's account (role `expert`).
    #[schema(min_length = 1, pattern = "\\S")]
    pub username: String,
}

/// Link an expert-pool id to a login account (staff), for "my sessions" when the expert pool's
/// events do not name the account.
pub async fn link_expert_account(
    ctx: &Ctx,
    actor: &Actor,
    expert_id: &str,
    input: ExpertAccount,
) -> Result<()> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let username = input.username.trim().to_string();
    if username.is_empty() || expert_id.trim().is_empty() {
        return Err(Error::field("username", "required", "a username"));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    link_account(&mut tx, expert_id, None, Some(&username), now).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "venues.expert_account.linked",
            "expert",
            expert_id,
            json!({"expert_id": expert_id, "username": username}),
        ),
    )
    .await?;
    ggzy_store::idempotency::answer_in_tx(&mut tx, 204, "", now).await?;
    ctx.db.commit(tx).await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MySession {
    pub session_id: String,
    pub section_id: String,
    pub room_name: String,
    pub floor: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// An evaluator's upcoming (not yet ended) sessions, found through the expert ids linked to the
/// caller's account.
pub async fn my_sessions(ctx: &Ctx, actor: &Actor) -> Result<Vec<MySession>> {
    actor.require(&[Role::Expert])?;
    let rows = sqlx::query(
        "SELECT s.id, s.section_id, r.name, r.floor, b.starts_at, b.ends_at \
         FROM venue_expert_accounts a \
         JOIN venue_session_experts e ON e.expert_id = a.expert_id AND e.status = 'drawn' \
         JOIN venue_sessions s ON s.id = e.session_id AND s.status = 'scheduled' \
         JOIN venue_bookings b ON b.id = s.id \
         JOIN venue_rooms r ON r.id = b.room_id \
         WHERE (a.user_id = $1 OR a.username = $2) AND b.ends_at > $3 \
         ORDER BY b.starts_at, s.id",
    )
    .bind(&actor.user_id)
    .bind(&actor.username)
    .bind(to_micros(ctx.clock.now()))
    .fetch_all(ctx.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MySession {
                session_id: r.try_get(0)?,
                section_id: r.try_get(1)?,
                room_name: r.try_get(2)?,
                floor: r.try_get(3)?,
                start: from_micros(r.try_get(4)?),
                end: from_micros(r.try_get(5)?),
            })
        })
        .collect()
}

/// Evaluation sessions that have not ended, and those of the last 30 days, earliest first (staff,
/// admin, supervisor): the staff page's list.
pub async fn list_sessions(ctx: &Ctx, actor: &Actor) -> Result<Vec<Session>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    let since = ctx.clock.now() - chrono::Duration::days(30);
    let ids: Vec<String> = sqlx::query(
        "SELECT s.id FROM venue_sessions s JOIN venue_bookings b ON b.id = s.id \
         WHERE b.ends_at > $1 ORDER BY b.starts_at, s.id",
    )
    .bind(to_micros(since))
    .fetch_all(ctx.db.pool())
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<std::result::Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(session_view(ctx, &id).await?);
    }
    Ok(out)
}
