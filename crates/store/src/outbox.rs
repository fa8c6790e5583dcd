//! The event log: outbox writes, the sealer that orders and hash-chains committed events, the
//! changes feed, and chain verification.
//!
//! Two traps are designed out here:
//! 1. Sequence ids are not commit order: a transaction that took id 5 may commit after one that took
//!    id 6, and a reader of "after 5" that already saw 6 would miss 5 forever. Writers therefore take
//!    no sequence number at all; the sealer numbers events only once they are committed and visible,
//!    so the sealed sequence is exactly the order in which readers can see them. Readers only read
//!    sealed events.
//! 2. A chain head that every writer must lock would serialize every write of the platform. Writers
//!    never touch `event_chain`; only the sealer locks it, in batches (as transparency logs do).

use crate::{merkle, tlog, Db, Engine, Tx};
use ggzy_core::events::{chain_hash, ActorRef, Canonical, Event, NewEvent, GENESIS_HASH};
use ggzy_core::sql::At;
use ggzy_core::time::to_micros;
use ggzy_core::{ids, Result, Timestamp};
use sqlx::FromRow;

/// Runs a statement that applies a step at most once (an insert that ignores a conflict, an
/// update or delete guarded by the current state) and, when it changed exactly one row, emits
/// the step's event in the same transaction. A repeated step changes nothing and emits nothing.
/// Returns whether it changed the row.
pub async fn emit_when_changed<'q>(
    tx: &mut Tx,
    db: &Db,
    actor: &ActorRef,
    at: Timestamp,
    statement: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ev: impl FnOnce() -> NewEvent,
) -> Result<bool> {
    let n = statement.execute(&mut **tx).await?.rows_affected();
    if n == 1 {
        emit(tx, db, actor, at, ev()).await?;
    }
    Ok(n == 1)
}

/// Record `ev` inside the caller's transaction; it becomes visible (and is sealed) when that commits.
pub async fn emit(
    tx: &mut Tx,
    db: &Db,
    actor: &ActorRef,
    at: Timestamp,
    ev: NewEvent,
) -> Result<String> {
    let id = ids::new_id();
    let sql = match db.engine() {
        // One round trip: the row and the NOTIFY that wakes the sealers of every instance
        // (delivered only if the transaction commits; PostgreSQL folds repeated identical
        // notifications of one transaction into one).
        Engine::Postgres => {
            "INSERT INTO events (id, event_type, aggregate_type, aggregate_id, actor, actor_org, occurred_at, payload) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM (SELECT pg_notify('ggzy_written', '')) AS wake"
        }
        Engine::Sqlite => {
            "INSERT INTO events (id, event_type, aggregate_type, aggregate_id, actor, actor_org, occurred_at, payload) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        }
    };
    let done = sqlx::query(sql)
        .bind(&id)
        .bind(&ev.event_type)
        .bind(&ev.aggregate_type)
        .bind(&ev.aggregate_id)
        .bind(&actor.id)
        .bind(actor.org_id.clone())
        .bind(to_micros(at))
        .bind(ev.payload.to_string())
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(ggzy_core::Error::internal("the event row was not written"));
    }
    Ok(id)
}

const SEAL_BATCH: i64 = 1000;

