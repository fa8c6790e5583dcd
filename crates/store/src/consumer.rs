//! Event consumers: an area reacts to other areas' events by following the sealed log with its own
//! cursor. Each batch is handled in one transaction together with the cursor update, so a reaction
//! happens exactly once per consumer even with several instances (the cursor row is locked with
//! SKIP LOCKED on PostgreSQL; SQLite's single writer serializes it).
//!
//! No consumer retries one event for ever: after [`PARK_AFTER`] failed attempts in a row the loop
//! handles the pending events one by one; the one that fails is *parked* (`parked_events`, event
//! `consumer.event.parked`, shown by `/healthz` and the monitoring alert `consumer.event_parked`) and
//! the cursor moves past it. A parked event is replayed with [`replay`] (admin API and CLI).

use crate::ExecuteWrite;
use crate::{outbox, Db, Tx};
use ggzy_core::events::Event;
use ggzy_core::sql::{At, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Clock, Result};
use std::sync::Arc;

/// What a consumer follows: its name (the key of its cursor) and the event types it reads.
#[derive(Debug, Clone, Copy)]
pub struct Subscription {
    pub name: &'static str,
    pub events: &'static [&'static str],
}

impl Subscription {
    /// `events`: contract `NAME`s (`&[DrawCompleted::NAME, DrawCancelled::NAME]`) or a `const` list.
    pub const fn new(name: &'static str, events: &'static [&'static str]) -> Self {
        Self { name, events }
    }
}

#[async_trait::async_trait]
pub trait Consumer: Send + Sync {
    /// Its unique, stable name (it keys the cursor) and the event types it reads.
    fn subscription(&self) -> Subscription;
    /// Unique, stable name: it keys the cursor.
    fn name(&self) -> &'static str {
        self.subscription().name
    }
    /// Cheap filter on the event type; events not wanted only advance the cursor.
    fn wants(&self, event_type: &str) -> bool {
        self.subscription().events.contains(&event_type)
    }
    /// React inside the batch transaction (may write rows and emit events).
    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()>;
}

const BATCH: i64 = 200;

/// Failed attempts of the same batch before the failing event is parked.
pub const PARK_AFTER: i64 = 3;

/// A parked event was recorded (payload: consumer, seq, event_id, event_type, error).
pub const PARKED: &str = <ggzy_events::consumer::EventParked as ggzy_events::Contract>::NAME;
/// A parked event was replayed (payload: consumer, seq, outcome).
pub const REPLAYED: &str = <ggzy_events::consumer::EventReplayed as ggzy_events::Contract>::NAME;

/// Handle one batch. Returns how many events were consumed (0 = caught up or another instance holds it).
/// The stored cursor ends after the batch (the background loop uses [`run_once_lazy`]).
pub async fn run_once(db: &Db, clock: &Clock, c: &dyn Consumer) -> Result<usize> {
    batch(db, clock, c, None).await
}

/// What the background loop of one consumer remembers between batches: the stored cursor as last
/// seen and how far it has checked that nothing after it is wanted ([`run_once_lazy`]).
#[derive(Debug, Default)]
pub struct Lazy {
    /// The stored cursor as this loop last read or wrote it.
    stored: Option<i64>,
    /// Every sealed event up to here is either handled or not wanted by this consumer.
    checked: i64,
    /// When `checked` first ran ahead of the stored cursor (the move is written within [`LAZY_FOR`]).
    since: Option<std::time::Instant>,
}

/// How long a consumer's background loop may keep the move of its cursor over events it does not
/// want in memory before writing it…
pub const LAZY_FOR: std::time::Duration = std::time::Duration::from_secs(1);
/// …and how many such events it lets accumulate.
pub const LAZY_EVENTS: i64 = 1_000;

