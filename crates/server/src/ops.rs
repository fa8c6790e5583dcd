//! Operational routes: health, readiness, metrics, the OpenAPI document, the changes feed and the
//! audit chain.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::routing::get;
use axum::Router;
use ggzy_core::events::Event;
use ggzy_core::http::{Json, Query};
use ggzy_core::{Error, Result};
use ggzy_identity::http::ClientIp;
use ggzy_identity::{Actor, Role};
use ggzy_store::disclosure;
use ggzy_store::outbox::{self, EventQuery};
use ggzy_store::tlog;
use ggzy_store::Ctx;
use metrics_exporter_prometheus::PrometheusHandle;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(clock))
        .routes(routes!(events_feed))
        .routes(routes!(audit_verify))
        .routes(routes!(audit_search))
        .routes(routes!(disclose_identities))
        .routes(routes!(audit_checkpoint))
        .routes(routes!(audit_checkpoints))
        .routes(routes!(audit_checkpoints_rss))
        .routes(routes!(audit_inclusion))
        .routes(routes!(audit_consistency))
        .routes(routes!(audit_log_key))
}

/// Routes that are not part of the JSON API document (they describe or measure it).
pub fn plain_router(
    doc: bytes::Bytes,
    metrics: PrometheusHandle,
    metrics_token: Option<String>,
) -> Router<Ctx> {
    Router::new()
        .route(
            "/api/openapi.json",
            // The JSON text made once (`app::build_router`); a clone shares it.
            get(move || {
                let doc = doc.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], doc) }
            }),
        )
        .merge(api_reference())
        .route(
            "/metrics",
            get(
                move |State(ctx): State<Ctx>,
                      ip: Option<axum::Extension<ClientIp>>,
                      headers: HeaderMap| async move {
                    metrics_allowed(
                        ip.map(|e| e.0 .0).as_deref(),
                        &headers,
                        metrics_token.as_deref(),
                    )?;
                    let pool = ctx.db.pool();
                    metrics::gauge!("db_pool_connections").set(pool.size() as f64);
                    metrics::gauge!("db_pool_idle_connections").set(pool.num_idle() as f64);
                    if let Ok(lag) = ggzy_store::timers::lag_seconds(&ctx.db, ctx.clock.now()).await
                    {
                        metrics::gauge!("timer_lag_seconds").set(lag);
                    }
                    Ok::<_, Error>((
                        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                        metrics.render(),
                    ))
                },
            ),
        )
}

