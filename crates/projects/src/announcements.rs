//! What the projects area does when the publishing area publishes an announcement
//! (`publishing.announcement.published`):
//! - a tender announcement (`tender`, `land_transfer`, `property_disclosure`) opens its sections
//!   for bidding: registered → announced → bidding, with the deadline timer — the same moves as the
//!   staff endpoint `POST /api/v1/sections/{id}/open-bidding`;
//! - a change notice with `postpone` entries moves a section's bid deadline and opening time, moves
//!   the deadline timer and the opening timer ([`crate::opening::schedule_opening`]) and emits
//!   `projects.section.deadline_changed`;
//! - a change notice with `prequalification_postpone` entries moves the open prequalification
//!   round's applications deadline (实施条例 第二十一条) and emits
//!   `projects.prequalification.deadline_changed`.
//!
//! A published announcement is a fact: what cannot apply (a section already bidding, a deadline
//! already passed) is skipped with a warning, never retried forever.

use crate::award::load_sec;
use crate::bidding::DEADLINE_TIMER;
use crate::model::{transition, SectionAction, SectionState};
use crate::rules::registration_open;
use crate::service::set_section_state as set_state;
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::{Clock, Result, Timestamp};
use ggzy_events::projects::{SectionBiddingOpened, SectionDeadlineChanged};
use ggzy_events::publishing::{AnnouncementPublished, Postponement};
use ggzy_events::Contract;
use ggzy_store::consumer::Consumer;
use ggzy_store::timers;
use ggzy_store::{emit, Db, Tx};

/// Announcement types that open their sections for bidding.
pub const OPENING_TYPES: [&str; 3] = ["tender", "land_transfer", "property_disclosure"];

const NAME: &str = "projects.announcements";

/// Consumer of `publishing.announcement.published`.
pub struct Announcements;

#[async_trait::async_trait]
impl Consumer for Announcements {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(NAME, &[AnnouncementPublished::NAME])
    }

    /// Decoded through the contract: an announcement that does not decode fails the consumer,
    /// which parks it with an alert after its retries (ggzy-events crate docs) — never skipped.
    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let a = AnnouncementPublished::decode(ev)?;
        let announcement_id = a.announcement_id.as_str();
        let now = clock.now();
        if OPENING_TYPES.contains(&a.kind.as_str()) {
            for sid in &a.section_ids {
                open_for_bidding(tx, db, now, sid, announcement_id).await?;
            }
        }
        // A procurement result announcement (中标/成交结果公告) closes its period
        // (crate::procurement; other markets' sections have no row there and are left alone).
        if a.kind == "award" {
            let published_at = a.published_at.unwrap_or(ev.occurred_at);
            for sid in &a.section_ids {
                crate::procurement::on_result_published(
                    tx,
                    db,
                    now,
                    sid,
                    announcement_id,
                    published_at,
                )
                .await?;
            }
        }
        for entry in &a.postpone {
            postpone(tx, db, now, entry, announcement_id).await?;
        }
        for entry in &a.prequalification_postpone {
            crate::prequalification::postponed_by_notice(tx, db, now, entry, announcement_id)
                .await?;
        }
        Ok(())
    }
}

fn deadline_key(section_id: &str) -> String {
    format!("{DEADLINE_TIMER}:{section_id}")
}

async fn section_exists(tx: &mut Tx, id: &str) -> Result<bool> {
    crate::store::sections::exists_in(tx, id).await
}