/// [`run_once`] for the background loop. The cheap part runs on a reader, never on the (SQLite:
/// single) writer: the types of the next events are read first; a consumer that is caught up, or
/// that wants none of its next events, writes nothing — it remembers in `lazy` how far it has
/// checked and moves its stored cursor there later (after [`LAZY_FOR`] or [`LAZY_EVENTS`]), by one
/// compare-and-set statement (nothing was handled, so there is nothing to do exactly once). Only a
/// batch with a wanted event takes the locked transaction that handles it together with the
/// cursor. With two dozen consumers following one log, every event otherwise cost each of them a
/// write transaction (and, while caught up, two more writes and an empty transaction): the writer
/// was busy with cursors while the next bid waited for it (docs/benchmarks.md, "One auction").
/// Whether a consumer has handled everything up to a point is [`caught_up`], not its stored cursor.
pub async fn run_once_lazy(
    db: &Db,
    clock: &Clock,
    c: &dyn Consumer,
    lazy: &mut Lazy,
) -> Result<usize> {
    batch(db, clock, c, Some(lazy)).await
}

async fn batch(
    db: &Db,
    clock: &Clock,
    c: &dyn Consumer,
    mut lazy: Option<&mut Lazy>,
) -> Result<usize> {
    let known = match lazy.as_deref().and_then(|l| l.stored) {
        Some(stored) => Some(stored),
        None => {
            sqlx::query_scalar("SELECT last_seq FROM consumer_cursors WHERE consumer = $1")
                .bind(c.name())
                .fetch_optional(db.pool())
                .await?
        }
    };
    let stored = match known {
        Some(cursor) => cursor,
        None => {
            sqlx::query(
                "INSERT INTO consumer_cursors (consumer, last_seq, updated_at) VALUES ($1, 0, $2) ON CONFLICT (consumer) DO NOTHING",
            )
            .bind(c.name())
            .bind(to_micros(clock.now()))
            .execute_write(db)
            .await?;
            0
        }
    };
    let from = lazy.as_deref().map_or(stored, |l| l.checked.max(stored));
    if let Some(l) = lazy.as_deref_mut() {
        l.stored = Some(stored);
        l.checked = from;
    }
    // The background loop first asks what this instance sealed itself (no read at all).
    let local = match lazy {
        Some(_) => db.sealed_after(from, BATCH as usize),
        None => None,
    };
    let next: Vec<(i64, Arc<str>)> = match local {
        Some(next) => next,
        None => {
            let read: Vec<(i64, String)> = sqlx::query_as(
                "SELECT seq, event_type FROM events WHERE seq IS NOT NULL AND seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(from)
            .bind(BATCH)
            .fetch_all(db.pool())
            .await?;
            read.into_iter()
                .map(|(seq, t)| (seq, Arc::from(t)))
                .collect()
        }
    };
    if !next.iter().any(|(_, t)| c.wants(t)) {
        let last = next.last().map_or(from, |(seq, _)| *seq);
        let Some(l) = lazy else {
            if next.is_empty() {
                return Ok(0);
            }
            let moved = move_unwanted(db, clock, c.name(), stored, last).await?;
            // Another instance moved the cursor meanwhile: it holds (or held) this batch.
            return Ok(if moved { next.len() } else { 0 });
        };
        l.checked = last;
        if last > stored {
            let since = *l.since.get_or_insert_with(std::time::Instant::now);
            if last - stored >= LAZY_EVENTS || since.elapsed() >= LAZY_FOR {
                // Moved, or another instance moved it: read the stored cursor next time.
                move_unwanted(db, clock, c.name(), stored, last).await?;
                l.stored = None;
                l.since = None;
            }
        }
        return Ok(next.len());
    }
    if let Some(l) = lazy {
        // The transaction below reads and writes the cursor itself.
        *l = Lazy::default();
    }
    let mut tx = db.begin().await?;
    let row: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT last_seq FROM consumer_cursors WHERE consumer = $1{}",
        db.skip_locked()
    ))
    .bind(c.name())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(cursor) = row else {
        tx.rollback().await?;
        return Ok(0);
    };
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

