//! Timers: the report, confirmation and announcement deadlines.

use super::*;
use ggzy_store::uow::Uow;

// Timers.

/// The overdue alerts of the path: one contract per deadline, the same facts in each.
#[derive(Debug, Clone, Copy)]
pub(super) enum Overdue {
    Report,
    ResultAnnouncement,
    ContractAnnouncement,
}

impl Overdue {
    /// The deadline of the path the alert is about.
    fn deadline(self) -> crate::store::procurement::Deadline {
        use crate::store::procurement::Deadline;
        match self {
            Overdue::Report => Deadline::Report,
            Overdue::ResultAnnouncement => Deadline::ResultAnnouncement,
            Overdue::ContractAnnouncement => Deadline::ContractAnnouncement,
        }
    }

    /// The source the region's rules row cites for this deadline.
    fn basis(self, rules: &ProcurementAwardRules) -> &str {
        match self {
            Overdue::Report => &rules.report_send_source,
            Overdue::ResultAnnouncement => &rules.announce_source,
            Overdue::ContractAnnouncement => &rules.contract_announce_source,
        }
    }

    fn event(
        self,
        section_id: String,
        project_id: String,
        due_at: Timestamp,
        basis: String,
    ) -> NewEvent {
        let p = ProcurementOverdue {
            section_id,
            project_id,
            due_at,
            basis,
        };
        match self {
            Overdue::Report => ProcurementReportOverdue(p).encode(),
            Overdue::ResultAnnouncement => ProcurementResultAnnouncementOverdue(p).encode(),
            Overdue::ContractAnnouncement => ProcurementContractAnnouncementOverdue(p).encode(),
        }
    }
}

/// Raises an overdue alert event once, while its alert flag is still 0 and its step is still open
/// ([`crate::store::procurement::mark_overdue`]), citing the source of the section's region's
/// rules row (the national row without one).
pub(super) async fn overdue(u: &mut Uow<'_>, timer: &Timer, event: Overdue) -> Result<()> {
    let section = crate::timer_payload::SectionTimer::decode(timer)?;
    let id = section.section_id.as_str();
    let n = crate::store::procurement::mark_overdue(u.tx(), event.deadline(), id).await?;
    if n != 1 {
        return Ok(());
    }
    let r = crate::store::procurement::due_of(u.tx(), event.deadline(), id).await?;
    let project_id = r.project_id;
    let due_at = r.due_at.unwrap_or_else(|| from_micros(0));
    let (region, _) = region_of(u.tx(), id).await?;
    let rules = load_rules(u.tx(), &region).await?;
    let basis = event.basis(&rules).to_string();
    u.emit(event.event(id.to_string(), project_id, due_at, basis))
        .await?;
    Ok(())
}

/// [`REPORT_TIMER`]: `projects.procurement.report_overdue` when the report was not sent in time.
pub struct ReportOverdue;

#[async_trait::async_trait]
impl TimerHandler for ReportOverdue {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        overdue(
            &mut Uow::within(tx, db, ActorRef::system(&timer.kind), clock.now()),
            timer,
            Overdue::Report,
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
            &mut Uow::within(tx, db, ActorRef::system(&timer.kind), clock.now()),
            timer,
            Overdue::ResultAnnouncement,
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
            &mut Uow::within(tx, db, ActorRef::system(&timer.kind), clock.now()),
            timer,
            Overdue::ContractAnnouncement,
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
        let section = crate::timer_payload::SectionTimer::decode(timer)?;
        let id = section.section_id.as_str();
        let now = clock.now();
        let sec = load_sec(db, tx, id, true).await?;
        if sec.state != SectionState::Publicizing {
            return Ok(());
        }
        let by = ActorRef::system(CONFIRM_TIMER);
        let project_id = sec.project_id.clone();
        match crate::award::award_in(
            &mut Uow::within(tx, db, by.clone(), now),
            CONFIRM_TIMER,
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
                    ProcurementDeemedAwardRefused {
                        section_id: id.to_string(),
                        project_id,
                        rule: p.rule,
                        detail: p.detail,
                    }
                    .encode(),
                )
                .await?;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}
