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
use ggzy_core::events::NewEvent;
use ggzy_core::ident::Market;
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{Error, Money, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx, Tx};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::HashMap;
use std::str::FromStr;
use utoipa::ToSchema;

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
/// negotiation, 第五十一条 for inquiry; 214号 第三十四条 for consultation, whose exceptions for
/// research and technology-transfer projects with 2 suppliers (第二十一条第三款) are not built).
/// Single source negotiates with its one supplier. `None` for the tender procedures.
pub fn min_suppliers(procedure: Procedure) -> Option<(i64, &'static str)> {
    match procedure {
        Procedure::CompetitiveNegotiation => Some((3, "政府采购法 第三十八条; 财政部令第74号 第三十七条")),
        Procedure::Inquiry => Some((3, "政府采购法 第四十条; 财政部令第74号 第五十一条")),
        Procedure::CompetitiveConsultation => Some((
            3,
            "财库〔2014〕214号 第三十四条 (article to verify; the 2-supplier exceptions are not built)",
        )),
        Procedure::SingleSource => Some((1, "政府采购法 第三十九条; 财政部令第74号 第四十一条")),
        Procedure::OpenTender
        | Procedure::InvitedTender
        | Procedure::Listing
        | Procedure::PrequalifiedTender
        | Procedure::LandAuction
        | Procedure::MiningListing
        | Procedure::MiningAuction
        | Procedure::CapitalIncrease
        | Procedure::AssetTransfer => None,
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
        | Procedure::AssetTransfer => return Vec::new(),
    };
    out.push(award);
    out.push(contract);
    out
}

