//! Benchmark (not a test): one live online auction (网络竞价) against a running `ggzy serve --demo`,
//! with W watchers following it live (SSE, `/api/v1/auctions/{id}/stream`) while the numbered
//! bidders bid as fast as the auction lets them. Reports accepted bids per second, the latency of
//! a bid (request to `201`), and the fan-out: for every accepted bid and every watcher, the time
//! from the bid's `201` reaching its bidder to the watcher receiving the `bid` event. Then proves
//! nothing was lost: every watcher received every accepted bid, once and in order, and the
//! auction's bid log holds exactly the acknowledged bids.
//!
//! ```text
//! ggzy serve --demo --demo-password demo-password-123 &      # prints `online auction … AUCTION=<id>`
//! cargo run --release -p ggzy-api-tests --example auction_bench -- --url http://127.0.0.1:8080 \
//!     --password demo-password-123 --auction <id> --watchers 1000 --seconds 20 --json out.json
//! ```
//!
//! The demo's live auction has two numbered bidders (`bidder1`, `bidder2`, who quoted during its
//! listing). The holder of the highest bid may not raise it (`auctions.already_highest`), so the
//! two bid in turn: the auction's bid rate is bounded by one bid's round trip, which is what this
//! measures (a land auction's bidders are a handful; every bid must still be decided in order).
//! Every bid carries an `Idempotency-Key`. Watchers sign in as `--watcher-user` (default
//! `supervisor`, 监管); each holds its own connection. The watchers' clock is this process's, so
//! the fan-out needs no synchronised clocks; a watcher may see a bid before its bidder reads the
//! `201` (counted as 0 ms, and reported as `before_ack`).
#![allow(clippy::unwrap_used)] // Benchmark code: a failed unwrap is a failed run.

use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    url: String,
    password: String,
    auction: String,
    watchers: usize,
    seconds: f64,
    max_bids: usize,
    bidders: Vec<String>,
    watcher_user: String,
    json_out: Option<String>,
}

const USAGE: &str = "use --url --password --auction ID --watchers N --seconds S --max-bids N \
                     --bidder USER (repeatable; default bidder1 bidder2) --watcher-user USER --json FILE";

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        url: "http://127.0.0.1:8080".into(),
        password: std::env::var("GGZY_DEMO_PASSWORD").unwrap_or_default(),
        auction: String::new(),
        watchers: 1000,
        seconds: 20.0,
        max_bids: 1_000_000,
        bidders: Vec::new(),
        watcher_user: "supervisor".into(),
        json_out: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || {
            it.next()
                .ok_or_else(|| anyhow::anyhow!("{k} needs a value; {USAGE}"))
        };
        match k.as_str() {
            "--url" => a.url = v()?,
            "--password" => a.password = v()?,
            "--auction" => a.auction = v()?,
            "--watchers" => a.watchers = v()?.parse()?,
            "--seconds" => a.seconds = v()?.parse()?,
            "--max-bids" => a.max_bids = v()?.parse()?,
            "--bidder" => a.bidders.push(v()?),
            "--watcher-user" => a.watcher_user = v()?,
            "--json" => a.json_out = Some(v()?),
            _ => anyhow::bail!("unknown argument {k}; {USAGE}"),
        }
    }
    if a.bidders.is_empty() {
        a.bidders = vec!["bidder1".into(), "bidder2".into()];
    }
    anyhow::ensure!(!a.auction.is_empty(), "--auction is required; {USAGE}");
    anyhow::ensure!(a.bidders.len() >= 2, "at least two bidders; {USAGE}");
    Ok(a)
}

async fn login(c: &reqwest::Client, base: &str, user: &str, pw: &str) -> anyhow::Result<String> {
    for tries in 1..=60u64 {
        let r = c
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": user, "password": pw}))
            .send()
            .await?;
        let s = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if s == 503 || s == 429 {
            tokio::time::sleep(Duration::from_millis(250 * tries.min(8))).await;
            continue;
        }
        anyhow::ensure!(s == 200, "login {user}: {s} {v}");
        return Ok(v["token"].as_str().unwrap_or_default().to_string());
    }
    anyhow::bail!("login {user}: still throttled")
}

