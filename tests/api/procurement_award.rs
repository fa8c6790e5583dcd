//! Government procurement's own award path (issue 20; docs/procurement.md) and the committee's
//! secrecy until the result is determined (招标投标法 第三十七条).
//!
//! The trades open on Friday 2026-04-03 09:30; 清明 is 04-04..04-06, so every working-day period
//! started on 04-03 crosses it: the report is due by the end of Wednesday 04-08 (2 working days),
//! the purchaser's confirmation of a report received on 04-03 by the end of Monday 04-13 (5).

use crate::award::{
    at, evaluating_section, events, post_award, ranking, section, submit_result, travel,
    wait_event, wait_state, Trade,
};
use ggzy_api_tests::TestApp;
use ggzy_core::ident::Uscc;
use serde_json::{json, Value};
use std::time::Duration;

fn uscc(n: u32) -> String {
    Uscc::with_check(&format!("91210200{n:09}"))
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

/// Five experts in the pool, each with an expert account, and a real draw of the section's
/// committee by staff, every member confirming; returns the draw id (once the projects area has
/// recorded the committee) and the names.
async fn real_committee(app: &TestApp, t: &Trade) -> (String, Vec<String>) {
    let first = app.login("expert1").await;
    let org = app.org_of(&first).await;
    let mut tokens = Vec::new();
    for n in 0..5u32 {
        let username = format!("expert{}", n + 1);
        if n >= 3 {
            app.user_in_org(&org, &username, "expert").await;
        }
        tokens.push(app.login(&username).await);
    }
    let mut names = Vec::new();
    for n in 0..5u32 {
        let name = format!("评审专家{n}");
        let (s, v) = app
            .post(
                Some(&t.staff),
                "/api/v1/experts",
                json!({"name": name, "resident_id": rid(600 + n), "employer_uscc": uscc(700 + n),
                       "employer_name": format!("单位{n}"), "specialties": ["A08.02"],
                       "title": "senior", "years": 12, "region": "210200", "phone": "13800000000",
                       "procurement_pool": true}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let (s, me) = app.get(Some(&tokens[n as usize]), "/api/v1/auth/me").await;
        assert_eq!(s, 200, "{me}");
        let (s, l) = app
            .put(
                Some(&t.staff),
                &format!("/api/v1/experts/{}/account", v["id"].as_str().unwrap()),
                json!({"user_id": me["user_id"], "email": format!("e{n}@dlut.edu.cn")}),
            )
            .await;
        assert_eq!(s, 200, "{l}");
        names.push(name);
    }
    // Two-step (issue 24): staff request, the supervisor commits and reveals.
    let supervisor = app.login("supervisor").await;
    let (s, d) = app
        .two_step_draw(
            &t.staff,
            &supervisor,
            json!({"section_id": t.section_id, "tenderer_uscc": uscc(1), "agency_uscc": uscc(2),
                   "bidder_usccs": [uscc(3)],
                   "session_start": "2026-04-03T13:00:00+08:00", "session_end": "2026-04-03T17:00:00+08:00",
                   "specialties": [{"specialty": "A08.02", "count": 5, "backups": 0}],
                   // The section's budget is CNY 10,000,000.00: 87号令 47 wants ≥ 7 members
                   // (issue 21 derives it from the section), so 5 experts + 2 purchaser's representatives.
                   "representatives": 2}),
        )
        .await;
    assert_eq!(s, 201, "{d}");
    let draw_id = d["id"].as_str().unwrap();
    for tok in &tokens {
        let (s, v) = app
            .post(
                Some(tok),
                &format!("/api/v1/experts/draws/{draw_id}/confirm"),
                json!({}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    app.drain_consumer("projects.committees").await;
    (d["id"].as_str().unwrap().to_string(), names)
}

async fn result_with(app: &TestApp, t: &Trade, draw_id: &str) -> Value {
    let (s, p) = app
        .post(
            Some(&t.staff),
            &format!("/api/v1/sections/{}/evaluation-result", t.section_id),
            json!({"report_ref": "PSBG-2026-007", "ranking": ranking(t), "publicity_days": 3,
                   "committee_draw_id": draw_id}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    p
}

async fn path_of(app: &TestApp, t: &Trade) -> Value {
    let (s, v) = app
        .get(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{}/procurement-award", t.section_id),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn step(app: &TestApp, t: &Trade, what: &str, body: Value) -> (u16, Value) {
    app.post(
        Some(&t.tenderer),
        &format!("/api/v1/sections/{}/procurement-award/{what}", t.section_id),
        body,
    )
    .await
}

fn assert_conflict(s: u16, v: &Value, rule: &str) {
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], rule, "{v}");
}

fn t_of(v: &Value) -> chrono::DateTime<chrono::Utc> {
    at(v.as_str().unwrap_or_else(|| panic!("time expected: {v}")))
}

/// The bidder's view of the draw: 403 while confidential.
async fn bidder_reads_draw(app: &TestApp, t: &Trade, draw_id: &str) -> (u16, Value) {
    app.get(
        Some(&t.bidders[0].token),
        &format!("/api/v1/experts/draws/{draw_id}"),
    )
    .await
}

#[tokio::test]
async fn procurement_report_confirmation_result_announcement_with_experts_contract_and_filing() {
    let app = TestApp::spawn().await;
    let mut t = evaluating_section(&app, "procurement").await;
    let sid = t.section_id.clone();
    let (draw_id, names) = real_committee(&app, &t).await;

    // The report: no candidate publicity in procurement, no objection (异议); the result waits for
    // the purchaser.
    let p = result_with(&app, &t, &draw_id).await;
    assert_eq!(p["publicity_days"], 0, "{p}");
    assert_eq!(section(&app, &t).await["state"], "publicizing");
    let ev = wait_event(&app, "projects.procurement.report_received", &sid).await;
    assert_eq!(
        t_of(&ev["report_send_due_at"]),
        at("2026-04-09T00:00:00+08:00")
    );
    assert!(events(&app, "projects.candidates.publicized", &sid)
        .await
        .is_empty());
    let (s, v) = app
        .post(
            Some(&t.bidders[0].token),
            &format!("/api/v1/sections/{sid}/remedies"),
            json!({"kind": "objection", "target": "result", "grounds": "评审结果有误"}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "remedy.not_available", "{v}");
    assert!(
        v["errors"][0]["message"].as_str().unwrap().contains("质疑"),
        "{v}"
    );
    // The committee stays secret while the result is not determined.
    assert_eq!(bidder_reads_draw(&app, &t, &draw_id).await.0, 403);

    // Sent at once: the purchaser has 5 working days, across 清明 → Monday 04-13 24:00.
    let (s, v) = step(&app, &t, "report-sent", json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["report_sent_late"], false);
    assert_eq!(t_of(&v["confirm_due_at"]), at("2026-04-14T00:00:00+08:00"));
    let (s, v) = step(&app, &t, "report-sent", json!({})).await;
    assert_conflict(s, &v, "procurement.report_already_sent");
    // Filing or a contract announcement before there is a contract: refused.
    let (s, v) = step(
        &app,
        &t,
        "contract-announcement",
        json!({"announcement_ref": "x"}),
    )
    .await;
    assert_conflict(s, &v, "procurement.no_contract");

    // The last minute of the 5th working day: the purchaser confirms the first candidate.
    travel(&app, &mut t, at("2026-04-13T23:59:00+08:00")).await;
    let (s, a) = post_award(&app, &t, json!({})).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["winner_org_id"], t.bidders[1].org_id.as_str());
    let ev = wait_event(&app, "projects.award.confirmed", &sid).await;
    assert_eq!(ev["deemed"], false);
    let v = path_of(&app, &t).await;
    assert!(v["confirmed_at"].is_string(), "{v}");
    // The result announcement within 2 working days of the confirmation: by Wednesday 04-15 24:00.
    assert_eq!(t_of(&v["announce_due_at"]), at("2026-04-16T00:00:00+08:00"));

    // The result is determined: the experts area discloses the committee and publishing puts the
    // names in the result announcement's draft (财政部令第87号 第六十九条).
    let ev = wait_event(&app, "experts.committee.disclosed", &sid).await;
    let mut disclosed: Vec<String> = ev["experts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    disclosed.sort();
    assert_eq!(disclosed, names);
    let (s, d) = bidder_reads_draw(&app, &t, &draw_id).await;
    assert_eq!(s, 200, "{d}");

    app.drain_consumer("publishing.lifecycle").await;
    let mut draft = Value::Null;
    for () in ggzy_api_tests::patience() {
        let (s, list) = app
            .get(Some(&t.tenderer), "/api/v1/announcements/mine")
            .await;
        assert_eq!(s, 200, "{list}");
        let items = list["items"].as_array().or(list.as_array()).cloned();
        if let Some(a) = items.into_iter().flatten().find(|a| {
            a["type"] == "award"
                && a["section_ids"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|x| x == sid.as_str()))
        }) {
            let (_, full) = app
                .get(
                    Some(&t.tenderer),
                    &format!("/api/v1/announcements/{}", a["id"].as_str().unwrap()),
                )
                .await;
            if full["fields"]["experts"].as_array().map(Vec::len) == Some(5) {
                draft = full;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert!(!draft.is_null(), "no award draft listing the experts");
    let id = draft["id"].as_str().unwrap().to_string();
    for n in &names {
        assert!(draft["body_html"].as_str().unwrap().contains(n.as_str()));
    }
    assert_eq!(
        draft["fields"]["main_items"][0]["price"],
        t.bidders[1].price
    );

    // Published on Wednesday 04-15: shown at least 1 working day, to Thursday 04-16 24:00.
    travel(&app, &mut t, at("2026-04-15T10:00:00+08:00")).await;
    let staff = t.staff.clone();
    let put = |end: &str| {
        let mut fields = draft["fields"].clone();
        fields["tenderer_contact"] = json!("张女士 0411-88888888");
        fields["announcement_end_at"] = json!(end);
        app.client
            .put(app.url(&format!("/api/v1/announcements/{id}")))
            .bearer_auth(&t.tenderer)
            .json(
                &json!({"market": "procurement", "type": "award", "title": draft["title"],
                          "body": draft["body"], "fields": fields}),
            )
            .send()
    };
    let r = put("2026-04-16T23:59:00+08:00").await.unwrap();
    let (s, v) = ggzy_api_tests::into_parts(r).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app.announcement_step(&t.tenderer, &id, "submit").await;
    assert_eq!(s, 200, "{v}");
    // Shown to Thursday 23:59 only: less than the 1 working day, refused at approval.
    let (s, v) = app.announcement_step(&staff, &id, "approve").await;
    assert_eq!(s, 422, "{v}");
    assert!(v.to_string().contains("announcement.result_period"), "{v}");
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/announcements/{id}/return"),
            json!({"reason": "公告期限不足1个工作日"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let r = put("2026-04-17T00:00:00+08:00").await.unwrap();
    let (s, v) = ggzy_api_tests::into_parts(r).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app.announcement_step(&t.tenderer, &id, "submit").await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app.announcement_step(&staff, &id, "approve").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "published", "{v}");
    let ev = wait_event(&app, "projects.procurement.result_announced", &sid).await;
    assert_eq!(ev["late"], false);
    assert_eq!(ev["announcement_id"], id.as_str());

    // The contract, signed on 04-15: the performance security at most 10 % of 9,480,000.50
    // (政采条例 48): 948,000.06 refused, 948,000.05 recorded.
    let url = format!("/api/v1/sections/{sid}/contract");
    let contract = |security: &'static str| {
        app.post(
            Some(&t.tenderer),
            &url,
            json!({"signed_on": "2026-04-15", "amount": t.bidders[1].price,
                   "performance_security": security}),
        )
    };
    let (s, v) = contract("948000.06").await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "performance_security");
    assert_eq!(v["errors"][0]["rule"], "contract.performance_security_cap");
    assert_eq!(section(&app, &t).await["state"], "awarded");
    let (s, c) = contract("948000.05").await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["contract"]["performance_security"], "948000.05");
    let ev = wait_event(&app, "projects.contract.signed", &sid).await;
    assert_eq!(ev["performance_security"], "948000.05");
    // Announced within 2 working days of the signing, by Friday 04-17 24:00.
    let v = path_of(&app, &t).await;
    assert_eq!(
        t_of(&v["contract_announce_due_at"]),
        at("2026-04-18T00:00:00+08:00")
    );
    let (s, v) = step(
        &app,
        &t,
        "filing",
        json!({"filing_ref": "大财采备〔2026〕12号"}),
    )
    .await;
    assert_conflict(s, &v, "procurement.contract_not_announced");
    travel(&app, &mut t, at("2026-04-17T23:59:00+08:00")).await;
    let (s, v) = step(
        &app,
        &t,
        "contract-announcement",
        json!({"announcement_ref": "  "}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "announcement_ref");
    let (s, v) = step(
        &app,
        &t,
        "contract-announcement",
        json!({"announcement_ref": "http://www.ccgp.gov.cn/cggg/dfgg/htgg/202604/t20260417_1.htm"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["contract_announce_late"], false);
    let (s, v) = step(
        &app,
        &t,
        "filing",
        json!({"filing_ref": "大财采备〔2026〕12号"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["filed_at"].is_string(), "{v}");
    let (s, v) = step(&app, &t, "filing", json!({"filing_ref": "again"})).await;
    assert_conflict(s, &v, "procurement.already_filed");
    // The alert timer of the contract announcement was cancelled: nothing fires after its end.
    travel(&app, &mut t, at("2026-04-18T00:00:01+08:00")).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(events(
        &app,
        "projects.procurement.contract_announcement_overdue",
        &sid
    )
    .await
    .is_empty());
    app.stop().await;
}

#[tokio::test]
async fn procurement_report_overdue_after_day_2_and_the_first_candidate_deemed_after_day_5() {
    let app = TestApp::spawn().await;
    let mut t = evaluating_section(&app, "procurement").await;
    let sid = t.section_id.clone();
    let (s, p) = submit_result(&app, &t, 3).await;
    assert_eq!(s, 201, "{p}");
    // The project's region keeps its own rules row (same periods, its own citation): the alert
    // cites the region's source, not the national one.
    let region = app
        .strings(
            "SELECT p.region FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = $1",
            &[&sid],
        )
        .await
        .pop()
        .expect("the section's region");
    let source = "大连市政府采购管理实施细则（测试） 第十二条";
    sqlx::query(
        "INSERT INTO procurement_award_rules SELECT $1, report_send_days, $2, confirm_days, \
         confirm_source, announce_days, announce_source, show_days, show_source, \
         contract_announce_days, contract_announce_source FROM procurement_award_rules WHERE region = 'CN'",
    )
    .bind(&region)
    .bind(source)
    .execute(app.ctx.db.pool_for_write())
    .await
    .expect("a regional rules row");

    // Report: working day 2 is Wednesday 04-08 (清明 in between); its last minute raises nothing,
    // its end raises the alert.
    let due = at("2026-04-09T00:00:00+08:00");
    assert_eq!(
        app.timer_due(&format!("projects.procurement.report_due:{sid}"))
            .await,
        Some(due)
    );
    travel(&app, &mut t, due - chrono::Duration::seconds(60)).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(events(&app, "projects.procurement.report_overdue", &sid)
        .await
        .is_empty());
    travel(&app, &mut t, due).await;
    let ev = wait_event(&app, "projects.procurement.report_overdue", &sid).await;
    assert_eq!(t_of(&ev["due_at"]), due);
    assert_eq!(ev["basis"], source, "{ev}");

    // Sent late on Thursday 04-09: recorded as late; the purchaser has until Thursday 04-16 24:00.
    let (s, v) = step(&app, &t, "report-sent", json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["report_sent_late"], true);
    let confirm_due = at("2026-04-17T00:00:00+08:00");
    assert_eq!(t_of(&v["confirm_due_at"]), confirm_due);

    // The last minute of day 5: still the purchaser's to decide, nothing happens by itself.
    travel(&app, &mut t, confirm_due - chrono::Duration::seconds(60)).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(events(&app, "projects.award.confirmed", &sid)
        .await
        .is_empty());
    // Day 6: the first candidate is deemed the winner (87号令 68); the purchaser can no longer
    // choose.
    travel(&app, &mut t, confirm_due).await;
    let ev = wait_event(&app, "projects.award.confirmed", &sid).await;
    assert_eq!(ev["deemed"], true);
    assert_eq!(ev["winner_rank"], 1);
    assert_eq!(ev["winner_org_id"], t.bidders[1].org_id.as_str());
    wait_state(&app, &t, "awarded").await;
    let (s, v) = post_award(
        &app,
        &t,
        json!({"winner_org_id": t.bidders[0].org_id, "reason": "第一名放弃"}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    let v = path_of(&app, &t).await;
    assert_eq!(v["deemed"], true);

    // No result announcement within 2 working days of Friday 04-17 (→ Tuesday 04-21 24:00): alert.
    let ann_due = at("2026-04-22T00:00:00+08:00");
    assert_eq!(t_of(&v["announce_due_at"]), ann_due);
    travel(&app, &mut t, ann_due).await;
    let ev = wait_event(
        &app,
        "projects.procurement.result_announcement_overdue",
        &sid,
    )
    .await;
    assert_eq!(t_of(&ev["due_at"]), ann_due);
    app.stop().await;
}

#[tokio::test]
async fn the_committee_stays_secret_during_the_candidate_publicity_until_the_award() {
    // Regression: bidders could read the committee's names during the candidate publicity.
    let app = TestApp::spawn().await;
    let mut t = evaluating_section(&app, "construction").await;
    let sid = t.section_id.clone();
    let (draw_id, _) = real_committee(&app, &t).await;
    let p = result_with(&app, &t, &draw_id).await;
    wait_event(&app, "projects.candidates.publicized", &sid).await;
    app.drain_consumer("experts.events").await;
    for who in 0..3 {
        let (s, v) = app
            .get(
                Some(&t.bidders[who].token),
                &format!("/api/v1/experts/draws/{draw_id}"),
            )
            .await;
        assert_eq!(
            s, 403,
            "bidder {who} read the committee during the publicity: {v}"
        );
    }
    let (s, _) = app
        .get(
            Some(&t.tenderer),
            &format!("/api/v1/experts/draws/{draw_id}"),
        )
        .await;
    assert_eq!(s, 403);
    // The publicity's own event and draft carry no expert names.
    let ev = wait_event(&app, "projects.candidates.publicized", &sid).await;
    assert!(!ev.to_string().contains("评审专家"), "{ev}");

    travel(
        &app,
        &mut t,
        at(p["publicity_ends_at"].as_str().unwrap()) + chrono::Duration::hours(9),
    )
    .await;
    let (s, a) = post_award(&app, &t, json!({})).await;
    assert_eq!(s, 201, "{a}");
    wait_event(&app, "experts.committee.disclosed", &sid).await;
    let (s, v) = bidder_reads_draw(&app, &t, &draw_id).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["members"].as_array().unwrap().len(), 5);
    app.stop().await;
}

#[tokio::test]
async fn fewer_than_three_qualified_suppliers_after_review_fail_the_procurement() {
    // 政府采购法 第三十六条; 财政部令第87号 第四十三条: three qualified suppliers go on, two fail.
    let app = TestApp::spawn().await;
    let t = evaluating_section(&app, "procurement").await;
    let sid = t.section_id.clone();
    let reject = |org: String| {
        use ggzy_events::Contract;
        ggzy_events::evaluation::BidRejected {
            section_id: sid.clone(),
            org_id: org,
            ground: "review".into(),
            basis: "评标规定 第二十三条; majority of the committee".into(),
        }
        .encode()
        .payload
    };
    // A rejection of a supplier with no opened bid here leaves the three opened bids: goes on.
    app.emit_as(
        "evaluation",
        "evaluation.bid.rejected",
        "section",
        &sid,
        reject("org-without-bid".into()),
    )
    .await;
    app.drain_consumer("projects.review_rejections").await;
    assert_eq!(section(&app, &t).await["state"], "evaluating");
    assert!(events(&app, "projects.section.failed", &sid)
        .await
        .is_empty());
    // One of the three rejected: two qualified, the procurement fails (废标) with the reason.
    app.emit_as(
        "evaluation",
        "evaluation.bid.rejected",
        "section",
        &sid,
        reject(t.bidders[2].org_id.clone()),
    )
    .await;
    let ev = wait_event(&app, "projects.section.failed", &sid).await;
    assert_eq!(ev["reason"], "too_few_qualified");
    assert_eq!(ev["qualified_count"], 2);
    assert_eq!(ev["rejected_count"], 1);
    assert!(ev["basis"].as_str().unwrap().contains("第三十六条"), "{ev}");
    assert_eq!(section(&app, &t).await["state"], "failed");
    // The same event delivered again changes nothing; no result can be entered for the section.
    app.emit_as(
        "evaluation",
        "evaluation.bid.rejected",
        "section",
        &sid,
        reject(t.bidders[2].org_id.clone()),
    )
    .await;
    app.drain_consumer("projects.review_rejections").await;
    assert_eq!(events(&app, "projects.section.failed", &sid).await.len(), 1);
    let (s, v) = submit_result(&app, &t, 3).await;
    assert_eq!(s, 409, "{v}");
    // Publishing drafts a 废标 notice with the reason.
    app.drain_consumer("publishing.lifecycle").await;
    let (s, list) = app
        .get(Some(&t.tenderer), "/api/v1/announcements/mine")
        .await;
    assert_eq!(s, 200, "{list}");
    assert!(list.to_string().contains("废标公告"), "{list}");
    app.stop().await;
}
