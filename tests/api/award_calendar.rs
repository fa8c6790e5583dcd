//! Award due dates without next year's holiday schedule (issue 16, docs/calendar.md "Award due
//! dates"): the candidate publicity end and the contract due time reaching a year without a
//! schedule are provisional in the answers, the events and the pages, and raise the year-missing
//! alert; importing the year re-derives them (民法典 203), clears the mark, moves the publicity end
//! and the timers, and a second delivery of the import changes nothing. The result objection is a
//! remedies case (since rem20e): its answer due time is marked provisional, not yet re-derived
//! (docs/remedies.md).

use crate::award::{
    at, evaluating_section, events, post_award, submit_result, travel, wait_event, Trade,
};
use ggzy_api_tests::pages::Visitor;
use ggzy_api_tests::{into_parts, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

/// A 2027 schedule for the tests (NOT the official one): 1–4 January off, so a period whose last
/// day is Friday 01-01 or Monday 01-04 ends with Tuesday 01-05 (民法典 203).
const TEST_2027: &str = "year = 2027\nworkdays = []\n[holidays]\n\"元旦 New Year\" = [\"2027-01-01\", \"2027-01-02\", \"2027-01-03\", \"2027-01-04\"]\n";

async fn import_2027(app: &TestApp) {
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
    app.wait_consumer("projects.award_calendar").await;
}

/// Deliver the import event a second time, exactly as it was.
async fn redeliver_import(app: &TestApp) {
    let imported = app.events_of("calendar.schedule.imported").await;
    let payload = imported.last().expect("an import").clone();
    app.emit_as(
        "calendar",
        "calendar.schedule.imported",
        "calendar",
        "2027",
        payload,
    )
    .await;
    app.wait_consumer("projects.award_calendar").await;
}

async fn year_missing_alerts(app: &TestApp) -> Vec<Value> {
    app.wait_consumer("monitoring.signals").await;
    let supervisor = app.login("supervisor").await;
    let (s, v) = app
        .get(
            Some(&supervisor),
            "/api/v1/monitoring/alerts?rule=calendar.year_missing",
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

async fn result(app: &TestApp, t: &Trade) -> Value {
    let (s, v) = app
        .get(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{}/evaluation-result", t.section_id),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn award_notice(app: &TestApp, t: &Trade) -> Value {
    let (s, v) = app
        .get(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{}/award", t.section_id),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

fn time_of(v: &Value, field: &str) -> chrono::DateTime<chrono::Utc> {
    at(v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {v}")))
}

/// The page `path` seen by `user`, with the provisional mark or not.
async fn page_marks_provisional(app: &TestApp, user: &str, path: &str) -> bool {
    let mut visitor = Visitor::new(app);
    visitor.sign_in(user).await;
    let p = visitor.get(path).await;
    assert_eq!(p.status, 200, "{}", p.body);
    p.body.contains("class=\"provisional\"")
}

/// Clock at Monday 2026-12-28, no 2027 schedule: a 4-day publicity and an objection (a remedies
/// case) raised on Tuesday end with Friday 2027-01-01 counted with weekends only — provisional,
/// alert raised. The schedule makes 01-01…01-04 days off: the publicity ends with Tuesday 01-05
/// (24:00), its mark clears, and it really runs on past its old end (an objection is still taken).
#[tokio::test]
async fn a_publicity_and_an_objection_reaching_2027_are_provisional_until_2027_is_imported() {
    let app = TestApp::spawn().await;
    let mut t = evaluating_section(&app, "construction").await;
    let sid = t.section_id.clone();
    travel(&app, &mut t, at("2026-12-28T10:00:00+08:00")).await;

    let (s, v) = submit_result(&app, &t, 4).await;
    assert_eq!(s, 201, "{v}");
    let old_end = at("2027-01-02T00:00:00+08:00");
    assert_eq!(time_of(&v, "publicity_ends_at"), old_end);
    assert_eq!(v["publicity_ends_at_provisional"], true, "{v}");
    assert_eq!(
        result(&app, &t).await["publicity_ends_at_provisional"],
        true
    );
    let ev = wait_event(&app, "projects.candidates.publicized", &sid).await;
    assert_eq!(ev["publicity_ends_at_provisional"], true, "{ev}");

    // Tuesday 12-29: an objection; 3 days → Fri 01-01, weekends only → due 01-02 00:00.
    travel(&app, &mut t, at("2026-12-29T10:00:00+08:00")).await;
    app.drain_consumer("remedies.projection").await;
    let remedies = format!("/api/v1/sections/{sid}/remedies");
    let objection = |g: &str| json!({"kind": "objection", "target": "result", "grounds": g});
    let (s, o) = app
        .post(
            Some(&t.bidders[2].token),
            &remedies,
            objection("第一名业绩不符合要求"),
        )
        .await;
    assert_eq!(s, 201, "{o}");
    assert_eq!(time_of(&o, "answer_due"), old_end);
    assert_eq!(o["provisional"], true, "{o}");
    let oid = o["id"].as_str().unwrap().to_string();

    // The alert is raised, naming the first computation that missed the year.
    let open = year_missing_alerts(&app).await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["subject"], "calendar:2027");
    assert_eq!(open[0]["status"], "open");
    assert_eq!(
        app.strings(
            "SELECT needed_by FROM calendar_missing WHERE year = 2027",
            &[]
        )
        .await,
        vec!["projects.publicity_end".to_string()]
    );

    // The pages mark the dates.
    let bidder_page = format!("/bidder/sections/{sid}/result");
    let tenderer_page = format!("/tenderer/projects/{}/sections/{sid}", t.project_id);
    assert!(page_marks_provisional(&app, t.bidders[2].name, &bidder_page).await);
    assert!(page_marks_provisional(&app, "tenderer", &tenderer_page).await);

    // 2027 is imported: the last day Fri 01-01 is a holiday, then the weekend and Mon 01-04 off,
    // so both periods end with Tue 01-05 at 24:00.
    import_2027(&app).await;
    let new_end = at("2027-01-06T00:00:00+08:00");
    let r = result(&app, &t).await;
    assert_eq!(time_of(&r, "publicity_ends_at"), new_end);
    assert_eq!(r["publicity_ends_at_provisional"], false, "{r}");
    let re = events(&app, "projects.due_date.rederived", &sid).await;
    assert_eq!(re.len(), 1, "{re:?}");
    let e = re[0].clone();
    assert_eq!(e["what"], "publicity_end", "{e}");
    assert_eq!(time_of(&e, "previous_due_at"), old_end, "{e}");
    assert_eq!(time_of(&e, "due_at"), new_end, "{e}");
    // The stored start (the manual clock runs on with real time after `travel`).
    let off = (time_of(&e, "start") - at("2026-12-28T10:00:00+08:00")).num_seconds();
    assert!((0..60).contains(&off), "{e}");
    assert_eq!(e["provisional"], false, "{e}");
    assert_eq!(e["basis"], "民法典 第二百零三条");
    // The platform's candidate-publicity draft follows the new end (field, locked source, text).
    app.wait_consumer("publishing.lifecycle").await;
    let tenderer = app.login("tenderer").await;
    let (s, mine) = app.get(Some(&tenderer), "/api/v1/announcements/mine").await;
    assert_eq!(s, 200, "{mine}");
    let draft = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["type"] == "candidate_publicity"
                && a["section_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x == sid.as_str())
        })
        .cloned()
        .unwrap_or_else(|| panic!("no candidate publicity draft: {mine}"));
    assert_eq!(draft["status"], "draft", "{draft}");
    assert_eq!(
        time_of(&draft["fields"], "publicity_end_at"),
        new_end,
        "{draft}"
    );
    let body = draft["body"].as_str().unwrap();
    assert!(body.contains("2027-01-06 00:00"), "{body}");
    assert!(!body.contains("2027-01-02 00:00"), "{body}");
    assert!(!page_marks_provisional(&app, t.bidders[2].name, &bidder_page).await);
    let after = year_missing_alerts(&app).await;
    assert_eq!(after[0]["status"], "resolved", "{after:?}");

    // A second delivery of the same import changes nothing.
    redeliver_import(&app).await;
    assert_eq!(
        events(&app, "projects.due_date.rederived", &sid)
            .await
            .len(),
        1
    );
    assert_eq!(
        time_of(&result(&app, &t).await, "publicity_ends_at"),
        new_end
    );

    // An hour past the old end the publicity still runs (the remedies area learnt the new end from
    // `projects.due_date.rederived`): an objection is taken; no award meanwhile (the open
    // objection suspends it, and the publicity-end boundary is checked below once answered).
    app.drain_consumer("remedies.projection").await;
    travel(&app, &mut t, old_end + chrono::Duration::hours(1)).await;
    let (s, v) = post_award(&app, &t, json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "section.suspended_by_remedy", "{v}");
    let (s, o2) = app
        .post(Some(&t.bidders[0].token), &remedies, objection("评分有误"))
        .await;
    assert_eq!(s, 201, "still in publicity after the old end: {o2}");
    // Raised Sat 01-02 (a holiday in the imported schedule): 3 days → Tue 01-05, exact.
    assert_eq!(time_of(&o2, "answer_due"), new_end);
    assert_eq!(o2["provisional"], false);
    assert_eq!(time_of(&o2, "raise_deadline"), new_end);
    for id in [oid.as_str(), o2["id"].as_str().unwrap()] {
        let (s, v) = app
            .post(
                Some(&t.tenderer),
                &format!("/api/v1/remedies/{id}/answer"),
                json!({"answer": "经复核，评标结果无误"}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    app.drain_consumer("projects.suspensions").await;

    // The new end is the boundary: one second before it refused, at it the award is confirmed.
    travel(&app, &mut t, new_end - chrono::Duration::seconds(1)).await;
    let (s, v) = post_award(&app, &t, json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "award.publicity_not_ended", "{v}");
    travel(&app, &mut t, new_end).await;
    let (s, v) = post_award(&app, &t, json!({})).await;
    assert_eq!(s, 201, "{v}");
    // 30 days inside the imported 2027: exact.
    assert_eq!(v["contract_due_at_provisional"], false, "{v}");
    app.stop().await;
}

/// Awarded Saturday 2026-12-05: the contract is due within 30 days, day 30 is Monday 2027-01-04,
/// a working day with weekends only — provisional; the imported schedule makes it a holiday, the
/// due time moves to Tuesday 01-05 24:00 with its timer, and a contract signed on 01-05 is on time.
#[tokio::test]
async fn a_contract_due_date_reaching_2027_is_provisional_until_2027_is_imported() {
    let app = TestApp::spawn().await;
    let mut t = evaluating_section(&app, "construction").await;
    let sid = t.section_id.clone();
    travel(&app, &mut t, at("2026-12-01T10:00:00+08:00")).await;
    let (s, v) = submit_result(&app, &t, 3).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        time_of(&v, "publicity_ends_at"),
        at("2026-12-05T00:00:00+08:00")
    );
    assert_eq!(
        v["publicity_ends_at_provisional"], false,
        "inside 2026: {v}"
    );

    travel(&app, &mut t, at("2026-12-05T10:00:00+08:00")).await;
    let (s, v) = post_award(&app, &t, json!({})).await;
    assert_eq!(s, 201, "{v}");
    let old_due = at("2027-01-05T00:00:00+08:00");
    assert_eq!(time_of(&v, "contract_due_at"), old_due);
    assert_eq!(v["contract_due_at_provisional"], true, "{v}");
    assert_eq!(
        award_notice(&app, &t).await["contract_due_at_provisional"],
        true
    );
    let ev = wait_event(&app, "projects.award.confirmed", &sid).await;
    assert_eq!(ev["contract_due_at_provisional"], true, "{ev}");
    let timer = format!("projects.contract.due:{sid}");
    assert_eq!(app.timer_due(&timer).await, Some(old_due));
    let open = year_missing_alerts(&app).await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["subject"], "calendar:2027");
    assert_eq!(
        app.strings(
            "SELECT needed_by FROM calendar_missing WHERE year = 2027",
            &[]
        )
        .await,
        vec!["projects.contract_due".to_string()]
    );
    let tenderer_page = format!("/tenderer/projects/{}/sections/{sid}", t.project_id);
    assert!(page_marks_provisional(&app, "tenderer", &tenderer_page).await);
    let winner = t.bidders[1].name; // the first candidate of the standard ranking
    let bidder_page = format!("/bidder/sections/{sid}/result");
    assert!(page_marks_provisional(&app, winner, &bidder_page).await);

    import_2027(&app).await;
    let new_due = at("2027-01-06T00:00:00+08:00");
    let a = award_notice(&app, &t).await;
    assert_eq!(time_of(&a, "contract_due_at"), new_due);
    assert_eq!(a["contract_due_at_provisional"], false, "{a}");
    assert_eq!(
        app.timer_due(&timer).await,
        Some(new_due),
        "the timer moved"
    );
    let re = events(&app, "projects.due_date.rederived", &sid).await;
    assert_eq!(re.len(), 1, "{re:?}");
    assert_eq!(re[0]["what"], "contract_due");
    assert_eq!(time_of(&re[0], "previous_due_at"), old_due);
    assert_eq!(time_of(&re[0], "due_at"), new_due);
    assert_eq!(re[0]["provisional"], false);
    assert_eq!(re[0]["section_state"], "awarded");
    assert!(!page_marks_provisional(&app, "tenderer", &tenderer_page).await);

    redeliver_import(&app).await;
    assert_eq!(
        events(&app, "projects.due_date.rederived", &sid)
            .await
            .len(),
        1
    );
    assert_eq!(app.timer_due(&timer).await, Some(new_due));

    // Past the old due time: no overdue alert, and a contract signed on 01-05 is on time.
    travel(&app, &mut t, at("2027-01-05T12:00:00+08:00")).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(events(&app, "projects.contract.overdue", &sid)
        .await
        .is_empty());
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{sid}/contract"),
            json!({"signed_on": "2027-01-05", "amount": t.bidders[1].price}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["contract"]["late"], false, "{v}");
    app.stop().await;
}
