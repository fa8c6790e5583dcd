//! Government procurement's non-tender methods (非招标采购方式, issue 21): 竞争性谈判
//! (`competitive_negotiation`), 竞争性磋商 (`competitive_consultation`), 询价 (`inquiry`) and 单一来源
//! (`single_source`). docs/procedures.md, section "Procurement non-tender methods".
//!
//! The stages reuse what the platform has: registration with the method's own periods
//! (`project_rules`, migration 0190), the announcement or invitation (publishing), the suppliers'
//! registration, their responses sealed and opened at the deadline like bids (the sealed-bid path;
//! fewer suppliers than the method's minimum end the procedure at the opening), then this module:
//! the rounds of negotiation/consultation with the final quotes (最后报价), the ranking the method
//! prescribes, and the result handed to procurement's own award path (`award::accept_result`,
//! `crate::procurement`: report, purchaser's confirmation, result announcement, contract).
//!
//! Article numbers of 财政部令第74号 (政府采购非招标采购方式管理办法, 2013) and 财库〔2014〕214号
//! (政府采购竞争性磋商采购方式管理暂行办法) are cited as we read them; the ones marked "to verify"
//! in docs/procedures.md were not checked against the official text here.

use crate::award::{accept_result, load_sec, require_owner, EvaluationResultInput, RankedInput};
use crate::model::{transition, SectionAction, SectionState};
use crate::rules::{DayKind, MarketRules, MinPeriod, Procedure, Subject};
use ggzy_core::error::Violations;
use ggzy_core::ident::Market;
use ggzy_core::{Error, Money, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx, Tx};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::str::FromStr;
use utoipa::ToSchema;

pub mod exception;
pub mod invitation;
mod outcome;
mod rounds;

pub use exception::{min_suppliers_for, section_min_suppliers, TwoSupplierGround};
pub use outcome::*;
pub use rounds::*;

// ---------------------------------------------------------------------------------------------
// Rules (pure).

pub const NEGOTIATION_PERIOD_SOURCE: &str = "财政部令第74号 第二十九条";
pub const INQUIRY_PERIOD_SOURCE: &str = "财政部令第74号 第四十五条";
pub const CONSULTATION_PERIOD_SOURCE: &str = "财库〔2014〕214号 第十条";
pub const SINGLE_SOURCE_PUBLICITY_SOURCE: &str = "财政部令第74号 第三十八条";

fn period(days: u32, kind: DayKind, source: &str) -> MinPeriod {
    MinPeriod {
        days,
        kind,
        source: source.to_string(),
    }
}

/// The national registration rules of a non-tender method (the rows of migration 0190).
/// `deadline_min` is the response period: from the documents (谈判文件 / 询价通知书 / 磋商文件)
/// issued to the first responses' deadline; for single source, from the publicity's start
/// (`docs_issue_at`) to the quote's deadline, which may not come before the publicity's end.
pub fn registration_rules(procedure: Procedure) -> MarketRules {
    let deposit = |src: &str| (200u32, src.to_string());
    let (deadline_min, doc_sale_min, (deposit_cap_bp, deposit_cap_source), opening_source) =
        match procedure {
            // 74号令 29: 从谈判文件发出之日起至供应商提交首次响应文件截止之日止不得少于3个工作日.
            Procedure::CompetitiveNegotiation => (
                period(3, DayKind::Working, NEGOTIATION_PERIOD_SOURCE),
                period(
                    0,
                    DayKind::Calendar,
                    "财政部令第74号 (no statutory sale period)",
                ),
                deposit("财政部令第74号 第十四条"),
                "财政部令第74号 (sealed responses opened at the deadline)",
            ),
            // 214号 10: 从磋商文件发出之日起至供应商提交首次响应文件截止之日止不得少于10日; 磋商文件的
            // 发售期限自开始之日起不得少于5个工作日.
            Procedure::CompetitiveConsultation => (
                period(10, DayKind::Calendar, CONSULTATION_PERIOD_SOURCE),
                period(5, DayKind::Working, CONSULTATION_PERIOD_SOURCE),
                deposit("财库〔2014〕214号 第十二条"),
                "财库〔2014〕214号 (sealed responses opened at the deadline)",
            ),
            // 74号令 45: 从询价通知书发出之日起至供应商提交响应文件截止之日止不得少于3个工作日.
            Procedure::Inquiry => (
                period(3, DayKind::Working, INQUIRY_PERIOD_SOURCE),
                period(
                    0,
                    DayKind::Calendar,
                    "财政部令第74号 (no statutory sale period)",
                ),
                deposit("财政部令第74号 第十四条"),
                "财政部令第74号 (sealed quotes opened at the deadline)",
            ),
            // 74号令 38: 公示期不得少于5个工作日.
            _ => (
                period(5, DayKind::Working, SINGLE_SOURCE_PUBLICITY_SOURCE),
                period(
                    0,
                    DayKind::Calendar,
                    "财政部令第74号 (no statutory sale period)",
                ),
                deposit("财政部令第74号 第十四条"),
                "财政部令第74号 (sealed quote opened at the deadline)",
            ),
        };
    MarketRules {
        market: Market::Procurement,
        procedure,
        deadline_min,
        doc_sale_min,
        deposit_cap_bp,
        deposit_cap_source,
        opening_at_deadline: true,
        opening_source: opening_source.to_string(),
    }
}

