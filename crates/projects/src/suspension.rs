//! What the projects area does when the remedies area (crates/remedies) suspends or resumes a
//! section, or decides a complaint — it reads only the remedies events, never their tables:
//!
//! - `remedies.case.suspended` {section_id, case_id, scope} records a suspension
//!   (`section_suspensions`). While a section has one, the deadline timer does not close it, the
//!   opening timer does not open it (`bidding::SectionDeadline`, `opening::SectionOpening`) and the
//!   award step is refused with 409 `section.suspended_by_remedy` (`award::confirm_award`).
//!   实施条例 22: "作出答复前，应当暂停招标投标活动"; 实施条例 62 / 政采法 57: the supervisor may suspend.
//! - `remedies.case.resumed` {section_id, case_id, new_bid_deadline?} removes it. When the last
//!   suspension of a section still bidding ends, the deadline moves by the suspended time (from
//!   the first suspension's start to the resuming event, rounded up to the minute), or to the new deadline the answer set
//!   when that is later; the opening keeps its distance to the deadline,
//!   `projects.section.deadline_changed` is emitted and the deadline and opening timers are
//!   scheduled again. Bid uploads, withdrawals and key submissions are refused meanwhile
//!   (`bids::check_may_bid`, `opening::submit_key`).
//! - `remedies.case.decided` {section_id, decision}: `result_void` sends a section in publicity or
//!   awarded back to `evaluating` (`projects.section.returned_to_evaluation`); `retender` fails it
//!   (`projects.section.failed`, reason `remedy_retender`) or, once awarded, terminates it.

use crate::bidding::DEADLINE_TIMER;
use crate::model::{transition, SectionAction, SectionState};
use crate::service::set_section_state;
use crate::store;
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::time::from_micros;
use ggzy_core::{Clock, Result, Timestamp};
use ggzy_events::projects::{
    SectionDeadlineChanged, SectionFailed, SectionReturnedToEvaluation, SectionTerminated,
};
use ggzy_events::remedies::{CaseDecided, CaseResumed, CaseSuspended};
use ggzy_events::Contract;
use ggzy_store::consumer::Consumer;
use ggzy_store::{emit, timers, Db, Tx};

const NAME: &str = "projects.suspensions";

/// The rule id of a step refused while a remedy suspends the section.
pub use ggzy_events::remedies::SUSPENDED_RULE;

/// Whether a remedy case suspends the section now.
pub async fn is_suspended(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<bool> {
    Ok(store::suspension::any_case(conn, section_id)
        .await?
        .is_some())
}

/// 409 `section.suspended_by_remedy` while a remedy case suspends the section.
pub async fn ensure_not_suspended(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<()> {
    let case = store::suspension::any_case(conn, section_id).await?;
    match case {
        None => Ok(()),
        Some(case) => Err(ggzy_events::remedies::suspended(&case, "the section")),
    }
}

/// Consumer of the remedies events.
pub struct Suspensions;

#[async_trait::async_trait]
impl Consumer for Suspensions {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            NAME,
            &[CaseSuspended::NAME, CaseResumed::NAME, CaseDecided::NAME],
        )
    }

    /// Decoded through the contracts: an event that does not decode fails the consumer, which
    /// parks it with an alert after its retries (ggzy-events crate docs) — never skipped.
    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let now = clock.now();
        match ev.event_type.as_str() {
            CaseSuspended::NAME => {
                let c = CaseSuspended::decode(ev)?;
                let (section_id, case_id) = (c.section_id.as_str(), c.case_id.as_str());
                store::suspension::insert(tx, section_id, case_id, &c.scope, ev.occurred_at).await
            }
            CaseResumed::NAME => {
                let c = CaseResumed::decode(ev)?;
                let (section_id, case_id) = (c.section_id.as_str(), c.case_id.as_str());
                let since = store::suspension::since(tx, section_id, case_id).await?;
                let Some(since) = since else {
                    // Already resumed (a redelivery) or never suspended here.
                    return Ok(());
                };
                store::suspension::delete(tx, section_id, case_id).await?;
                if is_suspended(tx, section_id).await? {
                    // Overlapping suspensions: the section stays suspended since the earliest
                    // one began, so the time is given back once, for the whole period.
                    store::suspension::backdate(tx, section_id, since).await?;
                    return Ok(());
                }
                // The suspended period ends when the remedies area resumed the case (not when
                // this consumer happens to run).
                let suspended = ev.occurred_at.max(from_micros(since)) - from_micros(since);
                resume(
                    tx,
                    db,
                    now,
                    section_id,
                    c.new_bid_deadline,
                    suspended,
                    case_id,
                )
                .await
            }
            CaseDecided::NAME => decided(tx, db, now, &CaseDecided::decode(ev)?).await,
            _ => Ok(()),
        }
    }
}

