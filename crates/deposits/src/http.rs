//! Deposit routes: virtual accounts, the bank's signed transfer callback, status and trial balance.

use crate::service::{
    self, DepositStatusRow, StatusQuery, TransferNotice, TransferOutcome, TrialBalance,
    VirtualAccount,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use ggzy_core::http::{Json, Query};
use ggzy_core::{Error, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(open_account))
        .routes(routes!(bank_transfer_callback))
        .routes(routes!(deposit_status))
        .routes(routes!(trial_balance))
}

/// Environment variable holding the bank callback HMAC key.
pub const HMAC_KEY_ENV: &str = "GGZY_BANK_HMAC_KEY";
/// Development default when the variable is unset (never use it in production).
pub const DEV_HMAC_KEY: &str = "ggzy-dev-bank-hmac-key";
/// Largest accepted difference between `X-Timestamp` and the server clock, in seconds.
pub const MAX_SKEW_SECS: i64 = 300;

pub fn hmac_key() -> String {
    std::env::var(HMAC_KEY_ENV)
        .ok()
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| DEV_HMAC_KEY.to_string())
}

/// Hex HMAC-SHA256 of `timestamp + "." + body`.
pub fn sign(key: &[u8], timestamp: &str, body: &[u8]) -> String {
    // new_from_slice accepts keys of any length for HMAC.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Check the callback signature and its freshness (±[`MAX_SKEW_SECS`] around `now`).
pub fn verify(
    key: &[u8],
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: Timestamp,
) -> Result<()> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| Error::Unauthorized("X-Timestamp must be Unix seconds".into()))?;
    if (now.timestamp() - ts).abs() > MAX_SKEW_SECS {
        return Err(Error::Unauthorized(format!(
            "X-Timestamp is more than {MAX_SKEW_SECS} s away from the server clock"
        )));
    }
    let sig = hex::decode(signature.trim())
        .map_err(|_| Error::Unauthorized("X-Signature must be hex".into()))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| Error::internal("hmac key"))?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    // Constant-time comparison.
    mac.verify_slice(&sig)
        .map_err(|_| Error::Unauthorized("bad X-Signature".into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenAccountRequest {
    pub section_id: String,
}

/// Get or create the caller's virtual sub-account (虚拟子账号) for a section (bidder).
#[utoipa::path(post, path = "/api/v1/deposits/accounts", tag = "deposits", security(("bearer" = [])),
    request_body = OpenAccountRequest,
    responses((status = 201, body = VirtualAccount, description = "created"),
              (status = 200, body = VirtualAccount, description = "already existed"),
              (status = 403), (status = 404, description = "unknown section")))]
async fn open_account(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(req): Json<OpenAccountRequest>,
) -> Result<(StatusCode, Json<VirtualAccount>)> {
    actor.require(&[Role::Bidder])?;
    let (acc, created) = service::open_account(&ctx, &actor, req.section_id.trim()).await?;
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, Json(acc)))
}

/// The bank reports an incoming transfer (role bank). The body is signed: `X-Signature` = hex
/// HMAC-SHA256 over `X-Timestamp + "." + body` with the key of `GGZY_BANK_HMAC_KEY`; `X-Timestamp`
/// (Unix seconds) must be within ±300 s of the server clock. A repeated transaction id is booked once.
#[utoipa::path(post, path = "/api/v1/bank/callbacks/transfers", tag = "deposits", security(("bearer" = [])),
    request_body = TransferNotice,
    params(("X-Timestamp" = String, Header, description = "Unix seconds"),
           ("X-Signature" = String, Header, description = "hex HMAC-SHA256 of timestamp.body")),
    responses((status = 200, body = TransferOutcome), (status = 401, description = "bad or stale signature"),
              (status = 403), (status = 422)))]
async fn bank_transfer_callback(
    State(ctx): State<Ctx>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<TransferOutcome>> {
    actor.require(&[Role::Bank])?;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| Error::Unauthorized(format!("header {name} is required")))
    };
    let ts = header("X-Timestamp")?;
    let sig = header("X-Signature")?;
    verify(hmac_key().as_bytes(), &ts, &sig, &body, ctx.clock.now())?;
    let notice: TransferNotice = serde_json::from_slice(&body)
        .map_err(|e| Error::field("body", "json", format!("invalid transfer notice: {e}")))?;
    Ok(Json(service::receive_transfer(&ctx, &actor, notice).await?))
}

/// Each registration's deposit status for a section: valid, missing or invalid with the reason
/// (staff, supervisor: all; bidder: only its own).
#[utoipa::path(get, path = "/api/v1/deposits/status", tag = "deposits", security(("bearer" = [])),
    params(StatusQuery),
    responses((status = 200, body = [DepositStatusRow]), (status = 403), (status = 404)))]
async fn deposit_status(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(q): Query<StatusQuery>,
) -> Result<Json<Vec<DepositStatusRow>>> {
    actor.require(&[Role::Staff, Role::Supervisor, Role::Bidder])?;
    Ok(Json(
        service::section_status(&ctx, &actor, q.section_id.trim()).await?,
    ))
}

/// Trial balance of the deposit ledger: debits and credits per account type (staff, supervisor, admin).
#[utoipa::path(get, path = "/api/v1/deposits/ledger/trial-balance", tag = "deposits", security(("bearer" = [])),
    responses((status = 200, body = TrialBalance), (status = 403)))]
async fn trial_balance(State(ctx): State<Ctx>, actor: Actor) -> Result<Json<TrialBalance>> {
    actor.require(&[Role::Staff, Role::Supervisor, Role::Admin])?;
    Ok(Json(service::trial_balance(&ctx, &actor).await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> Timestamp {
        chrono::Utc.timestamp_opt(1_772_413_200, 0).unwrap()
    }

    #[test]
    fn a_correct_signature_within_300_seconds_is_accepted() {
        let body = br#"{"a":1}"#;
        for skew in [-300i64, 0, 300] {
            let ts = (now().timestamp() + skew).to_string();
            let sig = sign(b"k", &ts, body);
            assert!(verify(b"k", &ts, &sig, body, now()).is_ok(), "skew {skew}");
        }
    }

    #[test]
    fn a_stale_or_future_timestamp_is_refused() {
        let body = b"{}";
        for skew in [-301i64, 301] {
            let ts = (now().timestamp() + skew).to_string();
            let sig = sign(b"k", &ts, body);
            assert!(verify(b"k", &ts, &sig, body, now()).is_err(), "skew {skew}");
        }
    }

    #[test]
    fn a_changed_body_or_wrong_key_is_refused() {
        let ts = now().timestamp().to_string();
        let sig = sign(b"k", &ts, b"{\"amount\":\"1.00\"}");
        assert!(verify(b"k", &ts, &sig, b"{\"amount\":\"9.00\"}", now()).is_err());
        assert!(verify(b"other", &ts, &sig, b"{\"amount\":\"1.00\"}", now()).is_err());
        assert!(verify(b"k", &ts, "zz", b"{}", now()).is_err());
    }

    #[test]
    fn the_signature_matches_the_rfc_4231_construction() {
        // RFC 4231 test case 2 (key "Jefe"), message split as "what do ya want " + "." + … is not
        // the RFC message, so check against HMAC computed over the joined string instead.
        let joined = sign(b"Jefe", "what do ya want for nothing?", b"");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?.");
        assert_eq!(joined, hex::encode(mac.finalize().into_bytes()));
    }
}
