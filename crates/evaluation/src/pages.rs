//! The committee room in the browser (`/expert/committee/…`, the expert's workbench on the session
//! day): the section's opening record, the method with its criteria and price formula, chair
//! election, the qualification and compliance review with reasons, scoring criterion by criterion
//! with the computed price scores shown, clarifications to bidders, the others' scores sealed until
//! all are in, the ranking and signing the report.
//!
//! Every page's data is one call of [`room::room`]; every form goes through the same use case as the
//! API ([`service`]) after the same room-network gate, so a member outside the room's terminal
//! networks gets a page that says so (403, rule `evaluation.room_network`) and nothing changes.
//! Forms are CSRF-protected by the frame; a refusal re-renders the form with the use case's field
//! errors (GOV.UK error summary + messages next to the fields).

use crate::room::{self, Room, RoomView, Seat, REVIEW_ITEMS};
use crate::rules::{self, BaseRule, Method, MethodSpec, PriceFormulaKind};
use crate::service;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ggzy_core::{Error, FieldError};
use ggzy_identity::http::IpOf;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt::{amount, beijing_time};
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use rust_decimal::Decimal;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/expert/committee", get(seats))
        .route("/expert/committee/{id}", get(overview))
        .route("/expert/committee/{id}/chair", post(chair))
        .route(
            "/expert/committee/{id}/review",
            get(review_page).post(review),
        )
        .route(
            "/expert/committee/{id}/scores",
            get(scores_page).post(scores),
        )
        .route(
            "/expert/committee/{id}/clarifications",
            get(clarifications_page).post(clarify),
        )
        .route("/expert/committee/{id}/report", get(report_page).post(sign))
        .route(
            "/expert/committee/{id}/bids/{bid}/documents/{n}",
            get(document),
        )
}

fn stage_label(l: Lang, s: &str) -> &'static str {
    match s {
        "waiting" => l.t(
            "等待开标记录或委员会",
            "Waiting for the opening record or the committee",
        ),
        "review" => l.t(
            "初步评审（资格、符合性）",
            "Preliminary review (qualification, compliance)",
        ),
        "price_check" => l.t(
            "异常低价：待委员会记录报价合理性说明",
            "Abnormally low price: the committee records the bidder's explanation",
        ),
        "scoring" => l.t("详细评审（打分）", "Scoring"),
        "signing" => l.t("签署评标报告", "Signing the report"),
        "signed" => l.t("评标报告已签署", "Report signed"),
        _ => l.t("其他", "Other"),
    }
}

// ---------------------------------------------------------------------------------------------
// The list of today's committees.

struct SeatRow {
    section_id: String,
    stage: &'static str,
    session: Option<String>,
    bids: usize,
}

#[derive(Template)]
#[template(path = "committee/seats.html")]
struct Seats {
    lang: Lang,
    rows: Vec<SeatRow>,
}

async fn seats(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&[Role::Expert]) {
        return r;
    }
    let c = &a.chrome;
    let list: Vec<Seat> = match room::my_seats(&ctx, &a.actor).await {
        Ok(l) => l,
        Err(e) => return frame::error_page(c, &e),
    };
    let p = Seats {
        lang: c.lang,
        rows: list
            .into_iter()
            .map(|s| SeatRow {
                stage: stage_label(c.lang, &s.stage),
                session: s
                    .session
                    .map(|(a, b)| format!("{} – {}", beijing_time(&a), beijing_time(&b))),
                bids: s.bids,
                section_id: s.section_id,
            })
            .collect(),
    };
    page_status(c, StatusCode::OK, c.t("评标室", "Committee room"), &p)
}

// ---------------------------------------------------------------------------------------------
// Outside the room's networks or its session.

#[derive(Template)]
#[template(path = "committee/outside.html")]
struct Outside<'a> {
    lang: Lang,
    section_id: &'a str,
    network: Option<&'a str>,
    session: Option<String>,
}

