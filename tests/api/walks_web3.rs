//! The enterprise opens a capital increase (企业增资) on its page, the tenderer's and the centre's
//! land and property pages are reached by links (not typed addresses), and headless-Chromium walks
//! of pages only script-less page tests reached before (issue 22): staff confirm a land bidder's
//! eligibility (竞买资格) and the bidder then quotes; a bidder raises a challenge with a file attached
//! and finds it on the case page; the administrator sets and removes a regional remedy period;
//! staff record a land deal's contract and its first payment, which the winner then reads.
//! Every walk signs in through the sign-in page and acts only through the pages.

use crate::auctions::{create_unconfirmed, listing, lot, lot_with};
use crate::award::at;
use crate::remedies::procurement_project;
use chrono::{Duration, Timelike};
use fantoccini::Locator;
use ggzy_api_tests::browser::{
    browser, choose, click_css_then, fill, no_horizontal_scroll, set_value, sign_in, sign_out,
    text_of, wait_for,
};
use ggzy_api_tests::pages::{hidden_value, Visitor};
use ggzy_api_tests::{TestApp, DEMO_PASSWORD};

/// The capital increase's disclosure ends at 24:00 of the 40th working day after Monday
/// 2026-03-02 (Tuesday 04-28), 32号令 第三十九条.
const END: &str = "2026-04-29T00:00";

/// `GET from`, check it links to `href`, and follow the link (200).
async fn follow(v: &mut Visitor, from: &str, href: &str) -> String {
    let p = v.get(from).await;
    assert_eq!(p.status, 200, "{from}: {}", p.body);
    assert!(
        p.body.contains(&format!("href=\"{href}\"")),
        "{from} links to {href}: {}",
        p.body
    );
    let p = v.get(href).await;
    assert_eq!(p.status, 200, "{href}: {}", p.body);
    p.body
}

/// The announcement's instant as the form proposes the disclosure start: its first whole Beijing
/// minute.
fn start_value(t: chrono::DateTime<chrono::Utc>) -> String {
    let b = t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    let whole = b.with_second(0).unwrap().with_nanosecond(0).unwrap();
    let m = if whole < b {
        whole + Duration::minutes(1)
    } else {
        whole
    };
    m.format("%Y-%m-%dT%H:%M").to_string()
}

