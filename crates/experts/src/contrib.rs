//! Draws the operator cannot steer (issue 24): a two-step draw whose seed nobody controls alone.
//!
//! 1. Staff request the draw: the centre's secret `s_c` is generated and only `sha256(s_c)` is
//!    recorded (`experts.draw.committed`).
//! 2. A supervisor (another person than the requester) commits `sha256(s_s)` of a secret of their
//!    own (`experts.draw.supervisor_committed`). Once that event is sealed, the first signed audit
//!    checkpoint covering it is fixed on the request (one is published through
//!    `tlog::publish_checkpoint` when none covers it yet).
//! 3. The supervisor reveals `s_s`; a value that does not match the commitment is refused
//!    (`draw.supervisor_reveal_mismatch`). The draw runs in the same transaction with
//!    `seed = draw::contributed_seed(s_c, s_s, checkpoint, section, draw id)`.
//!
//! `s_c` is fixed before `s_s` and the checkpoint are known; `s_s` is fixed (committed) before the
//! checkpoint and revealed only after it; the checkpoint root depends on the log containing both
//! commitments. `verify` recomputes everything from the published values, checks the checkpoint's
//! signature and the inclusion of both commitment events in its tree.

use crate::committee::{self, FixedSeed};
use crate::draw::{self, ContributedVerification, SeedInputs};
use crate::service::{self, check_request, Draw, DrawRequest, StoredRequest};
use crate::store;
use crate::store::requests::open_requests_of_session;
use chrono::{DateTime, Utc};
use ggzy_core::{ids, Error, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::unique::{UniqueExt, UniqueKey};
use ggzy_store::uow::Uow;
use ggzy_store::{emit, expect_one, merkle, note, outbox, tlog, Ctx};

const ONE_OPEN_REQUEST: UniqueKey = UniqueKey::new(
    "expert_draw_requests_one_open",
    "expert_draw_requests",
    &["section_id"],
);
use ggzy_events::experts::{DrawCommitted, DrawRequestRescheduled};
use ggzy_events::Contract;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod supervisor;
mod verify;
pub use supervisor::*;
pub use verify::*;

const STAFF: &[Role] = &[Role::Staff, Role::Admin];
const READERS: &[Role] = &[Role::Staff, Role::Admin, Role::Supervisor];

/// A two-step draw request and the state of its contributions (staff and supervisors).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DrawContribution {
    /// Also the id of the draw once it ran.
    pub id: String,
    pub section_id: String,
    /// `open` (waiting for the supervisor), `drawn` or `abandoned`.
    pub status: String,
    pub request: StoredRequest,
    pub place: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// sha256(s_c), hex: the centre's secret is fixed from here on.
    pub centre_commitment: String,
    pub supervisor_id: Option<String>,
    /// sha256(s_s), hex, once the supervisor committed.
    pub supervisor_commitment: Option<String>,
    pub supervisor_committed_at: Option<DateTime<Utc>>,
    /// The signed audit checkpoint fixed after the supervisor's commitment was sealed.
    pub checkpoint_size: Option<u64>,
    pub checkpoint_root: Option<String>,
    /// What the draw still waits for: `supervisor_commitment`, `checkpoint`, `supervisor_reveal`,
    /// or nothing.
    pub waiting_for: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_reason: Option<String>,
    /// The evaluation session (venues) this draw is for, when venues scheduled it.
    pub session_id: Option<String>,
}

pub(crate) use crate::store::requests::RequestRow;
use crate::store::requests::RequestStatus;

impl RequestRow {
    fn view(&self) -> DrawContribution {
        let waiting_for = if self.status != RequestStatus::Open {
            None
        } else if self.supervisor_commitment.is_none() {
            Some("supervisor_commitment")
        } else if self.checkpoint_size.is_none() {
            Some("checkpoint")
        } else {
            Some("supervisor_reveal")
        };
        DrawContribution {
            id: self.id.clone(),
            section_id: self.section_id.clone(),
            status: self.status.as_str().to_string(),
            request: self.request.clone(),
            place: self.place.clone(),
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            centre_commitment: self.centre_commitment.clone(),
            supervisor_id: self.supervisor_id.clone(),
            supervisor_commitment: self.supervisor_commitment.clone(),
            supervisor_committed_at: self.supervisor_committed_at,
            checkpoint_size: self.checkpoint_size.map(|s| s.max(0) as u64),
            checkpoint_root: self.checkpoint_root.clone(),
            waiting_for: waiting_for.map(str::to_string),
            closed_at: self.closed_at,
            closed_reason: self.closed_reason.clone(),
            session_id: self.session_id.clone(),
        }
    }
}

pub(crate) async fn load<'e, E>(exec: E, id: &str) -> Result<RequestRow>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    store::requests::request(exec, id)
        .await?
        .ok_or_else(|| Error::not_found("draw request"))
}

fn open_required(r: &RequestRow) -> Result<()> {
    if r.status != RequestStatus::Open {
        return Err(Error::conflict(
            "draw.request_closed",
            format!("the draw request is {}", r.status.as_str()),
        ));
    }
    Ok(())
}

fn parse_hex32(field: &str, rule: &str, s: &str) -> Result<[u8; 32]> {
    draw::parse_seed(s.trim()).ok_or_else(|| {
        Error::field(
            field,
            rule,
            "must be 64 hexadecimal digits (32 bytes)".to_string(),
        )
    })
}

