//! Contracts of a listing's life (挂牌 → 网络竞价 / 现场竞价): its creation, the quotes, the live
//! auction's start and the on-site auction.

use crate::contract;
use chrono::{DateTime, Utc};
use ggzy_core::Money;

contract! {
    /// A listing (挂牌) or a live auction (拍卖) of a land or property section is created, with
    /// its periods and prices.
    ListingCreated = "auctions.listing.created", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        section_id: String,
        project_id: String,
        /// `land` or `property`.
        market: String,
        #[serde(with = "crate::time")]
        listing_start: DateTime<Utc>,
        /// The listing's end (a live auction: its start).
        #[serde(with = "crate::time")]
        listing_end: DateTime<Utc>,
        /// Starting price (起始价 / 转让底价).
        starting_price: Money,
        /// Bid increment (加价幅度).
        increment: Money,
        /// `online` (网络竞价) or `onsite` (现场竞价).
        final_auction: String,
        /// The appraisal value (评估值; property always, land when given; `null` otherwise).
        appraisal_value: Option<Money>,
        /// A period was counted with weekends only (a year without holiday schedule).
        periods_provisional: bool,
        /// Land listings: whether bidders' eligibility is confirmed (竞买资格确认); `null` otherwise.
        eligibility_review: Option<bool>,
        /// Land listings: `automatic` or `on_request` (要求继续竞价); `null` otherwise.
        continuation: Option<String>,
        /// The section's procedure, when the section names one.
        procedure: Option<String>,
        /// A live auction's start (`null` for a listing).
        #[serde(default, with = "crate::time::option")]
        auction_start: Option<DateTime<Utc>>,
    }
}

contract! {
    /// The listing ended with several bidders still competing: the online auction (网络竞价)
    /// starts, free bidding then extensions.
    AuctionStarted = "auctions.auction.started", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        section_id: String,
        project_id: String,
        market: String,
        #[serde(with = "crate::time")]
        auction_start: DateTime<Utc>,
        /// End of the free-bid period (自由竞价期).
        #[serde(with = "crate::time")]
        free_bid_end: DateTime<Utc>,
        #[serde(with = "crate::time")]
        ends_at: DateTime<Utc>,
        /// The highest quote of the listing (`null`: none).
        current_price: Option<Money>,
    }
}

contract! {
    /// A quote (报价) of a numbered bidder is accepted, in the listing or the live auction.
    BidAccepted = "auctions.bid.accepted", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        section_id: String,
        /// The auction's version after the quote (orders the quotes).
        seq: i64,
        bid_id: String,
        org_id: String,
        /// Bidder number (竞买号).
        number: String,
        price: Money,
        /// `listing` or `auction`.
        phase: String,
        #[serde(with = "crate::time")]
        at: DateTime<Utc>,
        /// The end after this quote (moved by an extension).
        #[serde(with = "crate::time")]
        ends_at: DateTime<Utc>,
        /// The quote moved the end (延时).
        extended: bool,
        round: i64,
    }
}

contract! {
    /// The listing ended with several bidders still competing and the section's final auction
    /// is on site (现场竞价): staff book a room and record the result.
    OnsitePending = "auctions.onsite.pending", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        section_id: String,
        project_id: String,
        market: String,
        #[serde(with = "crate::time")]
        listing_end: DateTime<Utc>,
        /// The highest quote of the listing (`null`: none).
        current_price: Option<Money>,
        /// The bidder numbers that quoted in the round.
        competing_numbers: Vec<String>,
        /// The organizations that quoted in the round.
        bidder_org_ids: Vec<String>,
    }
}

contract! {
    /// Staff recorded the on-site auction's result (a deal or a failure), as entered.
    OnsiteRecorded = "auctions.onsite.recorded", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        section_id: String,
        project_id: String,
        market: String,
        /// The venues booking of the on-site auction.
        booking_id: String,
        /// `deal` or `failed`.
        result: String,
        /// The winner's bidder number as entered (`null`: none given).
        winner_number: Option<String>,
        /// The final price as entered by staff (a decimal string, not normalized; `null`: none
        /// given).
        price: Option<String>,
        /// Why it failed, as entered (`null`: none given).
        reason: Option<String>,
        #[serde(with = "crate::time")]
        recorded_at: DateTime<Utc>,
    }
}

/// This file's contracts, for the catalogue.
pub(super) fn entries() -> Vec<crate::Entry> {
    vec![
        ListingCreated::entry(),
        AuctionStarted::entry(),
        BidAccepted::entry(),
        OnsitePending::entry(),
        OnsiteRecorded::entry(),
    ]
}