/// Page test (no script): the tenderer reaches its listings and its capital increases from its
/// home; the opening form refuses a bad form naming each field with the API's rule id and creates
/// nothing, another enterprise gets 404 for the section, then a valid form opens the increase
/// (one `auctions.capital_increase.opened`) and the section is no longer offered. Staff and the
/// supervisor reach it by links from their homes; the bidder from its navigation.
#[tokio::test]
async fn the_enterprise_opens_a_capital_increase_on_its_page_reached_by_links() {
    let app = TestApp::spawn().await;
    let land = lot(&app, "land", 0).await;
    let listing_id = create_unconfirmed(
        &app,
        listing(&land.sid, land.announced_at + Duration::days(21), 10, None),
    )
    .await;
    let cap = lot_with(
        &app,
        "property",
        "capital_increase",
        "2026-04-29T00:00:00+08:00",
        0,
    )
    .await;

    let mut ent = Visitor::new(&app);
    ent.sign_in("tenderer").await;
    // Home → its listings → the transferor's page of the listing, which links back.
    let body = follow(&mut ent, "/tenderer", "/tenderer/auctions").await;
    assert!(body.contains("id=\"own-listings\""), "{body}");
    let one = format!("/tenderer/auctions/{listing_id}");
    let body = follow(&mut ent, "/tenderer/auctions", &one).await;
    assert!(body.contains("href=\"/tenderer/auctions\""), "{body}");
    // Home → capital increases → the opening form, proposing the one section and its start.
    follow(&mut ent, "/tenderer", "/tenderer/capital-increases").await;
    let form = follow(
        &mut ent,
        "/tenderer/capital-increases",
        "/tenderer/capital-increases/new",
    )
    .await;
    assert!(
        form.contains(&format!("<option value=\"{}\" selected>", cap.sid)),
        "{form}"
    );
    let start = start_value(cap.announced_at);
    assert!(form.contains(&format!("value=\"{start}\"")), "{form}");
    let csrf = hidden_value(&form, "csrf").unwrap();
    let post = "/tenderer/capital-increases/new";
    let fields = |end: &str, amount: &str, method: &str, name1: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("section_id", cap.sid.clone()),
            ("disclosure_start", start.clone()),
            ("disclosure_end", end.to_string()),
            ("amount_sought", amount.to_string()),
            ("method", method.to_string()),
            ("criteria[0].name", "投资金额".to_string()),
            ("criteria[0].weight", "60".to_string()),
            ("criteria[1].name", name1.to_string()),
            ("criteria[1].weight", "40".to_string()),
            ("criteria[2].name", String::new()),
            ("criteria[2].weight", String::new()),
        ]
    };
    let pairs = |v: &[(&'static str, String)]| -> Vec<(&'static str, String)> { v.to_vec() };
    // One minute short of the 40 working days, an amount with three decimals, no method and a
    // criterion without a name: each named next to its field with the API's rule, nothing made.
    let bad = pairs(&fields("2026-04-28T23:59", "1.234", "", ""));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = ent.post_form(post, &bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for (field, rule) in [
        ("disclosure_end", "capital.disclosure_period"),
        ("amount_sought", "money.max_two_decimals"),
        ("method", "capital.method"),
        ("criteria-1-name", "capital.criteria_name"),
    ] {
        let at = r
            .body
            .find(&format!("id=\"f-{field}-error\""))
            .unwrap_or_else(|| panic!("{field} named: {}", r.body));
        let near: String = r.body[at..].chars().take(300).collect();
        assert!(near.contains(rule), "{field}: {near}");
        assert!(
            r.body.contains(&format!("href=\"#f-{field}\"")),
            "the summary links to {field}"
        );
    }
    assert!(r.body.contains("value=\"1.234\""), "kept: {}", r.body);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM capital_increases")
            .await,
        0
    );
    // Another enterprise cannot open this section (404, as in the API), nothing made.
    let good = pairs(&fields(
        END,
        "50000000.00",
        "comprehensive_evaluation",
        "产业协同",
    ));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut other = Visitor::new(&app);
    other.sign_in("tenderer2").await;
    let csrf2 = other.csrf("/tenderer/capital-increases/new").await;
    let forged: Vec<(&str, &str)> = good
        .iter()
        .map(|(k, v)| (*k, if *k == "csrf" { csrf2.as_str() } else { *v }))
        .collect();
    assert_eq!(other.post_form(post, &forged).await.status, 404);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM capital_increases")
            .await,
        0
    );
    // Without the form's token, or as a bidder: refused, nothing made.
    let no_token: Vec<(&str, &str)> = good.iter().filter(|(k, _)| *k != "csrf").copied().collect();
    assert_eq!(ent.post_form(post, &no_token).await.status, 403);
    let mut bidder = Visitor::new(&app);
    bidder.sign_in("bidder1").await;
    assert_eq!(bidder.get(post).await.status, 403);
    assert_eq!(bidder.get("/tenderer/auctions").await.status, 403);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM capital_increases")
            .await,
        0
    );
    // The valid form, exactly the last allowed end: opened.
    let r = ent.post_form(post, &good).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = r.location().to_string();
    assert!(page.starts_with("/tenderer/capital-increases/"), "{page}");
    let p = ent.get(&page).await;
    assert!(
        p.body.contains("信息披露中") && p.body.contains("产业协同"),
        "{}",
        p.body
    );
    let ev = app.events_of("auctions.capital_increase.opened").await;
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0]["section_id"], cap.sid.as_str(), "{ev:?}");
    assert_eq!(ev[0]["amount_sought"], "50000000.00", "{ev:?}");
    let list = ent.get("/tenderer/capital-increases").await;
    assert!(
        list.body.contains(&format!("href=\"{page}\"")),
        "{}",
        list.body
    );
    let form = ent.get("/tenderer/capital-increases/new").await;
    assert!(!form.body.contains(&cap.sid), "no longer offered");
    let id = page.rsplit('/').next().unwrap();

    // Staff: home → listings → capital increases → this one; the supervisor from its home.
    let one = format!("/staff/capital-increases/{id}");
    let mut staff = Visitor::new(&app);
    staff.sign_in("staff").await;
    follow(&mut staff, "/staff", "/staff/auctions").await;
    follow(&mut staff, "/staff/auctions", "/staff/capital-increases").await;
    follow(&mut staff, "/staff/capital-increases", &one).await;
    let mut sup = Visitor::new(&app);
    sup.sign_in("supervisor").await;
    follow(&mut sup, "/supervisor", "/staff/capital-increases").await;
    follow(&mut sup, "/staff/capital-increases", &one).await;
    // The bidder: navigation → land and property → capital increases, listing this one.
    follow(&mut bidder, "/bidder", "/bidder/auctions").await;
    let body = follow(&mut bidder, "/bidder/auctions", "/bidder/capital-increases").await;
    assert!(body.contains(&format!("id=\"ci-{id}\"")), "{body}");
    app.stop().await;
}

