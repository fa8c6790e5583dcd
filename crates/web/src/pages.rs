//! The frame's own pages: sign-in (`/login`), sign-out (`/logout`), and the simple homes of the
//! roles whose workbench is not built yet (they link to what exists).

use crate::form::FormState;
use crate::frame::{self, Chrome};
use crate::lang::Lang;
use crate::session::{self, PageActor, PublicPage};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ggzy_core::Error;
use ggzy_identity::http::client_ip;
use ggzy_identity::page_session;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use serde::Deserialize;

/// Roles whose home (`session::role_home`) this crate still renders as a simple page of links.
/// An area that builds a role's workbench takes its home route and removes the role here.
pub const PLACEHOLDER_HOMES: &[Role] = &[
    Role::Bank,
    // One role a line: each area removes its own when it builds the home.
];

/// Routes of the frame: assets, sign-in, sign-out and the placeholder homes.
pub fn router() -> Router<Ctx> {
    let mut r = Router::new()
        .route("/static/{name}", get(crate::assets::serve))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout));
    let mut seen = Vec::new();
    for role in PLACEHOLDER_HOMES {
        let path = session::role_home(*role);
        if !seen.contains(&path) {
            seen.push(path);
            r = r.route(path, get(placeholder_home));
        }
    }
    r
}

#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    pub next: String,
    #[serde(default)]
    pub why: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    lang: Lang,
    form: &'a FormState,
    csrf: &'a str,
    next: &'a str,
    notice: Option<&'a str>,
    advice: Option<&'a str>,
}

fn why_notice(l: Lang, why: &str) -> Option<&'static str> {
    Some(match why {
        "expired" => l.t(
            "您的登录已过期。为了安全，登录状态只保留一段时间，请重新登录后继续。",
            "Your session has expired. For safety a sign-in lasts only for a while; sign in again to continue.",
        ),
        "signed_out" => l.t("您已退出登录。", "You have signed out."),
        "disabled" => l.t(
            "您的账号已被停用。请联系交易中心的系统管理员。",
            "Your account has been disabled. Contact the centre's administrator.",
        ),
        "unknown" => l.t(
            "您的登录已失效，请重新登录。",
            "Your sign-in is no longer valid; sign in again.",
        ),
        _ => return None,
    })
}

fn new_login_token() -> String {
    ggzy_core::ids::random_hex(32)
}

fn render_login(
    ctx: &Ctx,
    c: &Chrome,
    status: StatusCode,
    form: &FormState,
    next: &str,
    notice: Option<&str>,
    advice: Option<&str>,
) -> Response {
    let token = new_login_token();
    let p = LoginPage {
        lang: c.lang,
        form,
        csrf: &token,
        next: session::safe_next(next).unwrap_or(""),
        notice,
        advice,
    };
    let r = frame::page_status(c, status, c.t("登录", "Sign in"), &p);
    session::into_response_with_cookie(r, &session::login_cookie(ctx, &token))
}

