//! The supervisor's side of a two-step draw: the commitment, the fixed audit checkpoint, the reveal
//! that runs the draw, and abandoning a request.

use super::*;
use ggzy_events::experts::{DrawAbandoned, SupervisorCommitted, SupervisorRevealed};
use ggzy_store::uow::Uow;

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
        SupervisorCommitted {
            draw_id: id.to_string(),
            section_id: r.section_id.clone(),
            supervisor_id: Some(actor.user_id.clone()),
            supervisor_commitment: commitment.clone(),
        }
        .encode(),
    )
    .await?;
    let n = store::requests::set_supervisor_commitment(
        &mut tx,
        id,
        &actor.user_id,
        &commitment,
        &event_id,
        now,
    )
    .await?;
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
    let seq = store::requests::event_seq(&ctx.db, ev).await?;
    let seq = seq.ok_or_else(|| Error::internal("the commitment event is not sealed"))?;
    let Some(signer) = ctx.settings.log_signer.as_ref() else {
        // Without a log signing key no checkpoint exists: the draw waits (see `reveal`).
        return Ok(());
    };
    let mut cp = store::requests::covering_checkpoint(&ctx.db, seq).await?;
    if cp.is_none() {
        tlog::publish_checkpoint(&ctx.db, signer, &ctx.settings.log_origin(), ctx.clock.now())
            .await?;
        cp = store::requests::covering_checkpoint(&ctx.db, seq).await?;
    }
    let Some(cp) = cp else {
        return Ok(());
    };
    store::requests::fix_checkpoint(&ctx.db, id, cp).await
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
    let n = store::requests::mark_drawn(&mut tx, id, &hex::encode(s_s), now).await?;
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
        SupervisorRevealed {
            draw_id: id.to_string(),
            section_id: r.section_id.clone(),
            supervisor_secret: hex::encode(s_s),
            checkpoint_size: size,
            checkpoint_root: root.clone(),
        }
        .encode(),
    )
    .await?;
    let fixed = FixedSeed {
        draw_id: r.id.clone(),
        seed,
        commitment: r.centre_commitment.clone(),
        scheme: Some(draw::SCHEME_CONTRIBUTED_V1),
    };
    if let Err(e) = committee::run_draw_seeded(
        &mut Uow::within(&mut tx, &ctx.db, actor.actor_ref(), now),
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
pub(super) async fn close_abandoned(
    tx: &mut ggzy_store::Tx,
    db: &ggzy_store::Db,
    now: chrono::DateTime<Utc>,
    by: &ggzy_core::events::ActorRef,
    r: &RequestRow,
    reason: &str,
) -> Result<()> {
    let id = &r.id;
    let n = store::requests::mark_abandoned(tx, id, reason, now).await?;
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
        DrawAbandoned {
            draw_id: id.clone(),
            section_id: r.section_id.clone(),
            reason: reason.to_string(),
            session_id: r.session_id.clone(),
            centre_commitment: r.centre_commitment.clone(),
            centre_secret: r.centre_secret.clone(),
            supervisor_id: r.supervisor_id.clone(),
            supervisor_committed: r.supervisor_commitment.is_some(),
        }
        .encode(),
    )
    .await?;
    Ok(())
}