/// The enterprise opens a capital increase at 375 px from its home: weights that do not sum to
/// 100 are refused next to the criteria with the rule, then corrected and opened.
#[tokio::test]
async fn the_enterprise_opens_a_capital_increase_in_the_browser_at_375_px() {
    let Some(b) = browser("capital open walk", 375, 812).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let cap = lot_with(
        &app,
        "property",
        "capital_increase",
        "2026-04-29T00:00:00+08:00",
        0,
    )
    .await;
    let c = b.client.clone();
    sign_in(&c, &app.url("/tenderer"), "tenderer", DEMO_PASSWORD).await;
    wait_for(&c, "#to-capital-increases").await;
    click_css_then(&c, "#to-capital-increases", "#open-capital-increase").await;
    click_css_then(&c, "#open-capital-increase", "#capital-new-form").await;
    no_horizontal_scroll(&c, "opening form").await;
    choose(&c, "f-section_id", &cap.sid).await;
    set_value(&c, "f-disclosure_start", &start_value(cap.announced_at)).await;
    set_value(&c, "f-disclosure_end", END).await;
    fill(&c, "f-amount_sought", "50000000.00").await;
    choose(&c, "f-method", "competitive_negotiation").await;
    fill(&c, "f-criteria-0-name", "投资金额").await;
    fill(&c, "f-criteria-0-weight", "60").await;
    fill(&c, "f-criteria-1-name", "产业协同").await;
    fill(&c, "f-criteria-1-weight", "30").await;
    let submit = "#capital-new-form button[type=submit]";
    click_css_then(&c, submit, "#f-criteria-error").await;
    assert!(text_of(&c, "#f-criteria-error")
        .await
        .contains("capital.criteria_weight_sum"));
    assert!(c
        .find(Locator::Css(".error-summary a[href='#f-criteria']"))
        .await
        .is_ok());
    no_horizontal_scroll(&c, "refused opening form").await;
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM capital_increases")
            .await,
        0
    );
    fill(&c, "f-criteria-1-weight", "40").await;
    click_css_then(&c, submit, "#phase").await;
    assert!(text_of(&c, "#phase").await.contains("信息披露中"));
    assert!(text_of(&c, "#criteria").await.contains("产业协同"));
    no_horizontal_scroll(&c, "the opened capital increase").await;
    assert_eq!(
        app.events_of("auctions.capital_increase.opened")
            .await
            .len(),
        1
    );
    c.close().await.expect("close");
    drop(b);
    app.stop().await;
}

