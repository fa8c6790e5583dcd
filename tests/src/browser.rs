//! A real headless Chromium for page tests, driven through chromedriver (WebDriver, plain HTTP on
//! localhost). Needs Debian's `chromium` and `chromium-driver`. Without them a test is skipped, saying
//! so — unless `GGZY_REQUIRE_BROWSER=1` (set by `.ci/run`), where a missing browser fails the test.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A browser session; chromedriver and the Chromium it started are killed when this is dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver runs in its own process group (see `browser`), which Chromium and its
        // renderers inherit: killing the group ends them all. Killing chromedriver alone left
        // every test's Chromium running (re-parented to init) — some 200 MB each, dozens per CI
        // run, until the machine ran short of memory.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A headless Chromium with a window of `width`×`height`, or `None` (after printing why) when the
/// browser is not installed and not required.
pub async fn browser(test: &str, width: u32, height: u32) -> Option<Browser> {
    let installed =
        std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !installed {
        let why = format!(
            "{test}: {CHROMIUM} or {CHROMEDRIVER} not installed (apt-get install -y chromium chromium-driver)"
        );
        if std::env::var("GGZY_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("GGZY_REQUIRE_BROWSER=1 but {why}");
        }
        eprintln!("SKIPPED {why}");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let driver = Command::new(CHROMEDRIVER)
        .process_group(0)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let mut ready = false;
    for () in crate::patience() {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "chromedriver did not listen on port {port}");
    // The machine has no outside network: background networking would only produce refused
    // connections (and slow starts), so it is switched off.
    let caps = json!({"goog:chromeOptions": {"binary": CHROMIUM, "args": [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic",
        format!("--window-size={width},{height}"), "--lang=zh-CN"]}});
    let serde_json::Value::Object(caps) = caps else {
        unreachable!("capabilities are an object")
    };
    Some(Browser {
        client: ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("webdriver session"),
        driver,
    })
}

/// Click `what` and wait (up to [`crate::PATIENCE`]: a busy machine) until the page shows `then`.
/// A transient WebDriver error while the page navigates (seen on the loaded machine: a wait that
/// failed after a few seconds, not at its timeout) is polled through.
pub async fn click_then(c: &Client, what: Locator<'_>, then: Locator<'_>) {
    c.find(what)
        .await
        .unwrap_or_else(|e| panic!("{what:?}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {what:?}: {e}"));
    wait_until(c, then).await;
}

/// [`click_then`] with both elements named by CSS selectors.
pub async fn click_css_then(c: &Client, what: &str, then: &str) {
    click_then(c, Locator::Css(what), Locator::Css(then)).await;
}

/// Wait (up to [`crate::PATIENCE`]) until the page shows `what`.
pub async fn wait_until(c: &Client, what: Locator<'_>) {
    let mut last = String::new();
    for () in crate::patience() {
        match c.find(what).await {
            Ok(_) => return,
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what:?}: {last}");
}

/// Wait (up to [`crate::PATIENCE`]) until the page shows the CSS selector `css`.
pub async fn wait_for(c: &Client, css: &str) {
    wait_until(c, Locator::Css(css)).await;
}

/// The text of the element `css` (which must be on the page).
pub async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap_or_else(|e| panic!("text of {css}: {e}"))
}

/// The path of the current page.
pub async fn path(c: &Client) -> String {
    c.current_url().await.expect("url").path().to_string()
}

/// Forget the page session (the cookies) so the same browser can sign in as someone else.
pub async fn sign_out(c: &Client) {
    c.delete_all_cookies().await.expect("forget the session");
}

/// The page is no wider than the window (no horizontal scrolling at 375 px).
pub async fn no_horizontal_scroll(c: &Client, what: &str) {
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .expect("script")
        .as_bool()
        .unwrap_or(true);
    assert!(!wide, "{what}: wider than the window");
}

/// Choose `value` in the select `#id`.
pub async fn choose(c: &Client, id: &str, value: &str) {
    c.find(Locator::Css(&format!("#{id} option[value='{value}']")))
        .await
        .unwrap_or_else(|e| panic!("#{id} option {value}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("choose {value} in #{id}: {e}"));
}

/// Set a control's value by script (typing into Chromium's segmented date and time fields
/// depends on the locale; the value is what the form posts).
pub async fn set_value(c: &Client, id: &str, value: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap_or_else(|e| panic!("set #{id}: {e}"));
}

/// Every `id` on the page is unique (a label's `for` and a summary link reach one control). The
/// sanctions page once gave its filter's USCC box and the new entry's USCC field the same id, so
/// typing into "统一社会信用代码" of the form filled the filter instead.
pub async fn unique_ids(c: &Client, what: &str) {
    let dup = c
        .execute(
            "const seen = new Set(); const dup = [];
             for (const e of document.querySelectorAll('[id]')) {
               if (seen.has(e.id)) dup.push(e.id); seen.add(e.id);
             }
             return dup.join(' ');",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(dup.as_str().unwrap_or(""), "", "{what}: duplicate ids");
}

/// Every `id` on the page is unique and every control of `controls` has its label (`label[for]`).
pub async fn ids_and_labels(c: &Client, what: &str, controls: &[&str]) {
    unique_ids(c, what).await;
    for id in controls {
        assert!(
            c.find(Locator::Css(&format!("label[for='{id}']")))
                .await
                .is_ok(),
            "{what}: no label for #{id}"
        );
    }
}

/// The error summary links to `#id`; following the link by keyboard (Enter) focuses the field.
pub async fn summary_focuses(c: &Client, id: &str) {
    let link = c
        .find(Locator::Css(&format!(".error-summary a[href='#{id}']")))
        .await
        .unwrap_or_else(|e| panic!("the error summary links to #{id}: {e}"));
    link.send_keys("\u{E007}").await.expect("Enter");
    let mut active = String::new();
    for () in crate::patience() {
        active = c
            .execute("return document.activeElement.id;", vec![])
            .await
            .expect("script")
            .as_str()
            .unwrap_or_default()
            .to_string();
        if active == id {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("focus after the summary link to #{id}: {active:?}");
}

/// Replace the text of the input with id `id` by `text`, typed.
pub async fn fill(c: &Client, id: &str, text: &str) {
    let e = c
        .find(fantoccini::Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"));
    e.clear().await.ok();
    e.send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into #{id}: {e}"));
}

/// Open `path` (which sends a visitor to the sign-in form), sign in as `user` with `password`
/// and wait (up to [`crate::PATIENCE`]) until the browser has left the sign-in page.
pub async fn sign_in(c: &Client, url: &str, user: &str, password: &str) {
    c.goto(url)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    c.wait()
        .at_most(crate::PATIENCE)
        .for_element(Locator::Id("f-username"))
        .await
        .unwrap_or_else(|e| panic!("sign-in form at {url}: {e}"));
    fill(c, "f-username", user).await;
    fill(c, "f-password", password).await;
    c.find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap_or_else(|e| panic!("sign-in button: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click sign-in: {e}"));
    let mut last = String::new();
    for () in crate::patience() {
        if let Ok(u) = c.current_url().await {
            last = u.to_string();
            if !u.path().starts_with("/login") && c.find(Locator::Css("main h1")).await.is_ok() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{user} did not leave the sign-in page in time (last {last})");
}
