//! Public verification of a two-step draw: every input and the check of each (`ContributionReport`).

use super::*;
use ggzy_events::experts::{DrawCommitted, SupervisorCommitted};

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
    let Some((seq, r)) = store::requests::event_row(&ctx.db, event_id).await? else {
        problems.push(format!(
            "{key}: the commitment event is missing from the log"
        ));
        return Ok((false, None));
    };
    // The row is also the event (`outbox::event_from_row`); its `seq` is read first, typed (NULL
    // while the event is not sealed).
    let Some(seq) = seq else {
        problems.push(format!("{key}: the commitment event is not sealed"));
        return Ok((false, None));
    };
    let ev = outbox::event_from_row(&r)?;
    let mut ok = true;
    // The logged commitment, decoded through the event's contract (ggzy-events); an event that
    // does not decode is reported, never taken as matching.
    let logged = if key == "centre_commitment" {
        DrawCommitted::decode(&ev).map(|c| c.centre_commitment)
    } else {
        SupervisorCommitted::decode(&ev).map(|c| c.supervisor_commitment)
    };
    match logged {
        Ok(logged) if logged == commitment => {}
        Ok(_) => {
            problems.push(format!(
                "{key}: the logged commitment differs from the one used"
            ));
            ok = false;
        }
        Err(e) => {
            problems.push(format!("{key}: the commitment event does not decode ({e})"));
            ok = false;
        }
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
        (&d.commitment, &supervisor_commitment),
        &stored_seed,
        &d.snapshot.0,
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
