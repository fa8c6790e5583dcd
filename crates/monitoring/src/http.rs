//! Monitoring routes under `/api/v1/monitoring` (supervisors act; staff and admin read).

use crate::alerts::{self, Action, Alert, AlertDetail, AlertFilter, HandleAlert};
use crate::page::{ReaderActor, WATCHERS};
use crate::rules::{RuleConfig, RuleOverride};
use crate::stats::{self, Dashboard, ReportInfo, Stats, StatsParams};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::events::Event;
use ggzy_core::http::{Json, Path, Query};
use ggzy_core::{Error, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::disclosure;
use ggzy_store::outbox::{self, ChainReport, EventQuery};
use ggzy_store::Ctx;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(list_alerts))
        .routes(routes!(get_alert))
        .routes(routes!(acknowledge))
        .routes(routes!(resolve))
        .routes(routes!(dismiss))
        .routes(routes!(add_note))
        .routes(routes!(list_rules))
        .routes(routes!(update_rule))
        .routes(routes!(get_stats))
        .routes(routes!(get_dashboard))
        .routes(routes!(stream))
        .routes(routes!(list_reports))
        .routes(routes!(generate_report, download_report))
        .routes(routes!(audit_events))
        .routes(routes!(audit_verify))
        .routes(routes!(section_history))
}

/// Alerts, newest first, filtered by status, severity, rule, section or project (supervisor, staff, admin).
#[utoipa::path(get, path = "/api/v1/monitoring/alerts", tag = "monitoring", security(("bearer" = [])),
    params(AlertFilter), responses((status = 200, body = [Alert]), (status = 403), (status = 422)))]
async fn list_alerts(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(f): Query<AlertFilter>,
) -> Result<Json<Vec<Alert>>> {
    actor.require(&alerts::readers())?;
    Ok(Json(alerts::list(&ctx, &actor, &f).await?))
}

/// One alert with its evidence, notes and rule (supervisor, staff, admin).
#[utoipa::path(get, path = "/api/v1/monitoring/alerts/{id}", tag = "monitoring", security(("bearer" = [])),
    params(("id" = String, Path, description = "alert id")),
    responses((status = 200, body = AlertDetail), (status = 403), (status = 404)))]
async fn get_alert(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<AlertDetail>> {
    actor.require(&alerts::readers())?;
    Ok(Json(alerts::get(&ctx, &actor, &id).await?))
}

/// Take an open alert in hand (supervisor); the assignee defaults to the caller.
#[utoipa::path(post, path = "/api/v1/monitoring/alerts/{id}/acknowledge", tag = "monitoring", security(("bearer" = [])),
    params(("id" = String, Path, description = "alert id")), request_body = HandleAlert,
    responses((status = 200, body = AlertDetail), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn acknowledge(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(b): Json<HandleAlert>,
) -> Result<Json<AlertDetail>> {
    actor.require(&[ggzy_identity::Role::Supervisor])?;
    Ok(Json(
        alerts::handle(&ctx, &actor, &id, Action::Acknowledge, b).await?,
    ))
}

/// Close an alert as a real problem dealt with (supervisor; note required).
#[utoipa::path(post, path = "/api/v1/monitoring/alerts/{id}/resolve", tag = "monitoring", security(("bearer" = [])),
    params(("id" = String, Path, description = "alert id")), request_body = HandleAlert,
    responses((status = 200, body = AlertDetail), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn resolve(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(b): Json<HandleAlert>,
) -> Result<Json<AlertDetail>> {
    actor.require(&[ggzy_identity::Role::Supervisor])?;
    Ok(Json(
        alerts::handle(&ctx, &actor, &id, Action::Resolve, b).await?,
    ))
}

/// Close an alert as not a problem (supervisor; note required).
#[utoipa::path(post, path = "/api/v1/monitoring/alerts/{id}/dismiss", tag = "monitoring", security(("bearer" = [])),
    params(("id" = String, Path, description = "alert id")), request_body = HandleAlert,
    responses((status = 200, body = AlertDetail), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn dismiss(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(b): Json<HandleAlert>,
) -> Result<Json<AlertDetail>> {
    actor.require(&[ggzy_identity::Role::Supervisor])?;
    Ok(Json(
        alerts::handle(&ctx, &actor, &id, Action::Dismiss, b).await?,
    ))
}

/// Add a note to an alert that is still open or acknowledged (supervisor).
#[utoipa::path(post, path = "/api/v1/monitoring/alerts/{id}/notes", tag = "monitoring", security(("bearer" = [])),
    params(("id" = String, Path, description = "alert id")), request_body = HandleAlert,
    responses((status = 200, body = AlertDetail), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn add_note(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(b): Json<HandleAlert>,
) -> Result<Json<AlertDetail>> {
    actor.require(&[ggzy_identity::Role::Supervisor])?;
    Ok(Json(
        alerts::handle(&ctx, &actor, &id, Action::Note, b).await?,
    ))
}

/// The rule catalogue as configured: enabled, severity, thresholds and legal source (supervisor, staff, admin).
#[utoipa::path(get, path = "/api/v1/monitoring/rules", tag = "monitoring", security(("bearer" = [])),
    responses((status = 200, body = [RuleConfig]), (status = 403)))]
async fn list_rules(State(ctx): State<Ctx>, actor: Actor) -> Result<Json<Vec<RuleConfig>>> {
    actor.require(&alerts::readers())?;
    Ok(Json(alerts::list_rules(&ctx, &actor).await?))
}

/// Enable/disable a rule, change its severity or thresholds (supervisor). Applies to events handled from now on.
#[utoipa::path(put, path = "/api/v1/monitoring/rules/{id}", tag = "monitoring", security(("bearer" = [])),
    params(("id" = String, Path, description = "rule id, e.g. collusion.same_ip")), request_body = RuleOverride,
    responses((status = 200, body = RuleConfig), (status = 403), (status = 422)))]
async fn update_rule(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(o): Json<RuleOverride>,
) -> Result<Json<RuleConfig>> {
    actor.require(&[ggzy_identity::Role::Supervisor])?;
    Ok(Json(alerts::update_rule(&ctx, &actor, &id, o).await?))
}

/// Statistics behind the charts: volume and value per market per month, bidders per section,
/// savings rate = 1 − award/estimate (supervisor, staff, admin; bearer or signed-in session).
#[utoipa::path(get, path = "/api/v1/monitoring/stats", tag = "monitoring", security(("bearer" = [])),
    params(StatsParams), responses((status = 200, body = Stats), (status = 403)))]
