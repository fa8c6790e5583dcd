//! `mon_reports` (the daily reports, one per Asia/Shanghai day) and the reads of the sealed log
//! (`events`, `event_chain`, owned by ggzy-store) that the dashboard, the live stream, the reports
//! and the supervisors' event page need.

use crate::store::alerts::LabelCountRow;
use ggzy_core::sql::At;
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::Db;
use ggzy_store::ExecuteWrite;

/// Stores the report of `day` (`YYYY-MM-DD`), replacing an earlier one.
pub(crate) async fn upsert(
    db: &Db,
    day: String,
    (csv, html): (String, String),
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO mon_reports (day, csv, html, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (day) DO UPDATE SET csv = excluded.csv, html = excluded.html, created_at = excluded.created_at",
    )
    .bind(day)
    .bind(csv)
    .bind(html)
    .bind(to_micros(now))
    .execute_write(db)
    .await?;
    Ok(())
}

/// A stored report's day (`YYYY-MM-DD`) and time.
#[derive(sqlx::FromRow)]
pub(crate) struct ReportRow {
    pub(crate) day: String,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
}

/// The stored reports, newest first (a year of them at most).
pub(crate) async fn list(db: &Db) -> Result<Vec<ReportRow>> {
    Ok(
        sqlx::query_as("SELECT day, created_at FROM mon_reports ORDER BY day DESC LIMIT 366")
            .fetch_all(db.pool())
            .await?,
    )
}

/// A stored report's documents.
#[derive(sqlx::FromRow)]
pub(crate) struct ReportDocRow {
    pub(crate) csv: String,
    pub(crate) html: String,
}

pub(crate) async fn report(db: &Db, day: String) -> Result<Option<ReportDocRow>> {
    Ok(
        sqlx::query_as("SELECT csv, html FROM mon_reports WHERE day = $1")
            .bind(day)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// The sequence of the last sealed event (`None`: nothing sealed yet).
pub(crate) async fn last_seq(db: &Db) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT last_seq FROM event_chain WHERE id = 1")
            .fetch_optional(db.pool())
            .await?,
    )
}

/// The sequence of a sealed event (`None`: unknown or not sealed yet).
pub(crate) async fn sealed_seq(db: &Db, event_id: &str) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT seq FROM events WHERE id = $1 AND seq IS NOT NULL")
            .bind(event_id)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// The sealed events that occurred in `[from, to)` per type.
pub(crate) async fn events_by_type(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<LabelCountRow>> {
    Ok(sqlx::query_as(
        "SELECT event_type AS label, COUNT(*) AS n FROM events WHERE seq IS NOT NULL AND occurred_at >= $1 AND occurred_at < $2 \
         GROUP BY event_type ORDER BY event_type",
    )
    .bind(to_micros(from))
    .bind(to_micros(to))
    .fetch_all(db.pool())
    .await?)
}
