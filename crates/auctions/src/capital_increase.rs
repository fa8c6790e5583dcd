//! 企业增资 (capital increase, 增资扩股) of 《企业国有资产交易监督管理办法》(国资委 财政部令第32号)
//! 第三章, procedure `capital_increase` of the property market (issue 21):
//!
//! 1. disclosure (信息披露) through the centre, at least 40 working days from the published
//!    disclosure announcement (32号令 第三十九条) — `POST /api/v1/capital-increases` with the amount
//!    sought, the selection method and the disclosed criteria with their weights;
//! 2. investor applications (意向投资方) with deposits: the projects area's registration and the
//!    deposits area's virtual accounts, as for a listing; a qualified investor is one the auctions
//!    projection numbered (registered, deposit valid);
//! 3. selection (遴选) by the disclosed criteria — competitive negotiation (竞争性谈判) or
//!    comprehensive evaluation (综合评议), 32号令 第四十一条、第四十二条 (articles to verify): the
//!    enterprise's decision recorded as every qualified investor's points per criterion; the
//!    highest total wins, not the highest amount; an equal top total goes to a recorded lot
//!    (`ggzy_core::lot`), never the organization id;
//! 4. the capital-increase agreement (增资协议) and the result publicity (结果公告) of at least
//!    5 working days (32号令 第四十五条, to verify); the agreement is the deal: it emits
//!    `auctions.deal.confirmed` (`via: "capital_increase"`), so deposits convert the investor's
//!    deposit and refund the others, publishing drafts the result announcement and projects
//!    concludes the section — the same downstream path as a listing's deal.
//!
//! The pure checks ([`check_disclosure`], [`check_criteria`], [`rank`], [`check_publicity`]) do no
//! I/O. The tables (migration 0240) are this area's own.