/// `/metrics` is not public: a client on this machine (loopback, after `--trusted-proxies`
/// resolution, so a request forwarded by a local nginx counts as its real client) or a scraper
/// presenting `Authorization: Bearer <GGZY_METRICS_TOKEN>`.
pub fn metrics_allowed(
    client: Option<&str>,
    headers: &HeaderMap,
    token: Option<&str>,
) -> Result<()> {
    let loopback = client
        .and_then(|c| c.parse::<std::net::IpAddr>().ok())
        .is_some_and(|a| a.is_loopback());
    if loopback {
        return Ok(());
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let (Some(want), Some(given)) = (token.filter(|t| !t.is_empty()), given) {
        use sha2::Digest;
        // Compare digests: equal length, no early exit on the first differing byte of the token.
        let a = sha2::Sha256::digest(want.as_bytes());
        let b = sha2::Sha256::digest(given.trim().as_bytes());
        if a.iter()
            .zip(b.iter())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
        {
            return Ok(());
        }
    }
    Err(Error::forbidden(
        "metrics are served to this machine or with the metrics token only",
    ))
}

#[derive(Serialize, ToSchema)]
struct Health {
    status: &'static str,
    /// Operational warnings that do not stop the platform (`/healthz` only): a holiday schedule
    /// due or missing (`calendar.next_year_missing` from 1 November, `calendar.year_missing`),
    /// consumer events parked (`consumer.event_parked`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    /// Signed checkpoints of the audit log: `published`, or why they are not
    /// (docs/transparency-log.md). Absent on `/readyz`.
    #[serde(skip_serializing_if = "Option::is_none")]
    log_checkpoints: Option<String>,
    /// Bid receipts: `signed`, or why uploads are refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    bid_receipts: Option<String>,
}

/// The process is up (always 200); `warnings` lists what an operator should act on, and whether the
/// audit log's checkpoints and bid receipts can be signed.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = Health)))]
async fn healthz(State(ctx): State<Ctx>) -> Json<Health> {
    let mut warnings =
        match ggzy_store::calendar::warnings(&ctx.db, &ctx.calendar, ctx.clock.now()).await {
            Ok(w) => w,
            Err(e) => vec![format!("calendar state unavailable: {e}")],
        };
    if let Ok(p) = ggzy_store::consumer::parked(&ctx.db, true).await {
        for p in p {
            warnings.push(format!(
                "consumer.event_parked: {} #{} ({}): {}",
                p.consumer, p.seq, p.event_type, p.error
            ));
        }
    }
    Json(Health {
        status: "ok",
        warnings,
        log_checkpoints: Some(match ctx.settings.log_signer {
            Some(_) => "published".into(),
            None => "disabled: no log signing key (--log-key-file or GGZY_LOG_SIGNING_KEY); \
                     checkpoints are not published"
                .into(),
        }),
        bid_receipts: Some(match ctx.settings.receipt_signer {
            Some(_) => "signed".into(),
            None => "disabled: no receipt signing key (--receipt-key-file or \
                     GGZY_RECEIPT_SIGNING_KEY); bid uploads answer 503"
                .into(),
        }),
    })
}

/// The database is reachable and every migration is applied.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, body = Health), (status = 503, description = "database unreachable or not migrated")))]
async fn readyz(State(ctx): State<Ctx>) -> Result<Json<Health>> {
    ctx.db.ready().await?;
    // A missing holiday schedule never makes an instance unready: dates go provisional instead.
    Ok(Json(Health {
        status: "ready",
        warnings: Vec::new(),
        log_checkpoints: None,
        bid_receipts: None,
    }))
}

#[derive(Serialize, ToSchema)]
struct ClockAnswer {
    /// The platform's current time (RFC 3339, UTC): simulated in a sandbox.
    now: String,
    /// How many times faster than real time the platform's clock runs (1 outside a sandbox).
    scale: u32,
    /// Whether this platform is a sandbox (演示环境, `serve --demo`) whose data is simulated.
    sandbox: bool,
}

/// The platform's clock: every deadline, timer and countdown follows it. In a sandbox started with
/// `serve --demo --time-scale N` it is simulated time running N times faster than real time.
/// No sign-in needed.
#[utoipa::path(get, path = "/api/v1/clock", tag = "ops", responses((status = 200, body = ClockAnswer)))]
async fn clock(State(ctx): State<Ctx>) -> Json<ClockAnswer> {
    Json(ClockAnswer {
        now: ctx
            .clock
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        scale: ctx.clock.scale(),
        sandbox: ctx.settings.sandbox,
    })
}

#[derive(Deserialize, IntoParams)]
struct FeedParams {
    /// Cursor: the `seq` of the last event already read (0 for the start).
    after: Option<i64>,
    /// At most this many events (1–1000, default 100).
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct FeedPage {
    events: Vec<Event>,
    /// Pass as `after` to continue.
    next_cursor: i64,
}

/// The changes feed: sealed domain events in order (supervisor, admin).
#[utoipa::path(get, path = "/api/events", tag = "audit", security(("bearer" = [])), params(FeedParams),
    responses((status = 200, body = FeedPage), (status = 403)))]
