//! `eval_sections`, `eval_change_notices` and `eval_suspensions`.

use crate::rules::MethodSpec;
use ggzy_core::sql::Json;
use ggzy_core::Result;
use ggzy_store::{Db, Tx};
use serde_json::Value;

/// An `eval_sections` row as [`section`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct SecRow {
    pub(crate) section_id: String,
    pub(crate) owner_org_id: String,
    pub(crate) method: Option<Json<MethodSpec>>,
    pub(crate) bid_count: i64,
    pub(crate) entries: Option<Json<Vec<ggzy_events::projects::OpeningEntry>>>,
    pub(crate) report: Option<Json<Value>>,
    pub(crate) session_start: Option<i64>,
    pub(crate) session_end: Option<i64>,
    pub(crate) market: String,
    pub(crate) subject: Option<String>,
    pub(crate) issued_at: Option<i64>,
    pub(crate) bid_deadline: Option<i64>,
    pub(crate) tie_seed: Option<String>,
    pub(crate) qualified: Option<Json<Vec<String>>>,
}

/// The section's row, locked for update when `lock`.
pub(crate) async fn section(
    tx: &mut Tx,
    db: &Db,
    section_id: &str,
    lock: bool,
) -> Result<Option<SecRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT section_id, owner_org_id, method, bid_count, entries, report, session_start, session_end, \
         market, subject, issued_at, bid_deadline, tie_seed, qualified FROM eval_sections \
         WHERE section_id = $1{}",
        if lock { db.for_update() } else { "" }
    ))
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The session room's terminal networks (JSON text), outside any transaction.
pub(crate) async fn room_networks(db: &Db, section_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT room_networks FROM eval_sections WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(db.pool())
    .await?
    .flatten())
}

/// The section's tie seed, once drawn.
pub(crate) async fn tie_seed(tx: &mut Tx, section_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT tie_seed FROM eval_sections WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .flatten())
}

