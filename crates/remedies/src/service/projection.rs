//! Projection of sections and parties (`rem_sections`, `rem_parties`) from the projects area's events.

use super::*;
use crate::store::sections as store;
use ggzy_events::projects::{
    AwardConfirmed, CandidatesPublicized, DueDateRederived, OpeningRecorded,
    PrequalificationApplied, PrequalificationDeadlineChanged, PrequalificationOpened,
    PrequalificationReviewed, RegistrationCreated, SectionBiddingOpened, SectionClosed,
    SectionConcluded, SectionDeadlineChanged, SectionFailed, SectionOpened, SectionRegistered,
    SectionReturnedToEvaluation, SectionTerminated,
};
use ggzy_events::Contract;

/// Keeps `rem_sections` and `rem_parties` from the projects area's events.
pub struct Projection;

/// The remedies area's copy of the sections (its stage moves on from here: a repeated
/// registration keeps the row).
const SECTIONS: ggzy_store::copies::SectionCopy = {
    use ggzy_store::copies::{OnRepeat, SectionCopy, SectionField as F};
    SectionCopy {
        table: "rem_sections",
        columns: &[
            ("section_id", F::SectionId),
            ("project_id", F::ProjectId),
            ("project_code", F::ProjectCodeOrBlank),
            ("market", F::Market),
            ("owner_org_id", F::OwnerOrgId),
            ("stage", F::Text("registered")),
            ("bid_deadline", F::BidDeadline),
            ("opening_at", F::OpeningAt),
            ("procedure", F::Procedure),
            ("docs_issue_at", F::DocsIssueAt),
        ],
        on_repeat: OnRepeat::Keep,
        blank_is_null: false,
    }
};

#[async_trait::async_trait]
impl Consumer for Projection {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            CONSUMER,
            &[
                SectionRegistered::NAME,
                SectionBiddingOpened::NAME,
                SectionDeadlineChanged::NAME,
                SectionClosed::NAME,
                SectionOpened::NAME,
                OpeningRecorded::NAME,
                CandidatesPublicized::NAME,
                DueDateRederived::NAME,
                AwardConfirmed::NAME,
                SectionConcluded::NAME,
                SectionFailed::NAME,
                SectionTerminated::NAME,
                SectionReturnedToEvaluation::NAME,
                RegistrationCreated::NAME,
                PrequalificationOpened::NAME,
                PrequalificationApplied::NAME,
                PrequalificationReviewed::NAME,
                PrequalificationDeadlineChanged::NAME,
            ],
        )
    }

    /// Each event is decoded through its contract (crates/events): an undecodable one fails and is
    /// parked with an alert.
    async fn handle(&self, tx: &mut Tx, _db: &Db, _clock: &Clock, ev: &Event) -> Result<()> {
        let stage = match ev.event_type.as_str() {
            SectionRegistered::NAME => {
                let r = SectionRegistered::decode(ev)?;
                return SECTIONS.upsert(tx, &r, ev.occurred_at).await;
            }
            // The open prequalification round's applications deadline (实施条例 22 counts the
            // objection period back from it); none once the round is reviewed.
            PrequalificationOpened::NAME => {
                let o = PrequalificationOpened::decode(ev)?;
                return prequal_due(tx, &o.section_id, o.applications_due_at).await;
            }
            PrequalificationDeadlineChanged::NAME => {
                let c = PrequalificationDeadlineChanged::decode(ev)?;
                return prequal_due(tx, &c.section_id, c.applications_due_at).await;
            }
            PrequalificationReviewed::NAME => {
                let r = PrequalificationReviewed::decode(ev)?;
                store::clear_prequal_due(tx, &r.section_id).await?;
                return Ok(());
            }
            // An applicant is a party of the section: it sees the section's cases.
            PrequalificationApplied::NAME => {
                let a = PrequalificationApplied::decode(ev)?;
                return party(tx, &a.section_id, &a.org_id, ev).await;
            }
            RegistrationCreated::NAME => {
                let r = RegistrationCreated::decode(ev)?;
                return party(tx, &r.section_id, &r.org_id, ev).await;
            }
            SectionDeadlineChanged::NAME => {
                let c = SectionDeadlineChanged::decode(ev)?;
                if let Some(o) = c.new_opening_at {
                    store::set_deadline(tx, &c.section_id, c.new_deadline, o).await?;
                }
                return Ok(());
            }
            // The candidate publicity's end re-derived when a holiday schedule was imported.
            DueDateRederived::NAME => {
                let r = DueDateRederived::decode(ev)?;
                if r.what == "publicity_end" {
                    store::set_publicity_ends(tx, &r.section_id, r.due_at).await?;
                }
                return Ok(());
            }
            CandidatesPublicized::NAME => {
                // The candidate publicity's end (实施条例 54: result objections are raised
                // during it).
                let c = CandidatesPublicized::decode(ev)?;
                store::mark_publicizing(tx, &c.section_id, c.publicity_ends_at).await?;
                return Ok(());
            }
            SectionBiddingOpened::NAME => (SectionBiddingOpened::decode(ev)?.section_id, "bidding"),
            SectionClosed::NAME => (SectionClosed::decode(ev)?.section_id, "closed"),
            SectionOpened::NAME => (SectionOpened::decode(ev)?.section_id, "opening"),
            OpeningRecorded::NAME => (OpeningRecorded::decode(ev)?.section_id, "evaluating"),
            SectionReturnedToEvaluation::NAME => (
                SectionReturnedToEvaluation::decode(ev)?.section_id,
                "evaluating",
            ),
            AwardConfirmed::NAME => (AwardConfirmed::decode(ev)?.section_id, "awarded"),
            SectionConcluded::NAME => (SectionConcluded::decode(ev)?.section_id, "awarded"),
            SectionFailed::NAME => (SectionFailed::decode(ev)?.section_id, "failed"),
            SectionTerminated::NAME => (SectionTerminated::decode(ev)?.section_id, "terminated"),
            _ => return Ok(()),
        };
        let (sid, stage) = stage;
        store::set_stage(tx, &sid, stage).await?;
        Ok(())
    }
}

async fn prequal_due(tx: &mut Tx, section_id: &str, due_at: Timestamp) -> Result<()> {
    store::set_prequal_due(tx, section_id, due_at).await?;
    Ok(())
}

async fn party(tx: &mut Tx, section_id: &str, org_id: &str, ev: &Event) -> Result<()> {
    store::insert_party(tx, section_id, org_id, ev.occurred_at).await?;
    Ok(())
}

pub(super) struct Sec {
    pub(super) market: String,
    pub(super) project_code: String,
    pub(super) owner_org_id: String,
    pub(super) stage: String,
    pub(super) bid_deadline: Timestamp,
    pub(super) procedure: String,
    pub(super) docs_issue_at: Option<Timestamp>,
    pub(super) prequal_due: Option<Timestamp>,
    /// The end of the candidate publicity (中标候选人公示), once the result is publicized.
    pub(super) publicity_ends: Option<Timestamp>,
}

pub(super) async fn load_section(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Sec> {
    let r = store::section(conn, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {id}")))?;
    Ok(Sec {
        market: r.market,
        project_code: r.project_code,
        owner_org_id: r.owner_org_id,
        stage: r.stage,
        bid_deadline: r.bid_deadline,
        procedure: r.procedure.unwrap_or_default(),
        docs_issue_at: r.docs_issue_at,
        prequal_due: r.prequal_due,
        publicity_ends: r.publicity_ends,
    })
}

pub(super) async fn party_since(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<Timestamp>> {
    store::party_since(conn, section_id, org_id).await
}
