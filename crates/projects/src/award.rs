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
use ggzy_core::events::{ActorRef, Event, NewEvent};
use ggzy_core::ident::Market;
use ggzy_core::time::{at_local, display_local, from_micros, local_date, to_micros};
use ggzy_core::{Clock, Error, FieldError, Money, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, Ctx, Db, Tx};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use std::str::FromStr;
use utoipa::ToSchema;

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
    let row = sqlx::query(
        "SELECT max_candidates, max_candidates_source, publicity_min_days, publicity_source, \
         objection_answer_days, objection_source, contract_days, contract_source \
         FROM award_rules WHERE market = $1 AND (region = $2 OR region = $3) \
         ORDER BY CASE WHEN region = $3 THEN 1 ELSE 0 END LIMIT 1",
    )
    .bind(market.as_str())
    .bind(region)
    .bind(NATIONAL)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else {
        return Ok(AwardRules::national(market));
    };
    let n = |v: i64| u32::try_from(v).map_err(|_| Error::internal("award_rules: negative value"));
    Ok(AwardRules {
        market,
        max_candidates: n(r.try_get(0)?)?,
        max_candidates_source: r.try_get(1)?,
        publicity_min_days: n(r.try_get(2)?)?,
        publicity_source: r.try_get(3)?,
        objection_answer_days: n(r.try_get(4)?)?,
        objection_source: r.try_get(5)?,
        contract_days: n(r.try_get(6)?)?,
        contract_source: r.try_get(7)?,
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
    let sql = format!(
        "SELECT s.project_id, p.code, s.section_no, p.market, p.procedure, p.region, p.owner_org_id, \
         s.state, s.bid_deadline, s.opening_at FROM sections s JOIN projects p ON p.id = s.project_id \
         WHERE s.id = $1{}",
        if lock { db.for_update() } else { "" }
    );
    let r = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {id}")))?;
    let market: String = r.try_get(3)?;
    Ok(Sec {
        project_id: r.try_get(0)?,
        project_code: r.try_get(1)?,
        section_no: r.try_get(2)?,
        market: Market::parse(&market)
            .map_err(|_| Error::internal(format!("stored market '{market}'")))?,
        procedure: r.try_get(4)?,
        region: r.try_get(5)?,
        owner_org_id: r.try_get(6)?,
        state: SectionState::parse(&r.try_get::<String, _>(7)?)?,
        bid_deadline: from_micros(r.try_get(8)?),
        opening_at: from_micros(r.try_get(9)?),
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
// Evaluation result and candidate publicity.

/// One ranked candidate as submitted (in ranking order, best first).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RankedInput {
    pub org_id: String,
    /// Evaluated bid price, CNY (decimal string or number).
    #[schema(value_type = String)]
    pub price: Value,
    /// Score given by the committee, optional (decimal).
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub score: Option<Value>,
}

/// The committee's result for a section.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EvaluationResultInput {
    /// Reference of the evaluation report (评标报告).
    pub report_ref: String,
    /// Ranked candidates, best first (at most 3).
    pub ranking: Vec<RankedInput>,
    /// Publicity length in calendar days; the rules' minimum when absent.
    #[serde(default)]
    pub publicity_days: Option<i64>,
    /// The draw (`experts.draw.completed`) of the evaluation committee whose result this is;
    /// required when the result is entered through the API.
    #[serde(default)]
    pub committee_draw_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Candidate {
    pub rank: i64,
    pub org_id: String,
    pub org_name: String,
    pub uscc: String,
    pub price: Money,
    pub score: Option<String>,
}

/// A section's evaluation result and candidate publicity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Publicity {
    pub section_id: String,
    pub project_id: String,
    pub report_ref: String,
    /// `api` or `event` (from the online evaluation).
    pub source: String,
    pub candidates: Vec<Candidate>,
    pub publicity_days: i64,
    pub publicity_starts_at: DateTime<Utc>,
    pub publicity_ends_at: DateTime<Utc>,
    /// The end was computed with weekends only for a year without a holiday schedule; it is
    /// re-derived when the schedule is imported (docs/calendar.md).
    pub publicity_ends_at_provisional: bool,
}

fn decimal_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Decimal::from_str(s.trim()).ok().map(|d| d.to_string()),
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .ok()
            .map(|d| d.to_string()),
        _ => None,
    }
}

