//! Contracts of the auctions area (land, mining rights and property: 挂牌/拍卖): every event it
//! emits. The ones other areas consume are in this file; the listing's life, re-listings, the
//! land market's steps and capital increases each have their own file (re-exported here).

use crate::contract;
use chrono::{DateTime, Utc};
use ggzy_core::Money;

mod capital;
mod land;
mod listing;
mod property;
mod relist;

pub use capital::{
    CapitalCriterion, CapitalIncreaseAgreed, CapitalIncreaseDealConfirmed, CapitalIncreaseFailed,
    CapitalIncreaseListingFailed, CapitalIncreaseOpened, CapitalIncreaseSelected, RankedInvestor,
    SelectedInvestor, SelectionLot,
};
pub use land::{
    ContinueRequested, EligibilityConfirmed, LandContractOpened, LandContractPaymentRecorded,
    LandContractSigned, LandFloorApprovalRecorded,
};
pub use listing::{AuctionStarted, BidAccepted, ListingCreated, OnsitePending, OnsiteRecorded};
pub use property::{PropertyPaymentOverdue, PropertyPaymentRecorded, PropertyPaymentScheduled};
pub use relist::{FloorConsentRecorded, RelistApproved, RelistRefused};

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
        /// The other investors of a deal shared by several (a capital increase that selected
        /// several investors, 32号令 第三十九条/第四十条, to verify): each of them is a winner as
        /// `winner_org_id` is — its deposit converted, not refunded — and `price` is then the
        /// total of every investor's amount (`winner_org_id`'s own is `price` minus theirs).
        /// Absent (not `null`) for a deal with one winner, as before (additive, issue 21).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        co_winners: Option<Vec<CoWinner>>,
    }
}

/// One more winner of a deal shared by several investors ([`DealConfirmed::co_winners`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CoWinner {
    pub org_id: String,
    /// Its bidder number (`null` when it has none).
    pub number: Option<String>,
    /// Its own amount (its part of the deal's `price`).
    pub amount: Money,
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
    /// An auction ended without a deal (拍卖流拍): reserve not met, on-site failure, or a live
    /// auction terminated at its start for want of bidders.
    AuctionFailed = "auctions.auction.failed", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        /// `reserve_not_met` (the highest bid below the reserve price at the end),
        /// `too_few_bidders` (fewer eligible bidders at the start than the procedure's minimum,
        /// 39号令 第十六条), or an on-site failure's stated reason.
        reason: Option<String>,
        #[serde(default, with = "crate::time::option")]
        failed_at: Option<DateTime<Utc>>,
        highest_price: Option<Money>,
        #[serde(default)]
        bidder_org_ids: Vec<String>,
    }
}

// A listing's and an auction's failure (流拍) carry the same fields under two names; consumers that
// treat them alike convert one into the other.
impl From<ListingFailed> for AuctionFailed {
    fn from(f: ListingFailed) -> Self {
        AuctionFailed {
            auction_id: f.auction_id,
            section_id: f.section_id,
            project_id: f.project_id,
            market: f.market,
            reason: f.reason,
            failed_at: f.failed_at,
            highest_price: f.highest_price,
            bidder_org_ids: f.bidder_org_ids,
        }
    }
}

impl From<AuctionFailed> for ListingFailed {
    fn from(f: AuctionFailed) -> Self {
        ListingFailed {
            auction_id: f.auction_id,
            section_id: f.section_id,
            project_id: f.project_id,
            market: f.market,
            reason: f.reason,
            failed_at: f.failed_at,
            highest_price: f.highest_price,
            bidder_org_ids: f.bidder_org_ids,
        }
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
        /// `extend` (延期) or `lower_floor` (降低底价).
        kind: Option<String>,
        round: Option<i64>,
        #[serde(default)]
        bidder_org_ids: Vec<String>,
        /// The new round's listing period.
        #[serde(default, with = "crate::time::option")]
        listing_start: Option<DateTime<Utc>>,
        #[serde(default, with = "crate::time::option")]
        listing_end: Option<DateTime<Utc>>,
        starting_price: Option<Money>,
        /// The starting price of the failed round.
        previous_starting_price: Option<Money>,
        /// `null`: no appraisal recorded.
        appraisal_value: Option<Money>,
        /// The user who asked for the re-listing.
        requested_by: Option<String>,
        /// The round has a reserve price (保留价).
        reserve_set: Option<bool>,
        /// Who approved a re-listing that waited for approval (`null`: none needed).
        approved_by: Option<String>,
        /// A period was counted with weekends only (a year without holiday schedule).
        periods_provisional: Option<bool>,
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

contract! {
    /// A property deal's terms are recorded (国资委 财政部令第32号): the publicity period (公示期)
    /// and the payment terms.
    DealTermsRecorded = "auctions.deal.terms_recorded", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        deal_id: String,
        section_id: String,
        project_id: String,
        market: String,
        winner_number: Option<String>,
        price: Money,
        /// The deal's publicity (≥ 5 working days).
        #[serde(with = "crate::time")]
        publicity_start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        publicity_end: DateTime<Utc>,
        /// The contract's effective date (Beijing date).
        contract_effective_on: String,
        /// `lump_sum` or `instalments`.
        payment: String,
        first_payment: Option<Money>,
        balance_due_on: Option<String>,
        security: Option<String>,
        /// A period was counted with weekends only (a year without holiday schedule).
        #[serde(default)]
        periods_provisional: bool,
    }
}

/// A shareholder who exercised his pre-emption right (优先购买权) and buys.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PreemptionBuyer {
    pub name: String,
    pub uscc: Option<String>,
    /// The share of the stake he buys, in percent (`"50.00"`).
    pub share_percent: Option<String>,
    pub amount: Option<Money>,
}

/// A shareholder who waived his pre-emption right (in writing, or deemed by silence).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PreemptionWaiver {
    pub name: String,
    pub uscc: Option<String>,
    /// sha256 of the written decision's file.
    pub sha256: String,
    /// Deemed waived (公司法 第八十四条: no answer within thirty days).
    #[serde(default)]
    pub deemed: bool,
}

contract! {
    /// The pre-emption result (优先购买权行使结果, 公司法 第八十四条) of a property deal is recorded:
    /// who buys — the auction winner, or the exercising shareholders at the deal price.
    PreemptionRecorded = "auctions.deal.preemption_recorded", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        deal_id: String,
        section_id: String,
        project_id: String,
        market: String,
        price: Money,
        /// `auction_winner` (every shareholder waived) or `shareholders`.
        buyer: String,
        /// The auction winner's bidder number (only when it buys).
        winner_number: Option<String>,
        #[serde(default)]
        buyers: Vec<crate::auctions::PreemptionBuyer>,
        #[serde(default)]
        waived: Vec<crate::auctions::PreemptionWaiver>,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        DealConfirmed::entry(),
        ListingFailed::entry(),
        AuctionFailed::entry(),
        ListingRelisted::entry(),
        LandContractOverdue::entry(),
        ListingPeriodsRechecked::entry(),
        DealTermsRecorded::entry(),
        PreemptionRecorded::entry(),
    ]
    .into_iter()
    .chain(listing::entries())
    .chain(relist::entries())
    .chain(property::entries())
    .chain(land::entries())
    .chain(capital::entries())
    .collect()
}
