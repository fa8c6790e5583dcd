//! Identity use cases. Each write runs in one transaction that also records its domain event.

use crate::model::{Actor, Organization, Role, User};
use crate::store;
use ggzy_core::error::Violations;
use ggzy_core::events::ActorRef;
use ggzy_core::ident::{ResidentId, Uscc};
use ggzy_core::time::to_micros;
use ggzy_core::{ids, Error, Result, ResultExt, Timestamp};
use ggzy_events::identity::{OrganizationRegistered, UserLoggedIn, UserPasswordReset};
use ggzy_events::Contract;
use ggzy_store::unique::{UniqueExt, UniqueKey};
use ggzy_store::{emit, Ctx};

const ORGANIZATIONS_USCC: UniqueKey =
    UniqueKey::new("organizations_uscc_key", "organizations", &["uscc"]);
const USERS_USERNAME: UniqueKey = UniqueKey::new("users_username_key", "users", &["username"]);
use serde::Deserialize;
use utoipa::ToSchema;

/// Hash a password on the bounded hashing pool ([`crate::hash`]).
pub async fn hash_password(ctx: &Ctx, pw: &str) -> Result<String> {
    let pw = pw.to_string();
    crate::hash::run(ctx, move || crate::hash::hash_blocking(&pw)).await?
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewOrganization {
    /// Unified social credit code (统一社会信用代码, GB 32100-2015; the check character is verified).
    #[schema(pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")]
    pub uscc: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// `tenderer`, `agency`, `bidder`, `centre`, `bank`, `supervisor` or `expert_employer`.
    #[schema(pattern = "^(tenderer|agency|bidder|centre|bank|supervisor|expert_employer)$")]
    pub kind: String,
    pub legal_representative: Option<String>,
    /// Resident ID of the legal representative (GB 11643), used to find bidders with the same one.
    #[schema(max_length = 18, pattern = "^[0-9]{17}[0-9X]$")]
    pub legal_representative_id: Option<String>,
    pub basic_account_bank: Option<String>,
    pub basic_account_no: Option<String>,
    #[schema(pattern = "^(0[1-9]|[1-9][0-9])[0-9]{4}$")]
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
    store::insert_org(
        &mut tx,
        store::OrgInsert {
            id: &id,
            uscc: uscc.as_str(),
            name: input.name.trim(),
            kind: &input.kind,
            legal_representative: input.legal_representative.clone(),
            legal_representative_id: rep_id.as_ref().map(|r| r.as_str().to_string()),
            basic_account_bank: input.basic_account_bank.clone(),
            basic_account_no: input.basic_account_no.clone(),
            region: input.region.clone(),
            created_at: now,
        },
    )
    .await
    .on_unique(&ORGANIZATIONS_USCC, || {
        Error::conflict(
            "organization.uscc_unique",
            "an organization with this USCC is already registered",
        )
    })?;
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
        OrganizationRegistered {
            id: id.clone(),
            uscc: org.uscc.clone(),
            name: org.name.clone(),
            kind: org.kind.clone(),
            legal_representative: org.legal_representative.clone(),
            legal_representative_id: rep_id.as_ref().map(|r| r.as_str().to_string()),
            basic_account_bank: org.basic_account_bank.clone(),
            basic_account_no: org.basic_account_no.clone(),
            region: org.region.clone(),
        }
        .encode(),
    )
    .await?;
    // Stored with the change: a keyed retry after a lost answer replays it (issue 24).
    ctx.db.commit_answering(tx, 201, &org, now).await?;
    Ok(org)
}

pub async fn get_org(ctx: &Ctx, id: &str) -> Result<Organization> {
    store::org(&ctx.db, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("organization {id}")))
}

