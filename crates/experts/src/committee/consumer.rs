//! The consumer of other areas' events: result determined (disclosure), sections, sessions and
//! venue violations.

use super::*;
use crate::store::copies::{upsert_section, SectionParties};
use ggzy_events::experts::{CommitteeDisclosed, DisclosedExpert, ExpertViolationRecorded};
use ggzy_events::identity::{OrganizationRegistered, UserCreated};
use ggzy_events::projects::{
    AwardConfirmed, CandidatesPublicized, ProjectApproved, ProjectCreated, ProjectUpdated,
    RegistrationCreated, SectionRegistered,
};
use ggzy_events::venues::{SessionCancelled, SessionMoved, SessionScheduled, ViolationRecorded};
use ggzy_events::Contract;
use ggzy_store::emit_when_changed;

/// The experts area's copies of a registered section (`projects.section.registered`), each
/// refreshed by a repeated registration: its parties (avoidance screens by them), its names (the
/// draw pages show them) and its terms (market, procedure and budget as a decimal text).
const SECTION_COPIES: [ggzy_store::copies::SectionCopy; 3] = {
    use ggzy_store::copies::{OnRepeat, SectionCopy, SectionField as F};
    [
        SectionCopy {
            table: "expert_sections",
            columns: &[
                ("section_id", F::SectionId),
                ("project_id", F::ProjectId),
                ("tenderer_uscc", F::TendererUscc),
                ("owner_org_id", F::OwnerOrgId),
            ],
            on_repeat: OnRepeat::Update,
            blank_is_null: false,
        },
        SectionCopy {
            table: "expert_section_names",
            columns: &[
                ("section_id", F::SectionId),
                ("project_id", F::ProjectId),
                ("project_code", F::ProjectCode),
                ("project_name", F::ProjectName),
                ("section_name", F::Name),
            ],
            on_repeat: OnRepeat::Update,
            blank_is_null: false,
        },
        SectionCopy {
            table: "expert_section_terms",
            columns: &[
                ("section_id", F::SectionId),
                ("market", F::Market),
                ("procedure", F::Procedure),
                ("budget", F::EstimatedDecimal),
            ],
            on_repeat: OnRepeat::Update,
            blank_is_null: false,
        },
    ]
};

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
    store::copies::mark_determined(tx, section, &p.project_id.clone().unwrap_or_default(), at)
        .await?;
    let draw = store::draws::latest_active_draw_of_section(tx, section).await?;
    let mut experts = Vec::new();
    if let Some(d) = &draw {
        for r in store::draws::serving_names(tx, d).await? {
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
        (Some(e), _) => store::pool::expert_id(tx, e).await?,
        (None, Some(u)) => store::pool::expert_of_user(tx, u).await?,
        _ => None,
    };
    let Some(expert) = expert else {
        return Ok(());
    };
    let at = p.at;
    let q = store::pool::insert_violation(store::pool::NewViolation {
        id: ids::new_id(),
        expert_id: &expert,
        session_id: p.session_id.as_deref(),
        kind: &p.kind,
        at,
        source_event_id: &ev.id,
    });
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
                store::copies::upsert_user(tx, &u.id, &u.username, &u.role, u.org_id.as_deref())
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
                for copy in SECTION_COPIES {
                    copy.upsert(tx, &s, now).await?;
                }
            }
            RegistrationCreated::NAME => {
                let r = RegistrationCreated::decode(ev)?;
                // The bidder's USCC is what avoidance screens by; a registration without one names
                // no party to avoid.
                let Some(uscc) = &r.uscc else {
                    return Ok(());
                };
                store::copies::add_section_bidder(tx, &r.section_id, uscc).await?;
            }
            CandidatesPublicized::NAME => {
                let p = CandidatesPublicized::decode(ev)?;
                store::copies::mark_publicized(
                    tx,
                    &p.section_id,
                    p.project_id.as_deref(),
                    p.publicity_starts_at,
                )
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
