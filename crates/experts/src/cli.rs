//! `ggzy draw verify <draw-id>`: recompute a revealed draw from the database.

use ggzy_store::Ctx;

#[derive(clap::Subcommand, Debug)]
pub enum DrawCmd {
    /// Recompute a revealed draw from its seed and snapshot (exit code 1 if it does not match).
    Verify {
        /// The draw id.
        draw_id: String,
    },
}

pub async fn run(ctx: &Ctx, cmd: DrawCmd) -> anyhow::Result<i32> {
    match cmd {
        DrawCmd::Verify { draw_id } => {
            let r = crate::service::verify_stored(ctx, &draw_id).await?;
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
            Ok(if v.valid { 0 } else { 1 })
        }
    }
}
