//! The monitoring consumer: follows every area's events, keeps the monitoring area's own copy of
//! what the rules need (sections, bidders' traces, opening records, deposits, sessions) and raises
//! alerts in the same transaction as the cursor move — an alert is raised exactly once per signal.

use crate::alerts::{self, Subject};
use crate::rules::{self, BidEntry, Catalogue, Finding, Trace};
use chrono::{DateTime, Utc};
use ggzy_core::events::ActorRef;
use ggzy_core::events::Event;
use ggzy_core::money::Money;
use ggzy_core::{Clock, Result};
use ggzy_events::auctions::{
    DealConfirmed, LandContractOverdue, ListingPeriodsRechecked, PropertyPaymentOverdue,
};
use ggzy_events::calendar::{ScheduleImported, YearMissing};
use ggzy_events::consumer::{EventParked, EventReplayed};
use ggzy_events::deposits::{DepositForfeited, RefundInstructed, RefundOverdue, TransferReceived};
use ggzy_events::evaluation::ScoreOutlier;
use ggzy_events::experts::{DrawCompleted, ExpertRated};
use ggzy_events::identity::OrganizationRegistered;
use ggzy_events::monitoring::MiningPublicationDeadlinePassed;
use ggzy_events::projects::{
    AwardConfirmed, AwardReportOverdue, BidDecrypted, BidSubmitted, CandidatesPublicized,
    ContractOverdue, ObjectionOverdue, OpeningEntry, OpeningRecorded, RegistrationCreated,
    SectionDeadlineChanged, SectionOpened, SectionRegistered,
};
use ggzy_events::publishing::{AnnouncementPeriodsRechecked, AnnouncementPublished, BrokenPeriod};
use ggzy_events::remedies::CaseOverdue;
use ggzy_events::venues::{SessionCancelled, SessionMoved, SessionScheduled, ViolationRecorded};
use ggzy_events::Contract;
use ggzy_store::consumer::Consumer;
use ggzy_store::uow::Uow;
use ggzy_store::{Db, Tx};
use serde_json::json;

use crate::store;

/// Monitoring's copy of the registered sections (`mon_sections`): a blank text is stored as NULL
/// ("not stated"), and the tenderer column names the tenderer's USCC or, when it has none, the
/// organization that registered the project.
const SECTIONS: ggzy_store::copies::SectionCopy = {
    use ggzy_store::copies::{OnRepeat, SectionCopy, SectionField as F};
    SectionCopy {
        table: "mon_sections",
        columns: &[
            ("section_id", F::SectionId),
            ("project_id", F::ProjectId),
            ("project_code", F::ProjectCode),
            ("project_name", F::ProjectName),
            ("section_name", F::Name),
            ("market", F::Market),
            ("tenderer", F::TendererUsccOrOwner),
            ("estimate_fen", F::EstimatedFen),
            ("docs_issue_at", F::DocsIssueAt),
            ("bid_deadline", F::BidDeadline),
            ("opening_at", F::OpeningAt),
            ("updated_at", F::UpdatedAt),
            ("procedure", F::Procedure),
        ],
        on_repeat: OnRepeat::Update,
        blank_is_null: true,
    }
};

mod bids;
mod outcomes;
pub mod publication;
use self::bids::*;
use self::outcomes::*;

pub const CONSUMER: &str = "monitoring.signals";

