//! The reader's language: Chinese by default, English by `?lang=en`, remembered in the `ggzy_lang`
//! cookie. Every label is written in both languages at its point of use: `lang.t("公告", "Announcements")`.

use axum::http::{header, HeaderMap};

/// Name of the cookie that remembers the reader's language.
pub const LANG_COOKIE: &str = "ggzy_lang";

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
    pub fn is_en(&self) -> bool {
        *self == Lang::En
    }
    /// The label in this language.
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
        let from_cookie = cookie(headers, LANG_COOKIE).and_then(|v| Lang::parse(&v));
        (from_cookie.unwrap_or(Lang::Zh), None)
    }
}

/// The value of cookie `name` in the request, if any.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
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

/// `path_and_query` with its `lang` parameter set to `lang` (the language switch link).
pub fn with_lang(path_and_query: &str, lang: Lang) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut parts: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
        .collect();
    let l = format!("lang={}", lang.code());
    parts.push(&l);
    format!("{path}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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
    fn the_switch_link_replaces_only_the_lang_parameter() {
        assert_eq!(with_lang("/bidder", Lang::En), "/bidder?lang=en");
        assert_eq!(
            with_lang("/bidder?market=gc&lang=en&page=2", Lang::Zh),
            "/bidder?market=gc&page=2&lang=zh"
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            href("/announcements", &[("q", "道路 a&b"), ("market", "")]),
            "/announcements?q=%E9%81%93%E8%B7%AF%20a%26b"
        );
    }
}
