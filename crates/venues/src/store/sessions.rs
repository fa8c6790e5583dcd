//! `venue_sessions`, `venue_session_experts`, `venue_expert_accounts` and `venue_roster`.

use crate::rules::PersonRole;
use ggzy_core::sql::{At, Flag};
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};

/// A `venue_sessions` row as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionDbRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) draw_spec: Option<String>,
    pub(crate) draw_id: Option<String>,
}

pub(crate) async fn session(tx: &mut Tx, id: &str) -> Result<Option<SessionDbRow>> {
    Ok(sqlx::query_as(
        "SELECT id, section_id, kind, status, draw_spec, draw_id FROM venue_sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The session's status, if it exists (outside any transaction).
pub(crate) async fn status(db: &Db, id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT status FROM venue_sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// Insert a scheduled evaluation session (`draw_spec`: JSON text).
pub(crate) async fn insert_evaluation(
    tx: &mut Tx,
    id: &str,
    section_id: &str,
    draw_spec: Option<String>,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_sessions (id, section_id, kind, status, draw_spec, draw_id, created_at, updated_at) \
         VALUES ($1, $2, 'evaluation', 'scheduled', $3, NULL, $4, $4)",
    )
    .bind(id)
    .bind(section_id)
    .bind(draw_spec)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Cancel a scheduled session; the rows changed (0: not scheduled).
pub(crate) async fn cancel(tx: &mut Tx, id: &str, at: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE venue_sessions SET status = 'cancelled', updated_at = $1 WHERE id = $2 AND status = 'scheduled'",
    )
    .bind(at)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Record the draw on the session.
pub(crate) async fn set_draw(tx: &mut Tx, id: &str, draw_id: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE venue_sessions SET draw_id = $1, updated_at = $2 WHERE id = $3")
        .bind(draw_id)
        .bind(at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The session carrying the draw.
pub(crate) async fn session_of_draw(tx: &mut Tx, draw_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM venue_sessions WHERE draw_id = $1")
            .bind(draw_id)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// The section's scheduled sessions that asked for a draw not yet made, latest first.
pub(crate) async fn sessions_awaiting_draw(tx: &mut Tx, section_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT s.id FROM venue_sessions s JOIN venue_bookings b ON b.id = s.id \
         WHERE s.section_id = $1 AND s.status = 'scheduled' AND s.draw_spec IS NOT NULL AND s.draw_id IS NULL \
         ORDER BY b.starts_at DESC, s.id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// The sessions not ended at `since` (µs), earliest first.
pub(crate) async fn session_ids_ending_after(db: &Db, since: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT s.id FROM venue_sessions s JOIN venue_bookings b ON b.id = s.id \
         WHERE b.ends_at > $1 ORDER BY b.starts_at, s.id",
    )
    .bind(since)
    .fetch_all(db.pool())
    .await?)
}

/// An evaluator's upcoming session.
#[derive(sqlx::FromRow)]
pub(crate) struct MySessionRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) name: String,
    pub(crate) floor: i64,
    #[sqlx(try_from = "At")]
    pub(crate) starts_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) ends_at: Timestamp,
}

/// The scheduled sessions not ended at `now` (µs) where an expert linked to the account (user id
/// or username) is drawn, earliest first.
pub(crate) async fn sessions_of_account(
    db: &Db,
    user_id: &str,
    username: &str,
    now: i64,
) -> Result<Vec<MySessionRow>> {
    Ok(sqlx::query_as(
        "SELECT s.id, s.section_id, r.name, r.floor, b.starts_at, b.ends_at \
         FROM venue_expert_accounts a \
         JOIN venue_session_experts e ON e.expert_id = a.expert_id AND e.status = 'drawn' \
         JOIN venue_sessions s ON s.id = e.session_id AND s.status = 'scheduled' \
         JOIN venue_bookings b ON b.id = s.id \
         JOIN venue_rooms r ON r.id = b.room_id \
         WHERE (a.user_id = $1 OR a.username = $2) AND b.ends_at > $3 \
         ORDER BY b.starts_at, s.id",
    )
    .bind(user_id)
    .bind(username)
    .bind(now)
    .fetch_all(db.pool())
    .await?)
}

// venue_session_experts

/// How many experts the session's draw named (still drawn).
pub(crate) async fn drawn_count(tx: &mut Tx, session_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM venue_session_experts WHERE session_id = $1 AND status = 'drawn'",
    )
    .bind(session_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// The name of an expert drawn (and not replaced) for the session.
pub(crate) async fn drawn_expert_name(
    tx: &mut Tx,
    session_id: &str,
    expert_id: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM venue_session_experts WHERE session_id = $1 AND expert_id = $2 AND status = 'drawn'",
    )
    .bind(session_id)
    .bind(expert_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The name of an expert of the session (who must be there).
pub(crate) async fn expert_name(tx: &mut Tx, session_id: &str, expert_id: &str) -> Result<String> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM venue_session_experts WHERE session_id = $1 AND expert_id = $2",
    )
    .bind(session_id)
    .bind(expert_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// A drawn expert as written (a blank name keeps the known one; a resident ID or draw id, once
/// known, stays).
pub(crate) struct DrawnExpertRow<'a> {
    pub(crate) session_id: &'a str,
    pub(crate) expert_id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) resident_id: Option<String>,
    pub(crate) draw_id: Option<String>,
    pub(crate) at: i64,
}

pub(crate) async fn upsert_drawn_expert(tx: &mut Tx, e: DrawnExpertRow<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_session_experts (session_id, expert_id, name, resident_id, status, draw_id, updated_at) \
         VALUES ($1, $2, $3, $4, 'drawn', $5, $6) ON CONFLICT (session_id, expert_id) DO UPDATE SET \
         name = CASE WHEN excluded.name = '' THEN venue_session_experts.name ELSE excluded.name END, \
         resident_id = COALESCE(excluded.resident_id, venue_session_experts.resident_id), status = 'drawn', \
         draw_id = COALESCE(excluded.draw_id, venue_session_experts.draw_id), updated_at = excluded.updated_at",
    )
    .bind(e.session_id)
    .bind(e.expert_id)
    .bind(e.name)
    .bind(e.resident_id)
    .bind(e.draw_id)
    .bind(e.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The expert left the session's committee.
pub(crate) async fn mark_expert_replaced(
    tx: &mut Tx,
    session_id: &str,
    expert_id: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE venue_session_experts SET status = 'replaced', updated_at = $1 \
         WHERE session_id = $2 AND expert_id = $3",
    )
    .bind(at)
    .bind(session_id)
    .bind(expert_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// venue_expert_accounts

/// Link an expert to his login account (what is known of it; known parts stay).
pub(crate) async fn upsert_account(
    tx: &mut Tx,
    expert_id: &str,
    user_id: Option<&str>,
    username: Option<&str>,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_expert_accounts (expert_id, user_id, username, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (expert_id) DO UPDATE SET user_id = COALESCE(excluded.user_id, venue_expert_accounts.user_id), \
         username = COALESCE(excluded.username, venue_expert_accounts.username), updated_at = excluded.updated_at",
    )
    .bind(expert_id)
    .bind(user_id.map(str::to_string))
    .bind(username.map(str::to_string))
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// venue_roster

/// A person on a booking's roster, as written.
pub(crate) struct RosterPerson<'a> {
    pub(crate) id: &'a str,
    pub(crate) booking_id: &'a str,
    pub(crate) role: PersonRole,
    pub(crate) name: &'a str,
    pub(crate) resident_id: &'a str,
    pub(crate) authorization_ref: Option<String>,
    pub(crate) created_at: i64,
}

/// Put a person on the roster (the same person twice is the database's conflict).
pub(crate) async fn insert_roster_person(tx: &mut Tx, p: RosterPerson<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_roster (id, booking_id, role, name, resident_id, authorization_ref, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(p.id)
    .bind(p.booking_id)
    .bind(p.role.as_str())
    .bind(p.name)
    .bind(p.resident_id)
    .bind(p.authorization_ref)
    .bind(p.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Put a drawn expert whose identity is checked on the session's roster (once).
pub(crate) async fn insert_roster_expert(
    tx: &mut Tx,
    id: &str,
    session_id: &str,
    name: &str,
    resident_id: &str,
    at: i64,
    expert_id: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_roster (id, booking_id, role, name, resident_id, authorization_ref, created_at, expert_id) \
         VALUES ($1, $2, 'expert', $3, $4, NULL, $5, $6) ON CONFLICT (booking_id, resident_id) DO NOTHING",
    )
    .bind(id)
    .bind(session_id)
    .bind(name)
    .bind(resident_id)
    .bind(at)
    .bind(expert_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Take an expert off the session's roster.
pub(crate) async fn delete_roster_expert(
    tx: &mut Tx,
    session_id: &str,
    expert_id: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM venue_roster WHERE booking_id = $1 AND expert_id = $2")
        .bind(session_id)
        .bind(expert_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A roster line, or a drawn expert not yet on it (`pending`).
#[derive(sqlx::FromRow)]
pub(crate) struct RosterRow {
    pub(crate) id: String,
    pub(crate) role: PersonRole,
    pub(crate) name: String,
    pub(crate) resident_id: Option<String>,
    pub(crate) authorization_ref: Option<String>,
    pub(crate) expert_id: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub(crate) pending: bool,
}

/// The booking's roster and, after it, the session's drawn experts not on it yet — one
/// statement, so one snapshot.
pub(crate) async fn roster(db: &Db, booking_id: &str) -> Result<Vec<RosterRow>> {
    Ok(sqlx::query_as(
        "SELECT id, role, name, resident_id, authorization_ref, expert_id, 0 AS pending, \
         created_at AS k1, id AS k2 FROM venue_roster WHERE booking_id = $1 \
         UNION ALL \
         SELECT e.expert_id AS id, 'expert' AS role, e.name, NULL AS resident_id, NULL AS authorization_ref, \
         e.expert_id, 1 AS pending, 0 AS k1, e.expert_id AS k2 FROM venue_session_experts e \
         WHERE e.session_id = $1 AND e.status = 'drawn' \
         AND NOT EXISTS (SELECT 1 FROM venue_roster r WHERE r.booking_id = e.session_id AND r.expert_id = e.expert_id) \
         ORDER BY pending, k1, k2",
    )
    .bind(booking_id)
    .fetch_all(db.pool())
    .await?)
}

/// The account of a rostered expert of the session, by the resident ID checked at the door.
#[derive(sqlx::FromRow)]
pub(crate) struct RosterExpertRow {
    pub(crate) expert_id: Option<String>,
    pub(crate) user_id: Option<String>,
}

pub(crate) async fn roster_expert(
    tx: &mut Tx,
    session_id: &str,
    resident_id: &str,
) -> Result<Option<RosterExpertRow>> {
    Ok(sqlx::query_as(
        "SELECT r.expert_id, a.user_id FROM venue_roster r \
         LEFT JOIN venue_expert_accounts a ON a.expert_id = r.expert_id \
         WHERE r.booking_id = $1 AND r.resident_id = $2",
    )
    .bind(session_id)
    .bind(resident_id)
    .fetch_optional(&mut **tx)
    .await?)
}
