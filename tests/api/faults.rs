//! Storage faults on SQLite: a read-only data directory and a full disk. Writes are refused with a
//! clear 503 problem+json naming the cause, nothing is half-written, reads are still served, and
//! the service recovers by itself once the fault is gone.
//!
//! The faults are injected with [`ggzy_store::Db::inject_sqlite_fault`]: `PRAGMA query_only` makes
//! SQLite answer every write with SQLITE_READONLY and `PRAGMA max_page_count` makes a growing write
//! fail with SQLITE_FULL — the same errors a read-only mount or a full disk produce. (Tests run as
//! root here, and root ignores `chmod`, so file permissions cannot stand in for a read-only
//! directory.) Both pragmas belong to a connection, and the store replaces a writer connection
//! left inside a failed transaction (docs/faults.md, bug 2) — which a full disk does, typically
//! first to the event sealer. The store therefore applies an injected fault to every writer
//! connection it opens, as a real full disk refuses the new connection too; a pragma set by hand
//! on the current connection would be lost with it.
//!
//! PostgreSQL has no read-only data directory from the application's side; its outage is covered
//! by deploy/faults/pg-restart.sh (docs/faults.md), so these tests skip on PostgreSQL.

use ggzy_api_tests::TestApp;
use ggzy_store::{Engine, SqliteFault};
use serde_json::{json, Value};

async fn rooms(app: &TestApp, staff: &str) -> Vec<Value> {
    let (s, v) = app.get(Some(staff), "/api/v1/rooms").await;
    assert_eq!(s, 200, "reads are served: {v}");
    v.as_array().cloned().unwrap_or_default()
}

fn room(name: &str) -> Value {
    json!({"kind": "evaluation_room", "name": name, "floor": 5, "capacity": 9, "isolated": true})
}

/// A room name long enough that each new room needs about as much space as the ones before.
fn big_name(prefix: &str, i: usize) -> String {
    format!("{prefix} {i} {}", "x".repeat(80))
}

async fn inject(app: &TestApp, fault: Option<SqliteFault>) {
    app.ctx
        .db
        .inject_sqlite_fault(fault)
        .await
        .expect("fault injected on the writer");
}

#[tokio::test]
async fn read_only_database_refuses_writes_and_serves_reads() {
    let app = TestApp::spawn().await;
    if app.ctx.db.engine() != Engine::Sqlite {
        // SQLite only: see the module comment. PostgreSQL refuses the injection.
        let e = app
            .ctx
            .db
            .inject_sqlite_fault(Some(SqliteFault::ReadOnly))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("SQLite only"), "{e}");
        app.stop().await;
        return;
    }
    let staff = app.login("staff").await;
    let (s, v) = app.post(Some(&staff), "/api/v1/rooms", room("A")).await;
    assert_eq!(s, 201, "{v}");
    let before = rooms(&app, &staff).await;

    inject(&app, Some(SqliteFault::ReadOnly)).await;

    // A write: refused with 503 problem+json (the helper asserts the content type) naming the cause.
    let (s, p) = app.post(Some(&staff), "/api/v1/rooms", room("B")).await;
    assert_eq!(s, 503, "{p}");
    assert!(
        p["detail"].as_str().unwrap_or("").contains("read"),
        "the problem names the read-only database: {p}"
    );
    // Also through the idempotency layer, which writes first.
    let r = app
        .client
        .post(app.url("/api/v1/rooms"))
        .bearer_auth(&staff)
        .header("Idempotency-Key", "faults-ro-1")
        .json(&room("C"))
        .send()
        .await
        .expect("request");
    let (s, p) = ggzy_api_tests::into_parts(r).await;
    assert_eq!(s, 503, "{p}");

    // Reads are still served, and nothing was half-written.
    let during = rooms(&app, &staff).await;
    assert_eq!(during, before);
    let (s, me) = app.get(Some(&staff), "/api/v1/auth/me").await;
    assert_eq!((s, me["username"].as_str()), (200, Some("staff")));
    let (s, _) = app.get(None, "/api/v1/announcements").await;
    assert_eq!(s, 200);

    // The fault goes away: the next write succeeds without a restart, and the idempotent retry runs.
    inject(&app, None).await;
    let r = app
        .client
        .post(app.url("/api/v1/rooms"))
        .bearer_auth(&staff)
        .header("Idempotency-Key", "faults-ro-1")
        .json(&room("C"))
        .send()
        .await
        .expect("request");
    let (s, v) = ggzy_api_tests::into_parts(r).await;
    assert_eq!(s, 201, "{v}");
    let after = rooms(&app, &staff).await;
    assert_eq!(after.len(), before.len() + 1);
    app.stop().await;
}

