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
use chrono::{DateTime, Utc};
use ggzy_core::events::NewEvent;
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{ids, Error, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::unique::{UniqueExt, UniqueKey};
use ggzy_store::{emit, expect_one, merkle, note, outbox, tlog, Ctx};

const ONE_OPEN_REQUEST: UniqueKey = UniqueKey::new(
    "expert_draw_requests_one_open",
    "expert_draw_requests",
    &["section_id"],
);
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

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

pub(crate) struct RequestRow {
    pub id: String,
    pub section_id: String,
    pub status: String,
    pub request: StoredRequest,
    pub place: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub centre_commitment: String,
    pub centre_secret: String,
    pub centre_event_id: String,
    pub supervisor_id: Option<String>,
    pub supervisor_commitment: Option<String>,
    pub supervisor_event_id: Option<String>,
    pub supervisor_committed_at: Option<DateTime<Utc>>,
    pub checkpoint_size: Option<i64>,
    pub checkpoint_root: Option<String>,
    pub checkpoint_note: Option<String>,
    pub supervisor_secret: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_reason: Option<String>,
    pub session_id: Option<String>,
}

impl RequestRow {
    fn view(&self) -> DrawContribution {
        let waiting_for = if self.status != "open" {
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
            status: self.status.clone(),
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

const COLUMNS: &str =
    "id, section_id, status, request, place, created_by, created_at, centre_commitment, \
    centre_secret, centre_event_id, supervisor_id, supervisor_commitment, supervisor_event_id, \
    supervisor_committed_at, checkpoint_size, checkpoint_root, checkpoint_note, supervisor_secret, \
    closed_at, closed_reason, session_id";

fn row(r: &sqlx::any::AnyRow) -> Result<RequestRow> {
    let request: String = r.try_get("request")?;
    Ok(RequestRow {
        id: r.try_get("id")?,
        section_id: r.try_get("section_id")?,
        status: r.try_get("status")?,
        request: serde_json::from_str(&request)
            .map_err(|e| Error::internal(format!("stored draw request: {e}")))?,
        place: r.try_get("place")?,
        created_by: r.try_get("created_by")?,
        created_at: from_micros(r.try_get("created_at")?),
        centre_commitment: r.try_get("centre_commitment")?,
        centre_secret: r.try_get("centre_secret")?,
        centre_event_id: r.try_get("centre_event_id")?,
        supervisor_id: r.try_get("supervisor_id")?,
        supervisor_commitment: r.try_get("supervisor_commitment")?,
        supervisor_event_id: r.try_get("supervisor_event_id")?,
        supervisor_committed_at: r
            .try_get::<Option<i64>, _>("supervisor_committed_at")?
            .map(from_micros),
        checkpoint_size: r.try_get("checkpoint_size")?,
        checkpoint_root: r.try_get("checkpoint_root")?,
        checkpoint_note: r.try_get("checkpoint_note")?,
        supervisor_secret: r.try_get("supervisor_secret")?,
        closed_at: r.try_get::<Option<i64>, _>("closed_at")?.map(from_micros),
        closed_reason: r.try_get("closed_reason")?,
        session_id: r.try_get("session_id")?,
    })
}

pub(crate) async fn load<'e, E>(exec: E, id: &str) -> Result<RequestRow>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let r = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM expert_draw_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?
    .ok_or_else(|| Error::not_found("draw request"))?;
    row(&r)
}

fn open_required(r: &RequestRow) -> Result<()> {
    if r.status != "open" {
        return Err(Error::conflict(
            "draw.request_closed",
            format!("the draw request is {}", r.status),
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
        &mut tx,
        &ctx.db,
        now,
        &actor.actor_ref(),
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
#[allow(clippy::too_many_arguments)]
pub(crate) async fn open_in_tx(
    tx: &mut ggzy_store::Tx,
    db: &ggzy_store::Db,
    now: chrono::DateTime<Utc>,
    by: &ggzy_core::events::ActorRef,
    created_by: &str,
    req: &StoredRequest,
    session_id: Option<&str>,
    place: &str,
) -> Result<String> {
    let id = ids::new_id();
    let secret = ids::random_hex(32);
    let centre_commitment = draw::commitment(
        &draw::parse_seed(&secret).ok_or_else(|| Error::internal("centre secret"))?,
    );
    if let Some(active) =
        sqlx::query("SELECT id FROM expert_draws WHERE section_id = $1 AND status = 'active'")
            .bind(&req.section_id)
            .fetch_optional(&mut **tx)
            .await?
    {
        return Err(service::active_draw_exists(
            &active.try_get::<String, _>("id")?,
        ));
    }
    if sqlx::query("SELECT id FROM expert_draw_requests WHERE section_id = $1 AND status = 'open'")
        .bind(&req.section_id)
        .fetch_optional(&mut **tx)
        .await?
        .is_some()
    {
        return Err(open_request_exists());
    }
    let event_id = emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "experts.draw.committed",
            "expert_draw",
            &id,
            json!({
                "draw_id": id, "section_id": req.section_id, "session_id": session_id,
                "centre_commitment": centre_commitment, "scheme": draw::SCHEME_CONTRIBUTED_V1,
            }),
        ),
    )
    .await?;
    sqlx::query(
        "INSERT INTO expert_draw_requests (id, section_id, request, place, created_by, created_at, \
         centre_commitment, centre_secret, centre_event_id, status, session_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10)",
    )
    .bind(&id)
    .bind(&req.section_id)
    .bind(json!(req).to_string())
    .bind(place)
    .bind(created_by)
    .bind(to_micros(now))
    .bind(&centre_commitment)
    .bind(&secret)
    .bind(&event_id)
    .bind(session_id)
    .execute(&mut **tx)
    .await
    .on_unique(&ONE_OPEN_REQUEST, open_request_exists)?;
    Ok(id)
}

/// The open draw requests of a venues session (normally at most one).
pub(crate) async fn open_requests_of_session(
    tx: &mut ggzy_store::Tx,
    session_id: &str,
) -> Result<Vec<RequestRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM expert_draw_requests WHERE session_id = $1 AND status = 'open' ORDER BY id"
    ))
    .bind(session_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(row).collect()
}

/// Venues moved the session before its draw: the open request takes the new time and place (the
/// draw it becomes books the experts for them). `experts.draw.request_rescheduled`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn session_moved(
    tx: &mut ggzy_store::Tx,
    db: &ggzy_store::Db,
    now: chrono::DateTime<Utc>,
    by: &ggzy_core::events::ActorRef,
    session_id: &str,
    start: chrono::DateTime<Utc>,
    end: chrono::DateTime<Utc>,
    place: Option<&str>,
) -> Result<()> {
    for r in open_requests_of_session(tx, session_id).await? {
        let mut req = r.request.clone();
        req.session_start = start;
        req.session_end = end;
        let place = place.unwrap_or(&r.place).to_string();
        sqlx::query(
            "UPDATE expert_draw_requests SET request = $1, place = $2 WHERE id = $3 AND status = 'open'",
        )
        .bind(json!(req).to_string())
        .bind(&place)
        .bind(&r.id)
        .execute(&mut **tx)
        .await?;
        emit(
            tx,
            db,
            by,
            now,
            NewEvent::new(
                "experts.draw.request_rescheduled",
                "expert_draw",
                &r.id,
                json!({ "draw_id": r.id, "section_id": r.section_id, "session_id": session_id,
                        "session_start": start.to_rfc3339(), "session_end": end.to_rfc3339(),
                        "place": place }),
            ),
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
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM expert_draw_requests ORDER BY created_at DESC, id LIMIT 200"
    ))
    .fetch_all(ctx.db.pool())
    .await?;
    rows.iter().map(|r| row(r).map(|r| r.view())).collect()
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SupervisorCommitment {
    /// sha256(s_s), 64 hex digits, of a 32-byte secret only the supervisor knows.
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub commitment: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SupervisorReveal {
    /// The 32-byte secret s_s, 64 hex digits, whose sha256 the supervisor committed.
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub secret: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Abandon {
    /// Why (e.g. the supervisor did not reveal in time); recorded in the event.
    #[schema(min_length = 1, pattern = "\\S")]
    pub reason: String,
}

/// Step 2 (supervisor): commit sha256(s_s), then fix the checkpoint covering the commitment.
#[tracing::instrument(skip_all)]
pub async fn supervisor_commit(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    input: SupervisorCommitment,
) -> Result<DrawContribution> {
    actor.require(&[Role::Supervisor])?;
    let c = parse_hex32("commitment", "draw.commitment_format", &input.commitment)?;
    let commitment = hex::encode(c);
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = load(&mut *tx, id).await?;
    open_required(&r)?;
    if r.created_by == actor.user_id {
        return Err(Error::forbidden(
            "the supervisor who contributes must be another person than the requester",
        ));
    }
    if r.supervisor_commitment.is_some() {
        return Err(Error::conflict(
            "draw.supervisor_already_committed",
            "a supervisor already committed to this draw request",
        ));
    }
    let event_id = emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "experts.draw.supervisor_committed",
            "expert_draw",
            id,
            json!({
                "draw_id": id, "section_id": r.section_id,
                "supervisor_id": actor.user_id, "supervisor_commitment": commitment,
            }),
        ),
    )
    .await?;
    let n = sqlx::query(
        "UPDATE expert_draw_requests SET supervisor_id = $1, supervisor_commitment = $2, \
         supervisor_event_id = $3, supervisor_committed_at = $4 \
         WHERE id = $5 AND status = 'open' AND supervisor_commitment IS NULL",
    )
    .bind(&actor.user_id)
    .bind(&commitment)
    .bind(&event_id)
    .bind(to_micros(now))
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one(
        n,
        "draw.supervisor_already_committed",
        "a supervisor committed to this draw request at the same time",
    )?;
    // Stored with the change: a retry after a lost answer replays this view (waiting for the
    // checkpoint); the answer given now, after the checkpoint is fixed, shows it.
    let stored = load(&mut *tx, id).await?.view();
    ctx.db.commit_answering(tx, 200, &stored, now).await?;
    fix_checkpoint(ctx, id).await?;
    Ok(load(ctx.db.pool(), id).await?.view())
}

/// Seal the log, publish a checkpoint if none covers the supervisor's commitment yet, and fix the
/// first checkpoint that covers it on the request (idempotent; a later one is never chosen).
async fn fix_checkpoint(ctx: &Ctx, id: &str) -> Result<()> {
    let r = load(ctx.db.pool(), id).await?;
    let Some(ev) = r.supervisor_event_id.as_deref() else {
        return Ok(());
    };
    if r.checkpoint_size.is_some() {
        return Ok(());
    }
    outbox::seal_all(&ctx.db).await?;
    let seq: Option<i64> = sqlx::query("SELECT seq FROM events WHERE id = $1")
        .bind(ev)
        .fetch_one(ctx.db.pool())
        .await?
        .try_get("seq")?;
    let seq = seq.ok_or_else(|| Error::internal("the commitment event is not sealed"))?;
    let Some(signer) = ctx.settings.log_signer.as_ref() else {
        // Without a log signing key no checkpoint exists: the draw waits (see `reveal`).
        return Ok(());
    };
    let covering = "SELECT tree_size, root_hash, note FROM log_checkpoints WHERE tree_size >= $1 \
                    ORDER BY tree_size LIMIT 1";
    let mut cp = sqlx::query(covering)
        .bind(seq)
        .fetch_optional(ctx.db.pool())
        .await?;
    if cp.is_none() {
        tlog::publish_checkpoint(&ctx.db, signer, &ctx.settings.log_origin(), ctx.clock.now())
            .await?;
        cp = sqlx::query(covering)
            .bind(seq)
            .fetch_optional(ctx.db.pool())
            .await?;
    }
    let Some(cp) = cp else {
        return Ok(());
    };
    sqlx::query(
        "UPDATE expert_draw_requests SET checkpoint_size = $1, checkpoint_root = $2, checkpoint_note = $3 \
         WHERE id = $4 AND checkpoint_size IS NULL",
    )
    .bind(cp.try_get::<i64, _>("tree_size")?)
    .bind(cp.try_get::<String, _>("root_hash")?)
    .bind(cp.try_get::<String, _>("note")?)
    .bind(id)
    .execute(ctx.db.pool_for_write())
    .await?;
    Ok(())
}

/// Step 3 (the supervisor who committed): reveal s_s; the draw runs in the same transaction.
#[tracing::instrument(skip_all)]
pub async fn supervisor_reveal(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    input: SupervisorReveal,
) -> Result<Draw> {
    actor.require(&[Role::Supervisor])?;
    let s_s = parse_hex32("secret", "draw.secret_format", &input.secret)?;
    fix_checkpoint(ctx, id).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = load(&mut *tx, id).await?;
    open_required(&r)?;
    let (Some(sup), Some(sup_commitment)) = (&r.supervisor_id, &r.supervisor_commitment) else {
        return Err(Error::conflict(
            "draw.supervisor_not_committed",
            "no supervisor has committed to this draw request yet",
        ));
    };
    if sup != &actor.user_id {
        return Err(Error::forbidden(
            "only the supervisor who committed may reveal",
        ));
    }
    if draw::commitment(&s_s) != *sup_commitment {
        return Err(Error::field(
            "secret",
            "draw.supervisor_reveal_mismatch",
            "sha256 of this secret is not the commitment the supervisor made",
        ));
    }
    let (Some(size), Some(root)) = (r.checkpoint_size, &r.checkpoint_root) else {
        return Err(Error::conflict(
            "draw.no_checkpoint",
            "no signed audit checkpoint covers the supervisor's commitment yet (is a log signing key configured?)",
        ));
    };
    let inputs = SeedInputs {
        centre_secret: draw::parse_seed(&r.centre_secret)
            .ok_or_else(|| Error::internal("stored centre secret"))?,
        supervisor_secret: s_s,
        checkpoint_size: size.max(0) as u64,
        checkpoint_root: draw::parse_seed(root)
            .ok_or_else(|| Error::internal("stored checkpoint root"))?,
        section_id: r.section_id.clone(),
        draw_id: r.id.clone(),
    };
    let seed = draw::contributed_seed(&inputs);
    let n = sqlx::query(
        "UPDATE expert_draw_requests SET supervisor_secret = $1, status = 'drawn', closed_at = $2 \
         WHERE id = $3 AND status = 'open'",
    )
    .bind(hex::encode(s_s))
    .bind(to_micros(now))
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one(
        n,
        "draw.request_closed",
        "the draw request was closed meanwhile",
    )?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "experts.draw.supervisor_revealed",
            "expert_draw",
            id,
            json!({
                "draw_id": id, "section_id": r.section_id, "supervisor_secret": hex::encode(s_s),
                "checkpoint_size": size, "checkpoint_root": root,
            }),
        ),
    )
    .await?;
    let fixed = FixedSeed {
        draw_id: r.id.clone(),
        seed,
        commitment: r.centre_commitment.clone(),
        scheme: Some(draw::SCHEME_CONTRIBUTED_V1),
    };
    if let Err(e) = committee::run_draw_seeded(
        &mut tx,
        &ctx.db,
        now,
        &actor.actor_ref(),
        &r.created_by,
        &r.request,
        r.session_id.as_deref(),
        &r.place,
        fixed,
    )
    .await
    {
        tx.rollback().await?;
        return Err(e);
    }
    let answer = service::get_draw_in(&mut tx, actor, id).await?;
    ctx.db.commit_answering(tx, 201, &answer, now).await?;
    Ok(answer)
}

/// Staff close an open request the supervisor never completed (time-out): recorded with the reason;
/// a new request takes a new centre secret and a new supervisor commitment.
#[tracing::instrument(skip_all)]
pub async fn abandon(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    input: Abandon,
) -> Result<DrawContribution> {
    actor.require(STAFF)?;
    let reason = input.reason.trim().to_string();
    if reason.is_empty() {
        return Err(Error::field(
            "reason",
            "required",
            "say why the request is abandoned",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = load(&mut *tx, id).await?;
    open_required(&r)?;
    close_abandoned(&mut tx, &ctx.db, now, &actor.actor_ref(), &r, &reason).await?;
    let view = load(&mut *tx, id).await?.view();
    ctx.db.commit_answering(tx, 200, &view, now).await?;
    Ok(view)
}

/// Mark the open request `r` abandoned with `reason` and record `experts.draw.abandoned`.
async fn close_abandoned(
    tx: &mut ggzy_store::Tx,
    db: &ggzy_store::Db,
    now: chrono::DateTime<Utc>,
    by: &ggzy_core::events::ActorRef,
    r: &RequestRow,
    reason: &str,
) -> Result<()> {
    let id = &r.id;
    let n = sqlx::query(
        "UPDATE expert_draw_requests SET status = 'abandoned', closed_at = $1, closed_reason = $2 \
         WHERE id = $3 AND status = 'open'",
    )
    .bind(to_micros(now))
    .bind(reason)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    expect_one(
        n,
        "draw.request_closed",
        "the draw request was closed meanwhile",
    )?;
    // The centre's secret is published with the abandonment: it can no longer seed anything, and
    // anyone can check it against the commitment made at the request.
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "experts.draw.abandoned",
            "expert_draw",
            id,
            json!({
                "draw_id": id, "section_id": r.section_id, "reason": reason,
                "session_id": r.session_id,
                "centre_commitment": r.centre_commitment, "centre_secret": r.centre_secret,
                "supervisor_id": r.supervisor_id, "supervisor_committed": r.supervisor_commitment.is_some(),
            }),
        ),
    )
    .await?;
    Ok(())
}

/// Every input of a two-step draw and the checks of each (the public verification record).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContributionReport {
    /// `contributed-v1`: the seed layout of `draw::contributed_seed` (docs/experts.md).
    pub scheme: String,
    pub centre_commitment: String,
    pub centre_secret: String,
    pub supervisor_id: Option<String>,
    pub supervisor_commitment: String,
    pub supervisor_secret: String,
    pub checkpoint_size: u64,
    pub checkpoint_root: String,
    /// The signed checkpoint note, as `GET /api/v1/audit/checkpoint` served it.
    pub checkpoint_note: String,
    pub section_id: String,
    pub draw_id: String,
    /// The seed recomputed from the inputs above, hex.
    pub recomputed_seed: String,
    /// Sequence numbers of the two commitment events in the audit log.
    pub centre_commitment_seq: Option<i64>,
    pub supervisor_commitment_seq: Option<i64>,
    #[serde(flatten)]
    pub checks: ContributedVerification,
    /// The note carries this log's valid signature and states the size and root used.
    pub checkpoint_signature_valid: bool,
    /// Both commitment events (as stored now, recomputed leaf) are in the checkpoint's tree and
    /// carry the commitments used here.
    pub commitments_in_checkpoint: bool,
    /// What did not check out.
    pub problems: Vec<String>,
}

/// Check one commitment event against the checkpoint: it carries `commitment` under `key`, and its
/// recomputed leaf is in the tree of `size` leaves with head `root` (inclusion proof).
async fn event_in_checkpoint(
    ctx: &Ctx,
    event_id: &str,
    key: &str,
    commitment: &str,
    size: u64,
    root: &merkle::Hash,
    problems: &mut Vec<String>,
) -> Result<(bool, Option<i64>)> {
    let Some(r) = sqlx::query(
        "SELECT seq, id, event_type, aggregate_type, aggregate_id, actor, actor_org, occurred_at, payload, \
         prev_hash, hash FROM events WHERE id = $1",
    )
    .bind(event_id)
    .fetch_optional(ctx.db.pool())
    .await?
    else {
        problems.push(format!("{key}: the commitment event is missing from the log"));
        return Ok((false, None));
    };
    let seq: Option<i64> = r.try_get(0)?;
    let Some(seq) = seq else {
        problems.push(format!("{key}: the commitment event is not sealed"));
        return Ok((false, None));
    };
    let ev = outbox::event_from_row(&r)?;
    let mut ok = true;
    if ev.payload.get(key).and_then(|v| v.as_str()) != Some(commitment) {
        problems.push(format!(
            "{key}: the logged commitment differs from the one used"
        ));
        ok = false;
    }
    if seq < 1 || seq as u64 > size {
        problems.push(format!(
            "{key}: event {seq} is not covered by the checkpoint of size {size}"
        ));
        return Ok((false, Some(seq)));
    }
    let proof = tlog::inclusion_proof(&ctx.db, seq, Some(size)).await?;
    let hashes: Option<Vec<merkle::Hash>> =
        proof.proof.iter().map(|h| draw::parse_seed(h)).collect();
    let leaf = merkle::leaf_hash(&tlog::event_bytes(&ev));
    let included = hashes
        .map(|h| merkle::verify_inclusion(seq as u64 - 1, size, &leaf, &h, root))
        .unwrap_or(false);
    if !included {
        problems.push(format!(
            "{key}: event {seq} as stored is not in the checkpoint's tree (inclusion proof fails)"
        ));
        ok = false;
    }
    Ok((ok, Some(seq)))
}

/// The verification of a two-step draw (`d` is its draw row).
pub(crate) async fn verify_report(
    ctx: &Ctx,
    d: &service::DrawRow,
    log_verifier: Option<&note::NoteVerifier>,
) -> Result<(ContributionReport, draw::Verification)> {
    let r = load(ctx.db.pool(), &d.id).await?;
    let mut problems = Vec::new();
    let hex32 = |s: Option<&str>, what: &str, problems: &mut Vec<String>| match s
        .and_then(draw::parse_seed)
    {
        Some(v) => v,
        None => {
            problems.push(format!("{what} is missing or not 32 bytes of hex"));
            [0u8; 32]
        }
    };
    let centre_secret = hex32(Some(&r.centre_secret), "centre secret", &mut problems);
    let supervisor_secret = hex32(
        r.supervisor_secret.as_deref(),
        "supervisor secret",
        &mut problems,
    );
    let checkpoint_root = hex32(
        r.checkpoint_root.as_deref(),
        "checkpoint root",
        &mut problems,
    );
    let size = r.checkpoint_size.unwrap_or(0).max(0) as u64;
    let inputs = SeedInputs {
        centre_secret,
        supervisor_secret,
        checkpoint_size: size,
        checkpoint_root,
        section_id: d.section_id.clone(),
        draw_id: d.id.clone(),
    };
    let stored_seed = draw::parse_seed(&d.seed).ok_or_else(|| Error::internal("stored seed"))?;
    let supervisor_commitment = r.supervisor_commitment.clone().unwrap_or_default();
    // The centre's commitment is the one the draw row published; the request row must agree.
    if r.centre_commitment != d.commitment {
        problems.push("the draw's commitment differs from the request's".into());
    }
    let checks = draw::verify_contributed(
        &inputs,
        &d.commitment,
        &supervisor_commitment,
        &stored_seed,
        &d.snapshot,
        &d.snapshot_digest,
        &d.request.specialties,
        &d.result,
    );
    if !checks.centre_commitment_matches {
        problems.push("sha256(centre secret) is not the centre's commitment".into());
    }
    if !checks.supervisor_commitment_matches {
        problems.push("sha256(supervisor secret) is not the supervisor's commitment".into());
    }
    if !checks.seed_matches {
        problems.push("the seed recomputed from the inputs is not the seed the draw used".into());
    }
    if !checks.committee_matches {
        problems.push("the committee re-drawn with the recomputed seed differs".into());
    }
    let note_text = r.checkpoint_note.clone().unwrap_or_default();
    // The key given by the caller (offline check), else the public half of the configured key.
    let verifier = match log_verifier {
        Some(v) => Some(Ok(v.clone())),
        None => ctx
            .settings
            .log_signer
            .as_ref()
            .map(|s| note::NoteVerifier::parse(&s.verifier_key())),
    };
    let checkpoint_signature_valid = match verifier {
        None => {
            problems.push("no log verification key is configured or given".into());
            false
        }
        Some(v) => match v.and_then(|v| note::open_checkpoint(&note_text, &v)) {
            Ok(cp) if cp.size == size && cp.root == checkpoint_root => true,
            Ok(_) => {
                problems.push("the signed checkpoint states another size or root".into());
                false
            }
            Err(e) => {
                problems.push(format!("checkpoint signature: {e}"));
                false
            }
        },
    };
    let (centre_in, centre_seq) = event_in_checkpoint(
        ctx,
        &r.centre_event_id,
        "centre_commitment",
        &d.commitment,
        size,
        &checkpoint_root,
        &mut problems,
    )
    .await?;
    let (sup_in, sup_seq) = match r.supervisor_event_id.as_deref() {
        Some(ev) => {
            event_in_checkpoint(
                ctx,
                ev,
                "supervisor_commitment",
                &supervisor_commitment,
                size,
                &checkpoint_root,
                &mut problems,
            )
            .await?
        }
        None => {
            problems.push("the supervisor's commitment event is missing".into());
            (false, None)
        }
    };
    let commitments_in_checkpoint = centre_in && sup_in;
    let valid = checks.valid
        && checkpoint_signature_valid
        && commitments_in_checkpoint
        && r.centre_commitment == d.commitment;
    let verification = draw::Verification {
        commitment_matches: checks.centre_commitment_matches
            && checks.supervisor_commitment_matches,
        snapshot_digest_matches: checks.snapshot_digest_matches,
        committee_matches: checks.committee_matches,
        valid,
    };
    Ok((
        ContributionReport {
            scheme: draw::SCHEME_CONTRIBUTED_V1.into(),
            centre_commitment: d.commitment.clone(),
            centre_secret: r.centre_secret.clone(),
            supervisor_id: r.supervisor_id.clone(),
            supervisor_commitment,
            supervisor_secret: r.supervisor_secret.clone().unwrap_or_default(),
            checkpoint_size: size,
            checkpoint_root: r.checkpoint_root.clone().unwrap_or_default(),
            checkpoint_note: note_text,
            section_id: d.section_id.clone(),
            draw_id: d.id.clone(),
            recomputed_seed: hex::encode(draw::contributed_seed(&inputs)),
            centre_commitment_seq: centre_seq,
            supervisor_commitment_seq: sup_seq,
            checks,
            checkpoint_signature_valid,
            commitments_in_checkpoint,
            problems,
        },
        verification,
    ))
}
