//! Page sessions in the browser: the `ggzy_session` cookie, the [`PageActor`] and [`PublicPage`]
//! extractors page handlers use, and CSRF protection.
//!
//! - The cookie holds a page session id (identity's `page_session`), never an API bearer token:
//!   `HttpOnly` (no script reads it), `SameSite=Lax`, `Path=/`, `Max-Age` = the session's lifetime,
//!   and `Secure` whenever `settings.public_url` is https. The API ignores cookies entirely (its
//!   `Actor` reads only `Authorization: Bearer`), so a cookie never authorizes `/api/*`.
//! - CSRF: a synchronizer token bound to the session, `hex(SHA-256("ggzy-csrf/1" ‖ session id))`,
//!   rendered as the hidden field `csrf` of every state-changing form (or sent by page scripts as
//!   the `X-CSRF-Token` header) and compared in constant time before anything changes. The sign-in
//!   form itself, before any session exists, carries a random token matched against the
//!   `ggzy_login` cookie (double submit), so another site cannot sign a browser into its account.

use crate::frame::{self, Chrome};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use ggzy_core::{Error, Result};
use ggzy_identity::page_session::{self, PageSessionState};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "ggzy_session";
/// The pre-sign-in CSRF cookie of the login form.
pub const LOGIN_COOKIE: &str = "ggzy_login";
/// Header page scripts send the CSRF token in (uploads by `fetch`).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Where each role lands after signing in.
pub fn role_home(r: Role) -> &'static str {
    match r {
        Role::Admin => "/admin",
        Role::Staff => "/staff",
        Role::Tenderer | Role::Agency => "/tenderer",
        Role::Bidder => "/bidder",
        Role::Expert => "/expert",
        Role::Supervisor => "/supervisor",
        Role::Bank => "/bank",
    }
}

/// The CSRF token of a session.
pub fn csrf_token(session_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"ggzy-csrf/1\0");
    h.update(session_id.as_bytes());
    hex::encode(h.finalize())
}

/// Constant-time equality of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A `next` target after sign-in: only a path on this site (`/…`, not `//host` or `/\host`).
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2000
        && !next.chars().any(|c| c.is_control());
    ok.then_some(next)
}

fn secure(ctx: &Ctx) -> bool {
    ctx.settings.public_url.starts_with("https://")
}

