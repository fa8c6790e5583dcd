//! Land procedures (issue 21): a land listing's end under 39号令 第二十条 — eligibility (竞买资格)
//! confirmed by staff before a bidder quotes, and several quoting bidders going on to the live
//! auction only when one of them asked to continue (要求继续竞价), otherwise the highest quote
//! wins. The lot comes through the real upstream APIs ([`crate::auctions::lot`]).

use crate::auctions::{bid, create, create_unconfirmed, listing, lot, view, wait_phase};
use chrono::Duration;
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};

async fn org_of(app: &TestApp, user: &str) -> String {
    let (s, me) = app
        .get(Some(&app.login(user).await), "/api/v1/auth/me")
        .await;
    assert_eq!(s, 200, "{me}");
    me["org_id"].as_str().unwrap().to_string()
}

async fn post_as(app: &TestApp, user: &str, path: &str, body: Value) -> (u16, Value) {
    let token = app.login(user).await;
    app.post(Some(&token), path, body).await
}

/// A land listing (reserve 1 010 000.00) whose several quoting bidders go on only on request
/// (39号令 第二十条); eligibility review is every land listing's default.
fn land_listing(sid: &str, start: chrono::DateTime<chrono::Utc>) -> Value {
    let mut l = listing(sid, start, 10, Some("1010000.00"));
    l["continuation"] = json!("on_request");
    l
}

