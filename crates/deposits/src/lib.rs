//! Unified deposit management (统一保证金管理).
//!
//! A bidder gets one virtual sub-account (虚拟子账号) per section; the bank reports each incoming
//! transfer through a signed callback keyed by its transaction id (the idempotency key); every
//! movement of money is a balanced journal entry in a double-entry ledger (balances are derived,
//! never edited); deposit validity and refund periods are pure rules with legal citations.
//! After the deadline ([`lifecycle`]) each registration's status is fixed once, refunds fall due by
//! the project's lifecycle events and are paid once on the bank's signed confirmation; guarantees
//! ([`guarantees`]) stand in for cash; forfeiture ([`forfeiture`]) needs a second approver; the
//! bank's daily statement is reconciled against the ledger ([`reconcile`]).
//!
//! Invariants: `ledger` and `rules` do no I/O; journal entries and lines are append-only (no update
//! or delete exists); this area never reads other areas' tables: sections, organizations,
//! registrations and the lifecycle come from their events through [`projection::Projection`].

pub mod bidder;
pub mod forfeiture;
pub mod guarantees;
pub mod http;
pub mod ledger;
pub mod lifecycle;
pub mod pages;
pub mod projection;
pub mod reconcile;
pub mod refund_file;
pub mod rules;
pub mod service;
pub mod staff_pages;
pub(crate) mod store;

/// This area's background work — consumers, timers, cron jobs, loops — registered here, next to
/// the code it runs; the server assembles every area's (crates/server/src/background.rs).
pub fn workers(w: &mut ggzy_store::workers::Workers) {
    w.consumer(projection::Projection)
        .cron(service::refund_cron());
}
