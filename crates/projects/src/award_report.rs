//! The written report of the tender result to the supervising department (招标投标情况书面报告,
//! 招标投标法 第四十七条: "招标人应当自确定中标人之日起十五日内，向有关行政监督部门提交招标投标情况的
//! 书面报告"), construction.
//!
//! - At the award ([`crate::award`]) a report row is opened with its due time — `report_days`
//!   calendar days from the award by the platform's counting convention ([`crate::award::period_end`]:
//!   from the next day, a last day off moves to the next working day, ends at 24:00 Beijing time) —
//!   and a durable timer [`REPORT_TIMER`] is scheduled on it (`ggzy_store::timers`, claimed once
//!   across instances).
//! - The tenderer / agency files it (`POST /api/v1/sections/{id}/award-report`): the report is
//!   generated from the section's own record — project and section, the evaluation report
//!   reference, the candidates publicized, the winner, price and award notice, the process timeline
//!   (registration, bid deadline, opening, publicity, award), the counts of registrations and bids
//!   — stored once, and `projects.award_report.filed` is written in the same transaction. A filing
//!   after the due time is accepted and marked `late`.
//! - When the timer fires and nothing was filed, `projects.award_report.overdue` is written once;
//!   monitoring raises the alert `compliance.award_report_overdue`.
//! - The supervisor, staff, admin and the project's own tenderer/agency read it
//!   (`GET /api/v1/sections/{id}/award-report`); supervisors list them
//!   (`GET /api/v1/award-reports`).
//!
//! The period is data: table `award_report_rules` (region, market); a market without a row has no
//! such report (procurement files its contract, [`crate::procurement`]).

use crate::award::{load_sec, period_end, require_owner, Sec, NATIONAL};
use ggzy_core::events::ActorRef;
use ggzy_core::ident::Market;
use ggzy_core::{Clock, Error, Result, Timestamp};
use ggzy_events::projects::AwardReportFiled;
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, Ctx, Db, Tx};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

/// Timer kind: the report's due time.
pub const REPORT_TIMER: &str = "projects.award_report.due";

fn report_key(section_id: &str) -> String {
    format!("{REPORT_TIMER}:{section_id}")
}

/// Roles that read a report besides the project's own tenderer/agency.
const OVERSIGHT: &[Role] = &[Role::Supervisor, Role::Staff, Role::Admin];

/// The period of a market in a region (the region's row, else the national one); `None` when the
/// market has no such report.
pub async fn load_rule(
    conn: &mut sqlx::AnyConnection,
    region: &str,
    market: Market,
) -> Result<Option<(u32, String)>> {
    let row = crate::store::award_report::rule(conn, region, market, NATIONAL).await?;
    let Some(r) = row else { return Ok(None) };
    let days = u32::try_from(r.report_days)
        .map_err(|_| Error::internal("award_report_rules: negative days"))?;
    Ok(Some((days, r.source)))
}

/// Opens the report of a section just awarded (inside the award's transaction) and schedules its
/// timer. Nothing for a market without a rule row.
pub(crate) async fn on_award(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    section_id: &str,
    project_id: &str,
    region: &str,
    market: Market,
) -> Result<()> {
    let Some((days, source)) = load_rule(tx, region, market).await? else {
        return Ok(());
    };
    let due = period_end(db.calendar(), now, days);
    if due.provisional() {
        ggzy_store::calendar::note_missing(tx, db, now, &due.missing, "projects.award_report_due")
            .await?;
    }
    let provisional = due.provisional();
    let due = due.value;
    // A section awarded again (after a result declared void) keeps one report: the new award
    // opens it again.
    crate::store::award_report::delete_report(tx, section_id).await?;
    crate::store::award_report::insert_report(
        tx,
        crate::store::award_report::NewReport {
            section_id,
            project_id,
            awarded_at: now,
            report_days: days,
            source: &source,
            due_at: due,
            due_provisional: provisional,
        },
    )
    .await?;
    timers::schedule(
        tx,
        REPORT_TIMER,
        &report_key(section_id),
        due,
        crate::timer_payload::SectionTimer::payload(section_id),
        now,
    )
    .await?;
    Ok(())
}

