//! The public web portal: server-rendered pages read without login, in Chinese with an English
//! switch, filtered and searched like the API, cacheable — checked at the HTTP level and, in
//! `browser`, by a real headless Chromium driven over WebDriver.

use ggzy_api_tests::TestApp;
use serde_json::{json, Value};
use sha2::Digest;

const DOCS_AT: &str = "2026-03-02T09:00:00+08:00";
const DEADLINE: &str = "2026-03-23T09:00:00+08:00";

fn tender(title: &str) -> Value {
    json!({
        "market": "construction",
        "type": "tender",
        "title": title,
        "body": "## 招标条件\n\n本工程已批准建设，现公开招标。<script>alert('x')</script>",
        "fields": {
            "project_name": title,
            "scope": "施工",
            "scale": "道路长 3.2 公里",
            "funding": "财政资金",
            "qualification_requirements": "市政公用工程施工总承包三级及以上",
            "consortium_accepted": false,
            "documents_access": "登录平台免费下载",
            "docs_available_at": DOCS_AT,
            "bid_deadline": DEADLINE,
            "submission_method": "电子投标",
            "tenderer_contact": "大连市市政建设管理处，0411-00000000",
            "platform_url": "https://ggzy.example.cn",
        },
    })
}

/// Drafted by the tenderer, submitted, approved by staff: published at once.
async fn publish(app: &TestApp, body: Value) -> String {
    let id = draft(app, body).await;
    release(app, &id).await;
    id
}

async fn draft(app: &TestApp, body: Value) -> String {
    let tenderer = app.login("tenderer").await;
    let (s, v) = app
        .post(Some(&tenderer), "/api/v1/announcements", body)
        .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().expect("id").to_string()
}

async fn release(app: &TestApp, id: &str) {
    app.release_announcement(id).await;
}

struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    html: String,
}

async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> Page {
    let mut rb = app.client.get(app.url(path));
    if let Some(c) = cookie {
        rb = rb.header("cookie", c);
    }
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let html = r.text().await.expect("text");
    if status != 304 {
        assert!(
            headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.starts_with("text/html")),
            "{path}: {headers:?}"
        );
    }
    Page {
        status,
        headers,
        html,
    }
}

#[tokio::test]
async fn the_home_page_is_chinese_accessible_and_shows_markets_latest_and_next_openings() {
    let app = TestApp::spawn().await;
    publish(&app, tender("大连市某道路改造工程")).await;
    let p = page(&app, "/", None).await;
    assert_eq!(p.status, 200, "{}", p.html);
    let h = &p.html;
    assert!(h.contains("<html lang=\"zh-CN\">"), "{h}");
    for landmark in [
        "<header",
        "<nav aria-label=\"主导航\"",
        "<main id=\"main\"",
        "<footer",
        "href=\"#main\"",
    ] {
        assert!(h.contains(landmark), "{landmark} missing");
    }
    // Headings in order: one h1, then h2 sections.
    let h1 = h.find("<h1>").expect("h1");
    assert!(h.find("<h2").expect("h2") > h1);
    assert_eq!(h.matches("<h1>").count(), 1);
    for m in ["construction", "procurement", "land", "property"] {
        assert!(h.contains(&format!("href=\"/market/{m}\"")), "{m}");
    }
    // The search box has a label; no external resources are loaded.
    assert!(h.contains("<label for=\"home-q\">"));
    assert!(!h.contains("http://") && !h.contains("src=\"https://"));
    // Next openings: the tender opens at its bid deadline (招标投标法 34), shown in Beijing time.
    let openings = &h[h.find("近期开标").expect("openings")..h.find("最新公告").expect("latest")];
    assert!(openings.contains("2026-03-23 09:00"), "{openings}");
    assert!(openings.contains("大连市某道路改造工程"), "{openings}");
    assert!(h.contains("招标公告"));
    // Once the opening has passed it is no longer announced as upcoming.
    app.clock().advance(chrono::Duration::days(21));
    let p = page(&app, "/", None).await;
    let h = &p.html;
    let openings = &h[h.find("近期开标").expect("openings")..h.find("最新公告").expect("latest")];
    assert!(!openings.contains("大连市某道路改造工程"), "{openings}");
    app.stop().await;
}

