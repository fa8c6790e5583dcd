//! Centre staff's page of an expert draw (`/staff/draws/{id}`): the request, the commitment, the
//! committee and backups with their state (staff only, 招标投标法 第三十七条), the number left out,
//! and the reveal of the seed; and the public verification page of a revealed draw
//! (`/draws/{id}/verify`), which recomputes the committee from the seed and the stored snapshot
//! (`service::verify_stored`, the check behind the API's `verify` and `ggzy draw verify`). The
//! verification shows only the seed, the commitment, the snapshot digest and whether each matches:
//! no names.

use crate::service::{self, Member};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt::{beijing_time, datetime_attr};
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor, PublicPage};
use serde::Deserialize;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/staff/draws/{id}", get(draw_page))
        .route("/staff/draws/{id}/reveal", post(reveal))
        .route("/draws/{id}/verify", get(verify_page))
}

fn member_status(s: &str, l: Lang) -> &'static str {
    match s {
        "pending" => l.t("待确认", "awaiting confirmation"),
        "confirmed" => l.t("已确认", "confirmed"),
        "declined" => l.t("已拒绝", "declined"),
        "timed_out" => l.t("逾期未确认", "not confirmed in time"),
        "recused" => l.t("已回避", "recused"),
        "standby" => l.t("备选（未启用）", "standby"),
        "skipped" => l.t("已跳过", "skipped"),
        "cancelled" => l.t("已取消", "cancelled"),
        _ => l.t("其他", "other"),
    }
}

struct MemberLine {
    name: String,
    specialty: String,
    status: &'static str,
    reason: String,
}

impl MemberLine {
    fn of(m: &Member, l: Lang) -> MemberLine {
        MemberLine {
            name: m.name.clone(),
            specialty: m.specialty.clone(),
            status: member_status(&m.status, l),
            reason: m.reason.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/draw.html")]
struct DrawPage<'a> {
    c: &'a Chrome,
    l: Lang,
    id: String,
    attempt: i64,
    created: String,
    created_attr: String,
    session_start: String,
    session_end: String,
    specialties: Vec<(String, u32, u32)>,
    commitment: String,
    snapshot_digest: String,
    eligible: usize,
    excluded: usize,
    /// How many were left out for each reason (no party named).
    exclusion_counts: String,
    members: Vec<MemberLine>,
    backups: Vec<MemberLine>,
    revealed: Option<String>,
    seed: Option<String>,
    /// A two-step draw (crate::contrib): its request page shows the contributions.
    contributed: bool,
    form: FormState,
}

async fn render_draw(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    form: FormState,
) -> Response {
    let c = &a.chrome;
    let l = c.lang;
    let d = match service::get_draw(ctx, &a.actor, id).await {
        Ok(d) => d,
        Err(e) => return frame::error_page(c, &e),
    };
    let p = DrawPage {
        c,
        l,
        id: d.id.clone(),
        attempt: d.attempt,
        created: beijing_time(&d.created_at),
        created_attr: datetime_attr(&d.created_at),
        session_start: beijing_time(&d.request.session_start),
        session_end: beijing_time(&d.request.session_end),
        specialties: d
            .request
            .specialties
            .iter()
            .map(|s| (s.specialty.clone(), s.count, s.backups))
            .collect(),
        commitment: d.commitment.clone(),
        snapshot_digest: d.snapshot_digest.clone(),
        eligible: d.eligible_count,
        excluded: d.excluded.len(),
        exclusion_counts: d
            .exclusion_counts
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(" · "),
        members: d.members.iter().map(|m| MemberLine::of(m, l)).collect(),
        backups: d.backups.iter().map(|m| MemberLine::of(m, l)).collect(),
        revealed: d.revealed_at.as_ref().map(beijing_time),
        seed: d.seed.clone(),
        contributed: d.scheme.is_some(),
        form,
    };
    page_status(c, status, l.t("专家抽取", "Expert draw"), &p)
}

/// A draw as staff see it, with the reveal button until the seed is public.
async fn draw_page(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&[Role::Staff, Role::Admin]) {
        return r;
    }
    render_draw(&ctx, &a, &id, StatusCode::OK, FormState::new()).await
}

/// Only the CSRF token (checked by the frame).
#[derive(Deserialize)]
pub struct Empty {}

/// Reveal the seed: `service::reveal` (409 `draw.already_revealed` the second time).
async fn reveal(State(ctx): State<Ctx>, Path(id): Path<String>, f: CsrfForm<Empty>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Staff, Role::Admin]) {
        return r;
    }
    match service::reveal(&ctx, &a.actor, &id).await {
        Ok(_) => see_other(&format!("/staff/draws/{id}")),
        Err(e) => render_draw(&ctx, &a, &id, e.status(), FormState::from_error(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "staff/verify.html")]
struct VerifyPage {
    l: Lang,
    id: String,
    seed: String,
    commitment: String,
    snapshot_digest: String,
    commitment_matches: bool,
    snapshot_digest_matches: bool,
    committee_matches: bool,
    valid: bool,
    /// Every input of a two-step draw (crate::contrib) and its checks.
    contribution: Option<crate::contrib::ContributionReport>,
}

/// The public verification of a revealed draw (anyone, no sign-in): recomputed now.
async fn verify_page(
    State(ctx): State<Ctx>,
    PublicPage(c): PublicPage,
    Path(id): Path<String>,
) -> Response {
    let l = c.lang;
    match service::verify_stored(&ctx, &id).await {
        Ok(r) => {
            let p = VerifyPage {
                l,
                id: r.draw_id,
                seed: r.seed,
                commitment: r.commitment,
                snapshot_digest: r.snapshot_digest,
                commitment_matches: r.verification.commitment_matches,
                snapshot_digest_matches: r.verification.snapshot_digest_matches,
                committee_matches: r.verification.committee_matches,
                valid: r.verification.valid,
                contribution: r.contribution,
            };
            page_status(
                &c,
                StatusCode::OK,
                l.t("专家抽取验证", "Draw verification"),
                &p,
            )
        }
        Err(e) => frame::error_page(&c, &e),
    }
}
