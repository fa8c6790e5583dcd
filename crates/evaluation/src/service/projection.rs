//! Projection of projects / experts events.

use super::*;

/// Keeps `eval_sections` and `eval_members` from `projects.section.registered`,
/// `projects.bid.submitted`, `projects.opening.recorded`, `experts.draw.completed`,
/// `experts.member.replaced` and `experts.expert.updated`, and `eval_bid_documents` from
/// `projects.bid.decrypted` ([`crate::documents`]).
pub struct Projection;

fn money_fen(v: &Value) -> i64 {
    v.as_str()
        .and_then(|s| Money::parse_str(s).ok())
        .map(|m| m.fen())
        .unwrap_or(0)
}

#[async_trait::async_trait]
impl Consumer for Projection {
    fn name(&self) -> &'static str {
        "evaluation.projection"
    }

    fn wants(&self, t: &str) -> bool {
        matches!(
            t,
            "projects.section.registered"
                | "projects.bid.submitted"
                | "projects.opening.recorded"
                | "experts.draw.completed"
                | "experts.member.replaced"
                | "experts.expert.updated"
                | "venues.session.scheduled"
                | "venues.session.moved"
                | "venues.session.cancelled"
                | "venues.room.networks_changed"
                | "projects.bid.decrypted"
                | "projects.section.bidding_opened"
                | "projects.section.deadline_changed"
                | "publishing.announcement.published"
                | "projects.qualification.reviewed"
                | "projects.section.returned_to_evaluation"
        )
    }

    async fn handle(&self, tx: &mut Tx, _db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let now = to_micros(clock.now());
        let sid = p["section_id"].as_str().unwrap_or_default();
        match ev.event_type.as_str() {
            "projects.section.registered" => {
                sqlx::query(
                    "INSERT INTO eval_sections (section_id, project_id, market, owner_org_id, estimate_fen, \
                     bid_count, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT (section_id) DO NOTHING",
                )
                .bind(sid)
                .bind(p["project_id"].as_str().unwrap_or_default())
                .bind(p["market"].as_str().unwrap_or_default())
                .bind(p["owner_org_id"].as_str().unwrap_or_default())
                .bind(money_fen(&p["estimated_price"]))
                .bind(now)
                .execute(&mut **tx)
                .await?;
                sqlx::query("UPDATE eval_sections SET subject = $1 WHERE section_id = $2")
                    .bind(p["subject"].as_str())
                    .bind(sid)
                    .execute(&mut **tx)
                    .await?;
            }
            "projects.section.bidding_opened" => {
                // The tender documents are issued: from now the method is fixed (评标规定 第十七条).
                sqlx::query(
                    "UPDATE eval_sections SET issued_at = COALESCE(issued_at, $1), bid_deadline = $2, \
                     updated_at = $1 WHERE section_id = $3",
                )
                .bind(to_micros(ev.occurred_at))
                .bind(instant(&p["bid_deadline"]))
                .bind(sid)
                .execute(&mut **tx)
                .await?;
            }
            "projects.section.deadline_changed" => {
                sqlx::query(
                    "UPDATE eval_sections SET bid_deadline = $1, updated_at = $2 WHERE section_id = $3",
                )
                .bind(instant(&p["new_deadline"]))
                .bind(now)
                .bind(sid)
                .execute(&mut **tx)
                .await?;
            }
            "publishing.announcement.published" if p["type"] == "change" => {
                let published = p["published_at"]
                    .as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                    .map(|d| to_micros(d.to_utc()))
                    .unwrap_or_else(|| to_micros(ev.occurred_at));
                let id = p["announcement_id"].as_str().unwrap_or_default();
                for s in p["section_ids"].as_array().into_iter().flatten() {
                    let Some(s) = s.as_str() else { continue };
                    sqlx::query(
                        "INSERT INTO eval_change_notices (section_id, announcement_id, published_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (section_id, announcement_id) DO NOTHING",
                    )
                    .bind(s)
                    .bind(id)
                    .bind(published)
                    .execute(&mut **tx)
                    .await?;
                }
                // A notice that postponed the deadline carries the new one (projects follows).
                for x in p["postpone"].as_array().into_iter().flatten() {
                    sqlx::query(
                        "UPDATE eval_sections SET bid_deadline = $1, updated_at = $2 WHERE section_id = $3",
                    )
                    .bind(instant(&x["new_deadline"]))
                    .bind(now)
                    .bind(x["section_id"].as_str().unwrap_or_default())
                    .execute(&mut **tx)
                    .await?;
                }
            }
            "projects.bid.submitted" => {
                sqlx::query(
                    "UPDATE eval_sections SET bid_count = bid_count + 1, updated_at = $1 WHERE section_id = $2",
                )
                .bind(now)
                .bind(sid)
                .execute(&mut **tx)
                .await?;
            }
            "projects.bid.decrypted" => {
                crate::documents::project(tx, ev, now).await?;
                crate::sme::project(tx, ev, now).await?;
            }
            "projects.qualification.reviewed" => {
                crate::qualification::project(tx, ev, now).await?;
            }
            "projects.section.returned_to_evaluation" => {
                crate::voided::reopen(tx, ev, now).await?;
            }
            "projects.opening.recorded" => {
                sqlx::query(
                    "UPDATE eval_sections SET entries = $1, updated_at = $2 WHERE section_id = $3",
                )
                .bind(p["entries"].to_string())
                .bind(now)
                .bind(sid)
                .execute(&mut **tx)
                .await?;
            }
            "experts.draw.completed" => {
                // A new draw for the section (a re-draw) is the committee: members not in it leave,
                // members drawn again keep what they had done.
                sqlx::query("UPDATE eval_members SET active = 0 WHERE section_id = $1")
                    .bind(sid)
                    .execute(&mut **tx)
                    .await?;
                for e in p["experts"].as_array().into_iter().flatten() {
                    add_member(tx, sid, e, now, None).await?;
                }
            }
            "experts.member.replaced" => {
                let carry = match p["replaced"]["expert_id"].as_str() {
                    Some(out) => Some(leave_seat(tx, sid, out, &p["replacement"], p, now).await?),
                    None => None,
                };
                add_member(tx, sid, &p["replacement"], now, carry).await?;
            }
            "experts.expert.updated" => {
                if let (Some(expert), Some(user)) = (p["expert_id"].as_str(), p["user_id"].as_str())
                {
                    sqlx::query("UPDATE eval_members SET user_id = $1 WHERE expert_id = $2")
                        .bind(user)
                        .bind(expert)
                        .execute(&mut **tx)
                        .await?;
                }
            }
            "venues.session.scheduled" if p["kind"] == "evaluation" => {
                sqlx::query(
                    "UPDATE eval_sections SET session_id = $1, session_start = $2, session_end = $3, \
                     session_room_id = $4, room_networks = $5, updated_at = $6 WHERE section_id = $7",
                )
                .bind(p["session_id"].as_str())
                .bind(instant(&p["start"]))
                .bind(instant(&p["end"]))
                .bind(p["room_id"].as_str())
                .bind(networks_json(&p["room_networks"]))
                .bind(now)
                .bind(sid)
                .execute(&mut **tx)
                .await?;
            }
            "venues.session.moved" => {
                // The session may move to another room: its networks come with the event.
                sqlx::query(
                    "UPDATE eval_sections SET session_start = $1, session_end = $2, \
                     session_room_id = COALESCE($3, session_room_id), \
                     room_networks = COALESCE($4, room_networks), updated_at = $5 WHERE session_id = $6",
                )
                .bind(instant(&p["start"]))
                .bind(instant(&p["end"]))
                .bind(p["room_id"].as_str())
                .bind(networks_json(&p["room_networks"]))
                .bind(now)
                .bind(p["session_id"].as_str().unwrap_or_default())
                .execute(&mut **tx)
                .await?;
            }
            "venues.room.networks_changed" => {
                sqlx::query(
                    "UPDATE eval_sections SET room_networks = $1, updated_at = $2 WHERE session_room_id = $3",
                )
                .bind(networks_json(&p["networks"]))
                .bind(now)
                .bind(p["room_id"].as_str().unwrap_or_default())
                .execute(&mut **tx)
                .await?;
            }
            "venues.session.cancelled" => {
                sqlx::query(
                    "UPDATE eval_sections SET session_id = NULL, session_start = NULL, session_end = NULL, \
                     session_room_id = NULL, room_networks = NULL, updated_at = $1 WHERE session_id = $2",
                )
                .bind(now)
                .bind(p["session_id"].as_str().unwrap_or_default())
                .execute(&mut **tx)
                .await?;
            }
            _ => {}
        }
        Ok(())
    }
}

