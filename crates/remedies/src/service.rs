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
use ggzy_core::events::{ActorRef, Event, NewEvent};
use ggzy_core::ids;
use ggzy_core::period::{day_of_end, Days};
use ggzy_core::time::{at_local, display_local, from_micros, local_date, to_micros};
use ggzy_core::{Clock, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
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

fn s<'a>(p: &'a Value, k: &str) -> &'a str {
    p.get(k).and_then(Value::as_str).unwrap_or("")
}
fn instant(p: &Value, k: &str) -> Option<Timestamp> {
    p.get(k)
        .and_then(Value::as_str)
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|t| t.with_timezone(&Utc))
}
