//! Government procurement's own award path (政府采购, issue 20; docs/procurement.md).
//!
//! Procurement does not borrow construction's candidate publicity and objection (异议):
//!
//! 1. the committee's report (评审报告) arrives (`award::accept_result`, section `evaluating →
//!    publicizing`, which for procurement means "awaiting the purchaser's confirmation"; no
//!    candidate publicity is drafted) and must be sent to the purchaser within 2 working days
//!    (政府采购法实施条例 第四十三条第一款; 财政部令第87号 第六十八条) — durable timer
//!    [`REPORT_TIMER`], alert `projects.procurement.report_overdue`;
//! 2. the purchaser confirms the winner among the ranked candidates, in order, within 5 working
//!    days of receiving the report (同上). A confirmation after that is refused
//!    (`procurement.confirm_period_over`): when the period passes, the first candidate is deemed the
//!    winner (87号令 第六十八条: 视同按评标报告推荐的顺序确定排名第一的中标候选人为中标人) by the
//!    durable timer [`CONFIRM_TIMER`], through the same award use case as the purchaser's;
//! 3. the result announcement (中标/成交结果公告) with the award notice (中标通知书) within 2 working
//!    days of the confirmation (政采条例 第四十三条第二款), shown for at least 1 working day and
//!    listing the evaluation experts and the main items (87号令 第六十九条). Publishing drafts it from
//!    `projects.award.confirmed` and the experts area's `experts.committee.disclosed`; this area
//!    learns it was published from `publishing.announcement.published` ([`on_result_published`]);
//!    durable timer [`ANNOUNCE_TIMER`], alert `projects.procurement.result_announcement_overdue`;
//! 4. the contract (`award::record_contract`) is announced within 2 working days of signing
//!    (政采条例 第五十条) — recorded here ([`announce_contract`]), durable timer
//!    [`CONTRACT_ANNOUNCE_TIMER`], alert `projects.procurement.contract_announcement_overdue`;
//! 5. the contract is filed (备案, 政府采购法 第四十七条) — [`file_contract`].
//!
//! Every period is a row of `procurement_award_rules` (per region, national row `CN`) citing its
//! source, counted in working days with the platform calendar by the one counting convention
//! (`ggzy_core::period`: from the day after the event, ending 24:00 Beijing time of the last
//! working day). A last day in a year without a holiday schedule is reckoned with weekends only and
//! marked provisional, as the other award dates are (`*_provisional`).

use crate::award::{load_sec, require_owner, AwardInput, Candidate};
use crate::model::SectionState;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::calendar::{BusinessCalendar, Reckoned};
use ggzy_core::events::{ActorRef, NewEvent};
use ggzy_core::ident::Market;
use ggzy_core::period::{ends_at, Days};
use ggzy_core::time::{at_local, display_local, from_micros, to_micros};
use ggzy_core::{Clock, Error, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, expect_one, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

/// Timer: the report not sent to the purchaser by its due time.
pub const REPORT_TIMER: &str = "projects.procurement.report_due";
/// Timer: the purchaser's confirmation period ends; the first candidate is deemed the winner.
pub const CONFIRM_TIMER: &str = "projects.procurement.confirm_due";
/// Timer: the result announcement not published by its due time.
pub const ANNOUNCE_TIMER: &str = "projects.procurement.announce_due";
/// Timer: the contract announcement not recorded by its due time.
pub const CONTRACT_ANNOUNCE_TIMER: &str = "projects.procurement.contract_announce_due";

/// 政府采购法 第四十七条: the contract is filed with the finance department.
pub const FILING_SOURCE: &str = "政府采购法 第四十七条";

fn key(kind: &str, section_id: &str) -> String {
    format!("{kind}:{section_id}")
}

/// Region key of the national row.
const NATIONAL: &str = "CN";

// ---------------------------------------------------------------------------------------------
// Rules (pure).

/// The periods of procurement's award path, in working days, each with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProcurementAwardRules {
    /// Report (评审报告) to the purchaser, from the end of the evaluation.
    pub report_send_days: u32,
    pub report_send_source: String,
    /// The purchaser's confirmation of the winner, from receiving the report.
    pub confirm_days: u32,
    pub confirm_source: String,
    /// Result announcement and award notice, from the confirmation.
    pub announce_days: u32,
    pub announce_source: String,
    /// Shortest time the result announcement is shown.
    pub show_days: u32,
    pub show_source: String,
    /// Contract announcement, from the signing.
    pub contract_announce_days: u32,
    pub contract_announce_source: String,
}

