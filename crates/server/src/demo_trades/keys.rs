//! The demo worker: seeded bidders submit their keys during each decryption window.

use super::*;
use ggzy_store::ExecuteWrite;

/// Keep a seeded sealed bid's key for the demo worker (the demo's own table).
pub(super) async fn keep_key(
    ctx: &Ctx,
    section_id: &str,
    actor: &Value,
    key: &[u8],
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO demo_sealed_bids (section_id, user_id, username, display_name, org_id, key_b64, status, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) \
         ON CONFLICT (section_id, org_id) DO UPDATE SET key_b64 = excluded.key_b64, status = 'pending'",
    )
    .bind(section_id)
    .bind(actor["user_id"].as_str().unwrap_or_default())
    .bind(actor["username"].as_str().unwrap_or_default())
    .bind(actor["display_name"].as_str().unwrap_or_default())
    .bind(actor["org_id"].as_str().unwrap_or_default())
    .bind(base64::engine::general_purpose::STANDARD.encode(key))
    .bind(to_micros(ctx.clock.now()))
    .execute_write(&ctx.db)
    .await?;
    Ok(())
}

/// Submit every kept key whose opening is on (`submit_key`, the bidder's own use case), once.
pub async fn submit_due_keys(ctx: &Ctx) -> anyhow::Result<usize> {
    #[derive(sqlx::FromRow)]
    struct KeyRow {
        section_id: String,
        user_id: String,
        username: String,
        display_name: String,
        org_id: String,
        key_b64: String,
    }
    let rows: Vec<KeyRow> = sqlx::query_as(
        "SELECT section_id, user_id, username, display_name, org_id, key_b64 FROM demo_sealed_bids \
         WHERE status = 'pending' ORDER BY section_id, org_id",
    )
    .fetch_all(ctx.db.pool())
    .await?;
    // Every key of the moment at once: a bidder gives its key in parallel with the others, and a
    // slow decryption (an SM4 package in a debug build) must not make the next one miss the window
    // (30 simulated minutes are about a second of real time at ×1440).
    let mut jobs = Vec::new();
    for r in rows {
        let section: String = r.section_id;
        let org: String = r.org_id;
        let actor = Actor {
            user_id: r.user_id,
            username: r.username,
            display_name: r.display_name,
            role: Role::Bidder,
            org_id: Some(org.clone()),
        };
        let key: String = r.key_b64;
        jobs.push(async move {
            let out = ggzy_projects::opening::submit_key(
                ctx,
                &actor,
                &section,
                ggzy_projects::opening::KeySubmission { key },
            )
            .await;
            (section, org, out)
        });
    }
    let mut done = 0;
    for (section, org, out) in futures::future::join_all(jobs).await {
        let status = match out {
            Ok(_) => "submitted".to_string(),
            // The key is in already (an earlier attempt whose answer this worker did not see, or
            // another instance's worker): the bid is open, which is what submitting meant.
            Err(ggzy_core::Error::Conflict { rule, .. }) if rule == "opening.already_decrypted" => {
                "submitted".to_string()
            }
            // Not yet: the opening has not started.
            Err(ggzy_core::Error::Conflict { rule, .. }) if rule == "opening.not_open" => continue,
            // Over: the window closed.
            // The reason stays with the row (`given_up: …`), for whoever wonders why a seeded
            // opening did not complete.
            Err(ggzy_core::Error::Conflict { rule, detail }) if rule == "opening.window_closed" => {
                tracing::info!(section = %section, org = %org, reason = %detail, "demo key not submitted");
                format!("given_up: {detail} (at {})", ctx.clock.now())
            }
            Err(ggzy_core::Error::NotFound(detail)) => {
                tracing::info!(section = %section, org = %org, reason = %detail, "demo key not submitted");
                format!("given_up: {detail}")
            }
            Err(e) => {
                tracing::warn!(section = %section, org = %org, error = %e, "demo key submission failed; retrying");
                continue;
            }
        };
        sqlx::query(
            "UPDATE demo_sealed_bids SET status = $1, updated_at = $2 WHERE section_id = $3 AND org_id = $4",
        )
        .bind(status)
        .bind(to_micros(ctx.clock.now()))
        .bind(&section)
        .bind(&org)
        .execute_write(&ctx.db)
        .await?;
        done += 1;
    }
    Ok(done)
}

/// The demo worker loop: look for openings every `poll` (real time).
pub async fn run_key_worker(ctx: Ctx, poll: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = submit_due_keys(&ctx).await {
            tracing::warn!(error = %e, "demo key worker");
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = shutdown.changed() => return,
        }
    }
}
