//! Rules found wrong by the legal audit of issue 21 (item 2), each at its boundary through the
//! public API: the last allowed value and the first refused one (docs/procedures.md, "Rules fixed").

use crate::auctions::{listing, lot};
use ggzy_api_tests::fixtures::{at, one_section_project, section_registered};
use ggzy_api_tests::TestApp;
use ggzy_events::Contract;
use serde_json::{json, Value};

const DEADLINE: &str = "2026-03-23T09:30:00+08:00";

/// A construction project draft with one section of `price` and `deposit` buying `subject`.
fn construction(price: &str, deposit: &str, subject: Option<&str>) -> Value {
    let mut p = one_section_project(
        "大连市某综合管廊工程",
        "construction",
        "2026-03-09T17:00:00+08:00",
        DEADLINE,
    );
    p["sections"][0]["estimated_price"] = json!(price);
    p["sections"][0]["deposit"] = json!(deposit);
    if let Some(k) = subject {
        p["sections"][0]["subject"] = json!(k);
    }
    p
}

/// Create the draft and submit it; the submission's answer.
async fn submit(app: &TestApp, draft: Value) -> (u16, Value) {
    let tenderer = app.login("tenderer").await;
    let (s, p) = app.post(Some(&tenderer), "/api/v1/projects", draft).await;
    assert_eq!(s, 201, "{p}");
    app.project_step(&tenderer, p["id"].as_str().unwrap(), "submit")
        .await
}

fn field_rules(v: &Value) -> Vec<(String, String)> {
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

/// 工程建设项目施工招标投标办法 37: ≤ 2 % **and** ≤ CNY 800,000 (works, and goods by its own
/// measures); the 2 % of CNY 100 m would be CNY 2 m, so the ceiling decides.
#[tokio::test]
async fn a_construction_deposit_of_800000_is_registered_and_one_fen_more_is_refused() {
    let app = TestApp::spawn().await;
    for subject in [None, Some("works"), Some("goods")] {
        let (s, v) = submit(&app, construction("100000000.00", "800000.00", subject)).await;
        assert_eq!(s, 200, "{subject:?}: {v}");
        assert_eq!(v["status"], "submitted", "{v}");
        let expected = subject.unwrap_or("works");
        assert_eq!(v["sections"][0]["subject"], expected, "{v}");
        let (s, v) = submit(&app, construction("100000000.00", "800000.01", subject)).await;
        assert_eq!(s, 422, "{subject:?}: {v}");
        assert_eq!(
            field_rules(&v),
            vec![(
                "sections[0].deposit".to_string(),
                "construction.deposit_ceiling".to_string()
            )]
        );
        assert_eq!(v["errors"][0]["rule"], "construction.deposit_ceiling");
    }
    // The refused submissions changed nothing: those drafts are still drafts.
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM projects WHERE status = 'draft'")
            .await,
        3
    );
    app.stop().await;
}

/// 工程建设项目勘察设计招标投标办法: ≤ CNY 100,000; services (监理) keep the 2 % cap only.
#[tokio::test]
async fn a_survey_design_deposit_of_100000_is_registered_and_one_fen_more_is_refused() {
    let app = TestApp::spawn().await;
    let (s, v) = submit(
        &app,
        construction("10000000.00", "100000.00", Some("survey_design")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = submit(
        &app,
        construction("10000000.00", "100000.01", Some("survey_design")),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "sections[0].deposit");
    assert_eq!(v["errors"][0]["rule"], "construction.deposit_ceiling");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("勘察设计"),
        "{v}"
    );
    // Services: 200,000.00 = 2 % is fine (no absolute ceiling).
    let (s, v) = submit(
        &app,
        construction("10000000.00", "200000.00", Some("services")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // A subject the market does not have is refused when the draft is written.
    let tenderer = app.login("tenderer").await;
    let mut bad = construction("10000000.00", "200000.00", Some("survey_design"));
    bad["market"] = json!("procurement");
    let (s, v) = app.post(Some(&tenderer), "/api/v1/projects", bad).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "sections[0].subject");
    assert_eq!(v["errors"][0]["rule"], "section.subject_market");
    app.stop().await;
}

/// 国土资发〔2010〕34号: the land bidding deposit is at least 20 % of the starting price. The lot's
/// deposit is 200,000.00: a starting price of 1,000,000.00 is the highest allowed, 1,000,000.05
/// (20 % = 200,000.01) is refused and creates no listing.
#[tokio::test]
async fn a_land_listing_starting_above_five_times_the_deposit_is_refused() {
    let app = TestApp::spawn().await;
    let lot = lot(&app, "land", 0).await;
    let start = lot.announced_at + chrono::Duration::days(21);
    let staff = app.login("staff").await;
    let mut body = listing(&lot.sid, start, 10, None);
    body["starting_price"] = json!("1000000.05");
    let (s, v) = app.post(Some(&staff), "/api/v1/auctions", body).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "starting_price");
    assert_eq!(v["errors"][0]["rule"], "auctions.land_deposit_min");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM auctions").await, 0);
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(&lot.sid, start, 10, None),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["starting_price"], "1000000.00");
    app.stop().await;
}

