//! Integrity under faults: a keyed write whose instance died after the commit and before the
//! answer reached the client. The use case stores its answer in the transaction of its change
//! (`Db::commit_answering`), so the client's retry with the same `Idempotency-Key` replays the
//! answer instead of `409 idempotency.answer_lost`, and nothing is done twice.
//!
//! Each test runs the use case the way the middleware does (the key reserved with
//! `idempotency::begin`, the use case inside `idempotency::scope`) and then stops — the answer is
//! neither sent nor completed, as when the instance is killed — and retries over HTTP.
//!
//! One test (at least) per area whose keyed writes store their answer: projects (registration,
//! project submit, evaluation result, objection), publishing (draft, announcement submit),
//! deposits (bank callback, guarantee), venues (booking, evaluation session), evaluation
//! (clarification), auctions (quote), experts (confirmation), monitoring (rule change).

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

/// The keyed request `method path body` of `token`'s user carried out by `run` as the middleware
/// would, on an instance that dies before answering; then the client's retry over HTTP, which
/// must be a replay. Returns the first attempt's value as JSON and the retry's status and body.
async fn lost_then_retried<T, F>(
    app: &TestApp,
    token: &str,
    key: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    run: impl FnOnce(Actor) -> F,
) -> (Value, u16, Value)
where
    T: serde::Serialize,
    F: std::future::Future<Output = ggzy_core::Result<T>>,
{
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let (actor, principal) = reserve(app, token, key, method, path, &bytes).await;
    let first = idempotency::scope(principal, key.into(), run(actor))
        .await
        .expect("the first attempt");
    // … the instance dies here.
    let mut rb = app
        .client
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            app.url(path),
        )
        .bearer_auth(token)
        .header("Idempotency-Key", key);
    if body.is_some() {
        rb = rb.header("content-type", "application/json").body(bytes);
    }
    let (s, v) = replayed(rb.send().await.expect("retry")).await;
    (serde_json::to_value(&first).unwrap(), s, v)
}

fn from<T: serde::de::DeserializeOwned>(v: &Value) -> T {
    serde_json::from_value(v.clone()).expect("input")
}

#[tokio::test]
async fn a_project_submit_and_an_announcement_submit_whose_answers_were_lost_are_replayed() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let p = app
        .post_expect(
            &tenderer,
            "/api/v1/projects",
            road_project("幂等提交工程", "2026-03-23T09:30:00+08:00"),
            201,
        )
        .await;
    let id = p["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/projects/{id}/submit");
    let (first, s, v) = lost_then_retried(&app, &tenderer, "submit-1", "POST", &path, None, |a| {
        let ctx = app.ctx.clone();
        let id = id.clone();
        async move { ggzy_projects::service::submit(&ctx, &a, &id).await }
    })
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, first);
    assert_eq!(v["status"], "submitted", "{v}");
    let n = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM events WHERE event_type = 'projects.project.submitted' AND aggregate_id = '{id}'"
        ))
        .await;
    assert_eq!(n, 1, "submitted once");

    let body = json!({
        "market": "construction", "type": "tender", "title": "幂等提交公告",
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
    let a = app
        .post_expect(&tenderer, "/api/v1/announcements", body, 201)
        .await;
    let aid = a["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/announcements/{aid}/submit");
    let (first, s, v) = lost_then_retried(&app, &tenderer, "submit-2", "POST", &path, None, |a| {
        let ctx = app.ctx.clone();
        let aid = aid.clone();
        async move { ggzy_publishing::service::submit(&ctx, &a, &aid).await }
    })
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, first);
    assert_eq!(v["status"], "submitted", "{v}");
    app.stop().await;
}

