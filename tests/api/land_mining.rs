//! Land auction (拍卖出让) and mining-right transfers (矿业权出让) as procedures of the land market
//! (issue 21; crates/auctions/src/land_auction.rs, docs/procedures.md). The lots come through the
//! real upstream APIs ([`crate::auctions::lot_with`]).

use crate::auctions::{bid, lot_with, view, wait_phase};
use chrono::{DateTime, Duration, Utc};
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn auction(sid: &str, start: &str, reserve: &str) -> Value {
    json!({"section_id": sid, "auction_start": start, "starting_price": "1000000.00",
           "increment": "10000.00", "reserve_price": reserve, "free_bid_minutes": 10,
           "extension_minutes": 5})
}

async fn post_staff(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let token = app.login("staff").await;
    app.post(Some(&token), path, body).await
}

/// Two land auctions announced Monday 2026-03-02 (registration until Friday 03-20): the 20th day
/// after the announcement is Sunday 03-22, moved to Monday 03-23 (民法典 203), so an auction at
/// 03-22 23:59:59 is refused and one at 03-23 00:00 accepted (39号令 第十条). The first ends one
/// increment below the reserve price (底价) and is terminated (39号令 第十六条); the second reaches
/// the reserve exactly: a deal that opens the land contract step.
#[tokio::test]
async fn a_land_auction_deals_at_the_reserve_and_is_terminated_one_increment_below() {
    let app = TestApp::spawn().await;
    let deadline = "2026-03-20T17:00:00+08:00";
    let below = lot_with(&app, "land", "land_auction", deadline, 3).await;
    let reached = lot_with(&app, "land", "land_auction", deadline, 3).await;
    let start = "2026-03-23T00:00:00+08:00";

    // The listing endpoint does not run an auction procedure.
    let mut l = crate::auctions::listing(&below.sid, at(start), 10, Some("1020000.00"));
    l["listing_end"] = json!("2026-04-03T00:00:00+08:00");
    let (s, v) = post_staff(&app, "/api/v1/auctions", l).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("auctions.procedure_is_auction")),
        "{v}"
    );
    // 19 days and 23:59:59 after the announcement's day: refused, nothing created.
    let (s, v) = post_staff(
        &app,
        "/api/v1/auctions/live",
        auction(&below.sid, "2026-03-22T23:59:59+08:00", "1020000.00"),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        (
            v["errors"][0]["field"].as_str(),
            v["errors"][0]["rule"].as_str()
        ),
        (
            Some("auction_start"),
            Some("auctions.land_announcement_period")
        ),
        "{v}"
    );
    app.seal().await;
    let n = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM auctions WHERE section_id = '{}'",
            below.sid
        ))
        .await;
    assert_eq!(n, 0);
    let mut ids = Vec::new();
    for lot in [&below, &reached] {
        let (s, v) = post_staff(
            &app,
            "/api/v1/auctions/live",
            auction(&lot.sid, start, "1020000.00"),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["phase"], "auction", "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let (id_below, id_reached) = (&ids[0], &ids[1]);
    // Before the auction starts nobody bids.
    let (s, v) = bid(&app, "bidder1", id_below, "1000000.00").await;
    assert_eq!((s, v["rule"].as_str()), (409, Some("auctions.not_open")));
    // 竞买资格 is confirmed before the auction (39号令 第二十条, the land default) for the three
    // bidders of each lot: both auctions run (three at least, 39号令 第十六条; the boundary is
    // `a_land_auction_runs_with_3_eligible_bidders_and_is_terminated_at_its_start_with_2`).
    for id in [id_below, id_reached] {
        assert_eq!(app.confirm_land_bidders(id).await, 3);
    }
    app.clock().set(at(start) + Duration::minutes(1));
    // A user that is not a numbered bidder of the lot is refused.
    assert_eq!(bid(&app, "tenderer", id_below, "1000000.00").await.0, 403);
    for (user, price) in [("bidder1", "1000000.00"), ("bidder2", "1010000.00")] {
        let (s, v) = bid(&app, user, id_below, price).await;
        assert_eq!(s, 201, "{v}");
    }
    for (user, price) in [
        ("bidder1", "1000000.00"),
        ("bidder2", "1010000.00"),
        ("bidder1", "1020000.00"),
    ] {
        let (s, v) = bid(&app, user, id_reached, price).await;
        assert_eq!(s, 201, "{v}");
    }

    app.clock().set(at(start) + Duration::hours(1));
    // One increment below the reserve: terminated (流拍), no deal, no contract.
    let v = wait_phase(&app, id_below, "failed").await;
    assert_eq!(v["outcome"], "reserve_not_met", "{v}");
    // Exactly the reserve: the highest bidder wins.
    let v = wait_phase(&app, id_reached, "deal").await;
    assert_eq!(v["current_price"], "1020000.00", "{v}");
    app.seal().await;
    let failed = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM events WHERE event_type = 'auctions.auction.failed' AND aggregate_id = '{id_below}'"
        ))
        .await;
    assert_eq!(failed, 1);
    // A terminated auction is not re-listed as a listing round.
    let (s, v) = post_staff(
        &app,
        &format!("/api/v1/auctions/{id_below}/relist"),
        json!({"kind": "extend", "listing_end": "2026-05-29T17:00:00+08:00"}),
    )
    .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("auctions.relist_auction_procedure")),
        "{v}"
    );
    let deals = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM auction_deals WHERE auction_id = '{id_reached}' AND via = 'auction'"
        ))
        .await;
    assert_eq!(deals, 1);
    let staff = app.login("staff").await;
    let (s, v) = app
        .get(
            Some(&staff),
            &format!("/api/v1/auctions/{id_below}/contract"),
        )
        .await;
    assert_eq!(s, 404, "{v}");
    // The deal opens the land contract (国土资发〔2010〕34号): due the 10th working day after
    // Monday 03-23, 清明 (04-04..06) skipped: Tuesday 04-07.
    let (s, v) = app
        .get(
            Some(&staff),
            &format!("/api/v1/auctions/{id_reached}/contract"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["price"].as_str(), v["sign_due_date"].as_str()),
        (Some("1020000.00"), Some("2026-04-07")),
        "{v}"
    );
    assert_eq!(view(&app, id_reached).await["outcome"], "deal");
    app.stop().await;
}

