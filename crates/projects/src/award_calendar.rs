//! Award due dates computed without a year's holiday schedule (issue 16, docs/calendar.md "Award
//! due dates").
//!
//! The candidate publicity end (中标候选人公示) and the contract due time (合同签订期限) are counted by [`crate::award::period_end`]. A last day in a year
//! without a schedule is judged with weekends only; the date is stored with its provisional mark
//! and `ggzy_store::calendar::note_missing` raises the year-missing alert. When a schedule is
//! imported (`calendar.schedule.imported`), [`AwardCalendar`] re-derives every provisional date from
//! its stored start and length with the live calendar: the row takes the new date (the mark stays
//! only while a year is still missing), the pending timer keyed on it moves in the same
//! transaction, and one `projects.due_date.rederived` is emitted per changed date. A date whose
//! value and mark are unchanged is left alone, so a second delivery of the import changes nothing.
//!
//! A due time whose overdue timer already fired under the provisional date (the import came after
//! it) is re-derived all the same; the alert already raised is not withdrawn and the event says so
//! (`overdue_alert_raised`), for staff to judge.
//!
//! The publicity end has no timer: the award is allowed by comparing the clock with the stored
//! `publicity_ends_at`, so moving the row moves the end itself (the remedies area learns the moved
//! end from `projects.due_date.rederived` and refuses result objections from it). The objection
//! answer due time is the remedies case's (since rem20e; docs/remedies.md).

use crate::award::{contract_key, contract_late, load_rules, period_end, CONTRACT_TIMER};
use crate::model::SectionState;
use chrono::NaiveDate;
use ggzy_core::calendar::Reckoned;
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::{Clock, Error, Result, Timestamp};
use ggzy_store::consumer::Consumer;
use ggzy_store::{emit, timers, Db, Tx};

/// Event emitted once per re-derived award due date.
pub const REDERIVED: &str =
    <ggzy_events::projects::DueDateRederived as ggzy_events::Contract>::NAME;

/// 民法典 第二百零三条: a last day that is a day off moves to the next working day.
const BASIS: &str = "民法典 第二百零三条";

/// What a re-derivation did to one stored date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Same date, same mark: nothing to write.
    None,
    /// The date or the mark changed.
    Changed,
}

/// Compare a stored provisional date with its re-derivation. Pure.
pub fn change_of(old: Timestamp, new: &Reckoned<Timestamp>) -> Change {
    if new.value == old && new.provisional() {
        Change::None
    } else {
        Change::Changed
    }
}

/// Consumer of `calendar.schedule.imported`: re-derives the provisional award due dates.
pub struct AwardCalendar;

#[async_trait::async_trait]
impl Consumer for AwardCalendar {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "projects.award_calendar",
            &[ggzy_store::calendar::IMPORTED],
        )
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        tracing::info!(event = %ev.id, "holiday schedule imported: re-deriving provisional award dates");
        rederive_provisional(tx, db, clock.now()).await
    }
}

fn days_of(v: i64) -> Result<u32> {
    u32::try_from(v).map_err(|_| Error::internal(format!("stored period of {v} days")))
}

async fn rederived(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    what: &str,
    (section_id, project_id, state, objection_id): (&str, &str, &str, Option<&str>),
    (start, days, old, new): (Timestamp, u32, Timestamp, &Reckoned<Timestamp>),
    alert_raised: bool,
) -> Result<()> {
    emit(
        tx,
        db,
        &ActorRef::system("projects.award_calendar"),
        now,
        ggzy_events::Contract::encode(&ggzy_events::projects::DueDateRederived {
            what: what.to_string(),
            section_id: section_id.to_string(),
            project_id: Some(project_id.to_string()),
            objection_id: objection_id.map(str::to_string),
            section_state: Some(state.to_string()),
            start: Some(start),
            days: Some(i64::from(days)),
            previous_due_at: Some(old),
            due_at: new.value,
            provisional: new.provisional(),
            missing_years: new.missing.iter().copied().collect(),
            overdue_alert_raised: alert_raised,
            basis: Some(BASIS.into()),
        }),
    )
    .await?;
    Ok(())
}

