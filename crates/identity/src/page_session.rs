//! Sessions of people signed in through the pages (`/login` in ggzy-web).
//!
//! A page session is a row of `sessions` with `kind = 'page'`. Its id is 32 random bytes that travel
//! only in an `HttpOnly` cookie; the table stores its SHA-256 like a bearer token's. The two kinds
//! never stand in for each other: [`crate::service::authenticate`] accepts only `bearer` rows and
//! [`authenticate_page`] only `page` rows, so a cookie never authorizes an API call and an API token
//! never opens a page. Sign-in uses the API's login use case, so credentials, throttling, the
//! failure log and the `identity.user.logged_in` event are the same.

use crate::model::Actor;
use crate::service;
use crate::store;
use ggzy_core::{ids, Error, Result, Timestamp};
use ggzy_store::Ctx;

/// `sessions.kind` of API bearer tokens.
pub const KIND_BEARER: &str = "bearer";
/// `sessions.kind` of page sessions.
pub const KIND_PAGE: &str = "page";

/// A fresh page session: `id` goes into the cookie and nowhere else.
pub struct PageSession {
    pub id: String,
    pub expires_at: Timestamp,
    pub actor: Actor,
}

/// Check the credentials exactly as `POST /api/v1/auth/login` does (same throttling: 429 when the
/// account or address is locked) and open a page session.
pub async fn sign_in(ctx: &Ctx, username: &str, password: &str, ip: &str) -> Result<PageSession> {
    let ok = service::login(ctx, username, password, ip).await?;
    // The session row was committed as a bearer token whose value only this function knows; it
    // becomes a page session before the value leaves here.
    let n =
        store::set_session_kind(&ctx.db, &ids::sha256_hex(ok.token.as_bytes()), KIND_PAGE).await?;
    if n != 1 {
        return Err(Error::internal("page session row vanished after login"));
    }
    Ok(PageSession {
        id: ok.token,
        expires_at: ok.expires_at,
        actor: ok.actor,
    })
}

/// What a page session cookie stands for.
#[derive(Debug, Clone)]
pub enum PageSessionState {
    Active(Actor),
    /// Past its expiry: the person signs in again.
    Expired,
    /// Ended by signing out.
    SignedOut,
    /// The user was disabled by an administrator.
    Disabled,
    /// No such page session (forged, from another database, or an API token).
    Unknown,
}

pub async fn authenticate_page(ctx: &Ctx, id: &str) -> Result<PageSessionState> {
    let Some(r) = store::session(&ctx.db, &ids::sha256_hex(id.as_bytes()), KIND_PAGE).await? else {
        return Ok(PageSessionState::Unknown);
    };
    if r.revoked_at.is_some() {
        return Ok(PageSessionState::SignedOut);
    }
    if r.expires_at <= ctx.clock.now() {
        return Ok(PageSessionState::Expired);
    }
    if r.disabled {
        return Ok(PageSessionState::Disabled);
    }
    Ok(PageSessionState::Active(Actor {
        user_id: r.id,
        username: r.username,
        display_name: r.display_name,
        role: r.role,
        org_id: r.org_id,
    }))
}

/// End a page session (`/logout`). Ending an unknown or already ended session is not an error.
pub async fn sign_out(ctx: &Ctx, id: &str) -> Result<()> {
    store::revoke_session_of_kind(
        &ctx.db,
        &ids::sha256_hex(id.as_bytes()),
        KIND_PAGE,
        ctx.clock.now(),
    )
    .await?;
    Ok(())
}