impl ProcurementAwardRules {
    /// The national values (same as the `CN` row of migration 0150).
    pub fn national() -> ProcurementAwardRules {
        ProcurementAwardRules {
            // 采购代理机构应当自评审结束之日起2个工作日内将评审报告送交采购人.
            report_send_days: 2,
            report_send_source: "政府采购法实施条例 第四十三条第一款; 财政部令第87号 第六十八条"
                .into(),
            // 采购人应当自收到评审报告之日起5个工作日内 … 按顺序确定中标或者成交供应商.
            confirm_days: 5,
            confirm_source: "政府采购法实施条例 第四十三条第一款; 财政部令第87号 第六十八条".into(),
            // 自中标、成交供应商确定之日起2个工作日内，发出中标、成交通知书，并 … 公告中标、成交结果.
            announce_days: 2,
            announce_source: "政府采购法实施条例 第四十三条第二款; 财政部令第87号 第六十九条"
                .into(),
            // 中标、成交结果公告期限为1个工作日.
            show_days: 1,
            show_source: "财政部令第87号 第六十九条".into(),
            // 采购人应当自政府采购合同签订之日起2个工作日内 … 公告.
            contract_announce_days: 2,
            contract_announce_source: "政府采购法实施条例 第五十条".into(),
        }
    }
}

/// End of a period of `days` working days that starts with an event at `start` (from the next
/// day; 24:00 Beijing time of the last working day), provisional for a year without a schedule.
pub fn working_end(cal: &BusinessCalendar, start: Timestamp, days: u32) -> Reckoned<Timestamp> {
    ends_at(cal, start, Days::working(days))
}

/// The rules of a region: its row, else the national row, else the compiled-in values.
pub async fn load_rules(
    conn: &mut sqlx::AnyConnection,
    region: &str,
) -> Result<ProcurementAwardRules> {
    let row = sqlx::query(
        "SELECT report_send_days, report_send_source, confirm_days, confirm_source, announce_days, \
         announce_source, show_days, show_source, contract_announce_days, contract_announce_source \
         FROM procurement_award_rules WHERE region = $1 OR region = $2 \
         ORDER BY CASE WHEN region = $2 THEN 1 ELSE 0 END LIMIT 1",
    )
    .bind(region)
    .bind(NATIONAL)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else {
        return Ok(ProcurementAwardRules::national());
    };
    let n = |v: i64| {
        u32::try_from(v).map_err(|_| Error::internal("procurement_award_rules: negative value"))
    };
    Ok(ProcurementAwardRules {
        report_send_days: n(r.try_get(0)?)?,
        report_send_source: r.try_get(1)?,
        confirm_days: n(r.try_get(2)?)?,
        confirm_source: r.try_get(3)?,
        announce_days: n(r.try_get(4)?)?,
        announce_source: r.try_get(5)?,
        show_days: n(r.try_get(6)?)?,
        show_source: r.try_get(7)?,
        contract_announce_days: n(r.try_get(8)?)?,
        contract_announce_source: r.try_get(9)?,
    })
}

async fn due(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    start: Timestamp,
    days: u32,
    what: &str,
) -> Result<Reckoned<Timestamp>> {
    let d = working_end(db.calendar(), start, days);
    if d.provisional() {
        ggzy_store::calendar::note_missing(tx, db, now, &d.missing, what).await?;
    }
    Ok(d)
}

async fn region_of(tx: &mut Tx, section_id: &str) -> Result<(String, String)> {
    let r = sqlx::query(
        "SELECT p.region, p.id FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = $1",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

// ---------------------------------------------------------------------------------------------
// The path, step by step (each inside the caller's transaction).

/// The committee's report was received for a procurement section (from `award::accept_result`):
/// the row, the report-sending timer and `projects.procurement.report_received`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn on_report(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    now: Timestamp,
    section_id: &str,
    project_id: &str,
    region: &str,
    report_ref: &str,
    candidates: &[Candidate],
) -> Result<()> {
    let rules = load_rules(tx, region).await?;
    let send = due(
        tx,
        db,
        now,
        now,
        rules.report_send_days,
        "projects.procurement_report_due",
    )
    .await?;
    sqlx::query(
        "INSERT INTO procurement_awards (section_id, project_id, report_ref, report_at, report_send_due_at, \
         report_send_due_provisional, created_at) VALUES ($1, $2, $3, $4, $5, $6, $4)",
    )
    .bind(section_id)
    .bind(project_id)
    .bind(report_ref)
    .bind(to_micros(now))
    .bind(to_micros(send.value))
    .bind(i64::from(send.provisional()))
    .execute(&mut **tx)
    .await?;
    timers::schedule(
        tx,
        REPORT_TIMER,
        &key(REPORT_TIMER, section_id),
        send.value,
        json!({"section_id": section_id}),
        now,
    )
    .await?;
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "projects.procurement.report_received",
            "section",
            section_id,
            json!({"section_id": section_id, "project_id": project_id, "market": "procurement",
                   "report_ref": report_ref, "report_at": now.to_rfc3339(),
                   "candidate_count": candidates.len(),
                   "report_send_due_at": send.value.to_rfc3339(),
                   "report_send_due_at_provisional": send.provisional(),
                   "basis": rules.report_send_source}),
        ),
    )
    .await?;
    Ok(())
}

