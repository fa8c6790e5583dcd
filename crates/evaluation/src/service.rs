//! Use cases of the evaluation (each in one transaction with its events) and the projection of the
//! other areas' events it needs.
//!
//! Stages are derived from the members' rows: review done when every active member reviewed every
//! opened bid; scoring done when every active member scored every bid left (comprehensive method
//! only); the report is final when every active member signed. A replacement member
//! (`experts.member.replaced`) takes the seat of the member he replaces: a stage that member had
//! submitted (his review of every opened bid, his scores of every bid left) stays counted for the
//! seat, and the replacement does only the stages still open (he signs the report himself).

use crate::rules::{self, Method, MethodSpec, PriceScore, Rankable};
use chrono::{DateTime, Utc};
use ggzy_core::events::{ActorRef, Event, NewEvent};
use ggzy_core::time::to_micros;
use ggzy_core::{Clock, Error, Money, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::{emit, Ctx, Db, Tx};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::BTreeMap;
use std::str::FromStr;
use utoipa::ToSchema;

// ---------------------------------------------------------------------------------------------
// Projection of projects / experts events.

/// Keeps `eval_sections` and `eval_members` from `projects.section.registered`,
/// `projects.bid.submitted`, `projects.opening.recorded`, `experts.draw.completed`,
/// `experts.member.replaced` and `experts.expert.updated`, and `eval_bid_documents` from
/// `projects.bid.decrypted` ([`crate::documents`]).
pub struct Projection;

fn money_fen(v: &Value) -> i64 {
    v.as_str()
        .and_then(|s| Money::parse_str(s).ok())
        .map(|m| m.fen())
        .unwrap_or(0)
}

#[async_trait::async_trait]
impl Consumer for Projection {
    fn name(&self) -> &'static str {
        "evaluation.projection"
    }

    fn wants(&self, t: &str) -> bool {
        matches!(
            t,
            "projects.section.registered"
                | "projects.bid.submitted"
                | "projects.opening.recorded"
                | "experts.draw.completed"
                | "experts.member.replaced"
                | "experts.expert.updated"
                | "venues.session.scheduled"
                | "venues.session.moved"
                | "venues.session.cancelled"
                | "venues.room.networks_changed"
                | "projects.bid.decrypted"
                | "projects.section.bidding_opened"
                | "projects.section.deadline_changed"
                | "publishing.announcement.published"
                | "projects.qualification.reviewed"
                | "projects.section.returned_to_evaluation"
        )
    }

    async fn handle(&self, tx: &mut Tx, _db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let now = to_micros(clock.now());
        let sid = p["section_id"].as_str().unwrap_or_default();
        match ev.event_type.as_str() {
            "projects.section.registered" => {
                sqlx::query(
                    "INSERT INTO eval_sections (section_id, project_id, market, owner_org_id, estimate_fen, \
                     bid_count, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT (section_id) DO NOTHING",
                )
                .bind(sid)
                .bind(p["project_id"].as_str().unwrap_or_default())
                .bind(p["market"].as_str().unwrap_or_default())
                .bind(p["owner_org_id"].as_str().unwrap_or_default())
                .bind(money_fen(&p["estimated_price"]))
                .bind(now)
                .execute(&mut **tx)
                .await?;
                sqlx::query("UPDATE eval_sections SET subject = $1 WHERE section_id = $2")
                    .bind(p["subject"].as_str())
                    .bind(sid)
                    .execute(&mut **tx)
                    .await?;
            }
            "projects.section.bidding_opened" => {
                // The tender documents are issued: from now the method is fixed (评标规定 第十七条).
                sqlx::query(
                    "UPDATE eval_sections SET issued_at = COALESCE(issued_at, $1), bid_deadline = $2, \
                     updated_at = $1 WHERE section_id = $3",
                )
                .bind(to_micros(ev.occurred_at))
                .bind(instant(&p["bid_deadline"]))
                .bind(sid)
                .execute(&mut **tx)
                .await?;
            }
            "projects.section.deadline_changed" => {
                sqlx::query(
                    "UPDATE eval_sections SET bid_deadline = $1, updated_at = $2 WHERE section_id = $3",
                )
                .bind(instant(&p["new_deadline"]))
                .bind(now)
                .bind(sid)
                .execute(&mut **tx)
                .await?;
            }
            "publishing.announcement.published" if p["type"] == "change" => {
                let published = p["published_at"]
                    .as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                    .map(|d| to_micros(d.to_utc()))
                    .unwrap_or_else(|| to_micros(ev.occurred_at));
                let id = p["announcement_id"].as_str().unwrap_or_default();
                for s in p["section_ids"].as_array().into_iter().flatten() {
                    let Some(s) = s.as_str() else { continue };
                    sqlx::query(
                        "INSERT INTO eval_change_notices (section_id, announcement_id, published_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (section_id, announcement_id) DO NOTHING",
                    )
                    .bind(s)
                    .bind(id)
                    .bind(published)
                    .execute(&mut **tx)
                    .await?;
                }
                // A notice that postponed the deadline carries the new one (projects follows).
                for x in p["postpone"].as_array().into_iter().flatten() {
                    sqlx::query(
                        "UPDATE eval_sections SET bid_deadline = $1, updated_at = $2 WHERE section_id = $3",
                    )
                    .bind(instant(&x["new_deadline"]))
                    .bind(now)
                    .bind(x["section_id"].as_str().unwrap_or_default())
                    .execute(&mut **tx)
                    .await?;
                }
            }
            "projects.bid.submitted" => {
                sqlx::query(
                    "UPDATE eval_sections SET bid_count = bid_count + 1, updated_at = $1 WHERE section_id = $2",
                )
                .bind(now)
                .bind(sid)
                .execute(&mut **tx)
                .await?;
            }
            "projects.bid.decrypted" => {
                crate::documents::project(tx, ev, now).await?;
                crate::sme::project(tx, ev, now).await?;
            }
            "projects.qualification.reviewed" => {
                crate::qualification::project(tx, ev, now).await?;
            }
            "projects.section.returned_to_evaluation" => {
                crate::voided::reopen(tx, ev, now).await?;
            }
            "projects.opening.recorded" => {
                sqlx::query(
                    "UPDATE eval_sections SET entries = $1, updated_at = $2 WHERE section_id = $3",
                )
                .bind(p["entries"].to_string())
                .bind(now)
                .bind(sid)
                .execute(&mut **tx)
                .await?;
            }
            "experts.draw.completed" => {
                // A new draw for the section (a re-draw) is the committee: members not in it leave,
                // members drawn again keep what they had done.
                sqlx::query("UPDATE eval_members SET active = 0 WHERE section_id = $1")
                    .bind(sid)
                    .execute(&mut **tx)
                    .await?;
                for e in p["experts"].as_array().into_iter().flatten() {
                    add_member(tx, sid, e, now, None).await?;
                }
            }
            "experts.member.replaced" => {
                let carry = match p["replaced"]["expert_id"].as_str() {
                    Some(out) => Some(leave_seat(tx, sid, out, &p["replacement"], p, now).await?),
                    None => None,
                };
                add_member(tx, sid, &p["replacement"], now, carry).await?;
            }
            "experts.expert.updated" => {
                if let (Some(expert), Some(user)) = (p["expert_id"].as_str(), p["user_id"].as_str())
                {
                    sqlx::query("UPDATE eval_members SET user_id = $1 WHERE expert_id = $2")
                        .bind(user)
                        .bind(expert)
                        .execute(&mut **tx)
                        .await?;
                }
            }
            "venues.session.scheduled" if p["kind"] == "evaluation" => {
                sqlx::query(
                    "UPDATE eval_sections SET session_id = $1, session_start = $2, session_end = $3, \
                     session_room_id = $4, room_networks = $5, updated_at = $6 WHERE section_id = $7",
                )
                .bind(p["session_id"].as_str())
                .bind(instant(&p["start"]))
                .bind(instant(&p["end"]))
                .bind(p["room_id"].as_str())
                .bind(networks_json(&p["room_networks"]))
                .bind(now)
                .bind(sid)
                .execute(&mut **tx)
                .await?;
            }
            "venues.session.moved" => {
                // The session may move to another room: its networks come with the event.
                sqlx::query(
                    "UPDATE eval_sections SET session_start = $1, session_end = $2, \
                     session_room_id = COALESCE($3, session_room_id), \
                     room_networks = COALESCE($4, room_networks), updated_at = $5 WHERE session_id = $6",
                )
                .bind(instant(&p["start"]))
                .bind(instant(&p["end"]))
                .bind(p["room_id"].as_str())
                .bind(networks_json(&p["room_networks"]))
                .bind(now)
                .bind(p["session_id"].as_str().unwrap_or_default())
                .execute(&mut **tx)
                .await?;
            }
            "venues.room.networks_changed" => {
                sqlx::query(
                    "UPDATE eval_sections SET room_networks = $1, updated_at = $2 WHERE session_room_id = $3",
                )
                .bind(networks_json(&p["networks"]))
                .bind(now)
                .bind(p["room_id"].as_str().unwrap_or_default())
                .execute(&mut **tx)
                .await?;
            }
            "venues.session.cancelled" => {
                sqlx::query(
                    "UPDATE eval_sections SET session_id = NULL, session_start = NULL, session_end = NULL, \
                     session_room_id = NULL, room_networks = NULL, updated_at = $1 WHERE session_id = $2",
                )
                .bind(now)
                .bind(p["session_id"].as_str().unwrap_or_default())
                .execute(&mut **tx)
                .await?;
            }
            _ => {}
        }
        Ok(())
    }
}

fn instant(v: &Value) -> Option<i64> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| to_micros(d.to_utc()))
}

/// A room's network list from an event (JSON array of CIDR strings), stored as JSON text; `None`
/// when the event carries none.
fn networks_json(v: &Value) -> Option<String> {
    v.as_array().map(|a| Value::Array(a.clone()).to_string())
}

/// What a replacement inherits from the seat he takes: the member replaced and the experts whose
/// submitted review / scores stand for the seat.
struct Carry {
    replaces: String,
    review_of: Option<String>,
    scores_of: Option<String>,
}

