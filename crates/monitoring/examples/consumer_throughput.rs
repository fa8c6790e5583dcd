//! Throughput of the monitoring consumer: writes N events of the kinds the rules look at into a
//! fresh database, seals them, then measures how long `consumer::drain` takes to handle them all.
//!
//! `cargo run --release -p ggzy-monitoring --example consumer_throughput -- [N] [DATABASE_URL]`
//! (default 20000 events on a temporary SQLite file).
#![allow(clippy::unwrap_used)] // Example code: a failed unwrap is a failed run.

use ggzy_core::events::{ActorRef, NewEvent};
use ggzy_core::Clock;
use ggzy_monitoring::projection::MonitoringConsumer;
use ggzy_store::{consumer, migrate, outbox, Db, DbOptions};
use serde_json::json;
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let tmp = std::env::temp_dir().join(format!("ggzy-mon-bench-{}.db", std::process::id()));
    let url = args
        .next()
        .unwrap_or_else(|| format!("sqlite://{}", tmp.display()));
    let db = Db::connect(&url, &DbOptions::default()).await?;
    migrate::run(&db).await?;
    let clock = Clock::system();
    let actor = ActorRef::system("bench");
    let now = clock.now();
    let t0 = Instant::now();
    // Per section: 1 registration event, 8 bids (two share an IP), 4 deposits, 1 opening record,
    // 1 award = 15 events.
    let sections = n.div_ceil(15);
    let mut written = 0usize;
    for s in 0..sections {
        let sid = format!("bench-{s}");
        let mut evs = vec![NewEvent::new(
            "projects.section.registered",
            "section",
            &sid,
            json!({
            "section_id": sid, "project_id": format!("p{s}"), "name": sid, "market": "construction",
            "estimated_price": "1000000.00", "docs_issue_at": now.to_rfc3339(),
            "bid_deadline": (now + chrono::Duration::days(25)).to_rfc3339(),
            "opening_at": (now + chrono::Duration::days(25)).to_rfc3339(), "tenderer_uscc": format!("T{}", s % 50)}),
        )];
        for b in 0..8 {
            evs.push(NewEvent::new("projects.bid.submitted", "section", &sid, json!({
                "section_id": sid, "org_id": format!("o{b}"), "bid_id": format!("{sid}-{b}"),
                "ip": format!("10.{}.0.{}", s % 250, b.min(6)), "device_fingerprint": format!("D{s}-{b}"),
                "file_creator": format!("C{b}")})));
        }
        for b in 0..4 {
            evs.push(NewEvent::new("deposits.transfer.received", "deposit_transfer", format!("{sid}-t{b}"), json!({
                "section_id": sid, "org_id": format!("o{b}"), "account_no": format!("VA{s}-{b}"), "payer_account_no": format!("A{s}-{b}"), "amount": "20000.00"})));
        }
        let entries: Vec<_> = (0..8).map(|b| json!({"org_id": format!("o{b}"), "org_name": format!("o{b}"),
            "price": format!("{}.00", 900_000 + b * 1_237 + (b * b) * 101), "decryption": "decrypted", "deposit": "valid"})).collect();
        evs.push(NewEvent::new(
            "projects.opening.recorded",
            "section",
            &sid,
            json!({"section_id": sid, "entries": entries}),
        ));
        evs.push(NewEvent::new("projects.award.confirmed", "section", &sid, json!({
            "section_id": sid, "winner_org_id": "o0", "price": "900000.00", "awarded_at": now.to_rfc3339()})));
        let mut tx = db.begin().await?;
        for ev in evs {
            if written >= n {
                break;
            }
            outbox::emit(&mut tx, &db, &actor, now, ev).await?;
            written += 1;
        }
        db.commit(tx).await?;
    }
    outbox::seal_all(&db).await?;
    let write = t0.elapsed();
    let t1 = Instant::now();
    let handled = consumer::drain(&db, &clock, &MonitoringConsumer).await?;
    let drain = t1.elapsed();
    let alerts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mon_alerts")
        .fetch_one(db.pool())
        .await?;
    println!(
        "engine={:?} events={handled} write+seal={:.2}s drain={:.2}s throughput={:.0} events/s alerts={alerts}",
        db.engine(),
        write.as_secs_f64(),
        drain.as_secs_f64(),
        handled as f64 / drain.as_secs_f64().max(1e-9)
    );
    db.close().await;
    let _ = std::fs::remove_file(&tmp);
    let _ = std::fs::remove_file(tmp.with_extension("db-wal"));
    let _ = std::fs::remove_file(tmp.with_extension("db-shm"));
    Ok(())
}
