//! Settlement of land and property deals through the real APIs, end to end: the tenderer registers
//! the lot, staff approve it, the transfer announcement is published through publishing, bidders
//! register through projects and pay their bidding deposits (竞买保证金) by signed bank callbacks,
//! staff list the lot, bidders quote, the listing goes to an online auction and ends in a deal.
//! Then: the winner's deposit becomes part of the price (国土资源部令第39号 第二十一条: 抵作土地出让价款)
//! in the ledger and in its deposit view, once even when the deal event is delivered again; the
//! other bidders are refunded once, within 5 working days and without interest (39号令 21), with
//! the overdue boundary on the 5th / 6th working day; the deal announcement (成交公告) is drafted
//! with the locked facts and published through the staff workflow. A failed property listing
//! refunds everyone and drafts the failure notice (流拍公告).

use chrono::{DateTime, Duration, Utc};
use ggzy_api_tests::fixtures::BANK_KEY;
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};
use sqlx::Row;

/// The lot's bid deadline (registration, 报名) = the listing end: land — listed from the 20th day
/// after the announcement of Monday 2 March (39号令 10; that day is Sunday 22 March, so Monday 23
/// March, 民法典 203) for 10 days, to Thursday 2 April; property — a disclosure of 20 working days
/// (32号令 13) that must reach 24:00 of Monday 30 March: to Tuesday 31 March.
const LAND_DEADLINE: &str = "2026-04-02T09:00:00+08:00";
const PROPERTY_DEADLINE: &str = "2026-03-31T09:00:00+08:00";
const DEPOSIT: &str = "200000.00";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A signed bank callback (transfer or refund confirmation).
async fn bank_call(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    let bank = app.login("bank").await;
    let now = app.clock().now().timestamp();
    app.bank_post(&bank, path, &body.to_string(), now, BANK_KEY)
        .await
}

struct Lot {
    project_id: String,
    section_id: String,
    name: String,
}