/// Seal the committed, unsealed events: number them and extend the hash chain. Returns how many.
/// Safe to run on several instances at once: the chain head row is the lock.
pub async fn seal_once(db: &Db) -> Result<usize> {
    // First look on a reader: with nothing to seal (the common case, and every sealer pass ends
    // with one) the writer is not taken — on SQLite it is the single writer the next bid waits for.
    let (unsealed, last_seq, tree_size): (i64, i64, i64) = sqlx::query_as(
        "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM events WHERE seq IS NULL) THEN 1 ELSE 0 END AS BIGINT), \
         last_seq, tree_size FROM event_chain WHERE id = 1",
    )
    .fetch_one(db.pool())
    .await?;
    if unsealed == 0 && tree_size >= last_seq {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    let head: ChainHeadRow = sqlx::query_as(&format!(
        "SELECT last_seq, last_hash, tree_size FROM event_chain WHERE id = 1{}",
        db.for_update()
    ))
    .fetch_one(&mut *tx)
    .await?;
    let mut seq = head.last_seq;
    let mut prev = head.last_hash;
    let tree_size = head.tree_size;
    if tree_size < seq {
        // Events sealed before the Merkle tree existed (migration 0045): add them first.
        return backfill_tree(db, tx, tree_size, seq).await;
    }
    let rows: Vec<UnsealedRow> = sqlx::query_as(
        "SELECT id, event_type, aggregate_type, aggregate_id, actor, actor_org, occurred_at, payload \
         FROM events WHERE seq IS NULL ORDER BY occurred_at, id LIMIT $1",
    )
    .bind(SEAL_BATCH)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        tx.rollback().await?;
        return Ok(0);
    }
    let mut leaves = Vec::with_capacity(rows.len());
    let mut sealed = Vec::with_capacity(rows.len());
    let mut numbered = Vec::with_capacity(rows.len());
    for r in &rows {
        seq += 1;
        sealed.push((seq, r.event_type.as_str()));
        let id = &r.id;
        let payload: serde_json::Value =
            serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null);
        let bytes = Canonical {
            seq,
            id,
            event_type: &r.event_type,
            aggregate_type: &r.aggregate_type,
            aggregate_id: &r.aggregate_id,
            actor: &r.actor,
            actor_org: r.actor_org.as_deref(),
            occurred_at_us: r.occurred_at,
            payload: &payload,
        }
        .bytes();
        let hash = chain_hash(&prev, &bytes);
        leaves.push(merkle::leaf_hash(&bytes));
        numbered.push(Numbered {
            seq,
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
            id,
        });
    }
    number_events(&mut tx, &numbered).await?;
    // The Merkle tree grows in the same transaction: a sealed event is always a leaf.
    tlog::grow_tree(&mut tx, tree_size as u64, &leaves).await?;
    sqlx::query(
        "UPDATE event_chain SET last_seq = $1, last_hash = $2, tree_size = $1 WHERE id = 1",
    )
    .bind(seq)
    .bind(&prev)
    .execute(&mut *tx)
    .await?;
    if db.engine() == Engine::Postgres {
        sqlx::query("SELECT pg_notify('ggzy_sealed', '')")
            .execute(&mut *tx)
            .await?;
    }
    db.commit_plain(tx).await?;
    db.note_sealed(sealed);
    db.sealed().notify_waiters();
    Ok(rows.len())
}

/// An event's place in the chain, as the sealer writes it.
struct Numbered<'a> {
    seq: i64,
    prev_hash: String,
    hash: String,
    id: &'a str,
}

/// The most events numbered by one statement: a batch is written in chunks of a power of two up
/// to this (5 events: 4 + 1), so that the statements prepared for it stay few (one per size).
const NUMBER_CHUNK: usize = 128;

