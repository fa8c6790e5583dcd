//! The store against real databases, on both engines: SQLite always (a fresh file in a temporary
//! directory per test), and PostgreSQL as well when `GGZY_TEST_DATABASE_URL` is set (a fresh
//! database per test, created through that URL and dropped afterwards).
//!
//! Every test runs its body once per engine; a failure names the engine it happened on.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed run.

use chrono::{TimeZone, Utc};
use futures::FutureExt;
use ggzy_core::events::{ActorRef, Event, NewEvent, GENESIS_HASH};
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{Clock, Error, Timestamp};
use ggzy_store::consumer::{self, Consumer};
use ggzy_store::cron::{self, CronJob};
use ggzy_store::idempotency::{self, Begin};
use ggzy_store::timers::{self, Timer, TimerHandler, TimerRegistry, TimerRunner};
use ggzy_store::{emit, migrate, outbox, Db, DbOptions, Engine, SqliteFault, Tx};
use serde_json::json;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Row};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

// ------------------------------------------------------------------------------------------------
// Harness: one fresh database per engine
// ------------------------------------------------------------------------------------------------

const PG_URL_VAR: &str = "GGZY_TEST_DATABASE_URL";

/// A fresh, private database for one test. Dereferences to its [`Db`].
struct TestDb {
    db: Db,
    engine: &'static str,
    keep: KeepAlive,
}

/// What must outlive a test's use of its database: the SQLite temporary directory, and the guard
/// that drops the PostgreSQL database (even on panic). [`each_engine`] holds it outside the test's
/// future, so that it cannot go early when a test body only captures `t.db`.
#[derive(Default)]
struct KeepAlive {
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgDropGuard>,
}

impl std::ops::Deref for TestDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

/// Drops a per-test PostgreSQL database, best effort.
struct PgDropGuard {
    admin_url: String,
    name: String,
}

impl Drop for PgDropGuard {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // `Drop` cannot await and may run while unwinding inside the test's runtime: use a thread
        // with a runtime of its own. FORCE ends the connections the test's pools still hold.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut c) = PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                    let _ = c.close().await;
                }
            });
        })
        .join();
    }
}

