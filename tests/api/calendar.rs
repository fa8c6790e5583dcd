//! Holiday schedules at run time (docs/calendar.md): the year end without next year's schedule
//! (issue 16), the import API and CLI, validation, versions, the health warnings, and cron catching
//! up missed days after a restart.

use ggzy_api_tests::fixtures::{at, section_registered};
use ggzy_api_tests::{into_parts, TestApp};
use ggzy_core::calendar::BusinessCalendar;
use ggzy_events::Contract;
use ggzy_store::Ctx;
use serde_json::{json, Value};
use std::time::Duration;

/// A 2027 schedule for the tests (NOT the official one, which is not published yet): New Year's
/// Day off, a make-up working Saturday.
const TEST_2027: &str = "year = 2027\nworkdays = [\"2027-01-09\"]\n[holidays]\n\"元旦 New Year\" = [\"2027-01-01\", \"2027-01-02\", \"2027-01-03\"]\n";

async fn put_toml(app: &TestApp, token: &str, year: i32, toml: &str) -> (u16, Value) {
    let r = app
        .client
        .put(app.url(&format!("/api/v1/calendar/{year}?source=test%20notice")))
        .bearer_auth(token)
        .header("content-type", "application/toml")
        .body(toml.to_string())
        .send()
        .await
        .expect("request");
    into_parts(r).await
}

async fn emit_and_wait(app: &TestApp, event_type: &str, id: &str, payload: Value) {
    app.emit_as("test.projects", event_type, "section", id, payload)
        .await;
    app.wait_consumer("deposits.projection").await;
}

async fn run_refund_job(app: &TestApp) {
    let workers = ggzy::background::workers();
    let job = workers
        .cron
        .iter()
        .find(|j| j.name == "deposits.refund_instructions")
        .expect("refund job registered");
    (job.run)(app.ctx.db.clone(), app.clock().clone(), app.clock().now())
        .await
        .expect("refund job");
    app.seal().await;
}