/// Move a cursor over events its consumer does not want, if it is still at `from` (compare and set).
async fn move_unwanted(db: &Db, clock: &Clock, name: &str, from: i64, to: i64) -> Result<bool> {
    let moved = sqlx::query(
        "UPDATE consumer_cursors SET last_seq = $1, updated_at = $2, last_error = NULL WHERE consumer = $3 AND last_seq = $4",
    )
    .bind(to)
    .bind(to_micros(clock.now()))
    .bind(name)
    .bind(from)
    .execute_write(db)
    .await?;
    Ok(moved.rows_affected() == 1)
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

/// Whether consumer `c` has handled every sealed event up to `seq` that it wants: its stored cursor
/// is there, or no event it wants lies between the two (the background loop writes its moves over
/// unwanted events later, [`run_once_lazy`]).
pub async fn caught_up(db: &Db, c: &dyn Consumer, seq: i64) -> Result<bool> {
    let cursor = position(db, c.name()).await?;
    if cursor >= seq {
        return Ok(true);
    }
    let between: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE seq IS NOT NULL AND seq > $1 AND seq <= $2",
    )
    .bind(cursor)
    .bind(seq)
    .fetch_all(db.pool())
    .await?;
    // Every event up to `seq` must be sealed and readable (seq is gap-free).
    Ok(between.len() as i64 == seq - cursor && !between.iter().any(|t| c.wants(t)))
}

