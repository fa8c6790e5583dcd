//! Unified expert pool (统一专家库管理): registration, CSV import, committed random draws, secrecy of
//! the committee, reveal and verification.

use ggzy_api_tests::{into_parts, TestApp};
use ggzy_core::ident::{ResidentId, Uscc};
use serde_json::{json, Value};

fn uscc(n: u32) -> String {
    Uscc::with_check(&format!("91210200{n:09}"))
        .expect("uscc")
        .as_str()
        .to_string()
}

fn rid(n: u32) -> String {
    ResidentId::with_check(&format!("21020219750101{n:03}"))
        .expect("resident id")
        .as_str()
        .to_string()
}

const TENDERER: u32 = 1;
const AGENCY: u32 = 2;
const BIDDER: u32 = 3;

fn expert(n: u32, employer: u32) -> Value {
    json!({
        "name": format!("专家{n}"),
        "resident_id": rid(n),
        "employer_uscc": uscc(employer),
        "employer_name": format!("单位{employer}"),
        "specialties": ["A08.02"],
        "title": "senior",
        "years": 12,
        "region": "210200",
        "phone": "13800000000",
    })
}

async fn add(app: &TestApp, staff: &str, body: Value) -> String {
    let (s, v) = app.post(Some(staff), "/api/v1/experts", body).await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().expect("id").to_string()
}

/// `count` experts numbered from `first`, each with its own employer numbered from `employer`.
async fn add_many(app: &TestApp, staff: &str, count: u32, first: u32, employer: u32) {
    for n in 0..count {
        add(app, staff, expert(first + n, employer + n)).await;
    }
}

/// A draw the only way there is: two-step (staff request, the demo supervisor commits and reveals).
async fn draw(app: &TestApp, staff: &str, request: Value) -> (u16, Value) {
    let sup = app.login("supervisor").await;
    app.two_step_draw(staff, &sup, request).await
}

/// POST `body` to `/api/v1/experts/draws/{draw_id}/{action}` (confirm, decline, reveal).
async fn on_draw(
    app: &TestApp,
    token: &str,
    draw_id: &str,
    action: &str,
    body: Value,
) -> (u16, Value) {
    app.post(
        Some(token),
        &format!("/api/v1/experts/draws/{draw_id}/{action}"),
        body,
    )
    .await
}

fn draw_request(section: &str, count: u32, backups: u32) -> Value {
    json!({
        "section_id": section,
        "tenderer_uscc": uscc(TENDERER),
        "agency_uscc": uscc(AGENCY),
        "bidder_usccs": [uscc(BIDDER), uscc(4)],
        "session_start": "2026-03-20T09:00:00+08:00",
        "session_end": "2026-03-20T17:00:00+08:00",
        "specialties": [{"specialty": "A08.02", "count": count, "backups": backups}],
    })
}

async fn import(app: &TestApp, token: &str, ct: &str, body: String) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/experts/import"))
        .bearer_auth(token)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .expect("request");
    into_parts(r).await
}

#[tokio::test]
async fn staff_register_experts_and_supervisors_read_them_masked() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    add(&app, &staff, expert(1, 100)).await;

    let (s, v) = app
        .post(Some(&staff), "/api/v1/experts", expert(1, 101))
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "expert.duplicate_resident_id");

    let mut bad = expert(2, 100);
    bad["resident_id"] = json!("210202197501010020");
    bad["specialties"] = json!(["A8"]);
    let (s, v) = app.post(Some(&staff), "/api/v1/experts", bad).await;
    assert_eq!(s, 422, "{v}");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"resident_id") && fields.contains(&"specialties[0]"),
        "{v}"
    );

    let tenderer = app.login("tenderer").await;
    let (s, _) = app
        .post(Some(&tenderer), "/api/v1/experts", expert(3, 100))
        .await;
    assert_eq!(s, 403);
    let (s, _) = app.get(Some(&tenderer), "/api/v1/experts").await;
    assert_eq!(s, 403);

    let sup = app.login("supervisor").await;
    let (s, v) = app.get(Some(&sup), "/api/v1/experts").await;
    assert_eq!(s, 200, "{v}");
    assert!(v[0]["resident_id"].as_str().unwrap().contains("****"));
    let (_, v) = app.get(Some(&staff), "/api/v1/experts").await;
    assert_eq!(v[0]["resident_id"], rid(1));
    app.stop().await;
}

#[tokio::test]
async fn a_csv_import_with_one_bad_row_imports_nothing_and_names_the_row() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let header =
        "name,resident_id,employer_uscc,employer_name,specialties,title,years,region,phone,conflicts";
    let row = |n: u32, rid_s: &str| {
        format!(
            "专家{n},{rid_s},{},单位{n},A08.02;B01,senior,10,210200,13800000000,{}",
            uscc(200 + n),
            uscc(TENDERER)
        )
    };
    let bad = format!(
        "{header}\n{}\n{}\n",
        row(1, &rid(1)),
        row(2, "210202197501010020")
    );
    let (s, v) = import(&app, &staff, "text/csv", bad).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "rows[3].resident_id", "{v}");
    let (_, list) = app.get(Some(&staff), "/api/v1/experts").await;
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing imported");

    let (s, _) = import(&app, &staff, "application/json", "[]".into()).await;
    assert_eq!(s, 415);

    let good = format!("{header}\r\n{}\r\n{}\r\n", row(1, &rid(1)), row(2, &rid(2)));
    let (s, v) = import(&app, &staff, "text/csv; charset=utf-8", good).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["imported"], 2);
    let (_, list) = app.get(Some(&staff), "/api/v1/experts").await;
    assert_eq!(list[0]["specialties"], json!(["A08.02", "B01"]));
    assert_eq!(list[0]["conflicts"], json!([uscc(TENDERER)]));
    app.stop().await;
}

