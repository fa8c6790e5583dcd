//! Pages of the two-step draw (crate::contrib, issue 24): the supervisor's list of draw requests
//! (`/supervisor/draws`) and one request (`/supervisor/draws/{id}`) with the commitment and reveal
//! forms; the staff's view of a request (`/staff/draw-requests/{id}`) with the steps and the
//! abandon form. Each form makes one call of the use case the API calls.

use crate::contrib::{self, Abandon, DrawContribution, SupervisorCommitment, SupervisorReveal};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt::beijing_time;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/supervisor/draws", get(list_page))
        .route("/supervisor/draws/{id}", get(supervisor_page))
        .route("/supervisor/draws/{id}/commitment", post(commit))
        .route("/supervisor/draws/{id}/reveal", post(reveal))
        .route("/staff/draw-requests/{id}", get(staff_page))
        .route("/staff/draw-requests/{id}/abandon", post(abandon))
}

fn status_label(s: &str, l: Lang) -> &'static str {
    match s {
        "open" => l.t("进行中", "open"),
        "drawn" => l.t("已抽取", "drawn"),
        "abandoned" => l.t("已作废", "abandoned"),
        _ => l.t("其他", "other"),
    }
}

fn waiting_label(s: Option<&str>, l: Lang) -> &'static str {
    match s {
        Some("supervisor_commitment") => l.t(
            "等待监督人提交承诺值",
            "waiting for the supervisor's commitment",
        ),
        Some("checkpoint") => l.t("等待审计日志检查点", "waiting for an audit checkpoint"),
        Some("supervisor_reveal") => l.t(
            "等待监督人公开秘密值",
            "waiting for the supervisor's reveal",
        ),
        _ => "",
    }
}

/// The section's name from the experts area's projection; never its UUID.
fn section_label(names: &std::collections::HashMap<String, String>, id: &str, l: Lang) -> String {
    names.get(id).cloned().unwrap_or_else(|| {
        l.t("（标段名称未知）", "(section name not known)")
            .to_string()
    })
}

struct Line {
    id: String,
    section: String,
    status: &'static str,
    waiting: &'static str,
    created: String,
}

#[derive(Template)]
#[template(path = "supervisor/draws.html")]
struct ListPage {
    l: Lang,
    lines: Vec<Line>,
}

async fn list_page(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&[Role::Supervisor]) {
        return r;
    }
    let c = &a.chrome;
    let l = c.lang;
    let listed = match contrib::list(&ctx, &a.actor).await {
        Ok(rs) => {
            let ids: Vec<String> = rs.iter().map(|r| r.section_id.clone()).collect();
            crate::sections::labels(&ctx, &ids).await.map(|n| (rs, n))
        }
        Err(e) => Err(e),
    };
    match listed {
        Ok((rs, names)) => {
            let lines = rs
                .iter()
                .map(|r| Line {
                    id: r.id.clone(),
                    section: section_label(&names, &r.section_id, l),
                    status: status_label(&r.status, l),
                    waiting: waiting_label(r.waiting_for.as_deref(), l),
                    created: beijing_time(&r.created_at),
                })
                .collect();
            page_status(
                c,
                StatusCode::OK,
                l.t("专家抽取监督", "Expert draws to supervise"),
                &ListPage { l, lines },
            )
        }
        Err(e) => frame::error_page(c, &e),
    }
}

#[derive(Template)]
#[template(path = "supervisor/draw_request.html")]
struct RequestPage<'a> {
    c: &'a Chrome,
    l: Lang,
    r: DrawContribution,
    section: String,
    status: &'static str,
    waiting: &'static str,
    created: String,
    supervisor_committed: String,
    closed: String,
    /// `supervisor` or `staff`: which forms are shown.
    view: &'static str,
    /// The signed-in supervisor is the one who committed.
    mine: bool,
    form: FormState,
}

async fn render(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    view: &'static str,
    status: StatusCode,
    form: FormState,
) -> Response {
    let c = &a.chrome;
    let l = c.lang;
    let r = match contrib::get(ctx, &a.actor, id).await {
        Ok(r) => r,
        Err(e) => return frame::error_page(c, &e),
    };
    let names = match crate::sections::labels(ctx, std::slice::from_ref(&r.section_id)).await {
        Ok(n) => n,
        Err(e) => return frame::error_page(c, &e),
    };
    let p = RequestPage {
        c,
        l,
        section: section_label(&names, &r.section_id, l),
        status: status_label(&r.status, l),
        waiting: waiting_label(r.waiting_for.as_deref(), l),
        created: beijing_time(&r.created_at),
        supervisor_committed: r
            .supervisor_committed_at
            .as_ref()
            .map(beijing_time)
            .unwrap_or_default(),
        closed: r.closed_at.as_ref().map(beijing_time).unwrap_or_default(),
        mine: r.supervisor_id.as_deref() == Some(a.actor.user_id.as_str()),
        view,
        r,
        form,
    };
    page_status(c, status, l.t("专家抽取请求", "Expert draw request"), &p)
}

async fn supervisor_page(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&[Role::Supervisor]) {
        return r;
    }
    render(
        &ctx,
        &a,
        &id,
        "supervisor",
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

async fn staff_page(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&[Role::Staff, Role::Admin]) {
        return r;
    }
    render(&ctx, &a, &id, "staff", StatusCode::OK, FormState::new()).await
}

/// `contrib::supervisor_commit`.
async fn commit(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<SupervisorCommitment>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Supervisor]) {
        return r;
    }
    let value = f.form.commitment.clone();
    match contrib::supervisor_commit(&ctx, &a.actor, &id, f.form).await {
        Ok(_) => see_other(&format!("/supervisor/draws/{id}")),
        Err(e) => {
            let form = FormState::from_error(&e).with_values([("commitment", value)]);
            render(&ctx, &a, &id, "supervisor", e.status(), form).await
        }
    }
}

/// `contrib::supervisor_reveal`: the draw runs; on to the public verification page's draw.
async fn reveal(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<SupervisorReveal>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Supervisor]) {
        return r;
    }
    match contrib::supervisor_reveal(&ctx, &a.actor, &id, f.form).await {
        Ok(_) => see_other(&format!("/supervisor/draws/{id}")),
        Err(e) => {
            render(
                &ctx,
                &a,
                &id,
                "supervisor",
                e.status(),
                FormState::from_error(&e),
            )
            .await
        }
    }
}

/// `contrib::abandon` (staff).
async fn abandon(State(ctx): State<Ctx>, Path(id): Path<String>, f: CsrfForm<Abandon>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Staff, Role::Admin]) {
        return r;
    }
    let value = f.form.reason.clone();
    match contrib::abandon(&ctx, &a.actor, &id, f.form).await {
        Ok(_) => see_other(&format!("/staff/draw-requests/{id}")),
        Err(e) => {
            let form = FormState::from_error(&e).with_values([("reason", value)]);
            render(&ctx, &a, &id, "staff", e.status(), form).await
        }
    }
}