// --- refunds (the deposits area reacts to the projects area's events)

async fn emit(app: &TestApp, event_type: &str, aggregate_id: &str, payload: Value) {
    app.emit_as(
        "test.projects",
        event_type,
        "section",
        aggregate_id,
        payload,
    )
    .await;
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

async fn refunds(app: &TestApp, section: &str) -> Vec<Value> {
    let staff = app.login("staff").await;
    let (s, v) = app
        .get(
            Some(&staff),
            &format!("/api/v1/deposits/refunds?section_id={section}"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

/// A section known to deposits through its registration event; `users` pay `deposit` into their
/// virtual accounts on 2026-03-05. Returns (section id, org ids).
async fn paid_section(
    app: &TestApp,
    market: &str,
    deposit: &str,
    users: &[&str],
) -> (String, Vec<String>) {
    let id = format!("SEC-R21-{}", uuid::Uuid::new_v4().simple());
    emit(app, "projects.section.registered", &id, {
        let mut s = section_registered(&id, market, deposit, "2026-03-20T01:30:00Z");
        s.project_id = "PRJ-R21".into();
        s.encode().payload
    })
    .await;
    let bank = app.login("bank").await;
    let mut orgs = Vec::new();
    for (i, u) in users.iter().enumerate() {
        let token = app.login(u).await;
        let (s, a) = app.deposit_account(&token, &id).await;
        assert_eq!(s, 201, "{a}");
        let body = json!({"transaction_id": format!("R21-{id}-{i}"), "account_no": a["account_no"],
            "payer_account_no": "6222000000000001", "payer_name": "某公司", "amount": deposit,
            "value_at": "2026-03-05T10:00:00+08:00"});
        let (s, v) = app.bank_transfer(&bank, &body).await;
        assert_eq!((s, v["status"].as_str()), (200, Some("credited")), "{v}");
        orgs.push(a["org_id"].as_str().unwrap().to_string());
    }
    app.wait_consumer("deposits.projection").await;
    (id, orgs)
}

/// 39号令 21: the losers of a land *tender* (招标出让) are refunded within 5 working days of the
/// award, without interest — not by the procurement rule with interest.
#[tokio::test]
async fn land_tender_losers_are_refunded_within_5_working_days_without_interest() {
    let app = TestApp::spawn().await;
    let (section, orgs) = paid_section(&app, "land", "2000000.00", &["bidder1", "bidder2"]).await;
    // Award Wednesday 2026-04-01: Apr 2, 3, (清明 4–6), 7, 8, 9 → due 2026-04-09.
    app.clock().set(at("2026-04-01T16:00:00+08:00"));
    emit(
        &app,
        "projects.award.confirmed",
        &section,
        json!({"section_id": section, "project_id": "PRJ-R21", "market": "land", "procedure": "open_tender",
               "notice_no": "ZB-R21-1",
               "winner_org_id": orgs[0], "winner_name": "x", "price": "30000000.00",
               "awarded_at": "2026-04-01T08:00:00Z", "bidder_org_ids": [orgs[0], orgs[1]]}),
    )
    .await;
    run_refund_job(&app).await;
    let list = refunds(&app, &section).await;
    assert_eq!(list.len(), 1, "only the loser: {list:?}");
    let r = &list[0];
    assert_eq!(r["org_id"], orgs[1].as_str());
    assert_eq!(r["reason"], "land_tender_loser", "{r}");
    assert_eq!(r["basis"], "国土资源部令第39号 第二十一条");
    assert_eq!(r["due_date"], "2026-04-09");
    assert_eq!(r["interest"], "0.00", "不计利息: {r}");
    assert_eq!(r["total"], "2000000.00");
    assert_eq!(r["interest_computation"]["kind"], "none");
    // The winner's deposit became part of the price at the award (抵作土地出让价款), recorded under
    // the award notice's number; the contract refunds nothing.
    let conversions = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM deposit_conversions WHERE section_id = '{section}' AND org_id = '{}' \
             AND deal_id = 'ZB-R21-1' AND amount_fen = 200000000 AND price_fen = 3000000000",
            orgs[0]
        ))
        .await;
    assert_eq!(conversions, 1);
    let converted = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM events WHERE event_type = 'deposits.deposit.converted' AND aggregate_id = '{}/{section}'",
            orgs[0]
        ))
        .await;
    assert_eq!(converted, 1);
    emit(
        &app,
        "projects.contract.signed",
        &section,
        json!({"section_id": section, "project_id": "PRJ-R21", "market": "land",
               "winner_org_id": orgs[0], "signed_at": "2026-04-08T02:00:00Z"}),
    )
    .await;
    app.clock().set(at("2026-04-20T16:00:00+08:00"));
    run_refund_job(&app).await;
    let list = refunds(&app, &section).await;
    assert_eq!(list.len(), 1, "still only the loser: {list:?}");
    app.stop().await;
}

