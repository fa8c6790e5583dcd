//! Publishing's copy of the registered sections (`publishing_sections`, kept by the lifecycle
//! consumer from the projects events) as the use cases read it.

use chrono::{DateTime, Utc};
use ggzy_core::sql::MaybeAt;
use ggzy_core::Result;
use ggzy_store::Tx;

const SECTION_COLS: &str = "section_id, project_id, project_code, project_name, section_name, market, \
    procedure, tenderer_name, tenderer_uscc, owner_org_id, estimated_price, docs_issue_at, bid_deadline, \
    opening_at, prequal_due, prequal_docs_issue, prequal_sale_end";

/// One section as publishing knows it from the projects events.
/// Read by column name from publishing's copy (`publishing_sections`).
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

/// Sections of the projection, by id (absent ids are skipped).
pub(crate) async fn sections(tx: &mut Tx, ids: &[String]) -> Result<Vec<SectionInfo>> {
    let mut out = Vec::new();
    for id in ids {
        let r: Option<SectionInfo> = sqlx::query_as(&format!(
            "SELECT {SECTION_COLS} FROM publishing_sections WHERE section_id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(r) = r {
            out.push(r);
        }
    }
    Ok(out)
}

pub(crate) async fn project_sections(tx: &mut Tx, project_id: &str) -> Result<Vec<SectionInfo>> {
    let rows: Vec<SectionInfo> = sqlx::query_as(&format!(
        "SELECT {SECTION_COLS} FROM publishing_sections WHERE project_id = $1 ORDER BY section_id"
    ))
    .bind(project_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

/// A prequalification round opened (or none once reviewed): its documents' window and its
/// applications deadline.
pub(crate) async fn set_prequal_round(
    tx: &mut Tx,
    section_id: &str,
    round: Option<(DateTime<Utc>, DateTime<Utc>, DateTime<Utc>)>,
) -> Result<()> {
    use ggzy_core::time::to_micros;
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
        .bind(due.map(ggzy_core::time::to_micros))
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
