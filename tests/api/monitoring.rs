//! Unified electronic monitoring: red-flag rules raise alerts from the event log within seconds, the
//! near misses do not, alerts are handled as cases, statistics, dashboard, reports and audit export.
//!
//! Other areas' events are written straight into the outbox (the contract payloads), as the area
//! that owns them would; everything about alerts is read through the public API.

use ggzy_api_tests::TestApp;
use ggzy_core::Money;
use ggzy_events::deposits::{RefundInstructed, TransferReceived};
use ggzy_events::venues::ViolationRecorded;
use ggzy_events::Contract;
use serde_json::{json, Value};
use std::time::Duration;

async fn emit(app: &TestApp, ty: &str, aggregate: &str, payload: Value) -> String {
    app.emit(ty, "section", aggregate, payload).await
}

/// Wait (at most 10 s) until the monitoring consumer has handled every sealed event.
async fn caught_up(app: &TestApp) {
    app.wait_consumer("monitoring.signals").await;
}

async fn alerts(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (s, v) = app
        .get(Some(token), &format!("/api/v1/monitoring/alerts?{query}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().cloned().unwrap_or_default()
}

fn rules_of(list: &[Value]) -> Vec<String> {
    let mut r: Vec<String> = list
        .iter()
        .map(|a| a["rule_id"].as_str().unwrap_or_default().to_string())
        .collect();
    r.sort();
    r
}

fn at(app: &TestApp, days: i64) -> String {
    (app.clock().now() + chrono::Duration::days(days)).to_rfc3339()
}

async fn section(app: &TestApp, id: &str, deadline_days: i64, estimate: &str, tenderer: &str) {
    emit(
        app,
        "projects.section.registered",
        id,
        json!({"section_id": id, "no": 1, "project_id": format!("p-{id}"), "project_code": "210200-GC-2026-000001",
               "project_name": "测试项目", "name": format!("标段 {id}"), "market": "construction",
               "procedure": "open", "estimated_price": estimate, "deposit": "1000.00",
               "docs_issue_at": at(app, 0), "docs_sale_end_at": at(app, 5),
               "bid_deadline": at(app, deadline_days), "opening_at": at(app, deadline_days),
               "tenderer_uscc": tenderer, "owner_org_id": tenderer, "state": "registered"}),
    )
    .await;
}

async fn bid(app: &TestApp, s: &str, org: &str, ip: &str, device: &str, creator: &str) -> String {
    bid_with(app, s, org, ip, device, creator, json!({})).await
}

/// A bid with extra (optional) fields such as the declared project manager.
async fn bid_with(
    app: &TestApp,
    s: &str,
    org: &str,
    ip: &str,
    device: &str,
    creator: &str,
    extra: Value,
) -> String {
    let mut p = json!({"bid_id": format!("b-{s}-{org}"), "section_id": s, "project_id": format!("p-{s}"),
               "org_id": org, "version": 1, "ip": ip, "device_fingerprint": device, "file_creator": creator});
    if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    let e = emit(app, "projects.bid.submitted", s, p).await;
    // The same-file-creator signal reads the authors of the documents, known at opening.
    let decrypted = ggzy_events::projects::BidDecrypted {
        bid_id: format!("b-{s}-{org}"),
        section_id: s.into(),
        org_id: org.into(),
        decryption: "decrypted".into(),
        suite: "aes-256-gcm+sha-256".into(),
        document_authors: vec![creator.into()],
        document_software: vec![],
        plaintext_key: None,
        documents: vec![],
        sme: None,
    };
    emit(
        app,
        "projects.bid.decrypted",
        s,
        ggzy_events::Contract::encode(&decrypted).payload,
    )
    .await;
    e
}

async fn deposit(app: &TestApp, s: &str, org: &str, account: &str) {
    let t = TransferReceived {
        transfer_id: format!("t-{s}-{org}-{account}"),
        bank_txn_id: "x".into(),
        account_no: format!("VA-{s}-{org}"),
        amount: Money::from_fen(100_000),
        value_at: app.clock().now(),
        org_id: Some(org.into()),
        section_id: Some(s.into()),
        reason: None,
        payer_account_no: account.into(),
        payer_name: format!("{org} 公司"),
    };
    emit(app, TransferReceived::NAME, s, t.encode().payload).await;
}

/// A refund instruction as deposits writes it (the deposit goes back to `payee`).
fn refund(id: &str, s: &str, org: &str, payee: &str, fen: i64) -> Value {
    RefundInstructed {
        id: id.into(),
        transfer_id: None,
        org_id: Some(org.into()),
        section_id: Some(s.into()),
        payee_account_no: payee.into(),
        amount: Money::from_fen(fen),
        interest: Money::ZERO,
        reason: Some("construction_contract_signed".into()),
        basis: None,
        due_date: None,
        due_date_provisional: false,
    }
    .encode()
    .payload
}

fn entry(org: &str, price: Option<&str>, decryption: &str, deposit: &str) -> Value {
    json!({"bid_id": format!("b-{org}"), "org_id": org, "org_name": format!("{org} 公司"),
           "uscc": "", "price": price, "decryption": decryption, "deposit": deposit})
}

async fn opening(app: &TestApp, s: &str, entries: Vec<Value>) {
    emit(
        app,
        "projects.opening.recorded",
        s,
        json!({"section_id": s, "project_id": format!("p-{s}"), "market": "construction",
               "opened_at": at(app, 0), "entries": entries}),
    )
    .await;
}

async fn award(app: &TestApp, s: &str, winner: &str, price: &str) {
    emit(
        app,
        "projects.award.confirmed",
        s,
        json!({"section_id": s, "project_id": format!("p-{s}"), "market": "construction",
               "procedure": "open", "winner_org_id": winner, "winner_name": winner, "price": price,
               "awarded_at": at(app, 0), "bidder_org_ids": [winner]}),
    )
    .await;
}

#[tokio::test]
async fn collusion_signals_raise_one_alert_each_and_near_misses_raise_none() {
    let app = TestApp::spawn().await;
    let sup = app.login("supervisor").await;

    // Section A: every collusion signal.
    section(&app, "sec-a", 30, "1000000.00", "T1").await;
    let e1 = bid(&app, "sec-a", "o1", "10.0.0.1", "DEV-1", "张三").await;
    let e2 = bid(&app, "sec-a", "o2", "10.0.0.1", "DEV-2", "张三").await;
    bid(&app, "sec-a", "o3", "10.0.0.3", "DEV-1", "李四").await;
    let pm = json!({"project_manager_id": "PM-7", "representative_id": "REP-3"});
    bid_with(&app, "sec-a", "o1", "10.0.0.1", "DEV-1", "张三", pm.clone()).await;
    bid_with(&app, "sec-a", "o3", "10.0.0.3", "DEV-1", "李四", pm).await;
    deposit(&app, "sec-a", "o1", "6222-0001").await;
    deposit(&app, "sec-a", "o2", "6222-0001").await;
    opening(
        &app,
        "sec-a",
        vec![
            entry("o1", Some("100.00"), "decrypted", "valid"),
            entry("o2", Some("110.00"), "decrypted", "valid"),
            entry("o3", Some("120.00"), "decrypted", "valid"),
            entry("o4", Some("120.00"), "decrypted", "valid"),
        ],
    )
    .await;

    // Section B, the near misses: distinct traces, blank values, one bidder re-paying from its own
    // account, prices 100, 111, 119, a 22-day bidding period (from Monday 03-02 the 20th day is
    // Sunday 03-22, so the legal minimum is Monday 03-23, 21 days: 民法典 203).
    section(&app, "sec-b", 22, "1000000.00", "T1").await;
    bid_with(
        &app,
        "sec-b",
        "o1",
        "10.0.1.1",
        "DEV-9",
        "王五",
        json!({"project_manager_id": "PM-8", "representative_id": "REP-8"}),
    )
    .await;
    bid_with(
        &app,
        "sec-b",
        "o2",
        "10.0.1.2",
        "unknown",
        "",
        json!({"project_manager_id": "PM-9", "representative_id": "REP-9"}),
    )
    .await;
    bid(&app, "sec-b", "o2", "10.0.1.2", "unknown", "").await;
    // A long, hardly compressible file-creator tag (would not fit a btree index row as is).
    let long: String = (0..800u64)
        .map(|i| format!("{:08x}", i.wrapping_mul(2_654_435_761) ^ (i << 7)))
        .collect();
    bid(&app, "sec-b", "o3", "10.0.1.3", "unknown", &long).await;
    bid(&app, "sec-b", "o1", "10.0.1.1", "DEV-9", "王五").await;
    deposit(&app, "sec-b", "o1", "6222-0009").await;
    deposit(&app, "sec-b", "o1", "6222-0009").await;
    deposit(&app, "sec-b", "o2", "6222-0010").await;
    opening(
        &app,
        "sec-b",
        vec![
            entry("o1", Some("100.00"), "decrypted", "valid"),
            entry("o2", Some("111.00"), "decrypted", "valid"),
            entry("o3", Some("119.00"), "decrypted", "valid"),
        ],
    )
    .await;
    caught_up(&app).await;

    let a = alerts(&app, &sup, "section_id=sec-a").await;
    assert_eq!(
        rules_of(&a),
        vec![
            "collusion.identical_prices",
            "collusion.price_progression",
            "collusion.same_device",
            "collusion.same_file_creator",
            "collusion.same_ip",
            "collusion.same_payer_account",
            "collusion.same_project_manager",
            "collusion.same_representative"
        ]
    );
    let ip = a
        .iter()
        .find(|x| x["rule_id"] == "collusion.same_ip")
        .expect("ip alert");
    assert_eq!(ip["status"], "open");
    assert_eq!(ip["severity"], "high");
    assert_eq!(ip["evidence"]["event_ids"], json!([e1, e2]));
    assert!(ip["message_zh"].as_str().unwrap_or("").contains("10.0.0.1"));
    assert!(ip["message_en"]
        .as_str()
        .unwrap_or("")
        .contains("same IP address"));
    let prog = a
        .iter()
        .find(|x| x["rule_id"] == "collusion.price_progression")
        .expect("progression");
    assert_eq!(
        prog["evidence"]["prices"],
        json!(["100.00", "110.00", "120.00"])
    );
    assert!(alerts(&app, &sup, "section_id=sec-b").await.is_empty());

    // The same signal again (a fourth bidder on the same IP) never opens a second alert.
    bid(&app, "sec-a", "o4", "10.0.0.1", "DEV-4", "赵六").await;
    caught_up(&app).await;
    let ips = alerts(&app, &sup, "section_id=sec-a&rule=collusion.same_ip").await;
    assert_eq!(ips.len(), 1);
    assert_eq!(ips[0]["evidence"]["org_ids"], json!(["o1", "o2", "o4"]));
    assert_eq!(alerts(&app, &sup, "rule=collusion.").await.len(), 8);

    // Deposits whose transfer did not name the paying account: the refunds go back to the payer,
    // and two bidders refunded to one account are flagged; two accounts are not.
    for (s, second) in [("sec-r1", "6222-7777"), ("sec-r2", "6222-8888")] {
        section(&app, s, 30, "1000.00", "T1").await;
        for (o, acct) in [("o1", "6222-7777"), ("o2", second)] {
            let r = refund(&format!("rf-{s}-{o}"), s, o, acct, 0);
            emit(&app, RefundInstructed::NAME, s, r).await;
        }
    }
    caught_up(&app).await;
    assert_eq!(
        rules_of(&alerts(&app, &sup, "section_id=sec-r1").await),
        vec!["collusion.same_payer_account"]
    );
    assert!(alerts(&app, &sup, "section_id=sec-r2").await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn process_red_flags_are_raised_and_near_misses_are_not() {
    let app = TestApp::spawn().await;
    let sup = app.login("supervisor").await;

    // Section C: 20-day period, deadline moved after a bid, one valid bid, the lowest bid
    // disqualified, every other bid out, winner at 99% of the estimate.
    section(&app, "sec-c", 20, "1000.00", "T2").await;
    bid(&app, "sec-c", "o1", "10.1.0.1", "D1", "A").await;
    emit(
        &app,
        "projects.section.deadline_changed",
        "sec-c",
        json!({"section_id": "sec-c", "project_id": "p-sec-c", "old_deadline": at(&app, 20),
               "new_deadline": at(&app, 25), "old_opening_at": at(&app, 20), "new_opening_at": at(&app, 25)}),
    )
    .await;
    opening(
        &app,
        "sec-c",
        vec![
            entry("o1", Some("990.00"), "decrypted", "valid"),
            entry("o2", Some("950.00"), "decrypted", "missing"),
            entry("o3", None, "not_decrypted", "valid"),
        ],
    )
    .await;
    award(&app, "sec-c", "o1", "990.00").await;

    // Section D, the near misses: 22 days (one more than the minimum moved by 民法典 203), deadline
    // moved before any bid, two valid bids, the lowest wins at 98.99% of the estimate.
    section(&app, "sec-d", 22, "1000.00", "T2").await;
    emit(
        &app,
        "projects.section.deadline_changed",
        "sec-d",
        json!({"section_id": "sec-d", "project_id": "p-sec-d", "old_deadline": at(&app, 22),
               "new_deadline": at(&app, 27), "old_opening_at": at(&app, 22), "new_opening_at": at(&app, 27)}),
    )
    .await;
    bid(&app, "sec-d", "o1", "10.2.0.1", "D1", "A").await;
    opening(
        &app,
        "sec-d",
        vec![
            entry("o1", Some("989.90"), "decrypted", "valid"),
            entry("o2", Some("995.00"), "decrypted", "valid"),
        ],
    )
    .await;
    award(&app, "sec-d", "o1", "989.90").await;
    caught_up(&app).await;

    let c = alerts(&app, &sup, "section_id=sec-c").await;
    assert_eq!(
        rules_of(&c),
        vec![
            "process.all_but_winner_disqualified",
            "process.deadline_moved_after_bids",
            "process.lowest_bid_not_winner",
            "process.price_near_estimate",
            "process.short_bidding_period",
            "process.single_valid_bid"
        ]
    );
    let near = c
        .iter()
        .find(|x| x["rule_id"] == "process.price_near_estimate")
        .expect("near");
    assert_eq!(near["evidence"]["ratio_percent"], "99.00");
    assert!(alerts(&app, &sup, "section_id=sec-d").await.is_empty());

    // The same winner for one tenderer: the second award is fine, the third is flagged.
    for s in ["sec-e1", "sec-e2", "sec-e3"] {
        section(&app, s, 30, "1000.00", "T3").await;
    }
    award(&app, "sec-e1", "w", "500.00").await;
    award(&app, "sec-e2", "w", "500.00").await;
    caught_up(&app).await;
    assert!(alerts(&app, &sup, "rule=process.repeat_winner")
        .await
        .is_empty());
    award(&app, "sec-e3", "w", "500.00").await;
    caught_up(&app).await;
    let rw = alerts(&app, &sup, "rule=process.repeat_winner").await;
    assert_eq!(rw.len(), 1);
    assert_eq!(rw[0]["section_id"], "sec-e3");
    assert_eq!(rw[0]["evidence"]["awards"], 3);

    // The same expert drawn for one tenderer: twice is fine (a draw for another tenderer does not
    // count), the third time is flagged.
    for (s, t) in [
        ("sec-x1", "T8"),
        ("sec-x2", "T8"),
        ("sec-y1", "T9"),
        ("sec-x3", "T8"),
    ] {
        section(&app, s, 30, "1000.00", t).await;
    }
    let draw = |s: &str| {
        json!({"draw_id": format!("d-{s}"), "section_id": s, "session_id": null, "attempt": 1,
               "experts": [{"expert_id": "E1", "name": "王专家", "user_id": null},
                           {"expert_id": format!("E-{s}"), "name": "其他专家", "user_id": null}]})
    };
    for s in ["sec-x1", "sec-y1", "sec-x2"] {
        emit(&app, "experts.draw.completed", s, draw(s)).await;
    }
    caught_up(&app).await;
    assert!(alerts(&app, &sup, "rule=experts.").await.is_empty());
    emit(&app, "experts.draw.completed", "sec-x3", draw("sec-x3")).await;
    caught_up(&app).await;
    let ex = alerts(&app, &sup, "rule=experts.").await;
    assert_eq!(rules_of(&ex), vec!["experts.repeat_draw_for_tenderer"]);
    assert_eq!(ex[0]["section_id"], "sec-x3");
    assert_eq!(
        ex[0]["evidence"]["section_ids"],
        json!(["sec-x1", "sec-x2", "sec-x3"])
    );
    app.stop().await;
}

#[tokio::test]
async fn compliance_events_raise_alerts_and_a_disabled_rule_stays_silent() {
    let app = TestApp::spawn().await;
    let sup = app.login("supervisor").await;
    section(&app, "sec-f", 30, "1000.00", "T4").await;
    emit(
        &app,
        "venues.session.scheduled",
        "ses-1",
        json!({"session_id": "ses-1", "section_id": "sec-f", "kind": "evaluation", "room_id": "r1",
               "room_name": "评标室 1", "start": at(&app, 0), "end": at(&app, 1), "draw": null}),
    )
    .await;
    emit(
        &app,
        "projects.contract.overdue",
        "sec-f",
        json!({"section_id": "sec-f", "awarded_at": at(&app, -31), "due_at": at(&app, -1)}),
    )
    .await;
    // Built through the deposits contract, as deposits emits it.
    let refund = {
        use ggzy_events::Contract;
        ggzy_events::deposits::RefundOverdue {
            refund_id: "ref-f".into(),
            org_id: Some("o1".into()),
            section_id: Some("sec-f".into()),
            amount: ggzy_core::Money::from_fen(100_000),
            interest: ggzy_core::Money::ZERO,
            due_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            basis: "国土资源部令第39号 第二十一条".into(),
            reason: "land_auction_ended".into(),
            days_late: 3,
        }
        .encode()
        .payload
    };
    emit(&app, "deposits.refund.overdue", "ref-f", refund).await;
    let violation = ViolationRecorded {
        violation_id: "v-1".into(),
        session_id: Some("ses-1".into()),
        room_id: "r1".into(),
        kind: "phone_in_room".into(),
        person_role: Some("expert".into()),
        resident_id: None,
        expert_id: None,
        user_id: None,
        detail: None,
        at: app.clock().now(),
    };
    emit(
        &app,
        ViolationRecorded::NAME,
        "ses-1",
        violation.encode().payload,
    )
    .await;
    emit(&app, "projects.objection.overdue", "sec-f",
        json!({"objection_id": "obj-1", "section_id": "sec-f", "org_id": "o2", "due_at": at(&app, -1)})).await;
    emit(&app, "projects.candidates.publicized", "sec-f",
        json!({"section_id": "sec-f", "project_id": "p-sec-f", "market": "construction", "candidates": [],
               "publicity_starts_at": at(&app, 0), "publicity_ends_at": at(&app, 2)})).await;
    // Near misses: an objection answered, a contract signed.
    emit(&app, "projects.objection.answered", "sec-f",
        json!({"objection_id": "obj-2", "section_id": "sec-f", "org_id": "o2", "due_at": at(&app, 1)})).await;
    emit(&app, "projects.contract.signed", "sec-f",
        json!({"section_id": "sec-f", "project_id": "p-sec-f", "market": "construction", "winner_org_id": "o1",
               "amount": "900.00", "signed_at": at(&app, 0)})).await;
    caught_up(&app).await;
    let f = alerts(&app, &sup, "section_id=sec-f").await;
    assert_eq!(
        rules_of(&f),
        vec![
            "compliance.contract_overdue",
            "compliance.objection_overdue",
            "compliance.refund_overdue",
            "compliance.short_publicity",
            "compliance.venue_violation"
        ]
    );

    // A supervisor disables a rule: the same kind of event raises nothing from then on.
    let (s, r) = app
        .client
        .put(app.url("/api/v1/monitoring/rules/compliance.contract_overdue"))
        .bearer_auth(&sup)
        .json(&json!({"enabled": false}))
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .expect("put");
    assert_eq!(s, 200);
    assert_eq!(r.json::<Value>().await.expect("json")["enabled"], false);
    section(&app, "sec-g", 30, "1000.00", "T4").await;
    emit(
        &app,
        "projects.contract.overdue",
        "sec-g",
        json!({"section_id": "sec-g", "awarded_at": at(&app, -31), "due_at": at(&app, -1)}),
    )
    .await;
    caught_up(&app).await;
    assert!(alerts(&app, &sup, "section_id=sec-g").await.is_empty());
    // Near miss: a publicity of exactly three days.
    emit(&app, "projects.candidates.publicized", "sec-g",
        json!({"section_id": "sec-g", "project_id": "p-sec-g", "market": "construction", "candidates": [],
               "publicity_starts_at": at(&app, 0), "publicity_ends_at": at(&app, 3)})).await;
    caught_up(&app).await;
    assert!(alerts(&app, &sup, "section_id=sec-g").await.is_empty());

    // A threshold that is not a parameter of the rule is refused, naming field and rule.
    let r = app
        .client
        .put(app.url("/api/v1/monitoring/rules/process.price_near_estimate"))
        .bearer_auth(&sup)
        .json(&json!({"params": {"ratio": 9800}}))
        .send()
        .await
        .expect("put");
    let (s, v) = ggzy_api_tests::into_parts(r).await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"][0]["field"], "params.ratio");
    assert_eq!(v["errors"][0]["rule"], "monitoring.param_unknown");
    app.stop().await;
}

#[tokio::test]
async fn an_alert_is_acknowledged_then_resolved_by_a_supervisor_and_every_step_is_an_event() {
    let app = TestApp::spawn().await;
    let sup = app.login("supervisor").await;
    let staff = app.login("staff").await;
    let bidder = app.login("bidder1").await;
    section(&app, "sec-h", 30, "1000.00", "T5").await;
    for _ in 0..2 {
        emit(
            &app,
            "projects.contract.overdue",
            "sec-h",
            json!({"section_id": "sec-h", "awarded_at": at(&app, -31), "due_at": at(&app, -1)}),
        )
        .await;
    }
    caught_up(&app).await;
    let list = alerts(&app, &staff, "section_id=sec-h&status=open").await;
    assert_eq!(list.len(), 1, "the same signal twice is one alert");
    let id = list[0]["id"].as_str().expect("id").to_string();
    let path = |a: &str| format!("/api/v1/monitoring/alerts/{id}/{a}");

    let (s, _) = app.get(Some(&bidder), "/api/v1/monitoring/alerts").await;
    assert_eq!(s, 403);
    let (s, _) = app
        .post(Some(&staff), &path("acknowledge"), json!({}))
        .await;
    assert_eq!(s, 403, "staff read only");

    let (s, v) = app.post(Some(&sup), &path("acknowledge"), json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "acknowledged");
    assert_eq!(v["assignee"], "supervisor");
    assert!(v["acknowledged_at"].is_string());

    let (s, v) = app
        .post(Some(&sup), &path("resolve"), json!({"note": "  "}))
        .await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"][0]["field"], "note");
    let (s, v) = app
        .post(Some(&sup), &path("notes"), json!({"note": "已致电招标人"}))
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post(
            Some(&sup),
            &path("resolve"),
            json!({"note": "合同已于次日签订，责令整改"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "resolved");
    assert!(v["closed_at"].is_string());
    assert_eq!(v["notes"].as_array().map(Vec::len), Some(3));
    let (s, v) = app
        .post(Some(&sup), &path("dismiss"), json!({"note": "x"}))
        .await;
    assert_eq!(s, 409);
    assert_eq!(v["rule"], "monitoring.alert_illegal_transition");

    let (s, v) = app
        .get(Some(&staff), &format!("/api/v1/monitoring/alerts/{id}"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["rule"]["source"], "招标投标法 第四十六条");
    assert_eq!(v["evidence"]["event_ids"].as_array().map(Vec::len), Some(1));

    app.seal().await;
    let (s, v) = app.audit_of(&sup, &id).await;
    assert_eq!(s, 200);
    let types: Vec<&str> = v["events"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["event_type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        types,
        vec![
            "monitoring.alert.raised",
            "monitoring.alert.acknowledged",
            "monitoring.alert.noted",
            "monitoring.alert.resolved"
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn statistics_dashboard_page_stream_reports_and_audit_export() {
    let app = TestApp::spawn().await;
    let sup = app.login("supervisor").await;
    let staff = app.login("staff").await;

    section(&app, "sec-s1", 30, "1000.00", "T6").await;
    section(&app, "sec-s2", 30, "2000.00", "T6").await;
    section(&app, "sec-s3", 0, "3000.00", "T6").await;
    for (s, o) in [
        ("sec-s1", "o1"),
        ("sec-s1", "o2"),
        ("sec-s1", "o3"),
        ("sec-s2", "o1"),
    ] {
        emit(&app, "projects.registration.created", s,
            json!({"registration_id": format!("r-{s}-{o}"), "section_id": s, "project_id": format!("p-{s}"), "org_id": o})).await;
    }
    deposit(&app, "sec-s1", "o1", "6222-1").await;
    deposit(&app, "sec-s1", "o2", "6222-2").await;
    // Back to the account that paid it.
    let r = refund("rf1", "sec-s1", "o1", "6222-1", 100_000);
    emit(&app, RefundInstructed::NAME, "sec-s1", r).await;
    award(&app, "sec-s1", "o1", "990.00").await;
    emit(&app, "projects.award.confirmed", "sec-s2",
        json!({"section_id": "sec-s2", "project_id": "p-sec-s2", "market": "procurement", "winner_org_id": "o1",
               "price": "1500.00", "awarded_at": at(&app, 0)})).await;
    emit(
        &app,
        "venues.session.scheduled",
        "ses-e",
        json!({"session_id": "ses-e", "section_id": "sec-s1", "kind": "evaluation", "room_id": "r2",
               "room_name": "评标室 2", "start": at(&app, 0),
               "end": (app.clock().now() + chrono::Duration::hours(2)).to_rfc3339(), "draw": null}),
    )
    .await;
    caught_up(&app).await;

    // Statistics: a section's market is the one it was registered under (the award's payload only
    // fills it in for a section monitoring had not seen), so both awards count for construction.
    let (s, st) = app.get(Some(&staff), "/api/v1/monitoring/stats").await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(
        st["by_market_month"],
        json!([
        {"market": "construction", "month": "2026-03", "awards": 2, "value": "2490.00"}])
    );
    let savings: Vec<(String, String)> = st["savings"]
        .as_array()
        .expect("savings")
        .iter()
        .map(|x| {
            (
                x["section_id"].as_str().unwrap_or("").into(),
                x["savings_rate"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        savings,
        vec![
            ("sec-s1".into(), "0.0100".into()),
            ("sec-s2".into(), "0.2500".into())
        ]
    );
    assert_eq!(st["overall_savings_rate"], "0.1700");
    assert_eq!(st["average_bidders"], "2.00");

    // Dashboard data: today's opening (s3), the evaluation in a room now, deposits held, alerts.
    let (s, _) = app.get(Some(&staff), "/api/v1/monitoring/dashboard").await;
    assert_eq!(s, 403);
    let (s, d) = app.get(Some(&sup), "/api/v1/monitoring/dashboard").await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["openings"][0]["section_id"], "sec-s3");
    assert_eq!(d["evaluations"][0]["room_name"], "评标室 2");
    assert_eq!(d["rooms_in_use"].as_array().map(Vec::len), Some(1));
    assert_eq!(d["deposits_held"], "1000.00");
    assert!(d["open_alerts"]["medium"].as_i64().unwrap_or(0) >= 1, "{d}");

    // The page: a page of the web frame, read by the signed-in supervisor (no token in any URL).
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut visitor = ggzy_api_tests::pages::Visitor::new(&app);
    let anon = visitor.get("/monitoring").await;
    assert_eq!(anon.status, 303, "nobody signed in: to the sign-in page");
    assert!(
        anon.location().starts_with("/login?next=%2Fmonitoring"),
        "{}",
        anon.location()
    );
    // The former ?token= sign-in is gone: a bearer token in the address signs nobody in.
    let r = visitor.get(&format!("/monitoring?token={sup}")).await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/login"), "{}", r.location());
    assert!(r
        .headers
        .get("set-cookie")
        .is_none_or(|c| !c.to_str().unwrap_or("").contains(&sup)));
    visitor.sign_in("supervisor").await;
    let page = visitor.get("/monitoring").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let html = &page.body;
    assert!(
        html.contains("今日开标") && html.contains("标段 sec-s3") && html.contains("<svg"),
        "{html}"
    );
    // The frame's look and landmarks; no inline script or style (the frame's CSP forbids them).
    assert!(
        html.contains("<main id=\"main\"") && html.contains("/monitoring/dashboard.js?v="),
        "{html}"
    );
    assert!(
        !html.contains("<script>") && !html.contains("<style"),
        "{html}"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external resources"
    );
    assert_eq!(page.headers["cache-control"], "no-store");
    let en = visitor.get("/monitoring?lang=en").await;
    // (askama writes `'` as `&#39;`.)
    assert!(
        en.body.contains("Today&#39;s openings") && en.body.contains("Live events"),
        "{}",
        en.body
    );
    let js = visitor
        .get(&{
            let at = html.find("/monitoring/dashboard.js?v=").expect("script");
            html[at..at + html[at..].find('"').expect("end")].to_string()
        })
        .await;
    assert_eq!(js.status, 200);
    assert!(js.body.contains("EventSource"));
    let mut staff_visitor = ggzy_api_tests::pages::Visitor::new(&app);
    staff_visitor.sign_in("staff").await;
    let r = staff_visitor.get("/monitoring").await;
    assert_eq!(r.status, 403, "staff may not watch");
    let session = visitor
        .cookie("ggzy_session")
        .expect("session cookie")
        .to_string();
    let pair = format!("ggzy_session={session}");

    // The live stream (the session cookie, as the page's EventSource): a change made through the API
    // arrives as a server-sent event.
    let mut stream = no_redirect
        .get(app.url("/api/v1/monitoring/stream"))
        .header("cookie", &pair)
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/event-stream"));
    let (s, _) = app
        .post(
            Some(&sup),
            "/api/v1/monitoring/alerts/none/acknowledge",
            json!({}),
        )
        .await;
    assert_eq!(s, 404);
    let r = app
        .client
        .put(app.url("/api/v1/monitoring/rules/process.repeat_winner"))
        .bearer_auth(&sup)
        .json(&json!({"params": {"count": 4}}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200);
    app.seal().await;
    let mut got = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !got.contains("monitoring.rule.updated") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("event within 10 s")
            .expect("chunk")
            .expect("stream open");
        got.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        got.contains("id: ") && got.contains("\"aggregate_id\":\"process.repeat_winner\""),
        "{got}"
    );
    drop(stream);

    // The daily report: built on demand (the cron does it nightly), downloadable as CSV and HTML.
    let (s, v) = app
        .post(
            Some(&sup),
            "/api/v1/monitoring/reports/2026-03-02",
            json!({}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .post(
            Some(&sup),
            "/api/v1/monitoring/reports/2026-03-03",
            json!({}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"][0]["rule"], "monitoring.report_future");
    let csv = app
        .client
        .get(app.url("/api/v1/monitoring/reports/2026-03-02?format=csv"))
        .bearer_auth(&staff)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap_or("")
        .contains("ggzy-report-2026-03-02.csv"));
    let csv = csv.text().await.expect("text");
    assert!(csv.starts_with("section,key,value\r\n"), "{csv}");
    assert!(
        csv.contains("awards,total,2490.00") && csv.contains("process.short_bidding_period (low)"),
        "{csv}"
    );
    let html = app
        .client
        .get(app.url("/api/v1/monitoring/reports/2026-03-02?format=html"))
        .bearer_auth(&staff)
        .send()
        .await
        .expect("html")
        .text()
        .await
        .expect("text");
    assert!(html.contains("<table") && html.contains("2490.00"));
    // The nightly job (as registered with the scheduler) stores the day that just ended.
    let job = ggzy::background::workers()
        .cron
        .into_iter()
        .find(|j| j.name == "monitoring.daily_report")
        .expect("daily report cron registered");
    (job.run)(app.ctx.db.clone(), app.clock().clone(), app.clock().now())
        .await
        .expect("cron run");
    let (s, v) = app.get(Some(&staff), "/api/v1/monitoring/reports").await;
    assert_eq!(s, 200);
    assert_eq!(v[0]["day"], "2026-03-02");
    assert_eq!(v[1]["day"], "2026-03-01");

    // Audit: search by project, verify the chain, export a section's history as one file.
    let (s, v) = app
        .get(
            Some(&sup),
            "/api/v1/monitoring/audit/events?project=p-sec-s2",
        )
        .await;
    assert_eq!(s, 200);
    let types: Vec<&str> = v["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    // (other areas may react with events of their own that name the project: they belong here too)
    assert_eq!(
        types[..3],
        [
            "projects.section.registered",
            "projects.registration.created",
            "projects.award.confirmed"
        ]
    );
    assert!(v["events"]
        .as_array()
        .expect("events")
        .iter()
        .all(|e| e["payload"].to_string().contains("p-sec-s2")));
    let (s, v) = app.get(Some(&sup), "/api/v1/monitoring/audit/verify").await;
    assert_eq!(s, 200);
    assert_eq!(v["ok"], true);
    let r = app
        .client
        .get(app.url("/api/v1/monitoring/sections/sec-s1/history"))
        .header("cookie", &pair)
        .send()
        .await
        .expect("history");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap_or("")
        .contains("section-sec-s1-history.json"));
    let h: Value = r.json().await.expect("json");
    assert_eq!(h["chain"]["ok"], true);
    let types: Vec<&str> = h["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    for t in [
        "projects.section.registered",
        "projects.registration.created",
        "deposits.transfer.received",
        "deposits.refund.instructed",
        "projects.award.confirmed",
        "venues.session.scheduled",
        "monitoring.alert.raised",
    ] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
    let seqs: Vec<i64> = h["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["seq"].as_i64())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order, once each");
    let (s, _) = app
        .get(Some(&sup), "/api/v1/monitoring/sections/nope/history")
        .await;
    assert_eq!(s, 404);
    app.stop().await;
}

/// A real headless Chromium (Debian's `chromium` + `chromium-driver`, through WebDriver) keeps the
/// dashboard open while an alert is raised and a rule is changed through the API: both appear on
/// the page without a reload. Skipped, saying so, when Chromium is not installed.
mod browser {
    use super::{caught_up, emit, section};
    use fantoccini::Locator;
    use ggzy_api_tests::TestApp;
    use serde_json::json;
    use std::time::Duration;

    /// The text of `css` once it contains `want` (at most 15 s).
    async fn wait_text(c: &fantoccini::Client, css: &str, want: &str) -> String {
        let mut last = String::new();
        for () in ggzy_api_tests::patience() {
            if let Ok(e) = c.find(Locator::Css(css)).await {
                last = e.text().await.unwrap_or_default();
                if last.contains(want) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("'{want}' did not appear in {css} in time; it shows: {last}");
    }

    #[tokio::test]
    async fn an_alert_and_an_api_change_appear_on_the_open_dashboard_without_reload() {
        let Some(browser) =
            ggzy_api_tests::browser::browser("monitoring browser test", 1280, 900).await
        else {
            return;
        };
        let app = TestApp::spawn().await;
        let sup = app.login("supervisor").await;
        section(&app, "sec-live", 30, "1000.00", "T7").await;
        caught_up(&app).await;
        let c = browser.client.clone();

        // Signed in through the frame's form, then sent back to the dashboard.
        c.goto(&app.url("/monitoring"))
            .await
            .expect("open dashboard");
        c.wait()
            .for_element(Locator::Id("f-username"))
            .await
            .expect("sign-in form")
            .send_keys("supervisor")
            .await
            .expect("type");
        c.find(Locator::Id("f-password"))
            .await
            .expect("password")
            .send_keys(ggzy_api_tests::DEMO_PASSWORD)
            .await
            .expect("type");
        c.find(Locator::Css("form.stack button[type=submit]"))
            .await
            .expect("submit")
            .click()
            .await
            .expect("click");
        c.wait()
            .for_element(Locator::Id("stream-state"))
            .await
            .expect("dashboard after sign-in");
        let url = c.current_url().await.expect("url");
        assert!(
            url.as_str().ends_with("/monitoring") && !url.as_str().contains("token"),
            "{url}"
        );
        let _ = &sup;
        wait_text(&c, "#stream-state", "实时连接中").await;
        assert_eq!(wait_text(&c, "#count-high", "0").await, "0");

        // Another area reports an overdue contract: monitoring raises a high alert, the page shows it.
        emit(&app, "projects.contract.overdue", "sec-live",
            json!({"section_id": "sec-live", "awarded_at": "2026-01-01T00:00:00Z", "due_at": "2026-01-31T00:00:00Z"})).await;
        app.seal().await;
        wait_text(&c, "#alerts", "compliance.contract_overdue").await;
        wait_text(&c, "#count-high", "1").await;
        wait_text(&c, "#events", "monitoring.alert.raised").await;

        // A supervisor changes a rule through the API: its event arrives on the page too.
        let r = app
            .client
            .put(app.url("/api/v1/monitoring/rules/process.repeat_winner"))
            .bearer_auth(&sup)
            .json(&json!({"severity": "high"}))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 200);
        app.seal().await;
        wait_text(&c, "#events", "monitoring.rule.updated").await;

        c.close().await.expect("close browser");
        app.stop().await;
    }
}

/// End to end with the real producer: a project registered through the projects API with a bidding
/// period of exactly the legal 20 days raises the short-period flag; one with 21 days does not.
#[tokio::test]
async fn a_project_registered_through_the_api_at_the_legal_minimum_is_flagged() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    let sup = app.login("supervisor").await;
    let mut sections = Vec::new();
    // Issued Wednesday 03-04: the 20th day is Tuesday 03-24, a working day (a 20th day that is a
    // day off would move the legal minimum to the next working day, 民法典 203).
    for deadline in ["2026-03-24T09:30:00+08:00", "2026-03-25T09:30:00+08:00"] {
        let body = json!({
            "name": "大连市某道路改造工程", "market": "construction", "procedure": "open_tender",
            "tenderer_uscc": "91110000802100433B", "tenderer_name": "大连市市政建设管理处",
            "sections": [{"name": "一标段", "estimated_price": "10000000.00", "deposit": "200000.00",
                "docs_issue_at": "2026-03-04T09:00:00+08:00", "docs_sale_end_at": "2026-03-09T17:00:00+08:00",
                "bid_deadline": deadline, "opening_at": deadline}]});
        let (s, v) = app.post(Some(&tenderer), "/api/v1/projects", body).await;
        assert_eq!(s, 201, "{v}");
        let id = v["id"].as_str().expect("id").to_string();
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
        sections.push((
            id,
            v["sections"][0]["id"]
                .as_str()
                .expect("section id")
                .to_string(),
        ));
    }
    caught_up(&app).await;
    let flagged = alerts(&app, &sup, &format!("section_id={}", sections[0].1)).await;
    assert_eq!(rules_of(&flagged), vec!["process.short_bidding_period"]);
    assert_eq!(flagged[0]["project_id"], sections[0].0.as_str());
    assert_eq!(flagged[0]["evidence"]["days"], 20);
    assert!(alerts(&app, &sup, &format!("section_id={}", sections[1].1))
        .await
        .is_empty());
    app.stop().await;
}

/// Expert signals: a score far from the committee (from the evaluation area) and repeated low
/// ratings (from the expert pool) raise alerts; two low ratings, or a third rating of 3, do not.
#[tokio::test]
async fn expert_outliers_and_repeated_low_ratings_are_flagged_near_misses_are_not() {
    let app = TestApp::spawn().await;
    let sup = app.login("supervisor").await;
    section(&app, "sec-ev", 30, "1000.00", "T9").await;
    emit(
        &app,
        "evaluation.score.outlier",
        "sec-ev",
        json!({"section_id": "sec-ev", "expert_id": "EX-1", "org_id": "ORG-1",
               "member_total": "41.00", "committee_mean": "83.50", "share": "0.2"}),
    )
    .await;
    let rate = |expert: &'static str, rating: &'static str, score: i64| {
        json!({"rating_id": rating, "draw_id": "d1", "section_id": "sec-ev", "expert_id": expert,
               "rater_role": "tenderer", "score": score})
    };
    // EX-2: two low ratings and a 3 — a near miss. EX-3: three ratings of 2 or less.
    for (expert, rating, score) in [
        ("EX-2", "r1", 2),
        ("EX-2", "r2", 1),
        ("EX-2", "r3", 3),
        ("EX-3", "r4", 2),
        ("EX-3", "r5", 2),
    ] {
        emit(
            &app,
            "experts.expert.rated",
            expert,
            rate(expert, rating, score),
        )
        .await;
    }
    caught_up(&app).await;
    let outliers = alerts(&app, &sup, "rule=experts.score_outlier").await;
    assert_eq!(outliers.len(), 1, "{outliers:?}");
    assert_eq!(outliers[0]["section_id"], "sec-ev");
    assert!(alerts(&app, &sup, "rule=experts.low_ratings")
        .await
        .is_empty());
    emit(&app, "experts.expert.rated", "EX-3", rate("EX-3", "r6", 1)).await;
    caught_up(&app).await;
    let low = alerts(&app, &sup, "rule=experts.low_ratings").await;
    assert_eq!(low.len(), 1, "{low:?}");
    assert_eq!(low[0]["evidence"]["expert_id"], "EX-3", "{}", low[0]);
    assert_eq!(low[0]["evidence"]["low_ratings"], 3, "{}", low[0]);
    app.stop().await;
}