async fn events_feed(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(p): Query<FeedParams>,
) -> Result<Json<FeedPage>> {
    actor.require(&[Role::Supervisor, Role::Admin])?;
    let after = p.after.unwrap_or(0).max(0);
    let events =
        outbox::read_after(ctx.db.pool(), after, p.limit.unwrap_or(100).clamp(1, 1000)).await?;
    let next_cursor = events.last().map(|e| e.seq).unwrap_or(after);
    let events = disclosure::for_overseers(&ctx.db, events).await?;
    Ok(Json(FeedPage {
        events,
        next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
struct ChainVerification {
    ok: bool,
    checked: i64,
    head_seq: i64,
    head_hash: String,
    broken_at: Option<i64>,
    problem: Option<String>,
}

/// Walk the audit hash chain and report the first broken link (supervisor, admin).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = ChainVerification)))]
async fn audit_verify(State(ctx): State<Ctx>, actor: Actor) -> Result<Json<ChainVerification>> {
    actor.require(&[Role::Supervisor, Role::Admin])?;
    let r = outbox::verify_chain(&ctx.db).await?;
    Ok(Json(ChainVerification {
        ok: r.broken_at.is_none(),
        checked: r.checked,
        head_seq: r.head_seq,
        head_hash: r.head_hash,
        broken_at: r.broken_at,
        problem: r.problem,
    }))
}

#[derive(Deserialize, IntoParams)]
struct SearchParams {
    after: Option<i64>,
    limit: Option<i64>,
    /// A project, section, organization… id.
    aggregate_id: Option<String>,
    aggregate_type: Option<String>,
    /// Event type prefix, e.g. `projects.`.
    event_type: Option<String>,
    /// Organization that acted.
    org: Option<String>,
    /// Text in the payload (a USCC, a name).
    q: Option<String>,
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
}

/// Search the event log by project, organization, person or time (supervisor, admin).
#[utoipa::path(get, path = "/api/v1/audit/events", tag = "audit", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, body = FeedPage)))]
async fn audit_search(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(p): Query<SearchParams>,
) -> Result<Json<FeedPage>> {
    actor.require(&[Role::Supervisor, Role::Admin])?;
    let q = EventQuery {
        after: p.after.unwrap_or(0),
        limit: p.limit.unwrap_or(100),
        aggregate_id: p.aggregate_id,
        aggregate_type: p.aggregate_type,
        event_type_prefix: p.event_type,
        actor_org: p.org,
        actor: None,
        from: p.from,
        to: p.to,
        text: p.q,
    };
    let searched = q.text.is_some() || q.actor_org.is_some();
    let events = outbox::search(&ctx.db, &q).await?;
    let next_cursor = events.last().map(|e| e.seq).unwrap_or(q.after);
    let events = if searched {
        disclosure::for_overseers_search(&ctx.db, events).await?
    } else {
        disclosure::for_overseers(&ctx.db, events).await?
    };
    Ok(Json(FeedPage {
        events,
        next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct DisclosureRequest {
    /// The section whose bidder identities are needed.
    pub section_id: String,
    /// Why (at least 10 characters): recorded in the log with who asked.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Disclosure {
    /// The id of the `audit.identities.disclosed` event that records this access.
    pub disclosure_event_id: String,
    pub events: Vec<Event>,
}

/// A supervisor's deliberate, logged access to the bidder identities of one section before its
/// deadline (招标投标法 第二十二条 keeps them from everyone else): the reason and the supervisor are
/// written to the log first (`audit.identities.disclosed`), then every event about the section is
/// returned unredacted.
#[utoipa::path(post, path = "/api/v1/audit/disclosures", tag = "audit", security(("bearer" = [])),
    request_body = DisclosureRequest,
    responses((status = 200, body = Disclosure), (status = 403), (status = 422)))]
async fn disclose_identities(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(req): Json<DisclosureRequest>,
) -> Result<Json<Disclosure>> {
    Ok(Json(disclose(&ctx, &actor, req).await?))
}

/// The use case behind `POST /api/v1/audit/disclosures` (supervisors).
pub async fn disclose(ctx: &Ctx, actor: &Actor, req: DisclosureRequest) -> Result<Disclosure> {
    actor.require(&[Role::Supervisor])?;
    let mut v = ggzy_core::error::Violations::new();
    let id = req.section_id.trim().to_string();
    if id.is_empty() || id.len() > 100 {
        v.push("section_id", "required", "a section id");
    }
    if req.reason.trim().chars().count() < 10 {
        v.push(
            "reason",
            "disclosure.reason_required",
            "state why the identities are needed (at least 10 characters)",
        );
    }
    v.into_result()?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let event_id = ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::Contract::encode(&ggzy_events::audit::IdentitiesDisclosed {
            section_id: id.clone(),
            reason: req.reason.trim().to_string(),
            user_id: actor.user_id.clone(),
            username: actor.username.clone(),
            org_id: actor.org_id.clone(),
        }),
    )
    .await?;
    // The events are read before the commit (the disclosure's own event is not among them) and
    // answered only after it: the record of who looked and why always exists first. The answer
    // is stored with that record, so a keyed retry after a lost answer replays it.
    let mut all = std::collections::BTreeMap::new();
    for by_aggregate in [true, false] {
        let mut after = 0;
        loop {
            let q = EventQuery {
                after,
                limit: 1000,
                aggregate_id: by_aggregate.then(|| id.clone()),
                text: (!by_aggregate).then(|| format!("\"{id}\"")),
                ..Default::default()
            };
            let page = outbox::search(&ctx.db, &q).await?;
            let n = page.len();
            let Some(last) = page.last().map(|e| e.seq) else {
                break;
            };
            for e in page {
                all.insert(e.seq, e);
            }
            if n < 1000 {
                break;
            }
            after = last;
        }
    }
    let answer = Disclosure {
        disclosure_event_id: event_id,
        events: all.into_values().collect(),
    };
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

// ---------------------------------------------------------------------------------------------
// The transparency log (public, no sign-in): docs/transparency-log.md.

/// The latest signed checkpoint of the audit log: a C2SP tlog-checkpoint in a C2SP signed note
/// (`text/plain`), verifiable with the key from `/api/v1/audit/log-key`. Public.
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, content_type = "text/plain", body = String),
              (status = 404, description = "no checkpoint published yet")))]
async fn audit_checkpoint(State(ctx): State<Ctx>) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let cp = tlog::latest_checkpoint(&ctx.db)
        .await?
        .ok_or_else(|| Error::not_found("checkpoint (none published yet)"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        cp.note,
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
struct CheckpointsParams {
    /// Only checkpoints with a smaller tree size (paging backwards).
    before: Option<u64>,
    /// At most this many (1–1000, default 100).
    limit: Option<i64>,
}

/// Every published checkpoint, newest first (history). Public.
#[utoipa::path(get, path = "/api/v1/audit/checkpoints", tag = "audit", params(CheckpointsParams),
    responses((status = 200, body = Vec<tlog::PublishedCheckpoint>)))]
async fn audit_checkpoints(
    State(ctx): State<Ctx>,
    Query(p): Query<CheckpointsParams>,
) -> Result<Json<Vec<tlog::PublishedCheckpoint>>> {
    Ok(Json(
        tlog::checkpoints(&ctx.db, p.before, p.limit.unwrap_or(100)).await?,
    ))
}

/// RSS 2.0 feed of the latest checkpoints (each item carries the signed note). Public.
#[utoipa::path(get, path = "/audit/checkpoints.rss", tag = "audit",
    responses((status = 200, content_type = "application/rss+xml")))]
