//! The page frame: per-request [`Chrome`] (language, signed-in person, CSRF token, sandbox
//! banner), the base layout every page is rendered into, and the HTML responses (security
//! headers, no caching of signed-in pages, error pages that say what to do).

use crate::lang::{self, Lang};
use crate::session;
use askama::Template;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ggzy_core::Error;
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;

/// What the frame knows about the request.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: Lang,
    /// `Set-Cookie` remembering a language chosen by `?lang=`.
    pub lang_cookie: Option<String>,
    /// Path and query of this request (language switch, `next` after sign-in).
    pub path: String,
    /// The signed-in person, if any.
    pub user: Option<Actor>,
    /// The CSRF token of the session (hidden field `csrf` of every state-changing form).
    pub csrf: Option<String>,
    /// The sandbox banner's simulated date, when `settings.sandbox`.
    pub sandbox_now: Option<String>,
}

impl Chrome {
    /// Language, path and sandbox state of a request; nobody signed in yet.
    pub fn from_parts(parts: &Parts, ctx: &Ctx) -> Chrome {
        let q = parts.uri.query().unwrap_or("");
        let lang_q = q
            .split('&')
            .find_map(|kv| kv.strip_prefix("lang="))
            .map(str::to_string);
        let (lang, lang_cookie) = Lang::choose(lang_q.as_deref(), &parts.headers);
        Chrome {
            lang,
            lang_cookie,
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
            user: None,
            csrf: None,
            sandbox_now: ctx
                .settings
                .sandbox
                .then(|| crate::fmt::beijing_time(&ctx.clock.now())),
        }
    }

    pub fn t(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.lang.t(zh, en)
    }

    /// The link showing this page in the other language.
    pub fn switch_href(&self) -> String {
        lang::with_lang(&self.path, self.lang.other())
    }

    /// The hidden CSRF input for a form (empty when nobody is signed in).
    pub fn csrf_field(&self) -> crate::form::CsrfField<'_> {
        crate::form::CsrfField {
            token: self.csrf.as_deref().unwrap_or(""),
        }
    }

    /// Whether `href` is this page (for `aria-current`).
    pub fn is_current(&self, href: &str) -> bool {
        self.path.split('?').next() == Some(href)
    }

    /// Whether a bidder is signed in (the land and property link in the navigation).
    pub fn is_bidder(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Bidder)
    }

    fn home(&self) -> Option<&'static str> {
        self.user.as_ref().map(|u| session::role_home(u.role))
    }

    fn role_label(&self) -> &'static str {
        self.user
            .as_ref()
            .map(|u| role_label(u.role, self.lang))
            .unwrap_or("")
    }
}

/// A role's name for people.
pub fn role_label(r: Role, l: Lang) -> &'static str {
    match r {
        Role::Admin => l.t("系统管理员", "Administrator"),
        Role::Staff => l.t("中心工作人员", "Centre staff"),
        Role::Tenderer => l.t("招标人", "Tenderer"),
        Role::Agency => l.t("招标代理机构", "Tendering agency"),
        Role::Bidder => l.t("投标人/竞买人", "Bidder"),
        Role::Expert => l.t("评标专家", "Evaluation expert"),
        Role::Supervisor => l.t("监管人员", "Supervisor"),
        Role::Bank => l.t("银行接口", "Bank interface"),
    }
}

/// Rendered markup of an escaping template (the only input the layout takes unescaped).
pub struct Markup(String);

impl std::fmt::Display for Markup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for Markup {}

#[derive(Template)]
#[template(path = "layout.html")]
struct Layout<'a> {
    c: &'a Chrome,
    title: &'a str,
    body: Markup,
    css: String,
    js: String,
}

/// Render `body` (an askama template of the page's `<main>` content, starting with its `<h1>`)
/// into the frame and answer it.
pub fn page<T: Template>(c: &Chrome, title: &str, body: &T) -> Response {
    page_status(c, StatusCode::OK, title, body)
}

pub fn page_status<T: Template>(c: &Chrome, status: StatusCode, title: &str, body: &T) -> Response {
    let rendered = match body.render() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "page rendering failed").into_response();
        }
    };
    let layout = Layout {
        c,
        title,
        body: Markup(rendered),
        css: crate::assets::css_href(),
        js: crate::assets::href("ggzy.js"),
    };
    match layout.render() {
        Ok(html) => html_response(c, status, html),
        Err(e) => {
            tracing::error!(error = %e, "layout template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "page rendering failed").into_response()
        }
    }
}

