//! The archives area's consumer (issue 17, item 3): [`ArchiveTrigger`] sees the event that ends a
//! trade and schedules the archive of its section (docs/archives.md).

use crate::store;
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::{Clock, Result};
use ggzy_events::archives::ArchiveScheduled;
use ggzy_events::projects::{ContractSigned, SectionConcluded, SectionFailed, SectionTerminated};
use ggzy_events::Contract;
use ggzy_store::consumer::Consumer;
use ggzy_store::{emit, Db, Tx};

/// The events that end a trade (the section reaches a final state).
pub const END_EVENTS: [&str; 4] = [
    // Sealed-bid procedures: the contract is recorded (section `contracted`).
    ContractSigned::NAME,
    // Listings and auctions: the deal is confirmed (section `concluded`).
    SectionConcluded::NAME,
    // Too few bids at the deadline (流标).
    SectionFailed::NAME,
    // Terminated by the tenderer (终止).
    SectionTerminated::NAME,
];

pub const TRIGGER: &str = "archives.trigger";

/// Schedules the archive of a section when its trade ends.
pub struct ArchiveTrigger;

#[async_trait::async_trait]
impl Consumer for ArchiveTrigger {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(TRIGGER, &END_EVENTS)
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        // Every end event is decoded through its contract: an undecodable one is parked.
        let (section_id, project_id, market) = match ev.event_type.as_str() {
            ContractSigned::NAME => {
                let e = ContractSigned::decode(ev)?;
                (e.section_id, e.project_id, e.market)
            }
            SectionConcluded::NAME => {
                let e = SectionConcluded::decode(ev)?;
                (e.section_id, e.project_id, e.market)
            }
            SectionFailed::NAME => {
                let e = SectionFailed::decode(ev)?;
                (e.section_id, e.project_id, e.market)
            }
            SectionTerminated::NAME => {
                let e = SectionTerminated::decode(ev)?;
                (e.section_id, e.project_id, e.market)
            }
            _ => return Ok(()),
        };
        let section_id = section_id.as_str();
        let (Some(project_id), Some(market)) = (project_id.as_deref(), market.as_deref()) else {
            tracing::warn!(event = %ev.id, "trade end without project_id or market; not archived");
            return Ok(());
        };
        let now = clock.now();
        let r = store::insert_job(
            tx,
            store::JobInsert {
                section_id,
                project_id,
                market,
                end_event_id: &ev.id,
                end_event_type: &ev.event_type,
                end_seq: ev.seq,
                ended_at: ev.occurred_at,
                due_at: ev.occurred_at,
                created_at: now,
            },
        )
        .await?;
        if r == 1 {
            emit(
                tx,
                db,
                &ActorRef::system(TRIGGER),
                now,
                ArchiveScheduled {
                    section_id: section_id.to_string(),
                    project_id: project_id.to_string(),
                    market: market.to_string(),
                    ended_by: ev.event_type.clone(),
                    end_seq: ev.seq,
                }
                .encode(),
            )
            .await?;
        }
        Ok(())
    }
}
