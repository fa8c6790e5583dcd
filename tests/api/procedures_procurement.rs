//! Procurement's non-tender methods (issue 21; docs/procedures.md, "Procurement non-tender
//! methods"): 询价, 竞争性谈判, 竞争性磋商 and 单一来源, each from registration to contract through
//! the public API, with the response periods at their boundaries (清明 2026-04-04..06 is a day off),
//! the minimum of suppliers, the rounds and final quotes, the ranking by method and procurement's
//! own award path.

use crate::award::{
    at, committee, events, post_award, section, travel, wait_event, wait_state, Bidder, Trade,
};
use base64::Engine as _;
use ggzy_api_tests::fixtures::{assert_rule, TENDERER_NAME, TENDERER_USCC};
use ggzy_api_tests::{into_parts, TestApp};
use ggzy_projects::package::{plaintext, seal, Suite};
use serde_json::{json, Value};

/// A procurement project of `procedure`: budget 10,000,000.00, deposit 2 %, goods.
pub(crate) fn body(procedure: &str, issue: &str, sale_end: &str, deadline: &str) -> Value {
    json!({
        "name": format!("{procedure} 采购项目"),
        "market": "procurement",
        "procedure": procedure,
        "tenderer_uscc": TENDERER_USCC,
        "tenderer_name": TENDERER_NAME,
        "sections": [{
            "name": "一包",
            "estimated_price": "10000000.00",
            "deposit": "200000.00",
            "subject": "goods",
            "docs_issue_at": issue,
            "docs_sale_end_at": sale_end,
            "bid_deadline": deadline,
            "opening_at": deadline,
        }],
    })
}

/// The body is drafted, and refused at submission with `rule` on `sections[0].<field>`.
async fn refused(app: &TestApp, body: Value, field: &str, rule: &str) {
    let tenderer = app.login("tenderer").await;
    let p = app
        .post_expect(&tenderer, "/api/v1/projects", body, 201)
        .await;
    let id = p["id"].as_str().unwrap();
    let (s, v) = app
        .post(
            Some(&tenderer),
            &format!("/api/v1/projects/{id}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert!(
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == format!("sections[0].{field}") && e["rule"] == rule),
        "{rule} on {field}: {v}"
    );
}

/// Registered, open for responses, and `bidders` (name, price) registered with sealed responses.
pub(crate) async fn trade(
    app: &TestApp,
    body: Value,
    bidders: &[(&'static str, &'static str)],
) -> Trade {
    let r = app.register_project(body).await;
    app.open_bidding(&r.staff, &r.section_id).await;
    app.drain_consumer("projects.organizations").await;
    let mut t = Trade {
        project_id: r.project_id,
        section_id: r.section_id,
        tenderer: r.tenderer,
        staff: r.staff,
        bidders: Vec::new(),
    };
    respond(app, &mut t, bidders).await;
    t
}

/// `bidders` (name, price) register for the open section and send their sealed responses.
pub(crate) async fn respond(
    app: &TestApp,
    t: &mut Trade,
    bidders: &[(&'static str, &'static str)],
) {
    for (n, (name, price)) in bidders.iter().enumerate() {
        let token = app.login(name).await;
        let org_id = app.org_of(&token).await;
        app.register_for(&token, &t.section_id).await;
        let seed = 40 + u8::try_from(n).unwrap();
        let key = vec![seed; 32];
        let plain = plaintext(
            Suite::Aes256GcmSha256,
            price,
            &[("响应文件.pdf", b"%PDF-1.7 response".as_slice())],
        );
        let sealed = seal(Suite::Aes256GcmSha256, &key, &[seed; 7], &plain).unwrap();
        let r = app
            .client
            .put(app.url(&format!("/api/v1/sections/{}/bids/mine", t.section_id)))
            .bearer_auth(&token)
            .header("content-type", "application/octet-stream")
            .header("X-Bid-Digest", &sealed.digest)
            .header("X-Device-Fingerprint", format!("device-{name}"))
            .body(sealed.ciphertext.clone())
            .send()
            .await
            .unwrap();
        let (s, v) = into_parts(r).await;
        assert_eq!(s, 201, "{name}: {v}");
        t.bidders.push(Bidder {
            name,
            token,
            org_id,
            key,
            price,
        });
    }
}

/// The deadline passes: the responses are opened and every supplier decrypts its own.
pub(crate) async fn open(app: &TestApp, t: &mut Trade, deadline: &str) {
    travel(app, t, at(deadline) + chrono::Duration::seconds(1)).await;
    wait_state(app, t, "opening").await;
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
    wait_state(app, t, "evaluating").await;
}

