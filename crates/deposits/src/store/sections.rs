//! `deposit_sections`, `deposit_orgs`, `deposit_registrations` and `deposit_revocations`: the
//! area's copies of what other areas announced (sections and organizations are written by the
//! projection through `ggzy_store::copies`, crate::service).

use ggzy_core::sql::At;
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};
use sqlx::AnyConnection;

/// A `deposit_sections` row as [`section`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct SectionRow {
    pub(crate) market: String,
    pub(crate) deposit_fen: i64,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: Timestamp,
    pub(crate) bid_validity_days: Option<i64>,
}

/// The section's deposit, deadline and bid validity (on the pool, a connection or a transaction).
pub(crate) async fn section<'e, E>(exec: E, section_id: &str) -> Result<Option<SectionRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as(
        "SELECT market, deposit_fen, bid_deadline, bid_validity_days FROM deposit_sections WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(exec)
    .await?)
}

/// The section's deadline moved (`projects.section.deadline_changed`).
pub(crate) async fn set_deadline(
    tx: &mut Tx,
    section_id: &str,
    bid_deadline: Timestamp,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE deposit_sections SET bid_deadline = $1, updated_at = $2 WHERE section_id = $3",
    )
    .bind(to_micros(bid_deadline))
    .bind(to_micros(now))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The organization's basic account (基本账户) on record (`None`: unknown organization or none).
pub(crate) async fn basic_account(c: &mut AnyConnection, org_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT basic_account_no FROM deposit_orgs WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_optional(&mut *c)
    .await?
    .flatten())
}

/// Whom a deposit refund is paid to: the organization's basic account and name.
#[derive(sqlx::FromRow)]
pub(crate) struct PayeeOrgRow {
    pub(crate) basic_account_no: Option<String>,
    pub(crate) name: String,
}

pub(crate) async fn payee_org(c: &mut AnyConnection, org_id: &str) -> Result<Option<PayeeOrgRow>> {
    Ok(
        sqlx::query_as("SELECT basic_account_no, name FROM deposit_orgs WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&mut *c)
            .await?,
    )
}

/// The organization's name, outside any transaction.
pub(crate) async fn org_name(db: &Db, org_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT name FROM deposit_orgs WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// A registration for the section (`projects.registration.created`; a repeat keeps the first).
pub(crate) async fn insert_registration(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
    registration_id: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO deposit_registrations (section_id, org_id, registration_id, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (section_id, org_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(org_id)
    .bind(registration_id)
    .bind(to_micros(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every organization known to take part in a section: registrations, virtual accounts,
/// guarantees (unordered).
pub(crate) async fn participants(c: &mut AnyConnection, section_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT org_id FROM deposit_registrations WHERE section_id = $1 \
         UNION SELECT org_id FROM deposit_accounts WHERE section_id = $1 \
         UNION SELECT org_id FROM deposit_guarantees WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_all(&mut *c)
    .await?)
}

/// A bid revoked (`projects.bid.revoked`; a repeat keeps the first).
pub(crate) struct Revoked<'a> {
    pub(crate) bid_id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) reason: &'a str,
    pub(crate) at: Timestamp,
}

pub(crate) async fn insert_revocation(tx: &mut Tx, r: Revoked<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO deposit_revocations (bid_id, section_id, org_id, reason, at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (bid_id) DO NOTHING",
    )
    .bind(r.bid_id)
    .bind(r.section_id)
    .bind(r.org_id)
    .bind(r.reason)
    .bind(to_micros(r.at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A `deposit_revocations` row.
#[derive(sqlx::FromRow)]
pub(crate) struct RevocationRow {
    pub(crate) bid_id: String,
    pub(crate) section_id: String,
    pub(crate) org_id: String,
    pub(crate) reason: String,
    #[sqlx(try_from = "At")]
    pub(crate) at: Timestamp,
}

/// The revocations of a section (`""`: of every section), oldest first.
pub(crate) async fn revocations(db: &Db, section_id: &str) -> Result<Vec<RevocationRow>> {
    Ok(sqlx::query_as(
        "SELECT bid_id, section_id, org_id, reason, at FROM deposit_revocations WHERE ($1 = '' OR section_id = $1) ORDER BY at, bid_id",
    )
    .bind(section_id)
    .fetch_all(db.pool())
    .await?)
}
