//! Centre staff's queue of projects awaiting registration approval (登记确认): `/staff/projects`
//! lists the submitted projects, `/staff/projects/{id}` shows one with its sections and the two
//! decisions — approve (allocates the unified trading code) or return to the author with a reason
//! (required; the author reads it on the project). Each action is one call to the API's use case
//! ([`service::approve`], [`service::return_to_draft`]); refusals are shown the GOV.UK way with the
//! use case's field, rule id and message. [`pending_for_staff`] is this area's card on `/staff`.

// Handlers answer `Result<Response, Response>` (axum's idiom; the error is the page to send).
#![allow(clippy::result_large_err)]

use crate::pages::market_label;
use crate::rules::Procedure;
use crate::service::{self, ListFilter, Project};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ggzy_core::http::Path;
use ggzy_core::Result;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt::{beijing_time, money};
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor, QueueCard};
use serde::Deserialize;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/staff/projects", get(queue))
        .route("/staff/projects/{id}", get(detail))
        .route("/staff/projects/{id}/approve", post(approve))
        .route("/staff/projects/{id}/return", post(return_project))
}

/// This area's card on the staff home: projects submitted and awaiting registration approval.
pub async fn pending_for_staff(ctx: &Ctx, l: Lang) -> Result<Vec<QueueCard>> {
    let n = crate::store::sections::submitted_projects(&ctx.db).await?;
    Ok(vec![QueueCard::queue(
        "projects",
        l.t("待登记确认的项目", "Projects awaiting registration"),
        n,
        "/staff/projects",
        l.t(
            "核对项目与标段后登记确认（分配统一交易编码），或说明理由退回。",
            "Check the project and its sections, then register it (allocates the trading code) or return it with a reason.",
        ),
    )])
}

fn procedure_label(p: Procedure, l: Lang) -> &'static str {
    match p {
        Procedure::OpenTender => l.t("公开招标", "Open tender"),
        Procedure::InvitedTender => l.t("邀请招标", "Invited tender"),
        Procedure::Listing => l.t("挂牌/拍卖", "Listing or auction"),
        Procedure::CompetitiveNegotiation => l.t("竞争性谈判", "Competitive negotiation"),
        Procedure::CompetitiveConsultation => l.t("竞争性磋商", "Competitive consultation"),
        Procedure::Inquiry => l.t("询价", "Inquiry"),
        Procedure::SingleSource => l.t("单一来源", "Single source"),

        Procedure::PrequalifiedTender => {
            l.t("公开招标（资格预审）", "Open tender with prequalification")
        }
        Procedure::LandAuction => l.t("拍卖出让", "Land auction"),
        Procedure::MiningListing => l.t("矿业权挂牌出让", "Mining-right listing"),
        Procedure::MiningAuction => l.t("矿业权拍卖出让", "Mining-right auction"),
        Procedure::CapitalIncrease => l.t("企业增资", "Capital increase"),
        Procedure::AssetTransfer => l.t("资产转让", "Asset transfer"),
        Procedure::MiningTender => l.t("矿业权招标出让", "Mining-right tender"),
    }
}

pub struct QueueRow {
    pub id: String,
    pub name: String,
    pub market: &'static str,
    pub procedure: &'static str,
    pub tenderer: String,
    pub sections: usize,
    pub submitted: String,
}

