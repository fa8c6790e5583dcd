//! The deadline to publish a mining-right deal's result (结果公示 within 5 working days of the deal,
//! 矿业权出让交易规则 — secondary): electronic monitoring keeps it and flags a late publication
//! (`mining.result_publication_overdue`; crates/monitoring, `rules::publication` and
//! `projection::publication`; docs/monitoring.md, docs/procedures.md). The mining listings come
//! through the real upstream APIs as in `land_mining.rs`.

use crate::auctions::{bid, lot_with, wait_phase};
use chrono::{DateTime, Duration, Utc};
use ggzy_api_tests::TestApp;
use ggzy_monitoring::projection::publication::timer_key;
use serde_json::{json, Value};

const RULE: &str = "mining.result_publication_overdue";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The alerts of the rule as a supervisor reads them through the API.
async fn alerts(app: &TestApp) -> Vec<Value> {
    let supervisor = app.login("supervisor").await;
    let (s, v) = app
        .get(
            Some(&supervisor),
            &format!("/api/v1/monitoring/alerts?rule={RULE}"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

/// Waits until the rule's alerts satisfy `done` (the timer and the consumer run in the
/// background).
async fn wait_alerts(app: &TestApp, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut last = vec![];
    for () in ggzy_api_tests::patience() {
        last = alerts(app).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("alerts never got there: {last:?}");
}

/// The drafted deal announcement of `project_id`, its publicity set to 24:00 of the 10th working
/// day from `at` (the publishing area's own rule), approved — published — at `at`. The clock runs
/// on with real time: the sign-ins (argon2) and the edit happen first, the clock is set to `at`
/// just before the approval, so a loaded machine does not carry the publication past `at`.
async fn publish_deal(app: &TestApp, project_id: &str, at: DateTime<Utc>) {
    let d = crate::auction_settlement::draft_of(app, project_id, "deal").await;
    let id = d["id"].as_str().unwrap().to_string();
    let cal = ggzy_core::calendar::BusinessCalendar::official();
    let end = ggzy_core::period::ends_at(&cal, at, ggzy_core::period::Days::working(10)).value;
    let tenderer = app.login("tenderer").await;
    let mut edit = json!({"market": "land", "type": "deal", "title": d["title"],
                          "body": d["body"], "fields": d["fields"].clone()});
    edit["fields"]["publicity_end_at"] = json!(end.to_rfc3339());
    let (s, v) = app
        .put(
            Some(&tenderer),
            &format!("/api/v1/announcements/{id}"),
            edit,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app.announcement_step(&tenderer, &id, "submit").await;
    assert_eq!(s, 200, "{v}");
    // Sessions end across days: staff sign in at `at`, and the clock starts again from `at`.
    app.clock().set(at);
    let staff = app.login("staff").await;
    app.clock().set(at);
    let (s, v) = app.announcement_step(&staff, &id, "approve").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "published", "{v}");
}

/// Two mining-right listings deal on Tuesday 2026-04-28 (one quote each at the reserve). The deal
/// day does not count; 劳动节 (05-01 to 05-05) is skipped: 04-29, 04-30, 05-06, 05-07, Friday 05-08
/// — the result is due by 24:00 of 05-08. The first is published at 23:59:55 of 05-08: no alert,
/// its timer cancelled. The second is not: at 24:00 the alert is raised for the supervisors (API
/// and page); published Monday 05-11 at 10:00 it is resolved by the system, 2 days 10 hours late
/// (2 working days: the make-up Saturday 05-09 and Monday 05-11).
#[tokio::test]
async fn a_mining_result_published_by_24_00_of_the_5th_working_day_raises_nothing_and_a_late_one_is_flagged_then_resolved(
) {
    let app = TestApp::spawn().await;
    app.clock().set(at("2026-03-16T09:00:00+08:00"));
    let deadline = "2026-04-28T17:00:00+08:00";
    let on_time = lot_with(&app, "land", "mining_listing", deadline, 1).await;
    let late = lot_with(&app, "land", "mining_listing", deadline, 1).await;
    let staff = app.login("staff").await;
    let mut ids = vec![];
    for lot in [&on_time, &late] {
        let listing = json!({"section_id": lot.sid, "listing_start": "2026-04-14T00:00:00+08:00",
               "listing_end": "2026-04-28T09:00:00+08:00", "starting_price": "1000000.00",
               "increment": "10000.00", "reserve_price": "1000000.00"});
        let (s, v) = app.post(Some(&staff), "/api/v1/auctions", listing).await;
        assert_eq!(s, 201, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        assert_eq!(app.confirm_land_bidders(&id).await, 1);
        ids.push(id);
    }
    app.clock().set(at("2026-04-14T10:00:00+08:00"));
    for id in &ids {
        let (s, v) = bid(&app, "bidder1", id, "1000000.00").await;
        assert_eq!(s, 201, "{v}");
    }
    app.clock().set(at("2026-04-28T09:00:01+08:00"));
    for id in &ids {
        wait_phase(&app, id, "deal").await;
    }
    // Monitoring keeps each section's deadline: 24:00 of Friday 05-08.
    app.drain_consumer("monitoring.signals").await;
    let due = at("2026-05-09T00:00:00+08:00");
    for lot in [&on_time, &late] {
        assert_eq!(app.timer_due(&timer_key(&lot.sid)).await, Some(due));
    }
    // Published in the last seconds of the 5th working day: in time, the timer is cancelled.
    crate::auction_settlement::draft_of(&app, &late.project_id, "deal").await;
    publish_deal(&app, &on_time.project_id, due - Duration::seconds(5)).await;
    app.drain_consumer("monitoring.signals").await;
    assert_eq!(app.timer_due(&timer_key(&on_time.sid)).await, None);
    assert_eq!(app.timer_due(&timer_key(&late.sid)).await, Some(due));
    assert!(alerts(&app).await.is_empty());

    // 24:00: the unpublished one is flagged, for supervisors.
    app.clock().set(due);
    let raised = wait_alerts(&app, |a| !a.is_empty()).await;
    app.drain_consumer("monitoring.signals").await;
    let raised = {
        let again = alerts(&app).await;
        assert_eq!(again.len(), raised.len(), "{again:?}");
        again
    };
    assert_eq!(raised.len(), 1, "only the late one: {raised:?}");
    let a = &raised[0];
    assert_eq!(
        (a["section_id"].as_str(), a["status"].as_str()),
        (Some(late.sid.as_str()), Some("open")),
        "{a}"
    );
    assert_eq!(a["severity"], "high", "{a}");
    assert_eq!(a["evidence"]["due_at"], due.to_rfc3339(), "{a}");
    assert_eq!(a["evidence"]["last_day"], "2026-05-08", "{a}");
    assert_eq!(a["evidence"]["procedure"], "mining_listing", "{a}");
    assert!(
        a["message_zh"]
            .as_str()
            .unwrap()
            .contains("2026-05-08 24:00"),
        "{a}"
    );
    let passed = app
        .events_of("monitoring.mining_publication.deadline_passed")
        .await;
    assert_eq!(passed.len(), 1, "{passed:?}");
    assert_eq!(passed[0]["section_id"], late.sid.as_str());
    let alert_id = a["id"].as_str().unwrap().to_string();
    let mut page = ggzy_api_tests::pages::Visitor::new(&app);
    page.sign_in("supervisor").await;
    let p = page.get(&format!("/supervisor/alerts/{alert_id}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("矿业权出让成交后5个工作日内未公示出让结果")
            && p.body.contains("逾期未公示")
            && p.body.contains("最后一个工作日"),
        "{}",
        p.body
    );

    // Published late, Monday 05-11 10:00: resolved by the system, with how late.
    publish_deal(&app, &late.project_id, at("2026-05-11T10:00:00+08:00")).await;
    let done = wait_alerts(&app, |a| a.len() == 1 && a[0]["status"] == "resolved").await;
    assert_eq!(done[0]["evidence"]["late_seconds"], 2 * 86_400 + 10 * 3600);
    assert_eq!(done[0]["evidence"]["late_working_days"], 2);
    let supervisor = app.login("supervisor").await;
    let (s, d) = app
        .get(
            Some(&supervisor),
            &format!("/api/v1/monitoring/alerts/{alert_id}"),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    let notes = d["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{d}");
    assert_eq!(
        (notes[0]["author"].as_str(), notes[0]["action"].as_str()),
        (Some("system"), Some("resolve")),
        "{d}"
    );
    assert!(
        notes[0]["body"]
            .as_str()
            .unwrap()
            .contains("逾期2天10小时0分"),
        "{d}"
    );
    assert_eq!(
        app.events_of("monitoring.alert.resolved").await.len(),
        1,
        "one resolution"
    );
    app.stop().await;
}
