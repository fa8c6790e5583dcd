//! Pages of the written report of the tender result to the supervisor (书面报告, 招标投标法 第四十七条;
//! issue 20): `GET/POST /tenderer/sections/{id}/award-report` for the project's tenderer or agency
//! (the report generated from the record — [`award_report::preview`] — and its submission,
//! [`award_report::file`], the API's use case), and `GET /supervisor/award-reports`, the
//! supervisors' list of received and overdue reports ([`award_report::list`]).

// Handlers answer `Result<Response, Response>` (axum's idiom; the error is the page to send).
#![allow(clippy::result_large_err)]

use crate::award_report::{self, AwardReport};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ggzy_core::http::Path;
use ggzy_core::Timestamp;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt::beijing_time;
use ggzy_web::frame::{error_page, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde_json::Value;
use std::collections::HashMap;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route(
            "/tenderer/sections/{id}/award-report",
            get(tenderer_page).post(tenderer_post),
        )
        .route("/supervisor/award-reports", get(supervisor_list))
}

/// The generated document, as the page shows it.
struct Doc {
    title: String,
    report_no: String,
    basis: String,
    project: String,
    tenderer: String,
    section: String,
    evaluation_ref: String,
    notice_no: String,
    winner: String,
    price: String,
    registrations: String,
    bidders: String,
    /// (step, Beijing time).
    timeline: Vec<(String, String)>,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

fn when(v: &Value) -> String {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| beijing_time(&t.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|| "—".into())
}

fn step_label(step: &str, l: Lang) -> String {
    match step {
        "section_registered" => l.t("标段登记", "Section registered"),
        "bid_deadline" => l.t("投标截止", "Bid deadline"),
        "opening" => l.t("开标", "Opening"),
        "evaluation_result" => l.t("评标结果", "Evaluation result"),
        "publicity_start" => l.t("中标候选人公示开始", "Candidate publicity starts"),
        "publicity_end" => l.t("中标候选人公示结束", "Candidate publicity ends"),
        "award" => l.t("确定中标人", "Award"),
        "report_filed" => l.t("提交书面报告", "Report submitted"),
        other => other,
    }
    .to_string()
}

fn doc(v: &Value, l: Lang) -> Doc {
    Doc {
        title: text(&v["title"]),
        report_no: text(&v["report_no"]),
        basis: text(&v["basis"]),
        project: format!(
            "{} · {}",
            text(&v["project"]["code"]),
            text(&v["project"]["name"])
        ),
        tenderer: format!(
            "{} ({})",
            text(&v["project"]["tenderer_name"]),
            text(&v["project"]["tenderer_uscc"])
        ),
        section: format!(
            "{} · {}",
            text(&v["section"]["section_no"]),
            text(&v["section"]["name"])
        ),
        evaluation_ref: text(&v["evaluation"]["report_ref"]),
        notice_no: text(&v["award"]["notice_no"]),
        winner: text(&v["award"]["winner_name"]),
        price: text(&v["award"]["price"]),
        registrations: text(&v["participation"]["registrations"]),
        bidders: text(&v["participation"]["bidders_with_a_bid"]),
        timeline: v["timeline"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| {
                        (
                            step_label(s["step"].as_str().unwrap_or(""), l),
                            when(&s["at"]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "award_report/tenderer.html")]
struct TendererPage<'a> {
    c: &'a Chrome,
    l: Lang,
    r: &'a AwardReport,
    doc: Doc,
    due: String,
    filed_at: String,
    overdue: bool,
    form: FormState,
}

fn render(
    a: &PageActor,
    status: StatusCode,
    r: &AwardReport,
    body: &Value,
    now: Timestamp,
    form: FormState,
) -> Response {
    let l = a.chrome.lang;
    let tpl = TendererPage {
        c: &a.chrome,
        l,
        r,
        doc: doc(body, l),
        due: beijing_time(&r.due_at),
        filed_at: r.filed_at.as_ref().map(beijing_time).unwrap_or_default(),
        overdue: !r.filed && award_report::is_late(r.due_at, now),
        form,
    };
    page_status(&a.chrome, status, l.t("书面报告", "Written report"), &tpl)
}

async fn show(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    form: FormState,
) -> Result<Response, Response> {
    let r = award_report::get(ctx, &a.actor, id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    let body = award_report::preview(ctx, &a.actor, id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    Ok(render(a, status, &r, &body, ctx.clock.now(), form))
}

async fn tenderer_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    a.require(&[Role::Tenderer, Role::Agency])?;
    show(&ctx, &a, &id, StatusCode::OK, FormState::new()).await
}

/// Submits the report ([`award_report::file`]); a refusal (already filed, 409) re-renders the page
/// with its rule id.
async fn tenderer_post(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(&[Role::Tenderer, Role::Agency])?;
    match award_report::file(&ctx, &a.actor, &id).await {
        Ok(_) => Ok(see_other(&format!("/tenderer/sections/{id}/award-report"))),
        Err(e) => show(&ctx, &a, &id, e.status(), FormState::from_error(&e)).await,
    }
}

struct ListRow {
    section_id: String,
    due: String,
    filed: bool,
    report_no: String,
    filed_at: String,
    late: bool,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "award_report/supervisor.html")]
struct SupervisorPage {
    l: Lang,
    received: Vec<ListRow>,
    waiting: Vec<ListRow>,
}

async fn supervisor_list(State(ctx): State<Ctx>, a: PageActor) -> Result<Response, Response> {
    a.require(&[Role::Supervisor, Role::Staff, Role::Admin])?;
    let list = award_report::list(&ctx, &a.actor)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    let now = ctx.clock.now();
    let (received, waiting): (Vec<ListRow>, Vec<ListRow>) = list
        .iter()
        .map(|r| ListRow {
            section_id: r.section_id.clone(),
            due: beijing_time(&r.due_at),
            filed: r.filed,
            report_no: r.report_no.clone().unwrap_or_default(),
            filed_at: r.filed_at.as_ref().map(beijing_time).unwrap_or_default(),
            late: r.late,
            overdue: !r.filed && award_report::is_late(r.due_at, now),
        })
        .partition(|r| r.filed);
    let l = a.chrome.lang;
    let tpl = SupervisorPage {
        l,
        received,
        waiting,
    };
    Ok(page_status(
        &a.chrome,
        StatusCode::OK,
        l.t("招标投标情况书面报告", "Written reports of tender results"),
        &tpl,
    ))
}