fn instant(v: &Value) -> Option<i64> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| to_micros(d.to_utc()))
}

/// A room's network list from an event (JSON array of CIDR strings), stored as JSON text; `None`
/// when the event carries none.
fn networks_json(v: &Value) -> Option<String> {
    v.as_array().map(|a| Value::Array(a.clone()).to_string())
}

/// What a replacement inherits from the seat he takes: the member replaced and the experts whose
/// submitted review / scores stand for the seat.
struct Carry {
    replaces: String,
    review_of: Option<String>,
    scores_of: Option<String>,
}

/// The member `out` leaves the committee for `replacement` (with the replacement's reason); the
/// stages he had submitted — or had himself inherited — pass to the seat's next holder.
async fn leave_seat(
    tx: &mut Tx,
    section_id: &str,
    out: &str,
    replacement: &Value,
    p: &Value,
    now: i64,
) -> Result<Carry> {
    let row = sqlx::query(
        "SELECT reviewed_at, scored_at, review_of, scores_of FROM eval_members \
         WHERE section_id = $1 AND expert_id = $2",
    )
    .bind(section_id)
    .bind(out)
    .fetch_optional(&mut **tx)
    .await?;
    let mut carry = Carry {
        replaces: out.to_string(),
        review_of: None,
        scores_of: None,
    };
    if let Some(r) = row {
        let own = |at: Option<i64>, inherited: Option<String>| match at {
            Some(_) => Some(out.to_string()),
            None => inherited,
        };
        carry.review_of = own(r.try_get(0)?, r.try_get(2)?);
        carry.scores_of = own(r.try_get(1)?, r.try_get(3)?);
    }
    let reason = p["reason"]
        .as_str()
        .or_else(|| p["replaced"]["reason"].as_str());
    sqlx::query(
        "UPDATE eval_members SET active = 0, replaced_by = $1, replace_reason = $2, replaced_at = $3 \
         WHERE section_id = $4 AND expert_id = $5",
    )
    .bind(replacement["expert_id"].as_str())
    .bind(reason)
    .bind(now)
    .bind(section_id)
    .bind(out)
    .execute(&mut **tx)
    .await?;
    Ok(carry)
}

