//! The remedies pages (issue 20): the supervisor's complaint queue and case page
//! (`/supervisor/remedies…`: accept, refuse, decide), the bidder's cases and the raise form
//! (`/bidder/remedies…`, `/bidder/sections/{id}/remedies/new`: close, escalate) and the tenderer's /
//! agency's answer queue (`/tenderer/remedies…`: answer, with the new bid deadline).
//!
//! Every page is one call to the same use case as the API (`service::*`); forms are CSRF-checked by
//! the frame ([`CsrfForm`]) and a refusal is shown next to the field it names with its rule id, or
//! in the summary (e.g. 409 `remedy.answer_pending`), with the use case's status.

use crate::rules::{Decision, Kind, State as CaseState, Target};
use crate::service::{
    self, AcceptInput, AnswerInput, Case, DecideInput, EscalateInput, RaiseInput, RefuseInput,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ggzy_core::{Error, Result};
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt::beijing_time;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use std::collections::HashMap;

mod case;
mod case_form;
mod raise;
use case::*;
pub use case_form::*;
use raise::*;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/supervisor/remedies", get(supervisor_queue))
        .route("/bidder/remedies", get(bidder_cases))
        .route("/tenderer/remedies", get(tenderer_queue))
        .route("/supervisor/remedies/{id}", get(case_supervisor))
        .route("/bidder/remedies/{id}", get(case_bidder))
        .route("/tenderer/remedies/{id}", get(case_tenderer))
        .route("/supervisor/remedies/{id}/{action}", post(act_supervisor))
        .route("/bidder/remedies/{id}/{action}", post(act_bidder))
        .route("/tenderer/remedies/{id}/{action}", post(act_tenderer))
        .route(
            "/bidder/sections/{id}/remedies/new",
            get(raise_page).post(raise_post),
        )
        .merge(crate::admin_pages::router())
        // The case forms take one attachment per submission (at most 10 MiB, refused with
        // `remedy.attachment_too_large` by the use case); only a far larger body stops here.
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::attachments::MAX_BYTES + 256 * 1024,
        ))
}

/// The three sides of a case, each with its own pages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Supervisor,
    Bidder,
    Tenderer,
}

impl Side {
    fn roles(self) -> &'static [Role] {
        match self {
            Side::Supervisor => &[Role::Supervisor],
            Side::Bidder => &[Role::Bidder],
            Side::Tenderer => &[Role::Tenderer, Role::Agency],
        }
    }
    fn base(self) -> &'static str {
        match self {
            Side::Supervisor => "/supervisor/remedies",
            Side::Bidder => "/bidder/remedies",
            Side::Tenderer => "/tenderer/remedies",
        }
    }
    fn actions(self) -> &'static [&'static str] {
        match self {
            Side::Supervisor => &["accept", "refuse", "decide"],
            Side::Bidder => &["close", "escalate"],
            Side::Tenderer => &["answer"],
        }
    }
}

fn kind_label(k: Kind, l: Lang) -> &'static str {
    match k {
        Kind::Objection => l.t("异议", "objection"),
        Kind::Challenge => l.t("质疑", "challenge"),
        Kind::Complaint => l.t("投诉", "complaint"),
    }
}

fn target_label(t: Target, l: Lang) -> &'static str {
    match t {
        Target::Documents => l.t("招标（采购）文件", "documents"),
        Target::Process => l.t("招标（采购）过程", "procedure"),
        Target::Opening => l.t("开标", "opening"),
        Target::Result => l.t("评标（成交）结果", "result"),
        Target::Listing => l.t("挂牌 / 信息披露", "listing"),
        Target::Deal => l.t("成交", "deal"),
        Target::Prequalification => l.t("资格预审文件", "prequalification documents"),
        Target::Publicity => l.t("单一来源公示", "single-source publicity"),
    }
}

fn state_label(s: CaseState, l: Lang) -> &'static str {
    match s {
        CaseState::Raised => l.t("待处理", "raised"),
        CaseState::Answered => l.t("已答复", "answered"),
        CaseState::Escalated => l.t("已转投诉", "escalated"),
        CaseState::Investigating => l.t("已受理，调查中", "accepted, investigating"),
        CaseState::Refused => l.t("不予受理", "refused"),
        CaseState::Decided => l.t("已作出处理决定", "decided"),
        CaseState::Closed => l.t("已结束", "closed"),
    }
}

