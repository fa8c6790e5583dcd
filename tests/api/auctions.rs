//! Land and property markets: listings (挂牌), online auctions (网络竞价) with extension (延时竞价),
//! deal confirmation. The upstream facts (section registered, announcement published, bidder
//! registered, deposit valid) are recorded as the contract events those areas emit, so each test
//! starts exactly where the auctions area takes over.

use chrono::Duration;
use ggzy_api_tests::TestApp;
use ggzy_core::events::{ActorRef, NewEvent};
use serde_json::{json, Value};
use sqlx::Row;

const USERS: [&str; 3] = ["bidder1", "bidder2", "bidder3"];

async fn org_of(app: &TestApp, username: &str) -> String {
    sqlx::query("SELECT org_id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(app.ctx.db.pool())
        .await
        .unwrap()
        .try_get::<String, _>(0)
        .unwrap()
}

async fn record(app: &TestApp, event_type: &str, aggregate: &str, payload: Value) {
    let mut tx = app.ctx.db.begin().await.unwrap();
    ggzy_store::emit(
        &mut tx,
        &app.ctx.db,
        &ActorRef::system("test-upstream"),
        app.clock().now(),
        NewEvent::new(event_type, "section", aggregate, payload),
    )
    .await
    .unwrap();
    app.ctx.db.commit(tx).await.unwrap();
    app.seal().await;
}

async fn count_events(app: &TestApp, event_type: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM events WHERE event_type = $1")
        .bind(event_type)
        .fetch_one(app.ctx.db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

async fn last_event(app: &TestApp, event_type: &str) -> Value {
    let s: String = sqlx::query(
        "SELECT payload FROM events WHERE event_type = $1 ORDER BY occurred_at DESC LIMIT 1",
    )
    .bind(event_type)
    .fetch_one(app.ctx.db.pool())
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    serde_json::from_str(&s).unwrap()
}

/// A section of `market`, announced now, with `bidders` registered and holding a valid deposit;
/// returns once the auctions projection numbered them.
async fn section(app: &TestApp, market: &str, bidders: usize) -> String {
    let sid = ggzy_core::ids::new_id();
    let (kind, procedure) = if market == "land" {
        ("land_transfer", "listing")
    } else {
        ("property_disclosure", "online_bidding")
    };
    record(
        app,
        "projects.section.registered",
        &sid,
        json!({"section_id": sid, "project_id": "p-".to_string() + &sid, "market": market,
               "procedure": procedure, "name": "大连市某地块", "deposit": "200000.00"}),
    )
    .await;
    record(
        app,
        "publishing.announcement.published",
        &sid,
        json!({"announcement_id": "a-".to_string() + &sid, "type": kind, "market": market,
               "section_ids": [sid], "published_at": app.clock().now().to_rfc3339()}),
    )
    .await;
    for u in USERS.iter().take(bidders) {
        let org = org_of(app, u).await;
        record(
            app,
            "projects.registration.created",
            &sid,
            json!({"registration_id": ggzy_core::ids::new_id(), "section_id": sid, "org_id": org}),
        )
        .await;
        record(
            app,
            "deposits.deposit.valid",
            &sid,
            json!({"section_id": sid, "org_id": org, "deposit": "200000.00"}),
        )
        .await;
    }
    app.seal().await;
    let staff = app.login("staff").await;
    for _ in 0..200 {
        let (s, v) = app
            .get(
                Some(&staff),
                &format!("/api/v1/auctions/sections/{sid}/bidders"),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let numbered = v
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["number"].is_string())
            .count();
        // The projection handles events in order: numbered bidders imply the section is known.
        if numbered == bidders {
            return sid;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the auctions projection never numbered the bidders of {sid}");
}

fn listing(
    sid: &str,
    start: chrono::DateTime<chrono::Utc>,
    days: i64,
    reserve: Option<&str>,
) -> Value {
    json!({"section_id": sid, "listing_start": start.to_rfc3339(),
           "listing_end": (start + Duration::days(days)).to_rfc3339(),
           "starting_price": "1000000.00", "increment": "10000.00", "reserve_price": reserve,
           "free_bid_minutes": 10, "extension_minutes": 5})
}

fn ts(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
}

async fn wait_phase(app: &TestApp, id: &str, phase: &str) -> Value {
    let token = app.login("staff").await;
    for _ in 0..200 {
        let (s, v) = app
            .get(Some(&token), &format!("/api/v1/auctions/{id}"))
            .await;
        assert_eq!(s, 200, "{v}");
        if v["phase"] == phase {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("auction {id} never reached {phase}");
}

/// Bid as `user` (logs in: the manual clock jumps days and tokens live 12 hours).
async fn bid(app: &TestApp, user: &str, id: &str, price: &str) -> (u16, Value) {
    let token = app.login(user).await;
    app.post(
        Some(&token),
        &format!("/api/v1/auctions/{id}/bids"),
        json!({"price": price}),
    )
    .await
}

fn rules_of(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["rule"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_land_listing_keeps_39_ling_periods_and_a_single_bidder_gets_the_deal() {
    let app = TestApp::spawn().await;
    let sid = section(&app, "land", 1).await;
    let staff = app.login("staff").await;
    let b1 = app.login("bidder1").await;
    let now = app.clock().now();
    // 20 days after the announcement is the earliest start; 10 days the shortest listing.
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(
                &sid,
                now + Duration::days(20) - Duration::seconds(1),
                10,
                None,
            ),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), vec!["auctions.land_announcement_period"]);
    let mut short = listing(&sid, now + Duration::days(20), 10, None);
    short["listing_end"] = json!((now + Duration::days(30) - Duration::seconds(1)).to_rfc3339());
    let (s, v) = app.post(Some(&staff), "/api/v1/auctions", short).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), vec!["auctions.land_listing_period"]);
    // Bidders cannot create listings.
    let (s, _) = app
        .post(
            Some(&b1),
            "/api/v1/auctions",
            listing(&sid, now + Duration::days(20), 10, Some("1000000.00")),
        )
        .await;
    assert_eq!(s, 403);
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(&sid, now + Duration::days(20), 10, Some("1000000.00")),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["reserve_set"], true);
    assert!(
        v["reserve_price"].is_null(),
        "the reserve stays secret: {v}"
    );
    let id = v["id"].as_str().unwrap().to_string();
    // Not open yet.
    let (s, v) = bid(&app, "bidder1", &id, "1000000.00").await;
    assert_eq!(s, 409, "{v}");
    app.clock().advance(Duration::days(20));
    let (s, v) = bid(&app, "bidder1", &id, "1005000.00").await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), vec!["auctions.whole_increments"]);
    let (s, v) = bid(&app, "bidder1", &id, "1010000.00").await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["number"], "001");
    // Bidder3 has no number (not registered): refused.
    let b3 = app.login("bidder3").await;
    let (s, _) = bid(&app, "bidder3", &id, "1020000.00").await;
    assert_eq!(s, 403);
    let (_, v) = app.get(Some(&b3), &format!("/api/v1/auctions/{id}")).await;
    assert_eq!(v["bids"][0]["number"], "001");
    assert!(!v.to_string().contains("org_id"), "no names or orgs: {v}");
    app.clock().advance(Duration::days(10));
    let v = wait_phase(&app, &id, "deal").await;
    assert_eq!(v["reserve_price"], "1000000.00");
    app.seal().await;
    let ev = last_event(&app, "auctions.deal.confirmed").await;
    assert_eq!(ev["winner_org_id"], org_of(&app, "bidder1").await);
    assert_eq!(ev["price"], "1010000.00");
    assert_eq!(ev["via"], "listing");
    assert_eq!(ev["market"], "land");
    app.stop().await;
}

#[tokio::test]
async fn a_listing_without_quotes_fails() {
    let app = TestApp::spawn().await;
    let sid = section(&app, "land", 2).await;
    let staff = app.login("staff").await;
    let now = app.clock().now();
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(&sid, now + Duration::days(20), 10, None),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let (s, _) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(&sid, now + Duration::days(20), 10, None),
        )
        .await;
    assert_eq!(s, 409, "one listing per section");
    app.clock().advance(Duration::days(30));
    let v = wait_phase(&app, &id, "failed").await;
    assert_eq!(v["outcome"], "no_quote");
    app.seal().await;
    assert_eq!(count_events(&app, "auctions.listing.failed").await, 1);
    assert_eq!(count_events(&app, "auctions.deal.confirmed").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn property_disclosure_lasts_20_working_days() {
    let app = TestApp::spawn().await;
    let sid = section(&app, "property", 1).await;
    let staff = app.login("staff").await;
    let now = app.clock().now(); // Monday 2026-03-02 09:00 Shanghai
                                 // Friday 03-27 is the 19th working day after the announcement; Monday 03-30 the 20th.
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(&sid, now, 25, None),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), vec!["auctions.property_disclosure_period"]);
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(&sid, now, 28, None),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    app.stop().await;
}

