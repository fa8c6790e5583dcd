//! Contracts of the auctions area (land, mining rights and property: 挂牌/拍卖) that other areas
//! consume.

use crate::contract;
use chrono::{DateTime, Utc};
use ggzy_core::Money;

contract! {
    /// A deal is confirmed (成交确认书): winner and price.
    DealConfirmed = "auctions.deal.confirmed", version 1, aggregate "auction" by auction_id {
        deal_id: String,
        auction_id: String,
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        winner_org_id: String,
        /// Bidder number (竞买号) of the winner.
        winner_number: Option<String>,
        price: Money,
        /// How the deal came about (listing, auction, on-site …).
        via: Option<String>,
        #[serde(default, with = "crate::time::option")]
        confirmed_at: Option<DateTime<Utc>>,
        #[serde(default)]
        bidder_org_ids: Vec<String>,
        #[serde(default)]
        loser_org_ids: Vec<String>,
    }
}

contract! {
    /// A listing ended without a deal (挂牌流拍).
    ListingFailed = "auctions.listing.failed", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        reason: Option<String>,
        #[serde(default, with = "crate::time::option")]
        failed_at: Option<DateTime<Utc>>,
        highest_price: Option<Money>,
        #[serde(default)]
        bidder_org_ids: Vec<String>,
    }
}

contract! {
    /// An auction ended without a deal (拍卖流拍): reserve not met, on-site failure.
    AuctionFailed = "auctions.auction.failed", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        reason: Option<String>,
        #[serde(default, with = "crate::time::option")]
        failed_at: Option<DateTime<Utc>>,
        highest_price: Option<Money>,
        #[serde(default)]
        bidder_org_ids: Vec<String>,
    }
}

contract! {
    /// A failed listing is listed again (重新挂牌), its bidders carried over.
    ListingRelisted = "auctions.listing.relisted", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        relist_id: Option<String>,
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        /// `extend` (延期) or `lower_reserve` (降低底价) …
        kind: Option<String>,
        round: Option<i64>,
        #[serde(default)]
        bidder_org_ids: Vec<String>,
    }
}

contract! {
    /// A step of a land contract (国有建设用地使用权出让合同, 国土资发〔2010〕34号) was not met by the end of
    /// its due day: the signing (10 working days after the deal), ≥ 50 % of the price (one month
    /// after signing) or the whole price (one year after signing). Raised once per step.
    LandContractOverdue = "auctions.land_contract.overdue", version 1, aggregate "auction" by auction_id {
        deal_id: String,
        auction_id: String,
        section_id: String,
        /// The winner (竞得人) that owes the step.
        winner_org_id: String,
        /// `signing`, `first_payment` or `final_payment`.
        step: String,
        /// The step's last day (Beijing date).
        due_date: Option<chrono::NaiveDate>,
        /// What had to be paid by then (payments only).
        required: Option<Money>,
        /// What was paid in all when it was raised.
        paid: Money,
        /// The rule's source.
        source: String,
    }
}

contract! {
    /// A listing round's periods, counted provisionally, were checked again (a holiday schedule was
    /// imported): `ok`, or the rules they now break.
    ListingPeriodsRechecked = "auctions.listing.periods_rechecked", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        round: i64,
        period_kind: Option<String>,
        #[serde(with = "crate::time")]
        listing_start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        listing_end: DateTime<Utc>,
        ok: bool,
        #[serde(default)]
        broken: Vec<crate::publishing::BrokenPeriod>,
        #[serde(default)]
        provisional: bool,
        #[serde(default)]
        missing_years: Vec<i32>,
    }
}
