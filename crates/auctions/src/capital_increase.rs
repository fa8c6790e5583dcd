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
use ggzy_core::events::NewEvent;
use ggzy_core::http::{Json, Path};
use ggzy_core::period::{self, Days};
use ggzy_core::time::{from_micros, local_date, to_micros};
use ggzy_core::{ids, Error, Money, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
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
}

impl CapitalIncreaseRules {
    pub fn national() -> Self {
        CapitalIncreaseRules {
            disclosure_working_days: 40,
            disclosure_source: "国资委 财政部令第32号 第三十九条",
            publicity_working_days: 5,
            publicity_source: "国资委 财政部令第32号 第四十五条 (article to verify)",
            selection_source:
                "国资委 财政部令第32号 第四十一条、第四十二条 (articles to verify): 竞争性谈判、综合评议",
        }
    }
}

/// The disclosure must start after the announcement and last until 24:00 (Beijing) of the 40th
/// working day after the announcement's day.
pub fn check_disclosure(
    r: &CapitalIncreaseRules,
    cal: &BusinessCalendar,
    announced_at: Timestamp,
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
    let reached = period::reaches_end(
        cal,
        announced_at,
        end,
        Days::working(r.disclosure_working_days),
    );
    missing.extend(reached.missing);
    if !reached.value {
        v.push(FieldError::new(
            "disclosure_end",
            "capital.disclosure_period",
            format!(
                "the capital increase is disclosed for at least {} working days ({})",
                r.disclosure_working_days, r.disclosure_source
            ),
        ));
    }
    v
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
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SelectionView {
    pub investor_org_id: String,
    pub amount: String,
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
    /// `disclosure`, `selected`, `agreed`.
    pub phase: String,
    pub disclosure_start: String,
    pub disclosure_end: String,
    pub amount_sought: String,
    pub method: String,
    pub criteria: Vec<Criterion>,
    /// True when a period was counted without the year's official holiday schedule.
    pub periods_provisional: bool,
    pub selection: Option<SelectionView>,
    pub agreement: Option<AgreementView>,
}

// ---------------------------------------------------------------------------------------------
// Service.

/// An investor's amount (fen), bidder number and points (hundredths) per criterion.
type InvestorPoints = (i64, Option<String>, BTreeMap<String, i64>);

pub(crate) struct Row0 {
    pub section_id: String,
    pub project_id: String,
    pub phase: String,
    pub disclosure_end: Timestamp,
    pub amount_sought_fen: i64,
}

/// Who records the enterprise's decisions (the selection, the agreement): the centre's staff and
/// admin, and the enterprise itself (增资企业: a tenderer or agency user of the organization that
/// registered the project). Anyone else of those roles gets 404, as for the view.
pub(crate) async fn require_recorder(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    section_id: &str,
) -> Result<()> {
    actor.require(&[Role::Staff, Role::Admin, Role::Tenderer, Role::Agency])?;
    if matches!(actor.role, Role::Tenderer | Role::Agency) {
        let org = actor.org_id.as_deref().unwrap_or_default();
        if !crate::property::is_transferor(&mut *conn, section_id, org).await? {
            return Err(Error::not_found("capital increase"));
        }
    }
    Ok(())
}

pub(crate) async fn load(conn: &mut sqlx::AnyConnection, id: &str, lock: &str) -> Result<Row0> {
    let r = sqlx::query(&format!(
        "SELECT section_id, project_id, phase, disclosure_end, amount_sought_fen \
         FROM capital_increases WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("capital increase"))?;
    Ok(Row0 {
        section_id: r.try_get(0)?,
        project_id: r.try_get(1)?,
        phase: r.try_get(2)?,
        disclosure_end: from_micros(r.try_get(3)?),
        amount_sought_fen: r.try_get(4)?,
    })
}

fn money(v: &mut Vec<FieldError>, field: &str, s: &str) -> Option<Money> {
    match Money::parse_str(s) {
        Ok(m) if m.fen() > 0 => Some(m),
        Ok(_) => {
            v.push(FieldError::new(field, "money.positive", "must be positive"));
            None
        }
        Err(mut e) => {
            e.field = field.to_string();
            v.push(e);
            None
        }
    }
}

/// Open the capital increase of a `capital_increase` section (staff, admin, or the enterprise —
/// 增资企业, a tenderer or agency user of the organization that registered it; 404 for another).
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    n: NewCapitalIncrease,
) -> Result<CapitalIncreaseView> {
    require_recorder(&mut *ctx.db.pool().acquire().await?, actor, &n.section_id).await?;
    let r = CapitalIncreaseRules::national();
    let sec = sqlx::query(
        "SELECT project_id, market, procedure, announced_at FROM auction_sections WHERE section_id = $1",
    )
    .bind(&n.section_id)
    .fetch_optional(ctx.db.pool())
    .await?
    .ok_or_else(|| Error::not_found("section"))?;
    let project_id: String = sec.try_get(0)?;
    let market: String = sec.try_get(1)?;
    let procedure: String = sec.try_get(2)?;
    let announced: Option<i64> = sec.try_get(3)?;
    if market != "property" || procedure != "capital_increase" {
        return Err(Error::conflict(
            "capital.procedure",
            "only a section of procedure capital_increase (企业增资, property market) is a capital increase",
        ));
    }
    let mut v = Vec::new();
    let mut missing = crate::rules::Missing::new();
    let start = n.disclosure_start.with_timezone(&chrono::Utc);
    let end = n.disclosure_end.with_timezone(&chrono::Utc);
    match announced.map(from_micros) {
        None => v.push(FieldError::new(
            "section_id",
            "capital.announcement_published",
            "the capital increase's disclosure announcement (增资公告, type property_disclosure) is not published yet",
        )),
        Some(a) => v.extend(check_disclosure(&r, &ctx.calendar, a, start, end, &mut missing)),
    }
    let sought = money(&mut v, "amount_sought", &n.amount_sought);
    if n.method != "competitive_negotiation" && n.method != "comprehensive_evaluation" {
        v.push(FieldError::new(
            "method",
            "capital.method",
            format!(
                "competitive_negotiation (竞争性谈判) or comprehensive_evaluation (综合评议) ({})",
                r.selection_source
            ),
        ));
    }
    v.extend(check_criteria(&n.criteria));
    let (Some(sought), true) = (sought, v.is_empty()) else {
        return Err(Error::Validation(v));
    };
    let now = ctx.clock.now();
    let id = ids::new_id();
    let mut tx = ctx.db.begin().await?;
    let res = sqlx::query(
        "INSERT INTO capital_increases (id, section_id, project_id, disclosure_start, disclosure_end, \
         amount_sought_fen, method, phase, periods_provisional, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'disclosure', $8, $9, $10) ON CONFLICT (section_id) DO NOTHING",
    )
    .bind(&id)
    .bind(&n.section_id)
    .bind(&project_id)
    .bind(to_micros(start))
    .bind(to_micros(end))
    .bind(sought.fen())
    .bind(&n.method)
    .bind(i64::from(!missing.is_empty()))
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() != 1 {
        tx.rollback().await?;
        return Err(Error::conflict(
            "capital.one_per_section",
            "the section already has its capital increase",
        ));
    }
    for (i, c) in n.criteria.iter().enumerate() {
        sqlx::query(
            "INSERT INTO capital_increase_criteria (capital_increase_id, seq, name, weight) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(i as i64)
        .bind(c.name.trim())
        .bind(c.weight)
        .execute(&mut *tx)
        .await?;
    }
    if !missing.is_empty() {
        ggzy_store::calendar::note_missing(
            &mut tx,
            &ctx.db,
            now,
            &missing,
            "auctions.capital_increase_period",
        )
        .await?;
    }
    ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "auctions.capital_increase.opened",
            "capital_increase",
            &id,
            json!({"capital_increase_id": id, "section_id": n.section_id,
                   "project_id": project_id, "market": "property",
                   "disclosure_start": start.to_rfc3339(), "disclosure_end": end.to_rfc3339(),
                   "amount_sought": sought.to_string(), "method": n.method,
                   "criteria": n.criteria, "source": r.disclosure_source}),
        ),
    )
    .await?;
    let answer = view_of(&mut tx, &id).await?;
    ctx.db.commit_answering(tx, 201, &answer, now).await?;
    Ok(answer)
}

/// Record the enterprise's selection (staff, admin, or the enterprise itself): after the disclosure end, every qualified
/// investor scored on every disclosed criterion; the highest total is selected.
pub async fn select(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    input: SelectionInput,
) -> Result<CapitalIncreaseView> {
    actor.require(&[Role::Staff, Role::Admin, Role::Tenderer, Role::Agency])?;
    let r = CapitalIncreaseRules::national();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let ci = load(&mut tx, id, ctx.db.for_update()).await?;
    require_recorder(&mut tx, actor, &ci.section_id).await?;
    if ci.phase != "disclosure" {
        return Err(Error::conflict(
            "capital.selected",
            format!("the investor is already selected (phase {})", ci.phase),
        ));
    }
    if now < ci.disclosure_end {
        return Err(Error::conflict(
            "capital.disclosure_running",
            format!(
                "investors are selected after the disclosure ends ({})",
                ci.disclosure_end.to_rfc3339()
            ),
        ));
    }
    let criteria: Vec<(String, i64)> = sqlx::query(
        "SELECT name, weight FROM capital_increase_criteria WHERE capital_increase_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<_>>()?;
    let qualified: Vec<String> = sqlx::query(
        "SELECT org_id FROM auction_bidders WHERE section_id = $1 AND number IS NOT NULL ORDER BY number",
    )
    .bind(&ci.section_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| Ok(r.try_get(0)?))
    .collect::<Result<_>>()?;
    if qualified.is_empty() {
        return Err(Error::conflict(
            "capital.no_investor",
            "no qualified investor (意向投资方 registered with a valid deposit) applied",
        ));
    }
    let mut v = Vec::new();
    let mut scored = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, s) in input.scores.iter().enumerate() {
        if !qualified.contains(&s.org_id) || !seen.insert(s.org_id.clone()) {
            v.push(FieldError::new(
                format!("scores[{i}].org_id"),
                "capital.selection_investor",
                "a qualified investor of this capital increase (registered, deposit valid), once",
            ));
            continue;
        }
        let amount = money(&mut v, &format!("scores[{i}].amount"), &s.amount);
        let mut points = Vec::new();
        let names: std::collections::BTreeSet<&str> =
            criteria.iter().map(|(n, _)| n.as_str()).collect();
        if s.points.keys().any(|k| !names.contains(k.as_str())) || s.points.len() != names.len() {
            v.push(FieldError::new(
                format!("scores[{i}].points"),
                "capital.selection_criteria",
                format!(
                    "points for exactly the disclosed criteria: {}",
                    criteria
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            continue;
        }
        for (name, weight) in &criteria {
            match parse_points(&s.points[name]) {
                Some(p) if p <= weight * 100 => points.push((name.clone(), p)),
                _ => v.push(FieldError::new(
                    format!("scores[{i}].points.{name}"),
                    "capital.selection_points",
                    format!("between 0 and the criterion's weight {weight}, at most 2 decimals"),
                )),
            }
        }
        if let (Some(a), true) = (amount, points.len() == criteria.len()) {
            scored.push(Scored {
                org_id: s.org_id.clone(),
                amount_fen: a.fen(),
                total_centi: points.iter().map(|(_, p)| p).sum(),
                points,
            });
        }
    }
    let missing_investors: Vec<&String> = qualified.iter().filter(|o| !seen.contains(*o)).collect();
    if !missing_investors.is_empty() {
        v.push(FieldError::new(
            "scores",
            "capital.selection_incomplete",
            format!(
                "the decision scores every qualified investor; {} not scored",
                missing_investors.len()
            ),
        ));
    }
    if input.notes.trim().is_empty() || input.notes.chars().count() > 4000 {
        v.push(FieldError::new(
            "notes",
            "capital.selection_notes",
            "the record of the negotiation or evaluation (遴选记录), at most 4000 characters",
        ));
    }
    if !v.is_empty() {
        return Err(Error::Validation(v));
    }
    let seed = ids::random_hex(32);
    let (ranked, tied) = rank(scored, &seed);
    let lot_seed = (!tied.is_empty()).then(|| seed.clone());
    let winner = ranked[0].clone();
    for s in &ranked {
        for (name, p) in &s.points {
            sqlx::query(
                "INSERT INTO capital_increase_scores (capital_increase_id, org_id, amount_fen, \
                 criterion, points_centi) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&s.org_id)
            .bind(s.amount_fen)
            .bind(name)
            .bind(*p)
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query(
        "INSERT INTO capital_increase_selections (capital_increase_id, investor_org_id, amount_fen, \
         total_centi, lot_seed, notes, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(&winner.org_id)
    .bind(winner.amount_fen)
    .bind(winner.total_centi)
    .bind(&lot_seed)
    .bind(input.notes.trim())
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE capital_increases SET phase = 'selected' WHERE id = $1 AND phase = 'disclosure'",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "auctions.capital_increase.selected",
            "capital_increase",
            id,
            json!({"capital_increase_id": id, "section_id": ci.section_id,
                   "project_id": ci.project_id, "investor_org_id": winner.org_id,
                   "amount": Money::from_fen(winner.amount_fen).to_string(),
                   "total": points_str(winner.total_centi),
                   "ranking": ranked.iter().map(|s| json!({"org_id": s.org_id,
                        "total": points_str(s.total_centi)})).collect::<Vec<_>>(),
                   "lot": lot_seed.as_ref().map(|s| json!({"seed": s, "tied": tied,
                        "rule": ggzy_core::lot::RULE})),
                   "source": r.selection_source}),
        ),
    )
    .await?;
    let answer = view_of(&mut tx, id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

/// Record the capital-increase agreement (staff, admin, or the enterprise itself) and start the result publicity; the
/// agreement is the deal (`auctions.deal.confirmed`, `via: "capital_increase"`).
pub async fn agree(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    input: AgreementInput,
) -> Result<CapitalIncreaseView> {
    actor.require(&[Role::Staff, Role::Admin, Role::Tenderer, Role::Agency])?;
    let r = CapitalIncreaseRules::national();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let ci = load(&mut tx, id, ctx.db.for_update()).await?;
    require_recorder(&mut tx, actor, &ci.section_id).await?;
    if ci.phase != "selected" {
        return Err(Error::conflict(
            "capital.not_selected",
            format!(
                "the agreement follows the investor's selection (phase {})",
                ci.phase
            ),
        ));
    }
    let sel = sqlx::query(
        "SELECT investor_org_id, amount_fen, decided_at FROM capital_increase_selections \
         WHERE capital_increase_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let investor: String = sel.try_get(0)?;
    let amount_fen: i64 = sel.try_get(1)?;
    let decided_at = from_micros(sel.try_get(2)?);
    let mut v = Vec::new();
    let no = input.agreement_no.trim();
    if no.is_empty() || no.chars().count() > 100 {
        v.push(FieldError::new(
            "agreement_no",
            "capital.agreement_no",
            "the agreement's number, at most 100 characters",
        ));
    }
    let today = local_date(now);
    if input.signed_on < local_date(decided_at) || input.signed_on > today {
        v.push(FieldError::new(
            "signed_on",
            "capital.agreement_signed_on",
            format!(
                "signed on or after the selection ({}) and not after today ({today})",
                local_date(decided_at)
            ),
        ));
    }
    let end = input.publicity_end.with_timezone(&chrono::Utc);
    let mut missing = crate::rules::Missing::new();
    v.extend(check_publicity(&r, &ctx.calendar, now, end, &mut missing));
    if !v.is_empty() {
        return Err(Error::Validation(v));
    }
    let deal_id = ids::new_id();
    sqlx::query(
        "INSERT INTO capital_increase_agreements (capital_increase_id, deal_id, agreement_no, \
         signed_on, amount_fen, publicity_start, publicity_end, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(&deal_id)
    .bind(no)
    .bind(input.signed_on.to_string())
    .bind(amount_fen)
    .bind(to_micros(now))
    .bind(to_micros(end))
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE capital_increases SET phase = 'agreed' WHERE id = $1 AND phase = 'selected'",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if !missing.is_empty() {
        ggzy_store::calendar::note_missing(
            &mut tx,
            &ctx.db,
            now,
            &missing,
            "auctions.capital_increase_period",
        )
        .await?;
    }
    let number: Option<String> =
        sqlx::query("SELECT number FROM auction_bidders WHERE section_id = $1 AND org_id = $2")
            .bind(&ci.section_id)
            .bind(&investor)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?
            .flatten();
    let bidders: Vec<String> = sqlx::query(
        "SELECT org_id FROM auction_bidders WHERE section_id = $1 AND number IS NOT NULL ORDER BY number",
    )
    .bind(&ci.section_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| Ok(r.try_get(0)?))
    .collect::<Result<_>>()?;
    let losers: Vec<&String> = bidders.iter().filter(|o| **o != investor).collect();
    let price = Money::from_fen(amount_fen).to_string();
    ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "auctions.capital_increase.agreed",
            "capital_increase",
            id,
            json!({"capital_increase_id": id, "deal_id": deal_id, "section_id": ci.section_id,
                   "project_id": ci.project_id, "investor_org_id": investor, "amount": price,
                   "amount_sought": Money::from_fen(ci.amount_sought_fen).to_string(),
                   "agreement_no": no, "signed_on": input.signed_on.to_string(),
                   "publicity_start": now.to_rfc3339(), "publicity_end": end.to_rfc3339(),
                   "source": r.publicity_source}),
        ),
    )
    .await?;
    // The agreement is the deal: deposits settle it, publishing drafts the result announcement,
    // projects concludes the section (the same consumers as a listing's deal).
    ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "auctions.deal.confirmed",
            "capital_increase",
            id,
            json!({"deal_id": deal_id, "auction_id": id, "capital_increase_id": id,
                   "section_id": ci.section_id, "project_id": ci.project_id,
                   "market": "property", "winner_org_id": investor,
                   "winner_number": number.unwrap_or_default(), "price": price,
                   "via": "capital_increase", "confirmed_at": now.to_rfc3339(),
                   "publicity_start_at": now.to_rfc3339(), "publicity_end_at": end.to_rfc3339(),
                   "bidder_org_ids": bidders, "loser_org_ids": losers}),
        ),
    )
    .await?;
    let answer = view_of(&mut tx, id).await?;
    ctx.db.commit_answering(tx, 201, &answer, now).await?;
    Ok(answer)
}

/// The capital increase (staff, admin, supervisor; the enterprise that registered the project
/// reads its own — 404 for anyone else).
pub async fn view(ctx: &Ctx, actor: &Actor, id: &str) -> Result<CapitalIncreaseView> {
    actor.require(&[
        Role::Staff,
        Role::Admin,
        Role::Supervisor,
        Role::Tenderer,
        Role::Agency,
    ])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let ci = load(&mut conn, id, "").await?;
    if matches!(actor.role, Role::Tenderer | Role::Agency) {
        let org = actor.org_id.as_deref().unwrap_or_default();
        if !crate::property::is_transferor(&mut conn, &ci.section_id, org).await? {
            return Err(Error::not_found("capital increase"));
        }
    }
    view_of(&mut conn, id).await
}

async fn view_of(conn: &mut sqlx::AnyConnection, id: &str) -> Result<CapitalIncreaseView> {
    let r = sqlx::query(
        "SELECT section_id, project_id, phase, disclosure_start, disclosure_end, amount_sought_fen, \
         method, periods_provisional FROM capital_increases WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("capital increase"))?;
    let section_id: String = r.try_get(0)?;
    let criteria: Vec<Criterion> = sqlx::query(
        "SELECT name, weight FROM capital_increase_criteria WHERE capital_increase_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Criterion {
            name: r.try_get(0)?,
            weight: r.try_get(1)?,
        })
    })
    .collect::<Result<_>>()?;
    let selection = match sqlx::query(
        "SELECT investor_org_id, amount_fen, total_centi, lot_seed, notes, decided_at \
         FROM capital_increase_selections WHERE capital_increase_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    {
        None => None,
        Some(s) => {
            let rows = sqlx::query(
                "SELECT c.org_id, c.amount_fen, c.criterion, c.points_centi, b.number \
                 FROM capital_increase_scores c LEFT JOIN auction_bidders b \
                 ON b.section_id = $2 AND b.org_id = c.org_id \
                 WHERE c.capital_increase_id = $1 ORDER BY c.org_id, c.criterion",
            )
            .bind(id)
            .bind(&section_id)
            .fetch_all(&mut *conn)
            .await?;
            let mut by_org: BTreeMap<String, InvestorPoints> = BTreeMap::new();
            for row in &rows {
                let e = by_org.entry(row.try_get(0)?).or_insert((
                    row.try_get(1)?,
                    row.try_get(4)?,
                    BTreeMap::new(),
                ));
                e.2.insert(row.try_get(2)?, row.try_get(3)?);
            }
            let mut scores: Vec<ScoreView> = by_org
                .into_iter()
                .map(|(org_id, (amount, number, pts))| ScoreView {
                    org_id,
                    bidder_number: number,
                    amount: Money::from_fen(amount).to_string(),
                    total: points_str(pts.values().sum()),
                    points: pts.into_iter().map(|(k, p)| (k, points_str(p))).collect(),
                    rank: 0,
                })
                .collect();
            let winner: String = s.try_get(0)?;
            let total_of = |v: &ScoreView| parse_points(&v.total).unwrap_or(0);
            scores.sort_by(|a, b| {
                (b.org_id == winner)
                    .cmp(&(a.org_id == winner))
                    .then(total_of(b).cmp(&total_of(a)))
            });
            for (i, sc) in scores.iter_mut().enumerate() {
                sc.rank = i as i64 + 1;
            }
            Some(SelectionView {
                investor_org_id: winner,
                amount: Money::from_fen(s.try_get(1)?).to_string(),
                total: points_str(s.try_get(2)?),
                lot_seed: s.try_get(3)?,
                notes: s.try_get(4)?,
                decided_at: from_micros(s.try_get(5)?).to_rfc3339(),
                scores,
            })
        }
    };
    let agreement = sqlx::query(
        "SELECT deal_id, agreement_no, signed_on, amount_fen, publicity_start, publicity_end \
         FROM capital_increase_agreements WHERE capital_increase_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(|a| -> Result<AgreementView> {
        Ok(AgreementView {
            deal_id: a.try_get(0)?,
            agreement_no: a.try_get(1)?,
            signed_on: a.try_get(2)?,
            amount: Money::from_fen(a.try_get(3)?).to_string(),
            publicity_start: from_micros(a.try_get(4)?).to_rfc3339(),
            publicity_end: from_micros(a.try_get(5)?).to_rfc3339(),
        })
    })
    .transpose()?;
    Ok(CapitalIncreaseView {
        id: id.to_string(),
        section_id,
        project_id: r.try_get(1)?,
        phase: r.try_get(2)?,
        disclosure_start: from_micros(r.try_get(3)?).to_rfc3339(),
        disclosure_end: from_micros(r.try_get(4)?).to_rfc3339(),
        amount_sought: Money::from_fen(r.try_get(5)?).to_string(),
        method: r.try_get(6)?,
        criteria,
        periods_provisional: r.try_get::<i64, _>(7)? != 0,
        selection,
        agreement,
    })
}

// ---------------------------------------------------------------------------------------------
// Routes.

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(create_route))
        .routes(routes!(get_route))
        .routes(routes!(select_route))
        .routes(routes!(agree_route))
        .merge(crate::capital_follow::router())
}