async fn audit_checkpoints_rss(State(ctx): State<Ctx>) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let base = ctx.settings.public_url.trim_end_matches('/').to_string();
    let items = tlog::checkpoints(&ctx.db, None, 50).await?;
    let feed = CheckpointFeed {
        origin: ctx.settings.log_origin(),
        base,
        items,
    };
    let x = askama::Template::render(&feed).map_err(|e| Error::Internal(e.into()))?;
    Ok((
        [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")],
        x,
    )
        .into_response())
}

/// The checkpoints' RSS 2.0 feed (templates/checkpoints.xml); each item's description is the
/// signed note in a `<pre>`, inside CDATA, the note itself escaped by the template.
#[derive(askama::Template)]
#[template(path = "checkpoints.xml", escape = "html")]
struct CheckpointFeed {
    origin: String,
    base: String,
    items: Vec<tlog::PublishedCheckpoint>,
}

#[derive(Deserialize, IntoParams)]
struct InclusionParams {
    /// Sequence number of the event (leaf index + 1).
    #[param(minimum = 1)]
    seq: i64,
    /// Tree size of the checkpoint to prove against (default: the current tree).
    #[param(minimum = 1)]
    tree_size: Option<u64>,
}

/// Inclusion proof of one event in the tree of `tree_size` leaves (RFC 9162 §2.1.3). Public.
#[utoipa::path(get, path = "/api/v1/audit/proof/inclusion", tag = "audit", params(InclusionParams),
    responses((status = 200, body = tlog::InclusionProof), (status = 422)))]
