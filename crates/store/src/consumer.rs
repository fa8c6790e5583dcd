//! Event consumers: an area reacts to other areas' events by following the sealed log with its own
//! cursor. Each batch is handled in one transaction together with the cursor update, so a reaction
//! happens exactly once per consumer even with several instances (the cursor row is locked with
//! SKIP LOCKED on PostgreSQL; SQLite's single writer serializes it).

use crate::{outbox, Db, Tx};
use ggzy_core::events::Event;
use ggzy_core::time::to_micros;
use ggzy_core::{Clock, Result};
use sqlx::Row;
use std::sync::Arc;

#[async_trait::async_trait]
pub trait Consumer: Send + Sync {
    /// Unique, stable name: it keys the cursor.
    fn name(&self) -> &'static str;
    /// Cheap filter on the event type; events not wanted only advance the cursor.
    fn wants(&self, event_type: &str) -> bool;
    /// React inside the batch transaction (may write rows and emit events).
    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()>;
}

const BATCH: i64 = 200;

/// Handle one batch. Returns how many events were consumed (0 = caught up or another instance holds it).
pub async fn run_once(db: &Db, clock: &Clock, c: &dyn Consumer) -> Result<usize> {
    sqlx::query(
        "INSERT INTO consumer_cursors (consumer, last_seq, updated_at) VALUES ($1, 0, $2) ON CONFLICT (consumer) DO NOTHING",
    )
    .bind(c.name())
    .bind(to_micros(clock.now()))
    .execute(db.pool_for_write())
    .await?;
    let mut tx = db.begin().await?;
    let row = sqlx::query(&format!(
        "SELECT last_seq FROM consumer_cursors WHERE consumer = $1{}",
        db.skip_locked()
    ))
    .bind(c.name())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Ok(0);
    };
    let cursor: i64 = row.try_get(0)?;
    let events = outbox::read_after(&mut *tx, cursor, BATCH).await?;
    if events.is_empty() {
        tx.rollback().await?;
        return Ok(0);
    }
    let mut last = cursor;
    for ev in &events {
        if c.wants(&ev.event_type) {
            c.handle(&mut tx, db, clock, ev).await?;
        }
        last = ev.seq;
    }
    sqlx::query("UPDATE consumer_cursors SET last_seq = $1, updated_at = $2, last_error = NULL WHERE consumer = $3")
        .bind(last)
        .bind(to_micros(clock.now()))
        .bind(c.name())
        .execute(&mut *tx)
        .await?;
    db.commit(tx).await?;
    Ok(events.len())
}

/// Run until caught up (tests, and after start).
pub async fn drain(db: &Db, clock: &Clock, c: &dyn Consumer) -> Result<usize> {
    let mut n = 0;
    loop {
        let k = run_once(db, clock, c).await?;
        if k == 0 {
            return Ok(n);
        }
        n += k;
    }
}

/// Current position of a consumer (monitoring lag).
pub async fn position(db: &Db, name: &str) -> Result<i64> {
    let r = sqlx::query("SELECT last_seq FROM consumer_cursors WHERE consumer = $1")
        .bind(name)
        .fetch_optional(db.pool())
        .await?;
    Ok(match r {
        Some(r) => r.try_get(0)?,
        None => 0,
    })
}

/// Background loop: woken when events are sealed, polling as a fallback.
pub async fn run_loop(
    db: Db,
    clock: Clock,
    c: Arc<dyn Consumer>,
    poll: std::time::Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut backoff = poll;
    loop {
        let sealed = db.sealed().notified();
        match drain(&db, &clock, c.as_ref()).await {
            Ok(_) => backoff = poll,
            Err(e) => {
                tracing::warn!(consumer = c.name(), error = %e, "consumer failed; retrying");
                let _ =
                    sqlx::query("UPDATE consumer_cursors SET last_error = $1 WHERE consumer = $2")
                        .bind(e.to_string())
                        .bind(c.name())
                        .execute(db.pool_for_write())
                        .await;
                backoff = (backoff * 2).min(std::time::Duration::from_secs(30));
            }
        }
        tokio::select! {
            _ = sealed => {}
            _ = tokio::time::sleep(backoff) => {}
            _ = shutdown.changed() => return,
        }
    }
}
