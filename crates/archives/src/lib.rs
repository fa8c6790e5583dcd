//! Archives (档案, issue 21 item 4).
//!
//! When a trade ends (a section is contracted, concluded by a deal, failed or terminated) the
//! consumer [`projection::ArchiveTrigger`] schedules the archive of that section; the worker
//! [`service::run_loop`] (safe with N instances: jobs are claimed with a lease) builds it once: a
//! signed, self-describing bundle ([`bundle`]) holding every event of the trade with its inclusion
//! proof against a signed checkpoint of the transparency log, every document the events reference
//! (as stored, with its SHA-256), the checkpoint and the retention period with its legal basis
//! ([`rules`]). `ggzy archive verify FILE --key VKEY` checks a bundle offline ([`bundle::verify`]).
//!
//! Invariants: this area reads no other area's tables (only the sealed event log, the Merkle tree
//! and checkpoints of `ggzy-store`, and the file store); an archive's bundle columns never change
//! and its row cannot be deleted before its retention period ends (database triggers on both
//! engines, migration 0161); disposal after the period is itself an event.

pub mod bundle;
pub mod http;
pub mod pages;
pub mod projection;
pub mod rules;
pub mod service;
mod store;

/// This area's background work — consumers, timers, cron jobs, loops — registered here, next to
/// the code it runs; the server assembles every area's (crates/server/src/background.rs).
pub fn workers(w: &mut ggzy_store::workers::Workers) {
    w.consumer(projection::ArchiveTrigger)
        .run_loop("archives.builder", service::run_loop);
}
