//! Archives (档案, issue 21 item 4): a trade run to its end through the API becomes exactly one
//! signed bundle that verifies offline (and fails after one changed byte); retention by market
//! (procurement 15 years, 政府采购法 42; construction 10); the retention boundary (the last day
//! refused, the next day allowed, the disposal an event); the database triggers refusing a raw
//! DELETE and an UPDATE of the bundle columns; failed and terminated sections archived too.

use crate::award::{
    evaluating_section, open_by_staff, post_award, registered_section, submit_result, travel,
    wait_event, DEADLINE,
};
use ggzy_api_tests::fixtures::{assert_conflict, assert_first_error};
use ggzy_api_tests::TestApp;
use ggzy_store::note::NoteVerifier;
use serde_json::{json, Value};
use std::time::Duration;

fn verifier(app: &TestApp) -> NoteVerifier {
    let s = app.ctx.settings.log_signer.as_ref().expect("log key");
    NoteVerifier::parse(&s.verifier_key()).unwrap()
}

/// Wait until the section's archive exists; returns its summary.
pub(crate) async fn wait_archive(app: &TestApp, token: &str, section_id: &str) -> Value {
    for () in ggzy_api_tests::patience() {
        let (s, v) = app.get(Some(token), "/api/v1/archives").await;
        assert_eq!(s, 200, "{v}");
        if let Some(a) = v
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["section_id"] == section_id)
        {
            return a.clone();
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("no archive for section {section_id}");
}

async fn bundle(app: &TestApp, token: &str, id: &str) -> (u16, Vec<u8>) {
    let r = app
        .client
        .get(app.url(&format!("/api/v1/archives/{id}/bundle")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.bytes().await.unwrap().to_vec())
}

fn types(manifest: &Value) -> Vec<String> {
    manifest["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn years_after(d: chrono::NaiveDate, y: u32) -> chrono::NaiveDate {
    d.checked_add_months(chrono::Months::new(12 * y)).unwrap()
}

#[tokio::test]
async fn a_construction_trade_run_to_contract_is_archived_once_and_verifies_offline() {
    let app = TestApp::spawn().await;
    let mut t = evaluating_section(&app, "construction").await;
    let (s, v) = submit_result(&app, &t, 3).await;
    assert_eq!(s, 201, "{v}");
    let ends = crate::award::at(v["publicity_ends_at"].as_str().unwrap());
    travel(&app, &mut t, ends + chrono::Duration::hours(10)).await;
    let (s, a) = post_award(&app, &t, json!({})).await;
    assert_eq!(s, 201, "{a}");
    let sid = t.section_id.clone();
    // No archive before the trade ends.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (s, v) = app.get(Some(&t.staff), "/api/v1/archives").await;
    assert_eq!(s, 200, "{v}");
    assert!(v.as_array().unwrap().is_empty(), "{v}");
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{sid}/contract"),
            json!({"signed_on": ggzy_core::time::local_date(app.clock().now()).to_string(),
                   "amount": "9480000.50"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let contract = wait_event(&app, "projects.contract.signed", &sid).await;
    let summary = wait_archive(&app, &t.staff, &sid).await;
    let id = summary["id"].as_str().unwrap().to_string();
    assert_eq!(summary["market"], "construction");
    assert_eq!(summary["project_id"], t.project_id.as_str());
    assert_eq!(summary["ended_by"], "projects.contract.signed");
    assert_eq!(summary["retention_years"], 10);
    let ended_on = date(summary["ended_on"].as_str().unwrap());
    assert_eq!(
        summary["retain_until"],
        years_after(ended_on, 10).to_string()
    );
    assert!(summary["retention_basis"]
        .as_str()
        .unwrap()
        .contains("10号令"));

    // The manifest: the trade's events in log order, each with its proof; its documents.
    let (s, d) = app
        .get(Some(&t.staff), &format!("/api/v1/archives/{id}"))
        .await;
    assert_eq!(s, 200, "{d}");
    let m = &d["manifest"];
    let ty = types(m);
    for want in [
        "projects.project.created",
        "projects.section.bidding_opened",
        "projects.registration.created",
        "projects.bid.submitted",
        "projects.section.opened",
        "projects.bid.decrypted",
        "projects.opening.recorded",
        "projects.award.confirmed",
        "projects.contract.signed",
    ] {
        assert!(ty.iter().any(|t| t == want), "{want} missing from {ty:?}");
    }
    assert_eq!(
        ty.iter().filter(|t| *t == "projects.bid.submitted").count(),
        3
    );
    let seqs: Vec<i64> = m["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(m["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| !e["inclusion_proof"].as_array().unwrap().is_empty()));
    let ended = m["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "projects.contract.signed")
        .unwrap();
    assert_eq!(ended["payload"]["amount"], contract["amount"]);
    let docs = m["documents"].as_array().unwrap();
    let sealed: Vec<&Value> = docs.iter().filter(|d| d["kind"] == "sealed_bid").collect();
    assert_eq!(sealed.len(), 3, "{docs:?}");
    for d in &sealed {
        assert_eq!(d["sha256"], d["event_sha256"], "{d}");
        assert!(d["path"].as_str().unwrap().starts_with("documents/"));
    }
    assert_eq!(
        docs.iter().filter(|d| d["kind"] == "decrypted_bid").count(),
        3
    );
    assert_eq!(m["retention"]["years"], 10);
    assert!(m["checkpoint"]["tree_size"].as_u64().unwrap() >= seqs[seqs.len() - 1] as u64);

    // The bundle verifies offline; the CLI says so; one changed byte fails it.
    let (s, b) = bundle(&app, &t.staff, &id).await;
    assert_eq!(s, 200);
    let vk = verifier(&app);
    let r = ggzy_archives::bundle::verify(&b, &vk);
    assert!(r.ok, "{:?}", r.problems);
    assert_eq!(r.events, seqs.len());
    assert_eq!(
        ggzy_archives::bundle::sha256_hex(&b),
        summary["bundle_sha256"].as_str().unwrap()
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("archive.tar");
    std::fs::write(&file, &b).unwrap();
    let key = app.ctx.settings.log_signer.as_ref().unwrap().verifier_key();
    let cli = |f: std::path::PathBuf, k: String| {
        ggzy::cli::archive(ggzy::cli::ArchiveCmd::Verify { file: f, key: k }).unwrap()
    };
    assert_eq!(cli(file.clone(), key.clone()), 0);
    // Another key: refused.
    let other = ggzy_store::note::LogSigner::generate("ggzy-dev-log").unwrap();
    assert!(
        !ggzy_archives::bundle::verify(&b, &NoteVerifier::parse(&other.verifier_key()).unwrap()).ok
    );
    // One byte anywhere: in a document, in the manifest, in a header's padding, at the end.
    let sealed_path = sealed[0]["path"].as_str().unwrap();
    let in_doc = header_of(&b, sealed_path).expect("document header") + 512 + 40;
    let in_manifest = find(&b, b"\"archive_id\"").unwrap() + 20;
    for at in [in_doc, in_manifest, 300, b.len() - 10] {
        let mut bad = b.clone();
        bad[at] ^= 0x01;
        let r = ggzy_archives::bundle::verify(&bad, &vk);
        assert!(!r.ok, "byte {at} changed and still verified");
        let f = dir.path().join(format!("bad-{at}.tar"));
        std::fs::write(&f, &bad).unwrap();
        assert_eq!(cli(f, key.clone()), 1);
    }

    // Supervisors read; other roles get 403.
    let sup = app.login("supervisor").await;
    let (s, v) = app.get(Some(&sup), &format!("/api/v1/archives/{id}")).await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = bundle(&app, &sup, &id).await;
    assert_eq!(s, 200);
    for who in ["tenderer", "bidder1", "agency", "expert1", "bank"] {
        let tok = app.login(who).await;
        let (s, v) = app.get(Some(&tok), "/api/v1/archives").await;
        assert_eq!(s, 403, "{who}: {v}");
        let (s, _) = bundle(&app, &tok, &id).await;
        assert_eq!(s, 403, "{who}");
    }

    // Exactly one archive, built once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, v) = app
        .get(
            Some(&t.staff),
            &format!("/api/v1/archives?project_id={}", t.project_id),
        )
        .await;
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    let created: Vec<Value> = app
        .events_of("archives.archive.created")
        .await
        .into_iter()
        .filter(|e| e["section_id"] == sid.as_str())
        .collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["archive_id"], id.as_str());
    app.stop().await;
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Offset of the tar header of entry `name`.
fn header_of(b: &[u8], name: &str) -> Option<usize> {
    let n = name.as_bytes();
    (0..b.len() / 512)
        .map(|i| i * 512)
        .find(|&at| b[at..].starts_with(n) && b[at + n.len()] == 0)
}

#[tokio::test]
async fn a_failed_procurement_section_is_archived_for_fifteen_years() {
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "procurement").await;
    open_by_staff(&app, &t).await;
    // Nobody bids: at the deadline the section fails (流标).
    travel(
        &app,
        &mut t,
        crate::award::at(DEADLINE) + chrono::Duration::seconds(1),
    )
    .await;
    wait_event(&app, "projects.section.failed", &t.section_id).await;
    let a = wait_archive(&app, &t.staff, &t.section_id).await;
    assert_eq!(a["market"], "procurement");
    assert_eq!(a["ended_by"], "projects.section.failed");
    assert_eq!(a["retention_years"], 15);
    assert!(a["retention_basis"]
        .as_str()
        .unwrap()
        .contains("政府采购法 第四十二条"));
    let ended_on = date(a["ended_on"].as_str().unwrap());
    assert_eq!(a["retain_until"], years_after(ended_on, 15).to_string());
    let (s, b) = bundle(&app, &t.staff, a["id"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    let r = ggzy_archives::bundle::verify(&b, &verifier(&app));
    assert!(r.ok, "{:?}", r.problems);

    // Filters: market, project, end dates; a malformed date is named.
    let q = |s: &str| format!("/api/v1/archives?{s}");
    let n = |v: &Value| v.as_array().unwrap().len();
    let (_, v) = app.get(Some(&t.staff), &q("market=procurement")).await;
    assert_eq!(n(&v), 1);
    let (_, v) = app.get(Some(&t.staff), &q("market=construction")).await;
    assert_eq!(n(&v), 0);
    let day = ended_on.to_string();
    let (_, v) = app
        .get(
            Some(&t.staff),
            &q(&format!("ended_from={day}&ended_to={day}")),
        )
        .await;
    assert_eq!(n(&v), 1);
    let next = ended_on.succ_opt().unwrap().to_string();
    let (_, v) = app
        .get(Some(&t.staff), &q(&format!("ended_from={next}")))
        .await;
    assert_eq!(n(&v), 0);
    let (s, v) = app.get(Some(&t.staff), &q("ended_from=2026-13-01")).await;
    assert_first_error(s, &v, 422, "archive.date_format");
    let (s, v) = app.get(Some(&t.staff), &q("market=mars")).await;
    assert_first_error(s, &v, 422, "archive.market");
    let (s, v) = app.get(Some(&t.staff), "/api/v1/archives/retention").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(n(&v), 4);
    app.stop().await;
}

#[tokio::test]
async fn retention_boundary_and_database_guards() {
    let app = TestApp::spawn().await;
    let t = registered_section(&app, "construction").await;
    open_by_staff(&app, &t).await;
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{}/terminate", t.section_id),
            json!({"reason": "项目取消（资金未落实）"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let a = wait_archive(&app, &t.staff, &t.section_id).await;
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["ended_by"], "projects.section.terminated");
    assert_eq!(a["retention_years"], 10);
    let until = date(a["retain_until"].as_str().unwrap());
    let url = format!("/api/v1/archives/{id}/dispose");
    let body = json!({"reason": "保管期满，经鉴定销毁"});
    let noon = |d: chrono::NaiveDate| ggzy_core::time::at_local(d, 12, 0, 0);

    // Only staff dispose.
    let sup = app.login("supervisor").await;
    let (s, v) = app.post(Some(&sup), &url, body.clone()).await;
    assert_eq!(s, 403, "{v}");

    // The day before the end of the period and its last day: refused, nothing changes.
    for day in [until.pred_opt().unwrap(), until] {
        app.clock().set(noon(day));
        let staff = app.login("staff").await;
        app.clock().set(noon(day));
        let (s, v) = app.post(Some(&staff), &url, body.clone()).await;
        assert_first_error(s, &v, 422, "archive.retention");
        assert_eq!(v["errors"][0]["field"], "retain_until");
    }
    let staff = app.login("staff").await;
    let (s, _) = bundle(&app, &staff, &id).await;
    assert_eq!(s, 200);

    // The database refuses, on both engines: a raw DELETE, an UPDATE of the bundle columns, an
    // early disposal mark.
    let pool = app.ctx.db.pool_for_write();
    let del = sqlx::query("DELETE FROM archives WHERE id = $1")
        .bind(&id)
        .execute(pool)
        .await;
    assert!(del.is_err(), "raw delete was accepted");
    assert!(del.unwrap_err().to_string().contains("archive.retention"));
    let upd = sqlx::query("UPDATE archives SET bundle_sha256 = $1 WHERE id = $2")
        .bind("0".repeat(64))
        .bind(&id)
        .execute(pool)
        .await;
    assert!(upd.unwrap_err().to_string().contains("archive.immutable"));
    let upd = sqlx::query("UPDATE archives SET retain_until = '2027-01-01' WHERE id = $1")
        .bind(&id)
        .execute(pool)
        .await;
    assert!(upd.unwrap_err().to_string().contains("archive.immutable"));
    let early = ggzy_core::time::to_micros(noon(until));
    let upd = sqlx::query("UPDATE archives SET disposed_at = $1 WHERE id = $2")
        .bind(early)
        .bind(&id)
        .execute(pool)
        .await;
    assert!(upd.unwrap_err().to_string().contains("archive.retention"));
    let left = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM archives WHERE id = '{id}' AND disposed_at IS NULL"
        ))
        .await;
    assert_eq!(left, 1);

    // The day after: allowed (a reason is required), audited, and the bundle is gone.
    let after = ggzy_core::time::at_local(until.succ_opt().unwrap(), 0, 0, 1);
    app.clock().set(after);
    let staff = app.login("staff").await;
    app.clock().set(after);
    let (s, v) = app.post(Some(&staff), &url, json!({"reason": "  "})).await;
    assert_first_error(s, &v, 422, "archive.reason");
    let (s, v) = app.post(Some(&staff), &url, body.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["disposed_at"].is_string(), "{v}");
    let ev = app.events_of("archives.archive.disposed").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["archive_id"], id.as_str());
    assert_eq!(ev[0]["reason"], "保管期满，经鉴定销毁");
    let (s, _) = bundle(&app, &staff, &id).await;
    assert_eq!(s, 409);
    let (s, v) = app.post(Some(&staff), &url, body.clone()).await;
    assert_conflict(s, &v, "disposed");
    // The record stays; the database still refuses to delete it before the period by its own
    // clock, and a second disposal mark.
    let (s, v) = app
        .get(Some(&staff), &format!("/api/v1/archives/{id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(sqlx::query("DELETE FROM archives")
        .execute(pool)
        .await
        .is_err());
    assert!(sqlx::query("UPDATE archives SET disposal_reason = 'x'")
        .execute(pool)
        .await
        .is_err());
    app.stop().await;
}

#[tokio::test]
async fn staff_and_supervisor_pages_list_show_and_download_an_archive() {
    use ggzy_api_tests::pages::Visitor;
    let app = TestApp::spawn().await;
    let t = registered_section(&app, "construction").await;
    open_by_staff(&app, &t).await;
    let (s, v) = app
        .post(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{}/terminate", t.section_id),
            json!({"reason": "项目取消"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let a = wait_archive(&app, &t.staff, &t.section_id).await;
    let id = a["id"].as_str().unwrap();
    for (who, base) in [
        ("staff", "/staff/archives"),
        ("supervisor", "/supervisor/archives"),
    ] {
        let mut v = Visitor::new(&app);
        v.sign_in(who).await;
        let list = v.get(base).await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert!(list.body.contains(&format!("{base}/{id}")), "{}", list.body);
        assert!(list.body.contains(a["retain_until"].as_str().unwrap()));
        let filtered = v.get(&format!("{base}?market=procurement")).await;
        assert_eq!(filtered.status, 200);
        assert!(!filtered.body.contains(&format!("{base}/{id}")));
        let bad = v.get(&format!("{base}?ended_from=yesterday")).await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(bad.body.contains("YYYY-MM-DD"), "{}", bad.body);
        let one = v.get(&format!("{base}/{id}")).await;
        assert_eq!(one.status, 200, "{}", one.body);
        assert!(one.body.contains(a["bundle_sha256"].as_str().unwrap()));
        assert!(one.body.contains("projects.section.terminated"));
        assert!(one.body.contains("10号令"));
        let dl = v.get(&format!("{base}/{id}/bundle")).await;
        assert_eq!(dl.status, 200);
        assert_eq!(
            dl.headers.get("content-type").unwrap().to_str().unwrap(),
            "application/x-tar"
        );
        assert_eq!(
            dl.headers.get("etag").unwrap().to_str().unwrap(),
            format!("\"{}\"", a["bundle_sha256"].as_str().unwrap())
        );
    }
    // Each role has its own pages; other roles are refused.
    let mut staff = Visitor::new(&app);
    staff.sign_in("staff").await;
    assert_eq!(staff.get("/supervisor/archives").await.status, 403);
    let mut bidder = Visitor::new(&app);
    bidder.sign_in("bidder1").await;
    assert_eq!(bidder.get("/staff/archives").await.status, 403);
    assert_eq!(
        bidder
            .get(&format!("/staff/archives/{id}/bundle"))
            .await
            .status,
        403
    );
    let mut anon = Visitor::new(&app);
    let r = anon.get("/staff/archives").await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/login"));
    app.stop().await;
}
