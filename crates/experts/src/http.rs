//! Expert pool routes under `/api/v1/experts`.

use crate::committee;
use crate::contrib;
use crate::relations;
use crate::service::{self, Draw, DrawRequest, Expert, ImportReport, NewExpert, VerifyReport};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use ggzy_core::error::{problem_response, Problem};
use ggzy_core::http::{Json, Path};
use ggzy_core::{Error, Result};
use ggzy_identity::Actor;
use ggzy_store::Ctx;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(create_expert, list_experts))
        .routes(routes!(import_experts))
        .routes(routes!(create_draw))
        .routes(routes!(get_draw))
        .routes(routes!(reveal_draw))
        .routes(routes!(verify_draw))
        .routes(routes!(link_account))
        .routes(routes!(my_assignments))
        .routes(routes!(confirm))
        .routes(routes!(decline))
        .routes(routes!(recuse_self))
        .routes(routes!(recuse))
        .routes(routes!(rate))
        .routes(routes!(request_draw, list_draw_requests))
        .routes(routes!(get_draw_request))
        .routes(routes!(supervisor_commit))
        .routes(routes!(supervisor_reveal))
        .routes(routes!(abandon_draw_request))
        .routes(routes!(set_procurement_pool))
        .routes(routes!(record_relation, list_relations))
        .routes(routes!(declare_relation))
}

/// Put an expert in or out of the government procurement pool (staff, admins; 政采条例 39).
/// Procurement draws take only experts of that pool.
#[utoipa::path(put, path = "/api/v1/experts/{id}/procurement-pool", tag = "experts", security(("bearer" = [])),
    params(("id" = String, Path, description = "expert id")), request_body = relations::PoolMembership,
    responses((status = 200, body = Expert), (status = 403), (status = 404)))]
async fn set_procurement_pool(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<relations::PoolMembership>,
) -> Result<Json<Expert>> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    Ok(Json(relations::set_pool(&ctx, &actor, &id, input).await?))
}

/// Record an avoidance relation of an expert (staff, admins): employment, directorship or control
/// (counting for 3 years after it ended), kinship with an organization's principal, or staff of a
/// supervising department (政采条例 9; 评标规定 12; 实施条例 46).
#[utoipa::path(post, path = "/api/v1/experts/{id}/relations", tag = "experts", security(("bearer" = [])),
    params(("id" = String, Path, description = "expert id")), request_body = relations::NewRelation,
    responses((status = 201, body = relations::Relation), (status = 403), (status = 404), (status = 422)))]
async fn record_relation(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<relations::NewRelation>,
) -> Result<(StatusCode, Json<relations::Relation>)> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    Ok((
        StatusCode::CREATED,
        Json(relations::record(&ctx, &actor, &id, input).await?),
    ))
}

/// An expert's avoidance relations (staff, admins, supervisors).
#[utoipa::path(get, path = "/api/v1/experts/{id}/relations", tag = "experts", security(("bearer" = [])),
    params(("id" = String, Path, description = "expert id")),
    responses((status = 200, body = [relations::Relation]), (status = 403), (status = 404)))]
async fn list_relations(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<relations::Relation>>> {
    actor.require(&[
        ggzy_identity::Role::Staff,
        ggzy_identity::Role::Admin,
        ggzy_identity::Role::Supervisor,
    ])?;
    Ok(Json(relations::list(&ctx, &actor, &id).await?))
}

/// The logged-in expert declares an avoidance relation of their own (recorded as declared by the
/// expert; never deleted, it ends by its last day).
#[utoipa::path(post, path = "/api/v1/experts/me/relations", tag = "experts", security(("bearer" = [])),
    request_body = relations::NewRelation,
    responses((status = 201, body = relations::Relation), (status = 403), (status = 422)))]
async fn declare_relation(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(input): Json<relations::NewRelation>,
) -> Result<(StatusCode, Json<relations::Relation>)> {
    actor.require(&[ggzy_identity::Role::Expert])?;
    Ok((
        StatusCode::CREATED,
        Json(relations::declare(&ctx, &actor, input).await?),
    ))
}

/// Step 1 of a draw the operator cannot steer (staff): checks the request and commits the centre's
/// secret (sha256 only). Nothing is drawn until a supervisor committed and revealed a secret.
#[utoipa::path(post, path = "/api/v1/experts/draw-requests", tag = "experts", security(("bearer" = [])),
    request_body = DrawRequest,
    responses((status = 201, body = contrib::DrawContribution), (status = 403),
              (status = 422, description = "committee size rules, an active draw or an open request for the section")))]
