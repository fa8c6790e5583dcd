//! Projection of sections and parties (`rem_sections`, `rem_parties`) from the projects area's events.

use super::*;
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
                sqlx::query("UPDATE rem_sections SET prequal_due = NULL WHERE section_id = $1")
                    .bind(&r.section_id)
                    .execute(&mut **tx)
                    .await?;
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
                    sqlx::query(
                        "UPDATE rem_sections SET bid_deadline = $1, opening_at = $2 WHERE section_id = $3",
                    )
                    .bind(to_micros(c.new_deadline))
                    .bind(to_micros(o))
                    .bind(&c.section_id)
                    .execute(&mut **tx)
                    .await?;
                }
                return Ok(());
            }
            // The candidate publicity's end re-derived when a holiday schedule was imported.
            DueDateRederived::NAME => {
                let r = DueDateRederived::decode(ev)?;
                if r.what == "publicity_end" {
                    sqlx::query(
                        "UPDATE rem_sections SET publicity_ends = $1 WHERE section_id = $2",
                    )
                    .bind(to_micros(r.due_at))
                    .bind(&r.section_id)
                    .execute(&mut **tx)
                    .await?;
                }
                return Ok(());
            }
            CandidatesPublicized::NAME => {
                // The candidate publicity's end (实施条例 54: result objections are raised
                // during it).
                let c = CandidatesPublicized::decode(ev)?;
                sqlx::query(
                    "UPDATE rem_sections SET stage = 'publicizing', publicity_ends = $1 WHERE section_id = $2",
                )
                .bind(to_micros(c.publicity_ends_at))
                .bind(&c.section_id)
                .execute(&mut **tx)
                .await?;
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
        sqlx::query("UPDATE rem_sections SET stage = $1 WHERE section_id = $2")
            .bind(stage)
            .bind(&sid)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

async fn prequal_due(tx: &mut Tx, section_id: &str, due_at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE rem_sections SET prequal_due = $1 WHERE section_id = $2")
        .bind(to_micros(due_at))
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn party(tx: &mut Tx, section_id: &str, org_id: &str, ev: &Event) -> Result<()> {
    sqlx::query(
        "INSERT INTO rem_parties (section_id, org_id, registered_at) VALUES ($1, $2, $3) \
         ON CONFLICT (section_id, org_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(org_id)
    .bind(to_micros(ev.occurred_at))
    .execute(&mut **tx)
    .await?;
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

#[derive(sqlx::FromRow)]
struct SecRow {
    market: String,
    project_code: String,
    owner_org_id: String,
    stage: String,
    #[sqlx(try_from = "At")]
    bid_deadline: Timestamp,
    procedure: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    docs_issue_at: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    prequal_due: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    publicity_ends: Option<Timestamp>,
}

pub(super) async fn load_section(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Sec> {
    let r: SecRow = sqlx::query_as(
        "SELECT market, project_code, owner_org_id, stage, bid_deadline, procedure, docs_issue_at, \
         prequal_due, publicity_ends FROM rem_sections WHERE section_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
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
    Ok(sqlx::query_scalar::<_, At>(
        "SELECT registered_at FROM rem_parties WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?
    .map(Timestamp::from))
}
