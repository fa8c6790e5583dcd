//! Construction remedies (docs/remedies.md, "Construction"): a suspension bites on every next step
//! of the section. An objection to the tender documents (实施条例 22) suspends the bidding until it
//! is answered — bid uploads and withdrawals are refused naming the suspension and the case — and
//! the deadline moves by the suspended time (the last instant of the moved deadline accepts a bid,
//! the first after it refuses one, and the old deadline no longer closes the section). An
//! objection at the opening (实施条例 44) is refused before the opening, raised and answered on the
//! spot, and listed with its answer in the opening record (开标记录). A complaint the supervisor
//! accepts with a suspension (实施条例 62) holds the committee's evaluation until it is decided.

use crate::award::{self, at, Trade};
use crate::evaluation::{caught_up, comprehensive};
use base64::Engine as _;
use ggzy_api_tests::fixtures::{assert_first_error, assert_rule};
use ggzy_api_tests::pages::Visitor;
use ggzy_api_tests::{into_parts, TestApp};
use ggzy_projects::package::{plaintext, seal, Suite};
use serde_json::{json, Value};

const SUSPENDED: &str = "section.suspended_by_remedy";

/// Upload a sealed bid (AES-256-GCM) for the caller's organization.
async fn upload(app: &TestApp, token: &str, sid: &str, price: &str, seed: u8) -> (u16, Value) {
    let plain = plaintext(
        Suite::Aes256GcmSha256,
        price,
        &[("商务标.pdf", b"%PDF-1.7 bid".as_slice())],
    );
    let sealed = seal(Suite::Aes256GcmSha256, &[seed; 32], &[seed; 7], &plain).unwrap();
    let r = app
        .client
        .put(app.url(&format!("/api/v1/sections/{sid}/bids/mine")))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .header("X-Bid-Digest", &sealed.digest)
        .body(sealed.ciphertext.clone())
        .send()
        .await
        .unwrap();
    into_parts(r).await
}

/// Set the clock to `when` and sign `who` in there (sessions end across days).
async fn at_time(app: &TestApp, when: &str, who: &str) -> String {
    app.clock().set(at(when));
    let tok = app.login(who).await;
    app.clock().set(at(when));
    tok
}

fn assert_suspended_by(s: u16, v: &Value, case: &str) {
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], SUSPENDED, "{v}");
    assert!(
        v["detail"].as_str().unwrap_or_default().contains(case),
        "the refusal names the case {case}: {v}"
    );
}

