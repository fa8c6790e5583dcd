//! Helpers shared by the contract tests (each test file is its own crate: `mod common;`).
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use ggzy_core::events::Event;
use ggzy_core::Money;
use ggzy_events::Contract;
use serde_json::Value;
use std::fmt::Debug;

/// 2026-03-20 `h`:30 UTC.
pub fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, h, 30, 0).unwrap()
}

pub fn m(s: &str) -> Money {
    Money::parse_str(s).unwrap()
}

/// A sealed event as a consumer receives it.
pub fn ev(name: &str, aggregate_type: &str, aggregate_id: &str, payload: Value) -> Event {
    Event {
        seq: 1,
        id: "e1".into(),
        event_type: name.into(),
        aggregate_type: aggregate_type.into(),
        aggregate_id: aggregate_id.into(),
        actor: "system:test".into(),
        actor_org: None,
        occurred_at: t(0),
        payload,
        prev_hash: String::new(),
        hash: String::new(),
    }
}

/// The producer's `wire` payload decodes to `want`, and `want` encodes (under the contract's
/// name and aggregate) to a payload that decodes back to itself.
pub fn round_trip<C: Contract + PartialEq + Debug>(want: C, wire: Value, aggregate_id: &str) {
    let e = |payload| ev(C::NAME, C::AGGREGATE, aggregate_id, payload);
    assert_eq!(C::decode(&e(wire)).expect("producer's payload"), want);
    let ne = want.encode();
    assert_eq!(ne.event_type, C::NAME);
    assert_eq!(ne.aggregate_type, C::AGGREGATE);
    assert_eq!(ne.aggregate_id, aggregate_id);
    assert_eq!(C::decode(&e(ne.payload)).expect("encoded payload"), want);
}

/// [`round_trip`], and `want` encodes to exactly the producer's wire JSON.
pub fn round_trip_exact<C: Contract + PartialEq + Debug>(want: C, wire: Value, aggregate_id: &str) {
    assert_eq!(
        want.encode().payload,
        wire,
        "encode writes what the producer wrote"
    );
    round_trip(want, wire, aggregate_id);
}
