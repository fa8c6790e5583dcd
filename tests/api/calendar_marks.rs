//! Provisional marks of legal periods checked without next year's holiday schedule (issue 16,
//! docs/calendar.md): stored with the announcement, shown in its answer, checked again when the
//! year is imported; and the supervisors' dashboard banner from 1 November.

use ggzy_api_tests::fixtures::at;
use ggzy_api_tests::{into_parts, TestApp};
use serde_json::{json, Value};

/// A 2027 schedule for the tests (NOT the official one): New Year's Day off, no make-up day.
const TEST_2027: &str =
    "year = 2027\nworkdays = []\n[holidays]\n\"元旦 New Year\" = [\"2027-01-01\"]\n";

fn disclosure(title: &str, end: &str) -> Value {
    json!({"market": "property", "type": "property_disclosure", "title": title,
        "body": "披露", "fields": {"subject": "某公司 100% 股权", "transferor": "某国有集团",
        "approval": "国资委批复", "buyer_qualification": "依法存续的企业法人",
        "floor_price": "1000000.00", "disclosure_end_at": end}})
}

async fn create(app: &TestApp, token: &str, body: Value) -> String {
    let (s, v) = app.post(Some(token), "/api/v1/announcements", body).await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().expect("id").to_string()
}

async fn submit_approve(app: &TestApp, id: &str) -> (u16, Value) {
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    let (s, v) = app.announcement_step(&tenderer, id, "submit").await;
    assert_eq!(s, 200, "{v}");
    app.announcement_step(&staff, id, "approve").await
}

async fn announcement(app: &TestApp, id: &str) -> Value {
    let (s, v) = app.get(None, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn calendar_alerts(app: &TestApp, token: &str) -> Vec<Value> {
    app.wait_consumer("monitoring.signals").await;
    let (s, v) = app
        .get(
            Some(token),
            "/api/v1/monitoring/alerts?rule=calendar.year_missing",
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

/// Clock at 2026-12-28 with no 2027 data: a property disclosure reaching into 2027 is checked with
/// weekends only at the boundary (24:00 of the 20th working day), stored and shown provisional and
/// the alert raised; importing 2027 checks it again, clears the mark and the alert, and reports a
/// disclosure that the real schedule makes one working day short.
#[tokio::test]
async fn a_disclosure_checked_without_next_years_schedule_is_provisional_until_the_year_is_imported(
) {
    let app = TestApp::spawn().await;
    // A disclosure inside 2026 is exact (from Mon 11-02, the 20th working day is Mon 11-30).
    app.clock().set(at("2026-11-02T10:00:00+08:00"));
    let tenderer = app.login("tenderer").await;
    let exact = create(
        &app,
        &tenderer,
        disclosure("年内", "2026-12-01T00:00:00+08:00"),
    )
    .await;
    let (s, v) = submit_approve(&app, &exact).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["periods_provisional"], false, "{v}");

    // Monday 2026-12-28. Weekends only: 12-29, 12-30, 12-31, Fri 01-01 (no schedule: a weekday),
    // 01-04 … the 20th working day is Mon 2027-01-25; the disclosure must reach its 24:00.
    app.clock().set(at("2026-12-28T10:00:00+08:00"));
    let tenderer = app.login("tenderer").await;

    // First refused: one second before 24:00 of the 20th working day.
    let short = create(
        &app,
        &tenderer,
        disclosure("短一秒", "2027-01-25T23:59:59+08:00"),
    )
    .await;
    let (s, v) = submit_approve(&app, &short).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        v["errors"][0]["rule"], "announcement.disclosure_period",
        "{v}"
    );

    // Last allowed: 24:00 of 01-25 (= 01-26 00:00), provisional.
    let edge = create(
        &app,
        &tenderer,
        disclosure("恰好二十个工作日", "2027-01-26T00:00:00+08:00"),
    )
    .await;
    let (s, v) = submit_approve(&app, &edge).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "published", "{v}");
    assert_eq!(v["periods_provisional"], true, "{v}");
    let roomy = create(
        &app,
        &tenderer,
        disclosure("多一天", "2027-01-27T00:00:00+08:00"),
    )
    .await;
    let (s, v) = submit_approve(&app, &roomy).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        announcement(&app, &roomy).await["periods_provisional"],
        true
    );

    let supervisor = app.login("supervisor").await;
    let open = calendar_alerts(&app, &supervisor).await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["subject"], "calendar:2027");
    assert_eq!(open[0]["status"], "open");

    // The schedule is imported: 01-01 is a holiday, so the 20th working day is Tue 01-26.
    let admin = app.login("admin").await;
    let r = app
        .client
        .put(app.url("/api/v1/calendar/2027?source=test%20notice"))
        .bearer_auth(&admin)
        .header("content-type", "application/toml")
        .body(TEST_2027)
        .send()
        .await
        .expect("request");
    let (s, v) = into_parts(r).await;
    assert_eq!(s, 200, "{v}");
    app.wait_consumer("publishing.lifecycle").await;
    assert_eq!(
        announcement(&app, &edge).await["periods_provisional"],
        false
    );
    assert_eq!(
        announcement(&app, &roomy).await["periods_provisional"],
        false
    );
    let re = app
        .events_of("publishing.announcement.periods_rechecked")
        .await;
    assert_eq!(
        re.len(),
        2,
        "only the provisional ones are checked again: {re:?}"
    );
    let of = |id: &str| {
        re.iter()
            .find(|e| e["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no recheck of {id}: {re:?}"))
    };
    let e = of(&edge);
    assert_eq!(e["ok"], false, "{e}");
    assert_eq!(
        e["broken"][0]["rule"], "announcement.disclosure_period",
        "{e}"
    );
    assert_eq!(e["provisional"], false);
    let r = of(&roomy);
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["missing_years"], json!([]));
    let after = calendar_alerts(&app, &supervisor).await;
    assert_eq!(after[0]["status"], "resolved", "{after:?}");
    // The one now too short is an alert for staff; the long enough one is not.
    let (s, short) = app
        .get(
            Some(&supervisor),
            "/api/v1/monitoring/alerts?rule=calendar.period_too_short",
        )
        .await;
    assert_eq!(s, 200, "{short}");
    let short = short.as_array().unwrap();
    assert_eq!(short.len(), 1, "{short:?}");
    assert_eq!(short[0]["subject"], format!("announcement:{edge}"));
    assert_eq!(short[0]["status"], "open");
    assert!(short[0]["message_en"]
        .as_str()
        .unwrap()
        .contains("announcement.disclosure_period"));
    app.stop().await;
}