/// The member `out` leaves the committee for `replacement` (with the replacement's reason); the
/// stages he had submitted — or had himself inherited — pass to the seat's next holder.
async fn leave_seat(
    tx: &mut Tx,
    section_id: &str,
    out: &str,
    replacement: &Value,
    p: &Value,
    now: i64,
) -> Result<Carry> {
    let row = sqlx::query(
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
    if let Some(r) = row {
        let own = |at: Option<i64>, inherited: Option<String>| match at {
            Some(_) => Some(out.to_string()),
            None => inherited,
        };
        carry.review_of = own(r.try_get(0)?, r.try_get(2)?);
        carry.scores_of = own(r.try_get(1)?, r.try_get(3)?);
    }
    let reason = p["reason"]
        .as_str()
        .or_else(|| p["replaced"]["reason"].as_str());
    sqlx::query(
        "UPDATE eval_members SET active = 0, replaced_by = $1, replace_reason = $2, replaced_at = $3 \
         WHERE section_id = $4 AND expert_id = $5",
    )
    .bind(replacement["expert_id"].as_str())
    .bind(reason)
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
    e: &Value,
    now: i64,
    carry: Option<Carry>,
) -> Result<()> {
    let Some(expert_id) = e["expert_id"].as_str() else {
        return Ok(());
    };
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
    .bind(e["user_id"].as_str())
    .bind(e["name"].as_str().unwrap_or_default())
    .bind(now)
    .bind(Some(carry.replaces).filter(|r| !r.is_empty()))
    .bind(carry.review_of)
    .bind(carry.scores_of)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Loading.

pub(crate) struct Sec {
    pub(crate) section_id: String,
    owner_org_id: String,
    market: String,
    pub(crate) method: Option<MethodSpec>,
    bid_count: i64,
    pub(crate) entries: Option<Vec<Value>>,
    pub(crate) report: Option<Value>,
    pub(crate) session: Option<(i64, i64)>,
    /// What the section buys (`works`, `goods`, `survey_design`, `services`), if named.
    subject: Option<String>,
    /// When the tender documents were issued (bidding opened) and the current bid deadline.
    issued_at: Option<i64>,
    bid_deadline: Option<i64>,
    /// The seed of the lot drawn for a tie (hex), once drawn.
    pub(crate) tie_seed: Option<String>,
    /// Government procurement: the suppliers the purchaser found qualified (`None` before its
    /// review, [`crate::qualification`]).
    pub(crate) qualified: Option<Vec<String>>,
}

/// A committee member refused because he works from outside the session room's terminal networks.
#[derive(Debug, Clone)]
pub struct OutsideRoomNetwork {
    pub detail: String,
}

/// Rule id of the room-network refusal (403).
pub const ROOM_NETWORK_RULE: &str = "evaluation.room_network";

impl From<OutsideRoomNetwork> for Error {
    fn from(o: OutsideRoomNetwork) -> Self {
        Error::forbidden_by(ROOM_NETWORK_RULE, o.detail)
    }
}

/// The room-network gate of the evaluation routes: a committee member (expert role) of a section
/// whose evaluation session sits in a room with terminal networks works only from inside them
/// (centre rule on 招标投标法 第三十八条, see [`rules::from_room_network`]). Centre staff,
/// supervisors and admins are not restricted. Checked before the use case runs (one read).
pub async fn room_network_gate(
    ctx: &Ctx,
    actor: &Actor,
    ip: &str,
    section_id: &str,
) -> Result<Option<OutsideRoomNetwork>> {
    if actor.role != Role::Expert {
        return Ok(None);
    }
    let networks: Option<String> =
        sqlx::query("SELECT room_networks FROM eval_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(ctx.db.pool())
            .await?
            .map(|r| r.try_get::<Option<String>, _>(0))
            .transpose()?
            .flatten();
    let networks: Vec<String> = networks
        .map(|s| parse_json(&s))
        .transpose()?
        .unwrap_or_default();
    if rules::from_room_network(ip, &networks) {
        return Ok(None);
    }
    Ok(Some(OutsideRoomNetwork {
        detail: format!(
            "the committee works from the evaluation room's terminals ({}); this request comes from {ip}",
            networks.join(", ")
        ),
    }))
}

/// Members work only inside the scheduled evaluation session, when venues scheduled one; without
/// a session the evaluation is not time-boxed (centre staff run it by hand).
fn in_session(sec: &Sec, now: Timestamp) -> Result<()> {
    if let Some((start, end)) = sec.session {
        let (start, end) = (
            ggzy_core::time::from_micros(start),
            ggzy_core::time::from_micros(end),
        );
        if !rules::within_session(now, start, end) {
            return Err(Error::conflict(
                "evaluation.outside_session",
                format!(
                    "the committee works during its session, {} to {}",
                    start.to_rfc3339(),
                    end.to_rfc3339()
                ),
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    pub expert_id: String,
    #[serde(skip)]
    pub user_id: Option<String>,
    pub name: String,
    pub reviewed: bool,
    pub scored: bool,
    /// Signed, or refused to sign with a reason (either ends the member's part).
    pub signed: bool,
    pub refused: bool,
    /// A dissent or a refusal to sign, stated by the member (评标规定 第四十二条).
    pub sign_note: Option<String>,
    /// The member this one voted for as chair (组长).
    pub chair_vote: Option<String>,
    /// The member whose seat this one took (a replacement, 实施条例 第四十八条).
    pub replaces: Option<String>,
    /// When the member replaced had submitted the review: his expert id — his verdicts stand for
    /// this seat and this member does not review.
    pub review_carried_from: Option<String>,
    /// Likewise for the scores.
    pub scores_carried_from: Option<String>,
}

impl Member {
    /// The expert whose verdicts count for this seat.
    pub(crate) fn review_by(&self) -> &str {
        self.review_carried_from
            .as_deref()
            .unwrap_or(&self.expert_id)
    }
    /// The expert whose scores count for this seat.
    pub(crate) fn scores_by(&self) -> &str {
        self.scores_carried_from
            .as_deref()
            .unwrap_or(&self.expert_id)
    }
}

fn parse_json<T: for<'a> Deserialize<'a>>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| Error::internal(e.to_string()))
}

pub(crate) async fn load_sec(tx: &mut Tx, db: &Db, section_id: &str, lock: bool) -> Result<Sec> {
    let r = sqlx::query(&format!(
        "SELECT section_id, owner_org_id, method, bid_count, entries, report, session_start, session_end, \
         market, subject, issued_at, bid_deadline, tie_seed, qualified FROM eval_sections \
         WHERE section_id = $1{}",
        if lock { db.for_update() } else { "" }
    ))
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| Error::not_found(format!("section {section_id}")))?;
    Ok(Sec {
        section_id: r.try_get(0)?,
        owner_org_id: r.try_get(1)?,
        method: r
            .try_get::<Option<String>, _>(2)?
            .map(|s| parse_json(&s))
            .transpose()?,
        bid_count: r.try_get(3)?,
        entries: r
            .try_get::<Option<String>, _>(4)?
            .map(|s| parse_json(&s))
            .transpose()?,
        report: r
            .try_get::<Option<String>, _>(5)?
            .map(|s| parse_json(&s))
            .transpose()?,
        session: match (
            r.try_get::<Option<i64>, _>(6)?,
            r.try_get::<Option<i64>, _>(7)?,
        ) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        },
        market: r.try_get(8)?,
        subject: r.try_get(9)?,
        issued_at: r.try_get(10)?,
        bid_deadline: r.try_get(11)?,
        tie_seed: r.try_get(12)?,
        qualified: r
            .try_get::<Option<String>, _>(13)?
            .map(|s| parse_json(&s))
            .transpose()?,
    })
}

pub(crate) async fn load_members(tx: &mut Tx, section_id: &str) -> Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT expert_id, user_id, name, reviewed_at, scored_at, signed_at, sign_note, chair_vote, sign_refused, \
         replaces, review_of, scores_of FROM eval_members \
         WHERE section_id = $1 AND active = 1 ORDER BY joined_at, expert_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            let review_carried_from: Option<String> = r.try_get(10)?;
            let scores_carried_from: Option<String> = r.try_get(11)?;
            Ok(Member {
                expert_id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                name: r.try_get(2)?,
                reviewed: r.try_get::<Option<i64>, _>(3)?.is_some()
                    || review_carried_from.is_some(),
                scored: r.try_get::<Option<i64>, _>(4)?.is_some() || scores_carried_from.is_some(),
                signed: r.try_get::<Option<i64>, _>(5)?.is_some(),
                sign_note: r.try_get(6)?,
                chair_vote: r.try_get(7)?,
                refused: r.try_get::<i64, _>(8)? != 0,
                replaces: r.try_get(9)?,
                review_carried_from,
                scores_carried_from,
            })
        })
        .collect()
}

/// A bid as the evaluation sees it: an opened (decrypted) entry of the opening record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenedBid {
    pub org_id: String,
    pub org_name: String,
    #[schema(value_type = String)]
    pub price: Decimal,
}

pub(crate) fn opened_bids(sec: &Sec) -> Vec<OpenedBid> {
    sec.entries
        .iter()
        .flatten()
        .filter(|e| e["decryption"] == "decrypted")
        .filter(|e| {
            crate::qualification::admits(
                &sec.market,
                sec.qualified.as_deref(),
                e["org_id"].as_str().unwrap_or_default(),
            )
        })
        .filter_map(|e| {
            Some(OpenedBid {
                org_id: e["org_id"].as_str()?.to_string(),
                org_name: e["org_name"].as_str().unwrap_or_default().to_string(),
                price: Decimal::from_str(e["price"].as_str()?).ok()?,
            })
        })
        .collect()
}

/// Staff and supervisors read everything; an expert only the sections whose committee he sits on.
/// Bidders, tenderers and agencies read nothing of the evaluation (the membership and the scores
/// stay secret until the result is determined, 招标投标法 37).
async fn member_of(tx: &mut Tx, actor: &Actor, section_id: &str) -> Result<Option<Member>> {
    let members = load_members(tx, section_id).await?;
    Ok(members
        .into_iter()
        .find(|m| m.user_id.as_deref() == Some(actor.user_id.as_str())))
}

pub(crate) async fn require_member(tx: &mut Tx, actor: &Actor, section_id: &str) -> Result<Member> {
    member_of(tx, actor, section_id)
        .await?
        .ok_or_else(|| Error::forbidden("only members of this section's evaluation committee"))
}