async fn get_stats(
    State(ctx): State<Ctx>,
    ReaderActor(actor): ReaderActor,
    Query(p): Query<StatsParams>,
) -> Result<Json<Stats>> {
    actor.require(&alerts::readers())?;
    Ok(Json(stats::stats(&ctx.db, &p).await?))
}

/// The dashboard's data: today's openings and evaluations, rooms in use, open alerts by severity,
/// deposits held, and the stream position (supervisor, admin).
#[utoipa::path(get, path = "/api/v1/monitoring/dashboard", tag = "monitoring", security(("bearer" = [])),
    responses((status = 200, body = Dashboard), (status = 403)))]
async fn get_dashboard(
    State(ctx): State<Ctx>,
    ReaderActor(actor): ReaderActor,
) -> Result<Json<Dashboard>> {
    actor.require(&WATCHERS)?;
    Ok(Json(stats::dashboard(&ctx, &actor).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
struct StreamParams {
    /// Start after this sequence number (default: the current head, i.e. only new events).
    after: Option<i64>,
}

#[derive(Serialize)]
struct StreamItem<'a> {
    seq: i64,
    id: &'a str,
    event_type: &'a str,
    aggregate_type: &'a str,
    aggregate_id: &'a str,
    occurred_at: DateTime<Utc>,
    payload: &'a serde_json::Value,
}

/// Live stream of sealed events as Server-Sent Events (`id` = seq; `Last-Event-ID` resumes),
/// woken when events are sealed (supervisor, admin; bearer or signed-in session).
#[utoipa::path(get, path = "/api/v1/monitoring/stream", tag = "monitoring", security(("bearer" = [])),
    params(StreamParams), responses((status = 200, description = "text/event-stream of events", content_type = "text/event-stream"), (status = 403)))]
