//! Unified information publishing (统一信息发布): announcements drafted, approved, published (now or
//! by timer), read and searched by the public without login.

use ggzy_api_tests::{into_parts, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

/// The test clock starts Monday 2026-03-02 09:00 Shanghai, when documents become available.
const DOCS_AT: &str = "2026-03-02T09:00:00+08:00";
const DEADLINE_20_DAYS: &str = "2026-03-22T09:00:00+08:00";
const DEADLINE_19_DAYS: &str = "2026-03-21T09:30:00+08:00";

fn tender(title: &str, deadline: &str) -> Value {
    json!({
        "market": "construction",
        "type": "tender",
        "title": title,
        "body": "## 招标条件\n\n本工程已批准建设。<script>alert(1)</script>",
        "fields": {
            "project_name": title,
            "scope": "道路改造 3.2 公里",
            "funding": "财政资金",
            "qualification_requirements": "市政公用工程施工总承包三级及以上",
            "consortium_accepted": false,
            "documents_access": "登录平台免费下载",
            "docs_available_at": DOCS_AT,
            "bid_deadline": deadline,
            "submission_method": "电子投标",
            "tenderer_contact": "大连市市政建设管理处，大连市西岗区，0411-00000000",
            "platform_url": "https://ggzy.example.cn",
        },
    })
}

async fn create(app: &TestApp, token: &str, body: Value) -> String {
    let (s, v) = app.post(Some(token), "/api/v1/announcements", body).await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().expect("id").to_string()
}

/// Drafted by the tenderer, submitted, approved by staff (published at once).
async fn publish(app: &TestApp, title: &str) -> String {
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    let id = create(app, &tenderer, tender(title, DEADLINE_20_DAYS)).await;
    let (s, v) = app
        .post(
            Some(&tenderer),
            &format!("/api/v1/announcements/{id}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/announcements/{id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "published", "{v}");
    id
}

async fn count_events(app: &TestApp, event_type: &str, id: &str) -> i64 {
    use sqlx::Row;
    let r = sqlx::query("SELECT COUNT(*) FROM events WHERE event_type = $1 AND aggregate_id = $2")
        .bind(event_type)
        .bind(id)
        .fetch_one(app.ctx.db.pool())
        .await
        .expect("count");
    r.try_get::<i64, _>(0).expect("i64")
}

#[tokio::test]
async fn each_missing_required_field_of_a_tender_announcement_is_named() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let mut body = tender("某道路改造工程", DEADLINE_20_DAYS);
    body["fields"] = json!({"project_name": "某道路改造工程"});
    let (s, v) = app
        .post(Some(&tenderer), "/api/v1/announcements", body)
        .await;
    assert_eq!(s, 422, "{v}");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for f in [
        "fields.scope",
        "fields.funding",
        "fields.qualification_requirements",
        "fields.consortium_accepted",
        "fields.documents_access",
        "fields.bid_deadline",
        "fields.tenderer_contact",
        "fields.platform_url",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert!(!fields.contains(&"fields.project_name"));

    // Candidate publicity: every candidate states its own fields (10号令 6).
    let (s, v) = app
        .post(
            Some(&tenderer),
            "/api/v1/announcements",
            json!({"market": "construction", "type": "candidate_publicity", "title": "候选人公示",
                   "body": "公示", "fields": {"candidates": [{"rank": 1, "name": "甲公司"}]}}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    let text = v.to_string();
    for f in [
        "fields.candidates[0].price",
        "fields.candidates[0].certificate_no",
        "fields.objection_method",
    ] {
        assert!(text.contains(f), "{f} missing from {text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_announcement_goes_from_draft_to_published_and_its_text_is_then_immutable() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let id = publish(&app, "大连市某道路改造工程招标公告").await;

    // Anyone can read it without login; the body is sanitized HTML.
    let (s, v) = app.get(None, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "published");
    let html = v["body_html"].as_str().expect("html");
    assert!(html.contains("<h2>招标条件</h2>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert_eq!(v["versions"].as_array().expect("versions").len(), 1);

    // Published text is immutable.
    let r = app
        .client
        .put(app.url(&format!("/api/v1/announcements/{id}")))
        .bearer_auth(&tenderer)
        .json(&tender("改过的标题", DEADLINE_20_DAYS))
        .send()
        .await
        .expect("put");
    let (s, v) = into_parts(r).await;
    assert_eq!(s, 409, "{v}");

    // Amend with a change notice; the original stays visible and links to it.
    let staff = app.login("staff").await;
    let change = create(
        &app,
        &tenderer,
        json!({"market": "construction", "type": "change", "title": "变更公告", "body": "开标时间不变。",
               "original_id": id, "fields": {"project_name": "大连市某道路改造工程", "change_summary": "澄清资格条件"}}),
    )
    .await;
    app.post(
        Some(&tenderer),
        &format!("/api/v1/announcements/{change}/submit"),
        json!({}),
    )
    .await;
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/announcements/{change}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = app.get(None, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(v["status"], "published");
    assert_eq!(v["changes"], json!([change]));

    // Withdrawal keeps the text with its reason.
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/announcements/{id}/withdraw"),
            json!({"reason": "项目取消"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = app.get(None, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(v["status"], "withdrawn");
    assert_eq!(v["withdraw_reason"], "项目取消");
    assert!(v["body_html"].as_str().expect("html").contains("招标条件"));

    for verb in [
        "created",
        "submitted",
        "approved",
        "scheduled",
        "published",
        "withdrawn",
    ] {
        assert_eq!(
            count_events(&app, &format!("publishing.announcement.{verb}"), &id).await,
            1,
            "{verb}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_tender_announcement_needs_20_days_to_the_deadline_19_is_refused() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    for (deadline, want) in [(DEADLINE_19_DAYS, 422), (DEADLINE_20_DAYS, 200)] {
        let id = create(&app, &tenderer, tender("某道路改造工程", deadline)).await;
        app.post(
            Some(&tenderer),
            &format!("/api/v1/announcements/{id}/submit"),
            json!({}),
        )
        .await;
        let (s, v) = app
            .post(
                Some(&staff),
                &format!("/api/v1/announcements/{id}/approve"),
                json!({}),
            )
            .await;
        assert_eq!(s, want, "{deadline}: {v}");
        if want == 422 {
            assert_eq!(v["errors"][0]["rule"], "announcement.tender_period", "{v}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_scheduled_announcement_is_published_by_the_timer_exactly_once() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    let id = create(
        &app,
        &tenderer,
        tender("定时发布的道路工程", "2026-03-30T09:00:00+08:00"),
    )
    .await;
    app.post(
        Some(&tenderer),
        &format!("/api/v1/announcements/{id}/submit"),
        json!({}),
    )
    .await;
    let (s, v) = app
        .post(
            Some(&staff),
            &format!("/api/v1/announcements/{id}/approve"),
            json!({"publish_at": "2026-03-03T09:00:00+08:00"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "scheduled");
    let (s, _) = app.get(None, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(s, 404, "not public before its time");

    app.clock().advance(chrono::Duration::hours(25));
    let mut published = false;
    for _ in 0..100 {
        let (s, v) = app.get(None, &format!("/api/v1/announcements/{id}")).await;
        if s == 200 && v["status"] == "published" {
            let at = v["published_at"].as_str().expect("published_at");
            assert!(at.starts_with("2026-03-03T02:0"), "{at}");
            published = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(published, "the timer published it");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        count_events(&app, "publishing.announcement.published", &id).await,
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn search_finds_chinese_text_with_short_and_long_queries() {
    let app = TestApp::spawn().await;
    let road = publish(&app, "大连市某道路改造工程").await;
    let _other = publish(&app, "某学校食堂设备采购").await;
    for q in ["道路", "道路改造", "改造工程"] {
        let (s, v) = app
            .get(None, &format!("/api/v1/announcements?q={}", urlencode(q)))
            .await;
        assert_eq!(s, 200, "{v}");
        let ids: Vec<&str> = v["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|a| a["id"].as_str())
            .collect();
        assert_eq!(ids, vec![road.as_str()], "q={q}");
    }
    let (_, v) = app
        .get(
            None,
            &format!("/api/v1/announcements?q={}", urlencode("桥梁")),
        )
        .await;
    assert_eq!(v["items"], json!([]));
    app.stop().await;
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn cursor_pagination_returns_every_announcement_once_newest_first() {
    let app = TestApp::spawn().await;
    let mut want = Vec::new();
    for i in 0..5 {
        want.push(publish(&app, &format!("第{i}号道路工程")).await);
        app.clock().advance(chrono::Duration::minutes(i % 2));
    }
    let mut got: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/announcements?limit=2&market=construction&cursor={c}"),
            None => "/api/v1/announcements?limit=2&market=construction".to_string(),
        };
        let (s, v) = app.get(None, &path).await;
        assert_eq!(s, 200, "{v}");
        for a in v["items"].as_array().expect("items") {
            got.push(a["id"].as_str().expect("id").to_string());
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(got.len(), 5, "{got:?}");
    let mut sorted = got.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 5);
    let mut w = want.clone();
    w.sort();
    assert_eq!(sorted, w);
    app.stop().await;
}

#[tokio::test]
async fn public_reads_carry_cache_headers_and_answer_304_and_each_market_has_an_rss_feed() {
    let app = TestApp::spawn().await;
    let id = publish(&app, "大连市某道路改造工程").await;
    let url = app.url(&format!("/api/v1/announcements/{id}"));
    let r = app.client.get(&url).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().expect("etag").to_string();
    assert!(r.headers().contains_key("last-modified"));
    assert!(r.headers()["cache-control"]
        .to_str()
        .expect("cc")
        .contains("max-age"));
    let r = app
        .client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 304);

    let r = app
        .client
        .get(app.url("/feeds/construction.xml"))
        .send()
        .await
        .expect("feed");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("application/rss+xml"));
    let xml = r.text().await.expect("xml");
    assert!(xml.contains("<rss version=\"2.0\">"), "{xml}");
    assert!(xml.contains("大连市某道路改造工程"), "{xml}");
    let r = app
        .client
        .get(app.url("/feeds/procurement.xml"))
        .send()
        .await
        .expect("feed");
    assert!(!r.text().await.expect("xml").contains("道路"));
    app.stop().await;
}
