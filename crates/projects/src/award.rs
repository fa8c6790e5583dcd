//! From the committee's result to the signed contract: evaluation result intake, candidate
//! publicity (中标候选人公示), objections (异议), award (定标, 中标通知书), contract (合同签订) and
//! termination (终止招标) of a section.
//!
//! Every move goes through [`crate::model::transition`]; every legal period is a value of
//! [`AwardRules`] (data in `award_rules`, per region and market) and is counted the way the rest of
//! the crate counts days (民法典 第二百零一条: from the day after the event; 第二百零三条: the period
//! ends at 24:00 of its last day, Asia/Shanghai).
//!
//! The evaluation result arrives either through the API (staff or the project's agency, until the
//! online-evaluation area exists) or from the event `evaluation.report.signed`
//! ([`EvaluationReports`]); both go through [`accept_result`].

use crate::model::{transition, SectionAction, SectionState};
use crate::service::set_section_state as set_state;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::calendar::{BusinessCalendar, Reckoned};
use ggzy_core::error::Violations;
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::ident::Market;
use ggzy_core::time::{at_local, display_local, from_micros, local_date};
use ggzy_core::{Clock, Error, FieldError, Money, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, Ctx, Db, Tx};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::str::FromStr;
use utoipa::ToSchema;

mod contract;
mod notice;
mod publicity;
mod termination;

pub use contract::*;
pub use notice::*;
pub use publicity::*;
pub use termination::*;

/// Timer kind: a contract not recorded by its due time raises `projects.contract.overdue`.
pub const CONTRACT_TIMER: &str = "projects.contract.due";

pub(crate) fn contract_key(section_id: &str) -> String {
    format!("{CONTRACT_TIMER}:{section_id}")
}

/// Who may read results and award notices (public information once published).
const READERS: &[Role] = &[
    Role::Admin,
    Role::Staff,
    Role::Tenderer,
    Role::Agency,
    Role::Bidder,
    Role::Supervisor,
];

/// Region key of the national defaults in `award_rules`.
pub(crate) const NATIONAL: &str = "CN";

/// Longest candidate publicity accepted (a platform limit against typing errors, not a legal rule).
pub const MAX_PUBLICITY_DAYS: u32 = 60;

/// 实施条例 第五十五条: a candidate other than the first may be chosen only when the first gives
/// up, cannot perform, does not provide the performance security or is found to have broken the
/// law; the reason is then recorded.
pub const SECOND_CANDIDATE_SOURCE: &str = "招标投标法实施条例 第五十五条";

// ---------------------------------------------------------------------------------------------
// Rules (pure).

/// The award rules of one market (national defaults in [`AwardRules::national`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AwardRules {
    pub market: Market,
    /// Most candidates the committee may rank (中标候选人 ≤ 3).
    pub max_candidates: u32,
    pub max_candidates_source: String,
    /// Shortest candidate publicity, calendar days.
    pub publicity_min_days: u32,
    pub publicity_source: String,
    /// Days the tenderer has to answer an objection, from receipt.
    pub objection_answer_days: u32,
    pub objection_source: String,
    /// Days from the award notice to the signed contract.
    pub contract_days: u32,
    pub contract_source: String,
}

impl AwardRules {
    pub fn national(market: Market) -> AwardRules {
        // 评标委员会和评标方法暂行规定 45 (construction) / 87号令 65 (procurement): at most three
        // ranked candidates.
        let (cand_src, publicity_src, contract_src) = match market {
            Market::Construction => (
                "评标委员会和评标方法暂行规定 第四十五条",
                "招标投标法实施条例 第五十四条",
                "招标投标法 第四十六条",
            ),
            Market::Procurement => (
                "财政部令第87号 第六十五条",
                "招标投标法实施条例 第五十四条 (platform practice for procurement)",
                "政府采购法 第四十六条",
            ),
            Market::Land => (
                "评标委员会和评标方法暂行规定 第四十五条",
                "招标投标法实施条例 第五十四条 (platform practice for land tenders)",
                "招标投标法 第四十六条 (platform practice; verify against 国土资源部令第39号)",
            ),
            Market::Property => (
                "评标委员会和评标方法暂行规定 第四十五条",
                "招标投标法实施条例 第五十四条 (platform practice for property tenders)",
                "招标投标法 第四十六条 (platform practice; verify against 国资委 财政部令第32号)",
            ),
        };
        AwardRules {
            market,
            max_candidates: 3,
            max_candidates_source: cand_src.into(),
            // 实施条例 54: 依法必须进行招标的项目，招标人应当自收到评标报告之日起3日内公示中标候选人，
            // 公示期不得少于3日.
            publicity_min_days: 3,
            publicity_source: publicity_src.into(),
            // 实施条例 54: 招标人应当自收到异议之日起3日内作出答复；作出答复前，应当暂停招标投标活动.
            objection_answer_days: 3,
            objection_source: "招标投标法实施条例 第五十四条".into(),
            // 招标投标法 46 / 政采法 46: 自中标通知书发出之日起三十日内 sign the written contract.
            contract_days: 30,
            contract_source: contract_src.into(),
        }
    }
}