/// The fewest suppliers with which a method goes on, and its source: fewer at the opening, or fewer
/// compliant final quotes within the budget, end the procedure (终止, 74号令 第三十七条 for
/// negotiation, 第五十一条 for inquiry; 214号 第三十四条 for consultation). A consultation with a
/// declared 2-supplier exception goes on with 2 ([`min_suppliers_for`], [`exception`]).
/// Single source negotiates with its one supplier. `None` for the tender procedures.
pub fn min_suppliers(procedure: Procedure) -> Option<(i64, &'static str)> {
    match procedure {
        Procedure::CompetitiveNegotiation => {
            Some((3, "政府采购法 第三十八条; 财政部令第74号 第三十七条"))
        }
        Procedure::Inquiry => Some((3, "政府采购法 第四十条; 财政部令第74号 第五十一条")),
        Procedure::CompetitiveConsultation => {
            Some((3, "财库〔2014〕214号 第三十四条 (article to verify)"))
        }
        Procedure::SingleSource => Some((1, "政府采购法 第三十九条; 财政部令第74号 第四十一条")),
        Procedure::OpenTender
        | Procedure::InvitedTender
        | Procedure::Listing
        | Procedure::PrequalifiedTender
        | Procedure::LandAuction
        | Procedure::MiningListing
        | Procedure::MiningAuction
        | Procedure::CapitalIncrease
        | Procedure::AssetTransfer
        | Procedure::MiningTender => None,
    }
}

/// Does the method negotiate (rounds and final quotes)? Inquiry takes one quote that cannot be
/// changed (政府采购法 第四十条; 74号令 第四十八条).
pub fn negotiates(procedure: Procedure) -> bool {
    matches!(
        procedure,
        Procedure::CompetitiveNegotiation
            | Procedure::CompetitiveConsultation
            | Procedure::SingleSource
    )
}

pub const PRICE_WEIGHT_SOURCE: &str = "财库〔2014〕214号 第二十四条";

/// The allowed price weight (价格分权值, percent of 100 points) of a consultation's comprehensive
/// scoring: goods 30–60 %, services 10–30 % (214号 第二十四条). Works (政府采购工程) have no range
/// there: any weight in 0–100.
pub fn price_weight_range(subject: Subject) -> (Decimal, Decimal) {
    match subject {
        Subject::Goods => (Decimal::from(30), Decimal::from(60)),
        Subject::Services => (Decimal::from(10), Decimal::from(30)),
        Subject::Works | Subject::SurveyDesign => (Decimal::ZERO, Decimal::from(100)),
    }
}

/// One supplier's quote (first response for inquiry, final quote otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub org_id: String,
    pub price: Money,
}

/// A ranked supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = NonTenderRanked)]
pub struct Ranked {
    pub org_id: String,
    pub price: Money,
    /// Comprehensive score (consultation only).
    #[schema(value_type = Option<String>)]
    pub score: Option<Decimal>,
}

