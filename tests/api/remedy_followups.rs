//! Issue 20's last gaps (docs/remedies.md "Result objection, regional overrides, page uploads"):
//! the construction result objection (实施条例 54) is a remedies case whose suspension holds the
//! award until it is answered; a regional override of `remedy_rules` is refused below the national
//! minimum and, above it, applied with the regional document cited in the refusals; the raise page
//! takes an attachment (multipart, no script) and lists it with its SHA-256.

use crate::award::{self, at};
use crate::remedies::procurement_project;
use ggzy_api_tests::fixtures::assert_first_error;
use ggzy_api_tests::pages::{hidden_value, Visitor};
use ggzy_api_tests::TestApp;
use serde_json::json;
use sha2::{Digest, Sha256};

#[tokio::test]
async fn a_result_objection_is_a_remedy_case_that_holds_the_award_until_answered() {
    let app = TestApp::spawn().await;
    let mut t = award::evaluating_section(&app, "construction").await;
    let (s, v) = award::submit_result(&app, &t, 3).await;
    assert_eq!(s, 201, "{v}");
    let ends = at(v["publicity_ends_at"].as_str().unwrap());
    award::wait_state(&app, &t, "publicizing").await;
    app.drain_consumer("remedies.projection").await;
    let sid = t.section_id.clone();
    let url = format!("/api/v1/sections/{sid}/remedies");
    let objection = |g: &str| json!({"kind": "objection", "target": "result", "grounds": g});
    // Only a bidder raises, with grounds (moved from award.rs's old objection route).
    let (s, v) = app
        .post(Some(&t.tenderer), &url, objection("第一名资格有误"))
        .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app
        .post(Some(&t.bidders[2].token), &url, objection(" "))
        .await;
    assert_eq!(
        (s, v["errors"][0]["field"].as_str()),
        (422, Some("grounds")),
        "{v}"
    );

    // Raised Friday 2026-04-03 during the publicity: answered within 3 (calendar) days, the last
    // one Monday 04-06 is 清明 → Tuesday 24:00 (民法典 203); the rule cites 实施条例 54.
    let (s, first) = app
        .post(
            Some(&t.bidders[2].token),
            &url,
            objection("第一名的项目经理证书已过期"),
        )
        .await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(
        at(first["answer_due"].as_str().unwrap()),
        at("2026-04-08T00:00:00+08:00")
    );
    assert_eq!(first["suspending"], true, "{first}");
    assert!(first["source"].as_str().unwrap().contains("第五十四条"));
    assert_eq!(at(first["raise_deadline"].as_str().unwrap()), ends);
    let scope = award::wait_event(&app, "remedies.case.suspended", &sid).await;
    assert_eq!(scope["scope"], "award", "{scope}");
    // Another bidder sees the case without its raiser; the tenderer sees who raised it.
    let (s, v) = app.get(Some(&t.bidders[0].token), &url).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v[0]["anonymised"].as_bool(), v[0]["raised_by_org"].as_str()),
        (Some(true), None),
        "{v}"
    );
    let (s, v) = app.get(Some(&t.tenderer), &url).await;
    assert_eq!(
        v[0]["raised_by_org"],
        t.bidders[2].org_id.as_str(),
        "{s} {v}"
    );

    // The last second of the publicity is still in time; its end is not.
    award::travel(&app, &mut t, ends - chrono::Duration::seconds(1)).await;
    let (s, second) = app
        .post(Some(&t.bidders[0].token), &url, objection("评分有误"))
        .await;
    assert_eq!(s, 201, "{second}");
    award::travel(&app, &mut t, ends).await;
    let (s, v) = app
        .post(Some(&t.bidders[0].token), &url, objection("太晚了"))
        .await;
    assert_first_error(s, &v, 422, "remedy.raise_period_ended");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("第五十四条"),
        "{v}"
    );

    // The first was not answered by its due time: an alert for monitoring.
    let overdue = award::wait_event(&app, "remedies.case.overdue", &sid).await;
    assert_eq!(overdue["case_id"], first["id"], "{overdue}");
    // While either is open the award waits (the projects area learnt it from the events).
    app.drain_consumer("projects.suspensions").await;
    let (s, v) = award::post_award(&app, &t, json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "section.suspended_by_remedy", "{v}");
    // One answered: the other still holds the award; both answered: it proceeds.
    let answer = |case: &serde_json::Value| {
        (
            format!("/api/v1/remedies/{}/answer", case["id"].as_str().unwrap()),
            json!({"answer": "经核查，证书在有效期内"}),
        )
    };
    let (u, body) = answer(&first);
    let (s, v) = app.post(Some(&t.tenderer), &u, body).await;
    assert_eq!(s, 200, "{v}");
    app.drain_consumer("projects.suspensions").await;
    let (s, v) = award::post_award(&app, &t, json!({})).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("section.suspended_by_remedy")),
        "{v}"
    );
    let (u, body) = answer(&second);
    let (s, v) = app.post(Some(&t.tenderer), &u, body).await;
    assert_eq!(s, 200, "{v}");
    let resumed = award::events(&app, "remedies.case.resumed", &sid).await;
    assert_eq!(resumed.len(), 2, "{resumed:?}");
    // An answer is given once; the first was late, the second in time.
    let (u, body) = answer(&second);
    let (s, v) = app.post(Some(&t.tenderer), &u, body).await;
    assert_eq!(s, 409, "{v}");
    let answered = award::events(&app, "remedies.case.answered", &sid).await;
    let late: Vec<_> = answered.iter().map(|e| e["late"].as_bool()).collect();
    assert_eq!(late, [Some(true), Some(false)], "{answered:?}");
    // The raiser escalates its answered objection to a complaint (实施条例 60), which does not
    // suspend by itself.
    let (s, complaint) = app
        .post(
            Some(&t.bidders[2].token),
            &format!(
                "/api/v1/remedies/{}/escalate",
                first["id"].as_str().unwrap()
            ),
            json!({"grounds": "答复未说明证书核查依据"}),
        )
        .await;
    assert_eq!(s, 201, "{complaint}");
    assert_eq!(
        (complaint["kind"].as_str(), complaint["target"].as_str()),
        (Some("complaint"), Some("result"))
    );
    app.drain_consumer("projects.suspensions").await;
    let (s, v) = award::post_award(&app, &t, json!({})).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["winner_org_id"], t.bidders[1].org_id.as_str());
    app.stop().await;
}

