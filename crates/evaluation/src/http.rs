//! Routes of the evaluation.

use crate::rules::MethodSpec;
use crate::service::{
    self, ChairVote, Clarification, ClarificationInput, MemberScores, Report, ReviewInput,
    ScoreInput, SignInput, Workbench,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ggzy_core::error::{problem_response, Problem};
use ggzy_core::http::{Json, Path};
use ggzy_core::Error;
use ggzy_identity::http::IpOf;
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

const READERS: &[Role] = &[Role::Expert, Role::Staff, Role::Supervisor, Role::Admin];

/// The evaluation routes answer the platform's errors (a committee member working from outside the
/// session room's terminal networks: 403 with the rule `evaluation.room_network`), and one of
/// their own: a platform fault on a stored document.
enum ApiError {
    Core(Error),
    /// A stored bid document does not match its SHA-256: a platform fault (500), never served.
    Integrity(crate::documents::IntegrityFault),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Core(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Core(e) => e.into_response(),
            ApiError::Integrity(f) => problem_response(&Problem {
                kind: "https://ggzy.dev/problems/platform-fault".into(),
                title: "Stored document failed its integrity check".into(),
                status: StatusCode::INTERNAL_SERVER_ERROR.as_u16(),
                detail: f.detail,
                rule: Some("evaluation.document_integrity".into()),
                errors: vec![],
            }),
        }
    }
}

type Result<T> = std::result::Result<T, ApiError>;

/// Refuse a committee member outside the session room's networks (see
/// [`service::room_network_gate`]).
async fn room_network(ctx: &Ctx, actor: &Actor, ip: &IpOf, section_id: &str) -> Result<()> {
    match service::room_network_gate(ctx, actor, &ip.0, section_id).await? {
        Some(o) => Err(ApiError::Core(o.into())),
        None => Ok(()),
    }
}

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(put_method))
        .routes(routes!(get_workbench))
        .routes(routes!(put_review))
        .routes(routes!(put_scores, get_my_scores))
        .routes(routes!(get_scores))
        .routes(routes!(get_report))
        .routes(routes!(post_sign))
        .routes(routes!(post_chair_vote))
        .routes(routes!(post_clarification, get_clarifications))
        .routes(routes!(post_answer))
        .routes(routes!(get_bid_documents))
        .routes(routes!(get_bid_document))
        .routes(routes!(post_price_check))
}

/// A member records the committee's conclusion on an abnormally low price (评标规定 第二十一条;
/// 87号令 第六十条): proved reasonable, or not — then the bid is rejected.
#[utoipa::path(post, path = "/api/v1/sections/{id}/evaluation/price-checks", tag = "evaluation",
    security(("bearer" = [])), params(("id" = String, Path, description = "section id")),
    request_body = service::PriceCheckInput,
    responses((status = 200, body = Workbench), (status = 403), (status = 404),
              (status = 409, description = "no abnormally low price awaits the committee"),
              (status = 422, description = "not a flagged bid; explanation length")))]
async fn post_price_check(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path(id): Path<String>,
    Json(input): Json<service::PriceCheckInput>,
) -> Result<Json<Workbench>> {
    actor.require(&[Role::Expert])?;
    room_network(&ctx, &actor, &ip, &id).await?;
    Ok(Json(
        service::record_price_check(&ctx, &actor, &id, input).await?,
    ))
}

/// The section's opened bids with their documents (name, media type, size, SHA-256, download).
#[utoipa::path(get, path = "/api/v1/sections/{id}/evaluation/bids", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = [crate::documents::BidDocuments]), (status = 403), (status = 404),
              (status = 409, description = "before the session")))]
async fn get_bid_documents(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path(id): Path<String>,
) -> Result<Json<Vec<crate::documents::BidDocuments>>> {
    actor.require(READERS)?;
    room_network(&ctx, &actor, &ip, &id).await?;
    Ok(Json(crate::documents::list(&ctx, &actor, &id).await?))
}

