//! Deposit status projection.

use super::*;

// Deposit status projection.

/// Keeps `opening_deposits` from the deposits area's events: `deposits.deposit.status_fixed`
/// (authoritative) and `deposits.deposit.valid` (until the status is fixed).
pub struct DepositStatusProjection;

#[async_trait::async_trait]
impl Consumer for DepositStatusProjection {
    fn name(&self) -> &'static str {
        "projects.opening_deposits"
    }

    fn wants(&self, event_type: &str) -> bool {
        matches!(
            event_type,
            "deposits.deposit.status_fixed" | "deposits.deposit.valid"
        )
    }

    async fn handle(&self, tx: &mut Tx, _db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let (Some(section), Some(org)) = (p["section_id"].as_str(), p["org_id"].as_str()) else {
            tracing::warn!(event = %ev.id, "deposit event without section_id/org_id; skipped");
            return Ok(());
        };
        let fixed = ev.event_type == "deposits.deposit.status_fixed";
        let status = if fixed {
            p["status"]
                .as_str()
                .filter(|s| matches!(*s, "valid" | "missing" | "invalid"))
                .unwrap_or("unknown")
        } else {
            "valid"
        };
        sqlx::query(
            "INSERT INTO opening_deposits (section_id, org_id, status, reason, source, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (section_id, org_id) DO UPDATE SET \
             status = excluded.status, reason = excluded.reason, source = excluded.source, \
             updated_at = excluded.updated_at \
             WHERE excluded.source = 'status_fixed' OR opening_deposits.source <> 'status_fixed'",
        )
        .bind(section)
        .bind(org)
        .bind(status)
        .bind(p["reason"].as_str())
        .bind(if fixed { "status_fixed" } else { "valid" })
        .bind(to_micros(clock.now()))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
