//! Contracts of the sanctions list (禁止投标 / 失信名单) the projects area keeps for registration.
//! The events keep their historical names, `sanctions.*`, without the area prefix.

use crate::contract;
use chrono::NaiveDate;

contract! {
    /// An organization was put on the sanctions list for a period: it may not register for the
    /// covered markets' sections while in force.
    SanctionListed = "sanctions.listed", version 1, aggregate "sanction" by id {
        /// The sanction's id.
        id: String,
        /// The organization's unified social credit code.
        uscc: String,
        /// `debarred` or `dishonest`.
        kind: String,
        reason: String,
        /// The decision that imposes it (处理决定书 / 文号).
        source_document: String,
        /// First day in force (Asia/Shanghai date).
        from: NaiveDate,
        /// Last day in force, included.
        to: NaiveDate,
        /// `all`, or the covered markets joined by commas (`construction,procurement`).
        markets: String,
    }
}

contract! {
    /// A sanction was ended early (e.g. the decision revoked on review).
    SanctionEnded = "sanctions.ended", version 1, aggregate "sanction" by id {
        id: String,
        uscc: String,
        /// The new last day in force (Asia/Shanghai date, included).
        last_day: NaiveDate,
        /// The last day as decided.
        decided_last_day: NaiveDate,
        reason: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![SanctionListed::entry(), SanctionEnded::entry()]
}
