//! The property market's procedures of issue 21 besides the transfer listing (32号令,
//! crates/auctions/src/capital_increase.rs and asset_transfer.rs): a capital increase (企业增资)
//! from its disclosure to the agreement, and an asset transfer (企业资产转让) whose disclosure
//! depends on the floor. The lots come through the real upstream APIs
//! ([`crate::auctions::lot_for`]): the demo tenderer registers the project (the enterprise),
//! the disclosure is published through publishing, the investors / buyers register through
//! projects and pay their deposits by a signed bank callback. The test clock starts Monday
//! 2026-03-02 09:00 (Beijing), when the disclosure is published.

use crate::auctions::{act, bid, create, listing, lot_for, rules_of, ts, wait_phase};
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};

async fn org_of(app: &TestApp, user: &str) -> String {
    app.org_of(&app.login(user).await).await
}

async fn wait_event(app: &TestApp, event_type: &str, section_id: &str) -> Value {
    for () in ggzy_api_tests::patience() {
        app.seal().await;
        if let Some(e) = app
            .events_of(event_type)
            .await
            .into_iter()
            .find(|e| e["section_id"] == section_id)
        {
            return e;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    panic!("no {event_type} for section {section_id}");
}

fn scores(b1: &str, b2: &str, p1: [&str; 3], p2: [&str; 3]) -> Value {
    let pts = |p: [&str; 3]| json!({"投资金额": p[0], "产业协同": p[1], "管理经验": p[2]});
    json!({"notes": "综合评议记录：按增资公告披露的择优指标逐项打分。",
           "scores": [{"org_id": b1, "amount": "30000000.00", "points": pts(p1)},
                      {"org_id": b2, "amount": "20000000.00", "points": pts(p2)}]})
}

/// 企业增资 to the end on the platform: the disclosure lasts 40 working days from the announcement
/// of Monday 03-02 (清明 04-04..06 skipped): ending 2026-04-28 23:59:59 is refused and changes
/// nothing, ending at 24:00 of Tuesday 04-28 is accepted (32号令 第三十九条). A capital increase
/// is never listed for quotes. After the disclosure, the enterprise's scored decision covers every
/// qualified investor and the higher total wins against the higher amount. The agreement starts
/// the result announcement of 5 working days (from Wednesday 04-29 across 劳动节 05-01..05 and the
/// make-up Saturday 05-09: ending 05-09 23:59:59 refused, 24:00 accepted) and is the deal that
/// projects, deposits and publishing follow.
#[tokio::test]
async fn a_capital_increase_is_disclosed_40_working_days_and_the_investor_is_selected_by_the_disclosed_criteria(
) {
    let app = TestApp::spawn().await;
    // The procedure as data (GET /api/v1/procedures).
    let (s, procs) = app.get(None, "/api/v1/procedures").await;
    assert_eq!(s, 200, "{procs}");
    let ci = procs
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["market"] == "property" && p["procedure"] == "capital_increase")
        .expect("the capital increase is a row of the procedures table");
    let stages: Vec<&str> = ci["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "announcement",
            "registration",
            "investor_selection",
            "agreement",
            "result_publicity"
        ]
    );
    assert_eq!(ci["stages"][0]["period"]["days"], 40);
    let lot = lot_for(
        &app,
        "property",
        "capital_increase",
        "2026-04-29T00:00:00+08:00",
        2,
    )
    .await;
    // Not a listing: quotes are not how investors are chosen.
    let staff = app.login("staff").await;
    let mut l = listing(&lot.sid, lot.announced_at, 40, None);
    l["listing_end"] = json!("2026-04-29T00:00:00+08:00");
    let (s, v) = app.post(Some(&staff), "/api/v1/auctions", l).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "auctions.capital_increase_not_listed", "{v}");

    let body = |end: &str| {
        json!({"section_id": lot.sid, "disclosure_start": lot.announced_at.to_rfc3339(),
               "disclosure_end": end, "amount_sought": "50000000.00",
               "method": "comprehensive_evaluation",
               "criteria": [{"name": "投资金额", "weight": 40}, {"name": "产业协同", "weight": 35},
                            {"name": "管理经验", "weight": 25}]})
    };
    let (s, v) = act(
        &app,
        "staff",
        "/api/v1/capital-increases",
        body("2026-04-28T23:59:59+08:00"),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), vec!["capital.disclosure_period"]);
    assert_eq!(v["errors"][0]["field"], "disclosure_end");
    let mut bad = body("2026-04-29T00:00:00+08:00");
    bad["criteria"][2]["weight"] = json!(24);
    let (s, v) = act(&app, "staff", "/api/v1/capital-increases", bad).await;
    assert_eq!(
        (s, rules_of(&v)),
        (422, vec!["capital.criteria_weight_sum".to_string()]),
        "{v}"
    );
    assert!(app
        .events_of("auctions.capital_increase.opened")
        .await
        .is_empty());
    let (s, ci) = act(
        &app,
        "staff",
        "/api/v1/capital-increases",
        body("2026-04-29T00:00:00+08:00"),
    )
    .await;
    assert_eq!(s, 201, "{ci}");
    assert_eq!(ci["phase"], "disclosure");
    let id = ci["id"].as_str().unwrap().to_string();
    let (s, v) = act(
        &app,
        "staff",
        "/api/v1/capital-increases",
        body("2026-04-29T00:00:00+08:00"),
    )
    .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("capital.one_per_section"))
    );

    let (b1, b2) = (org_of(&app, "bidder1").await, org_of(&app, "bidder2").await);
    let select = format!("/api/v1/capital-increases/{id}/selection");
    let good = scores(&b1, &b2, ["40", "20", "15"], ["26.67", "30", "25"]);
    // Before the disclosure ends: refused.
    app.clock().set(ts(&json!("2026-04-28T23:59:59+08:00")));
    let (s, v) = act(&app, "staff", &select, good.clone()).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("capital.disclosure_running")),
        "{v}"
    );
    app.clock().set(ts(&json!("2026-04-29T09:00:00+08:00")));
    // The decision scores every qualified investor, within each criterion's weight.
    let mut only_one = good.clone();
    only_one["scores"].as_array_mut().unwrap().truncate(1);
    let (s, v) = act(&app, "staff", &select, only_one).await;
    assert_eq!(
        (s, rules_of(&v)),
        (422, vec!["capital.selection_incomplete".to_string()]),
        "{v}"
    );
    let over = scores(&b1, &b2, ["40.01", "20", "15"], ["26.67", "30", "25"]);
    let (s, v) = act(&app, "staff", &select, over).await;
    assert_eq!(
        (s, rules_of(&v)),
        (422, vec!["capital.selection_points".to_string()]),
        "{v}"
    );
    // bidder1 offers more (30 m against 20 m) but scores 75.00 against 81.67: bidder2 is selected.
    let (s, v) = act(&app, "staff", &select, good.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["phase"], "selected");
    assert_eq!(v["selection"]["investor_org_id"], b2.as_str());
    assert_eq!(v["selection"]["total"], "81.67");
    assert_eq!(v["selection"]["amount"], "20000000.00");
    assert!(v["selection"]["lot_seed"].is_null(), "{v}");
    let ranks: Vec<(&str, &str)> = v["selection"]["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["org_id"].as_str().unwrap(), s["total"].as_str().unwrap()))
        .collect();
    assert_eq!(ranks, [(b2.as_str(), "81.67"), (b1.as_str(), "75.00")]);
    let (s, v) = act(&app, "staff", &select, good).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("capital.selected")),
        "{v}"
    );

    // The enterprise follows its own increase; another tenderer learns nothing; a bidder is refused.
    let path = format!("/api/v1/capital-increases/{id}");
    let (s, v) = app.get(Some(&app.login("tenderer").await), &path).await;
    assert_eq!((s, &v["phase"]), (200, &json!("selected")), "{v}");
    let (s, _) = app.get(Some(&app.login("tenderer2").await), &path).await;
    assert_eq!(s, 404);
    let (s, _) = app.get(Some(&app.login("bidder2").await), &path).await;
    assert_eq!(s, 403);

    // The agreement and the result announcement of 5 working days.
    let agree = format!("/api/v1/capital-increases/{id}/agreement");
    let agreement = |end: &str, on: &str| json!({"agreement_no": "ZZ-2026-001", "signed_on": on, "publicity_end": end});
    let (s, v) = act(
        &app,
        "staff",
        &agree,
        agreement("2026-05-09T23:59:59+08:00", "2026-04-29"),
    )
    .await;
    assert_eq!(
        (s, rules_of(&v)),
        (422, vec!["capital.result_publicity_period".to_string()]),
        "{v}"
    );
    let (s, v) = act(
        &app,
        "staff",
        &agree,
        agreement("2026-05-10T00:00:00+08:00", "2026-04-30"),
    )
    .await;
    assert_eq!(
        (s, rules_of(&v)),
        (422, vec!["capital.agreement_signed_on".to_string()]),
        "{v}"
    );
    let (s, v) = act(
        &app,
        "staff",
        &agree,
        agreement("2026-05-10T00:00:00+08:00", "2026-04-29"),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["phase"], "agreed");
    assert_eq!(v["agreement"]["amount"], "20000000.00");
    let (s, v) = act(
        &app,
        "staff",
        &agree,
        agreement("2026-05-10T00:00:00+08:00", "2026-04-29"),
    )
    .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("capital.not_selected")),
        "{v}"
    );

    let deal = wait_event(&app, "auctions.deal.confirmed", &lot.sid).await;
    assert_eq!(deal["via"], "capital_increase");
    assert_eq!(deal["winner_org_id"], b2.as_str());
    assert_eq!(deal["price"], "20000000.00");
    assert_eq!(deal["loser_org_ids"], json!([b1]));
    let concluded = wait_event(&app, "projects.section.concluded", &lot.sid).await;
    assert_eq!(concluded["outcome"], "deal");
    assert_eq!(concluded["winner_org_id"], b2.as_str());
    app.stop().await;
}

