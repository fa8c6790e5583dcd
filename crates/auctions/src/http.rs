//! Routes under `/api/v1/auctions`.

use crate::feed;
use crate::service::{
    self, AuctionView, BidAccepted, BidError, Bidder, NewListing, OnsiteResult, RelistDecision,
    RelistRequest,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ggzy_core::http::{Json, Path};
use ggzy_core::Result;
use ggzy_identity::Actor;
use ggzy_store::Ctx;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(create_listing))
        .routes(routes!(get_auction))
        .routes(routes!(place_bid))
        .routes(routes!(stream))
        .routes(routes!(section_bidders))
        .routes(routes!(relist))
        .routes(routes!(approve_relist))
        .routes(routes!(refuse_relist))
        .routes(routes!(onsite_result))
        .routes(routes!(record_deal_terms, deal_terms))
        .routes(routes!(record_preemption, preemption))
        .merge(crate::land::router())
        .merge(crate::land_contract::router())
        .merge(crate::property_payment::router())
        .merge(crate::land_auction::router())
        .merge(crate::capital_increase::router())
}

/// Record a property deal's publicity (≥ 5 working days) and payment terms (one sum, or ≥ 30 %
/// first and the rest within a year, secured; 32号令), once per deal.
#[utoipa::path(post, path = "/api/v1/auctions/{id}/deal/terms", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = crate::property::DealTermsInput,
    responses((status = 201, body = crate::property::DealTermsView), (status = 403), (status = 404),
              (status = 409, description = "not a property deal, or already recorded"),
              (status = 422, description = "publicity or payment rule broken")))]
async fn record_deal_terms(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(t): Json<crate::property::DealTermsInput>,
) -> Result<(StatusCode, Json<crate::property::DealTermsView>)> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    let v = crate::property::record_deal_terms(&ctx, &actor, &id, t).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// A property deal's recorded publicity and payment terms.
#[utoipa::path(get, path = "/api/v1/auctions/{id}/deal/terms", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = crate::property::DealTermsView), (status = 403), (status = 404)))]
async fn deal_terms(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<crate::property::DealTermsView>> {
    actor.require(&[
        ggzy_identity::Role::Staff,
        ggzy_identity::Role::Admin,
        ggzy_identity::Role::Supervisor,
    ])?;
    Ok(Json(crate::property::deal_terms(&ctx, &actor, &id).await?))
}

/// Record the other shareholders' pre-emption decisions (优先购买权, 公司法 第八十四条) on a property
/// deal, once: each waived or exercised with its written document; exercising shareholders buy at
/// exactly the deal price instead of the auction winner.
#[utoipa::path(post, path = "/api/v1/auctions/{id}/deal/preemption", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = crate::preemption::PreemptionInput,
    responses((status = 201, body = crate::preemption::PreemptionView), (status = 403), (status = 404),
              (status = 409, description = "not a property deal, or already recorded"),
              (status = 422, description = "a decision, document, price or share is invalid")))]
async fn record_preemption(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(t): Json<crate::preemption::PreemptionInput>,
) -> Result<(StatusCode, Json<crate::preemption::PreemptionView>)> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    let v = crate::preemption::record(&ctx, &actor, &id, t).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// A property deal's recorded pre-emption decisions and its buyer(s).
#[utoipa::path(get, path = "/api/v1/auctions/{id}/deal/preemption", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = crate::preemption::PreemptionView), (status = 403), (status = 404)))]
async fn preemption(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<crate::preemption::PreemptionView>> {
    actor.require(&[
        ggzy_identity::Role::Staff,
        ggzy_identity::Role::Admin,
        ggzy_identity::Role::Supervisor,
    ])?;
    Ok(Json(crate::preemption::view(&ctx, &actor, &id).await?))
}

/// Re-list a failed listing or auction (staff): `extend` (new period: land ≥ 10 days, 39号令 19;
/// property ≥ 5 working days, 32号令) or `lower_floor` (property: disclosed again ≥ 20 working days;
/// below 90% of the appraisal it carries the approving body's written consent as a document,
/// 32号令 第十八条).
#[utoipa::path(post, path = "/api/v1/auctions/{id}/relist", tag = "auctions", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RelistRequest,
    responses((status = 200, body = AuctionView, description = "phase `listing` (the new round)"),
              (status = 403), (status = 404),
              (status = 409, description = "not failed"),
              (status = 422, description = "period, price, kind or consent rule broken")))]