/// 87号令 38: a procurement refund instructed on its last day owes the principal only (no
/// 实施条例 57 interest); instructed one day late it owes the 超期资金占用费 at the loan benchmark
/// rate + 20 %, computed and shown on the refund.
#[tokio::test]
async fn a_procurement_refund_on_its_last_day_owes_the_principal_only_and_cites_no_construction_rule(
) {
    let app = TestApp::spawn().await;
    let (section, orgs) =
        paid_section(&app, "procurement", "360000.00", &["bidder1", "bidder2"]).await;
    // Award Monday 2026-05-04 (a Labour Day holiday, the notice is dated then): 5 working days
    // → 5/6, 5/7, 5/8, 5/9 (调休 Saturday), 5/11.
    app.clock().set(at("2026-05-04T10:00:00+08:00"));
    emit(
        &app,
        "projects.award.confirmed",
        &section,
        json!({"section_id": section, "project_id": "PRJ-R21", "market": "procurement", "procedure": "open_tender",
               "winner_org_id": orgs[0], "winner_name": "x", "price": "18000000.00",
               "awarded_at": "2026-05-04T02:00:00Z", "bidder_org_ids": [orgs[0], orgs[1]]}),
    )
    .await;
    // The refund job first runs on the last day on time: the loser gets the principal only.
    app.clock().set(at("2026-05-11T18:00:00+08:00"));
    run_refund_job(&app).await;
    let list = refunds(&app, &section).await;
    let loser = list
        .iter()
        .find(|r| r["org_id"] == orgs[1].as_str())
        .expect("loser refunded");
    assert_eq!(loser["due_date"], "2026-05-11", "{loser}");
    assert_eq!(loser["interest"], "0.00", "{loser}");
    assert_eq!(loser["total"], "360000.00");
    assert_eq!(loser["interest_computation"]["kind"], "none");
    let shown = loser.to_string();
    assert!(!shown.contains("实施条例 57"), "{shown}");
    assert!(shown.contains("第三十三条"), "{shown}");
    app.stop().await;
}

/// The same refund instructed the day after its due date owes one day's 超期资金占用费:
/// 360000 × 4.35 % × 1.2 / 360 = 52.20.
#[tokio::test]
async fn a_procurement_refund_one_day_late_owes_one_day_of_the_late_fee() {
    let app = TestApp::spawn().await;
    let (section, orgs) =
        paid_section(&app, "procurement", "360000.00", &["bidder1", "bidder2"]).await;
    app.clock().set(at("2026-05-04T10:00:00+08:00"));
    emit(
        &app,
        "projects.award.confirmed",
        &section,
        json!({"section_id": section, "project_id": "PRJ-R21", "market": "procurement", "procedure": "open_tender",
               "winner_org_id": orgs[0], "winner_name": "x", "price": "18000000.00",
               "awarded_at": "2026-05-04T02:00:00Z", "bidder_org_ids": [orgs[0], orgs[1]]}),
    )
    .await;
    app.clock().set(at("2026-05-12T09:00:00+08:00"));
    run_refund_job(&app).await;
    let list = refunds(&app, &section).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let r = &list[0];
    assert_eq!(r["due_date"], "2026-05-11");
    assert_eq!(r["interest"], "52.20", "{r}");
    assert_eq!(r["total"], "360052.20");
    let c = &r["interest_computation"];
    assert_eq!(c["kind"], "late_fee", "{c}");
    assert_eq!(c["from"], "2026-05-11");
    assert_eq!(c["to"], "2026-05-12");
    assert_eq!(c["slices"][0]["days"], 1);
    assert_eq!(c["slices"][0]["rate"], "0.05220");
    assert!(c["rule"].as_str().unwrap().contains("第三十八条"), "{c}");
    assert!(!r.to_string().contains("实施条例 57"), "{r}");
    app.stop().await;
}

