//! Integrity under faults: a keyed write whose instance died after the commit and before the
//! answer reached the client. The use case stores its answer in the transaction of its change
//! (`Db::commit_answering`), so the client's retry with the same `Idempotency-Key` replays the
//! answer instead of `409 idempotency.answer_lost`, and nothing is done twice.
//!
//! Each test runs the use case the way the middleware does (the key reserved with
//! `idempotency::begin`, the use case inside `idempotency::scope`) and then stops — the answer is
//! neither sent nor completed, as when the instance is killed — and retries over HTTP.

use ggzy_api_tests::fixtures::{road_project, BANK_KEY};
use ggzy_api_tests::{into_parts, TestApp};
use ggzy_identity::Actor;
use ggzy_store::idempotency;
use serde_json::{json, Value};
use sha2::Digest;

/// Reserve `key` for (`token`'s user, `method path body`) exactly as the middleware does.
async fn reserve(
    app: &TestApp,
    token: &str,
    key: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> (Actor, String) {
    let actor = ggzy_identity::service::authenticate(&app.ctx, token)
        .await
        .expect("token");
    let hash = {
        let mut h = sha2::Sha256::new();
        h.update(format!("{method}\n{path}\n").as_bytes());
        h.update(body);
        hex::encode(h.finalize())
    };
    let principal = format!("user:{}", actor.user_id);
    let b = idempotency::begin(
        &app.ctx.db,
        &principal,
        key,
        method,
        path,
        &hash,
        app.ctx.clock.now(),
    )
    .await
    .expect("begin");
    assert!(matches!(b, idempotency::Begin::Proceed));
    (actor, principal)
}

/// The retry's answer must be the replayed one.
async fn replayed(r: reqwest::Response) -> (u16, Value) {
    let flag = r
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap_or_default().to_string());
    let (s, v) = into_parts(r).await;
    assert_eq!(flag.as_deref(), Some("true"), "not a replay: {s} {v}");
    (s, v)
}

#[tokio::test]
async fn a_registration_whose_answer_was_lost_is_replayed_on_retry() {
    let app = TestApp::spawn().await;
    let reg = app
        .bidding_section(
            road_project("幂等报名工程", "2026-03-23T09:30:00+08:00"),
            &[],
        )
        .await;
    app.drain_consumer("projects.organizations").await;
    let b2 = app.login("bidder2").await;
    let path = format!("/api/v1/sections/{}/registrations", reg.section_id);
    let (actor, principal) = reserve(&app, &b2, "reg-1", "POST", &path, b"").await;
    let first = idempotency::scope(
        principal,
        "reg-1".into(),
        ggzy_projects::bidding::register(&app.ctx, &actor, &reg.section_id),
    )
    .await
    .expect("registered");
    // … the instance dies here.
    let r = app
        .client
        .post(app.url(&path))
        .bearer_auth(&b2)
        .header("Idempotency-Key", "reg-1")
        .send()
        .await
        .expect("retry");
    let (s, v) = replayed(r).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, serde_json::to_value(&first).unwrap());
    let n = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM section_registrations WHERE section_id = '{}'",
            reg.section_id
        ))
        .await;
    assert_eq!(n, 1, "registered once");
    app.stop().await;
}

