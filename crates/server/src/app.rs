//! Router assembly: areas' routers merged under one state, layers added in one place.

use crate::{middleware as mw, ops};
use axum::extract::DefaultBodyLimit;
use axum::Router;
use ggzy_store::Ctx;
use metrics_exporter_prometheus::PrometheusHandle;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "ggzy — public resource trading platform (公共资源交易平台)", version = "0.1.0",
         description = "HTTP API of ggzy. Errors answer application/problem+json (RFC 9457)."),
    modifiers(&SecurityAddon),
    components(schemas(ggzy_core::error::Problem, ggzy_core::error::FieldError))
)]
struct ApiDoc;

struct SecurityAddon;
impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(Clone)]
pub struct AppOptions {
    pub request_timeout: Duration,
    /// Largest JSON body accepted (uploads have their own, larger limit).
    pub body_limit: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed (none: the socket peer is the client).
    pub trusted_proxies: mw::TrustedProxies,
    pub metrics: PrometheusHandle,
    /// Bearer token that opens `/metrics` to a scraper not on this machine (none: loopback only).
    pub metrics_token: Option<String>,
}

/// All routes with their OpenAPI description.
pub fn api_routes() -> OpenApiRouter<Ctx> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(ggzy_identity::http::router())
        .merge(ggzy_projects::http::router())
        .merge(ggzy_experts::http::router())
        .merge(ggzy_deposits::http::router())
        .merge(ggzy_publishing::http::router())
        .merge(ggzy_venues::http::router())
        .merge(ggzy_monitoring::http::router())
        .merge(ggzy_evaluation::http::router())
        .merge(ggzy_auctions::http::router())
        .merge(ggzy_archives::http::router())
        .merge(ggzy_remedies::http::router())
        .merge(ops::router())
        .merge(crate::calendar::router())
}

/// The OpenAPI document of every route.
pub fn openapi() -> serde_json::Value {
    let mut doc = api_routes().split_for_parts().1;
    standard_answers(&mut doc);
    assert_formats(&doc)
}

/// `date` and `date-time` as the server parses them (`chrono`: RFC 3339 with `T`, `Z` or an
/// offset; a calendar date `YYYY-MM-DD`). The patterns accept nothing the parsers refuse except an
/// impossible day such as 02-30, which only a calendar can exclude.
pub const DATE_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";
pub const DATE_TIME_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T\
     ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$";

/// In OpenAPI 3.1 (JSON Schema 2020-12) `format` is an annotation: a validator or a generator may
/// ignore it, and `""` is a valid `date-time`. The server refuses such values, so every `date` and
/// `date-time` string also carries the equivalent `pattern`, which every validator asserts.
fn assert_formats(doc: &utoipa::openapi::OpenApi) -> serde_json::Value {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                let pattern = match map.get("format").and_then(|f| f.as_str()) {
                    Some("date") => Some(DATE_PATTERN),
                    Some("date-time") => Some(DATE_TIME_PATTERN),
                    _ => None,
                };
                let is_string = match map.get("type") {
                    Some(serde_json::Value::String(t)) => t == "string",
                    Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                    _ => false,
                };
                if let (Some(p), true) = (pattern, is_string) {
                    map.entry("pattern")
                        .or_insert_with(|| serde_json::Value::String(p.to_string()));
                }
                for (_, child) in map.iter_mut() {
                    walk(child);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(doc).expect("the OpenAPI document serializes");
    walk(&mut value);
    overridable_fields(&mut value);
    value
}

/// The regional rule overrides name a field of a rules table: the schema lists the names the server
/// knows (`ggzy_projects::regional::FIELDS`, so the list cannot drift) and the four markets. Which
/// field belongs to which table, and each field's range, stay the server's rules
/// (`rules.field_unknown`, `rules.override_range`).
fn overridable_fields(doc: &mut serde_json::Value) {
    let mut names: Vec<&str> = ggzy_projects::regional::FIELDS
        .iter()
        .map(|f| f.field)
        .collect();
    names.sort_unstable();
    names.dedup();
    for schema in ["NewOverride", "OverrideRemoval"] {
        let props = &mut doc["components"]["schemas"][schema]["properties"];
        if props.is_object() {
            props["field"]["enum"] = serde_json::json!(names);
            props["market"]["enum"] =
                serde_json::json!(["construction", "procurement", "land", "property"]);
        }
    }
}

/// Adds to every operation the answers the server's own layers give before a handler runs, which
/// the handlers' annotations do not list: `401` wherever a bearer token is required, `400` where a
/// parameter or a JSON body can be unreadable, `415` and `413` where a JSON body is read. Each is
/// an `application/problem+json` answer (the `Problem` schema).
fn standard_answers(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let problem = |what: &str| {
        ResponseBuilder::new()
            .description(what)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            let secured = op
                .security
                .as_ref()
                .is_some_and(|s| !s.is_empty() && s.iter().any(|r| r != &Default::default()));
            let json_body = op
                .request_body
                .as_ref()
                .is_some_and(|b| b.content.keys().any(|k| k.contains("json")));
            let has_params = op.parameters.as_ref().is_some_and(|ps| {
                ps.iter()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Query | ParameterIn::Path))
            });
            let answers = &mut op.responses.responses;
            let mut add = |code: &str, what: &str| {
                answers
                    .entry(code.to_string())
                    .or_insert_with(|| problem(what).into());
            };
            if secured {
                add(
                    "401",
                    "No valid bearer token: missing, unknown, expired or revoked, or the user is disabled.",
                );
            }
            if json_body || has_params {
                add(
                    "400",
                    "Unreadable input: malformed JSON, a value of the wrong type, or a parameter \
                     that cannot be parsed (the problem names the field).",
                );
            }
            if json_body {
                add("415", "The body is not `application/json`.");
                add("413", "The body is larger than the server accepts.");
            }
        }
    }
}

