//! Opening (开标, 不见面开标): the opening timer fails a section with fewer than three bids (实施条例
//! 44); otherwise bidders submit their keys within the decryption window, a wrong key is refused
//! and may be retried, a bid not decrypted in time is revoked, a digest mismatch is recorded, and
//! the opening record lists bidders, prices, decryption and deposit status — for the section's
//! bidders only. Both suites
//! (AES-256-GCM+SHA-256, SM4-GCM+SM3) end to end, the bidder tool's HTTP path included.

use base64::Engine as _;
use ggzy_api_tests::fixtures::{assert_first_error, assert_rule, at, road_project};
use ggzy_api_tests::{into_parts, TestApp};
use ggzy_projects::package::{self, Suite};
use serde_json::{json, Value};
use sqlx::Row;
use std::time::Duration;

const DEADLINE: &str = "2026-03-23T09:30:00+08:00";
const BIDDER1_BASIC: &str = "21050161000000000004";

/// A registered construction section open for bidding with `bidders` registered; (project, section).
pub(crate) async fn section_with(app: &TestApp, name: &str, bidders: &[&str]) -> (String, String) {
    let r = app
        .bidding_section(road_project(name, DEADLINE), bidders)
        .await;
    (r.project_id, r.section_id)
}

/// A sealed package and its key.
pub(crate) struct Bid {
    pub(crate) key: Vec<u8>,
    pub(crate) ciphertext: Vec<u8>,
    pub(crate) digest: String,
}

pub(crate) fn sealed(suite: Suite, price: &str, seed: u8) -> Bid {
    let key = vec![seed; suite.key_len()];
    let doc = vec![seed; 100_000];
    let plain = package::plaintext(suite, price, &[("商务标.pdf", &doc)]);
    let s = package::seal(suite, &key, &[seed; 7], &plain).unwrap();
    Bid {
        key,
        ciphertext: s.ciphertext,
        digest: s.digest,
    }
}

pub(crate) async fn put_bid(app: &TestApp, token: &str, section: &str, bid: &Bid) -> (u16, Value) {
    let r = app
        .client
        .put(app.url(&format!("/api/v1/sections/{section}/bids/mine")))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .header("X-Bid-Digest", &bid.digest)
        .body(bid.ciphertext.clone())
        .send()
        .await
        .expect("request");
    into_parts(r).await
}

pub(crate) async fn post_key(
    app: &TestApp,
    token: &str,
    section: &str,
    key: &[u8],
) -> (u16, Value) {
    app.post(
        Some(token),
        &format!("/api/v1/sections/{section}/bids/mine/key"),
        json!({"key": base64::engine::general_purpose::STANDARD.encode(key)}),
    )
    .await
}

pub(crate) async fn section_state(app: &TestApp, project: &str) -> String {
    let staff = app.login("staff").await;
    let (_, p) = app
        .get(Some(&staff), &format!("/api/v1/projects/{project}"))
        .await;
    p["sections"][0]["state"].as_str().unwrap_or("").to_string()
}

