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

// ---------------------------------------------------------------------------------------------
// Projection of sections and parties.

/// Keeps `rem_sections` and `rem_parties` from the projects area's events.
pub struct Projection;

#[async_trait::async_trait]
impl Consumer for Projection {
    fn name(&self) -> &'static str {
        CONSUMER
    }

    fn wants(&self, t: &str) -> bool {
        matches!(
            t,
            "projects.section.registered"
                | "projects.section.bidding_opened"
                | "projects.section.deadline_changed"
                | "projects.section.closed"
                | "projects.section.opened"
                | "projects.opening.recorded"
                | "projects.candidates.publicized"
                | "projects.due_date.rederived"
                | "projects.award.confirmed"
                | "projects.section.concluded"
                | "projects.section.failed"
                | "projects.section.terminated"
                | "projects.section.returned_to_evaluation"
                | "projects.registration.created"
                | "projects.prequalification.opened"
                | "projects.prequalification.applied"
                | "projects.prequalification.reviewed"
                | "projects.prequalification.deadline_changed"
        )
    }

    async fn handle(&self, tx: &mut Tx, _db: &Db, _clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let sid = s(p, "section_id");
        if sid.is_empty() {
            return Ok(());
        }
        let stage = match ev.event_type.as_str() {
            "projects.section.registered" => {
                let (Some(deadline), Some(opening)) =
                    (instant(p, "bid_deadline"), instant(p, "opening_at"))
                else {
                    tracing::warn!(section_id = sid, "section registered without times");
                    return Ok(());
                };
                sqlx::query(
                    "INSERT INTO rem_sections (section_id, project_id, project_code, market, \
                     owner_org_id, stage, bid_deadline, opening_at, procedure, docs_issue_at) \
                     VALUES ($1, $2, $3, $4, $5, 'registered', $6, $7, $8, $9) \
                     ON CONFLICT (section_id) DO NOTHING",
                )
                .bind(sid)
                .bind(s(p, "project_id"))
                .bind(s(p, "project_code"))
                .bind(s(p, "market"))
                .bind(s(p, "owner_org_id"))
                .bind(to_micros(deadline))
                .bind(to_micros(opening))
                .bind(s(p, "procedure"))
                .bind(instant(p, "docs_issue_at").map(to_micros))
                .execute(&mut **tx)
                .await?;
                return Ok(());
            }
            // The open prequalification round's applications deadline (实施条例 22 counts the
            // objection period back from it); none once the round is reviewed.
            "projects.prequalification.opened" | "projects.prequalification.deadline_changed" => {
                if let Some(due_at) = instant(p, "applications_due_at") {
                    sqlx::query("UPDATE rem_sections SET prequal_due = $1 WHERE section_id = $2")
                        .bind(to_micros(due_at))
                        .bind(sid)
                        .execute(&mut **tx)
                        .await?;
                }
                return Ok(());
            }
            "projects.prequalification.reviewed" => {
                sqlx::query("UPDATE rem_sections SET prequal_due = NULL WHERE section_id = $1")
                    .bind(sid)
                    .execute(&mut **tx)
                    .await?;
                return Ok(());
            }
            // An applicant is a party of the section: it sees the section's cases.
            "projects.prequalification.applied" => {
                sqlx::query(
                    "INSERT INTO rem_parties (section_id, org_id, registered_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (section_id, org_id) DO NOTHING",
                )
                .bind(sid)
                .bind(s(p, "org_id"))
                .bind(to_micros(ev.occurred_at))
                .execute(&mut **tx)
                .await?;
                return Ok(());
            }
            "projects.registration.created" => {
                sqlx::query(
                    "INSERT INTO rem_parties (section_id, org_id, registered_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (section_id, org_id) DO NOTHING",
                )
                .bind(sid)
                .bind(s(p, "org_id"))
                .bind(to_micros(ev.occurred_at))
                .execute(&mut **tx)
                .await?;
                return Ok(());
            }
            "projects.section.deadline_changed" => {
                if let (Some(d), Some(o)) =
                    (instant(p, "new_deadline"), instant(p, "new_opening_at"))
                {
                    sqlx::query(
                        "UPDATE rem_sections SET bid_deadline = $1, opening_at = $2 WHERE section_id = $3",
                    )
                    .bind(to_micros(d))
                    .bind(to_micros(o))
                    .bind(sid)
                    .execute(&mut **tx)
                    .await?;
                }
                return Ok(());
            }
            // The candidate publicity's end re-derived when a holiday schedule was imported.
            "projects.due_date.rederived" => {
                if s(p, "what") == "publicity_end" {
                    if let Some(end) = instant(p, "due_at") {
                        sqlx::query(
                            "UPDATE rem_sections SET publicity_ends = $1 WHERE section_id = $2",
                        )
                        .bind(to_micros(end))
                        .bind(sid)
                        .execute(&mut **tx)
                        .await?;
                    }
                }
                return Ok(());
            }
            "projects.section.bidding_opened" => "bidding",
            "projects.section.closed" => "closed",
            "projects.section.opened" => "opening",
            "projects.opening.recorded" | "projects.section.returned_to_evaluation" => "evaluating",
            "projects.candidates.publicized" => {
                // The candidate publicity's end (实施条例 54: result objections are raised
                // during it).
                sqlx::query(
                    "UPDATE rem_sections SET stage = 'publicizing', publicity_ends = $1 WHERE section_id = $2",
                )
                .bind(instant(p, "publicity_ends_at").map(to_micros))
                .bind(sid)
                .execute(&mut **tx)
                .await?;
                return Ok(());
            }
            "projects.award.confirmed" | "projects.section.concluded" => "awarded",
            "projects.section.failed" => "failed",
            _ => "terminated",
        };
        sqlx::query("UPDATE rem_sections SET stage = $1 WHERE section_id = $2")
            .bind(stage)
            .bind(sid)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

struct Sec {
    market: String,
    project_code: String,
    owner_org_id: String,
    stage: String,
    bid_deadline: Timestamp,
    procedure: String,
    docs_issue_at: Option<Timestamp>,
    prequal_due: Option<Timestamp>,
    /// The end of the candidate publicity (中标候选人公示), once the result is publicized.
    publicity_ends: Option<Timestamp>,
}

async fn load_section(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Sec> {
    let r = sqlx::query(
        "SELECT market, project_code, owner_org_id, stage, bid_deadline, procedure, docs_issue_at, \
         prequal_due, publicity_ends FROM rem_sections WHERE section_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found(format!("section {id}")))?;
    Ok(Sec {
        market: r.try_get(0)?,
        project_code: r.try_get(1)?,
        owner_org_id: r.try_get(2)?,
        stage: r.try_get(3)?,
        bid_deadline: from_micros(r.try_get(4)?),
        procedure: r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
        docs_issue_at: ts(&r, 6)?,
        prequal_due: ts(&r, 7)?,
        publicity_ends: ts(&r, 8)?,
    })
}

async fn party_since(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<Timestamp>> {
    Ok(
        sqlx::query("SELECT registered_at FROM rem_parties WHERE section_id = $1 AND org_id = $2")
            .bind(section_id)
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get::<i64, _>(0))
            .transpose()?
            .map(from_micros),
    )
}

// ---------------------------------------------------------------------------------------------
// Rules table.

const RULE_COLUMNS: &str = "market, kind, target, raise_from, raise_days, raise_day_kind, \
    answer_days, answer_day_kind, accept_days, accept_day_kind, decide_days, decide_day_kind, \
    decide_from, suspends, suspend_max_days, escalates_to, requires_prior, source, confirmed";

fn opt_days(r: &sqlx::any::AnyRow, n: usize, k: usize) -> Result<Option<Days>> {
    let d: Option<i64> = r.try_get(n)?;
    let kind: Option<String> = r.try_get(k)?;
    match (d, kind) {
        (Some(d), Some(kind)) => Ok(Some(days(d, &kind)?)),
        _ => Ok(None),
    }
}

fn rule_row(r: &sqlx::any::AnyRow) -> Result<RemedyRule> {
    let opt_kind = |v: Option<String>| v.map(|k| Kind::parse(&k)).transpose();
    Ok(RemedyRule {
        market: r.try_get(0)?,
        kind: Kind::parse(&r.try_get::<String, _>(1)?)?,
        target: Target::parse(&r.try_get::<String, _>(2)?)?,
        raise_from: RaiseFrom::parse(&r.try_get::<String, _>(3)?)?,
        raise: days(r.try_get(4)?, &r.try_get::<String, _>(5)?)?,
        answer: opt_days(r, 6, 7)?,
        accept: opt_days(r, 8, 9)?,
        decide: opt_days(r, 10, 11)?,
        decide_from_raised: r.try_get::<Option<String>, _>(12)?.as_deref() == Some("raised"),
        suspends: Suspends::parse(&r.try_get::<String, _>(13)?)?,
        suspend_max_days: r
            .try_get::<Option<i64>, _>(14)?
            .and_then(|d| u32::try_from(d).ok()),
        escalates_to: opt_kind(r.try_get(15)?)?,
        requires_prior: opt_kind(r.try_get(16)?)?,
        source: r.try_get(17)?,
        confirmed: r.try_get::<i64, _>(18)? != 0,
    })
}

/// The national row of (market, kind, target), optionally locked (`lock`: the engine's
/// `FOR UPDATE` or "").
pub(crate) async fn national_rule(
    conn: &mut sqlx::AnyConnection,
    lock: &str,
    market: &str,
    kind: Kind,
    target: Target,
) -> Result<Option<RemedyRule>> {
    sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM remedy_rules WHERE market = $1 AND kind = $2 AND target = $3{lock}"
    ))
    .bind(market)
    .bind(kind.as_str())
    .bind(target.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| rule_row(&r))
    .transpose()
}

/// Every national row.
pub(crate) async fn national_rules(conn: &mut sqlx::AnyConnection) -> Result<Vec<RemedyRule>> {
    let rows = sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM remedy_rules ORDER BY market, kind, target"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(rule_row).collect()
}

/// The rule in effect in `region`: the national row with the region's overrides applied
/// (value and citation, [`crate::regional::apply`]).
async fn load_rule(
    conn: &mut sqlx::AnyConnection,
    region: &str,
    market: &str,
    kind: Kind,
    target: Target,
) -> Result<Option<RemedyRule>> {
    let Some(mut rule) = national_rule(conn, "", market, kind, target).await? else {
        return Ok(None);
    };
    crate::regional::apply(conn, region, &mut rule).await?;
    Ok(Some(rule))
}

/// One row of the rules table as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleView {
    pub market: String,
    pub kind: Kind,
    pub target: Target,
    /// How the period for raising it is counted (see migration 0140).
    pub raise_from: String,
    pub raise_days: u32,
    pub raise_day_kind: ggzy_core::period::DayKind,
    pub answer_days: Option<u32>,
    pub accept_days: Option<u32>,
    pub decide_days: Option<u32>,
    /// `always`, `supervisor` (may be ordered on acceptance) or `never`.
    pub suspends: String,
    pub suspend_max_days: Option<u32>,
    pub escalates_to: Option<Kind>,
    pub requires_prior: Option<Kind>,
    pub source: String,
    /// false: the article could not be confirmed (see `source`).
    pub confirmed: bool,
}