/// Record the committee's result and start the candidate publicity: evaluating → publicizing,
/// event `projects.candidates.publicized`. Nothing is written unless every check passes.
pub async fn accept_result(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    now: Timestamp,
    section_id: &str,
    input: &EvaluationResultInput,
    source: &str,
) -> Result<Publicity> {
    let sec = load_sec(db, tx, section_id, true).await?;
    let next = transition(sec.state, SectionAction::Publicize)?;
    // An entry by hand is bound to a committee the experts area recorded for this section (issue 24,
    // item 8): without one there is no result to enter. A signed report (source `event`) comes
    // from the online evaluation, i.e. from the committee itself.
    if source == "api" {
        require_committee(tx, section_id, input.committee_draw_id.as_deref()).await?;
    }
    let rules = load_rules(tx, &sec.region, sec.market).await?;
    let mut v = Violations::new();
    let report_ref = required_text(&mut v, "report_ref", &input.report_ref, 200);
    if input.ranking.is_empty() {
        v.push(
            "ranking",
            "ranking.required",
            "at least one ranked candidate is required",
        );
    }
    if input.ranking.len() > rules.max_candidates as usize {
        v.push(
            "ranking",
            "ranking.max_candidates",
            format!(
                "at most {} candidates may be ranked ({})",
                rules.max_candidates, rules.max_candidates_source
            ),
        );
    }
    // A negotiating non-tender method's price is the final quote (最后报价) of its final round
    // (政府采购法 第三十八条; crate::nontender), not the sealed first response.
    let final_quotes = crate::nontender::final_quotes(tx, section_id).await?;
    let mut candidates = Vec::new();
    for (i, c) in input.ranking.iter().enumerate() {
        let f = |n: &str| format!("ranking[{i}].{n}");
        if input.ranking[..i].iter().any(|o| o.org_id == c.org_id) {
            v.push(
                f("org_id"),
                "candidate.duplicate",
                "an organization may be ranked only once",
            );
            continue;
        }
        let reg = sqlx::query(
            "SELECT org_name, uscc FROM section_registrations WHERE section_id = $1 AND org_id = $2",
        )
        .bind(section_id)
        .bind(&c.org_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(reg) = reg else {
            v.push(
                f("org_id"),
                "candidate.not_registered",
                format!(
                    "organization {} is not a registered bidder of this section",
                    c.org_id
                ),
            );
            continue;
        };
        let opened = sqlx::query(
            "SELECT price_fen FROM bids WHERE section_id = $1 AND org_id = $2 AND status = 'current' \
             AND decryption = 'decrypted'",
        )
        .bind(section_id)
        .bind(&c.org_id)
        .fetch_optional(&mut **tx)
        .await?;
        let opened_price = match &opened {
            Some(r) => r.try_get::<Option<i64>, _>(0)?.map(Money::from_fen),
            None => None,
        };
        let opened_price = match &final_quotes {
            Some(f) => f.get(&c.org_id).copied().or(opened_price),
            None => opened_price,
        };
        if opened.is_none() {
            v.push(
                f("org_id"),
                "candidate.bid_not_opened",
                format!(
                    "organization {} has no bid opened (decrypted) at the opening of this section",
                    c.org_id
                ),
            );
        }
        let price = match decimal_of(&c.price) {
            Some(s) => v.take(&f("price"), Money::parse_str(&s)),
            None => {
                v.push(f("price"), "money.format", "price must be a decimal amount");
                None
            }
        };
        if price.is_some_and(|p| p.is_zero()) {
            v.push(
                f("price"),
                "candidate.price_positive",
                "price must be greater than zero",
            );
        }
        // The price is the one read from the candidate's sealed bid at the opening, never a new one
        // typed in afterwards (招标投标法 第四十三条: no negotiation on price before the award).
        if let (Some(p), Some(o)) = (price, opened_price) {
            if p != o {
                v.push(
                    f("price"),
                    "candidate.price_not_bid",
                    format!(
                        "price must be the price read from this bidder's bid at the opening ({o}); \
                         the committee cannot change it (招标投标法 第四十三条)"
                    ),
                );
            }
        }
        let score = match &c.score {
            None | Some(Value::Null) => None,
            Some(s) => {
                let d = decimal_of(s);
                if d.is_none() {
                    v.push(f("score"), "score.format", "score must be a decimal number");
                }
                d
            }
        };
        if let Some(price) = price {
            candidates.push(Candidate {
                rank: i64::try_from(i + 1).unwrap_or(i64::MAX),
                org_id: c.org_id.clone(),
                org_name: reg.try_get(0)?,
                uscc: reg.try_get(1)?,
                price,
                score,
            });
        }
    }
    // Government procurement publicizes no candidates: the purchaser confirms the winner from the
    // report and the result is announced (政府采购法实施条例 第四十三条; crate::procurement).
    let procurement = sec.market == Market::Procurement;
    let days = if procurement {
        Some(0)
    } else {
        v.take(
            "publicity_days",
            check_publicity_days(
                &rules,
                input
                    .publicity_days
                    .unwrap_or(i64::from(rules.publicity_min_days)),
            ),
        )
    };
    v.into_result()?;
    let days = days.ok_or_else(|| Error::internal("publicity days checked"))?;
    let ends = if procurement {
        Reckoned::exact(now)
    } else {
        period_end(db.calendar(), now, days)
    };
    if ends.provisional() {
        ggzy_store::calendar::note_missing(tx, db, now, &ends.missing, "projects.publicity_end")
            .await?;
    }
    let provisional = ends.provisional();
    let ends = ends.value;
    let cand_json =
        serde_json::to_string(&candidates).map_err(|e| Error::internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO section_evaluations (section_id, report_ref, source, candidates, publicity_days, \
         publicity_starts_at, publicity_ends_at, submitted_by, created_at, publicity_ends_provisional) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(section_id)
    .bind(&report_ref)
    .bind(source)
    .bind(&cand_json)
    .bind(i64::from(days))
    .bind(to_micros(now))
    .bind(to_micros(ends))
    .bind(&by.id)
    .bind(to_micros(now))
    .bind(i64::from(provisional))
    .execute(&mut **tx)
    .await?;
    set_state(tx, section_id, sec.state, next, now).await?;
    if procurement {
        crate::procurement::on_report(
            tx,
            db,
            by,
            now,
            section_id,
            &sec.project_id,
            &sec.region,
            &report_ref,
            &candidates,
        )
        .await?;
        return Ok(Publicity {
            section_id: section_id.to_string(),
            project_id: sec.project_id,
            report_ref,
            source: source.to_string(),
            candidates,
            publicity_days: 0,
            publicity_starts_at: now,
            publicity_ends_at: ends,
            publicity_ends_at_provisional: false,
        });
    }
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "projects.candidates.publicized",
            "section",
            section_id,
            json!({"section_id": section_id, "project_id": sec.project_id, "market": sec.market.as_str(),
                   "procedure": sec.procedure, "report_ref": report_ref, "source": source,
                   "candidates": candidates.iter().map(|c| json!({"rank": c.rank, "org_id": c.org_id,
                       "org_name": c.org_name, "uscc": c.uscc, "price": c.price.to_string(), "score": c.score}))
                       .collect::<Vec<_>>(),
                   "publicity_days": days,
                   "publicity_starts_at": now.to_rfc3339(), "publicity_ends_at": ends.to_rfc3339(),
                   "publicity_ends_at_provisional": provisional,
                   "basis": rules.publicity_source}),
        ),
    )
    .await?;
    Ok(Publicity {
        section_id: section_id.to_string(),
        project_id: sec.project_id,
        report_ref,
        source: source.to_string(),
        candidates,
        publicity_days: i64::from(days),
        publicity_starts_at: now,
        publicity_ends_at: ends,
        publicity_ends_at_provisional: provisional,
    })
}

