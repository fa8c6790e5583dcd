//! Issue 21: procedures as data — the invited tender (邀请招标, 招标投标法 17; interested parties,
//! 实施条例 34), the open tender with prequalification (资格预审, 实施条例 15–21) and the re-tender of
//! a failed section (流标) with a change of procedure and its approval. Each completes a trade from
//! registration to the contract through the public API.

use crate::award::{at, events, register_and_bid, submit_result, travel, Trade, DEADLINE};
use base64::Engine as _;
use ggzy_api_tests::fixtures::{self, assert_first_error, assert_rule};
use ggzy_api_tests::pages::{hidden_value, Visitor};
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};
use std::time::Duration;

/// A project of `market` with `procedure`, one section: documents issued at `issue`, sold until
/// `sale_end`, bids due and opened at `deadline`.
fn body(market: &str, procedure: &str, issue: &str, sale_end: &str, deadline: &str) -> Value {
    let mut b =
        fixtures::one_section_project(&format!("{procedure} 测试项目"), market, sale_end, deadline);
    b["procedure"] = json!(procedure);
    b["sections"][0]["docs_issue_at"] = json!(issue);
    b
}

async fn registered(app: &TestApp, body: Value) -> Trade {
    let r = app.register_project(body).await;
    Trade {
        project_id: r.project_id,
        section_id: r.section_id,
        tenderer: r.tenderer,
        staff: r.staff,
        bidders: Vec::new(),
    }
}

