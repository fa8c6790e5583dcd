//! Routes of remedies: `/api/v1/sections/{id}/remedies` and `/api/v1/remedies/…`.

use crate::service::{
    self, AcceptInput, AnswerInput, Case, DecideInput, EscalateInput, RaiseInput, RefuseInput,
    RuleView,
};
use axum::extract::State;
use axum::http::StatusCode;
use ggzy_core::http::{Json, Path};
use ggzy_core::Result;
use ggzy_identity::Actor;
use ggzy_store::Ctx;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(raise, list_section))
        .routes(routes!(rules))
        .routes(routes!(mine))
        .routes(routes!(complaints))
        .routes(routes!(get_case))
        .routes(routes!(answer))
        .routes(routes!(close))
        .routes(routes!(escalate))
        .routes(routes!(accept))
        .routes(routes!(refuse))
        .routes(routes!(decide))
        .routes(routes!(upload_attachment))
        .routes(routes!(download_attachment))
        .routes(routes!(get_overrides, put_override))
        .routes(routes!(remove_override))
        // The attachment's own cap answers 422 `remedy.attachment_too_large`; the body limit
        // only stops a far larger body (413).
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::attachments::MAX_BYTES + 64 * 1024,
        ))
}

/// The file name of an uploaded attachment.
#[derive(Debug, Clone, serde::Deserialize, utoipa::IntoParams)]
pub struct AttachmentName {
    /// The file name shown (1–200 characters, no path separators).
    pub name: Option<String>,
}

/// A party uploads an attachment of the grounds of a case it is about to raise (PDF, PNG or
/// JPEG, recognised from the content; at most 10 MiB); the server stores it and records its
/// SHA-256. Raising or escalating names its id in `attachments`.
#[utoipa::path(post, path = "/api/v1/sections/{id}/remedies/attachments", tag = "remedies",
    security(("bearer" = [])), params(("id" = String, Path), AttachmentName),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = crate::attachments::Attachment), (status = 403), (status = 404),
              (status = 413), (status = 422, description = "empty, too large \
               (`remedy.attachment_too_large`), not a PDF/PNG/JPEG (`remedy.attachment_type`), \
               file name missing (`remedy.attachment_name`)")))]
async fn upload_attachment(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    ggzy_core::http::Query(q): ggzy_core::http::Query<AttachmentName>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<crate::attachments::Attachment>)> {
    Ok((
        StatusCode::CREATED,
        Json(crate::attachments::upload(&ctx, &actor, &id, q.name.as_deref(), body).await?),
    ))
}

/// The bytes of an attachment of a case (its raiser, the project's tenderer or agency, staff,
/// supervisors, admin); `X-Content-SHA256` carries the recorded digest.
#[utoipa::path(get, path = "/api/v1/remedies/{id}/attachments/{attachment_id}", tag = "remedies",
    security(("bearer" = [])), params(("id" = String, Path), ("attachment_id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
              (status = 403), (status = 404)))]
async fn download_attachment(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let (a, data) = crate::attachments::download(&ctx, &actor, &id, &attachment_id).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, a.content_type.clone()),
            (
                axum::http::header::HeaderName::from_static("x-content-sha256"),
                a.sha256.clone(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment".to_string(),
            ),
        ],
        data,
    )
        .into_response())
}

/// Raise an objection (异议), a challenge (质疑) or a construction complaint (投诉) about a section
/// (a bidder or supplier that obtained its documents). The period is the rules table's
/// (`GET /api/v1/remedies/rules`); a case whose rule suspends the activity suspends the section
/// until it is answered.
#[utoipa::path(post, path = "/api/v1/sections/{id}/remedies", tag = "remedies",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = RaiseInput,
    responses((status = 201, body = Case), (status = 403), (status = 404),
              (status = 422, description = "kind/target unknown or not available in the market, \
               grounds missing, the period ended (`remedy.raise_period_ended`), a complaint that \
               must follow a challenge (`remedy.requires_prior`)")))]
async fn raise(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<RaiseInput>,
) -> Result<(StatusCode, Json<Case>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::raise(&ctx, &actor, &id, input).await?),
    ))
}

/// The cases of a section: its bidders (who raised another bidder's case is not shown), its
/// tenderer or agency, staff and supervisors.
#[utoipa::path(get, path = "/api/v1/sections/{id}/remedies", tag = "remedies",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = [Case]), (status = 403), (status = 404)))]
async fn list_section(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<Case>>> {
    Ok(Json(service::list_by_section(&ctx, &actor, &id).await?))
}

/// The remedies rules table: every market's periods with their articles.
#[utoipa::path(get, path = "/api/v1/remedies/rules", tag = "remedies",
    security(("bearer" = [])), responses((status = 200, body = [RuleView])))]
async fn rules(State(ctx): State<Ctx>, _actor: Actor) -> Result<Json<Vec<RuleView>>> {
    Ok(Json(service::list_rules(&ctx).await?))
}

/// The cases the caller's organization raised (bidders).
#[utoipa::path(get, path = "/api/v1/remedies/mine", tag = "remedies",
    security(("bearer" = [])), responses((status = 200, body = [Case]), (status = 403)))]
async fn mine(State(ctx): State<Ctx>, actor: Actor) -> Result<Json<Vec<Case>>> {
    Ok(Json(service::list_mine(&ctx, &actor).await?))
}

/// Complaints waiting for the supervisor's acceptance or decision (supervisors, staff, admin).
#[utoipa::path(get, path = "/api/v1/remedies/complaints", tag = "remedies",
    security(("bearer" = [])), responses((status = 200, body = [Case]), (status = 403)))]
async fn complaints(State(ctx): State<Ctx>, actor: Actor) -> Result<Json<Vec<Case>>> {
    Ok(Json(service::open_complaints(&ctx, &actor).await?))
}

