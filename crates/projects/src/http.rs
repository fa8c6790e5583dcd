//! Project registration routes under `/api/v1/projects`.

use crate::bidding::{
    self, NewRelation, NewSanction, OrgRelation, Registration, Sanction, SanctionEnd,
    SanctionFilter, SectionStatus, Visible,
};
use crate::bids::{self, BidReceipt, MyBid, PublicKey};
use crate::service::{self, ListFilter, Project, ProjectDraft};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ggzy_core::error::{problem_response, Problem};
use ggzy_core::http::{Json, Path, Query};
use ggzy_core::time::display_local;
use ggzy_core::Result;
use ggzy_identity::http::IpOf;
use ggzy_identity::{Actor, Role};
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
        .routes(routes!(open_bidding))
        .routes(routes!(register_bidder, list_registrations))
        .routes(routes!(create_sanction, list_sanctions))
        .routes(routes!(end_sanction))
        .routes(routes!(declare_relation, list_relations))
        .routes(routes!(remove_relation))
        .routes(routes!(verify_relation))
        .merge(bid_routes())
        .merge(crate::award::http::router())
        .merge(crate::procurement::http::router())
        .merge(crate::award_report::http::router())
        .merge(crate::qualification::http::router())
        .merge(crate::nontender::http::router())
        .merge(crate::opening::routes())
        .merge(crate::regional::router())
        .merge(crate::procedure_http::router())
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
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
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

/// Open a registered section for bidding (staff, or the owning agency): registered → announced →
/// bidding, and a durable timer closes it at the bid deadline. Publishing the tender announcement
/// will drive this once the publishing area exists.
#[utoipa::path(post, path = "/api/v1/sections/{id}/open-bidding", tag = "bidding", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = SectionStatus), (status = 403), (status = 404),
              (status = 409, description = "illegal transition or deadline passed")))]
async fn open_bidding(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<SectionStatus>> {
    actor.require(&[Role::Staff, Role::Agency])?;
    Ok(Json(bidding::open_bidding(&ctx, &actor, &id).await?))
}

/// Register the caller's organization for a section (投标报名, bidder). Refusals name the rule:
/// `registration.after_deadline`, `registration.duplicate`, `registration.sanctioned`. The
/// joint-bidding bar (实施条例 34) is not a refusal: it is decided at the deadline for every
/// registration at once (the bids of related bidders are void), so no answer before the deadline
/// tells a bidder that another organization registered.
#[utoipa::path(post, path = "/api/v1/sections/{id}/registrations", tag = "bidding", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 201, body = Registration), (status = 403), (status = 404), (status = 409)))]
async fn register_bidder(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Registration>)> {
    actor.require(&[Role::Bidder])?;
    let r = bidding::register(&ctx, &actor, &id).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Registrations of a section. A bidder sees only its own; the project's tenderer or agency the
/// whole list only after the bid deadline (before: 403 `registrations.confidential_until_deadline`);
/// staff and supervisors always.
#[utoipa::path(get, path = "/api/v1/sections/{id}/registrations", tag = "bidding", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = [Registration]), (status = 403), (status = 404)))]
async fn list_registrations(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> std::result::Result<Json<Vec<Registration>>, Response> {
    actor
        .require(&[
            Role::Bidder,
            Role::Tenderer,
            Role::Agency,
            Role::Staff,
            Role::Supervisor,
        ])
        .map_err(IntoResponse::into_response)?;
    match bidding::list_registrations(&ctx, &actor, &id)
        .await
        .map_err(IntoResponse::into_response)?
    {
        Visible::List(v) => Ok(Json(v)),
        Visible::ConfidentialUntil(deadline) => Err(problem_response(&Problem {
            kind: "https://ggzy.dev/problems/forbidden".into(),
            title: "Not allowed for this caller".into(),
            status: 403,
            detail: format!(
                "the list of registered bidders is confidential until the bid deadline {}",
                display_local(deadline)
            ),
            rule: Some("registrations.confidential_until_deadline".into()),
            errors: vec![],
        })),
    }
}

/// Put an organization on the sanctions list (supervisor, admin): debarred (禁止参与投标) or
/// dishonest (失信), for a period and all markets or some (`markets`).
#[utoipa::path(post, path = "/api/v1/sanctions", tag = "bidding", security(("bearer" = [])),
    request_body = NewSanction,
    responses((status = 201, body = Sanction), (status = 403), (status = 422)))]
async fn create_sanction(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(input): Json<NewSanction>,
) -> Result<(StatusCode, Json<Sanction>)> {
    let s = bidding::create_sanction(&ctx, &actor, input).await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// The sanctions list (staff, admin, supervisor), filtered by organization, market and a day in force.
#[utoipa::path(get, path = "/api/v1/sanctions", tag = "bidding", security(("bearer" = [])),
    params(SanctionFilter),
    responses((status = 200, body = [Sanction]), (status = 403)))]