/// Record the report as received by the purchaser at `now` and start the confirmation period.
async fn report_received(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    now: Timestamp,
    section_id: &str,
) -> Result<()> {
    let (region, project_id) = region_of(tx, section_id).await?;
    let rules = load_rules(tx, &region).await?;
    let send_due: i64 = sqlx::query(
        "SELECT report_send_due_at FROM procurement_awards WHERE section_id = $1 AND report_sent_at IS NULL",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| {
        Error::conflict(
            "procurement.report_already_sent",
            "the evaluation report has already been sent to the purchaser",
        )
    })?
    .try_get(0)?;
    let send_due = from_micros(send_due);
    let late = now >= send_due;
    let confirm = due(
        tx,
        db,
        now,
        now,
        rules.confirm_days,
        "projects.procurement_confirm_due",
    )
    .await?;
    let n = sqlx::query(
        "UPDATE procurement_awards SET report_sent_at = $1, report_sent_late = $2, confirm_due_at = $3, \
         confirm_due_provisional = $4 WHERE section_id = $5 AND report_sent_at IS NULL",
    )
    .bind(to_micros(now))
    .bind(i64::from(late))
    .bind(to_micros(confirm.value))
    .bind(i64::from(confirm.provisional()))
    .bind(section_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    expect_one(
        n,
        "procurement.report_already_sent",
        "the evaluation report has already been sent to the purchaser",
    )?;
    timers::cancel(tx, &key(REPORT_TIMER, section_id)).await?;
    timers::schedule(
        tx,
        CONFIRM_TIMER,
        &key(CONFIRM_TIMER, section_id),
        confirm.value,
        json!({"section_id": section_id}),
        now,
    )
    .await?;
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "projects.procurement.report_sent",
            "section",
            section_id,
            json!({"section_id": section_id, "project_id": project_id, "sent_at": now.to_rfc3339(),
                   "due_at": send_due.to_rfc3339(), "late": late,
                   "confirm_due_at": confirm.value.to_rfc3339(),
                   "confirm_due_at_provisional": confirm.provisional(),
                   "basis": rules.confirm_source}),
        ),
    )
    .await?;
    Ok(())
}

