//! `eval_members`: the committee of a section.

use ggzy_core::sql::Flag;
use ggzy_core::{Result, Timestamp};
use ggzy_store::Tx;

/// An active `eval_members` row as [`active_members`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    pub(crate) expert_id: String,
    pub(crate) user_id: Option<String>,
    pub(crate) name: String,
    pub(crate) reviewed_at: Option<i64>,
    pub(crate) scored_at: Option<i64>,
    pub(crate) signed_at: Option<i64>,
    pub(crate) sign_note: Option<String>,
    pub(crate) chair_vote: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub(crate) sign_refused: bool,
    pub(crate) replaces: Option<String>,
    pub(crate) review_of: Option<String>,
    pub(crate) scores_of: Option<String>,
}

/// The active members of the section, in the order they joined.
pub(crate) async fn active_members(tx: &mut Tx, section_id: &str) -> Result<Vec<MemberRow>> {
    Ok(sqlx::query_as(
        "SELECT expert_id, user_id, name, reviewed_at, scored_at, signed_at, sign_note, chair_vote, sign_refused, \
         replaces, review_of, scores_of FROM eval_members \
         WHERE section_id = $1 AND active = 1 ORDER BY joined_at, expert_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// The sections whose committee the user sits on (active seats), in the order joined.
pub(crate) async fn seats_of_user(tx: &mut Tx, user_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT section_id FROM eval_members WHERE user_id = $1 AND active = 1 ORDER BY joined_at, section_id",
    )
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// The member's vote for a chair.
pub(crate) async fn set_chair_vote(
    tx: &mut Tx,
    section_id: &str,
    expert_id: &str,
    vote: &str,
) -> Result<()> {
    sqlx::query("UPDATE eval_members SET chair_vote = $1 WHERE section_id = $2 AND expert_id = $3")
        .bind(vote)
        .bind(section_id)
        .bind(expert_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The member submitted the review.
pub(crate) async fn mark_reviewed(
    tx: &mut Tx,
    section_id: &str,
    expert_id: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE eval_members SET reviewed_at = $1 WHERE section_id = $2 AND expert_id = $3",
    )
    .bind(at)
    .bind(section_id)
    .bind(expert_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The member submitted the scores.
pub(crate) async fn mark_scored(
    tx: &mut Tx,
    section_id: &str,
    expert_id: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("UPDATE eval_members SET scored_at = $1 WHERE section_id = $2 AND expert_id = $3")
        .bind(at)
        .bind(section_id)
        .bind(expert_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The member signed the report (or refused to, with `note` as the reason).
pub(crate) async fn mark_signed(
    tx: &mut Tx,
    section_id: &str,
    expert_id: &str,
    at: i64,
    note: &Option<String>,
    refused: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE eval_members SET signed_at = $1, sign_note = $2, sign_refused = $3 \
         WHERE section_id = $4 AND expert_id = $5",
    )
    .bind(at)
    .bind(note)
    .bind(i64::from(refused))
    .bind(section_id)
    .bind(expert_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every member of the section leaves (a new draw is the committee).
pub(crate) async fn deactivate_all(tx: &mut Tx, section_id: &str) -> Result<()> {
    sqlx::query("UPDATE eval_members SET active = 0 WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The expert's user account, in every committee he sits on.
pub(crate) async fn set_user(tx: &mut Tx, expert_id: &str, user_id: &str) -> Result<()> {
    sqlx::query("UPDATE eval_members SET user_id = $1 WHERE expert_id = $2")
        .bind(user_id)
        .bind(expert_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What a leaving member had submitted or inherited.
#[derive(sqlx::FromRow)]
pub(crate) struct SeatRow {
    pub(crate) reviewed_at: Option<i64>,
    pub(crate) scored_at: Option<i64>,
    pub(crate) review_of: Option<String>,
    pub(crate) scores_of: Option<String>,
}

pub(crate) async fn seat(
    tx: &mut Tx,
    section_id: &str,
    expert_id: &str,
) -> Result<Option<SeatRow>> {
    Ok(sqlx::query_as(
        "SELECT reviewed_at, scored_at, review_of, scores_of FROM eval_members \
         WHERE section_id = $1 AND expert_id = $2",
    )
    .bind(section_id)
    .bind(expert_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The member leaves the committee for `replacement`, with the reason.
pub(crate) async fn mark_replaced(
    tx: &mut Tx,
    section_id: &str,
    expert_id: &str,
    replacement: &str,
    reason: Option<&str>,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE eval_members SET active = 0, replaced_by = $1, replace_reason = $2, replaced_at = $3 \
         WHERE section_id = $4 AND expert_id = $5",
    )
    .bind(replacement)
    .bind(reason)
    .bind(at)
    .bind(section_id)
    .bind(expert_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A drawn member's seat as written: a replacement names the member replaced and the experts
/// whose stages stand for the seat.
pub(crate) struct NewMember<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) expert_id: &'a str,
    pub(crate) user_id: Option<&'a str>,
    pub(crate) name: &'a str,
    pub(crate) joined_at: i64,
    pub(crate) replaces: Option<String>,
    pub(crate) review_of: Option<String>,
    pub(crate) scores_of: Option<String>,
}

/// Seat a drawn member: a member drawn again is active again and keeps what he had; a replacement
/// takes the seat's inherited stages.
pub(crate) async fn upsert_member(tx: &mut Tx, m: NewMember<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO eval_members (section_id, expert_id, user_id, name, active, joined_at, replaces, \
         review_of, scores_of) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8) \
         ON CONFLICT (section_id, expert_id) DO UPDATE SET active = 1, \
         replaces = COALESCE(excluded.replaces, eval_members.replaces), \
         review_of = COALESCE(excluded.review_of, eval_members.review_of), \
         scores_of = COALESCE(excluded.scores_of, eval_members.scores_of)",
    )
    .bind(m.section_id)
    .bind(m.expert_id)
    .bind(m.user_id)
    .bind(m.name)
    .bind(m.joined_at)
    .bind(m.replaces)
    .bind(m.review_of)
    .bind(m.scores_of)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A member who left the committee for a replacement.
#[derive(sqlx::FromRow)]
pub(crate) struct ReplacedRow {
    pub(crate) expert_id: String,
    pub(crate) name: String,
    pub(crate) replaced_by: Option<String>,
    pub(crate) replace_reason: Option<String>,
    #[sqlx(try_from = "ggzy_core::sql::MaybeAt")]
    pub(crate) replaced_at: Option<Timestamp>,
    pub(crate) reviewed_at: Option<i64>,
    pub(crate) scored_at: Option<i64>,
}

/// The members of the section who left for a replacement, in the order they left.
pub(crate) async fn replaced_members(tx: &mut Tx, section_id: &str) -> Result<Vec<ReplacedRow>> {
    Ok(sqlx::query_as(
        "SELECT expert_id, name, replaced_by, replace_reason, replaced_at, reviewed_at, scored_at \
         FROM eval_members WHERE section_id = $1 AND active = 0 AND replaced_by IS NOT NULL \
         ORDER BY replaced_at, expert_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// Reset every member's stage marks, signature and chair vote (a voided round runs again).
pub(crate) async fn reset_round(tx: &mut Tx, section_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE eval_members SET reviewed_at = NULL, scored_at = NULL, signed_at = NULL, \
         sign_note = NULL, sign_refused = 0, chair_vote = NULL, review_of = NULL, scores_of = NULL \
         WHERE section_id = $1",
    )
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
