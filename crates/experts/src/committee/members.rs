//! Serving members: replacement from the ordered backups, the expert's assignments, confirming,
//! declining, recusal and the confirmation deadline.

use super::*;
use ggzy_events::experts::{
    MemberConfirmed, MemberDeclined, MemberLeft, MemberRecused, MemberReplaced, MemberUnreplaced,
};
use ggzy_store::uow::Uow;

/// Take `out_id` off the committee (it declined, stayed silent or recused) and call the next backup
/// of the same specialty that may still serve: the first in the order the seeded selection produced,
/// re-screened against today's pool (a backup booked elsewhere meanwhile, suspended or on leave is
/// skipped with its reasons recorded). Returns the replacement, or `None` when no backup is left
/// (`experts.member.unreplaced`, the section needs a re-draw).
async fn replace(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    d: &service::DrawRow,
    out_id: &str,
    reason: &str,
) -> Result<Option<String>> {
    store::draws::delete_assignment(tx, &d.id, out_id).await?;
    let rows = member_rows(tx, &d.id).await?;
    let Some(out) = rows.get(out_id) else {
        return Err(Error::not_found("member"));
    };
    let specialty = out.specialty.clone();
    let mut standby: Vec<(i64, String)> = rows
        .iter()
        .filter(|(_, r)| {
            r.kind == MemberKind::Backup
                && r.status == MemberStatus::Standby
                && r.specialty == specialty
        })
        .map(|(id, r)| (r.position, id.clone()))
        .collect();
    standby.sort();
    let req = &d.request;
    let parties = DrawParties {
        tenderer_uscc: req.tenderer_uscc.clone(),
        agency_uscc: req.agency_uscc.clone(),
        bidder_usccs: req.bidder_usccs.clone(),
        session_start: req.session_start,
        session_end: req.session_end,
        now,
        today: local_date(now),
        procurement: req.is_procurement(),
        market: req.market.clone(),
    };
    let pool = service::load_pool(db, tx).await?;
    let by_id: HashMap<&str, &draw::Candidate> = pool.iter().map(|c| (c.id.as_str(), c)).collect();
    let list: Vec<Standby> = standby
        .iter()
        .map(|(_, id)| Standby {
            expert_id: id.clone(),
            specialty: specialty.clone(),
            reasons: match by_id.get(id.as_str()) {
                Some(c) => draw::exclusions(c, &parties, &PoolRules::default())
                    .iter()
                    .map(|x| json!(x).to_string())
                    .collect(),
                None => vec!["not in the pool".into()],
            },
        })
        .collect();
    let chosen = rules::next_backup(&list, &specialty).map(|s| s.expert_id.clone());
    for s in list
        .iter()
        .take_while(|s| Some(&s.expert_id) != chosen.as_ref())
    {
        store::draws::skip_backup(tx, &d.id, &s.expert_id, &s.reasons.join("; "), now).await?;
    }
    let out_person = person(tx, out_id).await?;
    let Some(new_id) = chosen else {
        emit(
            tx,
            db,
            by,
            now,
            MemberUnreplaced {
                draw_id: d.id.clone(),
                section_id: d.section_id.clone(),
                session_id: d.session_id.clone(),
                expert_id: out_id.to_string(),
                name: out_person.name.clone(),
                user_id: out_person.user_id.clone(),
                specialty,
                short_by: 1,
                reason: reason.to_string(),
            }
            .encode(),
        )
        .await?;
        return Ok(None);
    };
    let place = d.room_name.clone().unwrap_or_else(|| DEFAULT_PLACE.into());
    let confirm_by = ConfirmRules::default().deadline(now, req.session_start);
    let n = store::draws::call_backup(tx, &d.id, &new_id, out_id, confirm_by, now).await?;
    ggzy_store::expect_one(
        n,
        "draw.concurrent",
        "the backup was called at the same time",
    )?;
    store::draws::set_replaced_by(tx, &d.id, out_id, &new_id, now).await?;
    book(tx, &d.id, &new_id, req, now).await?;
    let p = person(tx, &new_id).await?;
    ask_to_confirm(tx, (&d.id, &new_id), &p, req, &place, confirm_by, now).await?;
    let replacement = drawn_expert(&new_id, &p, Some(&specialty));
    let replaced = MemberReplaced {
        draw_id: d.id.clone(),
        section_id: d.section_id.clone(),
        session_id: d.session_id.clone(),
        expert_id: Some(out_id.to_string()),
        name: Some(out_person.name.clone()),
        user_id: out_person.user_id.clone(),
        reason: Some(reason.to_string()),
        specialty: Some(specialty),
        confirm_by: Some(confirm_by),
        replaced: drawn_expert(out_id, &out_person, None),
        replacement: replacement.clone(),
        // The roster of the session (venues) swaps exactly these two.
        experts: vec![replacement],
    };
    emit(tx, db, by, now, replaced.encode()).await?;
    Ok(Some(new_id))
}

