//! Every SQL statement of the archives area (issue 17, item 2): the use cases
//! (crate::service, crate::http) keep the decisions and call these functions.
//!
//! The area owns `archive_jobs`, `archives` and `archive_retention_rules` (migration 0160; the
//! triggers guarding `archives`, 0161), and no other area reads them (others learn of archives
//! through the `archives.*` events). It reads no other area's tables: besides its own, only the
//! sealed event log of `ggzy-store` ([`events_where`]).

use crate::rules::Retention;
use crate::service::{ArchiveSummary, PendingArchive};
use ggzy_core::events::Event;
use ggzy_core::sql::{At, Flag};
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::ExecuteWrite;
use ggzy_store::{outbox, Db, Tx};

// ---------------------------------------------------------------------------------------------
// archive_jobs.

/// A trade's end as [`insert_job`] schedules it.
pub(crate) struct JobInsert<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) project_id: &'a str,
    pub(crate) market: &'a str,
    pub(crate) end_event_id: &'a str,
    pub(crate) end_event_type: &'a str,
    pub(crate) end_seq: i64,
    pub(crate) ended_at: Timestamp,
    pub(crate) due_at: Timestamp,
    pub(crate) created_at: Timestamp,
}

/// Schedules the archive of a section (the first end wins); the rows inserted (0 or 1).
pub(crate) async fn insert_job(tx: &mut Tx, j: JobInsert<'_>) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO archive_jobs (section_id, project_id, market, end_event_id, end_event_type, \
         end_seq, ended_at, due_at, status, attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9) ON CONFLICT (section_id) DO NOTHING",
    )
    .bind(j.section_id)
    .bind(j.project_id)
    .bind(j.market)
    .bind(j.end_event_id)
    .bind(j.end_event_type)
    .bind(j.end_seq)
    .bind(to_micros(j.ended_at))
    .bind(to_micros(j.due_at))
    .bind(to_micros(j.created_at))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// A job to build.
#[derive(sqlx::FromRow)]
pub(crate) struct Job {
    pub(crate) section_id: String,
    pub(crate) project_id: String,
    pub(crate) market: String,
    pub(crate) end_event_type: String,
    pub(crate) end_seq: i64,
    #[sqlx(try_from = "At")]
    pub(crate) ended_at: Timestamp,
}

/// Pending jobs due at `now` and not leased, oldest due first (at most 20).
pub(crate) async fn due_jobs(db: &Db, now: Timestamp) -> Result<Vec<Job>> {
    Ok(sqlx::query_as(
        "SELECT section_id, project_id, market, end_event_type, end_seq, ended_at FROM archive_jobs \
         WHERE status = 'pending' AND due_at <= $1 AND (lease_until IS NULL OR lease_until < $1) \
         ORDER BY due_at LIMIT 20",
    )
    .bind(to_micros(now))
    .fetch_all(db.pool())
    .await?)
}

/// Claims a job for `owner` until `until` (when not leased at `now`); whether it won.
pub(crate) async fn claim_job(
    db: &Db,
    section_id: &str,
    owner: &str,
    until: Timestamp,
    now: Timestamp,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE archive_jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
         WHERE section_id = $3 AND status = 'pending' AND (lease_until IS NULL OR lease_until < $4)",
    )
    .bind(owner)
    .bind(to_micros(until))
    .bind(section_id)
    .bind(to_micros(now))
    .execute_write(db)
    .await?
    .rows_affected()
        == 1)
}

/// A build of `owner` failed: the error, retried after `retry_at`.
pub(crate) async fn job_failed(
    db: &Db,
    section_id: &str,
    owner: &str,
    error: &str,
    retry_at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE archive_jobs SET last_error = $1, lease_until = $2 \
         WHERE section_id = $3 AND lease_owner = $4 AND status = 'pending'",
    )
    .bind(error)
    .bind(to_micros(retry_at))
    .bind(section_id)
    .bind(owner)
    .execute_write(db)
    .await?;
    Ok(())
}

/// The job of `owner` is done with `archive_id`; false when another instance finished it first.
pub(crate) async fn job_done(
    tx: &mut Tx,
    section_id: &str,
    owner: &str,
    archive_id: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE archive_jobs SET status = 'done', archive_id = $1, last_error = NULL \
         WHERE section_id = $2 AND status = 'pending' AND lease_owner = $3",
    )
    .bind(archive_id)
    .bind(section_id)
    .bind(owner)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// Pending and failed jobs, oldest due first (at most 200).
pub(crate) async fn pending_jobs(db: &Db) -> Result<Vec<PendingArchive>> {
    Ok(sqlx::query_as(
        "SELECT section_id, market, end_event_type, attempts, last_error FROM archive_jobs \
         WHERE status = 'pending' ORDER BY due_at LIMIT 200",
    )
    .fetch_all(db.pool())
    .await?)
}

// ---------------------------------------------------------------------------------------------
// The sealed event log (ggzy-store's), read up to a checkpoint.

const EVENT_COLUMNS: &str = "seq, id, event_type, aggregate_type, aggregate_id, actor, actor_org, \
     occurred_at, payload, prev_hash, hash";

/// Sealed events up to `size` matching `cond` (its parameters from `$2`: `binds`), in log order.
pub(crate) async fn events_where(
    db: &Db,
    size: u64,
    cond: &str,
    binds: &[String],
) -> Result<Vec<Event>> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE seq IS NOT NULL AND seq <= $1 AND ({cond}) ORDER BY seq"
    );
    let mut q = sqlx::query(&sql).bind(size as i64);
    for b in binds {
        q = q.bind(b.clone());
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter().map(outbox::event_from_row).collect()
}

