//! Archive routes under `/api/v1/archives` (staff and supervisors read; staff dispose of an
//! archive after its retention period).

use crate::rules::Retention;
use crate::service::{self, ArchiveDetail, ArchiveFilter, ArchiveSummary, Disposal};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use ggzy_core::http::{Json, Path, Query};
use ggzy_core::Result;
use ggzy_identity::Actor;
use ggzy_store::Ctx;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(list_archives))
        .routes(routes!(retention_rules))
        .routes(routes!(get_archive))
        .routes(routes!(download_bundle))
        .routes(routes!(dispose_archive))
}

/// Archives, most recently ended first, filtered by market, project and end date (staff, supervisor).
#[utoipa::path(get, path = "/api/v1/archives", tag = "archives", security(("bearer" = [])),
    params(ArchiveFilter), responses((status = 200, body = [ArchiveSummary]), (status = 403), (status = 422)))]
async fn list_archives(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(f): Query<ArchiveFilter>,
) -> Result<Json<Vec<ArchiveSummary>>> {
    Ok(Json(service::list(&ctx, &actor, &f).await?))
}

/// The retention periods by market with their legal basis (staff, supervisor).
#[utoipa::path(get, path = "/api/v1/archives/retention", tag = "archives", security(("bearer" = [])),
    responses((status = 200, body = [Retention]), (status = 403)))]
async fn retention_rules(State(ctx): State<Ctx>, actor: Actor) -> Result<Json<Vec<Retention>>> {
    actor.require(&service::READERS)?;
    let out = crate::store::retention_rules(&ctx.db).await?;
    Ok(Json(out))
}

/// One archive with its manifest (staff, supervisor).
#[utoipa::path(get, path = "/api/v1/archives/{id}", tag = "archives", security(("bearer" = [])),
    params(("id" = String, Path, description = "archive id")),
    responses((status = 200, body = ArchiveDetail), (status = 403), (status = 404)))]
async fn get_archive(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<ArchiveDetail>> {
    Ok(Json(service::get(&ctx, &actor, &id).await?))
}

/// The signed bundle (POSIX tar; `ggzy archive verify FILE --key VKEY`), with its SHA-256 in
/// `ETag` and `Repr-Digest` (staff, supervisor).
#[utoipa::path(get, path = "/api/v1/archives/{id}/bundle", tag = "archives", security(("bearer" = [])),
    params(("id" = String, Path, description = "archive id")),
    responses((status = 200, content_type = "application/x-tar", body = Vec<u8>), (status = 403), (status = 404), (status = 409)))]
async fn download_bundle(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Response> {
    let (a, bytes) = service::bundle_bytes(&ctx, &actor, &id).await?;
    Ok(bundle_response(&a, bytes))
}

/// The download answer shared with the pages.
pub fn bundle_response(a: &ArchiveSummary, bytes: bytes::Bytes) -> Response {
    use base64::Engine as _;
    let raw = hex::decode(&a.bundle_sha256).unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "application/x-tar".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ggzy-archive-{}.tar\"", a.id),
            ),
            (header::ETAG, format!("\"{}\"", a.bundle_sha256)),
            (
                header::HeaderName::from_static("repr-digest"),
                format!(
                    "sha-256=:{}:",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Dispose of an archive after its retention period (staff): 422 `archive.retention` on the
/// last day of the period and before; afterwards the bundle is removed, the record stays and the
/// disposal is an event (`archives.archive.disposed`).
#[utoipa::path(post, path = "/api/v1/archives/{id}/dispose", tag = "archives", security(("bearer" = [])),
    params(("id" = String, Path, description = "archive id")), request_body = Disposal,
    responses((status = 200, body = ArchiveSummary), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn dispose_archive(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(d): Json<Disposal>,
) -> Result<Json<ArchiveSummary>> {
    Ok(Json(service::dispose(&ctx, &actor, &id, &d).await?))
}
