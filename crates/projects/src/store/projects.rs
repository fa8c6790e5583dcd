//! Project registration: `projects`, their `sections` as drafted and registered,
//! `project_code_seq` (the unified trading code counter per region, market and year) and
//! `project_rules` (the legal periods per region, market and procedure).

use crate::model::ProjectStatus;
use crate::rules::{Procedure, Subject};
use crate::service::SectionDraft;
use ggzy_core::sql::{At, Flag, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::Db;
use sqlx::AnyConnection;

// projects

/// A new draft project.
pub(crate) struct NewProject<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) market: &'a str,
    pub(crate) procedure: &'a str,
    pub(crate) region: &'a str,
    pub(crate) tenderer_uscc: &'a str,
    pub(crate) tenderer_name: &'a str,
    pub(crate) owner_org_id: &'a str,
    pub(crate) created_by: &'a str,
    /// Created at (µs).
    pub(crate) at: i64,
}

pub(crate) async fn insert_project(conn: &mut AnyConnection, p: &NewProject<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO projects (id, code, name, market, procedure, region, tenderer_uscc, tenderer_name, \
         owner_org_id, created_by, status, created_at, updated_at) \
         VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $10)",
    )
    .bind(p.id)
    .bind(p.name)
    .bind(p.market)
    .bind(p.procedure)
    .bind(p.region)
    .bind(p.tenderer_uscc)
    .bind(p.tenderer_name)
    .bind(p.owner_org_id)
    .bind(p.created_by)
    .bind(p.at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A draft's edited fields.
pub(crate) struct DraftFields<'a> {
    pub(crate) name: &'a str,
    pub(crate) market: &'a str,
    pub(crate) procedure: &'a str,
    pub(crate) tenderer_uscc: &'a str,
    pub(crate) tenderer_name: &'a str,
}

/// Replace a draft's fields unless it is no longer a draft; the rows changed (0 or 1).
pub(crate) async fn update_draft(
    conn: &mut AnyConnection,
    id: &str,
    d: &DraftFields<'_>,
    at: i64,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE projects SET name = $1, market = $2, procedure = $3, tenderer_uscc = $4, tenderer_name = $5, \
         updated_at = $6 WHERE id = $7 AND status = 'draft'",
    )
    .bind(d.name)
    .bind(d.market)
    .bind(d.procedure)
    .bind(d.tenderer_uscc)
    .bind(d.tenderer_name)
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Submit a draft; the rows changed (0 or 1).
pub(crate) async fn submit(
    conn: &mut AnyConnection,
    id: &str,
    to: ProjectStatus,
    at: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE projects SET status = $1, submitted_at = $2, updated_at = $2, return_reason = NULL \
         WHERE id = $3 AND status = 'draft'",
    )
    .bind(to.as_str())
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// The next number of the (region, market, year) counter.
pub(crate) async fn next_code_seq(
    conn: &mut AnyConnection,
    region: &str,
    market: &str,
    year: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO project_code_seq (region, market, year, last_seq) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (region, market, year) DO UPDATE SET last_seq = project_code_seq.last_seq + 1 \
         RETURNING last_seq",
    )
    .bind(region)
    .bind(market)
    .bind(year)
    .fetch_one(&mut *conn)
    .await?)
}

/// Register a submitted project with its code; the rows changed (0 or 1).
pub(crate) async fn register(
    conn: &mut AnyConnection,
    id: &str,
    to: ProjectStatus,
    code: &str,
    at: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE projects SET status = $1, code = $2, registered_at = $3, updated_at = $3 \
         WHERE id = $4 AND status = 'submitted'",
    )
    .bind(to.as_str())
    .bind(code)
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Return a submitted project with a reason; the rows changed (0 or 1).
pub(crate) async fn return_to_draft(
    conn: &mut AnyConnection,
    id: &str,
    to: ProjectStatus,
    reason: &str,
    at: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE projects SET status = $1, return_reason = $2, updated_at = $3 WHERE id = $4 AND status = 'submitted'",
    )
    .bind(to.as_str())
    .bind(reason)
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Lock project `id`; whether it exists.
pub(crate) async fn lock_project(conn: &mut AnyConnection, db: &Db, id: &str) -> Result<bool> {
    Ok(sqlx::query(&format!(
        "SELECT id FROM projects WHERE id = $1{}",
        db.for_update()
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .is_some())
}

/// A `projects` row.
#[derive(sqlx::FromRow)]
pub(crate) struct ProjectRow {
    pub(crate) id: String,
    pub(crate) code: Option<String>,
    pub(crate) name: String,
    pub(crate) market: String,
    pub(crate) procedure: Procedure,
    pub(crate) region: String,
    pub(crate) tenderer_uscc: String,
    pub(crate) tenderer_name: String,
    pub(crate) owner_org_id: String,
    pub(crate) status: String,
    pub(crate) return_reason: Option<String>,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) updated_at: Timestamp,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) submitted_at: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) registered_at: Option<Timestamp>,
}

