//! The pages of the written report of the tender result (书面报告, 招标投标法 第四十七条;
//! crates/projects/src/award_report_pages.rs): the tenderer sees the report generated from the
//! record and submits it (the same use case as `POST /api/v1/sections/{id}/award-report`); the
//! supervisor lists the reports awaited (overdue marked) and received (late marked). Without the
//! CSRF token nothing is filed; a second submission shows its rule id; a bidder gets 403.

use crate::award::{self, at};
use ggzy_api_tests::pages::Visitor;
use ggzy_api_tests::TestApp;

async fn signed_in(app: &TestApp, user: &str) -> (Visitor, String) {
    let mut v = Visitor::new(app);
    v.sign_in(user).await;
    let csrf = v.csrf("/").await;
    (v, csrf)
}

/// The rows of the table `id` on a page (the text between its `<table id="…">` and `</table>`).
fn table<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("<table id=\"{id}\">"))
        .unwrap_or_else(|| panic!("table {id} on the page: {body}"));
    let rest = &body[start..];
    &rest[..rest.find("</table>").unwrap_or(rest.len())]
}

#[tokio::test]
async fn the_tenderer_submits_the_generated_report_and_the_supervisor_lists_it_as_received_or_overdue(
) {
    let app = TestApp::spawn().await;
    let t = award::after_publicity(&app, "construction").await;
    let sid = t.section_id.clone();
    let (s, a) = award::post_award(&app, &t, serde_json::json!({})).await;
    assert_eq!(s, 201, "{a}");
    let api = format!("/api/v1/sections/{sid}/award-report");
    let due = at(app.get_expect(&t.tenderer, &api, 200).await["due_at"]
        .as_str()
        .unwrap());
    let page = format!("/tenderer/sections/{sid}/award-report");

    // The preview: generated from the record, not filed.
    let (mut tv, _) = signed_in(&app, "tenderer").await;
    let p = tv.get(&page).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("data-filed=\"false\""), "{}", p.body);
    assert!(p.body.contains("id=\"report-no\">ZBBG-"), "{}", p.body);
    assert!(
        p.body.contains(a["notice_no"].as_str().unwrap()),
        "the award notice number is in the report"
    );
    assert!(p.body.contains("id=\"file-report\""));
    // The supervisor: awaited, within the period.
    let (mut sv, _) = signed_in(&app, "supervisor").await;
    let l = sv.get("/supervisor/award-reports").await;
    assert_eq!(l.status, 200, "{}", l.body);
    let waiting = table(&l.body, "waiting");
    assert!(
        waiting.contains(&sid) && !waiting.contains("state bad"),
        "{waiting}"
    );

    // Day 16 (the due instant): overdue on both pages.
    app.clock().set(due);
    let (mut sv, _) = signed_in(&app, "supervisor").await;
    let l = sv.get("/supervisor/award-reports").await;
    assert!(
        table(&l.body, "waiting").contains("state bad"),
        "{}",
        l.body
    );
    let (mut tv, csrf) = signed_in(&app, "tenderer").await;
    let p = tv.get(&page).await;
    assert!(p.body.contains("id=\"overdue\""), "{}", p.body);
    // A bidder may not see it.
    let (mut bv, _) = signed_in(&app, "bidder1").await;
    assert_eq!(bv.get(&page).await.status, 403);
    // Without the CSRF token: 403, nothing filed.
    let r = tv.post_form(&page, &[]).await;
    assert_eq!(r.status, 403);
    let tok = app.login("tenderer").await;
    assert_eq!(app.get_expect(&tok, &api, 200).await["filed"], false);
    // Submitted: 303 back to the page, filed late; the API reads the same report.
    let r = tv.post_form(&page, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), page);
    let p = tv.get(&page).await;
    assert!(p.body.contains("data-filed=\"true\""), "{}", p.body);
    assert!(p.body.contains("id=\"late\""), "{}", p.body);
    assert!(!p.body.contains("id=\"file-report\""));
    let filed = app.get_expect(&tok, &api, 200).await;
    assert_eq!(filed["late"], true);
    let no = filed["report_no"].as_str().unwrap();
    assert!(p.body.contains(no), "{}", p.body);
    // Once only: the rule id on the page.
    let r = tv.post_form(&page, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("award_report.already_filed"), "{}", r.body);
    // The supervisor: received, late.
    let l = sv.get("/supervisor/award-reports").await;
    let received = table(&l.body, "received");
    assert!(
        received.contains(&sid) && received.contains(no),
        "{received}"
    );
    assert!(received.contains("state bad"), "{received}");
    assert!(l.body.contains("id=\"no-waiting\""), "{}", l.body);
    app.stop().await;
}