/// The rules table in effect in the platform's region (national rows with the region's
/// overrides applied), every market.
pub async fn list_rules(ctx: &Ctx) -> Result<Vec<RuleView>> {
    let mut conn = ctx.db.pool().acquire().await?;
    let rows = sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM remedy_rules ORDER BY market, kind, target"
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut rule = rule_row(r)?;
        crate::regional::apply(&mut conn, &ctx.settings.region, &mut rule).await?;
        out.push(RuleView {
            market: rule.market.clone(),
            kind: rule.kind,
            target: rule.target,
            raise_from: r.try_get(3)?,
            raise_days: rule.raise.n,
            raise_day_kind: rule.raise.kind,
            answer_days: rule.answer.map(|d| d.n),
            accept_days: rule.accept.map(|d| d.n),
            decide_days: rule.decide.map(|d| d.n),
            suspends: r.try_get(13)?,
            suspend_max_days: rule.suspend_max_days,
            escalates_to: rule.escalates_to,
            requires_prior: rule.requires_prior,
            source: rule.source,
            confirmed: rule.confirmed,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Cases.

/// A remedy case. `raised_by_org` is `null` (and `anonymised` true) on a view shown to another
/// bidder: who raised a case is not disclosed to competitors.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Case {
    pub id: String,
    pub kind: Kind,
    pub market: String,
    pub section_id: String,
    pub target: Target,
    pub raised_by_org: Option<String>,
    pub anonymised: bool,
    pub grounds: String,
    /// Ids of the attachments (uploaded with `POST /api/v1/sections/{id}/remedies/attachments`).
    pub attachments: Vec<String>,
    /// The stored attachments with their SHA-256 digests.
    #[serde(default)]
    pub attachment_files: Vec<crate::attachments::Attachment>,
    pub raised_at: DateTime<Utc>,
    /// The end of the period it was raised within (24:00 Beijing time of its last day).
    pub raise_deadline: Option<DateTime<Utc>>,
    pub known_on: Option<NaiveDate>,
    pub state: State,
    /// The objection / challenge this complaint escalates.
    pub parent_id: Option<String>,
    /// The complaint this objection / challenge was escalated to.
    pub child_id: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answer_due: Option<DateTime<Utc>>,
    pub changes_documents: bool,
    pub new_bid_deadline: Option<DateTime<Utc>>,
    pub accept_due: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub refusal_reason: Option<String>,
    pub decide_due: Option<DateTime<Utc>>,
    pub decision: Option<Decision>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The case suspends the section now.
    pub suspending: bool,
    pub suspend_until: Option<DateTime<Utc>>,
    /// The articles of the rule it follows.
    pub source: String,
    /// A period counted for a year without a holiday schedule (weekends only).
    pub provisional: bool,
}

const CASE_COLUMNS: &str = "id, kind, market, section_id, target, raised_by_org, grounds, \
    attachments, raised_at, raise_deadline, known_on, state, parent_id, child_id, answer, \
    answered_at, answer_due, changes_documents, new_bid_deadline, accept_due, accepted_at, \
    refusal_reason, decide_due, decision, decision_reason, decided_at, suspending, suspend_until, \
    source, provisional";

fn ts(r: &sqlx::any::AnyRow, i: usize) -> Result<Option<Timestamp>> {
    Ok(r.try_get::<Option<i64>, _>(i)?.map(from_micros))
}

fn case_row(r: &sqlx::any::AnyRow) -> Result<Case> {
    let decision: Option<String> = r.try_get(23)?;
    Ok(Case {
        id: r.try_get(0)?,
        kind: Kind::parse(&r.try_get::<String, _>(1)?)?,
        market: r.try_get(2)?,
        section_id: r.try_get(3)?,
        target: Target::parse(&r.try_get::<String, _>(4)?)?,
        raised_by_org: Some(r.try_get(5)?),
        anonymised: false,
        grounds: r.try_get(6)?,
        attachments: serde_json::from_str(&r.try_get::<String, _>(7)?).unwrap_or_default(),
        attachment_files: Vec::new(),
        raised_at: from_micros(r.try_get(8)?),
        raise_deadline: ts(r, 9)?,
        known_on: r
            .try_get::<Option<String>, _>(10)?
            .and_then(|d| d.parse().ok()),
        state: State::parse(&r.try_get::<String, _>(11)?)?,
        parent_id: r.try_get(12)?,
        child_id: r.try_get(13)?,
        answer: r.try_get(14)?,
        answered_at: ts(r, 15)?,
        answer_due: ts(r, 16)?,
        changes_documents: r.try_get::<i64, _>(17)? != 0,
        new_bid_deadline: ts(r, 18)?,
        accept_due: ts(r, 19)?,
        accepted_at: ts(r, 20)?,
        refusal_reason: r.try_get(21)?,
        decide_due: ts(r, 22)?,
        decision: decision
            .map(|d| serde_json::from_value(json!(d)))
            .transpose()
            .map_err(|e| Error::internal(format!("stored decision: {e}")))?,
        decision_reason: r.try_get(24)?,
        decided_at: ts(r, 25)?,
        suspending: r.try_get::<i64, _>(26)? != 0,
        suspend_until: ts(r, 27)?,
        source: r.try_get(28)?,
        provisional: r.try_get::<i64, _>(29)? != 0,
    })
}

async fn load_case(db: &Db, conn: &mut sqlx::AnyConnection, id: &str, lock: bool) -> Result<Case> {
    let r = sqlx::query(&format!(
        "SELECT {CASE_COLUMNS} FROM remedy_cases WHERE id = $1{}",
        if lock { db.for_update() } else { "" }
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found(format!("remedy case {id}")))?;
    let mut c = case_row(&r)?;
    c.attachment_files = crate::attachments::of_case(conn, id).await?;
    Ok(c)
}

/// Cases read from rows, with their stored attachments.
async fn cases_with_files(
    conn: &mut sqlx::AnyConnection,
    rows: &[sqlx::any::AnyRow],
) -> Result<Vec<Case>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut c = case_row(r)?;
        c.attachment_files = crate::attachments::of_case(conn, &c.id).await?;
        out.push(c);
    }
    Ok(out)
}

/// Whether the section has a public notice any supplier may object to (a single-source
/// publicity, an open prequalification round). 404 for an unknown section.
pub(crate) async fn load_section_public(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<bool> {
    let sec = load_section(conn, section_id).await?;
    Ok(sec.procedure == "single_source" || sec.prequal_due.is_some())
}

/// Whether `org_id` obtained the section's documents (or applied to its prequalification).
pub(crate) async fn party_of(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<bool> {
    Ok(party_since(conn, section_id, org_id).await?.is_some())
}

/// The parties to a case: its raiser, the project's tenderer or agency; staff, supervisors and
/// admin. Anyone else 403 (404 for an unknown case).
pub(crate) async fn require_case_party(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    case_id: &str,
) -> Result<()> {
    let r = sqlx::query("SELECT section_id, raised_by_org FROM remedy_cases WHERE id = $1")
        .bind(case_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found(format!("remedy case {case_id}")))?;
    let section_id: String = r.try_get(0)?;
    let raiser: String = r.try_get(1)?;
    let ok = match actor.role {
        Role::Admin | Role::Staff | Role::Supervisor => true,
        Role::Bidder => actor.org_id.as_deref() == Some(raiser.as_str()),
        Role::Tenderer | Role::Agency => {
            let sec = load_section(conn, &section_id).await?;
            actor.org_id.as_deref() == Some(sec.owner_org_id.as_str())
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only the parties to the case (its raiser, the tenderer or agency), staff and supervisors read its attachments",
        ))
    }
}

/// What the caller may see of cases of a section: `Full` (raiser shown) or `Anonymised`; `None`:
/// not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sight {
    Full,
    OwnOnly,
}

async fn sight(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    sec: &Sec,
    section_id: &str,
) -> Result<Sight> {
    match actor.role {
        Role::Admin | Role::Staff | Role::Supervisor => Ok(Sight::Full),
        Role::Tenderer | Role::Agency if actor.org_id.as_deref() == Some(&sec.owner_org_id) => {
            Ok(Sight::Full)
        }
        Role::Bidder => {
            let org = actor.org_id.as_deref().unwrap_or("");
            if party_since(conn, section_id, org).await?.is_some() {
                Ok(Sight::OwnOnly)
            } else {
                Err(Error::forbidden(
                    "only the section's bidders, its tenderer or agency, staff and supervisors see its cases",
                ))
            }
        }
        _ => Err(Error::forbidden(
            "only the section's bidders, its tenderer or agency, staff and supervisors see its cases",
        )),
    }
}

fn shown(mut c: Case, actor: &Actor, sight: Sight) -> Case {
    if sight == Sight::OwnOnly && c.raised_by_org.as_deref() != actor.org_id.as_deref() {
        c.raised_by_org = None;
        c.anonymised = true;
    }
    c
}

fn text(v: &mut Violations, field: &str, s: &str, max: usize) -> String {
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

fn attachments(v: &mut Violations, a: &[String]) -> String {
    if a.len() > 20 || a.iter().any(|f| f.trim().is_empty() || f.len() > 100) {
        v.push(
            "attachments",
            "remedy.attachments",
            "at most 20 file ids of at most 100 characters each",
        );
    }
    json!(a).to_string()
}

/// Raising a case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RaiseInput {
    #[schema(pattern = "^(objection|challenge|complaint)$")]
    pub kind: String,
    #[schema(pattern = "^(documents|process|opening|result|listing|deal)$")]
    pub target: String,
    #[schema(min_length = 1, max_length = 5000, pattern = "\\S")]
    pub grounds: String,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub attachments: Vec<String>,
    /// The date the raiser learnt of what it objects to; required where the period counts from it
    /// (complaints in construction; procurement challenges to the process or the result).
    pub known_on: Option<NaiveDate>,
}

fn track(provisional: &mut bool, r: Reckoned<Timestamp>) -> Timestamp {
    *provisional |= r.provisional();
    r.value
}

fn too_late(field: &str, ends: Timestamp, rule: &RemedyRule) -> Error {
    Error::field(
        field,
        "remedy.raise_period_ended",
        format!(
            "the period to raise this {} ended at {} ({})",
            rule.kind.as_str(),
            display_local(ends),
            rule.source
        ),
    )
}

/// When the period to raise a case of `rule` ends (`None`: no fixed end, checked otherwise).
#[allow(clippy::too_many_arguments)]
async fn raise_window(
    ctx: &Ctx,
    conn: &mut sqlx::AnyConnection,
    rule: &RemedyRule,
    sec: &Sec,
    section_id: &str,
    org_id: &str,
    known_on: Option<NaiveDate>,
    now: Timestamp,
    provisional: &mut bool,
) -> Result<Option<Timestamp>> {
    let cal = ctx.db.calendar();
    match rule.raise_from {
        RaiseFrom::BeforeDeadline => {
            if sec.stage != "bidding" && sec.stage != "registered" {
                return Err(Error::field(
                    "target",
                    "remedy.raise_period_ended",
                    format!("the bidding is over ({})", rule.source),
                ));
            }
            Ok(Some(before_deadline_ends(sec.bid_deadline, rule.raise)))
        }
        RaiseFrom::BeforeClose => {
            if sec.stage != "bidding" {
                return Err(Error::field(
                    "target",
                    "remedy.raise_period_ended",
                    format!("the listing is not open ({})", rule.source),
                ));
            }
            Ok(Some(sec.bid_deadline))
        }
        RaiseFrom::DuringOpening => {
            if sec.stage != "opening" {
                return Err(Error::field(
                    "target",
                    "remedy.not_during_opening",
                    format!(
                        "an objection to the opening is raised on the spot, while it is in progress ({})",
                        rule.source
                    ),
                ));
            }
            Ok(None)
        }
        RaiseFrom::Registered => {
            let since = party_since(conn, section_id, org_id)
                .await?
                .ok_or_else(|| {
                    Error::forbidden("your organization did not obtain the documents")
                })?;
            Ok(Some(track(provisional, raise_ends(cal, since, rule.raise))))
        }
        RaiseFrom::Known => {
            let Some(k) = known_on else {
                return Err(Error::field(
                    "known_on",
                    "required",
                    "the date you learnt of it is required: the period counts from it",
                ));
            };
            check_known_on(k, now)?;
            Ok(Some(track(
                provisional,
                raise_ends(cal, at_local(k, 12, 0, 0), rule.raise),
            )))
        }
        RaiseFrom::BeforeApplicationsDue => {
            let Some(due_at) = sec.prequal_due else {
                return Err(Error::field(
                    "target",
                    "remedy.raise_period_ended",
                    format!(
                        "no prequalification round of this section is open ({})",
                        rule.source
                    ),
                ));
            };
            Ok(Some(before_deadline_ends(due_at, rule.raise)))
        }
        RaiseFrom::DuringPublicity => {
            let start = sec
                .docs_issue_at
                .filter(|_| sec.procedure == "single_source");
            let Some(start) = start else {
                return Err(Error::field(
                    "target",
                    "remedy.not_during_publicity",
                    format!(
                        "this section has no single-source publicity ({})",
                        rule.source
                    ),
                ));
            };
            if now < start {
                return Err(Error::field(
                    "target",
                    "remedy.not_during_publicity",
                    format!(
                        "the single-source publicity starts at {} ({})",
                        display_local(start),
                        rule.source
                    ),
                ));
            }
            Ok(Some(track(
                provisional,
                rules::publicity_ends(cal, start, rule.raise),
            )))
        }
        RaiseFrom::DuringCandidatePublicity => {
            let ends = sec.publicity_ends.filter(|_| sec.stage == "publicizing");
            let Some(ends) = ends else {
                return Err(Error::field(
                    "target",
                    "remedy.not_during_publicity",
                    format!(
                        "an objection to the evaluation result is raised during the candidate \
                         publicity; this section is not in its publicity ({})",
                        rule.source
                    ),
                ));
            };
            Ok(Some(ends))
        }
        RaiseFrom::AfterAnswer => Err(Error::field(
            "kind",
            "remedy.requires_prior",
            format!(
                "a {} follows a {} and its answer: escalate that case ({})",
                rule.kind.as_str(),
                rule.requires_prior
                    .map(Kind::as_str)
                    .unwrap_or("prior case"),
                rule.source
            ),
        )),
    }
}

struct NewCase<'a> {
    rule: &'a RemedyRule,
    section_id: &'a str,
    org_id: &'a str,
    grounds: String,
    attachments: String,
    /// The attachment ids claimed by the case (checked: the raiser's own, this section's, unclaimed).
    attachment_ids: &'a [String],
    known_on: Option<NaiveDate>,
    raise_deadline: Option<Timestamp>,
    parent_id: Option<&'a str>,
    /// Carries a suspension over from the case it escalates.
    inherit_suspension: bool,
    provisional: bool,
    /// Where the answer period counts from (None: the raising; 74号令 第四十条: the publicity's end).
    answer_from: Option<Timestamp>,
}