/// One case, as the caller may see it.
#[utoipa::path(get, path = "/api/v1/remedies/{id}", tag = "remedies",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Case), (status = 403), (status = 404)))]
async fn get_case(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Case>> {
    Ok(Json(service::get(&ctx, &actor, &id).await?))
}

/// The tenderer / agency / purchaser answers an objection or challenge (the project's own
/// organization only). An answer that changes the documents needs a bid deadline ≥ 15 days after
/// it (实施条例 21); a deadline that passed during the suspension needs a new one.
#[utoipa::path(post, path = "/api/v1/remedies/{id}/answer", tag = "remedies",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = AnswerInput,
    responses((status = 200, body = Case), (status = 403), (status = 404),
              (status = 409, description = "not waiting for an answer"),
              (status = 422, description = "answer missing, new bid deadline missing or too early")))]
async fn answer(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<AnswerInput>,
) -> Result<Json<Case>> {
    Ok(Json(service::answer(&ctx, &actor, &id, input).await?))
}

/// The raiser closes its answered case.
#[utoipa::path(post, path = "/api/v1/remedies/{id}/close", tag = "remedies",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Case), (status = 403), (status = 404),
              (status = 409, description = "not answered")))]
async fn close(State(ctx): State<Ctx>, actor: Actor, Path(id): Path<String>) -> Result<Json<Case>> {
    Ok(Json(service::close(&ctx, &actor, &id).await?))
}

/// The raiser escalates its objection / challenge to a complaint (a new case, 201).
#[utoipa::path(post, path = "/api/v1/remedies/{id}/escalate", tag = "remedies",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = EscalateInput,
    responses((status = 201, body = Case), (status = 403), (status = 404),
              (status = 409, description = "answer still pending, not escalable"),
              (status = 422, description = "grounds missing, the complaint period ended")))]
async fn escalate(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<EscalateInput>,
) -> Result<(StatusCode, Json<Case>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::escalate(&ctx, &actor, &id, input).await?),
    ))
}

/// The supervisor accepts a complaint (受理), optionally suspending the section.
#[utoipa::path(post, path = "/api/v1/remedies/{id}/accept", tag = "remedies",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = AcceptInput,
    responses((status = 200, body = Case), (status = 403), (status = 404),
              (status = 409, description = "not a complaint waiting for acceptance"),
              (status = 422, description = "suspension not available")))]
async fn accept(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<AcceptInput>,
) -> Result<Json<Case>> {
    Ok(Json(service::accept(&ctx, &actor, &id, input).await?))
}

/// The supervisor refuses a complaint (不予受理) with the reason.
#[utoipa::path(post, path = "/api/v1/remedies/{id}/refuse", tag = "remedies",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = RefuseInput,
    responses((status = 200, body = Case), (status = 403), (status = 404),
              (status = 409, description = "not a complaint waiting for acceptance"),
              (status = 422, description = "reason missing")))]
async fn refuse(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<RefuseInput>,
) -> Result<Json<Case>> {
    Ok(Json(service::refuse(&ctx, &actor, &id, input).await?))
}

/// The supervisor decides an accepted complaint: `dismissed`, `correction_ordered`,
/// `result_void` (the section goes back to evaluation) or `retender` (the section fails).
#[utoipa::path(post, path = "/api/v1/remedies/{id}/decide", tag = "remedies",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = DecideInput,
    responses((status = 200, body = Case), (status = 403), (status = 404),
              (status = 409, description = "not an accepted complaint"),
              (status = 422, description = "reason missing")))]
async fn decide(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<DecideInput>,
) -> Result<Json<Case>> {
    Ok(Json(service::decide(&ctx, &actor, &id, input).await?))
}

/// The overridable values of `remedy_rules` (national value and source, the platform region's
/// override, the value in effect) — admin.
#[utoipa::path(get, path = "/api/v1/remedy-rule-overrides", tag = "remedies", security(("bearer" = [])),
    responses((status = 200, body = crate::regional::RegionalRemedyRules), (status = 403)))]
async fn get_overrides(
    State(ctx): State<Ctx>,
    actor: Actor,
) -> Result<Json<crate::regional::RegionalRemedyRules>> {
    Ok(Json(crate::regional::regional_rules(&ctx, &actor).await?))
}

/// Set the region's value of one field of a `remedy_rules` row (admin), citing the regional
/// document: the raiser's period may only be lengthened, a time to act only shortened
/// (`rules.override_below_legal_minimum`, `rules.override_above_legal_maximum`).
#[utoipa::path(put, path = "/api/v1/remedy-rule-overrides", tag = "remedies", security(("bearer" = [])),
    request_body = crate::regional::NewRemedyOverride,
    responses((status = 200, body = crate::regional::RemedyRuleEntry), (status = 403),
              (status = 422, description = "laxer than the law, out of range, unknown field or row, no citation")))]
async fn put_override(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(input): Json<crate::regional::NewRemedyOverride>,
) -> Result<Json<crate::regional::RemedyRuleEntry>> {
    Ok(Json(
        crate::regional::set_override(&ctx, &actor, input).await?,
    ))
}

/// Remove the region's value (admin, with a reason): back to the national one.
#[utoipa::path(post, path = "/api/v1/remedy-rule-overrides/remove", tag = "remedies", security(("bearer" = [])),
    request_body = crate::regional::RemedyOverrideRemoval,
    responses((status = 204), (status = 403), (status = 404, description = "no such override"), (status = 422)))]
async fn remove_override(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(input): Json<crate::regional::RemedyOverrideRemoval>,
) -> Result<StatusCode> {
    crate::regional::remove_override(&ctx, &actor, input).await?;
    Ok(StatusCode::NO_CONTENT)
}
