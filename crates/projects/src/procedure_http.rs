//! Routes of issue 21's procedures: the procedures table (public), invitations and interested
//! parties (crate::procedures), prequalification (crate::prequalification) and re-tender after 流标
//! (crate::retender).

use crate::prequalification::{self, NewPrequalification, Prequalification, Review};
use crate::procedures::{
    self, InterestedParty, InvitationList, Invitations, NewInterestedParty, ProcedureStages,
};
use crate::retender::{self, NewRetender, RetenderLinks, Retendered};
use axum::extract::State;
use axum::http::StatusCode;
use ggzy_core::http::{Json, Path};
use ggzy_core::Result;
use ggzy_identity::Actor;
use ggzy_store::Ctx;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(list_procedures))
        .routes(routes!(issue_invitations, list_invitations))
        .routes(routes!(declare_interested_party, list_interested_parties))
        .routes(routes!(open_prequalification, get_prequalification))
        .routes(routes!(apply_prequalification))
        .routes(routes!(review_prequalification))
        .routes(routes!(retender_section, retender_links))
}

/// Every procedure of every market with its stages, periods and sources (public).
#[utoipa::path(get, path = "/api/v1/procedures", tag = "projects",
    responses((status = 200, body = [ProcedureStages])))]
async fn list_procedures(State(ctx): State<Ctx>) -> Result<Json<Vec<ProcedureStages>>> {
    Ok(Json(procedures::list_all(&ctx).await?))
}

/// Issue the invitation letters (投标邀请书) of an invited section: the whole list, ≥ 3 (招标投标法
/// 17); before bidding opens (the project's tenderer or agency, staff).
#[utoipa::path(post, path = "/api/v1/sections/{id}/invitations", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = Invitations,
    responses((status = 200, body = InvitationList), (status = 403), (status = 404),
              (status = 409, description = "not an invited procedure, or bidding opened"),
              (status = 422, description = "fewer than the minimum, a bad USCC, the tenderer or an interested party")))]
async fn issue_invitations(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<Invitations>,
) -> Result<Json<InvitationList>> {
    Ok(Json(
        procedures::issue_invitations(&ctx, &actor, &id, input).await?,
    ))
}

/// The invitees of a section (the project's organization, staff, supervisors).
#[utoipa::path(get, path = "/api/v1/sections/{id}/invitations", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = InvitationList), (status = 403), (status = 404)))]
async fn list_invitations(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<InvitationList>> {
    Ok(Json(procedures::list_invitations(&ctx, &actor, &id).await?))
}

/// Declare an interested party of the tenderer on a section (实施条例 34): it may not register.
#[utoipa::path(post, path = "/api/v1/sections/{id}/interested-parties", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = NewInterestedParty,
    responses((status = 201, body = InterestedParty), (status = 403), (status = 404),
              (status = 409, description = "bidding opened, or already declared"), (status = 422)))]
async fn declare_interested_party(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<NewInterestedParty>,
) -> Result<(StatusCode, Json<InterestedParty>)> {
    let p = procedures::declare_interested_party(&ctx, &actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// The interested parties declared on a section (the project's organization, staff, supervisors).
#[utoipa::path(get, path = "/api/v1/sections/{id}/interested-parties", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = [InterestedParty]), (status = 403), (status = 404)))]
async fn list_interested_parties(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<InterestedParty>>> {
    Ok(Json(
        procedures::list_interested_parties(&ctx, &actor, &id).await?,
    ))
}

/// Open a prequalification round (资格预审; 实施条例 16, 17): documents sold ≥ 5 days, applications
/// due ≥ 5 days after the sale ends (the project's tenderer or agency, staff).
#[utoipa::path(post, path = "/api/v1/sections/{id}/prequalification", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = NewPrequalification,
    responses((status = 201, body = Prequalification), (status = 403), (status = 404),
              (status = 409, description = "no prequalification in this procedure, bidding opened, or a round is open or qualified"),
              (status = 422, description = "periods too short")))]
async fn open_prequalification(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<NewPrequalification>,
) -> Result<(StatusCode, Json<Prequalification>)> {
    let p = prequalification::open_round(&ctx, &actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// The latest prequalification round (a bidder sees its own application only).
#[utoipa::path(get, path = "/api/v1/sections/{id}/prequalification", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = Prequalification), (status = 403), (status = 404)))]
async fn get_prequalification(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Prequalification>> {
    Ok(Json(prequalification::get(&ctx, &actor, &id).await?))
}

/// Apply to the open prequalification round (bidder), until the applications are due.
#[utoipa::path(post, path = "/api/v1/sections/{id}/prequalification/applications", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 201, body = Prequalification), (status = 403), (status = 404),
              (status = 409, description = "no open round, after the due time, duplicate, own project")))]
async fn apply_prequalification(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Prequalification>)> {
    let p = prequalification::apply(&ctx, &actor, &id).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Record the review of the open round (实施条例 18, 19): one result with its reason per applicant;
/// every applicant gets a notice; fewer than 3 qualified fails the round.
#[utoipa::path(post, path = "/api/v1/sections/{id}/prequalification/review", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = Review,
    responses((status = 200, body = Prequalification), (status = 403), (status = 404),
              (status = 409, description = "no open round, or before the due time"), (status = 422)))]
async fn review_prequalification(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<Review>,
) -> Result<Json<Prequalification>> {
    Ok(Json(
        prequalification::review(&ctx, &actor, &id, input).await?,
    ))
}

/// Tender a failed section (流标) again in one step: a new section of the project refers to it
/// (the project's tenderer or agency, staff). A change of procedure needs the approval recorded.
#[utoipa::path(post, path = "/api/v1/sections/{id}/retender", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "failed section id")), request_body = NewRetender,
    responses((status = 201, body = Retendered), (status = 403), (status = 404),
              (status = 409, description = "not failed, or already tendered again"), (status = 422)))]
async fn retender_section(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<NewRetender>,
) -> Result<(StatusCode, Json<Retendered>)> {
    let r = retender::retender(&ctx, &actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// The re-tender links of a section: the failed section it re-tenders and the one that
/// re-tenders it (the project's organization, staff, supervisors).
#[utoipa::path(get, path = "/api/v1/sections/{id}/retender", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = RetenderLinks), (status = 403), (status = 404)))]
async fn retender_links(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<RetenderLinks>> {
    Ok(Json(retender::get_links(&ctx, &actor, &id).await?))
}
