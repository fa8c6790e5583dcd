//! The page frame: sign-in, session cookie, CSRF, error pages (crates/web; docs/web.md).

use ggzy_api_tests::pages::{hidden_value, set_cookie_header, Visitor};
use ggzy_api_tests::{default_start, TestApp, DEMO_PASSWORD};

#[tokio::test]
async fn each_role_signs_in_and_lands_on_its_own_home_with_a_safe_session_cookie() {
    let app = TestApp::spawn().await;
    for (user, home) in [
        ("bidder1", "/bidder"),
        ("expert1", "/expert"),
        ("staff", "/staff"),
        ("agency", "/tenderer"),
        ("supervisor", "/supervisor"),
        ("admin", "/admin"),
    ] {
        let mut v = Visitor::new(&app);
        let r = v.sign_in(user).await;
        assert_eq!(r.location(), home, "{user}");
        let cookie = set_cookie_header(&r.headers, "ggzy_session").expect("session cookie");
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(flag), "{flag} in {cookie}");
        }
        // Lives as long as the session (12 h, less the seconds the sign-in itself took).
        let max_age: i64 = cookie
            .split("Max-Age=")
            .nth(1)
            .and_then(|r| r.split(';').next())
            .and_then(|v| v.parse().ok())
            .expect("Max-Age");
        let ttl = app.ctx.settings.token_ttl.num_seconds();
        assert!((ttl - 60..=ttl).contains(&max_age), "{cookie}");
        // http public URL: not Secure (the browser would drop a Secure cookie on http).
        assert!(!cookie.contains("Secure"), "{cookie}");
        let page = v.get(home).await;
        assert_eq!(page.status, 200, "{user}: {}", page.body);
        assert!(page.body.contains("action=\"/logout\""), "{user}");
        assert_eq!(page.headers["cache-control"], "no-store");
        assert!(page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
    }
    app.stop().await;
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_public_url_is_https() {
    let app = TestApp::spawn_with(default_start(), |s| {
        s.public_url = "https://ggzy.example.cn".into()
    })
    .await;
    let mut v = Visitor::new(&app);
    let r = v.sign_in("bidder1").await;
    let cookie = set_cookie_header(&r.headers, "ggzy_session").expect("session cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_password_says_what_to_do_and_repeated_failures_lock_the_account() {
    let app = TestApp::spawn().await;
    let max = app.ctx.settings.login_max_failures;
    let mut v = Visitor::new(&app);
    // The last failures still allowed answer the wrong-password page…
    for _ in 0..max {
        let r = v.sign_in_with("bidder1", "not-the-password").await;
        assert_eq!(r.status, 401, "{}", r.body);
        assert!(r.body.contains("login.wrong_credentials"));
        assert!(
            r.body.contains("href=\"#f-password\""),
            "summary links to the field"
        );
        assert!(r.body.contains("value=\"bidder1\""), "username kept");
        assert!(
            !r.body.contains("not-the-password"),
            "password never shown again"
        );
        assert!(v.cookie("ggzy_session").is_none());
    }
    // …the next attempt, even with the right password, is the locked page with Retry-After.
    let r = v.sign_in_with("bidder1", DEMO_PASSWORD).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.body.contains("login.throttled"));
    assert!(r.body.contains("账号已暂时锁定"));
    assert!(r.headers.contains_key("retry-after"));
    assert!(v.cookie("ggzy_session").is_none());
    // After the window the account opens again.
    app.clock().advance(app.ctx.settings.login_window);
    v.sign_in("bidder1").await;
    app.stop().await;
}

