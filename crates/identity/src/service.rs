//! Identity use cases. Each write runs in one transaction that also records its domain event.

use crate::model::{Actor, Organization, Role, User};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use ggzy_core::error::Violations;
use ggzy_core::events::{ActorRef, NewEvent};
use ggzy_core::ident::{ResidentId, Uscc};
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{ids, Error, Result, ResultExt, Timestamp};
use ggzy_store::{emit, Ctx};
use serde::Deserialize;
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

pub fn hash_password(pw: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
}

fn verify_password(pw: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the user does not exist, so timing does not reveal accounts.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewOrganization {
    pub uscc: String,
    pub name: String,
    pub kind: String,
    pub legal_representative: Option<String>,
    /// Resident ID of the legal representative (GB 11643), used to find bidders with the same one.
    pub legal_representative_id: Option<String>,
    pub basic_account_bank: Option<String>,
    pub basic_account_no: Option<String>,
    pub region: Option<String>,
}

pub const ORG_KINDS: &[&str] = &[
    "tenderer",
    "agency",
    "bidder",
    "centre",
    "bank",
    "supervisor",
    "expert_employer",
];

pub async fn create_org(ctx: &Ctx, by: &ActorRef, input: NewOrganization) -> Result<Organization> {
    let mut v = Violations::new();
    let uscc = v.take("uscc", Uscc::parse(&input.uscc));
    if input.name.trim().is_empty() || input.name.chars().count() > 200 {
        v.push(
            "name",
            "required",
            "name is required (at most 200 characters)",
        );
    }
    if !ORG_KINDS.contains(&input.kind.as_str()) {
        v.push(
            "kind",
            "enum.unknown_value",
            format!("kind must be one of {}", ORG_KINDS.join(", ")),
        );
    }
    let rep_id = match &input.legal_representative_id {
        Some(s) => v.take("legal_representative_id", ResidentId::parse(s)),
        None => None,
    };
    if let Some(r) = &input.region {
        v.take("region", ggzy_core::ident::RegionCode::parse(r));
    }
    v.into_result()?;
    let uscc = uscc.ok_or_else(|| Error::internal("uscc checked"))?;
    let id = ids::new_id();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    sqlx::query(
        "INSERT INTO organizations (id, uscc, name, kind, legal_representative, legal_representative_id, \
         basic_account_bank, basic_account_no, region, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
    )
    .bind(&id)
    .bind(uscc.as_str())
    .bind(input.name.trim())
    .bind(&input.kind)
    .bind(input.legal_representative.clone())
    .bind(rep_id.as_ref().map(|r| r.as_str().to_string()))
    .bind(input.basic_account_bank.clone())
    .bind(input.basic_account_no.clone())
    .bind(input.region.clone())
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await
    .on_constraint("uscc", || Error::conflict("organization.uscc_unique", "an organization with this USCC is already registered"))?;
    let org = Organization {
        id: id.clone(),
        uscc: uscc.to_string(),
        name: input.name.trim().to_string(),
        kind: input.kind.clone(),
        legal_representative: input.legal_representative.clone(),
        basic_account_bank: input.basic_account_bank.clone(),
        basic_account_no: input.basic_account_no.clone(),
        region: input.region.clone(),
    };
    // Other areas keep their own copy of what they need about an organization (USCC, legal
    // representative, basic account) from this event.
    emit(
        &mut tx,
        &ctx.db,
        by,
        now,
        NewEvent::new(
            "identity.organization.registered",
            "organization",
            &id,
            json!({
                "id": id, "uscc": org.uscc, "name": org.name, "kind": org.kind,
                "legal_representative": org.legal_representative,
                "legal_representative_id": rep_id.as_ref().map(|r| r.as_str()),
                "basic_account_bank": org.basic_account_bank, "basic_account_no": org.basic_account_no,
                "region": org.region,
            }),
        ),
    )
    .await?;
    ctx.db.commit(tx).await?;
    Ok(org)
}

pub async fn get_org(ctx: &Ctx, id: &str) -> Result<Organization> {
    let r = sqlx::query(
        "SELECT id, uscc, name, kind, legal_representative, basic_account_bank, basic_account_no, region \
         FROM organizations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(ctx.db.pool())
    .await?
    .ok_or_else(|| Error::not_found(format!("organization {id}")))?;
    Ok(Organization {
        id: r.try_get(0)?,
        uscc: r.try_get(1)?,
        name: r.try_get(2)?,
        kind: r.try_get(3)?,
        legal_representative: r.try_get(4)?,
        basic_account_bank: r.try_get(5)?,
        basic_account_no: r.try_get(6)?,
        region: r.try_get(7)?,
    })
}

pub async fn list_orgs(ctx: &Ctx) -> Result<Vec<Organization>> {
    let rows = sqlx::query("SELECT id FROM organizations ORDER BY created_at, id")
        .fetch_all(ctx.db.pool())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(get_org(ctx, &r.try_get::<String, _>(0)?).await?);
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    pub password: String,
    pub role: Role,
    pub org_id: Option<String>,
}

pub fn check_username(u: &str) -> std::result::Result<(), &'static str> {
    let ok = (3..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if ok {
        Ok(())
    } else {
        Err("username: 3-64 characters of a-z, 0-9, '_', '-', '.'")
    }
}

pub async fn create_user(ctx: &Ctx, by: &ActorRef, input: NewUser) -> Result<User> {
    let mut v = Violations::new();
    if let Err(m) = check_username(&input.username) {
        v.push("username", "username.format", m);
    }
    if input.password.chars().count() < 10 {
        v.push(
            "password",
            "password.min_length",
            "password must have at least 10 characters",
        );
    }
    let needs_org = !matches!(input.role, Role::Admin);
    if needs_org && input.org_id.is_none() {
        v.push(
            "org_id",
            "required",
            format!("a {} user belongs to an organization", input.role.as_str()),
        );
    }
    v.into_result()?;
    let hash = hash_password(&input.password)?;
    let id = ids::new_id();
    let now = ctx.clock.now();
    let display = input
        .display_name
        .clone()
        .unwrap_or_else(|| input.username.clone());
    let mut tx = ctx.db.begin().await?;
    sqlx::query(
        "INSERT INTO users (id, username, display_name, password_hash, role, org_id, disabled, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,0,$7)",
    )
    .bind(&id)
    .bind(&input.username)
    .bind(&display)
    .bind(&hash)
    .bind(input.role.as_str())
    .bind(input.org_id.clone())
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await
    .on_constraint("username", || Error::conflict("user.username_unique", "this username is taken"))
    .on_constraint("foreign_key", || Error::field("org_id", "organization.exists", "no such organization"))?;
    emit(
        &mut tx,
        &ctx.db,
        by,
        now,
        NewEvent::new(
            "identity.user.created",
            "user",
            &id,
            json!({"id": id, "username": input.username, "role": input.role.as_str(), "org_id": input.org_id}),
        ),
    )
    .await?;
    ctx.db.commit(tx).await?;
    Ok(User {
        id,
        username: input.username,
        display_name: display,
        role: input.role,
        org_id: input.org_id,
        disabled: false,
    })
}

pub async fn list_users(ctx: &Ctx) -> Result<Vec<User>> {
    let rows = sqlx::query("SELECT id, username, display_name, role, org_id, disabled FROM users ORDER BY created_at, id")
        .fetch_all(ctx.db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(User {
                id: r.try_get(0)?,
                username: r.try_get(1)?,
                display_name: r.try_get(2)?,
                role: Role::parse(&r.try_get::<String, _>(3)?)?,
                org_id: r.try_get(4)?,
                disabled: r.try_get::<i64, _>(5)? != 0,
            })
        })
        .collect()
}

pub struct LoginOk {
    pub token: String,
    pub expires_at: Timestamp,
    pub actor: Actor,
}

/// Check credentials with throttling: more than `login_max_failures` failures for the account, or
/// five times that from one address, within `login_window` answer 429 until the window passes.
pub async fn login(ctx: &Ctx, username: &str, password: &str, ip: &str) -> Result<LoginOk> {
    let now = ctx.clock.now();
    let since = to_micros(now - ctx.settings.login_window);
    let per_user: i64 =
        sqlx::query("SELECT COUNT(*) FROM login_failures WHERE username = $1 AND at >= $2")
            .bind(username)
            .bind(since)
            .fetch_one(ctx.db.pool())
            .await?
            .try_get(0)?;
    let per_ip: i64 = sqlx::query("SELECT COUNT(*) FROM login_failures WHERE ip = $1 AND at >= $2")
        .bind(ip)
        .bind(since)
        .fetch_one(ctx.db.pool())
        .await?
        .try_get(0)?;
    let max = ctx.settings.login_max_failures as i64;
    if per_user >= max || per_ip >= max * 5 {
        return Err(Error::TooManyRequests {
            detail: "too many failed logins; try again later".into(),
            retry_after_secs: ctx.settings.login_window.num_seconds().max(1) as u64,
        });
    }
    let row = sqlx::query("SELECT id, username, display_name, password_hash, role, org_id, disabled FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(ctx.db.pool())
        .await?;
    let ok_user = match &row {
        Some(r) => {
            let hash: String = r.try_get(3)?;
            let disabled: i64 = r.try_get(6)?;
            verify_password(password, &hash) && disabled == 0
        }
        None => {
            verify_password(password, dummy_hash());
            false
        }
    };
    let Some(r) = row.filter(|_| ok_user) else {
        sqlx::query("INSERT INTO login_failures (id, username, ip, at) VALUES ($1, $2, $3, $4)")
            .bind(ids::new_id())
            .bind(username)
            .bind(ip)
            .bind(to_micros(now))
            .execute(ctx.db.pool_for_write())
            .await?;
        return Err(Error::Unauthorized("wrong username or password".into()));
    };
    let actor = Actor {
        user_id: r.try_get(0)?,
        username: r.try_get(1)?,
        display_name: r.try_get(2)?,
        role: Role::parse(&r.try_get::<String, _>(4)?)?,
        org_id: r.try_get(5)?,
    };
    let token = ids::random_hex(32);
    let expires_at = now + ctx.settings.token_ttl;
    let mut tx = ctx.db.begin().await?;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, ip) VALUES ($1, $2, $3, $4, $5)")
        .bind(ids::sha256_hex(token.as_bytes()))
        .bind(&actor.user_id)
        .bind(to_micros(now))
        .bind(to_micros(expires_at))
        .bind(ip)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM login_failures WHERE username = $1")
        .bind(username)
        .execute(&mut *tx)
        .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "identity.user.logged_in",
            "user",
            &actor.user_id,
            json!({"username": actor.username, "ip": ip}),
        ),
    )
    .await?;
    ctx.db.commit(tx).await?;
    Ok(LoginOk {
        token,
        expires_at,
        actor,
    })
}

