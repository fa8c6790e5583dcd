//! `deposit_fixed_status` (each registration's deposit status, fixed once at the deadline),
//! `deposit_settlements` (why and by when a deposit is refunded: first trigger wins) and
//! `deposit_conversions` (a winner's deposit converted into the deal price, once per deal and
//! winner).

use crate::rules::DepositStatus;
use ggzy_core::sql::Flag;
use ggzy_core::time::to_micros;
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::{Db, Tx};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

/// The stored code of a deposit status.
pub(crate) fn status_code(s: &DepositStatus) -> &'static str {
    match s {
        DepositStatus::Valid => "valid",
        DepositStatus::Missing => "missing",
        DepositStatus::Invalid => "invalid",
    }
}

fn parse_status(s: &str) -> std::result::Result<DepositStatus, String> {
    match s {
        "valid" => Ok(DepositStatus::Valid),
        "missing" => Ok(DepositStatus::Missing),
        "invalid" => Ok(DepositStatus::Invalid),
        other => Err(format!("not a deposit status: {other}")),
    }
}

ggzy_core::text_enum!(DepositStatus, parse_status, status_code);

/// The status fixed at the deadline.
pub(crate) struct Fixed<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) status: DepositStatus,
    pub(crate) reason: Option<&'static str>,
    pub(crate) form: &'static str,
    pub(crate) counted_fen: i64,
    pub(crate) at: Timestamp,
}

/// The statement fixing a registration's status once (a repeat changes nothing), for
/// `ggzy_store::emit_when_changed`.
pub(crate) fn insert_fixed_status(f: Fixed<'_>) -> Query<'_, Any, AnyArguments<'_>> {
    sqlx::query(
        "INSERT INTO deposit_fixed_status (section_id, org_id, status, reason, form, counted_fen, fixed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (section_id, org_id) DO NOTHING",
    )
    .bind(f.section_id)
    .bind(f.org_id)
    .bind(f.status)
    .bind(f.reason)
    .bind(f.form)
    .bind(f.counted_fen)
    .bind(to_micros(f.at))
}

/// A `deposit_fixed_status` row as [`fixed_status`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct FixedStatusRow {
    pub(crate) status: DepositStatus,
    pub(crate) reason: Option<String>,
    pub(crate) form: String,
    pub(crate) counted_fen: Money,
}

pub(crate) async fn fixed_status(
    c: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<FixedStatusRow>> {
    Ok(sqlx::query_as(
        "SELECT status, reason, form, counted_fen FROM deposit_fixed_status WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *c)
    .await?)
}

/// A settlement as recorded (dates `YYYY-MM-DD`).
pub(crate) struct NewSettlement<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) refund_case: &'a str,
    pub(crate) event_type: &'a str,
    pub(crate) event_date: String,
    pub(crate) due_date: String,
    pub(crate) basis: &'a str,
    pub(crate) at: Timestamp,
    pub(crate) provisional: bool,
}

/// Records the settlement unless the organization has one for the section (first trigger wins).
pub(crate) async fn insert_settlement(tx: &mut Tx, s: NewSettlement<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO deposit_settlements (section_id, org_id, refund_case, event_type, event_date, due_date, basis, created_at, provisional) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (section_id, org_id) DO NOTHING",
    )
    .bind(s.section_id)
    .bind(s.org_id)
    .bind(s.refund_case)
    .bind(s.event_type)
    .bind(s.event_date)
    .bind(s.due_date)
    .bind(s.basis)
    .bind(to_micros(s.at))
    .bind(Flag(s.provisional))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A settlement whose due date is provisional (dates `YYYY-MM-DD`).
#[derive(sqlx::FromRow)]
pub(crate) struct ProvisionalRow {
    pub(crate) section_id: String,
    pub(crate) org_id: String,
    pub(crate) refund_case: String,
    pub(crate) event_date: String,
    pub(crate) due_date: String,
}

