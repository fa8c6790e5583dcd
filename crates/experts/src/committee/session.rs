//! Following the venue session: drawing for it, moving and cancelling with it.

use super::*;
use ggzy_events::experts::{DrawFailed, DrawRescheduled};
use ggzy_events::venues::{SessionCancelled, SessionMoved, SessionScheduled};
use ggzy_store::uow::Uow;

/// Members who are pending or confirmed (they get the move and cancel notices).
fn serving(rows: &HashMap<String, MemberRow>) -> Vec<String> {
    let mut v: Vec<String> = rows
        .iter()
        .filter(|(_, r)| r.status == "pending" || r.status == "confirmed")
        .map(|(id, _)| id.clone())
        .collect();
    v.sort();
    v
}

async fn draws_of_session(tx: &mut Tx, session_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM expert_draws WHERE session_id = $1 AND status = 'active' ORDER BY created_at",
    )
    .bind(session_id)
    .fetch_all(&mut **tx)
    .await?)
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
    for draw_id in draws_of_session(tx, session_id).await? {
        let d = service::load_draw_in(tx, &draw_id).await?;
        let mut req = d.request.clone();
        req.session_start = start;
        req.session_end = end;
        let place = place
            .clone()
            .or(d.room_name.clone())
            .unwrap_or_else(|| DEFAULT_PLACE.into());
        sqlx::query(
            "UPDATE expert_draws SET session_start = $1, session_end = $2, room_name = $3, request = $4 WHERE id = $5",
        )
        .bind(to_micros(start))
        .bind(to_micros(end))
        .bind(&place)
        .bind(json!(req).to_string())
        .bind(&draw_id)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "UPDATE expert_assignments SET session_start = $1, session_end = $2 WHERE draw_id = $3",
        )
        .bind(to_micros(start))
        .bind(to_micros(end))
        .bind(&draw_id)
        .execute(&mut **tx)
        .await?;
        let rows = member_rows(&mut **tx, &draw_id).await?;
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
    for draw_id in draws_of_session(tx, session_id).await? {
        let d = service::load_draw_in(tx, &draw_id).await?;
        let rows = member_rows(&mut **tx, &draw_id).await?;
        let told_ids = serving(&rows);
        sqlx::query("UPDATE expert_draws SET status = 'cancelled', cancelled_at = $1 WHERE id = $2 AND status = 'active'")
            .bind(to_micros(now))
            .bind(&draw_id)
            .execute(&mut **tx)
            .await?;
        // The experts are free again: their booking of this session goes.
        sqlx::query("DELETE FROM expert_assignments WHERE draw_id = $1")
            .bind(&draw_id)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "UPDATE expert_draw_members SET status = 'cancelled', updated_at = $1 \
             WHERE draw_id = $2 AND status IN ('pending', 'confirmed', 'standby')",
        )
        .bind(to_micros(now))
        .bind(&draw_id)
        .execute(&mut **tx)
        .await?;
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

/// A section's tenderer and owner as the experts area keeps them.
#[derive(sqlx::FromRow)]
struct SectionParties {
    tenderer_uscc: String,
    owner_uscc: Option<String>,
    owner_kind: Option<String>,
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
    let exists = sqlx::query("SELECT id FROM expert_draws WHERE session_id = $1")
        .bind(&session_id)
        .fetch_optional(&mut **tx)
        .await?;
    let requested = sqlx::query("SELECT id FROM expert_draw_requests WHERE session_id = $1")
        .bind(&session_id)
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_some() || requested.is_some() {
        return Ok(());
    }
    let outcome = async {
        let spec: VenueDrawSpec = serde_json::from_value(draw.clone()).map_err(|e| {
            Error::field("draw", "draw.spec", format!("unreadable draw spec: {e}"))
        })?;
        let (specialties, representatives) = rules::from_venue_spec(&spec);
        let section: SectionParties = sqlx::query_as(
            "SELECT s.tenderer_uscc, o.uscc AS owner_uscc, o.kind AS owner_kind FROM expert_sections s \
             LEFT JOIN expert_orgs o ON o.id = s.owner_org_id WHERE s.section_id = $1",
        )
        .bind(&section_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            Error::field(
                "section_id",
                "draw.unknown_section",
                "the section is not known to the expert area (no projects.section.registered yet)",
            )
        })?;
        let SectionParties {
            tenderer_uscc: tenderer,
            owner_uscc: owner,
            owner_kind,
        } = section;
        let agency = owner.filter(|o| *o != tenderer && owner_kind.as_deref() == Some("agency"));
        let bidders: Vec<String> = sqlx::query_scalar(
            "SELECT uscc FROM expert_section_bidders WHERE section_id = $1 ORDER BY uscc",
        )
        .bind(&section_id)
        .fetch_all(&mut **tx)
        .await?;
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
        crate::contrib::open_in_tx(&mut Uow::within(tx, db, by.clone(), now), "system", &req, Some(&session_id), &place)
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
