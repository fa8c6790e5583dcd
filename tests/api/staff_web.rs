//! Centre staff's queues in the browser (issue 22, item 2): the `/staff` home with each area's
//! count, announcements approved or returned with a reason, projects registered or returned,
//! forfeiture and re-listing queues, the daily refund instructions and the bank reconciliation
//! upload. Page tests go through `Visitor` (cookies and CSRF as a browser); one test drives a real
//! headless Chromium.

use crate::publishing::{create, tender};
use fantoccini::{Client, Locator};
use ggzy_api_tests::browser::{click_then, fill};
use ggzy_api_tests::fixtures::{assert_first_error, road_project};
use ggzy_api_tests::pages::{hidden_value, Visitor};
use ggzy_api_tests::{TestApp, DEMO_PASSWORD};
use serde_json::{json, Value};

const DEADLINE: &str = "2026-03-30T09:00:00+08:00";

/// An announcement drafted and submitted by the demo tenderer; its id.
async fn submitted_announcement(app: &TestApp, title: &str) -> String {
    let tenderer = app.login("tenderer").await;
    let id = create(app, &tenderer, tender(title, DEADLINE)).await;
    let (s, v) = app.announcement_step(&tenderer, &id, "submit").await;
    assert_eq!(s, 200, "{v}");
    id
}

/// A project created and submitted by the demo tenderer (not approved yet); its id.
async fn submitted_project(app: &TestApp, name: &str) -> String {
    let tenderer = app.login("tenderer").await;
    let p = app
        .post_expect(
            &tenderer,
            "/api/v1/projects",
            road_project(name, DEADLINE),
            201,
        )
        .await;
    let id = p["id"].as_str().expect("id").to_string();
    app.post_expect(
        &tenderer,
        &format!("/api/v1/projects/{id}/submit"),
        json!({}),
        200,
    )
    .await;
    id
}