#[tokio::test]
async fn the_list_searches_chinese_text_and_filters_by_market_type_region_and_date() {
    let app = TestApp::spawn().await;
    publish(&app, tender("某道路改造工程")).await;
    publish(&app, tender("某学校教学楼新建工程")).await;
    let all = page(&app, "/announcements", None).await;
    assert!(all.html.contains("某道路改造工程") && all.html.contains("某学校教学楼新建工程"));

    let q = "/announcements?q=%E9%81%93%E8%B7%AF"; // 道路
    let found = page(&app, q, None).await;
    assert_eq!(found.status, 200);
    assert!(found.html.contains("某道路改造工程"), "{}", found.html);
    assert!(!found.html.contains("某学校教学楼新建工程"));
    // The query stays in the search box, escaped.
    assert!(found.html.contains("value=\"道路\""));

    let cases = [
        ("market=construction", true),
        ("market=land", false),
        ("type=tender", true),
        ("type=award", false),
        ("region=210200", true),
        ("region=210202", false),
        ("from=2026-03-02&to=2026-03-02", true),
        ("from=2026-03-03", false),
        ("to=2026-03-01", false),
        // An HTML form sends empty fields: no filter.
        ("market=&type=&region=&from=&to=&q=", true),
    ];
    for (qs, shown) in cases {
        let p = page(&app, &format!("/announcements?{qs}"), None).await;
        assert_eq!(p.status, 200, "{qs}: {}", p.html);
        assert_eq!(p.html.contains("某道路改造工程"), shown, "{qs}");
    }
    let bad = page(&app, "/announcements?from=03%2F02%2F2026", None).await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("from"), "{}", bad.html);
    let unknown = page(&app, "/announcements?market=fishing", None).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.html.contains("role=\"alert\""));
    app.stop().await;
}

#[tokio::test]
async fn cursor_links_page_through_every_announcement_once() {
    let app = TestApp::spawn().await;
    ggzy_publishing::portal::bench::seed(&app.ctx.db, 0, 45, app.clock().now())
        .await
        .expect("seed");
    let mut path = "/announcements?market=construction".to_string();
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = 0;
    loop {
        let p = page(&app, &path, None).await;
        assert_eq!(p.status, 200);
        pages += 1;
        for part in p.html.split("href=\"/announcements/").skip(1) {
            let id = &part[..part.find('"').expect("quote")];
            assert!(seen.insert(id.to_string()), "{id} shown twice");
        }
        if pages > 1 {
            assert!(p.html.contains("第一页"));
        }
        match p.html.split("rel=\"next\"").next().and_then(|before| {
            before
                .rfind("href=\"")
                .map(|i| before[i + 6..].trim().trim_end_matches('"').to_string())
        }) {
            Some(next) if p.html.contains("rel=\"next\"") => {
                assert!(next.contains("market=construction"), "{next}");
                path = next.replace("&amp;", "&");
            }
            _ => break,
        }
    }
    // 45 seeded, one market in four: 12 construction announcements.
    assert_eq!(seen.len(), 12, "{seen:?}");
    assert!(seen.iter().all(|id| id.starts_with("bench-")));
    let market = page(&app, "/market/construction", None).await;
    assert_eq!(market.status, 200);
    assert!(market.html.contains("aria-current=\"page\""));
    assert!(market.html.contains("工程建设"));
    assert_eq!(page(&app, "/market/fishing", None).await.status, 404);
    app.stop().await;
}