/// A section's written report: its due time and, once filed, the generated document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AwardReport {
    pub section_id: String,
    pub project_id: String,
    #[schema(value_type = String)]
    pub awarded_at: Timestamp,
    /// Days from the award (招标投标法 第四十七条: 15).
    pub report_days: i64,
    pub source: String,
    /// End of the period (24:00 Beijing time of its last day).
    #[schema(value_type = String)]
    pub due_at: Timestamp,
    /// Counted for a year without a holiday schedule (weekends only).
    pub due_at_provisional: bool,
    pub filed: bool,
    pub report_no: Option<String>,
    #[schema(value_type = Option<String>)]
    pub filed_at: Option<Timestamp>,
    /// Filed after the due time.
    pub late: bool,
    /// The overdue alert was raised.
    pub overdue_alerted: bool,
    /// The generated report (书面报告), once filed.
    #[schema(value_type = Option<Object>)]
    pub report: Option<Value>,
}

async fn load(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<Option<AwardReport>> {
    Ok(crate::store::award_report::report(conn, section_id)
        .await?
        .map(report_of))
}

fn report_of(r: crate::store::award_report::ReportRow) -> AwardReport {
    AwardReport {
        section_id: r.section_id,
        project_id: r.project_id,
        awarded_at: r.awarded_at,
        report_days: r.report_days,
        source: r.source,
        due_at: r.due_at,
        due_at_provisional: r.due_provisional,
        filed: r.filed_at.is_some(),
        report_no: r.report_no,
        filed_at: r.filed_at,
        late: r.late,
        overdue_alerted: r.overdue_alerted,
        report: r.body.map(|b| b.0),
    }
}

/// Whether a filing at `filed_at` is late for a period ending at `due_at` (the period ends at the
/// due instant: the last microsecond before it is on time).
pub fn is_late(due_at: Timestamp, filed_at: Timestamp) -> bool {
    filed_at >= due_at
}

fn no_report(section_id: &str) -> Error {
    Error::not_found(format!(
        "award report of section {section_id} (the section is not awarded, or its market has no such report)"
    ))
}

/// Read a section's report: supervisors, staff, admin, and the project's own tenderer/agency.
pub async fn get(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<AwardReport> {
    let mut conn = ctx.db.pool().acquire().await?;
    if actor.require(OVERSIGHT).is_err() {
        actor.require(&[Role::Tenderer, Role::Agency])?;
        let sec = load_sec(&ctx.db, &mut conn, section_id, false).await?;
        require_owner(actor, &sec)?;
    }
    load(&mut conn, section_id)
        .await?
        .ok_or_else(|| no_report(section_id))
}

/// The supervisors' list: every report, the unfiled ones first by due time.
pub async fn list(ctx: &Ctx, actor: &Actor) -> Result<Vec<AwardReport>> {
    actor.require(OVERSIGHT)?;
    let mut conn = ctx.db.pool().acquire().await?;
    let rows = crate::store::award_report::listed(&mut conn).await?;
    Ok(rows.into_iter().map(report_of).collect())
}

fn ts(v: Option<Timestamp>) -> Value {
    v.map_or(Value::Null, |t| json!(t.to_rfc3339()))
}

/// Generate the report from the section's own record (inside the filing transaction).
async fn generate(
    tx: &mut Tx,
    section_id: &str,
    report_no: &str,
    now: Timestamp,
    due: Timestamp,
    source: &str,
) -> Result<Value> {
    let p = crate::store::award_report::report_section(tx, section_id).await?;
    let e = crate::store::award_report::report_evaluation(tx, section_id).await?;
    let a = crate::store::award_report::report_award(tx, section_id).await?;
    let registrations = crate::store::award_report::registration_count(tx, section_id).await?;
    let bids = crate::store::award_report::bidder_count(tx, section_id).await?;
    let price = a.price_fen;
    let (report_ref, candidates, pub_start, pub_end, result_at) = match e {
        Some(e) => (
            Value::String(e.report_ref),
            serde_json::from_str::<Value>(&e.candidates).unwrap_or(Value::Null),
            ts(Some(e.publicity_starts_at)),
            ts(Some(e.publicity_ends_at)),
            ts(Some(e.created_at)),
        ),
        None => (
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
        ),
    };
    let awarded_at = a.awarded_at;
    Ok(json!({
        "title": "招标投标情况书面报告 (written report of the tender result)",
        "report_no": report_no,
        "basis": source,
        "project": {"id": p.id, "code": p.code,
                    "name": p.name, "market": p.market,
                    "procedure": p.procedure, "region": p.region,
                    "tenderer_name": p.tenderer_name, "tenderer_uscc": p.tenderer_uscc},
        "section": {"id": section_id, "section_no": p.section_no,
                    "name": p.section_name},
        "evaluation": {"report_ref": report_ref, "candidates": candidates},
        "award": {"notice_no": a.notice_no, "winner_org_id": a.winner_org_id,
                  "winner_name": a.winner_name, "winner_rank": a.winner_rank,
                  "price": price.to_string(), "reason": a.reason},
        "participation": {"registrations": registrations, "bidders_with_a_bid": bids},
        "timeline": [
            {"step": "section_registered", "at": ts(Some(p.created_at))},
            {"step": "bid_deadline", "at": ts(Some(p.bid_deadline))},
            {"step": "opening", "at": ts(Some(p.opening_at))},
            {"step": "evaluation_result", "at": result_at},
            {"step": "publicity_start", "at": pub_start},
            {"step": "publicity_end", "at": pub_end},
            {"step": "award", "at": ts(Some(awarded_at))},
            {"step": "report_filed", "at": now.to_rfc3339()},
        ],
        "due_at": due.to_rfc3339(),
        "late": is_late(due, now),
    }))
}

/// The report as it would be filed now, generated from the record without filing it (the
/// tenderer's or agency's page shows it before submitting; the project's own tenderer/agency
/// only). Nothing is written: the transaction is rolled back.
pub async fn preview(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Value> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&ctx.db, &mut tx, section_id, false).await?;
    require_owner(actor, &sec)?;
    let cur = load(&mut tx, section_id)
        .await?
        .ok_or_else(|| no_report(section_id))?;
    if let Some(body) = cur.report {
        return Ok(body);
    }
    let body = generate(
        &mut tx,
        section_id,
        &report_no(&sec),
        now,
        cur.due_at,
        &cur.source,
    )
    .await;
    tx.rollback().await?;
    body
}

fn report_no(sec: &Sec) -> String {
    format!(
        "ZBBG-{}-{:02}",
        sec.project_code.as_deref().unwrap_or(&sec.project_id),
        sec.section_no
    )
}

/// Generate and file the report (the project's tenderer or agency), once.
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn file(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<AwardReport> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&ctx.db, &mut tx, section_id, true).await?;
    require_owner(actor, &sec)?;
    let cur = load(&mut tx, section_id)
        .await?
        .ok_or_else(|| no_report(section_id))?;
    if cur.filed {
        return Err(Error::conflict(
            "award_report.already_filed",
            format!(
                "the written report {} was filed on {}",
                cur.report_no.unwrap_or_default(),
                cur.filed_at.map(|t| t.to_rfc3339()).unwrap_or_default()
            ),
        ));
    }
    let report_no = report_no(&sec);
    let body = generate(
        &mut tx,
        section_id,
        &report_no,
        now,
        cur.due_at,
        &cur.source,
    )
    .await?;
    let late = is_late(cur.due_at, now);
    let n = crate::store::award_report::file_report(
        &mut tx,
        section_id,
        crate::store::award_report::Filing {
            report_no: &report_no,
            body: body.to_string(),
            filed_at: now,
            filed_by: &actor.user_id,
            late,
        },
    )
    .await?;
    if n != 1 {
        return Err(Error::conflict(
            "award_report.already_filed",
            "the written report was filed meanwhile",
        ));
    }
    timers::cancel(&mut tx, &report_key(section_id)).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        AwardReportFiled {
            section_id: section_id.to_string(),
            project_id: sec.project_id.clone(),
            report_no: report_no.clone(),
            filed_at: now,
            due_at: cur.due_at,
            late,
            basis: cur.source.clone(),
        }
        .encode(),
    )
    .await?;
    let out = load(&mut tx, section_id)
        .await?
        .ok_or_else(|| no_report(section_id))?;
    ctx.db.commit_answering(tx, 201, &out, now).await?;
    Ok(out)
}