/// Read the SSE body until `want` appears (or panic after a few seconds).
async fn sse_until(r: &mut reqwest::Response, buf: &mut String, want: &str) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !buf.contains(want) {
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {want:?} in stream: {buf}"))
            .unwrap()
            .unwrap_or_else(|| panic!("stream ended without {want:?}: {buf}"));
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn competing_bidders_go_to_an_online_auction_extended_by_late_bids_and_followed_live() {
    let app = TestApp::spawn().await;
    let sid = section(&app, "land", 2).await;
    let staff = app.login("staff").await;
    let now = app.clock().now();
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(&sid, now + Duration::days(20), 10, Some("1050000.00")),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let listing_end = now + Duration::days(30);
    app.clock().advance(Duration::days(20));
    assert_eq!(bid(&app, "bidder1", &id, "1000000.00").await.0, 201);
    // The same price as the current highest: a lost race, told the current price.
    let (s, v) = bid(&app, "bidder2", &id, "1000000.00").await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["current_price"], "1000000.00");
    assert_eq!(bid(&app, "bidder2", &id, "1010000.00").await.0, 201);
    app.clock().set(listing_end);
    let v = wait_phase(&app, &id, "auction").await;
    // Free-bid 10 min, then a 5 min timed period, from the listing end (the timer fires a moment
    // after it: the test clock keeps ticking in real time).
    let ends = ts(&v["ends_at"]);
    let d = ends - listing_end;
    assert!(
        d >= Duration::minutes(15) && d < Duration::minutes(15) + Duration::seconds(5),
        "{v}"
    );

    // A watcher (bidder1) follows live.
    let mut r = app
        .client
        .get(app.url(&format!("/api/v1/auctions/{id}/stream")))
        .bearer_auth(app.login("bidder1").await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut buf = String::new();
    sse_until(&mut r, &mut buf, "\"my_status\":\"outbid\"").await;

    // Before the last 5 minutes: no extension.
    app.clock()
        .set(ends - Duration::minutes(5) - Duration::seconds(2));
    let (s, v) = bid(&app, "bidder1", &id, "1020000.00").await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(ts(&v["ends_at"]), ends);
    sse_until(&mut r, &mut buf, "id: 3").await;
    // One second inside the last 5 minutes: the end moves to the bid time + 5 min.
    let bid_at = ends - Duration::minutes(5) + Duration::seconds(1);
    app.clock().set(bid_at);
    let (s, v) = bid(&app, "bidder2", &id, "1030000.00").await;
    assert_eq!(s, 201, "{v}");
    let ends2 = ts(&v["ends_at"]);
    assert!(
        ends2 >= bid_at + Duration::minutes(5)
            && ends2 < bid_at + Duration::minutes(5) + Duration::seconds(2),
        "{v}"
    );
    sse_until(&mut r, &mut buf, "id: 4").await;
    drop(r);

    // The old end passes: the auction is still open.
    app.clock().set(ends + Duration::milliseconds(100));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, v) = app
        .get(
            Some(&app.login("staff").await),
            &format!("/api/v1/auctions/{id}"),
        )
        .await;
    assert_eq!(v["phase"], "auction");
    let (s, v) = bid(&app, "bidder1", &id, "1060000.00").await;
    assert_eq!(s, 201, "{v}");
    let ends3 = ts(&v["ends_at"]);
    assert!(ends3 > ends2, "{v}");

    // Reconnect after bid 3: bids 4 and 5 are replayed from the log.
    let mut r = app
        .client
        .get(app.url(&format!("/api/v1/auctions/{id}/stream")))
        .bearer_auth(app.login("bidder2").await)
        .header("Last-Event-ID", "3")
        .send()
        .await
        .unwrap();
    let mut buf = String::new();
    sse_until(&mut r, &mut buf, "id: 5").await;
    assert!(buf.contains("id: 4"), "{buf}");
    assert!(!buf.contains("id: 3\n"), "{buf}");

    app.clock().set(ends3);
    let v = wait_phase(&app, &id, "deal").await;
    assert_eq!(v["current_price"], "1060000.00");
    sse_until(&mut r, &mut buf, "\"my_status\":\"lost\"").await;
    app.seal().await;
    let ev = last_event(&app, "auctions.deal.confirmed").await;
    assert_eq!(ev["winner_org_id"], org_of(&app, "bidder1").await);
    assert_eq!(ev["via"], "auction");
    assert_eq!(ev["loser_org_ids"], json!([org_of(&app, "bidder2").await]));
    app.stop().await;
}