/// 企业资产转让: the disclosure depends on the floor — up to CNY 10,000,000.00 at least 10 working
/// days, one fen more at least 20 (32号令 第四章). From Monday 03-02 the 10th working day is Monday
/// 03-16: a floor of 10,000,000.01 ending at its 24:00 is refused, 10,000,000.00 ending one second
/// earlier is refused, at 24:00 accepted; then it runs like a property listing to its deal.
#[tokio::test]
async fn an_asset_transfer_is_disclosed_10_working_days_up_to_10_million_and_20_above() {
    let app = TestApp::spawn().await;
    let end = "2026-03-17T00:00:00+08:00";
    let lot = lot_for(&app, "property", "asset_transfer", end, 1).await;
    let staff = app.login("staff").await;
    let body = |floor: &str, end: &str| {
        let mut l = listing(&lot.sid, lot.announced_at, 15, None);
        l["listing_end"] = json!(end);
        l["starting_price"] = json!(floor);
        l["appraisal_value"] = json!("10000000.00");
        l
    };
    for (floor, end) in [
        ("10000000.01", end),
        ("10000000.00", "2026-03-16T23:59:59+08:00"),
    ] {
        let (s, v) = app
            .post(Some(&staff), "/api/v1/auctions", body(floor, end))
            .await;
        assert_eq!(s, 422, "{floor} {end}: {v}");
        assert_eq!(rules_of(&v), vec!["auctions.asset_disclosure_period"]);
        assert_eq!(v["errors"][0]["field"], "listing_end");
    }
    let id = create(&app, body("10000000.00", end)).await;
    assert_eq!(bid(&app, "bidder1", &id, "10000000.00").await.0, 201);
    app.clock().set(ts(&json!(end)));
    let v = wait_phase(&app, &id, "deal").await;
    assert_eq!(v["current_price"], "10000000.00");
    let deal = wait_event(&app, "auctions.deal.confirmed", &lot.sid).await;
    assert_eq!(deal["via"], "listing");
    assert_eq!(deal["winner_org_id"], org_of(&app, "bidder1").await);
    app.stop().await;
}

