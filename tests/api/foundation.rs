use ggzy_api_tests::{into_parts, TestApp, DEMO_PASSWORD};
use serde_json::{json, Value};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get(None, "/healthz").await.0, 200);
    let (s, v) = app.get(None, "/readyz").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("ready")));
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains("db_pool_connections"), "{text}");
    assert!(text.contains("http_requests_total"), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn every_demo_role_can_log_in_and_see_itself() {
    let app = TestApp::spawn().await;
    for (user, role) in [
        ("admin", "admin"),
        ("staff", "staff"),
        ("tenderer", "tenderer"),
        ("agency", "agency"),
        ("bidder1", "bidder"),
        ("bidder2", "bidder"),
        ("bidder3", "bidder"),
        ("expert1", "expert"),
        ("supervisor", "supervisor"),
        ("bank", "bank"),
    ] {
        let t = app.login(user).await;
        let (s, me) = app.get(Some(&t), "/api/v1/auth/me").await;
        assert_eq!(s, 200);
        assert_eq!(me["username"], user);
        assert_eq!(me["role"], role);
    }
    app.stop().await;
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let app = TestApp::spawn().await;
    let t = app.login("staff").await;
    let (s, _) = app.post(Some(&t), "/api/v1/auth/logout", json!({})).await;
    assert_eq!(s, 204);
    let (s, p) = app.get(Some(&t), "/api/v1/auth/me").await;
    assert_eq!(s, 401);
    assert!(p["detail"].as_str().unwrap().contains("revoked"));
    app.stop().await;
}

#[tokio::test]
async fn a_token_expires_by_the_server_clock() {
    let app = TestApp::spawn().await;
    let t = app.login("staff").await;
    app.clock()
        .advance(chrono::Duration::hours(12) + chrono::Duration::seconds(1));
    let (s, p) = app.get(Some(&t), "/api/v1/auth/me").await;
    assert_eq!(s, 401, "{p}");
    app.stop().await;
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_per_account() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let (s, _) = app
            .post(
                None,
                "/api/v1/auth/login",
                json!({"username": "bidder1", "password": "wrong-password"}),
            )
            .await;
        assert_eq!(s, 401);
    }
    // The sixth attempt is refused even with the right password, until the window passes.
    let (s, p) = app
        .post(
            None,
            "/api/v1/auth/login",
            json!({"username": "bidder1", "password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(s, 429, "{p}");
    app.clock()
        .advance(chrono::Duration::minutes(15) + chrono::Duration::seconds(1));
    let (s, _) = app
        .post(
            None,
            "/api/v1/auth/login",
            json!({"username": "bidder1", "password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(s, 200);
    app.stop().await;
}

#[tokio::test]
async fn bad_requests_of_every_kind_answer_problem_json() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let c = &app.client;
    // Malformed JSON -> 400 naming the body.
    let r = c
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"uscc\":")
        .send()
        .await
        .unwrap();
    let (s, p) = into_parts(r).await;
    assert_eq!(s, 400);
    assert_eq!(p["errors"][0]["rule"], "json.syntax");
    // Wrong type -> 422 naming the field.
    let (s, p) = app
        .post(
            Some(&admin),
            "/api/v1/organizations",
            json!({"uscc": 5, "name": "x", "kind": "bidder"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(p["errors"][0]["field"], "uscc");
    // Missing field -> 422 naming it.
    let (s, p) = app
        .post(
            Some(&admin),
            "/api/v1/organizations",
            json!({"name": "x", "kind": "bidder"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(p["errors"][0]["field"], "uscc", "{p}");
    assert_eq!(p["errors"][0]["rule"], "required");
    // Unknown enum value -> 422.
    let (s, p) = app
        .post(
            Some(&admin),
            "/api/v1/users",
            json!({"username": "newuser", "password": "long-enough-pw", "role": "king"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(p["errors"][0]["rule"], "enum.unknown_value", "{p}");
    // A corrupted USCC -> 422 with the GB 32100 rule.
    let (s, p) = app
        .post(
            Some(&admin),
            "/api/v1/organizations",
            json!({"uscc": "91350100M000100Y44", "name": "x", "kind": "bidder"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(p["errors"][0]["rule"], "uscc.check_character");
    // Every broken rule is named at once.
    let (s, p) = app
        .post(
            Some(&admin),
            "/api/v1/organizations",
            json!({"uscc": "bad", "name": "", "kind": "pirate"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(p["errors"].as_array().unwrap().len(), 3, "{p}");
    // Wrong content type -> 415.
    let r = c
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(&admin)
        .body("uscc=1")
        .send()
        .await
        .unwrap();
    assert_eq!(into_parts(r).await.0, 415);
    // Bad query string -> 400.
    let sup = app.login("supervisor").await;
    let (s, p) = app.get(Some(&sup), "/api/events?after=abc").await;
    assert_eq!(s, 400, "{p}");
    // Oversized body -> 413.
    let big = "x".repeat(300 * 1024);
    let r = c
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(&admin)
        .json(&json!({"uscc": big, "name": "x", "kind": "bidder"}))
        .send()
        .await
        .unwrap();
    assert_eq!(into_parts(r).await.0, 413);
    // Unknown route -> 404, wrong method -> 405, no token -> 401, wrong role -> 403.
    assert_eq!(app.get(None, "/api/v1/nothing-here").await.0, 404);
    let r = c.delete(app.url("/api/v1/auth/me")).send().await.unwrap();
    assert_eq!(into_parts(r).await.0, 405);
    assert_eq!(app.get(None, "/api/v1/users").await.0, 401);
    let bidder = app.login("bidder1").await;
    let (s, p) = app.get(Some(&bidder), "/api/v1/users").await;
    assert_eq!(s, 403);
    assert!(p["detail"].as_str().unwrap().contains("admin"));
    app.stop().await;
}

#[tokio::test]
async fn a_duplicate_uscc_is_a_conflict_not_a_server_error() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let body = json!({"uscc": "91110000802100433B", "name": "某公司", "kind": "bidder"});
    assert_eq!(
        app.post(Some(&admin), "/api/v1/organizations", body.clone())
            .await
            .0,
        201
    );
    let (s, p) = app.post(Some(&admin), "/api/v1/organizations", body).await;
    assert_eq!(s, 409);
    assert_eq!(p["rule"], "organization.uscc_unique");
    app.stop().await;
}

#[tokio::test]
async fn a_user_reads_only_its_own_organization() {
    let app = TestApp::spawn().await;
    let b1 = app.login("bidder1").await;
    let (_, me) = app.get(Some(&b1), "/api/v1/auth/me").await;
    let own = me["org_id"].as_str().unwrap().to_string();
    assert_eq!(
        app.get(Some(&b1), &format!("/api/v1/organizations/{own}"))
            .await
            .0,
        200
    );
    let b2 = app.login("bidder2").await;
    let (_, me2) = app.get(Some(&b2), "/api/v1/auth/me").await;
    let other = me2["org_id"].as_str().unwrap();
    assert_eq!(
        app.get(Some(&b1), &format!("/api/v1/organizations/{other}"))
            .await
            .0,
        403
    );
    app.stop().await;
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_returns_the_first_answer() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let body = json!({"uscc": "91110000802100433B", "name": "幂等公司", "kind": "bidder"});
    let send = || {
        app.client
            .post(app.url("/api/v1/organizations"))
            .bearer_auth(&admin)
            .header("Idempotency-Key", "k-1")
            .json(&body)
            .send()
    };
    let (s1, v1) = into_parts(send().await.unwrap()).await;
    let r2 = send().await.unwrap();
    assert_eq!(
        r2.headers()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let (s2, v2) = into_parts(r2).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(v1, v2);
    // The same key with another body is refused, and nothing changes.
    let r3 = app
        .client
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(&admin)
        .header("Idempotency-Key", "k-1")
        .json(&json!({"uscc": "91350100M000100Y43", "name": "别的公司", "kind": "bidder"}))
        .send()
        .await
        .unwrap();
    let (s3, p3) = into_parts(r3).await;
    assert_eq!(s3, 422);
    assert_eq!(p3["errors"][0]["rule"], "idempotency.key_reused");
    let (_, orgs) = app.get(Some(&admin), "/api/v1/organizations").await;
    let n = orgs
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["name"] == "幂等公司" || o["name"] == "别的公司")
        .count();
    assert_eq!(n, 1);
    app.stop().await;
}

#[tokio::test]
async fn the_changes_feed_is_for_supervisors_and_follows_by_cursor() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    app.post(
        Some(&admin),
        "/api/v1/organizations",
        json!({"uscc": "91110000802100433B", "name": "甲", "kind": "bidder"}),
    )
    .await;
    app.seal().await;
    let sup = app.login("supervisor").await;
    let (s, page) = app.get(Some(&sup), "/api/events?after=0&limit=1000").await;
    assert_eq!(s, 200);
    let events = page["events"].as_array().unwrap();
    assert!(events
        .iter()
        .any(|e| e["event_type"] == "identity.organization.registered"
            && e["payload"]["name"] == "甲"));
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "contiguous: {seqs:?}"
    );
    let cursor = page["next_cursor"].as_i64().unwrap();
    let (_, rest) = app
        .get(Some(&sup), &format!("/api/events?after={cursor}"))
        .await;
    // Logging in wrote events after the cursor only if someone logged in since; none did.
    assert!(rest["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["seq"].as_i64().unwrap() > cursor));
    let bidder = app.login("bidder1").await;
    assert_eq!(app.get(Some(&bidder), "/api/events").await.0, 403);
    app.stop().await;
}

#[tokio::test]
async fn the_audit_chain_verifies_and_detects_a_tampered_row() {
    let app = TestApp::spawn().await;
    let sup = app.login("supervisor").await;
    app.seal().await;
    let (s, v) = app.get(Some(&sup), "/api/v1/audit/verify").await;
    assert_eq!(s, 200);
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["checked"].as_i64().unwrap() > 10);
    // Edit one sealed row with raw SQL, as a database reader with write access could.
    sqlx::query("UPDATE events SET payload = $1 WHERE seq = 3")
        .bind(json!({"forged": true}).to_string())
        .execute(app.ctx.db.pool_for_write())
        .await
        .unwrap();
    let (_, v) = app.get(Some(&sup), "/api/v1/audit/verify").await;
    assert_eq!(v["ok"], false);
    assert_eq!(v["broken_at"], 3, "{v}");
    app.stop().await;
}

#[tokio::test]
async fn the_audit_search_finds_events_by_aggregate_and_text() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let (_, org) = app
        .post(
            Some(&admin),
            "/api/v1/organizations",
            json!({"uscc": "91110000802100433B", "name": "检索公司", "kind": "bidder"}),
        )
        .await;
    app.seal().await;
    let sup = app.login("supervisor").await;
    let id = org["id"].as_str().unwrap();
    let (s, v) = app.audit_of(&sup, id).await;
    assert_eq!(s, 200);
    assert_eq!(v["events"].as_array().unwrap().len(), 1);
    let (_, v) = app
        .get(Some(&sup), "/api/v1/audit/events?q=91110000802100433B")
        .await;
    assert_eq!(v["events"].as_array().unwrap().len(), 1, "{v}");
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_covers_every_route() {
    let app = TestApp::spawn().await;
    let (s, doc) = app.get(None, "/api/openapi.json").await;
    assert_eq!(s, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/me",
        "/api/v1/organizations",
        "/api/v1/organizations/{id}",
        "/api/v1/users",
        "/healthz",
        "/readyz",
        "/api/events",
        "/api/v1/audit/verify",
        "/api/v1/audit/events",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    // Every documented operation answers something other than 404/405 (the route exists).
    for (path, item) in paths {
        let concrete = path.replace("{id}", "00000000-0000-0000-0000-000000000000");
        for method in item.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app
                .client
                .request(m, app.url(&concrete))
                .json(&Value::Null)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let body = r.text().await.unwrap_or_default();
            // A documented route may answer 401/403/404 (no such resource) but never "no route".
            assert!(
                status != 405 && !body.contains("no route for"),
                "{method} {path} -> {status} {body}"
            );
        }
    }
    // The reference page and every file it loads are served by the binary itself.
    let html = app
        .client
        .get(app.url("/api/docs/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    for file in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
    ] {
        let r = app
            .client
            .get(app.url(&format!("/api/docs/{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{file}");
        let body = r.text().await.unwrap();
        assert!(body.len() > 100, "{file}");
        if file == "swagger-initializer.js" {
            assert!(body.contains("/api/openapi.json"), "{body}");
        }
    }
    app.stop().await;
}

/// Every operation lists the answers the server's layers really give: called without a token, a
/// secured operation answers 401; a JSON body sent as text answers 415, a malformed one 400 — each
/// documented on that operation, and each a problem document.
#[tokio::test]
async fn every_operation_documents_the_401_400_and_415_it_really_gives() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let (_, doc) = app.get(None, "/api/openapi.json").await;
    let concrete = |path: &str| -> String {
        let mut out = String::new();
        for seg in path.split('/') {
            if !out.is_empty() || path.starts_with('/') {
                out.push('/');
            }
            if seg.starts_with('{') {
                out.push_str(match seg {
                    "{year}" => "2031",
                    "{seq}" => "1",
                    "{file}" => "construction.xml",
                    "{market}" => "construction",
                    _ => "00000000-0000-0000-0000-000000000000",
                });
            } else {
                out.push_str(seg);
            }
        }
        out.replacen("//", "/", 1)
    };
    let mut checked = (0, 0, 0);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = app.url(&concrete(path));
            let answers = op["responses"].as_object().unwrap();
            let secured = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
            });
            if secured {
                assert!(answers.contains_key("401"), "{method} {path} lists no 401");
                let r = app.client.request(m.clone(), &url).send().await.unwrap();
                assert_eq!(r.status(), 401, "{method} {path} without a token");
                assert!(r.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/problem+json"));
                checked.0 += 1;
            }
            let json_body = op["requestBody"]["content"]
                .as_object()
                .is_some_and(|c| c.keys().any(|k| k.contains("json")));
            if json_body {
                assert!(answers.contains_key("415"), "{method} {path} lists no 415");
                assert!(answers.contains_key("400"), "{method} {path} lists no 400");
                let r = app
                    .client
                    .request(m.clone(), &url)
                    .bearer_auth(&staff)
                    .header("content-type", "text/plain")
                    .body("{}")
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                // A staff token may be refused for the route first (403/404); when the body is
                // read, the answer is 415.
                assert!(
                    [415, 403, 404].contains(&status),
                    "{method} {path} with a text body -> {status}"
                );
                if status == 415 {
                    checked.1 += 1;
                }
                let r = app
                    .client
                    .request(m.clone(), &url)
                    .bearer_auth(&staff)
                    .header("content-type", "application/json")
                    .body("{\"")
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                assert!(
                    [400, 403, 404].contains(&status),
                    "{method} {path} with malformed JSON -> {status}"
                );
                if status == 400 {
                    checked.2 += 1;
                }
            }
        }
    }
    assert!(
        checked.0 > 100 && checked.1 > 20 && checked.2 > 20,
        "{checked:?}"
    );
    app.stop().await;
}

/// JSON has one number type: a client (or a generator following the schema) that writes an
/// integer as `80.0` is understood; a real fraction for an integer field is still refused.
#[tokio::test]
async fn an_integer_written_as_80_point_0_is_accepted_and_80_point_5_refused() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let (s, room) = app
        .post(
            Some(&staff),
            "/api/v1/rooms",
            json!({"kind": "evaluation_room", "name": "评标室 9", "floor": 3.0, "capacity": 80.0}),
        )
        .await;
    assert_eq!(s, 201, "{room}");
    assert_eq!(room["capacity"], 80, "{room}");
    let (s, p) = app
        .post(
            Some(&staff),
            "/api/v1/rooms",
            json!({"kind": "evaluation_room", "name": "评标室 10", "floor": 3, "capacity": 80.5}),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "capacity", "{p}");
    assert_eq!(p["errors"][0]["rule"], "type", "{p}");
    app.stop().await;
}

/// The interactive API reference renders in a real browser from the binary's own files: the
/// operations of the OpenAPI document appear, and one can be expanded to read its parameters.
#[tokio::test]
async fn the_api_reference_renders_every_operation_in_a_browser() {
    use fantoccini::Locator;
    let Some(browser) =
        ggzy_api_tests::browser::browser("API reference browser test", 1280, 900).await
    else {
        return;
    };
    let app = TestApp::spawn().await;
    let c = browser.client.clone();
    c.goto(&app.url("/api/docs")).await.expect("goto /api/docs");
    let mut found = false;
    for () in ggzy_api_tests::patience() {
        let text = c
            .find(Locator::Css("body"))
            .await
            .expect("body")
            .text()
            .await
            .unwrap_or_default();
        if text.contains("/api/v1/auth/login") && text.contains("/api/v1/announcements") {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found, "the reference did not render the operations");
    let title = c
        .find(Locator::Css(".info .title"))
        .await
        .expect("title")
        .text()
        .await
        .expect("text");
    assert!(title.contains("ggzy"), "{title}");
    c.close().await.expect("close");
    drop(browser);
    app.stop().await;
}

/// SQLite allows one writer: concurrent writes queue behind the writer connection instead of
/// failing with "database is locked" (on PostgreSQL they simply run in parallel).
#[tokio::test]
async fn fifty_concurrent_writes_all_succeed() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let mut tasks = Vec::new();
    for i in 0..50u32 {
        let first17 = format!("91210200MB{i:07}");
        let uscc = ggzy_core::ident::Uscc::with_check(&first17)
            .unwrap()
            .to_string();
        let (client, url, token) = (
            app.client.clone(),
            app.url("/api/v1/organizations"),
            admin.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"uscc": uscc, "name": format!("并发{i}"), "kind": "bidder"}))
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let (_, orgs) = app.get(Some(&admin), "/api/v1/organizations").await;
    assert_eq!(
        orgs.as_array()
            .unwrap()
            .iter()
            .filter(|o| o["name"].as_str().unwrap().starts_with("并发"))
            .count(),
        50
    );
    app.stop().await;
}