fn decision_label(d: Decision, l: Lang) -> &'static str {
    match d {
        Decision::Dismissed => l.t("驳回投诉", "dismissed"),
        Decision::CorrectionOrdered => l.t("责令改正", "correction ordered"),
        Decision::ResultVoid => l.t("中标（成交）结果无效", "result void"),
        Decision::Retender => l.t("重新招标（采购）", "retender"),
    }
}

/// The due date that matters now: the answer, the acceptance review or the decision.
fn due_of(c: &Case) -> Option<DateTime<Utc>> {
    match c.state {
        CaseState::Raised if c.kind == Kind::Complaint => c.accept_due,
        CaseState::Raised => c.answer_due,
        CaseState::Investigating => c.decide_due,
        _ => None,
    }
}

/// One row of a queue.
struct Row {
    href: String,
    section: String,
    kind: &'static str,
    target: &'static str,
    state: &'static str,
    raised: String,
    due: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "remedies/list.html")]
struct ListPage<'a> {
    l: Lang,
    title: &'a str,
    intro: &'a str,
    rows: Vec<Row>,
    /// The bidder's sections, each with its raise link: `(section id, project code)`.
    sections: Vec<(String, String)>,
}

async fn rows(ctx: &Ctx, side: Side, l: Lang, cases: Vec<Case>) -> Result<Vec<Row>> {
    let now = ctx.clock.now();
    let mut codes: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(cases.len());
    for c in cases {
        if !codes.contains_key(&c.section_id) {
            let code = service::section_code(ctx, &c.section_id)
                .await?
                .unwrap_or_default();
            codes.insert(c.section_id.clone(), code);
        }
        let due = due_of(&c);
        out.push(Row {
            href: format!("{}/{}", side.base(), c.id),
            section: format!("{} · {}", codes[&c.section_id], c.section_id),
            kind: kind_label(c.kind, l),
            target: target_label(c.target, l),
            state: state_label(c.state, l),
            raised: beijing_time(&c.raised_at),
            due: due.map(|d| beijing_time(&d)).unwrap_or_default(),
            overdue: due.is_some_and(|d| d <= now),
        });
    }
    Ok(out)
}

async fn list(ctx: Ctx, a: PageActor, side: Side) -> Response {
    if let Err(r) = a.require(side.roles()) {
        return r;
    }
    let l = a.chrome.lang;
    let cases = match side {
        Side::Supervisor => service::open_complaints(&ctx, &a.actor).await,
        Side::Bidder => service::list_mine(&ctx, &a.actor).await,
        Side::Tenderer => service::awaiting_answer(&ctx, &a.actor).await,
    };
    let rows = match cases {
        Ok(c) => rows(&ctx, side, l, c).await,
        Err(e) => Err(e),
    };
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return a.error(e).into_response(),
    };
    let sections = if side == Side::Bidder {
        match service::my_sections(&ctx, &a.actor).await {
            Ok(s) => s,
            Err(e) => return a.error(e).into_response(),
        }
    } else {
        Vec::new()
    };
    let (title, intro) = match side {
        Side::Supervisor => (
            l.t("投诉处理", "Complaints"),
            l.t(
                "待受理审查和待作出处理决定的投诉，最早的在前；逾期的标红。",
                "Complaints waiting for the acceptance review or a decision, oldest first; overdue ones are marked.",
            ),
        ),
        Side::Bidder => (
            l.t("我的异议、质疑和投诉", "My objections, challenges and complaints"),
            l.t(
                "在标段页面提出；答复后可结束或转为投诉。",
                "Raise one from a section; once answered, close it or escalate it to a complaint.",
            ),
        ),
        Side::Tenderer => (
            l.t("待答复的异议和质疑", "Objections and challenges to answer"),
            l.t(
                "针对本单位标段、等待答复的异议和质疑，最早的在前。",
                "Objections and challenges against your sections waiting for your answer, oldest first.",
            ),
        ),
    };
    let tpl = ListPage {
        l,
        title,
        intro,
        rows,
        sections,
    };
    frame::page(&a.chrome, title, &tpl)
}

async fn supervisor_queue(State(ctx): State<Ctx>, a: PageActor) -> Response {
    list(ctx, a, Side::Supervisor).await
}
async fn bidder_cases(State(ctx): State<Ctx>, a: PageActor) -> Response {
    list(ctx, a, Side::Bidder).await
}
async fn tenderer_queue(State(ctx): State<Ctx>, a: PageActor) -> Response {
    list(ctx, a, Side::Tenderer).await
}