pub async fn list_orgs(ctx: &Ctx) -> Result<Vec<Organization>> {
    let ids = store::org_ids(&ctx.db).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(get_org(ctx, &id).await?);
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewUser {
    #[schema(pattern = "^[A-Za-z0-9_.-]{3,64}$")]
    pub username: String,
    pub display_name: Option<String>,
    #[schema(min_length = 10, max_length = 1024)]
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

/// Create a user (CLI, demo data, and through [`create_user_by_admin`] and invitations).
pub async fn create_user(ctx: &Ctx, by: &ActorRef, input: NewUser) -> Result<User> {
    check_new_user(&input)?;
    let hash = hash_password(ctx, &input.password).await?;
    let mut tx = ctx.db.begin().await?;
    let u = insert_user(ctx, &mut tx, by, input, &hash, None).await?;
    ctx.db
        .commit_answering(tx, 201, &u, ctx.clock.now())
        .await?;
    Ok(u)
}

/// Create accounts that share one password — the sandbox's demo logins, whose common password is
/// printed at start-up — hashing it once instead of once per account (each hash is 19 MiB and
/// tens of milliseconds of a core). Accounts with a password of their own go through
/// [`create_user`]; inputs whose passwords differ are refused before anything is written.
pub async fn create_users_sharing_a_password(
    ctx: &Ctx,
    by: &ActorRef,
    inputs: Vec<NewUser>,
) -> Result<Vec<User>> {
    let Some(first) = inputs.first() else {
        return Ok(Vec::new());
    };
    if inputs.iter().any(|u| u.password != first.password) {
        return Err(Error::internal(
            "create_users_sharing_a_password: the accounts' passwords differ",
        ));
    }
    for input in &inputs {
        check_new_user(input)?;
    }
    let hash = hash_password(ctx, &first.password).await?;
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        let mut tx = ctx.db.begin().await?;
        let u = insert_user(ctx, &mut tx, by, input, &hash, None).await?;
        ctx.db
            .commit_answering(tx, 201, &u, ctx.clock.now())
            .await?;
        out.push(u);
    }
    Ok(out)
}

/// The administrator creates centre accounts only (admin, staff, in a `centre` organization or
/// none for admin): an account inside a bidder's or any other organization comes from that
/// organization's invitation ([`crate::invitations`]), so the administrator cannot sign in as it.
pub async fn create_user_by_admin(ctx: &Ctx, by: &ActorRef, input: NewUser) -> Result<User> {
    let centre_role = matches!(input.role, Role::Admin | Role::Staff);
    let org_kind = match &input.org_id {
        Some(id) => Some(
            get_org(ctx, id)
                .await
                .map_err(|_| Error::field("org_id", "organization.exists", "no such organization"))?
                .kind,
        ),
        None => None,
    };
    if !centre_role || org_kind.as_deref().is_some_and(|k| k != "centre") {
        return Err(Error::field(
            "org_id",
            "user.admin_centre_only",
            "the administrator creates centre accounts (admin, staff) only; other organizations' \
             accounts come from an invitation (POST /api/v1/organizations/{id}/invitations)",
        ));
    }
    create_user(ctx, by, input).await
}

pub(crate) fn check_new_user(input: &NewUser) -> Result<()> {
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
    if input.password.chars().count() > 1024 {
        v.push(
            "password",
            "password.max_length",
            "password must have at most 1024 characters",
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
    v.into_result()
}

/// Insert the user row and its `identity.user.created` event (payload plus `extra`) in `tx`.
pub(crate) async fn insert_user(
    ctx: &Ctx,
    tx: &mut ggzy_store::Tx,
    by: &ActorRef,
    input: NewUser,
    hash: &str,
    invitation: Option<(String, String)>,
) -> Result<User> {
    let id = ids::new_id();
    let now = ctx.clock.now();
    let display = input
        .display_name
        .clone()
        .unwrap_or_else(|| input.username.clone());
    store::insert_user(
        tx,
        store::UserInsert {
            id: &id,
            username: &input.username,
            display_name: &display,
            password_hash: hash,
            role: input.role,
            org_id: input.org_id.clone(),
            created_at: now,
        },
    )
    .await
    .on_unique(&USERS_USERNAME, || {
        Error::conflict("user.username_unique", "this username is taken")
    })
    .on_constraint("foreign_key", || {
        Error::field("org_id", "organization.exists", "no such organization")
    })?;
    let (invitation_id, invited_by) = invitation.unzip();
    emit(
        tx,
        &ctx.db,
        by,
        now,
        ggzy_events::identity::UserCreated {
            id: id.clone(),
            username: input.username.clone(),
            role: input.role.as_str().to_string(),
            org_id: input.org_id.clone(),
            invitation_id,
            invited_by,
        }
        .encode(),
    )
    .await?;
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
    store::users(&ctx.db).await
}

pub struct LoginOk {
    pub token: String,
    pub expires_at: Timestamp,
    pub actor: Actor,
}

/// Sign-in attempts checked for free per (account, address) and, times five, per address, within
/// `Settings::login_window`; past them each further check waits twice as long as the previous
/// one (2 s, 4 s, 8 s, … at most the window). Per account from all addresses together, past
/// [`ACCOUNT_FREE_FACTOR`] × the limit, one check per [`ACCOUNT_GAP_SECS`] s: this only slows
/// guessing spread over many addresses and never locks the owner out.
pub const ADDRESS_FREE_FACTOR: i64 = 5;
pub const ACCOUNT_FREE_FACTOR: i64 = 4;
pub const ACCOUNT_GAP_SECS: i64 = 2;

/// Longest user name or password looked at; longer ones are refused without hashing (no account
/// can have such a name, so nothing is revealed).
const MAX_CREDENTIAL_CHARS: usize = 1024;

/// The wait before the next check after `attempts` (this one included) when `free` are allowed.
fn backoff_wait(attempts: i64, free: i64, cap_secs: i64) -> Option<i64> {
    if attempts <= free {
        return None;
    }
    let exp = (attempts - free).min(30) as u32;
    Some(2i64.saturating_pow(exp).min(cap_secs.max(1)))
}

/// Reserve an attempt: its row is written before the password is checked, so parallel guesses
/// count each other (30 at once: at most the free number are checked). A refused attempt's row
/// is removed again (it checked nothing); a failed check's row stays; a success removes the rows
/// of its (account, address).
async fn admit(ctx: &Ctx, username: &str, ip: &str) -> Result<String> {
    let now = ctx.clock.now();
    let now_us = to_micros(now);
    let since = to_micros(now - ctx.settings.login_window);
    let window = ctx.settings.login_window.num_seconds().max(1);
    let free = ctx.settings.login_max_failures.max(1) as i64;
    let id = ids::new_id();
    store::insert_attempt(&ctx.db, &id, username, ip, now_us).await?;
    let checks: [(&str, Vec<&str>, i64, i64); 3] = [
        (
            "username = $3 AND ip = $4",
            vec![username, ip],
            free,
            window,
        ),
        ("ip = $3", vec![ip], free * ADDRESS_FREE_FACTOR, window),
        (
            "username = $3",
            vec![username],
            free * ACCOUNT_FREE_FACTOR,
            ACCOUNT_GAP_SECS,
        ),
    ];
    let mut retry_after: i64 = 0;
    for (filter, binds, free, cap) in checks {
        let (n, last) = store::attempts(&ctx.db, filter, &binds, &id, since).await?;
        let Some(wait) = backoff_wait(n, free, cap) else {
            continue;
        };
        let wait_us = wait * 1_000_000;
        let ready_at = last.unwrap_or(0) + wait_us;
        if ready_at > now_us {
            retry_after = retry_after.max((ready_at - now_us + 999_999) / 1_000_000);
        }
    }
    if retry_after > 0 {
        store::delete_attempt(&ctx.db, &id).await?;
        return Err(Error::TooManyRequests {
            detail: "too many sign-in attempts; wait before trying again".into(),
            retry_after_secs: retry_after.max(1) as u64,
        });
    }
    Ok(id)
}

/// Check credentials (throttled by [`admit`], hashed on the bounded pool of [`crate::hash`]).
/// The refusal of a sign-in with the right password to a disabled account (401).
pub const ACCOUNT_DISABLED: &str =
    "this account has been disabled; contact the centre's administrator";

pub async fn login(ctx: &Ctx, username: &str, password: &str, ip: &str) -> Result<LoginOk> {
    let now = ctx.clock.now();
    if username.chars().count() > MAX_CREDENTIAL_CHARS
        || password.chars().count() > MAX_CREDENTIAL_CHARS
    {
        return Err(Error::Unauthorized("wrong username or password".into()));
    }
    // A place in the hashing line first: a caller turned away because the instance is at
    // capacity (503) has cost no database write.
    let ticket = crate::hash::enter(ctx)?;
    let attempt = admit(ctx, username, ip).await?;
    let row = store::login_row(&ctx.db, username).await?;
    let (hash, disabled) = match &row {
        Some(r) => (Some(r.password_hash.clone()), r.disabled),
        None => (None, true),
    };
    let pw = password.to_string();
    let stored = hash.clone();
    let check = move || {
        // An unknown name is checked against a dummy hash: same time, same slot. A right password
        // whose stored hash has older parameters is hashed again with the current ones.
        match hash.as_deref() {
            Some(h) => crate::hash::verify_and_upgrade_blocking(&pw, h),
            None => Ok((
                crate::hash::verify_blocking(&pw, crate::hash::dummy_hash()),
                None,
            )),
        }
    };
    let (verified, upgraded) = match ticket.run(ctx, check).await.and_then(|r| r) {
        Ok(v) => v,
        Err(e) => {
            // Nothing was checked: the reservation must not count against the caller.
            let _ = store::delete_attempt(&ctx.db, &attempt).await;
            return Err(e);
        }
    };
    if verified && disabled && row.is_some() {
        // Only after the right password: saying so tells nothing to someone guessing.
        return Err(Error::Unauthorized(ACCOUNT_DISABLED.into()));
    }
    let Some(r) = row.filter(|_| verified && !disabled) else {
        return Err(Error::Unauthorized("wrong username or password".into()));
    };
    let actor = Actor {
        user_id: r.id,
        username: r.username,
        display_name: r.display_name,
        role: r.role,
        org_id: r.org_id,
    };
    let token = ids::random_hex(32);
    let expires_at = now + ctx.settings.token_ttl;
    let mut tx = ctx.db.begin().await?;
    store::insert_session(
        &mut tx,
        &ids::sha256_hex(token.as_bytes()),
        &actor.user_id,
        (now, expires_at),
        ip,
    )
    .await?;
    // Only this address's record is cleared: a success elsewhere does not reset the slowing of
    // guesses on the account from other addresses.
    store::clear_attempts(&mut tx, username, ip).await?;
    if let (Some(new), Some(old)) = (upgraded, stored) {
        // Only if nobody changed the password meanwhile.
        store::upgrade_password_hash(&mut tx, &actor.user_id, &new, &old).await?;
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        UserLoggedIn {
            user_id: actor.user_id.clone(),
            username: actor.username.clone(),
            ip: ip.to_string(),
        }
        .encode(),
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
    store::revoke_session(&ctx.db, &ids::sha256_hex(token.as_bytes()), ctx.clock.now()).await?;
    Ok(())
}

/// Resolve a bearer token to its caller.
pub async fn authenticate(ctx: &Ctx, token: &str) -> Result<Actor> {
    // A page session (cookie) is never a bearer token (see page_session.rs).
    let r = store::session(
        &ctx.db,
        &ids::sha256_hex(token.as_bytes()),
        crate::page_session::KIND_BEARER,
    )
    .await?
    .ok_or_else(|| Error::Unauthorized("unknown token".into()))?;
    if r.revoked_at.is_some() {
        return Err(Error::Unauthorized("token was revoked (logged out)".into()));
    }
    if r.expires_at <= ctx.clock.now() {
        return Err(Error::Unauthorized("token expired; log in again".into()));
    }
    if r.disabled {
        return Err(Error::Unauthorized("user is disabled".into()));
    }
    Ok(Actor {
        user_id: r.id,
        username: r.username,
        display_name: r.display_name,
        role: r.role,
        org_id: r.org_id,
    })
}

/// The administrator sets a new password for a centre account (admin, staff; issue 22). Like
/// [`create_user_by_admin`], never for an account of another organization (a bidder's, a
/// tenderer's…): the administrator could then sign in as it. Every session of the account ends;
/// `identity.user.password_reset` names who reset it (never the password).
pub async fn reset_password_by_admin(
    ctx: &Ctx,
    actor: &Actor,
    user_id: &str,
    password: &str,
) -> Result<()> {
    actor.require(&[Role::Admin])?;
    let store::RoleOrgRow { role, org_id } = store::role_and_org(&ctx.db, user_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("user {user_id}")))?;
    let org_kind = match &org_id {
        Some(id) => Some(get_org(ctx, id).await?.kind),
        None => None,
    };
    if !matches!(role, Role::Admin | Role::Staff)
        || org_kind.as_deref().is_some_and(|k| k != "centre")
    {
        return Err(Error::field(
            "user_id",
            "user.admin_centre_only",
            "the administrator resets centre accounts (admin, staff) only; another organization's \
             member gets a new invitation from that organization",
        ));
    }
    let n = password.chars().count();
    if n < 10 {
        return Err(Error::field(
            "password",
            "password.min_length",
            "password must have at least 10 characters",
        ));
    }
    if n > 1024 {
        return Err(Error::field(
            "password",
            "password.max_length",
            "password must have at most 1024 characters",
        ));
    }
    let hash = hash_password(ctx, password).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    store::set_password_hash(&mut tx, user_id, &hash).await?;
    store::revoke_sessions_of_user(&mut tx, user_id, now).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        UserPasswordReset {
            id: user_id.to_string(),
        }
        .encode(),
    )
    .await?;
    ctx.db.commit(tx).await?;
    Ok(())
}

#[cfg(test)]
mod throttle_tests {
    use super::backoff_wait;

    #[test]
    fn waits_double_past_the_free_attempts_and_are_capped() {
        assert_eq!(backoff_wait(5, 5, 900), None);
        assert_eq!(backoff_wait(6, 5, 900), Some(2));
        assert_eq!(backoff_wait(7, 5, 900), Some(4));
        assert_eq!(backoff_wait(15, 5, 900), Some(900));
        assert_eq!(backoff_wait(1000, 5, 2), Some(2));
    }
}
