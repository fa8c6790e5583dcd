//! Storage shared by every area: one database URL, two engines.
//!
//! `sqlite://…` (the zero-set-up default) and `postgres://…` are both driven through sqlx's `Any`
//! driver with one portable SQL dialect (`$1` placeholders, application ids, `ON CONFLICT`,
//! conditional updates checked by rows affected). The few engine-specific fragments (row locks,
//! NOTIFY) are produced by [`Db`] methods so that each lives in one place.
//!
//! SQLite allows one writer at a time; write transactions therefore go through a one-connection
//! pool, so concurrent requests queue instead of failing with "database is locked"; their
//! commits share the sync of the write-ahead log ([`group`]).

pub mod calendar;
pub mod consumer;
pub mod copies;
pub mod cron;
pub mod ctx;
pub mod disclosure;
pub mod fault;
pub mod files;
pub mod filter;
pub mod group;
pub mod idempotency;
pub mod lane;
pub mod merkle;
pub mod migrate;
pub mod note;
pub mod outbox;
pub mod timers;
pub mod tlog;
pub mod unique;
pub mod uow;
pub mod workers;

pub use ctx::Ctx;
pub use fault::SqliteFault;
pub use group::GroupStats;
pub use outbox::{emit, emit_when_changed};

use ggzy_core::{Error, Result};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;
pub type Row = sqlx::any::AnyRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// How many sealed events an instance remembers for [`Db::sealed_after`].
const SEALED_TAIL: usize = 4096;

/// The PostgreSQL connections of an instance's lane ([`lane`]), besides `max_connections`.
const LANE_CONNECTIONS: u32 = 4;

/// A PostgreSQL connection idle at least this long is pinged before it is handed out again.
const PING_IDLE_AFTER: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    read: AnyPool,
    write: AnyPool,
    /// PostgreSQL: the connections of the tasks on the lane ([`lane`]), opened from the lane so
    /// that the lane's own runtime drives their sockets ([`Db::pool`]). `None` on SQLite.
    lane: Option<AnyPool>,
    url: String,
    /// Woken when events were written (the sealer waits on it).
    pub written: Notify,
    /// Woken when events were sealed (consumers wait on it).
    pub sealed: Notify,
    /// The sequence numbers and types of the events this instance sealed last ([`Db::sealed_after`]).
    sealed_tail: std::sync::Mutex<std::collections::VecDeque<(i64, Arc<str>)>>,
    /// The live holiday calendar of this database: the compiled-in years overlaid with the
    /// schedules stored in `calendar_schedules` ([`calendar::refresh`]). Consumers and jobs reach it
    /// through the `Db` they are given; `Ctx::calendar` is the same handle.
    calendar: ggzy_core::calendar::BusinessCalendar,
    /// A storage fault injected on SQLite ([`fault`]), applied to every new writer connection.
    fault: fault::FaultState,
    /// SQLite's group commit ([`group`]); off on PostgreSQL.
    wal_sync: Arc<group::WalSync>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("engine", &self.inner.engine)
            .field("url", &redact(&self.inner.url))
            .finish()
    }
}

/// Hide the password of a database URL for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// SQLite: each connection's page cache, KiB (`PRAGMA cache_size = -N`; SQLite's own default
    /// is 2,000 KiB). With 8 readers (the server's SQLite default) and the writer that is up to
    /// 18 MiB of resident memory.
    pub sqlite_cache_kib: u32,
    /// SQLite: the process-wide soft limit of SQLite's heap, MiB (`PRAGMA soft_heap_limit`; 0:
    /// none). Above it SQLite recycles page-cache memory before it allocates more.
    pub sqlite_heap_limit_mib: u32,
    /// SQLite: commits share the sync of the write-ahead log ([`group`]; `false`: each commit
    /// syncs it itself, `synchronous = FULL`).
    pub sqlite_group_commit: bool,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
            sqlite_cache_kib: 2000,
            sqlite_heap_limit_mib: 0,
            sqlite_group_commit: true,
        }
    }
}

