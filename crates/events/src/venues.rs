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

contract! {
    /// A booking could not follow its section's new opening time (the room is taken or closed
    /// then): it keeps its window, marked with the conflict, for staff to resolve.
    BookingConflict = "venues.booking.conflict", version 1, aggregate "booking" by booking_id {
        booking_id: String,
        section_id: String,
        room_id: String,
        room_name: String,
        /// The booking's window, unchanged.
        #[serde(with = "crate::time")]
        start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        end: DateTime<Utc>,
        /// The section's new opening time the booking could not follow.
        #[serde(with = "crate::time")]
        new_opening_at: DateTime<Utc>,
        /// The refusal's rule id (`booking.overlap` …).
        rule: String,
        /// What the booking now shows: the rule, the new time and why.
        detail: String,
    }
}

contract! {
    /// Staff linked an expert-pool id to a login account (for the expert's "my sessions").
    ExpertAccountLinked = "venues.expert_account.linked", version 1, aggregate "expert" by expert_id {
        expert_id: String,
        /// The account's login name.
        username: String,
    }
}

contract! {
    /// A room is blocked for a window (maintenance …): it cannot be booked then.
    RoomBlocked = "venues.room.blocked", version 1, aggregate "room" by room_id {
        room_id: String,
        block_id: String,
        #[serde(with = "crate::time")]
        start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        end: DateTime<Utc>,
        reason: String,
    }
}

/// What a room update changed: only the changed members are present, each with its new value.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChangedRoomFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `evaluation_room`, `opening_hall` …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equipment: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolated: Option<bool>,
    /// Opening hours, `HH:MM` (both present when the hours changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes: Option<String>,
}

impl ChangedRoomFields {
    /// Nothing changed (then no event is written).
    pub fn is_empty(&self) -> bool {
        *self == ChangedRoomFields::default()
    }
}

contract! {
    /// A room's name, kind, floor, capacity, equipment, isolation or hours changed (its networks
    /// change through `venues.room.networks_changed`).
    RoomUpdated = "venues.room.updated", version 1, aggregate "room" by room_id {
        room_id: String,
        /// The room's name after the change.
        name: String,
        changed: crate::venues::ChangedRoomFields,
    }
}

contract! {
    /// A person (bidder's representative, agency staff …) is put on a booking's door roster.
    RosterAdded = "venues.roster.added", version 1, aggregate "booking" by booking_id {
        booking_id: String,
        person_id: String,
        /// `bidder_rep`, `agency`, `expert` …
        role: String,
        name: String,
        /// The person's resident id, masked.
        resident_id: String,
    }
}

contract! {
    /// An expert of the drawn committee is added to an evaluation session (and to its door roster
    /// when the expert's resident id is known). The committee is secret: the expert is named by
    /// pool id only.
    SessionExpertAdded = "venues.session.expert_added", version 1, aggregate "session" by session_id {
        session_id: String,
        expert_id: String,
        /// Put on the door roster too.
        on_door_roster: bool,
    }
}

crate::payload! {
    /// A person at a room's door (门禁): allowed through or refused.
    DoorPassage {
        room_id: String,
        /// `in` or `out`.
        direction: String,
        /// The person's resident id, masked.
        resident_id: String,
        /// The booking the person is on the roster of; null when on none.
        booking_id: Option<String>,
        /// The person's role on the roster; null when on none.
        role: Option<String>,
        /// The person handed in phones and other communication devices.
        phone_deposited: bool,
        /// The refusal's rule (`door.not_on_roster` …); null for an allowed passage.
        reason: Option<String>,
    }
}

contract! {
    /// A person passed a room's door (entry or exit allowed).
    DoorAllowed = "venues.door.allowed", version 1, aggregate "room" by room_id, payload DoorPassage;
}

contract! {
    /// The door refused a person (not on the roster, outside the session, phone not deposited …).
    DoorRefused = "venues.door.refused", version 1, aggregate "room" by room_id, payload DoorPassage;
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
        BookingConflict::entry(),
        ExpertAccountLinked::entry(),
        RoomBlocked::entry(),
        RoomUpdated::entry(),
        RosterAdded::entry(),
        SessionExpertAdded::entry(),
        DoorAllowed::entry(),
        DoorRefused::entry(),
    ]
}
