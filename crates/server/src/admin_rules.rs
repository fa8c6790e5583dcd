//! More of the administrator's pages (issue 22, item 4): a user's role change (identity's
//! `roles::change_role`), the sanctions list with its market scope, period, filters, new entries
//! and early ends (bidding's sanctions use cases), and the regional rule overrides (projects'
//! `regional`). Each handler makes one use-case call; refusals are shown next to the field they
//! name, with their rule id.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use ggzy_core::ident::Market;
use ggzy_core::Error;
use ggzy_identity::invitations::roles_for_kind;
use ggzy_identity::{roles, service, Role};
use ggzy_projects::bidding::{self, NewSanction, SanctionEnd, SanctionFilter};
use ggzy_projects::regional::{self, NewOverride, OverrideRemoval, RuleKey, RulesTable};
use ggzy_store::Ctx;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::regional::{
    after_remove, after_set, key_of as regional_key, value_label, OverrideForm, RegionalRow,
    RegionalTexts, RemoveForm,
};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;

const ADMIN: [Role; 1] = [Role::Admin];

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/admin/users/{id}/role", get(role_page).post(change_role))
        .route(
            "/admin/sanctions",
            get(sanctions_page).post(create_sanction),
        )
        .route(
            "/admin/sanctions/{id}/end",
            get(end_page).post(end_sanction),
        )
        .route("/admin/rules", get(rules_page).post(set_override))
        .route("/admin/rules/remove", post(remove_override))
}

fn market_label(m: Market, l: Lang) -> &'static str {
    match m {
        Market::Construction => l.t("工程建设", "construction"),
        Market::Procurement => l.t("政府采购", "procurement"),
        Market::Land => l.t("土地矿业权", "land"),
        Market::Property => l.t("产权交易", "property"),
    }
}

// ------------------------------------------------------------------ role change

#[derive(Template)]
#[template(path = "admin/role.html")]
struct RolePage<'a> {
    c: &'a Chrome,
    l: Lang,
    id: String,
    username: String,
    current: &'static str,
    form: FormState,
    role_options: Vec<(String, String)>,
}

async fn render_role(
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
    let allowed: Vec<Role> = match &user.org_id {
        Some(o) => match service::get_org(ctx, o).await {
            Ok(org) => roles_for_kind(&org.kind).to_vec(),
            Err(e) => return frame::error_page(&a.chrome, &e),
        },
        None => vec![Role::Admin],
    };
    let form = if form.value("role").is_empty() {
        form.with_values([("role", user.role.as_str().to_string())])
    } else {
        form
    };
    let p = RolePage {
        c: &a.chrome,
        l,
        id: id.to_string(),
        username: user.username,
        current: frame::role_label(user.role, l),
        form,
        role_options: allowed
            .iter()
            .map(|r| (r.as_str().to_string(), frame::role_label(*r, l).to_string()))
            .collect(),
    };
    page_status(&a.chrome, status, l.t("更改角色", "Change role"), &p)
}

/// `GET /admin/users/{id}/role`: the role form (the roles the account's organization has).
async fn role_page(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    render_role(&ctx, &a, &id, StatusCode::OK, FormState::new()).await
}

#[derive(Debug, Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

/// `POST /admin/users/{id}/role`: `roles::change_role`.
async fn change_role(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<RoleForm>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    let result = async {
        let role = Role::parse(&f.form.role)?;
        roles::change_role(&ctx, &a.actor, &id, role).await
    }
    .await;
    match result {
        Ok(_) => see_other("/admin/users"),
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values([("role", f.form.role.clone())]);
            render_role(&ctx, &a, &id, status, form).await
        }
    }
}

// ------------------------------------------------------------------ sanctions

pub struct SanctionRow {
    pub id: String,
    pub uscc: String,
    pub kind: &'static str,
    pub reason: String,
    pub source: String,
    pub from: String,
    pub to: String,
    pub scope: String,
    pub ended: Option<(String, String)>,
    pub active: bool,
    /// Still running past today: may be ended early.
    pub endable: bool,
}

