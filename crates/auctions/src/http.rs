//! Routes under `/api/v1/auctions`.

use crate::service::{self, AuctionView, BidAccepted, BidError, Bidder, NewListing};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use ggzy_core::error::problem_response;
use ggzy_core::http::{Json, Path};
use ggzy_core::Result;
use ggzy_identity::Actor;
use ggzy_store::Ctx;
use serde::Deserialize;
use std::collections::VecDeque;
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

/// A listing / auction with its bids by bidder number (竞买号), never names.
#[utoipa::path(get, path = "/api/v1/auctions/{id}", tag = "auctions", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = AuctionView), (status = 403), (status = 404)))]
async fn get_auction(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<AuctionView>> {
    actor.require(&[
        ggzy_identity::Role::Staff,
        ggzy_identity::Role::Admin,
        ggzy_identity::Role::Supervisor,
        ggzy_identity::Role::Bidder,
    ])?;
    Ok(Json(service::view(&ctx, &actor, &id).await?))
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
        Err(BidError::Outbid { current_price }) => {
            let p = ggzy_core::Error::conflict(
                "auctions.outbid",
                format!(
                    "another bid was accepted first; the current price is {}",
                    current_price.as_deref().unwrap_or("none")
                ),
            )
            .to_problem();
            let mut body = serde_json::to_value(&p).unwrap_or_default();
            body["current_price"] = serde_json::json!(current_price);
            let mut res = problem_response(&p);
            *res.body_mut() = axum::body::Body::from(body.to_string());
            res
        }
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

struct Follow {
    ctx: Ctx,
    id: String,
    org: Option<String>,
    last: i64,
    queue: VecDeque<SseEvent>,
    done: bool,
    first: bool,
}

async fn next_event(mut f: Follow) -> Option<(std::result::Result<SseEvent, Infallible>, Follow)> {
    loop {
        if let Some(e) = f.queue.pop_front() {
            return Some((Ok(e), f));
        }
        if f.done {
            return None;
        }
        if !f.first {
            let notified = service::CHANGED.notified();
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
        }
        f.first = false;
        let bids = match service::bids_after(&f.ctx, &f.id, f.last).await {
            Ok(b) => b,
            Err(_) => return None,
        };
        let fresh = !bids.is_empty();
        for (seq, v) in bids {
            f.last = seq;
            f.queue.push_back(
                SseEvent::default()
                    .id(seq.to_string())
                    .event("bid")
                    .data(v.to_string()),
            );
        }
        let Ok(state) = service::live_state(&f.ctx, &f.id, f.org.as_deref()).await else {
            return None;
        };
        if state["over"] == serde_json::json!(true) {
            f.done = true;
        }
        if fresh || f.done || f.queue.is_empty() {
            f.queue
                .push_back(SseEvent::default().event("state").data(state.to_string()));
        }
    }
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
    actor.require(&[
        ggzy_identity::Role::Staff,
        ggzy_identity::Role::Admin,
        ggzy_identity::Role::Supervisor,
        ggzy_identity::Role::Bidder,
    ])?;
    service::check_watch(&ctx, &actor, &id).await?;
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let f = Follow {
        ctx,
        id,
        org: actor.org_id.clone(),
        last,
        queue: VecDeque::new(),
        done: false,
        first: true,
    };
    let s = futures::stream::unfold(f, next_event);
    Ok(Sse::new(s)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