/// `GET /login`: the sign-in form (already signed in: straight on).
async fn login_page(
    State(ctx): State<Ctx>,
    PublicPage(c): PublicPage,
    Query(q): Query<LoginQuery>,
) -> Response {
    if let Some(u) = &c.user {
        let to = session::safe_next(&q.next).unwrap_or(session::role_home(u.role));
        return frame::see_other(to);
    }
    let notice = why_notice(c.lang, &q.why);
    render_login(
        &ctx,
        &c,
        StatusCode::OK,
        &FormState::new(),
        &q.next,
        notice,
        None,
    )
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: the API's login use case (same throttling), then the session cookie.
async fn login_submit(State(ctx): State<Ctx>, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    let c = match <PublicPage as axum::extract::FromRequestParts<Ctx>>::from_request_parts(
        &mut parts, &ctx,
    )
    .await
    {
        Ok(PublicPage(c)) => c,
        Err(r) => return r,
    };
    let l = c.lang;
    let bytes = match Bytes::from_request(Request::from_parts(parts.clone(), body), &ctx).await {
        Ok(b) => b,
        Err(_) => return frame::error_page(&c, &Error::bad_request("the form could not be read")),
    };
    let f: LoginForm = match session::parse_form(&parts, bytes, &ctx).await {
        Ok(f) => f,
        Err(e) => return frame::error_page(&c, &e),
    };
    // Login CSRF: the form's token must match the cookie set with the form.
    let cookie = crate::lang::cookie(&parts.headers, session::LOGIN_COOKIE).unwrap_or_default();
    if !session::same_token(&f.csrf, &cookie) {
        return session::csrf_refused(&c);
    }
    let mut form = FormState::new().with_values([("username", f.username.clone())]);
    if f.username.trim().is_empty() {
        form.push(
            "username",
            "required",
            l.t("请输入用户名", "Enter your username"),
        );
    }
    if f.password.is_empty() {
        form.push(
            "password",
            "required",
            l.t("请输入密码", "Enter your password"),
        );
    }
    if !form.is_ok() {
        return render_login(
            &ctx,
            &c,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            &f.next,
            None,
            None,
        );
    }
    let ip = client_ip(&parts);
    match page_session::sign_in(&ctx, f.username.trim(), &f.password, &ip).await {
        Ok(s) => {
            let to = session::safe_next(&f.next).unwrap_or(session::role_home(s.actor.role));
            session::signed_in_response(&ctx, &s, to)
        }
        Err(Error::Unauthorized(m)) if m == ggzy_identity::service::ACCOUNT_DISABLED => {
            form.push(
                "username",
                "login.account_disabled",
                l.t(
                    "该账号已被停用，不能登录",
                    "This account has been disabled and cannot sign in",
                ),
            );
            render_login(
                &ctx,
                &c,
                StatusCode::UNAUTHORIZED,
                &form,
                &f.next,
                why_notice(l, "disabled"),
                None,
            )
        }
        Err(Error::Unauthorized(_)) => {
            form.push(
                "password",
                "login.wrong_credentials",
                l.t(
                    "用户名或密码不正确",
                    "The username or password is not correct",
                ),
            );
            let advice = l.t(
                "请检查用户名和密码（区分大小写）后重试。连续多次失败后，账号会被暂时锁定。忘记密码请联系交易中心的系统管理员重置。",
                "Check the username and password (they are case-sensitive) and try again. After several failures in a row the account is locked for a while. If you forgot your password, ask the centre's administrator to reset it.",
            );
            render_login(
                &ctx,
                &c,
                StatusCode::UNAUTHORIZED,
                &form,
                &f.next,
                None,
                Some(advice),
            )
        }
        Err(Error::TooManyRequests {
            retry_after_secs, ..
        }) => {
            let minutes = retry_after_secs.div_ceil(60).max(1);
            let detail = match l {
                Lang::Zh => format!(
                    "由于多次登录失败，该账号（或本机地址）的登录已暂停，约 {minutes} 分钟后可再试。"
                ),
                Lang::En => format!(
                    "After repeated failed sign-ins, signing in to this account (or from this address) is paused. Try again in about {minutes} minutes."
                ),
            };
            let m = frame::Message {
                lang: l,
                heading: l.t("账号已暂时锁定", "Account temporarily locked"),
                detail: &detail,
                rule: Some("login.throttled"),
                advice: l.t(
                    "请稍候再登录。如果不是您本人的尝试，请联系交易中心的系统管理员。",
                    "Wait, then sign in again. If these attempts were not yours, tell the centre's administrator.",
                ),
                links: vec![(
                    crate::lang::href("/login", &[("next", &f.next)]),
                    l.t("返回登录", "Back to sign-in"),
                )],
            };
            let mut r = frame::page_status(&c, StatusCode::TOO_MANY_REQUESTS, m.heading, &m);
            if let Ok(v) = axum::http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
            r
        }
        Err(e) => frame::error_page(&c, &e),
    }
}

#[derive(Debug, Deserialize)]
struct LogoutForm {}

/// `POST /logout` (CSRF-checked): ends the session and clears the cookie.
async fn logout(State(ctx): State<Ctx>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let id = crate::lang::cookie(&parts.headers, session::SESSION_COOKIE).unwrap_or_default();
    let req = Request::from_parts(parts, body);
    let f = match session::CsrfForm::<LogoutForm>::from_request(req, &ctx).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(e) = page_session::sign_out(&ctx, &id).await {
        return frame::error_page(&f.actor.chrome, &e);
    }
    let r = frame::see_other("/login?why=signed_out");
    session::into_response_with_cookie(r, &session::clear_session_cookie(&ctx))
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home<'a> {
    lang: Lang,
    name: &'a str,
    role: &'a str,
    links: Vec<(&'static str, &'static str)>,
}

/// Links to what exists for a role whose workbench is not built yet.
fn existing_links(r: Role, l: Lang) -> Vec<(&'static str, &'static str)> {
    let mut v = match r {
        Role::Staff => vec![("/staff/venues", l.t("场地周历", "Venue week calendar"))],
        Role::Supervisor => vec![("/monitoring", l.t("监控大屏", "Monitoring dashboard"))],
        _ => vec![],
    };
    v.push(("/announcements", l.t("交易公告", "Announcements")));
    v.push(("/api/docs", l.t("接口文档（API）", "API reference")));
    v
}

/// The simple home of a role whose workbench is not built yet.
async fn placeholder_home(a: PageActor) -> Response {
    let c = &a.chrome;
    let home = session::role_home(a.actor.role);
    if c.path.split('?').next() != Some(home) {
        // Someone else's home: say whose it is and link to one's own.
        return frame::error_page(
            c,
            &Error::forbidden(format!("this is the home of another role; yours is {home}")),
        );
    }
    let role = frame::role_label(a.actor.role, c.lang);
    let p = Home {
        lang: c.lang,
        name: &a.actor.display_name,
        role,
        links: existing_links(a.actor.role, c.lang),
    };
    frame::page(c, role, &p)
}
