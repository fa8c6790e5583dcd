//! Holiday schedules at run time and parked consumer events (docs/calendar.md,
//! docs/events-and-time.md): `GET`/`PUT /api/v1/calendar/{year}`, `GET /api/v1/admin/parked-events`
//! and `POST /api/v1/admin/parked-events/{consumer}/{seq}/replay`. The rules live in
//! `ggzy_core::calendar` and `ggzy_store::{calendar, consumer}`; this file only maps HTTP.

use axum::extract::State;
use chrono::NaiveDate;
use ggzy_core::calendar::{BusinessCalendar, YearSchedule};
use ggzy_core::http::{Json, Path, Query};
use ggzy_core::{Error, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::calendar::{self as stored, StoredVersion};
use ggzy_store::consumer::{self, Parked};
use ggzy_store::Ctx;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(get_year, put_year))
        .routes(routes!(list_parked))
        .routes(routes!(replay_parked))
}

/// One year's holiday schedule and where it comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct YearView {
    pub year: i32,
    /// `compiled-in` (shipped with the binary) or the source named at import.
    pub source: String,
    /// 0 for the compiled-in schedule; 1, 2, … for imported versions.
    pub version: i64,
    /// Days off by holiday name (weekends inside the periods included).
    pub holidays: BTreeMap<String, Vec<NaiveDate>>,
    /// Weekend days that are working days (调休上班).
    pub workdays: Vec<NaiveDate>,
    /// The schedule in the import format.
    pub toml: String,
    /// Every imported version, newest first (empty when only compiled in).
    pub history: Vec<StoredVersion>,
}

fn view(y: YearSchedule, history: Vec<StoredVersion>) -> YearView {
    YearView {
        year: y.year,
        source: stored::origin(&y).to_string(),
        version: y.version,
        holidays: y.holidays,
        workdays: y.workdays,
        toml: y.toml,
        history,
    }
}

fn year_param(year: i32) -> Result<i32> {
    if (1990..=2200).contains(&year) {
        Ok(year)
    } else {
        Err(Error::field(
            "year",
            "calendar.year_out_of_range",
            "a year between 1990 and 2200",
        ))
    }
}

/// The holiday schedule of a year as the platform uses it now (public).
#[utoipa::path(get, path = "/api/v1/calendar/{year}", tag = "calendar",
    params(("year" = i32, Path, description = "e.g. 2027", minimum = 1990, maximum = 2200)),
    responses((status = 200, body = YearView), (status = 404, description = "no schedule for this year")))]
