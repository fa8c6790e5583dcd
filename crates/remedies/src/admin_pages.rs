//! The administrator's page of the regional remedy periods (`/admin/remedy-rules`), the sibling of
//! the projects rules page (`/admin/rules`): every overridable value of `remedy_rules` with its
//! national value and article, the region's value and document, the value in effect; set one
//! (`regional::set_override`) or go back to the national value with a reason
//! (`regional::remove_override`) — the same use cases as `PUT /api/v1/remedy-rule-overrides` and
//! `POST …/remove`. A refusal is shown next to the field with its rule id (GOV.UK pattern).

use crate::regional::{self, Bound, NewRemedyOverride, RemedyOverrideRemoval};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ggzy_core::Error;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/admin/remedy-rules", get(rules_page).post(set_override))
        .route("/admin/remedy-rules/remove", post(remove_override))
}

struct Row {
    key: String,
    rule: String,
    label: String,
    bound: &'static str,
    national: i64,
    source: String,
    over: Option<(i64, String)>,
    effective: i64,
}

#[derive(Template)]
#[template(path = "remedies/admin_rules.html")]
struct RulesPage<'a> {
    c: &'a Chrome,
    l: Lang,
    region: String,
    rows: Vec<Row>,
    form: FormState,
    key_options: Vec<(String, String)>,
    row_problem: Option<(String, String, String)>,
}

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
    let rows: Vec<Row> = rules
        .entries
        .iter()
        .map(|e| Row {
            key: format!(
                "{}|{}|{}|{}",
                e.market,
                e.kind.as_str(),
                e.target.as_str(),
                e.field
            ),
            rule: format!("{} · {} · {}", e.market, e.kind.as_str(), e.target.as_str()),
            label: format!(
                "{} ({})",
                if l == Lang::Zh {
                    &e.label_zh
                } else {
                    &e.label_en
                },
                match e.day_kind {
                    ggzy_core::period::DayKind::Working => l.t("工作日", "working days"),
                    _ => l.t("日历日", "calendar days"),
                }
            ),
            bound: match e.bound {
                Bound::AtLeast => l.t("不少于（可延长）", "at least (may be lengthened)"),
                Bound::AtMost => l.t("不超过（可缩短）", "at most (may be lowered)"),
            },
            national: e.national_value,
            source: e.national_source.clone(),
            over: e
                .override_value
                .map(|v| (v, e.override_citation.clone().unwrap_or_default())),
            effective: e.effective_value,
        })
        .collect();
    let key_options = rows
        .iter()
        .map(|r| (r.key.clone(), format!("{} · {}", r.rule, r.label)))
        .collect();
    let p = RulesPage {
        c: &a.chrome,
        l,
        region: rules.region,
        rows,
        form,
        key_options,
        row_problem,
    };
    page_status(
        &a.chrome,
        status,
        l.t("地方救济期限", "Regional remedy periods"),
        &p,
    )
}

async fn rules_page(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&[Role::Admin]) {
        return r;
    }
    render(&ctx, &a, StatusCode::OK, FormState::new(), None).await
}

#[derive(Debug, Deserialize)]
struct OverrideForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    citation: String,
}

async fn set_override(State(ctx): State<Ctx>, f: CsrfForm<OverrideForm>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Admin]) {
        return r;
    }
    let o = f.form;
    let values = [
        ("key", o.key.clone()),
        ("value", o.value.clone()),
        ("citation", o.citation.clone()),
    ];
    let result = async {
        let (market, kind, target, field) = parse_key(&o.key)
            .ok_or_else(|| Error::field("key", "required", "choose the value to override"))?;
        let value: i64 =
            o.value.trim().parse().map_err(|_| {
                Error::field("value", "integer.format", "a whole number is required")
            })?;
        regional::set_override(
            &ctx,
            &a.actor,
            NewRemedyOverride {
                market,
                kind,
                target,
                field,
                value,
                citation: o.citation.clone(),
            },
        )
        .await
    }
    .await;
    match result {
        Ok(_) => see_other("/admin/remedy-rules"),
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values(values);
            render(&ctx, &a, status, form, None).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct RemoveForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    reason: String,
}

async fn remove_override(State(ctx): State<Ctx>, f: CsrfForm<RemoveForm>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Admin]) {
        return r;
    }
    let r = f.form;
    let result = async {
        let (market, kind, target, field) =
            parse_key(&r.key).ok_or_else(|| Error::field("key", "required", "choose the value"))?;
        regional::remove_override(
            &ctx,
            &a.actor,
            RemedyOverrideRemoval {
                market,
                kind,
                target,
                field,
                reason: r.reason.clone(),
            },
        )
        .await
    }
    .await;
    match result {
        Ok(()) => see_other("/admin/remedy-rules"),
        Err(e) => {
            let status = e.status();
            let p = e.to_problem();
            let rule = p
                .rule
                .clone()
                .or_else(|| p.errors.first().map(|e| e.rule.clone()))
                .unwrap_or_default();
            let detail = p
                .errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or(p.detail);
            render(
                &ctx,
                &a,
                status,
                FormState::new(),
                Some((r.key, detail, rule)),
            )
            .await
        }
    }
}
