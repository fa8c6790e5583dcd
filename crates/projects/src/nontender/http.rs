use super::*;
use axum::extract::State;
use ggzy_core::http::{Json, Path};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(get_rounds, post_round))
        .routes(routes!(post_result))
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
