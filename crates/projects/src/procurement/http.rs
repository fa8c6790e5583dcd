use super::*;
use axum::extract::State;
use ggzy_core::http::{Json, Path};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(get_path))
        .routes(routes!(post_report_sent))
        .routes(routes!(post_contract_announcement))
        .routes(routes!(post_filing))
}

/// The award path of a procurement section (report, confirmation, announcements, filing).
#[utoipa::path(get, path = "/api/v1/sections/{id}/procurement-award", tag = "award",
    params(("id" = String, Path)),
    responses((status = 200, body = ProcurementAward)))]
async fn get_path(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<ProcurementAward>> {
    Ok(Json(get(&ctx, &actor, &id).await?))
}

/// The evaluation report was sent to (received by) the purchaser.
#[utoipa::path(post, path = "/api/v1/sections/{id}/procurement-award/report-sent", tag = "award",
    params(("id" = String, Path)),
    responses((status = 200, body = ProcurementAward)))]
async fn post_report_sent(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<ProcurementAward>> {
    Ok(Json(send_report(&ctx, &actor, &id).await?))
}

/// The contract announcement (合同公告) was published.
#[utoipa::path(post, path = "/api/v1/sections/{id}/procurement-award/contract-announcement",
    tag = "award", params(("id" = String, Path)), request_body = ContractAnnouncementInput,
    responses((status = 200, body = ProcurementAward)))]
async fn post_contract_announcement(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<ContractAnnouncementInput>,
) -> Result<Json<ProcurementAward>> {
    Ok(Json(announce_contract(&ctx, &actor, &id, input).await?))
}

/// The contract was filed (备案).
#[utoipa::path(post, path = "/api/v1/sections/{id}/procurement-award/filing", tag = "award",
    params(("id" = String, Path)), request_body = FilingInput,
    responses((status = 200, body = ProcurementAward)))]
async fn post_filing(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<FilingInput>,
) -> Result<Json<ProcurementAward>> {
    Ok(Json(file_contract(&ctx, &actor, &id, input).await?))
}
