//! `deposit_refunds`: refund instructions (a deposit's, keyed `deposit:<org>/<section>:<n>`, or
//! unmatched money's, keyed `transfer:<id>`), their re-sending, overdue marks and the bank's
//! confirmation (paid once, unique bank transaction id).

use ggzy_core::sql::{At, Flag, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::{Db, Tx};
use sqlx::AnyConnection;

/// Where a refund instruction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefundStatus {
    /// Sent to the bank, not confirmed yet.
    Instructed,
    /// The bank confirmed paying it.
    Paid,
}

impl RefundStatus {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            RefundStatus::Instructed => "instructed",
            RefundStatus::Paid => "paid",
        }
    }
    fn parse(s: &str) -> std::result::Result<RefundStatus, String> {
        match s {
            "instructed" => Ok(RefundStatus::Instructed),
            "paid" => Ok(RefundStatus::Paid),
            other => Err(format!("not a refund status: {other}")),
        }
    }
}

ggzy_core::text_enum!(RefundStatus, RefundStatus::parse, RefundStatus::as_str);

pub(crate) const REFUND_COLS: &str = "id, org_id, section_id, payee_account_no, payee_name, amount_fen, interest_fen, \
    interest_basis, reason, basis, due_date, status, attempts, overdue_at, paid_at, paid_bank_txn_id, provisional";

/// One row of [`REFUND_COLS`].
#[derive(sqlx::FromRow)]
pub(crate) struct RefundRow {
    pub(crate) id: String,
    pub(crate) org_id: Option<String>,
    pub(crate) section_id: Option<String>,
    pub(crate) payee_account_no: String,
    pub(crate) payee_name: String,
    pub(crate) amount_fen: Money,
    pub(crate) interest_fen: Money,
    /// The interest computation as JSON text (unreadable text shows as `null`).
    pub(crate) interest_basis: String,
    pub(crate) reason: String,
    pub(crate) basis: String,
    /// `YYYY-MM-DD`.
    pub(crate) due_date: String,
    pub(crate) status: RefundStatus,
    pub(crate) attempts: i64,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) overdue_at: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) paid_at: Option<Timestamp>,
    pub(crate) paid_bank_txn_id: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub(crate) provisional: bool,
}

/// A refund with the ledger key it is paid from.
#[derive(sqlx::FromRow)]
pub(crate) struct RefundLedgerRow {
    #[sqlx(flatten)]
    pub(crate) refund: RefundRow,
    pub(crate) ledger_key: String,
}

/// A new refund instruction (status `instructed`, sent once now; dates `YYYY-MM-DD`).
pub(crate) struct NewRefund<'a> {
    pub(crate) id: &'a str,
    pub(crate) refund_key: &'a str,
    pub(crate) ledger_key: &'a str,
    pub(crate) org_id: Option<&'a str>,
    pub(crate) section_id: Option<&'a str>,
    pub(crate) payee_account_no: &'a str,
    pub(crate) payee_name: &'a str,
    pub(crate) amount_fen: i64,
    pub(crate) reason: &'a str,
    pub(crate) basis: &'a str,
    pub(crate) due_date: &'a str,
    pub(crate) at: Timestamp,
}

/// Returns unmatched money (`transfer_id`) to its payer: no interest, never provisional; the rows
/// changed (0: an instruction with the same key exists).
pub(crate) async fn insert_transfer_refund(
    tx: &mut Tx,
    transfer_id: &str,
    r: NewRefund<'_>,
) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO deposit_refunds (id, refund_key, ledger_key, transfer_id, org_id, section_id, payee_account_no, \
         payee_name, amount_fen, interest_fen, interest_basis, reason, basis, due_date, status, attempts, last_sent_at, \
         created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,0,'{}',$10,$11,$12,'instructed',1,$13,$13) \
         ON CONFLICT (refund_key) DO NOTHING",
    )
    .bind(r.id)
    .bind(r.refund_key)
    .bind(r.ledger_key)
    .bind(transfer_id)
    .bind(r.org_id.map(str::to_string))
    .bind(r.section_id.map(str::to_string))
    .bind(r.payee_account_no)
    .bind(r.payee_name)
    .bind(r.amount_fen)
    .bind(r.reason)
    .bind(r.basis)
    .bind(r.due_date)
    .bind(to_micros(r.at))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Refunds a deposit with its interest (and how it was computed, JSON text); the rows changed