#[tokio::test]
async fn a_page_needs_a_session_and_comes_back_after_sign_in() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    let r = v.get("/bidder?market=gc").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/login?next=%2Fbidder%3Fmarket%3Dgc");
    let page = v.get(r.location()).await;
    let csrf = hidden_value(&page.body, "csrf").unwrap();
    assert_eq!(
        hidden_value(&page.body, "next").unwrap(),
        "/bidder?market=gc"
    );
    let r = v
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "bidder1"),
                ("password", DEMO_PASSWORD),
                ("next", "/bidder?market=gc"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/bidder?market=gc");
    // An absolute or protocol-relative next is ignored (no open redirect).
    for evil in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let mut v = Visitor::new(&app);
        let page = v.get("/login").await;
        let csrf = hidden_value(&page.body, "csrf").unwrap();
        let r = v
            .post_form(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", "bidder1"),
                    ("password", DEMO_PASSWORD),
                    ("next", evil),
                ],
            )
            .await;
        assert_eq!(r.location(), "/bidder", "{evil}");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_expired_session_goes_to_a_page_that_says_so() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    v.sign_in("bidder1").await;
    let ttl = app.ctx.settings.token_ttl;
    // The page session's own end, read back (the test clock ticks in real time: advancing by the
    // TTL from "now" after the sign-in's redirect expired it early on a loaded machine).
    let expires = ggzy_core::time::from_micros(
        app.scalar_i64(
            "SELECT MAX(s.expires_at) FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE u.username = 'bidder1' AND s.kind = 'page'",
        )
        .await,
    );
    let created = ggzy_core::time::from_micros(
        app.scalar_i64(
            "SELECT MAX(s.created_at) FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE u.username = 'bidder1' AND s.kind = 'page'",
        )
        .await,
    );
    assert_eq!(expires - created, ttl);
    // Last second of the session: still signed in.
    app.clock().set(expires - chrono::Duration::seconds(1));
    assert_eq!(v.get("/bidder").await.status, 200);
    // Its end: to the sign-in page, saying the session expired; the cookie is cleared.
    app.clock().set(expires);
    let r = v.get("/bidder").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/login?next=%2Fbidder&why=expired");
    assert!(v.cookie("ggzy_session").is_none());
    let page = v.get(r.location()).await;
    assert!(page.body.contains("您的登录已过期"), "{}", page.body);
    app.stop().await;
}

#[tokio::test]
async fn a_form_without_the_session_csrf_token_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    v.sign_in("bidder1").await;
    let good = v.csrf("/bidder").await;
    for bad in ["", "0000", &"a".repeat(64)] {
        let r = v.post_form("/logout", &[("csrf", bad)]).await;
        assert_eq!(r.status, 403, "{bad}");
        assert!(r.body.contains("csrf.token_mismatch"));
        // Still signed in.
        assert_eq!(v.get("/bidder").await.status, 200);
    }
    // Another session's token does not work either.
    let mut other = Visitor::new(&app);
    other.sign_in("bidder2").await;
    let others = other.csrf("/bidder").await;
    assert_ne!(others, good);
    assert_eq!(
        v.post_form("/logout", &[("csrf", &others)]).await.status,
        403
    );
    // The right token signs out; the old cookie then leads to "signed out".
    let session = v.cookie("ggzy_session").unwrap().to_string();
    let r = v.post_form("/logout", &[("csrf", &good)]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/login?why=signed_out");
    v.cookies.push(("ggzy_session".into(), session));
    let r = v.get("/bidder").await;
    assert_eq!(r.location(), "/login?next=%2Fbidder&why=signed_out");
    app.stop().await;
}

