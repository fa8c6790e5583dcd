//! The consumer of other areas' events: result determined (disclosure), sections, sessions and
//! venue violations.

use super::*;
use ggzy_events::identity::OrganizationRegistered;
use ggzy_events::projects::RegistrationCreated;
use ggzy_events::venues::{SessionCancelled, SessionMoved};
use ggzy_events::Contract;

/// `projects.award.confirmed`: the result is determined — the section's committee is no longer
/// confidential. Records it and emits `experts.committee.disclosed` with the names of the experts
/// serving on the section's active committee (members not declined, timed out or recused;
/// replacements included), which
/// publishing puts in the procurement result announcement.
async fn result_determined(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    ev: &Event,
) -> Result<()> {
    let p = &ev.payload;
    let Some(section) = p["section_id"].as_str() else {
        return Ok(());
    };
    let at = time_of(&p["awarded_at"]).unwrap_or(ev.occurred_at);
    sqlx::query(
        "INSERT INTO expert_sections (section_id, project_id, tenderer_uscc, determined_at) \
         VALUES ($1, $2, '', $3) ON CONFLICT (section_id) DO UPDATE SET determined_at = excluded.determined_at",
    )
    .bind(section)
    .bind(p["project_id"].as_str().unwrap_or_default())
    .bind(to_micros(at))
    .execute(&mut **tx)
    .await?;
    let draw: Option<String> = sqlx::query(
        "SELECT id FROM expert_draws WHERE section_id = $1 AND status = 'active' ORDER BY attempt DESC LIMIT 1",
    )
    .bind(section)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| r.try_get(0))
    .transpose()?;
    let mut experts = Vec::new();
    if let Some(d) = &draw {
        for r in sqlx::query(
            "SELECT e.name, m.specialty FROM expert_draw_members m JOIN experts e ON e.id = m.expert_id \
             WHERE m.draw_id = $1 AND m.status IN ('pending', 'confirmed') ORDER BY m.position, e.name",
        )
        .bind(d)
        .fetch_all(&mut **tx)
        .await?
        {
            experts.push(json!({"name": r.try_get::<String, _>(0)?,
                                "specialty": r.try_get::<String, _>(1)?}));
        }
    }
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "experts.committee.disclosed",
            "section",
            section,
            json!({"section_id": section, "project_id": p["project_id"], "market": p["market"],
                   "draw_id": draw, "experts": experts, "determined_at": at.to_rfc3339(),
                   "basis": DISCLOSURE_SOURCE}),
        ),
    )
    .await?;
    Ok(())
}

