//! The administrator's page of the regional remedy periods (`/admin/remedy-rules`), the sibling of
//! the projects rules page (`/admin/rules`): every overridable value of `remedy_rules` with its
//! national value and article, the region's value and document, the value in effect; set one
//! (`regional::set_override`) or go back to the national value with a reason
//! (`regional::remove_override`) — the same use cases as `PUT /api/v1/remedy-rule-overrides` and
//! `POST …/remove`. A refusal is shown next to the field with its rule id (GOV.UK pattern).

use crate::regional::{self, NewRemedyOverride, RemedyOverrideRemoval};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::frame;
use ggzy_web::regional::{
    after_remove, after_set, key_of, value_label, OverrideForm, RegionalRow, RegionalTexts,
    RemoveForm,
};
use ggzy_web::{CsrfForm, FormState, Lang, PageActor};

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/admin/remedy-rules", get(rules_page).post(set_override))
        .route("/admin/remedy-rules/remove", post(remove_override))
}

const PATH: &str = "/admin/remedy-rules";

fn texts(l: Lang) -> RegionalTexts {
    RegionalTexts {
        title: l.t("地方救济期限", "Regional remedy periods"),
        links: vec![("/admin/rules", l.t("地方规则（项目）", "Regional rules (projects)"))],
        hint: l.t(
            "异议、质疑、投诉的期限（remedy_rules）。本地区只能更严格：提出期限只能延长，答复、受理和处理期限只能缩短。每项须注明地方文件。",
            "The periods of objections, challenges and complaints (remedy_rules). The region may only be stricter: the period to raise a case may be lengthened, the times to answer, accept and decide only shortened. Each value cites the regional document.",
        ),
        table_id: "remedy-rules",
        key_heads: vec![l.t("市场 · 类型 · 事项", "Market · kind · about")],
        action: PATH,
        set_heading: l.t("设置地方期限", "Set a regional value"),
        value_label: l.t("本地区的值（日）", "Regional value (days)"),
        citation_label: l.t(
            "地方文件（名称、文号及条款）",
            "Regional document (name, number and article)",
        ),
    }
}

/// `market|kind|target|field`, the key the forms post.
fn parse_key(k: &str) -> Option<(String, String, String, String)> {
    let mut it = k.split('|');
    Some((
        it.next()?.to_string(),
        it.next()?.to_string(),
        it.next()?.to_string(),
        it.next()?.to_string(),
    ))
}

async fn render(
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
    let rows: Vec<RegionalRow> = rules
        .entries
        .iter()
        .map(|e| {
            let v = &e.value;
            let (kind, target) = (e.kind.as_str(), e.target.as_str());
            let days = match e.day_kind {
                ggzy_core::period::DayKind::Working => l.t("工作日", "working days"),
                _ => l.t("日历日", "calendar days"),
            };
            RegionalRow::new(
                format!("{}|{kind}|{target}|{}", e.market, v.field),
                vec![format!("{} · {kind} · {target}", e.market)],
                format!("{} ({days})", value_label(v, l)),
                v,
                l,
            )
        })
        .collect();
    let t = texts(l);
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

async fn rules_page(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&[Role::Admin]) {
        return r;
    }
    render(&ctx, &a, StatusCode::OK, FormState::new(), None).await
}

async fn set_override(State(ctx): State<Ctx>, f: CsrfForm<OverrideForm>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Admin]) {
        return r;
    }
    let o = f.form;
    let result = async {
        let (market, kind, target, field) = key_of(&o.key, parse_key)?;
        let input = NewRemedyOverride {
            market,
            kind,
            target,
            field,
            value: o.number()?,
            citation: o.citation.clone(),
        };
        regional::set_override(&ctx, &a.actor, input).await
    }
    .await;
    match after_set(result, PATH, o.values()) {
        Ok(r) => r,
        Err((status, form)) => render(&ctx, &a, status, form, None).await,
    }
}

async fn remove_override(State(ctx): State<Ctx>, f: CsrfForm<RemoveForm>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Admin]) {
        return r;
    }
    let r = f.form;
    let result = async {
        let (market, kind, target, field) = key_of(&r.key, parse_key)?;
        let input = RemedyOverrideRemoval {
            market,
            kind,
            target,
            field,
            reason: r.reason.clone(),
        };
        regional::remove_override(&ctx, &a.actor, input).await
    }
    .await;
    match after_remove(result, PATH, r.key.clone()) {
        Ok(r) => r,
        Err((status, problem)) => render(&ctx, &a, status, FormState::new(), Some(problem)).await,
    }
}
