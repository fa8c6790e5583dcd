//! The bidder's land and property pages (`/bidder/auctions…`, crates/auctions/src/pages.rs):
//! page tests of the quote form's refusals (below the increment, after the end, not qualified,
//! CSRF), the number shown only to its holder, the deal confirmation for the winner only, and
//! headless-browser tests where two bidders quote in a land listing, follow the online auction
//! live, one bids in the last minutes and the extension moves the end on the other's page, and the
//! winner sees the deal; a property listing through quoting with its own words.
//! The upstream facts (project, announcement, registration, deposit) come through the real APIs
//! ([`crate::auctions::lot`]).

use crate::auctions::{create, listing, lot, view, wait_phase};
use chrono::Duration;
use ggzy_api_tests::pages::{hidden_value, Visitor};
use ggzy_api_tests::TestApp;

async fn signed_in(app: &TestApp, user: &str) -> Visitor {
    let mut v = Visitor::new(app);
    v.sign_in(user).await;
    v
}

async fn quote(
    v: &mut Visitor,
    id: &str,
    csrf: &str,
    price: &str,
) -> ggzy_api_tests::pages::PageResp {
    v.post_form(
        &format!("/bidder/auctions/{id}/bids"),
        &[("csrf", csrf), ("price", price)],
    )
    .await
}

async fn bid_count(app: &TestApp, id: &str) -> usize {
    view(app, id).await["bids"].as_array().unwrap().len()
}

