//! Projection of other areas' events: sections, bidders, deposits, on-site bookings.

use super::*;

/// Sections, announcements, bidder registrations and deposit status, learnt from events.
pub struct Projection;

#[async_trait::async_trait]
impl Consumer for Projection {
    fn name(&self) -> &'static str {
        "auctions.projection"
    }

    fn wants(&self, t: &str) -> bool {
        matches!(
            t,
            "projects.section.registered"
                | "projects.registration.created"
                | "deposits.deposit.valid"
                | "deposits.deposit.status_fixed"
                | "publishing.announcement.published"
                | "venues.room.created"
                | "venues.booking.created"
                | "venues.booking.confirmed"
                | "venues.booking.moved"
                | "venues.booking.cancelled"
                | "venues.booking.expired"
                | "calendar.schedule.imported"
        )
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, _clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        match ev.event_type.as_str() {
            "calendar.schedule.imported" => {
                recheck_provisional(tx, db, ev.occurred_at).await?;
            }
            "projects.section.registered" => {
                let name = p
                    .get("name")
                    .and_then(Value::as_str)
                    .or(p.get("project_name").and_then(Value::as_str))
                    .unwrap_or("");
                sqlx::query(
                    "INSERT INTO auction_sections (section_id, project_id, market, procedure, name) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (section_id) DO NOTHING",
                )
                .bind(s(p, "section_id"))
                .bind(s(p, "project_id"))
                .bind(s(p, "market"))
                .bind(s(p, "procedure"))
                .bind(name)
                .execute(&mut **tx)
                .await?;
                // The transferor (转让方) follows its own listing (migration 0200).
                sqlx::query("UPDATE auction_sections SET owner_org_id = $1 WHERE section_id = $2")
                    .bind(p.get("owner_org_id").and_then(Value::as_str))
                    .bind(s(p, "section_id"))
                    .execute(&mut **tx)
                    .await?;
                // The deposit the bidder's page shows (migration 0095).
                if let Some(d) = p
                    .get("deposit")
                    .and_then(Value::as_str)
                    .and_then(|d| Money::parse_str(d).ok())
                {
                    sqlx::query(
                        "UPDATE auction_sections SET deposit_fen = $1 WHERE section_id = $2",
                    )
                    .bind(d.fen())
                    .bind(s(p, "section_id"))
                    .execute(&mut **tx)
                    .await?;
                }
            }
            "publishing.announcement.published" => {
                let kind = s(p, "type");
                if kind != "land_transfer" && kind != "property_disclosure" {
                    return Ok(());
                }
                let Some(at) = parse_time(p, "published_at") else {
                    return Ok(());
                };
                for sid in p
                    .get("section_ids")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    sqlx::query(
                        "UPDATE auction_sections SET announced_at = $1 WHERE section_id = $2 AND announced_at IS NULL",
                    )
                    .bind(to_micros(at))
                    .bind(sid)
                    .execute(&mut **tx)
                    .await?;
                    if kind == "land_transfer" {
                        crate::land::note_announcement(tx, sid, &ev.aggregate_id, at).await?;
                    }
                }
            }
            "projects.registration.created" => {
                bidder_flag(tx, s(p, "section_id"), s(p, "org_id"), Some(1), None).await?;
            }
            "deposits.deposit.valid" => {
                bidder_flag(tx, s(p, "section_id"), s(p, "org_id"), None, Some(1)).await?;
            }
            "deposits.deposit.status_fixed" => {
                let valid = i64::from(s(p, "status") == "valid");
                bidder_flag(tx, s(p, "section_id"), s(p, "org_id"), None, Some(valid)).await?;
            }
            "venues.room.created" => {
                sqlx::query(
                    "INSERT INTO auction_rooms (room_id, name) VALUES ($1, $2) \
                     ON CONFLICT (room_id) DO UPDATE SET name = excluded.name",
                )
                .bind(s(p, "room_id"))
                .bind(s(p, "name"))
                .execute(&mut **tx)
                .await?;
            }
            t if t.starts_with("venues.booking.") => {
                onsite_booking(tx, ev.occurred_at, p).await?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// A venues booking for an on-site auction (purpose `auction`): time, room and status as venues
/// last reported them (the venues event carries the status after the change).
async fn onsite_booking(tx: &mut Tx, at: Timestamp, p: &Value) -> Result<()> {
    if s(p, "purpose") != "auction" || s(p, "section_id").is_empty() {
        return Ok(());
    }
    let (Some(start), Some(end)) = (parse_time(p, "start"), parse_time(p, "end")) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO auction_onsite_bookings (booking_id, section_id, room_id, starts_at, ends_at, status, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (booking_id) DO UPDATE SET room_id = excluded.room_id, \
         starts_at = excluded.starts_at, ends_at = excluded.ends_at, status = excluded.status, updated_at = excluded.updated_at",
    )
    .bind(s(p, "booking_id"))
    .bind(s(p, "section_id"))
    .bind(s(p, "room_id"))
    .bind(to_micros(start))
    .bind(to_micros(end))
    .bind(s(p, "status"))
    .bind(to_micros(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Record a bidder's registration / deposit flag; assign the next bidder number (竞买号) once the
/// bidder is registered with a valid deposit. The consumer runs serially, so numbering is race-free.
async fn bidder_flag(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
    registered: Option<i64>,
    deposit_valid: Option<i64>,
) -> Result<()> {
    if section_id.is_empty() || org_id.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO auction_bidders (section_id, org_id, registered, deposit_valid) VALUES ($1, $2, 0, 0) \
         ON CONFLICT (section_id, org_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(org_id)
    .execute(&mut **tx)
    .await?;
    if let Some(r) = registered {
        sqlx::query(
            "UPDATE auction_bidders SET registered = $1 WHERE section_id = $2 AND org_id = $3",
        )
        .bind(r)
        .bind(section_id)
        .bind(org_id)
        .execute(&mut **tx)
        .await?;
    }
    if let Some(d) = deposit_valid {
        sqlx::query(
            "UPDATE auction_bidders SET deposit_valid = $1 WHERE section_id = $2 AND org_id = $3",
        )
        .bind(d)
        .bind(section_id)
        .bind(org_id)
        .execute(&mut **tx)
        .await?;
    }
    let row = sqlx::query(
        "SELECT registered, deposit_valid, number FROM auction_bidders WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_one(&mut **tx)
    .await?;
    let reg: i64 = row.try_get(0)?;
    let dep: i64 = row.try_get(1)?;
    let number: Option<String> = row.try_get(2)?;
    if reg == 1 && dep == 1 && number.is_none() {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM auction_bidders WHERE section_id = $1 AND number IS NOT NULL",
        )
        .bind(section_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        sqlx::query("UPDATE auction_bidders SET number = $1 WHERE section_id = $2 AND org_id = $3")
            .bind(format!("{:03}", n + 1))
            .bind(section_id)
            .bind(org_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A bidder of a section as staff see it: number and organization (never shown to other bidders).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bidder {
    pub org_id: String,
    pub number: Option<String>,
    pub registered: bool,
    pub deposit_valid: bool,
}

pub async fn section_bidders(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Vec<Bidder>> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    let rows = sqlx::query(
        "SELECT org_id, number, registered, deposit_valid FROM auction_bidders WHERE section_id = $1 ORDER BY number, org_id",
    )
    .bind(section_id)
    .fetch_all(ctx.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Bidder {
                org_id: r.try_get(0)?,
                number: r.try_get(1)?,
                registered: r.try_get::<i64, _>(2)? == 1,
                deposit_valid: r.try_get::<i64, _>(3)? == 1,
            })
        })
        .collect()
}