#[tokio::test]
async fn a_booking_and_a_guarantee_whose_answers_were_lost_are_replayed() {
    let app = TestApp::spawn().await;
    let reg = app
        .bidding_section(
            road_project("幂等预约工程", "2026-03-23T09:30:00+08:00"),
            &["bidder1"],
        )
        .await;
    let room = app
        .post_expect(
            &reg.staff,
            "/api/v1/rooms",
            json!({"kind": "negotiation_room", "name": "谈判室 808", "floor": 8, "capacity": 8}),
            201,
        )
        .await;
    let agency = app.login("agency").await;
    let booking = json!({"room_id": room["id"], "section_id": reg.section_id, "purpose": "negotiation",
                         "start": "2026-03-04T09:00:00+08:00", "end": "2026-03-04T11:00:00+08:00"});
    let (first, s, v) = lost_then_retried(
        &app,
        &agency,
        "book-1",
        "POST",
        "/api/v1/bookings",
        Some(&booking),
        |a| {
            let ctx = app.ctx.clone();
            let input = from(&booking);
            async move { ggzy_venues::service::create_booking(&ctx, &a, input).await }
        },
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, first);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM venue_bookings WHERE section_id = '{}'",
            reg.section_id
        ))
        .await,
        1,
        "booked once"
    );

    // An evaluation session of the section (a booking of an isolated room, in one step).
    let room = app
        .post_expect(
            &reg.staff,
            "/api/v1/rooms",
            json!({"kind": "evaluation_room", "name": "评标室 幂等", "floor": 5, "capacity": 9,
                   "isolated": true}),
            201,
        )
        .await;
    let session = json!({"section_id": reg.section_id, "room_id": room["id"],
                         "start": "2026-03-24T09:00:00+08:00", "end": "2026-03-24T17:00:00+08:00",
                         "committee_size": 5, "draw": null});
    let (first, s, v) = lost_then_retried(
        &app,
        &agency,
        "session-1",
        "POST",
        "/api/v1/sessions",
        Some(&session),
        |a| {
            let ctx = app.ctx.clone();
            let input = from(&session);
            async move { ggzy_venues::sessions::schedule(&ctx, &a, input).await }
        },
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, first);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM events WHERE event_type = 'venues.session.scheduled'")
            .await,
        1,
        "scheduled once"
    );

    let bidder1 = app.login("bidder1").await;
    let g = json!({"section_id": reg.section_id, "kind": "electronic_guarantee",
                   "issuer": "中国人民财产保险大连分公司", "number": "EG-LOST-0001", "amount": "200000.00",
                   "valid_from": "2026-03-10", "valid_until": "2026-06-21",
                   "verification_code": "7F3K-99QX", "bid_validity_days": 90});
    let (first, s, v) = lost_then_retried(
        &app,
        &bidder1,
        "guarantee-1",
        "POST",
        "/api/v1/deposits/guarantees",
        Some(&g),
        |a| {
            let ctx = app.ctx.clone();
            let input = from(&g);
            async move { ggzy_deposits::guarantees::record(&ctx, &a, input).await }
        },
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, first);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM deposit_guarantees WHERE number = 'EG-LOST-0001'")
            .await,
        1,
        "recorded once"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_clarification_an_evaluation_result_and_an_objection_whose_answers_were_lost_are_replayed(
) {
    use crate::award::{
        committee, open_and_decrypt, open_by_staff, ranking, register_and_bid, registered_section,
    };
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "construction").await;
    let sid = t.section_id.clone();
    crate::evaluation::caught_up(&app).await;
    let (s, v) = app
        .put(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{sid}/evaluation-method"),
            json!({"method": "lowest_evaluated_price"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    open_by_staff(&app, &t).await;
    register_and_bid(&app, &mut t).await;
    open_and_decrypt(&app, &mut t).await;
    // The committee (as the experts area announces it) in its session window (venues).
    let expert = app.login("expert1").await;
    let (_, me) = app.get(Some(&expert), "/api/v1/auth/me").await;
    app.emit(
        "experts.draw.completed",
        "test",
        "draw-lost",
        json!({"draw_id": "draw-lost", "section_id": sid, "session_id": "session-lost",
               "experts": [{"expert_id": "EXP-1", "name": "专家1", "user_id": me["user_id"],
                            "specialty": "A010101"}]}),
    )
    .await;
    let now = app.clock().now();
    app.emit(
        "venues.session.scheduled",
        "test",
        "session-lost",
        json!({"session_id": "session-lost", "section_id": sid, "kind": "evaluation",
               "room_id": "r1", "room_name": "评标室1", "draw_id": "draw-lost",
               "start": (now - chrono::Duration::minutes(1)).to_rfc3339(),
               "end": (now + chrono::Duration::hours(8)).to_rfc3339(), "draw": null}),
    )
    .await;
    crate::evaluation::caught_up(&app).await;
    let ask = json!({"org_id": t.bidders[0].org_id, "question": "请说明项目经理的在岗承诺",
                     "reply_by": (now + chrono::Duration::days(1)).to_rfc3339()});
    let path = format!("/api/v1/sections/{sid}/evaluation/clarifications");
    let (first, s, v) = lost_then_retried(&app, &expert, "ask-1", "POST", &path, Some(&ask), |a| {
        let ctx = app.ctx.clone();
        let (sid, input) = (sid.clone(), from(&ask));
        async move { ggzy_evaluation::service::ask(&ctx, &a, &sid, input).await }
    })
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, first);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM eval_clarifications WHERE section_id = '{sid}'"
        ))
        .await,
        1,
        "asked once"
    );

    let draw_id = committee(&app, &t).await;
    let result = json!({"report_ref": "PBBG-LOST-001", "ranking": ranking(&t), "publicity_days": 3,
                        "committee_draw_id": draw_id});
    let path = format!("/api/v1/sections/{sid}/evaluation-result");
    let (first, s, v) = lost_then_retried(
        &app,
        &t.staff,
        "result-1",
        "POST",
        &path,
        Some(&result),
        |a| {
            let ctx = app.ctx.clone();
            let (sid, input) = (sid.clone(), from(&result));
            async move { ggzy_projects::award::submit_result(&ctx, &a, &sid, input).await }
        },
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, first);

    // The result objection is a remedies case (since rem20e).
    app.drain_consumer("remedies.projection").await;
    let objection =
        json!({"kind": "objection", "target": "result", "grounds": "第一名的项目经理证书已过期"});
    let path = format!("/api/v1/sections/{sid}/remedies");
    let bidder = &t.bidders[2].token;
    let (first, s, v) = lost_then_retried(
        &app,
        bidder,
        "object-1",
        "POST",
        &path,
        Some(&objection),
        |a| {
            let ctx = app.ctx.clone();
            let (sid, input) = (sid.clone(), from(&objection));
            async move { ggzy_remedies::service::raise(&ctx, &a, &sid, input).await }
        },
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, first);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM remedy_cases WHERE section_id = '{sid}'"
        ))
        .await,
        1,
        "raised once"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_auction_quote_whose_answer_was_lost_is_replayed() {
    use crate::auctions::{create, listing, lot};
    let app = TestApp::spawn().await;
    let lot = lot(&app, "land", 1).await;
    let start = lot.announced_at + chrono::Duration::days(21);
    let id = create(&app, listing(&lot.sid, start, 10, None)).await;
    app.clock().set(start + chrono::Duration::hours(1));
    let bidder1 = app.login("bidder1").await;
    let quote = json!({"price": "1000000.00"});
    let path = format!("/api/v1/auctions/{id}/bids");
    let (first, s, v) = lost_then_retried(
        &app,
        &bidder1,
        "quote-1",
        "POST",
        &path,
        Some(&quote),
        |a| {
            let ctx = app.ctx.clone();
            let id = id.clone();
            async move {
                ggzy_auctions::service::bid(&ctx, &a, &id, "1000000.00")
                    .await
                    .map_err(|e| ggzy_core::Error::internal(format!("{e:?}")))
            }
        },
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, first);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM auction_bids WHERE auction_id = '{id}'"
        ))
        .await,
        1,
        "quoted once"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_expert_confirmation_whose_answer_was_lost_is_replayed() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let admin = app.login("admin").await;
    let (s, orgs) = app.get(Some(&admin), "/api/v1/organizations").await;
    assert_eq!(s, 200, "{orgs}");
    let list = orgs
        .as_array()
        .cloned()
        .or_else(|| orgs["items"].as_array().cloned())
        .unwrap();
    let employer = list
        .iter()
        .find(|o| o["kind"] == "expert_employer")
        .expect("an expert employer")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uscc = |n: u32| {
        ggzy_core::ident::Uscc::with_check(&format!("91210200{n:09}"))
            .unwrap()
            .as_str()
            .to_string()
    };
    let mut tokens = Vec::new();
    for n in 0..5u32 {
        let rid =
            ggzy_core::ident::ResidentId::with_check(&format!("21020219750101{:03}", 600 + n))
                .unwrap();
        let e = app
            .post_expect(
                &staff,
                "/api/v1/experts",
                json!({"name": format!("幂等专家{n}"), "resident_id": rid.as_str(),
                       "employer_uscc": uscc(600 + n), "employer_name": format!("单位{n}"),
                       "specialties": ["A08.02"], "title": "senior", "years": 12,
                       "region": "210200", "phone": "13800000000"}),
                201,
            )
            .await;
        let username = format!("lost{n}");
        let u = app.user_in_org(&employer, &username, "expert").await;
        app.drain_consumer("experts.events").await;
        let (s, v) = app
            .put(
                Some(&staff),
                &format!("/api/v1/experts/{}/account", e["id"].as_str().unwrap()),
                json!({"user_id": u["id"], "email": format!("{username}@dlut.edu.cn")}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        tokens.push(app.login(&username).await);
    }
    let sup = app.login("supervisor").await;
    let (s, d) = app
        .two_step_draw(
            &staff,
            &sup,
            json!({"section_id": "SEC-LOST-1", "tenderer_uscc": uscc(1), "agency_uscc": uscc(2),
                   "bidder_usccs": [uscc(3)], "session_start": "2026-03-20T09:00:00+08:00",
                   "session_end": "2026-03-20T17:00:00+08:00",
                   "specialties": [{"specialty": "A08.02", "count": 5, "backups": 0}]}),
        )
        .await;
    assert_eq!(s, 201, "{d}");
    let draw_id = d["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/experts/draws/{draw_id}/confirm");
    let body = json!({});
    let (first, s, v) = lost_then_retried(
        &app,
        &tokens[0],
        "confirm-1",
        "POST",
        &path,
        Some(&body),
        |a| {
            let ctx = app.ctx.clone();
            let draw_id = draw_id.clone();
            async move { ggzy_experts::committee::confirm(&ctx, &a, &draw_id).await }
        },
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, first);
    assert_eq!(v["status"], "confirmed", "{v}");
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM events WHERE event_type = 'experts.member.confirmed' AND aggregate_id = '{draw_id}'"
        ))
        .await,
        1,
        "confirmed once"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_monitoring_rule_change_whose_answer_was_lost_is_replayed() {
    let app = TestApp::spawn().await;
    let sup = app.login("supervisor").await;
    let change = json!({"enabled": false});
    let path = "/api/v1/monitoring/rules/compliance.contract_overdue";
    let (first, s, v) = lost_then_retried(&app, &sup, "rule-1", "PUT", path, Some(&change), |a| {
        let ctx = app.ctx.clone();
        let input = from(&change);
        async move {
            ggzy_monitoring::alerts::update_rule(&ctx, &a, "compliance.contract_overdue", input)
                .await
        }
    })
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, first);
    assert_eq!(v["enabled"], false, "{v}");
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM events WHERE event_type = 'monitoring.rule.updated'")
            .await,
        1,
        "changed once"
    );
    app.stop().await;
}

