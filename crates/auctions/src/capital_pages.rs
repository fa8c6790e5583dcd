//! Capital-increase pages (企业增资, [`crate::capital_increase`]; docs/web.md "Capital increase in
//! the browser"):
//! - the centre (`/staff/capital-increases…`: staff and admin record, supervisors follow) and the
//!   enterprise (`/tenderer/capital-increases…`: 增资企业, the organization that registered the
//!   project) see the disclosure, the registered investors (the enterprise only once the
//!   disclosure has ended), record the selection (遴选) by the disclosed criteria and then the
//!   agreement (增资协议), or, when nobody qualified, the failure (未征集到意向投资方, 终结) — one
//!   page, the same use cases as the API (`capital_increase::{view, select, agree,
//!   record_failure}`, `capital_follow::investors`);
//! - an investor (意向投资方, `/bidder/capital-increases`) sees every capital increase with its own
//!   registration, deposit, number and outcome (`capital_follow::mine`) and registers on the
//!   bidder's workbench like for any section.
//!
//! Refusals are shown next to their field (or in the summary) with the API's rule id.

// Handlers answer `Result<Response, Response>` (axum's idiom; the error is the page to send).
#![allow(clippy::result_large_err)]

use crate::capital_follow::{self, InvestorLine};
use crate::capital_increase::CapitalPhase;
use crate::capital_increase::{self, AgreementInput, FailureInput, InvestorScore, SelectionInput};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ggzy_core::http::Path;
use ggzy_core::{Error, FieldError, Money};
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{fmt, Chrome, CsrfForm, FormState, Lang, PageActor};
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/staff/capital-increases", get(centre_list))
        .route("/staff/capital-increases/{id}", get(centre_one))
        .route(
            "/staff/capital-increases/{id}/selection",
            post(centre_select),
        )
        .route(
            "/staff/capital-increases/{id}/agreement",
            post(centre_agree),
        )
        .route("/staff/capital-increases/{id}/failure", post(centre_fail))
        .route("/tenderer/capital-increases", get(enterprise_list))
        .route("/tenderer/capital-increases/{id}", get(enterprise_one))
        .route(
            "/tenderer/capital-increases/{id}/selection",
            post(enterprise_select),
        )
        .route(
            "/tenderer/capital-increases/{id}/agreement",
            post(enterprise_agree),
        )
        .route(
            "/tenderer/capital-increases/{id}/failure",
            post(enterprise_fail),
        )
        .route("/bidder/capital-increases", get(investor_list))
}

/// Who looks: the centre or the enterprise (the same page under its own path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Centre,
    Enterprise,
}

impl Side {
    fn base(self) -> &'static str {
        match self {
            Side::Centre => "/staff/capital-increases",
            Side::Enterprise => "/tenderer/capital-increases",
        }
    }
    fn roles(self) -> &'static [Role] {
        match self {
            Side::Centre => &[Role::Staff, Role::Admin, Role::Supervisor],
            Side::Enterprise => &[Role::Tenderer, Role::Agency],
        }
    }
}

pub fn phase_label(p: CapitalPhase, l: Lang) -> &'static str {
    match p {
        CapitalPhase::Disclosure => l.t("信息披露中", "Disclosure"),
        CapitalPhase::Selected => l.t("已遴选投资方", "Investor selected"),
        CapitalPhase::Agreed => l.t("已签订增资协议", "Agreement signed"),
        CapitalPhase::Failed => l.t("未征集到投资方，已终结", "Ended without an investor"),
    }
}

fn method_label(m: &str, l: Lang) -> &'static str {
    match m {
        "competitive_negotiation" => l.t("竞争性谈判", "Competitive negotiation"),
        "comprehensive_evaluation" => l.t("综合评议", "Comprehensive evaluation"),
        _ => l.t("其他", "Other"),
    }
}

fn local(s: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| fmt::beijing_time(&t.with_timezone(&chrono::Utc)))
        .unwrap_or_default()
}

fn yuan(s: &str) -> String {
    Money::parse_str(s)
        .map(|m| fmt::money(&m))
        .unwrap_or_else(|_| "—".into())
}

// --- lists

struct ItemRow {
    href: String,
    name: String,
    phase: &'static str,
    disclosure: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "capital/list.html")]
struct ListPage {
    l: Lang,
    rows: Vec<ItemRow>,
    /// The enterprise's list links to the opening form and its listings.
    enterprise: bool,
}

