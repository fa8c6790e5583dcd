//! Listing periods checked while next year's holiday schedule is missing (issue 16,
//! docs/calendar.md "Listing periods"): checked with weekends only at their boundary, stored and
//! shown provisional, checked again when the year is imported — a period the real schedule makes
//! too short raises `calendar.period_too_short` for staff; the listing keeps running.

use ggzy_api_tests::fixtures::at;
use ggzy_api_tests::{into_parts, TestApp};
use serde_json::{json, Value};

/// NOT the official 2027 schedule: New Year's Day and (to test 民法典 203) Thursday 01-07 off.
const TEST_2027: &str = "year = 2027\nworkdays = []\n[holidays]\n\"元旦 New Year\" = [\"2027-01-01\"]\n\"test day off\" = [\"2027-01-07\"]\n";

async fn import_2027(app: &TestApp, source: &str) {
    let admin = app.login("admin").await;
    let r = app
        .client
        .put(app.url(&format!("/api/v1/calendar/2027?source={source}")))
        .bearer_auth(&admin)
        .header("content-type", "application/toml")
        .body(TEST_2027)
        .send()
        .await
        .expect("request");
    let (s, v) = into_parts(r).await;
    assert_eq!(s, 200, "{v}");
}

async fn alerts(app: &TestApp, rule: &str) -> Vec<Value> {
    app.wait_consumer("monitoring.signals").await;
    let supervisor = app.login("supervisor").await;
    let (s, v) = app
        .get(
            Some(&supervisor),
            &format!("/api/v1/monitoring/alerts?rule={rule}"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

fn listing(sid: &str, end: &str) -> Value {
    json!({"section_id": sid, "listing_start": "2026-12-28T09:00:00+08:00", "listing_end": end,
           "starting_price": "1000000.00", "increment": "10000.00",
           "free_bid_minutes": 10, "extension_minutes": 5, "appraisal_value": "1000000.00"})
}

#[tokio::test]
async fn a_land_listing_into_a_year_without_schedule_is_provisional_and_checked_again_on_import() {
    let app = TestApp::spawn().await;
    // Tuesday 2026-12-01: the transfer announcement; the listing from Monday 12-28 (the 20th day
    // after the announcement is 12-21, 39号令 第十条) into 2027, which has no schedule yet.
    app.clock().set(at("2026-12-01T09:00:00+08:00"));
    let deadline = "2027-01-07T17:00:00+08:00";
    let project = json!({"name": "跨年挂牌", "market": "land", "procedure": "listing",
        "tenderer_uscc": "91110000802100433B", "tenderer_name": "大连市自然资源局",
        "sections": [{"name": "甘井子区 2026-12 号地块", "estimated_price": "10000000.00",
                      "deposit": "200000.00", "docs_issue_at": "2026-12-01T09:00:00+08:00",
                      "docs_sale_end_at": "2026-12-01T09:00:00+08:00",
                      "bid_deadline": deadline, "opening_at": deadline}]});
    let ann = json!({"market": "land", "type": "land_transfer", "title": "国有建设用地使用权挂牌出让公告",
        "body": "挂牌出让", "fields": {"transferor": "大连市自然资源局", "parcel": "甘井子区 2026-12 号地块",
        "bidder_qualification": "境内外法人", "documents_access": "平台下载", "trading_method": "挂牌",
        "start_price": "1000000.00", "deposit": "200000.00",
        "docs_available_at": "2026-12-01T09:00:00+08:00",
        "trading_start_at": "2026-12-28T09:00:00+08:00"}});
    let (reg, _) = app.announced_listing(project, ann).await;
    let sid = reg.section_id;
    app.wait_consumer("auctions.projection").await;
    let staff = app.login("staff").await;

    // 39号令 第十九条, weekends only for 2027: the 10th day after Monday 12-28 is Thursday 01-07.
    // First refused: the last second of Wednesday 01-06.
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(&sid, "2027-01-06T23:59:59+08:00"),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        v["errors"][0]["rule"], "auctions.land_listing_period",
        "{v}"
    );
    assert!(alerts(&app, "calendar.year_missing").await.len() <= 1);
    // Last allowed: on 01-07; provisional, and the missing year is an alert.
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            listing(&sid, "2027-01-07T09:00:00+08:00"),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["periods_provisional"], true, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let created = app.events_of("auctions.listing.created").await;
    assert_eq!(created[0]["periods_provisional"], true);
    let mut staff_page = ggzy_api_tests::pages::Visitor::new(&app);
    staff_page.sign_in("staff").await;
    let p = staff_page.get(&format!("/staff/auctions/{id}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("id=\"period-provisional\""), "{}", p.body);
    let mut bidder_page = ggzy_api_tests::pages::Visitor::new(&app);
    bidder_page.sign_in("bidder1").await;
    let p = bidder_page.get(&format!("/bidder/auctions/{id}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("id=\"period-provisional\""), "{}", p.body);
    let missing = alerts(&app, "calendar.year_missing").await;
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0]["subject"], "calendar:2027");
    assert_eq!(missing[0]["status"], "open");

    // The schedule is imported: 01-07 is a day off, so the 10th day moves to Friday 01-08
    // (民法典 第二百零三条) and the listing, still running, is one day short.
    import_2027(&app, "test%20notice").await;
    app.wait_consumer("auctions.projection").await;
    let staff = app.login("staff").await;
    let (s, v) = app
        .get(Some(&staff), &format!("/api/v1/auctions/{id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["periods_provisional"], false, "{v}");
    assert_eq!(
        v["phase"], "listing",
        "a running listing is not stopped: {v}"
    );
    let re = app.events_of("auctions.listing.periods_rechecked").await;
    assert_eq!(re.len(), 1, "{re:?}");
    assert_eq!(re[0]["auction_id"], id.as_str());
    assert_eq!(re[0]["ok"], false, "{re:?}");
    assert_eq!(re[0]["broken"][0]["rule"], "auctions.land_listing_period");
    assert_eq!(re[0]["provisional"], false);
    assert_eq!(re[0]["missing_years"], json!([]));
    let short = alerts(&app, "calendar.period_too_short").await;
    assert_eq!(short.len(), 1, "{short:?}");
    assert_eq!(short[0]["subject"], format!("auction:{id}:1"));
    assert_eq!(short[0]["status"], "open");
    let msg = short[0]["message_en"].as_str().unwrap_or_default();
    assert!(msg.contains("auctions.land_listing_period"), "{msg}");
    let missing = alerts(&app, "calendar.year_missing").await;
    assert_eq!(missing[0]["status"], "resolved", "{missing:?}");

    // A second import (a new version) checks nothing again: no listing is provisional any more.
    import_2027(&app, "test%20notice%20v2").await;
    app.wait_consumer("auctions.projection").await;
    assert_eq!(
        app.events_of("auctions.listing.periods_rechecked")
            .await
            .len(),
        1
    );
    assert_eq!(alerts(&app, "calendar.period_too_short").await.len(), 1);
    app.stop().await;
}
