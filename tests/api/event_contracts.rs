//! Typed event contracts (issue 17): the section's bid validity (投标有效期) now travels from projects
//! to deposits in `projects.section.registered` and the guarantee check uses it; an event deposits
//! cannot decode is parked with its error, never skipped or written as "".

use ggzy_api_tests::fixtures::{road_project, section_registered};
use ggzy_api_tests::TestApp;
use ggzy_events::Contract;
use serde_json::{json, Value};

const DEADLINE: &str = "2026-03-23T09:30:00+08:00";

fn with_validity(days: Value) -> Value {
    let mut p = road_project("大连市某道路改造工程", DEADLINE);
    p["sections"][0]["bid_validity_days"] = days;
    p
}

#[tokio::test]
async fn the_sections_bid_validity_reaches_deposits_and_the_guarantee_check_uses_it() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    // The rule at its boundaries (实施条例 25 states no ceiling: 365 days is the typo guard).
    for (days, status) in [(json!(0), 422), (json!(366), 422), (json!(365), 201)] {
        let (s, p) = app
            .post(Some(&tenderer), "/api/v1/projects", with_validity(days))
            .await;
        assert_eq!(s, status, "{p}");
        if s == 422 {
            assert_eq!(
                p["errors"][0]["field"], "sections[0].bid_validity_days",
                "{p}"
            );
            assert_eq!(
                p["errors"][0]["rule"], "section.bid_validity_days_range",
                "{p}"
            );
        } else {
            assert_eq!(p["sections"][0]["bid_validity_days"], 365, "{p}");
        }
    }
    // A section stating 90 days: the registration event carries it.
    let r = app.register_project(with_validity(json!(90))).await;
    let section = r.section_id;
    let ev = app
        .events_of("projects.section.registered")
        .await
        .into_iter()
        .find(|e| e["section_id"] == section.as_str())
        .expect("registered");
    assert_eq!(ev["bid_validity_days"], 90, "{ev}");
    let b1 = app.login("bidder1").await;
    app.deposit_account(&b1, &section).await; // waits for the deposits projection
    let g = |until: &str, days: Option<i64>| {
        let mut v = json!({"section_id": section, "kind": "bank_guarantee", "issuer": "中国工商银行大连分行",
               "number": "BG-V1", "amount": "200000.00", "valid_from": "2026-03-10", "valid_until": until,
               "verification_code": "AB12CD"});
        if let Some(d) = days {
            v["bid_validity_days"] = json!(d);
        }
        v
    };
    // Deadline 2026-03-23 + the section's 90 days (first day not counted): 2026-06-21. Before the
    // fix the section's record had none and a request without `bid_validity_days` was refused as
    // `required`; now the section's period is used — one day short is refused ...
    let (s, p) = app
        .post(
            Some(&b1),
            "/api/v1/deposits/guarantees",
            g("2026-06-20", None),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(
        (&p["errors"][0]["field"], &p["errors"][0]["rule"]),
        (&json!("valid_until"), &json!("guarantee.validity_short")),
        "{p}"
    );
    // ... also when the bidder claims a shorter validity than the section states ...
    let (s, p) = app
        .post(
            Some(&b1),
            "/api/v1/deposits/guarantees",
            g("2026-06-20", Some(30)),
        )
        .await;
    assert_eq!(
        (s, &p["errors"][0]["rule"]),
        (422, &json!("guarantee.validity_short")),
        "{p}"
    );
    // ... and the last day covered is accepted, recorded with the section's 90 days.
    let (s, rec) = app
        .post(
            Some(&b1),
            "/api/v1/deposits/guarantees",
            g("2026-06-21", None),
        )
        .await;
    assert_eq!(s, 201, "{rec}");
    assert_eq!(rec["bid_validity_days"], 90, "{rec}");
    app.stop().await;
}

#[tokio::test]
async fn an_event_deposits_cannot_decode_is_parked_with_its_error_and_later_events_flow() {
    let app = TestApp::spawn().await;
    // A registration without its organization: before, deposits bound "" for a missing field
    // of this kind or skipped the event with a warning; now the consumer fails and it is parked.
    app.emit_as(
        "test.projects",
        "projects.registration.created",
        "section",
        "SEC-BROKEN",
        json!({"registration_id": "R-1", "section_id": "SEC-BROKEN", "project_id": "P"}),
    )
    .await;
    // A well-formed section after it, built from the contract, is still consumed.
    let id = format!("SEC-OK-{}", uuid::Uuid::new_v4().simple());
    app.emit_as(
        "test.projects",
        "projects.section.registered",
        "section",
        &id,
        section_registered(&id, "procurement", "5000.00", "2026-03-20T01:30:00Z")
            .encode()
            .payload,
    )
    .await;
    app.wait_consumer("deposits.projection").await;
    let admin = app.login("admin").await;
    let (s, parked) = app.get(Some(&admin), "/api/v1/admin/parked-events").await;
    assert_eq!(s, 200, "{parked}");
    let mine: Vec<&Value> = parked
        .as_array()
        .expect("a list")
        .iter()
        .filter(|p| p["consumer"] == "deposits.projection")
        .collect();
    assert_eq!(mine.len(), 1, "{parked}");
    assert_eq!(mine[0]["event_type"], "projects.registration.created");
    let err = mine[0]["error"].as_str().unwrap_or_default();
    assert!(err.contains("org_id"), "{err}");
    // One parking by deposits (the experts area, which also decodes registrations through the
    // contract, parks its own copy).
    let parked_by_deposits = app
        .events_of("consumer.event.parked")
        .await
        .into_iter()
        .filter(|p| p["consumer"] == "deposits.projection")
        .count();
    assert_eq!(parked_by_deposits, 1);
    let b1 = app.login("bidder1").await;
    let (s, acc) = app.deposit_account(&b1, &id).await;
    assert_eq!(s, 201, "{acc}");
    app.stop().await;
}
