//! Venue use cases: each runs in one transaction together with its domain events.

use crate::rules::{self, Hours, PersonRole, Purpose, RoomKind};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::error::FieldError;
use ggzy_core::events::{ActorRef, Event, NewEvent};
use ggzy_core::ident::ResidentId;
use ggzy_core::sql::At;
use ggzy_core::time::{at_local, display_local, from_micros, to_micros};
use ggzy_core::{ids, Clock, Error, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::outbox::emit;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

mod bookings;
mod door;
mod personnel;
mod rooms;
mod sections;

pub use bookings::*;
pub use door::*;
pub use personnel::*;
pub use rooms::*;
pub use sections::*;

/// Timer kind that expires a tentative hold.
pub const HOLD_TIMER: &str = "venues.hold.expire";

pub(crate) fn hold_key(booking_id: &str) -> String {
    format!("venues.hold:{booking_id}")
}

/// Lifetime of a tentative hold: `GGZY_VENUE_HOLD_MINUTES`, or the default.
pub fn hold_duration() -> Duration {
    let m = std::env::var("GGZY_VENUE_HOLD_MINUTES")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|m| *m > 0)
        .unwrap_or(rules::DEFAULT_HOLD_MINUTES);
    Duration::minutes(m)
}

pub(crate) fn refusal(field: &str, r: rules::Refusal) -> Error {
    Error::field(field, r.0, r.1)
}
