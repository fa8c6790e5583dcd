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
use ggzy_core::Result;
use ggzy_events::projects::SectionReturnedToEvaluation;
use ggzy_events::Contract;
use ggzy_store::Tx;
use serde_json::{json, Value};
use sqlx::Row;

/// Archives the current round of the section and resets it.
pub(crate) async fn reopen(tx: &mut Tx, ev: &Event, now: i64) -> Result<()> {
    let r = SectionReturnedToEvaluation::decode(ev)?;
    if r.reason != "remedy_result_void" {
        return Ok(());
    }
    let sid = r.section_id.as_str();
    let Some(sec) =
        sqlx::query("SELECT report, signed_at FROM eval_sections WHERE section_id = $1")
            .bind(sid)
            .fetch_optional(&mut **tx)
            .await?
    else {
        return Ok(());
    };
    let report: Option<String> = sec.try_get(0)?;
    let signed_at: Option<i64> = sec.try_get(1)?;
    let reviews: Vec<Value> = sqlx::query(
        "SELECT expert_id, org_id, pass, items, at FROM eval_reviews WHERE section_id = $1 \
         ORDER BY expert_id, org_id",
    )
    .bind(sid)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| -> Result<Value> {
        Ok(
            json!({"expert_id": r.try_get::<String, _>(0)?, "org_id": r.try_get::<String, _>(1)?,
                  "pass": r.try_get::<i64, _>(2)? != 0,
                  "items": serde_json::from_str::<Value>(&r.try_get::<String, _>(3)?)
                      .unwrap_or(Value::Null),
                  "at": r.try_get::<i64, _>(4)?}),
        )
    })
    .collect::<Result<_>>()?;
    let scores: Vec<Value> = sqlx::query(
        "SELECT expert_id, org_id, points, at FROM eval_scores WHERE section_id = $1 \
         ORDER BY expert_id, org_id",
    )
    .bind(sid)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| -> Result<Value> {
        Ok(
            json!({"expert_id": r.try_get::<String, _>(0)?, "org_id": r.try_get::<String, _>(1)?,
                  "points": serde_json::from_str::<Value>(&r.try_get::<String, _>(2)?)
                      .unwrap_or(Value::Null),
                  "at": r.try_get::<i64, _>(3)?}),
        )
    })
    .collect::<Result<_>>()?;
    let price_checks: Vec<Value> = sqlx::query(
        "SELECT org_id, reasonable, explanation, recorded_by, recorded_at FROM eval_price_checks \
         WHERE section_id = $1 ORDER BY org_id",
    )
    .bind(sid)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| -> Result<Value> {
        Ok(json!({"org_id": r.try_get::<String, _>(0)?,
                  "reasonable": r.try_get::<i64, _>(1)? != 0,
                  "explanation": r.try_get::<String, _>(2)?,
                  "recorded_by": r.try_get::<String, _>(3)?,
                  "recorded_at": r.try_get::<i64, _>(4)?}))
    })
    .collect::<Result<_>>()?;
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