/// Wait until the timers move the section to `want`.
pub(crate) async fn wait_state(app: &TestApp, project: &str, want: &str) {
    let mut state = String::new();
    for () in ggzy_api_tests::patience() {
        state = section_state(app, project).await;
        if state == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("section state {state}, expected {want}");
}

pub(crate) async fn decryption_of(
    app: &TestApp,
    section: &str,
    org_id: &str,
) -> (String, Option<i64>) {
    let r = sqlx::query(
        "SELECT decryption, price_fen FROM bids WHERE section_id = $1 AND org_id = $2 AND status = 'current'",
    )
    .bind(section)
    .bind(org_id)
    .fetch_one(app.ctx.db.pool())
    .await
    .unwrap();
    (r.get(0), r.get(1))
}

pub(crate) async fn relogin(app: &TestApp, names: &[&str]) -> Vec<String> {
    let mut v = Vec::new();
    for n in names {
        v.push(app.login(n).await);
    }
    v
}

/// Each bidder of `names` uploads its bid of `bids`; their tokens and organization ids.
pub(crate) async fn upload_all(
    app: &TestApp,
    section: &str,
    names: &[&str],
    bids: &[Bid],
) -> (Vec<String>, Vec<String>) {
    let mut tokens = Vec::new();
    let mut orgs = Vec::new();
    for (b, bid) in names.iter().zip(bids) {
        let t = app.login(b).await;
        let (s, v) = put_bid(app, &t, section, bid).await;
        assert_eq!(s, 201, "{b}: {v}");
        orgs.push(org_of(app, &t).await);
        tokens.push(t);
    }
    (tokens, orgs)
}

pub(crate) async fn org_of(app: &TestApp, token: &str) -> String {
    app.org_of(token).await
}

#[tokio::test]
async fn opening_with_two_bids_fails_the_section() {
    let app = TestApp::spawn().await;
    let (project, section) =
        section_with(&app, "两家投标", &["bidder1", "bidder2", "bidder3"]).await;
    for (i, b) in ["bidder1", "bidder2"].iter().enumerate() {
        let t = app.login(b).await;
        let bid = sealed(Suite::Aes256GcmSha256, "100.00", 1 + i as u8);
        let (s, v) = put_bid(&app, &t, &section, &bid).await;
        assert_eq!(s, 201, "{v}");
    }
    // bidder3 registered and uploaded, then withdrew: a withdrawn bid does not count.
    let b3 = app.login("bidder3").await;
    let (s, v) = put_bid(&app, &b3, &section, &sealed(Suite::Sm4GcmSm3, "99.00", 3)).await;
    assert_eq!(s, 201, "{v}");
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/sections/{section}/bids/mine")))
        .bearer_auth(&b3)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    app.clock().set(at(DEADLINE));
    wait_state(&app, &project, "failed").await;
    let failed = app.events_of("projects.section.failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    let f = &failed[0];
    assert_eq!(f["section_id"], section.as_str());
    assert_eq!(f["project_id"], project.as_str());
    assert_eq!(f["market"], "construction");
    assert_eq!(f["bid_count"], 2);
    assert!(f["basis"].as_str().unwrap().contains("第四十四条"), "{f}");
    assert!(app.events_of("projects.section.opened").await.is_empty());

    // No opening, no keys, no record.
    let b1 = app.login("bidder1").await;
    let (s, v) = post_key(&app, &b1, &section, &[1; 32]).await;
    assert_rule(s, &v, 409, "opening.not_open");
    let (s, v) = app
        .get(Some(&b1), &format!("/api/v1/sections/{section}/opening"))
        .await;
    assert_rule(s, &v, 409, "opening.not_recorded");
    app.stop().await;
}

/// Pays bidder1's deposit from its basic account before the deadline.
async fn pay_deposit_of_bidder1(app: &TestApp, section: &str) {
    let b1 = app.login("bidder1").await;
    let bank = app.login("bank").await;
    let (s, account) = app.deposit_account(&b1, section).await;
    assert!(s == 201 || s == 200, "{account}");
    let body = json!({
        "transaction_id": format!("T-{section}"),
        "account_no": account["account_no"],
        "payer_account_no": BIDDER1_BASIC,
        "payer_name": "大连第一建筑工程有限公司",
        "amount": "200000.00",
        "value_at": app.clock().now().to_rfc3339(),
    });
    let (s, v) = app.bank_transfer(&bank, &body).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("credited")), "{v}");
}

