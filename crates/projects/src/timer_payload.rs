//! The payload of the projects area's per-section timers (deadline, opening, decryption window,
//! contract, award report and procurement deadlines), typed.
//!
//! Timers are not events: the area writes and reads their payload itself. It is still built and
//! read through one type, so a renamed field is a compile error at both ends, never a `null`.

use ggzy_core::{Error, Result};
use ggzy_store::timers::Timer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{"section_id": …}`: the section a timer is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionTimer {
    pub section_id: String,
}

impl SectionTimer {
    /// The payload to schedule a timer of `section_id` with.
    pub fn payload(section_id: &str) -> Value {
        serde_json::json!(SectionTimer {
            section_id: section_id.to_string(),
        })
    }

    /// The payload of a fired timer. One that does not decode is an internal error: the timer
    /// fails and the timer machinery (ggzy-store `timers`) keeps it and retries it later with a
    /// growing delay, its error recorded in `timers.last_error` — never skipped.
    pub fn decode(timer: &Timer) -> Result<Self> {
        serde_json::from_value(timer.payload.clone()).map_err(|e| {
            Error::internal(format!(
                "{} timer {}: undecodable payload: {e}",
                timer.kind, timer.key
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn timer(payload: Value) -> Timer {
        Timer {
            id: "t1".into(),
            kind: "projects.section.deadline".into(),
            key: "projects.section.deadline:s1".into(),
            due_at: chrono::Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap(),
            payload,
            attempts: 1,
        }
    }

    #[test]
    fn payload_round_trips_and_keeps_its_shape() {
        let p = SectionTimer::payload("s1");
        assert_eq!(p, serde_json::json!({"section_id": "s1"}));
        assert_eq!(
            SectionTimer::decode(&timer(p)).unwrap(),
            SectionTimer {
                section_id: "s1".into()
            }
        );
    }

    #[test]
    fn a_payload_without_section_id_is_an_error_naming_the_timer() {
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"section_id": 7}),
            Value::Null,
        ] {
            let e = SectionTimer::decode(&timer(bad)).unwrap_err().to_string();
            assert!(e.contains("projects.section.deadline:s1"), "{e}");
        }
    }
}
