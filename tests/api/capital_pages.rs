//! The capital increase (企业增资) in the browser (crates/auctions/src/capital_pages.rs): the
//! investors' page, the enterprise's page (增资企业, the demo `tenderer` that registered the
//! project) and the centre's, from the disclosure to the selection (遴选) and the agreement — each
//! page calling the API's use case. The lot comes through the real upstream APIs
//! ([`crate::auctions::lot_for`]): disclosure published Monday 2026-03-02, two investors registered
//! and paid; the disclosure ends at 24:00 of Tuesday 04-28 (40 working days).

use crate::auctions::{act, lot_for, ts};
use ggzy_api_tests::browser::{browser, click_then, fill, sign_in};
use ggzy_api_tests::pages::{hidden_value, Visitor};
use ggzy_api_tests::{TestApp, DEMO_PASSWORD};
use serde_json::json;

const END: &str = "2026-04-29T00:00:00+08:00";

/// A capital increase in its disclosure with two qualified investors; returns its id.
async fn disclosed(app: &TestApp) -> String {
    let lot = lot_for(app, "property", "capital_increase", END, 2).await;
    let (s, v) = act(
        app,
        "staff",
        "/api/v1/capital-increases",
        json!({"section_id": lot.sid, "disclosure_start": lot.announced_at.to_rfc3339(),
               "disclosure_end": END, "amount_sought": "50000000.00",
               "method": "comprehensive_evaluation",
               "criteria": [{"name": "投资金额", "weight": 60}, {"name": "产业协同", "weight": 40}]}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

/// Pages without script: the investor sees its own state; the enterprise sees the disclosure but
/// not the investors while it runs, then scores them; a refused score is shown next to its field
/// with the rule id and changes nothing; the recorded selection ranks by total, not by amount;
/// each investor sees its own outcome; staff record the agreement (a malformed date named by its
/// field first). Another enterprise gets 404.
#[tokio::test]
async fn a_capital_increase_goes_from_disclosure_to_selection_and_agreement_through_the_pages() {
    let app = TestApp::spawn().await;
    let id = disclosed(&app).await;
    let page = format!("/tenderer/capital-increases/{id}");

    let mut b1 = Visitor::new(&app);
    b1.sign_in("bidder1").await;
    let p = b1.get("/bidder/capital-increases").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains(&format!("id=\"ci-{id}\"")), "{}", p.body);
    assert!(
        p.body.contains("已取得资格") && p.body.contains("尚未遴选"),
        "{}",
        p.body
    );
    assert!(p.body.contains("投资金额 60"), "{}", p.body);

    let mut ent = Visitor::new(&app);
    ent.sign_in("tenderer").await;
    let p = ent.get("/tenderer/capital-increases").await;
    assert!(p.body.contains(&page), "{}", p.body);
    let p = ent.get(&page).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("id=\"investors-confidential\""),
        "{}",
        p.body
    );
    assert!(!p.body.contains("selection-form"), "{}", p.body);
    let mut other = Visitor::new(&app);
    other.sign_in("tenderer2").await;
    assert_eq!(other.get(&page).await.status, 404);

    // After the disclosure: the investors and the scoring form.
    // (Page sessions last 12 hours: everyone signs in again after the clock's jump.)
    app.clock().set(ts(&json!("2026-04-29T09:00:00+08:00")));
    ent.sign_in("tenderer").await;
    b1.sign_in("bidder1").await;
    let p = ent.get(&page).await;
    assert!(p.body.contains("id=\"selection-form\""), "{}", p.body);
    let csrf = hidden_value(&p.body, "csrf").unwrap();
    let o0 = hidden_value(&p.body, "scores[0].org_id").expect("first investor");
    let o1 = hidden_value(&p.body, "scores[1].org_id").expect("second investor");
    let sel = format!("{page}/selection");
    let form = |p00: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("scores[0].org_id", o0.clone()),
            ("scores[0].amount", "30000000.00".to_string()),
            ("scores[0].p0", p00.to_string()),
            ("scores[0].p1", "10".to_string()),
            ("scores[1].org_id", o1.clone()),
            ("scores[1].amount", "20000000.00".to_string()),
            ("scores[1].p0", "40".to_string()),
            ("scores[1].p1", "38.5".to_string()),
            ("notes", "综合评议：按披露的择优指标逐项打分。".to_string()),
        ]
    };
    let bad = form("60.01");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = ent.post_form(&sel, &bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("id=\"f-scores-0-p0-error\"")
            && r.body.contains("capital.selection_points"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"60.01\""), "{}", r.body);
    assert!(app
        .events_of("auctions.capital_increase.selected")
        .await
        .is_empty());
    let good = form("50");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = ent.post_form(&sel, &good).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // 001: 50 + 10 = 60.00 with 30 m; 002: 40 + 38.5 = 78.50 with 20 m — the higher total wins.
    let p = ent.get(&page).await;
    assert!(p.body.contains("id=\"ranking\""), "{}", p.body);
    assert!(
        p.body.contains("78.50") && p.body.contains("60.00"),
        "{}",
        p.body
    );
    let ev = app.events_of("auctions.capital_increase.selected").await;
    assert_eq!(ev[0]["investor_org_id"], o1.as_str(), "{ev:?}");
    assert_eq!(ent.post_form(&sel, &good).await.status, 409);

    let mut b2 = Visitor::new(&app);
    b2.sign_in("bidder2").await;
    let mine = |body: &str| body.contains("贵单位被遴选为投资方");
    let (p1, p2) = (
        b1.get("/bidder/capital-increases").await,
        b2.get("/bidder/capital-increases").await,
    );
    let b1_org = app.org_of(&app.login("bidder1").await).await;
    let (winner, loser) = if b1_org == o1 { (p1, p2) } else { (p2, p1) };
    assert!(mine(&winner.body), "{}", winner.body);
    assert!(
        !mine(&loser.body) && loser.body.contains("未被遴选"),
        "{}",
        loser.body
    );

    // Staff record the agreement on the centre's page.
    let mut staff = Visitor::new(&app);
    staff.sign_in("staff").await;
    let spage = format!("/staff/capital-increases/{id}");
    let p = staff.get(&spage).await;
    assert!(p.body.contains("id=\"agreement-form\""), "{}", p.body);
    let csrf = hidden_value(&p.body, "csrf").unwrap();
    let agree = format!("{spage}/agreement");
    let r = staff
        .post_form(
            &agree,
            &[
                ("csrf", &csrf),
                ("agreement_no", "ZZ-2026-007"),
                ("signed_on", "2026-04-29"),
                ("publicity_end", "2026年5月10日"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("id=\"f-publicity_end-error\"") && r.body.contains("date.format"),
        "{}",
        r.body
    );
    let r = staff
        .post_form(
            &agree,
            &[
                ("csrf", &csrf),
                ("agreement_no", "ZZ-2026-007"),
                ("signed_on", "2026-04-29"),
                ("publicity_end", "2026-05-10T00:00"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p = ent.get(&page).await;
    assert!(
        p.body.contains("id=\"agreement-facts\"") && p.body.contains("ZZ-2026-007"),
        "{}",
        p.body
    );
    assert!(p.body.contains("已签订增资协议"), "{}", p.body);
    app.stop().await;
}

/// The enterprise records the selection in a 375 px wide Chromium: the form fits without
/// horizontal scrolling, a missing record of the evaluation is refused next to its field with the
/// rule id, then the selection is recorded and the ranking shown.
#[tokio::test]
async fn the_enterprise_records_the_selection_on_a_375_px_screen() {
    let Some(b) = browser("capital_pages", 375, 812).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let id = disclosed(&app).await;
    app.clock().set(ts(&json!("2026-04-29T09:00:00+08:00")));
    let c = b.client.clone();
    let url = app.url(&format!("/tenderer/capital-increases/{id}"));
    sign_in(&c, &url, "tenderer", DEMO_PASSWORD).await;
    c.wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(fantoccini::Locator::Id("selection-form"))
        .await
        .expect("the selection form");
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(wide, json!(false), "no horizontal scroll at 375 px");
    for (i, pts) in [("0", ["50", "10"]), ("1", ["40", "38.5"])] {
        fill(&c, &format!("f-scores-{i}-amount"), "20000000.00").await;
        fill(&c, &format!("f-scores-{i}-p0"), pts[0]).await;
        fill(&c, &format!("f-scores-{i}-p1"), pts[1]).await;
    }
    click_then(
        &c,
        fantoccini::Locator::Css("#selection-form button[type=submit]"),
        fantoccini::Locator::Id("f-notes-error"),
    )
    .await;
    let err = c
        .find(fantoccini::Locator::Id("f-notes-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(err.contains("capital.selection_notes"), "{err}");
    // The scores typed are kept; only the record is missing.
    fill(&c, "f-notes", "综合评议记录").await;
    click_then(
        &c,
        fantoccini::Locator::Css("#selection-form button[type=submit]"),
        fantoccini::Locator::Id("ranking"),
    )
    .await;
    let ranking = c
        .find(fantoccini::Locator::Id("ranking"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        ranking.contains("78.50") && ranking.contains("60.00"),
        "{ranking}"
    );
    assert_eq!(
        app.events_of("auctions.capital_increase.selected")
            .await
            .len(),
        1
    );
    app.stop().await;
}
