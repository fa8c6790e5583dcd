//! The tenderer's evaluation-method page (`/tenderer/sections/{id}/evaluation-method`, issue 22):
//! the method and price formula declared through the API's use case, each refusal next to its
//! field with the API's rule id, and — once the use case refuses any change (the first bid
//! arrived) — the method shown read-only with the reason. Page test (Visitor) and headless
//! Chromium at 375 px.

use crate::award::{events, open_by_staff, register_and_bid, registered_section};
use crate::evaluation::caught_up;
use fantoccini::Locator;
use ggzy_api_tests::browser::{click_then, fill, sign_in};
use ggzy_api_tests::pages::{hidden_value, Visitor};
use ggzy_api_tests::{TestApp, DEMO_PASSWORD};

/// A comprehensive method as the form sends it.
fn comprehensive<'a>(csrf: &'a str, technical: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("action", "declare"),
        ("method", "comprehensive"),
        ("criteria[0].code", "price"),
        ("criteria[0].name", "投标报价"),
        ("criteria[0].max_points", "30"),
        ("criteria[0].is_price", "1"),
        ("criteria[0].guidance", ""),
        ("criteria[1].code", "technical"),
        ("criteria[1].name", "技术标"),
        ("criteria[1].max_points", technical),
        ("criteria[1].is_price", "0"),
        ("criteria[1].guidance", "施工组织设计、进度、质量"),
        // An empty row in between is dropped; the next one becomes criteria[2].
        ("criteria[2].code", ""),
        ("criteria[2].is_price", "0"),
        ("criteria[3].code", "commercial"),
        ("criteria[3].name", "商务标"),
        ("criteria[3].max_points", "20"),
        ("criteria[3].is_price", "0"),
        ("criteria[3].guidance", "业绩、信誉、财务"),
        ("price_formula.kind", "deviation"),
        ("price_formula.base", "mean"),
        ("price_formula.base.k", "0.02"),
        ("price_formula.base.drop_extremes_from", "5"),
        ("price_formula.e_above", "1"),
        ("price_formula.e_below", "0.5"),
        ("drop_member_extremes_from", ""),
        ("outlier_share", "0.2"),
    ]
}

fn set<'a>(form: &mut [(&'a str, &'a str)], key: &str, value: &'a str) {
    form.iter_mut()
        .find(|(k, _)| *k == key)
        .unwrap_or_else(|| panic!("{key} in the form"))
        .1 = value;
}

async fn declared(app: &TestApp, sid: &str) -> usize {
    events(app, "evaluation.method.declared", sid).await.len()
}

#[tokio::test]
async fn the_tenderer_declares_the_method_on_the_page_and_sees_it_read_only_once_frozen() {
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "construction").await;
    let sid = t.section_id.clone();
    caught_up(&app).await;
    let path = format!("/tenderer/sections/{sid}/evaluation-method");

    // The section page links to it.
    let mut v = Visitor::new(&app);
    v.sign_in("tenderer").await;
    let sec = v
        .get(&format!(
            "/tenderer/projects/{}/sections/{sid}",
            t.project_id
        ))
        .await;
    assert_eq!(sec.status, 200, "{}", sec.body);
    assert!(sec
        .body
        .contains(&format!("{path}?project={}", t.project_id)));
    let page = v.get(&format!("{path}?project={}", t.project_id)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("尚未声明评标办法"), "{}", page.body);
    assert!(page.body.contains("<main"), "landmark");
    assert!(
        page.body.contains("for=\"f-criteria-0-max_points\""),
        "labels"
    );
    let mut ids: Vec<&str> = page
        .body
        .split(" id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "every id once");
    let csrf = hidden_value(&page.body, "csrf").unwrap();

    // Without the form's token nothing is declared.
    let mut form = comprehensive("", "50");
    let r = v.post_form(&path, &form).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("csrf.token_mismatch"));
    assert_eq!(declared(&app, &sid).await, 0);

    // A number that cannot be read: the API's rule for the same JSON (`type`), nothing declared.
    set(&mut form, "csrf", &csrf);
    set(&mut form, "criteria[1].max_points", "五十");
    let r = v.post_form(&path, &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let at = r
        .body
        .find("id=\"f-criteria-1-max_points-error\"")
        .expect("error next to the field");
    assert!(r.body[at..].contains("<code class=\"rule\">type</code>"));
    assert!(r.body.contains("value=\"五十\""), "the typed value kept");
    assert_eq!(declared(&app, &sid).await, 0);

    // The use case's own rules: 49.99 + 30 + 20 is not 100; missing guidance; negative E.
    set(&mut form, "criteria[1].max_points", "49.99");
    set(&mut form, "criteria[3].guidance", "");
    set(&mut form, "price_formula.e_below", "-0.5");
    let r = v.post_form(&path, &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for (id, rule) in [
        ("f-criteria-2-guidance", "criterion.guidance_required"),
        ("f-criteria", "criteria.sum_100"),
        ("f-price_formula-e_below", "price_formula.e_nonnegative"),
    ] {
        let at = r
            .body
            .find(&format!("id=\"{id}-error\""))
            .unwrap_or_else(|| panic!("{id}'s error: {}", r.body));
        assert!(
            r.body[at..].contains(&format!("<code class=\"rule\">{rule}</code>")),
            "{id}: {rule}"
        );
        assert!(
            r.body.contains(&format!("href=\"#{id}\"")),
            "the summary links to {id}"
        );
    }
    assert!(r.body.contains("value=\"商务标\""), "row 3 shown as row 2");
    assert_eq!(declared(&app, &sid).await, 0);

    // Corrected: declared through the use case, shown in words.
    set(&mut form, "criteria[1].max_points", "50");
    set(&mut form, "criteria[3].guidance", "业绩、信誉、财务");
    set(&mut form, "price_formula.e_below", "0.5");
    let project = t.project_id.clone();
    form.push(("project", &project));
    // The ceiling price and the tie rule are declared with the method (issue 21).
    form.push(("ceiling_price", "9700000.00"));
    form.push(("tie_break", "higher_non_price,lower_price"));
    let r = v.post_form(&path, &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.location(),
        format!("{path}?saved=1&project={}", t.project_id)
    );
    assert_eq!(declared(&app, &sid).await, 1);
    let page = v.get(r.location()).await;
    assert!(page.body.contains("评标办法已保存"), "{}", page.body);
    assert!(page.body.contains("综合评估法"));
    assert!(page.body.contains("K = 0.02"), "{}", page.body);
    assert!(page.body.contains("高于基准价 E = 1，低于基准价 E = 0.5"));
    assert!(
        page.body.contains("最高投标限价 9700000.00 元"),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("得分相同时依次按：技术商务得分高者优先、投标报价低者优先"));
    assert!(
        page.body.contains("value=\"commercial\""),
        "the form starts from it"
    );
    let en = v.get(&format!("{path}?lang=en")).await;
    assert!(en.body.contains("Comprehensive scoring"), "{}", en.body);
    assert!(en
        .body
        .contains("Base price = mean of the valid bid prices"));
    assert!(v
        .get(&format!("{path}?lang=zh"))
        .await
        .body
        .contains("综合评估法"));

    // Another role is refused by the use case's own check.
    let mut b = Visitor::new(&app);
    b.sign_in("bidder1").await;
    assert_eq!(b.get(&path).await.status, 403);

    // Once the documents are issued the use case refuses any change: the page says why, read-only.
    open_by_staff(&app, &t).await;
    register_and_bid(&app, &mut t).await;
    caught_up(&app).await;
    let page = v.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("评标办法已不能修改"), "{}", page.body);
    assert!(page.body.contains("method.fixed_by_documents"));
    assert!(!page.body.contains("id=\"declare-method\""), "no form");
    assert!(page.body.contains("综合评估法"), "still shown");
    let csrf = hidden_value(&page.body, "csrf").unwrap_or(csrf);
    let mut form = comprehensive(&csrf, "50");
    set(&mut form, "price_formula.e_above", "2");
    let r = v.post_form(&path, &form).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("method.fixed_by_documents"));
    assert!(!r.body.contains("id=\"declare-method\""));
    assert_eq!(declared(&app, &sid).await, 1, "nothing changed");
    app.stop().await;
}