use chrono::{DateTime, FixedOffset, NaiveDate};
use ggzy_core::calendar::BusinessCalendar;
use ggzy_core::error::FieldError;
use ggzy_core::http::{Json, Path};
use ggzy_core::period::{self, Days};
use ggzy_core::time::{from_micros, local_date};
use ggzy_core::{ids, Error, Money, Result, Timestamp};
use ggzy_events::auctions::{
    CapitalCriterion, CapitalIncreaseAgreed, CapitalIncreaseDealConfirmed, CapitalIncreaseOpened,
    CapitalIncreaseSelected, CoWinner, RankedInvestor, SelectedInvestor, SelectionLot,
};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The periods and sources of the capital increase (data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapitalIncreaseRules {
    /// 32号令 第三十九条: 企业增资通过产权交易机构网站对外披露信息公开征集投资方，时间不得少于40个工作日.
    pub disclosure_working_days: u32,
    pub disclosure_source: &'static str,
    /// The result announcement (结果公告) after the agreement: at least 5 working days.
    pub publicity_working_days: u32,
    pub publicity_source: &'static str,
    pub selection_source: &'static str,
    /// The disclosure ended without a qualified investor (未征集到意向投资方): the enterprise (or the
    /// centre for it) ends the capital increase (终结). No article of 32号令 on it was found (to
    /// verify); the exchanges' rules and each disclosure's "增资达成或终结的条件" state it.
    pub failure_source: &'static str,
    /// 拟征集投资方数量 and the amount sought shared by several investors ([`choose`]).
    pub investors_source: &'static str,
    /// A platform bound on the number of investors sought (not a legal one).
    pub max_investors_sought: i64,
}

impl CapitalIncreaseRules {
    pub fn national() -> Self {
        CapitalIncreaseRules {
            disclosure_working_days: ggzy_core::property::CAPITAL_INCREASE_DISCLOSURE_WORKING_DAYS,
            disclosure_source: "国资委 财政部令第32号 第三十九条",
            publicity_working_days: 5,
            publicity_source: "国资委 财政部令第32号 第四十五条 (article to verify)",
            selection_source:
                "国资委 财政部令第32号 第四十一条、第四十二条 (articles to verify): 竞争性谈判、综合评议",
            failure_source: "国资委 财政部令第32号 第三章 (no article found; to verify) and the disclosure's \
                 增资达成或终结的条件: 信息披露期满未征集到意向投资方, the capital increase ends (终结)",
            investors_source: "国资委 财政部令第32号 第三十九条、第四十条 (articles to verify): the disclosure \
                 states 拟募集资金金额 and 拟征集投资方数量; the enterprise may bring in several investors",
            max_investors_sought: 200,
        }
    }
}

/// The disclosure must start after the announcement and last until 24:00 (Beijing) of the 40th
/// working day after the announcement's day; after a pre-disclosure published at `predisclosed_at`
/// (信息预披露, before the announcement), of the 20th, and 40 from the pre-disclosure
/// ([`ggzy_core::property::capital_increase_disclosure`]).
pub fn check_disclosure(
    r: &CapitalIncreaseRules,
    cal: &BusinessCalendar,
    announced_at: Timestamp,
    predisclosed_at: Option<Timestamp>,
    start: Timestamp,
    end: Timestamp,
    missing: &mut crate::rules::Missing,
) -> Vec<FieldError> {
    let mut v = Vec::new();
    if start < announced_at {
        v.push(FieldError::new(
            "disclosure_start",
            "capital.disclosure_before_announcement",
            "the disclosure starts when the disclosure announcement (增资公告) is published, not before",
        ));
    }
    if end <= start {
        v.push(FieldError::new(
            "disclosure_end",
            "capital.end_after_start",
            "the disclosure ends after it starts",
        ));
    }
    let d =
        ggzy_core::property::capital_increase_disclosure(cal, predisclosed_at, announced_at, end);
    missing.extend(d.missing.iter().copied());
    if !d.formal_ok {
        let source = if d.combined_ok.is_some() {
            ggzy_core::property::CAPITAL_INCREASE_PREDISCLOSURE_SOURCE
        } else {
            r.disclosure_source
        };
        v.push(FieldError::new(
            "disclosure_end",
            "capital.disclosure_period",
            format!(
                "the capital increase is formally disclosed for at least {} working days ({source})",
                d.formal_days
            ),
        ));
    }
    if d.combined_ok == Some(false) {
        v.push(FieldError::new(
            "disclosure_end",
            "capital.combined_disclosure_period",
            format!(
                "pre-disclosure and formal disclosure together last at least {} working days ({})",
                r.disclosure_working_days,
                ggzy_core::property::CAPITAL_INCREASE_PREDISCLOSURE_SOURCE
            ),
        ));
    }
    v
}

/// Where a capital increase (增资扩股) stands: its disclosure (信息披露), the investor selected
/// (遴选), the agreement signed (增资协议), or failed (no investor; the failure recorded). Stored and
/// shown as its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CapitalPhase {
    Disclosure,
    Selected,
    Agreed,
    Failed,
}