#[tokio::test]
async fn an_announcement_draft_whose_answer_was_lost_is_replayed_on_retry() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let body = json!({
        "market": "construction", "type": "tender", "title": "幂等草稿",
        "body": "## 招标条件",
        "fields": {
            "project_name": "某道路改造工程", "scope": "道路改造 3.2 公里", "scale": "估算价 1200 万元",
            "funding": "财政资金", "qualification_requirements": "市政公用工程施工总承包三级及以上",
            "consortium_accepted": false, "documents_access": "登录平台免费下载",
            "docs_available_at": "2026-03-02T09:00:00+08:00", "bid_deadline": "2026-03-23T09:30:00+08:00",
            "submission_method": "电子投标", "tenderer_contact": "大连市市政建设管理处，0411-00000000",
            "platform_url": "https://ggzy.example.cn",
        },
    });
    let bytes = serde_json::to_vec(&body).unwrap();
    let path = "/api/v1/announcements";
    let (actor, principal) = reserve(&app, &tenderer, "draft-1", "POST", path, &bytes).await;
    let draft: ggzy_publishing::service::AnnouncementDraft =
        serde_json::from_value(body.clone()).unwrap();
    let first = idempotency::scope(
        principal,
        "draft-1".into(),
        ggzy_publishing::service::create(&app.ctx, &actor, draft),
    )
    .await
    .expect("drafted");
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(&tenderer)
        .header("content-type", "application/json")
        .header("Idempotency-Key", "draft-1")
        .body(bytes)
        .send()
        .await
        .expect("retry");
    let (s, v) = replayed(r).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, serde_json::to_value(&first).unwrap());
    let n = app
        .scalar_i64("SELECT COUNT(*) FROM announcements WHERE title = '幂等草稿'")
        .await;
    assert_eq!(n, 1, "drafted once");
    app.stop().await;
}

#[tokio::test]
async fn a_bank_callback_whose_answer_was_lost_is_replayed_on_retry() {
    let app = TestApp::spawn().await;
    let reg = app
        .register_project(road_project("幂等到账工程", "2026-03-23T09:30:00+08:00"))
        .await;
    app.seal().await;
    let b1 = app.login("bidder1").await;
    let (s, acc) = app.deposit_account(&b1, &reg.section_id).await;
    assert_eq!(s, 201, "{acc}");
    let bank = app.login("bank").await;
    let notice = json!({
        "transaction_id": "T-LOST-1", "account_no": acc["account_no"],
        "payer_account_no": "21050161000000000004", "payer_name": "大连第一建筑工程有限公司",
        "amount": "200000.00", "value_at": "2026-03-10T10:00:00+08:00",
    });
    let text = notice.to_string();
    let path = "/api/v1/bank/callbacks/transfers";
    let (actor, principal) = reserve(&app, &bank, "cb-1", "POST", path, text.as_bytes()).await;
    let first = idempotency::scope(
        principal,
        "cb-1".into(),
        ggzy_deposits::service::receive_transfer(
            &app.ctx,
            &actor,
            serde_json::from_value(notice.clone()).unwrap(),
        ),
    )
    .await
    .expect("booked");
    let ts = app.ctx.clock.now().timestamp().to_string();
    let sig =
        ggzy_api_tests::fixtures::hmac_sha256_hex(BANK_KEY, format!("{ts}.{text}").as_bytes());
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(&bank)
        .header("content-type", "application/json")
        .header("X-Timestamp", ts)
        .header("X-Signature", sig)
        .header("Idempotency-Key", "cb-1")
        .body(text)
        .send()
        .await
        .expect("retry");
    let (s, v) = replayed(r).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, serde_json::to_value(&first).unwrap());
    assert_eq!(v["duplicate"], json!(false), "{v}");
    let n = app
        .scalar_i64("SELECT COUNT(*) FROM deposit_transfers WHERE bank_txn_id = 'T-LOST-1'")
        .await;
    assert_eq!(n, 1, "booked once");
    app.stop().await;
}

#[tokio::test]
async fn a_use_case_rolled_back_after_storing_its_answer_leaves_the_key_free() {
    // The answer is stored in the transaction: when that transaction does not commit (the use
    // case failed after writing it), neither the change nor the answer exists and a retry runs.
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let path = "/api/v1/announcements";
    let (_, principal) = reserve(&app, &tenderer, "draft-2", "POST", path, b"{}").await;
    let db = app.ctx.db.clone();
    let now = app.ctx.clock.now();
    idempotency::scope(principal.clone(), "draft-2".into(), async move {
        let mut tx = db.begin().await.unwrap();
        idempotency::answer_json_in_tx(&mut tx, 201, &json!({"id": "never"}), now)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
    })
    .await;
    let n = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM idempotency_keys WHERE principal = '{principal}' AND status IS NOT NULL"
        ))
        .await;
    assert_eq!(n, 0, "the rolled-back answer is gone");
    app.stop().await;
}
