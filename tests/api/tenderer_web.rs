//! The tenderer's and agency's pages (`/tenderer/…`) and the owner's list of announcements
//! (`GET /api/v1/announcements/mine`), with the platform's own drafts in it. The browser test walks
//! the day of a tenderer in headless Chromium: register a project (a refused deposit shown next to
//! its field with its rule id, then corrected), draft and submit the tender announcement, see it
//! published after staff approve it (API), find the platform's drafts, answer an objection (the
//! remedies case page, reached from the section page). The
//! page tests show another organization's project, section and announcement refused.

use crate::award::{at, evaluating_section, submit_result, travel};
use fantoccini::{Client, Locator};
use ggzy_api_tests::browser::{click_then, fill, path as path_of, set_value};
use ggzy_api_tests::fixtures::{road_project, TENDERER_NAME, TENDERER_USCC};
use ggzy_api_tests::pages::{hidden_value, Visitor};
use ggzy_api_tests::{TestApp, DEMO_PASSWORD};
use serde_json::{json, Value};

/// A tender announcement's body for `project_id` (every field 10号令 第5条 asks for).
fn tender(project_id: &str, title: &str) -> Value {
    json!({
        "market": "construction", "type": "tender", "title": title, "project_id": project_id,
        "body": "## 招标条件\n\n本工程已批准建设。",
        "fields": {
            "project_name": title, "scope": "道路改造", "scale": "估算价 1000 万元",
            "funding": "财政资金", "qualification_requirements": "市政公用工程施工总承包三级",
            "consortium_accepted": false, "documents_access": "平台下载",
            "docs_available_at": "2026-03-02T09:00:00+08:00",
            "bid_deadline": "2026-04-03T09:30:00+08:00", "submission_method": "电子投标",
            "tenderer_contact": "大连市市政建设管理处", "platform_url": "https://ggzy.example.cn"
        }
    })
}

