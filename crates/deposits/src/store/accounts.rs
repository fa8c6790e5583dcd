//! `deposit_counters`, `deposit_accounts` (the bidders' virtual sub-accounts) and
//! `deposit_transfers` (the bank's incoming transfers, one per bank transaction id).

use ggzy_core::sql::At;
use ggzy_core::time::to_micros;
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::{Db, Tx};
use sqlx::AnyConnection;

/// What became of an incoming transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransferStatus {
    /// Counted for the deposit of its virtual account.
    Credited,
    /// Not a deposit (unknown account, not from the basic account): returned to the payer.
    Unmatched,
}

impl TransferStatus {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            TransferStatus::Credited => "credited",
            TransferStatus::Unmatched => "unmatched",
        }
    }
    fn parse(s: &str) -> std::result::Result<TransferStatus, String> {
        match s {
            "credited" => Ok(TransferStatus::Credited),
            "unmatched" => Ok(TransferStatus::Unmatched),
            other => Err(format!("not a transfer status: {other}")),
        }
    }
}

ggzy_core::text_enum!(
    TransferStatus,
    TransferStatus::parse,
    TransferStatus::as_str
);

/// The next virtual account sequence number (a counter incremented in the caller's transaction).
pub(crate) async fn next_account_seq(tx: &mut Tx) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO deposit_counters (name, value) VALUES ('account_no', 1) \
         ON CONFLICT (name) DO UPDATE SET value = deposit_counters.value + 1 RETURNING value",
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// A `deposit_accounts` row as [`find_account`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub(crate) id: String,
    pub(crate) account_no: String,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
}

/// The organization's virtual account for the section, outside any transaction.
pub(crate) async fn find_account(
    db: &Db,
    org_id: &str,
    section_id: &str,
) -> Result<Option<AccountRow>> {
    Ok(sqlx::query_as(
        "SELECT id, account_no, created_at FROM deposit_accounts WHERE org_id = $1 AND section_id = $2",
    )
    .bind(org_id)
    .bind(section_id)
    .fetch_optional(db.pool())
    .await?)
}

/// A new virtual account.
pub(crate) struct NewAccount<'a> {
    pub(crate) id: &'a str,
    pub(crate) account_no: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) created_by: &'a str,
    pub(crate) at: Timestamp,
}

/// Inserts the account unless the organization has one for the section; the rows changed (0: it
/// was created concurrently).
pub(crate) async fn insert_account(tx: &mut Tx, a: NewAccount<'_>) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO deposit_accounts (id, account_no, org_id, section_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, section_id) DO NOTHING",
    )
    .bind(a.id)
    .bind(a.account_no)
    .bind(a.org_id)
    .bind(a.section_id)
    .bind(a.created_by)
    .bind(to_micros(a.at))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Who a virtual account belongs to.
#[derive(sqlx::FromRow)]
pub(crate) struct AccountOwnerRow {
    pub(crate) org_id: String,
    pub(crate) section_id: String,
}

/// The owner of the virtual account `account_no`, locked (`FOR UPDATE` on PostgreSQL): transfers
/// into one account are serialized.
pub(crate) async fn owner_for_update(
    tx: &mut Tx,
    db: &Db,
    account_no: &str,
) -> Result<Option<AccountOwnerRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT org_id, section_id FROM deposit_accounts WHERE account_no = $1{}",
        db.for_update()
    ))
    .bind(account_no)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Locks the organization's virtual account for the section (PostgreSQL; SQLite has one writer),
/// serializing with receipts into it; nothing when it has none.
pub(crate) async fn lock_account(
    c: &mut AnyConnection,
    db: &Db,
    org_id: &str,
    section_id: &str,
) -> Result<()> {
    sqlx::query(&format!(
        "SELECT id FROM deposit_accounts WHERE org_id = $1 AND section_id = $2{}",
        db.for_update()
    ))
    .bind(org_id)
    .bind(section_id)
    .fetch_optional(&mut *c)
    .await?;
    Ok(())
}

/// The number of the organization's virtual account for the section.
pub(crate) async fn account_no(
    c: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT account_no FROM deposit_accounts WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *c)
    .await?)
}

/// A transfer as the deposit rules see it.
#[derive(sqlx::FromRow)]
pub(crate) struct CreditRow {
    pub(crate) amount_fen: Money,
    #[sqlx(try_from = "At")]
    pub(crate) value_at: Timestamp,
    pub(crate) status: TransferStatus,
}

/// The transfers into the organization's account for the section, by value time.
pub(crate) async fn credits<'e, E>(
    exec: E,
    org_id: &str,
    section_id: &str,
) -> Result<Vec<CreditRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as(
        "SELECT amount_fen, value_at, status FROM deposit_transfers WHERE org_id = $1 AND section_id = $2 ORDER BY value_at",
    )
    .bind(org_id)
    .bind(section_id)
    .fetch_all(exec)
    .await?)
}

/// An incoming transfer as booked.
pub(crate) struct NewTransfer<'a> {
    pub(crate) id: &'a str,
    pub(crate) bank_txn_id: &'a str,
    pub(crate) account_no: &'a str,
    pub(crate) payer_account_no: &'a str,
    pub(crate) payer_name: &'a str,
    pub(crate) amount: Money,
    pub(crate) value_at: Timestamp,
    pub(crate) received_at: Timestamp,
    pub(crate) status: TransferStatus,
    pub(crate) reason: Option<&'a str>,
    pub(crate) org_id: Option<&'a str>,
    pub(crate) section_id: Option<&'a str>,
}

