//! Contracts of the audit records the server writes itself (not an area's own events).

use crate::contract;

contract! {
    /// A supervisor looked at the bidder identities of a section before its deadline (招标投标法
    /// 第二十二条 keeps them from everyone else): who, and why. Written before the identities are
    /// shown.
    IdentitiesDisclosed = "audit.identities.disclosed", version 1, aggregate "section" by section_id {
        section_id: String,
        /// Why the identities are needed (at least 10 characters).
        reason: String,
        /// The supervisor.
        user_id: String,
        username: String,
        /// The supervisor's organization (`null`: none).
        org_id: Option<String>,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![IdentitiesDisclosed::entry()]
}