/// Write each event's sequence number and hashes, a chunk of events per statement (one
/// statement per event made the sealer the writer's busiest client in a rush: about a tenth of
/// the statements a bidder costs, docs/benchmarks.md).
async fn number_events(tx: &mut Tx, events: &[Numbered<'_>]) -> Result<()> {
    let mut rest = events;
    while !rest.is_empty() {
        let n = chunk_len(rest.len(), NUMBER_CHUNK);
        let (chunk, tail) = rest.split_at(n);
        let rows: Vec<String> = (0..n)
            .map(|k| {
                let p = 4 * k;
                format!("(${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4)
            })
            .collect();
        let sql = format!(
            "WITH v (seq, prev_hash, hash, id) AS (VALUES {}) \
             UPDATE events SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash \
             FROM v WHERE events.id = v.id AND events.seq IS NULL",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q.bind(e.seq).bind(&e.prev_hash).bind(&e.hash).bind(e.id);
        }
        let done = q.execute(&mut **tx).await?.rows_affected();
        if done != n as u64 {
            // The chain head is locked and these rows were read unsealed in this transaction.
            return Err(ggzy_core::Error::internal(format!(
                "sealing: {done} of {n} events numbered"
            )));
        }
        rest = tail;
    }
    Ok(())
}

/// The largest power of two that is at most `len` and at most `max` (`max` a power of two).
fn chunk_len(len: usize, max: usize) -> usize {
    debug_assert!(len > 0 && max.is_power_of_two());
    if len >= max {
        max
    } else {
        1 << (usize::BITS - 1 - len.leading_zeros())
    }
}

/// The chain head (`event_chain`, one row).
#[derive(FromRow)]
struct ChainHeadRow {
    last_seq: i64,
    last_hash: String,
    tree_size: i64,
}

/// A committed event not sealed yet (`occurred_at` stays in µs: it is hashed as such).
#[derive(FromRow)]
struct UnsealedRow {
    id: String,
    event_type: String,
    aggregate_type: String,
    aggregate_id: String,
    actor: String,
    actor_org: Option<String>,
    occurred_at: i64,
    payload: String,
}

/// Add already sealed events `(tree_size, last_seq]` to the Merkle tree, a batch at a time.
async fn backfill_tree(db: &Db, mut tx: Tx, tree_size: i64, last_seq: i64) -> Result<usize> {
    let upto = last_seq.min(tree_size + SEAL_BATCH);
    let events = read_after(&mut *tx, tree_size, upto - tree_size).await?;
    let mut leaves = Vec::with_capacity(events.len());
    for (k, ev) in events.iter().enumerate() {
        if ev.seq != tree_size + 1 + k as i64 {
            return Err(ggzy_core::Error::internal(format!(
                "cannot build the Merkle tree: sealed event {} is missing",
                tree_size + 1 + k as i64
            )));
        }
        leaves.push(merkle::leaf_hash(&tlog::event_bytes(ev)));
    }
    tlog::grow_tree(&mut tx, tree_size as u64, &leaves).await?;
    sqlx::query("UPDATE event_chain SET tree_size = $1 WHERE id = 1")
        .bind(tree_size + leaves.len() as i64)
        .execute(&mut *tx)
        .await?;
    db.commit_plain(tx).await?;
    Ok(leaves.len())
}

/// Seal until nothing is left (tests and shutdown).
pub async fn seal_all(db: &Db) -> Result<usize> {
    let mut n = 0;
    loop {
        let k = seal_once(db).await?;
        if k == 0 {
            return Ok(n);
        }
        n += k;
    }
}

const EVENT_COLUMNS: &str =
    "seq, id, event_type, aggregate_type, aggregate_id, actor, actor_org, occurred_at, payload, prev_hash, hash";

/// An `events` row as stored ([`EVENT_COLUMNS`]).
#[derive(FromRow)]
struct EventRow {
    seq: i64,
    id: String,
    event_type: String,
    aggregate_type: String,
    aggregate_id: String,
    actor: String,
    actor_org: Option<String>,
    #[sqlx(try_from = "At")]
    occurred_at: Timestamp,
    payload: String,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Event {
        Event {
            seq: r.seq,
            id: r.id,
            event_type: r.event_type,
            aggregate_type: r.aggregate_type,
            aggregate_id: r.aggregate_id,
            actor: r.actor,
            actor_org: r.actor_org,
            occurred_at: r.occurred_at,
            payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
            prev_hash: r.prev_hash.unwrap_or_default(),
            hash: r.hash.unwrap_or_default(),
        }
    }
}

/// The event of a row that selected the columns [`EVENT_COLUMNS`] names (by name).
pub fn event_from_row(r: &crate::Row) -> Result<Event> {
    Ok(EventRow::from_row(r)?.into())
}

/// Sealed events after `cursor`, in sequence order (the changes feed).
pub async fn read_after<'e, E>(exec: E, cursor: i64, limit: i64) -> Result<Vec<Event>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE seq IS NOT NULL AND seq > $1 ORDER BY seq LIMIT $2"
    ))
    .bind(cursor)
    .bind(limit)
    .fetch_all(exec)
    .await?;
    Ok(rows.into_iter().map(Event::from).collect())
}

