//! Benchmark helper (not a test): the machine's limits that the benchmarks are compared with,
//! measured in the same run (docs/benchmarks.md, `deploy/load/bench-all`).
//!
//! ```text
//! limits sqlite --dir /tmp/lim --seconds 10 [--clients 100] [--group-commit]
//! ```
//!
//! `sqlite`: the raw SQLite write ceiling on this disk — a fresh database file with the settings
//! `ggzy serve` uses (WAL, `synchronous = FULL`, `foreign_keys = ON`), one writer connection (as the
//! server's single SQLite writer), `--clients` tasks each committing transactions of two inserts (a
//! 64-byte row and a 200-byte event row: the smallest a sealed bid's acknowledgement could be) for
//! `--seconds`. Prints one JSON line: transactions per second. A rush bidder makes four write
//! transactions (register, account, credit, upload), so bidders/s ≤ tps / 4.
//!
//! `--group-commit`: the same transactions through the store's `Db` with SQLite group commit
//! (crates/store/src/group.rs: `synchronous = NORMAL` on the writer, each commit acknowledged
//! once a shared `fdatasync` of the write-ahead log covers it): the write ceiling of the server's
//! default configuration on this disk.
//!
//! The PostgreSQL limits are measured by pgbench (`deploy/load/minimal-bid.pgbench.sql` and
//! `deploy/load/rush.pgbench.sql`).
#![allow(clippy::unwrap_used)] // Benchmark code: a failed unwrap is a failed run.

use ggzy_store::{Db, DbOptions};
use sqlx::any::AnyPoolOptions;
use sqlx::Executor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn arg(name: &str) -> Option<String> {
    let mut it = std::env::args().skip(2);
    while let Some(k) = it.next() {
        if k == name {
            return it.next();
        }
    }
    None
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cmd = std::env::args().nth(1).unwrap_or_default();
    anyhow::ensure!(
        cmd == "sqlite",
        "use: limits sqlite --dir DIR [--seconds S] [--clients N]"
    );
    let dir = arg("--dir").ok_or_else(|| anyhow::anyhow!("--dir is required"))?;
    let seconds: u64 = arg("--seconds").map_or(Ok(10), |s| s.parse())?;
    let clients: usize = arg("--clients").map_or(Ok(100), |s| s.parse())?;
    std::fs::create_dir_all(&dir)?;
    let path = std::path::Path::new(&dir).join("limit.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let group = std::env::args().any(|a| a == "--group-commit");
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let (pool, db) = if group {
        let db = Db::connect(&url, &DbOptions::default()).await?;
        (db.pool_for_write().clone(), Some(db))
    } else {
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        (pool, None)
    };
    pool.execute(
        "CREATE TABLE bids (id TEXT PRIMARY KEY, section_id TEXT NOT NULL, digest TEXT NOT NULL, \
         received_at TEXT NOT NULL)",
    )
    .await?;
    pool.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, \
         payload TEXT NOT NULL, at TEXT NOT NULL)",
    )
    .await?;
    let done = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut set = tokio::task::JoinSet::new();
    let payload = "x".repeat(200);
    for c in 0..clients {
        let (pool, db, done, payload) = (pool.clone(), db.clone(), done.clone(), payload.clone());
        set.spawn(async move {
            let mut i = 0u64;
            while Instant::now() < end {
                let id = format!("{c}-{i}");
                let mut tx = match &db {
                    Some(db) => db.begin().await?,
                    None => pool.begin().await?,
                };
                sqlx::query(
                    "INSERT INTO bids (id, section_id, digest, received_at) VALUES (?, ?, ?, ?)",
                )
                .bind(&id)
                .bind("section")
                .bind("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
                .bind("2026-12-06T00:00:00Z")
                .execute(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO events (name, payload, at) VALUES (?, ?, ?)")
                    .bind("bid.received")
                    .bind(&payload)
                    .bind("2026-12-06T00:00:00Z")
                    .execute(&mut *tx)
                    .await?;
                match &db {
                    Some(db) => db.commit(tx).await?,
                    None => tx.commit().await?,
                }
                done.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            anyhow::Ok(())
        });
    }
    let t0 = Instant::now();
    while let Some(r) = set.join_next().await {
        r??;
    }
    let wall = t0.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    let tps = n as f64 / wall;
    let syncs = db.as_ref().map(|d| d.group_stats().syncs);
    println!(
        "{}",
        serde_json::json!({"limit": if group { "sqlite_group_commit" } else { "sqlite" }, "clients": clients, "transactions": n,
            "seconds": wall, "tps": tps, "wal_syncs": syncs, "bidders_per_sec_at_4_tx": tps / 4.0})
    );
    Ok(())
}