async fn section(
    tx: &mut Tx,
    db: &Db,
    id: &str,
) -> Result<Option<(SectionState, String, Timestamp, Timestamp)>> {
    let r = store::sections::times_for_update(tx, db, id).await?;
    Ok(r.map(|r| (r.state, r.project_id, r.bid_deadline, r.opening_at)))
}

/// The suspended time given back, rounded up to the whole minute (never less than suspended;
/// keeps a minute-precise deadline minute-precise).
pub fn given_back(suspended: chrono::Duration) -> chrono::Duration {
    let secs = suspended.num_seconds().max(0)
        + i64::from(suspended.subsec_nanos() > 0 && suspended > chrono::Duration::zero());
    chrono::Duration::seconds((secs + 59) / 60 * 60)
}

/// The deadline after a suspension of a section still bidding: the old deadline moved by the
/// suspended time rounded up to the minute (实施条例 22 suspends the bidding: the bidders get the
/// time back), or the deadline the answer set (a change notice, 实施条例 21), whichever is later.
pub fn deadline_after_suspension(
    old: Timestamp,
    suspended: chrono::Duration,
    answered: Option<Timestamp>,
) -> Timestamp {
    let shifted = old + given_back(suspended);
    match answered {
        Some(a) if a > shifted => a,
        _ => shifted,
    }
}

/// The last suspension ended: move the deadline by the suspended time (or to the new deadline the
/// answer set, when later) and schedule the deadline and opening timers again.
async fn resume(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    section_id: &str,
    new_deadline: Option<Timestamp>,
    suspended: chrono::Duration,
    case_id: &str,
) -> Result<()> {
    let Some((state, project_id, deadline, opening)) = section(tx, db, section_id).await? else {
        tracing::warn!(section_id, "resumed an unknown section");
        return Ok(());
    };
    prequalification_after_suspension(tx, db, now, section_id, &project_id, suspended, case_id)
        .await?;
    match state {
        SectionState::Bidding => {
            let mut deadline_at = deadline;
            let target = deadline_after_suspension(deadline, suspended, new_deadline);
            if let Some(new) = Some(target).filter(|n| *n > now && *n != deadline) {
                let new_opening = new + (opening - deadline);
                store::sections::set_deadline_and_opening(tx, section_id, new, new_opening, now)
                    .await?;
                emit(
                    tx,
                    db,
                    &ActorRef::system(NAME),
                    now,
                    SectionDeadlineChanged {
                        section_id: section_id.into(),
                        project_id: Some(project_id.clone()),
                        old_deadline: Some(deadline),
                        new_deadline: new,
                        old_opening_at: Some(opening),
                        new_opening_at: Some(new_opening),
                        suspended_seconds: Some(given_back(suspended).num_seconds()),
                        remedy_case_id: Some(case_id.into()),
                        announcement_id: None,
                    }
                    .encode(),
                )
                .await?;
                deadline_at = new;
            }
            // The timers fired while suspended (and did nothing): schedule them again.
            timers::reschedule(
                tx,
                DEADLINE_TIMER,
                &format!("{DEADLINE_TIMER}:{section_id}"),
                deadline_at,
                crate::timer_payload::SectionTimer::payload(section_id),
                now,
            )
            .await?;
            reschedule_opening(tx, db, section_id, now).await
        }
        SectionState::Closed => reschedule_opening(tx, db, section_id, now).await,
        _ => Ok(()),
    }
}

/// 实施条例 22 suspends the prequalification while an objection to its documents waits for the
/// answer: the open round's applications deadline moves by the suspended time (rounded up to the
/// minute, as the bid deadline does), so the applicants get the time back.
/// `projects.prequalification.deadline_changed` carries the new deadline.
async fn prequalification_after_suspension(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    section_id: &str,
    project_id: &str,
    suspended: chrono::Duration,
    case_id: &str,
) -> Result<()> {
    let Some(round) = crate::prequalification::open_round_for_update(tx, db, section_id).await?
    else {
        return Ok(());
    };
    let back = given_back(suspended);
    if back <= chrono::Duration::zero() {
        return Ok(());
    }
    let new = round.applications_due_at + back;
    crate::prequalification::move_applications_due(
        tx,
        db,
        now,
        &round,
        crate::prequalification::DueMove {
            section_id,
            project_id,
            new_due: new,
            suspended_seconds: Some(back.num_seconds()),
            remedy_case_id: Some(case_id),
            basis: "招标投标法实施条例 第二十二条",
        },
        NAME,
    )
    .await
}

/// The opening timer on the section's (possibly moved) opening time, for sealed-bid procedures.
async fn reschedule_opening(tx: &mut Tx, db: &Db, section_id: &str, now: Timestamp) -> Result<()> {
    if let Some(p) = crate::service::section_procedure(tx, section_id).await? {
        if !p.has_sealed_bids() {
            return Ok(());
        }
    }
    let Some((_, _, _, opening)) = section(tx, db, section_id).await? else {
        return Ok(());
    };
    timers::reschedule(
        tx,
        crate::opening::OPENING_TIMER,
        &format!("{}:{section_id}", crate::opening::OPENING_TIMER),
        opening,
        crate::timer_payload::SectionTimer::payload(section_id),
        now,
    )
    .await
}