impl CapitalPhase {
    pub const ALL: [CapitalPhase; 4] = [
        CapitalPhase::Disclosure,
        CapitalPhase::Selected,
        CapitalPhase::Agreed,
        CapitalPhase::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CapitalPhase::Disclosure => "disclosure",
            CapitalPhase::Selected => "selected",
            CapitalPhase::Agreed => "agreed",
            CapitalPhase::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<CapitalPhase> {
        CapitalPhase::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl std::fmt::Display for CapitalPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

ggzy_core::text_enum!(
    CapitalPhase,
    |s: &str| CapitalPhase::parse(s).ok_or("unknown capital increase phase"),
    |p: &CapitalPhase| p.as_str()
);

/// May the failure of a capital increase (未征集到意向投资方) be recorded? Only while it is in its
/// disclosure phase, once the disclosure has ended (`now` ≥ its end), when no qualified investor
/// (registered, deposit valid) applied, with a stated reason (1–2000 characters). Answers the
/// trimmed reason, or the refusal.
pub fn check_failure(
    phase: CapitalPhase,
    now: Timestamp,
    disclosure_end: Timestamp,
    qualified: usize,
    reason: &str,
) -> Result<String> {
    if phase != CapitalPhase::Disclosure {
        return Err(Error::conflict(
            "capital.closed",
            format!("the capital increase is {phase}: its failure is recorded during the disclosure phase"),
        ));
    }
    if now < disclosure_end {
        return Err(Error::conflict(
            "capital.disclosure_running",
            format!(
                "the failure is recorded after the disclosure ends ({})",
                disclosure_end.to_rfc3339()
            ),
        ));
    }
    if qualified > 0 {
        return Err(Error::conflict(
            "capital.has_investor",
            format!("{qualified} qualified investor(s) applied: the enterprise selects one"),
        ));
    }
    let r = reason.trim();
    if r.is_empty() || r.chars().count() > 2000 {
        return Err(Error::Validation(vec![FieldError::new(
            "reason",
            "capital.failure_reason",
            "why the capital increase ends (e.g. 信息披露期满未征集到意向投资方), at most 2000 characters",
        )]));
    }
    Ok(r.to_string())
}

/// The result publicity lasts from its start until 24:00 (Beijing) of its 5th working day.
pub fn check_publicity(
    r: &CapitalIncreaseRules,
    cal: &BusinessCalendar,
    start: Timestamp,
    end: Timestamp,
    missing: &mut crate::rules::Missing,
) -> Option<FieldError> {
    let reached = period::reaches_end(cal, start, end, Days::working(r.publicity_working_days));
    missing.extend(reached.missing);
    (!reached.value).then(|| {
        FieldError::new(
            "publicity_end",
            "capital.result_publicity_period",
            format!(
                "the result announcement (结果公告) lasts at least {} working days ({})",
                r.publicity_working_days, r.publicity_source
            ),
        )
    })
}

/// One disclosed criterion (择优指标) with its weight in points.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq, sqlx::FromRow)]
#[schema(as = CapitalIncreaseCriterion)]
pub struct Criterion {
    /// e.g. `投资金额`, `产业协同`, `管理经验`.
    pub name: String,
    /// Points out of 100 (whole numbers; the weights sum to 100).
    pub weight: i64,
}

/// The disclosed criteria: 1–20 distinct non-blank names, each weight 1–100, summing to 100.
pub fn check_criteria(c: &[Criterion]) -> Vec<FieldError> {
    let mut v = Vec::new();
    if c.is_empty() || c.len() > 20 {
        v.push(FieldError::new(
            "criteria",
            "capital.criteria",
            "1 to 20 selection criteria (择优指标), disclosed with the increase",
        ));
        return v;
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, k) in c.iter().enumerate() {
        let name = k.name.trim();
        if name.is_empty() || name.chars().count() > 100 || !seen.insert(name.to_string()) {
            v.push(FieldError::new(
                format!("criteria[{i}].name"),
                "capital.criteria_name",
                "a distinct name of at most 100 characters",
            ));
        }
        if !(1..=100).contains(&k.weight) {
            v.push(FieldError::new(
                format!("criteria[{i}].weight"),
                "capital.criteria_weight",
                "whole points between 1 and 100",
            ));
        }
    }
    if v.is_empty() && c.iter().map(|k| k.weight).sum::<i64>() != 100 {
        v.push(FieldError::new(
            "criteria",
            "capital.criteria_weight_sum",
            "the weights sum to 100 points",
        ));
    }
    v
}

/// Points with at most 2 decimal places, in hundredths (`"12.5"` → 1250). `None` if malformed.
pub fn parse_points(s: &str) -> Option<i64> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || int.len() > 3
        || frac.len() > 2
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (s.contains('.') && frac.is_empty())
    {
        return None;
    }
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    Some(int.parse::<i64>().ok()? * 100 + f)
}

fn points_str(centi: i64) -> String {
    format!("{}.{:02}", centi / 100, centi % 100)
}

/// One investor's scores as validated: amount in fen, points (hundredths) per criterion, total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    pub org_id: String,
    pub amount_fen: i64,
    pub points: Vec<(String, i64)>,
    pub total_centi: i64,
}

/// The ranking by total points, higher first; an equal total is ordered by the lot key of `seed`
/// (lower first). Returns the order and the organizations tied at the top (empty if none).
pub fn rank(mut scored: Vec<Scored>, seed: &str) -> (Vec<Scored>, Vec<String>) {
    scored.sort_by(|a, b| {
        b.total_centi.cmp(&a.total_centi).then_with(|| {
            ggzy_core::lot::key(seed, &a.org_id).cmp(&ggzy_core::lot::key(seed, &b.org_id))
        })
    });
    let top = scored.first().map(|s| s.total_centi);
    let tied: Vec<String> = scored
        .iter()
        .filter(|s| Some(s.total_centi) == top)
        .map(|s| s.org_id.clone())
        .collect();
    let tied = if tied.len() > 1 { tied } else { Vec::new() };
    (scored, tied)
}

/// What the disclosure seeks: the amount (fen), the number of investors (≥ 1) and, when the
/// disclosure allowed less than the amount, the least total (fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sought {
    pub amount_fen: i64,
    pub investors: i64,
    pub minimum_fen: Option<i64>,
}

