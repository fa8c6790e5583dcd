//! Contracts of a capital increase (企业增资, 国资委 财政部令第32号 第三章): its disclosure, the
//! selection of the investor, the agreement, and the agreement as the deal.
//!
//! Their aggregate is the capital increase (`capital_increase`, its id), not an auction.

use super::{CoWinner, DealConfirmed, ListingFailed};
use crate::contract;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::Money;

/// One disclosed selection criterion (择优指标) with its weight.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CapitalCriterion {
    /// e.g. `投资金额`, `产业协同`.
    pub name: String,
    /// Points out of 100 (the weights sum to 100).
    pub weight: i64,
}

/// An investor's place in the selection: its total points.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RankedInvestor {
    pub org_id: String,
    /// Total points with two decimals (`"87.50"`).
    pub total: String,
}

/// One investor of a capital increase that selected several (best first): its amount.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SelectedInvestor {
    pub org_id: String,
    /// The investment it offered (its part of the increase).
    pub amount: Money,
    /// Its total points with two decimals (`"87.50"`).
    pub total: String,
}

/// The lot (抽签) that decided an equal top total (`ggzy_core::lot`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SelectionLot {
    /// The recorded seed (hex).
    pub seed: String,
    /// The organizations that tied.
    pub tied: Vec<String>,
    /// The lot's rule, as `ggzy_core::lot::RULE` states it.
    pub rule: String,
}

contract! {
    /// A capital increase is opened: its disclosure (信息披露) through the centre, the amount
    /// sought, the selection method and the disclosed criteria.
    CapitalIncreaseOpened = "auctions.capital_increase.opened", version 1, aggregate "capital_increase" by capital_increase_id {
        capital_increase_id: String,
        section_id: String,
        project_id: String,
        /// Always `property`.
        market: String,
        #[serde(with = "crate::time")]
        disclosure_start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        disclosure_end: DateTime<Utc>,
        amount_sought: Money,
        /// `competitive_negotiation` (竞争性谈判) or `comprehensive_evaluation` (综合评议).
        method: String,
        criteria: Vec<CapitalCriterion>,
        /// The rule's source.
        source: String,
        /// 拟征集投资方数量: how many investors the increase may bring in (absent: 1; additive).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        investors_sought: Option<i64>,
        /// The least total the selected investors must reach when the disclosure allowed less
        /// than the amount sought (absent: none stated; additive).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount_minimum: Option<Money>,
    }
}

contract! {
    /// The enterprise's selection (遴选) of the investor is recorded: the highest total of points
    /// by the disclosed criteria wins; an equal top total goes to a recorded lot.
    CapitalIncreaseSelected = "auctions.capital_increase.selected", version 1, aggregate "capital_increase" by capital_increase_id {
        capital_increase_id: String,
        section_id: String,
        project_id: String,
        investor_org_id: String,
        /// The selected investor's amount.
        amount: Money,
        /// The selected investor's total points with two decimals (`"87.50"`).
        total: String,
        /// Every scored investor, best first.
        ranking: Vec<RankedInvestor>,
        /// The lot of an equal top total (`null`: no tie).
        lot: Option<SelectionLot>,
        /// The rule's source.
        source: String,
        /// Every selected investor, best first, when several were selected (the first is
        /// `investor_org_id`; `amount` is then the total). Absent with one investor (additive).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        investors: Option<Vec<SelectedInvestor>>,
    }
}

contract! {
    /// The capital-increase agreement (增资协议) is recorded and the result publicity starts.
    /// The agreement is the deal: `auctions.deal.confirmed` follows
    /// ([`CapitalIncreaseDealConfirmed`]).
    CapitalIncreaseAgreed = "auctions.capital_increase.agreed", version 1, aggregate "capital_increase" by capital_increase_id {
        capital_increase_id: String,
        deal_id: String,
        section_id: String,
        project_id: String,
        investor_org_id: String,
        amount: Money,
        amount_sought: Money,
        agreement_no: String,
        signed_on: NaiveDate,
        #[serde(with = "crate::time")]
        publicity_start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        publicity_end: DateTime<Utc>,
        /// The rule's source.
        source: String,
        /// Every investor of the agreement, best first, when several were selected
        /// (`investor_org_id` is the first, `amount` the total). Absent with one (additive).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        investors: Option<Vec<SelectedInvestor>>,
    }
}