/// Before the award of a procurement section (`award::award_in`): a purchaser confirming without
/// the report recorded as sent has received it now; a confirmation by the purchaser after its
/// period is refused (the first candidate is deemed the winner instead).
pub(crate) async fn before_confirm(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    section_id: &str,
    deemed: bool,
) -> Result<()> {
    let r = sqlx::query(
        "SELECT report_sent_at, confirm_due_at FROM procurement_awards WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| Error::internal(format!("procurement section {section_id} without report")))?;
    if r.try_get::<Option<i64>, _>(0)?.is_none() {
        report_received(
            tx,
            db,
            &ActorRef::system("projects.procurement"),
            now,
            section_id,
        )
        .await?;
        return Ok(());
    }
    let confirm_due = r.try_get::<Option<i64>, _>(1)?.map(from_micros);
    if let (Some(d), false) = (confirm_due, deemed) {
        if now >= d {
            let (region, _) = region_of(tx, section_id).await?;
            let rules = load_rules(tx, &region).await?;
            return Err(Error::conflict(
                "procurement.confirm_period_over",
                format!(
                    "the purchaser's {} working days to confirm the winner ended at {}; the first \
                     candidate is deemed the winner ({})",
                    rules.confirm_days,
                    display_local(d),
                    rules.confirm_source
                ),
            ));
        }
    }
    Ok(())
}

/// After the award of a procurement section: confirmation recorded, the announcement period
/// started.
pub(crate) async fn after_confirm(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    section_id: &str,
    deemed: bool,
) -> Result<()> {
    let (region, project_id) = region_of(tx, section_id).await?;
    let rules = load_rules(tx, &region).await?;
    let ann = due(
        tx,
        db,
        now,
        now,
        rules.announce_days,
        "projects.procurement_announce_due",
    )
    .await?;
    sqlx::query(
        "UPDATE procurement_awards SET confirmed_at = $1, deemed = $2, announce_due_at = $3, \
         announce_due_provisional = $4 WHERE section_id = $5",
    )
    .bind(to_micros(now))
    .bind(i64::from(deemed))
    .bind(to_micros(ann.value))
    .bind(i64::from(ann.provisional()))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    timers::cancel(tx, &key(CONFIRM_TIMER, section_id)).await?;
    timers::schedule(
        tx,
        ANNOUNCE_TIMER,
        &key(ANNOUNCE_TIMER, section_id),
        ann.value,
        json!({"section_id": section_id}),
        now,
    )
    .await?;
    emit(
        tx,
        db,
        &ActorRef::system("projects.procurement"),
        now,
        NewEvent::new(
            "projects.procurement.winner_confirmed",
            "section",
            section_id,
            json!({"section_id": section_id, "project_id": project_id, "confirmed_at": now.to_rfc3339(),
                   "deemed": deemed, "announce_due_at": ann.value.to_rfc3339(),
                   "announce_due_at_provisional": ann.provisional(),
                   "show_working_days": rules.show_days,
                   "basis": rules.announce_source, "show_basis": rules.show_source}),
        ),
    )
    .await?;
    Ok(())
}

/// The contract of a procurement section was recorded: the contract announcement period starts
/// with the signing day.
pub(crate) async fn on_contract(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    section_id: &str,
    signed_on: NaiveDate,
) -> Result<()> {
    let (region, _) = region_of(tx, section_id).await?;
    let rules = load_rules(tx, &region).await?;
    let signed_at = at_local(signed_on, 0, 0, 0);
    let d = due(
        tx,
        db,
        now,
        signed_at,
        rules.contract_announce_days,
        "projects.procurement_contract_announce_due",
    )
    .await?;
    sqlx::query(
        "UPDATE procurement_awards SET contract_signed_on = $1, contract_announce_due_at = $2, \
         contract_announce_due_provisional = $3 WHERE section_id = $4",
    )
    .bind(signed_on.to_string())
    .bind(to_micros(d.value))
    .bind(i64::from(d.provisional()))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    timers::schedule(
        tx,
        CONTRACT_ANNOUNCE_TIMER,
        &key(CONTRACT_ANNOUNCE_TIMER, section_id),
        d.value,
        json!({"section_id": section_id}),
        now,
    )
    .await?;
    Ok(())
}

/// `publishing.announcement.published` of type `award` for procurement sections: the result
/// announcement is out (late or not); its timer is cancelled. A section without a pending
/// announcement (another market, or announced already) is left alone.
pub(crate) async fn on_result_published(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    section_id: &str,
    announcement_id: &str,
    published_at: Timestamp,
) -> Result<()> {
    let Some(r) = sqlx::query(
        "SELECT announce_due_at, project_id FROM procurement_awards WHERE section_id = $1 \
         AND confirmed_at IS NOT NULL AND announced_at IS NULL",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(());
    };
    let due_at = from_micros(r.try_get::<Option<i64>, _>(0)?.unwrap_or_default());
    let project_id: String = r.try_get(1)?;
    let late = published_at >= due_at;
    sqlx::query(
        "UPDATE procurement_awards SET announced_at = $1, announcement_id = $2, announce_late = $3 \
         WHERE section_id = $4 AND announced_at IS NULL",
    )
    .bind(to_micros(published_at))
    .bind(announcement_id)
    .bind(i64::from(late))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    timers::cancel(tx, &key(ANNOUNCE_TIMER, section_id)).await?;
    emit(
        tx,
        db,
        &ActorRef::system("projects.announcements"),
        now,
        NewEvent::new(
            "projects.procurement.result_announced",
            "section",
            section_id,
            json!({"section_id": section_id, "project_id": project_id,
                   "announcement_id": announcement_id, "published_at": published_at.to_rfc3339(),
                   "due_at": due_at.to_rfc3339(), "late": late}),
        ),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Use cases of the API.

/// The state of a procurement section's award path.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProcurementAward {
    pub section_id: String,
    pub project_id: String,
    pub report_ref: String,
    pub report_at: DateTime<Utc>,
    pub report_send_due_at: DateTime<Utc>,
    pub report_send_due_at_provisional: bool,
    pub report_sent_at: Option<DateTime<Utc>>,
    pub report_sent_late: bool,
    pub confirm_due_at: Option<DateTime<Utc>>,
    pub confirm_due_at_provisional: bool,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The first candidate was deemed the winner when the purchaser's period passed.
    pub deemed: bool,
    pub announce_due_at: Option<DateTime<Utc>>,
    pub announce_due_at_provisional: bool,
    pub announced_at: Option<DateTime<Utc>>,
    pub announcement_id: Option<String>,
    pub announce_late: bool,
    pub contract_signed_on: Option<NaiveDate>,
    pub contract_announce_due_at: Option<DateTime<Utc>>,
    pub contract_announce_due_at_provisional: bool,
    pub contract_announced_at: Option<DateTime<Utc>>,
    pub contract_announcement_ref: Option<String>,
    pub contract_announce_late: bool,
    pub filed_at: Option<DateTime<Utc>>,
    pub filing_ref: Option<String>,
    pub rules: ProcurementAwardRules,
}

async fn load(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<ProcurementAward> {
    let r = sqlx::query(
        "SELECT a.project_id, a.report_ref, a.report_at, a.report_send_due_at, a.report_send_due_provisional, \
         a.report_sent_at, a.report_sent_late, a.confirm_due_at, a.confirm_due_provisional, a.confirmed_at, \
         a.deemed, a.announce_due_at, a.announce_due_provisional, a.announced_at, a.announcement_id, \
         a.announce_late, a.contract_signed_on, a.contract_announce_due_at, \
         a.contract_announce_due_provisional, a.contract_announced_at, a.contract_announcement_ref, \
         a.contract_announce_late, a.filed_at, a.filing_ref, p.region FROM procurement_awards a \
         JOIN projects p ON p.id = a.project_id WHERE a.section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found(format!("procurement award path of section {section_id}")))?;
    let t = |i: usize| -> Result<Option<DateTime<Utc>>> {
        Ok(r.try_get::<Option<i64>, _>(i)?.map(from_micros))
    };
    let b = |i: usize| -> Result<bool> { Ok(r.try_get::<i64, _>(i)? != 0) };
    let signed: Option<String> = r.try_get(16)?;
    let region: String = r.try_get(24)?;
    let out = ProcurementAward {
        section_id: section_id.to_string(),
        project_id: r.try_get(0)?,
        report_ref: r.try_get(1)?,
        report_at: from_micros(r.try_get(2)?),
        report_send_due_at: from_micros(r.try_get(3)?),
        report_send_due_at_provisional: b(4)?,
        report_sent_at: t(5)?,
        report_sent_late: b(6)?,
        confirm_due_at: t(7)?,
        confirm_due_at_provisional: b(8)?,
        confirmed_at: t(9)?,
        deemed: b(10)?,
        announce_due_at: t(11)?,
        announce_due_at_provisional: b(12)?,
        announced_at: t(13)?,
        announcement_id: r.try_get(14)?,
        announce_late: b(15)?,
        contract_signed_on: signed
            .map(|d| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|e| Error::internal(format!("stored contract date '{d}': {e}")))
            })
            .transpose()?,
        contract_announce_due_at: t(17)?,
        contract_announce_due_at_provisional: b(18)?,
        contract_announced_at: t(19)?,
        contract_announcement_ref: r.try_get(20)?,
        contract_announce_late: b(21)?,
        filed_at: t(22)?,
        filing_ref: r.try_get(23)?,
        rules: ProcurementAwardRules::national(),
    };
    let rules = load_rules(conn, &region).await?;
    Ok(ProcurementAward { rules, ..out })
}

/// The award path of a procurement section: the project's tenderer/agency, staff, supervisors and
/// administrators (the public reads the announcements).
pub async fn get(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<ProcurementAward> {
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
    load(&mut conn, section_id).await
}

async fn owned_procurement_section(
    ctx: &Ctx,
    tx: &mut Tx,
    actor: &Actor,
    section_id: &str,
) -> Result<crate::award::Sec> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let sec = load_sec(&ctx.db, tx, section_id, true).await?;
    require_owner(actor, &sec)?;
    if sec.market != Market::Procurement {
        return Err(Error::conflict(
            "procurement.not_procurement",
            "this step belongs to the government procurement award path",
        ));
    }
    Ok(sec)
}

/// The agency sends the committee's report to the purchaser (or the purchaser that organizes its
/// own procurement records it received): the confirmation period starts. A report sent after its
/// period is recorded, flagged late (the overdue alert has been raised by then).
pub async fn send_report(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<ProcurementAward> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let sec = owned_procurement_section(ctx, &mut tx, actor, section_id).await?;
    if sec.state != SectionState::Publicizing {
        return Err(Error::conflict(
            "procurement.no_report",
            format!(
                "section is in state {}; the report is sent while the result awaits confirmation",
                sec.state.as_str()
            ),
        ));
    }
    report_received(&mut tx, &ctx.db, &actor.actor_ref(), now, section_id).await?;
    let out = load(&mut tx, section_id).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ContractAnnouncementInput {
    /// Where the contract announcement (合同公告) was published (reference or address).
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub announcement_ref: String,
}

fn reference(field: &str, s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 500 {
        return Err(Error::field(
            field,
            "required",
            format!("{field} is required (at most 500 characters)"),
        ));
    }
    Ok(t.to_string())
}

/// Record the contract announcement (政采条例 第五十条), once, after the contract; late when past
/// its period.
pub async fn announce_contract(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ContractAnnouncementInput,
) -> Result<ProcurementAward> {
    let r = reference("announcement_ref", &input.announcement_ref)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    owned_procurement_section(ctx, &mut tx, actor, section_id).await?;
    let cur = load(&mut tx, section_id).await?;
    let Some(due_at) = cur.contract_announce_due_at else {
        return Err(Error::conflict(
            "procurement.no_contract",
            "the contract is announced after it is signed and recorded",
        ));
    };
    if cur.contract_announced_at.is_some() {
        return Err(Error::conflict(
            "procurement.contract_already_announced",
            "the contract announcement has been recorded",
        ));
    }
    let late = now >= due_at;
    sqlx::query(
        "UPDATE procurement_awards SET contract_announced_at = $1, contract_announcement_ref = $2, \
         contract_announce_late = $3 WHERE section_id = $4 AND contract_announced_at IS NULL",
    )
    .bind(to_micros(now))
    .bind(&r)
    .bind(i64::from(late))
    .bind(section_id)
    .execute(&mut *tx)
    .await?;
    timers::cancel(&mut tx, &key(CONTRACT_ANNOUNCE_TIMER, section_id)).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.procurement.contract_announced",
            "section",
            section_id,
            json!({"section_id": section_id, "project_id": cur.project_id, "announcement_ref": r,
                   "announced_at": now.to_rfc3339(), "due_at": due_at.to_rfc3339(), "late": late,
                   "basis": cur.rules.contract_announce_source}),
        ),
    )
    .await?;
    let out = load(&mut tx, section_id).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FilingInput {
    /// The finance department's filing reference (备案号).
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub filing_ref: String,
}

/// Record the contract's filing (备案, 政府采购法 第四十七条): after the contract announcement, once.
pub async fn file_contract(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: FilingInput,
) -> Result<ProcurementAward> {
    let r = reference("filing_ref", &input.filing_ref)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    owned_procurement_section(ctx, &mut tx, actor, section_id).await?;
    let cur = load(&mut tx, section_id).await?;
    if cur.contract_announced_at.is_none() {
        return Err(Error::conflict(
            "procurement.contract_not_announced",
            "the contract is filed after it has been signed and announced",
        ));
    }
    let n = sqlx::query(
        "UPDATE procurement_awards SET filed_at = $1, filing_ref = $2 WHERE section_id = $3 AND filed_at IS NULL",
    )
    .bind(to_micros(now))
    .bind(&r)
    .bind(section_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one(
        n,
        "procurement.already_filed",
        "the contract has been filed",
    )?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.procurement.contract_filed",
            "section",
            section_id,
            json!({"section_id": section_id, "project_id": cur.project_id, "filing_ref": r,
                   "filed_at": now.to_rfc3339(), "basis": FILING_SOURCE}),
        ),
    )
    .await?;
    let out = load(&mut tx, section_id).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Timers.

/// Raises an overdue alert event once, when `flag` is still 0 and `open` (SQL over the row) holds.
#[allow(clippy::too_many_arguments)]
async fn overdue(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    timer: &Timer,
    flag: &str,
    open: &str,
    due_col: &str,
    event: &str,
    basis: &str,
) -> Result<()> {
    let Some(id) = timer.payload["section_id"].as_str() else {
        return Err(Error::internal(format!(
            "{} without section_id",
            timer.kind
        )));
    };
    let n = sqlx::query(&format!(
        "UPDATE procurement_awards SET {flag} = 1 WHERE section_id = $1 AND {flag} = 0 AND {open}"
    ))
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Ok(());
    }
    let r = sqlx::query(&format!(
        "SELECT project_id, {due_col} FROM procurement_awards WHERE section_id = $1"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let project_id: String = r.try_get(0)?;
    let due_at = from_micros(r.try_get::<Option<i64>, _>(1)?.unwrap_or_default());
    emit(
        tx,
        db,
        &ActorRef::system(&timer.kind),
        now,
        NewEvent::new(
            event,
            "section",
            id,
            json!({"section_id": id, "project_id": project_id, "due_at": due_at.to_rfc3339(),
                   "basis": basis}),
        ),
    )
    .await?;
    Ok(())
}

/// [`REPORT_TIMER`]: `projects.procurement.report_overdue` when the report was not sent in time.
pub struct ReportOverdue;

#[async_trait::async_trait]
impl TimerHandler for ReportOverdue {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        overdue(
            tx,
            db,
            clock.now(),
            timer,
            "report_overdue_alerted",
            "report_sent_at IS NULL",
            "report_send_due_at",
            "projects.procurement.report_overdue",
            &ProcurementAwardRules::national().report_send_source,
        )
        .await
    }
}

/// [`ANNOUNCE_TIMER`]: `projects.procurement.result_announcement_overdue`.
pub struct AnnouncementOverdue;

#[async_trait::async_trait]
impl TimerHandler for AnnouncementOverdue {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        overdue(
            tx,
            db,
            clock.now(),
            timer,
            "announce_overdue_alerted",
            "announced_at IS NULL",
            "announce_due_at",
            "projects.procurement.result_announcement_overdue",
            &ProcurementAwardRules::national().announce_source,
        )
        .await
    }
}

/// [`CONTRACT_ANNOUNCE_TIMER`]: `projects.procurement.contract_announcement_overdue`.
pub struct ContractAnnouncementOverdue;

#[async_trait::async_trait]
impl TimerHandler for ContractAnnouncementOverdue {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        overdue(
            tx,
            db,
            clock.now(),
            timer,
            "contract_announce_overdue_alerted",
            "contract_announced_at IS NULL",
            "contract_announce_due_at",
            "projects.procurement.contract_announcement_overdue",
            &ProcurementAwardRules::national().contract_announce_source,
        )
        .await
    }
}

