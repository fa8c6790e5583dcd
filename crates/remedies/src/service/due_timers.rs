//! Timers: overdue answers / acceptances / decisions, and the end of a procurement suspension.

use super::*;

/// An answer, acceptance review or decision not given when due: `remedies.case.overdue`
/// (monitoring raises `compliance.remedy_overdue`).
pub struct CaseDue;

#[async_trait::async_trait]
impl TimerHandler for CaseDue {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let t = CaseTimer::of(timer)?;
        let (id, step) = (t.case_id.as_str(), t.step.as_deref().unwrap_or(""));
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
            ggzy_events::Contract::encode(&ggzy_events::remedies::CaseOverdue {
                case_id: id.to_string(),
                section_id: case.section_id.clone(),
                market: Some(case.market.clone()),
                kind: case.kind.as_str().to_string(),
                step: step.to_string(),
                due_at: timer.due_at,
                source: Some(case.source.clone()),
            }),
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
        let t = CaseTimer::of(timer)?;
        let id = t.case_id.as_str();
        let case = match load_case(db, tx, id, true).await {
            Err(Error::NotFound(_)) => return Ok(()),
            r => r?,
        };
        if !case.suspending {
            return Ok(());
        }
        let now = clock.now();
        crate::store::cases::end_suspension(tx, id, now).await?;
        emit(
            tx,
            db,
            &ActorRef::system(SUSPENSION_TIMER),
            now,
            ggzy_events::Contract::encode(&ggzy_events::remedies::CaseResumed {
                case_id: id.to_string(),
                section_id: case.section_id.clone(),
                scope: case.target.suspension_scope().into(),
                reason: "max_days".into(),
                new_bid_deadline: None,
            }),
        )
        .await?;
        Ok(())
    }
}
