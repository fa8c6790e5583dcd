//! What the portal's pages share besides their templates: language choice (Chinese by default,
//! English by `?lang=en` or the `ggzy_lang` cookie), query-string links, the HTML response with its
//! caching headers, and the stylesheet served from the binary. Markup is written in the askama
//! templates under `templates/portal/` (escaped by default); nothing here builds HTML.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// The stylesheet, compiled into the binary (no CDN, no extra files to deploy).
pub const CSS: &str = include_str!("../../static/portal.css");

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
    H.get_or_init(|| {
        format!(
            "/static/portal.css?v={}",
            &hex::encode(Sha256::digest(CSS.as_bytes()))[..12]
        )
    })
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

/// `GET /static/portal.css`: the stylesheet, immutable for a year (its URL carries its hash).
pub async fn stylesheet() -> Response {
    let mut r = CSS.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
