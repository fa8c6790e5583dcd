//! The expert's notices in the browser (`/expert`, the expert's workbench home): the draws that
//! called the signed-in expert with time and place only, confirming before the deadline, declining
//! and recusing (回避) with the reason. Each page's data is one use case of [`crate::committee`]
//! (the same the API calls); forms are CSRF-protected by the frame ([`ggzy_web::CsrfForm`]) and a
//! refusal is shown the GOV.UK way with the use case's field, rule and message. The committee room
//! itself is the evaluation area's (`/expert/committee`, `ggzy_evaluation::pages`).

use crate::committee::{self, Assignment, ReasonInput};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ggzy_core::Error;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt::beijing_time;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/expert", get(home))
        .route("/expert/assignments/{draw_id}/confirm", post(confirm))
        .route(
            "/expert/assignments/{draw_id}/decline",
            get(decline_page).post(decline),
        )
        .route(
            "/expert/assignments/{draw_id}/recusal",
            get(recusal_page).post(recusal),
        )
}

/// One notice as the page shows it: time and place, the state and what the expert may do.
pub struct NoticeRow {
    pub draw_id: String,
    pub start: String,
    pub end: String,
    pub place: String,
    pub status: String,
    pub status_label: &'static str,
    pub confirm_by: Option<String>,
    pub reason: Option<String>,
    /// Pending: confirm or decline.
    pub can_confirm: bool,
    /// Pending or confirmed: recuse with the reason.
    pub can_recuse: bool,
}

fn status_label(l: Lang, s: &str) -> &'static str {
    match s {
        "pending" => l.t("待确认", "Awaiting your confirmation"),
        "confirmed" => l.t("已确认参加", "Confirmed"),
        "declined" => l.t("已拒绝", "Declined"),
        "timed_out" => l.t("逾期未确认", "Not confirmed in time"),
        "recused" => l.t("已回避", "Recused"),
        "replaced" => l.t("已替换", "Replaced"),
        "cancelled" => l.t("已取消", "Cancelled"),
        _ => l.t("其他", "Other"),
    }
}

impl NoticeRow {
    fn of(a: &Assignment, l: Lang) -> NoticeRow {
        NoticeRow {
            draw_id: a.draw_id.clone(),
            start: beijing_time(&a.session_start),
            end: beijing_time(&a.session_end),
            place: a.place.clone(),
            status: a.status.clone(),
            status_label: status_label(l, &a.status),
            confirm_by: a.confirm_by.as_ref().map(beijing_time),
            reason: a.reason.clone(),
            can_confirm: a.status == "pending",
            can_recuse: a.status == "pending" || a.status == "confirmed",
        }
    }
}

#[derive(Template)]
#[template(path = "expert/home.html")]
struct Home<'a> {
    c: &'a Chrome,
    lang: Lang,
    name: &'a str,
    rows: Vec<NoticeRow>,
    form: FormState,
    /// The notice a failed confirmation was about.
    failed: Option<String>,
    /// The login is not linked to an expert of the pool yet (staff link it).
    unlinked: bool,
}

async fn render_home(
    ctx: &Ctx,
    a: &PageActor,
    status: StatusCode,
    form: FormState,
    failed: Option<String>,
) -> Response {
    let c = &a.chrome;
    // A login not linked to an expert of the pool has no notices yet: the page says so instead
    // of refusing (staff link the account, `PUT /api/v1/experts/{id}/account`).
    let (list, unlinked) = match committee::my_assignments(ctx, &a.actor).await {
        Ok(l) => (l, false),
        Err(Error::Forbidden(_)) => (vec![], true),
        Err(e) => return frame::error_page(c, &e),
    };
    let p = Home {
        c,
        lang: c.lang,
        name: &a.actor.display_name,
        rows: list.iter().map(|x| NoticeRow::of(x, c.lang)).collect(),
        form,
        failed,
        unlinked,
    };
    page_status(c, status, c.t("评标专家工作台", "Expert's workbench"), &p)
}

