//! Evaluation sessions (评标会): scheduling, moving, cancelling and reading one.

use super::*;
use ggzy_events::venues::{SessionCancelled, SessionScheduled};

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
    let r = crate::store::sessions::session(tx, id).await?;
    Ok(r.map(|r| SessionRow {
        id: r.id,
        section_id: r.section_id,
        kind: r.kind,
        status: r.status,
        draw: r.draw_spec.and_then(|s| serde_json::from_str(&s).ok()),
        draw_id: r.draw_id,
    }))
}

pub(super) fn validate_draw(d: &DrawSpec, committee: i64) -> Result<Value> {
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

pub(super) async fn session_view(ctx: &Ctx, id: &str) -> Result<Session> {
    let mut tx = ctx.db.pool().begin().await?;
    let view = session_view_in(&mut tx, id).await?;
    tx.rollback().await?;
    Ok(view)
}

/// The session as read inside `tx` (a change's transaction stores it as its answer).
pub(super) async fn session_view_in(tx: &mut Tx, id: &str) -> Result<Session> {
    let s = session_row(tx, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("session {id}")))?;
    let (b, _) = load_booking(&mut **tx, id).await?;
    let room = load_room(&mut **tx, &b.room_id).await?;
    let experts = crate::store::sessions::drawn_count(tx, id).await?;
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
    let all: Vec<RoomRow> = crate::store::rooms::all_rooms(&ctx.db)
        .await?
        .into_iter()
        .map(RoomRow::from)
        .collect();
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
    crate::store::bookings::insert_evaluation(
        &mut tx,
        crate::store::bookings::NewBookingRow {
            id: &id,
            room_id: &room.id,
            section_id: &section_id,
            start: to_micros(input.start),
            end: to_micros(input.end),
            committee_size: input.committee_size,
            staff_count: input.staff_count,
            created_by: &actor.user_id,
            created_org: actor.org_id.clone(),
            created_at: to_micros(now),
        },
    )
    .await?;
    crate::store::sessions::insert_evaluation(
        &mut tx,
        &id,
        &section_id,
        draw.as_ref().map(Value::to_string),
        to_micros(now),
    )
    .await?;
    let (b, _) = load_booking(&mut *tx, &id).await?;
    let by = actor.actor_ref();
    emit(
        &mut tx,
        &ctx.db,
        &by,
        now,
        booking_event("venues.booking.created", &b)?,
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &by,
        now,
        SessionScheduled {
            session_id: id.clone(),
            section_id: section_id.to_string(),
            kind: "evaluation".into(),
            room_id: Some(room.id.clone()),
            room_name: Some(room.name.clone()),
            room_networks: Some(room.networks.clone()),
            start: input.start,
            end: input.end,
            suggested: Some(input.room_id.is_none()),
            draw_id: None,
            draw,
        }
        .encode(),
    )
    .await?;
    let view = session_view_in(&mut tx, &id).await?;
    ctx.db.commit_answering(tx, 201, &view, now).await?;
    Ok(view)
}

pub(super) async fn emit_session_moved(
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
        ggzy_events::venues::SessionMoved {
            session_id: s.id.clone(),
            section_id: Some(s.section_id.clone()),
            draw_id: s.draw_id.clone(),
            start: b.start,
            end: b.end,
            room_id: Some(room.id.clone()),
            room_name: Some(room.name.clone()),
            room_networks: Some(room.networks.clone()),
        }
        .encode(),
    )
    .await?;
    Ok(())
}

pub(super) async fn live_session(ctx: &Ctx, actor: &Actor, id: &str) -> Result<()> {
    let (_, org) = load_booking(ctx.db.pool(), id).await?;
    may_manage(actor, &org)?;
    let status = crate::store::sessions::status(&ctx.db, id).await?;
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
    if crate::store::sessions::cancel(&mut tx, id, to_micros(now)).await? != 1 {
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
        SessionCancelled {
            session_id: id.to_string(),
            section_id: Some(s.section_id.clone()),
            draw_id: s.draw_id.clone(),
        }
        .encode(),
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