#[tokio::test]
async fn a_land_quote_waits_for_eligibility_and_without_a_request_to_continue_the_highest_quote_wins(
) {
    let app = TestApp::spawn().await;
    let lot = lot(&app, "land", 2).await;
    let now = lot.announced_at;
    // Eligibility review (竞买资格确认) is the land default and cannot be turned off: a listing
    // asking for `eligibility_review: false` is refused with the rule and creates nothing.
    let mut off = land_listing(&lot.sid, now + Duration::days(21));
    off["eligibility_review"] = json!(false);
    let (s, v) = post_as(&app, "staff", "/api/v1/auctions", off).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "eligibility_review", "{v}");
    assert_eq!(
        v["errors"][0]["rule"], "auctions.eligibility_required",
        "{v}"
    );
    // Created without the term, the listing reviews eligibility.
    let id = create_unconfirmed(&app, land_listing(&lot.sid, now + Duration::days(21))).await;
    assert_eq!(view(&app, &id).await["land"]["eligibility_review"], true);
    app.clock().set(now + Duration::days(21));
    let elig = format!("/api/v1/auctions/{id}/eligibility");

    // Before staff confirm it, a numbered bidder's quote is refused with the rule and changes
    // nothing.
    let (s, v) = bid(&app, "bidder1", &id, "1000000.00").await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "auctions.eligibility_not_confirmed", "{v}");
    assert!(view(&app, &id).await["bids"].as_array().unwrap().is_empty());
    // Only a numbered bidder of the section can be confirmed.
    let tenderer_org = org_of(&app, "tenderer").await;
    let (s, v) = post_as(&app, "staff", &elig, json!({"org_id": tenderer_org})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "auctions.eligibility_bidder", "{v}");
    let (b1, b2) = (org_of(&app, "bidder1").await, org_of(&app, "bidder2").await);
    let (s, v) = post_as(&app, "staff", &elig, json!({"org_id": b1})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["land"]["eligible_numbers"], json!(["001"]), "{v}");
    // A bidder cannot confirm itself.
    assert_eq!(
        post_as(&app, "bidder2", &elig, json!({"org_id": b2}))
            .await
            .0,
        403
    );
    assert_eq!(bid(&app, "bidder1", &id, "1000000.00").await.0, 201);
    let (s, v) = bid(&app, "bidder2", &id, "1010000.00").await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("auctions.eligibility_not_confirmed"))
    );
    // Staff confirm bidder2 on the auction page (the same use case): a wrong organization is
    // refused with the rule, then the bidder's own button confirms it.
    let mut page = ggzy_api_tests::pages::Visitor::new(&app);
    page.sign_in("staff").await;
    let url = format!("/staff/auctions/{id}");
    let p = page.get(&url).await;
    assert!(
        p.body.contains("id=\"eligibility\"") && p.body.contains("id=\"confirm-002\""),
        "{}",
        p.body
    );
    assert!(
        !p.body.contains("id=\"confirm-001\""),
        "001 is confirmed: {}",
        p.body
    );
    let csrf = ggzy_api_tests::pages::hidden_value(&p.body, "csrf").unwrap();
    let post = format!("{url}/eligibility");
    let r = page
        .post_form(&post, &[("csrf", &csrf), ("org_id", &tenderer_org)])
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("auctions.eligibility_bidder"), "{}", r.body);
    let r = page
        .post_form(&post, &[("csrf", &csrf), ("org_id", &b2)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        view(&app, &id).await["land"]["eligible_numbers"],
        json!(["001", "002"])
    );
    let (s, v) = bid(&app, "bidder2", &id, "1010000.00").await;
    assert_eq!(s, 201, "{v}");

    // The highest bidder's own request does not count (it has nothing to continue for).
    let (s, v) = post_as(
        &app,
        "bidder2",
        &format!("/api/v1/auctions/{id}/continue"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["land"]["continue_numbers"], json!(["002"]), "{v}");

    // Two quoting bidders, nobody else asked: the highest quote (exactly the reserve) wins at the
    // listing end, without an auction (39号令 第二十条).
    app.clock().set(now + Duration::days(31));
    let v = wait_phase(&app, &id, "deal").await;
    assert_eq!(v["current_price"], "1010000.00", "{v}");
    assert!(v["auction_start"].is_null(), "{v}");
    app.seal().await;
    let ev = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM events WHERE event_type = 'auctions.auction.started' AND aggregate_id = '{id}'"
        ))
        .await;
    assert_eq!(ev, 0);
    let (s, deal) = app
        .get(
            Some(&app.login("supervisor").await),
            &format!("/api/v1/auctions/{id}"),
        )
        .await;
    assert_eq!(s, 200, "{deal}");
    assert_eq!(deal["outcome"], "deal", "{deal}");
    let via = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM auction_deals WHERE auction_id = '{id}' AND via = 'listing' AND winner_org_id = '{b2}'"
        ))
        .await;
    assert_eq!(via, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_land_listing_goes_on_to_the_auction_only_when_a_quoting_bidder_asks_to_continue() {
    let app = TestApp::spawn().await;
    let lot = lot(&app, "land", 2).await;
    let now = lot.announced_at;
    // Both numbered bidders confirmed at creation ([`create`]).
    let id = create(&app, land_listing(&lot.sid, now + Duration::days(21))).await;
    let cont = format!("/api/v1/auctions/{id}/continue");
    app.clock().set(now + Duration::days(21));
    // A request to continue needs a quote of this round first.
    let (s, v) = post_as(&app, "bidder1", &cont, json!({})).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("auctions.continue_needs_quote")),
        "{v}"
    );
    assert_eq!(bid(&app, "bidder1", &id, "1000000.00").await.0, 201);
    assert_eq!(bid(&app, "bidder2", &id, "1010000.00").await.0, 201);
    // Staff cannot ask for a bidder.
    assert_eq!(post_as(&app, "staff", &cont, json!({})).await.0, 403);
    let (s, v) = post_as(&app, "bidder1", &cont, json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["land"]["continue_numbers"], json!(["001"]), "{v}");
    assert_eq!(v["land"]["continuation"], "on_request", "{v}");
    app.seal().await;
    let n = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM events WHERE event_type = 'auctions.continue.requested' AND aggregate_id = '{id}'"
        ))
        .await;
    assert_eq!(n, 1);
    // Asking again changes nothing.
    assert_eq!(post_as(&app, "bidder1", &cont, json!({})).await.0, 200);
    app.seal().await;
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM events WHERE event_type = 'auctions.continue.requested' AND aggregate_id = '{id}'"
        ))
        .await,
        1
    );
    app.clock().set(now + Duration::days(31));
    wait_phase(&app, &id, "auction").await;
    // Once the listing is over, no more requests.
    let (s, v) = post_as(&app, "bidder2", &cont, json!({})).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("auctions.not_open")),
        "{v}"
    );
    app.stop().await;
}

