//! Project registration routes under `/api/v1/projects`.

use crate::service::{self, ListFilter, Project, ProjectDraft};
use axum::extract::State;
use axum::http::StatusCode;
use ggzy_core::http::{Json, Path, Query};
use ggzy_core::Result;
use ggzy_identity::Actor;
use ggzy_store::Ctx;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(create_project, list_projects))
        .routes(routes!(get_project, update_project))
        .routes(routes!(submit_project))
        .routes(routes!(approve_project))
        .routes(routes!(return_project))
}

/// Create a project draft with its sections (tenderer, agency).
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])),
    request_body = ProjectDraft,
    responses((status = 201, body = Project), (status = 403), (status = 422, description = "invalid fields or USCC")))]
async fn create_project(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(draft): Json<ProjectDraft>,
) -> Result<(StatusCode, Json<Project>)> {
    let p = service::create(&ctx, &actor, draft).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Projects the caller may see: its organization's, or all for staff, admin and supervisors.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])),
    params(ListFilter),
    responses((status = 200, body = [Project]), (status = 403)))]
async fn list_projects(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(f): Query<ListFilter>,
) -> Result<Json<Vec<Project>>> {
    Ok(Json(service::list(&ctx, &actor, &f).await?))
}

/// One project with its sections (owner organization, staff, admin, supervisor).
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "project id")),
    responses((status = 200, body = Project), (status = 403), (status = 404)))]
async fn get_project(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Project>> {
    Ok(Json(service::get(&ctx, &actor, &id).await?))
}

/// Replace a draft's fields and sections (owner organization, only while draft).
#[utoipa::path(put, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "project id")), request_body = ProjectDraft,
    responses((status = 200, body = Project), (status = 403), (status = 404),
              (status = 409, description = "not a draft"), (status = 422)))]
async fn update_project(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(draft): Json<ProjectDraft>,
) -> Result<Json<Project>> {
    Ok(Json(service::update(&ctx, &actor, &id, draft).await?))
}

/// Submit a draft for registration; 422 names every broken legal rule with its source.
#[utoipa::path(post, path = "/api/v1/projects/{id}/submit", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "project id")),
    responses((status = 200, body = Project), (status = 403), (status = 404),
              (status = 409, description = "not a draft"), (status = 422, description = "broken rules")))]
async fn submit_project(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Project>> {
    Ok(Json(service::submit(&ctx, &actor, &id).await?))
}

/// Confirm the registration (登记确认, staff): allocates the unified trading code.
#[utoipa::path(post, path = "/api/v1/projects/{id}/approve", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "project id")),
    responses((status = 200, body = Project), (status = 403), (status = 404),
              (status = 409, description = "not submitted; names the current state")))]
async fn approve_project(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Project>> {
    Ok(Json(service::approve(&ctx, &actor, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnRequest {
    pub reason: String,
}

/// Return a submitted project to its author with a reason (staff); it becomes a draft again.
#[utoipa::path(post, path = "/api/v1/projects/{id}/return", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, description = "project id")), request_body = ReturnRequest,
    responses((status = 200, body = Project), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn return_project(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(req): Json<ReturnRequest>,
) -> Result<Json<Project>> {
    Ok(Json(
        service::return_to_draft(&ctx, &actor, &id, &req.reason).await?,
    ))
}