#[tokio::test]
async fn the_owner_lists_its_announcements_in_every_state_with_the_platforms_drafts() {
    let app = TestApp::spawn().await;
    let reg = app
        .register_project(road_project("滨海路改造", "2026-04-03T09:30:00+08:00"))
        .await;
    app.wait_consumer("publishing.lifecycle").await;
    let mine = app
        .post_expect(
            &reg.tenderer,
            "/api/v1/announcements",
            tender(&reg.project_id, "滨海路改造招标公告"),
            201,
        )
        .await;
    let other = app.login("tenderer2").await;
    let mut theirs = tender("", "教育局采购公告");
    theirs.as_object_mut().unwrap().remove("project_id");
    app.post_expect(&other, "/api/v1/announcements", theirs, 201)
        .await;
    // The projects area fails the section (流标): publishing drafts the failure notice itself,
    // for the section's owner.
    app.emit_as(
        "projects",
        "projects.section.failed",
        "section",
        &reg.section_id,
        json!({"section_id": reg.section_id, "project_id": reg.project_id,
               "reason": "fewer_than_three_bids", "bid_count": 1}),
    )
    .await;
    app.wait_consumer("publishing.lifecycle").await;

    let (s, list) = app
        .get(Some(&reg.tenderer), "/api/v1/announcements/mine")
        .await;
    assert_eq!(s, 200, "{list}");
    let items = list.as_array().unwrap();
    let types: Vec<&str> = items.iter().map(|a| a["type"].as_str().unwrap()).collect();
    assert_eq!(items.len(), 2, "{list}");
    assert!(
        types.contains(&"tender") && types.contains(&"failure"),
        "{list}"
    );
    let failure = items.iter().find(|a| a["type"] == "failure").unwrap();
    assert_eq!(failure["status"], "draft");
    assert!(failure["source_event"].is_string(), "{failure}");
    assert_eq!(failure["project_id"], json!(reg.project_id));
    assert!(!list.to_string().contains("教育局采购公告"));

    // Filters: state, type, project.
    let (s, v) = app
        .get(
            Some(&reg.tenderer),
            &format!(
                "/api/v1/announcements/mine?type=failure&project_id={}",
                reg.project_id
            ),
        )
        .await;
    assert_eq!((s, v.as_array().unwrap().len()), (200, 1), "{v}");
    app.announcement_step(&reg.tenderer, mine["id"].as_str().unwrap(), "submit")
        .await;
    let (s, v) = app
        .get(
            Some(&reg.tenderer),
            "/api/v1/announcements/mine?status=submitted",
        )
        .await;
    assert_eq!((s, v.as_array().unwrap().len()), (200, 1), "{v}");
    assert_eq!(v[0]["id"], mine["id"]);
    let (s, v) = app
        .get(
            Some(&reg.tenderer),
            "/api/v1/announcements/mine?status=secret",
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "status");
    assert_eq!(v["errors"][0]["rule"], "enum.unknown_value");

    // The other tenderer sees only its own; anonymous callers and other roles are refused.
    let (s, v) = app.get(Some(&other), "/api/v1/announcements/mine").await;
    assert_eq!((s, v.as_array().unwrap().len()), (200, 1), "{v}");
    let (s, _) = app.get(None, "/api/v1/announcements/mine").await;
    assert_eq!(s, 401);
    let bidder = app.login("bidder1").await;
    let (s, _) = app.get(Some(&bidder), "/api/v1/announcements/mine").await;
    assert_eq!(s, 403);
    // The route is in the OpenAPI document.
    let (_, doc) = app.get(None, "/api/openapi.json").await;
    assert!(
        doc["paths"]["/api/v1/announcements/mine"]["get"].is_object(),
        "documented"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_registration_refused_on_the_page_names_the_field_and_rule_and_keeps_the_draft() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    v.sign_in("tenderer").await;
    let page = v.get("/tenderer/projects/new").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf").unwrap();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("name", "滨海路改造"),
        ("market", "construction"),
        ("procedure", "open_tender"),
        ("tenderer_name", TENDERER_NAME),
        ("tenderer_uscc", TENDERER_USCC),
        ("sections[0].name", "一标段"),
        ("sections[0].estimated_price", "10,000,000.00"),
        // 3 % of the estimate: over the 2 % cap (实施条例 26).
        ("sections[0].deposit", "300000.00"),
        ("sections[0].docs_issue_at", "2026-03-03T09:00"),
        ("sections[0].docs_sale_end_at", "2026-03-10T17:00"),
        ("sections[0].bid_deadline", "2026-04-03T09:30"),
        ("sections[0].opening_at", "2026-04-03T09:30"),
        ("action", "submit"),
    ];
    // An amount that cannot be read is refused before the use case, with the API's rule id.
    let mut bad = form.clone();
    bad[8] = ("sections[0].deposit", "1.234");
    let r = v.post_form("/tenderer/projects", &bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("money.max_two_decimals"), "{}", r.body);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM projects").await,
        0,
        "nothing saved"
    );

    let r = v.post_form("/tenderer/projects", &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let at = r
        .body
        .find("id=\"f-sections-0-deposit-error\"")
        .expect("the deposit's error next to it");
    assert!(r.body[at..].contains("construction.deposit_cap"));
    assert!(r.body.contains("id=\"f-sections-0-deposit\""));
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert!(
        r.body.contains("href=\"#f-sections-0-deposit\""),
        "summary link"
    );
    // Saved as a draft: the form now posts to it.
    let id: String = app
        .strings("SELECT id FROM projects WHERE status = 'draft'", &[])
        .await
        .pop()
        .expect("draft");
    assert!(r
        .body
        .contains(&format!("action=\"/tenderer/projects/{id}\"")));
    // Corrected, it is submitted (the same draft, not a second project).
    form[8] = ("sections[0].deposit", "200000.00");
    let r = v
        .post_form(&format!("/tenderer/projects/{id}"), &form)
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), format!("/tenderer/projects/{id}?submitted=1"));
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM projects").await, 1);
    let page = v.get(&format!("/tenderer/projects/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("待登记确认"), "{}", page.body);
    assert!(page.body.contains("2026-04-03 09:30"), "Beijing time");
    let home = v.get("/tenderer").await;
    assert!(home.body.contains("滨海路改造"), "{}", home.body);
    assert!(home.body.contains("招标文件开始发出"), "next deadline");
    app.stop().await;
}

#[tokio::test]
async fn another_organizations_project_section_and_announcement_are_refused_on_the_pages() {
    let app = TestApp::spawn().await;
    let reg = app
        .register_project(road_project("滨海路改造", "2026-04-03T09:30:00+08:00"))
        .await;
    app.wait_consumer("publishing.lifecycle").await;
    let a = app
        .post_expect(
            &reg.tenderer,
            "/api/v1/announcements",
            tender(&reg.project_id, "滨海路改造招标公告"),
            201,
        )
        .await;
    let aid = a["id"].as_str().unwrap();
    let pid = &reg.project_id;
    let sid = &reg.section_id;

    let mut v = Visitor::new(&app);
    v.sign_in("tenderer2").await;
    let csrf = v.csrf("/tenderer").await;
    for path in [
        format!("/tenderer/projects/{pid}"),
        format!("/tenderer/projects/{pid}/edit"),
        format!("/tenderer/projects/{pid}/sections/{sid}"),
    ] {
        let r = v.get(&path).await;
        assert_eq!(r.status, 403, "{path}: {}", r.body);
        assert!(!r.body.contains("滨海路改造"), "{path}");
    }
    for path in [
        format!("/tenderer/announcements/{aid}"),
        format!("/tenderer/announcements/{aid}/edit"),
    ] {
        let r = v.get(&path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        assert!(!r.body.contains("滨海路改造"), "{path}");
    }
    let r = v
        .post_form(
            &format!("/tenderer/announcements/{aid}/submit"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = v
        .post_form(
            &format!("/tenderer/announcements/{aid}"),
            &[
                ("csrf", &csrf),
                ("title", "改掉"),
                ("market", "construction"),
                ("type", "tender"),
            ],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = v
        .post_form(
            &format!("/tenderer/projects/{pid}/sections/{sid}/award"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    // Its list does not show the other organization's announcement; nothing changed.
    let list = v.get("/tenderer/announcements").await;
    assert_eq!(list.status, 200);
    assert!(!list.body.contains("滨海路改造"), "{}", list.body);
    let (_, now) = app
        .get(Some(&reg.tenderer), &format!("/api/v1/announcements/{aid}"))
        .await;
    assert_eq!(
        (now["status"].as_str(), now["version"].as_i64()),
        (Some("draft"), Some(1))
    );

    // A form without the session's CSRF token changes nothing.
    let mut own = Visitor::new(&app);
    own.sign_in("tenderer").await;
    let r = own
        .post_form(
            &format!("/tenderer/announcements/{aid}/submit"),
            &[("csrf", "x")],
        )
        .await;
    assert_eq!(r.status, 403);
    let (_, now) = app
        .get(Some(&reg.tenderer), &format!("/api/v1/announcements/{aid}"))
        .await;
    assert_eq!(now["status"], "draft");

    // Other roles have no tenderer pages.
    let mut b = Visitor::new(&app);
    b.sign_in("bidder1").await;
    assert_eq!(b.get("/tenderer").await.status, 403);
    assert_eq!(b.get("/tenderer/announcements").await.status, 403);
    app.stop().await;
}

#[tokio::test]
async fn the_award_and_the_contract_are_recorded_on_the_section_page() {
    let app = TestApp::spawn().await;
    let mut t = evaluating_section(&app, "construction").await;
    let (s, v) = submit_result(&app, &t, 3).await;
    assert_eq!(s, 201, "{v}");
    let ends = at(v["publicity_ends_at"].as_str().unwrap());
    let (pid, sid) = (t.project_id.clone(), t.section_id.clone());
    let page = format!("/tenderer/projects/{pid}/sections/{sid}");
    let mut v = Visitor::new(&app);
    v.sign_in("tenderer").await;
    let csrf = v.csrf(&page).await;
    // Before the publicity ends the award is refused with the use case's rule.
    let r = v
        .post_form(
            &format!("{page}/award"),
            &[("csrf", &csrf), ("winner_org_id", "")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("award.publicity_not_ended"), "{}", r.body);

    travel(&app, &mut t, ends + chrono::Duration::hours(10)).await;
    let mut v = Visitor::new(&app);
    v.sign_in("tenderer").await;
    let csrf = v.csrf(&page).await;
    let r = v
        .post_form(
            &format!("{page}/award"),
            &[("csrf", &csrf), ("winner_org_id", "")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let shown = v.get(r.location()).await;
    assert!(shown.body.contains("中标通知书编号"), "{}", shown.body);
    assert!(
        shown.body.contains("9,480,000.50 元"),
        "the first candidate's price"
    );
    // The contract: an unreadable amount is refused next to its field, then recorded.
    let r = v
        .post_form(
            &format!("{page}/contract"),
            &[
                ("csrf", &csrf),
                ("signed_on", "2026-04-20"),
                ("amount", "12.345"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"f-amount-error\""), "{}", r.body);
    assert!(r.body.contains("money.max_two_decimals"));
    let r = v
        .post_form(
            &format!("{page}/contract"),
            &[
                ("csrf", &csrf),
                ("signed_on", "2026-04-08"),
                ("amount", "9480000.50"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let (s, p) = app
        .get(Some(&t.tenderer), &format!("/api/v1/projects/{pid}"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(p["sections"][0]["state"], "contracted", "{p}");
    app.stop().await;
}

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("main"))
        .await
        .expect("main")
        .text()
        .await
        .expect("text")
}

#[tokio::test]
async fn a_tenderer_registers_publishes_and_answers_an_objection_in_the_browser() {
    let Some(browser) = ggzy_api_tests::browser::browser("tenderer pages", 375, 900).await else {
        return;
    };
    let app = TestApp::spawn().await;
    // A trade of the same tenderer whose candidates are publicized, with an objection (API; a
    // remedies case since rem20e).
    let t = evaluating_section(&app, "construction").await;
    let (s, v) = submit_result(&app, &t, 3).await;
    assert_eq!(s, 201, "{v}");
    app.drain_consumer("remedies.projection").await;
    let objection = app
        .post_expect(
            &t.bidders[2].token,
            &format!("/api/v1/sections/{}/remedies", t.section_id),
            json!({"kind": "objection", "target": "result", "grounds": "第一名的项目经理证书已过期"}),
            201,
        )
        .await;
    let case_id = objection["id"].as_str().unwrap().to_string();
    app.wait_consumer("publishing.lifecycle").await;
    let staff = app.login("staff").await;

    // The tenderer signs in and lands on the workbench.
    let c = browser.client.clone();
    c.goto(&app.url("/login")).await.expect("login page");
    fill(&c, "f-username", "tenderer").await;
    fill(&c, "f-password", DEMO_PASSWORD).await;
    click_then(
        &c,
        Locator::Css("main form button[type=submit]"),
        Locator::LinkText("登记新项目"),
    )
    .await;
    assert_eq!(path_of(&c).await, "/tenderer");

    // Registers a project with one section; the deposit over the cap is refused next to its field.
    click_then(&c, Locator::LinkText("登记新项目"), Locator::Id("f-name")).await;
    fill(&c, "f-name", "滨海路改造二期").await;
    fill(&c, "f-tenderer_name", TENDERER_NAME).await;
    fill(&c, "f-tenderer_uscc", TENDERER_USCC).await;
    fill(&c, "f-sections-0-name", "一标段").await;
    fill(&c, "f-sections-0-estimated_price", "10000000.00").await;
    fill(&c, "f-sections-0-deposit", "300000.00").await;
    set_value(&c, "f-sections-0-docs_issue_at", "2026-04-07T09:00").await;
    set_value(&c, "f-sections-0-docs_sale_end_at", "2026-04-14T17:00").await;
    set_value(&c, "f-sections-0-bid_deadline", "2026-05-08T09:30").await;
    set_value(&c, "f-sections-0-opening_at", "2026-05-08T09:30").await;
    click_then(
        &c,
        Locator::Id("submit-project"),
        Locator::Css("#f-sections-0-deposit[aria-invalid=true]"),
    )
    .await;
    let err = c
        .find(Locator::Id("f-sections-0-deposit-error"))
        .await
        .expect("error next to the deposit")
        .text()
        .await
        .unwrap();
    assert!(err.contains("construction.deposit_cap"), "{err}");
    assert!(c.find(Locator::Css(".error-summary")).await.is_ok());
    // Corrected and submitted.
    fill(&c, "f-sections-0-deposit", "200000.00").await;
    click_then(&c, Locator::Id("submit-project"), Locator::Css("p.notice")).await;
    // The form page may carry a notice too: wait until the browser is on the project's page.
    let mut path = path_of(&c).await;
    for () in ggzy_api_tests::patience() {
        if path.starts_with("/tenderer/projects/") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        path = path_of(&c).await;
    }
    let pid = path
        .strip_prefix("/tenderer/projects/")
        .expect("the project page")
        .to_string();
    assert!(body_text(&c).await.contains("待登记确认"));

    // Staff confirm the registration (API); publishing learns the project.
    app.post_expect(
        &staff,
        &format!("/api/v1/projects/{pid}/approve"),
        json!({}),
        200,
    )
    .await;
    app.wait_consumer("publishing.lifecycle").await;

    // Drafts the tender announcement: the project's facts are filled in.
    c.goto(&app.url(&format!("/tenderer/projects/{pid}")))
        .await
        .unwrap();
    click_then(&c, Locator::LinkText("起草招标公告"), Locator::Id("f-body")).await;
    let title = c
        .find(Locator::Id("f-title"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(title, "滨海路改造二期招标公告");
    let deadline = c
        .find(Locator::Id("f-fields-bid_deadline"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(deadline, "2026-05-08T09:30");
    fill(&c, "f-body", "## 招标条件\n\n本工程已批准建设。").await;
    fill(&c, "f-fields-scope", "道路改造 3.2 公里").await;
    fill(&c, "f-fields-funding", "财政资金").await;
    fill(
        &c,
        "f-fields-qualification_requirements",
        "市政公用工程施工总承包三级及以上",
    )
    .await;
    fill(&c, "f-fields-documents_access", "登录平台免费下载").await;
    fill(&c, "f-fields-submission_method", "电子投标").await;
    fill(&c, "f-fields-platform_url", "https://ggzy.example.cn").await;
    click_then(
        &c,
        Locator::Id("save-announcement"),
        Locator::Id("submit-announcement"),
    )
    .await;
    let preview = body_text(&c).await;
    assert!(
        preview.contains("草稿") && preview.contains("道路改造 3.2 公里"),
        "{preview}"
    );
    assert!(
        preview.contains("2026-05-08 09:30"),
        "Beijing time: {preview}"
    );
    let aid = path_of(&c)
        .await
        .strip_prefix("/tenderer/announcements/")
        .expect("preview")
        .to_string();
    click_then(
        &c,
        Locator::Id("submit-announcement"),
        Locator::Css("p.notice[role=status]"),
    )
    .await;
    assert!(body_text(&c).await.contains("待审核"));

    // Staff approve it (API); the tenderer sees it published.
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/announcements/{aid}/approve"),
            json!({}),
        )
        .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("published")), "{v}");
    c.goto(&app.url(&format!("/tenderer/announcements/{aid}")))
        .await
        .unwrap();
    let state = c
        .find(Locator::Id("announcement-state"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(state, "已发布");
    assert!(c
        .find(Locator::LinkText("在信息公开网站查看"))
        .await
        .is_ok());

    // The list shows the platform's own drafts of the other trade too.
    c.goto(&app.url("/tenderer/announcements")).await.unwrap();
    let list = body_text(&c).await;
    for seen in [
        "开标记录",
        "中标候选人公示",
        "平台生成",
        "滨海路改造二期招标公告",
        "已发布",
    ] {
        assert!(list.contains(seen), "{seen} in {list}");
    }

    // Answers the objection: the section page links to the remedies queue, the case page takes
    // the answer; an empty answer is refused, then it is sent.
    c.goto(&app.url(&format!(
        "/tenderer/projects/{}/sections/{}",
        t.project_id, t.section_id
    )))
    .await
    .unwrap();
    click_then(
        &c,
        Locator::Css("#section-remedies a[href='/tenderer/remedies']"),
        Locator::Css(&format!("a[href='/tenderer/remedies/{case_id}']")),
    )
    .await;
    click_then(
        &c,
        Locator::Css(&format!("a[href='/tenderer/remedies/{case_id}']")),
        Locator::Id("f-answer"),
    )
    .await;
    assert!(body_text(&c).await.contains("第一名的项目经理证书已过期"));
    let send = format!("form[action='/tenderer/remedies/{case_id}/answer'] button[type=submit]");
    click_then(
        &c,
        Locator::Css(&send),
        Locator::Css("#f-answer[aria-invalid=true]"),
    )
    .await;
    assert!(body_text(&c).await.contains("required"));
    fill(&c, "f-answer", "经核查，证书在有效期内，异议不成立。").await;
    click_then(
        &c,
        Locator::Css(&send),
        Locator::Css("#case-state[data-state=answered]"),
    )
    .await;
    assert!(body_text(&c).await.contains("经核查，证书在有效期内"));
    let (s, v) = app
        .get(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{}/remedies", t.section_id),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v[0]["id"], objection["id"]);
    assert_eq!(v[0]["answer"], "经核查，证书在有效期内，异议不成立。");
    drop(browser);
    app.stop().await;
}
