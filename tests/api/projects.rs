//! Unified project registration (统一项目登记): draft → submit → staff approval.

use ggzy_api_tests::fixtures::{assert_rule, TENDERER_NAME, TENDERER_USCC};
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};

/// Dates are Asia/Shanghai; the test clock starts Monday 2026-03-02 09:00.
fn section(deadline: &str, deposit: &str) -> Value {
    json!({
        "name": "一标段",
        "estimated_price": "10000000.00",
        "deposit": deposit,
        "docs_issue_at": "2026-03-02T09:00:00+08:00",
        "docs_sale_end_at": "2026-03-09T17:00:00+08:00",
        "bid_deadline": deadline,
        "opening_at": deadline,
    })
}

fn project(market: &str, sections: Vec<Value>) -> Value {
    json!({
        "name": "大连市某道路改造工程",
        "market": market,
        "procedure": "open_tender",
        "tenderer_uscc": TENDERER_USCC,
        "tenderer_name": TENDERER_NAME,
        "sections": sections,
    })
}

/// Documents from Monday 03-02: the 20th day is Sunday 03-22, a day off, so the bid period's last
/// day is Monday 03-23 (民法典 203).
const DEADLINE_20_DAYS: &str = "2026-03-23T09:30:00+08:00";
const DEADLINE_19_DAYS: &str = "2026-03-21T09:30:00+08:00";
/// The 20th day itself, a Sunday: refused.
const DEADLINE_ON_SUNDAY_20TH_DAY: &str = "2026-03-22T23:59:59+08:00";

async fn create(app: &TestApp, token: &str, body: Value) -> String {
    let (s, v) = app.post(Some(token), "/api/v1/projects", body).await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().expect("id").to_string()
}

/// A construction project drafted with one section due in 20 days and a deposit of `deposit`.
async fn draft_20_days(app: &TestApp, token: &str, deposit: &str) -> String {
    let body = project("construction", vec![section(DEADLINE_20_DAYS, deposit)]);
    create(app, token, body).await
}

