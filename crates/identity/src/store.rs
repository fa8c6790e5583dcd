//! Every SQL statement of the identity area (issue 17, item 2): the use cases (crate::service,
//! crate::page_session, crate::roles, crate::invitations, crate::cleanup) keep the decisions —
//! checks, throttling, error mapping (`on_unique`, `on_constraint`), events — and call these
//! functions.
//!
//! The area owns `organizations`, `users`, `sessions` (bearer tokens and page sessions),
//! `login_failures` (migration 0001; `sessions.kind` later) and `user_invitations` (0055). No other
//! area reads them: the others know organizations and users from the `identity.*` events and the
//! [`crate::Actor`] of each request (only the server's demo and sandbox seeding count `users`).

use crate::model::{Organization, Role, User};
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::ExecuteWrite;
use ggzy_store::{Db, Tx};

// ---------------------------------------------------------------------------------------------
// organizations.

/// An organization as [`insert_org`] registers it.
pub(crate) struct OrgInsert<'a> {
    pub(crate) id: &'a str,
    pub(crate) uscc: &'a str,
    pub(crate) name: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) legal_representative: Option<String>,
    pub(crate) legal_representative_id: Option<String>,
    pub(crate) basic_account_bank: Option<String>,
    pub(crate) basic_account_no: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) created_at: Timestamp,
}

