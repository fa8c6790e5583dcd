//! Assets compiled into the binary and served by it (no CDN, no files to deploy): the one
//! stylesheet of every page and the scripts. Pages link them as `/static/<name>?v=<hash>`; a
//! request with the current hash is cached for a year (`immutable`), any other for a minute.

use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// One embedded file.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

/// The stylesheet every page shares (the portal's look).
pub const CSS: &str = include_str!("../static/ggzy.css");

/// Every embedded asset. `portal.css` is the stylesheet's former name, kept for old links.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "ggzy.css",
        content_type: "text/css; charset=utf-8",
        body: CSS,
    },
    Asset {
        name: "portal.css",
        content_type: "text/css; charset=utf-8",
        body: CSS,
    },
    Asset {
        name: "ggzy.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../static/ggzy.js"),
    },
    Asset {
        name: "seal.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../static/seal.js"),
    },
    Asset {
        name: "auction.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../static/auction.js"),
    },
    Asset {
        name: "opening.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../static/opening.js"),
    },
];

pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

fn version(a: &Asset) -> String {
    hex::encode(Sha256::digest(a.body.as_bytes()))[..12].to_string()
}

/// `/static/<name>?v=<hash of the content>`; panics on an unknown name (a programming error
/// caught by every page test).
pub fn href(name: &str) -> String {
    static CACHE: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| (a.name, format!("/static/{}?v={}", a.name, version(a))))
            .collect()
    });
    all.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| panic!("no embedded asset named {name}"))
}

/// The stylesheet's URL.
pub fn css_href() -> String {
    href("ggzy.css")
}

/// `GET /static/{name}`.
pub async fn serve(Path(name): Path<String>, RawQuery(q): RawQuery) -> Response {
    let Some(a) = find(&name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let current = q
        .as_deref()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("v=")))
        .is_some_and(|v| v == version(a));
    let mut r = a.body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(a.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if current {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=60"
        }),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}