/// The event types monitoring reads (everything else only advances the cursor).
pub const WANTED: &[&str] = &[
    YearMissing::NAME,
    ScheduleImported::NAME,
    AnnouncementPeriodsRechecked::NAME,
    ListingPeriodsRechecked::NAME,
    EventParked::NAME,
    EventReplayed::NAME,
    SectionRegistered::NAME,
    SectionDeadlineChanged::NAME,
    SectionOpened::NAME,
    RegistrationCreated::NAME,
    BidSubmitted::NAME,
    BidDecrypted::NAME,
    OpeningRecorded::NAME,
    AwardConfirmed::NAME,
    CandidatesPublicized::NAME,
    ContractOverdue::NAME,
    AwardReportOverdue::NAME,
    ObjectionOverdue::NAME,
    CaseOverdue::NAME,
    LandContractOverdue::NAME,
    PropertyPaymentOverdue::NAME,
    TransferReceived::NAME,
    RefundInstructed::NAME,
    DepositForfeited::NAME,
    RefundOverdue::NAME,
    DrawCompleted::NAME,
    SessionScheduled::NAME,
    SessionMoved::NAME,
    SessionCancelled::NAME,
    ViolationRecorded::NAME,
    ScoreOutlier::NAME,
    ExpertRated::NAME,
    OrganizationRegistered::NAME,
    DealConfirmed::NAME,
    AnnouncementPublished::NAME,
    MiningPublicationDeadlinePassed::NAME,
];

pub struct MonitoringConsumer;

