//! A complaint decision voiding the result (`projects.section.returned_to_evaluation` with reason
//! `remedy_result_void`; 招标投标法实施条例 第八十一条, 财政部令第94号 第三十二条): the section's candidate
//! publicity (中标候选人公示) and result announcement (中标/成交结果公告) no longer stand. A published one is
//! withdrawn with the decision as its reason (it stays readable as withdrawn, with the reason, like
//! any withdrawal); one not yet published goes back to draft so nothing publishes it. The new
//! result drafts new announcements from its own events.

use crate::service::{self, Status};
use ggzy_core::events::ActorRef;
use ggzy_core::time::to_micros;
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
    // section_ids is a JSON array of ids (no quote in an id): the quoted id matches one element.
    let rows: Vec<IdStatusRow> = sqlx::query_as(
        "SELECT id, status FROM announcements WHERE ann_type IN ('candidate_publicity', 'award') \
         AND section_ids LIKE $1 AND status <> 'withdrawn' ORDER BY created_at",
    )
    .bind(format!("%\"{sid}\"%"))
    .fetch_all(&mut **tx)
    .await?;
    let by = ActorRef::system("publishing.voided_results");
    for r in rows {
        let IdStatusRow { id, status } = r;
        if status == Status::Published.as_str() {
            sqlx::query(
                "UPDATE announcements SET status = 'withdrawn', withdrawn_at = $1, withdraw_reason = $2, \
                 updated_at = $1 WHERE id = $3 AND status = 'published'",
            )
            .bind(to_micros(now))
            .bind(&reason)
            .bind(&id)
            .execute(&mut **tx)
            .await?;
            crate::store::index(tx, &id).await?;
            let a = service::load(tx, db, &id, false).await?;
            service::event(tx, db, &by, now, service::Step::Withdrawn, &a).await?;
        } else if status != Status::Draft.as_str() {
            sqlx::query(
                "UPDATE announcements SET status = 'draft', updated_at = $1 WHERE id = $2 AND status = $3",
            )
            .bind(to_micros(now))
            .bind(&id)
            .bind(&status)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct IdStatusRow {
    id: String,
    status: String,
}
