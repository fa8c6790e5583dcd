//! The committee's work: `eval_reviews`, `eval_scores`, `eval_price_checks`,
//! `eval_clarifications`, and `eval_voided_rounds` where a voided round is archived.

use crate::service::{Clarification, PriceCheck};
use ggzy_core::sql::{Flag, Json};
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;

// eval_reviews

/// One member's verdict on one bid (`items`: the review items as JSON text).
pub(crate) async fn insert_review(
    tx: &mut Tx,
    section_id: &str,
    expert_id: &str,
    org_id: &str,
    pass: bool,
    items: String,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO eval_reviews (section_id, expert_id, org_id, pass, items, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(section_id)
    .bind(expert_id)
    .bind(org_id)
    .bind(i64::from(pass))
    .bind(items)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A member's verdict on a bid.
#[derive(sqlx::FromRow)]
pub(crate) struct VerdictRow {
    pub(crate) expert_id: String,
    pub(crate) org_id: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) pass: bool,
    pub(crate) items: Json<Value>,
}

/// Every verdict of the section, by expert and bid.
pub(crate) async fn verdicts(tx: &mut Tx, section_id: &str) -> Result<Vec<VerdictRow>> {
    Ok(sqlx::query_as(
        "SELECT expert_id, org_id, pass, items FROM eval_reviews WHERE section_id = $1 ORDER BY expert_id, org_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// One expert's review items of a bid.
#[derive(sqlx::FromRow)]
pub(crate) struct ReviewItemsRow {
    pub(crate) org_id: String,
    pub(crate) items: Json<Vec<crate::service::ReviewItem>>,
}

/// The review items one expert gave each bid, by bid.
pub(crate) async fn review_items_of(
    tx: &mut Tx,
    section_id: &str,
    expert_id: &str,
) -> Result<Vec<ReviewItemsRow>> {
    Ok(sqlx::query_as(
        "SELECT org_id, items FROM eval_reviews WHERE section_id = $1 AND expert_id = $2 ORDER BY org_id",
    )
    .bind(section_id)
    .bind(expert_id)
    .fetch_all(&mut **tx)
    .await?)
}

// eval_scores

/// One member's points for one bid (`points`: JSON text).
pub(crate) async fn insert_score(
    tx: &mut Tx,
    section_id: &str,
    expert_id: &str,
    org_id: &str,
    points: String,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO eval_scores (section_id, expert_id, org_id, points, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(section_id)
    .bind(expert_id)
    .bind(org_id)
    .bind(points)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A member's scores of a bid.
#[derive(sqlx::FromRow)]
pub(crate) struct ScoreRow {
    pub(crate) expert_id: String,
    pub(crate) org_id: String,
    pub(crate) points: Json<BTreeMap<String, Decimal>>,
}

/// Every score of the section, by expert and bid.
pub(crate) async fn scores(tx: &mut Tx, section_id: &str) -> Result<Vec<ScoreRow>> {
    Ok(sqlx::query_as(
        "SELECT expert_id, org_id, points FROM eval_scores WHERE section_id = $1 ORDER BY expert_id, org_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

// eval_price_checks

/// The committee's record on an abnormally low price.
pub(crate) async fn insert_price_check(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
    reasonable: bool,
    explanation: &str,
    recorded_by: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO eval_price_checks (section_id, org_id, reasonable, explanation, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(section_id)
    .bind(org_id)
    .bind(i64::from(reasonable))
    .bind(explanation)
    .bind(recorded_by)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The section's price checks in the order recorded.
pub(crate) async fn price_checks(tx: &mut Tx, section_id: &str) -> Result<Vec<PriceCheck>> {
    Ok(sqlx::query_as(
        "SELECT org_id, reasonable, explanation, recorded_by, recorded_at FROM eval_price_checks \
         WHERE section_id = $1 ORDER BY recorded_at, org_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

// eval_clarifications

/// The section's clarifications in the order asked.
pub(crate) async fn clarifications(tx: &mut Tx, section_id: &str) -> Result<Vec<Clarification>> {
    Ok(sqlx::query_as(
        "SELECT id, section_id, org_id, question, reply_by, asked_at, answer, answered_at \
         FROM eval_clarifications WHERE section_id = $1 ORDER BY asked_at, id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// A member's question (`c`, not answered yet) asked by `asked_by`.
pub(crate) async fn insert_clarification(
    tx: &mut Tx,
    c: &Clarification,
    asked_by: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO eval_clarifications (id, section_id, org_id, asked_by, question, reply_by, asked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&c.id)
    .bind(&c.section_id)
    .bind(&c.org_id)
    .bind(asked_by)
    .bind(&c.question)
    .bind(ggzy_core::time::to_micros(c.reply_by))
    .bind(ggzy_core::time::to_micros(c.asked_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What answering a clarification reads of it.
#[derive(sqlx::FromRow)]
pub(crate) struct AskedRow {
    pub(crate) section_id: String,
    pub(crate) org_id: String,
    #[sqlx(try_from = "ggzy_core::sql::At")]
    pub(crate) reply_by: Timestamp,
    pub(crate) answer: Option<String>,
}

/// The clarification, locked for its answer.
pub(crate) async fn clarification_for_update(
    tx: &mut Tx,
    db: &Db,
    id: &str,
) -> Result<Option<AskedRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT section_id, org_id, reply_by, answer FROM eval_clarifications WHERE id = $1{}",
        db.for_update()
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Record the answer unless one is already there; the rows changed (0 or 1).
pub(crate) async fn record_answer(tx: &mut Tx, id: &str, answer: &str, at: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE eval_clarifications SET answer = $1, answered_at = $2 WHERE id = $3 AND answer IS NULL",
    )
    .bind(answer)
    .bind(at)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

// A voided round: read whole, archived in eval_voided_rounds, then cleared.

/// A review as kept in the voided round (`at` stays in µs).
#[derive(sqlx::FromRow)]
pub(crate) struct RoundReviewRow {
    pub(crate) expert_id: String,
    pub(crate) org_id: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) pass: bool,
    pub(crate) items: String,
    pub(crate) at: i64,
}

pub(crate) async fn round_reviews(tx: &mut Tx, section_id: &str) -> Result<Vec<RoundReviewRow>> {
    Ok(sqlx::query_as::<_, RoundReviewRow>(
        "SELECT expert_id, org_id, pass, items, at FROM eval_reviews WHERE section_id = $1 \
         ORDER BY expert_id, org_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// A score as kept in the voided round.
#[derive(sqlx::FromRow)]
pub(crate) struct RoundScoreRow {
    pub(crate) expert_id: String,
    pub(crate) org_id: String,
    pub(crate) points: String,
    pub(crate) at: i64,
}

pub(crate) async fn round_scores(tx: &mut Tx, section_id: &str) -> Result<Vec<RoundScoreRow>> {
    Ok(sqlx::query_as::<_, RoundScoreRow>(
        "SELECT expert_id, org_id, points, at FROM eval_scores WHERE section_id = $1 \
         ORDER BY expert_id, org_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// A price check as kept in the voided round.
#[derive(sqlx::FromRow)]
pub(crate) struct RoundPriceCheckRow {
    pub(crate) org_id: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) reasonable: bool,
    pub(crate) explanation: String,
    pub(crate) recorded_by: String,
    pub(crate) recorded_at: i64,
}

pub(crate) async fn round_price_checks(
    tx: &mut Tx,
    section_id: &str,
) -> Result<Vec<RoundPriceCheckRow>> {
    Ok(sqlx::query_as::<_, RoundPriceCheckRow>(
        "SELECT org_id, reasonable, explanation, recorded_by, recorded_at FROM eval_price_checks \
         WHERE section_id = $1 ORDER BY org_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// A voided round as archived (`reviews`, `scores`, `price_checks`: JSON text).
pub(crate) struct VoidedRound<'a> {
    pub(crate) id: String,
    pub(crate) section_id: &'a str,
    pub(crate) remedy_case_id: &'a str,
    pub(crate) report: Option<String>,
    pub(crate) signed_at: Option<i64>,
    pub(crate) reviews: String,
    pub(crate) scores: String,
    pub(crate) price_checks: String,
    pub(crate) voided_at: i64,
}

pub(crate) async fn insert_voided_round(tx: &mut Tx, r: VoidedRound<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO eval_voided_rounds (id, section_id, remedy_case_id, report, signed_at, reviews, \
         scores, price_checks, voided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(r.id)
    .bind(r.section_id)
    .bind(r.remedy_case_id)
    .bind(r.report)
    .bind(r.signed_at)
    .bind(r.reviews)
    .bind(r.scores)
    .bind(r.price_checks)
    .bind(r.voided_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Delete the section's reviews, scores and price checks (after [`insert_voided_round`]).
pub(crate) async fn clear_round(tx: &mut Tx, section_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM eval_reviews WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM eval_scores WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM eval_price_checks WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
