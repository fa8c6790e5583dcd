//! Bidder registration (投标报名): a section opened for bidding, registrations refused by the
//! joint-bidding bar (实施条例 34) and the sanctions list, the deadline, confidentiality of the list,
//! and the durable deadline timer that closes the section.

use ggzy_api_tests::fixtures::{assert_rule, at, road_project};
use ggzy_api_tests::TestApp;
use ggzy_core::ident::{ResidentId, Uscc};
use serde_json::{json, Value};
use std::time::Duration;

/// Bid deadline of the test section (Asia/Shanghai); the clock starts 2026-03-02 09:00.
const DEADLINE: &str = "2026-03-22T09:30:00+08:00";

/// A registered project whose one section is open for bidding. Returns (project id, section id).
async fn bidding_section(app: &TestApp) -> (String, String) {
    let r = app
        .register_project(road_project("大连市某道路改造工程", DEADLINE))
        .await;
    let (id, section, staff) = (r.project_id, r.section_id, r.staff);
    // A bidder cannot open a section; staff can, once.
    let bidder = app.login("bidder1").await;
    let path = format!("/api/v1/sections/{section}/open-bidding");
    assert_eq!(app.post(Some(&bidder), &path, json!({})).await.0, 403);
    let (s, v) = app.post(Some(&staff), &path, json!({})).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("bidding")), "{v}");
    let (s, v) = app.post(Some(&staff), &path, json!({})).await;
    assert_rule(s, &v, 409, "section.illegal_transition");
    app.drain_consumer("projects.organizations").await;
    (id, section)
}

async fn register(app: &TestApp, token: &str, section: &str) -> (u16, Value) {
    app.post(
        Some(token),
        &format!("/api/v1/sections/{section}/registrations"),
        json!({}),
    )
    .await
}

async fn list(app: &TestApp, token: &str, section: &str) -> (u16, Value) {
    app.get(
        Some(token),
        &format!("/api/v1/sections/{section}/registrations"),
    )
    .await
}

async fn me(app: &TestApp, token: &str) -> (String, String) {
    let org = app.org_of(token).await;
    let (_, o) = app
        .get(Some(token), &format!("/api/v1/organizations/{org}"))
        .await;
    (org, o["uscc"].as_str().expect("uscc").to_string())
}

/// A new bidder organization with a user `nb{n}`; returns the user's token.
async fn new_bidder(app: &TestApp, n: u32, rep_id: Option<&str>) -> String {
    let uscc = Uscc::with_check(&format!("91210200MB{n:07}")).unwrap();
    app.org_with_user(
        json!({"uscc": uscc.as_str(), "name": format!("新投标人{n}有限公司"), "kind": "bidder",
               "legal_representative": "张三", "legal_representative_id": rep_id,
               "region": "210200"}),
        &format!("nb{n}"),
        "bidder",
    )
    .await
}

#[tokio::test]
async fn a_duplicate_registration_is_refused_and_the_list_is_confidential_per_role_until_the_deadline(
) {
    let app = TestApp::spawn().await;
    let (_, section) = bidding_section(&app).await;
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    let b3 = app.login("bidder3").await;
    let (s, r1) = register(&app, &b1, &section).await;
    assert_eq!(s, 201, "{r1}");
    let (s, v) = register(&app, &b1, &section).await;
    assert_rule(s, &v, 409, "registration.duplicate");
    assert_eq!(register(&app, &b2, &section).await.0, 201);
    // A tenderer cannot register.
    let tenderer = app.login("tenderer").await;
    assert_eq!(register(&app, &tenderer, &section).await.0, 403);

    // Before the deadline: a bidder sees only its own registration.
    let (s, v) = list(&app, &b1, &section).await;
    assert_eq!(s, 200, "{v}");
    let own = v.as_array().unwrap();
    assert_eq!(own.len(), 1, "{v}");
    assert_eq!(own[0]["id"], r1["id"]);
    let (s, v) = list(&app, &b3, &section).await;
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(0)), "{v}");
    // The project's tenderer: confidential until the deadline.
    let (s, v) = list(&app, &tenderer, &section).await;
    assert_rule(s, &v, 403, "registrations.confidential_until_deadline");
    // An agency of another organization: never.
    let agency = app.login("agency").await;
    assert_eq!(list(&app, &agency, &section).await.0, 403);
    // Staff and supervisors always.
    for who in ["staff", "supervisor"] {
        let t = app.login(who).await;
        let (s, v) = list(&app, &t, &section).await;
        assert_eq!(
            (s, v.as_array().map(Vec::len)),
            (200, Some(2)),
            "{who}: {v}"
        );
    }

    // After the deadline the tenderer sees the list; a bidder still only its own.
    // Bearer tokens live 12 hours on the server clock: log in again after moving it.
    app.clock().set(at(DEADLINE));
    let tenderer = app.login("tenderer").await;
    let b2 = app.login("bidder2").await;
    let (s, v) = list(&app, &tenderer, &section).await;
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(2)), "{v}");
    let (s, v) = list(&app, &b2, &section).await;
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(1)), "{v}");

    // The events other areas need (read from the log itself: overseers see registrations only
    // redacted before the deadline, docs/security.md).
    let b1 = app.login("bidder1").await;
    let (org1, uscc1) = me(&app, &b1).await;
    let created = app
        .events_of("projects.registration.created")
        .await
        .into_iter()
        .find(|p| p["org_id"] == org1.as_str())
        .expect("registration event");
    assert_eq!(created["section_id"], section.as_str());
    assert_eq!(created["uscc"], uscc1.as_str());
    assert!(app
        .events_of("projects.section.bidding_opened")
        .await
        .iter()
        .any(|p| p["section_id"] == section.as_str()));
    app.stop().await;
}

