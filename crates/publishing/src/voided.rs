//! A complaint decision voiding the result (`projects.section.returned_to_evaluation` with reason
//! `remedy_result_void`; 招标投标法实施条例 第八十一条, 财政部令第94号 第三十二条): the section's candidate
//! publicity (中标候选人公示) and result announcement (中标/成交结果公告) no longer stand. A published one is
//! withdrawn with the decision as its reason (it stays readable as withdrawn, with the reason, like
//! any withdrawal); one not yet published goes back to draft so nothing publishes it. The new
//! result drafts new announcements from its own events.

use crate::service::{self, Status};
use crate::store;
use crate::store::announcements::IdStatusRow;
use ggzy_core::events::ActorRef;
use ggzy_core::Result;
use ggzy_events::projects::SectionReturnedToEvaluation;
use ggzy_store::{Db, Tx};

pub(crate) async fn withdraw_result(
    tx: &mut Tx,
    db: &Db,
    now: ggzy_core::Timestamp,
    p: &SectionReturnedToEvaluation,
) -> Result<()> {
    if p.reason != "remedy_result_void" {
        return Ok(());
    }
    let sid = p.section_id.as_str();
    let case = p.remedy_case_id.as_str();
    let reason = format!(
        "投诉处理决定认定中标结果无效，重新评标 (the supervisor's complaint decision voided the result; \
         remedy case {case})"
    );
    let rows = store::announcements::results_of_section(tx, sid).await?;
    let by = ActorRef::system("publishing.voided_results");
    for r in rows {
        let IdStatusRow { id, status } = r;
        if status == Status::Published {
            store::announcements::withdraw(tx, &id, &reason, now).await?;
            store::index(tx, &id).await?;
            let a = service::load(tx, db, &id, false).await?;
            service::event(tx, db, &by, now, service::Step::Withdrawn, &a).await?;
        } else if status != Status::Draft {
            store::announcements::back_to_draft(tx, &id, status, now).await?;
        }
    }
    Ok(())
}
