//! State-owned property rights (产权交易, 《企业国有资产交易监督管理办法》, 32号令), issue 21: the
//! transferor (转让方) follows its own listing read-only, the first floor is at least the appraisal
//! (第十七条), and a floor below 90 % of the appraisal carries the approving body's written consent
//! as a recorded, hashed document (第十八条). The lot comes through the real upstream APIs
//! ([`crate::auctions::lot`]): the demo `tenderer` registers the property project, so its
//! organization is the transferor.

use crate::auctions::{
    act, bid, create, failed_property_listing, listing, lot, rules_of, sse_until, ts, wait_phase,
};
use base64::Engine as _;
use chrono::Duration;
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};
use sha2::Digest;

async fn org_of(app: &TestApp, user: &str) -> String {
    app.org_of(&app.login(user).await).await
}

/// Regression (issue 21): the transferor got 403 on its own auction. It now follows it — the view
/// and the live stream — with the bids by bidder number only; another tenderer or agency still
/// gets 403, and the numbers ↔ organizations list stays with staff and supervisors.
#[tokio::test]
async fn the_transferor_follows_its_own_auction_by_bidder_numbers_and_no_one_else_outside_does() {
    let app = TestApp::spawn().await;
    let lot = lot(&app, "property", 2).await;
    let mut l = listing(&lot.sid, lot.announced_at, 28, None);
    l["listing_end"] = json!("2026-03-31T00:00:00+08:00");
    let id = create(&app, l).await;
    assert_eq!(bid(&app, "bidder1", &id, "1000000.00").await.0, 201);
    assert_eq!(bid(&app, "bidder2", &id, "1010000.00").await.0, 201);

    let transferor = app.login("tenderer").await;
    let (s, v) = app
        .get(Some(&transferor), &format!("/api/v1/auctions/{id}"))
        .await;
    assert_eq!(s, 200, "the transferor follows its own auction: {v}");
    assert_eq!(v["current_price"], "1010000.00");
    assert_eq!(v["leader_number"], "002");
    let numbers: Vec<&str> = v["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["001", "002"]);
    assert!(v["my_number"].is_null(), "{v}");
    let body = v.to_string();
    for bidder in ["bidder1", "bidder2"] {
        let org = org_of(&app, bidder).await;
        assert!(!body.contains(&org), "{bidder}'s identity leaked: {body}");
    }
    // Its page (the staff page, read-only): the bids by number, no form, no organization.
    let mut page = ggzy_api_tests::pages::Visitor::new(&app);
    page.sign_in("tenderer").await;
    let p = page.get(&format!("/tenderer/auctions/{id}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("002") && !p.body.contains("<form method=\"post\" action=\"/staff"),
        "{}",
        p.body
    );
    for bidder in ["bidder1", "bidder2"] {
        let org = org_of(&app, bidder).await;
        assert!(!p.body.contains(&org), "{bidder}'s identity on the page");
    }
    // Another tenderer is refused, as by the API (403).
    let mut other = ggzy_api_tests::pages::Visitor::new(&app);
    other.sign_in("tenderer2").await;
    assert_eq!(
        other.get(&format!("/tenderer/auctions/{id}")).await.status,
        403
    );
    // Who holds which number is not the transferor's to know.
    let (s, _) = app
        .get(
            Some(&transferor),
            &format!("/api/v1/auctions/sections/{}/bidders", lot.sid),
        )
        .await;
    assert_eq!(s, 403);
    // The live stream: the bid log by number, then the state; never an organization.
    let mut r = app
        .client
        .get(app.url(&format!("/api/v1/auctions/{id}/stream")))
        .bearer_auth(&transferor)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut buf = String::new();
    sse_until(&mut r, &mut buf, "\"current_price\":\"1010000.00\"").await;
    assert!(buf.contains("\"number\":\"002\""), "{buf}");
    assert!(!buf.contains("org_id"), "{buf}");
    drop(r);
    // Another organization's tenderer or agency: 403 on the view and the stream.
    for user in ["tenderer2", "agency2", "agency"] {
        let token = app.login(user).await;
        let (s, v) = app
            .get(Some(&token), &format!("/api/v1/auctions/{id}"))
            .await;
        assert_eq!(s, 403, "{user}: {v}");
        let r = app
            .client
            .get(app.url(&format!("/api/v1/auctions/{id}/stream")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{user}");
    }
    app.stop().await;
}

fn consent(doc: &[u8], on: &str) -> Value {
    json!({"approving_body": "某市国有资产监督管理委员会", "signed_by": "李四",
           "consented_on": on, "file_name": "同意降低转让底价的批复.pdf",
           "content_base64": base64::engine::general_purpose::STANDARD.encode(doc)})
}

/// 32号令 第十七条 and 第十八条 at their boundaries: the first floor one fen below the appraisal is
/// refused and creates nothing, at the appraisal it is listed; re-listed at 90.00 % of the
/// appraisal without a consent, at 89.99 % refused without the consent document and accepted with
/// it, the document hashed and recorded (who, which body, which date), then a deal at that floor.
#[tokio::test]
async fn the_first_floor_is_the_appraisal_and_a_floor_below_90_percent_needs_the_recorded_written_consent(
) {
    let app = TestApp::spawn().await;
    let lot = lot(&app, "property", 1).await;
    let staff = app.login("staff").await;
    let mut l = listing(&lot.sid, lot.announced_at, 28, None);
    l["listing_end"] = json!("2026-03-31T00:00:00+08:00");
    l["starting_price"] = json!("999999.99");
    let (s, v) = app.post(Some(&staff), "/api/v1/auctions", l).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), vec!["auctions.property_first_floor"]);
    assert_eq!(v["errors"][0]["field"], "starting_price");
    // At exactly the appraisal: listed (nothing was created by the refusal: one listing per section).
    let id = failed_property_listing(&app, &lot).await;
    let relist = format!("/api/v1/auctions/{id}/relist");
    let lower = |price: &str, app: &TestApp, consent: Option<Value>| {
        json!({"kind": "lower_floor", "starting_price": price, "consent": consent,
               "listing_end": (app.clock().now() + Duration::days(40)).to_rfc3339()})
    };
    // Lowering the floor is a new disclosure of at least 5 working days (国资发产权规〔2025〕17号
    // 第十六条, to verify) until 24:00 of the last one, and lower than the current one.
    let last = ggzy_core::period::last_day(
        &ggzy_core::calendar::BusinessCalendar::official(),
        ggzy_core::time::local_date(app.clock().now()),
        ggzy_core::period::Days::working(5),
    )
    .value;
    let five_days = ggzy_core::period::end_of_day(last);
    let mut short = lower("899900.00", &app, None);
    short["listing_end"] = json!((five_days - Duration::seconds(1)).to_rfc3339());
    let (s, v) = act(&app, "staff", &relist, short).await;
    assert_eq!(s, 422, "{v}");
    assert!(
        rules_of(&v).contains(&"auctions.property_lowered_floor_period".to_string()),
        "{v}"
    );
    let mut enough = lower("899900.00", &app, None);
    enough["listing_end"] = json!(five_days.to_rfc3339());
    let (s, v) = act(&app, "staff", &relist, enough).await;
    assert_eq!(s, 422, "{v}");
    assert!(
        !rules_of(&v).contains(&"auctions.property_lowered_floor_period".to_string()),
        "{v}"
    );
    let (s, v) = act(&app, "staff", &relist, lower("1000000.00", &app, None)).await;
    assert_eq!(
        (s, rules_of(&v)),
        (422, vec!["auctions.relist_floor_lower".into()]),
        "{v}"
    );
    // 89.99 % without the consent: refused, nothing changes.
    let (s, v) = act(&app, "staff", &relist, lower("899900.00", &app, None)).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), vec!["auctions.floor_consent_required"]);
    assert_eq!(v["errors"][0]["field"], "consent");
    // 90.00 %: no consent needed, the new round opens at once.
    let (s, v) = act(&app, "staff", &relist, lower("900000.00", &app, None)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["phase"].as_str(), v["round"].as_i64()),
        (Some("listing"), Some(2))
    );
    assert_eq!(v["starting_price"], "900000.00");
    assert!(v["relist"]["consent"].is_null(), "{v}");
    app.clock().set(ts(&v["ends_at"]));
    wait_phase(&app, &id, "failed").await;

    // 89.99 % with a consent dated tomorrow (Beijing): refused; dated today: recorded and applied.
    let doc = "国资委关于同意降低转让底价的批复（扫描件）".as_bytes();
    let today = (app.clock().now() + Duration::hours(8)).date_naive();
    let tomorrow = (today + Duration::days(1)).to_string();
    let (s, v) = act(
        &app,
        "staff",
        &relist,
        lower("899900.00", &app, Some(consent(doc, &tomorrow))),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), vec!["auctions.floor_consent_date"]);
    let (s, v) = act(
        &app,
        "staff",
        &relist,
        lower("899900.00", &app, Some(consent(doc, &today.to_string()))),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["phase"].as_str(), v["round"].as_i64()),
        (Some("listing"), Some(3))
    );
    assert_eq!(v["starting_price"], "899900.00");
    let c = &v["relist"]["consent"];
    assert_eq!(c["sha256"], hex::encode(sha2::Sha256::digest(doc)), "{v}");
    assert_eq!(c["size_bytes"], doc.len());
    assert_eq!(c["approving_body"], "某市国有资产监督管理委员会");
    assert_eq!(c["signed_by"], "李四");
    assert_eq!(c["consented_on"], today.to_string());
    let ev = app.events_of("auctions.floor_consent.recorded").await;
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0]["required"], true);
    assert_eq!(ev[0]["sha256"], c["sha256"]);
    assert_eq!(ev[0]["starting_price"], "899900.00");
    let (s, v) = bid(&app, "bidder1", &id, "899900.00").await;
    assert_eq!(s, 201, "{v}");
    app.clock().set(ts(&v["ends_at"]));
    let v = wait_phase(&app, &id, "deal").await;
    assert_eq!(v["current_price"], "899900.00");
    app.stop().await;
}

