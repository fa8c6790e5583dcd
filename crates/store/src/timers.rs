//! Durable one-shot timers: rows, not in-memory tasks.
//!
//! A timer fires at its time, fires after a restart if it fell due while the service was down, and
//! fires exactly once with N instances on one database: instances claim due timers with a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single writer on one file), and the handler's
//! effects commit in the same transaction that marks the timer done, guarded by the lease owner. A
//! crashed instance's lease expires and another instance takes the timer over.

use crate::ExecuteWrite;
use crate::{Db, Tx};
use ggzy_core::sql::At;
use ggzy_core::time::to_micros;
use ggzy_core::{ids, Clock, Result, Timestamp};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Timer {
    pub id: String,
    pub kind: String,
    pub key: String,
    pub due_at: Timestamp,
    pub payload: serde_json::Value,
    pub attempts: i64,
}

#[async_trait::async_trait]
pub trait TimerHandler: Send + Sync {
    /// Do the timer's work inside `tx`; it commits together with the timer's completion.
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()>;
}

/// Schedule (or move, if still pending) the timer with this unique key.
pub async fn schedule(
    tx: &mut Tx,
    kind: &str,
    key: &str,
    due_at: Timestamp,
    payload: serde_json::Value,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO timers (id, kind, dedupe_key, due_at, payload, status, attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6) \
         ON CONFLICT (dedupe_key) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload \
         WHERE timers.status = 'pending'",
    )
    .bind(ids::new_id())
    .bind(kind)
    .bind(key)
    .bind(to_micros(due_at))
    .bind(payload.to_string())
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Schedule the timer with this key again even when it already fired or was cancelled: a step
/// that was skipped and must happen later (a bid deadline or an opening reached while a remedy
/// suspended the section, crates/projects/src/suspension.rs). A pending timer is moved; a done or
/// cancelled one becomes pending again; one running right now is left to its runner.
pub async fn reschedule(
    tx: &mut Tx,
    kind: &str,
    key: &str,
    due_at: Timestamp,
    payload: serde_json::Value,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO timers (id, kind, dedupe_key, due_at, payload, status, attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6) \
         ON CONFLICT (dedupe_key) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload, \
         status = 'pending', attempts = 0, locked_by = NULL, locked_until = NULL, fired_at = NULL, \
         last_error = NULL WHERE timers.status <> 'running'",
    )
    .bind(ids::new_id())
    .bind(kind)
    .bind(key)
    .bind(to_micros(due_at))
    .bind(payload.to_string())
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Cancel a pending timer. Returns whether one was cancelled.
pub async fn cancel(tx: &mut Tx, key: &str) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE timers SET status = 'cancelled' WHERE dedupe_key = $1 AND status = 'pending'",
    )
    .bind(key)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The due time of a pending timer, if any (for tests and views).
pub async fn pending_due(db: &Db, key: &str) -> Result<Option<Timestamp>> {
    let r: Option<At> = sqlx::query_scalar(
        "SELECT due_at FROM timers WHERE dedupe_key = $1 AND status = 'pending'",
    )
    .bind(key)
    .fetch_optional(db.pool())
    .await?;
    Ok(r.map(Timestamp::from))
}

/// A timer claimed by a runner (`RETURNING` of the claim).
#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: String,
    kind: String,
    dedupe_key: String,
    #[sqlx(try_from = "At")]
    due_at: Timestamp,
    payload: String,
    attempts: i64,
}

#[derive(Clone, Default)]
pub struct TimerRegistry {
    handlers: HashMap<String, Arc<dyn TimerHandler>>,
}

impl TimerRegistry {
    pub fn register(&mut self, kind: &str, h: Arc<dyn TimerHandler>) {
        self.handlers.insert(kind.to_string(), h);
    }
    pub fn kinds(&self) -> Vec<String> {
        self.handlers.keys().cloned().collect()
    }
}

pub struct TimerRunner {
    pub db: Db,
    pub clock: Clock,
    pub instance: String,
    pub registry: TimerRegistry,
    pub lease: chrono::Duration,
}

impl TimerRunner {
    /// Claim due timers and fire them. Returns how many fired.
    pub async fn run_once(&self) -> Result<usize> {
        let now = self.clock.now();
        let kinds = self.registry.kinds();
        if kinds.is_empty() {
            return Ok(0);
        }
        let mut tx = self.db.begin().await?;
        let sql = format!(
            "UPDATE timers SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM timers WHERE (status = 'pending' AND due_at <= $3) \
                 OR (status = 'running' AND locked_until < $3) ORDER BY due_at LIMIT 20{}) \
             RETURNING id, kind, dedupe_key, due_at, payload, attempts",
            self.db.skip_locked()
        );
        let rows: Vec<ClaimedRow> = sqlx::query_as(&sql)
            .bind(&self.instance)
            .bind(to_micros(now + self.lease))
            .bind(to_micros(now))
            .fetch_all(&mut *tx)
            .await?;
        self.db.commit_plain(tx).await?;
        let mut fired = 0;
        for r in rows {
            let t = Timer {
                id: r.id,
                kind: r.kind,
                key: r.dedupe_key,
                due_at: r.due_at,
                payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
                attempts: r.attempts,
            };
            match self.fire(&t).await {
                Ok(true) => fired += 1,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(timer = %t.key, kind = %t.kind, error = %e, "timer failed; will retry");
                    let retry =
                        self.clock.now() + chrono::Duration::seconds(5 * t.attempts.clamp(1, 60));
                    sqlx::query(
                        "UPDATE timers SET status = 'pending', due_at = $1, last_error = $2, locked_by = NULL \
                         WHERE id = $3 AND status = 'running' AND locked_by = $4",
                    )
                    .bind(to_micros(retry))
                    .bind(e.to_string())
                    .bind(&t.id)
                    .bind(&self.instance)
                    .execute_write(&self.db)
                    .await?;
                }
            }
        }
        Ok(fired)
    }

    async fn fire(&self, t: &Timer) -> Result<bool> {
        let Some(h) = self.registry.handlers.get(&t.kind) else {
            return Err(ggzy_core::Error::internal(format!(
                "no handler for timer kind {}",
                t.kind
            )));
        };
        let mut tx = self.db.begin().await?;
        let done = sqlx::query(
            "UPDATE timers SET status = 'done', fired_at = $1 WHERE id = $2 AND status = 'running' AND locked_by = $3",
        )
        .bind(to_micros(self.clock.now()))
        .bind(&t.id)
        .bind(&self.instance)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            // Our lease ran out and another instance took the timer over.
            tx.rollback().await?;
            return Ok(false);
        }
        h.fire(&mut tx, &self.db, &self.clock, t).await?;
        self.db.commit(tx).await?;
        tracing::info!(timer = %t.key, kind = %t.kind, "timer fired");
        Ok(true)
    }

    pub async fn run_loop(
        self,
        poll: std::time::Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            loop {
                match self.run_once().await {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "timer runner failed");
                        break;
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// How late the most overdue pending timer is, in seconds (for `/metrics`).
pub async fn lag_seconds(db: &Db, now: Timestamp) -> Result<f64> {
    let min: Option<i64> =
        sqlx::query_scalar("SELECT MIN(due_at) FROM timers WHERE status = 'pending'")
            .fetch_one(db.pool())
            .await?;
    Ok(match min {
        Some(us) if us < to_micros(now) => (to_micros(now) - us) as f64 / 1e6,
        _ => 0.0,
    })
}
