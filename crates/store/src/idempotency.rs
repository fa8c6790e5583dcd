//! `Idempotency-Key` storage: the first complete answer for (principal, key) is kept and replayed.
//! A key reused with a different request is refused (422); a retry while the first is still being
//! processed is told so (409) instead of running twice.
//!
//! The request's key travels with the handler as a task-local ([`scope`]), and
//! [`Db::commit`](crate::Db::commit) marks the key `committed` inside the handler's own transaction,
//! so a change is never carried out twice. A use case whose answer is known before it commits stores
//! that answer in the same transaction — [`Db::commit_answering`](crate::Db::commit_answering)
//! (a JSON value, the usual case) or [`answer_in_tx`] (bytes): an instance that dies between the
//! commit and the answer then loses nothing — the retry replays the stored answer. Only a handler that did
//! not store its answer leaves a retry refused with `idempotency.answer_lost` (409), which names the
//! resource to read instead.

use crate::Db;
use crate::ExecuteWrite;
use ggzy_core::time::to_micros;
use ggzy_core::{Error, Result, Timestamp};

tokio::task_local! {
    static CURRENT: (String, String);
    static ANSWER: std::sync::Arc<Recorded>;
}

/// An answer (status, content type, body) a use case stored with its key inside its transaction.
pub type StoredAnswer = (u16, String, String);

/// What the request's use case stored: `pending` between [`answer_typed_in_tx`] and the commit,
/// `stored` once [`Db::commit`](crate::Db::commit) committed it. For a request whose key is
/// claimed with its change ([`scope_claiming`]): the claim still to be written (`claim`, `None`
/// once committed), whether the open transaction wrote it (`claim_in_tx`), and whether another
/// attempt held the key (`taken`).
#[derive(Default)]
struct Recorded {
    pending: std::sync::Mutex<Option<StoredAnswer>>,
    stored: std::sync::Mutex<Option<StoredAnswer>>,
    claim: std::sync::Mutex<Option<Claim>>,
    claim_in_tx: std::sync::atomic::AtomicBool,
    taken: std::sync::atomic::AtomicBool,
}

/// The request a key is claimed for ([`scope_claiming`]).
#[derive(Debug, Clone)]
pub struct Claim {
    pub method: String,
    pub path: String,
    pub request_hash: String,
    pub at: Timestamp,
}

