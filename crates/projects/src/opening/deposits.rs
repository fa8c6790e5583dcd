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
        store::opening::upsert_deposit(
            tx,
            &section,
            &org,
            status,
            reason.as_deref(),
            if fixed { "status_fixed" } else { "valid" },
            clock.now(),
        )
        .await
    }
}