#[tokio::test]
async fn the_quote_form_refuses_below_the_increment_after_the_end_without_a_number_and_without_csrf(
) {
    let app = TestApp::spawn().await;
    let lot = lot(&app, "land", 2).await;
    let start = lot.announced_at + Duration::days(21);
    let id = create(&app, listing(&lot.sid, start, 10, None)).await;
    app.clock().set(start + Duration::minutes(1));

    // The list: the listing with the caller's number; the page: number, words, prefilled price.
    let mut b1 = signed_in(&app, "bidder1").await;
    let list = b1.get("/bidder/auctions").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(
        list.body.contains(&format!("/bidder/auctions/{id}")),
        "{}",
        list.body
    );
    assert!(list.body.contains("竞买号"), "{}", list.body);
    let p = b1.get(&format!("/bidder/auctions/{id}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("id=\"a-number\">001<"), "{}", p.body);
    assert!(p.body.contains("起始价"), "{}", p.body);
    assert!(
        p.body.contains("value=\"1000000.00\""),
        "prefilled: {}",
        p.body
    );
    assert!(p.body.contains("/static/auction.js?v="), "{}", p.body);
    // The deposit (from the section) and the workbench's deposit page of the section.
    assert!(p.body.contains("200,000.00 元"), "{}", p.body);
    assert!(
        p.body
            .contains(&format!("href=\"/bidder/sections/{}/deposit\"", lot.sid)),
        "{}",
        p.body
    );
    let csrf1 = hidden_value(&p.body, "csrf").unwrap();

    // CSRF: without the token, or with another session's token → 403, no bid.
    let r = b1
        .post_form(
            &format!("/bidder/auctions/{id}/bids"),
            &[("price", "1000000.00")],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("csrf.token_mismatch"), "{}", r.body);
    let mut b2 = signed_in(&app, "bidder2").await;
    let csrf2 = b2.csrf(&format!("/bidder/auctions/{id}")).await;
    let r = quote(&mut b1, &id, &csrf2, "1000000.00").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(bid_count(&app, &id).await, 0);

    // Below the starting price: 422 next to the field with the rule, the value kept, no bid.
    let r = quote(&mut b1, &id, &csrf1, "999990.00").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("auctions.increment"), "{}", r.body);
    assert!(r.body.contains("aria-invalid=\"true\""), "{}", r.body);
    assert!(r.body.contains("value=\"999990.00\""), "{}", r.body);
    // Not money: the Money rule on the field.
    let r = quote(&mut b1, &id, &csrf1, "1000000.001").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("href=\"#f-price\""), "{}", r.body);
    assert_eq!(bid_count(&app, &id).await, 0);

    // The first quote at the starting price: 303 to the page, shown under "my quotes".
    let r = quote(&mut b1, &id, &csrf1, "1000000.00").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), format!("/bidder/auctions/{id}#my-quotes"));
    let p = b1.get(&format!("/bidder/auctions/{id}")).await;
    assert!(p.body.contains("id=\"a-mine\""), "{}", p.body);
    assert!(p.body.contains("1,000,000.00 元"), "{}", p.body);

    // bidder2 sees 001 in the log but its own number 002 only; below current + increment → 422.
    let p = b2.get(&format!("/bidder/auctions/{id}")).await;
    assert!(p.body.contains("id=\"a-number\">002<"), "{}", p.body);
    assert!(!p.body.contains("id=\"a-number\">001<"), "{}", p.body);
    assert!(p.body.contains("value=\"1010000.00\""), "{}", p.body);
    let r = quote(&mut b2, &id, &csrf2, "1005000.00").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("auctions.increment"), "{}", r.body);
    // Not a whole number of increments above the start.
    let r = quote(&mut b2, &id, &csrf2, "1015000.00").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("auctions.whole_increments"), "{}", r.body);
    // The same price as the current highest: outbid, with the current price.
    let r = quote(&mut b2, &id, &csrf2, "1000000.00").await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("auctions.outbid"), "{}", r.body);
    assert_eq!(bid_count(&app, &id).await, 1);

    // bidder3 never applied: no number, no form; a posted quote is refused (403), nothing changes.
    let mut b3 = signed_in(&app, "bidder3").await;
    let p = b3.get(&format!("/bidder/auctions/{id}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("未申请"), "{}", p.body);
    assert!(!p.body.contains("id=\"quote-form\""), "{}", p.body);
    let csrf3 = hidden_value(&p.body, "csrf").unwrap();
    let r = quote(&mut b3, &id, &csrf3, "1010000.00").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("竞买保证金"), "{}", r.body);
    assert_eq!(bid_count(&app, &id).await, 1);

    // Other roles are refused the bidder's pages.
    let mut staff = signed_in(&app, "staff").await;
    assert_eq!(
        staff.get(&format!("/bidder/auctions/{id}")).await.status,
        403
    );
    assert_eq!(staff.get("/bidder/auctions").await.status, 403);

    // The page's live feed needs the page session (none → sign in), and streams for a bidder.
    let r = Visitor::new(&app)
        .get(&format!("/bidder/auctions/{id}/stream"))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().starts_with("/login"), "{}", r.location());

    // After the end: 409 auctions.not_open (before or after the end timer), nothing changes.
    let end = start + Duration::days(10);
    app.clock().set(end);
    let mut b2 = signed_in(&app, "bidder2").await;
    let csrf2 = b2.csrf(&format!("/bidder/auctions/{id}")).await;
    let r = quote(&mut b2, &id, &csrf2, "1010000.00").await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("auctions.not_open"), "{}", r.body);
    // One bidder quoted, no reserve: deal at the listing end (39号令 第二十条).
    wait_phase(&app, &id, "deal").await;
    assert_eq!(bid_count(&app, &id).await, 1);

    // The winner sees the deal confirmation (成交确认书); the other bidder only the result.
    let mut b1 = signed_in(&app, "bidder1").await;
    let p = b1.get(&format!("/bidder/auctions/{id}")).await;
    assert!(p.body.contains("成交确认书"), "{}", p.body);
    assert!(
        p.body.contains("id=\"deal-price\">1,000,000.00 元<"),
        "{}",
        p.body
    );
    let p = b2.get(&format!("/bidder/auctions/{id}")).await;
    assert!(p.body.contains("id=\"a-result\""), "{}", p.body);
    assert!(!p.body.contains("成交确认书"), "{}", p.body);
    assert!(!p.body.contains("id=\"quote-form\""), "{}", p.body);
    app.stop().await;
}

