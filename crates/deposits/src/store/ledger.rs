//! `deposit_journal_entries` and `deposit_journal_lines` (the double-entry ledger: append-only, no
//! update or delete exists) and `deposit_reconciliations` (the bank's daily statements).

use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};
use sqlx::AnyConnection;

/// A journal entry's head (its lines follow with [`insert_line`]).
pub(crate) async fn insert_entry(
    tx: &mut Tx,
    id: &str,
    memo: &str,
    transfer_id: Option<&str>,
    at: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO deposit_journal_entries (id, memo, transfer_id, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(memo)
        .bind(transfer_id.map(str::to_string))
        .bind(to_micros(at))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One line of a journal entry (amounts in fen, one side zero).
pub(crate) struct NewLine<'a> {
    pub(crate) id: &'a str,
    pub(crate) entry_id: &'a str,
    pub(crate) line_no: i64,
    pub(crate) account_type: &'a str,
    pub(crate) account_key: &'a str,
    pub(crate) debit_fen: i64,
    pub(crate) credit_fen: i64,
}

pub(crate) async fn insert_line(tx: &mut Tx, l: NewLine<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO deposit_journal_lines (id, entry_id, line_no, account_type, account_key, debit_fen, credit_fen) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(l.id)
    .bind(l.entry_id)
    .bind(l.line_no)
    .bind(l.account_type)
    .bind(l.account_key)
    .bind(l.debit_fen)
    .bind(l.credit_fen)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The credits and debits of one account, in fen.
#[derive(sqlx::FromRow)]
pub(crate) struct BalanceRow {
    pub(crate) credit: i64,
    pub(crate) debit: i64,
}

pub(crate) async fn balance(
    c: &mut AnyConnection,
    account_type: &str,
    account_key: &str,
) -> Result<BalanceRow> {
    Ok(sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(credit_fen), 0) AS BIGINT) AS credit, CAST(COALESCE(SUM(debit_fen), 0) AS BIGINT) AS debit \
         FROM deposit_journal_lines WHERE account_type = $1 AND account_key = $2",
    )
    .bind(account_type)
    .bind(account_key)
    .fetch_one(&mut *c)
    .await?)
}

/// The debits and credits of one account type, in fen.
#[derive(sqlx::FromRow)]
pub(crate) struct SumRow {
    pub(crate) account_type: String,
    pub(crate) debit: i64,
    pub(crate) credit: i64,
}

/// The sums of every account type that has lines (the trial balance).
pub(crate) async fn sums_by_type(db: &Db) -> Result<Vec<SumRow>> {
    Ok(sqlx::query_as(
        "SELECT account_type, CAST(SUM(debit_fen) AS BIGINT) AS debit, CAST(SUM(credit_fen) AS BIGINT) AS credit \
         FROM deposit_journal_lines GROUP BY account_type",
    )
    .fetch_all(db.pool())
    .await?)
}

/// An imported bank statement and its differences (JSON text).
pub(crate) struct NewReconciliation<'a> {
    pub(crate) id: &'a str,
    pub(crate) statement_date: String,
    pub(crate) line_count: i64,
    pub(crate) difference_count: i64,
    pub(crate) differences: String,
    pub(crate) statement: &'a str,
    pub(crate) imported_by: &'a str,
    pub(crate) imported_at: Timestamp,
}

pub(crate) async fn insert_reconciliation(tx: &mut Tx, r: NewReconciliation<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO deposit_reconciliations (id, statement_date, line_count, difference_count, differences, statement, \
         imported_by, imported_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
    )
    .bind(r.id)
    .bind(r.statement_date)
    .bind(r.line_count)
    .bind(r.difference_count)
    .bind(r.differences)
    .bind(r.statement)
    .bind(r.imported_by)
    .bind(to_micros(r.imported_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