async fn relist(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(rq): Json<RelistRequest>,
) -> Result<Json<AuctionView>> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    Ok(Json(service::relist(&ctx, &actor, &id, rq).await?))
}

/// Approve the pending re-listing (another staff member or admin than its requester). Only
/// re-listings requested before issue 21 are pending: a new one carries the written consent.
#[utoipa::path(post, path = "/api/v1/auctions/{id}/relist/approve", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = RelistDecision,
    responses((status = 200, body = AuctionView), (status = 403), (status = 404),
              (status = 409, description = "nothing pending, or the requester deciding"),
              (status = 422, description = "the period no longer holds")))]
async fn approve_relist(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(d): Json<RelistDecision>,
) -> Result<Json<AuctionView>> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    Ok(Json(
        service::decide_relist(&ctx, &actor, &id, true, d).await?,
    ))
}

/// The body of a refusal: the same object as a decision, its reason required (`auctions.refusal_reason`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RelistRefusal {
    #[schema(min_length = 1, pattern = "\\S")]
    reason: String,
}

/// Refuse the pending re-listing with a reason; the auction is `failed` again.
#[utoipa::path(post, path = "/api/v1/auctions/{id}/relist/refuse", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = RelistRefusal,
    responses((status = 200, body = AuctionView), (status = 403), (status = 404),
              (status = 409, description = "nothing pending, or the requester deciding"),
              (status = 422, description = "no reason")))]
async fn refuse_relist(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(d): Json<RelistDecision>,
) -> Result<Json<AuctionView>> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    Ok(Json(
        service::decide_relist(&ctx, &actor, &id, false, d).await?,
    ))
}

/// Record the on-site auction's result (staff, once its confirmed venues booking has started):
/// a deal at ≥ the listing's highest quote and ≥ the reserve (`via: onsite`), or failed.
#[utoipa::path(post, path = "/api/v1/auctions/{id}/onsite-result", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = OnsiteResult,
    responses((status = 200, body = AuctionView), (status = 403), (status = 404),
              (status = 409, description = "not pending on-site, no confirmed booking, or not started"),
              (status = 422, description = "unknown bidder number, price below the highest")))]
async fn onsite_result(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(o): Json<OnsiteResult>,
) -> Result<Json<AuctionView>> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    Ok(Json(service::onsite_result(&ctx, &actor, &id, o).await?))
}

/// Create a listing (挂牌) for a land or property section (staff). Checks 39号令 / 32号令 periods.
#[utoipa::path(post, path = "/api/v1/auctions", tag = "auctions", security(("bearer" = [])),
    request_body = NewListing,
    responses((status = 201, body = AuctionView), (status = 403), (status = 404), (status = 409),
              (status = 422, description = "a legal period, price or increment rule broken")))]