#[tokio::test]
async fn a_documents_objection_refuses_bids_until_answered_and_moves_the_deadline_by_the_suspended_time(
) {
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

    // Monday 2026-03-23 10:00: bidder1 has bid; bidder2 objects to the tender documents.
    let b1 = at_time(&app, "2026-03-23T09:00:00+08:00", "bidder1").await;
    let (s, v) = upload(&app, &b1, &sid, "9650000.00", 11).await;
    assert_eq!(s, 201, "{v}");
    let b2 = at_time(&app, "2026-03-23T10:00:00+08:00", "bidder2").await;
    let case = app
        .post_expect(
            &b2,
            &format!("/api/v1/sections/{sid}/remedies"),
            json!({"kind": "objection", "target": "documents",
                   "grounds": "业绩要求排斥潜在投标人 (the reference requirement excludes bidders)"}),
            201,
        )
        .await;
    assert_eq!(case["suspending"], true, "{case}");
    let cid = case["id"].as_str().unwrap().to_string();
    app.wait_consumer("projects.suspensions").await;

    // While suspended: no upload, no replacement, no withdrawal — each names the suspension and
    // the case; nothing is written.
    let (s, v) = upload(&app, &b2, &sid, "9480000.50", 22).await;
    assert_suspended_by(s, &v, &cid);
    let (s, v) = upload(&app, &b1, &sid, "9600000.00", 12).await;
    assert_suspended_by(s, &v, &cid);
    let (s, v) = app
        .delete(Some(&b1), &format!("/api/v1/sections/{sid}/bids/mine"))
        .await;
    assert_suspended_by(s, &v, &cid);
    assert_eq!(
        award::events(&app, "projects.bid.submitted", &sid)
            .await
            .len(),
        1
    );

    // Thursday 03-26 15:59:30 the tenderer answers without changing the documents: suspended
    // 3 days 5 h 59 min 30 s, given back rounded up to the minute, so the deadline 04-03 09:30
    // moves to 04-06 15:30 (the opening with it).
    let tenderer = at_time(&app, "2026-03-26T15:59:30+08:00", "tenderer").await;
    let answered = app
        .post_expect(
            &tenderer,
            &format!("/api/v1/remedies/{cid}/answer"),
            json!({"answer": "业绩要求符合招标项目的具体特点和实际需要，不予修改"}),
            200,
        )
        .await;
    assert_eq!(answered["state"], "answered", "{answered}");
    assert_eq!(answered["suspending"], false);
    app.wait_consumer("projects.suspensions").await;
    let tr = Trade {
        tenderer: tenderer.clone(),
        ..t
    };
    let sec = award::section(&app, &tr).await;
    let moved_to = at("2026-04-06T15:30:00+08:00");
    assert_eq!(at(sec["bid_deadline"].as_str().unwrap()), moved_to, "{sec}");
    assert_eq!(
        app.timer_due(&format!("projects.section.deadline:{sid}"))
            .await,
        Some(moved_to)
    );
    let moved = award::events(&app, "projects.section.deadline_changed", &sid).await;
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0]["remedy_case_id"], cid.as_str());
    assert_eq!(moved[0]["suspended_seconds"], 3 * 86_400 + 6 * 3_600);

    // The bidding goes on: bidder2 bids after the answer.
    let b2 = at_time(&app, "2026-03-26T16:00:01+08:00", "bidder2").await;
    let (s, v) = upload(&app, &b2, &sid, "9480000.50", 22).await;
    assert_eq!(s, 201, "{v}");

    // The old deadline no longer closes the section; the last second before the moved deadline
    // still accepts a bid, the moved deadline itself refuses one.
    let b1 = at_time(&app, "2026-04-03T09:30:01+08:00", "bidder1").await;
    let (s, v) = upload(&app, &b1, &sid, "9600000.00", 12).await;
    assert_eq!(s, 201, "after the old deadline: {v}");
    // (Signed in before: a sign-in on a loaded machine may take longer than the last second.)
    let b1 = at_time(&app, "2026-04-06T15:00:00+08:00", "bidder1").await;
    app.clock().set(moved_to - chrono::Duration::seconds(1));
    let (s, v) = upload(&app, &b1, &sid, "9610000.00", 13).await;
    assert_eq!(s, 201, "last second before the moved deadline: {v}");
    app.clock().set(moved_to);
    let (s, v) = upload(&app, &b1, &sid, "9620000.00", 14).await;
    assert_rule(s, &v, 409, "bid.after_deadline");
    app.stop().await;
}

