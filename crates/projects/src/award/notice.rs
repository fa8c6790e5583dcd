//! Award (定标) and the award notice (中标通知书), with the contract-due timer.

use super::*;
use ggzy_events::projects::AwardConfirmed;
use ggzy_events::Contract as _;
use ggzy_store::uow::Uow;

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

pub(super) async fn load_award(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<Award> {
    let r = crate::store::award::award(conn, section_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("award of section {section_id}")))?;
    let contract = match r.contract_signed_on {
        Some(d) => Some(Contract {
            signed_on: NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|e| Error::internal(format!("stored contract date '{d}': {e}")))?,
            amount: r.contract_amount_fen.unwrap_or_default(),
            recorded_at: r.contract_recorded_at.unwrap_or_else(|| from_micros(0)),
            late: r.contract_late,
            performance_security: r.performance_security_fen,
        }),
        None => None,
    };
    Ok(Award {
        section_id: section_id.to_string(),
        notice_no: r.notice_no,
        winner_org_id: r.winner_org_id,
        winner_name: r.winner_name,
        winner_rank: r.winner_rank,
        price: r.price_fen,
        reason: r.reason,
        awarded_at: r.awarded_at,
        contract_due_at: r.contract_due_at,
        contract,
        project_id: r.project_id,
        contract_due_at_provisional: r.contract_due_provisional,
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
        &mut Uow::within(&mut tx, &ctx.db, actor.actor_ref(), now),
        &actor.user_id,
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
pub(crate) async fn award_in(
    u: &mut Uow<'_>,
    user_id: &str,
    section_id: &str,
    sec: Sec,
    input: AwardInput,
    deemed: bool,
) -> Result<Award> {
    let db = u.db;
    let now = u.now;
    let next = transition(sec.state, SectionAction::Award)?;
    crate::suspension::ensure_not_suspended(&mut *u.tx(), section_id).await?;
    let rules = load_rules(u.tx(), &sec.region, sec.market).await?;
    let publicity = load_publicity(u.tx(), section_id).await?;
    let procurement = sec.market == Market::Procurement;
    if procurement {
        crate::procurement::before_confirm(u.tx(), db, now, section_id, deemed).await?;
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
    let voided = crate::store::award::voided_awards(u.tx(), section_id).await?;
    if voided > 0 {
        notice_no.push_str(&format!("-R{voided}"));
    }
    let due = period_end(db.calendar(), now, rules.contract_days);
    if due.provisional() {
        ggzy_store::calendar::note_missing(u.tx(), db, now, &due.missing, "projects.contract_due")
            .await?;
    }
    let provisional = due.provisional();
    let due = due.value;
    crate::store::award::insert_award(
        u.tx(),
        crate::store::award::NewAward {
            section_id,
            notice_no: &notice_no,
            winner_org_id: &winner.org_id,
            winner_name: &winner.org_name,
            winner_rank: winner.rank,
            price: winner.price,
            reason: reason.clone(),
            awarded_by: user_id,
            awarded_at: now,
            contract_due_at: due,
            contract_due_provisional: provisional,
            contract_days: rules.contract_days,
        },
    )
    .await?;
    set_state(u.tx(), section_id, sec.state, next, now).await?;
    timers::schedule(
        u.tx(),
        CONTRACT_TIMER,
        &contract_key(section_id),
        due,
        crate::timer_payload::SectionTimer::payload(section_id),
        now,
    )
    .await?;
    let bidders = crate::store::award::bidder_org_ids(u.tx(), section_id).await?;
    u.emit(
        AwardConfirmed {
            section_id: section_id.to_string(),
            project_id: Some(sec.project_id.clone()),
            market: Some(sec.market.as_str().to_string()),
            procedure: Some(sec.procedure.to_string()),
            notice_no: Some(notice_no.clone()),
            winner_org_id: winner.org_id.clone(),
            winner_name: Some(winner.org_name.clone()),
            winner_rank: Some(winner.rank as i64),
            price: Some(winner.price),
            reason: reason.clone(),
            awarded_at: Some(now),
            contract_due_at: Some(due),
            contract_due_at_provisional: Some(provisional),
            bidder_org_ids: bidders,
            deemed: Some(deemed),
        }
        .encode(),
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
        crate::procurement::after_confirm(u.tx(), db, now, section_id, deemed).await?;
    }
    // 招标投标法 第四十七条: the written report to the supervisor (markets with a rule row).
    crate::award_report::on_award(
        u.tx(),
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
        let section = crate::timer_payload::SectionTimer::decode(timer)?;
        let id = section.section_id.as_str();
        let n = crate::store::award::mark_contract_overdue(tx, id).await?;
        if n != 1 {
            return Ok(());
        }
        let state = crate::store::award::section_state(tx, id).await?;
        if state != SectionState::Awarded {
            return Ok(());
        }
        let r = crate::store::award::overdue(tx, id).await?;
        let awarded = r.awarded_at;
        let due = r.contract_due_at;
        let winner = r.winner_org_id;
        let project_id = r.project_id;
        let provisional = r.contract_due_provisional;
        emit(
            tx,
            db,
            &ActorRef::system(CONTRACT_TIMER),
            clock.now(),
            ggzy_events::Contract::encode(&ggzy_events::projects::ContractOverdue {
                section_id: id.to_string(),
                project_id: Some(project_id),
                winner_org_id: Some(winner),
                awarded_at: awarded,
                due_at: due,
                due_at_provisional: provisional,
                basis: Some("招标投标法 第四十六条".into()),
            }),
        )
        .await?;
        Ok(())
    }
}
