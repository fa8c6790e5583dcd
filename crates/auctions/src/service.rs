//! Use cases: the projection of other areas' events, listings, bids, and the durable end timers.

use crate::rules::{self, AuctionRules, ListingOutcome, Phase};
use chrono::Duration;
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{ids, Clock, Error, FieldError, Money, Result, Timestamp};
use ggzy_identity::Actor;
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

pub const LISTING_TIMER: &str = "auctions.listing_end";
pub const AUCTION_TIMER: &str = "auctions.auction_end";
/// The start of a live auction (拍卖出让): the minimum of bidders is checked then.
pub const AUCTION_START_TIMER: &str = "auctions.auction_start";

/// Woken after every accepted bid or phase change (live streams of this instance wait on it; other
/// instances' streams see the change on their next poll).
pub static CHANGED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// The payload of a [`LISTING_TIMER`] or [`AUCTION_TIMER`]: the auction whose period ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AuctionDue {
    pub(crate) auction_id: String,
}

impl AuctionDue {
    /// The timer payload for `auction_id`.
    fn payload(auction_id: &str) -> Value {
        json!(AuctionDue {
            auction_id: auction_id.to_string(),
        })
    }

    /// The payload of a fired timer; a malformed one is an error (the timer is retried, then
    /// parked), never an empty id.
    fn of(timer: &Timer) -> Result<Self> {
        serde_json::from_value(timer.payload.clone()).map_err(|e| {
            Error::internal(format!("{} timer {}: payload: {e}", timer.kind, timer.key))
        })
    }
}

mod bids;
mod ends;
mod listing;
mod live;
mod onsite;
mod projection;
mod relist;
mod staff;
mod view;

pub use bids::*;
pub use ends::*;
pub use listing::*;
pub use live::*;
pub use onsite::*;
pub use projection::*;
pub use relist::*;
pub use staff::*;
pub use view::*;