pub(crate) async fn project(conn: &mut AnyConnection, id: &str) -> Result<Option<ProjectRow>> {
    Ok(sqlx::query_as(
        "SELECT id, code, name, market, procedure, region, tenderer_uscc, tenderer_name, owner_org_id, status, \
         return_reason, created_at, updated_at, submitted_at, registered_at FROM projects WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The ids of the projects of `owner` (all when empty) in `status` and `market` (any when
/// empty), newest first (at most 500).
pub(crate) async fn project_ids(
    conn: &mut AnyConnection,
    owner: &str,
    status: &str,
    market: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM projects WHERE ($1 = '' OR owner_org_id = $1) AND ($2 = '' OR status = $2) \
         AND ($3 = '' OR market = $3) ORDER BY created_at DESC, id DESC LIMIT 500",
    )
    .bind(owner)
    .bind(status)
    .bind(market)
    .fetch_all(&mut *conn)
    .await?)
}

// sections of a project

/// A `sections` row as a project reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct SectionRow {
    pub(crate) id: String,
    pub(crate) section_no: i64,
    pub(crate) name: String,
    pub(crate) estimated_price_fen: Money,
    pub(crate) deposit_fen: Money,
    #[sqlx(try_from = "At")]
    pub(crate) docs_issue_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) docs_sale_end_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) opening_at: Timestamp,
    pub(crate) state: String,
    pub(crate) subject: Option<Subject>,
    pub(crate) bid_validity_days: Option<i64>,
}

/// The project's sections in order.
pub(crate) async fn sections_of(
    conn: &mut AnyConnection,
    project_id: &str,
) -> Result<Vec<SectionRow>> {
    Ok(sqlx::query_as(
        "SELECT id, section_no, name, estimated_price_fen, deposit_fen, docs_issue_at, docs_sale_end_at, \
         bid_deadline, opening_at, state, subject, bid_validity_days FROM sections WHERE project_id = $1 \
         ORDER BY section_no",
    )
    .bind(project_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Remove the draft sections numbered after `keep`.
pub(crate) async fn delete_draft_sections_after(
    conn: &mut AnyConnection,
    project_id: &str,
    keep: i64,
) -> Result<()> {
    sqlx::query(
        "DELETE FROM sections WHERE project_id = $1 AND section_no > $2 AND state = 'draft'",
    )
    .bind(project_id)
    .bind(keep)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Update draft section `no` of the project from `s`; the rows changed (0: no such draft section).
pub(crate) async fn update_draft_section(
    conn: &mut AnyConnection,
    project_id: &str,
    no: i64,
    s: &SectionDraft,
    subject: Option<&str>,
    at: i64,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE sections SET name = $1, estimated_price_fen = $2, deposit_fen = $3, docs_issue_at = $4, \
         docs_sale_end_at = $5, bid_deadline = $6, opening_at = $7, updated_at = $8, subject = $11, \
         bid_validity_days = $12 WHERE project_id = $9 AND section_no = $10 AND state = 'draft'",
    )
    .bind(s.name.trim())
    .bind(s.estimated_price.fen())
    .bind(s.deposit.fen())
    .bind(to_micros(s.docs_issue_at))
    .bind(to_micros(s.docs_sale_end_at))
    .bind(to_micros(s.bid_deadline))
    .bind(to_micros(s.opening_at))
    .bind(at)
    .bind(project_id)
    .bind(no)
    .bind(subject)
    .bind(s.bid_validity_days)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Insert draft section `no` of the project from `s`.
pub(crate) async fn insert_draft_section(
    conn: &mut AnyConnection,
    id: &str,
    project_id: &str,
    no: i64,
    s: &SectionDraft,
    subject: Option<&str>,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sections (id, project_id, section_no, name, estimated_price_fen, deposit_fen, \
         docs_issue_at, docs_sale_end_at, bid_deadline, opening_at, state, created_at, updated_at, subject, \
         bid_validity_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $11, $12, $13)",
    )
    .bind(id)
    .bind(project_id)
    .bind(no)
    .bind(s.name.trim())
    .bind(s.estimated_price.fen())
    .bind(s.deposit.fen())
    .bind(to_micros(s.docs_issue_at))
    .bind(to_micros(s.docs_sale_end_at))
    .bind(to_micros(s.bid_deadline))
    .bind(to_micros(s.opening_at))
    .bind(at)
    .bind(subject)
    .bind(s.bid_validity_days)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The procedure code of a section's project.
pub(crate) async fn section_procedure(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT p.procedure FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

// project_rules

/// A `project_rules` row.
#[derive(sqlx::FromRow)]
pub(crate) struct RulesRow {
    pub(crate) deadline_min_days: i64,
    #[sqlx(try_from = "Flag")]
    pub(crate) deadline_working: bool,
    pub(crate) deadline_source: String,
    pub(crate) doc_sale_min_days: i64,
    #[sqlx(try_from = "Flag")]
    pub(crate) doc_sale_working: bool,
    pub(crate) doc_sale_source: String,
    pub(crate) deposit_cap_bp: i64,
    pub(crate) deposit_cap_source: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) opening_at_deadline: bool,
    pub(crate) opening_source: String,
}

/// The region's row of (market, procedure), else the `national` one.
pub(crate) async fn rules(
    conn: &mut AnyConnection,
    market: &str,
    procedure: &str,
    region: &str,
    national: &str,
) -> Result<Option<RulesRow>> {
    Ok(sqlx::query_as(
        "SELECT deadline_min_days, deadline_working, deadline_source, doc_sale_min_days, doc_sale_working, \
         doc_sale_source, deposit_cap_bp, deposit_cap_source, opening_at_deadline, opening_source \
         FROM project_rules WHERE market = $1 AND procedure = $2 AND (region = $3 OR region = $4) \
         ORDER BY CASE WHEN region = $4 THEN 1 ELSE 0 END LIMIT 1",
    )
    .bind(market)
    .bind(procedure)
    .bind(region)
    .bind(national)
    .fetch_optional(&mut *conn)
    .await?)
}
