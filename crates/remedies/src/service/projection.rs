//! Projection of sections and parties (`rem_sections`, `rem_parties`) from the projects area's events.

use super::*;

/// Keeps `rem_sections` and `rem_parties` from the projects area's events.
pub struct Projection;

#[async_trait::async_trait]
impl Consumer for Projection {
    fn name(&self) -> &'static str {
        CONSUMER
    }

    fn wants(&self, t: &str) -> bool {
        matches!(
            t,
            "projects.section.registered"
                | "projects.section.bidding_opened"
                | "projects.section.deadline_changed"
                | "projects.section.closed"
                | "projects.section.opened"
                | "projects.opening.recorded"
                | "projects.candidates.publicized"
                | "projects.due_date.rederived"
                | "projects.award.confirmed"
                | "projects.section.concluded"
                | "projects.section.failed"
                | "projects.section.terminated"
                | "projects.section.returned_to_evaluation"
                | "projects.registration.created"
                | "projects.prequalification.opened"
                | "projects.prequalification.applied"
                | "projects.prequalification.reviewed"
                | "projects.prequalification.deadline_changed"
        )
    }

    async fn handle(&self, tx: &mut Tx, _db: &Db, _clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let sid = s(p, "section_id");
        if sid.is_empty() {
            return Ok(());
        }
        let stage = match ev.event_type.as_str() {
            "projects.section.registered" => {
                let (Some(deadline), Some(opening)) =
                    (instant(p, "bid_deadline"), instant(p, "opening_at"))
                else {
                    tracing::warn!(section_id = sid, "section registered without times");
                    return Ok(());
                };
                sqlx::query(
                    "INSERT INTO rem_sections (section_id, project_id, project_code, market, \
                     owner_org_id, stage, bid_deadline, opening_at, procedure, docs_issue_at) \
                     VALUES ($1, $2, $3, $4, $5, 'registered', $6, $7, $8, $9) \
                     ON CONFLICT (section_id) DO NOTHING",
                )
                .bind(sid)
                .bind(s(p, "project_id"))
                .bind(s(p, "project_code"))
                .bind(s(p, "market"))
                .bind(s(p, "owner_org_id"))
                .bind(to_micros(deadline))
                .bind(to_micros(opening))
                .bind(s(p, "procedure"))
                .bind(instant(p, "docs_issue_at").map(to_micros))
                .execute(&mut **tx)
                .await?;
                return Ok(());
            }
            // The open prequalification round's applications deadline (实施条例 22 counts the
            // objection period back from it); none once the round is reviewed.
            "projects.prequalification.opened" | "projects.prequalification.deadline_changed" => {
                if let Some(due_at) = instant(p, "applications_due_at") {
                    sqlx::query("UPDATE rem_sections SET prequal_due = $1 WHERE section_id = $2")
                        .bind(to_micros(due_at))
                        .bind(sid)
                        .execute(&mut **tx)
                        .await?;
                }
                return Ok(());
            }
            "projects.prequalification.reviewed" => {
                sqlx::query("UPDATE rem_sections SET prequal_due = NULL WHERE section_id = $1")
                    .bind(sid)
                    .execute(&mut **tx)
                    .await?;
                return Ok(());
            }
            // An applicant is a party of the section: it sees the section's cases.
            "projects.prequalification.applied" => {
                sqlx::query(
                    "INSERT INTO rem_parties (section_id, org_id, registered_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (section_id, org_id) DO NOTHING",
                )
                .bind(sid)
                .bind(s(p, "org_id"))
                .bind(to_micros(ev.occurred_at))
                .execute(&mut **tx)
                .await?;
                return Ok(());
            }
            "projects.registration.created" => {
                sqlx::query(
                    "INSERT INTO rem_parties (section_id, org_id, registered_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (section_id, org_id) DO NOTHING",
                )
                .bind(sid)
                .bind(s(p, "org_id"))
                .bind(to_micros(ev.occurred_at))
                .execute(&mut **tx)
                .await?;
                return Ok(());
            }
            "projects.section.deadline_changed" => {
                if let (Some(d), Some(o)) =
                    (instant(p, "new_deadline"), instant(p, "new_opening_at"))
                {
                    sqlx::query(
                        "UPDATE rem_sections SET bid_deadline = $1, opening_at = $2 WHERE section_id = $3",
                    )
                    .bind(to_micros(d))
                    .bind(to_micros(o))
                    .bind(sid)
                    .execute(&mut **tx)
                    .await?;
                }
                return Ok(());
            }
            // The candidate publicity's end re-derived when a holiday schedule was imported.
            "projects.due_date.rederived" => {
                if s(p, "what") == "publicity_end" {
                    if let Some(end) = instant(p, "due_at") {
                        sqlx::query(
                            "UPDATE rem_sections SET publicity_ends = $1 WHERE section_id = $2",
                        )
                        .bind(to_micros(end))
                        .bind(sid)
                        .execute(&mut **tx)
                        .await?;
                    }
                }
                return Ok(());
            }
            "projects.section.bidding_opened" => "bidding",
            "projects.section.closed" => "closed",
            "projects.section.opened" => "opening",
            "projects.opening.recorded" | "projects.section.returned_to_evaluation" => "evaluating",
            "projects.candidates.publicized" => {
                // The candidate publicity's end (实施条例 54: result objections are raised
                // during it).
                sqlx::query(
                    "UPDATE rem_sections SET stage = 'publicizing', publicity_ends = $1 WHERE section_id = $2",
                )
                .bind(instant(p, "publicity_ends_at").map(to_micros))
                .bind(sid)
                .execute(&mut **tx)
                .await?;
                return Ok(());
            }
            "projects.award.confirmed" | "projects.section.concluded" => "awarded",
            "projects.section.failed" => "failed",
            _ => "terminated",
        };
        sqlx::query("UPDATE rem_sections SET stage = $1 WHERE section_id = $2")
            .bind(stage)
            .bind(sid)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

pub(super) struct Sec {
    pub(super) market: String,
    pub(super) project_code: String,
    pub(super) owner_org_id: String,
    pub(super) stage: String,
    pub(super) bid_deadline: Timestamp,
    pub(super) procedure: String,
    pub(super) docs_issue_at: Option<Timestamp>,
    pub(super) prequal_due: Option<Timestamp>,
    /// The end of the candidate publicity (中标候选人公示), once the result is publicized.
    pub(super) publicity_ends: Option<Timestamp>,
}

pub(super) async fn load_section(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Sec> {
    let r = sqlx::query(
        "SELECT market, project_code, owner_org_id, stage, bid_deadline, procedure, docs_issue_at, \
         prequal_due, publicity_ends FROM rem_sections WHERE section_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found(format!("section {id}")))?;
    Ok(Sec {
        market: r.try_get(0)?,
        project_code: r.try_get(1)?,
        owner_org_id: r.try_get(2)?,
        stage: r.try_get(3)?,
        bid_deadline: from_micros(r.try_get(4)?),
        procedure: r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
        docs_issue_at: ts(&r, 6)?,
        prequal_due: ts(&r, 7)?,
        publicity_ends: ts(&r, 8)?,
    })
}

pub(super) async fn party_since(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<Timestamp>> {
    Ok(
        sqlx::query("SELECT registered_at FROM rem_parties WHERE section_id = $1 AND org_id = $2")
            .bind(section_id)
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get::<i64, _>(0))
            .transpose()?
            .map(from_micros),
    )
}
