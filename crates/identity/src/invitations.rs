//! Accounts inside organizations (issue 24, item 14). The platform administrator creates only
//! centre accounts (admin, staff): an administrator who could create a user inside a bidder's
//! organization could sign in as that bidder. Every other account comes from a one-time
//! invitation to one organization and one role, issued by centre staff (who verified the
//! organization) or by a member of that organization; the person accepts it with a user name and
//! a password of their own. The administrator can disable any account.

use crate::model::{Actor, Role, User};
use crate::service::{self, NewUser};
use crate::store;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use ggzy_core::events::ActorRef;
use ggzy_core::http::{Json, Path};
use ggzy_core::{ids, Error, Result};
use ggzy_events::identity::{InvitationIssued, UserDisabled};
use ggzy_events::Contract;
use ggzy_store::{emit, Ctx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// How long an invitation can be accepted.
pub const VALID_DAYS: i64 = 7;

/// The roles an organization of `kind` has accounts for.
pub fn roles_for_kind(kind: &str) -> &'static [Role] {
    match kind {
        "centre" => &[Role::Admin, Role::Staff],
        "tenderer" => &[Role::Tenderer],
        "agency" => &[Role::Agency],
        "bidder" => &[Role::Bidder],
        "bank" => &[Role::Bank],
        "supervisor" => &[Role::Supervisor],
        "expert_employer" => &[Role::Expert],
        _ => &[],
    }
}

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(issue_invitation))
        .routes(routes!(accept_invitation))
        .routes(routes!(disable_user))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewInvitation {
    /// The role of the account to create: one the organization's kind holds (`roles_for_kind`,
    /// rule `invitation.role_for_org`); never `admin`, which no invitation creates.
    #[schema(value_type = InvitableRole)]
    pub role: Role,
}

