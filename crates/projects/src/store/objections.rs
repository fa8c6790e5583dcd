//! `opening_objections`: the objections raised at the opening (remedies cases with target
//! `opening`), as this area records them from the remedies events.

use chrono::{DateTime, Utc};
use ggzy_core::sql::{At, Flag, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::Result;
use sqlx::AnyConnection;

/// An objection at the opening.
#[derive(sqlx::FromRow)]
pub(crate) struct ObjectionRow {
    pub(crate) case_id: String,
    #[sqlx(try_from = "At")]
    pub(crate) raised_at: DateTime<Utc>,
    pub(crate) grounds: String,
    pub(crate) answer: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) answered_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "Flag")]
    pub(crate) answered_late: bool,
}

/// The section's objections in the order raised.
pub(crate) async fn of_section(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Vec<ObjectionRow>> {
    Ok(sqlx::query_as(
        "SELECT case_id, raised_at, grounds, answer, answered_at, answered_late \
         FROM opening_objections WHERE section_id = $1 ORDER BY raised_at, case_id",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Record a raised objection (a redelivery changes nothing).
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    case_id: &str,
    section_id: &str,
    raised_at: DateTime<Utc>,
    grounds: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO opening_objections (case_id, section_id, raised_at, grounds) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(case_id)
    .bind(section_id)
    .bind(to_micros(raised_at))
    .bind(grounds)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Record the answer.
pub(crate) async fn answer(
    conn: &mut AnyConnection,
    case_id: &str,
    answer: &str,
    at: DateTime<Utc>,
    late: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE opening_objections SET answer = $1, answered_at = $2, answered_late = $3 \
         WHERE case_id = $4",
    )
    .bind(answer)
    .bind(to_micros(at))
    .bind(Flag(late))
    .bind(case_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
