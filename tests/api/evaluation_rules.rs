//! The evaluation rules of issue 21 through the API (docs/procedures.md "Evaluation rules"): the
//! method fixed by the issued documents unless a change notice 15 days before the deadline changes
//! it (评标规定 第十七条; 招标投标法 第二十三条); the ceiling price and abnormally low prices
//! (实施条例 第五十一条; 评标规定 第二十一条; 87号令 第六十条、第六十三条); procurement's minimum
//! price weight (87号令 第五十五条) and ties broken by a recorded lot.
//!
//! The change notice and the committee arrive as the publishing and experts areas announce them
//! (`publishing.announcement.published`, `experts.draw.completed`), as in evaluation.rs.

use crate::award::{
    at, emit_event, events, open_and_decrypt, open_by_staff, register_and_bid, registered_section,
    travel,
};
use crate::evaluation::{
    caught_up, comprehensive, draw, expert, pass_all, put_method, review, rules_of, score,
};
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};

async fn workbench(app: &TestApp, token: &str, sid: &str) -> Value {
    app.get_expect(token, &format!("/api/v1/sections/{sid}/evaluation"), 200)
        .await
}

#[tokio::test]
async fn the_method_is_fixed_by_the_issued_documents_and_changes_only_by_a_notice_15_days_before_the_deadline(
) {
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "construction").await;
    let sid = t.section_id.clone();
    caught_up(&app).await;
    let (s, v) = put_method(&app, &t.tenderer, &sid, comprehensive()).await;
    assert_eq!(s, 200, "before the documents are issued: {v}");

    open_by_staff(&app, &t).await;
    caught_up(&app).await;
    let mut changed = comprehensive();
    changed["price_formula"]["e_above"] = json!("2");
    let (s, v) = put_method(&app, &t.tenderer, &sid, changed.clone()).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "method.fixed_by_documents");

    // A change notice (变更公告) for the section is published.
    emit_event(
        &app,
        "publishing.announcement.published",
        "chg-1",
        json!({"announcement_id": "chg-1", "id": "chg-1", "type": "change", "market": "construction",
               "project_id": t.project_id, "section_ids": [sid],
               "published_at": app.clock().now().to_rfc3339()}),
    )
    .await;
    caught_up(&app).await;
    changed["change_notice_id"] = json!("chg-unknown");
    let (s, v) = put_method(&app, &t.tenderer, &sid, changed.clone()).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["method.change_notice_unknown"]);

    // Deadline 2026-04-03: on 03-19 15 days remain (the last day allowed), on 03-20 14 (refused).
    changed["change_notice_id"] = json!("chg-1");
    travel(&app, &mut t, at("2026-03-19T23:59:00+08:00")).await;
    let (s, v) = put_method(&app, &t.tenderer, &sid, changed.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["change_notice_id"], "chg-1");
    travel(&app, &mut t, at("2026-03-20T00:00:00+08:00")).await;
    changed["price_formula"]["e_above"] = json!("3");
    let (s, v) = put_method(&app, &t.tenderer, &sid, changed).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "method.change_too_late");
    let declared = events(&app, "evaluation.method.declared", &sid).await;
    assert_eq!(declared.len(), 2, "the refusals changed nothing");
    assert_eq!(declared[1]["method"]["price_formula"]["e_above"], "2");
    app.stop().await;
}