async fn request_draw(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(input): Json<DrawRequest>,
) -> Result<(StatusCode, Json<contrib::DrawContribution>)> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    Ok((
        StatusCode::CREATED,
        Json(contrib::request(&ctx, &actor, input).await?),
    ))
}

/// Draw requests, newest first (staff, supervisors).
#[utoipa::path(get, path = "/api/v1/experts/draw-requests", tag = "experts", security(("bearer" = [])),
    responses((status = 200, body = [contrib::DrawContribution]), (status = 403)))]
async fn list_draw_requests(
    State(ctx): State<Ctx>,
    actor: Actor,
) -> Result<Json<Vec<contrib::DrawContribution>>> {
    Ok(Json(contrib::list(&ctx, &actor).await?))
}

/// A draw request with the state of its contributions (staff, supervisors).
#[utoipa::path(get, path = "/api/v1/experts/draw-requests/{id}", tag = "experts", security(("bearer" = [])),
    params(("id" = String, Path, description = "draw request id (also the draw's id)")),
    responses((status = 200, body = contrib::DrawContribution), (status = 403), (status = 404)))]
async fn get_draw_request(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<contrib::DrawContribution>> {
    Ok(Json(contrib::get(&ctx, &actor, &id).await?))
}

/// Step 2 (a supervisor, not the requester): commit sha256 of a 32-byte secret. The first signed
/// audit checkpoint covering this commitment is then fixed on the request.
#[utoipa::path(post, path = "/api/v1/experts/draw-requests/{id}/supervisor-commitment", tag = "experts",
    security(("bearer" = [])), params(("id" = String, Path, description = "draw request id")),
    request_body = contrib::SupervisorCommitment,
    responses((status = 200, body = contrib::DrawContribution), (status = 403), (status = 404),
              (status = 409, description = "already committed, or the request is closed"),
              (status = 422, description = "not 64 hex digits")))]
async fn supervisor_commit(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<contrib::SupervisorCommitment>,
) -> Result<Json<contrib::DrawContribution>> {
    Ok(Json(
        contrib::supervisor_commit(&ctx, &actor, &id, input).await?,
    ))
}

/// Step 3 (the supervisor who committed): reveal the secret; the draw runs at once.
#[utoipa::path(post, path = "/api/v1/experts/draw-requests/{id}/supervisor-reveal", tag = "experts",
    security(("bearer" = [])), params(("id" = String, Path, description = "draw request id")),
    request_body = contrib::SupervisorReveal,
    responses((status = 201, body = Draw), (status = 403), (status = 404),
              (status = 409, description = "no commitment or checkpoint yet, or the request is closed"),
              (status = 422, description = "the secret does not match the commitment (draw.supervisor_reveal_mismatch), or the pool is short")))]
async fn supervisor_reveal(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<contrib::SupervisorReveal>,
) -> Result<(StatusCode, Json<Draw>)> {
    Ok((
        StatusCode::CREATED,
        Json(contrib::supervisor_reveal(&ctx, &actor, &id, input).await?),
    ))
}

/// Close an open request the supervisor did not complete (staff), with the reason; the centre's
/// secret is published with it.
#[utoipa::path(post, path = "/api/v1/experts/draw-requests/{id}/abandon", tag = "experts",
    security(("bearer" = [])), params(("id" = String, Path, description = "draw request id")),
    request_body = contrib::Abandon,
    responses((status = 200, body = contrib::DrawContribution), (status = 403), (status = 404),
              (status = 409, description = "the request is closed"), (status = 422)))]
async fn abandon_draw_request(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<contrib::Abandon>,
) -> Result<Json<contrib::DrawContribution>> {
    Ok(Json(contrib::abandon(&ctx, &actor, &id, input).await?))
}

/// Register an expert (staff).
#[utoipa::path(post, path = "/api/v1/experts", tag = "experts", security(("bearer" = [])),
    request_body = NewExpert,
    responses((status = 201, body = Expert), (status = 403), (status = 409, description = "resident ID already in the pool"), (status = 422)))]
async fn create_expert(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(input): Json<NewExpert>,
) -> Result<(StatusCode, Json<Expert>)> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    Ok((
        StatusCode::CREATED,
        Json(service::create(&ctx, &actor, input).await?),
    ))
}

/// The pool (staff; supervisors read with masked resident IDs).
#[utoipa::path(get, path = "/api/v1/experts", tag = "experts", security(("bearer" = [])),
    responses((status = 200, body = [Expert]), (status = 403)))]
