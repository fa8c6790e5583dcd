//! Paying a property deal's price (交易价款, 《企业国有资产交易监督管理办法》 32号令 第二十八条 — article
//! to verify), issue 21: recording the deal's terms opens the payment schedule; the winner's deposit
//! converted into the price counts as paid; staff record payments; at 24:00 (Beijing) of each due
//! day an unmet step raises `auctions.property_payment.overdue` and monitoring's
//! `compliance.property_payment_overdue` alert. The deal: 1,000,000.00 on Tuesday 31 March 2026
//! (the lot's deposit 200,000.00 becomes part of the price); the contract takes effect Wednesday
//! 1 April, so the 5 working days are 2, 3, (清明 4-6), 7, 8 and 9 April.

use crate::auctions::{act, bid, create, listing, lot, rules_of, ts, wait_phase};
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};

fn beijing(s: &str) -> chrono::DateTime<chrono::Utc> {
    ts(&json!(s))
}

/// A property deal of 1,000,000.00 won by bidder1, its terms recorded with `payment`; returns the
/// deal id once the schedule shows the converted deposit.
async fn deal_with_terms(app: &TestApp, payment: Value) -> (String, String) {
    let lot = lot(app, "property", 1).await;
    let mut l = listing(&lot.sid, lot.announced_at, 28, None);
    l["listing_end"] = json!("2026-03-31T00:00:00+08:00");
    let id = create(app, l).await;
    assert_eq!(bid(app, "bidder1", &id, "1000000.00").await.0, 201);
    app.clock().set(beijing("2026-03-31T00:00:00+08:00"));
    wait_phase(app, &id, "deal").await;
    app.clock().set(beijing("2026-03-31T10:00:00+08:00"));
    let mut terms = json!({"publicity_start": "2026-03-31T10:00:00+08:00",
        "publicity_end": "2026-04-09T00:00:00+08:00", "contract_effective_on": "2026-04-01"});
    for (k, v) in payment.as_object().unwrap() {
        terms[k] = v.clone();
    }
    let (s, v) = act(
        app,
        "staff",
        &format!("/api/v1/auctions/{id}/deal/terms"),
        terms,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let deal_id = v["deal_id"].as_str().unwrap().to_string();
    let staff = app.login("staff").await;
    let url = schedule(&deal_id);
    let mut seen = Value::Null;
    for () in ggzy_api_tests::patience() {
        let (s, v) = app.get(Some(&staff), &url).await;
        assert_eq!(s, 200, "{v}");
        if v["deposit_credited"] == "200000.00" {
            seen = v;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(seen["deposit_credited"], "200000.00", "{seen}");
    (id, deal_id)
}

fn schedule(deal_id: &str) -> String {
    format!("/api/v1/property-deals/{deal_id}/schedule")
}

/// The schedule as staff read it (a fresh login: the test clock moves past a token's life).
async fn sched(app: &TestApp, deal_id: &str) -> Value {
    let staff = app.login("staff").await;
    let (s, v) = app.get(Some(&staff), &schedule(deal_id)).await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn overdue_after(app: &TestApp, deal_id: &str, n: usize) -> Value {
    let staff = app.login("staff").await;
    let mut v = Value::Null;
    for () in ggzy_api_tests::patience() {
        v = app.get(Some(&staff), &schedule(deal_id)).await.1;
        if v["overdue"].as_array().is_some_and(|a| a.len() >= n) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    v
}

/// The end-of-day timer of `step` has run.
async fn timer_done(app: &TestApp, deal_id: &str, step: &str) {
    let key = format!("property-payment:{deal_id}:{step}");
    for () in ggzy_api_tests::patience() {
        let n = app
            .scalar_i64(&format!(
                "SELECT COUNT(*) FROM timers WHERE dedupe_key = '{key}' AND status = 'done'"
            ))
            .await;
        if n == 1 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timer {key} not done");
}

async fn alerts(app: &TestApp) -> Value {
    app.seal().await;
    app.drain_consumer("monitoring.signals").await;
    let supervisor = app.login("supervisor").await;
    let (s, v) = app
        .get(
            Some(&supervisor),
            "/api/v1/monitoring/alerts?rule=compliance.property_payment_overdue",
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

/// Lump sum (一次付清): the whole price by 24:00 of the 5th working day after the contract took effect
/// (Thursday 9 April across 清明). The deposit and 800,000.00 paid on 9 April meet it: at 24:00 the
/// timer finds nothing owed. Payment refusals name their field and rule; a replayed request with the
/// same Idempotency-Key records nothing twice; the buyer and the transferor read their own deal's
/// schedule, another bidder gets 404.
#[tokio::test]
async fn a_lump_sum_paid_on_the_5th_working_day_is_in_time() {
    let app = TestApp::spawn().await;
    let (_, deal_id) = deal_with_terms(&app, json!({"payment": "lump_sum"})).await;
    let pay = format!("/api/v1/property-deals/{deal_id}/payments");
    let v = sched(&app, &deal_id).await;
    assert_eq!(v["payment"], "lump_sum");
    assert_eq!(
        v["steps"],
        json!([{"step": "price", "due_date": "2026-04-09", "required": "1000000.00",
                "paid_by_due": "200000.00", "owed": "800000.00", "met": false}]),
        "{v}"
    );
    assert_eq!(
        (v["remaining"].as_str(), &v["interest"]),
        (Some("800000.00"), &Value::Null)
    );

    app.clock().set(beijing("2026-04-09T12:00:00+08:00"));
    // More than the remaining price, a date before the deal and one in the future are refused.
    let (s, e) = act(
        &app,
        "staff",
        &pay,
        json!({"amount": "800000.01", "paid_on": "2026-03-30"}),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(
        rules_of(&e),
        [
            "auctions.property_payment_amount",
            "auctions.property_payment_date"
        ]
    );
    let (s, e) = act(
        &app,
        "staff",
        &pay,
        json!({"amount": "1.005", "paid_on": "2026-04-10"}),
    )
    .await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (422, Some("amount")),
        "{e}"
    );
    let (s, e) = act(
        &app,
        "staff",
        &pay,
        json!({"amount": "1.00", "paid_on": "2026-04-10"}),
    )
    .await;
    assert_eq!(
        (s, rules_of(&e)),
        (422, vec!["auctions.property_payment_date".to_string()]),
        "{e}"
    );
    for user in ["bidder1", "tenderer", "supervisor"] {
        let (s, e) = act(
            &app,
            user,
            &pay,
            json!({"amount": "1.00", "paid_on": "2026-04-09"}),
        )
        .await;
        assert_eq!(s, 403, "{user}: {e}");
    }
    // The last allowed day, once through a retried request.
    let staff = app.login("staff").await;
    let send = || {
        app.client
            .post(app.url(&pay))
            .bearer_auth(&staff)
            .header("Idempotency-Key", "pp-lump-1")
            .json(&json!({"amount": "800000.00", "paid_on": "2026-04-09"}))
            .send()
    };
    let (s, v) = ggzy_api_tests::into_parts(send().await.unwrap()).await;
    assert_eq!((s, v["remaining"].as_str()), (200, Some("0.00")), "{v}");
    let (s, again) = ggzy_api_tests::into_parts(send().await.unwrap()).await;
    assert_eq!((s, &again), (200, &v), "the retry replays the answer");
    assert_eq!(v["steps"][0]["met"], true, "{v}");
    assert_eq!(
        app.events_of("auctions.property_payment.recorded")
            .await
            .len(),
        1
    );

    // The buyer and the transferor follow the deal; another bidder learns nothing of it.
    for user in ["bidder1", "tenderer"] {
        let t = app.login(user).await;
        let (s, r) = app.get(Some(&t), &schedule(&deal_id)).await;
        assert_eq!(
            (s, r["paid"].as_str()),
            (200, Some("1000000.00")),
            "{user}: {r}"
        );
    }
    let other = app.login("bidder2").await;
    assert_eq!(app.get(Some(&other), &schedule(&deal_id)).await.0, 404);

    app.clock().set(beijing("2026-04-10T00:00:00+08:00"));
    timer_done(&app, &deal_id, "price").await;
    let v = sched(&app, &deal_id).await;
    assert_eq!(v["overdue"], json!([]), "{v}");
    assert!(app
        .events_of("auctions.property_payment.overdue")
        .await
        .is_empty());
    assert_eq!(alerts(&app).await, json!([]));
    app.stop().await;
}

/// Lump sum one fen short at 24:00 of 9 April: `auctions.property_payment.overdue` {step `price`,
/// owed 0.01} and one supervisor alert; the fen paid on 10 April is late and changes neither.
#[tokio::test]
async fn a_lump_sum_unpaid_at_24_00_of_the_5th_working_day_is_overdue_and_alerted() {
    let app = TestApp::spawn().await;
    let (_, deal_id) = deal_with_terms(&app, json!({"payment": "lump_sum"})).await;
    let pay = format!("/api/v1/property-deals/{deal_id}/payments");
    app.clock().set(beijing("2026-04-09T23:59:00+08:00"));
    let (s, v) = act(
        &app,
        "staff",
        &pay,
        json!({"amount": "799999.99", "paid_on": "2026-04-09"}),
    )
    .await;
    assert_eq!((s, v["remaining"].as_str()), (200, Some("0.01")), "{v}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sched(&app, &deal_id).await["overdue"], json!([]));

    app.clock().set(beijing("2026-04-10T00:00:00+08:00"));
    let v = overdue_after(&app, &deal_id, 1).await;
    assert_eq!(v["overdue"], json!(["price"]), "{v}");
    let (s, v) = act(
        &app,
        "staff",
        &pay,
        json!({"amount": "0.01", "paid_on": "2026-04-10"}),
    )
    .await;
    assert_eq!((s, v["remaining"].as_str()), (200, Some("0.00")), "{v}");
    assert_eq!(v["steps"][0]["owed"], "0.01", "paid after the due day: {v}");
    let ev = app.events_of("auctions.property_payment.overdue").await;
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(
        (
            ev[0]["step"].as_str(),
            ev[0]["owed"].as_str(),
            ev[0]["due_date"].as_str()
        ),
        (Some("price"), Some("0.01"), Some("2026-04-09"))
    );
    let a = alerts(&app).await;
    let keys: Vec<&str> = a
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["signal_key"].as_str())
        .collect();
    assert_eq!(keys, [format!("property_payment:{deal_id}:price")], "{a}");
    app.stop().await;
}

/// Instalments (分期付款): 30 % exactly first (300,000.00 — 299,999.99 is refused when the terms are
/// recorded, property_rules.rs), due with the 5 working days; the converted deposit (200,000.00)
/// and 100,000.00 paid on 9 April meet it. The balance is due Thursday 1 April 2027 (within the
/// year); unpaid at its 24:00 it is overdue with 700,000.00 owed. Interest at the one-year LPR
/// (3.00 %, to verify), Actual/360, from 9 April 2026: 700,000.00 × 3 % × 358 / 360 = 20,883.33
/// to 2 April 2027, when the balance is paid.
#[tokio::test]
async fn instalments_meet_the_first_payment_with_the_deposit_and_the_balance_is_overdue_after_its_day(
) {
    let app = TestApp::spawn().await;
    let (_, deal_id) = deal_with_terms(
        &app,
        json!({"payment": "instalments", "first_payment": "300000.00",
               "balance_due_on": "2027-04-01", "security": "银行保函 BG-2026-7"}),
    )
    .await;
    let pay = format!("/api/v1/property-deals/{deal_id}/payments");
    let v = sched(&app, &deal_id).await;
    assert_eq!(
        v["steps"],
        json!([
            {"step": "first_payment", "due_date": "2026-04-09", "required": "300000.00",
             "paid_by_due": "200000.00", "owed": "100000.00", "met": false},
            {"step": "balance", "due_date": "2027-04-01", "required": "1000000.00",
             "paid_by_due": "200000.00", "owed": "800000.00", "met": false}
        ]),
        "{v}"
    );
    assert_eq!(v["interest"]["annual_rate_percent"], "3.00", "{v}");
    assert_eq!(v["interest"]["rate_verified"], false);
    assert_eq!(v["interest"]["balance"], "700000.00");
    let ev = app.events_of("auctions.property_payment.scheduled").await;
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0]["balance_due_date"], "2027-04-01");

    app.clock().set(beijing("2026-04-09T12:00:00+08:00"));
    let (s, v) = act(
        &app,
        "staff",
        &pay,
        json!({"amount": "100000.00", "paid_on": "2026-04-09"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            v["steps"][0]["met"].as_bool(),
            v["steps"][1]["met"].as_bool()
        ),
        (Some(true), Some(false))
    );
    app.clock().set(beijing("2026-04-10T00:00:00+08:00"));
    timer_done(&app, &deal_id, "first_payment").await;
    assert_eq!(sched(&app, &deal_id).await["overdue"], json!([]));

    // The last minute of the balance's day: nothing raised; the next day it is overdue.
    app.clock().set(beijing("2027-04-01T23:59:00+08:00"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sched(&app, &deal_id).await["overdue"], json!([]));
    app.clock().set(beijing("2027-04-02T00:00:00+08:00"));
    let v = overdue_after(&app, &deal_id, 1).await;
    assert_eq!(v["overdue"], json!(["balance"]), "{v}");
    // 700,000.00 × 3 % × 358 / 360 accrued to 2 April 2027.
    assert_eq!(v["interest"]["accrued_to_date"], "20883.33", "{v}");
    assert_eq!(v["interest"]["on_paid"], "0.00", "{v}");
    let ev = app.events_of("auctions.property_payment.overdue").await;
    assert_eq!(
        (ev.len(), ev[0]["step"].as_str(), ev[0]["owed"].as_str()),
        (1, Some("balance"), Some("700000.00")),
        "{ev:?}"
    );
    let (s, v) = act(
        &app,
        "staff",
        &pay,
        json!({"amount": "700000.00", "paid_on": "2027-04-02"}),
    )
    .await;
    assert_eq!((s, v["remaining"].as_str()), (200, Some("0.00")), "{v}");
    assert_eq!(v["interest"]["on_paid"], "20883.33", "{v}");
    let a = alerts(&app).await;
    assert_eq!(a.as_array().map(Vec::len), Some(1), "{a}");
    assert_eq!(
        a[0]["signal_key"],
        format!("property_payment:{deal_id}:balance")
    );
    app.stop().await;
}