#[tokio::test]
async fn a_regional_remedy_period_is_refused_below_the_law_and_applied_above_it_with_its_citation()
{
    let app = TestApp::spawn_at(at("2026-09-14T09:00:00+08:00")).await;
    let reg = app.register_project(procurement_project()).await;
    app.open_bidding(&reg.staff, &reg.section_id).await;
    let sid = reg.section_id.clone();
    app.drain_consumer("projects.organizations").await;
    app.clock().set(at("2026-09-28T10:00:00+08:00"));
    let b1 = app.login("bidder1").await;
    app.register_for(&b1, &sid).await;
    app.drain_consumer("remedies.projection").await;

    let admin = app.login("admin").await;
    let url = "/api/v1/remedy-rule-overrides";
    let set = |value: i64, citation: &str| {
        json!({"market": "procurement", "kind": "challenge", "target": "process",
               "field": "raise_days", "value": value, "citation": citation})
    };
    const DOC: &str = "省政府采购质疑处理规定 (试行) 第五条";
    // Shorter than the law's 7 working days (政采法 52): refused, nothing stored.
    let (s, v) = app.put(Some(&admin), url, set(6, DOC)).await;
    assert_first_error(s, &v, 422, "rules.override_below_legal_minimum");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("第五十二条"),
        "{v}"
    );
    let (s, v) = app.put(Some(&admin), url, set(10, " ")).await;
    assert_first_error(s, &v, 422, "required");
    // The time to answer may not be lengthened (a time limit to act).
    let mut answer = set(8, DOC);
    answer["field"] = json!("answer_days");
    let (s, v) = app.put(Some(&admin), url, answer).await;
    assert_first_error(s, &v, 422, "rules.override_above_legal_maximum");
    let b = app.login("bidder1").await;
    let (s, _) = app.put(Some(&b), url, set(10, DOC)).await;
    assert_eq!(s, 403);
    // 10 working days: applied.
    let (s, v) = app.put(Some(&admin), url, set(10, DOC)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["national_value"].as_i64(), v["effective_value"].as_i64()),
        (Some(7), Some(10))
    );
    let all = app.get_expect(&admin, url, 200).await;
    let entry = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["kind"] == "challenge" && e["target"] == "process" && e["field"] == "raise_days"
        })
        .cloned()
        .unwrap();
    assert_eq!(entry["override_citation"], DOC, "{entry}");

    // Friday 2026-11-20: known on Thursday 11-05 → 10 working days end 11-19 24:00: refused,
    // citing the regional document; known on Friday 11-06 → they end 11-20 24:00: accepted (the
    // national 7 would have ended 11-17).
    app.clock().set(at("2026-11-20T10:00:00+08:00"));
    let b1 = app.login("bidder1").await;
    let raise = |known: &str| {
        json!({"kind": "challenge", "target": "process", "known_on": known,
               "grounds": "评审因素与采购需求不一致"})
    };
    let case_url = format!("/api/v1/sections/{sid}/remedies");
    let (s, v) = app.post(Some(&b1), &case_url, raise("2026-11-05")).await;
    assert_first_error(s, &v, 422, "remedy.raise_period_ended");
    let msg = v["errors"][0]["message"].as_str().unwrap();
    assert!(msg.contains(DOC) && msg.contains("2026-11-20 00:00"), "{v}");
    let (s, case) = app.post(Some(&b1), &case_url, raise("2026-11-06")).await;
    assert_eq!(s, 201, "{case}");
    assert!(case["source"].as_str().unwrap().starts_with(DOC), "{case}");
    assert_eq!(
        at(case["raise_deadline"].as_str().unwrap()),
        at("2026-11-21T00:00:00+08:00")
    );

    // Removed (with a reason): the national 7 days apply again.
    let admin = app.login("admin").await;
    let rm = json!({"market": "procurement", "kind": "challenge", "target": "process",
                    "field": "raise_days", "reason": "规定废止"});
    let (s, v) = app
        .post(
            Some(&admin),
            "/api/v1/remedy-rule-overrides/remove",
            rm.clone(),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    let (s, _) = app
        .post(Some(&admin), "/api/v1/remedy-rule-overrides/remove", rm)
        .await;
    assert_eq!(s, 404);
    let rules = app.get_expect(&b1, "/api/v1/remedies/rules", 200).await;
    let row = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["market"] == "procurement" && r["kind"] == "challenge" && r["target"] == "process"
        })
        .cloned()
        .unwrap();
    assert_eq!(row["raise_days"], 7, "{row}");
    app.stop().await;
}