#[tokio::test]
async fn the_sign_in_form_needs_its_own_token_from_the_same_browser() {
    let app = TestApp::spawn().await;
    // A form posted from elsewhere has no ggzy_login cookie: refused, nobody is signed in.
    let mut v = Visitor::new(&app);
    let r = v
        .post_form(
            "/login",
            &[
                ("csrf", "forged"),
                ("username", "bidder1"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("csrf.token_mismatch"));
    assert!(v.cookie("ggzy_session").is_none());
    app.stop().await;
}

#[tokio::test]
async fn a_page_session_is_never_a_bearer_token_and_cookies_never_authorize_the_api() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    v.sign_in("staff").await;
    let session = v.cookie("ggzy_session").unwrap().to_string();
    // The cookie's value as a bearer token: refused.
    let (s, _) = app.get(Some(&session), "/api/v1/auth/me").await;
    assert_eq!(s, 401);
    // The cookie itself on an API write: ignored (the API reads only Authorization).
    let r = v
        .client
        .post(app.url("/api/v1/organizations"))
        .header("cookie", format!("ggzy_session={session}"))
        .json(&serde_json::json!({"uscc": "91210200MA0XXXXX0X", "name": "x", "kind": "bidder"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // An API token in the cookie: not a page session.
    let token = app.login("staff").await;
    let mut w = Visitor::new(&app);
    w.cookies.push(("ggzy_session".into(), token.clone()));
    let r = w.get("/staff").await;
    assert_eq!(r.location(), "/login?next=%2Fstaff&why=unknown");
    // And the API token still works for the API.
    assert_eq!(app.get(Some(&token), "/api/v1/auth/me").await.0, 200);
    app.stop().await;
}

#[tokio::test]
async fn another_roles_home_is_refused_with_a_link_home() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    v.sign_in("bidder1").await;
    let r = v.get("/admin").await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("href=\"/bidder\""));
    app.stop().await;
}

#[tokio::test]
async fn the_frame_has_landmarks_a_language_switch_and_the_sandbox_banner() {
    let app = TestApp::spawn_with(default_start(), |s| s.sandbox = true).await;
    let mut v = Visitor::new(&app);
    let r = v.get("/login?lang=en").await;
    assert_eq!(r.status, 200);
    assert!(set_cookie_header(&r.headers, "ggzy_lang")
        .unwrap()
        .starts_with("ggzy_lang=en"));
    for needle in [
        "<html lang=\"en\">",
        "class=\"skip\" href=\"#main\"",
        "<header",
        "<nav aria-label=\"Main navigation\"",
        "<main id=\"main\"",
        "<footer",
        "<label class=\"label\" for=\"f-username\">Username",
        "name=\"viewport\"",
        "Sandbox (demo)",
        "href=\"/login?lang=zh\"",
    ] {
        assert!(r.body.contains(needle), "{needle} in {}", r.body);
    }
    // The simulated date of the server clock (default start, Beijing time).
    let now = ggzy_core::time::display_local(app.clock().now());
    assert!(r.body.contains(&now[..10]), "{now}");
    // Nothing loads from elsewhere: every src/href is local.
    assert!(!r.body.contains("http://") && !r.body.contains("https://"));
    // The cookie remembers English.
    let r = v.get("/login").await;
    assert!(r.body.contains("<html lang=\"en\">"));
    // The embedded assets are served with their content type, cached for a year at the linked URL.
    let at = r.body.find("/static/ggzy.js?v=").unwrap();
    let link = &r.body[at..at + r.body[at..].find('"').unwrap()];
    let js = v.get(link).await;
    assert_eq!(js.status, 200);
    assert_eq!(
        js.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(js.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    app.stop().await;
}

mod bidder {
    use super::*;
    use ggzy_api_tests::fixtures::road_project;

    const DEADLINE: &str = "2026-03-23T09:30:00+08:00";

    #[tokio::test]
    async fn a_bidder_registers_from_the_workbench_and_sees_its_registration() {
        let app = TestApp::spawn().await;
        let r = app
            .bidding_section(road_project("大连市<某>道路改造工程", DEADLINE), &[])
            .await;
        app.drain_consumer("projects.organizations").await;
        let mut v = Visitor::new(&app);
        v.sign_in("bidder1").await;
        let page = v.get("/bidder").await;
        assert_eq!(page.status, 200, "{}", page.body);
        // Escaped name, deadline in Beijing time with a machine-readable countdown, deposit in 元.
        assert!(
            page.body.contains("大连市&#60;某&#62;道路改造工程")
                || page.body.contains("大连市&lt;某&gt;道路改造工程"),
            "{}",
            page.body
        );
        assert!(page.body.contains("2026-03-23 09:30"));
        assert!(page.body.contains("datetime=\"2026-03-23T09:30:00+08:00\""));
        assert!(page.body.contains("200,000.00 元"));
        let action = format!("/bidder/sections/{}/register", r.section_id);
        assert!(page.body.contains(&action));
        // Without the CSRF token: refused, not registered.
        let refused = v.post_form(&action, &[]).await;
        assert_eq!(refused.status, 403);
        let (_, regs) = app
            .get(
                Some(&r.staff),
                &format!("/api/v1/sections/{}/registrations", r.section_id),
            )
            .await;
        assert_eq!(regs.as_array().map(Vec::len), Some(0), "{regs}");
        // With it: registered, back on the workbench saying so.
        let csrf = v.csrf("/bidder").await;
        let done = v.post_form(&action, &[("csrf", &csrf)]).await;
        assert_eq!(done.status, 303, "{}", done.body);
        let page = v.get(done.location()).await;
        assert!(page.body.contains("报名成功"), "{}", page.body);
        assert!(page.body.contains("已报名"));
        assert!(!page.body.contains(&action), "no second register button");
        let (_, regs) = app
            .get(
                Some(&r.staff),
                &format!("/api/v1/sections/{}/registrations", r.section_id),
            )
            .await;
        assert_eq!(regs.as_array().map(Vec::len), Some(1), "{regs}");
        // Registering again: the API's refusal with its rule id, on the page.
        let again = v.post_form(&action, &[("csrf", &csrf)]).await;
        assert_eq!(again.status, 409, "{}", again.body);
        assert!(again.body.contains("error-summary"));
        assert!(again.body.contains("registration."), "{}", again.body);
        app.stop().await;
    }

    #[tokio::test]
    async fn the_workbench_filters_by_market_and_refuses_an_unknown_one_by_rule() {
        let app = TestApp::spawn().await;
        app.bidding_section(road_project("工程建设标段", DEADLINE), &[])
            .await;
        let mut v = Visitor::new(&app);
        v.sign_in("bidder1").await;
        assert!(v
            .get("/bidder?market=construction")
            .await
            .body
            .contains("工程建设标段"));
        let other = v.get("/bidder?market=procurement").await;
        assert!(!other.body.contains("工程建设标段"));
        assert!(other.body.contains("目前没有可报名的标段"));
        let bad = v.get("/bidder?market=moon").await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("href=\"#f-market\""), "{}", bad.body);
        // The deadline passed: the section leaves the list (registration closes at the deadline).
        app.clock().advance(chrono::Duration::days(30));
        assert!(!v.get("/bidder").await.body.contains("工程建设标段"));
        app.stop().await;
    }

    #[tokio::test]
    async fn the_workbench_is_for_bidders_only() {
        let app = TestApp::spawn().await;
        let mut v = Visitor::new(&app);
        v.sign_in("expert1").await;
        let r = v.get("/bidder").await;
        assert_eq!(r.status, 403);
        app.stop().await;
    }
}

/// A real headless Chromium seals a bid with WebCrypto; the same Rust reader opens it.
mod browser {
    use super::*;
    use base64::Engine as _;
    use fantoccini::Locator;
    use ggzy_api_tests::fixtures::{at, road_project};
    use ggzy_projects::package::{self, Suite};
    use serde_json::json;
    use std::time::Duration;

    const DEADLINE: &str = "2026-03-23T09:30:00+08:00";
    const BIDDER1_BASIC: &str = "21050161000000000004";

    async fn put_rust_bid(app: &TestApp, bidder: &str, section: &str, price: &str, seed: u8) {
        let t = app.login(bidder).await;
        let plain = package::plaintext(Suite::Aes256GcmSha256, price, &[("商务标.pdf", b"%PDF")]);
        let s = package::seal(Suite::Aes256GcmSha256, &[seed; 32], &[seed; 7], &plain).unwrap();
        let r = app
            .client
            .put(app.url(&format!("/api/v1/sections/{section}/bids/mine")))
            .bearer_auth(&t)
            .header("content-type", "application/octet-stream")
            .header("X-Bid-Digest", &s.digest)
            .body(s.ciphertext)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{bidder}");
    }

    async fn section_state(app: &TestApp, project: &str) -> String {
        let staff = app.login("staff").await;
        let (_, p) = app
            .get(Some(&staff), &format!("/api/v1/projects/{project}"))
            .await;
        p["sections"][0]["state"].as_str().unwrap_or("").to_string()
    }

    #[tokio::test]
    async fn a_bidder_registers_pays_seals_in_the_browser_and_its_price_opens_with_the_rust_reader()
    {
        let Some(browser) = ggzy_api_tests::browser::browser("bidder sealing test", 375, 900).await
        else {
            return;
        };
        let app = TestApp::spawn().await;
        let r = app
            .bidding_section(
                road_project("浏览器密封的道路工程", DEADLINE),
                &["bidder2", "bidder3"],
            )
            .await;
        let section = r.section_id.clone();
        let c = browser.client.clone();

        // Sign in through the form.
        ggzy_api_tests::browser::sign_in(&c, &app.url("/login"), "bidder1", DEMO_PASSWORD).await;
        assert!(c.current_url().await.unwrap().path().ends_with("/bidder"));

        // Register (报名) with the button of the section.
        c.find(Locator::Css(&format!(
            "form[action='/bidder/sections/{section}/register'] button"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        c.wait()
            .for_element(Locator::Css("p.notice[role=status]"))
            .await
            .unwrap();

        // Pay the deposit (the bank's signed callback, posted by the test).
        let b1 = app.login("bidder1").await;
        let bank = app.login("bank").await;
        let (s, account) = app.deposit_account(&b1, &section).await;
        assert!(s == 201 || s == 200, "{account}");
        let (s, v) = app
            .bank_transfer(
                &bank,
                &json!({
                    "transaction_id": format!("T-{section}"),
                    "account_no": account["account_no"],
                    "payer_account_no": BIDDER1_BASIC,
                    "payer_name": "大连第一建筑工程有限公司",
                    "amount": "200000.00",
                    "value_at": app.clock().now().to_rfc3339(),
                }),
            )
            .await;
        assert_eq!((s, v["status"].as_str()), (200, Some("credited")), "{v}");

        // Seal and upload in the browser: a document of three segments and a bit.
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("商务标.pdf");
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&doc, &bytes).unwrap();
        c.goto(&app.url(&format!("/bidder/sections/{section}/bid")))
            .await
            .unwrap();
        c.find(Locator::Id("f-price"))
            .await
            .unwrap()
            .send_keys("8765432.19")
            .await
            .unwrap();
        c.find(Locator::Id("f-documents"))
            .await
            .unwrap()
            .send_keys(doc.to_str().unwrap())
            .await
            .unwrap();
        c.find(Locator::Css("#seal-form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let mut receipt = String::new();
        for () in ggzy_api_tests::patience() {
            receipt = c
                .find(Locator::Id("seal-receipt"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if !receipt.is_empty() {
                break;
            }
            let err = c
                .find(Locator::Id("seal-error"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(err.is_empty(), "sealing failed in the browser: {err}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(receipt.contains("signature"), "{receipt}");
        let key_b64 = c
            .find(Locator::Id("seal-key-text"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let key = base64::engine::general_purpose::STANDARD
            .decode(key_b64.trim())
            .expect("the page shows the key in base64");
        assert_eq!(key.len(), 32);
        let progress = c
            .execute(
                "return document.getElementById('seal-progress').value",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(progress.as_f64(), Some(1.0), "the progress bar is full");

        // Only ciphertext reached the server: no plaintext price in the stored bid row.
        let (_, mine) = app
            .get(Some(&b1), &format!("/api/v1/sections/{section}/bids/mine"))
            .await;
        assert!(!mine.to_string().contains("8765432.19"), "{mine}");

        // Two more bids (Rust-sealed) so the section opens (实施条例 44: at least three).
        put_rust_bid(&app, "bidder2", &section, "9000000.00", 2).await;
        put_rust_bid(&app, "bidder3", &section, "9100000.00", 3).await;

        // The opening: the browser's key decrypts the browser's package with the Rust reader.
        app.clock().set(at(DEADLINE));
        let mut state = String::new();
        for () in ggzy_api_tests::patience() {
            state = section_state(&app, &r.project_id).await;
            if state == "opening" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(state, "opening");
        // The browser's session expired with the clock's jump: sign in again on the way.
        c.goto(&app.url(&format!("/bidder/sections/{section}/opening")))
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::Id("f-username"))
            .await
            .unwrap();
        c.find(Locator::Id("f-username"))
            .await
            .unwrap()
            .send_keys("bidder1")
            .await
            .unwrap();
        c.find(Locator::Id("f-password"))
            .await
            .unwrap()
            .send_keys(DEMO_PASSWORD)
            .await
            .unwrap();
        c.find(Locator::Css("main form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // Give the key on the opening page (pasted).
        c.wait().for_element(Locator::Id("f-key")).await.unwrap();
        c.find(Locator::Id("f-key"))
            .await
            .unwrap()
            .send_keys(key_b64.trim())
            .await
            .unwrap();
        c.find(Locator::Css("main form.stack button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::Css("p.notice[role=status]"))
            .await
            .unwrap();
        let text = c
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(text.contains("8,765,432.19 元"), "{text}");
        // The other bidders give theirs (API); the record is produced and the page shows it.
        for (b, seed) in [("bidder2", 2u8), ("bidder3", 3u8)] {
            let t = app.login(b).await;
            let (s, v) = app
                .post(
                    Some(&t),
                    &format!("/api/v1/sections/{section}/bids/mine/key"),
                    json!({"key": base64::engine::general_purpose::STANDARD.encode([seed; 32])}),
                )
                .await;
            assert_eq!(s, 200, "{b}: {v}");
        }
        c.goto(&app.url(&format!("/bidder/sections/{section}/opening")))
            .await
            .unwrap();
        let text = c
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(text.contains("开标记录"), "{text}");
        assert!(text.contains("大连第一建筑工程有限公司"), "{text}");
        assert!(text.contains("8,765,432.19 元"), "{text}");
        assert!(text.contains("9,000,000.00 元"), "{text}");
        app.stop().await;
    }
}