/// One document of an opened bid, as an attachment, checked against its SHA-256 before it is
/// served; every read is recorded (`evaluation.document.read`).
#[utoipa::path(get, path = "/api/v1/sections/{id}/evaluation/bids/{bid_id}/documents/{n}", tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "section id"), ("bid_id" = String, Path, description = "bid id"),
           ("n" = i64, Path, description = "1-based document number")),
    responses((status = 200, content_type = "application/octet-stream"), (status = 403), (status = 404),
              (status = 409, description = "before the session"),
              (status = 500, description = "the stored copy fails its SHA-256 (evaluation.document_integrity)")))]
async fn get_bid_document(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path((id, bid_id, n)): Path<(String, String, i64)>,
) -> Result<Response> {
    actor.require(READERS)?;
    room_network(&ctx, &actor, &ip, &id).await?;
    match crate::documents::read(&ctx, &actor, &id, &bid_id, n).await? {
        Ok(d) => Ok(crate::documents::response(d)),
        Err(f) => Err(ApiError::Integrity(f)),
    }
}

/// Declare the section's evaluation method (tenderer or agency of the owner), before the first bid.
#[utoipa::path(put, path = "/api/v1/sections/{id}/evaluation-method", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = MethodSpec,
    responses((status = 200, body = MethodSpec), (status = 403), (status = 404),
              (status = 409, description = "a bid already arrived"), (status = 422, description = "each broken field")))]
async fn put_method(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(spec): Json<MethodSpec>,
) -> Result<Json<MethodSpec>> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    Ok(Json(
        service::declare_method(&ctx, &actor, &id, spec).await?,
    ))
}

/// The committee's workbench: method, stage, members, opened bids, rejected bids.
#[utoipa::path(get, path = "/api/v1/sections/{id}/evaluation", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = Workbench), (status = 403), (status = 404)))]
async fn get_workbench(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path(id): Path<String>,
) -> Result<Json<Workbench>> {
    actor.require(READERS)?;
    room_network(&ctx, &actor, &ip, &id).await?;
    Ok(Json(service::workbench(&ctx, &actor, &id).await?))
}

/// Stage 1: a member's compliance/qualification review of every opened bid (once).
#[utoipa::path(put, path = "/api/v1/sections/{id}/evaluation/reviews/mine", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = ReviewInput,
    responses((status = 200, body = Workbench), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn put_review(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path(id): Path<String>,
    Json(input): Json<ReviewInput>,
) -> Result<Json<Workbench>> {
    actor.require(&[Role::Expert])?;
    room_network(&ctx, &actor, &ip, &id).await?;
    Ok(Json(
        service::submit_review(&ctx, &actor, &id, input).await?,
    ))
}

/// Stage 2: a member's points per bid and hand-scored criterion (once).
#[utoipa::path(put, path = "/api/v1/sections/{id}/evaluation/scores/mine", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = ScoreInput,
    responses((status = 200, body = [MemberScores]), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn put_scores(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path(id): Path<String>,
    Json(input): Json<ScoreInput>,
) -> Result<Json<Vec<MemberScores>>> {
    actor.require(&[Role::Expert])?;
    room_network(&ctx, &actor, &ip, &id).await?;
    Ok(Json(
        service::submit_scores(&ctx, &actor, &id, input).await?,
    ))
}

/// A member's own scores.
#[utoipa::path(get, path = "/api/v1/sections/{id}/evaluation/scores/mine", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = [MemberScores]), (status = 403), (status = 404)))]
async fn get_my_scores(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path(id): Path<String>,
) -> Result<Json<Vec<MemberScores>>> {
    actor.require(&[Role::Expert])?;
    room_network(&ctx, &actor, &ip, &id).await?;
    Ok(Json(service::scores(&ctx, &actor, &id, true).await?))
}

/// Every member's scores — 409 until every member has submitted.
#[utoipa::path(get, path = "/api/v1/sections/{id}/evaluation/scores", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = [MemberScores]), (status = 403), (status = 404),
              (status = 409, description = "not every member has submitted")))]