/// Re-derive every provisional award due date with the live calendar (loaded first: the import may
/// have been made by another instance or the CLI).
pub async fn rederive_provisional(tx: &mut Tx, db: &Db, now: Timestamp) -> Result<()> {
    ggzy_store::calendar::refresh(db).await?;
    let cal = db.calendar();

    // Candidate publicity ends.
    let rows = crate::store::award_publicity::provisional_publicity_ends(tx).await?;
    for r in rows {
        let section_id = r.section_id;
        let days = days_of(r.publicity_days)?;
        let start = r.publicity_starts_at;
        let old = r.publicity_ends_at;
        let project_id = r.project_id;
        let state = r.state;
        let new = period_end(cal, start, days);
        if change_of(old, &new) == Change::None {
            continue;
        }
        if new.provisional() {
            ggzy_store::calendar::note_missing(tx, db, now, &new.missing, "projects.publicity_end")
                .await?;
        }
        crate::store::award_publicity::rederive_publicity_end(
            tx,
            &section_id,
            new.value,
            new.provisional(),
        )
        .await?;
        rederived(
            tx,
            db,
            now,
            "publicity_end",
            (&section_id, &project_id, state.as_str(), None),
            (start, days, old, &new),
            false,
        )
        .await?;
    }

    // Contract due times.
    let rows = crate::store::award::provisional_contract_dues(tx).await?;
    for r in rows {
        let section_id = r.section_id;
        let start = r.awarded_at;
        let old = r.contract_due_at;
        let signed_on = r.contract_signed_on;
        let alerted = r.contract_overdue_alerted;
        let project_id = r.project_id;
        let state = r.state;
        let days = match r.contract_days {
            Some(d) => days_of(d)?,
            None => {
                let region = r.region;
                load_rules(tx, &region, r.market).await?.contract_days
            }
        };
        let new = period_end(cal, start, days);
        if change_of(old, &new) == Change::None {
            continue;
        }
        if new.provisional() {
            ggzy_store::calendar::note_missing(tx, db, now, &new.missing, "projects.contract_due")
                .await?;
        }
        // A contract already recorded is judged late or not against the re-derived due time.
        let late = match &signed_on {
            Some(d) => {
                let on = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|e| Error::internal(format!("stored contract date '{d}': {e}")))?;
                contract_late(on, new.value)
            }
            None => false,
        };
        crate::store::award::rederive_contract_due(
            tx,
            &section_id,
            new.value,
            new.provisional(),
            late,
        )
        .await?;
        if signed_on.is_none() && !alerted && state == SectionState::Awarded {
            timers::schedule(
                tx,
                CONTRACT_TIMER,
                &contract_key(&section_id),
                new.value,
                crate::timer_payload::SectionTimer::payload(&section_id),
                now,
            )
            .await?;
        }
        rederived(
            tx,
            db,
            now,
            "contract_due",
            (&section_id, &project_id, state.as_str(), None),
            (start, days, old, &new),
            alerted,
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use ggzy_core::time::at_local;
    use std::collections::BTreeSet;

    fn t(d: u32) -> Timestamp {
        at_local(NaiveDate::from_ymd_opt(2027, 1, d).unwrap(), 0, 0, 0)
    }

    #[test]
    fn only_a_new_date_or_a_cleared_mark_is_a_change() {
        let still = Reckoned {
            value: t(2),
            missing: BTreeSet::from([2027]),
        };
        assert_eq!(change_of(t(2), &still), Change::None);
        // Same day, now exact: the mark is cleared.
        assert_eq!(change_of(t(2), &Reckoned::exact(t(2))), Change::Changed);
        // A later day, exact or still provisional (another year missing).
        assert_eq!(change_of(t(2), &Reckoned::exact(t(5))), Change::Changed);
        let later = Reckoned {
            value: t(5),
            missing: BTreeSet::from([2028]),
        };
        assert_eq!(change_of(t(2), &later), Change::Changed);
    }
}