/// 39号令 第十六条 (2002 text; unconfirmed for the 2007 text; the `auction_procedure_rules` row of
/// `land_auction`): a land auction whose eligible bidders at its start — a bidder number and a
/// confirmed eligibility (竞买资格确认) — are fewer than 3 is terminated before any bid. Two lots
/// with three numbered bidders each: on the first all three are confirmed and the auction runs;
/// on the second the third is numbered but not confirmed, so at 00:00 of the start the auction is
/// `failed` with outcome `too_few_bidders` (`auctions.auction.failed`), bids and a late
/// confirmation are refused, and deposits settle every bidder's refund.
#[tokio::test]
async fn a_land_auction_runs_with_3_eligible_bidders_and_is_terminated_at_its_start_with_2() {
    let app = TestApp::spawn().await;
    let deadline = "2026-03-20T17:00:00+08:00";
    let runs = lot_with(&app, "land", "land_auction", deadline, 3).await;
    let short = lot_with(&app, "land", "land_auction", deadline, 3).await;
    let start = "2026-03-23T00:00:00+08:00";
    let mut ids = Vec::new();
    for lot in [&runs, &short] {
        let (s, v) = post_staff(
            &app,
            "/api/v1/auctions/live",
            auction(&lot.sid, start, "1000000.00"),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let (id_runs, id_short) = (&ids[0], &ids[1]);
    assert_eq!(app.confirm_land_bidders(id_runs).await, 3);
    // The short lot: bidders 001 and 002 confirmed, 003 numbered but not confirmed.
    let staff = app.login("staff").await;
    let (s, bidders) = app
        .get(
            Some(&staff),
            &format!("/api/v1/auctions/sections/{}/bidders", short.sid),
        )
        .await;
    assert_eq!(s, 200, "{bidders}");
    let mut numbered: Vec<(String, String)> = bidders
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["number"].is_string())
        .map(|b| {
            (
                b["number"].as_str().unwrap().to_string(),
                b["org_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    numbered.sort();
    assert_eq!(numbered.len(), 3, "{bidders}");
    for (_, org) in &numbered[..2] {
        let (s, v) = post_staff(
            &app,
            &format!("/api/v1/auctions/{id_short}/eligibility"),
            json!({"org_id": org}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }
    // Before the start both are in the auction phase (nobody bids yet).
    assert_eq!(view(&app, id_short).await["phase"], "auction");

    app.clock().set(at(start));
    let v = wait_phase(&app, id_short, "failed").await;
    assert_eq!(v["outcome"], "too_few_bidders", "{v}");
    // Three eligible: the auction runs and takes bids.
    let (s, v) = bid(&app, "bidder1", id_runs, "1000000.00").await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(view(&app, id_runs).await["phase"], "auction");
    // Terminated: no bid, and a late confirmation of the third bidder changes nothing.
    let (s, v) = bid(&app, "bidder1", id_short, "1000000.00").await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("auctions.not_open")),
        "{v}"
    );
    let (s, v) = post_staff(
        &app,
        &format!("/api/v1/auctions/{id_short}/eligibility"),
        json!({"org_id": numbered[2].1}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(view(&app, id_short).await["outcome"], "too_few_bidders");
    app.seal().await;
    let failed = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM events WHERE event_type = 'auctions.auction.failed' \
             AND aggregate_id = '{id_short}' AND payload LIKE '%too_few_bidders%'"
        ))
        .await;
    assert_eq!(failed, 1);
    let bids = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM auction_bids WHERE auction_id = '{id_short}'"
        ))
        .await;
    assert_eq!(bids, 0);
    // Deposits react to the failure whatever its outcome: every bidder's refund is settled.
    let mut settled = 0;
    for () in ggzy_api_tests::patience() {
        app.seal().await;
        settled = app
            .scalar_i64(&format!(
                "SELECT COUNT(*) FROM deposit_settlements WHERE section_id = '{}' \
                 AND event_type = 'auctions.auction.failed'",
                short.sid
            ))
            .await;
        if settled == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(settled, 3);
    app.stop().await;
}

/// A mining-right listing (矿业权挂牌出让) announced Monday 2026-03-16: the announcement lasts 20
/// working days, across 清明 (Saturday 04-04 to Monday 04-06), so the listing may start on Tuesday
/// 04-14 at the earliest (Monday 04-13 23:59:59 refused), and lasts 10 working days (to Tuesday
/// 04-28; Monday 04-27 refused). One quote at the reserve: a deal by listing, without the land-use
/// contract step (a mining right is not a land-use right).
#[tokio::test]
async fn a_mining_listing_waits_20_working_days_across_qingming_and_deals_without_a_land_contract()
{
    let app = TestApp::spawn().await;
    app.clock().set(at("2026-03-16T09:00:00+08:00"));
    let lot = lot_with(
        &app,
        "land",
        "mining_listing",
        "2026-04-28T17:00:00+08:00",
        1,
    )
    .await;
    let listing = |start: &str, end: &str| {
        json!({"section_id": lot.sid, "listing_start": start, "listing_end": end,
               "starting_price": "1000000.00", "increment": "10000.00",
               "reserve_price": "1000000.00"})
    };
    for (start, end, field, rule) in [
        (
            "2026-04-13T23:59:59+08:00",
            "2026-04-28T09:00:00+08:00",
            "listing_start",
            "auctions.mining_announcement_period",
        ),
        (
            "2026-04-14T00:00:00+08:00",
            "2026-04-27T23:00:00+08:00",
            "listing_end",
            "auctions.mining_listing_period",
        ),
    ] {
        let (s, v) = post_staff(&app, "/api/v1/auctions", listing(start, end)).await;
        assert_eq!(s, 422, "{v}");
        let errors = v["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{v}");
        assert_eq!(
            (errors[0]["field"].as_str(), errors[0]["rule"].as_str()),
            (Some(field), Some(rule)),
            "{v}"
        );
    }
    // The live-auction endpoint does not run a listing procedure.
    let (s, v) = post_staff(
        &app,
        "/api/v1/auctions/live",
        auction(&lot.sid, "2026-04-14T00:00:00+08:00", "1000000.00"),
    )
    .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("auctions.procedure_is_listing")),
        "{v}"
    );
    let (s, v) = post_staff(
        &app,
        "/api/v1/auctions",
        listing("2026-04-14T00:00:00+08:00", "2026-04-28T09:00:00+08:00"),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(app.confirm_land_bidders(&id).await, 1);

    app.clock().set(at("2026-04-14T10:00:00+08:00"));
    let (s, v) = bid(&app, "bidder1", &id, "1000000.00").await;
    assert_eq!(s, 201, "{v}");
    app.clock().set(at("2026-04-28T09:00:01+08:00"));
    let v = wait_phase(&app, &id, "deal").await;
    assert_eq!(v["current_price"], "1000000.00", "{v}");
    app.seal().await;
    let deals = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM auction_deals WHERE auction_id = '{id}' AND via = 'listing'"
        ))
        .await;
    assert_eq!(deals, 1);
    let contracts = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM land_contracts WHERE auction_id = '{id}'"
        ))
        .await;
    assert_eq!(contracts, 0);
    // The result publicity (结果公示) of the deal announcement: the draft states it; published the
    // next day, an end one second short of 24:00 of the 10th working day is refused, 24:00 of it
    // is accepted.
    app.drain_consumer("publishing.lifecycle").await;
    let d = crate::auction_settlement::draft_of(&app, &lot.project_id, "deal").await;
    let id = d["id"].as_str().unwrap().to_string();
    let drafted = d["fields"]["publicity_end_at"].as_str().unwrap_or_default();
    assert!(!drafted.is_empty(), "{d}");
    let publish = at("2026-04-29T10:00:00+08:00");
    app.clock().set(publish);
    let cal = ggzy_core::calendar::BusinessCalendar::official();
    let end = ggzy_core::period::ends_at(&cal, publish, ggzy_core::period::Days::working(10)).value;
    assert!(
        at(drafted) >= end,
        "the draft's end {drafted} is valid: {end}"
    );
    let (tenderer, staff) = (app.login("tenderer").await, app.login("staff").await);
    let url = format!("/api/v1/announcements/{id}");
    for (end, status) in [(end - Duration::seconds(1), 422), (end, 200)] {
        let mut edit = json!({"market": "land", "type": "deal", "title": d["title"],
                              "body": d["body"], "fields": d["fields"].clone()});
        edit["fields"]["publicity_end_at"] = json!(end.to_rfc3339());
        let (s, v) = app.put(Some(&tenderer), &url, edit).await;
        assert_eq!(s, 200, "{v}");
        if v["status"] != "submitted" {
            let (s, v) = app
                .post(Some(&tenderer), &format!("{url}/submit"), json!({}))
                .await;
            assert_eq!(s, 200, "{v}");
        }
        let (s, v) = app
            .post(Some(&staff), &format!("{url}/approve"), json!({}))
            .await;
        assert_eq!(s, status, "{end}: {v}");
        if status == 422 {
            assert!(
                v.to_string()
                    .contains("announcement.mining_result_publicity"),
                "{v}"
            );
            assert!(v.to_string().contains("fields.publicity_end_at"), "{v}");
            // Staff return it to its owner, who corrects it.
            let (s, v) = app
                .post(
                    Some(&staff),
                    &format!("{url}/return"),
                    json!({"reason": "公示期不足10个工作日"}),
                )
                .await;
            assert_eq!(s, 200, "{v}");
        } else {
            assert_eq!(v["status"], "published", "{v}");
        }
    }
    // The procedure's stages are public data.
    let (s, v) = app.get(None, "/api/v1/procedures").await;
    assert_eq!(s, 200, "{v}");
    let text = v.to_string();
    assert!(
        text.contains("mining_listing") && text.contains("land_auction"),
        "{v}"
    );
    app.stop().await;
}