#[tokio::test]
async fn a_draw_avoids_parties_is_secret_from_them_and_verifies_after_reveal() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    // 8 eligible with distinct employers, plus one of each avoidance case.
    add_many(&app, &staff, 8, 10, 100).await;
    let at_tenderer = add(&app, &staff, expert(30, TENDERER)).await;
    let mut c = expert(31, 150);
    c["conflicts"] = json!([uscc(BIDDER)]);
    let conflicted = add(&app, &staff, c).await;
    let mut l = expert(32, 151);
    l["leaves"] =
        json!([{"starts_at": "2026-03-19T00:00:00+08:00", "ends_at": "2026-03-21T00:00:00+08:00"}]);
    let on_leave = add(&app, &staff, l).await;
    let mut j = expert(33, 152);
    j["title"] = json!("intermediate");
    j["years"] = json!(7);
    let junior = add(&app, &staff, j).await;

    let (s, d) = draw(&app, &staff, draw_request("S-1", 5, 2)).await;
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    assert_eq!(d["attempt"], 1);
    assert_eq!(d["members"].as_array().unwrap().len(), 5);
    assert_eq!(d["backups"].as_array().unwrap().len(), 2);
    assert_eq!(d["eligible_count"], 8);
    assert!(d["seed"].is_null(), "seed secret until revealed");
    let excluded = d["excluded"].as_array().unwrap();
    let reasons_of = |eid: &str| -> Vec<String> {
        excluded
            .iter()
            .find(|e| e["expert_id"] == eid)
            .map(|e| {
                e["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["reason"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(reasons_of(&at_tenderer), vec!["employed_by_party"]);
    assert_eq!(reasons_of(&conflicted), vec!["declared_conflict"]);
    assert_eq!(reasons_of(&on_leave), vec!["on_leave"]);
    assert_eq!(
        reasons_of(&junior),
        vec!["title_not_senior", "too_few_years"]
    );

    for who in ["tenderer", "agency", "bidder1"] {
        let t = app.login(who).await;
        let (s, _) = app
            .get(Some(&t), &format!("/api/v1/experts/draws/{id}"))
            .await;
        assert_eq!(s, 403, "{who} must not see the committee");
        let (s, _) = on_draw(&app, &t, &id, "reveal", json!({})).await;
        assert_eq!(s, 403);
    }
    let sup = app.login("supervisor").await;
    let (s, v) = app
        .get(Some(&sup), &format!("/api/v1/experts/draws/{id}"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["members"], d["members"]);

    let bidder = app.login("bidder1").await;
    let (s, v) = app
        .get(Some(&bidder), &format!("/api/v1/experts/draws/{id}/verify"))
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "draw.not_revealed");

    let (s, r) = on_draw(&app, &staff, &id, "reveal", json!({})).await;
    assert_eq!(s, 200, "{r}");
    let seed_hex = r["seed"].as_str().unwrap();
    let seed: Vec<u8> = (0..seed_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&seed_hex[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(seed.len(), 32);
    let (s, _) = on_draw(&app, &staff, &id, "reveal", json!({})).await;
    assert_eq!(s, 409);

    let (s, v) = app
        .get(Some(&bidder), &format!("/api/v1/experts/draws/{id}/verify"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["valid"], true, "{v}");
    // Two-step: the commitment is sha256 of the centre's secret, and the revealed seed is the one
    // recomputed from every contribution.
    let c = &v["contribution"];
    let centre: Vec<u8> = hex::decode(c["centre_secret"].as_str().unwrap()).unwrap();
    assert_eq!(
        ggzy_core::ids::sha256_hex(&centre),
        d["commitment"].as_str().unwrap()
    );
    assert_eq!(c["recomputed_seed"], seed_hex, "{v}");

    // No re-draw of the same section while its draw is active (issue 24 item 9).
    let (s, v) = draw(&app, &staff, draw_request("S-1", 5, 0)).await;
    assert_eq!(s, 422, "one active draw per section: {v}");
    assert_eq!(v["errors"][0]["rule"], "draw.active_draw_exists");

    app.seal().await;
    let rows =
        sqlx::query("SELECT event_type, payload FROM events WHERE aggregate_id = $1 ORDER BY seq")
            .bind(&id)
            .fetch_all(app.ctx.db.pool())
            .await
            .unwrap();
    use sqlx::Row;
    let types: Vec<String> = rows
        .iter()
        .map(|r| r.get::<String, _>("event_type"))
        .collect();
    assert_eq!(
        types,
        vec![
            "experts.draw.committed",
            "experts.draw.supervisor_committed",
            "experts.draw.supervisor_revealed",
            "experts.draw.requested",
            "experts.draw.completed",
            "experts.draw.revealed"
        ]
    );
    let requested: Value = serde_json::from_str(&rows[3].get::<String, _>("payload")).unwrap();
    assert_eq!(requested["scheme"], "contributed-v1");
    assert_eq!(requested["commitment"], d["commitment"]);
    app.stop().await;
}

#[tokio::test]
async fn too_few_experts_and_committee_size_are_refused_with_the_rule() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    add_many(&app, &staff, 5, 10, 100).await;
    let (s, v) = draw(&app, &staff, draw_request("S-2", 5, 2)).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "specialties.A08.02");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("short by 2"),
        "{v}"
    );

    let (s, v) = draw(&app, &staff, draw_request("S-2", 4, 0)).await;
    assert_eq!(s, 422, "{v}");
    let rules: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        vec!["committee.min_members", "committee.odd_members"]
    );

    let (s, v) = draw(&app, &staff, draw_request("S-2", 5, 0)).await;
    assert_eq!(s, 201, "{v}");
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Notification, confirmation and replacement, sessions from venues, confidentiality, ratings.

use ggzy_experts::notify::{self, Channels, SmtpChannel, SmtpSecurity, WebhookChannel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Run the expert area's event consumer until it has seen every sealed event.
async fn catch_up(app: &TestApp) {
    app.drain_consumer("experts.events").await;
}

/// Emit an event of another area straight into the outbox (what that area would do).
async fn emit_foreign(app: &TestApp, event_type: &str, aggregate: &str, payload: Value) {
    app.emit(event_type, "test", aggregate, payload).await;
}

async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    app.put(Some(token), path, body).await
}

/// A login with the expert role, linked to `expert_id`; returns its token.
async fn expert_login(
    app: &TestApp,
    admin: &str,
    staff: &str,
    username: &str,
    expert_id: &str,
) -> String {
    let (org, _) = demo_org(app, admin, "expert_employer").await;
    let u = app.user_in_org(&org, username, "expert").await;
    catch_up(app).await;
    let (s, v) = put(
        app,
        staff,
        &format!("/api/v1/experts/{expert_id}/account"),
        json!({"user_id": u["id"], "email": format!("{username}@dlut.edu.cn")}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["user_id"], u["id"]);
    app.login(username).await
}

async fn events_of(app: &TestApp, event_type: &str) -> Vec<Value> {
    app.events_of(event_type).await
}

fn ids_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| m["expert_id"].as_str().unwrap().to_string())
        .collect()
}

fn status_of(d: &Value, expert: &str) -> String {
    d["members"]
        .as_array()
        .unwrap()
        .iter()
        .chain(d["backups"].as_array().unwrap())
        .find(|m| m["expert_id"] == expert)
        .map(|m| m["status"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

#[derive(Clone, Default)]
struct Captured {
    requests: Arc<Mutex<Vec<(String, String, String)>>>,
    fail_first: Arc<Mutex<bool>>,
}

/// The SMS gateway: verifies the signature like a real gateway would, answers 500 once if asked.
async fn webhook_gateway(secret: &'static [u8]) -> (String, Captured) {
    use axum::http::HeaderMap;
    let cap = Captured::default();
    let c = cap.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let c = c.clone();
            async move {
                let ts = headers
                    .get(notify::TIMESTAMP_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let sig = headers
                    .get(notify::SIGNATURE_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                // Independent HMAC computation, not the crate's `sign`.
                use hmac::Mac;
                let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
                mac.update(format!("{ts}.{body}").as_bytes());
                let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
                if sig != expected {
                    return axum::http::StatusCode::UNAUTHORIZED;
                }
                let mut f = c.fail_first.lock().unwrap();
                if *f {
                    *f = false;
                    return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                }
                c.requests.lock().unwrap().push((ts, sig, body));
                axum::http::StatusCode::OK
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", l.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(l, app).await;
    });
    (url, cap)
}

/// A minimal SMTP server (RFC 5321 happy path): greets, accepts EHLO/HELO, MAIL, RCPT, DATA, QUIT
/// and records each message's envelope and data.
/// Messages the test SMTP server received: (envelope commands, data).
type Mailbox = Arc<Mutex<Vec<(Vec<String>, String)>>>;

async fn smtp_server() -> (u16, Mailbox) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let got: Mailbox = Arc::default();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let g = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = l.accept().await {
            let g = g.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                let _ = w.write_all(b"220 test ESMTP\r\n").await;
                let mut envelope = Vec::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_string();
                    let upper = cmd.to_ascii_uppercase();
                    if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        let _ = w.write_all(b"250 test\r\n").await;
                    } else if upper.starts_with("MAIL") || upper.starts_with("RCPT") {
                        envelope.push(cmd);
                        let _ = w.write_all(b"250 OK\r\n").await;
                    } else if upper == "DATA" {
                        let _ = w.write_all(b"354 end with .\r\n").await;
                        let mut data = String::new();
                        loop {
                            line.clear();
                            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if line.trim_end() == "." {
                                break;
                            }
                            data.push_str(&line);
                        }
                        g.lock()
                            .unwrap()
                            .push((std::mem::take(&mut envelope), data));
                        let _ = w.write_all(b"250 queued\r\n").await;
                    } else if upper == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        let _ = w.write_all(b"250 OK\r\n").await;
                    }
                }
            });
        }
    });
    (port, got)
}

