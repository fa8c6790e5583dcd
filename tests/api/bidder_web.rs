//! The bidder's workbench pages beyond registration and sealing: the deposit page (保证金), the
//! receipts (回执) with replace and withdraw, and their refusals (another bidder's section, after
//! the deadline, without the CSRF token). Pages are read as a browser would (tests/src/pages.rs).

use ggzy_api_tests::fixtures::{at, road_project};
use ggzy_api_tests::pages::Visitor;
use ggzy_api_tests::TestApp;
use ggzy_projects::package::{self, Suite};
use serde_json::json;

const DEADLINE: &str = "2026-03-23T09:30:00+08:00";
const BIDDER1_BASIC: &str = "21050161000000000004";

/// A bid of `bidder` sealed by the Rust writer, uploaded through the API; the answer's status.
async fn put_bid(app: &TestApp, bidder: &str, section: &str, price: &str, seed: u8) -> u16 {
    let t = app.login(bidder).await;
    let plain = package::plaintext(Suite::Aes256GcmSha256, price, &[("商务标.pdf", b"%PDF")]);
    let s = package::seal(Suite::Aes256GcmSha256, &[seed; 32], &[seed; 7], &plain).unwrap();
    app.client
        .put(app.url(&format!("/api/v1/sections/{section}/bids/mine")))
        .bearer_auth(&t)
        .header("content-type", "application/octet-stream")
        .header("X-Bid-Digest", &s.digest)
        .body(s.ciphertext)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn my_bid_status(app: &TestApp, bidder: &str, section: &str) -> String {
    let t = app.login(bidder).await;
    let (_, v) = app
        .get(Some(&t), &format!("/api/v1/sections/{section}/bids/mine"))
        .await;
    v["status"].as_str().unwrap_or("").to_string()
}

#[tokio::test]
async fn the_deposit_page_gives_the_account_shows_the_money_received_and_takes_a_guarantee() {
    let app = TestApp::spawn().await;
    let r = app
        .bidding_section(
            road_project("保证金页面道路工程", DEADLINE),
            &["bidder1", "bidder2"],
        )
        .await;
    let section = r.section_id.clone();
    app.drain_consumer("deposits.projection").await;
    let page = format!("/bidder/sections/{section}/deposit");
    let mut v = Visitor::new(&app);
    v.sign_in("bidder1").await;
    // The workbench links the deposit page of a registered section.
    assert!(v.get("/bidder").await.body.contains(&page));
    let p = v.get(&page).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("200,000.00 元"), "{}", p.body);
    assert!(p.body.contains("待缴纳"), "{}", p.body);
    // Asking for the account without the CSRF token: refused, no account.
    let action = format!("{page}/account");
    assert!(p.body.contains(&action));
    assert_eq!(v.post_form(&action, &[]).await.status, 403);
    let b1 = app.login("bidder1").await;
    let (_, st) = app
        .get(
            Some(&b1),
            &format!("/api/v1/deposits/status?section_id={section}"),
        )
        .await;
    assert_eq!(st[0]["account_no"], serde_json::Value::Null, "{st}");
    // With it: the virtual sub-account, the same the API gives.
    let csrf = v.csrf(&page).await;
    let done = v.post_form(&action, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let p = v.get(done.location()).await;
    let (_, acc) = app.deposit_account(&b1, &section).await;
    let account_no = acc["account_no"].as_str().unwrap().to_string();
    assert!(p.body.contains(&account_no), "{}", p.body);
    // The bank reports the transfer: the page says received and valid, with the payer.
    let bank = app.login("bank").await;
    let (s, out) = app
        .bank_transfer(
            &bank,
            &json!({"transaction_id": "T-page-1", "account_no": account_no,
                    "payer_account_no": BIDDER1_BASIC, "payer_name": "大连第一建筑工程有限公司",
                    "amount": "200000.00", "value_at": app.clock().now().to_rfc3339()}),
        )
        .await;
    assert_eq!(s, 200, "{out}");
    let p = v.get(&page).await;
    assert!(p.body.contains("id=\"deposit-stage\">有效<"), "{}", p.body);
    assert!(p.body.contains("大连第一建筑工程有限公司"));
    assert!(p.body.contains("已入账"));
    // English switch.
    assert!(v
        .get(&format!("{page}?lang=en"))
        .await
        .body
        .contains(">valid<"));
    let _ = v.get("/bidder?lang=zh").await;

    // bidder2 gives an electronic guarantee instead: a short one is refused by rule, naming the
    // field, and changes nothing; a sufficient one is recorded and makes the deposit valid.
    let mut v2 = Visitor::new(&app);
    v2.sign_in("bidder2").await;
    let csrf2 = v2.csrf(&page).await;
    let g = format!("{page}/guarantee");
    let fields = |amount: &'static str, until: &'static str| {
        vec![
            ("kind", "electronic_guarantee"),
            ("issuer", "中国人民财产保险大连分公司"),
            ("number", "EG-2026-0001"),
            ("amount", amount),
            ("valid_from", "2026-03-10"),
            ("valid_until", until),
            ("verification_code", "7F3K-99QX"),
            ("bid_validity_days", "90"),
        ]
    };
    let mut bad = fields("150000.00", "2026-06-20");
    bad.push(("csrf", &csrf2));
    let refused = v2.post_form(&g, &bad).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("href=\"#f-amount\""),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"EG-2026-0001\""),
        "values kept"
    );
    let b2 = app.login("bidder2").await;
    let (_, list) = app
        .get(
            Some(&b2),
            &format!("/api/v1/deposits/guarantees?section_id={section}"),
        )
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    // A malformed date is named too.
    let mut bad = fields("200000.00", "20-06-2026");
    bad.push(("csrf", &csrf2));
    let refused = v2.post_form(&g, &bad).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("date.format"), "{}", refused.body);
    let mut good = fields("200000.00", "2026-06-21");
    good.push(("csrf", &csrf2));
    let ok = v2.post_form(&g, &good).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let p = v2.get(ok.location()).await;
    assert!(p.body.contains("保函已登记"), "{}", p.body);
    assert!(p.body.contains("电子保函"));
    assert!(p.body.contains("EG-2026-0001"));
    assert!(p.body.contains("id=\"deposit-stage\">有效<"), "{}", p.body);
    // bidder1 sees neither bidder2's guarantee nor its account.
    let p = v.get(&page).await;
    assert!(!p.body.contains("EG-2026-0001"));
    app.stop().await;
}