#[tokio::test]
async fn an_auction_below_the_reserve_price_fails() {
    let app = TestApp::spawn().await;
    let sid = section(&app, "land", 2).await;
    let staff = app.login("staff").await;
    let now = app.clock().now();
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(&sid, now + Duration::days(20), 10, Some("2000000.00")),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    app.clock().advance(Duration::days(20));
    assert_eq!(bid(&app, "bidder1", &id, "1000000.00").await.0, 201);
    assert_eq!(bid(&app, "bidder2", &id, "1010000.00").await.0, 201);
    app.clock().advance(Duration::days(10));
    wait_phase(&app, &id, "auction").await;
    app.clock().advance(Duration::minutes(15));
    let v = wait_phase(&app, &id, "failed").await;
    assert_eq!(v["outcome"], "reserve_not_met");
    assert_eq!(v["reserve_price"], "2000000.00");
    app.seal().await;
    assert_eq!(count_events(&app, "auctions.auction.failed").await, 1);
    assert_eq!(count_events(&app, "auctions.deal.confirmed").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn fifty_concurrent_bids_for_the_same_price_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let sid = section(&app, "land", 3).await;
    let staff = app.login("staff").await;
    let now = app.clock().now();
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(&sid, now + Duration::days(20), 10, None),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    app.clock().advance(Duration::days(20));
    assert_eq!(bid(&app, "bidder3", &id, "1000000.00").await.0, 201);
    let tokens = [app.login("bidder1").await, app.login("bidder2").await];
    let url = app.url(&format!("/api/v1/auctions/{id}/bids"));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let c = app.client.clone();
        let url = url.clone();
        let t = tokens[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            let r = c
                .post(&url)
                .bearer_auth(t)
                .json(&json!({"price": "1010000.00"}))
                .send()
                .await
                .unwrap();
            let s = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            (s, v)
        }));
    }
    let mut won = 0;
    let mut lost = 0;
    for t in tasks {
        let (s, v) = t.await.unwrap();
        match s {
            201 => won += 1,
            409 => {
                lost += 1;
                if v["rule"] == "auctions.outbid" {
                    assert_eq!(v["current_price"], "1010000.00", "{v}");
                }
            }
            _ => panic!("unexpected {s}: {v}"),
        }
    }
    assert_eq!((won, lost), (1, 49));
    let (_, v) = app
        .get(
            Some(&app.login("staff").await),
            &format!("/api/v1/auctions/{id}"),
        )
        .await;
    assert_eq!(v["bids"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["current_price"], "1010000.00");
    app.stop().await;
}