/// A new land transfer announcement (出让公告) of the lot's section, published now through
/// publishing (tenderer drafts and submits, staff approve); returns once the auctions area knows it.
pub(crate) async fn reannounce(
    app: &TestApp,
    project_id: &str,
    section_id: &str,
    trading_start: &str,
) -> chrono::DateTime<chrono::Utc> {
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    let body = json!({"project_id": project_id, "section_ids": [section_id], "market": "land",
        "type": "land_transfer", "title": "国有建设用地使用权挂牌出让公告（重新出让）",
        "body": "挂牌不成交，重新公告出让", "fields": {"transferor": "大连市自然资源局",
        "parcel": "甘井子区 2026-01 号地块", "bidder_qualification": "境内外法人",
        "documents_access": "平台下载", "trading_method": "挂牌", "start_price": "900000.00",
        "deposit": "200000.00", "docs_available_at": app.clock().now().to_rfc3339(),
        "trading_start_at": trading_start}});
    let (s, a) = app
        .post(Some(&tenderer), "/api/v1/announcements", body)
        .await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_string();
    let (s, v) = app.announcement_step(&tenderer, &id, "submit").await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app.announcement_step(&staff, &id, "approve").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("published")), "{v}");
    let at = crate::auctions::ts(&v["published_at"]);
    for () in ggzy_api_tests::patience() {
        app.seal().await;
        let n = app
            .scalar_i64(&format!(
                "SELECT COUNT(*) FROM land_announcements WHERE announcement_id = '{id}'"
            ))
            .await;
        if n == 1 {
            return at;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    panic!("the auctions area never learnt announcement {id}");
}

#[tokio::test]
async fn a_failed_land_listing_is_transferred_again_only_20_days_after_a_new_announcement_and_a_lower_price_with_the_governments_approval(
) {
    let app = TestApp::spawn().await;
    let lot = lot(&app, "land", 1).await;
    let start = lot.announced_at + Duration::days(21);
    let id = create(&app, listing(&lot.sid, start, 10, None)).await;
    // No quote: the listing fails on Thursday 2026-04-02.
    app.clock().set(start + Duration::days(10));
    wait_phase(&app, &id, "failed").await;
    let relist = format!("/api/v1/auctions/{id}/relist");
    let beijing = |s: &str| crate::auctions::ts(&json!(s));
    let end = "2026-05-08T09:00:00+08:00";
    let approval = json!({"document": "大政地复〔2026〕12号", "approved_by": "大连市人民政府"});
    let body = |start: &str, approval: &Value| {
        json!({"kind": "lower_floor", "starting_price": "900000.00", "listing_start": start,
               "listing_end": end, "approval": approval})
    };
    // Not at once: no new transfer announcement yet.
    let now = app.clock().now().to_rfc3339();
    let (s, v) = post_as(&app, "staff", &relist, body(&now, &approval)).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        v["errors"][0]["rule"], "auctions.land_relist_announcement",
        "{v}"
    );

    // The new announcement, published on Thursday 04-02: day 20 is Wednesday 04-22.
    reannounce(&app, &lot.project_id, &lot.sid, "2026-04-22T09:00:00+08:00").await;
    app.clock().set(beijing("2026-04-22T00:00:00+08:00"));
    // One second before day 20: refused (39号令 第十条), nothing changes.
    let (s, v) = post_as(
        &app,
        "staff",
        &relist,
        body("2026-04-21T23:59:59+08:00", &approval),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        v["errors"][0]["rule"], "auctions.land_announcement_period",
        "{v}"
    );
    // A lower starting price without the government's approval (document and approver): refused.
    for missing in [
        json!(null),
        json!({"document": " ", "approved_by": "大连市人民政府"}),
    ] {
        let (s, v) = post_as(
            &app,
            "staff",
            &relist,
            body("2026-04-22T00:00:00+08:00", &missing),
        )
        .await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(
            v["errors"][0]["rule"], "auctions.land_floor_approval",
            "{v}"
        );
    }
    assert_eq!(view(&app, &id).await["phase"], "failed");
    // Day 20 with the approval: the second round runs at the lower price.
    let (s, v) = post_as(
        &app,
        "staff",
        &relist,
        body("2026-04-22T00:00:00+08:00", &approval),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["phase"].as_str(), v["round"].as_i64()),
        (Some("listing"), Some(2))
    );
    assert_eq!(v["starting_price"], "900000.00");
    app.seal().await;
    let doc = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM events WHERE event_type = 'auctions.land_floor_approval.recorded' \
             AND aggregate_id = '{id}' AND payload LIKE '%大政地复〔2026〕12号%'"
        ))
        .await;
    assert_eq!(doc, 1);
    assert_eq!(bid(&app, "bidder1", &id, "900000.00").await.0, 201);
    app.clock().set(beijing(end));
    let v = wait_phase(&app, &id, "deal").await;
    assert_eq!(v["current_price"], "900000.00");
    app.stop().await;
}

