//! Centre staff's venue work through the API and the pages (issue 22 item 2): editing rooms
//! (`PATCH /api/v1/rooms/{id}`), the rooms, week-calendar, booking, session and door pages, the
//! staff draw page and the public verification page. Browser walk: `staff_venues_browser.rs`.

use ggzy_api_tests::pages::{PageResp, Visitor};
use ggzy_api_tests::TestApp;
use ggzy_core::ident::ResidentId;
use serde_json::{json, Value};

/// The test clock starts Monday 2026-03-02 09:00 Asia/Shanghai.
fn at(day: &str, hm: &str) -> String {
    format!("{day}T{hm}:00+08:00")
}

fn rid(first17: &str) -> String {
    ResidentId::with_check(first17)
        .expect("valid resident id")
        .to_string()
}

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = app
        .client
        .patch(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    ggzy_api_tests::into_parts(r).await
}

async fn room_of(app: &TestApp, token: &str, id: &str) -> Value {
    let (s, v) = app.get(Some(token), "/api/v1/rooms").await;
    assert_eq!(s, 200, "{v}");
    v.as_array()
        .expect("rooms")
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .expect("room listed")
}

fn first_error(v: &Value) -> (String, String) {
    (
        v["errors"][0]["field"].as_str().unwrap_or_default().into(),
        v["errors"][0]["rule"].as_str().unwrap_or_default().into(),
    )
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

#[tokio::test]
async fn a_room_is_edited_within_its_rules_and_never_strands_a_live_booking() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let agency = app.login("agency").await;
    let (s, r) = app
        .post(
            Some(&staff),
            "/api/v1/rooms",
            json!({"kind": "evaluation_room", "name": "评标室 801", "floor": 8, "capacity": 8,
                   "isolated": true, "opens": "08:00", "closes": "18:00"}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_str().expect("id").to_string();
    let (s, other) = app
        .post(
            Some(&staff),
            "/api/v1/rooms",
            json!({"kind": "negotiation_room", "name": "谈判室 802", "floor": 8, "capacity": 4}),
        )
        .await;
    assert_eq!(s, 201, "{other}");
    let path = format!("/api/v1/rooms/{id}");

    // A plain edit: only the given fields change, and the event says which.
    let (s, v) = patch(
        &app,
        &staff,
        &path,
        json!({"capacity": 10, "equipment": ["录像"]}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["capacity"].as_i64(), v["name"].as_str()),
        (Some(10), Some("评标室 801"))
    );
    assert_eq!(v["equipment"], json!(["录像"]));
    let ev = events_of(&app, "venues.room.updated").await;
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0]["changed"]["capacity"], 10, "{ev:?}");
    assert!(ev[0]["changed"].get("name").is_none(), "{ev:?}");

    // Who and what: an agency may not, an unknown room is 404, a name taken is 409.
    let (s, v) = patch(&app, &agency, &path, json!({"capacity": 12})).await;
    assert_eq!(s, 403, "{v}");
    let (s, _) = patch(
        &app,
        &staff,
        "/api/v1/rooms/no-such-room",
        json!({"capacity": 12}),
    )
    .await;
    assert_eq!(s, 404);
    let (s, v) = patch(&app, &staff, &path, json!({"name": "谈判室 802"})).await;
    assert_eq!(
        (s, v["rule"].as_str()),
        (409, Some("room.duplicate_name")),
        "{v}"
    );
    // Field rules, as on create.
    let (s, v) = patch(&app, &staff, &path, json!({"capacity": 0})).await;
    assert_eq!(
        (s, first_error(&v)),
        (422, ("capacity".into(), "range".into())),
        "{v}"
    );
    let (s, v) = patch(&app, &staff, &path, json!({"closes": "18:10"})).await;
    assert_eq!(
        (s, first_error(&v)),
        (422, ("closes".into(), "room.hours".into())),
        "{v}"
    );
    let (s, v) = patch(&app, &staff, &path, json!({"kind": "negotiation_room"})).await;
    assert_eq!(
        (s, first_error(&v)),
        (
            422,
            ("isolated".into(), "room.isolated_only_evaluation".into())
        ),
        "{v}"
    );

    // A live evaluation booking tomorrow 09:00–12:00 for 5 members and 2 staff (7 seats).
    let (s, b) = app
        .post(
            Some(&staff),
            "/api/v1/bookings",
            json!({"room_id": id, "section_id": "S-801", "purpose": "evaluation",
                   "start": at("2026-03-03", "09:00"), "end": at("2026-03-03", "12:00"),
                   "committee_size": 5, "staff_count": 2}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    // Seats: 7 is the last allowed, 6 refused naming the booking.
    let (s, v) = patch(&app, &staff, &path, json!({"capacity": 6})).await;
    assert_eq!(
        (s, first_error(&v)),
        (
            422,
            ("capacity".into(), "room.capacity_below_booking".into())
        ),
        "{v}"
    );
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("2026-03-03 09:00"),
        "{v}"
    );
    let (s, v) = patch(&app, &staff, &path, json!({"capacity": 7})).await;
    assert_eq!((s, v["capacity"].as_i64()), (200, Some(7)), "{v}");
    // Isolation: the evaluation booking keeps the room isolated.
    let (s, v) = patch(&app, &staff, &path, json!({"isolated": false})).await;
    assert_eq!(
        (s, first_error(&v)),
        (
            422,
            ("isolated".into(), "room.booking_needs_isolated_room".into())
        ),
        "{v}"
    );
    // Hours: closing at 12:00 is the last allowed (the booking ends then), 11:45 refused; opening
    // at 09:00 allowed, 09:15 refused.
    let (s, v) = patch(&app, &staff, &path, json!({"closes": "11:45"})).await;
    assert_eq!(
        (s, first_error(&v)),
        (422, ("opens".into(), "room.hours_exclude_booking".into())),
        "{v}"
    );
    let (s, v) = patch(&app, &staff, &path, json!({"opens": "09:15"})).await;
    assert_eq!(
        (s, first_error(&v).1.as_str()),
        (422, "room.hours_exclude_booking"),
        "{v}"
    );
    let (s, v) = patch(
        &app,
        &staff,
        &path,
        json!({"opens": "09:00", "closes": "12:00"}),
    )
    .await;
    assert_eq!(
        (s, v["opens"].as_str(), v["closes"].as_str()),
        (200, Some("09:00"), Some("12:00")),
        "{v}"
    );
    // A refused edit changed nothing.
    let now = room_of(&app, &staff, &id).await;
    assert_eq!(
        (now["capacity"].as_i64(), now["isolated"].as_bool()),
        (Some(7), Some(true)),
        "{now}"
    );
    // Once the booking is cancelled the room may shrink and open later.
    let bid = b["id"].as_str().expect("id");
    let (s, _) = app
        .post(
            Some(&staff),
            &format!("/api/v1/bookings/{bid}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, v) = patch(
        &app,
        &staff,
        &path,
        json!({"capacity": 3, "opens": "10:00", "isolated": false}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // The OpenAPI document describes the operation.
    let (s, doc) = app.get(None, "/api/openapi.json").await;
    assert_eq!(s, 200);
    let op = &doc["paths"]["/api/v1/rooms/{id}"]["patch"];
    assert!(
        op["responses"]["422"].is_object() && op["responses"]["409"].is_object(),
        "{op}"
    );
    app.stop().await;
}

/// Bookings of a day calendar that are not cancelled.
fn live(day: &Value) -> usize {
    day.as_array()
        .map(|a| a.iter().filter(|b| b["status"] != "cancelled").count())
        .unwrap_or(0)
}

fn csrf_of(p: &PageResp) -> String {
    ggzy_api_tests::pages::hidden_value(&p.body, "csrf").expect("csrf on the page")
}

#[tokio::test]
async fn staff_keep_rooms_and_bookings_on_the_pages_and_refusals_name_the_rule() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let mut v = Visitor::new(&app);
    // Nobody signed in: to the sign-in page; no API token needed once signed in.
    let anon = v.get("/staff/rooms").await;
    assert_eq!(anon.status, 303);
    assert!(
        anon.location().starts_with("/login?next="),
        "{}",
        anon.location()
    );
    v.sign_in("staff").await;
    let p = v.get("/staff/rooms").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("新增场所"), "{}", p.body);
    let csrf = csrf_of(&p);

    // Create: a refused form keeps the values and names field and rule; nothing is written.
    let bad = v
        .post_form(
            "/staff/rooms",
            &[
                ("csrf", &csrf),
                ("name", "评标室 901"),
                ("kind", "negotiation_room"),
                ("floor", "9"),
                ("capacity", "8"),
                ("isolated", "true"),
                ("opens", "08:00"),
                ("closes", "18:00"),
                ("equipment", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body.contains("room.isolated_only_evaluation"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("href=\"#f-isolated\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"评标室 901\""), "{}", bad.body);
    let (_, rooms) = app.get(Some(&staff), "/api/v1/rooms").await;
    assert_eq!(rooms.as_array().map(Vec::len), Some(0), "{rooms}");
    // Without the CSRF token: 403 and nothing is written.
    let forged = v
        .post_form(
            "/staff/rooms",
            &[
                ("name", "评标室 901"),
                ("kind", "evaluation_room"),
                ("floor", "9"),
                ("capacity", "8"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("csrf.token_mismatch"));
    let ok = v
        .post_form(
            "/staff/rooms",
            &[
                ("csrf", &csrf),
                ("name", "评标室 901"),
                ("kind", "evaluation_room"),
                ("floor", "9"),
                ("capacity", "8"),
                ("isolated", "true"),
                ("opens", "08:00"),
                ("closes", "18:00"),
                ("equipment", "投影仪, 录像"),
            ],
        )
        .await;
    assert_eq!(
        (ok.status, ok.location()),
        (303, "/staff/rooms"),
        "{}",
        ok.body
    );
    let (_, rooms) = app.get(Some(&staff), "/api/v1/rooms").await;
    let room = rooms[0].clone();
    let id = room["id"].as_str().expect("id").to_string();
    assert_eq!(room["equipment"], json!(["投影仪", "录像"]));

    // Edit on the page.
    let p = v.get(&format!("/staff/rooms/{id}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("value=\"评标室 901\""), "{}", p.body);
    let edit = |cap: &'static str| {
        vec![
            ("name", "评标室 901"),
            ("kind", "evaluation_room"),
            ("floor", "9"),
            ("capacity", cap),
            ("isolated", "true"),
            ("opens", "08:00"),
            ("closes", "18:00"),
            ("equipment", "投影仪"),
        ]
    };
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(edit("12"));
    let r = v.post_form(&format!("/staff/rooms/{id}"), &form).await;
    assert_eq!(
        (r.status, r.location()),
        (303, "/staff/rooms"),
        "{}",
        r.body
    );
    assert_eq!(room_of(&app, &staff, &id).await["capacity"], 12);

    // Book on the week page: an evaluation for 5 + 2 tomorrow 09:00–12:00.
    let p = v.get("/staff/venues?week=2026-03-03").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("action=\"/staff/venues/bookings\""),
        "{}",
        p.body
    );
    let booking = [
        ("csrf", csrf.as_str()),
        ("week", "2026-03-02"),
        ("room_id", id.as_str()),
        ("section_id", "S-901"),
        ("purpose", "evaluation"),
        ("day", "2026-03-03"),
        ("start", "09:00"),
        ("end", "12:00"),
        ("committee_size", "5"),
        ("staff_count", "2"),
    ];
    let r = v.post_form("/staff/venues/bookings", &booking).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let bpath = r.location().to_string();
    assert!(bpath.starts_with("/staff/bookings/"), "{bpath}");
    let bid = bpath.trim_start_matches("/staff/bookings/").to_string();
    // The same window again: refused with the rule, shown on the page (409).
    let again = v.post_form("/staff/venues/bookings", &booking).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("booking.overlap"), "{}", again.body);
    assert!(again.body.contains("评标室 901"), "{}", again.body);
    // A time that is not a time names the field.
    let mut bad_time = booking.to_vec();
    bad_time[7] = ("end", "noon");
    let r = v.post_form("/staff/venues/bookings", &bad_time).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("href=\"#f-end\""), "{}", r.body);
    // The booking page, the week shows it, and moving it.
    let p = v.get(&bpath).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("暂定") && p.body.contains("2026-03-03 09:00"),
        "{}",
        p.body
    );
    let w = v.get("/staff/venues?week=2026-03-03").await;
    assert!(w.body.contains(&format!("href=\"{bpath}\"")), "{}", w.body);
    // The room cannot shrink below the booking (page shows the API's rule next to the field).
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(edit("6"));
    let r = v.post_form(&format!("/staff/rooms/{id}"), &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("room.capacity_below_booking"), "{}", r.body);
    assert!(r.body.contains("aria-invalid=\"true\""), "{}", r.body);
    // Move to 13:00–16:00, confirm, then cancel.
    let r = v
        .post_form(
            &format!("{bpath}/move"),
            &[
                ("csrf", &csrf),
                ("room_id", &id),
                ("day", "2026-03-03"),
                ("start", "13:00"),
                ("end", "16:00"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (303, bpath.as_str()),
        "{}",
        r.body
    );
    let (_, day) = app
        .get(Some(&staff), "/api/v1/bookings?day=2026-03-03")
        .await;
    assert_eq!(
        day[0]["start"]
            .as_str()
            .map(|s| s.starts_with("2026-03-03T05:00:00")),
        Some(true),
        "{day}"
    );
    // Outside the opening hours: the rule on the page, the booking unchanged.
    let r = v
        .post_form(
            &format!("{bpath}/move"),
            &[
                ("csrf", &csrf),
                ("room_id", &id),
                ("day", "2026-03-03"),
                ("start", "17:00"),
                ("end", "18:15"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("booking.opening_hours"), "{}", r.body);
    let r = v
        .post_form(&format!("{bpath}/confirm"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = v
        .post_form(&format!("{bpath}/cancel"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let (_, b) = app
        .get(Some(&staff), "/api/v1/bookings?day=2026-03-03")
        .await;
    assert_eq!(live(&b), 0, "{b}");
    assert_eq!(b[0]["status"], "cancelled", "{b}");
    let p = v.get(&bpath).await;
    assert!(
        p.body.contains("已取消") && !p.body.contains("/move\""),
        "{}",
        p.body
    );
    // A second cancel is refused with its rule on the page.
    let r = v
        .post_form(&format!("{bpath}/cancel"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let _ = bid;

    // Not staff: 403 pages, and a bidder's post changes nothing.
    let mut bidder = Visitor::new(&app);
    bidder.sign_in("bidder1").await;
    for path in [
        "/staff/rooms",
        "/staff/venues",
        "/staff/sessions",
        "/staff/door",
        &bpath,
    ] {
        assert_eq!(bidder.get(path).await.status, 403, "{path}");
    }
    let bcsrf = bidder.csrf("/bidder").await;
    let mut forged = booking.to_vec();
    forged[0] = ("csrf", bcsrf.as_str());
    let r = bidder.post_form("/staff/venues/bookings", &forged).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let (_, b) = app
        .get(Some(&staff), "/api/v1/bookings?day=2026-03-03")
        .await;
    assert_eq!(live(&b), 0, "{b}");
    app.stop().await;
}

#[tokio::test]
async fn the_door_screen_lets_in_the_roster_and_refuses_a_stranger_with_the_rule() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let (s, r) = app
        .post(
            Some(&staff),
            "/api/v1/rooms",
            json!({"kind": "negotiation_room", "name": "谈判室 303", "floor": 3, "capacity": 8}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let room = r["id"].as_str().expect("id").to_string();
    let (s, b) = app
        .post(
            Some(&staff),
            "/api/v1/bookings",
            json!({"room_id": room, "section_id": "s-door", "purpose": "negotiation",
                   "start": at("2026-03-02", "09:00"), "end": at("2026-03-02", "11:00")}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let bid = b["id"].as_str().expect("id");
    let guest = rid("21020219800101123");
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/bookings/{bid}/roster"),
            json!({"role": "agency", "name": "李四", "resident_id": guest}),
        )
        .await;
    assert_eq!(s, 201, "{v}");

    let mut v = Visitor::new(&app);
    v.sign_in("staff").await;
    let p = v.get(&format!("/staff/door?room={room}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("无人在场"), "{}", p.body);
    let csrf = csrf_of(&p);
    let r = v
        .post_form(
            "/staff/door",
            &[
                ("csrf", &csrf),
                ("room_id", &room),
                ("resident_id", &guest),
                ("direction", "in"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("data-allowed=\"true\"") && r.body.contains("李四"),
        "{}",
        r.body
    );
    // The attendance list shows the person inside.
    assert!(r.body.contains("1 / 8"), "{}", r.body);
    let stranger = rid("21020219900202456");
    let r = v
        .post_form(
            "/staff/door",
            &[
                ("csrf", &csrf),
                ("room_id", &room),
                ("resident_id", &stranger),
                ("direction", "in"),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body.contains("data-allowed=\"false\"") && r.body.contains("door.not_on_roster"),
        "{}",
        r.body
    );
    // A malformed number names the field.
    let r = v
        .post_form(
            "/staff/door",
            &[
                ("csrf", &csrf),
                ("room_id", &room),
                ("resident_id", "12345"),
                ("direction", "in"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("href=\"#f-resident_id\""), "{}", r.body);
    // Both attempts are in the API's report.
    let (s, rep) = app
        .get(Some(&staff), &format!("/api/v1/bookings/{bid}/report"))
        .await;
    assert_eq!(s, 200, "{rep}");
    assert_eq!(rep["arrivals"].as_array().map(Vec::len), Some(1), "{rep}");
    assert_eq!(rep["refusals"].as_array().map(Vec::len), Some(1), "{rep}");
    app.stop().await;
}