/// Registers an organization (the caller maps the USCC's unique key).
pub(crate) async fn insert_org(tx: &mut Tx, o: OrgInsert<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO organizations (id, uscc, name, kind, legal_representative, legal_representative_id, \
         basic_account_bank, basic_account_no, region, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
    )
    .bind(o.id)
    .bind(o.uscc)
    .bind(o.name)
    .bind(o.kind)
    .bind(o.legal_representative)
    .bind(o.legal_representative_id)
    .bind(o.basic_account_bank)
    .bind(o.basic_account_no)
    .bind(o.region)
    .bind(to_micros(o.created_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn org(db: &Db, id: &str) -> Result<Option<Organization>> {
    Ok(sqlx::query_as::<_, Organization>(
        "SELECT id, uscc, name, kind, legal_representative, basic_account_bank, basic_account_no, region \
         FROM organizations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?)
}

/// The ids of every organization, oldest first.
pub(crate) async fn org_ids(db: &Db) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM organizations ORDER BY created_at, id")
            .fetch_all(db.pool())
            .await?,
    )
}

// ---------------------------------------------------------------------------------------------
// users.

/// A user as [`insert_user`] creates it (enabled).
pub(crate) struct UserInsert<'a> {
    pub(crate) id: &'a str,
    pub(crate) username: &'a str,
    pub(crate) display_name: &'a str,
    pub(crate) password_hash: &'a str,
    pub(crate) role: Role,
    pub(crate) org_id: Option<String>,
    pub(crate) created_at: Timestamp,
}

/// Creates a user (the caller maps the user name's unique key and the organization's foreign key).
pub(crate) async fn insert_user(tx: &mut Tx, u: UserInsert<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, username, display_name, password_hash, role, org_id, disabled, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,0,$7)",
    )
    .bind(u.id)
    .bind(u.username)
    .bind(u.display_name)
    .bind(u.password_hash)
    .bind(u.role.as_str())
    .bind(u.org_id)
    .bind(to_micros(u.created_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every user, oldest first.
pub(crate) async fn users(db: &Db) -> Result<Vec<User>> {
    Ok(sqlx::query_as("SELECT id, username, display_name, role, org_id, disabled FROM users ORDER BY created_at, id")
        .fetch_all(db.pool())
        .await?)
}

/// A user with the password hash, as a sign-in checks it.
#[derive(sqlx::FromRow)]
pub(crate) struct LoginRow {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) password_hash: String,
    pub(crate) role: Role,
    pub(crate) org_id: Option<String>,
    #[sqlx(try_from = "ggzy_core::sql::Flag")]
    pub(crate) disabled: bool,
}

pub(crate) async fn login_row(db: &Db, username: &str) -> Result<Option<LoginRow>> {
    Ok(sqlx::query_as("SELECT id, username, display_name, password_hash, role, org_id, disabled FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(db.pool())
        .await?)
}

/// A rehashed password, only if nobody changed it meanwhile (`old`).
pub(crate) async fn upgrade_password_hash(
    tx: &mut Tx,
    user_id: &str,
    new: &str,
    old: &str,
) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
        .bind(new)
        .bind(user_id)
        .bind(old)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn set_password_hash(tx: &mut Tx, user_id: &str, hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A user's role and organization.
#[derive(sqlx::FromRow)]
pub(crate) struct RoleOrgRow {
    pub(crate) role: Role,
    pub(crate) org_id: Option<String>,
}

pub(crate) async fn role_and_org(db: &Db, user_id: &str) -> Result<Option<RoleOrgRow>> {
    Ok(
        sqlx::query_as("SELECT role, org_id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// The active administrators' ids, locked in id order.
pub(crate) async fn active_admins_locked(tx: &mut Tx, db: &Db) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT id FROM users WHERE role = 'admin' AND disabled = 0 ORDER BY id{}",
        db.for_update()
    );
    Ok(sqlx::query_scalar(&sql).fetch_all(&mut **tx).await?)
}

/// A user, locked.
pub(crate) async fn user_locked(tx: &mut Tx, db: &Db, user_id: &str) -> Result<Option<User>> {
    let sql = format!(
        "SELECT id, username, display_name, role, org_id, disabled FROM users WHERE id = $1{}",
        db.for_update()
    );
    Ok(sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?)
}

/// Changes a user's role from `old` to `new`; the rows changed (0: it changed meanwhile).
pub(crate) async fn set_role(tx: &mut Tx, user_id: &str, old: Role, new: Role) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2 AND role = $3")
            .bind(new.as_str())
            .bind(user_id)
            .bind(old.as_str())
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}

/// Disables a user; the rows changed (0: no such user).
pub(crate) async fn disable_user(tx: &mut Tx, user_id: &str) -> Result<u64> {
    Ok(sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

// ---------------------------------------------------------------------------------------------
// sessions.

pub(crate) async fn insert_session(
    tx: &mut Tx,
    token_hash: &str,
    user_id: &str,
    (created_at, expires_at): (Timestamp, Timestamp),
    ip: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, ip) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(user_id)
        .bind(to_micros(created_at))
        .bind(to_micros(expires_at))
        .bind(ip)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A session with its user, as a bearer token or a page session resolves it.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) role: Role,
    pub(crate) org_id: Option<String>,
    #[sqlx(try_from = "ggzy_core::sql::At")]
    pub(crate) expires_at: Timestamp,
    pub(crate) revoked_at: Option<i64>,
    #[sqlx(try_from = "ggzy_core::sql::Flag")]
    pub(crate) disabled: bool,
}

/// The session of `kind` with this token hash, with its user.
pub(crate) async fn session(db: &Db, token_hash: &str, kind: &str) -> Result<Option<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.role, u.org_id, s.expires_at, s.revoked_at, u.disabled \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.kind = $2",
    )
    .bind(token_hash)
    .bind(kind)
    .fetch_optional(db.pool())
    .await?)
}

/// Sets the kind of the session with this token hash; the rows changed.
pub(crate) async fn set_session_kind(db: &Db, token_hash: &str, kind: &str) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE sessions SET kind = $1 WHERE token_hash = $2")
            .bind(kind)
            .bind(token_hash)
            .execute_write(db)
            .await?
            .rows_affected(),
    )
}

/// Ends the session with this token hash (any kind), unless it was ended.
pub(crate) async fn revoke_session(db: &Db, token_hash: &str, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
        .bind(to_micros(now))
        .bind(token_hash)
        .execute_write(db)
        .await?;
    Ok(())
}

/// Ends the session of `kind` with this token hash, unless it was ended.
pub(crate) async fn revoke_session_of_kind(
    db: &Db,
    token_hash: &str,
    kind: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND kind = $3 AND revoked_at IS NULL",
    )
    .bind(to_micros(now))
    .bind(token_hash)
    .bind(kind)
    .execute_write(db)
    .await?;
    Ok(())
}