fn uscc(n: u32) -> String {
    ggzy_core::ident::Uscc::with_check(&format!("91210200{n:09}"))
        .unwrap()
        .as_str()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Issue 24 (sec24b): the writes that still answered `idempotency.answer_lost` store their answer
// with their change too — one test per area (the mechanism is the shared `Db::commit_answering`).

/// Experts, staff side: an expert registered, and a two-step draw's supervisor reveal (the draw).
#[tokio::test]
async fn an_expert_registration_and_a_supervisor_reveal_whose_answers_were_lost_are_replayed() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let sup = app.login("supervisor").await;
    let expert = |n: u32| {
        json!({"name": format!("失答专家{n}"),
               "resident_id": ggzy_core::ident::ResidentId::with_check(&format!("21020219750101{n:03}"))
                   .unwrap().as_str(),
               "employer_uscc": uscc(300 + n), "employer_name": format!("单位{n}"),
               "specialties": ["A08.02"], "title": "senior", "years": 12,
               "region": "210200", "phone": "13800000000"})
    };
    let body = expert(1);
    let (first, s, v) = lost_then_retried(
        &app,
        &staff,
        "expert-1",
        "POST",
        "/api/v1/experts",
        Some(&body),
        |a| {
            let ctx = app.ctx.clone();
            let input = from(&body);
            async move { ggzy_experts::service::create(&ctx, &a, input).await }
        },
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, first);
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM experts").await, 1);
    for n in 2..=6 {
        app.post_expect(&staff, "/api/v1/experts", expert(n), 201)
            .await;
    }
    let r = app
        .post_expect(
            &staff,
            "/api/v1/experts/draw-requests",
            json!({"section_id": "SEC-LOST-DRAW", "tenderer_uscc": uscc(1),
                   "session_start": "2026-03-20T09:00:00+08:00",
                   "session_end": "2026-03-20T17:00:00+08:00",
                   "specialties": [{"specialty": "A08.02", "count": 5, "backups": 0}]}),
            201,
        )
        .await;
    let id = r["id"].as_str().unwrap().to_string();
    let secret = [7u8; 32];
    app.post_expect(
        &sup,
        &format!("/api/v1/experts/draw-requests/{id}/supervisor-commitment"),
        json!({"commitment": hex::encode(sha2::Sha256::digest(secret))}),
        200,
    )
    .await;
    let reveal = json!({"secret": hex::encode(secret)});
    let path = format!("/api/v1/experts/draw-requests/{id}/supervisor-reveal");
    let (first, s, v) =
        lost_then_retried(&app, &sup, "reveal-1", "POST", &path, Some(&reveal), |a| {
            let ctx = app.ctx.clone();
            let id = id.clone();
            let input = from(&reveal);
            async move { ggzy_experts::contrib::supervisor_reveal(&ctx, &a, &id, input).await }
        })
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, first);
    assert_eq!(v["members"].as_array().unwrap().len(), 5, "{v}");
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM expert_draws WHERE section_id = 'SEC-LOST-DRAW'")
            .await,
        1,
        "drawn once"
    );
    app.stop().await;
}

