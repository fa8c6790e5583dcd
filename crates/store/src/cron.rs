//! Periodic jobs driven by the server clock (`ctx.clock`), not only by the wall clock: one loop per
//! instance wakes every `poll`, reads `clock.now()` and claims every firing of every job between the
//! job's cursor (`cron_cursors.through_us`) and now, oldest first — so a firing that fell due while no
//! instance ran is caught up at the next start (each missed day of a daily job), a manual or scaled
//! clock drives cron like everything else, and each firing runs once across instances: it runs where
//! `INSERT INTO cron_runs (job, tick)` succeeded (`tick` = the firing's Unix minute).
//!
//! Schedules keep tokio-cron-scheduler's semantics: six fields (sec min hour day month weekday),
//! UTC, parsed by the same parser (`croner`, seconds required).

use crate::Db;
use crate::ExecuteWrite;
use chrono::{DateTime, Utc};
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{Clock, Error, Result, Timestamp};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A job: `(db, clock, firing)` — `firing` is the scheduled instant this run is for (earlier than
/// `clock.now()` when a missed firing is caught up; date-based jobs take their day from it).
pub type JobFn = Arc<
    dyn Fn(Db, Clock, Timestamp) -> Pin<Box<dyn Future<Output = Result<()>> + Send>> + Send + Sync,
>;

pub struct CronJob {
    pub name: &'static str,
    /// Six-field cron expression (sec min hour day month weekday), in UTC.
    pub schedule: &'static str,
    /// What a wake does with firings missed since the job's cursor.
    pub missed: Missed,
    pub run: JobFn,
}

/// How a job catches up firings that fell due while no instance ran (or while a scaled or moved
/// clock jumped ahead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missed {
    /// Every missed firing runs, oldest first (date-based work: each day's report, each day's
    /// refund instructions).
    RunEach,
    /// Only the latest missed firing runs; the earlier ones are passed over (work whose latest run
    /// subsumes the earlier ones: a checkpoint of the log as it is now, a clean-up).
    RunLatest,
}

/// At most this many missed firings of one job are caught up per wake.
pub const MAX_CATCH_UP: usize = 400;

/// Missed firings older than this before now are not caught up (logged): two months of daily
/// work covers any outage; a clock moved further (tests, the sandbox's scaled clock) does not
/// replay the whole interval.
pub const CATCH_UP_WINDOW_DAYS: i64 = 62;

/// Parse a schedule with tokio-cron-scheduler's parser settings.
pub fn parse_schedule(s: &str) -> Result<croner::Cron> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .build()
        .parse(s)
        .map_err(|e| Error::internal(format!("cron schedule '{s}': {e}")))
}

/// The firings of `schedule` in `(after, until]`, oldest first, at most `max`.
pub fn firings_between(
    schedule: &croner::Cron,
    after: Timestamp,
    until: Timestamp,
    max: usize,
) -> Vec<Timestamp> {
    let mut out = Vec::new();
    // Whole seconds: croner keeps the fraction of its starting instant in what it finds, and a
    // firing is a whole second of the schedule (a cursor taken from the clock has microseconds).
    let mut cur = chrono::SubsecRound::trunc_subsecs(after, 0);
    while out.len() < max {
        match schedule.find_next_occurrence(&cur, false) {
            Ok(t) if t <= until => {
                out.push(t);
                cur = t;
            }
            _ => break,
        }
    }
    out
}