/// The auction as staff see it (its phase, prices and whole bid log).
async fn get_json(c: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Value> {
    Ok(c.get(url).bearer_auth(token).send().await?.json().await?)
}

/// Money in fen from the API's decimal string ("31500000.00").
fn fen(s: &str) -> i64 {
    let (yuan, cents) = s.split_once('.').unwrap_or((s, "0"));
    yuan.parse::<i64>().unwrap() * 100 + format!("{cents:0<2}")[..2].parse::<i64>().unwrap()
}

fn money(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// What one watcher received: (seq, when) of every `bid` event, in arrival order.
type Seen = Vec<(i64, Instant)>;

/// Follow the auction until it has received the bid `target` (set once the bidding ends) and
/// return what arrived. Parses only the `id:` lines (a `bid` event's id is its sequence number;
/// `state` events carry none).
async fn watch(
    c: reqwest::Client,
    url: String,
    token: Arc<String>,
    ready: Arc<tokio::sync::Semaphore>,
    mut target: tokio::sync::watch::Receiver<Option<i64>>,
) -> anyhow::Result<Seen> {
    let mut r = c.get(&url).bearer_auth(token.as_str()).send().await?;
    anyhow::ensure!(r.status() == 200, "stream: {}", r.status());
    let mut seen: Seen = Vec::with_capacity(16_384);
    let mut line: Vec<u8> = Vec::with_capacity(256);
    let mut signalled = false;
    let mut last = 0i64;
    loop {
        if target.borrow().is_some_and(|t| last >= t) {
            break;
        }
        let chunk = tokio::select! {
            c = r.chunk() => c?,
            _ = target.changed() => continue,
        };
        let Some(chunk) = chunk else { break };
        let at = Instant::now();
        for piece in chunk.split_inclusive(|b| *b == b'\n') {
            let Some((b'\n', rest)) = piece.split_last() else {
                line.extend_from_slice(piece); // the start of a line the next chunk ends
                continue;
            };
            let whole;
            let line_now: &[u8] = if line.is_empty() {
                rest
            } else {
                line.extend_from_slice(rest);
                whole = std::mem::take(&mut line);
                &whole
            };
            if let Some(id) = line_now.strip_prefix(b"id:") {
                let seq: i64 = std::str::from_utf8(id)?.trim().parse()?;
                seen.push((seq, at));
                last = last.max(seq);
            } else if !signalled && line_now.starts_with(b"event: state") {
                signalled = true;
                ready.add_permits(1);
            }
        }
    }
    Ok(seen)
}

/// What the bidders did: every accepted bid (seq, sent, `201` read, price), each accepted bid's
/// latency, the refusals by rule, the attempts and the bidding time in seconds.
struct Bidding {
    accepted: Vec<(i64, Instant, Instant, String)>,
    bid_ms: Vec<f64>,
    refused: std::collections::BTreeMap<String, usize>,
    attempts: usize,
    elapsed: f64,
}

/// The bidders (one token each) bid in turn, each bid one increment over the current price, for
/// `seconds` or until `max_bids` were accepted.
async fn bid_in_turn(
    bid_url: String,
    tokens: Vec<String>,
    mut current: i64,
    increment: i64,
    seconds: f64,
    max_bids: usize,
) -> anyhow::Result<Bidding> {
    let c = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let mut accepted: Vec<(i64, Instant, Instant, String)> = Vec::new(); // seq, sent, 201, price
    let mut bid_ms: Vec<f64> = Vec::new();
    let mut refused: std::collections::BTreeMap<String, usize> = Default::default();
    let mut turn = 0usize;
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs_f64(seconds);
    let mut attempts = 0usize;
    while Instant::now() < deadline && accepted.len() < max_bids {
        let price = money(current + increment);
        let sent = Instant::now();
        attempts += 1;
        let r = c
            .post(&bid_url)
            .bearer_auth(&tokens[turn % tokens.len()])
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&json!({ "price": price }))
            .send()
            .await?;
        let s = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        let got = Instant::now();
        match s {
            201 => {
                accepted.push((v["seq"].as_i64().unwrap(), sent, got, price));
                bid_ms.push(got.duration_since(sent).as_secs_f64() * 1e3);
                current += increment;
                turn += 1;
            }
            409 if v["rule"] == "auctions.already_highest" => {
                *refused.entry("already_highest".into()).or_default() += 1;
                turn += 1;
            }
            409 if v["rule"] == "auctions.outbid" => {
                *refused.entry("outbid".into()).or_default() += 1;
                if let Some(p) = v["current_price"].as_str() {
                    current = fen(p);
                }
            }
            _ => anyhow::bail!("bid {price}: {s} {v}"),
        }
    }
    Ok(Bidding {
        accepted,
        bid_ms,
        refused,
        attempts,
        elapsed: t0.elapsed().as_secs_f64(),
    })
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let base = a.url.trim_end_matches('/').to_string();
    let c = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let staff = login(&c, &base, "staff", &a.password).await?;
    let mut tokens = Vec::new();
    for u in &a.bidders {
        tokens.push(login(&c, &base, u, &a.password).await?);
    }
    let watch_token = Arc::new(login(&c, &base, &a.watcher_user, &a.password).await?);
    let auction_url = format!("{base}/api/v1/auctions/{}", a.auction);
    let v = get_json(&c, &auction_url, &staff).await?;
    anyhow::ensure!(v["phase"] == "auction", "the auction is not live: {v}");
    let increment = fen(v["increment"].as_str().unwrap());
    let start_bids = v["bids"].as_array().map(Vec::len).unwrap_or(0);
    let current = v["current_price"]
        .as_str()
        .map(fen)
        .unwrap_or_else(|| fen(v["starting_price"].as_str().unwrap()) - increment);
    eprintln!(
        "auction {} live: {} bids so far, current {}, increment {}; opening {} watchers",
        a.auction,
        start_bids,
        money(current),
        money(increment),
        a.watchers
    );

    // The watchers: each holds its own connection (HTTP/1.1: one stream per connection).
    let (target_tx, target_rx) = tokio::sync::watch::channel(None);
    let ready = Arc::new(tokio::sync::Semaphore::new(0));
    let stream_url = format!("{auction_url}/stream");
    let wc = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let mut watchers = Vec::with_capacity(a.watchers);
    let t_open = Instant::now();
    for _ in 0..a.watchers {
        watchers.push(tokio::spawn(watch(
            wc.clone(),
            stream_url.clone(),
            watch_token.clone(),
            ready.clone(),
            target_rx.clone(),
        )));
    }
    let opened = tokio::time::timeout(
        Duration::from_secs(120),
        ready.acquire_many(a.watchers as u32),
    )
    .await;
    anyhow::ensure!(
        opened.is_ok(),
        "not every watcher got its first state in 120 s"
    );
    let open_secs = t_open.elapsed().as_secs_f64();
    eprintln!(
        "{} watchers following ({open_secs:.1} s); bidding for {} s",
        a.watchers, a.seconds
    );

    // The bidders bid in turn: the holder of the highest bid may not raise it. They run on their
    // own thread and runtime, as bidders at their own computers would: on this process's runtime
    // a bid's answer waited in the queue behind the thousand watcher tasks parsing the last
    // fan-out, which measured this client, not the server (docs/benchmarks.md, "One auction").
    let bid_url = format!("{auction_url}/bids");
    let (max_bids, seconds) = (a.max_bids, a.seconds);
    let bidding = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(bid_in_turn(
                bid_url, tokens, current, increment, seconds, max_bids,
            ))
    });
    let Bidding {
        accepted,
        mut bid_ms,
        refused,
        attempts,
        elapsed,
    } = tokio::task::spawn_blocking(move || bidding.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the bidding thread panicked"))??;
    let bids_per_s = accepted.len() as f64 / elapsed;
    eprintln!(
        "{} bids accepted in {elapsed:.1} s ({bids_per_s:.1}/s, {attempts} attempts)",
        accepted.len()
    );

    // Every watcher stops once it has the last accepted bid; those still short of it after 30 s
    // count as failed (and their bids as missing).
    let last_seq = accepted.last().map(|b| b.0).unwrap_or(0);
    target_tx.send_replace(Some(last_seq));
    let catch_up = Instant::now();
    let catch_up_end = tokio::time::Instant::now() + Duration::from_secs(30);
    let expected: std::collections::HashMap<i64, usize> =
        accepted.iter().enumerate().map(|(i, b)| (b.0, i)).collect();
    let mut fanout: Vec<f64> = Vec::with_capacity(accepted.len() * a.watchers);
    let mut last_watcher: Vec<f64> = vec![0.0; accepted.len()];
    let mut before_ack = 0usize;
    let mut missing = 0usize;
    let mut duplicates_or_disorder = 0usize;
    let mut failed_watchers = 0usize;
    let mut first_failure = None;
    for mut w in watchers {
        let joined = tokio::time::timeout_at(catch_up_end, &mut w).await;
        let failure = match joined {
            Ok(Ok(Ok(seen))) => Ok(seen),
            Ok(Ok(Err(e))) => Err(e.to_string()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => {
                w.abort();
                Err("did not receive the last bid within 30 s".to_string())
            }
        };
        let seen = match failure {
            Ok(seen) => seen,
            Err(e) => {
                failed_watchers += 1;
                missing += accepted.len();
                first_failure.get_or_insert(e);
                continue;
            }
        };
        let mut got = vec![false; accepted.len()];
        let mut prev = 0i64;
        for (seq, at) in seen {
            if seq <= prev {
                duplicates_or_disorder += 1;
            }
            prev = seq;
            let Some(&i) = expected.get(&seq) else {
                continue; // a bid from before the run (resent to a new watcher)
            };
            got[i] = true;
            let ack = accepted[i].2;
            let d = if at < ack {
                before_ack += 1;
                0.0
            } else {
                at.duration_since(ack).as_secs_f64() * 1e3
            };
            fanout.push(d);
            last_watcher[i] = last_watcher[i].max(d);
        }
        missing += got.iter().filter(|g| !**g).count();
    }
    let catch_up_secs = catch_up.elapsed().as_secs_f64();
    fanout.sort_by(f64::total_cmp);
    last_watcher.sort_by(f64::total_cmp);
    bid_ms.sort_by(f64::total_cmp);

    // The auction's own log: every acknowledged bid, at its price, nothing else after the start.
    let v = get_json(&c, &auction_url, &staff).await?;
    let log = v["bids"].as_array().cloned().unwrap_or_default();
    let mut log_mismatch = 0usize;
    for (seq, _, _, price) in &accepted {
        let in_log = log
            .iter()
            .find(|b| b["seq"].as_i64() == Some(*seq))
            .and_then(|b| b["price"].as_str())
            .map(str::to_string);
        if in_log.as_deref() != Some(price.as_str()) {
            log_mismatch += 1;
        }
    }
    let extra_in_log = (log.len() - start_bids).saturating_sub(accepted.len());

    let out = json!({
        "auction": a.auction,
        "watchers": a.watchers,
        "bidders": a.bidders.len(),
        "seconds": elapsed,
        "accepted": accepted.len(),
        "attempts": attempts,
        "refused": refused,
        "bids_per_s": bids_per_s,
        "bid_ms": {"p50": pct(&bid_ms, 50.0), "p99": pct(&bid_ms, 99.0), "max": pct(&bid_ms, 100.0)},
        "fanout_ms": {"deliveries": fanout.len(), "p50": pct(&fanout, 50.0), "p99": pct(&fanout, 99.0),
                      "max": pct(&fanout, 100.0), "before_ack": before_ack},
        "last_watcher_ms": {"p50": pct(&last_watcher, 50.0), "p99": pct(&last_watcher, 99.0),
                            "max": pct(&last_watcher, 100.0)},
        "open_secs": open_secs,
        "catch_up_secs": catch_up_secs,
        "missing": missing,
        "duplicates_or_disorder": duplicates_or_disorder,
        "failed_watchers": failed_watchers,
        "first_failure": first_failure,
        "log_mismatch": log_mismatch,
        "extra_in_log": extra_in_log,
    });
    println!(
        "auction: {} watchers, {} bidders: {} bids in {:.1} s = {:.1} bids/s; bid p50 {:.1} ms p99 {:.1} ms",
        a.watchers,
        a.bidders.len(),
        accepted.len(),
        elapsed,
        bids_per_s,
        pct(&bid_ms, 50.0),
        pct(&bid_ms, 99.0)
    );
    println!(
        "fan-out ({} deliveries): p50 {:.1} ms p99 {:.1} ms max {:.1} ms; last watcher per bid p99 {:.1} ms",
        fanout.len(),
        pct(&fanout, 50.0),
        pct(&fanout, 99.0),
        pct(&fanout, 100.0),
        pct(&last_watcher, 99.0)
    );
    println!(
        "checks: missing {missing}, duplicates/disorder {duplicates_or_disorder}, failed watchers \
         {failed_watchers}, bid log mismatches {log_mismatch}, extra bids in log {extra_in_log}"
    );
    if let Some(f) = &a.json_out {
        std::fs::write(f, serde_json::to_string_pretty(&out)?)?;
    }
    anyhow::ensure!(
        missing == 0
            && duplicates_or_disorder == 0
            && failed_watchers == 0
            && log_mismatch == 0
            && extra_in_log == 0,
        "the live follow lost or disordered bids: {out}"
    );
    Ok(())
}