/// A member's use case begins: the transaction, the section locked, the caller's seat, and the
/// session window.
async fn member_tx(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<(Tx, Sec, Member)> {
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&mut tx, &ctx.db, section_id, true).await?;
    let me = require_member(&mut tx, actor, section_id).await?;
    in_session(&sec, ctx.clock.now())?;
    crate::suspension::ensure_not_suspended(&mut tx, section_id).await?;
    Ok((tx, sec, me))
}

/// Write one of the section's evaluation events in the use case's transaction.
async fn section_event(
    tx: &mut Tx,
    ctx: &Ctx,
    by: &ActorRef,
    now: Timestamp,
    event_type: &str,
    section_id: &str,
    payload: Value,
) -> Result<()> {
    emit(
        tx,
        &ctx.db,
        by,
        now,
        NewEvent::new(event_type, "section", section_id, payload),
    )
    .await?;
    Ok(())
}

/// The two stages a member submits.
#[derive(Clone, Copy)]
enum Stage {
    Review,
    Scoring,
}

/// Mark the member's stage submitted and write its event (`evaluation.review.submitted` /
/// `evaluation.scores.submitted` {section_id, expert_id}).
async fn stage_submitted(
    tx: &mut Tx,
    ctx: &Ctx,
    by: &ActorRef,
    now: Timestamp,
    section_id: &str,
    expert_id: &str,
    stage: Stage,
) -> Result<()> {
    let (sql, event_type) = match stage {
        Stage::Review => (
            "UPDATE eval_members SET reviewed_at = $1 WHERE section_id = $2 AND expert_id = $3",
            "evaluation.review.submitted",
        ),
        Stage::Scoring => (
            "UPDATE eval_members SET scored_at = $1 WHERE section_id = $2 AND expert_id = $3",
            "evaluation.scores.submitted",
        ),
    };
    sqlx::query(sql)
        .bind(to_micros(now))
        .bind(section_id)
        .bind(expert_id)
        .execute(&mut **tx)
        .await?;
    section_event(
        tx,
        ctx,
        by,
        now,
        event_type,
        section_id,
        json!({"section_id": section_id, "expert_id": expert_id}),
    )
    .await
}

/// A stage's submission covers exactly `expected` (the opened bids, or the bids left after the
/// review), each once: every missing, unknown or repeated organization is named.
fn check_coverage(
    v: &mut ggzy_core::error::Violations,
    stage: &str,
    expected: &[&str],
    given: &[&str],
    scope: &str,
) {
    for b in expected {
        if !given.contains(b) {
            v.push(
                "bids",
                format!("{stage}.every_bid"),
                format!("the submission must cover every {scope}; {b} is missing"),
            );
        }
    }
    for (i, g) in given.iter().enumerate() {
        if !expected.contains(g) {
            v.push(
                format!("bids[{i}].org_id"),
                format!("{stage}.unknown_bid"),
                format!("not {scope} of this section"),
            );
        }
        if given[..i].contains(g) {
            v.push(
                format!("bids[{i}].org_id"),
                format!("{stage}.duplicate"),
                "each bid appears once",
            );
        }
    }
}

pub(crate) async fn require_reader(tx: &mut Tx, actor: &Actor, section_id: &str) -> Result<()> {
    match actor.role {
        Role::Staff | Role::Supervisor | Role::Admin => Ok(()),
        Role::Expert => require_member(tx, actor, section_id).await.map(|_| ()),
        _ => Err(Error::forbidden(
            "the evaluation is read by its committee, centre staff and supervisors",
        )),
    }
}

fn ready_for_committee(sec: &Sec) -> Result<(MethodSpec, Vec<OpenedBid>)> {
    let Some(method) = sec.method.clone() else {
        return Err(Error::conflict(
            "evaluation.method_missing",
            "the section has no declared evaluation method",
        ));
    };
    if sec.entries.is_none() {
        return Err(Error::conflict(
            "evaluation.not_opened",
            "the bids are not opened yet: the evaluation starts from the opening record",
        ));
    }
    if crate::qualification::pending(&sec.market, sec.qualified.as_deref()) {
        return Err(crate::qualification::pending_error());
    }
    if sec.report.is_some() {
        return Err(Error::conflict(
            "evaluation.signed",
            "the evaluation report is signed; nothing may change",
        ));
    }
    Ok((method, opened_bids(sec)))
}

// ---------------------------------------------------------------------------------------------
// Method declaration.

/// Declare (or replace) the section's method (tenderer or agency of the owning organization), only
/// before the first bid arrives: the tender documents fix the method and it may not change once
/// bidders relied on it (评标规定 第十七条: evaluation only by the standards and method the
/// documents fixed).
pub async fn declare_method(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    spec: MethodSpec,
) -> Result<MethodSpec> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    if let Err(v) = spec.validate() {
        return Err(Error::Validation(v.0));
    }
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&mut tx, &ctx.db, section_id, true).await?;
    if actor.org_id.as_deref() != Some(sec.owner_org_id.as_str()) {
        return Err(Error::forbidden(
            "only the tenderer (or its agency) of the section declares its method",
        ));
    }
    if let (Some(required), Some(f)) = (
        rules::required_price_formula(&sec.market),
        spec.price_formula.as_ref(),
    ) {
        if spec.method == Method::Comprehensive && f.kind != required {
            return Err(Error::field(
                "price_formula.kind",
                "price_formula.market_requires_lowest_ratio",
                "government procurement scores the price by the lowest-price ratio, base / bid × points \
                 (87号令 第五十五条: 综合评分法中的价格分统一采用低价优先法)",
            ));
        }
    }
    if let Err(v) = spec.validate_for(&sec.market, sec.subject.as_deref()) {
        return Err(Error::Validation(v.0));
    }
    let now = ctx.clock.now();
    let notice = match &spec.change_notice_id {
        None => false,
        Some(id) => {
            let known = sqlx::query(
                "SELECT published_at FROM eval_change_notices WHERE section_id = $1 AND announcement_id = $2",
            )
            .bind(section_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get::<i64, _>(0))
            .transpose()?;
            // A notice of the issued documents: published after they were issued.
            let of_issued = |at: i64| sec.issued_at.is_none_or(|i| at >= i);
            if known.is_none_or(|at| !of_issued(at)) {
                return Err(Error::field(
                    "change_notice_id",
                    "method.change_notice_unknown",
                    "not a published change notice (变更公告) of this section's issued documents",
                ));
            }
            true
        }
    };
    if let Some(e) = method_frozen(&sec, notice, now) {
        return Err(e);
    }
    let text = serde_json::to_string(&spec).map_err(|e| Error::internal(e.to_string()))?;
    sqlx::query("UPDATE eval_sections SET method = $1, updated_at = $2 WHERE section_id = $3")
        .bind(&text)
        .bind(to_micros(now))
        .bind(section_id)
        .execute(&mut *tx)
        .await?;
    section_event(
        &mut tx,
        ctx,
        &actor.actor_ref(),
        now,
        "evaluation.method.declared",
        section_id,
        json!({"section_id": section_id, "method": spec}),
    )
    .await?;
    ctx.db.commit_answering(tx, 200, &spec, now).await?;
    Ok(spec)
}

/// Why the section's method can no longer change, as the refusal [`declare_method`] gives; `None`
/// while it may still be declared. The one place the freeze is decided ([`rules::method_change`]):
/// the owner's page (which cites no change notice) shows the method read-only exactly when this
/// refuses without a notice.
fn method_frozen(sec: &Sec, notice: bool, now: Timestamp) -> Option<Error> {
    let deadline = sec.bid_deadline.map(ggzy_core::time::from_micros);
    let rule = rules::method_change(
        sec.issued_at.is_some(),
        sec.bid_count > 0,
        notice,
        now,
        deadline,
    )
    .err()?;
    let detail = match rule {
        "method.change_too_late" => format!(
            "a change of the issued documents reaches the bidders at least {} days before the bid \
             deadline {} ({})",
            rules::CHANGE_MIN_DAYS,
            deadline.map(|d| d.to_rfc3339()).unwrap_or_default(),
            rules::METHOD_FIXED_SOURCE
        ),
        _ => format!(
            "the tender documents are issued ({} bid(s) arrived): the evaluation method they fix \
             changes only through a published change notice (change_notice_id) at least {} days \
             before the bid deadline ({})",
            sec.bid_count,
            rules::CHANGE_MIN_DAYS,
            rules::METHOD_FIXED_SOURCE
        ),
    };
    Some(Error::conflict(rule, detail))
}

/// What the owner's method page shows (`/tenderer/sections/{id}/evaluation-method`).
#[derive(Debug)]
pub struct MethodView {
    pub section_id: String,
    pub market: String,
    pub method: Option<MethodSpec>,
    /// The price formula the market's law fixes (government procurement: the lowest-price ratio).
    pub required_formula: Option<rules::PriceFormulaKind>,
    /// The refusal [`declare_method`] would give now (the method is frozen), if any.
    pub frozen: Option<Error>,
}

/// The section's method for its owner (tenderer or agency of the owning organization; anyone else
/// 403, as [`declare_method`]).
pub async fn method_for_owner(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<MethodView> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&mut tx, &ctx.db, section_id, false).await?;
    tx.rollback().await?;
    if actor.org_id.as_deref() != Some(sec.owner_org_id.as_str()) {
        return Err(Error::forbidden(
            "only the tenderer (or its agency) of the section declares its method",
        ));
    }
    Ok(MethodView {
        frozen: method_frozen(&sec, false, ctx.clock.now()),
        required_formula: rules::required_price_formula(&sec.market),
        section_id: sec.section_id,
        market: sec.market,
        method: sec.method,
    })
}

// ---------------------------------------------------------------------------------------------
// The workbench view.

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Workbench {
    pub section_id: String,
    pub method: Option<MethodSpec>,
    /// `waiting` (no opening record or committee), `review`, `scoring`, `signing`, `signed`.
    pub stage: String,
    pub members: Vec<Member>,
    /// The opened bids (empty before the opening).
    pub bids: Vec<OpenedBid>,
    /// Bids rejected by the majority, once the review stage is complete.
    pub rejected: Vec<String>,
    /// The elected chair (组长): the member with votes of more than half of the committee.
    pub chair: Option<String>,
}

