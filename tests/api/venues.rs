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
    for () in ggzy_api_tests::patience() {
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
const OPENING: &str = "2026-03-23T09:30:00+08:00";

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
                                 "docs_sale_end_at": "2026-03-09T17:00:00+08:00",
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
                          "start": "2026-03-23T09:15:00+08:00", "end": "2026-03-23T11:00:00+08:00"});
    // The venue area learns the opening time from `projects.section.registered` (its consumer
    // runs in the background): until then the section is unknown.
    let mut v = Value::Null;
    for () in ggzy_api_tests::patience() {
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

// ---------------------------------------------------------------- helpers for the second part

/// Emit an event as another area would (its side lands in parallel), then seal it.
async fn emit_event(app: &TestApp, event_type: &str, aggregate: &str, payload: Value) {
    let mut tx = app.ctx.db.begin().await.expect("begin");
    ggzy_store::outbox::emit(
        &mut tx,
        &app.ctx.db,
        &ggzy_core::events::ActorRef::system("test"),
        app.clock().now(),
        ggzy_core::events::NewEvent::new(event_type, "test", aggregate, payload),
    )
    .await
    .expect("emit");
    app.ctx.db.commit(tx).await.expect("commit");
    app.seal().await;
}

async fn events_of(app: &TestApp, event_type: &str) -> Vec<Value> {
    use sqlx::Row;
    app.seal().await;
    sqlx::query("SELECT payload FROM events WHERE event_type = $1 ORDER BY occurred_at, id")
        .bind(event_type)
        .fetch_all(app.ctx.db.pool())
        .await
        .expect("events")
        .iter()
        .map(|r| serde_json::from_str(&r.try_get::<String, _>(0).expect("payload")).expect("json"))
        .collect()
}

/// Poll `path` until `done` holds (background consumers), returning the last body.
async fn poll(app: &TestApp, token: &str, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for () in ggzy_api_tests::patience() {
        let (s, v) = app.get(Some(token), path).await;
        assert_eq!(s, 200, "{v}");
        if done(&v) {
            return v;
        }
        last = v;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{path} never reached the expected state: {last}");
}

/// Register a section as projects would; `hall` is any opening hall (used to see when it is known).
async fn register_section(app: &TestApp, staff: &str, hall: &str, section: &str, opening: &str) {
    emit_event(app, "projects.section.registered", section, {
        // Built from the contract, as projects emits it (the consumer decodes it).
        let mut s = ggzy_api_tests::fixtures::section_registered(
            section,
            "construction",
            "200000.00",
            opening,
        );
        s.opening_at = ggzy_api_tests::fixtures::at(opening);
        ggzy_events::Contract::encode(&s).payload
    })
    .await;
    // The section is known once a booking off its opening time stops answering
    // `booking.section_unknown` (and answers `booking.opening_time`).
    let start =
        chrono::DateTime::parse_from_rfc3339(opening).expect("opening") + Duration::minutes(15);
    let end = start + Duration::hours(1);
    for () in ggzy_api_tests::patience() {
        let (s, v) = app
            .post(
                Some(staff),
                "/api/v1/bookings",
                json!({"room_id": hall, "section_id": section, "purpose": "opening",
                       "start": start.to_rfc3339(), "end": end.to_rfc3339()}),
            )
            .await;
        assert_eq!(s, 422, "{v}");
        if v["errors"][0]["rule"] != "booking.section_unknown" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("section {section} never registered");
}

#[tokio::test]
async fn a_booking_ends_exactly_at_closing_or_at_a_block_but_not_a_minute_later() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let room_id = room(
        &app,
        &staff,
        json!({"kind": "negotiation_room", "name": "谈判室 401", "floor": 4, "capacity": 10,
               "opens": "08:00", "closes": "18:00"}),
    )
    .await;
    let body = |s: &str, e: &str| {
        json!({"room_id": room_id, "section_id": "s1", "purpose": "negotiation",
               "start": s, "end": e})
    };
    // One minute past closing is refused by the hours rule; ending at closing is accepted.
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/bookings",
            body(&at("17:00"), "2026-03-02T18:01:00+08:00"),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "booking.opening_hours", "{v}");
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/bookings",
            body("2026-03-02T07:59:00+08:00", &at("09:00")),
        )
        .await;
    assert_eq!(
        (s, v["errors"][0]["rule"].as_str()),
        (422, Some("booking.opening_hours")),
        "{v}"
    );
    book(&app, &staff, body(&at("17:00"), &at("18:00"))).await;
    book(&app, &staff, body(&at("08:00"), &at("09:00"))).await;

    // A blocked period: ending exactly at its start is fine, one slot into it is refused.
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/rooms/{room_id}/blocks"),
            json!({"start": at("14:00"), "end": at("15:00"), "reason": "设备维护"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/bookings",
            body(&at("13:00"), &at("14:15")),
        )
        .await;
    assert_eq!(
        (s, v["errors"][0]["rule"].as_str()),
        (422, Some("booking.blocked")),
        "{v}"
    );
    book(&app, &staff, body(&at("13:00"), &at("14:00"))).await;
    book(&app, &staff, body(&at("15:00"), &at("16:00"))).await;
    app.stop().await;
}

#[tokio::test]
async fn a_postponed_opening_moves_its_booking_or_flags_it_for_staff() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let (old, new) = ("2026-03-20T09:30:00+08:00", "2026-03-27T09:30:00+08:00");
    let hall_a = room(
        &app,
        &staff,
        json!({"kind": "opening_hall", "name": "开标室 A", "floor": 1, "capacity": 50}),
    )
    .await;
    let hall_b = room(
        &app,
        &staff,
        json!({"kind": "opening_hall", "name": "开标室 B", "floor": 1, "capacity": 50}),
    )
    .await;
    let hall_c = room(
        &app,
        &staff,
        json!({"kind": "opening_hall", "name": "开标室 C", "floor": 1, "capacity": 50}),
    )
    .await;
    register_section(&app, &staff, &hall_a, "sec-a", old).await;
    register_section(&app, &staff, &hall_a, "sec-b", old).await;
    let a = book(
        &app,
        &staff,
        json!({"room_id": hall_a, "section_id": "sec-a", "purpose": "opening",
               "start": old, "end": "2026-03-20T11:30:00+08:00"}),
    )
    .await;
    let (s, _) = app
        .post(
            Some(&staff),
            &format!("/api/v1/bookings/{a}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let b = book(
        &app,
        &staff,
        json!({"room_id": hall_b, "section_id": "sec-b", "purpose": "opening",
               "start": old, "end": "2026-03-20T11:30:00+08:00"}),
    )
    .await;
    // Hall B is taken at the new time by something else.
    book(
        &app,
        &staff,
        json!({"room_id": hall_b, "section_id": "other", "purpose": "auction",
               "start": "2026-03-27T10:00:00+08:00", "end": "2026-03-27T12:00:00+08:00"}),
    )
    .await;
    for sec in ["sec-a", "sec-b"] {
        emit_event(
            &app,
            "projects.section.deadline_changed",
            sec,
            json!({"section_id": sec, "project_id": "p1", "old_deadline": old, "new_deadline": new,
                   "old_opening_at": old, "new_opening_at": new}),
        )
        .await;
    }
    let conflicts = poll(&app, &staff, "/api/v1/bookings/conflicts", |v| {
        v.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    assert_eq!(conflicts.as_array().map(Vec::len), Some(1), "{conflicts}");
    assert_eq!(conflicts[0]["id"], b.as_str(), "{conflicts}");
    assert!(conflicts[0]["conflict"]
        .as_str()
        .unwrap_or_default()
        .contains("booking.overlap"));
    // The flagged booking is not lost: it keeps its old slot until staff move it.
    assert_eq!(conflicts[0]["start"], "2026-03-20T01:30:00Z", "{conflicts}");
    let day = poll(&app, &staff, "/api/v1/bookings?day=2026-03-27", |v| {
        v.as_array()
            .is_some_and(|x| x.iter().any(|y| y["id"] == a.as_str()))
    })
    .await;
    let moved = day
        .as_array()
        .and_then(|x| x.iter().find(|x| x["id"] == a.as_str()))
        .expect("moved");
    assert_eq!(moved["start"], "2026-03-27T01:30:00Z", "{moved}");
    assert_eq!(moved["end"], "2026-03-27T03:30:00Z", "{moved}");
    assert_eq!(moved["status"], "confirmed", "{moved}");
    let conflict_events = events_of(&app, "venues.booking.conflict").await;
    assert_eq!(conflict_events.len(), 1);
    assert_eq!(conflict_events[0]["booking_id"], b.as_str());
    let moved_events = events_of(&app, "venues.booking.moved").await;
    assert_eq!(moved_events.len(), 1);
    assert_eq!(moved_events[0]["reason"], "deadline_changed");

    // Staff resolve it: the opening rule still holds, then a free hall at the new time clears it.
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/bookings/{b}/move"),
            json!({"start": old, "end": "2026-03-20T11:30:00+08:00", "room_id": hall_c}),
        )
        .await;
    assert_eq!(
        (s, v["errors"][0]["rule"].as_str()),
        (422, Some("booking.opening_time")),
        "{v}"
    );
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/bookings/{b}/move"),
            json!({"start": new, "end": "2026-03-27T11:30:00+08:00"}),
        )
        .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("booking.overlap")),
        "{v}"
    );
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/bookings/{b}/move"),
            json!({"start": new, "end": "2026-03-27T11:30:00+08:00", "room_id": hall_c}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["room_id"], hall_c.as_str());
    assert!(v["conflict"].is_null(), "{v}");
    let (_, c) = app.get(Some(&staff), "/api/v1/bookings/conflicts").await;
    assert_eq!(c.as_array().map(Vec::len), Some(0), "{c}");
    // The old slots of both moved bookings are free again.
    let (_, free) = app
        .get(
            Some(&staff),
            "/api/v1/rooms/free?start=2026-03-20T01:30:00Z&end=2026-03-20T03:30:00Z&kind=opening_hall",
        )
        .await;
    assert_eq!(free.as_array().map(Vec::len), Some(3), "{free}");
    app.stop().await;
}