pub fn build_router(ctx: Ctx, opts: AppOptions) -> Router {
    let (api, mut doc) = api_routes().split_for_parts();
    standard_answers(&mut doc);
    // Kept as the JSON text it is served as: the document as a `serde_json::Value` held about
    // 6 MiB of small allocations for the life of the process, and was cloned for every request.
    let doc = bytes::Bytes::from(
        serde_json::to_vec(&assert_formats(&doc)).expect("the OpenAPI document serializes"),
    );
    let metrics = opts.metrics.clone();
    api.merge(ops::plain_router(doc, metrics, opts.metrics_token.clone()))
        .merge(ggzy_publishing::portal::router())
        .merge(ggzy_web::router())
        .merge(ggzy_monitoring::page::router())
        .merge(ggzy_monitoring::supervisor::router())
        .merge(ggzy_remedies::pages::router())
        .merge(crate::admin_pages::router())
        .merge(crate::admin_rules::router())
        .merge(ggzy_experts::pages::router())
        .merge(ggzy_experts::staff_pages::router())
        .merge(ggzy_experts::request_pages::router())
        .merge(ggzy_venues::pages::router())
        .merge(ggzy_auctions::staff_pages::router())
        .merge(ggzy_evaluation::pages::router())
        .merge(ggzy_evaluation::method_pages::router())
        .merge(ggzy_projects::pages::router())
        .merge(ggzy_auctions::pages::router())
        .merge(ggzy_auctions::capital_pages::router())
        .merge(ggzy_auctions::enterprise_pages::router())
        .merge(crate::staff::router())
        .merge(ggzy_projects::pages::tenderer::router())
        .merge(ggzy_publishing::pages::tenderer::router())
        .merge(ggzy_deposits::pages::router())
        .merge(ggzy_archives::pages::router())
        .fallback(mw::not_found)
        .layer(axum::middleware::from_fn_with_state(
            ctx.clone(),
            mw::idempotency,
        ))
        .layer(axum::middleware::from_fn(mw::lane))
        .layer(DefaultBodyLimit::max(opts.body_limit))
        .layer(axum::middleware::from_fn(mw::problem_for_bare_errors))
        .layer(axum::middleware::from_fn_with_state(
            opts.request_timeout,
            mw::timeout,
        ))
        .layer(axum::middleware::from_fn(mw::metrics))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(opts.trusted_proxies),
            mw::client_ip,
        ))
        .layer(axum::middleware::from_fn_with_state(
            ctx.clone(),
            mw::sandbox_header,
        ))
        .layer(mw::trace_layer())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            mw::panic_problem,
        ))
        .layer(axum::middleware::from_fn(mw::security_headers))
        .with_state(ctx)
}
