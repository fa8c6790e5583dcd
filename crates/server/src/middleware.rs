//! Shared HTTP middleware: problem+json for every error the framework produces itself, timeouts,
//! client address, metrics, tracing with request ids, and `Idempotency-Key` replay.

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ggzy_core::error::{problem_response, Problem};
use ggzy_core::Error;
use ggzy_identity::http::ClientIp;
use ggzy_store::{idempotency, Ctx};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub async fn not_found(req: Request) -> Response {
    Error::not_found(format!(
        "no route for {} {}",
        req.method(),
        req.uri().path()
    ))
    .into_response()
}

pub fn panic_problem(_err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    Error::internal("panic").into_response()
}

/// Answers the framework produces without a body (405, 408, 413, 415, …) become problem documents.
pub async fn problem_for_bare_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Problem documents and the public portal's HTML error pages are already meant for their reader.
    if ct.starts_with("application/problem+json") || ct.starts_with("text/html") {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&text).trim().to_string();
    let (slug, title) = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method-not-allowed", "Method not allowed for this route")
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("payload-too-large", "Request body too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported-media-type", "Unsupported media type"),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "Request timed out"),
        _ => ("error", "Request failed"),
    };
    let mut out = problem_response(&Problem {
        kind: format!("https://ggzy.dev/problems/{slug}"),
        title: title.into(),
        status: status.as_u16(),
        detail: if detail.is_empty() {
            title.to_string()
        } else {
            detail
        },
        rule: None,
        errors: vec![],
    });
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

pub async fn timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    // Streams (server-sent events) are long-lived by design.
    let is_stream = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    if is_stream {
        return next.run(req).await;
    }
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => Error::Unavailable(format!("request took longer than {} s", limit.as_secs()))
            .into_response(),
    }
}

pub async fn client_ip(State(trust_proxy): State<bool>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let fwd = if trust_proxy {
        req.headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|s| s.trim().to_string())
    } else {
        None
    };
    let ip = fwd.or(peer).unwrap_or_else(|| "unknown".into());
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

pub async fn metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let start = Instant::now();
    let res = next.run(req).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", res.status().as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    res
}

pub fn trace_layer() -> tower_http::trace::TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&Request) -> tracing::Span + Clone,
> {
    tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &Request| {
        let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
    })
}

/// Largest body buffered for idempotent replay; larger uploads carry their own idempotency
/// (a sealed bid is identified by its digest).
const IDEMPOTENT_MAX_BODY: usize = 1024 * 1024;

/// `Idempotency-Key` on a write: the first answer is stored and returned again for retries.
pub async fn idempotency(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return next.run(req).await;
    };
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if key.is_empty() || key.len() > 200 {
        return Error::field(
            "Idempotency-Key",
            "idempotency.key_format",
            "1 to 200 characters",
        )
        .into_response();
    }
    let len = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if len.is_some_and(|l| l > IDEMPOTENT_MAX_BODY) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, IDEMPOTENT_MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return Error::PayloadTooLarge("body too large for an idempotent request".into())
                .into_response()
        }
    };
    // The principal is the authenticated user, so a retry after logging in again still matches.
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let principal = match token {
        Some(t) => match ggzy_identity::service::authenticate(&ctx, &t).await {
            Ok(actor) => {
                let p = format!("user:{}", actor.user_id);
                parts.extensions.insert(actor);
                p
            }
            Err(e) => return e.into_response(),
        },
        None => {
            let ip = parts
                .extensions
                .get::<ClientIp>()
                .map(|c| c.0.clone())
                .unwrap_or_default();
            format!("anon:{ip}")
        }
    };
    let method = parts.method.to_string();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let hash = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(method.as_bytes());
        h.update(b"\n");
        h.update(path.as_bytes());
        h.update(b"\n");
        h.update(&bytes);
        hex::encode(h.finalize())
    };
    let now = ctx.clock.now();
    match idempotency::begin(&ctx.db, &principal, &key, &method, &path, &hash, now).await {
        Err(e) => return e.into_response(),
        Ok(idempotency::Begin::Replay {
            status,
            content_type,
            body,
        }) => {
            let mut res = Response::new(Body::from(body));
            *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                res.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            res.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return res;
        }
        Ok(idempotency::Begin::Proceed) => {}
    }
    let res = idempotency::scope(
        principal.clone(),
        key.clone(),
        next.run(Request::from_parts(parts, Body::from(bytes))),
    )
    .await;
    let status = res.status();
    let (rparts, rbody) = res.into_parts();
    let rbytes: Bytes = rbody
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    if status.is_server_error() {
        // Nothing was changed by a failed attempt (writes are atomic): let the client retry.
        let _ = idempotency::abandon(&ctx.db, &principal, &key).await;
    } else {
        let ct = rparts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json");
        let body_text = String::from_utf8_lossy(&rbytes).to_string();
        if let Err(e) = idempotency::complete(
            &ctx.db,
            &principal,
            &key,
            status.as_u16(),
            ct,
            &body_text,
            ctx.clock.now(),
        )
        .await
        {
            tracing::warn!(error = %e, "could not store idempotent answer");
        }
    }
    Response::from_parts(rparts, Body::from(rbytes))
}

/// The sandbox header on every answer of a sandbox (演示环境): `X-GGZY-Sandbox: scale=1440;
/// now=2026-06-01T01:00:00.000000Z` (the simulated time when the answer was made).
pub async fn sandbox_header(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    if ctx.settings.sandbox {
        let v = format!(
            "scale={}; now={}",
            ctx.clock.scale(),
            ctx.clock
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        );
        if let Ok(v) = axum::http::HeaderValue::from_str(&v) {
            resp.headers_mut().insert(SANDBOX_HEADER, v);
        }
    }
    resp
}

/// Name of the header a sandbox puts on every answer.
pub const SANDBOX_HEADER: &str = "x-ggzy-sandbox";