async fn get_year(State(ctx): State<Ctx>, Path(year): Path<i32>) -> Result<Json<YearView>> {
    let year = year_param(year)?;
    stored::refresh(&ctx.db).await?;
    let y = ctx.calendar.year(year).ok_or_else(|| {
        Error::not_found(format!(
            "holiday schedule of {year} (not compiled in and not imported)"
        ))
    })?;
    Ok(Json(view(y, stored::versions(&ctx.db, year).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
struct ImportParams {
    /// Where the schedule comes from (the State Council notice); default: the API.
    source: Option<String>,
}

/// Import (or correct) a year's schedule (admin). The body is the TOML file (the format of
/// `crates/core/calendar/cn-YYYY.toml`); validated: every date in the year, no day both a holiday
/// and a make-up working day. A new version; `calendar.schedule.imported` in the audit chain;
/// provisional results are re-derived by the areas.
#[utoipa::path(put, path = "/api/v1/calendar/{year}", tag = "calendar", security(("bearer" = [])),
    params(("year" = i32, Path, description = "must match the file's `year`", minimum = 1990, maximum = 2200), ImportParams),
    request_body(content = String, content_type = "text/plain", description = "the schedule in the TOML format of crates/core/calendar/cn-YYYY.toml"),
    responses((status = 200, body = YearView), (status = 403), (status = 422, description = "invalid schedule")))]
async fn put_year(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(year): Path<String>,
    Query(p): Query<ImportParams>,
    body: String,
) -> Result<Json<YearView>> {
    // Who may call first, then the path (a stranger learns nothing from a malformed year).
    actor.require(&[Role::Admin])?;
    let year = year
        .parse::<i32>()
        .map_err(|_| {
            Error::field(
                "year",
                "calendar.year_out_of_range",
                "a year between 1990 and 2200",
            )
        })
        .and_then(year_param)?;
    let source = p
        .source
        .unwrap_or_else(|| format!("PUT /api/v1/calendar/{year}"));
    // The answer is stored with the import (a keyed retry after a lost answer replays it).
    let answer = |y: YearSchedule, history: Vec<StoredVersion>| {
        serde_json::to_string(&view(y, history))
            .map_err(|e| Error::internal(format!("serialize the calendar answer: {e}")))
    };
    stored::import_answering(
        &ctx.db,
        &actor.actor_ref(),
        ctx.clock.now(),
        Some(year),
        &body,
        &source,
        Some(&answer),
    )
    .await?;
    let y = ctx
        .calendar
        .year(year)
        .ok_or_else(|| Error::internal("imported year not loaded"))?;
    Ok(Json(view(y, stored::versions(&ctx.db, year).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
struct ParkedParams {
    /// Also those already replayed successfully.
    all: Option<bool>,
}

/// Events a consumer parked after failing on them repeatedly (admin).
#[utoipa::path(get, path = "/api/v1/admin/parked-events", tag = "ops", security(("bearer" = [])),
    params(ParkedParams), responses((status = 200, body = [Parked]), (status = 403)))]
async fn list_parked(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(p): Query<ParkedParams>,
) -> Result<Json<Vec<Parked>>> {
    actor.require(&[Role::Admin])?;
    Ok(Json(
        consumer::parked(&ctx.db, !p.all.unwrap_or(false)).await?,
    ))
}

/// Replay a parked event through its consumer (admin): its effects commit with the `ok` mark; a
/// failure is recorded in `replay_outcome`.
#[utoipa::path(post, path = "/api/v1/admin/parked-events/{consumer}/{seq}/replay", tag = "ops",
    security(("bearer" = [])),
    params(("consumer" = String, Path), ("seq" = i64, Path)),
    responses((status = 200, body = Parked), (status = 403), (status = 404), (status = 409)))]
async fn replay_parked(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path((name, seq)): Path<(String, String)>,
) -> Result<Json<Parked>> {
    actor.require(&[Role::Admin])?;
    let seq = seq.parse::<i64>().map_err(|_| {
        Error::field(
            "seq",
            "parked.seq_format",
            "a sequence number of the event log",
        )
    })?;
    Ok(Json(replay(&ctx, &name, seq).await?))
}

/// Replay through the consumer registered under `name` (API and CLI).
pub async fn replay(ctx: &Ctx, name: &str, seq: i64) -> Result<Parked> {
    let c = crate::background::workers()
        .consumers
        .into_iter()
        .find(|c| c.name() == name)
        .ok_or_else(|| Error::not_found(format!("consumer {name}")))?;
    consumer::replay(&ctx.db, &ctx.clock, c.as_ref(), seq).await
}

/// `ggzy calendar import FILE…`: import each file (the year is the file's own).
pub async fn import_files(ctx: &Ctx, files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    for f in files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display()))?;
        let source = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "ggzy calendar import".into());
        let v = stored::import(
            &ctx.db,
            &ggzy_core::events::ActorRef::system("cli.calendar.import"),
            ctx.clock.now(),
            None,
            &text,
            &source,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", f.display(), describe(&e)))?;
        println!(
            "{}: year {} version {} (sha256 {})",
            f.display(),
            v.year,
            v.version,
            v.sha256
        );
    }
    Ok(())
}

fn describe(e: &Error) -> String {
    match e {
        Error::Validation(errs) => errs
            .iter()
            .map(|f| format!("{} [{}]: {}", f.field, f.rule, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// `ggzy calendar show YEAR`.
pub fn show(cal: &BusinessCalendar, year: i32) -> Option<String> {
    cal.year(year).map(|y| {
        format!(
            "# year {} — {} (version {})\n{}",
            y.year,
            stored::origin(&y),
            y.version,
            y.toml
        )
    })
}