/// 招标投标法 第三十七条 (the committee evaluates) and 第四十条 (it reports and recommends the
/// candidates): a result entered through the API names the committee's draw.
pub const COMMITTEE_SOURCE: &str = "招标投标法 第三十七条, 第四十条";

/// The draw named by an API entry must be an active committee of this section, recorded from the
/// experts area's `experts.draw.completed` ([`Committees`]).
async fn require_committee(tx: &mut Tx, section_id: &str, draw_id: Option<&str>) -> Result<()> {
    let Some(draw_id) = draw_id.map(str::trim).filter(|d| !d.is_empty()) else {
        return Err(Error::field(
            "committee_draw_id",
            "result.committee_required",
            format!(
                "name the draw of the evaluation committee (评标委员会) whose result this is ({COMMITTEE_SOURCE})"
            ),
        ));
    };
    let found = sqlx::query(
        "SELECT 1 FROM section_committees WHERE draw_id = $1 AND section_id = $2 AND active = 1",
    )
    .bind(draw_id)
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?;
    if found.is_none() {
        return Err(Error::field(
            "committee_draw_id",
            "result.committee_unknown",
            format!(
                "draw {draw_id} is not a recorded evaluation committee of this section ({COMMITTEE_SOURCE})"
            ),
        ));
    }
    Ok(())
}

/// Records the evaluation committees of sections from the experts area's events:
/// `experts.draw.completed` (a committee) and `experts.draw.cancelled` (no longer one).
pub struct Committees;

#[async_trait::async_trait]
impl Consumer for Committees {
    fn name(&self) -> &'static str {
        "projects.committees"
    }

    fn wants(&self, event_type: &str) -> bool {
        matches!(
            event_type,
            "experts.draw.completed" | "experts.draw.cancelled"
        )
    }

    async fn handle(&self, tx: &mut Tx, _db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let (Some(draw_id), Some(section_id)) = (p["draw_id"].as_str(), p["section_id"].as_str())
        else {
            tracing::warn!(event = %ev.id, "{} without draw_id/section_id; skipped", ev.event_type);
            return Ok(());
        };
        if ev.event_type == "experts.draw.completed" {
            sqlx::query(
                "INSERT INTO section_committees (draw_id, section_id, session_id, active, recorded_at) \
                 VALUES ($1, $2, $3, 1, $4) ON CONFLICT (draw_id) DO NOTHING",
            )
            .bind(draw_id)
            .bind(section_id)
            .bind(p["session_id"].as_str())
            .bind(to_micros(clock.now()))
            .execute(&mut **tx)
            .await?;
        } else {
            sqlx::query("UPDATE section_committees SET active = 0 WHERE draw_id = $1")
                .bind(draw_id)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

/// Submit the committee's result (staff, or the project's agency).
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn submit_result(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: EvaluationResultInput,
) -> Result<Publicity> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&ctx.db, &mut tx, section_id, false).await?;
    if actor.role == Role::Agency {
        require_owner(actor, &sec)?;
    }
    if crate::rules::Procedure::parse(&sec.procedure).is_ok_and(|p| p.is_non_tender()) {
        return Err(Error::conflict(
            "nontender.result_by_method",
            "a non-tender procurement method ranks by its own rule: POST \
             /api/v1/sections/{id}/nontender-result (docs/procedures.md)",
        ));
    }
    let p = accept_result(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        section_id,
        &input,
        "api",
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &p, now).await?;
    Ok(p)
}

