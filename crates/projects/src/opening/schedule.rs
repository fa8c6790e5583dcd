//! Scheduling the opening: the opening timer, the section's move to opening and the decryption window.

use super::*;
use ggzy_events::projects::SectionFailed;
use ggzy_events::projects::{SectionBiddingOpened, SectionDeadlineChanged};
use ggzy_events::Contract;

// Scheduling the opening.

/// Schedule (or move, while pending) the opening timer of a section at its stored opening time.
/// Called when the section starts bidding and whenever its deadline or opening time changes.
/// A listing section (挂牌/拍卖/网络竞价) has no sealed-bid opening: nothing is scheduled.
pub async fn schedule_opening(tx: &mut Tx, section_id: &str, now: Timestamp) -> Result<()> {
    if let Some(p) = crate::service::section_procedure(tx, section_id).await? {
        if !p.has_sealed_bids() {
            return Ok(());
        }
    }
    let r = store::sections::opening_at(tx, section_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {section_id}")))?;
    let state = r.state;
    if !matches!(state, SectionState::Bidding | SectionState::Closed) {
        return Ok(());
    }
    timers::schedule(
        tx,
        OPENING_TIMER,
        &opening_key(section_id),
        r.opening_at,
        crate::timer_payload::SectionTimer::payload(section_id),
        now,
    )
    .await
}

/// Keeps the opening timer on the section's opening time: schedules it when a section starts
/// bidding (whichever way: staff action or published tender announcement) and moves it when the
/// deadline or opening time changes.
pub struct OpeningSchedule;

#[async_trait::async_trait]
impl Consumer for OpeningSchedule {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "projects.opening_schedule",
            &[SectionBiddingOpened::NAME, SectionDeadlineChanged::NAME],
        )
    }

    /// An event that does not decode into its contract fails the consumer, which parks it with an
    /// alert after its retries (ggzy-events crate docs) — never skipped.
    async fn handle(&self, tx: &mut Tx, _db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let id = if ev.event_type == SectionBiddingOpened::NAME {
            SectionBiddingOpened::decode(ev)?.section_id
        } else {
            SectionDeadlineChanged::decode(ev)?.section_id
        };
        match schedule_opening(tx, &id, clock.now()).await {
            Err(Error::NotFound(_)) => Ok(()),
            r => r,
        }
    }
}

pub(super) use store::sections::OpeningSectionRow as SectionRow;

pub(super) async fn load_section(
    conn: &mut sqlx::AnyConnection,
    db: &Db,
    id: &str,
    lock: bool,
) -> Result<SectionRow> {
    store::sections::opening_section(conn, db, id, lock)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {id}")))
}

pub(super) async fn move_state(
    tx: &mut Tx,
    id: &str,
    from: SectionState,
    action: SectionAction,
    now: Timestamp,
) -> Result<SectionState> {
    let to = transition(from, action)?;
    set_section_state(tx, id, from, to, now).await?;
    Ok(to)
}

/// Handler for [`OPENING_TIMER`]: closed → opening (or → failed with too few bids).
pub struct SectionOpening;

#[async_trait::async_trait]
impl TimerHandler for SectionOpening {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let section = crate::timer_payload::SectionTimer::decode(timer)?;
        let id = section.section_id.as_str();
        let now = clock.now();
        // No opening while a remedy suspends the section; resuming schedules it again
        // (crate::suspension).
        if crate::suspension::is_suspended(tx, id).await? {
            tracing::info!(
                section_id = id,
                "opening time reached while suspended by a remedy"
            );
            return Ok(());
        }
        let s = match load_section(tx, db, id, true).await {
            Err(Error::NotFound(_)) => return Ok(()),
            r => r?,
        };
        // A timer left from before the section became a listing: nothing to open (its deadline
        // timer closes it; the auctions area sells it).
        if let Some(p) = crate::service::section_procedure(tx, id).await? {
            if !p.has_sealed_bids() {
                tracing::info!(section_id = id, "listing section: no sealed-bid opening");
                return Ok(());
            }
        }
        let mut state = s.state;
        if state == SectionState::Bidding {
            if registration_open(now, s.bid_deadline) {
                // The deadline moved later without the timer following; retry until it passes.
                return Err(Error::internal(format!(
                    "section {id} is still bidding until {}",
                    display_local(s.bid_deadline)
                )));
            }
            // The deadline timer fires at the same instant; close here so the order does not matter.
            crate::bidding::close_section(tx, db, now, id, s.bid_deadline).await?;
            state = SectionState::Closed;
        }
        if state != SectionState::Closed {
            return Ok(());
        }
        if now.timestamp() < s.opening_at.timestamp() {
            return Err(Error::internal(format!(
                "section {id} opens at {}",
                display_local(s.opening_at)
            )));
        }
        // Bids voided at the deadline (实施条例 34, bidding::void_joint_bids) do not count.
        let bid_count = store::bids::countable_bids(tx, id).await?;
        let mut rules = load_rules(tx, &s.region, &s.market).await?;
        // Procurement's non-tender methods have their own minimum (single source: its one
        // supplier; the others 3, ending the procedure, or 2 for a consultation with a declared
        // exception: crate::nontender::section_min_suppliers).
        let procedure = crate::service::section_procedure(tx, id).await?;
        let nontender_min = match procedure {
            Some(p) => crate::nontender::section_min_suppliers(tx, id, p).await?,
            None => None,
        };
        if let Some((min, source)) = nontender_min {
            rules.min_bids = min;
            rules.min_bids_source = source.to_string();
        }
        let system = ActorRef::system(OPENING_TIMER);
        if !rules.opens(bid_count) {
            move_state(tx, id, state, SectionAction::Fail, now).await?;
            emit(
                tx,
                db,
                &system,
                now,
                SectionFailed {
                    bid_count: Some(bid_count as i64),
                    min_bids: Some(rules.min_bids as i64),
                    basis: Some(rules.min_bids_source.to_string()),
                    ..SectionFailed::new(id, &s.project_id, s.market.as_str(), "too_few_bids", now)
                }
                .encode(),
            )
            .await?;
            return Ok(());
        }
        move_state(tx, id, state, SectionAction::StartOpening, now).await?;
        let opened = window_start(s.opening_at, now);
        let ends = rules.window_ends(opened);
        store::opening::start(tx, id, opened, ends).await?;
        timers::schedule(
            tx,
            WINDOW_TIMER,
            &window_key(id),
            ends,
            crate::timer_payload::SectionTimer::payload(id),
            now,
        )
        .await?;
        emit(
            tx,
            db,
            &system,
            now,
            ggzy_events::Contract::encode(&ggzy_events::projects::SectionOpened {
                section_id: id.to_string(),
                project_id: Some(s.project_id.to_string()),
                market: Some(s.market.to_string()),
                opening_at: opened,
                bid_count: Some(bid_count),
                decryption_deadline: Some(ends),
                window_basis: Some(rules.window_source.to_string()),
            }),
        )
        .await?;
        Ok(())
    }
}

/// Handler for [`WINDOW_TIMER`]: the decryption window is over; record the opening.
pub struct DecryptionWindow;

#[async_trait::async_trait]
impl TimerHandler for DecryptionWindow {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let section = crate::timer_payload::SectionTimer::decode(timer)?;
        let id = section.section_id.as_str();
        let s = load_section(tx, db, id, true).await?;
        if s.state != SectionState::Opening {
            return Ok(());
        }
        finalize(tx, db, clock.now(), id, &s, &ActorRef::system(WINDOW_TIMER)).await
    }
}
