//! Regression tests of the security review (issue 24): each reproduces an attack that worked on
//! main and asserts it no longer does (docs/security.md lists them).

use ggzy_api_tests::fixtures::road_project;
use ggzy_api_tests::{into_parts, TestApp, DEMO_PASSWORD, HEADER_TIMEOUT};
use serde_json::{json, Value};
use std::time::Duration;

const DEADLINE: &str = "2026-03-30T09:00:00+08:00";

/// A login from `forwarded_for` (sent as `X-Forwarded-For`); status, body and `Retry-After`.
async fn login_from(
    app: &TestApp,
    forwarded_for: Option<&str>,
    username: &str,
    password: &str,
) -> (u16, Value, Option<u64>) {
    let mut rb = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}));
    if let Some(f) = forwarded_for {
        rb = rb.header("x-forwarded-for", f);
    }
    let r = rb.send().await.expect("login");
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let (s, v) = into_parts(r).await;
    (s, v, retry)
}

/// The address recorded in the last `identity.user.logged_in` event.
async fn last_login_ip(app: &TestApp) -> String {
    let ev = app.events_of("identity.user.logged_in").await;
    ev.last().expect("a login event")["ip"]
        .as_str()
        .expect("ip")
        .to_string()
}

// Item 15 ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_json_array_where_an_object_is_required_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let sup = app.login("supervisor").await;
    let (s, p) = app
        .put(
            Some(&sup),
            "/api/v1/monitoring/rules/process.repeat_winner",
            json!([false, null, {}]),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "body", "{p}");
    assert_eq!(p["errors"][0]["rule"], "json.object_required", "{p}");
    let (s, rules) = app.get(Some(&sup), "/api/v1/monitoring/rules").await;
    assert_eq!(s, 200);
    let rule = rules
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == "process.repeat_winner")
        .expect("rule")
        .clone();
    assert_eq!(rule["enabled"], true, "{rule}");
    // The same applies to every JSON route: a login written as an array.
    let (s, p) = app
        .post(
            None,
            "/api/v1/auth/login",
            json!(["bidder1", DEMO_PASSWORD]),
        )
        .await;
    assert_eq!(
        (s, p["errors"][0]["rule"].clone()),
        (422, json!("json.object_required"))
    );
    app.stop().await;
}

// Item 3 ----------------------------------------------------------------------------------------

/// A complete tender announcement body.
fn tender(title: &str) -> Value {
    json!({
        "market": "construction", "type": "tender", "title": title,
        "body": "## 招标条件",
        "fields": {
            "project_name": "某道路改造工程", "scope": "道路改造 3.2 公里", "scale": "估算价 1200 万元",
            "funding": "财政资金", "qualification_requirements": "市政公用工程施工总承包三级及以上",
            "consortium_accepted": false, "documents_access": "登录平台免费下载",
            "docs_available_at": "2026-03-02T09:00:00+08:00", "bid_deadline": DEADLINE,
            "submission_method": "电子投标", "tenderer_contact": "大连市市政建设管理处，0411-00000000",
            "platform_url": "https://ggzy.example.cn",
        },
    })
}

async fn published_with_attachment(app: &TestApp, name: &str, ct: &str, file: &[u8]) -> String {
    let tenderer = app.login("tenderer").await;
    let body = tender("某道路改造工程");
    let v = app
        .post_expect(&tenderer, "/api/v1/announcements", body, 201)
        .await;
    let id = v["id"].as_str().expect("id").to_string();
    let r = app
        .client
        .post(app.url(&format!(
            "/api/v1/announcements/{id}/attachments?name={name}"
        )))
        .bearer_auth(&tenderer)
        .header("content-type", ct)
        .body(file.to_vec())
        .send()
        .await
        .expect("upload");
    let (s, att) = into_parts(r).await;
    assert_eq!(s, 201, "{att}");
    app.release_announcement(&id).await;
    format!(
        "/api/v1/announcements/{id}/attachments/{}",
        att["id"].as_str().expect("attachment id")
    )
}

