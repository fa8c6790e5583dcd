//! Every SQL statement of the projects area, one `pub(crate)` function per statement (issue 17,
//! item 2): the use cases keep the decisions — validation, rules, events, timers, access checks —
//! and call these for their reads and writes, in the same order inside their transactions as
//! before.
//!
//! The area owns these tables, fed only by its own use cases and by the other areas' events it
//! consumes:
//!
//! - [`award`]: `award_rules`, `section_awards` and `section_terminations` (migrations 0011,
//!   0111), with the section and project columns the award path reads;
//! - [`award_publicity`]: `section_evaluations` (the committee's result and the candidate
//!   publicity, 0011, 0111) and `section_committees` (the committees recorded from the experts
//!   area's draws, 0050);
//! - [`award_report`]: `award_report_rules` and `section_award_reports` (the written report to the
//!   supervisor, 0167);
//! - [`procurement`]: `procurement_award_rules` and `procurement_awards` (government
//!   procurement's award path, 0150) and `section_review_rejections` (0151);
//! - [`nontender`]: `negotiation_rounds` (0190), `nontender_lots` (0176), `nontender_exceptions`,
//!   `nontender_invitations` and `nontender_invitees` (0247);
//! - [`procedures`]: `procedure_stages` (0185), `section_invitees` and
//!   `section_interested_parties` (0186);
//! - [`retender`]: `section_retenders` (0186), with the re-tendering section it writes.

pub(crate) mod award;
pub(crate) mod award_publicity;
pub(crate) mod award_report;
pub(crate) mod nontender;
pub(crate) mod procedures;
pub(crate) mod procurement;
pub(crate) mod retender;