#[tokio::test]
async fn another_bidders_section_shows_nothing_and_pages_need_a_bidder() {
    let app = TestApp::spawn().await;
    let r = app
        .bidding_section(road_project("别人的标段", DEADLINE), &["bidder2"])
        .await;
    let section = r.section_id.clone();
    app.drain_consumer("deposits.projection").await;
    assert_eq!(
        put_bid(&app, "bidder2", &section, "9000000.00", 2).await,
        201
    );
    let mut v = Visitor::new(&app);
    v.sign_in("bidder1").await;
    for path in [
        format!("/bidder/sections/{section}/deposit"),
        format!("/bidder/sections/{section}/receipts"),
        format!("/bidder/sections/{section}/receipts/1"),
        format!("/bidder/sections/{section}/withdraw"),
        format!("/bidder/sections/{section}/opening"),
        format!("/bidder/sections/{section}/opening/events"),
        format!("/bidder/sections/{section}/result"),
        "/bidder/sections/nonexistent/receipts".to_string(),
    ] {
        let p = v.get(&path).await;
        assert_eq!(p.status, 404, "{path}: {}", p.body);
        assert!(!p.body.contains("9000000"), "{path}");
    }
    // bidder1 cannot withdraw bidder2's bid (it withdraws only its own, and has none).
    let csrf = v.csrf("/bidder").await;
    let p = v
        .post_form(
            &format!("/bidder/sections/{section}/withdraw"),
            &[("csrf", &csrf)],
        )
        .await;
    assert!(p.status == 404 || p.status == 409, "{}", p.status);
    assert_eq!(my_bid_status(&app, "bidder2", &section).await, "current");
    // Another role: refused.
    let mut e = Visitor::new(&app);
    e.sign_in("expert1").await;
    let p = e.get(&format!("/bidder/sections/{section}/deposit")).await;
    assert_eq!(p.status, 403);
    app.stop().await;
}

