//! Centre staff's queue of announcements awaiting approval: `/staff/announcements` lists the
//! submitted ones, `/staff/announcements/{id}` previews one exactly as the portal will render it
//! (the portal's own view, [`crate::portal::view::preview`]) with the two decisions — approve
//! (publish now or at a chosen time; the legal periods are checked by the use case) or return to
//! the owner with a reason (required; the owner reads it as `return_reason`). Each action is one
//! call to the API's use case ([`service::approve`], [`service::return_to_owner`]).
//! [`pending_for_staff`] is this area's card on `/staff`.

use crate::portal::view::{self, Detail};
use crate::portal::{market_label, type_label};
use crate::service::{self, Announcement, AnnouncementReturn, Approval};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{NaiveDateTime, TimeZone, Utc};
use ggzy_core::http::Path;
use ggzy_core::{Error, Result};
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt::beijing_time;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor, QueueCard};
use serde::Deserialize;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/staff/announcements", get(queue))
        .route("/staff/announcements/{id}", get(detail))
        .route("/staff/announcements/{id}/approve", post(approve))
        .route(
            "/staff/announcements/{id}/return",
            post(return_announcement),
        )
}

/// This area's card on the staff home: announcements submitted and awaiting approval.
pub async fn pending_for_staff(ctx: &Ctx, l: Lang) -> Result<Vec<QueueCard>> {
    let n = crate::store::announcements::count_submitted(&ctx.db).await?;
    Ok(vec![QueueCard::queue(
        "announcements",
        l.t("待审核的公告", "Announcements awaiting approval"),
        n,
        "/staff/announcements",
        l.t(
            "预览公告（与门户显示一致），审核发布或说明理由退回。",
            "Preview each as the portal shows it, then approve it or return it with a reason.",
        ),
    )])
}

pub struct QueueRow {
    pub id: String,
    pub title: String,
    pub type_label: &'static str,
    pub market_label: &'static str,
    pub region: String,
    pub submitted: String,
}

impl QueueRow {
    fn of(a: &Announcement, l: Lang) -> QueueRow {
        QueueRow {
            id: a.id.clone(),
            title: a.title.clone(),
            type_label: type_label(a.ann_type, l),
            market_label: market_label(&a.market, l),
            region: a.region.clone(),
            submitted: beijing_time(&a.updated_at),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/announcements.html")]
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

/// `GET /staff/announcements`: the submitted announcements, oldest first.
async fn queue(State(ctx): State<Ctx>, a: PageActor, Query(q): Query<DoneQuery>) -> Response {
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    let c = &a.chrome;
    let l = c.lang;
    let list = match service::list_submitted(&ctx, &a.actor).await {
        Ok(x) => x,
        Err(e) => return frame::error_page(c, &e),
    };
    let done = match q.done.as_str() {
        "approved" => Some(l.t(
            "已审核通过：公告已发布（或将于设定时间发布）。",
            "Approved: the announcement is published (or will be at the chosen time).",
        )),
        "returned" => Some(l.t(
            "已退回，退回理由已告知发布单位。",
            "Returned; the owner can read the reason.",
        )),
        _ => None,
    };
    let p = QueuePage {
        lang: l,
        rows: list.iter().map(|x| QueueRow::of(x, l)).collect(),
        done,
    };
    frame::page(
        c,
        c.t("待审核的公告", "Announcements awaiting approval"),
        &p,
    )
}

#[derive(Template)]
#[template(path = "staff/announcement.html")]
struct DetailPage<'a> {
    c: &'a Chrome,
    l: Lang,
    d: Detail,
    row: QueueRow,
    status: &'static str,
    submitted: bool,
    approve_form: FormState,
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
    let l = c.lang;
    let (ann, d) = match view::preview(ctx, &a.actor, id, l).await {
        Ok(x) => x,
        Err(e) => return frame::error_page(c, &e),
    };
    let p = DetailPage {
        c,
        l,
        row: QueueRow::of(&ann, l),
        status: ann.status.as_str(),
        submitted: ann.status == service::Status::Submitted,
        d,
        approve_form,
        return_form,
    };
    page_status(c, status, c.t("公告审核", "Announcement approval"), &p)
}

/// `GET /staff/announcements/{id}`: the preview and the two decisions.
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

#[derive(Deserialize)]
pub struct ApproveForm {
    /// Beijing time `YYYY-MM-DDTHH:MM` (a `datetime-local` field); empty: publish now.
    #[serde(default)]
    publish_at: String,
}

/// A `datetime-local` value read as Beijing time.
fn beijing_instant(s: &str) -> Result<Option<chrono::DateTime<Utc>>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| {
            Error::field(
                "publish_at",
                "announcement.time_invalid",
                "enter the publishing time as YYYY-MM-DD HH:MM (Beijing time)",
            )
        })?;
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    Ok(tz
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc)))
}

/// `POST /staff/announcements/{id}/approve` → [`service::approve`].
async fn approve(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<ApproveForm>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    let done = match beijing_instant(&f.form.publish_at) {
        Ok(publish_at) => service::approve(&ctx, &a.actor, &id, Approval { publish_at }).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => see_other("/staff/announcements?done=approved"),
        Err(e) => {
            let form = FormState::from_error(&e).with_values([("publish_at", f.form.publish_at)]);
            render_detail(&ctx, &a, &id, e.status(), form, FormState::new()).await
        }
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// `POST /staff/announcements/{id}/return` → [`service::return_to_owner`] (reason required).
async fn return_announcement(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<ReasonForm>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    let req = AnnouncementReturn {
        reason: f.form.reason.clone(),
    };
    match service::return_to_owner(&ctx, &a.actor, &id, req).await {
        Ok(_) => see_other("/staff/announcements?done=returned"),
        Err(e) => {
            let form = FormState::from_error(&e).with_values([("reason", f.form.reason)]);
            render_detail(&ctx, &a, &id, e.status(), FormState::new(), form).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_publishing_time_is_read_as_beijing_time() {
        let t = beijing_instant("2026-03-03T09:00").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-03T01:00:00+00:00");
        assert_eq!(beijing_instant("  ").unwrap(), None);
        let e = beijing_instant("03/03/2026").unwrap_err();
        assert_eq!(e.to_problem().errors[0].rule, "announcement.time_invalid");
    }
}
