//! Use cases: the projection of other areas' events, listings, bids, and the durable end timers.

use crate::rules::{self, AuctionRules, ListingOutcome};
use chrono::Duration;
use ggzy_core::events::{ActorRef, Event, NewEvent};
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{ids, Clock, Error, FieldError, Money, Result, Timestamp};
use ggzy_identity::Actor;
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use utoipa::ToSchema;

pub const LISTING_TIMER: &str = "auctions.listing_end";
pub const AUCTION_TIMER: &str = "auctions.auction_end";

/// Woken after every accepted bid or phase change (live streams of this instance wait on it; other
/// instances' streams see the change on their next poll).
pub static CHANGED: tokio::sync::Notify = tokio::sync::Notify::const_new();

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn parse_time(v: &Value, k: &str) -> Option<Timestamp> {
    v.get(k)
        .and_then(Value::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
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
