//! Every SQL statement of the monitoring area, one `pub(crate)` function per statement (issue 17,
//! item 2): the consumer ([`crate::projection`]), the alerts ([`crate::alerts`]), the statistics
//! and reports ([`crate::stats`]), the live stream ([`crate::http`]) and the supervisors' pages
//! ([`crate::supervisor`]) keep the decisions — rules, alerts raised, state changes, events, access
//! checks — and call these for their reads and writes, in the same order inside the same
//! transactions as before.
//!
//! The area reads nothing but the event log; it owns these tables (migrations 0016, 0110, 0245),
//! written only by its consumer `monitoring.signals`, its timer and its own use cases:
//!
//! - [`sections`]: `mon_sections` (its copy of the sections: dates, estimate, award, procedure),
//!   `mon_bids` (opening records), `mon_sessions` (venue sessions) and `mon_orgs` (organization
//!   names, written through `ggzy_store::copies`);
//! - [`traces`]: `mon_traces` (what each bidder and expert left on a section) and `mon_deposits`
//!   (deposits received and released);
//! - [`alerts`]: `mon_alerts`, `mon_alert_notes` (the cases) and `monitoring_rules` (rule
//!   overrides);
//! - [`publication`]: `mon_publication_deadlines` (mining deals' result publication);
//! - [`reports`]: `mon_reports` (the daily reports), the statistics' reads over the tables above,
//!   and the reads of the sealed log (`events`, `event_chain`) the dashboard and the reports need.

pub(crate) mod alerts;
pub(crate) mod publication;
pub(crate) mod reports;
pub(crate) mod sections;
pub(crate) mod traces;