/// Handler of [`REPORT_TIMER`]: nothing filed by the due time writes
/// `projects.award_report.overdue` once (monitoring: `compliance.award_report_overdue`).
pub struct AwardReportOverdue;

#[async_trait::async_trait]
impl TimerHandler for AwardReportOverdue {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let section = crate::timer_payload::SectionTimer::decode(timer)?;
        let id = section.section_id.as_str();
        let now = clock.now();
        let n = crate::store::award_report::mark_overdue(tx, id, now).await?;
        if n != 1 {
            return Ok(());
        }
        let r = load(tx, id).await?.ok_or_else(|| no_report(id))?;
        emit(
            tx,
            db,
            &ActorRef::system(REPORT_TIMER),
            now,
            ggzy_events::Contract::encode(&ggzy_events::projects::AwardReportOverdue {
                section_id: id.to_string(),
                project_id: Some(r.project_id.to_string()),
                awarded_at: r.awarded_at,
                due_at: r.due_at,
                due_at_provisional: r.due_at_provisional,
                basis: Some(r.source.to_string()),
            }),
        )
        .await?;
        Ok(())
    }
}

pub mod http {
    use super::*;
    use axum::extract::State;
    use ggzy_core::http::{Json, Path};
    use utoipa_axum::{router::OpenApiRouter, routes};