async fn list(ctx: &Ctx, a: &PageActor, side: Side) -> Result<Response, Response> {
    a.require(side.roles())?;
    let l = a.chrome.lang;
    let items = capital_follow::list(ctx, &a.actor)
        .await
        .map_err(|e| frame::error_page(&a.chrome, &e))?;
    let rows = items
        .iter()
        .map(|i| ItemRow {
            href: format!("{}/{}", side.base(), i.id),
            name: if i.name.is_empty() {
                i.section_id.clone()
            } else {
                i.name.clone()
            },
            phase: phase_label(i.phase, l),
            disclosure: format!(
                "{} — {}",
                local(&i.disclosure_start),
                local(&i.disclosure_end)
            ),
            amount: yuan(&i.amount_sought),
        })
        .collect();
    Ok(page_status(
        &a.chrome,
        StatusCode::OK,
        l.t("企业增资", "Capital increases"),
        &ListPage {
            l,
            rows,
            enterprise: side == Side::Enterprise,
        },
    ))
}

async fn centre_list(State(ctx): State<Ctx>, a: PageActor) -> Result<Response, Response> {
    list(&ctx, &a, Side::Centre).await
}

async fn enterprise_list(State(ctx): State<Ctx>, a: PageActor) -> Result<Response, Response> {
    list(&ctx, &a, Side::Enterprise).await
}

// --- one capital increase (the centre and the enterprise)

struct PointField {
    name: String,
    label: String,
}

/// One qualified investor's row of the selection form.
struct ScoreRow {
    number: String,
    org_id: String,
    org_field: String,
    amount_field: String,
    points: Vec<PointField>,
}

struct InvestorRow {
    number: String,
    org_id: String,
    state: &'static str,
}

struct ResultRow {
    rank: i64,
    number: String,
    amount: String,
    total: String,
    points: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "capital/one.html")]
struct OnePage<'a> {
    c: &'a Chrome,
    l: Lang,
    base: &'static str,
    id: String,
    phase: String,
    phase_label: &'static str,
    disclosure: String,
    disclosure_over: bool,
    provisional: bool,
    amount_sought: String,
    /// 拟征集投资方数量 and, when stated, the least total accepted.
    investors_sought: i64,
    amount_minimum: Option<String>,
    method: &'static str,
    criteria: Vec<(String, i64)>,
    /// `None` while the investors are confidential to the caller (the enterprise, before the end).
    investors: Option<Vec<InvestorRow>>,
    selection_open: bool,
    score_rows: Vec<ScoreRow>,
    sel: FormState,
    agreement_open: bool,
    agr: FormState,
    results: Vec<ResultRow>,
    lot_seed: String,
    notes: String,
    agreement: Option<(String, String, String, String)>,
    /// The failure form: after the disclosure, nobody qualified, still in disclosure.
    failure_open: bool,
    fail: FormState,
    /// The recorded failure: its reason and time (Beijing).
    failure: Option<(String, String)>,
}

/// The page's three forms, each with its values and refusals (a fresh one when not posted).
#[derive(Default)]
struct Forms {
    sel: FormState,
    agr: FormState,
    fail: FormState,
}

fn investor_state(i: &InvestorLine, l: Lang) -> &'static str {
    match (i.number.is_some(), i.deposit_valid) {
        (true, _) => l.t("已取得资格（保证金有效）", "Qualified (deposit valid)"),
        (false, false) => l.t("已报名，保证金未到账", "Registered; deposit not received"),
        (false, true) => l.t("已报名，资格确认中", "Registered; being confirmed"),
    }
}

/// The API's error fields `scores[i].points.<criterion>` are the form's `scores[i].p<k>` (a
/// criterion's name is free text and would not make a distinct control id).
fn map_point_fields(mut f: FormState, criteria: &[(String, i64)]) -> FormState {
    for e in f.errors.iter_mut() {
        if let Some((head, name)) = e.field.split_once(".points.") {
            if let Some(k) = criteria.iter().position(|(n, _)| n == name) {
                e.field = format!("{head}.p{k}");
            }
        } else if let Some(head) = e.field.strip_suffix(".points") {
            e.field = format!("{head}.p0");
        }
    }
    f
}

