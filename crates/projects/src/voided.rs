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

// The archive keeps the stored values as they were (instants in µs, money in fen, candidates as
// their JSON), so these rows read the raw encodings.

/// The `section_evaluations` columns archived.
#[derive(sqlx::FromRow)]
struct EvaluationRow {
    report_ref: String,
    source: String,
    candidates: String,
    publicity_days: i64,
    publicity_starts_at: i64,
    publicity_ends_at: i64,
    submitted_by: String,
    created_at: i64,
}

/// The `section_awards` columns archived.
#[derive(sqlx::FromRow)]
struct AwardRow {
    notice_no: String,
    winner_org_id: String,
    winner_name: String,
    winner_rank: i64,
    price_fen: i64,
    awarded_by: String,
    awarded_at: i64,
    contract_signed_on: Option<String>,
}

/// The `procurement_awards` columns archived.
#[derive(sqlx::FromRow)]
struct ProcurementRow {
    report_ref: String,
    report_at: i64,
    report_sent_at: Option<i64>,
    confirmed_at: Option<i64>,
    announced_at: Option<i64>,
    announcement_id: Option<String>,
    contract_signed_on: Option<String>,
}

/// Moves the section's result, award and procurement award path to the history; returns whether
/// there was a result.
pub(crate) async fn archive(
    tx: &mut Tx,
    now: Timestamp,
    section_id: &str,
    case_id: &str,
    previous_state: &str,
) -> Result<bool> {
    let evaluation = sqlx::query_as::<_, EvaluationRow>(
        "SELECT report_ref, source, candidates, publicity_days, publicity_starts_at, \
         publicity_ends_at, submitted_by, created_at FROM section_evaluations WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| {
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
    let award = sqlx::query_as::<_, AwardRow>(
        "SELECT notice_no, winner_org_id, winner_name, winner_rank, price_fen, awarded_by, \
         awarded_at, contract_signed_on FROM section_awards WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| {
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
    let procurement = sqlx::query_as::<_, ProcurementRow>(
        "SELECT report_ref, report_at, report_sent_at, confirmed_at, announced_at, announcement_id, \
         contract_signed_on FROM procurement_awards WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| {
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
