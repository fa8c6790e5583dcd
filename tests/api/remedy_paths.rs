//! Issue 21's remedy paths (docs/remedies.md, "Prequalification and single-source publicity"):
//! an objection (异议) to the prequalification documents is raised up to 2 days before the
//! applications are due (招标投标法实施条例 第二十二条), suspends the prequalification until answered,
//! and the applications deadline moves by the suspended time; an objection during the single-source
//! publicity (财政部令第74号 第三十九条, unconfirmed) is raised by any supplier until the publicity's
//! end and answered within 5 working days after it. Boundaries across a holiday (National Day,
//! 清明), on both engines.

use ggzy_api_tests::fixtures::{assert_first_error, assert_rule, at, one_section_project};
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};

/// Set the clock to `when` and sign `who` in there (sessions end across days).
async fn at_time(app: &TestApp, when: &str, who: &str) -> String {
    app.clock().set(at(when));
    let tok = app.login(who).await;
    app.clock().set(at(when));
    tok
}

async fn raise(app: &TestApp, tok: &str, sid: &str, target: &str) -> (u16, Value) {
    app.post(
        Some(tok),
        &format!("/api/v1/sections/{sid}/remedies"),
        json!({"kind": "objection", "target": target, "grounds": "公示内容不符合法定条件"}),
    )
    .await
}

