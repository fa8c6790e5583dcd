//! The review workflow: submit, approve (with the legal checks), publish at the scheduled time,
//! return to the owner, withdraw.

use super::*;
use crate::rules::{prequalification_clarification_effect, DueEffect};
use ggzy_events::publishing::{
    AnnouncementPublished, AnnouncementReturned, Postponement, PrequalificationPostponement,
};

/// The deadlines a change notice moves when it goes out.
#[derive(Debug, Default)]
pub(super) struct Moves {
    /// Bid deadlines (and openings) of sections whose tender documents it amends.
    pub(super) bids: Vec<Postpone>,
    /// Applications deadlines of sections whose open prequalification round it amends.
    pub(super) prequal: Vec<PrequalPostpone>,
}

/// A time field of a change notice's own (`new_bid_deadline`, `new_applications_due_at`).
fn own_time(a: &Announcement, key: &str, v: &mut Violations) -> Option<DateTime<Utc>> {
    let s = a.fields.get(key).and_then(Value::as_str)?;
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            v.push(
                format!("fields.{key}"),
                "announcement.time_invalid",
                format!("`{key}` must be an RFC 3339 time"),
            );
            None
        }
    }
}

pub(super) async fn set_status(
    tx: &mut Tx,
    id: &str,
    from: Status,
    to: Status,
    now: Timestamp,
) -> Result<()> {
    let n = store::announcements::set_status(tx, id, from, to, to_micros(now)).await?;
    expect_one(
        n,
        "announcement.transition",
        &format!(
            "a {} announcement cannot become {}",
            from.as_str(),
            to.as_str()
        ),
    )
}

