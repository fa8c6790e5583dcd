//! Headless-Chromium walks of pages only the script-less `Visitor` page tests reached before: the
//! bidder's and the tenderer's remedies pages (a challenge raised, answered and read, at 375 px),
//! the staff's and the supervisor's archives (list, filter, show, download verified by its
//! SHA-256), the purchaser's qualification review with the supplier's verdict, and the re-tender
//! form of the failed section. Each walk signs in through the sign-in page, acts only through the
//! pages and asserts what the pages show afterwards and what the use case recorded.

use crate::award::{at, evaluating_section, open_by_staff, registered_section, wait_event};
use crate::remedies::procurement_project;
use fantoccini::{Client, Locator};
use ggzy_api_tests::browser::{
    browser, choose, click_then, fill, ids_and_labels, no_horizontal_scroll, path, set_value,
    sign_in, sign_out, summary_focuses, text_of, wait_for,
};
use ggzy_api_tests::{TestApp, DEMO_PASSWORD};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_challenge_is_raised_answered_and_read_on_the_remedies_pages_at_375_px() {
    let Some(b) = browser("remedies walk", 375, 812).await else {
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
    let c = b.client.clone();

    // The supplier raises a challenge; without its grounds the summary links to the field.
    sign_in(&c, &app.url("/bidder/remedies"), "bidder1", DEMO_PASSWORD).await;
    let new_url = format!("/bidder/sections/{sid}/remedies/new");
    wait_for(&c, &format!("a[href='{new_url}']")).await;
    no_horizontal_scroll(&c, "/bidder/remedies").await;
    click_then(
        &c,
        Locator::Css(&format!("a[href='{new_url}']")),
        Locator::Id("f-grounds"),
    )
    .await;
    ids_and_labels(
        &c,
        "raise form",
        &["f-kind", "f-target", "f-known_on", "f-grounds"],
    )
    .await;
    no_horizontal_scroll(&c, "raise form").await;
    choose(&c, "f-kind", "challenge").await;
    choose(&c, "f-target", "documents").await;
    let submit = "form[action$='/remedies/new'] button[type=submit]";
    click_then(&c, Locator::Css(submit), Locator::Css(".error-summary")).await;
    assert!(text_of(&c, "#f-grounds-error").await.contains("required"));
    summary_focuses(&c, "f-grounds").await;
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM remedy_cases").await, 0);
    fill(&c, "f-grounds", "技术参数指向特定品牌").await;
    click_then(
        &c,
        Locator::Css(submit),
        Locator::Css("#case-state[data-state='raised']"),
    )
    .await;
    let case = path(&c).await;
    let id = case.rsplit('/').next().unwrap().to_string();
    assert_eq!(case, format!("/bidder/remedies/{id}"));
    assert!(text_of(&c, "main").await.contains("技术参数指向特定品牌"));
    no_horizontal_scroll(&c, "case page").await;

    // The purchaser answers it from its queue; an empty answer is named next to its field.
    sign_out(&c).await;
    sign_in(
        &c,
        &app.url("/tenderer/remedies"),
        "tenderer",
        DEMO_PASSWORD,
    )
    .await;
    let link = format!("a[href='/tenderer/remedies/{id}']");
    wait_for(&c, &link).await;
    click_then(&c, Locator::Css(&link), Locator::Id("f-answer")).await;
    ids_and_labels(
        &c,
        "answer form",
        &["f-answer", "f-changes_documents", "f-new_bid_deadline"],
    )
    .await;
    let send = "form[action$='/answer'] button[type=submit]";
    click_then(&c, Locator::Css(send), Locator::Id("f-answer-error")).await;
    summary_focuses(&c, "f-answer").await;
    fill(&c, "f-answer", "参数为通用参数，质疑不成立").await;
    click_then(
        &c,
        Locator::Css(send),
        Locator::Css("#case-state[data-state='answered']"),
    )
    .await;
    no_horizontal_scroll(&c, "answered case (tenderer)").await;

    // The supplier reads the answer on its case page, which now offers the escalation.
    sign_out(&c).await;
    sign_in(
        &c,
        &app.url(&format!("/bidder/remedies/{id}")),
        "bidder1",
        DEMO_PASSWORD,
    )
    .await;
    wait_for(&c, "#case-state[data-state='answered']").await;
    assert!(text_of(&c, "main")
        .await
        .contains("参数为通用参数，质疑不成立"));
    assert!(c
        .find(Locator::Css("form[action$='/escalate']"))
        .await
        .is_ok());
    let v = app
        .get_expect(
            &app.login("bidder1").await,
            &format!("/api/v1/remedies/{id}"),
            200,
        )
        .await;
    assert_eq!(v["state"], "answered", "{v}");
    c.close().await.expect("close");
    drop(b);
    app.stop().await;
}

#[tokio::test]
async fn staff_and_supervisor_list_filter_show_and_download_an_archive_in_the_browser() {
    let Some(b) = browser("archives walk", 1280, 900).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let t = registered_section(&app, "construction").await;
    open_by_staff(&app, &t).await;
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{}/terminate", t.section_id),
            json!({"reason": "项目取消"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let a = crate::archives::wait_archive(&app, &t.staff, &t.section_id).await;
    let id = a["id"].as_str().unwrap().to_string();
    let sha = a["bundle_sha256"].as_str().unwrap().to_string();
    let c = b.client.clone();
    for (who, base) in [
        ("staff", "/staff/archives"),
        ("supervisor", "/supervisor/archives"),
    ] {
        sign_out(&c).await;
        sign_in(&c, &app.url(base), who, DEMO_PASSWORD).await;
        let link = format!("a[href='{base}/{id}']");
        wait_for(&c, &link).await;
        ids_and_labels(&c, base, &[]).await;
        // Filtering by another market leaves the archive out.
        choose_by_name(&c, "market", "procurement").await;
        c.find(Locator::Css("form.filters button[type=submit]"))
            .await
            .expect("filter button")
            .click()
            .await
            .expect("filter");
        let mut url = String::new();
        for () in ggzy_api_tests::patience() {
            url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            if url.contains("market=procurement") && c.find(Locator::Css("main h1")).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(url.contains("market=procurement"), "{who}: {url}");
        assert!(
            c.find(Locator::Css(&link)).await.is_err(),
            "{who}: the construction archive is filtered out"
        );
        assert!(text_of(&c, "main table").await.contains("没有档案"));
        // Back to all markets, then the archive's page.
        c.goto(&app.url(base)).await.expect("list");
        wait_for(&c, &link).await;
        click_then(
            &c,
            Locator::Css(&link),
            Locator::Css("a.button[href$='/bundle']"),
        )
        .await;
        let main = text_of(&c, "main").await;
        assert!(main.contains(&sha), "{who}: {main}");
        assert!(main.contains("projects.section.terminated"), "{main}");
        // The download link serves the bundle whose SHA-256 the page shows.
        let got = c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const a = document.querySelector('a.button[href$=\"/bundle\"]');
                 fetch(a.href, {credentials: 'same-origin'})
                   .then(r => r.ok ? r.arrayBuffer() : Promise.reject('HTTP ' + r.status))
                   .then(b => crypto.subtle.digest('SHA-256', b))
                   .then(h => done([...new Uint8Array(h)]
                     .map(x => x.toString(16).padStart(2, '0')).join('')))
                   .catch(e => done('failed: ' + e));",
                vec![],
            )
            .await
            .expect("download");
        assert_eq!(got.as_str().unwrap_or_default(), sha, "{who}: the download");
        assert_eq!(
            c.find(Locator::Css("a.button[href$='/bundle']"))
                .await
                .unwrap()
                .attr("href")
                .await
                .unwrap()
                .unwrap(),
            format!("{base}/{id}/bundle")
        );
    }
    c.close().await.expect("close");
    drop(b);
    app.stop().await;
}

/// Choose `value` in the select named `name`.
async fn choose_by_name(c: &Client, name: &str, value: &str) {
    c.find(Locator::Css(&format!(
        "select[name='{name}'] option[value='{value}']"
    )))
    .await
    .unwrap_or_else(|e| panic!("{name} option {value}: {e}"))
    .click()
    .await
    .unwrap_or_else(|e| panic!("choose {value} in {name}: {e}"));
}

#[tokio::test]
async fn a_supplier_is_found_not_qualified_and_the_failed_section_is_tendered_again_on_the_pages() {
    let Some(b) = browser("qualification and re-tender walk", 1280, 900).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let t = evaluating_section(&app, "procurement").await;
    let sid = t.section_id.clone();
    let c = b.client.clone();

    // The purchaser rejects the third supplier; without a reason the summary links to the field.
    sign_in(
        &c,
        &app.url(&format!("/tenderer/sections/{sid}/qualification")),
        "tenderer",
        DEMO_PASSWORD,
    )
    .await;
    wait_for(&c, "#qualification-state[data-reviewed='false']").await;
    ids_and_labels(
        &c,
        "qualification form",
        &[
            "f-suppliers-0-qualified",
            "f-suppliers-0-reason",
            "f-suppliers-2-qualified",
            "f-suppliers-2-reason",
        ],
    )
    .await;
    choose(&c, "f-suppliers-2-qualified", "false").await;
    let submit = "form[action$='/qualification'] button[type=submit]";
    click_then(&c, Locator::Css(submit), Locator::Css(".error-summary")).await;
    assert!(text_of(&c, ".error-summary")
        .await
        .contains("qualification.reason_required"));
    summary_focuses(&c, "f-suppliers-2-reason").await;
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM events WHERE event_type = 'projects.section.failed'")
            .await,
        0
    );
    let reason = "营业执照经营范围不含本项目所需的建筑智能化施工";
    // The refused form kept the verdict chosen.
    let kept = c
        .find(Locator::Css(
            "#f-suppliers-2-qualified option[value='false']",
        ))
        .await
        .unwrap()
        .prop("selected")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("true"), "the verdict is kept");
    fill(&c, "f-suppliers-2-reason", reason).await;
    click_then(
        &c,
        Locator::Css(submit),
        Locator::Css("#qualification-state[data-reviewed='true']"),
    )
    .await;
    let table = text_of(&c, "#verdicts").await;
    assert!(table.contains(reason), "{table}");
    assert!(table.contains("不合格"), "{table}");
    let failed = wait_event(&app, "projects.section.failed", &sid).await;
    assert_eq!(failed["reason"], "too_few_qualified", "{failed}");

    // The rejected supplier reads its verdict and the reason; another one only its own verdict.
    for (i, sees_reason) in [(2usize, true), (0, false)] {
        sign_out(&c).await;
        sign_in(
            &c,
            &app.url(&format!("/bidder/sections/{sid}/qualification")),
            t.bidders[i].name,
            DEMO_PASSWORD,
        )
        .await;
        wait_for(&c, "#verdicts").await;
        let table = text_of(&c, "#verdicts").await;
        assert_eq!(
            table.contains(reason),
            sees_reason,
            "{}: {table}",
            t.bidders[i].name
        );
        assert!(
            table.contains(if sees_reason { "不合格" } else { "合格" }),
            "{table}"
        );
        assert!(c
            .find(Locator::Css("form[action$='/qualification']"))
            .await
            .is_err());
    }

    // The tenderer tenders the failed section again from its section page.
    sign_out(&c).await;
    let section_page = format!("/tenderer/projects/{}/sections/{sid}", t.project_id);
    sign_in(&c, &app.url(&section_page), "tenderer", DEMO_PASSWORD).await;
    wait_for(&c, "form[action$='/retender']").await;
    let fields = [
        "f-reason",
        "f-docs_issue_at",
        "f-docs_sale_end_at",
        "f-bid_deadline",
        "f-procedure",
        "f-approval_document",
        "f-approved_by",
        "f-approved_on",
    ];
    ids_and_labels(&c, "re-tender form", &fields).await;
    let again = "form[action$='/retender'] button[type=submit]";
    // An empty submit names the reason as well as the times (the page once refused the times
    // alone, so the missing reason surfaced only on the next submit).
    click_then(&c, Locator::Css(again), Locator::Css(".error-summary")).await;
    assert!(c.find(Locator::Id("f-reason-error")).await.is_ok());
    assert!(c.find(Locator::Id("f-bid_deadline-error")).await.is_ok());
    summary_focuses(&c, "f-reason").await;
    let fill_form = || async {
        fill(&c, "f-reason", "合格供应商不足三家，废标后重新招标").await;
        set_value(&c, "f-docs_issue_at", "2026-04-07T09:00").await;
        set_value(&c, "f-docs_sale_end_at", "2026-04-14T17:00").await;
        set_value(&c, "f-bid_deadline", "2026-04-29T09:30").await;
    };
    // A tampered procedure is refused next to the procedure select (it once had no error line:
    // the summary linked to a field that did not say what was wrong).
    fill_form().await;
    c.execute(
        "document.querySelector('#f-procedure option').value = 'auction';",
        vec![],
    )
    .await
    .expect("script");
    // Wait for the procedure's own error line: the previous (empty) submit left an error summary
    // on the page, so waiting for a summary can return before the new answer has loaded.
    click_then(&c, Locator::Css(again), Locator::Css("#f-procedure-error")).await;
    assert!(
        text_of(&c, "#f-procedure-error")
            .await
            .contains("procedure.unknown"),
        "the refusal is shown next to the procedure"
    );
    assert_eq!(
        c.find(Locator::Id("f-procedure"))
            .await
            .unwrap()
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    summary_focuses(&c, "f-procedure").await;
    // The kept reason is still there; the procedure offered first is the current one.
    fill_form().await;
    choose(&c, "f-procedure", "open_tender").await;
    click_then(&c, Locator::Css(again), Locator::Id("retenders")).await;
    let linked = text_of(&c, "#retenders").await;
    assert!(
        linked.contains("合格供应商不足三家，废标后重新招标"),
        "{linked}"
    );
    let new_sid = path(&c).await.rsplit('/').next().unwrap().to_string();
    assert_ne!(new_sid, sid);
    assert!(c
        .find(Locator::Css(&format!(
            "#retenders a[href='{section_page}']"
        )))
        .await
        .is_ok());
    let (s, v) = app
        .get(
            Some(&app.login("tenderer").await),
            &format!("/api/v1/sections/{sid}/retender"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["retendered_by"]["new_section_id"],
        new_sid.as_str(),
        "{v}"
    );
    c.close().await.expect("close");
    drop(b);
    app.stop().await;
}
