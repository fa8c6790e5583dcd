//! Routes.

use super::*;

// Routes.

pub fn routes() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(post_key))
        .routes(routes!(get_opening))
        .routes(routes!(post_fault_declaration))
}

/// Declare that a bid cannot be decrypted because of the platform or the CA (staff, during the
/// decryption window): the bid is deemed withdrawn (撤回, `withdrawn_platform_fault`), never
/// revoked, and the declaration with its reason is part of the opening record (电子招标投标办法
/// 第三十一条). 422 `opening.fault_kind` / `opening.fault_reason`, 404 unknown bid, 409
/// `opening.window_closed` / `opening.not_open` / `opening.already_decrypted`.
#[utoipa::path(post, path = "/api/v1/sections/{id}/opening/fault-declarations", tag = "bids", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = FaultDeclarationInput,
    responses((status = 201, body = FaultDeclaration), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub(super) async fn post_fault_declaration(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<FaultDeclarationInput>,
) -> Result<(axum::http::StatusCode, Json<FaultDeclaration>)> {
    actor.require(&[Role::Staff])?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(declare_fault(&ctx, &actor, &id, input).await?),
    ))
}

/// Submit the caller organization's decryption key during the opening (bidder). The platform
/// decrypts the stored package, checks its digest and reads the sealed price. 422
/// `opening.wrong_key` (nothing changes; retry allowed), 409 `opening.window_closed` /
/// `opening.not_open` / `opening.already_decrypted`.
#[utoipa::path(post, path = "/api/v1/sections/{id}/bids/mine/key", tag = "bids", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = KeySubmission,
    responses((status = 200, body = KeyOutcome), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub(super) async fn post_key(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<KeySubmission>,
) -> Result<Json<KeyOutcome>> {
    actor.require(&[Role::Bidder])?;
    Ok(Json(submit_key(&ctx, &actor, &id, input).await?))
}

/// The opening record (开标记录) of a section, once decryption has ended: bidders registered for
/// the section, the project's tenderer/agency, staff, supervisors. 409 `opening.not_recorded` before.
#[utoipa::path(get, path = "/api/v1/sections/{id}/opening", tag = "bids", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = OpeningRecord), (status = 403), (status = 404), (status = 409)))]
pub(super) async fn get_opening(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<OpeningRecord>> {
    actor.require(&[
        Role::Bidder,
        Role::Tenderer,
        Role::Agency,
        Role::Staff,
        Role::Supervisor,
    ])?;
    Ok(Json(get_record(&ctx, &actor, &id).await?))
}
