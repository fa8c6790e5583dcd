//! Sections projection.

use super::*;

/// Keeps `venue_sections` from `projects.section.registered` (opening times of sections) and
/// moves opening bookings on `projects.section.deadline_changed` (one consumer, so in order).
pub struct SectionsProjection;

#[async_trait::async_trait]
impl Consumer for SectionsProjection {
    fn name(&self) -> &'static str {
        "venues.sections"
    }

    fn wants(&self, event_type: &str) -> bool {
        event_type == "projects.section.registered"
            || event_type == "projects.section.deadline_changed"
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        if ev.event_type == "projects.section.deadline_changed" {
            return crate::sessions::follow_deadline(tx, db, clock, ev).await;
        }
        let p = &ev.payload;
        let opening = p["opening_at"]
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok());
        let (Some(id), Some(opening)) = (p["section_id"].as_str(), opening) else {
            tracing::warn!(event = %ev.id, "section event without section_id/opening_at; skipped");
            return Ok(());
        };
        sqlx::query(
            "INSERT INTO venue_sections (section_id, name, project_code, opening_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (section_id) DO UPDATE SET name = excluded.name, \
             project_code = excluded.project_code, opening_at = excluded.opening_at, updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(p["name"].as_str().unwrap_or_default())
        .bind(p["project_code"].as_str().map(str::to_string))
        .bind(to_micros(opening.with_timezone(&Utc)))
        .bind(to_micros(clock.now()))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