#[derive(Template)]
#[template(path = "admin/sanctions.html")]
struct SanctionsPage<'a> {
    c: &'a Chrome,
    l: Lang,
    rows: Vec<SanctionRow>,
    form: FormState,
    kind_options: Vec<(String, String)>,
    /// (value, label, checked) of the market check boxes.
    markets: Vec<(String, String, bool)>,
    filter_market: String,
    filter_day: String,
    filter_uscc: String,
    filter_market_options: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
struct FilterQuery {
    #[serde(default)]
    market: String,
    #[serde(default)]
    in_force_on: String,
    #[serde(default)]
    uscc: String,
}

async fn render_sanctions(
    ctx: &Ctx,
    a: &PageActor,
    q: FilterQuery,
    status: StatusCode,
    form: FormState,
    checked: &[String],
) -> Response {
    let l = a.chrome.lang;
    let today = ggzy_core::time::local_date(ctx.clock.now());
    let mut bad = FormState::new();
    let market = if q.market.is_empty() {
        None
    } else {
        match Market::parse(&q.market) {
            Ok(m) => Some(m),
            Err(_) => {
                bad.push("market", "market.unknown", "unknown market");
                None
            }
        }
    };
    let day = if q.in_force_on.is_empty() {
        None
    } else {
        match NaiveDate::parse_from_str(&q.in_force_on, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                bad.push("in_force_on", "date.format", "a date YYYY-MM-DD");
                None
            }
        }
    };
    let filter = SanctionFilter {
        uscc: Some(q.uscc.trim().to_string()).filter(|s| !s.is_empty()),
        market,
        in_force_on: day,
    };
    let list = match bidding::list_sanctions_filtered(ctx, &a.actor, &filter).await {
        Ok(x) => x,
        Err(e) => return frame::error_page(&a.chrome, &e),
    };
    let rows = list
        .iter()
        .map(|s| SanctionRow {
            id: s.id.clone(),
            uscc: s.uscc.clone(),
            kind: match s.kind.as_str() {
                "debarred" => l.t("禁止参与投标", "debarred"),
                _ => l.t("失信名单", "dishonest"),
            },
            reason: s.reason.clone(),
            source: s.source_document.clone(),
            from: s.from.to_string(),
            to: s.to.to_string(),
            scope: if s.all_markets {
                l.t("全部市场", "all markets").to_string()
            } else {
                s.markets
                    .iter()
                    .map(|m| market_label(*m, l))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            ended: s
                .ended_last_day
                .map(|d| (d.to_string(), s.end_reason.clone().unwrap_or_default())),
            active: s.from <= today && today <= s.last_day(),
            endable: s.ended_last_day.is_none() && s.to > today,
        })
        .collect();
    let mut form = form;
    form.errors.extend(bad.errors);
    let p = SanctionsPage {
        c: &a.chrome,
        l,
        rows,
        form,
        kind_options: vec![
            ("debarred".into(), l.t("禁止参与投标", "debarred").into()),
            ("dishonest".into(), l.t("失信名单", "dishonest").into()),
        ],
        markets: Market::ALL
            .iter()
            .map(|m| {
                (
                    m.as_str().to_string(),
                    market_label(*m, l).to_string(),
                    checked.iter().any(|c| c == m.as_str()),
                )
            })
            .collect(),
        filter_market: q.market,
        filter_day: q.in_force_on,
        filter_uscc: q.uscc,
        filter_market_options: std::iter::once((
            String::new(),
            l.t("（全部）", "(any)").to_string(),
        ))
        .chain(
            Market::ALL
                .iter()
                .map(|m| (m.as_str().to_string(), market_label(*m, l).to_string())),
        )
        .collect(),
    };
    page_status(&a.chrome, status, l.t("处罚名单", "Sanctions list"), &p)
}

/// `GET /admin/sanctions[?market=&in_force_on=&uscc=]`: the list, filtered, and the entry form.
async fn sanctions_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Query(q): Query<FilterQuery>,
) -> Response {
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    render_sanctions(&ctx, &a, q, StatusCode::OK, FormState::new(), &[]).await
}

#[derive(Debug, Deserialize)]
struct SanctionForm {
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    source_document: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    market_construction: Option<String>,
    #[serde(default)]
    market_procurement: Option<String>,
    #[serde(default)]
    market_land: Option<String>,
    #[serde(default)]
    market_property: Option<String>,
}