/// Whether `consumer` still has events of one of `event_types` to handle: written but not yet
/// sealed into the log, or sealed after its cursor. Used to tell "not there" (422) from "not there
/// yet" (409 + `Retry-After`, [`ggzy_core::Error::behind`]) when a request reads another area's
/// projection. Both legs use `events_type_idx` / `events_unsealed_idx`.
pub async fn has_pending(db: &Db, consumer: &str, event_types: &[&str]) -> Result<bool> {
    let cursor = position(db, consumer).await?;
    for t in event_types {
        let r = sqlx::query(
            "SELECT 1 FROM events WHERE event_type = $1 AND (seq IS NULL OR seq > $2) LIMIT 1",
        )
        .bind(*t)
        .bind(cursor)
        .fetch_optional(db.pool())
        .await?;
        if r.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Waits (up to `max`, polling) until `found()` holds or `consumer` has nothing of `event_types`
/// left to handle. `Ok(true)`: found; `Ok(false)`: caught up and still absent (the caller answers
/// its 422); `Err(Behind)` (409 + `Retry-After`) when the projection is still behind after `max`.
/// Call it outside a write transaction (on SQLite a held writer would stop the consumer).
pub async fn wait_for_projection<F, Fut>(
    db: &Db,
    consumer: &str,
    event_types: &[&str],
    max: std::time::Duration,
    rule: &str,
    what: &str,
    mut found: F,
) -> Result<bool>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let start = std::time::Instant::now();
    loop {
        if found().await? {
            return Ok(true);
        }
        if !has_pending(db, consumer, event_types).await? {
            // Caught up: one more look (the last event may have landed between the two reads).
            return found().await;
        }
        if start.elapsed() >= max {
            return Err(ggzy_core::Error::behind(
                rule,
                format!("{what} was written a moment ago and has not reached this part of the platform yet; retry in a second"),
            ));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Current position of a consumer (monitoring lag).
pub async fn position(db: &Db, name: &str) -> Result<i64> {
    let r: Option<i64> =
        sqlx::query_scalar("SELECT last_seq FROM consumer_cursors WHERE consumer = $1")
            .bind(name)
            .fetch_optional(db.pool())
            .await?;
    Ok(r.unwrap_or(0))
}

/// Record a failed attempt; returns the number of failures in a row.
pub async fn note_failure(db: &Db, name: &str, error: &str) -> Result<i64> {
    sqlx::query(
        "UPDATE consumer_cursors SET last_error = $1, failures = failures + 1 WHERE consumer = $2",
    )
    .bind(error)
    .bind(name)
    .execute_write(db)
    .await?;
    let r: Option<i64> =
        sqlx::query_scalar("SELECT failures FROM consumer_cursors WHERE consumer = $1")
            .bind(name)
            .fetch_optional(db.pool_for_write())
            .await?;
    Ok(r.unwrap_or(0))
}

/// What [`step_or_park`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Caught up, or another instance holds the cursor.
    Idle,
    Consumed,
    Parked,
}

/// Handle the next event alone. If it fails, park it and move the cursor past it.
pub async fn step_or_park(db: &Db, clock: &Clock, c: &dyn Consumer) -> Result<Step> {
    let mut tx = db.begin().await?;
    let row: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT last_seq FROM consumer_cursors WHERE consumer = $1{}",
        db.skip_locked()
    ))
    .bind(c.name())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(cursor) = row else {
        tx.rollback().await?;
        return Ok(Step::Idle);
    };
    let Some(ev) = outbox::read_after(&mut *tx, cursor, 1).await?.pop() else {
        tx.rollback().await?;
        return Ok(Step::Idle);
    };
    let outcome = if c.wants(&ev.event_type) {
        c.handle(&mut tx, db, clock, &ev).await
    } else {
        Ok(())
    };
    match outcome {
        Ok(()) => {
            move_cursor(&mut tx, c.name(), ev.seq, clock).await?;
            db.commit(tx).await?;
            Ok(Step::Consumed)
        }
        Err(e) => {
            // The handler's partial writes go; the park and the cursor move commit together.
            tx.rollback().await?;
            let mut tx = db.begin().await?;
            let still: i64 = sqlx::query_scalar(&format!(
                "SELECT last_seq FROM consumer_cursors WHERE consumer = $1{}",
                db.for_update()
            ))
            .bind(c.name())
            .fetch_one(&mut *tx)
            .await?;
            if still != cursor {
                tx.rollback().await?;
                return Ok(Step::Consumed);
            }
            let now = clock.now();
            sqlx::query(
                "INSERT INTO parked_events (consumer, seq, event_id, event_type, error, parked_at)                  VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (consumer, seq) DO NOTHING",
            )
            .bind(c.name())
            .bind(ev.seq)
            .bind(&ev.id)
            .bind(&ev.event_type)
            .bind(e.to_string())
            .bind(to_micros(now))
            .execute(&mut *tx)
            .await?;
            move_cursor(&mut tx, c.name(), ev.seq, clock).await?;
            crate::emit(
                &mut tx,
                db,
                &ggzy_core::events::ActorRef::system(c.name()),
                now,
                ggzy_events::Contract::encode(&ggzy_events::consumer::EventParked {
                    consumer: c.name().to_string(),
                    seq: ev.seq,
                    event_id: ev.id.clone(),
                    event_type: ev.event_type.clone(),
                    error: e.to_string(),
                }),
            )
            .await?;
            db.commit(tx).await?;
            tracing::error!(consumer = c.name(), seq = ev.seq, event = %ev.event_type, error = %e,
                "event parked after repeated failures");
            Ok(Step::Parked)
        }
    }
}

async fn move_cursor(tx: &mut Tx, name: &str, seq: i64, clock: &Clock) -> Result<()> {
    sqlx::query("UPDATE consumer_cursors SET last_seq = $1, updated_at = $2, last_error = NULL, failures = 0 WHERE consumer = $3")
        .bind(seq)
        .bind(to_micros(clock.now()))
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One parked event.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Parked {
    pub consumer: String,
    pub seq: i64,
    pub event_id: String,
    pub event_type: String,
    pub error: String,
    #[schema(value_type = String, format = DateTime)]
    #[sqlx(try_from = "At")]
    pub parked_at: ggzy_core::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[sqlx(try_from = "MaybeAt")]
    pub replayed_at: Option<ggzy_core::Timestamp>,
    pub replay_outcome: Option<String>,
}

/// Parked events, oldest first (`pending_only`: not yet replayed successfully).
pub async fn parked(db: &Db, pending_only: bool) -> Result<Vec<Parked>> {
    let rows: Vec<Parked> = sqlx::query_as(&format!(
        "SELECT consumer, seq, event_id, event_type, error, parked_at, replayed_at, replay_outcome          FROM parked_events{} ORDER BY parked_at, consumer, seq",
        if pending_only {
            " WHERE replayed_at IS NULL OR replay_outcome <> 'ok'"
        } else {
            ""
        }
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows)
}

/// One parked event as [`parked`] lists it, read on `exec` (the replay's transaction).
async fn parked_one<'e, E>(exec: E, consumer: &str, seq: i64) -> Result<Parked>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as(
        "SELECT consumer, seq, event_id, event_type, error, parked_at, replayed_at, replay_outcome \
         FROM parked_events WHERE consumer = $1 AND seq = $2",
    )
    .bind(consumer)
    .bind(seq)
    .fetch_one(exec)
    .await?)
}