#[tokio::test]
async fn a_bidder_with_the_same_legal_representative_as_a_registered_bidder_is_refused() {
    let app = TestApp::spawn().await;
    let rep = ResidentId::with_check("21020219800101001").unwrap();
    let a = new_bidder(&app, 1, Some(rep.as_str())).await;
    let b = new_bidder(&app, 2, Some(rep.as_str())).await;
    let (_, section) = bidding_section(&app).await;
    assert_eq!(register(&app, &a, &section).await.0, 201);
    let (s, v) = register(&app, &b, &section).await;
    assert_rule(s, &v, 409, "registration.same_legal_representative");
    let detail = v["detail"].as_str().unwrap();
    assert!(detail.contains("another registered bidder"), "{v}");
    assert!(detail.contains("第三十四条"), "{v}");
    // The other party is not named: the bidder list is confidential.
    assert!(!detail.contains("新投标人1"), "{v}");
    // A bidder with another representative is not affected.
    let b1 = app.login("bidder1").await;
    assert_eq!(register(&app, &b1, &section).await.0, 201);
    app.stop().await;
}

#[tokio::test]
async fn a_bidder_with_a_declared_controlling_relation_to_a_registered_bidder_is_refused() {
    let app = TestApp::spawn().await;
    let (_, section) = bidding_section(&app).await;
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    let b3 = app.login("bidder3").await;
    let (org1, _) = me(&app, &b1).await;
    let (org2, uscc2) = me(&app, &b2).await;
    // A bidder declares only for its own organization.
    let (s, _) = app
        .post(
            Some(&b1),
            &format!("/api/v1/organizations/{org2}/relations"),
            json!({"related_uscc": uscc2, "kind": "control"}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, v) = app
        .post(
            Some(&b1),
            &format!("/api/v1/organizations/{org1}/relations"),
            json!({"related_uscc": uscc2, "kind": "control"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .post(
            Some(&b1),
            &format!("/api/v1/organizations/{org1}/relations"),
            json!({"related_uscc": "91110000802100433C", "kind": "control"}),
        )
        .await;
    assert_eq!(
        (s, v["errors"][0]["field"].as_str()),
        (422, Some("related_uscc"))
    );
    // The controlled unit registers first; the controlling one is refused, whichever declared it.
    assert_eq!(register(&app, &b2, &section).await.0, 201);
    let (s, v) = register(&app, &b1, &section).await;
    assert_rule(s, &v, 409, "registration.controlling_relation");
    assert!(v["detail"]
        .as_str()
        .unwrap()
        .contains("another registered bidder"));
    assert_eq!(register(&app, &b3, &section).await.0, 201);
    // The other order, on another section: the declaring unit registers first, the related one
    // (which declared nothing itself) is refused.
    let (_, other) = bidding_section(&app).await;
    assert_eq!(register(&app, &b1, &other).await.0, 201);
    let (s, v) = register(&app, &b2, &other).await;
    assert_rule(s, &v, 409, "registration.controlling_relation");
    assert_eq!(register(&app, &b3, &other).await.0, 201);
    app.stop().await;
}

#[tokio::test]
async fn a_sanctioned_bidder_is_refused_naming_the_listing_and_allowed_after_the_period() {
    let app = TestApp::spawn().await;
    let (_, section) = bidding_section(&app).await;
    let b3 = app.login("bidder3").await;
    let (_, uscc3) = me(&app, &b3).await;
    let listing = json!({
        "uscc": uscc3, "kind": "debarred", "reason": "串通投标",
        "source_document": "大公管罚〔2026〕12号", "from": "2026-03-01", "to": "2026-03-10",
    });
    let staff = app.login("staff").await;
    assert_eq!(
        app.post(Some(&staff), "/api/v1/sanctions", listing.clone())
            .await
            .0,
        403
    );
    let sup = app.login("supervisor").await;
    let (s, v) = app
        .post(Some(&sup), "/api/v1/sanctions", listing.clone())
        .await;
    assert_eq!(s, 201, "{v}");
    let mut bad = listing.clone();
    bad["to"] = json!("2026-02-01");
    let (s, v) = app.post(Some(&sup), "/api/v1/sanctions", bad).await;
    assert_eq!(
        (s, v["errors"][0]["rule"].as_str()),
        (422, Some("sanction.period_order"))
    );
    let (s, v) = app.get(Some(&staff), "/api/v1/sanctions").await;
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(1)), "{v}");
    let b1 = app.login("bidder1").await;
    assert_eq!(app.get(Some(&b1), "/api/v1/sanctions").await.0, 403);

    let (s, v) = register(&app, &b3, &section).await;
    assert_rule(s, &v, 409, "registration.sanctioned");
    let detail = v["detail"].as_str().unwrap();
    for part in [
        "串通投标",
        "大公管罚〔2026〕12号",
        "2026-03-01",
        "2026-03-10",
        "禁止参与投标",
    ] {
        assert!(detail.contains(part), "missing {part}: {v}");
    }
    // The last day is still in force; the day after, registration is open again.
    // (Bearer tokens live 12 hours on the server clock: log in again after moving it.)
    app.clock().set(at("2026-03-10T23:59:59+08:00"));
    let b3 = app.login("bidder3").await;
    assert_eq!(register(&app, &b3, &section).await.0, 409);
    app.clock().set(at("2026-03-11T00:00:00+08:00"));
    let (s, v) = register(&app, &b3, &section).await;
    assert_eq!(s, 201, "{v}");
    app.seal().await;
    let sup = app.login("supervisor").await;
    let (_, page) = app.get(Some(&sup), "/api/events?after=0&limit=1000").await;
    assert!(page["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["event_type"] == "sanctions.listed" && e["payload"]["uscc"] == uscc3.as_str()));
    app.stop().await;
}

#[tokio::test]
async fn registration_one_second_before_the_deadline_is_accepted_at_the_deadline_refused_and_the_timer_closes_the_section(
) {
    let app = TestApp::spawn().await;
    let (project, section) = bidding_section(&app).await;
    let deadline = at(DEADLINE);
    app.clock().set(deadline - chrono::Duration::seconds(1));
    // Bearer tokens live 12 hours on the server clock: log in after moving it.
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    let (s, v) = register(&app, &b1, &section).await;
    assert_eq!(s, 201, "{v}");
    app.clock().set(deadline);
    let (s, v) = register(&app, &b2, &section).await;
    assert_rule(s, &v, 409, "registration.after_deadline");
    assert!(v["detail"].as_str().unwrap().contains("第二十八条"), "{v}");

    // The durable timer moves the section bidding → closed at the deadline; the opening timer
    // (opening time = deadline) then fails it at once: no bids (实施条例 44, see tests/api/opening.rs).
    app.clock().advance(chrono::Duration::seconds(1));
    let staff = app.login("staff").await;
    let mut state = String::new();
    for _ in 0..200 {
        let (_, p) = app
            .get(Some(&staff), &format!("/api/v1/projects/{project}"))
            .await;
        state = p["sections"][0]["state"].as_str().unwrap_or("").to_string();
        if state == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state, "failed");
    app.seal().await;
    let sup = app.login("supervisor").await;
    let (_, page) = app.get(Some(&sup), "/api/events?after=0&limit=1000").await;
    let closed = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "projects.section.closed")
        .cloned()
        .expect("section closed event");
    assert_eq!(closed["payload"]["section_id"], section.as_str());
    assert_eq!(closed["payload"]["registrations"], 1);
    app.stop().await;
}

/// The section row is locked by each registration, so two bidders with the same legal
/// representative registering at the same moment cannot both get in.
#[tokio::test]
async fn concurrent_registrations_with_the_same_legal_representative_admit_only_one() {
    let app = TestApp::spawn().await;
    let rep = ResidentId::with_check("21020219800101001").unwrap();
    let mut tokens = Vec::new();
    for n in 1..=4 {
        tokens.push(new_bidder(&app, n, Some(rep.as_str())).await);
    }
    let (_, section) = bidding_section(&app).await;
    let path = format!("/api/v1/sections/{section}/registrations");
    let calls = tokens.into_iter().map(|t| (t, path.clone())).collect();
    let mut statuses = Vec::new();
    for (s, v) in app.post_all_at_once(calls).await {
        if s != 201 {
            assert_rule(s, &v, 409, "registration.same_legal_representative");
        }
        statuses.push(s);
    }
    statuses.sort();
    assert_eq!(statuses, vec![201, 409, 409, 409]);
    let staff = app.login("staff").await;
    let (_, v) = list(&app, &staff, &section).await;
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    app.stop().await;
}
