//! Unified expert pool (统一专家库管理).
//!
//! Staff keep the pool of evaluation experts (评标专家); a draw (随机抽取, 实施条例 46) screens the pool
//! for avoidance (回避) and eligibility, then picks the committee and ordered backups with a CSPRNG
//! seeded from a secret seed whose SHA-256 commitment is recorded (and emitted) before anyone sees the
//! result. Revealing the seed lets anyone recompute the committee from the stored snapshot.
//! Two-step draws (`contrib`) derive the seed from the centre's and a supervisor's committed secrets
//! and the signed audit checkpoint fixed after both commitments, so the operator cannot steer it.
//!
//! Invariants: `draw` does no I/O; every draw, reveal and re-draw writes its event in the same
//! transaction, so a re-roll always shows in the audit chain; the committee is never shown to
//! tenderers, agencies or bidders (招标投标法 37).

pub mod cli;
pub mod committee;
pub mod contrib;
pub mod draw;
pub mod http;
pub mod notify;
pub mod pages;
pub mod relations;
pub mod request_pages;
pub mod rules;
pub mod sections;
pub mod service;
pub mod staff_pages;
mod store;

/// This area's background work — consumers, timers, cron jobs, loops — registered here, next to
/// the code it runs; the server assembles every area's (crates/server/src/background.rs).
pub fn workers(w: &mut ggzy_store::workers::Workers) {
    w.consumer(committee::Events)
        .timer(committee::CONFIRM_TIMER, committee::ConfirmDeadline)
        .run_loop("experts.notifications", |ctx, poll, rx| {
            notify::run_loop(ctx.db.clone(), ctx.clock.clone(), poll, rx)
        });
}
