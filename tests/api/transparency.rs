//! The transparency log (docs/transparency-log.md): signed checkpoints published once across
//! instances, inclusion and consistency proofs anybody can check, and `ggzy audit verify
//! --checkpoint` detecting the three rewrites of issue 24 item 5 — an edited and re-chained event,
//! a cut tail, an injected back-dated event — which the hash chain alone cannot see.

use ggzy::cli::{audit, AuditCmd, DbArgs};
use ggzy_api_tests::fixtures::assert_first_error;
use ggzy_api_tests::TestApp;
use ggzy_core::events::{chain_hash, Event, GENESIS_HASH};
use ggzy_store::merkle::{self, Hash};
use ggzy_store::note::{self, NoteVerifier};
use ggzy_store::{cron, outbox, tlog};
use serde_json::json;

fn unhex(s: &str) -> Hash {
    hex::decode(s).unwrap().try_into().unwrap()
}

fn hashes(v: &serde_json::Value) -> Vec<Hash> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| unhex(h.as_str().unwrap()))
        .collect()
}

/// Publish a checkpoint through the cron job (as the server does); true when this call ran it.
async fn fire_checkpoint(app: &TestApp) -> bool {
    let job = ggzy::background::checkpoint_cron(&app.ctx).expect("a log key is configured");
    cron::fire(&app.ctx.db, app.clock(), "test", &job)
        .await
        .expect("checkpoint job")
}