async fn refunds(app: &TestApp, token: &str, section: &str) -> Vec<Value> {
    let (s, v) = app
        .get(
            Some(token),
            &format!("/api/v1/deposits/refunds?section_id={section}"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

async fn alerts(app: &TestApp, token: &str) -> Vec<Value> {
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

async fn health_warnings(app: &TestApp) -> Vec<String> {
    let (s, v) = app.get(None, "/healthz").await;
    assert_eq!(s, 200, "{v}");
    v["warnings"]
        .as_array()
        .map(|a| a.iter().map(|w| w.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Issue 16, "done when": the clock at 2026-12-28 with no 2027 data — deposits keep flowing, refund
/// dates are provisional, the alert is raised; importing 2027 re-derives them and clears the alert.
#[tokio::test]
async fn at_the_year_end_without_next_years_schedule_deposits_flow_provisionally_until_it_is_imported(
) {
    let app = TestApp::spawn().await;
    let section = format!("SEC-P-{}", uuid::Uuid::new_v4().simple());
    emit_and_wait(&app, "projects.section.registered", &section, {
        let mut s = section_registered(&section, "procurement", "5000.00", "2026-03-20T01:30:00Z");
        s.project_id = "PRJ-P".into();
        s.encode().payload
    })
    .await;
    let bank = app.login("bank").await;
    let mut orgs = Vec::new();
    for (i, user) in ["bidder1", "bidder2"].into_iter().enumerate() {
        let b = app.login(user).await;
        let (s, a) = app.deposit_account(&b, &section).await;
        assert_eq!(s, 201, "{a}");
        let (_, v) = app
            .bank_transfer(
                &bank,
                &json!({"transaction_id": format!("Y-{i}"), "account_no": a["account_no"],
                        "payer_account_no": "6222000000000001", "payer_name": "x",
                        "amount": "5000.00", "value_at": "2026-03-05T10:00:00+08:00"}),
            )
            .await;
        assert_eq!(v["status"], "credited", "{v}");
        orgs.push(a["org_id"].as_str().unwrap().to_string());
    }
    // Monday 2026-12-28: the award. The losers' refund (5 working days, 87号令 38) reaches 2027.
    app.clock().set(at("2026-12-28T10:00:00+08:00"));
    assert!(
        health_warnings(&app)
            .await
            .iter()
            .any(|w| w.starts_with("calendar.next_year_missing")),
        "from 1 November the missing 2027 schedule is a warning"
    );
    let (s, _) = app.get(None, "/readyz").await;
    assert_eq!(s, 200, "readiness does not depend on the schedule");
    emit_and_wait(
        &app,
        "projects.award.confirmed",
        &section,
        json!({"section_id": section, "project_id": "PRJ-P", "market": "procurement",
               "procedure": "public_tender", "winner_org_id": orgs[0], "winner_name": "x",
               "price": "480000.00", "awarded_at": "2026-12-28T02:00:00Z",
               "bidder_org_ids": [orgs[0], orgs[1]]}),
    )
    .await;
    // Deposits keep flowing: a later event of another kind is consumed too.
    emit_and_wait(&app, "projects.section.registered", "SEC-LATER", {
        let mut s = section_registered(
            "SEC-LATER",
            "procurement",
            "1000.00",
            "2027-01-20T01:30:00Z",
        );
        s.project_id = "PRJ-Q".into();
        s.encode().payload
    })
    .await;
    run_refund_job(&app).await;
    let staff = app.login("staff").await;
    let list = refunds(&app, &staff, &section).await;
    assert_eq!(list.len(), 1, "{list:?}");
    // 12-29, 12-30, 12-31, then 2027 by weekends only: Fri 01-01, Mon 01-04.
    assert_eq!(list[0]["org_id"], orgs[1].as_str());
    assert_eq!(list[0]["due_date"], "2027-01-04");
    assert_eq!(list[0]["due_date_provisional"], true);
    let supervisor = app.login("supervisor").await;
    let open = alerts(&app, &supervisor).await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["status"], "open");
    assert_eq!(open[0]["subject"], "calendar:2027");
    assert!(health_warnings(&app)
        .await
        .iter()
        .any(|w| w.starts_with("calendar.year_missing")));

    // The State Council publishes; an administrator imports it.
    let admin = app.login("admin").await;
    let (s, v) = put_toml(&app, &admin, 2027, TEST_2027).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 1);
    assert_eq!(v["source"], "test notice");
    app.wait_consumer("deposits.projection").await;
    let list = refunds(&app, &staff, &section).await;
    // 01-01 is now a holiday: 12-29, 12-30, 12-31, 01-04, 01-05.
    assert_eq!(list[0]["due_date"], "2027-01-05");
    assert_eq!(list[0]["due_date_provisional"], false);
    let re = app.events_of("deposits.refund_due.rederived").await;
    assert_eq!(re.len(), 1, "{re:?}");
    assert_eq!(re[0]["previous_due_date"], "2027-01-04");
    assert_eq!(re[0]["due_date"], "2027-01-05");
    let after = alerts(&app, &supervisor).await;
    assert_eq!(after[0]["status"], "resolved", "{after:?}");
    assert!(
        health_warnings(&app).await.is_empty(),
        "{:?}",
        health_warnings(&app).await
    );
    app.stop().await;
}

#[tokio::test]
async fn a_schedule_import_is_admin_only_validated_versioned_and_audited() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let staff = app.login("staff").await;
    // The compiled-in years are the initial content.
    let (s, v) = app.get(None, "/api/v1/calendar/2026").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["source"], "compiled-in");
    assert_eq!(v["version"], 0);
    assert_eq!(v["workdays"][1], "2026-02-14");
    let (s, v) = app.get(None, "/api/v1/calendar/2027").await;
    assert_eq!(s, 404, "{v}");

    let (s, _) = put_toml(&app, &staff, 2027, TEST_2027).await;
    assert_eq!(s, 403);
    let bad = [
        (
            TEST_2027.replace("\"2027-01-03\"", "\"2028-01-03\""),
            "toml",
            "calendar.invalid",
        ),
        (
            TEST_2027.replace("\"2027-01-03\"", "\"2027-01-09\""),
            "toml",
            "calendar.invalid",
        ),
        (
            TEST_2027.replace("2027", "2028"),
            "year",
            "calendar.year_mismatch",
        ),
        ("year = \"twenty\"".to_string(), "toml", "calendar.invalid"),
    ];
    for (toml, field, rule) in bad {
        let (s, v) = put_toml(&app, &admin, 2027, &toml).await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["errors"][0]["field"], field, "{v}");
        assert_eq!(v["errors"][0]["rule"], rule, "{v}");
    }
    let (s, _) = app.get(None, "/api/v1/calendar/2027").await;
    assert_eq!(s, 404, "a refused import changes nothing");
    assert!(app.events_of("calendar.schedule.imported").await.is_empty());

    let (s, v) = put_toml(&app, &admin, 2027, TEST_2027).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 1);
    // The same text again is no new version.
    let (_, v) = put_toml(&app, &admin, 2027, TEST_2027).await;
    assert_eq!(v["version"], 1);
    let corrected = TEST_2027.replace("workdays = [\"2027-01-09\"]", "workdays = []");
    let (s, v) = put_toml(&app, &admin, 2027, &corrected).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 2);
    assert_eq!(v["history"].as_array().unwrap().len(), 2);
    assert_eq!(v["workdays"], json!([]));
    assert!(!app
        .ctx
        .calendar
        .is_working_day(at("2027-01-09T12:00:00+08:00").date_naive())
        .unwrap());
    let ev = app.events_of("calendar.schedule.imported").await;
    assert_eq!(ev.len(), 2, "one event per change: {ev:?}");
    assert_eq!(ev[1]["previous_version"], 1);
    app.stop().await;
}

