//! The sandbox (演示环境): `serve --demo [--time-scale N]` as the server runs it (TestApp::spawn_demo
//! uses the same `sandbox::prepare` and `demo_trades::start`). A seeded tender goes from bidding
//! through opening to evaluation on the accelerated clock while the test only reads; a fresh demo's
//! portal lists announcements of all four markets; the demo pool supports a 5-member draw with
//! avoidance for every demo section; the sandbox mark refuses production use and a restart
//! continues the simulated time without seeding twice.

use chrono::{DateTime, Utc};
use ggzy::demo_trades::{live_deadline, Stage};
use ggzy::sandbox::{self, Mode};
use ggzy_api_tests::{TestApp, TestDb};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

async fn clock(app: &TestApp) -> Value {
    let r = app
        .client
        .get(app.url("/api/v1/clock"))
        .send()
        .await
        .expect("clock");
    assert_eq!(r.status(), 200);
    let header = r
        .headers()
        .get("x-ggzy-sandbox")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let v: Value = r.json().await.expect("json");
    assert!(
        header.starts_with(&format!("scale={}; now=", v["scale"])),
        "sandbox header {header:?} for {v}"
    );
    v
}

fn section_of(app: &TestApp, market: &str, stage: Stage) -> (String, String) {
    let t = app
        .demo
        .as_ref()
        .expect("demo run")
        .trades
        .iter()
        .find(|t| t.market == market && t.stage == stage)
        .unwrap_or_else(|| panic!("no seeded {market} trade in {stage:?}"));
    (t.project_id.clone(), t.section_id.clone())
}

/// A read of the section's state as staff (logged in again when the 12-hour session ran out —
/// at ×1440 that is every 30 seconds).
async fn state(app: &TestApp, token: &mut String, project: &str, section: &str) -> String {
    loop {
        let (s, v) = app
            .get(Some(token), &format!("/api/v1/projects/{project}"))
            .await;
        if s == 401 {
            *token = app.login("staff").await;
            continue;
        }
        assert_eq!(s, 200, "{v}");
        return v["sections"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["id"] == section))
            .and_then(|x| x["state"].as_str())
            .unwrap_or_default()
            .to_string();
    }
}