// ---------------------------------------------------------------------------------------------
// Rounds of negotiation / consultation.

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct QuoteInput {
    pub org_id: String,
    /// CNY, decimal string or number.
    #[schema(value_type = String)]
    pub price: Value,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RoundInput {
    /// What was negotiated in this round (the record the panel signs: 74号令 第三十二条).
    pub notes: String,
    /// The quotes of this round (may be empty for a round without new prices; required in the
    /// final round).
    #[serde(default)]
    pub quotes: Vec<QuoteInput>,
    /// The final round: its quotes are the final quotes (最后报价) and the negotiation closes.
    #[serde(default)]
    pub final_round: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoundQuote {
    pub org_id: String,
    pub price: Money,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Round {
    pub round_no: i64,
    pub notes: String,
    pub quotes: Vec<RoundQuote>,
    pub final_round: bool,
    pub recorded_by: String,
    #[schema(value_type = String)]
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Negotiation {
    pub section_id: String,
    pub procedure: Procedure,
    pub rounds: Vec<Round>,
}

fn money_of(v: &Value) -> std::result::Result<Money, ggzy_core::FieldError> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(ggzy_core::FieldError::new(
                "",
                "money.format",
                "price must be a decimal amount",
            ))
        }
    };
    Decimal::from_str(&s).map_err(|_| {
        ggzy_core::FieldError::new("", "money.format", "price must be a decimal amount")
    })?;
    Money::parse_str(&s)
}

fn procedure_of(sec: &crate::award::Sec) -> Result<Procedure> {
    Procedure::parse(&sec.procedure)
        .map_err(|e| Error::internal(format!("projects.procedure: {}", e.message)))
}

/// A procurement section of a non-tender method, owned by the actor (staff: any; agency/tenderer:
/// its own project).
async fn nontender_section(
    ctx: &Ctx,
    tx: &mut sqlx::AnyConnection,
    actor: &Actor,
    section_id: &str,
    lock: bool,
) -> Result<(crate::award::Sec, Procedure)> {
    let sec = load_sec(&ctx.db, tx, section_id, lock).await?;
    if actor.role != Role::Staff {
        require_owner(actor, &sec)?;
    }
    let procedure = procedure_of(&sec)?;
    if !procedure.is_non_tender() {
        return Err(Error::conflict(
            "nontender.not_nontender",
            format!(
                "section's procedure is {}; rounds and results by method belong to the non-tender \
                 procurement methods (非招标采购方式)",
                procedure.as_str()
            ),
        ));
    }
    Ok((sec, procedure))
}

/// Suppliers in the negotiation: opened (decrypted) responses not rejected in the review.
async fn opened_quotes(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<Vec<Quote>> {
    let rows = sqlx::query(
        "SELECT b.org_id, b.price_fen FROM bids b WHERE b.section_id = $1 AND b.status = 'current' \
         AND b.decryption = 'decrypted' AND NOT EXISTS (SELECT 1 FROM section_review_rejections r \
         WHERE r.section_id = b.section_id AND r.org_id = b.org_id) ORDER BY b.org_id",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let price: Option<i64> = r.try_get(1)?;
        out.push(Quote {
            org_id: r.try_get(0)?,
            price: Money::from_fen(price.unwrap_or(0)),
        });
    }
    Ok(out)
}

async fn load_rounds(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<Vec<Round>> {
    let rows = sqlx::query(
        "SELECT round_no, notes, quotes, final_round, recorded_by, recorded_at FROM negotiation_rounds \
         WHERE section_id = $1 ORDER BY round_no",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let quotes: String = r.try_get(2)?;
        let quotes: Vec<(String, i64)> = serde_json::from_str(&quotes)
            .map_err(|e| Error::internal(format!("negotiation_rounds.quotes: {e}")))?;
        out.push(Round {
            round_no: r.try_get(0)?,
            notes: r.try_get(1)?,
            quotes: quotes
                .into_iter()
                .map(|(org_id, fen)| RoundQuote {
                    org_id,
                    price: Money::from_fen(fen),
                })
                .collect(),
            final_round: r.try_get::<i64, _>(3)? != 0,
            recorded_by: r.try_get(4)?,
            recorded_at: from_micros(r.try_get(5)?),
        });
    }
    Ok(out)
}

/// The final quotes (最后报价) of a section's final round, if recorded. Used by the award path to
/// check a candidate's price (the price of a negotiating method is its final quote, not the sealed
/// first response: 政府采购法 第三十八条).
pub(crate) async fn final_quotes(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<HashMap<String, Money>>> {
    let rounds = load_rounds(conn, section_id).await?;
    Ok(rounds
        .into_iter()
        .find(|r| r.final_round)
        .map(|r| r.quotes.into_iter().map(|q| (q.org_id, q.price)).collect()))
}

/// The negotiation record of a section: staff, supervisors, administrators and the project's
/// tenderer/agency.
pub async fn get_negotiation(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Negotiation> {
    actor.require(&[
        Role::Tenderer,
        Role::Agency,
        Role::Staff,
        Role::Supervisor,
        Role::Admin,
    ])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let sec = load_sec(&ctx.db, &mut conn, section_id, false).await?;
    if matches!(actor.role, Role::Tenderer | Role::Agency) {
        require_owner(actor, &sec)?;
    }
    let procedure = procedure_of(&sec)?;
    Ok(Negotiation {
        section_id: section_id.to_string(),
        procedure,
        rounds: load_rounds(&mut conn, section_id).await?,
    })
}

/// Record one round of negotiation or consultation (staff, or the project's agency) after the
/// opening, while the section is evaluated. Nothing is written unless every check passes.
pub async fn record_round(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: RoundInput,
) -> Result<Negotiation> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let (sec, procedure) = nontender_section(ctx, &mut tx, actor, section_id, true).await?;
    if !negotiates(procedure) {
        return Err(Error::conflict(
            "nontender.one_quote_only",
            "an inquiry (询价) takes one quote per supplier that cannot be changed; there are no \
             negotiation rounds (政府采购法 第四十条; 财政部令第74号 第四十八条)",
        ));
    }
    if sec.state != SectionState::Evaluating {
        return Err(Error::conflict(
            "nontender.not_negotiating",
            format!(
                "section is in state {}; rounds are recorded after the opening, while the panel \
                 evaluates",
                sec.state.as_str()
            ),
        ));
    }
    let rounds = load_rounds(&mut tx, section_id).await?;
    if rounds.iter().any(|r| r.final_round) {
        return Err(Error::conflict(
            "nontender.negotiation_closed",
            "the final quotes (最后报价) are recorded; the negotiation is closed",
        ));
    }
    let suppliers = opened_quotes(&mut tx, section_id).await?;
    let mut v = Violations::new();
    let notes = input.notes.trim().to_string();
    if notes.is_empty() || notes.chars().count() > 4000 {
        v.push(
            "notes",
            "required",
            "notes are required (at most 4000 characters): the record of the round",
        );
    }
    let mut quotes: Vec<(String, i64)> = Vec::new();
    for (i, q) in input.quotes.iter().enumerate() {
        let f = |n: &str| format!("quotes[{i}].{n}");
        if input.quotes[..i].iter().any(|o| o.org_id == q.org_id) {
            v.push(
                f("org_id"),
                "quote.duplicate",
                "a supplier quotes once per round",
            );
            continue;
        }
        if !suppliers.iter().any(|s| s.org_id == q.org_id) {
            v.push(
                f("org_id"),
                "nontender.supplier_not_in_negotiation",
                format!(
                    "organization {} has no opened response in this section (or it was rejected \
                     in the review)",
                    q.org_id
                ),
            );
            continue;
        }
        if let Some(m) = v.take(&f("price"), money_of(&q.price)) {
            if m.is_zero() {
                v.push(
                    f("price"),
                    "quote.price_positive",
                    "price must be greater than zero",
                );
            } else {
                quotes.push((q.org_id.clone(), m.fen()));
            }
        }
    }
    if input.final_round {
        if input.quotes.is_empty() {
            v.push(
                "quotes",
                "nontender.final_quotes_required",
                "the final round records the final quotes (最后报价) of the suppliers still in the \
                 negotiation (财政部令第74号 第三十三条; 财库〔2014〕214号 第二十一条)",
            );
        }
        if procedure == Procedure::SingleSource && input.quotes.len() > 1 {
            v.push(
                "quotes",
                "nontender.single_supplier",
                "single source (单一来源) negotiates with one supplier (政府采购法 第三十九条)",
            );
        }
    }
    v.into_result()?;
    let round_no = i64::try_from(rounds.len()).unwrap_or(i64::MAX) + 1;
    let quotes_json = serde_json::to_string(&quotes).map_err(|e| Error::internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO negotiation_rounds (section_id, round_no, notes, quotes, final_round, \
         recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(section_id)
    .bind(round_no)
    .bind(&notes)
    .bind(&quotes_json)
    .bind(i64::from(input.final_round))
    .bind(&actor.actor_ref().id)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    // Prices stay out of the event: they are disclosed with the result.
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.nontender.round_recorded",
            "section",
            section_id,
            json!({"section_id": section_id, "project_id": sec.project_id,
                   "procedure": procedure.as_str(), "round_no": round_no,
                   "final_round": input.final_round, "quote_count": quotes.len()}),
        ),
    )
    .await?;
    let out = Negotiation {
        section_id: section_id.to_string(),
        procedure,
        rounds: load_rounds(&mut tx, section_id).await?,
    };
    ctx.db.commit_answering(tx, 201, &out, now).await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The result by method.

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NonCompliantInput {
    pub org_id: String,
    /// Why the panel found the response not substantially compliant.
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = NonTenderScoreInput)]
pub struct ScoreInput {
    pub org_id: String,
    /// The panel's score of everything but the price (out of 100 − price weight).
    #[schema(value_type = String)]
    pub score: Value,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NonTenderResultInput {
    /// Reference of the panel's report (评审报告).
    pub report_ref: String,
    /// The draw of the panel (谈判小组 / 询价小组 / 磋商小组) the experts area recorded.
    #[serde(default)]
    pub committee_draw_id: Option<String>,
    /// Responses the panel found not substantially compliant.
    #[serde(default)]
    pub non_compliant: Vec<NonCompliantInput>,
    /// Consultation: the price weight in percent (价格分权值).
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub price_weight: Option<Value>,
    /// Consultation: the panel's other scores.
    #[serde(default)]
    pub scores: Vec<ScoreInput>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NonTenderResult {
    pub section_id: String,
    pub procedure: Procedure,
    /// `ranked` (the result goes to the purchaser) or `terminated` (too few suppliers: 终止).
    pub outcome: String,
    pub ranking: Vec<Ranked>,
    /// Compliant quotes within the budget counted for the minimum.
    pub compliant_count: i64,
    pub min_suppliers: i64,
    pub basis: String,
    /// Ties among the first three broken by lot (issue 21): the recorded seed, the rule and each
    /// tied group in its drawn order with every supplier's key (SHA-256 of `seed:org_id`).
    #[schema(value_type = Option<Object>)]
    pub lot: Option<Value>,
}

/// The section's lot seed: drawn once (32 random bytes, hex) and stored in `nontender_lots`; a
/// later result of the same section (after a new round) reuses it.
async fn draw_lot(tx: &mut Tx, section_id: &str, now: Timestamp) -> Result<String> {
    let fresh = ggzy_core::ids::random_hex(32);
    sqlx::query(
        "INSERT INTO nontender_lots (section_id, seed, drawn_at) VALUES ($1, $2, $3) \
         ON CONFLICT (section_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(&fresh)
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    Ok(
        sqlx::query("SELECT seed FROM nontender_lots WHERE section_id = $1")
            .bind(section_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?,
    )
}

/// The lot as the result and `projects.nontender.tie_drawn` show it.
fn lot_record(seed: &str, lots: &[Vec<String>]) -> Value {
    json!({
        "seed": seed,
        "rule": ggzy_core::lot::RULE,
        "groups": lots.iter().map(|g| json!({
            "order": g,
            "keys": g.iter().map(|o| (o.clone(), json!(ggzy_core::lot::key(seed, o))))
                .collect::<serde_json::Map<String, Value>>(),
        })).collect::<Vec<_>>(),
        "basis": "issue 21: a tie the documents' rules leave is broken by a recorded lot, never by the organization id",
    })
}

fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

/// Subject of a section (procurement: goods when absent).
async fn subject_of(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<Subject> {
    let s: Option<String> = sqlx::query("SELECT subject FROM sections WHERE id = $1")
        .bind(section_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    Ok(s.and_then(|s| Subject::parse(&s).ok())
        .unwrap_or(Subject::Goods))
}

/// Rank the section's suppliers as its method prescribes and hand the ranking to procurement's
/// award path (evaluating → publicizing, `projects.procurement.report_received`); or, with fewer
/// compliant suppliers within the budget than the method's minimum, end the procedure (evaluating →
/// failed, `projects.section.failed` reason `too_few_compliant`). Staff or the project's agency.
pub async fn submit_result(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: NonTenderResultInput,
) -> Result<NonTenderResult> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let (sec, procedure) = nontender_section(ctx, &mut tx, actor, section_id, true).await?;
    if sec.state != SectionState::Evaluating {
        return Err(Error::conflict(
            "nontender.not_evaluating",
            format!(
                "section is in state {}; the result follows the opening and the negotiation",
                sec.state.as_str()
            ),
        ));
    }
    let (min, basis) = min_suppliers(procedure).unwrap_or((3, ""));
    let opened = opened_quotes(&mut tx, section_id).await?;
    let quotes: Vec<Quote> = if negotiates(procedure) {
        match final_quotes(&mut tx, section_id).await? {
            Some(f) => f
                .into_iter()
                .map(|(org_id, price)| Quote { org_id, price })
                .collect(),
            None => return Err(Error::conflict(
                "nontender.no_final_quotes",
                "record the final round with the final quotes (最后报价) first (财政部令第74号 \
                     第三十三条; 财库〔2014〕214号 第二十一条)",
            )),
        }
    } else {
        opened
    };
    let mut v = Violations::new();
    for (i, n) in input.non_compliant.iter().enumerate() {
        if !quotes.iter().any(|q| q.org_id == n.org_id) {
            v.push(
                format!("non_compliant[{i}].org_id"),
                "nontender.supplier_not_in_negotiation",
                format!("organization {} has no quote in this section", n.org_id),
            );
        }
        if n.reason.trim().is_empty() {
            v.push(
                format!("non_compliant[{i}].reason"),
                "required",
                "the panel's reason is required",
            );
        }
    }
    let budget: i64 = sqlx::query("SELECT estimated_price_fen FROM sections WHERE id = $1")
        .bind(section_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    // Compliant and within the budget (74号令 第三十七条第三项: 报价未超过采购预算的供应商).
    let compliant: Vec<Quote> = quotes
        .iter()
        .filter(|q| !input.non_compliant.iter().any(|n| n.org_id == q.org_id))
        .filter(|q| q.price.fen() <= budget)
        .cloned()
        .collect();
    let scoring = if procedure == Procedure::CompetitiveConsultation {
        let subject = subject_of(&mut tx, section_id).await?;
        let (lo, hi) = price_weight_range(subject);
        let weight = match input.price_weight.as_ref().and_then(decimal_of) {
            Some(w) if w >= lo && w <= hi => Some(w),
            _ => {
                v.push(
                    "price_weight",
                    "nontender.price_weight",
                    format!(
                        "the price weight of a {} consultation is {lo}–{hi} percent ({PRICE_WEIGHT_SOURCE})",
                        subject.as_str()
                    ),
                );
                None
            }
        };
        let mut scored = Vec::new();
        for q in &compliant {
            let s = input
                .scores
                .iter()
                .position(|s| s.org_id == q.org_id)
                .map(|i| (i, decimal_of(&input.scores[i].score)));
            match (s, weight) {
                (Some((_, Some(d))), Some(w))
                    if d >= Decimal::ZERO && d <= Decimal::from(100) - w =>
                {
                    scored.push((q.clone(), d))
                }
                (Some((i, _)), Some(_)) => v.push(
                    format!("scores[{i}].score"),
                    "nontender.score_range",
                    "the other score is a decimal between 0 and 100 − the price weight",
                ),
                (None, _) => v.push(
                    "scores",
                    "nontender.score_required",
                    format!("the panel's score of organization {} is required", q.org_id),
                ),
                _ => {}
            }
        }
        v.into_result()?;
        Some((scored, weight.unwrap_or_default()))
    } else {
        v.into_result()?;
        None
    };
    let rank = |seed: Option<&str>| match &scoring {
        Some((scored, weight)) => rank_by_score(scored, *weight, seed),
        None => rank_by_price(&compliant, seed),
    };
    let compliant_count = i64::try_from(compliant.len()).unwrap_or(i64::MAX);
    let mut out = NonTenderResult {
        section_id: section_id.to_string(),
        procedure,
        outcome: "ranked".into(),
        ranking: Vec::new(),
        compliant_count,
        min_suppliers: min,
        basis: basis.to_string(),
        lot: None,
    };
    if compliant_count < min {
        let next = transition(sec.state, SectionAction::Fail)?;
        crate::service::set_section_state(&mut tx, section_id, sec.state, next, now).await?;
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            NewEvent::new(
                "projects.section.failed",
                "section",
                section_id,
                json!({"section_id": section_id, "project_id": sec.project_id,
                       "market": sec.market.as_str(), "procedure": procedure.as_str(),
                       "reason": "too_few_compliant", "compliant_count": compliant_count,
                       "min_suppliers": min, "basis": basis, "failed_at": now.to_rfc3339()}),
            ),
        )
        .await?;
        out.outcome = "terminated".into();
        ctx.db.commit_answering(tx, 201, &out, now).await?;
        return Ok(out);
    }
    let mut lotted = rank(None);
    let lot = if lotted.lots.is_empty() {
        None
    } else {
        let seed = draw_lot(&mut tx, section_id, now).await?;
        lotted = rank(Some(&seed));
        let record = lot_record(&seed, &lotted.lots);
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            NewEvent::new("projects.nontender.tie_drawn", "section", section_id, {
                let mut p = record.clone();
                p["section_id"] = json!(section_id);
                p["procedure"] = json!(procedure.as_str());
                p
            }),
        )
        .await?;
        Some(record)
    };
    let ranked = lotted.ranked;
    let result = EvaluationResultInput {
        report_ref: input.report_ref.clone(),
        ranking: ranked
            .iter()
            .map(|r| RankedInput {
                org_id: r.org_id.clone(),
                price: json!(r.price.to_string()),
                score: r.score.map(|s| json!(s.to_string())),
            })
            .collect(),
        publicity_days: None,
        committee_draw_id: input.committee_draw_id.clone(),
    };
    accept_result(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        section_id,
        &result,
        "api",
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.nontender.ranked",
            "section",
            section_id,
            json!({"section_id": section_id, "project_id": sec.project_id,
            "procedure": procedure.as_str(), "report_ref": input.report_ref.trim(),
            "ranking": ranked.iter().map(|r| json!({"org_id": r.org_id,
                "price": r.price.to_string(),
                "score": r.score.map(|s| s.to_string())})).collect::<Vec<_>>(),
            "non_compliant": input.non_compliant.iter().map(|n| json!({"org_id": n.org_id,
                "reason": n.reason.trim()})).collect::<Vec<_>>(),
            "basis": match procedure {
                Procedure::Inquiry => "政府采购法 第四十条; 财政部令第74号 第四十九条",
                Procedure::CompetitiveConsultation => PRICE_WEIGHT_SOURCE,
                Procedure::SingleSource => "政府采购法 第三十九条; 财政部令第74号 第四十二条",
                _ => "政府采购法 第三十八条; 财政部令第74号 第三十五条",
            }}),
        ),
    )
    .await?;
    out.ranking = ranked;
    out.lot = lot;
    ctx.db.commit_answering(tx, 201, &out, now).await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Routes.

pub mod http {
    use super::*;
    use axum::extract::State;
    use ggzy_core::http::{Json, Path};
    use utoipa_axum::{router::OpenApiRouter, routes};

    pub fn router() -> OpenApiRouter<Ctx> {
        OpenApiRouter::new()
            .routes(routes!(get_rounds, post_round))
            .routes(routes!(post_result))
    }

    /// The rounds of negotiation / consultation of a non-tender procurement section.
    #[utoipa::path(get, path = "/api/v1/sections/{id}/negotiation", tag = "award", security(("bearer" = [])),
        params(("id" = String, Path)), responses((status = 200, body = Negotiation)))]
    async fn get_rounds(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
    ) -> Result<Json<Negotiation>> {
        Ok(Json(get_negotiation(&ctx, &actor, &id).await?))
    }

    /// Record a round (the final round records the final quotes).
    #[utoipa::path(post, path = "/api/v1/sections/{id}/negotiation", tag = "award", security(("bearer" = [])),
        params(("id" = String, Path)), request_body = RoundInput,
        responses((status = 201, body = Negotiation)))]
    async fn post_round(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
        Json(input): Json<RoundInput>,
    ) -> Result<(axum::http::StatusCode, Json<Negotiation>)> {
        Ok((
            axum::http::StatusCode::CREATED,
            Json(record_round(&ctx, &actor, &id, input).await?),
        ))
    }

    /// The result by the section's method (lowest price, or consultation's scoring), handed to
    /// procurement's award path; or the procedure ends with too few suppliers.
    #[utoipa::path(post, path = "/api/v1/sections/{id}/nontender-result", tag = "award", security(("bearer" = [])),
        params(("id" = String, Path)), request_body = NonTenderResultInput,
        responses((status = 201, body = NonTenderResult)))]
    async fn post_result(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
        Json(input): Json<NonTenderResultInput>,
    ) -> Result<(axum::http::StatusCode, Json<NonTenderResult>)> {
        Ok((
            axum::http::StatusCode::CREATED,
            Json(submit_result(&ctx, &actor, &id, input).await?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{check_registration, ProjectInput, SectionInput};
    use ggzy_core::calendar::BusinessCalendar;
    use ggzy_core::time::at_local;

    fn q(org: &str, yuan: &str) -> Quote {
        Quote {
            org_id: org.into(),
            price: Money::parse_str(yuan).unwrap(),
        }
    }

    fn cal() -> BusinessCalendar {
        ggzy_core::calendar::BusinessCalendar::official()
    }

    fn input(
        p: Procedure,
        issue: Timestamp,
        sale_end: Timestamp,
        deadline: Timestamp,
    ) -> ProjectInput {
        ProjectInput {
            market: Market::Procurement,
            procedure: p,
            sections: vec![SectionInput {
                estimated_price: Money::parse_str("1000000.00").unwrap(),
                deposit: Money::parse_str("20000.00").unwrap(),
                docs_issue_at: issue,
                docs_sale_end_at: sale_end,
                bid_deadline: deadline,
                opening_at: deadline,
                subject: Some(Subject::Goods),
            }],
        }
    }

    fn t(y: i32, m: u32, d: u32, h: u32) -> Timestamp {
        at_local(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(), h, 0, 0)
    }

    fn rules_of(r: Result2) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.rule)
            .collect()
    }
    type Result2 = std::result::Result<(), Vec<ggzy_core::FieldError>>;

    /// Issued Thursday 2026-04-02; 清明 04-04..06 (Sat–Mon): working days 04-03, 04-07, 04-08.
    #[test]
    fn negotiation_and_inquiry_need_3_working_days_across_qingming() {
        let c = cal();
        for p in [Procedure::CompetitiveNegotiation, Procedure::Inquiry] {
            let r = registration_rules(p);
            let issue = t(2026, 4, 2, 9);
            let ok = input(p, issue, issue, t(2026, 4, 8, 9));
            assert!(check_registration(&r, &c, &ok).is_ok(), "{p:?}");
            let early = input(p, issue, issue, t(2026, 4, 7, 17));
            assert_eq!(
                rules_of(check_registration(&r, &c, &early)),
                vec!["procurement.deadline_min_days"]
            );
        }
    }

    #[test]
    fn consultation_needs_10_days_and_5_working_days_of_sale() {
        let c = cal();
        let r = registration_rules(Procedure::CompetitiveConsultation);
        // Issued Wednesday 2026-04-01: sale 04-02, 03, 07, 08, 09 → ends Thursday 04-09; 10 days
        // end Saturday 04-11, a day off, so the last day moves to Monday 04-13 (民法典 203).
        let issue = t(2026, 4, 1, 9);
        let ok = input(
            Procedure::CompetitiveConsultation,
            issue,
            t(2026, 4, 9, 17),
            t(2026, 4, 13, 9),
        );
        assert!(check_registration(&r, &c, &ok).is_ok());
        let bad = input(
            Procedure::CompetitiveConsultation,
            issue,
            t(2026, 4, 8, 17),
            t(2026, 4, 11, 17),
        );
        let got = rules_of(check_registration(&r, &c, &bad));
        assert!(
            got.contains(&"procurement.deadline_min_days".to_string()),
            "{got:?}"
        );
        assert!(
            got.contains(&"procurement.doc_sale_min_days".to_string()),
            "{got:?}"
        );
    }

    #[test]
    fn single_source_publicity_is_5_working_days() {
        let c = cal();
        let r = registration_rules(Procedure::SingleSource);
        // Publicity from Thursday 04-02: 04-03, 07, 08, 09, 10 → Friday 04-10.
        let issue = t(2026, 4, 2, 9);
        let ok = input(Procedure::SingleSource, issue, issue, t(2026, 4, 10, 9));
        assert!(check_registration(&r, &c, &ok).is_ok());
        let bad = input(Procedure::SingleSource, issue, issue, t(2026, 4, 9, 17));
        assert_eq!(
            rules_of(check_registration(&r, &c, &bad)),
            vec!["procurement.deadline_min_days"]
        );
    }

    #[test]
    fn the_methods_belong_to_procurement_and_match_national() {
        for p in Procedure::ALL.into_iter().filter(|p| p.is_non_tender()) {
            assert!(p.check_market(Market::Construction).is_err());
            assert!(p.check_market(Market::Procurement).is_ok());
            assert_eq!(
                MarketRules::national(Market::Procurement, p),
                Some(registration_rules(p))
            );
            assert!(min_suppliers(p).is_some());
        }
        assert_eq!(min_suppliers(Procedure::SingleSource).unwrap().0, 1);
        assert!(!negotiates(Procedure::Inquiry));
    }

    #[test]
    fn the_lowest_price_wins_and_ties_go_to_the_lot_never_the_org_id() {
        let r = rank_by_price(
            &[
                q("a", "300.00"),
                q("b", "100.00"),
                q("c", "200.00"),
                q("d", "400"),
            ],
            None,
        );
        assert!(r.lots.is_empty());
        let orgs: Vec<&str> = r.ranked.iter().map(|r| r.org_id.as_str()).collect();
        assert_eq!(orgs, ["b", "c", "a"]);
        let quotes = [q("a", "100.00"), q("b", "100.00"), q("c", "200.00")];
        assert_eq!(rank_by_price(&quotes, None).lots, [["a", "b"]]);
        // With a seed the tied pair follows the keys SHA-256(seed:org), whatever the ids: find a
        // seed that puts "b" before "a" (so the order is not the ids').
        let seed = (0..64)
            .map(|i| format!("{i:064x}"))
            .find(|s| ggzy_core::lot::key(s, "b") < ggzy_core::lot::key(s, "a"))
            .unwrap();
        let r = rank_by_price(&quotes, Some(&seed));
        let orgs: Vec<&str> = r.ranked.iter().map(|r| r.org_id.as_str()).collect();
        assert_eq!(orgs, ["b", "a", "c"]);
        assert_eq!(r.lots, [["b", "a"]]);
        // A tie below the first three does not matter; one across the third place does.
        let five = |e: &str| {
            [
                q("a", "1"),
                q("b", "2"),
                q("c", "3"),
                q("d", "4"),
                q("e", e),
            ]
        };
        assert!(rank_by_price(&five("4"), None).lots.is_empty());
        assert_eq!(rank_by_price(&five("3"), None).lots, [["c", "e"]]);
    }

    #[test]
    fn consultation_scores_the_price_against_the_lowest_final_quote() {
        // Weight 30: a 100 quote gets 30, a 120 quote 25; other scores 50 and 60.
        let r = rank_by_score(
            &[
                (q("a", "100.00"), Decimal::from(50)),
                (q("b", "120.00"), Decimal::from(60)),
                (q("c", "150.00"), Decimal::from(40)),
            ],
            Decimal::from(30),
            None,
        )
        .ranked;
        assert_eq!(r[0].org_id, "b");
        assert_eq!(r[0].score, Some(Decimal::from(85)));
        assert_eq!(r[1].org_id, "a");
        assert_eq!(r[1].score, Some(Decimal::from(80)));
        assert_eq!(r[2].score, Some(Decimal::from(60)));
        // Equal totals: the lower final quote first.
        let r = rank_by_score(
            &[
                (q("a", "100.00"), Decimal::from(50)),
                (q("b", "120.00"), Decimal::from(55)),
            ],
            Decimal::from(30),
            None,
        );
        assert!(r.lots.is_empty());
        assert_eq!(r.ranked[0].org_id, "a");
    }

    #[test]
    fn price_weight_bounds_by_subject() {
        assert_eq!(
            price_weight_range(Subject::Goods),
            (Decimal::from(30), Decimal::from(60))
        );
        assert_eq!(
            price_weight_range(Subject::Services),
            (Decimal::from(10), Decimal::from(30))
        );
    }
}