/// The tenderer registers a land or property project with one lot; staff approve it; the transfer
/// announcement (land_transfer / property_disclosure) is published through publishing's API, which
/// opens the lot for registration (projects consumes the announcement).
async fn announced_lot(app: &TestApp, market: &str) -> Lot {
    let tenderer = app.login("tenderer").await;
    let name = if market == "land" {
        "甘井子区 2026-01 号地块国有建设用地使用权"
    } else {
        "大连某国有公司 100% 股权"
    };
    let deadline = if market == "land" {
        LAND_DEADLINE
    } else {
        PROPERTY_DEADLINE
    };
    let body = json!({
        "name": name,
        "market": market,
        "procedure": "listing",
        "tenderer_uscc": "91110000802100433B",
        "tenderer_name": "大连市自然资源局",
        "sections": [{
            "name": "一号标的",
            "estimated_price": "1000000.00",
            "deposit": DEPOSIT,
            "docs_issue_at": "2026-03-02T09:00:00+08:00",
            "docs_sale_end_at": "2026-03-09T17:00:00+08:00",
            "bid_deadline": deadline,
            "opening_at": deadline,
        }],
    });
    let ann = if market == "land" {
        json!({"market": "land", "type": "land_transfer", "title": "国有建设用地使用权挂牌出让公告",
            "body": "挂牌出让", "fields": {"transferor": "大连市自然资源局", "parcel": name,
            "bidder_qualification": "境内外法人", "documents_access": "平台下载", "trading_method": "挂牌",
            "start_price": "1000000.00", "deposit": DEPOSIT, "docs_available_at": "2026-03-02T09:00:00+08:00",
            "trading_start_at": "2026-03-23T09:00:00+08:00"}})
    } else {
        json!({"market": "property", "type": "property_disclosure", "title": "股权转让信息披露",
            "body": "披露", "fields": {"subject": name, "transferor": "某国有集团",
            "approval": "国资委批复", "buyer_qualification": "依法存续的企业法人",
            "floor_price": "1000000.00", "disclosure_end_at": "2026-03-31T18:00:00+08:00"}})
    };
    let (reg, _) = app.announced_listing(body, ann).await;
    let (project_id, section_id) = (reg.project_id, reg.section_id);
    let lot = Lot {
        project_id,
        section_id,
        name: name.to_string(),
    };
    let mut state = Value::Null;
    for () in ggzy_api_tests::patience() {
        let (_, p) = app
            .get(
                Some(&tenderer),
                &format!("/api/v1/projects/{}", lot.project_id),
            )
            .await;
        state = p["sections"][0]["state"].clone();
        if state == "bidding" {
            return lot;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    panic!("the lot stayed {state} after the announcement");
}

async fn org_of(app: &TestApp, user: &str) -> String {
    let token = app.login(user).await;
    let (s, me) = app.get(Some(&token), "/api/v1/auth/me").await;
    assert_eq!(s, 200, "{me}");
    me["org_id"].as_str().unwrap().to_string()
}

/// Each bidder registers through projects, opens its virtual account and pays `amount` by a signed
/// bank callback; returns once the auctions area numbered them all (registered + deposit valid).
async fn bidders_pay(app: &TestApp, lot: &Lot, payers: &[(&str, &str)]) {
    crate::award::projection_ready(app).await;
    for (i, (user, amount)) in payers.iter().enumerate() {
        let token = app.login(user).await;
        let (s, v) = app
            .post(
                Some(&token),
                &format!("/api/v1/sections/{}/registrations", lot.section_id),
                json!({}),
            )
            .await;
        assert_eq!(s, 201, "{user}: {v}");
        let mut account = None;
        for () in ggzy_api_tests::patience() {
            let (s, v) = app
                .post(
                    Some(&token),
                    "/api/v1/deposits/accounts",
                    json!({"section_id": lot.section_id}),
                )
                .await;
            if s != 404 {
                assert!(s == 200 || s == 201, "{v}");
                account = Some(v["account_no"].as_str().unwrap().to_string());
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let account = account.expect("deposits never saw the lot");
        let (s, v) = bank_call(
            app,
            "/api/v1/bank/callbacks/transfers",
            &json!({"transaction_id": format!("IN-{}-{i}", lot.section_id), "account_no": account,
                    "payer_account_no": format!("6222000000000000{i}"), "payer_name": user,
                    "amount": amount, "value_at": app.clock().now().to_rfc3339()}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["status"], "credited", "{v}");
    }
    app.seal().await;
    let staff = app.login("staff").await;
    for () in ggzy_api_tests::patience() {
        let (s, v) = app
            .get(
                Some(&staff),
                &format!("/api/v1/auctions/sections/{}/bidders", lot.section_id),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let numbered = v
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["number"].is_string())
            .count();
        if numbered == payers.len() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the auctions area never numbered the bidders");
}

async fn listing(app: &TestApp, lot: &Lot, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    let staff = app.login("staff").await;
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/auctions",
            json!({"section_id": lot.section_id, "listing_start": start.to_rfc3339(),
                   "listing_end": end.to_rfc3339(), "starting_price": "1000000.00",
                   "increment": "10000.00", "free_bid_minutes": 10, "extension_minutes": 5,
                   "appraisal_value": "1000000.00"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    app.confirm_land_bidders(&id).await;
    id
}

async fn quote(app: &TestApp, user: &str, id: &str, price: &str) {
    let token = app.login(user).await;
    let (s, v) = app
        .post(
            Some(&token),
            &format!("/api/v1/auctions/{id}/bids"),
            json!({"price": price}),
        )
        .await;
    assert_eq!(s, 201, "{user} {price}: {v}");
}

async fn wait_phase(app: &TestApp, id: &str, phase: &str) -> Value {
    let token = app.login("staff").await;
    let mut v = Value::Null;
    for () in ggzy_api_tests::patience() {
        let (s, got) = app
            .get(Some(&token), &format!("/api/v1/auctions/{id}"))
            .await;
        assert_eq!(s, 200, "{got}");
        v = got;
        if v["phase"] == phase {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("auction {id} never reached {phase}: {v}");
}

/// Wait until `consumer` has handled every sealed event it wants.
async fn caught_up(app: &TestApp, consumer: &str) {
    app.wait_consumer(consumer).await;
}

async fn settled(app: &TestApp) {
    caught_up(app, "deposits.projection").await;
    caught_up(app, "publishing.lifecycle").await;
}

/// The daily refund job, run now (as the cron would at 09:30 Shanghai).
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

/// The lot's section state in the projects view of its project.
async fn section_state(app: &TestApp, lot: &Lot) -> String {
    let staff = app.login("staff").await;
    let (s, v) = app
        .get(
            Some(&staff),
            &format!("/api/v1/projects/{}", lot.project_id),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v["sections"][0]["state"].as_str().unwrap().to_string()
}

/// The first `event_type` event about the section, waiting for it (another area's consumer).
async fn wait_section_event(app: &TestApp, event_type: &str, section_id: &str) -> Value {
    for () in ggzy_api_tests::patience() {
        if let Some(e) = events_of(app, event_type, section_id).await.pop() {
            return e;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    panic!("no {event_type} for section {section_id}");
}

async fn events_of(app: &TestApp, event_type: &str, section_id: &str) -> Vec<Value> {
    app.seal().await;
    ggzy_store::outbox::read_after(app.ctx.db.pool(), 0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == event_type && e.payload["section_id"] == section_id)
        .map(|e| e.payload)
        .collect()
}

async fn balances(app: &TestApp) -> Value {
    let staff = app.login("staff").await;
    let (s, tb) = app
        .get(Some(&staff), "/api/v1/deposits/ledger/trial-balance")
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

async fn refunds(app: &TestApp, section_id: &str) -> Vec<Value> {
    let staff = app.login("staff").await;
    let (s, v) = app
        .get(
            Some(&staff),
            &format!("/api/v1/deposits/refunds?section_id={section_id}"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

fn refund_of<'a>(list: &'a [Value], org_id: &str) -> &'a Value {
    list.iter()
        .find(|r| r["org_id"] == org_id)
        .unwrap_or_else(|| panic!("no refund for {org_id} in {list:?}"))
}

async fn pay(app: &TestApp, r: &Value, txn: &str) -> (u16, Value) {
    bank_call(
        app,
        "/api/v1/bank/callbacks/refunds",
        &json!({"refund_id": r["id"], "bank_txn_id": txn, "amount": r["total"],
                "paid_at": app.clock().now().to_rfc3339()}),
    )
    .await
}

/// Re-deliver an event exactly as it was (same payload), as a replayed or duplicated delivery
/// would.
async fn redeliver(app: &TestApp, event_type: &str, payload: Value) {
    let mut tx = app.ctx.db.begin().await.unwrap();
    ggzy_store::emit(
        &mut tx,
        &app.ctx.db,
        &ggzy_core::events::ActorRef::system("test.redelivery"),
        app.clock().now(),
        ggzy_core::events::NewEvent::new(event_type, "auction", "redelivered", payload),
    )
    .await
    .unwrap();
    app.ctx.db.commit(tx).await.unwrap();
}

/// The announcement of `ann_type` the publishing area drafted for the project (waits for it).
pub(crate) async fn draft_of(app: &TestApp, project_id: &str, ann_type: &str) -> Value {
    let tenderer = app.login("tenderer").await;
    for () in ggzy_api_tests::patience() {
        let r = sqlx::query(
            "SELECT id FROM announcements WHERE ann_type = $1 AND project_id = $2 AND source_event IS NOT NULL",
        )
        .bind(ann_type)
        .bind(project_id)
        .fetch_optional(app.ctx.db.pool())
        .await
        .unwrap();
        if let Some(r) = r {
            let id: String = r.try_get(0).unwrap();
            let (s, v) = app
                .get(Some(&tenderer), &format!("/api/v1/announcements/{id}"))
                .await;
            assert_eq!(s, 200, "{v}");
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no {ann_type} draft for project {project_id}");
}

#[tokio::test]
async fn a_land_deal_converts_the_winners_deposit_refunds_the_others_within_5_working_days_and_drafts_the_deal_notice(
) {
    let app = TestApp::spawn().await;
    let lot = announced_lot(&app, "land").await;
    let (w, l2, l3) = (
        org_of(&app, "bidder1").await,
        org_of(&app, "bidder2").await,
        org_of(&app, "bidder3").await,
    );
    // bidder1 pays 0.50 more than the deposit: that part is refunded, not converted.
    bidders_pay(
        &app,
        &lot,
        &[
            ("bidder1", "200000.50"),
            ("bidder2", DEPOSIT),
            ("bidder3", DEPOSIT),
        ],
    )
    .await;
    let now = app.clock().now();
    let end = now + Duration::days(31);
    let id = listing(&app, &lot, now + Duration::days(21), end).await;
    app.clock().advance(Duration::days(21));
    quote(&app, "bidder2", &id, "1000000.00").await;
    quote(&app, "bidder1", &id, "1010000.00").await;
    // Several bidders still competing at the listing end (Thursday 2026-04-02): online auction.
    app.clock().set(end);
    wait_phase(&app, &id, "auction").await;
    quote(&app, "bidder2", &id, "1020000.00").await;
    quote(&app, "bidder1", &id, "1030000.00").await;
    let v = wait_phase(&app, &id, "auction").await;
    app.clock().set(at(v["ends_at"].as_str().unwrap()));
    let v = wait_phase(&app, &id, "deal").await;
    assert_eq!(v["current_price"], "1030000.00");
    settled(&app).await;
    let deal = events_of(&app, "auctions.deal.confirmed", &lot.section_id)
        .await
        .pop()
        .expect("deal confirmed");
    assert_eq!(deal["winner_org_id"], w);
    // projects follows the deal (its listing section has no opening, no 流标, no tender award).
    let concluded = wait_section_event(&app, "projects.section.concluded", &lot.section_id).await;
    assert_eq!(concluded["deal_id"], deal["deal_id"]);
    assert_eq!(concluded["winner_org_id"], w);
    assert_eq!(concluded["price"], "1030000.00");
    assert_eq!(concluded["via"], "auction");
    assert_eq!(section_state(&app, &lot).await, "awarded");
    assert!(events_of(&app, "projects.section.failed", &lot.section_id)
        .await
        .is_empty());
    assert!(events_of(&app, "projects.award.confirmed", &lot.section_id)
        .await
        .is_empty());

    // The winner's deposit is now part of the price: its view and the ledger show it.
    let b1 = app.login("bidder1").await;
    let (s, rows) = app
        .get(
            Some(&b1),
            &format!("/api/v1/deposits/status?section_id={}", lot.section_id),
        )
        .await;
    assert_eq!(s, 200, "{rows}");
    assert_eq!(
        rows.as_array().unwrap().len(),
        1,
        "only its own row: {rows}"
    );
    assert_eq!(rows[0]["converted"], DEPOSIT, "{rows}");
    assert_eq!(rows[0]["deal_id"], deal["deal_id"], "{rows}");
    let b2 = app.login("bidder2").await;
    let (_, rows2) = app
        .get(
            Some(&b2),
            &format!("/api/v1/deposits/status?section_id={}", lot.section_id),
        )
        .await;
    assert_eq!(rows2[0]["converted"], "0.00", "{rows2}");
    let bal = balances(&app).await;
    assert_eq!(bal["price_payment"], DEPOSIT, "{bal}");
    assert_eq!(bal["deposit_liability"], "400000.50", "{bal}");
    let conv = events_of(&app, "deposits.deposit.converted", &lot.section_id).await;
    assert_eq!(conv.len(), 1, "{conv:?}");
    assert_eq!(
        (&conv[0]["org_id"], &conv[0]["amount"], &conv[0]["deal_id"]),
        (&json!(w), &json!(DEPOSIT), &deal["deal_id"])
    );
    assert_eq!(conv[0]["remaining_price"], "830000.00");

    // The same deal delivered again converts and settles nothing more.
    redeliver(&app, "auctions.deal.confirmed", deal.clone()).await;
    settled(&app).await;
    assert_eq!(
        events_of(&app, "deposits.deposit.converted", &lot.section_id)
            .await
            .len(),
        1
    );
    assert_eq!(balances(&app).await["price_payment"], DEPOSIT);

    // The refund job (twice: idempotent): the two losers and the winner's 0.50, due 5 working
    // days after the deal of Thursday 04-02 — Qingming (04-04..06) is skipped: Friday 2026-04-10;
    // no interest.
    run_refund_job(&app).await;
    run_refund_job(&app).await;
    let list = refunds(&app, &lot.section_id).await;
    assert_eq!(list.len(), 3, "{list:?}");
    for (org, amount) in [(&l2, DEPOSIT), (&l3, DEPOSIT), (&w, "0.50")] {
        let r = refund_of(&list, org);
        assert_eq!(r["amount"], amount, "{r}");
        assert_eq!(r["interest"], "0.00", "39号令 21: 不计利息 {r}");
        assert_eq!(r["total"], amount, "{r}");
        assert_eq!(r["reason"], "land_auction_ended");
        assert_eq!(r["basis"], "国土资源部令第39号 第二十一条");
        assert_eq!(r["due_date"], "2026-04-10");
        assert_eq!(r["status"], "instructed");
    }
    let bal = balances(&app).await;
    assert_eq!(bal["deposit_liability"], "0.00", "{bal}");
    assert_eq!(bal["refunds_payable"], "400000.50", "{bal}");
    assert_eq!(bal["price_payment"], DEPOSIT, "{bal}");

    // The bank pays bidder2 on the last day on time, exactly once.
    app.clock().set(at("2026-04-10T10:00:00+08:00"));
    let r2 = refund_of(&list, &l2).clone();
    let (s, v) = pay(&app, &r2, "OUT-2").await;
    assert_eq!((s, &v["duplicate"]), (200, &json!(false)), "{v}");
    let (s, v) = pay(&app, &r2, "OUT-2").await;
    assert_eq!((s, &v["duplicate"]), (200, &json!(true)), "{v}");
    let paid = events_of(&app, "deposits.refund.paid", &lot.section_id).await;
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0]["late"], false);
    // bidder3 unpaid: not overdue on the 5th working day, overdue on the next day.
    run_refund_job(&app).await;
    let list = refunds(&app, &lot.section_id).await;
    assert_eq!(refund_of(&list, &l3)["overdue"], false);
    app.clock().set(at("2026-04-11T09:30:00+08:00"));
    run_refund_job(&app).await;
    let list = refunds(&app, &lot.section_id).await;
    assert_eq!(refund_of(&list, &l3)["overdue"], true);
    assert_eq!(refund_of(&list, &l2)["overdue"], false);
    for (org, txn) in [(&l3, "OUT-3"), (&w, "OUT-1")] {
        let (s, v) = pay(&app, refund_of(&list, org), txn).await;
        assert_eq!(s, 200, "{v}");
    }
    run_refund_job(&app).await;
    assert_eq!(refunds(&app, &lot.section_id).await.len(), 3);
    let bal = balances(&app).await;
    assert_eq!(bal["refunds_payable"], "0.00", "{bal}");
    // What stays at the bank is exactly the converted deposit, owed as part of the price.
    assert_eq!(bal["bank_clearing"], DEPOSIT, "{bal}");
    assert_eq!(bal["price_payment"], DEPOSIT, "{bal}");

    // The deal announcement (成交公告): drafted with the locked facts, published by the workflow.
    let d = draft_of(&app, &lot.project_id, "deal").await;
    assert_eq!(d["status"], "draft", "{d}");
    let b1 = app.login("bidder1").await;
    let (_, org) = app
        .get(Some(&b1), &format!("/api/v1/organizations/{w}"))
        .await;
    assert!(org["name"].is_string(), "{org}");
    assert_eq!(d["fields"]["winner"], org["name"], "{d}");
    assert_eq!(d["fields"]["price"], "1030000.00");
    assert_eq!(d["fields"]["deal_at"], deal["confirmed_at"]);
    assert_eq!(d["fields"]["via"], "auction");
    assert!(
        d["fields"]["subject"].as_str().unwrap().contains(&lot.name),
        "{d}"
    );
    assert_eq!(d["section_ids"], json!([lot.section_id]));
    let id = d["id"].as_str().unwrap();
    // The price comes from the deal: the tenderer cannot retype it.
    let tenderer = app.login("tenderer").await;
    let mut edit = json!({"market": "land", "type": "deal", "title": d["title"], "body": "成交",
                          "fields": d["fields"].clone()});
    edit["fields"]["price"] = json!("1.00");
    let (s, v) = app
        .put(
            Some(&tenderer),
            &format!("/api/v1/announcements/{id}"),
            edit,
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("fields.price"), "{v}");
    let (s, v) = app
        .post(
            Some(&tenderer),
            &format!("/api/v1/announcements/{id}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let staff = app.login("staff").await;
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/announcements/{id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "published", "{v}");
    let (s, v) = app.get(None, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!((s, &v["type"]), (200, &json!("deal")), "{v}");
    // The redelivered deal drafted no second notice.
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) FROM announcements WHERE ann_type = 'deal' AND project_id = $1",
    )
    .bind(&lot.project_id)
    .fetch_one(app.ctx.db.pool())
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    assert_eq!(n, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_failed_property_listing_refunds_every_bidder_and_drafts_the_failure_notice() {
    let app = TestApp::spawn().await;
    let lot = announced_lot(&app, "property").await;
    let (o1, o2) = (org_of(&app, "bidder1").await, org_of(&app, "bidder2").await);
    bidders_pay(&app, &lot, &[("bidder1", DEPOSIT), ("bidder2", DEPOSIT)]).await;
    // 32号令 13: disclosure ≥ 20 working days, to 24:00 of Monday 2026-03-30: the listing ends
    // Tuesday 03-31.
    let now = app.clock().now();
    let end = now + Duration::days(29);
    let id = listing(&app, &lot, now, end).await;
    app.clock().set(end);
    let v = wait_phase(&app, &id, "failed").await;
    assert_eq!(v["outcome"], "no_quote");
    settled(&app).await;
    // The listing failed, not the section: registration closed at the deadline (= the listing
    // end) and the section stays closed for a re-listing; projects raised no 流标 of its own.
    wait_section_event(&app, "projects.section.closed", &lot.section_id).await;
    app.wait_consumer("projects.listing_outcome").await;
    assert_eq!(section_state(&app, &lot).await, "closed");
    assert!(events_of(&app, "projects.section.failed", &lot.section_id)
        .await
        .is_empty());
    assert!(
        events_of(&app, "projects.section.concluded", &lot.section_id)
            .await
            .is_empty()
    );
    run_refund_job(&app).await;
    run_refund_job(&app).await;
    let list = refunds(&app, &lot.section_id).await;
    assert_eq!(list.len(), 2, "{list:?}");
    for org in [&o1, &o2] {
        let r = refund_of(&list, org);
        assert_eq!(r["amount"], DEPOSIT);
        assert_eq!(r["reason"], "property_auction_ended");
        // Tuesday 03-31 + 5 working days, Qingming (04-04..06) skipped: Wednesday 2026-04-08.
        assert_eq!(r["due_date"], "2026-04-08", "{r}");
        // Bank interest for 29 days: 200000 × 0.35% × 29 / 360 = 56.388… → 56.39.
        assert_eq!(r["interest"], "56.39", "{r}");
    }
    let bal = balances(&app).await;
    assert_eq!(bal["deposit_liability"], "0.00", "{bal}");
    assert_eq!(bal["price_payment"], "0.00", "{bal}");
    assert!(
        events_of(&app, "deposits.deposit.converted", &lot.section_id)
            .await
            .is_empty()
    );
    // Paid on the due date: on time; nobody overdue the next day.
    app.clock().set(at("2026-04-08T10:00:00+08:00"));
    for (org, txn) in [(&o1, "P-1"), (&o2, "P-2")] {
        let (s, v) = pay(&app, refund_of(&list, org), txn).await;
        assert_eq!((s, &v["duplicate"]), (200, &json!(false)), "{v}");
    }
    app.clock().set(at("2026-04-09T09:30:00+08:00"));
    run_refund_job(&app).await;
    for r in refunds(&app, &lot.section_id).await {
        assert_eq!(
            (&r["status"], &r["overdue"]),
            (&json!("paid"), &json!(false))
        );
    }
    let bal = balances(&app).await;
    assert_eq!(bal["refunds_payable"], "0.00", "{bal}");
    assert_eq!(bal["bank_clearing"], "0.00", "{bal}");

    let d = draft_of(&app, &lot.project_id, "failure").await;
    assert_eq!(d["fields"]["reason"], "no_quote", "{d}");
    assert_eq!(d["fields"]["kind"], "failed");
    assert!(d["title"].as_str().unwrap().contains("流拍公告"), "{d}");
    app.stop().await;
}

#[tokio::test]
async fn a_land_lot_relisted_after_its_new_announcement_finds_the_deposits_already_refunded() {
    let app = TestApp::spawn().await;
    let lot = announced_lot(&app, "land").await;
    let (o1, o2) = (org_of(&app, "bidder1").await, org_of(&app, "bidder2").await);
    bidders_pay(&app, &lot, &[("bidder1", DEPOSIT), ("bidder2", DEPOSIT)]).await;
    let now = app.clock().now();
    let end = now + Duration::days(31);
    let id = listing(&app, &lot, now + Duration::days(21), end).await;
    // No quote: the listing fails (Thursday 2026-04-02) and every deposit is settled for refund...
    app.clock().set(end);
    wait_phase(&app, &id, "failed").await;
    settled(&app).await;
    // A land re-listing needs a new transfer announcement ≥ 20 days before it (39号令 第十条), while
    // the deposits are refunded within 5 working days of the failure (39号令 第二十一条): by the
    // re-listing the daily refund job has instructed both refunds, and the re-listing does not take
    // an instructed refund back (the bidders pay again to bid in the new round).
    crate::land_procedures::reannounce(
        &app,
        &lot.project_id,
        &lot.section_id,
        "2026-04-23T09:00:00+08:00",
    )
    .await;
    app.clock().set(app.clock().now() + Duration::days(21));
    // The daily job's firings of these 21 days (the background cron may have run some already; a
    // run is idempotent): both refunds instructed, due the 5th working day after Thursday 04-02
    // (清明 04-04..06) — Friday 04-10.
    run_refund_job(&app).await;
    let before = refunds(&app, &lot.section_id).await;
    assert_eq!(before.len(), 2, "{before:?}");
    for o in [&o1, &o2] {
        let r = refund_of(&before, o);
        assert_eq!(r["amount"], DEPOSIT, "{r}");
        assert_eq!(r["due_date"], "2026-04-10", "{r}");
    }
    let staff = app.login("staff").await;
    let relist_start = app.clock().now();
    // 10 days from Thursday 04-23 is Sunday 05-03, in 劳动节: to Wednesday 05-06 (民法典 203).
    let relist_end = relist_start + Duration::days(14);
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/auctions/{id}/relist"),
            json!({"kind": "extend", "listing_start": relist_start.to_rfc3339(),
                   "listing_end": relist_end.to_rfc3339()}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    settled(&app).await;
    let held = events_of(&app, "deposits.refund.held", &lot.section_id).await;
    assert!(
        held.is_empty(),
        "an instructed refund is not taken back: {held:?}"
    );
    assert_eq!(refunds(&app, &lot.section_id).await.len(), 2);
    assert_eq!(balances(&app).await["deposit_liability"], "0.00");
    app.stop().await;
}

#[tokio::test]
async fn a_property_deal_by_listing_converts_the_buyers_deposit_and_refunds_the_other_with_interest(
) {
    let app = TestApp::spawn().await;
    let lot = announced_lot(&app, "property").await;
    let (o1, o2) = (org_of(&app, "bidder1").await, org_of(&app, "bidder2").await);
    bidders_pay(&app, &lot, &[("bidder1", DEPOSIT), ("bidder2", DEPOSIT)]).await;
    let now = app.clock().now();
    let end = now + Duration::days(29);
    let id = listing(&app, &lot, now, end).await;
    // Only bidder2 quotes: one bidder at the end of the disclosure (Tuesday 2026-03-31) → deal.
    quote(&app, "bidder2", &id, "1000000.00").await;
    app.clock().set(end);
    let v = wait_phase(&app, &id, "deal").await;
    assert_eq!(v["current_price"], "1000000.00");
    settled(&app).await;
    let conv = events_of(&app, "deposits.deposit.converted", &lot.section_id).await;
    assert_eq!(conv.len(), 1, "{conv:?}");
    assert_eq!(conv[0]["org_id"], o2);
    assert!(conv[0]["basis"].as_str().unwrap().contains("第32号"));
    run_refund_job(&app).await;
    let list = refunds(&app, &lot.section_id).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let r = refund_of(&list, &o1);
    assert_eq!(r["reason"], "property_auction_ended");
    assert_eq!(r["due_date"], "2026-04-08", "{r}");
    assert_eq!(r["interest"], "56.39", "{r}");
    assert_eq!(r["total"], "200056.39", "{r}");
    let bal = balances(&app).await;
    assert_eq!(bal["price_payment"], DEPOSIT, "{bal}");
    assert_eq!(bal["deposit_liability"], "0.00", "{bal}");

    let d = draft_of(&app, &lot.project_id, "deal").await;
    let b2 = app.login("bidder2").await;
    let (_, org) = app
        .get(Some(&b2), &format!("/api/v1/organizations/{o2}"))
        .await;
    assert_eq!(d["fields"]["winner"], org["name"], "{d}");
    assert_eq!(d["fields"]["via"], "listing");
    assert_eq!(d["fields"]["price"], "1000000.00");
    app.stop().await;
}