/// Filters for searching the sealed log (audit view).
#[derive(Debug, Default, Clone)]
pub struct EventQuery {
    pub after: i64,
    pub limit: i64,
    pub aggregate_id: Option<String>,
    pub aggregate_type: Option<String>,
    pub event_type_prefix: Option<String>,
    pub actor_org: Option<String>,
    pub actor: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Substring of the payload (e.g. an organization's USCC or a person's name).
    pub text: Option<String>,
}

pub async fn search(db: &Db, q: &EventQuery) -> Result<Vec<Event>> {
    let mut f = crate::filter::Filter::all().after(1);
    if let Some(v) = &q.aggregate_id {
        f.eq("aggregate_id", v);
    }
    if let Some(v) = &q.aggregate_type {
        f.eq("aggregate_type", v);
    }
    if let Some(v) = &q.event_type_prefix {
        f.and("event_type LIKE ?", [format!("{}%", like_escape(v))]);
    }
    if let Some(v) = &q.actor_org {
        f.eq("actor_org", v);
    }
    if let Some(v) = &q.actor {
        f.eq("actor", v);
    }
    if let Some(v) = q.from {
        f.and("occurred_at >= ?", [to_micros(v)]);
    }
    if let Some(v) = q.to {
        f.and("occurred_at < ?", [to_micros(v)]);
    }
    if let Some(v) = &q.text {
        f.and("payload LIKE ?", [format!("%{}%", like_escape(v))]);
    }
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE seq IS NOT NULL AND seq > $1{} ORDER BY seq LIMIT ${}",
        f.and_clause(),
        f.next_placeholder()
    );
    let rows = f
        .bind_as(sqlx::query_as::<_, EventRow>(&sql).bind(q.after))
        .bind(q.limit.clamp(1, 1000))
        .fetch_all(db.pool())
        .await?;
    Ok(rows.into_iter().map(Event::from).collect())
}

fn like_escape(s: &str) -> String {
    s.replace(['%', '_'], "")
}

/// Result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainReport {
    pub checked: i64,
    pub head_seq: i64,
    pub head_hash: String,
    /// The first broken link, if any: its sequence number and what is wrong.
    pub broken_at: Option<i64>,
    pub problem: Option<String>,
}

#[derive(FromRow)]
struct ChainTipRow {
    last_seq: i64,
    last_hash: String,
}

/// Walk the sealed chain from the start, recomputing every hash; report the first broken link.
///
/// The head is read first and the walk stops there: events the sealer seals while the walk runs
/// (the platform keeps working during a check) are outside this check, not a broken chain.
pub async fn verify_chain(db: &Db) -> Result<ChainReport> {
    let head: ChainTipRow =
        sqlx::query_as("SELECT last_seq, last_hash FROM event_chain WHERE id = 1")
            .fetch_one(db.pool())
            .await?;
    let (head_seq, head_hash) = (head.last_seq, head.last_hash);
    let mut prev = GENESIS_HASH.to_string();
    let mut expected_seq = 1i64;
    let mut cursor = 0i64;
    let mut checked = 0i64;
    'walk: loop {
        let batch = read_after(db.pool(), cursor, 2000).await?;
        if batch.is_empty() {
            break;
        }
        for ev in &batch {
            if ev.seq > head_seq {
                break 'walk;
            }
            let fail = |p: String| ChainReport {
                checked,
                head_seq: ev.seq,
                head_hash: ev.hash.clone(),
                broken_at: Some(ev.seq),
                problem: Some(p),
            };
            if ev.seq != expected_seq {
                return Ok(fail(format!(
                    "sequence gap: expected {expected_seq}, found {}",
                    ev.seq
                )));
            }
            if ev.prev_hash != prev {
                return Ok(fail(
                    "prev_hash does not match the previous event's hash".into(),
                ));
            }
            let bytes = Canonical {
                seq: ev.seq,
                id: &ev.id,
                event_type: &ev.event_type,
                aggregate_type: &ev.aggregate_type,
                aggregate_id: &ev.aggregate_id,
                actor: &ev.actor,
                actor_org: ev.actor_org.as_deref(),
                occurred_at_us: to_micros(ev.occurred_at),
                payload: &ev.payload,
            }
            .bytes();
            if chain_hash(&prev, &bytes) != ev.hash {
                return Ok(fail(
                    "content does not match its hash (the event was altered)".into(),
                ));
            }
            prev = ev.hash.clone();
            expected_seq += 1;
            checked += 1;
            cursor = ev.seq;
        }
    }
    if head_seq != cursor || head_hash != prev {
        return Ok(ChainReport {
            checked,
            head_seq,
            head_hash,
            broken_at: Some(cursor + 1),
            problem: Some("chain head does not match the last event (events removed?)".into()),
        });
    }
    Ok(ChainReport {
        checked,
        head_seq,
        head_hash,
        broken_at: None,
        problem: None,
    })
}