/// The roles an invitation can carry (every [`Role`] except `admin`): the schema of
/// [`NewInvitation::role`], so the OpenAPI document states the refusal of `admin` the server makes.
/// Which of these a given organization accepts depends on its kind, another record: a schema
/// cannot say that (documented in docs/testing.md).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum InvitableRole {
    Staff,
    Tenderer,
    Agency,
    Bidder,
    Expert,
    Supervisor,
    Bank,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Invitation {
    pub id: String,
    pub org_id: String,
    pub role: Role,
    /// The one-time code, shown once: hand it to the organization's person.
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// Issue a one-time invitation to an organization (staff, or a member of that organization).
#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn issue(
    ctx: &Ctx,
    actor: &Actor,
    org_id: &str,
    input: NewInvitation,
) -> Result<Invitation> {
    let member = actor.org_id.as_deref() == Some(org_id);
    if actor.role != Role::Staff && !member {
        return Err(Error::forbidden(
            "invitations are issued by centre staff or by a member of the organization",
        ));
    }
    let org = service::get_org(ctx, org_id).await?;
    if !roles_for_kind(&org.kind).contains(&input.role) || input.role == Role::Admin {
        return Err(Error::field(
            "role",
            "invitation.role_for_org",
            format!(
                "a {} organization has no {} accounts",
                org.kind,
                input.role.as_str()
            ),
        ));
    }
    let id = ids::new_id();
    let code = ids::random_hex(24);
    let now = ctx.clock.now();
    let expires_at = now + chrono::Duration::days(VALID_DAYS);
    let mut tx = ctx.db.begin().await?;
    store::insert_invitation(
        &mut tx,
        store::InvitationInsert {
            id: &id,
            code_hash: &ids::sha256_hex(code.as_bytes()),
            org_id,
            role: input.role,
            issued_by: &actor.user_id,
            created_at: now,
            expires_at,
        },
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        InvitationIssued {
            invitation_id: id.clone(),
            org_id: org_id.to_string(),
            role: input.role.as_str().to_string(),
            issued_by: actor.user_id.clone(),
            expires_at,
        }
        .encode(),
    )
    .await?;
    let answer = Invitation {
        id,
        org_id: org_id.to_string(),
        role: input.role,
        code,
        expires_at,
    };
    // Stored with the change (a keyed retry replays it), as the middleware stores any answer.
    ctx.db.commit_answering(tx, 201, &answer, now).await?;
    Ok(answer)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Acceptance {
    pub code: String,
    pub username: String,
    pub password: String,
    pub display_name: Option<String>,
}

/// Accept an invitation: the account is created in the invitation's organization and role.
pub async fn accept(ctx: &Ctx, input: Acceptance) -> Result<User> {
    let hash = ids::sha256_hex(input.code.trim().as_bytes());
    let now = ctx.clock.now();
    let r = store::invitation(&ctx.db, &hash)
        .await?
        .ok_or_else(|| Error::field("code", "invitation.unknown", "no such invitation"))?;
    let inv_id: String = r.id;
    let org_id: String = r.org_id;
    let role = r.role;
    if r.used_at.is_some() {
        return Err(Error::conflict(
            "invitation.used",
            "this invitation was already accepted",
        ));
    }
    if r.expires_at <= now {
        return Err(Error::conflict(
            "invitation.expired",
            "this invitation has expired",
        ));
    }
    let issued_by: String = r.issued_by;
    let input = NewUser {
        username: input.username,
        display_name: input.display_name,
        password: input.password,
        role,
        org_id: Some(org_id),
    };
    service::check_new_user(&input)?;
    let hash = service::hash_password(ctx, &input.password).await?;
    // The invitation's use, the user row and its event commit together; a second acceptance of
    // the same code finds `used_at` set (conditional update) and changes nothing.
    let mut tx = ctx.db.begin().await?;
    let n = store::mark_invitation_used(&mut tx, &inv_id, now).await?;
    if n != 1 {
        return Err(Error::conflict(
            "invitation.used",
            "this invitation was already accepted",
        ));
    }
    let user = service::insert_user(
        ctx,
        &mut tx,
        &ActorRef::system("invitation"),
        input,
        &hash,
        Some((inv_id.clone(), issued_by)),
    )
    .await?;
    store::set_invitation_user(&mut tx, &inv_id, &user.id).await?;
    ctx.db
        .commit_answering(tx, 201, &user, ctx.clock.now())
        .await?;
    Ok(user)
}

/// Disable an account (admin): its tokens stop working at once.
pub async fn disable(ctx: &Ctx, actor: &Actor, user_id: &str) -> Result<()> {
    actor.require(&[Role::Admin])?;
    if actor.user_id == user_id {
        return Err(Error::conflict(
            "user.disable_self",
            "an administrator cannot disable their own account",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let n = store::disable_user(&mut tx, user_id).await?;
    if n != 1 {
        return Err(Error::not_found(format!("user {user_id}")));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        UserDisabled {
            id: user_id.to_string(),
        }
        .encode(),
    )
    .await?;
    // The answer is 204 without a body: stored with the change for a keyed retry.
    ggzy_store::idempotency::answer_in_tx(&mut tx, 204, "", now).await?;
    ctx.db.commit(tx).await?;
    Ok(())
}

/// Invite an account into an organization (staff, or a member of it); the code is shown once.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/invitations", tag = "identity",
    security(("bearer" = [])), request_body = NewInvitation,
    params(("id" = String, Path, description = "organization id")),
    responses((status = 201, body = Invitation), (status = 403), (status = 404),
              (status = 422, description = "role not held in this kind of organization")))]
async fn issue_invitation(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<NewInvitation>,
) -> Result<(StatusCode, Json<Invitation>)> {
    Ok((
        StatusCode::CREATED,
        Json(issue(&ctx, &actor, &id, input).await?),
    ))
}

/// Accept an invitation with one's own user name and password (public: the code is the proof).
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "identity", request_body = Acceptance,
    responses((status = 201, body = User), (status = 409, description = "used or expired"),
              (status = 422, description = "unknown code, bad user name or password")))]
async fn accept_invitation(
    State(ctx): State<Ctx>,
    Json(input): Json<Acceptance>,
) -> Result<(StatusCode, Json<User>)> {
    Ok((StatusCode::CREATED, Json(accept(&ctx, input).await?)))
}

/// Disable an account (admin).
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "identity", security(("bearer" = [])),
    params(("id" = String, Path, description = "user id")),
    responses((status = 204), (status = 403), (status = 404)))]
async fn disable_user(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    disable(&ctx, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
