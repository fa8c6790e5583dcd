//! Contracts of the venues area (统一开评标场所管理) that other areas consume.

use crate::contract;
use chrono::{DateTime, Utc};
use serde_json::Value;

contract! {
    /// An evaluation session (评标场次) is scheduled in a room: evaluation learns its window and the
    /// room's networks, experts draw the committee when a draw spec comes with it.
    SessionScheduled = "venues.session.scheduled", version 1, aggregate "session" by session_id {
        session_id: String,
        section_id: String,
        /// `evaluation`.
        kind: String,
        room_id: Option<String>,
        room_name: Option<String>,
        /// CIDR networks of the room's evaluation terminals; absent or empty: no restriction.
        #[serde(default)]
        room_networks: Option<Vec<String>>,
        #[serde(with = "crate::time")]
        start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        end: DateTime<Utc>,
        /// The room was suggested by the venue (none asked for).
        suggested: Option<bool>,
        draw_id: Option<String>,
        /// The committee draw the session asks the experts area for (experts' `VenueDrawSpec`).
        #[serde(default)]
        draw: Option<Value>,
    }
}

contract! {
    /// The session moved (another window, maybe another room, whose networks come with it).
    SessionMoved = "venues.session.moved", version 1, aggregate "session" by session_id {
        session_id: String,
        section_id: Option<String>,
        draw_id: Option<String>,
        #[serde(with = "crate::time")]
        start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        end: DateTime<Utc>,
        room_id: Option<String>,
        room_name: Option<String>,
        #[serde(default)]
        room_networks: Option<Vec<String>>,
    }
}

contract! {
    /// The session is cancelled.
    SessionCancelled = "venues.session.cancelled", version 1, aggregate "session" by session_id {
        session_id: String,
        section_id: Option<String>,
        draw_id: Option<String>,
    }
}

contract! {
    /// The networks of a room's evaluation terminals changed (the list replaces the old one).
    RoomNetworksChanged = "venues.room.networks_changed", version 1, aggregate "room" by room_id {
        room_id: String,
        /// CIDR networks; empty lifts the restriction.
        networks: Vec<String>,
    }
}

contract! {
    /// A rule of the venue was broken (a phone in the evaluation room, an unauthorized entry …),
    /// recorded at the door or by staff.
    ViolationRecorded = "venues.violation.recorded", version 1, aggregate "room" by room_id {
        violation_id: String,
        session_id: Option<String>,
        room_id: String,
        /// What happened (`phone_in_room` …).
        kind: String,
        /// `expert`, `supervisor`, `staff` …
        person_role: Option<String>,
        /// The person's resident id, masked.
        resident_id: Option<String>,
        expert_id: Option<String>,
        user_id: Option<String>,
        detail: Option<String>,
        #[serde(with = "crate::time")]
        at: DateTime<Utc>,
    }
}

contract! {
    /// A room booking moved (another window, maybe another room): by staff or the agency, or
    /// following its section's new opening time (`reason`: `deadline_changed`).
    BookingMoved = "venues.booking.moved", version 1, aggregate "booking" by booking_id {
        booking_id: String,
        room_id: String,
        section_id: String,
        /// `opening`, `evaluation`, `auction` …
        purpose: String,
        #[serde(with = "crate::time")]
        start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        end: DateTime<Utc>,
        /// `tentative` or `confirmed`.
        status: String,
        #[serde(with = "crate::time")]
        old_start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        old_end: DateTime<Utc>,
        old_room_id: String,
        /// `deadline_changed` when the booking followed its section; absent when moved by hand.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    }
}

contract! {
    /// A room is created (its kind, capacity and the networks of its evaluation terminals).
    RoomCreated = "venues.room.created", version 1, aggregate "room" by room_id {
        room_id: String,
        /// `evaluation`, `opening`, `auction` …
        kind: String,
        name: String,
        capacity: i64,
        /// An isolated room (评标区隔离).
        isolated: bool,
        /// CIDR networks of the room's evaluation terminals; empty: no restriction.
        #[serde(default)]
        networks: Vec<String>,
    }
}

contract! {
    /// A room is booked (a tentative hold, or a session's booking). Its fields are the booking
    /// after the change, as in every `venues.booking.*` event.
    BookingCreated = "venues.booking.created", version 1, aggregate "booking" by booking_id {
        booking_id: String,
        room_id: String,
        section_id: String,
        /// `opening`, `evaluation`, `auction` …
        purpose: String,
        #[serde(with = "crate::time")]
        start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        end: DateTime<Utc>,
        /// `tentative`, `confirmed` or `cancelled`.
        status: String,
    }
}

contract! {
    /// A tentative booking is confirmed.
    BookingConfirmed = "venues.booking.confirmed", version 1, aggregate "booking" by booking_id {
        booking_id: String,
        room_id: String,
        section_id: String,
        purpose: String,
        #[serde(with = "crate::time")]
        start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        end: DateTime<Utc>,
        status: String,
    }
}

contract! {
    /// A booking is cancelled.
    BookingCancelled = "venues.booking.cancelled", version 1, aggregate "booking" by booking_id {
        booking_id: String,
        room_id: String,
        section_id: String,
        purpose: String,
        #[serde(with = "crate::time")]
        start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        end: DateTime<Utc>,
        status: String,
    }
}

contract! {
    /// A tentative hold expired unconfirmed (the booking is cancelled).
    BookingExpired = "venues.booking.expired", version 1, aggregate "booking" by booking_id {
        booking_id: String,
        room_id: String,
        section_id: String,
        purpose: String,
        #[serde(with = "crate::time")]
        start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        end: DateTime<Utc>,
        status: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        SessionScheduled::entry(),
        SessionMoved::entry(),
        SessionCancelled::entry(),
        RoomNetworksChanged::entry(),
        ViolationRecorded::entry(),
        BookingMoved::entry(),
        RoomCreated::entry(),
        BookingCreated::entry(),
        BookingConfirmed::entry(),
        BookingCancelled::entry(),
        BookingExpired::entry(),
    ]
}