async fn list_sanctions(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(f): Query<SanctionFilter>,
) -> Result<Json<Vec<Sanction>>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    Ok(Json(
        bidding::list_sanctions_filtered(&ctx, &actor, &f).await?,
    ))
}

/// End a sanction early (supervisor, admin), with the new last day in force and a reason.
#[utoipa::path(post, path = "/api/v1/sanctions/{id}/end", tag = "bidding", security(("bearer" = [])),
    request_body = SanctionEnd,
    params(("id" = String, Path, description = "sanction id")),
    responses((status = 200, body = Sanction), (status = 403), (status = 404),
              (status = 409, description = "sanction.already_ended"),
              (status = 422, description = "sanction.end_not_early, sanction.end_in_past, reason required")))]
async fn end_sanction(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<SanctionEnd>,
) -> Result<Json<Sanction>> {
    Ok(Json(bidding::end_sanction(&ctx, &actor, &id, input).await?))
}

/// Declare a controlling or management relation (控股/管理关系) of an organization with another one
/// by USCC (bidder for its own organization, staff for any). A bidder's declaration is `declared`
/// until staff verify it; only verified relations count for the joint-bidding bar at the deadline.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/relations", tag = "bidding", security(("bearer" = [])),
    params(("id" = String, Path, description = "organization id")), request_body = NewRelation,
    responses((status = 201, body = OrgRelation), (status = 403), (status = 409), (status = 422)))]
async fn declare_relation(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<NewRelation>,
) -> Result<(StatusCode, Json<OrgRelation>)> {
    actor.require(&[Role::Bidder, Role::Staff])?;
    let r = bidding::declare_relation(&ctx, &actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// The relations an organization declared, with their review status (its own bidders, staff).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/relations", tag = "bidding", security(("bearer" = [])),
    params(("id" = String, Path, description = "organization id")),
    responses((status = 200, body = [OrgRelation]), (status = 403)))]
async fn list_relations(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<OrgRelation>>> {
    Ok(Json(bidding::list_relations(&ctx, &actor, &id).await?))
}

/// Remove a declared relation (the organization's own bidder, or staff); 204.
#[utoipa::path(delete, path = "/api/v1/organizations/{id}/relations/{relation_id}", tag = "bidding", security(("bearer" = [])),
    params(("id" = String, Path, description = "organization id"),
           ("relation_id" = String, Path, description = "relation id")),
    responses((status = 204), (status = 403), (status = 404)))]
