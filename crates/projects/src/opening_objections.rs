//! Objections at the opening (开标现场异议, 招标投标法实施条例 第四十四条): "投标人对开标有异议的，
//! 应当在开标现场提出，招标人应当当场作出答复，并制作记录". The objection is a remedies case (kind
//! `objection`, target `opening`, raised while the opening is in progress, answered the same day);
//! this module keeps the projects area's own record of it from the remedies events —
//! `remedies.case.raised` and `remedies.case.answered` with target `opening` — so the opening record
//! (开标记录, [`crate::opening::get_record`] and the `projects.opening.recorded` event) lists each
//! objection and its answer without reading the remedies tables. Who raised it is not recorded
//! (the remedies views hide the raiser from the other bidders as well).

use crate::store::objections as store;
use chrono::{DateTime, Utc};
use ggzy_core::events::Event;
use ggzy_core::{Clock, Result};
use ggzy_events::remedies::{CaseAnswered, CaseRaised};
use ggzy_events::Contract;
use ggzy_store::consumer::Consumer;
use ggzy_store::{Db, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The legal basis printed with the objections in the opening record.
pub const SOURCE: &str = "招标投标法实施条例 第四十四条";

/// One objection raised at the opening and the tenderer's answer, as the opening record lists it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct OpeningObjection {
    /// The remedies case (`GET /api/v1/remedies/{id}`).
    pub case_id: String,
    pub raised_at: DateTime<Utc>,
    pub grounds: String,
    /// The answer given on the spot; null while unanswered.
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Answered after the day of the opening (the law requires an answer on the spot).
    #[serde(default)]
    pub answered_late: bool,
    pub source: String,
}

/// A row of `opening_objections`.
/// The objections raised at a section's opening, in the order they were raised.
pub async fn list(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<OpeningObjection>> {
    let rows = store::of_section(conn, section_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| OpeningObjection {
            case_id: r.case_id,
            raised_at: r.raised_at,
            grounds: r.grounds,
            answer: r.answer,
            answered_at: r.answered_at,
            answered_late: r.answered_late,
            source: SOURCE.to_string(),
        })
        .collect())
}

/// Consumer of the remedies events about opening objections.
pub struct OpeningObjections;

#[async_trait::async_trait]
impl Consumer for OpeningObjections {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "projects.opening_objections",
            &[CaseRaised::NAME, CaseAnswered::NAME],
        )
    }

    /// Decoded through the contracts: an event that does not decode fails the consumer, which
    /// parks it with an alert after its retries (ggzy-events crate docs) — never skipped.
    async fn handle(&self, tx: &mut Tx, _db: &Db, _clock: &Clock, ev: &Event) -> Result<()> {
        let opening_objection =
            |target: &str, kind: &str| target == "opening" && kind == "objection";
        if ev.event_type == CaseRaised::NAME {
            let c = CaseRaised::decode(ev)?;
            if !opening_objection(&c.target, &c.kind) {
                return Ok(());
            }
            store::insert(tx, &c.case_id, &c.section_id, ev.occurred_at, &c.grounds).await?;
        } else {
            let c = CaseAnswered::decode(ev)?;
            if !opening_objection(&c.target, &c.kind) {
                return Ok(());
            }
            store::answer(tx, &c.case_id, &c.answer, ev.occurred_at, c.late).await?;
        }
        Ok(())
    }
}
