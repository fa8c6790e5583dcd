//! Land and property markets (土地矿业权 / 产权交易): listings (挂牌), online ascending auctions
//! (网络竞价) with extension (延时竞价), deal confirmation (成交确认书).
//!
//! Invariants: `rules` does no I/O; what the area knows about sections, bidders and deposits comes
//! from other areas' events through [`service::Projection`]; bids are ordered by the auction row's
//! `version`, taken with a conditional UPDATE, so two bids racing for one price cannot both win.

pub mod asset_transfer;
pub mod capital_follow;
pub mod capital_increase;
pub mod capital_pages;
pub mod enterprise_pages;
pub mod feed;
pub mod http;
pub mod land;
pub mod land_auction;
pub mod land_contract;
pub mod pages;
pub mod payment;
pub mod preemption;
pub mod property;
pub mod property_payment;
pub mod rules;
pub mod service;
pub mod staff_pages;
pub mod staff_queue;
mod store;
pub mod workbench;

/// This area's background work — consumers, timers, cron jobs, loops — registered here, next to
/// the code it runs; the server assembles every area's (crates/server/src/background.rs).
pub fn workers(w: &mut ggzy_store::workers::Workers) {
    w.consumer(service::Projection)
        .timer(service::LISTING_TIMER, service::ListingEnd)
        .timer(service::AUCTION_TIMER, service::AuctionEnd)
        .timer(service::AUCTION_START_TIMER, service::AuctionStart)
        .timer(land_contract::CONTRACT_TIMER, land_contract::ContractStep)
        .timer(
            property_payment::PAYMENT_TIMER,
            property_payment::PaymentStep,
        );
}
