//! Throughput of the monitoring consumer: writes N events of the kinds the rules look at into a
//! fresh database, seals them, then measures how long `consumer::drain` takes to handle them all.
//!
//! `cargo run --release -p ggzy-monitoring --example consumer_throughput -- [N] [DATABASE_URL]`
//! (default 20000 events on a temporary SQLite file).
#![allow(clippy::unwrap_used)] // Example code: a failed unwrap is a failed run.

use ggzy_core::events::{ActorRef, NewEvent};
use ggzy_core::ident::Market;
use ggzy_core::{Clock, Money};
use ggzy_events::deposits::TransferReceived;
use ggzy_events::projects::{
    AwardConfirmed, BidSubmitted, OpeningEntry, OpeningRecorded, SectionRegistered,
};
use ggzy_events::Contract;
use ggzy_monitoring::projection::MonitoringConsumer;
use ggzy_store::{consumer, migrate, outbox, Db, DbOptions};
use std::time::Instant;

fn money(s: &str) -> Money {
    Money::parse_str(s).unwrap_or(Money::ZERO)
}

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
        // Every payload is built through its contract, as the producing areas do.
        let deadline = now + chrono::Duration::days(25);
        let mut evs: Vec<NewEvent> = vec![SectionRegistered {
            section_id: sid.clone(),
            no: 1,
            name: sid.clone(),
            estimated_price: money("1000000.00"),
            deposit: money("20000.00"),
            docs_issue_at: now,
            docs_sale_end_at: now + chrono::Duration::days(5),
            bid_deadline: deadline,
            opening_at: deadline,
            state: "registered".into(),
            subject: Some("works".into()),
            project_id: format!("p{s}"),
            project_code: None,
            project_name: format!("p{s}"),
            market: Market::Construction,
            procedure: "open".into(),
            tenderer_uscc: format!("T{}", s % 50),
            owner_org_id: format!("T{}", s % 50),
            bid_validity_days: None,
            region: None,
            tenderer_name: None,
        }
        .encode()];
        for b in 0..8 {
            evs.push(
                BidSubmitted {
                    bid_id: format!("{sid}-{b}"),
                    section_id: sid.clone(),
                    project_id: Some(format!("p{s}")),
                    org_id: Some(format!("o{b}")),
                    version: Some(1),
                    ciphertext_sha256: None,
                    device_fingerprint: Some(format!("D{s}-{b}")),
                    file_creator: Some(format!("C{b}")),
                    ip: Some(format!("10.{}.0.{}", s % 250, b.min(6))),
                    project_manager_id: None,
                    representative_id: None,
                    replaces: None,
                    size: None,
                }
                .encode(),
            );
        }
        for b in 0..4 {
            evs.push(
                TransferReceived {
                    transfer_id: format!("{sid}-t{b}"),
                    bank_txn_id: format!("{sid}-x{b}"),
                    account_no: format!("VA{s}-{b}"),
                    amount: money("20000.00"),
                    value_at: now,
                    org_id: Some(format!("o{b}")),
                    section_id: Some(sid.clone()),
                    reason: None,
                    payer_account_no: format!("A{s}-{b}"),
                    payer_name: format!("o{b}"),
                }
                .encode(),
            );
        }
        let entries: Vec<OpeningEntry> = (0..8)
            .map(|b| OpeningEntry {
                bid_id: format!("{sid}-{b}"),
                org_id: format!("o{b}"),
                org_name: format!("o{b}"),
                uscc: String::new(),
                price: Some(money(&format!(
                    "{}.00",
                    900_000 + b * 1_237 + (b * b) * 101
                ))),
                decryption: "decrypted".into(),
                deposit: "valid".into(),
                suite: None,
                fault: None,
            })
            .collect();
        evs.push(
            OpeningRecorded {
                section_id: sid.clone(),
                project_id: Some(format!("p{s}")),
                market: Some("construction".into()),
                entries,
                decrypted_bids: Some(8),
                opened_at: Some(deadline),
                decryption_deadline: None,
                recorded_at: None,
                min_bids: None,
                below_min_bids: None,
                below_min_bids_basis: None,
                objections: vec![],
            }
            .encode(),
        );
        evs.push(
            AwardConfirmed {
                section_id: sid.clone(),
                project_id: Some(format!("p{s}")),
                market: Some("construction".into()),
                winner_org_id: "o0".into(),
                winner_name: None,
                notice_no: None,
                price: Some(money("900000.00")),
                awarded_at: Some(now),
                bidder_org_ids: vec![],
                procedure: None,
                winner_rank: None,
                reason: None,
                contract_due_at: None,
                contract_due_at_provisional: None,
                deemed: None,
            }
            .encode(),
        );
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
