//! Online evaluation (电子评标): the method fixed by the issued documents, the committee's majority
//! review, independent scoring (nobody sees others' scores before all submitted), the exact price
//! scores of a worked example, outliers, replacement, the signed report → candidate publicity.
//!
//! The section is brought to `evaluating` through the real projects API (helpers of `award.rs`);
//! the committee arrives as `experts.draw.completed` / `experts.member.replaced`, emitted here as
//! the experts area does.

use crate::award::{
    emit_event, events, open_and_decrypt, open_by_staff, register_and_bid, registered_section,
    travel, wait_event, wait_state, Trade,
};
use ggzy_api_tests::TestApp;
use ggzy_store::consumer;
use serde_json::{json, Value};
use std::time::Duration;

/// Wait until the evaluation projection has consumed every event written so far.
pub(crate) async fn caught_up(app: &TestApp) {
    app.seal().await;
    let last = ggzy_store::outbox::read_after(app.ctx.db.pool(), 0, 100_000)
        .await
        .unwrap()
        .last()
        .map(|e| e.seq)
        .unwrap_or(0);
    let workers = ggzy::background::workers();
    let c = workers
        .consumers
        .iter()
        .find(|c| c.name() == "evaluation.projection")
        .expect("evaluation.projection registered")
        .clone();
    for () in ggzy_api_tests::patience() {
        consumer::drain(&app.ctx.db, app.clock(), c.as_ref())
            .await
            .unwrap();
        if consumer::position(&app.ctx.db, c.name()).await.unwrap() >= last {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("evaluation projection did not catch up");
}

pub(crate) fn comprehensive() -> Value {
    json!({
        "method": "comprehensive",
        "criteria": [
            {"code": "price", "name": "投标报价", "max_points": "30", "is_price": true},
            {"code": "technical", "name": "技术标", "max_points": "50", "guidance": "施工组织设计、进度、质量"},
            {"code": "commercial", "name": "商务标", "max_points": "20", "guidance": "业绩、信誉、财务"},
        ],
        "price_formula": {"base": {"kind": "mean", "k": "0.02", "drop_extremes_from": 5},
                          "e_above": "1", "e_below": "0.5"},
        "outlier_share": "0.2",
    })
}

pub(crate) async fn put_method(app: &TestApp, token: &str, sid: &str, body: Value) -> (u16, Value) {
    app.put(
        Some(token),
        &format!("/api/v1/sections/{sid}/evaluation-method"),
        body,
    )
    .await
}

pub(crate) fn rules_of(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["rule"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) struct Expert {
    pub(crate) token: String,
    pub(crate) expert_id: String,
}

pub(crate) async fn expert(app: &TestApp, username: &str, expert_id: &str) -> (Expert, Value) {
    let token = app.login(username).await;
    let (s, me) = app.get(Some(&token), "/api/v1/auth/me").await;
    assert_eq!(s, 200, "{me}");
    let entry = json!({"expert_id": expert_id, "name": format!("专家{username}"),
                       "user_id": me["user_id"], "specialty": "A010101"});
    (
        Expert {
            token,
            expert_id: expert_id.to_string(),
        },
        entry,
    )
}

pub(crate) async fn draw(app: &TestApp, sid: &str, experts: Vec<Value>) {
    emit_event(
        app,
        "experts.draw.completed",
        "draw-1",
        json!({"draw_id": "draw-1", "section_id": sid, "session_id": "session-1", "experts": experts}),
    )
    .await;
    caught_up(app).await;
}

pub(crate) fn pass_all(t: &Trade) -> Value {
    json!({"bids": t.bidders.iter().map(|b| json!({"org_id": b.org_id,
        "items": [{"item": "资格审查", "pass": true}, {"item": "符合性审查", "pass": true}]})).collect::<Vec<_>>()})
}

fn failing(t: &Trade, fail: &[usize]) -> Value {
    json!({"bids": t.bidders.iter().enumerate().map(|(i, b)| {
        if fail.contains(&i) {
            json!({"org_id": b.org_id, "items": [{"item": "资格审查", "pass": true},
                   {"item": "投标有效期", "pass": false, "reason": "投标有效期短于招标文件要求的90日"}]})
        } else {
            json!({"org_id": b.org_id, "items": [{"item": "资格审查", "pass": true}]})
        }
    }).collect::<Vec<_>>()})
}

pub(crate) async fn review(app: &TestApp, e: &Expert, sid: &str, body: Value) -> (u16, Value) {
    app.put(
        Some(&e.token),
        &format!("/api/v1/sections/{sid}/evaluation/reviews/mine"),
        body,
    )
    .await
}

fn points(t: &Trade, b1: (&str, &str), b2: (&str, &str)) -> Value {
    json!({"bids": [
        {"org_id": t.bidders[0].org_id, "points": {"technical": b1.0, "commercial": b1.1}},
        {"org_id": t.bidders[1].org_id, "points": {"technical": b2.0, "commercial": b2.1}},
    ]})
}

pub(crate) async fn score(app: &TestApp, e: &Expert, sid: &str, body: Value) -> (u16, Value) {
    app.put(
        Some(&e.token),
        &format!("/api/v1/sections/{sid}/evaluation/scores/mine"),
        body,
    )
    .await
}

pub(crate) async fn sign(app: &TestApp, e: &Expert, sid: &str, body: Value) -> (u16, Value) {
    app.post(
        Some(&e.token),
        &format!("/api/v1/sections/{sid}/evaluation/report/sign"),
        body,
    )
    .await
}

#[tokio::test]
async fn comprehensive_evaluation_with_majority_rejection_independent_scoring_and_signed_report() {
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "construction").await;
    let sid = t.section_id.clone();
    caught_up(&app).await;

    // The method: refused with every broken rule named, refused to a bidder, accepted from the
    // tenderer before any bid.
    let mut bad = comprehensive();
    bad["criteria"][2]["max_points"] = json!("19.99");
    bad["criteria"][1]["guidance"] = json!("");
    let (s, v) = put_method(&app, &t.tenderer, &sid, bad).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        rules_of(&v),
        ["criterion.guidance_required", "criteria.sum_100"]
    );
    let bidder = app.login("bidder1").await;
    let (s, _) = put_method(&app, &bidder, &sid, comprehensive()).await;
    assert_eq!(s, 403);
    let (s, v) = put_method(&app, &t.tenderer, &sid, comprehensive()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        events(&app, "evaluation.method.declared", &sid).await.len(),
        1
    );

    // Once the documents are issued (bidding opened) the method is fixed (评标规定 第十七条;
    // the change-notice path is in evaluation_rules.rs).
    open_by_staff(&app, &t).await;
    caught_up(&app).await;
    let (s, v) = put_method(&app, &t.tenderer, &sid, comprehensive()).await;
    assert_eq!(s, 409, "documents issued: {v}");
    assert_eq!(v["rule"], "method.fixed_by_documents");
    register_and_bid(&app, &mut t).await;
    caught_up(&app).await;
    let (s, v) = put_method(&app, &t.tenderer, &sid, comprehensive()).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "method.fixed_by_documents");

    open_and_decrypt(&app, &mut t).await;
    let (e1, j1) = expert(&app, "expert1", "EXP-1").await;
    let (e2, j2) = expert(&app, "expert2", "EXP-2").await;
    let (e3, j3) = expert(&app, "expert3", "EXP-3").await;
    draw(&app, &sid, vec![j1, j2, j3]).await;

    // Nobody outside the committee and the centre reads the evaluation.
    for who in [&t.bidders[0].token, &t.tenderer] {
        let (s, _) = app
            .get(Some(who), &format!("/api/v1/sections/{sid}/evaluation"))
            .await;
        assert_eq!(s, 403);
    }
    let (s, w) = app
        .get(
            Some(&e1.token),
            &format!("/api/v1/sections/{sid}/evaluation"),
        )
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["stage"], "review");
    assert_eq!(w["bids"].as_array().unwrap().len(), 3);

    // Stage 1: a failed item needs its reason; bidder3 fails with two of three members (rejected),
    // bidder1 with one (kept).
    let mut no_reason = failing(&t, &[2]);
    no_reason["bids"][2]["items"][1]["reason"] = json!(" ");
    let (s, v) = review(&app, &e1, &sid, no_reason).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["review.reason_required"]);
    let (s, v) = review(&app, &e1, &sid, failing(&t, &[2])).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = score(&app, &e1, &sid, points(&t, ("40", "15"), ("45", "18"))).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "scoring.review_pending");
    let (s, _) = review(&app, &e2, &sid, failing(&t, &[0, 2])).await;
    assert_eq!(s, 200);
    let (s, w) = review(&app, &e3, &sid, pass_all(&t)).await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["stage"], "scoring");
    assert_eq!(w["rejected"], json!([t.bidders[2].org_id]));
    let rej = wait_event(&app, "evaluation.bid.rejected", &sid).await;
    assert_eq!(rej["org_id"], t.bidders[2].org_id.as_str());
    assert_eq!(events(&app, "evaluation.bid.rejected", &sid).await.len(), 1);

    // Stage 2: a rejected bid cannot be scored, points above the maximum are refused.
    let mut over = points(&t, ("50.01", "15"), ("45", "18"));
    over["bids"].as_array_mut().unwrap().push(
        json!({"org_id": t.bidders[2].org_id, "points": {"technical": "1", "commercial": "1"}}),
    );
    let (s, v) = score(&app, &e1, &sid, over).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        rules_of(&v),
        ["scoring.unknown_bid", "scoring.points_range"]
    );
    // Independence: after submitting, a member sees only his own scores until all submitted.
    let (s, _) = score(&app, &e1, &sid, points(&t, ("40", "15"), ("45", "18"))).await;
    assert_eq!(s, 200);
    let scores_url = format!("/api/v1/sections/{sid}/evaluation/scores");
    for token in [&e1.token, &e2.token, &t.staff] {
        let (s, v) = app.get(Some(token), &scores_url).await;
        assert_eq!(s, 409, "{v}");
        assert_eq!(v["rule"], "scores.sealed_until_all_submitted");
    }
    let (s, mine) = app
        .get(Some(&e1.token), &format!("{scores_url}/mine"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(mine.as_array().unwrap().len(), 2);
    let (s, mine) = app
        .get(Some(&e2.token), &format!("{scores_url}/mine"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(mine, json!([]));
    let (s, _) = score(&app, &e2, &sid, points(&t, ("42", "16"), ("44", "17"))).await;
    assert_eq!(s, 200);
    let (s, _) = app.get(Some(&e2.token), &scores_url).await;
    assert_eq!(s, 409);
    // expert3's 40 points for bidder1 are more than 20 % below the mean of 51: an outlier.
    let (s, _) = score(&app, &e3, &sid, points(&t, ("30", "10"), ("46", "19"))).await;
    assert_eq!(s, 200);
    let (s, all) = app.get(Some(&e2.token), &scores_url).await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(all.as_array().unwrap().len(), 6);
    let outliers = events(&app, "evaluation.score.outlier", &sid).await;
    assert_eq!(outliers.len(), 1, "{outliers:?}");
    assert_eq!(outliers[0]["expert_id"], "EXP-3");
    assert_eq!(outliers[0]["org_id"], t.bidders[0].org_id.as_str());
    assert_eq!(outliers[0]["committee_mean"], "51.00");

    // The report with every computation: base over the two bids left = (9 650 000.00 +
    // 9 480 000.50) / 2 × 0.98 = 9 373 700.245 → 9 373 700.25; bidder1 30 − 2.9476… = 27.05;
    // bidder2 30 − 1.1340… = 28.87.
    let (s, r) = app
        .get(
            Some(&t.staff),
            &format!("/api/v1/sections/{sid}/evaluation/report"),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["base"]["base"], "9373700.25");
    assert_eq!(r["base"]["mean"], "9565000.25");
    assert_eq!(r["base"]["dropped"], json!([]));
    let bid = |org: &str| {
        r["bids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["org_id"] == org)
            .unwrap()
            .clone()
    };
    let b1 = bid(&t.bidders[0].org_id);
    assert_eq!(b1["price_score"]["score"], "27.05");
    assert_eq!(b1["price_score"]["e"], "1");
    assert_eq!(b1["criteria"]["technical"]["committee"], "37.33");
    assert_eq!(b1["criteria"]["commercial"]["committee"], "13.67");
    assert_eq!(b1["total"], "78.05");
    let b2 = bid(&t.bidders[1].org_id);
    assert_eq!(b2["price_score"]["score"], "28.87");
    assert_eq!(b2["total"], "91.87");
    assert_eq!(r["rejected"][0]["org_id"], t.bidders[2].org_id.as_str());
    assert_eq!(r["rejected"][0]["fail_votes"], 2);
    assert_eq!(r["ranking"][0]["org_id"], t.bidders[1].org_id.as_str());
    assert_eq!(r["ranking"][0]["price"], "9480000.50");
    assert_eq!(r["ranking"][1]["org_id"], t.bidders[0].org_id.as_str());
    assert_eq!(r["ranking"].as_array().unwrap().len(), 2);

    // Every member signs (one with a dissent); only the last signature emits the report.
    let (s, _) = sign(&app, &e1, &sid, json!({})).await;
    assert_eq!(s, 200);
    let (s, v) = sign(&app, &e1, &sid, json!({})).await;
    assert_eq!(s, 409, "{v}");
    let (s, _) = sign(
        &app,
        &e2,
        &sid,
        json!({"dissent": "对投标人一技术分有保留意见"}),
    )
    .await;
    assert_eq!(s, 200);
    assert!(events(&app, "evaluation.report.signed", &sid)
        .await
        .is_empty());
    let (s, r) = sign(&app, &e3, &sid, json!({})).await;
    assert_eq!(s, 200, "{r}");
    assert!(r["signed_at"].is_string());
    assert_eq!(r["members"][1]["note"], "对投标人一技术分有保留意见");
    let ev = wait_event(&app, "evaluation.report.signed", &sid).await;
    assert_eq!(ev["ranking"][0]["rank"], 1);
    assert_eq!(ev["ranking"][0]["score"], "91.87");
    wait_state(&app, &t, "publicizing").await;
    let pubd = wait_event(&app, "projects.candidates.publicized", &sid).await;
    assert_eq!(
        pubd["candidates"][0]["org_id"],
        t.bidders[1].org_id.as_str()
    );
    // Nothing changes after the signature.
    let (s, v) = review(&app, &e1, &sid, pass_all(&t)).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "evaluation.signed");
    app.stop().await;
}

#[tokio::test]
async fn lowest_price_evaluation_with_a_replacement_who_must_redo_the_review() {
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "construction").await;
    let sid = t.section_id.clone();
    caught_up(&app).await;
    let (s, v) = put_method(
        &app,
        &t.tenderer,
        &sid,
        json!({"method": "lowest_evaluated_price", "criteria": [{"code": "x", "name": "x",
               "max_points": "100", "guidance": "x"}]}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["method.lowest_price_no_criteria"]);
    let (s, v) = put_method(
        &app,
        &t.tenderer,
        &sid,
        json!({"method": "lowest_evaluated_price"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    open_by_staff(&app, &t).await;
    register_and_bid(&app, &mut t).await;
    open_and_decrypt(&app, &mut t).await;

    let (e1, j1) = expert(&app, "expert1", "EXP-1").await;
    let (e2, j2) = expert(&app, "expert2", "EXP-2").await;
    let (e3, j3) = expert(&app, "expert3", "EXP-3").await;
    // The third drawn expert has no login here; expert3 is not on this committee yet.
    let absent = json!({"expert_id": "EXP-9", "name": "缺席专家", "user_id": null});
    draw(&app, &sid, vec![j1, j2, absent]).await;
    let (s, _) = app
        .get(
            Some(&e3.token),
            &format!("/api/v1/sections/{sid}/evaluation"),
        )
        .await;
    assert_eq!(s, 403);
    // The session (venues): inside it the committee works, moved to tomorrow it is closed.
    let now = app.clock().now();
    let window = |from: chrono::DateTime<chrono::Utc>| {
        json!({"session_id": "session-1", "section_id": sid, "kind": "evaluation",
               "room_id": "r1", "room_name": "评标室1", "draw_id": "draw-1",
               "start": (from - chrono::Duration::minutes(1)).to_rfc3339(),
               "end": (from + chrono::Duration::hours(8)).to_rfc3339(), "draw": null})
    };
    emit_event(&app, "venues.session.scheduled", "session-1", window(now)).await;
    emit_event(
        &app,
        "venues.session.moved",
        "session-1",
        window(now + chrono::Duration::days(1)),
    )
    .await;
    caught_up(&app).await;
    let (s, v) = app
        .get(
            Some(&e1.token),
            &format!("/api/v1/sections/{sid}/evaluation"),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "evaluation.outside_session");
    let (s, v) = review(&app, &e1, &sid, pass_all(&t)).await;
    assert_eq!(s, 409, "{v}");
    let (s, _) = app
        .get(
            Some(&t.staff),
            &format!("/api/v1/sections/{sid}/evaluation"),
        )
        .await;
    assert_eq!(s, 200, "staff reads outside the session");
    emit_event(&app, "venues.session.moved", "session-1", window(now)).await;
    caught_up(&app).await;

    // Chair: one vote of three elects nobody, the second vote for the same member does.
    let chair_url = format!("/api/v1/sections/{sid}/evaluation/chair-votes");
    let (s, w) = app
        .post(Some(&e1.token), &chair_url, json!({"expert_id": "EXP-2"}))
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["chair"], Value::Null);
    let (s, v) = app
        .post(Some(&e2.token), &chair_url, json!({"expert_id": "EXP-7"}))
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["chair.not_a_member"]);
    let (s, w) = app
        .post(Some(&e2.token), &chair_url, json!({"expert_id": "EXP-2"}))
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["chair"], "EXP-2");
    let (s, v) = app
        .post(Some(&e1.token), &chair_url, json!({"expert_id": "EXP-1"}))
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(
        wait_event(&app, "evaluation.chair.elected", &sid).await["expert_id"],
        "EXP-2"
    );

    // Clarification: answered by the bidder asked, text only, until the reply deadline.
    let now = app.clock().now();
    let reply_by = now + chrono::Duration::hours(1);
    let clar_url = format!("/api/v1/sections/{sid}/evaluation/clarifications");
    let mut ids = vec![];
    for b in [0usize, 2] {
        let (s, c) = app
            .post(
                Some(&e1.token),
                &clar_url,
                json!({"org_id": t.bidders[b].org_id, "question": "请说明项目经理的在岗承诺",
                       "reply_by": reply_by.to_rfc3339()}),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    let (s, v) = app
        .post(
            Some(&e1.token),
            &clar_url,
            json!({"org_id": t.bidders[0].org_id, "question": "?", "reply_by": now.to_rfc3339()}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["clarification.reply_by_future"]);
    let answer_url = |id: &str| format!("/api/v1/evaluation/clarifications/{id}/answer");
    let (s, v) = app
        .post(
            Some(&t.bidders[0].token),
            &answer_url(&ids[0]),
            json!({"answer": "项目经理全程在岗", "price": "9000000.00"}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["clarification.price_forbidden"]);
    let (s, _) = app
        .post(
            Some(&t.bidders[1].token),
            &answer_url(&ids[0]),
            json!({"answer": "x"}),
        )
        .await;
    assert_eq!(s, 403);
    travel(&app, &mut t, reply_by - chrono::Duration::seconds(1)).await;
    let (s, c) = app
        .post(
            Some(&t.bidders[0].token),
            &answer_url(&ids[0]),
            json!({"answer": "项目经理全程在岗"}),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["answer"], "项目经理全程在岗");
    travel(&app, &mut t, reply_by + chrono::Duration::seconds(1)).await;
    let (s, v) = app
        .post(
            Some(&t.bidders[2].token),
            &answer_url(&ids[1]),
            json!({"answer": "late"}),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "clarification.deadline_passed");
    let (s, mine) = app.get(Some(&t.bidders[1].token), &clar_url).await;
    assert_eq!(s, 200);
    assert_eq!(mine, json!([]));
    let (s, mine) = app.get(Some(&t.bidders[0].token), &clar_url).await;
    assert_eq!(s, 200);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let e1 = Expert {
        token: app.login("expert1").await,
        expert_id: e1.expert_id,
    };
    let e2 = Expert {
        token: app.login("expert2").await,
        expert_id: e2.expert_id,
    };
    let e3 = Expert {
        token: app.login("expert3").await,
        expert_id: e3.expert_id,
    };
    app.clock().set(reply_by + chrono::Duration::seconds(2));

    // One failing vote of three does not reject.
    assert_eq!(review(&app, &e1, &sid, failing(&t, &[0])).await.0, 200);
    assert_eq!(review(&app, &e2, &sid, pass_all(&t)).await.0, 200);
    let (s, v) = sign(&app, &e1, &sid, json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "report.not_ready");

    // The absent member is replaced by expert3, who must do the review he had not done.
    emit_event(
        &app,
        "experts.member.replaced",
        "draw-1",
        json!({"draw_id": "draw-1", "section_id": sid, "session_id": "session-1",
               "replaced": {"expert_id": "EXP-9", "name": "缺席专家", "user_id": null},
               "replacement": j3, "experts": [j3]}),
    )
    .await;
    caught_up(&app).await;
    let (s, w) = app
        .get(
            Some(&e3.token),
            &format!("/api/v1/sections/{sid}/evaluation"),
        )
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["stage"], "review");
    assert_eq!(w["members"].as_array().unwrap().len(), 3);
    let (s, w) = review(&app, &e3, &sid, pass_all(&t)).await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["stage"], "signing");
    assert_eq!(w["rejected"], json!([]));
    assert_eq!(e3.expert_id, "EXP-3");

    let (s, v) = sign(&app, &e3, &sid, json!({"refuse": true, "dissent": "  "})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["sign.refusal_reason_required"]);
    for e in [&e1, &e2] {
        let (s, v) = sign(&app, e, &sid, json!({})).await;
        assert_eq!(s, 200, "{v}");
    }
    assert!(events(&app, "evaluation.report.signed", &sid)
        .await
        .is_empty());
    let (s, last) = sign(
        &app,
        &e3,
        &sid,
        json!({"refuse": true, "dissent": "不同意投标人一资格审查结论"}),
    )
    .await;
    assert_eq!(s, 200, "{last}");
    assert_eq!(last["members"][2]["refused"], true);
    assert_eq!(last["members"][2]["note"], "不同意投标人一资格审查结论");
    assert_eq!(last["chair"], "EXP-2");
    assert_eq!(last["clarifications"].as_array().unwrap().len(), 2);
    assert_eq!(last["clarifications"][1]["answer"], Value::Null);
    let ev = wait_event(&app, "evaluation.report.signed", &sid).await;
    let order: Vec<&str> = ev["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["org_id"].as_str().unwrap())
        .collect();
    // Price ascending: 9 480 000.50, 9 650 000.00, 9 720 000.00.
    assert_eq!(
        order,
        [
            t.bidders[1].org_id.as_str(),
            t.bidders[0].org_id.as_str(),
            t.bidders[2].org_id.as_str()
        ]
    );
    assert_eq!(ev["ranking"][0]["score"], Value::Null);
    wait_state(&app, &t, "publicizing").await;
    app.stop().await;
}

/// A fourth expert login (the demo has three): invited into the experts' employer like any
/// expert account.
async fn fourth_expert(app: &TestApp, expert_id: &str) -> (Expert, Value) {
    let (_, e1) = app
        .get(Some(&app.login("expert1").await), "/api/v1/auth/me")
        .await;
    app.user_in_org(e1["org_id"].as_str().expect("org id"), "expert4", "expert")
        .await;
    expert(app, "expert4", expert_id).await
}

#[tokio::test]
async fn a_replacement_keeps_the_review_the_recused_member_finished_and_scores_what_he_had_not() {
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "construction").await;
    let sid = t.section_id.clone();
    caught_up(&app).await;
    let (s, v) = put_method(&app, &t.tenderer, &sid, comprehensive()).await;
    assert_eq!(s, 200, "{v}");
    open_by_staff(&app, &t).await;
    register_and_bid(&app, &mut t).await;
    open_and_decrypt(&app, &mut t).await;
    let (e1, j1) = expert(&app, "expert1", "EXP-1").await;
    let (e2, j2) = expert(&app, "expert2", "EXP-2").await;
    let (e3, j3) = expert(&app, "expert3", "EXP-3").await;
    let (e4, j4) = fourth_expert(&app, "EXP-4").await;
    draw(&app, &sid, vec![j1, j2, j3.clone()]).await;

    // Stage 1 complete: bidder3 rejected by EXP-1 and EXP-2; EXP-3 passed every bid.
    assert_eq!(review(&app, &e1, &sid, failing(&t, &[2])).await.0, 200);
    assert_eq!(review(&app, &e2, &sid, failing(&t, &[2])).await.0, 200);
    let (s, w) = review(&app, &e3, &sid, pass_all(&t)).await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["stage"], "scoring");
    // Stage 2: EXP-1 and EXP-2 score, then EXP-3 recuses before scoring and EXP-4 takes his seat.
    assert_eq!(
        score(&app, &e1, &sid, points(&t, ("40", "15"), ("45", "18")))
            .await
            .0,
        200
    );
    assert_eq!(
        score(&app, &e2, &sid, points(&t, ("42", "16"), ("44", "17")))
            .await
            .0,
        200
    );
    emit_event(
        &app,
        "experts.member.replaced",
        "draw-1",
        json!({"draw_id": "draw-1", "section_id": sid, "session_id": "session-1",
               "expert_id": "EXP-3", "reason": "recused: 与投标人存在利害关系",
               "replaced": j3, "replacement": j4, "experts": [j4]}),
    )
    .await;
    caught_up(&app).await;

    // The finished review stays counted: the stage does not reopen, the rejection stands, and
    // the new member cannot vote on stage 1.
    let (s, w) = app
        .get(
            Some(&e4.token),
            &format!("/api/v1/sections/{sid}/evaluation"),
        )
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["stage"], "scoring");
    assert_eq!(w["rejected"], json!([t.bidders[2].org_id]));
    let me = &w["members"][2];
    assert_eq!(me["expert_id"], "EXP-4");
    assert_eq!(me["replaces"], "EXP-3");
    assert_eq!(me["review_carried_from"], "EXP-3");
    assert_eq!(me["scored"], false);
    let (s, v) = review(&app, &e4, &sid, pass_all(&t)).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "review.done_by_replaced_member");
    let (s, _) = app
        .get(
            Some(&e3.token),
            &format!("/api/v1/sections/{sid}/evaluation"),
        )
        .await;
    assert_eq!(s, 403, "the recused member left the committee");

    // The unfinished scoring is his to do: sealed, the report not ready, until he scores.
    let scores_url = format!("/api/v1/sections/{sid}/evaluation/scores");
    let (s, v) = app.get(Some(&e1.token), &scores_url).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "scores.sealed_until_all_submitted");
    let (s, v) = sign(&app, &e1, &sid, json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "report.not_ready");
    let (s, v) = score(&app, &e4, &sid, points(&t, ("41", "14"), ("46", "19"))).await;
    assert_eq!(s, 200, "{v}");
    let (s, all) = app.get(Some(&e4.token), &scores_url).await;
    assert_eq!(s, 200, "{all}");
    let scorers: std::collections::BTreeSet<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["expert_id"].as_str().unwrap())
        .collect();
    assert_eq!(scorers, ["EXP-1", "EXP-2", "EXP-4"].into_iter().collect());

    // The report lists both: EXP-3's verdicts with the replacement reason, EXP-4's points.
    let (s, r) = app
        .get(
            Some(&t.staff),
            &format!("/api/v1/sections/{sid}/evaluation/report"),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["replaced"].as_array().unwrap().len(), 1, "{r}");
    let gone = &r["replaced"][0];
    assert_eq!(gone["expert_id"], "EXP-3");
    assert_eq!(gone["replaced_by"], "EXP-4");
    assert_eq!(gone["reason"], "recused: 与投标人存在利害关系");
    assert_eq!(gone["reviewed"], true);
    assert_eq!(gone["scored"], false);
    assert_eq!(r["members"][2]["review_by"], "EXP-3");
    assert_eq!(r["members"][2]["scores_by"], "EXP-4");
    assert_eq!(r["rejected"][0]["fail_votes"], 2);
    let b1 = r["bids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["org_id"] == t.bidders[0].org_id.as_str())
        .unwrap()
        .clone();
    // technical (40 + 42 + 41) / 3 = 41.00, EXP-4's points counted, EXP-3 never scored.
    assert_eq!(b1["criteria"]["technical"]["committee"], "41.00");
    assert_eq!(b1["criteria"]["technical"]["members"]["EXP-4"], "41");
    for e in [&e1, &e2, &e4] {
        let (s, v) = sign(&app, e, &sid, json!({})).await;
        assert_eq!(s, 200, "{v}");
    }
    let ev = wait_event(&app, "evaluation.report.signed", &sid).await;
    assert_eq!(ev["ranking"][0]["org_id"], t.bidders[1].org_id.as_str());
    app.stop().await;
}

#[tokio::test]
async fn a_member_works_only_from_the_session_rooms_networks_while_staff_work_anywhere() {
    let app = TestApp::spawn().await;
    let t = registered_section(&app, "construction").await;
    let sid = t.section_id.clone();
    let (e1, j1) = expert(&app, "expert1", "EXP-1").await;
    let (_, j2) = expert(&app, "expert2", "EXP-2").await;
    let (_, j3) = expert(&app, "expert3", "EXP-3").await;
    draw(&app, &sid, vec![j1, j2, j3]).await;

    // An isolated evaluation room whose terminals sit on 10.0.0.0/8 (the test client is 127.0.0.1).
    let (s, room) = app
        .post(
            Some(&t.staff),
            "/api/v1/rooms",
            json!({"kind": "evaluation_room", "name": "评标室 网络", "floor": 5, "capacity": 9,
                   "isolated": true, "networks": ["10.0.0.0/8"]}),
        )
        .await;
    assert_eq!(s, 201, "{room}");
    let room_id = room["id"].as_str().unwrap().to_string();
    let (s, session) = app
        .post(
            Some(&t.staff),
            "/api/v1/sessions",
            json!({"section_id": sid, "room_id": room_id, "start": "2026-03-02T09:00:00+08:00",
                   "end": "2026-03-02T17:00:00+08:00", "committee_size": 3, "draw": null}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    caught_up(&app).await;
    let scheduled = wait_event(&app, "venues.session.scheduled", &sid).await;
    assert_eq!(scheduled["room_networks"], json!(["10.0.0.0/8"]));

    let url = format!("/api/v1/sections/{sid}/evaluation");
    let (s, v) = app.get(Some(&e1.token), &url).await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(v["rule"], "evaluation.room_network");
    assert!(v["detail"].as_str().unwrap().contains("127.0.0.1"), "{v}");
    let (s, v) = review(&app, &e1, &sid, json!({"bids": []})).await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(v["rule"], "evaluation.room_network");
    let (s, w) = app.get(Some(&t.staff), &url).await;
    assert_eq!(s, 200, "staff are not restricted: {w}");

    // The room moves to the loopback network: the member is admitted at once.
    let (s, v) = app
        .put(
            Some(&t.staff),
            &format!("/api/v1/rooms/{room_id}/networks"),
            json!({"networks": ["127.0.0.0/8"]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    caught_up(&app).await;
    let (s, w) = app.get(Some(&e1.token), &url).await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["stage"], "waiting");
    app.stop().await;
}

#[tokio::test]
async fn government_procurement_scores_the_price_by_the_lowest_price_ratio() {
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "procurement").await;
    let sid = t.section_id.clone();
    caught_up(&app).await;
    // 87号令 第五十五条: the deviation formula is refused in government procurement.
    let (s, v) = put_method(&app, &t.tenderer, &sid, comprehensive()).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["price_formula.market_requires_lowest_ratio"]);
    let mut gp = comprehensive();
    gp["price_formula"] =
        json!({"kind": "lowest_ratio", "base": {"kind": "lowest"}, "e_above": "1"});
    let (s, v) = put_method(&app, &t.tenderer, &sid, gp.clone()).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["price_formula.ratio_takes_no_e"]);
    gp["price_formula"] = json!({"kind": "lowest_ratio", "base": {"kind": "lowest"}});
    let (s, v) = put_method(&app, &t.tenderer, &sid, gp).await;
    assert_eq!(s, 200, "{v}");

    open_by_staff(&app, &t).await;
    register_and_bid(&app, &mut t).await;
    open_and_decrypt(&app, &mut t).await;
    let (e1, j1) = expert(&app, "expert1", "EXP-1").await;
    let (e2, j2) = expert(&app, "expert2", "EXP-2").await;
    let (e3, j3) = expert(&app, "expert3", "EXP-3").await;
    draw(&app, &sid, vec![j1, j2, j3]).await;
    // 87号令 第四十四条: the committee waits for the purchaser's qualification review.
    let (s, v) = review(&app, &e1, &sid, pass_all(&t)).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "evaluation.qualification_pending", "{v}");
    let wb = format!("/api/v1/sections/{sid}/evaluation");
    let (_, w) = app.get(Some(&e1.token), &wb).await;
    assert_eq!(w["stage"], "waiting", "{w}");
    crate::procurement_qualification::qualify_all(&app, &t).await;
    caught_up(&app).await;
    let (_, w) = app.get(Some(&e1.token), &wb).await;
    assert_eq!(w["stage"], "review", "{w}");
    let every = |p: (&str, &str)| {
        json!({"bids": t.bidders.iter().map(|b| json!({"org_id": b.org_id,
            "points": {"technical": p.0, "commercial": p.1}})).collect::<Vec<_>>()})
    };
    for e in [&e1, &e2, &e3] {
        assert_eq!(review(&app, e, &sid, pass_all(&t)).await.0, 200);
    }
    for e in [&e1, &e2, &e3] {
        let (s, v) = score(&app, e, &sid, every(("40", "15"))).await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, r) = app
        .get(
            Some(&t.staff),
            &format!("/api/v1/sections/{sid}/evaluation/report"),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["base"]["base"], "9480000.50");
    let price_score = |i: usize| {
        r["bids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["org_id"] == t.bidders[i].org_id.as_str())
            .unwrap()["price_score"]
            .clone()
    };
    // The lowest bid gets the full 30 points; 9 480 000.50 / 9 650 000.00 × 30 = 29.4715… → 29.47;
    // 9 480 000.50 / 9 720 000.00 × 30 = 29.2592… → 29.26.
    assert_eq!(price_score(1)["score"], "30.00");
    assert_eq!(price_score(0)["score"], "29.47");
    assert_eq!(price_score(0)["formula"], "lowest_ratio");
    assert_eq!(price_score(2)["score"], "29.26");
    assert_eq!(r["ranking"][0]["org_id"], t.bidders[1].org_id.as_str());
    assert_eq!(r["ranking"][0]["score"], "85.00");
    app.stop().await;
}
