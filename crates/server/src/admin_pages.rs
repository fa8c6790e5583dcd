//! The administrator's pages (`/admin/…`, issue 22 item 4): organizations and users (create,
//! disable, reset password — identity's use cases, with its rule that the administrator creates and
//! resets centre accounts only), the sanctions list, and the holiday schedules (the years loaded
//! with their source and versions; a TOML upload through the calendar import use case).
//!
//! They live in the server crate because they span areas (identity, bidding's sanctions, the
//! calendar); each handler makes one use-case call. Forms are CSRF-checked ([`CsrfForm`], or the
//! multipart upload's `csrf` field checked by [`PageActor::check_csrf`]); refusals are shown next to
//! the field they name, with their rule id.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ggzy_core::{Error, Result};
use ggzy_identity::invitations;
use ggzy_identity::service::{self, NewOrganization, NewUser};
use ggzy_identity::Role;
use ggzy_store::calendar as stored;
use ggzy_store::Ctx;
use ggzy_web::fmt::beijing_time;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;
use std::collections::HashMap;

const ADMIN: [Role; 1] = [Role::Admin];

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/users", get(users_page).post(create_user))
        .route("/admin/users/{id}/disable", post(disable_user))
        .route(
            "/admin/users/{id}/password",
            get(password_page).post(reset_password),
        )
        .route("/admin/organizations", get(orgs_page).post(create_org))
        .route("/admin/calendar", get(calendar_page).post(upload_calendar))
}

#[derive(Template)]
#[template(path = "admin/home.html")]
struct Home {
    l: Lang,
    users: usize,
    disabled: usize,
    orgs: usize,
    years: Vec<i32>,
}

/// `GET /admin`: what the administrator looks after, with counts.
async fn home(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    let l = a.chrome.lang;
    let data = async {
        let users = service::list_users(&ctx).await?;
        let orgs = service::list_orgs(&ctx).await?;
        Ok::<_, Error>((users, orgs))
    }
    .await;
    match data {
        Ok((users, orgs)) => frame::page(
            &a.chrome,
            l.t("系统管理", "Administration"),
            &Home {
                l,
                users: users.len(),
                disabled: users.iter().filter(|u| u.disabled).count(),
                orgs: orgs.len(),
                years: ctx.calendar.years(),
            },
        ),
        Err(e) => a.error(e).into_response(),
    }
}

// ------------------------------------------------------------------ users

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub org: String,
    pub disabled: bool,
    pub is_self: bool,
    /// Centre account: the administrator may reset its password.
    pub centre: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage<'a> {
    c: &'a Chrome,
    l: Lang,
    rows: Vec<UserRow>,
    form: FormState,
    /// The row a refused action was about, and its refusal.
    row_problem: Option<(String, String, String)>,
    role_options: Vec<(String, String)>,
    org_options: Vec<(String, String)>,
}

async fn render_users(
    ctx: &Ctx,
    a: &PageActor,
    status: StatusCode,
    form: FormState,
    row_problem: Option<(String, String, String)>,
) -> Response {
    let l = a.chrome.lang;
    let data = async {
        Ok::<_, Error>((
            service::list_users(ctx).await?,
            service::list_orgs(ctx).await?,
        ))
    }
    .await;
    let (users, orgs) = match data {
        Ok(x) => x,
        Err(e) => return frame::error_page(&a.chrome, &e),
    };
    let by_id: HashMap<&str, (&str, &str)> = orgs
        .iter()
        .map(|o| (o.id.as_str(), (o.name.as_str(), o.kind.as_str())))
        .collect();
    let rows = users
        .iter()
        .map(|u| {
            let org = u.org_id.as_deref().and_then(|id| by_id.get(id));
            UserRow {
                id: u.id.clone(),
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                role: frame::role_label(u.role, l),
                org: org.map(|o| o.0.to_string()).unwrap_or_else(|| "—".into()),
                disabled: u.disabled,
                is_self: u.id == a.actor.user_id,
                centre: matches!(u.role, Role::Admin | Role::Staff)
                    && org.is_none_or(|o| o.1 == "centre"),
            }
        })
        .collect();
    let mut org_options = vec![(
        String::new(),
        l.t("（无，仅管理员）", "(none, admin only)").to_string(),
    )];
    org_options.extend(
        orgs.iter()
            .filter(|o| o.kind == "centre")
            .map(|o| (o.id.clone(), o.name.clone())),
    );
    let p = UsersPage {
        c: &a.chrome,
        l,
        rows,
        form,
        row_problem,
        role_options: vec![
            ("staff".into(), frame::role_label(Role::Staff, l).into()),
            ("admin".into(), frame::role_label(Role::Admin, l).into()),
        ],
        org_options,
    };
    page_status(&a.chrome, status, l.t("用户", "Users"), &p)
}

/// `GET /admin/users`: every account, with disable and reset, and the form for a centre account.
async fn users_page(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    render_users(&ctx, &a, StatusCode::OK, FormState::new(), None).await
}

#[derive(Debug, Deserialize)]
struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    org_id: String,
}

