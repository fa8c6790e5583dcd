//! Bookings.

use super::*;
use crate::store::bookings as store;

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

pub(crate) async fn load_booking<'e, E>(exec: E, id: &str) -> Result<(Booking, Option<String>)>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let r = store::booking(exec, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("booking {id}")))?;
    Ok(r.split())
}

/// The `venues.booking.*` event (`created`, `confirmed`, `cancelled` or `expired`) of a booking
/// after the change, built through its contract.
pub(crate) fn booking_event(event: &str, b: &Booking) -> Result<NewEvent> {
    use ggzy_events::venues as c;
    use ggzy_events::Contract;
    macro_rules! of {
        ($t:ident) => {
            c::$t {
                booking_id: b.id.clone(),
                room_id: b.room_id.clone(),
                section_id: b.section_id.clone(),
                purpose: b.purpose.as_str().to_string(),
                start: b.start,
                end: b.end,
                status: b.status.clone(),
            }
            .encode()
        };
    }
    Ok(match event {
        c::BookingCreated::NAME => of!(BookingCreated),
        c::BookingConfirmed::NAME => of!(BookingConfirmed),
        c::BookingCancelled::NAME => of!(BookingCancelled),
        c::BookingExpired::NAME => of!(BookingExpired),
        other => return Err(Error::internal(format!("no booking event {other}"))),
    })
}

/// `venues.booking.moved`: the booking `moved` from `old`'s window and room.
pub(crate) fn booking_moved(moved: &Booking, old: &Booking, reason: Option<&str>) -> NewEvent {
    use ggzy_events::Contract;
    ggzy_events::venues::BookingMoved {
        booking_id: moved.id.clone(),
        room_id: moved.room_id.clone(),
        section_id: moved.section_id.clone(),
        purpose: moved.purpose.as_str().to_string(),
        start: moved.start,
        end: moved.end,
        status: moved.status.clone(),
        old_start: old.start,
        old_end: old.end,
        old_room_id: old.room_id.clone(),
        reason: reason.map(str::to_string),
    }
    .encode()
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
            let r = store::section_opening(ctx.db.pool(), &input.section_id).await?;
            let Some(At(opening)) = r else {
                return Err(Error::field(
                    "section_id",
                    "booking.section_unknown",
                    "no registered section with this id",
                ));
            };
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
    store::insert_tentative(
        &mut tx,
        store::NewBookingRow {
            id: &b.id,
            room_id: &b.room_id,
            section_id: &b.section_id,
            start: s,
            end: e,
            committee_size: b.committee_size,
            staff_count: b.staff_count,
            created_by: &actor.user_id,
            created_org: actor.org_id.clone(),
            created_at: to_micros(now),
        },
        b.purpose,
        to_micros(hold_until),
    )
    .await?;
    for slot in &slots {
        let r = store::insert_slot(&mut tx, &b.room_id, *slot, &b.id).await;
        if let Err(err) = r {
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
        HoldTimer::payload(&b.id),
        now,
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        booking_event("venues.booking.created", &b)?,
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
    let n = store::confirm(&mut tx, id, to_micros(now)).await?;
    if n != 1 {
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
        booking_event("venues.booking.confirmed", &b)?,
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
    if store::cancel(tx, id, to_micros(now)).await? != 1 {
        return Ok(None);
    }
    store::release_slots(tx, id).await?;
    let (b, _) = load_booking(&mut **tx, id).await?;
    emit(tx, db, by, now, booking_event(event, &b)?).await?;
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

/// The payload of the hold timer (`{"booking_id": …}`), typed: written and read through this
/// type only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldTimer {
    pub booking_id: String,
}

impl HoldTimer {
    /// The payload to schedule the hold timer of `booking_id` with.
    pub fn payload(booking_id: &str) -> serde_json::Value {
        serde_json::json!(HoldTimer {
            booking_id: booking_id.to_string(),
        })
    }

    /// The payload of a fired timer. One that does not decode is an internal error: the timer
    /// fails and the timer machinery (ggzy-store `timers`) keeps it and retries it later, its
    /// error recorded — never skipped.
    pub fn decode(timer: &Timer) -> Result<Self> {
        serde_json::from_value(timer.payload.clone()).map_err(|e| {
            Error::internal(format!(
                "{} timer {}: undecodable payload: {e}",
                timer.kind, timer.key
            ))
        })
    }
}

/// Expires a tentative hold that was not confirmed in time.
pub struct HoldExpiry;

#[async_trait::async_trait]
impl TimerHandler for HoldExpiry {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let hold = HoldTimer::decode(timer)?;
        let id = hold.booking_id.as_str();
        let status = store::status(tx, id).await?;
        let Some(status) = status else {
            return Ok(());
        };
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
    let rows = crate::store::rooms::rooms_by_capacity(&ctx.db).await?;
    let busy = store::busy_rooms(
        &ctx.db,
        s - s.rem_euclid(rules::SLOT_MINUTES * 60_000_000),
        e,
    )
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let room = RoomRow::from(r);
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
    let rows = store::bookings_starting(
        &ctx.db,
        to_micros(from),
        to_micros(from + Duration::days(1)),
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.split().0).collect())
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
