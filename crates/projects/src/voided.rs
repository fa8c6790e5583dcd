//! A complaint decision voiding the result (`remedies.case.decided`, decision `result_void`):
//! 招标投标法实施条例 第八十一条 ("中标无效，应当依法重新招标或者评标") and 政府采购质疑和投诉办法
//! (财政部令第94号) 第三十二条 (the result is void; the winner is determined anew). The section goes back
//! to `evaluating` ([`crate::suspension`]); this module moves what the section had — its result
//! and candidate publicity (`section_evaluations`), its award and notice (`section_awards`) and the
//! procurement award path (`procurement_awards`) — to `section_voided_results`, kept as they were,
//! and cancels their timers, so that a new result and a new award can run (docs/remedies.md).

use ggzy_core::ids;
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::{timers, Tx};
use serde_json::{json, Value};
use sqlx::Row;

/// Moves the section's result, award and procurement award path to the history; returns whether
/// there was a result.
pub(crate) async fn archive(
    tx: &mut Tx,
    now: Timestamp,
    section_id: &str,
    case_id: &str,
    previous_state: &str,
) -> Result<bool> {
    let evaluation = sqlx::query(
        "SELECT report_ref, source, candidates, publicity_days, publicity_starts_at, \
         publicity_ends_at, submitted_by, created_at FROM section_evaluations WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| -> Result<Value> {
        Ok(json!({
            "report_ref": r.try_get::<String, _>(0)?,
            "source": r.try_get::<String, _>(1)?,
            "candidates": serde_json::from_str::<Value>(&r.try_get::<String, _>(2)?)
                .unwrap_or(Value::Null),
            "publicity_days": r.try_get::<i64, _>(3)?,
            "publicity_starts_at": r.try_get::<i64, _>(4)?,
            "publicity_ends_at": r.try_get::<i64, _>(5)?,
            "submitted_by": r.try_get::<String, _>(6)?,
            "created_at": r.try_get::<i64, _>(7)?,
        }))
    })
    .transpose()?;
    let award = sqlx::query(
        "SELECT notice_no, winner_org_id, winner_name, winner_rank, price_fen, awarded_by, \
         awarded_at, contract_signed_on FROM section_awards WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| -> Result<Value> {
        Ok(json!({
            "notice_no": r.try_get::<String, _>(0)?,
            "winner_org_id": r.try_get::<String, _>(1)?,
            "winner_name": r.try_get::<String, _>(2)?,
            "winner_rank": r.try_get::<i64, _>(3)?,
            "price_fen": r.try_get::<i64, _>(4)?,
            "awarded_by": r.try_get::<String, _>(5)?,
            "awarded_at": r.try_get::<i64, _>(6)?,
            "contract_signed_on": r.try_get::<Option<String>, _>(7)?,
        }))
    })
    .transpose()?;
    let procurement = sqlx::query(
        "SELECT report_ref, report_at, report_sent_at, confirmed_at, announced_at, announcement_id, \
         contract_signed_on FROM procurement_awards WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| -> Result<Value> {
        Ok(json!({
            "report_ref": r.try_get::<String, _>(0)?,
            "report_at": r.try_get::<i64, _>(1)?,
            "report_sent_at": r.try_get::<Option<i64>, _>(2)?,
            "confirmed_at": r.try_get::<Option<i64>, _>(3)?,
            "announced_at": r.try_get::<Option<i64>, _>(4)?,
            "announcement_id": r.try_get::<Option<String>, _>(5)?,
            "contract_signed_on": r.try_get::<Option<String>, _>(6)?,
        }))
    })
    .transpose()?;
    if evaluation.is_none() && award.is_none() && procurement.is_none() {
        return Ok(false);
    }
    let text = |v: &Option<Value>| v.as_ref().map(Value::to_string);
    sqlx::query(
        "INSERT INTO section_voided_results (id, section_id, remedy_case_id, previous_state, \
         evaluation, award, procurement, voided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(ids::new_id())
    .bind(section_id)
    .bind(case_id)
    .bind(previous_state)
    .bind(text(&evaluation))
    .bind(text(&award))
    .bind(text(&procurement))
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    for table in [
        "section_awards",
        "procurement_awards",
        "section_evaluations",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE section_id = $1"))
            .bind(section_id)
            .execute(&mut **tx)
            .await?;
    }
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