/// The room, or the page that says why the expert cannot work in it now (instead of failing).
async fn load(ctx: &Ctx, a: &PageActor, ip: &str, id: &str) -> Result<Box<Room>, Response> {
    a.require(&[Role::Expert])?;
    let c = &a.chrome;
    match room::room(ctx, &a.actor, ip, id).await {
        Ok(RoomView::Room(r)) => Ok(r),
        Ok(RoomView::OutsideNetwork(o)) => {
            let p = Outside {
                lang: c.lang,
                section_id: id,
                network: Some(&o.detail),
                session: None,
            };
            Err(page_status(
                c,
                StatusCode::FORBIDDEN,
                c.t(
                    "请在评标室终端上操作",
                    "Work from the evaluation room's terminals",
                ),
                &p,
            ))
        }
        Ok(RoomView::OutsideSession { start, end }) => {
            let p = Outside {
                lang: c.lang,
                section_id: id,
                network: None,
                session: Some(format!("{} – {}", beijing_time(&start), beijing_time(&end))),
            };
            Err(page_status(
                c,
                StatusCode::CONFLICT,
                c.t("不在评标时间内", "Outside the evaluation session"),
                &p,
            ))
        }
        Err(e) => Err(frame::error_page(c, &e)),
    }
}

/// The room-network gate before a form's use case runs (the same check as the API's).
async fn gate(ctx: &Ctx, a: &PageActor, ip: &str, id: &str) -> Result<(), Response> {
    a.require(&[Role::Expert])?;
    match service::room_network_gate(ctx, &a.actor, ip, id).await {
        Ok(None) => Ok(()),
        Ok(Some(_)) => load(ctx, a, ip, id).await.map(|_| ()),
        Err(e) => Err(frame::error_page(&a.chrome, &e)),
    }
}

// ---------------------------------------------------------------------------------------------
// The room page (one template, one tab per step).

mod room_page;
use self::room_page::*;
pub(crate) use self::room_page::{formula_lines, method_label};

// ---------------------------------------------------------------------------------------------
// A bid document: served by the use case the API serves it with, after the same gate.

#[derive(Template)]
#[template(path = "committee/document_fault.html")]
struct DocumentFault<'a> {
    lang: Lang,
    section_id: &'a str,
    detail: String,
}

async fn document(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path((id, bid, n)): Path<(String, String, i64)>,
    a: PageActor,
) -> Response {
    if let Err(r) = gate(&ctx, &a, &ip.0, &id).await {
        return r;
    }
    let c = &a.chrome;
    match crate::documents::read(&ctx, &a.actor, &id, &bid, n).await {
        Ok(Ok(d)) => crate::documents::response(d),
        Ok(Err(f)) => page_status(
            c,
            StatusCode::INTERNAL_SERVER_ERROR,
            c.t("投标文件校验失败", "Bid document failed its check"),
            &DocumentFault {
                lang: c.lang,
                section_id: &id,
                detail: f.detail,
            },
        ),
        Err(e) => frame::error_page(c, &e),
    }
}

fn title(l: Lang, tab: Tab) -> &'static str {
    match tab {
        Tab::Overview => l.t("评标室", "Committee room"),
        Tab::Review => l.t("初步评审", "Review"),
        Tab::Scores => l.t("打分", "Scoring"),
        Tab::Clarifications => l.t("澄清", "Clarifications"),
        Tab::Report => l.t("评标报告", "Evaluation report"),
    }
}

async fn show(
    ctx: &Ctx,
    a: &PageActor,
    ip: &str,
    id: &str,
    tab: Tab,
    status: StatusCode,
    form: FormState,
) -> Response {
    let r = match load(ctx, a, ip, id).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let c = &a.chrome;
    let mut form = form;
    if tab == Tab::Clarifications && form.value("reply_by").is_empty() {
        // A sensible default: one hour from now, Beijing time, as `datetime-local` wants it.
        let t = (ctx.clock.now() + chrono::Duration::hours(1))
            .with_timezone(&ggzy_core::time::shanghai())
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        form = form.with_values([("reply_by", t)]);
    }
    let p = RoomPage::new(c, &r, tab, form);
    page_status(c, status, title(c.lang, tab), &p)
}