/// Auctions: a listing created by staff.
#[tokio::test]
async fn an_auction_listing_whose_answer_was_lost_is_replayed() {
    use crate::auctions::{listing, lot};
    let app = TestApp::spawn().await;
    let lot = lot(&app, "land", 1).await;
    let start = lot.announced_at + chrono::Duration::days(21);
    let staff = app.login("staff").await;
    let body = listing(&lot.sid, start, 10, None);
    let (first, s, v) = lost_then_retried(
        &app,
        &staff,
        "listing-1",
        "POST",
        "/api/v1/auctions",
        Some(&body),
        |a| {
            let ctx = app.ctx.clone();
            let input = from(&body);
            async move { ggzy_auctions::service::create_listing(&ctx, &a, input).await }
        },
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, first);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM auctions WHERE section_id = '{}'",
            lot.sid
        ))
        .await,
        1,
        "listed once"
    );
    app.stop().await;
}

/// Identity: an organization registered by the administrator.
#[tokio::test]
async fn an_organization_registration_whose_answer_was_lost_is_replayed() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let body = json!({"uscc": uscc(424), "name": "失答投标有限公司", "kind": "bidder",
                      "legal_representative": "法人", "region": "210200"});
    let (first, s, v) = lost_then_retried(
        &app,
        &admin,
        "org-1",
        "POST",
        "/api/v1/organizations",
        Some(&body),
        |a| {
            let ctx = app.ctx.clone();
            let input = from(&body);
            async move { ggzy_identity::service::create_org(&ctx, &a.actor_ref(), input).await }
        },
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v, first);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM organizations WHERE uscc = '{}'",
            uscc(424)
        ))
        .await,
        1
    );
    app.stop().await;
}

