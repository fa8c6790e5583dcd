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

mod browser {
    //! The staff's day in a real browser (headless Chromium, 375 px wide): create a room, edit
    //! it, schedule an evaluation session in it with the expert draw request, move the session's
    //! booking, reveal the draw's seed and open the public verification link, then check a
    //! person in at the door.

    use super::{at, rid};
    use fantoccini::{Client, Locator};
    use ggzy_api_tests::{TestApp, DEMO_PASSWORD};
    use serde_json::json;
    use std::time::Duration;

    async fn text(c: &Client) -> String {
        c.find(Locator::Css("main"))
            .await
            .expect("main")
            .text()
            .await
            .expect("text")
    }

    async fn type_into(c: &Client, id: &str, s: &str) {
        let e = c
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("#{id}: {e}"));
        e.clear().await.ok();
        e.send_keys(s)
            .await
            .unwrap_or_else(|e| panic!("type into #{id}: {e}"));
    }

    /// Date, time and number inputs are set as their value (typing into them depends on the
    /// browser's locale); selects by their option's value.
    async fn set(c: &Client, id: &str, value: &str) {
        let e = c
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("#{id}: {e}"));
        if e.tag_name().await.expect("tag") == "select" {
            e.select_by_value(value)
                .await
                .unwrap_or_else(|e| panic!("select {value} in #{id}: {e}"));
        } else {
            c.execute(
                "document.getElementById(arguments[0]).value = arguments[1];",
                vec![json!(id), json!(value)],
            )
            .await
            .unwrap_or_else(|e| panic!("set #{id}: {e}"));
        }
    }

    /// Submit the form of `button` (a CSS selector) and wait for the next page.
    async fn submit(c: &Client, button: &str) {
        // The document the button is in: once the next page has replaced it, its root element is
        // stale (the next page may have the same address and the same button — a form shown
        // again — so neither the address nor the button tells).
        let old_root = c.find(Locator::Css("html")).await.expect("document");
        c.find(Locator::Css(button))
            .await
            .unwrap_or_else(|e| panic!("{button}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {button}: {e}"));
        let mut replaced = false;
        for () in ggzy_api_tests::patience() {
            if old_root.tag_name().await.is_err() {
                replaced = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(replaced, "no new page after clicking {button}");
        c.wait()
            .at_most(ggzy_api_tests::PATIENCE)
            .for_element(Locator::Css("main h1"))
            .await
            .expect("next page");
    }

    #[tokio::test]
    async fn staff_create_and_edit_a_room_schedule_a_session_reveal_its_draw_and_check_in_at_the_door(
    ) {
        let Some(browser) = ggzy_api_tests::browser::browser("staff venues", 375, 900).await else {
            return;
        };
        let app = TestApp::spawn().await;
        let staff = app.login("staff").await;
        // The pool: seven senior experts of A08.02 with seven employers.
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
        // The section, as projects announce it.
        {
            let mut tx = app.ctx.db.begin().await.expect("begin");
            ggzy_store::outbox::emit(
                &mut tx,
                &app.ctx.db,
                &ggzy_core::events::ActorRef::system("test"),
                app.clock().now(),
                ggzy_core::events::NewEvent::new("projects.section.registered", "test", "SEC-W", {
                    // Built from the contract, as projects emits it.
                    let mut s = ggzy_api_tests::fixtures::section_registered(
                        "SEC-W",
                        "construction",
                        "200000.00",
                        "2026-03-16T09:30:00+08:00",
                    );
                    s.project_id = "P-W".into();
                    s.name = "市政道路一标段".into();
                    s.tenderer_uscc = uscc(1);
                    ggzy_events::Contract::encode(&s).payload
                }),
            )
            .await
            .expect("emit");
            app.ctx.db.commit(tx).await.expect("commit");
            app.seal().await;
        }
        // A negotiation taking place now with one person on its roster (the door at the end).
        let (s, hall) = app
            .post(
                Some(&staff),
                "/api/v1/rooms",
                json!({"kind": "negotiation_room", "name": "谈判室 301", "floor": 3, "capacity": 6}),
            )
            .await;
        assert_eq!(s, 201, "{hall}");
        let hall = hall["id"].as_str().expect("id").to_string();
        let (s, b) = app
            .post(
                Some(&staff),
                "/api/v1/bookings",
                json!({"room_id": hall, "section_id": "SEC-W", "purpose": "negotiation",
                       "start": at("2026-03-02", "09:00"), "end": at("2026-03-02", "11:00")}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        let guest = rid("21020219800101123");
        let (s, v) = app
            .post(
                Some(&staff),
                &format!("/api/v1/bookings/{}/roster", b["id"].as_str().expect("id")),
                json!({"role": "agency", "name": "王五", "resident_id": guest}),
            )
            .await;
        assert_eq!(s, 201, "{v}");

        let c = browser.client.clone();
        // Sign in through the page; after that no API token is involved.
        ggzy_api_tests::browser::sign_in(
            &c,
            &app.url("/login?next=/staff/rooms"),
            "staff",
            DEMO_PASSWORD,
        )
        .await;
        assert_eq!(c.current_url().await.expect("url").path(), "/staff/rooms");

        // Create a room.
        type_into(&c, "f-name", "评标室 701").await;
        set(&c, "f-kind", "evaluation_room").await;
        set(&c, "f-floor", "7").await;
        set(&c, "f-capacity", "6").await;
        set(&c, "f-isolated", "true").await;
        submit(&c, "main form[action='/staff/rooms'] button[type=submit]").await;
        let t = text(&c).await;
        assert!(t.contains("评标室 701") && t.contains("评标室"), "{t}");
        // Edit it: six seats are too few for 5 + 2, make it eight.
        let (_, rooms) = app.get(Some(&staff), "/api/v1/rooms").await;
        let room = rooms
            .as_array()
            .expect("rooms")
            .iter()
            .find(|r| r["name"] == "评标室 701")
            .expect("created")["id"]
            .as_str()
            .expect("id")
            .to_string();
        c.find(Locator::Css(&format!("a[href='/staff/rooms/{room}']")))
            .await
            .expect("edit link")
            .click()
            .await
            .expect("click edit");
        c.wait()
            .for_element(Locator::Css("main form[action^='/staff/rooms/']"))
            .await
            .expect("edit form");
        set(&c, "f-capacity", "8").await;
        submit(&c, "main form button[type=submit]").await;
        assert!(text(&c).await.contains("8"), "edited");
        assert_eq!(
            super::room_of(&app, &staff, &room).await["capacity"],
            8,
            "the edit reached the room"
        );

        // Schedule the session in it, with the draw request (5 experts of A08.02, 1 backup,
        // avoiding the tenderer's staff).
        c.goto(&app.url("/staff/sessions")).await.expect("sessions");
        set(&c, "f-section_id", "SEC-W").await;
        set(&c, "f-day", "2026-03-16").await;
        set(&c, "f-start", "09:00").await;
        set(&c, "f-end", "12:00").await;
        set(&c, "f-room_id", &room).await;
        set(&c, "f-committee_size", "5").await;
        set(&c, "f-staff_count", "2").await;
        type_into(&c, "f-draw-specialties-0-code", "A08.02").await;
        set(&c, "f-draw-specialties-0-count", "5").await;
        set(&c, "f-draw-backups", "1").await;
        type_into(&c, "f-draw-tenderer_uscc", &uscc(1)).await;
        submit(
            &c,
            "main form[action='/staff/sessions'] button[type=submit]",
        )
        .await;
        let session_url = c.current_url().await.expect("url");
        assert!(
            session_url.path().starts_with("/staff/sessions/"),
            "{session_url}: {}",
            text(&c).await
        );
        let t = text(&c).await;
        assert!(
            t.contains("市政道路一标段")
                && t.contains("评标室 701")
                && t.contains("2026-03-16 09:00"),
            "{t}"
        );

        // Move its booking to the afternoon.
        c.find(Locator::Css("a[href^='/staff/bookings/']"))
            .await
            .expect("booking link")
            .click()
            .await
            .expect("click");
        c.wait()
            .for_element(Locator::Css("form[action$='/move']"))
            .await
            .expect("move form");
        set(&c, "f-start", "13:00").await;
        set(&c, "f-end", "16:00").await;
        submit(&c, "form[action$='/move'] button[type=submit]").await;
        let t = text(&c).await;
        assert!(t.contains("2026-03-16 13:00"), "{t}");
        assert_eq!(app.events_of("venues.session.moved").await.len(), 1);

        // The session opened a two-step draw request; the supervisor commits and reveals a
        // secret of their own (their pages are tested in expert_draws.rs), then the draw runs.
        app.wait_consumer("experts.events").await;
        let session_id = session_url
            .path()
            .trim_start_matches("/staff/sessions/")
            .to_string();
        let request = app
            .draw_request_of_session(&staff, &session_id)
            .await
            .expect("the session's draw request");
        let sup = app.login("supervisor").await;
        let (s, d) = app
            .complete_draw_request(&sup, request["id"].as_str().unwrap())
            .await;
        assert_eq!(s, 201, "{d}");
        // Venues learns the draw from its event: reload the session page until the draw shows.
        let mut draw_link = None;
        for () in ggzy_api_tests::patience() {
            c.goto(session_url.as_str()).await.expect("session page");
            if let Ok(a) = c.find(Locator::Css("a[href^='/staff/draws/']")).await {
                draw_link = a.attr("href").await.expect("href");
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let draw_link = draw_link.expect("the draw of the session");
        c.goto(&app.url(&draw_link)).await.expect("draw page");
        let t = text(&c).await;
        assert!(t.contains("专家") && t.contains("A08.02"), "{t}");
        // Before the reveal the verification is refused, naming the rule.
        let draw_id = draw_link.trim_start_matches("/staff/draws/");
        let early = reqwest::get(app.url(&format!("/draws/{draw_id}/verify")))
            .await
            .expect("verify");
        assert_eq!(early.status().as_u16(), 409);
        assert!(early
            .text()
            .await
            .expect("body")
            .contains("draw.not_revealed"));
        submit(&c, "form[action$='/reveal'] button[type=submit]").await;
        let link = c
            .find(Locator::Id("verify-link"))
            .await
            .expect("verification link");
        link.click().await.expect("open verification");
        c.wait()
            .for_element(Locator::Id("verdict"))
            .await
            .expect("verdict");
        let verdict = c.find(Locator::Id("verdict")).await.expect("verdict");
        assert_eq!(
            verdict.attr("data-valid").await.expect("attr").as_deref(),
            Some("true"),
            "{}",
            text(&c).await
        );

        // The door: the person on the negotiation's roster is let in.
        c.goto(&app.url(&format!("/staff/door?room={hall}")))
            .await
            .expect("door");
        type_into(&c, "f-resident_id", &guest).await;
        submit(&c, "main form[action='/staff/door'] button[type=submit]").await;
        let outcome = c.find(Locator::Id("door-outcome")).await.expect("outcome");
        assert_eq!(
            outcome.attr("data-allowed").await.expect("attr").as_deref(),
            Some("true"),
            "{}",
            text(&c).await
        );
        assert!(text(&c).await.contains("王五"));
        // Nothing overflows a 375 px screen horizontally.
        let wide: serde_json::Value = c
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
                vec![],
            )
            .await
            .expect("width");
        assert_eq!(wide, json!(true), "the door page fits 375 px");
        drop(browser);
        app.stop().await;
    }
}

#[tokio::test]
async fn staff_list_listings_and_record_an_onsite_auction_result_on_the_page() {
    use crate::auctions::{bid, create, listing, lot, shanghai, view, wait_phase};
    let app = TestApp::spawn().await;
    let lot = lot(&app, "land", 2).await;
    let start = lot.announced_at + chrono::Duration::days(21);
    let mut body = listing(&lot.sid, start, 10, Some("1050000.00"));
    body["final_auction"] = json!("onsite");
    let id = create(&app, body).await;
    app.clock().set(start);
    assert_eq!(bid(&app, "bidder1", &id, "1000000.00").await.0, 201);
    assert_eq!(bid(&app, "bidder2", &id, "1010000.00").await.0, 201);
    app.clock().set(start + chrono::Duration::days(10));
    wait_phase(&app, &id, "onsite_pending").await;

    let mut v = Visitor::new(&app);
    v.sign_in("staff").await;
    let p = v.get("/staff/auctions").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains(&format!("/staff/auctions/{id}")),
        "{}",
        p.body
    );
    assert!(
        p.body.contains("待现场竞价") && p.body.contains("1,010,000.00 元"),
        "{}",
        p.body
    );
    let page = format!("/staff/auctions/{id}");
    let p = v.get(&page).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("录入现场竞价结果"), "{}", p.body);
    let csrf = csrf_of(&p);
    // No confirmed booking yet: the use case's 409 with its rule on the page.
    let deal = |price: &'static str, number: &'static str| {
        vec![
            ("result", "deal"),
            ("winner_number", number),
            ("price", price),
            ("reason", ""),
        ]
    };
    let mut f = vec![("csrf", csrf.as_str())];
    f.extend(deal("1100000.00", "001"));
    let r = v.post_form(&page, &f).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("auctions.onsite_not_booked"), "{}", r.body);

    // The auction hall booked and confirmed for the next morning, through the pages.
    let staff = app.login("staff").await;
    let (s, room) = app
        .post(
            Some(&staff),
            "/api/v1/rooms",
            json!({"kind": "auction_hall", "name": "拍卖厅 A", "floor": 1, "capacity": 80}),
        )
        .await;
    assert_eq!(s, 201, "{room}");
    let day = ggzy_core::time::local_date(app.clock().now()) + chrono::Days::new(1);
    let day_s = day.format("%Y-%m-%d").to_string();
    let room_id = room["id"].as_str().expect("id");
    let r = v
        .post_form(
            "/staff/venues/bookings",
            &[
                ("csrf", &csrf),
                ("week", &day_s),
                ("room_id", room_id),
                ("section_id", &lot.sid),
                ("purpose", "auction"),
                ("day", &day_s),
                ("start", "10:00"),
                ("end", "12:00"),
                ("committee_size", ""),
                ("staff_count", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = v
        .post_form(&format!("{}/confirm", r.location()), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    for () in ggzy_api_tests::patience() {
        app.seal().await;
        if view(&app, &id).await["onsite"]["status"] == "confirmed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    app.clock().set(shanghai(day, 11));
    // The clock moved past the page session's lifetime: an expired session goes to the sign-in
    // page and records nothing; signed in again, staff go on.
    let mut f = vec![("csrf", csrf.as_str())];
    f.extend(deal("1100000.00", "001"));
    let r = v.post_form(&page, &f).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().starts_with("/login?"), "{}", r.location());
    assert_eq!(view(&app, &id).await["phase"], "onsite_pending");
    v.sign_in("staff").await;
    let csrf = v.csrf(&page).await;
    // Below the listing's highest quote: the rule next to the price field; nothing recorded.
    let mut f = vec![("csrf", csrf.as_str())];
    f.extend(deal("1000000.00", "001"));
    let r = v.post_form(&page, &f).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("auctions.onsite_price_below_highest"),
        "{}",
        r.body
    );
    assert!(r.body.contains("href=\"#f-price\""), "{}", r.body);
    assert_eq!(view(&app, &id).await["phase"], "onsite_pending");
    // A bidder may not record it.
    let mut bidder = Visitor::new(&app);
    bidder.sign_in("bidder1").await;
    assert_eq!(bidder.get(&page).await.status, 403);
    // The deal.
    let mut f = vec![("csrf", csrf.as_str())];
    f.extend(deal("1100000.00", "001"));
    let r = v.post_form(&page, &f).await;
    assert_eq!((r.status, r.location()), (303, page.as_str()), "{}", r.body);
    let after = view(&app, &id).await;
    assert_eq!(
        (after["phase"].as_str(), after["current_price"].as_str()),
        (Some("deal"), Some("1100000.00")),
        "{after}"
    );
    let p = v.get(&page).await;
    assert!(
        p.body.contains("已成交")
            && p.body.contains("1,100,000.00 元")
            && !p.body.contains("录入现场竞价结果"),
        "{}",
        p.body
    );
    app.stop().await;
}