/// A ranking with the ties a lot breaks (issue 21): `lots` are the groups of organizations with an
/// equal price (or equal total and price) that reach the first three places, each in its ranked
/// order. Without a seed the tied bids keep no meaningful order (the caller draws the seed, stores
/// it and ranks again); with a seed they are ordered by [`ggzy_core::lot::key`] (the lower first),
/// never by the organization id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lotted {
    pub ranked: Vec<Ranked>,
    pub lots: Vec<Vec<String>>,
}

fn lot_cmp(seed: Option<&str>, a: &str, b: &str) -> std::cmp::Ordering {
    match seed {
        Some(s) => ggzy_core::lot::key(s, a).cmp(&ggzy_core::lot::key(s, b)),
        None => std::cmp::Ordering::Equal,
    }
}

/// Lowest price first (政府采购法 第三十八条、第四十条: 最低报价/最后报价最低的供应商为成交供应商).
/// Equal prices the law does not order are broken by lot ([`Lotted`]); the first three are kept.
pub fn rank_by_price(quotes: &[Quote], seed: Option<&str>) -> Lotted {
    let mut q: Vec<Ranked> = quotes
        .iter()
        .map(|q| Ranked {
            org_id: q.org_id.clone(),
            price: q.price,
            score: None,
        })
        .collect();
    q.sort_by(|a, b| {
        a.price
            .cmp(&b.price)
            .then_with(|| lot_cmp(seed, &a.org_id, &b.org_id))
    });
    let lots = tie_groups(&q, |a, b| a.price == b.price);
    q.truncate(3);
    Lotted { ranked: q, lots }
}

/// Groups of equal neighbours (by `eq`) in the sorted list that reach the first three places.
fn tie_groups(sorted: &[Ranked], eq: impl Fn(&Ranked, &Ranked) -> bool) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() && i < 3 {
        let mut j = i + 1;
        while j < sorted.len() && eq(&sorted[i], &sorted[j]) {
            j += 1;
        }
        if j - i > 1 {
            out.push(sorted[i..j].iter().map(|r| r.org_id.clone()).collect());
        }
        i = j;
    }
    out
}

/// Consultation's comprehensive scoring (214号 第二十四条): the lowest final quote is the base price
/// and gets the full price score; price score = base / quote × weight; total = price score + the
/// panel's other score; ranked by total, equal totals by the lower final quote (214号 第二十五条,
/// article to verify), then by lot ([`Lotted`]). Scores rounded to 2 places.
pub fn rank_by_score(quotes: &[(Quote, Decimal)], weight: Decimal, seed: Option<&str>) -> Lotted {
    let Some(base) = quotes.iter().map(|(q, _)| q.price).min() else {
        return Lotted {
            ranked: Vec::new(),
            lots: Vec::new(),
        };
    };
    let mut scored: Vec<Ranked> = quotes
        .iter()
        .map(|(q, other)| {
            let price_score = if q.price.is_zero() {
                weight
            } else {
                base.amount() / q.price.amount() * weight
            };
            Ranked {
                org_id: q.org_id.clone(),
                price: q.price,
                score: Some({
                    let mut d = (price_score + *other).round_dp(2);
                    d.rescale(2);
                    d
                }),
            }
        })
        .collect();
    scored.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(a.price.cmp(&b.price))
            .then_with(|| lot_cmp(seed, &a.org_id, &b.org_id))
    });
    let lots = tie_groups(&scored, |a, b| a.score == b.score && a.price == b.price);
    scored.truncate(3);
    Lotted {
        ranked: scored,
        lots,
    }
}

/// One stage of a method as the project page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageView {
    pub name: &'static str,
    pub rule: &'static str,
    pub source: &'static str,
}

