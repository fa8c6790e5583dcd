//! `award_report_rules` and `section_award_reports` (migration 0167), with what the written report
//! reads of the section's own record (`sections`, `projects`, `section_evaluations`,
//! `section_awards`, `section_registrations`, `bids`).

use ggzy_core::ident::Market;
use ggzy_core::sql::{At, Flag, Json, MaybeAt};
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::Tx;
use serde_json::Value;

// award_report_rules

/// An `award_report_rules` row.
#[derive(sqlx::FromRow)]
pub(crate) struct ReportRuleRow {
    pub(crate) report_days: i64,
    pub(crate) source: String,
}

/// The report period of a market in a region: the region's row, else the `national` one.
pub(crate) async fn rule(
    conn: &mut sqlx::AnyConnection,
    region: &str,
    market: Market,
    national: &str,
) -> Result<Option<ReportRuleRow>> {
    Ok(sqlx::query_as(
        "SELECT report_days, source FROM award_report_rules WHERE market = $1 AND (region = $2 OR region = $3) \
         ORDER BY CASE WHEN region = $3 THEN 1 ELSE 0 END LIMIT 1",
    )
    .bind(market.as_str())
    .bind(region)
    .bind(national)
    .fetch_optional(&mut *conn)
    .await?)
}

// section_award_reports

/// Remove the section's report (a section awarded again opens it again).
pub(crate) async fn delete_report(tx: &mut Tx, section_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM section_award_reports WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A report as opened at the award.
pub(crate) struct NewReport<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) project_id: &'a str,
    pub(crate) awarded_at: Timestamp,
    pub(crate) report_days: u32,
    pub(crate) source: &'a str,
    pub(crate) due_at: Timestamp,
    pub(crate) due_provisional: bool,
}

pub(crate) async fn insert_report(tx: &mut Tx, r: NewReport<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO section_award_reports (section_id, project_id, awarded_at, report_days, source, due_at, \
         due_provisional) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.section_id)
    .bind(r.project_id)
    .bind(At(r.awarded_at))
    .bind(i64::from(r.report_days))
    .bind(r.source)
    .bind(At(r.due_at))
    .bind(Flag(r.due_provisional))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A `section_award_reports` row.
#[derive(sqlx::FromRow)]
pub(crate) struct ReportRow {
    pub(crate) section_id: String,
    pub(crate) project_id: String,
    #[sqlx(try_from = "At")]
    pub(crate) awarded_at: Timestamp,
    pub(crate) report_days: i64,
    pub(crate) source: String,
    #[sqlx(try_from = "At")]
    pub(crate) due_at: Timestamp,
    #[sqlx(try_from = "Flag")]
    pub(crate) due_provisional: bool,
    pub(crate) report_no: Option<String>,
    pub(crate) body: Option<Json<Value>>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) filed_at: Option<Timestamp>,
    #[sqlx(try_from = "Flag")]
    pub(crate) late: bool,
    #[sqlx(try_from = "Flag")]
    pub(crate) overdue_alerted: bool,
}