/// Inserts a case with its due timer and events; the new case.
async fn insert_case(
    ctx: &Ctx,
    tx: &mut Tx,
    actor: &Actor,
    now: Timestamp,
    n: NewCase<'_>,
) -> Result<Case> {
    let cal = ctx.db.calendar();
    let mut provisional = n.provisional;
    let rule = n.rule;
    let id = ids::new_id();
    let answer_due = rule.answer.map(|p| {
        let r = match n.answer_from {
            Some(end) => rules::answer_after_publicity(cal, end, p),
            None => due(cal, now, p),
        };
        track(&mut provisional, r)
    });
    let accept_due = rule
        .accept
        .map(|p| track(&mut provisional, due(cal, now, p)));
    let suspending = rule.suspends == Suspends::Always || n.inherit_suspension;
    sqlx::query(
        "INSERT INTO remedy_cases (id, kind, market, section_id, target, raised_by_org, \
         raised_by_user, grounds, attachments, raised_at, raise_deadline, known_on, state, \
         parent_id, answer_due, accept_due, suspending, source, provisional, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'raised', $13, $14, $15, $16, \
         $17, $18, $10)",
    )
    .bind(&id)
    .bind(rule.kind.as_str())
    .bind(&rule.market)
    .bind(n.section_id)
    .bind(rule.target.as_str())
    .bind(n.org_id)
    .bind(&actor.user_id)
    .bind(&n.grounds)
    .bind(&n.attachments)
    .bind(to_micros(now))
    .bind(n.raise_deadline.map(to_micros))
    .bind(n.known_on.map(|d| d.to_string()))
    .bind(n.parent_id)
    .bind(answer_due.map(to_micros))
    .bind(accept_due.map(to_micros))
    .bind(i64::from(suspending))
    .bind(&rule.source)
    .bind(i64::from(provisional))
    .execute(&mut **tx)
    .await?;
    crate::attachments::claim(
        tx,
        ctx.db.for_update(),
        n.attachment_ids,
        n.org_id,
        n.section_id,
        &id,
    )
    .await?;
    if let Some((step, at)) = answer_due
        .map(|d| ("answer", d))
        .or(accept_due.map(|d| ("acceptance", d)))
    {
        timers::schedule(
            tx,
            DUE_TIMER,
            &due_key(&id),
            at,
            json!({"case_id": id, "step": step}),
            now,
        )
        .await?;
    }
    // The raiser is not in the payload: the organization is the event's actor (audit), and
    // competitors read the case only through the anonymising views.
    ev(
        tx,
        ctx,
        &actor.actor_ref(),
        now,
        "remedies.case.raised",
        &id,
        json!({"case_id": id, "section_id": n.section_id, "market": rule.market,
               "kind": rule.kind.as_str(), "target": rule.target.as_str(),
               "parent_id": n.parent_id, "raised_at": now.to_rfc3339(), "grounds": n.grounds,
               "answer_due": answer_due.map(|d| d.to_rfc3339()),
               "accept_due": accept_due.map(|d| d.to_rfc3339()),
               "suspends": suspending, "source": rule.source}),
    )
    .await?;
    if suspending {
        ev(
            tx,
            ctx,
            &actor.actor_ref(),
            now,
            "remedies.case.suspended",
            &id,
            json!({"case_id": id, "section_id": n.section_id,
                   "scope": rule.target.suspension_scope(), "source": rule.source}),
        )
        .await?;
    }
    load_case(&ctx.db, tx, &id, false).await
}