/// End of a period of `days` calendar days that starts with an event at `start`, by the
/// platform's one counting convention (`ggzy_core::period`): counted from the next day (民法典
/// 第二百零一条), a last day that is a day off moves to the first working day after it, and the
/// period ends at 24:00 Asia/Shanghai of its last day (第二百零三条). A publicity starting Monday
/// 10:00 for 3 days therefore ends Thursday 24:00; one starting Friday 2026-04-03 ends Tuesday
/// 04-07 24:00 (04-06 is 清明).
///
/// A last day in a year without a holiday schedule is judged with weekends only: the result is then
/// provisional (`missing` names the years), stored with its mark and re-derived when the year is
/// imported (`crate::award_calendar`, docs/calendar.md "Award due dates").
pub fn period_end(cal: &BusinessCalendar, start: Timestamp, days: u32) -> Reckoned<Timestamp> {
    ggzy_core::period::ends_at(cal, start, ggzy_core::period::Days::calendar(days))
}

/// The publicity length asked for, checked against the rules: at least the legal minimum, at most
/// [`MAX_PUBLICITY_DAYS`].
pub fn check_publicity_days(rules: &AwardRules, days: i64) -> std::result::Result<u32, FieldError> {
    if days < i64::from(rules.publicity_min_days) {
        return Err(FieldError::new(
            "publicity_days",
            "publicity.min_days",
            format!(
                "candidates must be publicized for at least {} days ({}); {days} asked",
                rules.publicity_min_days, rules.publicity_source
            ),
        ));
    }
    if days > i64::from(MAX_PUBLICITY_DAYS) {
        return Err(FieldError::new(
            "publicity_days",
            "publicity.max_days",
            format!("a publicity of more than {MAX_PUBLICITY_DAYS} days is not accepted"),
        ));
    }
    u32::try_from(days).map_err(|_| {
        FieldError::new(
            "publicity_days",
            "publicity.max_days",
            "publicity days out of range",
        )
    })
}

/// Is the contract signed on `signed_on` late for an award whose contract is due by `due_at`
/// (the end of the last allowed day)?
pub fn contract_late(signed_on: NaiveDate, due_at: Timestamp) -> bool {
    at_local(signed_on, 0, 0, 0) >= due_at
}

/// The rules for a region and market: the region's row, else the national row, else the
/// compiled-in national defaults.
pub async fn load_rules(
    conn: &mut sqlx::AnyConnection,
    region: &str,
    market: Market,
) -> Result<AwardRules> {
    let row = crate::store::award::rules(conn, region, market, NATIONAL).await?;
    let Some(r) = row else {
        return Ok(AwardRules::national(market));
    };
    let n = |v: i64| u32::try_from(v).map_err(|_| Error::internal("award_rules: negative value"));
    Ok(AwardRules {
        market,
        max_candidates: n(r.max_candidates)?,
        max_candidates_source: r.max_candidates_source,
        publicity_min_days: n(r.publicity_min_days)?,
        publicity_source: r.publicity_source,
        objection_answer_days: n(r.objection_answer_days)?,
        objection_source: r.objection_source,
        contract_days: n(r.contract_days)?,
        contract_source: r.contract_source,
    })
}

// ---------------------------------------------------------------------------------------------
// Sections as this module sees them.

pub(crate) struct Sec {
    pub project_id: String,
    pub project_code: Option<String>,
    pub section_no: i64,
    pub market: Market,
    pub procedure: String,
    pub region: String,
    pub owner_org_id: String,
    pub state: SectionState,
    pub bid_deadline: Timestamp,
    pub opening_at: Timestamp,
}

pub(crate) async fn load_sec(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    id: &str,
    lock: bool,
) -> Result<Sec> {
    let r = crate::store::award::section(conn, db, id, lock)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {id}")))?;
    Ok(Sec {
        project_id: r.project_id,
        project_code: r.code,
        section_no: r.section_no,
        market: r.market,
        procedure: r.procedure,
        region: r.region,
        owner_org_id: r.owner_org_id,
        state: r.state,
        bid_deadline: r.bid_deadline,
        opening_at: r.opening_at,
    })
}

/// Only the project's own tenderer or agency (by organization) acts for it.
pub(crate) fn require_owner(actor: &Actor, sec: &Sec) -> Result<()> {
    if actor.org_id.as_deref() == Some(sec.owner_org_id.as_str()) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only the project's tenderer or agency may do this",
        ))
    }
}

fn required_text(v: &mut Violations, field: &str, s: &str, max: usize) -> String {
    let t = s.trim().to_string();
    if t.is_empty() || t.chars().count() > max {
        v.push(
            field,
            "required",
            format!("{field} is required (at most {max} characters)"),
        );
    }
    t
}

// ---------------------------------------------------------------------------------------------
// Routes.

pub mod http;

#[cfg(test)]
mod tests;