fn b64_body(data: &str) -> String {
    use base64::Engine;
    let body = data.split("\r\n\r\n").nth(1).unwrap_or("");
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(compact)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn notices_go_out_by_signed_webhook_and_smtp_with_only_time_and_place() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let mut e = expert(200 + n, 300 + n);
        e["email"] = json!(format!("e{n}@dlut.edu.cn"));
        e["phone"] = json!(format!("1390000000{n}"));
        ids.push(add(&app, &staff, e).await);
    }
    let mut req = draw_request("SECTION-SECRET-1", 5, 0);
    req["place"] = json!("第3评标室");
    let (s, d) = draw(&app, &staff, req).await;
    assert_eq!(s, 201, "{d}");
    let draw_id = d["id"].as_str().unwrap().to_string();
    // Queued in the draw's transaction, not sent by it.
    assert_eq!(d["notifications"].as_array().unwrap().len(), 10, "{d}");
    assert!(d["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["status"] == "pending"));

    let (url, gateway) = webhook_gateway(b"gateway-secret").await;
    *gateway.fail_first.lock().unwrap() = true;
    let (port, mails) = smtp_server().await;
    let channels = Channels {
        sms: Some(Arc::new(
            WebhookChannel::new(&url, b"gateway-secret", app.clock().clone()).unwrap(),
        )),
        email: Some(Arc::new(
            SmtpChannel::new(
                "127.0.0.1",
                port,
                SmtpSecurity::None,
                None,
                "评标专家通知 <notice@ggzy.example.cn>",
            )
            .unwrap(),
        )),
    };
    let sent = notify::process_due(&app.ctx.db, app.clock(), &channels)
        .await
        .unwrap();
    // The gateway refused the first SMS once: 9 sent, one rescheduled with backoff.
    assert_eq!(sent, 9);
    let (_, d) = app
        .get(Some(&staff), &format!("/api/v1/experts/draws/{draw_id}"))
        .await;
    let pending: Vec<&Value> = d["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["status"] == "pending")
        .collect();
    assert_eq!(pending.len(), 1, "{d}");
    assert_eq!(pending[0]["attempts"], 1);
    assert!(pending[0]["last_error"].as_str().unwrap().contains("500"));
    // Retried 30 s after the failure (backoff): not before, then it goes. The test clock runs at
    // real speed between its jumps, so the jumps are taken from the stored retry time, with a
    // margin for a loaded machine, not from the failure's instant.
    let retry_at = ggzy_core::time::from_micros(
        app.scalar_i64("SELECT next_attempt_at FROM expert_notifications WHERE status = 'pending'")
            .await,
    );
    let failed_at = ggzy_core::time::from_micros(
        app.scalar_i64("SELECT MAX(created_at) FROM expert_notifications")
            .await,
    );
    assert!(retry_at - failed_at >= chrono::Duration::seconds(30));
    app.clock().set(retry_at - chrono::Duration::seconds(10));
    assert_eq!(
        notify::process_due(&app.ctx.db, app.clock(), &channels)
            .await
            .unwrap(),
        0
    );
    app.clock().set(retry_at);
    assert_eq!(
        notify::process_due(&app.ctx.db, app.clock(), &channels)
            .await
            .unwrap(),
        1
    );

    let sms = gateway.requests.lock().unwrap().clone();
    assert_eq!(sms.len(), 5);
    for (_, sig, body) in &sms {
        assert!(sig.starts_with("sha256="));
        let v: Value = serde_json::from_str(body).unwrap();
        let text = v["text"].as_str().unwrap();
        assert!(text.contains("第3评标室"), "{text}");
        assert!(text.contains("2026-03-20 09:00:00"), "{text}");
        assert!(!text.contains("SECTION-SECRET-1"), "{text}");
        assert!(!text.contains(&uscc(TENDERER)), "{text}");
        assert!(v["to"].as_str().unwrap().starts_with("1390000000"));
    }
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 5);
    for (envelope, data) in &mails {
        assert!(
            envelope[0].contains("notice@ggzy.example.cn"),
            "{envelope:?}"
        );
        assert!(envelope[1].contains("@dlut.edu.cn"), "{envelope:?}");
        let text = b64_body(data);
        assert!(
            text.contains("第3评标室") && text.contains("2026-03-20 09:00:00"),
            "{text}"
        );
        assert!(!text.contains("SECTION-SECRET-1") && !data.contains("SECTION-SECRET-1"));
    }
    let (_, d) = app
        .get(Some(&staff), &format!("/api/v1/experts/draws/{draw_id}"))
        .await;
    assert!(d["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["status"] == "sent"));
    app.stop().await;
}

async fn wait_status(app: &TestApp, staff: &str, draw_id: &str, expert: &str, want: &str) -> Value {
    // A timer or a consumer makes the change: on a busy machine that can take many seconds.
    let until = std::time::Instant::now() + Duration::from_secs(90);
    while std::time::Instant::now() < until {
        let (_, d) = app
            .get(Some(staff), &format!("/api/v1/experts/draws/{draw_id}"))
            .await;
        if status_of(&d, expert) == want {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{expert} never became {want}");
}

#[tokio::test]
async fn declines_silence_and_recusal_call_the_backups_in_order_and_the_draw_still_verifies() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let admin = app.login("admin").await;
    add_many(&app, &staff, 7, 400, 500).await;
    let (s, d) = draw(&app, &staff, draw_request("S-CONF", 5, 2)).await;
    assert_eq!(s, 201, "{d}");
    let draw_id = d["id"].as_str().unwrap().to_string();
    let members = ids_of(&d["members"]);
    let backups = ids_of(&d["backups"]);
    assert!(d["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["status"] == "pending"));
    assert!(d["backups"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["status"] == "standby"));
    let deadline = d["members"][0]["confirm_by"].as_str().unwrap().to_string();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(&deadline).unwrap(),
        chrono::DateTime::parse_from_rfc3339(d["created_at"].as_str().unwrap()).unwrap()
            + chrono::Duration::minutes(120)
    );
    let mut tokens = Vec::new();
    for (i, e) in members.iter().chain(backups.iter()).enumerate() {
        tokens.push(expert_login(&app, &admin, &staff, &format!("pool{i}"), e).await);
    }
    // The expert's own view: time and place only.
    let (s, mine) = app
        .get(Some(&tokens[0]), "/api/v1/experts/me/assignments")
        .await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine[0]["draw_id"], draw_id.as_str());
    assert!(mine[0].get("section_id").is_none());
    // A standby backup has nothing to confirm yet.
    let (s, _) = on_draw(&app, &tokens[5], &draw_id, "confirm", json!({})).await;
    assert_eq!(s, 404);

    for t in &tokens[2..5] {
        let (s, v) = on_draw(&app, t, &draw_id, "confirm", json!({})).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["status"], "confirmed");
    }
    let (s, v) = on_draw(&app, &tokens[2], &draw_id, "confirm", json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "member.not_pending");

    // members[0] declines: backups[0] is called and asked to confirm.
    let (s, v) = on_draw(&app, &tokens[0], &draw_id, "decline", json!({"reason": ""})).await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = on_draw(
        &app,
        &tokens[0],
        &draw_id,
        "decline",
        json!({"reason": "出差"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "declined");
    let (_, d) = app
        .get(Some(&staff), &format!("/api/v1/experts/draws/{draw_id}"))
        .await;
    assert_eq!(status_of(&d, &backups[0]), "pending");
    assert_eq!(status_of(&d, &backups[1]), "standby");
    members[1..]
        .iter()
        .for_each(|m| assert_ne!(status_of(&d, m), "declined"));
    // members[1] confirms one second before its deadline (the deadline instant is still in time);
    // backups[0], called a moment later, stays silent past its own deadline.
    let deadline = chrono::DateTime::parse_from_rfc3339(&deadline)
        .unwrap()
        .with_timezone(&chrono::Utc);
    app.clock().set(deadline - chrono::Duration::seconds(1));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, d) = app
        .get(Some(&staff), &format!("/api/v1/experts/draws/{draw_id}"))
        .await;
    assert_eq!(
        status_of(&d, &members[1]),
        "pending",
        "no timer before the deadline"
    );
    let (s, _) = on_draw(&app, &tokens[1], &draw_id, "confirm", json!({})).await;
    assert_eq!(s, 200);
    app.clock().advance(chrono::Duration::seconds(2));
    let d = wait_status(&app, &staff, &draw_id, &backups[0], "timed_out").await;
    assert_eq!(status_of(&d, &backups[1]), "pending");
    let (s, v) = on_draw(&app, &tokens[5], &draw_id, "confirm", json!({})).await;
    assert_eq!(s, 409, "{v}");
    let (s, _) = on_draw(&app, &tokens[6], &draw_id, "confirm", json!({})).await;
    assert_eq!(s, 200);

    // Recusal during the evaluation (实施条例 48): no backup left, the vacancy is reported.
    let (s, v) = app
        .post(
            Some(&staff),
            &format!(
                "/api/v1/experts/draws/{draw_id}/members/{}/recuse",
                members[2]
            ),
            json!({"reason": "与投标人存在利害关系"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(status_of(&v, &members[2]), "recused");
    assert_eq!(v["serving"].as_array().unwrap().len(), 4, "{v}");
    let unreplaced = events_of(&app, "experts.member.unreplaced").await;
    assert_eq!(unreplaced.len(), 1);
    assert_eq!(unreplaced[0]["specialty"], "A08.02");
    assert_eq!(unreplaced[0]["short_by"], 1);

    let confirmed = events_of(&app, "experts.member.confirmed").await;
    assert_eq!(confirmed.len(), 5);
    assert!(confirmed
        .iter()
        .all(|e| e["draw_id"] == draw_id.as_str() && e["name"].is_string()));
    let declined = events_of(&app, "experts.member.declined").await;
    assert_eq!(declined.len(), 2);
    assert_eq!(declined[0]["expert_id"], members[0].as_str());
    assert_eq!(declined[1]["status"], "timed_out");
    let replaced = events_of(&app, "experts.member.replaced").await;
    assert_eq!(replaced.len(), 2);
    assert_eq!(replaced[0]["replaced"]["expert_id"], members[0].as_str());
    assert_eq!(replaced[0]["replacement"]["expert_id"], backups[0].as_str());
    assert_eq!(replaced[1]["replacement"]["expert_id"], backups[1].as_str());
    assert!(replaced[1]["replacement"]["user_id"].is_string());

    // Replacements come from the seeded backup order: the draw still verifies after reveal.
    let (s, _) = on_draw(&app, &staff, &draw_id, "reveal", json!({})).await;
    assert_eq!(s, 200);
    let (s, v) = app
        .get(
            Some(&staff),
            &format!("/api/v1/experts/draws/{draw_id}/verify"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["valid"], true, "{v}");
    app.stop().await;
}

/// Read-your-own-writes across areas (issue 17 item 5): the experts area keeps its own copy of the
/// user accounts, fed by identity's events. Linking an expert to an account created a moment ago
/// waits for that copy instead of answering a misleading "no such user account"; an id that does
/// not exist is still refused with the rule once the copy has caught up.
#[tokio::test]
async fn linking_an_account_created_a_moment_ago_works_at_once_and_an_unknown_one_is_refused() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let admin = app.login("admin").await;
    let expert_id = add(&app, &staff, expert(1, 100)).await;
    let (org, _) = demo_org(&app, &admin, "expert_employer").await;
    let u = app.user_in_org(&org, "just_created", "expert").await;
    // No catch-up here: the request itself waits for the experts area's copy.
    let (s, v) = put(
        &app,
        &staff,
        &format!("/api/v1/experts/{expert_id}/account"),
        json!({"user_id": u["id"]}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["user_id"], u["id"]);
    let (s, v) = put(
        &app,
        &staff,
        &format!("/api/v1/experts/{expert_id}/account"),
        json!({"user_id": "00000000000000000000000000000000"}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "expert.user_unknown", "{v}");
    app.stop().await;
}

#[tokio::test]
async fn an_expert_recuses_himself_with_a_reason_and_the_next_backup_is_called() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let admin = app.login("admin").await;
    add_many(&app, &staff, 6, 700, 800).await;
    let (s, d) = draw(&app, &staff, draw_request("S-RECUSE", 5, 1)).await;
    assert_eq!(s, 201, "{d}");
    let draw_id = d["id"].as_str().unwrap().to_string();
    let members = ids_of(&d["members"]);
    let backups = ids_of(&d["backups"]);
    let me = expert_login(&app, &admin, &staff, "recuser", &members[0]).await;
    let standby = expert_login(&app, &admin, &staff, "standby", &backups[0]).await;

    // Without a reason: refused naming the field, and nothing changes.
    let (s, v) = on_draw(&app, &me, &draw_id, "recusal", json!({"reason": "  "})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "reason");
    assert_eq!(v["errors"][0]["rule"], "required");
    let (_, d) = app
        .get(Some(&staff), &format!("/api/v1/experts/draws/{draw_id}"))
        .await;
    assert_eq!(status_of(&d, &members[0]), "pending");
    assert!(events_of(&app, "experts.member.recused").await.is_empty());
    // A standby backup has no assignment to recuse from; staff use their own route.
    let (s, _) = on_draw(&app, &standby, &draw_id, "recusal", json!({"reason": "x"})).await;
    assert_eq!(s, 404);
    let (s, _) = on_draw(&app, &staff, &draw_id, "recusal", json!({"reason": "x"})).await;
    assert_eq!(s, 403);

    // With the reason: recused, the reason kept on his assignment, the backup called.
    let (s, v) = on_draw(
        &app,
        &me,
        &draw_id,
        "recusal",
        json!({"reason": "本人近三年曾在投标人处任职"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "recused");
    assert_eq!(v["reason"], "本人近三年曾在投标人处任职");
    let (_, d) = app
        .get(Some(&staff), &format!("/api/v1/experts/draws/{draw_id}"))
        .await;
    assert_eq!(status_of(&d, &members[0]), "recused");
    assert_eq!(status_of(&d, &backups[0]), "pending");
    let recused = events_of(&app, "experts.member.recused").await;
    assert_eq!(recused.len(), 1);
    assert_eq!(recused[0]["expert_id"], members[0].as_str());
    assert_eq!(recused[0]["reason"], "本人近三年曾在投标人处任职");
    let replaced = events_of(&app, "experts.member.replaced").await;
    assert_eq!(replaced.len(), 1);
    assert_eq!(replaced[0]["replacement"]["expert_id"], backups[0].as_str());
    // Once off the committee there is nothing left to recuse from or confirm.
    let (s, v) = on_draw(&app, &me, &draw_id, "recusal", json!({"reason": "again"})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "member.not_serving");
    let (s, v) = on_draw(&app, &me, &draw_id, "confirm", json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "member.not_pending");
    app.stop().await;
}

async fn demo_org(app: &TestApp, admin: &str, kind: &str) -> (String, String) {
    let (s, v) = app.get(Some(admin), "/api/v1/organizations").await;
    assert_eq!(s, 200, "{v}");
    let list = v
        .as_array()
        .cloned()
        .or_else(|| v["items"].as_array().cloned())
        .unwrap();
    let o = list.iter().find(|o| o["kind"] == kind).expect("demo org");
    (
        o["id"].as_str().unwrap().to_string(),
        o["uscc"].as_str().unwrap().to_string(),
    )
}

/// Venues schedules evaluation session `session` of section SEC-V1 in room R-3 on `day` (09:00–17:00
/// Shanghai) with a draw of `count` A08.02 experts (the committee) and `backups`.
async fn session_scheduled(app: &TestApp, session: &str, day: &str, count: u32, backups: u32) {
    emit_foreign(
        app,
        "venues.session.scheduled",
        session,
        json!({"session_id": session, "section_id": "SEC-V1", "kind": "evaluation", "room_id": "R-3",
               "room_name": "第3评标室", "start": format!("{day}T01:00:00Z"), "end": format!("{day}T09:00:00Z"),
               "draw": {"specialties": [{"code": "A08.02", "count": count}], "backups": backups,
                        "committee_size": count}}),
    )
    .await;
}

#[tokio::test]
async fn venue_sessions_run_move_and_cancel_draws_and_report_shortfalls() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let admin = app.login("admin").await;
    let (_, tenderer) = demo_org(&app, &admin, "tenderer").await;
    let (agency_id, agency) = demo_org(&app, &admin, "agency").await;
    let bidder = uscc(777);
    let at_bidder = add(&app, &staff, expert(600, 777)).await;
    let mut e = expert(601, 1);
    e["employer_uscc"] = json!(agency);
    let at_agency = add(&app, &staff, e).await;
    add_many(&app, &staff, 6, 610, 700).await;
    emit_foreign(&app, "projects.section.registered", "SEC-V1", {
        let mut s = ggzy_api_tests::fixtures::section_registered(
            "SEC-V1",
            "construction",
            "0.00",
            "2026-03-20T01:30:00Z",
        );
        s.project_id = "P-1".into();
        s.tenderer_uscc = tenderer.to_string();
        s.owner_org_id = agency_id.to_string();
        ggzy_events::Contract::encode(&s).payload
    })
    .await;
    emit_foreign(
        &app,
        "projects.registration.created",
        "SEC-V1",
        json!({"registration_id": "R1", "section_id": "SEC-V1", "project_id": "P-1", "org_id": "x", "uscc": bidder}),
    )
    .await;
    session_scheduled(&app, "SES-1", "2026-03-20", 5, 1).await;
    catch_up(&app).await;
    // The session opens a draw request; nothing is drawn until a supervisor commits and reveals
    // a secret of their own (no seed the server alone chose, issue 24).
    assert!(events_of(&app, "experts.draw.completed").await.is_empty());
    let r = app
        .draw_request_of_session(&staff, "SES-1")
        .await
        .expect("the session's draw request");
    assert_eq!(r["status"], "open", "{r}");
    assert_eq!(r["waiting_for"], "supervisor_commitment", "{r}");
    assert_eq!(r["created_by"], "system", "{r}");
    assert_eq!(r["place"], "第3评标室", "{r}");
    let sup = app.login("supervisor").await;
    let (s, v) = app
        .complete_draw_request(&sup, r["id"].as_str().unwrap())
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["scheme"], "contributed-v1", "{v}");
    let completed = events_of(&app, "experts.draw.completed").await;
    assert_eq!(completed.len(), 1);
    let c = &completed[0];
    assert_eq!(c["session_id"], "SES-1");
    assert_eq!(c["section_id"], "SEC-V1");
    let drawn = c["experts"].as_array().unwrap();
    assert_eq!(drawn.len(), 5);
    assert!(drawn
        .iter()
        .all(|e| e["name"].as_str().unwrap().starts_with("专家")));
    assert!(drawn.iter().all(|e| e.get("user_id").is_some()));
    let draw_id = c["draw_id"].as_str().unwrap().to_string();
    let (s, d) = app
        .get(Some(&staff), &format!("/api/v1/experts/draws/{draw_id}"))
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["session_id"], "SES-1");
    assert_eq!(d["place"], "第3评标室");
    assert_eq!(d["request"]["tenderer_uscc"], tenderer.as_str());
    // The registered bidder's employee is avoided, learned from the projects event.
    let excluded: Vec<&Value> = d["excluded"].as_array().unwrap().iter().collect();
    let e = excluded
        .iter()
        .find(|e| e["expert_id"] == at_bidder.as_str())
        .expect("excluded");
    assert_eq!(e["reasons"][0]["party"], "bidder");
    // The agency (the project's owner organization, an agency) is learned from identity events.
    let e = excluded
        .iter()
        .find(|e| e["expert_id"] == at_agency.as_str())
        .expect("excluded");
    assert_eq!(e["reasons"][0]["party"], "agency");
    // A redelivered schedule does not request or draw twice.
    session_scheduled(&app, "SES-1", "2026-03-20", 5, 1).await;
    catch_up(&app).await;
    assert_eq!(events_of(&app, "experts.draw.completed").await.len(), 1);
    assert_eq!(events_of(&app, "experts.draw.committed").await.len(), 1);

    // Moved: the drawn experts are told the new time and place.
    emit_foreign(
        &app,
        "venues.session.moved",
        "SES-1",
        json!({"session_id": "SES-1", "section_id": "SEC-V1", "draw_id": draw_id,
               "start": "2026-03-21T01:00:00Z", "end": "2026-03-21T09:00:00Z",
               "room_id": "R-5", "room_name": "第5评标室"}),
    )
    .await;
    catch_up(&app).await;
    let (_, d) = app
        .get(Some(&staff), &format!("/api/v1/experts/draws/{draw_id}"))
        .await;
    assert_eq!(d["place"], "第5评标室");
    let moved: Vec<&Value> = d["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["subject"] == "评标时间地点变更通知")
        .collect();
    assert_eq!(moved.len(), 5);
    assert!(moved[0]["body"]
        .as_str()
        .unwrap()
        .contains("2026-03-21 09:00:00"));
    assert!(moved[0]["body"].as_str().unwrap().contains("第5评标室"));
    assert!(!moved[0]["body"].as_str().unwrap().contains("SEC-V1"));

    // Cancelled: the draw is cancelled, the experts are told and free again.
    emit_foreign(
        &app,
        "venues.session.cancelled",
        "SES-1",
        json!({"session_id": "SES-1", "section_id": "SEC-V1", "draw_id": draw_id}),
    )
    .await;
    catch_up(&app).await;
    let (_, d) = app
        .get(Some(&staff), &format!("/api/v1/experts/draws/{draw_id}"))
        .await;
    assert_eq!(d["status"], "cancelled");
    assert_eq!(d["serving"].as_array().unwrap().len(), 0);
    assert_eq!(
        d["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["subject"] == "评标活动取消通知")
            .count(),
        5
    );
    let cancelled = events_of(&app, "experts.draw.cancelled").await;
    assert_eq!(cancelled[0]["session_id"], "SES-1");

    // A session moved before its draw: the open request takes the new time and place.
    session_scheduled(&app, "SES-2", "2026-03-22", 7, 2).await;
    catch_up(&app).await;
    let r2 = app
        .draw_request_of_session(&staff, "SES-2")
        .await
        .expect("the second session's draw request");
    let r2_id = r2["id"].as_str().unwrap().to_string();
    emit_foreign(
        &app,
        "venues.session.moved",
        "SES-2",
        json!({"session_id": "SES-2", "section_id": "SEC-V1",
               "start": "2026-03-23T01:00:00Z", "end": "2026-03-23T09:00:00Z",
               "room_id": "R-6", "room_name": "第6评标室"}),
    )
    .await;
    catch_up(&app).await;
    let r2 = app
        .get_expect(
            &staff,
            &format!("/api/v1/experts/draw-requests/{r2_id}"),
            200,
        )
        .await;
    assert_eq!(r2["place"], "第6评标室", "{r2}");
    assert_eq!(
        r2["request"]["session_start"]
            .as_str()
            .map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap()),
        Some(chrono::DateTime::parse_from_rfc3339("2026-03-23T01:00:00Z").unwrap()),
        "{r2}"
    );
    // Too few eligible experts: the supervisor's reveal is refused naming the specialty, and
    // nothing is drawn.
    let (s, v) = app.complete_draw_request(&sup, &r2_id).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "specialties.A08.02");
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("short by"));
    assert_eq!(events_of(&app, "experts.draw.completed").await.len(), 1);
    // The session cancelled before its draw: the request is abandoned with that reason.
    emit_foreign(
        &app,
        "venues.session.cancelled",
        "SES-2",
        json!({"session_id": "SES-2", "section_id": "SEC-V1"}),
    )
    .await;
    catch_up(&app).await;
    let r2 = app
        .get_expect(
            &staff,
            &format!("/api/v1/experts/draw-requests/{r2_id}"),
            200,
        )
        .await;
    assert_eq!(r2["status"], "abandoned", "{r2}");
    assert_eq!(r2["closed_reason"], "session_cancelled", "{r2}");
    let abandoned = events_of(&app, "experts.draw.abandoned").await;
    assert_eq!(abandoned.len(), 1);
    assert_eq!(abandoned[0]["session_id"], "SES-2");
    app.stop().await;
}

#[tokio::test]
async fn the_committee_is_confidential_per_role_until_the_result_is_determined() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    add_many(&app, &staff, 5, 800, 900).await;
    let (s, d) = draw(&app, &staff, draw_request("SEC-PUB", 5, 0)).await;
    assert_eq!(s, 201, "{d}");
    let path = format!("/api/v1/experts/draws/{}", d["id"].as_str().unwrap());
    for who in ["staff", "supervisor"] {
        let t = app.login(who).await;
        let (s, v) = app.get(Some(&t), &path).await;
        assert_eq!(s, 200, "{who}: {v}");
        assert_eq!(v["members"].as_array().unwrap().len(), 5);
    }
    for who in ["tenderer", "agency", "bidder1", "expert1", "bank"] {
        let t = app.login(who).await;
        let (s, _) = app.get(Some(&t), &path).await;
        assert_eq!(s, 403, "{who} must not see the committee before the result");
    }
    emit_foreign(
        &app,
        "projects.candidates.publicized",
        "SEC-PUB",
        ggzy_events::Contract::encode(&ggzy_events::projects::CandidatesPublicized {
            section_id: "SEC-PUB".into(),
            project_id: Some("P".into()),
            market: Some("construction".into()),
            procedure: Some("open_tender".into()),
            report_ref: Some("R".into()),
            source: Some("evaluation".into()),
            candidates: vec![],
            publicity_days: Some(3),
            publicity_starts_at: "2026-03-25T00:00:00Z".parse().unwrap(),
            publicity_ends_at: "2026-03-28T00:00:00Z".parse().unwrap(),
            publicity_ends_at_provisional: false,
            basis: Some("实施条例 第五十四条".into()),
        })
        .payload,
    )
    .await;
    catch_up(&app).await;
    // The candidate publicity does not determine the result: still secret (招标投标法 37; issue 20).
    for who in ["tenderer", "agency", "bidder1"] {
        let t = app.login(who).await;
        let (s, v) = app.get(Some(&t), &path).await;
        assert_eq!(s, 403, "{who} during the publicity: {v}");
    }
    emit_foreign(
        &app,
        "projects.award.confirmed",
        "SEC-PUB",
        json!({"section_id": "SEC-PUB", "project_id": "P", "market": "construction",
               "awarded_at": "2026-03-29T02:00:00Z", "winner_org_id": "o1", "price": "1.00"}),
    )
    .await;
    catch_up(&app).await;
    for who in ["tenderer", "agency", "bidder1"] {
        let t = app.login(who).await;
        let (s, v) = app.get(Some(&t), &path).await;
        assert_eq!(s, 200, "{who} after the award: {v}");
        assert_eq!(v["members"].as_array().unwrap().len(), 5);
        assert_eq!(v["notifications"].as_array().unwrap().len(), 0);
    }
    for who in ["expert1", "bank"] {
        let t = app.login(who).await;
        let (s, _) = app.get(Some(&t), &path).await;
        assert_eq!(s, 403, "{who}");
    }
    app.stop().await;
}

#[tokio::test]
async fn low_ratings_and_venue_violations_suspend_experts_at_the_configured_threshold() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let admin = app.login("admin").await;
    let (_, tenderer_uscc) = demo_org(&app, &admin, "tenderer").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(add(&app, &staff, expert(820 + n, 920 + n)).await);
    }
    let mut tokens = Vec::new();
    for (i, e) in ids.iter().enumerate() {
        tokens.push(expert_login(&app, &admin, &staff, &format!("rated{i}"), e).await);
    }
    let request = |tenderer: &str, day: u32| {
        let mut r = draw_request(&format!("SEC-RATE-{day}"), 5, 0);
        r["tenderer_uscc"] = json!(tenderer);
        r["session_start"] = json!(format!("2026-03-{day}T09:00:00+08:00"));
        r["session_end"] = json!(format!("2026-03-{day}T17:00:00+08:00"));
        r
    };
    let (s, d1) = draw(&app, &staff, request(&tenderer_uscc, 10)).await;
    assert_eq!(s, 201, "{d1}");
    let d1 = d1["id"].as_str().unwrap().to_string();
    let (s, d2) = draw(&app, &staff, request(&uscc(TENDERER), 11)).await;
    assert_eq!(s, 201, "{d2}");
    let d2 = d2["id"].as_str().unwrap().to_string();
    for t in &tokens {
        for d in [&d1, &d2] {
            let (s, v) = on_draw(&app, t, d, "confirm", json!({})).await;
            assert_eq!(s, 200, "{v}");
        }
    }
    let target = &ids[0];
    let tenderer = app.login("tenderer").await;
    let rate = |d: &str, score: i64| {
        (
            format!("/api/v1/experts/draws/{d}/ratings"),
            json!({"expert_id": target, "score": score, "comment": "迟到"}),
        )
    };
    // Before the session ended: too early.
    let (p, b) = rate(&d1, 2);
    let (s, v) = app.post(Some(&tenderer), &p, b).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "rating.too_early");
    app.clock().set(
        chrono::DateTime::parse_from_rfc3339("2026-03-12T10:00:00+08:00")
            .unwrap()
            .with_timezone(&chrono::Utc),
    );
    // Tokens live 12 hours: log in again after ten days.
    let (admin, tenderer, supervisor, staff) = (
        app.login("admin").await,
        app.login("tenderer").await,
        app.login("supervisor").await,
        app.login("staff").await,
    );
    let (p, b) = rate(&d1, 6);
    let (s, v) = app.post(Some(&tenderer), &p, b).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "rating.score");
    // The tenderer of another section's draw does not rate it.
    let (p, b) = rate(&d2, 1);
    let (s, _) = app.post(Some(&tenderer), &p, b).await;
    assert_eq!(s, 404);
    let bidder = app.login("bidder1").await;
    let (p, b) = rate(&d1, 1);
    let (s, _) = app.post(Some(&bidder), &p, b).await;
    assert_eq!(s, 403);
    // A 3 is not low; two low ratings are below the threshold of three.
    let (p, b) = rate(&d2, 3);
    let (s, v) = app.post(Some(&supervisor), &p, b).await;
    assert_eq!(s, 201, "{v}");
    let (p, b) = rate(&d1, 2);
    let (s, v) = app.post(Some(&tenderer), &p, b.clone()).await;
    assert_eq!(s, 201, "{v}");
    assert!(v["suspended"].is_null());
    let (s, v) = app.post(Some(&tenderer), &p, b).await;
    assert_eq!(s, 409, "{v}");
    let (p, b) = rate(&d1, 1);
    let (s, v) = app.post(Some(&supervisor), &p, b).await;
    assert_eq!(s, 201, "{v}");
    assert!(v["suspended"].is_null(), "two low ratings: {v}");
    let (s, list) = app.get(Some(&staff), "/api/v1/experts").await;
    assert_eq!(s, 200);
    let status = |list: &Value, id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .map(|e| e["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(status(&list, target), "active");
    // A third low rating (another supervisor account) suspends.
    let (sup_org, _) = demo_org(&app, &admin, "supervisor").await;
    app.user_in_org(&sup_org, "supervisor2", "supervisor").await;
    let sup2 = app.login("supervisor2").await;
    let (p, b) = rate(&d1, 2);
    let (s, v) = app.post(Some(&sup2), &p, b).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["suspended"]["rule"], "low_ratings");
    let (_, list) = app.get(Some(&staff), "/api/v1/experts").await;
    assert_eq!(status(&list, target), "suspended");
    let suspended = events_of(&app, "experts.expert.suspended").await;
    assert_eq!(suspended.len(), 1);
    assert_eq!(suspended[0]["expert_id"], target.as_str());

    // Violations from the venue: a bidder's is ignored, one by an expert suspends that expert.
    let rated1 = app.login("rated1").await;
    let (_, me) = app.get(Some(&rated1), "/api/v1/auth/me").await;
    let user_id = me["id"]
        .as_str()
        .or(me["user_id"].as_str())
        .unwrap()
        .to_string();
    emit_foreign(
        &app,
        "venues.violation.recorded",
        "SES-9",
        ggzy_events::Contract::encode(&ggzy_events::venues::ViolationRecorded {
            violation_id: "V-bidder".into(),
            session_id: Some("SES-9".into()),
            room_id: "R".into(),
            kind: "phone_use".into(),
            person_role: Some("bidder".into()),
            resident_id: Some("2102**********0011".into()),
            expert_id: None,
            user_id: Some(user_id.to_string()),
            detail: Some("phone".into()),
            at: "2026-03-12T02:00:00Z".parse().unwrap(),
        })
        .payload,
    )
    .await;
    catch_up(&app).await;
    let (_, list) = app.get(Some(&staff), "/api/v1/experts").await;
    assert_eq!(status(&list, &ids[1]), "active");
    emit_foreign(
        &app,
        "venues.violation.recorded",
        "SES-9",
        ggzy_events::Contract::encode(&ggzy_events::venues::ViolationRecorded {
            violation_id: "V-expert".into(),
            session_id: Some("SES-9".into()),
            room_id: "R".into(),
            kind: "phone_use".into(),
            person_role: Some("expert".into()),
            resident_id: Some("2102**********0011".into()),
            expert_id: None,
            user_id: Some(user_id.to_string()),
            detail: Some("phone".into()),
            at: "2026-03-12T02:00:00Z".parse().unwrap(),
        })
        .payload,
    )
    .await;
    catch_up(&app).await;
    let (_, list) = app.get(Some(&staff), "/api/v1/experts").await;
    assert_eq!(status(&list, &ids[1]), "suspended");
    let suspended = events_of(&app, "experts.expert.suspended").await;
    assert_eq!(suspended.len(), 2);
    assert_eq!(suspended[1]["reason"]["rule"], "violations");
    app.stop().await;
}

/// Issue 24 item 9: a second draw while one is active would let the operator re-draw until a
/// committee suits it. One active draw per section, also under concurrent requests.
#[tokio::test]
async fn a_section_has_one_active_draw_even_under_concurrent_requests() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    add_many(&app, &staff, 40, 10, 100).await;
    let (s, first) = draw(&app, &staff, draw_request("S-ONE", 5, 0)).await;
    assert_eq!(s, 201, "{first}");
    let (s, v) = draw(&app, &staff, draw_request("S-ONE", 5, 0)).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "section_id");
    assert_eq!(v["errors"][0]["rule"], "draw.active_draw_exists");
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains(first["id"].as_str().unwrap()));

    // Six draw requests for another section at the same instant: exactly one opens (one open
    // request per section, partial unique index), and it becomes the one draw.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let rb = app
            .client
            .post(app.url("/api/v1/experts/draw-requests"))
            .bearer_auth(&staff)
            .json(&draw_request("S-RACE", 5, 0));
        set.spawn(async move { into_parts(rb.send().await.expect("request")).await });
    }
    let mut opened = Vec::new();
    while let Some(r) = set.join_next().await {
        let (s, v) = r.unwrap();
        match s {
            201 => opened.push(v["id"].as_str().unwrap().to_string()),
            422 => assert_eq!(v["errors"][0]["rule"], "draw.request_open", "{v}"),
            _ => panic!("unexpected answer {s}: {v}"),
        }
    }
    assert_eq!(opened.len(), 1);
    let sup = app.login("supervisor").await;
    let (s, v) = app.complete_draw_request(&sup, &opened[0]).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        app.scalar_i64(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM expert_draws WHERE section_id = 'S-RACE' AND status = 'active'"
        )
        .await,
        1
    );
    // The refusal changed nothing.
    assert_eq!(
        app.scalar_i64(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM expert_draws WHERE section_id = 'S-ONE'"
        )
        .await,
        1
    );
    app.stop().await;
}
