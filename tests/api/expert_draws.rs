//! Expert draws the operator cannot steer (issue 24): the centre commits its secret, a supervisor
//! commits and later reveals a secret of their own, the signed audit checkpoint fixed after both
//! commitments enters the seed, and `verify` recomputes everything from the published values.

use ggzy_api_tests::TestApp;
use ggzy_core::ident::{ResidentId, Uscc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::Row;

fn uscc(n: u32) -> String {
    Uscc::with_check(&format!("91210200{n:09}"))
        .expect("uscc")
        .as_str()
        .to_string()
}

fn expert(n: u32, employer: u32) -> Value {
    json!({
        "name": format!("专家{n}"),
        "resident_id": ResidentId::with_check(&format!("21020219750101{n:03}")).expect("rid").as_str(),
        "employer_uscc": uscc(employer),
        "employer_name": format!("单位{employer}"),
        "specialties": ["A08.02"],
        "title": "senior",
        "years": 12,
        "region": "210200",
        "phone": "13800000000",
    })
}

pub(crate) async fn pool(app: &TestApp, staff: &str, count: u32) {
    for n in 0..count {
        let (s, v) = app
            .post(Some(staff), "/api/v1/experts", expert(10 + n, 100 + n))
            .await;
        assert_eq!(s, 201, "{v}");
    }
}

pub(crate) fn request(section: &str) -> Value {
    json!({
        "section_id": section,
        "tenderer_uscc": uscc(1),
        "agency_uscc": uscc(2),
        "bidder_usccs": [uscc(3)],
        "session_start": "2026-03-20T09:00:00+08:00",
        "session_end": "2026-03-20T17:00:00+08:00",
        "specialties": [{"specialty": "A08.02", "count": 5, "backups": 1}],
    })
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) const SUPERVISOR_SECRET: [u8; 32] = [0x5a; 32];

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    app.post(Some(token), path, body).await
}

/// Request, supervisor commitment; returns the request id.
async fn requested_and_committed(app: &TestApp, staff: &str, sup: &str, section: &str) -> String {
    let (s, r) = post(
        app,
        staff,
        "/api/v1/experts/draw-requests",
        request(section),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["status"], "open");
    assert_eq!(r["waiting_for"], "supervisor_commitment");
    let id = r["id"].as_str().unwrap().to_string();
    let (s, c) = post(
        app,
        sup,
        &format!("/api/v1/experts/draw-requests/{id}/supervisor-commitment"),
        json!({ "commitment": sha256_hex(&SUPERVISOR_SECRET) }),
    )
    .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["waiting_for"], "supervisor_reveal", "{c}");
    assert!(c["checkpoint_size"].as_u64().unwrap() > 0);
    id
}

async fn reveal_supervisor(app: &TestApp, sup: &str, id: &str, secret: &[u8]) -> (u16, Value) {
    post(
        app,
        sup,
        &format!("/api/v1/experts/draw-requests/{id}/supervisor-reveal"),
        json!({ "secret": hex::encode(secret) }),
    )
    .await
}