impl Workbench {
    pub(crate) fn of(
        sec: Sec,
        members: Vec<Member>,
        bids: Vec<OpenedBid>,
        p: Progress,
    ) -> Workbench {
        Workbench {
            section_id: sec.section_id,
            method: sec.method,
            stage: p.stage.to_string(),
            chair: chair_of(&members),
            members,
            bids,
            rejected: p.rejected,
        }
    }
}

/// The chair: the member voted for by more than half of the active committee.
fn chair_of(members: &[Member]) -> Option<String> {
    members
        .iter()
        .find(|c| {
            let votes = members
                .iter()
                .filter(|m| m.chair_vote.as_deref() == Some(c.expert_id.as_str()))
                .count();
            rules::rejected_by_majority(votes, members.len())
        })
        .map(|c| c.expert_id.clone())
}

pub(crate) struct Progress {
    pub(crate) stage: &'static str,
    pub(crate) rejected: Vec<String>,
}

pub(crate) async fn progress(
    tx: &mut Tx,
    sec: &Sec,
    members: &[Member],
    bids: &[OpenedBid],
) -> Result<Progress> {
    if sec.report.is_some() {
        let rejected = screening(tx, sec, members, bids).await?.rejected();
        return Ok(Progress {
            stage: "signed",
            rejected,
        });
    }
    if sec.method.is_none()
        || sec.entries.is_none()
        || members.is_empty()
        || crate::qualification::pending(&sec.market, sec.qualified.as_deref())
    {
        return Ok(Progress {
            stage: "waiting",
            rejected: vec![],
        });
    }
    if !members.iter().all(|m| m.reviewed) {
        return Ok(Progress {
            stage: "review",
            rejected: vec![],
        });
    }
    let sc = screening(tx, sec, members, bids).await?;
    let rejected = sc.rejected();
    if !sc.pending().is_empty() {
        return Ok(Progress {
            stage: "price_check",
            rejected,
        });
    }
    let scoring = matches!(
        sec.method.as_ref().map(|m| m.method),
        Some(Method::Comprehensive)
    );
    let stage = if scoring && !members.iter().all(|m| m.scored) {
        "scoring"
    } else {
        "signing"
    };
    Ok(Progress { stage, rejected })
}

async fn verdicts(
    tx: &mut Tx,
    section_id: &str,
    members: &[Member],
) -> Result<Vec<(String, String, bool, Value)>> {
    let rows = sqlx::query(
        "SELECT expert_id, org_id, pass, items FROM eval_reviews WHERE section_id = $1 ORDER BY expert_id, org_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = vec![];
    for r in rows {
        let expert: String = r.try_get(0)?;
        if !members.iter().any(|m| m.review_by() == expert) {
            continue;
        }
        let items: String = r.try_get(3)?;
        out.push((
            expert,
            r.try_get(1)?,
            r.try_get::<i64, _>(2)? != 0,
            parse_json(&items)?,
        ));
    }
    Ok(out)
}

/// Bids the majority of the committee rejected in the review (评标规定 第二十三条).
async fn majority_rejected(
    tx: &mut Tx,
    section_id: &str,
    members: &[Member],
    bids: &[OpenedBid],
) -> Result<Vec<String>> {
    let v = verdicts(tx, section_id, members).await?;
    Ok(bids
        .iter()
        .filter(|b| {
            let fails = v.iter().filter(|x| x.1 == b.org_id && !x.2).count();
            rules::rejected_by_majority(fails, members.len())
        })
        .map(|b| b.org_id.clone())
        .collect())
}

/// The committee's record on an abnormally low price (评标规定 第二十一条; 87号令 第六十条).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PriceCheck {
    pub org_id: String,
    /// Whether the bidder proved its price reasonable; `false` rejects the bid.
    pub reasonable: bool,
    /// The bidder's written explanation as the committee assessed it.
    pub explanation: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// What screens the opened bids once the review is complete: the majority's rejections, the bids
/// above the ceiling price, the abnormally low prices among the rest and the committee's records on
/// them.
pub(crate) struct Screening {
    pub(crate) majority: Vec<String>,
    pub(crate) ceiling: Vec<String>,
    pub(crate) flagged: Vec<rules::AbnormallyLow>,
    pub(crate) checks: Vec<PriceCheck>,
}

impl Screening {
    /// Every bid out of the evaluation, in the order of the grounds.
    pub(crate) fn rejected(&self) -> Vec<String> {
        let mut out = self.majority.clone();
        for o in self.ceiling.iter().chain(
            self.checks
                .iter()
                .filter(|c| !c.reasonable)
                .map(|c| &c.org_id),
        ) {
            if !out.contains(o) {
                out.push(o.clone());
            }
        }
        out
    }

    /// Abnormally low prices the committee has not yet recorded.
    pub(crate) fn pending(&self) -> Vec<&rules::AbnormallyLow> {
        self.flagged
            .iter()
            .filter(|f| !self.checks.iter().any(|c| c.org_id == f.org_id))
            .collect()
    }

    /// The ground and the source of a rejection.
    fn ground(&self, org: &str) -> (&'static str, &'static str) {
        if self.majority.iter().any(|o| o == org) {
            (
                "review",
                "评标委员会和评标方法暂行规定 第二十三条; majority of the committee",
            )
        } else if self.ceiling.iter().any(|o| o == org) {
            ("above_ceiling", rules::CEILING_SOURCE)
        } else {
            ("abnormally_low", rules::ABNORMALLY_LOW_SOURCE)
        }
    }
}

async fn load_price_checks(tx: &mut Tx, section_id: &str) -> Result<Vec<PriceCheck>> {
    let rows = sqlx::query(
        "SELECT org_id, reasonable, explanation, recorded_by, recorded_at FROM eval_price_checks \
         WHERE section_id = $1 ORDER BY recorded_at, org_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PriceCheck {
                org_id: r.try_get(0)?,
                reasonable: r.try_get::<i64, _>(1)? != 0,
                explanation: r.try_get(2)?,
                recorded_by: r.try_get(3)?,
                recorded_at: ggzy_core::time::from_micros(r.try_get(4)?),
            })
        })
        .collect()
}

pub(crate) async fn screening(
    tx: &mut Tx,
    sec: &Sec,
    members: &[Member],
    bids: &[OpenedBid],
) -> Result<Screening> {
    let majority = majority_rejected(tx, &sec.section_id, members, bids).await?;
    let spec = sec.method.as_ref();
    let ceiling: Vec<String> = match spec.and_then(|m| m.ceiling_price) {
        Some(c) => bids
            .iter()
            .filter(|b| !majority.contains(&b.org_id) && rules::above_ceiling(b.price, c))
            .map(|b| b.org_id.clone())
            .collect(),
        None => vec![],
    };
    // Compared among the compliant bids (通过符合性审查): after the review and the ceiling.
    let compliant: Vec<(String, Decimal)> = bids
        .iter()
        .filter(|b| !majority.contains(&b.org_id) && !ceiling.contains(&b.org_id))
        .map(|b| (b.org_id.clone(), b.price))
        .collect();
    let share = spec
        .and_then(|m| m.abnormally_low_share)
        .unwrap_or(rules::DEFAULT_ABNORMALLY_LOW_SHARE);
    Ok(Screening {
        flagged: rules::abnormally_low(&compliant, share),
        checks: load_price_checks(tx, &sec.section_id).await?,
        majority,
        ceiling,
    })
}

pub async fn workbench(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Workbench> {
    actor.require(&[Role::Expert, Role::Staff, Role::Supervisor, Role::Admin])?;
    let mut tx = ctx.db.begin().await?;
    require_reader(&mut tx, actor, section_id).await?;
    let sec = load_sec(&mut tx, &ctx.db, section_id, false).await?;
    if actor.role == Role::Expert {
        in_session(&sec, ctx.clock.now())?;
    }
    let members = load_members(&mut tx, section_id).await?;
    let bids = opened_bids(&sec);
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    tx.rollback().await?;
    Ok(Workbench::of(sec, members, bids, p))
}

// ---------------------------------------------------------------------------------------------
// Stage 1: compliance / qualification review.

/// One review item of one bid (e.g. 资格审查: 营业执照, 资质; 符合性审查: 投标有效期, 工期).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewItem {
    pub item: String,
    pub pass: bool,
    /// Required when the item fails: the reason goes into the report.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BidReview {
    pub org_id: String,
    pub items: Vec<ReviewItem>,
}

/// A member's review of every opened bid, submitted once.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReviewInput {
    pub bids: Vec<BidReview>,
}