/// Step 1 (staff): check the request, generate and commit the centre's secret. Nothing is drawn yet.
#[tracing::instrument(skip_all)]
pub async fn request(ctx: &Ctx, actor: &Actor, input: DrawRequest) -> Result<DrawContribution> {
    actor.require(STAFF)?;
    // The section's terms (market, procedure, budget) and its registered bidders, as the experts
    // area learnt them from the projects area's events (issue 21): the committee size and the
    // avoidance follow from the section, whatever the request typed.
    let mut input = input;
    let terms = {
        let mut conn = ctx.db.pool().acquire().await?;
        for b in crate::relations::section_bidders(&mut conn, &input.section_id).await? {
            if !input.bidder_usccs.iter().any(|x| x.trim() == b) {
                input.bidder_usccs.push(b);
            }
        }
        crate::relations::terms(&mut conn, &input.section_id).await?
    };
    let req = check_request(&input, &draw::CommitteeRules::default(), terms.as_ref())?;
    let place = input
        .place
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or(committee::DEFAULT_PLACE)
        .to_string();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let id = match open_in_tx(
        &mut Uow::within(&mut tx, &ctx.db, actor.actor_ref(), now),
        &actor.user_id,
        &req,
        None,
        &place,
    )
    .await
    {
        Ok(id) => id,
        Err(e) => {
            tx.rollback().await?;
            return Err(e);
        }
    };
    let view = load(&mut *tx, &id).await?.view();
    ctx.db.commit_answering(tx, 201, &view, now).await?;
    Ok(view)
}

/// Open a draw request inside `tx`: the centre's secret is generated and only its sha256 is
/// recorded (`experts.draw.committed`). Used by staff's request and by the `experts.events`
/// consumer for an evaluation session venues scheduled (`session_id`, `created_by` = `system`).
/// 422 `draw.active_draw_exists` / `draw.request_open` when the section already has either.
pub(crate) async fn open_in_tx(
    u: &mut Uow<'_>,
    created_by: &str,
    req: &StoredRequest,
    session_id: Option<&str>,
    place: &str,
) -> Result<String> {
    let now = u.now;
    let id = ids::new_id();
    let secret = ids::random_hex(32);
    let centre_commitment = draw::commitment(
        &draw::parse_seed(&secret).ok_or_else(|| Error::internal("centre secret"))?,
    );
    if let Some(active) = store::draws::active_draw_of_section(u.tx(), &req.section_id).await? {
        return Err(service::active_draw_exists(&active));
    }
    if store::requests::section_has_open_request(u.tx(), &req.section_id).await? {
        return Err(open_request_exists());
    }
    let event_id = u
        .emit(
            DrawCommitted {
                draw_id: id.clone(),
                section_id: req.section_id.clone(),
                session_id: session_id.map(str::to_string),
                centre_commitment: centre_commitment.clone(),
                scheme: Some(draw::SCHEME_CONTRIBUTED_V1.to_string()),
            }
            .encode(),
        )
        .await?;
    store::requests::insert_request(
        u.tx(),
        store::requests::NewRequest {
            id: &id,
            section_id: &req.section_id,
            request: req,
            place,
            created_by,
            created_at: now,
            centre_commitment: &centre_commitment,
            centre_secret: &secret,
            centre_event_id: &event_id,
            session_id,
        },
    )
    .await
    .on_unique(&ONE_OPEN_REQUEST, open_request_exists)?;
    Ok(id)
}

/// Venues moved the session before its draw: the open request takes the new time and place (the
/// draw it becomes books the experts for them). `experts.draw.request_rescheduled`.
pub(crate) async fn session_moved(
    u: &mut Uow<'_>,
    session_id: &str,
    start: chrono::DateTime<Utc>,
    end: chrono::DateTime<Utc>,
    place: Option<&str>,
) -> Result<()> {
    for r in open_requests_of_session(u.tx(), session_id).await? {
        let mut req = r.request.clone();
        req.session_start = start;
        req.session_end = end;
        let place = place.unwrap_or(&r.place).to_string();
        store::requests::reschedule(u.tx(), &r.id, &req, &place).await?;
        u.emit(
            DrawRequestRescheduled {
                draw_id: r.id.clone(),
                section_id: r.section_id.clone(),
                session_id: session_id.to_string(),
                session_start: start,
                session_end: end,
                place,
            }
            .encode(),
        )
        .await?;
    }
    Ok(())
}

/// Venues cancelled the session before its draw: the open request is abandoned with reason
/// `session_cancelled` (`experts.draw.abandoned`, the centre's secret published as for staff).
pub(crate) async fn session_cancelled(
    tx: &mut ggzy_store::Tx,
    db: &ggzy_store::Db,
    now: chrono::DateTime<Utc>,
    by: &ggzy_core::events::ActorRef,
    session_id: &str,
) -> Result<()> {
    for r in open_requests_of_session(tx, session_id).await? {
        close_abandoned(tx, db, now, by, &r, "session_cancelled").await?;
    }
    Ok(())
}

pub(crate) fn open_request_exists() -> Error {
    Error::field(
        "section_id",
        "draw.request_open",
        "an open draw request exists for this section; complete or abandon it first",
    )
}

/// A draw request with its contributions (staff, supervisors).
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> Result<DrawContribution> {
    actor.require(READERS)?;
    Ok(load(ctx.db.pool(), id).await?.view())
}

/// Open draw requests and the latest closed ones (staff, supervisors), newest first.
pub async fn list(ctx: &Ctx, actor: &Actor) -> Result<Vec<DrawContribution>> {
    actor.require(READERS)?;
    let rows = store::requests::latest_requests(&ctx.db).await?;
    Ok(rows.iter().map(RequestRow::view).collect())
}