impl Sought {
    /// The least total the selected investors must reach: the stated minimum; else the amount
    /// sought when several investors are sought; else none (one investor: its offer is agreed as
    /// negotiated, as before).
    pub fn floor(&self) -> Option<i64> {
        self.minimum_fen
            .or((self.investors > 1).then_some(self.amount_fen))
    }
}

/// The disclosure's number of investors (`capital.investors_sought`: whole, 1 to the platform
/// bound) and its optional minimum (`capital.amount_minimum`: positive, at most the amount sought).
pub fn check_sought(
    r: &CapitalIncreaseRules,
    investors: i64,
    amount_fen: i64,
    minimum_fen: Option<i64>,
) -> Vec<FieldError> {
    let mut v = Vec::new();
    if !(1..=r.max_investors_sought).contains(&investors) {
        v.push(FieldError::new(
            "investors_sought",
            "capital.investors_sought",
            format!(
                "拟征集投资方数量: 1 to {} investors ({})",
                r.max_investors_sought, r.investors_source
            ),
        ));
    }
    if minimum_fen.is_some_and(|m| m <= 0 || m > amount_fen) {
        v.push(FieldError::new(
            "amount_minimum",
            "capital.amount_minimum",
            "the least total accepted: positive and at most the amount sought",
        ));
    }
    v
}

/// The selected investors from the ranking (best first, an equal total ordered by the lot, so a
/// tie at the cut-off goes to the lot): walk the ranking and take investors while fewer than the
/// number sought are taken AND their amounts together are below the amount sought — up to that
/// number of investors whose amounts together reach the amount sought. With one investor sought
/// it is the first, as before. Then the taken amounts must reach [`Sought::floor`] (the amount
/// reached exactly is accepted, one fen short refused: `capital.selection_amount`). Answers how
/// many of `ranked`'s first entries are selected.
pub fn choose(
    r: &CapitalIncreaseRules,
    ranked: &[Scored],
    sought: &Sought,
) -> std::result::Result<usize, FieldError> {
    let (mut n, mut sum) = (0usize, 0i64);
    for s in ranked {
        if n as i64 >= sought.investors || sum >= sought.amount_fen {
            break;
        }
        n += 1;
        sum += s.amount_fen;
    }
    match sought.floor() {
        Some(floor) if sum < floor => Err(FieldError::new(
            "scores",
            "capital.selection_amount",
            format!(
                "the selected investors' amounts ({}) fall short of {} ({})",
                Money::from_fen(sum),
                Money::from_fen(floor),
                r.investors_source
            ),
        )),
        _ => Ok(n),
    }
}