/// The shortest time between two sealing passes that sealed something: under a stream of writes
/// (an auction's bids, a deadline rush) a pass seals what gathered meanwhile in one transaction
/// instead of one transaction per write, each taking SQLite's single writer (or the chain head's
/// row lock on PostgreSQL) from the requests. After a quiet moment the first write is sealed at
/// once. Consumers see an event at most this much later (docs/benchmarks.md, "One auction").
pub const SEAL_GATHER: std::time::Duration = std::time::Duration::from_millis(5);

/// Background sealer: seals whenever events are written (this instance, or any instance through
/// PostgreSQL NOTIFY) and at least every `poll`; passes that seal something are at least
/// [`SEAL_GATHER`] apart.
pub async fn run_sealer(
    db: Db,
    poll: std::time::Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut shutdown = shutdown;
    let mut sealed_at: Option<tokio::time::Instant> = None;
    loop {
        // Registered before sealing, so a write committed meanwhile wakes the next pass at once.
        let written = db.written().notified();
        if let Some(at) = sealed_at {
            tokio::time::sleep_until(at + SEAL_GATHER).await;
        }
        let started = tokio::time::Instant::now();
        match seal_all(&db).await {
            Ok(n) => sealed_at = (n > 0).then_some(started),
            Err(e) => tracing::warn!(error = %e, "sealer failed; will retry"),
        }
        tokio::select! {
            _ = written => {}
            _ = tokio::time::sleep(poll) => {}
            _ = shutdown.changed() => { let _ = seal_all(&db).await; return; }
        }
    }
}

/// On PostgreSQL, forward NOTIFYs from other instances to this instance's wake-ups.
pub async fn run_pg_listener(db: Db, shutdown: tokio::sync::watch::Receiver<bool>) {
    if db.engine() != Engine::Postgres {
        return;
    }
    let mut shutdown = shutdown;
    loop {
        let listener = async {
            let mut l = sqlx::postgres::PgListener::connect(db.url()).await?;
            l.listen_all(["ggzy_written", "ggzy_sealed"]).await?;
            loop {
                let n = l.recv().await?;
                match n.channel() {
                    "ggzy_written" => db.written().notify_one(),
                    _ => db.sealed().notify_waiters(),
                }
            }
            #[allow(unreachable_code)]
            Ok::<(), sqlx::Error>(())
        };
        tokio::select! {
            r = listener => { if let Err(e) = r { tracing::debug!(error = %e, "pg listener lost; reconnecting"); } }
            _ = shutdown.changed() => return,
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::chunk_len;

    #[test]
    fn a_batch_is_numbered_in_power_of_two_chunks() {
        let split = |mut n: usize| {
            let mut out = Vec::new();
            while n > 0 {
                let k = chunk_len(n, 128);
                out.push(k);
                n -= k;
            }
            out
        };
        assert_eq!(split(1), [1]);
        assert_eq!(split(5), [4, 1]);
        assert_eq!(split(127), [64, 32, 16, 8, 4, 2, 1]);
        assert_eq!(split(128), [128]);
        assert_eq!(split(300), [128, 128, 32, 8, 4]);
    }
}