#[tokio::test]
async fn receipts_are_listed_and_downloadable_and_a_bid_is_replaced_or_withdrawn_only_before_the_deadline(
) {
    let app = TestApp::spawn().await;
    let r = app
        .bidding_section(road_project("回执页面道路工程", DEADLINE), &["bidder1"])
        .await;
    let section = r.section_id.clone();
    let receipts = format!("/bidder/sections/{section}/receipts");
    let withdraw = format!("/bidder/sections/{section}/withdraw");
    let mut v = Visitor::new(&app);
    v.sign_in("bidder1").await;
    let p = v.get(&receipts).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("尚未上传投标文件"));
    // Upload, then replace (upload again): two versions, each with its receipt.
    assert_eq!(
        put_bid(&app, "bidder1", &section, "8000000.00", 1).await,
        201
    );
    assert_eq!(
        put_bid(&app, "bidder1", &section, "7900000.00", 9).await,
        201
    );
    let p = v.get(&receipts).await;
    assert!(p.body.contains("已被替换"), "{}", p.body);
    assert!(p.body.contains("有效（开标时解密此版本）"));
    assert!(p.body.contains(&format!("{receipts}/1")));
    assert!(p.body.contains(&format!("{receipts}/2")));
    assert!(p.body.contains(&format!("href=\"{withdraw}\"")));
    assert!(p
        .body
        .contains(&format!("href=\"/bidder/sections/{section}/bid\"")));
    // The first receipt, downloaded later: the signed receipt as the API gave it.
    let b1 = app.login("bidder1").await;
    let (_, api) = app
        .get(
            Some(&b1),
            &format!("/api/v1/sections/{section}/bids/mine/receipts"),
        )
        .await;
    let file = v.get(&format!("{receipts}/1")).await;
    assert_eq!(file.status, 200);
    assert!(file.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("bid-receipt-{section}-v1.json")));
    let body: serde_json::Value = serde_json::from_str(&file.body).unwrap();
    assert_eq!(body, api[0]["receipt"], "{body}");
    assert!(body["signature"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(v.get(&format!("{receipts}/7")).await.status, 404);

    // Withdraw: a confirmation first; without the CSRF token nothing changes.
    let confirm = v.get(&withdraw).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains("确认撤回"));
    assert_eq!(v.post_form(&withdraw, &[]).await.status, 403);
    assert_eq!(my_bid_status(&app, "bidder1", &section).await, "current");
    let csrf = v.csrf(&withdraw).await;
    let done = v.post_form(&withdraw, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let p = v.get(done.location()).await;
    assert!(p.body.contains("投标文件已撤回"), "{}", p.body);
    assert!(p.body.contains("已撤回"));
    assert!(
        !p.body.contains(&format!("href=\"{withdraw}\"")),
        "nothing to withdraw"
    );
    assert_eq!(my_bid_status(&app, "bidder1", &section).await, "withdrawn");
    // Upload again (re-seal): current once more, version 3.
    assert_eq!(
        put_bid(&app, "bidder1", &section, "7800000.00", 5).await,
        201
    );
    assert!(v
        .get(&receipts)
        .await
        .body
        .contains(&format!("{receipts}/3")));

    // After the deadline: the buttons are gone and the server refuses.
    app.clock().set(at("2026-03-23T09:30:00+08:00"));
    let mut v = Visitor::new(&app);
    v.sign_in("bidder1").await;
    let p = v.get(&receipts).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("投标截止时间已过"), "{}", p.body);
    assert!(!p.body.contains(&format!("href=\"{withdraw}\"")));
    assert!(!p
        .body
        .contains(&format!("href=\"/bidder/sections/{section}/bid\"")));
    // The receipts stay downloadable.
    assert_eq!(v.get(&format!("{receipts}/3")).await.status, 200);
    let confirm = v.get(&withdraw).await;
    assert_eq!(confirm.status, 409);
    assert!(!confirm.body.contains("确认撤回"));
    let csrf = v.csrf(&receipts).await;
    let refused = v.post_form(&withdraw, &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("bid.after_deadline"),
        "{}",
        refused.body
    );
    assert_eq!(my_bid_status(&app, "bidder1", &section).await, "current");
    app.stop().await;
}

/// The SSE stream of the opening page, read with the visitor's cookies: the text received until
/// `until` appears (or `secs` seconds pass), and whether the stream ended.
async fn read_events(
    v: &Visitor,
    resp: &mut reqwest::Response,
    until: &str,
    secs: u64,
) -> (String, bool) {
    let _ = v;
    let mut text = String::new();
    let end = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(end, resp.chunk()).await {
            Ok(Ok(Some(c))) => {
                text.push_str(&String::from_utf8_lossy(&c));
                if text.contains(until) {
                    return (text, false);
                }
            }
            Ok(Ok(None)) => return (text, true),
            Ok(Err(e)) => panic!("stream: {e}"),
            Err(_) => return (text, false),
        }
    }
}

