//! Unified deposit management (统一保证金管理): virtual accounts, signed bank callbacks, deposit
//! status, the ledger's trial balance.

use ggzy_api_tests::{into_parts, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

/// Dev default of GGZY_BANK_HMAC_KEY (see docs/deposits.md).
const KEY: &[u8] = b"ggzy-dev-bank-hmac-key";
/// Basic accounts (基本账户) of the demo bidders bidder1 and bidder2.
const BIDDER1_BASIC: &str = "21050161000000000004";
const BIDDER2_BASIC: &str = "21050161000000000005";
/// Shanghai 2026-03-22 09:30 = the bid deadline below.
const DEADLINE: &str = "2026-03-22T09:30:00+08:00";

fn hmac_sha256_hex(key: &[u8], msg: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
    mac.update(msg);
    hex::encode(mac.finalize().into_bytes())
}

#[test]
fn the_test_hmac_matches_rfc_4231_case_2() {
    assert_eq!(
        hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

// --- helpers

async fn registered_section(app: &TestApp) -> String {
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    let body = json!({
        "name": "大连市某道路改造工程",
        "market": "construction",
        "procedure": "open_tender",
        "tenderer_uscc": "91110000802100433B",
        "tenderer_name": "大连市市政建设管理处",
        "sections": [{
            "name": "一标段",
            "estimated_price": "10000000.00",
            "deposit": "200000.00",
            "docs_issue_at": "2026-03-02T09:00:00+08:00",
            "docs_sale_end_at": "2026-03-07T17:00:00+08:00",
            "bid_deadline": DEADLINE,
            "opening_at": DEADLINE,
        }],
    });
    let (s, p) = app.post(Some(&tenderer), "/api/v1/projects", body).await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_str().unwrap().to_string();
    let (s, v) = app
        .post(
            Some(&tenderer),
            &format!("/api/v1/projects/{id}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/projects/{id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    app.seal().await;
    v["sections"][0]["id"].as_str().unwrap().to_string()
}

/// The bidder's virtual account, once the deposits projection has seen the section.
async fn open_account(app: &TestApp, token: &str, section_id: &str) -> (u16, Value) {
    for _ in 0..200 {
        let (s, v) = app
            .post(
                Some(token),
                "/api/v1/deposits/accounts",
                json!({"section_id": section_id}),
            )
            .await;
        if s != 404 {
            return (s, v);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the deposits projection never saw section {section_id}");
}

async fn callback_with(
    app: &TestApp,
    token: &str,
    body: &str,
    ts: i64,
    key: &[u8],
) -> (u16, Value) {
    let ts = ts.to_string();
    let sig = hmac_sha256_hex(key, format!("{ts}.{body}").as_bytes());
    let r = app
        .client
        .post(app.url("/api/v1/bank/callbacks/transfers"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("X-Timestamp", ts)
        .header("X-Signature", sig)
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    into_parts(r).await
}

async fn callback(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let now = app.clock().now().timestamp();
    callback_with(app, token, &body.to_string(), now, KEY).await
}

fn transfer(txn: &str, account_no: &str, payer: &str, amount: &str, value_at: &str) -> Value {
    json!({
        "transaction_id": txn,
        "account_no": account_no,
        "payer_account_no": payer,
        "payer_name": "大连第一建筑工程有限公司",
        "amount": amount,
        "value_at": value_at,
    })
}

async fn count_events(app: &TestApp, event_type: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM events WHERE event_type = $1")
        .bind(event_type)
        .fetch_one(app.ctx.db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

fn row<'a>(rows: &'a Value, org_id: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["org_id"] == org_id)
        .unwrap_or_else(|| panic!("no row for {org_id} in {rows}"))
}

// --- tests

#[tokio::test]
async fn deposits_are_valid_missing_or_invalid_with_the_reason_and_the_ledger_balances() {
    let app = TestApp::spawn().await;
    let section = registered_section(&app).await;
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    let b3 = app.login("bidder3").await;
    let bank = app.login("bank").await;
    let staff = app.login("staff").await;

    // One virtual account per (bidder, section): the second call returns the same one.
    let (s, a1) = open_account(&app, &b1, &section).await;
    assert_eq!(s, 201, "{a1}");
    assert_eq!(a1["deposit"], "200000.00");
    let (s, again) = open_account(&app, &b1, &section).await;
    assert_eq!((s, &again["account_no"]), (200, &a1["account_no"]));
    let (_, a2) = open_account(&app, &b2, &section).await;
    let (_, a3) = open_account(&app, &b3, &section).await;
    assert_ne!(a1["account_no"], a2["account_no"]);
    assert_eq!(count_events(&app, "deposits.account.issued").await, 3);
    // Only bidders have virtual accounts.
    let (s, _) = app
        .post(
            Some(&staff),
            "/api/v1/deposits/accounts",
            json!({"section_id": section}),
        )
        .await;
    assert_eq!(s, 403);

    let acc = |a: &Value| a["account_no"].as_str().unwrap().to_string();
    // bidder1 pays from its basic account, one second before the deadline, 1 fen too much.
    let (s, v) = callback(
        &app,
        &bank,
        &transfer(
            "T-1",
            &acc(&a1),
            BIDDER1_BASIC,
            "200000.01",
            "2026-03-22T09:29:59+08:00",
        ),
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("credited")), "{v}");
    // bidder2 pays from another account (实施条例 26): held as unmatched.
    let (s, v) = callback(
        &app,
        &bank,
        &transfer(
            "T-2",
            &acc(&a2),
            "6222020000000000",
            "200000.00",
            "2026-03-10T10:00:00+08:00",
        ),
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str(), v["reason"].as_str()),
        (200, Some("unmatched"), Some("not_basic_account")),
        "{v}"
    );
    // bidder3 pays the right amount from... an unknown virtual account: unmatched too.
    let (_, v) = callback(
        &app,
        &bank,
        &transfer(
            "T-3",
            "99999999999999999",
            BIDDER2_BASIC,
            "10.00",
            "2026-03-10T10:00:00+08:00",
        ),
    )
    .await;
    assert_eq!(v["reason"], "unknown_account", "{v}");
    assert_eq!(count_events(&app, "deposits.transfer.received").await, 1);
    assert_eq!(count_events(&app, "deposits.transfer.unmatched").await, 2);
    assert_eq!(count_events(&app, "deposits.deposit.valid").await, 1);

    let (s, rows) = app
        .get(
            Some(&staff),
            &format!("/api/v1/deposits/status?section_id={section}"),
        )
        .await;
    assert_eq!(s, 200, "{rows}");
    assert_eq!(rows.as_array().unwrap().len(), 3);
    let r1 = row(&rows, a1["org_id"].as_str().unwrap());
    assert_eq!(
        (
            r1["status"].as_str(),
            r1["counted"].as_str(),
            r1["excess"].as_str()
        ),
        (Some("valid"), Some("200000.00"), Some("0.01"))
    );
    let r2 = row(&rows, a2["org_id"].as_str().unwrap());
    assert_eq!(
        (r2["status"].as_str(), r2["reason"].as_str()),
        (Some("invalid"), Some("deposit.not_basic_account"))
    );
    let r3 = row(&rows, a3["org_id"].as_str().unwrap());
    assert_eq!(
        (r3["status"].as_str(), r3["reason"].as_str()),
        (Some("missing"), Some("deposit.missing"))
    );

    // bidder3's money arrives with value time exactly at the deadline: it does not count.
    let (_, v) = callback(
        &app,
        &bank,
        &transfer(
            "T-4",
            &acc(&a3),
            "21050161000000000006",
            "200000.00",
            DEADLINE,
        ),
    )
    .await;
    assert_eq!(v["status"], "credited", "{v}");
    let (_, rows) = app
        .get(
            Some(&staff),
            &format!("/api/v1/deposits/status?section_id={section}"),
        )
        .await;
    let r3 = row(&rows, a3["org_id"].as_str().unwrap());
    assert_eq!(
        (r3["status"].as_str(), r3["reason"].as_str()),
        (Some("invalid"), Some("deposit.after_deadline"))
    );
    assert_eq!(r3["excess"], "200000.00");

    // A bidder sees only its own registration; the supervisor sees all.
    let (s, own) = app
        .get(
            Some(&b1),
            &format!("/api/v1/deposits/status?section_id={section}"),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(own[0]["org_id"], a1["org_id"]);
    let sup = app.login("supervisor").await;
    let (_, all) = app
        .get(
            Some(&sup),
            &format!("/api/v1/deposits/status?section_id={section}"),
        )
        .await;
    assert_eq!(all.as_array().unwrap().len(), 3);

    // Trial balance: total debit = total credit; the bank holds every received fen.
    let (s, tb) = app
        .get(Some(&staff), "/api/v1/deposits/ledger/trial-balance")
        .await;
    assert_eq!(s, 200, "{tb}");
    assert_eq!(tb["balanced"], true);
    assert_eq!(tb["total_debit"], tb["total_credit"]);
    assert_eq!(tb["total_debit"], "600010.01");
    let bal = |t: &str| {
        tb["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account_type"] == t)
            .unwrap()["balance"]
            .clone()
    };
    assert_eq!(bal("bank_clearing"), "600010.01");
    assert_eq!(bal("deposit_liability"), "400000.01");
    assert_eq!(bal("unmatched"), "200010.00");
    assert_eq!(
        app.get(Some(&b1), "/api/v1/deposits/ledger/trial-balance")
            .await
            .0,
        403
    );
    // The daily job instructs the bank to return unmatched money to its payer, once.
    let workers = ggzy::background::workers();
    let job = workers
        .cron
        .iter()
        .find(|j| j.name == "deposits.refund_instructions")
        .expect("refund job registered");
    for _ in 0..2 {
        (job.run)(app.ctx.db.clone(), app.clock().clone())
            .await
            .expect("refund job");
    }
    assert_eq!(count_events(&app, "deposits.refund.instructed").await, 2);
    let (_, tb) = app
        .get(Some(&staff), "/api/v1/deposits/ledger/trial-balance")
        .await;
    assert_eq!(tb["balanced"], true);
    let bal = |t: &str| {
        tb["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account_type"] == t)
            .unwrap()["balance"]
            .clone()
    };
    assert_eq!(bal("unmatched"), "0.00");
    assert_eq!(bal("refunds_payable"), "200010.00");
    assert_eq!(bal("deposit_liability"), "400000.01");
    let admin = app.login("admin").await;
    assert_eq!(
        app.get(Some(&admin), "/api/v1/deposits/ledger/trial-balance")
            .await
            .0,
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn a_callback_needs_the_bank_role_a_valid_signature_and_a_fresh_timestamp() {
    let app = TestApp::spawn().await;
    let bank = app.login("bank").await;
    let b1 = app.login("bidder1").await;
    let body = transfer(
        "T-9",
        "x",
        BIDDER1_BASIC,
        "1.00",
        "2026-03-02T09:00:00+08:00",
    )
    .to_string();
    let now = app.clock().now().timestamp();
    assert_eq!(callback_with(&app, &b1, &body, now, KEY).await.0, 403);
    assert_eq!(
        callback_with(&app, &bank, &body, now, b"wrong-key").await.0,
        401
    );
    assert_eq!(
        callback_with(&app, &bank, &body, now - 301, KEY).await.0,
        401
    );
    assert_eq!(
        callback_with(&app, &bank, &body, now + 301, KEY).await.0,
        401
    );
    assert_eq!(
        callback_with(&app, &bank, &body, now - 300, KEY).await.0,
        200
    );
    // No signature headers at all.
    let r = app
        .client
        .post(app.url("/api/v1/bank/callbacks/transfers"))
        .bearer_auth(&bank)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(into_parts(r).await.0, 401);
    app.stop().await;
}

#[tokio::test]
async fn twenty_parallel_identical_callbacks_credit_once() {
    let app = TestApp::spawn().await;
    let section = registered_section(&app).await;
    let b1 = app.login("bidder1").await;
    let bank = app.login("bank").await;
    let (_, a1) = open_account(&app, &b1, &section).await;
    let body = transfer(
        "T-PAR",
        a1["account_no"].as_str().unwrap(),
        BIDDER1_BASIC,
        "200000.00",
        "2026-03-10T10:00:00+08:00",
    );
    let calls = (0..20).map(|_| callback(&app, &bank, &body));
    let results = futures::future::join_all(calls).await;
    let mut ids = std::collections::HashSet::new();
    let mut fresh = 0;
    for (s, v) in &results {
        assert_eq!(s, &200, "{v}");
        assert_eq!(v["status"], "credited");
        ids.insert(v["transfer_id"].as_str().unwrap().to_string());
        if v["duplicate"] == false {
            fresh += 1;
        }
    }
    assert_eq!((ids.len(), fresh), (1, 1));
    assert_eq!(count_events(&app, "deposits.transfer.received").await, 1);
    assert_eq!(count_events(&app, "deposits.deposit.valid").await, 1);
    let staff = app.login("staff").await;
    let (_, tb) = app
        .get(Some(&staff), "/api/v1/deposits/ledger/trial-balance")
        .await;
    assert_eq!(tb["total_debit"], "200000.00", "{tb}");
    assert_eq!(tb["balanced"], true);
    app.stop().await;
}