impl Db {
    pub async fn connect(url: &str, opts: &DbOptions) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else {
            return Err(Error::bad_request(format!(
                "unsupported database URL '{}': use sqlite://PATH or postgres://…",
                redact(url)
            )));
        };
        let fault_state = fault::FaultState::default();
        let mut wal_sync = group::WalSync::default();
        let mut lane = None;
        let (read, write) = match engine {
            Engine::Sqlite => {
                let path = url
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                let path = path.split('?').next().unwrap_or(path);
                if opts.sqlite_group_commit && path != ":memory:" && !path.is_empty() {
                    wal_sync = group::WalSync::for_database(path);
                }
                if let Some(parent) = std::path::Path::new(path).parent() {
                    if !parent.as_os_str().is_empty() && path != ":memory:" {
                        std::fs::create_dir_all(parent).map_err(|e| {
                            Error::Unavailable(format!("cannot create {}: {e}", parent.display()))
                        })?;
                    }
                }
                let full = if url.contains('?') {
                    url.to_string()
                } else {
                    format!("{url}?mode=rwc")
                };
                let co = AnyConnectOptions::from_str(&full)
                    .map_err(|e| Error::bad_request(e.to_string()))?;
                let writer_fault = fault_state.clone();
                let memory = SqliteMemory {
                    cache_kib: opts.sqlite_cache_kib,
                    heap_limit_mib: opts.sqlite_heap_limit_mib,
                };
                let synchronous = wal_sync.synchronous();
                // No ping before each acquire (sqlx's default): an embedded connection has no
                // far end to lose, and the ping was one more round trip to the connection's
                // thread for every statement run on the pool (docs/benchmarks.md, "One auction").
                let write = AnyPoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(60))
                    .after_connect(move |conn, _meta| {
                        let writer_fault = writer_fault.clone();
                        Box::pin(async move {
                            sqlite_setup(conn, memory, synchronous).await?;
                            fault::apply_on_connect(conn, &writer_fault).await
                        })
                    })
                    .after_release(sqlite_writer_released)
                    .connect_with(co.clone())
                    .await?;
                let read = AnyPoolOptions::new()
                    .max_connections(opts.max_connections.max(2))
                    .test_before_acquire(false)
                    .acquire_timeout(opts.acquire_timeout)
                    .after_connect(move |conn, _meta| Box::pin(sqlite_setup(conn, memory, "FULL")))
                    .connect_with(co)
                    .await?;
                (read, write)
            }
            Engine::Postgres => {
                let co = AnyConnectOptions::from_str(url)
                    .map_err(|e| Error::bad_request(e.to_string()))?;
                let options = |max: u32| {
                    AnyPoolOptions::new()
                        .max_connections(max)
                        .acquire_timeout(opts.acquire_timeout)
                        // sqlx pings a connection on every acquire by default: one more network round
                        // trip for each statement run on the pool, and as many wake-ups of a server
                        // process. Only a connection idle for a while may have been dropped by the
                        // server or the network in between: that one is pinged (and replaced if the
                        // ping fails) before it is handed out.
                        .test_before_acquire(false)
                        .before_acquire(|conn, meta| {
                            Box::pin(async move {
                                if meta.idle_for >= PING_IDLE_AFTER {
                                    sqlx::Connection::ping(conn).await?;
                                }
                                Ok(true)
                            })
                        })
                };
                let pool = options(opts.max_connections)
                    .connect_with(co.clone())
                    .await?;
                // Opened on first use, from the lane: a socket is driven by the runtime that
                // opened it, and the server's runtime may be busy with a thousand streams.
                lane = Some(options(LANE_CONNECTIONS).connect_lazy_with(co));
                (pool.clone(), pool)
            }
        };
        Ok(Db {
            inner: Arc::new(Inner {
                engine,
                read,
                write,
                lane,
                url: url.to_string(),
                written: Notify::new(),
                sealed: Notify::new(),
                sealed_tail: Default::default(),
                calendar: ggzy_core::calendar::BusinessCalendar::official(),
                fault: fault_state,
                wal_sync: Arc::new(wal_sync),
            }),
        })
    }

    /// The live holiday calendar (see [`calendar`]).
    pub fn calendar(&self) -> &ggzy_core::calendar::BusinessCalendar {
        &self.inner.calendar
    }

    pub fn engine(&self) -> Engine {
        self.inner.engine
    }

    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// Pool for reads outside a write transaction.
    pub fn pool(&self) -> &AnyPool {
        self.on_lane().unwrap_or(&self.inner.read)
    }

    /// PostgreSQL, called from the lane ([`lane`]): the lane's own pool.
    fn on_lane(&self) -> Option<&AnyPool> {
        self.inner.lane.as_ref().filter(|_| lane::on_lane())
    }

    /// Begin a write transaction. Never call this while holding another write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        // An answer stored in an earlier transaction of this request that did not commit
        // (rolled back) must not stand for this one ([`idempotency::mark_committed`]).
        idempotency::forget_pending();
        Ok(self.on_lane().unwrap_or(&self.inner.write).begin().await?)
    }

    /// Commit and wake the event sealer of this instance. Returns once the change is durable (on
    /// SQLite with group commit: once the write-ahead log is synced past it, [`group`]).
    pub async fn commit(&self, mut tx: Tx) -> Result<()> {
        idempotency::mark_committed(&mut tx).await?;
        self.commit_plain(tx).await?;
        idempotency::committed();
        self.inner.written.notify_one();
        Ok(())
    }

    /// Commit without marking the current request's `Idempotency-Key` and without waking the
    /// sealer: the store's own bookkeeping (the key's claim, sealing, timer leases). Durable when it
    /// returns, as [`Db::commit`].
    pub async fn commit_plain(&self, tx: Tx) -> Result<()> {
        tx.commit().await?;
        self.inner.wal_sync.after_commit().await
    }

    /// One statement written on its own (outside a use case's transaction), durable when this
    /// returns (on SQLite with group commit: once the write-ahead log is synced past it).
    pub async fn execute_write<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<sqlx::any::AnyQueryResult> {
        let done = query.execute(self.pool_for_write()).await?;
        self.inner.wal_sync.after_commit().await?;
        Ok(done)
    }

    /// SQLite's group commit figures since this database was opened (zero on PostgreSQL, or
    /// with group commit off).
    pub fn group_stats(&self) -> GroupStats {
        self.inner.wal_sync.stats()
    }

    /// Commit a use case's transaction together with the answer its handler gives: `value`
    /// (answered as JSON with `status`) is stored for the current request's `Idempotency-Key` in
    /// the same transaction ([`idempotency::answer_json_in_tx`]), so a retry after the instance
    /// died between this commit and the answer replays it instead of `409
    /// idempotency.answer_lost`. Without a key this is [`Db::commit`].
    pub async fn commit_answering<T: serde::Serialize + ?Sized>(
        &self,
        mut tx: Tx,
        status: u16,
        value: &T,
        now: ggzy_core::Timestamp,
    ) -> Result<()> {
        idempotency::answer_json_in_tx(&mut tx, status, value, now).await?;
        self.commit(tx).await
    }

    /// ` FOR UPDATE` on PostgreSQL; empty on SQLite, where the single writer already excludes others.
    pub fn for_update(&self) -> &'static str {
        match self.inner.engine {
            Engine::Postgres => " FOR UPDATE",
            Engine::Sqlite => "",
        }
    }

    /// ` FOR SHARE` on PostgreSQL (others may share the row, nobody may change it until commit);
    /// empty on SQLite, where the single writer already excludes others.
    pub fn for_share(&self) -> &'static str {
        match self.inner.engine {
            Engine::Postgres => " FOR SHARE",
            Engine::Sqlite => "",
        }
    }

    /// ` FOR UPDATE SKIP LOCKED` on PostgreSQL; empty on SQLite.
    pub fn skip_locked(&self) -> &'static str {
        match self.inner.engine {
            Engine::Postgres => " FOR UPDATE SKIP LOCKED",
            Engine::Sqlite => "",
        }
    }

    pub(crate) fn fault_state(&self) -> &fault::FaultState {
        &self.inner.fault
    }

    pub(crate) fn inner_write(&self) -> &AnyPool {
        &self.inner.write
    }

    /// The writer pool: for reads that must see the latest commit. A single write outside a
    /// transaction goes through [`Db::execute_write`] instead, which waits until it is durable (on
    /// SQLite with group commit a statement sent here directly is committed but not synced yet).
    pub fn pool_for_write(&self) -> &AnyPool {
        self.on_lane().unwrap_or(&self.inner.write)
    }

    pub fn written(&self) -> &Notify {
        &self.inner.written
    }

    pub fn sealed(&self) -> &Notify {
        &self.inner.sealed
    }

    /// Remember what this instance just sealed (after its commit), for [`Db::sealed_after`].
    pub(crate) fn note_sealed<'a>(&self, sealed: impl IntoIterator<Item = (i64, &'a str)>) {
        let mut tail = self
            .inner
            .sealed_tail
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        tail.extend(sealed.into_iter().map(|(seq, t)| (seq, Arc::from(t))));
        let excess = tail.len().saturating_sub(SEALED_TAIL);
        tail.drain(..excess);
    }

    /// The sequence numbers and types of the sealed events after `from`, at most `limit`, if this
    /// instance sealed every one of them after `from` that it knows of, without a gap (another
    /// instance's seals, a restart: `None`, read the log). Lets the two dozen consumers of an
    /// instance skip reading the log for events they do not want (`consumer::run_once_lazy`).
    pub(crate) fn sealed_after(&self, from: i64, limit: usize) -> Option<Vec<(i64, Arc<str>)>> {
        let tail = self
            .inner
            .sealed_tail
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let start = tail.partition_point(|(seq, _)| *seq <= from);
        let after = tail.range(start..);
        let n = after.len();
        if n == 0 {
            return None;
        }
        let contiguous = after
            .clone()
            .enumerate()
            .all(|(k, (seq, _))| *seq == from + 1 + k as i64);
        contiguous.then(|| {
            after
                .take(limit)
                .map(|(seq, t)| (*seq, Arc::clone(t)))
                .collect()
        })
    }

    /// Database reachable and all migrations applied.
    pub async fn ready(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        migrate::check_applied(self).await
    }

    pub async fn close(&self) {
        self.inner.read.close().await;
        self.inner.write.close().await;
        if let Some(lane) = &self.inner.lane {
            lane.close().await;
        }
    }
}