async fn render(
    ctx: &Ctx,
    a: &PageActor,
    side: Side,
    id: &str,
    status: StatusCode,
    forms: Forms,
) -> Result<Response, Response> {
    let Forms { sel, agr, fail } = forms;
    let c = &a.chrome;
    let l = c.lang;
    let v = capital_increase::view(ctx, &a.actor, id)
        .await
        .map_err(|e| frame::error_page(c, &e))?;
    let now = ctx.clock.now();
    let over = capital_follow::disclosure_over(&v.disclosure_end, now);
    let investors = match capital_follow::investors(ctx, &a.actor, id).await {
        Ok(list) => Some(list),
        Err(e) if e.to_problem().rule.as_deref() == Some("capital.investors_confidential") => None,
        Err(e) => return Err(frame::error_page(c, &e)),
    };
    let records = matches!(
        a.actor.role,
        Role::Staff | Role::Admin | Role::Tenderer | Role::Agency
    );
    let criteria: Vec<(String, i64)> = v
        .criteria
        .iter()
        .map(|c| (c.name.clone(), c.weight))
        .collect();
    let qualified: Vec<&InvestorLine> = investors
        .iter()
        .flatten()
        .filter(|i| i.number.is_some())
        .collect();
    let score_rows = qualified
        .iter()
        .enumerate()
        .map(|(i, q)| ScoreRow {
            number: q.number.clone().unwrap_or_default(),
            org_id: q.org_id.clone(),
            org_field: format!("scores[{i}].org_id"),
            amount_field: format!("scores[{i}].amount"),
            points: criteria
                .iter()
                .enumerate()
                .map(|(k, (name, weight))| PointField {
                    name: format!("scores[{i}].p{k}"),
                    label: format!("{name}（{} {weight}）", l.t("满分", "max")),
                })
                .collect(),
        })
        .collect();
    let sel_view = v.selection.as_ref();
    let chosen: Vec<&str> = sel_view
        .map(|s| s.investors.iter().map(|i| i.org_id.as_str()).collect())
        .unwrap_or_default();
    let page = OnePage {
        c,
        l,
        base: side.base(),
        id: v.id.clone(),
        phase: v.phase.to_string(),
        phase_label: phase_label(v.phase, l),
        disclosure: format!(
            "{} — {}",
            local(&v.disclosure_start),
            local(&v.disclosure_end)
        ),
        disclosure_over: over,
        provisional: v.periods_provisional,
        amount_sought: yuan(&v.amount_sought),
        investors_sought: v.investors_sought,
        amount_minimum: v.amount_minimum.as_deref().map(yuan),
        method: method_label(&v.method, l),
        investors: investors.as_ref().map(|list| {
            list.iter()
                .map(|i| InvestorRow {
                    number: i.number.clone().unwrap_or_else(|| "—".into()),
                    org_id: i.org_id.clone(),
                    state: investor_state(i, l),
                })
                .collect()
        }),
        selection_open: records
            && v.phase == CapitalPhase::Disclosure
            && over
            && !qualified.is_empty(),
        failure_open: records
            && v.phase == CapitalPhase::Disclosure
            && over
            && investors.is_some()
            && qualified.is_empty(),
        fail,
        failure: v
            .failure
            .as_ref()
            .map(|f| (f.reason.clone(), local(&f.failed_at))),
        score_rows,
        sel: map_point_fields(sel, &criteria),
        agreement_open: records && v.phase == CapitalPhase::Selected,
        agr,
        results: sel_view
            .map(|s| {
                s.scores
                    .iter()
                    .map(|x| ResultRow {
                        rank: x.rank,
                        number: x.bidder_number.clone().unwrap_or_default(),
                        amount: yuan(&x.amount),
                        total: x.total.clone(),
                        points: x
                            .points
                            .iter()
                            .map(|(k, p)| format!("{k} {p}"))
                            .collect::<Vec<_>>()
                            .join("；"),
                        selected: chosen.contains(&x.org_id.as_str()),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        lot_seed: sel_view
            .and_then(|s| s.lot_seed.clone())
            .unwrap_or_default(),
        notes: sel_view.map(|s| s.notes.clone()).unwrap_or_default(),
        agreement: v.agreement.as_ref().map(|g| {
            (
                g.agreement_no.clone(),
                g.signed_on.clone(),
                yuan(&g.amount),
                format!(
                    "{} — {}",
                    local(&g.publicity_start),
                    local(&g.publicity_end)
                ),
            )
        }),
        criteria,
    };
    Ok(page_status(
        c,
        status,
        l.t("企业增资", "Capital increase"),
        &page,
    ))
}

async fn one(ctx: &Ctx, a: &PageActor, side: Side, id: &str) -> Result<Response, Response> {
    a.require(side.roles())?;
    render(ctx, a, side, id, StatusCode::OK, Forms::default()).await
}

async fn centre_one(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    one(&ctx, &a, Side::Centre, &id).await
}

async fn enterprise_one(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    one(&ctx, &a, Side::Enterprise, &id).await
}

/// The selection form (`scores[i].org_id`, `scores[i].amount`, `scores[i].p<k>` for the k-th
/// disclosed criterion, `notes`) as the API's [`SelectionInput`].
fn selection_input(form: &HashMap<String, String>, criteria: &[(String, i64)]) -> SelectionInput {
    let mut scores = Vec::new();
    for i in 0.. {
        let Some(org) = form.get(&format!("scores[{i}].org_id")) else {
            break;
        };
        let get = |k: String| {
            form.get(&k)
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let points: BTreeMap<String, String> = criteria
            .iter()
            .enumerate()
            .map(|(k, (name, _))| (name.clone(), get(format!("scores[{i}].p{k}"))))
            .collect();
        scores.push(InvestorScore {
            org_id: org.clone(),
            amount: get(format!("scores[{i}].amount")),
            points,
        });
    }
    SelectionInput {
        scores,
        notes: form.get("notes").cloned().unwrap_or_default(),
    }
}

async fn select(
    ctx: &Ctx,
    side: Side,
    id: &str,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(side.roles())?;
    let v = capital_increase::view(ctx, &a.actor, id)
        .await
        .map_err(|e| frame::error_page(&a.chrome, &e))?;
    let criteria: Vec<(String, i64)> = v
        .criteria
        .iter()
        .map(|c| (c.name.clone(), c.weight))
        .collect();
    let input = selection_input(&f.form, &criteria);
    match capital_increase::select(ctx, &a.actor, id, input).await {
        Ok(_) => Ok(see_other(&format!("{}/{id}#selection", side.base()))),
        Err(e) => {
            let sel = FormState::from_error(&e).with_values(f.form.clone());
            let forms = Forms {
                sel,
                ..Forms::default()
            };
            render(ctx, &a, side, id, e.status(), forms).await
        }
    }
}

async fn centre_select(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, Response> {
    select(&ctx, Side::Centre, &id, f).await
}

async fn enterprise_select(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, Response> {
    select(&ctx, Side::Enterprise, &id, f).await
}

/// The agreement form: `agreement_no`, `signed_on` (a date), `publicity_end` (a Beijing-time
/// `datetime-local`); a malformed date is named by its field (`date.format`) before the use case.
async fn agree(
    ctx: &Ctx,
    side: Side,
    id: &str,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(side.roles())?;
    let get = |k: &str| {
        f.form
            .get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let mut bad = Vec::new();
    let signed_on = chrono::NaiveDate::parse_from_str(&get("signed_on"), "%Y-%m-%d").ok();
    if signed_on.is_none() {
        bad.push(FieldError::new(
            "signed_on",
            "date.format",
            "a date, YYYY-MM-DD",
        ));
    }
    let publicity_end = parse_beijing(&get("publicity_end"));
    if publicity_end.is_none() {
        bad.push(FieldError::new(
            "publicity_end",
            "date.format",
            "a Beijing time, YYYY-MM-DDTHH:MM",
        ));
    }
    let result = match (signed_on, publicity_end, bad.is_empty()) {
        (Some(signed_on), Some(publicity_end), true) => {
            let input = AgreementInput {
                agreement_no: get("agreement_no"),
                signed_on,
                publicity_end,
            };
            capital_increase::agree(ctx, &a.actor, id, input).await
        }
        _ => Err(Error::Validation(bad)),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("{}/{id}#agreement", side.base()))),
        Err(e) => {
            let agr = FormState::from_error(&e).with_values(f.form.clone());
            let forms = Forms {
                agr,
                ..Forms::default()
            };
            render(ctx, &a, side, id, e.status(), forms).await
        }
    }
}

/// A `datetime-local` value (`2026-05-10T00:00`, seconds optional) read as Beijing time.
fn parse_beijing(s: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let n = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    n.and_local_timezone(chrono::FixedOffset::east_opt(8 * 3600)?)
        .single()
}

async fn centre_agree(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, Response> {
    agree(&ctx, Side::Centre, &id, f).await
}

async fn enterprise_agree(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, Response> {
    agree(&ctx, Side::Enterprise, &id, f).await
}

/// The failure form (`reason`) → [`capital_increase::record_failure`], the use case of `POST
/// /api/v1/capital-increases/{id}/failure`: 303 to the page's `#failure`, or the page again with
/// the refusal (a field error next to `reason`, a conflict in the summary) and the typed reason.
async fn fail(
    ctx: &Ctx,
    side: Side,
    id: &str,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(side.roles())?;
    let input = FailureInput {
        reason: f.form.get("reason").cloned().unwrap_or_default(),
    };
    match capital_increase::record_failure(ctx, &a.actor, id, input).await {
        Ok(_) => Ok(see_other(&format!("{}/{id}#failure", side.base()))),
        Err(e) => {
            let fail = FormState::from_error(&e).with_values(f.form.clone());
            let forms = Forms {
                fail,
                ..Forms::default()
            };
            render(ctx, &a, side, id, e.status(), forms).await
        }
    }
}

async fn centre_fail(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, Response> {
    fail(&ctx, Side::Centre, &id, f).await
}

async fn enterprise_fail(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, Response> {
    fail(&ctx, Side::Enterprise, &id, f).await
}

// --- the investor

struct MineRow {
    id: String,
    name: String,
    phase: &'static str,
    disclosure: String,
    open: bool,
    amount_sought: String,
    method: &'static str,
    criteria: String,
    deposit: String,
    state: &'static str,
    number: Option<String>,
    outcome: &'static str,
    agreed_amount: Option<String>,
    deposit_href: Option<String>,
}

#[derive(Template)]
#[template(path = "capital/mine.html")]
struct MinePage {
    l: Lang,
    rows: Vec<MineRow>,
}

/// `GET /bidder/capital-increases`: every capital increase with the caller's own state.
async fn investor_list(State(ctx): State<Ctx>, a: PageActor) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let l = a.chrome.lang;
    let now = ctx.clock.now();
    let items = capital_follow::mine(&ctx, &a.actor)
        .await
        .map_err(|e| frame::error_page(&a.chrome, &e))?;
    let rows = items
        .iter()
        .map(|i| MineRow {
            id: i.capital_increase_id.clone(),
            name: if i.name.is_empty() {
                i.section_id.clone()
            } else {
                i.name.clone()
            },
            phase: phase_label(i.phase, l),
            disclosure: format!(
                "{} — {}",
                local(&i.disclosure_start),
                local(&i.disclosure_end)
            ),
            open: i.phase == CapitalPhase::Disclosure
                && !capital_follow::disclosure_over(&i.disclosure_end, now),
            amount_sought: yuan(&i.amount_sought),
            method: method_label(&i.method, l),
            criteria: i
                .criteria
                .iter()
                .map(|c| format!("{} {}", c.name, c.weight))
                .collect::<Vec<_>>()
                .join("；"),
            deposit: i.deposit.as_deref().map(yuan).unwrap_or_else(|| "—".into()),
            state: match (i.registered, i.deposit_valid, i.number.is_some()) {
                (_, _, true) => l.t("已取得资格", "Qualified"),
                (true, false, _) => l.t("已报名，保证金未到账", "Registered; deposit not received"),
                (true, true, _) => l.t("已报名，资格确认中", "Registered; being confirmed"),
                (false, true, _) => l.t("保证金已到账，未报名", "Deposit received; not registered"),
                (false, false, _) => l.t("未报名", "Not registered"),
            },
            number: i.number.clone(),
            outcome: match i.outcome.as_str() {
                "selected" => l.t("贵单位被遴选为投资方", "Your organization was selected"),
                "not_selected" => l.t("未被遴选", "Not selected"),
                _ => l.t("尚未遴选", "No selection yet"),
            },
            agreed_amount: i.agreed_amount.as_deref().map(yuan),
            deposit_href: i
                .registered
                .then(|| format!("/bidder/sections/{}/deposit", i.section_id)),
        })
        .collect();
    Ok(page_status(
        &a.chrome,
        StatusCode::OK,
        l.t("企业增资", "Capital increases"),
        &MinePage { l, rows },
    ))
}
