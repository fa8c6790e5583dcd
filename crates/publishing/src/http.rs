//! Publishing routes: `/api/v1/announcements` (public reads without login, writes by role) and
//! the per-market RSS 2.0 feed `/feeds/{market}.xml`.

use crate::service::{
    self, Announcement, AnnouncementDraft, AnnouncementReturn, Approval, OwnFilter, Page,
    PublicFilter, Withdrawal,
};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use ggzy_core::http::{Json, Path, Query};
use ggzy_core::ident::Market;
use ggzy_core::{Error, Result};
use ggzy_identity::http::MaybeActor;
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use sha2::{Digest, Sha256};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(create_announcement, list_announcements))
        .routes(routes!(list_own_announcements))
        .routes(routes!(get_announcement, update_announcement))
        .routes(routes!(submit_announcement))
        .routes(routes!(approve_announcement))
        .routes(routes!(withdraw_announcement))
        .routes(routes!(return_announcement))
        .routes(routes!(market_feed))
        .merge(crate::attachments::router())
        .merge(crate::ocds::router())
}

/// Public reads may be cached briefly by browsers and proxies; revalidate with the ETag.
const CACHE_CONTROL: &str = "public, max-age=60";

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// A cacheable public response: strong ETag over the body, Last-Modified, Cache-Control, and
/// 304 Not Modified when the client's If-None-Match matches.
fn cached(
    headers: &HeaderMap,
    content_type: &'static str,
    body: Vec<u8>,
    modified: Option<DateTime<Utc>>,
) -> Response {
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut resp = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = body.into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(v) = modified.and_then(|m| HeaderValue::from_str(&http_date(m)).ok()) {
        h.insert(header::LAST_MODIFIED, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    resp
}

fn json_bytes<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| Error::internal(e.to_string()))
}

/// Draft an announcement (tenderer, agency, staff). Missing required fields are listed one by one.
#[utoipa::path(post, path = "/api/v1/announcements", tag = "publishing", security(("bearer" = [])),
    request_body = AnnouncementDraft,
    responses((status = 201, body = Announcement), (status = 403),
              (status = 409, description = "the project was registered a moment ago and has not reached publishing yet (`Retry-After`)"),
              (status = 422, description = "each missing or invalid field")))]
async fn create_announcement(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(d): Json<AnnouncementDraft>,
) -> Result<(StatusCode, Json<Announcement>)> {
    actor.require(&[Role::Tenderer, Role::Agency, Role::Staff])?;
    Ok((
        StatusCode::CREATED,
        Json(service::create(&ctx, &actor, d).await?),
    ))
}

/// Published announcements, newest first, without login (cursor pagination; `q` searches).
#[utoipa::path(get, path = "/api/v1/announcements", tag = "publishing",
    params(PublicFilter),
    responses((status = 200, body = Page), (status = 304), (status = 400, description = "bad cursor"),
              (status = 422)))]
async fn list_announcements(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(f): Query<PublicFilter>,
) -> Result<Response> {
    // Public: no role required.
    let page = service::list_public(&ctx, &f).await?;
    let modified = page.items.iter().map(|a| a.updated_at).max();
    Ok(cached(
        &headers,
        "application/json",
        json_bytes(&page)?,
        modified,
    ))
}

/// Every announcement of the caller's organization in every state (tenderer, agency), most
/// recently changed first (at most 500): its own drafts and the ones the platform drafts itself
/// from the lifecycle of its projects (opening record, candidate publicity, award, failure, deal).
#[utoipa::path(get, path = "/api/v1/announcements/mine", tag = "publishing", security(("bearer" = [])),
    params(OwnFilter),
    responses((status = 200, body = [Announcement]), (status = 401), (status = 403),
              (status = 422, description = "unknown status or type")))]
async fn list_own_announcements(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(f): Query<OwnFilter>,
) -> Result<Json<Vec<Announcement>>> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    Ok(Json(service::list_own(&ctx, &actor, &f).await?))
}

/// One announcement with its version history and change notices. Public when published or
/// withdrawn; the owner and staff also see drafts.
#[utoipa::path(get, path = "/api/v1/announcements/{id}", tag = "publishing",
    params(("id" = String, Path, description = "announcement id")),
    responses((status = 200, body = Announcement), (status = 304), (status = 404)))]
async fn get_announcement(
    State(ctx): State<Ctx>,
    MaybeActor(actor): MaybeActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response> {
    // Public: no role required; a logged-in caller may see more.
    let a = service::get(&ctx, actor.as_ref(), &id).await?;
    let modified = Some(a.updated_at);
    Ok(cached(
        &headers,
        "application/json",
        json_bytes(&a)?,
        modified,
    ))
}

/// Replace a draft (owner, staff). Published text is immutable (409).
#[utoipa::path(put, path = "/api/v1/announcements/{id}", tag = "publishing", security(("bearer" = [])),
    params(("id" = String, Path, description = "announcement id")), request_body = AnnouncementDraft,
    responses((status = 200, body = Announcement), (status = 404),
              (status = 409, description = "not a draft; published text is immutable; or the project has not reached publishing yet (`Retry-After`)"), (status = 422)))]
