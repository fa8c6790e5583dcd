//! Staff's and supervisors' archive pages (`/staff/archives`, `/supervisor/archives`): the list
//! (filter by market, project, end dates), one archive (retention with its basis, checkpoint,
//! events and documents of the manifest) and the bundle download — each one call of the API's
//! use case (`service::list`, `service::get`, `service::bundle_bytes`).

use crate::service::{self, ArchiveDetail, ArchiveFilter, ArchiveSummary};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::frame::{self, page_status};
use ggzy_web::{Lang, PageActor};

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/staff/archives", get(list_staff))
        .route("/staff/archives/{id}", get(one_staff))
        .route("/staff/archives/{id}/bundle", get(bundle_staff))
        .route("/supervisor/archives", get(list_supervisor))
        .route("/supervisor/archives/{id}", get(one_supervisor))
        .route("/supervisor/archives/{id}/bundle", get(bundle_supervisor))
}

fn market_label(m: &str, l: Lang) -> &'static str {
    match m {
        "construction" => l.t("工程建设", "Construction"),
        "procurement" => l.t("政府采购", "Government procurement"),
        "land" => l.t("土地使用权和矿业权", "Land and mining rights"),
        "property" => l.t("国有产权", "State-owned property rights"),
        _ => l.t("其他", "Other"),
    }
}

fn ended_label(t: &str, l: Lang) -> &'static str {
    match t {
        "projects.contract.signed" => l.t("合同签订", "contract signed"),
        "projects.section.concluded" => l.t("成交", "deal concluded"),
        "projects.section.failed" => l.t("流标", "failed"),
        "projects.section.terminated" => l.t("终止", "terminated"),
        _ => l.t("其他", "other"),
    }
}

struct Line {
    id: String,
    section_id: String,
    project_id: String,
    market: &'static str,
    ended: &'static str,
    ended_on: String,
    retain_until: String,
    years: i64,
    events: i64,
    documents: i64,
    disposed: bool,
}

impl Line {
    fn of(a: &ArchiveSummary, l: Lang) -> Line {
        Line {
            id: a.id.clone(),
            section_id: a.section_id.clone(),
            project_id: a.project_id.clone(),
            market: market_label(&a.market, l),
            ended: ended_label(&a.ended_by, l),
            ended_on: a.ended_on.clone(),
            retain_until: a.retain_until.clone(),
            years: a.retention_years,
            events: a.event_count,
            documents: a.document_count,
            disposed: a.disposed_at.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "archives/list.html")]
struct ListPage {
    l: Lang,
    base: &'static str,
    lines: Vec<Line>,
    market: String,
    project_id: String,
    ended_from: String,
    ended_to: String,
    markets: Vec<(&'static str, &'static str)>,
}

fn base_of(role: Role) -> &'static str {
    if role == Role::Supervisor {
        "/supervisor/archives"
    } else {
        "/staff/archives"
    }
}

async fn list(ctx: Ctx, a: PageActor, role: Role, f: ArchiveFilter) -> Response {
    if let Err(r) = a.require(&[role]) {
        return r;
    }
    let c = &a.chrome;
    let l = c.lang;
    match service::list(&ctx, &a.actor, &f).await {
        Ok(v) => {
            let p = ListPage {
                l,
                base: base_of(role),
                lines: v.iter().map(|x| Line::of(x, l)).collect(),
                market: f.market.unwrap_or_default(),
                project_id: f.project_id.unwrap_or_default(),
                ended_from: f.ended_from.unwrap_or_default(),
                ended_to: f.ended_to.unwrap_or_default(),
                markets: ["construction", "procurement", "land", "property"]
                    .into_iter()
                    .map(|m| (m, market_label(m, l)))
                    .collect(),
            };
            page_status(c, StatusCode::OK, l.t("交易档案", "Trade archives"), &p)
        }
        Err(e) => frame::error_page(c, &e),
    }
}

struct EventLine {
    seq: i64,
    event_type: String,
    at: String,
    actor: String,
}

struct DocLine {
    kind: String,
    name: String,
    sha256: String,
    size: String,
    present: bool,
}

#[derive(Template)]
#[template(path = "archives/detail.html")]
struct DetailPage {
    l: Lang,
    base: &'static str,
    line: Line,
    basis: String,
    confirmed: bool,
    bundle_sha256: String,
    bundle_size: i64,
    verifier_key: String,
    tree_size: u64,
    root_hash: String,
    built_at: String,
    disposed_at: String,
    disposal_reason: String,
    events: Vec<EventLine>,
    documents: Vec<DocLine>,
}

async fn one(ctx: Ctx, a: PageActor, role: Role, id: String) -> Response {
    if let Err(r) = a.require(&[role]) {
        return r;
    }
    let c = &a.chrome;
    let l = c.lang;
    let d: ArchiveDetail = match service::get(&ctx, &a.actor, &id).await {
        Ok(d) => d,
        Err(e) => return frame::error_page(c, &e),
    };
    let x = &d.archive;
    let p = DetailPage {
        l,
        base: base_of(role),
        line: Line::of(x, l),
        basis: x.retention_basis.clone(),
        confirmed: x.retention_confirmed,
        bundle_sha256: x.bundle_sha256.clone(),
        bundle_size: x.bundle_size,
        verifier_key: x.verifier_key.clone(),
        tree_size: d.manifest.checkpoint.tree_size,
        root_hash: d.manifest.checkpoint.root_hash.clone(),
        built_at: ggzy_web::fmt::beijing_time(&x.built_at),
        disposed_at: x
            .disposed_at
            .as_ref()
            .map(ggzy_web::fmt::beijing_time)
            .unwrap_or_default(),
        disposal_reason: x.disposal_reason.clone().unwrap_or_default(),
        events: d
            .manifest
            .events
            .iter()
            .map(|e| EventLine {
                seq: e.seq,
                event_type: e.event_type.clone(),
                at: ggzy_web::fmt::beijing_time(&ggzy_core::time::from_micros(e.occurred_at_us)),
                actor: e.actor.clone(),
            })
            .collect(),
        documents: d
            .manifest
            .documents
            .iter()
            .map(|x| DocLine {
                kind: x.kind.clone(),
                name: x.name.clone(),
                sha256: x.sha256.clone().unwrap_or_default(),
                size: x.size.map(|s| s.to_string()).unwrap_or_default(),
                present: x.path.is_some(),
            })
            .collect(),
    };
    page_status(c, StatusCode::OK, l.t("交易档案", "Trade archive"), &p)
}

async fn bundle(ctx: Ctx, a: PageActor, role: Role, id: String) -> Response {
    if let Err(r) = a.require(&[role]) {
        return r;
    }
    match service::bundle_bytes(&ctx, &a.actor, &id).await {
        Ok((x, bytes)) => crate::http::bundle_response(&x, bytes),
        Err(e) => frame::error_page(&a.chrome, &e),
    }
}

async fn list_staff(
    State(ctx): State<Ctx>,
    a: PageActor,
    Query(f): Query<ArchiveFilter>,
) -> Response {
    list(ctx, a, Role::Staff, f).await
}

async fn list_supervisor(
    State(ctx): State<Ctx>,
    a: PageActor,
    Query(f): Query<ArchiveFilter>,
) -> Response {
    list(ctx, a, Role::Supervisor, f).await
}

async fn one_staff(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    one(ctx, a, Role::Staff, id).await
}

async fn one_supervisor(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    one(ctx, a, Role::Supervisor, id).await
}

async fn bundle_staff(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    bundle(ctx, a, Role::Staff, id).await
}

async fn bundle_supervisor(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Response {
    bundle(ctx, a, Role::Supervisor, id).await
}