/// `POST /admin/users`: `create_user_by_admin` (centre accounts only).
async fn create_user(State(ctx): State<Ctx>, f: CsrfForm<UserForm>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    let u = f.form;
    let values = [
        ("username", u.username.trim().to_string()),
        ("display_name", u.display_name.trim().to_string()),
        ("role", u.role.clone()),
        ("org_id", u.org_id.clone()),
    ];
    let result = async {
        let role = Role::parse(&u.role)?;
        let input = NewUser {
            username: u.username.trim().to_string(),
            display_name: Some(u.display_name.trim().to_string()).filter(|s| !s.is_empty()),
            password: u.password.clone(),
            role,
            org_id: Some(u.org_id.clone()).filter(|s| !s.is_empty()),
        };
        service::create_user_by_admin(&ctx, &a.actor.actor_ref(), input).await
    }
    .await;
    match result {
        Ok(_) => see_other("/admin/users"),
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values(values);
            render_users(&ctx, &a, status, form, None).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct Empty {}

/// `POST /admin/users/{id}/disable`: identity's `disable` (the account's sessions stop at once).
async fn disable_user(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<Empty>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    match invitations::disable(&ctx, &a.actor, &id).await {
        Ok(()) => see_other("/admin/users"),
        Err(e) => {
            let status = e.status();
            let p = e.to_problem();
            let rule = p.rule.clone().unwrap_or_default();
            render_users(
                &ctx,
                &a,
                status,
                FormState::new(),
                Some((id, p.detail, rule)),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/password.html")]
struct PasswordPage<'a> {
    c: &'a Chrome,
    l: Lang,
    id: String,
    username: String,
    form: FormState,
}

async fn render_password(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    form: FormState,
) -> Response {
    let l = a.chrome.lang;
    let user = match service::list_users(ctx).await {
        Ok(list) => list.into_iter().find(|u| u.id == id),
        Err(e) => return frame::error_page(&a.chrome, &e),
    };
    let Some(user) = user else {
        return frame::error_page(&a.chrome, &Error::not_found(format!("user {id}")));
    };
    let p = PasswordPage {
        c: &a.chrome,
        l,
        id: id.to_string(),
        username: user.username,
        form,
    };
    page_status(&a.chrome, status, l.t("重置密码", "Reset password"), &p)
}

/// `GET /admin/users/{id}/password`: the reset form.
async fn password_page(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    render_password(&ctx, &a, &id, StatusCode::OK, FormState::new()).await
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
}

/// `POST /admin/users/{id}/password`: `reset_password_by_admin` (centre accounts only).
async fn reset_password(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<PasswordForm>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    match service::reset_password_by_admin(&ctx, &a.actor, &id, &f.form.password).await {
        Ok(()) => see_other("/admin/users"),
        Err(e) => {
            let status = e.status();
            render_password(&ctx, &a, &id, status, FormState::from_error(&e)).await
        }
    }
}

// ------------------------------------------------------------------ organizations

pub struct OrgRow {
    pub name: String,
    pub uscc: String,
    pub kind: String,
    pub region: String,
}

#[derive(Template)]
#[template(path = "admin/organizations.html")]
struct OrgsPage<'a> {
    c: &'a Chrome,
    l: Lang,
    rows: Vec<OrgRow>,
    form: FormState,
    kind_options: Vec<(String, String)>,
}

fn kind_label(k: &str, l: Lang) -> &'static str {
    match k {
        "tenderer" => l.t("招标人", "tenderer"),
        "agency" => l.t("招标代理机构", "tendering agency"),
        "bidder" => l.t("投标人", "bidder"),
        "centre" => l.t("交易中心", "trading centre"),
        "bank" => l.t("银行", "bank"),
        "supervisor" => l.t("监管部门", "supervisory authority"),
        "expert_employer" => l.t("专家所在单位", "experts' employer"),
        _ => l.t("其他", "other"),
    }
}

async fn render_orgs(ctx: &Ctx, a: &PageActor, status: StatusCode, form: FormState) -> Response {
    let l = a.chrome.lang;
    let orgs = match service::list_orgs(ctx).await {
        Ok(x) => x,
        Err(e) => return frame::error_page(&a.chrome, &e),
    };
    let p = OrgsPage {
        c: &a.chrome,
        l,
        rows: orgs
            .iter()
            .map(|o| OrgRow {
                name: o.name.clone(),
                uscc: o.uscc.clone(),
                kind: kind_label(&o.kind, l).to_string(),
                region: o.region.clone().unwrap_or_else(|| "—".into()),
            })
            .collect(),
        form,
        kind_options: service::ORG_KINDS
            .iter()
            .map(|k| (k.to_string(), kind_label(k, l).to_string()))
            .collect(),
    };
    page_status(&a.chrome, status, l.t("单位", "Organizations"), &p)
}

/// `GET /admin/organizations`: every organization and the registration form.
async fn orgs_page(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    render_orgs(&ctx, &a, StatusCode::OK, FormState::new()).await
}

#[derive(Debug, Deserialize)]
struct OrgForm {
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    legal_representative: String,
}

/// `POST /admin/organizations`: identity's `create_org` (USCC checked, unique).
async fn create_org(State(ctx): State<Ctx>, f: CsrfForm<OrgForm>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    let o = f.form;
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let input = NewOrganization {
        uscc: o.uscc.trim().to_string(),
        name: o.name.trim().to_string(),
        kind: o.kind.clone(),
        legal_representative: opt(&o.legal_representative),
        legal_representative_id: None,
        basic_account_bank: None,
        basic_account_no: None,
        region: opt(&o.region),
    };
    match service::create_org(&ctx, &a.actor.actor_ref(), input).await {
        Ok(_) => see_other("/admin/organizations"),
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values([
                ("uscc", o.uscc),
                ("name", o.name),
                ("kind", o.kind),
                ("region", o.region),
                ("legal_representative", o.legal_representative),
            ]);
            render_orgs(&ctx, &a, status, form).await
        }
    }
}

// The sanctions pages (list with filters, new entry, early end) are in `crate::admin_rules`.

// ------------------------------------------------------------------ holiday schedules

pub struct YearRow {
    pub year: i32,
    pub source: String,
    pub version: i64,
    pub holidays: usize,
    pub workdays: usize,
    pub versions: Vec<(i64, String, String, String)>,
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarPage<'a> {
    c: &'a Chrome,
    l: Lang,
    years: Vec<YearRow>,
    form: FormState,
    imported: Option<i32>,
}

async fn render_calendar(
    ctx: &Ctx,
    a: &PageActor,
    status: StatusCode,
    form: FormState,
    imported: Option<i32>,
) -> Response {
    let l = a.chrome.lang;
    let mut years = Vec::new();
    for y in ctx.calendar.years() {
        let Some(s) = ctx.calendar.year(y) else {
            continue;
        };
        let versions = match stored::versions(&ctx.db, y).await {
            Ok(v) => v,
            Err(e) => return frame::error_page(&a.chrome, &e),
        };
        years.push(YearRow {
            year: y,
            source: stored::origin(&s).to_string(),
            version: s.version,
            holidays: s.holidays.values().map(Vec::len).sum(),
            workdays: s.workdays.len(),
            versions: versions
                .iter()
                .map(|v| {
                    (
                        v.version,
                        v.source.clone(),
                        beijing_time(&v.imported_at),
                        v.imported_by.clone(),
                    )
                })
                .collect(),
        });
    }
    years.reverse();
    let p = CalendarPage {
        c: &a.chrome,
        l,
        years,
        form,
        imported,
    };
    page_status(
        &a.chrome,
        status,
        l.t("节假日安排", "Holiday schedules"),
        &p,
    )
}

/// `GET /admin/calendar[?imported=YEAR]`: the years loaded, their source and stored versions.
async fn calendar_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    let imported = q.get("imported").and_then(|y| y.parse().ok());
    render_calendar(&ctx, &a, StatusCode::OK, FormState::new(), imported).await
}

/// The upload form's fields.
async fn read_upload(mut mp: Multipart) -> Result<(String, String, String)> {
    let (mut csrf, mut source, mut toml) = (String::new(), String::new(), String::new());
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| Error::bad_request(format!("the form could not be read: {e}")))?
    {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| Error::bad_request(format!("the form could not be read: {e}")))?;
        if bytes.len() > 64 * 1024 {
            return Err(Error::field(
                "toml",
                "calendar.too_large",
                "a schedule is at most 64 KiB",
            ));
        }
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::field("toml", "calendar.invalid", "the file is not UTF-8 text"))?;
        match name.as_str() {
            "csrf" => csrf = text,
            "source" => source = text,
            "toml" => {
                toml = text;
                if source.trim().is_empty() {
                    if let Some(f) = file_name {
                        source = f;
                    }
                }
            }
            _ => {}
        }
    }
    Ok((csrf, source, toml))
}

/// `POST /admin/calendar` (multipart: `csrf`, `source`, file `toml`): the calendar import use case
/// (`ggzy_store::calendar::import`: validated, a new version, `calendar.schedule.imported`).
async fn upload_calendar(State(ctx): State<Ctx>, a: PageActor, mp: Multipart) -> Response {
    let (csrf, source, toml) = match read_upload(mp).await {
        Ok(x) => x,
        Err(e) => {
            // Nothing is imported without the form's token; a form that could not be read
            // changes nothing either.
            return frame::error_page(&a.chrome, &e);
        }
    };
    if let Err(r) = a.check_csrf(&csrf) {
        return r;
    }
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    let source = source.trim().to_string();
    match stored::import(
        &ctx.db,
        &a.actor.actor_ref(),
        ctx.clock.now(),
        None,
        &toml,
        &source,
    )
    .await
    {
        Ok(v) => see_other(&format!("/admin/calendar?imported={}", v.year)),
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values([("source", source)]);
            render_calendar(&ctx, &a, status, form, None).await
        }
    }
}