#[tokio::test]
async fn a_tenderer_declares_the_method_in_the_browser() {
    let Some(browser) = ggzy_api_tests::browser::browser("method page", 375, 900).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let t = registered_section(&app, "construction").await;
    caught_up(&app).await;
    let c = browser.client.clone();
    sign_in(
        &c,
        &app.url(&format!("/tenderer/projects/{}", t.project_id)),
        "tenderer",
        DEMO_PASSWORD,
    )
    .await;
    click_then(
        &c,
        Locator::Css("a[href*='/evaluation-method']"),
        Locator::Id("f-method"),
    )
    .await;
    // The page fits 375 px: nothing wider than the window.
    let wide: bool = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(!wide, "no horizontal scrolling at 375 px");
    c.find(Locator::Css("#f-method option[value=comprehensive]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for (id, text) in [
        ("f-criteria-0-code", "price"),
        ("f-criteria-0-name", "投标报价"),
        ("f-criteria-0-max_points", "40"),
        ("f-criteria-1-code", "technical"),
        ("f-criteria-1-name", "技术标"),
        ("f-criteria-1-max_points", "60"),
        ("f-criteria-1-guidance", "施工组织设计"),
    ] {
        fill(&c, id, text).await;
    }
    c.find(Locator::Css("#f-criteria-0-is_price option[value='1']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The deviation formula without E: refused next to the field by the use case.
    c.find(Locator::Css(
        "#f-price_formula-kind option[value=deviation]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    fill(&c, "f-price_formula-base-k", "0.02").await;
    click_then(
        &c,
        Locator::Id("declare-method"),
        Locator::Css(".error-summary"),
    )
    .await;
    let err = c
        .find(Locator::Id("f-price_formula-e_above-error"))
        .await
        .expect("the error next to E")
        .text()
        .await
        .unwrap();
    assert!(err.contains("price_formula.e_required"), "{err}");
    // The summary links to the field; following it by keyboard focuses it.
    let link = c
        .find(Locator::Css(
            ".error-summary a[href='#f-price_formula-e_above']",
        ))
        .await
        .expect("summary link");
    link.send_keys("\u{E007}").await.unwrap(); // Enter
    let active: String = c
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        active == "f-price_formula-e_above" || active.is_empty(),
        "focus after the summary link: {active}"
    );
    fill(&c, "f-price_formula-e_above", "1").await;
    fill(&c, "f-price_formula-e_below", "0.5").await;
    click_then(&c, Locator::Id("declare-method"), Locator::Css("p.notice")).await;
    let text = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("评标办法已保存"), "{text}");
    assert!(text.contains("综合评估法"), "{text}");
    assert!(text.contains("K = 0.02"), "{text}");
    assert_eq!(declared(&app, &t.section_id).await, 1);
    // The English switch keeps the page.
    click_then(
        &c,
        Locator::Css("header a.lang"),
        Locator::Id("current-method"),
    )
    .await;
    let text = c
        .find(Locator::Id("current-method"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("Comprehensive scoring"), "{text}");
    app.stop().await;
}