/// Admin operations: a holiday schedule imported (a TOML body, answered with the year's view).
#[tokio::test]
async fn a_calendar_import_whose_answer_was_lost_is_replayed() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let toml = "year = 2031\nworkdays = []\n[holidays]\n\"元旦 New Year\" = [\"2031-01-01\"]\n";
    let path = "/api/v1/calendar/2031?source=test%20notice";
    let (actor, principal) = reserve(&app, &admin, "cal-1", "PUT", path, toml.as_bytes()).await;
    idempotency::scope(principal, "cal-1".into(), async {
        // What `PUT /api/v1/calendar/{year}` runs, answering with the year's view.
        let answer = |y: ggzy_core::calendar::YearSchedule,
                      h: Vec<ggzy_store::calendar::StoredVersion>| {
            Ok(json!({"year": y.year, "version": y.version, "history": h.len()}).to_string())
        };
        ggzy_store::calendar::import_answering(
            &app.ctx.db,
            &actor.actor_ref(),
            app.ctx.clock.now(),
            Some(2031),
            toml,
            "test notice",
            Some(&answer),
        )
        .await
        .expect("imported");
    })
    .await;
    // … the instance dies here.
    let r = app
        .client
        .put(app.url(path))
        .bearer_auth(&admin)
        .header("Idempotency-Key", "cal-1")
        .header("content-type", "application/toml")
        .body(toml)
        .send()
        .await
        .expect("retry");
    let (s, v) = replayed(r).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, json!({"year": 2031, "version": 1, "history": 1}));
    assert_eq!(app.events_of("calendar.schedule.imported").await.len(), 1);
    app.stop().await;
}

/// Audit: a supervisor's logged disclosure of a section's identities.
#[tokio::test]
async fn an_audit_disclosure_whose_answer_was_lost_is_replayed() {
    let app = TestApp::spawn().await;
    let reg = app
        .bidding_section(
            road_project("失答披露工程", "2026-03-23T09:30:00+08:00"),
            &["bidder1"],
        )
        .await;
    app.seal().await;
    let sup = app.login("supervisor").await;
    let body =
        json!({"section_id": reg.section_id, "reason": "alert collusion.same_ip on this section"});
    let (first, s, v) = lost_then_retried(
        &app,
        &sup,
        "disclose-1",
        "POST",
        "/api/v1/audit/disclosures",
        Some(&body),
        |a| {
            let ctx = app.ctx.clone();
            let input = from(&body);
            async move { ggzy::ops::disclose(&ctx, &a, input).await }
        },
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, first);
    assert!(!v["events"].as_array().unwrap().is_empty(), "{v}");
    app.seal().await;
    assert_eq!(
        app.events_of("audit.identities.disclosed").await.len(),
        1,
        "the disclosure is recorded once"
    );
    app.stop().await;
}

