//! The deadline to publish a mining-right deal's result (结果公示), kept by monitoring from the
//! events it follows (rule `mining.result_publication_overdue`, pure in `rules::publication`):
//!
//! - `projects.section.registered` gives each section's procedure (`mon_sections.procedure`);
//! - the deal of a section whose procedure is `mining_*` — `auctions.deal.confirmed` (listing,
//!   auction) or `projects.award.confirmed` (a tender) — stores the deadline
//!   (`mon_publication_deadlines`, the first deal of the section) and sets the durable timer
//!   [`TIMER`] at it;
//! - `publishing.announcement.published` of type `deal` or `award` naming the section records the
//!   publication, cancels the timer and resolves an alert already raised, saying how late it came;
//! - the timer writes `monitoring.mining_publication.deadline_passed` unless the publication was
//!   seen; this consumer reads that event in log order and raises the alert unless the publication
//!   came first — so a publication committed just before the deadline is never flagged, whatever
//!   the consumer's lag when the timer fired.

use super::*;
use crate::rules::publication::{self as rule, Deadline};
use ggzy_events::monitoring::MiningPublicationDeadlinePassed;
use ggzy_events::publishing::AnnouncementPublished;
use ggzy_store::timers::{self, Timer, TimerHandler};
use serde::{Deserialize, Serialize};

/// The timer kind, registered in `crate::workers`.
pub const TIMER: &str = "monitoring.mining_publication_due";

/// The timer's key for a section (one deadline per section).
pub fn timer_key(section_id: &str) -> String {
    format!("monitoring:mining-publication:{section_id}")
}

/// The timer's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PublicationTimer {
    section_id: String,
}

use crate::store::publication::DeadlineRow;

async fn load(tx: &mut Tx, section_id: &str) -> Result<Option<DeadlineRow>> {
    store::publication::deadline(tx, section_id).await
}

/// A section's deal, as the deal or award event tells it.
pub(super) struct Deal<'a> {
    pub section_id: &'a str,
    pub project_id: Option<&'a str>,
    /// The procedure when the event names it (else monitoring's copy from the registration).
    pub procedure: Option<&'a str>,
    pub deal_ref: &'a str,
    pub deal_at: DateTime<Utc>,
}

/// A deal of a mining section: store its publication deadline and set the timer (once per
/// section: a later deal or award event of the same section keeps the first deadline).
pub(super) async fn deal(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    d: Deal<'_>,
    ev: &Event,
) -> Result<()> {
    let known = store::sections::procedure(tx, d.section_id).await?;
    let procedure = d
        .procedure
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .or(known);
    let Some(procedure) = procedure.filter(|p| rule::is_mining(p)) else {
        return Ok(());
    };
    let Some(r) = catalogue(tx)
        .await?
        .active(rules::MINING_RESULT_PUBLICATION_OVERDUE)
        .cloned()
    else {
        return Ok(());
    };
    let due = rule::publication_due(&r, db.calendar(), d.deal_at);
    let inserted = store::publication::insert(
        tx,
        store::publication::NewDeadline {
            section_id: d.section_id,
            project_id: d.project_id.filter(|p| !p.is_empty()),
            procedure: &procedure,
            deal_ref: d.deal_ref,
            deal_event_id: &ev.id,
            deal_at: d.deal_at,
            due_at: due.value,
            working_days: i64::from(rule::working_days(&r)),
            provisional: due.provisional(),
            now,
        },
    )
    .await?;
    if inserted != 1 {
        return Ok(());
    }
    if due.provisional() {
        ggzy_store::calendar::note_missing(
            tx,
            db,
            now,
            &due.missing,
            "monitoring.mining_publication_due",
        )
        .await?;
    }
    let payload = PublicationTimer {
        section_id: d.section_id.to_string(),
    };
    timers::schedule(
        tx,
        TIMER,
        &timer_key(d.section_id),
        due.value,
        serde_json::to_value(&payload).map_err(|e| ggzy_core::Error::internal(e.to_string()))?,
        now,
    )
    .await
}