async fn create_listing(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(nl): Json<NewListing>,
) -> Result<(StatusCode, Json<AuctionView>)> {
    actor.require(&[ggzy_identity::Role::Staff, ggzy_identity::Role::Admin])?;
    let v = service::create_listing(&ctx, &actor, nl).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// A listing / auction with its bids by bidder number (竞买号), never names. The transferor
/// (tenderer or agency of the section's project) follows its own listings only.
#[utoipa::path(get, path = "/api/v1/auctions/{id}", tag = "auctions", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = AuctionView), (status = 403), (status = 404)))]
async fn get_auction(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<AuctionView>> {
    actor.require(&service::WATCHERS)?;
    Ok(Json(service::view(&ctx, &actor, &id).await?))
}

/// Requests the server runs on the lane ([`ggzy_store::lane`]) from their first statement on —
/// the session lookup and the `Idempotency-Key` claim included: a bid, through the API
/// (`POST /api/v1/auctions/{id}/bids`) or the bidder's page (`POST /bidder/auctions/{id}/bids`).
/// The next bid waits for this one; the watchers' streams must not make it wait.
pub fn on_lane(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::POST
        && path
            .strip_suffix("/bids")
            .and_then(|p| {
                p.strip_prefix("/api/v1/auctions/")
                    .or_else(|| p.strip_prefix("/bidder/auctions/"))
            })
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// A request whose `Idempotency-Key` is claimed in the transaction of its change
/// (`ggzy_store::idempotency::scope_claiming`) instead of by a write before it runs: a live
/// auction's bid. Its use case (`service::bid`) writes only through its one transaction and does
/// nothing before it that a second run could repeat (it reads, checks and publishes to the feed
/// after its commit).
pub fn claims_key_with_change(method: &axum::http::Method, path: &str) -> bool {
    on_lane(method, path)
}

#[cfg(test)]
mod lane_tests {
    use super::on_lane;
    use axum::http::Method;

    #[test]
    fn bids_run_on_the_lane_and_nothing_else() {
        assert!(on_lane(&Method::POST, "/api/v1/auctions/a1/bids"));
        assert!(on_lane(&Method::POST, "/bidder/auctions/a1/bids"));
        assert!(!on_lane(&Method::GET, "/api/v1/auctions/a1/bids"));
        assert!(!on_lane(&Method::POST, "/api/v1/auctions//bids"));
        assert!(!on_lane(&Method::POST, "/api/v1/auctions/a1/x/bids"));
        assert!(!on_lane(&Method::POST, "/api/v1/auctions/a1/stream"));
        assert!(!on_lane(&Method::POST, "/api/v1/auctions"));
        assert!(!on_lane(&Method::POST, "/api/v1/tenders/a1/bids"));
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewBid {
    /// Decimal string, e.g. "1200000.00".
    pub price: String,
}

/// Quote (listing) or bid (auction). 409 with `current_price` when another bid got there first.
#[utoipa::path(post, path = "/api/v1/auctions/{id}/bids", tag = "auctions", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NewBid,
    responses((status = 201, body = BidAccepted), (status = 403), (status = 404),
              (status = 409, description = "outbid (problem with current_price) or not open"),
              (status = 422, description = "below current + increment, or not whole increments")))]
async fn place_bid(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(b): Json<NewBid>,
) -> Response {
    if let Err(e) = actor.require(&[ggzy_identity::Role::Bidder]) {
        return e.into_response();
    }
    match service::bid(&ctx, &actor, &id, &b.price).await {
        Ok(a) => (StatusCode::CREATED, Json(a)).into_response(),
        Err(BidError::Error(e)) => e.into_response(),
        // 409 with the extension member `current_price` (RFC 9457 §3.2).
        Err(BidError::Outbid { current_price }) => ggzy_core::Error::conflict(
            "auctions.outbid",
            format!(
                "another bid was accepted first; the current price is {}",
                current_price.as_deref().unwrap_or("none")
            ),
        )
        .with_member("current_price", current_price)
        .into_response(),
    }
}

/// Bidders of a section with their numbers (staff only: numbers are never linked to names in public).
#[utoipa::path(get, path = "/api/v1/auctions/sections/{section_id}/bidders", tag = "auctions",
    security(("bearer" = [])), params(("section_id" = String, Path)),
    responses((status = 200, body = [Bidder]), (status = 403)))]
async fn section_bidders(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(section_id): Path<String>,
) -> Result<Json<Vec<Bidder>>> {
    actor.require(&[
        ggzy_identity::Role::Staff,
        ggzy_identity::Role::Admin,
        ggzy_identity::Role::Supervisor,
    ])?;
    Ok(Json(
        service::section_bidders(&ctx, &actor, &section_id).await?,
    ))
}

/// How often a watcher gets a `state` event (the time left) when nothing else happens.
const TICK: Duration = Duration::from_millis(500);

struct Follow {
    ctx: Ctx,
    section_id: String,
    org: Option<String>,
    /// The caller's bidder number, looked up until it has one.
    my: Option<String>,
    /// When to look it up next: only a bidder's organization can have one, and it is looked up
    /// at most once a second until it has (not on every snapshot: with a thousand watchers that
    /// was a thousand queries per bid, docs/benchmarks.md "One auction").
    lookup_at: Option<tokio::time::Instant>,
    feed: tokio::sync::watch::Receiver<Option<std::sync::Arc<feed::Snapshot>>>,
    last: i64,
    done: bool,
    first: bool,
    /// The next `state` event with the time left when no snapshot comes (every 500 ms; one timer
    /// per watcher, re-armed when it fires, not a new one per snapshot).
    tick: std::pin::Pin<Box<tokio::time::Sleep>>,
}

/// The next write of a watcher's stream: the bids it has not sent yet (each event rendered once by
/// the feed, [`feed::sse_event`]) and a `state` event, all in one chunk — one socket write per
/// snapshot, not one per event. The 500 ms `state` events keep the connection alive.
async fn next_chunk(mut f: Follow) -> Option<(std::result::Result<Bytes, Infallible>, Follow)> {
    if f.done {
        return None;
    }
    if !f.first {
        // A new snapshot, or every 500 ms a state event with the time left.
        tokio::select! {
            r = f.feed.changed() => if r.is_err() { return None },
            _ = f.tick.as_mut() => {
                let next = tokio::time::Instant::now() + TICK;
                f.tick.as_mut().reset(next);
            }
        }
    }
    f.first = false;
    let snap = f.feed.borrow_and_update().clone()?;
    let fresh = snap.bids_after(f.last);
    let mut out = Vec::new();
    if !fresh.is_empty() {
        out.reserve(fresh.iter().map(|(_, e)| e.len()).sum::<usize>() + 256);
    }
    for (_, event) in fresh {
        out.extend_from_slice(event);
    }
    if let Some((seq, _)) = snap.bids.last() {
        f.last = f.last.max(*seq);
    }
    if let (None, Some(org), Some(at)) = (&f.my, &f.org, f.lookup_at) {
        let now = tokio::time::Instant::now();
        if now >= at {
            f.my = service::my_number(&f.ctx, &f.section_id, org).await.ok()?;
            f.lookup_at = f.my.is_none().then(|| now + Duration::from_secs(1));
        }
    }
    let now = f.ctx.clock.now();
    if snap.state.over() {
        f.done = true;
    }
    let state = snap.state_event(f.my.as_deref(), f.org.as_deref(), now);
    if out.is_empty() {
        return Some((Ok(state), f));
    }
    out.extend_from_slice(&state);
    Some((Ok(Bytes::from(out)), f))
}

/// Live follow (SSE): `bid` events (id = sequence; `Last-Event-ID` resumes after it from the
/// ordered bid log) and `state` events (current price, time left, the caller's own status).
#[utoipa::path(get, path = "/api/v1/auctions/{id}/stream", tag = "auctions", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "text/event-stream"), (status = 403), (status = 404)))]
async fn stream(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    actor.require(&service::WATCHERS)?;
    follow(ctx, &actor, &id, &headers).await
}

/// The live follow of an auction for `actor` (the API's stream, and the bidder page's stream
/// `/bidder/auctions/{id}/stream`, which signs in by the page session instead of a bearer token).
pub async fn follow(ctx: Ctx, actor: &Actor, id: &str, headers: &HeaderMap) -> Result<Response> {
    service::check_watch(&ctx, actor, id).await?;
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let feed = feed::subscribe(&ctx, id).await?;
    let section_id = feed
        .borrow()
        .as_ref()
        .map(|s| s.state.section_id.clone())
        .unwrap_or_default();
    let f = Follow {
        ctx,
        section_id,
        org: actor.org_id.clone(),
        my: None,
        lookup_at: (actor.is(ggzy_identity::Role::Bidder) && actor.org_id.is_some())
            .then(tokio::time::Instant::now),
        feed,
        last,
        done: false,
        first: true,
        tick: Box::pin(tokio::time::sleep(TICK)),
    };
    let body = axum::body::Body::from_stream(futures::stream::unfold(f, next_chunk));
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response())
}