async fn audit_inclusion(
    State(ctx): State<Ctx>,
    Query(p): Query<InclusionParams>,
) -> Result<Json<tlog::InclusionProof>> {
    Ok(Json(
        tlog::inclusion_proof(&ctx.db, p.seq, p.tree_size).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
struct ConsistencyParams {
    /// The older tree size (a checkpoint you kept).
    old: u64,
    /// The newer tree size (default: the current tree).
    new: Option<u64>,
}

/// Consistency proof between two tree sizes (RFC 9162 §2.1.4). Public.
#[utoipa::path(get, path = "/api/v1/audit/proof/consistency", tag = "audit", params(ConsistencyParams),
    responses((status = 200, body = tlog::ConsistencyProof), (status = 422)))]
async fn audit_consistency(
    State(ctx): State<Ctx>,
    Query(p): Query<ConsistencyParams>,
) -> Result<Json<tlog::ConsistencyProof>> {
    Ok(Json(tlog::consistency_proof(&ctx.db, p.old, p.new).await?))
}

#[derive(Serialize, ToSchema)]
struct LogKey {
    /// The checkpoints' origin line.
    origin: String,
    /// Key name in the signature lines.
    key_name: String,
    /// signed-note verifier key: `<name>+<key id hex>+<base64(0x01 ‖ Ed25519 public key)>`
    /// (the format of Go's golang.org/x/mod/sumdb/note); save it as the `--key` file of
    /// `ggzy audit verify`.
    verifier_key: String,
    algorithm: &'static str,
    /// The raw 32-byte Ed25519 public key, base64.
    public_key: String,
}

/// The public key that signs the checkpoints. Public; 503 when the server has no signing key.
#[utoipa::path(get, path = "/api/v1/audit/log-key", tag = "audit",
    responses((status = 200, body = LogKey), (status = 503)))]
async fn audit_log_key(State(ctx): State<Ctx>) -> Result<Json<LogKey>> {
    use base64::Engine as _;
    let s = ctx.settings.log_signer.as_ref().ok_or_else(|| {
        Error::Unavailable("no log signing key is configured: checkpoints are not published".into())
    })?;
    Ok(Json(LogKey {
        origin: ctx.settings.log_origin(),
        key_name: s.name().to_string(),
        verifier_key: s.verifier_key(),
        algorithm: "ed25519",
        public_key: base64::engine::general_purpose::STANDARD.encode(s.public_key()),
    }))
}

/// The interactive API reference at `/api/docs/`: Swagger UI, its files compiled into the binary
/// (the crate's vendored copy; nothing is fetched from a CDN), reading `/api/openapi.json`. Its own
/// Content Security Policy: scripts and styles from this site only; Swagger UI sets inline style
/// attributes and draws its icons as `data:` images.
fn api_reference() -> Router<Ctx> {
    use utoipa_swagger_ui::{Config, SwaggerUi};
    let ui = SwaggerUi::new("/api/docs").config(
        Config::new(["/api/openapi.json"])
            .try_it_out_enabled(true)
            .persist_authorization(false)
            .display_request_duration(true)
            .filter(true),
    );
    Router::<Ctx>::new()
        .merge(ui)
        .layer(axum::middleware::map_response(
            |mut res: axum::response::Response| async move {
                res.headers_mut().insert(
                    header::CONTENT_SECURITY_POLICY,
                    header::HeaderValue::from_static(
                        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                         img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
                         form-action 'self'; base-uri 'none'; object-src 'none'",
                    ),
                );
                res
            },
        ))
}