async fn open_events(v: &Visitor, section: &str) -> reqwest::Response {
    let cookies = v
        .cookies
        .iter()
        .map(|(k, val)| format!("{k}={val}"))
        .collect::<Vec<_>>()
        .join("; ");
    let r = v
        .client
        .get(format!(
            "{}/bidder/sections/{section}/opening/events",
            v.base
        ))
        .header(reqwest::header::COOKIE, cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    r
}

#[tokio::test]
async fn the_opening_page_follows_the_window_live_and_takes_the_key_file_without_script() {
    use crate::award::{open_by_staff, register_and_bid, registered_section, travel, wait_state};
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "construction").await;
    open_by_staff(&app, &t).await;
    register_and_bid(&app, &mut t).await;
    let section = t.section_id.clone();
    let page = format!("/bidder/sections/{section}/opening");
    let mut v = Visitor::new(&app);
    v.sign_in("bidder1").await;
    let p = v.get(&page).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("data-phase=\"before\""), "{}", p.body);
    assert!(p.body.contains("/static/opening.js?v="));
    // The deadline passes: the decryption window opens.
    travel(
        &app,
        &mut t,
        at(crate::award::DEADLINE) + chrono::Duration::seconds(1),
    )
    .await;
    wait_state(&app, &t, "opening").await;
    let mut v = Visitor::new(&app);
    v.sign_in("bidder1").await;
    let p = v.get(&page).await;
    assert!(p.body.contains("data-phase=\"window\""), "{}", p.body);
    assert!(p.body.contains("data-countdown=\"cd-window\""));
    assert!(p.body.contains("id=\"f-keyfile\""), "the key file field");
    let mut events = open_events(&v, &section).await;
    let (first, _) = read_events(&v, &mut events, "\"phase\":\"window\"", 10).await;
    assert!(first.contains("event: opening"), "{first}");
    assert!(first.contains("\"recorded\":false"), "{first}");
    // The key file's whole content, pasted (no script): its key is taken and decrypts.
    let file = json!({"format": "ggzy-bid-key/1", "suite": "aes-256-gcm+sha256",
        "key": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &t.bidders[0].key),
        "digest": "x", "package": "browser-upload"})
    .to_string();
    // Without the CSRF token: refused and nothing decrypted.
    let refused = v.post_form(&format!("{page}/key"), &[("key", &file)]).await;
    assert_eq!(refused.status, 403);
    let csrf = v.csrf(&page).await;
    // A wrong key is named next to the field with its rule; nothing changes.
    let wrong = v
        .post_form(
            &format!("{page}/key"),
            &[
                ("csrf", &csrf),
                (
                    "key",
                    &base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [7u8; 32]),
                ),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains("href=\"#f-key\""), "{}", wrong.body);
    let done = v
        .post_form(&format!("{page}/key"), &[("csrf", &csrf), ("key", &file)])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let p = v.get(done.location()).await;
    assert!(p.body.contains("9,650,000.00 元"), "{}", p.body);
    assert!(
        p.body.contains("id=\"my-decryption\">已解密<"),
        "{}",
        p.body
    );
    // The others give theirs (API): the open stream reports the record, then ends.
    for b in &t.bidders[1..] {
        let (s, out) = app
            .post(
                Some(&b.token),
                &format!("/api/v1/sections/{section}/bids/mine/key"),
                json!({"key": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &b.key)}),
            )
            .await;
        assert_eq!(s, 200, "{out}");
    }
    let (later, _) = read_events(&v, &mut events, "\"recorded\":true", 15).await;
    assert!(later.contains("\"phase\":\"recorded\""), "{later}");
    let (_, ended) = read_events(&v, &mut events, "never", 5).await;
    assert!(ended, "the stream ends after the record");
    // Reloaded, the page shows the opening record with every price.
    let p = v.get(&page).await;
    assert!(p.body.contains("开标记录"), "{}", p.body);
    for price in ["9,650,000.00 元", "9,480,000.50 元", "9,720,000.00 元"] {
        assert!(p.body.contains(price), "{price}");
    }
    assert!(
        !p.body.contains("id=\"key-form\""),
        "no key form after the record"
    );
    app.stop().await;
}

