//! The committee reads the opened bids' documents (issue 18): after the opening, a member lists the
//! section's decrypted bids with their documents and downloads one — exactly the bidder's plaintext
//! bytes, as an attachment, recorded as `evaluation.document.read`; a non-member expert, a bidder, a
//! member outside the room's networks and a member before the session are refused; a stored copy
//! that no longer matches its SHA-256 is never served (500 `evaluation.document_integrity`).

use crate::award::{
    at, emit_event, open_by_staff, projection_ready, registered_section, travel, wait_event,
    wait_state, Bidder, Trade, DEADLINE,
};
use crate::evaluation::caught_up;
use base64::Engine as _;
use ggzy_api_tests::pages::Visitor;
use ggzy_api_tests::{into_parts, TestApp};
use ggzy_projects::package::{plaintext, seal, Suite};
use serde_json::{json, Value};
use sha2::Digest;

/// The documents each bidder seals (bidder i gets documents of its own).
pub(crate) fn documents_of(i: usize) -> Vec<(String, Vec<u8>)> {
    vec![
        (
            "商务标.pdf".to_string(),
            format!("%PDF-1.7 商务标 of bidder {i}\n").into_bytes(),
        ),
        (
            "技术标.txt".to_string(),
            format!("技术标 施工组织设计 bidder {i}: 工期 180 日历天\n")
                .repeat(50 + i)
                .into_bytes(),
        ),
    ]
}

/// bidder1..3 register and upload sealed bids with [`documents_of`], then the deadline passes and
/// every key opens its bid: the section is `evaluating` with its opening record.
pub(crate) async fn opened_with_documents(app: &TestApp, t: &mut Trade) {
    projection_ready(app).await;
    let specs: [(&str, &str, Suite, usize, u8); 3] = [
        ("bidder1", "9650000.00", Suite::Aes256GcmSha256, 32, 11),
        ("bidder2", "9480000.50", Suite::Sm4GcmSm3, 16, 22),
        ("bidder3", "9720000.00", Suite::Aes256GcmSha256, 32, 33),
    ];
    for (i, (name, price, suite, klen, seed)) in specs.into_iter().enumerate() {
        let token = app.login(name).await;
        let org_id = app.org_of(&token).await;
        app.register_for(&token, &t.section_id).await;
        let key = vec![seed; klen];
        let docs = documents_of(i + 1);
        let refs: Vec<(&str, &[u8])> = docs
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let plain = plaintext(suite, price, &refs);
        let sealed = seal(suite, &key, &[seed; 7], &plain).unwrap();
        let r = app
            .client
            .put(app.url(&format!("/api/v1/sections/{}/bids/mine", t.section_id)))
            .bearer_auth(&token)
            .header("content-type", "application/octet-stream")
            .header("X-Bid-Digest", &sealed.digest)
            .header("X-Device-Fingerprint", format!("device-{name}"))
            .body(sealed.ciphertext.clone())
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
    travel(app, t, at(DEADLINE) + chrono::Duration::seconds(1)).await;
    wait_state(app, t, "opening").await;
    for b in &t.bidders {
        let (s, v) = app
            .post(
                Some(&b.token),
                &format!("/api/v1/sections/{}/bids/mine/key", t.section_id),
                json!({"key": base64::engine::general_purpose::STANDARD.encode(&b.key)}),
            )
            .await;
        assert_eq!(s, 200, "{}: {v}", b.name);
        assert_eq!(v["decryption"], "decrypted", "{v}");
    }
    wait_state(app, t, "evaluating").await;
    wait_event(app, "projects.opening.recorded", &t.section_id).await;
}

/// Log `username` in and describe him as the experts area's draw does.
pub(crate) async fn expert_entry(
    app: &TestApp,
    username: &str,
    expert_id: &str,
) -> (String, Value) {
    let token = app.login(username).await;
    let (s, me) = app.get(Some(&token), "/api/v1/auth/me").await;
    assert_eq!(s, 200, "{me}");
    let entry = json!({"expert_id": expert_id, "name": format!("专家{username}"),
                       "user_id": me["user_id"], "specialty": "A010101"});
    (token, entry)
}

async fn download(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(b))
}