/// [`Db::execute_write`] at the end of a query chain: `sqlx::query(…).bind(…).execute_write(db)`.
pub trait ExecuteWrite<'q> {
    /// The statement written on its own, durable when the future resolves.
    fn execute_write<'a>(
        self,
        db: &'a Db,
    ) -> impl std::future::Future<Output = Result<sqlx::any::AnyQueryResult>> + Send + 'a
    where
        'q: 'a;
}

impl<'q> ExecuteWrite<'q> for sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    fn execute_write<'a>(
        self,
        db: &'a Db,
    ) -> impl std::future::Future<Output = Result<sqlx::any::AnyQueryResult>> + Send + 'a
    where
        'q: 'a,
    {
        db.execute_write(self)
    }
}

/// The memory settings of every SQLite connection ([`DbOptions`]).
#[derive(Debug, Clone, Copy)]
struct SqliteMemory {
    cache_kib: u32,
    heap_limit_mib: u32,
}

async fn sqlite_setup(
    conn: &mut sqlx::AnyConnection,
    memory: SqliteMemory,
    synchronous: &'static str,
) -> std::result::Result<(), sqlx::Error> {
    // WAL lets readers run beside the writer; busy_timeout covers checkpoints and other
    // processes; foreign keys are off by default in SQLite; FULL sync so that an acknowledged
    // write survives a power loss — or, on the writer with group commit, NORMAL and one shared
    // sync of the WAL before any commit is acknowledged ([`group`]).
    conn.execute("PRAGMA journal_mode = WAL").await?;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    conn.execute("PRAGMA busy_timeout = 10000").await?;
    conn.execute(format!("PRAGMA synchronous = {synchronous}").as_str())
        .await?;
    // Memory (issue 23): the page cache per connection, and SQLite's heap for the process.
    conn.execute(format!("PRAGMA cache_size = -{}", memory.cache_kib.max(64)).as_str())
        .await?;
    if memory.heap_limit_mib > 0 {
        let bytes = u64::from(memory.heap_limit_mib) * 1024 * 1024;
        conn.execute(format!("PRAGMA soft_heap_limit = {bytes}").as_str())
            .await?;
    }
    Ok(())
}

