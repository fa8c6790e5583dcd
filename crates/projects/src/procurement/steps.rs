//! The path, step by step (each inside the caller's transaction).

use super::*;
use ggzy_store::uow::Uow;

// The path, step by step (each inside the caller's transaction).

/// The committee's report was received for a procurement section (from `award::accept_result`):
/// the row, the report-sending timer and `projects.procurement.report_received`.
pub(crate) async fn on_report(
    u: &mut Uow<'_>,
    section_id: &str,
    project_id: &str,
    region: &str,
    report_ref: &str,
    candidates: &[Candidate],
) -> Result<()> {
    let db = u.db;
    let now = u.now;
    let rules = load_rules(u.tx(), region).await?;
    let send = due(
        u.tx(),
        db,
        now,
        now,
        rules.report_send_days,
        "projects.procurement_report_due",
    )
    .await?;
    crate::store::procurement::insert_award_path(
        u.tx(),
        crate::store::procurement::NewAwardPath {
            section_id,
            project_id,
            report_ref,
            report_at: now,
            report_send_due_at: send.value,
            report_send_due_provisional: send.provisional(),
        },
    )
    .await?;
    timers::schedule(
        u.tx(),
        REPORT_TIMER,
        &key(REPORT_TIMER, section_id),
        send.value,
        crate::timer_payload::SectionTimer::payload(section_id),
        now,
    )
    .await?;
    u.emit(
        ProcurementReportReceived {
            section_id: section_id.to_string(),
            project_id: project_id.to_string(),
            market: "procurement".into(),
            report_ref: report_ref.to_string(),
            report_at: now,
            candidate_count: i64::try_from(candidates.len()).unwrap_or(i64::MAX),
            report_send_due_at: send.value,
            report_send_due_at_provisional: send.provisional(),
            basis: rules.report_send_source,
        }
        .encode(),
    )
    .await?;
    Ok(())
}

/// Record the report as received by the purchaser at `now` and start the confirmation period.
pub(super) async fn report_received(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    now: Timestamp,
    section_id: &str,
) -> Result<()> {
    let (region, project_id) = region_of(tx, section_id).await?;
    let rules = load_rules(tx, &region).await?;
    let send_due = crate::store::procurement::unsent_report_due(tx, section_id)
        .await?
        .ok_or_else(|| {
            Error::conflict(
                "procurement.report_already_sent",
                "the evaluation report has already been sent to the purchaser",
            )
        })?;
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
    let n = crate::store::procurement::record_report_sent(
        tx,
        section_id,
        now,
        late,
        confirm.value,
        confirm.provisional(),
    )
    .await?;
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
        crate::timer_payload::SectionTimer::payload(section_id),
        now,
    )
    .await?;
    emit(
        tx,
        db,
        by,
        now,
        ProcurementReportSent {
            section_id: section_id.to_string(),
            project_id,
            sent_at: now,
            due_at: send_due,
            late,
            confirm_due_at: confirm.value,
            confirm_due_at_provisional: confirm.provisional(),
            basis: rules.confirm_source,
        }
        .encode(),
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
    let r = crate::store::procurement::confirm_state(tx, section_id)
        .await?
        .ok_or_else(|| {
            Error::internal(format!("procurement section {section_id} without report"))
        })?;
    if r.report_sent_at.is_none() {
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
    let confirm_due = r.confirm_due_at;
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
    crate::store::procurement::record_confirmed(
        tx,
        section_id,
        now,
        deemed,
        ann.value,
        ann.provisional(),
    )
    .await?;
    timers::cancel(tx, &key(CONFIRM_TIMER, section_id)).await?;
    timers::schedule(
        tx,
        ANNOUNCE_TIMER,
        &key(ANNOUNCE_TIMER, section_id),
        ann.value,
        crate::timer_payload::SectionTimer::payload(section_id),
        now,
    )
    .await?;
    emit(
        tx,
        db,
        &ActorRef::system("projects.procurement"),
        now,
        ProcurementWinnerConfirmed {
            section_id: section_id.to_string(),
            project_id,
            confirmed_at: now,
            deemed,
            announce_due_at: ann.value,
            announce_due_at_provisional: ann.provisional(),
            show_working_days: i64::from(rules.show_days),
            basis: rules.announce_source,
            show_basis: rules.show_source,
        }
        .encode(),
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
    crate::store::procurement::record_contract_signed(
        tx,
        section_id,
        signed_on,
        d.value,
        d.provisional(),
    )
    .await?;
    timers::schedule(
        tx,
        CONTRACT_ANNOUNCE_TIMER,
        &key(CONTRACT_ANNOUNCE_TIMER, section_id),
        d.value,
        crate::timer_payload::SectionTimer::payload(section_id),
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
    let Some(r) = crate::store::procurement::pending_announcement(tx, section_id).await? else {
        return Ok(());
    };
    let due_at = r.announce_due_at.unwrap_or_else(|| from_micros(0));
    let project_id = r.project_id;
    let late = published_at >= due_at;
    crate::store::procurement::record_announced(
        tx,
        section_id,
        published_at,
        announcement_id,
        late,
    )
    .await?;
    timers::cancel(tx, &key(ANNOUNCE_TIMER, section_id)).await?;
    emit(
        tx,
        db,
        &ActorRef::system("projects.announcements"),
        now,
        ProcurementResultAnnounced {
            section_id: section_id.to_string(),
            project_id,
            announcement_id: announcement_id.to_string(),
            published_at,
            due_at,
            late,
        }
        .encode(),
    )
    .await?;
    Ok(())
}
