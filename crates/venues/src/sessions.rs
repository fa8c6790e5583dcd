//! Evaluation sessions (评标会), moving bookings (also when a change notice postpones an opening),
//! experts from the draw on the roster, and the evaluators' own upcoming sessions.
//!
//! A session's id is the id of its booking, so the roster, the door and the report of a session
//! are those of its booking.

use crate::rules::{self, Candidate, Purpose, Refusal};
use crate::service::{
    booking_event, booking_moved, cancel_in, load_booking, load_room, may_manage, refusal, Booking,
    RoomRow,
};
use crate::store::bookings as store;
use chrono::{DateTime, Utc};
use ggzy_core::events::{ActorRef, Event};
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
        if store::claim_slot(tx, room_id, *slot, booking_id).await? != 1 {
            for c in &claimed {
                store::release_slot(tx, room_id, *c, booking_id).await?;
            }
            return Ok(Some(*slot));
        }
        claimed.push(*slot);
    }
    Ok(None)
}

async fn blocked_in(tx: &mut Tx, room_id: &str, start: i64, end: i64) -> Result<Option<String>> {
    let r = crate::store::rooms::first_block_within(tx, room_id, start, end).await?;
    Ok(r.map(|r| {
        format!(
            "blocked {} – {}: {}",
            display_local(r.starts_at),
            display_local(r.ends_at),
            r.reason
        )
    }))
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
        store::slots_of(tx, &b.id).await?.into_iter().collect()
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
    store::release_slots_outside(tx, &b.id, &room.id, s, e).await?;
    store::relocate(tx, &b.id, &room.id, s, e, to_micros(now)).await?;
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
    let r = store::section_opening(&mut **tx, section_id).await?;
    Ok(r.map(Timestamp::from))
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
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        booking_moved(&moved, &b, None),
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
    let rows = store::conflicted_bookings(&ctx.db).await?;
    Ok(rows.into_iter().map(|r| r.split().0).collect())
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
    store::set_section_opening(tx, section_id, to_micros(new_opening), to_micros(now)).await?;
    let rows = store::opening_bookings_of_section(tx, section_id).await?;
    let by = ActorRef::system("venues.deadline");
    for r in rows {
        let (b, _) = r.split();
        if b.start == new_opening {
            continue;
        }
        let end = new_opening + (b.end - b.start);
        let room = load_room(&mut **tx, &b.room_id).await?;
        match relocate(tx, &b, &room, new_opening, end, now).await? {
            Ok(()) => {
                let (moved, _) = load_booking(&mut **tx, &b.id).await?;
                let ev = booking_moved(&moved, &b, Some("deadline_changed"));
                emit(tx, db, &by, now, ev).await?;
            }
            Err((rule, detail)) => {
                let why = format!(
                    "{rule}: cannot follow the new opening time {}: {detail}",
                    display_local(new_opening)
                );
                store::set_conflict(tx, &b.id, &why, to_micros(now)).await?;
                emit(
                    tx,
                    db,
                    &by,
                    now,
                    ggzy_events::venues::BookingConflict {
                        booking_id: b.id.clone(),
                        section_id: b.section_id.clone(),
                        room_id: b.room_id.clone(),
                        room_name: room.name.clone(),
                        start: b.start,
                        end: b.end,
                        new_opening_at: new_opening,
                        rule: rule.into(),
                        detail: why,
                    }
                    .encode(),
                )
                .await?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- evaluation sessions

mod scheduling;
pub use self::scheduling::*;

// ---------------------------------------------------------------- experts on the roster

mod roster;
pub use self::roster::*;
