//! Contracts of a re-listing (重新挂牌) besides [`super::ListingRelisted`]: the approving body's
//! consent to a lower property floor, and the decision on a re-listing that waited for approval.
//!
//! Each carries the re-listing's round as the producer writes it for all of them (the fields from
//! `auction_id` to `requested_by`), then its own fields; they are written out in each contract
//! (not a flattened struct) so the catalogue lists the payload as it is on the wire.

use crate::contract;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::Money;

contract! {
    /// The approving body's written consent (转让行为批准单位书面同意, 32号令 第十八条) to a property
    /// re-listing's floor is recorded with the re-listing (required below 90 % of the appraisal).
    FloorConsentRecorded = "auctions.floor_consent.recorded", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        relist_id: String,
        section_id: String,
        project_id: String,
        market: String,
        /// `extend` or `lower_floor`.
        kind: String,
        /// The re-listing's round (the first listing is round 1).
        round: i64,
        #[serde(with = "crate::time")]
        listing_start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        listing_end: DateTime<Utc>,
        starting_price: Money,
        previous_starting_price: Money,
        /// `null`: no appraisal recorded.
        appraisal_value: Option<Money>,
        /// The user who asked for the re-listing.
        requested_by: String,
        /// The share of the appraisal below which consent is needed, in basis points (9000).
        threshold_bp: i64,
        /// Whether the consent was required (or only given).
        required: bool,
        approving_body: String,
        signed_by: String,
        /// The date on the consent.
        consented_on: NaiveDate,
        file_name: String,
        /// SHA-256 of the document (hex).
        sha256: String,
        size_bytes: i64,
    }
}

contract! {
    /// A re-listing that waited for approval is approved (by another staff member than its
    /// requester); the round then opens (`auctions.listing.relisted`).
    RelistApproved = "auctions.relist.approved", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        relist_id: String,
        section_id: String,
        project_id: String,
        market: String,
        kind: String,
        round: i64,
        /// The round's start (moved to the approval's time when approved late).
        #[serde(with = "crate::time")]
        listing_start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        listing_end: DateTime<Utc>,
        starting_price: Money,
        previous_starting_price: Money,
        appraisal_value: Option<Money>,
        requested_by: String,
        decided_by: String,
        /// The approver's remark (`null`: none).
        reason: Option<String>,
    }
}

contract! {
    /// A re-listing that waited for approval is refused; the auction stays failed.
    RelistRefused = "auctions.relist.refused", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        relist_id: String,
        section_id: String,
        project_id: String,
        market: String,
        kind: String,
        round: i64,
        #[serde(with = "crate::time")]
        listing_start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        listing_end: DateTime<Utc>,
        starting_price: Money,
        previous_starting_price: Money,
        appraisal_value: Option<Money>,
        requested_by: String,
        decided_by: String,
        /// Why (a refusal always states it).
        reason: String,
    }
}

/// This file's contracts, for the catalogue.
pub(super) fn entries() -> Vec<crate::Entry> {
    vec![
        FloorConsentRecorded::entry(),
        RelistApproved::entry(),
        RelistRefused::entry(),
    ]
}