#[tokio::test]
async fn the_detail_page_shows_sanitized_text_facts_versions_and_linked_change_notices() {
    let app = TestApp::spawn().await;
    let id = draft(&app, tender("大连市某道路改造工程")).await;
    let file = b"%PDF-1.4 tender documents".to_vec();
    let sha = hex::encode(sha2::Sha256::digest(&file));
    let tenderer = app.login("tenderer").await;
    let r = app
        .client
        .post(app.url(&format!(
            "/api/v1/announcements/{id}/attachments?name=%E6%8B%9B%E6%A0%87%E6%96%87%E4%BB%B6.pdf"
        )))
        .bearer_auth(&tenderer)
        .header("content-type", "application/pdf")
        .body(file.clone())
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status().as_u16(), 201);
    release(&app, &id).await;
    let change = publish(
        &app,
        json!({"market": "construction", "type": "change", "title": "大连市某道路改造工程澄清公告",
               "body": "资格条件澄清如下。", "original_id": id,
               "fields": {"project_name": "大连市某道路改造工程", "change_summary": "澄清资格条件"}}),
    )
    .await;
    let p = page(&app, &format!("/announcements/{id}"), None).await;
    assert_eq!(p.status, 200, "{}", p.html);
    let h = &p.html;
    assert!(h.contains("<h1>大连市某道路改造工程</h1>"));
    assert!(h.contains("招标条件"));
    assert!(!h.contains("<script>alert"), "body must be sanitized");
    assert!(h.contains("投标截止时间") && h.contains("2026-03-23 09:00"));
    assert!(h.contains("版本记录"));
    // The attachment: its name links to the public download, with its SHA-256 beside it.
    assert!(h.contains("招标文件.pdf") && h.contains(&sha), "{h}");
    let link = h
        .split("href=\"")
        .map(|p| &p[..p.find('"').expect("quote")])
        .find(|l| l.contains("/attachments/"))
        .expect("attachment link");
    let got = app
        .client
        .get(app.url(link))
        .send()
        .await
        .expect("download");
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), file);
    assert!(h.contains(&format!("href=\"/announcements/{change}\"")));
    let c = page(&app, &format!("/announcements/{change}"), None).await;
    assert!(c.html.contains(&format!("href=\"/announcements/{id}\"")));
    assert!(c.html.contains("本公告变更"));

    // A draft is not public: the portal answers an HTML 404.
    let tenderer = app.login("tenderer").await;
    let (_, v) = app
        .post(
            Some(&tenderer),
            "/api/v1/announcements",
            tender("<b>未发布</b>草稿"),
        )
        .await;
    let draft = v["id"].as_str().expect("id");
    let p = page(&app, &format!("/announcements/{draft}"), None).await;
    assert_eq!(p.status, 404);
    assert!(p.html.contains("未找到"));
    assert!(!p.html.contains("草稿"));
    app.stop().await;
}

