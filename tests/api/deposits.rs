//! Unified deposit management (统一保证金管理): virtual accounts, signed bank callbacks, deposit
//! status, the ledger's trial balance.

use ggzy_api_tests::fixtures::{at, hmac_sha256_hex, road_project, section_registered, BANK_KEY};
use ggzy_api_tests::{into_parts, TestApp};
use ggzy_events::Contract;
use serde_json::{json, Value};

/// Dev default of GGZY_BANK_HMAC_KEY (see docs/deposits.md).
const KEY: &[u8] = BANK_KEY;
/// Basic accounts (基本账户) of the demo bidders bidder1 and bidder2.
const BIDDER1_BASIC: &str = "21050161000000000004";
const BIDDER2_BASIC: &str = "21050161000000000005";
/// Shanghai 2026-03-23 09:30 = the bid deadline below.
const DEADLINE: &str = "2026-03-23T09:30:00+08:00";

#[test]
fn the_test_hmac_matches_rfc_4231_case_2() {
    assert_eq!(
        hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

// --- helpers

async fn registered_section(app: &TestApp) -> String {
    let r = app
        .register_project(road_project("大连市某道路改造工程", DEADLINE))
        .await;
    app.seal().await;
    r.section_id
}

/// The bidder's virtual account, once the deposits projection has seen the section.
async fn open_account(app: &TestApp, token: &str, section_id: &str) -> (u16, Value) {
    app.deposit_account(token, section_id).await
}

async fn callback_with(
    app: &TestApp,
    token: &str,
    body: &str,
    ts: i64,
    key: &[u8],
) -> (u16, Value) {
    app.bank_post(token, "/api/v1/bank/callbacks/transfers", body, ts, key)
        .await
}

async fn callback(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    app.bank_transfer(token, body).await
}

/// The road section registered and bidder1's deposit of `amount` paid from its basic account on
/// 2026-03-10 (transaction T-1); the section and bidder1's virtual account.
async fn bidder1_paid(app: &TestApp, amount: &str) -> (String, Value) {
    let section = registered_section(app).await;
    let b1 = app.login("bidder1").await;
    let bank = app.login("bank").await;
    let (_, a1) = open_account(app, &b1, &section).await;
    let account = a1["account_no"].as_str().unwrap();
    paid_early(app, &bank, "T-1", account, BIDDER1_BASIC, amount).await;
    (section, a1)
}

/// A transfer into `account_no` from `payer`, valued 2026-03-10 10:00 (before every deadline here).
async fn paid_early(
    app: &TestApp,
    bank: &str,
    txn: &str,
    account_no: &str,
    payer: &str,
    amount: &str,
) -> (u16, Value) {
    let body = transfer(txn, account_no, payer, amount, "2026-03-10T10:00:00+08:00");
    callback(app, bank, &body).await
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
            "2026-03-23T09:29:59+08:00",
        ),
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("credited")), "{v}");
    // bidder2 pays from another account (实施条例 26): held as unmatched.
    let (s, v) = paid_early(
        &app,
        &bank,
        "T-2",
        &acc(&a2),
        "6222020000000000",
        "200000.00",
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
    let bal = balances(&app, &staff).await;
    assert_eq!(bal["bank_clearing"], "600010.01");
    assert_eq!(bal["deposit_liability"], "400000.01");
    assert_eq!(bal["unmatched"], "200010.00");
    assert_eq!(
        app.get(Some(&b1), "/api/v1/deposits/ledger/trial-balance")
            .await
            .0,
        403
    );
    // The daily job instructs the bank to return unmatched money to its payer, once.
    for _ in 0..2 {
        run_refund_job(&app).await;
    }
    assert_eq!(count_events(&app, "deposits.refund.instructed").await, 2);
    let bal = balances(&app, &staff).await;
    assert_eq!(bal["unmatched"], "0.00");
    assert_eq!(bal["refunds_payable"], "200010.00");
    assert_eq!(bal["deposit_liability"], "400000.01");
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
    // The clock runs with real time; each boundary call re-anchors it on a whole second so the
    // server sees exactly `now` (its check is in whole seconds).
    let t0 = app.clock().now();
    let t0 = chrono::DateTime::from_timestamp(t0.timestamp(), 0).unwrap();
    let now = t0.timestamp();
    let skewed = |skew: i64| {
        app.clock().set(t0);
        now + skew
    };
    assert_eq!(callback_with(&app, &b1, &body, skewed(0), KEY).await.0, 403);
    assert_eq!(
        callback_with(&app, &bank, &body, skewed(0), b"wrong-key")
            .await
            .0,
        401
    );
    assert_eq!(
        callback_with(&app, &bank, &body, skewed(-301), KEY).await.0,
        401
    );
    assert_eq!(
        callback_with(&app, &bank, &body, skewed(301), KEY).await.0,
        401
    );
    assert_eq!(
        callback_with(&app, &bank, &body, skewed(300), KEY).await.0,
        200
    );
    assert_eq!(
        callback_with(&app, &bank, &body, skewed(-300), KEY).await.0,
        200,
        "the same transfer again: booked once, answered 200"
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

// --- production safety

#[tokio::test]
async fn without_a_bank_key_the_bank_callbacks_answer_503() {
    let app = TestApp::spawn_with(ggzy_api_tests::default_start(), |s| {
        s.bank_hmac_key = None;
    })
    .await;
    let token = app.login("bank").await;
    let body = transfer(
        "T-1",
        "x",
        BIDDER1_BASIC,
        "1.00",
        "2026-03-02T09:00:00+08:00",
    )
    .to_string();
    let ts = app.clock().now().timestamp();
    // Even a body signed with the public dev key is refused: no key is configured.
    for path in [
        "/api/v1/bank/callbacks/transfers",
        "/api/v1/bank/callbacks/refunds",
    ] {
        let (s, p) = app.bank_post(&token, path, &body, ts, KEY).await;
        assert_eq!(s, 503, "{path}: {p}");
        assert_eq!(p["detail"], "bank key not configured", "{p}");
    }
    app.stop().await;
}

// --- the lifecycle: helpers

/// Emit another area's event into the outbox (the projects side lands in parallel) and wait until
/// the deposits consumer has read it.
async fn emit_event(app: &TestApp, event_type: &str, aggregate_id: &str, payload: Value) {
    app.emit_as(
        "test.projects",
        event_type,
        "section",
        aggregate_id,
        payload,
    )
    .await;
    wait_for_deposits(app).await;
}

async fn wait_for_deposits(app: &TestApp) {
    app.wait_consumer("deposits.projection").await;
}

async fn run_refund_job(app: &TestApp) {
    let workers = ggzy::background::workers();
    let job = workers
        .cron
        .iter()
        .find(|j| j.name == "deposits.refund_instructions")
        .expect("refund job registered");
    (job.run)(app.ctx.db.clone(), app.clock().clone(), app.clock().now())
        .await
        .expect("refund job");
    app.seal().await;
}

fn set_clock(app: &TestApp, local: &str) {
    app.clock().set(at(local));
}

async fn events_of(app: &TestApp, event_type: &str) -> Vec<Value> {
    use sqlx::Row;
    sqlx::query("SELECT payload FROM events WHERE event_type = $1 ORDER BY occurred_at, id")
        .bind(event_type)
        .fetch_all(app.ctx.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(&r.try_get::<String, _>(0).unwrap()).unwrap())
        .collect()
}

async fn refunds(app: &TestApp, token: &str, section: &str) -> Vec<Value> {
    let (s, v) = app
        .get(
            Some(token),
            &format!("/api/v1/deposits/refunds?section_id={section}"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

async fn confirm(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let now = app.clock().now().timestamp();
    app.bank_post(
        token,
        "/api/v1/bank/callbacks/refunds",
        &body.to_string(),
        now,
        KEY,
    )
    .await
}

async fn balances(app: &TestApp, token: &str) -> Value {
    let (s, tb) = app
        .get(Some(token), "/api/v1/deposits/ledger/trial-balance")
        .await;
    assert_eq!(s, 200, "{tb}");
    assert_eq!(tb["balanced"], true, "{tb}");
    let mut out = serde_json::Map::new();
    for a in tb["accounts"].as_array().unwrap() {
        out.insert(
            a["account_type"].as_str().unwrap().to_string(),
            a["balance"].clone(),
        );
    }
    Value::Object(out)
}

async fn import_statement(app: &TestApp, token: &str, date: &str, csv: &str) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/deposits/reconciliations?date={date}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .expect("request");
    into_parts(r).await
}

/// A procurement section known to deposits only through its event (deadline 2026-03-20 09:30).
async fn procurement_section(app: &TestApp, deposit: &str) -> String {
    let id = format!("SEC-P-{}", uuid::Uuid::new_v4().simple());
    emit_event(app, "projects.section.registered", &id, {
        let mut s = section_registered(&id, "procurement", deposit, "2026-03-20T01:30:00Z");
        s.project_id = "PRJ-P".into();
        s.encode().payload
    })
    .await;
    id
}

// --- the lifecycle: tests

#[tokio::test]
async fn the_status_is_fixed_at_the_deadline_for_each_registration_and_later_money_does_not_change_it(
) {
    let app = TestApp::spawn().await;
    let section = registered_section(&app).await;
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    let b3 = app.login("bidder3").await;
    let bank = app.login("bank").await;
    let (_, a1) = open_account(&app, &b1, &section).await;
    let (_, a2) = open_account(&app, &b2, &section).await;
    let org3 = {
        let (_, a3) = open_account(&app, &b3, &section).await;
        a3["org_id"].as_str().unwrap().to_string()
    };
    let acc = |a: &Value| a["account_no"].as_str().unwrap().to_string();
    paid_early(&app, &bank, "T-1", &acc(&a1), BIDDER1_BASIC, "200000.00").await;
    // bidder3 gives an electronic guarantee instead of cash (90 days of bid validity).
    let (s, g) = app
        .post(
            Some(&b3),
            "/api/v1/deposits/guarantees",
            json!({"section_id": section, "kind": "electronic_guarantee", "issuer": "中国人民财产保险大连分公司",
                   "number": "EG-2026-0001", "amount": "200000.00", "valid_from": "2026-03-10",
                   "valid_until": "2026-06-21", "verification_code": "7F3K-99QX", "bid_validity_days": 90}),
        )
        .await;
    assert_eq!(s, 201, "{g}");
    // The deadline passes; projects closes the section.
    set_clock(&app, "2026-03-23T09:31:00+08:00");
    let b2 = app.login("bidder2").await;
    let bank = app.login("bank").await;
    let staff = app.login("staff").await;
    emit_event(
        &app,
        "projects.section.closed",
        &section,
        json!({"section_id": section, "project_id": "P", "deadline": "2026-03-23T01:30:00Z", "registrations": 3}),
    )
    .await;
    let fixed = events_of(&app, "deposits.deposit.status_fixed").await;
    assert_eq!(fixed.len(), 3, "{fixed:?}");
    let of = |org: &str| fixed.iter().find(|e| e["org_id"] == org).unwrap().clone();
    let e1 = of(a1["org_id"].as_str().unwrap());
    assert_eq!(
        (e1["status"].as_str(), e1["form"].as_str()),
        (Some("valid"), Some("cash"))
    );
    let e2 = of(a2["org_id"].as_str().unwrap());
    assert_eq!(
        (e2["status"].as_str(), e2["reason"].as_str()),
        (Some("missing"), Some("deposit.missing"))
    );
    let e3 = of(&org3);
    assert_eq!(
        (e3["status"].as_str(), e3["form"].as_str()),
        (Some("valid"), Some("guarantee"))
    );
    assert_eq!(e3["section_id"], section.as_str());
    // bidder2's money arrives after the deadline: the fixed status stays; a second close changes nothing.
    callback(
        &app,
        &bank,
        &transfer(
            "T-2",
            &acc(&a2),
            BIDDER2_BASIC,
            "200000.00",
            "2026-03-23T10:00:00+08:00",
        ),
    )
    .await;
    emit_event(
        &app,
        "projects.section.closed",
        &section,
        json!({"section_id": section, "project_id": "P", "deadline": "2026-03-23T01:30:00Z", "registrations": 3}),
    )
    .await;
    assert_eq!(
        events_of(&app, "deposits.deposit.status_fixed").await.len(),
        3
    );
    let (_, rows) = app
        .get(
            Some(&staff),
            &format!("/api/v1/deposits/status?section_id={section}"),
        )
        .await;
    let r2 = row(&rows, a2["org_id"].as_str().unwrap());
    assert_eq!(
        (
            r2["status"].as_str(),
            r2["fixed"].as_bool(),
            r2["excess"].as_str()
        ),
        (Some("missing"), Some(true), Some("200000.00")),
        "{rows}"
    );
    assert_eq!(row(&rows, &org3)["form"], "guarantee");
    // A guarantee after the deadline is refused.
    let (s, p) = app
        .post(
            Some(&b2),
            "/api/v1/deposits/guarantees",
            json!({"section_id": section, "kind": "bank_guarantee", "issuer": "中国银行", "number": "BG-1",
                   "amount": "200000.00", "valid_from": "2026-03-10", "valid_until": "2026-12-31",
                   "verification_code": "X", "bid_validity_days": 90}),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["rule"], "guarantee.after_deadline", "{p}");
    app.stop().await;
}

#[tokio::test]
async fn a_guarantee_must_cover_the_deposit_and_the_bid_validity_to_its_last_day_and_is_released_like_cash(
) {
    let app = TestApp::spawn().await;
    let section = registered_section(&app).await;
    let b1 = app.login("bidder1").await;
    open_account(&app, &b1, &section).await; // waits for the projection
    let g = |amount: &str, until: &str, number: &str| {
        json!({"section_id": section, "kind": "bank_guarantee", "issuer": "中国工商银行大连分行",
               "number": number, "amount": amount, "valid_from": "2026-03-10", "valid_until": until,
               "verification_code": "AB12CD", "bid_validity_days": 90})
    };
    // Deadline 2026-03-23 + 90 days of bid validity (实施条例 25, first day not counted): 2026-06-21.
    let (s, p) = app
        .post(
            Some(&b1),
            "/api/v1/deposits/guarantees",
            g("200000.00", "2026-06-20", "BG-1"),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "valid_until");
    assert_eq!(p["errors"][0]["rule"], "guarantee.validity_short");
    let (s, p) = app
        .post(
            Some(&b1),
            "/api/v1/deposits/guarantees",
            g("199999.99", "2026-06-21", "BG-1"),
        )
        .await;
    assert_eq!(
        (s, &p["errors"][0]["rule"]),
        (422, &json!("guarantee.amount_below_deposit")),
        "{p}"
    );
    // The section's record has no bid validity: the request must give it.
    let mut no_validity = g("200000.00", "2026-06-21", "BG-1");
    no_validity
        .as_object_mut()
        .unwrap()
        .remove("bid_validity_days");
    let (s, p) = app
        .post(Some(&b1), "/api/v1/deposits/guarantees", no_validity)
        .await;
    assert_eq!(
        (s, &p["errors"][0]["field"]),
        (422, &json!("bid_validity_days")),
        "{p}"
    );
    assert_eq!(count_events(&app, "deposits.guarantee.recorded").await, 0);
    let (s, rec) = app
        .post(
            Some(&b1),
            "/api/v1/deposits/guarantees",
            g("200000.00", "2026-06-21", "BG-1"),
        )
        .await;
    assert_eq!(s, 201, "{rec}");
    assert_eq!(rec["status"], "active");
    let (s, p) = app
        .post(
            Some(&b1),
            "/api/v1/deposits/guarantees",
            g("200000.00", "2026-06-21", "BG-2"),
        )
        .await;
    assert_eq!((s, &p["rule"]), (409, &json!("guarantee.exists")), "{p}");
    // Contract signed: the guarantee is released by the daily job (an event, no money moves).
    set_clock(&app, "2026-04-15T10:00:00+08:00");
    let staff = app.login("staff").await;
    emit_event(
        &app,
        "projects.contract.signed",
        &section,
        json!({"section_id": section, "project_id": "P", "market": "construction",
               "winner_org_id": "someone-else", "amount": "9000000.00", "signed_at": "2026-04-15T02:00:00Z"}),
    )
    .await;
    run_refund_job(&app).await;
    run_refund_job(&app).await;
    let released = events_of(&app, "deposits.guarantee.released").await;
    assert_eq!(released.len(), 1);
    assert_eq!(released[0]["number"], "BG-1");
    // Money in yuan with two places, like every other money member (version 2 of the contract).
    assert_eq!(released[0]["amount"], "200000.00");
    assert_eq!(released[0]["v"], 2);
    assert_eq!(count_events(&app, "deposits.refund.instructed").await, 0);
    let (_, list) = app
        .get(
            Some(&staff),
            &format!("/api/v1/deposits/guarantees?section_id={section}"),
        )
        .await;
    assert_eq!(list[0]["status"], "released", "{list}");
    let bal = balances(&app, &staff).await;
    assert_eq!(bal["bank_clearing"], "0.00");
    app.stop().await;
}

#[tokio::test]
async fn construction_refunds_are_due_five_days_after_signing_with_interest_rounded_half_up_and_paid_exactly_once(
) {
    let app = TestApp::spawn().await;
    let section = registered_section(&app).await;
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    let bank = app.login("bank").await;
    let (_, a1) = open_account(&app, &b1, &section).await;
    let (_, a2) = open_account(&app, &b2, &section).await;
    let acc = |a: &Value| a["account_no"].as_str().unwrap().to_string();
    // bidder1 pays 300.00 too much: 200300.00 × 0.35% × 36 / 360 = 70.105 → 70.11 (half up; banker's
    // rounding would give 70.10).
    paid_early(&app, &bank, "T-1", &acc(&a1), BIDDER1_BASIC, "200300.00").await;
    callback(
        &app,
        &bank,
        &transfer(
            "T-2",
            &acc(&a2),
            BIDDER2_BASIC,
            "200000.00",
            "2026-03-10T11:00:00+08:00",
        ),
    )
    .await;
    // The award alone refunds nothing in construction (实施条例 57: after the contract).
    set_clock(&app, "2026-04-08T10:00:00+08:00");
    let staff = app.login("staff").await;
    emit_event(
        &app,
        "projects.award.confirmed",
        &section,
        json!({"section_id": section, "project_id": "P", "market": "construction", "procedure": "open_tender",
               "winner_org_id": a1["org_id"], "winner_name": "x", "price": "9000000.00",
               "awarded_at": "2026-04-08T02:00:00Z", "bidder_org_ids": [a1["org_id"], a2["org_id"]]}),
    )
    .await;
    run_refund_job(&app).await;
    assert!(refunds(&app, &staff, &section).await.is_empty());
    // Contract signed Wednesday 2026-04-15: due 2026-04-20 for winner and loser.
    set_clock(&app, "2026-04-15T18:00:00+08:00");
    let bank = app.login("bank").await;
    let staff = app.login("staff").await;
    emit_event(
        &app,
        "projects.contract.signed",
        &section,
        json!({"section_id": section, "project_id": "P", "market": "construction",
               "winner_org_id": a1["org_id"], "amount": "9000000.00", "signed_at": "2026-04-15T02:00:00Z"}),
    )
    .await;
    run_refund_job(&app).await;
    run_refund_job(&app).await; // idempotent
    let list = refunds(&app, &staff, &section).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let r1 = list
        .iter()
        .find(|r| r["org_id"] == a1["org_id"])
        .unwrap()
        .clone();
    assert_eq!(r1["amount"], "200300.00");
    assert_eq!(r1["interest"], "70.11", "{r1}");
    assert_eq!(r1["total"], "200370.11");
    assert_eq!(r1["due_date"], "2026-04-20");
    assert_eq!(r1["basis"], "实施条例 57");
    assert_eq!(r1["payee_account_no"], BIDDER1_BASIC);
    assert_eq!(
        r1["interest_computation"]["exact"]
            .as_str()
            .unwrap()
            .trim_end_matches('0'),
        "70.105",
        "{r1}"
    );
    assert_eq!(r1["interest_computation"]["slices"][0]["days"], 36);
    assert_eq!(r1["interest_computation"]["slices"][0]["rate"], "0.0035");
    let r2 = list
        .iter()
        .find(|r| r["org_id"] == a2["org_id"])
        .unwrap()
        .clone();
    assert_eq!(
        (r2["interest"].as_str(), r2["due_date"].as_str()),
        (Some("70.00"), Some("2026-04-20"))
    );
    let bal = balances(&app, &staff).await;
    assert_eq!(bal["deposit_liability"], "0.00");
    assert_eq!(bal["refunds_payable"], "400300.00");
    assert_eq!(bal["interest_payable"], "140.11");

    // The bank sees what it has to pay; a wrong amount is refused, nothing changes.
    let pending = refunds(&app, &bank, &section).await;
    assert_eq!(pending.len(), 2);
    let pay = |txn: &str, amount: &str| json!({"refund_id": r1["id"], "bank_txn_id": txn, "amount": amount, "paid_at": "2026-04-16T10:00:00+08:00"});
    let (s, p) = confirm(&app, &bank, &pay("R-1", "200300.00")).await;
    assert_eq!(
        (s, &p["errors"][0]["rule"]),
        (422, &json!("refund.amount_mismatch")),
        "{p}"
    );
    // Twenty identical confirmations in parallel: paid exactly once.
    let body = pay("R-1", "200370.11");
    let results = futures::future::join_all((0..20).map(|_| confirm(&app, &bank, &body))).await;
    let fresh = results
        .iter()
        .inspect(|(s, v)| assert_eq!(*s, 200, "{v}"))
        .filter(|(_, v)| v["duplicate"] == false)
        .count();
    assert_eq!(fresh, 1);
    assert_eq!(count_events(&app, "deposits.refund.paid").await, 1);
    // The same refund under another bank transaction id is a conflict.
    let (s, p) = confirm(&app, &bank, &pay("R-OTHER", "200370.11")).await;
    assert_eq!((s, &p["rule"]), (409, &json!("refund.already_paid")), "{p}");
    let bal = balances(&app, &staff).await;
    assert_eq!(bal["refunds_payable"], "200000.00");
    assert_eq!(bal["interest_payable"], "70.00");
    assert_eq!(bal["bank_clearing"], "200070.00");

    // bidder2's refund is not confirmed: re-sent the next day, overdue after 2026-04-20, once.
    set_clock(&app, "2026-04-20T12:00:00+08:00");
    run_refund_job(&app).await;
    assert_eq!(count_events(&app, "deposits.refund.retried").await, 1);
    assert_eq!(count_events(&app, "deposits.refund.overdue").await, 0);
    set_clock(&app, "2026-04-21T09:30:00+08:00");
    let b1 = app.login("bidder1").await;
    let staff = app.login("staff").await;
    run_refund_job(&app).await;
    run_refund_job(&app).await;
    let overdue = events_of(&app, "deposits.refund.overdue").await;
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert_eq!(overdue[0]["org_id"], a2["org_id"]);
    assert_eq!(overdue[0]["due_date"], "2026-04-20");
    let list = refunds(&app, &staff, &section).await;
    let r2 = list.iter().find(|r| r["org_id"] == a2["org_id"]).unwrap();
    assert_eq!(
        (r2["overdue"].as_bool(), r2["attempts"].as_i64()),
        (Some(true), Some(3))
    );

    // Reconciliation: the day of the receipts is clean; the day of the payout too.
    let csv = format!(
        "date,bank_txn_id,direction,amount,account,counterparty_account\n\
         2026-03-10,T-1,in,200300.00,{},{BIDDER1_BASIC}\n2026-03-10,T-2,in,200000.00,{},{BIDDER2_BASIC}\n",
        acc(&a1),
        acc(&a2)
    );
    let (s, rec) = import_statement(&app, &staff, "2026-03-10", &csv).await;
    assert_eq!(s, 201, "{rec}");
    assert_eq!(
        (rec["clean"].as_bool(), rec["difference_total"].as_str()),
        (Some(true), Some("0.00")),
        "{rec}"
    );
    let (_, rec) = import_statement(
        &app,
        &staff,
        "2026-04-16",
        &format!("date,bank_txn_id,direction,amount,account\n2026-04-16,R-1,out,200370.11,{BIDDER1_BASIC}\n"),
    )
    .await;
    assert_eq!(rec["clean"], true, "{rec}");
    // A day with differences: one amount differs, one receipt is missing, one is unknown to us.
    let csv = "date,bank_txn_id,direction,amount,account\n\
               2026-03-10,T-1,in,200300.01,x\n2026-03-10,T-X,in,5.00,y\n";
    let (s, rec) = import_statement(&app, &staff, "2026-03-10", csv).await;
    assert_eq!(s, 201, "{rec}");
    assert_eq!(rec["clean"], false);
    let kinds: Vec<(String, String)> = rec["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_string(),
                d["bank_txn_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("amount_mismatch".to_string(), "T-1".to_string()),
            ("missing_in_ledger".to_string(), "T-X".to_string()),
            ("missing_in_statement".to_string(), "T-2".to_string()),
        ]
    );
    assert_eq!(rec["difference_total"], "200005.01");
    let (s, p) = import_statement(
        &app,
        &staff,
        "2026-03-10",
        "date,bank_txn_id,direction,amount,account\n2026-03-11,T-1,in,1.00,x\n",
    )
    .await;
    assert_eq!(
        (s, &p["errors"][0]["rule"]),
        (422, &json!("statement.other_date")),
        "{p}"
    );
    assert_eq!(import_statement(&app, &b1, "2026-03-10", "").await.0, 403);
    app.stop().await;
}

#[tokio::test]
async fn procurement_refunds_count_working_days_across_labour_day() {
    let app = TestApp::spawn().await;
    let section = procurement_section(&app, "5000.00").await;
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    let b3 = app.login("bidder3").await;
    let bank = app.login("bank").await;
    let mut orgs = Vec::new();
    for (i, b) in [&b1, &b2, &b3].into_iter().enumerate() {
        let (s, a) = open_account(&app, b, &section).await;
        assert_eq!(s, 201, "{a}");
        // Procurement deposits need not come from the basic account.
        let (_, v) = callback(
            &app,
            &bank,
            &transfer(
                &format!("P-{i}"),
                a["account_no"].as_str().unwrap(),
                "6222000000000001",
                "5000.00",
                "2026-03-05T10:00:00+08:00",
            ),
        )
        .await;
        assert_eq!(v["status"], "credited", "{v}");
        orgs.push(a["org_id"].as_str().unwrap().to_string());
    }
    // bidder3 withdraws its bid before the deadline (Monday 2026-03-16): 5 working days, 87号令 38.
    set_clock(&app, "2026-03-16T10:00:00+08:00");
    emit_event(
        &app,
        "projects.bid.withdrawn",
        "bid-3",
        json!({"bid_id": "bid-3", "section_id": section, "project_id": "PRJ-P", "org_id": orgs[2]}),
    )
    .await;
    // Award Wednesday 2026-04-29: losers 5 working days, across 劳动节 (5/1–5/5 off, Saturday 5/9 worked):
    // 4/30, 5/6, 5/7, 5/8, 5/9.
    set_clock(&app, "2026-04-29T16:00:00+08:00");
    let staff = app.login("staff").await;
    emit_event(
        &app,
        "projects.award.confirmed",
        &section,
        json!({"section_id": section, "project_id": "PRJ-P", "market": "procurement", "procedure": "public_tender",
               "winner_org_id": orgs[0], "winner_name": "x", "price": "480000.00",
               "awarded_at": "2026-04-29T08:00:00Z", "bidder_org_ids": [orgs[0], orgs[1]]}),
    )
    .await;
    run_refund_job(&app).await;
    let list = refunds(&app, &staff, &section).await;
    let due = |org: &str| {
        list.iter().find(|r| r["org_id"] == org).map(|r| {
            (
                r["due_date"].as_str().unwrap().to_string(),
                r["basis"].as_str().unwrap().to_string(),
            )
        })
    };
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(
        due(&orgs[1]),
        Some(("2026-05-09".into(), "政采条例 33; 87号令 38".into()))
    );
    assert_eq!(
        due(&orgs[2]),
        Some(("2026-03-23".into(), "87号令 38".into()))
    );
    assert_eq!(due(&orgs[0]), None, "the winner waits for the contract");
    // Contract Wednesday 2026-05-06: the winner's refund is due 5/12 (5/7, 5/8, 5/9, 5/11, 5/12).
    set_clock(&app, "2026-05-06T16:00:00+08:00");
    let staff = app.login("staff").await;
    emit_event(
        &app,
        "projects.contract.signed",
        &section,
        json!({"section_id": section, "project_id": "PRJ-P", "market": "procurement",
               "winner_org_id": orgs[0], "amount": "480000.00", "signed_at": "2026-05-06T08:00:00Z"}),
    )
    .await;
    run_refund_job(&app).await;
    let list = refunds(&app, &staff, &section).await;
    let w = list.iter().find(|r| r["org_id"] == orgs[0]).unwrap();
    assert_eq!(w["due_date"], "2026-05-12");
    assert_eq!(list.len(), 3);
    // Nobody left owed: every credited fen is refunded.
    assert_eq!(balances(&app, &staff).await["deposit_liability"], "0.00");
    app.stop().await;
}

#[tokio::test]
async fn a_forfeiture_needs_a_reason_and_a_second_approver_and_the_rest_is_still_refunded() {
    let app = TestApp::spawn().await;
    let (section, a1) = bidder1_paid(&app, "200000.01").await;
    let org1 = a1["org_id"].as_str().unwrap().to_string();
    // Projects reports that bidder1's bid was not decrypted (revoked).
    set_clock(&app, "2026-03-23T10:00:00+08:00");
    let b1 = app.login("bidder1").await;
    let staff = app.login("staff").await;
    let admin = app.login("admin").await;
    emit_event(
        &app,
        "projects.bid.revoked",
        "bid-1",
        json!({"bid_id": "bid-1", "section_id": section, "org_id": org1, "reason": "not_decrypted"}),
    )
    .await;
    let (_, rv) = app
        .get(
            Some(&staff),
            &format!("/api/v1/deposits/revocations?section_id={section}"),
        )
        .await;
    assert_eq!(rv[0]["reason"], "not_decrypted", "{rv}");
    let proposal = |reason: &str| json!({"section_id": section, "org_id": org1, "ground": "not_decrypted", "reason": reason});
    let (s, p) = app
        .post(Some(&staff), "/api/v1/deposits/forfeitures", proposal("  "))
        .await;
    assert_eq!(
        (s, &p["errors"][0]["field"]),
        (422, &json!("reason")),
        "{p}"
    );
    assert_eq!(
        app.post(Some(&b1), "/api/v1/deposits/forfeitures", proposal("x"))
            .await
            .0,
        403
    );
    let (s, f) = app
        .post(
            Some(&staff),
            "/api/v1/deposits/forfeitures",
            proposal("开标后投标人未在规定时间内解密投标文件 (招标文件第2.7条)"),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(
        (f["amount"].as_str(), f["form"].as_str()),
        (Some("200000.00"), Some("cash"))
    );
    let id = f["id"].as_str().unwrap().to_string();
    // While the forfeiture is proposed, the contract's refund waits.
    emit_event(
        &app,
        "projects.contract.signed",
        &section,
        json!({"section_id": section, "project_id": "P", "market": "construction",
               "winner_org_id": "other", "amount": "1.00", "signed_at": "2026-04-15T02:00:00Z"}),
    )
    .await;
    run_refund_job(&app).await;
    assert!(refunds(&app, &staff, &section).await.is_empty());
    // The proposer cannot approve its own proposal.
    let (s, p) = app
        .post(
            Some(&staff),
            &format!("/api/v1/deposits/forfeitures/{id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, &p["rule"]),
        (409, &json!("forfeiture.second_approver")),
        "{p}"
    );
    assert_eq!(count_events(&app, "deposits.deposit.forfeited").await, 0);
    let (s, f) = app
        .post(
            Some(&admin),
            &format!("/api/v1/deposits/forfeitures/{id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!((s, f["status"].as_str()), (200, Some("approved")), "{f}");
    let (s, p) = app
        .post(
            Some(&admin),
            &format!("/api/v1/deposits/forfeitures/{id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!((s, &p["rule"]), (409, &json!("forfeiture.decided")), "{p}");
    let ev = events_of(&app, "deposits.deposit.forfeited").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (
            ev[0]["section_id"].as_str(),
            ev[0]["org_id"].as_str(),
            ev[0]["amount"].as_str()
        ),
        (
            Some(section.as_str()),
            Some(org1.as_str()),
            Some("200000.00")
        )
    );
    assert!(ev[0]["reason"].as_str().unwrap().contains("解密"));
    // The fen paid beyond the deposit is refunded; nothing else.
    run_refund_job(&app).await;
    let list = refunds(&app, &staff, &section).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["amount"], "0.01");
    let bal = balances(&app, &staff).await;
    assert_eq!(bal["forfeited"], "200000.00");
    assert_eq!(bal["deposit_liability"], "0.00");
    assert_eq!(bal["refunds_payable"], "0.01");
    app.stop().await;
}

#[tokio::test]
async fn a_terminated_construction_tender_refunds_by_the_next_working_day_and_a_later_failure_does_not_move_it(
) {
    let app = TestApp::spawn().await;
    let (section, _) = bidder1_paid(&app, "200000.00").await;
    // Terminated Wednesday 2026-09-30 (实施条例 31: 及时退还): the next working day is 2026-10-08,
    // after the National Day holiday.
    set_clock(&app, "2026-09-30T10:00:00+08:00");
    let staff = app.login("staff").await;
    // A malformed event (no section, no organization) is parked with its error (ggzy-events
    // contracts, issue 17): the consumer does not stall and does not skip it silently.
    emit_event(
        &app,
        "projects.bid.revoked",
        "bid-x",
        json!({"bid_id": "bid-x"}),
    )
    .await;
    let parked = ggzy_store::consumer::parked(&app.ctx.db, true)
        .await
        .expect("parked");
    assert!(
        parked
            .iter()
            .any(|p| p.consumer == "deposits.projection" && p.event_type == "projects.bid.revoked"),
        "{parked:?}"
    );
    emit_event(
        &app,
        "projects.section.terminated",
        &section,
        json!({"section_id": section, "project_id": "P", "market": "construction", "reason": "项目取消"}),
    )
    .await;
    // A later failure notice does not move the first trigger's due date.
    emit_event(
        &app,
        "projects.section.failed",
        &section,
        json!({"section_id": section, "project_id": "P", "market": "construction", "reason": "x",
               "bid_count": 1, "basis": "招标投标法 28"}),
    )
    .await;
    run_refund_job(&app).await;
    let list = refunds(&app, &staff, &section).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["due_date"], "2026-10-08");
    assert_eq!(list[0]["basis"], "实施条例 31");
    assert_eq!(list[0]["reason"], "construction_termination");
    // 2026-03-10 → 2026-09-30: 204 days; 200000 × 0.35% × 204 / 360 = 396.666… → 396.67.
    assert_eq!(list[0]["interest"], "396.67");
    assert_eq!(list[0]["interest_computation"]["slices"][0]["days"], 204);
    app.stop().await;
}

/// A firing of the daily refund job caught up after a restart or a clock jump does the work of
/// its own time (issue 16): money that arrived after that firing waits for a later one.
#[tokio::test]
async fn a_caught_up_refund_firing_instructs_only_what_was_recorded_by_its_time() {
    let app = TestApp::spawn().await;
    let bank = app.login("bank").await;
    let earlier_firing = app.clock().now();
    app.clock().advance(chrono::Duration::hours(2));
    let (s, v) = callback(
        &app,
        &bank,
        &transfer(
            "T-late",
            "99999999999999999",
            BIDDER2_BASIC,
            "10.00",
            "2026-03-02T11:00:00+08:00",
        ),
    )
    .await;
    assert_eq!(
        (s, v["reason"].as_str()),
        (200, Some("unknown_account")),
        "{v}"
    );
    let job = ggzy::background::workers()
        .cron
        .into_iter()
        .find(|j| j.name == "deposits.refund_instructions")
        .expect("refund job registered");
    (job.run)(app.ctx.db.clone(), app.clock().clone(), earlier_firing)
        .await
        .expect("refund job");
    app.seal().await;
    assert_eq!(count_events(&app, "deposits.refund.instructed").await, 0);
    // The firing of its own time (or any later one) returns it.
    (job.run)(app.ctx.db.clone(), app.clock().clone(), app.clock().now())
        .await
        .expect("refund job");
    app.seal().await;
    assert_eq!(count_events(&app, "deposits.refund.instructed").await, 1);
    app.stop().await;
}