async fn list_experts(State(ctx): State<Ctx>, actor: Actor) -> Result<Json<Vec<Expert>>> {
    actor.require(&[
        ggzy_identity::Role::Staff,
        ggzy_identity::Role::Admin,
        ggzy_identity::Role::Supervisor,
    ])?;
    Ok(Json(service::list(&ctx, &actor).await?))
}

/// Import experts from CSV (`text/csv`, staff). All rows or none: 422 lists `rows[N].field` errors.
#[utoipa::path(post, path = "/api/v1/experts/import", tag = "experts", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", description = service::CSV_HEADER),
    responses((status = 201, body = ImportReport), (status = 403), (status = 415), (status = 422)))]
async fn import_experts(
    State(ctx): State<Ctx>,
    actor: Actor,
    headers: HeaderMap,
    body: String,
) -> Result<(StatusCode, Json<ImportReport>)> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.trim().to_ascii_lowercase().starts_with("text/csv") {
        return Err(Error::UnsupportedMediaType(
            "send the expert list as text/csv".into(),
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(service::import_csv(&ctx, &actor, &body).await?),
    ))
}

/// Removed (issue 24): a one-step draw took a seed the server alone chose, so its commitment proved
/// nothing against the operator. Staff (and admin) get 410 `draw.two_step_required` pointing to
/// `POST /api/v1/experts/draw-requests`; other roles get 403 as before. Nothing is written and no
/// body is read.
#[utoipa::path(post, path = "/api/v1/experts/draws", tag = "experts", security(("bearer" = [])),
    responses((status = 403),
              (status = 410, description = "draws are two-step: use POST /api/v1/experts/draw-requests (draw.two_step_required)")))]
async fn create_draw(actor: Actor) -> Result<Response> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    Ok(problem_response(&Problem {
        kind: "https://ggzy.dev/problems/gone".into(),
        title: "Gone".into(),
        status: StatusCode::GONE.as_u16(),
        detail: "a committee is no longer drawn in one step with a seed the server alone chooses: \
                 request the draw with POST /api/v1/experts/draw-requests; a supervisor then commits \
                 and reveals a secret of their own and the draw runs (docs/experts.md)"
            .into(),
        rule: Some(TWO_STEP_REQUIRED.into()),
        errors: vec![],
    }))
}

/// The rule a one-step draw request is refused with.
pub const TWO_STEP_REQUIRED: &str = "draw.two_step_required";

/// A draw with its committee: staff and supervisors; tenderer, agency and bidders only after the
/// evaluation result was publicized (招标投标法 37); experts never (they see their assignments).
#[utoipa::path(get, path = "/api/v1/experts/draws/{id}", tag = "experts", security(("bearer" = [])),
    params(("id" = String, Path, description = "draw id")),
    responses((status = 200, body = Draw), (status = 403), (status = 404)))]
async fn get_draw(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Draw>> {
    actor.require(&[
        ggzy_identity::Role::Staff,
        ggzy_identity::Role::Admin,
        ggzy_identity::Role::Supervisor,
        ggzy_identity::Role::Tenderer,
        ggzy_identity::Role::Agency,
        ggzy_identity::Role::Bidder,
    ])?;
    Ok(Json(service::get_draw(&ctx, &actor, &id).await?))
}

/// Reveal the draw's seed (staff).
#[utoipa::path(post, path = "/api/v1/experts/draws/{id}/reveal", tag = "experts", security(("bearer" = [])),
    params(("id" = String, Path, description = "draw id")),
    responses((status = 200, body = Draw), (status = 403), (status = 404), (status = 409, description = "already revealed")))]
async fn reveal_draw(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Draw>> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    Ok(Json(service::reveal(&ctx, &actor, &id).await?))
}

/// Recompute a revealed draw from its seed and snapshot (anyone logged in).
#[utoipa::path(get, path = "/api/v1/experts/draws/{id}/verify", tag = "experts", security(("bearer" = [])),
    params(("id" = String, Path, description = "draw id")),
    responses((status = 200, body = VerifyReport), (status = 404), (status = 409, description = "not revealed yet")))]
async fn verify_draw(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<VerifyReport>> {
    actor.require(&[
        ggzy_identity::Role::Admin,
        ggzy_identity::Role::Staff,
        ggzy_identity::Role::Tenderer,
        ggzy_identity::Role::Agency,
        ggzy_identity::Role::Bidder,
        ggzy_identity::Role::Expert,
        ggzy_identity::Role::Supervisor,
        ggzy_identity::Role::Bank,
    ])?;
    Ok(Json(service::verify(&ctx, &actor, &id).await?))
}

/// Link an expert to the login (role `expert`) they use, and set the e-mail for notices (staff).
#[utoipa::path(put, path = "/api/v1/experts/{id}/account", tag = "experts", security(("bearer" = [])),
    params(("id" = String, Path, description = "expert id")), request_body = committee::AccountLink,
    responses((status = 200, body = Expert), (status = 403), (status = 404),
              (status = 409, description = "account linked to another expert"), (status = 422)))]