async fn ev(
    tx: &mut Tx,
    ctx: &Ctx,
    by: &ActorRef,
    now: Timestamp,
    kind: &str,
    case_id: &str,
    payload: Value,
) -> Result<()> {
    emit(
        tx,
        &ctx.db,
        by,
        now,
        NewEvent::new(kind, "remedy_case", case_id, payload),
    )
    .await?;
    Ok(())
}

/// A bidder or supplier that obtained the section's documents raises an objection, a challenge or
/// (construction) a complaint.
pub async fn raise(ctx: &Ctx, actor: &Actor, section_id: &str, input: RaiseInput) -> Result<Case> {
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("a bidder acts for its organization"))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    // Who may raise it before what was sent: a stranger learns nothing about the section —
    // except about its public notices, which any supplier may object to.
    let sec = load_section(&mut tx, section_id).await?;
    let public_notice = Target::parse(&input.target).is_ok_and(Target::open_to_any_supplier);
    if !public_notice && party_since(&mut tx, section_id, &org).await?.is_none() {
        return Err(Error::forbidden(
            "only a bidder or supplier that obtained the documents of this section may raise a case",
        ));
    }
    let mut v = Violations::new();
    let kind = v.take("kind", Kind::parse(&input.kind).map_err(first_error));
    let target = v.take("target", Target::parse(&input.target).map_err(first_error));
    let grounds = text(&mut v, "grounds", &input.grounds, 5000);
    let files = attachments(&mut v, &input.attachments);
    v.into_result()?;
    let (Some(kind), Some(target)) = (kind, target) else {
        return Err(Error::internal("parsed kind and target"));
    };
    let rule = load_rule(&mut tx, &ctx.settings.region, &sec.market, kind, target)
        .await?
        .ok_or_else(|| not_available(&sec.market, kind, target))?;
    let mut provisional = false;
    let ends = raise_window(
        ctx,
        &mut tx,
        &rule,
        &sec,
        section_id,
        &org,
        input.known_on,
        now,
        &mut provisional,
    )
    .await?;
    if let Some(ends) = ends {
        if !in_time(now, ends) {
            return Err(too_late("raised_at", ends, &rule));
        }
    }
    let case = insert_case(
        ctx,
        &mut tx,
        actor,
        now,
        NewCase {
            rule: &rule,
            section_id,
            org_id: &org,
            grounds,
            attachments: files,
            attachment_ids: &input.attachments,
            known_on: input.known_on,
            raise_deadline: ends,
            parent_id: None,
            inherit_suspension: false,
            provisional,
            answer_from: ends.filter(|_| rule.raise_from == RaiseFrom::DuringPublicity),
        },
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &case, now).await?;
    Ok(case)
}