// ---------------------------------------------------------------------------------------------
// API types.

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewCapitalIncrease {
    pub section_id: String,
    /// Start of the formal disclosure (正式披露), RFC 3339; not before the announcement.
    pub disclosure_start: DateTime<FixedOffset>,
    /// End of the disclosure: at least 24:00 of the 40th working day after the announcement.
    pub disclosure_end: DateTime<FixedOffset>,
    /// 拟募集资金总额 (CNY, 2 places).
    pub amount_sought: String,
    /// `competitive_negotiation` (竞争性谈判) or `comprehensive_evaluation` (综合评议).
    pub method: String,
    pub criteria: Vec<Criterion>,
    /// 拟征集投资方数量: how many investors the increase may bring in (default 1).
    #[serde(default)]
    pub investors_sought: Option<i64>,
    /// When the disclosure allows less than the amount sought: the least total the selected
    /// investors must reach (CNY, 2 places). Default: the amount sought with several investors,
    /// none with one.
    #[serde(default)]
    pub amount_minimum: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct InvestorScore {
    pub org_id: String,
    /// The investment the investor offers (CNY, 2 places).
    pub amount: String,
    /// Points per disclosed criterion (name → points with ≤ 2 decimals, 0 ≤ points ≤ weight).
    pub points: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SelectionInput {
    /// Every qualified investor (意向投资方 with a valid deposit), scored.
    pub scores: Vec<InvestorScore>,
    /// The record of the negotiation or evaluation (遴选记录).
    pub notes: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AgreementInput {
    /// 增资协议 number.
    pub agreement_no: String,
    /// The date the agreement was signed (YYYY-MM-DD): not before the selection, not in the future.
    pub signed_on: NaiveDate,
    /// End of the result announcement (结果公告), which starts when the agreement is recorded:
    /// at least 24:00 of its 5th working day.
    pub publicity_end: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreView {
    pub org_id: String,
    pub bidder_number: Option<String>,
    pub amount: String,
    pub points: BTreeMap<String, String>,
    pub total: String,
    pub rank: i64,
}

/// A selected investor (best first).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SelectedInvestorView {
    pub org_id: String,
    pub bidder_number: Option<String>,
    pub amount: String,
    pub total: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SelectionView {
    /// The first selected investor.
    pub investor_org_id: String,
    /// The selected investors' amount (their total when several).
    pub amount: String,
    /// Every selected investor, best first (one when one investor is sought).
    pub investors: Vec<SelectedInvestorView>,
    pub total: String,
    /// The lot's seed when the top total was tied (`ggzy_core::lot`), else null.
    pub lot_seed: Option<String>,
    pub notes: String,
    pub decided_at: String,
    pub scores: Vec<ScoreView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementView {
    pub deal_id: String,
    pub agreement_no: String,
    pub signed_on: String,
    pub amount: String,
    pub publicity_start: String,
    pub publicity_end: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CapitalIncreaseView {
    pub id: String,
    pub section_id: String,
    pub project_id: String,
    /// `disclosure`, `selected`, `agreed`, or `failed` (no investor, the failure recorded).
    pub phase: CapitalPhase,
    pub disclosure_start: String,
    pub disclosure_end: String,
    pub amount_sought: String,
    /// 拟征集投资方数量 (1: one investor).
    pub investors_sought: i64,
    /// The least total accepted when the disclosure allowed less (null: not stated).
    pub amount_minimum: Option<String>,
    pub method: String,
    pub criteria: Vec<Criterion>,
    /// True when a period was counted without the year's official holiday schedule.
    pub periods_provisional: bool,
    pub selection: Option<SelectionView>,
    pub agreement: Option<AgreementView>,
    /// The recorded failure (未征集到意向投资方), when it failed.
    pub failure: Option<FailureView>,
}

/// A capital increase that ended without an investor.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FailureView {
    pub reason: String,
    pub failed_at: String,
}

mod agreement;
mod disclosure;
mod failure;
mod routes;
mod selection;
mod view;

pub use agreement::*;
pub use disclosure::*;
pub use failure::*;
pub use routes::*;
pub use selection::*;
pub use view::*;

#[cfg(test)]
mod tests;