#[async_trait::async_trait]
impl Consumer for MonitoringConsumer {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(CONSUMER, WANTED)
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        // Every payload is decoded through its contract (crates/events): an undecodable one fails
        // the consumer and is parked with an alert, never read as blanks.
        let now = clock.now();
        match ev.event_type.as_str() {
            SectionRegistered::NAME => section_registered(tx, db, now, ev).await,
            OrganizationRegistered::NAME => org_registered(tx, ev).await,
            SectionDeadlineChanged::NAME => deadline_changed(tx, db, now, ev).await,
            SectionOpened::NAME => {
                let o = SectionOpened::decode(ev)?;
                let s = o.section_id.as_str();
                ensure_section(tx, Sec::of(s, &o.project_id, &o.market), now).await?;
                store::sections::set_opening_if_unknown(tx, s, o.opening_at, now).await
            }
            RegistrationCreated::NAME => {
                let r = RegistrationCreated::decode(ev)?;
                let s = r.section_id.as_str();
                ensure_section(tx, Sec::of(s, &r.project_id, &None), now).await?;
                add_trace(tx, s, "registration", "registered", &r.org_id, ev).await
            }
            BidSubmitted::NAME => bid_submitted(tx, db, now, ev).await,
            BidDecrypted::NAME => bid_decrypted(tx, db, now, ev).await,
            OpeningRecorded::NAME => opening_recorded(tx, db, now, ev).await,
            AwardConfirmed::NAME => award_confirmed(tx, db, now, ev).await,
            DrawCompleted::NAME => draw_completed(tx, db, now, ev).await,
            ScoreOutlier::NAME => score_outlier(tx, db, now, ev).await,
            ExpertRated::NAME => expert_rated(tx, db, now, ev).await,
            CandidatesPublicized::NAME => {
                let c = CandidatesPublicized::decode(ev)?;
                let s = c.section_id.as_str();
                ensure_section(tx, Sec::of(s, &c.project_id, &c.market), now).await?;
                let cat = catalogue(tx).await?;
                if let Some(f) = cat.active(rules::SHORT_PUBLICITY).and_then(|r| {
                    rules::short_publicity(r, c.publicity_starts_at, c.publicity_ends_at, &ev.id)
                }) {
                    raise_for(tx, db, now, &cat, s, f).await?;
                }
                Ok(())
            }
            TransferReceived::NAME => transfer_received(tx, db, now, ev).await,
            RefundInstructed::NAME => {
                let r = RefundInstructed::decode(ev)?;
                // Money that matched no bidder's deposit is no deposit of a section.
                let (Some(s), Some(o)) = (r.section_id.as_deref(), r.org_id.as_deref()) else {
                    return Ok(());
                };
                let payee = Some(r.payee_account_no.as_str());
                deposit_released(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    s,
                    o,
                    r.amount,
                    payee,
                    ev,
                )
                .await
            }
            DepositForfeited::NAME => {
                let f = DepositForfeited::decode(ev)?;
                deposit_released(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    &f.section_id,
                    &f.org_id,
                    f.amount,
                    None,
                    ev,
                )
                .await
            }
            ContractOverdue::NAME => {
                let o = ContractOverdue::decode(ev)?;
                let s = o.section_id.as_str();
                let detail = format!(
                    "标段/section {s}, awarded {}, due {}",
                    o.awarded_at.to_rfc3339(),
                    o.due_at.to_rfc3339()
                );
                compliance(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    rules::CONTRACT_OVERDUE,
                    Some(Sec::of(s, &o.project_id, &None)),
                    "contract".into(),
                    &detail,
                    ev,
                )
                .await
            }
            AwardReportOverdue::NAME => {
                let o = AwardReportOverdue::decode(ev)?;
                let s = o.section_id.as_str();
                let detail = format!(
                    "标段/section {s}, awarded {}, written report due {} ({})",
                    o.awarded_at.to_rfc3339(),
                    o.due_at.to_rfc3339(),
                    o.basis
                        .as_deref()
                        .filter(|b| !b.is_empty())
                        .unwrap_or("招标投标法 第四十七条")
                );
                compliance(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    rules::AWARD_REPORT_OVERDUE,
                    Some(Sec::of(s, &o.project_id, &None)),
                    "award_report".into(),
                    &detail,
                    ev,
                )
                .await
            }
            ObjectionOverdue::NAME => {
                let o = ObjectionOverdue::decode(ev)?;
                let oid = o.objection_id.as_str();
                let detail = format!("objection {oid}, due {}", o.due_at.to_rfc3339());
                compliance(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    rules::OBJECTION_OVERDUE,
                    Some(Sec::new(&o.section_id)),
                    format!("objection:{oid}"),
                    &detail,
                    ev,
                )
                .await
            }
            CaseOverdue::NAME => {
                let c = CaseOverdue::decode(ev)?;
                let cid = c.case_id.as_str();
                let detail = format!("{} {cid}: {} due {}", c.kind, c.step, c.due_at.to_rfc3339());
                compliance(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    rules::REMEDY_OVERDUE,
                    Some(Sec::of(&c.section_id, &None, &c.market)),
                    format!("remedy:{cid}:{}", c.step),
                    &detail,
                    ev,
                )
                .await
            }
            LandContractOverdue::NAME => {
                let o = LandContractOverdue::decode(ev)?;
                let detail = format!(
                    "deal {}: {} due {}, winner {}, required {}, paid {}",
                    o.deal_id,
                    o.step,
                    o.due_date
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "?".into()),
                    o.winner_org_id,
                    o.required
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| "-".into()),
                    o.paid
                );
                compliance(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    rules::LAND_CONTRACT_OVERDUE,
                    Some(Sec::new(&o.section_id)),
                    format!("land_contract:{}:{}", o.deal_id, o.step),
                    &detail,
                    ev,
                )
                .await
            }
            PropertyPaymentOverdue::NAME => {
                let o = PropertyPaymentOverdue::decode(ev)?;
                let detail = format!(
                    "deal {}: {} due {}, buyer {}, required {}, owed {}",
                    o.deal_id, o.step, o.due_date, o.buyer_org_id, o.required, o.owed
                );
                compliance(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    rules::PROPERTY_PAYMENT_OVERDUE,
                    Some(Sec::new(&o.section_id)),
                    format!("property_payment:{}:{}", o.deal_id, o.step),
                    &detail,
                    ev,
                )
                .await
            }
            RefundOverdue::NAME => {
                let r = RefundOverdue::decode(ev)?;
                let o = r.org_id.as_deref().unwrap_or("?");
                let detail = format!("org {o}, amount {}, due {}", r.amount, r.due_date);
                compliance(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    rules::REFUND_OVERDUE,
                    r.section_id.as_deref().map(Sec::new),
                    format!("refund:{o}"),
                    &detail,
                    ev,
                )
                .await
            }
            YearMissing::NAME => {
                let y = YearMissing::decode(ev)?;
                let year = y.year;
                let detail = format!("{year}: {}", y.needed_by);
                operational(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    rules::CALENDAR_YEAR_MISSING,
                    format!("calendar:{year}"),
                    "missing".into(),
                    &detail,
                    ev,
                )
                .await
            }
            ScheduleImported::NAME => {
                let i = ScheduleImported::decode(ev)?;
                let year = i.year;
                alerts::resolve_by_system(
                    tx,
                    db,
                    now,
                    rules::CALENDAR_YEAR_MISSING,
                    &format!("calendar:{year}"),
                    &format!(
                        "the {year} holiday schedule was imported (version {})",
                        i.version
                    ),
                )
                .await
                .map(|_| ())
            }
            AnnouncementPeriodsRechecked::NAME => {
                let r = AnnouncementPeriodsRechecked::decode(ev)?;
                let subject = format!("announcement:{}", r.id);
                period_rechecked(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    subject,
                    r.ok,
                    &r.broken,
                    ev,
                )
                .await
            }
            ListingPeriodsRechecked::NAME => {
                let r = ListingPeriodsRechecked::decode(ev)?;
                let subject = format!("auction:{}:{}", r.auction_id, r.round);
                period_rechecked(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    subject,
                    r.ok,
                    &r.broken,
                    ev,
                )
                .await
            }
            EventParked::NAME => {
                let p = EventParked::decode(ev)?;
                let (c, seq) = (p.consumer.as_str(), p.seq);
                let detail = format!("{c} #{seq} {}: {}", p.event_type, p.error);
                operational(
                    &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                    rules::CONSUMER_EVENT_PARKED,
                    format!("consumer:{c}"),
                    format!("seq:{seq}"),
                    &detail,
                    ev,
                )
                .await
            }
            EventReplayed::NAME => {
                let r = EventReplayed::decode(ev)?;
                let (subject, signal_key) =
                    (format!("consumer:{}", r.consumer), format!("seq:{}", r.seq));
                store::alerts::resolve_signal(
                    tx,
                    store::alerts::Signal {
                        rule_id: rules::CONSUMER_EVENT_PARKED,
                        subject: &subject,
                        signal_key: &signal_key,
                    },
                    now,
                )
                .await
            }
            SessionScheduled::NAME => {
                let s = SessionScheduled::decode(ev)?;
                let session = Session {
                    id: &s.session_id,
                    section_id: Some(s.section_id.as_str()),
                    kind: s.kind.as_str(),
                    room_name: s.room_name.as_deref(),
                    start: s.start,
                    end: s.end,
                };
                session_upsert(tx, session).await
            }
            SessionMoved::NAME => {
                let s = SessionMoved::decode(ev)?;
                let session = Session {
                    id: &s.session_id,
                    section_id: s.section_id.as_deref(),
                    kind: "",
                    room_name: s.room_name.as_deref(),
                    start: s.start,
                    end: s.end,
                };
                session_upsert(tx, session).await
            }
            SessionCancelled::NAME => {
                let c = SessionCancelled::decode(ev)?;
                store::sections::cancel_session(tx, &c.session_id).await
            }
            ViolationRecorded::NAME => violation_recorded(tx, db, now, ev).await,
            DealConfirmed::NAME => {
                let d = DealConfirmed::decode(ev)?;
                let deal = publication::Deal {
                    section_id: &d.section_id,
                    project_id: d.project_id.as_deref(),
                    procedure: None,
                    deal_ref: &d.deal_id,
                    deal_at: d.confirmed_at.unwrap_or(ev.occurred_at),
                };
                publication::deal(tx, db, now, deal, ev).await
            }
            AnnouncementPublished::NAME => publication::published(tx, db, now, ev).await,
            MiningPublicationDeadlinePassed::NAME => {
                publication::deadline_passed(tx, db, now, ev).await
            }
            _ => Ok(()),
        }
    }
}