async fn add_member(
    tx: &mut Tx,
    section_id: &str,
    e: &Value,
    now: i64,
    carry: Option<Carry>,
) -> Result<()> {
    let Some(expert_id) = e["expert_id"].as_str() else {
        return Ok(());
    };
    let carry = carry.unwrap_or(Carry {
        replaces: String::new(),
        review_of: None,
        scores_of: None,
    });
    // A member drawn again keeps what he had; a replacement takes the seat's inherited stages.
    sqlx::query(
        "INSERT INTO eval_members (section_id, expert_id, user_id, name, active, joined_at, replaces, \
         review_of, scores_of) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8) \
         ON CONFLICT (section_id, expert_id) DO UPDATE SET active = 1, \
         replaces = COALESCE(excluded.replaces, eval_members.replaces), \
         review_of = COALESCE(excluded.review_of, eval_members.review_of), \
         scores_of = COALESCE(excluded.scores_of, eval_members.scores_of)",
    )
    .bind(section_id)
    .bind(expert_id)
    .bind(e["user_id"].as_str())
    .bind(e["name"].as_str().unwrap_or_default())
    .bind(now)
    .bind(Some(carry.replaces).filter(|r| !r.is_empty()))
    .bind(carry.review_of)
    .bind(carry.scores_of)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