// --- 矿业权招标出让 (mining_tender)

/// A mining tender (矿业权招标出让) of one section, announced with its documents on Monday
/// 2026-03-16 09:00, bids due and opened at `deadline`.
fn mining_tender(name: &str, deadline: &str) -> Value {
    let mut b = ggzy_api_tests::fixtures::one_section_project(
        name,
        "land",
        "2026-03-20T17:00:00+08:00",
        deadline,
    );
    b["procedure"] = json!("mining_tender");
    b["tenderer_name"] = json!("大连市自然资源局");
    b["sections"][0]["docs_issue_at"] = json!("2026-03-16T09:00:00+08:00");
    b
}

/// A mining tender registered through the API and opened for bidding by staff.
async fn mining_trade(app: &TestApp, name: &str, deadline: &str) -> crate::award::Trade {
    let r = app.register_project(mining_tender(name, deadline)).await;
    assert_eq!(r.approved["procedure"], "mining_tender", "{}", r.approved);
    let t = crate::award::Trade {
        project_id: r.project_id,
        section_id: r.section_id,
        tenderer: r.tenderer,
        staff: r.staff,
        bidders: Vec::new(),
    };
    crate::award::open_by_staff(app, &t).await;
    t
}

/// A mining tender runs on the sealed-bid path of a land tender with the mining rules:
/// - the tender announcement at least 20 working days before the bid deadline (矿业权出让交易规则,
///   as mining_listing's): announced Monday 03-16, 清明 (04-04..06) not counted, a deadline at
///   23:59:59 of Monday 04-13 is refused at submission (`procedure.mining_announcement_period`,
///   nothing registered), one at 00:00 of Tuesday 04-14 accepted; a construction project may not
///   use the procedure (`procedure.market`);
/// - at the opening 3 bids open, 2 fail the section (招标投标法 28, 实施条例 44: the opening rule
///   of every tender, land included);
/// - evaluation, candidate publicity and award as a land tender; the award opens no land-use
///   contract (国土资发〔2010〕34号 is a land rule);
/// - the result (成交公告 drafted from the award) states its publicity, which must reach 24:00 of
///   the 10th working day after its publication (`announcement.mining_result_publicity`).
#[tokio::test]
async fn a_mining_tender_is_announced_20_working_days_ahead_and_awarded_without_a_land_contract() {
    use crate::award::{at as at_bj, register_and_bid, submit_result, travel, wait_state};
    use base64::Engine as _;
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;

    // The tenderer's registration page offers it next to the other mining procedures.
    let mut visitor = ggzy_api_tests::pages::Visitor::new(&app);
    visitor.sign_in("tenderer").await;
    let page = visitor.get("/tenderer/projects/new").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for option in [
        "value=\"mining_listing\"",
        "value=\"mining_tender\"",
        "矿业权招标出让",
    ] {
        assert!(page.body.contains(option), "{option}: {}", page.body);
    }

    // Not a procedure of the construction market.
    let mut wrong = mining_tender("矿业权招标 施工", "2026-04-14T09:30:00+08:00");
    wrong["market"] = json!("construction");
    let (s, v) = app.post(Some(&tenderer), "/api/v1/projects", wrong).await;
    assert_eq!(s, 422, "{v}");
    assert!(
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "procedure" && e["rule"] == "procedure.market"),
        "{v}"
    );

    // The last refused instant: 23:59:59 of Monday 04-13 (the 19th working day).
    let (s, p) = app
        .post(
            Some(&tenderer),
            "/api/v1/projects",
            mining_tender("矿业权招标 短", "2026-04-13T23:59:59+08:00"),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let short = p["id"].as_str().unwrap().to_string();
    let (s, v) = app
        .post(
            Some(&tenderer),
            &format!("/api/v1/projects/{short}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{v}");
    assert_eq!(
        (errors[0]["field"].as_str(), errors[0]["rule"].as_str()),
        (
            Some("sections[0].bid_deadline"),
            Some("procedure.mining_announcement_period")
        ),
        "{v}"
    );
    assert!(v.to_string().contains("自然资规〔2023〕1号"), "{v}");
    let (s, p) = app
        .get(Some(&tenderer), &format!("/api/v1/projects/{short}"))
        .await;
    assert_eq!((s, p["status"].as_str()), (200, Some("draft")), "{p}");

    // The first accepted instant: 00:00 of Tuesday 04-14. Two such tenders: one gets 3 bids,
    // the other 2.
    let deadline = "2026-04-14T00:00:00+08:00";
    let mut t = mining_trade(&app, "矿业权招标 甲", deadline).await;
    let mut few = mining_trade(&app, "矿业权招标 乙", deadline).await;
    travel(&app, &mut t, at_bj("2026-03-16T10:00:00+08:00")).await;
    register_and_bid(&app, &mut t).await;
    register_and_bid(&app, &mut few).await;
    let token = app.login("bidder3").await;
    let (s, v) = app
        .delete(
            Some(&token),
            &format!("/api/v1/sections/{}/bids/mine", few.section_id),
        )
        .await;
    assert!(s == 200 || s == 204, "{s}: {v}");

    travel(&app, &mut t, at_bj(deadline) + Duration::seconds(1)).await;
    few.tenderer = t.tenderer.clone();
    wait_state(&app, &few, "failed").await;
    let failed = crate::award::wait_event(&app, "projects.section.failed", &few.section_id).await;
    assert_eq!(
        (
            failed["reason"].as_str(),
            failed["bid_count"].as_i64(),
            failed["min_bids"].as_i64()
        ),
        (Some("too_few_bids"), Some(2), Some(3)),
        "{failed}"
    );
    wait_state(&app, &t, "opening").await;
    for b in &t.bidders {
        let (s, v) = app
            .post(
                Some(&b.token),
                &format!("/api/v1/sections/{}/bids/mine/key", t.section_id),
                json!({"key": base64::engine::general_purpose::STANDARD.encode(&b.key)}),
            )
            .await;
        assert_eq!(s, 200, "{}: {v}", b.name);
    }
    wait_state(&app, &t, "evaluating").await;
    let (s, p) = submit_result(&app, &t, 3).await;
    assert_eq!(s, 201, "{p}");
    travel(
        &app,
        &mut t,
        at_bj(p["publicity_ends_at"].as_str().unwrap()) + Duration::hours(9),
    )
    .await;
    let (s, a) = crate::award::post_award(&app, &t, json!({})).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["winner_org_id"], t.bidders[1].org_id.as_str(), "{a}");
    let awarded = crate::award::wait_event(&app, "projects.award.confirmed", &t.section_id).await;
    assert_eq!(awarded["procedure"], "mining_tender", "{awarded}");

    // No land-use contract: that step belongs to a land deal (国土资发〔2010〕34号).
    app.seal().await;
    let contracts = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM land_contracts WHERE section_id = '{}'",
            t.section_id
        ))
        .await;
    assert_eq!(contracts, 0);
    let opened = crate::award::events(&app, "auctions.land_contract.opened", &t.section_id).await;
    assert!(opened.is_empty(), "{opened:?}");

    // The result announcement (成交公告 of a land market award) states the mining publicity;
    // published the next morning, an end one second short of 24:00 of the 10th working day is
    // refused, 24:00 of it accepted.
    app.drain_consumer("publishing.lifecycle").await;
    let d = crate::auction_settlement::draft_of(&app, &t.project_id, "deal").await;
    let id = d["id"].as_str().unwrap().to_string();
    let drafted = d["fields"]["publicity_end_at"].as_str().unwrap_or_default();
    assert!(!drafted.is_empty(), "the draft states the publicity: {d}");
    let publish = app.clock().now() + Duration::hours(1);
    app.clock().set(publish);
    let cal = ggzy_core::calendar::BusinessCalendar::official();
    let end = ggzy_core::period::ends_at(&cal, publish, ggzy_core::period::Days::working(10)).value;
    assert!(
        at(drafted) >= end,
        "the draft's end {drafted} is valid: {end}"
    );
    let (tenderer, staff) = (app.login("tenderer").await, app.login("staff").await);
    let url = format!("/api/v1/announcements/{id}");
    for (end, status) in [(end - Duration::seconds(1), 422), (end, 200)] {
        let mut edit = json!({"market": "land", "type": "deal", "title": d["title"],
                              "body": d["body"], "fields": d["fields"].clone()});
        edit["fields"]["publicity_end_at"] = json!(end.to_rfc3339());
        let (s, v) = app.put(Some(&tenderer), &url, edit).await;
        assert_eq!(s, 200, "{v}");
        if v["status"] != "submitted" {
            let (s, v) = app
                .post(Some(&tenderer), &format!("{url}/submit"), json!({}))
                .await;
            assert_eq!(s, 200, "{v}");
        }
        let (s, v) = app
            .post(Some(&staff), &format!("{url}/approve"), json!({}))
            .await;
        assert_eq!(s, status, "{end}: {v}");
        if status == 422 {
            assert!(
                v.to_string()
                    .contains("announcement.mining_result_publicity"),
                "{v}"
            );
            assert!(v.to_string().contains("fields.publicity_end_at"), "{v}");
            let (s, v) = app
                .post(
                    Some(&staff),
                    &format!("{url}/return"),
                    json!({"reason": "公示期不足10个工作日"}),
                )
                .await;
            assert_eq!(s, 200, "{v}");
        } else {
            assert_eq!(v["status"], "published", "{v}");
        }
    }
    // The procedure's stages are public data.
    let (s, v) = app.get(None, "/api/v1/procedures").await;
    assert_eq!(s, 200, "{v}");
    let tender = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["market"] == "land" && p["procedure"] == "mining_tender")
        .unwrap_or_else(|| panic!("{v}"))
        .clone();
    let stages: Vec<&str> = tender["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert!(
        stages.contains(&"sealed_bids") && stages.contains(&"result_publicity"),
        "{tender}"
    );
    app.stop().await;
}