#[tokio::test]
async fn an_opening_objection_is_in_the_opening_record_and_a_suspending_complaint_holds_the_evaluation(
) {
    let app = TestApp::spawn().await;
    let mut t = award::registered_section(&app, "construction").await;
    let sid = t.section_id.clone();
    caught_up(&app).await;
    let (s, v) = app
        .put(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{sid}/evaluation-method"),
            comprehensive(),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    award::open_by_staff(&app, &t).await;
    award::register_and_bid(&app, &mut t).await;

    // The opening: an objection is only raised on the spot (实施条例 44) — before the opening it
    // is refused.
    let url = format!("/api/v1/sections/{sid}/remedies");
    let objection = json!({"kind": "objection", "target": "opening",
        "grounds": "第三名投标人的投标文件密封时间晚于截止时间 (a bid was sealed after the deadline)"});
    app.drain_consumer("remedies.projection").await;
    let (s, v) = app
        .post(Some(&t.bidders[0].token), &url, objection.clone())
        .await;
    assert_first_error(s, &v, 422, "remedy.not_during_opening");
    award::travel(
        &app,
        &mut t,
        at(award::DEADLINE) + chrono::Duration::seconds(1),
    )
    .await;
    award::wait_state(&app, &t, "opening").await;
    app.drain_consumer("remedies.projection").await;
    let case = app
        .post_expect(&t.bidders[0].token, &url, objection, 201)
        .await;
    let oid = case["id"].as_str().unwrap().to_string();
    let answer = "已核对：该投标文件于截止时间前提交，回执时间为证，异议不成立";
    app.post_expect(
        &t.tenderer,
        &format!("/api/v1/remedies/{oid}/answer"),
        json!({"answer": answer}),
        200,
    )
    .await;
    app.wait_consumer("projects.opening_objections").await;
    for b in &t.bidders {
        let (s, v) = app
            .post(
                Some(&b.token),
                &format!("/api/v1/sections/{sid}/bids/mine/key"),
                json!({"key": base64::engine::general_purpose::STANDARD.encode(&b.key)}),
            )
            .await;
        assert_eq!(s, 200, "{}: {v}", b.name);
    }
    award::wait_state(&app, &t, "evaluating").await;
    // The opening record lists the objection and its answer — in the event and through the API
    // to every bidder of the section.
    let rec = award::wait_event(&app, "projects.opening.recorded", &sid).await;
    assert_eq!(rec["objections"][0]["case_id"], oid.as_str(), "{rec}");
    let record = app
        .get_expect(
            &t.bidders[2].token,
            &format!("/api/v1/sections/{sid}/opening"),
            200,
        )
        .await;
    let o = &record["objections"];
    assert_eq!(o.as_array().map(Vec::len), Some(1), "{record}");
    assert_eq!(o[0]["answer"], answer);
    assert!(o[0]["grounds"].as_str().unwrap().contains("密封时间"));
    assert_eq!(o[0]["answered_late"], false);
    assert!(o[0]["source"].as_str().unwrap().contains("第四十四条"));
    assert!(o[0].get("raised_by_org").is_none(), "{o}");
    // The bidder's opening page shows it under the record.
    let mut page = Visitor::new(&app);
    page.sign_in("bidder2").await;
    let p = page.get(&format!("/bidder/sections/{sid}/opening")).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("开标现场异议及答复"), "{}", p.body);
    assert!(p.body.contains(answer) && p.body.contains("密封时间"));

    // A committee of one expert.
    let expert = app.login("expert1").await;
    let (_, me) = app.get(Some(&expert), "/api/v1/auth/me").await;
    award::emit_event(
        &app,
        "experts.draw.completed",
        "draw-1",
        json!({"draw_id": "draw-1", "section_id": sid, "session_id": "session-1",
               "experts": [{"expert_id": "EXP-1", "name": "专家一", "user_id": me["user_id"],
                            "specialty": "A010101"}]}),
    )
    .await;
    caught_up(&app).await;

    // bidder3 complains about the opening (实施条例 60); the supervisor accepts it and suspends
    // the procedure (实施条例 62).
    let today = ggzy_core::time::local_date(app.clock().now());
    let case = app
        .post_expect(
            &t.bidders[2].token,
            &url,
            json!({"kind": "complaint", "target": "opening", "known_on": today.to_string(),
                   "grounds": "开标时未当众唱标 (the bids were not read out at the opening)"}),
            201,
        )
        .await;
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
    assert_eq!(accepted["suspending"], true, "{accepted}");
    app.wait_consumer("evaluation.suspensions").await;

    // The committee's first step is refused, naming the case; nothing is recorded.
    let review = json!({"bids": t.bidders.iter().map(|b| json!({"org_id": b.org_id,
        "items": [{"item": "资格审查", "pass": true}]})).collect::<Vec<_>>()});
    let rurl = format!("/api/v1/sections/{sid}/evaluation/reviews/mine");
    let (s, v) = app.put(Some(&expert), &rurl, review.clone()).await;
    assert_suspended_by(s, &v, &cid);
    assert!(award::events(&app, "evaluation.review.submitted", &sid)
        .await
        .is_empty());

    // Dismissed: the suspension ends and the review is accepted.
    app.post_expect(
        &sup,
        &format!("/api/v1/remedies/{cid}/decide"),
        json!({"decision": "dismissed", "reason": "开标记录显示已当众唱标，投诉缺乏事实根据"}),
        200,
    )
    .await;
    app.wait_consumer("evaluation.suspensions").await;
    let (s, v) = app.put(Some(&expert), &rurl, review).await;
    assert_eq!(s, 200, "{v}");
    app.stop().await;
}

