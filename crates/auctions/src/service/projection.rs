//! Projection of other areas' events: sections, bidders, deposits, on-site bookings.

use super::*;
use crate::store::sections as store;

/// Sections, announcements, bidder registrations and deposit status, learnt from events.
pub struct Projection;

/// The area's copy of a registered section: market, procedure and name, the transferor (转让方),
/// who follows its own listing (migration 0200), and the deposit the bidder's page shows (0095).
/// A repeated registration writes the event's values again; `announced_at` is the area's own.
const SECTIONS: ggzy_store::copies::SectionCopy = {
    use ggzy_store::copies::{OnRepeat, SectionCopy, SectionField as F};
    SectionCopy {
        table: "auction_sections",
        columns: &[
            ("section_id", F::SectionId),
            ("project_id", F::ProjectId),
            ("market", F::Market),
            ("procedure", F::Procedure),
            ("name", F::Name),
            ("owner_org_id", F::OwnerOrgId),
            ("deposit_fen", F::DepositFen),
        ],
        on_repeat: OnRepeat::Update,
        blank_is_null: false,
    }
};

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
                SECTIONS.upsert(tx, &p, ev.occurred_at).await?;
            }
            AnnouncementPublished::NAME => {
                let p = AnnouncementPublished::decode(ev)?;
                let kind = p.kind.as_str();
                let Some(at) = p.published_at else {
                    return Ok(());
                };
                if kind == "property_predisclosure" {
                    for sid in &p.section_ids {
                        store::set_predisclosed(tx, sid, at).await?;
                    }
                    return Ok(());
                }
                if kind != "land_transfer" && kind != "property_disclosure" {
                    return Ok(());
                }
                for sid in &p.section_ids {
                    store::set_announced(tx, sid, at).await?;
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
                store::upsert_room(tx, &p.room_id, &p.name).await?;
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
    store::upsert_onsite_booking(
        tx,
        &store::OnsiteBooking {
            booking_id: &b.booking_id,
            section_id: &b.section_id,
            room_id: &b.room_id,
            starts_at: b.start,
            ends_at: b.end,
            status: &b.status,
        },
        at,
    )
    .await?;
    Ok(())
}

/// The markets whose sections are listed and auctioned here (the listing refuses the others).
const AUCTION_MARKETS: [&str; 2] = ["land", "property"];

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
    // Bidders (竞买人) and their numbers exist only where the area lists and auctions: the land
    // and property markets (`auctions.market`). A construction or procurement section's
    // registrations and deposits are not the area's business (on SQLite they were five writes per
    // bidder on the single writer during a deadline rush; docs/benchmarks.md). A section the area
    // has not seen yet is kept as before.
    if store::market_of(&mut **tx, section_id)
        .await?
        .is_some_and(|s| !AUCTION_MARKETS.contains(&s.market.as_str()))
    {
        return Ok(());
    }
    store::ensure_bidder(tx, section_id, org_id).await?;
    if let Some(r) = registered {
        store::set_registered(tx, section_id, org_id, r).await?;
    }
    if let Some(d) = deposit_valid {
        store::set_deposit_valid(tx, section_id, org_id, d).await?;
    }
    let row = store::standing(tx, section_id, org_id).await?;
    if row.registered && row.deposit_valid && row.number.is_none() {
        let n = store::count_numbered(tx, section_id).await?;
        store::set_number(tx, section_id, org_id, &format!("{:03}", n + 1)).await?;
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
    store::bidders(&ctx.db, section_id).await
}