/// Staff confirm a land bidder's eligibility (竞买资格, 39号令 第二十条) on the listing's page,
/// reached from the staff home; the bidder, refused before, then quotes on its page.
#[tokio::test]
async fn staff_confirm_a_land_bidders_eligibility_and_the_bidder_then_quotes_in_the_browser() {
    let Some(b) = browser("eligibility walk", 375, 812).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let land = lot(&app, "land", 1).await;
    let start = land.announced_at + Duration::days(21);
    let id = create_unconfirmed(&app, listing(&land.sid, start, 10, None)).await;
    app.clock().set(start);
    let c = b.client.clone();

    // Before the confirmation the page says so and the bidder's quote is refused with the rule.
    let page = format!("/bidder/auctions/{id}");
    sign_in(&c, &app.url(&page), "bidder1", DEMO_PASSWORD).await;
    wait_for(&c, "#quote-form").await;
    assert!(text_of(&c, "#a-eligibility")
        .await
        .contains("auctions.eligibility_not_confirmed"));
    click_css_then(&c, "#quote-form button[type=submit]", ".error-summary").await;
    assert!(text_of(&c, "main")
        .await
        .contains("auctions.eligibility_not_confirmed"));
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM auction_bids WHERE auction_id = '{id}'"
        ))
        .await,
        0
    );

    // Staff: home → listings → the listing → confirm 001.
    sign_out(&c).await;
    sign_in(&c, &app.url("/staff"), "staff", DEMO_PASSWORD).await;
    wait_for(&c, "a[href='/staff/auctions']").await;
    click_css_then(
        &c,
        "a[href='/staff/auctions']",
        &format!("a[href='/staff/auctions/{id}']"),
    )
    .await;
    click_css_then(
        &c,
        &format!("a[href='/staff/auctions/{id}']"),
        "#eligibility",
    )
    .await;
    no_horizontal_scroll(&c, "staff listing page").await;
    click_css_then(&c, "#confirm-001", "#eligibility").await;
    let mut confirmed = false;
    for () in ggzy_api_tests::patience() {
        if c.find(Locator::Id("confirm-001")).await.is_err() {
            confirmed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(confirmed, "001 confirmed: the button is gone");
    assert!(text_of(&c, "#eligibility").await.contains("已确认"));

    // The bidder, no longer told to wait, quotes the prefilled lowest acceptable price.
    sign_out(&c).await;
    sign_in(&c, &app.url(&page), "bidder1", DEMO_PASSWORD).await;
    wait_for(&c, "#quote-form").await;
    assert!(c.find(Locator::Id("a-eligibility")).await.is_err());
    click_css_then(&c, "#quote-form button[type=submit]", "#a-mine").await;
    let mut quoted = 0;
    for () in ggzy_api_tests::patience() {
        quoted = app
            .scalar_i64(&format!(
                "SELECT COUNT(*) FROM auction_bids WHERE auction_id = '{id}'"
            ))
            .await;
        if quoted == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(quoted, 1);
    let mut mine = String::new();
    for () in ggzy_api_tests::patience() {
        if let Ok(e) = c.find(Locator::Id("a-mine")).await {
            mine = e.text().await.unwrap_or_default();
        }
        if mine.contains("1,000,000.00") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(mine.contains("1,000,000.00"), "{mine}");
    c.close().await.expect("close");
    drop(b);
    app.stop().await;
}

/// A supplier raises a challenge (质疑) with a PDF attached on the raise form (multipart, no
/// script) and finds the file with its SHA-256 on its case page.
#[tokio::test]
async fn a_challenge_is_raised_with_a_file_attached_in_the_browser() {
    let Some(b) = browser("remedy attachment walk", 375, 812).await else {
        return;
    };
    let app = TestApp::spawn_at(at("2026-09-14T09:00:00+08:00")).await;
    let reg = app.register_project(procurement_project()).await;
    app.open_bidding(&reg.staff, &reg.section_id).await;
    let sid = reg.section_id.clone();
    app.drain_consumer("projects.organizations").await;
    app.clock().set(at("2026-09-28T10:00:00+08:00"));
    let tok = app.login("bidder1").await;
    app.register_for(&tok, &sid).await;
    app.drain_consumer("remedies.projection").await;
    app.clock().set(at("2026-10-12T10:00:00+08:00"));
    let pdf = b"%PDF-1.4\n% ggzy walk evidence\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let dir = std::env::temp_dir().join(format!("ggzy-walk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("参数对比.pdf");
    std::fs::write(&file, pdf).expect("write the file");
    let c = b.client.clone();

    sign_in(&c, &app.url("/bidder/remedies"), "bidder1", DEMO_PASSWORD).await;
    let new_url = format!("/bidder/sections/{sid}/remedies/new");
    wait_for(&c, &format!("a[href='{new_url}']")).await;
    click_css_then(&c, &format!("a[href='{new_url}']"), "#f-file").await;
    no_horizontal_scroll(&c, "raise form").await;
    choose(&c, "f-kind", "challenge").await;
    choose(&c, "f-target", "documents").await;
    fill(&c, "f-grounds", "技术参数指向特定品牌，见附件对比").await;
    c.find(Locator::Id("f-file"))
        .await
        .expect("file field")
        .send_keys(file.to_str().unwrap())
        .await
        .expect("choose the file");
    click_css_then(
        &c,
        "form[action$='/remedies/new'] button[value=raise]",
        "#case-attachments",
    )
    .await;
    let listed = text_of(&c, "#case-attachments").await;
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(pdf))
    };
    assert!(listed.contains("参数对比.pdf"), "{listed}");
    assert!(listed.contains(&sha), "{listed}");
    no_horizontal_scroll(&c, "case page").await;
    let stored = app
        .scalar_i64("SELECT COUNT(*) FROM remedy_attachments WHERE case_id IS NOT NULL")
        .await;
    assert_eq!(stored, 1);
    std::fs::remove_dir_all(&dir).ok();
    c.close().await.expect("close");
    drop(b);
    app.stop().await;
}

/// The administrator sets a regional remedy period (stricter than the law) on `/admin/remedy-rules`
/// after a laxer one is refused next to the field, then removes it with a reason.
#[tokio::test]
async fn the_admin_sets_and_removes_a_regional_remedy_period_in_the_browser() {
    let Some(b) = browser("remedy rules walk", 375, 812).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let c = b.client.clone();
    sign_in(&c, &app.url("/admin"), "admin", DEMO_PASSWORD).await;
    wait_for(&c, "a[href='/admin/remedy-rules']").await;
    click_css_then(&c, "a[href='/admin/remedy-rules']", "#remedy-rules").await;
    no_horizontal_scroll(&c, "remedy rules").await;
    // The first value a region may only lower (a time limit to answer, accept or decide).
    let row = c
        .execute(
            "for (const r of document.querySelectorAll('#remedy-rules tbody tr')) {
               const t = r.cells[1].innerText;
               if (t.includes('不超过')) return [r.dataset.rule, parseInt(r.cells[2].innerText, 10)];
             }
             return null;",
            vec![],
        )
        .await
        .expect("script");
    let key = row[0].as_str().expect("an at-most value").to_string();
    let national = row[1].as_i64().expect("its national value");
    assert!(national > 1, "{row}");
    choose(&c, "f-key", &key).await;
    fill(&c, "f-value", &(national + 1).to_string()).await;
    fill(&c, "f-citation", "某省公共资源交易监督管理办法 第十条").await;
    let save = "form[action='/admin/remedy-rules'] button[type=submit]";
    click_css_then(&c, save, "#f-value-error").await;
    assert!(text_of(&c, "#f-value-error")
        .await
        .contains("rules.override_above_legal_maximum"));
    let overrides = "SELECT COUNT(*) FROM remedy_rule_overrides";
    assert_eq!(app.scalar_i64(overrides).await, 0);
    fill(&c, "f-value", &(national - 1).to_string()).await;
    let cell = format!("#remedy-rules tr[data-rule='{key}'] td.effective");
    click_css_then(&c, save, "#remedy-rules").await;
    let mut effective = String::new();
    for () in ggzy_api_tests::patience() {
        if let Ok(e) = c.find(Locator::Css(&cell)).await {
            effective = e.text().await.unwrap_or_default();
        }
        if effective.trim() == (national - 1).to_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(effective.trim(), (national - 1).to_string());
    assert_eq!(app.scalar_i64(overrides).await, 1);
    // Back to the national value, with the reason.
    let remove = format!("#remedy-rules tr[data-rule='{key}'] form");
    let reason = c
        .find(Locator::Css(&format!("{remove} input[name=reason]")))
        .await
        .expect("reason field");
    reason.send_keys("地方文件废止").await.expect("reason");
    click_css_then(
        &c,
        &format!("{remove} button[type=submit]"),
        "#remedy-rules",
    )
    .await;
    for () in ggzy_api_tests::patience() {
        if app.scalar_i64(overrides).await == 0 && c.find(Locator::Css(&remove)).await.is_err() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.scalar_i64(overrides).await, 0);
    assert_eq!(
        text_of(&c, &cell).await.trim(),
        national.to_string(),
        "the national value is in effect again"
    );
    c.close().await.expect("close");
    drop(b);
    app.stop().await;
}

/// Staff record a land deal's contract (出让合同, 国土资发〔2010〕34号) at 375 px on the listing's
/// page reached from the staff home: a signing dated tomorrow is refused next to the date with the
/// rule and changes nothing, today's is recorded, then half the price is paid; the winner reads
/// the step on its own auction page, without the forms.
#[tokio::test]
async fn staff_record_a_land_contract_and_its_first_payment_in_the_browser() {
    let Some(b) = browser("land contract walk", 375, 812).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let land = lot(&app, "land", 1).await;
    let start = land.announced_at + Duration::days(21);
    let id = crate::auctions::create(&app, listing(&land.sid, start, 10, None)).await;
    app.clock().set(start);
    let (s, v) = crate::auctions::bid(&app, "bidder1", &id, "1000000.00").await;
    assert_eq!(s, 201, "{v}");
    app.clock().set(start + Duration::days(10));
    crate::auctions::wait_phase(&app, &id, "deal").await;
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = app.clock().now().with_timezone(&beijing).date_naive();
    let tomorrow = (today + Duration::days(1)).to_string();
    let today = today.to_string();
    let c = b.client.clone();

    sign_in(&c, &app.url("/staff"), "staff", DEMO_PASSWORD).await;
    wait_for(&c, "a[href='/staff/auctions']").await;
    click_css_then(
        &c,
        "a[href='/staff/auctions']",
        &format!("a[href='/staff/auctions/{id}']"),
    )
    .await;
    // The contract step is opened by the deal's consumer: reload until the page shows it.
    let page = app.url(&format!("/staff/auctions/{id}"));
    let mut shown = false;
    for () in ggzy_api_tests::patience() {
        c.goto(&page).await.expect("open the listing");
        if c.find(Locator::Css("#contract-sign")).await.is_ok() {
            shown = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(shown, "the contract step on the staff page");
    no_horizontal_scroll(&c, "staff listing page with the contract").await;
    fill(&c, "f-contract_no", "大连-2026-出让-007").await;
    set_value(&c, "f-signed_on", &tomorrow).await;
    click_css_then(&c, "#contract-sign", ".error-summary").await;
    assert!(text_of(&c, "main")
        .await
        .contains("auctions.land_contract_signed_on"));
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM land_contracts WHERE auction_id = '{id}' AND signed_on IS NOT NULL"
        ))
        .await,
        0
    );
    set_value(&c, "f-signed_on", &today).await;
    click_css_then(&c, "#contract-sign", "#contract-pay").await;
    assert!(text_of(&c, "#contract-no")
        .await
        .contains("大连-2026-出让-007"));
    fill(&c, "f-amount", "500000.00").await;
    set_value(&c, "f-paid_on", &today).await;
    c.find(Locator::Css("#contract-pay"))
        .await
        .expect("payment button")
        .click()
        .await
        .expect("click");
    let mut paid = String::new();
    for () in ggzy_api_tests::patience() {
        if let Ok(e) = c.find(Locator::Css("#contract-paid")).await {
            paid = e.text().await.unwrap_or_default();
        }
        if paid.contains("500,000.00") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(paid.contains("500,000.00"), "{paid}");
    assert!(text_of(&c, "#contract-remaining")
        .await
        .contains("500,000.00"));

    // The winner follows it on its auction page, read-only.
    sign_out(&c).await;
    sign_in(
        &c,
        &app.url(&format!("/bidder/auctions/{id}")),
        "bidder1",
        DEMO_PASSWORD,
    )
    .await;
    wait_for(&c, "#contract").await;
    assert!(text_of(&c, "#contract")
        .await
        .contains("大连-2026-出让-007"));
    assert!(c.find(Locator::Css("#contract-pay")).await.is_err());
    no_horizontal_scroll(&c, "winner's auction page").await;
    c.close().await.expect("close");
    drop(b);
    app.stop().await;
}
