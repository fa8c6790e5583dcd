//! A voided result sends the committee back to work (`projects.section.returned_to_evaluation`,
//! reason `remedy_result_void`). 招标投标法实施条例 第八十一条 ("应当依法重新招标或者评标") and 财政部令第94号
//! 第三十二条 give the re-evaluation (重新评标); neither law requires a new committee, so the committee of
//! record re-evaluates, and a new draw (`experts.draw.completed`, e.g. after an avoidance finding
//! of the complaint) replaces it as any re-draw does. The voided round — the signed report, the
//! members' reviews and scores — is moved to `eval_voided_rounds`, never deleted; the members'
//! stage marks, signatures and chair votes, the tie draw and the price checks are reset so the
//! round runs again from stage 1.

use crate::store::{committee, members, sections};
use ggzy_core::events::Event;
use ggzy_core::ids;
use ggzy_core::Result;
use ggzy_events::projects::SectionReturnedToEvaluation;
use ggzy_events::Contract;
use ggzy_store::Tx;
use serde_json::{json, Value};

/// Archives the current round of the section and resets it.
pub(crate) async fn reopen(tx: &mut Tx, ev: &Event, now: i64) -> Result<()> {
    let r = SectionReturnedToEvaluation::decode(ev)?;
    if r.reason != "remedy_result_void" {
        return Ok(());
    }
    let sid = r.section_id.as_str();
    let Some(sec) = sections::signed_report(tx, sid).await? else {
        return Ok(());
    };
    let (report, signed_at) = (sec.report, sec.signed_at);
    let reviews: Vec<Value> = committee::round_reviews(tx, sid)
        .await?
        .into_iter()
        .map(|r| {
            json!({"expert_id": r.expert_id, "org_id": r.org_id,
                  "pass": r.pass,
                  "items": serde_json::from_str::<Value>(&r.items).unwrap_or(Value::Null),
                  "at": r.at})
        })
        .collect();
    let scores: Vec<Value> = committee::round_scores(tx, sid)
        .await?
        .into_iter()
        .map(|r| {
            json!({"expert_id": r.expert_id, "org_id": r.org_id,
                  "points": serde_json::from_str::<Value>(&r.points).unwrap_or(Value::Null),
                  "at": r.at})
        })
        .collect();
    let price_checks: Vec<Value> = committee::round_price_checks(tx, sid)
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
    committee::insert_voided_round(
        tx,
        committee::VoidedRound {
            id: ids::new_id(),
            section_id: sid,
            remedy_case_id: &r.remedy_case_id,
            report,
            signed_at,
            reviews: Value::Array(reviews).to_string(),
            scores: Value::Array(scores).to_string(),
            price_checks: Value::Array(price_checks).to_string(),
            voided_at: now,
        },
    )
    .await?;
    committee::clear_round(tx, sid).await?;
    members::reset_round(tx, sid).await?;
    sections::clear_report(tx, sid, now).await?;
    Ok(())
}
