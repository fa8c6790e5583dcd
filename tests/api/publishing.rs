//! Unified information publishing (统一信息发布): announcements drafted, approved, published (now or
//! by timer), read and searched by the public without login.

use ggzy_api_tests::{into_parts, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

/// The test clock starts Monday 2026-03-02 09:00 Shanghai, when documents become available.
const DOCS_AT: &str = "2026-03-02T09:00:00+08:00";
const DEADLINE_20_DAYS: &str = "2026-03-23T09:00:00+08:00";
const DEADLINE_19_DAYS: &str = "2026-03-21T09:30:00+08:00";

pub(crate) fn tender(title: &str, deadline: &str) -> Value {
    json!({
        "market": "construction",
        "type": "tender",
        "title": title,
        "body": "## 招标条件\n\n本工程已批准建设。<script>alert(1)</script>",
        "fields": {
            "project_name": title,
            "scope": "道路改造 3.2 公里",
            "scale": "估算价 1200 万元",
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

pub(crate) async fn create(app: &TestApp, token: &str, body: Value) -> String {
    let (s, v) = app.post(Some(token), "/api/v1/announcements", body).await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().expect("id").to_string()
}

/// Drafted by the tenderer, submitted, approved by staff (published at once).
async fn publish(app: &TestApp, title: &str) -> String {
    let tenderer = app.login("tenderer").await;
    let id = create(app, &tenderer, tender(title, DEADLINE_20_DAYS)).await;
    app.release_announcement(&id).await;
    id
}

/// A tender announcement (deadline 2026-03-30) submitted and approved to go out 2026-03-03 09:00;
/// its id and the approval's answer.
async fn scheduled_tender(app: &TestApp, title: &str) -> (String, Value) {
    let tenderer = app.login("tenderer").await;
    let id = create(app, &tenderer, tender(title, "2026-03-30T09:00:00+08:00")).await;
    let (s, v) = submit_approve(app, &id, json!({"publish_at": "2026-03-03T09:00:00+08:00"})).await;
    assert_eq!(s, 200, "{v}");
    (id, v)
}

/// The announcement as the public reads it, once a timer has published it (at most 10 s).
async fn wait_published(app: &TestApp, id: &str) -> Value {
    for () in ggzy_api_tests::patience() {
        let (s, v) = app.get(None, &format!("/api/v1/announcements/{id}")).await;
        if s == 200 && v["status"] == "published" {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("announcement {id} was not published");
}

pub(crate) async fn count_events(app: &TestApp, event_type: &str, id: &str) -> i64 {
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
    let (s, v) = app
        .put(
            Some(&tenderer),
            &format!("/api/v1/announcements/{id}"),
            tender("改过的标题", DEADLINE_20_DAYS),
        )
        .await;
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
    app.announcement_step(&tenderer, &change, "submit").await;
    let (s, v) = app.announcement_step(&staff, &change, "approve").await;
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
    // The 20th day is Sunday 03-22: a deadline that day is refused, Monday 03-23 is the first
    // allowed (民法典 203).
    for (deadline, want) in [
        (DEADLINE_19_DAYS, 422),
        ("2026-03-22T23:59:59+08:00", 422),
        (DEADLINE_20_DAYS, 200),
    ] {
        let body = tender("某道路改造工程", deadline);
        approval_answers(&app, &tenderer, body, want, "announcement.tender_period").await;
    }
    app.stop().await;
}

#[tokio::test]
async fn a_scheduled_announcement_is_published_by_the_timer_exactly_once() {
    let app = TestApp::spawn().await;
    let (id, v) = scheduled_tender(&app, "定时发布的道路工程").await;
    assert_eq!(v["status"], "scheduled");
    let (s, _) = app.get(None, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(s, 404, "not public before its time");

    app.clock().advance(chrono::Duration::hours(25));
    let v = wait_published(&app, &id).await;
    let at = v["published_at"].as_str().expect("published_at");
    assert!(at.starts_with("2026-03-03T02:0"), "{at}");
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

pub(crate) fn urlencode(s: &str) -> String {
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
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss"),
        "{xml}"
    );
    assert!(xml.trim_end().ends_with("</channel></rss>"), "{xml}");
    assert!(xml.contains("大连市某道路改造工程"), "{xml}");
    // Links are absolute, on the public URL, and lead to the portal page a person reads.
    let base = app
        .ctx
        .settings
        .public_url
        .trim_end_matches('/')
        .to_string();
    assert!(base.starts_with("http"), "{base}");
    assert!(
        xml.contains(&format!("<link>{base}/market/construction</link>")),
        "{xml}"
    );
    let item = xml.split("<item>").nth(1).expect("an item");
    let link = &item[item.find("<link>").expect("link") + 6..item.find("</link>").expect("end")];
    assert!(
        link.starts_with(&format!("{base}/announcements/")),
        "{link}"
    );
    let page = app
        .client
        .get(app.url(link.trim_start_matches(&base)))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    assert!(!xml.contains("<link>/"), "no relative link: {xml}");
    let r = app
        .client
        .get(app.url("/feeds/procurement.xml"))
        .send()
        .await
        .expect("feed");
    assert!(!r.text().await.expect("xml").contains("道路"));
    app.stop().await;
}

// ---------------------------------------------------------------- linked to projects, lifecycle

const DEADLINE_APR_1: &str = "2026-04-01T09:00:00+08:00";
const DEADLINE_APR_2: &str = "2026-04-02T09:00:00+08:00";

/// Emit an event of another area straight into the outbox and seal it (the projects side of the
/// contract lands in parallel; publishing only sees the events).
pub(crate) async fn emit_event(
    app: &TestApp,
    event_type: &str,
    aggregate: &str,
    id: &str,
    payload: Value,
) {
    app.emit(event_type, aggregate, id, payload).await;
    app.seal().await;
}

/// First column of the first row, waiting up to 10 s for the consumers to produce it.
pub(crate) async fn wait_row(app: &TestApp, sql: &str, bind: &str) -> String {
    use sqlx::Row;
    for () in ggzy_api_tests::patience() {
        let r = sqlx::query(sql)
            .bind(bind)
            .fetch_optional(app.ctx.db.pool())
            .await
            .expect("query");
        if let Some(r) = r {
            return r.try_get::<String, _>(0).expect("text");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no row for {sql} / {bind}");
}

/// Payload of the one event of this type about this aggregate.
pub(crate) async fn event_payload(app: &TestApp, event_type: &str, id: &str) -> Value {
    let p = wait_row(
        app,
        &format!(
            "SELECT payload FROM events WHERE event_type = '{event_type}' AND aggregate_id = $1"
        ),
        id,
    )
    .await;
    serde_json::from_str(&p).expect("payload")
}

pub(crate) struct Registered {
    pub project_id: String,
    pub section_id: String,
}

/// One section of a project registered in Dalian (210200) by 大连市市政建设管理处.
pub(crate) struct Section<'a> {
    pub(crate) project_id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) no: i64,
    pub(crate) name: &'a str,
    pub(crate) estimated_price: &'a str,
    pub(crate) project_code: &'a str,
    pub(crate) project_name: &'a str,
    pub(crate) market: &'a str,
    pub(crate) tenderer_uscc: &'a str,
    pub(crate) owner_org_id: &'a str,
    /// Bid deadline and opening (RFC 3339).
    pub(crate) deadline: &'a str,
}

/// `projects.section.registered` of the section as the projects area emits it (through its
/// contract): documents issued from [`DOCS_AT`], sold until 9 March, a deposit of 2 %.
pub(crate) fn registered_section(s: Section<'_>) -> ggzy_events::projects::SectionRegistered {
    let money = |m: &str| ggzy_core::Money::parse_str(m).expect("money");
    let at = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .expect("RFC 3339")
            .with_timezone(&chrono::Utc)
    };
    let mut e =
        ggzy_api_tests::fixtures::section_registered(s.section_id, s.market, "0.00", s.deadline);
    e.no = s.no;
    e.name = s.name.to_string();
    e.estimated_price = money(s.estimated_price);
    e.deposit = ggzy_core::Money::from_fen(e.estimated_price.fen() / 50);
    e.docs_issue_at = at(DOCS_AT);
    e.docs_sale_end_at = at("2026-03-09T09:00:00+08:00");
    e.project_id = s.project_id.to_string();
    e.project_code = Some(s.project_code.to_string());
    e.project_name = s.project_name.to_string();
    e.tenderer_uscc = s.tenderer_uscc.to_string();
    e.owner_org_id = s.owner_org_id.to_string();
    e.region = Some("210200".to_string());
    e.tenderer_name = Some("大连市市政建设管理处".to_string());
    e
}

/// A project with one section, registered by the projects area (as its events).
pub(crate) async fn register(
    app: &TestApp,
    market: &str,
    name: &str,
    deadline: &str,
) -> Registered {
    let org = wait_row(
        app,
        "SELECT org_id FROM users WHERE username = $1",
        "tenderer",
    )
    .await;
    let project_id = uuid::Uuid::new_v4().to_string();
    let section_id = uuid::Uuid::new_v4().to_string();
    let s = registered_section(Section {
        project_id: &project_id,
        section_id: &section_id,
        no: 1,
        name: "第1标段",
        estimated_price: "12000000.00",
        project_code: "210200-GC-2026-000001",
        project_name: name,
        market,
        tenderer_uscc: "91210200MA0000000X",
        owner_org_id: &org,
        deadline,
    });
    emit_event(
        app,
        "projects.section.registered",
        "section",
        &section_id,
        ggzy_events::Contract::encode(&s).payload,
    )
    .await;
    wait_row(
        app,
        "SELECT section_id FROM publishing_sections WHERE section_id = $1",
        &section_id,
    )
    .await;
    Registered {
        project_id,
        section_id,
    }
}

/// A repeated registration refreshes publishing's copy of the section but keeps what the event
/// does not carry: an event emitted before the region and tenderer's name joined the contract
/// leaves them as stored (the shared `SectionCopy` projector in merge mode).
#[tokio::test]
async fn a_repeated_registration_without_region_keeps_the_stored_region_and_tenderer_name() {
    let app = TestApp::spawn().await;
    let reg = register(&app, "construction", "某道路改造工程", DEADLINE_APR_1).await;
    let row = |id: String| {
        let app = &app;
        async move {
            sqlx::query_as::<_, (String, Option<String>, Option<String>)>(
                "SELECT section_name, region, tenderer_name FROM publishing_sections \
                 WHERE section_id = $1",
            )
            .bind(id)
            .fetch_one(app.ctx.db.pool())
            .await
            .expect("row")
        }
    };
    assert_eq!(
        row(reg.section_id.clone()).await,
        (
            "第1标段".to_string(),
            Some("210200".to_string()),
            Some("大连市市政建设管理处".to_string())
        )
    );
    let org = wait_row(
        &app,
        "SELECT org_id FROM users WHERE username = $1",
        "tenderer",
    )
    .await;
    let mut again = registered_section(Section {
        project_id: &reg.project_id,
        section_id: &reg.section_id,
        no: 1,
        name: "第1标段（更名）",
        estimated_price: "12000000.00",
        project_code: "210200-GC-2026-000001",
        project_name: "某道路改造工程",
        market: "construction",
        tenderer_uscc: "91210200MA0000000X",
        owner_org_id: &org,
        deadline: DEADLINE_APR_1,
    });
    again.region = None;
    again.tenderer_name = None;
    let mut payload = ggzy_events::Contract::encode(&again).payload;
    let fields = payload.as_object_mut().expect("object");
    fields.remove("region");
    fields.remove("tenderer_name");
    emit_event(
        &app,
        "projects.section.registered",
        "section",
        &reg.section_id,
        payload,
    )
    .await;
    app.drain_consumer("publishing.lifecycle").await;
    assert_eq!(
        row(reg.section_id.clone()).await,
        (
            "第1标段（更名）".to_string(),
            Some("210200".to_string()),
            Some("大连市市政建设管理处".to_string())
        )
    );
    app.stop().await;
}

/// `body` drafted by `tenderer`, submitted and approved by staff: the approval answers `want`, and
/// when that is 422 its first error names `rule`.
async fn approval_answers(app: &TestApp, tenderer: &str, body: Value, want: u16, rule: &str) {
    let id = create(app, tenderer, body).await;
    let (s, v) = submit_approve(app, &id, json!({})).await;
    assert_eq!(s, want, "{v}");
    if want == 422 {
        assert_eq!(v["errors"][0]["rule"], rule, "{v}");
    }
}

/// Submit (tenderer) and approve (staff) a draft; the approval's answer.
pub(crate) async fn submit_approve(app: &TestApp, id: &str, approval: Value) -> (u16, Value) {
    let tenderer = app.login("tenderer").await;
    let staff = app.login("staff").await;
    let (s, v) = app.announcement_step(&tenderer, id, "submit").await;
    assert_eq!(s, 200, "{v}");
    app.post(
        Some(&staff),
        &format!("/api/v1/announcements/{id}/approve"),
        approval,
    )
    .await
}

/// A tender announcement about a registered section, published now.
pub(crate) async fn publish_linked(app: &TestApp, reg: &Registered, title: &str) -> String {
    let tenderer = app.login("tenderer").await;
    let mut body = tender(title, DEADLINE_20_DAYS);
    body["project_id"] = json!(reg.project_id);
    body["section_ids"] = json!([reg.section_id]);
    let id = create(app, &tenderer, body).await;
    let (s, v) = submit_approve(app, &id, json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "published");
    id
}

pub(crate) fn change(original: &str, extra: Value) -> Value {
    let mut fields = json!({"project_name": "某道路改造工程", "change_summary": "澄清技术参数"});
    if let (Some(f), Some(e)) = (fields.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            f.insert(k.clone(), v.clone());
        }
    }
    json!({"market": "construction", "type": "change", "title": "澄清公告", "body": "澄清如下。",
           "original_id": original, "fields": fields})
}

fn utc(s: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s.as_str().expect("time"))
        .expect("rfc3339")
        .with_timezone(&chrono::Utc)
}

fn local(s: &str) -> chrono::DateTime<chrono::Utc> {
    utc(&json!(s))
}

#[tokio::test]
async fn a_published_tender_announcement_tells_projects_which_sections_it_opens() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let reg = register(&app, "construction", "某道路改造工程", DEADLINE_APR_1).await;
    let id = publish_linked(&app, &reg, "某道路改造工程招标公告").await;
    let p = event_payload(&app, "publishing.announcement.published", &id).await;
    assert_eq!(p["announcement_id"], json!(id));
    assert_eq!(p["type"], "tender");
    assert_eq!(p["market"], "construction");
    assert_eq!(p["project_id"], json!(reg.project_id));
    assert_eq!(p["section_ids"], json!([reg.section_id]));
    let at = utc(&p["published_at"]);
    assert!(at >= local(DOCS_AT) && at < local(DOCS_AT) + chrono::Duration::minutes(1));
    assert!(p.get("postpone").is_none(), "{p}");

    // Only registered projects and their own sections; the market must match.
    let mut body = tender("x", DEADLINE_20_DAYS);
    body["project_id"] = json!(reg.project_id);
    body["section_ids"] = json!(["not-a-section"]);
    body["market"] = json!("procurement");
    let (s, v) = app
        .post(Some(&tenderer), "/api/v1/announcements", body)
        .await;
    assert_eq!(s, 422, "{v}");
    let text = v.to_string();
    assert!(text.contains("section_ids[0]") && text.contains("announcement.market_mismatch"));
    let mut body = tender("x", DEADLINE_20_DAYS);
    body["project_id"] = json!("no-such-project");
    let (s, v) = app
        .post(Some(&tenderer), "/api/v1/announcements", body)
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "announcement.project_unknown");
    app.stop().await;
}

#[tokio::test]
async fn a_clarification_14_days_before_the_deadline_postpones_it_15_keeps_it_or_is_refused() {
    let app = TestApp::spawn().await;
    let a = register(&app, "construction", "甲道路工程", DEADLINE_APR_1).await;
    let b = register(&app, "construction", "乙道路工程", DEADLINE_APR_2).await;
    let c = register(&app, "construction", "丙道路工程", DEADLINE_APR_1).await;
    let d = register(&app, "construction", "丁道路工程", DEADLINE_APR_1).await;
    let ta = publish_linked(&app, &a, "甲道路工程招标公告").await;
    let tb = publish_linked(&app, &b, "乙道路工程招标公告").await;
    let tc = publish_linked(&app, &c, "丙道路工程招标公告").await;
    let td = publish_linked(&app, &d, "丁道路工程招标公告").await;
    // 2026-03-18 09:00: 14 days before 1 April, 15 before 2 April.
    app.clock().advance(chrono::Duration::days(16));
    let tenderer = app.login("tenderer").await;

    // 14 days: postponed to publishing + 15 days; the opening follows.
    let id = create(&app, &tenderer, change(&ta, json!({}))).await;
    let (s, v) = submit_approve(&app, &id, json!({})).await;
    assert_eq!(s, 200, "{v}");
    let p = event_payload(&app, "publishing.announcement.published", &id).await;
    assert_eq!(p["type"], "change");
    assert_eq!(p["section_ids"], json!([a.section_id]));
    let pp = &p["postpone"][0];
    assert_eq!(pp["section_id"], json!(a.section_id));
    assert_eq!(utc(&pp["new_deadline"]), local(DEADLINE_APR_2));
    assert_eq!(utc(&pp["new_opening_at"]), local(DEADLINE_APR_2));
    assert_eq!(p["postpone"].as_array().expect("postpone").len(), 1);
    let (_, v) = app.get(None, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(v["postpone"][0]["section_id"], json!(a.section_id));
    // The original stays visible and links to its change notice.
    let (s, v) = app.get(None, &format!("/api/v1/announcements/{ta}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "published");
    assert_eq!(v["changes"], json!([id]));

    // 15 days: the deadline stays.
    let id = create(&app, &tenderer, change(&tb, json!({}))).await;
    let (s, v) = submit_approve(&app, &id, json!({})).await;
    assert_eq!(s, 200, "{v}");
    let p = event_payload(&app, "publishing.announcement.published", &id).await;
    assert!(p.get("postpone").is_none(), "{p}");

    // 14 days and the tenderer chose to be refused rather than postponed: nothing changes.
    let id = create(
        &app,
        &tenderer,
        change(&tc, json!({"refuse_if_short": true})),
    )
    .await;
    let (s, v) = submit_approve(&app, &id, json!({})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "announcement.clarification_period");
    assert_eq!(v["errors"][0]["field"], "fields.new_bid_deadline");
    let (_, v) = app
        .get(Some(&tenderer), &format!("/api/v1/announcements/{id}"))
        .await;
    assert_eq!(v["status"], "submitted");
    assert_eq!(
        count_events(&app, "publishing.announcement.published", &id).await,
        0
    );

    // …unless the notice sets its own later deadline, which then applies.
    let id = create(
        &app,
        &tenderer,
        change(
            &td,
            json!({"refuse_if_short": true, "new_bid_deadline": "2026-04-10T09:00:00+08:00"}),
        ),
    )
    .await;
    let (s, v) = submit_approve(&app, &id, json!({})).await;
    assert_eq!(s, 200, "{v}");
    let p = event_payload(&app, "publishing.announcement.published", &id).await;
    assert_eq!(
        utc(&p["postpone"][0]["new_deadline"]),
        local("2026-04-10T09:00:00+08:00")
    );
    app.stop().await;
}

#[tokio::test]
async fn periods_are_checked_again_when_a_scheduled_notice_goes_out() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let reg = register(&app, "construction", "某道路改造工程", DEADLINE_APR_1).await;
    let t = publish_linked(&app, &reg, "某道路改造工程招标公告").await;
    let id = create(
        &app,
        &tenderer,
        change(&t, json!({"refuse_if_short": true})),
    )
    .await;
    // Going out on 3 March, 29 days before the deadline: approved.
    let (s, v) = submit_approve(
        &app,
        &id,
        json!({"publish_at": "2026-03-03T09:00:00+08:00"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "scheduled");
    // Meanwhile the deadline moves to 17 March: 14 days after the publishing day.
    emit_event(
        &app,
        "projects.section.deadline_changed",
        "section",
        &reg.section_id,
        json!({"section_id": reg.section_id, "project_id": reg.project_id,
               "old_deadline": DEADLINE_APR_1, "new_deadline": "2026-03-17T09:00:00+08:00",
               "old_opening_at": DEADLINE_APR_1, "new_opening_at": "2026-03-17T09:00:00+08:00"}),
    )
    .await;
    let want = to_micros_str("2026-03-17T09:00:00+08:00");
    for () in ggzy_api_tests::patience() {
        let d = wait_row(
            &app,
            "SELECT CAST(bid_deadline AS TEXT) FROM publishing_sections WHERE section_id = $1",
            &reg.section_id,
        )
        .await;
        if d == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.clock().advance(chrono::Duration::hours(25));
    let p = event_payload(&app, "publishing.announcement.returned", &id).await;
    assert_eq!(p["status"], "draft");
    assert!(p["violations"]
        .to_string()
        .contains("announcement.clarification_period"));
    assert_eq!(
        count_events(&app, "publishing.announcement.published", &id).await,
        0
    );
    app.stop().await;
}

fn to_micros_str(s: &str) -> String {
    local(s).timestamp_micros().to_string()
}

fn candidate_publicity(end: &str) -> Value {
    json!({"market": "construction", "type": "candidate_publicity", "title": "中标候选人公示",
        "body": "公示", "fields": {
            "candidates": [{"rank": 1, "name": "甲公司", "price": "1000000.00", "quality": "合格",
                "duration": "180 日历天", "project_manager": "张三", "certificate_no": "辽221000000001",
                "qualification_response": "满足"}],
            "evaluation_summary": "综合评估法", "objection_method": "向招标人书面提出",
            "publicity_start_at": DOCS_AT, "publicity_end_at": end}})
}

#[tokio::test]
async fn candidate_publicity_of_3_days_is_approved_and_2_refused() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    // Published Mon 03-02 09:00: day 3 is Thu 03-05, and the publicity must last until its 24:00.
    for (end, want) in [
        ("2026-03-05T23:59:00+08:00", 422),
        ("2026-03-06T00:00:00+08:00", 200),
    ] {
        let body = candidate_publicity(end);
        approval_answers(&app, &tenderer, body, want, "announcement.publicity_period").await;
    }
    app.stop().await;
}

#[tokio::test]
async fn a_procurement_announcement_runs_5_working_days_4_are_refused() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    // Monday 2 March + 5 working days = Monday 9 March, until its 24:00; a minute less is refused.
    for (end, want) in [
        ("2026-03-09T23:59:00+08:00", 422),
        ("2026-03-10T00:00:00+08:00", 200),
    ] {
        let mut body = tender("某学校食堂设备采购", DEADLINE_20_DAYS);
        body["market"] = json!("procurement");
        body["fields"]["announcement_end_at"] = json!(end);
        approval_answers(
            &app,
            &tenderer,
            body,
            want,
            "announcement.procurement_period",
        )
        .await;
    }
    app.stop().await;
}

/// 32号令 第十三条: a transfer that moves the actual control of the enterprise is pre-disclosed
/// (预披露) for ≥ 20 working days, starting within 10 working days of its approval, and formally
/// disclosed after it.
#[tokio::test]
async fn a_control_transfer_is_predisclosed_within_10_working_days_of_approval_and_disclosed_after()
{
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let reg = register(&app, "property", "某公司 100% 股权转让", DEADLINE_20_DAYS).await;
    let pre = |approved: &str, end: &str| {
        json!({"market": "property", "type": "property_predisclosure", "title": "某公司 100% 股权转让预披露",
            "body": "预披露", "project_id": reg.project_id, "section_ids": [reg.section_id],
            "fields": {"subject": "某公司 100% 股权", "transferor": "某国有集团",
            "approval": "国资委批复", "approved_on": approved, "predisclosure_end_at": end}})
    };
    let formal = |end: &str| {
        json!({"market": "property", "type": "property_disclosure", "title": "某公司 100% 股权转让",
            "body": "披露", "project_id": reg.project_id, "section_ids": [reg.section_id],
            "fields": {"subject": "某公司 100% 股权", "transferor": "某国有集团",
            "approval": "国资委批复", "buyer_qualification": "依法存续的企业法人",
            "floor_price": "8000000.00", "disclosure_end_at": end, "control_transfer": true}})
    };
    // Monday 03-02 09:00: no pre-disclosure yet, so no formal disclosure of a control transfer.
    approval_answers(
        &app,
        &tenderer,
        formal("2026-03-31T00:00:00+08:00"),
        422,
        "announcement.predisclosure_required",
    )
    .await;
    // Approved Monday 02-09: the 10th working day (春节 off, make-up Saturdays 02-14 and 02-28
    // worked) was 02-28 — 03-02 is late. Approved 02-10: 03-02 is its 10th working day.
    let end = "2026-03-31T00:00:00+08:00";
    approval_answers(
        &app,
        &tenderer,
        pre("2026-02-09", end),
        422,
        "announcement.predisclosure_after_approval",
    )
    .await;
    // 20 working days from 03-02 end on Monday 03-30 at its 24:00.
    approval_answers(
        &app,
        &tenderer,
        pre("2026-02-10", "2026-03-30T23:59:59+08:00"),
        422,
        "announcement.predisclosure_period",
    )
    .await;
    approval_answers(&app, &tenderer, pre("2026-02-10", end), 200, "").await;
    // The formal disclosure follows the pre-disclosure's end: late on 03-30 not yet (the exact
    // second is the unit test's: this clock runs on through the sign-ins)…
    app.clock()
        .set(ggzy_api_tests::fixtures::at("2026-03-30T23:50:00+08:00"));
    let tenderer = app.login("tenderer").await;
    approval_answers(
        &app,
        &tenderer,
        formal("2026-04-29T00:00:00+08:00"),
        422,
        "announcement.predisclosure_not_ended",
    )
    .await;
    // …at 03-31 00:00 it goes out (20 working days from 03-31, 清明 04-04..06 off: Wednesday
    // 04-29, until its 24:00).
    app.clock()
        .set(ggzy_api_tests::fixtures::at("2026-03-31T00:00:00+08:00"));
    let tenderer = app.login("tenderer").await;
    approval_answers(
        &app,
        &tenderer,
        formal("2026-04-29T23:59:59+08:00"),
        422,
        "announcement.disclosure_period",
    )
    .await;
    approval_answers(
        &app,
        &tenderer,
        formal("2026-04-30T00:00:00+08:00"),
        200,
        "",
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn land_transfer_needs_20_days_and_property_disclosure_20_working_days() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let land = |start: &str| {
        json!({"market": "land", "type": "land_transfer", "title": "国有建设用地使用权挂牌出让公告",
            "body": "出让", "fields": {"transferor": "大连市自然资源局", "parcel": "甘井子区 2026-01 号地块",
            "bidder_qualification": "境内外法人", "documents_access": "平台下载", "trading_method": "挂牌",
            "start_price": "50000000.00", "deposit": "10000000.00", "docs_available_at": DOCS_AT,
            "trading_start_at": start}})
    };
    let property = |end: &str| {
        json!({"market": "property", "type": "property_disclosure", "title": "某公司 100% 股权转让",
            "body": "披露", "fields": {"subject": "某公司 100% 股权", "transferor": "某国有集团",
            "approval": "国资委批复", "buyer_qualification": "依法存续的企业法人",
            "floor_price": "8000000.00", "disclosure_end_at": end}})
    };
    for (body, want, rule) in [
        (
            land("2026-03-21T09:00:00+08:00"),
            422,
            "announcement.land_transfer_period",
        ),
        // Day 20 is Sunday 03-22: the announcement runs to Monday 03-23 (民法典 203).
        (
            land("2026-03-22T09:00:00+08:00"),
            422,
            "announcement.land_transfer_period",
        ),
        (land("2026-03-23T09:00:00+08:00"), 200, ""),
        (
            property("2026-03-27T18:00:00+08:00"),
            422,
            "announcement.disclosure_period",
        ),
        // The 20th working day is Monday 03-30; the disclosure must reach its 24:00.
        (
            property("2026-03-30T23:59:59+08:00"),
            422,
            "announcement.disclosure_period",
        ),
        (property("2026-03-31T00:00:00+08:00"), 200, ""),
    ] {
        approval_answers(&app, &tenderer, body, want, rule).await;
    }
    // Land transfer's own required contents, each named.
    let (s, v) = app
        .post(
            Some(&tenderer),
            "/api/v1/announcements",
            json!({"market": "land", "type": "land_transfer", "title": "出让公告", "body": "出让",
                   "fields": {"parcel": "某地块"}}),
        )
        .await;
    assert_eq!(s, 422);
    let text = v.to_string();
    for f in [
        "fields.transferor",
        "fields.start_price",
        "fields.deposit",
        "fields.trading_start_at",
    ] {
        assert!(text.contains(f), "{f} missing from {text}");
    }
    app.stop().await;
}

async fn draft_from(app: &TestApp, event_id_like: &str, ann_type: &str) -> String {
    wait_row(
        app,
        &format!("SELECT id FROM announcements WHERE ann_type = '{ann_type}' AND project_id = $1"),
        event_id_like,
    )
    .await
}

#[tokio::test]
async fn lifecycle_events_become_drafts_whose_numbers_cannot_be_retyped() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let reg = register(&app, "construction", "某道路改造工程", DEADLINE_APR_1).await;
    let base = json!({"section_id": reg.section_id, "project_id": reg.project_id, "market": "construction"});
    let with = |extra: Value| {
        let mut p = base.clone();
        for (k, v) in extra.as_object().expect("object") {
            p[k] = v.clone();
        }
        p
    };
    emit_event(&app, "projects.opening.recorded", "section", &reg.section_id, with(json!({
        "opened_at": DEADLINE_APR_1,
        "entries": [
            {"bid_id": "b1", "org_id": "o1", "org_name": "甲建设有限公司", "uscc": "91210200MA0000001X",
             "price": "9876543.21", "decryption": "decrypted", "deposit": "valid"},
            {"bid_id": "b2", "org_id": "o2", "org_name": "乙|建设", "uscc": "91210200MA0000002X",
             "price": null, "decryption": "not_decrypted", "deposit": "unknown"}]}))).await;
    let publicized = ggzy_events::projects::CandidatesPublicized {
        section_id: reg.section_id.clone(),
        project_id: Some(reg.project_id.clone()),
        market: Some("construction".into()),
        procedure: Some("open_tender".into()),
        report_ref: Some("R".into()),
        source: Some("evaluation".into()),
        candidates: vec![ggzy_events::projects::PublicizedCandidate {
            rank: 1,
            org_id: "o1".into(),
            org_name: "甲建设有限公司".into(),
            uscc: "91210200MA0000001X".into(),
            price: ggzy_core::Money::parse_str("9876543.21").unwrap(),
            score: None,
        }],
        publicity_days: Some(3),
        publicity_starts_at: "2026-04-05T09:00:00+08:00".parse().unwrap(),
        publicity_ends_at: "2026-04-09T00:00:00+08:00".parse().unwrap(),
        publicity_ends_at_provisional: false,
        basis: Some("实施条例 第五十四条".into()),
    };
    emit_event(
        &app,
        "projects.candidates.publicized",
        "section",
        &reg.section_id,
        ggzy_events::Contract::encode(&publicized).payload,
    )
    .await;
    emit_event(
        &app,
        "projects.award.confirmed",
        "section",
        &reg.section_id,
        with(json!({
        "procedure": "open_tender", "winner_org_id": "o1", "winner_name": "甲建设有限公司",
        "price": "9876543.21", "awarded_at": "2026-04-10T09:00:00+08:00",
        "bidder_org_ids": ["o1", "o2"]})),
    )
    .await;
    emit_event(
        &app,
        "projects.section.failed",
        "section",
        &reg.section_id,
        with(json!({
        "reason": "投标人少于3个", "bid_count": 2, "basis": "实施条例 第44条"})),
    )
    .await;

    let opening = draft_from(&app, &reg.project_id, "opening_record").await;
    let publicity = draft_from(&app, &reg.project_id, "candidate_publicity").await;
    let award = draft_from(&app, &reg.project_id, "award").await;
    let failure = draft_from(&app, &reg.project_id, "failure").await;

    // The tenderer owns them; the numbers are the event's.
    let (s, v) = app
        .get(Some(&tenderer), &format!("/api/v1/announcements/{opening}"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "draft");
    assert_eq!(v["section_ids"], json!([reg.section_id]));
    assert_eq!(v["fields"]["bids"][0]["price"], "9876543.21");
    assert!(v["title"]
        .as_str()
        .expect("title")
        .contains("某道路改造工程"));
    let html = v["body_html"].as_str().expect("html");
    // The draft's table reads as an announcement: money with separators, Beijing time, words.
    assert!(
        html.contains("9,876,543.21 元") && html.contains("<table>"),
        "{html}"
    );
    assert!(
        html.contains("2026-04-01 09:00") && html.contains("已解密"),
        "{html}"
    );
    assert!(
        !html.contains("not_decrypted") && !html.contains("+08:00"),
        "{html}"
    );
    let (_, v) = app
        .get(Some(&tenderer), &format!("/api/v1/announcements/{award}"))
        .await;
    assert_eq!(v["fields"]["winner"], "甲建设有限公司");
    assert_eq!(v["fields"]["price"], "9876543.21");
    let (_, v) = app
        .get(Some(&tenderer), &format!("/api/v1/announcements/{failure}"))
        .await;
    assert_eq!(v["fields"]["reason"], "投标人少于3个");
    // Not public while drafts.
    let (s, _) = app
        .get(None, &format!("/api/v1/announcements/{publicity}"))
        .await;
    assert_eq!(s, 404);

    // What the event does not carry is asked for, field by field, at submission.
    let (s, v) = app.announcement_step(&tenderer, &publicity, "submit").await;
    assert_eq!(s, 422, "{v}");
    let text = v.to_string();
    for f in [
        "fields.evaluation_summary",
        "fields.objection_method",
        "fields.candidates[0].quality",
        "fields.candidates[0].certificate_no",
    ] {
        assert!(text.contains(f), "{f} missing from {text}");
    }
    // Retyping a price is refused; completing the rest is accepted.
    let (_, cur) = app
        .get(
            Some(&tenderer),
            &format!("/api/v1/announcements/{publicity}"),
        )
        .await;
    let mut fields = cur["fields"].clone();
    fields["evaluation_summary"] = json!("综合评估法，技术 60 分、商务 40 分");
    fields["objection_method"] = json!("公示期内向招标人书面提出");
    for (k, v) in [
        ("quality", "合格"),
        ("duration", "180 日历天"),
        ("project_manager", "张三"),
        ("certificate_no", "辽221000000001"),
        ("qualification_response", "满足"),
    ] {
        fields["candidates"][0][k] = json!(v);
    }
    let put = |fields: Value| {
        app.client
            .put(app.url(&format!("/api/v1/announcements/{publicity}")))
            .bearer_auth(&tenderer)
            .json(
                &json!({"market": "construction", "type": "candidate_publicity",
                          "title": cur["title"], "body": cur["body"], "fields": fields}),
            )
            .send()
    };
    let mut retyped = fields.clone();
    retyped["candidates"][0]["price"] = json!("9000000.00");
    let (s, v) = into_parts(put(retyped).await.expect("put")).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "fields.candidates[0].price");
    assert_eq!(v["errors"][0]["rule"], "announcement.field_from_event");
    let (s, v) = into_parts(put(fields).await.expect("put")).await;
    assert_eq!(s, 200, "{v}");
    // Publicity 5–8 April, published on 2 March: 3 days, approved.
    let (s, v) = submit_approve(&app, &publicity, json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "published");
    let p = event_payload(&app, "publishing.announcement.published", &publicity).await;
    assert_eq!(p["type"], "candidate_publicity");
    assert_eq!(p["section_ids"], json!([reg.section_id]));
    assert_eq!(
        count_events(&app, "publishing.announcement.created", &publicity).await,
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn html_bodies_are_sanitized_and_attachments_carry_their_sha256() {
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let mut body = tender("某道路改造工程", DEADLINE_20_DAYS);
    body["body_format"] = json!("html");
    body["body"] = json!(
        "<h2 onclick=\"steal()\">招标条件</h2><script>alert(1)</script><img src=\"x.png\" onerror=\"alert(2)\"><a href=\"javascript:alert(3)\">链接</a>"
    );
    let id = create(&app, &tenderer, body).await;
    let (_, v) = app
        .get(Some(&tenderer), &format!("/api/v1/announcements/{id}"))
        .await;
    let html = v["body_html"].as_str().expect("html");
    assert!(html.contains("招标条件"), "{html}");
    for bad in ["<script", "onclick", "onerror", "javascript:"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }

    let file = "招标文件正文".repeat(100).into_bytes();
    let sha = hex::encode(Sha256::digest(&file));
    let upload = |sha: String| {
        app.client
            .post(app.url(&format!(
                "/api/v1/announcements/{id}/attachments?name=tender.pdf&sha256={sha}"
            )))
            .bearer_auth(&tenderer)
            .header("content-type", "application/pdf")
            .body(file.clone())
            .send()
    };
    let (s, v) = into_parts(upload("00".repeat(32)).await.expect("upload")).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "attachment.sha256_mismatch");
    let (s, v) = into_parts(upload(sha.clone()).await.expect("upload")).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["sha256"], json!(sha));
    let att = v["id"].as_str().expect("id").to_string();

    let (s, v) = submit_approve(&app, &id, json!({})).await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = app.get(None, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(v["attachments"][0]["sha256"], json!(sha));
    assert_eq!(v["attachments"][0]["size"], json!(file.len()));
    let r = app
        .client
        .get(app.url(&format!("/api/v1/announcements/{id}/attachments/{att}")))
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers().contains_key("repr-digest"));
    let got = r.bytes().await.expect("bytes");
    assert_eq!(hex::encode(Sha256::digest(&got)), sha);
    // Published: no more files.
    let (s, _) = into_parts(upload(sha.clone()).await.expect("upload")).await;
    assert_eq!(s, 409);
    app.stop().await;
}

#[tokio::test]
async fn a_scheduled_announcement_is_published_exactly_once_with_two_instances_running() {
    let app = TestApp::spawn().await;
    let (id, _) = scheduled_tender(&app, "两个实例的道路工程").await;
    // A second instance on the same database, its timer runner competing for the same timer.
    let mut ctx2 = app.ctx.clone();
    ctx2.settings = std::sync::Arc::new(ggzy_store::ctx::Settings {
        instance: "second-instance".into(),
        ..(*app.ctx.settings).clone()
    });
    let bg2 = ggzy::background::Background::start(
        &ctx2,
        ggzy::background::workers(),
        Duration::from_millis(20),
    )
    .await
    .expect("second instance");
    app.clock().advance(chrono::Duration::hours(25));
    let p = event_payload(&app, "publishing.announcement.published", &id).await;
    assert_eq!(p["announcement_id"], json!(id));
    tokio::time::sleep(Duration::from_millis(500)).await;
    bg2.stop().await;
    assert_eq!(
        count_events(&app, "publishing.announcement.published", &id).await,
        1
    );
    app.stop().await;
}

/// The durable timer survives a restart: an announcement scheduled while one instance runs, due while no
/// instance runs, is published once by the next instance — not lost, not twice.
#[tokio::test]
async fn a_scheduled_announcement_due_during_downtime_is_published_once_after_a_restart() {
    let mut app = TestApp::spawn().await;
    let (id, v) = scheduled_tender(&app, "重启后发布的道路工程").await;
    assert_eq!(v["status"], "scheduled");

    // Down across the publication time.
    app.stop_instance().await;
    app.clock().advance(chrono::Duration::hours(25));
    app.start_instance().await;

    let v = wait_published(&app, &id).await;
    // Published when the restarted instance found it due, i.e. after the scheduled time.
    let at = chrono::DateTime::parse_from_rfc3339(v["published_at"].as_str().unwrap()).unwrap();
    assert!(
        at >= chrono::DateTime::parse_from_rfc3339("2026-03-03T09:00:00+08:00").unwrap(),
        "{at}"
    );
    // Another restart publishes nothing again.
    app.restart().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.seal().await;
    assert_eq!(
        count_events(&app, "publishing.announcement.published", &id).await,
        1
    );
    app.stop().await;
}