/// How a request run by [`scope_claiming`] left its key.
#[derive(Debug, PartialEq, Eq)]
pub enum Claimed {
    /// Nothing was committed: the key is still free (store the answer with [`record`]).
    No,
    /// Claimed with a committed change; the answer stored with it, if any, is the second value
    /// of [`scope_claiming`]'s result.
    Yes,
    /// Another attempt holds the key: its change was not made ([`resolve`] says what to answer).
    Taken,
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn with_record<R>(f: impl FnOnce(&Recorded) -> R) -> Option<R> {
    ANSWER.try_with(|r| f(r)).ok()
}

/// Run `fut` (the request's handler) with its (principal, key) known to [`Db::commit`](crate::Db::commit).
pub async fn scope<F: std::future::Future>(principal: String, key: String, fut: F) -> F::Output {
    scope_recording(principal, key, fut).await.0
}

/// [`scope`], also returning the answer the handler's use case committed with the key, if any:
/// when the handler then gives exactly that answer, it is already stored and the caller need not
/// write it again (one write — on SQLite one fsync — less per keyed request).
pub async fn scope_recording<F: std::future::Future>(
    principal: String,
    key: String,
    fut: F,
) -> (F::Output, Option<StoredAnswer>) {
    ANSWER
        .scope(std::sync::Arc::default(), async move {
            let out = CURRENT.scope((principal, key), fut).await;
            let stored = ANSWER
                .try_with(|r| r.stored.lock().unwrap_or_else(|e| e.into_inner()).take())
                .ok()
                .flatten();
            (out, stored)
        })
        .await
}

/// [`scope_recording`] for a request whose key is claimed in the transaction of its change,
/// instead of by [`begin`] before it runs (one write, on SQLite one turn of the single writer, less
/// per request; used for a live auction's bids). The claim is written as the transaction commits —
/// with the answer, when the use case stores it ([`answer_in_tx`]) — or not at all. A retry, or a
/// concurrent attempt, then runs the handler again, but its transaction cannot commit: the claim's
/// insert finds the key taken (on PostgreSQL it waits for the first attempt's transaction), its
/// change is rolled back and it answers as [`resolve`] says. Only for handlers whose every write
/// goes through [`Db::commit`](crate::Db::commit) and that do nothing outside their transactions
/// that a second run could repeat.
pub async fn scope_claiming<F: std::future::Future>(
    principal: String,
    key: String,
    claim: Claim,
    fut: F,
) -> (F::Output, Option<StoredAnswer>, Claimed) {
    let record = std::sync::Arc::new(Recorded {
        claim: std::sync::Mutex::new(Some(claim)),
        ..Recorded::default()
    });
    let (out, stored) = ANSWER
        .scope(record.clone(), async move {
            let out = CURRENT.scope((principal, key), fut).await;
            let stored = with_record(|r| lock(&r.stored).take()).flatten();
            (out, stored)
        })
        .await;
    let claimed = if record.taken.load(std::sync::atomic::Ordering::SeqCst) {
        Claimed::Taken
    } else if lock(&record.claim).is_none() {
        Claimed::Yes
    } else {
        Claimed::No
    };
    (out, stored, claimed)
}

/// The claim of the current request, when it is still to be written in this transaction.
fn claim_to_write() -> Option<Claim> {
    with_record(|r| {
        if r.claim_in_tx.load(std::sync::atomic::Ordering::SeqCst) {
            None
        } else {
            lock(&r.claim).clone()
        }
    })
    .flatten()
}

/// Write the current request's claim in `tx` (committed with it), with the answer when given.
/// The key taken by another attempt: refused, and the request is marked [`Claimed::Taken`].
async fn write_claim(
    tx: &mut crate::Tx,
    (principal, key): (String, String),
    c: Claim,
    answer: Option<(u16, &str, &str, Timestamp)>,
) -> Result<()> {
    let ins = insert_key(&principal, &key, &c, answer, true)
        .execute(&mut **tx)
        .await?;
    if ins.rows_affected() == 1 {
        with_record(|r| {
            r.claim_in_tx
                .store(true, std::sync::atomic::Ordering::SeqCst)
        });
        Ok(())
    } else {
        with_record(|r| r.taken.store(true, std::sync::atomic::Ordering::SeqCst));
        Err(Error::conflict(
            "idempotency.in_progress",
            "another request with this Idempotency-Key was carried out first",
        ))
    }
}

/// The key's row for the request `c`, with its answer when given, unless the key is taken;
/// `committed` when it is written with the request's change.
fn insert_key<'q>(
    principal: &'q str,
    key: &'q str,
    c: &'q Claim,
    answer: Option<(u16, &'q str, &'q str, Timestamp)>,
    committed: bool,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let (status, content_type, body, completed) = match answer {
        Some((s, ct, b, at)) => (Some(i64::from(s)), Some(ct), Some(b), Some(to_micros(at))),
        None => (None, None, None, None),
    };
    sqlx::query(
        "INSERT INTO idempotency_keys (principal, idem_key, method, path, request_hash, created_at, \
         status, content_type, response_body, completed_at, committed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (principal, idem_key) DO NOTHING",
    )
    .bind(principal)
    .bind(key)
    .bind(c.method.as_str())
    .bind(c.path.as_str())
    .bind(c.request_hash.as_str())
    .bind(to_micros(c.at))
    .bind(status)
    .bind(content_type)
    .bind(body)
    .bind(completed)
    .bind(i64::from(committed))
}

