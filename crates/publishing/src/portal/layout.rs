//! What the portal's pages add to the web frame: the HTML response with its caching headers. A
//! page read by nobody signed in is public and cacheable (strong ETag, `max-age=60`, 304); a page
//! that names a signed-in person (the frame's header shows them and a CSRF token) is never stored.
//! Markup is written in the askama templates under `templates/portal/` (escaped by default) and the
//! frame's layout; nothing here builds HTML.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ggzy_web::frame::Chrome;
use sha2::{Digest, Sha256};

/// Public HTML may be cached briefly by browsers and proxies, then revalidated by ETag (same
/// policy as the JSON API).
pub const CACHE_CONTROL: &str = "public, max-age=60";

/// The caching policy of a page: `None` for an error page (not stored), else whether it may be
/// shared.
fn cache_control(status: StatusCode, c: &Chrome) -> &'static str {
    if !status.is_success() || c.user.is_some() {
        "no-store"
    } else if c.lang_cookie.is_some() {
        // A response that sets a cookie must not be stored by a shared cache.
        "private, no-cache"
    } else {
        CACHE_CONTROL
    }
}

/// An HTML response with a strong ETag over the body, `Cache-Control`, `Vary` (the language and
/// the session come from cookies), the frame's security headers, and 304 when `If-None-Match`
/// matches.
pub fn html_response(
    headers: &HeaderMap,
    status: StatusCode,
    body: String,
    c: &Chrome,
) -> Response {
    let etag = format!(
        "\"{}\"",
        hex::encode(&Sha256::digest(body.as_bytes())[..16])
    );
    let cc = cache_control(status, c);
    let matches = status == StatusCode::OK
        && cc != "no-store"
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
    if cc != "no-store" {
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
    }
    h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cc));
    ggzy_web::frame::secure_headers(h);
    if let Some(v) = c
        .lang_cookie
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        h.append(header::SET_COOKIE, v);
    }
    resp
}
