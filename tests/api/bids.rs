//! Sealed bids (不见面开标): upload by a registered bidder with a signed receipt, idempotent retry,
//! replacement and withdrawal, the deadline to the second, and no plaintext price anywhere in the
//! database after uploads.

use base64::Engine as _;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use ggzy_api_tests::fixtures::{assert_rule, at, road_project};
use ggzy_api_tests::{into_parts, TestApp};
use ggzy_projects::package::{self, Sealed, Suite};
use serde_json::Value;
use sqlx::{Column, Row};

const DEADLINE: &str = "2026-03-23T09:30:00+08:00";
const PRICE: &str = "8765432.19";

/// A section open for bidding with bidder1 and bidder2 registered; returns the section id.
async fn bidding_section(app: &TestApp) -> String {
    app.bidding_section(
        road_project("大连市某道路改造工程", DEADLINE),
        &["bidder1", "bidder2"],
    )
    .await
    .section_id
}

pub(crate) fn package(price: &str, seed: u8) -> Sealed {
    // Alternate the suites: AES-256-GCM+SHA-256 for even seeds, SM4-GCM+SM3 for odd ones.
    let suite = if seed.is_multiple_of(2) {
        Suite::Aes256GcmSha256
    } else {
        Suite::Sm4GcmSm3
    };
    let plain = package::plaintext(suite, price, &[("商务标.pdf", b"%PDF-1.7 ...")]);
    package::seal(suite, &vec![seed; suite.key_len()], &[seed; 7], &plain).unwrap()
}

async fn put_bid(
    app: &TestApp,
    token: &str,
    section: &str,
    digest: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let r = app
        .client
        .put(app.url(&format!("/api/v1/sections/{section}/bids/mine")))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .header("X-Bid-Digest", digest)
        .header("X-Device-Fingerprint", "mac=00:11:22:33:44:55;disk=WD-123")
        .header("X-File-Creator", "bidder-tool 1.0")
        .body(body)
        .send()
        .await
        .expect("request");
    into_parts(r).await
}

