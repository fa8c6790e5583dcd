//! Every SQL statement of the evaluation area, one `pub(crate)` function per statement (issue 17,
//! item 2): the use cases ([`crate::service`], [`crate::documents`], [`crate::room`], …) keep the
//! decisions — validation, rules, events, access checks — and call these for their reads and
//! writes, in the same order inside their transactions as before.
//!
//! The area owns these tables (migrations 0017, 0036, 0115, 0165, 0171, 0172, 0177), fed only by
//! its own use cases and by the other areas' events it consumes; no other area reads them:
//!
//! - [`sections`]: `eval_sections` (the area's copy of a section: method, opening record, session,
//!   room networks, tie seed, qualified suppliers, signed report), `eval_change_notices` (change
//!   notices published for a section) and `eval_suspensions` (remedies' suspensions);
//! - [`members`]: `eval_members` (the committee: seats, stage marks, chair votes, signatures,
//!   replacements);
//! - [`committee`]: `eval_reviews`, `eval_scores`, `eval_price_checks`, `eval_clarifications` (the
//!   committee's work) and `eval_voided_rounds` (a voided round, archived);
//! - [`bids`]: `eval_bid_documents` (the decrypted bids' documents) and `eval_sme_declarations`
//!   (the bidders' SME declarations).

pub(crate) mod bids;
pub(crate) mod committee;
pub(crate) mod members;
pub(crate) mod sections;