fn first_error(e: Error) -> ggzy_core::error::FieldError {
    match e {
        Error::Validation(mut v) if !v.is_empty() => v.remove(0),
        other => ggzy_core::error::FieldError::new("", "invalid", other.to_string()),
    }
}

fn not_available(market: &str, kind: Kind, target: Target) -> Error {
    let hint = match (market, kind, target) {
        ("procurement", Kind::Objection, _) => {
            " — in government procurement a supplier raises a challenge (质疑)"
        }
        (_, Kind::Challenge, _) => " — challenges (质疑) are government procurement's",
        _ => "",
    };
    Error::field(
        "target",
        "remedy.not_available",
        format!(
            "no {} against the {} in the {market} market{hint} (GET /api/v1/remedies/rules)",
            kind.as_str(),
            target.as_str()
        ),
    )
}

/// The answer of the tenderer, agency or purchaser.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = RemedyAnswerInput)]
pub struct AnswerInput {
    pub answer: String,
    /// The answer changes the documents (a change notice, 实施条例 21: the bid deadline must then
    /// be at least 15 days after it).
    #[serde(default)]
    pub changes_documents: bool,
    /// The new bid deadline: required when the documents change and the deadline is less than 15
    /// days away, or when the deadline passed during the suspension.
    pub new_bid_deadline: Option<DateTime<Utc>>,
}

fn require_owner(actor: &Actor, sec: &Sec) -> Result<()> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    if actor.org_id.as_deref() == Some(sec.owner_org_id.as_str()) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only the project's tenderer or agency answers its cases",
        ))
    }
}

/// The minimum new bid deadline after an answer at `now` to `case` (None: none needed), with the
/// rule id and its source.
fn minimum_deadline(
    ctx: &Ctx,
    case: &Case,
    sec: &Sec,
    changes: bool,
    now: Timestamp,
) -> Option<(Timestamp, &'static str, String)> {
    if case.target != Target::Documents && case.target != Target::Listing {
        return None;
    }
    let mut min: Option<(Timestamp, &'static str, String)> = None;
    if changes {
        let day = rules::earliest_deadline_after_change(ctx.db.calendar(), now).value;
        let at = at_local(day, 0, 0, 0);
        if sec.bid_deadline < at {
            min = Some((
                at,
                "remedy.change_notice_15_days",
                rules::CHANGE_NOTICE_SOURCE.to_string(),
            ));
        }
    }
    if case.suspending && sec.bid_deadline <= now {
        // The deadline passed while the bidding was suspended: the bidders get back the time they
        // had left when the case was raised.
        let left = sec.bid_deadline - case.raised_at;
        let at = now + left.max(chrono::Duration::zero());
        if min.as_ref().is_none_or(|(m, _, _)| at > *m) {
            min = Some((
                at,
                "remedy.deadline_passed_during_suspension",
                format!("{} (暂停期间投标截止时间已过)", case.source),
            ));
        }
    }
    min
}

/// The tenderer, agency or purchaser answers an objection or challenge; a suspension it caused
/// ends (`remedies.case.resumed`, with the new bid deadline when one is set).
pub async fn answer(ctx: &Ctx, actor: &Actor, id: &str, input: AnswerInput) -> Result<Case> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let mut v = Violations::new();
    let text_answer = text(&mut v, "answer", &input.answer, 5000);
    v.into_result()?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let case = load_case(&ctx.db, &mut tx, id, true).await?;
    let sec = load_section(&mut tx, &case.section_id).await?;
    require_owner(actor, &sec)?;
    let to = transition(case.kind, case.state, Action::Answer)?;
    let min = minimum_deadline(ctx, &case, &sec, input.changes_documents, now);
    let new_deadline = match (input.new_bid_deadline, min) {
        (None, Some((at, rule, source))) => {
            return Err(Error::field(
                "new_bid_deadline",
                rule,
                format!(
                    "a new bid deadline on or after {} is required ({source})",
                    display_local(at)
                ),
            ))
        }
        (Some(d), Some((at, rule, source))) if d < at => {
            return Err(Error::field(
                "new_bid_deadline",
                rule,
                format!(
                    "the new bid deadline must be on or after {} ({source})",
                    display_local(at)
                ),
            ))
        }
        (Some(d), _) if case.target != Target::Documents && case.target != Target::Listing => {
            let _ = d;
            return Err(Error::field(
                "new_bid_deadline",
                "remedy.deadline_not_applicable",
                "only an answer about the documents or the listing moves the bid deadline",
            ));
        }
        (Some(d), _) if d <= sec.bid_deadline || d <= now => {
            return Err(Error::field(
                "new_bid_deadline",
                "remedy.deadline_not_later",
                "a new bid deadline is later than the current one and in the future",
            ))
        }
        (d, _) => d,
    };
    sqlx::query(
        "UPDATE remedy_cases SET state = $1, answer = $2, answered_at = $3, answered_by = $4, \
         changes_documents = $5, new_bid_deadline = $6, suspending = 0, updated_at = $3 \
         WHERE id = $7 AND state = $8",
    )
    .bind(to.as_str())
    .bind(&text_answer)
    .bind(to_micros(now))
    .bind(&actor.user_id)
    .bind(i64::from(input.changes_documents))
    .bind(new_deadline.map(to_micros))
    .bind(id)
    .bind(case.state.as_str())
    .execute(&mut *tx)
    .await?;
    timers::cancel(&mut tx, &due_key(id)).await?;
    ev(
        &mut tx,
        ctx,
        &actor.actor_ref(),
        now,
        "remedies.case.answered",
        id,
        json!({"case_id": id, "section_id": case.section_id, "market": case.market,
               "kind": case.kind.as_str(), "target": case.target.as_str(), "answer": text_answer,
               "changes_documents": input.changes_documents,
               "new_bid_deadline": new_deadline.map(|d| d.to_rfc3339()),
               "late": case.answer_due.is_some_and(|d| now >= d),
               "project_code": sec.project_code}),
    )
    .await?;
    if case.suspending {
        resumed(
            &mut tx,
            ctx,
            &actor.actor_ref(),
            now,
            &case,
            new_deadline,
            "answered",
        )
        .await?;
    }
    let out = load_case(&ctx.db, &mut tx, id, false).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

async fn resumed(
    tx: &mut Tx,
    ctx: &Ctx,
    by: &ActorRef,
    now: Timestamp,
    case: &Case,
    new_deadline: Option<Timestamp>,
    why: &str,
) -> Result<()> {
    timers::cancel(tx, &suspension_key(&case.id)).await?;
    sqlx::query("UPDATE remedy_cases SET suspending = 0 WHERE id = $1")
        .bind(&case.id)
        .execute(&mut **tx)
        .await?;
    ev(
        tx,
        ctx,
        by,
        now,
        "remedies.case.resumed",
        &case.id,
        json!({"case_id": case.id, "section_id": case.section_id,
               "scope": case.target.suspension_scope(), "reason": why,
               "new_bid_deadline": new_deadline.map(|d| d.to_rfc3339())}),
    )
    .await
}

fn require_raiser(actor: &Actor, case: &Case) -> Result<()> {
    actor.require(&[Role::Bidder])?;
    if actor.org_id.is_some() && actor.org_id == case.raised_by_org {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only the organization that raised the case may do this",
        ))
    }
}