async fn withdraw(app: &TestApp, token: &str, section: &str) -> reqwest::Response {
    app.client
        .delete(app.url(&format!("/api/v1/sections/{section}/bids/mine")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn verify(app: &TestApp, receipt: &Value) {
    let (s, keys) = app.get(None, "/api/keys").await;
    assert_eq!(s, 200, "{keys}");
    let key = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key_id"] == receipt["key_id"])
        .expect("receipt key published");
    let b64 = base64::engine::general_purpose::STANDARD;
    let pk: [u8; 32] = b64
        .decode(key["public_key"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let sig: [u8; 64] = b64
        .decode(receipt["signature"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let signed = receipt["signed"].as_str().unwrap();
    VerifyingKey::from_bytes(&pk)
        .unwrap()
        .verify(signed.as_bytes(), &Signature::from_bytes(&sig))
        .expect("receipt signature verifies");
    let body: Value = serde_json::from_str(signed).unwrap();
    assert_eq!(body, receipt["receipt"]);
    // A forged receipt does not verify.
    let forged = signed.replace("\"version\":1", "\"version\":2");
    assert!(VerifyingKey::from_bytes(&pk)
        .unwrap()
        .verify(forged.as_bytes(), &Signature::from_bytes(&sig))
        .is_err());
}

#[tokio::test]
async fn upload_receipt_replace_withdraw_and_deadline() {
    let app = TestApp::spawn().await;
    let section = bidding_section(&app).await;
    let b1 = app.login("bidder1").await;
    let b3 = app.login("bidder3").await;
    let p = package(PRICE, 1);

    // Not registered: refused before anything is stored.
    let (s, v) = put_bid(&app, &b3, &section, &p.digest, p.ciphertext.clone()).await;
    assert_rule(s, &v, 409, "bid.not_registered");
    // Digest header malformed.
    let (s, v) = put_bid(&app, &b1, &section, "xyz", p.ciphertext.clone()).await;
    assert_eq!(s, 422, "{v}");

    let (s, r1) = put_bid(&app, &b1, &section, &p.digest, p.ciphertext.clone()).await;
    assert_eq!(s, 201, "{r1}");
    let rc = &r1["receipt"];
    assert_eq!(rc["section_id"], section.as_str());
    assert_eq!(rc["plaintext_digest"], p.digest.as_str());
    assert_eq!(
        rc["ciphertext_sha256"],
        ggzy_projects::bids::sha256_hex(&p.ciphertext).as_str()
    );
    assert_eq!(rc["size"], p.ciphertext.len() as i64);
    assert_eq!(rc["version"], 1);
    verify(&app, &r1).await;

    // Idempotent retry: same receipt.
    let (s, again) = put_bid(&app, &b1, &section, &p.digest, p.ciphertext.clone()).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again, r1);

    // Replace: a new version; the old one is kept as superseded.
    let p2 = package("8765000.00", 2);
    let (s, r2) = put_bid(&app, &b1, &section, &p2.digest, p2.ciphertext.clone()).await;
    assert_eq!(s, 201, "{r2}");
    assert_eq!(r2["receipt"]["version"], 2);
    let rows = sqlx::query("SELECT status FROM bids ORDER BY version")
        .fetch_all(app.ctx.db.pool())
        .await
        .unwrap();
    let statuses: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(statuses, ["superseded", "current"]);

    // Withdraw, then bid again.
    let r = withdraw(&app, &b1, &section).await;
    assert_eq!(r.status(), 204);
    let (s, r3) = put_bid(&app, &b1, &section, &p.digest, p.ciphertext.clone()).await;
    assert_eq!(
        (s, r3["receipt"]["version"].as_i64()),
        (201, Some(3)),
        "{r3}"
    );

    // Last second before the deadline accepted; at the deadline refused and nothing changes.
    let deadline = at(DEADLINE);
    // Sign in before moving to the last second: the test clock runs on from where it is set, and
    // a sign-in can take seconds on a busy machine.
    app.clock().set(deadline - chrono::Duration::hours(1));
    let b2 = app.login("bidder2").await;
    app.clock().set(deadline - chrono::Duration::seconds(1));
    let p3 = package("1000.00", 3);
    let (s, v) = put_bid(&app, &b2, &section, &p3.digest, p3.ciphertext.clone()).await;
    assert_eq!(s, 201, "{v}");
    app.clock().set(deadline);
    let p4 = package("999.00", 4);
    let (s, v) = put_bid(&app, &b2, &section, &p4.digest, p4.ciphertext.clone()).await;
    assert_rule(s, &v, 409, "bid.after_deadline");
    app.clock().set(deadline + chrono::Duration::seconds(1));
    let (s, v) = put_bid(&app, &b2, &section, &p4.digest, p4.ciphertext.clone()).await;
    assert_rule(s, &v, 409, "bid.after_deadline");
    let r = withdraw(&app, &b2, &section).await;
    assert_eq!(r.status(), 409);
    let n = app.scalar_i64("SELECT COUNT(*) FROM bids").await;
    assert_eq!(n, 4);
    app.stop().await;
}

#[tokio::test]
async fn oversized_package_refused_with_413() {
    let app = TestApp::spawn().await;
    let section = bidding_section(&app).await;
    let b1 = app.login("bidder1").await;
    // One byte over the default 50 MiB limit.
    let body = vec![0u8; (ggzy_projects::bids::DEFAULT_MAX_BID_BYTES + 1) as usize];
    let r = app
        .client
        .put(app.url(&format!("/api/v1/sections/{section}/bids/mine")))
        .bearer_auth(&b1)
        .header("X-Bid-Digest", "00".repeat(32))
        .body(body)
        .send()
        .await;
    // The server answers 413 as soon as the limit is crossed; the client may instead see the
    // connection closed while it is still sending.
    if let Ok(r) = r {
        let (s, v) = into_parts(r).await;
        assert_eq!(s, 413, "{v}");
        assert_eq!(v["status"], 413, "problem+json: {v}");
    }
    let n = app.scalar_i64("SELECT COUNT(*) FROM bids").await;
    assert_eq!(n, 0);
    app.stop().await;
}

/// Every column of every table, read through the catalog, holds no plaintext price.
#[tokio::test]
async fn no_plaintext_price_in_the_database() {
    let app = TestApp::spawn().await;
    let section = bidding_section(&app).await;
    for (i, b) in ["bidder1", "bidder2"].iter().enumerate() {
        let t = app.login(b).await;
        let p = package(PRICE, 10 + i as u8);
        let (s, v) = put_bid(&app, &t, &section, &p.digest, p.ciphertext).await;
        assert_eq!(s, 201, "{v}");
    }
    app.seal().await;
    let pool = app.ctx.db.pool();
    let postgres = std::env::var("GGZY_TEST_DATABASE_URL").is_ok();
    let tables = if postgres {
        app.strings(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            &[],
        )
        .await
    } else {
        app.strings("SELECT name FROM sqlite_master WHERE type = 'table'", &[])
            .await
    };
    assert!(tables.iter().any(|t| t == "bids"), "{tables:?}");
    let mut cells = 0;
    for t in &tables {
        // Cast every column to text so the Any driver can decode it.
        let cols = if postgres {
            app.strings(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
                &[t],
            )
            .await
        } else {
            app.strings(&format!("SELECT name FROM pragma_table_info('{t}')"), &[])
                .await
        };
        if cols.is_empty() {
            continue;
        }
        let select = cols
            .iter()
            .map(|c| {
                format!(
                    "CAST(\"{c}\" AS {})",
                    if postgres { "TEXT" } else { "BLOB" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!("SELECT {select} FROM \"{t}\""))
            .fetch_all(pool)
            .await
            .unwrap();
        for r in &rows {
            for (i, c) in r.columns().iter().enumerate() {
                let v: Option<String> = if postgres {
                    r.try_get(i).unwrap()
                } else {
                    let b: Option<Vec<u8>> = r.try_get(i).unwrap();
                    b.map(|b| String::from_utf8_lossy(&b).into_owned())
                };
                cells += 1;
                if let Some(v) = v {
                    assert!(
                        !v.contains(PRICE) && !v.contains("8765432"),
                        "plaintext price in {t}.{}",
                        c.name()
                    );
                }
            }
        }
    }
    assert!(cells > 100, "read {cells} cells");
    app.stop().await;
}

/// The package names its suite (docs/bid-package.md): both suites are accepted and recorded; no
/// header or an unknown suite is refused and nothing is stored.
#[tokio::test]
async fn a_package_must_name_a_known_suite() {
    let app = TestApp::spawn().await;
    let section = bidding_section(&app).await;
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    let aes = package(PRICE, 20);
    let sm4 = package(PRICE, 21);
    assert!(aes
        .ciphertext
        .starts_with(b"GGZYBID1\x13AES-256-GCM+SHA-256"));
    assert!(sm4.ciphertext.starts_with(b"GGZYBID1\x0bSM4-GCM+SM3"));
    let mut unknown = b"GGZYBID1\x0bDES-CBC+MD5".to_vec();
    unknown.extend_from_slice(&aes.ciphertext[28..]);
    for body in [vec![0u8; 100], unknown] {
        let (s, v) = put_bid(&app, &b1, &section, &aes.digest, body).await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["errors"][0]["rule"], "bid.package_format", "{v}");
        assert_eq!(v["errors"][0]["field"], "body", "{v}");
    }
    let n = app.scalar_i64("SELECT COUNT(*) FROM bids").await;
    assert_eq!(n, 0);
    let (s, v) = put_bid(&app, &b1, &section, &aes.digest, aes.ciphertext.clone()).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = put_bid(&app, &b2, &section, &sm4.digest, sm4.ciphertext.clone()).await;
    assert_eq!(s, 201, "{v}");
    let suites = app
        .strings("SELECT suite FROM bids ORDER BY received_at, id", &[])
        .await;
    assert_eq!(suites.len(), 2);
    assert!(
        suites.contains(&"AES-256-GCM+SHA-256".to_string()),
        "{suites:?}"
    );
    assert!(suites.contains(&"SM4-GCM+SM3".to_string()), "{suites:?}");
    app.stop().await;
}

/// `GET …/bids/mine` and `…/bids/mine/receipts`: a bidder reads back its own bid and every receipt
/// (issue 24, integrity under faults: a lost upload answer must not leave it guessing); nobody
/// else's bid is ever shown.
#[tokio::test]
async fn a_bidder_reads_back_its_current_bid_and_every_receipt() {
    let app = TestApp::spawn().await;
    let section = bidding_section(&app).await;
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    let mine = format!("/api/v1/sections/{section}/bids/mine");
    let receipts = format!("/api/v1/sections/{section}/bids/mine/receipts");

    // Nothing uploaded yet: 404 and an empty history.
    let (s, v) = app.get(Some(&b1), &mine).await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = app.get(Some(&b1), &receipts).await;
    assert_eq!((s, v.clone()), (200, serde_json::json!([])), "{v}");

    let p = package(PRICE, 1);
    let (s, r1) = put_bid(&app, &b1, &section, &p.digest, p.ciphertext.clone()).await;
    assert_eq!(s, 201, "{r1}");
    let (s, v) = app.get(Some(&b1), &mine).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "current");
    assert_eq!(v["decryption"], "sealed");
    assert_eq!(v["version"], 1);
    assert_eq!(v["receipt"], r1, "the receipt is the one signed at upload");
    verify(&app, &v["receipt"]).await;

    let p2 = package("8765000.00", 2);
    let (s, r2) = put_bid(&app, &b1, &section, &p2.digest, p2.ciphertext.clone()).await;
    assert_eq!(s, 201, "{r2}");
    let (_, v) = app.get(Some(&b1), &mine).await;
    assert_eq!(
        (v["version"].clone(), v["receipt"].clone()),
        (2.into(), r2.clone())
    );

    // Withdrawn: the answer says so instead of 404.
    assert_eq!(withdraw(&app, &b1, &section).await.status(), 204);
    let (s, v) = app.get(Some(&b1), &mine).await;
    assert_eq!(
        (s, v["status"].clone(), v["version"].clone()),
        (200, "withdrawn".into(), 2.into()),
        "{v}"
    );

    let (s, v) = app.get(Some(&b1), &receipts).await;
    assert_eq!(s, 200, "{v}");
    let list = v.as_array().unwrap();
    let seen: Vec<(i64, &str)> = list
        .iter()
        .map(|b| {
            (
                b["version"].as_i64().unwrap(),
                b["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen, [(1, "superseded"), (2, "withdrawn")]);
    assert_eq!(list[0]["receipt"], r1);
    assert_eq!(list[1]["receipt"], r2);

    // Another bidder sees only its own (none), never bidder1's.
    let (s, v) = app.get(Some(&b2), &mine).await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = app.get(Some(&b2), &receipts).await;
    assert_eq!((s, v.clone()), (200, serde_json::json!([])), "{v}");
    // Other roles are refused; an unknown section is 404.
    let staff = app.login("staff").await;
    let (s, v) = app.get(Some(&staff), &mine).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app
        .get(
            Some(&b1),
            "/api/v1/sections/no-such-section/bids/mine/receipts",
        )
        .await;
    assert_eq!(s, 404, "{v}");
    app.stop().await;
}

/// Integrity under faults (issue 24): an upload sent with an `Idempotency-Key` committed, and the
/// instance died before the answer reached the bidder (here: the middleware's steps run by hand, up
/// to the handler's commit, and never completed). The retry with the same key replays the signed
/// receipt instead of `409 idempotency.answer_lost`, and the bid is stored once.
#[tokio::test]
async fn a_keyed_upload_whose_answer_was_lost_is_replayed_on_retry() {
    use ggzy_store::idempotency;
    use sha2::Digest;
    let app = TestApp::spawn().await;
    let section = bidding_section(&app).await;
    let b1 = app.login("bidder1").await;
    let actor = ggzy_identity::service::authenticate(&app.ctx, &b1)
        .await
        .unwrap();
    let p = package(PRICE, 1);
    let path = format!("/api/v1/sections/{section}/bids/mine");
    let hash = {
        let mut h = sha2::Sha256::new();
        h.update(format!("PUT\n{path}\n").as_bytes());
        h.update(&p.ciphertext);
        hex::encode(h.finalize())
    };
    let principal = format!("user:{}", actor.user_id);
    let now = app.ctx.clock.now();
    let b = idempotency::begin(
        &app.ctx.db,
        &principal,
        "upload-1",
        "PUT",
        &path,
        &hash,
        now,
    )
    .await
    .unwrap();
    assert!(matches!(b, idempotency::Begin::Proceed));
    let body = futures::stream::iter(vec![Ok::<_, std::io::Error>(axum::body::Bytes::from(
        p.ciphertext.clone(),
    ))]);
    let meta = ggzy_projects::bids::UploadMeta {
        plaintext_digest: p.digest.clone(),
        ip: "127.0.0.1".into(),
        ..Default::default()
    };
    let first = idempotency::scope(
        principal.clone(),
        "upload-1".into(),
        ggzy_projects::bids::upload(&app.ctx, &actor, &section, meta, body, 1 << 20),
    )
    .await
    .unwrap();
    let ggzy_projects::bids::Uploaded::Created(receipt) = first else {
        panic!("first upload creates")
    };
    // … the instance dies here: the answer is never delivered nor completed by the middleware.

    let r = app
        .client
        .put(app.url(&path))
        .bearer_auth(&b1)
        .header("content-type", "application/octet-stream")
        .header("Idempotency-Key", "upload-1")
        .header("X-Bid-Digest", &p.digest)
        .body(p.ciphertext.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let (s, v) = into_parts(r).await;
    assert_eq!(s, 201, "the stored answer is replayed: {v}");
    assert_eq!(v, serde_json::to_value(&receipt).unwrap());
    verify(&app, &v).await;
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM bids").await, 1);

    // A keyed withdrawal that lost its answer is replayed too (204), and the read-back agrees.
    let wpath = path.clone();
    let whash = {
        let mut h = sha2::Sha256::new();
        h.update(format!("DELETE\n{wpath}\n").as_bytes());
        hex::encode(h.finalize())
    };
    idempotency::begin(
        &app.ctx.db,
        &principal,
        "withdraw-1",
        "DELETE",
        &wpath,
        &whash,
        now,
    )
    .await
    .unwrap();
    idempotency::scope(
        principal.clone(),
        "withdraw-1".into(),
        ggzy_projects::bids::withdraw(&app.ctx, &actor, &section),
    )
    .await
    .unwrap();
    let r = app
        .client
        .delete(app.url(&wpath))
        .bearer_auth(&b1)
        .header("Idempotency-Key", "withdraw-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (s, v) = app.get(Some(&b1), &path).await;
    assert_eq!((s, v["status"].clone()), (200, "withdrawn".into()), "{v}");
    app.stop().await;
}

/// Issue 24, item 2: with no documents, `X-Bid-Digest` was a hash over a tiny manifest, readable by
/// admin and supervisors before the deadline, and brute force recovered the price. Now the
/// manifest carries 32 random bytes (two packages of the same price have unrelated digests), and
/// the digest appears nowhere but in the bidder's own receipt: not in the event feed, the audit
/// search, nor any event payload.
#[tokio::test]
async fn the_bid_digest_is_salted_and_shown_to_nobody_but_the_bidder() {
    let app = TestApp::spawn().await;
    let section = bidding_section(&app).await;
    let b1 = app.login("bidder1").await;
    // The attack's package: no documents at all.
    let suite = Suite::Aes256GcmSha256;
    let seal = |seed: u8| {
        let plain = package::plaintext(suite, PRICE, &[]);
        package::seal(suite, &[seed; 32], &[seed; 7], &plain).unwrap()
    };
    let (p, q) = (seal(5), seal(5));
    assert_ne!(
        p.digest, q.digest,
        "same price, same key: different digests (salt)"
    );
    // The unsalted manifest of the attack (the old format) does not give this digest.
    let old = {
        let json = format!(
            r#"{{"format":"ggzy-bid/1","price":"{PRICE}","currency":"CNY","documents":[]}}"#
        );
        let mut v = (json.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(json.as_bytes());
        suite.digest_hex(&v)
    };
    assert_ne!(p.digest, old);
    let (s, r) = put_bid(&app, &b1, &section, &p.digest, p.ciphertext.clone()).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(
        r["receipt"]["plaintext_digest"],
        p.digest.as_str(),
        "the bidder's own receipt has it"
    );

    app.sealed_head().await;
    let submitted = app.events_of("projects.bid.submitted").await;
    assert_eq!(submitted.len(), 1);
    assert!(
        submitted[0].get("plaintext_digest").is_none(),
        "{}",
        submitted[0]
    );
    for who in ["admin", "supervisor"] {
        let t = app.login(who).await;
        for path in [
            "/api/events?limit=1000".to_string(),
            format!("/api/v1/audit/events?q={}", p.digest),
            format!("/api/v1/audit/events?aggregate_id={section}&limit=1000"),
        ] {
            let (s, v) = app.get(Some(&t), &path).await;
            assert_eq!(s, 200, "{who} {path}: {v}");
            assert!(
                !v.to_string().contains(&p.digest),
                "{who} must not see the digest at {path}"
            );
        }
    }
    app.stop().await;
}

/// Issue 24 (low): the receipt signing key sat in plain text in the database. Receipts are now
/// signed with the key the server was given (file or environment); the database holds only public
/// halves, and without a key no bid is received.
#[tokio::test]
async fn receipts_are_signed_with_the_configured_key_which_the_database_never_holds() {
    let key = ggzy_store::note::LogSigner::generate("ggzy-receipts").unwrap();
    let configured = key.clone();
    let app = TestApp::spawn_with(ggzy_api_tests::default_start(), move |s| {
        s.receipt_signer = Some(configured)
    })
    .await;
    let section = bidding_section(&app).await;
    let b1 = app.login("bidder1").await;
    let p = package(PRICE, 1);
    let (s, r1) = put_bid(&app, &b1, &section, &p.digest, p.ciphertext.clone()).await;
    assert_eq!(s, 201, "{r1}");
    assert_eq!(
        r1["key_id"],
        ggzy_projects::bids::receipt_key_id(&key).as_str()
    );
    verify(&app, &r1).await;
    let (_, keys) = app.get(None, "/api/keys").await;
    let published = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key_id"] == r1["key_id"])
        .unwrap();
    assert_eq!(published["current"], true);
    assert_eq!(
        published["public_key"],
        base64::engine::general_purpose::STANDARD.encode(key.public_key())
    );
    assert_eq!(
        app.scalar_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM server_keys WHERE secret_key <> ''")
            .await,
        0
    );
    app.stop().await;

    // No key: uploads answer 503 and nothing is stored.
    let app =
        TestApp::spawn_with(ggzy_api_tests::default_start(), |s| s.receipt_signer = None).await;
    let section = bidding_section(&app).await;
    let b1 = app.login("bidder1").await;
    let (s, v) = put_bid(&app, &b1, &section, &p.digest, p.ciphertext.clone()).await;
    assert_eq!(s, 503, "{v}");
    assert_eq!(
        app.scalar_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM bids")
            .await,
        0
    );
    let (_, h) = app.get(None, "/healthz").await;
    assert!(
        h["bid_receipts"].as_str().unwrap().starts_with("disabled"),
        "{h}"
    );
    app.stop().await;
}
