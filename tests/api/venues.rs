//! Unified venue management (统一开评标场所管理) and on-site personnel (统一现场人员管理).

use chrono::Duration;
use ggzy_api_tests::TestApp;
use ggzy_core::ident::ResidentId;
use serde_json::{json, Value};

/// The test clock starts Monday 2026-03-02 09:00 Asia/Shanghai.
const DAY: &str = "2026-03-02";

fn at(hm: &str) -> String {
    format!("{DAY}T{hm}:00+08:00")
}

fn rid(first17: &str) -> String {
    ResidentId::with_check(first17)
        .expect("valid resident id")
        .to_string()
}

async fn room(app: &TestApp, staff: &str, body: Value) -> String {
    let (s, v) = app.post(Some(staff), "/api/v1/rooms", body).await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().expect("id").to_string()
}

async fn book(app: &TestApp, token: &str, body: Value) -> String {
    let (s, v) = app.post(Some(token), "/api/v1/bookings", body).await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn fifty_concurrent_bookings_of_one_window_give_exactly_one_room() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let room_id = room(
        &app,
        &staff,
        json!({"kind": "negotiation_room", "name": "谈判室 301", "floor": 3, "capacity": 10,
               "equipment": ["projector"], "opens": "08:00", "closes": "18:00"}),
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let client = app.client.clone();
        let url = app.url("/api/v1/bookings");
        let token = staff.clone();
        let body = json!({"room_id": room_id, "section_id": format!("sec-{i}"), "purpose": "negotiation",
                          "start": at("10:00"), "end": at("12:00")});
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("request");
            ggzy_api_tests::into_parts(r).await
        }));
    }
    let mut created = 0;
    let mut overlaps = 0;
    for t in tasks {
        let (s, v) = t.await.expect("task");
        match s {
            201 => created += 1,
            409 => {
                assert_eq!(v["rule"], "booking.overlap", "{v}");
                assert!(v["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("谈判室 301"));
                overlaps += 1;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!((created, overlaps), (1, 49));

    // A window overlapping by one slot is refused too; the adjacent one is free.
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/bookings",
            json!({"room_id": room_id, "section_id": "x", "purpose": "negotiation",
                   "start": at("11:45"), "end": at("13:00")}),
        )
        .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("booking.overlap")),
        "{v}"
    );
    book(
        &app,
        &staff,
        json!({"room_id": room_id, "section_id": "x", "purpose": "negotiation",
               "start": at("12:00"), "end": at("13:00")}),
    )
    .await;
    // 14:59 is off the grid.
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/bookings",
            json!({"room_id": room_id, "section_id": "x", "purpose": "negotiation",
                   "start": "2026-03-02T14:59:00+08:00", "end": at("16:00")}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "booking.alignment", "{v}");
    app.stop().await;
}

#[tokio::test]
async fn an_unconfirmed_hold_expires_and_frees_the_room() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let room_id = room(
        &app,
        &staff,
        json!({"kind": "opening_hall", "name": "开标室 1", "floor": 1, "capacity": 60}),
    )
    .await;
    let body = json!({"room_id": room_id, "section_id": "s1", "purpose": "auction",
                      "start": at("14:00"), "end": at("16:00")});
    let id = book(&app, &staff, body.clone()).await;
    let (s, _) = app
        .post(Some(&staff), "/api/v1/bookings", body.clone())
        .await;
    assert_eq!(s, 409);

    app.clock().advance(Duration::minutes(31));
    let mut status = String::new();
    for _ in 0..200 {
        let (_, v) = app
            .get(Some(&staff), &format!("/api/v1/bookings?day={DAY}"))
            .await;
        status = v
            .as_array()
            .and_then(|a| a.iter().find(|b| b["id"] == id.as_str()))
            .and_then(|b| b["status"].as_str())
            .unwrap_or_default()
            .to_string();
        if status == "cancelled" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, "cancelled");
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/bookings/{id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("booking.not_tentative"))
    );
    // The slots are free again; a confirmed booking survives the hold time.
    let again = book(&app, &staff, body).await;
    let (s, _) = app
        .post(
            Some(&staff),
            &format!("/api/v1/bookings/{again}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, free) = app
        .get(
            Some(&staff),
            "/api/v1/rooms/free?start=2026-03-02T06:00:00Z&end=2026-03-02T07:00:00Z",
        )
        .await;
    assert_eq!(free.as_array().map(Vec::len), Some(0), "{free}");
    let (s, _) = app
        .post(
            Some(&staff),
            &format!("/api/v1/bookings/{again}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, free) = app
        .get(
            Some(&staff),
            "/api/v1/rooms/free?start=2026-03-02T06:00:00Z&end=2026-03-02T07:00:00Z&capacity=60",
        )
        .await;
    assert_eq!(free.as_array().map(Vec::len), Some(1), "{free}");
    app.stop().await;
}

#[tokio::test]
async fn a_stranger_is_refused_at_the_door_and_the_report_counts_it() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let agency = app.login("agency").await;
    let room_id = room(
        &app,
        &staff,
        json!({"kind": "negotiation_room", "name": "谈判室 302", "floor": 3, "capacity": 8}),
    )
    .await;
    let id = book(
        &app,
        &agency,
        json!({"room_id": room_id, "section_id": "s1", "purpose": "negotiation",
               "start": at("09:15"), "end": at("11:00")}),
    )
    .await;
    let rep = rid("21020219800101123");
    let (s, v) = app
        .post(
            Some(&agency),
            &format!("/api/v1/bookings/{id}/roster"),
            json!({"role": "bidder_rep", "name": "张三", "resident_id": rep}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = app
        .post(
            Some(&agency),
            &format!("/api/v1/bookings/{id}/roster"),
            json!({"role": "bidder_rep", "name": "张三", "resident_id": rep, "authorization_ref": "SQ-2026-001"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");

    let door = format!("/api/v1/rooms/{room_id}/door");
    let (s, v) = app
        .post(
            Some(&staff),
            &door,
            json!({"resident_id": rep, "direction": "in"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let stranger = rid("21020219900202456");
    let (s, v) = app
        .post(
            Some(&staff),
            &door,
            json!({"resident_id": stranger, "direction": "in"}),
        )
        .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (403, Some("door.not_on_roster")),
        "{v}"
    );

    let (_, occ) = app
        .get(Some(&staff), &format!("/api/v1/rooms/{room_id}/occupancy"))
        .await;
    assert_eq!(occ["headcount"], 1, "{occ}");
    let (s, _) = app
        .post(
            Some(&staff),
            &door,
            json!({"resident_id": rep, "direction": "out"}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, occ) = app
        .get(Some(&staff), &format!("/api/v1/rooms/{room_id}/occupancy"))
        .await;
    assert_eq!(occ["headcount"], 0, "{occ}");

    let (s, r) = app
        .get(Some(&staff), &format!("/api/v1/bookings/{id}/report"))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["arrivals"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(r["departures"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(r["refusals"][0]["reason"], "door.not_on_roster", "{r}");
    app.stop().await;
}

#[tokio::test]
async fn an_expert_enters_an_isolated_evaluation_room_only_after_depositing_the_phone() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let agency = app.login("agency").await;
    let room_id = room(
        &app,
        &staff,
        json!({"kind": "evaluation_room", "name": "评标室 501", "floor": 5, "capacity": 7,
               "isolated": true}),
    )
    .await;
    // Capacity 7: committee 5 + staff 3 is one too many; 5 + 2 fits exactly.
    let mut body = json!({"room_id": room_id, "section_id": "s1", "purpose": "evaluation",
                          "start": at("09:00"), "end": at("12:00"),
                          "committee_size": 5, "staff_count": 3});
    let (s, v) = app
        .post(Some(&staff), "/api/v1/bookings", body.clone())
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "booking.capacity", "{v}");
    body["staff_count"] = json!(2);
    let id = book(&app, &staff, body).await;

    let expert = rid("21020219750505789");
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/bookings/{id}/roster"),
            json!({"role": "expert", "name": "李四", "resident_id": expert}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, roster) = app
        .get(Some(&agency), &format!("/api/v1/bookings/{id}/roster"))
        .await;
    assert_eq!(s, 403, "the staff's booking is not the agency's: {roster}");
    let supervisor = app.login("supervisor").await;
    let (_, roster) = app
        .get(Some(&supervisor), &format!("/api/v1/bookings/{id}/roster"))
        .await;
    assert_ne!(
        roster[0]["resident_id"],
        expert.as_str(),
        "masked: {roster}"
    );
    assert!(roster[0]["resident_id"]
        .as_str()
        .unwrap_or_default()
        .contains("**"));

    let door = format!("/api/v1/rooms/{room_id}/door");
    let (s, v) = app
        .post(
            Some(&staff),
            &door,
            json!({"resident_id": expert, "direction": "in"}),
        )
        .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (403, Some("door.phone_not_deposited")),
        "{v}"
    );
    let (s, v) = app
        .post(
            Some(&staff),
            &door,
            json!({"resident_id": expert, "direction": "in", "phone_deposited": true}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    app.seal().await;
    let (s, r) = app
        .get(Some(&staff), &format!("/api/v1/bookings/{id}/report"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        r["refusals"][0]["reason"], "door.phone_not_deposited",
        "{r}"
    );
    assert_eq!(r["arrivals"][0]["resident_id"], expert.as_str(), "{r}");

    // Inside one isolated room, the expert is refused at another one's door; experts never enter
    // a room that is not an isolated evaluation room.
    let room2 = room(
        &app,
        &staff,
        json!({"kind": "evaluation_room", "name": "评标室 502", "floor": 5, "capacity": 9,
               "isolated": true}),
    )
    .await;
    let hall = room(
        &app,
        &staff,
        json!({"kind": "negotiation_room", "name": "谈判室 303", "floor": 3, "capacity": 9}),
    )
    .await;
    for (rm, purpose) in [(&room2, "evaluation"), (&hall, "negotiation")] {
        let b = book(
            &app,
            &staff,
            json!({"room_id": rm, "section_id": "s2", "purpose": purpose,
                   "start": at("09:00"), "end": at("10:00"), "committee_size": 5, "staff_count": 2}),
        )
        .await;
        let (s, v) = app
            .post(
                Some(&staff),
                &format!("/api/v1/bookings/{b}/roster"),
                json!({"role": "expert", "name": "李四", "resident_id": expert}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/rooms/{room2}/door"),
            json!({"resident_id": expert, "direction": "in", "phone_deposited": true}),
        )
        .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (403, Some("door.inside_isolated_room")),
        "{v}"
    );
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/rooms/{hall}/door"),
            json!({"resident_id": expert, "direction": "in", "phone_deposited": true}),
        )
        .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (403, Some("door.expert_needs_isolated_room")),
        "{v}"
    );

    // A blocked period cannot be booked.
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/rooms/{hall}/blocks"),
            json!({"start": at("14:00"), "end": at("15:00"), "reason": "空调检修"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/bookings",
            json!({"room_id": hall, "section_id": "s3", "purpose": "negotiation",
                   "start": at("14:45"), "end": at("15:30")}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "booking.blocked", "{v}");
    app.stop().await;
}

/// A valid tenderer USCC (GB 32100-2015 check character).
const TENDERER_USCC: &str = "91110000802100433B";
const OPENING: &str = "2026-03-22T09:30:00+08:00";

#[tokio::test]
async fn an_opening_session_starts_at_the_sections_opening_time() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    let (s, p) = app
        .post(
            Some(&tenderer),
            "/api/v1/projects",
            json!({"name": "大连市某道路改造工程", "market": "construction", "procedure": "open_tender",
                   "tenderer_uscc": TENDERER_USCC, "tenderer_name": "大连市市政建设管理处",
                   "sections": [{"name": "一标段", "estimated_price": "10000000.00", "deposit": "200000.00",
                                 "docs_issue_at": "2026-03-02T09:00:00+08:00",
                                 "docs_sale_end_at": "2026-03-07T17:00:00+08:00",
                                 "bid_deadline": OPENING, "opening_at": OPENING}]}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let pid = p["id"].as_str().expect("id");
    let section = p["sections"][0]["id"]
        .as_str()
        .expect("section")
        .to_string();
    let (s, v) = app
        .post(
            Some(&tenderer),
            &format!("/api/v1/projects/{pid}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/projects/{pid}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    app.seal().await;

    let room_id = room(
        &app,
        &staff,
        json!({"kind": "opening_hall", "name": "开标室 2", "floor": 2, "capacity": 80}),
    )
    .await;
    let mut body = json!({"room_id": room_id, "section_id": section, "purpose": "opening",
                          "start": "2026-03-22T09:15:00+08:00", "end": "2026-03-22T11:00:00+08:00"});
    // The venue area learns the opening time from `projects.section.registered` (its consumer
    // runs in the background): until then the section is unknown.
    let mut v = Value::Null;
    for _ in 0..200 {
        let (s, r) = app
            .post(Some(&staff), "/api/v1/bookings", body.clone())
            .await;
        assert_eq!(s, 422, "{r}");
        v = r;
        if v["errors"][0]["rule"] != "booking.section_unknown" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(v["errors"][0]["rule"], "booking.opening_time", "{v}");
    body["start"] = json!(OPENING);
    book(&app, &staff, body).await;
    app.stop().await;
}
