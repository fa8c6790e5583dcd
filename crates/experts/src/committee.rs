//! The committee after the draw: running a draw (from staff or from a venues session), confirmation
//! with a durable deadline, replacement from the ordered backups (实施条例 48), moving and cancelling
//! with the session, publicity, ratings and automatic suspension, and the consumer of other areas'
//! events. Their SQL is in [`crate::store`]; every change writes its event in its transaction.

use crate::draw::{self, CommitteeRules, DrawParties, PoolRules};
use crate::notify::{self, Notice};
use crate::rules::{self, ConfirmRules, Standby, SuspensionRules, VenueDrawSpec};
use crate::service::{self, StoredRequest};
use crate::store;
use chrono::{DateTime, Utc};
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::time::local_date;
use ggzy_core::{ids, Clock, Error, FieldError, Money, Result, Timestamp};
use ggzy_events::experts::DrawnExpert;
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::unique::{UniqueExt, UniqueKey};
use ggzy_store::{emit, Ctx, Db, Tx};

const DRAWS_ONE_ACTIVE: UniqueKey = UniqueKey::new(
    "expert_draws_one_active",
    "expert_draws",
    &["section_id", "status"],
);
const DRAWS_ATTEMPT: UniqueKey = UniqueKey::new(
    "expert_draws_attempt_key",
    "expert_draws",
    &["section_id", "attempt"],
);
const RATINGS_ONCE: UniqueKey = UniqueKey::new(
    "expert_ratings_once_key",
    "expert_ratings",
    &["draw_id", "expert_id", "rater_user_id"],
);
const EXPERTS_USER_ID: UniqueKey = UniqueKey::new("experts_user_id_key", "experts", &["user_id"]);
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use utoipa::ToSchema;

mod accounts;
mod consumer;
mod drawing;
mod members;
mod ratings;
mod session;

pub use accounts::*;
pub use consumer::*;
pub(crate) use drawing::*;
pub use members::*;
pub use ratings::*;
use session::*;

/// Place named in notices when a staff draw does not give one.
pub const DEFAULT_PLACE: &str = "公共资源交易中心评标区（具体评标室另行通知）";
/// Timer kind of the confirmation deadline.
pub const CONFIRM_TIMER: &str = "experts.confirm_deadline";

const STAFF: &[Role] = &[Role::Staff, Role::Admin];

fn timer_key(draw_id: &str, expert_id: &str) -> String {
    format!("experts.confirm:{draw_id}:{expert_id}")
}

/// A light syntactic check: one `@`, something before it, a dot in the domain, no spaces.
pub fn plausible_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

pub(crate) use crate::store::pool::Person;

async fn person(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Person> {
    store::pool::person(conn, id)
        .await?
        .ok_or_else(|| Error::not_found("expert"))
}

/// The expert `id` as events name him (`specialty` where the event says it).
fn drawn_expert(id: &str, p: &Person, specialty: Option<&str>) -> DrawnExpert {
    DrawnExpert {
        expert_id: id.to_string(),
        name: p.name.clone(),
        user_id: p.user_id.clone(),
        specialty: specialty.map(str::to_string),
    }
}

/// The state of one drawn member or backup (keyed by the expert in [`member_rows`]' map).
pub(crate) use crate::store::draws::MemberRow;
use crate::store::draws::{DrawStatus, MemberKind, MemberStatus};

pub(crate) async fn member_rows(
    conn: &mut sqlx::AnyConnection,
    draw_id: &str,
) -> Result<HashMap<String, MemberRow>> {
    let rows = store::draws::members(conn, draw_id).await?;
    Ok(rows.into_iter().map(|r| (r.expert_id.clone(), r)).collect())
}

/// Has the result of this section been determined (`projects.award.confirmed`)? Until then the
/// committee's names are confidential (招标投标法 第三十七条: 评标委员会成员的名单在中标结果确定前应当保密);
/// the candidate publicity does not determine the result.
pub async fn determined(db: &Db, section_id: &str) -> Result<bool> {
    let at = store::copies::determined_at(db, section_id).await?;
    Ok(at.flatten().is_some())
}

/// 招标投标法 第三十七条 (confidential until the result is determined); 财政部令第87号 第六十九条 (the
/// procurement result announcement lists the evaluation experts).
pub const DISCLOSURE_SOURCE: &str = "招标投标法 第三十七条; 财政部令第87号 第六十九条";

/// Has the evaluation result of this section been publicized (`projects.candidates.publicized`)?
pub async fn publicized(db: &Db, section_id: &str) -> Result<bool> {
    let at = store::copies::publicized_at(db, section_id).await?;
    Ok(at.flatten().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked_loosely() {
        assert!(plausible_email("zhang.san@dlut.edu.cn"));
        assert!(!plausible_email("zhang.san"));
        assert!(!plausible_email("@dlut.edu.cn"));
        assert!(!plausible_email("a b@x.cn"));
        assert!(!plausible_email("a@cn"));
    }
}
