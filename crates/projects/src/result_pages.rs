//! The bidder's page after the opening (`/bidder/sections/{id}/result`): the candidate publicity
//! (中标候选人公示: names, prices, ranks) and the award notice (中标通知). Objections (异议) to the
//! result are remedies cases: the page links to the remedies raise form
//! (`/bidder/sections/{id}/remedies/new`) during the publicity and to the bidder's cases
//! (`/bidder/remedies`). Refunds of the deposit are on the deposit page (crates/deposits).

// Handlers answer `Result<Response, Response>` (axum's idiom; the error is the page to send).
#![allow(clippy::result_large_err)]

use crate::workbench::{self, ResultView};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ggzy_core::http::Path;
use ggzy_core::Money;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt;
use ggzy_web::{Lang, PageActor};

pub fn router() -> Router<Ctx> {
    Router::new().route("/bidder/sections/{id}/result", get(result_page))
}

#[derive(Template)]
#[template(path = "bidder/result.html")]
struct ResultPage<'a> {
    lang: Lang,
    v: &'a ResultView,
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

/// `GET /bidder/sections/{id}/result`.
async fn result_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let v = workbench::result_view(&ctx, &a.actor, &id)
        .await
        .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
    let l = a.chrome.lang;
    let page = ResultPage { lang: l, v: &v };
    Ok(ggzy_web::frame::page_status(
        &a.chrome,
        StatusCode::OK,
        l.t("评标结果与中标", "Result and award"),
        &page,
    ))
}