/// Another trade opened at the same time: its suppliers decrypt (signed in again after the travel).
pub(crate) async fn decrypt(app: &TestApp, t: &mut Trade) {
    for b in &mut t.bidders {
        b.token = app.login(b.name).await;
    }
    t.tenderer = app.login("tenderer").await;
    t.staff = app.login("staff").await;
    wait_state(app, t, "opening").await;
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
    wait_state(app, t, "evaluating").await;
}

pub(crate) async fn post(app: &TestApp, t: &Trade, what: &str, body: Value) -> (u16, Value) {
    app.post(
        Some(&t.staff),
        &format!("/api/v1/sections/{}/{what}", t.section_id),
        body,
    )
    .await
}

/// The result goes through procurement's award path: report sent, the purchaser confirms the first
/// candidate, the contract is signed for its price.
async fn award_and_contract(app: &TestApp, t: &Trade, winner: usize, price: &str) {
    assert_eq!(section(app, t).await["state"], "publicizing");
    wait_event(app, "projects.procurement.report_received", &t.section_id).await;
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &format!(
                "/api/v1/sections/{}/procurement-award/report-sent",
                t.section_id
            ),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, a) = post_award(app, t, json!({})).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["winner_org_id"], t.bidders[winner].org_id.as_str());
    let (s, c) = app
        .post(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{}/contract", t.section_id),
            json!({"signed_on": section_day(app), "amount": price}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(section(app, t).await["state"], "contracted");
}

fn section_day(app: &TestApp) -> String {
    ggzy_core::time::local_date(app.clock().now()).to_string()
}

/// 询价: the response period of 3 working days across 清明 (issued Thursday 04-02: a deadline on
/// Tuesday 04-07 is refused, Wednesday 04-08 accepted); a second inquiry with 2 responses ends at
/// the opening (74号令 第五十一条); no rounds; the lowest compliant quote wins (政府采购法 第四十条),
/// a non-compliant lowest quote leaving 2 ends a third inquiry; then the award path to the contract.
#[tokio::test]
async fn inquiry_from_registration_to_contract_and_two_responses_end_it() {
    let app = TestApp::spawn().await;
    let issue = "2026-04-02T09:00:00+08:00";
    let sale_end = "2026-04-03T17:00:00+08:00";
    let deadline = "2026-04-08T09:30:00+08:00";
    refused(
        &app,
        body("inquiry", issue, sale_end, "2026-04-07T17:00:00+08:00"),
        "bid_deadline",
        "procurement.deadline_min_days",
    )
    .await;
    // A procurement method in the construction market is refused.
    let mut b = body("inquiry", issue, sale_end, deadline);
    b["market"] = json!("construction");
    let tenderer = app.login("tenderer").await;
    let (s, v) = app.post(Some(&tenderer), "/api/v1/projects", b).await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("procedure.market"), "{v}");

    let three = [
        ("bidder1", "9650000.00"),
        ("bidder2", "9480000.50"),
        ("bidder3", "9720000.00"),
    ];
    let mut t = trade(&app, body("inquiry", issue, sale_end, deadline), &three).await;
    let mut short = trade(&app, body("inquiry", issue, sale_end, deadline), &three).await;
    let few = trade(
        &app,
        body("inquiry", issue, sale_end, deadline),
        &[("bidder1", "9000000.00"), ("bidder2", "9100000.00")],
    )
    .await;
    open(&app, &mut t, deadline).await;
    decrypt(&app, &mut short).await;
    let failed = wait_event(&app, "projects.section.failed", &few.section_id).await;
    assert_eq!(failed["reason"], "too_few_bids", "{failed}");
    assert_eq!(failed["min_bids"], 3);
    assert!(
        failed["basis"].as_str().unwrap().contains("第五十一条"),
        "{failed}"
    );

    // One quote only: no rounds; the generic result entry is refused for a non-tender method.
    let (s, v) = post(
        &app,
        &t,
        "negotiation",
        json!({"notes": "第一轮", "quotes": []}),
    )
    .await;
    assert_rule(s, &v, 409, "nontender.one_quote_only");
    let draw_id = committee(&app, &t).await;
    let (s, v) = post(
        &app,
        &t,
        "evaluation-result",
        json!({"report_ref": "x", "committee_draw_id": draw_id, "ranking": [
            {"org_id": t.bidders[0].org_id, "price": t.bidders[0].price}]}),
    )
    .await;
    assert_rule(s, &v, 409, "nontender.result_by_method");

    // bidder2's lowest quote is not compliant: only two compliant quotes are left and the inquiry
    // ends (74号令 第五十一条).
    short.staff = app.login("staff").await;
    let short_draw = committee(&app, &short).await;
    let (s, r) = post(
        &app,
        &short,
        "nontender-result",
        json!({"report_ref": "XJBG-2026-001", "committee_draw_id": short_draw,
               "non_compliant": [{"org_id": short.bidders[1].org_id, "reason": "未实质性响应交货期"}]}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["outcome"], "terminated", "{r}");
    assert_eq!(r["compliant_count"], 2);
    assert_eq!(section(&app, &short).await["state"], "failed");
    let ev = wait_event(&app, "projects.section.failed", &short.section_id).await;
    assert_eq!(ev["reason"], "too_few_compliant");

    // Every quote compliant: the lowest wins.
    let (s, r) = post(
        &app,
        &t,
        "nontender-result",
        json!({"report_ref": "XJBG-2026-002", "committee_draw_id": draw_id}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["outcome"], "ranked");
    let order: Vec<&str> = r["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["org_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            t.bidders[1].org_id.as_str(),
            t.bidders[0].org_id.as_str(),
            t.bidders[2].org_id.as_str()
        ]
    );
    award_and_contract(&app, &t, 1, "9480000.50").await;
    app.stop().await;
}

/// 竞争性谈判: rounds recorded after the opening, the final quotes close the negotiation, the
/// lowest compliant final quote wins (政府采购法 第三十八条) at its final price, through the award
/// path to the contract.
#[tokio::test]
async fn negotiation_rounds_final_quotes_lowest_wins_to_contract() {
    let app = TestApp::spawn().await;
    let issue = "2026-04-02T09:00:00+08:00";
    let deadline = "2026-04-08T09:30:00+08:00";
    let mut t = trade(
        &app,
        body("competitive_negotiation", issue, issue, deadline),
        &[
            ("bidder1", "9650000.00"),
            ("bidder2", "9480000.50"),
            ("bidder3", "9720000.00"),
        ],
    )
    .await;
    // No rounds before the opening.
    let (s, v) = post(&app, &t, "negotiation", json!({"notes": "第一轮"})).await;
    assert_rule(s, &v, 409, "nontender.not_negotiating");
    open(&app, &mut t, deadline).await;
    let draw_id = committee(&app, &t).await;
    let (s, v) = post(
        &app,
        &t,
        "nontender-result",
        json!({"report_ref": "TPBG-1", "committee_draw_id": draw_id}),
    )
    .await;
    assert_rule(s, &v, 409, "nontender.no_final_quotes");
    // Every broken field of a round is named; nothing is recorded.
    let (s, v) = post(
        &app,
        &t,
        "negotiation",
        json!({"notes": " ", "quotes": [{"org_id": "nobody", "price": "1.00"},
               {"org_id": t.bidders[0].org_id, "price": "-1"}], "final_round": true}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let s_ = v.to_string();
    for rule in [
        "required",
        "nontender.supplier_not_in_negotiation",
        "money.",
    ] {
        assert!(s_.contains(rule), "{rule}: {v}");
    }
    let (s, v) = post(
        &app,
        &t,
        "negotiation",
        json!({"notes": "第一轮：技术条款澄清，交货期统一为30日", "quotes": []}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = post(
        &app,
        &t,
        "negotiation",
        json!({"notes": "第二轮：最后报价", "final_round": true, "quotes": [
            {"org_id": t.bidders[0].org_id, "price": "9300000.00"},
            {"org_id": t.bidders[1].org_id, "price": "9400000.00"},
            {"org_id": t.bidders[2].org_id, "price": "9250000.00"}]}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["rounds"].as_array().unwrap().len(), 2, "{v}");
    let (s, v) = post(&app, &t, "negotiation", json!({"notes": "第三轮"})).await;
    assert_rule(s, &v, 409, "nontender.negotiation_closed");
    let (s, r) = post(
        &app,
        &t,
        "nontender-result",
        json!({"report_ref": "TPBG-2026-001", "committee_draw_id": draw_id}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["ranking"][0]["org_id"], t.bidders[2].org_id.as_str());
    assert_eq!(r["ranking"][0]["price"], "9250000.00");
    assert_eq!(r["ranking"][1]["org_id"], t.bidders[0].org_id.as_str());
    // The record is readable by the project's tenderer, not by a supplier.
    let (s, _) = app
        .get(
            Some(&t.bidders[0].token),
            &format!("/api/v1/sections/{}/negotiation", t.section_id),
        )
        .await;
    assert_eq!(s, 403);
    let (s, n) = app
        .get(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{}/negotiation", t.section_id),
        )
        .await;
    assert_eq!(s, 200, "{n}");
    assert_eq!(n["procedure"], "competitive_negotiation");
    award_and_contract(&app, &t, 2, "9250000.00").await;
    assert!(!events(&app, "projects.nontender.ranked", &t.section_id)
        .await
        .is_empty());
    app.stop().await;
}

/// 竞争性磋商: 10 days from the documents (issued Tuesday 03-24: a deadline on Thursday 04-02
/// refused, Friday 04-03 accepted) and 5 working days of sale (财库〔2014〕214号 第十条); the price
/// weight of goods 30–60 % (61 refused, 60 accepted; 第二十四条); the comprehensive score ranks.
/// 单一来源: its publicity of 5 working days across 清明 (from Thursday 04-02: Thursday 04-09
/// refused, Friday 04-10 accepted; 74号令 第三十八条), one supplier opened, negotiated, awarded.
#[tokio::test]
async fn consultation_scoring_and_single_source_publicity_to_contract() {
    let app = TestApp::spawn().await;
    let issue = "2026-03-24T09:00:00+08:00";
    let sale_end = "2026-03-31T17:00:00+08:00";
    let deadline = "2026-04-03T09:30:00+08:00";
    refused(
        &app,
        body(
            "competitive_consultation",
            issue,
            sale_end,
            "2026-04-02T17:00:00+08:00",
        ),
        "bid_deadline",
        "procurement.deadline_min_days",
    )
    .await;
    refused(
        &app,
        body(
            "competitive_consultation",
            issue,
            "2026-03-30T17:00:00+08:00",
            deadline,
        ),
        "docs_sale_end_at",
        "procurement.doc_sale_min_days",
    )
    .await;
    let ss_issue = "2026-04-02T09:00:00+08:00";
    refused(
        &app,
        body(
            "single_source",
            ss_issue,
            ss_issue,
            "2026-04-09T17:00:00+08:00",
        ),
        "bid_deadline",
        "procurement.deadline_min_days",
    )
    .await;
    let ss_deadline = "2026-04-10T09:30:00+08:00";
    let mut c = trade(
        &app,
        body("competitive_consultation", issue, sale_end, deadline),
        &[
            ("bidder1", "9650000.00"),
            ("bidder2", "9480000.50"),
            ("bidder3", "9720000.00"),
        ],
    )
    .await;
    let mut s1 = trade(
        &app,
        body("single_source", ss_issue, ss_issue, ss_deadline),
        &[("bidder1", "8000000.00")],
    )
    .await;
    open(&app, &mut c, deadline).await;
    let (s, v) = post(
        &app,
        &c,
        "negotiation",
        json!({"notes": "磋商：最后报价", "final_round": true, "quotes": [
            {"org_id": c.bidders[0].org_id, "price": "9000000.00"},
            {"org_id": c.bidders[1].org_id, "price": "9450000.00"},
            {"org_id": c.bidders[2].org_id, "price": "9600000.00"}]}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let draw_id = committee(&app, &c).await;
    let scores = json!([
        {"org_id": c.bidders[0].org_id, "score": "30"},
        {"org_id": c.bidders[1].org_id, "score": "38"},
        {"org_id": c.bidders[2].org_id, "score": "20"}]);
    let (s, v) = post(
        &app,
        &c,
        "nontender-result",
        json!({"report_ref": "CSBG-1", "committee_draw_id": draw_id, "price_weight": "61",
               "scores": scores}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("nontender.price_weight"), "{v}");
    assert_eq!(section(&app, &c).await["state"], "evaluating");
    // Weight 60: bidder1 60 + 30 = 90.00; bidder2 9000000/9450000 × 60 = 57.14 + 38 = 95.14;
    // bidder3 56.25 + 20 = 76.25.
    let (s, r) = post(
        &app,
        &c,
        "nontender-result",
        json!({"report_ref": "CSBG-2026-001", "committee_draw_id": draw_id, "price_weight": "60",
               "scores": scores}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["ranking"][0]["org_id"], c.bidders[1].org_id.as_str());
    assert_eq!(r["ranking"][0]["score"], "95.14");
    assert_eq!(r["ranking"][1]["score"], "90.00");
    assert_eq!(r["ranking"][2]["score"], "76.25");
    award_and_contract(&app, &c, 1, "9450000.00").await;

    // Single source: one supplier is enough at the opening.
    open(&app, &mut s1, ss_deadline).await;
    let (s, v) = post(
        &app,
        &s1,
        "negotiation",
        json!({"notes": "单一来源协商：价格构成与售后服务", "final_round": true, "quotes": [
            {"org_id": s1.bidders[0].org_id, "price": "7800000.00"}]}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let draw_id = committee(&app, &s1).await;
    let (s, r) = post(
        &app,
        &s1,
        "nontender-result",
        json!({"report_ref": "DYLY-2026-001", "committee_draw_id": draw_id}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["min_suppliers"], 1);
    award_and_contract(&app, &s1, 0, "7800000.00").await;
    app.stop().await;
}
