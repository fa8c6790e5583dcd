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

const DEADLINE: &str = "2026-03-22T09:30:00+08:00";
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

fn package(price: &str, seed: u8) -> Sealed {
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
    app.clock().set(deadline - chrono::Duration::seconds(1));
    let b2 = app.login("bidder2").await;
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
