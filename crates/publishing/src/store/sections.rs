//! `publishing_sections` (the area's copy of the registered projects and sections, kept by the
//! lifecycle consumer from the projects events) and `publishing_orgs` (its copy of the
//! organizations, written through [`ggzy_store::copies::OrgCopy`] by the same consumer).

use chrono::{DateTime, Utc};
use ggzy_core::sql::MaybeAt;
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};

// ---------------------------------------------------------------------------------------------
// publishing_sections.

const SECTION_COLS: &str = "section_id, project_id, project_code, project_name, section_name, market, \
    procedure, tenderer_name, tenderer_uscc, owner_org_id, estimated_price, docs_issue_at, bid_deadline, \
    opening_at, prequal_due, prequal_docs_issue, prequal_sale_end";

/// One section as publishing knows it from the projects events.
/// Read by column name from publishing's copy (`publishing_sections`, [`SECTION_COLS`]).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SectionInfo {
    pub section_id: String,
    pub project_id: String,
    pub project_code: Option<String>,
    pub project_name: String,
    pub section_name: String,
    pub market: String,
    pub procedure: Option<String>,
    pub tenderer_name: Option<String>,
    pub tenderer_uscc: Option<String>,
    pub owner_org_id: Option<String>,
    pub estimated_price: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub docs_issue_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "MaybeAt")]
    pub bid_deadline: Option<DateTime<Utc>>,
    #[sqlx(try_from = "MaybeAt")]
    pub opening_at: Option<DateTime<Utc>>,
    /// While a prequalification round (资格预审) is open: its applications deadline.
    #[sqlx(try_from = "MaybeAt")]
    pub prequal_due: Option<DateTime<Utc>>,
    /// The open round's documents: from (`docs_issue_at`) …
    #[sqlx(try_from = "MaybeAt")]
    pub prequal_docs_issue: Option<DateTime<Utc>>,
    /// … until (`docs_sale_end_at`).
    #[sqlx(try_from = "MaybeAt")]
    pub prequal_sale_end: Option<DateTime<Utc>>,
}

/// One section of the copy.
pub(crate) async fn section(tx: &mut Tx, id: &str) -> Result<Option<SectionInfo>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SECTION_COLS} FROM publishing_sections WHERE section_id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Every section of the project, by id.
pub(crate) async fn project_sections(tx: &mut Tx, project_id: &str) -> Result<Vec<SectionInfo>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SECTION_COLS} FROM publishing_sections WHERE project_id = $1 ORDER BY section_id"
    ))
    .bind(project_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// The ids of the project's sections (no order), outside any transaction.
pub(crate) async fn section_ids_of_project(db: &Db, project_id: &str) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT section_id FROM publishing_sections WHERE project_id = $1")
            .bind(project_id)
            .fetch_all(db.pool())
            .await?,
    )
}

/// The section's bid deadline and opening moved (a change notice, `projects.section.deadline_changed`).
pub(crate) async fn move_deadline(
    tx: &mut Tx,
    section_id: &str,
    deadline: Timestamp,
    opening_at: Timestamp,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE publishing_sections SET bid_deadline = $1, opening_at = $2, updated_at = $3 \
         WHERE section_id = $4",
    )
    .bind(to_micros(deadline))
    .bind(to_micros(opening_at))
    .bind(to_micros(now))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A prequalification round opened (or none once reviewed): its documents' window and its
/// applications deadline.
pub(crate) async fn set_prequal_round(
    tx: &mut Tx,
    section_id: &str,
    round: Option<(DateTime<Utc>, DateTime<Utc>, DateTime<Utc>)>,
) -> Result<()> {
    sqlx::query(
        "UPDATE publishing_sections SET prequal_docs_issue = $1, prequal_sale_end = $2, \
         prequal_due = $3 WHERE section_id = $4",
    )
    .bind(round.map(|r| to_micros(r.0)))
    .bind(round.map(|r| to_micros(r.1)))
    .bind(round.map(|r| to_micros(r.2)))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The open prequalification round's applications deadline, moved by a clarification.
pub(crate) async fn set_prequal_due(
    tx: &mut Tx,
    section_id: &str,
    due: Option<DateTime<Utc>>,
) -> Result<()> {
    sqlx::query("UPDATE publishing_sections SET prequal_due = $1 WHERE section_id = $2")
        .bind(due.map(to_micros))
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A section's open prequalification round in publishing's copy (all null when none is open).
#[derive(sqlx::FromRow)]
pub(crate) struct PrequalRoundRow {
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) prequal_docs_issue: Option<DateTime<Utc>>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) prequal_sale_end: Option<DateTime<Utc>>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) prequal_due: Option<DateTime<Utc>>,
}

/// The section's prequalification round (`None` for a section the copy does not hold).
pub(crate) async fn prequal_round(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<PrequalRoundRow>> {
    Ok(sqlx::query_as(
        "SELECT prequal_docs_issue, prequal_sale_end, prequal_due FROM publishing_sections \
         WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The distinct known procedures of the project's sections.
pub(crate) async fn procedures_of_project(
    conn: &mut sqlx::AnyConnection,
    project_id: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT procedure FROM publishing_sections WHERE project_id = $1 AND procedure IS NOT NULL",
    )
    .bind(project_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The section's procedure: `None` for an unknown section, `Some(None)` when not known.
pub(crate) async fn procedure_of_section(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<Option<String>>> {
    Ok(
        sqlx::query_scalar("SELECT procedure FROM publishing_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// The section's region: `None` for an unknown section, `Some(None)` when not known.
pub(crate) async fn region_of_section(
    tx: &mut Tx,
    section_id: &str,
) -> Result<Option<Option<String>>> {
    Ok(
        sqlx::query_scalar("SELECT region FROM publishing_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// What a tender announcement's form takes from a project's first section.
#[derive(sqlx::FromRow)]
pub(crate) struct ProjectFactsRow {
    pub(crate) project_name: String,
    pub(crate) market: String,
    pub(crate) tenderer_name: Option<String>,
    pub(crate) estimated_price: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) docs_issue_at: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) bid_deadline: Option<Timestamp>,
    pub(crate) owner_org_id: Option<String>,
}

/// The project's first section (by id), if the copy holds the project.
pub(crate) async fn project_facts(db: &Db, project_id: &str) -> Result<Option<ProjectFactsRow>> {
    Ok(sqlx::query_as(
        "SELECT project_name, market, tenderer_name, estimated_price, docs_issue_at, bid_deadline, \
         owner_org_id FROM publishing_sections WHERE project_id = $1 ORDER BY section_id LIMIT 1",
    )
    .bind(project_id)
    .fetch_optional(db.pool())
    .await?)
}

// ---------------------------------------------------------------------------------------------
// publishing_orgs.

/// The organization's name, with any executor (the pool or a transaction); `None` when never seen.
pub(crate) async fn org_name<'e, E>(exec: E, org_id: &str) -> Result<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query_scalar("SELECT name FROM publishing_orgs WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(exec)
            .await?,
    )
}

/// An organization's USCC and name.
#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    pub(crate) uscc: String,
    pub(crate) name: String,
}

/// The organization's USCC and name; `None` when never seen.
pub(crate) async fn org(tx: &mut Tx, org_id: &str) -> Result<Option<OrgRow>> {
    Ok(
        sqlx::query_as("SELECT uscc, name FROM publishing_orgs WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&mut **tx)
            .await?,
    )
}