#[tokio::test]
async fn a_construction_project_is_drafted_submitted_and_registered_with_a_unified_code() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    let id = draft_20_days(&app, &tenderer, "200000.00").await;

    // Editing a draft keeps the section id (matched by position).
    let (_, before) = app
        .get(Some(&tenderer), &format!("/api/v1/projects/{id}"))
        .await;
    let mut edited = project("construction", vec![section(DEADLINE_20_DAYS, "150000.00")]);
    edited["name"] = json!("大连市某道路改造工程（二期）");
    let (s, after) = app
        .put(
            Some(&tenderer),
            &format!("/api/v1/projects/{id}"),
            edited.clone(),
        )
        .await;
    assert_eq!(s, 200, "{after}");
    assert_eq!(after["sections"][0]["id"], before["sections"][0]["id"]);
    assert_eq!(after["sections"][0]["deposit"], "150000.00");

    let (s, v) = app.project_step(&tenderer, &id, "submit").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("submitted")), "{v}");

    // Once submitted, the draft can no longer be edited.
    let (s, v) = app
        .put(
            Some(&tenderer),
            &format!("/api/v1/projects/{id}"),
            edited.clone(),
        )
        .await;
    assert_rule(s, &v, 409, "project.illegal_transition");

    let (s, v) = app.project_step(&staff, &id, "approve").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "registered");
    assert_eq!(v["code"], "210200-GC-2026-000001");
    assert_eq!(v["sections"][0]["state"], "registered");

    // A second project takes the next number.
    let id2 = draft_20_days(&app, &tenderer, "1000.00").await;
    app.project_step(&tenderer, &id2, "submit").await;
    let (_, v2) = app.project_step(&staff, &id2, "approve").await;
    assert_eq!(v2["code"], "210200-GC-2026-000002");

    // Readers: the owner, staff, supervisor; not a bidder.
    let sup = app.login("supervisor").await;
    assert_eq!(
        app.get(Some(&sup), &format!("/api/v1/projects/{id}"))
            .await
            .0,
        200
    );
    let bidder = app.login("bidder1").await;
    assert_eq!(
        app.get(Some(&bidder), &format!("/api/v1/projects/{id}"))
            .await
            .0,
        403
    );
    let (s, list) = app
        .get(Some(&tenderer), "/api/v1/projects?status=registered")
        .await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(2));

    // The events other areas need, in the log.
    app.seal().await;
    let (_, page) = app.get(Some(&sup), "/api/events?after=0&limit=1000").await;
    let events = page["events"].as_array().unwrap();
    let types: Vec<&str> = events
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    for t in [
        "projects.project.created",
        "projects.project.updated",
        "projects.project.submitted",
        "projects.project.approved",
    ] {
        assert!(types.contains(&t), "missing {t}: {types:?}");
    }
    let reg = events
        .iter()
        .find(|e| {
            e["event_type"] == "projects.section.registered"
                && e["payload"]["project_id"] == id.as_str()
        })
        .expect("section registered event");
    let p = &reg["payload"];
    assert_eq!(p["section_id"], v["sections"][0]["id"]);
    assert_eq!(p["market"], "construction");
    assert_eq!(p["estimated_price"], "10000000.00");
    assert_eq!(p["deposit"], "150000.00");
    assert_eq!(p["bid_deadline"], "2026-03-23T01:30:00+00:00");
    assert_eq!(p["tenderer_uscc"], TENDERER_USCC);
    assert_eq!(p["project_code"], "210200-GC-2026-000001");
    // The region and tenderer's name travel with the section (publishing's copy needs them).
    assert_eq!(p["region"], "210200");
    assert_eq!(p["tenderer_name"], v["tenderer_name"]);
    assert!(
        p["tenderer_name"].as_str().is_some_and(|n| !n.is_empty()),
        "{p}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_deadline_19_days_after_issue_is_refused_naming_rule_and_source_and_20_days_accepted() {
    let app = TestApp::spawn().await;
    let agency = app.login("agency").await;
    let id = create(
        &app,
        &agency,
        project("construction", vec![section(DEADLINE_19_DAYS, "200000.00")]),
    )
    .await;
    let (s, v) = app.project_step(&agency, &id, "submit").await;
    assert_eq!(s, 422, "{v}");
    let errs = v["errors"].as_array().unwrap();
    assert_eq!(errs.len(), 1, "{v}");
    assert_eq!(errs[0]["field"], "sections[0].bid_deadline");
    assert_eq!(errs[0]["rule"], "construction.deadline_min_days");
    assert!(
        errs[0]["message"]
            .as_str()
            .unwrap()
            .contains("招标投标法 第二十四条"),
        "{v}"
    );

    let sunday = create(
        &app,
        &agency,
        project(
            "construction",
            vec![section(DEADLINE_ON_SUNDAY_20TH_DAY, "200000.00")],
        ),
    )
    .await;
    let (s, v) = app.project_step(&agency, &sunday, "submit").await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        v["errors"][0]["rule"], "construction.deadline_min_days",
        "{v}"
    );

    let ok = draft_20_days(&app, &agency, "200000.00").await;
    let (s, v) = app.project_step(&agency, &ok, "submit").await;
    assert_eq!(s, 200, "{v}");
    app.stop().await;
}

#[tokio::test]
async fn a_deposit_of_2_01_percent_is_refused_and_every_broken_rule_is_named() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let id = create(
        &app,
        &tenderer,
        project(
            "construction",
            vec![
                section(DEADLINE_20_DAYS, "201000.00"),
                section(DEADLINE_19_DAYS, "200000.00"),
            ],
        ),
    )
    .await;
    let (s, v) = app.project_step(&tenderer, &id, "submit").await;
    assert_eq!(s, 422, "{v}");
    let got: Vec<(String, String)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "sections[0].deposit".to_string(),
                "construction.deposit_cap".to_string()
            ),
            (
                "sections[1].bid_deadline".to_string(),
                "construction.deadline_min_days".to_string()
            ),
        ]
    );
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("实施条例 第二十六条"));
    // Still a draft: the refusal changed nothing.
    let (_, p) = app
        .get(Some(&tenderer), &format!("/api/v1/projects/{id}"))
        .await;
    assert_eq!(p["status"], "draft");
    app.stop().await;
}