/// The whole flow: every input is published and `verify` recomputes the seed and the committee from
/// them; the seed follows the documented byte layout.
#[tokio::test]
async fn a_two_step_draw_runs_on_every_contribution_and_verifies_from_public_inputs() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let sup = app.login("supervisor").await;
    pool(&app, &staff, 8).await;
    let id = requested_and_committed(&app, &staff, &sup, "S-C1").await;

    // Nothing is drawn before the supervisor's reveal; a second request of the section is refused.
    let (s, _) = app
        .get(Some(&staff), &format!("/api/v1/experts/draws/{id}"))
        .await;
    assert_eq!(s, 404);
    let (s, v) = post(
        &app,
        &staff,
        "/api/v1/experts/draw-requests",
        request("S-C1"),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "draw.request_open");
    // Nor is there a one-step (centre-only) draw to overtake the open request.
    let (s, v) = post(&app, &staff, "/api/v1/experts/draws", request("S-C1")).await;
    assert_eq!(s, 410, "{v}");
    assert_eq!(v["rule"], "draw.two_step_required");
    // The supervisor's commitment is made once.
    let (s, v) = post(
        &app,
        &sup,
        &format!("/api/v1/experts/draw-requests/{id}/supervisor-commitment"),
        json!({ "commitment": sha256_hex(&[1u8; 32]) }),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "draw.supervisor_already_committed");

    let (s, d) = reveal_supervisor(&app, &sup, &id, &SUPERVISOR_SECRET).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["id"], id);
    assert_eq!(d["scheme"], "contributed-v1");
    assert_eq!(d["members"].as_array().unwrap().len(), 5);
    assert!(d["seed"].is_null(), "the seed stays secret until revealed");
    let (_, r) = app
        .get(Some(&sup), &format!("/api/v1/experts/draw-requests/{id}"))
        .await;
    assert_eq!(r["status"], "drawn");
    assert_eq!(r["centre_commitment"], d["commitment"]);

    // After the reveal anyone logged in recomputes the draw from the published inputs.
    let (s, _) = post(
        &app,
        &staff,
        &format!("/api/v1/experts/draws/{id}/reveal"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    let bidder = app.login("bidder1").await;
    let (s, v) = app
        .get(Some(&bidder), &format!("/api/v1/experts/draws/{id}/verify"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["valid"], true, "{v}");
    let c = &v["contribution"];
    assert_eq!(c["checkpoint_signature_valid"], true, "{c}");
    assert_eq!(c["commitments_in_checkpoint"], true, "{c}");
    assert_eq!(c["problems"], json!([]));
    assert_eq!(c["supervisor_secret"], hex::encode(SUPERVISOR_SECRET));
    // The checkpoint is a real one of this log, published after both commitments.
    assert!(
        c["supervisor_commitment_seq"].as_i64().unwrap() <= c["checkpoint_size"].as_i64().unwrap()
    );
    assert!(c["centre_commitment_seq"].as_i64() < c["supervisor_commitment_seq"].as_i64());
    assert!(c["checkpoint_note"]
        .as_str()
        .unwrap()
        .contains(&c["checkpoint_size"].to_string()));
    // Recompute the seed independently from the documented layout.
    let mut bytes = b"ggzy-expert-draw-v1\0".to_vec();
    bytes.extend(hex::decode(c["centre_secret"].as_str().unwrap()).unwrap());
    bytes.extend(SUPERVISOR_SECRET);
    bytes.extend(c["checkpoint_size"].as_u64().unwrap().to_be_bytes());
    bytes.extend(hex::decode(c["checkpoint_root"].as_str().unwrap()).unwrap());
    for s in ["S-C1", id.as_str()] {
        bytes.extend((s.len() as u32).to_be_bytes());
        bytes.extend(s.as_bytes());
    }
    assert_eq!(v["seed"], sha256_hex(&bytes));
    assert_eq!(
        sha256_hex(&hex::decode(c["centre_secret"].as_str().unwrap()).unwrap()),
        d["commitment"].as_str().unwrap()
    );

    app.seal().await;
    let types: Vec<String> =
        sqlx::query("SELECT event_type FROM events WHERE aggregate_id = $1 ORDER BY seq")
            .bind(&id)
            .fetch_all(app.ctx.db.pool())
            .await
            .unwrap()
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
            "experts.draw.revealed",
        ]
    );
    app.stop().await;
}