pub(crate) async fn provisional(tx: &mut Tx) -> Result<Vec<ProvisionalRow>> {
    Ok(sqlx::query_as(
        "SELECT section_id, org_id, refund_case, event_date, due_date FROM deposit_settlements \
         WHERE provisional = 1 ORDER BY section_id, org_id",
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// The settlement's due date, derived again.
pub(crate) async fn set_due_date(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
    due_date: String,
    provisional: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE deposit_settlements SET due_date = $1, provisional = $2 WHERE section_id = $3 AND org_id = $4",
    )
    .bind(due_date)
    .bind(Flag(provisional))
    .bind(section_id)
    .bind(org_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The organizations whose settlement of the section came from one of the two event types and
/// that have no deposit refund instruction yet.
pub(crate) async fn settled_unrefunded(
    tx: &mut Tx,
    section_id: &str,
    (a, b): (&str, &str),
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT s.org_id FROM deposit_settlements s WHERE s.section_id = $1 AND s.event_type IN ($2, $3) \
         AND NOT EXISTS (SELECT 1 FROM deposit_refunds r WHERE r.section_id = s.section_id \
         AND r.org_id = s.org_id AND r.refund_key LIKE 'deposit:%') ORDER BY s.org_id",
    )
    .bind(section_id)
    .bind(a)
    .bind(b)
    .fetch_all(&mut **tx)
    .await?)
}

/// The statement withdrawing the organization's settlement of the section when it came from one
/// of the two event types, for `ggzy_store::emit_when_changed`.
pub(crate) fn delete_settlement<'q>(
    section_id: &'q str,
    org_id: &'q str,
    (a, b): (&'q str, &'q str),
) -> Query<'q, Any, AnyArguments<'q>> {
    sqlx::query(
        "DELETE FROM deposit_settlements WHERE section_id = $1 AND org_id = $2 AND event_type IN ($3, $4)",
    )
    .bind(section_id)
    .bind(org_id)
    .bind(a)
    .bind(b)
}

/// A settlement the daily job instructs (dates `YYYY-MM-DD`).
#[derive(sqlx::FromRow)]
pub(crate) struct SettlementRow {
    pub(crate) section_id: String,
    pub(crate) org_id: String,
    pub(crate) refund_case: String,
    pub(crate) due_date: String,
    pub(crate) basis: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) provisional: bool,
}

/// The settlements recorded by `as_of` with no forfeiture proposed for them, oldest first.
pub(crate) async fn due_for_job(db: &Db, as_of: Timestamp) -> Result<Vec<SettlementRow>> {
    Ok(sqlx::query_as(
        "SELECT s.section_id, s.org_id, s.refund_case, s.due_date, s.basis, s.provisional FROM deposit_settlements s \
         WHERE s.created_at <= $1 AND NOT EXISTS (SELECT 1 FROM deposit_forfeitures f WHERE f.section_id = s.section_id \
         AND f.org_id = s.org_id AND f.status = 'proposed') ORDER BY s.created_at, s.section_id, s.org_id",
    )
    .bind(to_micros(as_of))
    .fetch_all(db.pool())
    .await?)
}

/// A deposit converted into a deal's price.
pub(crate) struct NewConversion<'a> {
    pub(crate) id: &'a str,
    pub(crate) deal_id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) amount_fen: i64,
    pub(crate) price: Money,
    pub(crate) basis: &'a str,
    pub(crate) at: Timestamp,
}

/// Records the conversion once per (deal, winner); the rows changed (0: already converted).
pub(crate) async fn insert_conversion(c: &mut AnyConnection, v: NewConversion<'_>) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO deposit_conversions (id, deal_id, section_id, org_id, amount_fen, price_fen, basis, converted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(v.id)
    .bind(v.deal_id)
    .bind(v.section_id)
    .bind(v.org_id)
    .bind(v.amount_fen)
    .bind(v.price)
    .bind(v.basis)
    .bind(to_micros(v.at))
    .execute(&mut *c)
    .await?
    .rows_affected())
}

/// What of the organization's deposit was converted, and for which deal.
#[derive(sqlx::FromRow)]
pub(crate) struct ConversionRow {
    pub(crate) amount_fen: Money,
    pub(crate) deal_id: String,
}

pub(crate) async fn conversion(
    c: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<ConversionRow>> {
    Ok(sqlx::query_as(
        "SELECT amount_fen, deal_id FROM deposit_conversions WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *c)
    .await?)
}