async fn announcement_as_owner(app: &TestApp, id: &str) -> Value {
    let tenderer = app.login("tenderer").await;
    let (s, v) = app
        .get(Some(&tenderer), &format!("/api/v1/announcements/{id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

/// The count a queue card on `/staff` shows.
fn card_count(html: &str, key: &str) -> i64 {
    let at = html
        .find(&format!("id=\"queue-{key}\""))
        .unwrap_or_else(|| panic!("card {key} in {html}"));
    let rest = &html[at..];
    let n = rest.find("data-count=\"").expect("count") + "data-count=\"".len();
    rest[n..]
        .split('"')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a number")
}

#[tokio::test]
async fn the_staff_home_counts_each_queue_and_links_every_staff_page() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    v.sign_in("staff").await;
    let home = v.get("/staff").await;
    assert_eq!(home.status, 200, "{}", home.body);
    let before = card_count(&home.body, "announcements");
    for key in ["projects", "forfeitures", "refunds", "relists"] {
        card_count(&home.body, key);
    }
    for link in [
        "/staff/venues",
        "/staff/sessions",
        "/staff/door",
        "/staff/auctions",
        "/staff/reconciliation",
    ] {
        assert!(home.body.contains(&format!("href=\"{link}\"")), "{link}");
    }
    submitted_announcement(&app, "滨海路改造工程施工招标公告").await;
    submitted_project(&app, "滨海路改造工程").await;
    let home = v.get("/staff").await;
    assert_eq!(card_count(&home.body, "announcements"), before + 1);
    assert!(card_count(&home.body, "projects") >= 1);
    app.stop().await;
}

#[tokio::test]
async fn a_non_staff_user_is_refused_every_staff_page() {
    let app = TestApp::spawn().await;
    let id = submitted_announcement(&app, "非工作人员不能审核").await;
    let mut v = Visitor::new(&app);
    v.sign_in("tenderer").await;
    for path in [
        "/staff".to_string(),
        "/staff/announcements".into(),
        format!("/staff/announcements/{id}"),
        "/staff/projects".into(),
        "/staff/forfeitures".into(),
        "/staff/refunds".into(),
        "/staff/reconciliation".into(),
        "/staff/relists".into(),
    ] {
        let r = v.get(&path).await;
        assert_eq!(r.status, 403, "{path}: {}", r.body);
    }
    // Posting with a valid token of its own session: still refused by role, nothing changes.
    let csrf = v.csrf("/tenderer").await;
    let r = v
        .post_form(
            &format!("/staff/announcements/{id}/return"),
            &[("csrf", &csrf), ("reason", "自己退回")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        announcement_as_owner(&app, &id).await["status"],
        "submitted"
    );
    app.stop().await;
}

#[tokio::test]
async fn returning_an_announcement_needs_the_csrf_token_and_a_reason_the_owner_then_reads() {
    let app = TestApp::spawn().await;
    let id = submitted_announcement(&app, "缺少资格条件的招标公告").await;
    let mut v = Visitor::new(&app);
    v.sign_in("staff").await;
    let page = v.get(&format!("/staff/announcements/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // The preview is the portal's rendering: labels, money and Beijing time, no raw JSON.
    assert!(page.body.contains("公告要素"), "{}", page.body);
    assert!(page.body.contains("2026-03-30 09:00"), "{}", page.body);
    assert!(!page.body.contains("<script>alert"), "sanitized body");
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let path = format!("/staff/announcements/{id}/return");

    // No token: 403 with the rule, nothing changes.
    let r = v.post_form(&path, &[("reason", "资格条件不明确")]).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("csrf.token_mismatch"));
    assert_eq!(
        announcement_as_owner(&app, &id).await["status"],
        "submitted"
    );

    // No reason: the error next to the field with the rule id, nothing changes.
    let r = v
        .post_form(&path, &[("csrf", &csrf), ("reason", "  ")])
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"f-reason-error\""), "{}", r.body);
    let err = r.body.split("id=\"f-reason-error\"").nth(1).unwrap();
    assert!(
        err.contains("<code class=\"rule\">required</code>"),
        "{err}"
    );
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert_eq!(
        announcement_as_owner(&app, &id).await["status"],
        "submitted"
    );

    // With the reason: a draft again, and the owner reads why through the API.
    let r = v
        .post_form(
            &path,
            &[("csrf", &csrf), ("reason", "资格条件不明确，请补充。")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/staff/announcements?done=returned");
    let a = announcement_as_owner(&app, &id).await;
    assert_eq!(a["status"], "draft");
    assert_eq!(a["return_reason"], "资格条件不明确，请补充。");
    let ev = app.events_of("publishing.announcement.returned").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["reason"], "资格条件不明确，请补充。");
    // The owner also reads it on its own announcement pages.
    let mut owner = Visitor::new(&app);
    owner.sign_in("tenderer").await;
    for page in [
        "/tenderer/announcements".to_string(),
        format!("/tenderer/announcements/{id}"),
    ] {
        let r = owner.get(&page).await;
        assert_eq!(r.status, 200, "{page}: {}", r.body);
        assert!(
            r.body.contains("资格条件不明确，请补充。"),
            "{page}: {}",
            r.body
        );
    }
    // Returning again is a state conflict shown with its rule.
    let r = v
        .post_form(&path, &[("csrf", &csrf), ("reason", "再次退回")])
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("announcement.transition"), "{}", r.body);
    // Submitted again: the old reason is cleared.
    let tenderer = app.login("tenderer").await;
    let (s, v2) = app.announcement_step(&tenderer, &id, "submit").await;
    assert_eq!(s, 200, "{v2}");
    assert_eq!(v2["return_reason"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn the_api_returns_an_announcement_only_with_a_reason_and_only_for_staff() {
    let app = TestApp::spawn().await;
    let id = submitted_announcement(&app, "接口退回").await;
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    let path = format!("/api/v1/announcements/{id}/return");
    let (s, _) = app
        .post(Some(&tenderer), &path, json!({"reason": "x"}))
        .await;
    assert_eq!(s, 403);
    let (s, v) = app.post(Some(&staff), &path, json!({"reason": ""})).await;
    assert_first_error(s, &v, 422, "required");
    let long = "理".repeat(2001);
    let (s, _) = app.post(Some(&staff), &path, json!({"reason": long})).await;
    assert_eq!(s, 422, "2001 characters: refused");
    let ok = "理".repeat(2000);
    let (s, v) = app.post(Some(&staff), &path, json!({"reason": ok})).await;
    assert_eq!(s, 200, "2000 characters: the last allowed: {v}");
    assert_eq!(v["status"], "draft");
    app.stop().await;
}

#[tokio::test]
async fn staff_approve_an_announcement_and_register_or_return_projects_from_the_queues() {
    let app = TestApp::spawn().await;
    let ann = submitted_announcement(&app, "东港大道照明工程招标公告").await;
    let p1 = submitted_project(&app, "东港大道照明工程").await;
    let p2 = submitted_project(&app, "资料不全的项目").await;
    let mut v = Visitor::new(&app);
    v.sign_in("staff").await;

    let q = v.get("/staff/announcements").await;
    assert!(q
        .body
        .contains(&format!("href=\"/staff/announcements/{ann}\"")));
    let csrf = v.csrf(&format!("/staff/announcements/{ann}")).await;
    // A publishing time that is not a time: shown at the field with its rule.
    let r = v
        .post_form(
            &format!("/staff/announcements/{ann}/approve"),
            &[("csrf", &csrf), ("publish_at", "明天")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"f-publish_at-error\""), "{}", r.body);
    assert!(r.body.contains("announcement.time_invalid"));
    let r = v
        .post_form(
            &format!("/staff/announcements/{ann}/approve"),
            &[("csrf", &csrf), ("publish_at", "")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let (s, a) = app.get(None, &format!("/api/v1/announcements/{ann}")).await;
    assert_eq!(s, 200);
    assert_eq!(a["status"], "published");

    let q = v.get("/staff/projects").await;
    assert!(q.body.contains(&format!("href=\"/staff/projects/{p1}\"")));
    let d = v.get(&format!("/staff/projects/{p1}")).await;
    assert!(d.body.contains("10,000,000.00 元"), "{}", d.body);
    assert!(d.body.contains("200,000.00 元"));
    let r = v
        .post_form(&format!("/staff/projects/{p1}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let staff = app.login("staff").await;
    let p = app
        .get_expect(&staff, &format!("/api/v1/projects/{p1}"), 200)
        .await;
    assert_eq!(p["status"], "registered");
    assert!(
        p["code"].as_str().is_some_and(|c| c.contains("-GC-")),
        "{p}"
    );
    // Approving twice: the state conflict on the page, with its rule.
    let r = v
        .post_form(&format!("/staff/projects/{p1}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("project.illegal_transition"), "{}", r.body);

    let r = v
        .post_form(
            &format!("/staff/projects/{p2}/return"),
            &[("csrf", &csrf), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"f-reason-error\""));
    let r = v
        .post_form(
            &format!("/staff/projects/{p2}/return"),
            &[("csrf", &csrf), ("reason", "缺少资金来源说明")],
        )
        .await;
    assert_eq!(r.status, 303);
    let p = app
        .get_expect(&staff, &format!("/api/v1/projects/{p2}"), 200)
        .await;
    assert_eq!(p["status"], "draft");
    assert_eq!(p["return_reason"], "缺少资金来源说明");
    app.stop().await;
}

/// A multipart body of text fields and one file.
fn multipart(fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> (String, Vec<u8>) {
    let b = "----ggzy-staff-test-boundary";
    let mut out = Vec::new();
    for (k, v) in fields {
        out.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    out.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: text/csv\r\n\r\n",
            file.0, file.1
        )
        .as_bytes(),
    );
    out.extend_from_slice(file.2);
    out.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), out)
}

async fn upload(v: &Visitor, fields: &[(&str, &str)], csv: &[u8]) -> (u16, String) {
    let (ct, body) = multipart(fields, ("statement", "statement.csv", csv));
    let cookies = v
        .cookies
        .iter()
        .map(|(k, x)| format!("{k}={x}"))
        .collect::<Vec<_>>()
        .join("; ");
    let r = v
        .client
        .post(format!("{}/staff/reconciliation", v.base))
        .header("cookie", cookies)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .expect("upload");
    let s = r.status().as_u16();
    (s, r.text().await.expect("body"))
}

#[tokio::test]
async fn the_bank_statement_upload_shows_matched_and_unmatched_lines() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    v.sign_in("staff").await;
    let csrf = v.csrf("/staff/reconciliation").await;
    let csv = b"date,bank_txn_id,direction,amount,account\n2026-03-02,BANK-UNKNOWN-1,in,1000.00,6222000000\n";
    // Without the token: refused, nothing stored.
    let (s, body) = upload(&v, &[("date", "2026-03-02")], csv).await;
    assert_eq!(s, 403, "{body}");
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM deposit_reconciliations")
            .await,
        0
    );
    // No date: the error at the date field with its rule.
    let (s, body) = upload(&v, &[("csrf", &csrf), ("date", "")], csv).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("id=\"f-date-error\""), "{body}");
    assert!(body.contains("date.invalid"));
    // A line of another day: the use case's refusal, named at the file field.
    let (s, body) = upload(&v, &[("csrf", &csrf), ("date", "2026-03-03")], csv).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("id=\"f-statement-error\""), "{body}");
    // The day's statement: one line the ledger does not know.
    let (s, body) = upload(&v, &[("csrf", &csrf), ("date", "2026-03-02")], csv).await;
    assert_eq!(s, 201, "{body}");
    assert!(body.contains("id=\"unmatched-count\">1<"), "{body}");
    assert!(body.contains("id=\"matched-count\">0<"), "{body}");
    assert!(body.contains("data-kind=\"missing_in_ledger\""));
    assert!(body.contains("BANK-UNKNOWN-1"));
    assert!(body.contains("1,000.00 元"));
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM deposit_reconciliations")
            .await,
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn the_refund_pages_list_days_and_the_api_file_has_the_banks_columns() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    v.sign_in("staff").await;
    let r = v.get("/staff/refunds").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = v.get("/staff/refunds/2026-03-02").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("href=\"/staff/refunds/2026-03-02/file\""));
    let r = v.get("/staff/refunds/2026-3-x").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("YYYY-MM-DD"), "{}", r.body);
    let f = v.get("/staff/refunds/2026-03-02/file").await;
    assert_eq!(f.status, 200);
    assert!(f.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(f.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("refunds-2026-03-02.csv"));
    assert_eq!(
        f.body,
        "refund_id,payee_account_no,payee_name,amount,interest,total,due_date,reason,basis,status\r\n"
    );
    let staff = app.login("staff").await;
    let bidder = app.login("bidder1").await;
    let (s, _) = app
        .get(
            Some(&bidder),
            "/api/v1/deposits/refunds/file?date=2026-03-02",
        )
        .await;
    assert_eq!(s, 403);
    let (s, days) = app.get(Some(&staff), "/api/v1/deposits/refunds/days").await;
    assert_eq!(s, 200, "{days}");
    assert!(days.is_array());
    app.stop().await;
}

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .expect("body")
        .text()
        .await
        .expect("text")
}

#[tokio::test]
async fn staff_work_their_queues_in_a_real_browser() {
    let Some(browser) = ggzy_api_tests::browser::browser("staff queues", 375, 900).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let bad = submitted_announcement(&app, "待退回的招标公告").await;
    let good = submitted_announcement(&app, "待发布的招标公告").await;
    let project = submitted_project(&app, "浏览器登记确认的项目").await;
    let c = browser.client.clone();

    // Sign in: the home shows the queues with their counts.
    c.goto(&app.url("/login")).await.expect("login page");
    fill(&c, "f-username", "staff").await;
    fill(&c, "f-password", DEMO_PASSWORD).await;
    click_then(
        &c,
        Locator::Css("main form button[type=submit]"),
        Locator::Id("queue-announcements"),
    )
    .await;
    assert_eq!(c.current_url().await.unwrap().path(), "/staff");
    let count = c
        .find(Locator::Css("#queue-announcements [data-count]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(count, "2");
    let count = c
        .find(Locator::Css("#queue-projects [data-count]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(count, "1");

    // Open the queue and the first announcement: the portal's preview.
    click_then(
        &c,
        Locator::Css("#queue-announcements a"),
        Locator::Id(&format!("announcement-{bad}")),
    )
    .await;
    click_then(
        &c,
        Locator::Css(&format!("#announcement-{bad} a")),
        Locator::Id("preview-h"),
    )
    .await;
    let text = body_text(&c).await;
    assert!(text.contains("待退回的招标公告"), "{text}");
    assert!(text.contains("2026-03-30 09:00"), "{text}");
    // Return without a reason: the error next to the field with its rule id.
    click_then(
        &c,
        Locator::Css("#return-form button[type=submit]"),
        Locator::Id("f-reason-error"),
    )
    .await;
    let err = c
        .find(Locator::Id("f-reason-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(err.contains("required"), "{err}");
    fill(&c, "f-reason", "投标截止时间与招标文件不一致，请核对。").await;
    click_then(
        &c,
        Locator::Css("#return-form button[type=submit]"),
        Locator::Id(&format!("announcement-{good}")),
    )
    .await;
    let a = announcement_as_owner(&app, &bad).await;
    assert_eq!(a["status"], "draft");
    assert_eq!(a["return_reason"], "投标截止时间与招标文件不一致，请核对。");

    // Approve the other one: published.
    click_then(
        &c,
        Locator::Css(&format!("#announcement-{good} a")),
        Locator::Id("approve-form"),
    )
    .await;
    click_then(
        &c,
        Locator::Css("#approve-form button[type=submit]"),
        Locator::Id("queue-empty"),
    )
    .await;
    let (s, a) = app
        .get(None, &format!("/api/v1/announcements/{good}"))
        .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["status"], "published");

    // Approve the project from its queue.
    c.goto(&app.url("/staff/projects")).await.expect("projects");
    click_then(
        &c,
        Locator::Css(&format!("#project-{project} a")),
        Locator::Id("approve-form"),
    )
    .await;
    click_then(
        &c,
        Locator::Css("#approve-form button[type=submit]"),
        Locator::Id("queue-empty"),
    )
    .await;
    let staff = app.login("staff").await;
    let p = app
        .get_expect(&staff, &format!("/api/v1/projects/{project}"), 200)
        .await;
    assert_eq!(p["status"], "registered");
    // Home again: the queues are empty.
    c.goto(&app.url("/staff")).await.expect("home");
    let count = c
        .find(Locator::Css("#queue-announcements [data-count]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(count, "0");
    drop(browser);
    app.stop().await;
}