fn parse_date(field: &str, s: &str, bad: &mut FormState) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            bad.push(field, "date.format", "a date YYYY-MM-DD is required");
            None
        }
    }
}

/// `POST /admin/sanctions`: bidding's `create_sanction` (scope: the checked markets, none = all).
async fn create_sanction(State(ctx): State<Ctx>, f: CsrfForm<SanctionForm>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    let s = f.form;
    let checked: Vec<String> = [
        ("construction", &s.market_construction),
        ("procurement", &s.market_procurement),
        ("land", &s.market_land),
        ("property", &s.market_property),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_some())
    .map(|(m, _)| m.to_string())
    .collect();
    let values = [
        ("uscc", s.uscc.clone()),
        ("kind", s.kind.clone()),
        ("reason", s.reason.clone()),
        ("source_document", s.source_document.clone()),
        ("from", s.from.clone()),
        ("to", s.to.clone()),
    ];
    let mut bad = FormState::new();
    let from = parse_date("from", &s.from, &mut bad);
    let to = parse_date("to", &s.to, &mut bad);
    let result = match (from, to) {
        (Some(from), Some(to)) => {
            let markets = checked
                .iter()
                .filter_map(|m| Market::parse(m).ok())
                .collect::<Vec<_>>();
            bidding::create_sanction(
                &ctx,
                &a.actor,
                NewSanction {
                    uscc: s.uscc.trim().to_string(),
                    kind: s.kind.clone(),
                    reason: s.reason.clone(),
                    source_document: s.source_document.clone(),
                    from,
                    to,
                    markets: Some(markets),
                },
            )
            .await
            .map(|_| ())
        }
        _ => Err(Error::Validation(bad.errors)),
    };
    match result {
        Ok(()) => see_other("/admin/sanctions"),
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values(values);
            render_sanctions(&ctx, &a, FilterQuery::default(), status, form, &checked).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/sanction_end.html")]
struct EndPage<'a> {
    c: &'a Chrome,
    l: Lang,
    id: String,
    summary: String,
    form: FormState,
}

async fn render_end(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    form: FormState,
) -> Response {
    let l = a.chrome.lang;
    let list = match bidding::list_sanctions(ctx, &a.actor).await {
        Ok(x) => x,
        Err(e) => return frame::error_page(&a.chrome, &e),
    };
    let Some(s) = list.into_iter().find(|s| s.id == id) else {
        return frame::error_page(&a.chrome, &Error::not_found(format!("sanction {id}")));
    };
    let p = EndPage {
        c: &a.chrome,
        l,
        id: id.to_string(),
        summary: format!("{} · {} – {} · {}", s.uscc, s.from, s.to, s.source_document),
        form,
    };
    page_status(
        &a.chrome,
        status,
        l.t("提前终止处罚", "End a sanction early"),
        &p,
    )
}

/// `GET /admin/sanctions/{id}/end`: the early-end form.
async fn end_page(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    render_end(&ctx, &a, &id, StatusCode::OK, FormState::new()).await
}

#[derive(Debug, Deserialize)]
struct EndForm {
    #[serde(default)]
    last_day: String,
    #[serde(default)]
    reason: String,
}

/// `POST /admin/sanctions/{id}/end`: bidding's `end_sanction`.
async fn end_sanction(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<EndForm>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    let values = [
        ("last_day", f.form.last_day.clone()),
        ("reason", f.form.reason.clone()),
    ];
    let mut bad = FormState::new();
    let result = match parse_date("last_day", &f.form.last_day, &mut bad) {
        Some(last_day) => bidding::end_sanction(
            &ctx,
            &a.actor,
            &id,
            SanctionEnd {
                last_day,
                reason: f.form.reason.clone(),
            },
        )
        .await
        .map(|_| ()),
        None => Err(Error::field(
            "last_day",
            "date.format",
            "a date YYYY-MM-DD is required",
        )),
    };
    match result {
        Ok(()) => see_other("/admin/sanctions"),
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values(values);
            render_end(&ctx, &a, &id, status, form).await
        }
    }
}

