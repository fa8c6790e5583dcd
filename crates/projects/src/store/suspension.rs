//! `section_suspensions`: the remedies area's suspensions of a section, as this area records
//! them from `remedies.case.suspended` / `.resumed`.

use chrono::{DateTime, Utc};
use ggzy_core::time::to_micros;
use ggzy_core::Result;
use sqlx::AnyConnection;

/// A case suspending the section, if any.
pub(crate) async fn any_case(conn: &mut AnyConnection, section_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT case_id FROM section_suspensions WHERE section_id = $1 LIMIT 1")
            .bind(section_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Record a suspension (a redelivery changes nothing).
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    section_id: &str,
    case_id: &str,
    scope: &str,
    since: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO section_suspensions (section_id, case_id, scope, since) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (section_id, case_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(case_id)
    .bind(scope)
    .bind(to_micros(since))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// When the case's suspension of the section began (µs), if it is recorded.
pub(crate) async fn since(
    conn: &mut AnyConnection,
    section_id: &str,
    case_id: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT since FROM section_suspensions WHERE section_id = $1 AND case_id = $2",
    )
    .bind(section_id)
    .bind(case_id)
    .fetch_optional(&mut *conn)
    .await?)
}

pub(crate) async fn delete(
    conn: &mut AnyConnection,
    section_id: &str,
    case_id: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM section_suspensions WHERE section_id = $1 AND case_id = $2")
        .bind(section_id)
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The remaining suspensions of the section count from `since` (µs) when they began later.
pub(crate) async fn backdate(conn: &mut AnyConnection, section_id: &str, since: i64) -> Result<()> {
    sqlx::query("UPDATE section_suspensions SET since = $1 WHERE section_id = $2 AND since > $1")
        .bind(since)
        .bind(section_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