/// 招标投标法 47: the written report of the result to the supervisor within 15 days of the award.
/// Awarded Wednesday 2026-04-08 10:00: day 15 is Thursday 04-23, the report due at its 24:00. Its
/// last minute raises nothing; 24:00 (day 16) raises the alert once; the report filed then is
/// generated from the record and marked late; filed once; read by the supervisor, not by a bidder.
#[tokio::test]
async fn the_written_report_is_due_at_the_end_of_day_15_and_day_16_raises_the_alert() {
    let app = TestApp::spawn().await;
    let mut t = award::after_publicity(&app, "construction").await;
    let sid = t.section_id.clone();
    let url = format!("/api/v1/sections/{sid}/award-report");
    // No award yet: nothing to file.
    let (s, v) = app.post(Some(&t.tenderer), &url, json!({})).await;
    assert_eq!(s, 404, "{v}");
    let (s, a) = award::post_award(&app, &t, json!({})).await;
    assert_eq!(s, 201, "{a}");
    let sup = app.login("supervisor").await;
    let r = app.get_expect(&sup, &url, 200).await;
    assert_eq!(r["filed"], false, "{r}");
    assert_eq!(r["report_days"], 15);
    assert_eq!(r["source"], "招标投标法 第四十七条");
    let due = at(r["due_at"].as_str().unwrap());
    assert_eq!(due, at("2026-04-24T00:00:00+08:00"));
    assert_eq!(
        app.timer_due(&format!("projects.award_report.due:{sid}"))
            .await,
        Some(due)
    );
    let (s, v) = app.get(Some(&t.bidders[0].token), &url).await;
    assert_eq!(s, 403, "{v}");

    // Day 15, its last minute: no alert.
    award::travel(&app, &mut t, due - chrono::Duration::seconds(60)).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(award::events(&app, "projects.award_report.overdue", &sid)
        .await
        .is_empty());
    // Day 16: the alert, once.
    award::travel(&app, &mut t, due).await;
    let ev = award::wait_event(&app, "projects.award_report.overdue", &sid).await;
    assert_eq!(at(ev["due_at"].as_str().unwrap()), due);
    assert_eq!(ev["basis"], "招标投标法 第四十七条");
    app.wait_consumer("monitoring.signals").await;
    assert_eq!(
        app.scalar_i64(
            "SELECT COUNT(*) FROM mon_alerts WHERE rule_id = 'compliance.award_report_overdue'"
        )
        .await,
        1
    );

    // Filed late: generated from the record, once.
    let (s, v) = app.post(Some(&t.bidders[0].token), &url, json!({})).await;
    assert_eq!(s, 403, "{v}");
    let (s, f) = app.post(Some(&t.tenderer), &url, json!({})).await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["filed"], true);
    assert_eq!(f["late"], true);
    assert_eq!(f["overdue_alerted"], true);
    let rep = &f["report"];
    assert!(f["report_no"].as_str().unwrap().starts_with("ZBBG-"), "{f}");
    assert_eq!(rep["evaluation"]["report_ref"], "PBBG-2026-001");
    assert_eq!(rep["award"]["notice_no"], a["notice_no"]);
    assert_eq!(rep["award"]["winner_org_id"], a["winner_org_id"]);
    assert_eq!(rep["award"]["price"], a["price"]);
    assert_eq!(rep["participation"]["registrations"], 3);
    let steps: Vec<&str> = rep["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "section_registered",
            "bid_deadline",
            "opening",
            "evaluation_result",
            "publicity_start",
            "publicity_end",
            "award",
            "report_filed"
        ]
    );
    assert_eq!(
        app.timer_due(&format!("projects.award_report.due:{sid}"))
            .await,
        None
    );
    let ev = award::wait_event(&app, "projects.award_report.filed", &sid).await;
    assert_eq!(ev["late"], true);
    let (s, v) = app.post(Some(&t.tenderer), &url, json!({})).await;
    assert_rule(s, &v, 409, "award_report.already_filed");
    let sup = app.login("supervisor").await;
    let list = app.get_expect(&sup, "/api/v1/award-reports", 200).await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["section_id"] == sid.as_str() && r["filed"] == true));
    app.stop().await;
}