/// The supervisors' dashboard warns from 1 November (Beijing date) while next year's schedule is
/// missing: not on 31 October 23:59:59, from 1 November 00:00, and no more once it is imported.
#[tokio::test]
async fn the_dashboard_shows_the_calendar_banner_from_1_november_until_next_year_is_imported() {
    let app = TestApp::spawn().await;
    // Sign in an hour before (sessions run on the server clock), then move to the last second:
    // the test clock also runs with real time, and a sign-in (argon2) can take seconds on a busy
    // machine — the last second of October must still be that at the read.
    app.clock().set(at("2026-10-31T23:00:00+08:00"));
    let mut visitor = ggzy_api_tests::pages::Visitor::new(&app);
    visitor.sign_in("supervisor").await;
    app.clock().set(at("2026-10-31T23:59:59+08:00"));
    let p = visitor.get("/monitoring").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(!p.body.contains("calendar-banner"), "{}", p.body);
    app.clock().set(at("2026-11-01T00:00:00+08:00"));
    let p = visitor.get("/monitoring").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("id=\"calendar-banner\"") && p.body.contains("data-year=\"2027\""),
        "{}",
        p.body
    );
    assert!(p.body.contains("2027 年节假日安排"), "{}", p.body);
    let admin = app.login("admin").await;
    let r = app
        .client
        .put(app.url("/api/v1/calendar/2027?source=test%20notice"))
        .bearer_auth(&admin)
        .header("content-type", "application/toml")
        .body(TEST_2027)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
    let p = visitor.get("/monitoring").await;
    assert!(!p.body.contains("calendar-banner"), "{}", p.body);
    app.stop().await;
}