/// `fut` with the current request's key and answer record (the task-locals of [`scope`]), so that
/// it may run as another task — on [`crate::lane`] — and still store its answer with the key.
/// Outside an idempotent request, `fut` itself.
pub(crate) fn carry<F: std::future::Future>(
    fut: F,
) -> impl std::future::Future<Output = F::Output> {
    let current = CURRENT.try_with(|c| c.clone()).ok();
    let answer = ANSWER.try_with(std::sync::Arc::clone).ok();
    async move {
        match (current, answer) {
            (Some(current), Some(answer)) => {
                ANSWER.scope(answer, CURRENT.scope(current, fut)).await
            }
            _ => fut.await,
        }
    }
}

/// The current request's (principal, key), if it has one.
#[cfg(test)]
pub(crate) fn current_key() -> Option<(String, String)> {
    CURRENT.try_with(|c| c.clone()).ok()
}

/// After [`Db::commit`](crate::Db::commit) succeeded: the pending answer, if any, is now stored,
/// and a claim written in the transaction is made.
pub(crate) fn committed() {
    let _ = ANSWER.try_with(|r| {
        let pending = r.pending.lock().unwrap_or_else(|e| e.into_inner()).take();
        if pending.is_some() {
            *r.stored.lock().unwrap_or_else(|e| e.into_inner()) = pending;
        }
        if r.claim_in_tx
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            lock(&r.claim).take();
        }
    });
}

/// A new transaction starts: an answer stored by an earlier one that never committed is void.
/// (Two transactions open at once in one request at worst cost an extra `UPDATE`: the answer is
/// then written again by [`complete`].)
pub(crate) fn forget_pending() {
    let _ = ANSWER.try_with(|r| {
        r.pending.lock().unwrap_or_else(|e| e.into_inner()).take();
        r.claim_in_tx
            .store(false, std::sync::atomic::Ordering::SeqCst);
    });
}