/// A venue rule broken: a compliance alert on the session's section, or on the session when
/// monitoring does not know its section.
async fn violation_recorded(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let v = ViolationRecorded::decode(ev)?;
    let sid = v
        .session_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(&ev.aggregate_id);
    let section = store::sections::session_section(tx, sid).await?;
    let detail = format!(
        "{} ({}) at {}, session {sid}, room {}",
        v.kind,
        v.person_role.as_deref().unwrap_or("?"),
        v.at.to_rfc3339(),
        v.room_id
    );
    let key = format!("violation:{}", ev.id);
    match section {
        Some(s) => {
            compliance(
                &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
                rules::VENUE_VIOLATION,
                Some(Sec::new(&s)),
                key,
                &detail,
                ev,
            )
            .await
        }
        None => {
            let Some(rule) = catalogue(tx).await?.active(rules::VENUE_VIOLATION).cloned() else {
                return Ok(());
            };
            let f = rules::compliance(
                &rule,
                key,
                &detail,
                json!({"payload": ev.payload, "event_ids": [ev.id]}),
            );
            let subj = Subject::detached(format!("session:{sid}"));
            alerts::raise(tx, db, now, &rule, &subj, f)
                .await
                .map(|_| ())
        }
    }
}

/// Monitoring's own copy of an organization's name (`mon_orgs`), so supervisors read names.
/// Decoded through the identity contract: an undecodable payload fails the consumer and is parked
/// with an alert (crates/events), never skipped.
async fn org_registered(tx: &mut Tx, ev: &Event) -> Result<()> {
    use ggzy_store::copies::{OrgCopy, OrgField};
    // A blank USCC or kind is "not stated" (NULL) for the supervisors' pages.
    const ORGS: OrgCopy = OrgCopy {
        table: "mon_orgs",
        columns: &[
            ("id", OrgField::Id),
            ("name", OrgField::Name),
            ("uscc", OrgField::Uscc),
            ("kind", OrgField::Kind),
        ],
        blank_is_null: true,
    };
    let o = OrganizationRegistered::decode(ev)?;
    ORGS.upsert(tx, &o, ev.occurred_at).await
}

