//! Identity: organizations (by USCC), users with one role each, bearer tokens and the [`Actor`]
//! extractor that every route uses to say who may call it.
//!
//! Rules: passwords are argon2id hashes computed on a bounded pool ([`hash`]); tokens are random
//! 32-byte values stored only as SHA-256; sign-in attempts are throttled per (account, address) and
//! per address with exponential back-off, and per account only slowed (docs/security.md).

pub mod cleanup;
pub mod hash;
pub mod http;
pub mod invitations;
pub mod model;
pub mod page_session;
pub mod roles;
pub mod service;
mod store;

pub use model::{Actor, Role};

/// This area's background work — consumers, timers, cron jobs, loops — registered here, next to
/// the code it runs; the server assembles every area's (crates/server/src/background.rs).
pub fn workers(w: &mut ggzy_store::workers::Workers) {
    w.cron(cleanup::expired_logins_cron());
}