/// The section's report, if any.
pub(crate) async fn report(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<ReportRow>> {
    Ok(sqlx::query_as(
        "SELECT section_id, project_id, awarded_at, report_days, source, due_at, due_provisional, report_no, \
         body, filed_at, late, overdue_alerted FROM section_award_reports WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The supervisors' list: every report, the unfiled ones first by due time (at most 500).
pub(crate) async fn listed(conn: &mut sqlx::AnyConnection) -> Result<Vec<ReportRow>> {
    Ok(sqlx::query_as(
        "SELECT section_id, project_id, awarded_at, report_days, source, due_at, due_provisional, report_no, \
         body, filed_at, late, overdue_alerted FROM section_award_reports \
         ORDER BY CASE WHEN filed_at IS NULL THEN 0 ELSE 1 END, due_at, section_id LIMIT 500",
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// The report as filed.
pub(crate) struct Filing<'a> {
    pub(crate) report_no: &'a str,
    /// The generated report, JSON text.
    pub(crate) body: String,
    pub(crate) filed_at: Timestamp,
    pub(crate) filed_by: &'a str,
    pub(crate) late: bool,
}

/// File the report unless it is filed already; the rows changed (0 or 1).
pub(crate) async fn file_report(tx: &mut Tx, section_id: &str, f: Filing<'_>) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE section_award_reports SET report_no = $1, body = $2, filed_at = $3, filed_by = $4, late = $5 \
         WHERE section_id = $6 AND filed_at IS NULL",
    )
    .bind(f.report_no)
    .bind(f.body)
    .bind(At(f.filed_at))
    .bind(f.filed_by)
    .bind(Flag(f.late))
    .bind(section_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Mark the overdue alert raised, once, for an unfiled report due by `now`; the rows changed.
pub(crate) async fn mark_overdue(tx: &mut Tx, section_id: &str, now: Timestamp) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE section_award_reports SET overdue_alerted = 1 WHERE section_id = $1 \
         AND filed_at IS NULL AND overdue_alerted = 0 AND due_at <= $2",
    )
    .bind(section_id)
    .bind(At(now))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

// The section's own record, as the written report names it.

/// The project and section columns the written report names.
#[derive(sqlx::FromRow)]
pub(crate) struct ReportSectionRow {
    pub(crate) id: String,
    pub(crate) code: Option<String>,
    pub(crate) name: String,
    pub(crate) market: String,
    pub(crate) procedure: String,
    pub(crate) region: String,
    pub(crate) tenderer_name: String,
    pub(crate) tenderer_uscc: String,
    pub(crate) section_no: i64,
    pub(crate) section_name: String,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) opening_at: Timestamp,
}

pub(crate) async fn report_section(tx: &mut Tx, section_id: &str) -> Result<ReportSectionRow> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.code, p.name, p.market, p.procedure, p.region, p.tenderer_name, p.tenderer_uscc, \
         s.section_no, s.name AS section_name, s.created_at, s.bid_deadline, s.opening_at \
         FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = $1",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// The evaluation result columns the written report names.
#[derive(sqlx::FromRow)]
pub(crate) struct ReportEvaluationRow {
    pub(crate) report_ref: String,
    pub(crate) candidates: String,
    #[sqlx(try_from = "At")]
    pub(crate) publicity_starts_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) publicity_ends_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
}

pub(crate) async fn report_evaluation(
    tx: &mut Tx,
    section_id: &str,
) -> Result<Option<ReportEvaluationRow>> {
    Ok(sqlx::query_as(
        "SELECT report_ref, candidates, publicity_starts_at, publicity_ends_at, created_at \
         FROM section_evaluations WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The award columns the written report names.
#[derive(sqlx::FromRow)]
pub(crate) struct ReportAwardRow {
    pub(crate) notice_no: String,
    pub(crate) winner_org_id: String,
    pub(crate) winner_name: String,
    pub(crate) winner_rank: i64,
    pub(crate) price_fen: Money,
    pub(crate) reason: Option<String>,
    #[sqlx(try_from = "At")]
    pub(crate) awarded_at: Timestamp,
}

pub(crate) async fn report_award(tx: &mut Tx, section_id: &str) -> Result<ReportAwardRow> {
    Ok(sqlx::query_as(
        "SELECT notice_no, winner_org_id, winner_name, winner_rank, price_fen, reason, awarded_at \
         FROM section_awards WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// How many organizations registered for the section.
pub(crate) async fn registration_count(tx: &mut Tx, section_id: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM section_registrations WHERE section_id = $1")
            .bind(section_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// How many organizations have a current bid on the section.
pub(crate) async fn bidder_count(tx: &mut Tx, section_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(DISTINCT org_id) FROM bids WHERE section_id = $1 AND status = 'current'",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?)
}
