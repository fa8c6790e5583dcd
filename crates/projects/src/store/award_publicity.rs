//! `section_evaluations` (the committee's result and the candidate publicity, migrations 0011,
//! 0111) and `section_committees` (the evaluation committees recorded from the experts area's
//! events, migration 0050), with what the result intake reads of the registrations and bids.

use crate::award::Candidate;
use crate::model::SectionState;
use ggzy_core::sql::{At, Flag, Json, MaybeMoney};
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};

// section_registrations and bids, as the result intake reads them

/// A registered bidder's name and code, as a candidate carries them.
#[derive(sqlx::FromRow)]
pub(crate) struct RegRow {
    pub(crate) org_name: String,
    pub(crate) uscc: String,
}

/// The organization's registration for the section, if any.
pub(crate) async fn registration(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
) -> Result<Option<RegRow>> {
    Ok(sqlx::query_as(
        "SELECT org_name, uscc FROM section_registrations WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The price of the organization's current bid opened (decrypted) at the opening: `None` when
/// there is no such bid, `Some(MaybeMoney(None))` when it carries no price.
pub(crate) async fn opened_price(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
) -> Result<Option<MaybeMoney>> {
    Ok(sqlx::query_scalar(
        "SELECT price_fen FROM bids WHERE section_id = $1 AND org_id = $2 AND status = 'current' \
         AND decryption = 'decrypted'",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut **tx)
    .await?)
}

// section_evaluations

/// The committee's result as recorded with its publicity.
pub(crate) struct NewEvaluation<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) report_ref: &'a str,
    pub(crate) source: &'a str,
    /// JSON text of the candidates.
    pub(crate) candidates: &'a str,
    pub(crate) publicity_days: u32,
    pub(crate) publicity_starts_at: Timestamp,
    pub(crate) publicity_ends_at: Timestamp,
    pub(crate) submitted_by: &'a str,
    pub(crate) created_at: Timestamp,
    pub(crate) publicity_ends_provisional: bool,
}

pub(crate) async fn insert_evaluation(tx: &mut Tx, e: NewEvaluation<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO section_evaluations (section_id, report_ref, source, candidates, publicity_days, \
         publicity_starts_at, publicity_ends_at, submitted_by, created_at, publicity_ends_provisional) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(e.section_id)
    .bind(e.report_ref)
    .bind(e.source)
    .bind(e.candidates)
    .bind(i64::from(e.publicity_days))
    .bind(At(e.publicity_starts_at))
    .bind(At(e.publicity_ends_at))
    .bind(e.submitted_by)
    .bind(At(e.created_at))
    .bind(Flag(e.publicity_ends_provisional))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The evaluation result columns [`publicity`] reads, with the section's project.
#[derive(sqlx::FromRow)]
pub(crate) struct PublicityRow {
    pub(crate) report_ref: String,
    pub(crate) source: String,
    pub(crate) candidates: Json<Vec<Candidate>>,
    pub(crate) publicity_days: i64,
    #[sqlx(try_from = "At")]
    pub(crate) publicity_starts_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) publicity_ends_at: Timestamp,
    pub(crate) project_id: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) publicity_ends_provisional: bool,
}

/// The section's evaluation result and publicity, if any.
pub(crate) async fn publicity(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<PublicityRow>> {
    Ok(sqlx::query_as(
        "SELECT e.report_ref, e.source, e.candidates, e.publicity_days, e.publicity_starts_at, \
         e.publicity_ends_at, s.project_id, e.publicity_ends_provisional FROM section_evaluations e JOIN sections s ON s.id = e.section_id \
         WHERE e.section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A provisional candidate publicity end, with its section.
#[derive(sqlx::FromRow)]
pub(crate) struct PublicityEndRow {
    pub(crate) section_id: String,
    pub(crate) publicity_days: i64,
    #[sqlx(try_from = "At")]
    pub(crate) publicity_starts_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) publicity_ends_at: Timestamp,
    pub(crate) project_id: String,
    pub(crate) state: SectionState,
}

/// Every provisional publicity end, by section.
pub(crate) async fn provisional_publicity_ends(tx: &mut Tx) -> Result<Vec<PublicityEndRow>> {
    Ok(sqlx::query_as(
        "SELECT e.section_id, e.publicity_days, e.publicity_starts_at, e.publicity_ends_at, s.project_id, s.state \
         FROM section_evaluations e JOIN sections s ON s.id = e.section_id \
         WHERE e.publicity_ends_provisional = 1 ORDER BY e.section_id",
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// Move a provisional publicity end.
pub(crate) async fn rederive_publicity_end(
    tx: &mut Tx,
    section_id: &str,
    ends_at: Timestamp,
    provisional: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE section_evaluations SET publicity_ends_at = $1, publicity_ends_provisional = $2 \
         WHERE section_id = $3 AND publicity_ends_provisional = 1",
    )
    .bind(At(ends_at))
    .bind(Flag(provisional))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// section_committees

/// Is the draw an active committee of the section?
pub(crate) async fn active_committee(tx: &mut Tx, draw_id: &str, section_id: &str) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 FROM section_committees WHERE draw_id = $1 AND section_id = $2 AND active = 1",
    )
    .bind(draw_id)
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

/// Is the draw recorded for the section (active or not), outside any transaction?
pub(crate) async fn committee_recorded(db: &Db, draw_id: &str, section_id: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM section_committees WHERE draw_id = $1 AND section_id = $2")
            .bind(draw_id)
            .bind(section_id)
            .fetch_optional(db.pool())
            .await?
            .is_some(),
    )
}

/// Record a committee (once: a second delivery changes nothing).
pub(crate) async fn insert_committee(
    tx: &mut Tx,
    draw_id: &str,
    section_id: &str,
    session_id: Option<&str>,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO section_committees (draw_id, section_id, session_id, active, recorded_at) \
         VALUES ($1, $2, $3, 1, $4) ON CONFLICT (draw_id) DO NOTHING",
    )
    .bind(draw_id)
    .bind(section_id)
    .bind(session_id)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The draw is no longer a committee.
pub(crate) async fn deactivate_committee(tx: &mut Tx, draw_id: &str) -> Result<()> {
    sqlx::query("UPDATE section_committees SET active = 0 WHERE draw_id = $1")
        .bind(draw_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