/// Fills the database up to its size limit: returns the staff token, the rooms before and the
/// rooms acknowledged before the first refusal, after checking the refusal and the reads.
async fn fill_disk(app: &TestApp) -> (String, usize, usize) {
    let staff = app.login("staff").await;
    let base = rooms(app, &staff).await.len();
    // The disk is full: the database cannot grow past its current size, so the first write needing
    // a page fails — on every writer connection, including the ones the store opens after a failure.
    inject(app, Some(SqliteFault::DiskFull)).await;

    let mut acknowledged = 0usize;
    let mut refused = None;
    for i in 0..500 {
        let (s, p) = app
            .post(Some(&staff), "/api/v1/rooms", room(&big_name("room", i)))
            .await;
        match s {
            201 => acknowledged += 1,
            _ => {
                refused = Some((s, p));
                break;
            }
        }
    }
    let (s, p) = refused.expect("a full disk refuses a write within 500 rooms");
    assert_eq!(s, 503, "{p}");
    assert!(
        p["detail"].as_str().unwrap_or("").contains("full"),
        "the problem names the full disk: {p}"
    );
    // Reads are served; exactly the acknowledged writes are there (the refused one left nothing).
    assert_eq!(rooms(app, &staff).await.len(), base + acknowledged);
    (staff, base, acknowledged)
}

#[tokio::test]
async fn full_disk_refuses_writes_clearly_and_serves_reads() {
    let app = TestApp::spawn().await;
    if app.ctx.db.engine() != Engine::Sqlite {
        // SQLite only: see the module comment.
        app.stop().await;
        return;
    }
    let (staff, base, acknowledged) = fill_disk(&app).await;
    // Further writes keep being refused the same way while the disk is full (by then the store has
    // replaced its writer connection after a failed transaction; the new one sees the full disk too).
    for i in 0..3 {
        let (s, p) = app
            .post(Some(&staff), "/api/v1/rooms", room(&big_name("more", i)))
            .await;
        assert_eq!(s, 503, "{p}");
        assert!(p["detail"].as_str().unwrap_or("").contains("full"), "{p}");
    }
    let (s, _) = app.get(None, "/api/v1/announcements").await;
    assert_eq!(s, 200);
    assert_eq!(rooms(&app, &staff).await.len(), base + acknowledged);
    app.stop().await;
}

/// Bug 2 (docs/faults.md, fixed): after SQLITE_FULL the single writer connection was left inside
/// an open transaction (sqlx's transaction depth and SQLite's state disagreed), so later
/// `begin()`/`commit()` became savepoints of a transaction that never committed. Writes after the
/// disk has space again must be committed: visible to readers, here through the read pool.
#[tokio::test]
async fn writes_succeed_again_once_the_disk_has_space() {
    let app = TestApp::spawn().await;
    if app.ctx.db.engine() != Engine::Sqlite {
        // SQLite only: see the module comment.
        app.stop().await;
        return;
    }
    let (staff, base, acknowledged) = fill_disk(&app).await;
    // Still full for a while: refused each time.
    for i in 0..2 {
        let (s, p) = app
            .post(Some(&staff), "/api/v1/rooms", room(&big_name("still", i)))
            .await;
        assert_eq!(s, 503, "{p}");
    }
    // Space again: writes are committed, and the event sealer commits again too.
    inject(&app, None).await;
    for i in 0..3 {
        let (s, v) = app
            .post(Some(&staff), "/api/v1/rooms", room(&format!("after {i}")))
            .await;
        assert_eq!(s, 201, "{v}");
        app.seal().await;
    }
    let names: Vec<String> = rooms(&app, &staff)
        .await
        .iter()
        .filter_map(|r| r["name"].as_str().map(str::to_string))
        .collect();
    assert_eq!(names.len(), base + acknowledged + 3, "{names:?}");
    for i in 0..3 {
        assert!(names.contains(&format!("after {i}")), "{names:?}");
    }
    app.stop().await;
}