async fn link_account(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<committee::AccountLink>,
) -> Result<Json<Expert>> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    Ok(Json(
        committee::link_account(&ctx, &actor, &id, input).await?,
    ))
}

/// The logged-in expert's assignments: time, place, state and confirmation deadline only.
#[utoipa::path(get, path = "/api/v1/experts/me/assignments", tag = "experts", security(("bearer" = [])),
    responses((status = 200, body = [committee::Assignment]), (status = 403)))]
async fn my_assignments(
    State(ctx): State<Ctx>,
    actor: Actor,
) -> Result<Json<Vec<committee::Assignment>>> {
    actor.require(&[ggzy_identity::Role::Expert])?;
    Ok(Json(committee::my_assignments(&ctx, &actor).await?))
}

/// A drawn expert confirms before the deadline (expert).
#[utoipa::path(post, path = "/api/v1/experts/draws/{id}/confirm", tag = "experts", security(("bearer" = [])),
    params(("id" = String, Path, description = "draw id")),
    responses((status = 200, body = committee::Assignment), (status = 403), (status = 404),
              (status = 409, description = "not pending, or the deadline passed")))]
async fn confirm(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<committee::Assignment>> {
    actor.require(&[ggzy_identity::Role::Expert])?;
    Ok(Json(committee::confirm(&ctx, &actor, &id).await?))
}

/// A drawn expert declines with a reason; the next backup of the specialty is called (expert).
#[utoipa::path(post, path = "/api/v1/experts/draws/{id}/decline", tag = "experts", security(("bearer" = [])),
    params(("id" = String, Path, description = "draw id")), request_body = committee::ReasonInput,
    responses((status = 200, body = committee::Assignment), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn decline(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<committee::ReasonInput>,
) -> Result<Json<committee::Assignment>> {
    actor.require(&[ggzy_identity::Role::Expert])?;
    Ok(Json(committee::decline(&ctx, &actor, &id, input).await?))
}

/// A drawn expert recuses himself (主动回避, 实施条例 46) with the reason; the next backup is called
/// the same way as for any recusal (实施条例 48) (expert).
#[utoipa::path(post, path = "/api/v1/experts/draws/{id}/recusal", tag = "experts", security(("bearer" = [])),
    params(("id" = String, Path, description = "draw id")), request_body = committee::ReasonInput,
    responses((status = 200, body = committee::Assignment), (status = 403), (status = 404),
              (status = 409, description = "not serving on this draw, or the draw was cancelled"), (status = 422)))]
async fn recuse_self(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<committee::ReasonInput>,
) -> Result<Json<committee::Assignment>> {
    actor.require(&[ggzy_identity::Role::Expert])?;
    Ok(Json(
        committee::recuse_self(&ctx, &actor, &id, input).await?,
    ))
}

/// A member must recuse (实施条例 48); the next backup is called the same way (staff).
#[utoipa::path(post, path = "/api/v1/experts/draws/{id}/members/{expert_id}/recuse", tag = "experts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "draw id"), ("expert_id" = String, Path, description = "expert id")),
    request_body = committee::ReasonInput,
    responses((status = 200, body = Draw), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn recuse(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path((id, expert_id)): Path<(String, String)>,
    Json(input): Json<committee::ReasonInput>,
) -> Result<Json<Draw>> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    Ok(Json(
        committee::recuse(&ctx, &actor, &id, &expert_id, input).await?,
    ))
}

/// Rate a member after the evaluation (the section's tenderer, supervisors); low ratings may
/// suspend the expert automatically.
#[utoipa::path(post, path = "/api/v1/experts/draws/{id}/ratings", tag = "experts", security(("bearer" = [])),
    params(("id" = String, Path, description = "draw id")), request_body = committee::NewRating,
    responses((status = 201, body = committee::Rating), (status = 403), (status = 404),
              (status = 409, description = "too early, or already rated"), (status = 422)))]
async fn rate(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<committee::NewRating>,
) -> Result<(StatusCode, Json<committee::Rating>)> {
    actor.require(&[
        ggzy_identity::Role::Tenderer,
        ggzy_identity::Role::Supervisor,
    ])?;
    Ok((
        StatusCode::CREATED,
        Json(committee::rate(&ctx, &actor, &id, input).await?),
    ))
}