/// Store the seed of the lot, once (a seed already drawn stays).
pub(crate) async fn set_tie_seed(tx: &mut Tx, section_id: &str, seed: &str, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE eval_sections SET tie_seed = $1, tie_drawn_at = $2 WHERE section_id = $3 AND tie_seed IS NULL",
    )
    .bind(seed)
    .bind(at)
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Declare the section's method (`method`: the spec as JSON text).
pub(crate) async fn set_method(tx: &mut Tx, section_id: &str, method: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE eval_sections SET method = $1, updated_at = $2 WHERE section_id = $3")
        .bind(method)
        .bind(at)
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Store the final report (JSON text), signed at `at`.
pub(crate) async fn set_signed_report(
    tx: &mut Tx,
    section_id: &str,
    report: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE eval_sections SET report = $1, signed_at = $2, updated_at = $2 WHERE section_id = $3",
    )
    .bind(report)
    .bind(at)
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The signed report and its time, as a voided round archives them.
#[derive(sqlx::FromRow)]
pub(crate) struct SignedReportRow {
    pub(crate) report: Option<String>,
    pub(crate) signed_at: Option<i64>,
}

pub(crate) async fn signed_report(
    tx: &mut Tx,
    section_id: &str,
) -> Result<Option<SignedReportRow>> {
    Ok(sqlx::query_as::<_, SignedReportRow>(
        "SELECT report, signed_at FROM eval_sections WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Clear the signed report and the tie draw (a voided round runs again).
pub(crate) async fn clear_report(tx: &mut Tx, section_id: &str, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE eval_sections SET report = NULL, signed_at = NULL, tie_seed = NULL, \
         tie_drawn_at = NULL, updated_at = $1 WHERE section_id = $2",
    )
    .bind(at)
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Keep the suppliers the purchaser found qualified (JSON text).
pub(crate) async fn set_qualified(
    tx: &mut Tx,
    section_id: &str,
    qualified: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("UPDATE eval_sections SET qualified = $1, updated_at = $2 WHERE section_id = $3")
        .bind(qualified)
        .bind(at)
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// The projection's writes (events of projects, publishing and venues).

pub(crate) async fn set_subject(
    tx: &mut Tx,
    section_id: &str,
    subject: Option<&str>,
) -> Result<()> {
    sqlx::query("UPDATE eval_sections SET subject = $1 WHERE section_id = $2")
        .bind(subject)
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The tender documents are issued at `at` (the first time counts), with the bid deadline.
pub(crate) async fn mark_issued(
    tx: &mut Tx,
    section_id: &str,
    at: i64,
    bid_deadline: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE eval_sections SET issued_at = COALESCE(issued_at, $1), bid_deadline = $2, \
         updated_at = $1 WHERE section_id = $3",
    )
    .bind(at)
    .bind(bid_deadline)
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn set_bid_deadline(
    tx: &mut Tx,
    section_id: &str,
    bid_deadline: i64,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE eval_sections SET bid_deadline = $1, updated_at = $2 WHERE section_id = $3",
    )
    .bind(bid_deadline)
    .bind(at)
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn count_bid(tx: &mut Tx, section_id: &str, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE eval_sections SET bid_count = bid_count + 1, updated_at = $1 WHERE section_id = $2",
    )
    .bind(at)
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Keep the opening record's entries (JSON text).
pub(crate) async fn set_entries(
    tx: &mut Tx,
    section_id: &str,
    entries: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("UPDATE eval_sections SET entries = $1, updated_at = $2 WHERE section_id = $3")
        .bind(entries)
        .bind(at)
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A scheduled evaluation session of a section, as `venues.session.scheduled` gives it.
pub(crate) struct Session<'a> {
    pub(crate) session_id: &'a str,
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) room_id: Option<&'a str>,
    /// JSON text.
    pub(crate) room_networks: Option<String>,
}

pub(crate) async fn schedule_session(
    tx: &mut Tx,
    section_id: &str,
    s: Session<'_>,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE eval_sections SET session_id = $1, session_start = $2, session_end = $3, \
         session_room_id = $4, room_networks = $5, updated_at = $6 WHERE section_id = $7",
    )
    .bind(s.session_id)
    .bind(s.start)
    .bind(s.end)
    .bind(s.room_id)
    .bind(s.room_networks)
    .bind(at)
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The session moved (perhaps to another room: its id and networks, when given, replace the old).
pub(crate) async fn move_session(tx: &mut Tx, s: Session<'_>, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE eval_sections SET session_start = $1, session_end = $2, \
         session_room_id = COALESCE($3, session_room_id), \
         room_networks = COALESCE($4, room_networks), updated_at = $5 WHERE session_id = $6",
    )
    .bind(s.start)
    .bind(s.end)
    .bind(s.room_id)
    .bind(s.room_networks)
    .bind(at)
    .bind(s.session_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The networks of a room changed (JSON text): every section whose session sits in it.
pub(crate) async fn set_room_networks(
    tx: &mut Tx,
    room_id: &str,
    networks: Option<String>,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE eval_sections SET room_networks = $1, updated_at = $2 WHERE session_room_id = $3",
    )
    .bind(networks)
    .bind(at)
    .bind(room_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn cancel_session(tx: &mut Tx, session_id: &str, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE eval_sections SET session_id = NULL, session_start = NULL, session_end = NULL, \
         session_room_id = NULL, room_networks = NULL, updated_at = $1 WHERE session_id = $2",
    )
    .bind(at)
    .bind(session_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// eval_change_notices

pub(crate) async fn insert_change_notice(
    tx: &mut Tx,
    section_id: &str,
    announcement_id: &str,
    published_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO eval_change_notices (section_id, announcement_id, published_at) \
         VALUES ($1, $2, $3) ON CONFLICT (section_id, announcement_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(announcement_id)
    .bind(published_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether the change notice reached this area (read outside any transaction).
pub(crate) async fn change_notice_known(
    db: &Db,
    section_id: &str,
    announcement_id: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 FROM eval_change_notices WHERE section_id = $1 AND announcement_id = $2",
    )
    .bind(section_id)
    .bind(announcement_id)
    .fetch_optional(db.pool())
    .await?
    .is_some())
}

/// When the change notice was published, if it is one of the section's.
pub(crate) async fn change_notice_published_at(
    tx: &mut Tx,
    section_id: &str,
    announcement_id: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT published_at FROM eval_change_notices WHERE section_id = $1 AND announcement_id = $2",
    )
    .bind(section_id)
    .bind(announcement_id)
    .fetch_optional(&mut **tx)
    .await?)
}

// eval_suspensions

/// The first case suspending the section, if any.
pub(crate) async fn first_suspension(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT case_id FROM eval_suspensions WHERE section_id = $1 ORDER BY since, case_id LIMIT 1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

pub(crate) async fn insert_suspension(
    tx: &mut Tx,
    section_id: &str,
    case_id: &str,
    since: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO eval_suspensions (section_id, case_id, since) VALUES ($1, $2, $3) \
         ON CONFLICT (section_id, case_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(case_id)
    .bind(since)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn delete_suspension(tx: &mut Tx, section_id: &str, case_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM eval_suspensions WHERE section_id = $1 AND case_id = $2")
        .bind(section_id)
        .bind(case_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