pub async fn submit_review(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ReviewInput,
) -> Result<Workbench> {
    actor.require(&[Role::Expert])?;
    let (mut tx, sec, me) = member_tx(ctx, actor, section_id).await?;
    let (_, bids) = ready_for_committee(&sec)?;
    if let Some(from) = &me.review_carried_from {
        return Err(Error::conflict(
            "review.done_by_replaced_member",
            format!(
                "the member you replaced ({from}) submitted the review; it stays counted for your seat"
            ),
        ));
    }
    if me.reviewed {
        return Err(Error::conflict(
            "review.already_submitted",
            "your review of this section is already submitted",
        ));
    }
    let mut v = ggzy_core::error::Violations::new();
    check_coverage(
        &mut v,
        "review",
        &bids.iter().map(|b| b.org_id.as_str()).collect::<Vec<_>>(),
        &input
            .bids
            .iter()
            .map(|r| r.org_id.as_str())
            .collect::<Vec<_>>(),
        "opened bid",
    );
    for (i, r) in input.bids.iter().enumerate() {
        if r.items.is_empty() {
            v.push(
                format!("bids[{i}].items"),
                "review.items_required",
                "at least one review item",
            );
        }
        for (j, it) in r.items.iter().enumerate() {
            if it.item.trim().is_empty() {
                v.push(
                    format!("bids[{i}].items[{j}].item"),
                    "review.item_required",
                    "the item reviewed is required",
                );
            }
            if !it.pass && it.reason.as_deref().map(str::trim).unwrap_or("").is_empty() {
                v.push(
                    format!("bids[{i}].items[{j}].reason"),
                    "review.reason_required",
                    "a failed item needs its reason (评标规定 第二十三条)",
                );
            }
        }
    }
    v.into_result()?;
    let now = ctx.clock.now();
    for r in &input.bids {
        let pass = r.items.iter().all(|i| i.pass);
        let items = serde_json::to_string(&r.items).map_err(|e| Error::internal(e.to_string()))?;
        sqlx::query(
            "INSERT INTO eval_reviews (section_id, expert_id, org_id, pass, items, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(section_id)
        .bind(&me.expert_id)
        .bind(&r.org_id)
        .bind(i64::from(pass))
        .bind(items)
        .bind(to_micros(now))
        .execute(&mut *tx)
        .await?;
    }
    let by = actor.actor_ref();
    stage_submitted(
        &mut tx,
        ctx,
        &by,
        now,
        section_id,
        &me.expert_id,
        Stage::Review,
    )
    .await?;
    let members = load_members(&mut tx, section_id).await?;
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    if members.iter().all(|m| m.reviewed) {
        let sc = screening(&mut tx, &sec, &members, &bids).await?;
        for org in &p.rejected {
            let (ground, basis) = sc.ground(org);
            section_event(
                &mut tx,
                ctx,
                &by,
                now,
                "evaluation.bid.rejected",
                section_id,
                json!({"section_id": section_id, "org_id": org, "ground": ground, "basis": basis}),
            )
            .await?;
        }
        // The bidder proves an abnormally low price reasonable in writing (a clarification).
        for f in &sc.flagged {
            section_event(
                &mut tx,
                ctx,
                &by,
                now,
                "evaluation.price.abnormally_low",
                section_id,
                json!({"section_id": section_id, "org_id": f.org_id, "price": f.price.to_string(),
                       "others_mean": rules::round2(f.others_mean).to_string(),
                       "threshold": rules::round2(f.threshold).to_string(),
                       "basis": rules::ABNORMALLY_LOW_SOURCE}),
            )
            .await?;
        }
        draw_ties_when_final(&mut tx, ctx, &by, now, &sec, &bids).await?;
    }
    let wb = Workbench::of(sec, members, bids, p);
    ctx.db.commit_answering(tx, 200, &wb, now).await?;
    Ok(wb)
}

// ---------------------------------------------------------------------------------------------
// Stage 2: independent scoring.

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BidScore {
    pub org_id: String,
    /// Points per hand-scored criterion code (decimal strings, at most 2 places).
    #[schema(value_type = BTreeMap<String, PointsText>)]
    pub points: BTreeMap<String, Decimal>,
}

/// Points as a decimal string: not negative, at most 2 places (the criterion's maximum is checked
/// by the use case).
#[derive(ToSchema)]
#[schema(value_type = String, pattern = "^[0-9]{1,3}(\\.[0-9]{1,2})?$", example = "42.5")]
pub struct PointsText(pub String);

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ScoreInput {
    pub bids: Vec<BidScore>,
}

/// One member's scores as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberScores {
    pub expert_id: String,
    pub org_id: String,
    #[schema(value_type = BTreeMap<String, String>)]
    pub points: BTreeMap<String, Decimal>,
    #[schema(value_type = String)]
    pub total: Decimal,
}