async fn remove_relation(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path((id, relation_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    bidding::remove_relation(&ctx, &actor, &id, &relation_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Verify a declared relation (staff): from then on it counts for the joint-bidding bar, decided at
/// the bid deadline of each section (实施条例 34).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/relations/{relation_id}/verify", tag = "bidding", security(("bearer" = [])),
    params(("id" = String, Path, description = "organization id"),
           ("relation_id" = String, Path, description = "relation id")),
    responses((status = 200, body = OrgRelation), (status = 403), (status = 404), (status = 409)))]
async fn verify_relation(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path((id, relation_id)): Path<(String, String)>,
) -> Result<Json<OrgRelation>> {
    Ok(Json(
        bidding::verify_relation(&ctx, &actor, &id, &relation_id).await?,
    ))
}

// ---------------------------------------------------------------------------------------------
// Sealed bids.

/// Bid upload routes, with their own body limit (the app's global one is for JSON).
fn bid_routes() -> OpenApiRouter<Ctx> {
    let limit = bids::max_bid_bytes();
    OpenApiRouter::new()
        .routes(routes!(put_bid, delete_bid, get_my_bid))
        .layer(DefaultBodyLimit::max(
            usize::try_from(limit).unwrap_or(usize::MAX),
        ))
        .routes(routes!(my_bid_receipts))
        .routes(routes!(my_invitations))
        .routes(routes!(server_keys))
}

/// Requests whose `Idempotency-Key` is claimed in the transaction of their change
/// (`ggzy_store::idempotency::scope_claiming`) instead of by a write before they run: a bidder's
/// registration (`POST /api/v1/sections/{id}/registrations`) and its bid upload (`PUT
/// /api/v1/sections/{id}/bids/mine`). Their use cases write only through one transaction each,
/// which stores its answer with the change: [`bidding::register`] reads and checks, then commits;
/// [`bids::upload`] spools the package to a temporary object of its own (deleted unless its
/// transaction commits) and moves it in place inside the transaction. A second run of either —
/// a retry or a concurrent attempt under the same key — changes nothing: the registration's
/// unique key or the registration row the upload locks makes it wait for the first, and it then
/// finds the first's change (`registration.duplicate`, a repeated upload) or cannot commit its own.
pub fn claims_key_with_change(method: &axum::http::Method, path: &str) -> bool {
    let section_route = |suffix: &str| {
        path.strip_prefix("/api/v1/sections/")
            .and_then(|p| p.strip_suffix(suffix))
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
    };
    (method == axum::http::Method::POST && section_route("/registrations"))
        || (method == axum::http::Method::PUT && section_route("/bids/mine"))
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Upload or replace the caller organization's sealed bid (bidder, registered for the section,
/// before the bid deadline). Body: the encrypted package (application/octet-stream, see
/// docs/bid-package.md); headers `X-Bid-Digest` (hex SHA-256 or SM3 of the plaintext, per suite), optional
/// `X-Device-Fingerprint`, `X-File-Creator`, `X-Project-Manager-Id`, `X-Representative-Id` (resident ids,
/// 422 naming the header when malformed). 201 with a signed receipt; the same digest and
/// ciphertext again returns the same receipt with 200. Refusals: 409 `bid.after_deadline`,
/// `bid.not_registered`, `bid.section_not_bidding`; 413 over the size limit.
#[utoipa::path(put, path = "/api/v1/sections/{id}/bids/mine", tag = "bids", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id"),
           ("X-Bid-Digest" = String, Header, description = "hex SHA-256 or SM3 of the plaintext, per suite", pattern = "^[0-9a-fA-F]{64}$"),
           ("X-Device-Fingerprint" = Option<String>, Header, description = "device fingerprint"),
           ("X-File-Creator" = Option<String>, Header, description = "creator of the bid file"),
           ("X-Project-Manager-Id" = Option<String>, Header, description = "resident id of the proposed project manager (项目经理)", pattern = "^[0-9]{17}[0-9X]$"),
           ("X-Representative-Id" = Option<String>, Header, description = "resident id of the authorized representative (授权委托人)", pattern = "^[0-9]{17}[0-9X]$")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = BidReceipt), (status = 200, body = BidReceipt, description = "repeated upload"),
              (status = 403), (status = 404), (status = 409), (status = 413), (status = 422)))]
