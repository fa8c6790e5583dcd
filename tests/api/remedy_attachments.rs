//! The attachments of a case's grounds as stored documents (docs/remedies.md "Attachments"): a
//! party uploads a PDF (type recognised from the content, size capped, SHA-256 recorded by the
//! server), raises a case naming it; ids that are unknown, another organization's or already
//! attached are refused with nothing raised; the case lists the attachments with their digests;
//! the bytes are read by the parties to the case, staff and supervisors — another bidder gets 403.

use crate::award;
use ggzy_api_tests::fixtures::assert_first_error;
use ggzy_api_tests::{into_parts, TestApp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

async fn upload(app: &TestApp, tok: &str, sid: &str, name: &str, data: Vec<u8>) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/sections/{sid}/remedies/attachments")))
        .query(&[("name", name)])
        .bearer_auth(tok)
        .header("content-type", "application/octet-stream")
        .body(data)
        .send()
        .await
        .unwrap();
    into_parts(r).await
}

#[tokio::test]
async fn a_case_attachment_is_stored_with_its_digest_and_read_only_by_the_parties() {
    let app = TestApp::spawn().await;
    let t = award::registered_section(&app, "construction").await;
    award::open_by_staff(&app, &t).await;
    award::projection_ready(&app).await;
    let sid = t.section_id.clone();
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    app.register_for(&b1, &sid).await;
    app.register_for(&b2, &sid).await;
    app.drain_consumer("remedies.projection").await;

    let pdf = b"%PDF-1.7\n% grounds: the scoring table differs from the notice\n".to_vec();
    let (s, a) = upload(&app, &b1, &sid, "评分表比对.pdf", pdf.clone()).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["sha256"], hex::encode(Sha256::digest(&pdf)));
    assert_eq!(a["content_type"], "application/pdf");
    assert_eq!(a["size"], pdf.len());
    let aid = a["id"].as_str().unwrap().to_string();
    // Refused: not a PDF/PNG/JPEG, empty, over the cap, no name; a stranger to the section.
    let (s, v) = upload(&app, &b1, &sid, "x.exe", b"MZ\x90\x00".to_vec()).await;
    assert_first_error(s, &v, 422, "remedy.attachment_type");
    let (s, v) = upload(&app, &b1, &sid, "x.pdf", Vec::new()).await;
    assert_first_error(s, &v, 422, "remedy.attachment_empty");
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let (s, v) = upload(&app, &b1, &sid, "big.pdf", big).await;
    assert_first_error(s, &v, 422, "remedy.attachment_too_large");
    let (s, v) = upload(&app, &b1, &sid, "../a.pdf", pdf.clone()).await;
    assert_first_error(s, &v, 422, "remedy.attachment_name");
    let b3 = app.login("bidder3").await;
    let (s, _) = upload(&app, &b3, &sid, "a.pdf", pdf.clone()).await;
    assert_eq!(s, 403);

    let today = "2026-03-02";
    let raise = |files: Value| {
        json!({"kind": "complaint", "target": "process", "known_on": today,
               "grounds": "评标办法与招标公告不一致", "attachments": files})
    };
    let url = format!("/api/v1/sections/{sid}/remedies");
    // An id that does not exist, and another organization's attachment: 422, nothing raised.
    let (s, v) = app
        .post(Some(&b1), &url, raise(json!([aid, "no-such-attachment"])))
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "attachments[1]", "{v}");
    assert_eq!(v["errors"][0]["rule"], "remedy.attachment_unknown", "{v}");
    let (s, v) = app.post(Some(&b2), &url, raise(json!([aid]))).await;
    assert_first_error(s, &v, 422, "remedy.attachment_unknown");
    let sup = app.login("supervisor").await;
    assert_eq!(app.get_expect(&sup, &url, 200).await, json!([]));
    // Raised with it: listed with its digest; attached once only.
    let (s, case) = app.post(Some(&b1), &url, raise(json!([aid]))).await;
    assert_eq!(s, 201, "{case}");
    assert_eq!(case["attachments"], json!([aid]));
    assert_eq!(case["attachment_files"][0]["sha256"], a["sha256"]);
    assert_eq!(case["attachment_files"][0]["file_name"], "评分表比对.pdf");
    let (s, v) = app.post(Some(&b1), &url, raise(json!([aid]))).await;
    assert_first_error(s, &v, 422, "remedy.attachment_unknown");
    let cid = case["id"].as_str().unwrap();

    // The bytes: the raiser, the tenderer, the supervisor; not another bidder.
    let file = format!("/api/v1/remedies/{cid}/attachments/{aid}");
    for tok in [&b1, &t.tenderer, &sup] {
        let r = app
            .client
            .get(app.url(&file))
            .bearer_auth(tok)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["x-content-sha256"],
            a["sha256"].as_str().unwrap()
        );
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    }
    let (s, _) = app.get(Some(&b2), &file).await;
    assert_eq!(s, 403, "another bidder does not read the attachment");
    let (s, v) = app
        .get(
            Some(&b1),
            &format!("/api/v1/remedies/{cid}/attachments/nope"),
        )
        .await;
    assert_eq!(s, 404, "{v}");
    app.stop().await;
}
