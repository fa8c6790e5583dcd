//! Projection of projects / experts events.

use super::*;
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
                sqlx::query("UPDATE eval_sections SET subject = $1 WHERE section_id = $2")
                    .bind(s.subject.as_deref())
                    .bind(&s.section_id)
                    .execute(&mut **tx)
                    .await?;
            }
            SectionBiddingOpened::NAME => {
                let s = SectionBiddingOpened::decode(ev)?;
                // The tender documents are issued: from now the method is fixed (评标规定 第十七条).
                sqlx::query(
                    "UPDATE eval_sections SET issued_at = COALESCE(issued_at, $1), bid_deadline = $2, \
                     updated_at = $1 WHERE section_id = $3",
                )
                .bind(to_micros(ev.occurred_at))
                .bind(to_micros(s.bid_deadline))
                .bind(&s.section_id)
                .execute(&mut **tx)
                .await?;
            }
            SectionDeadlineChanged::NAME => {
                let d = SectionDeadlineChanged::decode(ev)?;
                sqlx::query(
                    "UPDATE eval_sections SET bid_deadline = $1, updated_at = $2 WHERE section_id = $3",
                )
                .bind(to_micros(d.new_deadline))
                .bind(now)
                .bind(&d.section_id)
                .execute(&mut **tx)
                .await?;
            }
            AnnouncementPublished::NAME => {
                let a = AnnouncementPublished::decode(ev)?;
                if a.kind != "change" {
                    return Ok(());
                }
                let published = to_micros(a.published_at.unwrap_or(ev.occurred_at));
                for s in &a.section_ids {
                    sqlx::query(
                        "INSERT INTO eval_change_notices (section_id, announcement_id, published_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (section_id, announcement_id) DO NOTHING",
                    )
                    .bind(s)
                    .bind(&a.announcement_id)
                    .bind(published)
                    .execute(&mut **tx)
                    .await?;
                }
                // A notice that postponed the deadline carries the new one (projects follows).
                for x in &a.postpone {
                    sqlx::query(
                        "UPDATE eval_sections SET bid_deadline = $1, updated_at = $2 WHERE section_id = $3",
                    )
                    .bind(to_micros(x.new_deadline))
                    .bind(now)
                    .bind(&x.section_id)
                    .execute(&mut **tx)
                    .await?;
                }
            }
            BidSubmitted::NAME => {
                let b = BidSubmitted::decode(ev)?;
                sqlx::query(
                    "UPDATE eval_sections SET bid_count = bid_count + 1, updated_at = $1 WHERE section_id = $2",
                )
                .bind(now)
                .bind(&b.section_id)
                .execute(&mut **tx)
                .await?;
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
                sqlx::query(
                    "UPDATE eval_sections SET entries = $1, updated_at = $2 WHERE section_id = $3",
                )
                .bind(
                    serde_json::to_string(&o.entries)
                        .map_err(|e| Error::internal(e.to_string()))?,
                )
                .bind(now)
                .bind(&o.section_id)
                .execute(&mut **tx)
                .await?;
            }
            DrawCompleted::NAME => {
                let d = DrawCompleted::decode(ev)?;
                // A new draw for the section (a re-draw) is the committee: members not in it leave,
                // members drawn again keep what they had done.
                sqlx::query("UPDATE eval_members SET active = 0 WHERE section_id = $1")
                    .bind(&d.section_id)
                    .execute(&mut **tx)
                    .await?;
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
                    sqlx::query("UPDATE eval_members SET user_id = $1 WHERE expert_id = $2")
                        .bind(user)
                        .bind(&u.expert_id)
                        .execute(&mut **tx)
                        .await?;
                }
            }
            SessionScheduled::NAME => {
                let s = SessionScheduled::decode(ev)?;
                if s.kind != "evaluation" {
                    return Ok(());
                }
                sqlx::query(
                    "UPDATE eval_sections SET session_id = $1, session_start = $2, session_end = $3, \
                     session_room_id = $4, room_networks = $5, updated_at = $6 WHERE section_id = $7",
                )
                .bind(&s.session_id)
                .bind(to_micros(s.start))
                .bind(to_micros(s.end))
                .bind(s.room_id.as_deref())
                .bind(networks_json(s.room_networks.as_deref()))
                .bind(now)
                .bind(&s.section_id)
                .execute(&mut **tx)
                .await?;
            }
            SessionMoved::NAME => {
                let m = SessionMoved::decode(ev)?;
                // The session may move to another room: its networks come with the event.
                sqlx::query(
                    "UPDATE eval_sections SET session_start = $1, session_end = $2, \
                     session_room_id = COALESCE($3, session_room_id), \
                     room_networks = COALESCE($4, room_networks), updated_at = $5 WHERE session_id = $6",
                )
                .bind(to_micros(m.start))
                .bind(to_micros(m.end))
                .bind(m.room_id.as_deref())
                .bind(networks_json(m.room_networks.as_deref()))
                .bind(now)
                .bind(&m.session_id)
                .execute(&mut **tx)
                .await?;
            }
            RoomNetworksChanged::NAME => {
                let r = RoomNetworksChanged::decode(ev)?;
                sqlx::query(
                    "UPDATE eval_sections SET room_networks = $1, updated_at = $2 WHERE session_room_id = $3",
                )
                .bind(networks_json(Some(&r.networks)))
                .bind(now)
                .bind(&r.room_id)
                .execute(&mut **tx)
                .await?;
            }
            SessionCancelled::NAME => {
                let c = SessionCancelled::decode(ev)?;
                sqlx::query(
                    "UPDATE eval_sections SET session_id = NULL, session_start = NULL, session_end = NULL, \
                     session_room_id = NULL, room_networks = NULL, updated_at = $1 WHERE session_id = $2",
                )
                .bind(now)
                .bind(&c.session_id)
                .execute(&mut **tx)
                .await?;
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
/// What a leaving member had submitted or inherited (`eval_members`).
#[derive(sqlx::FromRow)]
struct SeatRow {
    reviewed_at: Option<i64>,
    scored_at: Option<i64>,
    review_of: Option<String>,
    scores_of: Option<String>,
}

async fn leave_seat(tx: &mut Tx, r: &MemberReplaced, now: i64) -> Result<Carry> {
    let section_id = r.section_id.as_str();
    let out = r.replaced.expert_id.as_str();
    let row: Option<SeatRow> = sqlx::query_as(
        "SELECT reviewed_at, scored_at, review_of, scores_of FROM eval_members \
         WHERE section_id = $1 AND expert_id = $2",
    )
    .bind(section_id)
    .bind(out)
    .fetch_optional(&mut **tx)
    .await?;
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
    sqlx::query(
        "UPDATE eval_members SET active = 0, replaced_by = $1, replace_reason = $2, replaced_at = $3 \
         WHERE section_id = $4 AND expert_id = $5",
    )
    .bind(&r.replacement.expert_id)
    .bind(r.reason.as_deref())
    .bind(now)
    .bind(section_id)
    .bind(out)
    .execute(&mut **tx)
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
    sqlx::query(
        "INSERT INTO eval_members (section_id, expert_id, user_id, name, active, joined_at, replaces, \
         review_of, scores_of) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8) \
         ON CONFLICT (section_id, expert_id) DO UPDATE SET active = 1, \
         replaces = COALESCE(excluded.replaces, eval_members.replaces), \
         review_of = COALESCE(excluded.review_of, eval_members.review_of), \
         scores_of = COALESCE(excluded.scores_of, eval_members.scores_of)",
    )
    .bind(section_id)
    .bind(expert_id)
    .bind(e.user_id.as_deref())
    .bind(&e.name)
    .bind(now)
    .bind(Some(carry.replaces).filter(|r| !r.is_empty()))
    .bind(carry.review_of)
    .bind(carry.scores_of)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
