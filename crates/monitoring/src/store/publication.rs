//! `mon_publication_deadlines`: a mining deal's result publication deadline, one per section (the
//! first deal), with the publication or the overdue mark once seen.

use chrono::{DateTime, Utc};
use ggzy_core::sql::{At, Flag, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::Tx;

const DEADLINE_COLS: &str =
    "section_id, project_id, procedure, deal_ref, deal_at, due_at, working_days, \
                    provisional, published_at, overdue_at";

/// One row of [`DEADLINE_COLS`].
#[derive(sqlx::FromRow)]
pub(crate) struct DeadlineRow {
    pub(crate) section_id: String,
    pub(crate) project_id: Option<String>,
    pub(crate) procedure: String,
    pub(crate) deal_ref: String,
    #[sqlx(try_from = "At")]
    pub(crate) deal_at: DateTime<Utc>,
    #[sqlx(try_from = "At")]
    pub(crate) due_at: DateTime<Utc>,
    pub(crate) working_days: i64,
    #[sqlx(try_from = "Flag")]
    pub(crate) provisional: bool,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) published_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) overdue_at: Option<DateTime<Utc>>,
}

/// The section's deadline, if it has one.
pub(crate) async fn deadline(tx: &mut Tx, section_id: &str) -> Result<Option<DeadlineRow>> {
    Ok(sqlx::query_as::<_, DeadlineRow>(&format!(
        "SELECT {DEADLINE_COLS} FROM mon_publication_deadlines WHERE section_id = $1"
    ))
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// A deal's publication deadline (not published, not overdue).
pub(crate) struct NewDeadline<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) project_id: Option<&'a str>,
    pub(crate) procedure: &'a str,
    pub(crate) deal_ref: &'a str,
    pub(crate) deal_event_id: &'a str,
    pub(crate) deal_at: Timestamp,
    pub(crate) due_at: Timestamp,
    pub(crate) working_days: i64,
    pub(crate) provisional: bool,
    pub(crate) now: Timestamp,
}

/// Stores the deadline unless the section has one (the first deal keeps it); the rows changed.
pub(crate) async fn insert(tx: &mut Tx, d: NewDeadline<'_>) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO mon_publication_deadlines (section_id, project_id, procedure, deal_ref, deal_event_id, \
         deal_at, due_at, working_days, provisional, published_at, announcement_id, overdue_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, NULL, $10) ON CONFLICT (section_id) DO NOTHING",
    )
    .bind(d.section_id)
    .bind(d.project_id)
    .bind(d.procedure)
    .bind(d.deal_ref)
    .bind(d.deal_event_id)
    .bind(to_micros(d.deal_at))
    .bind(to_micros(d.due_at))
    .bind(d.working_days)
    .bind(Flag(d.provisional))
    .bind(to_micros(d.now))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Records the publication once; the rows changed (0: no deadline, or already published).
pub(crate) async fn mark_published(
    tx: &mut Tx,
    section_id: &str,
    announcement_id: &str,
    at: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE mon_publication_deadlines SET published_at = $1, announcement_id = $2 \
         WHERE section_id = $3 AND published_at IS NULL",
    )
    .bind(to_micros(at))
    .bind(announcement_id)
    .bind(section_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Marks the deadline overdue, once.
pub(crate) async fn mark_overdue(tx: &mut Tx, section_id: &str, now: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE mon_publication_deadlines SET overdue_at = $1 WHERE section_id = $2 AND overdue_at IS NULL",
    )
    .bind(to_micros(now))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