async fn eval_room(
    app: &TestApp,
    staff: &str,
    name: &str,
    capacity: i64,
    isolated: bool,
) -> String {
    room(
        app,
        staff,
        json!({"kind": "evaluation_room", "name": name, "floor": 5, "capacity": capacity,
               "isolated": isolated}),
    )
    .await
}

fn session_body(start: &str, end: &str) -> Value {
    json!({"section_id": "sec-e", "start": start, "end": end, "committee_size": 5, "staff_count": 2,
           "draw": {"specialties": [{"code": "A08.02", "count": 3}, {"code": "B01", "count": 1}],
                    "backups": 2, "representatives": 1, "budget": "12000000.00"}})
}

#[tokio::test]
async fn an_evaluation_session_takes_the_best_fitting_isolated_room_and_moves_and_cancels() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let agency = app.login("agency").await;
    let big = eval_room(&app, &staff, "评标室 A (9)", 9, true).await;
    let exact = eval_room(&app, &staff, "评标室 B (7)", 7, true).await;
    eval_room(&app, &staff, "评标室 C (6)", 6, true).await;
    let open = eval_room(&app, &staff, "评标室 D (开放)", 20, false).await;
    let (s1, s2) = (at("09:00"), at("12:00"));

    // The draw must fill the committee: 4 experts + 1 representative = 5.
    let mut bad = session_body(&s1, &s2);
    bad["draw"]["specialties"][1]["count"] = json!(2);
    let (s, v) = app.post(Some(&staff), "/api/v1/sessions", bad).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "session.draw_size", "{v}");
    // A chosen open room is refused; capacity 7 seats committee 5 + staff 2 exactly, 6 does not.
    let mut chosen = session_body(&s1, &s2);
    chosen["room_id"] = json!(open);
    let (s, v) = app.post(Some(&staff), "/api/v1/sessions", chosen).await;
    assert_eq!(
        (s, v["errors"][0]["rule"].as_str()),
        (422, Some("booking.evaluation_needs_isolated_room")),
        "{v}"
    );

    let (s, first) = app
        .post(Some(&staff), "/api/v1/sessions", session_body(&s1, &s2))
        .await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(first["room_id"], exact.as_str(), "best fit: {first}");
    let (s, second) = app
        .post(Some(&agency), "/api/v1/sessions", session_body(&s1, &s2))
        .await;
    assert_eq!(s, 201, "{second}");
    assert_eq!(second["room_id"], big.as_str(), "{second}");
    let (s, v) = app
        .post(Some(&staff), "/api/v1/sessions", session_body(&s1, &s2))
        .await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("session.no_room")),
        "{v}"
    );

    let scheduled = events_of(&app, "venues.session.scheduled").await;
    assert_eq!(scheduled.len(), 2);
    let e = &scheduled[0];
    assert_eq!(e["session_id"], first["id"]);
    assert_eq!(e["section_id"], "sec-e");
    assert_eq!(e["kind"], "evaluation");
    assert_eq!(e["room_name"], "评标室 B (7)");
    assert_eq!(e["start"], "2026-03-02T01:00:00+00:00");
    assert_eq!(e["draw"]["specialties"][0]["code"], "A08.02");
    assert_eq!(e["draw"]["specialties"][0]["count"], 3);
    assert_eq!(e["draw"]["backups"], 2);
    assert_eq!(e["draw"]["committee_size"], 5);
    assert_eq!(e["draw"]["budget"], "12000000.00");

    // The agency may not move the centre's session; staff move it, the booking follows.
    let id = first["id"].as_str().expect("id").to_string();
    let to = json!({"start": at("14:00"), "end": at("17:00")});
    let (s, _) = app
        .post(
            Some(&agency),
            &format!("/api/v1/sessions/{id}/move"),
            to.clone(),
        )
        .await;
    assert_eq!(s, 403);
    let (s, moved) = app
        .post(Some(&staff), &format!("/api/v1/sessions/{id}/move"), to)
        .await;
    assert_eq!(s, 200, "{moved}");
    assert_eq!(moved["start"], "2026-03-02T06:00:00Z", "{moved}");
    let ev = events_of(&app, "venues.session.moved").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["session_id"], id.as_str());
    assert_eq!(ev[0]["start"], "2026-03-02T06:00:00+00:00");
    assert!(ev[0]["draw_id"].is_null());
    // Its morning slot is free again: a new session takes the exact room.
    let (s, third) = app
        .post(Some(&staff), "/api/v1/sessions", session_body(&s1, &s2))
        .await;
    assert_eq!(s, 201, "{third}");
    assert_eq!(third["room_id"], exact.as_str(), "{third}");

    let (s, c) = app
        .post(
            Some(&staff),
            &format!("/api/v1/sessions/{id}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["status"], "cancelled");
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/sessions/{id}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!((s, v["rule"].as_str()), (409, Some("session.cancelled")));
    let ev = events_of(&app, "venues.session.cancelled").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["session_id"], id.as_str());
    let (_, free) = app
        .get(
            Some(&staff),
            "/api/v1/rooms/free?start=2026-03-02T06:00:00Z&end=2026-03-02T09:00:00Z&capacity=7&kind=evaluation_room",
        )
        .await;
    assert!(
        free.as_array()
            .is_some_and(|a| a.iter().any(|r| r["id"] == exact.as_str())),
        "{free}"
    );
    app.stop().await;
}