/// The state of the trade's section (looked up by id: a project may have several).
async fn state(app: &TestApp, t: &Trade) -> String {
    let (s, p) = app
        .get(
            Some(&t.tenderer),
            &format!("/api/v1/projects/{}", t.project_id),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    p["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == t.section_id.as_str())
        .map(|x| x["state"].as_str().unwrap().to_string())
        .expect("section in its project")
}

async fn wait_for(app: &TestApp, t: &Trade, want: &str) {
    let mut last = String::new();
    for () in ggzy_api_tests::patience() {
        last = state(app, t).await;
        if last == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("section {} stayed {last}, expected {want}", t.section_id);
}

async fn uscc_of(app: &TestApp, token: &str) -> String {
    let org = app.org_of(token).await;
    app.drain_consumer("projects.organizations").await;
    app.strings("SELECT uscc FROM project_orgs WHERE id = $1", &[&org])
        .await
        .pop()
        .expect("organization known to projects")
}

/// A new bidder organization `username` with USCC `91210200MA21000nn`; its token.
async fn new_bidder(app: &TestApp, n: u32, username: &str) -> String {
    let uscc = ggzy_core::ident::Uscc::with_check(&format!("91210200MA210{n:04}"))
        .unwrap()
        .to_string();
    let t = app
        .org_with_user(
            json!({"uscc": uscc, "name": format!("大连第{n}工程有限公司"), "kind": "bidder",
                   "legal_representative": format!("法人{n}"), "region": "210200"}),
            username,
            "bidder",
        )
        .await;
    app.drain_consumer("projects.organizations").await;
    t
}

/// bidder1..3 register and bid; the deadline passes, the bids open, the evaluation result, the
/// candidate publicity, the award and the contract.
async fn bid_to_contract(app: &TestApp, t: &mut Trade, deadline: &str) {
    register_and_bid(app, t).await;
    travel(app, t, at(deadline) + chrono::Duration::seconds(1)).await;
    wait_for(app, t, "opening").await;
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
    wait_for(app, t, "evaluating").await;
    let (s, p) = submit_result(app, t, 3).await;
    assert_eq!(s, 201, "{p}");
    travel(
        app,
        t,
        at(p["publicity_ends_at"].as_str().unwrap()) + chrono::Duration::hours(9),
    )
    .await;
    let (s, a) = app
        .post(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{}/award", t.section_id),
            json!({}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let today = ggzy_core::time::local_date(app.clock().now()).to_string();
    let (s, c) = app
        .post(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{}/contract", t.section_id),
            json!({"signed_on": today, "amount": t.bidders[1].price}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(state(app, t).await, "contracted");
}

#[tokio::test]
async fn an_invited_tender_admits_only_three_or_more_invitees_and_no_interested_party() {
    let app = TestApp::spawn().await;
    let (s, procs) = app.get(None, "/api/v1/procedures").await;
    assert_eq!(s, 200, "{procs}");
    let invited = procs
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["market"] == "construction" && p["procedure"] == "invited_tender")
        .expect("the invited tender is a row of the procedures table");
    assert_eq!(invited["stages"][0]["stage"], "invitation");
    assert_eq!(invited["stages"][0]["min_count"], 3);

    let mut t = registered(
        &app,
        body(
            "construction",
            "invited_tender",
            "2026-03-02T09:00:00+08:00",
            "2026-03-09T17:00:00+08:00",
            DEADLINE,
        ),
    )
    .await;
    let sid = t.section_id.clone();
    let mut usccs = Vec::new();
    for b in ["bidder1", "bidder2", "bidder3"] {
        let tok = app.login(b).await;
        usccs.push(uscc_of(&app, &tok).await);
    }
    let related = new_bidder(&app, 41, "related41").await;
    let related_uscc = uscc_of(&app, &related).await;
    let stranger = new_bidder(&app, 42, "stranger42").await;

    // No invitations yet: bidding does not open.
    let (s, v) = app
        .post(
            Some(&t.staff),
            &format!("/api/v1/sections/{sid}/open-bidding"),
            json!({}),
        )
        .await;
    assert_rule(s, &v, 409, "invitation.missing");
    let url = format!("/api/v1/sections/{sid}/invitations");
    let invitees = |n: usize| -> Value {
        json!({"invitees": usccs.iter().take(n).enumerate()
            .map(|(i, u)| json!({"uscc": u, "name": format!("受邀单位{i}")})).collect::<Vec<_>>()})
    };
    // Boundary: 2 invitees refused, nothing written; 3 accepted (招标投标法 17).
    let (s, v) = app.post(Some(&t.tenderer), &url, invitees(2)).await;
    assert_first_error(s, &v, 422, "invitation.min_invitees");
    assert_eq!(
        app.get(Some(&t.tenderer), &url).await.1["invitees"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Another tenderer may not invite for this section.
    let other = app.login("tenderer2").await;
    let (s, v) = app.post(Some(&other), &url, invitees(3)).await;
    assert_eq!(s, 403, "{v}");
    // The tenderer declares an interested party (实施条例 34); it may not be invited.
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{sid}/interested-parties"),
            json!({"uscc": related_uscc, "relation": "control", "detail": "招标人控股子公司"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let mut four = invitees(3);
    four["invitees"]
        .as_array_mut()
        .unwrap()
        .push(json!({"uscc": related_uscc, "name": "关联单位"}));
    let (s, v) = app.post(Some(&t.tenderer), &url, four).await;
    assert_first_error(s, &v, 422, "invitation.interested_party");
    let (s, v) = app.post(Some(&t.tenderer), &url, invitees(3)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["invitees"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(
        events(&app, "projects.invitation.sent", &sid).await.len(),
        3
    );
    // The invitees see their invitation letter (投标邀请书) before bidding opens; others do not.
    let b1 = app.login("bidder1").await;
    let (s, mine) = app.get(Some(&b1), "/api/v1/bidder/invitations").await;
    assert_eq!(s, 200, "{mine}");
    let mine = mine.as_array().expect("list").clone();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(
        (mine[0]["section_id"].as_str(), mine[0]["source"].as_str()),
        (Some(sid.as_str()), Some("letter"))
    );
    assert_eq!(mine[0]["state"], "registered");
    let (s, none) = app.get(Some(&stranger), "/api/v1/bidder/invitations").await;
    assert_eq!((s, none), (200, json!([])));
    let (s, v) = app
        .get(Some(&t.tenderer), "/api/v1/bidder/invitations")
        .await;
    assert_eq!(s, 403, "{v}");
    // …on the workbench page too.
    let mut page = Visitor::new(&app);
    page.sign_in("bidder1").await;
    let home = page.get("/bidder").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("投标邀请书"), "{}", home.body);
    assert!(home.body.contains("报名尚未开始"), "{}", home.body);

    app.open_bidding(&t.staff, &sid).await;
    // Invitations are closed once bidding opened.
    let (s, v) = app.post(Some(&t.tenderer), &url, invitees(3)).await;
    assert_rule(s, &v, 409, "invitation.too_late");
    // Neither the interested party nor an organization not invited may register.
    let (s, v) = app
        .post(
            Some(&related),
            &format!("/api/v1/sections/{sid}/registrations"),
            json!({}),
        )
        .await;
    assert_rule(s, &v, 409, "registration.interested_party");
    let (s, v) = app
        .post(
            Some(&stranger),
            &format!("/api/v1/sections/{sid}/registrations"),
            json!({}),
        )
        .await;
    assert_rule(s, &v, 409, "registration.not_invited");

    bid_to_contract(&app, &mut t, DEADLINE).await;
    app.stop().await;
}

/// A review by the committee: applicant `orgs[i]` qualified or not by `q[i]`, with the reason.
fn results(orgs: &[String], q: &[bool]) -> Value {
    json!({"reviewer": "committee", "results": orgs.iter().zip(q).map(|(o, q)| json!({
        "org_id": o, "qualified": q,
        "reason": if *q { "资质与业绩满足资格预审文件要求" } else { "类似工程业绩不足" }}))
        .collect::<Vec<_>>()})
}

#[tokio::test]
async fn a_prequalification_with_two_qualified_is_repeated_and_only_the_qualified_bid() {
    let app = TestApp::spawn().await;
    // Tender documents issued 2026-03-31, sold until 04-08 (Qingming 04-04..06), bids due 04-21.
    let deadline = "2026-04-21T09:30:00+08:00";
    let mut t = registered(
        &app,
        body(
            "construction",
            "prequalified_tender",
            "2026-03-31T09:00:00+08:00",
            "2026-04-08T17:00:00+08:00",
            deadline,
        ),
    )
    .await;
    let sid = t.section_id.clone();
    let url = format!("/api/v1/sections/{sid}/prequalification");
    let round = |sale_end: &str, due: &str| {
        json!({"docs_issue_at": "2026-03-02T09:00:00+08:00", "docs_sale_end_at": sale_end,
               "applications_due_at": due})
    };
    // Sale ≥ 5 days (实施条例 16): from Monday 03-02 the 5th day is Saturday 03-07, so the last
    // day moves to Monday 03-09: Sunday 03-08 refused, Monday 03-09 accepted.
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &url,
            round("2026-03-08T17:00:00+08:00", "2026-03-16T09:00:00+08:00"),
        )
        .await;
    assert_first_error(s, &v, 422, "prequalification.sale_min_days");
    // Applications due ≥ 5 days after the sale ends (实施条例 17): from 03-09 the 5th day is
    // Saturday 03-14 → Monday 03-16: Sunday 03-15 refused.
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &url,
            round("2026-03-09T17:00:00+08:00", "2026-03-15T17:00:00+08:00"),
        )
        .await;
    assert_first_error(s, &v, 422, "prequalification.applications_min_days");
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &url,
            round("2026-03-09T17:00:00+08:00", "2026-03-16T09:00:00+08:00"),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["round"], 1);
    assert_eq!(v["min_qualified"], 3);

    let apply = format!("{url}/applications");
    let mut tokens = Vec::new();
    let mut orgs = Vec::new();
    for b in ["bidder1", "bidder2", "bidder3"] {
        let tok = app.login(b).await;
        uscc_of(&app, &tok).await;
        orgs.push(app.org_of(&tok).await);
        let (s, v) = app.post(Some(&tok), &apply, json!({})).await;
        assert_eq!(s, 201, "{b}: {v}");
        tokens.push(tok);
    }
    let (s, v) = app.post(Some(&tokens[0]), &apply, json!({})).await;
    assert_rule(s, &v, 409, "prequalification.duplicate");
    let review = format!("{url}/review");
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &review,
            results(&orgs, &[true, true, true]),
        )
        .await;
    assert_rule(s, &v, 409, "prequalification.before_deadline");

    // At the due time applications close; the review with 2 qualified fails the round (实施条例 19).
    travel(&app, &mut t, fixtures::at("2026-03-16T09:00:00+08:00")).await;
    let late = new_bidder(&app, 43, "late43").await;
    let (s, v) = app.post(Some(&late), &apply, json!({})).await;
    assert_rule(s, &v, 409, "prequalification.after_deadline");
    let mut partial = results(&orgs, &[true, true, false]);
    partial["results"].as_array_mut().unwrap().pop();
    let (s, v) = app.post(Some(&t.tenderer), &review, partial).await;
    assert_first_error(s, &v, 422, "prequalification.review_incomplete");
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &review,
            results(&orgs, &[true, true, false]),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "failed", "{v}");
    let notices = events(&app, "projects.prequalification.notice", &sid).await;
    assert_eq!(notices.len(), 3, "a result notice to every applicant");
    let (s, v) = app
        .post(
            Some(&t.staff),
            &format!("/api/v1/sections/{sid}/open-bidding"),
            json!({}),
        )
        .await;
    assert_rule(s, &v, 409, "prequalification.not_complete");

    // Round 2: the three and a fourth apply; three qualified (the minimum) → registration is theirs.
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &url,
            json!({"docs_issue_at": "2026-03-16T09:00:00+08:00",
                   "docs_sale_end_at": "2026-03-23T17:00:00+08:00",
                   "applications_due_at": "2026-03-30T09:00:00+08:00"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["round"], 2);
    for b in ["bidder1", "bidder2", "bidder3", "late43"] {
        let tok = app.login(b).await;
        let (s, v) = app.post(Some(&tok), &apply, json!({})).await;
        assert_eq!(s, 201, "{b}: {v}");
    }
    orgs.push(app.org_of(&late).await);
    travel(&app, &mut t, fixtures::at("2026-03-30T09:00:01+08:00")).await;
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &review,
            results(&orgs, &[true, true, true, false]),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "qualified", "{v}");
    // A bidder reads its own result only.
    let late = app.login("late43").await;
    let (s, mine) = app.get(Some(&late), &url).await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine["applicants"].as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine["applicants"][0]["qualified"], false, "{mine}");

    app.open_bidding(&t.staff, &sid).await;
    let (s, v) = app
        .post(
            Some(&late),
            &format!("/api/v1/sections/{sid}/registrations"),
            json!({}),
        )
        .await;
    assert_rule(s, &v, 409, "registration.not_qualified");
    bid_to_contract(&app, &mut t, deadline).await;
    app.stop().await;
}

#[tokio::test]
async fn a_failed_procurement_is_tendered_again_by_invitation_with_the_approval_recorded() {
    let app = TestApp::spawn().await;
    let mut t = registered(
        &app,
        body(
            "procurement",
            "open_tender",
            "2026-03-02T09:00:00+08:00",
            "2026-03-09T17:00:00+08:00",
            DEADLINE,
        ),
    )
    .await;
    let old = t.section_id.clone();
    app.open_bidding(&t.staff, &old).await;
    let url = format!("/api/v1/sections/{old}/retender");
    let again = |procedure: Option<&str>, approval: Option<Value>| {
        json!({"reason": "投标截止时投标人不足3家（流标）",
               "docs_issue_at": "2026-04-07T09:00:00+08:00",
               "docs_sale_end_at": "2026-04-14T17:00:00+08:00",
               "bid_deadline": "2026-04-28T09:30:00+08:00",
               "opening_at": "2026-04-28T09:30:00+08:00",
               "procedure": procedure, "approval": approval})
    };
    // Only a failed section is tendered again.
    let (s, v) = app.post(Some(&t.tenderer), &url, again(None, None)).await;
    assert_rule(s, &v, 409, "retender.not_failed");
    // No bids at the deadline: the opening fails the section (87号令 43).
    travel(&app, &mut t, at(DEADLINE) + chrono::Duration::seconds(1)).await;
    wait_for(&app, &t, "failed").await;

    // Another procedure needs the approval recorded (政府采购法 37; 87号令 43); not dated tomorrow.
    let (s, v) = app
        .post(Some(&t.tenderer), &url, again(Some("invited_tender"), None))
        .await;
    assert_first_error(s, &v, 422, "retender.approval_required");
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &url,
            again(
                Some("invited_tender"),
                Some(
                    json!({"document": "大财采〔2026〕12号", "approved_by": "大连市财政局",
                            "approved_on": "2026-04-04"}),
                ),
            ),
        )
        .await;
    assert_first_error(s, &v, 422, "retender.approval_in_future");
    // The tenderer does it in one step with the button of the failed section's page.
    let mut page = Visitor::new(&app);
    page.sign_in("tenderer").await;
    let old_page = format!("/tenderer/projects/{}/sections/{old}", t.project_id);
    let form = page.get(&old_page).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("/retender\""), "{}", form.body);
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    let r = page
        .post_form(
            &format!("{old_page}/retender"),
            &[
                ("csrf", &csrf),
                ("reason", "投标截止时投标人不足3家（流标）"),
                ("docs_issue_at", "2026-04-07T09:00"),
                ("docs_sale_end_at", "2026-04-14T17:00"),
                ("bid_deadline", "2026-04-28T09:30"),
                ("procedure", "invited_tender"),
                ("approval_document", "大财采〔2026〕12号"),
                ("approved_by", "大连市财政局"),
                ("approved_on", "2026-04-03"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let new = r
        .location()
        .split("/sections/")
        .nth(1)
        .and_then(|x| x.split('?').next())
        .expect("the new section's page")
        .to_string();
    let new_page = page.get(r.location()).await;
    assert!(
        new_page.body.contains("id=\"retenders\""),
        "{}",
        new_page.body
    );
    assert!(
        new_page.body.contains(&old),
        "the new page links the failed one"
    );
    assert!(new_page.body.contains("大财采〔2026〕12号"));
    let back = page.get(&old_page).await;
    assert!(back.body.contains("id=\"retendered-by\""), "{}", back.body);
    assert!(
        back.body.contains(&new),
        "the failed page links the new one"
    );
    assert!(
        !back.body.contains("/retender\""),
        "no second re-tender button"
    );
    let (_, l) = app
        .get(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{new}/retender"),
        )
        .await;
    assert_eq!(l["retenders"]["old_procedure"], "open_tender", "{l}");
    assert_eq!(l["retenders"]["new_procedure"], "invited_tender", "{l}");
    assert_eq!(l["retenders"]["approved_by"], "大连市财政局", "{l}");
    assert_eq!(l["retenders"]["approved_on"], "2026-04-03", "{l}");
    let (s, v) = app.post(Some(&t.tenderer), &url, again(None, None)).await;
    assert_rule(s, &v, 409, "retender.duplicate");
    // Both sections show the link.
    let (_, l) = app
        .get(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{old}/retender"),
        )
        .await;
    assert_eq!(l["retendered_by"]["new_section_id"], new.as_str(), "{l}");
    let (_, l) = app
        .get(Some(&t.staff), &format!("/api/v1/sections/{new}/retender"))
        .await;
    assert_eq!(l["retenders"]["old_section_id"], old.as_str(), "{l}");
    assert_eq!(l["retenders"]["reason"], "投标截止时投标人不足3家（流标）");
    let (_, p) = app
        .get(
            Some(&t.tenderer),
            &format!("/api/v1/projects/{}", t.project_id),
        )
        .await;
    assert_eq!(p["procedure"], "invited_tender", "{p}");

    // The new section runs the invited tender to the contract.
    t.section_id = new.clone();
    let mut inv = Vec::new();
    for b in ["bidder1", "bidder2", "bidder3"] {
        let tok = app.login(b).await;
        inv.push(json!({"uscc": uscc_of(&app, &tok).await, "name": b}));
    }
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{new}/invitations"),
            json!({"invitees": inv}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    app.open_bidding(&t.staff, &new).await;
    bid_to_contract(&app, &mut t, "2026-04-28T09:30:00+08:00").await;
    app.stop().await;
}

/// 招标投标法实施条例 第二十一条: a change notice amending the prequalification documents goes out at
/// least 3 days before the applications are due, else the deadline is postponed (or the notice
/// refused, when the tenderer chose so). Applications due Monday 2026-03-16 09:00.
#[tokio::test]
async fn a_prequalification_clarification_3_days_before_the_applications_keeps_them_2_postpone_them(
) {
    use crate::publishing::{change, count_events, create, event_payload, submit_approve};
    let app = TestApp::spawn().await;
    let mut t = registered(
        &app,
        body(
            "construction",
            "prequalified_tender",
            "2026-03-31T09:00:00+08:00",
            "2026-04-08T17:00:00+08:00",
            "2026-04-21T09:30:00+08:00",
        ),
    )
    .await;
    let sid = t.section_id.clone();
    let url = format!("/api/v1/sections/{sid}/prequalification");
    // The prequalification announcement (资格预审公告) the change notices amend, drafted right after
    // the registration: publishing waits for its copy of the project (issue 17 item 5) rather
    // than answering 422 "no registered project".
    let mut pq = crate::publishing::tender("资格预审公告", "2026-04-21T09:30:00+08:00");
    pq["type"] = json!("prequalification");
    pq["project_id"] = json!(t.project_id);
    pq["section_ids"] = json!([sid]);
    let f = pq["fields"].as_object_mut().expect("fields");
    f.remove("bid_deadline");
    f.insert(
        "docs_available_at".into(),
        json!("2026-03-02T09:00:00+08:00"),
    );
    f.insert(
        "docs_sale_end_at".into(),
        json!("2026-03-09T17:00:00+08:00"),
    );
    f.insert(
        "applications_due_at".into(),
        json!("2026-03-16T09:00:00+08:00"),
    );
    // It announces the round: before the round is opened there is nothing to announce (409)…
    let early = create(&app, &t.tenderer, pq.clone()).await;
    let (s, v) = submit_approve(&app, &early, json!({})).await;
    assert_rule(s, &v, 409, "announcement.prequalification_round_not_open");
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &url,
            json!({"docs_issue_at": "2026-03-02T09:00:00+08:00",
                   "docs_sale_end_at": "2026-03-09T17:00:00+08:00",
                   "applications_due_at": "2026-03-16T09:00:00+08:00"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    // Publishing drafts the round's announcement with the round's instants (locked).
    let auto = crate::auction_settlement::draft_of(&app, &t.project_id, "prequalification").await;
    assert_eq!(auto["status"], "draft", "{auto}");
    for (field, want) in [
        ("docs_available_at", "2026-03-02T09:00:00+08:00"),
        ("docs_sale_end_at", "2026-03-09T17:00:00+08:00"),
        ("applications_due_at", "2026-03-16T09:00:00+08:00"),
    ] {
        let got = auto["fields"][field].as_str().expect(field);
        assert_eq!(fixtures::at(got), fixtures::at(want), "{auto}");
    }
    let auto_id = auto["id"].as_str().expect("id").to_string();
    // …and once it is open (approved right away: publishing waits for its copy of the round),
    // the announcement states the round's instants to the second (10号令 第5条).
    for (field, off) in [
        ("applications_due_at", "2026-03-16T09:00:01+08:00"),
        ("docs_available_at", "2026-03-02T08:59:59+08:00"),
    ] {
        let mut bad = pq.clone();
        bad["fields"][field] = json!(off);
        let id = create(&app, &t.tenderer, bad).await;
        let (s, v) = submit_approve(&app, &id, json!({})).await;
        assert_first_error(s, &v, 422, "announcement.prequalification_round_mismatch");
        assert_eq!(v["errors"][0]["field"], format!("fields.{field}"));
    }
    // The documents' sale and the applications period at their boundaries (实施条例 16, 17): from
    // Monday 03-02 the 5th day is Saturday 03-07 → Monday 03-09 (Sunday 03-08 refused); from 03-09
    // the 5th day is Saturday 03-14 → Monday 03-16 (Sunday 03-15 refused).
    for (field, short, rule) in [
        (
            "docs_sale_end_at",
            "2026-03-08T17:00:00+08:00",
            "announcement.prequalification_sale_period",
        ),
        (
            "applications_due_at",
            "2026-03-15T17:00:00+08:00",
            "announcement.prequalification_application_period",
        ),
    ] {
        let mut bad = pq.clone();
        bad["fields"][field] = json!(short);
        let id = create(&app, &t.tenderer, bad).await;
        let (s, v) = submit_approve(&app, &id, json!({})).await;
        assert_first_error(s, &v, 422, rule);
        assert_eq!(v["errors"][0]["field"], format!("fields.{field}"));
    }
    let original = create(&app, &t.tenderer, pq).await;
    let (s, v) = submit_approve(&app, &original, json!({})).await;
    assert_eq!(s, 200, "{v}");
    app.drain_consumer("publishing.lifecycle").await;

    // Friday 03-13 (its last minute: the clock runs on with real time through the sign-ins, so not
    // its last second — a CI run crossed midnight): 3 days before the 16th, the deadline stays and
    // no bid deadline moves.
    travel(&app, &mut t, fixtures::at("2026-03-13T23:59:00+08:00")).await;
    let kept = create(&app, &t.tenderer, change(&original, json!({}))).await;
    let (s, v) = submit_approve(&app, &kept, json!({})).await;
    assert_eq!(s, 200, "{v}");
    let p = event_payload(&app, "publishing.announcement.published", &kept).await;
    assert!(p.get("prequalification_postpone").is_none(), "{p}");
    assert!(p.get("postpone").is_none(), "{p}");

    // Saturday 03-14 00:00: 2 days — refused when the tenderer chose so, nothing changes…
    travel(&app, &mut t, fixtures::at("2026-03-14T00:00:00+08:00")).await;
    let refused = create(
        &app,
        &t.tenderer,
        change(&original, json!({"refuse_if_short": true})),
    )
    .await;
    let (s, v) = submit_approve(&app, &refused, json!({})).await;
    assert_first_error(
        s,
        &v,
        422,
        "announcement.prequalification_clarification_period",
    );
    assert_eq!(v["errors"][0]["field"], "fields.new_applications_due_at");
    assert_eq!(
        count_events(&app, "publishing.announcement.published", &refused).await,
        0
    );
    // …else postponed to the 3rd day after publishing, at the deadline's time of day: 03-17 09:00.
    let moved = create(&app, &t.tenderer, change(&original, json!({}))).await;
    let (s, v) = submit_approve(&app, &moved, json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        fixtures::at(
            v["prequalification_postpone"][0]["new_applications_due_at"]
                .as_str()
                .unwrap()
        ),
        fixtures::at("2026-03-17T09:00:00+08:00"),
        "{v}"
    );
    let p = event_payload(&app, "publishing.announcement.published", &moved).await;
    let pp = &p["prequalification_postpone"][0];
    assert_eq!(pp["section_id"], json!(sid));
    assert_eq!(
        fixtures::at(pp["old_applications_due_at"].as_str().unwrap()),
        fixtures::at("2026-03-16T09:00:00+08:00")
    );
    assert!(
        p.get("postpone").is_none(),
        "the bid deadline is not the one amended: {p}"
    );
    app.drain_consumer("projects.announcements").await;
    let (s, round) = app.get(Some(&t.tenderer), &url).await;
    assert_eq!(s, 200, "{round}");
    assert_eq!(
        fixtures::at(round["applications_due_at"].as_str().unwrap()),
        fixtures::at("2026-03-17T09:00:00+08:00"),
        "{round}"
    );
    let changed = events(&app, "projects.prequalification.deadline_changed", &sid).await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["basis"], "招标投标法实施条例 第二十一条");
    // The unused auto-draft follows the round (its locked deadline would no longer match it).
    app.drain_consumer("publishing.lifecycle").await;
    let (s, auto) = app
        .get(
            Some(&t.tenderer),
            &format!("/api/v1/announcements/{auto_id}"),
        )
        .await;
    assert_eq!(s, 200, "{auto}");
    assert_eq!(
        fixtures::at(auto["fields"]["applications_due_at"].as_str().unwrap()),
        fixtures::at("2026-03-17T09:00:00+08:00"),
        "{auto}"
    );
    // An applicant after the old deadline and before the new one is accepted.
    travel(&app, &mut t, fixtures::at("2026-03-16T10:00:00+08:00")).await;
    let b1 = app.login("bidder1").await;
    uscc_of(&app, &b1).await;
    let (s, v) = app
        .post(Some(&b1), &format!("{url}/applications"), json!({}))
        .await;
    assert_eq!(s, 201, "{v}");
    app.stop().await;
}

/// An invitee's path in a 375 px wide Chromium (投标邀请): the workbench lists its invitation
/// letter before bidding opens ("报名尚未开始", no register button); once bidding opens the panel
/// points to the list, the invitee registers with the section's button and the panel reads
/// "已报名". An organization that was not invited sees neither the invitation nor the section
/// among those open for registration (an invited tender is not announced to the public: 招标投标法
/// 第十七条).
#[tokio::test]
async fn an_invitee_reads_its_invitation_and_registers_on_the_workbench_at_375_px() {
    use fantoccini::Locator;
    use ggzy_api_tests::browser::{
        browser, click_css_then, no_horizontal_scroll, sign_in, sign_out, text_of, wait_for,
    };
    let Some(b) = browser("invitation walk", 375, 812).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let t = registered(
        &app,
        body(
            "construction",
            "invited_tender",
            "2026-03-02T09:00:00+08:00",
            "2026-03-09T17:00:00+08:00",
            DEADLINE,
        ),
    )
    .await;
    let sid = t.section_id.clone();
    let mut invitees = Vec::new();
    for (i, u) in ["bidder1", "bidder2", "bidder3"].iter().enumerate() {
        let tok = app.login(u).await;
        invitees.push(json!({"uscc": uscc_of(&app, &tok).await, "name": format!("受邀单位{i}")}));
    }
    let _stranger = new_bidder(&app, 43, "stranger43").await;
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{sid}/invitations"),
            json!({ "invitees": invitees }),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    let c = b.client.clone();
    let home = app.url("/bidder");
    sign_in(&c, &home, "bidder1", ggzy_api_tests::DEMO_PASSWORD).await;
    wait_for(&c, "#invitations").await;
    let panel = text_of(&c, "#invitations").await;
    assert!(
        panel.contains("invited_tender 测试项目") && panel.contains("投标邀请书"),
        "{panel}"
    );
    assert!(panel.contains("报名尚未开始"), "{panel}");
    let register = format!("form[action='/bidder/sections/{sid}/register'] button");
    assert!(c.find(Locator::Css(&register)).await.is_err());
    no_horizontal_scroll(&c, "the workbench with an invitation").await;

    app.open_bidding(&t.staff, &sid).await;
    c.goto(&home).await.expect("reload");
    wait_for(&c, "#invitations").await;
    assert!(text_of(&c, "#invitations")
        .await
        .contains("报名已开放，见下方列表"));
    click_css_then(&c, &register, "p.notice[role=status]").await;
    let panel = text_of(&c, "#invitations").await;
    assert!(panel.contains("已报名"), "{panel}");
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM section_registrations WHERE section_id = '{sid}'"
        ))
        .await,
        1
    );

    sign_out(&c).await;
    sign_in(&c, &home, "stranger43", ggzy_api_tests::DEMO_PASSWORD).await;
    wait_for(&c, "main h1").await;
    assert!(c.find(Locator::Id("invitations")).await.is_err());
    assert!(
        c.find(Locator::Css(&register)).await.is_err(),
        "an organization not invited is offered the invited tender"
    );
    app.stop().await;
}