/// `ggzy calendar import FILE` on another instance of the same database: the running instance sees
/// the import (it reloads when the stored schedules change), without a restart.
#[tokio::test]
async fn the_import_cli_on_another_instance_reaches_the_running_one() {
    let app = TestApp::spawn().await;
    assert!(!app.ctx.calendar.has_year(2027));
    let url = app.db.as_ref().unwrap().url.clone();
    let other = ggzy_store::Db::connect(&url, &Default::default())
        .await
        .expect("second instance");
    let cli_ctx = Ctx::new(
        other.clone(),
        app.clock().clone(),
        BusinessCalendar::official(),
        ggzy_store::ctx::Settings::default(),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cn-2027.toml");
    std::fs::write(&file, TEST_2027).unwrap();
    ggzy::calendar::import_files(&cli_ctx, std::slice::from_ref(&file))
        .await
        .expect("import");
    assert!(cli_ctx.calendar.has_year(2027));
    let bad = dir.path().join("cn-2028.toml");
    std::fs::write(&bad, "year = 2028\n[holidays]\n\"x\" = [\"2027-12-31\"]\n").unwrap();
    let e = ggzy::calendar::import_files(&cli_ctx, &[bad])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("calendar.invalid"), "{e}");
    other.close().await;
    let mut seen = false;
    for () in ggzy_api_tests::patience() {
        if app.ctx.calendar.has_year(2027) {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        seen,
        "the running instance loaded the import made elsewhere"
    );
    let y = app.ctx.calendar.year(2027).unwrap();
    assert_eq!((y.version, y.source.as_str()), (1, "cn-2027.toml"));
    app.stop().await;
}

/// Issue 16 (5): the daily jobs run for each day missed while no server ran, once.
#[tokio::test]
async fn daily_jobs_missed_while_the_server_was_down_run_for_each_day_after_the_restart() {
    let mut app = TestApp::spawn_at(at("2026-03-02T12:00:00+08:00")).await;
    // The cron loop has seen its jobs (cursor at the start time).
    for () in ggzy_api_tests::patience() {
        if app.scalar_i64("SELECT COUNT(*) FROM cron_cursors").await >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.stop_instance().await;
    // Down from Monday noon to Thursday noon: the refund job (09:30 Beijing) fell due on Tue, Wed,
    // Thu; the daily report (00:10 Beijing) on Tue, Wed, Thu.
    app.clock().set(at("2026-03-05T12:00:00+08:00"));
    app.start_instance().await;
    let q = "SELECT COUNT(*) FROM cron_runs WHERE job = 'deposits.refund_instructions' AND outcome = 'ok'";
    for () in ggzy_api_tests::patience() {
        if app.scalar_i64(q).await >= 3
            && app.scalar_i64("SELECT COUNT(*) FROM mon_reports").await >= 3
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.scalar_i64(q).await, 3);
    let days = app
        .strings("SELECT day FROM mon_reports ORDER BY day", &[])
        .await;
    assert_eq!(days, vec!["2026-03-02", "2026-03-03", "2026-03-04"]);
    // Nothing runs twice: a restart does not repeat the caught-up firings.
    app.restart().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.scalar_i64(q).await, 3);
    app.stop().await;
}