/// The signed checkpoint and the verifier key, as a third party saves them from the public API.
async fn save_checkpoint(app: &TestApp) -> (String, String) {
    app.seal().await;
    app.clock().advance(chrono::Duration::minutes(3));
    assert!(fire_checkpoint(app).await);
    let r = app
        .client
        .get(app.url("/api/v1/audit/checkpoint"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(ggzy_api_tests::content_type(&r).starts_with("text/plain"));
    let note = r.text().await.unwrap();
    let (s, key) = app.get(None, "/api/v1/audit/log-key").await;
    assert_eq!(s, 200, "{key}");
    (note, key["verifier_key"].as_str().unwrap().to_string())
}

/// `ggzy audit verify --checkpoint FILE --key FILE` against the test database; its exit code.
async fn cli_verify(app: &TestApp, note: &str, verifier: &str) -> i32 {
    let dir = tempfile::tempdir().unwrap();
    let (cp, key) = (dir.path().join("checkpoint"), dir.path().join("key"));
    std::fs::write(&cp, note).unwrap();
    std::fs::write(&key, verifier).unwrap();
    audit(
        &DbArgs {
            database_url: app.db.as_ref().unwrap().url.clone(),
            db_max_connections: Some(2),
            sqlite_cache_kib: 2000,
            sqlite_heap_limit_mib: 0,
            sqlite_group_commit: true,
        },
        AuditCmd::Verify {
            checkpoint: Some(cp),
            key: Some(key),
            log_key: Default::default(),
        },
    )
    .await
    .expect("audit verify runs")
}

async fn check(app: &TestApp, note: &str, verifier: &str) -> tlog::LogCheck {
    tlog::verify_against(&app.ctx.db, note, &NoteVerifier::parse(verifier).unwrap())
        .await
        .unwrap()
}

async fn all_events(app: &TestApp) -> Vec<Event> {
    outbox::read_after(app.ctx.db.pool(), 0, 100_000)
        .await
        .unwrap()
}

/// What an attacker with write access to the database does after changing rows: recompute the
/// whole hash chain and the Merkle tree, so that the old `audit verify` (chain only) passes.
async fn rechain_everything(app: &TestApp) {
    let db = app.ctx.db.pool_for_write();
    let mut prev = GENESIS_HASH.to_string();
    let events = all_events(app).await;
    for ev in &events {
        let hash = chain_hash(&prev, &tlog::event_bytes(ev));
        sqlx::query("UPDATE events SET prev_hash = $1, hash = $2 WHERE id = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(&ev.id)
            .execute(db)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE event_chain SET last_seq = $1, last_hash = $2, tree_size = 0 WHERE id = 1")
        .bind(events.last().map(|e| e.seq).unwrap_or(0))
        .bind(&prev)
        .execute(db)
        .await
        .unwrap();
    sqlx::query("DELETE FROM merkle_nodes")
        .execute(db)
        .await
        .unwrap();
    // The sealer rebuilds the tree from the (forged) events.
    app.seal().await;
    let v = outbox::verify_chain(&app.ctx.db).await.unwrap();
    assert_eq!(
        v.broken_at, None,
        "the forged chain passes the chain check: {v:?}"
    );
}

#[tokio::test]
async fn checkpoints_are_signed_published_once_and_proofs_verify() {
    let app = TestApp::spawn().await;
    let (note1, vkey) = save_checkpoint(&app).await;
    // A second firing of the same tick (another instance) does nothing.
    assert!(!fire_checkpoint(&app).await);
    let verifier = NoteVerifier::parse(&vkey).unwrap();
    let cp1 = note::open_checkpoint(&note1, &verifier).expect("signature verifies");
    assert_eq!(cp1.origin, app.ctx.settings.log_origin());
    assert_eq!(cp1.origin, "127.0.0.1:8080/ggzy");
    assert_eq!(cp1.size, app.sealed_head().await as u64);
    // A checkpoint is not re-published while the log did not grow.
    app.clock().advance(chrono::Duration::minutes(2));
    assert!(fire_checkpoint(&app).await);
    assert_eq!(
        tlog::checkpoints(&app.ctx.db, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // The log grows; the next checkpoint extends the first one.
    for i in 0..7 {
        app.emit("test.grown", "t", &format!("g{i}"), json!({"i": i}))
            .await;
    }
    let (note2, _) = save_checkpoint(&app).await;
    let cp2 = note::open_checkpoint(&note2, &verifier).unwrap();
    assert_eq!(cp2.size, cp1.size + 7);
    let (s, p) = app
        .get(
            None,
            &format!(
                "/api/v1/audit/proof/consistency?old={}&new={}",
                cp1.size, cp2.size
            ),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let proof = hashes(&p["proof"]);
    assert!(merkle::verify_consistency(
        cp1.size, cp2.size, &cp1.root, &cp2.root, &proof
    ));
    // The proof does not make a different old root consistent.
    let mut other = cp1.root;
    other[0] ^= 1;
    assert!(!merkle::verify_consistency(
        cp1.size, cp2.size, &other, &cp2.root, &proof
    ));

    // Inclusion of every event of the first checkpoint, from the event's own content.
    let events = all_events(&app).await;
    for ev in events.iter().take(cp1.size as usize) {
        let (s, p) = app
            .get(
                None,
                &format!(
                    "/api/v1/audit/proof/inclusion?seq={}&tree_size={}",
                    ev.seq, cp1.size
                ),
            )
            .await;
        assert_eq!(s, 200, "{p}");
        let leaf = merkle::leaf_hash(&tlog::event_bytes(ev));
        assert_eq!(p["leaf_hash"], hex::encode(leaf));
        assert!(merkle::verify_inclusion(
            ev.seq as u64 - 1,
            cp1.size,
            &leaf,
            &hashes(&p["proof"]),
            &cp1.root
        ));
    }
    // History and RSS (absolute links from settings.public_url).
    let (s, list) = app.get(None, "/api/v1/audit/checkpoints").await;
    assert_eq!(s, 200);
    // The background cron (which follows the clock) may have signed one in between.
    assert!(list.as_array().unwrap().len() >= 2, "{list}");
    assert_eq!(list[0]["tree_size"], cp2.size);
    assert_eq!(list[0]["note"], note2);
    let rss = app
        .client
        .get(app.url("/audit/checkpoints.rss"))
        .send()
        .await
        .unwrap();
    assert!(ggzy_api_tests::content_type(&rss).starts_with("application/rss+xml"));
    let rss = rss.text().await.unwrap();
    assert!(
        rss.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss"),
        "{rss}"
    );
    assert!(rss.contains("<description><![CDATA[<pre>"), "{rss}");
    assert!(
        rss.contains("<link>http://127.0.0.1:8080/api/v1/audit/checkpoint</link>"),
        "{rss}"
    );
    assert!(rss.contains(&format!("tree size {}", cp2.size)), "{rss}");
    assert_eq!(cli_verify(&app, &note1, &vkey).await, 0);
    assert_eq!(cli_verify(&app, &note2, &vkey).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn proof_requests_out_of_range_are_refused_with_rules() {
    let app = TestApp::spawn().await;
    app.seal().await;
    let size = tlog::tree_size(&app.ctx.db).await.unwrap();
    let (s, v) = app.get(None, "/api/v1/audit/proof/inclusion?seq=0").await;
    assert_first_error(s, &v, 422, "audit.seq_out_of_range");
    let (s, v) = app
        .get(
            None,
            &format!("/api/v1/audit/proof/inclusion?seq=1&tree_size={}", size + 1),
        )
        .await;
    assert_first_error(s, &v, 422, "audit.tree_size_out_of_range");
    let (s, v) = app
        .get(
            None,
            &format!("/api/v1/audit/proof/inclusion?seq={}&tree_size=2", 3),
        )
        .await;
    assert_first_error(s, &v, 422, "audit.seq_out_of_range");
    let (s, v) = app
        .get(None, "/api/v1/audit/proof/consistency?old=3&new=2")
        .await;
    assert_first_error(s, &v, 422, "audit.old_after_new");
    let (s, v) = app
        .get(
            None,
            &format!("/api/v1/audit/proof/consistency?old=1&new={}", size + 1),
        )
        .await;
    assert_first_error(s, &v, 422, "audit.tree_size_out_of_range");
    let (s, _) = app.get(None, "/api/v1/audit/proof/inclusion?seq=abc").await;
    assert_eq!(s, 400);
    // The last allowed: the newest event in the current tree.
    let (s, v) = app
        .get(None, &format!("/api/v1/audit/proof/inclusion?seq={size}"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["tree_size"], size);
    app.stop().await;
}

#[tokio::test]
async fn an_edited_and_rechained_event_is_detected_against_a_saved_checkpoint() {
    let app = TestApp::spawn().await;
    let (note, vkey) = save_checkpoint(&app).await;
    sqlx::query("UPDATE events SET payload = $1 WHERE seq = 3")
        .bind(json!({"forged": true}).to_string())
        .execute(app.ctx.db.pool_for_write())
        .await
        .unwrap();
    rechain_everything(&app).await;
    let c = check(&app, &note, &vkey).await;
    assert!(!c.ok);
    assert!(c.problem.unwrap().contains("history was rewritten"));
    assert_eq!(cli_verify(&app, &note, &vkey).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_cut_tail_is_detected_against_a_saved_checkpoint() {
    let app = TestApp::spawn().await;
    let (note, vkey) = save_checkpoint(&app).await;
    let head = app.sealed_head().await;
    sqlx::query("DELETE FROM events WHERE seq > $1")
        .bind(head - 3)
        .execute(app.ctx.db.pool_for_write())
        .await
        .unwrap();
    rechain_everything(&app).await;
    let c = check(&app, &note, &vkey).await;
    assert!(!c.ok);
    assert_eq!(c.log_size, head as u64 - 3);
    assert!(c.problem.unwrap().contains("entries were removed"));
    assert_eq!(cli_verify(&app, &note, &vkey).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn an_injected_backdated_event_is_detected_against_a_saved_checkpoint() {
    let app = TestApp::spawn().await;
    let (note, vkey) = save_checkpoint(&app).await;
    // Honest growth after the checkpoint still verifies.
    app.emit("test.after", "t", "a1", json!({})).await;
    app.seal().await;
    assert!(check(&app, &note, &vkey).await.ok);
    // Make room at seq 2 and insert an event dated before the first one.
    let db = app.ctx.db.pool_for_write();
    sqlx::query("UPDATE events SET seq = seq + 1000000 WHERE seq >= 2")
        .execute(db)
        .await
        .unwrap();
    sqlx::query("UPDATE events SET seq = seq - 999999 WHERE seq >= 1000000")
        .execute(db)
        .await
        .unwrap();
    let first = &all_events(&app).await[0];
    sqlx::query(
        "INSERT INTO events (id, event_type, aggregate_type, aggregate_id, actor, actor_org, occurred_at, payload, seq) \
         VALUES ('backdated', 'projects.bid.submitted', 'section', 's1', 'u1', NULL, $1, '{}', 2)",
    )
    .bind(ggzy_core::time::to_micros(first.occurred_at) - 1_000_000)
    .execute(db)
    .await
    .unwrap();
    rechain_everything(&app).await;
    let c = check(&app, &note, &vkey).await;
    assert!(!c.ok);
    assert!(c.problem.unwrap().contains("history was rewritten"));
    assert_eq!(cli_verify(&app, &note, &vkey).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_forged_or_foreign_checkpoint_is_refused() {
    let app = TestApp::spawn().await;
    let (note, vkey) = save_checkpoint(&app).await;
    let size = tlog::tree_size(&app.ctx.db).await.unwrap();
    // The size line changed: the signature no longer verifies.
    let forged = note.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size - 1), 1);
    let c = check(&app, &forged, &vkey).await;
    assert!(!c.ok && c.problem.unwrap().contains("signature"));
    // Signed by another key.
    let other = ggzy_store::note::LogSigner::generate("127.0.0.1:8080/ggzy").unwrap();
    assert!(!check(&app, &note, &other.verifier_key()).await.ok);
    assert_eq!(cli_verify(&app, &forged, &vkey).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn the_tree_is_backfilled_for_events_sealed_before_it_existed() {
    let app = TestApp::spawn().await;
    app.seal().await;
    let size = tlog::tree_size(&app.ctx.db).await.unwrap();
    let root = tlog::root_at(&app.ctx.db, size).await.unwrap();
    let leaves: Vec<Hash> = all_events(&app)
        .await
        .iter()
        .map(|e| merkle::leaf_hash(&tlog::event_bytes(e)))
        .collect();
    assert_eq!(root, merkle::root_of(&leaves));
    // As a database migrated from before 0045: sealed events, no tree.
    sqlx::query("DELETE FROM merkle_nodes")
        .execute(app.ctx.db.pool_for_write())
        .await
        .unwrap();
    sqlx::query("UPDATE event_chain SET tree_size = 0")
        .execute(app.ctx.db.pool_for_write())
        .await
        .unwrap();
    app.emit("test.later", "t", "x", json!({})).await;
    app.seal().await;
    assert_eq!(tlog::tree_size(&app.ctx.db).await.unwrap(), size + 1);
    assert_eq!(tlog::root_at(&app.ctx.db, size).await.unwrap(), root);
    app.stop().await;
}

#[tokio::test]
async fn without_a_log_key_nothing_is_published_and_healthz_says_so() {
    let app = TestApp::spawn_with(ggzy_api_tests::default_start(), |s| s.log_signer = None).await;
    let (s, h) = app.get(None, "/healthz").await;
    assert_eq!(s, 200);
    assert!(
        h["log_checkpoints"]
            .as_str()
            .unwrap()
            .starts_with("disabled"),
        "{h}"
    );
    assert!(ggzy::background::checkpoint_cron(&app.ctx).is_none());
    let (s, _) = app.get(None, "/api/v1/audit/log-key").await;
    assert_eq!(s, 503);
    let (s, _) = app.get(None, "/api/v1/audit/checkpoint").await;
    assert_eq!(s, 404);
    // Proofs are still answered: the tree does not depend on the key.
    app.seal().await;
    let (s, _) = app.get(None, "/api/v1/audit/proof/inclusion?seq=1").await;
    assert_eq!(s, 200);
    let app2 = TestApp::spawn().await;
    let (_, h) = app2.get(None, "/healthz").await;
    assert_eq!(h["log_checkpoints"], "published");
    app2.stop().await;
    app.stop().await;
}
