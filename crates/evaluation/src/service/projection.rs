//! Projection of projects / experts events.

use super::*;
use crate::store::{members, sections};
use ggzy_events::experts::{DrawCompleted, DrawnExpert, ExpertUpdated, MemberReplaced};
use ggzy_events::projects::{
    BidDecrypted, BidSubmitted, OpeningRecorded, QualificationReviewed, SectionBiddingOpened,
    SectionDeadlineChanged, SectionRegistered, SectionReturnedToEvaluation,
};
use ggzy_events::publishing::AnnouncementPublished;
use ggzy_events::venues::{RoomNetworksChanged, SessionCancelled, SessionMoved, SessionScheduled};
use ggzy_events::Contract;

/// Keeps `eval_sections` and `eval_members` from `projects.section.registered`,
/// `projects.bid.submitted`, `projects.opening.recorded`, `experts.draw.completed`,
/// `experts.member.replaced` and `experts.expert.updated`, and `eval_bid_documents` from
/// `projects.bid.decrypted` ([`crate::documents`]). Every payload read here is decoded through its
/// contract (ggzy-events); an event that does not decode is an error, so the consumer machinery
/// parks it with an alert.
pub struct Projection;

/// The evaluation area's copy of the sections (its counters and stages move on from here: a
/// repeated registration keeps the row).
const SECTIONS: ggzy_store::copies::SectionCopy = {
    use ggzy_store::copies::{OnRepeat, SectionCopy, SectionField as F};
    SectionCopy {
        table: "eval_sections",
        columns: &[
            ("section_id", F::SectionId),
            ("project_id", F::ProjectId),
            ("market", F::Market),
            ("owner_org_id", F::OwnerOrgId),
            ("estimate_fen", F::EstimatedFen),
            ("bid_count", F::Int(0)),
            ("updated_at", F::UpdatedAt),
        ],
        on_repeat: OnRepeat::Keep,
        blank_is_null: false,
    }
};

