//! Listing sections (挂牌/拍卖/网络竞价, procedure `listing`) follow the auctions area's outcome
//! through its events — never its tables:
//! - `auctions.deal.confirmed` (成交确认): the section moves closed → awarded and projects emits
//!   `projects.section.concluded` {outcome: "deal", …}. Not `projects.award.confirmed`: deposits
//!   and publishing settle a deal from the auctions event already (converting the winner's
//!   deposit, refunding the others, the 成交公告); a second award event would refund twice.
//! - `auctions.listing.failed` / `auctions.auction.failed` leave the section closed (a re-listing
//!   may follow), so they are not consumed here.
//!
//! A deal confirmed while the section is still `bidding` (its deadline timer has not fired yet)
//! closes it first, as the deadline timer would. A deal for a section that is not a listing, or
//! already concluded, is skipped with a log line: a published fact is never retried forever.

use crate::bidding::close_section;
use crate::model::{transition, SectionAction, SectionState};
use crate::service::{section_procedure, set_section_state};
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::{Clock, Result};
use ggzy_events::auctions::DealConfirmed;
use ggzy_events::Contract;
use ggzy_store::consumer::Consumer;
use ggzy_store::{emit, Db, Tx};

const NAME: &str = "projects.listing_outcome";

/// Consumer of `auctions.deal.confirmed` for listing sections.
pub struct ListingOutcome;

use crate::store::sections::DealSectionRow;

#[async_trait::async_trait]
impl Consumer for ListingOutcome {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(NAME, &[DealConfirmed::NAME])
    }

    /// Decoded through the contract: a deal that does not decode fails the consumer, which parks
    /// it with an alert after its retries (ggzy-events crate docs) — never skipped.
    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let d = DealConfirmed::decode(ev)?;
        let id = d.section_id.as_str();
        match section_procedure(tx, id).await? {
            None => {
                tracing::warn!(section_id = id, "deal for an unknown section; skipped");
                return Ok(());
            }
            Some(p) if p.has_sealed_bids() => {
                tracing::warn!(
                    section_id = id,
                    procedure = p.as_str(),
                    "deal for a section that is not a listing; section left as it is"
                );
                return Ok(());
            }
            Some(_) => {}
        }
        let deal_id = d.deal_id.as_str();
        if deal_id.is_empty() {
            tracing::warn!(event = %ev.id, section_id = id, "deal without deal_id; skipped");
            return Ok(());
        }
        let now = clock.now();
        let r = crate::store::sections::deal_section_for_update(tx, db, id).await?;
        let DealSectionRow {
            mut state,
            project_id,
            bid_deadline: deadline,
            market,
        } = r;
        if state == SectionState::Bidding {
            // The deal ends registration whatever the timers say (the listing is over).
            close_section(tx, db, now, id, deadline.min(now)).await?;
            state = SectionState::Closed;
        }
        if state != SectionState::Closed {
            tracing::info!(
                section_id = id,
                state = state.as_str(),
                "deal for a section not closed; section left as it is"
            );
            return Ok(());
        }
        let to = transition(state, SectionAction::ConcludeDeal)?;
        set_section_state(tx, id, state, to, now).await?;
        emit(
            tx,
            db,
            &ActorRef::system(NAME),
            now,
            ggzy_events::Contract::encode(&ggzy_events::projects::SectionConcluded {
                section_id: id.to_string(),
                project_id: Some(project_id.to_string()),
                market: Some(market.to_string()),
                outcome: Some("deal".into()),
                deal_id: Some(deal_id.to_string()),
                winner_org_id: Some(d.winner_org_id.to_string()),
                price: Some(d.price),
                via: d.via.clone(),
                confirmed_at: d.confirmed_at,
                concluded_at: Some(now),
                state: Some(to.as_str().to_string()),
            }),
        )
        .await?;
        Ok(())
    }
}