pub async fn logout(ctx: &Ctx, token: &str) -> Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
        .bind(to_micros(ctx.clock.now()))
        .bind(ids::sha256_hex(token.as_bytes()))
        .execute(ctx.db.pool_for_write())
        .await?;
    Ok(())
}

/// Resolve a bearer token to its caller.
pub async fn authenticate(ctx: &Ctx, token: &str) -> Result<Actor> {
    let r = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.role, u.org_id, s.expires_at, s.revoked_at, u.disabled \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.kind = $2",
    )
    .bind(ids::sha256_hex(token.as_bytes()))
    // A page session (cookie) is never a bearer token (see page_session.rs).
    .bind(crate::page_session::KIND_BEARER)
    .fetch_optional(ctx.db.pool())
    .await?
    .ok_or_else(|| Error::Unauthorized("unknown token".into()))?;
    let expires: i64 = r.try_get(5)?;
    let revoked: Option<i64> = r.try_get(6)?;
    if revoked.is_some() {
        return Err(Error::Unauthorized("token was revoked (logged out)".into()));
    }
    if from_micros(expires) <= ctx.clock.now() {
        return Err(Error::Unauthorized("token expired; log in again".into()));
    }
    if r.try_get::<i64, _>(7)? != 0 {
        return Err(Error::Unauthorized("user is disabled".into()));
    }
    Ok(Actor {
        user_id: r.try_get(0)?,
        username: r.try_get(1)?,
        display_name: r.try_get(2)?,
        role: Role::parse(&r.try_get::<String, _>(3)?)?,
        org_id: r.try_get(4)?,
    })
}