/// Books the transfer once per bank transaction id; the rows changed (0: a replay).
pub(crate) async fn insert_transfer(tx: &mut Tx, t: NewTransfer<'_>) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO deposit_transfers (id, bank_txn_id, account_no, payer_account_no, payer_name, amount_fen, \
         value_at, received_at, status, reason, org_id, section_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) \
         ON CONFLICT (bank_txn_id) DO NOTHING",
    )
    .bind(t.id)
    .bind(t.bank_txn_id)
    .bind(t.account_no)
    .bind(t.payer_account_no)
    .bind(t.payer_name)
    .bind(t.amount)
    .bind(to_micros(t.value_at))
    .bind(to_micros(t.received_at))
    .bind(t.status)
    .bind(t.reason.map(str::to_string))
    .bind(t.org_id.map(str::to_string))
    .bind(t.section_id.map(str::to_string))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// What was booked for a bank transaction id.
#[derive(sqlx::FromRow)]
pub(crate) struct BookedRow {
    pub(crate) id: String,
    pub(crate) status: TransferStatus,
    pub(crate) reason: Option<String>,
}

pub(crate) async fn booked(db: &Db, bank_txn_id: &str) -> Result<BookedRow> {
    Ok(
        sqlx::query_as("SELECT id, status, reason FROM deposit_transfers WHERE bank_txn_id = $1")
            .bind(bank_txn_id)
            .fetch_one(db.pool())
            .await?,
    )
}

/// An unmatched transfer without a refund instruction yet.
#[derive(sqlx::FromRow)]
pub(crate) struct UnmatchedRow {
    pub(crate) id: String,
    pub(crate) bank_txn_id: String,
    pub(crate) org_id: Option<String>,
    pub(crate) section_id: Option<String>,
    pub(crate) payer_account_no: String,
    pub(crate) payer_name: String,
    pub(crate) amount_fen: Money,
    pub(crate) reason: Option<String>,
}

/// The unmatched transfers received by `as_of` that have no refund instruction, oldest first.
pub(crate) async fn unmatched_unrefunded(db: &Db, as_of: Timestamp) -> Result<Vec<UnmatchedRow>> {
    Ok(sqlx::query_as(
        "SELECT t.id, t.bank_txn_id, t.org_id, t.section_id, t.payer_account_no, t.payer_name, t.amount_fen, t.reason \
         FROM deposit_transfers t LEFT JOIN deposit_refunds r ON r.refund_key = 'transfer:' || t.id \
         WHERE t.status = 'unmatched' AND r.id IS NULL AND t.received_at <= $1 ORDER BY t.received_at, t.id",
    )
    .bind(to_micros(as_of))
    .fetch_all(db.pool())
    .await?)
}

/// Who paid a credited transfer, and when.
#[derive(sqlx::FromRow)]
pub(crate) struct PayerRow {
    pub(crate) payer_account_no: String,
    pub(crate) payer_name: String,
    #[sqlx(try_from = "At")]
    pub(crate) value_at: Timestamp,
}

/// The payers of the credited transfers into the organization's account, first paid first.
pub(crate) async fn payers(
    c: &mut AnyConnection,
    org_id: &str,
    section_id: &str,
) -> Result<Vec<PayerRow>> {
    Ok(sqlx::query_as(
        "SELECT payer_account_no, payer_name, value_at FROM deposit_transfers WHERE org_id = $1 AND section_id = $2 \
         AND status = 'credited' ORDER BY value_at, id",
    )
    .bind(org_id)
    .bind(section_id)
    .fetch_all(&mut *c)
    .await?)
}

/// A transfer as its bidder sees it.
#[derive(sqlx::FromRow)]
pub(crate) struct ReceivedRow {
    pub(crate) bank_txn_id: String,
    pub(crate) amount_fen: Money,
    #[sqlx(try_from = "At")]
    pub(crate) value_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) received_at: Timestamp,
    pub(crate) payer_name: String,
    pub(crate) status: TransferStatus,
    pub(crate) reason: Option<String>,
}

/// The organization's transfers for the section, in the order received.
pub(crate) async fn received(db: &Db, section_id: &str, org_id: &str) -> Result<Vec<ReceivedRow>> {
    Ok(sqlx::query_as(
        "SELECT bank_txn_id, amount_fen, value_at, received_at, payer_name, status, reason \
         FROM deposit_transfers WHERE section_id = $1 AND org_id = $2 ORDER BY received_at, id",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

/// A transfer as the bank's statement shows it.
#[derive(sqlx::FromRow)]
pub(crate) struct TransferMovementRow {
    pub(crate) bank_txn_id: String,
    pub(crate) amount_fen: Money,
    pub(crate) account_no: String,
}

/// The transfers with a value time in `[from, to)`.
pub(crate) async fn transfers_valued(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<TransferMovementRow>> {
    Ok(sqlx::query_as(
        "SELECT bank_txn_id, amount_fen, account_no FROM deposit_transfers WHERE value_at >= $1 AND value_at < $2",
    )
    .bind(to_micros(from))
    .bind(to_micros(to))
    .fetch_all(db.pool())
    .await?)
}