/// registered → announced → bidding and the deadline timer, as `bidding::open_bidding` does.
async fn open_for_bidding(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    section_id: &str,
    announcement_id: &str,
) -> Result<()> {
    if !section_exists(tx, section_id).await? {
        tracing::warn!(
            section_id,
            announcement_id,
            "announcement for an unknown section"
        );
        return Ok(());
    }
    let s = load_sec(db, tx, section_id, true).await?;
    if s.state != SectionState::Registered {
        tracing::info!(
            section_id,
            state = s.state.as_str(),
            "section not registered; announcement leaves it as it is"
        );
        return Ok(());
    }
    if !registration_open(now, s.bid_deadline) {
        tracing::warn!(
            section_id,
            announcement_id,
            "tender announcement published after the bid deadline; section not opened"
        );
        return Ok(());
    }
    // Invitations issued, prequalification reviewed (crate::procedures): else left registered.
    match crate::procedures::bidding_ready(tx, section_id).await {
        Err(ggzy_core::Error::Conflict { rule, detail }) => {
            tracing::warn!(
                section_id,
                announcement_id,
                rule,
                detail,
                "section not opened"
            );
            return Ok(());
        }
        r => r?,
    }
    let announced = transition(s.state, SectionAction::Announce)?;
    let bidding = transition(announced, SectionAction::OpenBidding)?;
    set_state(tx, section_id, s.state, bidding, now).await?;
    timers::schedule(
        tx,
        DEADLINE_TIMER,
        &deadline_key(section_id),
        s.bid_deadline,
        crate::timer_payload::SectionTimer::payload(section_id),
        now,
    )
    .await?;
    emit(
        tx,
        db,
        &ActorRef::system(NAME),
        now,
        SectionBiddingOpened {
            section_id: section_id.to_string(),
            project_id: Some(s.project_id.clone()),
            bid_deadline: s.bid_deadline,
            state: Some(bidding.as_str().to_string()),
            announcement_id: Some(announcement_id.to_string()),
        }
        .encode(),
    )
    .await?;
    Ok(())
}

/// Move a section's deadline and opening time (a change notice that postpones).
async fn postpone(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    entry: &Postponement,
    announcement_id: &str,
) -> Result<()> {
    let section_id = entry.section_id.as_str();
    let deadline = entry.new_deadline;
    let Some(opening) = entry.new_opening_at else {
        tracing::warn!(
            announcement_id,
            section_id,
            "postpone entry without new_opening_at"
        );
        return Ok(());
    };
    if !section_exists(tx, section_id).await? {
        tracing::warn!(
            section_id,
            announcement_id,
            "postponement for an unknown section"
        );
        return Ok(());
    }
    let s = load_sec(db, tx, section_id, true).await?;
    if !matches!(
        s.state,
        SectionState::Registered | SectionState::Announced | SectionState::Bidding
    ) || !registration_open(now, s.bid_deadline)
    {
        tracing::warn!(
            section_id,
            state = s.state.as_str(),
            "deadline already reached; postponement not applied"
        );
        return Ok(());
    }
    if !registration_open(now, deadline) || opening < deadline {
        tracing::warn!(
            section_id,
            "postponement to a past deadline or an opening before it; not applied"
        );
        return Ok(());
    }
    crate::store::sections::set_deadline_and_opening(tx, section_id, deadline, opening, now)
        .await?;
    if s.state == SectionState::Bidding {
        timers::schedule(
            tx,
            DEADLINE_TIMER,
            &deadline_key(section_id),
            deadline,
            crate::timer_payload::SectionTimer::payload(section_id),
            now,
        )
        .await?;
    }
    // The opening timer (crate::opening) follows the stored opening time; moving it here keeps it
    // in the same transaction (its own consumer of deadline_changed does the same, idempotently).
    crate::opening::schedule_opening(tx, section_id, now).await?;
    emit(
        tx,
        db,
        &ActorRef::system(NAME),
        now,
        SectionDeadlineChanged {
            section_id: section_id.to_string(),
            project_id: Some(s.project_id.clone()),
            old_deadline: Some(s.bid_deadline),
            new_deadline: deadline,
            old_opening_at: Some(s.opening_at),
            new_opening_at: Some(opening),
            suspended_seconds: None,
            remedy_case_id: None,
            announcement_id: Some(announcement_id.to_string()),
        }
        .encode(),
    )
    .await?;
    Ok(())
}
