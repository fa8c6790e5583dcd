//! Prequalification (资格预审): `prequalifications` (one row per round of a section) and
//! `prequalification_applications` (the applicants of a round and their results).

use chrono::{DateTime, Utc};
use ggzy_core::sql::{At, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::Result;
use ggzy_store::Db;
use sqlx::AnyConnection;

const COLS: &str = "id, section_id, round, docs_issue_at, docs_sale_end_at, applications_due_at, \
                    state, reviewer, reviewed_at";

/// A row of `prequalifications` ([`COLS`]).
#[derive(sqlx::FromRow)]
pub(crate) struct RoundRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) round: i64,
    #[sqlx(try_from = "At")]
    pub(crate) docs_issue_at: DateTime<Utc>,
    #[sqlx(try_from = "At")]
    pub(crate) docs_sale_end_at: DateTime<Utc>,
    #[sqlx(try_from = "At")]
    pub(crate) applications_due_at: DateTime<Utc>,
    pub(crate) state: String,
    pub(crate) reviewer: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) reviewed_at: Option<DateTime<Utc>>,
}

/// The section's latest round.
pub(crate) async fn latest_round(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Option<RoundRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLS} FROM prequalifications WHERE section_id = $1 ORDER BY round DESC LIMIT 1"
    ))
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// An applicant of a round.
#[derive(sqlx::FromRow)]
pub(crate) struct ApplicantRow {
    pub(crate) org_id: String,
    pub(crate) uscc: String,
    pub(crate) org_name: String,
    #[sqlx(try_from = "At")]
    pub(crate) submitted_at: DateTime<Utc>,
    /// 0/1, NULL until the review.
    pub(crate) qualified: Option<i64>,
    pub(crate) reason: Option<String>,
}

/// The round's applicants in the order they applied.
pub(crate) async fn applicants(
    conn: &mut AnyConnection,
    prequalification_id: &str,
) -> Result<Vec<ApplicantRow>> {
    Ok(sqlx::query_as(
        "SELECT org_id, uscc, org_name, submitted_at, qualified, reason FROM prequalification_applications \
         WHERE prequalification_id = $1 ORDER BY submitted_at, id",
    )
    .bind(prequalification_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The tender documents' issue time of the section (it must exist).
pub(crate) async fn section_docs_issue_at(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<DateTime<Utc>> {
    Ok(
        sqlx::query_scalar::<_, At>("SELECT docs_issue_at FROM sections WHERE id = $1")
            .bind(section_id)
            .fetch_one(&mut *conn)
            .await?
            .into(),
    )
}

/// A new open round.
pub(crate) struct NewRound<'a> {
    pub(crate) id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) round: i64,
    pub(crate) docs_issue_at: DateTime<Utc>,
    pub(crate) docs_sale_end_at: DateTime<Utc>,
    pub(crate) applications_due_at: DateTime<Utc>,
    pub(crate) created_by: &'a str,
    pub(crate) at: DateTime<Utc>,
}

pub(crate) async fn insert_round(conn: &mut AnyConnection, r: &NewRound<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO prequalifications (id, section_id, round, docs_issue_at, docs_sale_end_at, \
         applications_due_at, state, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8)",
    )
    .bind(r.id)
    .bind(r.section_id)
    .bind(r.round)
    .bind(to_micros(r.docs_issue_at))
    .bind(to_micros(r.docs_sale_end_at))
    .bind(to_micros(r.applications_due_at))
    .bind(r.created_by)
    .bind(to_micros(r.at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An organization's USCC and name in the area's copy.
#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    pub(crate) uscc: String,
    pub(crate) name: String,
}

pub(crate) async fn org(conn: &mut AnyConnection, id: &str) -> Result<Option<OrgRow>> {
    Ok(
        sqlx::query_as("SELECT uscc, name FROM project_orgs WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// A new application.
pub(crate) struct NewApplication<'a> {
    pub(crate) id: &'a str,
    pub(crate) prequalification_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) uscc: &'a str,
    pub(crate) org_name: &'a str,
    pub(crate) submitted_by: &'a str,
    pub(crate) at: DateTime<Utc>,
}

/// Insert an application unless the organization already applied in the round; the rows added
/// (0 or 1).
pub(crate) async fn insert_application(
    conn: &mut AnyConnection,
    a: &NewApplication<'_>,
) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO prequalification_applications (id, prequalification_id, org_id, uscc, org_name, \
         submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (prequalification_id, org_id) DO NOTHING",
    )
    .bind(a.id)
    .bind(a.prequalification_id)
    .bind(a.org_id)
    .bind(a.uscc)
    .bind(a.org_name)
    .bind(a.submitted_by)
    .bind(to_micros(a.at))
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Record an applicant's result.
pub(crate) async fn set_result(
    conn: &mut AnyConnection,
    prequalification_id: &str,
    org_id: &str,
    qualified: bool,
    reason: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE prequalification_applications SET qualified = $1, reason = $2 \
         WHERE prequalification_id = $3 AND org_id = $4",
    )
    .bind(i64::from(qualified))
    .bind(reason)
    .bind(prequalification_id)
    .bind(org_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Close an open round as reviewed (`state`: `qualified` or `failed`).
pub(crate) async fn close_round(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    reviewer: &str,
    reviewed_by: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE prequalifications SET state = $1, reviewer = $2, reviewed_by = $3, reviewed_at = $4 \
         WHERE id = $5 AND state = 'open'",
    )
    .bind(state)
    .bind(reviewer)
    .bind(reviewed_by)
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The organization's result in the section's qualified round: `None` when it has none,
/// `Some(None)` before its review.
pub(crate) async fn qualified_flag(
    conn: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<Option<i64>>> {
    Ok(sqlx::query_scalar(
        "SELECT a.qualified FROM prequalification_applications a \
         JOIN prequalifications p ON p.id = a.prequalification_id \
         WHERE p.section_id = $1 AND p.state = 'qualified' AND a.org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Whether the section has a qualified round.
pub(crate) async fn has_qualified_round(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<bool> {
    Ok(
        sqlx::query(
            "SELECT 1 FROM prequalifications WHERE section_id = $1 AND state = 'qualified'",
        )
        .bind(section_id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some(),
    )
}

/// The open round of a section, locked (None when no round is open).
#[derive(sqlx::FromRow)]
pub(crate) struct OpenRound {
    pub(crate) id: String,
    #[sqlx(try_from = "At")]
    pub(crate) applications_due_at: DateTime<Utc>,
}

pub(crate) async fn open_round_for_update(
    conn: &mut AnyConnection,
    db: &Db,
    section_id: &str,
) -> Result<Option<OpenRound>> {
    Ok(sqlx::query_as(&format!(
        "SELECT id, applications_due_at FROM prequalifications WHERE section_id = $1 \
         AND state = 'open'{}",
        db.for_update()
    ))
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Move the round's applications deadline.
pub(crate) async fn set_applications_due(
    conn: &mut AnyConnection,
    id: &str,
    due: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE prequalifications SET applications_due_at = $1 WHERE id = $2")
        .bind(to_micros(due))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The project of section `id`, if it exists.
pub(crate) async fn section_project(conn: &mut AnyConnection, id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT project_id FROM sections WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}
