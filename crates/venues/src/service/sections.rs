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
        sqlx::query(
            "INSERT INTO venue_sections (section_id, name, project_code, opening_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (section_id) DO UPDATE SET name = excluded.name, \
             project_code = excluded.project_code, opening_at = excluded.opening_at, updated_at = excluded.updated_at",
        )
        .bind(&s.section_id)
        .bind(&s.name)
        .bind(s.project_code.as_deref())
        .bind(to_micros(s.opening_at))
        .bind(to_micros(clock.now()))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
