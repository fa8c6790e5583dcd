//! Identity: organizations (by USCC), users with one role each, bearer tokens and the [`Actor`]
//! extractor that every route uses to say who may call it.
//!
//! Rules: passwords are argon2id hashes; tokens are random 32-byte values stored only as SHA-256;
//! failed logins are counted per account and per address and throttled (429) past a limit.

pub mod http;
pub mod model;
pub mod page_session;
pub mod service;

pub use model::{Actor, Role};
