//! Pages of the purchaser's qualification review (资格审查, 财政部令第87号 第四十四条; issue 20):
//! `GET/POST /tenderer/sections/{id}/qualification` for the project's tenderer or agency (one call
//! to [`crate::qualification::get`] / [`crate::qualification::review`], the API's use cases), and
//! `GET /bidder/sections/{id}/qualification` where a supplier reads its own verdict and the reason.

// Handlers answer `Result<Response, Response>` (axum's idiom; the error is the page to send).
#![allow(clippy::result_large_err)]

use crate::qualification::{
    self, Qualification, QualificationReviewInput, QualificationVerdictInput,
};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ggzy_core::http::Path;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::frame::{error_page, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use std::collections::HashMap;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route(
            "/tenderer/sections/{id}/qualification",
            get(tenderer_page).post(tenderer_post),
        )
        .route("/bidder/sections/{id}/qualification", get(bidder_page))
}

#[derive(Template)]
#[template(path = "qualification/review.html")]
struct ReviewPage<'a> {
    c: &'a Chrome,
    l: Lang,
    q: &'a Qualification,
    /// The form is offered (tenderer / agency, not reviewed yet).
    editable: bool,
    form: FormState,
    /// The form's field names per supplier (the API's field paths).
    rows: Vec<Row>,
}

struct Row {
    org_id: String,
    org_name: String,
    f_org: String,
    f_qualified: String,
    f_reason: String,
}

impl ReviewPage<'_> {
    fn verdict(&self, qualified: &bool) -> &'static str {
        if *qualified {
            self.l.t("合格", "Qualified")
        } else {
            self.l.t("不合格", "Not qualified")
        }
    }
    fn options(&self) -> Vec<(String, String)> {
        vec![
            ("true".into(), self.l.t("合格", "Qualified").into()),
            ("false".into(), self.l.t("不合格", "Not qualified").into()),
        ]
    }
}

fn render(
    a: &PageActor,
    status: StatusCode,
    q: &Qualification,
    editable: bool,
    form: FormState,
) -> Response {
    let l = a.chrome.lang;
    let rows = q
        .suppliers
        .iter()
        .enumerate()
        .map(|(i, s)| Row {
            org_id: s.org_id.clone(),
            org_name: s.org_name.clone(),
            f_org: format!("suppliers[{i}].org_id"),
            f_qualified: format!("suppliers[{i}].qualified"),
            f_reason: format!("suppliers[{i}].reason"),
        })
        .collect();
    let tpl = ReviewPage {
        c: &a.chrome,
        l,
        q,
        editable,
        form,
        rows,
    };
    page_status(
        &a.chrome,
        status,
        l.t("资格审查", "Qualification review"),
        &tpl,
    )
}

async fn tenderer_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    a.require(&[Role::Tenderer, Role::Agency])?;
    let q = qualification::get(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    Ok(render(
        &a,
        StatusCode::OK,
        &q,
        !q.reviewed,
        FormState::new(),
    ))
}

/// The form's fields are the API's field paths (`suppliers[0].org_id`, `….qualified`,
/// `….reason`), so a refusal is shown next to the field it names.
async fn tenderer_post(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(&[Role::Tenderer, Role::Agency])?;
    let mut suppliers = Vec::new();
    for i in 0.. {
        let Some(org) = f.form.get(&format!("suppliers[{i}].org_id")) else {
            break;
        };
        let qualified = f
            .form
            .get(&format!("suppliers[{i}].qualified"))
            .map(String::as_str)
            == Some("true");
        suppliers.push(QualificationVerdictInput {
            org_id: org.clone(),
            qualified,
            reason: f.form.get(&format!("suppliers[{i}].reason")).cloned(),
        });
    }
    match qualification::review(&ctx, &a.actor, &id, QualificationReviewInput { suppliers }).await {
        Ok(_) => Ok(see_other(&format!("/tenderer/sections/{id}/qualification"))),
        Err(e) => {
            let q = qualification::get(&ctx, &a.actor, &id)
                .await
                .map_err(|e| error_page(&a.chrome, &e))?;
            let form = FormState::from_error(&e).with_values(f.form.clone());
            Ok(render(&a, e.status(), &q, !q.reviewed, form))
        }
    }
}

async fn bidder_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let q = qualification::get(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    Ok(render(&a, StatusCode::OK, &q, false, FormState::new()))
}