#[tokio::test]
async fn an_attachment_uploaded_on_the_raise_page_is_listed_with_its_digest() {
    let app = TestApp::spawn().await;
    let t = award::registered_section(&app, "construction").await;
    award::open_by_staff(&app, &t).await;
    award::projection_ready(&app).await;
    let sid = t.section_id.clone();
    let b1 = app.login("bidder1").await;
    app.register_for(&b1, &sid).await;
    app.drain_consumer("remedies.projection").await;

    let mut v = Visitor::new(&app);
    v.sign_in("bidder1").await;
    let csrf = v.csrf("/").await;
    let url = format!("/bidder/sections/{sid}/remedies/new");
    let form = v.get(&url).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        form.body.contains("enctype=\"multipart/form-data\""),
        "{}",
        form.body
    );
    assert!(form.body.contains("type=\"file\""), "{}", form.body);

    let pdf = b"%PDF-1.7\n% the scoring table differs from the notice\n".to_vec();
    let digest = hex::encode(Sha256::digest(&pdf));
    // Not a PDF/PNG/JPEG by its content (whatever its name): refused next to the file field.
    let r = v
        .post_multipart(
            &url,
            &[("csrf", &csrf), ("action", "upload")],
            &[("file", "评分表.pdf", "application/pdf", b"MZ\x90\x00")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("f-file-error") && r.body.contains("remedy.attachment_type"),
        "{}",
        r.body
    );
    // Without the CSRF token: 403 and nothing stored.
    let r = v
        .post_multipart(
            &url,
            &[("action", "upload")],
            &[("file", "a.pdf", "application/pdf", &pdf)],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM remedy_attachments")
            .await,
        0
    );
    // Uploaded: listed with its digest and carried as a hidden id.
    let r = v
        .post_multipart(
            &url,
            &[("csrf", &csrf), ("kind", "complaint"), ("action", "upload")],
            &[("file", "评分表比对.pdf", "application/pdf", &pdf)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(&digest), "{}", r.body);
    let aid = hidden_value(&r.body, "attachment_ids").expect("carried attachment id");
    // A raise refused (grounds missing) keeps the attachment listed; then raised with it.
    let fields = |grounds: &'static str| {
        vec![
            ("kind", "complaint"),
            ("target", "process"),
            ("known_on", "2026-03-02"),
            ("grounds", grounds),
        ]
    };
    let mut refused = vec![("csrf", csrf.as_str()), ("attachment_ids", aid.as_str())];
    refused.extend(fields(""));
    let r = v.post_multipart(&url, &refused, &[]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("f-grounds-error") && r.body.contains(&digest),
        "{}",
        r.body
    );
    let mut ok = vec![("csrf", csrf.as_str()), ("attachment_ids", aid.as_str())];
    ok.extend(fields("评标办法与招标公告不一致"));
    let r = v.post_multipart(&url, &ok, &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let case = v.get(r.location()).await;
    assert_eq!(case.status, 200, "{}", case.body);
    assert!(
        case.body.contains("case-attachments") && case.body.contains(&digest),
        "{}",
        case.body
    );
    assert!(case.body.contains("评分表比对.pdf"), "{}", case.body);
    app.stop().await;
}