async fn load_publicity(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<Publicity> {
    let r = sqlx::query(
        "SELECT e.report_ref, e.source, e.candidates, e.publicity_days, e.publicity_starts_at, \
         e.publicity_ends_at, s.project_id, e.publicity_ends_provisional FROM section_evaluations e JOIN sections s ON s.id = e.section_id \
         WHERE e.section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found(format!("evaluation result of section {section_id}")))?;
    let cands: String = r.try_get(2)?;
    Ok(Publicity {
        section_id: section_id.to_string(),
        report_ref: r.try_get(0)?,
        source: r.try_get(1)?,
        candidates: serde_json::from_str(&cands)
            .map_err(|e| Error::internal(format!("stored candidates: {e}")))?,
        publicity_days: r.try_get(3)?,
        publicity_starts_at: from_micros(r.try_get(4)?),
        publicity_ends_at: from_micros(r.try_get(5)?),
        project_id: r.try_get(6)?,
        publicity_ends_at_provisional: r.try_get::<i64, _>(7)? != 0,
    })
}

/// The evaluation result and publicity of a section (public to every signed-in role).
pub async fn get_publicity(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Publicity> {
    actor.require(READERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    load_publicity(&mut conn, section_id).await
}

/// Takes `evaluation.report.signed` {section_id, report_id, ranking:[{rank, org_id, price, score}],
/// publicity_days?} from the online evaluation. A result this area refuses is not retried: it is
/// recorded as `projects.evaluation.result_rejected` with the reasons.
pub struct EvaluationReports;

#[async_trait::async_trait]
impl Consumer for EvaluationReports {
    fn name(&self) -> &'static str {
        "projects.evaluation_reports"
    }

    fn wants(&self, event_type: &str) -> bool {
        event_type == "evaluation.report.signed"
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let Some(section_id) = p["section_id"].as_str() else {
            tracing::warn!(event = %ev.id, "evaluation.report.signed without section_id; skipped");
            return Ok(());
        };
        let mut ranking: Vec<&Value> = p["ranking"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        ranking.sort_by_key(|c| c["rank"].as_i64().unwrap_or(i64::MAX));
        let input = EvaluationResultInput {
            report_ref: p["report_id"].as_str().unwrap_or_default().to_string(),
            ranking: ranking
                .into_iter()
                .map(|c| RankedInput {
                    org_id: c["org_id"].as_str().unwrap_or_default().to_string(),
                    price: c["price"].clone(),
                    score: Some(c["score"].clone()),
                })
                .collect(),
            publicity_days: p["publicity_days"].as_i64(),
            committee_draw_id: None,
        };
        let by = ActorRef::system("projects.evaluation_reports");
        let now = clock.now();
        match accept_result(tx, db, &by, now, section_id, &input, "event").await {
            Ok(_) => Ok(()),
            Err(
                e @ (Error::Validation(_)
                | Error::Conflict { .. }
                | Error::NotFound(_)
                | Error::Forbidden(_)),
            ) => {
                let problem = e.to_problem();
                tracing::warn!(event = %ev.id, section_id, "evaluation result refused: {}", problem.detail);
                emit(
                    tx,
                    db,
                    &by,
                    now,
                    NewEvent::new(
                        "projects.evaluation.result_rejected",
                        "section",
                        section_id,
                        json!({"section_id": section_id, "report_id": input.report_ref,
                               "event_id": ev.id, "rule": problem.rule, "detail": problem.detail,
                               "errors": problem.errors}),
                    ),
                )
                .await?;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Objections (异议) to the evaluation result are remedies cases since rem20e: `POST
// /api/v1/sections/{id}/remedies` `{"kind": "objection", "target": "result"}` (crates/remedies,
// docs/remedies.md). The projects area's own path (`POST /api/v1/sections/{id}/objections`, `POST
// /api/v1/objections/{id}/answer`, table `section_objections`) is gone; the table's rows, if any,
// are historical. The award waits for the remedies suspension (`section_suspensions`).

// ---------------------------------------------------------------------------------------------
// Award (定标) and the award notice (中标通知书).

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AwardInput {
    /// The winner; the first candidate when absent.
    #[serde(default)]
    pub winner_org_id: Option<String>,
    /// Required when the winner is not the first candidate (实施条例 55).
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contract {
    pub signed_on: NaiveDate,
    pub amount: Money,
    pub recorded_at: DateTime<Utc>,
    /// Signed after the due date (招标投标法 46).
    pub late: bool,
    /// Performance security (履约保证金) the tenderer required, at most 10 % of the amount.
    pub performance_security: Option<Money>,
}

/// The award and its notice (中标通知书), with the contract once recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Award {
    pub section_id: String,
    pub project_id: String,
    pub notice_no: String,
    pub winner_org_id: String,
    pub winner_name: String,
    pub winner_rank: i64,
    pub price: Money,
    pub reason: Option<String>,
    pub awarded_at: DateTime<Utc>,
    /// The contract must be signed before this instant (end of the last allowed day).
    pub contract_due_at: DateTime<Utc>,
    /// `contract_due_at` was computed with weekends only for a year without a holiday schedule; it
    /// is re-derived when the schedule is imported (docs/calendar.md).
    pub contract_due_at_provisional: bool,
    pub contract: Option<Contract>,
}

async fn load_award(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<Award> {
    let r = sqlx::query(
        "SELECT a.notice_no, a.winner_org_id, a.winner_name, a.winner_rank, a.price_fen, a.reason, \
         a.awarded_at, a.contract_due_at, a.contract_signed_on, a.contract_amount_fen, a.contract_recorded_at, \
         a.contract_late, s.project_id, a.contract_due_provisional, a.performance_security_fen FROM section_awards a \
         JOIN sections s ON s.id = a.section_id WHERE a.section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found(format!("award of section {section_id}")))?;
    let signed_on: Option<String> = r.try_get(8)?;
    let contract = match signed_on {
        Some(d) => Some(Contract {
            signed_on: NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|e| Error::internal(format!("stored contract date '{d}': {e}")))?,
            amount: Money::from_fen(r.try_get::<Option<i64>, _>(9)?.unwrap_or_default()),
            recorded_at: from_micros(r.try_get::<Option<i64>, _>(10)?.unwrap_or_default()),
            late: r.try_get::<i64, _>(11)? != 0,
            performance_security: r.try_get::<Option<i64>, _>(14)?.map(Money::from_fen),
        }),
        None => None,
    };
    Ok(Award {
        section_id: section_id.to_string(),
        notice_no: r.try_get(0)?,
        winner_org_id: r.try_get(1)?,
        winner_name: r.try_get(2)?,
        winner_rank: r.try_get(3)?,
        price: Money::from_fen(r.try_get(4)?),
        reason: r.try_get(5)?,
        awarded_at: from_micros(r.try_get(6)?),
        contract_due_at: from_micros(r.try_get(7)?),
        contract,
        project_id: r.try_get(12)?,
        contract_due_at_provisional: r.try_get::<i64, _>(13)? != 0,
    })
}

/// Confirm the winner (定标) after the publicity, while no remedies case suspends it: publicizing →
/// awarded, award notice, contract timer, event `projects.award.confirmed`.
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn confirm_award(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: AwardInput,
) -> Result<Award> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&ctx.db, &mut tx, section_id, true).await?;
    require_owner(actor, &sec)?;
    let award = award_in(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        &actor.user_id,
        now,
        section_id,
        sec,
        input,
        false,
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &award, now).await?;
    Ok(award)
}

/// The award itself, inside the caller's transaction (the section row locked by the caller). In
/// government procurement there is no candidate publicity: the purchaser confirms the winner
/// within its period from the report ([`crate::procurement`]); `deemed` is the first candidate
/// deemed the winner when that period passed (财政部令第87号 第六十八条).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn award_in(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    user_id: &str,
    now: Timestamp,
    section_id: &str,
    sec: Sec,
    input: AwardInput,
    deemed: bool,
) -> Result<Award> {
    let next = transition(sec.state, SectionAction::Award)?;
    crate::suspension::ensure_not_suspended(&mut *tx, section_id).await?;
    let rules = load_rules(tx, &sec.region, sec.market).await?;
    let publicity = load_publicity(tx, section_id).await?;
    let procurement = sec.market == Market::Procurement;
    if procurement {
        crate::procurement::before_confirm(tx, db, now, section_id, deemed).await?;
    } else if now < publicity.publicity_ends_at {
        return Err(Error::conflict(
            "award.publicity_not_ended",
            format!(
                "the candidate publicity runs until {}; the winner is confirmed after it ({})",
                display_local(publicity.publicity_ends_at),
                rules.publicity_source
            ),
        ));
    }
    let first = publicity
        .candidates
        .first()
        .ok_or_else(|| Error::internal("publicity without candidates"))?;
    let winner = match input.winner_org_id.as_deref() {
        None => first,
        Some(w) => publicity
            .candidates
            .iter()
            .find(|c| c.org_id == w)
            .ok_or_else(|| {
                Error::field(
                    "winner_org_id",
                    "award.not_a_candidate",
                    "the winner must be one of the publicized candidates",
                )
            })?,
    };
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if winner.rank != 1 && reason.is_none() {
        return Err(Error::field(
            "reason",
            "award.reason_required",
            format!(
                "a candidate other than the first is chosen only for a documented reason: the first gave up, \
                 cannot perform, gave no performance security or broke the law ({SECOND_CANDIDATE_SOURCE})"
            ),
        ));
    }
    let mut notice_no = format!(
        "ZBTZ-{}-{:02}",
        sec.project_code.as_deref().unwrap_or(&sec.project_id),
        sec.section_no
    );
    // A notice after a voided award (crate::voided) gets its own number: `-R1`, `-R2`, ...
    let voided: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM section_voided_results WHERE section_id = $1 AND award IS NOT NULL",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?;
    if voided > 0 {
        notice_no.push_str(&format!("-R{voided}"));
    }
    let due = period_end(db.calendar(), now, rules.contract_days);
    if due.provisional() {
        ggzy_store::calendar::note_missing(tx, db, now, &due.missing, "projects.contract_due")
            .await?;
    }
    let provisional = due.provisional();
    let due = due.value;
    sqlx::query(
        "INSERT INTO section_awards (section_id, notice_no, winner_org_id, winner_name, winner_rank, price_fen, \
         reason, awarded_by, awarded_at, contract_due_at, contract_due_provisional, contract_days) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(section_id)
    .bind(&notice_no)
    .bind(&winner.org_id)
    .bind(&winner.org_name)
    .bind(winner.rank)
    .bind(winner.price.fen())
    .bind(reason.clone())
    .bind(user_id)
    .bind(to_micros(now))
    .bind(to_micros(due))
    .bind(i64::from(provisional))
    .bind(i64::from(rules.contract_days))
    .execute(&mut **tx)
    .await?;
    set_state(tx, section_id, sec.state, next, now).await?;
    timers::schedule(
        tx,
        CONTRACT_TIMER,
        &contract_key(section_id),
        due,
        json!({"section_id": section_id}),
        now,
    )
    .await?;
    let bidders: Vec<String> = sqlx::query(
        "SELECT org_id FROM section_registrations WHERE section_id = $1 ORDER BY created_at, id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<std::result::Result<_, _>>()?;
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "projects.award.confirmed",
            "section",
            section_id,
            json!({"section_id": section_id, "project_id": sec.project_id, "market": sec.market.as_str(),
                   "procedure": sec.procedure, "notice_no": notice_no, "winner_org_id": winner.org_id,
                   "winner_name": winner.org_name, "winner_rank": winner.rank,
                   "price": winner.price.to_string(), "reason": reason, "awarded_at": now.to_rfc3339(),
                   "contract_due_at": due.to_rfc3339(), "contract_due_at_provisional": provisional,
                   "bidder_org_ids": bidders, "deemed": deemed}),
        ),
    )
    .await?;
    let award = Award {
        section_id: section_id.to_string(),
        project_id: sec.project_id,
        notice_no,
        winner_org_id: winner.org_id.clone(),
        winner_name: winner.org_name.clone(),
        winner_rank: winner.rank,
        price: winner.price,
        reason,
        awarded_at: now,
        contract_due_at: due,
        contract_due_at_provisional: provisional,
        contract: None,
    };
    if procurement {
        crate::procurement::after_confirm(tx, db, now, section_id, deemed).await?;
    }
    // 招标投标法 第四十七条: the written report to the supervisor (markets with a rule row).
    crate::award_report::on_award(
        tx,
        db,
        now,
        section_id,
        &award.project_id,
        &sec.region,
        sec.market,
    )
    .await?;
    Ok(award)
}

/// The award notice of a section (every signed-in role: the result is public).
pub async fn get_award(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Award> {
    actor.require(READERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    load_award(&mut conn, section_id).await
}

/// Handler of [`CONTRACT_TIMER`]: no contract recorded by its due time raises
/// `projects.contract.overdue` (an alert; the contract can still be recorded, flagged late).
pub struct ContractOverdue;

#[async_trait::async_trait]
impl TimerHandler for ContractOverdue {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let Some(id) = timer.payload["section_id"].as_str() else {
            return Err(Error::internal("contract timer without section_id"));
        };
        let n = sqlx::query(
            "UPDATE section_awards SET contract_overdue_alerted = 1 WHERE section_id = $1 \
             AND contract_signed_on IS NULL AND contract_overdue_alerted = 0",
        )
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(());
        }
        let state: String = sqlx::query("SELECT state FROM sections WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
        if state != SectionState::Awarded.as_str() {
            return Ok(());
        }
        let r = sqlx::query(
            "SELECT a.awarded_at, a.contract_due_at, a.winner_org_id, s.project_id, a.contract_due_provisional \
             FROM section_awards a JOIN sections s ON s.id = a.section_id WHERE a.section_id = $1",
        )
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
        let awarded = from_micros(r.try_get(0)?);
        let due = from_micros(r.try_get(1)?);
        let winner: String = r.try_get(2)?;
        let project_id: String = r.try_get(3)?;
        let provisional = r.try_get::<i64, _>(4)? != 0;
        emit(
            tx,
            db,
            &ActorRef::system(CONTRACT_TIMER),
            clock.now(),
            NewEvent::new(
                "projects.contract.overdue",
                "section",
                id,
                json!({"section_id": id, "project_id": project_id, "winner_org_id": winner,
                       "awarded_at": awarded.to_rfc3339(), "due_at": due.to_rfc3339(),
                       "due_at_provisional": provisional, "basis": "招标投标法 第四十六条"}),
            ),
        )
        .await?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Contract (合同签订).

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ContractInput {
    /// Date the written contract was signed (Asia/Shanghai).
    pub signed_on: NaiveDate,
    /// Contract amount, CNY.
    pub amount: Money,
    /// Performance security (履约保证金) required of the winner, CNY; at most 10 % of the amount
    /// (招标投标法实施条例 第五十八条; 政府采购法实施条例 第四十八条).
    #[serde(default)]
    pub performance_security: Option<Money>,
}

/// 实施条例 第五十八条 / 政采条例 第四十八条: 履约保证金不得超过中标合同金额的10%.
pub const PERFORMANCE_SECURITY_MAX_PERCENT: i64 = 10;

/// The cap's source per market.
pub fn performance_security_source(market: Market) -> &'static str {
    match market {
        Market::Procurement => "政府采购法实施条例 第四十八条",
        _ => "招标投标法实施条例 第五十八条",
    }
}

/// Is `security` within [`PERFORMANCE_SECURITY_MAX_PERCENT`] of `amount` (exact, in fen)? Pure.
pub fn performance_security_allowed(security: Money, amount: Money) -> bool {
    i128::from(security.fen()) * 100
        <= i128::from(amount.fen()) * i128::from(PERFORMANCE_SECURITY_MAX_PERCENT)
}

/// Record the signed contract (the project's tenderer or agency): awarded → contracted, event
/// `projects.contract.signed`. A contract signed after the due date is recorded, flagged late.
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn record_contract(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ContractInput,
) -> Result<Award> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&ctx.db, &mut tx, section_id, true).await?;
    require_owner(actor, &sec)?;
    let next = transition(sec.state, SectionAction::SignContract)?;
    let award = load_award(&mut tx, section_id).await?;
    let mut v = Violations::new();
    if input.signed_on < local_date(award.awarded_at) {
        v.push(
            "signed_on",
            "contract.before_award",
            format!(
                "the contract cannot be signed before the award notice of {}",
                local_date(award.awarded_at)
            ),
        );
    }
    if input.signed_on > local_date(now) {
        v.push(
            "signed_on",
            "contract.in_future",
            "the signing date must not be in the future",
        );
    }
    if input.amount.is_zero() {
        v.push(
            "amount",
            "contract.amount_positive",
            "the contract amount must be greater than zero",
        );
    }
    if let Some(ps) = input.performance_security {
        if !performance_security_allowed(ps, input.amount) {
            v.push(
                "performance_security",
                "contract.performance_security_cap",
                format!(
                    "the performance security may not exceed {PERFORMANCE_SECURITY_MAX_PERCENT} % of the contract amount ({})",
                    performance_security_source(sec.market)
                ),
            );
        }
    }
    v.into_result()?;
    let late = contract_late(input.signed_on, award.contract_due_at);
    sqlx::query(
        "UPDATE section_awards SET contract_signed_on = $1, contract_amount_fen = $2, contract_recorded_at = $3, \
         contract_late = $4, performance_security_fen = $6 WHERE section_id = $5 AND contract_signed_on IS NULL",
    )
    .bind(input.signed_on.to_string())
    .bind(input.amount.fen())
    .bind(to_micros(now))
    .bind(i64::from(late))
    .bind(section_id)
    .bind(input.performance_security.map(|m| m.fen()))
    .execute(&mut *tx)
    .await?;
    set_state(&mut tx, section_id, sec.state, next, now).await?;
    timers::cancel(&mut tx, &contract_key(section_id)).await?;
    let signed_at = at_local(input.signed_on, 0, 0, 0);
    if sec.market == Market::Procurement {
        crate::procurement::on_contract(&mut tx, &ctx.db, now, section_id, input.signed_on).await?;
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.contract.signed",
            "section",
            section_id,
            json!({"section_id": section_id, "project_id": sec.project_id, "market": sec.market.as_str(),
                   "winner_org_id": award.winner_org_id, "amount": input.amount.to_string(),
                   "award_price": award.price.to_string(), "signed_on": input.signed_on.to_string(),
                   "signed_at": signed_at.to_rfc3339(), "recorded_at": now.to_rfc3339(),
                   "due_at": award.contract_due_at.to_rfc3339(),
                   "due_at_provisional": award.contract_due_at_provisional, "late": late,
                   "performance_security": input.performance_security.map(|m| m.to_string())}),
        ),
    )
    .await?;
    let award = Award {
        contract: Some(Contract {
            signed_on: input.signed_on,
            amount: input.amount,
            recorded_at: now,
            late,
            performance_security: input.performance_security,
        }),
        ..award
    };
    ctx.db.commit_answering(tx, 201, &award, now).await?;
    Ok(award)
}

// ---------------------------------------------------------------------------------------------
// Termination (终止招标).

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TerminateInput {
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Termination {
    pub section_id: String,
    pub previous_state: SectionState,
    pub state: SectionState,
    pub reason: String,
    pub terminated_at: DateTime<Utc>,
}

/// Terminate a section (the project's tenderer or agency, with a reason): any state but a final
/// one → terminated, event `projects.section.terminated`; its pending timers are cancelled.
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn terminate(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: TerminateInput,
) -> Result<Termination> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let mut v = Violations::new();
    let reason = required_text(&mut v, "reason", &input.reason, 2000);
    v.into_result()?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&ctx.db, &mut tx, section_id, true).await?;
    require_owner(actor, &sec)?;
    let next = transition(sec.state, SectionAction::Terminate)?;
    sqlx::query(
        "INSERT INTO section_terminations (section_id, reason, terminated_by, terminated_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(section_id)
    .bind(&reason)
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    set_state(&mut tx, section_id, sec.state, next, now).await?;
    timers::cancel(
        &mut tx,
        &format!("{}:{section_id}", crate::bidding::DEADLINE_TIMER),
    )
    .await?;
    timers::cancel(&mut tx, &contract_key(section_id)).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.section.terminated",
            "section",
            section_id,
            json!({"section_id": section_id, "project_id": sec.project_id, "market": sec.market.as_str(),
                   "reason": reason, "previous_state": sec.state.as_str(),
                   "terminated_at": now.to_rfc3339()}),
        ),
    )
    .await?;
    let t = Termination {
        section_id: section_id.to_string(),
        previous_state: sec.state,
        state: next,
        reason,
        terminated_at: now,
    };
    ctx.db.commit_answering(tx, 200, &t, now).await?;
    Ok(t)
}

// ---------------------------------------------------------------------------------------------
// Routes.

pub mod http {
    use super::*;
    use axum::extract::State;
    use axum::http::StatusCode;
    use ggzy_core::http::{Json, Path};
    use utoipa_axum::{router::OpenApiRouter, routes};

    pub fn router() -> OpenApiRouter<Ctx> {
        OpenApiRouter::new()
            .routes(routes!(post_result, get_result))
            .routes(routes!(post_award, get_award_notice))
            .routes(routes!(post_contract))
            .routes(routes!(post_terminate))
    }

    /// Submit the evaluation committee's result (staff, or the project's agency) for a section in
    /// `evaluating`: ranked candidates (≤ 3, registered bidders with an opened bid) and the
    /// publicity length (≥ 3 days, 实施条例 54). The section moves to `publicizing`.
    #[utoipa::path(post, path = "/api/v1/sections/{id}/evaluation-result", tag = "award", security(("bearer" = [])),
        params(("id" = String, Path, description = "section id")), request_body = EvaluationResultInput,
        responses((status = 201, body = Publicity), (status = 403), (status = 404),
                  (status = 409, description = "section not evaluating"), (status = 422, description = "each broken field")))]
    async fn post_result(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
        Json(input): Json<EvaluationResultInput>,
    ) -> Result<(StatusCode, Json<Publicity>)> {
        actor.require(&[Role::Staff, Role::Agency])?;
        let p = submit_result(&ctx, &actor, &id, input).await?;
        Ok((StatusCode::CREATED, Json(p)))
    }

    /// The evaluation result and candidate publicity of a section.
    #[utoipa::path(get, path = "/api/v1/sections/{id}/evaluation-result", tag = "award", security(("bearer" = [])),
        params(("id" = String, Path, description = "section id")),
        responses((status = 200, body = Publicity), (status = 403), (status = 404)))]
    async fn get_result(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
    ) -> Result<Json<Publicity>> {
        actor.require(READERS)?;
        Ok(Json(get_publicity(&ctx, &actor, &id).await?))
    }

    /// Confirm the winner (定标; the project's tenderer or agency) after the publicity ended, with
    /// no remedies case suspending it (an unanswered result objection): the first candidate unless a documented reason (实施条例 55). Issues
    /// the award notice (中标通知书); the contract is due within 30 days (招标投标法 46).
    #[utoipa::path(post, path = "/api/v1/sections/{id}/award", tag = "award", security(("bearer" = [])),
        params(("id" = String, Path, description = "section id")), request_body = AwardInput,
        responses((status = 201, body = Award), (status = 403), (status = 404),
                  (status = 409, description = "illegal state, publicity running or suspended by a remedies case"), (status = 422)))]
    async fn post_award(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
        Json(input): Json<AwardInput>,
    ) -> Result<(StatusCode, Json<Award>)> {
        actor.require(&[Role::Tenderer, Role::Agency])?;
        let a = confirm_award(&ctx, &actor, &id, input).await?;
        Ok((StatusCode::CREATED, Json(a)))
    }

    /// The award notice of a section, with the contract once recorded.
    #[utoipa::path(get, path = "/api/v1/sections/{id}/award", tag = "award", security(("bearer" = [])),
        params(("id" = String, Path, description = "section id")),
        responses((status = 200, body = Award), (status = 403), (status = 404)))]
    async fn get_award_notice(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
    ) -> Result<Json<Award>> {
        actor.require(READERS)?;
        Ok(Json(get_award(&ctx, &actor, &id).await?))
    }

    /// Record the signed contract (the project's tenderer or agency). Late contracts (after 30
    /// days, 招标投标法 46) are recorded and flagged `late`.
    #[utoipa::path(post, path = "/api/v1/sections/{id}/contract", tag = "award", security(("bearer" = [])),
        params(("id" = String, Path, description = "section id")), request_body = ContractInput,
        responses((status = 201, body = Award), (status = 403), (status = 404), (status = 409), (status = 422)))]
    async fn post_contract(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
        Json(input): Json<ContractInput>,
    ) -> Result<(StatusCode, Json<Award>)> {
        actor.require(&[Role::Tenderer, Role::Agency])?;
        let a = record_contract(&ctx, &actor, &id, input).await?;
        Ok((StatusCode::CREATED, Json(a)))
    }

    /// Terminate a section (终止招标; the project's tenderer or agency, with a reason).
    #[utoipa::path(post, path = "/api/v1/sections/{id}/terminate", tag = "award", security(("bearer" = [])),
        params(("id" = String, Path, description = "section id")), request_body = TerminateInput,
        responses((status = 200, body = Termination), (status = 403), (status = 404),
                  (status = 409, description = "final state"), (status = 422)))]
    async fn post_terminate(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
        Json(input): Json<TerminateInput>,
    ) -> Result<Json<Termination>> {
        actor.require(&[Role::Tenderer, Role::Agency])?;
        Ok(Json(terminate(&ctx, &actor, &id, input).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn publicity_of_two_days_is_refused_three_accepted() {
        let r = AwardRules::national(Market::Construction);
        let e = check_publicity_days(&r, 2).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.rule.as_str()),
            ("publicity_days", "publicity.min_days")
        );
        assert!(e.message.contains("第五十四条"), "{}", e.message);
        assert_eq!(check_publicity_days(&r, 3).unwrap(), 3);
        assert_eq!(check_publicity_days(&r, 60).unwrap(), 60);
        assert_eq!(
            check_publicity_days(&r, 61).unwrap_err().rule,
            "publicity.max_days"
        );
    }

    #[test]
    fn a_regional_minimum_moves_the_boundary() {
        let r = AwardRules {
            publicity_min_days: 5,
            ..AwardRules::national(Market::Land)
        };
        assert!(check_publicity_days(&r, 4).is_err());
        assert_eq!(check_publicity_days(&r, 5).unwrap(), 5);
    }

    #[test]
    fn periods_start_the_next_day_and_end_at_midnight() {
        let cal = BusinessCalendar::official();
        // Monday 2026-03-02 10:00 + 3 days → ends Thursday 24:00 (= Friday 00:00) Shanghai.
        let start = at_local(d(2026, 3, 2), 10, 0, 0);
        assert_eq!(
            period_end(&cal, start, 3).value,
            at_local(d(2026, 3, 6), 0, 0, 0)
        );
        // Late in the evening changes nothing: the first day is never counted.
        let late = at_local(d(2026, 3, 2), 23, 59, 59);
        assert_eq!(
            period_end(&cal, late, 3).value,
            at_local(d(2026, 3, 6), 0, 0, 0)
        );
        // 30 days for the contract across a month end: day 30 is Sun 04-19, a day off, so the
        // period ends with Mon 04-20 (民法典 203).
        assert_eq!(
            period_end(&cal, at_local(d(2026, 3, 20), 15, 0, 0), 30).value,
            at_local(d(2026, 4, 21), 0, 0, 0)
        );
    }

    #[test]
    fn a_publicity_whose_last_day_is_qingming_ends_on_the_next_working_day() {
        let cal = BusinessCalendar::official();
        // The docs' example: publicity from Fri 2026-04-03, 3 days → 04-06 (清明) → ends 04-07 24:00.
        let start = at_local(d(2026, 4, 3), 10, 0, 0);
        assert_eq!(
            period_end(&cal, start, 3).value,
            at_local(d(2026, 4, 8), 0, 0, 0)
        );
        // One day earlier: Thu 04-02 + 3 = Sun 04-05 (清明) → Tue 04-07 too.
        let start = at_local(d(2026, 4, 2), 10, 0, 0);
        assert_eq!(
            period_end(&cal, start, 3).value,
            at_local(d(2026, 4, 8), 0, 0, 0)
        );
        // Tue 03-31 + 3 = Fri 04-03, a working day: unchanged.
        let start = at_local(d(2026, 3, 31), 10, 0, 0);
        assert_eq!(
            period_end(&cal, start, 3).value,
            at_local(d(2026, 4, 4), 0, 0, 0)
        );
    }

    #[test]
    fn a_period_reaching_a_year_without_schedule_is_provisional_until_the_year_is_installed() {
        let cal = BusinessCalendar::official();
        assert!(
            !cal.has_year(2027),
            "the test needs 2027 without a compiled-in schedule"
        );
        let start = at_local(d(2026, 12, 28), 10, 0, 0);
        // Inside 2026: exact (Thu 12-31).
        let e = period_end(&cal, start, 3);
        assert_eq!(e.value, at_local(d(2027, 1, 1), 0, 0, 0));
        assert!(!e.provisional());
        // 4 days → Fri 2027-01-01: with weekends only a working day, so the period ends with it.
        let e = period_end(&cal, start, 4);
        assert_eq!(e.value, at_local(d(2027, 1, 2), 0, 0, 0));
        assert_eq!(e.missing.iter().copied().collect::<Vec<_>>(), vec![2027]);
        // The schedule arrives: 01-01 is a holiday, 01-02/03 the weekend → Mon 01-04 (民法典 203).
        cal.install(
            ggzy_core::calendar::YearSchedule::parse(
                "year = 2027\nworkdays = []\n[holidays]\n\"元旦\" = [\"2027-01-01\"]\n",
                "test",
                1,
            )
            .unwrap(),
        );
        let e = period_end(&cal, start, 4);
        assert_eq!(e.value, at_local(d(2027, 1, 5), 0, 0, 0));
        assert!(!e.provisional());
    }

    #[test]
    fn contract_on_day_30_is_on_time_day_31_late() {
        let cal = BusinessCalendar::official();
        // Awarded Wed 03-18: day 30 is Fri 04-17, a working day.
        let awarded = at_local(d(2026, 3, 18), 15, 0, 0);
        let due = period_end(&cal, awarded, 30).value;
        assert!(!contract_late(d(2026, 3, 18), due));
        assert!(!contract_late(d(2026, 4, 17), due)); // day 30
        assert!(contract_late(d(2026, 4, 18), due)); // day 31
    }

    #[test]
    fn performance_security_of_10_00_percent_is_allowed_10_01_refused() {
        let amount = Money::parse_str("1000000.00").unwrap();
        let ok = Money::parse_str("100000.00").unwrap();
        let over = Money::parse_str("100100.00").unwrap();
        assert!(performance_security_allowed(ok, amount));
        assert!(!performance_security_allowed(over, amount));
        // A fen above the cap of an odd amount: 9,480,000.50 → 948,000.05 allowed, .06 refused.
        let odd = Money::parse_str("9480000.50").unwrap();
        assert!(performance_security_allowed(
            Money::parse_str("948000.05").unwrap(),
            odd
        ));
        assert!(!performance_security_allowed(
            Money::parse_str("948000.06").unwrap(),
            odd
        ));
    }

    #[test]
    fn national_rules_cite_their_sources() {
        for m in Market::ALL {
            let r = AwardRules::national(m);
            assert_eq!(
                (
                    r.max_candidates,
                    r.publicity_min_days,
                    r.objection_answer_days,
                    r.contract_days
                ),
                (3, 3, 3, 30)
            );
            assert!(r.publicity_source.contains("第五十四条"));
            assert!(r.contract_source.contains("第四十六条"));
        }
    }

    #[test]
    fn decimals_accept_strings_and_numbers() {
        assert_eq!(decimal_of(&json!("12.50")).as_deref(), Some("12.50"));
        assert_eq!(decimal_of(&json!(95.5)).as_deref(), Some("95.5"));
        assert_eq!(decimal_of(&json!("abc")), None);
        assert_eq!(decimal_of(&json!(null)), None);
    }
}