async fn put_bid(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    ip: IpOf,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<BidReceipt>)> {
    actor.require(&[Role::Bidder])?;
    let meta = bids::UploadMeta {
        plaintext_digest: header(&headers, "x-bid-digest").unwrap_or_default(),
        device_fingerprint: header(&headers, "x-device-fingerprint"),
        file_creator: header(&headers, "x-file-creator"),
        ip: ip.0,
        project_manager_id: header(&headers, "x-project-manager-id"),
        representative_id: header(&headers, "x-representative-id"),
    };
    let stream = body.into_data_stream();
    match bids::upload(&ctx, &actor, &id, meta, stream, bids::max_bid_bytes()).await? {
        bids::Uploaded::Created(r) => Ok((StatusCode::CREATED, Json(r))),
        bids::Uploaded::Repeated(r) => Ok((StatusCode::OK, Json(r))),
    }
}

/// Withdraw the caller organization's bid (bidder, before the bid deadline).
#[utoipa::path(delete, path = "/api/v1/sections/{id}/bids/mine", tag = "bids", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 204), (status = 403), (status = 404), (status = 409)))]
async fn delete_bid(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    actor.require(&[Role::Bidder])?;
    bids::withdraw(&ctx, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller organization's bid for the section (bidder): its current version, or the withdrawn
/// one, with the status, the decryption state and the receipt signed at upload — so that a bidder
/// whose upload answer was lost can always tell whether its bid is in. 404 when it never uploaded.
#[utoipa::path(get, path = "/api/v1/sections/{id}/bids/mine", tag = "bids", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = MyBid), (status = 403), (status = 404)))]
async fn get_my_bid(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<MyBid>> {
    Ok(Json(bids::mine(&ctx, &actor, &id).await?))
}

/// Every version the caller organization uploaded for the section (bidder), oldest first, each with
/// its signed receipt — superseded and withdrawn versions included.
#[utoipa::path(get, path = "/api/v1/sections/{id}/bids/mine/receipts", tag = "bids", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = [MyBid]), (status = 403), (status = 404)))]
async fn my_bid_receipts(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<MyBid>>> {
    Ok(Json(bids::my_receipts(&ctx, &actor, &id).await?))
}

/// The invitations the caller's organization received (bidder): invited tenders' letters
/// (投标邀请书) and non-tender procurements' invitations, for sections not yet past their deadline.
#[utoipa::path(get, path = "/api/v1/bidder/invitations", tag = "bids", security(("bearer" = [])),
    responses((status = 200, body = [crate::workbench::BidInvitation]), (status = 403)))]
async fn my_invitations(
    State(ctx): State<Ctx>,
    actor: Actor,
) -> Result<Json<Vec<crate::workbench::BidInvitation>>> {
    Ok(Json(crate::workbench::my_invitations(&ctx, &actor).await?))
}

/// The server's public keys that sign bid receipts (public, no authentication).
#[utoipa::path(get, path = "/api/keys", tag = "bids",
    responses((status = 200, body = [PublicKey])))]
async fn server_keys(State(ctx): State<Ctx>) -> Result<Json<Vec<PublicKey>>> {
    Ok(Json(bids::public_keys(&ctx).await?))
}

#[cfg(test)]
mod claim_tests {
    use super::claims_key_with_change;
    use axum::http::Method;

    #[test]
    fn registration_and_upload_claim_their_key_with_their_change() {
        assert!(claims_key_with_change(
            &Method::POST,
            "/api/v1/sections/s1/registrations"
        ));
        assert!(claims_key_with_change(
            &Method::PUT,
            "/api/v1/sections/s1/bids/mine"
        ));
        assert!(!claims_key_with_change(
            &Method::DELETE,
            "/api/v1/sections/s1/bids/mine"
        ));
        assert!(!claims_key_with_change(
            &Method::GET,
            "/api/v1/sections/s1/registrations"
        ));
        assert!(!claims_key_with_change(
            &Method::POST,
            "/api/v1/sections//registrations"
        ));
        assert!(!claims_key_with_change(
            &Method::POST,
            "/api/v1/sections/s1/x/registrations"
        ));
        assert!(!claims_key_with_change(
            &Method::POST,
            "/api/v1/projects/p1/registrations"
        ));
    }
}