pub async fn submit_scores(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ScoreInput,
) -> Result<Vec<MemberScores>> {
    actor.require(&[Role::Expert])?;
    let (mut tx, sec, me) = member_tx(ctx, actor, section_id).await?;
    let (spec, bids) = ready_for_committee(&sec)?;
    if spec.method != Method::Comprehensive {
        return Err(Error::conflict(
            "scoring.not_this_method",
            "the lowest evaluated price method has no scoring stage",
        ));
    }
    let members = load_members(&mut tx, section_id).await?;
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    if p.stage == "review" {
        return Err(Error::conflict(
            "scoring.review_pending",
            "scoring starts once every member finished the compliance review",
        ));
    }
    if let Some(from) = &me.scores_carried_from {
        return Err(Error::conflict(
            "scoring.done_by_replaced_member",
            format!(
                "the member you replaced ({from}) submitted the scores; they stay counted for your seat"
            ),
        ));
    }
    if me.scored {
        return Err(Error::conflict(
            "scoring.already_submitted",
            "your scores are already submitted",
        ));
    }
    let left: Vec<&OpenedBid> = bids
        .iter()
        .filter(|b| !p.rejected.contains(&b.org_id))
        .collect();
    let mut v = ggzy_core::error::Violations::new();
    check_coverage(
        &mut v,
        "scoring",
        &left.iter().map(|b| b.org_id.as_str()).collect::<Vec<_>>(),
        &input
            .bids
            .iter()
            .map(|s| s.org_id.as_str())
            .collect::<Vec<_>>(),
        "bid left after the review",
    );
    for (i, s) in input.bids.iter().enumerate() {
        for c in spec.scored_criteria() {
            match s.points.get(&c.code) {
                None => v.push(
                    format!("bids[{i}].points.{}", c.code),
                    "scoring.criterion_required",
                    format!("points for {} are required", c.name),
                ),
                Some(x) if *x < Decimal::ZERO || *x > c.max_points || x.scale() > 2 => v.push(
                    format!("bids[{i}].points.{}", c.code),
                    "scoring.points_range",
                    format!(
                        "points must be 0 to {} with at most 2 decimals",
                        c.max_points
                    ),
                ),
                Some(_) => {}
            }
        }
        for k in s.points.keys() {
            if !spec.scored_criteria().any(|c| &c.code == k) {
                v.push(
                    format!("bids[{i}].points.{k}"),
                    "scoring.unknown_criterion",
                    "not a criterion scored by the members (the price score is computed)",
                );
            }
        }
    }
    v.into_result()?;
    let now = ctx.clock.now();
    for s in &input.bids {
        sqlx::query(
            "INSERT INTO eval_scores (section_id, expert_id, org_id, points, at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(section_id)
        .bind(&me.expert_id)
        .bind(&s.org_id)
        .bind(serde_json::to_string(&s.points).map_err(|e| Error::internal(e.to_string()))?)
        .bind(to_micros(now))
        .execute(&mut *tx)
        .await?;
    }
    let by = actor.actor_ref();
    stage_submitted(
        &mut tx,
        ctx,
        &by,
        now,
        section_id,
        &me.expert_id,
        Stage::Scoring,
    )
    .await?;
    let members = load_members(&mut tx, section_id).await?;
    if members.iter().all(|m| m.scored) {
        draw_ties_when_final(&mut tx, ctx, &by, now, &sec, &bids).await?;
        // Scoring complete: mark outliers for monitoring.
        let report = assemble(&mut tx, &sec, &spec, &members, &bids).await?;
        for o in report.outliers.iter() {
            section_event(&mut tx, ctx, &by, now, "evaluation.score.outlier", section_id, json!({"section_id": section_id, "expert_id": o.expert_id, "org_id": o.org_id,
                           "member_total": o.member_total.to_string(), "committee_mean": o.committee_mean.to_string(),
                           "share": spec.outlier_share().to_string()})).await?;
        }
    }
    let mine = load_scores(&mut tx, section_id, &members)
        .await?
        .into_iter()
        .filter(|s| s.expert_id == me.expert_id)
        .collect();
    ctx.db.commit_answering(tx, 200, &mine, now).await?;
    Ok(mine)
}

pub(crate) async fn load_scores(
    tx: &mut Tx,
    section_id: &str,
    members: &[Member],
) -> Result<Vec<MemberScores>> {
    let rows = sqlx::query(
        "SELECT expert_id, org_id, points FROM eval_scores WHERE section_id = $1 ORDER BY expert_id, org_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = vec![];
    for r in rows {
        let expert_id: String = r.try_get(0)?;
        if !members.iter().any(|m| m.scores_by() == expert_id) {
            continue;
        }
        let points: BTreeMap<String, Decimal> = parse_json(&r.try_get::<String, _>(2)?)?;
        let total = points.values().copied().sum();
        out.push(MemberScores {
            expert_id,
            org_id: r.try_get(1)?,
            points,
            total,
        });
    }
    Ok(out)
}

/// The scores of a section. A member sees his own at any time; everybody's (the chair and staff
/// included) only once every member has submitted — independent scoring (招标投标法 第四十四条:
/// each member evaluates objectively and answers personally for his opinion).
pub async fn scores(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    mine_only: bool,
) -> Result<Vec<MemberScores>> {
    actor.require(&[Role::Expert, Role::Staff, Role::Supervisor, Role::Admin])?;
    let mut tx = ctx.db.begin().await?;
    require_reader(&mut tx, actor, section_id).await?;
    let members = load_members(&mut tx, section_id).await?;
    let all = load_scores(&mut tx, section_id, &members).await?;
    tx.rollback().await?;
    if mine_only {
        let me = members
            .iter()
            .find(|m| m.user_id.as_deref() == Some(actor.user_id.as_str()))
            .ok_or_else(|| Error::forbidden("only members have their own scores"))?;
        return Ok(all
            .into_iter()
            .filter(|s| s.expert_id == me.expert_id)
            .collect());
    }
    if members.is_empty() || !members.iter().all(|m| m.scored) {
        return Err(Error::conflict(
            "scores.sealed_until_all_submitted",
            format!(
                "{} of {} members submitted; nobody sees other members' scores before all have",
                members.iter().filter(|m| m.scored).count(),
                members.len()
            ),
        ));
    }
    Ok(all)
}

// ---------------------------------------------------------------------------------------------
// The report.

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Rejection {
    pub org_id: String,
    /// `review` (the majority), `above_ceiling` or `abnormally_low` (not proved reasonable).
    #[serde(default)]
    pub ground: String,
    /// The article the rejection rests on.
    #[serde(default)]
    pub basis: String,
    pub fail_votes: i64,
    /// Failed items with reasons, per member.
    #[schema(value_type = Object)]
    pub reasons: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Outlier {
    pub expert_id: String,
    pub org_id: String,
    #[schema(value_type = String)]
    pub member_total: Decimal,
    #[schema(value_type = String)]
    pub committee_mean: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportBid {
    pub org_id: String,
    pub org_name: String,
    #[schema(value_type = String)]
    pub price: Decimal,
    /// The price score with its inputs (comprehensive method).
    #[schema(value_type = Option<Object>)]
    pub price_score: Option<Value>,
    /// Per hand-scored criterion: each member's points and the committee's figure.
    #[schema(value_type = Object)]
    pub criteria: Value,
    #[schema(value_type = String)]
    pub non_price: Decimal,
    #[schema(value_type = Option<String>)]
    pub total: Option<Decimal>,
    /// The bidder's SME declaration (中小企业声明函) sealed in its bid, if any.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub sme: Option<Value>,
    /// The price the price score used: the price less the documents' SME deduction for a small or
    /// micro enterprise (财库〔2020〕46号 第九条), else the price (comprehensive method).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub evaluated_price: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Ranked {
    pub rank: i64,
    pub org_id: String,
    pub org_name: String,
    /// Decimal string with 2 places.
    pub price: String,
    pub score: Option<String>,
}

/// The evaluation report (评标报告, 评标规定 第四十二条).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub section_id: String,
    #[schema(value_type = Object)]
    pub method: Value,
    #[schema(value_type = Vec<Object>)]
    pub members: Vec<Value>,
    pub rejected: Vec<Rejection>,
    /// The base price computation (comprehensive method).
    #[schema(value_type = Option<Object>)]
    pub base: Option<Value>,
    pub bids: Vec<ReportBid>,
    /// Recommended candidates, at most 3, ranked (评标规定 第四十五条).
    pub ranking: Vec<Ranked>,
    pub outliers: Vec<Outlier>,
    pub chair: Option<String>,
    /// Questions asked of bidders and their answers.
    #[serde(default)]
    pub clarifications: Vec<Clarification>,
    /// Members replaced during the evaluation: who, by whom, why, when, and which of their stages
    /// stay counted for the seat (`reviewed`, `scored`).
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub replaced: Vec<Value>,
    /// The ceiling price the documents set, if any.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub ceiling_price: Option<Decimal>,
    /// Abnormally low prices among the compliant bids and the committee's records on them.
    #[serde(default)]
    pub abnormally_low: Vec<rules::AbnormallyLow>,
    #[serde(default)]
    pub price_checks: Vec<PriceCheck>,
    /// Ties the documents' rules left, broken by lot: the recorded seed and each group in its drawn
    /// order with every bid's key (SHA-256 of `seed:org_id`, the lower first).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub lot: Option<Value>,
    pub signed_at: Option<DateTime<Utc>>,
}

pub(crate) async fn assemble(
    tx: &mut Tx,
    sec: &Sec,
    spec: &MethodSpec,
    members: &[Member],
    bids: &[OpenedBid],
) -> Result<Report> {
    let sid = &sec.section_id;
    let v = verdicts(tx, sid, members).await?;
    let sc = screening(tx, sec, members, bids).await?;
    let rejected_ids = sc.rejected();
    let rejected: Vec<Rejection> = rejected_ids
        .iter()
        .map(|org| {
            let fails: Vec<&(String, String, bool, Value)> =
                v.iter().filter(|x| &x.1 == org && !x.2).collect();
            let mut reasons: serde_json::Map<String, Value> =
                fails.iter().map(|x| (x.0.clone(), x.3.clone())).collect();
            let (ground, basis) = sc.ground(org);
            match ground {
                "above_ceiling" => {
                    reasons.insert(
                        "ceiling".into(),
                        json!(format!(
                            "the price is above the ceiling price {}",
                            spec.ceiling_price
                                .map(|c| c.to_string())
                                .unwrap_or_default()
                        )),
                    );
                }
                "abnormally_low" => {
                    if let Some(c) = sc.checks.iter().find(|c| &c.org_id == org) {
                        reasons.insert("price_check".into(), json!(c.explanation));
                    }
                }
                _ => {}
            }
            Rejection {
                ground: ground.into(),
                basis: basis.into(),
                org_id: org.clone(),
                fail_votes: fails.len() as i64,
                reasons: Value::Object(reasons),
            }
        })
        .collect();
    let left: Vec<&OpenedBid> = bids
        .iter()
        .filter(|b| !rejected_ids.contains(&b.org_id))
        .collect();
    let scores = load_scores(tx, sid, members).await?;
    let sme_decl = crate::sme::load(tx, sid).await?;
    let mut report_bids = vec![];
    let mut base_json = None;
    let mut outliers = vec![];
    let mut rankables = vec![];
    match spec.method {
        Method::LowestEvaluatedPrice => {
            for b in &left {
                report_bids.push(ReportBid {
                    org_id: b.org_id.clone(),
                    org_name: b.org_name.clone(),
                    price: b.price,
                    price_score: None,
                    criteria: json!({}),
                    non_price: Decimal::ZERO,
                    total: None,
                    sme: sme_decl.get(&b.org_id).map(|d| json!(d)),
                    evaluated_price: None,
                });
                rankables.push(Rankable {
                    org_id: b.org_id.clone(),
                    price: b.price,
                    total: None,
                    non_price: Decimal::ZERO,
                });
            }
        }
        Method::Comprehensive => {
            let formula = spec
                .price_formula
                .clone()
                .ok_or_else(|| Error::internal("comprehensive method without price formula"))?;
            let max_price = spec
                .price_criterion()
                .map(|c| c.max_points)
                .unwrap_or(Decimal::ZERO);
            // 财库〔2020〕46号 第九条: the base price and each price score use the price after the
            // SME deduction; the ranking's price and the contract keep the price bid.
            let evaluated = |b: &OpenedBid| {
                rules::evaluated_price(
                    b.price,
                    sme_decl
                        .get(&b.org_id)
                        .is_some_and(|d| d.deduction_applies()),
                    spec.sme_deduction,
                )
            };
            let prices: Vec<Decimal> = left.iter().map(|b| evaluated(b)).collect();
            let base = rules::base_price(&formula.base, &prices);
            base_json = base
                .as_ref()
                .map(|b| serde_json::to_value(b).map_err(|e| Error::internal(e.to_string())))
                .transpose()?;
            let share = spec.outlier_share();
            for b in &left {
                let ps: Option<PriceScore> = base
                    .as_ref()
                    .map(|bc| rules::price_score(&formula, max_price, evaluated(b), bc.base));
                let mut criteria = serde_json::Map::new();
                let mut non_price = Decimal::ZERO;
                for c in spec.scored_criteria() {
                    let per: Vec<(String, Decimal)> = scores
                        .iter()
                        .filter(|s| s.org_id == b.org_id)
                        .filter_map(|s| s.points.get(&c.code).map(|p| (s.expert_id.clone(), *p)))
                        .collect();
                    let values: Vec<Decimal> = per.iter().map(|x| x.1).collect();
                    let agg = rules::aggregate(&values, spec.drop_member_extremes_from);
                    non_price += agg;
                    let members_json: serde_json::Map<String, Value> = per
                        .iter()
                        .map(|(e, p)| (e.clone(), json!(p.to_string())))
                        .collect();
                    criteria.insert(
                        c.code.clone(),
                        json!({"members": members_json, "committee": agg.to_string()}),
                    );
                }
                // Outliers: a member's total of hand-scored points against the committee mean.
                let totals: Vec<&MemberScores> =
                    scores.iter().filter(|s| s.org_id == b.org_id).collect();
                if !totals.is_empty() {
                    let sum: Decimal = totals.iter().map(|s| s.total).sum();
                    let mean = sum / Decimal::from(totals.len());
                    for s in &totals {
                        if rules::is_outlier(s.total, mean, share) {
                            outliers.push(Outlier {
                                expert_id: s.expert_id.clone(),
                                org_id: b.org_id.clone(),
                                member_total: s.total,
                                committee_mean: rules::round2(mean),
                            });
                        }
                    }
                }
                let total = ps.as_ref().map(|p| p.score).unwrap_or(Decimal::ZERO) + non_price;
                report_bids.push(ReportBid {
                    org_id: b.org_id.clone(),
                    org_name: b.org_name.clone(),
                    price: b.price,
                    price_score: ps
                        .map(|p| {
                            serde_json::to_value(p).map_err(|e| Error::internal(e.to_string()))
                        })
                        .transpose()?,
                    criteria: Value::Object(criteria),
                    non_price,
                    total: Some(total),
                    sme: sme_decl.get(&b.org_id).map(|d| json!(d)),
                    evaluated_price: Some(evaluated(b)),
                });
                rankables.push(Rankable {
                    org_id: b.org_id.clone(),
                    price: b.price,
                    total: Some(total),
                    non_price,
                });
            }
        }
    }
    let seed: Option<String> =
        sqlx::query("SELECT tie_seed FROM eval_sections WHERE section_id = $1")
            .bind(sid)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get::<Option<String>, _>(0))
            .transpose()?
            .flatten();
    let ranked = rules::rank(spec.method, rankables, &spec.tie_break, seed.as_deref());
    let lot = (!ranked.lots.is_empty()).then(|| lot_record(seed.as_deref(), &ranked.lots));
    let ranking = ranked
        .ranked
        .into_iter()
        .take(rules::MAX_CANDIDATES)
        .enumerate()
        .map(|(i, r)| Ranked {
            rank: i as i64 + 1,
            org_name: left
                .iter()
                .find(|b| b.org_id == r.org_id)
                .map(|b| b.org_name.clone())
                .unwrap_or_default(),
            org_id: r.org_id,
            price: format!("{:.2}", r.price),
            score: r.total.map(|t| t.to_string()),
        })
        .collect();
    Ok(Report {
        section_id: sid.clone(),
        method: serde_json::to_value(spec).map_err(|e| Error::internal(e.to_string()))?,
        members: members
            .iter()
            .map(|m| {
                json!({"expert_id": m.expert_id, "name": m.name, "signed": m.signed && !m.refused,
                       "refused": m.refused, "note": m.sign_note, "replaces": m.replaces,
                       "review_by": m.review_by(), "scores_by": m.scores_by()})
            })
            .collect(),
        rejected,
        base: base_json,
        bids: report_bids,
        ranking,
        outliers,
        chair: chair_of(members),
        clarifications: load_clarifications(tx, sid, None).await?,
        replaced: replaced_members(tx, sid).await?,
        ceiling_price: spec.ceiling_price,
        abnormally_low: sc.flagged.clone(),
        price_checks: sc.checks.clone(),
        lot,
        signed_at: None,
    })
}

/// The lot as the report and `evaluation.tie.drawn` show it: the seed (null before the draw) and
/// each tied group in its order with every bid's key.
fn lot_record(seed: Option<&str>, lots: &[Vec<String>]) -> Value {
    json!({
        "seed": seed,
        "rule": "each tied bid's key is the SHA-256 (hex) of \"<seed>:<org_id>\"; the lower key ranks first",
        "groups": lots.iter().map(|g| json!({
            "order": g,
            "keys": seed.map(|s| g.iter().map(|o| (o.clone(), json!(rules::lot_key(s, o))))
                .collect::<serde_json::Map<String, Value>>()),
        })).collect::<Vec<_>>(),
    })
}

/// Once the ranking is final (stage `signing`), draw the lot for the ties the documents' rules
/// leave: a random seed (32 bytes from the operating system's CSPRNG), stored once and recorded in
/// `evaluation.tie.drawn` with each group's drawn order and keys, so anyone can recompute it. Never
/// drawn twice; nothing drawn without a tie.
async fn draw_ties_when_final(
    tx: &mut Tx,
    ctx: &Ctx,
    by: &ActorRef,
    now: Timestamp,
    sec: &Sec,
    bids: &[OpenedBid],
) -> Result<()> {
    let Some(spec) = sec.method.clone() else {
        return Ok(());
    };
    let members = load_members(tx, &sec.section_id).await?;
    if progress(tx, sec, &members, bids).await?.stage != "signing" {
        return Ok(());
    }
    if sec.tie_seed.is_some() {
        return Ok(());
    }
    let report = assemble(tx, sec, &spec, &members, bids).await?;
    let Some(lot) = report.lot else {
        return Ok(());
    };
    let seed = ggzy_core::ids::random_hex(32);
    sqlx::query(
        "UPDATE eval_sections SET tie_seed = $1, tie_drawn_at = $2 WHERE section_id = $3 AND tie_seed IS NULL",
    )
    .bind(&seed)
    .bind(to_micros(now))
    .bind(&sec.section_id)
    .execute(&mut **tx)
    .await?;
    let groups: Vec<Vec<String>> = lot["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let mut v: Vec<String> = g["order"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| o.as_str().map(String::from))
                .collect();
            v.sort_by_key(|o| rules::lot_key(&seed, o));
            v
        })
        .collect();
    let mut payload = lot_record(Some(&seed), &groups);
    payload["section_id"] = json!(sec.section_id);
    payload["tie_break"] = json!(spec.tie_break);
    payload["basis"] = json!(
        "a tie the documents' rules leave is broken by lot, recorded with its seed (issue 21)"
    );
    section_event(
        tx,
        ctx,
        by,
        now,
        "evaluation.tie.drawn",
        &sec.section_id,
        payload,
    )
    .await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PriceCheckInput {
    pub org_id: String,
    /// Whether the bidder proved its price reasonable (false: the bid is rejected).
    pub reasonable: bool,
    /// The bidder's written explanation and the committee's assessment, 1–5000 characters.
    pub explanation: String,
}

/// A member records the committee's conclusion on an abnormally low price (stage `price_check`):
/// the bidder proved it reasonable, or not — then the bid is rejected (评标规定 第二十一条; 87号令
/// 第六十条). Once per flagged bid; `evaluation.price_check.recorded` (and `evaluation.bid.rejected`).
pub async fn record_price_check(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: PriceCheckInput,
) -> Result<Workbench> {
    actor.require(&[Role::Expert])?;
    let (mut tx, sec, me) = member_tx(ctx, actor, section_id).await?;
    let (_, bids) = ready_for_committee(&sec)?;
    let members = load_members(&mut tx, section_id).await?;
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    let sc = screening(&mut tx, &sec, &members, &bids).await?;
    let explanation = input.explanation.trim().to_string();
    if explanation.is_empty() || explanation.chars().count() > 5000 {
        return Err(Error::field(
            "explanation",
            "price_check.explanation_length",
            "the explanation: 1–5000 characters",
        ));
    }
    if p.stage != "price_check" {
        return Err(Error::conflict(
            "price_check.not_this_stage",
            format!(
                "no abnormally low price awaits the committee (stage: {})",
                p.stage
            ),
        ));
    }
    if !sc.pending().iter().any(|f| f.org_id == input.org_id) {
        return Err(Error::field(
            "org_id",
            "price_check.not_flagged",
            "not an abnormally low price awaiting the committee's record",
        ));
    }
    let now = ctx.clock.now();
    sqlx::query(
        "INSERT INTO eval_price_checks (section_id, org_id, reasonable, explanation, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(section_id)
    .bind(&input.org_id)
    .bind(i64::from(input.reasonable))
    .bind(&explanation)
    .bind(&me.expert_id)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    let by = actor.actor_ref();
    section_event(
        &mut tx,
        ctx,
        &by,
        now,
        "evaluation.price_check.recorded",
        section_id,
        json!({"section_id": section_id, "org_id": input.org_id, "reasonable": input.reasonable,
               "expert_id": me.expert_id, "basis": rules::ABNORMALLY_LOW_SOURCE}),
    )
    .await?;
    if !input.reasonable {
        section_event(
            &mut tx,
            ctx,
            &by,
            now,
            "evaluation.bid.rejected",
            section_id,
            json!({"section_id": section_id, "org_id": input.org_id, "ground": "abnormally_low",
                   "basis": rules::ABNORMALLY_LOW_SOURCE}),
        )
        .await?;
    }
    draw_ties_when_final(&mut tx, ctx, &by, now, &sec, &bids).await?;
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    let wb = Workbench::of(sec, members, bids, p);
    ctx.db.commit_answering(tx, 200, &wb, now).await?;
    Ok(wb)
}

/// The members who left the committee for a replacement, with the reason and the stages they had
/// submitted (those stay counted for the seat the replacement took).
async fn replaced_members(tx: &mut Tx, section_id: &str) -> Result<Vec<Value>> {
    let rows = sqlx::query(
        "SELECT expert_id, name, replaced_by, replace_reason, replaced_at, reviewed_at, scored_at \
         FROM eval_members WHERE section_id = $1 AND active = 0 AND replaced_by IS NOT NULL \
         ORDER BY replaced_at, expert_id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(json!({
                "expert_id": r.try_get::<String, _>(0)?,
                "name": r.try_get::<String, _>(1)?,
                "replaced_by": r.try_get::<Option<String>, _>(2)?,
                "reason": r.try_get::<Option<String>, _>(3)?,
                "replaced_at": r.try_get::<Option<i64>, _>(4)?
                    .map(|t| ggzy_core::time::from_micros(t).to_rfc3339()),
                "reviewed": r.try_get::<Option<i64>, _>(5)?.is_some(),
                "scored": r.try_get::<Option<i64>, _>(6)?.is_some(),
            }))
        })
        .collect()
}

