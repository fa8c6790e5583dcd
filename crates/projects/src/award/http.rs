use super::*;
use axum::extract::State;
use axum::http::StatusCode;
use ggzy_core::http::{Json, Path};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(post_result, get_result))
        .routes(routes!(post_award, get_award_notice))
        .routes(routes!(post_contract))
        .routes(routes!(post_terminate))
}

/// Submit the evaluation committee's result (staff, or the project's agency) for a section in
/// `evaluating`: ranked candidates (≤ 3, registered bidders with an opened bid) and the
/// publicity length (≥ 3 days, 实施条例 54). The section moves to `publicizing`.
#[utoipa::path(post, path = "/api/v1/sections/{id}/evaluation-result", tag = "award", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = EvaluationResultInput,
    responses((status = 201, body = Publicity), (status = 403), (status = 404),
              (status = 409, description = "section not evaluating"), (status = 422, description = "each broken field")))]
async fn post_result(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<EvaluationResultInput>,
) -> Result<(StatusCode, Json<Publicity>)> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let p = submit_result(&ctx, &actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// The evaluation result and candidate publicity of a section.
#[utoipa::path(get, path = "/api/v1/sections/{id}/evaluation-result", tag = "award", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = Publicity), (status = 403), (status = 404)))]
async fn get_result(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Publicity>> {
    actor.require(READERS)?;
    Ok(Json(get_publicity(&ctx, &actor, &id).await?))
}

/// Confirm the winner (定标; the project's tenderer or agency) after the publicity ended, with
/// no remedies case suspending it (an unanswered result objection): the first candidate unless a documented reason (实施条例 55). Issues
/// the award notice (中标通知书); the contract is due within 30 days (招标投标法 46).
#[utoipa::path(post, path = "/api/v1/sections/{id}/award", tag = "award", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = AwardInput,
    responses((status = 201, body = Award), (status = 403), (status = 404),
              (status = 409, description = "illegal state, publicity running or suspended by a remedies case"), (status = 422)))]
async fn post_award(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<AwardInput>,
) -> Result<(StatusCode, Json<Award>)> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let a = confirm_award(&ctx, &actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// The award notice of a section, with the contract once recorded.
#[utoipa::path(get, path = "/api/v1/sections/{id}/award", tag = "award", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = Award), (status = 403), (status = 404)))]
async fn get_award_notice(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Award>> {
    actor.require(READERS)?;
    Ok(Json(get_award(&ctx, &actor, &id).await?))
}

/// Record the signed contract (the project's tenderer or agency). Late contracts (after 30
/// days, 招标投标法 46) are recorded and flagged `late`.
#[utoipa::path(post, path = "/api/v1/sections/{id}/contract", tag = "award", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = ContractInput,
    responses((status = 201, body = Award), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn post_contract(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<ContractInput>,
) -> Result<(StatusCode, Json<Award>)> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let a = record_contract(&ctx, &actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Terminate a section (终止招标; the project's tenderer or agency, with a reason).
#[utoipa::path(post, path = "/api/v1/sections/{id}/terminate", tag = "award", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = TerminateInput,
    responses((status = 200, body = Termination), (status = 403), (status = 404),
              (status = 409, description = "final state"), (status = 422)))]
async fn post_terminate(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<TerminateInput>,
) -> Result<Json<Termination>> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    Ok(Json(terminate(&ctx, &actor, &id, input).await?))
}