/// The stages of a non-tender method for the tenderer's project page (empty for the tender
/// procedures, whose steps the page shows already).
pub fn stages(procedure: Procedure, l: ggzy_web::Lang) -> Vec<StageView> {
    let st = |name: &'static str, rule: &'static str, source: &'static str| StageView {
        name,
        rule,
        source,
    };
    let award = st(
        l.t("评审报告、采购人确认与成交结果公告", "Report, the purchaser's confirmation and the result announcement"),
        l.t("采购人收到评审报告后5个工作日内确认成交供应商；确认后2个工作日内公告", "The purchaser confirms within 5 working days of the report; the result is announced within 2 working days"),
        "政府采购法实施条例 第四十三条",
    );
    let contract = st(
        l.t("签订合同", "Contract"),
        l.t("成交通知书发出之日起30日内", "Within 30 days of the notice"),
        "政府采购法 第四十六条",
    );
    let mut out = match procedure {
        Procedure::Inquiry => vec![
            st(l.t("询价公告或邀请", "Announcement or invitation"), l.t("邀请不少于3家供应商", "At least 3 suppliers invited"), "财政部令第74号 第十二条"),
            st(l.t("报价（密封）", "Sealed quotes"), l.t("询价通知书发出至报价截止不少于3个工作日；一次报出不得更改的价格", "At least 3 working days from the request for quotations; one quote that cannot be changed"), "财政部令第74号 第四十五条、第四十八条"),
            st(l.t("开启报价", "Opening of the quotes"), l.t("不足3家供应商时终止", "Fewer than 3 suppliers end the procedure"), "财政部令第74号 第五十一条"),
            st(l.t("询价小组评审", "The inquiry panel"), l.t("最低报价的合格供应商为成交候选人第一名", "The lowest compliant quote ranks first"), "政府采购法 第四十条"),
        ],
        Procedure::CompetitiveNegotiation => vec![
            st(l.t("谈判公告或邀请", "Announcement or invitation"), l.t("邀请不少于3家供应商", "At least 3 suppliers invited"), "财政部令第74号 第十二条"),
            st(l.t("首次响应文件（密封）", "Sealed first responses"), l.t("谈判文件发出至首次响应截止不少于3个工作日", "At least 3 working days from the documents"), "财政部令第74号 第二十九条"),
            st(l.t("开启响应文件", "Opening"), l.t("不足3家供应商时终止", "Fewer than 3 suppliers end the procedure"), "财政部令第74号 第三十七条"),
            st(l.t("多轮谈判与最后报价", "Rounds of negotiation and final quotes"), l.t("最后报价最低的合格供应商为成交候选人第一名", "The lowest compliant final quote ranks first"), "政府采购法 第三十八条"),
        ],
        Procedure::CompetitiveConsultation => vec![
            st(l.t("磋商公告或邀请", "Announcement or invitation"), l.t("邀请不少于3家供应商", "At least 3 suppliers invited"), "财库〔2014〕214号 第六条"),
            st(l.t("磋商文件发售", "Documents on sale"), l.t("不少于5个工作日", "At least 5 working days"), CONSULTATION_PERIOD_SOURCE),
            st(l.t("首次响应文件（密封）", "Sealed first responses"), l.t("磋商文件发出至首次响应截止不少于10日", "At least 10 days from the documents"), CONSULTATION_PERIOD_SOURCE),
            st(l.t("磋商与最后报价、综合评分", "Consultation, final quotes and comprehensive scoring"), l.t("价格分权值：货物30%–60%，服务10%–30%", "Price weight: goods 30–60 %, services 10–30 %"), PRICE_WEIGHT_SOURCE),
        ],
        Procedure::SingleSource => vec![
            st(l.t("单一来源公示", "Single-source publicity"), l.t("公示不少于5个工作日，公示期内可提出异议", "At least 5 working days; objections during the publicity"), "财政部令第74号 第三十八条、第三十九条"),
            st(l.t("报价（密封）", "Sealed quote"), l.t("公示期满后", "After the publicity"), SINGLE_SOURCE_PUBLICITY_SOURCE),
            st(l.t("协商与协商情况记录", "Negotiation and its record"), l.t("与唯一供应商协商合理的成交价格", "A reasonable price agreed with the one supplier"), "财政部令第74号 第四十二条"),
        ],
        Procedure::OpenTender
        | Procedure::InvitedTender
        | Procedure::Listing
        | Procedure::PrequalifiedTender
        | Procedure::LandAuction
        | Procedure::MiningListing
        | Procedure::MiningAuction
        | Procedure::CapitalIncrease
        | Procedure::AssetTransfer
        | Procedure::MiningTender => return Vec::new(),
    };
    out.push(award);
    out.push(contract);
    out
}

// Routes.

pub mod http;

#[cfg(test)]
mod tests;
