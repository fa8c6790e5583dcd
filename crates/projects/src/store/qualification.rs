//! `section_qualifications`: the qualification review after opening (资格审查), one verdict per
//! opened supplier, and the opened suppliers it reviews.

use chrono::{DateTime, Utc};
use ggzy_core::sql::Flag;
use ggzy_core::time::to_micros;
use ggzy_core::Result;
use sqlx::AnyConnection;

/// An opened supplier and its registered name.
#[derive(sqlx::FromRow)]
pub(crate) struct SupplierNameRow {
    pub(crate) org_id: String,
    pub(crate) org_name: Option<String>,
}

/// The section's current decrypted bids' suppliers, in order of receipt.
pub(crate) async fn opened_suppliers(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Vec<SupplierNameRow>> {
    Ok(sqlx::query_as(
        "SELECT b.org_id, r.org_name FROM bids b LEFT JOIN section_registrations r \
         ON r.section_id = b.section_id AND r.org_id = b.org_id \
         WHERE b.section_id = $1 AND b.status = 'current' AND b.decryption = 'decrypted' \
         ORDER BY b.received_at, b.id",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// A row of `section_qualifications`; `reviewed_at` stays the stored microseconds.
#[derive(sqlx::FromRow)]
pub(crate) struct VerdictRow {
    pub(crate) org_id: String,
    pub(crate) org_name: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) qualified: bool,
    pub(crate) reason: Option<String>,
    pub(crate) reviewed_at: i64,
}

/// The section's verdicts, by supplier.
pub(crate) async fn verdicts(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Vec<VerdictRow>> {
    Ok(sqlx::query_as(
        "SELECT org_id, org_name, qualified, reason, reviewed_at FROM section_qualifications \
         WHERE section_id = $1 ORDER BY org_id",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Whether `org_id` registered for the section.
pub(crate) async fn is_registered(
    conn: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM section_registrations WHERE section_id = $1 AND org_id = $2")
            .bind(section_id)
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

/// Whether the section's review is recorded.
pub(crate) async fn reviewed(conn: &mut AnyConnection, section_id: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM section_qualifications WHERE section_id = $1 LIMIT 1")
            .bind(section_id)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

/// One supplier's verdict.
pub(crate) struct NewVerdict<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) org_name: &'a str,
    pub(crate) qualified: bool,
    pub(crate) reason: Option<&'a str>,
    pub(crate) reviewed_by: &'a str,
    pub(crate) at: DateTime<Utc>,
}

pub(crate) async fn insert_verdict(conn: &mut AnyConnection, v: &NewVerdict<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO section_qualifications (section_id, org_id, org_name, qualified, reason, \
         reviewed_by, reviewed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(v.section_id)
    .bind(v.org_id)
    .bind(v.org_name)
    .bind(Flag(v.qualified))
    .bind(v.reason)
    .bind(v.reviewed_by)
    .bind(to_micros(v.at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