/// `Set-Cookie` for a new session lasting `max_age_secs`.
pub fn session_cookie(ctx: &Ctx, id: &str, max_age_secs: i64) -> String {
    format!(
        "{SESSION_COOKIE}={id}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
        max_age_secs.max(0),
        if secure(ctx) { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` removing the session cookie.
pub fn clear_session_cookie(ctx: &Ctx) -> String {
    session_cookie(ctx, "", 0)
}

/// `Set-Cookie` of the login form's CSRF cookie.
pub fn login_cookie(ctx: &Ctx, value: &str) -> String {
    format!(
        "{LOGIN_COOKIE}={value}; Path=/login; Max-Age=3600; HttpOnly; SameSite=Strict{}",
        if secure(ctx) { "; Secure" } else { "" }
    )
}

/// A page that anyone may read; shows who is signed in when someone is.
pub struct PublicPage(pub Chrome);

/// The signed-in person of a page request. When nobody is signed in the request is redirected to
/// `/login?next=<this page>`; an expired or ended session goes to the sign-in page saying so.
pub struct PageActor {
    pub actor: Actor,
    pub chrome: Chrome,
    /// The client address (as the API's login and uploads record it).
    pub ip: String,
}

async fn session_state(parts: &Parts, ctx: &Ctx) -> Result<Option<(String, PageSessionState)>> {
    let Some(id) = crate::lang::cookie(&parts.headers, SESSION_COOKIE).filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    let st = page_session::authenticate_page(ctx, &id).await?;
    Ok(Some((id, st)))
}

impl FromRequestParts<Ctx> for PublicPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Response> {
        let mut c = Chrome::from_parts(parts, ctx);
        match session_state(parts, ctx).await {
            Ok(Some((id, PageSessionState::Active(actor)))) => {
                c.csrf = Some(csrf_token(&id));
                c.user = Some(actor);
            }
            Ok(_) => {}
            Err(e) => return Err(frame::error_page(&c, &e)),
        }
        Ok(PublicPage(c))
    }
}

fn to_login(ctx: &Ctx, c: &Chrome, why: &str) -> Response {
    let mut pairs = vec![("next", c.path.as_str())];
    if !why.is_empty() {
        pairs.push(("why", why));
    }
    let mut r = frame::see_other(&crate::lang::href("/login", &pairs));
    if !why.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&clear_session_cookie(ctx)) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

impl FromRequestParts<Ctx> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Response> {
        let mut c = Chrome::from_parts(parts, ctx);
        match session_state(parts, ctx).await {
            Ok(Some((id, PageSessionState::Active(actor)))) => {
                c.csrf = Some(csrf_token(&id));
                c.user = Some(actor.clone());
                Ok(PageActor {
                    actor,
                    chrome: c,
                    ip: ggzy_identity::http::client_ip(parts),
                })
            }
            Ok(Some((_, PageSessionState::Expired))) => Err(to_login(ctx, &c, "expired")),
            Ok(Some((_, PageSessionState::SignedOut))) => Err(to_login(ctx, &c, "signed_out")),
            Ok(Some((_, PageSessionState::Disabled))) => Err(to_login(ctx, &c, "disabled")),
            Ok(Some((_, PageSessionState::Unknown))) => Err(to_login(ctx, &c, "unknown")),
            Ok(None) => Err(to_login(ctx, &c, "")),
            Err(e) => Err(frame::error_page(&c, &e)),
        }
    }
}

impl PageActor {
    /// Allow only these roles; anyone else gets a 403 page naming who may and a link home.
    pub fn require(&self, roles: &[Role]) -> Result<(), Response> {
        self.actor
            .require(roles)
            .map_err(|e| frame::error_page(&self.chrome, &e))
    }

    /// Check the CSRF token a page script sent in `X-CSRF-Token`.
    pub fn check_csrf_header(&self, headers: &HeaderMap) -> Result<(), Response> {
        let sent = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        self.check_csrf(sent)
    }

    /// Check a submitted CSRF token against the session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), Response> {
        let want = self.chrome.csrf.as_deref().unwrap_or("");
        if same_token(sent, want) {
            Ok(())
        } else {
            Err(csrf_refused(&self.chrome))
        }
    }

    /// A [`crate::frame::PageError`] for this page.
    pub fn error(&self, e: Error) -> crate::frame::PageError {
        crate::frame::PageError::new(&self.chrome, e)
    }
}

/// 403 page for a form without a valid CSRF token.
pub fn csrf_refused(c: &Chrome) -> Response {
    let l = c.lang;
    let m = frame::Message {
        lang: l,
        heading: l.t("表单已失效", "This form has expired"),
        detail: l.t(
            "这次提交没有带上本页面的安全令牌（可能页面已过期，或请求来自其他网站），因此未做任何更改。",
            "This submission did not carry this page's security token (the page may be old, or the request came from another site), so nothing was changed.",
        ),
        rule: Some("csrf.token_mismatch"),
        advice: l.t(
            "请返回上一页，刷新后重新提交。",
            "Go back, reload the page and submit again.",
        ),
        links: vec![("/login".into(), l.t("登录", "Sign in"))],
    };
    frame::page_status(c, StatusCode::FORBIDDEN, m.heading, &m)
}

/// A form post from a signed-in person with a valid CSRF token (field `csrf`), deserialized
/// into `T`. Wrong or missing token: 403 page, nothing changes. Not signed in: to `/login`.
pub struct CsrfForm<T> {
    pub actor: PageActor,
    pub form: T,
}

/// Only the CSRF field of a form.
#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned + Send> FromRequest<Ctx> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, ctx: &Ctx) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let actor = PageActor::from_request_parts(&mut parts, ctx).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), ctx)
            .await
            .map_err(|_| {
                frame::error_page(
                    &actor.chrome,
                    &Error::bad_request("the form could not be read"),
                )
            })?;
        let token: CsrfOnly = parse_form(&parts, bytes.clone(), ctx)
            .await
            .map_err(|e| frame::error_page(&actor.chrome, &e))?;
        actor.check_csrf(&token.csrf)?;
        let form: T = parse_form(&parts, bytes, ctx)
            .await
            .map_err(|e| frame::error_page(&actor.chrome, &e))?;
        Ok(CsrfForm { actor, form })
    }
}

/// Deserialize an `application/x-www-form-urlencoded` body.
pub async fn parse_form<T: DeserializeOwned>(parts: &Parts, bytes: Bytes, ctx: &Ctx) -> Result<T> {
    let req = Request::from_parts(parts.clone(), Body::from(bytes));
    axum::extract::Form::<T>::from_request(req, ctx)
        .await
        .map(|f| f.0)
        .map_err(|e| Error::bad_request(format!("the form could not be read: {}", e.body_text())))
}

/// Sign a browser in: the session cookie and the way on.
pub fn signed_in_response(ctx: &Ctx, s: &page_session::PageSession, to: &str) -> Response {
    let mut r = frame::see_other(to);
    // Whole seconds, rounded up: the cookie lives as long as the session.
    let max_age = ((s.expires_at - ctx.clock.now()).num_milliseconds() + 999).div_euclid(1000);
    let h = r.headers_mut();
    for c in [
        session_cookie(ctx, &s.id, max_age),
        format!("{LOGIN_COOKIE}=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict"),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    r
}

pub(crate) fn into_response_with_cookie(mut r: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next("/bidder?x=1"), Some("/bidder?x=1"));
        assert_eq!(safe_next("//evil.example/"), None);
        assert_eq!(safe_next("/\\evil.example"), None);
        assert_eq!(safe_next("https://evil.example/"), None);
        assert_eq!(safe_next("/a\nb"), None);
    }

    #[test]
    fn csrf_tokens_are_bound_to_the_session_and_compared_whole() {
        let a = csrf_token("session-a");
        assert_eq!(a.len(), 64);
        assert_ne!(a, csrf_token("session-b"));
        assert!(same_token(&a, &csrf_token("session-a")));
        assert!(!same_token(&a, &a[..63]));
        assert!(!same_token("", ""));
    }
}
