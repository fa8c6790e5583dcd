//! Centre staff's queue of land and property re-listing approvals (`/staff/relists`): a
//! re-listing whose lowered floor needs a second user's approval (32号令 第十八条) waits here;
//! another staff member than its requester approves it, or refuses it with a reason (required)
//! → [`service::decide_relist`], the API's use case. [`pending_for_staff`] is this area's card on
//! `/staff`.

use crate::service::{self, PendingRelist, RelistDecision};
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
        .route("/staff/relists", get(queue))
        .route("/staff/relists/{id}/approve", post(approve))
        .route("/staff/relists/{id}/refuse", post(refuse))
}

/// This area's card on the staff home: re-listings waiting for approval.
pub async fn pending_for_staff(ctx: &Ctx, l: Lang) -> Result<Vec<QueueCard>> {
    let n = crate::store::auctions::count_pending_relists(&ctx.db).await?;
    Ok(vec![QueueCard::queue(
        "relists",
        l.t("待审批的重新挂牌", "Re-listings awaiting approval"),
        n,
        "/staff/relists",
        l.t(
            "降低起始价低于评估值90%的重新挂牌，须由申请人以外的人员审批（32号令第十八条）。",
            "A re-listing below 90% of the appraisal needs another user's approval (Order 32, art. 18).",
        ),
    )])
}

pub struct RelistRow {
    pub auction_id: String,
    pub section: String,
    pub market: &'static str,
    pub kind: &'static str,
    pub round: i64,
    pub period: String,
    pub starting: String,
    pub previous: String,
    pub appraisal: String,
    pub requested_at: String,
    pub mine: bool,
}

fn row(p: &PendingRelist, me: &str, l: Lang) -> RelistRow {
    RelistRow {
        auction_id: p.auction_id.clone(),
        section: if p.section_name.is_empty() {
            p.section_id.clone()
        } else {
            p.section_name.clone()
        },
        market: match p.market.as_str() {
            "land" => l.t("土地", "Land"),
            "property" => l.t("产权", "Property"),
            _ => l.t("其他", "Other"),
        },
        kind: if p.kind == "lower_floor" {
            l.t("降低起始价重新挂牌", "Re-list at a lower floor")
        } else {
            l.t("延长挂牌期", "Extend the listing")
        },
        round: p.round,
        period: format!(
            "{} – {}",
            beijing_time(&p.listing_start),
            beijing_time(&p.listing_end)
        ),
        starting: money(&p.starting_price),
        previous: money(&p.previous_starting_price),
        appraisal: p.appraisal_value.as_ref().map(money).unwrap_or_default(),
        requested_at: beijing_time(&p.requested_at),
        mine: p.requested_by == me,
    }
}

#[derive(Template)]
#[template(path = "staff/relists.html")]
struct QueuePage<'a> {
    c: &'a Chrome,
    lang: Lang,
    rows: Vec<RelistRow>,
    /// The refusal of the last decision, shown at the auction it was about.
    form: FormState,
    failed: Option<String>,
    done: Option<&'static str>,
}

async fn render(
    ctx: &Ctx,
    a: &PageActor,
    status: StatusCode,
    form: FormState,
    failed: Option<String>,
    done: Option<&'static str>,
) -> Response {
    let c = &a.chrome;
    let list = match service::pending_relists(ctx, &a.actor).await {
        Ok(x) => x,
        Err(e) => return frame::error_page(c, &e),
    };
    let p = QueuePage {
        c,
        lang: c.lang,
        rows: list
            .iter()
            .map(|x| row(x, &a.actor.user_id, c.lang))
            .collect(),
        form,
        failed,
        done,
    };
    page_status(
        c,
        status,
        c.t("待审批的重新挂牌", "Re-listings awaiting approval"),
        &p,
    )
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// `GET /staff/relists`.
async fn queue(State(ctx): State<Ctx>, a: PageActor, Query(q): Query<DoneQuery>) -> Response {
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    let l = a.chrome.lang;
    let done = match q.done.as_str() {
        "approved" => Some(l.t("已批准重新挂牌。", "Re-listing approved.")),
        "refused" => Some(l.t(
            "已不予批准，挂牌回到流拍状态。",
            "Re-listing refused; the listing is failed again.",
        )),
        _ => None,
    };
    render(&ctx, &a, StatusCode::OK, FormState::new(), None, done).await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn decide(ctx: &Ctx, id: &str, f: CsrfForm<ReasonForm>, approve: bool) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    let reason = f.form.reason.trim().to_string();
    let d = RelistDecision {
        reason: (!reason.is_empty()).then_some(reason),
    };
    match service::decide_relist(ctx, &a.actor, id, approve, d).await {
        Ok(_) if approve => see_other("/staff/relists?done=approved"),
        Ok(_) => see_other("/staff/relists?done=refused"),
        Err(e) => {
            let form = FormState::from_error(&e).with_values([("reason", f.form.reason)]);
            render(ctx, &a, e.status(), form, Some(id.to_string()), None).await
        }
    }
}

/// `POST /staff/relists/{id}/approve` → [`service::decide_relist`].
async fn approve(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<ReasonForm>,
) -> Response {
    decide(&ctx, &id, f, true).await
}

/// `POST /staff/relists/{id}/refuse` → [`service::decide_relist`] (reason required).
async fn refuse(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<ReasonForm>,
) -> Response {
    decide(&ctx, &id, f, false).await
}
