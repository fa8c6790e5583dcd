//! Remedies in every market (救济): objections (异议) to the tenderer, challenges (质疑) to the
//! purchaser, complaints (投诉) to the supervising or finance department — one case workflow with
//! each market's periods as rows of `remedy_rules` (migration 0140), citing their articles.
//!
//! Invariants: `rules` does no I/O; what the area knows about sections and their bidders comes from
//! the projects area's events ([`service::Projection`]); every step writes its `remedies.*` event in
//! the same transaction; suspensions and decisions reach the section only through those events
//! (crates/projects/src/suspension.rs). docs/remedies.md.

pub mod admin_pages;
pub mod attachments;
pub mod http;
pub mod pages;
pub mod regional;
pub mod rules;
pub mod service;
mod store;

/// This area's background work — consumers, timers, cron jobs, loops — registered here, next to
/// the code it runs; the server assembles every area's (crates/server/src/background.rs).
pub fn workers(w: &mut ggzy_store::workers::Workers) {
    w.consumer(service::Projection)
        .timer(service::DUE_TIMER, service::CaseDue)
        .timer(service::SUSPENSION_TIMER, service::SuspensionEnd);
}
