//! The portal's page frame, reusable by any area that renders HTML (e.g. staff pages): language
//! choice (Chinese by default, English by `?lang=en` or the `ggzy_lang` cookie), HTML escaping, the
//! accessible layout (`lang` attribute, skip link, banner/navigation/main/contentinfo landmarks) and
//! the stylesheet served from the binary. See docs/portal.md, "Layout helper".

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::OnceLock;

/// The stylesheet, compiled into the binary (no CDN, no extra files to deploy); the page frame
/// (ggzy-web) owns it so every page shares one.
pub const CSS: &str = ggzy_web::assets::CSS;

/// Name of the cookie that remembers the reader's language.
pub const LANG_COOKIE: &str = "ggzy_lang";

/// Public HTML may be cached briefly by browsers and proxies, then revalidated by ETag (same
/// policy as the JSON API).
pub const CACHE_CONTROL: &str = "public, max-age=60";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "zh" | "zh-CN" | "cn" => Some(Lang::Zh),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    /// Value of the `lang` attribute (BCP 47).
    pub fn html_lang(&self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn other(&self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
    /// Every label is written in both languages at its point of use: `lang.t("公告", "Announcements")`.
    pub fn t(&self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The reader's language: `?lang=` wins (and is remembered in a cookie), then the cookie,
    /// then Chinese. Returns the `Set-Cookie` value when the query chose a language.
    pub fn choose(query: Option<&str>, headers: &HeaderMap) -> (Lang, Option<String>) {
        if let Some(l) = query.and_then(Lang::parse) {
            let cookie = format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                l.code()
            );
            return (l, Some(cookie));
        }
        let from_cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .and_then(|(_, v)| Lang::parse(v));
        (from_cookie.unwrap_or(Lang::Zh), None)
    }
}

/// Displays a string HTML-escaped (text and attribute values alike): `format!("<b>{}</b>", esc(s))`.
pub struct Esc<'a>(pub &'a str);

pub fn esc(s: &str) -> Esc<'_> {
    Esc(s)
}

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut last = 0;
        for (i, c) in self.0.char_indices() {
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => continue,
            };
            f.write_str(&self.0[last..i])?;
            f.write_str(rep)?;
            last = i + 1;
        }
        f.write_str(&self.0[last..])
    }
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters stay as they are).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds `path?k=v&…` from the non-empty pairs, values percent-encoded.
pub fn href(path: &str, pairs: &[(&str, &str)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", q.join("&"))
    }
}

/// URL of the stylesheet, versioned by its hash so it can be cached for a year.
pub fn css_href() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(ggzy_web::assets::css_href)
}

/// One navigation entry of the banner.
pub struct NavLink<'a> {
    pub href: &'a str,
    pub label: &'a str,
    pub current: bool,
}

/// What a page puts into the common frame.
pub struct Frame<'a> {
    pub lang: Lang,
    /// Page title (text, escaped here); also the document title before the site name.
    pub title: &'a str,
    /// Banner navigation; `current` marks the page with `aria-current="page"`.
    pub nav: &'a [NavLink<'a>],
    /// Link that shows this same page in the other language.
    pub switch_href: &'a str,
    /// Already-escaped HTML of the `<main>` element's content (start with the page's `<h1>`).
    pub main: &'a str,
}

/// The whole document: doctype, `<html lang>`, viewport, stylesheet, skip link, banner with
/// navigation and language switch, `<main id="main">`, footer.
pub fn layout(p: &Frame<'_>) -> String {
    let l = p.lang;
    let site = l.t(
        "公共资源交易信息发布",
        "Public Resource Trading — Announcements",
    );
    let mut nav = String::new();
    for n in p.nav {
        nav.push_str(&format!(
            "<li><a href=\"{}\"{}>{}</a></li>",
            esc(n.href),
            if n.current {
                " aria-current=\"page\""
            } else {
                ""
            },
            esc(n.label)
        ));
    }
    let other = l.other();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — {site}</title><link rel=\"stylesheet\" href=\"{css}\"></head><body>\
         <a class=\"skip\" href=\"#main\">{skip}</a>\
         <header class=\"site\"><a class=\"lang\" href=\"{switch}\" lang=\"{olang}\" hreflang=\"{olang}\">{switch_label}</a>\
         <a class=\"brand\" href=\"/\">{site}</a>\
         <nav aria-label=\"{nav_label}\"><ul>{nav}</ul></nav></header>\
         <main id=\"main\" tabindex=\"-1\">{main}</main>\
         <footer class=\"site\"><p>{footer}</p></footer></body></html>\n",
        lang = l.html_lang(),
        title = esc(p.title),
        site = esc(site),
        css = css_href(),
        skip = l.t("跳到主要内容", "Skip to main content"),
        switch = esc(p.switch_href),
        olang = other.html_lang(),
        switch_label = l.t("English", "中文"),
        nav_label = l.t("主导航", "Main navigation"),
        main = p.main,
        footer = l.t(
            "依据《招标公告和公示信息发布管理办法》发布。时间均为北京时间。",
            "Published under the Measures on Publishing Tender Announcements and Publicity Information. All times are Beijing time (UTC+8)."
        ),
    )
}

/// An HTML response with a strong ETag over the body, `Cache-Control`, `Vary` (the language
/// comes from the cookie) and 304 when `If-None-Match` matches. A response that sets the
/// language cookie is private (a shared cache must not store a `Set-Cookie`).
pub fn html_response(
    headers: &HeaderMap,
    status: StatusCode,
    body: String,
    set_cookie: Option<&str>,
) -> Response {
    let etag = format!(
        "\"{}\"",
        hex::encode(&Sha256::digest(body.as_bytes())[..16])
    );
    let matches = status == StatusCode::OK
        && headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut resp = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = (status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    let cc = match (set_cookie, status.is_success()) {
        (Some(_), _) => "private, no-cache",
        (None, true) => CACHE_CONTROL,
        (None, false) => "no-store",
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cc));
    if let Some(v) = set_cookie.and_then(|c| HeaderValue::from_str(c).ok()) {
        h.insert(header::SET_COOKIE, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped_in_text_and_attributes() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\"").to_string(),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("道路改造工程").to_string(), "道路改造工程");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            href("/announcements", &[("q", "道路 a&b"), ("market", "")]),
            "/announcements?q=%E9%81%93%E8%B7%AF%20a%26b"
        );
    }

    #[test]
    fn query_language_wins_and_sets_the_cookie_then_the_cookie_is_used() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::choose(None, &h), (Lang::Zh, None));
        let (l, c) = Lang::choose(Some("en"), &h);
        assert_eq!(l, Lang::En);
        assert!(c.is_some_and(|c| c.starts_with("ggzy_lang=en;")));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; ggzy_lang=en"),
        );
        assert_eq!(Lang::choose(None, &h), (Lang::En, None));
        assert_eq!(Lang::choose(Some("zh"), &h).0, Lang::Zh);
    }

    #[test]
    fn layout_declares_language_landmarks_and_escapes_the_title() {
        let html = layout(&Frame {
            lang: Lang::En,
            title: "<x>",
            nav: &[NavLink {
                href: "/",
                label: "Home",
                current: true,
            }],
            switch_href: "/?lang=zh",
            main: "<h1>t</h1>",
        });
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("<title>&lt;x&gt; — "));
        for landmark in ["<header", "<nav aria-label", "<main id=\"main\"", "<footer"] {
            assert!(html.contains(landmark), "{landmark}");
        }
        assert!(html.contains("aria-current=\"page\""));
    }
}