impl QueueRow {
    fn of(p: &Project, l: Lang) -> QueueRow {
        QueueRow {
            id: p.id.clone(),
            name: p.name.clone(),
            market: market_label(p.market.as_str(), l),
            procedure: procedure_label(p.procedure, l),
            tenderer: p.tenderer_name.clone(),
            sections: p.sections.len(),
            submitted: p
                .submitted_at
                .as_ref()
                .map(beijing_time)
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/projects.html")]
struct QueuePage {
    lang: Lang,
    rows: Vec<QueueRow>,
    done: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn done_notice(l: Lang, done: &str) -> Option<&'static str> {
    match done {
        "approved" => Some(l.t(
            "已登记确认，统一交易编码已分配。",
            "Registered; the unified trading code is allocated.",
        )),
        "returned" => Some(l.t(
            "已退回，退回理由已告知项目单位。",
            "Returned; the author can read the reason.",
        )),
        _ => None,
    }
}

/// `GET /staff/projects`: the submitted projects, oldest submission first.
async fn queue(State(ctx): State<Ctx>, a: PageActor, Query(q): Query<DoneQuery>) -> Response {
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    let c = &a.chrome;
    let f = ListFilter {
        status: Some("submitted".into()),
        market: None,
    };
    let mut list = match service::list(&ctx, &a.actor, &f).await {
        Ok(l) => l,
        Err(e) => return frame::error_page(c, &e),
    };
    list.sort_by_key(|p| p.submitted_at);
    let p = QueuePage {
        lang: c.lang,
        rows: list.iter().map(|p| QueueRow::of(p, c.lang)).collect(),
        done: done_notice(c.lang, &q.done),
    };
    frame::page(
        c,
        c.t("待登记确认的项目", "Projects awaiting registration"),
        &p,
    )
}

pub struct SectionRow {
    pub no: i64,
    pub name: String,
    pub estimated_price: String,
    pub deposit: String,
    pub docs_issue_at: String,
    pub bid_deadline: String,
    pub opening_at: String,
}

#[derive(Template)]
#[template(path = "staff/project.html")]
struct DetailPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    p: QueueRow,
    uscc: String,
    status: String,
    submitted: bool,
    sections: Vec<SectionRow>,
    /// The approval's refusal (a state conflict), if any.
    approve_form: FormState,
    /// The return form (its `reason` and the refusal next to it).
    return_form: FormState,
}

async fn render_detail(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    approve_form: FormState,
    return_form: FormState,
) -> Response {
    let c = &a.chrome;
    let p = match service::get(ctx, &a.actor, id).await {
        Ok(p) => p,
        Err(e) => return frame::error_page(c, &e),
    };
    let l = c.lang;
    let page = DetailPage {
        c,
        lang: l,
        uscc: p.tenderer_uscc.clone(),
        status: p.status.as_str().to_string(),
        submitted: p.status.as_str() == "submitted",
        sections: p
            .sections
            .iter()
            .map(|s| SectionRow {
                no: s.no,
                name: s.name.clone(),
                estimated_price: money(&s.estimated_price),
                deposit: money(&s.deposit),
                docs_issue_at: beijing_time(&s.docs_issue_at),
                bid_deadline: beijing_time(&s.bid_deadline),
                opening_at: beijing_time(&s.opening_at),
            })
            .collect(),
        p: QueueRow::of(&p, l),
        approve_form,
        return_form,
    };
    page_status(
        c,
        status,
        c.t("项目登记确认", "Project registration"),
        &page,
    )
}

/// `GET /staff/projects/{id}`: the project, its sections and the two decisions.
async fn detail(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    render_detail(
        &ctx,
        &a,
        &id,
        StatusCode::OK,
        FormState::new(),
        FormState::new(),
    )
    .await
}

/// Only the CSRF token (checked by the frame).
#[derive(Deserialize)]
pub struct Empty {}

/// `POST /staff/projects/{id}/approve` → [`service::approve`].
async fn approve(State(ctx): State<Ctx>, Path(id): Path<String>, f: CsrfForm<Empty>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    match service::approve(&ctx, &a.actor, &id).await {
        Ok(_) => see_other("/staff/projects?done=approved"),
        Err(e) => {
            render_detail(
                &ctx,
                &a,
                &id,
                e.status(),
                FormState::from_error(&e),
                FormState::new(),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// `POST /staff/projects/{id}/return` → [`service::return_to_draft`] (reason required).
async fn return_project(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<ReasonForm>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    match service::return_to_draft(&ctx, &a.actor, &id, &f.form.reason).await {
        Ok(_) => see_other("/staff/projects?done=returned"),
        Err(e) => {
            let form = FormState::from_error(&e).with_values([("reason", f.form.reason)]);
            render_detail(&ctx, &a, &id, e.status(), FormState::new(), form).await
        }
    }
}