#[tokio::test]
async fn at_time_scale_1440_a_seeded_tender_goes_from_bidding_through_opening_to_evaluation_on_its_own(
) {
    let app = TestApp::spawn_demo(1440).await;
    let real = Instant::now();
    let c = clock(&app).await;
    assert_eq!(c["sandbox"], true);
    assert_eq!(c["scale"], 1440);
    let start = at(c["now"].as_str().unwrap());
    assert!(start >= sandbox::demo_start(), "{c}");
    assert!(start < live_deadline(), "{c}");

    let (project, section) = section_of(&app, "construction", Stage::BiddingLive);
    let mut token = app.login("staff").await;
    let mut seen: Vec<String> = Vec::new();
    // Reads only: the clock closes the bids at 14:00 (5 simulated hours = 12.5 s), the opening
    // timer opens them, the demo worker's bidders submit their keys, the record moves the section
    // to evaluation.
    while real.elapsed() < Duration::from_secs(120) {
        let s = state(&app, &mut token, &project, &section).await;
        if seen.last() != Some(&s) {
            seen.push(s.clone());
        }
        if s == "evaluating" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    assert_eq!(
        seen.first().map(String::as_str),
        Some("bidding"),
        "{seen:?}"
    );
    assert_eq!(
        seen.last().map(String::as_str),
        Some("evaluating"),
        "{seen:?}"
    );
    for s in &seen {
        assert!(
            ["bidding", "closed", "opening", "evaluating"].contains(&s.as_str()),
            "{seen:?}"
        );
    }
    assert!(
        real.elapsed() < Duration::from_secs(120),
        "took {:?}",
        real.elapsed()
    );
    // The opening happened at the deadline by the simulated clock, and every sealed bid was
    // decrypted with the key the demo kept.
    let (s, rec) = app
        .get(Some(&token), &format!("/api/v1/sections/{section}/opening"))
        .await;
    assert_eq!(s, 200, "{rec}");
    let entries = rec["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 3, "{rec}");
    for e in entries {
        assert_eq!(e["decryption"], "decrypted", "{rec}");
        assert!(e["price"].is_string(), "{rec}");
    }
    // Opened at the deadline by the simulated clock.
    let opened = app.events_of("projects.section.opened").await;
    assert!(
        opened.iter().any(|e| e["section_id"] == section.as_str()),
        "{opened:?}"
    );
    assert!(at(clock(&app).await["now"].as_str().unwrap()) > live_deadline());
    // Simulated time ran about 1440 times faster than real time.
    let now = at(clock(&app).await["now"].as_str().unwrap());
    let ran = (now - start).num_seconds() as f64;
    let real_s = real.elapsed().as_secs_f64();
    assert!(
        ran > real_s * 1440.0 * 0.8 && ran < real_s * 1440.0 * 1.2 + 60.0,
        "simulated {ran} s in {real_s} real s"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_fresh_demo_lists_all_four_markets_supports_draws_for_every_section_and_restarts_where_it_was(
) {
    let app = TestApp::spawn_demo(1).await;
    let run = app.demo.as_ref().expect("demo run");
    // Every stage of the brief is there.
    for (market, stage) in [
        ("construction", Stage::BiddingLive),
        ("construction", Stage::Bidding),
        ("construction", Stage::Evaluating),
        ("construction", Stage::Publicizing),
        ("construction", Stage::Contracted),
        ("procurement", Stage::Bidding),
        ("procurement", Stage::Evaluating),
        ("procurement", Stage::Publicizing),
        ("procurement", Stage::Contracted),
        ("land", Stage::Listing),
        ("land", Stage::Auction),
        ("property", Stage::Disclosure),
    ] {
        section_of(&app, market, stage);
    }
    assert!(run.experts >= 30);
    // The start-up text names every demo login with a password that signs in (expert4…8 are
    // created by the seeding after the first list), and points to the sign-in page.
    let welcome = run.welcome("http://127.0.0.1:9");
    assert!(welcome.contains("http://127.0.0.1:9/login"), "{welcome}");
    for n in 1..=8 {
        let line = welcome
            .lines()
            .find(|l| l.split_whitespace().next() == Some(&format!("expert{n}")))
            .unwrap_or_else(|| panic!("expert{n} missing from the start-up text: {welcome}"));
        let password = line.split_whitespace().nth(1).expect("password");
        let (s, v) = app
            .post(
                None,
                "/api/v1/auth/login",
                json!({"username": format!("expert{n}"), "password": password}),
            )
            .await;
        assert_eq!(s, 200, "expert{n}: {v}");
    }
    let staff = app.login("staff").await;
    let sup = app.login("supervisor").await;
    for t in &run.trades {
        let (s, p) = app
            .get(Some(&staff), &format!("/api/v1/projects/{}", t.project_id))
            .await;
        assert_eq!(s, 200, "{p}");
        let want = match t.stage {
            Stage::BiddingLive | Stage::Bidding | Stage::Listing | Stage::Disclosure => "bidding",
            Stage::Evaluating => "evaluating",
            Stage::Publicizing => "publicizing",
            Stage::Contracted => "contracted",
            Stage::Auction => "closed",
        };
        assert_eq!(p["sections"][0]["state"], want, "{} {:?}", t.name, t.stage);
    }
    // Every tender section has its evaluation method (评标办法) declared before its first bid, so
    // the tenderer's method page (and the committee room) show it.
    let mut tenderer = ggzy_api_tests::pages::Visitor::new(&app);
    tenderer.sign_in("tenderer").await;
    for t in run
        .trades
        .iter()
        .filter(|t| t.market == "construction" || t.market == "procurement")
    {
        let page = tenderer
            .get(&format!(
                "/tenderer/sections/{}/evaluation-method?project={}",
                t.section_id, t.project_id
            ))
            .await;
        assert_eq!(page.status, 200, "{}: {}", t.name, page.body);
        let guidance = if t.market == "construction" {
            "类似工程业绩"
        } else {
            "同类项目业绩"
        };
        assert!(page.body.contains(guidance), "{}: {}", t.name, page.body);
    }
    // The land listing that ended at 08:50 is in its online auction.
    let auction = run
        .trades
        .iter()
        .find(|t| t.stage == Stage::Auction)
        .and_then(|t| t.auction_id.clone())
        .expect("auction");
    let (s, a) = app
        .get(Some(&staff), &format!("/api/v1/auctions/{auction}"))
        .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["phase"], "auction", "{a}");

    // The public portal, without login: announcements of all four markets, marked as a sandbox.
    for market in ["construction", "procurement", "land", "property"] {
        let (s, v) = app
            .get(None, &format!("/api/v1/announcements?market={market}"))
            .await;
        assert_eq!(s, 200, "{v}");
        assert!(
            !v["items"].as_array().expect("items").is_empty(),
            "{market}: {v}"
        );
        let r = app
            .client
            .get(app.url(&format!("/feeds/{market}.xml")))
            .send()
            .await
            .unwrap();
        let rss = r.text().await.unwrap();
        assert!(rss.contains("SANDBOX"), "{rss}");
        assert!(rss.contains("<item>"), "{market}: {rss}");
    }
    let (s, v) = app.get(None, "/api/v1/ocds/releases").await;
    assert_eq!(s, 200, "{v}");
    assert!(
        v["publisher"]["name"]
            .as_str()
            .unwrap_or("")
            .contains("SANDBOX"),
        "{}",
        v["publisher"]
    );
    let c = clock(&app).await;
    assert_eq!(
        (c["sandbox"].clone(), c["scale"].clone()),
        (json!(true), json!(1))
    );

    // Expert logins expert1…8 are linked to expert records (an expert's own assignments answer).
    for n in 1..=8 {
        let t = app.login(&format!("expert{n}")).await;
        let (s, v) = app.get(Some(&t), "/api/v1/experts/me/assignments").await;
        assert_eq!(s, 200, "expert{n}: {v}");
    }

    // A 5-member draw with avoidance (tenderer, agency, the registered bidders) for every demo
    // section, in every specialty of the pool.
    let usccs: Vec<String> = {
        let (_, orgs) = app
            .get(Some(&app.login("admin").await), "/api/v1/organizations")
            .await;
        orgs.as_array()
            .or_else(|| orgs["items"].as_array())
            .expect("organizations")
            .iter()
            .filter(|o| o["kind"] == "bidder")
            .map(|o| o["uscc"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(usccs.len(), 3, "{usccs:?}");
    let agency_uscc = ggzy_core::ident::Uscc::with_check("91210200MA0000003")
        .unwrap()
        .to_string();
    for (i, t) in run.trades.iter().enumerate() {
        let p = app
            .get_expect(&staff, &format!("/api/v1/projects/{}", t.project_id), 200)
            .await;
        let tenderer_uscc = p["tenderer_uscc"]
            .as_str()
            .expect("tenderer_uscc")
            .to_string();
        let specialty = ["A08.02", "A08.01", "B01", "C03"][i % 4];
        // Each on its own day: an expert drawn for one session is busy for another at that time.
        let day =
            chrono::NaiveDate::from_ymd_opt(2026, 6, 8).unwrap() + chrono::Days::new(i as u64);
        let (s, d) = app
            .two_step_draw(
                &staff,
                &sup,
                json!({"section_id": t.section_id, "tenderer_uscc": tenderer_uscc,
                       "agency_uscc": agency_uscc, "bidder_usccs": usccs,
                       "session_start": format!("{day}T09:00:00+08:00"),
                       "session_end": format!("{day}T17:00:00+08:00"),
                       "specialties": [{"specialty": specialty, "count": 5, "backups": 2}]}),
            )
            .await;
        // A trade past its evaluation already has its committee (one active draw per section):
        // that draw, made by the demo through the same API, is the one to check.
        let d = if s == 422 && d.to_string().contains("draw.active_draw_exists") {
            let ids = app
                .strings(
                    "SELECT id FROM expert_draws WHERE section_id = $1 AND status = 'active'",
                    &[&t.section_id],
                )
                .await;
            assert_eq!(ids.len(), 1, "{}: {ids:?}", t.name);
            let made = app
                .get_expect(&staff, &format!("/api/v1/experts/draws/{}", ids[0]), 200)
                .await;
            // The demo draws the way the operator cannot steer: as staff and as supervisor.
            assert_eq!(made["scheme"], "contributed-v1", "{made}");
            made
        } else {
            assert_eq!(s, 201, "{} ({specialty}): {d}", t.name);
            d
        };
        let members = d["members"].as_array().expect("members");
        assert_eq!(members.len(), 5, "{d}");
        let mut ids: Vec<&str> = members
            .iter()
            .filter_map(|m| m["expert_id"].as_str())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 5, "{d}");
        // The experts of the tenderer and bidders were avoided, each with its reason.
        let excluded = d["excluded"].as_array().expect("excluded");
        // The bidders' experts always; the tenderer's too where it is the demo tenderer.
        let want = if tenderer_uscc.starts_with("91210200MA0000002") {
            4
        } else {
            3
        };
        let avoided = excluded
            .iter()
            .filter(|x| x["reasons"].to_string().contains("employed_by_party"))
            .count();
        assert!(avoided >= want, "{d}");
        for x in excluded {
            assert!(!ids.contains(&x["expert_id"].as_str().unwrap_or("")), "{d}");
        }
    }

    // A restart continues the simulated time and seeds nothing twice.
    let before = at(clock(&app).await["now"].as_str().unwrap());
    let trades = app.demo.as_ref().unwrap().trades.len();
    let (_, anns) = app.get(None, "/api/v1/announcements?limit=100").await;
    let ann_count = anns["items"].as_array().unwrap().len();
    assert!(trades >= 12);
    let app = app.restart_demo(None).await;
    let after = at(clock(&app).await["now"].as_str().unwrap());
    assert!(after >= before, "{before} → {after}");
    assert!(
        after - before < chrono::Duration::minutes(5),
        "{before} → {after}"
    );
    assert!(app.demo.as_ref().unwrap().trades.is_empty());
    let (_, anns) = app.get(None, "/api/v1/announcements?limit=100").await;
    assert_eq!(anns["items"].as_array().unwrap().len(), ann_count);
    app.login("bidder1").await;
    // The stored scale applies unless a new one is given.
    let app = app.restart_demo(Some(60)).await;
    assert_eq!(clock(&app).await["scale"], 60);
    app.stop().await;
}

#[tokio::test]
async fn the_sandbox_mark_refuses_production_and_time_scale_needs_a_sandbox() {
    // --time-scale without --demo.
    let tdb = TestDb::new().await;
    let e = sandbox::prepare(&tdb.db, false, Some(1440))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("--demo"), "{e}");
    // A production database (users, no mark) refuses --time-scale, and stays production.
    let ctx = ggzy_store::Ctx::new(
        tdb.db.clone(),
        ggzy_core::Clock::system(),
        ggzy_core::calendar::BusinessCalendar::official(),
        ggzy_store::ctx::Settings::default(),
    );
    ggzy::demo::seed(&ctx, Some("production-pass-1"))
        .await
        .unwrap();
    let e = sandbox::prepare(&tdb.db, true, Some(1440))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not a sandbox"), "{e}");
    assert!(matches!(
        sandbox::prepare(&tdb.db, false, None).await.unwrap(),
        Mode::Production
    ));
    assert!(matches!(
        sandbox::prepare(&tdb.db, true, None).await.unwrap(),
        Mode::LegacyDemo
    ));
    assert!(sandbox::read(&tdb.db).await.unwrap().is_none());
    tdb.drop_db().await;

    // An empty database becomes a sandbox at its first demo start, for good.
    let tdb = TestDb::new().await;
    let Mode::Sandbox { clock, fresh, .. } =
        sandbox::prepare(&tdb.db, true, Some(1440)).await.unwrap()
    else {
        panic!("not a sandbox")
    };
    assert!(fresh);
    assert_eq!(clock.scale(), 1440);
    let e = sandbox::prepare(&tdb.db, false, None).await.unwrap_err();
    assert!(e.to_string().contains("sandbox"), "{e}");
    let e = sandbox::prepare(&tdb.db, true, Some(0)).await.unwrap_err();
    assert!(e.to_string().contains("at least 1"), "{e}");
    // Saved and resumed: the clock continues from the saved instant with the stored scale.
    tokio::time::sleep(Duration::from_millis(100)).await;
    sandbox::save(&tdb.db, &clock).await.unwrap();
    let saved = sandbox::read(&tdb.db).await.unwrap().unwrap();
    assert!(saved.sim_at >= sandbox::demo_start() + chrono::Duration::seconds(100));
    let Mode::Sandbox {
        clock: again,
        fresh,
        ..
    } = sandbox::prepare(&tdb.db, true, None).await.unwrap()
    else {
        panic!("not a sandbox")
    };
    assert!(!fresh);
    assert_eq!(again.scale(), 1440);
    assert!(again.now() >= saved.sim_at);
    tdb.drop_db().await;
}
