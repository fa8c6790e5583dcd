//! Use cases of remedies: raise, answer, close, escalate, accept, refuse, decide, the lists, the
//! projection of sections and parties from the projects area's events, and the timers (overdue
//! answers / acceptances / decisions; the end of a procurement suspension).

use crate::rules::{
    self, before_deadline_ends, check_known_on, days, due, in_time, raise_ends, transition, Action,
    Decision, Kind, RaiseFrom, RemedyRule, State, Suspends, Target,
};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::calendar::Reckoned;
use ggzy_core::error::{Error, Violations};
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::ids;
use ggzy_core::period::{day_of_end, Days};
use ggzy_core::time::{at_local, display_local, local_date};
use ggzy_core::{Clock, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

mod cases;
mod due_timers;
mod projection;
mod reading;
mod rule_table;
mod steps;
pub use cases::*;
pub use due_timers::*;
pub use projection::*;
pub use reading::*;
pub use rule_table::*;
pub use steps::*;

pub const CONSUMER: &str = "remedies.projection";
/// Fires when an answer, an acceptance review or a decision is due (`remedies.case.overdue`).
pub const DUE_TIMER: &str = "remedies.case.due";
/// Fires when a suspension ordered with a maximum length (政采法 57: 30 days) ends.
pub const SUSPENSION_TIMER: &str = "remedies.suspension.end";

fn due_key(case_id: &str) -> String {
    format!("{DUE_TIMER}:{case_id}")
}
fn suspension_key(case_id: &str) -> String {
    format!("{SUSPENSION_TIMER}:{case_id}")
}

/// The payload of a case's timers ([`DUE_TIMER`]: with the step due; [`SUSPENSION_TIMER`]:
/// without).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CaseTimer {
    case_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step: Option<String>,
}

impl CaseTimer {
    fn payload(case_id: &str, step: Option<&str>) -> Value {
        json!(CaseTimer {
            case_id: case_id.to_string(),
            step: step.map(str::to_string),
        })
    }

    /// A malformed payload is an error (the timer is retried and reported), never a blank case.
    fn of(timer: &Timer) -> Result<Self> {
        serde_json::from_value(timer.payload.clone()).map_err(|e| {
            Error::internal(format!("{} timer {}: payload: {e}", timer.kind, timer.key))
        })
    }
}
