//! The consumer of other areas' events: result determined (disclosure), sections, sessions and
//! venue violations.

use super::*;
use ggzy_events::experts::{CommitteeDisclosed, DisclosedExpert, ExpertViolationRecorded};
use ggzy_events::identity::{OrganizationRegistered, UserCreated};
use ggzy_events::projects::{
    AwardConfirmed, CandidatesPublicized, ProjectApproved, ProjectCreated, ProjectUpdated,
    RegistrationCreated, SectionRegistered,
};
use ggzy_events::venues::{SessionCancelled, SessionMoved, SessionScheduled, ViolationRecorded};
use ggzy_events::Contract;
use ggzy_store::emit_when_changed;

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
    let p = AwardConfirmed::decode(ev)?;
    let section = p.section_id.as_str();
    let at = p.awarded_at.unwrap_or(ev.occurred_at);
    sqlx::query(
        "INSERT INTO expert_sections (section_id, project_id, tenderer_uscc, determined_at) \
         VALUES ($1, $2, '', $3) ON CONFLICT (section_id) DO UPDATE SET determined_at = excluded.determined_at",
    )
    .bind(section)
    .bind(p.project_id.clone().unwrap_or_default())
    .bind(to_micros(at))
    .execute(&mut **tx)
    .await?;
    let draw: Option<String> = sqlx::query_scalar(
        "SELECT id FROM expert_draws WHERE section_id = $1 AND status = 'active' ORDER BY attempt DESC LIMIT 1",
    )
    .bind(section)
    .fetch_optional(&mut **tx)
    .await?;
    let mut experts = Vec::new();
    if let Some(d) = &draw {
        for r in sqlx::query_as::<_, DisclosedRow>(
            "SELECT e.name, m.specialty FROM expert_draw_members m JOIN experts e ON e.id = m.expert_id \
             WHERE m.draw_id = $1 AND m.status IN ('pending', 'confirmed') ORDER BY m.position, e.name",
        )
        .bind(d)
        .fetch_all(&mut **tx)
        .await?
        {
            experts.push(DisclosedExpert {
                name: r.name,
                specialty: r.specialty,
            });
        }
    }
    emit(
        tx,
        db,
        by,
        now,
        CommitteeDisclosed {
            section_id: p.section_id.clone(),
            project_id: p.project_id.clone(),
            market: p.market.clone(),
            draw_id: draw,
            experts,
            determined_at: at,
            basis: DISCLOSURE_SOURCE.to_string(),
        }
        .encode(),
    )
    .await?;
    Ok(())
}

/// `venues.violation.recorded` about an expert: the venue names the person by `expert_id`, or by
/// `user_id` (the login), mapped through `experts.user_id`.
async fn violation(tx: &mut Tx, db: &Db, now: Timestamp, by: &ActorRef, ev: &Event) -> Result<()> {
    let p = ViolationRecorded::decode(ev)?;
    if p.person_role.as_deref() != Some("expert") {
        return Ok(());
    }
    let expert: Option<String> = match (&p.expert_id, &p.user_id) {
        (Some(e), _) => {
            sqlx::query_scalar("SELECT id FROM experts WHERE id = $1")
                .bind(e)
                .fetch_optional(&mut **tx)
                .await?
        }
        (None, Some(u)) => {
            sqlx::query_scalar("SELECT id FROM experts WHERE user_id = $1")
                .bind(u)
                .fetch_optional(&mut **tx)
                .await?
        }
        _ => None,
    };
    let Some(expert) = expert else {
        return Ok(());
    };
    let at = p.at;
    let q = sqlx::query(
        "INSERT INTO expert_violations (id, expert_id, session_id, kind, at, source_event_id) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source_event_id) DO NOTHING",
    )
    .bind(ids::new_id())
    .bind(&expert)
    .bind(&p.session_id)
    .bind(&p.kind)
    .bind(to_micros(at))
    .bind(&ev.id);
    if emit_when_changed(tx, db, by, now, q, || {
        ExpertViolationRecorded {
            expert_id: expert.clone(),
            session_id: p.session_id.clone(),
            kind: p.kind.clone(),
            at,
            source_event_id: ev.id.clone(),
        }
        .encode()
    })
    .await?
    {
        maybe_suspend(tx, db, now, by, &expert).await?;
    }
    Ok(())
}

/// One section's parties as the experts area keeps them (avoidance screens by them).
struct SectionParties<'a> {
    section_id: &'a str,
    project_id: &'a str,
    tenderer_uscc: &'a str,
    owner_org_id: &'a str,
}