/// Replay a parked event through its consumer: the handler's effects and the `ok` mark commit
/// together; a failure is recorded and returned. A parked event replayed successfully is not
/// replayed again (409 `consumer.already_replayed`).
pub async fn replay(db: &Db, clock: &Clock, c: &dyn Consumer, seq: i64) -> Result<Parked> {
    let mut tx = db.begin().await?;
    let outcome: Option<String> = sqlx::query_scalar::<_, Option<String>>(&format!(
        "SELECT replay_outcome FROM parked_events WHERE consumer = $1 AND seq = $2{}",
        db.for_update()
    ))
    .bind(c.name())
    .bind(seq)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| ggzy_core::Error::not_found(format!("parked event {} #{seq}", c.name())))?;
    if outcome.as_deref() == Some("ok") {
        return Err(ggzy_core::Error::conflict(
            "consumer.already_replayed",
            format!("event #{seq} was already replayed for {}", c.name()),
        ));
    }
    let ev = outbox::read_after(&mut *tx, seq - 1, 1)
        .await?
        .pop()
        .filter(|e| e.seq == seq)
        .ok_or_else(|| ggzy_core::Error::not_found(format!("event #{seq}")))?;
    let now = clock.now();
    match c.handle(&mut tx, db, clock, &ev).await {
        Ok(()) => {
            sqlx::query("UPDATE parked_events SET replayed_at = $1, replay_outcome = 'ok' WHERE consumer = $2 AND seq = $3")
                .bind(to_micros(now))
                .bind(c.name())
                .bind(seq)
                .execute(&mut *tx)
                .await?;
            crate::emit(
                &mut tx,
                db,
                &ggzy_core::events::ActorRef::system(c.name()),
                now,
                ggzy_events::Contract::encode(&ggzy_events::consumer::EventReplayed {
                    consumer: c.name().to_string(),
                    seq,
                    outcome: "ok".into(),
                }),
            )
            .await?;
            // Stored with the replay: a keyed retry after a lost answer replays it.
            let answer = parked_one(&mut *tx, c.name(), seq).await?;
            db.commit_answering(tx, 200, &answer, now).await?;
            return Ok(answer);
        }
        Err(e) => {
            tx.rollback().await?;
            sqlx::query("UPDATE parked_events SET replayed_at = $1, replay_outcome = $2 WHERE consumer = $3 AND seq = $4")
                .bind(to_micros(now))
                .bind(format!("error: {e}"))
                .bind(c.name())
                .bind(seq)
                .execute_write(db)
                .await?;
        }
    }
    parked(db, false)
        .await?
        .into_iter()
        .find(|p| p.consumer == c.name() && p.seq == seq)
        .ok_or_else(|| ggzy_core::Error::internal("parked row vanished"))
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
    let mut lazy = Lazy::default();
    loop {
        let sealed = db.sealed().notified();
        let drained = async {
            // A short batch means caught up as of its read (a seal after it wakes `sealed`).
            while run_once_lazy(&db, &clock, c.as_ref(), &mut lazy).await? >= BATCH as usize {}
            Ok::<_, ggzy_core::Error>(())
        };
        match drained.await {
            Ok(_) => backoff = poll,
            Err(e) => {
                tracing::warn!(consumer = c.name(), error = %e, "consumer failed; retrying");
                match note_failure(&db, c.name(), &e.to_string()).await {
                    Ok(n) if n >= PARK_AFTER => {
                        // One event at a time until the failing one is parked; then batches again.
                        for _ in 0..BATCH {
                            match step_or_park(&db, &clock, c.as_ref()).await {
                                Ok(Step::Consumed) => {}
                                Ok(Step::Parked) | Ok(Step::Idle) => break,
                                Err(e) => {
                                    tracing::warn!(consumer = c.name(), error = %e, "parking failed");
                                    break;
                                }
                            }
                        }
                        backoff = poll;
                    }
                    _ => backoff = (backoff * 2).min(std::time::Duration::from_secs(30)),
                }
            }
        }
        tokio::select! {
            _ = sealed => {}
            _ = tokio::time::sleep(backoff) => {}
            _ = shutdown.changed() => return,
        }
    }
}
