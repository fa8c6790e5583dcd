//! Background workers of one instance. Every one of them is safe with N instances on one
//! PostgreSQL: the sealer locks the chain head, consumers lock their cursor, timers are claimed
//! with leases, cron firings are claimed by (job, tick).

use ggzy_store::consumer::{self, Consumer};
use ggzy_store::cron::{self, CronJob};
use ggzy_store::timers::{TimerRegistry, TimerRunner};
use ggzy_store::{outbox, Ctx};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the areas contribute to the background.
#[derive(Default)]
pub struct Workers {
    pub timers: TimerRegistry,
    pub consumers: Vec<Arc<dyn Consumer>>,
    pub cron: Vec<CronJob>,
}

/// Every area's workers (the server assembles them here).
pub fn workers() -> Workers {
    let mut w = Workers::default();
    w.consumers
        .push(Arc::new(ggzy_projects::bidding::OrganizationsProjection));
    w.timers.register(
        ggzy_projects::bidding::DEADLINE_TIMER,
        Arc::new(ggzy_projects::bidding::SectionDeadline),
    );
    w.consumers
        .push(Arc::new(ggzy_projects::opening::OpeningSchedule));
    w.consumers
        .push(Arc::new(ggzy_projects::opening::DepositStatusProjection));
    w.timers.register(
        ggzy_projects::opening::OPENING_TIMER,
        Arc::new(ggzy_projects::opening::SectionOpening),
    );
    w.timers.register(
        ggzy_projects::opening::WINDOW_TIMER,
        Arc::new(ggzy_projects::opening::DecryptionWindow),
    );
    w.consumers
        .push(Arc::new(ggzy_projects::award::EvaluationReports));
    w.consumers.push(Arc::new(ggzy_projects::award::Committees));
    w.consumers
        .push(Arc::new(ggzy_projects::procurement::ReviewRejections));
    w.consumers
        .push(Arc::new(ggzy_projects::award_calendar::AwardCalendar));
    w.consumers
        .push(Arc::new(ggzy_projects::announcements::Announcements));
    w.consumers
        .push(Arc::new(ggzy_projects::listing::ListingOutcome));
    w.timers.register(
        ggzy_projects::award::CONTRACT_TIMER,
        Arc::new(ggzy_projects::award::ContractOverdue),
    );
    w.timers.register(
        ggzy_projects::award_report::REPORT_TIMER,
        Arc::new(ggzy_projects::award_report::AwardReportOverdue),
    );
    w.timers.register(
        ggzy_projects::procurement::REPORT_TIMER,
        Arc::new(ggzy_projects::procurement::ReportOverdue),
    );
    w.timers.register(
        ggzy_projects::procurement::CONFIRM_TIMER,
        Arc::new(ggzy_projects::procurement::ConfirmDue),
    );
    w.timers.register(
        ggzy_projects::procurement::ANNOUNCE_TIMER,
        Arc::new(ggzy_projects::procurement::AnnouncementOverdue),
    );
    w.timers.register(
        ggzy_projects::procurement::CONTRACT_ANNOUNCE_TIMER,
        Arc::new(ggzy_projects::procurement::ContractAnnouncementOverdue),
    );
    w.cron.push(CronJob {
        name: "identity.expired_sessions_cleanup",
        schedule: "0 17 3 * * *",
        missed: ggzy_store::cron::Missed::RunLatest,
        run: Arc::new(|db, clock, _firing| {
            Box::pin(async move {
                let cutoff = ggzy_core::time::to_micros(clock.now() - chrono::Duration::days(30));
                sqlx::query("DELETE FROM login_failures WHERE at < $1")
                    .bind(cutoff)
                    .execute(db.pool_for_write())
                    .await?;
                Ok(())
            })
        }),
    });
    w.consumers
        .push(Arc::new(ggzy_deposits::service::Projection));
    w.cron.push(ggzy_deposits::service::refund_cron());
    w.timers.register(
        ggzy_publishing::service::PUBLISH_TIMER,
        Arc::new(ggzy_publishing::service::PublishDue),
    );
    w.consumers
        .push(Arc::new(ggzy_publishing::lifecycle::LifecycleProjection));
    w.consumers
        .push(Arc::new(ggzy_venues::service::SectionsProjection));
    w.consumers
        .push(Arc::new(ggzy_venues::sessions::SessionExperts));
    w.timers.register(
        ggzy_venues::service::HOLD_TIMER,
        Arc::new(ggzy_venues::service::HoldExpiry),
    );
    w.consumers.push(Arc::new(ggzy_experts::committee::Events));
    w.timers.register(
        ggzy_experts::committee::CONFIRM_TIMER,
        Arc::new(ggzy_experts::committee::ConfirmDeadline),
    );
    w.consumers
        .push(Arc::new(ggzy_monitoring::projection::MonitoringConsumer));
    w.cron.push(ggzy_monitoring::stats::report_cron());
    w.consumers
        .push(Arc::new(ggzy_auctions::service::Projection));
    w.timers.register(
        ggzy_auctions::service::LISTING_TIMER,
        Arc::new(ggzy_auctions::service::ListingEnd),
    );
    w.timers.register(
        ggzy_auctions::service::AUCTION_TIMER,
        Arc::new(ggzy_auctions::service::AuctionEnd),
    );
    w.timers.register(
        ggzy_auctions::land_contract::CONTRACT_TIMER,
        Arc::new(ggzy_auctions::land_contract::ContractStep),
    );
    w.consumers
        .push(Arc::new(ggzy_evaluation::service::Projection));
    w.consumers
        .push(Arc::new(ggzy_archives::service::ArchiveTrigger));
    w.consumers
        .push(Arc::new(ggzy_projects::suspension::Suspensions));
    w.consumers
        .push(Arc::new(ggzy_evaluation::suspension::Suspensions));
    w.consumers.push(Arc::new(
        ggzy_projects::opening_objections::OpeningObjections,
    ));
    w.consumers
        .push(Arc::new(ggzy_remedies::service::Projection));
    w.timers.register(
        ggzy_remedies::service::DUE_TIMER,
        Arc::new(ggzy_remedies::service::CaseDue),
    );
    w.timers.register(
        ggzy_remedies::service::SUSPENSION_TIMER,
        Arc::new(ggzy_remedies::service::SuspensionEnd),
    );
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
        handles.push(tokio::spawn(outbox::run_sealer(
            ctx.db.clone(),
            poll,
            rx.clone(),
        )));
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
        handles.push(tokio::spawn(ggzy_experts::notify::run_loop(
            ctx.db.clone(),
            ctx.clock.clone(),
            poll,
            rx.clone(),
        )));
        // Archives of ended trades (jobs claimed with a lease: once across instances).
        handles.push(tokio::spawn(ggzy_archives::service::run_loop(
            ctx.clone(),
            poll,
            rx.clone(),
        )));
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
