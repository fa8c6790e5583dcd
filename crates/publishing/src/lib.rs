//! Unified information publishing (统一信息发布).
//!
//! Tenderers, agencies and staff draft announcements of ten types, each with the structured fields
//! the law requires it to state; staff approve them; they go out at once or at a chosen time by a
//! durable timer; the public reads, searches and subscribes (RSS) without logging in.
//!
//! Invariants: `rules` does no I/O; published text is never edited (amend with a change notice);
//! every state change writes its domain event in the same transaction; every SQL statement, the
//! engine-specific search SQL included, lives only in `store`.

pub mod attachments;
pub mod http;
pub mod lifecycle;
pub mod ocds;
pub mod pages;
pub mod portal;
pub mod rules;
pub mod service;
pub mod staff_pages;
pub mod store;
pub mod voided;

/// This area's background work — consumers, timers, cron jobs, loops — registered here, next to
/// the code it runs; the server assembles every area's (crates/server/src/background.rs).
pub fn workers(w: &mut ggzy_store::workers::Workers) {
    w.timer(service::PUBLISH_TIMER, service::PublishDue)
        .consumer(lifecycle::LifecycleProjection);
}
