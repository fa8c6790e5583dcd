//! The expert's workbench in a real browser (headless Chromium at 375 px): an expert signs in,
//! confirms the notice, finds the committee room refused outside the room's networks (the page
//! says so), then votes for the chair, reviews, asks a bidder to clarify, scores with the price
//! formula shown and the others' scores sealed, and signs the report. In the room he sees the
//! opened bids' documents and fetches one. The other four members act through the API. The trade
//! before (method, bids, opening) runs through the real API; the committee is a real draw of the
//! experts area; the room's session comes as the venues event.

use crate::award::{open_and_decrypt, open_by_staff, register_and_bid, registered_section};
use crate::evaluation::{caught_up, comprehensive};
use fantoccini::{Client, Locator};
use ggzy_api_tests::browser::{click_then, fill};
use ggzy_api_tests::{TestApp, DEMO_PASSWORD};
use serde_json::{json, Value};

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .expect("body")
        .text()
        .await
        .expect("text")
}

async fn check(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click #{id}: {e}"));
}

/// The demo organization of `kind`: (id, uscc).
async fn org(app: &TestApp, admin: &str, kind: &str) -> (String, String) {
    let (s, v) = app.get(Some(admin), "/api/v1/organizations").await;
    assert_eq!(s, 200, "{v}");
    let list = v
        .as_array()
        .cloned()
        .or_else(|| v["items"].as_array().cloned())
        .expect("organizations");
    let o = list
        .iter()
        .find(|o| o["kind"] == kind)
        .expect("demo organization");
    (
        o["id"].as_str().unwrap().to_string(),
        o["uscc"].as_str().unwrap().to_string(),
    )
}

fn uscc(n: u32) -> String {
    ggzy_core::ident::Uscc::with_check(&format!("91210200{n:09}"))
        .expect("uscc")
        .as_str()
        .to_string()
}

fn rid(n: u32) -> String {
    ggzy_core::ident::ResidentId::with_check(&format!("21020219750101{n:03}"))
        .expect("resident id")
        .as_str()
        .to_string()
}