/// The report: the signed one, or the draft once the scoring stage is complete.
pub async fn report(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Report> {
    actor.require(&[Role::Expert, Role::Staff, Role::Supervisor, Role::Admin])?;
    let mut tx = ctx.db.begin().await?;
    require_reader(&mut tx, actor, section_id).await?;
    let sec = load_sec(&mut tx, &ctx.db, section_id, false).await?;
    if let Some(r) = &sec.report {
        tx.rollback().await?;
        return serde_json::from_value(r.clone()).map_err(|e| Error::internal(e.to_string()));
    }
    let (spec, bids) = ready_for_committee(&sec)?;
    let members = load_members(&mut tx, section_id).await?;
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    if p.stage != "signing" {
        return Err(Error::conflict(
            "report.not_ready",
            format!(
                "the report is assembled after the review and scoring (stage: {})",
                p.stage
            ),
        ));
    }
    let r = assemble(&mut tx, &sec, &spec, &members, &bids).await?;
    tx.rollback().await?;
    Ok(r)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SignInput {
    /// A dissenting opinion stated with the signature (评标规定 第四十二条), optional; the reason
    /// when refusing.
    #[serde(default)]
    pub dissent: Option<String>,
    /// Refuse to sign; needs the reason in `dissent` (评标规定 第四十二条: a refusal without
    /// stated reasons counts as agreement, so the platform asks for them).
    #[serde(default)]
    pub refuse: bool,
}

/// A member signs the report. When the last member signs, the report is final and
/// `evaluation.report.signed` {section_id, report_id, ranking:[{rank, org_id, price, score}]}
/// goes to the projects area, which starts the candidate publicity.
pub async fn sign(ctx: &Ctx, actor: &Actor, section_id: &str, input: SignInput) -> Result<Report> {
    actor.require(&[Role::Expert])?;
    let (mut tx, sec, me) = member_tx(ctx, actor, section_id).await?;
    let (spec, bids) = ready_for_committee(&sec)?;
    let members = load_members(&mut tx, section_id).await?;
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    if p.stage != "signing" {
        return Err(Error::conflict(
            "report.not_ready",
            format!(
                "the report can be signed after the review and scoring (stage: {})",
                p.stage
            ),
        ));
    }
    if me.signed {
        return Err(Error::conflict(
            "report.already_signed",
            "you already signed",
        ));
    }
    let note = input
        .dissent
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if input.refuse && note.is_none() {
        return Err(Error::field(
            "dissent",
            "sign.refusal_reason_required",
            "a member refusing to sign states the reason (评标规定 第四十二条)",
        ));
    }
    let now: Timestamp = ctx.clock.now();
    sqlx::query(
        "UPDATE eval_members SET signed_at = $1, sign_note = $2, sign_refused = $3 \
         WHERE section_id = $4 AND expert_id = $5",
    )
    .bind(to_micros(now))
    .bind(&note)
    .bind(i64::from(input.refuse))
    .bind(section_id)
    .bind(&me.expert_id)
    .execute(&mut *tx)
    .await?;
    let by: ActorRef = actor.actor_ref();
    draw_ties_when_final(&mut tx, ctx, &by, now, &sec, &bids).await?;
    section_event(
        &mut tx,
        ctx,
        &by,
        now,
        "evaluation.report.member_signed",
        section_id,
        json!({"section_id": section_id, "expert_id": me.expert_id, "dissent": note,
                   "refused": input.refuse}),
    )
    .await?;
    let members = load_members(&mut tx, section_id).await?;
    let mut report = assemble(&mut tx, &sec, &spec, &members, &bids).await?;
    if members.iter().all(|m| m.signed) {
        report.signed_at = Some(now);
        let text = serde_json::to_string(&report).map_err(|e| Error::internal(e.to_string()))?;
        sqlx::query(
            "UPDATE eval_sections SET report = $1, signed_at = $2, updated_at = $2 WHERE section_id = $3",
        )
        .bind(&text)
        .bind(to_micros(now))
        .bind(section_id)
        .execute(&mut *tx)
        .await?;
        let report_id = format!("PBBG-{section_id}");
        section_event(
            &mut tx,
            ctx,
            &by,
            now,
            "evaluation.report.signed",
            section_id,
            json!({"section_id": section_id, "report_id": report_id,
                       "method": spec.method, "signed_at": now.to_rfc3339(),
                       "ranking": report.ranking,
                       "rejected": report.rejected.iter().map(|r| &r.org_id).collect::<Vec<_>>()}),
        )
        .await?;
    }
    ctx.db.commit_answering(tx, 200, &report, now).await?;
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// Chair election (推选组长).

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ChairVote {
    /// The member voted for (may be oneself).
    pub expert_id: String,
}

/// A member votes for a chair; the member voted for by more than half of the committee is the
/// chair (评标规定 第九条: the chair is elected by the members — or named by the tenderer, not offered here — and votes like any member). A vote may be changed
/// until a chair is elected.
pub async fn vote_chair(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ChairVote,
) -> Result<Workbench> {
    actor.require(&[Role::Expert])?;
    let (mut tx, sec, me) = member_tx(ctx, actor, section_id).await?;
    if sec.report.is_some() {
        return Err(Error::conflict(
            "evaluation.signed",
            "the evaluation report is signed; nothing may change",
        ));
    }
    let members = load_members(&mut tx, section_id).await?;
    if chair_of(&members).is_some() {
        return Err(Error::conflict(
            "chair.already_elected",
            "the committee already elected its chair",
        ));
    }
    if !members.iter().any(|m| m.expert_id == input.expert_id) {
        return Err(Error::field(
            "expert_id",
            "chair.not_a_member",
            "the chair is elected among the committee's members",
        ));
    }
    let now = ctx.clock.now();
    sqlx::query("UPDATE eval_members SET chair_vote = $1 WHERE section_id = $2 AND expert_id = $3")
        .bind(&input.expert_id)
        .bind(section_id)
        .bind(&me.expert_id)
        .execute(&mut *tx)
        .await?;
    let members = load_members(&mut tx, section_id).await?;
    let chair = chair_of(&members);
    if let Some(c) = &chair {
        section_event(
            &mut tx,
            ctx,
            &actor.actor_ref(),
            now,
            "evaluation.chair.elected",
            section_id,
            json!({"section_id": section_id, "expert_id": c}),
        )
        .await?;
    }
    let bids = opened_bids(&sec);
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    let wb = Workbench::of(sec, members, bids, p);
    ctx.db.commit_answering(tx, 200, &wb, now).await?;
    Ok(wb)
}

// ---------------------------------------------------------------------------------------------
// Clarifications (澄清).

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ClarificationInput {
    pub org_id: String,
    pub question: String,
    /// The bidder answers by then (must be later than now).
    pub reply_by: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Clarification {
    pub id: String,
    pub section_id: String,
    pub org_id: String,
    pub question: String,
    pub reply_by: DateTime<Utc>,
    pub asked_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

pub(crate) async fn load_clarifications(
    tx: &mut Tx,
    section_id: &str,
    org_id: Option<&str>,
) -> Result<Vec<Clarification>> {
    let rows = sqlx::query(
        "SELECT id, section_id, org_id, question, reply_by, asked_at, answer, answered_at \
         FROM eval_clarifications WHERE section_id = $1 ORDER BY asked_at, id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = vec![];
    for r in rows {
        let c = Clarification {
            id: r.try_get(0)?,
            section_id: r.try_get(1)?,
            org_id: r.try_get(2)?,
            question: r.try_get(3)?,
            reply_by: ggzy_core::time::from_micros(r.try_get(4)?),
            asked_at: ggzy_core::time::from_micros(r.try_get(5)?),
            answer: r.try_get(6)?,
            answered_at: r
                .try_get::<Option<i64>, _>(7)?
                .map(ggzy_core::time::from_micros),
        };
        if org_id.is_none_or(|o| o == c.org_id) {
            out.push(c);
        }
    }
    Ok(out)
}

/// A member asks a bidder with an opened bid to clarify (评标规定 第十九条: clarification in
/// writing, it may not go beyond the bid or change its substance).
pub async fn ask(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ClarificationInput,
) -> Result<Clarification> {
    actor.require(&[Role::Expert])?;
    let (mut tx, sec, me) = member_tx(ctx, actor, section_id).await?;
    let (_, bids) = ready_for_committee(&sec)?;
    let now = ctx.clock.now();
    let mut v = ggzy_core::error::Violations::new();
    if !bids.iter().any(|b| b.org_id == input.org_id) {
        v.push(
            "org_id",
            "clarification.unknown_bid",
            "not an opened bid of this section",
        );
    }
    let question = input.question.trim().to_string();
    if question.is_empty() || question.chars().count() > 2000 {
        v.push(
            "question",
            "clarification.question_length",
            "question: 1–2000 characters",
        );
    }
    if input.reply_by <= now {
        v.push(
            "reply_by",
            "clarification.reply_by_future",
            "the reply deadline must be later than now",
        );
    }
    v.into_result()?;
    let c = Clarification {
        id: ggzy_core::ids::new_id(),
        section_id: section_id.to_string(),
        org_id: input.org_id,
        question,
        reply_by: input.reply_by,
        asked_at: now,
        answer: None,
        answered_at: None,
    };
    sqlx::query(
        "INSERT INTO eval_clarifications (id, section_id, org_id, asked_by, question, reply_by, asked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&c.id)
    .bind(section_id)
    .bind(&c.org_id)
    .bind(&me.expert_id)
    .bind(&c.question)
    .bind(to_micros(c.reply_by))
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    section_event(
        &mut tx,
        ctx,
        &actor.actor_ref(),
        now,
        "evaluation.clarification.requested",
        section_id,
        json!({"clarification_id": c.id, "section_id": section_id, "org_id": c.org_id,
                   "reply_by": c.reply_by.to_rfc3339()}),
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &c, now).await?;
    Ok(c)
}

/// Clarifications of a section: the committee and staff see all, a bidder those addressed to it.
pub async fn clarifications(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
) -> Result<Vec<Clarification>> {
    actor.require(&[
        Role::Expert,
        Role::Staff,
        Role::Supervisor,
        Role::Admin,
        Role::Bidder,
    ])?;
    let mut tx = ctx.db.begin().await?;
    let out = if actor.role == Role::Bidder {
        let org = actor.org_id.clone().unwrap_or_default();
        load_clarifications(&mut tx, section_id, Some(&org)).await?
    } else {
        require_reader(&mut tx, actor, section_id).await?;
        load_clarifications(&mut tx, section_id, None).await?
    };
    tx.rollback().await?;
    Ok(out)
}

/// The bidder's answer: text only, by the reply deadline (inclusive). A price (or any field but
/// `answer`) is refused — a clarification may not change the price or the substance of the bid
/// (评标规定 第十九条; 招标投标法 第三十九条).
pub async fn answer(
    ctx: &Ctx,
    actor: &Actor,
    clarification_id: &str,
    input: Value,
) -> Result<Clarification> {
    actor.require(&[Role::Bidder])?;
    let mut v = ggzy_core::error::Violations::new();
    let obj = input.as_object().cloned().unwrap_or_default();
    for k in obj.keys() {
        if k != "answer" {
            v.push(
                k.clone(),
                if k.contains("price") { "clarification.price_forbidden" } else { "clarification.answer_only" },
                "a clarification answers the question only; it may not change the price or the substance of the bid (评标规定 第十九条)",
            );
        }
    }
    let text = obj
        .get("answer")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if text.is_empty() || text.chars().count() > 5000 {
        v.push(
            "answer",
            "clarification.answer_length",
            "answer: 1–5000 characters",
        );
    }
    let mut tx = ctx.db.begin().await?;
    let r = sqlx::query(&format!(
        "SELECT section_id, org_id, reply_by, answer FROM eval_clarifications WHERE id = $1{}",
        ctx.db.for_update()
    ))
    .bind(clarification_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found(format!("clarification {clarification_id}")))?;
    let section_id: String = r.try_get(0)?;
    let org_id: String = r.try_get(1)?;
    let reply_by = ggzy_core::time::from_micros(r.try_get(2)?);
    if actor.org_id.as_deref() != Some(org_id.as_str()) {
        return Err(Error::forbidden(
            "only the bidder asked answers this clarification",
        ));
    }
    // Whom it asked comes before what the body says: another bidder learns nothing from a
    // validation answer (cross-organization walk, tests/api/authz_cross.rs).
    v.into_result()?;
    if r.try_get::<Option<String>, _>(3)?.is_some() {
        return Err(Error::conflict(
            "clarification.answered",
            "the clarification is already answered",
        ));
    }
    let now = ctx.clock.now();
    if now > reply_by {
        return Err(Error::conflict(
            "clarification.deadline_passed",
            format!("the reply was due by {}", reply_by.to_rfc3339()),
        ));
    }
    let n = sqlx::query(
        "UPDATE eval_clarifications SET answer = $1, answered_at = $2 WHERE id = $3 AND answer IS NULL",
    )
    .bind(text)
    .bind(to_micros(now))
    .bind(clarification_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    ggzy_store::expect_one(n, "clarification.answered", "answered concurrently")?;
    section_event(
        &mut tx,
        ctx,
        &actor.actor_ref(),
        now,
        "evaluation.clarification.answered",
        &section_id,
        json!({"clarification_id": clarification_id, "section_id": section_id, "org_id": org_id}),
    )
    .await?;
    let c = load_clarifications(&mut tx, &section_id, Some(&org_id))
        .await?
        .into_iter()
        .find(|c| c.id == clarification_id)
        .ok_or_else(|| Error::internal("clarification vanished"))?;
    ctx.db.commit_answering(tx, 200, &c, now).await?;
    Ok(c)
}

/// The section's declared method (the scoring form needs its criteria); 409
/// `evaluation.method_missing` before one is declared.
pub async fn method_of(ctx: &Ctx, section_id: &str) -> Result<MethodSpec> {
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&mut tx, &ctx.db, section_id, false).await?;
    tx.rollback().await?;
    sec.method.ok_or_else(|| {
        Error::conflict(
            "evaluation.method_missing",
            "the section has no declared evaluation method",
        )
    })
}