/// The whole document of `body` in the frame, for a page that answers with its own caching
/// headers (the public portal: cacheable with an ETag while nobody is signed in). Add
/// [`secure_headers`] to the response.
pub fn document<T: Template>(c: &Chrome, title: &str, body: &T) -> askama::Result<String> {
    Layout {
        c,
        title,
        body: Markup(body.render()?),
        css: crate::assets::css_href(),
        js: crate::assets::href("ggzy.js"),
    }
    .render()
}

/// Security headers every frame page carries. No inline script is allowed (all script is in
/// embedded files), nothing loads from elsewhere, no other site may frame the page.
pub fn secure_headers(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

fn html_response(c: &Chrome, status: StatusCode, html: String) -> Response {
    let mut r = (status, html).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Pages carry a person's data and CSRF tokens: never stored by any cache.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    secure_headers(h);
    if let Some(v) = c
        .lang_cookie
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        h.append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct Message<'a> {
    pub lang: Lang,
    pub heading: &'a str,
    pub detail: &'a str,
    pub rule: Option<&'a str>,
    /// What to do now.
    pub advice: &'a str,
    /// `(href, label)` links to go on.
    pub links: Vec<(String, &'a str)>,
}

/// A page for a refused or failed request, saying what happened (with the rule id) and what to do.
pub fn error_page(c: &Chrome, e: &Error) -> Response {
    let l = c.lang;
    let p = e.to_problem();
    let (heading, advice) = match e {
        Error::Unauthorized(_) => (
            l.t("需要登录", "Sign-in needed"),
            l.t("请登录后再试。", "Sign in and try again."),
        ),
        Error::Forbidden(_) => (
            l.t("无权操作", "Not allowed"),
            l.t(
                "您的角色不能进行此操作。请回到您的首页，或联系交易中心。",
                "Your role may not do this. Go back to your home page or contact the centre.",
            ),
        ),
        Error::NotFound(_) => (
            l.t("未找到", "Not found"),
            l.t(
                "请检查链接，或从首页重新进入。",
                "Check the link or start again from your home page.",
            ),
        ),
        Error::Validation(_) | Error::BadRequest { .. } => (
            l.t("输入有误", "Check your input"),
            l.t(
                "请返回修改后重新提交。",
                "Go back, correct the input and submit again.",
            ),
        ),
        Error::Conflict { .. } => (
            l.t(
                "当前状态下不能进行此操作",
                "Not possible in the current state",
            ),
            l.t(
                "请刷新页面查看最新状态。",
                "Reload the page to see the current state.",
            ),
        ),
        Error::TooManyRequests { .. } => (
            l.t("请求过于频繁", "Too many attempts"),
            l.t("请稍后再试。", "Wait a few minutes and try again."),
        ),
        Error::Internal(_) | Error::Unavailable(_) => (
            l.t("系统暂时无法处理", "The platform could not do this now"),
            l.t(
                "请稍后再试；如仍失败请联系交易中心。",
                "Try again later; if it keeps failing, contact the centre.",
            ),
        ),
        _ => (l.t("请求未完成", "Request not completed"), ""),
    };
    let detail = match e {
        Error::Internal(err) => {
            tracing::error!(error = %err, "page request failed");
            String::new()
        }
        _ => p.detail.clone(),
    };
    let mut links = Vec::new();
    if let Some(h) = c.home() {
        links.push((h.to_string(), l.t("我的首页", "My home")));
    } else {
        links.push((
            crate::lang::href("/login", &[("next", &c.path)]),
            l.t("登录", "Sign in"),
        ));
    }
    links.push(("/".into(), l.t("信息公开首页", "Public portal")));
    let m = Message {
        lang: l,
        heading,
        detail: &detail,
        rule: p.rule.as_deref(),
        advice,
        links,
    };
    page_status(c, e.status(), heading, &m)
}

/// A page handler's error: rendered as [`error_page`].
pub struct PageError {
    pub chrome: Chrome,
    pub error: Error,
}

impl PageError {
    pub fn new(chrome: &Chrome, error: Error) -> Self {
        PageError {
            chrome: chrome.clone(),
            error,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(&self.chrome, &self.error)
    }
}

/// `303 See Other` to `to` (after a form post, or to sign in).
pub fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
