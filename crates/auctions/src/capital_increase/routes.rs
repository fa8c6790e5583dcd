//! The HTTP routes of the capital increase.

use super::*;

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(create_route))
        .routes(routes!(get_route))
        .routes(routes!(select_route))
        .routes(routes!(agree_route))
        .routes(routes!(failure_route))
        .merge(crate::capital_follow::router())
}

/// Open a capital increase (企业增资) of a `capital_increase` section: its disclosure (≥ 40
/// working days from the published announcement, 32号令 第三十九条), amount sought, selection
/// method and disclosed criteria.
#[utoipa::path(post, path = "/api/v1/capital-increases", tag = "auctions",
    security(("bearer" = [])), request_body = NewCapitalIncrease,
    responses((status = 201, body = CapitalIncreaseView), (status = 403), (status = 404),
              (status = 409, description = "not a capital-increase section, or already opened"),
              (status = 422, description = "period, amount, method or criteria rule broken")))]
async fn create_route(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Json(n): Json<NewCapitalIncrease>,
) -> Result<(axum::http::StatusCode, Json<CapitalIncreaseView>)> {
    actor.require(&[Role::Staff, Role::Admin, Role::Tenderer, Role::Agency])?;
    let v = create(&ctx, &actor, n).await?;
    Ok((axum::http::StatusCode::CREATED, Json(v)))
}

/// A capital increase with its criteria, the scored selection and the agreement.
#[utoipa::path(get, path = "/api/v1/capital-increases/{id}", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CapitalIncreaseView), (status = 403), (status = 404)))]
async fn get_route(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<CapitalIncreaseView>> {
    Ok(Json(view(&ctx, &actor, &id).await?))
}

/// Record the enterprise's selection (遴选) after the disclosure: every qualified investor's
/// points on every disclosed criterion; the highest total is the investor (not the highest amount).
#[utoipa::path(post, path = "/api/v1/capital-increases/{id}/selection", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = SelectionInput,
    responses((status = 200, body = CapitalIncreaseView), (status = 403), (status = 404),
              (status = 409, description = "disclosure running, no investor, or already selected"),
              (status = 422, description = "an investor, criterion, points or the record is invalid")))]
async fn select_route(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<SelectionInput>,
) -> Result<Json<CapitalIncreaseView>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Tenderer, Role::Agency])?;
    Ok(Json(select(&ctx, &actor, &id, input).await?))
}

/// Record the capital-increase agreement (增资协议) and start the result announcement (≥ 5
/// working days); the agreement is the deal (`auctions.deal.confirmed`).
#[utoipa::path(post, path = "/api/v1/capital-increases/{id}/agreement", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = AgreementInput,
    responses((status = 201, body = CapitalIncreaseView), (status = 403), (status = 404),
              (status = 409, description = "no selection yet, or already agreed"),
              (status = 422, description = "number, date or publicity period invalid")))]
async fn agree_route(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<AgreementInput>,
) -> Result<(axum::http::StatusCode, Json<CapitalIncreaseView>)> {
    actor.require(&[Role::Staff, Role::Admin, Role::Tenderer, Role::Agency])?;
    let v = agree(&ctx, &actor, &id, input).await?;
    Ok((axum::http::StatusCode::CREATED, Json(v)))
}

/// Record that the capital increase ends without an investor (未征集到意向投资方, 终结): after the
/// disclosure end, when no qualified investor applied. Emits `auctions.capital_increase.failed`
/// and `auctions.listing.failed` (deposits refund, publishing drafts the notice).
#[utoipa::path(post, path = "/api/v1/capital-increases/{id}/failure", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = FailureInput,
    responses((status = 200, body = CapitalIncreaseView), (status = 403), (status = 404),
              (status = 409, description = "disclosure running, a qualified investor applied, or not in disclosure"),
              (status = 422, description = "no reason stated")))]
async fn failure_route(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<FailureInput>,
) -> Result<Json<CapitalIncreaseView>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Tenderer, Role::Agency])?;
    Ok(Json(record_failure(&ctx, &actor, &id, input).await?))
}