async fn stream(
    State(ctx): State<Ctx>,
    ReaderActor(actor): ReaderActor,
    headers: HeaderMap,
    Query(p): Query<StreamParams>,
) -> Result<Response> {
    actor.require(&WATCHERS)?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let start = match resume.or(p.after) {
        Some(a) => a.max(0),
        None => head_seq(&ctx).await?,
    };
    let state = (ctx, start, VecDeque::<Event>::new());
    let s = futures::stream::unfold(state, |(ctx, mut cursor, mut buf)| async move {
        loop {
            if let Some(e) = buf.pop_front() {
                cursor = e.seq;
                let item = StreamItem {
                    seq: e.seq,
                    id: &e.id,
                    event_type: &e.event_type,
                    aggregate_type: &e.aggregate_type,
                    aggregate_id: &e.aggregate_id,
                    occurred_at: e.occurred_at,
                    payload: &e.payload,
                };
                let data = serde_json::to_string(&item).unwrap_or_else(|_| "{}".into());
                let ev = SseEvent::default().id(e.seq.to_string()).data(data);
                return Some((Ok::<_, Infallible>(ev), (ctx, cursor, buf)));
            }
            let sealed = ctx.db.sealed().notified();
            tokio::pin!(sealed);
            sealed.as_mut().enable();
            match outbox::read_after(ctx.db.pool(), cursor, 200).await {
                Ok(evs) if !evs.is_empty() => {
                    // Alerts live, bidder identities only after the deadline (docs/security.md).
                    let shown = match disclosure::for_overseers(&ctx.db, evs.clone()).await {
                        Ok(v) => v,
                        Err(_) => disclosure::redact_all_traces(evs),
                    };
                    buf.extend(shown)
                }
                Ok(_) => {
                    // Woken by this instance's sealer (or the PostgreSQL listener); the timeout covers
                    // events sealed by another instance whose notification was missed.
                    let _ = tokio::time::timeout(Duration::from_secs(2), sealed).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "monitoring stream read failed");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    });
    Ok(Sse::new(s)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

async fn head_seq(ctx: &Ctx) -> Result<i64> {
    Ok(crate::store::reports::last_seq(&ctx.db).await?.unwrap_or(0))
}

/// Stored daily reports, newest first (supervisor, staff, admin).
#[utoipa::path(get, path = "/api/v1/monitoring/reports", tag = "monitoring", security(("bearer" = [])),
    responses((status = 200, body = [ReportInfo]), (status = 403)))]
async fn list_reports(
    State(ctx): State<Ctx>,
    ReaderActor(actor): ReaderActor,
) -> Result<Json<Vec<ReportInfo>>> {
    actor.require(&alerts::readers())?;
    Ok(Json(stats::list_reports(&ctx.db).await?))
}

fn parse_day(day: &str) -> Result<NaiveDate> {
    day.parse::<NaiveDate>()
        .map_err(|_| Error::field("day", "format", "a date YYYY-MM-DD"))
}

/// Build (or rebuild) the report of a day now, as the nightly cron does (supervisor).
#[utoipa::path(post, path = "/api/v1/monitoring/reports/{day}", tag = "monitoring", security(("bearer" = [])),
    params(("day" = String, Path, description = "YYYY-MM-DD, Asia/Shanghai", format = Date)),
    responses((status = 201, body = ReportInfo), (status = 403), (status = 422)))]