#[tokio::test]
async fn a_property_listing_uses_the_transferee_words_and_the_english_page_works() {
    let app = TestApp::spawn().await;
    let lot = lot(&app, "property", 1).await;
    // The disclosure from the announcement past 24:00 of Monday 30 March, the 20th working day (32号令 第十三条).
    let start = lot.announced_at;
    let id = create(&app, listing(&lot.sid, start, 29, None)).await;
    app.clock().set(start + Duration::minutes(1));
    let mut b1 = signed_in(&app, "bidder1").await;
    let p = b1.get(&format!("/bidder/auctions/{id}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    for w in ["产权转让挂牌", "受让申请", "挂牌价", "受让方竞价号"] {
        assert!(p.body.contains(w), "{w}: {}", p.body);
    }
    assert!(!p.body.contains("竞买号"), "{}", p.body);
    let p = b1.get(&format!("/bidder/auctions/{id}?lang=en")).await;
    assert!(p.body.contains("Listing price"), "{}", p.body);
    assert!(p.body.contains("Transferee number"), "{}", p.body);
    let csrf = hidden_value(&p.body, "csrf").unwrap();
    let r = quote(&mut b1, &id, &csrf, "1000000.00").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(bid_count(&app, &id).await, 1);
    app.stop().await;
}

/// Two bidders in two headless browsers (375 px wide).
mod browser {
    use super::*;
    use fantoccini::{Client, Locator};
    use ggzy_api_tests::DEMO_PASSWORD;

    async fn sign_in(c: &Client, app: &TestApp, user: &str) {
        ggzy_api_tests::browser::sign_in(c, &app.url("/login"), user, DEMO_PASSWORD).await;
    }

    async fn text(c: &Client, id: &str) -> String {
        match c.find(Locator::Id(id)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Wait (up to 15 s) until the element `id` has a text that `ok` accepts.
    async fn wait_text(c: &Client, id: &str, ok: impl Fn(&str) -> bool) -> String {
        let mut t = String::new();
        for () in ggzy_api_tests::patience() {
            t = text(c, id).await;
            if ok(&t) {
                return t;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let url = c
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        panic!("#{id} never matched (last {t:?}) on {url}");
    }

    async fn value(c: &Client, id: &str) -> String {
        c.execute(
            &format!("return document.getElementById('{id}').value"),
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    async fn submit_quote(c: &Client) {
        c.find(Locator::Css("#quote-form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn two_bidders_quote_then_a_late_bid_extends_the_auction_on_the_others_page_and_the_winner_sees_the_deal(
    ) {
        let Some(one) = ggzy_api_tests::browser::browser("land auction bidder1", 375, 900).await
        else {
            return;
        };
        let Some(two) = ggzy_api_tests::browser::browser("land auction bidder2", 375, 900).await
        else {
            return;
        };
        let (c1, c2) = (one.client.clone(), two.client.clone());
        let app = TestApp::spawn().await;
        let lot = lot(&app, "land", 2).await;
        let start = lot.announced_at + Duration::days(21);
        let id = create(&app, listing(&lot.sid, start, 10, None)).await;
        let page = app.url(&format!("/bidder/auctions/{id}"));
        app.clock().set(start + Duration::minutes(1));

        // bidder1 finds the listing from the navigation, bidder2 opens it.
        sign_in(&c1, &app, "bidder1").await;
        sign_in(&c2, &app, "bidder2").await;
        c1.find(Locator::Css("nav a[href='/bidder/auctions']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c1.find(Locator::Css(&format!("a[href='/bidder/auctions/{id}']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_text(&c1, "a-number", |t| t == "001").await;
        c2.goto(&page).await.unwrap();
        wait_text(&c2, "a-number", |t| t == "002").await;

        // The listing (挂牌): bidder1 quotes the prefilled starting price; bidder2's page follows
        // live and prefills current + increment, which bidder2 submits.
        assert_eq!(value(&c1, "f-price").await, "1000000.00");
        submit_quote(&c1).await;
        wait_text(&c1, "a-mine", |t| t.contains("1,000,000.00")).await;
        wait_text(&c2, "a-current", |t| t.contains("1,000,000.00")).await;
        for () in ggzy_api_tests::patience() {
            if value(&c2, "f-price").await == "1010000.00" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(value(&c2, "f-price").await, "1010000.00");
        submit_quote(&c2).await;
        wait_text(&c2, "a-mine", |t| t.contains("1,010,000.00")).await;
        wait_text(&c1, "a-status", |t| t.contains("已被超过")).await;

        // The listing ends with two bidders: the online auction (网上拍卖). The manual clock jumped
        // ten days, past the page sessions' lifetime: both sign in again.
        app.clock().set(start + Duration::days(10));
        let v = wait_phase(&app, &id, "auction").await;
        let ends = crate::auctions::ts(&v["ends_at"]);
        sign_in(&c1, &app, "bidder1").await;
        sign_in(&c2, &app, "bidder2").await;
        c1.goto(&page).await.unwrap();
        c2.goto(&page).await.unwrap();
        wait_text(&c1, "a-state-h", |t| t.contains("网上拍卖")).await;
        wait_text(&c2, "a-state-h", |t| t.contains("网上拍卖")).await;
        // The countdown is the server's: about 15 minutes left (free bidding + 5 minutes).
        wait_text(&c2, "a-left", |t| t.starts_with("剩余 00:1")).await;
        let before = wait_text(&c2, "a-ends", |t| !t.is_empty()).await;

        // One minute before the end (inside the last 5): bidder1 bids the prefilled price.
        app.clock().set(ends - Duration::minutes(1));
        wait_text(&c1, "a-left", |t| {
            t.starts_with("剩余 00:00:") || t.starts_with("剩余 00:01:")
        })
        .await;
        assert_eq!(value(&c1, "f-price").await, "1020000.00");
        submit_quote(&c1).await;
        wait_text(&c1, "a-mine", |t| t.contains("1,020,000.00")).await;
        // The extension moves the end on bidder2's page without a reload.
        let after = wait_text(&c2, "a-ends", |t| !t.is_empty() && t != before).await;
        assert!(after > before, "{before} → {after}");
        wait_text(&c2, "a-news", |t| t.contains("延时")).await;
        wait_text(&c2, "a-left", |t| {
            t.starts_with("剩余 00:04:") || t.starts_with("剩余 00:05:")
        })
        .await;
        wait_text(&c2, "a-current", |t| t.contains("1,020,000.00")).await;
        let v = view(&app, &id).await;
        let new_end = crate::auctions::ts(&v["ends_at"]);
        assert!(new_end > ends, "{v}");

        // The new end passes: the deal. The pages turn to the result by themselves; the winner
        // sees the deal confirmation (成交确认书), the other bidder does not.
        app.clock().set(new_end + Duration::seconds(1));
        wait_phase(&app, &id, "deal").await;
        wait_text(&c1, "deal-price", |t| t.contains("1,020,000.00")).await;
        wait_text(&c2, "a-result", |t| t.contains("已成交")).await;
        assert!(text(&c2, "deal-price").await.is_empty());
        app.stop().await;
    }

    #[tokio::test]
    async fn a_bidder_quotes_in_a_property_listing_in_the_browser() {
        let Some(one) =
            ggzy_api_tests::browser::browser("property listing bidder1", 375, 900).await
        else {
            return;
        };
        let c = one.client.clone();
        let app = TestApp::spawn().await;
        let lot = lot(&app, "property", 1).await;
        let start = lot.announced_at;
        let id = create(&app, listing(&lot.sid, start, 29, None)).await;
        app.clock().set(start + Duration::minutes(1));
        sign_in(&c, &app, "bidder1").await;
        c.goto(&app.url(&format!("/bidder/auctions/{id}")))
            .await
            .unwrap();
        wait_text(&c, "a-number", |t| t == "001").await;
        let h1 = c
            .find(Locator::Css("main h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(h1.contains("产权转让挂牌"), "{h1}");
        // Below the listing price: refused next to the field with the rule; then the right one.
        let f = c.find(Locator::Id("f-price")).await.unwrap();
        f.clear().await.unwrap();
        f.send_keys("990000.00").await.unwrap();
        submit_quote(&c).await;
        wait_text(&c, "f-price-error", |t| t.contains("auctions.increment")).await;
        let f = c.find(Locator::Id("f-price")).await.unwrap();
        f.clear().await.unwrap();
        f.send_keys("1000000.00").await.unwrap();
        submit_quote(&c).await;
        wait_text(&c, "a-mine", |t| t.contains("1,000,000.00")).await;
        assert_eq!(bid_count(&app, &id).await, 1);
        app.stop().await;
    }
}