#[tokio::test]
async fn three_bids_both_suites_wrong_key_retry_and_the_opening_record() {
    let app = TestApp::spawn().await;
    let (project, section) =
        section_with(&app, "三家投标", &["bidder1", "bidder2", "bidder3"]).await;
    pay_deposit_of_bidder1(&app, &section).await;
    let names = ["bidder1", "bidder2", "bidder3"];
    let bids = [
        sealed(Suite::Aes256GcmSha256, "9876543.21", 11),
        sealed(Suite::Sm4GcmSm3, "9800000.00", 12),
        sealed(Suite::Aes256GcmSha256, "9912345.60", 13),
    ];
    let (tokens, orgs) = upload_all(&app, &section, &names, &bids).await;
    // A package without the ggzy-bid/1 header is refused at upload (nothing stored).
    let r = app
        .client
        .put(app.url(&format!("/api/v1/sections/{section}/bids/mine")))
        .bearer_auth(&tokens[0])
        .header("X-Bid-Digest", "ab".repeat(32))
        .body(vec![0u8; 64])
        .send()
        .await
        .unwrap();
    let (s, v) = into_parts(r).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "bid.package_format", "{v}");

    // Before the opening: no key, no record.
    let (s, v) = post_key(&app, &tokens[0], &section, &bids[0].key).await;
    assert_rule(s, &v, 409, "opening.not_open");

    let deadline = at(DEADLINE);
    app.clock().set(deadline);
    wait_state(&app, &project, "opening").await;
    let opened = app.events_of("projects.section.opened").await;
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0]["bid_count"], 3);
    assert_eq!(opened[0]["market"], "construction");
    let window_end = deadline + chrono::Duration::minutes(30);
    assert_eq!(
        at(opened[0]["decryption_deadline"].as_str().unwrap()),
        window_end
    );
    // Sessions do not survive the clock's jump to the deadline.
    let tokens = relogin(&app, &names).await;
    // Deposits fixed their status at the close; wait until this area has learnt it.
    app.drain_consumer("projects.opening_deposits").await;

    // A wrong key is refused with the rule named, and nothing changes.
    let mut wrong = bids[0].key.clone();
    wrong[0] ^= 1;
    let (s, v) = post_key(&app, &tokens[0], &section, &wrong).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["rule"], "opening.wrong_key", "{v}");
    assert_eq!(v["errors"][0]["field"], "key", "{v}");
    assert_eq!(
        decryption_of(&app, &section, &orgs[0]).await,
        ("sealed".to_string(), None)
    );
    // The SM4 key (16 bytes) is not an AES-256 key.
    let (s, v) = post_key(&app, &tokens[0], &section, &bids[1].key).await;
    assert_first_error(s, &v, 422, "opening.key_length");
    // Not base64.
    let (s, v) = app
        .post(
            Some(&tokens[0]),
            &format!("/api/v1/sections/{section}/bids/mine/key"),
            json!({"key": "%%%"}),
        )
        .await;
    assert_first_error(s, &v, 422, "opening.key_format");
    // The record is not there yet.
    let (s, v) = app
        .get(
            Some(&tokens[0]),
            &format!("/api/v1/sections/{section}/opening"),
        )
        .await;
    assert_rule(s, &v, 409, "opening.not_recorded");

    // The right key, retried within the window.
    let (s, v) = post_key(&app, &tokens[0], &section, &bids[0].key).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["decryption"], "decrypted");
    assert_eq!(v["price"], "9876543.21");
    assert_eq!(v["suite"], "AES-256-GCM+SHA-256");
    assert_eq!(v["opening_recorded"], false);
    assert_eq!(
        decryption_of(&app, &section, &orgs[0]).await,
        ("decrypted".to_string(), Some(987654321))
    );
    let (s, v) = post_key(&app, &tokens[0], &section, &bids[0].key).await;
    assert_rule(s, &v, 409, "opening.already_decrypted");
    // The SM4-GCM+SM3 package.
    let (s, v) = post_key(&app, &tokens[1], &section, &bids[1].key).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["price"].as_str(), v["suite"].as_str()),
        (Some("9800000.00"), Some("SM4-GCM+SM3"))
    );
    // The last bid at the window's last second: the record is produced at once.
    app.clock().set(window_end - chrono::Duration::seconds(1));
    let (s, v) = post_key(&app, &tokens[2], &section, &bids[2].key).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["opening_recorded"], true);
    assert_eq!(section_state(&app, &project).await, "evaluating");

    let recorded = app.events_of("projects.opening.recorded").await;
    assert_eq!(recorded.len(), 1);
    let ev = &recorded[0];
    assert_eq!(ev["section_id"], section.as_str());
    assert_eq!(ev["market"], "construction");
    assert_eq!(at(ev["opened_at"].as_str().unwrap()), deadline);
    // The decrypted plaintext is kept for evaluation; the key nowhere.
    for (i, bid) in bids.iter().enumerate() {
        let e = &ev["entries"][i];
        assert_eq!(e["org_id"], orgs[i].as_str(), "{ev}");
        assert_eq!(e["decryption"], "decrypted");
        assert!(e["uscc"].as_str().unwrap().len() == 18, "{e}");
        assert!(!e["org_name"].as_str().unwrap().is_empty(), "{e}");
        // Through the file store, so the test holds on the local directory and on S3 alike.
        let text = app
            .ctx
            .files
            .get_bytes(&format!("bids/{}.plain", e["bid_id"].as_str().unwrap()))
            .await
            .unwrap();
        assert_eq!(
            ev["entries"][i]["suite"]
                .as_str()
                .map(Suite::from_name)
                .unwrap()
                .unwrap()
                .digest_hex(&text),
            bid.digest
        );
    }
    let prices: Vec<&str> = ev["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["price"].as_str().unwrap())
        .collect();
    assert_eq!(prices, ["9876543.21", "9800000.00", "9912345.60"]);
    let deposits: Vec<&str> = ev["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["deposit"].as_str().unwrap())
        .collect();
    assert_eq!(deposits, ["valid", "missing", "missing"], "{ev}");
    // Three decrypted bids: the last count not flagged as below the minimum.
    assert_eq!(
        (
            ev["decrypted_bids"].as_i64(),
            ev["below_min_bids"].as_bool()
        ),
        (Some(3), Some(false)),
        "{ev}"
    );
    let keys = bids
        .iter()
        .map(|b| base64::engine::general_purpose::STANDARD.encode(&b.key))
        .collect::<Vec<_>>();
    let all = sqlx::query("SELECT payload FROM events")
        .fetch_all(app.ctx.db.pool())
        .await
        .unwrap();
    for r in &all {
        let p: String = r.get(0);
        assert!(
            keys.iter().all(|k| !p.contains(k.as_str())),
            "a key leaked into {p}"
        );
    }

    // The record: bidders of the section, the tenderer, staff, supervisor.
    for who in ["bidder2", "tenderer", "staff", "supervisor"] {
        let t = app.login(who).await;
        let (s, v) = app
            .get(Some(&t), &format!("/api/v1/sections/{section}/opening"))
            .await;
        assert_eq!(s, 200, "{who}: {v}");
        assert_eq!(v["entries"].as_array().unwrap().len(), 3);
        assert_eq!(v["entries"][0]["price"], "9876543.21");
        assert_eq!(v["entries"][0]["deposit"], "valid");
    }
    for who in ["agency", "expert1"] {
        let t = app.login(who).await;
        let (s, v) = app
            .get(Some(&t), &format!("/api/v1/sections/{section}/opening"))
            .await;
        assert_eq!(s, 403, "{who}: {v}");
    }
    app.stop().await;
}

/// A bidder of another section: a fourth bidder organization and user created by the admin.
async fn fourth_bidder(app: &TestApp) -> String {
    let uscc = ggzy_core::ident::Uscc::with_check("91210200MA0000099")
        .unwrap()
        .to_string();
    app.org_with_user(
        json!({"uscc": uscc, "name": "大连第四建设有限公司", "kind": "bidder",
               "legal_representative": "法人99", "basic_account_bank": "中国建设银行大连分行",
               "basic_account_no": "21050161000000000099", "region": "210200"}),
        "bidder4",
        "bidder",
    )
    .await
}

#[tokio::test]
async fn a_bid_not_decrypted_in_the_window_is_revoked_and_the_record_stays_in_its_section() {
    let app = TestApp::spawn().await;
    fourth_bidder(&app).await;
    let (project, section) =
        section_with(&app, "三家投标", &["bidder1", "bidder2", "bidder3"]).await;
    let (_, other) = section_with(&app, "另一项目", &["bidder4"]).await;
    let names = ["bidder1", "bidder2", "bidder3"];
    let bids = [
        sealed(Suite::Sm4GcmSm3, "500.00", 21),
        sealed(Suite::Aes256GcmSha256, "510.00", 22),
        sealed(Suite::Sm4GcmSm3, "520.00", 23),
    ];
    // bidder2 declares a digest that is not its plaintext's: its right key opens the package, but
    // the opening records a digest mismatch and no price.
    let mut bids = bids;
    bids[1].digest = Suite::Aes256GcmSha256.digest_hex(b"another plaintext");
    let (_, orgs) = upload_all(&app, &section, &names, &bids).await;
    let deadline = at(DEADLINE);
    app.clock().set(deadline);
    wait_state(&app, &project, "opening").await;
    let tokens = relogin(&app, &names).await;
    let b4 = app.login("bidder4").await;
    let window_end = deadline + chrono::Duration::minutes(30);
    // The same key twice at once (a double click): decrypted once, the other refused.
    let (r1, r2) = tokio::join!(
        post_key(&app, &tokens[0], &section, &bids[0].key),
        post_key(&app, &tokens[0], &section, &bids[0].key)
    );
    let mut statuses = [r1.0, r2.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{r1:?} {r2:?}");
    let refused = if r1.0 == 409 { &r1.1 } else { &r2.1 };
    assert_eq!(refused["rule"], "opening.already_decrypted", "{refused}");
    let (s, v) = post_key(&app, &tokens[1], &section, &bids[1].key).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["decryption"], "digest_mismatch");
    assert_eq!(v["price"], Value::Null);
    assert_eq!(v["opening_recorded"], false);
    assert_eq!(
        decryption_of(&app, &section, &orgs[1]).await,
        ("digest_mismatch".to_string(), None)
    );
    // The window's end second: refused, nothing changes.
    app.clock().set(window_end);
    let (s, v) = post_key(&app, &tokens[2], &section, &bids[2].key).await;
    assert_rule(s, &v, 409, "opening.window_closed");
    assert!(v["detail"].as_str().unwrap().contains("第三十一条"), "{v}");
    // The window timer revokes bidder3's bid and records the opening.
    wait_state(&app, &project, "evaluating").await;
    assert_eq!(
        decryption_of(&app, &section, &orgs[2]).await,
        ("revoked".to_string(), None)
    );
    let revoked = app.events_of("projects.bid.revoked").await;
    assert_eq!(revoked.len(), 1, "{revoked:?}");
    assert_eq!(revoked[0]["org_id"], orgs[2].as_str());
    assert_eq!(revoked[0]["reason"], "not_decrypted");

    let (s, rec) = app
        .get(
            Some(&tokens[2]),
            &format!("/api/v1/sections/{section}/opening"),
        )
        .await;
    assert_eq!(s, 200, "{rec}");
    let e = rec["entries"].as_array().unwrap();
    assert_eq!(e.len(), 3);
    assert_eq!(
        (e[0]["price"].as_str(), e[0]["decryption"].as_str()),
        (Some("500.00"), Some("decrypted"))
    );
    assert_eq!(
        (e[1]["price"].as_str(), e[1]["decryption"].as_str()),
        (None, Some("digest_mismatch"))
    );
    assert_eq!(e[2]["price"], Value::Null);
    assert_eq!(e[2]["decryption"], "not_decrypted");
    // One decrypted bid remains of three: flagged for the evaluation committee, which decides on the
    // lack of competition (评标委员会和评标方法暂行规定 第二十七条); the section still went to evaluating.
    assert_eq!(
        (
            rec["decrypted_bids"].as_i64(),
            rec["min_bids"].as_i64(),
            rec["below_min_bids"].as_bool()
        ),
        (Some(1), Some(3), Some(true)),
        "{rec}"
    );
    assert!(
        rec["below_min_bids_basis"]
            .as_str()
            .is_some_and(|b| b.contains("第二十七条")),
        "{rec}"
    );
    let (s, v) = post_key(&app, &tokens[2], &section, &bids[2].key).await;
    assert_rule(s, &v, 409, "opening.window_closed");

    // bidder4 registered for another section only: not shown this record.
    let (s, v) = app
        .get(Some(&b4), &format!("/api/v1/sections/{section}/opening"))
        .await;
    assert_eq!(s, 403, "{v}");
    // Its own section (no bids → failed) has no record.
    let (s, v) = app
        .get(Some(&b4), &format!("/api/v1/sections/{other}/opening"))
        .await;
    assert_rule(s, &v, 409, "opening.not_recorded");
    app.stop().await;
}

/// The bidder tool's upload and open-key (its own HTTP client) against the real server.
#[tokio::test]
async fn the_bidder_tool_seals_uploads_and_opens() {
    let app = TestApp::spawn().await;
    let (project, section) =
        section_with(&app, "工具投标", &["bidder1", "bidder2", "bidder3"]).await;
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("技术标.pdf");
    std::fs::write(&doc, vec![7u8; 200_000]).unwrap();
    let mut tokens = Vec::new();
    for (i, (b, suite)) in [
        ("bidder1", Suite::Sm4GcmSm3),
        ("bidder2", Suite::Aes256GcmSha256),
        ("bidder3", Suite::Sm4GcmSm3),
    ]
    .iter()
    .enumerate()
    {
        let t = app.login(b).await;
        let out = dir.path().join(format!("{b}.bid"));
        let kf = dir.path().join(format!("{b}.key"));
        let o = ggzy_projects::bidder::seal_files(
            *suite,
            &format!("{}.50", 1000 + i),
            std::slice::from_ref(&doc),
            &out,
            &kf,
        )
        .unwrap();
        let r = ggzy_projects::bidder::upload(&app.url(""), &t, &section, &o.digest, &out)
            .await
            .unwrap();
        assert_eq!(r.status, 201, "{}", r.body);
        let receipt: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(receipt["receipt"]["plaintext_digest"], o.digest.as_str());
        tokens.push((*b, kf));
    }
    app.clock().set(at(DEADLINE));
    wait_state(&app, &project, "opening").await;
    for (i, (b, kf)) in tokens.iter().enumerate() {
        let t = app.login(b).await;
        let r = ggzy_projects::bidder::open_key(&app.url(""), &t, &section, kf)
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["price"], format!("{}.50", 1000 + i));
    }
    wait_state(&app, &project, "evaluating").await;
    app.stop().await;
}

