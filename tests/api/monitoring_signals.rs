//! Monitoring's collusion signals on real traffic (实施条例 40): deposits paid through signed bank
//! callbacks and sealed bids uploaded through the API raise the same-payer, same-project-manager and
//! same-representative alerts; near misses raise nothing. Everything goes through the public API.

use crate::award::{
    open_and_decrypt, open_by_staff, projection_ready, registered_section, Bidder, Trade,
};
use ggzy_api_tests::{into_parts, TestApp};
use ggzy_core::ident::ResidentId;
use ggzy_projects::package::{plaintext, seal, Suite};
use serde_json::{json, Value};

/// A signed bank callback reporting a transfer into `account_no` from `payer`.
async fn pay(app: &TestApp, bank: &str, txn: &str, account_no: &str, payer: &str) {
    let body = json!({
        "transaction_id": txn, "account_no": account_no, "payer_account_no": payer,
        "payer_name": "大连某某贸易有限公司", "amount": "200000.00",
        "value_at": "2026-03-05T10:00:00+08:00",
    });
    let (s, v) = app.bank_transfer(bank, &body).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("credited")), "{v}");
}

/// The bidder's virtual sub-account for the section, once deposits has seen the section.
async fn virtual_account(app: &TestApp, token: &str, section_id: &str) -> String {
    let (s, v) = app.deposit_account(token, section_id).await;
    assert!(s == 200 || s == 201, "{v}");
    v["account_no"].as_str().unwrap().to_string()
}

/// Wait (at most 10 s) until the monitoring consumer has handled every sealed event.
async fn caught_up(app: &TestApp) {
    app.wait_consumer("monitoring.signals").await;
}

