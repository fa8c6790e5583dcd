//! Contracts of the platform's event consumers (written by ggzy-store's `consumer`).

use crate::contract;

contract! {
    /// A consumer failed on an event three times and parked it (`parked_events`) to move on.
    EventParked = "consumer.event.parked", version 1, aggregate "consumer" by consumer {
        consumer: String,
        seq: i64,
        event_id: String,
        event_type: String,
        error: String,
    }
}

contract! {
    /// A parked event was replayed successfully.
    EventReplayed = "consumer.event.replayed", version 1, aggregate "consumer" by consumer {
        consumer: String,
        seq: i64,
        /// `ok`.
        outcome: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![EventParked::entry(), EventReplayed::entry()]
}