// ---------------------------------------------------------------------------------------------
// archive_retention_rules.

#[derive(sqlx::FromRow)]
pub(crate) struct RetentionRow {
    pub(crate) years: i64,
    pub(crate) basis: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) confirmed: bool,
}

/// The retention row of `market` (`None`: the national default applies).
pub(crate) async fn retention_row(db: &Db, market: &str) -> Result<Option<RetentionRow>> {
    Ok(sqlx::query_as(
        "SELECT years, basis, confirmed FROM archive_retention_rules WHERE market = $1",
    )
    .bind(market)
    .fetch_optional(db.pool())
    .await?)
}

/// Every retention row, by market.
pub(crate) async fn retention_rules(db: &Db) -> Result<Vec<Retention>> {
    Ok(sqlx::query_as(
        "SELECT market, years, basis, confirmed FROM archive_retention_rules ORDER BY market",
    )
    .fetch_all(db.pool())
    .await?)
}

// ---------------------------------------------------------------------------------------------
// archives.

/// An archive as [`insert_archive`] records it.
pub(crate) struct ArchiveInsert<'a> {
    pub(crate) id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) project_id: &'a str,
    pub(crate) market: &'a str,
    pub(crate) end_event_type: &'a str,
    pub(crate) end_seq: i64,
    pub(crate) ended_at: Timestamp,
    pub(crate) ended_on: String,
    pub(crate) retention_years: i64,
    pub(crate) retention_basis: &'a str,
    pub(crate) retention_confirmed: bool,
    pub(crate) retain_until: String,
    pub(crate) disposable_from: Timestamp,
    pub(crate) tree_size: i64,
    pub(crate) root_hash: &'a str,
    pub(crate) checkpoint_note: &'a str,
    pub(crate) event_count: i64,
    pub(crate) document_count: i64,
    pub(crate) manifest: &'a str,
    pub(crate) manifest_sha256: &'a str,
    pub(crate) bundle_key: &'a str,
    pub(crate) bundle_sha256: &'a str,
    pub(crate) bundle_size: i64,
    pub(crate) key_name: &'a str,
    pub(crate) verifier_key: String,
    pub(crate) built_at: Timestamp,
}

pub(crate) async fn insert_archive(tx: &mut Tx, a: ArchiveInsert<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO archives (id, section_id, project_id, market, end_event_type, end_seq, ended_at, \
         ended_on, retention_years, retention_basis, retention_confirmed, retain_until, disposable_from, \
         tree_size, root_hash, checkpoint_note, event_count, document_count, manifest, manifest_sha256, \
         bundle_key, bundle_sha256, bundle_size, key_name, verifier_key, built_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
         $20, $21, $22, $23, $24, $25, $26)",
    )
    .bind(a.id)
    .bind(a.section_id)
    .bind(a.project_id)
    .bind(a.market)
    .bind(a.end_event_type)
    .bind(a.end_seq)
    .bind(to_micros(a.ended_at))
    .bind(a.ended_on)
    .bind(a.retention_years)
    .bind(a.retention_basis)
    .bind(a.retention_confirmed as i64)
    .bind(a.retain_until)
    .bind(to_micros(a.disposable_from))
    .bind(a.tree_size)
    .bind(a.root_hash)
    .bind(a.checkpoint_note)
    .bind(a.event_count)
    .bind(a.document_count)
    .bind(a.manifest)
    .bind(a.manifest_sha256)
    .bind(a.bundle_key)
    .bind(a.bundle_sha256)
    .bind(a.bundle_size)
    .bind(a.key_name)
    .bind(a.verifier_key)
    .bind(to_micros(a.built_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

const SUMMARY_COLUMNS: &str = "id, section_id, project_id, market, end_event_type, ended_at, ended_on, \
     retention_years, retention_basis, retention_confirmed, retain_until, event_count, document_count, \
     tree_size, bundle_sha256, bundle_size, manifest_sha256, verifier_key, built_at, disposed_at, \
     disposal_reason";

/// Archives matching `filter`, most recently ended first (at most 500).
pub(crate) async fn archives_where(
    db: &Db,
    filter: &ggzy_store::filter::Filter,
) -> Result<Vec<ArchiveSummary>> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM archives{} ORDER BY ended_at DESC, id LIMIT 500",
        filter.where_clause()
    );
    let q = filter.bind_as(sqlx::query_as::<_, ArchiveSummary>(&sql));
    Ok(q.fetch_all(db.pool()).await?)
}

/// An archive with its stored manifest (JSON text) and the bundle's file key.
#[derive(sqlx::FromRow)]
pub(crate) struct ArchiveRow {
    #[sqlx(flatten)]
    pub(crate) summary: ArchiveSummary,
    pub(crate) manifest: String,
    pub(crate) bundle_key: String,
}

pub(crate) async fn archive(db: &Db, id: &str) -> Result<Option<ArchiveRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS}, manifest, bundle_key FROM archives WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?)
}

/// Records the disposal of an archive not disposed of yet; the rows changed (0: it was).
pub(crate) async fn mark_disposed(
    tx: &mut Tx,
    id: &str,
    (by, reason): (&str, &str),
    now: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE archives SET disposed_at = $1, disposed_by = $2, disposal_reason = $3 \
         WHERE id = $4 AND disposed_at IS NULL",
    )
    .bind(to_micros(now))
    .bind(by)
    .bind(reason)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