/// `venues.violation.recorded` about an expert: the venue names the person by `expert_id`, or by
/// `user_id` (the login), mapped through `experts.user_id`.
async fn violation(tx: &mut Tx, db: &Db, now: Timestamp, by: &ActorRef, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    if p["person_role"].as_str() != Some("expert") {
        return Ok(());
    }
    let expert = match (p["expert_id"].as_str(), p["user_id"].as_str()) {
        (Some(e), _) => {
            sqlx::query("SELECT id FROM experts WHERE id = $1")
                .bind(e)
                .fetch_optional(&mut **tx)
                .await?
        }
        (None, Some(u)) => {
            sqlx::query("SELECT id FROM experts WHERE user_id = $1")
                .bind(u)
                .fetch_optional(&mut **tx)
                .await?
        }
        _ => None,
    };
    let Some(expert) = expert else {
        return Ok(());
    };
    let expert: String = expert.try_get("id")?;
    let at = time_of(&p["at"]).unwrap_or(ev.occurred_at);
    let n = sqlx::query(
        "INSERT INTO expert_violations (id, expert_id, session_id, kind, at, source_event_id) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source_event_id) DO NOTHING",
    )
    .bind(ids::new_id())
    .bind(&expert)
    .bind(p["session_id"].as_str())
    .bind(p["kind"].as_str().unwrap_or("unspecified"))
    .bind(to_micros(at))
    .bind(&ev.id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 1 {
        emit(
            tx,
            db,
            by,
            now,
            NewEvent::new(
                "experts.violation.recorded",
                "expert",
                &expert,
                json!({ "expert_id": expert, "session_id": p["session_id"], "kind": p["kind"],
                        "at": rfc3339(at), "source_event_id": ev.id }),
            ),
        )
        .await?;
        maybe_suspend(tx, db, now, by, &expert).await?;
    }
    Ok(())
}

async fn upsert_section(tx: &mut Tx, s: &Value, project: &Value) -> Result<()> {
    let section_id = s["section_id"].as_str().or(s["id"].as_str());
    let tenderer = s["tenderer_uscc"]
        .as_str()
        .or(project["tenderer_uscc"].as_str());
    let project_id = s["project_id"]
        .as_str()
        .or(project["project_id"].as_str())
        .unwrap_or_default();
    let owner = s["owner_org_id"]
        .as_str()
        .or(project["owner_org_id"].as_str());
    let (Some(section_id), Some(tenderer)) = (section_id, tenderer) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO expert_sections (section_id, project_id, tenderer_uscc, owner_org_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (section_id) DO UPDATE SET project_id = excluded.project_id, \
         tenderer_uscc = excluded.tenderer_uscc, owner_org_id = excluded.owner_org_id",
    )
    .bind(section_id)
    .bind(project_id)
    .bind(tenderer)
    .bind(owner)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Follows identity, projects and venues events: parties of sections (for avoidance in draws the
/// venues area requests), publicity of results (confidentiality), sessions (draw, move, cancel) and
/// venue violations (automatic suspension).
pub struct Events;

const WANTED: &[&str] = &[
    OrganizationRegistered::NAME,
    "identity.user.created",
    "projects.project.created",
    "projects.project.updated",
    "projects.project.approved",
    "projects.section.registered",
    RegistrationCreated::NAME,
    "projects.candidates.publicized",
    "projects.award.confirmed",
    "venues.session.scheduled",
    SessionMoved::NAME,
    SessionCancelled::NAME,
    "venues.violation.recorded",
];

/// The cursor name of this consumer.
pub const CONSUMER: &str = "experts.events";

#[async_trait::async_trait]
impl Consumer for Events {
    fn name(&self) -> &'static str {
        CONSUMER
    }
    fn wants(&self, event_type: &str) -> bool {
        WANTED.contains(&event_type)
    }
    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let now = clock.now();
        let by = ActorRef::system("experts.events");
        match ev.event_type.as_str() {
            OrganizationRegistered::NAME => {
                let o = OrganizationRegistered::decode(ev)?;
                sqlx::query(
                    "INSERT INTO expert_orgs (id, uscc, kind) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET uscc = excluded.uscc, kind = excluded.kind",
                )
                .bind(&o.id)
                .bind(&o.uscc)
                .bind(&o.kind)
                .execute(&mut **tx)
                .await?;
            }
            "identity.user.created" => {
                let Some(id) = p["id"].as_str() else {
                    return Ok(());
                };
                sqlx::query(
                    "INSERT INTO expert_users (id, username, role, org_id) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (id) DO UPDATE SET username = excluded.username, role = excluded.role, \
                     org_id = excluded.org_id",
                )
                .bind(id)
                .bind(p["username"].as_str().unwrap_or_default())
                .bind(p["role"].as_str().unwrap_or_default())
                .bind(p["org_id"].as_str())
                .execute(&mut **tx)
                .await?;
            }
            "projects.project.created"
            | "projects.project.updated"
            | "projects.project.approved" => {
                if let Some(sections) = p["sections"].as_array() {
                    for s in sections {
                        upsert_section(tx, s, p).await?;
                    }
                }
            }
            "projects.section.registered" => {
                upsert_section(tx, p, &Value::Null).await?;
                crate::sections::remember(tx, p).await?;
                crate::relations::remember_terms(tx, p).await?;
            }
            RegistrationCreated::NAME => {
                let r = RegistrationCreated::decode(ev)?;
                // The bidder's USCC is what avoidance screens by; a registration without one names
                // no party to avoid.
                let Some(uscc) = &r.uscc else {
                    return Ok(());
                };
                sqlx::query(
                    "INSERT INTO expert_section_bidders (section_id, uscc) VALUES ($1, $2) \
                     ON CONFLICT (section_id, uscc) DO NOTHING",
                )
                .bind(&r.section_id)
                .bind(uscc)
                .execute(&mut **tx)
                .await?;
            }
            "projects.candidates.publicized" => {
                let Some(section) = p["section_id"].as_str() else {
                    return Ok(());
                };
                let at = time_of(&p["publicity_starts_at"]).unwrap_or(ev.occurred_at);
                sqlx::query(
                    "INSERT INTO expert_sections (section_id, project_id, tenderer_uscc, publicized_at) \
                     VALUES ($1, $2, '', $3) ON CONFLICT (section_id) DO UPDATE SET publicized_at = excluded.publicized_at",
                )
                .bind(section)
                .bind(p["project_id"].as_str().unwrap_or_default())
                .bind(to_micros(at))
                .execute(&mut **tx)
                .await?;
            }
            "projects.award.confirmed" => result_determined(tx, db, now, &by, ev).await?,
            "venues.session.scheduled" => session_scheduled(tx, db, now, &by, ev).await?,
            SessionMoved::NAME => {
                session_moved(tx, db, now, &by, &SessionMoved::decode(ev)?).await?
            }
            SessionCancelled::NAME => {
                session_cancelled(tx, db, now, &by, &SessionCancelled::decode(ev)?).await?
            }
            "venues.violation.recorded" => violation(tx, db, now, &by, ev).await?,
            _ => {}
        }
        Ok(())
    }
}