/// Benchmark (run explicitly: `cargo test -p ggzy-api-tests --test api bench_auction -- --ignored
/// --nocapture`): sequential bids with 200 SSE watchers; bids/s and the time from an accepted bid
/// (its 201 received) to the last watcher seeing it. Results in docs/benchmarks.md.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_auction_bids_with_200_watchers() {
    use std::sync::{Arc, Mutex};
    use std::time::Instant;
    const WATCHERS: usize = 200;
    const BIDS: i64 = 200;
    let app = TestApp::spawn().await;
    let sid = section(&app, "land", 2).await;
    let staff = app.login("staff").await;
    let now = app.clock().now();
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(&sid, now + Duration::days(20), 10, None),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    app.clock().advance(Duration::days(20));
    let tokens = [app.login("bidder1").await, app.login("bidder2").await];
    let watch_token = app.login("staff").await;
    // seq → (watchers that saw it, when the last one did)
    let seen: Arc<Mutex<std::collections::HashMap<i64, (usize, Instant)>>> = Arc::default();
    let ready = Arc::new(tokio::sync::Semaphore::new(0));
    let mut tasks = Vec::new();
    for _ in 0..WATCHERS {
        let mut r = app
            .client
            .get(app.url(&format!("/api/v1/auctions/{id}/stream")))
            .bearer_auth(&watch_token)
            .send()
            .await
            .unwrap();
        let seen = seen.clone();
        let ready = ready.clone();
        tasks.push(tokio::spawn(async move {
            let mut buf = String::new();
            let mut signalled = false;
            let mut got = 0;
            while got < BIDS {
                let Ok(Some(chunk)) = r.chunk().await else {
                    return;
                };
                buf.push_str(&String::from_utf8_lossy(&chunk));
                if !signalled && buf.contains("event: state") {
                    signalled = true;
                    ready.add_permits(1);
                }
                while let Some(pos) = buf.find("\n\n") {
                    let ev: String = buf.drain(..pos + 2).collect();
                    if let Some(line) = ev.lines().find(|l| l.starts_with("id:")) {
                        if let Ok(seq) = line[3..].trim().parse::<i64>() {
                            got += 1;
                            let mut m = seen.lock().unwrap();
                            let e = m.entry(seq).or_insert((0, Instant::now()));
                            e.0 += 1;
                            e.1 = Instant::now();
                        }
                    }
                }
            }
        }));
    }
    let _ = ready.acquire_many(WATCHERS as u32).await.unwrap();
    let url = app.url(&format!("/api/v1/auctions/{id}/bids"));
    let mut accepted = Vec::new();
    let t0 = Instant::now();
    for k in 0..BIDS {
        let price = format!("{}.00", 1_000_000 + k * 10_000);
        let r = app
            .client
            .post(&url)
            .bearer_auth(&tokens[(k % 2) as usize])
            .json(&json!({ "price": price }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        accepted.push((v["seq"].as_i64().unwrap(), Instant::now()));
    }
    let elapsed = t0.elapsed();
    for t in tasks {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(60), t).await;
    }
    let m = seen.lock().unwrap().clone();
    let mut lat: Vec<f64> = accepted
        .iter()
        .map(|(seq, at)| {
            let (n, last) = m.get(seq).copied().expect("every bid seen");
            assert_eq!(n, WATCHERS, "bid {seq} seen by every watcher");
            last.saturating_duration_since(*at).as_secs_f64() * 1000.0
        })
        .collect();
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| lat[((lat.len() - 1) as f64 * p) as usize];
    println!(
        "engine={:?} watchers={WATCHERS} bids={BIDS} bids_per_s={:.1} fanout_ms p50={:.1} p95={:.1} max={:.1}",
        app.ctx.db.engine(),
        BIDS as f64 / elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
    app.stop().await;
}