/// A result announcement published: recorded for each mining section it names that waited for
/// it; the timer is cancelled and an alert already raised is resolved, with how late it came.
pub(super) async fn published(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let a = AnnouncementPublished::decode(ev)?;
    if !rule::publishes_result(&a.kind) {
        return Ok(());
    }
    let at = a.published_at.unwrap_or(ev.occurred_at);
    for s in &a.section_ids {
        let n = store::publication::mark_published(tx, s, &a.announcement_id, at).await?;
        if n != 1 {
            continue;
        }
        timers::cancel(tx, &timer_key(s)).await?;
        let Some(row) = load(tx, s).await? else {
            continue;
        };
        if row.overdue_at.is_none() {
            continue;
        }
        let late = rule::lateness(db.calendar(), row.due_at, at);
        let note = rule::resolution_note(row.due_at, at, late.as_ref().map(|l| l.value));
        // The alert's evidence keeps the publication and its lateness, then it is resolved.
        let (seconds, working_days) = late
            .as_ref()
            .map_or((0, 0), |l| (l.value.seconds, l.value.working_days));
        let evidence =
            late_evidence(tx, s, &row, &a.announcement_id, at, seconds, working_days).await?;
        let signal_key = format!("deal:{}", row.deal_ref);
        store::alerts::set_evidence(
            tx,
            store::alerts::Signal {
                rule_id: rules::MINING_RESULT_PUBLICATION_OVERDUE,
                subject: s,
                signal_key: &signal_key,
            },
            &evidence,
            now,
        )
        .await?;
        alerts::resolve_by_system(
            tx,
            db,
            now,
            rules::MINING_RESULT_PUBLICATION_OVERDUE,
            s,
            &note,
        )
        .await?;
    }
    Ok(())
}

/// The alert's evidence with the publication added: the announcement, when, how late.
async fn late_evidence(
    tx: &mut Tx,
    section_id: &str,
    row: &DeadlineRow,
    announcement_id: &str,
    at: DateTime<Utc>,
    seconds: i64,
    working_days: u32,
) -> Result<String> {
    let signal_key = format!("deal:{}", row.deal_ref);
    let stored = store::alerts::evidence(
        tx,
        store::alerts::Signal {
            rule_id: rules::MINING_RESULT_PUBLICATION_OVERDUE,
            subject: section_id,
            signal_key: &signal_key,
        },
    )
    .await?;
    let mut e: serde_json::Value = stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_else(|| json!({}));
    e["announcement_id"] = json!(announcement_id);
    e["published_at"] = json!(at.to_rfc3339());
    e["late_seconds"] = json!(seconds);
    e["late_working_days"] = json!(working_days);
    Ok(e.to_string())
}

/// The deadline passed unpublished as the timer saw it: the alert, unless the publication is
/// already in the log before this event (or the deadline was replaced meanwhile).
pub(super) async fn deadline_passed(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
) -> Result<()> {
    let p = MiningPublicationDeadlinePassed::decode(ev)?;
    let Some(row) = load(tx, &p.section_id).await? else {
        return Ok(());
    };
    if row.deal_ref != p.deal_ref || row.overdue_at.is_some() {
        return Ok(());
    }
    let cat = catalogue(tx).await?;
    let Some(r) = cat.active(rules::MINING_RESULT_PUBLICATION_OVERDUE) else {
        return Ok(());
    };
    let d = Deadline {
        section_id: &row.section_id,
        procedure: &row.procedure,
        deal_ref: &row.deal_ref,
        deal_at: row.deal_at,
        due_at: row.due_at,
        working_days: row.working_days,
    };
    let Some(mut f) =
        rule::publication_overdue(r, &d, row.published_at, now.max(ev.occurred_at), &[&ev.id])
    else {
        return Ok(());
    };
    f.evidence["provisional"] = json!(row.provisional);
    store::publication::mark_overdue(tx, &row.section_id, now).await?;
    ensure_section(tx, Sec::of(&row.section_id, &row.project_id, &None), now).await?;
    raise_for(tx, db, now, &cat, &row.section_id, f).await
}

/// [`TIMER`]: at the deadline, `monitoring.mining_publication.deadline_passed` when the result was
/// not seen published (the consumer decides in log order).
pub struct PublicationDue;

#[async_trait::async_trait]
impl TimerHandler for PublicationDue {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let t: PublicationTimer = serde_json::from_value(timer.payload.clone())
            .map_err(|e| ggzy_core::Error::internal(format!("timer {} payload: {e}", timer.id)))?;
        let Some(row) = load(tx, &t.section_id).await? else {
            return Ok(());
        };
        if row.published_at.is_some() || row.overdue_at.is_some() {
            return Ok(());
        }
        let src = catalogue(tx)
            .await?
            .get(rules::MINING_RESULT_PUBLICATION_OVERDUE)
            .map(|r| r.source.clone())
            .unwrap_or_default();
        let e = MiningPublicationDeadlinePassed {
            section_id: row.section_id,
            project_id: row.project_id,
            procedure: row.procedure,
            deal_ref: row.deal_ref,
            deal_at: row.deal_at,
            due_at: row.due_at,
            working_days: row.working_days,
            provisional: row.provisional,
            basis: src,
        };
        ggzy_store::emit(
            tx,
            db,
            &ActorRef::system("monitoring"),
            clock.now(),
            e.encode(),
        )
        .await?;
        Ok(())
    }
}
