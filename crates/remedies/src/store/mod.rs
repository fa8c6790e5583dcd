//! Every SQL statement of the remedies area (issue 17, item 2): the use cases (crate::service,
//! crate::regional, crate::attachments) keep the decisions and call these functions.
//!
//! The area owns these tables, and no other area reads them (others learn of cases through the
//! `remedies.*` events):
//! - `remedy_cases` (migration 0140) — [`cases`];
//! - `remedy_rules` (0140) and `remedy_rule_overrides` (0243) — [`rules`];
//! - `remedy_attachments` (0221) — [`attachments`];
//! - `rem_sections`, `rem_parties` (0140): its copy of the sections and their parties, kept from
//!   the projects area's events — [`sections`].

pub(crate) mod attachments;
pub(crate) mod cases;
pub(crate) mod rules;
pub(crate) mod sections;