/// The raiser is satisfied with the answer and closes the case.
pub async fn close(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Case> {
    actor.require(&[Role::Bidder])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let case = load_case(&ctx.db, &mut tx, id, true).await?;
    require_raiser(actor, &case)?;
    let to = transition(case.kind, case.state, Action::Close)?;
    set_state(&mut tx, id, case.state, to, now).await?;
    ev(
        &mut tx,
        ctx,
        &actor.actor_ref(),
        now,
        "remedies.case.closed",
        id,
        json!({"case_id": id, "section_id": case.section_id}),
    )
    .await?;
    let out = load_case(&ctx.db, &mut tx, id, false).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

async fn set_state(tx: &mut Tx, id: &str, from: State, to: State, now: Timestamp) -> Result<()> {
    let n = sqlx::query(
        "UPDATE remedy_cases SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
    )
    .bind(to.as_str())
    .bind(to_micros(now))
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 1 {
        Ok(())
    } else {
        Err(Error::conflict(
            "remedy.illegal_transition",
            "the case changed concurrently",
        ))
    }
}

/// Escalating an objection or challenge to a complaint.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EscalateInput {
    #[schema(min_length = 1, max_length = 5000, pattern = "\\S")]
    pub grounds: String,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub attachments: Vec<String>,
}

/// The raiser escalates its answered objection / challenge (or one whose answer period passed
/// unanswered) to a complaint to the supervisor: a new case (`parent_id`), the period counted from
/// the answer or from the end of the answer period (政采法 55: 15 working days; 实施条例 60: 10 days
/// of knowing). A suspension still running moves to the complaint.
pub async fn escalate(ctx: &Ctx, actor: &Actor, id: &str, input: EscalateInput) -> Result<Case> {
    actor.require(&[Role::Bidder])?;
    let mut v = Violations::new();
    let grounds = text(&mut v, "grounds", &input.grounds, 5000);
    let files = attachments(&mut v, &input.attachments);
    v.into_result()?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let parent = load_case(&ctx.db, &mut tx, id, true).await?;
    require_raiser(actor, &parent)?;
    let to = transition(parent.kind, parent.state, Action::Escalate)?;
    let sec = load_section(&mut tx, &parent.section_id).await?;
    let parent_rule = load_rule(
        &mut tx,
        &ctx.settings.region,
        &sec.market,
        parent.kind,
        parent.target,
    )
    .await?
    .ok_or_else(|| not_available(&sec.market, parent.kind, parent.target))?;
    let Some(kind) = parent_rule.escalates_to else {
        return Err(Error::conflict(
            "remedy.no_escalation",
            format!(
                "this {} is not escalated to a complaint ({})",
                parent.kind.as_str(),
                parent_rule.source
            ),
        ));
    };
    let rule = load_rule(
        &mut tx,
        &ctx.settings.region,
        &sec.market,
        kind,
        parent.target,
    )
    .await?
    .ok_or_else(|| not_available(&sec.market, kind, parent.target))?;
    // The answer, or the end of the answer period without one.
    let from_day = match (parent.answered_at, parent.answer_due) {
        (Some(a), _) => local_date(a),
        (None, Some(d)) if now >= d => day_of_end(d),
        _ => {
            return Err(Error::conflict(
                "remedy.answer_pending",
                format!(
                    "the {} is not answered yet and its answer period runs until {}; a complaint \
                     follows the answer or the end of that period ({})",
                    parent.kind.as_str(),
                    parent.answer_due.map(display_local).unwrap_or_default(),
                    rule.source
                ),
            ))
        }
    };
    let mut provisional = false;
    let ends = track(
        &mut provisional,
        raise_ends(ctx.db.calendar(), at_local(from_day, 12, 0, 0), rule.raise),
    );
    if !in_time(now, ends) {
        return Err(too_late("raised_at", ends, &rule));
    }
    let org = parent.raised_by_org.clone().unwrap_or_default();
    let inherit = parent.suspending;
    if inherit {
        // The suspension moves to the complaint: the parent's ends, the child's starts (the
        // projects area sees both in this order and keeps the section suspended).
        resumed(
            &mut tx,
            ctx,
            &actor.actor_ref(),
            now,
            &parent,
            None,
            "escalated",
        )
        .await?;
    }
    let child = insert_case(
        ctx,
        &mut tx,
        actor,
        now,
        NewCase {
            rule: &rule,
            section_id: &parent.section_id,
            org_id: &org,
            grounds,
            attachments: files,
            attachment_ids: &input.attachments,
            known_on: Some(from_day),
            raise_deadline: Some(ends),
            parent_id: Some(id),
            inherit_suspension: inherit,
            provisional,
            answer_from: None,
        },
    )
    .await?;
    sqlx::query("UPDATE remedy_cases SET state = $1, child_id = $2, updated_at = $3 WHERE id = $4 AND state = $5")
        .bind(to.as_str())
        .bind(&child.id)
        .bind(to_micros(now))
        .bind(id)
        .bind(parent.state.as_str())
        .execute(&mut *tx)
        .await?;
    timers::cancel(&mut tx, &due_key(id)).await?;
    ev(
        &mut tx,
        ctx,
        &actor.actor_ref(),
        now,
        "remedies.case.escalated",
        id,
        json!({"case_id": id, "section_id": parent.section_id, "complaint_id": child.id}),
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &child, now).await?;
    Ok(child)
}

/// The supervisor accepts a complaint (受理), optionally suspending the section.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AcceptInput {
    /// Suspend the procurement / bidding while the complaint is investigated (实施条例 62;
    /// 政采法 57: at most 30 days in procurement).
    #[serde(default)]
    pub suspend: bool,
}

