//! Deposit status projection.

use super::*;
use ggzy_events::deposits::{DepositStatusFixed, DepositValid};
use ggzy_events::Contract;

// Deposit status projection.

/// Keeps `opening_deposits` from the deposits area's events: `deposits.deposit.status_fixed`
/// (authoritative) and `deposits.deposit.valid` (until the status is fixed).
pub struct DepositStatusProjection;

#[async_trait::async_trait]
impl Consumer for DepositStatusProjection {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "projects.opening_deposits",
            &[DepositStatusFixed::NAME, DepositValid::NAME],
        )
    }

    /// Decoded through the contracts: an event that does not decode fails the consumer, which
    /// parks it with an alert after its retries (ggzy-events crate docs) — never skipped.
    async fn handle(&self, tx: &mut Tx, _db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let fixed = ev.event_type == DepositStatusFixed::NAME;
        let (section, org, status, reason) = if fixed {
            let d = DepositStatusFixed::decode(ev)?;
            let status = match d.status.as_str() {
                "valid" => "valid",
                "missing" => "missing",
                "invalid" => "invalid",
                _ => "unknown",
            };
            (d.section_id, d.org_id, status, d.reason)
        } else {
            let d = DepositValid::decode(ev)?;
            (d.section_id, d.org_id, "valid", None)
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
        .bind(reason)
        .bind(if fixed { "status_fixed" } else { "valid" })
        .bind(to_micros(clock.now()))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
