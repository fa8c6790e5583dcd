use super::*;
use axum::extract::State;
use ggzy_core::http::{Json, Path};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(get_rounds, post_round))
        .routes(routes!(post_result))
        .routes(routes!(post_exception, get_exception))
        .routes(routes!(post_invitation, get_invitation))
}

/// Declare how a negotiation's, inquiry's or consultation's suppliers are invited (财政部令第74号
/// 第十二条; 财库〔2014〕214号 第六条), before bidding opens: `announcement`, `draw` (≥ 3 drawn from the
/// named supplier database by a recorded seed; final) or `recommendation` (≥ 3, the purchaser's
/// share ≤ 50 %). With a draw or recommendations only the invitees register.
#[utoipa::path(post, path = "/api/v1/sections/{id}/supplier-invitation", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = invitation::InvitationInput,
    responses((status = 200, body = invitation::SupplierInvitation), (status = 403), (status = 404),
              (status = 409, description = "not negotiation, inquiry or consultation; bidding opened; or already drawn"),
              (status = 422, description = "fewer than 3, the purchaser's share over 50 %, a pool too small, a bad USCC")))]
async fn post_invitation(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<invitation::InvitationInput>,
) -> Result<Json<invitation::SupplierInvitation>> {
    Ok(Json(invitation::declare(&ctx, &actor, &id, input).await?))
}

/// How the section's suppliers are invited (announcement when nothing was declared).
#[utoipa::path(get, path = "/api/v1/sections/{id}/supplier-invitation", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = invitation::SupplierInvitation), (status = 403), (status = 404),
              (status = 409, description = "not negotiation, inquiry or consultation")))]
async fn get_invitation(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<invitation::SupplierInvitation>> {
    Ok(Json(invitation::get(&ctx, &actor, &id).await?))
}

/// Declare a consultation's 2-supplier exception (财库〔2014〕214号 第二十一条第三款; 财库〔2015〕124号)
/// before bidding opens: the consultation then goes on with 2 qualified suppliers.
#[utoipa::path(post, path = "/api/v1/sections/{id}/consultation-exception", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = exception::ExceptionInput,
    responses((status = 201, body = exception::TwoSupplierException), (status = 403), (status = 404),
              (status = 409, description = "not a consultation, bidding opened, or already declared"),
              (status = 422, description = "unknown ground or no reason")))]
async fn post_exception(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<exception::ExceptionInput>,
) -> Result<(
    axum::http::StatusCode,
    Json<exception::TwoSupplierException>,
)> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(exception::declare(&ctx, &actor, &id, input).await?),
    ))
}

/// A consultation's declared 2-supplier exception (404 when none).
#[utoipa::path(get, path = "/api/v1/sections/{id}/consultation-exception", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = exception::TwoSupplierException), (status = 403), (status = 404)))]
async fn get_exception(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<exception::TwoSupplierException>> {
    Ok(Json(exception::get(&ctx, &actor, &id).await?))
}

/// The rounds of negotiation / consultation of a non-tender procurement section.
#[utoipa::path(get, path = "/api/v1/sections/{id}/negotiation", tag = "award", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Negotiation)))]
async fn get_rounds(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Negotiation>> {
    Ok(Json(get_negotiation(&ctx, &actor, &id).await?))
}

/// Record a round (the final round records the final quotes).
#[utoipa::path(post, path = "/api/v1/sections/{id}/negotiation", tag = "award", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RoundInput,
    responses((status = 201, body = Negotiation)))]
async fn post_round(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<RoundInput>,
) -> Result<(axum::http::StatusCode, Json<Negotiation>)> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(record_round(&ctx, &actor, &id, input).await?),
    ))
}

/// The result by the section's method (lowest price, or consultation's scoring), handed to
/// procurement's award path; or the procedure ends with too few suppliers.
#[utoipa::path(post, path = "/api/v1/sections/{id}/nontender-result", tag = "award", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NonTenderResultInput,
    responses((status = 201, body = NonTenderResult)))]
async fn post_result(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<NonTenderResultInput>,
) -> Result<(axum::http::StatusCode, Json<NonTenderResult>)> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(submit_result(&ctx, &actor, &id, input).await?),
    ))
}
