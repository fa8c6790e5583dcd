//! Bidder registration (投标报名): a section opened for bidding, the joint-bidding bar (实施条例 34)
//! decided at the deadline (bids of related bidders void), registrations refused by the sanctions list, the deadline, confidentiality of the list,
//! and the durable deadline timer that closes the section.

use ggzy_api_tests::fixtures::{assert_rule, at, road_project};
use ggzy_api_tests::TestApp;
use ggzy_core::ident::{ResidentId, Uscc};
use serde_json::{json, Value};
use std::time::Duration;

/// Bid deadline of the test section (Asia/Shanghai); the clock starts 2026-03-02 09:00.
const DEADLINE: &str = "2026-03-23T09:30:00+08:00";

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

/// Seal events, then wait until the deadline timer closed `section`.
async fn wait_closed(app: &TestApp, section: &str) {
    for () in ggzy_api_tests::patience() {
        if app
            .events_of("projects.section.closed")
            .await
            .iter()
            .any(|e| e["section_id"] == section)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("section {section} was not closed");
}

async fn voided(app: &TestApp, section: &str) -> Vec<Value> {
    app.events_of("projects.bid.voided")
        .await
        .into_iter()
        .filter(|e| e["section_id"] == section)
        .collect()
}

/// Upload a sealed bid (no documents) for `token`'s organization.
async fn upload(app: &TestApp, token: &str, section: &str, price: &str) {
    use ggzy_projects::package::{plaintext, seal, Suite};
    let suite = Suite::Aes256GcmSha256;
    let sealed = seal(suite, &[9; 32], &[9; 7], &plaintext(suite, price, &[])).unwrap();
    let r = app
        .client
        .put(app.url(&format!("/api/v1/sections/{section}/bids/mine")))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .header("X-Bid-Digest", &sealed.digest)
        .body(sealed.ciphertext)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

/// Issue 24, item 1: the joint-bidding bar (实施条例 34) refused the later of two bidders with the
/// same legal representative, telling it before the deadline that the other had registered. Now
/// both register, nobody is told anything, and at the deadline the bids of both are void.
#[tokio::test]
async fn bidders_with_the_same_legal_representative_are_both_void_at_the_deadline_and_nobody_is_told_before(
) {
    let app = TestApp::spawn().await;
    let rep = ResidentId::with_check("21020219800101001").unwrap();
    let a = new_bidder(&app, 1, Some(rep.as_str())).await;
    let b = new_bidder(&app, 2, Some(rep.as_str())).await;
    let (_, section) = bidding_section(&app).await;
    let b1 = app.login("bidder1").await;
    for t in [&a, &b, &b1] {
        let (s, v) = register(&app, t, &section).await;
        assert_eq!(s, 201, "no refusal reveals another registration: {v}");
    }
    upload(&app, &a, &section, "100.00").await;
    upload(&app, &b1, &section, "101.00").await;
    assert!(
        voided(&app, &section).await.is_empty(),
        "nothing before the deadline"
    );
    let (org_a, org_b, org_1) = (
        app.org_of(&a).await,
        app.org_of(&b).await,
        app.org_of(&b1).await,
    );

    app.clock().set(at(DEADLINE));
    wait_closed(&app, &section).await;
    let v = voided(&app, &section).await;
    let mut orgs: Vec<&str> = v.iter().map(|e| e["org_id"].as_str().unwrap()).collect();
    orgs.sort();
    let mut want = vec![org_a.as_str(), org_b.as_str()];
    want.sort();
    assert_eq!(orgs, want, "{v:?}");
    for e in &v {
        assert_eq!(e["reason"], "joint_bid.same_legal_representative", "{e}");
        assert!(e["basis"].as_str().unwrap().contains("第三十四条"), "{e}");
        // Only the one that uploaded had a bid to void.
        assert_eq!(e["bid_id"].is_null(), e["org_id"] == org_b.as_str(), "{e}");
    }
    let decryption = |org: String| {
        let app = &app;
        let section = section.clone();
        async move {
            app.strings(
                "SELECT decryption FROM bids WHERE section_id = $1 AND org_id = $2 AND status = 'current'",
                &[&section, &org],
            )
            .await
        }
    };
    assert_eq!(decryption(org_a).await, ["void_joint_bid"]);
    assert_eq!(decryption(org_1).await, ["sealed"]);
    app.stop().await;
}

/// Issue 24, item 1: bidder A declared a "controlling relation" with B's public USCC and so barred
/// B. Now a relation is declared about one's own organization, counts only once staff verified it,
/// can be removed, and is applied at the deadline to every registration at once (both bids void).
#[tokio::test]
async fn a_relation_counts_only_once_staff_verified_it_can_be_removed_and_voids_both_at_the_deadline(
) {
    let app = TestApp::spawn().await;
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    let b3 = app.login("bidder3").await;
    let (org1, _) = me(&app, &b1).await;
    let (org2, uscc2) = me(&app, &b2).await;
    let (org3, _) = me(&app, &b3).await;
    let rel = |org: &str| format!("/api/v1/organizations/{org}/relations");
    // A bidder declares only for its own organization.
    let (s, _) = app
        .post(
            Some(&b1),
            &rel(&org2),
            json!({"related_uscc": uscc2, "kind": "control"}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, v) = app
        .post(
            Some(&b1),
            &rel(&org1),
            json!({"related_uscc": "91110000802100433C", "kind": "control"}),
        )
        .await;
    assert_eq!(
        (s, v["errors"][0]["field"].as_str()),
        (422, Some("related_uscc")),
        "{v}"
    );
    // The attack: bidder1 declares a relation with bidder2 — it stays `declared`, counting for nothing.
    let (s, r1) = app
        .post(
            Some(&b1),
            &rel(&org1),
            json!({"related_uscc": uscc2, "kind": "control"}),
        )
        .await;
    assert_eq!((s, r1["status"].as_str()), (201, Some("declared")), "{r1}");
    // bidder3 declares one too, then removes it (after staff verified it).
    let (s, r3) = app
        .post(
            Some(&b3),
            &rel(&org3),
            json!({"related_uscc": uscc2, "kind": "management"}),
        )
        .await;
    assert_eq!(s, 201, "{r3}");
    let (s, v) = app.get(Some(&b2), &rel(&org1)).await;
    assert_eq!(
        s, 403,
        "another organization's relations are not shown: {v}"
    );
    let (s, v) = app.get(Some(&b1), &rel(&org1)).await;
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(1)), "{v}");

    // Two sections, the second closing two days later.
    let s1 = bidding_section(&app).await.1;
    let r = app
        .register_project(road_project("第二标段项目", "2026-03-24T09:30:00+08:00"))
        .await;
    app.open_bidding(&r.staff, &r.section_id).await;
    let s2 = r.section_id;
    for sec in [&s1, &s2] {
        for t in [&b2, &b1, &b3] {
            let (s, v) = register(&app, t, sec).await;
            assert_eq!(s, 201, "registration is never refused for a relation: {v}");
        }
    }
    // First deadline: the relation is only declared, nothing is void.
    app.clock().set(at(DEADLINE));
    wait_closed(&app, &s1).await;
    assert!(voided(&app, &s1).await.is_empty());

    // Staff verify both relations (a bidder may not); bidder3 then removes its own.
    let staff = app.login("staff").await;
    let (b1, b3) = (app.login("bidder1").await, app.login("bidder3").await);
    let verify = |org: &str, id: &Value| {
        format!(
            "/api/v1/organizations/{org}/relations/{}/verify",
            id.as_str().unwrap()
        )
    };
    let (s, _) = app
        .post(Some(&b1), &verify(&org1, &r1["id"]), json!({}))
        .await;
    assert_eq!(s, 403);
    let (s, v) = app
        .post(Some(&staff), &verify(&org1, &r1["id"]), json!({}))
        .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("verified")), "{v}");
    let (s, v) = app
        .post(Some(&staff), &verify(&org1, &r1["id"]), json!({}))
        .await;
    assert_rule(s, &v, 409, "relation.already_verified");
    let (s, v) = app
        .post(Some(&staff), &verify(&org3, &r3["id"]), json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    let r = app
        .client
        .delete(app.url(&format!("{}/{}", rel(&org3), r3["id"].as_str().unwrap())))
        .bearer_auth(&b3)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, v) = app.get(Some(&b3), &rel(&org3)).await;
    assert_eq!(v, json!([]));
    assert_eq!(
        app.events_of("projects.org_relation.removed").await.len(),
        1
    );

    // Second deadline: bidder1 and bidder2 are void, bidder3 (relation removed) is not.
    app.clock().set(at("2026-03-24T09:30:00+08:00"));
    wait_closed(&app, &s2).await;
    let v = voided(&app, &s2).await;
    let mut orgs: Vec<&str> = v.iter().map(|e| e["org_id"].as_str().unwrap()).collect();
    orgs.sort();
    let mut want = vec![org1.as_str(), org2.as_str()];
    want.sort();
    assert_eq!(orgs, want, "{v:?}");
    assert!(
        v.iter()
            .all(|e| e["reason"] == "joint_bid.controlling_relation"),
        "{v:?}"
    );
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
    // Sign in before moving to the last second: the test clock runs on from where it is set.
    app.clock().set(at("2026-03-10T23:00:00+08:00"));
    let b3 = app.login("bidder3").await;
    app.clock().set(at("2026-03-10T23:59:59+08:00"));
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
    // Bearer tokens live 12 hours on the server clock: log in after moving it near the deadline,
    // then move to its last second (the test clock runs on, and sign-ins are slow on a busy
    // machine).
    app.clock().set(deadline - chrono::Duration::hours(1));
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    app.clock().set(deadline - chrono::Duration::seconds(1));
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
    for () in ggzy_api_tests::patience() {
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
