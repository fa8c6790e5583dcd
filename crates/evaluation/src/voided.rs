//! A voided result sends the committee back to work (`projects.section.returned_to_evaluation`,
//! reason `remedy_result_void`). 招标投标法实施条例 第八十一条 ("应当依法重新招标或者评标") and 财政部令第94号
//! 第三十二条 give the re-evaluation (重新评标); neither law requires a new committee, so the committee of
//! record re-evaluates, and a new draw (`experts.draw.completed`, e.g. after an avoidance finding
//! of the complaint) replaces it as any re-draw does. The voided round — the signed report, the
//! members' reviews and scores — is moved to `eval_voided_rounds`, never deleted; the members'
//! stage marks, signatures and chair votes, the tie draw and the price checks are reset so the
//! round runs again from stage 1.

use ggzy_core::events::Event;
use ggzy_core::ids;
use ggzy_core::sql::Flag;
use ggzy_core::Result;
use ggzy_events::projects::SectionReturnedToEvaluation;
use ggzy_events::Contract;
use ggzy_store::Tx;
use serde_json::{json, Value};

/// Archives the current round of the section and resets it.
#[derive(sqlx::FromRow)]
struct SignedReportRow {
    report: Option<String>,
    signed_at: Option<i64>,
}

/// A review as kept in the voided round (`at` stays in µs).
#[derive(sqlx::FromRow)]
struct ReviewRow {
    expert_id: String,
    org_id: String,
    #[sqlx(try_from = "Flag")]
    pass: bool,
    items: String,
    at: i64,
}

#[derive(sqlx::FromRow)]
struct ScoreRow {
    expert_id: String,
    org_id: String,
    points: String,
    at: i64,
}

#[derive(sqlx::FromRow)]
struct PriceCheckRow {
    org_id: String,
    #[sqlx(try_from = "Flag")]
    reasonable: bool,
    explanation: String,
    recorded_by: String,
    recorded_at: i64,
}

pub(crate) async fn reopen(tx: &mut Tx, ev: &Event, now: i64) -> Result<()> {
    let r = SectionReturnedToEvaluation::decode(ev)?;
    if r.reason != "remedy_result_void" {
        return Ok(());
    }
    let sid = r.section_id.as_str();
    let Some(sec) = sqlx::query_as::<_, SignedReportRow>(
        "SELECT report, signed_at FROM eval_sections WHERE section_id = $1",
    )
    .bind(sid)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(());
    };
    let (report, signed_at) = (sec.report, sec.signed_at);
    let reviews: Vec<Value> = sqlx::query_as::<_, ReviewRow>(
        "SELECT expert_id, org_id, pass, items, at FROM eval_reviews WHERE section_id = $1 \
         ORDER BY expert_id, org_id",
    )
    .bind(sid)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| {
        json!({"expert_id": r.expert_id, "org_id": r.org_id,
              "pass": r.pass,
              "items": serde_json::from_str::<Value>(&r.items).unwrap_or(Value::Null),
              "at": r.at})
    })
    .collect();
    let scores: Vec<Value> = sqlx::query_as::<_, ScoreRow>(
        "SELECT expert_id, org_id, points, at FROM eval_scores WHERE section_id = $1 \
         ORDER BY expert_id, org_id",
    )
    .bind(sid)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| {
        json!({"expert_id": r.expert_id, "org_id": r.org_id,
              "points": serde_json::from_str::<Value>(&r.points).unwrap_or(Value::Null),
              "at": r.at})
    })
    .collect();
    let price_checks: Vec<Value> = sqlx::query_as::<_, PriceCheckRow>(
        "SELECT org_id, reasonable, explanation, recorded_by, recorded_at FROM eval_price_checks \
         WHERE section_id = $1 ORDER BY org_id",
    )
    .bind(sid)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| {
        json!({"org_id": r.org_id,
              "reasonable": r.reasonable,
              "explanation": r.explanation,
              "recorded_by": r.recorded_by,
              "recorded_at": r.recorded_at})
    })
    .collect();
    sqlx::query(
        "INSERT INTO eval_voided_rounds (id, section_id, remedy_case_id, report, signed_at, reviews, \
         scores, price_checks, voided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(ids::new_id())
    .bind(sid)
    .bind(&r.remedy_case_id)
    .bind(report)
    .bind(signed_at)
    .bind(Value::Array(reviews).to_string())
    .bind(Value::Array(scores).to_string())
    .bind(Value::Array(price_checks).to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    for table in ["eval_reviews", "eval_scores", "eval_price_checks"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE section_id = $1"))
            .bind(sid)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "UPDATE eval_members SET reviewed_at = NULL, scored_at = NULL, signed_at = NULL, \
         sign_note = NULL, sign_refused = 0, chair_vote = NULL, review_of = NULL, scores_of = NULL \
         WHERE section_id = $1",
    )
    .bind(sid)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE eval_sections SET report = NULL, signed_at = NULL, tie_seed = NULL, \
         tie_drawn_at = NULL, updated_at = $1 WHERE section_id = $2",
    )
    .bind(now)
    .bind(sid)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