/// A complaint decision's effect on the section.
async fn decided(tx: &mut Tx, db: &Db, now: Timestamp, d: &CaseDecided) -> Result<()> {
    let (section_id, case_id) = (d.section_id.as_str(), d.case_id.as_str());
    let decision = d.decision.as_str();
    if decision != "result_void" && decision != "retender" {
        return Ok(());
    }
    let Some((state, project_id, _, _)) = section(tx, db, section_id).await? else {
        tracing::warn!(section_id, "decision about an unknown section");
        return Ok(());
    };
    let (action, event, reason) = if decision == "result_void" {
        (
            SectionAction::Reevaluate,
            "projects.section.returned_to_evaluation",
            "remedy_result_void",
        )
    } else if state == SectionState::Awarded {
        (
            SectionAction::Terminate,
            "projects.section.terminated",
            "remedy_retender",
        )
    } else {
        (
            SectionAction::Fail,
            "projects.section.failed",
            "remedy_retender",
        )
    };
    let to = match transition(state, action) {
        Ok(to) => to,
        Err(_) => {
            // A fact from another area: what cannot apply is logged, never retried for ever.
            tracing::warn!(
                section_id,
                state = state.as_str(),
                decision,
                "complaint decision cannot apply to the section's state"
            );
            return Ok(());
        }
    };
    // The voided result, award and procurement path are kept in the history (crate::voided).
    let voided_result = if decision == "result_void" {
        crate::voided::archive(tx, now, section_id, case_id, state.as_str()).await?
    } else {
        false
    };
    set_section_state(tx, section_id, state, to, now).await?;
    let returned = SectionReturnedToEvaluation {
        section_id: section_id.into(),
        project_id,
        previous_state: state.as_str().into(),
        state: to.as_str().into(),
        reason: reason.into(),
        remedy_case_id: case_id.into(),
        decision_basis: Some(d.source.clone()),
        voided_result,
        at: now,
    };
    // `projects.section.failed` / `.terminated` carry the same facts under their own name (their
    // contracts' complaint-decision fields; the other members are null).
    let out = match event {
        SectionFailed::NAME => SectionFailed {
            previous_state: Some(returned.previous_state),
            state: Some(returned.state),
            remedy_case_id: Some(returned.remedy_case_id),
            decision_basis: returned.decision_basis,
            voided_result: Some(returned.voided_result),
            at: Some(returned.at),
            market: None,
            failed_at: None,
            ..SectionFailed::new(section_id, &returned.project_id, "", reason, now)
        }
        .encode(),
        SectionTerminated::NAME => SectionTerminated {
            section_id: returned.section_id,
            project_id: Some(returned.project_id),
            market: None,
            reason: Some(returned.reason),
            terminated_at: None,
            previous_state: Some(returned.previous_state),
            state: Some(returned.state),
            remedy_case_id: Some(returned.remedy_case_id),
            decision_basis: returned.decision_basis,
            voided_result: Some(returned.voided_result),
            at: Some(returned.at),
        }
        .encode(),
        _ => returned.encode(),
    };
    emit(tx, db, &ActorRef::system(NAME), now, out).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::deadline_after_suspension;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn the_deadline_moves_by_the_suspended_time_or_to_a_later_answered_one() {
        let old = Utc.with_ymd_and_hms(2026, 4, 3, 1, 30, 0).unwrap();
        // No new deadline in the answer: the suspended time is given back, rounded up to the
        // minute (a whole minute stays as it is; a microsecond more is one more minute).
        let three_days = Duration::days(3) + Duration::minutes(1);
        assert_eq!(
            deadline_after_suspension(old, Duration::days(3) + Duration::seconds(7), None),
            old + three_days
        );
        assert_eq!(
            deadline_after_suspension(old, Duration::days(3), None),
            old + Duration::days(3)
        );
        assert_eq!(
            deadline_after_suspension(old, Duration::days(3) + Duration::microseconds(1), None),
            old + three_days
        );
        // An answered deadline one second earlier than the shifted one loses; one second later wins.
        let shifted = old + three_days;
        assert_eq!(
            deadline_after_suspension(old, three_days, Some(shifted - Duration::seconds(1))),
            shifted
        );
        assert_eq!(
            deadline_after_suspension(old, three_days, Some(shifted + Duration::seconds(1))),
            shifted + Duration::seconds(1)
        );
        // A negative period (clock skew between instances) never moves the deadline earlier.
        assert_eq!(
            deadline_after_suspension(old, Duration::seconds(-5), None),
            old
        );
    }
}
