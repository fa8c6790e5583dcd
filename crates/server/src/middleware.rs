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
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
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

/// Every request's answer head must be ready within `limit`. Streams (server-sent events) are not
/// exempt by what the client asks for: their handler answers at once and the body then streams
/// beyond this deadline, so a plain route stays bounded whatever `Accept` says.
pub async fn timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => Error::Unavailable(format!("request took longer than {} s", limit.as_secs()))
            .into_response(),
    }
}

/// `X-Content-Type-Options: nosniff`, a Content-Security-Policy (the answer's own, else
/// [`ggzy_core::http::DEFAULT_CSP`]: no script), no framing and no referrer, on every answer.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(ggzy_core::http::DEFAULT_CSP),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

/// One CIDR block (`10.0.0.0/8`, `fd00::/8`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let (a, bits) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let net = canonical(a.parse::<IpAddr>().ok()?);
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        (bits <= max).then_some(Cidr { net, bits })
    }

    pub fn contains(&self, a: &IpAddr) -> bool {
        fn prefix(x: u128, bits: u8, width: u8) -> u128 {
            if bits == 0 {
                0
            } else {
                x >> (width - bits)
            }
        }
        match (self.net, canonical(*a)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                prefix(u32::from(n) as u128, self.bits, 32)
                    == prefix(u32::from(a) as u128, self.bits, 32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                prefix(u128::from(n), self.bits, 128) == prefix(u128::from(a), self.bits, 128)
            }
            _ => false,
        }
    }
}

/// Reverse proxies whose `X-Forwarded-For` is believed (`--trusted-proxies`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<Cidr>);

impl TrustedProxies {
    /// Parse `10.0.0.0/8`, `127.0.0.1` (one address) or `::1`, separated by commas or spaces.
    pub fn parse(s: &str) -> Result<TrustedProxies, String> {
        s.split([',', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| Cidr::parse(p).ok_or_else(|| format!("'{p}' is not an address or CIDR block")))
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, a: &IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(a))
    }

