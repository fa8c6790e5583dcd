//! The evaluation area's view of the suspensions ordered by the remedies area (crates/remedies):
//! it reads only the `remedies.case.suspended` / `remedies.case.resumed` events into its own
//! `eval_suspensions` table (never the remedies or projects tables). While a section has a
//! suspension, every step of the committee (review, scores, chair vote, clarification, signature)
//! is refused with 409 `section.suspended_by_remedy`, naming the case — 实施条例 22 ("作出答复前，
//! 应当暂停招标投标活动"), 实施条例 62 and 政采法 57 (the supervisor may suspend).

use crate::store::sections;
use ggzy_core::events::Event;
use ggzy_core::time::to_micros;
use ggzy_core::{Clock, Result};
use ggzy_events::remedies::{CaseResumed, CaseSuspended};
use ggzy_events::Contract;
use ggzy_store::consumer::Consumer;
use ggzy_store::{Db, Tx};

/// The rule id of a step refused while a remedy suspends the section (the same id the projects
/// area answers with).
pub use ggzy_events::remedies::SUSPENDED_RULE;

/// 409 `section.suspended_by_remedy` while a remedy case suspends the section.
pub async fn ensure_not_suspended(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<()> {
    let case = sections::first_suspension(conn, section_id).await?;
    match case {
        None => Ok(()),
        Some(case) => Err(ggzy_events::remedies::suspended(&case, "the evaluation")),
    }
}

/// Consumer of the remedies suspension events.
pub struct Suspensions;

#[async_trait::async_trait]
impl Consumer for Suspensions {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "evaluation.suspensions",
            &[CaseSuspended::NAME, CaseResumed::NAME],
        )
    }

    /// Decoded through the contracts: an event that does not decode fails the consumer, which
    /// parks it with an alert after its retries (ggzy-events crate docs) — never skipped.
    async fn handle(&self, tx: &mut Tx, _db: &Db, _clock: &Clock, ev: &Event) -> Result<()> {
        let suspended = ev.event_type == CaseSuspended::NAME;
        let (section_id, case_id) = if suspended {
            let c = CaseSuspended::decode(ev)?;
            (c.section_id, c.case_id)
        } else {
            let c = CaseResumed::decode(ev)?;
            (c.section_id, c.case_id)
        };
        if suspended {
            sections::insert_suspension(tx, &section_id, &case_id, to_micros(ev.occurred_at))
                .await?;
        } else {
            sections::delete_suspension(tx, &section_id, &case_id).await?;
        }
        Ok(())
    }
}
