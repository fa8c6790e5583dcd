//! `section_voided_results`: a result, award and procurement award path voided by a complaint
//! decision, archived as they were — and the reads and deletes of `section_evaluations`,
//! `section_awards` and `procurement_awards` that the archive makes. The archive keeps the stored
//! values as they were (instants in µs, money in fen, candidates as their JSON), so these rows read
//! the raw encodings.

use chrono::{DateTime, Utc};
use ggzy_core::time::to_micros;
use ggzy_core::Result;
use sqlx::AnyConnection;

/// A `section_evaluations` row, raw.
#[derive(sqlx::FromRow)]
pub(crate) struct EvaluationRow {
    pub(crate) report_ref: String,
    pub(crate) source: String,
    pub(crate) candidates: String,
    pub(crate) publicity_days: i64,
    pub(crate) publicity_starts_at: i64,
    pub(crate) publicity_ends_at: i64,
    pub(crate) submitted_by: String,
    pub(crate) created_at: i64,
}

pub(crate) async fn evaluation(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Option<EvaluationRow>> {
    Ok(sqlx::query_as(
        "SELECT report_ref, source, candidates, publicity_days, publicity_starts_at, \
         publicity_ends_at, submitted_by, created_at FROM section_evaluations WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A `section_awards` row, raw.
#[derive(sqlx::FromRow)]
pub(crate) struct AwardRow {
    pub(crate) notice_no: String,
    pub(crate) winner_org_id: String,
    pub(crate) winner_name: String,
    pub(crate) winner_rank: i64,
    pub(crate) price_fen: i64,
    pub(crate) awarded_by: String,
    pub(crate) awarded_at: i64,
    pub(crate) contract_signed_on: Option<String>,
}

pub(crate) async fn award(conn: &mut AnyConnection, section_id: &str) -> Result<Option<AwardRow>> {
    Ok(sqlx::query_as(
        "SELECT notice_no, winner_org_id, winner_name, winner_rank, price_fen, awarded_by, \
         awarded_at, contract_signed_on FROM section_awards WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A `procurement_awards` row, raw.
#[derive(sqlx::FromRow)]
pub(crate) struct ProcurementRow {
    pub(crate) report_ref: String,
    pub(crate) report_at: i64,
    pub(crate) report_sent_at: Option<i64>,
    pub(crate) confirmed_at: Option<i64>,
    pub(crate) announced_at: Option<i64>,
    pub(crate) announcement_id: Option<String>,
    pub(crate) contract_signed_on: Option<String>,
}

pub(crate) async fn procurement(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Option<ProcurementRow>> {
    Ok(sqlx::query_as(
        "SELECT report_ref, report_at, report_sent_at, confirmed_at, announced_at, announcement_id, \
         contract_signed_on FROM procurement_awards WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The archived result (each part as JSON text, or NULL).
pub(crate) struct VoidedResult<'a> {
    pub(crate) id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) remedy_case_id: &'a str,
    pub(crate) previous_state: &'a str,
    pub(crate) evaluation: Option<String>,
    pub(crate) award: Option<String>,
    pub(crate) procurement: Option<String>,
    pub(crate) voided_at: DateTime<Utc>,
}

pub(crate) async fn insert(conn: &mut AnyConnection, v: &VoidedResult<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO section_voided_results (id, section_id, remedy_case_id, previous_state, \
         evaluation, award, procurement, voided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(v.id)
    .bind(v.section_id)
    .bind(v.remedy_case_id)
    .bind(v.previous_state)
    .bind(&v.evaluation)
    .bind(&v.award)
    .bind(&v.procurement)
    .bind(to_micros(v.voided_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Remove the voided award, procurement award path and result of the section (in this order).
pub(crate) async fn delete_result(conn: &mut AnyConnection, section_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM section_awards WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM procurement_awards WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM section_evaluations WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