/// An expert's own view of a draw that called them: only time, place and their state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignment {
    pub draw_id: String,
    pub session_id: Option<String>,
    pub session_start: DateTime<Utc>,
    pub session_end: DateTime<Utc>,
    pub place: String,
    pub status: String,
    pub confirm_by: Option<DateTime<Utc>>,
    /// The reason the expert (or staff, for a recusal) gave when the expert left the draw.
    pub reason: Option<String>,
}

pub(crate) async fn expert_of(conn: &mut sqlx::AnyConnection, actor: &Actor) -> Result<String> {
    store::pool::expert_of_user(conn, &actor.user_id)
        .await?
        .ok_or_else(|| Error::forbidden("this account is not linked to an expert of the pool"))
}

/// The draws that called the logged-in expert (not standby backups), newest session first.
pub async fn my_assignments(ctx: &Ctx, actor: &Actor) -> Result<Vec<Assignment>> {
    actor.require(&[Role::Expert])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let expert = expert_of(&mut conn, actor).await?;
    assignments_of(&mut conn, &expert).await
}

/// The assignments of `expert` (read on `conn`, which may be the transaction of a change).
async fn assignments_of(conn: &mut sqlx::AnyConnection, expert: &str) -> Result<Vec<Assignment>> {
    let rows = store::draws::calls_of_expert(conn, expert).await?;
    Ok(rows
        .into_iter()
        .map(|r| Assignment {
            draw_id: r.id,
            session_id: r.session_id,
            session_start: r.session_start,
            session_end: r.session_end,
            place: r.room_name.unwrap_or_else(|| DEFAULT_PLACE.into()),
            status: r.status.as_str().to_string(),
            confirm_by: r.confirm_by,
            reason: r.reason,
        })
        .collect())
}

/// The assignment of `expert` on `draw_id`, read inside the change's transaction: the answer a
/// keyed request stores with its change (`Db::commit_answering`).
async fn assignment_in(tx: &mut ggzy_store::Tx, expert: &str, draw_id: &str) -> Result<Assignment> {
    assignments_of(tx, expert)
        .await?
        .into_iter()
        .find(|a| a.draw_id == draw_id)
        .ok_or_else(|| Error::not_found("assignment"))
}