/// Inside the committing transaction: mark the current request's key as having changed something.
/// Nothing to do when the use case stored its answer in this transaction: that `UPDATE` set
/// `committed` already (one statement less per answered request).
pub(crate) async fn mark_committed(tx: &mut crate::Tx) -> Result<()> {
    let Ok((principal, key)) = CURRENT.try_with(|c| c.clone()) else {
        return Ok(());
    };
    let answered = ANSWER
        .try_with(|r| {
            r.pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_some()
        })
        .unwrap_or(false);
    if answered {
        return Ok(());
    }
    if let Some(c) = claim_to_write() {
        return write_claim(tx, (principal, key), c, None).await;
    }
    if with_record(|r| r.claim_in_tx.load(std::sync::atomic::Ordering::SeqCst)) == Some(true) {
        // Claimed in this transaction: the row says `committed` already.
        return Ok(());
    }
    sqlx::query("UPDATE idempotency_keys SET committed = 1 WHERE principal = $1 AND idem_key = $2")
        .bind(principal)
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Inside the handler's transaction, before it commits: store the answer this request will give
/// (`status` and the JSON `body`, exactly as the handler serializes it), so that a retry replays it
/// even when the instance dies after the commit and before the answer reaches the client. Outside
/// an idempotent request this does nothing. The answer written by the middleware once the response
/// is produced overwrites this one with the same bytes.
pub async fn answer_in_tx(
    tx: &mut crate::Tx,
    status: u16,
    body: &str,
    now: Timestamp,
) -> Result<()> {
    answer_typed_in_tx(tx, status, "application/json", body, now).await
}

/// [`answer_in_tx`] for an answer of another content type, e.g. a refusal that the handler answers
/// as `application/problem+json` but that the use case records as a change (a refused door entry).
pub async fn answer_typed_in_tx(
    tx: &mut crate::Tx,
    status: u16,
    content_type: &str,
    body: &str,
    now: Timestamp,
) -> Result<()> {
    let Ok((principal, key)) = CURRENT.try_with(|c| c.clone()) else {
        return Ok(());
    };
    if let Some(c) = claim_to_write() {
        write_claim(
            tx,
            (principal, key),
            c,
            Some((status, content_type, body, now)),
        )
        .await?;
        let _ = ANSWER.try_with(|r| {
            *lock(&r.pending) = Some((status, content_type.to_string(), body.to_string()));
        });
        return Ok(());
    }
    sqlx::query(
        "UPDATE idempotency_keys SET status = $1, content_type = $2, response_body = $3, \
         completed_at = $4, committed = 1 WHERE principal = $5 AND idem_key = $6",
    )
    .bind(status as i64)
    .bind(content_type)
    .bind(body)
    .bind(to_micros(now))
    .bind(principal)
    .bind(key)
    .execute(&mut **tx)
    .await?;
    let _ = ANSWER.try_with(|r| {
        *r.pending.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((status, content_type.to_string(), body.to_string()));
    });
    Ok(())
}

/// [`answer_in_tx`] for a JSON answer: `value` serialized exactly as the handler's `Json(value)`
/// will serialize it (serde_json, compact). Outside an idempotent request nothing is serialized.
pub async fn answer_json_in_tx<T: serde::Serialize + ?Sized>(
    tx: &mut crate::Tx,
    status: u16,
    value: &T,
    now: Timestamp,
) -> Result<()> {
    if CURRENT.try_with(|_| ()).is_err() {
        return Ok(());
    }
    let body = serde_json::to_string(value)
        .map_err(|e| Error::internal(format!("serialize the idempotent answer: {e}")))?;
    answer_in_tx(tx, status, &body, now).await
}

/// Whether the current task runs a request with an `Idempotency-Key` (inside [`scope`]).
pub fn in_keyed_request() -> bool {
    CURRENT.try_with(|_| ()).is_ok()
}

pub enum Begin {
    /// First use: go ahead, then call [`complete`].
    Proceed,
    /// A stored answer to replay.
    Replay {
        status: u16,
        content_type: String,
        body: String,
    },
}

/// A stored key, as [`begin`] reads it when the key is already taken.
#[derive(sqlx::FromRow)]
struct KeyRow {
    method: String,
    path: String,
    request_hash: String,
    status: Option<i64>,
    content_type: Option<String>,
    response_body: Option<String>,
    created_at: i64,
    #[sqlx(try_from = "ggzy_core::sql::Flag")]
    committed: bool,
}

pub async fn begin(
    db: &Db,
    principal: &str,
    key: &str,
    method: &str,
    path: &str,
    request_hash: &str,
    now: Timestamp,
) -> Result<Begin> {
    // The claim is committed (visible to every instance at once) but nobody waits for it to be
    // durable: it only guards the request while it runs. Whatever the request then writes — its
    // change, its stored answer, or the key's release — is committed after it in the same log
    // (SQLite's write-ahead log, PostgreSQL's WAL), so the durable commit of that write makes
    // the claim durable too; a crash before it loses the claim together with a request that had
    // changed nothing, and the retry runs it as a first attempt — as it would after a crash with
    // a durable claim (a claim without answer or change is taken over). One synchronous log
    // flush less per keyed request (docs/benchmarks.md, "One auction"). On SQLite with group
    // commit the `COMMIT` does not sync; on PostgreSQL `synchronous_commit` is off for this
    // statement's own transaction only (`set_config(…, true)`).
    let sql = match db.engine() {
        crate::Engine::Postgres => {
            "WITH nosync AS (SELECT set_config('synchronous_commit', 'off', true)) \
             INSERT INTO idempotency_keys (principal, idem_key, method, path, request_hash, created_at) \
             SELECT $1, $2, $3, $4, $5, $6 FROM nosync ON CONFLICT (principal, idem_key) DO NOTHING"
        }
        crate::Engine::Sqlite => {
            "INSERT INTO idempotency_keys (principal, idem_key, method, path, request_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (principal, idem_key) DO NOTHING"
        }
    };
    let ins = sqlx::query(sql)
        .bind(principal)
        .bind(key)
        .bind(method)
        .bind(path)
        .bind(request_hash)
        .bind(to_micros(now))
        .execute(db.pool_for_write())
        .await?;
    if ins.rows_affected() == 1 {
        return Ok(Begin::Proceed);
    }
    resolve(db, principal, key, method, path, request_hash, now).await
}

/// What to answer for a request whose key is already taken: the stored answer ([`Begin::Replay`]),
/// `422 idempotency.key_reused` for another request, `409 idempotency.in_progress` while the first
/// attempt runs, `409 idempotency.answer_lost` when it committed without storing its answer, or
/// [`Begin::Proceed`] when it died a minute ago without changing anything (its claim is taken over).
pub async fn resolve(
    db: &Db,
    principal: &str,
    key: &str,
    method: &str,
    path: &str,
    request_hash: &str,
    now: Timestamp,
) -> Result<Begin> {
    let r: KeyRow = sqlx::query_as(
        "SELECT method, path, request_hash, status, content_type, response_body, created_at, committed FROM idempotency_keys \
         WHERE principal = $1 AND idem_key = $2",
    )
    .bind(principal)
    .bind(key)
    .fetch_one(db.pool_for_write())
    .await?;
    if r.method != method || r.path != path || r.request_hash != request_hash {
        return Err(Error::field(
            "Idempotency-Key",
            "idempotency.key_reused",
            "this Idempotency-Key was already used for a different request",
        ));
    }
    match r.status {
        Some(s) => Ok(Begin::Replay {
            status: s as u16,
            content_type: r.content_type.unwrap_or_else(|| "application/json".into()),
            body: r.response_body.unwrap_or_default(),
        }),
        None => {
            let created = r.created_at;
            if r.committed {
                // The first attempt committed its change but its answer was never stored.
                return Err(Error::conflict(
                    "idempotency.answer_lost",
                    "the first request with this Idempotency-Key was carried out, but its answer was \
                     lost when the server stopped; it is not repeated — read the resource to see the result",
                ));
            }
            // A first attempt that died without an answer and without a change (crashed instance)
            // may be retried after a minute.
            if to_micros(now) - created > 60_000_000 {
                sqlx::query("UPDATE idempotency_keys SET created_at = $1 WHERE principal = $2 AND idem_key = $3 AND status IS NULL AND created_at = $4")
                    .bind(to_micros(now)).bind(principal).bind(key).bind(created)
                    .execute_write(db).await?;
                Ok(Begin::Proceed)
            } else {
                Err(Error::conflict(
                    "idempotency.in_progress",
                    "a request with this Idempotency-Key is still being processed; retry shortly",
                ))
            }
        }
    }
}

pub async fn complete(
    db: &Db,
    principal: &str,
    key: &str,
    status: u16,
    content_type: &str,
    body: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET status = $1, content_type = $2, response_body = $3, completed_at = $4 \
         WHERE principal = $5 AND idem_key = $6",
    )
    .bind(status as i64)
    .bind(content_type)
    .bind(body)
    .bind(to_micros(now))
    .bind(principal)
    .bind(key)
    .execute_write(db)
    .await?;
    Ok(())
}

/// Store the answer of a request run by [`scope_claiming`] that committed nothing
/// ([`Claimed::No`]): the key is claimed and answered at once. `None` when stored; when another
/// attempt took the key meanwhile, what [`resolve`] says to answer instead.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    db: &Db,
    principal: &str,
    key: &str,
    claim: &Claim,
    status: u16,
    content_type: &str,
    body: &str,
    now: Timestamp,
) -> Result<Option<Begin>> {
    let ins = insert_key(
        principal,
        key,
        claim,
        Some((status, content_type, body, now)),
        false,
    )
    .execute_write(db)
    .await?;
    if ins.rows_affected() == 1 {
        return Ok(None);
    }
    resolve(
        db,
        principal,
        key,
        &claim.method,
        &claim.path,
        &claim.request_hash,
        now,
    )
    .await
    .map(Some)
}

/// Forget a key whose first attempt failed before any change (so a retry can run).
pub async fn abandon(db: &Db, principal: &str, key: &str) -> Result<()> {
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE principal = $1 AND idem_key = $2 AND status IS NULL \
         AND committed = 0",
    )
    .bind(principal)
    .bind(key)
    .execute_write(db)
    .await?;
    Ok(())
}