async fn update_announcement(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(d): Json<AnnouncementDraft>,
) -> Result<Json<Announcement>> {
    actor.require(&[Role::Tenderer, Role::Agency, Role::Staff])?;
    Ok(Json(service::update(&ctx, &actor, &id, d).await?))
}

/// Submit a draft for approval (owner, staff).
#[utoipa::path(post, path = "/api/v1/announcements/{id}/submit", tag = "publishing", security(("bearer" = [])),
    params(("id" = String, Path, description = "announcement id")),
    responses((status = 200, body = Announcement), (status = 404), (status = 409)))]
async fn submit_announcement(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Announcement>> {
    actor.require(&[Role::Tenderer, Role::Agency, Role::Staff])?;
    Ok(Json(service::submit(&ctx, &actor, &id).await?))
}

/// Approve and schedule (staff): publishes now, or at `publish_at` by a durable timer. The legal
/// periods are checked here and again when it publishes.
#[utoipa::path(post, path = "/api/v1/announcements/{id}/approve", tag = "publishing", security(("bearer" = [])),
    params(("id" = String, Path, description = "announcement id")), request_body = Approval,
    responses((status = 200, body = Announcement), (status = 403), (status = 409),
              (status = 422, description = "a legal period is too short")))]
async fn approve_announcement(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(ap): Json<Approval>,
) -> Result<Json<Announcement>> {
    actor.require(&[Role::Staff])?;
    Ok(Json(service::approve(&ctx, &actor, &id, ap).await?))
}

/// Return a submitted announcement to its owner with a reason (staff): it becomes a draft again
/// and its owner reads `return_reason`.
#[utoipa::path(post, path = "/api/v1/announcements/{id}/return", tag = "publishing", security(("bearer" = [])),
    params(("id" = String, Path, description = "announcement id")), request_body = AnnouncementReturn,
    responses((status = 200, body = Announcement), (status = 400), (status = 401), (status = 403),
              (status = 404), (status = 409, description = "not submitted"), (status = 415),
              (status = 422, description = "no reason")))]
async fn return_announcement(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(r): Json<AnnouncementReturn>,
) -> Result<Json<Announcement>> {
    actor.require(&[Role::Staff])?;
    Ok(Json(service::return_to_owner(&ctx, &actor, &id, r).await?))
}

/// Withdraw a published announcement (staff); the text stays readable with the reason.
#[utoipa::path(post, path = "/api/v1/announcements/{id}/withdraw", tag = "publishing", security(("bearer" = [])),
    params(("id" = String, Path, description = "announcement id")), request_body = Withdrawal,
    responses((status = 200, body = Announcement), (status = 403), (status = 409), (status = 422)))]
async fn withdraw_announcement(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(w): Json<Withdrawal>,
) -> Result<Json<Announcement>> {
    actor.require(&[Role::Staff])?;
    Ok(Json(service::withdraw(&ctx, &actor, &id, w).await?))
}

/// A market's RSS 2.0 feed (templates/feed/market.xml): every value is escaped by the template.
#[derive(askama::Template)]
#[template(path = "feed/market.xml", escape = "html")]
struct MarketFeed<'a> {
    base: &'a str,
    market: &'a str,
    sandbox: &'a str,
    items: Vec<FeedItem<'a>>,
}

struct FeedItem<'a> {
    title: &'a str,
    id: &'a str,
    category: &'a str,
    pub_date: Option<String>,
    /// The announcement's sanitized HTML, escaped once more as the item's text.
    body_html: &'a str,
}

fn rfc822(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// RSS 2.0 feed of one market's latest published announcements, e.g. `/feeds/construction.xml`.
#[utoipa::path(get, path = "/feeds/{file}", tag = "publishing",
    params(("file" = String, Path, description = "`<market>.xml`, e.g. construction.xml")),
    responses((status = 200, content_type = "application/rss+xml"), (status = 304), (status = 404)))]
async fn market_feed(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response> {
    // Public: no role required.
    let market = file
        .strip_suffix(".xml")
        .and_then(|m| Market::parse(m).ok())
        .ok_or_else(|| Error::not_found(format!("feed {file}")))?;
    let page = service::list_public(
        &ctx,
        &PublicFilter {
            market: Some(market.as_str().into()),
            limit: Some(50),
            ..PublicFilter::default()
        },
    )
    .await?;
    // Feed readers resolve nothing relative: every link is absolute, on the public URL
    // (`--public-url`), and points at the page a person reads (the portal), not the JSON API.
    let base = ctx.settings.public_url.trim_end_matches('/');
    let sandbox = crate::ocds::sandbox_mark(&ctx);
    let feed = MarketFeed {
        base,
        market: market.as_str(),
        sandbox,
        items: page
            .items
            .iter()
            .map(|a| FeedItem {
                title: &a.title,
                id: &a.id,
                category: a.ann_type.as_str(),
                pub_date: a.published_at.map(rfc822),
                body_html: &a.body_html,
            })
            .collect(),
    };
    let x = askama::Template::render(&feed).map_err(|e| Error::Internal(e.into()))?;
    let modified = page.items.iter().map(|a| a.updated_at).max();
    Ok(cached(
        &headers,
        "application/rss+xml; charset=utf-8",
        x.into_bytes(),
        modified,
    ))
}
