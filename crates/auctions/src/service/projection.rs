//! Projection of other areas' events: sections, bidders, deposits, on-site bookings.

use super::*;

/// Sections, announcements, bidder registrations and deposit status, learnt from events.
pub struct Projection;

#[async_trait::async_trait]
impl Consumer for Projection {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "auctions.projection",
            &[
                "projects.section.registered",
                "projects.registration.created",
                "deposits.deposit.valid",
                "deposits.deposit.status_fixed",
                "deposits.deposit.converted",
                "publishing.announcement.published",
                "venues.room.created",
                "venues.booking.created",
                "venues.booking.confirmed",
                "venues.booking.moved",
                "venues.booking.cancelled",
                "venues.booking.expired",
                "calendar.schedule.imported",
            ],
        )
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, _clock: &Clock, ev: &Event) -> Result<()> {
        use ggzy_events::deposits::{DepositStatusFixed, DepositValid};
        use ggzy_events::projects::{RegistrationCreated, SectionRegistered};
        use ggzy_events::publishing::AnnouncementPublished;
        use ggzy_events::venues as v;
        use ggzy_events::Contract;
        match ev.event_type.as_str() {
            "calendar.schedule.imported" => {
                recheck_provisional(tx, db, ev.occurred_at).await?;
            }
            SectionRegistered::NAME => {
                let p = SectionRegistered::decode(ev)?;
                sqlx::query(
                    "INSERT INTO auction_sections (section_id, project_id, market, procedure, name) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (section_id) DO NOTHING",
                )
                .bind(&p.section_id)
                .bind(&p.project_id)
                .bind(p.market.as_str())
                .bind(&p.procedure)
                .bind(&p.name)
                .execute(&mut **tx)
                .await?;
                // The transferor (转让方) follows its own listing (migration 0200).
                sqlx::query("UPDATE auction_sections SET owner_org_id = $1 WHERE section_id = $2")
                    .bind(&p.owner_org_id)
                    .bind(&p.section_id)
                    .execute(&mut **tx)
                    .await?;
                // The deposit the bidder's page shows (migration 0095).
                sqlx::query("UPDATE auction_sections SET deposit_fen = $1 WHERE section_id = $2")
                    .bind(p.deposit.fen())
                    .bind(&p.section_id)
                    .execute(&mut **tx)
                    .await?;
            }
            AnnouncementPublished::NAME => {
                let p = AnnouncementPublished::decode(ev)?;
                let kind = p.kind.as_str();
                if kind != "land_transfer" && kind != "property_disclosure" {
                    return Ok(());
                }
                let Some(at) = p.published_at else {
                    return Ok(());
                };
                for sid in &p.section_ids {
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
            RegistrationCreated::NAME => {
                let p = RegistrationCreated::decode(ev)?;
                bidder_flag(tx, &p.section_id, &p.org_id, Some(1), None).await?;
            }
            DepositValid::NAME => {
                let p = DepositValid::decode(ev)?;
                bidder_flag(tx, &p.section_id, &p.org_id, None, Some(1)).await?;
            }
            "deposits.deposit.converted" => {
                // A property deal's price paid with the winner's deposit (抵作价款).
                crate::property_payment::note_conversion(tx, ev).await?;
            }
            DepositStatusFixed::NAME => {
                let p = DepositStatusFixed::decode(ev)?;
                let valid = i64::from(p.status == "valid");
                bidder_flag(tx, &p.section_id, &p.org_id, None, Some(valid)).await?;
            }
            v::RoomCreated::NAME => {
                let p = v::RoomCreated::decode(ev)?;
                sqlx::query(
                    "INSERT INTO auction_rooms (room_id, name) VALUES ($1, $2) \
                     ON CONFLICT (room_id) DO UPDATE SET name = excluded.name",
                )
                .bind(&p.room_id)
                .bind(&p.name)
                .execute(&mut **tx)
                .await?;
            }
            v::BookingCreated::NAME => {
                let p = v::BookingCreated::decode(ev)?;
                onsite_booking(
                    tx,
                    ev.occurred_at,
                    Booking::of(
                        p.booking_id,
                        p.room_id,
                        p.section_id,
                        p.purpose,
                        p.start,
                        p.end,
                        p.status,
                    ),
                )
                .await?;
            }
            v::BookingConfirmed::NAME => {
                let p = v::BookingConfirmed::decode(ev)?;
                onsite_booking(
                    tx,
                    ev.occurred_at,
                    Booking::of(
                        p.booking_id,
                        p.room_id,
                        p.section_id,
                        p.purpose,
                        p.start,
                        p.end,
                        p.status,
                    ),
                )
                .await?;
            }
            v::BookingMoved::NAME => {
                let p = v::BookingMoved::decode(ev)?;
                onsite_booking(
                    tx,
                    ev.occurred_at,
                    Booking::of(
                        p.booking_id,
                        p.room_id,
                        p.section_id,
                        p.purpose,
                        p.start,
                        p.end,
                        p.status,
                    ),
                )
                .await?;
            }
            v::BookingCancelled::NAME => {
                let p = v::BookingCancelled::decode(ev)?;
                onsite_booking(
                    tx,
                    ev.occurred_at,
                    Booking::of(
                        p.booking_id,
                        p.room_id,
                        p.section_id,
                        p.purpose,
                        p.start,
                        p.end,
                        p.status,
                    ),
                )
                .await?;
            }
            v::BookingExpired::NAME => {
                let p = v::BookingExpired::decode(ev)?;
                onsite_booking(
                    tx,
                    ev.occurred_at,
                    Booking::of(
                        p.booking_id,
                        p.room_id,
                        p.section_id,
                        p.purpose,
                        p.start,
                        p.end,
                        p.status,
                    ),
                )
                .await?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// What every `venues.booking.*` event says of the booking after the change.
struct Booking {
    booking_id: String,
    room_id: String,
    section_id: String,
    purpose: String,
    start: Timestamp,
    end: Timestamp,
    status: String,
}

impl Booking {
    fn of(
        booking_id: String,
        room_id: String,
        section_id: String,
        purpose: String,
        start: Timestamp,
        end: Timestamp,
        status: String,
    ) -> Self {
        Booking {
            booking_id,
            room_id,
            section_id,
            purpose,
            start,
            end,
            status,
        }
    }
}

/// A venues booking for an on-site auction (purpose `auction`): time, room and status as venues
/// last reported them (the venues event carries the status after the change).
async fn onsite_booking(tx: &mut Tx, at: Timestamp, b: Booking) -> Result<()> {
    if b.purpose != "auction" || b.section_id.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO auction_onsite_bookings (booking_id, section_id, room_id, starts_at, ends_at, status, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (booking_id) DO UPDATE SET room_id = excluded.room_id, \
         starts_at = excluded.starts_at, ends_at = excluded.ends_at, status = excluded.status, updated_at = excluded.updated_at",
    )
    .bind(&b.booking_id)
    .bind(&b.section_id)
    .bind(&b.room_id)
    .bind(to_micros(b.start))
    .bind(to_micros(b.end))
    .bind(&b.status)
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
    #[derive(sqlx::FromRow)]
    struct BidderState {
        registered: i64,
        deposit_valid: i64,
        number: Option<String>,
    }
    let row: BidderState = sqlx::query_as(
        "SELECT registered, deposit_valid, number FROM auction_bidders WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_one(&mut **tx)
    .await?;
    if row.registered == 1 && row.deposit_valid == 1 && row.number.is_none() {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM auction_bidders WHERE section_id = $1 AND number IS NOT NULL",
        )
        .bind(section_id)
        .fetch_one(&mut **tx)
        .await?;
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
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Bidder {
    pub org_id: String,
    pub number: Option<String>,
    #[sqlx(try_from = "ggzy_core::sql::Flag")]
    pub registered: bool,
    #[sqlx(try_from = "ggzy_core::sql::Flag")]
    pub deposit_valid: bool,
}

pub async fn section_bidders(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Vec<Bidder>> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    Ok(sqlx::query_as(
        "SELECT org_id, number, registered, deposit_valid FROM auction_bidders WHERE section_id = $1 ORDER BY number, org_id",
    )
    .bind(section_id)
    .fetch_all(ctx.db.pool())
    .await?)
}