contract! {
    /// A capital increase's agreement as the deal (`via: "capital_increase"`): the same event
    /// (`auctions.deal.confirmed`) as [`DealConfirmed`] — its consumers decode it as that type —
    /// but recorded under the capital increase (aggregate `capital_increase`), with the capital
    /// increase's id also in `auction_id`, and the result publicity. A second type because a
    /// contract has one aggregate type; `From` turns it into a [`DealConfirmed`].
    CapitalIncreaseDealConfirmed = "auctions.deal.confirmed", version 1, aggregate "capital_increase" by capital_increase_id {
        deal_id: String,
        /// The capital increase's id (it has no auction).
        auction_id: String,
        capital_increase_id: String,
        section_id: String,
        project_id: String,
        /// Always `property`.
        market: String,
        /// The investor.
        winner_org_id: String,
        /// The investor's bidder number (`""` when it has none).
        winner_number: String,
        price: Money,
        /// Always `capital_increase`.
        via: String,
        #[serde(with = "crate::time")]
        confirmed_at: DateTime<Utc>,
        /// The result publicity (结果公告).
        #[serde(with = "crate::time")]
        publicity_start_at: DateTime<Utc>,
        #[serde(with = "crate::time")]
        publicity_end_at: DateTime<Utc>,
        bidder_org_ids: Vec<String>,
        loser_org_ids: Vec<String>,
        /// The other selected investors when several share the increase (`price` is then the
        /// total; see [`DealConfirmed::co_winners`]). Absent with one investor (additive).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        co_winners: Option<Vec<CoWinner>>,
    }
}

impl From<CapitalIncreaseDealConfirmed> for DealConfirmed {
    fn from(d: CapitalIncreaseDealConfirmed) -> Self {
        DealConfirmed {
            deal_id: d.deal_id,
            auction_id: d.auction_id,
            section_id: d.section_id,
            project_id: Some(d.project_id),
            market: Some(d.market),
            winner_org_id: d.winner_org_id,
            winner_number: Some(d.winner_number),
            price: d.price,
            via: Some(d.via),
            confirmed_at: Some(d.confirmed_at),
            bidder_org_ids: d.bidder_org_ids,
            loser_org_ids: d.loser_org_ids,
            co_winners: d.co_winners,
        }
    }
}

contract! {
    /// A capital increase ended without an investor (未征集到意向投资方): after the disclosure end
    /// with no qualified investor (registered with a valid deposit), the enterprise or the centre
    /// recorded its failure (终结). `auctions.listing.failed` follows in the same transaction
    /// ([`CapitalIncreaseListingFailed`]) for the consumers of a failed listing.
    CapitalIncreaseFailed = "auctions.capital_increase.failed", version 1, aggregate "capital_increase" by capital_increase_id {
        capital_increase_id: String,
        section_id: String,
        project_id: String,
        /// Always `property`.
        market: String,
        /// Always `no_investor`.
        outcome: String,
        /// The recorded reason (the enterprise's or the centre's words).
        reason: String,
        #[serde(with = "crate::time")]
        failed_at: DateTime<Utc>,
        /// The organizations that registered (none of them qualified).
        registered_org_ids: Vec<String>,
        /// The rule's source.
        source: String,
    }
}

contract! {
    /// A failed capital increase as a failed listing (`auctions.listing.failed`, reason
    /// `no_investor`): the same event as [`ListingFailed`] — deposits refund every deposit and
    /// publishing drafts the failure notice from it — recorded under the capital increase
    /// (aggregate `capital_increase`, its id also in `auction_id`, as
    /// [`CapitalIncreaseDealConfirmed`] does for the deal). `From` turns it into a [`ListingFailed`].
    CapitalIncreaseListingFailed = "auctions.listing.failed", version 1, aggregate "capital_increase" by capital_increase_id {
        /// The capital increase's id (it has no auction).
        auction_id: String,
        capital_increase_id: String,
        section_id: String,
        project_id: String,
        /// Always `property`.
        market: String,
        /// Always `no_investor`.
        reason: String,
        #[serde(with = "crate::time")]
        failed_at: DateTime<Utc>,
        /// Always null: a capital increase has no quotes.
        highest_price: Option<Money>,
        bidder_org_ids: Vec<String>,
    }
}

impl From<CapitalIncreaseListingFailed> for ListingFailed {
    fn from(f: CapitalIncreaseListingFailed) -> Self {
        ListingFailed {
            auction_id: f.auction_id,
            section_id: f.section_id,
            project_id: Some(f.project_id),
            market: Some(f.market),
            reason: Some(f.reason),
            failed_at: Some(f.failed_at),
            highest_price: f.highest_price,
            bidder_org_ids: f.bidder_org_ids,
        }
    }
}

/// This file's contracts, for the catalogue.
pub(super) fn entries() -> Vec<crate::Entry> {
    vec![
        CapitalIncreaseOpened::entry(),
        CapitalIncreaseSelected::entry(),
        CapitalIncreaseAgreed::entry(),
        CapitalIncreaseDealConfirmed::entry(),
        CapitalIncreaseFailed::entry(),
        CapitalIncreaseListingFailed::entry(),
    ]
}
