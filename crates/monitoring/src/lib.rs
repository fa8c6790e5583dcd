//! Unified electronic monitoring (统一电子监控管理).
//!
//! Supervisors see every trade as it happens and are told about collusion signals and broken rules
//! before a contract is signed. Everything here is computed from the sealed event log: one consumer
//! ([`projection::MonitoringConsumer`]) keeps the area's own tables (`mon_*`) and raises alerts in the
//! same transaction as its cursor move.
//!
//! Invariants: `rules` does no I/O and every rule explains itself (rule, evidence, a sentence in
//! Chinese and English); this area reads no other area's tables; every alert change is an event
//! (`monitoring.alert.*`); one alert per (rule, subject, signal), enforced by a unique key.

pub mod alerts;
pub mod http;
pub mod page;
pub mod projection;
pub mod rules;
pub mod stats;
pub(crate) mod store;
pub mod supervisor;

/// This area's background work — consumers, timers, cron jobs, loops — registered here, next to
/// the code it runs; the server assembles every area's (crates/server/src/background.rs).
pub fn workers(w: &mut ggzy_store::workers::Workers) {
    w.consumer(projection::MonitoringConsumer)
        .timer(
            projection::publication::TIMER,
            projection::publication::PublicationDue,
        )
        .cron(stats::report_cron());
}