/// (0: an instruction with the same key exists).
pub(crate) async fn insert_deposit_refund(
    tx: &mut Tx,
    r: NewRefund<'_>,
    (interest_fen, interest_basis): (i64, String),
    provisional: bool,
) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO deposit_refunds (id, refund_key, ledger_key, transfer_id, org_id, section_id, payee_account_no, payee_name, \
         amount_fen, interest_fen, interest_basis, reason, basis, due_date, status, attempts, last_sent_at, created_at, provisional) \
         VALUES ($1,$2,$3,NULL,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,'instructed',1,$14,$14,$15) ON CONFLICT (refund_key) DO NOTHING",
    )
    .bind(r.id)
    .bind(r.refund_key)
    .bind(r.ledger_key)
    .bind(r.org_id.map(str::to_string))
    .bind(r.section_id.map(str::to_string))
    .bind(r.payee_account_no)
    .bind(r.payee_name)
    .bind(r.amount_fen)
    .bind(interest_fen)
    .bind(interest_basis)
    .bind(r.reason)
    .bind(r.basis)
    .bind(r.due_date)
    .bind(to_micros(r.at))
    .bind(Flag(provisional))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// How many deposit refund instructions the organization has for the section.
pub(crate) async fn count_deposit_refunds(
    c: &mut AnyConnection,
    org_id: &str,
    section_id: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM deposit_refunds WHERE org_id = $1 AND section_id = $2 AND refund_key LIKE 'deposit:%'",
    )
    .bind(org_id)
    .bind(section_id)
    .fetch_one(&mut *c)
    .await?)
}

/// The refunds of a section (`""`: every section) in a status (`""`: any), oldest first.
pub(crate) async fn list(db: &Db, section_id: &str, status: &str) -> Result<Vec<RefundRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REFUND_COLS} FROM deposit_refunds WHERE ($1 = '' OR section_id = $1) AND ($2 = '' OR status = $2) \
         ORDER BY created_at, id"
    ))
    .bind(section_id)
    .bind(status)
    .fetch_all(db.pool())
    .await?)
}

/// The refund `id` with its ledger key, locked for the bank's confirmation.
pub(crate) async fn for_update(tx: &mut Tx, db: &Db, id: &str) -> Result<Option<RefundLedgerRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REFUND_COLS}, ledger_key FROM deposit_refunds WHERE id = $1{}",
        db.for_update()
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The refund `id` (inside the transaction that changed it).
pub(crate) async fn get(tx: &mut Tx, id: &str) -> Result<RefundRow> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REFUND_COLS} FROM deposit_refunds WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?)
}

/// Marks an instructed refund paid; the rows changed (0: already paid). A bank transaction id
/// already used breaks `deposit_refunds_v2_paid_txn_key`.
pub(crate) async fn mark_paid(
    tx: &mut Tx,
    id: &str,
    paid_at: Timestamp,
    bank_txn_id: &str,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE deposit_refunds SET status = 'paid', paid_at = $1, paid_bank_txn_id = $2 WHERE id = $3 AND status = 'instructed'",
    )
    .bind(to_micros(paid_at))
    .bind(bank_txn_id)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The refunds of one organization for one section, oldest first.
pub(crate) async fn of_org(db: &Db, org_id: &str, section_id: &str) -> Result<Vec<RefundRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REFUND_COLS} FROM deposit_refunds WHERE section_id = $1 AND org_id = $2 \
         ORDER BY created_at, id"
    ))
    .bind(section_id)
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

/// The refunds instructed in `[from, to)`, oldest first.
pub(crate) async fn created_between(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<RefundRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REFUND_COLS} FROM deposit_refunds WHERE created_at >= $1 AND created_at < $2 \
         ORDER BY created_at, id"
    ))
    .bind(to_micros(from))
    .bind(to_micros(to))
    .fetch_all(db.pool())
    .await?)
}

/// A refund as the instruction days count it.
#[derive(sqlx::FromRow)]
pub(crate) struct DayRow {
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
    pub(crate) amount_fen: Money,
    pub(crate) interest_fen: Money,
    pub(crate) status: RefundStatus,
}

