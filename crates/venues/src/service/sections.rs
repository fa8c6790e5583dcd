//! Sections projection.

use super::*;
use ggzy_events::projects::{SectionDeadlineChanged, SectionRegistered};
use ggzy_events::Contract;

/// Keeps `venue_sections` from `projects.section.registered` (opening times of sections) and
/// moves opening bookings on `projects.section.deadline_changed` (one consumer, so in order).
pub struct SectionsProjection;

#[async_trait::async_trait]
impl Consumer for SectionsProjection {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "venues.sections",
            &[SectionRegistered::NAME, SectionDeadlineChanged::NAME],
        )
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        if ev.event_type == SectionDeadlineChanged::NAME {
            return crate::sessions::follow_deadline(tx, db, clock, ev).await;
        }
        // Decoded through its contract: an undecodable payload is an error, and the consumer
        // machinery parks the event with an alert (never skipped silently).
        let s = SectionRegistered::decode(ev)?;
        use ggzy_store::copies::{OnRepeat, SectionCopy, SectionField as F};
        // The venues area's copy: what a booking and the calendar show.
        const SECTIONS: SectionCopy = SectionCopy {
            table: "venue_sections",
            columns: &[
                ("section_id", F::SectionId),
                ("name", F::Name),
                ("project_code", F::ProjectCode),
                ("opening_at", F::OpeningAt),
                ("updated_at", F::UpdatedAt),
            ],
            on_repeat: OnRepeat::Update,
            blank_is_null: false,
        };
        SECTIONS.upsert(tx, &s, clock.now()).await
    }
}