    /// The client address: the socket peer unless it is a trusted proxy; then, walking
    /// `X-Forwarded-For` from the right (each proxy appends the address it saw), the first hop that
    /// is not a trusted proxy. A client can put anything it likes at the start of the header but
    /// cannot change what the proxies appended after it.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(&peer) {
            return peer;
        }
        let mut last = peer;
        for hop in forwarded_for
            .iter()
            .flat_map(|h| h.split(','))
            .map(str::trim)
            .rev()
        {
            let Some(a) = parse_hop(hop) else {
                // Unreadable hop: stop at the last address a trusted proxy vouched for.
                return last;
            };
            if !self.trusts(&a) {
                return a;
            }
            last = a;
        }
        last
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:a.b.c.d`, dual-stack sockets) as plain IPv4.
fn canonical(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(a),
        v4 => v4,
    }
}

/// One `X-Forwarded-For` hop: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(s: &str) -> Option<IpAddr> {
    if let Ok(a) = s.parse::<IpAddr>() {
        return Some(canonical(a));
    }
    s.parse::<SocketAddr>().ok().map(|sa| canonical(sa.ip()))
}

/// Puts the client address ([`ClientIp`]) into the request: see [`TrustedProxies::client`].
pub async fn client_ip(
    State(proxies): State<Arc<TrustedProxies>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let ip = match peer {
        Some(peer) => {
            let hops: Vec<&str> = req
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            proxies.client(peer, &hops).to_string()
        }
        None => "unknown".into(),
    };
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

/// The sign-in route, whose answer (a token) is never stored by [`idempotency`].
pub const LOGIN_PATH: &str = "/api/v1/auth/login";

/// A request whose latency others wait for (a live auction's bid, `ggzy_auctions::http::on_lane`)
/// runs on the lane (`ggzy_store::lane`) from here on: its session lookup, its `Idempotency-Key`
/// claim and its use case are not queued behind the watchers' streams on the server's runtime.
pub async fn lane(req: Request, next: Next) -> Response {
    if ggzy_auctions::http::on_lane(req.method(), req.uri().path()) {
        ggzy_store::lane::run(next.run(req)).await
    } else {
        next.run(req).await
    }
}

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
    // A sign-in changes nothing a retry could repeat, and its answer is a bearer token: it is
    // never stored for replay (a retry simply signs in again).
    if req.uri().path() == LOGIN_PATH {
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
    if claims_key_with_change(&parts.method, parts.uri.path()) {
        let claim = idempotency::Claim {
            method,
            path,
            request_hash: hash,
            at: now,
        };
        let req = Request::from_parts(parts, Body::from(bytes));
        return claiming(&ctx, principal, key, claim, next.run(req)).await;
    }
    match idempotency::begin(&ctx.db, &principal, &key, &method, &path, &hash, now).await {
        Err(e) => return e.into_response(),
        Ok(idempotency::Begin::Replay {
            status,
            content_type,
            body,
        }) => return replay(status, &content_type, body),
        Ok(idempotency::Begin::Proceed) => {}
    }
    let (res, stored) = idempotency::scope_recording(
        principal.clone(),
        key.clone(),
        next.run(Request::from_parts(parts, Body::from(bytes))),
    )
    .await;
    let status = res.status();
    let (rparts, rbytes) = collected(res).await;
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
        // The use case committed exactly this answer with its change: nothing left to write.
        let already = stored
            .as_ref()
            .is_some_and(|(s, c, b)| *s == status.as_u16() && c == ct && *b == body_text);
        if already {
            return Response::from_parts(rparts, Body::from(rbytes));
        }
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

/// Requests whose `Idempotency-Key` is claimed in the transaction of their change ([`claiming`]),
/// as each area names them after showing that its use case writes only through that transaction:
/// a live auction's bid, a bidder's registration, virtual account and bid upload, and the bank's
/// transfer callback (the four requests of the deadline rush). Every other keyed request claims
/// its key before it runs.
fn claims_key_with_change(method: &axum::http::Method, path: &str) -> bool {
    ggzy_auctions::http::claims_key_with_change(method, path)
        || ggzy_projects::http::claims_key_with_change(method, path)
        || ggzy_deposits::http::claims_key_with_change(method, path)
}

/// A response's head and its whole body (to store it as a key's answer).
async fn collected(res: Response) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = res.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    (parts, bytes)
}

/// A stored answer, given again.
fn replay(status: u16, content_type: &str, body: String) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}

/// [`idempotency`] for a request whose key is claimed in the transaction of its change
/// (`idempotency::scope_claiming`; the routes of [`claims_key_with_change`]): no claim is written
/// before it runs. A retry or a concurrent attempt runs too, but cannot commit, and answers with
/// the first attempt's stored answer (or `409`/`422` as `idempotency::resolve` says).
async fn claiming(
    ctx: &Ctx,
    principal: String,
    key: String,
    claim: idempotency::Claim,
    run: impl std::future::Future<Output = Response>,
) -> Response {
    use idempotency::{Begin, Claimed};
    let (res, stored, claimed) =
        idempotency::scope_claiming(principal.clone(), key.clone(), claim.clone(), run).await;
    let now = ctx.clock.now();
    if claimed == Claimed::Taken {
        let r = idempotency::resolve(
            &ctx.db,
            &principal,
            &key,
            &claim.method,
            &claim.path,
            &claim.request_hash,
            now,
        )
        .await;
        return resolved(ctx, &principal, &key, r.map(Some)).await;
    }
    let status = res.status();
    if status.is_server_error() {
        // Nothing was changed by a failed attempt, or its change committed with its claim.
        return res;
    }
    let (rparts, rbytes) = collected(res).await;
    let ct = rparts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    let body_text = String::from_utf8_lossy(&rbytes).to_string();
    let code = status.as_u16();
    if claimed == Claimed::Yes {
        let already = stored
            .as_ref()
            .is_some_and(|(s, c, b)| *s == code && *c == ct && *b == body_text);
        if !already {
            if let Err(e) =
                idempotency::complete(&ctx.db, &principal, &key, code, &ct, &body_text, now).await
            {
                tracing::warn!(error = %e, "could not store idempotent answer");
            }
        }
    } else {
        // Nothing committed: the key is claimed and answered at once, unless another attempt
        // took it meanwhile — then its answer is the answer.
        match idempotency::record(
            &ctx.db, &principal, &key, &claim, code, &ct, &body_text, now,
        )
        .await
        {
            Ok(None) => {}
            Ok(Some(Begin::Replay {
                status,
                content_type,
                body,
            })) => return replay(status, &content_type, body),
            other => return resolved(ctx, &principal, &key, other).await,
        }
    }
    Response::from_parts(rparts, Body::from(rbytes))
}

/// The answer of a keyed request whose key another attempt took (`idempotency::resolve`).
async fn resolved(
    ctx: &Ctx,
    principal: &str,
    key: &str,
    b: ggzy_core::Result<Option<idempotency::Begin>>,
) -> Response {
    use idempotency::Begin;
    match b {
        Err(e) => e.into_response(),
        Ok(Some(Begin::Replay {
            status,
            content_type,
            body,
        })) => replay(status, &content_type, body),
        // A claim that died without a change was taken over: free it, and let the client retry
        // (this attempt's change was not made).
        Ok(Some(Begin::Proceed)) | Ok(None) => {
            let _ = idempotency::abandon(&ctx.db, principal, key).await;
            Error::conflict(
                "idempotency.in_progress",
                "a request with this Idempotency-Key is still being processed; retry shortly",
            )
            .into_response()
        }
    }
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

#[cfg(test)]
mod tests {
    use super::{Cidr, TrustedProxies};
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn cidr_blocks_contain_their_addresses_only() {
        let c = Cidr::parse("10.0.0.0/8").expect("cidr");
        assert!(c.contains(&ip("10.255.1.2")));
        assert!(!c.contains(&ip("11.0.0.0")));
        assert!(Cidr::parse("0.0.0.0/0")
            .expect("all")
            .contains(&ip("8.8.8.8")));
        let one = Cidr::parse("127.0.0.1").expect("one");
        assert!(one.contains(&ip("127.0.0.1")) && !one.contains(&ip("127.0.0.2")));
        assert!(one.contains(&ip("::ffff:127.0.0.1")));
        let v6 = Cidr::parse("fd00::/8").expect("v6");
        assert!(v6.contains(&ip("fd12::1")) && !v6.contains(&ip("fe80::1")));
        assert!(!v6.contains(&ip("10.0.0.1")));
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("10.0.0.5"), &["1.2.3.4"]), ip("10.0.0.5"));
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let t = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").expect("parse");
        // nginx appends the address it saw; the client prepended a lie.
        assert_eq!(
            t.client(ip("10.0.0.5"), &["6.6.6.6, 203.0.113.7"]),
            ip("203.0.113.7")
        );
        // Two proxies in a row, the header split over two lines.
        assert_eq!(
            t.client(ip("127.0.0.1"), &["6.6.6.6", "203.0.113.7, 10.1.1.1"]),
            ip("203.0.113.7")
        );
        // A peer that is not a proxy cannot forward anything.
        assert_eq!(
            t.client(ip("198.51.100.1"), &["6.6.6.6"]),
            ip("198.51.100.1")
        );
        // Only proxies in the header: the left-most one.
        assert_eq!(t.client(ip("10.0.0.5"), &["10.0.0.9"]), ip("10.0.0.9"));
        // Garbage stops the walk at the last address a proxy vouched for.
        assert_eq!(t.client(ip("10.0.0.5"), &["6.6.6.6, junk"]), ip("10.0.0.5"));
        // Mapped IPv4 peers and hops with ports.
        assert_eq!(
            t.client(ip("::ffff:10.0.0.5"), &["203.0.113.7:4444"]),
            ip("203.0.113.7")
        );
    }

    #[tokio::test]
    async fn asking_for_an_event_stream_does_not_lift_the_timeout() {
        use axum::body::Body;
        use axum::routing::get;
        use std::time::Duration;
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .layer(axum::middleware::from_fn_with_state(
                Duration::from_millis(100),
                super::timeout,
            ));
        let req = axum::http::Request::builder()
            .uri("/slow")
            .header("accept", "text/event-stream")
            .body(Body::empty())
            .expect("request");
        let started = std::time::Instant::now();
        let res = app.oneshot(req).await.expect("answer");
        assert_eq!(res.status(), 503);
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn bad_cidrs_are_refused() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert_eq!(TrustedProxies::parse("").expect("empty").0.len(), 0);
    }
}