async fn get_scores(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path(id): Path<String>,
) -> Result<Json<Vec<MemberScores>>> {
    actor.require(READERS)?;
    room_network(&ctx, &actor, &ip, &id).await?;
    Ok(Json(service::scores(&ctx, &actor, &id, false).await?))
}

/// The evaluation report (draft once review and scoring are complete; final once all signed).
#[utoipa::path(get, path = "/api/v1/sections/{id}/evaluation/report", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = Report), (status = 403), (status = 404), (status = 409)))]
async fn get_report(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path(id): Path<String>,
) -> Result<Json<Report>> {
    actor.require(READERS)?;
    room_network(&ctx, &actor, &ip, &id).await?;
    Ok(Json(service::report(&ctx, &actor, &id).await?))
}

/// A member signs the report, optionally with a dissent; the last signature emits
/// `evaluation.report.signed`.
#[utoipa::path(post, path = "/api/v1/sections/{id}/evaluation/report/sign", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = SignInput,
    responses((status = 200, body = Report), (status = 403), (status = 404), (status = 409)))]
async fn post_sign(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path(id): Path<String>,
    Json(input): Json<SignInput>,
) -> Result<Json<Report>> {
    actor.require(&[Role::Expert])?;
    room_network(&ctx, &actor, &ip, &id).await?;
    Ok(Json(service::sign(&ctx, &actor, &id, input).await?))
}

/// A member's vote for the chair (组长); more than half of the committee elects.
#[utoipa::path(post, path = "/api/v1/sections/{id}/evaluation/chair-votes", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = ChairVote,
    responses((status = 200, body = Workbench), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn post_chair_vote(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path(id): Path<String>,
    Json(input): Json<ChairVote>,
) -> Result<Json<Workbench>> {
    actor.require(&[Role::Expert])?;
    room_network(&ctx, &actor, &ip, &id).await?;
    Ok(Json(service::vote_chair(&ctx, &actor, &id, input).await?))
}

/// A member asks a bidder to clarify, with a reply deadline.
#[utoipa::path(post, path = "/api/v1/sections/{id}/evaluation/clarifications", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = ClarificationInput,
    responses((status = 201, body = Clarification), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn post_clarification(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path(id): Path<String>,
    Json(input): Json<ClarificationInput>,
) -> Result<(StatusCode, Json<Clarification>)> {
    actor.require(&[Role::Expert])?;
    room_network(&ctx, &actor, &ip, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(service::ask(&ctx, &actor, &id, input).await?),
    ))
}

/// Clarifications of a section (a bidder sees those addressed to it).
#[utoipa::path(get, path = "/api/v1/sections/{id}/evaluation/clarifications", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = [Clarification]), (status = 403), (status = 404)))]
async fn get_clarifications(
    State(ctx): State<Ctx>,
    actor: Actor,
    ip: IpOf,
    Path(id): Path<String>,
) -> Result<Json<Vec<Clarification>>> {
    actor.require(&[
        Role::Expert,
        Role::Staff,
        Role::Supervisor,
        Role::Admin,
        Role::Bidder,
    ])?;
    room_network(&ctx, &actor, &ip, &id).await?;
    Ok(Json(service::clarifications(&ctx, &actor, &id).await?))
}

/// The bidder's answer `{"answer": "…"}` by the reply deadline; any other field (a price) is refused.
#[utoipa::path(post, path = "/api/v1/evaluation/clarifications/{id}/answer", tag = "evaluation", security(("bearer" = [])),
    params(("id" = String, Path, description = "clarification id")), request_body = Object,
    responses((status = 200, body = Clarification), (status = 403), (status = 404),
              (status = 409, description = "answered or past the reply deadline"), (status = 422)))]
async fn post_answer(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<Value>,
) -> Result<Json<Clarification>> {
    actor.require(&[Role::Bidder])?;
    Ok(Json(service::answer(&ctx, &actor, &id, input).await?))
}
