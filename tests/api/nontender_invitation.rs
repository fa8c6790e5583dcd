//! Procurement's non-tender methods (issue 21; docs/procedures.md, "Procurement non-tender
//! methods"): consultation's 2-supplier exception (财库〔2014〕214号 第二十一条第三款; 财库〔2015〕
//! 124号) and the invitation of suppliers by draw or written recommendation (财政部令第74号 第十二条;
//! 214号 第六条), through the public API at their boundaries.

use crate::award::{committee, section, wait_event, wait_state, Trade};
use crate::procedures_procurement::{body, decrypt, open, post, respond};
use ggzy_api_tests::fixtures::assert_rule;
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};

const ISSUE: &str = "2026-03-24T09:00:00+08:00";
const SALE_END: &str = "2026-03-31T17:00:00+08:00";
const DEADLINE: &str = "2026-04-03T09:30:00+08:00";

/// A registered (approved) section of `procedure`, not yet open for responses.
pub(crate) async fn registered(app: &TestApp, procedure: &str) -> Trade {
    let r = app
        .register_project(body(procedure, ISSUE, SALE_END, DEADLINE))
        .await;
    Trade {
        project_id: r.project_id,
        section_id: r.section_id,
        tenderer: r.tenderer,
        staff: r.staff,
        bidders: Vec::new(),
    }
}

/// The section opens for responses and `bidders` respond.
pub(crate) async fn responses(
    app: &TestApp,
    t: &mut Trade,
    bidders: &[(&'static str, &'static str)],
) {
    app.open_bidding(&t.staff, &t.section_id).await;
    app.drain_consumer("projects.organizations").await;
    respond(app, t, bidders).await;
}

async fn declare(app: &TestApp, t: &Trade, body: Value) -> (u16, Value) {
    app.post(
        Some(&t.tenderer),
        &format!("/api/v1/sections/{}/consultation-exception", t.section_id),
        body,
    )
    .await
}

fn field_rule(v: &Value, field: &str, rule: &str) -> bool {
    v["errors"]
        .as_array()
        .is_some_and(|e| e.iter().any(|e| e["field"] == field && e["rule"] == rule))
}