/// Ends every open session of a user.
pub(crate) async fn revoke_sessions_of_user(
    tx: &mut Tx,
    user_id: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(to_micros(now))
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// login_failures.

/// Reserves a sign-in attempt (`at`: microseconds).
pub(crate) async fn insert_attempt(
    db: &Db,
    id: &str,
    username: &str,
    ip: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO login_failures (id, username, ip, at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(username)
        .bind(ip)
        .bind(at)
        .execute_write(db)
        .await?;
    Ok(())
}

/// Count and the latest other attempt (`at`, microseconds) of the rows since `since` matching
/// `filter` (its parameters from `$3`: `binds`), `own_id` being the attempt counted.
pub(crate) async fn attempts(
    db: &Db,
    filter: &str,
    binds: &[&str],
    own_id: &str,
    since: i64,
) -> Result<(i64, Option<i64>)> {
    #[derive(sqlx::FromRow)]
    struct Attempts {
        n: i64,
        last_other: Option<i64>,
    }
    let sql = format!(
        "SELECT COUNT(*) AS n, MAX(CASE WHEN id <> $1 THEN at END) AS last_other FROM login_failures \
         WHERE at >= $2 AND {filter}"
    );
    let mut q = sqlx::query_as::<_, Attempts>(&sql).bind(own_id).bind(since);
    for b in binds {
        q = q.bind(*b);
    }
    let r = q.fetch_one(db.pool_for_write()).await?;
    Ok((r.n, r.last_other))
}

/// Removes one reserved attempt.
pub(crate) async fn delete_attempt(db: &Db, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE id = $1")
        .bind(id)
        .execute_write(db)
        .await?;
    Ok(())
}

/// Removes the attempts of one (account, address).
pub(crate) async fn clear_attempts(tx: &mut Tx, username: &str, ip: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE username = $1 AND ip = $2")
        .bind(username)
        .bind(ip)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Removes the attempts older than `cutoff` (microseconds).
pub(crate) async fn delete_attempts_before(db: &Db, cutoff: i64) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(cutoff)
        .execute_write(db)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// user_invitations.

pub(crate) struct InvitationInsert<'a> {
    pub(crate) id: &'a str,
    pub(crate) code_hash: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) role: Role,
    pub(crate) issued_by: &'a str,
    pub(crate) created_at: Timestamp,
    pub(crate) expires_at: Timestamp,
}

pub(crate) async fn insert_invitation(tx: &mut Tx, i: InvitationInsert<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO user_invitations (id, code_hash, org_id, role, issued_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(i.id)
    .bind(i.code_hash)
    .bind(i.org_id)
    .bind(i.role.as_str())
    .bind(i.issued_by)
    .bind(to_micros(i.created_at))
    .bind(to_micros(i.expires_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub(crate) struct InvitationRow {
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) role: Role,
    #[sqlx(try_from = "ggzy_core::sql::At")]
    pub(crate) expires_at: Timestamp,
    pub(crate) used_at: Option<i64>,
    pub(crate) issued_by: String,
}

/// The invitation with this code hash.
pub(crate) async fn invitation(db: &Db, code_hash: &str) -> Result<Option<InvitationRow>> {
    Ok(sqlx::query_as(
        "SELECT id, org_id, role, expires_at, used_at, issued_by FROM user_invitations WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(db.pool())
    .await?)
}

/// Uses an invitation not used yet; the rows changed (0: it was).
pub(crate) async fn mark_invitation_used(tx: &mut Tx, id: &str, now: Timestamp) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE user_invitations SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
            .bind(to_micros(now))
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}

/// The user an invitation created.
pub(crate) async fn set_invitation_user(tx: &mut Tx, id: &str, user_id: &str) -> Result<()> {
    sqlx::query("UPDATE user_invitations SET user_id = $1 WHERE id = $2")
        .bind(user_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
