//! Every SQL statement of the publishing area, one `pub(crate)` function per statement (issue 17,
//! item 2): the use cases ([`crate::service`], [`crate::lifecycle`], [`crate::voided`],
//! [`crate::ocds`], [`crate::attachments`], the portal and the pages) keep the decisions —
//! validation, rules, events, timers, access checks — and call these for their reads and writes,
//! in the same order inside their transactions as before.
//!
//! The area owns these tables (migrations 0008, 0012, 0034, 0080, 0100, 0105, 0125, 0215, 0248,
//! 0251), fed only by its own use cases and by the other areas' events it consumes; no other
//! area reads them:
//!
//! - [`announcements`]: `announcements` and `announcement_versions` (the announcements in every
//!   state, their published versions);
//! - [`attachments`]: `announcement_attachments` (files of a draft, by SHA-256);
//! - [`sections`]: `publishing_sections` and `publishing_orgs` (the area's copies of the
//!   registered sections and of the organizations);
//! - [`ocds`]: `ocds_releases` and `publishing_ocds_bids` (the OCDS releases and the bids they
//!   published);
//! - [`search`]: `announcement_search_docs` and `announcement_terms` (the portal search index,
//!   engine-specific SQL included; its items are re-exported here).

pub(crate) mod announcements;
pub(crate) mod attachments;
pub(crate) mod ocds;
pub mod search;
pub(crate) mod sections;

pub use search::{backfill, index, index_new, is_cjk, normalize, search, terms, Search};