// --- opening: a platform or CA fault is a withdrawal (撤回), not a revocation (撤销)

/// 电子招标投标办法 31: bidder2 cannot decrypt because the CA's service is down — staff declare it
/// with the reason and the bid is deemed withdrawn, recorded in the opening record with the
/// declaration; bidder3 simply does not decrypt and its bid is revoked at the window's end. A
/// declaration after the window (its end second) is refused and changes nothing.
#[tokio::test]
async fn a_declared_ca_fault_withdraws_the_bid_and_the_bidders_own_failure_stays_revoked() {
    use crate::opening::{
        decryption_of, post_key, relogin, sealed, section_with, upload_all, wait_state,
    };
    use ggzy_projects::package::Suite;
    let app = TestApp::spawn().await;
    let (project, section) =
        section_with(&app, "CA 故障", &["bidder1", "bidder2", "bidder3"]).await;
    let names = ["bidder1", "bidder2", "bidder3"];
    let bids = [
        sealed(Suite::Aes256GcmSha256, "700.00", 41),
        sealed(Suite::Sm4GcmSm3, "710.00", 42),
        sealed(Suite::Aes256GcmSha256, "720.00", 43),
    ];
    let (_, orgs) = upload_all(&app, &section, &names, &bids).await;
    let bid_of = |org: &str| {
        let section = section.clone();
        let org = org.to_string();
        let app = &app;
        async move {
            app.strings(
                "SELECT id FROM bids WHERE section_id = $1 AND org_id = $2 AND status = 'current'",
                &[&section, &org],
            )
            .await
            .remove(0)
        }
    };
    let bid2 = bid_of(&orgs[1]).await;
    let bid3 = bid_of(&orgs[2]).await;
    let path = format!("/api/v1/sections/{section}/opening/fault-declarations");
    let body = |bid: &str, fault: &str, reason: &str| json!({"bid_id": bid, "fault": fault, "reason": reason});

    // Before the opening: nothing to declare.
    let staff = app.login("staff").await;
    let (s, v) = app
        .post(Some(&staff), &path, body(&bid2, "ca", "CA 服务中断"))
        .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("opening.not_open")),
        "{v}"
    );

    let deadline = at(DEADLINE);
    app.clock().set(deadline);
    wait_state(&app, &project, "opening").await;
    let tokens = relogin(&app, &names).await;
    let staff = app.login("staff").await;
    let (s, v) = post_key(&app, &tokens[0], &section, &bids[0].key).await;
    assert_eq!(
        (s, v["decryption"].as_str()),
        (200, Some("decrypted")),
        "{v}"
    );

    // Bidders and supervisors may not declare a fault; a bad kind or no reason is refused.
    let b2 = &tokens[1];
    let (s, _) = app.post(Some(b2), &path, body(&bid2, "ca", "x")).await;
    assert_eq!(s, 403);
    let sup = app.login("supervisor").await;
    let (s, _) = app.post(Some(&sup), &path, body(&bid2, "ca", "x")).await;
    assert_eq!(s, 403);
    let (s, v) = app
        .post(Some(&staff), &path, body(&bid2, "bidder", " "))
        .await;
    assert_eq!(s, 422, "{v}");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec!["opening.fault_kind", "opening.fault_reason"],
        "{v}"
    );
    // A decrypted bid cannot be declared.
    let bid1 = bid_of(&orgs[0]).await;
    let (s, v) = app
        .post(Some(&staff), &path, body(&bid1, "platform", "平台故障"))
        .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("opening.already_decrypted")),
        "{v}"
    );
    assert_eq!(
        decryption_of(&app, &section, &orgs[1]).await,
        ("sealed".to_string(), None)
    );

    // The last second before the window's end: the declaration is recorded.
    let window_end = deadline + chrono::Duration::minutes(30);
    app.clock().set(window_end - chrono::Duration::seconds(1));
    let reason = "CA 机构在线解密服务 09:35–10:10 中断（CA 公告编号 2026-031）";
    let (s, d) = app
        .post(Some(&staff), &path, body(&bid2, "ca", reason))
        .await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["org_id"], orgs[1].as_str());
    assert_eq!(d["fault"], "ca");
    assert_eq!(d["basis"], "电子招标投标办法 第三十一条");
    assert_eq!(
        decryption_of(&app, &section, &orgs[1]).await,
        ("withdrawn_platform_fault".to_string(), None)
    );
    // The bidder's own key is no longer accepted for a withdrawn bid.
    let (s, v) = post_key(&app, &tokens[1], &section, &bids[1].key).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("opening.already_decrypted")),
        "{v}"
    );

    // The window's end second: a declaration is refused and changes nothing.
    app.clock().set(window_end);
    let (s, v) = app
        .post(Some(&staff), &path, body(&bid3, "platform", "迟到的声明"))
        .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("opening.window_closed")),
        "{v}"
    );
    wait_state(&app, &project, "evaluating").await;
    assert_eq!(
        decryption_of(&app, &section, &orgs[2]).await,
        ("revoked".to_string(), None)
    );
    let revoked = app.events_of("projects.bid.revoked").await;
    assert_eq!(
        revoked.len(),
        1,
        "only the bidder's own failure: {revoked:?}"
    );
    assert_eq!(revoked[0]["org_id"], orgs[2].as_str());
    let declared = app.events_of("projects.bid.fault_declared").await;
    assert_eq!(declared.len(), 1, "{declared:?}");
    assert_eq!(declared[0]["reason"], reason);

    // The opening record shows the withdrawal with its declaration.
    let (s, rec) = app
        .get(Some(&staff), &format!("/api/v1/sections/{section}/opening"))
        .await;
    assert_eq!(s, 200, "{rec}");
    let entries = rec["entries"].as_array().unwrap();
    let e2 = entries
        .iter()
        .find(|e| e["org_id"] == orgs[1].as_str())
        .unwrap();
    assert_eq!(e2["decryption"], "withdrawn_platform_fault", "{e2}");
    assert_eq!(e2["fault"]["fault"], "ca");
    assert_eq!(e2["fault"]["reason"], reason);
    assert_eq!(e2["price"], Value::Null);
    let e3 = entries
        .iter()
        .find(|e| e["org_id"] == orgs[2].as_str())
        .unwrap();
    assert_eq!(e3["decryption"], "not_decrypted");
    assert!(e3.get("fault").is_none(), "{e3}");
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM opening_fault_declarations")
            .await,
        1
    );
    app.stop().await;
}