#[tokio::test]
async fn a_bidder_cannot_create_a_project() {
    let app = TestApp::spawn().await;
    let bidder = app.login("bidder1").await;
    let (s, v) = app
        .post(
            Some(&bidder),
            "/api/v1/projects",
            project("construction", vec![section(DEADLINE_20_DAYS, "1.00")]),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(app.get(Some(&bidder), "/api/v1/projects").await.0, 403);
    app.stop().await;
}

#[tokio::test]
async fn an_invalid_tenderer_uscc_is_refused() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let mut body = project("construction", vec![section(DEADLINE_20_DAYS, "1.00")]);
    body["tenderer_uscc"] = json!("91110000802100433C");
    let (s, v) = app.post(Some(&tenderer), "/api/v1/projects", body).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "tenderer_uscc");
    assert_eq!(v["errors"][0]["rule"], "uscc.check_character");
    app.stop().await;
}

#[tokio::test]
async fn approving_twice_is_a_conflict_naming_the_current_state() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    let id = draft_20_days(&app, &tenderer, "1000.00").await;
    // Not yet submitted: staff cannot approve a draft.
    let (s, v) = app.project_step(&staff, &id, "approve").await;
    assert_eq!(s, 409, "{v}");
    app.project_step(&tenderer, &id, "submit").await;
    // A tenderer cannot approve its own project.
    assert_eq!(app.project_step(&tenderer, &id, "approve").await.0, 403);
    assert_eq!(app.project_step(&staff, &id, "approve").await.0, 200);
    let (s, v) = app.project_step(&staff, &id, "approve").await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "project.illegal_transition");
    assert!(v["detail"].as_str().unwrap().contains("registered"), "{v}");
    app.stop().await;
}

#[tokio::test]
async fn staff_return_a_submitted_project_with_a_reason_and_it_can_be_edited_again() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    // 87号令 16: five working days of document supply (Mon 03-02 → Mon 03-09).
    let mut sec = section(DEADLINE_20_DAYS, "1000.00");
    sec["docs_sale_end_at"] = json!("2026-03-09T17:00:00+08:00");
    let id = create(&app, &tenderer, project("procurement", vec![sec])).await;
    let (s, v) = app.project_step(&tenderer, &id, "submit").await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/projects/{id}/return"),
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/projects/{id}/return"),
            json!({"reason": "资金来源未写明"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["return_reason"].as_str()),
        (Some("draft"), Some("资金来源未写明"))
    );
    let (s, v) = app.project_step(&tenderer, &id, "submit").await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = app.project_step(&staff, &id, "approve").await;
    assert_eq!(v["code"], "210200-ZC-2026-000001");
    app.stop().await;
}

/// Codes come from a per region/market/year counter bumped inside each approving transaction, so
/// approvals running at the same time (on one or several instances) never share a number.
#[tokio::test]
async fn concurrent_approvals_take_distinct_consecutive_codes() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        let id = draft_20_days(&app, &tenderer, "1000.00").await;
        let (s, v) = app.project_step(&tenderer, &id, "submit").await;
        assert_eq!(s, 200, "{v}");
        ids.push(id);
    }
    let calls = ids
        .iter()
        .map(|id| (staff.clone(), format!("/api/v1/projects/{id}/approve")))
        .collect();
    let mut codes = Vec::new();
    for (s, v) in app.post_all_at_once(calls).await {
        assert_eq!(s, 200, "{v}");
        codes.push(v["code"].as_str().unwrap().to_string());
    }
    codes.sort();
    let want: Vec<String> = (1..=6).map(|n| format!("210200-GC-2026-{n:06}")).collect();
    assert_eq!(codes, want);
    app.stop().await;
}
