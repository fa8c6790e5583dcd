//! On-site personnel: the door (门禁), occupancy and the end-of-session report.

use super::*;
use crate::store::door as store;
use ggzy_store::uow::Uow;

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
    let r = crate::store::bookings::window(tx, id).await?;
    Ok((r.starts_at, r.ends_at))
}

/// The live booking of a room taking place at `now` (door grace included), if any.
async fn current_booking(tx: &mut Tx, room_id: &str, now: Timestamp) -> Result<Option<String>> {
    let r = crate::store::bookings::live_booking_ids_at(
        tx,
        room_id,
        to_micros(now + Duration::minutes(rules::DOOR_GRACE_MINUTES)),
        to_micros(now),
    )
    .await?;
    Ok(r.into_iter().next())
}

/// Record a violation (row + `venues.violation.recorded`, for the monitoring area).
async fn record_violation(
    u: &mut Uow<'_>,
    session_id: Option<&str>,
    room_id: &str,
    kind: &str,
    role: Option<PersonRole>,
    rid: &ResidentId,
    detail: &str,
) -> Result<()> {
    let now = u.now;
    // The expert pool names experts by its own id (and login): give both when the roster has them.
    let (mut expert_id, mut user_id): (Option<String>, Option<String>) = (None, None);
    if let (Some(PersonRole::Expert), Some(session)) = (role, session_id) {
        let r = crate::store::sessions::roster_expert(u.tx(), session, rid.as_str()).await?;
        if let Some(r) = r {
            expert_id = r.expert_id;
            user_id = r.user_id;
        }
    }
    let id = ids::new_id();
    store::insert_violation(
        u.tx(),
        store::NewViolation {
            id: &id,
            session_id: session_id.map(str::to_string),
            room_id,
            kind,
            person_role: role.map(|r| r.as_str().to_string()),
            resident_id: rid.as_str(),
            detail,
            at: to_micros(now),
        },
    )
    .await?;
    u.emit(ggzy_events::Contract::encode(
        &ggzy_events::venues::ViolationRecorded {
            violation_id: id.to_string(),
            session_id: session_id.map(str::to_string),
            room_id: room_id.to_string(),
            kind: kind.to_string(),
            person_role: role.map(|r| r.as_str().to_string()),
            resident_id: Some(rid.masked().to_string()),
            expert_id,
            user_id,
            detail: Some(detail.to_string()),
            at: now,
        },
    ))
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
    let presence = store::presence(&mut tx, rid.as_str()).await?;
    let inside = presence.as_ref().map(|p| rules::Inside {
        room_id: &p.room_id,
        isolated: p.isolated,
    });
    let door_room = rules::DoorRoom {
        id: room_id,
        kind: room.kind,
        isolated: room.isolated,
    };
    // The facts come from the database; the decision is `rules::entry_refusal` /
    // `rules::exit_refusal` (pure, property-tested).
    let (who, refused): (Option<Admission>, Option<rules::DoorRefusal>) = match req.direction {
        Direction::Out => {
            let who = presence.as_ref().map(|p| Admission {
                booking_id: p.booking_id.clone(),
                name: p.name.clone(),
                role: p.role,
            });
            match rules::exit_refusal(room_id, inside) {
                None => (who, None),
                refusal => (None, refusal),
            }
        }
        Direction::In => {
            let grace = to_micros(now + Duration::minutes(rules::DOOR_GRACE_MINUTES));
            let rows =
                store::admissions(&mut tx, room_id, rid.as_str(), grace, to_micros(now)).await?;
            let who = rows.into_iter().next().map(|r| Admission {
                booking_id: r.id,
                name: r.name,
                role: r.role,
            });
            let refusal = rules::entry_refusal(
                door_room,
                who.as_ref().map(|a| a.role),
                req.phone_deposited,
                inside,
            );
            (who, refusal)
        }
    };
    let allowed = refused.is_none();
    if allowed {
        if let Some(a) = &who {
            match req.direction {
                Direction::In => {
                    store::delete_presence(&mut tx, rid.as_str()).await?;
                    store::insert_presence(
                        &mut tx,
                        store::Entering {
                            resident_id: rid.as_str(),
                            room_id,
                            booking_id: &a.booking_id,
                            name: &a.name,
                            role: a.role,
                            isolated: room.isolated,
                            entered_at: to_micros(now),
                        },
                    )
                    .await?;
                }
                Direction::Out => {
                    store::delete_presence_in(&mut tx, rid.as_str(), room_id).await?;
                }
            }
        }
    }
    let dir = match req.direction {
        Direction::In => "in",
        Direction::Out => "out",
    };
    let (reason, detail) = match &refused {
        Some((r, d)) => (Some(r.to_string()), d.to_string()),
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
            let inside = store::headcount_in_room(&mut tx, room_id).await?;
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
            &mut Uow::within(&mut tx, &ctx.db, actor.actor_ref(), now),
            session.as_deref(),
            room_id,
            kind,
            who.as_ref().map(|a| a.role),
            &rid,
            d,
        )
        .await?;
    }
    store::insert_door_log(
        &mut tx,
        store::DoorLogEntry {
            id: ids::new_id(),
            room_id,
            booking_id: who.as_ref().map(|a| a.booking_id.clone()),
            resident_id: rid.as_str(),
            name: who.as_ref().map(|a| a.name.clone()),
            role: who.as_ref().map(|a| a.role.as_str().to_string()),
            direction: dir,
            allowed,
            reason: reason.clone(),
            at: to_micros(now),
        },
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        door_event(
            room_id,
            dir,
            rid.masked(),
            who.as_ref(),
            req.phone_deposited,
            reason.clone(),
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
    let rows = store::occupants(&ctx.db, room_id).await?;
    let people: Vec<Occupant> = rows
        .into_iter()
        .map(|r| Occupant {
            name: shown_name(actor, r.role, &r.name),
            role: r.role,
            booking_id: r.booking_id,
            entered_at: r.entered_at,
        })
        .collect();
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
    let rows = store::door_log(
        &ctx.db,
        booking_id,
        &b.room_id,
        to_micros(b.start - Duration::minutes(rules::DOOR_GRACE_MINUTES)),
        to_micros(b.end),
    )
    .await?;
    let (mut arrivals, mut departures, mut refusals) = (vec![], vec![], vec![]);
    for r in rows {
        let (role, rid, name) = (r.role, r.resident_id, r.name);
        let (shown, name) = match role.as_deref().and_then(PersonRole::parse) {
            Some(pr) => (
                shown_id(actor, pr, &rid),
                name.map(|n| shown_name(actor, pr, &n)),
            ),
            None => (rid, name),
        };
        let e = DoorEntry {
            at: r.at,
            name,
            role,
            resident_id: shown,
            direction: r.direction,
            reason: r.reason,
        };
        if !r.allowed {
            refusals.push(e);
        } else if e.direction == "in" {
            arrivals.push(e);
        } else {
            departures.push(e);
        }
    }
    let violations = store::violations_of(&ctx.db, booking_id).await?;
    let violations = violations
        .into_iter()
        .map(|r| ViolationEntry {
            at: r.at,
            kind: r.kind,
            person_role: r.person_role,
            detail: r.detail,
        })
        .collect();
    let inside = store::headcount_of_booking(&ctx.db, booking_id).await?;
    Ok(SessionReport {
        booking: b,
        arrivals,
        departures,
        refusals,
        violations,
        inside,
    })
}

/// `venues.door.allowed` (no refusal `reason`) or `venues.door.refused`.
fn door_event(
    room_id: &str,
    direction: &str,
    resident_id: String,
    who: Option<&Admission>,
    phone_deposited: bool,
    reason: Option<String>,
) -> ggzy_core::events::NewEvent {
    use ggzy_events::venues::{DoorAllowed, DoorPassage, DoorRefused};
    use ggzy_events::Contract as _;
    let refused = reason.is_some();
    let passage = DoorPassage {
        room_id: room_id.into(),
        direction: direction.into(),
        resident_id,
        booking_id: who.map(|a| a.booking_id.clone()),
        role: who.map(|a| a.role.as_str().to_string()),
        phone_deposited,
        reason,
    };
    if refused {
        DoorRefused(passage).encode()
    } else {
        DoorAllowed(passage).encode()
    }
}