/// A drawn expert confirms (before the deadline; the deadline itself is still in time).
#[tracing::instrument(skip_all)]
pub async fn confirm(ctx: &Ctx, actor: &Actor, draw_id: &str) -> Result<Assignment> {
    actor.require(&[Role::Expert])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let expert = expert_of(&mut tx, actor).await?;
    let d = service::load_draw_in(&mut tx, draw_id).await?;
    let rows = member_rows(&mut tx, draw_id).await?;
    let Some(m) = rows.get(&expert).filter(|m| m.status.was_called()) else {
        return Err(Error::not_found("assignment"));
    };
    if m.status != MemberStatus::Pending {
        return Err(Error::conflict(
            "member.not_pending",
            format!(
                "nothing to confirm: the assignment is {}",
                m.status.as_str()
            ),
        ));
    }
    if let Some(by) = m.confirm_by {
        if !ConfirmRules::in_time(by, now) {
            return Err(Error::conflict(
                "member.confirm_deadline_passed",
                "the confirmation deadline has passed; a backup is being called",
            ));
        }
    }
    let n = store::draws::confirm_member(&mut tx, draw_id, &expert, now).await?;
    ggzy_store::expect_one(n, "member.not_pending", "the assignment changed meanwhile")?;
    timers::cancel(&mut tx, &timer_key(draw_id, &expert)).await?;
    let p = person(&mut tx, &expert).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        MemberConfirmed {
            draw_id: d.id.clone(),
            section_id: d.section_id.clone(),
            session_id: d.session_id.clone(),
            expert_id: expert.clone(),
            name: p.name.clone(),
            user_id: p.user_id.clone(),
            specialty: m.specialty.clone(),
        }
        .encode(),
    )
    .await?;
    let answer = assignment_in(&mut tx, &expert, draw_id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReasonInput {
    /// At most 500 characters, not blank.
    #[schema(pattern = "\\S", max_length = 500)]
    pub reason: String,
}

fn check_reason(r: &str) -> Result<String> {
    let r = r.trim();
    if r.is_empty() || r.chars().count() > 500 {
        return Err(Error::field(
            "reason",
            "required",
            "a reason is required (at most 500 characters)",
        ));
    }
    Ok(r.to_string())
}

/// Take a serving member off: `declined` (the expert), `recused` (实施条例 48) or `timed_out`.
async fn withdraw(
    u: &mut Uow<'_>,
    d: &service::DrawRow,
    expert: &str,
    status: MemberStatus,
    reason: &str,
) -> Result<Option<String>> {
    let db = u.db;
    let by = &u.by.clone();
    let now = u.now;
    if d.status != DrawStatus::Active {
        return Err(Error::conflict(
            "draw.cancelled",
            "the draw was cancelled with its session",
        ));
    }
    let n = store::draws::withdraw_member(u.tx(), &d.id, expert, status, reason, now).await?;
    ggzy_store::expect_one(
        n,
        "member.not_serving",
        "the expert is not a pending or confirmed member of this draw",
    )?;
    timers::cancel(u.tx(), &timer_key(&d.id, expert)).await?;
    let p = person(u.tx(), expert).await?;
    let (draw_id, section_id, session_id) =
        (d.id.clone(), d.section_id.clone(), d.session_id.clone());
    let (expert_id, name, user_id) = (expert.to_string(), p.name, p.user_id);
    let reason = reason.to_string();
    // One contract per event: a recusal (实施条例 48) or a declined / timed-out confirmation.
    let left = MemberLeft {
        draw_id,
        section_id,
        session_id,
        expert_id,
        name,
        user_id,
        status: status.as_str().to_string(),
        reason,
    };
    let event = if status == MemberStatus::Recused {
        MemberRecused(left).encode()
    } else {
        MemberDeclined(left).encode()
    };
    u.emit(event).await?;
    replace(u.tx(), db, now, by, d, expert, status.as_str()).await
}

/// A drawn expert declines (before the session ends); the next backup is called.
#[tracing::instrument(skip_all)]
pub async fn decline(
    ctx: &Ctx,
    actor: &Actor,
    draw_id: &str,
    input: ReasonInput,
) -> Result<Assignment> {
    withdraw_self(ctx, actor, draw_id, input, MemberStatus::Declined).await
}

/// A drawn expert recuses himself (主动回避) with the reason: a member with an interest in a bidder
/// must step aside of his own accord (实施条例 第四十六条 第四款: 评标委员会成员与投标人有利害关系的，
/// 应当主动回避), and is replaced the same way as any member who must recuse (实施条例 第四十八条).
/// Allowed while the expert is a pending or confirmed member of an active draw; the reason goes
/// into `experts.member.recused` and the draw's record.
#[tracing::instrument(skip_all)]
pub async fn recuse_self(
    ctx: &Ctx,
    actor: &Actor,
    draw_id: &str,
    input: ReasonInput,
) -> Result<Assignment> {
    withdraw_self(ctx, actor, draw_id, input, MemberStatus::Recused).await
}

/// The expert takes himself off a draw that called him (`declined` or `recused`).
async fn withdraw_self(
    ctx: &Ctx,
    actor: &Actor,
    draw_id: &str,
    input: ReasonInput,
    status: MemberStatus,
) -> Result<Assignment> {
    actor.require(&[Role::Expert])?;
    let reason = check_reason(&input.reason)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let expert = expert_of(&mut tx, actor).await?;
    let d = service::load_draw_in(&mut tx, draw_id).await?;
    let rows = member_rows(&mut tx, draw_id).await?;
    if rows
        .get(&expert)
        .filter(|m| m.status.was_called())
        .is_none()
    {
        return Err(Error::not_found("assignment"));
    }
    withdraw(
        &mut Uow::within(&mut tx, &ctx.db, actor.actor_ref(), now),
        &d,
        &expert,
        status,
        &reason,
    )
    .await?;
    let answer = assignment_in(&mut tx, &expert, draw_id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

/// Staff record that a member must recuse (实施条例 48: 评标委员会成员 … 回避 … 应当依法重新确定),
/// e.g. a conflict discovered during the evaluation; the next backup is called the same way.
#[tracing::instrument(skip_all)]
pub async fn recuse(
    ctx: &Ctx,
    actor: &Actor,
    draw_id: &str,
    expert_id: &str,
    input: ReasonInput,
) -> Result<service::Draw> {
    actor.require(STAFF)?;
    let reason = check_reason(&input.reason)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let d = service::load_draw_in(&mut tx, draw_id).await?;
    withdraw(
        &mut Uow::within(&mut tx, &ctx.db, actor.actor_ref(), now),
        &d,
        expert_id,
        MemberStatus::Recused,
        &reason,
    )
    .await?;
    let answer = service::get_draw_in(&mut tx, actor, draw_id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

/// The payload of a confirmation-deadline timer ([`CONFIRM_TIMER`]), written when a member is
/// asked to confirm and decoded by [`ConfirmDeadline`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct ConfirmTimerPayload {
    pub draw_id: String,
    pub expert_id: String,
}

impl ConfirmTimerPayload {
    /// The typed payload of `t`; one that does not decode is an error naming the timer (the timer
    /// is not fired and shows the error), never read as an empty id.
    fn decode(t: &Timer) -> Result<Self> {
        serde_json::from_value(t.payload.clone()).map_err(|e| {
            Error::internal(format!(
                "{CONFIRM_TIMER} timer {}: undecodable payload: {e}",
                t.key
            ))
        })
    }
}

/// The confirmation deadline: a member still `pending` is treated as declining (`timed_out`).
pub struct ConfirmDeadline;

#[async_trait::async_trait]
impl TimerHandler for ConfirmDeadline {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, t: &Timer) -> Result<()> {
        let ConfirmTimerPayload {
            draw_id,
            expert_id: expert,
        } = ConfirmTimerPayload::decode(t)?;
        let d = service::load_draw_in(tx, &draw_id).await?;
        let rows = member_rows(tx, &draw_id).await?;
        if d.status != DrawStatus::Active
            || rows.get(&expert).map(|m| m.status) != Some(MemberStatus::Pending)
        {
            return Ok(());
        }
        withdraw(
            &mut Uow::within(tx, db, ActorRef::system(CONFIRM_TIMER), clock.now()),
            &d,
            &expert,
            MemberStatus::TimedOut,
            "no answer before the confirmation deadline",
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer(payload: Value) -> Timer {
        Timer {
            id: "t1".into(),
            kind: CONFIRM_TIMER.into(),
            key: "k1".into(),
            due_at: chrono::DateTime::<Utc>::UNIX_EPOCH,
            payload,
            attempts: 1,
        }
    }

    #[test]
    fn a_confirmation_timer_payload_decodes_typed_or_fails_naming_the_timer() {
        let written = json!(ConfirmTimerPayload {
            draw_id: "d1".into(),
            expert_id: "e1".into(),
        });
        assert_eq!(written, json!({"draw_id": "d1", "expert_id": "e1"}));
        let p = ConfirmTimerPayload::decode(&timer(written)).unwrap();
        assert_eq!((p.draw_id.as_str(), p.expert_id.as_str()), ("d1", "e1"));
        // A payload without the expert is an error, never an empty id.
        let e = ConfirmTimerPayload::decode(&timer(json!({"draw_id": "d1"}))).unwrap_err();
        assert!(e.to_string().contains("k1"), "{e}");
    }
}
