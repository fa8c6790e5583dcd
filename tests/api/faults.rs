//! Storage faults on SQLite: a read-only data directory and a full disk. Writes are refused with a
//! clear 503 problem+json naming the cause, nothing is half-written, reads are still served, and
//! the service recovers by itself once the fault is gone.
//!
//! The faults are injected on the live writer connection: `PRAGMA query_only` makes SQLite answer
//! every write with SQLITE_READONLY and `PRAGMA max_page_count` makes a growing write fail with
//! SQLITE_FULL — the same errors a read-only mount or a full disk produce. (Tests run as root
//! here, and root ignores `chmod`, so file permissions cannot stand in for a read-only directory.)
//!
//! PostgreSQL has no read-only data directory from the application's side; its outage is covered
//! by deploy/faults/pg-restart.sh (docs/faults.md), so these tests skip on PostgreSQL.

use ggzy_api_tests::TestApp;
use ggzy_store::Engine;
use serde_json::{json, Value};

async fn rooms(app: &TestApp, staff: &str) -> Vec<Value> {
    let (s, v) = app.get(Some(staff), "/api/v1/rooms").await;
    assert_eq!(s, 200, "reads are served: {v}");
    v.as_array().cloned().unwrap_or_default()
}

fn room(name: &str) -> Value {
    json!({"kind": "evaluation_room", "name": name, "floor": 5, "capacity": 9, "isolated": true})
}

async fn pragma(app: &TestApp, sql: &str) {
    sqlx::query(sql)
        .execute(app.ctx.db.pool_for_write())
        .await
        .expect("pragma on the writer connection");
}

#[tokio::test]
async fn read_only_database_refuses_writes_and_serves_reads() {
    let app = TestApp::spawn().await;
    if app.ctx.db.engine() != Engine::Sqlite {
        // SQLite only: see the module comment.
        app.stop().await;
        return;
    }
    let staff = app.login("staff").await;
    let (s, v) = app.post(Some(&staff), "/api/v1/rooms", room("A")).await;
    assert_eq!(s, 201, "{v}");
    let before = rooms(&app, &staff).await;

    pragma(&app, "PRAGMA query_only = ON").await;

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
    pragma(&app, "PRAGMA query_only = OFF").await;
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
    // The database cannot grow past its current size: the first write needing a page fails.
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(app.ctx.db.pool_for_write())
        .await
        .expect("page_count");
    pragma(app, &format!("PRAGMA max_page_count = {pages}")).await;

    let mut acknowledged = 0usize;
    let mut refused = None;
    for i in 0..500 {
        let name = format!("room {i} {}", "x".repeat(80));
        let (s, p) = app.post(Some(&staff), "/api/v1/rooms", room(&name)).await;
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
    // Further writes keep being refused the same way while the disk is full.
    let (s, p) = app.post(Some(&staff), "/api/v1/rooms", room("more")).await;
    assert_eq!(s, 503, "{p}");
    let (s, _) = app.get(None, "/api/v1/announcements").await;
    assert_eq!(s, 200);
    assert_eq!(rooms(&app, &staff).await.len(), base + acknowledged);
    app.stop().await;
}

/// BUG (docs/faults.md): after SQLITE_FULL the single writer connection is left inside an open
/// transaction (sqlx's transaction depth and SQLite's state disagree), so later `begin()`/`commit()`
/// become savepoints of a transaction that never commits: writes after the disk has space again
/// are answered without being durable. Un-ignore when crates/store discards a writer connection
/// whose commit failed.
#[tokio::test]
#[ignore = "known bug: the SQLite writer stays in a transaction after a full disk (docs/faults.md)"]
async fn writes_succeed_again_once_the_disk_has_space() {
    let app = TestApp::spawn().await;
    if app.ctx.db.engine() != Engine::Sqlite {
        // SQLite only: see the module comment.
        app.stop().await;
        return;
    }
    let (staff, base, acknowledged) = fill_disk(&app).await;
    pragma(&app, "PRAGMA max_page_count = 1073741823").await;
    let (s, v) = app.post(Some(&staff), "/api/v1/rooms", room("after")).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(rooms(&app, &staff).await.len(), base + acknowledged + 1);
    app.stop().await;
}