#[tokio::test]
async fn the_committee_reads_the_opened_bids_documents_and_nobody_else_does() {
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "construction").await;
    let sid = t.section_id.clone();
    open_by_staff(&app, &t).await;
    opened_with_documents(&app, &mut t).await;

    // The decryption event carries the documents' index (after the deadline, at the opening).
    let decrypted = app.events_of("projects.bid.decrypted").await;
    let first = decrypted
        .iter()
        .find(|e| e["org_id"] == t.bidders[0].org_id.as_str())
        .expect("bidder1 decrypted");
    let docs1 = documents_of(1);
    assert_eq!(first["documents"][0]["name"], "商务标.pdf", "{first}");
    assert_eq!(first["documents"][0]["media_type"], "application/pdf");
    assert_eq!(first["documents"][0]["sha256"], sha256_hex(&docs1[0].1));
    assert_eq!(first["documents"][1]["size"], docs1[1].1.len() as u64);
    let bid1 = first["bid_id"].as_str().unwrap().to_string();
    assert_eq!(
        first["plaintext_key"],
        format!("bids/{bid1}.plain"),
        "{first}"
    );

    let (m1, j1) = expert_entry(&app, "expert1", "EXP-1").await;
    let (_, j2) = expert_entry(&app, "expert2", "EXP-2").await;
    // The third member has no login here; expert3 is not on this committee.
    let j3 = json!({"expert_id": "EXP-9", "name": "专家九", "user_id": null});
    let (outsider, _) = expert_entry(&app, "expert3", "EXP-3").await;
    emit_event(
        &app,
        "experts.draw.completed",
        "draw-1",
        json!({"draw_id": "draw-1", "section_id": sid, "session_id": "session-1",
               "experts": [j1, j2, j3]}),
    )
    .await;
    // The session starts in an hour, in a room whose terminals sit on 10.0.0.0/8.
    let now = app.clock().now();
    let window = |from: chrono::DateTime<chrono::Utc>| {
        json!({"session_id": "session-1", "section_id": sid, "kind": "evaluation",
               "room_id": "r-docs", "room_name": "评标室 文件", "draw_id": "draw-1",
               "room_networks": ["10.0.0.0/8"],
               "start": from.to_rfc3339(),
               "end": (from + chrono::Duration::hours(8)).to_rfc3339(), "draw": null})
    };
    emit_event(
        &app,
        "venues.session.scheduled",
        "session-1",
        window(now + chrono::Duration::hours(1)),
    )
    .await;
    caught_up(&app).await;

    let list_url = format!("/api/v1/sections/{sid}/evaluation/bids");
    let doc_url = format!("/api/v1/sections/{sid}/evaluation/bids/{bid1}/documents/2");
    // A member outside the room's networks: 403 evaluation.room_network, before anything else.
    let (s, v) = app.get(Some(&m1), &list_url).await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(v["rule"], "evaluation.room_network");
    let (s, v) = into_parts(download(&app, &m1, &doc_url).await).await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(v["rule"], "evaluation.room_network");
    // The page route (the room's link, with the page session) says why instead of serving.
    let mut page = Visitor::new(&app);
    page.sign_in("expert1").await;
    let page_doc = format!("/expert/committee/{sid}/bids/{bid1}/documents/2");
    let p = page.get(&page_doc).await;
    assert_eq!(p.status, 403, "{}", p.body);
    assert!(p.body.contains("evaluation.room_network"), "{}", p.body);
    assert!(
        !p.body.contains("施工组织设计"),
        "nothing of the bid is shown"
    );
    emit_event(
        &app,
        "venues.room.networks_changed",
        "r-docs",
        json!({"room_id": "r-docs", "networks": ["127.0.0.0/8"]}),
    )
    .await;
    caught_up(&app).await;
    // Inside the room but before the session: 409 evaluation.outside_session.
    let (s, v) = app.get(Some(&m1), &list_url).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "evaluation.outside_session");
    let (s, v) = into_parts(download(&app, &m1, &doc_url).await).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "evaluation.outside_session");
    // The session begins (its start is the first instant allowed).
    app.clock().set(now + chrono::Duration::hours(1));

    // The member lists the opened bids with their documents.
    let (s, list) = app.get(Some(&m1), &list_url).await;
    assert_eq!(s, 200, "{list}");
    let bids = list.as_array().unwrap();
    assert_eq!(bids.len(), 3, "{list}");
    let b1 = bids
        .iter()
        .find(|b| b["bid_id"] == bid1.as_str())
        .expect("bid1 listed");
    assert_eq!(b1["org_id"], t.bidders[0].org_id.as_str());
    assert_eq!(b1["price"], "9650000.00");
    assert_eq!(b1["documents"].as_array().unwrap().len(), 2);
    assert_eq!(b1["documents"][1]["name"], "技术标.txt");
    assert_eq!(b1["documents"][1]["size"], docs1[1].1.len() as u64);
    assert_eq!(b1["documents"][1]["sha256"], sha256_hex(&docs1[1].1));
    assert_eq!(b1["documents"][1]["href"], doc_url.as_str());

    // … and downloads one: exactly the bidder's bytes, as an attachment.
    let r = download(&app, &m1, &doc_url).await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "text/plain; charset=utf-8");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let disp = h["content-disposition"].to_str().unwrap();
    assert!(disp.starts_with("attachment;"), "{disp}");
    assert!(
        disp.contains("filename*=UTF-8''%E6%8A%80%E6%9C%AF%E6%A0%87.txt"),
        "{disp}"
    );
    assert_eq!(
        h["etag"].to_str().unwrap(),
        format!("\"{}\"", sha256_hex(&docs1[1].1))
    );
    let body = r.bytes().await.unwrap();
    assert_eq!(body.as_ref(), docs1[1].1.as_slice());
    // The first document of another bidder, too.
    let b2 = bids
        .iter()
        .find(|b| b["org_id"] == t.bidders[1].org_id.as_str())
        .unwrap();
    let r = download(&app, &m1, b2["documents"][0]["href"].as_str().unwrap()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().as_ref(), documents_of(2)[0].1);

    // Every download is in the audit chain, with the member and the document.
    app.seal().await;
    let reads = app.events_of("evaluation.document.read").await;
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert_eq!(reads[0]["expert_id"], "EXP-1");
    assert_eq!(reads[0]["bid_id"], bid1.as_str());
    assert_eq!(reads[0]["n"], 2);
    assert_eq!(reads[0]["sha256"], sha256_hex(&docs1[1].1));

    // Refused: an expert not on this committee, a bidder (even for its own bid), no document.
    let (s, v) = app.get(Some(&outsider), &list_url).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = into_parts(download(&app, &outsider, &doc_url).await).await;
    assert_eq!(s, 403, "{v}");
    let bidder = app.login("bidder1").await;
    let (s, v) = into_parts(download(&app, &bidder, &doc_url).await).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app.get(Some(&bidder), &list_url).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = into_parts(
        download(
            &app,
            &m1,
            &format!("/api/v1/sections/{sid}/evaluation/bids/{bid1}/documents/3"),
        )
        .await,
    )
    .await;
    assert_eq!(s, 404, "{v}");
    // Centre staff read the evaluation, documents included (not network- or session-bound).
    let staff = app.login("staff").await;
    let r = download(&app, &staff, &doc_url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), docs1[1].1.as_slice());
    app.seal().await;
    assert_eq!(app.events_of("evaluation.document.read").await.len(), 3);

    // A stored copy altered in place (one byte of document 2) is never served.
    let key = format!("bids/{bid1}.plain");
    let mut stored = app.ctx.files.get_bytes(&key).await.unwrap().to_vec();
    let last = stored.len() - 1;
    stored[last] ^= 0x20;
    app.ctx.files.put_bytes(&key, stored.into()).await.unwrap();
    let r = download(&app, &m1, &doc_url).await;
    assert_eq!(r.status(), 500);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let (_, v) = into_parts(r).await;
    assert_eq!(v["rule"], "evaluation.document_integrity", "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("platform fault"),
        "{v}"
    );
    // The untouched first document of the same copy is still served.
    let r = download(
        &app,
        &m1,
        &format!("/api/v1/sections/{sid}/evaluation/bids/{bid1}/documents/1"),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), docs1[0].1.as_slice());
    app.seal().await;
    let faults = app.events_of("evaluation.document.integrity_failed").await;
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert_eq!(faults[0]["bid_id"], bid1.as_str());
    assert_eq!(faults[0]["n"], 2);
    // The page route refuses it the same way, with a page saying so; the untouched one is served.
    let p = page.get(&page_doc).await;
    assert_eq!(p.status, 500, "{}", p.body);
    assert!(
        p.body.contains("evaluation.document_integrity"),
        "{}",
        p.body
    );
    assert!(
        !p.body.contains("施工组织设计"),
        "nothing of the copy is shown"
    );
    let p = page
        .get(&format!("/expert/committee/{sid}/bids/{bid1}/documents/1"))
        .await;
    assert_eq!(p.status, 200);
    assert!(p.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(p.body.as_bytes(), docs1[0].1.as_slice());
    // The refused reads are not recorded as reads.
    assert_eq!(app.events_of("evaluation.document.read").await.len(), 5);

    // A member replaced (实施条例 第四十八条) reads no more; his replacement does.
    let (_, j_new) = expert_entry(&app, "expert3", "EXP-3").await;
    emit_event(
        &app,
        "experts.member.replaced",
        "draw-1",
        json!({"draw_id": "draw-1", "section_id": sid, "session_id": "session-1",
               "replaced": {"expert_id": "EXP-1", "name": "专家expert1"},
               "replacement": j_new, "reason": "recused"}),
    )
    .await;
    caught_up(&app).await;
    let (s, v) = into_parts(download(&app, &m1, &doc_url).await).await;
    assert_eq!(s, 403, "{v}");
    let replacement = app.login("expert3").await;
    let r = download(&app, &replacement, &doc_url).await;
    assert_eq!(
        r.status(),
        500,
        "the replacement reads, the altered copy is still refused"
    );
    let r = download(
        &app,
        &replacement,
        &format!("/api/v1/sections/{sid}/evaluation/bids/{bid1}/documents/1"),
    )
    .await;
    assert_eq!(r.status(), 200);
    app.seal().await;
    let reads = app.events_of("evaluation.document.read").await;
    assert_eq!(reads.last().unwrap()["expert_id"], "EXP-3");
    app.stop().await;
}