#[tokio::test]
async fn drawn_experts_join_the_roster_see_their_sessions_and_pass_only_their_door() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let supervisor = app.login("supervisor").await;
    let room_a = eval_room(&app, &staff, "评标室 601", 8, true).await;
    let room_b = eval_room(&app, &staff, "评标室 602", 8, true).await;
    let mut body = session_body(&at("09:00"), &at("12:00"));
    body["room_id"] = json!(room_a);
    let (s, sa) = app.post(Some(&staff), "/api/v1/sessions", body).await;
    assert_eq!(s, 201, "{sa}");
    let sid = sa["id"].as_str().expect("id").to_string();
    let mut body = session_body(&at("09:00"), &at("12:00"));
    body["room_id"] = json!(room_b);
    body["section_id"] = json!("sec-other");
    let (s, sb) = app.post(Some(&staff), "/api/v1/sessions", body).await;
    assert_eq!(s, 201, "{sb}");

    // The experts area's payloads, built through their contracts.
    use ggzy_events::experts::{DrawCompleted, DrawnExpert, MemberReplaced};
    use ggzy_events::Contract;
    let expert = |id: &str, name: &str| DrawnExpert {
        expert_id: id.into(),
        name: name.into(),
        user_id: None,
        specialty: None,
    };
    let draw = |session_id: Option<&str>, experts: Vec<DrawnExpert>| {
        DrawCompleted {
            draw_id: "d1".into(),
            section_id: "sec-e".into(),
            session_id: session_id.map(str::to_string),
            attempt: Some(1),
            members: None,
            backups: None,
            eligible: None,
            excluded: None,
            exclusion_counts: None,
            result_digest: None,
            experts,
            confirm_by: None,
            session_start: None,
            session_end: None,
        }
        .encode()
        .payload
    };
    // A draw without session id nor names still ties the draw to the session by section.
    emit_event(&app, "experts.draw.completed", "d1", draw(None, vec![])).await;
    poll(&app, &staff, &format!("/api/v1/sessions/{sid}"), |v| {
        v["draw_id"] == "d1"
    })
    .await;
    // The full payload names the members (never the backups); the events carry no resident ID,
    // so each waits for staff's check of the identity card.
    let (wang, zhao, sun) = (
        rid("21020219700101001"),
        rid("21020219710202002"),
        rid("21020219720303003"),
    );
    emit_event(
        &app,
        "experts.draw.completed",
        "d1",
        draw(Some(&sid), vec![expert("e1", "王五"), expert("e2", "赵六")]),
    )
    .await;
    poll(
        &app,
        &staff,
        &format!("/api/v1/bookings/{sid}/roster"),
        |v| v.as_array().is_some_and(|a| a.len() == 2),
    )
    .await;
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/sessions/{sid}/experts/e1/identity"),
            json!({"resident_id": wang}),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    let roster = poll(
        &app,
        &staff,
        &format!("/api/v1/bookings/{sid}/roster"),
        |v| v.as_array().is_some_and(|a| a.len() == 2),
    )
    .await;
    let names: Vec<&str> = roster
        .as_array()
        .expect("roster")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, vec!["王五", "赵六"], "{roster}");
    assert_eq!(roster[0]["resident_id"], wang.as_str());
    assert!(roster[1]["resident_id"].is_null(), "{roster}");
    // Others than staff see masked entries.
    let (_, masked) = app
        .get(Some(&supervisor), &format!("/api/v1/bookings/{sid}/roster"))
        .await;
    assert_eq!(masked[0]["name"], "评标专家", "{masked}");
    assert!(masked[0]["expert_id"].is_null(), "{masked}");
    assert_ne!(masked[0]["resident_id"], wang.as_str());

    // My sessions: the expert account is linked to pool id e1.
    let expert1 = app.login("expert1").await;
    let (s, mine) = app.get(Some(&expert1), "/api/v1/my/sessions").await;
    assert_eq!((s, mine.as_array().map(Vec::len)), (200, Some(0)), "{mine}");
    let r = app
        .client
        .put(app.url("/api/v1/expert-accounts/e1"))
        .bearer_auth(&staff)
        .json(&json!({"username": "expert1"}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 204);
    let (s, mine) = app.get(Some(&expert1), "/api/v1/my/sessions").await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    assert_eq!(mine[0]["session_id"], sid.as_str());
    assert_eq!(mine[0]["room_name"], "评标室 601");
    let (s, _) = app.get(Some(&staff), "/api/v1/my/sessions").await;
    assert_eq!(s, 403);

    // The door: the expert of session A is refused at B's door; enters A with the phone deposited.
    let door_a = format!("/api/v1/rooms/{room_a}/door");
    let door_b = format!("/api/v1/rooms/{room_b}/door");
    let (s, v) = app
        .post(
            Some(&staff),
            &door_b,
            json!({"resident_id": wang, "direction": "in", "phone_deposited": true}),
        )
        .await;
    assert_eq!((s, v["rule"].as_str()), (403, Some("door.not_on_roster")));
    let (s, v) = app
        .post(
            Some(&staff),
            &door_a,
            json!({"resident_id": wang, "direction": "in", "phone_deposited": true}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    // 赵六 is let in only after staff checked the identity card.
    let zhao_in = json!({"resident_id": zhao, "direction": "in", "phone_deposited": true});
    let (s, v) = app.post(Some(&staff), &door_a, zhao_in.clone()).await;
    assert_eq!((s, v["rule"].as_str()), (403, Some("door.not_on_roster")));
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/sessions/{sid}/experts/e2/identity"),
            json!({"resident_id": zhao}),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    let (s, v) = app.post(Some(&staff), &door_a, zhao_in).await;
    assert_eq!(s, 200, "{v}");

    // 赵六 recuses and leaves early; 孙七 replaces him.
    app.clock().advance(Duration::minutes(30));
    let (s, _) = app
        .post(
            Some(&staff),
            &door_a,
            json!({"resident_id": zhao, "direction": "out"}),
        )
        .await;
    assert_eq!(s, 200);
    let replaced = MemberReplaced {
        draw_id: "d1".into(),
        section_id: "sec-e".into(),
        session_id: Some(sid.clone()),
        expert_id: Some("e2".into()),
        name: None,
        user_id: None,
        reason: Some("recused".into()),
        specialty: None,
        confirm_by: None,
        replaced: expert("e2", "赵六"),
        replacement: expert("e3", "孙七"),
        experts: vec![expert("e3", "孙七")],
    };
    emit_event(
        &app,
        "experts.member.replaced",
        "d1",
        replaced.encode().payload,
    )
    .await;
    let roster = poll(
        &app,
        &staff,
        &format!("/api/v1/bookings/{sid}/roster"),
        |v| {
            v.as_array()
                .is_some_and(|a| a.iter().any(|p| p["name"] == "孙七"))
        },
    )
    .await;
    assert!(
        !roster
            .as_array()
            .expect("roster")
            .iter()
            .any(|p| p["name"] == "赵六"),
        "{roster}"
    );
    let (s, v) = app
        .post(
            Some(&staff),
            &door_a,
            json!({"resident_id": zhao, "direction": "in", "phone_deposited": true}),
        )
        .await;
    assert_eq!((s, v["rule"].as_str()), (403, Some("door.not_on_roster")));
    // 孙七's identity card is checked at the desk, then he enters.
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/sessions/{sid}/experts/e3/identity"),
            json!({"resident_id": sun}),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    let (s, v) = app
        .post(
            Some(&staff),
            &door_a,
            json!({"resident_id": sun, "direction": "in", "phone_deposited": true}),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    // The report lists every movement and the violations.
    let (s, r) = app
        .get(Some(&staff), &format!("/api/v1/bookings/{sid}/report"))
        .await;
    assert_eq!(s, 200, "{r}");
    let names = |k: &str| -> Vec<String> {
        r[k].as_array()
            .expect("list")
            .iter()
            .map(|e| e["name"].as_str().unwrap_or("?").to_string())
            .collect()
    };
    assert_eq!(names("arrivals"), vec!["王五", "赵六", "孙七"], "{r}");
    assert_eq!(names("departures"), vec!["赵六"], "{r}");
    assert_eq!(r["refusals"].as_array().map(Vec::len), Some(2), "{r}");
    let kinds: Vec<&str> = r["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "refused_entry",
            "expert_left_early",
            "refused_entry",
            "late_arrival"
        ],
        "{r}"
    );
    assert_eq!(r["inside"], 2, "{r}");
    let (_, masked) = app
        .get(Some(&supervisor), &format!("/api/v1/bookings/{sid}/report"))
        .await;
    assert_eq!(masked["arrivals"][0]["name"], "评标专家", "{masked}");
    let recorded = events_of(&app, "venues.violation.recorded").await;
    assert!(
        recorded.iter().any(|e| e["kind"] == "expert_left_early"
            && e["session_id"] == sid.as_str()
            && e["person_role"] == "expert"
            && e["expert_id"] == "e2"
            && e["room_id"] == room_a.as_str()),
        "{recorded:?}"
    );

    // The expert pool links an account to an expert (`experts.expert.updated`): the replacement
    // sees the session as theirs.
    emit_event(
        &app,
        "experts.expert.updated",
        "e3",
        json!({"expert_id": "e3", "user_id": null, "username": "expert2", "change": "account_linked"}),
    )
    .await;
    let expert2 = app.login("expert2").await;
    let mine = poll(&app, &expert2, "/api/v1/my/sessions", |v| {
        v.as_array().is_some_and(|a| a.len() == 1)
    })
    .await;
    assert_eq!(mine[0]["session_id"], sid.as_str());
    app.stop().await;
}

#[tokio::test]
async fn late_arrival_over_capacity_and_a_stranger_become_violations() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let agency = app.login("agency").await;
    let room_id = room(
        &app,
        &staff,
        json!({"kind": "negotiation_room", "name": "谈判室 201", "floor": 2, "capacity": 2}),
    )
    .await;
    let id = book(
        &app,
        &agency,
        json!({"room_id": room_id, "section_id": "s1", "purpose": "negotiation",
               "start": at("09:00"), "end": at("11:00")}),
    )
    .await;
    let people = [
        ("bidder_rep", "甲", rid("21020219800101011"), Some("SQ-1")),
        ("agency", "乙", rid("21020219800101022"), None),
        ("supervisor", "丙", rid("21020219800101033"), None),
    ];
    for (role, name, r, auth) in &people {
        let (s, v) = app
            .post(
                Some(&agency),
                &format!("/api/v1/bookings/{id}/roster"),
                json!({"role": role, "name": name, "resident_id": r, "authorization_ref": auth}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let door = format!("/api/v1/rooms/{room_id}/door");
    let enter = |r: &str| json!({"resident_id": r, "direction": "in"});
    let (s, _) = app.post(Some(&staff), &door, enter(&people[0].2)).await;
    assert_eq!(s, 200);
    // Within the grace (10 minutes; the test clock runs at real speed, so one second before its
    // end) the arrival is on time; one second after its end it is late, and the third person
    // fills the room beyond its capacity of 2.
    let set = |t: &str| {
        app.clock().set(
            chrono::DateTime::parse_from_rfc3339(t)
                .expect("time")
                .with_timezone(&chrono::Utc),
        )
    };
    set("2026-03-02T09:09:59+08:00");
    let (s, _) = app.post(Some(&staff), &door, enter(&people[1].2)).await;
    assert_eq!(s, 200);
    set("2026-03-02T09:10:01+08:00");
    let (s, _) = app.post(Some(&staff), &door, enter(&people[2].2)).await;
    assert_eq!(s, 200);
    let (s, v) = app
        .post(Some(&staff), &door, enter(&rid("21020219900909099")))
        .await;
    assert_eq!((s, v["rule"].as_str()), (403, Some("door.not_on_roster")));
    let (_, occ) = app
        .get(Some(&staff), &format!("/api/v1/rooms/{room_id}/occupancy"))
        .await;
    assert_eq!(
        (occ["headcount"].as_i64(), occ["capacity"].as_i64()),
        (Some(3), Some(2))
    );
    let (_, r) = app
        .get(Some(&agency), &format!("/api/v1/bookings/{id}/report"))
        .await;
    let kinds: Vec<(&str, &str)> = r["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| {
            (
                v["kind"].as_str().unwrap_or_default(),
                v["person_role"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("late_arrival", "supervisor"),
            ("over_capacity", "supervisor"),
            ("refused_entry", "-")
        ],
        "{r}"
    );
    let ev = events_of(&app, "venues.violation.recorded").await;
    assert_eq!(ev.len(), 3);
    assert!(ev.iter().all(|e| e["session_id"] == id.as_str()
        && e["room_id"] == room_id.as_str()
        && e["at"].is_string()));
    app.stop().await;
}

#[tokio::test]
async fn week_calendar_utilization_and_the_staff_page() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let room_id = room(
        &app,
        &staff,
        json!({"kind": "negotiation_room", "name": "<b>谈判室</b> 7", "floor": 7, "capacity": 6,
               "opens": "08:00", "closes": "18:00"}),
    )
    .await;
    let b1 = book(
        &app,
        &staff,
        json!({"room_id": room_id, "section_id": "s1", "purpose": "negotiation",
               "start": at("10:00"), "end": at("12:00")}),
    )
    .await;
    book(
        &app,
        &staff,
        json!({"room_id": room_id, "section_id": "s2", "purpose": "auction",
               "start": "2026-03-04T14:00:00+08:00", "end": "2026-03-04T15:00:00+08:00"}),
    )
    .await;
    let (s, _) = app
        .post(
            Some(&staff),
            &format!("/api/v1/rooms/{room_id}/blocks"),
            json!({"start": "2026-03-03T08:00:00+08:00", "end": "2026-03-03T10:00:00+08:00",
                   "reason": "保洁"}),
        )
        .await;
    assert_eq!(s, 201);

    let (s, w) = app
        .get(Some(&staff), "/api/v1/bookings/week?week=2026-03-04")
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["monday"], "2026-03-02");
    assert_eq!(w["days"].as_array().map(Vec::len), Some(7));
    assert_eq!(w["days"][0]["bookings"][0]["id"], b1.as_str(), "{w}");
    assert_eq!(w["days"][2]["bookings"].as_array().map(Vec::len), Some(1));
    assert_eq!(w["days"][1]["bookings"].as_array().map(Vec::len), Some(0));

    // March: 31 days × 10 h = 310 h open, less the 2 h block; 3 h booked.
    let (s, u) = app
        .get(Some(&staff), "/api/v1/rooms/utilization?month=2026-03")
        .await;
    assert_eq!(s, 200, "{u}");
    assert_eq!(u[0]["open_minutes"], 308 * 60, "{u}");
    assert_eq!(u[0]["booked_minutes"], 180, "{u}");
    assert_eq!(u[0]["booked_hours"], "3.00");
    assert_eq!(u[0]["open_hours"], "308.00");
    assert_eq!(u[0]["utilization_percent"], "0.97");
    let (s, v) = app
        .get(Some(&staff), "/api/v1/rooms/utilization?month=March")
        .await;
    assert_eq!((s, v["errors"][0]["field"].as_str()), (422, Some("month")));

    // The page: a frame page for signed-in staff; Chinese by default, English on request,
    // escaped, no external resources, no token in any URL or cookie.
    let mut visitor = ggzy_api_tests::pages::Visitor::new(&app);
    let anon = visitor.get("/staff/venues?week=2026-03-04").await;
    assert_eq!(anon.status, 303, "nobody signed in: to the sign-in page");
    assert!(
        anon.location().starts_with("/login?next="),
        "{}",
        anon.location()
    );
    let old = ggzy_api_tests::pages::no_redirect_client()
        .get(app.url("/staff/venues?week=2026-03-04"))
        .header("cookie", format!("ggzy_token={staff}"))
        .send()
        .await
        .expect("page");
    assert_ne!(
        old.status().as_u16(),
        200,
        "the old token cookie signs nobody in"
    );
    visitor.sign_in("staff").await;
    let p = visitor.get("/staff/venues?week=2026-03-04").await;
    assert_eq!(p.status, 200, "{}", p.body);
    let html = &p.body;
    assert!(html.contains("场所预约周历"), "{html}");
    assert!(
        html.contains("&lt;b&gt;谈判室&lt;/b&gt; 7")
            || html.contains("&#60;b&#62;谈判室&#60;/b&#62; 7"),
        "{html}"
    );
    assert!(!html.contains("<b>谈判室"), "{html}");
    assert!(html.contains("10:00–12:00 谈判"), "{html}");
    assert!(html.contains("<main id=\"main\""), "{html}");
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script>"));
    assert_eq!(p.headers["cache-control"], "no-store");
    let p = visitor.get("/staff/venues?week=2026-03-04&lang=en").await;
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("Venue bookings")
            && p.body.contains("lang=\"en\"")
            && p.body.contains("Negotiation"),
        "{}",
        p.body
    );
    let bad = visitor.get("/staff/venues?week=March").await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let mut agency = ggzy_api_tests::pages::Visitor::new(&app);
    agency.sign_in("agency").await;
    assert_eq!(agency.get("/staff/venues").await.status, 403);
    app.stop().await;
}

/// End to end with the expert pool: the session's draw request is run by the experts area and the
/// drawn committee lands on the session's roster (waiting for the identity-card check).
#[tokio::test]
async fn a_scheduled_session_gets_its_committee_from_the_expert_pool() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let uscc = |n: u32| {
        ggzy_core::ident::Uscc::with_check(&format!("91210200{n:09}"))
            .expect("uscc")
            .as_str()
            .to_string()
    };
    for n in 0..7u32 {
        let (s, v) = app
            .post(
                Some(&staff),
                "/api/v1/experts",
                json!({"name": format!("专家{n}"), "resident_id": rid(&format!("21020219750101{n:03}")),
                       "employer_uscc": uscc(500 + n), "employer_name": format!("单位{n}"),
                       "specialties": ["A08.02"], "title": "senior", "years": 12, "region": "210200",
                       "phone": "13800000000"}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    emit_event(&app, "projects.section.registered", "SEC-X", {
        let mut s = ggzy_api_tests::fixtures::section_registered(
            "SEC-X",
            "construction",
            "0.00",
            "2026-03-16T01:30:00Z",
        );
        s.project_id = "P-X".into();
        s.name = "一标段".into();
        s.tenderer_uscc = uscc(1).to_string();
        ggzy_events::Contract::encode(&s).payload
    })
    .await;
    let rm = eval_room(&app, &staff, "评标室 701", 8, true).await;
    let (s, session) = app
        .post(
            Some(&staff),
            "/api/v1/sessions",
            json!({"section_id": "SEC-X", "start": "2026-03-20T09:00:00+08:00",
                   "end": "2026-03-20T17:00:00+08:00", "committee_size": 5, "staff_count": 2,
                   "draw": {"specialties": [{"code": "A08.02", "count": 5}], "backups": 1}}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    assert_eq!(session["room_id"], rm.as_str());
    let sid = session["id"].as_str().expect("id").to_string();
    // The session opens a two-step draw request; the supervisor's commitment and reveal draw it.
    app.wait_consumer("experts.events").await;
    let request = app
        .draw_request_of_session(&staff, &sid)
        .await
        .expect("the session's draw request");
    let sup = app.login("supervisor").await;
    let (s, d) = app
        .complete_draw_request(&sup, request["id"].as_str().unwrap())
        .await;
    assert_eq!(s, 201, "{d}");
    let roster = poll(
        &app,
        &staff,
        &format!("/api/v1/bookings/{sid}/roster"),
        |v| v.as_array().is_some_and(|a| a.len() == 5),
    )
    .await;
    assert!(
        roster
            .as_array()
            .expect("roster")
            .iter()
            .all(|p| p["role"] == "expert"
                && p["name"].as_str().unwrap_or_default().starts_with("专家")
                && p["resident_id"].is_null()
                && p["expert_id"].is_string()),
        "{roster}"
    );
    let (_, s) = app
        .get(Some(&staff), &format!("/api/v1/sessions/{sid}"))
        .await;
    assert!(s["draw_id"].is_string(), "{s}");
    assert_eq!(s["experts"], 5, "{s}");
    app.stop().await;
}

#[tokio::test]
async fn concurrent_session_requests_share_out_the_free_rooms_without_overlap() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let mut rooms = Vec::new();
    for (i, cap) in [7, 8, 9].iter().enumerate() {
        rooms.push(eval_room(&app, &staff, &format!("评标室 80{i}"), *cap, true).await);
    }
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let client = app.client.clone();
        let url = app.url("/api/v1/sessions");
        let token = staff.clone();
        let body = session_body(&at("13:00"), &at("17:00"));
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
    let mut got = Vec::new();
    let mut refused = 0;
    for t in tasks {
        let (s, v) = t.await.expect("task");
        match s {
            201 => got.push(v["room_id"].as_str().expect("room").to_string()),
            409 => {
                assert_eq!(v["rule"], "session.no_room", "{v}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    got.sort();
    let mut all = rooms.clone();
    all.sort();
    assert_eq!((got, refused), (all, 9));
    app.stop().await;
}

#[tokio::test]
async fn a_room_carries_the_networks_of_its_terminals_validated_and_editable_by_staff() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let agency = app.login("agency").await;
    // Every broken entry is named by its index and rule; nothing is created.
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/rooms",
            json!({"kind": "evaluation_room", "name": "评标室 N", "floor": 5, "capacity": 9,
                   "isolated": true, "networks": ["10.20.0.0/24", "10.20.0.5/24"]}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "networks[1]", "{v}");
    assert_eq!(v["errors"][0]["rule"], "room.network_cidr", "{v}");
    let (_, rooms) = app.get(Some(&staff), "/api/v1/rooms").await;
    assert_eq!(rooms, json!([]));
    let id = room(
        &app,
        &staff,
        json!({"kind": "evaluation_room", "name": "评标室 N", "floor": 5, "capacity": 9,
               "isolated": true, "networks": ["10.20.0.0/24"]}),
    )
    .await;
    let url = format!("/api/v1/rooms/{id}/networks");
    let (s, _) = app
        .put(Some(&agency), &url, json!({"networks": ["10.0.0.0/8"]}))
        .await;
    assert_eq!(s, 403);
    let (s, v) = app
        .put(
            Some(&staff),
            &url,
            json!({"networks": ["10.0.0.0/8", "10.0.0.0/8"]}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "room.network_duplicate", "{v}");
    let (s, v) = app
        .put(
            Some(&staff),
            "/api/v1/rooms/nope/networks",
            json!({"networks": []}),
        )
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, r) = app
        .put(
            Some(&staff),
            &url,
            json!({"networks": ["10.0.0.0/8", "fd00::/64"]}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["networks"], json!(["10.0.0.0/8", "fd00::/64"]));
    let changed = events_of(&app, "venues.room.networks_changed").await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["room_id"], id.as_str());
    assert_eq!(changed[0]["networks"], json!(["10.0.0.0/8", "fd00::/64"]));
    let (_, rooms) = app.get(Some(&staff), "/api/v1/rooms").await;
    assert_eq!(rooms[0]["networks"], json!(["10.0.0.0/8", "fd00::/64"]));
    app.stop().await;
}
