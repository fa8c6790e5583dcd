//! A failed capital increase (未征集到意向投资方): the disclosure ended without a qualified
//! investor and the enterprise (or the centre for it) records that the capital increase ends.
//!
//! Chosen: recorded by a person, not automatically at the disclosure end. At the end without an
//! investor the enterprise decides — end it (终结) or disclose again (the exchanges' rules and each
//! disclosure's "增资达成或终结的条件"; no article of 32号令 found, to verify); a re-disclosure is a
//! new capital increase of a new section here. The failure emits `auctions.capital_increase.failed`
//! and, for the consumers of a failed listing, `auctions.listing.failed` (reason `no_investor`):
//! deposits refund every deposit paid, publishing drafts the failure notice, and projects leaves
//! the section closed, as after a failed listing.

use super::*;
use ggzy_events::auctions::{CapitalIncreaseFailed, CapitalIncreaseListingFailed};

/// The failure's reason (the enterprise's or the centre's words).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FailureInput {
    /// e.g. `信息披露期满未征集到意向投资方`; 1–2000 characters.
    pub reason: String,
}

/// The outcome of a capital increase that ended without an investor.
pub const NO_INVESTOR: &str = "no_investor";

/// Record the failure (staff, admin, or the enterprise itself — 404 for another enterprise):
/// after the disclosure end, with no qualified investor, during the disclosure phase
/// ([`check_failure`]).
pub async fn record_failure(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    input: FailureInput,
) -> Result<CapitalIncreaseView> {
    let r = CapitalIncreaseRules::national();
    let (mut tx, ci, now) = managed(
        ctx,
        actor,
        id,
        NeedsPhase {
            phase: CapitalPhase::Disclosure,
            rule: "capital.closed",
            refusal: |phase| {
                format!("the capital increase is {phase}: its failure is recorded during the disclosure phase")
            },
        },
    )
    .await?;
    let qualified = crate::store::sections::numbered_count(&mut tx, &ci.section_id).await?;
    let reason = check_failure(
        ci.phase,
        now,
        ci.disclosure_end,
        usize::try_from(qualified).unwrap_or(usize::MAX),
        &input.reason,
    )?;
    let done =
        crate::store::capital::mark_failed(&mut tx, id, &reason, &actor.user_id, now).await?;
    if !done {
        return Err(Error::conflict(
            "capital.closed",
            "the capital increase is no longer in its disclosure phase",
        ));
    }
    let registered = crate::store::sections::all_bidders(&mut tx, &ci.section_id).await?;
    ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        CapitalIncreaseFailed {
            capital_increase_id: id.to_string(),
            section_id: ci.section_id.clone(),
            project_id: ci.project_id.clone(),
            market: "property".into(),
            outcome: NO_INVESTOR.into(),
            reason,
            failed_at: now,
            registered_org_ids: registered.clone(),
            source: r.failure_source.to_string(),
        }
        .encode(),
    )
    .await?;
    ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        CapitalIncreaseListingFailed {
            auction_id: id.to_string(),
            capital_increase_id: id.to_string(),
            section_id: ci.section_id.clone(),
            project_id: ci.project_id.clone(),
            market: "property".into(),
            reason: NO_INVESTOR.into(),
            failed_at: now,
            highest_price: None,
            bidder_org_ids: registered,
        }
        .encode(),
    )
    .await?;
    let answer = view_of(&mut tx, id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}
