//! Periodic jobs, scheduled by tokio-cron-scheduler on every instance. Each firing is claimed by
//! inserting (job, tick) into `cron_runs`; the unique key lets exactly one instance run it.

use crate::Db;
use ggzy_core::time::to_micros;
use ggzy_core::{Clock, Result};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type JobFn =
    Arc<dyn Fn(Db, Clock) -> Pin<Box<dyn Future<Output = Result<()>> + Send>> + Send + Sync>;

pub struct CronJob {
    pub name: &'static str,
    /// Six-field cron expression (sec min hour day month weekday), in UTC.
    pub schedule: &'static str,
    pub run: JobFn,
}

/// Claim the firing `tick` (a whole minute) of `job`. True for exactly one caller.
pub async fn claim(
    db: &Db,
    job: &str,
    tick_minute: i64,
    instance: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO cron_runs (job, tick, instance, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT (job, tick) DO NOTHING",
    )
    .bind(job)
    .bind(tick_minute)
    .bind(instance)
    .bind(to_micros(now))
    .execute(db.pool_for_write())
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Claim and run one firing now (used by the scheduler and by tests).
pub async fn fire(db: &Db, clock: &Clock, instance: &str, job: &CronJob) -> Result<bool> {
    let now = clock.now();
    let tick = now.timestamp() / 60;
    if !claim(db, job.name, tick, instance, now).await? {
        return Ok(false);
    }
    let outcome = (job.run)(db.clone(), clock.clone()).await;
    let text = match &outcome {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("error: {e}"),
    };
    sqlx::query("UPDATE cron_runs SET finished_at = $1, outcome = $2 WHERE job = $3 AND tick = $4")
        .bind(to_micros(clock.now()))
        .bind(text)
        .bind(job.name)
        .bind(tick)
        .execute(db.pool_for_write())
        .await?;
    outcome.map(|_| true)
}

/// Start the scheduler with `jobs`; returns it so the caller can shut it down.
pub async fn start(
    db: Db,
    clock: Clock,
    instance: String,
    jobs: Vec<CronJob>,
) -> anyhow::Result<tokio_cron_scheduler::JobScheduler> {
    let sched = tokio_cron_scheduler::JobScheduler::new().await?;
    for job in jobs {
        let job = Arc::new(job);
        let (db, clock, instance) = (db.clone(), clock.clone(), instance.clone());
        let schedule = job.schedule;
        sched
            .add(tokio_cron_scheduler::Job::new_async(
                schedule,
                move |_id, _l| {
                    let (db, clock, instance, job) =
                        (db.clone(), clock.clone(), instance.clone(), job.clone());
                    Box::pin(async move {
                        match fire(&db, &clock, &instance, &job).await {
                            Ok(true) => tracing::info!(job = job.name, "cron job ran"),
                            Ok(false) => tracing::debug!(
                                job = job.name,
                                "cron firing claimed by another instance"
                            ),
                            Err(e) => tracing::warn!(job = job.name, error = %e, "cron job failed"),
                        }
                    })
                },
            )?)
            .await?;
    }
    sched.start().await?;
    Ok(sched)
}
