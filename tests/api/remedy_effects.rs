//! Issue 20, a decision has its effect (docs/remedies.md): a complaint decided "void the result"
//! after the award sends the section back to evaluation — the old result, award and committee
//! round are kept in the history, the published candidate publicity is withdrawn with the decision
//! as its reason, the award notice is gone — and a new result then runs through a new publicity to
//! a new award notice.

use crate::award::{self, at};
use ggzy_api_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_result_voided_after_the_award_is_evaluated_again_and_awarded_anew() {
    let app = TestApp::spawn().await;
    let mut t = award::evaluating_section(&app, "construction").await;
    let (s, v) = award::submit_result(&app, &t, 3).await;
    assert_eq!(s, 201, "{v}");
    let draw_id = format!("draw-{}", t.section_id);
    let ends = at(v["publicity_ends_at"].as_str().unwrap());
    award::wait_state(&app, &t, "publicizing").await;
    // The candidate publicity the publishing area drafted is published.
    app.drain_consumer("publishing.lifecycle").await;
    let like = format!("%\"{}\"%", t.section_id);
    let publicity = app
        .strings(
            "SELECT id FROM announcements WHERE ann_type = 'candidate_publicity' AND section_ids LIKE $1",
            &[&like],
        )
        .await;
    assert_eq!(publicity.len(), 1, "{publicity:?}");
    let cur = app
        .get_expect(
            &t.tenderer,
            &format!("/api/v1/announcements/{}", publicity[0]),
            200,
        )
        .await;
    let mut fields = cur["fields"].clone();
    fields["evaluation_summary"] = json!("综合评估法，技术 60 分、商务 40 分");
    fields["objection_method"] = json!("公示期内向招标人书面提出");
    for c in fields["candidates"].as_array_mut().unwrap() {
        for (k, v) in [
            ("quality", "合格"),
            ("duration", "180 日历天"),
            ("project_manager", "张三"),
            ("certificate_no", "辽221000000001"),
            ("qualification_response", "满足"),
        ] {
            c[k] = json!(v);
        }
    }
    let r = app
        .client
        .put(app.url(&format!("/api/v1/announcements/{}", publicity[0])))
        .bearer_auth(&t.tenderer)
        .json(
            &json!({"market": cur["market"], "type": cur["type"], "title": cur["title"],
                      "body": cur["body"], "fields": fields}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    app.release_announcement(&publicity[0]).await;

    award::travel(&app, &mut t, ends + chrono::Duration::hours(10)).await;
    let (s, first) = award::post_award(&app, &t, json!({})).await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(
        first["winner_org_id"],
        t.bidders[1].org_id.as_str(),
        "{first}"
    );
    award::wait_state(&app, &t, "awarded").await;
    app.drain_consumer("remedies.projection").await;

    // bidder3 complains to the supervisor (实施条例 60), who accepts and voids the result.
    let today = ggzy_core::time::local_date(app.clock().now());
    let case = app
        .post_expect(
            &t.bidders[2].token,
            &format!("/api/v1/sections/{}/remedies", t.section_id),
            json!({"kind": "complaint", "target": "result", "known_on": today.to_string(),
                   "grounds": "中标人业绩造假 (the winner's references are false)"}),
            201,
        )
        .await;
    let cid = case["id"].as_str().unwrap().to_string();
    let sup = app.login("supervisor").await;
    app.post_expect(
        &sup,
        &format!("/api/v1/remedies/{cid}/accept"),
        json!({"suspend": true}),
        200,
    )
    .await;
    let decided = app
        .post_expect(
            &sup,
            &format!("/api/v1/remedies/{cid}/decide"),
            json!({"decision": "result_void", "reason": "业绩造假属实，中标结果无效"}),
            200,
        )
        .await;
    assert_eq!(decided["decision"], "result_void", "{decided}");
    award::wait_state(&app, &t, "evaluating").await;
    let back = award::events(
        &app,
        "projects.section.returned_to_evaluation",
        &t.section_id,
    )
    .await;
    assert_eq!(back.len(), 1, "{back:?}");
    assert_eq!(back[0]["previous_state"], "awarded");
    assert_eq!(back[0]["voided_result"], true);

    // The award notice is gone from the section; the voided result and award are kept.
    let (s, v) = app
        .get(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{}/award", t.section_id),
        )
        .await;
    assert_eq!(s, 404, "{v}");
    let kept = app
        .strings(
            "SELECT award FROM section_voided_results WHERE section_id = $1 AND remedy_case_id = $2",
            &[&t.section_id, &cid],
        )
        .await;
    assert_eq!(kept.len(), 1);
    let kept: serde_json::Value = serde_json::from_str(&kept[0]).unwrap();
    assert_eq!(kept["notice_no"], first["notice_no"], "{kept}");
    // The committee's round is kept by the evaluation area, and the publicity withdrawn.
    app.drain_consumer("evaluation.projection").await;
    app.drain_consumer("publishing.lifecycle").await;
    let rounds = app
        .strings(
            "SELECT remedy_case_id FROM eval_voided_rounds WHERE section_id = $1",
            &[&t.section_id],
        )
        .await;
    assert_eq!(rounds, vec![cid.clone()]);
    let ann = app
        .get_expect(
            &t.tenderer,
            &format!("/api/v1/announcements/{}", publicity[0]),
            200,
        )
        .await;
    assert_eq!(ann["status"], "withdrawn", "{ann}");
    assert!(
        ann["withdraw_reason"].as_str().unwrap().contains(&cid),
        "{ann}"
    );

    // The committee evaluates again: a new ranking, a new publicity, a new award notice.
    let ranking = json!([
        {"org_id": t.bidders[0].org_id, "price": t.bidders[0].price, "score": 91},
        {"org_id": t.bidders[2].org_id, "price": t.bidders[2].price, "score": 80},
    ]);
    let (s, v) = app
        .post(
            Some(&t.staff),
            &format!("/api/v1/sections/{}/evaluation-result", t.section_id),
            json!({"report_ref": "PBBG-2026-001-R2", "ranking": ranking, "publicity_days": 3,
                   "committee_draw_id": draw_id}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let ends = at(v["publicity_ends_at"].as_str().unwrap());
    award::wait_state(&app, &t, "publicizing").await;
    award::travel(&app, &mut t, ends + chrono::Duration::hours(10)).await;
    let (s, second) = award::post_award(&app, &t, json!({})).await;
    assert_eq!(s, 201, "{second}");
    assert_eq!(
        second["winner_org_id"],
        t.bidders[0].org_id.as_str(),
        "{second}"
    );
    // The new notice has its own number; the voided one stays in the history.
    assert_eq!(
        second["notice_no"].as_str().unwrap(),
        format!("{}-R1", first["notice_no"].as_str().unwrap())
    );
    let notice = app
        .get_expect(
            &t.tenderer,
            &format!("/api/v1/sections/{}/award", t.section_id),
            200,
        )
        .await;
    assert_eq!(notice["notice_no"], second["notice_no"], "{notice}");
    app.stop().await;
}