pub(super) fn require_status(a: &Announcement, want: Status, action: &str) -> Result<()> {
    if a.status != want {
        return Err(Error::conflict(
            "announcement.transition",
            format!("cannot {action} a {} announcement", a.status.as_str()),
        ));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn submit(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Announcement> {
    actor.require(&[Role::Tenderer, Role::Agency, Role::Staff])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let cur = load(&mut tx, &ctx.db, id, true).await?;
    if !can_edit(actor, &cur) {
        return Err(Error::not_found(format!("announcement {id}")));
    }
    require_status(&cur, Status::Draft, "submit")?;
    // Auto-drafts start incomplete (the event carries the numbers, the tenderer the rest): the
    // required fields are checked again here, each one named.
    let mut v = Violations::new();
    check_fields(cur.ann_type, &cur.fields, &mut v);
    v.into_result()?;
    set_status(&mut tx, id, Status::Draft, Status::Submitted, now).await?;
    store::announcements::clear_return_reason(&mut tx, id).await?;
    let a = load(&mut tx, &ctx.db, id, false).await?;
    event(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        Step::Submitted,
        &a,
    )
    .await?;
    ctx.db.commit_answering(tx, 200, &a, now).await?;
    Ok(a)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Approval {
    /// When to publish; now when absent or past.
    pub publish_at: Option<DateTime<Utc>>,
}

/// The legal periods at `at`, the moment the announcement goes out; for a change notice, the
/// deadlines it postpones (refused instead when the tenderer chose `refuse_if_short`).
pub(super) async fn check_legal(
    tx: &mut Tx,
    db: &Db,
    a: &Announcement,
    at: Timestamp,
) -> Result<Moves> {
    let market = Market::parse(&a.market).map_err(|e| Error::internal(e.message))?;
    let mut v = Violations::new();
    // The live calendar (imports included). A year without a schedule is counted with weekends
    // only — never a false refusal, never a pass without a check — and raises the alert.
    let missing = super::check_all_periods(tx, db, a, market, at, &mut v).await?;
    if !missing.is_empty() && v.is_empty() {
        ggzy_store::calendar::note_missing(tx, db, at, &missing, "publishing.legal_periods")
            .await?;
    }
    // Stored with the announcement (rolled back with it when refused) and shown in its answer.
    store::announcements::set_periods_provisional(tx, &a.id, !missing.is_empty()).await?;
    let mut out = Moves::default();
    if a.ann_type == AnnouncementType::Change {
        let own = own_time(a, "new_bid_deadline", &mut v);
        let own_due = own_time(a, "new_applications_due_at", &mut v);
        let refuse = a
            .fields
            .get("refuse_if_short")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        for s in sections(tx, &a.section_ids).await? {
            // While its prequalification round is open, a section's documents are the
            // prequalification documents (the tender documents go to the qualified only,
            // 实施条例 第十九条): the 3-day rule of 实施条例 第二十一条 applies, not the 15-day one.
            if let Some(due) = s.prequal_due.filter(|d| at < *d) {
                match prequalification_clarification_effect(at, due, own_due, refuse) {
                    DueEffect::Keep => {}
                    DueEffect::TooShort => v.push(
                        "fields.new_applications_due_at",
                        "announcement.prequalification_clarification_period",
                        format!(
                            "fewer than {} days before the prequalification applications of {} are \
                             due: set a later deadline or let it be postponed (招标投标法实施条例 第21条)",
                            crate::rules::PERIODS.prequalification_clarification_min_days,
                            s.section_name
                        ),
                    ),
                    DueEffect::Postpone(new_due) => out.prequal.push(PrequalPostpone {
                        section_id: s.section_id.clone(),
                        old_applications_due_at: due,
                        new_applications_due_at: new_due,
                    }),
                }
                continue;
            }
            let (Some(d), Some(o)) = (s.bid_deadline, s.opening_at) else {
                continue;
            };
            match clarification_effect(at, d, o, own, refuse) {
                DeadlineEffect::Keep => {}
                DeadlineEffect::TooShort => v.push(
                    "fields.new_bid_deadline",
                    "announcement.clarification_period",
                    format!(
                        "fewer than {} days before the bid deadline of {}: set a later deadline or \
                         let it be postponed (招标投标法 第23条; 实施条例 第21条; 87号令 第27条)",
                        crate::rules::PERIODS.clarification_min_days,
                        s.section_name
                    ),
                ),
                DeadlineEffect::Postpone {
                    new_deadline,
                    new_opening_at,
                } => out.bids.push(Postpone {
                    section_id: s.section_id.clone(),
                    old_deadline: d,
                    new_deadline,
                    old_opening_at: o,
                    new_opening_at,
                }),
            }
        }
    }
    v.into_result()?;
    Ok(out)
}

/// The payload of a [`PUBLISH_TIMER`]: the announcement to publish.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct PublishTimer {
    pub(super) announcement_id: String,
}

pub(super) fn timer_key(id: &str) -> String {
    format!("{PUBLISH_TIMER}:{id}")
}

/// Staff approve a submitted announcement and schedule it (publishing at once when no later time
/// is chosen). The legal periods are checked against the publishing time.
#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn approve(ctx: &Ctx, actor: &Actor, id: &str, ap: Approval) -> Result<Announcement> {
    actor.require(&[Role::Staff])?;
    prequal_rounds_seen(ctx, id).await?;
    let now = ctx.clock.now();
    let at = ap.publish_at.filter(|t| *t > now).unwrap_or(now);
    let mut tx = ctx.db.begin().await?;
    let cur = load(&mut tx, &ctx.db, id, true).await?;
    require_status(&cur, Status::Submitted, "approve")?;
    check_legal(&mut tx, &ctx.db, &cur, at).await?;
    let who = actor.actor_ref();
    set_status(&mut tx, id, Status::Submitted, Status::Approved, now).await?;
    let a = load(&mut tx, &ctx.db, id, false).await?;
    event(&mut tx, &ctx.db, &who, now, Step::Approved, &a).await?;
    set_status(&mut tx, id, Status::Approved, Status::Scheduled, now).await?;
    store::announcements::set_publish_at(&mut tx, id, at).await?;
    let a = load(&mut tx, &ctx.db, id, false).await?;
    event(&mut tx, &ctx.db, &who, now, Step::Scheduled, &a).await?;
    let a = if at <= now {
        publish_in(&mut tx, &ctx.db, &who, now, id).await?
    } else {
        timers::schedule(
            &mut tx,
            PUBLISH_TIMER,
            &timer_key(id),
            at,
            json!(PublishTimer {
                announcement_id: id.to_string(),
            }),
            now,
        )
        .await?;
        a
    };
    ctx.db.commit_answering(tx, 200, &a, now).await?;
    Ok(a)
}

/// A prequalification announcement (资格预审公告) announces the round the projects area opened on
/// each section it names: publishing's copy of that round may be a moment behind (wait briefly,
/// then 409 + `Retry-After`, issue 17 item 5); a named section without an open round once caught
/// up is 409 `announcement.prequalification_round_not_open` — there is nothing to announce (the
/// round is opened first, `POST /api/v1/sections/{id}/prequalification`, or it is already
/// reviewed). Outside the write transaction (on SQLite a held writer would stop the consumer).
async fn prequal_rounds_seen(ctx: &Ctx, id: &str) -> Result<()> {
    use ggzy_events::projects::PrequalificationOpened;
    let row = store::announcements::kind(&ctx.db, id).await?;
    let Some(store::announcements::KindRow {
        ann_type: kind,
        section_ids: sections,
    }) = row
    else {
        return Ok(());
    };
    if kind != AnnouncementType::Prequalification {
        return Ok(());
    }
    let named: Vec<String> = serde_json::from_str(&sections).unwrap_or_default();
    if named.is_empty() {
        return Ok(());
    }
    let db = ctx.db.clone();
    let all = ggzy_store::consumer::wait_for_projection(
        &ctx.db,
        crate::lifecycle::NAME,
        &[PrequalificationOpened::NAME],
        std::time::Duration::from_secs(2),
        "announcement.prequalification_round_not_caught_up",
        "the prequalification round",
        || {
            let (db, named) = (db.clone(), named.clone());
            async move {
                let mut conn = db.pool().acquire().await?;
                let open = super::prequal_rounds(&mut conn, &named).await?;
                Ok(open.len() == named.len())
            }
        },
    )
    .await?;
    if all {
        return Ok(());
    }
    let mut conn = ctx.db.pool().acquire().await?;
    let open = super::prequal_rounds(&mut conn, &named).await?;
    let closed: Vec<&String> = named
        .iter()
        .filter(|n| !open.iter().any(|(s, _)| s == *n))
        .collect();
    Err(Error::conflict(
        "announcement.prequalification_round_not_open",
        format!(
            "a prequalification announcement announces an open prequalification round; \
             section(s) {} have none (open it first with POST \
             /api/v1/sections/{{id}}/prequalification, or it is already reviewed)",
            closed
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// Publish a scheduled announcement. Returns it unchanged if it is no longer scheduled (a repeated
/// timer firing publishes nothing twice).
pub(super) async fn publish_in(
    tx: &mut Tx,
    db: &Db,
    who: &ActorRef,
    now: Timestamp,
    id: &str,
) -> Result<Announcement> {
    let cur = load(tx, db, id, true).await?;
    if cur.status != Status::Scheduled {
        return Ok(cur);
    }
    let moves = check_legal(tx, db, &cur, now).await?;
    let postpone = moves.bids;
    let prequal = moves.prequal;
    let n = store::announcements::mark_published(
        tx,
        id,
        now,
        (!postpone.is_empty()).then(|| json!(postpone).to_string()),
        (!prequal.is_empty()).then(|| json!(prequal).to_string()),
    )
    .await?;
    if n != 1 {
        return load(tx, db, id, false).await;
    }
    // Publishing's own copy follows at once, so a second notice counts from the new deadline.
    for p in &postpone {
        store::sections::move_deadline(tx, &p.section_id, p.new_deadline, p.new_opening_at, now)
            .await?;
    }
    for p in &prequal {
        store::sections::set_prequal_due(tx, &p.section_id, Some(p.new_applications_due_at))
            .await?;
    }
    let a = load(tx, db, id, false).await?;
    store::index(tx, id).await?;
    let f = fields(&a);
    let published = AnnouncementPublished {
        announcement_id: a.id.clone(),
        kind: f.kind,
        market: Some(f.market),
        project_id: f.project_id,
        section_ids: f.section_ids,
        published_at: f.published_at,
        postpone: postpone
            .iter()
            .map(|x| Postponement {
                section_id: x.section_id.clone(),
                old_deadline: Some(x.old_deadline),
                new_deadline: x.new_deadline,
                old_opening_at: Some(x.old_opening_at),
                new_opening_at: Some(x.new_opening_at),
            })
            .collect(),
        prequalification_postpone: prequal
            .iter()
            .map(|x| PrequalificationPostponement {
                section_id: x.section_id.clone(),
                old_applications_due_at: x.old_applications_due_at,
                new_applications_due_at: x.new_applications_due_at,
            })
            .collect(),
        id: Some(f.id),
        region: Some(f.region),
        title: Some(f.title),
        status: Some(f.status),
        version: Some(f.version),
        original_id: f.original_id,
        publish_at: f.publish_at,
        withdraw_reason: f.withdraw_reason,
    };
    emit(tx, db, who, now, published.encode()).await?;
    crate::ocds::record_announcement(tx, &a, &postpone).await?;
    Ok(a)
}

/// Fires [`PUBLISH_TIMER`]: publishes the announcement, re-checking the legal periods at the actual
/// publishing time. If they no longer hold, the announcement goes back to draft
/// (`publishing.announcement.returned`) instead of going out unlawfully.
/// The calendar is the database's live one (`Db::calendar`), imports included.
#[derive(Default)]
pub struct PublishDue;

#[async_trait::async_trait]
impl TimerHandler for PublishDue {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let t: PublishTimer = serde_json::from_value(timer.payload.clone()).map_err(|e| {
            Error::internal(format!("{PUBLISH_TIMER} timer {}: payload: {e}", timer.key))
        })?;
        let id = t.announcement_id.as_str();
        let who = ActorRef::system(PUBLISH_TIMER);
        let now = clock.now();
        match publish_in(tx, db, &who, now, id).await {
            Ok(_) => Ok(()),
            Err(Error::Validation(errs)) => {
                let n = store::announcements::unschedule(tx, id, now).await?;
                if n == 1 {
                    let a = load(tx, db, id, false).await?;
                    let returned = AnnouncementReturned {
                        announcement_id: a.id.clone(),
                        announcement: fields(&a),
                        reason: None,
                        violations: Some(errs),
                    };
                    emit(tx, db, &who, now, returned.encode()).await?;
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// Staff return a submitted announcement to its owner.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AnnouncementReturn {
    /// Why (required, at most 2000 characters); the owner reads it on the announcement.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// Staff return a submitted announcement to its owner with a reason: it is a draft again (the
/// owner edits and submits it anew) and `return_reason` says why.
#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn return_to_owner(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    req: AnnouncementReturn,
) -> Result<Announcement> {
    actor.require(&[Role::Staff])?;
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Error::field(
            "reason",
            "required",
            "a return states its reason (at most 2000 characters)",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let cur = load(&mut tx, &ctx.db, id, true).await?;
    require_status(&cur, Status::Submitted, "return")?;
    let n = store::announcements::return_to_owner(&mut tx, id, reason, now).await?;
    expect_one(
        n,
        "announcement.transition",
        "only a submitted announcement can be returned",
    )?;
    let a = load(&mut tx, &ctx.db, id, false).await?;
    let returned = AnnouncementReturned {
        announcement_id: a.id.clone(),
        announcement: fields(&a),
        reason: Some(reason.to_string()),
        violations: None,
    };
    emit(&mut tx, &ctx.db, &actor.actor_ref(), now, returned.encode()).await?;
    ctx.db.commit_answering(tx, 200, &a, now).await?;
    Ok(a)
}

/// Announcements submitted and waiting for the staff's approval, oldest first (staff).
pub async fn list_submitted(ctx: &Ctx, actor: &Actor) -> Result<Vec<Announcement>> {
    actor.require(&[Role::Staff])?;
    let rows = store::announcements::list_submitted(&ctx.db).await?;
    Ok(rows.into_iter().map(Announcement::from).collect())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Withdrawal {
    #[schema(min_length = 1, pattern = "\\S")]
    pub reason: String,
}

/// Withdraw a published announcement: its text stays readable, with the reason.
#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn withdraw(ctx: &Ctx, actor: &Actor, id: &str, w: Withdrawal) -> Result<Announcement> {
    actor.require(&[Role::Staff])?;
    let reason = w.reason.trim();
    if reason.is_empty() {
        return Err(Error::field(
            "reason",
            "required",
            "a withdrawal states its reason",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let cur = load(&mut tx, &ctx.db, id, true).await?;
    require_status(&cur, Status::Published, "withdraw")?;
    let n = store::announcements::withdraw(&mut tx, id, reason, now).await?;
    expect_one(
        n,
        "announcement.transition",
        "only a published announcement can be withdrawn",
    )?;
    store::index(&mut tx, id).await?;
    let a = load(&mut tx, &ctx.db, id, false).await?;
    event(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        Step::Withdrawn,
        &a,
    )
    .await?;
    ctx.db.commit_answering(tx, 200, &a, now).await?;
    Ok(a)
}