/// Every refund, oldest first.
pub(crate) async fn all_for_days(db: &Db) -> Result<Vec<DayRow>> {
    Ok(sqlx::query_as(
        "SELECT created_at, amount_fen, interest_fen, status FROM deposit_refunds ORDER BY created_at",
    )
    .fetch_all(db.pool())
    .await?)
}

/// How many refunds wait for the bank's confirmation.
pub(crate) async fn count_instructed(db: &Db) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM deposit_refunds WHERE status = 'instructed'")
            .fetch_one(db.pool())
            .await?,
    )
}

/// A paid refund as the bank's statement shows it.
#[derive(sqlx::FromRow)]
pub(crate) struct RefundMovementRow {
    pub(crate) paid_bank_txn_id: String,
    pub(crate) amount_fen: Money,
    pub(crate) interest_fen: Money,
    pub(crate) payee_account_no: String,
}

/// The refunds the bank reported paying in `[from, to)`.
pub(crate) async fn paid_between(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<RefundMovementRow>> {
    Ok(sqlx::query_as(
        "SELECT paid_bank_txn_id, amount_fen, interest_fen, payee_account_no FROM deposit_refunds \
         WHERE status = 'paid' AND paid_at >= $1 AND paid_at < $2",
    )
    .bind(to_micros(from))
    .bind(to_micros(to))
    .fetch_all(db.pool())
    .await?)
}

/// The unpaid, provisional instructions of a deposit (`ledger_key` `<org>/<section>`) take the
/// settlement's new due date.
pub(crate) async fn set_due_date(
    tx: &mut Tx,
    ledger_key: &str,
    due_date: String,
    provisional: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE deposit_refunds SET due_date = $1, provisional = $2 WHERE ledger_key = $3 \
         AND refund_key LIKE 'deposit:%' AND status = 'instructed' AND provisional = 1",
    )
    .bind(due_date)
    .bind(Flag(provisional))
    .bind(ledger_key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An instruction and how often it was sent.
#[derive(sqlx::FromRow)]
pub(crate) struct StaleRow {
    pub(crate) id: String,
    pub(crate) attempts: i64,
}

/// The instructions still unconfirmed that were last sent at or before `cutoff`.
pub(crate) async fn stale(db: &Db, cutoff: Timestamp) -> Result<Vec<StaleRow>> {
    Ok(sqlx::query_as(
        "SELECT id, attempts FROM deposit_refunds WHERE status = 'instructed' AND last_sent_at <= $1 ORDER BY id",
    )
    .bind(to_micros(cutoff))
    .fetch_all(db.pool())
    .await?)
}

/// Counts one more sending of an instruction still unconfirmed and sent `attempts` times; the
/// rows changed (0: confirmed or re-sent concurrently).
pub(crate) async fn mark_resent(
    tx: &mut Tx,
    id: &str,
    attempts: i64,
    now: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE deposit_refunds SET attempts = $1, last_sent_at = $2 WHERE id = $3 AND status = 'instructed' AND attempts = $4",
    )
    .bind(attempts + 1)
    .bind(to_micros(now))
    .bind(id)
    .bind(attempts)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// An unconfirmed instruction not marked overdue yet.
#[derive(sqlx::FromRow)]
pub(crate) struct LateRow {
    pub(crate) id: String,
    pub(crate) org_id: Option<String>,
    pub(crate) section_id: Option<String>,
    pub(crate) amount_fen: Money,
    pub(crate) interest_fen: Money,
    /// `YYYY-MM-DD`.
    pub(crate) due_date: String,
    pub(crate) basis: String,
    pub(crate) reason: String,
}

pub(crate) async fn unpaid_not_overdue(db: &Db) -> Result<Vec<LateRow>> {
    Ok(sqlx::query_as(
        "SELECT id, org_id, section_id, amount_fen, interest_fen, due_date, basis, reason FROM deposit_refunds \
         WHERE status = 'instructed' AND overdue_at IS NULL ORDER BY id",
    )
    .fetch_all(db.pool())
    .await?)
}

/// Marks an unconfirmed instruction overdue once; the rows changed.
pub(crate) async fn mark_overdue(tx: &mut Tx, id: &str, now: Timestamp) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE deposit_refunds SET overdue_at = $1 WHERE id = $2 AND status = 'instructed' AND overdue_at IS NULL",
    )
    .bind(to_micros(now))
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
