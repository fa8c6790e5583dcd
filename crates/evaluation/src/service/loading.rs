//! Loading.

use super::*;
use crate::store::{members, sections as store};

pub(crate) struct Sec {
    pub(crate) section_id: String,
    pub(super) owner_org_id: String,
    pub(super) market: String,
    pub(crate) method: Option<MethodSpec>,
    pub(super) bid_count: i64,
    /// The opening record's entries (`projects.opening.recorded`).
    pub(crate) entries: Option<Vec<ggzy_events::projects::OpeningEntry>>,
    pub(crate) report: Option<Value>,
    pub(crate) session: Option<(i64, i64)>,
    /// What the section buys (`works`, `goods`, `survey_design`, `services`), if named.
    pub(super) subject: Option<String>,
    /// When the tender documents were issued (bidding opened) and the current bid deadline.
    pub(super) issued_at: Option<i64>,
    pub(super) bid_deadline: Option<i64>,
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
    let networks = store::room_networks(&ctx.db, section_id).await?;
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
pub(super) fn in_session(sec: &Sec, now: Timestamp) -> Result<()> {
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

pub(super) fn parse_json<T: for<'a> Deserialize<'a>>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| Error::internal(e.to_string()))
}

pub(crate) async fn load_sec(tx: &mut Tx, db: &Db, section_id: &str, lock: bool) -> Result<Sec> {
    let r = store::section(tx, db, section_id, lock)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {section_id}")))?;
    Ok(Sec {
        section_id: r.section_id,
        owner_org_id: r.owner_org_id,
        method: r.method.map(|j| j.0),
        bid_count: r.bid_count,
        entries: r.entries.map(|j| j.0),
        report: r.report.map(|j| j.0),
        session: match (r.session_start, r.session_end) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        },
        market: r.market,
        subject: r.subject,
        issued_at: r.issued_at,
        bid_deadline: r.bid_deadline,
        tie_seed: r.tie_seed,
        qualified: r.qualified.map(|j| j.0),
    })
}

pub(crate) async fn load_members(tx: &mut Tx, section_id: &str) -> Result<Vec<Member>> {
    let rows = members::active_members(tx, section_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| Member {
            expert_id: r.expert_id,
            user_id: r.user_id,
            name: r.name,
            reviewed: r.reviewed_at.is_some() || r.review_of.is_some(),
            scored: r.scored_at.is_some() || r.scores_of.is_some(),
            signed: r.signed_at.is_some(),
            sign_note: r.sign_note,
            chair_vote: r.chair_vote,
            refused: r.sign_refused,
            replaces: r.replaces,
            review_carried_from: r.review_of,
            scores_carried_from: r.scores_of,
        })
        .collect())
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
        .filter(|e| e.decryption == "decrypted")
        .filter(|e| crate::qualification::admits(&sec.market, sec.qualified.as_deref(), &e.org_id))
        .filter_map(|e| {
            Some(OpenedBid {
                org_id: e.org_id.clone(),
                org_name: e.org_name.clone(),
                price: Decimal::from_str(&e.price.as_ref()?.to_string()).ok()?,
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
pub(super) async fn member_tx(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
) -> Result<(Tx, Sec, Member)> {
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&mut tx, &ctx.db, section_id, true).await?;
    let me = require_member(&mut tx, actor, section_id).await?;
    in_session(&sec, ctx.clock.now())?;
    crate::suspension::ensure_not_suspended(&mut tx, section_id).await?;
    Ok((tx, sec, me))
}

/// Write one of the section's evaluation events (its contract) in the use case's transaction.
pub(super) async fn section_event<C: Contract + Sync>(
    tx: &mut Tx,
    ctx: &Ctx,
    by: &ActorRef,
    now: Timestamp,
    event: &C,
) -> Result<()> {
    emit(tx, &ctx.db, by, now, event.encode()).await?;
    Ok(())
}

/// The two stages a member submits.
#[derive(Clone, Copy)]
pub(super) enum Stage {
    Review,
    Scoring,
}

/// Mark the member's stage submitted and write its event (`evaluation.review.submitted` /
/// `evaluation.scores.submitted` {section_id, expert_id}).
pub(super) async fn stage_submitted(
    tx: &mut Tx,
    ctx: &Ctx,
    by: &ActorRef,
    now: Timestamp,
    section_id: &str,
    expert_id: &str,
    stage: Stage,
) -> Result<()> {
    match stage {
        Stage::Review => members::mark_reviewed(tx, section_id, expert_id, to_micros(now)).await?,
        Stage::Scoring => members::mark_scored(tx, section_id, expert_id, to_micros(now)).await?,
    }
    let (section_id, expert_id) = (section_id.to_string(), expert_id.to_string());
    match stage {
        Stage::Review => {
            let ev = ReviewSubmitted {
                section_id,
                expert_id,
            };
            section_event(tx, ctx, by, now, &ev).await
        }
        Stage::Scoring => {
            let ev = ScoresSubmitted {
                section_id,
                expert_id,
            };
            section_event(tx, ctx, by, now, &ev).await
        }
    }
}

/// A stage's submission covers exactly `expected` (the opened bids, or the bids left after the
/// review), each once: every missing, unknown or repeated organization is named.
pub(super) fn check_coverage(
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

pub(super) fn ready_for_committee(sec: &Sec) -> Result<(MethodSpec, Vec<OpenedBid>)> {
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