async fn catalogue(tx: &mut Tx) -> Result<Catalogue> {
    alerts::load_catalogue_in(tx).await
}

/// The section an event names, with the project and market when the event tells them.
#[derive(Clone, Copy)]
pub(super) struct Sec<'a> {
    id: &'a str,
    project_id: Option<&'a str>,
    market: Option<&'a str>,
}

impl<'a> Sec<'a> {
    pub(super) fn new(id: &'a str) -> Self {
        Sec {
            id,
            project_id: None,
            market: None,
        }
    }

    /// A blank project or market is unknown.
    pub(super) fn of(
        id: &'a str,
        project_id: &'a Option<String>,
        market: &'a Option<String>,
    ) -> Self {
        let known = |v: &'a Option<String>| v.as_deref().filter(|s| !s.is_empty());
        Sec {
            id,
            project_id: known(project_id),
            market: known(market),
        }
    }
}

/// Make sure a section row exists (an area may tell about a section monitoring has not seen).
async fn ensure_section(tx: &mut Tx, s: Sec<'_>, now: DateTime<Utc>) -> Result<()> {
    store::sections::ensure(tx, s.id, s.project_id, s.market, now).await
}

async fn subject_of(tx: &mut Tx, section_id: &str) -> Result<Subject> {
    let project = store::sections::project_id(tx, section_id).await?;
    Ok(Subject {
        subject: section_id.to_string(),
        section_id: Some(section_id.to_string()),
        project_id: project,
    })
}

async fn raise_for(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    c: &Catalogue,
    section_id: &str,
    f: Finding,
) -> Result<()> {
    let Some(rule) = c.active(&f.rule_id).cloned() else {
        return Ok(());
    };
    let subj = subject_of(tx, section_id).await?;
    alerts::raise(tx, db, now, &rule, &subj, f).await?;
    Ok(())
}