// --- bidding: the tenderer (or its agency) may not bid on its own project

/// 实施条例 13, 34: an organization registered with the tenderer's USCC is refused (409
/// `registration.own_project`, nothing recorded); an unrelated new bidder registers.
#[tokio::test]
async fn the_tenderer_may_not_register_for_its_own_section_and_an_unrelated_bidder_may() {
    use ggzy_api_tests::fixtures::{road_project, TENDERER_USCC};
    let app = TestApp::spawn().await;
    let r = app
        .bidding_section(road_project("大连市某道路改造工程", DEADLINE), &[])
        .await;
    app.drain_consumer("projects.organizations").await;
    let own = app
        .org_with_user(
            json!({"uscc": TENDERER_USCC, "name": "大连市市政建设管理处（投标账户）", "kind": "bidder",
                   "legal_representative": "李四", "region": "210200"}),
            "selfbidder",
            "bidder",
        )
        .await;
    let other_uscc = ggzy_core::ident::Uscc::with_check("91210200MB2100001").unwrap();
    let other = app
        .org_with_user(
            json!({"uscc": other_uscc.as_str(), "name": "无关投标人有限公司", "kind": "bidder",
                   "legal_representative": "王五", "region": "210200"}),
            "otherbidder",
            "bidder",
        )
        .await;
    app.drain_consumer("projects.organizations").await;
    let path = format!("/api/v1/sections/{}/registrations", r.section_id);
    let (s, v) = app.post(Some(&own), &path, json!({})).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("registration.own_project")),
        "{v}"
    );
    assert!(v["detail"].as_str().unwrap().contains("第三十四条"), "{v}");
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM section_registrations")
            .await,
        0
    );
    let (s, v) = app.post(Some(&other), &path, json!({})).await;
    assert_eq!(s, 201, "{v}");
    app.stop().await;
}