// ------------------------------------------------------------------ regional rule overrides

/// The projects rules tables' page: the shared regional page (`ggzy_web::regional`).
const RULES_PATH: &str = "/admin/rules";

fn rules_texts(l: Lang) -> RegionalTexts {
    RegionalTexts {
        title: l.t("地方规则", "Regional rules"),
        links: vec![],
        hint: l.t(
            "本地区可以比法律更严格：延长法定最短期限、降低法定上限，不能更宽松。每项须注明地方文件。",
            "The region may be stricter than the law — lengthen a legal minimum, lower a legal maximum — never laxer. Each value cites the regional document.",
        ),
        table_id: "rules",
        key_heads: vec![
            l.t("规则表", "Table"),
            l.t("市场 / 方式", "Market / procedure"),
        ],
        action: RULES_PATH,
        set_heading: l.t("设置地方规则", "Set a regional value"),
        value_label: l.t("本地区的值", "Regional value"),
        citation_label: l.t(
            "地方文件（名称及文号）",
            "Regional document (name and number)",
        ),
    }
}

fn key_of(table: RulesTable, market: &str, procedure: &str, field: &str) -> String {
    format!("{}|{market}|{procedure}|{field}", table.as_str())
}

fn parse_key(k: &str) -> Option<RuleKey> {
    let mut it = k.split('|');
    let table = RulesTable::parse(it.next()?)?;
    let market = it.next()?.to_string();
    let procedure = it.next()?.to_string();
    let field = it.next()?.to_string();
    Some(RuleKey {
        table,
        market,
        procedure: Some(procedure).filter(|p| !p.is_empty()),
        field,
    })
}

async fn render_rules(
    ctx: &Ctx,
    a: &PageActor,
    status: StatusCode,
    form: FormState,
    row_problem: Option<(String, String, String)>,
) -> Response {
    let l = a.chrome.lang;
    let rules = match regional::regional_rules(ctx, &a.actor).await {
        Ok(x) => x,
        Err(e) => return frame::error_page(&a.chrome, &e),
    };
    let rows = rules
        .entries
        .iter()
        .map(|e| {
            let v = &e.value;
            let market = if e.procedure.is_empty() {
                e.market.clone()
            } else {
                format!("{} / {}", e.market, e.procedure)
            };
            RegionalRow::new(
                key_of(e.table, &e.market, &e.procedure, &v.field),
                vec![e.table.as_str().to_string(), market],
                value_label(v, l).to_string(),
                v,
                l,
            )
        })
        .collect();
    let t = rules_texts(l);
    ggzy_web::regional::render(
        &a.chrome,
        status,
        &t,
        &rules.region,
        rows,
        form,
        row_problem,
    )
}

/// `GET /admin/rules`: the national periods and caps, the region's overrides, the value in effect.
async fn rules_page(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    render_rules(&ctx, &a, StatusCode::OK, FormState::new(), None).await
}

/// `POST /admin/rules`: projects' `regional::set_override`.
async fn set_override(State(ctx): State<Ctx>, f: CsrfForm<OverrideForm>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    let o = f.form;
    let result = async {
        let key = regional_key(&o.key, parse_key)?;
        let input = NewOverride::new(key, o.number()?, o.citation.clone());
        regional::set_override(&ctx, &a.actor, input).await
    }
    .await;
    match after_set(result, RULES_PATH, o.values()) {
        Ok(r) => r,
        Err((status, form)) => render_rules(&ctx, &a, status, form, None).await,
    }
}

/// `POST /admin/rules/remove`: projects' `regional::remove_override` (back to national).
async fn remove_override(State(ctx): State<Ctx>, f: CsrfForm<RemoveForm>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&ADMIN) {
        return r;
    }
    let r = f.form;
    let result = async {
        let key = regional_key(&r.key, parse_key)?;
        regional::remove_override(&ctx, &a.actor, OverrideRemoval::new(key, r.reason.clone())).await
    }
    .await;
    match after_remove(result, RULES_PATH, r.key.clone()) {
        Ok(r) => r,
        Err((status, problem)) => {
            render_rules(&ctx, &a, status, FormState::new(), Some(problem)).await
        }
    }
}