/// A provisional legal period checked again after a holiday schedule import: too short → the
/// alert `calendar.period_too_short` on the announcement or listing round (with the broken rules);
/// fine again (a corrected schedule) → that alert is resolved by the system.
async fn period_rechecked(
    u: &mut Uow<'_>,
    subject: String,
    ok: bool,
    broken: &[BrokenPeriod],
    ev: &Event,
) -> Result<()> {
    let db = u.db;
    let now = u.now;
    if ok {
        alerts::resolve_by_system(
            u.tx(),
            db,
            now,
            rules::CALENDAR_PERIOD_TOO_SHORT,
            &subject,
            "checked again with the imported holiday schedule: the period is long enough",
        )
        .await?;
        return Ok(());
    }
    let broken: Vec<String> = broken
        .iter()
        .map(|b| format!("{} ({})", b.message, b.rule))
        .collect();
    let detail = format!("{subject}: {}", broken.join("; "));
    operational(
        u,
        rules::CALENDAR_PERIOD_TOO_SHORT,
        subject,
        "too_short".into(),
        &detail,
        ev,
    )
    .await
}

/// An alert about the platform's own operation (no section): subject and signal given.
async fn operational(
    u: &mut Uow<'_>,
    rule_id: &str,
    subject: String,
    key: String,
    detail: &str,
    ev: &Event,
) -> Result<()> {
    let db = u.db;
    let now = u.now;
    let Some(rule) = catalogue(u.tx()).await?.active(rule_id).cloned() else {
        return Ok(());
    };
    let f = rules::compliance(
        &rule,
        key,
        detail,
        json!({"payload": ev.payload, "event_ids": [ev.id]}),
    );
    alerts::raise(u.tx(), db, now, &rule, &Subject::detached(subject), f).await?;
    Ok(())
}

async fn compliance(
    u: &mut Uow<'_>,
    rule_id: &str,
    section: Option<Sec<'_>>,
    key: String,
    detail: &str,
    ev: &Event,
) -> Result<()> {
    let db = u.db;
    let now = u.now;
    let c = catalogue(u.tx()).await?;
    let Some(rule) = c.active(rule_id).cloned() else {
        return Ok(());
    };
    let f = rules::compliance(
        &rule,
        key,
        detail,
        json!({"payload": ev.payload, "event_ids": [ev.id]}),
    );
    let subj = match section {
        Some(s) => {
            ensure_section(u.tx(), s, now).await?;
            subject_of(u.tx(), s.id).await?
        }
        None => Subject::detached(format!("{}:{}", ev.aggregate_type, ev.aggregate_id)),
    };
    alerts::raise(u.tx(), db, now, &rule, &subj, f).await?;
    Ok(())
}

async fn section_registered(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let r = SectionRegistered::decode(ev)?;
    let s = r.section_id.as_str();
    SECTIONS.upsert(tx, &r, now).await?;
    let c = catalogue(tx).await?;
    if let Some(rule) = c.active(rules::SHORT_BIDDING_PERIOD) {
        if let Some(f) = rules::short_bidding_period(
            rule,
            db.calendar(),
            r.docs_issue_at,
            r.bid_deadline,
            &ev.id,
        ) {
            raise_for(tx, db, now, &c, s, f).await?;
        }
    }
    Ok(())
}

async fn deadline_changed(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let d = SectionDeadlineChanged::decode(ev)?;
    let (s, new_deadline) = (d.section_id.as_str(), d.new_deadline);
    ensure_section(tx, Sec::of(s, &d.project_id, &None), now).await?;
    let issue = store::sections::docs_issue_at(tx, s).await?;
    store::sections::set_deadline(tx, s, (new_deadline, d.new_opening_at), now).await?;
    let bids = distinct_orgs(tx, s, "bid").await?;
    let c = catalogue(tx).await?;
    if let Some(rule) = c.active(rules::DEADLINE_MOVED_AFTER_BIDS) {
        if let Some(f) = rules::deadline_moved_after_bids(
            rule,
            bids,
            &d.old_deadline
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "?".into()),
            &new_deadline.to_rfc3339(),
            &ev.id,
        ) {
            raise_for(tx, db, now, &c, s, f).await?;
        }
    }
    if let (Some(rule), Some(issue)) = (c.active(rules::SHORT_BIDDING_PERIOD), issue) {
        if let Some(f) =
            rules::short_bidding_period(rule, db.calendar(), issue, new_deadline, &ev.id)
        {
            raise_for(tx, db, now, &c, s, f).await?;
        }
    }
    Ok(())
}