async fn overview(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    a: PageActor,
) -> Response {
    show(
        &ctx,
        &a,
        &ip.0,
        &id,
        Tab::Overview,
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

async fn review_page(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    a: PageActor,
) -> Response {
    show(
        &ctx,
        &a,
        &ip.0,
        &id,
        Tab::Review,
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

async fn scores_page(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    a: PageActor,
) -> Response {
    show(
        &ctx,
        &a,
        &ip.0,
        &id,
        Tab::Scores,
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

async fn clarifications_page(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    a: PageActor,
) -> Response {
    show(
        &ctx,
        &a,
        &ip.0,
        &id,
        Tab::Clarifications,
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

async fn report_page(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    a: PageActor,
) -> Response {
    show(
        &ctx,
        &a,
        &ip.0,
        &id,
        Tab::Report,
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

type Pairs = Vec<(String, String)>;

/// Run a form's use case after the room-network gate: on success back to `tab`'s page (303), on a
/// refusal the same page again with the submitted values and the use case's errors.
async fn submit<F, Fut>(
    ctx: &Ctx,
    ip: &str,
    id: &str,
    f: CsrfForm<Pairs>,
    tab: Tab,
    run: F,
) -> Response
where
    F: FnOnce(Pairs) -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    let a = f.actor;
    if let Err(r) = gate(ctx, &a, ip, id).await {
        return r;
    }
    let values: Vec<(String, String)> = f
        .form
        .iter()
        .filter(|(k, _)| k != "csrf")
        .cloned()
        .collect();
    match run(f.form).await {
        Ok(()) => {
            let suffix = match tab {
                Tab::Overview => "",
                Tab::Review => "/review",
                Tab::Scores => "/scores",
                Tab::Clarifications => "/clarifications",
                Tab::Report => "/report",
            };
            see_other(&format!("/expert/committee/{id}{suffix}"))
        }
        Err(e) => {
            let form = FormState::from_error(&e).with_values(values);
            show(ctx, &a, ip, id, tab, e.status(), form).await
        }
    }
}

async fn chair(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    f: CsrfForm<Pairs>,
) -> Response {
    let (x, actor, sid) = (ctx.clone(), f.actor.actor.clone(), id.clone());
    submit(&ctx, &ip.0, &id, f, Tab::Overview, move |p| async move {
        let input = room::chair_from_form(&p)?;
        service::vote_chair(&x, &actor, &sid, input)
            .await
            .map(|_| ())
    })
    .await
}

async fn review(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    f: CsrfForm<Pairs>,
) -> Response {
    let (x, actor, sid) = (ctx.clone(), f.actor.actor.clone(), id.clone());
    submit(&ctx, &ip.0, &id, f, Tab::Review, move |p| async move {
        let input = room::review_from_form(&p)?;
        service::submit_review(&x, &actor, &sid, input)
            .await
            .map(|_| ())
    })
    .await
}

async fn scores(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    f: CsrfForm<Pairs>,
) -> Response {
    let (x, actor, sid) = (ctx.clone(), f.actor.actor.clone(), id.clone());
    submit(&ctx, &ip.0, &id, f, Tab::Scores, move |p| async move {
        let spec = service::method_of(&x, &sid).await?;
        let input = room::scores_from_form(&spec, &p)?;
        service::submit_scores(&x, &actor, &sid, input)
            .await
            .map(|_| ())
    })
    .await
}

async fn clarify(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    f: CsrfForm<Pairs>,
) -> Response {
    let (x, actor, sid) = (ctx.clone(), f.actor.actor.clone(), id.clone());
    submit(
        &ctx,
        &ip.0,
        &id,
        f,
        Tab::Clarifications,
        move |p| async move {
            let input = room::clarification_from_form(&p)?;
            service::ask(&x, &actor, &sid, input).await.map(|_| ())
        },
    )
    .await
}

async fn sign(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    f: CsrfForm<Pairs>,
) -> Response {
    let (x, actor, sid) = (ctx.clone(), f.actor.actor.clone(), id.clone());
    submit(&ctx, &ip.0, &id, f, Tab::Report, move |p| async move {
        let input = room::sign_from_form(&p);
        service::sign(&x, &actor, &sid, input).await.map(|_| ())
    })
    .await
}
