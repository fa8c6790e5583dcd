//! Identity routes and the [`Actor`] extractor.

use crate::model::{Actor, Organization, Role, User};
use crate::service::{self, NewOrganization, NewUser};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use ggzy_core::http::{Json, Path};
use ggzy_core::{Error, Result};
use ggzy_store::Ctx;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

fn bearer(parts: &Parts) -> Option<String> {
    let v = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let t = v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))?;
    Some(t.trim().to_string())
}

/// The client address: the peer address, or the first `X-Forwarded-For` hop when the server is
/// configured to run behind a trusted proxy (the server layer puts it in the request extensions).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ClientIp>()
        .map(|c| c.0.clone())
        .unwrap_or_else(|| "unknown".into())
}

impl FromRequestParts<Ctx> for Actor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self> {
        if let Some(a) = parts.extensions.get::<Actor>() {
            return Ok(a.clone());
        }
        let token = bearer(parts).ok_or_else(|| {
            Error::Unauthorized("missing 'Authorization: Bearer <token>' header".into())
        })?;
        let actor = service::authenticate(ctx, &token).await?;
        parts.extensions.insert(actor.clone());
        Ok(actor)
    }
}

/// An optional caller, for public routes that show more to logged-in users.
pub struct MaybeActor(pub Option<Actor>);

impl FromRequestParts<Ctx> for MaybeActor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self> {
        if bearer(parts).is_none() {
            return Ok(MaybeActor(None));
        }
        Ok(MaybeActor(Some(
            Actor::from_request_parts(parts, ctx).await?,
        )))
    }
}

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(create_organization, list_organizations))
        .routes(routes!(get_organization))
        .routes(routes!(create_user, list_users))
        .merge(crate::invitations::router())
        .merge(crate::roles::router())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub user: Actor,
}

/// Log in with username and password; returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, description = "wrong credentials"),
              (status = 429, description = "throttled after repeated failures")))]
async fn login(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    ip: IpOf,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>> {
    let ok = service::login(&ctx, &req.username, &req.password, &ip.0).await?;
    Ok(Json(LoginResponse {
        token: ok.token,
        expires_at: ok.expires_at,
        user: ok.actor,
    }))
}

/// Extracts the client address.
pub struct IpOf(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IpOf {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _s: &S) -> Result<Self> {
        Ok(IpOf(client_ip(parts)))
    }
}

/// Revoke the bearer token of this request.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401)))]
async fn logout(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    _actor: Actor,
    parts: Parts0,
) -> Result<StatusCode> {
    if let Some(t) = parts.0 {
        service::logout(&ctx, &t).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The raw bearer token of the request.
pub struct Parts0(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Parts0 {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _s: &S) -> Result<Self> {
        Ok(Parts0(bearer(parts)))
    }
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Actor), (status = 401)))]
async fn me(actor: Actor) -> Json<Actor> {
    Json(actor)
}

/// Register an organization (admin, staff).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "identity", security(("bearer" = [])),
    request_body = NewOrganization,
    responses((status = 201, body = Organization), (status = 409, description = "USCC already registered"),
              (status = 422, description = "invalid USCC or fields")))]
async fn create_organization(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Json(input): Json<NewOrganization>,
) -> Result<(StatusCode, Json<Organization>)> {
    actor.require(&[Role::Admin, Role::Staff])?;
    let org = service::create_org(&ctx, &actor.actor_ref(), input).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

/// List organizations (admin, staff, supervisor).
#[utoipa::path(get, path = "/api/v1/organizations", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = [Organization])))]
async fn list_organizations(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
) -> Result<Json<Vec<Organization>>> {
    actor.require(&[Role::Admin, Role::Staff, Role::Supervisor])?;
    Ok(Json(service::list_orgs(&ctx).await?))
}

/// One organization: platform roles see any, others only their own.
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "identity", security(("bearer" = [])),
    params(("id" = String, Path, description = "organization id")),
    responses((status = 200, body = Organization), (status = 403), (status = 404)))]
async fn get_organization(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Organization>> {
    if !actor.sees_everything() && actor.org_id.as_deref() != Some(id.as_str()) {
        return Err(Error::forbidden("you may read only your own organization"));
    }
    Ok(Json(service::get_org(&ctx, &id).await?))
}

/// Create a centre account (admin): admin or staff. Accounts of other organizations come from
/// their invitations (`POST /api/v1/organizations/{id}/invitations`).
#[utoipa::path(post, path = "/api/v1/users", tag = "identity", security(("bearer" = [])), request_body = NewUser,
    responses((status = 201, body = User), (status = 409), (status = 422)))]
async fn create_user(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Json(input): Json<NewUser>,
) -> Result<(StatusCode, Json<User>)> {
    actor.require(&[Role::Admin])?;
    let u = service::create_user_by_admin(&ctx, &actor.actor_ref(), input).await?;
    Ok((StatusCode::CREATED, Json(u)))
}

/// List users (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = [User])))]
async fn list_users(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
) -> Result<Json<Vec<User>>> {
    actor.require(&[Role::Admin])?;
    Ok(Json(service::list_users(&ctx).await?))
}
