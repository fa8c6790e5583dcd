//! Every SQL statement of the projects area, one `pub(crate)` function per statement (issue 17,
//! item 2): the use cases ([`crate::service`], [`crate::bidding`], [`crate::bids`],
//! [`crate::opening`], [`crate::prequalification`], [`crate::award`], [`crate::procurement`],
//! [`crate::nontender`], …) keep the decisions — validation, rules, events, timers, access checks,
//! error mapping (`on_unique`, `expect_one`) — and call these for their reads and writes, in the
//! same order inside their transactions as before.
//!
//! The area owns these tables, fed only by its own use cases and by the other areas' events it
//! consumes:
//!
//! - [`projects`]: `projects`, `sections` (as drafted and registered), `project_code_seq` and
//!   `project_rules` (migration 0002);
//! - [`sections`]: the `sections` rows as bidding, bids, the opening and the consumers read and
//!   move them;
//! - [`registrations`]: `project_orgs` (the area's copy of organizations),
//!   `section_registrations`, `org_relations` and `sanctions` (migration 0005);
//! - [`bids`]: `bids` and `server_keys` (migration 0006);
//! - [`opening`]: `bid_openings` (0006), `opening_rules` and `opening_deposits` (0010),
//!   `opening_fault_declarations` (0156);
//! - [`objections`]: `opening_objections` (0166);
//! - [`suspension`]: `section_suspensions` (0140);
//! - [`voided`]: `section_voided_results` (0172);
//! - [`qualification`]: `section_qualifications` (0170);
//! - [`prequalification`]: `prequalifications` and `prequalification_applications` (0186);
//! - [`regional`]: `rule_overrides` (0131) and the region's rows of the rules tables;
//! - [`workbench`]: the bidder's workbench reads across these tables;
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
pub(crate) mod bids;
pub(crate) mod nontender;
pub(crate) mod objections;
pub(crate) mod opening;
pub(crate) mod prequalification;
pub(crate) mod procedures;
pub(crate) mod procurement;
pub(crate) mod projects;
pub(crate) mod qualification;
pub(crate) mod regional;
pub(crate) mod registrations;
pub(crate) mod retender;
pub(crate) mod sections;
pub(crate) mod suspension;
pub(crate) mod voided;
pub(crate) mod workbench;