/// [`CONFIRM_TIMER`]: the purchaser did not confirm in time — the first candidate is deemed the
/// winner (财政部令第87号 第六十八条), through the award use case (award notice, contract timer,
/// `projects.award.confirmed` with `deemed: true`). A section no longer awaiting confirmation
/// (confirmed, terminated, suspended elsewhere) is left alone; an unanswered objection or any
/// other refusal is recorded as `projects.procurement.deemed_award_refused`.
pub struct ConfirmDue;

#[async_trait::async_trait]
impl TimerHandler for ConfirmDue {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let Some(id) = timer.payload["section_id"].as_str() else {
            return Err(Error::internal("confirm timer without section_id"));
        };
        let now = clock.now();
        let sec = load_sec(db, tx, id, true).await?;
        if sec.state != SectionState::Publicizing {
            return Ok(());
        }
        let by = ActorRef::system(CONFIRM_TIMER);
        let project_id = sec.project_id.clone();
        match crate::award::award_in(
            tx,
            db,
            &by,
            CONFIRM_TIMER,
            now,
            id,
            sec,
            AwardInput::default(),
            true,
        )
        .await
        {
            Ok(_) => Ok(()),
            Err(e @ (Error::Conflict { .. } | Error::Validation(_))) => {
                let p = e.to_problem();
                emit(
                    tx,
                    db,
                    &by,
                    now,
                    NewEvent::new(
                        "projects.procurement.deemed_award_refused",
                        "section",
                        id,
                        json!({"section_id": id, "project_id": project_id, "rule": p.rule,
                               "detail": p.detail}),
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
// Mandatory failure (废标) after the review.

/// Fewest qualified and compliant suppliers with which a procurement goes on (政府采购法 第三十六条
/// 第一款第一项: 符合专业条件的供应商或者对招标文件作实质响应的供应商不足三家的, 应予废标;
/// 财政部令第87号 第四十三条).
pub const MIN_QUALIFIED: i64 = 3;
pub const MIN_QUALIFIED_SOURCE: &str = "政府采购法 第三十六条; 财政部令第87号 第四十三条";

/// Does a procurement with `qualified` suppliers left after the review go on? Pure.
pub fn enough_qualified(qualified: i64) -> bool {
    qualified >= MIN_QUALIFIED
}

/// Consumer of `evaluation.bid.rejected` (the committee's majority rejected a bid in its
/// qualification or compliance review): records the rejection, and for a procurement section still
/// in evaluation counts the opened bids not rejected; fewer than [`MIN_QUALIFIED`] ends the section
/// as failed (`projects.section.failed`, reason `too_few_qualified`). A second delivery changes
/// nothing (the rejection is recorded once; a failed section is left alone).
pub struct ReviewRejections;

#[async_trait::async_trait]
impl ggzy_store::consumer::Consumer for ReviewRejections {
    fn name(&self) -> &'static str {
        "projects.review_rejections"
    }

    fn wants(&self, event_type: &str) -> bool {
        event_type == "evaluation.bid.rejected"
    }

    async fn handle(
        &self,
        tx: &mut Tx,
        db: &Db,
        clock: &Clock,
        ev: &ggzy_core::events::Event,
    ) -> Result<()> {
        let p = &ev.payload;
        let (Some(section_id), Some(org_id)) = (p["section_id"].as_str(), p["org_id"].as_str())
        else {
            tracing::warn!(event = %ev.id, "evaluation.bid.rejected without section_id/org_id; skipped");
            return Ok(());
        };
        let now = clock.now();
        sqlx::query(
            "INSERT INTO section_review_rejections (section_id, org_id, event_id, recorded_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (section_id, org_id) DO NOTHING",
        )
        .bind(section_id)
        .bind(org_id)
        .bind(&ev.id)
        .bind(to_micros(now))
        .execute(&mut **tx)
        .await?;
        let exists = sqlx::query("SELECT 1 FROM sections WHERE id = $1")
            .bind(section_id)
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
        if !exists {
            return Ok(());
        }
        let sec = load_sec(db, tx, section_id, true).await?;
        if sec.market != Market::Procurement || sec.state != SectionState::Evaluating {
            return Ok(());
        }
        let opened: i64 = sqlx::query(
            "SELECT COUNT(*) FROM bids WHERE section_id = $1 AND status = 'current' AND decryption = 'decrypted'",
        )
        .bind(section_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        let rejected: i64 = sqlx::query(
            "SELECT COUNT(*) FROM bids b WHERE b.section_id = $1 AND b.status = 'current' \
             AND b.decryption = 'decrypted' AND (EXISTS (SELECT 1 FROM section_review_rejections r \
             WHERE r.section_id = b.section_id AND r.org_id = b.org_id) OR EXISTS (SELECT 1 FROM \
             section_qualifications q WHERE q.section_id = b.section_id AND q.org_id = b.org_id \
             AND q.qualified = 0))",
        )
        .bind(section_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        let qualified = opened - rejected;
        // Non-tender methods: their own minimum (single source goes on with its one supplier).
        let min = crate::rules::Procedure::parse(&sec.procedure)
            .ok()
            .and_then(crate::nontender::min_suppliers);
        if let Some((min, _)) = min {
            if qualified >= min {
                return Ok(());
            }
        } else if enough_qualified(qualified) {
            return Ok(());
        }
        let next = crate::model::transition(sec.state, crate::model::SectionAction::Fail)?;
        crate::service::set_section_state(tx, section_id, sec.state, next, now).await?;
        emit(
            tx,
            db,
            &ActorRef::system("projects.review_rejections"),
            now,
            NewEvent::new(
                "projects.section.failed",
                "section",
                section_id,
                json!({"section_id": section_id, "project_id": sec.project_id, "market": "procurement",
                       "reason": "too_few_qualified", "opened_count": opened,
                       "rejected_count": rejected, "qualified_count": qualified,
                       "min_qualified": MIN_QUALIFIED, "basis": MIN_QUALIFIED_SOURCE,
                       "failed_at": now.to_rfc3339()}),
            ),
        )
        .await?;
        Ok(())
    }
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
            .routes(routes!(get_path))
            .routes(routes!(post_report_sent))
            .routes(routes!(post_contract_announcement))
            .routes(routes!(post_filing))
    }

    /// The award path of a procurement section (report, confirmation, announcements, filing).
    #[utoipa::path(get, path = "/api/v1/sections/{id}/procurement-award", tag = "award",
        params(("id" = String, Path)),
        responses((status = 200, body = ProcurementAward)))]
    async fn get_path(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
    ) -> Result<Json<ProcurementAward>> {
        Ok(Json(get(&ctx, &actor, &id).await?))
    }

    /// The evaluation report was sent to (received by) the purchaser.
    #[utoipa::path(post, path = "/api/v1/sections/{id}/procurement-award/report-sent", tag = "award",
        params(("id" = String, Path)),
        responses((status = 200, body = ProcurementAward)))]
    async fn post_report_sent(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
    ) -> Result<Json<ProcurementAward>> {
        Ok(Json(send_report(&ctx, &actor, &id).await?))
    }

    /// The contract announcement (合同公告) was published.
    #[utoipa::path(post, path = "/api/v1/sections/{id}/procurement-award/contract-announcement",
        tag = "award", params(("id" = String, Path)), request_body = ContractAnnouncementInput,
        responses((status = 200, body = ProcurementAward)))]
    async fn post_contract_announcement(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
        Json(input): Json<ContractAnnouncementInput>,
    ) -> Result<Json<ProcurementAward>> {
        Ok(Json(announce_contract(&ctx, &actor, &id, input).await?))
    }

    /// The contract was filed (备案).
    #[utoipa::path(post, path = "/api/v1/sections/{id}/procurement-award/filing", tag = "award",
        params(("id" = String, Path)), request_body = FilingInput,
        responses((status = 200, body = ProcurementAward)))]
    async fn post_filing(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
        Json(input): Json<FilingInput>,
    ) -> Result<Json<ProcurementAward>> {
        Ok(Json(file_contract(&ctx, &actor, &id, input).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ggzy_core::time::at_local;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn working_day_periods_skip_qingming_and_end_at_midnight() {
        let cal = BusinessCalendar::official();
        // Report received Friday 2026-04-03 10:00; 04-04..06 is 清明: 2 working days end with
        // Wednesday 04-08, 5 with Monday 04-13 (24:00 Beijing).
        let start = at_local(d(2026, 4, 3), 10, 0, 0);
        let two = working_end(&cal, start, 2);
        assert!(!two.provisional());
        assert_eq!(two.value, at_local(d(2026, 4, 9), 0, 0, 0));
        assert_eq!(
            working_end(&cal, start, 5).value,
            at_local(d(2026, 4, 14), 0, 0, 0)
        );
    }

    #[test]
    fn three_qualified_suppliers_go_on_two_fail() {
        assert!(enough_qualified(3));
        assert!(!enough_qualified(2));
        assert!(MIN_QUALIFIED_SOURCE.contains("第三十六条"));
    }

    #[test]
    fn national_rules_cite_their_sources() {
        let r = ProcurementAwardRules::national();
        assert_eq!(
            (
                r.report_send_days,
                r.confirm_days,
                r.announce_days,
                r.show_days,
                r.contract_announce_days
            ),
            (2, 5, 2, 1, 2)
        );
        assert!(r.confirm_source.contains("第四十三条"));
        assert!(r.show_source.contains("第六十九条"));
        assert!(r.contract_announce_source.contains("第五十条"));
    }
}