/// Venues: a refused door entry is recorded, so its retry replays the same refusal (403 problem).
#[tokio::test]
async fn a_refused_door_entry_whose_answer_was_lost_replays_the_same_refusal() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let room = app
        .post_expect(
            &staff,
            "/api/v1/rooms",
            json!({"kind": "negotiation_room", "name": "谈判室 909", "floor": 9, "capacity": 8}),
            201,
        )
        .await;
    let room_id = room["id"].as_str().unwrap().to_string();
    let stranger = ggzy_core::ident::ResidentId::with_check("21020219900202456")
        .unwrap()
        .to_string();
    let body = json!({"resident_id": stranger, "direction": "in"});
    let path = format!("/api/v1/rooms/{room_id}/door");
    let bytes = serde_json::to_vec(&body).unwrap();
    let (actor, principal) = reserve(&app, &staff, "door-1", "POST", &path, &bytes).await;
    let d = idempotency::scope(
        principal,
        "door-1".into(),
        ggzy_venues::service::door(&app.ctx, &actor, &room_id, from(&body)),
    )
    .await
    .expect("decided");
    assert!(!d.allowed);
    // … the instance dies here.
    let r = app
        .client
        .post(app.url(&path))
        .bearer_auth(&staff)
        .header("Idempotency-Key", "door-1")
        .header("content-type", "application/json")
        .body(bytes)
        .send()
        .await
        .expect("retry");
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let (s, v) = replayed(r).await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(v["rule"].as_str(), d.reason.as_deref(), "{v}");
    assert_eq!(v["detail"], d.detail.as_str());
    assert_eq!(app.events_of("venues.door.refused").await.len(), 1);
    app.stop().await;
}

/// A keyed bid `price` on auction `id` by `token`'s organization, over HTTP.
async fn keyed_bid(
    app: &TestApp,
    token: &str,
    id: &str,
    key: &str,
    price: &str,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/auctions/{id}/bids")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({ "price": price }))
        .send()
        .await
        .expect("bid")
}

#[tokio::test]
async fn a_quote_claims_its_key_with_its_change() {
    // A live auction's bid writes no claim before it runs (`idempotency::scope_claiming`): the key
    // is claimed with the bid, in its transaction. Retries and concurrent duplicates still carry
    // the bid out once and all get the first answer; another request under the same key is
    // refused; a refusal is stored and replayed like an acceptance.
    use crate::auctions::{create, listing, lot};
    let app = TestApp::spawn().await;
    let lot = lot(&app, "land", 2).await;
    let start = lot.announced_at + chrono::Duration::days(21);
    let id = create(&app, listing(&lot.sid, start, 10, None)).await;
    app.clock().set(start + chrono::Duration::hours(1));
    let bidder1 = app.login("bidder1").await;
    let bidder2 = app.login("bidder2").await;
    let bids = || async {
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM auction_bids WHERE auction_id = '{id}'"
        ))
        .await
    };

    // The first attempt: accepted, and the key's row was written with the bid and its answer.
    let r = keyed_bid(&app, &bidder1, &id, "bid-1", "1000000.00").await;
    assert!(r.headers().get("idempotent-replayed").is_none());
    let (s, first) = into_parts(r).await;
    assert_eq!(s, 201, "{first}");
    let stored = app
        .scalar_i64(
            "SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'bid-1' AND status = 201 AND committed = 1",
        )
        .await;
    assert_eq!(stored, 1, "claimed and answered in the bid's transaction");
    // The retry runs the handler again, but answers with the first answer and bids nothing.
    let (s, again) = replayed(keyed_bid(&app, &bidder1, &id, "bid-1", "1000000.00").await).await;
    assert_eq!((s, &again), (201, &first));
    assert_eq!(bids().await, 1, "bid once");
    // The same key for another request.
    let (s, v) = into_parts(keyed_bid(&app, &bidder1, &id, "bid-1", "1200000.00").await).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "idempotency.key_reused", "{v}");
    assert_eq!(bids().await, 1);

    // A refusal (the caller already leads) is stored under its key and replayed.
    let (s, refused) =
        into_parts(keyed_bid(&app, &bidder1, &id, "bid-2", "1100000.00").await).await;
    assert_eq!(s, 409, "{refused}");
    assert_eq!(refused["rule"], "auctions.already_highest", "{refused}");
    // Now bidder 2 outbids; the replay of bidder 1's refusal does not run the bid again.
    let (s, v) = into_parts(keyed_bid(&app, &bidder2, &id, "bid-3", "1100000.00").await).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = replayed(keyed_bid(&app, &bidder1, &id, "bid-2", "1100000.00").await).await;
    assert_eq!((s, &v), (409, &refused));
    assert_eq!(bids().await, 2);

    // Ten attempts at once under one key: one bid, one answer for all.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (client, url, token) = (
            app.client.clone(),
            app.url(&format!("/api/v1/auctions/{id}/bids")),
            bidder1.clone(),
        );
        set.spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "bid-4")
                .json(&json!({ "price": "1300000.00" }))
                .send()
                .await
                .expect("bid");
            into_parts(r).await
        });
    }
    let mut answers = Vec::new();
    while let Some(r) = set.join_next().await {
        answers.push(r.expect("task"));
    }
    let accepted: Vec<_> = answers.iter().filter(|(s, _)| *s == 201).collect();
    assert_eq!(
        accepted.len(),
        10,
        "every attempt answers the first answer: {answers:?}"
    );
    assert!(
        accepted.iter().all(|(_, v)| *v == accepted[0].1),
        "{answers:?}"
    );
    assert_eq!(bids().await, 3, "the ten attempts bid once");
    app.stop().await;
}

