//! The remedies pages (crates/remedies/src/pages.rs, docs/remedies.md "Pages"): a supplier raises a
//! procurement challenge on its page, the purchaser answers it on the tenderer's page, the supplier
//! escalates it to a complaint, the supervisor accepts it and decides it — each step through the
//! pages only, with the refusals shown next to the field and their rule ids, and no CSRF token
//! refused with nothing changed.

use crate::award::at;
use crate::remedies::procurement_project;
use ggzy_api_tests::pages::Visitor;
use ggzy_api_tests::TestApp;

/// The case id in a `/…/remedies/{id}` location.
fn case_id(location: &str) -> String {
    location.rsplit('/').next().unwrap_or("").to_string()
}

async fn signed_in(app: &TestApp, user: &str) -> (Visitor, String) {
    let mut v = Visitor::new(app);
    v.sign_in(user).await;
    let csrf = v.csrf("/").await;
    (v, csrf)
}

#[tokio::test]
async fn a_challenge_is_raised_answered_escalated_accepted_and_decided_on_the_pages() {
    let app = TestApp::spawn_at(at("2026-09-14T09:00:00+08:00")).await;
    let reg = app.register_project(procurement_project()).await;
    app.open_bidding(&reg.staff, &reg.section_id).await;
    let sid = reg.section_id.clone();
    app.drain_consumer("projects.organizations").await;
    app.clock().set(at("2026-09-28T10:00:00+08:00"));
    for b in ["bidder1", "bidder2"] {
        let tok = app.login(b).await;
        app.register_for(&tok, &sid).await;
    }
    app.drain_consumer("remedies.projection").await;

    // The supplier's cases page offers its section; the form offers the market's kinds only.
    app.clock().set(at("2026-10-12T10:00:00+08:00"));
    let (mut b1, csrf) = signed_in(&app, "bidder1").await;
    let home = b1.get("/bidder").await;
    assert!(home.body.contains("/bidder/remedies"), "bidder home links");
    let mine = b1.get("/bidder/remedies").await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let new_url = format!("/bidder/sections/{sid}/remedies/new");
    assert!(mine.body.contains(&new_url), "{}", mine.body);
    let form = b1.get(&new_url).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("value=\"challenge\""), "{}", form.body);
    assert!(
        !form.body.contains("value=\"objection\""),
        "procurement has no objection"
    );

    // Refusals: grounds missing (422 next to the field), no CSRF token (403); nothing written.
    let r = b1
        .post_form(
            &new_url,
            &[
                ("csrf", &csrf),
                ("kind", "challenge"),
                ("target", "documents"),
                ("grounds", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("f-grounds-error"), "{}", r.body);
    let r = b1
        .post_form(
            &new_url,
            &[
                ("kind", "challenge"),
                ("target", "documents"),
                ("grounds", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM remedy_cases").await, 0);
    // A complaint must follow a challenge: the rule id is shown.
    let r = b1
        .post_form(
            &new_url,
            &[
                ("csrf", &csrf),
                ("kind", "complaint"),
                ("target", "documents"),
                ("grounds", "参数指向特定品牌"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("remedy.requires_prior"), "{}", r.body);

    let r = b1
        .post_form(
            &new_url,
            &[
                ("csrf", &csrf),
                ("kind", "challenge"),
                ("target", "documents"),
                ("grounds", "技术参数指向特定品牌"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = case_id(r.location());
    let page = b1.get(r.location()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("data-state=\"raised\""), "{}", page.body);
    // Escalation before the answer is refused with the rule.
    let r = b1
        .post_form(
            &format!("/bidder/remedies/{id}/escalate"),
            &[("csrf", &csrf), ("grounds", "未答复")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("remedy.answer_pending"), "{}", r.body);
    let list = b1.get("/bidder/remedies").await;
    assert!(list.body.contains(&format!("/bidder/remedies/{id}")));

    // The purchaser sees it in its queue and answers; a malformed new deadline is named.
    let (mut t, tcsrf) = signed_in(&app, "tenderer").await;
    let queue = t.get("/tenderer/remedies").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(
        queue.body.contains(&format!("/tenderer/remedies/{id}")),
        "{}",
        queue.body
    );
    let case = t.get(&format!("/tenderer/remedies/{id}")).await;
    assert!(case.body.contains("/answer\""), "{}", case.body);
    let answer_url = format!("/tenderer/remedies/{id}/answer");
    let r = t
        .post_form(
            &answer_url,
            &[
                ("csrf", &tcsrf),
                ("answer", "参数为通用参数"),
                ("changes_documents", "false"),
                ("new_bid_deadline", "tomorrow"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("date.format"), "{}", r.body);
    let r = t
        .post_form(
            &answer_url,
            &[
                ("csrf", &tcsrf),
                ("answer", ""),
                ("changes_documents", "false"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("f-answer-error"), "{}", r.body);
    let r = t
        .post_form(
            &answer_url,
            &[
                ("csrf", &tcsrf),
                ("answer", "参数为通用参数，质疑不成立"),
                ("changes_documents", "false"),
                ("new_bid_deadline", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let queue = t.get("/tenderer/remedies").await;
    assert!(!queue.body.contains(&id), "answered cases leave the queue");
    // Another bidder cannot act on the raiser's case.
    let (mut b2, csrf2) = signed_in(&app, "bidder2").await;
    let r = b2
        .post_form(
            &format!("/bidder/remedies/{id}/escalate"),
            &[("csrf", &csrf2), ("grounds", "x")],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // The supplier escalates its answered challenge to a complaint.
    let page = b1.get(&format!("/bidder/remedies/{id}")).await;
    assert!(
        page.body.contains("data-state=\"answered\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("参数为通用参数，质疑不成立"));
    let r = b1
        .post_form(
            &format!("/bidder/remedies/{id}/escalate"),
            &[("csrf", &csrf), ("grounds", "答复未回应参数来源")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let cid = case_id(r.location());
    assert_ne!(cid, id);

    // The supervisor's queue shows the complaint with its acceptance due date; accept, then decide.
    let (mut s, scsrf) = signed_in(&app, "supervisor").await;
    let home = s.get("/supervisor").await;
    assert!(
        home.body.contains("/supervisor/remedies"),
        "supervisor home links"
    );
    let queue = s.get("/supervisor/remedies").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(
        queue.body.contains(&format!("/supervisor/remedies/{cid}")),
        "{}",
        queue.body
    );
    let en = s.get(&format!("/supervisor/remedies/{cid}?lang=en")).await;
    assert!(en.body.contains("Acceptance review"), "{}", en.body);
    // Decide before accepting: 409 with the rule, nothing changed.
    let r = s
        .post_form(
            &format!("/supervisor/remedies/{cid}/decide"),
            &[("csrf", &scsrf), ("decision", "dismissed"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = s
        .post_form(
            &format!("/supervisor/remedies/{cid}/accept"),
            &[("csrf", &scsrf), ("suspend", "false")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = s.get(&format!("/supervisor/remedies/{cid}")).await;
    assert!(
        page.body.contains("data-state=\"investigating\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("/decide\""), "{}", page.body);
    let decide_url = format!("/supervisor/remedies/{cid}/decide");
    let r = s
        .post_form(
            &decide_url,
            &[("csrf", &scsrf), ("decision", "dismissed"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("f-reason-error"), "{}", r.body);
    let r = s
        .post_form(
            &decide_url,
            &[("csrf", &scsrf), ("decision", "pardon"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("remedy.decision_unknown"), "{}", r.body);
    let r = s
        .post_form(
            &decide_url,
            &[
                ("csrf", &scsrf),
                ("decision", "dismissed"),
                ("reason", "参数为通用参数，投诉缺乏事实依据"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b1.get(&format!("/bidder/remedies/{cid}")).await;
    assert!(
        page.body.contains("data-state=\"decided\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("投诉缺乏事实依据"), "{}", page.body);
    let queue = s.get("/supervisor/remedies").await;
    assert!(
        !queue.body.contains(&cid),
        "decided complaints leave the queue"
    );
    // Another role is refused the supervisor's pages.
    let r = b1.get("/supervisor/remedies").await;
    assert_eq!(r.status, 403);
    app.stop().await;
}

/// A complaint (a procurement challenge answered and escalated through the API) waiting for the
/// supervisor; returns its id.
async fn complaint_waiting(app: &TestApp) -> String {
    use serde_json::json;
    let reg = app.register_project(procurement_project()).await;
    app.open_bidding(&reg.staff, &reg.section_id).await;
    let sid = reg.section_id.clone();
    app.drain_consumer("projects.organizations").await;
    app.clock().set(at("2026-09-28T10:00:00+08:00"));
    let b1 = app.login("bidder1").await;
    app.register_for(&b1, &sid).await;
    app.drain_consumer("remedies.projection").await;
    app.clock().set(at("2026-10-12T10:00:00+08:00"));
    let b1 = app.login("bidder1").await;
    let case = app
        .post_expect(
            &b1,
            &format!("/api/v1/sections/{sid}/remedies"),
            json!({"kind": "challenge", "target": "documents", "grounds": "技术参数指向特定品牌"}),
            201,
        )
        .await;
    let id = case["id"].as_str().unwrap().to_string();
    let tenderer = app.login("tenderer").await;
    app.post_expect(
        &tenderer,
        &format!("/api/v1/remedies/{id}/answer"),
        json!({"answer": "参数为通用参数"}),
        200,
    )
    .await;
    let complaint = app
        .post_expect(
            &b1,
            &format!("/api/v1/remedies/{id}/escalate"),
            json!({"grounds": "答复未回应参数来源"}),
            201,
        )
        .await;
    complaint["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_supervisor_accepts_and_decides_a_complaint_in_the_browser_at_375_px() {
    use fantoccini::Locator;
    let Some(b) =
        ggzy_api_tests::browser::browser("remedies supervisor browser test", 375, 812).await
    else {
        return;
    };
    let app = TestApp::spawn_at(at("2026-09-14T09:00:00+08:00")).await;
    let cid = complaint_waiting(&app).await;
    let c = b.client.clone();
    let url = format!("{}/supervisor/remedies", app.addr);
    ggzy_api_tests::browser::sign_in(&c, &url, "supervisor", ggzy_api_tests::DEMO_PASSWORD).await;
    let link = format!("a[href='/supervisor/remedies/{cid}']");
    c.wait()
        .at_most(ggzy_api_tests::PATIENCE)
        .for_element(Locator::Css(&link))
        .await
        .expect("the complaint in the queue");
    ggzy_api_tests::browser::click_then(&c, Locator::Css(&link), Locator::Id("accept")).await;
    ggzy_api_tests::browser::click_then(&c, Locator::Id("accept"), Locator::Id("decide")).await;
    ggzy_api_tests::browser::fill(&c, "f-reason", "参数为通用参数，投诉缺乏事实依据").await;
    ggzy_api_tests::browser::click_then(
        &c,
        Locator::Id("decide"),
        Locator::Css("#case-state[data-state='decided']"),
    )
    .await;
    let body = c
        .find(Locator::Css("main"))
        .await
        .expect("main")
        .text()
        .await
        .expect("text");
    assert!(body.contains("投诉缺乏事实依据"), "{body}");
    // Nothing overflows a 375 px screen horizontally.
    let fits: serde_json::Value = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .expect("width");
    assert_eq!(fits, serde_json::json!(true), "the case page fits 375 px");
    let sup = app.login("supervisor").await;
    let v = app
        .get_expect(&sup, &format!("/api/v1/remedies/{cid}"), 200)
        .await;
    assert_eq!(v["state"], "decided", "{v}");
    assert_eq!(v["decision"], "dismissed", "{v}");
    c.close().await.expect("close");
    drop(b);
    app.stop().await;
}