async fn upsert_section(tx: &mut Tx, s: SectionParties<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_sections (section_id, project_id, tenderer_uscc, owner_org_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (section_id) DO UPDATE SET project_id = excluded.project_id, \
         tenderer_uscc = excluded.tenderer_uscc, owner_org_id = excluded.owner_org_id",
    )
    .bind(s.section_id)
    .bind(s.project_id)
    .bind(s.tenderer_uscc)
    .bind(s.owner_org_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The sections of a `projects.project.*` event, with the project's parties.
async fn upsert_project(
    tx: &mut Tx,
    project_id: &str,
    tenderer_uscc: &str,
    owner_org_id: &str,
    sections: &[ggzy_events::projects::ProjectSection],
) -> Result<()> {
    for s in sections {
        upsert_section(
            tx,
            SectionParties {
                section_id: &s.section_id,
                project_id,
                tenderer_uscc,
                owner_org_id,
            },
        )
        .await?;
    }
    Ok(())
}

/// Follows identity, projects and venues events: parties of sections (for avoidance in draws the
/// venues area requests), publicity of results (confidentiality), sessions (draw, move, cancel) and
/// venue violations (automatic suspension).
pub struct Events;

const WANTED: &[&str] = &[
    OrganizationRegistered::NAME,
    UserCreated::NAME,
    ProjectCreated::NAME,
    ProjectUpdated::NAME,
    ProjectApproved::NAME,
    SectionRegistered::NAME,
    RegistrationCreated::NAME,
    CandidatesPublicized::NAME,
    AwardConfirmed::NAME,
    SessionScheduled::NAME,
    SessionMoved::NAME,
    SessionCancelled::NAME,
    ViolationRecorded::NAME,
];

/// The cursor name of this consumer.
pub const CONSUMER: &str = "experts.events";

/// The experts area's copy of the organizations (avoidance: a bidder's or the tenderer's USCC).
const ORGS: ggzy_store::copies::OrgCopy = ggzy_store::copies::OrgCopy {
    table: "expert_orgs",
    columns: &[
        ("id", ggzy_store::copies::OrgField::Id),
        ("uscc", ggzy_store::copies::OrgField::Uscc),
        ("kind", ggzy_store::copies::OrgField::Kind),
    ],
    blank_is_null: false,
};

#[async_trait::async_trait]
impl Consumer for Events {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(CONSUMER, WANTED)
    }
    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let now = clock.now();
        let by = ActorRef::system("experts.events");
        match ev.event_type.as_str() {
            OrganizationRegistered::NAME => {
                let o = OrganizationRegistered::decode(ev)?;
                ORGS.upsert(tx, &o, now).await?;
            }
            UserCreated::NAME => {
                let u = UserCreated::decode(ev)?;
                sqlx::query(
                    "INSERT INTO expert_users (id, username, role, org_id) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (id) DO UPDATE SET username = excluded.username, role = excluded.role, \
                     org_id = excluded.org_id",
                )
                .bind(&u.id)
                .bind(&u.username)
                .bind(&u.role)
                .bind(&u.org_id)
                .execute(&mut **tx)
                .await?;
            }
            ProjectCreated::NAME | ProjectUpdated::NAME | ProjectApproved::NAME => {
                let p = ggzy_events::projects::ProjectSnapshot::of(ev)?;
                upsert_project(
                    tx,
                    &p.project_id,
                    &p.tenderer_uscc,
                    &p.owner_org_id,
                    &p.sections,
                )
                .await?;
            }
            SectionRegistered::NAME => {
                let s = SectionRegistered::decode(ev)?;
                upsert_section(
                    tx,
                    SectionParties {
                        section_id: &s.section_id,
                        project_id: &s.project_id,
                        tenderer_uscc: &s.tenderer_uscc,
                        owner_org_id: &s.owner_org_id,
                    },
                )
                .await?;
                crate::sections::remember(tx, &s).await?;
                crate::relations::remember_terms(tx, &s).await?;
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
            CandidatesPublicized::NAME => {
                let p = CandidatesPublicized::decode(ev)?;
                sqlx::query(
                    "INSERT INTO expert_sections (section_id, project_id, tenderer_uscc, publicized_at) \
                     VALUES ($1, $2, '', $3) ON CONFLICT (section_id) DO UPDATE SET publicized_at = excluded.publicized_at",
                )
                .bind(&p.section_id)
                .bind(&p.project_id)
                .bind(to_micros(p.publicity_starts_at))
                .execute(&mut **tx)
                .await?;
            }
            AwardConfirmed::NAME => result_determined(tx, db, now, &by, ev).await?,
            SessionScheduled::NAME => {
                session_scheduled(tx, db, now, &by, &SessionScheduled::decode(ev)?).await?
            }
            SessionMoved::NAME => {
                session_moved(tx, db, now, &by, &SessionMoved::decode(ev)?).await?
            }
            SessionCancelled::NAME => {
                session_cancelled(tx, db, now, &by, &SessionCancelled::decode(ev)?).await?
            }
            ViolationRecorded::NAME => violation(tx, db, now, &by, ev).await?,
            _ => {}
        }
        Ok(())
    }
}

/// A drawn member as the committee disclosure names him.
#[derive(sqlx::FromRow)]
struct DisclosedRow {
    name: String,
    specialty: String,
}
