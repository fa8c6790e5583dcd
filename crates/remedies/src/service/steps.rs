//! The steps of a case after it is raised: answer, close, escalate, accept, refuse, decide.

use super::*;
use crate::store::cases as store;
use ggzy_events::remedies::{CaseAccepted, CaseClosed, CaseEscalated, CaseRefused};

pub(super) fn first_error(e: Error) -> ggzy_core::error::FieldError {
    match e {
        Error::Validation(mut v) if !v.is_empty() => v.remove(0),
        other => ggzy_core::error::FieldError::new("", "invalid", other.to_string()),
    }
}

pub(super) fn not_available(market: &str, kind: Kind, target: Target) -> Error {
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
    store::mark_answered(
        &mut tx,
        id,
        case.state,
        store::AnswerUpdate {
            to,
            answer: &text_answer,
            at: now,
            by: &actor.user_id,
            changes_documents: input.changes_documents,
            new_bid_deadline: new_deadline,
        },
    )
    .await?;
    timers::cancel(&mut tx, &due_key(id)).await?;
    let answered = ggzy_events::remedies::CaseAnswered {
        case_id: id.to_string(),
        section_id: case.section_id.clone(),
        market: case.market.clone(),
        kind: case.kind.as_str().into(),
        target: case.target.as_str().into(),
        answer: text_answer.clone(),
        changes_documents: input.changes_documents,
        new_bid_deadline: new_deadline,
        late: case.answer_due.is_some_and(|d| now >= d),
        project_code: sec.project_code.clone(),
    };
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::Contract::encode(&answered),
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
    store::clear_suspending(tx, &case.id).await?;
    let resumed = ggzy_events::remedies::CaseResumed {
        case_id: case.id.clone(),
        section_id: case.section_id.clone(),
        scope: case.target.suspension_scope().into(),
        reason: why.into(),
        new_bid_deadline: new_deadline,
    };
    emit(
        tx,
        &ctx.db,
        by,
        now,
        ggzy_events::Contract::encode(&resumed),
    )
    .await?;
    Ok(())
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
    let closed = CaseClosed {
        case_id: id.into(),
        section_id: case.section_id.clone(),
    };
    ev(&mut tx, ctx, &actor.actor_ref(), now, &closed).await?;
    let out = load_case(&ctx.db, &mut tx, id, false).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

async fn set_state(tx: &mut Tx, id: &str, from: State, to: State, now: Timestamp) -> Result<()> {
    let n = store::set_state(tx, id, from, to, now).await?;
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
    store::mark_escalated(&mut tx, id, (parent.state, to), &child.id, now).await?;
    timers::cancel(&mut tx, &due_key(id)).await?;
    let escalated = CaseEscalated {
        case_id: id.into(),
        section_id: parent.section_id.clone(),
        complaint_id: child.id.clone(),
    };
    ev(&mut tx, ctx, &actor.actor_ref(), now, &escalated).await?;
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
    store::mark_accepted(
        &mut tx,
        id,
        case.state,
        store::AcceptUpdate {
            to,
            at: now,
            decide_due,
            suspending: input.suspend || case.suspending,
            suspend_until,
            provisional,
        },
    )
    .await?;
    if let Some(d) = decide_due {
        timers::schedule(
            &mut tx,
            DUE_TIMER,
            &due_key(id),
            d,
            CaseTimer::payload(id, Some("decision")),
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
            CaseTimer::payload(id, None),
            now,
        )
        .await?;
    }
    let accepted = CaseAccepted {
        case_id: id.into(),
        section_id: case.section_id.clone(),
        market: case.market.clone(),
        decide_due,
        suspend: input.suspend,
        suspend_until,
        late: case.accept_due.is_some_and(|d| now >= d),
    };
    ev(&mut tx, ctx, &actor.actor_ref(), now, &accepted).await?;
    if start_suspension {
        let suspended = ggzy_events::remedies::CaseSuspended {
            case_id: id.to_string(),
            section_id: case.section_id.clone(),
            scope: case.target.suspension_scope().into(),
            source: rule.source.clone(),
            until: suspend_until,
        };
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            ggzy_events::Contract::encode(&suspended),
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
    store::mark_refused(&mut tx, id, (case.state, to), &reason, now).await?;
    timers::cancel(&mut tx, &due_key(id)).await?;
    let refused = CaseRefused {
        case_id: id.into(),
        section_id: case.section_id.clone(),
        reason: reason.clone(),
    };
    ev(&mut tx, ctx, &actor.actor_ref(), now, &refused).await?;
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
    store::mark_decided(
        &mut tx,
        id,
        (case.state, to),
        (input.decision, &reason),
        now,
    )
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
    let decided = ggzy_events::remedies::CaseDecided {
        case_id: id.to_string(),
        section_id: case.section_id.clone(),
        market: case.market.clone(),
        decision: input.decision.as_str().into(),
        reason: reason.clone(),
        source: case.source.clone(),
        late: case.decide_due.is_some_and(|d| now >= d),
    };
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::Contract::encode(&decided),
    )
    .await?;
    let out = load_case(&ctx.db, &mut tx, id, false).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}