    pub fn router() -> OpenApiRouter<Ctx> {
        OpenApiRouter::new()
            .routes(routes!(get_report, post_report))
            .routes(routes!(list_reports))
    }

    /// The written report of the tender result (招标投标法 第四十七条) of a section.
    #[utoipa::path(get, path = "/api/v1/sections/{id}/award-report", tag = "award",
        params(("id" = String, Path)),
        responses((status = 200, body = AwardReport)))]
    async fn get_report(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
    ) -> Result<Json<AwardReport>> {
        Ok(Json(get(&ctx, &actor, &id).await?))
    }

    /// Generate the written report from the record and file it with the supervisor (once).
    #[utoipa::path(post, path = "/api/v1/sections/{id}/award-report", tag = "award",
        params(("id" = String, Path)),
        responses((status = 201, body = AwardReport)))]
    async fn post_report(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
    ) -> Result<(axum::http::StatusCode, Json<AwardReport>)> {
        Ok((
            axum::http::StatusCode::CREATED,
            Json(file(&ctx, &actor, &id).await?),
        ))
    }

    /// Every section's written report, unfiled first (supervisors, staff, admin).
    #[utoipa::path(get, path = "/api/v1/award-reports", tag = "award",
        responses((status = 200, body = Vec<AwardReport>)))]
    async fn list_reports(State(ctx): State<Ctx>, actor: Actor) -> Result<Json<Vec<AwardReport>>> {
        Ok(Json(list(&ctx, &actor).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ggzy_core::time::at_local;

    #[test]
    fn the_last_microsecond_of_day_15_is_on_time_and_its_end_is_late() {
        let due = at_local(
            chrono::NaiveDate::from_ymd_opt(2026, 5, 9).unwrap(),
            0,
            0,
            0,
        );
        assert!(!is_late(due, due - chrono::Duration::microseconds(1)));
        assert!(is_late(due, due));
    }
}