#[tokio::test]
async fn titles_are_escaped_so_markup_in_them_is_shown_not_run() {
    let app = TestApp::spawn().await;
    let id = publish(&app, tender("<img src=x onerror=alert(1)>道路工程")).await;
    for path in ["/", "/announcements", &format!("/announcements/{id}")] {
        let p = page(&app, path, None).await;
        assert!(!p.html.contains("<img src=x"), "{path}");
        // Escaped (askama writes `<` as `&#60;`, the portal's former escaper `&lt;`).
        let escaped = p.html.replace("&#60;", "&lt;").replace("&#62;", "&gt;");
        assert!(
            escaped.contains("&lt;img src=x onerror=alert(1)&gt;道路工程"),
            "{path}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn english_is_chosen_by_the_switch_and_remembered_in_a_cookie() {
    let app = TestApp::spawn().await;
    publish(&app, tender("某道路改造工程")).await;
    let zh = page(&app, "/announcements?q=%E9%81%93%E8%B7%AF", None).await;
    // The switch keeps the search.
    // (askama writes `&` in an attribute as `&#38;`, which is `&amp;` to a browser.)
    assert!(
        zh.html
            .replace("&#38;", "&amp;")
            .contains("href=\"/announcements?q=%E9%81%93%E8%B7%AF&amp;lang=en\""),
        "{}",
        zh.html
    );
    let en = page(&app, "/announcements?q=%E9%81%93%E8%B7%AF&lang=en", None).await;
    assert!(en.html.contains("<html lang=\"en\">"));
    assert!(en.html.contains("All announcements") && en.html.contains("Tender announcement"));
    assert!(en.html.contains("某道路改造工程"));
    assert!(!en.html.contains("全部公告"));
    let cookie = en
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie")
        .to_string();
    assert!(cookie.starts_with("ggzy_lang=en;"), "{cookie}");
    // A response that sets a cookie must not be stored by a shared cache.
    assert_eq!(en.headers["cache-control"], "private, no-cache");
    let cookie_pair = cookie.split(';').next().expect("pair");
    let home = page(&app, "/", Some(cookie_pair)).await;
    assert!(home.html.contains("<html lang=\"en\">") && home.html.contains("Next openings"));
    let back = page(&app, "/?lang=zh", Some(cookie_pair)).await;
    assert!(back.html.contains("<html lang=\"zh-CN\">") && back.html.contains("近期开标"));
    app.stop().await;
}

#[tokio::test]
async fn pages_carry_etag_and_cache_control_and_answer_304_when_unchanged() {
    let app = TestApp::spawn().await;
    publish(&app, tender("某道路改造工程")).await;
    let p = page(&app, "/announcements", None).await;
    assert_eq!(p.headers["cache-control"], "public, max-age=60");
    assert_eq!(p.headers["vary"], "Cookie");
    let etag = p.headers["etag"].to_str().expect("etag").to_string();
    let r = app
        .client
        .get(app.url("/announcements"))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 304);
    // A new announcement changes the page and its ETag.
    publish(&app, tender("某桥梁加固工程")).await;
    let r = app
        .client
        .get(app.url("/announcements"))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
    // The stylesheet the pages link (the frame's, versioned by its content hash).
    let home = app
        .client
        .get(app.url("/announcements"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    let at = home.find("/static/ggzy.css?v=").expect("stylesheet link");
    let link = &home[at..at + home[at..].find('"').expect("end of link")];
    let css = app.client.get(app.url(link)).send().await.expect("css");
    assert_eq!(css.status().as_u16(), 200);
    assert_eq!(
        css.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    app.stop().await;
}

/// A real headless Chromium, driven through chromedriver (WebDriver), reads the portal as a person
/// would. Needs Debian's `chromium` and `chromium-driver` packages; skipped, saying so, without them.
mod browser {
    use super::{publish, tender};
    use fantoccini::Locator;
    use ggzy_api_tests::TestApp;

    async fn body_text(c: &fantoccini::Client) -> String {
        c.find(Locator::Css("body"))
            .await
            .expect("body")
            .text()
            .await
            .expect("text")
    }

    /// Click `what`, then wait for `then` to appear (the next page or the results).
    async fn click_then(
        c: &fantoccini::Client,
        what: Locator<'_>,
        then: Locator<'_>,
    ) -> fantoccini::elements::Element {
        c.find(what)
            .await
            .unwrap_or_else(|e| panic!("{what:?}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {what:?}: {e}"));
        c.wait()
            .for_element(then)
            .await
            .unwrap_or_else(|e| panic!("{then:?} after clicking {what:?}: {e}"))
    }

    #[tokio::test]
    async fn a_reader_opens_each_announcement_type_and_meets_no_json_uuid_or_iso_time() {
        let Some(browser) =
            ggzy_api_tests::browser::browser("portal every-type browser test", 412, 915).await
        else {
            return;
        };
        let app = TestApp::spawn().await;
        let anns = super::one_of_each_type(&app).await;
        let c = browser.client.clone();
        for (ty, id) in &anns {
            for lang in ["zh", "en"] {
                c.goto(&app.url(&format!("/announcements/{id}?lang={lang}")))
                    .await
                    .expect("goto");
                let h1 = c
                    .wait()
                    .for_element(Locator::Css("main h1"))
                    .await
                    .expect("h1");
                assert!(!h1.text().await.expect("h1").is_empty(), "{ty}");
                let text = body_text(&c).await;
                let defects = super::reader_defects(&text);
                assert!(defects.is_empty(), "{ty} ({lang}): {defects:#?}\n{text}");
                for raw in [
                    "project_name",
                    "not_decrypted",
                    "open_tender",
                    "winner_org_id",
                ] {
                    assert!(!text.contains(raw), "{ty} ({lang}) shows {raw}");
                }
            }
        }
        // The opening record and the candidate publicity show their parties in a table.
        let id = &anns
            .iter()
            .find(|(t, _)| *t == "opening_record")
            .expect("opening")
            .1;
        c.goto(&app.url(&format!("/announcements/{id}?lang=zh")))
            .await
            .expect("goto");
        let rows = c
            .find_all(Locator::Css("section[aria-labelledby=bids-h] tbody tr"))
            .await
            .expect("rows");
        assert_eq!(rows.len(), 2);
        let first = rows[0].text().await.expect("row");
        assert!(
            first.contains("9,650,000.00 元") && first.contains("已解密"),
            "{first}"
        );
        c.close().await.expect("close");
        drop(browser);
        app.stop().await;
    }

    #[tokio::test]
    async fn a_reader_lists_searches_opens_an_announcement_and_switches_to_english() {
        let Some(browser) = ggzy_api_tests::browser::browser("portal browser test", 412, 915).await
        else {
            return;
        };
        let app = TestApp::spawn().await;
        publish(&app, tender("大连市某道路改造工程")).await;
        publish(&app, tender("大连市某学校教学楼新建工程")).await;
        let c = browser.client.clone();

        // The list shows both announcements.
        c.goto(&app.url("/announcements")).await.expect("goto list");
        let text = body_text(&c).await;
        assert!(text.contains("全部公告"), "{text}");
        assert!(
            text.contains("大连市某道路改造工程") && text.contains("大连市某学校教学楼新建工程")
        );

        // Type 道路 into the labelled search field and submit the form.
        let q = c.find(Locator::Id("f-q")).await.expect("search field");
        q.send_keys("道路").await.expect("type");
        click_then(
            &c,
            Locator::Css("form.filters button[type=submit]"),
            Locator::Css("p[role=status]"),
        )
        .await;
        let text = body_text(&c).await;
        assert!(text.contains("大连市某道路改造工程"), "{text}");
        assert!(!text.contains("大连市某学校教学楼新建工程"), "{text}");

        // Open the result and read what a person sees.
        let h1 = click_then(
            &c,
            Locator::LinkText("大连市某道路改造工程"),
            Locator::Css("main h1"),
        )
        .await;
        assert_eq!(h1.text().await.expect("h1 text"), "大连市某道路改造工程");
        let text = body_text(&c).await;
        for seen in [
            "招标条件",
            "投标截止时间",
            "2026-03-23 09:00",
            "版本记录",
            "招标公告",
        ] {
            assert!(text.contains(seen), "{seen} not visible in {text}");
        }
        assert!(!text.contains("alert("), "{text}");

        // Switch to English: the same announcement, English labels, and it sticks.
        click_then(
            &c,
            Locator::LinkText("English"),
            Locator::Css("html[lang=en]"),
        )
        .await;
        let text = body_text(&c).await;
        for seen in [
            "Tender announcement",
            "Bid deadline",
            "Version history",
            "大连市某道路改造工程",
        ] {
            assert!(text.contains(seen), "{seen} not visible in {text}");
        }
        c.goto(&app.url("/")).await.expect("home");
        let text = body_text(&c).await;
        assert!(text.contains("Next openings"), "{text}");
        assert!(text.contains("2026-03-23 09:00"), "{text}");
        c.close().await.expect("close");
        drop(browser);
        app.stop().await;
    }
}

// ------------------------------------------------------------ every type reads as an announcement

/// What a reader must never meet in an announcement page's text: JSON (`{`), an internal id (a
/// UUID) or a machine timestamp (`2026-12-05T00:25:00+00:00`). Each defect found, with its context.
pub(crate) fn reader_defects(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let around = |i: usize| -> String {
        chars[i.saturating_sub(30)..(i + 40).min(chars.len())]
            .iter()
            .collect()
    };
    let mut out = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if *c == '{' || *c == '}' {
            out.push(format!("brace: …{}…", around(i)));
        }
        // UUID: 8-4-4-4-12 hex digits.
        if i + 36 <= chars.len() {
            let w = &chars[i..i + 36];
            let uuid = w.iter().enumerate().all(|(k, c)| match k {
                8 | 13 | 18 | 23 => *c == '-',
                _ => c.is_ascii_hexdigit(),
            });
            let starts = i == 0 || !chars[i - 1].is_ascii_hexdigit();
            if uuid && starts {
                out.push(format!("uuid: …{}…", around(i)));
            }
        }
        // ISO 8601 date-time: dddd-dd-ddTdd:dd.
        if i + 16 <= chars.len() {
            let w = &chars[i..i + 16];
            let pat = "dddd-dd-ddTdd:dd";
            if w.iter().zip(pat.chars()).all(|(c, p)| match p {
                'd' => c.is_ascii_digit(),
                other => *c == other,
            }) {
                out.push(format!("iso time: …{}…", around(i)));
            }
        }
    }
    out
}

/// The visible text of an HTML page, roughly: tags and the head dropped, entities decoded.
fn visible_text(html: &str) -> String {
    let body = html.split_once("<body>").map(|(_, b)| b).unwrap_or(html);
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Every `<time datetime="…">` value: a valid HTML global date and time (at most 3 fractional
/// digits, an offset).
fn datetime_values(html: &str) -> Vec<String> {
    html.split("<time datetime=\"")
        .skip(1)
        .map(|p| p[..p.find('"').expect("quote")].to_string())
        .collect()
}

fn valid_datetime(v: &str) -> bool {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) else {
        return false;
    };
    let _ = t;
    let frac = v
        .split_once('.')
        .map(|(_, f)| f.chars().take_while(char::is_ascii_digit).count())
        .unwrap_or(0);
    frac <= 3
}

/// One published announcement of each of the ten types, the platform's drafts made from the
/// lifecycle events as the projects and auctions areas emit them (with the demo bidders'
/// organizations, whose names publishing knows from `identity.organization.registered`).
/// Returns `(type, id)` in the order of `AnnouncementType::ALL`.
pub(crate) async fn one_of_each_type(app: &TestApp) -> Vec<(&'static str, String)> {
    use crate::publishing::{emit_event, register, submit_approve, wait_row};
    let tenderer = app.login("tenderer").await;
    let b1 = app.login("bidder1").await;
    let b2 = app.login("bidder2").await;
    let (o1, o2) = (app.org_of(&b1).await, app.org_of(&b2).await);
    app.drain_consumer("publishing.lifecycle").await;
    let name1 = wait_row(
        app,
        "SELECT name FROM publishing_orgs WHERE org_id = $1",
        &o1,
    )
    .await;
    let name2 = wait_row(
        app,
        "SELECT name FROM publishing_orgs WHERE org_id = $1",
        &o2,
    )
    .await;

    let mut out = Vec::new();
    let t = publish(app, tender("大连市某道路改造工程")).await;
    out.push(("tender", t.clone()));
    let mut pq = tender("大连市某桥梁加固工程资格预审");
    pq["type"] = json!("prequalification");
    // 10号令 第5条 for a prequalification: the documents' window and the applications deadline
    // (sold ≥ 5 days, 实施条例 16; due ≥ 5 days after, 17).
    let f = pq["fields"].as_object_mut().expect("fields");
    f.remove("bid_deadline");
    f.insert(
        "docs_sale_end_at".into(),
        json!("2026-03-09T17:00:00+08:00"),
    );
    f.insert(
        "applications_due_at".into(),
        json!("2026-03-16T09:00:00+08:00"),
    );
    out.push(("prequalification", publish(app, pq).await));
    // A change notice that moves the tender's deadline by a week.
    let change = publish(
        app,
        json!({"market": "construction", "type": "change", "title": "大连市某道路改造工程变更公告",
               "body": "投标截止时间顺延。", "original_id": t,
               "fields": {"project_name": "大连市某道路改造工程", "change_summary": "投标截止时间顺延七日",
                          "new_bid_deadline": "2026-03-29T09:00:00+08:00"}}),
    )
    .await;

    let reg = register(
        app,
        "construction",
        "某污水处理厂改造工程",
        "2026-04-01T09:00:00+08:00",
    )
    .await;
    let with = |extra: Value| {
        let mut p = json!({"section_id": reg.section_id, "project_id": reg.project_id,
                           "market": "construction"});
        for (k, v) in extra.as_object().expect("object") {
            p[k] = v.clone();
        }
        p
    };
    emit_event(app, "projects.opening.recorded", "section", &reg.section_id, with(json!({
        "opened_at": "2026-04-01T01:00:00.123456+00:00", "decryption_deadline": "2026-04-01T01:30:00+00:00",
        "recorded_at": "2026-04-01T01:30:00.654321+00:00", "decrypted_bids": 1, "min_bids": 3,
        "below_min_bids": true,
        "entries": [
            {"bid_id": uuid::Uuid::new_v4().to_string(), "org_id": o1, "org_name": name1,
             "uscc": "91210200MA0000001X", "price": "9650000.00", "decryption": "decrypted",
             "deposit": "valid", "suite": "aes-256-gcm+sha-256"},
            {"bid_id": uuid::Uuid::new_v4().to_string(), "org_id": o2, "org_name": name2,
             "uscc": "91210200MA0000002X", "price": null, "decryption": "not_decrypted",
             "deposit": "unknown", "suite": "sm4-gcm+sm3"}]}))).await;
    emit_event(
        app,
        "projects.candidates.publicized",
        "section",
        &reg.section_id,
        with(json!({
        "procedure": "open_tender", "report_ref": uuid::Uuid::new_v4().to_string(), "source": "api",
        "candidates": [{"rank": 1, "org_id": o1, "org_name": name1, "uscc": "91210200MA0000001X",
                        "price": "9650000.00", "score": null}],
        "publicity_days": 3, "publicity_ends_at_provisional": false,
        "basis": "《招标投标法实施条例》第五十四条",
        "publicity_starts_at": "2026-04-05T09:00:00+08:00",
        "publicity_ends_at": "2026-04-09T00:00:00+08:00"})),
    )
    .await;
    emit_event(
        app,
        "projects.award.confirmed",
        "section",
        &reg.section_id,
        with(json!({
        "procedure": "open_tender", "winner_org_id": o1, "winner_name": name1, "winner_rank": 1,
        "price": "9650000.00", "awarded_at": "2026-04-10T01:00:00.987654+00:00",
        "bidder_org_ids": [o1, o2]})),
    )
    .await;
    emit_event(app, "projects.section.failed", "section", &reg.section_id, with(json!({
        "reason": "too_few_bids", "bid_count": 2, "min_bids": 3, "basis": "《招标投标法实施条例》第四十四条",
        "failed_at": "2026-04-01T01:00:00+00:00"}))).await;
    let land = register(
        app,
        "land",
        "甘井子区 2026-01 号地块",
        "2026-04-01T09:00:00+08:00",
    )
    .await;
    emit_event(
        app,
        "auctions.deal.confirmed",
        "section",
        &land.section_id,
        json!({
        "section_id": land.section_id, "project_id": land.project_id, "market": "land", "auction_id": "A-1",
        "deal_id": uuid::Uuid::new_v4().to_string(), "winner_org_id": o2, "winner_number": "002",
        "price": "51300000.00", "confirmed_at": "2026-04-02T02:15:00.5+00:00", "via": "auction"}),
    )
    .await;

    let draft = |ty: &'static str, project: String| async move {
        wait_row(
            app,
            &format!("SELECT id FROM announcements WHERE ann_type = '{ty}' AND project_id = $1"),
            &project,
        )
        .await
    };
    let opening = draft("opening_record", reg.project_id.clone()).await;
    let publicity = draft("candidate_publicity", reg.project_id.clone()).await;
    let award = draft("award", reg.project_id.clone()).await;
    let failure = draft("failure", reg.project_id.clone()).await;
    let deal = draft("deal", land.project_id.clone()).await;
    // The tenderer completes what the events do not carry, then submits; staff approve.
    let complete = |id: String, extra: Value| {
        let tenderer = tenderer.clone();
        async move {
            let (s, cur) = app
                .get(Some(&tenderer), &format!("/api/v1/announcements/{id}"))
                .await;
            assert_eq!(s, 200, "{cur}");
            let mut fields = cur["fields"].clone();
            for (k, v) in extra.as_object().expect("object") {
                if k == "candidates" {
                    for (i, c) in v.as_array().expect("array").iter().enumerate() {
                        for (ck, cv) in c.as_object().expect("object") {
                            fields["candidates"][i][ck] = cv.clone();
                        }
                    }
                } else {
                    fields[k] = v.clone();
                }
            }
            let r = app
                .client
                .put(app.url(&format!("/api/v1/announcements/{id}")))
                .bearer_auth(&tenderer)
                .json(
                    &json!({"market": cur["market"], "type": cur["type"], "title": cur["title"],
                              "body": cur["body"], "fields": fields}),
                )
                .send()
                .await
                .expect("put");
            assert_eq!(
                r.status().as_u16(),
                200,
                "{}",
                r.text().await.unwrap_or_default()
            );
            let (s, v) = submit_approve(app, &id, json!({})).await;
            assert_eq!(s, 200, "{v}");
            id
        }
    };
    let opening = complete(opening, json!({})).await;
    let publicity = complete(
        publicity,
        json!({"evaluation_summary": "综合评估法，技术 60 分、商务 40 分",
               "objection_method": "公示期内向招标人书面提出",
               "candidates": [{"quality": "合格", "duration": "180 日历天", "project_manager": "张三",
                               "certificate_no": "辽221000000001", "qualification_response": "满足"}]}),
    )
    .await;
    let award = complete(
        award,
        json!({"tenderer_contact": "大连市市政建设管理处，0411-00000000"}),
    )
    .await;
    let failure = complete(failure, json!({})).await;
    let deal = complete(deal, json!({})).await;
    out.push(("change", change));
    out.push(("opening_record", opening));
    out.push(("candidate_publicity", publicity));
    out.push(("award", award));
    out.push(("failure", failure));
    out.push((
        "land_transfer",
        publish(
            app,
            json!({"market": "land", "type": "land_transfer", "title": "国有建设用地使用权挂牌出让公告",
                "body": "出让", "fields": {"transferor": "大连市自然资源局", "parcel": "甘井子区 2026-01 号地块",
                "bidder_qualification": "境内外法人", "documents_access": "平台下载", "trading_method": "listing",
                "start_price": "50000000.00", "deposit": "10000000.00", "docs_available_at": DOCS_AT,
                "trading_start_at": "2026-03-23T09:00:00+08:00"}}),
        )
        .await,
    ));
    out.push((
        "property_disclosure",
        publish(
            app,
            json!({"market": "property", "type": "property_disclosure", "title": "某公司 100% 股权转让",
                "body": "披露", "fields": {"subject": "某公司 100% 股权", "transferor": "某国有集团",
                "approval": "国资委批复", "buyer_qualification": "依法存续的企业法人",
                "floor_price": "8000000.00", "disclosure_end_at": "2026-03-31T18:00:00+08:00"}}),
        )
        .await,
    ));
    out.push(("deal", deal));
    let order: Vec<&str> = out.iter().map(|(t, _)| *t).collect();
    assert_eq!(order.len(), 10, "{order:?}");
    out
}

#[tokio::test]
async fn every_announcement_type_reads_as_an_announcement_without_json_ids_or_raw_times() {
    let app = TestApp::spawn().await;
    let anns = one_of_each_type(&app).await;
    let by = |t: &str| anns.iter().find(|(x, _)| *x == t).expect("type").1.clone();
    for (ty, id) in &anns {
        for lang in ["zh", "en"] {
            let p = page(&app, &format!("/announcements/{id}?lang={lang}"), None).await;
            assert_eq!(p.status, 200, "{ty}: {}", p.html);
            let text = visible_text(&p.html);
            let defects = reader_defects(&text);
            assert!(defects.is_empty(), "{ty} ({lang}): {defects:#?}\n{text}");
            for v in datetime_values(&p.html) {
                assert!(valid_datetime(&v), "{ty}: <time datetime=\"{v}\">");
            }
            // No field key, code or untranslated state word.
            for raw in [
                "project_name",
                "_at",
                "not_decrypted",
                "open_tender",
                "too_few_bids",
                "winner_org_id",
            ] {
                assert!(!text.contains(raw), "{ty} ({lang}) shows {raw}: {text}");
            }
        }
    }
    // The tender shows its current deadline and links the change notice that set it.
    let t = page(&app, &format!("/announcements/{}", by("tender")), None).await;
    let deadline = &t.html[t.html.find("id=\"deadline-h\"").expect("deadline section")..];
    let deadline = &deadline[..deadline.find("</section>").expect("end")];
    assert!(
        deadline.contains("2026-03-29 09:00") && deadline.contains("2026-03-23 09:00"),
        "{deadline}"
    );
    assert!(
        deadline.contains(&format!("href=\"/announcements/{}\"", by("change"))),
        "{deadline}"
    );
    // Candidates and bids are tables, amounts as money, parties by name.
    let b1 = app.login("bidder1").await;
    let org1 = app.org_of(&b1).await;
    let name1 = crate::publishing::wait_row(
        &app,
        "SELECT name FROM publishing_orgs WHERE org_id = $1",
        &org1,
    )
    .await;
    let c = page(
        &app,
        &format!("/announcements/{}", by("candidate_publicity")),
        None,
    )
    .await;
    let table = &c.html[c
        .html
        .find("id=\"candidates-h\"")
        .expect("candidates table")..];
    assert!(
        table.contains("<table>") && table.contains(&name1) && table.contains("9,650,000.00 元"),
        "{table}"
    );
    assert!(
        table.contains("张三") && table.contains("辽221000000001"),
        "{table}"
    );
    let o = page(
        &app,
        &format!("/announcements/{}?lang=en", by("opening_record")),
        None,
    )
    .await;
    let table = &o.html[o.html.find("id=\"bids-h\"").expect("bids table")..];
    for seen in [
        "Bidder",
        "Bid price",
        "9,650,000.00 元",
        "Decrypted",
        "Not decrypted (revoked)",
        "Valid",
    ] {
        assert!(table.contains(seen), "{seen} missing: {table}");
    }
    // The deal's buyer is named from publishing's copy of organizations (the event carries an id).
    let b2 = app.login("bidder2").await;
    let org2 = app.org_of(&b2).await;
    let name2 = crate::publishing::wait_row(
        &app,
        "SELECT name FROM publishing_orgs WHERE org_id = $1",
        &org2,
    )
    .await;
    let d = page(&app, &format!("/announcements/{}", by("deal")), None).await;
    assert!(
        d.html.contains(&name2) && d.html.contains("51,300,000.00 元"),
        "{}",
        d.html
    );
    assert!(
        d.html.contains("网络竞价") && d.html.contains("2026-04-02 10:15"),
        "{}",
        d.html
    );
    app.stop().await;
}
