//! Opening (开标, 不见面开标): at the opening time a durable timer opens the section — fewer bids than
//! the rules require fail it (流标) — then each bidder submits its key within the decryption window;
//! the platform decrypts the stored package, checks its digest and reads the sealed price. When the
//! window ends or every bid is decrypted, bids not decrypted count as revoked and the opening record
//! (开标记录) is stored, published as `projects.opening.recorded`, and the section moves to
//! evaluation. Keys are never stored nor logged; prices exist only after decryption.

use crate::model::{transition, SectionAction, SectionState};
use crate::package::{self, PackageError};
use crate::rules::registration_open;
use crate::service::set_section_state;
use crate::store;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::http::{Json, Path};
use ggzy_core::sql::At;
use ggzy_core::time::display_local;
use ggzy_core::{Clock, Error, Money, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, expect_one, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

mod deposits;
mod fault;
mod http;
mod key;
mod record;
mod schedule;

pub use deposits::*;
pub use fault::*;
pub use http::*;
pub use key::*;
pub use record::*;
pub use schedule::*;

/// Timer kind that opens a section at its opening time.
pub const OPENING_TIMER: &str = "projects.section.opening";
/// Timer kind that closes the decryption window.
pub const WINDOW_TIMER: &str = "projects.opening.window";

fn opening_key(section_id: &str) -> String {
    format!("{OPENING_TIMER}:{section_id}")
}

fn window_key(section_id: &str) -> String {
    format!("{WINDOW_TIMER}:{section_id}")
}

// ---------------------------------------------------------------------------------------------
// Rules (pure).

/// 招标投标法 第二十八条 / 实施条例 第四十四条: with fewer than three bidders the tenderer does not
/// open the bids and tenders again (流标).
pub const MIN_BIDS_SOURCE: &str = "招标投标法 第二十八条; 招标投标法实施条例 第四十四条";
/// 电子招标投标办法 第三十条: bidders decrypt online within the time the tender documents set;
/// 第三十一条: a bid not decrypted through the bidder's fault counts as revoked (撤销).
pub const WINDOW_SOURCE: &str = "电子招标投标办法 第三十条、第三十一条";
/// After the opening, fewer valid bids than the minimum is not a 流标 by law: 评标委员会和评标方法暂行规定
/// 第二十七条 lets the evaluation committee decide whether the bids lack competition (它可以否决全部投标)
/// and 招标投标法 第四十二条 puts rejecting all bids on the committee. The opening only flags it.
pub const BELOW_MIN_SOURCE: &str =
    "评标委员会和评标方法暂行规定 第二十七条; 招标投标法 第四十二条 (the evaluation committee decides)";

/// Opening rules of a market (rows of `opening_rules`, national defaults in [`OpeningRules::national`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
pub struct OpeningRules {
    pub min_bids: i64,
    pub min_bids_source: String,
    pub decryption_window_minutes: i64,
    pub window_source: String,
}

impl OpeningRules {
    /// Three bids at least, a 30-minute decryption window.
    pub fn national() -> OpeningRules {
        OpeningRules {
            min_bids: 3,
            min_bids_source: MIN_BIDS_SOURCE.into(),
            decryption_window_minutes: 30,
            window_source: WINDOW_SOURCE.into(),
        }
    }

    /// Does a section with `bid_count` current bids open (else it fails, 流标)?
    pub fn opens(&self, bid_count: i64) -> bool {
        bid_count >= self.min_bids
    }

    /// After revocations, do fewer than `min_bids` decrypted bids remain? Informational only: the
    /// committee decides on the lack of competition ([`BELOW_MIN_SOURCE`]).
    pub fn below_min_after_opening(&self, decrypted_bids: i64) -> bool {
        decrypted_bids < self.min_bids
    }

    /// End of the decryption window of an opening started at `opened_at` (its first refused second).
    pub fn window_ends(&self, opened_at: Timestamp) -> Timestamp {
        opened_at + chrono::Duration::minutes(self.decryption_window_minutes)
    }
}

/// How late the opening timer may fire and still count the window from the announced opening time.
pub const OPENING_LATENESS_TOLERANCE_SECS: i64 = 60;

/// Start of the decryption window: the announced opening time when the timer fires on time (it
/// fires a moment after it); after an outage longer than the tolerance, the second it fires, so
/// bidders still get the whole window.
pub fn window_start(opening_at: Timestamp, fired_at: Timestamp) -> Timestamp {
    if fired_at.timestamp() - opening_at.timestamp() <= OPENING_LATENESS_TOLERANCE_SECS {
        opening_at
    } else {
        DateTime::from_timestamp(fired_at.timestamp(), 0).unwrap_or(fired_at)
    }
}

/// Is a key accepted at `now` for a window ending at `ends_at`? In whole seconds of the server clock,
/// like the bid deadline: the last second before it accepted, its own second refused.
pub fn key_accepted(now: Timestamp, ends_at: Timestamp) -> bool {
    registration_open(now, ends_at)
}

async fn load_rules(
    conn: &mut sqlx::AnyConnection,
    region: &str,
    market: &str,
) -> Result<OpeningRules> {
    let r = store::opening::rules(conn, region, market).await?;
    Ok(r.unwrap_or_else(OpeningRules::national))
}

#[cfg(test)]
mod tests;