/// A capital increase that ends without an investor (未征集到意向投资方): the disclosure of Monday
/// 03-02 ends at 24:00 of Tuesday 04-28 and the only investor that registered paid half its deposit
/// (not qualified, no bidder number). One second before the end the failure is refused
/// (`capital.disclosure_running`); at the end the enterprise records it with a reason (an empty one
/// refused): phase `failed`, `auctions.capital_increase.failed` and `auctions.listing.failed`
/// (reason `no_investor`); deposits settle the half deposit's refund; neither a selection nor a
/// second failure follows. The boundary on investors: a second capital increase with one qualified
/// investor is refused (`capital.has_investor`) — the enterprise selects it instead.
#[tokio::test]
async fn a_capital_increase_without_a_qualified_investor_is_recorded_failed_and_the_deposits_refunded(
) {
    let app = TestApp::spawn().await;
    let end = "2026-04-29T00:00:00+08:00";
    let lot = lot_for(&app, "property", "capital_increase", end, 0).await;
    let with_one = lot_for(&app, "property", "capital_increase", end, 1).await;
    // bidder1 registers for the first and pays 100,000.00 of the 200,000.00 deposit.
    let token = app.login("bidder1").await;
    let mut registered = false;
    for () in ggzy_api_tests::patience() {
        let (s, _) = app
            .post(
                Some(&token),
                &format!("/api/v1/sections/{}/registrations", lot.sid),
                json!({}),
            )
            .await;
        if s == 201 {
            registered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    assert!(registered, "bidder1 could not register");
    let mut account = Value::Null;
    for () in ggzy_api_tests::patience() {
        app.seal().await;
        let (s, v) = app
            .post(
                Some(&token),
                "/api/v1/deposits/accounts",
                json!({"section_id": lot.sid}),
            )
            .await;
        if s == 200 || s == 201 {
            account = v;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    assert!(account["account_no"].is_string(), "{account}");
    let bank = app.login("bank").await;
    let (s, v) = app
        .bank_transfer(
            &bank,
            &json!({"transaction_id": format!("txn-{}-half", lot.sid),
                    "account_no": account["account_no"], "payer_account_no": "21050161000000000004",
                    "payer_name": "大连第一建筑工程有限公司", "amount": "100000.00",
                    "value_at": app.clock().now().to_rfc3339()}),
        )
        .await;
    assert!(s == 200 || s == 201, "{v}");

    let body = |l: &crate::auctions::Lot| {
        json!({"section_id": l.sid, "disclosure_start": l.announced_at.to_rfc3339(),
               "disclosure_end": end, "amount_sought": "50000000.00",
               "method": "comprehensive_evaluation",
               "criteria": [{"name": "投资金额", "weight": 60}, {"name": "产业协同", "weight": 40}]})
    };
    let mut ids = Vec::new();
    for l in [&lot, &with_one] {
        let (s, v) = act(&app, "staff", "/api/v1/capital-increases", body(l)).await;
        assert_eq!(s, 201, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let failure = format!("/api/v1/capital-increases/{}/failure", ids[0]);
    let reason = json!({"reason": "信息披露期满未征集到意向投资方，本次增资终结。"});
    app.clock().set(ts(&json!("2026-04-28T23:59:59+08:00")));
    let (s, v) = act(&app, "tenderer", &failure, reason.clone()).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("capital.disclosure_running")),
        "{v}"
    );
    app.clock().set(ts(&json!(end)));
    // Another enterprise learns nothing; an empty reason is refused and changes nothing.
    let (s, _) = act(&app, "tenderer2", &failure, reason.clone()).await;
    assert_eq!(s, 404);
    let (s, v) = act(&app, "tenderer", &failure, json!({"reason": "  "})).await;
    assert_eq!(
        (s, rules_of(&v)),
        (422, vec!["capital.failure_reason".to_string()]),
        "{v}"
    );
    assert!(app
        .events_of("auctions.capital_increase.failed")
        .await
        .is_empty());
    // One qualified investor: not a failure, the enterprise selects it.
    let (s, v) = act(
        &app,
        "tenderer",
        &format!("/api/v1/capital-increases/{}/failure", ids[1]),
        reason.clone(),
    )
    .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("capital.has_investor")),
        "{v}"
    );
    // No qualified investor (bidder1 registered, deposit short): the enterprise records the end.
    let (s, v) = act(&app, "tenderer", &failure, reason.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["phase"], "failed", "{v}");
    assert_eq!(
        v["failure"]["reason"],
        "信息披露期满未征集到意向投资方，本次增资终结。"
    );
    let (s, v) = act(&app, "staff", &failure, reason).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("capital.closed")),
        "{v}"
    );
    let (s, v) = act(
        &app,
        "staff",
        &format!("/api/v1/capital-increases/{}/selection", ids[0]),
        json!({"notes": "x", "scores": []}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    let failed = wait_event(&app, "auctions.capital_increase.failed", &lot.sid).await;
    let b1 = org_of(&app, "bidder1").await;
    assert_eq!(failed["outcome"], "no_investor", "{failed}");
    assert_eq!(failed["registered_org_ids"], json!([b1]), "{failed}");
    let listing_failed = wait_event(&app, "auctions.listing.failed", &lot.sid).await;
    assert_eq!(listing_failed["reason"], "no_investor", "{listing_failed}");
    assert!(app
        .events_of("auctions.capital_increase.failed")
        .await
        .iter()
        .all(|e| e["section_id"] == lot.sid.as_str()));
    // Deposits refund the half deposit (a settlement of the failure for bidder1).
    let mut settled = 0;
    for () in ggzy_api_tests::patience() {
        app.seal().await;
        settled = app
            .scalar_i64(&format!(
                "SELECT COUNT(*) FROM deposit_settlements WHERE section_id = '{}' \
                 AND org_id = '{b1}' AND event_type = 'auctions.listing.failed'",
                lot.sid
            ))
            .await;
        if settled == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(settled, 1);
    // The enterprise's list shows it failed.
    let (s, list) = app
        .get(
            Some(&app.login("tenderer").await),
            "/api/v1/capital-increases",
        )
        .await;
    assert_eq!(s, 200, "{list}");
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == ids[0].as_str() && c["phase"] == "failed"));
    app.stop().await;
}

/// 企业资产转让 sets no qualification conditions on the buyer (资产转让不得对受让方设置资格条件,
/// 32号令 第五十一条 as we read it, to verify): the disclosure (信息披露公告) of an asset transfer
/// stating "依法存续的企业法人" is refused at approval on `fields.buyer_qualification` and stays
/// unpublished; one stating a condition with the law that requires it
/// (`buyer_qualification_basis`) is published; "无" is published (every asset transfer lot of
/// `lot_for`, e.g. the test above); a transfer of property rights may still set conditions.
#[tokio::test]
async fn an_asset_transfer_disclosure_with_buyer_conditions_is_refused_unless_a_law_requires_them()
{
    let app = TestApp::spawn().await;
    let project = json!({"name": "某公司闲置设备转让", "market": "property", "procedure": "asset_transfer",
        "tenderer_uscc": "91110000802100433B", "tenderer_name": "某国有集团",
        "sections": [{"name": "闲置设备一批", "estimated_price": "2000000.00",
                      "deposit": "200000.00", "docs_issue_at": "2026-03-02T09:00:00+08:00",
                      "docs_sale_end_at": "2026-03-09T17:00:00+08:00",
                      "bid_deadline": "2026-03-17T00:00:00+08:00",
                      "opening_at": "2026-03-17T00:00:00+08:00"}]});
    let disclosure = |qualification: &str| {
        json!({"market": "property", "type": "property_disclosure", "title": "闲置设备转让",
            "body": "披露", "fields": {"subject": "闲置设备一批", "transferor": "某国有集团",
            "approval": "集团批复", "buyer_qualification": qualification,
            "floor_price": "2000000.00", "disclosure_end_at": "2026-03-31T18:00:00+08:00"}})
    };
    let reg = app.register_project(project.clone()).await;
    app.seal().await;
    let mut ann = disclosure("依法存续的企业法人");
    ann["project_id"] = json!(reg.project_id);
    ann["section_ids"] = json!([reg.section_id]);
    let mut drafted = None;
    for () in ggzy_api_tests::patience() {
        let (s, v) = app
            .post(Some(&reg.tenderer), "/api/v1/announcements", ann.clone())
            .await;
        if !(s == 422 && v.to_string().contains("announcement.project_unknown")) {
            drafted = Some((s, v));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    let (s, a) = drafted.expect("publishing never learnt the project");
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_string();
    let (s, v) = app.announcement_step(&reg.tenderer, &id, "submit").await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app.announcement_step(&reg.staff, &id, "approve").await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        (
            v["errors"][0]["field"].as_str(),
            v["errors"][0]["rule"].as_str()
        ),
        (
            Some("fields.buyer_qualification"),
            Some("announcement.asset_transfer_buyer_conditions")
        ),
        "{v}"
    );
    let (s, v) = app
        .get(Some(&reg.staff), &format!("/api/v1/announcements/{id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_ne!(v["status"], "published", "{v}");
    // The disclosure's minimum is the asset transfer's band, not a transfer of property rights'
    // 20 working days: a floor of CNY 2 m is disclosed for 10 working days from Monday 03-02, until
    // 24:00 of Monday 03-16 — 23:59:59 refused, 03-17 00:00 published.
    for (end, want) in [
        ("2026-03-16T23:59:59+08:00", 422),
        ("2026-03-17T00:00:00+08:00", 200),
    ] {
        let mut ann = disclosure("无");
        ann["project_id"] = json!(reg.project_id);
        ann["section_ids"] = json!([reg.section_id]);
        ann["fields"]["disclosure_end_at"] = json!(end);
        let (s, a) = app
            .post(Some(&reg.tenderer), "/api/v1/announcements", ann)
            .await;
        assert_eq!(s, 201, "{a}");
        let id = a["id"].as_str().unwrap().to_string();
        let (s, v) = app.announcement_step(&reg.tenderer, &id, "submit").await;
        assert_eq!(s, 200, "{v}");
        let (s, v) = app.announcement_step(&reg.staff, &id, "approve").await;
        assert_eq!(s, want, "{end}: {v}");
        if want == 422 {
            assert_eq!(
                v["errors"][0]["rule"], "announcement.disclosure_period",
                "{v}"
            );
        }
    }
    // A condition the law requires, named: published.
    let mut with_basis = disclosure("具有危险化学品经营许可证");
    with_basis["fields"]["buyer_qualification_basis"] = json!("危险化学品安全管理条例 第三十三条");
    let (_, published_at) = app.announced_listing(project, with_basis).await;
    assert!(published_at <= app.clock().now());
    app.stop().await;
}

/// Draft `body` as the tenderer, submit it and have staff approve it: the approval's answer.
async fn publish(app: &TestApp, tenderer: &str, staff: &str, body: Value) -> (u16, Value) {
    let mut drafted = None;
    for () in ggzy_api_tests::patience() {
        let (s, v) = app
            .post(Some(tenderer), "/api/v1/announcements", body.clone())
            .await;
        if !(s == 422 && v.to_string().contains("announcement.project_unknown")) {
            drafted = Some((s, v));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    let (s, a) = drafted.expect("publishing never learnt the project");
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_string();
    let (s, v) = app.announcement_step(tenderer, &id, "submit").await;
    assert_eq!(s, 200, "{v}");
    app.announcement_step(staff, &id, "approve").await
}

/// 企业增资 pre-disclosed (信息预披露) on Monday 03-02 and formally disclosed (增资公告) on Monday
/// 03-30: the formal disclosure lasts 20 working days and both together 40 (国资发产权规〔2022〕39号,
/// text to verify) — both reach 24:00 of Tuesday 04-28 across 清明 04-04..06. Publishing refuses a
/// formal disclosure ending 04-28 23:59:59 naming both rules and publishes the one ending at
/// 24:00; the auctions area, which learnt the pre-disclosure from the published announcement,
/// opens the capital increase on the same boundary (the 40 working days of a capital increase
/// without pre-disclosure would end in late May).
#[tokio::test]
async fn a_predisclosed_capital_increase_is_formally_disclosed_20_working_days_and_40_together() {
    let app = TestApp::spawn().await;
    let reg = app
        .register_project(json!({"name": "某国有公司增资扩股", "market": "property",
            "procedure": "capital_increase", "tenderer_uscc": "91110000802100433B",
            "tenderer_name": "某国有集团",
            "sections": [{"name": "增资扩股", "estimated_price": "50000000.00",
                "deposit": "500000.00", "docs_issue_at": "2026-03-02T09:00:00+08:00",
                "docs_sale_end_at": "2026-03-09T17:00:00+08:00",
                "bid_deadline": "2026-05-29T00:00:00+08:00",
                "opening_at": "2026-05-29T00:00:00+08:00"}]}))
        .await;
    app.seal().await;
    let (tenderer, staff) = (reg.tenderer.clone(), reg.staff.clone());
    let about = |t: &str, title: &str, fields: Value| {
        json!({"market": "property", "type": t, "title": title, "body": "增资信息",
               "project_id": reg.project_id, "section_ids": [reg.section_id], "fields": fields})
    };
    // The pre-disclosure: a capital increase's has no minimum of its own.
    let (s, v) = publish(
        &app,
        &tenderer,
        &staff,
        about(
            "property_predisclosure",
            "某国有公司增资扩股信息预披露",
            json!({"subject": "某国有公司", "transferor": "某国有集团",
                   "approval": "集团董事会决议", "approved_on": "2026-02-26",
                   "predisclosure_end_at": "2026-03-16T00:00:00+08:00"}),
        ),
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("published")), "{v}");
    app.clock().advance(chrono::Duration::days(28));
    // Four weeks later: sign in again (the sessions have expired).
    let (tenderer, staff) = (app.login("tenderer").await, app.login("staff").await);
    let formal = |end: &str| {
        about(
            "property_disclosure",
            "某国有公司增资扩股公告",
            json!({"subject": "某国有公司", "transferor": "某国有集团", "approval": "国资委批复",
                   "buyer_qualification": "依法存续的企业法人", "floor_price": "50000000.00",
                   "disclosure_end_at": end}),
        )
    };
    let (s, v) = publish(&app, &tenderer, &staff, formal("2026-04-28T23:59:59+08:00")).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        rules_of(&v),
        [
            "announcement.disclosure_period",
            "announcement.combined_disclosure_period"
        ]
    );
    let (s, v) = publish(&app, &tenderer, &staff, formal("2026-04-29T00:00:00+08:00")).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("published")), "{v}");
    let announced = v["published_at"].as_str().unwrap().to_string();
    app.seal().await;
    app.drain_consumer("auctions.projection").await;

    let body = |end: &str| {
        json!({"section_id": reg.section_id, "disclosure_start": announced,
               "disclosure_end": end, "amount_sought": "50000000.00",
               "method": "comprehensive_evaluation",
               "criteria": [{"name": "投资金额", "weight": 60}, {"name": "产业协同", "weight": 40}]})
    };
    let (s, v) = act(
        &app,
        "staff",
        "/api/v1/capital-increases",
        body("2026-04-28T23:59:59+08:00"),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        rules_of(&v),
        [
            "capital.disclosure_period",
            "capital.combined_disclosure_period"
        ]
    );
    assert!(app
        .events_of("auctions.capital_increase.opened")
        .await
        .is_empty());
    let (s, ci) = act(
        &app,
        "staff",
        "/api/v1/capital-increases",
        body("2026-04-29T00:00:00+08:00"),
    )
    .await;
    assert_eq!(s, 201, "{ci}");
    assert_eq!(ci["phase"], "disclosure");
    app.stop().await;
}