/// Open a capital increase (企业增资) of a `capital_increase` section: its disclosure (≥ 40
/// working days from the published announcement, 32号令 第三十九条), amount sought, selection
/// method and disclosed criteria.
#[utoipa::path(post, path = "/api/v1/capital-increases", tag = "auctions",
    security(("bearer" = [])), request_body = NewCapitalIncrease,
    responses((status = 201, body = CapitalIncreaseView), (status = 403), (status = 404),
              (status = 409, description = "not a capital-increase section, or already opened"),
              (status = 422, description = "period, amount, method or criteria rule broken")))]
async fn create_route(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Json(n): Json<NewCapitalIncrease>,
) -> Result<(axum::http::StatusCode, Json<CapitalIncreaseView>)> {
    actor.require(&[Role::Staff, Role::Admin, Role::Tenderer, Role::Agency])?;
    let v = create(&ctx, &actor, n).await?;
    Ok((axum::http::StatusCode::CREATED, Json(v)))
}

/// A capital increase with its criteria, the scored selection and the agreement.
#[utoipa::path(get, path = "/api/v1/capital-increases/{id}", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CapitalIncreaseView), (status = 403), (status = 404)))]
async fn get_route(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<CapitalIncreaseView>> {
    Ok(Json(view(&ctx, &actor, &id).await?))
}

/// Record the enterprise's selection (遴选) after the disclosure: every qualified investor's
/// points on every disclosed criterion; the highest total is the investor (not the highest amount).
#[utoipa::path(post, path = "/api/v1/capital-increases/{id}/selection", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = SelectionInput,
    responses((status = 200, body = CapitalIncreaseView), (status = 403), (status = 404),
              (status = 409, description = "disclosure running, no investor, or already selected"),
              (status = 422, description = "an investor, criterion, points or the record is invalid")))]
