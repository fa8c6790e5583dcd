//! Remedies (crates/remedies, docs/remedies.md): a construction objection to the tender documents
//! raised on the last allowed day (and refused the day after) suspends the bidding — the deadline
//! and the opening do not happen — until the tenderer answers with a new deadline; a procurement
//! challenge filed on working day 7 after obtaining the documents is accepted and on day 8 refused,
//! across the National Day holiday, escalated to a complaint the supervisor accepts and decides; a
//! complaint's decision "void the result" sends the section back to evaluation and the award is
//! refused while the complaint suspends it. Who raised a case is never shown to other bidders.

use crate::award::{self, at, Trade};
use ggzy_api_tests::fixtures::{assert_first_error, assert_rule};
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};
use std::time::Duration;

async fn wait_until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for () in ggzy_api_tests::patience() {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("timed out waiting for {what}");
}

fn first_rule(v: &Value) -> (String, String) {
    (
        v["errors"][0]["field"].as_str().unwrap_or("").to_string(),
        v["errors"][0]["rule"].as_str().unwrap_or("").to_string(),
    )
}

async fn section_events(app: &TestApp, kind: &str, section: &str) -> Vec<Value> {
    award::events(app, kind, section).await
}

#[tokio::test]
async fn construction_objection_to_the_documents_suspends_the_deadline_and_opening_until_answered()
{
    let app = TestApp::spawn().await;
    let t = award::registered_section(&app, "construction").await;
    award::open_by_staff(&app, &t).await;
    award::projection_ready(&app).await;
    let sid = t.section_id.clone();
    for b in ["bidder1", "bidder2"] {
        let tok = app.login(b).await;
        app.register_for(&tok, &sid).await;
    }
    app.drain_consumer("remedies.projection").await;
    let url = format!("/api/v1/sections/{sid}/remedies");
    let objection = json!({"kind": "objection", "target": "documents",
        "grounds": "资格条件排斥潜在投标人 (the qualification terms exclude bidders)"});

    // Deadline Friday 2026-04-03 09:30: the last day to object is 03-24 (实施条例 22: 10 days
    // before the deadline).
    app.clock().set(at("2026-03-24T23:59:00+08:00"));
    let b1 = app.login("bidder1").await;
    let case = app.post_expect(&b1, &url, objection.clone(), 201).await;
    assert_eq!(case["state"], "raised", "{case}");
    assert_eq!(case["suspending"], true, "{case}");
    assert_eq!(
        at(case["raise_deadline"].as_str().unwrap()),
        at("2026-03-25T00:00:00+08:00")
    );
    // Answered within 3 days: 03-27 (Friday) 24:00.
    assert_eq!(
        at(case["answer_due"].as_str().unwrap()),
        at("2026-03-28T00:00:00+08:00")
    );
    assert!(case["source"].as_str().unwrap().contains("第二十二条"));
    let id = case["id"].as_str().unwrap().to_string();

    // The first refused instant: 03-25 00:00; nothing is written.
    app.clock().set(at("2026-03-25T00:00:00+08:00"));
    let b2 = app.login("bidder2").await;
    let (s, v) = app.post(Some(&b2), &url, objection.clone()).await;
    assert_first_error(s, &v, 422, "remedy.raise_period_ended");
    assert_eq!(first_rule(&v).0, "raised_at");
    let staff = app.login("staff").await;
    let all = app.get_expect(&staff, &url, 200).await;
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");

    // Who raised it is not shown to the other bidder; the tenderer and staff see it.
    let others = app.get_expect(&b2, &url, 200).await;
    assert_eq!(others[0]["raised_by_org"], Value::Null, "{others}");
    assert_eq!(others[0]["anonymised"], true);
    let one = app
        .get_expect(&b2, &format!("/api/v1/remedies/{id}"), 200)
        .await;
    assert_eq!(one["raised_by_org"], Value::Null);
    let b1_org = app.org_of(&b1).await;
    assert_eq!(all[0]["raised_by_org"], b1_org.as_str());
    // Another tenderer's organization sees nothing; the raiser cannot answer its own case.
    let tenderer2 = app.login("tenderer2").await;
    let (s, _) = app.get(Some(&tenderer2), &url).await;
    assert_eq!(s, 403);
    let (s, _) = app
        .post(
            Some(&tenderer2),
            &format!("/api/v1/remedies/{id}/answer"),
            json!({"answer": "x"}),
        )
        .await;
    assert_eq!(s, 403);

    app.wait_consumer("projects.suspensions").await;
    // The deadline and the opening time pass while suspended: nothing closes, nothing opens.
    app.clock().set(at("2026-04-03T09:30:01+08:00"));
    let deadline_key = format!("projects.section.deadline:{sid}");
    let opening_key = format!("projects.section.opening:{sid}");
    wait_until("the deadline and opening timers to fire", || async {
        app.timer_due(&deadline_key).await.is_none() && app.timer_due(&opening_key).await.is_none()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let tenderer = app.login("tenderer").await;
    let tr = Trade {
        tenderer: tenderer.clone(),
        ..t
    };
    assert_eq!(award::section(&app, &tr).await["state"], "bidding");
    assert!(section_events(&app, "projects.section.closed", &sid)
        .await
        .is_empty());
    assert!(section_events(&app, "projects.section.opened", &sid)
        .await
        .is_empty());
    assert!(section_events(&app, "projects.section.failed", &sid)
        .await
        .is_empty());
    // The answer was due 03-27: overdue, an alert for monitoring.
    let overdue = app.events_of("remedies.case.overdue").await;
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert_eq!(overdue[0]["step"], "answer");
    app.wait_consumer("monitoring.signals").await;
    assert_eq!(
        app.scalar_i64(
            "SELECT COUNT(*) FROM mon_alerts WHERE rule_id = 'compliance.remedy_overdue'"
        )
        .await,
        1
    );

    // The deadline passed during the suspension: the answer must set a new one.
    let answer_url = format!("/api/v1/remedies/{id}/answer");
    let (s, v) = app
        .post(
            Some(&tenderer),
            &answer_url,
            json!({"answer": "资格条件已修改"}),
        )
        .await;
    assert_first_error(s, &v, 422, "remedy.deadline_passed_during_suspension");
    assert_eq!(first_rule(&v).0, "new_bid_deadline");
    // The answer changes the documents: 15 days (实施条例 21) from 04-03 is 04-18, a Saturday →
    // Monday 04-20; 04-17 is refused.
    let (s, v) = app
        .post(
            Some(&tenderer),
            &answer_url,
            json!({"answer": "资格条件已修改", "changes_documents": true,
                   "new_bid_deadline": "2026-04-17T09:30:00+08:00"}),
        )
        .await;
    assert_first_error(s, &v, 422, "remedy.change_notice_15_days");
    // The raiser's view is unchanged by the refusals.
    let b1 = app.login("bidder1").await;
    let again = app
        .get_expect(&b1, &format!("/api/v1/remedies/{id}"), 200)
        .await;
    assert_eq!(again["state"], "raised");
    let answered = app
        .post_expect(
            &tenderer,
            &answer_url,
            json!({"answer": "资格条件已修改", "changes_documents": true,
                   "new_bid_deadline": "2026-04-20T09:30:00+08:00"}),
            200,
        )
        .await;
    assert_eq!(answered["state"], "answered", "{answered}");
    assert_eq!(answered["suspending"], false);
    let resumed = app.events_of("remedies.case.resumed").await;
    assert_eq!(resumed.len(), 1);
    assert_eq!(
        at(resumed[0]["new_bid_deadline"].as_str().unwrap()),
        at("2026-04-20T09:30:00+08:00")
    );

    // The projects area moves the deadline and the opening, still bidding.
    app.wait_consumer("projects.suspensions").await;
    let sec = award::section(&app, &tr).await;
    assert_eq!(sec["state"], "bidding");
    assert_eq!(
        at(sec["bid_deadline"].as_str().unwrap()),
        at("2026-04-20T09:30:00+08:00")
    );
    assert_eq!(
        app.timer_due(&deadline_key).await,
        Some(at("2026-04-20T09:30:00+08:00"))
    );
    let moved = section_events(&app, "projects.section.deadline_changed", &sid).await;
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["remedy_case_id"], id.as_str());

    // At the new deadline the section closes and the opening timer runs (no bids: 流标).
    app.clock().set(at("2026-04-20T09:30:01+08:00"));
    let tr = Trade {
        tenderer: app.login("tenderer").await,
        ..tr
    };
    award::wait_state(&app, &tr, "failed").await;
    app.stop().await;
}

/// An open-tender procurement project whose documents are issued 2026-09-15 and sold until
/// 09-29, bids due 2026-10-20 09:30.
pub(crate) fn procurement_project() -> Value {
    json!({
        "name": "国庆期间采购项目",
        "market": "procurement",
        "procedure": "open_tender",
        "tenderer_uscc": ggzy_api_tests::fixtures::TENDERER_USCC,
        "tenderer_name": ggzy_api_tests::fixtures::TENDERER_NAME,
        "sections": [{
            "name": "一包",
            "estimated_price": "1000000.00",
            "deposit": "20000.00",
            "docs_issue_at": "2026-09-15T09:00:00+08:00",
            "docs_sale_end_at": "2026-09-29T17:00:00+08:00",
            "bid_deadline": "2026-10-20T09:30:00+08:00",
            "opening_at": "2026-10-20T09:30:00+08:00",
        }],
    })
}

#[tokio::test]
async fn procurement_challenge_on_working_day_seven_is_accepted_and_day_eight_refused_across_national_day(
) {
    let app = TestApp::spawn_at(at("2026-09-14T09:00:00+08:00")).await;
    let reg = app.register_project(procurement_project()).await;
    app.open_bidding(&reg.staff, &reg.section_id).await;
    let sid = reg.section_id.clone();
    app.drain_consumer("projects.organizations").await;
    // Both suppliers obtain the documents on Monday 2026-09-28.
    app.clock().set(at("2026-09-28T10:00:00+08:00"));
    for b in ["bidder1", "bidder2"] {
        let tok = app.login(b).await;
        app.register_for(&tok, &sid).await;
    }
    app.drain_consumer("remedies.projection").await;
    let url = format!("/api/v1/sections/{sid}/remedies");
    let challenge = json!({"kind": "challenge", "target": "documents",
        "grounds": "技术参数指向特定品牌 (the specification points to one brand)"});

    // Working days after 09-28: 09-29, 09-30, (10-01…10-07 National Day), 10-08, 10-09,
    // 10-10 (Saturday, a make-up working day), 10-12, 10-13 → day 7 is 10-13.
    app.clock().set(at("2026-10-13T23:59:00+08:00"));
    let b1 = app.login("bidder1").await;
    let case = app.post_expect(&b1, &url, challenge.clone(), 201).await;
    assert_eq!(
        at(case["raise_deadline"].as_str().unwrap()),
        at("2026-10-14T00:00:00+08:00")
    );
    assert_eq!(case["suspending"], false);
    assert_eq!(case["provisional"], false);
    // Answered within 7 working days: 10-14 … 10-22.
    assert_eq!(
        at(case["answer_due"].as_str().unwrap()),
        at("2026-10-23T00:00:00+08:00")
    );
    let id = case["id"].as_str().unwrap().to_string();
    // An objection is not procurement's remedy.
    let (s, v) = app
        .post(
            Some(&b1),
            &url,
            json!({"kind": "objection", "target": "documents", "grounds": "x"}),
        )
        .await;
    assert_first_error(s, &v, 422, "remedy.not_available");
    // A complaint follows a challenge (94号令 17): not raised directly.
    let (s, v) = app
        .post(
            Some(&b1),
            &url,
            json!({"kind": "complaint", "target": "documents", "grounds": "x"}),
        )
        .await;
    assert_first_error(s, &v, 422, "remedy.requires_prior");

    // Day 8 (10-14 00:00) is refused.
    app.clock().set(at("2026-10-14T00:00:00+08:00"));
    let b2 = app.login("bidder2").await;
    let (s, v) = app.post(Some(&b2), &url, challenge.clone()).await;
    assert_first_error(s, &v, 422, "remedy.raise_period_ended");
    // A supplier that did not obtain the documents may not challenge.
    let b3 = app.login("bidder3").await;
    let (s, _) = app.post(Some(&b3), &url, challenge.clone()).await;
    assert_eq!(s, 403);
    let (s, _) = app.get(Some(&b3), &url).await;
    assert_eq!(s, 403);

    // Escalation before the answer (and before its period ends) is refused.
    app.clock().set(at("2026-10-14T10:00:00+08:00"));
    let b1 = app.login("bidder1").await;
    let esc_url = format!("/api/v1/remedies/{id}/escalate");
    let (s, v) = app
        .post(Some(&b1), &esc_url, json!({"grounds": "未答复"}))
        .await;
    assert_rule(s, &v, 409, "remedy.answer_pending");

    // The purchaser answers; the supplier escalates within 15 working days; another supplier
    // cannot escalate it.
    let tenderer = app.login("tenderer").await;
    let answered = app
        .post_expect(
            &tenderer,
            &format!("/api/v1/remedies/{id}/answer"),
            json!({"answer": "参数为通用参数，质疑不成立"}),
            200,
        )
        .await;
    assert_eq!(answered["state"], "answered");
    let b2 = app.login("bidder2").await;
    let (s, _) = app
        .post(Some(&b2), &esc_url, json!({"grounds": "冒名"}))
        .await;
    assert_eq!(s, 403);
    let complaint = app
        .post_expect(
            &b1,
            &esc_url,
            json!({"grounds": "答复不成立，向财政部门投诉"}),
            201,
        )
        .await;
    assert_eq!(complaint["kind"], "complaint");
    assert_eq!(complaint["parent_id"], id.as_str());
    // The acceptance review: 5 working days (94号令 21): 10-15 … 10-21.
    assert_eq!(
        at(complaint["accept_due"].as_str().unwrap()),
        at("2026-10-22T00:00:00+08:00")
    );
    let cid = complaint["id"].as_str().unwrap().to_string();
    let parent = app
        .get_expect(&b1, &format!("/api/v1/remedies/{id}"), 200)
        .await;
    assert_eq!(parent["state"], "escalated");
    assert_eq!(parent["child_id"], cid.as_str());
    let mine = app.get_expect(&b1, "/api/v1/remedies/mine", 200).await;
    assert_eq!(mine.as_array().unwrap().len(), 2);

    // The supervisor's queue; only the supervisor accepts; the tenderer cannot.
    let sup = app.login("supervisor").await;
    let queue = app
        .get_expect(&sup, "/api/v1/remedies/complaints", 200)
        .await;
    assert_eq!(queue.as_array().unwrap().len(), 1);
    let (s, _) = app
        .post(
            Some(&tenderer),
            &format!("/api/v1/remedies/{cid}/accept"),
            json!({"suspend": true}),
        )
        .await;
    assert_eq!(s, 403);
    let accepted = app
        .post_expect(
            &sup,
            &format!("/api/v1/remedies/{cid}/accept"),
            json!({"suspend": true}),
            200,
        )
        .await;
    assert_eq!(accepted["state"], "investigating");
    assert_eq!(accepted["suspending"], true);
    // Suspended at most 30 days (政采法 57); decided within 30 working days of the complaint.
    assert_eq!(
        at(accepted["suspend_until"].as_str().unwrap()),
        at("2026-11-14T00:00:00+08:00")
    );
    assert!(accepted["decide_due"].is_string());
    let decided = app
        .post_expect(
            &sup,
            &format!("/api/v1/remedies/{cid}/decide"),
            json!({"decision": "dismissed", "reason": "投诉缺乏事实依据"}),
            200,
        )
        .await;
    assert_eq!(decided["state"], "decided");
    assert_eq!(decided["decision"], "dismissed");
    assert_eq!(decided["suspending"], false);
    let (s, v) = app
        .post(
            Some(&sup),
            &format!("/api/v1/remedies/{cid}/decide"),
            json!({"decision": "dismissed", "reason": "again"}),
        )
        .await;
    assert_rule(s, &v, 409, "remedy.illegal_transition");
    assert_eq!(app.events_of("remedies.case.suspended").await.len(), 1);
    assert_eq!(app.events_of("remedies.case.resumed").await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_complaint_decision_voiding_the_result_sends_the_section_back_to_evaluation() {
    let app = TestApp::spawn().await;
    let mut t = award::evaluating_section(&app, "construction").await;
    let (s, v) = award::submit_result(&app, &t, 3).await;
    assert_eq!(s, 201, "{v}");
    let ends = at(v["publicity_ends_at"].as_str().unwrap());
    award::wait_state(&app, &t, "publicizing").await;
    app.drain_consumer("remedies.projection").await;
    let url = format!("/api/v1/sections/{}/remedies", t.section_id);
    let today = ggzy_core::time::local_date(app.clock().now());
    let complaint = |known: chrono::NaiveDate| {
        json!({"kind": "complaint", "target": "result", "known_on": known.to_string(),
               "grounds": "第一中标候选人业绩造假 (the first candidate's references are false)"})
    };
    let b3 = &t.bidders[2].token;
    // 实施条例 60: within 10 days of knowing; not a future date.
    let (s, v) = app
        .post(Some(b3), &url, complaint(today + chrono::Duration::days(1)))
        .await;
    assert_first_error(s, &v, 422, "remedy.known_on_future");
    let (s, v) = app
        .post(
            Some(b3),
            &url,
            complaint(today - chrono::Duration::days(11)),
        )
        .await;
    assert_first_error(s, &v, 422, "remedy.raise_period_ended");
    let case = app.post_expect(b3, &url, complaint(today), 201).await;
    assert_eq!(case["state"], "raised");
    assert_eq!(case["suspending"], false);
    let cid = case["id"].as_str().unwrap().to_string();
    let sup = app.login("supervisor").await;
    let accepted = app
        .post_expect(
            &sup,
            &format!("/api/v1/remedies/{cid}/accept"),
            json!({"suspend": true}),
            200,
        )
        .await;
    assert_eq!(accepted["suspending"], true);
    // Decided within 30 working days of the acceptance (实施条例 61).
    assert!(accepted["decide_due"].is_string());
    app.wait_consumer("projects.suspensions").await;

    // After the publicity the award is refused while the complaint suspends the section.
    award::travel(&app, &mut t, ends + chrono::Duration::hours(10)).await;
    let (s, v) = award::post_award(&app, &t, json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "section.suspended_by_remedy", "{v}");

    let sup = app.login("supervisor").await;
    let decided = app
        .post_expect(
            &sup,
            &format!("/api/v1/remedies/{cid}/decide"),
            json!({"decision": "result_void", "reason": "业绩造假属实，中标候选人无效"}),
            200,
        )
        .await;
    assert_eq!(decided["decision"], "result_void");
    award::wait_state(&app, &t, "evaluating").await;
    let back = section_events(
        &app,
        "projects.section.returned_to_evaluation",
        &t.section_id,
    )
    .await;
    assert_eq!(back.len(), 1, "{back:?}");
    assert_eq!(back[0]["previous_state"], "publicizing");
    assert_eq!(back[0]["remedy_case_id"], cid.as_str());
    // The award is refused now for the section's state, not for the suspension.
    let (s, v) = award::post_award(&app, &t, json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "section.illegal_transition", "{v}");
    app.stop().await;
}

#[tokio::test]
async fn the_rules_table_cites_every_row_and_marks_the_unconfirmed_ones() {
    let app = TestApp::spawn().await;
    let b1 = app.login("bidder1").await;
    let rules = app.get_expect(&b1, "/api/v1/remedies/rules", 200).await;
    let rows = rules.as_array().unwrap();
    assert_eq!(rows.len(), 20, "{rules}");
    let find = |m: &str, k: &str, t: &str| {
        rows.iter()
            .find(|r| r["market"] == m && r["kind"] == k && r["target"] == t)
            .unwrap_or_else(|| panic!("{m} {k} {t}"))
            .clone()
    };
    let docs = find("construction", "objection", "documents");
    assert_eq!(
        (docs["raise_days"].as_u64(), docs["answer_days"].as_u64()),
        (Some(10), Some(3))
    );
    assert_eq!(docs["suspends"], "always");
    let ch = find("procurement", "challenge", "result");
    assert_eq!(ch["raise_day_kind"], "working");
    assert_eq!(ch["raise_days"], 7);
    let pc = find("procurement", "complaint", "documents");
    assert_eq!(
        (
            pc["raise_days"].as_u64(),
            pc["accept_days"].as_u64(),
            pc["decide_days"].as_u64(),
            pc["suspend_max_days"].as_u64()
        ),
        (Some(15), Some(5), Some(30), Some(30))
    );
    assert_eq!(pc["requires_prior"], "challenge");
    let cc = find("construction", "complaint", "result");
    assert_eq!(
        (cc["accept_days"].as_u64(), cc["decide_days"].as_u64()),
        (Some(3), Some(30))
    );
    for r in rows {
        assert!(!r["source"].as_str().unwrap().is_empty(), "{r}");
    }
    assert_eq!(find("land", "objection", "listing")["confirmed"], false);
    assert_eq!(find("property", "objection", "deal")["confirmed"], false);
    // 实施条例 22: prequalification documents, 2 days before the applications are due, 3 to answer.
    let pq = find("construction", "objection", "prequalification");
    assert_eq!(
        (pq["raise_days"].as_u64(), pq["answer_days"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(pq["suspends"], "always");
    assert_eq!(
        find("procurement", "objection", "publicity")["confirmed"],
        false
    );
    app.stop().await;
}