#[async_trait::async_trait]
impl Consumer for Projection {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "evaluation.projection",
            &[
                SectionRegistered::NAME,
                BidSubmitted::NAME,
                OpeningRecorded::NAME,
                DrawCompleted::NAME,
                MemberReplaced::NAME,
                ExpertUpdated::NAME,
                SessionScheduled::NAME,
                SessionMoved::NAME,
                SessionCancelled::NAME,
                RoomNetworksChanged::NAME,
                BidDecrypted::NAME,
                SectionBiddingOpened::NAME,
                SectionDeadlineChanged::NAME,
                AnnouncementPublished::NAME,
                QualificationReviewed::NAME,
                SectionReturnedToEvaluation::NAME,
            ],
        )
    }

    async fn handle(&self, tx: &mut Tx, _db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let now = to_micros(clock.now());
        match ev.event_type.as_str() {
            SectionRegistered::NAME => {
                let s = SectionRegistered::decode(ev)?;
                SECTIONS.upsert(tx, &s, clock.now()).await?;
                sections::set_subject(tx, &s.section_id, s.subject.as_deref()).await?;
            }
            SectionBiddingOpened::NAME => {
                let s = SectionBiddingOpened::decode(ev)?;
                // The tender documents are issued: from now the method is fixed (评标规定 第十七条).
                sections::mark_issued(
                    tx,
                    &s.section_id,
                    to_micros(ev.occurred_at),
                    to_micros(s.bid_deadline),
                )
                .await?;
            }
            SectionDeadlineChanged::NAME => {
                let d = SectionDeadlineChanged::decode(ev)?;
                sections::set_bid_deadline(tx, &d.section_id, to_micros(d.new_deadline), now)
                    .await?;
            }
            AnnouncementPublished::NAME => {
                let a = AnnouncementPublished::decode(ev)?;
                if a.kind != "change" {
                    return Ok(());
                }
                let published = to_micros(a.published_at.unwrap_or(ev.occurred_at));
                for s in &a.section_ids {
                    sections::insert_change_notice(tx, s, &a.announcement_id, published).await?;
                }
                // A notice that postponed the deadline carries the new one (projects follows).
                for x in &a.postpone {
                    sections::set_bid_deadline(tx, &x.section_id, to_micros(x.new_deadline), now)
                        .await?;
                }
            }
            BidSubmitted::NAME => {
                let b = BidSubmitted::decode(ev)?;
                sections::count_bid(tx, &b.section_id, now).await?;
            }
            BidDecrypted::NAME => {
                let b = BidDecrypted::decode(ev)?;
                crate::documents::project(tx, &b, now).await?;
                crate::sme::project(tx, &b, now).await?;
            }
            QualificationReviewed::NAME => {
                crate::qualification::project(tx, ev, now).await?;
            }
            SectionReturnedToEvaluation::NAME => {
                crate::voided::reopen(tx, ev, now).await?;
            }
            OpeningRecorded::NAME => {
                let o = OpeningRecorded::decode(ev)?;
                let entries = serde_json::to_string(&o.entries)
                    .map_err(|e| Error::internal(e.to_string()))?;
                sections::set_entries(tx, &o.section_id, &entries, now).await?;
            }
            DrawCompleted::NAME => {
                let d = DrawCompleted::decode(ev)?;
                // A new draw for the section (a re-draw) is the committee: members not in it leave,
                // members drawn again keep what they had done.
                members::deactivate_all(tx, &d.section_id).await?;
                for e in &d.experts {
                    add_member(tx, &d.section_id, e, now, None).await?;
                }
            }
            MemberReplaced::NAME => {
                let r = MemberReplaced::decode(ev)?;
                let carry = leave_seat(tx, &r, now).await?;
                add_member(tx, &r.section_id, &r.replacement, now, Some(carry)).await?;
            }
            ExpertUpdated::NAME => {
                let u = ExpertUpdated::decode(ev)?;
                if let Some(user) = &u.user_id {
                    members::set_user(tx, &u.expert_id, user).await?;
                }
            }
            SessionScheduled::NAME => {
                let s = SessionScheduled::decode(ev)?;
                if s.kind != "evaluation" {
                    return Ok(());
                }
                let session = sections::Session {
                    session_id: &s.session_id,
                    start: to_micros(s.start),
                    end: to_micros(s.end),
                    room_id: s.room_id.as_deref(),
                    room_networks: networks_json(s.room_networks.as_deref()),
                };
                sections::schedule_session(tx, &s.section_id, session, now).await?;
            }
            SessionMoved::NAME => {
                let m = SessionMoved::decode(ev)?;
                // The session may move to another room: its networks come with the event.
                let session = sections::Session {
                    session_id: &m.session_id,
                    start: to_micros(m.start),
                    end: to_micros(m.end),
                    room_id: m.room_id.as_deref(),
                    room_networks: networks_json(m.room_networks.as_deref()),
                };
                sections::move_session(tx, session, now).await?;
            }
            RoomNetworksChanged::NAME => {
                let r = RoomNetworksChanged::decode(ev)?;
                sections::set_room_networks(tx, &r.room_id, networks_json(Some(&r.networks)), now)
                    .await?;
            }
            SessionCancelled::NAME => {
                let c = SessionCancelled::decode(ev)?;
                sections::cancel_session(tx, &c.session_id, now).await?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// A room's network list from an event (CIDR strings), stored as JSON text; `None` when the event
/// carries none.
fn networks_json(v: Option<&[String]>) -> Option<String> {
    v.map(|a| serde_json::to_string(a).unwrap_or_else(|_| "[]".into()))
}

/// What a replacement inherits from the seat he takes: the member replaced and the experts whose
/// submitted review / scores stand for the seat.
struct Carry {
    replaces: String,
    review_of: Option<String>,
    scores_of: Option<String>,
}

/// The member who left (`r.replaced`) leaves the committee for `r.replacement` (with the
/// replacement's reason); the stages he had submitted — or had himself inherited — pass to the
/// seat's next holder.
async fn leave_seat(tx: &mut Tx, r: &MemberReplaced, now: i64) -> Result<Carry> {
    let section_id = r.section_id.as_str();
    let out = r.replaced.expert_id.as_str();
    let row = members::seat(tx, section_id, out).await?;
    let mut carry = Carry {
        replaces: out.to_string(),
        review_of: None,
        scores_of: None,
    };
    if let Some(row) = row {
        let own = |at: Option<i64>, inherited: Option<String>| match at {
            Some(_) => Some(out.to_string()),
            None => inherited,
        };
        carry.review_of = own(row.reviewed_at, row.review_of);
        carry.scores_of = own(row.scored_at, row.scores_of);
    }
    members::mark_replaced(
        tx,
        section_id,
        out,
        &r.replacement.expert_id,
        r.reason.as_deref(),
        now,
    )
    .await?;
    Ok(carry)
}

async fn add_member(
    tx: &mut Tx,
    section_id: &str,
    e: &DrawnExpert,
    now: i64,
    carry: Option<Carry>,
) -> Result<()> {
    let expert_id = e.expert_id.as_str();
    let carry = carry.unwrap_or(Carry {
        replaces: String::new(),
        review_of: None,
        scores_of: None,
    });
    // A member drawn again keeps what he had; a replacement takes the seat's inherited stages.
    members::upsert_member(
        tx,
        members::NewMember {
            section_id,
            expert_id,
            user_id: e.user_id.as_deref(),
            name: &e.name,
            joined_at: now,
            replaces: Some(carry.replaces).filter(|r| !r.is_empty()),
            review_of: carry.review_of,
            scores_of: carry.scores_of,
        },
    )
    .await?;
    Ok(())
}
