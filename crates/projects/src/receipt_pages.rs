//! The bidder's receipts (回执) pages: every upload of a section with its signed receipt, each
//! downloadable; replace (seal again) and withdraw (撤回, with a confirmation) before the deadline.
//! Each page makes one call: [`workbench::section_receipts`], or the API's use case for a change
//! (`bids::withdraw`, the same as `DELETE /api/v1/sections/{id}/bids/mine`).

// Handlers answer `Result<Response, Response>` (axum's idiom; the error is the page to send).
#![allow(clippy::result_large_err)]

use crate::bids::MyBid;
use crate::workbench::{self, SectionReceipts};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ggzy_core::http::Path;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt;
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/bidder/sections/{id}/receipts", get(receipts_page))
        .route(
            "/bidder/sections/{id}/receipts/{version}",
            get(download_receipt),
        )
        .route(
            "/bidder/sections/{id}/withdraw",
            get(confirm_withdraw).post(withdraw),
        )
}

#[derive(Template)]
#[template(path = "bidder/receipts.html")]
struct ReceiptsPage<'a> {
    lang: Lang,
    v: &'a SectionReceipts,
    form: FormState,
    withdrawn: bool,
}

impl ReceiptsPage<'_> {
    fn time(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        fmt::beijing_time_s(t)
    }
    fn deadline(&self) -> String {
        fmt::beijing_time(&self.v.bid_deadline)
    }
    fn deadline_attr(&self) -> String {
        fmt::datetime_attr(&self.v.bid_deadline)
    }
    fn status_label(&self, b: &MyBid) -> &'static str {
        match b.status.as_str() {
            "current" => self.lang.t(
                "有效（开标时解密此版本）",
                "current (opened at the opening)",
            ),
            "superseded" => self.lang.t("已被替换", "replaced"),
            "withdrawn" => self.lang.t("已撤回", "withdrawn"),
            _ => self.lang.t("其他", "other"),
        }
    }
    fn size(&self, b: &MyBid) -> String {
        format!("{} B", b.receipt.receipt.size)
    }
}

#[derive(Debug, Deserialize, Default)]
struct ReceiptsQuery {
    #[serde(default)]
    withdrawn: String,
}

fn render_receipts(
    a: &PageActor,
    status: StatusCode,
    v: &SectionReceipts,
    form: FormState,
    withdrawn: bool,
) -> Response {
    let l = a.chrome.lang;
    let page = ReceiptsPage {
        lang: l,
        v,
        form,
        withdrawn,
    };
    ggzy_web::frame::page_status(&a.chrome, status, l.t("投标回执", "Bid receipts"), &page)
}

/// `GET /bidder/sections/{id}/receipts`: every upload of the caller's organization for the section
/// with its signed receipt; replace and withdraw while the section takes bids.
async fn receipts_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
    Query(q): Query<ReceiptsQuery>,
) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let v = workbench::section_receipts(&ctx, &a.actor, &id)
        .await
        .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
    Ok(render_receipts(
        &a,
        StatusCode::OK,
        &v,
        FormState::new(),
        q.withdrawn == "1",
    ))
}

/// `GET /bidder/sections/{id}/receipts/{version}`: the signed receipt of one upload as a file
/// (`bid-receipt-<section>-v<version>.json`: the receipt body, the signed text, the Ed25519
/// signature and its key id, checkable against `GET /api/keys`).
async fn download_receipt(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let v = workbench::section_receipts(&ctx, &a.actor, &id)
        .await
        .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
    let Some(b) = version
        .parse::<i64>()
        .ok()
        .and_then(|n| v.bids.iter().find(|b| b.version == n))
    else {
        return Err(ggzy_web::frame::error_page(
            &a.chrome,
            &ggzy_core::Error::not_found(format!("receipt version {version}")),
        ));
    };
    let body = serde_json::to_vec_pretty(&b.receipt).map_err(|e| {
        ggzy_web::frame::error_page(&a.chrome, &ggzy_core::Error::internal(e.to_string()))
    })?;
    let name = format!("bid-receipt-{}-v{}.json", v.section_id, b.version);
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    ggzy_web::frame::secure_headers(h);
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

#[derive(Template)]
#[template(path = "bidder/withdraw.html")]
struct WithdrawPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    v: &'a SectionReceipts,
    b: &'a MyBid,
}

/// `GET /bidder/sections/{id}/withdraw`: "are you sure?" before withdrawing the current bid. Only
/// while the section takes bids and a current bid exists; otherwise the receipts page says why.
async fn confirm_withdraw(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let v = workbench::section_receipts(&ctx, &a.actor, &id)
        .await
        .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
    let refusal = if !v.changeable {
        Some(ggzy_core::Error::conflict(
            "bid.after_deadline",
            "the bid deadline has passed (or the section no longer takes bids): a bid can no longer be withdrawn",
        ))
    } else if v.current().is_none() {
        Some(ggzy_core::Error::not_found(
            "your organization has no current bid for this section",
        ))
    } else {
        None
    };
    if let Some(e) = refusal {
        return Ok(render_receipts(
            &a,
            e.status(),
            &v,
            FormState::from_error(&e),
            false,
        ));
    }
    let Some(b) = v.current() else {
        unreachable!("checked above")
    };
    let l = a.chrome.lang;
    let page = WithdrawPage {
        c: &a.chrome,
        lang: l,
        v: &v,
        b,
    };
    Ok(ggzy_web::page(
        &a.chrome,
        l.t("撤回投标文件", "Withdraw the bid"),
        &page,
    ))
}

#[derive(Debug, Deserialize)]
struct WithdrawForm {}

/// `POST /bidder/sections/{id}/withdraw` (CSRF-checked): the API's withdrawal use case; refused
/// after the deadline (`bid.after_deadline`) with the reason on the receipts page.
async fn withdraw(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<WithdrawForm>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(&[Role::Bidder])?;
    match crate::bids::withdraw(&ctx, &a.actor, &id).await {
        Ok(()) => Ok(ggzy_web::frame::see_other(&ggzy_web::lang::href(
            &format!("/bidder/sections/{id}/receipts"),
            &[("withdrawn", "1")],
        ))),
        Err(e) => {
            let v = workbench::section_receipts(&ctx, &a.actor, &id)
                .await
                .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
            Ok(render_receipts(
                &a,
                e.status(),
                &v,
                FormState::from_error(&e),
                false,
            ))
        }
    }
}