fn require_supervisor(actor: &Actor) -> Result<()> {
    actor.require(&[Role::Supervisor])
}

async fn complaint_rule(ctx: &Ctx, tx: &mut Tx, case: &Case) -> Result<RemedyRule> {
    load_rule(
        tx,
        &ctx.settings.region,
        &case.market,
        case.kind,
        case.target,
    )
    .await?
    .ok_or_else(|| Error::internal(format!("no rule for case {}", case.id)))
}

pub async fn accept(ctx: &Ctx, actor: &Actor, id: &str, input: AcceptInput) -> Result<Case> {
    require_supervisor(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let case = load_case(&ctx.db, &mut tx, id, true).await?;
    let to = transition(case.kind, case.state, Action::Accept)?;
    let rule = complaint_rule(ctx, &mut tx, &case).await?;
    if input.suspend && rule.suspends == Suspends::Never {
        return Err(Error::field(
            "suspend",
            "remedy.no_suspension",
            format!(
                "this complaint does not suspend the procedure ({})",
                rule.source
            ),
        ));
    }
    let cal = ctx.db.calendar();
    let mut provisional = case.provisional;
    let decide_due = rule.decide.map(|p| {
        let from = if rule.decide_from_raised {
            case.raised_at
        } else {
            now
        };
        track(&mut provisional, due(cal, from, p))
    });
    let start_suspension = input.suspend && !case.suspending;
    let suspend_until = if input.suspend || case.suspending {
        rule.suspend_max_days
            .map(|d| track(&mut provisional, due(cal, now, Days::calendar(d))))
    } else {
        None
    };
    sqlx::query(
        "UPDATE remedy_cases SET state = $1, accepted_at = $2, decide_due = $3, suspending = $4, \
         suspend_until = $5, provisional = $6, updated_at = $2 WHERE id = $7 AND state = $8",
    )
    .bind(to.as_str())
    .bind(to_micros(now))
    .bind(decide_due.map(to_micros))
    .bind(i64::from(input.suspend || case.suspending))
    .bind(suspend_until.map(to_micros))
    .bind(i64::from(provisional))
    .bind(id)
    .bind(case.state.as_str())
    .execute(&mut *tx)
    .await?;
    if let Some(d) = decide_due {
        timers::schedule(
            &mut tx,
            DUE_TIMER,
            &due_key(id),
            d,
            json!({"case_id": id, "step": "decision"}),
            now,
        )
        .await?;
    } else {
        timers::cancel(&mut tx, &due_key(id)).await?;
    }
    if let Some(u) = suspend_until {
        timers::schedule(
            &mut tx,
            SUSPENSION_TIMER,
            &suspension_key(id),
            u,
            json!({"case_id": id}),
            now,
        )
        .await?;
    }
    ev(
        &mut tx,
        ctx,
        &actor.actor_ref(),
        now,
        "remedies.case.accepted",
        id,
        json!({"case_id": id, "section_id": case.section_id, "market": case.market,
               "decide_due": decide_due.map(|d| d.to_rfc3339()), "suspend": input.suspend,
               "suspend_until": suspend_until.map(|d| d.to_rfc3339()),
               "late": case.accept_due.is_some_and(|d| now >= d)}),
    )
    .await?;
    if start_suspension {
        ev(
            &mut tx,
            ctx,
            &actor.actor_ref(),
            now,
            "remedies.case.suspended",
            id,
            json!({"case_id": id, "section_id": case.section_id,
                   "scope": case.target.suspension_scope(), "source": rule.source,
                   "until": suspend_until.map(|d| d.to_rfc3339())}),
        )
        .await?;
    }
    let out = load_case(&ctx.db, &mut tx, id, false).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

/// The supervisor refuses to accept a complaint (不予受理), with the reason.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RefuseInput {
    pub reason: String,
}

pub async fn refuse(ctx: &Ctx, actor: &Actor, id: &str, input: RefuseInput) -> Result<Case> {
    require_supervisor(actor)?;
    let mut v = Violations::new();
    let reason = text(&mut v, "reason", &input.reason, 2000);
    v.into_result()?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let case = load_case(&ctx.db, &mut tx, id, true).await?;
    let to = transition(case.kind, case.state, Action::Refuse)?;
    sqlx::query(
        "UPDATE remedy_cases SET state = $1, refusal_reason = $2, updated_at = $3 WHERE id = $4 AND state = $5",
    )
    .bind(to.as_str())
    .bind(&reason)
    .bind(to_micros(now))
    .bind(id)
    .bind(case.state.as_str())
    .execute(&mut *tx)
    .await?;
    timers::cancel(&mut tx, &due_key(id)).await?;
    ev(
        &mut tx,
        ctx,
        &actor.actor_ref(),
        now,
        "remedies.case.refused",
        id,
        json!({"case_id": id, "section_id": case.section_id, "reason": reason}),
    )
    .await?;
    if case.suspending {
        resumed(
            &mut tx,
            ctx,
            &actor.actor_ref(),
            now,
            &case,
            None,
            "refused",
        )
        .await?;
    }
    let out = load_case(&ctx.db, &mut tx, id, false).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

/// The supervisor's decision (处理决定).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DecideInput {
    pub decision: Decision,
    pub reason: String,
}

/// The supervisor decides an accepted complaint; a suspension ends; `remedies.case.decided`
/// carries the decision the projects area applies (`result_void`: back to evaluation;
/// `retender`: failed).
pub async fn decide(ctx: &Ctx, actor: &Actor, id: &str, input: DecideInput) -> Result<Case> {
    require_supervisor(actor)?;
    let mut v = Violations::new();
    let reason = text(&mut v, "reason", &input.reason, 5000);
    v.into_result()?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let case = load_case(&ctx.db, &mut tx, id, true).await?;
    let to = transition(case.kind, case.state, Action::Decide)?;
    sqlx::query(
        "UPDATE remedy_cases SET state = $1, decision = $2, decision_reason = $3, decided_at = $4, \
         updated_at = $4 WHERE id = $5 AND state = $6",
    )
    .bind(to.as_str())
    .bind(input.decision.as_str())
    .bind(&reason)
    .bind(to_micros(now))
    .bind(id)
    .bind(case.state.as_str())
    .execute(&mut *tx)
    .await?;
    timers::cancel(&mut tx, &due_key(id)).await?;
    if case.suspending {
        resumed(
            &mut tx,
            ctx,
            &actor.actor_ref(),
            now,
            &case,
            None,
            "decided",
        )
        .await?;
    }
    ev(
        &mut tx,
        ctx,
        &actor.actor_ref(),
        now,
        "remedies.case.decided",
        id,
        json!({"case_id": id, "section_id": case.section_id, "market": case.market,
               "decision": input.decision.as_str(), "reason": reason, "source": case.source,
               "late": case.decide_due.is_some_and(|d| now >= d)}),
    )
    .await?;
    let out = load_case(&ctx.db, &mut tx, id, false).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Reading.

/// One case, as the caller may see it.
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Case> {
    let mut conn = ctx.db.pool().acquire().await?;
    let case = load_case(&ctx.db, &mut conn, id, false).await?;
    let sec = load_section(&mut conn, &case.section_id).await?;
    // A supplier that objected to a public notice without being a party sees its own case.
    let own =
        actor.role == Role::Bidder && actor.org_id.is_some() && actor.org_id == case.raised_by_org;
    let sight = match sight(&mut conn, actor, &sec, &case.section_id).await {
        Err(_) if own => Sight::OwnOnly,
        r => r?,
    };
    Ok(shown(case, actor, sight))
}

/// The cases of a section (parties, tenderer / agency, staff, supervisors).
pub async fn list_by_section(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Vec<Case>> {
    let mut conn = ctx.db.pool().acquire().await?;
    let sec = load_section(&mut conn, section_id).await?;
    let sight = sight(&mut conn, actor, &sec, section_id).await?;
    let rows = sqlx::query(&format!(
        "SELECT {CASE_COLUMNS} FROM remedy_cases WHERE section_id = $1 ORDER BY raised_at, id"
    ))
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(cases_with_files(&mut conn, &rows)
        .await?
        .into_iter()
        .map(|c| shown(c, actor, sight))
        .collect())
}

/// The cases the caller's organization raised.
pub async fn list_mine(ctx: &Ctx, actor: &Actor) -> Result<Vec<Case>> {
    actor.require(&[Role::Bidder])?;
    let org = actor.org_id.clone().unwrap_or_default();
    let rows = sqlx::query(&format!(
        "SELECT {CASE_COLUMNS} FROM remedy_cases WHERE raised_by_org = $1 ORDER BY raised_at DESC, id"
    ))
    .bind(&org)
    .fetch_all(ctx.db.pool())
    .await?;
    let mut conn = ctx.db.pool().acquire().await?;
    cases_with_files(&mut conn, &rows).await
}

/// The supervisors' queue: complaints waiting for acceptance or a decision, oldest first.
pub async fn open_complaints(ctx: &Ctx, actor: &Actor) -> Result<Vec<Case>> {
    actor.require(&[Role::Supervisor, Role::Staff, Role::Admin])?;
    let rows = sqlx::query(&format!(
        "SELECT {CASE_COLUMNS} FROM remedy_cases WHERE kind = 'complaint' AND state IN ('raised', 'investigating') \
         ORDER BY raised_at, id"
    ))
    .fetch_all(ctx.db.pool())
    .await?;
    let mut conn = ctx.db.pool().acquire().await?;
    cases_with_files(&mut conn, &rows).await
}

/// The tenderer's / agency's queue: objections and challenges against its own sections waiting
/// for its answer, oldest first.
pub async fn awaiting_answer(ctx: &Ctx, actor: &Actor) -> Result<Vec<Case>> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let org = actor.org_id.clone().unwrap_or_default();
    let rows = sqlx::query(&format!(
        "SELECT {CASE_COLUMNS} FROM remedy_cases WHERE kind <> 'complaint' AND state = 'raised' \
         AND section_id IN (SELECT section_id FROM rem_sections WHERE owner_org_id = $1) \
         ORDER BY raised_at, id"
    ))
    .bind(&org)
    .fetch_all(ctx.db.pool())
    .await?;
    let mut conn = ctx.db.pool().acquire().await?;
    cases_with_files(&mut conn, &rows).await
}

/// What a bidder may raise about a section (its pages' form): the section's project code, market
/// and that market's rules. Only a party of the section (as [`raise`] requires).
pub async fn raise_options(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
) -> Result<(String, String, Vec<RuleView>)> {
    actor.require(&[Role::Bidder])?;
    let org = actor.org_id.clone().unwrap_or_default();
    let mut conn = ctx.db.pool().acquire().await?;
    let sec = load_section(&mut conn, section_id).await?;
    let party = party_since(&mut conn, section_id, &org).await?.is_some();
    drop(conn);
    let rules: Vec<RuleView> = list_rules(ctx)
        .await?
        .into_iter()
        .filter(|r| r.market == sec.market && (party || r.target.open_to_any_supplier()))
        // The public notices this section has: a single-source publicity, an open
        // prequalification round.
        .filter(|r| match r.target {
            Target::Publicity => sec.procedure == "single_source",
            Target::Prequalification => sec.prequal_due.is_some(),
            _ => true,
        })
        .collect();
    if !party && rules.is_empty() {
        return Err(Error::forbidden(
            "only a bidder or supplier that obtained the documents of this section may raise a case",
        ));
    }
    Ok((sec.project_code, sec.market, rules))
}

/// The sections the caller's organization is a party of (obtained the documents), newest first:
/// `(section id, project code)`, where it may raise a case.
pub async fn my_sections(ctx: &Ctx, actor: &Actor) -> Result<Vec<(String, String)>> {
    actor.require(&[Role::Bidder])?;
    let org = actor.org_id.clone().unwrap_or_default();
    let rows = sqlx::query(
        "SELECT p.section_id, s.project_code FROM rem_parties p \
         JOIN rem_sections s ON s.section_id = p.section_id \
         WHERE p.org_id = $1 ORDER BY p.registered_at DESC, p.section_id",
    )
    .bind(&org)
    .fetch_all(ctx.db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// The project code of a section, for the pages' lists.
pub async fn section_code(ctx: &Ctx, section_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query("SELECT project_code FROM rem_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(ctx.db.pool())
            .await?
            .map(|r| r.try_get::<String, _>(0))
            .transpose()?,
    )
}

// ---------------------------------------------------------------------------------------------
// Timers.

/// An answer, acceptance review or decision not given when due: `remedies.case.overdue`
/// (monitoring raises `compliance.remedy_overdue`).
pub struct CaseDue;

#[async_trait::async_trait]
impl TimerHandler for CaseDue {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let id = s(&timer.payload, "case_id");
        let step = s(&timer.payload, "step");
        let case = match load_case(db, tx, id, true).await {
            Err(Error::NotFound(_)) => return Ok(()),
            r => r?,
        };
        let waiting = match step {
            "answer" | "acceptance" => case.state == State::Raised,
            "decision" => case.state == State::Investigating,
            _ => false,
        };
        if !waiting {
            return Ok(());
        }
        emit(
            tx,
            db,
            &ActorRef::system(DUE_TIMER),
            clock.now(),
            NewEvent::new(
                "remedies.case.overdue",
                "remedy_case",
                id,
                json!({"case_id": id, "section_id": case.section_id, "market": case.market,
                       "kind": case.kind.as_str(), "step": step,
                       "due_at": timer.due_at.to_rfc3339(), "source": case.source}),
            ),
        )
        .await?;
        Ok(())
    }
}

/// A suspension with a maximum length (政采法 57: 30 days) ends by itself.
pub struct SuspensionEnd;

#[async_trait::async_trait]
impl TimerHandler for SuspensionEnd {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let id = s(&timer.payload, "case_id");
        let case = match load_case(db, tx, id, true).await {
            Err(Error::NotFound(_)) => return Ok(()),
            r => r?,
        };
        if !case.suspending {
            return Ok(());
        }
        let now = clock.now();
        sqlx::query("UPDATE remedy_cases SET suspending = 0, updated_at = $1 WHERE id = $2")
            .bind(to_micros(now))
            .bind(id)
            .execute(&mut **tx)
            .await?;
        emit(
            tx,
            db,
            &ActorRef::system(SUSPENSION_TIMER),
            now,
            NewEvent::new(
                "remedies.case.resumed",
                "remedy_case",
                id,
                json!({"case_id": id, "section_id": case.section_id,
                       "scope": case.target.suspension_scope(), "reason": "max_days",
                       "new_bid_deadline": null}),
            ),
        )
        .await?;
        Ok(())
    }
}
