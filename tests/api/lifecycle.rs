//! Across areas, nothing emitted by hand: a tender announcement published through publishing opens the
//! section in projects; a clarification published less than 15 days before the deadline postpones it,
//! and the projects deadline and opening timers and the venues opening booking all follow (招标投标法
//! 第二十三条: 澄清或者修改 … 至少十五日前).

use crate::award::{at, registered_section, wait_event, wait_state, DEADLINE};
use crate::publishing::{change, create, submit_approve, tender};
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};
use std::time::Duration;

async fn poll(app: &TestApp, token: &str, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for () in ggzy_api_tests::patience() {
        let (s, v) = app.get(Some(token), path).await;
        if s == 200 && done(&v) {
            return v;
        }
        last = v;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} never reached the expected state: {last}");
}

#[tokio::test]
async fn a_clarification_published_late_moves_the_deadline_the_opening_timer_and_the_opening_booking(
) {
    let app = TestApp::spawn().await;
    let t = registered_section(&app, "construction").await;
    let sid = t.section_id.clone();
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;

    // The tender announcement, published now (2026-03-02), opens the section for bidding.
    let mut body = tender("某道路改造工程招标公告", DEADLINE);
    body["project_id"] = json!(t.project_id);
    body["section_ids"] = json!([sid]);
    let original = create(&app, &tenderer, body).await;
    let (s, v) = submit_approve(&app, &original, json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "published", "{v}");
    wait_state(&app, &t, "bidding").await;
    let deadline = at(DEADLINE);
    let opening_key = format!("projects.section.opening:{sid}");
    let deadline_key = format!("projects.section.deadline:{sid}");
    for () in ggzy_api_tests::patience() {
        if app.timer_due(&opening_key).await.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.timer_due(&opening_key).await, Some(deadline));

    // The opening hall booked at the opening time (venues learns it from projects' events).
    let (s, room) = app
        .post(
            Some(&staff),
            "/api/v1/rooms",
            json!({"kind": "opening_hall", "name": "开标一室", "floor": 3, "capacity": 60}),
        )
        .await;
    assert_eq!(s, 201, "{room}");
    let booking = json!({"room_id": room["id"], "section_id": sid, "purpose": "opening",
                         "start": DEADLINE, "end": "2026-04-03T11:30:00+08:00"});
    let mut booked = Value::Null;
    for () in ggzy_api_tests::patience() {
        let (s, v) = app
            .post(Some(&staff), "/api/v1/bookings", booking.clone())
            .await;
        if s == 201 {
            booked = v;
            break;
        }
        assert_eq!(v["errors"][0]["rule"], "booking.section_unknown", "{v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(booked["id"].is_string(), "booking never accepted");
    // Confirmed: a tentative hold would expire long before the clock reaches the clarification.
    let (s, v) = app
        .post(
            Some(&staff),
            &format!(
                "/api/v1/bookings/{}/confirm",
                booked["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    // 2026-03-25: 9 days before the deadline. A clarification now postpones the deadline to 15 days
    // after its publication, same time of day: 2026-04-09 09:30.
    app.clock().set(at("2026-03-25T10:00:00+08:00"));
    let tenderer = app.login("tenderer").await;
    let notice = create(&app, &tenderer, change(&original, json!({}))).await;
    let (s, v) = submit_approve(&app, &notice, json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "published", "{v}");

    let moved = wait_event(&app, "projects.section.deadline_changed", &sid).await;
    let new_deadline = at("2026-04-09T09:30:00+08:00");
    assert_eq!(
        at(moved["old_deadline"].as_str().unwrap()),
        deadline,
        "{moved}"
    );
    assert_eq!(
        at(moved["new_deadline"].as_str().unwrap()),
        new_deadline,
        "{moved}"
    );
    assert_eq!(
        at(moved["new_opening_at"].as_str().unwrap()),
        new_deadline,
        "{moved}"
    );
    let staff = app.login("staff").await;
    let (s, p) = app
        .get(Some(&staff), &format!("/api/v1/projects/{}", t.project_id))
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        at(p["sections"][0]["bid_deadline"].as_str().unwrap()),
        new_deadline,
        "{p}"
    );
    for key in [&deadline_key, &opening_key] {
        let mut due = None;
        for () in ggzy_api_tests::patience() {
            due = app.timer_due(key).await;
            if due == Some(new_deadline) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(due, Some(new_deadline), "{key}");
    }

    // The booking followed to the new opening time (the room was free).
    let day = poll(&app, &staff, "/api/v1/bookings?day=2026-04-09", |v| {
        v.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    assert_eq!(day[0]["id"], booked["id"], "{day}");
    assert_eq!(at(day[0]["start"].as_str().unwrap()), new_deadline, "{day}");
    let (_, old_day) = app
        .get(Some(&staff), "/api/v1/bookings?day=2026-04-03")
        .await;
    assert_eq!(old_day.as_array().map(Vec::len), Some(0), "{old_day}");
    app.stop().await;
}
