//! A complaint decision voiding the result (`remedies.case.decided`, decision `result_void`):
//! 招标投标法实施条例 第八十一条 ("中标无效，应当依法重新招标或者评标") and 政府采购质疑和投诉办法
//! (财政部令第94号) 第三十二条 (the result is void; the winner is determined anew). The section goes back
//! to `evaluating` ([`crate::suspension`]); this module moves what the section had — its result
//! and candidate publicity (`section_evaluations`), its award and notice (`section_awards`) and the
//! procurement award path (`procurement_awards`) — to `section_voided_results`, kept as they were,
//! and cancels their timers, so that a new result and a new award can run (docs/remedies.md).

use crate::store::voided as store;
use ggzy_core::ids;
use ggzy_core::{Result, Timestamp};
use ggzy_store::{timers, Tx};
use serde_json::{json, Value};

/// Moves the section's result, award and procurement award path to the history; returns whether
/// there was a result.
pub(crate) async fn archive(
    tx: &mut Tx,
    now: Timestamp,
    section_id: &str,
    case_id: &str,
    previous_state: &str,
) -> Result<bool> {
    let evaluation = store::evaluation(tx, section_id).await?.map(|r| {
        json!({
            "report_ref": r.report_ref,
            "source": r.source,
            "candidates": serde_json::from_str::<Value>(&r.candidates).unwrap_or(Value::Null),
            "publicity_days": r.publicity_days,
            "publicity_starts_at": r.publicity_starts_at,
            "publicity_ends_at": r.publicity_ends_at,
            "submitted_by": r.submitted_by,
            "created_at": r.created_at,
        })
    });
    let award = store::award(tx, section_id).await?.map(|r| {
        json!({
            "notice_no": r.notice_no,
            "winner_org_id": r.winner_org_id,
            "winner_name": r.winner_name,
            "winner_rank": r.winner_rank,
            "price_fen": r.price_fen,
            "awarded_by": r.awarded_by,
            "awarded_at": r.awarded_at,
            "contract_signed_on": r.contract_signed_on,
        })
    });
    let procurement = store::procurement(tx, section_id).await?.map(|r| {
        json!({
            "report_ref": r.report_ref,
            "report_at": r.report_at,
            "report_sent_at": r.report_sent_at,
            "confirmed_at": r.confirmed_at,
            "announced_at": r.announced_at,
            "announcement_id": r.announcement_id,
            "contract_signed_on": r.contract_signed_on,
        })
    });
    if evaluation.is_none() && award.is_none() && procurement.is_none() {
        return Ok(false);
    }
    let text = |v: &Option<Value>| v.as_ref().map(Value::to_string);
    store::insert(
        tx,
        &store::VoidedResult {
            id: &ids::new_id(),
            section_id,
            remedy_case_id: case_id,
            previous_state,
            evaluation: text(&evaluation),
            award: text(&award),
            procurement: text(&procurement),
            voided_at: now,
        },
    )
    .await?;
    store::delete_result(tx, section_id).await?;
    timers::cancel(tx, &crate::award::contract_key(section_id)).await?;
    for kind in [
        crate::procurement::REPORT_TIMER,
        crate::procurement::CONFIRM_TIMER,
        crate::procurement::ANNOUNCE_TIMER,
        crate::procurement::CONTRACT_ANNOUNCE_TIMER,
    ] {
        timers::cancel(tx, &format!("{kind}:{section_id}")).await?;
    }
    Ok(evaluation.is_some())
}