async fn generate_report(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(day): Path<String>,
) -> Result<(StatusCode, Json<ReportInfo>)> {
    actor.require(&[Role::Supervisor])?;
    let day = parse_day(&day)?;
    if day > ggzy_core::time::local_date(ctx.clock.now()) {
        return Err(Error::field(
            "day",
            "monitoring.report_future",
            "a report covers a day that has started",
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(stats::generate_report(&ctx.db, day, ctx.clock.now()).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
struct ReportFormat {
    /// `csv` (default) or `html`.
    format: Option<String>,
}

/// Download a stored daily report as CSV or HTML (supervisor, staff, admin; bearer or signed-in session).
#[utoipa::path(get, path = "/api/v1/monitoring/reports/{day}", tag = "monitoring", security(("bearer" = [])),
    params(("day" = String, Path, description = "YYYY-MM-DD", format = Date), ReportFormat),
    responses((status = 200, description = "the report", content_type = "text/csv"), (status = 403), (status = 404), (status = 422)))]
async fn download_report(
    State(ctx): State<Ctx>,
    ReaderActor(actor): ReaderActor,
    Path(day): Path<String>,
    Query(f): Query<ReportFormat>,
) -> Result<Response> {
    actor.require(&alerts::readers())?;
    let day = parse_day(&day)?;
    let (csv, html) = stats::get_report(&ctx.db, day).await?;
    let (ct, body, ext) = match f.format.as_deref().unwrap_or("csv") {
        "csv" => ("text/csv; charset=utf-8", csv, "csv"),
        "html" => ("text/html; charset=utf-8", html, "html"),
        _ => {
            return Err(Error::field(
                "format",
                "monitoring.format_unknown",
                "format is csv or html",
            ))
        }
    };
    let disp = format!("attachment; filename=\"ggzy-report-{day}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, ct.to_string()),
            (header::CONTENT_DISPOSITION, disp),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
struct AuditParams {
    /// A project or section id (events that name it).
    project: Option<String>,
    /// An organization id (events it caused or that name it).
    org: Option<String>,
    /// A user id (events that user caused).
    person: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    after: Option<i64>,
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
struct AuditPage {
    events: Vec<Event>,
    next_cursor: i64,
}

/// Search the event log by project, organization, person and time (supervisor, admin; bearer or signed-in session).
#[utoipa::path(get, path = "/api/v1/monitoring/audit/events", tag = "monitoring", security(("bearer" = [])),
    params(AuditParams), responses((status = 200, body = AuditPage), (status = 403)))]
async fn audit_events(
    State(ctx): State<Ctx>,
    ReaderActor(actor): ReaderActor,
    Query(p): Query<AuditParams>,
) -> Result<Json<AuditPage>> {
    actor.require(&WATCHERS)?;
    let limit = p.limit.unwrap_or(100).clamp(1, 1000);
    let q = EventQuery {
        after: p.after.unwrap_or(0).max(0),
        limit,
        actor: p.person.as_ref().map(|u| {
            if u.contains(':') {
                u.clone()
            } else {
                format!("user:{u}")
            }
        }),
        from: p.from,
        to: p.to,
        text: p.project.clone().or(p.org.clone()),
        ..Default::default()
    };
    let found = outbox::search(&ctx.db, &q).await?;
    let next_cursor = found.last().map(|e| e.seq).unwrap_or(q.after);
    let mut events = disclosure::for_overseers_search(&ctx.db, found).await?;
    // Both a project and an organization: the second narrows the first.
    if let (Some(_), Some(org)) = (&p.project, &p.org) {
        events.retain(|e| {
            e.actor_org.as_deref() == Some(org.as_str())
                || e.payload.to_string().contains(org.as_str())
        });
    }
    Ok(Json(AuditPage {
        events,
        next_cursor,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
struct ChainCheck {
    ok: bool,
    checked: i64,
    head_seq: i64,
    head_hash: String,
    broken_at: Option<i64>,
    problem: Option<String>,
}

impl From<ChainReport> for ChainCheck {
    fn from(r: ChainReport) -> Self {
        ChainCheck {
            ok: r.broken_at.is_none(),
            checked: r.checked,
            head_seq: r.head_seq,
            head_hash: r.head_hash,
            broken_at: r.broken_at,
            problem: r.problem,
        }
    }
}

/// Verify the audit hash chain from the dashboard (supervisor, admin; bearer or signed-in session).
#[utoipa::path(get, path = "/api/v1/monitoring/audit/verify", tag = "monitoring", security(("bearer" = [])),
    responses((status = 200, body = ChainCheck), (status = 403)))]
async fn audit_verify(
    State(ctx): State<Ctx>,
    ReaderActor(actor): ReaderActor,
) -> Result<Json<ChainCheck>> {
    actor.require(&WATCHERS)?;
    Ok(Json(outbox::verify_chain(&ctx.db).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
struct SectionHistory {
    section_id: String,
    exported_at: DateTime<Utc>,
    /// The chain as verified at export time; each event carries its seq, prev_hash and hash.
    chain: ChainCheck,
    events: Vec<Event>,
}

/// A section's complete history as one JSON file: every sealed event about it or naming it, in
/// order, with hashes (supervisor, admin; bearer or signed-in session).
#[utoipa::path(get, path = "/api/v1/monitoring/sections/{id}/history", tag = "monitoring", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id", pattern = "^[A-Za-z0-9]{3}[A-Za-z0-9_-]{0,97}$")),
    responses((status = 200, body = SectionHistory), (status = 403), (status = 404)))]
async fn section_history(
    State(ctx): State<Ctx>,
    ReaderActor(actor): ReaderActor,
    Path(id): Path<String>,
) -> Result<Response> {
    actor.require(&WATCHERS)?;
    // A section id, not a search pattern: `-` or `_` would otherwise match most of the log.
    let well_formed = (3..=100).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && id.chars().filter(char::is_ascii_alphanumeric).count() >= 3;
    if !well_formed {
        return Err(Error::field(
            "id",
            "monitoring.section_id_format",
            "a section id: 3-100 characters of A-Z, a-z, 0-9, '-', '_' with at least 3 letters or digits",
        ));
    }
    let mut all: std::collections::BTreeMap<i64, Event> = std::collections::BTreeMap::new();
    for by_aggregate in [true, false] {
        let mut after = 0;
        loop {
            let q = EventQuery {
                after,
                limit: 1000,
                aggregate_id: by_aggregate.then(|| id.clone()),
                // Events naming the section carry it as a whole JSON string value.
                text: (!by_aggregate).then(|| format!("\"{id}\"")),
                ..Default::default()
            };
            let page = outbox::search(&ctx.db, &q).await?;
            let Some(last) = page.last().map(|e| e.seq) else {
                break;
            };
            let n = page.len();
            for e in page {
                all.insert(e.seq, e);
            }
            if n < 1000 {
                break;
            }
            after = last;
        }
    }
    if all.is_empty() {
        return Err(Error::not_found(format!("no events about section {id}")));
    }
    let doc = SectionHistory {
        section_id: id.clone(),
        exported_at: ctx.clock.now(),
        chain: outbox::verify_chain(&ctx.db).await?.into(),
        events: disclosure::for_overseers(&ctx.db, all.into_values().collect()).await?,
    };
    let body = serde_json::to_vec_pretty(&doc).map_err(|e| Error::internal(e.to_string()))?;
    let safe: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let disp = format!("attachment; filename=\"section-{safe}-history.json\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, disp),
        ],
        body,
    )
        .into_response())
}