/// Five experts of a specialty nobody else has (so the draw can only pick them), of five employers,
/// each linked to a new expert login `panel0`…`panel4`. Returns (expert id, login token).
async fn pool(app: &TestApp, staff: &str, admin: &str) -> Vec<(String, String)> {
    let (employer_org, _) = org(app, admin, "expert_employer").await;
    let mut out = vec![];
    for n in 0..5u32 {
        let (s, e) = app
            .post(
                Some(staff),
                "/api/v1/experts",
                json!({"name": format!("评审专家{n}"), "resident_id": rid(900 + n),
                       "employer_uscc": uscc(9000 + n), "employer_name": format!("单位{n}"),
                       "specialties": [SPECIALTY], "title": "senior", "years": 15,
                       "region": "210200", "phone": "13800000000"}),
            )
            .await;
        assert_eq!(s, 201, "{e}");
        let username = format!("panel{n}");
        let u = app.user_in_org(&employer_org, &username, "expert").await;
        app.drain_consumer("experts.events").await;
        let (s, v) = app
            .put(
                Some(staff),
                &format!("/api/v1/experts/{}/account", e["id"].as_str().unwrap()),
                json!({"user_id": u["id"], "email": format!("{username}@dlut.edu.cn")}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        out.push((
            e["id"].as_str().unwrap().to_string(),
            app.login(&username).await,
        ));
    }
    out
}

/// A specialty code no demo expert has.
const SPECIALTY: &str = "Z97.31";

async fn api(app: &TestApp, token: &str, method: &str, path: &str, body: Value) -> Value {
    let (s, v) = match method {
        "PUT" => app.put(Some(token), path, body).await,
        _ => app.post(Some(token), path, body).await,
    };
    assert!((200..300).contains(&s), "{method} {path}: {s} {v}");
    v
}

#[tokio::test]
async fn an_expert_signs_in_confirms_reviews_scores_and_signs_in_the_browser() {
    let Some(browser) = ggzy_api_tests::browser::browser("expert workbench", 375, 900).await else {
        return;
    };
    let app = TestApp::spawn().await;

    // The trade up to the opening record, through the API: comprehensive method, three bids.
    let mut t = registered_section(&app, "construction").await;
    let sid = t.section_id.clone();
    caught_up(&app).await;
    api(
        &app,
        &t.tenderer,
        "PUT",
        &format!("/api/v1/sections/{sid}/evaluation-method"),
        comprehensive(),
    )
    .await;
    open_by_staff(&app, &t).await;
    register_and_bid(&app, &mut t).await;
    open_and_decrypt(&app, &mut t).await; // the clock is now 2026-04-03 09:30:01 Beijing time
    let staff = app.login("staff").await;
    let admin = app.login("admin").await;

    // A real draw of five for the section, 10:00–17:00 in 第3评标室.
    let experts = pool(&app, &staff, &admin).await;
    let (_, tenderer_uscc) = org(&app, &admin, "tenderer").await;
    let (_, agency_uscc) = org(&app, &admin, "agency").await;
    let mut bidder_usccs = vec![];
    for b in &t.bidders {
        let (_, o) = app
            .get(Some(&admin), &format!("/api/v1/organizations/{}", b.org_id))
            .await;
        bidder_usccs.push(o["uscc"].as_str().unwrap().to_string());
    }
    let sup = app.login("supervisor").await;
    let (s, d) = app
        .two_step_draw(
            &staff,
            &sup,
            json!({"section_id": sid, "tenderer_uscc": tenderer_uscc, "agency_uscc": agency_uscc,
                   "bidder_usccs": bidder_usccs, "session_start": "2026-04-03T10:00:00+08:00",
                   "session_end": "2026-04-03T17:00:00+08:00", "place": "第3评标室",
                   "specialties": [{"specialty": SPECIALTY, "count": 5, "backups": 0}]}),
        )
        .await;
    assert_eq!(s, 201, "{d}");
    let draw_id = d["id"].as_str().unwrap().to_string();
    let members: Vec<String> = d["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["expert_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(members.len(), 5, "{d}");
    // The five linked experts are the committee; panel0 works in the browser.
    let mut panel = experts.clone();
    panel.retain(|(id, _)| members.contains(id));
    assert_eq!(panel.len(), 5, "{d}");
    let me = panel.remove(0);

    // panel0 signs in and lands on his notices: time and place only; he confirms.
    let c = browser.client.clone();
    c.goto(&app.url("/login")).await.expect("login page");
    fill(&c, "f-username", "panel0").await;
    fill(&c, "f-password", DEMO_PASSWORD).await;
    click_then(
        &c,
        Locator::Css("main form button[type=submit]"),
        Locator::Id("notices"),
    )
    .await;
    assert!(c.current_url().await.unwrap().path().starts_with("/expert"));
    let text = body_text(&c).await;
    for seen in [
        "2026-04-03 10:00",
        "2026-04-03 17:00",
        "第3评标室",
        "待确认",
    ] {
        assert!(text.contains(seen), "{seen} not in {text}");
    }
    assert!(!text.contains(&sid), "a notice never names the section");
    click_then(
        &c,
        Locator::Css(&format!("#notice-{draw_id} button[type=submit]")),
        Locator::Css("[data-status=confirmed]"),
    )
    .await;
    let confirmed = app.events_of("experts.member.confirmed").await;
    assert_eq!(confirmed.len(), 1);
    assert_eq!(confirmed[0]["expert_id"], me.0.as_str());
    for (_, token) in &panel {
        api(
            &app,
            token,
            "POST",
            &format!("/api/v1/experts/draws/{draw_id}/confirm"),
            json!({}),
        )
        .await;
    }

    // The session (venues) in a room whose terminals are on 10.0.0.0/8: the room page says so.
    app.emit(
        "venues.session.scheduled",
        "test",
        "session-x",
        json!({"session_id": "session-x", "section_id": sid, "kind": "evaluation", "room_id": "R-3",
               "room_name": "第3评标室", "start": "2026-04-03T01:00:00Z", "end": "2026-04-03T09:00:00Z",
               "room_networks": ["10.0.0.0/8"]}),
    )
    .await;
    caught_up(&app).await;
    c.goto(&app.url("/expert/committee")).await.expect("seats");
    click_then(
        &c,
        Locator::LinkText(&format!("标段 {sid}")),
        Locator::Css("[data-rule='evaluation.room_network']"),
    )
    .await;
    let text = body_text(&c).await;
    assert!(
        text.contains("评标室的终端网络") && text.contains("10.0.0.0/8"),
        "{text}"
    );
    assert!(
        !text.contains("投标报价"),
        "nothing of the evaluation is shown: {text}"
    );
    app.emit(
        "venues.room.networks_changed",
        "test",
        "R-3",
        json!({"room_id": "R-3", "networks": ["127.0.0.0/8", "::1/128"]}),
    )
    .await;
    caught_up(&app).await;
    c.refresh().await.expect("reload");
    c.wait()
        .for_element(Locator::Id("opening"))
        .await
        .expect("the room opens inside the room's network");
    let text = body_text(&c).await;
    for seen in [
        "开标记录",
        "9,650,000.00",
        "9,480,000.50",
        "综合评估法",
        "技术标",
        "价格分",
        "K = 0.02",
    ] {
        assert!(text.contains(seen), "{seen} not in {text}");
    }
    // The opened bids' documents: name, size and SHA-256 per bid, a download link each; the
    // browser fetches one (with the page's session) and gets the bidder's bytes as an attachment.
    c.find(Locator::Id("bid-documents"))
        .await
        .expect("the bid documents section");
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(b"%PDF-1.7 bid"))
    };
    for seen in ["投标文件", "商务标.pdf", "12 字节", sha.as_str()] {
        assert!(text.contains(seen), "{seen} not in {text}");
    }
    let links = c
        .find_all(Locator::Css("table.bid-documents a"))
        .await
        .expect("document links");
    assert_eq!(links.len(), 3, "one document per opened bid");
    let fetched = c
        .execute(
            "const a = document.querySelector('table.bid-documents a'); \
             return fetch(a.href, {credentials: 'same-origin'}).then(r => r.text().then(t => \
               [r.status, r.headers.get('content-disposition'), r.headers.get('x-content-type-options'), \
                t.length, t]));",
            vec![],
        )
        .await
        .expect("fetch a document");
    assert_eq!(fetched[0], 200, "{fetched}");
    assert!(
        fetched[1]
            .as_str()
            .unwrap_or_default()
            .starts_with("attachment;"),
        "{fetched}"
    );
    assert_eq!(fetched[2], "nosniff", "{fetched}");
    assert_eq!(fetched[3], 12, "{fetched}");
    assert_eq!(fetched[4], "%PDF-1.7 bid", "{fetched}");
    app.seal().await;
    let reads = app.events_of("evaluation.document.read").await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0]["expert_id"], me.0.as_str());
    assert_eq!(reads[0]["name"], "商务标.pdf");

    // Chair: he votes for himself, two others follow through the API → elected.
    check(&c, &format!("chair-{}", me.0)).await;
    click_then(
        &c,
        Locator::Css(&format!(
            "form[action='/expert/committee/{sid}/chair'] button"
        )),
        Locator::Id("my-vote"),
    )
    .await;
    for (_, token) in &panel[..2] {
        api(
            &app,
            token,
            "POST",
            &format!("/api/v1/sections/{sid}/evaluation/chair-votes"),
            json!({"expert_id": me.0}),
        )
        .await;
    }
    let elected = app.events_of("evaluation.chair.elected").await;
    assert_eq!(elected.len(), 1);
    assert_eq!(elected[0]["expert_id"], me.0.as_str());

    // Review: submitting with nothing chosen is refused naming each item, nothing is stored.
    c.goto(&app.url(&format!("/expert/committee/{sid}/review")))
        .await
        .expect("review");
    click_then(
        &c,
        Locator::Css("main form button.primary"),
        Locator::Css(".error-summary"),
    )
    .await;
    let text = body_text(&c).await;
    assert!(text.contains("review.verdict_required"), "{text}");
    assert!(app
        .events_of("evaluation.review.submitted")
        .await
        .is_empty());
    // A fail without its reason: the use case's own rule next to the field.
    for i in 0..3 {
        for j in 0..2 {
            let id = if (i, j) == (2, 1) {
                format!("f-bids-{i}-items-{j}-pass-fail")
            } else {
                format!("f-bids-{i}-items-{j}-pass")
            };
            check(&c, &id).await;
        }
    }
    click_then(
        &c,
        Locator::Css("main form button.primary"),
        Locator::Css("#f-bids-2-items-1-reason[aria-invalid=true]"),
    )
    .await;
    assert!(body_text(&c).await.contains("review.reason_required"));
    // The choices were kept; change the fail back to pass and submit.
    check(&c, "f-bids-2-items-1-pass").await;
    click_then(
        &c,
        Locator::Css("main form button.primary"),
        Locator::Css("main table"),
    )
    .await;
    assert_eq!(app.events_of("evaluation.review.submitted").await.len(), 1);
    let all_pass = json!({"bids": t.bidders.iter().map(|b| json!({"org_id": b.org_id,
        "items": [{"item": "资格审查", "pass": true}]})).collect::<Vec<_>>()});
    for (_, token) in &panel {
        api(
            &app,
            token,
            "PUT",
            &format!("/api/v1/sections/{sid}/evaluation/reviews/mine"),
            all_pass.clone(),
        )
        .await;
    }

    // A clarification to bidder1, answered by the bidder through the API.
    c.goto(&app.url(&format!("/expert/committee/{sid}/clarifications")))
        .await
        .expect("clarifications");
    fill(&c, "f-question", "请澄清施工工期安排").await;
    click_then(
        &c,
        Locator::Css("main form button[type=submit]"),
        Locator::Css("main ul.items"),
    )
    .await;
    let (_, asked) = app
        .get(
            Some(&t.bidders[0].token),
            &format!("/api/v1/sections/{sid}/evaluation/clarifications"),
        )
        .await;
    let qid = asked[0]["id"].as_str().expect("asked").to_string();
    api(
        &app,
        &t.bidders[0].token,
        "POST",
        &format!("/api/v1/evaluation/clarifications/{qid}/answer"),
        json!({"answer": "工期 300 日历天"}),
    )
    .await;
    c.refresh().await.expect("reload");
    c.wait()
        .for_element(Locator::Css("main ul.items"))
        .await
        .expect("list");
    assert!(body_text(&c).await.contains("工期 300 日历天"));

    // Scoring: the formula and the computed price scores are shown; a score above the maximum is
    // refused with the use case's rule; then his scores are in and the others' sealed.
    c.goto(&app.url(&format!("/expert/committee/{sid}/scores")))
        .await
        .expect("scores");
    let text = body_text(&c).await;
    assert!(text.contains("价格分 = 30 − |投标价 − 基准价|"), "{text}");
    assert!(text.contains("价格分（按公式计算）"), "{text}");
    for i in 0..3 {
        fill(&c, &format!("f-bids-{i}-points-technical"), "40").await;
        fill(&c, &format!("f-bids-{i}-points-commercial"), "15").await;
    }
    fill(&c, "f-bids-1-points-technical", "50.5").await;
    click_then(
        &c,
        Locator::Css("main form button.primary"),
        Locator::Css(".error-summary"),
    )
    .await;
    assert!(body_text(&c).await.contains("scoring.points_range"));
    fill(&c, "f-bids-1-points-technical", "45").await;
    click_then(
        &c,
        Locator::Css("main form button.primary"),
        Locator::Css("[data-sealed=true]"),
    )
    .await;
    assert!(body_text(&c).await.contains("1 / 5"));
    let points = json!({"bids": t.bidders.iter().map(|b| json!({"org_id": b.org_id,
        "points": {"technical": "42", "commercial": "16"}})).collect::<Vec<_>>()});
    for (_, token) in &panel {
        api(
            &app,
            token,
            "PUT",
            &format!("/api/v1/sections/{sid}/evaluation/scores/mine"),
            points.clone(),
        )
        .await;
    }
    c.refresh().await.expect("reload");
    c.wait()
        .for_element(Locator::Css("main h3"))
        .await
        .expect("scores");
    let text = body_text(&c).await;
    assert!(text.contains("全体成员打分"), "{text}");

    // The report: ranking, then he signs; the others sign through the API → final.
    c.goto(&app.url(&format!("/expert/committee/{sid}/report")))
        .await
        .expect("report");
    let text = body_text(&c).await;
    assert!(text.contains("推荐中标候选人"), "{text}");
    assert!(text.contains("评标报告（草稿）"), "{text}");
    click_then(
        &c,
        Locator::Css("main form button.primary"),
        Locator::Css("p.ok[role=status]"),
    )
    .await;
    assert!(body_text(&c).await.contains("您已签字"));
    for (_, token) in &panel {
        api(
            &app,
            token,
            "POST",
            &format!("/api/v1/sections/{sid}/evaluation/report/sign"),
            json!({}),
        )
        .await;
    }
    let signed = app.events_of("evaluation.report.signed").await;
    assert_eq!(signed.len(), 1, "{signed:?}");
    c.refresh().await.expect("reload");
    c.wait()
        .for_element(Locator::Css("main h2"))
        .await
        .expect("report");
    assert!(body_text(&c).await.contains("评标报告（已签署）"));

    // English switch on the same page.
    click_then(
        &c,
        Locator::LinkText("English"),
        Locator::Css("html[lang=en]"),
    )
    .await;
    assert!(body_text(&c).await.contains("Evaluation report (signed)"));
    c.close().await.expect("close");
    drop(browser);
    app.stop().await;
}