/// `url` with its database name replaced by `name` (query string kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let host_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[host_start..]
        .find('/')
        .map(|i| host_start + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..host_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn pg_admin_url() -> Option<String> {
    std::env::var(PG_URL_VAR)
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// Fresh, migrated databases: SQLite always, plus PostgreSQL when `GGZY_TEST_DATABASE_URL` is set.
async fn fresh_dbs() -> Vec<TestDb> {
    fresh_dbs_with(true).await
}

async fn fresh_dbs_with(migrated: bool) -> Vec<TestDb> {
    let mut out = Vec::new();

    let dir = tempfile::tempdir().expect("create temporary directory");
    let url = format!("sqlite://{}", dir.path().join("ggzy.db").display());
    let db = Db::connect(&url, &DbOptions::default())
        .await
        .expect("connect to SQLite");
    if migrated {
        migrate::run(&db).await.expect("migrate SQLite");
    }
    out.push(TestDb {
        db,
        engine: "sqlite",
        keep: KeepAlive {
            _dir: Some(dir),
            _pg: None,
        },
    });

    if let Some(admin_url) = pg_admin_url() {
        let name = format!("ggzy_t_{}", ggzy_core::ids::random_hex(8));
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("connect to {PG_URL_VAR}: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let _ = admin.close().await;
        let guard = PgDropGuard {
            admin_url: admin_url.clone(),
            name: name.clone(),
        };
        let db = Db::connect(&with_database(&admin_url, &name), &DbOptions::default())
            .await
            .expect("connect to the fresh PostgreSQL database");
        if migrated {
            migrate::run(&db).await.expect("migrate PostgreSQL");
        }
        out.push(TestDb {
            db,
            engine: "postgres",
            keep: KeepAlive {
                _dir: None,
                _pg: Some(guard),
            },
        });
    }
    out
}

/// Run `test` on a fresh migrated database of every configured engine.
async fn each_engine<F, Fut>(test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    each_engine_with(true, test).await
}

async fn each_engine_with<F, Fut>(migrated: bool, test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    let dbs = if migrated {
        fresh_dbs().await
    } else {
        fresh_dbs_with(false).await
    };
    for mut t in dbs {
        let engine = t.engine;
        let _keep = std::mem::take(&mut t.keep);
        if let Err(panic) = AssertUnwindSafe(test(t)).catch_unwind().await {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(non-text panic)".into());
            panic!("[engine: {engine}] {msg}");
        }
    }
}

/// Another "instance" on the same database: on PostgreSQL a second, independent `Db` (its own
/// pool), as a second server process would have; on SQLite the same `Db`, since one process owns
/// the file (its single write connection is what serializes writers).
async fn second_instance(t: &TestDb) -> Db {
    match t.engine() {
        Engine::Postgres => Db::connect(t.url(), &DbOptions::default())
            .await
            .expect("connect second instance"),
        Engine::Sqlite => t.db.clone(),
    }
}

// ------------------------------------------------------------------------------------------------
// Small helpers
// ------------------------------------------------------------------------------------------------

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

fn secs(s: i64) -> chrono::Duration {
    chrono::Duration::seconds(s)
}

fn actor() -> ActorRef {
    ActorRef::system("test")
}

/// Emit one event in a transaction of its own and commit it.
/// Change the event log behind the application's back with `sql` (binding `binds`); what
/// `verify_chain` reports then.
async fn tampered(db: &Db, sql: &str, binds: &[&str]) -> outbox::ChainReport {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(db.pool_for_write()).await.unwrap();
    outbox::verify_chain(db).await.unwrap()
}

/// The chain report names a problem containing `word`.
#[track_caller]
fn assert_problem(r: &outbox::ChainReport, word: &str) {
    assert!(
        r.problem.as_deref().unwrap_or_default().contains(word),
        "{r:?}"
    );
}

/// `n` events `test.thing.happened` about `thing-0`…, one second apart from [`t0`].
async fn emit_things(db: &Db, n: i64) {
    let clock = Clock::manual(t0());
    for i in 0..n {
        emit_one(
            db,
            clock.now(),
            "test.thing.happened",
            &format!("thing-{i}"),
            json!({"i": i}),
        )
        .await;
        clock.advance(secs(1));
    }
}

async fn emit_one(
    db: &Db,
    at: Timestamp,
    event_type: &str,
    aggregate_id: &str,
    payload: serde_json::Value,
) -> String {
    let mut tx = db.begin().await.unwrap();
    let id = emit(
        &mut tx,
        db,
        &actor(),
        at,
        NewEvent::new(event_type, "test", aggregate_id, payload),
    )
    .await
    .unwrap();
    db.commit(tx).await.unwrap();
    id
}

async fn feed(db: &Db, after: i64) -> Vec<Event> {
    outbox::read_after(db.pool(), after, 10_000).await.unwrap()
}

/// A single BIGINT from a query with one `$1` text parameter.
async fn scalar(db: &Db, sql: &str, arg: &str) -> i64 {
    sqlx::query(sql)
        .bind(arg)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// A single BIGINT from a query without parameters.
async fn scalar0(db: &Db, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// How many events (sealed or not) have this type.
async fn count_events(db: &Db, event_type: &str) -> i64 {
    scalar(
        db,
        "SELECT COUNT(*) FROM events WHERE event_type = $1",
        event_type,
    )
    .await
}

async fn timer_status(db: &Db, key: &str) -> String {
    sqlx::query("SELECT status FROM timers WHERE dedupe_key = $1")
        .bind(key)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

// ------------------------------------------------------------------------------------------------
// 1. The event log and its hash chain
// ------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_sealed_into_a_verifiable_chain() {
    each_engine(|t| async move {
        let db = &t.db;
        let clock = Clock::manual(t0());
        let mut ids = Vec::new();
        let mut times = Vec::new();
        for i in 0..4 {
            let payload =
                json!({"i": i, "note": "张三 \"quoted\"", "amount_fen": 123_456_789_012i64});
            times.push(clock.now());
            ids.push(
                emit_one(
                    db,
                    times[i],
                    "test.thing.happened",
                    &format!("thing-{i}"),
                    payload,
                )
                .await,
            );
            clock.advance(secs(1));
        }
        // Two events in one transaction, by a user of an organization.
        let mut tx = db.begin().await.unwrap();
        for i in 4..6 {
            let ev = NewEvent::new(
                "test.thing.changed",
                "thing",
                format!("thing-{i}"),
                json!({"i": i}),
            );
            ids.push(
                emit(
                    &mut tx,
                    db,
                    &ActorRef::user("u1", Some("org-1")),
                    clock.now(),
                    ev,
                )
                .await
                .unwrap(),
            );
            clock.advance(chrono::Duration::milliseconds(1));
        }
        db.commit(tx).await.unwrap();

        assert!(
            feed(db, 0).await.is_empty(),
            "unsealed events must not appear in the feed"
        );
        assert_eq!(
            outbox::seal_all(db).await.unwrap(),
            6,
            "all committed events are sealed"
        );
        assert_eq!(
            outbox::seal_all(db).await.unwrap(),
            0,
            "sealing again finds nothing"
        );

        let evs = feed(db, 0).await;
        assert_eq!(
            evs.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (1..=6).collect::<Vec<i64>>()
        );
        assert_eq!(
            evs.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
            ids,
            "sealed in commit order"
        );
        assert_eq!(evs[0].prev_hash, GENESIS_HASH);
        for w in evs.windows(2) {
            assert_eq!(
                w[1].prev_hash, w[0].hash,
                "seq {} links to seq {}",
                w[1].seq, w[0].seq
            );
        }
        assert_eq!(
            evs[0].payload["note"],
            json!("张三 \"quoted\""),
            "payload round-trips"
        );
        assert_eq!(evs[0].payload["amount_fen"], json!(123_456_789_012i64));
        assert_eq!(evs[0].occurred_at, times[0], "occurred_at round-trips");
        assert_eq!(evs[4].actor, "user:u1");
        assert_eq!(evs[4].actor_org.as_deref(), Some("org-1"));
        assert_eq!(evs[0].actor_org, None);

        let r = outbox::verify_chain(db).await.unwrap();
        assert_eq!(r.broken_at, None, "intact chain reported broken: {r:?}");
        assert_eq!(r.checked, 6);
        assert_eq!(r.head_seq, 6);
        assert_eq!(r.head_hash, evs[5].hash);

        // Tamper with one payload behind the application's back.
        let payload = json!({"i": 999}).to_string();
        let r = tampered(
            db,
            "UPDATE events SET payload = $1 WHERE seq = 2",
            &[&payload],
        )
        .await;
        assert_eq!(r.broken_at, Some(2), "tampered payload not detected: {r:?}");
        assert_eq!(r.checked, 1, "{r:?}");
        assert_problem(&r, "altered");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_last_event_is_detected() {
    each_engine(|t| async move {
        let db = &t.db;
        emit_things(db, 3).await;
        assert_eq!(outbox::seal_all(db).await.unwrap(), 3);
        assert_eq!(outbox::verify_chain(db).await.unwrap().broken_at, None);

        let r = tampered(db, "DELETE FROM events WHERE seq = 3", &[]).await;
        assert_eq!(
            r.broken_at,
            Some(3),
            "removal of the last event not detected: {r:?}"
        );
        assert_eq!(r.checked, 2, "{r:?}");
        assert_eq!(r.head_seq, 3, "{r:?}");
        assert_problem(&r, "head");
    })
    .await;
}

/// Regression (a supervisor's check during the day reported "chain head does not match" on
/// PostgreSQL): events sealed while the walk runs are outside the check, never a broken chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_while_the_sealer_seals_reports_an_intact_chain() {
    each_engine(|t| async move {
        let db = t.db.clone();
        emit_things(&db, 3).await;
        outbox::seal_all(&db).await.unwrap();
        let writer = {
            let db = db.clone();
            tokio::spawn(async move {
                let clock = Clock::manual(t0());
                for i in 0..150 {
                    emit_one(
                        &db,
                        clock.now(),
                        "test.busy",
                        &format!("b-{i}"),
                        json!({"i": i}),
                    )
                    .await;
                    outbox::seal_all(&db).await.unwrap();
                }
            })
        };
        let mut checks = 0;
        while !writer.is_finished() {
            let r = outbox::verify_chain(&db).await.unwrap();
            assert_eq!(r.broken_at, None, "check #{checks} during sealing: {r:?}");
            checks += 1;
        }
        writer.await.unwrap();
        let r = outbox::verify_chain(&db).await.unwrap();
        assert_eq!((r.broken_at, r.checked), (None, 153), "{r:?}");
        assert!(checks > 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_event_in_the_middle_is_detected() {
    each_engine(|t| async move {
        let db = &t.db;
        emit_things(db, 4).await;
        outbox::seal_all(db).await.unwrap();
        let r = tampered(db, "DELETE FROM events WHERE seq = 2", &[]).await;
        assert_eq!(r.broken_at, Some(3), "gap not detected: {r:?}");
        assert_eq!(r.checked, 1, "{r:?}");
        assert_problem(&r, "gap");
    })
    .await;
}

// ------------------------------------------------------------------------------------------------
// 2. Trap 1: sequence order must be commit-visibility order
// ------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_committing_transaction_is_not_missed_by_a_feed_reader() {
    each_engine(|t| async move {
        let db = &t.db;
        let clock = Clock::manual(t0());
        let a_at = clock.now(); // "a" happens first ...
        clock.advance(secs(1));
        let b_at = clock.now(); // ... "b" second, but "b" commits first.

        let (a_id, b_id, cursor_after_b) = match db.engine() {
            Engine::Postgres => {
                // The real interleaving: A is open while B commits.
                let mut tx_a = db.begin().await.unwrap();
                let a_id = emit(
                    &mut tx_a,
                    db,
                    &actor(),
                    a_at,
                    NewEvent::new("test.a", "test", "a", json!({})),
                )
                .await
                .unwrap();
                let b_id = emit_one(db, b_at, "test.b", "b", json!({})).await;
                assert_eq!(
                    outbox::seal_all(db).await.unwrap(),
                    1,
                    "only the committed event is sealed"
                );
                let seen = feed(db, 0).await;
                assert_eq!(seen.len(), 1, "reader sees only b: {seen:?}");
                assert_eq!((seen[0].id.as_str(), seen[0].seq), (b_id.as_str(), 1));
                let cursor = seen[0].seq;
                db.commit(tx_a).await.unwrap();
                (a_id, b_id, cursor)
            }
            Engine::Sqlite => {
                // The write pool has ONE connection, so a second `db.begin()` would wait for A:
                // the interleaving cannot happen in one process. Simulate its outcome instead:
                // "a" carries the earlier occurred_at but commits after "b" was sealed and read.
                let b_id = emit_one(db, b_at, "test.b", "b", json!({})).await;
                assert_eq!(outbox::seal_all(db).await.unwrap(), 1);
                let seen = feed(db, 0).await;
                assert_eq!(seen.len(), 1, "{seen:?}");
                assert_eq!((seen[0].id.as_str(), seen[0].seq), (b_id.as_str(), 1));
                let a_id = emit_one(db, a_at, "test.a", "a", json!({})).await;
                (a_id, b_id, seen[0].seq)
            }
        };

        assert_eq!(
            outbox::seal_all(db).await.unwrap(),
            1,
            "the late commit is sealed"
        );
        let next = feed(db, cursor_after_b).await;
        assert_eq!(
            next.len(),
            1,
            "the reader at cursor {cursor_after_b} must see the late event: {next:?}"
        );
        assert_eq!((next[0].id.as_str(), next[0].seq), (a_id.as_str(), 2));

        // Whole feed: commit-visibility order (b, a), not occurred_at order (a, b).
        let all = feed(db, 0).await;
        assert_eq!(
            all.iter()
                .map(|e| (e.id.clone(), e.seq))
                .collect::<Vec<_>>(),
            vec![(b_id, 1), (a_id, 2)]
        );
        assert!(all[1].occurred_at < all[0].occurred_at);
        let r = outbox::verify_chain(db).await.unwrap();
        assert_eq!((r.broken_at, r.checked), (None, 2), "{r:?}");
    })
    .await;
}

// ------------------------------------------------------------------------------------------------
// 3. Trap 2: writers never wait for the chain head
// ------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_do_not_wait_for_the_chain_head() {
    each_engine(|t| async move {
        let db = &t.db;
        let clock = Clock::manual(t0());
        // On both engines: emitting and committing leaves the head alone (only the sealer moves it).
        emit_one(db, clock.now(), "test.thing.happened", "x", json!({})).await;
        assert_eq!(
            scalar0(db, "SELECT last_seq FROM event_chain WHERE id = 1").await,
            0
        );
        assert_eq!(outbox::seal_all(db).await.unwrap(), 1);

        if db.engine() == Engine::Sqlite {
            // SQLite has one writer by construction (the one-connection write pool, and the file
            // lock beyond it), so "a writer while another transaction locks the head" cannot be
            // set up; the question only arises on PostgreSQL.
            return;
        }

        let mut holder = db.begin().await.unwrap();
        sqlx::query(&format!(
            "SELECT last_seq, last_hash FROM event_chain WHERE id = 1{}",
            db.for_update()
        ))
        .fetch_one(&mut *holder)
        .await
        .unwrap();

        // Several writers emit and commit while the head stays locked.
        let writers = (0..5).map(|i| {
            let (db, at) = (db.clone(), clock.now());
            async move {
                let mut tx = db.begin().await?;
                emit(
                    &mut tx,
                    &db,
                    &actor(),
                    at,
                    NewEvent::new("test.write", "test", format!("w{i}"), json!({})),
                )
                .await?;
                db.commit(tx).await
            }
        });
        let results =
            tokio::time::timeout(Duration::from_secs(2), futures::future::join_all(writers))
                .await
                .expect("event writers waited for the locked chain head");
        for r in results {
            r.unwrap();
        }
        assert_eq!(count_events(db, "test.write").await, 5);

        // The lock is real: the sealer does wait for it, and seals once it is released.
        let sealer = tokio::spawn({
            let db = db.clone();
            async move { outbox::seal_once(&db).await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !sealer.is_finished(),
            "the sealer should wait for the locked chain head"
        );
        holder.rollback().await.unwrap();
        assert_eq!(sealer.await.unwrap().unwrap(), 5);
        let r = outbox::verify_chain(db).await.unwrap();
        assert_eq!((r.broken_at, r.checked), (None, 6), "{r:?}");
    })
    .await;
}

// ------------------------------------------------------------------------------------------------
// 4. Consumers
// ------------------------------------------------------------------------------------------------

/// Reacts to every `test.order.placed` with one `test.reaction` about the same aggregate.
struct Reactor;

#[async_trait::async_trait]
impl Consumer for Reactor {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new("test.reactor", &["test.order.placed"])
    }
    async fn handle(
        &self,
        tx: &mut Tx,
        db: &Db,
        clock: &Clock,
        ev: &Event,
    ) -> ggzy_core::Result<()> {
        let reaction = NewEvent::new(
            "test.reaction",
            "order",
            &ev.aggregate_id,
            json!({"source_seq": ev.seq}),
        );
        emit(tx, db, &ActorRef::system("reactor"), clock.now(), reaction).await?;
        Ok(())
    }
}

/// Read-your-own-writes across areas (issue 17 item 5): a request that reads a consumer's copy of a
/// fact written a moment ago tells "not there yet" (409 + Retry-After) from "not there" (answer
/// `false`, the caller's 422), and waits while the consumer catches up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_projection_that_is_behind_answers_409_and_one_that_caught_up_answers_its_own_state() {
    each_engine(|t| async move {
        let db = &t.db;
        let clock = Clock::manual(t0());
        let types = ["test.order.placed"];
        assert!(!consumer::has_pending(db, "test.reactor", &types).await.unwrap());
        emit_one(db, clock.now(), "test.order.placed", "o-1", json!({})).await;
        // Written, not sealed: pending.
        assert!(consumer::has_pending(db, "test.reactor", &types).await.unwrap());
        let never = || async { Ok(false) };
        let e = consumer::wait_for_projection(
            db,
            "test.reactor",
            &types,
            Duration::from_millis(150),
            "test.behind",
            "the order",
            never,
        )
        .await
        .expect_err("behind");
        assert_eq!(e.status().as_u16(), 409);
        assert!(matches!(e, Error::Behind { ref rule, retry_after_secs: 1, .. } if rule == "test.behind"), "{e:?}");
        // Sealed but not consumed: still pending.
        outbox::seal_all(db).await.unwrap();
        assert!(consumer::has_pending(db, "test.reactor", &types).await.unwrap());
        // The consumer catches up while the request waits: found.
        let (db2, c2) = (db.clone(), clock.clone());
        let catch_up = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            consumer::drain(&db2, &c2, &Reactor).await.unwrap();
        });
        let reacted = || async {
            Ok(scalar0(db, "SELECT COUNT(*) FROM events WHERE event_type = 'test.reaction'").await > 0)
        };
        let found = consumer::wait_for_projection(
            db,
            "test.reactor",
            &types,
            Duration::from_secs(20),
            "test.behind",
            "the order",
            reacted,
        )
        .await
        .unwrap();
        catch_up.await.unwrap();
        assert!(found, "found once the consumer caught up");
        // Caught up and still absent: `false` (the caller's own 422), at once.
        assert!(!consumer::has_pending(db, "test.reactor", &types).await.unwrap());
        let absent = consumer::wait_for_projection(
            db,
            "test.reactor",
            &types,
            Duration::from_secs(20),
            "test.behind",
            "the order",
            never,
        )
        .await
        .unwrap();
        assert!(!absent);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_reacts_exactly_once_per_event_across_instances() {
    each_engine(|t| async move {
        let db = &t.db;
        let clock = Clock::manual(t0());
        // 450 events (more than two consumer batches), two thirds of them wanted.
        let mut wanted = 0i64;
        for chunk in 0..9 {
            let mut tx = db.begin().await.unwrap();
            for i in 0..50 {
                let n = chunk * 50 + i;
                let ty = if n % 3 == 2 { "test.other" } else { "test.order.placed" };
                wanted += i64::from(ty == "test.order.placed");
                emit(&mut tx, db, &actor(), clock.now(), NewEvent::new(ty, "order", format!("order-{n}"), json!({})))
                    .await
                    .unwrap();
                clock.advance(chrono::Duration::milliseconds(1));
            }
            db.commit(tx).await.unwrap();
        }
        assert_eq!(outbox::seal_all(db).await.unwrap(), 450);

        // Two instances drain concurrently.
        let db2 = second_instance(&t).await;
        let spawn_drain = |db: Db| {
            let clock = clock.clone();
            tokio::spawn(async move { consumer::drain(&db, &clock, &Reactor).await })
        };
        let (h1, h2) = (spawn_drain(db.clone()), spawn_drain(db2.clone()));
        let (n1, n2) = (h1.await.unwrap().unwrap(), h2.await.unwrap().unwrap());
        assert_eq!(n1 + n2, 450, "each event consumed once across instances ({n1} + {n2})");
        assert_eq!(consumer::drain(db, &clock, &Reactor).await.unwrap(), 0, "caught up");
        assert_eq!(consumer::drain(&db2, &clock, &Reactor).await.unwrap(), 0, "caught up");
        assert_eq!(consumer::position(db, "test.reactor").await.unwrap(), 450);

        // The reactions are themselves events: sealed and consumed (not wanted), they produce nothing.
        assert_eq!(outbox::seal_all(db).await.unwrap() as i64, wanted);
        assert_eq!(consumer::drain(db, &clock, &Reactor).await.unwrap() as i64, wanted);
        assert_eq!(consumer::drain(db, &clock, &Reactor).await.unwrap(), 0);
        assert_eq!(outbox::seal_all(db).await.unwrap(), 0, "no reaction to reactions");

        assert_eq!(count_events(db, "test.reaction").await, wanted, "one reaction per wanted event");
        let distinct =
            scalar(db, "SELECT COUNT(DISTINCT aggregate_id) FROM events WHERE event_type = $1", "test.reaction").await;
        assert_eq!(distinct, wanted, "no event got two reactions");
        let unanswered = scalar(
            db,
            "SELECT COUNT(*) FROM events o WHERE o.event_type = $1 AND NOT EXISTS \
             (SELECT 1 FROM events r WHERE r.event_type = 'test.reaction' AND r.aggregate_id = o.aggregate_id)",
            "test.order.placed",
        )
        .await;
        assert_eq!(unanswered, 0, "every wanted event got its reaction");
        let last_seq = scalar0(db, "SELECT MAX(seq) FROM events").await;
        assert_eq!(last_seq, 450 + wanted);
        assert_eq!(consumer::position(db, "test.reactor").await.unwrap(), last_seq, "cursor at the last seq");
        if db2.engine() == Engine::Postgres {
            db2.close().await;
        }
    })
    .await;
}

/// The background loop of a consumer (issue 23, the auction benchmark): events it does not want
/// cost it no write until [`consumer::LAZY_FOR`] has passed (then one compare-and-set statement);
/// a wanted event is handled once, with the cursor; `caught_up` answers from the events between
/// the stored cursor and a point; a move another instance made first is never undone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_consumer_writes_its_moves_over_unwanted_events_later_and_once() {
    each_engine(|t| async move {
        let db = &t.db;
        let clock = Clock::manual(t0());
        let head = || {
            scalar0(
                db,
                "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM events",
            )
        };
        let pos = || async { consumer::position(db, "test.reactor").await.unwrap() };
        let mut lazy = consumer::Lazy::default();
        let run = |lazy: &mut consumer::Lazy| {
            let (db, clock) = (db.clone(), clock.clone());
            let lazy = std::mem::take(lazy);
            async move {
                let mut lazy = lazy;
                while consumer::run_once_lazy(&db, &clock, &Reactor, &mut lazy)
                    .await
                    .unwrap()
                    > 0
                {}
                lazy
            }
        };
        emit_one(db, clock.now(), "test.order.placed", "o-1", json!({})).await;
        outbox::seal_all(db).await.unwrap();
        lazy = run(&mut lazy).await;
        assert_eq!(count_events(db, "test.reaction").await, 1);
        assert_eq!(pos().await, 1, "a handled event moves the cursor with it");

        // Its reaction and ten more events it does not want: nothing written yet.
        for i in 0..10 {
            emit_one(db, clock.now(), "test.other", &format!("x-{i}"), json!({})).await;
        }
        outbox::seal_all(db).await.unwrap();
        let h = head().await;
        lazy = run(&mut lazy).await;
        assert_eq!(pos().await, 1, "the move over unwanted events waits");
        assert!(
            consumer::caught_up(db, &Reactor, h).await.unwrap(),
            "nothing wanted up to the head"
        );
        assert!(
            !consumer::caught_up(db, &Reactor, h + 1).await.unwrap(),
            "not past the sealed log"
        );

        // A wanted event after them: handled once; the cursor is written past everything.
        emit_one(db, clock.now(), "test.order.placed", "o-2", json!({})).await;
        outbox::seal_all(db).await.unwrap();
        let h = head().await;
        assert!(
            !consumer::caught_up(db, &Reactor, h).await.unwrap(),
            "a wanted event is pending"
        );
        lazy = run(&mut lazy).await;
        assert_eq!(count_events(db, "test.reaction").await, 2);
        assert_eq!(pos().await, h);

        // Unwanted events again (the reaction): written after LAZY_FOR, by the next pass.
        outbox::seal_all(db).await.unwrap();
        let h2 = head().await;
        lazy = run(&mut lazy).await;
        assert_eq!(pos().await, h, "not yet");
        tokio::time::sleep(consumer::LAZY_FOR).await;
        lazy = run(&mut lazy).await;
        assert_eq!(pos().await, h2, "written once due");

        // Another instance drains first: the deferred move from the old cursor fails, nothing moves back.
        emit_one(db, clock.now(), "test.other", "y-1", json!({})).await;
        outbox::seal_all(db).await.unwrap();
        lazy = run(&mut lazy).await;
        let other = Clock::manual(t0());
        consumer::drain(db, &other, &Reactor).await.unwrap();
        let h3 = head().await;
        assert_eq!(pos().await, h3);
        tokio::time::sleep(consumer::LAZY_FOR).await;
        lazy = run(&mut lazy).await;
        assert_eq!(pos().await, h3, "never moved back");
        assert_eq!(
            count_events(db, "test.reaction").await,
            2,
            "no event handled twice"
        );

        // A wanted event sealed by another instance, then one sealed here: what this instance
        // remembers of its own seals has a gap, so the log is read and the event handled.
        let db2 = second_instance(&t).await;
        emit_one(db, clock.now(), "test.order.placed", "o-3", json!({})).await;
        outbox::seal_all(&db2).await.unwrap();
        emit_one(db, clock.now(), "test.other", "z-1", json!({})).await;
        outbox::seal_all(db).await.unwrap();
        let _ = run(&mut lazy).await;
        assert_eq!(
            count_events(db, "test.reaction").await,
            3,
            "the other instance's event handled"
        );
        if db2.engine() == Engine::Postgres {
            db2.close().await;
        }
    })
    .await;
}

/// A consumer's first run creates its cursor row outside any transaction; on SQLite that write must
/// go through the single writer, or it invalidates the snapshot of a write transaction that has
/// already read (SQLITE_BUSY_SNAPSHOT: "database is locked", without waiting).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_starting_does_not_break_a_concurrent_write_transaction() {
    each_engine(|t| async move {
        let db = &t.db;
        let clock = Clock::manual(t0());
        emit_one(db, clock.now(), "test.order.placed", "order-1", json!({})).await;
        outbox::seal_all(db).await.unwrap();

        // A use case: read first, then write.
        let mut tx = db.begin().await.unwrap();
        sqlx::query("SELECT COUNT(*) FROM events")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let starting = tokio::spawn({
            let (db, clock) = (db.clone(), clock.clone());
            async move { consumer::run_once(&db, &clock, &Reactor).await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        emit(
            &mut tx,
            db,
            &actor(),
            clock.now(),
            NewEvent::new("test.thing.happened", "test", "x", json!({})),
        )
        .await
        .expect("the write transaction's write failed");
        db.commit(tx)
            .await
            .expect("the write transaction's commit failed");
        assert_eq!(starting.await.unwrap().unwrap(), 1);
        assert_eq!(count_events(db, "test.reaction").await, 1);
    })
    .await;
}

// ------------------------------------------------------------------------------------------------
// 5. Timers
// ------------------------------------------------------------------------------------------------

const KIND: &str = "test.kind";

/// Emits `test.timer.fired` (aggregate id = the timer's key) in the firing transaction.
struct EmitFired;

#[async_trait::async_trait]
impl TimerHandler for EmitFired {
    async fn fire(
        &self,
        tx: &mut Tx,
        db: &Db,
        clock: &Clock,
        timer: &Timer,
    ) -> ggzy_core::Result<()> {
        let ev = NewEvent::new(
            "test.timer.fired",
            "timer",
            &timer.key,
            json!({"attempts": timer.attempts, "payload": timer.payload}),
        );
        emit(tx, db, &ActorRef::system("timers"), clock.now(), ev).await?;
        Ok(())
    }
}

/// Emits like [`EmitFired`], then fails while `failures_left` is positive.
struct Flaky {
    failures_left: AtomicI64,
}

#[async_trait::async_trait]
impl TimerHandler for Flaky {
    async fn fire(
        &self,
        tx: &mut Tx,
        db: &Db,
        clock: &Clock,
        timer: &Timer,
    ) -> ggzy_core::Result<()> {
        EmitFired.fire(tx, db, clock, timer).await?;
        if self.failures_left.fetch_sub(1, Ordering::SeqCst) > 0 {
            return Err(Error::internal("handler failed on purpose"));
        }
        Ok(())
    }
}

fn runner(db: &Db, clock: &Clock, instance: &str, handler: Arc<dyn TimerHandler>) -> TimerRunner {
    let mut registry = TimerRegistry::default();
    registry.register(KIND, handler);
    TimerRunner {
        db: db.clone(),
        clock: clock.clone(),
        instance: instance.to_string(),
        registry,
        lease: chrono::Duration::minutes(5),
    }
}

async fn schedule(db: &Db, key: &str, due: Timestamp, payload: serde_json::Value, now: Timestamp) {
    let mut tx = db.begin().await.unwrap();
    timers::schedule(&mut tx, KIND, key, due, payload, now)
        .await
        .unwrap();
    db.commit(tx).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timer_due_during_downtime_fires_on_start() {
    each_engine(|t| async move {
        let clock = Clock::manual(t0());
        let due = t0() + secs(10);
        schedule(&t, "downtime", due, json!({"n": 1}), clock.now()).await;
        assert_eq!(
            timers::pending_due(&t, "downtime").await.unwrap(),
            Some(due)
        );
        let before = runner(&t, &clock, "instance-a", Arc::new(EmitFired));
        assert_eq!(before.run_once().await.unwrap(), 0, "not due yet");
        drop(before);

        // The service stops; the timer falls due while it is down; it starts again.
        let url = t.url().to_string();
        t.close().await;
        clock.advance(chrono::Duration::hours(1));
        let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
        db.ready().await.unwrap();

        let r = runner(&db, &clock, "instance-b", Arc::new(EmitFired));
        assert_eq!(
            r.run_once().await.unwrap(),
            1,
            "the overdue timer fires on start"
        );
        assert_eq!(r.run_once().await.unwrap(), 0, "and only once");
        assert_eq!(count_events(&db, "test.timer.fired").await, 1);
        assert_eq!(timer_status(&db, "downtime").await, "done");
        assert_eq!(timers::pending_due(&db, "downtime").await.unwrap(), None);
        let row =
            sqlx::query("SELECT attempts, fired_at FROM timers WHERE dedupe_key = 'downtime'")
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(row.try_get::<i64, _>(0).unwrap(), 1);
        assert!(
            from_micros(row.try_get::<i64, _>(1).unwrap())
                >= due + chrono::Duration::hours(1) - secs(10)
        );
        outbox::seal_all(&db).await.unwrap();
        let fired = feed(&db, 0).await;
        assert_eq!(
            fired[0].payload["payload"],
            json!({"n": 1}),
            "handler sees the payload"
        );
        db.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_fire_a_timer_once() {
    each_engine(|t| async move {
        let clock = Clock::manual(t0());
        let mut tx = t.begin().await.unwrap();
        for i in 0..50 {
            timers::schedule(
                &mut tx,
                KIND,
                &format!("many-{i}"),
                t0() + secs(i),
                json!({"i": i}),
                clock.now(),
            )
            .await
            .unwrap();
        }
        t.commit(tx).await.unwrap();
        clock.advance(chrono::Duration::hours(1));

        let db2 = second_instance(&t).await;
        let spawn_loop = |r: TimerRunner| {
            tokio::spawn(async move {
                let mut fired = 0;
                loop {
                    match r.run_once().await.unwrap() {
                        0 => return fired,
                        n => fired += n,
                    }
                }
            })
        };
        let h1 = spawn_loop(runner(&t, &clock, "instance-a", Arc::new(EmitFired)));
        let h2 = spawn_loop(runner(&db2, &clock, "instance-b", Arc::new(EmitFired)));
        let (n1, n2) = (h1.await.unwrap(), h2.await.unwrap());
        assert_eq!(n1 + n2, 50, "fired {n1} + {n2}");
        assert_eq!(
            count_events(&t, "test.timer.fired").await,
            50,
            "exactly one firing per timer"
        );
        let distinct = scalar(
            &t,
            "SELECT COUNT(DISTINCT aggregate_id) FROM events WHERE event_type = $1",
            "test.timer.fired",
        )
        .await;
        assert_eq!(distinct, 50);
        assert_eq!(
            scalar(&t, "SELECT COUNT(*) FROM timers WHERE status = $1", "done").await,
            50
        );
        assert_eq!(
            scalar0(&t, "SELECT COUNT(*) FROM timers WHERE attempts <> 1").await,
            0
        );
        if db2.engine() == Engine::Postgres {
            db2.close().await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rescheduling_a_pending_timer_moves_it() {
    each_engine(|t| async move {
        let clock = Clock::manual(t0());
        schedule(&t, "move", t0() + secs(10), json!({"v": 1}), clock.now()).await;
        schedule(
            &t,
            "move",
            t0() + chrono::Duration::hours(1),
            json!({"v": 2}),
            clock.now(),
        )
        .await;
        assert_eq!(
            scalar(
                &t,
                "SELECT COUNT(*) FROM timers WHERE dedupe_key = $1",
                "move"
            )
            .await,
            1,
            "one row per key"
        );
        assert_eq!(
            timers::pending_due(&t, "move").await.unwrap(),
            Some(t0() + chrono::Duration::hours(1))
        );

        let r = runner(&t, &clock, "instance-a", Arc::new(EmitFired));
        clock.advance(chrono::Duration::minutes(1));
        assert_eq!(
            r.run_once().await.unwrap(),
            0,
            "the old due time no longer applies"
        );
        clock.set(t0() + chrono::Duration::hours(1) + secs(1));
        assert_eq!(r.run_once().await.unwrap(), 1, "fires at the new due time");
        outbox::seal_all(&t).await.unwrap();
        assert_eq!(
            feed(&t, 0).await[0].payload["payload"],
            json!({"v": 2}),
            "with the new payload"
        );

        // A timer that already fired is not revived by scheduling its key again.
        schedule(
            &t,
            "move",
            t0() + chrono::Duration::hours(2),
            json!({"v": 3}),
            clock.now(),
        )
        .await;
        assert_eq!(timer_status(&t, "move").await, "done");
        assert_eq!(timers::pending_due(&t, "move").await.unwrap(), None);
        clock.set(t0() + chrono::Duration::hours(3));
        assert_eq!(r.run_once().await.unwrap(), 0);
        assert_eq!(count_events(&t, "test.timer.fired").await, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_timer_does_not_fire() {
    each_engine(|t| async move {
        let clock = Clock::manual(t0());
        schedule(&t, "cancel-me", t0() + secs(10), json!({}), clock.now()).await;
        let mut tx = t.begin().await.unwrap();
        assert!(
            timers::cancel(&mut tx, "cancel-me").await.unwrap(),
            "a pending timer is cancelled"
        );
        assert!(
            !timers::cancel(&mut tx, "cancel-me").await.unwrap(),
            "cancelling twice does nothing"
        );
        assert!(!timers::cancel(&mut tx, "no-such-timer").await.unwrap());
        t.commit(tx).await.unwrap();
        assert_eq!(timers::pending_due(&t, "cancel-me").await.unwrap(), None);

        clock.advance(chrono::Duration::hours(1));
        let r = runner(&t, &clock, "instance-a", Arc::new(EmitFired));
        assert_eq!(r.run_once().await.unwrap(), 0);
        assert_eq!(timer_status(&t, "cancel-me").await, "cancelled");
        assert_eq!(count_events(&t, "test.timer.fired").await, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_timer_stays_pending_and_fires_later() {
    each_engine(|t| async move {
        let clock = Clock::manual(t0());
        schedule(&t, "flaky", t0() + secs(1), json!({}), clock.now()).await;
        clock.advance(chrono::Duration::minutes(1));
        let r = runner(&t, &clock, "instance-a", Arc::new(Flaky { failures_left: AtomicI64::new(1) }));

        assert_eq!(r.run_once().await.unwrap(), 0, "the failed firing does not count");
        let row = sqlx::query("SELECT status, last_error, attempts, locked_by, due_at FROM timers WHERE dedupe_key = $1")
            .bind("flaky")
            .fetch_one(t.pool())
            .await
            .unwrap();
        assert_eq!(row.try_get::<String, _>(0).unwrap(), "pending");
        let last_error: Option<String> = row.try_get(1).unwrap();
        assert!(last_error.as_deref().unwrap_or_default().contains("on purpose"), "{last_error:?}");
        assert_eq!(row.try_get::<i64, _>(2).unwrap(), 1);
        assert_eq!(row.try_get::<Option<String>, _>(3).unwrap(), None, "lease released");
        assert!(row.try_get::<i64, _>(4).unwrap() > to_micros(clock.now()), "retry is pushed into the future");
        assert_eq!(count_events(&t, "test.timer.fired").await, 0, "the failed handler's writes rolled back");

        assert_eq!(r.run_once().await.unwrap(), 0, "not retried before its backoff");
        clock.advance(chrono::Duration::minutes(1));
        assert_eq!(r.run_once().await.unwrap(), 1, "fires on retry");
        assert_eq!(r.run_once().await.unwrap(), 0);
        assert_eq!(timer_status(&t, "flaky").await, "done");
        assert_eq!(count_events(&t, "test.timer.fired").await, 1);
        assert_eq!(scalar(&t, "SELECT attempts FROM timers WHERE dedupe_key = $1", "flaky").await, 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_instances_timer_is_taken_over_after_its_lease() {
    each_engine(|t| async move {
        let clock = Clock::manual(t0());
        schedule(&t, "orphan", t0() + secs(1), json!({}), clock.now()).await;
        clock.advance(secs(10));
        // An instance claimed it and died before firing (lease of 5 minutes from now).
        let claimed = sqlx::query(
            "UPDATE timers SET status = 'running', locked_by = 'dead-instance', locked_until = $1, \
             attempts = attempts + 1 WHERE dedupe_key = $2",
        )
        .bind(to_micros(clock.now() + chrono::Duration::minutes(5)))
        .bind("orphan")
        .execute(t.pool_for_write())
        .await
        .unwrap();
        assert_eq!(claimed.rows_affected(), 1);

        let r = runner(&t, &clock, "instance-b", Arc::new(EmitFired));
        assert_eq!(
            r.run_once().await.unwrap(),
            0,
            "not taken while the lease runs"
        );
        clock.advance(chrono::Duration::minutes(6));
        assert_eq!(
            r.run_once().await.unwrap(),
            1,
            "taken over once the lease expired"
        );
        assert_eq!(timer_status(&t, "orphan").await, "done");
        assert_eq!(count_events(&t, "test.timer.fired").await, 1);
    })
    .await;
}

// ------------------------------------------------------------------------------------------------
// 6. Cron
// ------------------------------------------------------------------------------------------------

type JobFuture = Pin<Box<dyn Future<Output = ggzy_core::Result<()>> + Send>>;

/// A job that counts its runs and emits `test.cron.ran`; fails when `fail` is set.
fn counting_job(name: &'static str, runs: Arc<AtomicUsize>, fail: bool) -> CronJob {
    CronJob {
        name,
        schedule: "0 * * * * *",
        missed: ggzy_store::cron::Missed::RunEach,
        run: Arc::new(move |db: Db, clock: Clock, _firing| -> JobFuture {
            let runs = runs.clone();
            Box::pin(async move {
                runs.fetch_add(1, Ordering::SeqCst);
                // Long enough that the other instance's claim overlaps the run.
                tokio::time::sleep(Duration::from_millis(50)).await;
                if fail {
                    return Err(Error::internal("job failed on purpose"));
                }
                let mut tx = db.begin().await?;
                emit(
                    &mut tx,
                    &db,
                    &ActorRef::system(name),
                    clock.now(),
                    NewEvent::new("test.cron.ran", "job", name, json!({})),
                )
                .await?;
                db.commit(tx).await
            })
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_firing_runs_once_across_instances() {
    each_engine(|t| async move {
        let clock = Clock::manual(t0() + secs(5));
        let runs = Arc::new(AtomicUsize::new(0));
        let job = Arc::new(counting_job("test.job", runs.clone(), false));
        let db2 = second_instance(&t).await;

        for minute in 0..5i64 {
            let fire_on = |db: Db, instance: &'static str| {
                let (clock, job) = (clock.clone(), job.clone());
                tokio::spawn(async move { cron::fire(&db, &clock, instance, &job).await })
            };
            let (a, b) = (fire_on(t.db.clone(), "instance-a"), fire_on(db2.clone(), "instance-b"));
            let (a, b) = (a.await.unwrap().unwrap(), b.await.unwrap().unwrap());
            assert!(a ^ b, "minute {minute}: exactly one instance runs the firing (a: {a}, b: {b})");
            assert_eq!(runs.load(Ordering::SeqCst) as i64, minute + 1);
            clock.advance(secs(60));
        }
        assert_eq!(count_events(&t, "test.cron.ran").await, 5);
        assert_eq!(scalar(&t, "SELECT COUNT(*) FROM cron_runs WHERE job = $1", "test.job").await, 5);
        let done = scalar(
            &t,
            "SELECT COUNT(*) FROM cron_runs WHERE job = $1 AND outcome = 'ok' AND finished_at IS NOT NULL",
            "test.job",
        )
        .await;
        assert_eq!(done, 5, "every firing recorded its outcome");
        if db2.engine() == Engine::Postgres {
            db2.close().await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_cron_job_records_its_outcome_and_is_not_rerun_in_the_same_minute() {
    each_engine(|t| async move {
        let clock = Clock::manual(t0() + secs(5));
        let runs = Arc::new(AtomicUsize::new(0));
        let job = counting_job("test.failing", runs.clone(), true);
        assert!(
            cron::fire(&t, &clock, "instance-a", &job).await.is_err(),
            "the job's error is returned"
        );
        let outcome: Option<String> = sqlx::query("SELECT outcome FROM cron_runs WHERE job = $1")
            .bind("test.failing")
            .fetch_one(t.pool())
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert!(
            outcome.as_deref().unwrap_or_default().starts_with("error:"),
            "{outcome:?}"
        );
        assert!(
            !cron::fire(&t, &clock, "instance-b", &job).await.unwrap(),
            "the minute was claimed already"
        );
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    })
    .await;
}

// ------------------------------------------------------------------------------------------------
// 7. Idempotency keys
// ------------------------------------------------------------------------------------------------

fn describe(b: &ggzy_core::Result<Begin>) -> String {
    match b {
        Ok(Begin::Proceed) => "Proceed".into(),
        Ok(Begin::Replay {
            status,
            content_type,
            body,
        }) => format!("Replay({status}, {content_type}, {body})"),
        Err(e) => format!("Err({e:?})"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_replays_the_first_answer_and_refuses_reuse() {
    each_engine(|t| async move {
        let now = t0();
        let begin = |principal: &'static str, method: &'static str, hash: &'static str, at: Timestamp| {
            let db = t.db.clone();
            async move { idempotency::begin(&db, principal, "key-1", method, "/api/things", hash, at).await }
        };

        let b = begin("user:1", "POST", "h1", now).await;
        assert!(matches!(b, Ok(Begin::Proceed)), "first use proceeds: {}", describe(&b));

        let b = begin("user:1", "POST", "h1", now + secs(1)).await;
        assert!(
            matches!(&b, Err(Error::Conflict { rule, .. }) if rule == "idempotency.in_progress"),
            "a retry while the first is running is told so: {}",
            describe(&b)
        );

        idempotency::complete(&t, "user:1", "key-1", 201, "application/json", r#"{"id":"t-1"}"#, now + secs(2))
            .await
            .unwrap();
        let b = begin("user:1", "POST", "h1", now + secs(3)).await;
        match &b {
            Ok(Begin::Replay { status, content_type, body }) => {
                assert_eq!((*status, content_type.as_str(), body.as_str()), (201, "application/json", r#"{"id":"t-1"}"#));
            }
            _ => panic!("a retry after completion replays the answer: {}", describe(&b)),
        }

        for (method, hash) in [("POST", "h2"), ("PUT", "h1")] {
            let b = begin("user:1", method, hash, now + secs(4)).await;
            assert!(
                matches!(&b, Err(Error::Validation(errs)) if errs.iter().any(|e| e.rule == "idempotency.key_reused")),
                "the key reused for a different request ({method}, {hash}) is refused: {}",
                describe(&b)
            );
        }

        // Keys belong to a principal.
        let b = begin("user:2", "POST", "h2", now + secs(5)).await;
        assert!(matches!(b, Ok(Begin::Proceed)), "another principal's key is separate: {}", describe(&b));

        // A first attempt that died without answering may be retried after a minute.
        let b = begin("user:2", "POST", "h2", now + secs(5) + secs(61)).await;
        assert!(matches!(b, Ok(Begin::Proceed)), "a stale attempt is retried: {}", describe(&b));
        let b = begin("user:2", "POST", "h2", now + secs(5) + secs(62)).await;
        assert!(matches!(b, Err(Error::Conflict { .. })), "and is in progress again: {}", describe(&b));

        // Abandoning an unanswered key lets a retry proceed at once; an answered key is kept.
        idempotency::abandon(&t, "user:2", "key-1").await.unwrap();
        let b = begin("user:2", "POST", "h2", now + secs(70)).await;
        assert!(matches!(b, Ok(Begin::Proceed)), "{}", describe(&b));
        idempotency::abandon(&t, "user:1", "key-1").await.unwrap();
        let b = begin("user:1", "POST", "h1", now + secs(70)).await;
        assert!(matches!(b, Ok(Begin::Replay { .. })), "{}", describe(&b));
    })
    .await;
}

/// The kill -9 window: the handler committed its change, the instance died before storing the
/// answer. The change is marked in the handler's own transaction, so a retry is refused instead of
/// making the change twice; a first attempt that changed nothing may still be retried; a handler
/// that stored its answer with its change (`answer_in_tx`) has it replayed.
#[tokio::test]
async fn a_retry_after_a_crash_between_commit_and_answer_does_not_run_twice() {
    each_engine(|t| async move {
        let now = t0();
        for (principal, changes) in [("user:crash", true), ("user:nochange", false)] {
            let b = idempotency::begin(&t, principal, "k", "POST", "/api/things", "h", now).await;
            assert!(matches!(b, Ok(Begin::Proceed)), "{}", describe(&b));
            let db = t.db.clone();
            idempotency::scope(principal.to_string(), "k".to_string(), async move {
                if changes {
                    let mut tx = db.begin().await.unwrap();
                    emit(&mut tx, &db, &ActorRef::system("test"), now, NewEvent::new("test.thing.created", "thing", "t-1", json!({})))
                        .await
                        .unwrap();
                    db.commit(tx).await.unwrap();
                }
            })
            .await;
            // … and the instance dies here: no `complete`.
            let b = idempotency::begin(&t, principal, "k", "POST", "/api/things", "h", now + secs(120)).await;
            if changes {
                assert!(
                    matches!(&b, Err(Error::Conflict { rule, .. }) if rule == "idempotency.answer_lost"),
                    "a committed first attempt is not repeated: {}",
                    describe(&b)
                );
            } else {
                assert!(matches!(b, Ok(Begin::Proceed)), "nothing changed, so retry: {}", describe(&b));
            }
        }
        // A handler that stored its answer in its own transaction: the same crash loses nothing,
        // the retry replays that answer.
        let b = idempotency::begin(&t, "user:stored", "k", "POST", "/api/things", "h", now).await;
        assert!(matches!(b, Ok(Begin::Proceed)), "{}", describe(&b));
        let db = t.db.clone();
        idempotency::scope("user:stored".to_string(), "k".to_string(), async move {
            let mut tx = db.begin().await.unwrap();
            emit(&mut tx, &db, &ActorRef::system("test"), now, NewEvent::new("test.thing.created", "thing", "t-3", json!({})))
                .await
                .unwrap();
            idempotency::answer_in_tx(&mut tx, 201, r#"{"id":"t-3"}"#, now).await.unwrap();
            db.commit(tx).await.unwrap();
        })
        .await;
        // … the instance dies here: the middleware never completes the key.
        let b = idempotency::begin(&t, "user:stored", "k", "POST", "/api/things", "h", now + secs(1)).await;
        match &b {
            Ok(Begin::Replay { status, content_type, body }) => {
                assert_eq!((*status, content_type.as_str(), body.as_str()), (201, "application/json", r#"{"id":"t-3"}"#));
            }
            _ => panic!("the answer stored with the change is replayed: {}", describe(&b)),
        }
        // A stored answer whose transaction rolled back is gone with it.
        let b = idempotency::begin(&t, "user:rolledback", "k", "POST", "/api/things", "h", now).await;
        assert!(matches!(b, Ok(Begin::Proceed)), "{}", describe(&b));
        let db = t.db.clone();
        idempotency::scope("user:rolledback".to_string(), "k".to_string(), async move {
            let mut tx = db.begin().await.unwrap();
            idempotency::answer_in_tx(&mut tx, 201, r#"{"id":"t-4"}"#, now).await.unwrap();
            tx.rollback().await.unwrap();
        })
        .await;
        let b = idempotency::begin(&t, "user:rolledback", "k", "POST", "/api/things", "h", now + secs(61)).await;
        assert!(matches!(b, Ok(Begin::Proceed)), "nothing was changed nor answered: {}", describe(&b));
        // … and it does not stand for a later transaction of the same request that commits a
        // change without an answer: that commit still marks the key (a commit that stored its
        // answer skips the separate mark, so the rolled-back answer must not count as one).
        let b = idempotency::begin(&t, "user:retried-tx", "k", "POST", "/api/things", "h", now).await;
        assert!(matches!(b, Ok(Begin::Proceed)), "{}", describe(&b));
        let db = t.db.clone();
        idempotency::scope("user:retried-tx".to_string(), "k".to_string(), async move {
            let mut tx = db.begin().await.unwrap();
            idempotency::answer_in_tx(&mut tx, 201, r#"{"id":"t-5"}"#, now).await.unwrap();
            tx.rollback().await.unwrap();
            let mut tx = db.begin().await.unwrap();
            emit(&mut tx, &db, &ActorRef::system("test"), now, NewEvent::new("test.thing.created", "thing", "t-5", json!({})))
                .await
                .unwrap();
            db.commit(tx).await.unwrap();
        })
        .await;
        // … the instance dies before the middleware completes the key: the change is not repeated.
        let b = idempotency::begin(&t, "user:retried-tx", "k", "POST", "/api/things", "h", now + secs(61)).await;
        assert!(
            matches!(&b, Err(Error::Conflict { rule, .. }) if rule == "idempotency.answer_lost"),
            "a committed change is never carried out twice: {}",
            describe(&b)
        );
        // Outside an idempotent request, storing an answer does nothing.
        let mut tx = t.db.begin().await.unwrap();
        idempotency::answer_in_tx(&mut tx, 201, "{}", now).await.unwrap();
        t.db.commit(tx).await.unwrap();

        // A commit outside any request (workers) marks nothing.
        let mut tx = t.db.begin().await.unwrap();
        emit(&mut tx, &t.db, &ActorRef::system("test"), now, NewEvent::new("test.thing.created", "thing", "t-2", json!({})))
            .await
            .unwrap();
        t.db.commit(tx).await.unwrap();
    })
    .await;
}

// ------------------------------------------------------------------------------------------------
// 8. Migrations and readiness
// ------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_once_and_gate_readiness() {
    each_engine_with(false, |t| async move {
        assert!(
            t.ready().await.is_err(),
            "an unmigrated database must not be ready"
        );

        migrate::run(&t).await.unwrap();
        t.ready().await.unwrap();
        let applied = scalar0(&t, "SELECT COUNT(*) FROM _sqlx_migrations").await;
        assert_eq!(applied, migrate::migrations_for(t.engine()).len() as i64);
        assert!(applied >= 1);

        // Again, and from another instance: nothing to do.
        migrate::run(&t).await.unwrap();
        let db2 = Db::connect(t.url(), &DbOptions::default()).await.unwrap();
        migrate::run(&db2).await.unwrap();
        db2.ready().await.unwrap();
        db2.close().await;
        t.ready().await.unwrap();
        assert_eq!(
            scalar0(&t, "SELECT COUNT(*) FROM _sqlx_migrations").await,
            applied
        );
        assert_eq!(scalar0(&t, "SELECT COUNT(*) FROM event_chain").await, 1);
    })
    .await;
}

// ------------------------------------------------------------------------------------------------
// The writer after a failed write transaction (docs/faults.md, bug 2)
// ------------------------------------------------------------------------------------------------

/// Begin, insert `id` and commit through the writer; the error of the first failing step.
/// The `fault_rows` table the fault and group-commit tests write to.
async fn create_fault_rows(db: &Db) {
    sqlx::query("CREATE TABLE fault_rows (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        .execute(db.pool_for_write())
        .await
        .unwrap();
}

/// A SQLite file `file` in `dir` with the `fault_rows` table: its URL (to reopen it) and its `Db`.
async fn sqlite_with_fault_rows(
    dir: &tempfile::TempDir,
    file: &str,
    opts: &DbOptions,
) -> (String, Db) {
    let url = format!("sqlite://{}", dir.path().join(file).display());
    let db = Db::connect(&url, opts).await.unwrap();
    create_fault_rows(&db).await;
    (url, db)
}

async fn write_row(db: &Db, id: &str) -> ggzy_core::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO fault_rows (id, body) VALUES ($1, $2)")
        .bind(id)
        .bind("x".repeat(300))
        .execute(&mut *tx)
        .await?;
    db.commit(tx).await
}

async fn visible_rows(db: &Db, id: &str) -> i64 {
    scalar(db, "SELECT COUNT(*) FROM fault_rows WHERE id = $1", id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_statement_in_a_write_transaction_leaves_the_writer_usable() {
    each_engine(|t| async move {
        create_fault_rows(&t).await;
        write_row(&t, "a").await.unwrap();
        // The same key again: the statement fails inside the transaction, which is dropped.
        assert!(write_row(&t, "a").await.is_err());
        // With a transaction left to roll back explicitly (the sealer does this when idle).
        let tx = t.begin().await.unwrap();
        tx.rollback().await.unwrap();
        write_row(&t, "b").await.unwrap();
        let second = second_instance(&t).await;
        assert_eq!(visible_rows(&second, "b").await, 1, "committed for others");
        second.close().await;
    })
    .await;
}

/// SQLite only: SQLITE_FULL makes SQLite roll the whole transaction back by itself; sqlx's
/// `ROLLBACK` then fails and its transaction depth stays at 1, so that later `begin()` calls became
/// savepoints of a transaction that never committed. The writer connection must be replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_full_disk_the_sqlite_writer_commits_again() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (url, db) = sqlite_with_fault_rows(&dir, "full.db", &DbOptions::default()).await;
    // The disk is full: the database cannot grow past its current pages.
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(db.pool_for_write())
        .await
        .unwrap();
    sqlx::query(&format!("PRAGMA max_page_count = {pages}"))
        .execute(db.pool_for_write())
        .await
        .unwrap();
    let mut refused = None;
    for i in 0..1000 {
        if let Err(e) = write_row(&db, &format!("r{i}")).await {
            refused = Some(e);
            break;
        }
    }
    let e = refused.expect("the full database refuses a write");
    assert!(e.to_string().contains("full"), "{e}");

    // An idle transaction rolled back explicitly, as the event sealer does: before the fix this
    // rolled back to a savepoint and left SQLite inside a transaction nobody owned.
    let tx = db.begin().await.unwrap();
    tx.rollback().await.unwrap();
    // Space again (the pragma is per connection; a replaced writer has no limit either way).
    sqlx::query("PRAGMA max_page_count = 1073741823")
        .execute(db.pool_for_write())
        .await
        .unwrap();
    write_row(&db, "after").await.unwrap();
    assert_eq!(visible_rows(&db, "after").await, 1, "visible to readers");
    // And durable: a new process sees it.
    db.close().await;
    let reopened = Db::connect(&url, &DbOptions::default()).await.unwrap();
    assert_eq!(
        visible_rows(&reopened, "after").await,
        1,
        "survives a restart"
    );
    reopened.close().await;
}

/// A full disk injected with [`Db::inject_sqlite_fault`] holds on the writer connection the store
/// opens after replacing the one a failed transaction left unusable (bug 2's fix). A pragma set by
/// hand on the live connection was lost with it, and the full-disk API tests stopped seeing a full
/// disk once a background write (the event sealer) hit it first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_injected_full_disk_holds_on_a_replaced_writer_connection() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (_, db) = sqlite_with_fault_rows(&dir, "full.db", &DbOptions::default()).await;
    // A temporary table belongs to the connection that created it: it tells whether the writer
    // connection is still the same one.
    sqlx::query("CREATE TEMP TABLE writer_marker (x INTEGER)")
        .execute(db.pool_for_write())
        .await
        .unwrap();
    let same_writer = |db: Db| async move {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM temp.sqlite_master WHERE name = 'writer_marker'",
        )
        .fetch_one(db.pool_for_write())
        .await
        .unwrap();
        n == 1
    };
    db.inject_sqlite_fault(Some(SqliteFault::DiskFull))
        .await
        .unwrap();
    assert!(
        same_writer(db.clone()).await,
        "injecting keeps the connection"
    );
    let mut refused = None;
    for i in 0..1000 {
        if let Err(e) = write_row(&db, &format!("r{i}")).await {
            refused = Some(e);
            break;
        }
    }
    let e = refused.expect("the full database refuses a write");
    assert!(e.to_string().contains("full"), "{e}");
    assert!(
        !same_writer(db.clone()).await,
        "the failed transaction made the store replace its writer connection"
    );
    // The new connection still sees the full disk, however often it is replaced.
    for i in 0..3 {
        let e = write_row(&db, &format!("again{i}")).await.unwrap_err();
        assert!(e.to_string().contains("full"), "{e}");
    }
    // Space again: lifted on the live connection, and the next write commits.
    db.inject_sqlite_fault(None).await.unwrap();
    write_row(&db, "after").await.unwrap();
    assert_eq!(visible_rows(&db, "after").await, 1, "visible to readers");
    db.close().await;
}

// ------------------------------------------------------------------------------------------------
// Issue 16: poison events are parked, cron follows the clock and catches up missed firings
// ------------------------------------------------------------------------------------------------

/// Fails on events whose payload says `poison` until `fixed` is set; records what it handled.
struct Picky {
    fixed: Arc<std::sync::atomic::AtomicBool>,
}

#[async_trait::async_trait]
impl Consumer for Picky {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new("test.picky", &["test.item"])
    }
    async fn handle(
        &self,
        tx: &mut Tx,
        db: &Db,
        clock: &Clock,
        ev: &Event,
    ) -> ggzy_core::Result<()> {
        if ev.payload["poison"] == true && !self.fixed.load(Ordering::SeqCst) {
            return Err(Error::internal("cannot handle this one"));
        }
        emit(
            tx,
            db,
            &ActorRef::system("picky"),
            clock.now(),
            NewEvent::new(
                "test.item.handled",
                "item",
                &ev.aggregate_id,
                json!({"seq": ev.seq}),
            ),
        )
        .await?;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_failing_repeatedly_parks_the_poison_event_moves_on_and_the_event_can_be_replayed()
{
    each_engine(|t| async move {
        let clock = Clock::manual(t0());
        let fixed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let c = Picky {
            fixed: fixed.clone(),
        };
        emit_one(&t, t0(), "test.item", "a", json!({})).await;
        emit_one(
            &t,
            t0() + secs(1),
            "test.item",
            "b",
            json!({"poison": true}),
        )
        .await;
        emit_one(&t, t0() + secs(2), "test.item", "c", json!({})).await;
        outbox::seal_all(&t).await.unwrap();
        // The whole batch fails: nothing handled, the cursor stays (the old behaviour, for ever).
        for n in 1..=consumer::PARK_AFTER {
            assert!(consumer::run_once(&t, &clock, &c).await.is_err());
            assert_eq!(
                consumer::note_failure(&t, c.name(), "boom").await.unwrap(),
                n
            );
        }
        assert_eq!(count_events(&t, "test.item.handled").await, 0);
        // Now one by one: "a" is handled, "b" parked, and the consumer moves on to "c".
        assert_eq!(
            consumer::step_or_park(&t, &clock, &c).await.unwrap(),
            consumer::Step::Consumed
        );
        assert_eq!(
            consumer::step_or_park(&t, &clock, &c).await.unwrap(),
            consumer::Step::Parked
        );
        consumer::drain(&t, &clock, &c).await.unwrap();
        assert_eq!(count_events(&t, "test.item.handled").await, 2);
        assert_eq!(count_events(&t, consumer::PARKED).await, 1);
        assert_eq!(
            scalar(
                &t,
                "SELECT failures FROM consumer_cursors WHERE consumer = $1",
                "test.picky"
            )
            .await,
            0
        );
        let parked = consumer::parked(&t, true).await.unwrap();
        assert_eq!(parked.len(), 1);
        assert_eq!(parked[0].seq, 2);
        assert!(parked[0].error.contains("cannot handle"), "{:?}", parked[0]);
        // Replay while still broken: recorded, nothing handled.
        let p = consumer::replay(&t, &clock, &c, 2).await.unwrap();
        assert!(p.replay_outcome.unwrap().starts_with("error:"));
        assert_eq!(count_events(&t, "test.item.handled").await, 2);
        // Fixed: the replay handles it once; a second replay is refused.
        fixed.store(true, Ordering::SeqCst);
        let p = consumer::replay(&t, &clock, &c, 2).await.unwrap();
        assert_eq!(p.replay_outcome.as_deref(), Some("ok"));
        assert_eq!(count_events(&t, "test.item.handled").await, 3);
        assert!(consumer::parked(&t, true).await.unwrap().is_empty());
        let again = consumer::replay(&t, &clock, &c, 2).await.unwrap_err();
        assert!(
            matches!(&again, Error::Conflict { rule, .. } if rule == "consumer.already_replayed"),
            "{again:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_latest_job_runs_once_for_days_of_missed_firings() {
    each_engine(|t| async move {
        // The sandbox's scaled clock jumped three days ahead of a job firing every two minutes
        // (2,160 missed firings, more than one catch-up batch): a checkpoint of the log as it is
        // now runs once, for the latest firing, and the cursor is past all of them.
        let start = Utc.with_ymd_and_hms(2026, 12, 24, 12, 0, 0).unwrap();
        let clock = Clock::manual(start);
        let firings = Arc::new(std::sync::Mutex::new(Vec::new()));
        let f2 = firings.clone();
        let job = CronJob {
            name: "test.checkpoint",
            schedule: "30 */2 * * * *",
            missed: ggzy_store::cron::Missed::RunLatest,
            run: Arc::new(
                move |_db: Db, _clock: Clock, firing: Timestamp| -> JobFuture {
                    let f = f2.clone();
                    Box::pin(async move {
                        f.lock().unwrap().push(firing);
                        Ok(())
                    })
                },
            ),
        };
        let s = cron::parse_schedule(job.schedule).unwrap();
        let jobs = vec![(job, s)];
        assert_eq!(cron::run_due(&t, &clock, "a", &jobs).await.unwrap(), 0);
        clock.set(Utc.with_ymd_and_hms(2026, 12, 27, 12, 1, 0).unwrap());
        assert_eq!(cron::run_due(&t, &clock, "a", &jobs).await.unwrap(), 1);
        assert_eq!(
            firings.lock().unwrap().clone(),
            vec![Utc.with_ymd_and_hms(2026, 12, 27, 12, 0, 30).unwrap()]
        );
        // Nothing is left to catch up; the next firing runs when due.
        assert_eq!(cron::run_due(&t, &clock, "a", &jobs).await.unwrap(), 0);
        clock.set(Utc.with_ymd_and_hms(2026, 12, 27, 12, 2, 30).unwrap());
        assert_eq!(cron::run_due(&t, &clock, "a", &jobs).await.unwrap(), 1);
        assert_eq!(firings.lock().unwrap().len(), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cron_follows_the_clock_and_runs_each_missed_firing_once_across_instances() {
    each_engine(|t| async move {
        let start = Utc.with_ymd_and_hms(2026, 12, 24, 12, 0, 0).unwrap();
        let clock = Clock::manual(start);
        let runs = Arc::new(AtomicUsize::new(0));
        let firings = Arc::new(std::sync::Mutex::new(Vec::new()));
        let job =
            |runs: Arc<AtomicUsize>, firings: Arc<std::sync::Mutex<Vec<Timestamp>>>| CronJob {
                name: "test.daily",
                schedule: "0 30 1 * * *",
                missed: ggzy_store::cron::Missed::RunEach,
                run: Arc::new(
                    move |_db: Db, _clock: Clock, firing: Timestamp| -> JobFuture {
                        let (runs, firings) = (runs.clone(), firings.clone());
                        Box::pin(async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            firings.lock().unwrap().push(firing);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok(())
                        })
                    },
                ),
            };
        let parse = |j: CronJob| {
            let s = cron::parse_schedule(j.schedule).unwrap();
            vec![(j, s)]
        };
        let a = parse(job(runs.clone(), firings.clone()));
        let b = parse(job(runs.clone(), firings.clone()));
        // First sight: the cursor starts now; nothing from before runs.
        assert_eq!(
            cron::run_due(&t, &clock, "instance-a", &a).await.unwrap(),
            0
        );
        // No instance ran from Thursday noon to Monday 12-28 02:00: four 01:30 firings missed.
        clock.set(Utc.with_ymd_and_hms(2026, 12, 28, 2, 0, 0).unwrap());
        let db2 = second_instance(&t).await;
        let (x, y) = tokio::join!(
            cron::run_due(&t, &clock, "instance-a", &a),
            cron::run_due(&db2, &clock, "instance-b", &b)
        );
        assert_eq!(
            x.unwrap() + y.unwrap(),
            4,
            "each missed firing ran once across instances"
        );
        assert_eq!(runs.load(Ordering::SeqCst), 4);
        let mut f = firings.lock().unwrap().clone();
        f.sort();
        assert_eq!(
            f,
            (25..=28)
                .map(|d| Utc.with_ymd_and_hms(2026, 12, d, 1, 30, 0).unwrap())
                .collect::<Vec<_>>()
        );
        // Caught up: another pass runs nothing until the next firing is due.
        assert_eq!(
            cron::run_due(&t, &clock, "instance-a", &a).await.unwrap(),
            0
        );
        clock.set(Utc.with_ymd_and_hms(2026, 12, 29, 1, 30, 0).unwrap());
        assert_eq!(
            cron::run_due(&db2, &clock, "instance-b", &b).await.unwrap(),
            1
        );
        if db2.engine() == Engine::Postgres {
            db2.close().await;
        }
    })
    .await;
}

/// The middleware skips its own write of the answer only when the use case committed exactly that
/// answer with its change: `scope_recording` reports an answer stored and committed, and nothing
/// for one whose transaction rolled back or that was never stored.
#[tokio::test]
async fn scope_recording_reports_only_a_committed_stored_answer() {
    each_engine(|t| async move {
        let now = t0();
        for (principal, commit) in [("user:rec-commit", true), ("user:rec-rollback", false)] {
            let b = idempotency::begin(&t, principal, "k", "POST", "/api/things", "h", now).await;
            assert!(matches!(b, Ok(Begin::Proceed)), "{}", describe(&b));
            let db = t.db.clone();
            let ((), stored) = idempotency::scope_recording(principal.to_string(), "k".to_string(), async move {
                let mut tx = db.begin().await.unwrap();
                idempotency::answer_in_tx(&mut tx, 201, r#"{"id":"r-1"}"#, now).await.unwrap();
                if commit {
                    db.commit(tx).await.unwrap();
                } else {
                    tx.rollback().await.unwrap();
                }
            })
            .await;
            if commit {
                assert_eq!(
                    stored,
                    Some((201, "application/json".to_string(), r#"{"id":"r-1"}"#.to_string()))
                );
                // … and it is what a retry replays, with no `complete` after it.
                let b = idempotency::begin(&t, principal, "k", "POST", "/api/things", "h", now + secs(1)).await;
                assert!(
                    matches!(&b, Ok(Begin::Replay { status: 201, body, .. }) if body == r#"{"id":"r-1"}"#),
                    "{}",
                    describe(&b)
                );
            } else {
                assert_eq!(stored, None, "a rolled-back answer is not reported as stored");
            }
        }
        let db = t.db.clone();
        let ((), stored) = idempotency::scope_recording("user:rec-none".to_string(), "k".to_string(), async move {
            let mut tx = db.begin().await.unwrap();
            emit(&mut tx, &db, &ActorRef::system("test"), now, NewEvent::new("test.thing.created", "thing", "r-2", json!({})))
                .await
                .unwrap();
            db.commit(tx).await.unwrap();
        })
        .await;
        assert_eq!(stored, None, "a commit without a stored answer reports none");
    })
    .await;
}

// ------------------------------------------------------------------------------------------------
// Issue 23: group commit on SQLite (commits share the sync of the write-ahead log)
// ------------------------------------------------------------------------------------------------

/// Many writers at once: each is acknowledged only once its row is committed (a reader sees it the
/// moment `commit` returns), a failed or dropped transaction leaves nothing, and on SQLite every
/// acknowledged commit went through a sync of the write-ahead log, never more syncs than commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_are_acknowledged_once_synced_and_a_failed_one_leaves_nothing() {
    each_engine(|t| async move {
        create_fault_rows(&t).await;
        let before = t.group_stats();
        let mut tasks = Vec::new();
        for i in 0..60 {
            let db = t.db.clone();
            tasks.push(tokio::spawn(async move {
                let id = format!("w{i}");
                match i % 3 {
                    0 => {
                        write_row(&db, &id).await.unwrap();
                        assert_eq!(visible_rows(&db, &id).await, 1, "{id} visible on return");
                    }
                    1 => {
                        let mut tx = db.begin().await.unwrap();
                        sqlx::query("INSERT INTO fault_rows (id, body) VALUES ($1, 'x')")
                            .bind(&id)
                            .execute(&mut *tx)
                            .await
                            .unwrap();
                        drop(tx);
                    }
                    _ => {
                        let mut tx = db.begin().await.unwrap();
                        sqlx::query("INSERT INTO fault_rows (id, body) VALUES ($1, 'x')")
                            .bind(&id)
                            .execute(&mut *tx)
                            .await
                            .unwrap();
                        let dup = sqlx::query("INSERT INTO fault_rows (id, body) VALUES ($1, 'x')")
                            .bind(&id)
                            .execute(&mut *tx)
                            .await;
                        assert!(dup.is_err(), "the duplicate is refused");
                        tx.rollback().await.unwrap();
                    }
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(scalar0(&t, "SELECT COUNT(*) FROM fault_rows").await, 20);
        let stats = t.group_stats();
        if t.engine() == Engine::Sqlite {
            let acknowledged = stats.acknowledged - before.acknowledged;
            let syncs = stats.syncs - before.syncs;
            assert_eq!(acknowledged, 20, "every committed writer acknowledged once");
            assert!((1..=20).contains(&syncs), "{syncs} syncs for 20 commits");
        } else {
            assert_eq!(
                stats,
                ggzy_store::GroupStats::default(),
                "PostgreSQL: no WAL syncs of ours"
            );
        }
    })
    .await;
}

/// On SQLite, writers queued behind a busy writer share syncs: 41 commits made one right after the
/// other are acknowledged through fewer syncs than commits, and every acknowledged row is there
/// for a new process. (The writer runs `synchronous = NORMAL`; what makes a commit durable is the
/// shared sync of the write-ahead log it waits for.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_queued_on_sqlite_share_the_sync_of_the_write_ahead_log() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (url, db) = sqlite_with_fault_rows(&dir, "group.db", &DbOptions::default()).await;
    let mode: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(db.pool_for_write())
        .await
        .unwrap();
    assert_eq!(mode, 1, "the writer runs synchronous = NORMAL");
    let before = db.group_stats();
    let mut holder = db.begin().await.unwrap();
    sqlx::query("INSERT INTO fault_rows (id, body) VALUES ('holder', 'x')")
        .execute(&mut *holder)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            write_row(&db, &format!("q{i}")).await.unwrap();
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    db.commit(holder).await.unwrap();
    for task in tasks {
        task.await.unwrap();
    }
    let stats = db.group_stats();
    let syncs = stats.syncs - before.syncs;
    assert_eq!(stats.acknowledged - before.acknowledged, 41);
    assert!(
        syncs < 41,
        "41 queued commits synced {syncs} times: not shared"
    );
    db.close().await;
    let reopened = Db::connect(&url, &DbOptions::default()).await.unwrap();
    assert_eq!(
        scalar0(&reopened, "SELECT COUNT(*) FROM fault_rows").await,
        41
    );
    reopened.close().await;
}

/// On SQLite, a full disk refuses writes during a burst without acknowledging a lost one: every
/// writer that got `Ok` is in the database after a restart, every one that got an error is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_during_a_burst_acknowledges_no_lost_write() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (url, db) = sqlite_with_fault_rows(&dir, "groupfull.db", &DbOptions::default()).await;
    for i in 0..20 {
        write_row(&db, &format!("base{i}")).await.unwrap();
    }
    db.inject_sqlite_fault(Some(SqliteFault::DiskFull))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let id = format!("g{i}");
            let r = write_row(&db, &id).await;
            (id, r.is_ok())
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    assert!(
        outcomes.iter().any(|(_, ok)| !ok),
        "the full disk refused some writes"
    );
    db.inject_sqlite_fault(None).await.unwrap();
    db.close().await;
    let reopened = Db::connect(&url, &DbOptions::default()).await.unwrap();
    for (id, ok) in &outcomes {
        let n = visible_rows(&reopened, id).await;
        assert_eq!(n, i64::from(*ok), "{id}: acknowledged {ok}, on disk {n}");
    }
    reopened.close().await;
}

/// Group commit off (`GGZY_SQLITE_GROUP_COMMIT=false`): the writer syncs every commit itself
/// (`synchronous = FULL`), and the store makes no syncs of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_group_commit_off_every_commit_syncs_itself() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let opts = DbOptions {
        sqlite_group_commit: false,
        ..DbOptions::default()
    };
    let (_, db) = sqlite_with_fault_rows(&dir, "one.db", &opts).await;
    let mode: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(db.pool_for_write())
        .await
        .unwrap();
    assert_eq!(mode, 2, "the writer runs synchronous = FULL");
    for i in 0..5 {
        write_row(&db, &format!("q{i}")).await.unwrap();
    }
    assert_eq!(db.group_stats(), ggzy_store::GroupStats::default());
    assert_eq!(scalar0(&db, "SELECT COUNT(*) FROM fault_rows").await, 5);
    db.close().await;
}
