//! Headless-Chromium walks of back-office pages no other browser test opened (issue 22): the
//! supervisor's and staff's pages of a two-step expert draw, the administrator's sanctions list,
//! and the provisional-date marks (暂定, a year without a holiday schedule) on the tenderer's,
//! the bidder's and the auction pages. Each walk signs in through the sign-in page, acts only
//! through the pages and asserts what the pages show and what the use case recorded.

use crate::award::{at, evaluating_section, submit_result, travel};
use crate::expert_draws::{pool, request, sha256_hex, SUPERVISOR_SECRET};
use fantoccini::{Client, Locator};
use ggzy_api_tests::browser::{
    browser, click_then, fill, no_horizontal_scroll, sign_in, sign_out, text_of, unique_ids,
};
use ggzy_api_tests::{TestApp, DEMO_PASSWORD};
use serde_json::json;

/// The text of `css` while the page may be navigating (a form was just submitted): an element
/// that is gone or stale reads as empty instead of failing the walk.
async fn text_while_loading(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[tokio::test]
async fn a_two_step_draw_is_committed_revealed_and_verified_on_the_supervisor_and_staff_pages() {
    let Some(b) = browser("draw pages", 375, 900).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    pool(&app, &staff, 8).await;
    let r = app
        .post_expect(
            &staff,
            "/api/v1/experts/draw-requests",
            request("S-WALK"),
            201,
        )
        .await;
    let id = r["id"].as_str().unwrap().to_string();
    let c = b.client.clone();

    // The supervisor finds the request in the list and commits on the page.
    sign_in(
        &c,
        &app.url("/supervisor/draws"),
        "supervisor",
        DEMO_PASSWORD,
    )
    .await;
    no_horizontal_scroll(&c, "/supervisor/draws").await;
    unique_ids(&c, "/supervisor/draws").await;
    click_then(
        &c,
        Locator::Css(&format!("a[href='/supervisor/draws/{id}']")),
        Locator::Id("centre-commitment"),
    )
    .await;
    assert_eq!(
        text_of(&c, "#centre-commitment").await,
        r["centre_commitment"].as_str().unwrap()
    );
    // A malformed commitment is refused next to the field with the rule.
    fill(&c, "f-commitment", "abc").await;
    click_then(
        &c,
        Locator::Css("form[action$='/commitment'] button[type=submit]"),
        Locator::Id("f-commitment-error"),
    )
    .await;
    assert!(text_of(&c, "#f-commitment-error")
        .await
        .contains("draw.commitment_format"));
    let commitment = sha256_hex(&SUPERVISOR_SECRET);
    fill(&c, "f-commitment", &commitment).await;
    click_then(
        &c,
        Locator::Css("form[action$='/commitment'] button[type=submit]"),
        Locator::Id("supervisor-commitment"),
    )
    .await;
    assert_eq!(text_of(&c, "#supervisor-commitment").await, commitment);
    assert!(c.find(Locator::Id("checkpoint-size")).await.is_ok());
    // The reveal: a wrong secret is refused with the rule, the right one runs the draw.
    fill(&c, "f-secret", &hex::encode([1u8; 32])).await;
    click_then(
        &c,
        Locator::Css("form[action$='/reveal'] button[type=submit]"),
        Locator::Id("f-secret-error"),
    )
    .await;
    assert!(text_of(&c, "#f-secret-error")
        .await
        .contains("draw.supervisor_reveal_mismatch"));
    fill(&c, "f-secret", &hex::encode(SUPERVISOR_SECRET)).await;
    c.find(Locator::Css("form[action$='/reveal'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut drawn = false;
    for () in ggzy_api_tests::patience() {
        if text_while_loading(&c, "#status").await.contains("已抽取")
            || c.find(Locator::Id("f-secret")).await.is_err()
        {
            drawn = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(drawn, "the draw ran: {}", text_of(&c, "main").await);

    // Staff see the steps, follow the link to the draw, reveal the seed and verify.
    sign_out(&c).await;
    sign_in(
        &c,
        &app.url(&format!("/staff/draw-requests/{id}")),
        "staff",
        DEMO_PASSWORD,
    )
    .await;
    no_horizontal_scroll(&c, "/staff/draw-requests").await;
    unique_ids(&c, "/staff/draw-requests").await;
    assert!(text_of(&c, "#supervisor-commitment").await == commitment);
    click_then(&c, Locator::Id("draw-link"), Locator::Id("request-link")).await;
    let members = text_of(&c, "main").await;
    assert!(members.contains("专家1"), "drawn members named: {members}");
    click_then(
        &c,
        Locator::Css("form[action$='/reveal'] button[type=submit]"),
        Locator::Id("verify-link"),
    )
    .await;
    let seed = text_of(&c, "#seed").await;
    assert_eq!(seed.len(), 64, "{seed}");
    click_then(&c, Locator::Id("verify-link"), Locator::Id("centre-secret")).await;
    let page = c.source().await.unwrap();
    assert!(page.contains("data-valid=\"true\""), "{page}");
    let text = text_of(&c, "main").await;
    assert!(text.contains(&hex::encode(SUPERVISOR_SECRET)), "{text}");
    assert!(!text.contains("专家1"), "no names on the public check");
    app.stop().await;
}

#[tokio::test]
async fn the_admin_records_and_ends_a_sanction_with_its_market_scope_in_the_browser() {
    let Some(b) = browser("sanctions page", 375, 900).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let c = b.client.clone();
    sign_in(&c, &app.url("/admin/sanctions"), "admin", DEMO_PASSWORD).await;
    no_horizontal_scroll(&c, "/admin/sanctions").await;
    unique_ids(&c, "/admin/sanctions").await;
    assert!(text_of(&c, "main").await.contains("名单为空"));
    let form = "form[action='/admin/sanctions'][method=post]";
    fill(&c, "f-uscc", "91110000802100433B").await;
    fill(&c, "f-reason", "串通投标").await;
    fill(&c, "f-source_document", "大公管罚〔2026〕9号").await;
    for (id, v) in [("f-from", "2026-03-01"), ("f-to", "2026-02-01")] {
        c.execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![json!(id), json!(v)],
        )
        .await
        .unwrap();
    }
    c.find(Locator::Id("market-procurement"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The last day before the first: refused next to the field, the market choice kept.
    click_then(
        &c,
        Locator::Css(&format!("{form} button[type=submit]")),
        Locator::Id("f-to-error"),
    )
    .await;
    assert!(text_of(&c, "#f-to-error")
        .await
        .contains("sanction.period_order"));
    assert!(
        c.find(Locator::Id("f-uscc-error")).await.is_err(),
        "the USCC went into the form's field: {}",
        text_of(&c, "main").await
    );
    assert!(c
        .find(Locator::Css("#market-procurement:checked"))
        .await
        .is_ok());
    c.execute(
        "document.getElementById('f-to').value = '2026-06-30';",
        vec![],
    )
    .await
    .unwrap();
    c.find(Locator::Css(&format!("{form} button[type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    if c.wait()
        .at_most(ggzy_api_tests::PATIENCE)
        .for_element(Locator::Css("#sanctions a[href$='/end']"))
        .await
        .is_err()
    {
        panic!("recorded: {}", text_of(&c, "main").await);
    }
    let list = text_of(&c, "#sanctions").await;
    assert!(list.contains("2026-03-01 – 2026-06-30"), "{list}");
    assert!(list.contains("政府采购"), "the scope: {list}");
    assert!(list.contains("大公管罚〔2026〕9号"), "{list}");
    // Ended early on its own page.
    click_then(
        &c,
        Locator::Css("#sanctions a[href$='/end']"),
        Locator::Id("f-last_day"),
    )
    .await;
    c.execute(
        "document.getElementById('f-last_day').value = '2026-03-05';",
        vec![],
    )
    .await
    .unwrap();
    fill(&c, "f-reason", "复议撤销").await;
    click_then(
        &c,
        Locator::Css("main form[method=post] button[type=submit]"),
        Locator::Id("sanctions"),
    )
    .await;
    assert!(text_of(&c, "#sanctions")
        .await
        .contains("2026-03-05：复议撤销"));
    let admin = app.login("admin").await;
    let (_, v) = app.get(Some(&admin), "/api/v1/sanctions").await;
    assert_eq!(v[0]["markets"], json!(["procurement"]), "{v}");
    app.stop().await;
}

#[tokio::test]
async fn provisional_publicity_dates_are_marked_on_the_tenderer_and_bidder_pages_in_the_browser() {
    let Some(b) = browser("provisional marks", 375, 900).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let mut t = evaluating_section(&app, "construction").await;
    let sid = t.section_id.clone();
    // Monday 2026-12-28, no 2027 schedule: the publicity ends in 2027, counted with weekends only.
    travel(&app, &mut t, at("2026-12-28T10:00:00+08:00")).await;
    let (s, v) = submit_result(&app, &t, 4).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["publicity_ends_at_provisional"], true, "{v}");
    // (The answer due of a result objection is the remedies case's since rem20e, shown on the
    // remedies case page; award_calendar.rs checks its provisional mark.)
    app.wait_consumer("publishing.lifecycle").await;

    let c = b.client.clone();
    sign_in(
        &c,
        &app.url(&format!(
            "/tenderer/projects/{}/sections/{sid}",
            t.project_id
        )),
        "tenderer",
        DEMO_PASSWORD,
    )
    .await;
    no_horizontal_scroll(&c, "tenderer section").await;
    unique_ids(&c, "tenderer section").await;
    let marks = c.find_all(Locator::Css("main .provisional")).await.unwrap();
    assert_eq!(marks.len(), 1, "the publicity end");
    for m in &marks {
        assert_eq!(m.text().await.unwrap(), "（暂定）");
        let title = m.attr("title").await.unwrap().unwrap_or_default();
        assert!(title.contains("节假日安排尚未导入"), "{title}");
    }
    let text = text_of(&c, "main").await;
    assert!(
        text.contains("2027-01-02 00:00"),
        "the end in Beijing time: {text}"
    );

    sign_out(&c).await;
    sign_in(
        &c,
        &app.url(&format!("/bidder/sections/{sid}/result")),
        t.bidders[2].name,
        DEMO_PASSWORD,
    )
    .await;
    no_horizontal_scroll(&c, "bidder result").await;
    unique_ids(&c, "bidder result").await;
    let marks = c.find_all(Locator::Css("main .provisional")).await.unwrap();
    assert!(!marks.is_empty(), "{}", text_of(&c, "main").await);
    assert!(marks[0].text().await.unwrap().contains("暂定"));
    // In English the mark says so too.
    click_then(
        &c,
        Locator::Css("header a.lang"),
        Locator::Css("html[lang=en] main .provisional"),
    )
    .await;
    assert!(text_of(&c, "main .provisional")
        .await
        .contains("provisional"));
    app.stop().await;
}

#[tokio::test]
async fn a_provisional_listing_period_is_marked_on_the_staff_and_bidder_auction_pages_in_the_browser(
) {
    let Some(b) = browser("auction provisional", 375, 900).await else {
        return;
    };
    let app = TestApp::spawn().await;
    app.clock().set(at("2026-12-01T09:00:00+08:00"));
    let deadline = "2027-01-07T17:00:00+08:00";
    let project = json!({"name": "跨年挂牌", "market": "land", "procedure": "listing",
        "tenderer_uscc": "91110000802100433B", "tenderer_name": "大连市自然资源局",
        "sections": [{"name": "甘井子区 2026-12 号地块", "estimated_price": "10000000.00",
                      "deposit": "200000.00", "docs_issue_at": "2026-12-01T09:00:00+08:00",
                      "docs_sale_end_at": "2026-12-01T09:00:00+08:00",
                      "bid_deadline": deadline, "opening_at": deadline}]});
    let ann = json!({"market": "land", "type": "land_transfer", "title": "国有建设用地使用权挂牌出让公告",
        "body": "挂牌出让", "fields": {"transferor": "大连市自然资源局", "parcel": "甘井子区 2026-12 号地块",
        "bidder_qualification": "境内外法人", "documents_access": "平台下载", "trading_method": "挂牌",
        "start_price": "1000000.00", "deposit": "200000.00",
        "docs_available_at": "2026-12-01T09:00:00+08:00",
        "trading_start_at": "2026-12-28T09:00:00+08:00"}});
    let (reg, _) = app.announced_listing(project, ann).await;
    app.wait_consumer("auctions.projection").await;
    let staff = app.login("staff").await;
    let v = app
        .post_expect(
            &staff,
            "/api/v1/auctions",
            json!({"section_id": reg.section_id, "listing_start": "2026-12-28T09:00:00+08:00",
                   "listing_end": "2027-01-07T09:00:00+08:00",
                   "starting_price": "1000000.00", "increment": "10000.00",
                   "free_bid_minutes": 10, "extension_minutes": 5,
                   "appraisal_value": "1000000.00"}),
            201,
        )
        .await;
    assert_eq!(v["periods_provisional"], true, "{v}");
    let id = v["id"].as_str().unwrap().to_string();

    let c = b.client.clone();
    sign_in(&c, &app.url("/staff/auctions"), "staff", DEMO_PASSWORD).await;
    click_then(
        &c,
        Locator::Css(&format!("a[href='/staff/auctions/{id}']")),
        Locator::Id("period-provisional"),
    )
    .await;
    no_horizontal_scroll(&c, "staff auction").await;
    unique_ids(&c, "staff auction").await;
    let mark = text_of(&c, "#period-provisional").await;
    assert!(mark.contains("暂定"), "{mark}");

    sign_out(&c).await;
    sign_in(&c, &app.url("/bidder/auctions"), "bidder1", DEMO_PASSWORD).await;
    click_then(
        &c,
        Locator::Css(&format!("a[href='/bidder/auctions/{id}']")),
        Locator::Id("period-provisional"),
    )
    .await;
    no_horizontal_scroll(&c, "bidder auction").await;
    unique_ids(&c, "bidder auction").await;
    let mark = text_of(&c, "#period-provisional").await;
    assert!(mark.contains("暂定"), "{mark}");
    app.stop().await;
}
