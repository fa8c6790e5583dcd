//! Pure rules of the expert draw: avoidance (回避), eligibility, committee size, and the reproducible
//! selection. No I/O here; the service feeds it rows and stores what it returns.

use chrono::NaiveDate;
use ggzy_core::ident::ResidentId;
use ggzy_core::{FieldError, Money, Timestamp};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

mod screen;
mod select;
pub use screen::*;
pub use select::*;

/// Professional title (职称). Only the two senior grades qualify (专家库办法 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Title {
    /// 正高级
    FullSenior,
    /// 副高级
    Senior,
    /// 中级
    Intermediate,
    /// 初级
    Junior,
}

ggzy_core::text_enum!(
    Title,
    |s: &str| Title::parse(s).map_err(|e| e.message),
    Title::as_str
);

impl Title {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s.trim() {
            "full_senior" => Ok(Title::FullSenior),
            "senior" => Ok(Title::Senior),
            "intermediate" => Ok(Title::Intermediate),
            "junior" => Ok(Title::Junior),
            _ => Err(FieldError::new(
                "",
                "expert.title",
                "title must be full_senior, senior, intermediate or junior",
            )),
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Title::FullSenior => "full_senior",
            Title::Senior => "senior",
            Title::Intermediate => "intermediate",
            Title::Junior => "junior",
        }
    }
    pub fn is_senior(&self) -> bool {
        matches!(self, Title::FullSenior | Title::Senior)
    }
}

/// An expert's standing in the pool: drawn (`active`), not drawn for a while (`suspended`, with
/// its reason and period) or no longer drawn (`retired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PoolStatus {
    Active,
    Suspended,
    Retired,
}

ggzy_core::text_enum!(
    PoolStatus,
    |s: &str| PoolStatus::parse(s).map_err(|e| e.message),
    PoolStatus::as_str
);

impl PoolStatus {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s.trim() {
            "active" => Ok(PoolStatus::Active),
            "suspended" => Ok(PoolStatus::Suspended),
            "retired" => Ok(PoolStatus::Retired),
            _ => Err(FieldError::new(
                "",
                "expert.status",
                "status must be active, suspended or retired",
            )),
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            PoolStatus::Active => "active",
            PoolStatus::Suspended => "suspended",
            PoolStatus::Retired => "retired",
        }
    }
}

/// A specialty code of the classification, e.g. `A08.02` (letter, two digits, optional `.NN` levels).
pub fn parse_specialty(s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    let mut parts = s.split('.');
    let head = parts.next().unwrap_or("");
    let head_ok = head.len() == 3
        && head.as_bytes()[0].is_ascii_uppercase()
        && head[1..].bytes().all(|b| b.is_ascii_digit());
    let rest_ok = parts.all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()));
    if head_ok && rest_ok && s.len() <= 12 {
        Ok(s.to_string())
    } else {
        Err(FieldError::new(
            "",
            "expert.specialty_code",
            format!("'{s}' is not a specialty code like A08.02"),
        ))
    }
}

/// Configurable pool rules. Defaults are the national ones; regions may set stricter values.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PoolRules {
    /// Minimum years in the field (专家库办法 7: 从事相关专业领域工作满八年).
    pub min_years: i64,
    /// A senior title (高级职称) is required (专家库办法 7).
    pub senior_title_required: bool,
    /// Age at which an expert is treated as retired from the pool (local practice, commonly 70).
    pub retire_age: i32,
    /// An expert drawn for the same tenderer within this many days is avoided (local practice
    /// against "熟面孔", 实施条例 46 spirit of random selection).
    pub recent_window_days: i64,
}

impl Default for PoolRules {
    fn default() -> Self {
        PoolRules {
            min_years: 8,
            senior_title_required: true,
            retire_age: 70,
            recent_window_days: 90,
        }
    }
}

/// The platform's ceiling on the backups (备选专家) one draw request may ask for in all.
pub const MAX_BACKUPS: u32 = 99;

/// Committee size rules with their sources.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommitteeRules {
    /// 招标投标法 37: 成员人数为五人以上单数.
    pub min_members: u32,
    /// 招标投标法 37: 单数.
    pub odd_members: bool,
    /// 招标投标法 37: 技术、经济等方面的专家不得少于成员总数的三分之二 (numerator/denominator).
    pub expert_share: (u32, u32),
    /// 87号令 47: 采购预算金额在1000万元以上 … 评标委员会成员人数应当为7人以上单数.
    pub gp_large_budget: Money,
    /// 87号令 47.
    pub gp_large_min_members: u32,
    /// 政采法 38, 40: 谈判小组 / 询价小组 由采购人的代表和有关专家共三人以上的单数组成，其中专家的人数
    /// 不得少于成员总数的三分之二 (also the 磋商小组 of 财库〔2014〕214号).
    pub panel_min_members: u32,
    /// The platform's own ceiling on a committee or panel (no law sets a maximum): a request for
    /// more members is a typing error, refused before anyone is drawn.
    pub max_members: u32,
}

