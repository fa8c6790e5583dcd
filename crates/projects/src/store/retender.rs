//! `section_retenders` (the re-tender of a failed section, migration 0186), with the new
//! section it writes to `sections` and the procedure it changes on `projects`.

use ggzy_core::ident::Market;
use ggzy_core::sql::At;
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::Tx;

const LINK_COLS: &str =
    "l.old_section_id, l.new_section_id, l.reason, l.old_procedure, l.new_procedure, \
     l.approval_document, l.approved_by, l.approved_on, l.created_at, p.market";

/// A `section_retenders` row with its project's market ([`LINK_COLS`]).
#[derive(sqlx::FromRow)]
pub(crate) struct LinkRow {
    pub(crate) old_section_id: String,
    pub(crate) new_section_id: String,
    pub(crate) reason: String,
    pub(crate) old_procedure: String,
    pub(crate) new_procedure: String,
    pub(crate) approval_document: Option<String>,
    pub(crate) approved_by: Option<String>,
    pub(crate) approved_on: Option<String>,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
    pub(crate) market: Market,
}

/// The link of the failed section that `new_section_id` re-tenders, if any.
pub(crate) async fn link_by_new(
    conn: &mut sqlx::AnyConnection,
    new_section_id: &str,
) -> Result<Option<LinkRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {LINK_COLS} FROM section_retenders l JOIN sections s ON s.id = l.old_section_id \
         JOIN projects p ON p.id = s.project_id WHERE l.new_section_id = $1"
    ))
    .bind(new_section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The link of the section that re-tenders the failed `old_section_id`, if any.
pub(crate) async fn link_by_old(
    conn: &mut sqlx::AnyConnection,
    old_section_id: &str,
) -> Result<Option<LinkRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {LINK_COLS} FROM section_retenders l JOIN sections s ON s.id = l.old_section_id \
         JOIN projects p ON p.id = s.project_id WHERE l.old_section_id = $1"
    ))
    .bind(old_section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Has the failed section been tendered again?
pub(crate) async fn is_retendered(tx: &mut Tx, old_section_id: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT new_section_id FROM section_retenders WHERE old_section_id = $1")
            .bind(old_section_id)
            .fetch_optional(&mut **tx)
            .await?
            .is_some(),
    )
}

/// The link as written.
pub(crate) struct NewLink<'a> {
    pub(crate) new_section_id: &'a str,
    pub(crate) old_section_id: &'a str,
    pub(crate) reason: &'a str,
    pub(crate) old_procedure: &'a str,
    pub(crate) new_procedure: &'a str,
    pub(crate) approval_document: Option<String>,
    pub(crate) approved_by: Option<String>,
    /// `YYYY-MM-DD`.
    pub(crate) approved_on: Option<String>,
    pub(crate) created_by: &'a str,
    pub(crate) created_at: Timestamp,
}

pub(crate) async fn insert_link(tx: &mut Tx, l: NewLink<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO section_retenders (new_section_id, old_section_id, reason, old_procedure, \
         new_procedure, approval_document, approved_by, approved_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(l.new_section_id)
    .bind(l.old_section_id)
    .bind(l.reason)
    .bind(l.old_procedure)
    .bind(l.new_procedure)
    .bind(l.approval_document)
    .bind(l.approved_by)
    .bind(l.approved_on)
    .bind(l.created_by)
    .bind(At(l.created_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// sections and projects

/// How many other sections of the project are not concluded (contracted, failed, terminated).
pub(crate) async fn other_active_sections(
    tx: &mut Tx,
    project_id: &str,
    section_id: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM sections WHERE project_id = $1 AND id <> $2 \
         AND state NOT IN ('contracted', 'failed', 'terminated')",
    )
    .bind(project_id)
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// The failed section's columns a re-tender copies.
#[derive(sqlx::FromRow)]
pub(crate) struct OldSectionRow {
    pub(crate) name: String,
    pub(crate) estimated_price_fen: Money,
    pub(crate) deposit_fen: Money,
    pub(crate) subject: Option<String>,
    pub(crate) region: String,
    pub(crate) bid_validity_days: Option<i64>,
}

pub(crate) async fn old_section(tx: &mut Tx, section_id: &str) -> Result<OldSectionRow> {
    Ok(sqlx::query_as(
        "SELECT s.section_no, s.name, s.estimated_price_fen, s.deposit_fen, s.subject, p.region, s.bid_validity_days \
         FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = $1",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// The project's next section number.
pub(crate) async fn next_section_no(tx: &mut Tx, project_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(MAX(section_no), 0) + 1 FROM sections WHERE project_id = $1",
    )
    .bind(project_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// The re-tendering section as written (state `registered`).
pub(crate) struct NewSection<'a> {
    pub(crate) id: &'a str,
    pub(crate) project_id: &'a str,
    pub(crate) section_no: i64,
    pub(crate) name: &'a str,
    pub(crate) estimated_price: Money,
    pub(crate) deposit: Money,
    pub(crate) docs_issue_at: Timestamp,
    pub(crate) docs_sale_end_at: Timestamp,
    pub(crate) bid_deadline: Timestamp,
    pub(crate) opening_at: Timestamp,
    /// Also its `updated_at`.
    pub(crate) created_at: Timestamp,
    pub(crate) subject: Option<&'a str>,
    pub(crate) bid_validity_days: Option<i64>,
}

pub(crate) async fn insert_section(tx: &mut Tx, s: NewSection<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO sections (id, project_id, section_no, name, estimated_price_fen, deposit_fen, \
         docs_issue_at, docs_sale_end_at, bid_deadline, opening_at, state, created_at, updated_at, subject, \
         bid_validity_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'registered', $11, $11, $12, $13)",
    )
    .bind(s.id)
    .bind(s.project_id)
    .bind(s.section_no)
    .bind(s.name)
    .bind(s.estimated_price)
    .bind(s.deposit)
    .bind(At(s.docs_issue_at))
    .bind(At(s.docs_sale_end_at))
    .bind(At(s.bid_deadline))
    .bind(At(s.opening_at))
    .bind(At(s.created_at))
    .bind(s.subject)
    .bind(s.bid_validity_days)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Change the project's procedure.
pub(crate) async fn set_procedure(
    tx: &mut Tx,
    project_id: &str,
    procedure: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE projects SET procedure = $1, updated_at = $2 WHERE id = $3")
        .bind(procedure)
        .bind(At(at))
        .bind(project_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
