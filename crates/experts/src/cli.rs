//! `ggzy draw verify <draw-id>`: recompute a revealed draw from the database.

use ggzy_store::Ctx;

#[derive(clap::Subcommand, Debug)]
pub enum DrawCmd {
    /// Recompute a revealed draw from its seed and snapshot (exit code 1 if it does not match).
    Verify {
        /// The draw id.
        draw_id: String,
        /// The audit log's verifier key (`GET /api/v1/audit/log-key`), to check the signed
        /// checkpoint of a two-step draw; without it no checkpoint signature can be checked here.
        #[arg(long)]
        log_verifier: Option<String>,
    },
}

pub async fn run(ctx: &Ctx, cmd: DrawCmd) -> anyhow::Result<i32> {
    match cmd {
        DrawCmd::Verify {
            draw_id,
            log_verifier,
        } => {
            let verifier = log_verifier
                .as_deref()
                .map(ggzy_store::note::NoteVerifier::parse)
                .transpose()
                .map_err(|e| anyhow::anyhow!("--log-verifier: {e}"))?;
            let r = crate::service::verify_stored_with(ctx, &draw_id, verifier.as_ref()).await?;
            let v = &r.verification;
            println!(
                "draw {}: commitment {} ({}), snapshot {} ({}), committee {}",
                r.draw_id,
                r.commitment,
                if v.commitment_matches {
                    "matches seed"
                } else {
                    "DOES NOT match seed"
                },
                r.snapshot_digest,
                if v.snapshot_digest_matches {
                    "matches"
                } else {
                    "CHANGED"
                },
                if v.committee_matches {
                    "reproduced"
                } else {
                    "NOT reproduced"
                },
            );
            if let Some(c) = &r.contribution {
                println!(
                    "two-step draw ({}): centre commitment {}, supervisor commitment {}, seed {}, \
                     checkpoint {} signature {}, commitments {} the checkpoint",
                    c.scheme,
                    ok(c.checks.centre_commitment_matches),
                    ok(c.checks.supervisor_commitment_matches),
                    if c.checks.seed_matches {
                        "recomputed"
                    } else {
                        "NOT recomputed"
                    },
                    c.checkpoint_size,
                    ok(c.checkpoint_signature_valid),
                    if c.commitments_in_checkpoint {
                        "in"
                    } else {
                        "NOT in"
                    },
                );
                for p in &c.problems {
                    println!("  problem: {p}");
                }
            }
            if let Some(n) = &r.scheme_note {
                println!("note: {n}");
            }
            Ok(if v.valid { 0 } else { 1 })
        }
    }
}

fn ok(b: bool) -> &'static str {
    if b {
        "valid"
    } else {
        "NOT valid"
    }
}