/// Procedures whose evaluators are a panel (小组) rather than a committee (政采法 38, 40; 财库〔2014〕214号).
pub const PANEL_PROCEDURES: [&str; 3] = [
    "competitive_negotiation",
    "inquiry",
    "competitive_consultation",
];

impl Default for CommitteeRules {
    fn default() -> Self {
        CommitteeRules {
            min_members: 5,
            odd_members: true,
            expert_share: (2, 3),
            gp_large_budget: Money::from_fen(1_000_000_000),
            gp_large_min_members: 7,
            panel_min_members: 3,
            max_members: 99,
        }
    }
}

impl CommitteeRules {
    /// [`Self::check`] for a section of `procedure`: a negotiation, inquiry or consultation panel
    /// needs ≥ 3 members, odd, experts ≥ 2/3 (政采法 38, 40); every other procedure a committee.
    pub fn check_for(
        &self,
        procedure: Option<&str>,
        experts: u32,
        representatives: u32,
        procurement_budget: Option<Money>,
    ) -> Vec<FieldError> {
        if !procedure.is_some_and(|p| PANEL_PROCEDURES.contains(&p)) {
            return self.check(experts, representatives, procurement_budget);
        }
        let mut errs = Vec::new();
        let members = experts.saturating_add(representatives);
        errs.extend(self.too_many(members));
        if members < self.panel_min_members {
            errs.push(FieldError::new(
                "specialties",
                "panel.min_members",
                format!(
                    "the panel needs at least {} members, got {members} (政采法 38, 40)",
                    self.panel_min_members
                ),
            ));
        }
        if members % 2 != 1 {
            errs.push(FieldError::new(
                "specialties",
                "panel.odd_members",
                format!(
                    "the panel must have an odd number of members, got {members} (政采法 38, 40)"
                ),
            ));
        }
        let (num, den) = self.expert_share;
        if u64::from(experts) * u64::from(den) < u64::from(members) * u64::from(num) {
            errs.push(FieldError::new(
                "representatives",
                "panel.expert_share",
                format!(
                    "experts must be at least {num}/{den} of the panel, got {experts} of {members} (政采法 38, 40)"
                ),
            ));
        }
        errs
    }

    /// The platform's ceiling ([`Self::max_members`]).
    fn too_many(&self, members: u32) -> Option<FieldError> {
        (members > self.max_members).then(|| {
            FieldError::new(
                "specialties",
                "committee.max_members",
                format!(
                    "at most {} members (experts and representatives), got {members} (platform limit; no legal maximum)",
                    self.max_members
                ),
            )
        })
    }

    /// Every broken size rule. `members` = experts + tenderer representatives;
    /// `procurement_budget` is set for government procurement (政府采购).
    pub fn check(
        &self,
        experts: u32,
        representatives: u32,
        procurement_budget: Option<Money>,
    ) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let members = experts.saturating_add(representatives);
        errs.extend(self.too_many(members));
        let min = match procurement_budget {
            Some(b) if b >= self.gp_large_budget => self.gp_large_min_members.max(self.min_members),
            _ => self.min_members,
        };
        if members < min {
            let (rule, src) = if min > self.min_members {
                ("committee.gp_large_min_members", "87号令 47")
            } else {
                ("committee.min_members", "招标投标法 37")
            };
            errs.push(FieldError::new(
                "specialties",
                rule,
                format!("the committee needs at least {min} members, got {members} ({src})"),
            ));
        }
        if self.odd_members && members % 2 != 1 {
            errs.push(FieldError::new(
                "specialties",
                "committee.odd_members",
                format!("the committee must have an odd number of members, got {members} (招标投标法 37)"),
            ));
        }
        let (num, den) = self.expert_share;
        if u64::from(experts) * u64::from(den) < u64::from(members) * u64::from(num) {
            errs.push(FieldError::new(
                "representatives",
                "committee.expert_share",
                format!(
                    "experts must be at least {num}/{den} of the members, got {experts} of {members} (招标投标法 37)"
                ),
            ));
        }
        errs
    }
}

#[cfg(test)]
mod tests;