#[tokio::test]
async fn after_the_opening_a_bidder_reads_the_publicity_objects_reads_the_answer_and_the_award() {
    use crate::award::{evaluating_section, post_award, submit_result, travel};
    let app = TestApp::spawn().await;
    let mut t = evaluating_section(&app, "construction").await;
    let section = t.section_id.clone();
    let page = format!("/bidder/sections/{section}/result");
    // Objections are remedies cases (since rem20e): the result page links to the remedies raise
    // form during the publicity; the case page shows the answer.
    let post = format!("/bidder/sections/{section}/remedies/new");
    let mut v = Visitor::new(&app);
    v.sign_in("bidder3").await;
    let p = v.get(&page).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("评标结果尚未公示"));
    assert!(!p.body.contains(&post), "no objection before the publicity");
    let (s, res) = submit_result(&app, &t, 3).await;
    assert_eq!(s, 201, "{res}");
    let ends = at(res["publicity_ends_at"].as_str().unwrap());
    let p = v.get(&page).await;
    assert!(p.body.contains("中标候选人公示"), "{}", p.body);
    for price in ["9,480,000.50 元", "9,650,000.00 元", "9,720,000.00 元"] {
        assert!(p.body.contains(price), "{price}: {}", p.body);
    }
    assert!(p.body.contains("93.50"));
    assert!(p.body.contains(&post));
    app.drain_consumer("remedies.projection").await;
    let raise = |csrf: &str, grounds: &str| {
        [
            ("csrf", csrf.to_string()),
            ("action", "raise".to_string()),
            ("kind", "objection".to_string()),
            ("target", "result".to_string()),
            ("grounds", grounds.to_string()),
        ]
    };
    async fn send(
        v: &mut Visitor,
        url: &str,
        f: &[(&str, String); 5],
        csrf: bool,
    ) -> ggzy_api_tests::pages::PageResp {
        let fields: Vec<(&str, &str)> = f
            .iter()
            .filter(|(k, _)| csrf || *k != "csrf")
            .map(|(k, x)| (*k, x.as_str()))
            .collect();
        v.post_multipart(url, &fields, &[]).await
    }
    // Without the CSRF token: nothing raised.
    let csrf = v.csrf(&page).await;
    assert_eq!(
        send(&mut v, &post, &raise(&csrf, "评分有误"), false)
            .await
            .status,
        403
    );
    let obj_api = format!("/api/v1/sections/{section}/remedies");
    let (_, all) = app.get(Some(&t.tenderer), &obj_api).await;
    assert_eq!(all.as_array().map(Vec::len), Some(0), "{all}");
    let blank = send(&mut v, &post, &raise(&csrf, " "), true).await;
    assert_eq!(blank.status, 422, "{}", blank.body);
    assert!(blank.body.contains("href=\"#f-grounds\""), "{}", blank.body);
    let done = send(
        &mut v,
        &post,
        &raise(&csrf, "第一名的项目经理证书<已过期>"),
        true,
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let case_page = done.location().to_string();
    let p = v.get(&case_page).await;
    assert!(
        p.body.contains("第一名的项目经理证书&#60;已过期&#62;")
            || p.body.contains("第一名的项目经理证书&lt;已过期&gt;"),
        "escaped: {}",
        p.body
    );
    // The tenderer answers (API); the bidder reads the answer on its case page.
    let (_, all) = app.get(Some(&t.tenderer), &obj_api).await;
    let id = all[0]["id"].as_str().unwrap().to_string();
    let (s, a) = app
        .post(
            Some(&t.tenderer),
            &format!("/api/v1/remedies/{id}/answer"),
            json!({"answer": "经核查，证书在有效期内。"}),
        )
        .await;
    assert_eq!(s, 200, "{a}");
    assert!(v
        .get(&case_page)
        .await
        .body
        .contains("经核查，证书在有效期内。"));
    // Another bidder of the section reads the case without its raiser (remedies' anonymised view).
    let b1 = app.login("bidder1").await;
    let (s, other) = app.get(Some(&b1), &format!("/api/v1/remedies/{id}")).await;
    assert_eq!(
        (s, other["anonymised"].as_bool()),
        (200, Some(true)),
        "{other}"
    );
    assert!(other["raised_by_org"].is_null(), "{other}");
    // The publicity ends: the link is gone and the server refuses.
    travel(&app, &mut t, ends).await;
    app.drain_consumer("projects.suspensions").await;
    let mut v = Visitor::new(&app);
    v.sign_in("bidder3").await;
    let p = v.get(&page).await;
    assert!(!p.body.contains(&post), "{}", p.body);
    let csrf = v.csrf(&page).await;
    let late = send(&mut v, &post, &raise(&csrf, "太晚了"), true).await;
    assert_eq!(late.status, 422, "{}", late.body);
    assert!(
        late.body.contains("remedy.raise_period_ended"),
        "{}",
        late.body
    );
    // The award: the winner reads its notice; another bidder reads who won.
    let (s, aw) = post_award(&app, &t, json!({})).await;
    assert_eq!(s, 201, "{aw}");
    let mut w = Visitor::new(&app);
    w.sign_in("bidder2").await;
    let p = w.get(&page).await;
    assert!(p.body.contains("id=\"award-won\""), "{}", p.body);
    assert!(p.body.contains(aw["notice_no"].as_str().unwrap()));
    let p = v.get(&page).await;
    assert!(p.body.contains("中标通知"));
    assert!(!p.body.contains("id=\"award-won\""));
    app.stop().await;
}

/// The bidder's whole path in a real headless Chromium at 375 px: register, pay (the bank's
/// callback through the API), seal and upload in the browser, read the receipt, withdraw and
/// upload again, give the key from the key file at the opening and see the price in the opening
/// record (the page follows the opening live), then the publicity, an objection and its answer,
/// and the award notice.
mod browser {
    use super::*;
    use crate::award::{
        committee, open_by_staff, post_award, projection_ready, registered_section, travel,
        wait_state, Bidder,
    };
    use base64::Engine as _;
    use fantoccini::{Client, Locator};
    use ggzy_api_tests::DEMO_PASSWORD;
    use std::time::Duration;

    async fn sign_in(c: &Client, app: &TestApp, next: &str) {
        ggzy_api_tests::browser::sign_in(c, &app.url(next), "bidder1", DEMO_PASSWORD).await;
    }