async fn alerts(app: &TestApp, token: &str, section_id: &str, rule: &str) -> Vec<Value> {
    let (s, v) = app
        .get(
            Some(token),
            &format!("/api/v1/monitoring/alerts?section_id={section_id}&rule={rule}"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().cloned().unwrap_or_default()
}

async fn org_of(app: &TestApp, token: &str) -> String {
    app.org_of(token).await
}

fn resident(first17: &str) -> String {
    ResidentId::with_check(first17)
        .expect("17 digits")
        .as_str()
        .to_string()
}

#[tokio::test]
async fn deposits_of_two_bidders_from_one_payer_account_raise_an_alert_and_distinct_accounts_do_not(
) {
    let app = TestApp::spawn().await;
    let bank = app.login("bank").await;
    let sup = app.login("supervisor").await;
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    // Procurement: any paying account is credited (the basic-account rule is construction's).
    let same = registered_section(&app, "procurement").await.section_id;
    let apart = registered_section(&app, "procurement").await.section_id;
    app.seal().await;

    let a1 = virtual_account(&app, &b1, &same).await;
    let a2 = virtual_account(&app, &b2, &same).await;
    pay(&app, &bank, "S-1", &a1, "6222 0200 1111 0001").await;
    pay(&app, &bank, "S-2", &a2, "6222 0200 1111 0001").await;
    let a1 = virtual_account(&app, &b1, &apart).await;
    let a2 = virtual_account(&app, &b2, &apart).await;
    pay(&app, &bank, "D-1", &a1, "6222 0200 1111 0001").await;
    pay(&app, &bank, "D-2", &a2, "6222 0200 1111 0002").await;
    caught_up(&app).await;

    let found = alerts(&app, &sup, &same, "collusion.same_payer_account").await;
    assert_eq!(found.len(), 1, "{found:?}");
    let mut orgs = vec![org_of(&app, &b1).await, org_of(&app, &b2).await];
    orgs.sort();
    assert_eq!(found[0]["evidence"]["org_ids"], json!(orgs), "{}", found[0]);
    // The virtual sub-accounts differ; the alert is about the paying account.
    assert_eq!(found[0]["evidence"]["value"], "6222 0200 1111 0001");
    assert!(alerts(&app, &sup, &apart, "collusion.same_payer_account")
        .await
        .is_empty());
    app.stop().await;
}

/// bidder1..3 register; each uploads a sealed bid declaring its project manager and representative.
async fn bids_with_persons(app: &TestApp, t: &Trade, persons: [(&str, &str); 3]) {
    for (i, (name, (manager, rep))) in ["bidder1", "bidder2", "bidder3"]
        .into_iter()
        .zip(persons)
        .enumerate()
    {
        let token = app.login(name).await;
        app.register_for(&token, &t.section_id).await;
        let seed = u8::try_from(i).unwrap() + 40;
        let suite = Suite::Aes256GcmSha256;
        let plain = plaintext(
            suite,
            "9500000.00",
            &[("商务标.pdf", b"%PDF-1.7".as_slice())],
        );
        let sealed = seal(suite, &[seed; 32], &[seed; 7], &plain).unwrap();
        let put = |manager: &str| {
            app.client
                .put(app.url(&format!("/api/v1/sections/{}/bids/mine", t.section_id)))
                .bearer_auth(&token)
                .header("content-type", "application/octet-stream")
                .header("X-Bid-Digest", &sealed.digest)
                .header("X-Project-Manager-Id", manager.to_string())
                .header("X-Representative-Id", rep)
                .body(sealed.ciphertext.clone())
        };
        if i == 0 {
            // A wrong check digit is refused naming the header, nothing is stored.
            let mut bad = manager.to_string();
            let last = if bad.ends_with('0') { "1" } else { "0" };
            bad.replace_range(17.., last);
            let (s, v) = into_parts(put(&bad).send().await.unwrap()).await;
            assert_eq!(s, 422, "{v}");
            assert!(v.to_string().contains("X-Project-Manager-Id"), "{v}");
        }
        let (s, v) = into_parts(put(manager).send().await.unwrap()).await;
        assert_eq!(s, 201, "{name}: {v}");
    }
}

#[tokio::test]
async fn the_same_project_manager_or_representative_in_different_bids_raises_an_alert() {
    let app = TestApp::spawn().await;
    let sup = app.login("supervisor").await;
    let pm_shared = resident("21020219800101123");
    let rep_shared = resident("21020219850505456");
    let others: Vec<String> = ["2102021990020278", "2102021991030389", "2102021992040490"]
        .iter()
        .flat_map(|p| [resident(&format!("{p}1")), resident(&format!("{p}2"))])
        .collect();

    let flagged = registered_section(&app, "construction").await;
    open_by_staff(&app, &flagged).await;
    let clean = registered_section(&app, "construction").await;
    open_by_staff(&app, &clean).await;
    projection_ready(&app).await;
    // bidder1 and bidder2 propose one project manager; bidder2 and bidder3 one representative.
    bids_with_persons(
        &app,
        &flagged,
        [
            (&pm_shared, &others[0]),
            (&pm_shared, &rep_shared),
            (&others[1], &rep_shared),
        ],
    )
    .await;
    // Near miss: six different persons.
    bids_with_persons(
        &app,
        &clean,
        [
            (&others[0], &others[1]),
            (&others[2], &others[3]),
            (&others[4], &others[5]),
        ],
    )
    .await;
    caught_up(&app).await;

    let s = &flagged.section_id;
    let pm = alerts(&app, &sup, s, "collusion.same_project_manager").await;
    assert_eq!(pm.len(), 1, "{pm:?}");
    // Supervisors see who: the raw resident id is the evidence.
    assert_eq!(pm[0]["evidence"]["value"], pm_shared.as_str());
    assert_eq!(
        pm[0]["evidence"]["org_ids"].as_array().map(Vec::len),
        Some(2)
    );
    let rep = alerts(&app, &sup, s, "collusion.same_representative").await;
    assert_eq!(rep.len(), 1, "{rep:?}");
    assert_eq!(rep[0]["evidence"]["value"], rep_shared.as_str());
    let c = &clean.section_id;
    assert!(alerts(&app, &sup, c, "collusion.same_project_manager")
        .await
        .is_empty());
    assert!(alerts(&app, &sup, c, "collusion.same_representative")
        .await
        .is_empty());
    app.stop().await;
}

/// A minimal PDF whose Info dictionary names `author` (UTF-16BE hex string), made by Word.
fn pdf_by(author: &str) -> Vec<u8> {
    let mut h = String::from("<FEFF");
    for u in author.encode_utf16() {
        h.push_str(&format!("{u:04X}"));
    }
    format!("%PDF-1.7\n1 0 obj\n<< /Author {h}> /Creator (Microsoft Word) /Producer (Microsoft Word) >>\nendobj\ntrailer << /Info 1 0 R >>\n%%EOF\n")
        .into_bytes()
}

/// A minimal .docx (zip, stored entry) whose docProps/core.xml names `creator`.
fn docx_by(creator: &str) -> Vec<u8> {
    let name = "docProps/core.xml";
    let data = format!("<cp:coreProperties><dc:creator>{creator}</dc:creator></cp:coreProperties>");
    let (name, data) = (name.as_bytes(), data.as_bytes());
    let mut z = b"PK\x03\x04".to_vec();
    z.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(name);
    z.extend_from_slice(data);
    let cd = z.len() as u32;
    z.extend_from_slice(b"PK\x01\x02");
    z.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&[0; 12]);
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(name);
    let cd_len = z.len() as u32 - cd;
    z.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0");
    z.extend_from_slice(&cd_len.to_le_bytes());
    z.extend_from_slice(&cd.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

/// Issue 24, signal quality: the official upload tool stamps every upload with the same
/// `X-File-Creator`, so `collusion.same_file_creator` fired on every honest tender. Now it reads
/// the authors from the documents themselves at opening: the identical tool stamp raises nothing,
/// two bidders whose documents (a PDF and a .docx) name the same author raise one alert, and the
/// third bidder (another author) is not in it.
#[tokio::test]
async fn the_same_document_author_raises_an_alert_and_the_official_tool_stamp_alone_does_not() {
    let app = TestApp::spawn().await;
    let mut t: Trade = registered_section(&app, "construction").await;
    open_by_staff(&app, &t).await;
    projection_ready(&app).await;
    let docs: [(&str, &str, Vec<u8>, u8); 3] = [
        ("bidder1", "9650000.00", pdf_by("张三"), 41),
        ("bidder2", "9480000.50", docx_by("张三"), 42),
        ("bidder3", "9720000.00", pdf_by("李四"), 43),
    ];
    for (name, price, doc, seed) in docs {
        let token = app.login(name).await;
        let org_id = org_of(&app, &token).await;
        app.register_for(&token, &t.section_id).await;
        let suite = Suite::Aes256GcmSha256;
        let key = vec![seed; 32];
        let sealed = seal(
            suite,
            &key,
            &[seed; 7],
            &plaintext(suite, price, &[("商务标", &doc)]),
        )
        .unwrap();
        let r = app
            .client
            .put(app.url(&format!("/api/v1/sections/{}/bids/mine", t.section_id)))
            .bearer_auth(&token)
            .header("content-type", "application/octet-stream")
            .header("X-Bid-Digest", &sealed.digest)
            // What the official tool sends on every upload.
            .header("X-File-Creator", "ggzy-bid/0.1.0")
            .body(sealed.ciphertext)
            .send()
            .await
            .unwrap();
        let (s, v) = into_parts(r).await;
        assert_eq!(s, 201, "{name}: {v}");
        t.bidders.push(Bidder {
            name,
            token,
            org_id,
            key,
            price,
        });
    }
    caught_up(&app).await;
    let sup = app.login("supervisor").await;
    let s = t.section_id.clone();
    assert!(
        alerts(&app, &sup, &s, "collusion.same_file_creator")
            .await
            .is_empty(),
        "the tool's stamp alone never fires it"
    );

    open_and_decrypt(&app, &mut t).await;
    caught_up(&app).await;
    let sup = app.login("supervisor").await;
    let a = alerts(&app, &sup, &s, "collusion.same_file_creator").await;
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0]["evidence"]["value"], "张三");
    let mut orgs: Vec<&str> = a[0]["evidence"]["org_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    orgs.sort();
    let mut want = vec![t.bidders[0].org_id.as_str(), t.bidders[1].org_id.as_str()];
    want.sort();
    assert_eq!(orgs, want);
    app.stop().await;
}
