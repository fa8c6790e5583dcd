//! Online evaluation (电子评标).
//!
//! Between the opening record and the candidate publicity: the section's evaluation method (fixed
//! before bids arrive), the drawn committee's compliance review (a bid is rejected only by the
//! majority), independent scoring (nobody sees another member's scores until all have submitted),
//! the price score computed from formulas held as data in exact decimals, aggregation, ranking,
//! outlier marking and the evaluation report every member signs, which ends in
//! `evaluation.report.signed` for the projects area.
//!
//! Invariants: `rules` does no I/O; this area reads no other area's tables — it learns sections,
//! bids, the opening record and the committee from events into its own `eval_*` tables; every
//! state change writes its domain event in the same transaction.

pub mod documents;
pub mod http;
pub mod method_pages;
pub mod pages;
pub mod qualification;
pub mod room;
pub mod rules;
pub mod service;
pub mod sme;
mod store;
pub mod suspension;
pub mod voided;

/// This area's background work — consumers, timers, cron jobs, loops — registered here, next to
/// the code it runs; the server assembles every area's (crates/server/src/background.rs).
pub fn workers(w: &mut ggzy_store::workers::Workers) {
    w.consumer(service::Projection)
        .consumer(suspension::Suspensions);
}
