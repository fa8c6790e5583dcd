//! Unified deposit management (统一保证金管理).
//!
//! A bidder gets one virtual sub-account (虚拟子账号) per section; the bank reports each incoming
//! transfer through a signed callback keyed by its transaction id (the idempotency key); every
//! movement of money is a balanced journal entry in a double-entry ledger (balances are derived,
//! never edited); deposit validity and refund periods are pure rules with legal citations.
//!
//! Invariants: `ledger` and `rules` do no I/O; journal entries and lines are append-only (no update
//! or delete exists); this area never reads other areas' tables: sections and organizations come
//! from their events through [`service::Projection`].

pub mod http;
pub mod ledger;
pub mod rules;
pub mod service;