/// The expert's home: the notices (time and place only) and the way into the committee room.
async fn home(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&[Role::Expert]) {
        return r;
    }
    render_home(&ctx, &a, StatusCode::OK, FormState::new(), None).await
}

/// Only the CSRF token (checked by the frame).
#[derive(Deserialize)]
pub struct Empty {}

async fn confirm(
    State(ctx): State<Ctx>,
    Path(draw_id): Path<String>,
    f: CsrfForm<Empty>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Expert]) {
        return r;
    }
    match committee::confirm(&ctx, &a.actor, &draw_id).await {
        Ok(_) => see_other("/expert"),
        Err(e) => {
            let status = e.status();
            render_home(&ctx, &a, status, FormState::from_error(&e), Some(draw_id)).await
        }
    }
}

/// Which way the expert leaves a draw.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leave {
    Decline,
    Recuse,
}

#[derive(Template)]
#[template(path = "expert/reason.html")]
struct ReasonPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    row: NoticeRow,
    recuse: bool,
    action: String,
    form: FormState,
}

async fn render_reason(
    ctx: &Ctx,
    a: &PageActor,
    draw_id: &str,
    leave: Leave,
    status: StatusCode,
    form: FormState,
) -> Response {
    let c = &a.chrome;
    let found = committee::my_assignments(ctx, &a.actor)
        .await
        .and_then(|l| {
            l.into_iter()
                .find(|x| x.draw_id == draw_id)
                .ok_or_else(|| Error::not_found("assignment"))
        });
    let row = match found {
        Ok(x) => NoticeRow::of(&x, c.lang),
        Err(e) => return frame::error_page(c, &e),
    };
    let (title, action) = match leave {
        Leave::Decline => (
            c.t("不能参加评标", "Decline the assignment"),
            format!("/expert/assignments/{draw_id}/decline"),
        ),
        Leave::Recuse => (
            c.t("申请回避", "Recuse yourself"),
            format!("/expert/assignments/{draw_id}/recusal"),
        ),
    };
    let p = ReasonPage {
        c,
        lang: c.lang,
        row,
        recuse: leave == Leave::Recuse,
        action,
        form,
    };
    page_status(c, status, title, &p)
}

async fn decline_page(
    State(ctx): State<Ctx>,
    Path(draw_id): Path<String>,
    a: PageActor,
) -> Response {
    if let Err(r) = a.require(&[Role::Expert]) {
        return r;
    }
    render_reason(
        &ctx,
        &a,
        &draw_id,
        Leave::Decline,
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

async fn recusal_page(
    State(ctx): State<Ctx>,
    Path(draw_id): Path<String>,
    a: PageActor,
) -> Response {
    if let Err(r) = a.require(&[Role::Expert]) {
        return r;
    }
    render_reason(
        &ctx,
        &a,
        &draw_id,
        Leave::Recuse,
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn leave(ctx: &Ctx, draw_id: &str, f: CsrfForm<ReasonForm>, how: Leave) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Expert]) {
        return r;
    }
    let input = ReasonInput {
        reason: f.form.reason.clone(),
    };
    let done = match how {
        Leave::Decline => committee::decline(ctx, &a.actor, draw_id, input).await,
        Leave::Recuse => committee::recuse_self(ctx, &a.actor, draw_id, input).await,
    };
    match done {
        Ok(_) => see_other("/expert"),
        Err(e) => {
            let form = FormState::from_error(&e).with_values([("reason", f.form.reason)]);
            render_reason(ctx, &a, draw_id, how, e.status(), form).await
        }
    }
}

async fn decline(
    State(ctx): State<Ctx>,
    Path(draw_id): Path<String>,
    f: CsrfForm<ReasonForm>,
) -> Response {
    leave(&ctx, &draw_id, f, Leave::Decline).await
}

async fn recusal(
    State(ctx): State<Ctx>,
    Path(draw_id): Path<String>,
    f: CsrfForm<ReasonForm>,
) -> Response {
    leave(&ctx, &draw_id, f, Leave::Recuse).await
}
