//! Following the venue session: drawing for it, moving and cancelling with it.

use super::*;
use ggzy_events::experts::{DrawFailed, DrawRescheduled};
use ggzy_events::venues::{SessionCancelled, SessionMoved, SessionScheduled};
use ggzy_store::uow::Uow;

/// Members who are pending or confirmed (they get the move and cancel notices).
fn serving(rows: &HashMap<String, MemberRow>) -> Vec<String> {
    let mut v: Vec<String> = rows
        .iter()
        .filter(|(_, r)| r.status.is_serving())
        .map(|(id, _)| id.clone())
        .collect();
    v.sort();
    v
}

pub(super) async fn session_moved(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    m: &SessionMoved,
) -> Result<()> {
    let session_id = m.session_id.as_str();
    let (start, end) = (m.start, m.end);
    let place = m.room_name.clone();
    crate::contrib::session_moved(
        &mut Uow::within(tx, db, by.clone(), now),
        session_id,
        start,
        end,
        place.as_deref(),
    )
    .await?;
    for draw_id in store::draws::active_draws_of_session(tx, session_id).await? {
        let d = service::load_draw_in(tx, &draw_id).await?;
        let mut req = d.request.clone();
        req.session_start = start;
        req.session_end = end;
        let place = place
            .clone()
            .or(d.room_name.clone())
            .unwrap_or_else(|| DEFAULT_PLACE.into());
        store::draws::move_draw(tx, &draw_id, start, end, &place, &req).await?;
        store::draws::move_assignments(tx, &draw_id, start, end).await?;
        let rows = member_rows(tx, &draw_id).await?;
        let (subject, body) = notify::compose(Notice::Moved, start, end, &place);
        let mut told = Vec::new();
        for e in serving(&rows) {
            let per = person(tx, &e).await?;
            notify::enqueue(
                tx,
                now,
                &draw_id,
                &e,
                &per.phone,
                per.email.as_deref(),
                (&subject, &body),
            )
            .await?;
            told.push(drawn_expert(&e, &per, None));
        }
        emit(
            tx,
            db,
            by,
            now,
            DrawRescheduled {
                draw_id: draw_id.clone(),
                section_id: d.section_id.clone(),
                session_id: session_id.to_string(),
                session_start: start,
                session_end: end,
                place,
                notified: told,
            }
            .encode(),
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn session_cancelled(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    c: &SessionCancelled,
) -> Result<()> {
    let session_id = c.session_id.as_str();
    crate::contrib::session_cancelled(tx, db, now, by, session_id).await?;
    for draw_id in store::draws::active_draws_of_session(tx, session_id).await? {
        let d = service::load_draw_in(tx, &draw_id).await?;
        let rows = member_rows(tx, &draw_id).await?;
        let told_ids = serving(&rows);
        store::draws::cancel_draw(tx, &draw_id, now).await?;
        // The experts are free again: their booking of this session goes.
        store::draws::delete_assignments(tx, &draw_id).await?;
        store::draws::cancel_members(tx, &draw_id, now).await?;
        let place = d.room_name.clone().unwrap_or_else(|| DEFAULT_PLACE.into());
        let (subject, body) = notify::compose(
            Notice::Cancelled,
            d.request.session_start,
            d.request.session_end,
            &place,
        );
        let mut told = Vec::new();
        for e in told_ids {
            timers::cancel(tx, &timer_key(&draw_id, &e)).await?;
            let per = person(tx, &e).await?;
            notify::enqueue(
                tx,
                now,
                &draw_id,
                &e,
                &per.phone,
                per.email.as_deref(),
                (&subject, &body),
            )
            .await?;
            told.push(drawn_expert(&e, &per, None));
        }
        let cancelled = ggzy_events::experts::DrawCancelled {
            draw_id: draw_id.clone(),
            section_id: d.section_id.clone(),
            session_id: session_id.to_string(),
            reason: "session_cancelled".into(),
            notified: told,
        };
        emit(tx, db, by, now, cancelled.encode()).await?;
    }
    Ok(())
}

/// `venues.session.scheduled` with a draw spec: draw the committee for that session. A draw that
/// cannot be made (section unknown to this area, size rules, too few experts) is recorded as
/// `experts.draw.failed` naming every problem, so the venue staff see why.
pub(super) async fn session_scheduled(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    p: &SessionScheduled,
) -> Result<()> {
    let Some(draw) = p.draw.as_ref().filter(|d| !d.is_null()) else {
        return Ok(());
    };
    let session_id = p.session_id.clone();
    let section_id = p.section_id.clone();
    // Idempotent: one draw (request) per session (a redelivered event does nothing).
    let exists = store::draws::session_has_draw(tx, &session_id).await?;
    let requested = store::requests::session_has_request(tx, &session_id).await?;
    if exists || requested {
        return Ok(());
    }
    let outcome = async {
        let spec: VenueDrawSpec = serde_json::from_value(draw.clone())
            .map_err(|e| Error::field("draw", "draw.spec", format!("unreadable draw spec: {e}")))?;
        let (specialties, representatives) = rules::from_venue_spec(&spec);
        let section = store::copies::section_parties(tx, &section_id)
            .await?
            .ok_or_else(|| {
                Error::field(
                "section_id",
                "draw.unknown_section",
                "the section is not known to the expert area (no projects.section.registered yet)",
            )
            })?;
        let store::copies::SectionPartiesRow {
            tenderer_uscc: tenderer,
            owner_uscc: owner,
            owner_kind,
        } = section;
        let agency = owner.filter(|o| *o != tenderer && owner_kind.as_deref() == Some("agency"));
        let bidders = store::copies::section_bidders(tx, &section_id).await?;
        let budget = match &spec.budget {
            Some(Value::String(s)) => Some(Money::parse_str(s).map_err(|mut e| {
                e.field = "draw.budget".into();
                Error::Validation(vec![e])
            })?),
            _ => None,
        };
        let input = service::DrawRequest {
            section_id: section_id.clone(),
            tenderer_uscc: tenderer,
            agency_uscc: agency,
            bidder_usccs: bidders,
            session_start: p.start,
            session_end: p.end,
            specialties,
            representatives,
            procurement_budget: budget,
            place: None,
        };
        let terms = crate::relations::terms(tx, &section_id).await?;
        let req = service::check_request(&input, &CommitteeRules::default(), terms.as_ref())?;
        let place = p
            .room_name
            .clone()
            .unwrap_or_else(|| DEFAULT_PLACE.to_string());
        // A session never draws with a seed the server alone chose: it opens a draw request that
        // waits for a supervisor's commitment and reveal (crate::contrib, issue 24).
        crate::contrib::open_in_tx(
            &mut Uow::within(tx, db, by.clone(), now),
            "system",
            &req,
            Some(&session_id),
            &place,
        )
        .await
    }
    .await;
    match outcome {
        Ok(_) => Ok(()),
        Err(Error::Validation(errs)) => {
            emit(
                tx,
                db,
                by,
                now,
                DrawFailed {
                    session_id,
                    section_id,
                    errors: errs,
                }
                .encode(),
            )
            .await?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}