/// The final round of a consultation with these quotes, then its result (weight 60, goods).
async fn consult(app: &TestApp, t: &Trade, prices: &[&str], non_compliant: Value) -> (u16, Value) {
    let quotes: Vec<Value> = t
        .bidders
        .iter()
        .zip(prices)
        .map(|(b, p)| json!({"org_id": b.org_id, "price": p}))
        .collect();
    let (s, v) = post(
        app,
        t,
        "negotiation",
        json!({"notes": "磋商：最后报价", "final_round": true, "quotes": quotes}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let draw_id = committee(app, t).await;
    let scores: Vec<Value> = t
        .bidders
        .iter()
        .map(|b| json!({"org_id": b.org_id, "score": "30"}))
        .collect();
    post(
        app,
        t,
        "nontender-result",
        json!({"report_ref": format!("CS-{}", t.section_id), "committee_draw_id": draw_id,
               "price_weight": "60", "scores": scores, "non_compliant": non_compliant}),
    )
    .await
}

/// 214号 第二十一条第三款 / 124号: a consultation declared a research project goes on with 2
/// suppliers at the opening and at the result (ranked with 2), and ends with 1 (at the opening, and
/// at the result when one of 2 is not compliant); without the declaration 2 end it (min 3). The
/// declaration: only a consultation, before bidding opens, once, with a known ground and a reason.
#[tokio::test]
async fn a_consultation_goes_on_with_two_suppliers_only_with_a_declared_exception() {
    let app = TestApp::spawn().await;
    let mut two = registered(&app, "competitive_consultation").await;
    let mut two_b = registered(&app, "competitive_consultation").await;
    let mut one = registered(&app, "competitive_consultation").await;
    let mut plain = registered(&app, "competitive_consultation").await;
    let inquiry = registered(&app, "inquiry").await;

    let (s, v) = declare(&app, &two, json!({"ground": "science", "reason": " "})).await;
    assert_eq!(s, 422, "{v}");
    assert!(
        field_rule(&v, "ground", "nontender.exception_ground"),
        "{v}"
    );
    assert!(field_rule(&v, "reason", "required"), "{v}");
    let (s, v) = declare(
        &app,
        &inquiry,
        json!({"ground": "research", "reason": "科研项目"}),
    )
    .await;
    assert_rule(s, &v, 409, "nontender.exception_not_consultation");
    let (s, v) = declare(
        &app,
        &two,
        json!({"ground": "research", "reason": "市场竞争不充分的科研项目：国内仅两家单位具备该类试验条件"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["ground"], "research");
    assert_eq!(v["min_suppliers"], 2);
    assert!(
        v["source"].as_str().unwrap().contains("第二十一条第三款"),
        "{v}"
    );
    let (s, v) = declare(&app, &two, json!({"ground": "research", "reason": "再次"})).await;
    assert_rule(s, &v, 409, "nontender.exception_declared");
    let (s, v) = app
        .get(
            Some(&two.staff),
            &format!("/api/v1/sections/{}/consultation-exception", two.section_id),
        )
        .await;
    assert_eq!((s, v["ground"].as_str()), (200, Some("research")), "{v}");
    let ev = wait_event(
        &app,
        "projects.nontender.exception_declared",
        &two.section_id,
    )
    .await;
    assert_eq!(ev["min_suppliers"], 2, "{ev}");
    let (s, v) = declare(
        &app,
        &two_b,
        json!({"ground": "technology_transfer", "reason": "需要扶持的科技成果转化项目"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = declare(
        &app,
        &one,
        json!({"ground": "government_services", "reason": "政府购买服务项目"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert!(v["source"].as_str().unwrap().contains("124号"), "{v}");

    let pair = [("bidder1", "9650000.00"), ("bidder2", "9480000.50")];
    responses(&app, &mut two, &pair).await;
    responses(&app, &mut two_b, &pair).await;
    responses(&app, &mut one, &[("bidder1", "9650000.00")]).await;
    responses(&app, &mut plain, &pair).await;
    // Bidding opened: too late to declare.
    let (s, v) = declare(
        &app,
        &plain,
        json!({"ground": "research", "reason": "科研"}),
    )
    .await;
    assert_rule(s, &v, 409, "nontender.exception_too_late");

    open(&app, &mut two, DEADLINE).await;
    decrypt(&app, &mut two_b).await;
    for (t, min) in [(&one, 2), (&plain, 3)] {
        let failed = wait_event(&app, "projects.section.failed", &t.section_id).await;
        assert_eq!(failed["reason"], "too_few_bids", "{failed}");
        assert_eq!(failed["min_bids"], min, "{failed}");
    }
    two.staff = app.login("staff").await;
    two_b.staff = two.staff.clone();
    let (s, r) = consult(&app, &two, &["9400000.00", "9450000.00"], json!([])).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["outcome"], "ranked", "{r}");
    assert_eq!(r["compliant_count"], 2);
    assert_eq!(r["min_suppliers"], 2);
    assert_eq!(r["ranking"].as_array().unwrap().len(), 2);
    wait_state(&app, &two, "publicizing").await;
    let (s, r) = consult(
        &app,
        &two_b,
        &["9400000.00", "9450000.00"],
        json!([{"org_id": two_b.bidders[0].org_id, "reason": "未实质性响应技术要求"}]),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["outcome"], "terminated", "{r}");
    assert_eq!(r["compliant_count"], 1);
    assert_eq!(section(&app, &two_b).await["state"], "failed");
    app.stop().await;
}

async fn uscc_of(app: &TestApp, token: &str) -> String {
    let org = app.org_of(token).await;
    app.drain_consumer("projects.organizations").await;
    app.strings("SELECT uscc FROM project_orgs WHERE id = $1", &[&org])
        .await
        .pop()
        .expect("organization known to projects")
}

fn synthetic(n: u32) -> String {
    ggzy_core::ident::Uscc::with_check(&format!("91310000MA310{n:04}"))
        .unwrap()
        .to_string()
}

fn rec(uscc: &str, by: &str, recommender: &str) -> Value {
    json!({"uscc": uscc, "name": format!("供应商{}", &uscc[12..]), "by": by,
           "recommender": recommender})
}

async fn invite(app: &TestApp, t: &Trade, body: Value) -> (u16, Value) {
    app.post(
        Some(&t.tenderer),
        &format!("/api/v1/sections/{}/supplier-invitation", t.section_id),
        body,
    )
    .await
}

async fn register(app: &TestApp, token: &str, t: &Trade) -> (u16, Value) {
    app.post(
        Some(token),
        &format!("/api/v1/sections/{}/registrations", t.section_id),
        json!({}),
    )
    .await
}

/// 74号令 第十二条 / 214号 第六条: a negotiation invites by written recommendations (2 refused, the
/// purchaser's share at 50 % accepted and one more purchaser's recommendation refused; each with
/// who recommended it), an inquiry by a draw from a supplier database (fewer than 3 or more than
/// the pool refused; the drawn ones are the lowest keys of the recorded seed; a draw is final), a
/// consultation by announcement (open registration); only the invitees of a draw or
/// recommendation register (409 `registration.not_invited`); single source invites no one this
/// way; nothing is declared after bidding opens.
#[tokio::test]
async fn suppliers_invited_by_draw_or_recommendation_alone_register() {
    let app = TestApp::spawn().await;
    let mut tokens = Vec::new();
    let mut real = Vec::new();
    for b in ["bidder1", "bidder2", "bidder3"] {
        let tok = app.login(b).await;
        real.push(uscc_of(&app, &tok).await);
        tokens.push(tok);
    }
    let neg = registered(&app, "competitive_negotiation").await;
    let inq = registered(&app, "inquiry").await;
    let con = registered(&app, "competitive_consultation").await;
    let ss = registered(&app, "single_source").await;

    // Recommendations: 2 are too few; a recommendation names who signed it.
    let (s, v) = invite(
        &app,
        &neg,
        json!({"method": "recommendation", "recommendations": [
            rec(&real[0], "purchaser", "采购人"), rec(&real[1], "expert", " ")]}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert!(
        field_rule(&v, "recommendations", "nontender.min_invitees"),
        "{v}"
    );
    assert!(
        field_rule(&v, "recommendations[1].recommender", "required"),
        "{v}"
    );
    // One purchaser's recommendation over the 50 %: 3 of 5 refused.
    let (s, v) = invite(
        &app,
        &neg,
        json!({"method": "recommendation", "recommendations": [
            rec(&real[0], "purchaser", "采购人"), rec(&synthetic(1), "purchaser", "采购人"),
            rec(&synthetic(3), "purchaser", "采购人"),
            rec(&real[1], "expert", "评审专家甲"), rec(&synthetic(2), "expert", "评审专家乙")]}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert!(
        field_rule(&v, "recommendations", "nontender.purchaser_share"),
        "{v}"
    );
    // The purchaser itself may not be recommended (nor a declared interested party): registration
    // would refuse it anyway.
    let (s, v) = invite(
        &app,
        &neg,
        json!({"method": "recommendation", "recommendations": [
            rec(&real[0], "purchaser", "采购人"), rec(ggzy_api_tests::fixtures::TENDERER_USCC, "expert", "评审专家甲"),
            rec(&real[1], "expert", "评审专家甲"), rec(&synthetic(2), "expert", "评审专家乙")]}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert!(
        field_rule(&v, "recommendations[1].uscc", "nontender.invitee_barred"),
        "{v}"
    );
    // At the limit: 2 of 4.
    let (s, v) = invite(
        &app,
        &neg,
        json!({"method": "recommendation", "recommendations": [
            rec(&real[0], "purchaser", "采购人"), rec(&synthetic(1), "purchaser", "采购人"),
            rec(&real[1], "expert", "评审专家甲"), rec(&synthetic(2), "expert", "评审专家乙")]}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["method"], "recommendation");
    assert_eq!(v["restricted"], true);
    assert_eq!(v["invitees"].as_array().unwrap().len(), 4);
    let ev = wait_event(
        &app,
        "projects.nontender.suppliers_invited",
        &neg.section_id,
    )
    .await;
    let by_expert: Vec<&Value> = ev["invitees"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["source"] == "expert")
        .collect();
    assert_eq!(by_expert.len(), 2, "{ev}");
    assert!(
        by_expert.iter().any(|i| i["recommender"] == "评审专家甲"),
        "{ev}"
    );

    // Single source invites no one this way.
    let (s, v) = invite(&app, &ss, json!({"method": "announcement"})).await;
    assert_rule(s, &v, 409, "nontender.invitation_not_applicable");

    // A draw: fewer than 3, or more than the pool, refused.
    let pool: Vec<Value> = real
        .iter()
        .cloned()
        .chain([synthetic(4), synthetic(5)])
        .map(|u| json!({"uscc": u, "name": "库内供应商"}))
        .collect();
    let (s, v) = invite(
        &app,
        &inq,
        json!({"method": "draw", "pool": "某省政府采购供应商库（办公设备类）",
               "pool_suppliers": pool, "draw_count": 2}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert!(
        field_rule(&v, "draw_count", "nontender.min_invitees"),
        "{v}"
    );
    let (s, v) = invite(
        &app,
        &inq,
        json!({"method": "draw", "pool": "某省政府采购供应商库（办公设备类）",
               "pool_suppliers": pool[..2], "draw_count": 3}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert!(
        field_rule(&v, "draw_count", "nontender.pool_too_small"),
        "{v}"
    );
    let (s, d) = invite(
        &app,
        &inq,
        json!({"method": "draw", "pool": "某省政府采购供应商库（办公设备类）",
               "pool_suppliers": pool, "draw_count": 3}),
    )
    .await;
    assert_eq!(s, 200, "{d}");
    // Recomputed from the recorded seed: the 3 lowest SHA-256(seed:uscc).
    let seed = d["seed"].as_str().unwrap();
    let mut keyed: Vec<(String, String)> = d["pool_suppliers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let u = u.as_str().unwrap().to_string();
            (ggzy_core::lot::key(seed, &u), u)
        })
        .collect();
    assert_eq!(keyed.len(), 5);
    keyed.sort();
    let drawn: Vec<String> = d["invitees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["uscc"].as_str().unwrap().to_string())
        .collect();
    let want: Vec<String> = keyed[..3].iter().map(|(_, u)| u.clone()).collect();
    assert_eq!(drawn, want, "{d}");
    let ev = wait_event(
        &app,
        "projects.nontender.suppliers_invited",
        &inq.section_id,
    )
    .await;
    assert_eq!(ev["seed"], seed, "{ev}");
    let (s, v) = invite(&app, &inq, json!({"method": "announcement"})).await;
    assert_rule(s, &v, 409, "nontender.invitation_drawn");

    // Announcement: open registration.
    let (s, v) = invite(&app, &con, json!({"method": "announcement"})).await;
    assert_eq!((s, &v["restricted"]), (200, &json!(false)), "{v}");

    for t in [&neg, &inq, &con] {
        app.open_bidding(&t.staff, &t.section_id).await;
    }
    let (s, v) = invite(&app, &neg, json!({"method": "announcement"})).await;
    assert_rule(s, &v, 409, "nontender.invitation_too_late");
    app.drain_consumer("projects.organizations").await;
    // Recommended: bidder1 registers, bidder3 (not recommended) does not.
    let (s, v) = register(&app, &tokens[2], &neg).await;
    assert_rule(s, &v, 409, "registration.not_invited");
    let (s, v) = register(&app, &tokens[0], &neg).await;
    assert_eq!(s, 201, "{v}");
    // Each supplier sees its own invitations: the recommendation of the negotiation (bidder1,
    // already registered) and the draw of the inquiry when drawn; the open consultation is none.
    for (tok, uscc) in tokens.iter().zip(&real) {
        let (s, mine) = app.get(Some(tok), "/api/v1/bidder/invitations").await;
        assert_eq!(s, 200, "{mine}");
        let of = |sid: &str| {
            mine.as_array()
                .unwrap()
                .iter()
                .find(|i| i["section_id"] == sid)
                .cloned()
        };
        assert_eq!(
            of(&inq.section_id).map(|i| i["source"].clone()),
            drawn.contains(uscc).then(|| json!("draw")),
            "{mine}"
        );
        assert!(of(&con.section_id).is_none(), "{mine}");
    }
    let (_, mine) = app
        .get(Some(&tokens[0]), "/api/v1/bidder/invitations")
        .await;
    let neg_inv = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["section_id"] == neg.section_id.as_str())
        .cloned()
        .expect("bidder1 was recommended for the negotiation");
    assert!(neg_inv["registered_at"].is_string(), "{neg_inv}");
    assert!(
        ["purchaser", "expert"].contains(&neg_inv["source"].as_str().unwrap()),
        "{neg_inv}"
    );
    // Drawn: exactly the drawn ones register.
    for (tok, uscc) in tokens.iter().zip(&real) {
        let (s, v) = register(&app, tok, &inq).await;
        if drawn.contains(uscc) {
            assert_eq!(s, 201, "{v}");
        } else {
            assert_rule(s, &v, 409, "registration.not_invited");
        }
    }
    let (s, v) = register(&app, &tokens[2], &con).await;
    assert_eq!(s, 201, "{v}");
    app.stop().await;
}
