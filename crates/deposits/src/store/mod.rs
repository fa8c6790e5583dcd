//! Every SQL statement of the deposits area, one `pub(crate)` function per statement (issue 17,
//! item 2): the use cases ([`crate::service`], [`crate::lifecycle`], [`crate::guarantees`],
//! [`crate::forfeiture`], [`crate::reconcile`], [`crate::refund_file`], [`crate::bidder`],
//! [`crate::staff_pages`]) keep the decisions — validation, rules, events, locking order, error
//! mapping — and call these for their reads and writes, in the same order inside the same
//! transactions as before.
//!
//! The area owns these tables (migrations 0003, 0014, 0033, 0041, 0249), fed only by its own use
//! cases, the bank's signed callbacks and the other areas' events it consumes; no other area reads
//! them:
//!
//! - [`sections`]: `deposit_sections` and `deposit_orgs` (its copies of the sections and the
//!   organizations, written by the projection through `ggzy_store::copies`; the deadline moves
//!   here), `deposit_registrations` and `deposit_revocations` (from the projects area's events);
//! - [`accounts`]: `deposit_counters`, `deposit_accounts` (virtual sub-accounts) and
//!   `deposit_transfers` (the bank's incoming transfers);
//! - [`ledger`]: `deposit_journal_entries` and `deposit_journal_lines` (the double-entry ledger,
//!   append-only) and `deposit_reconciliations` (the bank's daily statements);
//! - [`settlements`]: `deposit_fixed_status` (the status fixed at the deadline),
//!   `deposit_settlements` (why and by when a deposit is refunded) and `deposit_conversions`
//!   (deposits converted into a deal's price);
//! - [`refunds`]: `deposit_refunds` (refund instructions and the bank's confirmations);
//! - [`guarantees`]: `deposit_guarantees` (保函 instead of cash) and `deposit_forfeitures`.

pub(crate) mod accounts;
pub(crate) mod guarantees;
pub(crate) mod ledger;
pub(crate) mod refunds;
pub(crate) mod sections;
pub(crate) mod settlements;
