//! Contracts of the evaluation area (评标) that other areas consume.

use crate::contract;

contract! {
    /// A bid is rejected by the evaluation committee (否决投标): it fails the qualification or
    /// compliance review, or its abnormally low price is not proved reasonable.
    BidRejected = "evaluation.bid.rejected", version 1, aggregate "section" by section_id {
        section_id: String,
        org_id: String,
        /// Why (`qualification`, `compliance`, `abnormally_low` …).
        ground: String,
        /// The rule's legal basis.
        basis: String,
    }
}