/// Claim the firing `tick` (a whole minute) of `job`. True for exactly one caller.
pub async fn claim(
    db: &Db,
    job: &str,
    tick_minute: i64,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO cron_runs (job, tick, instance, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT (job, tick) DO NOTHING",
    )
    .bind(job)
    .bind(tick_minute)
    .bind(instance)
    .bind(to_micros(now))
    .execute_write(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Claim and run the firing at `firing`. True when this caller ran it.
pub async fn fire_at(
    db: &Db,
    clock: &Clock,
    instance: &str,
    job: &CronJob,
    firing: Timestamp,
) -> Result<bool> {
    let tick = firing.timestamp().div_euclid(60);
    if !claim(db, job.name, tick, instance, clock.now()).await? {
        return Ok(false);
    }
    let outcome = (job.run)(db.clone(), clock.clone(), firing).await;
    let text = match &outcome {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("error: {e}"),
    };
    sqlx::query("UPDATE cron_runs SET finished_at = $1, outcome = $2 WHERE job = $3 AND tick = $4")
        .bind(to_micros(clock.now()))
        .bind(text)
        .bind(job.name)
        .bind(tick)
        .execute_write(db)
        .await?;
    outcome.map(|_| true)
}

/// Claim and run one firing now (tests, operators).
pub async fn fire(db: &Db, clock: &Clock, instance: &str, job: &CronJob) -> Result<bool> {
    fire_at(db, clock, instance, job, clock.now()).await
}

/// The job's cursor: firings up to this instant were claimed (by some instance). A job seen for
/// the first time starts at `now` (nothing before the platform knew the job is run).
async fn cursor(db: &Db, job: &str, now: Timestamp) -> Result<Timestamp> {
    sqlx::query(
        "INSERT INTO cron_cursors (job, through_us) VALUES ($1, $2) ON CONFLICT (job) DO NOTHING",
    )
    .bind(job)
    .bind(to_micros(now))
    .execute_write(db)
    .await?;
    let us: i64 = sqlx::query_scalar("SELECT through_us FROM cron_cursors WHERE job = $1")
        .bind(job)
        .fetch_one(db.pool_for_write())
        .await?;
    Ok(from_micros(us))
}

async fn advance(db: &Db, job: &str, to: Timestamp) -> Result<()> {
    sqlx::query("UPDATE cron_cursors SET through_us = $1 WHERE job = $2 AND through_us < $1")
        .bind(to_micros(to))
        .bind(job)
        .execute_write(db)
        .await?;
    Ok(())
}

/// One pass: every firing of every job due by `clock.now()` and not yet claimed is claimed and run
/// (missed ones included, oldest first). Returns how many this instance ran.
pub async fn run_due(
    db: &Db,
    clock: &Clock,
    instance: &str,
    jobs: &[(CronJob, croner::Cron)],
) -> Result<usize> {
    let mut ran = 0;
    for (job, schedule) in jobs {
        let now = clock.now();
        let mut from = cursor(db, job.name, now).await?;
        let oldest = now - chrono::Duration::days(CATCH_UP_WINDOW_DAYS);
        if from < oldest {
            tracing::warn!(job = job.name, since = %from, "missed firings older than the catch-up window are skipped");
            from = oldest;
        }
        let mut firings = firings_between(schedule, from, now, MAX_CATCH_UP);
        if job.missed == Missed::RunLatest {
            // Pass over whole batches of missed firings (the cursor moves, nothing runs), then
            // run only the latest one due.
            while firings.len() == MAX_CATCH_UP {
                let last = *firings.last().expect("a full batch");
                advance(db, job.name, last).await?;
                firings = firings_between(schedule, last, now, MAX_CATCH_UP);
            }
            if let Some(last) = firings.pop() {
                if let Some(before) = firings.last() {
                    tracing::debug!(job = job.name, passed_over = firings.len(), through = %before, "missed firings passed over");
                    advance(db, job.name, *before).await?;
                }
                firings = vec![last];
            }
        }
        for firing in firings {
            match fire_at(db, clock, instance, job, firing).await {
                Ok(true) => {
                    ran += 1;
                    tracing::info!(job = job.name, %firing, "cron job ran");
                }
                Ok(false) => {
                    tracing::debug!(job = job.name, %firing, "cron firing claimed by another instance")
                }
                Err(e) => tracing::warn!(job = job.name, %firing, error = %e, "cron job failed"),
            }
            advance(db, job.name, firing).await?;
        }
    }
    Ok(ran)
}

/// Start the cron loop with `jobs`; it stops when `shutdown` changes. An invalid schedule is an
/// error at start.
pub fn start(
    db: Db,
    clock: Clock,
    instance: String,
    jobs: Vec<CronJob>,
    poll: std::time::Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let jobs: Vec<(CronJob, croner::Cron)> = jobs
        .into_iter()
        .map(|j| parse_schedule(j.schedule).map(|s| (j, s)))
        .collect::<Result<_>>()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(tokio::spawn(async move {
        loop {
            if let Err(e) = run_due(&db, &clock, &instance, &jobs).await {
                tracing::warn!(error = %e, "cron pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => return,
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn every_missed_daily_firing_is_listed_oldest_first() {
        let s = parse_schedule("0 30 1 * * *").unwrap();
        let f = firings_between(
            &s,
            t("2026-12-24T12:00:00Z"),
            t("2026-12-28T01:30:00Z"),
            100,
        );
        assert_eq!(
            f,
            vec![
                t("2026-12-25T01:30:00Z"),
                t("2026-12-26T01:30:00Z"),
                t("2026-12-27T01:30:00Z"),
                t("2026-12-28T01:30:00Z")
            ]
        );
        // Exclusive of the cursor itself.
        let f = firings_between(
            &s,
            t("2026-12-25T01:30:00Z"),
            t("2026-12-25T02:00:00Z"),
            100,
        );
        assert!(f.is_empty());
        assert_eq!(
            firings_between(&s, t("2026-01-01T00:00:00Z"), t("2027-12-31T00:00:00Z"), 3).len(),
            3
        );
    }

    #[test]
    fn schedules_need_six_fields_like_tokio_cron_scheduler() {
        assert!(parse_schedule("0 17 3 * * *").is_ok());
        assert!(parse_schedule("17 3 * * *").is_err());
    }
}