#[tokio::test]
async fn a_bid_above_the_ceiling_is_rejected_and_an_abnormally_low_price_waits_for_the_committees_record(
) {
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "construction").await;
    let sid = t.section_id.clone();
    caught_up(&app).await;
    // Ceiling 9 650 000.00: bidder1 bids exactly that (stands), bidder3 9 720 000.00 (rejected).
    // Share 0.99: bidder2's 9 480 000.50 < 0.99 × 9 650 000.00 = 9 553 500 (the other compliant bid).
    let (s, v) = put_method(
        &app,
        &t.tenderer,
        &sid,
        json!({"method": "lowest_evaluated_price", "ceiling_price": "0", "abnormally_low_share": "1"}),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        rules_of(&v),
        ["ceiling.amount", "abnormally_low.share_range"]
    );
    let (s, v) = put_method(
        &app,
        &t.tenderer,
        &sid,
        json!({"method": "lowest_evaluated_price", "ceiling_price": "9650000.00",
               "abnormally_low_share": "0.99"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    open_by_staff(&app, &t).await;
    register_and_bid(&app, &mut t).await;
    open_and_decrypt(&app, &mut t).await;
    let mut experts = vec![];
    let mut entries = vec![];
    for (u, id) in [
        ("expert1", "EXP-1"),
        ("expert2", "EXP-2"),
        ("expert3", "EXP-3"),
    ] {
        let (e, j) = expert(&app, u, id).await;
        experts.push(e);
        entries.push(j);
    }
    draw(&app, &sid, entries).await;
    for e in &experts {
        let (s, v) = review(&app, e, &sid, pass_all(&t)).await;
        assert_eq!(s, 200, "{v}");
    }
    let (b1, b2, b3) = (
        t.bidders[0].org_id.clone(),
        t.bidders[1].org_id.clone(),
        t.bidders[2].org_id.clone(),
    );
    let wb = workbench(&app, &experts[0].token, &sid).await;
    assert_eq!(wb["stage"], "price_check", "{wb}");
    assert_eq!(wb["rejected"], json!([b3]), "above the ceiling");
    let rejected = events(&app, "evaluation.bid.rejected", &sid).await;
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["ground"], "above_ceiling");
    let low = events(&app, "evaluation.price.abnormally_low", &sid).await;
    assert_eq!(low.len(), 1, "{low:?}");
    assert_eq!(low[0]["org_id"], b2.as_str());
    assert_eq!(low[0]["threshold"], "9553500.00");

    let path = format!("/api/v1/sections/{sid}/evaluation/price-checks");
    let tok = experts[0].token.clone();
    let (s, v) = app
        .post(
            Some(&tok),
            &path,
            json!({"org_id": b1, "reasonable": true, "explanation": "x"}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["price_check.not_flagged"]);
    let (s, v) = app
        .post(
            Some(&tok),
            &path,
            json!({"org_id": b2, "reasonable": false,
                   "explanation": "书面说明未能证明报价不低于成本：主要材料单价低于市场价 30 %"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["stage"], "signing");
    let (s, v) = app
        .post(
            Some(&tok),
            &path,
            json!({"org_id": b2, "reasonable": true, "explanation": "again"}),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "price_check.not_this_stage");

    let r = app
        .get_expect(
            &t.staff,
            &format!("/api/v1/sections/{sid}/evaluation/report"),
            200,
        )
        .await;
    let ranking: Vec<&str> = r["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["org_id"].as_str().unwrap())
        .collect();
    assert_eq!(ranking, [b1.as_str()], "{r}");
    assert_eq!(r["ranking"][0]["price"], "9650000.00");
    let grounds: Vec<(&str, &str)> = r["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["org_id"].as_str().unwrap(), x["ground"].as_str().unwrap()))
        .collect();
    assert_eq!(
        grounds,
        [
            (b3.as_str(), "above_ceiling"),
            (b2.as_str(), "abnormally_low")
        ]
    );
    assert_eq!(r["price_checks"][0]["reasonable"], false);
    assert!(r["lot"].is_null(), "no tie");
    app.stop().await;
}

#[tokio::test]
async fn procurement_price_weight_is_at_least_30_for_goods_and_a_tie_is_broken_by_a_recorded_lot() {
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "procurement").await;
    let sid = t.section_id.clone();
    caught_up(&app).await;
    let method = |price: &str, technical: &str| {
        json!({"method": "comprehensive",
               "criteria": [
                   {"code": "price", "name": "价格", "max_points": price, "is_price": true},
                   {"code": "technical", "name": "技术", "max_points": technical, "guidance": "技术响应"},
                   {"code": "commercial", "name": "商务", "max_points": "20", "guidance": "业绩"}],
               "price_formula": {"kind": "lowest_ratio", "base": {"kind": "lowest"}}})
    };
    let (s, v) = put_method(&app, &t.tenderer, &sid, method("29.99", "50.01")).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(rules_of(&v), ["price_weight.minimum"]);
    let (s, v) = put_method(&app, &t.tenderer, &sid, method("30.00", "50.00")).await;
    assert_eq!(s, 200, "{v}");

    open_by_staff(&app, &t).await;
    register_and_bid(&app, &mut t).await;
    open_and_decrypt(&app, &mut t).await;
    let mut experts = vec![];
    let mut entries = vec![];
    for (u, id) in [
        ("expert1", "EXP-1"),
        ("expert2", "EXP-2"),
        ("expert3", "EXP-3"),
    ] {
        let (e, j) = expert(&app, u, id).await;
        experts.push(e);
        entries.push(j);
    }
    draw(&app, &sid, entries).await;
    // 87号令 第四十四条: the purchaser reviews the suppliers' qualification before the committee.
    crate::procurement_qualification::qualify_all(&app, &t).await;
    caught_up(&app).await;
    for e in &experts {
        assert_eq!(review(&app, e, &sid, pass_all(&t)).await.0, 200);
    }
    // Price scores 29.47 (bidder1), 30.00 (bidder2), 29.26 (bidder3): bidder1's 0.53 more technical
    // points tie it with bidder2 at 85.00; the documents declare no tie rule → a lot.
    let (b1, b2) = (t.bidders[0].org_id.clone(), t.bidders[1].org_id.clone());
    let body = json!({"bids": t.bidders.iter().map(|b| {
        let tech = if b.org_id == b1 { "40.53" } else { "40" };
        json!({"org_id": b.org_id, "points": {"technical": tech, "commercial": "15"}})
    }).collect::<Vec<_>>()});
    for e in &experts {
        let (s, v) = score(&app, e, &sid, body.clone()).await;
        assert_eq!(s, 200, "{v}");
    }
    let drawn = events(&app, "evaluation.tie.drawn", &sid).await;
    assert_eq!(drawn.len(), 1, "drawn once, when the scores are final");
    let seed = drawn[0]["seed"].as_str().expect("seed").to_string();
    assert_eq!(seed.len(), 64);
    let mut expected = vec![b1.clone(), b2.clone()];
    expected.sort_by_key(|o| ggzy_evaluation::rules::lot_key(&seed, o));
    assert_eq!(drawn[0]["groups"][0]["order"], json!(expected));
    let r = app
        .get_expect(
            &t.staff,
            &format!("/api/v1/sections/{sid}/evaluation/report"),
            200,
        )
        .await;
    assert_eq!(r["ranking"][0]["score"], "85.00");
    assert_eq!(r["ranking"][1]["score"], "85.00");
    assert_eq!(r["ranking"][0]["org_id"], expected[0].as_str());
    assert_eq!(r["ranking"][1]["org_id"], expected[1].as_str());
    assert_eq!(r["lot"]["seed"], seed.as_str());
    // Anyone recomputes the order from the recorded seed: SHA-256 of "seed:org_id".
    use sha2::Digest;
    let key = hex::encode(sha2::Sha256::digest(
        format!("{seed}:{}", expected[0]).as_bytes(),
    ));
    assert_eq!(r["lot"]["groups"][0]["keys"][&expected[0]], key.as_str());
    app.stop().await;
}

/// 中小企业声明函 (财库〔2020〕46号 第九条): bidder1 declares itself a micro enterprise offering
/// small/micro enterprises' goods, sealed in its package's manifest with the price; the section's
/// documents deduct 10 %. Its 100.00 is evaluated as 90.00 against bidder2's 95.00 (no declaration)
/// and bidder3's 110.00 (a medium enterprise: no deduction): the base price is 90.00 and bidder1
/// ranks first at its price bid, 100.00; without the deduction bidder2 would.
#[tokio::test]
async fn an_sme_declaration_sealed_in_the_bid_is_deducted_in_the_price_score() {
    use ggzy_projects::package::{plaintext_declared, seal, SmeDeclaration, Suite};
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "procurement").await;
    let sid = t.section_id.clone();
    caught_up(&app).await;
    let mut m = comprehensive();
    m["criteria"] = json!([
        {"code": "price", "name": "价格", "max_points": "30", "is_price": true},
        {"code": "technical", "name": "技术", "max_points": "50", "guidance": "技术响应"},
        {"code": "commercial", "name": "商务", "max_points": "20", "guidance": "业绩"}]);
    m["price_formula"] = json!({"kind": "lowest_ratio", "base": {"kind": "lowest"}});
    m["sme_deduction"] = json!("0.10");
    let (s, v) = put_method(&app, &t.tenderer, &sid, m).await;
    assert_eq!(s, 200, "{v}");
    open_by_staff(&app, &t).await;
    crate::award::projection_ready(&app).await;
    // (user, price, declared size with "all goods from small/micro enterprises")
    let specs = [
        ("bidder1", "100.00", Some(("micro", true))),
        ("bidder2", "95.00", None),
        ("bidder3", "110.00", Some(("medium", true))),
    ];
    for (n, (name, price, sme)) in specs.into_iter().enumerate() {
        let token = app.login(name).await;
        let org_id = app.org_of(&token).await;
        app.register_for(&token, &sid).await;
        let seed = 70 + u8::try_from(n).unwrap();
        let key = vec![seed; 32];
        let sme = sme.map(|(scale, by)| SmeDeclaration {
            scale: scale.into(),
            by_small_micro: by,
        });
        let plain = plaintext_declared(
            Suite::Aes256GcmSha256,
            &ggzy_projects::package::new_salt(),
            price,
            sme,
            &[("商务标.pdf", b"%PDF-1.7 bid".as_slice())],
        );
        let sealed = seal(Suite::Aes256GcmSha256, &key, &[seed; 7], &plain).unwrap();
        let r = app
            .client
            .put(app.url(&format!("/api/v1/sections/{sid}/bids/mine")))
            .bearer_auth(&token)
            .header("content-type", "application/octet-stream")
            .header("X-Bid-Digest", &sealed.digest)
            .body(sealed.ciphertext.clone())
            .send()
            .await
            .unwrap();
        let (s, v) = ggzy_api_tests::into_parts(r).await;
        assert_eq!(s, 201, "{name}: {v}");
        t.bidders.push(crate::award::Bidder {
            name,
            token,
            org_id,
            key,
            price,
        });
    }
    // Sealed until the opening: nothing about the declaration is in the submission events.
    for e in events(&app, "projects.bid.submitted", &sid).await {
        assert!(e.get("sme").is_none(), "{e}");
    }
    open_and_decrypt(&app, &mut t).await;
    let dec = events(&app, "projects.bid.decrypted", &sid).await;
    let of = |org: &str| dec.iter().find(|e| e["org_id"] == org).unwrap()["sme"].clone();
    assert_eq!(
        of(&t.bidders[0].org_id),
        json!({"scale": "micro", "by_small_micro": true})
    );
    assert!(of(&t.bidders[1].org_id).is_null());

    let mut experts = vec![];
    let mut entries = vec![];
    for (u, id) in [
        ("expert1", "EXP-1"),
        ("expert2", "EXP-2"),
        ("expert3", "EXP-3"),
    ] {
        let (e, j) = expert(&app, u, id).await;
        experts.push(e);
        entries.push(j);
    }
    draw(&app, &sid, entries).await;
    // 87号令 第四十四条: the purchaser reviews the suppliers' qualification before the committee.
    crate::procurement_qualification::qualify_all(&app, &t).await;
    caught_up(&app).await;
    for e in &experts {
        assert_eq!(review(&app, e, &sid, pass_all(&t)).await.0, 200);
    }
    let body = json!({"bids": t.bidders.iter().map(|b| json!({"org_id": b.org_id,
        "points": {"technical": "40", "commercial": "15"}})).collect::<Vec<_>>()});
    for e in &experts {
        let (s, v) = score(&app, e, &sid, body.clone()).await;
        assert_eq!(s, 200, "{v}");
    }
    let r = app
        .get_expect(
            &t.staff,
            &format!("/api/v1/sections/{sid}/evaluation/report"),
            200,
        )
        .await;
    // Exact decimals, compared without trailing zeros ("90.0000" is 90).
    let d = |v: &Value| {
        let s = v.as_str().unwrap_or_else(|| panic!("{v}")).to_string();
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    let bid = |org: &str| {
        r["bids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["org_id"] == org)
            .unwrap()
            .clone()
    };
    let (b1, b2, b3) = (
        bid(&t.bidders[0].org_id),
        bid(&t.bidders[1].org_id),
        bid(&t.bidders[2].org_id),
    );
    assert_eq!(d(&b1["evaluated_price"]), "90", "{b1}");
    assert_eq!(b1["sme"]["scale"], "micro");
    assert_eq!(d(&b2["evaluated_price"]), "95", "{b2}");
    assert!(b2["sme"].is_null());
    // A medium enterprise declares, but gets no deduction.
    assert_eq!(d(&b3["evaluated_price"]), "110", "{b3}");
    assert_eq!(d(&r["base"]["base"]), "90", "{}", r["base"]);
    // 90/90 × 30 = 30.00 + 55 = 85.00; 90/95 × 30 = 28.42 + 55 = 83.42; 90/110 × 30 = 24.55 + 55.
    let order: Vec<(&str, &str, &str)> = r["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["org_id"].as_str().unwrap(),
                c["price"].as_str().unwrap(),
                c["score"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            (t.bidders[0].org_id.as_str(), "100.00", "85.00"),
            (t.bidders[1].org_id.as_str(), "95.00", "83.42"),
            (t.bidders[2].org_id.as_str(), "110.00", "79.55"),
        ]
    );
    app.stop().await;
}

/// Non-tender ties (询价): bidder1 and bidder2 quote the same lowest price. The result is no longer
/// refused: the tie goes to a lot drawn once (32 random bytes), stored and recorded in
/// `projects.nontender.tie_drawn`; the order follows SHA-256(seed:org_id), never the org id.
#[tokio::test]
async fn a_non_tender_tie_is_broken_by_a_recorded_lot() {
    use crate::procedures_procurement::{body, open, post, trade};
    let app = TestApp::spawn().await;
    let issue = "2026-04-02T09:00:00+08:00";
    let deadline = "2026-04-08T09:30:00+08:00";
    let mut t = trade(
        &app,
        body("inquiry", issue, "2026-04-03T17:00:00+08:00", deadline),
        &[
            ("bidder1", "9480000.50"),
            ("bidder2", "9480000.50"),
            ("bidder3", "9720000.00"),
        ],
    )
    .await;
    open(&app, &mut t, deadline).await;
    let draw_id = crate::award::committee(&app, &t).await;
    let (s, r) = post(
        &app,
        &t,
        "nontender-result",
        json!({"report_ref": "XJBG-TIE-1", "committee_draw_id": draw_id}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["outcome"], "ranked");
    let drawn = events(&app, "projects.nontender.tie_drawn", &t.section_id).await;
    assert_eq!(drawn.len(), 1, "drawn once");
    let seed = drawn[0]["seed"].as_str().unwrap().to_string();
    assert_eq!(seed.len(), 64);
    assert_eq!(r["lot"]["seed"], seed.as_str());
    let mut tied = vec![t.bidders[0].org_id.clone(), t.bidders[1].org_id.clone()];
    tied.sort_by_key(|o| ggzy_core::lot::key(&seed, o));
    assert_eq!(drawn[0]["groups"][0]["order"], json!(tied));
    let order: Vec<&str> = r["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["org_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            tied[0].as_str(),
            tied[1].as_str(),
            t.bidders[2].org_id.as_str()
        ]
    );
    // Anyone recomputes a key from the recorded seed.
    use sha2::Digest;
    let key = hex::encode(sha2::Sha256::digest(
        format!("{seed}:{}", tied[0]).as_bytes(),
    ));
    assert_eq!(r["lot"]["groups"][0]["keys"][&tied[0]], key.as_str());
    app.stop().await;
}
