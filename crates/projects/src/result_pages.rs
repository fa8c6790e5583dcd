//! The bidder's page after the opening (`/bidder/sections/{id}/result`): the candidate publicity
//! (中标候选人公示: names, prices, ranks), its own objections (异议) with their answers — raised
//! during the publicity through the API's use case (`award::file_objection`) — and the award notice
//! (中标通知). Refunds of the deposit are on the deposit page (crates/deposits).

// Handlers answer `Result<Response, Response>` (axum's idiom; the error is the page to send).
#![allow(clippy::result_large_err)]

use crate::workbench::{self, ResultView};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ggzy_core::http::Path;
use ggzy_core::Money;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt;
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/bidder/sections/{id}/result", get(result_page))
        .route("/bidder/sections/{id}/objections", post(object))
}

#[derive(Template)]
#[template(path = "bidder/result.html")]
struct ResultPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    v: &'a ResultView,
    form: FormState,
    objected: bool,
}

impl ResultPage<'_> {
    fn money(&self, m: &Money) -> String {
        fmt::money(m)
    }
    fn time(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        fmt::beijing_time(t)
    }
    fn attr(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        fmt::datetime_attr(t)
    }
}

fn render(
    a: &PageActor,
    status: StatusCode,
    v: &ResultView,
    form: FormState,
    objected: bool,
) -> Response {
    let l = a.chrome.lang;
    let page = ResultPage {
        c: &a.chrome,
        lang: l,
        v,
        form,
        objected,
    };
    ggzy_web::frame::page_status(
        &a.chrome,
        status,
        l.t("评标结果与中标", "Result and award"),
        &page,
    )
}

#[derive(Debug, Deserialize, Default)]
struct ResultQuery {
    #[serde(default)]
    objected: String,
}

/// `GET /bidder/sections/{id}/result`.
async fn result_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
    Query(q): Query<ResultQuery>,
) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let v = workbench::result_view(&ctx, &a.actor, &id)
        .await
        .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
    Ok(render(
        &a,
        StatusCode::OK,
        &v,
        FormState::new(),
        q.objected == "1",
    ))
}

#[derive(Debug, Deserialize)]
struct ObjectionForm {
    #[serde(default)]
    text: String,
}

/// `POST /bidder/sections/{id}/objections` (CSRF-checked): raise an objection (异议) to the
/// evaluation result — `POST /api/v1/sections/{id}/objections`'s use case; refused outside the
/// publicity (`objection.after_publicity`, `objection.not_publicizing`) with the reason on the page.
async fn object(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<ObjectionForm>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(&[Role::Bidder])?;
    let input = crate::award::ObjectionInput {
        text: f.form.text.clone(),
    };
    match crate::award::file_objection(&ctx, &a.actor, &id, input).await {
        Ok(_) => Ok(ggzy_web::frame::see_other(&format!(
            "/bidder/sections/{id}/result?objected=1"
        ))),
        Err(e) => {
            let v = workbench::result_view(&ctx, &a.actor, &id)
                .await
                .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
            let form = FormState::from_error(&e).with_values([("text", f.form.text.as_str())]);
            Ok(render(&a, e.status(), &v, form, false))
        }
    }
}