/// A reveal that does not match the supervisor's commitment is refused and changes nothing.
#[tokio::test]
async fn a_wrong_supervisor_reveal_is_refused_with_the_rule() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let sup = app.login("supervisor").await;
    pool(&app, &staff, 8).await;
    let id = requested_and_committed(&app, &staff, &sup, "S-C2").await;
    app.seal().await;
    let before = app.sealed_head().await;

    let (s, v) = reveal_supervisor(&app, &sup, &id, &[0x5b; 32]).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "secret");
    assert_eq!(v["errors"][0]["rule"], "draw.supervisor_reveal_mismatch");
    let (s, v) = post(
        &app,
        &sup,
        &format!("/api/v1/experts/draw-requests/{id}/supervisor-reveal"),
        json!({ "secret": "not hex" }),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "draw.secret_format");
    // Staff cannot reveal in the supervisor's place.
    let (s, _) = reveal_supervisor(&app, &staff, &id, &SUPERVISOR_SECRET).await;
    assert_eq!(s, 403);
    assert_eq!(
        app.sealed_head().await,
        before,
        "a refused reveal writes nothing"
    );
    let (_, r) = app
        .get(Some(&staff), &format!("/api/v1/experts/draw-requests/{id}"))
        .await;
    assert_eq!(r["status"], "open");
    assert_eq!(r["waiting_for"], "supervisor_reveal");

    // A supervisor who never reveals: staff abandon the request with the reason (recorded, the
    // centre's secret published) and request again with new commitments.
    let (s, v) = post(
        &app,
        &staff,
        &format!("/api/v1/experts/draw-requests/{id}/abandon"),
        json!({ "reason": " " }),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let (s, r) = post(
        &app,
        &staff,
        &format!("/api/v1/experts/draw-requests/{id}/abandon"),
        json!({ "reason": "the supervisor did not reveal within the session's preparation time" }),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["status"], "abandoned");
    let (s, v) = reveal_supervisor(&app, &sup, &id, &SUPERVISOR_SECRET).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "draw.request_closed");
    let again = requested_and_committed(&app, &staff, &sup, "S-C2").await;
    assert_ne!(again, id);
    app.seal().await;
    let abandoned: Value = serde_json::from_str(
        &sqlx::query("SELECT payload FROM events WHERE event_type = 'experts.draw.abandoned' AND aggregate_id = $1")
            .bind(&id)
            .fetch_one(app.ctx.db.pool())
            .await
            .unwrap()
            .get::<String, _>("payload"),
    )
    .unwrap();
    assert_eq!(
        sha256_hex(&hex::decode(abandoned["centre_secret"].as_str().unwrap()).unwrap()),
        abandoned["centre_commitment"].as_str().unwrap()
    );
    app.stop().await;
}

/// The operator cannot pick the result after the fact: substituting another centre secret (with or
/// without rewriting the stored commitments) is caught by `verify`.
#[tokio::test]
async fn a_substituted_centre_secret_fails_verification() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let sup = app.login("supervisor").await;
    pool(&app, &staff, 8).await;
    let id = requested_and_committed(&app, &staff, &sup, "S-C3").await;
    let (s, d) = reveal_supervisor(&app, &sup, &id, &SUPERVISOR_SECRET).await;
    assert_eq!(s, 201, "{d}");
    let (s, _) = post(
        &app,
        &staff,
        &format!("/api/v1/experts/draws/{id}/reveal"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    let verify = || async {
        let (s, v) = app
            .get(Some(&staff), &format!("/api/v1/experts/draws/{id}/verify"))
            .await;
        assert_eq!(s, 200, "{v}");
        v
    };
    assert_eq!(verify().await["valid"], true);
    let db = app.ctx.db.pool();

    // 1. Another secret, the published commitment kept.
    let forged = hex::encode([0x11u8; 32]);
    sqlx::query("UPDATE expert_draw_requests SET centre_secret = $1 WHERE id = $2")
        .bind(&forged)
        .bind(&id)
        .execute(db)
        .await
        .unwrap();
    let v = verify().await;
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["contribution"]["centre_commitment_matches"], false);
    assert_eq!(v["contribution"]["seed_matches"], false);

    // 2. The commitments rewritten to match the new secret, and the seed and committee re-derived:
    //    the commitment in the sealed, checkpointed log still names the original secret.
    let new_commitment = sha256_hex(&[0x11u8; 32]);
    sqlx::query("UPDATE expert_draw_requests SET centre_commitment = $1 WHERE id = $2")
        .bind(&new_commitment)
        .bind(&id)
        .execute(db)
        .await
        .unwrap();
    sqlx::query("UPDATE expert_draws SET commitment = $1 WHERE id = $2")
        .bind(&new_commitment)
        .bind(&id)
        .execute(db)
        .await
        .unwrap();
    let v = verify().await;
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["contribution"]["centre_commitment_matches"], true);
    assert_eq!(v["contribution"]["commitments_in_checkpoint"], false, "{v}");

    // 3. Rewriting the logged event too breaks its inclusion in the signed checkpoint.
    let ev_id: String = sqlx::query(
        "SELECT id FROM events WHERE event_type = 'experts.draw.committed' AND aggregate_id = $1",
    )
    .bind(&id)
    .fetch_one(db)
    .await
    .unwrap()
    .get("id");
    let payload: String = sqlx::query("SELECT payload FROM events WHERE id = $1")
        .bind(&ev_id)
        .fetch_one(db)
        .await
        .unwrap()
        .get("payload");
    let mut p: Value = serde_json::from_str(&payload).unwrap();
    p["centre_commitment"] = json!(new_commitment);
    sqlx::query("UPDATE events SET payload = $1 WHERE id = $2")
        .bind(p.to_string())
        .bind(&ev_id)
        .execute(db)
        .await
        .unwrap();
    let v = verify().await;
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["contribution"]["commitments_in_checkpoint"], false);
    assert!(
        v["contribution"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().contains("inclusion proof fails")),
        "{v}"
    );
    app.stop().await;
}