#[tokio::test]
async fn a_land_deal_opens_the_contract_step_due_in_10_working_days_with_payments_against_the_schedule(
) {
    let app = TestApp::spawn().await;
    let lot = lot(&app, "land", 1).await;
    let start = lot.announced_at + Duration::days(21);
    let id = create(&app, listing(&lot.sid, start, 10, None)).await;
    app.clock().set(start);
    assert_eq!(bid(&app, "bidder1", &id, "1000000.00").await.0, 201);
    // The deal on Thursday 2026-04-02.
    app.clock().set(start + Duration::days(10));
    wait_phase(&app, &id, "deal").await;
    let url = format!("/api/v1/auctions/{id}/contract");
    let get = |user: &'static str| {
        let (app, url) = (&app, url.clone());
        async move {
            let t = app.login(user).await;
            app.get(Some(&t), &url).await
        }
    };
    let mut v = Value::Null;
    for () in ggzy_api_tests::patience() {
        let (s, c) = get("bidder1").await;
        if s == 200 {
            v = c;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    // 10 working days, 清明 (04-04..06) skipped: Friday 04-17.
    assert_eq!(v["sign_due_date"], "2026-04-17", "{v}");
    assert_eq!(
        (v["price"].as_str(), v["first_minimum"].as_str()),
        (Some("1000000.00"), Some("500000.00"))
    );
    assert_eq!(get("bidder2").await.0, 404, "not the winner");
    let beijing = |s: &str| crate::auctions::ts(&json!(s));
    let overdue = |v: &Value| v["overdue"].clone();
    // The last minute of the due day (the test clock keeps ticking in real time): nothing raised.
    app.clock().set(beijing("2026-04-17T23:59:00+08:00"));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(overdue(&get("staff").await.1), json!([]));
    // Payments follow the signed contract.
    let pay = format!("{url}/payments");
    let (s, r) = post_as(
        &app,
        "staff",
        &pay,
        json!({"amount": "1.00", "paid_on": "2026-04-17"}),
    )
    .await;
    assert_eq!(
        (s, r["rule"].as_str()),
        (409, Some("auctions.land_contract_not_signed")),
        "{r}"
    );
    // The next day the signing is overdue (auctions.land_contract.overdue).
    app.clock().set(beijing("2026-04-18T00:00:00+08:00"));
    let mut seen = json!([]);
    for () in ggzy_api_tests::patience() {
        seen = overdue(&get("staff").await.1);
        if seen != json!([]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(seen, json!(["signing"]));
    // The staff page shows the step, the overdue signing and the signing form; its refusals carry
    // the API's rule ids next to the fields and change nothing.
    let mut page = ggzy_api_tests::pages::Visitor::new(&app);
    page.sign_in("staff").await;
    let staff_url = format!("/staff/auctions/{id}");
    let p = page.get(&staff_url).await;
    assert_eq!(p.status, 200, "{}", p.body);
    for want in [
        "id=\"contract\"",
        "2026-04-17",
        "逾期未签订出让合同",
        "id=\"contract-sign\"",
    ] {
        assert!(p.body.contains(want), "{want}: {}", p.body);
    }
    assert!(!p.body.contains("id=\"contract-pay\""), "{}", p.body);
    let csrf = ggzy_api_tests::pages::hidden_value(&p.body, "csrf").unwrap();
    let sign_page = format!("{staff_url}/contract/sign");
    let r = page
        .post_form(
            &sign_page,
            &[
                ("csrf", &csrf),
                ("contract_no", " "),
                ("signed_on", "2026-04-19"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    for rule in [
        "auctions.land_contract_no",
        "auctions.land_contract_signed_on",
    ] {
        assert!(r.body.contains(rule), "{rule}: {}", r.body);
    }
    assert!(
        r.body.contains("href=\"#f-contract_no\""),
        "the summary links the field: {}",
        r.body
    );
    let r = page
        .post_form(
            &sign_page,
            &[
                ("csrf", &csrf),
                ("contract_no", "X-1"),
                ("signed_on", "18/04/2026"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("auctions.land_contract_signed_on"),
        "{}",
        r.body
    );
    assert!(get("staff").await.1["signed_on"].is_null());
    let (s, r) = post_as(
        &app,
        "staff",
        &format!("{url}/sign"),
        json!({"contract_no": "大连-2026-出让-001", "signed_on": "2026-04-18"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    // One month: Monday 05-18; one year: Sunday 2027-04-18 → Monday 04-19.
    assert_eq!(
        (r["first_due_date"].as_str(), r["final_due_date"].as_str()),
        (Some("2026-05-18"), Some("2027-04-19")),
        "{r}"
    );
    app.clock().set(beijing("2026-05-18T12:00:00+08:00"));
    let (s, r) = post_as(
        &app,
        "staff",
        &pay,
        json!({"amount": "1000000.01", "paid_on": "2026-05-18"}),
    )
    .await;
    assert_eq!(
        (s, r["errors"][0]["rule"].as_str()),
        (422, Some("auctions.land_payment_amount")),
        "{r}"
    );
    // One fen short of half the price by the first due day, recorded on the staff page (the
    // same use case): raised at its end.
    let mut page = ggzy_api_tests::pages::Visitor::new(&app);
    page.sign_in("staff").await;
    let csrf = page.csrf(&staff_url).await;
    let pay_page = format!("{staff_url}/contract/payments");
    let r = page
        .post_form(
            &pay_page,
            &[
                ("csrf", &csrf),
                ("amount", "500000.001"),
                ("paid_on", "2026-05-18"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = page
        .post_form(
            &pay_page,
            &[
                ("csrf", &csrf),
                ("amount", "499999.99"),
                ("paid_on", "2026-05-18"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = get("staff").await.1;
    assert_eq!(r["remaining"].as_str(), Some("500000.01"), "{r}");
    let p = page.get(&staff_url).await;
    assert!(
        p.body.contains("大连-2026-出让-001")
            && p.body.contains("2026-05-18")
            && p.body.contains("id=\"contract-pay\""),
        "{}",
        p.body
    );
    app.clock().set(beijing("2026-05-19T00:00:00+08:00"));
    for () in ggzy_api_tests::patience() {
        seen = overdue(&get("staff").await.1);
        if seen.as_array().unwrap().len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(seen, json!(["signing", "first_payment"]));
    let (s, r) = post_as(
        &app,
        "staff",
        &pay,
        json!({"amount": "500000.01", "paid_on": "2026-05-19"}),
    )
    .await;
    assert_eq!((s, r["remaining"].as_str()), (200, Some("0.00")), "{r}");
    // The winner follows its contract on its auction page, read-only; the other bidder sees none.
    let mut winner = ggzy_api_tests::pages::Visitor::new(&app);
    winner.sign_in("bidder1").await;
    let p = winner.get(&format!("/bidder/auctions/{id}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("id=\"contract\"") && p.body.contains("大连-2026-出让-001"),
        "{}",
        p.body
    );
    assert!(
        !p.body.contains("contract/sign") && !p.body.contains("contract/payments"),
        "no staff form: {}",
        p.body
    );
    let mut other = ggzy_api_tests::pages::Visitor::new(&app);
    other.sign_in("bidder2").await;
    let p = other.get(&format!("/bidder/auctions/{id}")).await;
    assert!(!p.body.contains("id=\"contract\""), "{}", p.body);
    app.seal().await;
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM events WHERE event_type = 'auctions.land_contract.overdue' AND aggregate_id = '{id}'"
        ))
        .await,
        2
    );
    // Monitoring raises one alert per late step (compliance.land_contract_overdue, 34号).
    app.drain_consumer("monitoring.signals").await;
    let supervisor = app.login("supervisor").await;
    let (s, v) = app
        .get(
            Some(&supervisor),
            "/api/v1/monitoring/alerts?rule=compliance.land_contract_overdue",
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let mut keys: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["signal_key"].as_str().unwrap_or_default().to_string())
        .collect();
    keys.sort();
    assert_eq!(keys.len(), 2, "{v}");
    assert!(
        keys[0].ends_with(":first_payment") && keys[1].ends_with(":signing"),
        "{v}"
    );
    app.stop().await;
}