async fn select_route(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<SelectionInput>,
) -> Result<Json<CapitalIncreaseView>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Tenderer, Role::Agency])?;
    Ok(Json(select(&ctx, &actor, &id, input).await?))
}

/// Record the capital-increase agreement (增资协议) and start the result announcement (≥ 5
/// working days); the agreement is the deal (`auctions.deal.confirmed`).
#[utoipa::path(post, path = "/api/v1/capital-increases/{id}/agreement", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = AgreementInput,
    responses((status = 201, body = CapitalIncreaseView), (status = 403), (status = 404),
              (status = 409, description = "no selection yet, or already agreed"),
              (status = 422, description = "number, date or publicity period invalid")))]
async fn agree_route(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<AgreementInput>,
) -> Result<(axum::http::StatusCode, Json<CapitalIncreaseView>)> {
    actor.require(&[Role::Staff, Role::Admin, Role::Tenderer, Role::Agency])?;
    let v = agree(&ctx, &actor, &id, input).await?;
    Ok((axum::http::StatusCode::CREATED, Json(v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ggzy_core::time::at_local;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn points_have_at_most_two_decimals() {
        assert_eq!(parse_points("12.5"), Some(1250));
        assert_eq!(parse_points("0"), Some(0));
        assert_eq!(parse_points("40.05"), Some(4005));
        for bad in ["", "-1", "1.234", "1.", ".5", "1e2", "1000"] {
            assert_eq!(parse_points(bad), None, "{bad}");
        }
    }

    #[test]
    fn criteria_weights_sum_to_100_and_names_are_distinct() {
        let c = |n: &str, w| Criterion {
            name: n.into(),
            weight: w,
        };
        assert!(check_criteria(&[c("投资金额", 40), c("产业协同", 60)]).is_empty());
        let v = check_criteria(&[c("投资金额", 40), c("产业协同", 59)]);
        assert_eq!(v[0].rule, "capital.criteria_weight_sum");
        let v = check_criteria(&[c("a", 50), c("a", 50)]);
        assert_eq!(v[0].rule, "capital.criteria_name");
        assert_eq!(check_criteria(&[])[0].rule, "capital.criteria");
    }

    #[test]
    fn the_highest_total_wins_not_the_highest_amount_and_a_tie_goes_to_the_lot() {
        let s = |o: &str, amount, total| Scored {
            org_id: o.into(),
            amount_fen: amount,
            points: vec![],
            total_centi: total,
        };
        let (r, tied) = rank(vec![s("a", 900, 8000), s("b", 100, 8550)], "seed");
        assert_eq!(r[0].org_id, "b");
        assert!(tied.is_empty());
        // Equal totals: the lower lot key first, whatever the organization ids.
        let (r, tied) = rank(vec![s("a", 1, 9000), s("b", 1, 9000), s("c", 1, 100)], "x");
        assert_eq!(tied.len(), 2);
        let first = if ggzy_core::lot::key("x", "a") < ggzy_core::lot::key("x", "b") {
            "a"
        } else {
            "b"
        };
        assert_eq!(r[0].org_id, first);
        assert_eq!(r[2].org_id, "c");
    }

    #[test]
    fn the_disclosure_lasts_40_working_days_and_the_publicity_5() {
        let cal = BusinessCalendar::official();
        let r = CapitalIncreaseRules::national();
        // Announced Thursday 2026-04-02 (清明 04-04..06, 劳动节 05-01..05, make-up Saturday
        // 05-09): the 40th working day is Tuesday 2026-06-02; its 24:00 is the earliest end.
        let a = at_local(d("2026-04-02"), 9, 0, 0);
        let mut m = crate::rules::Missing::new();
        let last = period::last_day(&cal, d("2026-04-02"), Days::working(40)).value;
        assert_eq!(last, d("2026-06-02"));
        let ok = period::end_of_day(last);
        assert!(check_disclosure(&r, &cal, a, a, ok, &mut m).is_empty());
        let v = check_disclosure(&r, &cal, a, a, ok - chrono::Duration::seconds(1), &mut m);
        assert_eq!(v[0].rule, "capital.disclosure_period");
        // Publicity from Tuesday 2026-03-31: 5 working days across 清明 → 24:00 of 04-08.
        let p = at_local(d("2026-03-31"), 10, 0, 0);
        let end = period::end_of_day(d("2026-04-08"));
        assert!(check_publicity(&r, &cal, p, end, &mut m).is_none());
        assert!(check_publicity(&r, &cal, p, end - chrono::Duration::seconds(1), &mut m).is_some());
    }
}