/// Keep the SQLite writer connection only if it is out of any transaction once released.
///
/// When a statement fails with SQLITE_FULL (or IOERR, NOMEM) SQLite may roll the whole transaction
/// back by itself; sqlx's own `ROLLBACK` then fails and sqlx-sqlite 0.8 keeps counting the
/// transaction as open, so every later `begin()` became a savepoint of a transaction that never
/// commits (docs/faults.md, bug 2). Such a connection is closed here and the pool opens a fresh
/// one. The rollback of a dropped `Tx` is queued on the connection's worker, hence the ping (one
/// round trip, only on that error path) before looking again.
fn sqlite_writer_released(
    conn: &mut sqlx::AnyConnection,
    _meta: sqlx::pool::PoolConnectionMetadata,
) -> futures::future::BoxFuture<'_, std::result::Result<bool, sqlx::Error>> {
    use sqlx::Connection;
    Box::pin(async move {
        if !conn.is_in_transaction() {
            return Ok(true);
        }
        conn.ping().await?;
        if conn.is_in_transaction() {
            tracing::warn!("SQLite writer left inside a failed transaction: reconnecting");
            return Ok(false);
        }
        Ok(true)
    })
}

/// Rows-affected check for conditional updates: `0` means the precondition no longer held.
pub fn expect_one(affected: u64, rule: &str, detail: &str) -> Result<()> {
    if affected == 1 {
        Ok(())
    } else {
        Err(Error::conflict(rule, detail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_a_database_url_is_never_shown() {
        assert_eq!(
            redact("postgres://ggzy:s3cret@db:5432/ggzy"),
            "postgres://ggzy:***@db:5432/ggzy"
        );
        assert_eq!(redact("postgres://ggzy@db/ggzy"), "postgres://ggzy@db/ggzy");
        assert_eq!(redact("sqlite://data/ggzy.db"), "sqlite://data/ggzy.db");
    }

    #[test]
    fn each_engine_gets_the_portable_migrations_in_order() {
        for engine in [Engine::Sqlite, Engine::Postgres] {
            let m = migrate::migrations_for(engine);
            assert!(!m.is_empty());
            assert_eq!(m[0].version, 1);
            assert!(
                m.windows(2).all(|w| w[0].version < w[1].version),
                "unique, ordered versions"
            );
        }
    }

    #[tokio::test]
    async fn an_unknown_url_scheme_is_refused() {
        let e = Db::connect("mysql://x@y/z", &DbOptions::default())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("unsupported database URL"));
    }
}