#[tokio::test]
async fn prequalification_and_single_source_publicity_objections_at_their_boundaries() {
    let app = TestApp::spawn().await;

    // --- Single source: publicity from Thursday 2026-04-02 09:00 (5 working days across 清明
    // 04-04..06 → Friday 04-10); bidder1 is the proposed supplier, bidder2 is a stranger to it.
    let ss = app
        .register_project(crate::procedures_procurement::body(
            "single_source",
            "2026-04-02T09:00:00+08:00",
            "2026-04-02T09:00:00+08:00",
            "2026-04-10T09:30:00+08:00",
        ))
        .await;
    let sid = ss.section_id.clone();
    app.drain_consumer("remedies.projection").await;
    let b2 = app.login("bidder2").await;
    // Before the publicity starts.
    let (s, v) = raise(&app, &b2, &sid, "publicity").await;
    assert_first_error(s, &v, 422, "remedy.not_during_publicity");
    // The rules table row says its article is not confirmed.
    let rules = app.get_expect(&b2, "/api/v1/remedies/rules", 200).await;
    let row = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["market"] == "procurement" && r["target"] == "publicity")
        .expect("the single-source publicity row");
    assert_eq!(row["confirmed"], false, "{row}");
    // The last instant of the publicity: accepted from a supplier that is no party.
    let b2 = at_time(&app, "2026-04-10T23:59:59+08:00", "bidder2").await;
    let (s, case) = raise(&app, &b2, &sid, "publicity").await;
    assert_eq!(s, 201, "{case}");
    assert_eq!(case["suspending"], false);
    assert_eq!(
        at(case["raise_deadline"].as_str().unwrap()),
        at("2026-04-11T00:00:00+08:00")
    );
    // Answered within 5 working days after the publicity (74号令 第四十条): 04-13..04-17.
    assert_eq!(
        at(case["answer_due"].as_str().unwrap()),
        at("2026-04-18T00:00:00+08:00")
    );
    let cid = case["id"].as_str().unwrap().to_string();
    app.get_expect(&b2, &format!("/api/v1/remedies/{cid}"), 200)
        .await;
    let b3 = app.login("bidder3").await;
    let (s, _) = app.get(Some(&b3), &format!("/api/v1/remedies/{cid}")).await;
    assert_eq!(s, 403, "another supplier does not read the case");
    // The first instant after the publicity.
    let b2 = at_time(&app, "2026-04-11T00:00:00+08:00", "bidder2").await;
    let (s, v) = raise(&app, &b2, &sid, "publicity").await;
    assert_first_error(s, &v, 422, "remedy.raise_period_ended");
    // Not a single-source section: no publicity to object to; a construction objection to a
    // public notice of a section without an open prequalification round is refused too.
    let ot = app
        .register_project(crate::procedures_procurement::body(
            "competitive_negotiation",
            "2026-04-20T09:00:00+08:00",
            "2026-04-20T09:00:00+08:00",
            "2026-04-24T09:30:00+08:00",
        ))
        .await;
    app.drain_consumer("remedies.projection").await;
    let (s, v) = raise(&app, &b2, &ot.section_id, "publicity").await;
    assert_first_error(s, &v, 422, "remedy.not_during_publicity");

    // --- Prequalification: applications due Friday 2026-10-09 09:00 → objections until 10-07
    // 24:00 (National Day; counted backwards, not moved).
    let mut body = one_section_project(
        "资格预审异议测试项目",
        "construction",
        "2026-10-19T17:00:00+08:00",
        "2026-11-05T09:30:00+08:00",
    );
    body["procedure"] = json!("prequalified_tender");
    body["sections"][0]["docs_issue_at"] = json!("2026-10-12T09:00:00+08:00");
    let pq = app.register_project(body).await;
    let sid = pq.section_id.clone();
    let url = format!("/api/v1/sections/{sid}/prequalification");
    let tenderer = at_time(&app, "2026-09-18T09:00:00+08:00", "tenderer").await;
    app.post_expect(
        &tenderer,
        &url,
        json!({"docs_issue_at": "2026-09-21T09:00:00+08:00",
               "docs_sale_end_at": "2026-09-29T17:00:00+08:00",
               "applications_due_at": "2026-10-09T09:00:00+08:00"}),
        201,
    )
    .await;
    app.drain_consumer("remedies.projection").await;
    app.drain_consumer("projects.organizations").await;
    let b1 = at_time(&app, "2026-10-07T23:59:59+08:00", "bidder1").await;
    let (s, case) = raise(&app, &b1, &sid, "prequalification").await;
    assert_eq!(s, 201, "{case}");
    assert_eq!(case["suspending"], true);
    // Answered in 3 days: 10-10 (the make-up Saturday is a working day).
    assert_eq!(
        at(case["answer_due"].as_str().unwrap()),
        at("2026-10-11T00:00:00+08:00")
    );
    let cid = case["id"].as_str().unwrap().to_string();
    let b2 = at_time(&app, "2026-10-08T00:00:00+08:00", "bidder2").await;
    let (s, v) = raise(&app, &b2, &sid, "prequalification").await;
    assert_first_error(s, &v, 422, "remedy.raise_period_ended");
    // The prequalification is suspended: no application until the answer.
    app.drain_consumer("projects.suspensions").await;
    let apply = format!("{url}/applications");
    let (s, v) = app.post(Some(&b2), &apply, json!({})).await;
    assert_rule(s, &v, 409, "section.suspended_by_remedy");
    // Answered 10-09 10:00, after the old due time: the applicants get back the 1 d 10 h 0 min
    // 1 s suspended, rounded up to the minute → due 10-10 19:01.
    let tenderer = at_time(&app, "2026-10-09T10:00:00+08:00", "tenderer").await;
    app.post_expect(
        &tenderer,
        &format!("/api/v1/remedies/{cid}/answer"),
        json!({"answer": "资格条件符合行业标准，不予修改"}),
        200,
    )
    .await;
    app.drain_consumer("projects.suspensions").await;
    app.drain_consumer("remedies.projection").await;
    let round = app.get_expect(&tenderer, &url, 200).await;
    assert_eq!(
        at(round["applications_due_at"].as_str().unwrap()),
        at("2026-10-10T19:01:00+08:00"),
        "{round}"
    );
    let b2 = at_time(&app, "2026-10-10T19:00:59+08:00", "bidder2").await;
    app.post_expect(&b2, &apply, json!({}), 201).await;
    let b3 = at_time(&app, "2026-10-10T19:01:00+08:00", "bidder3").await;
    let (s, v) = app.post(Some(&b3), &apply, json!({})).await;
    assert_rule(s, &v, 409, "prequalification.after_deadline");
    app.stop().await;
}
