//! The opening: `opening_rules` (minimum bids and decryption window per region and market),
//! `bid_openings` (the decryption window and the stored opening record), `opening_deposits` (the
//! area's copy of each bidder's deposit status) and `opening_fault_declarations` (platform or CA
//! faults declared by staff).

use crate::model::SectionState;
use crate::opening::{FaultDeclaration, OpeningRules};
use chrono::{DateTime, Utc};
use ggzy_core::sql::At;
use ggzy_core::time::to_micros;
use ggzy_core::Result;
use sqlx::AnyConnection;

// opening_rules

/// The opening rules of the region and market, else the national row of the market.
pub(crate) async fn rules(
    conn: &mut AnyConnection,
    region: &str,
    market: &str,
) -> Result<Option<OpeningRules>> {
    Ok(sqlx::query_as(
        "SELECT min_bids, min_bids_source, decryption_window_minutes, window_source FROM opening_rules \
         WHERE market = $1 AND (region = $2 OR region = 'CN') \
         ORDER BY CASE WHEN region = 'CN' THEN 1 ELSE 0 END LIMIT 1",
    )
    .bind(market)
    .bind(region)
    .fetch_optional(&mut *conn)
    .await?)
}

// opening_deposits

/// Keep a bidder's deposit status (`source`: `status_fixed` or `valid`); a status fixed at the
/// deadline is not replaced by a later `valid`.
pub(crate) async fn upsert_deposit(
    conn: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
    status: &str,
    reason: Option<&str>,
    source: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO opening_deposits (section_id, org_id, status, reason, source, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (section_id, org_id) DO UPDATE SET \
         status = excluded.status, reason = excluded.reason, source = excluded.source, \
         updated_at = excluded.updated_at \
         WHERE excluded.source = 'status_fixed' OR opening_deposits.source <> 'status_fixed'",
    )
    .bind(section_id)
    .bind(org_id)
    .bind(status)
    .bind(reason)
    .bind(source)
    .bind(to_micros(at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A bidder's deposit status.
#[derive(sqlx::FromRow)]
pub(crate) struct DepositStatusRow {
    pub(crate) org_id: String,
    pub(crate) status: String,
}

pub(crate) async fn deposits(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Vec<DepositStatusRow>> {
    Ok(
        sqlx::query_as("SELECT org_id, status FROM opening_deposits WHERE section_id = $1")
            .bind(section_id)
            .fetch_all(&mut *conn)
            .await?,
    )
}

// bid_openings

/// The state of an opening (`bid_openings.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpeningState {
    /// The decryption window is open.
    Decrypting,
    /// Decryption ended and the opening record is stored.
    Closed,
}

impl OpeningState {
    pub(crate) fn parse(s: &str) -> std::result::Result<OpeningState, String> {
        match s {
            "decrypting" => Ok(OpeningState::Decrypting),
            "closed" => Ok(OpeningState::Closed),
            other => Err(format!("not an opening state: {other}")),
        }
    }

    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            OpeningState::Decrypting => "decrypting",
            OpeningState::Closed => "closed",
        }
    }
}

ggzy_core::text_enum!(OpeningState, OpeningState::parse, OpeningState::as_str);

/// Open the decryption window (an opening already started stays).
pub(crate) async fn start(
    conn: &mut AnyConnection,
    section_id: &str,
    started_at: DateTime<Utc>,
    window_ends_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO bid_openings (section_id, state, started_at, window_ends_at) \
         VALUES ($1, 'decrypting', $2, $3) ON CONFLICT (section_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(to_micros(started_at))
    .bind(to_micros(window_ends_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An opening's state and window.
#[derive(sqlx::FromRow)]
pub(crate) struct OpeningStateRow {
    pub(crate) state: OpeningState,
    #[sqlx(try_from = "At")]
    pub(crate) started_at: DateTime<Utc>,
    #[sqlx(try_from = "At")]
    pub(crate) window_ends_at: DateTime<Utc>,
}

pub(crate) async fn opening(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Option<OpeningStateRow>> {
    Ok(sqlx::query_as(
        "SELECT state, started_at, window_ends_at FROM bid_openings WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The opening's state and window with its section's state.
#[derive(sqlx::FromRow)]
pub(crate) struct WindowRow {
    pub(crate) opening_state: OpeningState,
    #[sqlx(try_from = "At")]
    pub(crate) window_ends_at: DateTime<Utc>,
    pub(crate) section_state: SectionState,
}

/// The opening row and the section's state in one statement.
pub(crate) async fn window(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Option<WindowRow>> {
    Ok(sqlx::query_as(
        "SELECT o.state AS opening_state, o.window_ends_at, s.state AS section_state FROM bid_openings o \
         JOIN sections s ON s.id = o.section_id WHERE o.section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Store the opening record and close the opening unless it was closed meanwhile; the rows
/// changed (0 or 1).
pub(crate) async fn close(
    conn: &mut AnyConnection,
    section_id: &str,
    record: &str,
    at: DateTime<Utc>,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE bid_openings SET state = 'closed', closed_at = $1, record = $2 \
         WHERE section_id = $3 AND state = 'decrypting'",
    )
    .bind(to_micros(at))
    .bind(record)
    .bind(section_id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// The stored opening record (JSON text; NULL until decryption ended).
#[derive(sqlx::FromRow)]
pub(crate) struct RecordRow {
    pub(crate) record: Option<String>,
}

/// The record of a closed opening.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Option<RecordRow>> {
    Ok(sqlx::query_as(
        "SELECT record, window_ends_at FROM bid_openings WHERE section_id = $1 AND state = 'closed'",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

// opening_fault_declarations

const FAULT_COLS: &str =
    "bid_id, section_id, org_id, fault, reason, declared_by, declared_at, basis";

pub(crate) async fn insert_fault(conn: &mut AnyConnection, d: &FaultDeclaration) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO opening_fault_declarations ({FAULT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&d.bid_id)
    .bind(&d.section_id)
    .bind(&d.org_id)
    .bind(&d.fault)
    .bind(&d.reason)
    .bind(&d.declared_by)
    .bind(to_micros(d.declared_at))
    .bind(&d.basis)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The faults declared in the section's opening.
pub(crate) async fn faults(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Vec<FaultDeclaration>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {FAULT_COLS} FROM opening_fault_declarations WHERE section_id = $1"
    ))
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}
