//! Role changes (issue 22, item 4). A user has exactly one role; the administrator changes it with
//! the invariants of account creation:
//!
//! - the new role must be one the user's organization kind has accounts for
//!   ([`crate::invitations::roles_for_kind`]; an account without organization can only be an
//!   administrator), so a bidder's (or any non-centre organization's) member never becomes staff,
//!   admin or supervisor — rule `user.role_for_org`;
//! - the platform keeps at least one active administrator: the last one cannot lose the role
//!   (its own or, by another administrator, its colleague's) — rule `user.last_admin`;
//! - a disabled account keeps its role (enable first) — rule `user.disabled`.
//!
//! Tokens and page sessions carry no role: every request re-reads the user's row
//! (`service::authenticate`, `page_session::authenticate_page`), so a removed role is gone from
//! every open session at the next request. `identity.user.roles_changed` records old and new.

use crate::invitations::roles_for_kind;
use crate::model::{Actor, Role, User};
use crate::service;
use crate::store;
use axum::extract::State;
use ggzy_core::http::{Json, Path};
use ggzy_core::{Error, Result};
use ggzy_events::identity::UserRolesChanged;
use ggzy_events::Contract;
use ggzy_store::{emit, Ctx};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new().routes(routes!(put_roles))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RoleChange {
    /// The user's new role (a user has exactly one).
    pub role: Role,
}

/// Change a user's role (admin). Returns the user as it is afterwards; asking for the role the
/// user already has changes nothing and emits nothing.
#[tracing::instrument(skip_all, fields(user = %actor.user_id, target = %user_id))]
pub async fn change_role(ctx: &Ctx, actor: &Actor, user_id: &str, new: Role) -> Result<User> {
    actor.require(&[Role::Admin])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    // Lock the active administrators' rows first, always in id order, then the user's row: two
    // administrators each stepping down at once queue here instead of deadlocking (each holding
    // its own row and waiting for the other's), and the second sees the first's change
    // (PostgreSQL re-checks the WHERE on a row updated meanwhile; SQLite serializes writers).
    let admins = store::active_admins_locked(&mut tx, &ctx.db).await?;
    let mut user = store::user_locked(&mut tx, &ctx.db, user_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("user {user_id}")))?;
    let old = user.role;
    if old == new {
        return Ok(user);
    }
    if user.disabled {
        return Err(Error::conflict(
            "user.disabled",
            "the account is disabled; its role is not changed",
        ));
    }
    let allowed: &[Role] = match &user.org_id {
        Some(id) => roles_for_kind(&service::get_org(ctx, id).await?.kind),
        None => &[Role::Admin],
    };
    if !allowed.contains(&new) {
        let names: Vec<&str> = allowed.iter().map(Role::as_str).collect();
        return Err(Error::field(
            "role",
            "user.role_for_org",
            format!(
                "this account's organization has {} accounts only; a {} role is not possible \
                 (another organization's member never becomes centre staff, administrator or \
                 supervisor)",
                if names.is_empty() {
                    "no".to_string()
                } else {
                    names.join(", ")
                },
                new.as_str()
            ),
        ));
    }
    if old == Role::Admin && !admins.iter().any(|id| id != user_id) {
        return Err(Error::conflict(
            "user.last_admin",
            "this is the platform's last active administrator; appoint another one first",
        ));
    }
    let n = store::set_role(&mut tx, user_id, old, new).await?;
    if n != 1 {
        return Err(Error::conflict(
            "user.changed_meanwhile",
            "the account changed meanwhile; reload and try again",
        ));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        UserRolesChanged {
            id: user_id.to_string(),
            username: user.username.clone(),
            org_id: user.org_id.clone(),
            old_roles: vec![old.as_str().to_string()],
            new_roles: vec![new.as_str().to_string()],
            removed: vec![old.as_str().to_string()],
            added: vec![new.as_str().to_string()],
        }
        .encode(),
    )
    .await?;
    user.role = new;
    ctx.db.commit_answering(tx, 200, &user, now).await?;
    Ok(user)
}

/// Change a user's role (admin). Open tokens and page sessions of the user hold the new role from
/// their next request.
#[utoipa::path(put, path = "/api/v1/users/{id}/roles", tag = "identity", security(("bearer" = [])),
    request_body = RoleChange,
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = User), (status = 403, description = "not an administrator"),
              (status = 404),
              (status = 409, description = "user.last_admin, user.disabled"),
              (status = 422, description = "user.role_for_org: the organization has no such accounts; unknown role")))]
async fn put_roles(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<RoleChange>,
) -> Result<Json<User>> {
    Ok(Json(change_role(&ctx, &actor, &id, input.role).await?))
}
