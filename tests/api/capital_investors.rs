//! A capital increase with several investors (企业增资, 32号令 第三十九条/第四十条, articles to
//! verify; crates/auctions/src/capital_increase.rs `choose`), and its failure through the pages
//! (crates/auctions/src/capital_pages.rs). The lots come through the real upstream APIs
//! ([`crate::auctions::lot_for`]): disclosure published Monday 2026-03-02, the investors
//! registered and paid their 200,000.00 deposits; the disclosure ends at 24:00 of Tuesday 04-28.

use crate::auctions::{act, lot_for, rules_of, ts};
use fantoccini::Locator;
use ggzy_api_tests::browser::{
    browser, click_css_then, fill, ids_and_labels, no_horizontal_scroll, sign_in, sign_out,
    summary_focuses, text_of, wait_for,
};
use ggzy_api_tests::pages::{hidden_value, Visitor};
use ggzy_api_tests::{TestApp, DEMO_PASSWORD};
use serde_json::{json, Value};

const END: &str = "2026-04-29T00:00:00+08:00";

async fn org_of(app: &TestApp, user: &str) -> String {
    app.org_of(&app.login(user).await).await
}

async fn count_until(app: &TestApp, sql: &str, want: i64) -> i64 {
    let mut n = -1;
    for () in ggzy_api_tests::patience() {
        app.seal().await;
        n = app.scalar_i64(sql).await;
        if n == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    n
}

fn opening(sid: &str, announced: &str, investors: Value, minimum: Value) -> Value {
    json!({"section_id": sid, "disclosure_start": announced, "disclosure_end": END,
           "amount_sought": "50000000.00", "method": "comprehensive_evaluation",
           "investors_sought": investors, "amount_minimum": minimum,
           "criteria": [{"name": "投资金额", "weight": 60}, {"name": "产业协同", "weight": 40}]})
}

/// Two investors sought for 50,000,000.00 among three qualified: the opening refuses 0 investors
/// (`capital.investors_sought`) and a minimum above the amount (`capital.amount_minimum`). After
/// the disclosure the ranking is bidder1 (90.00), bidder2 (80.00), bidder3 (70.00, offering the
/// most): with bidder2 offering 19,999,999.99 the two best fall one fen short — refused
/// (`capital.selection_amount`), nothing recorded; at 20,000,000.00 they reach it exactly — both
/// selected. The agreement is the deal naming both (`co_winners`, price the total): deposits
/// convert both deposits and refund only bidder3, publishing's result draft names both amounts.
#[tokio::test]
async fn a_capital_increase_with_two_investors_sought_selects_both_and_their_deposits_convert() {
    let app = TestApp::spawn().await;
    let lot = lot_for(&app, "property", "capital_increase", END, 3).await;
    let at = lot.announced_at.to_rfc3339();
    let (s, v) = act(
        &app,
        "staff",
        "/api/v1/capital-increases",
        opening(&lot.sid, &at, json!(0), Value::Null),
    )
    .await;
    assert_eq!(
        (s, rules_of(&v)),
        (422, vec!["capital.investors_sought".to_string()]),
        "{v}"
    );
    let (s, v) = act(
        &app,
        "staff",
        "/api/v1/capital-increases",
        opening(&lot.sid, &at, json!(2), json!("50000000.01")),
    )
    .await;
    assert_eq!(
        (s, rules_of(&v)),
        (422, vec!["capital.amount_minimum".to_string()]),
        "{v}"
    );
    let (s, ci) = act(
        &app,
        "tenderer",
        "/api/v1/capital-increases",
        opening(&lot.sid, &at, json!(2), Value::Null),
    )
    .await;
    assert_eq!(s, 201, "{ci}");
    assert_eq!(ci["investors_sought"], 2, "{ci}");
    assert!(ci["amount_minimum"].is_null(), "{ci}");
    let id = ci["id"].as_str().unwrap().to_string();
    let opened = app.events_of("auctions.capital_increase.opened").await;
    assert_eq!(opened[0]["investors_sought"], 2, "{opened:?}");

    let (b1, b2, b3) = (
        org_of(&app, "bidder1").await,
        org_of(&app, "bidder2").await,
        org_of(&app, "bidder3").await,
    );
    app.clock().set(ts(&json!("2026-04-29T09:00:00+08:00")));
    let select = format!("/api/v1/capital-increases/{id}/selection");
    let scores = |b2_amount: &str| {
        let pts = |a: &str, b: &str| json!({"投资金额": a, "产业协同": b});
        json!({"notes": "综合评议记录：拟征集两名投资方。",
               "scores": [{"org_id": b3, "amount": "40000000.00", "points": pts("40", "30")},
                          {"org_id": b1, "amount": "30000000.00", "points": pts("60", "30")},
                          {"org_id": b2, "amount": b2_amount, "points": pts("50", "30")}]})
    };
    let (s, v) = act(&app, "tenderer", &select, scores("19999999.99")).await;
    assert_eq!(
        (s, rules_of(&v)),
        (422, vec!["capital.selection_amount".to_string()]),
        "{v}"
    );
    assert_eq!(v["errors"][0]["field"], "scores", "{v}");
    assert!(app
        .events_of("auctions.capital_increase.selected")
        .await
        .is_empty());
    let (s, v) = act(&app, "tenderer", &select, scores("20000000.00")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["selection"]["investor_org_id"], b1.as_str(), "{v}");
    assert_eq!(v["selection"]["amount"], "50000000.00", "{v}");
    let chosen: Vec<(&str, &str)> = v["selection"]["investors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["org_id"].as_str().unwrap(), i["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(
        chosen,
        [(b1.as_str(), "30000000.00"), (b2.as_str(), "20000000.00")]
    );
    let sel = app.events_of("auctions.capital_increase.selected").await;
    assert_eq!(sel[0]["investors"].as_array().map(Vec::len), Some(2));

    let (s, v) = act(
        &app,
        "tenderer",
        &format!("/api/v1/capital-increases/{id}/agreement"),
        json!({"agreement_no": "ZZ-2026-002", "signed_on": "2026-04-29",
               "publicity_end": "2026-05-10T00:00:00+08:00"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["agreement"]["amount"], "50000000.00", "{v}");
    // Each investor sees its own outcome and its own part of the increase.
    for (user, outcome, amount) in [
        ("bidder2", "selected", json!("20000000.00")),
        ("bidder3", "not_selected", Value::Null),
    ] {
        let (s, mine) = app
            .get(
                Some(&app.login(user).await),
                "/api/v1/capital-increases/mine",
            )
            .await;
        assert_eq!(s, 200, "{mine}");
        let me = mine
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["capital_increase_id"] == id.as_str())
            .expect("the investor follows the capital increase");
        assert_eq!(
            (&me["outcome"], &me["agreed_amount"]),
            (&json!(outcome), &amount),
            "{user}: {me}"
        );
    }
    let mut deal = Value::Null;
    for () in ggzy_api_tests::patience() {
        app.seal().await;
        if let Some(e) = app
            .events_of("auctions.deal.confirmed")
            .await
            .into_iter()
            .find(|e| e["section_id"] == lot.sid.as_str())
        {
            deal = e;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    assert_eq!(deal["winner_org_id"], b1.as_str(), "{deal}");
    assert_eq!(deal["price"], "50000000.00", "{deal}");
    assert_eq!(deal["co_winners"][0]["org_id"], b2.as_str(), "{deal}");
    assert_eq!(deal["co_winners"][0]["amount"], "20000000.00", "{deal}");
    assert_eq!(deal["loser_org_ids"], json!([b3]), "{deal}");
    let deal_id = deal["deal_id"].as_str().unwrap().to_string();

    // Deposits: both investors' deposits converted, only bidder3 settled for refund.
    let converted = count_until(
        &app,
        &format!(
            "SELECT COUNT(*) FROM deposit_conversions WHERE deal_id = '{deal_id}' \
             AND org_id IN ('{b1}', '{b2}') AND amount_fen = 20000000"
        ),
        2,
    )
    .await;
    assert_eq!(converted, 2, "both selected investors' deposits convert");
    let refunded = count_until(
        &app,
        &format!(
            "SELECT COUNT(*) FROM deposit_settlements WHERE section_id = '{}' \
             AND event_type = 'auctions.deal.confirmed' AND org_id = '{b3}'",
            lot.sid
        ),
        1,
    )
    .await;
    assert_eq!(refunded, 1, "the third investor is refunded");
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM deposit_settlements WHERE section_id = '{}' \
             AND org_id IN ('{b1}', '{b2}')",
            lot.sid
        ))
        .await,
        0,
        "no selected investor is refunded"
    );
    let mut drafted = None;
    for () in ggzy_api_tests::patience() {
        let r: Option<(String, String)> =
            sqlx::query_as("SELECT fields, body_md FROM announcements WHERE source_event = $1")
                .bind(format!("deal:{deal_id}:deal"))
                .fetch_optional(app.ctx.db.pool())
                .await
                .unwrap();
        if r.is_some() {
            drafted = r;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (fields, body) = drafted.expect("publishing drafts the result");
    let fields: Value = serde_json::from_str(&fields).unwrap();
    assert_eq!(fields["co_winners"][0]["org_id"], b2.as_str(), "{fields}");
    assert!(
        body.contains("30,000,000.00")
            && body.contains("20,000,000.00")
            && body.contains("企业增资"),
        "{body}"
    );
    app.stop().await;
}

/// The failure through the pages (the enterprise's and the centre's page, the use case of `POST
/// /api/v1/capital-increases/{id}/failure`): during the disclosure no failure form; after it, with
/// nobody qualified, the form; a blank reason is refused with the error summary linking to the
/// field and the rule id next to it (nothing recorded); a reason is recorded → 303 → the page
/// shows the failure. A capital increase with a qualified investor shows no failure form, and a
/// forged post is refused in the summary (`capital.has_investor`).
#[tokio::test]
async fn the_failure_is_recorded_on_the_capital_increase_page() {
    let app = TestApp::spawn().await;
    let none = lot_for(&app, "property", "capital_increase", END, 0).await;
    let one = lot_for(&app, "property", "capital_increase", END, 1).await;
    let mut ids = Vec::new();
    for l in [&none, &one] {
        let (s, v) = act(
            &app,
            "staff",
            "/api/v1/capital-increases",
            opening(
                &l.sid,
                &l.announced_at.to_rfc3339(),
                Value::Null,
                Value::Null,
            ),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["investors_sought"], 1, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let page = format!("/tenderer/capital-increases/{}", ids[0]);
    let mut ent = Visitor::new(&app);
    ent.sign_in("tenderer").await;
    let p = ent.get(&page).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(!p.body.contains("id=\"failure-form\""), "{}", p.body);

    app.clock().set(ts(&json!("2026-04-29T09:00:00+08:00")));
    ent.sign_in("tenderer").await;
    let p = ent.get(&page).await;
    assert!(p.body.contains("id=\"failure-form\""), "{}", p.body);
    let csrf = hidden_value(&p.body, "csrf").unwrap();
    let r = ent
        .post_form(
            &format!("{page}/failure"),
            &[("csrf", csrf.as_str()), ("reason", "   ")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("data-error-summary")
            && r.body.contains("href=\"#f-reason\"")
            && r.body.contains("id=\"f-reason-error\"")
            && r.body.contains("capital.failure_reason"),
        "{}",
        r.body
    );
    assert!(app
        .events_of("auctions.capital_increase.failed")
        .await
        .is_empty());
    let reason = "信息披露期满未征集到意向投资方，本次增资终结。";
    let r = ent
        .post_form(
            &format!("{page}/failure"),
            &[("csrf", csrf.as_str()), ("reason", reason)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), format!("{page}#failure"));
    let p = ent.get(&page).await;
    assert!(
        p.body.contains("id=\"failure-facts\"") && p.body.contains(reason),
        "{}",
        p.body
    );
    assert!(!p.body.contains("id=\"failure-form\""), "{}", p.body);
    let failed = app.events_of("auctions.capital_increase.failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");

    // The centre's page of the one with a qualified investor: the selection, no failure form; a
    // forged failure post is refused in the summary with the rule id.
    let mut staff = Visitor::new(&app);
    staff.sign_in("staff").await;
    let other = format!("/staff/capital-increases/{}", ids[1]);
    let p = staff.get(&other).await;
    assert!(
        p.body.contains("id=\"selection-form\"") && !p.body.contains("id=\"failure-form\""),
        "{}",
        p.body
    );
    let csrf = hidden_value(&p.body, "csrf").unwrap();
    let r = staff
        .post_form(
            &format!("{other}/failure"),
            &[("csrf", csrf.as_str()), ("reason", reason)],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body.contains("data-error-summary") && r.body.contains("capital.has_investor"),
        "{}",
        r.body
    );
    app.stop().await;
}

/// The enterprise records the failure in a 375 px wide Chromium, by keyboard where GOV.UK's
/// pattern expects it: no failure form during the disclosure; after it, with nobody qualified, a
/// blank reason is refused — the error summary links to the field (Enter on the link focuses it)
/// and the rule id stands next to the field, nothing recorded — then the reason is recorded and
/// the page shows it in place of the form.
#[tokio::test]
async fn the_enterprise_records_the_failure_in_the_browser_at_375_px() {
    let Some(b) = browser("capital failure walk", 375, 812).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let none = lot_for(&app, "property", "capital_increase", END, 0).await;
    let (s, v) = act(
        &app,
        "staff",
        "/api/v1/capital-increases",
        opening(
            &none.sid,
            &none.announced_at.to_rfc3339(),
            Value::Null,
            Value::Null,
        ),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let c = b.client.clone();
    let url = app.url(&format!("/tenderer/capital-increases/{id}"));
    sign_in(&c, &url, "tenderer", DEMO_PASSWORD).await;
    wait_for(&c, "main h1").await;
    assert!(
        c.find(Locator::Id("failure-form")).await.is_err(),
        "no failure form during the disclosure"
    );

    // Two months on, the session has expired: sign in again.
    app.clock().set(ts(&json!("2026-04-29T09:00:00+08:00")));
    sign_out(&c).await;
    sign_in(&c, &url, "tenderer", DEMO_PASSWORD).await;
    wait_for(&c, "#failure-form").await;
    no_horizontal_scroll(&c, "the capital increase page with its failure form").await;
    ids_and_labels(&c, "the failure form", &["f-reason"]).await;
    click_css_then(&c, "#failure-form button[type=submit]", ".error-summary").await;
    assert!(
        text_of(&c, "#f-reason-error")
            .await
            .contains("capital.failure_reason"),
        "the rule id next to the field"
    );
    summary_focuses(&c, "f-reason").await;
    assert!(app
        .events_of("auctions.capital_increase.failed")
        .await
        .is_empty());

    let reason = "信息披露期满未征集到意向投资方";
    fill(&c, "f-reason", reason).await;
    click_css_then(&c, "#failure-form button[type=submit]", "#failure-facts").await;
    assert!(text_of(&c, "#failure-facts").await.contains(reason));
    assert!(c.find(Locator::Id("failure-form")).await.is_err());
    no_horizontal_scroll(&c, "the ended capital increase").await;
    assert_eq!(
        app.events_of("auctions.capital_increase.failed")
            .await
            .len(),
        1
    );
    app.stop().await;
}