/// The supervisor contributes through the pages (commit, a wrong reveal shown with its rule, the
/// reveal that runs the draw); staff see the steps; the public verification page shows every input.
#[tokio::test]
async fn the_supervisor_contributes_on_the_pages_and_the_verification_page_shows_every_input() {
    use ggzy_api_tests::pages::Visitor;
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    pool(&app, &staff, 8).await;
    let (s, r) = post(
        &app,
        &staff,
        "/api/v1/experts/draw-requests",
        request("S-P1"),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_str().unwrap().to_string();

    let mut sup = Visitor::new(&app);
    sup.sign_in("supervisor").await;
    let list = sup.get("/supervisor/draws").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains(&format!("/supervisor/draws/{id}")));
    let page = sup.get(&format!("/supervisor/draws/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r["centre_commitment"].as_str().unwrap()));
    let csrf = ggzy_api_tests::pages::hidden_value(&page.body, "csrf").unwrap();
    let bad = sup
        .post_form(
            &format!("/supervisor/draws/{id}/commitment"),
            &[("csrf", &csrf), ("commitment", "abc")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("draw.commitment_format"), "{}", bad.body);
    let commitment = sha256_hex(&SUPERVISOR_SECRET);
    let ok = sup
        .post_form(
            &format!("/supervisor/draws/{id}/commitment"),
            &[("csrf", &csrf), ("commitment", &commitment)],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = sup.get(&format!("/supervisor/draws/{id}")).await;
    assert!(page.body.contains(&commitment));
    assert!(page.body.contains("id=\"checkpoint-size\""));
    let wrong = sup
        .post_form(
            &format!("/supervisor/draws/{id}/reveal"),
            &[("csrf", &csrf), ("secret", &hex::encode([1u8; 32]))],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.body.contains("draw.supervisor_reveal_mismatch"),
        "{}",
        wrong.body
    );
    let done = sup
        .post_form(
            &format!("/supervisor/draws/{id}/reveal"),
            &[("csrf", &csrf), ("secret", &hex::encode(SUPERVISOR_SECRET))],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);

    let mut st = Visitor::new(&app);
    st.sign_in("staff").await;
    let steps = st.get(&format!("/staff/draw-requests/{id}")).await;
    assert_eq!(steps.status, 200);
    assert!(steps.body.contains("id=\"draw-link\""), "{}", steps.body);
    let draw = st.get(&format!("/staff/draws/{id}")).await;
    assert!(draw.body.contains("id=\"request-link\""));
    let csrf = ggzy_api_tests::pages::hidden_value(&draw.body, "csrf").unwrap();
    let revealed = st
        .post_form(&format!("/staff/draws/{id}/reveal"), &[("csrf", &csrf)])
        .await;
    assert_eq!(revealed.status, 303);

    let mut anyone = Visitor::new(&app);
    let v = anyone.get(&format!("/draws/{id}/verify")).await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert!(v.body.contains("data-valid=\"true\""), "{}", v.body);
    assert!(v.body.contains(&hex::encode(SUPERVISOR_SECRET)));
    assert!(v.body.contains("id=\"centre-secret\""));
    assert!(v.body.contains("id=\"checkpoint-note\""));
    app.stop().await;
}

/// Issue 24: the one-step staff draw took a seed the server alone chose. It is gone: staff get 410
/// `draw.two_step_required` naming the draw-request route, other roles 403, and nothing is written.
#[tokio::test]
async fn a_one_step_draw_with_a_seed_only_the_server_chose_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let admin = app.login("admin").await;
    let bidder = app.login("bidder1").await;
    pool(&app, &staff, 8).await;
    app.seal().await;
    let events = app.scalar_i64("SELECT COUNT(*) FROM events").await;
    for token in [&staff, &admin] {
        let (s, v) = post(&app, token, "/api/v1/experts/draws", request("S-ONE-STEP")).await;
        assert_eq!(s, 410, "{v}");
        assert_eq!(v["rule"], "draw.two_step_required", "{v}");
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains("/api/v1/experts/draw-requests"),
            "{v}"
        );
    }
    let (s, v) = post(
        &app,
        &bidder,
        "/api/v1/experts/draws",
        request("S-ONE-STEP"),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    app.seal().await;
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM events").await, events);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM expert_draws").await
            + app
                .scalar_i64("SELECT COUNT(*) FROM expert_draw_requests")
                .await,
        0
    );
    app.stop().await;
}

/// A centre-only draw stored before every draw became two-step (`scheme` null, commitment =
/// sha256(seed)) stays readable, and `verify` checks it and says plainly that it predates the
/// scheme (its seed was the server's alone).
#[tokio::test]
async fn a_stored_centre_only_draw_verifies_and_says_it_predates_the_two_step_scheme() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let sup = app.login("supervisor").await;
    pool(&app, &staff, 8).await;
    let (s, d) = app.two_step_draw(&staff, &sup, request("S-OLD")).await;
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    // What a draw stored before migration 0120 looks like: the same seed, snapshot and result,
    // committed as sha256(seed), no scheme.
    let seed = app
        .strings("SELECT seed FROM expert_draws WHERE id = $1", &[&id])
        .await
        .remove(0);
    let legacy_commitment = sha256_hex(&hex::decode(&seed).unwrap());
    sqlx::query("UPDATE expert_draws SET scheme = NULL, commitment = $1 WHERE id = $2")
        .bind(&legacy_commitment)
        .bind(&id)
        .execute(app.ctx.db.pool_for_write())
        .await
        .unwrap();
    let (s, v) = post(
        &app,
        &staff,
        &format!("/api/v1/experts/draws/{id}/reveal"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["scheme"].is_null(), "{v}");
    let v = app
        .get_expect(&staff, &format!("/api/v1/experts/draws/{id}/verify"), 200)
        .await;
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["commitment"], legacy_commitment.as_str());
    assert!(v.get("contribution").is_none(), "{v}");
    assert!(
        v["scheme_note"]
            .as_str()
            .unwrap()
            .contains("predates the two-step scheme"),
        "{v}"
    );
    // The public page says it too.
    let page = reqwest::get(app.url(&format!("/draws/{id}/verify")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"predates-scheme\""), "{page}");
    assert!(page.contains("data-valid=\"true\""), "{page}");
    app.stop().await;
}