/// The property deal's publicity (≥ 5 working days, across 清明) and payment terms (≥ 30 % first,
/// the rest within a year of the contract, secured) at their boundaries: every first refused value
/// in one request (nothing recorded), then the last allowed values recorded once.
#[tokio::test]
async fn a_property_deal_records_its_publicity_and_payment_terms_at_their_boundaries() {
    let app = TestApp::spawn().await;
    let lot = lot(&app, "property", 1).await;
    let mut l = listing(&lot.sid, lot.announced_at, 28, None);
    l["listing_end"] = json!("2026-03-31T00:00:00+08:00");
    let id = create(&app, l).await;
    let terms = format!("/api/v1/auctions/{id}/deal/terms");
    // Before the deal there are no terms to record.
    let ok = json!({"publicity_start": "2026-03-31T10:00:00+08:00",
        "publicity_end": "2026-04-09T00:00:00+08:00", "contract_effective_on": "2026-04-01",
        "payment": "instalments", "first_payment": "300000.00", "balance_due_on": "2027-04-01",
        "security": "中国银行见索即付保函 BG-2026-001"});
    let (s, v) = act(&app, "staff", &terms, ok.clone()).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("auctions.not_deal")),
        "{v}"
    );
    assert_eq!(bid(&app, "bidder1", &id, "1000000.00").await.0, 201);
    app.clock().set(ts(&json!("2026-03-31T00:00:00+08:00")));
    wait_phase(&app, &id, "deal").await;

    // Published Tuesday 31 March: 1-3 April, (清明 4-6), 7 and 8 April are the 5 working days;
    // 23:59:59 of 8 April is short. 299,999.99 is below 30 % of 1,000,000.00; 2 April 2027 is
    // past a year from 1 April 2026; no security.
    let mut bad = ok.clone();
    bad["publicity_end"] = json!("2026-04-08T23:59:59+08:00");
    bad["first_payment"] = json!("299999.99");
    bad["balance_due_on"] = json!("2027-04-02");
    bad["security"] = json!("  ");
    let (s, v) = act(&app, "staff", &terms, bad).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        rules_of(&v),
        [
            "auctions.deal_publicity_period",
            "auctions.payment_first_share",
            "auctions.payment_balance_within_year",
            "auctions.payment_security"
        ]
    );
    let (s, v) = act(
        &app,
        "staff",
        &terms,
        json!({"publicity_start": "2026-03-31T10:00:00+08:00",
        "publicity_end": "2026-04-09T00:00:00+08:00", "contract_effective_on": "2026-04-01",
        "payment": "lump_sum", "first_payment": "300000.00"}),
    )
    .await;
    assert_eq!(
        (s, rules_of(&v)),
        (422, vec!["auctions.payment_lump_sum".into()]),
        "{v}"
    );
    let supervisor = app.login("supervisor").await;
    let (s, _) = app.get(Some(&supervisor), &terms).await;
    assert_eq!(s, 404, "nothing recorded by the refusals");
    // The transferor and bidders do not record the terms.
    for user in ["tenderer", "bidder1"] {
        let (s, v) = act(&app, user, &terms, ok.clone()).await;
        assert_eq!(s, 403, "{user}: {v}");
    }

    let (s, v) = act(&app, "staff", &terms, ok.clone()).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["price"], "1000000.00");
    assert_eq!(v["first_payment"], "300000.00");
    assert_eq!(v["balance_due_on"], "2027-04-01");
    assert_eq!(v["payment"], "instalments");
    let (s, read) = app.get(Some(&supervisor), &terms).await;
    assert_eq!((s, &read), (200, &v));
    let (s, v) = act(&app, "staff", &terms, ok).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("auctions.deal_terms_recorded")),
        "{v}"
    );
    let ev = app.events_of("auctions.deal.terms_recorded").await;
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0]["security"], "中国银行见索即付保函 BG-2026-001");
    assert_eq!(ev[0]["periods_provisional"], false);
    // The deal announcement's draft takes the recorded publicity period.
    let deal_id = ev[0]["deal_id"].as_str().unwrap().to_string();
    let mut drafted = None;
    for () in ggzy_api_tests::patience() {
        let r: Option<(String, String)> =
            sqlx::query_as("SELECT fields, body_md FROM announcements WHERE source_event = $1")
                .bind(format!("deal:{deal_id}:deal"))
                .fetch_optional(app.ctx.db.pool())
                .await
                .unwrap();
        if let Some((f, b)) = r.filter(|(f, _)| f.contains("publicity_end_at")) {
            drafted = Some((serde_json::from_str::<Value>(&f).unwrap(), b));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (fields, body) = drafted.expect("the deal draft takes the publicity period");
    assert_eq!(
        fields["publicity_end_at"], ev[0]["publicity_end"],
        "{fields}"
    );
    assert!(body.contains("公示期"), "{body}");
    app.stop().await;
}

async fn property_deal(app: &TestApp, price: &str) -> String {
    let lot = lot(app, "property", 1).await;
    let mut l = listing(&lot.sid, lot.announced_at, 28, None);
    l["listing_end"] = json!("2026-03-31T00:00:00+08:00");
    let id = create(app, l).await;
    assert_eq!(bid(app, "bidder1", &id, price).await.0, 201);
    id
}

fn decision(name: &str, uscc: Option<&str>, decision: &str, extra: Value) -> Value {
    let mut v = json!({"name": name, "uscc": uscc, "decision": decision,
        "decided_on": "2026-03-31",
        "document": {"file_name": format!("{name}.pdf"),
                     "content_base64": base64::engine::general_purpose::STANDARD.encode(name)}});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

/// Shareholders' pre-emption rights (优先购买权, 公司法 2023 第八十四条) on two deals: every other
/// shareholder waives in writing or, silent 30 days after the written notice, is deemed to (30th
/// day refused, the day after accepted) → the auction winner buys; one shareholder exercises — one fen
/// below the deal price refused (同等条件), at exactly the deal price recorded — → it buys instead
/// of the highest bidder, with the documents hashed, the event naming the buyer, once per deal.
#[tokio::test]
async fn a_waiving_shareholder_leaves_the_deal_to_the_winner_and_an_exercising_one_buys_at_the_deal_price(
) {
    let app = TestApp::spawn().await;
    let waived = property_deal(&app, "1000000.00").await;
    let exercised = property_deal(&app, "1200000.00").await;
    app.clock().set(ts(&json!("2026-03-31T00:00:00+08:00")));
    wait_phase(&app, &waived, "deal").await;
    wait_phase(&app, &exercised, "deal").await;
    let (uscc_a, uscc_b) = ("91110000802100433B", "91110000600037341L");
    let path = |id: &str| format!("/api/v1/auctions/{id}/deal/preemption");

    // 张三 never answered the written notice: deemed to waive only after 30 days (公司法 第八十四条).
    // Notified Sunday 03-01, it may answer until Tuesday 03-31 (today): refused, nothing recorded.
    let deemed = |notified: &str| {
        json!({"shareholders": [decision("甲公司", Some(uscc_a), "waived", json!({})),
            decision("张三", None, "deemed_waived", json!({"decided_on": notified}))]})
    };
    let (s, v) = act(&app, "staff", &path(&waived), deemed("2026-03-01")).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["auctions.preemption_deemed_early"]);
    assert_eq!(v["errors"][0]["field"], "shareholders[1].decided_on");
    // Every other shareholder waived (张三 notified Saturday 02-28: its 30 days ended 03-30):
    // the auction winner (bidder number 001) buys.
    let body = deemed("2026-02-28");
    for user in ["tenderer", "bidder1", "supervisor"] {
        assert_eq!(
            act(&app, user, &path(&waived), body.clone()).await.0,
            403,
            "{user}"
        );
    }
    let (s, v) = act(&app, "staff", &path(&waived), body.clone()).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        (
            v["buyer"].as_str(),
            v["winner_number"].as_str(),
            v["price"].as_str()
        ),
        (Some("auction_winner"), Some("001"), Some("1000000.00"))
    );
    assert_eq!(v["shareholders"][0]["uscc"], uscc_a);
    assert_eq!(v["shareholders"][1]["decision"], "deemed_waived");
    assert_eq!(
        v["shareholders"][1]["sha256"],
        hex::encode(sha2::Sha256::digest("张三".as_bytes()))
    );
    let (s, v) = act(&app, "staff", &path(&waived), body).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("auctions.preemption_recorded"))
    );

    // One exercises one fen below the deal price: refused, nothing recorded.
    let offer = |price: &str| {
        json!({"shareholders": [decision("甲公司", Some(uscc_a), "waived", json!({})),
            decision("乙公司", Some(uscc_b), "exercised", json!({"price": price}))]})
    };
    let (s, v) = act(&app, "staff", &path(&exercised), offer("1199999.99")).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["auctions.preemption_same_terms"]);
    assert_eq!(v["errors"][0]["field"], "shareholders[1].price");
    let supervisor = app.login("supervisor").await;
    let (s, _) = app.get(Some(&supervisor), &path(&exercised)).await;
    assert_eq!(s, 404, "nothing recorded by the refusal");
    // At exactly the deal price: the shareholder buys, for the whole price.
    let (s, v) = act(&app, "staff", &path(&exercised), offer("1200000.00")).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["buyer"], "shareholders");
    assert!(v["winner_number"].is_null(), "{v}");
    assert_eq!(v["shareholders"][1]["decision"], "exercised");
    assert_eq!(v["shareholders"][1]["amount"], "1200000.00");
    assert_eq!(v["shareholders"][1]["share_percent"], "100.00");
    let (s, read) = app.get(Some(&supervisor), &path(&exercised)).await;
    assert_eq!((s, &read), (200, &v));
    let ev = app.events_of("auctions.deal.preemption_recorded").await;
    assert_eq!(ev.len(), 2, "{ev:?}");
    let e = ev
        .iter()
        .find(|e| e["auction_id"] == exercised.as_str())
        .unwrap();
    assert_eq!(e["buyer"], "shareholders");
    assert_eq!(e["buyers"][0]["name"], "乙公司");
    assert_eq!(e["buyers"][0]["uscc"], uscc_b);
    assert_eq!(e["buyers"][0]["amount"], "1200000.00");
    // Published with the deal: publishing drafts the pre-emption result naming the shareholder.
    let body = preemption_draft(&app, e["project_id"].as_str().unwrap()).await;
    assert!(body.contains("乙公司") && body.contains(uscc_b), "{body}");
    assert!(body.contains("甲公司：书面放弃优先购买权"), "{body}");
    app.stop().await;
}

async fn preemption_draft(app: &TestApp, project_id: &str) -> String {
    use sqlx::Row;
    for () in ggzy_api_tests::patience() {
        let r = sqlx::query(
            "SELECT body_md FROM announcements WHERE ann_type = 'deal' AND project_id = $1 \
             AND title LIKE '%优先购买权%'",
        )
        .bind(project_id)
        .fetch_optional(app.ctx.db.pool())
        .await
        .unwrap();
        if let Some(r) = r {
            return r.try_get(0).unwrap();
        }
        // The outbox worker drafts asynchronously (no test clock involved).
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no pre-emption draft for project {project_id}");
}
