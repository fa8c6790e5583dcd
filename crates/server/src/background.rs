//! Background workers of one instance. Every one of them is safe with N instances on one
//! PostgreSQL: the sealer locks the chain head, consumers lock their cursor, timers are claimed
//! with leases, cron firings are claimed by (job, tick).

use ggzy_store::consumer;
use ggzy_store::cron::{self, CronJob};
use ggzy_store::timers::TimerRunner;
use ggzy_store::{outbox, Ctx};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use ggzy_store::workers::Workers;

/// Every area's `workers()`: each area registers its own consumers, timers, cron jobs and loops;
/// this list is the only thing the server keeps.
pub const AREAS: &[fn(&mut Workers)] = &[
    ggzy_identity::workers,
    ggzy_projects::workers,
    ggzy_deposits::workers,
    ggzy_publishing::workers,
    ggzy_venues::workers,
    ggzy_experts::workers,
    ggzy_evaluation::workers,
    ggzy_auctions::workers,
    ggzy_remedies::workers,
    ggzy_archives::workers,
    ggzy_monitoring::workers,
];

/// Every area's workers (the server assembles them here).
pub fn workers() -> Workers {
    let mut w = Workers::default();
    for register in AREAS {
        register(&mut w);
    }
    w
}

/// Cron schedule of the audit log's checkpoints (every two minutes, UTC).
pub const CHECKPOINT_SCHEDULE: &str = "30 */2 * * * *";

/// The job that signs and stores a checkpoint of the audit log when it grew (once across
/// instances: cron claims). `None` without a signing key: nothing is published (see `/healthz`).
pub fn checkpoint_cron(ctx: &Ctx) -> Option<CronJob> {
    let signer = ctx.settings.log_signer.clone()?;
    let origin = ctx.settings.log_origin();
    Some(CronJob {
        name: "audit.checkpoint",
        schedule: CHECKPOINT_SCHEDULE,
        missed: ggzy_store::cron::Missed::RunLatest,
        run: Arc::new(move |db, clock, _tick| {
            let (signer, origin) = (signer.clone(), origin.clone());
            Box::pin(async move {
                ggzy_store::tlog::publish_checkpoint(&db, &signer, &origin, clock.now()).await?;
                Ok(())
            })
        }),
    })
}

pub struct Background {
    shutdown: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

impl Background {
    pub async fn start(
        ctx: &Ctx,
        mut workers: Workers,
        poll: Duration,
    ) -> anyhow::Result<Background> {
        if let Some(job) = checkpoint_cron(ctx) {
            workers.cron.push(job);
        }
        let (tx, rx) = watch::channel(false);
        let mut handles = Vec::new();
        // The stored holiday schedules before anything computes a date; then every few seconds
        // (imports made on other instances).
        ggzy_store::calendar::refresh(&ctx.db).await?;
        handles.push(tokio::spawn(ggzy_store::calendar::refresh_loop(
            ctx.db.clone(),
            (poll * 20).min(Duration::from_secs(5)),
            rx.clone(),
        )));
        // On the lane (ggzy_store::lane): a sealing pass holds SQLite's single writer (the chain
        // head's row lock on PostgreSQL), which the next bid waits for.
        handles.push(tokio::spawn(ggzy_store::lane::run(outbox::run_sealer(
            ctx.db.clone(),
            poll,
            rx.clone(),
        ))));
        handles.push(tokio::spawn(outbox::run_pg_listener(
            ctx.db.clone(),
            rx.clone(),
        )));
        let runner = TimerRunner {
            db: ctx.db.clone(),
            clock: ctx.clock.clone(),
            instance: ctx.settings.instance.clone(),
            registry: workers.timers,
            lease: chrono::Duration::seconds(60),
        };
        handles.push(tokio::spawn(runner.run_loop(poll, rx.clone())));
        for l in workers.loops {
            tracing::debug!(name = l.name, "background loop started");
            handles.push(tokio::spawn((l.run)(ctx.clone(), poll, rx.clone())));
        }
        for c in workers.consumers {
            handles.push(tokio::spawn(consumer::run_loop(
                ctx.db.clone(),
                ctx.clock.clone(),
                c,
                poll * 4,
                rx.clone(),
            )));
        }
        if !workers.cron.is_empty() {
            // Cron follows ctx.clock: wakes every second (or `poll` when shorter, as in tests).
            handles.push(cron::start(
                ctx.db.clone(),
                ctx.clock.clone(),
                ctx.settings.instance.clone(),
                workers.cron,
                poll.min(Duration::from_secs(1)),
                rx.clone(),
            )?);
        }
        Ok(Background {
            shutdown: tx,
            handles,
        })
    }

    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for h in self.handles {
            let _ = tokio::time::timeout(Duration::from_secs(5), h).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_area_registers_its_own_workers_once() {
        let w = workers();
        let consumers = w.consumer_names();
        let unique: HashSet<_> = consumers.iter().collect();
        assert_eq!(
            unique.len(),
            consumers.len(),
            "a consumer registered twice: {consumers:?}"
        );
        for name in ["monitoring.signals", "experts.events"] {
            assert!(consumers.contains(&name), "{name} missing: {consumers:?}");
        }
        assert_eq!(
            w.loop_names(),
            vec!["experts.notifications", "archives.builder"]
        );
        let cron = w.cron_names();
        for name in [
            "identity.expired_sessions_cleanup",
            "deposits.refund_instructions",
        ] {
            assert!(cron.contains(&name), "{name} missing: {cron:?}");
        }
        let kinds = w.timers.kinds();
        for kind in [
            ggzy_projects::bidding::DEADLINE_TIMER,
            ggzy_auctions::land_contract::CONTRACT_TIMER,
            ggzy_remedies::service::DUE_TIMER,
        ] {
            assert!(kinds.iter().any(|k| k == kind), "{kind} missing");
        }
    }
}