    /// Wait until the page's main text contains `what` (the page updates itself, or a click
    /// brings the next one; up to [`ggzy_api_tests::PATIENCE`]).
    async fn wait_text(c: &Client, what: &str) -> String {
        let mut text = String::new();
        for () in ggzy_api_tests::patience() {
            if let Ok(m) = c.find(Locator::Css("main")).await {
                text = m.text().await.unwrap_or_default();
                if text.contains(what) {
                    return text;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed {what}: {text}");
    }

    async fn click(c: &Client, css: &str) {
        c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Seal `doc` at `price` on the sealing page, with an SME declaration of size `sme` (all goods
    /// from small or micro enterprises) if given; the key shown (base64).
    async fn seal(
        c: &Client,
        app: &TestApp,
        section: &str,
        price: &str,
        sme: Option<&str>,
        doc: &std::path::Path,
    ) -> String {
        c.goto(&app.url(&format!("/bidder/sections/{section}/bid")))
            .await
            .unwrap();
        c.find(Locator::Id("f-price"))
            .await
            .unwrap()
            .send_keys(price)
            .await
            .unwrap();
        if let Some(scale) = sme {
            click(c, &format!("#f-sme option[value='{scale}']")).await;
            click(c, "#f-sme-by").await;
        }
        c.find(Locator::Id("f-documents"))
            .await
            .unwrap()
            .send_keys(doc.to_str().unwrap())
            .await
            .unwrap();
        click(c, "#seal-form button[type=submit]").await;
        for () in ggzy_api_tests::patience() {
            let receipt = c
                .find(Locator::Id("seal-receipt"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if !receipt.is_empty() {
                assert!(receipt.contains("signature"), "{receipt}");
                return c
                    .find(Locator::Id("seal-key-text"))
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
                    .trim()
                    .to_string();
            }
            let err = c
                .find(Locator::Id("seal-error"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(err.is_empty(), "sealing failed in the browser: {err}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no receipt");
    }

    #[tokio::test]
    async fn a_bidder_walks_its_whole_part_in_the_browser_from_registration_to_the_award() {
        let Some(browser) =
            ggzy_api_tests::browser::browser("bidder workbench path", 375, 900).await
        else {
            return;
        };
        let app = TestApp::spawn().await;
        let mut t = registered_section(&app, "construction").await;
        open_by_staff(&app, &t).await;
        projection_ready(&app).await;
        let section = t.section_id.clone();
        let c = browser.client.clone();

        // Sign in and register (报名) with the section's button.
        sign_in(&c, &app, "/login").await;
        click(
            &c,
            &format!("form[action='/bidder/sections/{section}/register'] button"),
        )
        .await;
        c.wait()
            .for_element(Locator::Css("p.notice[role=status]"))
            .await
            .unwrap();

        // The deposit page: get the account, the bank reports the transfer, the state is valid.
        // (The deposits area learns of the registration from its event: wait for it, as a
        // bidder would find the page a moment later.)
        app.drain_consumer("deposits.projection").await;
        click(&c, &format!("a[href='/bidder/sections/{section}/deposit']")).await;
        wait_text(&c, "待缴纳").await;
        click(
            &c,
            &format!("form[action='/bidder/sections/{section}/deposit/account'] button"),
        )
        .await;
        c.wait()
            .for_element(Locator::Id("deposit-account"))
            .await
            .unwrap();
        let account_no = c
            .find(Locator::Id("deposit-account"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let bank = app.login("bank").await;
        let (s, out) = app
            .bank_transfer(
                &bank,
                &json!({"transaction_id": format!("T-{section}"), "account_no": account_no.trim(),
                        "payer_account_no": BIDDER1_BASIC, "payer_name": "大连第一建筑工程有限公司",
                        "amount": "200000.00", "value_at": app.clock().now().to_rfc3339()}),
            )
            .await;
        assert_eq!(
            (s, out["status"].as_str()),
            (200, Some("credited")),
            "{out}"
        );
        c.refresh().await.unwrap();
        let stage = c
            .find(Locator::Id("deposit-stage"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(stage, "有效");

        // Seal and upload in the browser; the receipt is on the receipts page.
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("商务标.pdf");
        std::fs::write(
            &doc,
            (0..150_000u32)
                .map(|i| (i % 241) as u8)
                .collect::<Vec<u8>>(),
        )
        .unwrap();
        let _first_key = seal(&c, &app, &section, "8800000.00", None, &doc).await;
        click(
            &c,
            &format!("a[href='/bidder/sections/{section}/receipts']"),
        )
        .await;
        let text = wait_text(&c, "第1 版").await;
        assert!(text.contains("有效（开标时解密此版本）"), "{text}");

        // Withdraw (with the confirmation), then seal and upload again.
        click(
            &c,
            &format!("a[href='/bidder/sections/{section}/withdraw']"),
        )
        .await;
        wait_text(&c, "确认撤回").await;
        click(&c, "main form button[type=submit]").await;
        wait_text(&c, "投标文件已撤回").await;
        let key = seal(&c, &app, &section, "8765432.19", Some("micro"), &doc).await;
        c.goto(&app.url(&format!("/bidder/sections/{section}/receipts")))
            .await
            .unwrap();
        let text = wait_text(&c, "第2 版").await;
        assert!(text.contains("已撤回"), "{text}");
        let b1 = app.login("bidder1").await;
        let (_, mine) = app
            .get(Some(&b1), &format!("/api/v1/sections/{section}/bids/mine"))
            .await;
        assert_eq!(
            (mine["version"].as_i64(), mine["status"].as_str()),
            (Some(2), Some("current")),
            "{mine}"
        );

        // Two more bidders (Rust-sealed, through the API).
        let mut others = Vec::new();
        for (name, price, seed) in [
            ("bidder2", "9000000.00", 2u8),
            ("bidder3", "9100000.00", 3u8),
        ] {
            let token = app.login(name).await;
            app.register_for(&token, &section).await;
            assert_eq!(put_bid(&app, name, &section, price, seed).await, 201);
            let org_id = app.org_of(&token).await;
            others.push(Bidder {
                name,
                token,
                org_id,
                key: vec![seed; 32],
                price,
            });
        }
        t.bidders = others;

        // The opening: the key from the key file (read on the page), the price in the record.
        travel(
            &app,
            &mut t,
            at(crate::award::DEADLINE) + chrono::Duration::seconds(1),
        )
        .await;
        wait_state(&app, &t, "opening").await;
        let key_file = dir.path().join(format!("bid-key-{section}.json"));
        std::fs::write(
            &key_file,
            json!({"format": "ggzy-bid-key/1", "suite": "aes-256-gcm+sha256", "key": key,
                   "digest": "", "package": "browser-upload"})
            .to_string(),
        )
        .unwrap();
        sign_in(&c, &app, &format!("/bidder/sections/{section}/opening")).await;
        wait_text(&c, "解密窗口开放中").await;
        c.find(Locator::Id("f-keyfile"))
            .await
            .unwrap()
            .send_keys(key_file.to_str().unwrap())
            .await
            .unwrap();
        let mut filled = String::new();
        for () in ggzy_api_tests::patience() {
            filled = c
                .execute("return document.getElementById('f-key').value", vec![])
                .await
                .unwrap()
                .as_str()
                .unwrap_or("")
                .to_string();
            if !filled.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(filled, key, "the page read the key from the file");
        click(&c, "#key-form button[type=submit]").await;
        wait_text(&c, "您的投标文件已解密").await;
        // The others give theirs; the page follows the opening by itself (SSE) to the record.
        for b in &t.bidders {
            let (s, v) = app
                .post(
                    Some(&b.token),
                    &format!("/api/v1/sections/{section}/bids/mine/key"),
                    json!({"key": base64::engine::general_purpose::STANDARD.encode(&b.key)}),
                )
                .await;
            assert_eq!(s, 200, "{}: {v}", b.name);
        }
        let text = wait_text(&c, "开标记录已生成").await;
        assert!(text.contains("8,765,432.19 元"), "{text}");
        // The browser sealed the SME declaration (中小企业声明函) in the manifest; it is read at
        // the opening only.
        let org1 = app.org_of(&app.login("bidder1").await).await;
        let dec = crate::award::events(&app, "projects.bid.decrypted", &section).await;
        let mine = dec.iter().find(|e| e["org_id"] == org1.as_str()).unwrap();
        assert_eq!(
            mine["sme"],
            json!({"scale": "micro", "by_small_micro": true}),
            "{mine}"
        );
        assert!(text.contains("9,000,000.00 元"), "{text}");
        assert!(text.contains("大连第一建筑工程有限公司"), "{text}");

        // The committee's result: the candidate publicity, an objection, its answer.
        wait_state(&app, &t, "evaluating").await;
        let draw_id = committee(&app, &t).await;
        let org1 = app.org_of(&app.login("bidder1").await).await;
        let (s, res) = app
            .post(
                Some(&t.staff),
                &format!("/api/v1/sections/{section}/evaluation-result"),
                json!({"report_ref": "PBBG-2026-009", "committee_draw_id": draw_id, "publicity_days": 3,
                       "ranking": [
                           {"org_id": org1, "price": "8765432.19", "score": "95.00"},
                           {"org_id": t.bidders[0].org_id, "price": "9000000.00"},
                           {"org_id": t.bidders[1].org_id, "price": "9100000.00"}]}),
            )
            .await;
        assert_eq!(s, 201, "{res}");
        click(&c, &format!("a[href='/bidder/sections/{section}/result']")).await;
        let text = wait_text(&c, "中标候选人公示").await;
        assert!(text.contains("95.00"), "{text}");
        // The objection is a remedies case: the result page links to the raise form.
        app.drain_consumer("remedies.projection").await;
        click(&c, "#raise-objection").await;
        wait_text(&c, "事实和理由").await;
        click(&c, "#f-kind option[value='objection']").await;
        click(&c, "#f-target option[value='result']").await;
        c.find(Locator::Id("f-grounds"))
            .await
            .unwrap()
            .send_keys("请核实第三名的业绩证明")
            .await
            .unwrap();
        click(&c, "button[name='action'][value='raise']").await;
        wait_text(&c, "请核实第三名的业绩证明").await;
        let (_, list) = app
            .get(
                Some(&t.tenderer),
                &format!("/api/v1/sections/{section}/remedies"),
            )
            .await;
        let id = list[0]["id"].as_str().unwrap().to_string();
        let (s, a) = app
            .post(
                Some(&t.tenderer),
                &format!("/api/v1/remedies/{id}/answer"),
                json!({"answer": "业绩证明已核实无误。"}),
            )
            .await;
        assert_eq!(s, 200, "{a}");
        c.refresh().await.unwrap();
        wait_text(&c, "业绩证明已核实无误。").await;

        // After the publicity, the award: the winner's notice.
        let ends = at(res["publicity_ends_at"].as_str().unwrap());
        travel(&app, &mut t, ends + chrono::Duration::hours(1)).await;
        let (s, aw) = post_award(&app, &t, json!({})).await;
        assert_eq!(s, 201, "{aw}");
        sign_in(&c, &app, &format!("/bidder/sections/{section}/result")).await;
        let text = wait_text(&c, "贵单位中标").await;
        assert!(text.contains(aw["notice_no"].as_str().unwrap()), "{text}");
        app.stop().await;
    }
}

/// The daily refund job, run now (as the cron would).
async fn run_refund_job(app: &TestApp) {
    let workers = ggzy::background::workers();
    let job = workers
        .cron
        .iter()
        .find(|j| j.name == "deposits.refund_instructions")
        .expect("refund job registered");
    (job.run)(app.ctx.db.clone(), app.clock().clone(), app.clock().now())
        .await
        .expect("refund job");
    app.seal().await;
}

#[tokio::test]
async fn the_deposit_page_shows_the_refund_with_its_interest_and_then_refunded() {
    let app = TestApp::spawn().await;
    let r = app
        .bidding_section(road_project("退还保证金道路工程", DEADLINE), &["bidder1"])
        .await;
    let section = r.section_id.clone();
    app.drain_consumer("deposits.projection").await;
    let b1 = app.login("bidder1").await;
    let (_, acc) = app.deposit_account(&b1, &section).await;
    let bank = app.login("bank").await;
    let (s, out) = app
        .bank_transfer(
            &bank,
            &json!({"transaction_id": "T-refund-1", "account_no": acc["account_no"],
                    "payer_account_no": BIDDER1_BASIC, "payer_name": "大连第一建筑工程有限公司",
                    "amount": "200000.00", "value_at": "2026-03-10T10:00:00+08:00"}),
        )
        .await;
    assert_eq!(s, 200, "{out}");
    // The contract is signed (the projects area's event): the refund falls due (实施条例 57).
    app.clock().set(at("2026-04-15T18:00:00+08:00"));
    app.emit_as(
        "test.projects",
        "projects.contract.signed",
        "section",
        &section,
        json!({"section_id": section, "project_id": r.project_id, "market": "construction",
               "winner_org_id": "someone-else", "amount": "9000000.00", "signed_at": "2026-04-15T02:00:00Z"}),
    )
    .await;
    app.wait_consumer("deposits.projection").await;
    run_refund_job(&app).await;
    let staff = app.login("staff").await;
    let (_, list) = app
        .get(
            Some(&staff),
            &format!("/api/v1/deposits/refunds?section_id={section}"),
        )
        .await;
    let refund = list[0].clone();
    assert_eq!(refund["status"], "instructed", "{list}");
    let page = format!("/bidder/sections/{section}/deposit");
    let mut v = Visitor::new(&app);
    v.sign_in("bidder1").await;
    let p = v.get(&page).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("已指令银行退还"), "{}", p.body);
    assert!(p.body.contains(refund["due_date"].as_str().unwrap()));
    let interest = refund["interest"].as_str().unwrap();
    assert_ne!(interest, "0.00", "{refund}");
    let shown = ggzy_web::fmt::money(&ggzy_core::Money::parse_str(interest).unwrap());
    assert!(p.body.contains(&shown), "{shown}: {}", p.body);
    assert!(p.body.contains("实施条例 57"));
    assert!(!p.body.contains("id=\"deposit-stage\">已退还<"));
    // The bank confirms the payment: refunded, with the time.
    let bank = app.login("bank").await;
    let body =
        json!({"refund_id": refund["id"], "bank_txn_id": "R-page-1", "amount": refund["total"],
                      "paid_at": "2026-04-16T10:00:00+08:00"})
        .to_string();
    let (s, out) = app
        .bank_post(
            &bank,
            "/api/v1/bank/callbacks/refunds",
            &body,
            app.clock().now().timestamp(),
            ggzy_api_tests::fixtures::BANK_KEY,
        )
        .await;
    assert_eq!(s, 200, "{out}");
    let p = v.get(&page).await;
    assert!(
        p.body.contains("id=\"deposit-stage\">已退还<"),
        "{}",
        p.body
    );
    assert!(p.body.contains("已退还 "), "paid time shown");
    app.stop().await;
}
