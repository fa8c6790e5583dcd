//! Issue 17 part 4 and issue 23 (memory): money with more than two decimal places is refused at
//! every input with a problem naming the field and `money.max_two_decimals`; argon2 hashing runs on a bounded
//! blocking pool, so many sign-ins at once all succeed while the server keeps answering, and an
//! old-parameter hash is upgraded at sign-in.

use crate::auctions::{listing, lot};
use chrono::Duration;
use ggzy_api_tests::{TestApp, DEMO_PASSWORD};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const SCALE: &str = "money.max_two_decimals";

/// The 422's field errors as (field, rule).
fn errors(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_string(),
                        e["rule"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn assert_refused(s: u16, v: &Value, field: &str, rule: &str) {
    assert_eq!(s, 422, "{field}: {v}");
    assert!(
        errors(v).contains(&(field.to_string(), rule.to_string())),
        "{field} {rule}: {v}"
    );
}

#[tokio::test]
async fn three_decimals_are_refused_at_every_money_input_and_two_accepted() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    // A project budget (estimate) and deposit: JSON strings and a JSON number, trailing zeros too.
    let mut p = ggzy_api_tests::fixtures::road_project("三位小数", "2026-03-24T09:30:00+08:00");
    p["sections"][0]["estimated_price"] = json!("10000000.001");
    let (s, v) = app
        .post(Some(&tenderer), "/api/v1/projects", p.clone())
        .await;
    assert_refused(s, &v, "sections[0].estimated_price", SCALE);
    p["sections"][0]["estimated_price"] = json!("10000000.00");
    p["sections"][0]["deposit"] = json!(200000.005);
    let (s, v) = app
        .post(Some(&tenderer), "/api/v1/projects", p.clone())
        .await;
    assert_refused(s, &v, "sections[0].deposit", SCALE);
    p["sections"][0]["deposit"] = json!("200000.0000");
    let (s, v) = app
        .post(Some(&tenderer), "/api/v1/projects", p.clone())
        .await;
    assert_refused(s, &v, "sections[0].deposit", SCALE);
    // A deposit paid in (the bank's signed callback) and a guarantee's amount.
    let bank = app.login("bank").await;
    let body = json!({"transaction_id": "txn-scale", "account_no": "0000", "payer_account_no": "1",
        "payer_name": "x", "amount": "200000.001", "value_at": app.clock().now().to_rfc3339()});
    let (s, v) = app.bank_transfer(&bank, &body).await;
    assert_refused(s, &v, "amount", SCALE);
    let b1 = app.login("bidder1").await;
    let g = json!({"section_id": "s", "kind": "bank_guarantee", "issuer": "x", "number": "1",
        "amount": "200000.009", "valid_from": "2026-03-01", "valid_until": "2026-06-01",
        "verification_code": "x"});
    let (s, v) = app.post(Some(&b1), "/api/v1/deposits/guarantees", g).await;
    assert_refused(s, &v, "amount", SCALE);
    // A rule override is a whole number: a fraction is refused naming the field.
    let admin = app.login("admin").await;
    let (s, v) = app
        .put(
            Some(&admin),
            "/api/v1/rule-overrides",
            json!({"table": "award_rules", "market": "construction",
                   "field": "publicity_min_days", "value": 5.001, "citation": "x"}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(errors(&v)[0].0, "value", "{v}");
    // A listing's starting price and a quote; two places are accepted (the lot's project and
    // deposit above went through with "10000000.00" and "200000.00").
    let lot = lot(&app, "land", 1).await;
    let staff = app.login("staff").await;
    let start = lot.announced_at + Duration::days(22);
    let mut l = listing(&lot.sid, start, 10, None);
    l["starting_price"] = json!("1000000.001");
    let (s, v) = app.post(Some(&staff), "/api/v1/auctions", l.clone()).await;
    assert_refused(s, &v, "starting_price", SCALE);
    l["starting_price"] = json!("1000000.00");
    let (s, v) = app.post(Some(&staff), "/api/v1/auctions", l).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().expect("auction id").to_string();
    let b1 = app.login("bidder1").await;
    let (s, v) = app
        .post(
            Some(&b1),
            &format!("/api/v1/auctions/{id}/bids"),
            json!({"price": "1000000.005"}),
        )
        .await;
    assert_refused(s, &v, "price", SCALE);
    app.stop().await;
}

/// Sign in `username` from `ip` (behind the trusted proxy).
async fn login_from(app: &TestApp, ip: &str, username: &str) -> u16 {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", ip)
        .json(&json!({"username": username, "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("login")
        .status()
        .as_u16()
}

#[tokio::test]
async fn fifty_sign_ins_at_once_all_succeed_while_health_answers_and_old_hashes_are_upgraded() {
    let mut app = TestApp::spawn_with(ggzy_api_tests::default_start(), |s| {
        // The default slots (available parallelism) and queue; a generous wait, so a slow shared
        // CI machine cannot turn a queued sign-in into a 503.
        s.login_hash_wait = std::time::Duration::from_secs(120);
    })
    .await;
    app.trust_proxies("127.0.0.1").await;
    // bidder3's hash was made with older, weaker parameters (argon2id m = 4 MiB, t = 1).
    let old = ggzy_identity::hash::hash_with_params_blocking(DEMO_PASSWORD, 4096, 1, 1)
        .expect("old hash");
    sqlx::query("UPDATE users SET password_hash = $1 WHERE username = 'bidder3'")
        .bind(&old)
        .execute(app.ctx.db.pool_for_write())
        .await
        .expect("old hash");
    let users = [
        "admin", "staff", "tenderer", "agency", "bidder1", "bidder2", "bidder3", "expert1",
        "expert2", "expert3",
    ];
    let done = Arc::new(AtomicUsize::new(0));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..50 {
        let done = done.clone();
        let client = app.client.clone();
        let url = app.url("/api/v1/auth/login");
        let user = users[i % users.len()];
        set.spawn(async move {
            let r = client
                .post(url)
                .header("x-forwarded-for", format!("198.51.100.{}", i + 1))
                .json(&json!({"username": user, "password": DEMO_PASSWORD}))
                .send()
                .await
                .expect("login");
            done.fetch_add(1, Ordering::SeqCst);
            (user, r.status().as_u16())
        });
    }
    // While the sign-ins hash, the async workers stay free: health answers while at least one
    // sign-in is still unanswered (counted after health's answer, so the overlap is real).
    let mut answered_meanwhile = 0;
    while done.load(Ordering::SeqCst) < 50 {
        let r = app
            .client
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("health");
        assert!(r.status().is_success(), "{}", r.status());
        if done.load(Ordering::SeqCst) < 50 {
            answered_meanwhile += 1;
        }
    }
    let mut ok = 0;
    while let Some(r) = set.join_next().await {
        let (user, status) = r.expect("task");
        assert_eq!(status, 200, "{user}");
        ok += 1;
    }
    assert_eq!(ok, 50);
    assert!(
        answered_meanwhile > 0,
        "health never answered during the sign-ins"
    );
    // bidder3's hash now has the current parameters, and still opens the account.
    let new: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'bidder3'")
            .fetch_one(app.ctx.db.pool())
            .await
            .expect("hash");
    assert_ne!(new, old);
    assert!(new.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{new}");
    assert_eq!(login_from(&app, "203.0.113.9", "bidder3").await, 200);
    app.stop().await;
}