#[tokio::test]
async fn an_html_attachment_is_downloaded_never_rendered_and_a_pdf_is_shown_inline() {
    let app = TestApp::spawn().await;
    let evil = b"<html><script>fetch('/api/events',{credentials:'include'})</script></html>";
    let path = published_with_attachment(&app, "notice.html", "text/html", evil).await;
    let r = app.client.get(app.url(&path)).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let h = r.headers();
    let disp = h["content-disposition"].to_str().expect("ascii");
    assert!(disp.starts_with("attachment;"), "{disp}");
    assert!(disp.contains("notice.html"), "{disp}");
    let ct = h["content-type"].to_str().expect("ascii");
    assert!(!ct.contains("html"), "served as {ct}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"]
        .to_str()
        .expect("ascii")
        .starts_with("sandbox"));
    assert_eq!(&r.bytes().await.expect("bytes")[..], &evil[..]);

    let pdf = b"%PDF-1.4 minimal";
    let path = published_with_attachment(&app, "tender.pdf", "application/pdf", pdf).await;
    let r = app.client.get(app.url(&path)).send().await.expect("get");
    let h = r.headers();
    assert_eq!(h["content-type"], "application/pdf");
    assert!(h["content-disposition"]
        .to_str()
        .expect("ascii")
        .starts_with("inline;"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    app.stop().await;
}

/// Every answer says nosniff and carries a policy that forbids framing and inline script: API answers
/// and non-page documents allow no script at all; the pages of the frame (portal, dashboards) load
/// script only from this site's own files, never inline (so stored markup cannot run).
#[tokio::test]
async fn every_answer_says_nosniff_and_forbids_inline_scripts() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/api/v1/announcements", "/api/openapi.json"] {
        let r = app.client.get(app.url(path)).send().await.expect("get");
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let csp = h["content-security-policy"].to_str().expect("ascii");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(!csp.contains("script-src"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
    for path in ["/", "/announcements", "/nope", "/login", "/api/docs/"] {
        let r = app.client.get(app.url(path)).send().await.expect("get");
        let h = r.headers().clone();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let csp = h["content-security-policy"].to_str().expect("ascii");
        for d in csp.split(';').map(str::trim) {
            if d.starts_with("script-src") || d.starts_with("default-src") {
                assert!(!d.contains("unsafe-inline"), "{path}: {csp}");
                assert!(!d.contains("unsafe-eval"), "{path}: {csp}");
            }
        }
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        if let Some(script) = csp.split(';').find(|d| d.trim().starts_with("script-src")) {
            assert_eq!(script.trim(), "script-src 'self'", "{path}: {csp}");
        }
        let html = r.text().await.expect("body");
        for tag in html.split("<script").skip(1) {
            let open = tag.split('>').next().unwrap_or_default();
            assert!(open.contains("src="), "{path}: inline script {open}");
        }
    }
    app.stop().await;
}

// Item 4 ----------------------------------------------------------------------------------------

#[tokio::test]
async fn without_trusted_proxies_x_forwarded_for_is_ignored() {
    let app = TestApp::spawn().await;
    let (s, _, _) = login_from(&app, Some("6.6.6.6"), "bidder1", DEMO_PASSWORD).await;
    assert_eq!(s, 200);
    assert_eq!(last_login_ip(&app).await, "127.0.0.1");
    app.stop().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
    let app = TestApp::spawn_behind_proxies("127.0.0.1/32").await;
    // nginx appended the real peer 203.0.113.7 to what the client sent (a lie, 6.6.6.6).
    let (s, _, _) = login_from(&app, Some("6.6.6.6, 203.0.113.7"), "bidder1", DEMO_PASSWORD).await;
    assert_eq!(s, 200);
    assert_eq!(last_login_ip(&app).await, "203.0.113.7");
    app.stop().await;
}

// Item 10 ---------------------------------------------------------------------------------------

#[tokio::test]
async fn thirty_parallel_wrong_passwords_check_at_most_the_allowed_five() {
    let app = TestApp::spawn().await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..30 {
        let client = app.client.clone();
        let url = app.url("/api/v1/auth/login");
        set.spawn(async move {
            client
                .post(url)
                .json(&json!({"username": "bidder1", "password": format!("guess-{i:04}-xx")}))
                .send()
                .await
                .expect("login")
                .status()
                .as_u16()
        });
    }
    let mut checked = 0;
    let mut throttled = 0;
    while let Some(s) = set.join_next().await {
        match s.expect("task") {
            401 => checked += 1,
            429 => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(checked <= 5, "{checked} guesses were checked");
    assert_eq!(checked + throttled, 30);
    app.stop().await;
}

#[tokio::test]
async fn guessing_cannot_lock_the_owner_out_and_waits_double() {
    let app = TestApp::spawn_behind_proxies("127.0.0.1").await;
    let attacker = Some("198.51.100.66");
    // The test clock also runs with real time, and a password check is slow on a busy machine:
    // each step below pins the clock relative to the fifth failure (recorded when its request
    // starts, before the hash), so the waits are measured from known instants.
    let ms = chrono::Duration::milliseconds;
    let mut t5 = app.clock().now();
    for i in 0..5 {
        if i == 4 {
            t5 = app.clock().now();
            app.clock().set(t5);
        }
        let (s, _, _) = login_from(&app, attacker, "bidder1", "wrong-password").await;
        assert_eq!(s, 401);
    }
    // The sixth guess waits 2 s; even the right password is not checked for the attacker.
    app.clock().set(t5 + ms(500));
    let (s, _, retry) = login_from(&app, attacker, "bidder1", DEMO_PASSWORD).await;
    assert_eq!((s, retry), (429, Some(2)));
    // The owner, elsewhere, signs in at once: the account is not locked.
    let (s, _, _) = login_from(&app, Some("203.0.113.7"), "bidder1", DEMO_PASSWORD).await;
    assert_eq!(s, 200);
    // Last refused wait: 1 s short of 2 s.
    app.clock().set(t5 + ms(1000));
    let (s, _, _) = login_from(&app, attacker, "bidder1", "wrong-password").await;
    assert_eq!(s, 429);
    // Allowed once the 2 s have passed; the next then waits 4 s.
    app.clock().set(t5 + ms(2500));
    let (s, _, _) = login_from(&app, attacker, "bidder1", "wrong-password").await;
    assert_eq!(s, 401);
    app.clock().set(t5 + ms(3000));
    let (s, _, retry) = login_from(&app, attacker, "bidder1", "wrong-password").await;
    assert_eq!((s, retry), (429, Some(4)));
    app.stop().await;
}

#[tokio::test]
async fn guesses_from_many_addresses_only_slow_the_account() {
    let app = TestApp::spawn_behind_proxies("127.0.0.1").await;
    // 4 guesses from each of 5 addresses: 20, the account's free allowance.
    for a in 1..=5 {
        for _ in 0..4 {
            let (s, _, _) = login_from(
                &app,
                Some(&format!("198.51.100.{a}")),
                "bidder2",
                "wrong-password",
            )
            .await;
            assert_eq!(s, 401);
        }
    }
    // One more from anywhere waits ACCOUNT_GAP (2 s) — the owner too, but only that long.
    let (s, _, retry) = login_from(&app, Some("203.0.113.7"), "bidder2", DEMO_PASSWORD).await;
    assert_eq!((s, retry), (429, Some(2)));
    app.clock().advance(chrono::Duration::seconds(2));
    let (s, _, _) = login_from(&app, Some("203.0.113.7"), "bidder2", DEMO_PASSWORD).await;
    assert_eq!(s, 200);
    app.stop().await;
}

// Item 6 ----------------------------------------------------------------------------------------

#[tokio::test]
async fn a_full_hashing_pool_answers_503_with_retry_after_at_once() {
    let app = TestApp::spawn_with(ggzy_api_tests::default_start(), |s| {
        s.login_hash_slots = 1;
        s.login_hash_queue = 0;
    })
    .await;
    let users = [
        "admin",
        "staff",
        "tenderer",
        "agency",
        "bidder1",
        "bidder2",
        "bidder3",
        "expert1",
        "expert2",
        "expert3",
        "supervisor",
        "bank",
        "nobody-1",
        "nobody-2",
    ];
    let mut set = tokio::task::JoinSet::new();
    for u in users {
        let client = app.client.clone();
        let url = app.url("/api/v1/auth/login");
        set.spawn(async move {
            let r = client
                .post(url)
                .json(&json!({"username": u, "password": DEMO_PASSWORD}))
                .send()
                .await
                .expect("login");
            let retry = r.headers().get("retry-after").is_some();
            (u, r.status().as_u16(), retry)
        });
    }
    let mut busy = 0;
    // Sign-ins the slot hashed: a right password (200) or an unknown name (401; it is hashed too,
    // so that timing does not tell which names exist). Under load the slot may serve only the two
    // unknown names while every other attempt is told to come back.
    let mut served = 0;
    while let Some(r) = set.join_next().await {
        let (u, s, retry) = r.expect("task");
        match s {
            200 => served += 1,
            401 if u.starts_with("nobody") => served += 1,
            503 => {
                assert!(retry, "503 without Retry-After");
                busy += 1;
            }
            other => panic!("{u}: {other}"),
        }
    }
    assert!(
        busy > 0,
        "one slot, no queue, 14 at once: some must be told to come back"
    );
    assert!(served > 0, "the slot works");
    // Refused sign-ins did not count as failures: everyone can sign in afterwards.
    for u in ["admin", "bidder3", "supervisor"] {
        let (s, _, _) = login_from(&app, None, u, DEMO_PASSWORD).await;
        assert_eq!(s, 200, "{u}");
    }
    app.stop().await;
}

// Item 12 ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_client_sending_its_headers_slowly_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn().await;
    let addr = app.addr.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    // Never finish the head: the server must close the connection soon after HEADER_TIMEOUT.
    let mut buf = vec![0u8; 1024];
    let r = tokio::time::timeout(HEADER_TIMEOUT + Duration::from_secs(5), async {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => String::new(),
            Ok(n) => {
                let t = String::from_utf8_lossy(&buf[..n]).to_string();
                // hyper may answer 408 before closing.
                assert!(
                    t.starts_with("HTTP/1.1 408"),
                    "answer to a partial head: {t}"
                );
                t
            }
        }
    })
    .await;
    assert!(r.is_ok(), "the connection was still held open");
    app.stop().await;
}

// Item 11 ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_agency_cannot_announce_another_organizations_project() {
    let app = TestApp::spawn().await;
    let reg = app
        .register_project(road_project("某道路工程", DEADLINE))
        .await;
    app.wait_consumer("publishing.lifecycle").await;
    let agency = app.login("agency").await;
    let mut body = tender("冒名公告");
    body["project_id"] = json!(reg.project_id);
    let (s, p) = app.post(Some(&agency), "/api/v1/announcements", body).await;
    assert_eq!(s, 422, "{p}");
    assert!(
        p["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .any(|e| e["rule"] == "announcement.project_not_yours"),
        "{p}"
    );
    let n = app
        .scalar_i64("SELECT COUNT(*) FROM announcements WHERE title = '冒名公告'")
        .await;
    assert_eq!(n, 0);
    app.stop().await;
}

// Item 14 ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_admin_cannot_create_an_account_inside_a_bidder_and_sign_in_as_it() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let bidder1 = app.login("bidder1").await;
    let org = app.org_of(&bidder1).await;
    let (s, p) = app
        .post(
            Some(&admin),
            "/api/v1/users",
            json!({"username": "puppet", "password": DEMO_PASSWORD, "role": "bidder", "org_id": org}),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["rule"], "user.admin_centre_only");
    // Nor a staff account inside the bidder, nor an invitation.
    let (s, _) = app
        .post(
            Some(&admin),
            "/api/v1/users",
            json!({"username": "puppet", "password": DEMO_PASSWORD, "role": "staff", "org_id": org}),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = app
        .post(
            Some(&admin),
            &format!("/api/v1/organizations/{org}/invitations"),
            json!({"role": "bidder"}),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM users WHERE username = 'puppet'")
            .await,
        0
    );
    // A centre account is still the admin's to create.
    let (s, p) = app
        .post(
            Some(&admin),
            "/api/v1/users",
            json!({"username": "staff2", "password": DEMO_PASSWORD, "role": "staff",
                   "org_id": app.org_of(&app.login("staff").await).await}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    app.stop().await;
}

#[tokio::test]
async fn an_organization_member_invites_a_colleague_once_and_the_admin_can_disable_it() {
    let app = TestApp::spawn().await;
    let bidder1 = app.login("bidder1").await;
    let org = app.org_of(&bidder1).await;
    // A bidder cannot invite into another organization, nor a role its kind has not.
    let other = app.org_of(&app.login("bidder2").await).await;
    let (s, _) = app
        .post(
            Some(&bidder1),
            &format!("/api/v1/organizations/{other}/invitations"),
            json!({"role": "bidder"}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, p) = app
        .post(
            Some(&bidder1),
            &format!("/api/v1/organizations/{org}/invitations"),
            json!({"role": "staff"}),
        )
        .await;
    assert_eq!(
        (s, p["errors"][0]["rule"].clone()),
        (422, json!("invitation.role_for_org"))
    );
    let inv = app
        .post_expect(
            &bidder1,
            &format!("/api/v1/organizations/{org}/invitations"),
            json!({"role": "bidder"}),
            201,
        )
        .await;
    let accept = json!({"code": inv["code"], "username": "colleague", "password": DEMO_PASSWORD});
    let (s, u) = app
        .post(None, "/api/v1/invitations/accept", accept.clone())
        .await;
    assert_eq!(s, 201, "{u}");
    assert_eq!(
        (u["org_id"].clone(), u["role"].clone()),
        (json!(org), json!("bidder"))
    );
    let mut again = accept.clone();
    again["username"] = json!("colleague2");
    let (s, p) = app.post(None, "/api/v1/invitations/accept", again).await;
    assert_eq!((s, p["rule"].clone()), (409, json!("invitation.used")));
    // The code is stored only as a digest.
    let code = inv["code"].as_str().expect("code");
    let n = app
        .strings("SELECT code_hash FROM user_invitations", &[])
        .await
        .iter()
        .filter(|h| h.contains(code))
        .count();
    assert_eq!(n, 0);
    let t = app.login("colleague").await;
    let admin = app.login("admin").await;
    let (s, _) = app
        .post(
            Some(&admin),
            &format!("/api/v1/users/{}/disable", u["id"].as_str().expect("id")),
            json!({}),
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = app.get(Some(&t), "/api/v1/auth/me").await;
    assert_eq!(s, 401);
    app.stop().await;
}

// Lows ------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_login_with_an_idempotency_key_stores_no_token() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("idempotency-key", "login-1")
        .json(&json!({"username": "bidder1", "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("login");
    let (s, v) = into_parts(r).await;
    assert_eq!(s, 200);
    let token = v["token"].as_str().expect("token").to_string();
    let stored = app
        .strings(
            "SELECT COALESCE(response_body, '') FROM idempotency_keys",
            &[],
        )
        .await;
    assert!(stored.iter().all(|b| !b.contains(&token)), "token stored");
    app.stop().await;
}

#[tokio::test]
async fn metrics_are_not_public() {
    let app = TestApp::spawn_behind_proxies("127.0.0.1").await;
    let r = app
        .client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .expect("metrics");
    let (s, _) = into_parts(r).await;
    assert_eq!(s, 403);
    // On this machine (no forwarding) they are served.
    let r = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(r.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_section_history_for_id_dash_is_refused() {
    let app = TestApp::spawn().await;
    let sup = app.login("supervisor").await;
    for id in ["-", "_", "--", "a-"] {
        let (s, p) = app
            .get(
                Some(&sup),
                &format!("/api/v1/monitoring/sections/{id}/history"),
            )
            .await;
        assert_eq!(s, 422, "{id}: {p}");
        assert_eq!(p["errors"][0]["rule"], "monitoring.section_id_format");
    }
    app.stop().await;
}

// Item 7 ----------------------------------------------------------------------------------------

#[tokio::test]
async fn bidder_identities_are_withheld_from_overseers_until_the_deadline() {
    let app = TestApp::spawn().await;
    let reg = app
        .bidding_section(road_project("保密工程", DEADLINE), &["bidder1"])
        .await;
    app.seal().await;
    let b1 = app.login("bidder1").await;
    let org1 = app.org_of(&b1).await;
    let (_, me) = app
        .get(Some(&b1), &format!("/api/v1/organizations/{org1}"))
        .await;
    let uscc1 = me["uscc"].as_str().expect("uscc").to_string();
    let sup = app.login("supervisor").await;
    let admin = app.login("admin").await;
    let registration = |page: &Value| -> Value {
        page["events"]
            .as_array()
            .unwrap_or_else(|| panic!("no events in {page}"))
            .iter()
            .find(|e| e["event_type"] == "projects.registration.created")
            .cloned()
            .unwrap_or(Value::Null)
    };
    for who in [&sup, &admin] {
        let (s, page) = app.get(Some(who), "/api/events?after=0&limit=1000").await;
        assert_eq!(s, 200);
        let r = registration(&page);
        assert_eq!(r["payload"]["section_id"], json!(reg.section_id), "{r}");
        assert!(r["payload"].get("org_id").is_none(), "{r}");
        assert!(r["payload"].get("uscc").is_none(), "{r}");
        assert_eq!(r["actor"], "redacted");
        for e in page["events"].as_array().expect("events") {
            let t = e["event_type"].as_str().unwrap_or("");
            if t.starts_with("projects.registration") || t.starts_with("deposits.") {
                let text = e.to_string();
                assert!(!text.contains(&uscc1) && !text.contains(&org1), "{e}");
            }
        }
        // A search by the bidder's USCC finds nothing that would tell it registered.
        let (s, page) = app
            .get(Some(who), &format!("/api/v1/audit/events?q={uscc1}"))
            .await;
        assert_eq!(s, 200);
        assert_eq!(registration(&page), Value::Null, "{page}");
    }
    // The supervisor's deliberate access: logged first, then complete.
    let (s, p) = app
        .post(
            Some(&sup),
            "/api/v1/audit/disclosures",
            json!({"section_id": reg.section_id, "reason": "short"}),
        )
        .await;
    assert_eq!(
        (s, p["errors"][0]["rule"].clone()),
        (422, json!("disclosure.reason_required"))
    );
    let (s, _) = app
        .post(
            Some(&admin),
            "/api/v1/audit/disclosures",
            json!({"section_id": reg.section_id, "reason": "operations check of the log"}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, d) = app
        .post(
            Some(&sup),
            "/api/v1/audit/disclosures",
            json!({"section_id": reg.section_id, "reason": "alert collusion.same_ip on this section"}),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(registration(&d)["payload"]["uscc"], json!(uscc1));
    let logged = app.events_of("audit.identities.disclosed").await;
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0]["reason"],
        "alert collusion.same_ip on this section"
    );
    assert_eq!(logged[0]["username"], "supervisor");
    // After the deadline (the section closes by its timer) everything is visible.
    let deadline = chrono::DateTime::parse_from_rfc3339(DEADLINE)
        .expect("deadline")
        .with_timezone(&chrono::Utc);
    app.clock().set(deadline + chrono::Duration::seconds(1));
    let sup = app.login("supervisor").await;
    let mut r = Value::Null;
    for () in ggzy_api_tests::patience() {
        app.seal().await;
        let (_, page) = app.get(Some(&sup), "/api/events?after=0&limit=1000").await;
        r = registration(&page);
        if r["payload"]["uscc"] == json!(uscc1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(r["payload"]["org_id"], json!(org1), "{r}");
    app.stop().await;
}