/// Issue 24, item 13: a stored bid file altered on the platform (here: one byte flipped in the file
/// store) made the bidder's right key answer "wrong key", and the bid ended revoked as the
/// bidder's fault. Now the stored ciphertext is checked against the receipt first: the bid is deemed
/// withdrawn for a platform fault (never revoked), an event alerts, and the other bids open
/// normally; decrypted files are owner-only.
#[tokio::test]
async fn a_tampered_stored_bid_is_a_platform_fault_not_the_bidders() {
    let app = TestApp::spawn().await;
    let (project, section) =
        section_with(&app, "篡改存储", &["bidder1", "bidder2", "bidder3"]).await;
    let names = ["bidder1", "bidder2", "bidder3"];
    let bids = [
        sealed(Suite::Aes256GcmSha256, "600.00", 31),
        sealed(Suite::Sm4GcmSm3, "610.00", 32),
        sealed(Suite::Aes256GcmSha256, "620.00", 33),
    ];
    let (_, orgs) = upload_all(&app, &section, &names, &bids).await;
    // Someone with access to the storage alters bidder1's stored package.
    let file: String = app
        .strings(
            "SELECT file_name FROM bids WHERE section_id = $1 AND org_id = $2",
            &[&section, &orgs[0]],
        )
        .await
        .remove(0);
    let mut altered = bids[0].ciphertext.clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    app.ctx
        .files
        .put_bytes(&format!("bids/{file}"), altered.into())
        .await
        .unwrap();

    app.clock().set(at(DEADLINE));
    wait_state(&app, &project, "opening").await;
    let tokens = relogin(&app, &names).await;
    let (s, v) = post_key(&app, &tokens[0], &section, &bids[0].key).await;
    assert_eq!(s, 200, "the right key is not called wrong: {v}");
    assert_eq!(v["decryption"], "withdrawn_platform_fault", "{v}");
    assert_eq!(v["price"], Value::Null);
    assert_eq!(
        decryption_of(&app, &section, &orgs[0]).await,
        ("withdrawn_platform_fault".to_string(), None)
    );
    let faults = app.events_of("projects.bid.storage_fault").await;
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert_eq!(faults[0]["org_id"], orgs[0].as_str());
    assert_eq!(
        faults[0]["receipt_ciphertext_sha256"],
        ggzy_projects::bids::sha256_hex(&bids[0].ciphertext).as_str()
    );
    // Final: the same key again is refused as already handled, nothing changes.
    let (s, v) = post_key(&app, &tokens[0], &section, &bids[0].key).await;
    assert_rule(s, &v, 409, "opening.already_decrypted");

    for i in 1..3 {
        let (s, v) = post_key(&app, &tokens[i], &section, &bids[i].key).await;
        assert_eq!(
            (s, v["decryption"].clone()),
            (200, json!("decrypted")),
            "{v}"
        );
    }
    wait_state(&app, &project, "evaluating").await;
    assert!(
        app.events_of("projects.bid.revoked").await.is_empty(),
        "a platform fault never revokes the bid"
    );
    let rec = app.events_of("projects.opening.recorded").await;
    let entries = rec[0]["entries"].as_array().unwrap();
    let e1 = entries
        .iter()
        .find(|e| e["org_id"] == orgs[0].as_str())
        .unwrap();
    assert_eq!(e1["decryption"], "withdrawn_platform_fault", "{e1}");

    // The decrypted packages kept for evaluation are readable by the server's user only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ids = app
            .strings(
                "SELECT id FROM bids WHERE section_id = $1 AND decryption = 'decrypted'",
                &[&section],
            )
            .await;
        assert_eq!(ids.len(), 2);
        for id in ids {
            let f = app
                .ctx
                .files
                .local_copy(&format!("bids/{id}.plain"))
                .await
                .unwrap();
            let mode = std::fs::metadata(f.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "bids/{id}.plain");
        }
    }
    app.stop().await;
}