/// `n` attempts of one keyed request at once (`send` builds and sends one); their answers.
async fn at_once<F, Fut>(n: usize, send: F) -> Vec<(u16, Value)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let r = send();
        set.spawn(async move { into_parts(r.await.expect("request")).await });
    }
    let mut answers = Vec::new();
    while let Some(r) = set.join_next().await {
        answers.push(r.expect("task"));
    }
    answers
}

/// Every answer is `status` and the same body.
fn one_answer(answers: &[(u16, Value)], status: u16) -> Value {
    assert!(
        answers
            .iter()
            .all(|(s, v)| *s == status && *v == answers[0].1),
        "every attempt answers the first answer ({status}): {answers:?}"
    );
    answers[0].1.clone()
}

#[tokio::test]
async fn the_deadline_rushs_requests_claim_their_key_with_their_change() {
    // A registration, a virtual account, the bank's callback and a bid upload write no claim
    // before they run (`idempotency::scope_claiming`): each request's key is written in the
    // transaction of its change, with its answer. Retries and concurrent duplicates carry the
    // change out once and all get the first answer; another request under a used key is refused.
    let app = TestApp::spawn().await;
    let reg = app
        .bidding_section(
            road_project("幂等抢报工程", "2026-03-23T09:30:00+08:00"),
            &[],
        )
        .await;
    let sid = reg.section_id.clone();
    app.drain_consumer("projects.organizations").await;
    let (b1, b2, b3) = (
        app.login("bidder1").await,
        app.login("bidder2").await,
        app.login("bidder3").await,
    );
    let count = |sql: String| {
        let app = &app;
        async move { app.scalar_i64(&sql).await }
    };
    let answered_with_change = |key: &'static str, status: u16| {
        count(format!(
            "SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = '{key}' AND status = {status} \
             AND committed = 1"
        ))
    };
    let reg_url = app.url(&format!("/api/v1/sections/{sid}/registrations"));
    let register = |token: &str, key: &'static str| {
        app.client
            .post(reg_url.clone())
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .send()
    };

    // Registration: claimed and answered in its transaction; the retry replays it.
    let (s, first) = into_parts(register(&b1, "reg-a").await.expect("register")).await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(answered_with_change("reg-a", 201).await, 1);
    let (s, again) = replayed(register(&b1, "reg-a").await.expect("retry")).await;
    assert_eq!((s, &again), (201, &first));
    // Eight at once under one key: one registration, one answer.
    let answers = at_once(8, || register(&b2, "reg-b")).await;
    one_answer(&answers, 201);
    let regs = format!("SELECT COUNT(*) FROM section_registrations WHERE section_id = '{sid}'");
    assert_eq!(
        count(regs.clone()).await,
        2,
        "bidder1 and bidder2, once each"
    );
    // A refusal is stored under its key and replayed (bidder1 is registered already).
    let (s, refused) = into_parts(register(&b1, "reg-c").await.expect("again")).await;
    assert_eq!(s, 409, "{refused}");
    assert_eq!(refused["rule"], "registration.duplicate", "{refused}");
    let (s, v) = replayed(register(&b1, "reg-c").await.expect("retry")).await;
    assert_eq!((s, &v), (409, &refused));

    // Virtual account: once the deposits area knows the section (bidder3 asks without a key).
    let (s, v) = app.deposit_account(&b3, &sid).await;
    assert_eq!(s, 201, "{v}");
    let acc_url = app.url("/api/v1/deposits/accounts");
    let body = json!({ "section_id": sid });
    let account = |token: &str, key: &'static str| {
        app.client
            .post(acc_url.clone())
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let (s, acc1) = into_parts(account(&b1, "acc-a").await.expect("account")).await;
    assert_eq!(s, 201, "{acc1}");
    assert_eq!(answered_with_change("acc-a", 201).await, 1);
    let (s, again) = replayed(account(&b1, "acc-a").await.expect("retry")).await;
    assert_eq!((s, &again), (201, &acc1));
    let acc2 = one_answer(&at_once(8, || account(&b2, "acc-b")).await, 201);
    let accounts = format!("SELECT COUNT(*) FROM deposit_accounts WHERE section_id = '{sid}'");
    assert_eq!(count(accounts).await, 3, "one account per bidder");

    // The bank's callback: eight at once under one key book one transfer.
    let bank = app.login("bank").await;
    let notice = json!({
        "transaction_id": "T-RUSH-1", "account_no": acc2["account_no"],
        "payer_account_no": "21050161000000000005", "payer_name": "辽宁路桥建设集团有限公司",
        "amount": "200000.00", "value_at": "2026-03-10T10:00:00+08:00",
    })
    .to_string();
    let cb_url = app.url("/api/v1/bank/callbacks/transfers");
    let ts = app.ctx.clock.now().timestamp().to_string();
    let sig =
        ggzy_api_tests::fixtures::hmac_sha256_hex(BANK_KEY, format!("{ts}.{notice}").as_bytes());
    let callback = || {
        app.client
            .post(cb_url.clone())
            .bearer_auth(&bank)
            .header("content-type", "application/json")
            .header("X-Timestamp", ts.clone())
            .header("X-Signature", sig.clone())
            .header("Idempotency-Key", "cb-rush")
            .body(notice.clone())
            .send()
    };
    let booked = one_answer(&at_once(8, callback).await, 200);
    assert_eq!(booked["duplicate"], json!(false), "{booked}");
    assert_eq!(answered_with_change("cb-rush", 200).await, 1);
    let transfers = "SELECT COUNT(*) FROM deposit_transfers WHERE bank_txn_id = 'T-RUSH-1'";
    assert_eq!(count(transfers.into()).await, 1, "booked once");

    // The upload: claimed with the bid; the retry replays the receipt; another package under the
    // same key is refused and not stored.
    let bid_url = app.url(&format!("/api/v1/sections/{sid}/bids/mine"));
    let upload = |token: &str, key: &'static str, p: &ggzy_projects::package::Sealed| {
        app.client
            .put(bid_url.clone())
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .header("X-Bid-Digest", p.digest.clone())
            .header("Idempotency-Key", key)
            .body(p.ciphertext.clone())
            .send()
    };
    let (p1, p2) = (
        crate::bids::package("8765432.19", 1),
        crate::bids::package("8765000.00", 2),
    );
    let (s, receipt) = into_parts(upload(&b1, "up-a", &p1).await.expect("upload")).await;
    assert_eq!(s, 201, "{receipt}");
    assert_eq!(answered_with_change("up-a", 201).await, 1);
    let (s, again) = replayed(upload(&b1, "up-a", &p1).await.expect("retry")).await;
    assert_eq!((s, &again), (201, &receipt));
    let (s, v) = into_parts(upload(&b1, "up-a", &p2).await.expect("reused")).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "idempotency.key_reused", "{v}");
    let versions = |org: String| {
        count(format!(
            "SELECT COUNT(*) FROM bids WHERE section_id = '{sid}' AND org_id = '{org}'"
        ))
    };
    let (org1, org2) = (app.org_of(&b1).await, app.org_of(&b2).await);
    assert_eq!(versions(org1).await, 1, "bidder1 uploaded once");
    // Six uploads at once under one key: one bid version, one receipt.
    let answers = at_once(6, || upload(&b2, "up-b", &p2)).await;
    one_answer(&answers, 201);
    assert_eq!(versions(org2).await, 1, "bidder2 uploaded once");
    app.stop().await;
}
