//! Use cases: the projection of other areas' events, listings, bids, and the durable end timers.

use crate::rules::{self, AuctionRules, ListingOutcome};
use chrono::Duration;
use ggzy_core::events::{ActorRef, Event, NewEvent};
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{ids, Clock, Error, FieldError, Money, Result, Timestamp};
use ggzy_identity::Actor;
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use utoipa::ToSchema;

pub const LISTING_TIMER: &str = "auctions.listing_end";
pub const AUCTION_TIMER: &str = "auctions.auction_end";

/// Woken after every accepted bid or phase change (live streams of this instance wait on it; other
/// instances' streams see the change on their next poll).
pub static CHANGED: tokio::sync::Notify = tokio::sync::Notify::const_new();

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn parse_time(v: &Value, k: &str) -> Option<Timestamp> {
    v.get(k)
        .and_then(Value::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
}

// --- projection

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

// --- listings

/// A listing (挂牌) of a land lot or property item; it may continue as an online auction.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewListing {
    pub section_id: String,
    pub listing_start: chrono::DateTime<chrono::FixedOffset>,
    pub listing_end: chrono::DateTime<chrono::FixedOffset>,
    /// Starting price (起始价), decimal string.
    #[schema(value_type = ggzy_core::money::Money)]
    pub starting_price: String,
    /// Increment (增价幅度), decimal string.
    #[schema(value_type = ggzy_core::money::Money)]
    pub increment: String,
    /// Reserve price (保留价), kept secret until the end.
    #[schema(value_type = Option<ggzy_core::money::Money>)]
    pub reserve_price: Option<String>,
    /// Free-bid period of the online auction (自由竞价), minutes; default 10.
    #[schema(minimum = 0, maximum = 1440)]
    pub free_bid_minutes: Option<i64>,
    /// Extension period (延时周期), minutes; default 5.
    #[schema(minimum = 1, maximum = 60)]
    pub extension_minutes: Option<i64>,
    /// When several bidders still compete at the end of the listing: `online` (网络竞价, default)
    /// or `onsite` (现场竞价, a room booked through venues, result recorded by staff).
    #[schema(pattern = "^(online|onsite)$")]
    pub final_auction: Option<String>,
    /// Appraisal value (评估值), decimal string; required for the property market (32号令: a
    /// re-listed floor below 90% of it needs approval).
    #[schema(value_type = Option<ggzy_core::money::Money>)]
    pub appraisal_value: Option<String>,
    /// Land only (39号令 第二十条): staff confirm each bidder's eligibility (竞买资格) before it
    /// quotes (`POST /api/v1/auctions/{id}/eligibility`). Default false.
    pub eligibility_review: Option<bool>,
    /// Land only: `automatic` (default: several quoting bidders always go on to the auction) or
    /// `on_request` (only when a bidder asked to continue, else the highest quote wins; 39号令 第二十条).
    #[schema(pattern = "^(automatic|on_request)$")]
    pub continuation: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidView {
    pub seq: i64,
    /// Bidder number (竞买号); names are never shown.
    pub number: String,
    pub price: String,
    pub phase: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuctionView {
    pub id: String,
    pub section_id: String,
    pub project_id: String,
    pub market: String,
    /// `listing`, `auction`, `onsite_pending`, `pending_approval` (a re-listing requested before
    /// issue 21 waits for a second user's approval), `deal` or `failed`.
    pub phase: String,
    /// 1 for the first listing; each re-listing starts the next round.
    pub round: i64,
    /// `online` or `onsite`.
    pub final_auction: String,
    pub appraisal_value: Option<String>,
    pub listing_start: String,
    pub listing_end: String,
    /// The listing period was checked while a year's holiday schedule was missing (weekends
    /// only): provisional until that year is imported and the period checked again (issue 16).
    pub periods_provisional: bool,
    pub auction_start: Option<String>,
    /// Current end (listing end, or the auction end moved by extensions).
    pub ends_at: String,
    pub time_left_secs: i64,
    pub starting_price: String,
    pub increment: String,
    pub current_price: Option<String>,
    pub leader_number: Option<String>,
    pub reserve_set: bool,
    /// Shown only once the auction is over.
    pub reserve_price: Option<String>,
    pub extension_minutes: i64,
    pub outcome: Option<String>,
    /// The caller's bidder number, if it has one.
    pub my_number: Option<String>,
    /// Bids of the current round.
    pub bids: Vec<BidView>,
    /// The on-site auction's room booking (from venues), if one is live.
    pub onsite: Option<OnsiteView>,
    /// The latest re-listing request, if any.
    pub relist: Option<RelistView>,
    /// Land listing terms (39号令 第二十条): eligibility review and continuation on request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub land: Option<crate::land::LandView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OnsiteView {
    pub booking_id: String,
    pub room_id: String,
    pub room_name: Option<String>,
    pub start: String,
    pub end: String,
    /// `tentative` or `confirmed` (venues' booking status).
    pub status: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelistView {
    pub id: String,
    /// `extend` or `lower_floor`.
    pub kind: String,
    /// `pending_approval`, `approved`, `refused` or `applied` (no approval needed).
    pub status: String,
    /// The round this re-listing starts.
    pub round: i64,
    pub listing_start: String,
    pub listing_end: String,
    pub starting_price: String,
    pub previous_starting_price: String,
    pub requested_by: String,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
    /// The approving body's written consent recorded with this re-listing (32号令 第十八条).
    pub consent: Option<crate::property::ConsentView>,
}

#[derive(Debug, Clone)]
pub(crate) struct AuctionRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) project_id: String,
    pub(crate) market: String,
    pub(crate) phase: String,
    pub(crate) listing_start: Timestamp,
    pub(crate) listing_end: Timestamp,
    pub(crate) free_bid_secs: i64,
    pub(crate) extension_secs: i64,
    pub(crate) auction_start: Option<Timestamp>,
    pub(crate) ends_at: Timestamp,
    pub(crate) starting_fen: i64,
    pub(crate) increment_fen: i64,
    pub(crate) reserve_fen: Option<i64>,
    pub(crate) current_fen: Option<i64>,
    pub(crate) leader_org_id: Option<String>,
    pub(crate) version: i64,
    pub(crate) outcome: Option<String>,
    pub(crate) round: i64,
    pub(crate) final_auction: String,
    pub(crate) appraisal_fen: Option<i64>,
    pub(crate) periods_provisional: bool,
    /// `listing` (first round) or the re-listing kind the current round was checked as.
    pub(crate) period_kind: String,
}

const COLS: &str =
    "id, section_id, project_id, market, phase, listing_start, listing_end, free_bid_secs, \
    extension_secs, auction_start, ends_at, starting_fen, increment_fen, reserve_fen, current_fen, \
    leader_org_id, version, outcome, round, final_auction, appraisal_fen, periods_provisional, \
    period_kind";

fn auction_row(r: &sqlx::any::AnyRow) -> Result<AuctionRow> {
    Ok(AuctionRow {
        id: r.try_get(0)?,
        section_id: r.try_get(1)?,
        project_id: r.try_get(2)?,
        market: r.try_get(3)?,
        phase: r.try_get(4)?,
        listing_start: from_micros(r.try_get(5)?),
        listing_end: from_micros(r.try_get(6)?),
        free_bid_secs: r.try_get(7)?,
        extension_secs: r.try_get(8)?,
        auction_start: r.try_get::<Option<i64>, _>(9)?.map(from_micros),
        ends_at: from_micros(r.try_get(10)?),
        starting_fen: r.try_get(11)?,
        increment_fen: r.try_get(12)?,
        reserve_fen: r.try_get(13)?,
        current_fen: r.try_get(14)?,
        leader_org_id: r.try_get(15)?,
        version: r.try_get(16)?,
        outcome: r.try_get(17)?,
        round: r.try_get(18)?,
        final_auction: r.try_get(19)?,
        appraisal_fen: r.try_get(20)?,
        periods_provisional: r.try_get::<i64, _>(21)? != 0,
        period_kind: r.try_get(22)?,
    })
}

async fn load<'e, E>(exec: E, id: &str, lock: &str) -> Result<AuctionRow>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let r = sqlx::query(&format!("SELECT {COLS} FROM auctions WHERE id = $1{lock}"))
        .bind(id)
        .fetch_optional(exec)
        .await?
        .ok_or_else(|| Error::not_found("auction"))?;
    auction_row(&r)
}

/// [`load`] for the land module (crate::land).
pub(crate) async fn load_row<'e, E>(exec: E, id: &str, lock: &str) -> Result<AuctionRow>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    load(exec, id, lock).await
}

/// [`bidder_number`] for the land module (crate::land).
pub(crate) async fn number_of<'e, E>(
    exec: E,
    section_id: &str,
    org_id: &str,
) -> Result<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    bidder_number(exec, section_id, org_id).await
}

fn money_field(v: &mut Vec<FieldError>, field: &str, s: &str) -> Option<Money> {
    match Money::parse_str(s) {
        Ok(m) if m.fen() > 0 => Some(m),
        Ok(_) => {
            v.push(FieldError::new(field, "money.positive", "must be positive"));
            None
        }
        Err(mut e) => {
            e.field = field.to_string();
            v.push(e);
            None
        }
    }
}

pub async fn create_listing(ctx: &Ctx, actor: &Actor, nl: NewListing) -> Result<AuctionView> {
    create(ctx, actor, nl, false).await
}

/// A listing (`live = false`) or, for the auction procedures (拍卖出让, crate::land_auction), a live
/// auction starting at `listing_start` (`live = true`; `listing_end` is ignored).
pub(crate) async fn create(
    ctx: &Ctx,
    actor: &Actor,
    nl: NewListing,
    live: bool,
) -> Result<AuctionView> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin])?;
    let r = AuctionRules::national();
    let sec = sqlx::query(
        "SELECT project_id, market, announced_at, deposit_fen, procedure FROM auction_sections WHERE section_id = $1",
    )
    .bind(&nl.section_id)
    .fetch_optional(ctx.db.pool())
    .await?
    .ok_or_else(|| Error::not_found("section"))?;
    let project_id: String = sec.try_get(0)?;
    let market: String = sec.try_get(1)?;
    let announced: Option<i64> = sec.try_get(2)?;
    let deposit_fen: Option<i64> = sec.try_get(3)?;
    let procedure: Option<String> = sec.try_get(4)?;
    // 拍卖出让 / 矿业权出让 (issue 21): the procedure decides listing or live auction and the periods.
    let kind = crate::land_auction::Kind::of(&market, procedure.as_deref().unwrap_or(""));
    kind.check_live(live)?;
    // 企业增资 selects investors by the disclosed criteria, not by quotes (crate::capital_increase).
    if procedure.as_deref() == Some("capital_increase") {
        return Err(Error::conflict(
            "auctions.capital_increase_not_listed",
            "a capital increase (企业增资) selects its investors through /api/v1/capital-increases, not by a listing",
        ));
    }
    let asset_transfer = procedure.as_deref() == Some("asset_transfer");
    let mut v = Vec::new();
    let mut missing = rules::Missing::new();
    let start = nl.listing_start.with_timezone(&chrono::Utc);
    let end = if live {
        start
    } else {
        nl.listing_end.with_timezone(&chrono::Utc)
    };
    if end <= start && !live {
        v.push(FieldError::new(
            "listing_end",
            "auctions.end_after_start",
            "the listing ends after it starts",
        ));
    }
    match (market.as_str(), announced.map(from_micros)) {
        (_, None) => v.push(FieldError::new(
            "section_id",
            "auctions.announcement_published",
            "the transfer announcement (出让公告) or disclosure (信息披露公告) of the section is not published yet",
        )),
        ("land", Some(a)) if kind.own_schedule() => {
            v.extend(kind.check_schedule(&ctx.calendar, a, start, end, &mut missing))
        }
        ("land", Some(a)) => v.extend(rules::check_land_schedule(
            &r,
            &ctx.calendar,
            a,
            start,
            end,
            &mut missing,
        )),
        // 企业资产转让: the disclosure depends on the floor (checked below, crate::asset_transfer).
        ("property", Some(_)) if asset_transfer => {}
        ("property", Some(a)) => v.extend(rules::check_property_schedule(
            &r,
            &ctx.calendar,
            a,
            start,
            end,
            &mut missing,
        )),
        _ => v.push(FieldError::new(
            "section_id",
            "auctions.market",
            "listings and auctions are for the land and property markets",
        )),
    }
    let starting = money_field(&mut v, "starting_price", &nl.starting_price);
    let increment = money_field(&mut v, "increment", &nl.increment);
    if let (Some(st), Some(a), true) = (starting, announced.map(from_micros), asset_transfer) {
        v.extend(crate::asset_transfer::check_schedule(
            &crate::asset_transfer::AssetTransferRules::national(),
            &ctx.calendar,
            a,
            start,
            end,
            st.fen(),
            &mut missing,
        ));
    }
    // 国土资发〔2010〕34号: the land deposit is at least 20 % of the starting price.
    if let (Some(st), Some(dep), "land") = (starting, deposit_fen, market.as_str()) {
        v.extend(rules::check_land_deposit(&r, dep, st.fen()));
    }
    let reserve = match &nl.reserve_price {
        Some(p) => money_field(&mut v, "reserve_price", p).map(Some),
        None => Some(None),
    };
    let final_auction = nl.final_auction.as_deref().unwrap_or("online").to_string();
    if final_auction != "online" && final_auction != "onsite" {
        v.push(FieldError::new(
            "final_auction",
            "auctions.final_auction",
            "online (网络竞价) or onsite (现场竞价)",
        ));
    }
    let appraisal = match (&nl.appraisal_value, market.as_str()) {
        (Some(p), _) => money_field(&mut v, "appraisal_value", p).map(Some),
        (None, "property") => {
            v.push(FieldError::new(
                "appraisal_value",
                "auctions.appraisal_required",
                "a property transfer records its appraisal value (评估值, 32号令)",
            ));
            None
        }
        (None, _) => Some(None),
    };
    let free = nl.free_bid_minutes.unwrap_or(10);
    let ext = nl.extension_minutes.unwrap_or(r.extension_minutes);
    if !(0..=24 * 60).contains(&free) {
        v.push(FieldError::new(
            "free_bid_minutes",
            "auctions.free_bid_minutes",
            "between 0 and 1440",
        ));
    }
    if !(1..=60).contains(&ext) {
        v.push(FieldError::new(
            "extension_minutes",
            "auctions.extension_minutes",
            "between 1 and 60",
        ));
    }
    // 32号令 第十七条: the first disclosed floor of a property transfer is at least the appraisal.
    if let (Some(st), Some(Some(ap)), "property") = (&starting, &appraisal, market.as_str()) {
        if !crate::property::first_floor_allowed(st.fen(), ap.fen()) {
            v.push(FieldError::new(
                "starting_price",
                "auctions.property_first_floor",
                format!(
                    "the first floor (转让底价) is at least the appraisal {ap} (32号令 第十七条)"
                ),
            ));
        }
    }
    let land_terms = crate::land::check_terms(
        &market,
        nl.eligibility_review,
        nl.continuation.as_deref(),
        &mut v,
    );
    let (Some(starting), Some(increment), Some(reserve), Some(appraisal), true) =
        (starting, increment, reserve, appraisal, v.is_empty())
    else {
        return Err(Error::Validation(v));
    };
    let now = ctx.clock.now();
    let id = ids::new_id();
    // A live auction (拍卖) runs from its start: the free-bid period, then the extensions.
    let (phase, auction_start, ends) = if live {
        let ends = start + Duration::seconds((free + ext) * 60);
        ("auction", Some(to_micros(start)), ends)
    } else {
        ("listing", None, end)
    };
    let mut tx = ctx.db.begin().await?;
    let res = sqlx::query(&format!(
        "INSERT INTO auctions ({COLS}, created_at, created_by) VALUES \
         ($1, $2, $3, $4, $18, $5, $6, $7, $8, $19, $9, $10, $11, $12, NULL, NULL, 0, NULL, 1, $15, $16, $17, 'listing', $13, $14) \
         ON CONFLICT (section_id) DO NOTHING"
    ))
    .bind(&id)
    .bind(&nl.section_id)
    .bind(&project_id)
    .bind(&market)
    .bind(to_micros(start))
    .bind(to_micros(end))
    .bind(free * 60)
    .bind(ext * 60)
    .bind(to_micros(ends))
    .bind(starting.fen())
    .bind(increment.fen())
    .bind(reserve.map(|m| m.fen()))
    .bind(to_micros(now))
    .bind(&actor.user_id)
    .bind(&final_auction)
    .bind(appraisal.map(|m| m.fen()))
    .bind(i64::from(!missing.is_empty()))
    .bind(phase)
    .bind(auction_start)
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() != 1 {
        tx.rollback().await?;
        return Err(Error::conflict(
            "auctions.one_listing_per_section",
            "the section already has a listing",
        ));
    }
    if let Some(t) = &land_terms {
        crate::land::insert_terms(&mut tx, &id, t).await?;
    }
    if !missing.is_empty() {
        ggzy_store::calendar::note_missing(
            &mut tx,
            &ctx.db,
            now,
            &missing,
            "auctions.listing_period",
        )
        .await?;
    }
    let (timer_kind, timer_key) = if live {
        (AUCTION_TIMER, end_key(&id, ends))
    } else {
        (LISTING_TIMER, listing_key(&id, 1))
    };
    timers::schedule(
        &mut tx,
        timer_kind,
        &timer_key,
        ends,
        json!({"auction_id": id}),
        now,
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "auctions.listing.created",
            "auction",
            &id,
            json!({"auction_id": id, "section_id": nl.section_id, "project_id": project_id,
                   "market": market, "listing_start": start.to_rfc3339(), "listing_end": end.to_rfc3339(),
                   "starting_price": starting.to_string(), "increment": increment.to_string(),
                   "final_auction": final_auction,
                   "appraisal_value": appraisal.map(|m| m.to_string()),
                   "periods_provisional": !missing.is_empty(),
                   "eligibility_review": land_terms.as_ref().map(|t| t.eligibility_review),
                   "continuation": land_terms.as_ref().map(|t| t.continuation.as_str()),
                   "procedure": procedure, "auction_start": auction_start.map(|_| start.to_rfc3339())}),
        ),
    )
    .await?;
    let answer = view_on(&mut tx, now, actor, &id).await?;
    ctx.db.commit_answering(tx, 201, &answer, now).await?;
    Ok(answer)
}

async fn bidder_number<'e, E>(exec: E, section_id: &str, org_id: &str) -> Result<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let r = sqlx::query(
        "SELECT number FROM auction_bidders WHERE section_id = $1 AND org_id = $2 AND number IS NOT NULL",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(exec)
    .await?;
    Ok(match r {
        Some(r) => r.try_get(0)?,
        None => None,
    })
}

pub async fn view(ctx: &Ctx, actor: &Actor, id: &str) -> Result<AuctionView> {
    let mut conn = ctx.db.pool().acquire().await?;
    view_on(&mut conn, ctx.clock.now(), actor, id).await
}

/// [`view`] on a given connection: a use case's transaction answers from it, so the answer is
/// stored with the change (`Db::commit_answering`) and a retry after a lost answer replays it.
pub(crate) async fn view_on(
    conn: &mut sqlx::AnyConnection,
    now: Timestamp,
    actor: &Actor,
    id: &str,
) -> Result<AuctionView> {
    actor.require(&WATCHERS)?;
    let a = load(&mut *conn, id, "").await?;
    transferor_only(&mut *conn, actor, &a.section_id).await?;
    let my_number = match &actor.org_id {
        Some(o) => bidder_number(&mut *conn, &a.section_id, o).await?,
        None => None,
    };
    let rows = sqlx::query(
        "SELECT seq, number, price_fen, phase, at FROM auction_bids WHERE auction_id = $1 AND round = $2 ORDER BY seq",
    )
    .bind(id)
    .bind(a.round)
    .fetch_all(&mut *conn)
    .await?;
    let bids = rows
        .iter()
        .map(|r| {
            Ok(BidView {
                seq: r.try_get(0)?,
                number: r.try_get(1)?,
                price: Money::from_fen(r.try_get(2)?).to_string(),
                phase: r.try_get(3)?,
                at: from_micros(r.try_get(4)?).to_rfc3339(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let leader_number = bids.last().map(|b| b.number.clone());
    let over = a.phase == "deal" || a.phase == "failed";
    let onsite = onsite_view(&mut *conn, &a.section_id).await?;
    let relist = relist_view(&mut *conn, &a.id).await?;
    let land = crate::land::view(&mut *conn, &a.id, &a.section_id, a.round).await?;
    Ok(AuctionView {
        land,
        round: a.round,
        final_auction: a.final_auction,
        appraisal_value: a.appraisal_fen.map(|f| Money::from_fen(f).to_string()),
        onsite,
        relist,
        time_left_secs: (a.ends_at - now).num_seconds().max(0),
        id: a.id,
        section_id: a.section_id,
        project_id: a.project_id,
        market: a.market,
        phase: a.phase,
        listing_start: a.listing_start.to_rfc3339(),
        listing_end: a.listing_end.to_rfc3339(),
        periods_provisional: a.periods_provisional,
        auction_start: a.auction_start.map(|t| t.to_rfc3339()),
        ends_at: a.ends_at.to_rfc3339(),
        starting_price: Money::from_fen(a.starting_fen).to_string(),
        increment: Money::from_fen(a.increment_fen).to_string(),
        current_price: a.current_fen.map(|f| Money::from_fen(f).to_string()),
        leader_number,
        reserve_set: a.reserve_fen.is_some(),
        reserve_price: if over {
            a.reserve_fen.map(|f| Money::from_fen(f).to_string())
        } else {
            None
        },
        extension_minutes: a.extension_secs / 60,
        outcome: a.outcome,
        my_number,
        bids,
    })
}

async fn onsite_view(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<OnsiteView>> {
    let r = sqlx::query(
        "SELECT b.booking_id, b.room_id, r.name, b.starts_at, b.ends_at, b.status \
         FROM auction_onsite_bookings b LEFT JOIN auction_rooms r ON r.room_id = b.room_id \
         WHERE b.section_id = $1 AND b.status IN ('tentative', 'confirmed') \
         ORDER BY b.updated_at DESC, b.booking_id DESC LIMIT 1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(OnsiteView {
        booking_id: r.try_get(0)?,
        room_id: r.try_get(1)?,
        room_name: r.try_get(2)?,
        start: from_micros(r.try_get(3)?).to_rfc3339(),
        end: from_micros(r.try_get(4)?).to_rfc3339(),
        status: r.try_get(5)?,
    }))
}

#[derive(Debug, Clone)]
struct RelistRow {
    id: String,
    kind: String,
    status: String,
    round: i64,
    listing_start: Timestamp,
    listing_end: Timestamp,
    starting_fen: i64,
    previous_starting_fen: i64,
    reserve_fen: Option<i64>,
    requested_by: String,
    decided_by: Option<String>,
    reason: Option<String>,
}

const RELIST_COLS: &str = "id, kind, status, round, listing_start, listing_end, starting_fen, \
    previous_starting_fen, reserve_fen, requested_by, decided_by, reason";

fn relist_row(r: &sqlx::any::AnyRow) -> Result<RelistRow> {
    Ok(RelistRow {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        status: r.try_get(2)?,
        round: r.try_get(3)?,
        listing_start: from_micros(r.try_get(4)?),
        listing_end: from_micros(r.try_get(5)?),
        starting_fen: r.try_get(6)?,
        previous_starting_fen: r.try_get(7)?,
        reserve_fen: r.try_get(8)?,
        requested_by: r.try_get(9)?,
        decided_by: r.try_get(10)?,
        reason: r.try_get(11)?,
    })
}

async fn relist_view(
    conn: &mut sqlx::AnyConnection,
    auction_id: &str,
) -> Result<Option<RelistView>> {
    let r = sqlx::query(&format!(
        "SELECT {RELIST_COLS} FROM auction_relists WHERE auction_id = $1 \
         ORDER BY requested_at DESC, id DESC LIMIT 1"
    ))
    .bind(auction_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let r = relist_row(&r)?;
    let consent = crate::property::consent_of(&mut *conn, &r.id).await?;
    Ok(Some(RelistView {
        consent,
        id: r.id,
        kind: r.kind,
        status: r.status,
        round: r.round,
        listing_start: r.listing_start.to_rfc3339(),
        listing_end: r.listing_end.to_rfc3339(),
        starting_price: Money::from_fen(r.starting_fen).to_string(),
        previous_starting_price: Money::from_fen(r.previous_starting_fen).to_string(),
        requested_by: r.requested_by,
        decided_by: r.decided_by,
        reason: r.reason,
    }))
}

// --- bids

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidAccepted {
    pub seq: i64,
    pub number: String,
    pub price: String,
    pub ends_at: String,
}

/// Why a bid was refused after validation: another bid got there first.
#[derive(Debug)]
pub enum BidError {
    Error(Error),
    /// Lost the race: the price it was computed against moved. Carries the new current price.
    Outbid {
        current_price: Option<String>,
    },
}

impl From<Error> for BidError {
    fn from(e: Error) -> Self {
        BidError::Error(e)
    }
}

impl From<sqlx::Error> for BidError {
    fn from(e: sqlx::Error) -> Self {
        BidError::Error(e.into())
    }
}

pub async fn bid(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    price: &str,
) -> std::result::Result<BidAccepted, BidError> {
    use ggzy_identity::Role;
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("a bidder acts for its organization"))?;
    let now = ctx.clock.now();
    let a = load(ctx.db.pool(), id, "").await?;
    let number = bidder_number(ctx.db.pool(), &a.section_id, &org)
        .await?
        .ok_or_else(|| {
            Error::forbidden(
                "only registered bidders with a valid deposit (竞买保证金) have a bidder number",
            )
        })?;
    // The quote is read only once the caller is a numbered bidder (cross-organization walk,
    // tests/api/authz_cross.rs): a stranger is refused whatever it sent.
    let price = Money::parse_str(price).map_err(|mut e| {
        e.field = "price".into();
        Error::Validation(vec![e])
    })?;
    match a.phase.as_str() {
        "listing" if now >= a.listing_start && now < a.ends_at => {}
        "auction" if a.auction_start.is_some_and(|s| now >= s) && now < a.ends_at => {}
        _ => {
            return Err(
                Error::conflict("auctions.not_open", "the auction does not take bids now").into(),
            )
        }
    }
    // 39号令 第二十条: on a listing with eligibility review, quotes wait for staff's confirmation.
    crate::land::check_may_quote(ctx, &a, &org).await?;
    if a.leader_org_id.as_deref() == Some(org.as_str()) {
        return Err(Error::conflict(
            "auctions.already_highest",
            "the caller already holds the highest bid",
        )
        .into());
    }
    if a.current_fen.is_some_and(|c| price.fen() <= c) {
        // Someone got to (or past) this price first: a lost race, not bad input.
        return Err(BidError::Outbid {
            current_price: a.current_fen.map(|f| Money::from_fen(f).to_string()),
        });
    }
    rules::check_quote(a.starting_fen, a.increment_fen, a.current_fen, price.fen())
        .map_err(|e| Error::Validation(vec![e]))?;
    let new_end = if a.phase == "auction" {
        rules::extend(a.ends_at, now, Duration::seconds(a.extension_secs))
    } else {
        a.ends_at
    };
    let seq = a.version + 1;
    let mut tx = ctx.db.begin().await?;
    // The bid order: only the bid that still sees this version moves the row.
    let res = sqlx::query(
        "UPDATE auctions SET current_fen = $1, leader_org_id = $2, version = version + 1, ends_at = $3 \
         WHERE id = $4 AND version = $5 AND phase = $6 AND ends_at > $7",
    )
    .bind(price.fen())
    .bind(&org)
    .bind(to_micros(new_end))
    .bind(id)
    .bind(a.version)
    .bind(&a.phase)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() != 1 {
        tx.rollback().await?;
        let cur = load(ctx.db.pool(), id, "").await?;
        if cur.phase != a.phase || now >= cur.ends_at {
            return Err(
                Error::conflict("auctions.not_open", "the auction does not take bids now").into(),
            );
        }
        return Err(BidError::Outbid {
            current_price: cur.current_fen.map(|f| Money::from_fen(f).to_string()),
        });
    }
    let bid_id = ids::new_id();
    sqlx::query(
        "INSERT INTO auction_bids (auction_id, seq, id, org_id, number, price_fen, phase, at, ends_at, round) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(seq)
    .bind(&bid_id)
    .bind(&org)
    .bind(&number)
    .bind(price.fen())
    .bind(&a.phase)
    .bind(to_micros(now))
    .bind(to_micros(new_end))
    .bind(a.round)
    .execute(&mut *tx)
    .await?;
    if new_end != a.ends_at {
        timers::cancel(&mut tx, &end_key(id, a.ends_at)).await?;
        timers::schedule(
            &mut tx,
            AUCTION_TIMER,
            &end_key(id, new_end),
            new_end,
            json!({"auction_id": id}),
            now,
        )
        .await?;
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "auctions.bid.accepted",
            "auction",
            id,
            json!({"auction_id": id, "section_id": a.section_id, "seq": seq, "bid_id": bid_id,
                   "org_id": org, "number": number, "price": price.to_string(), "phase": a.phase,
                   "at": now.to_rfc3339(), "ends_at": new_end.to_rfc3339(),
                   "extended": new_end != a.ends_at, "round": a.round}),
        ),
    )
    .await?;
    let accepted = BidAccepted {
        seq,
        number,
        price: price.to_string(),
        ends_at: new_end.to_rfc3339(),
    };
    ctx.db.commit_answering(tx, 201, &accepted, now).await?;
    CHANGED.notify_waiters();
    Ok(accepted)
}

/// The listing end timer of a round (round 1 keeps the key it always had).
fn listing_key(id: &str, round: i64) -> String {
    if round <= 1 {
        format!("auction-listing:{id}")
    } else {
        format!("auction-listing:{id}:r{round}")
    }
}

fn end_key(id: &str, at: Timestamp) -> String {
    format!("auction-end:{id}:{}", to_micros(at))
}

// --- ends

fn system() -> ActorRef {
    ActorRef::system("auctions")
}

/// Bidders that quoted in the current round.
async fn distinct_bidders(tx: &mut Tx, id: &str, round: i64) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT DISTINCT org_id FROM auction_bids WHERE auction_id = $1 AND round = $2",
    )
    .bind(id)
    .bind(round)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

async fn numbered_bidders(tx: &mut Tx, section_id: &str) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT org_id FROM auction_bidders WHERE section_id = $1 AND number IS NOT NULL ORDER BY number",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// Deal (成交确认书): record it and tell the other areas (deposits refunds losers and converts the
/// winner's deposit; publishing drafts the deal announcement).
async fn confirm_deal(
    tx: &mut Tx,
    db: &Db,
    a: &AuctionRow,
    now: Timestamp,
    via: &str,
) -> Result<()> {
    let (Some(price), Some(winner)) = (a.current_fen, a.leader_org_id.clone()) else {
        return Err(Error::internal("a deal without a highest bid"));
    };
    let number = bidder_number(&mut **tx, &a.section_id, &winner)
        .await?
        .unwrap_or_default();
    let deal_id = ids::new_id();
    sqlx::query(
        "INSERT INTO auction_deals (id, auction_id, section_id, winner_org_id, winner_number, price_fen, via, confirmed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&deal_id)
    .bind(&a.id)
    .bind(&a.section_id)
    .bind(&winner)
    .bind(&number)
    .bind(price)
    .bind(via)
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    if a.market == "land" && !crate::land_auction::is_mining(tx, &a.section_id).await? {
        // 国土资发〔2010〕34号: the contract step follows the deal (crate::land_contract); a
        // mining right's contract is not a land-use contract (crate::land_auction).
        crate::land_contract::open(tx, db, &deal_id, &a.id, &a.section_id, &winner, price, now)
            .await?;
    }
    let bidders = numbered_bidders(tx, &a.section_id).await?;
    let losers: Vec<&String> = bidders.iter().filter(|o| **o != winner).collect();
    emit(
        tx,
        db,
        &system(),
        now,
        NewEvent::new(
            "auctions.deal.confirmed",
            "auction",
            &a.id,
            json!({"deal_id": deal_id, "auction_id": a.id, "section_id": a.section_id,
                   "project_id": a.project_id, "market": a.market, "winner_org_id": winner,
                   "winner_number": number, "price": Money::from_fen(price).to_string(),
                   "via": via, "confirmed_at": now.to_rfc3339(),
                   "bidder_org_ids": bidders, "loser_org_ids": losers}),
        ),
    )
    .await?;
    Ok(())
}

async fn fail(
    tx: &mut Tx,
    db: &Db,
    a: &AuctionRow,
    now: Timestamp,
    event: &str,
    reason: &str,
) -> Result<()> {
    let bidders = numbered_bidders(tx, &a.section_id).await?;
    emit(
        tx,
        db,
        &system(),
        now,
        NewEvent::new(
            event,
            "auction",
            &a.id,
            json!({"auction_id": a.id, "section_id": a.section_id, "project_id": a.project_id,
                   "market": a.market, "reason": reason, "failed_at": now.to_rfc3339(),
                   "highest_price": a.current_fen.map(|f| Money::from_fen(f).to_string()),
                   "bidder_org_ids": bidders}),
        ),
    )
    .await?;
    Ok(())
}

async fn set_phase(
    tx: &mut Tx,
    a: &AuctionRow,
    from: &str,
    to: &str,
    outcome: &str,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE auctions SET phase = $1, outcome = $2, version = version + 1 WHERE id = $3 AND phase = $4 AND version = $5",
    )
    .bind(to)
    .bind(outcome)
    .bind(&a.id)
    .bind(from)
    .bind(a.version)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The auction an end timer is for, locked, when it is still in `phase` and its end has come.
/// `None` when the phase moved on, or when the end is later than the timer (a late timer of an
/// earlier round, or an extension): then the current end gets its timer (`kind`, `key`) again.
async fn due_auction(
    tx: &mut Tx,
    db: &Db,
    clock: &Clock,
    timer: &Timer,
    phase: &str,
    kind: &str,
    key: impl Fn(&AuctionRow) -> String,
) -> Result<Option<AuctionRow>> {
    let id = s(&timer.payload, "auction_id").to_string();
    let a = load(&mut **tx, &id, db.for_update()).await?;
    if a.phase != phase {
        return Ok(None);
    }
    let now = clock.now();
    if a.ends_at > now {
        timers::schedule(
            tx,
            kind,
            &key(&a),
            a.ends_at,
            json!({"auction_id": id}),
            now,
        )
        .await?;
        return Ok(None);
    }
    Ok(Some(a))
}

/// End of a listing (durable timer): failed, deal, or on to the online auction.
pub struct ListingEnd;

#[async_trait::async_trait]
impl TimerHandler for ListingEnd {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        // A timer of an earlier round firing late, or the end moved: keep this round's timer.
        let due = due_auction(tx, db, clock, timer, "listing", LISTING_TIMER, |a| {
            listing_key(&a.id, a.round)
        });
        let Some(a) = due.await? else {
            return Ok(());
        };
        let (id, now) = (a.id.clone(), clock.now());
        let bidders = distinct_bidders(tx, &id, a.round).await?;
        let base = rules::listing_outcome(bidders.len(), a.current_fen, a.reserve_fen);
        // 39号令 第二十条: on `continuation: on_request`, several quoting bidders go on to the
        // auction only when one asked to continue; otherwise the highest quote settles it.
        match crate::land::listing_end_outcome(tx, &a, base).await? {
            ListingOutcome::Failed => {
                let reason = if a.current_fen.is_none() {
                    "no_quote"
                } else {
                    "reserve_not_met"
                };
                if set_phase(tx, &a, "listing", "failed", reason).await? {
                    fail(tx, db, &a, now, "auctions.listing.failed", reason).await?;
                }
            }
            ListingOutcome::Deal => {
                if set_phase(tx, &a, "listing", "deal", "deal").await? {
                    confirm_deal(tx, db, &a, now, "listing").await?;
                }
            }
            ListingOutcome::Auction if a.final_auction == "onsite" => {
                // 39号令 第二十条: several bidders still competing go to an on-site auction; staff
                // book a room through venues and record the result.
                if set_phase(tx, &a, "listing", "onsite_pending", "onsite").await? {
                    let numbers = sqlx::query(
                        "SELECT DISTINCT b.number FROM auction_bids b WHERE b.auction_id = $1 AND b.round = $2 ORDER BY b.number",
                    )
                    .bind(&id)
                    .bind(a.round)
                    .fetch_all(&mut **tx)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<String, _>(0))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                    emit(
                        tx,
                        db,
                        &system(),
                        now,
                        NewEvent::new(
                            "auctions.onsite.pending",
                            "auction",
                            &id,
                            json!({"auction_id": id, "section_id": a.section_id, "project_id": a.project_id,
                                   "market": a.market, "listing_end": a.listing_end.to_rfc3339(),
                                   "current_price": a.current_fen.map(|f| Money::from_fen(f).to_string()),
                                   "competing_numbers": numbers, "bidder_org_ids": bidders}),
                        ),
                    )
                    .await?;
                }
            }
            ListingOutcome::Auction => {
                let start = a.listing_end.max(now);
                let ends = start + Duration::seconds(a.free_bid_secs + a.extension_secs);
                let r = sqlx::query(
                    "UPDATE auctions SET phase = 'auction', auction_start = $1, ends_at = $2 \
                     WHERE id = $3 AND phase = 'listing' AND version = $4",
                )
                .bind(to_micros(start))
                .bind(to_micros(ends))
                .bind(&id)
                .bind(a.version)
                .execute(&mut **tx)
                .await?;
                if r.rows_affected() == 1 {
                    timers::schedule(
                        tx,
                        AUCTION_TIMER,
                        &end_key(&id, ends),
                        ends,
                        json!({"auction_id": id}),
                        now,
                    )
                    .await?;
                    emit(
                        tx,
                        db,
                        &system(),
                        now,
                        NewEvent::new(
                            "auctions.auction.started",
                            "auction",
                            &id,
                            json!({"auction_id": id, "section_id": a.section_id, "project_id": a.project_id,
                                   "market": a.market, "auction_start": start.to_rfc3339(),
                                   "free_bid_end": (start + Duration::seconds(a.free_bid_secs)).to_rfc3339(),
                                   "ends_at": ends.to_rfc3339(),
                                   "current_price": a.current_fen.map(|f| Money::from_fen(f).to_string())}),
                        ),
                    )
                    .await?;
                }
            }
        }
        CHANGED.notify_waiters();
        Ok(())
    }
}

/// End of an online auction (durable timer, moved by every extension).
pub struct AuctionEnd;

#[async_trait::async_trait]
impl TimerHandler for AuctionEnd {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        // Extended meanwhile: make sure the later end has its timer.
        let due = due_auction(tx, db, clock, timer, "auction", AUCTION_TIMER, |a| {
            end_key(&a.id, a.ends_at)
        });
        let Some(a) = due.await? else {
            return Ok(());
        };
        let now = clock.now();
        if rules::auction_is_deal(a.current_fen, a.reserve_fen) {
            if set_phase(tx, &a, "auction", "deal", "deal").await? {
                confirm_deal(tx, db, &a, now, "auction").await?;
            }
        } else if set_phase(tx, &a, "auction", "failed", "reserve_not_met").await? {
            fail(
                tx,
                db,
                &a,
                now,
                "auctions.auction.failed",
                "reserve_not_met",
            )
            .await?;
        }
        CHANGED.notify_waiters();
        Ok(())
    }
}

// --- re-listing (重新挂牌: 延期 or 降低底价)

/// Re-list a failed listing or auction: `extend` (a new listing / disclosure period, same floor)
/// or `lower_floor` (a lower starting price, disclosed again). Bidders and their numbers carry over.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RelistRequest {
    /// `extend` or `lower_floor`.
    #[schema(pattern = "^(extend|lower_floor)$")]
    pub kind: String,
    /// Default: now. Not in the past.
    pub listing_start: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub listing_end: chrono::DateTime<chrono::FixedOffset>,
    /// `lower_floor` only: the new starting price (起始价 / 转让底价), below the current one.
    #[schema(value_type = Option<ggzy_core::money::Money>)]
    pub starting_price: Option<String>,
    /// A new reserve price; omitted: the current one stays.
    #[schema(value_type = Option<ggzy_core::money::Money>)]
    pub reserve_price: Option<String>,
    /// Property, a new floor below 90 % of the appraisal: the approving body's written consent
    /// (转让行为批准单位书面同意, 32号令 第十八条) as a document; required then, recorded whenever given.
    pub consent: Option<crate::property::ConsentUpload>,
    /// Land `lower_floor`: the government's approval of the lower starting price (39号令 第十条).
    pub approval: Option<crate::land::LandApproval>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RelistDecision {
    /// Required when refusing.
    pub reason: Option<String>,
}

/// The legal period of a (re-)listing from `start` to `end` (39号令 19; 32号令 extension or, after a
/// lowered floor, a new disclosure of 20 working days, 32号令 13 and 18).
fn relist_period(
    r: &AuctionRules,
    cal: &ggzy_core::calendar::BusinessCalendar,
    market: &str,
    kind: &str,
    start: Timestamp,
    end: Timestamp,
    missing: &mut rules::Missing,
) -> Vec<FieldError> {
    match (market, kind) {
        ("land", _) => rules::check_land_listing(r, cal, start, end, missing)
            .into_iter()
            .collect(),
        ("property", "extend") => rules::check_property_extension(r, cal, start, end, missing),
        ("property", _) => rules::check_property_schedule(r, cal, start, start, end, missing),
        _ => vec![FieldError::new(
            "section_id",
            "auctions.market",
            "listings and auctions are for the land and property markets",
        )],
    }
}

pub async fn relist(ctx: &Ctx, actor: &Actor, id: &str, rq: RelistRequest) -> Result<AuctionView> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin])?;
    let r = AuctionRules::national();
    let now = ctx.clock.now();
    let a = load(ctx.db.pool(), id, "").await?;
    if a.phase != "failed" {
        return Err(Error::conflict(
            "auctions.relist_not_failed",
            format!(
                "only a failed listing or auction can be re-listed; this one is {}",
                a.phase
            ),
        ));
    }
    // 拍卖出让 / 矿业权出让 procedures are not re-listed as a listing round (crate::land_auction).
    crate::land_auction::check_relist(ctx, &a.section_id).await?;
    let mut v = Vec::new();
    let start = rq
        .listing_start
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(now);
    let end = rq.listing_end.with_timezone(&chrono::Utc);
    if start < now - Duration::minutes(1) {
        v.push(FieldError::new(
            "listing_start",
            "auctions.relist_start",
            "a re-listing does not start in the past",
        ));
    }
    if end <= start {
        v.push(FieldError::new(
            "listing_end",
            "auctions.end_after_start",
            "the listing ends after it starts",
        ));
    }
    let starting = match (rq.kind.as_str(), &rq.starting_price) {
        ("extend", None) => Some(a.starting_fen),
        ("extend", Some(p)) => match Money::parse_str(p) {
            Ok(m) if m.fen() == a.starting_fen => Some(a.starting_fen),
            _ => {
                v.push(FieldError::new(
                    "starting_price",
                    "auctions.relist_extend_keeps_floor",
                    "an extension keeps the starting price; lowering it is `lower_floor`",
                ));
                None
            }
        },
        ("lower_floor", None) => {
            v.push(FieldError::new(
                "starting_price",
                "auctions.relist_floor_required",
                "lowering the floor needs the new starting price",
            ));
            None
        }
        ("lower_floor", Some(p)) => match money_field(&mut v, "starting_price", p) {
            Some(m) if m.fen() < a.starting_fen => Some(m.fen()),
            Some(_) => {
                v.push(FieldError::new(
                    "starting_price",
                    "auctions.relist_floor_lower",
                    format!(
                        "the new starting price is below the current {}",
                        Money::from_fen(a.starting_fen)
                    ),
                ));
                None
            }
            None => None,
        },
        _ => {
            v.push(FieldError::new(
                "kind",
                "auctions.relist_kind",
                "extend (延期) or lower_floor (降低底价)",
            ));
            None
        }
    };
    let reserve = match &rq.reserve_price {
        Some(p) => money_field(&mut v, "reserve_price", p).map(|m| Some(m.fen())),
        None => Some(a.reserve_fen),
    };
    if !v.is_empty() {
        // Kind and price first; the periods once those hold.
    } else if a.market == "land" {
        // 39号令 第十条: a new announcement ≥ 20 days before, a listing ≥ 10 days, and a lower
        // price approved by the government (recorded).
        crate::land::check_relist(
            ctx,
            &a,
            rq.kind == "lower_floor",
            start,
            end,
            rq.approval.as_ref(),
            &mut rules::Missing::new(),
            &mut v,
        )
        .await?;
    } else {
        v.extend(relist_period(
            &r,
            &ctx.calendar,
            &a.market,
            &rq.kind,
            start,
            end,
            &mut rules::Missing::new(),
        ));
    }
    // 32号令 第十八条: a property floor below 90% of the appraisal needs the approving body's
    // written consent (an unknown appraisal, from before it was recorded, always does). The
    // consent is the uploaded document itself, recorded with the re-listing (issue 21); it
    // replaced the second platform user's approval.
    let consent = match &rq.consent {
        Some(c) => match crate::property::validate_consent(c, ggzy_core::time::local_date(now)) {
            Ok(c) => Some(c),
            Err(e) => {
                v.extend(e);
                None
            }
        },
        None => None,
    };
    let needs_consent = starting.is_some_and(|st| {
        a.market == "property"
            && rq.kind == "lower_floor"
            && a.appraisal_fen
                .is_none_or(|ap| rules::floor_needs_approval(&r, st, ap))
    });
    if needs_consent && rq.consent.is_none() {
        v.push(FieldError::new(
            "consent",
            "auctions.floor_consent_required",
            format!(
                "a floor below 90% of the appraisal {} needs the approving body's written consent, uploaded as a document (32号令 第十八条)",
                a.appraisal_fen
                    .map(|f| Money::from_fen(f).to_string())
                    .unwrap_or_else(|| "(not recorded)".into())
            ),
        ));
    }
    let (Some(starting), Some(reserve), true) = (starting, reserve, v.is_empty()) else {
        return Err(Error::Validation(v));
    };
    let rl = RelistRow {
        id: ids::new_id(),
        kind: rq.kind.clone(),
        status: "applied".into(),
        round: a.round + 1,
        listing_start: start,
        listing_end: end,
        starting_fen: starting,
        previous_starting_fen: a.starting_fen,
        reserve_fen: reserve,
        requested_by: actor.user_id.clone(),
        decided_by: None,
        reason: None,
    };
    let mut tx = ctx.db.begin().await?;
    sqlx::query(&format!(
        "INSERT INTO auction_relists ({RELIST_COLS}, auction_id, requested_at) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, $11, $12)"
    ))
    .bind(&rl.id)
    .bind(&rl.kind)
    .bind(&rl.status)
    .bind(rl.round)
    .bind(to_micros(rl.listing_start))
    .bind(to_micros(rl.listing_end))
    .bind(rl.starting_fen)
    .bind(rl.previous_starting_fen)
    .bind(rl.reserve_fen)
    .bind(&rl.requested_by)
    .bind(id)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    if let (true, "lower_floor", Some(p)) = (a.market == "land", rq.kind.as_str(), &rq.approval) {
        crate::land::record_approval(&mut tx, &ctx.db, actor, &a, &rl.id, starting, p, now).await?;
    }
    if let Some(c) = &consent {
        crate::property::record_consent(&mut tx, id, &rl.id, c, &actor.user_id, now).await?;
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            NewEvent::new(
                "auctions.floor_consent.recorded",
                "auction",
                id,
                relist_payload(
                    &a,
                    &rl,
                    json!({"threshold_bp": r.floor_approval_bp, "required": needs_consent,
                           "approving_body": c.approving_body, "signed_by": c.signed_by,
                           "consented_on": c.consented_on.to_string(), "file_name": c.file_name,
                           "sha256": c.sha256, "size_bytes": c.size_bytes}),
                ),
            ),
        )
        .await?;
    }
    if !apply_relist(&mut tx, &ctx.db, &actor.actor_ref(), &a, "failed", &rl, now).await? {
        tx.rollback().await?;
        return Err(relist_race());
    }
    let answer = view_on(&mut tx, now, actor, id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    CHANGED.notify_waiters();
    Ok(answer)
}

/// A holiday schedule was imported (`calendar.schedule.imported`): every listing round whose period
/// was checked provisionally (a year counted with weekends only) is checked again with the live
/// calendar, against the same rule it was first checked with (first listing: 39号令 10 and 19 /
/// 32号令 13; re-listing: its kind). Each gets `auctions.listing.periods_rechecked` with the outcome;
/// the mark stays only while a year is still missing. A running listing is never stopped by this:
/// a period now too short is reported (monitoring raises `calendar.period_too_short`) for staff.
pub(crate) async fn recheck_provisional(tx: &mut Tx, db: &Db, now: Timestamp) -> Result<()> {
    ggzy_store::calendar::refresh(db).await?;
    let r = AuctionRules::national();
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM auctions WHERE periods_provisional = 1 ORDER BY id"
    ))
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        let a = auction_row(&row)?;
        let announced: Option<i64> =
            sqlx::query("SELECT announced_at FROM auction_sections WHERE section_id = $1")
                .bind(&a.section_id)
                .fetch_optional(&mut **tx)
                .await?
                .map(|r| r.try_get::<Option<i64>, _>(0))
                .transpose()?
                .flatten();
        let mut missing = rules::Missing::new();
        let cal = db.calendar();
        let (start, end) = (a.listing_start, a.listing_end);
        let broken = match (a.period_kind.as_str(), a.market.as_str(), announced) {
            ("listing", "land", Some(at)) => {
                rules::check_land_schedule(&r, cal, from_micros(at), start, end, &mut missing)
            }
            ("listing", "property", Some(at)) => {
                rules::check_property_schedule(&r, cal, from_micros(at), start, end, &mut missing)
            }
            ("listing", _, _) => Vec::new(),
            (kind, market, _) => relist_period(&r, cal, market, kind, start, end, &mut missing),
        };
        if !missing.is_empty() {
            ggzy_store::calendar::note_missing(tx, db, now, &missing, "auctions.listing_period")
                .await?;
        }
        sqlx::query("UPDATE auctions SET periods_provisional = $1 WHERE id = $2")
            .bind(i64::from(!missing.is_empty()))
            .bind(&a.id)
            .execute(&mut **tx)
            .await?;
        let broken: Vec<Value> = broken
            .into_iter()
            .map(|e| json!({"field": e.field, "rule": e.rule, "message": e.message}))
            .collect();
        emit(
            tx,
            db,
            &ActorRef::system("auctions"),
            now,
            NewEvent::new(
                "auctions.listing.periods_rechecked",
                "auction",
                &a.id,
                json!({"auction_id": a.id, "section_id": a.section_id, "project_id": a.project_id,
                       "market": a.market, "round": a.round, "period_kind": a.period_kind,
                       "listing_start": start.to_rfc3339(), "listing_end": end.to_rfc3339(),
                       "ok": broken.is_empty(), "broken": broken,
                       "provisional": !missing.is_empty(), "missing_years": missing}),
            ),
        )
        .await?;
    }
    Ok(())
}

fn relist_race() -> Error {
    Error::conflict(
        "auctions.relist_conflict",
        "the auction changed meanwhile; reload and try again",
    )
}

fn relist_payload(a: &AuctionRow, rl: &RelistRow, extra: Value) -> Value {
    let mut p = json!({"auction_id": a.id, "relist_id": rl.id, "section_id": a.section_id,
        "project_id": a.project_id, "market": a.market, "kind": rl.kind, "round": rl.round,
        "listing_start": rl.listing_start.to_rfc3339(), "listing_end": rl.listing_end.to_rfc3339(),
        "starting_price": Money::from_fen(rl.starting_fen).to_string(),
        "previous_starting_price": Money::from_fen(rl.previous_starting_fen).to_string(),
        "appraisal_value": a.appraisal_fen.map(|f| Money::from_fen(f).to_string()),
        "requested_by": rl.requested_by});
    if let (Some(o), Some(e)) = (p.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            o.insert(k.clone(), v.clone());
        }
    }
    p
}

/// Open the next round: the listing starts again with no quote, the same bidders and numbers, and
/// a new end timer. Conditional on the phase and version read by the caller.
async fn apply_relist(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    a: &AuctionRow,
    from: &str,
    rl: &RelistRow,
    now: Timestamp,
) -> Result<bool> {
    // The period was checked by the caller; whether that check was provisional is kept with the
    // round (re-checked when a missing year is imported).
    let mut missing = rules::Missing::new();
    relist_period(
        &AuctionRules::national(),
        db.calendar(),
        &a.market,
        &rl.kind,
        rl.listing_start,
        rl.listing_end,
        &mut missing,
    );
    let res = sqlx::query(
        "UPDATE auctions SET phase = 'listing', round = $1, listing_start = $2, listing_end = $3, \
         ends_at = $3, starting_fen = $4, reserve_fen = $5, current_fen = NULL, leader_org_id = NULL, \
         auction_start = NULL, outcome = NULL, version = version + 1, periods_provisional = $9, \
         period_kind = $10 WHERE id = $6 AND phase = $7 AND version = $8",
    )
    .bind(rl.round)
    .bind(to_micros(rl.listing_start))
    .bind(to_micros(rl.listing_end))
    .bind(rl.starting_fen)
    .bind(rl.reserve_fen)
    .bind(&a.id)
    .bind(from)
    .bind(a.version)
    .bind(i64::from(!missing.is_empty()))
    .bind(&rl.kind)
    .execute(&mut **tx)
    .await?;
    if res.rows_affected() != 1 {
        return Ok(false);
    }
    if !missing.is_empty() {
        ggzy_store::calendar::note_missing(tx, db, now, &missing, "auctions.listing_period")
            .await?;
    }
    timers::schedule(
        tx,
        LISTING_TIMER,
        &listing_key(&a.id, rl.round),
        rl.listing_end,
        json!({"auction_id": a.id}),
        now,
    )
    .await?;
    let bidders = numbered_bidders(tx, &a.section_id).await?;
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "auctions.listing.relisted",
            "auction",
            &a.id,
            relist_payload(
                a,
                rl,
                json!({"reserve_set": rl.reserve_fen.is_some(), "bidder_org_ids": bidders,
                       "approved_by": rl.decided_by, "periods_provisional": !missing.is_empty()}),
            ),
        ),
    )
    .await?;
    Ok(true)
}

/// Approve (`approve = true`) or refuse a pending re-listing. Four eyes: not its requester.
pub async fn decide_relist(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    approve: bool,
    d: RelistDecision,
) -> Result<AuctionView> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin])?;
    let r = AuctionRules::national();
    let now = ctx.clock.now();
    let reason = d.reason.as_deref().map(str::trim).unwrap_or("");
    if !approve && reason.is_empty() {
        return Err(Error::field(
            "reason",
            "auctions.refusal_reason",
            "a refusal states its reason",
        ));
    }
    let a = load(ctx.db.pool(), id, "").await?;
    let row = sqlx::query(&format!(
        "SELECT {RELIST_COLS} FROM auction_relists WHERE auction_id = $1 AND status = 'pending_approval'"
    ))
    .bind(id)
    .fetch_optional(ctx.db.pool())
    .await?;
    let (Some(row), "pending_approval") = (row, a.phase.as_str()) else {
        return Err(Error::conflict(
            "auctions.no_pending_relist",
            "no re-listing of this auction waits for approval",
        ));
    };
    let mut rl = relist_row(&row)?;
    if rl.requested_by == actor.user_id {
        return Err(Error::conflict(
            "auctions.second_approver",
            "a re-listing below 90% of the appraisal is decided by another staff member or admin than its requester (32号令 第十八条)",
        ));
    }
    if approve {
        // Approved late: the round starts now at the earliest, and must still keep its period.
        rl.listing_start = rl.listing_start.max(now);
        let v = relist_period(
            &r,
            &ctx.calendar,
            &a.market,
            &rl.kind,
            rl.listing_start,
            rl.listing_end,
            &mut rules::Missing::new(),
        );
        if !v.is_empty() {
            return Err(Error::Validation(v));
        }
    }
    rl.decided_by = Some(actor.user_id.clone());
    let status = if approve { "approved" } else { "refused" };
    let mut tx = ctx.db.begin().await?;
    let res = sqlx::query(
        "UPDATE auction_relists SET status = $1, decided_by = $2, decided_at = $3, reason = $4, \
         listing_start = $5 WHERE id = $6 AND status = 'pending_approval'",
    )
    .bind(status)
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .bind((!reason.is_empty()).then_some(reason))
    .bind(to_micros(rl.listing_start))
    .bind(&rl.id)
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() != 1 {
        tx.rollback().await?;
        return Err(relist_race());
    }
    let event = if approve {
        "auctions.relist.approved"
    } else {
        "auctions.relist.refused"
    };
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            event,
            "auction",
            id,
            relist_payload(
                &a,
                &rl,
                json!({"decided_by": actor.user_id, "reason": (!reason.is_empty()).then_some(reason)}),
            ),
        ),
    )
    .await?;
    let ok = if approve {
        apply_relist(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            &a,
            "pending_approval",
            &rl,
            now,
        )
        .await?
    } else {
        set_phase(&mut tx, &a, "pending_approval", "failed", "relist_refused").await?
    };
    if !ok {
        tx.rollback().await?;
        return Err(relist_race());
    }
    let answer = view_on(&mut tx, now, actor, id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    CHANGED.notify_waiters();
    Ok(answer)
}

// --- on-site auction (现场竞价)

/// The result of the on-site auction, recorded by staff after it took place.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OnsiteResult {
    /// `deal` (default) or `failed`.
    pub result: Option<String>,
    /// The winner's bidder number (竞买号), for a deal.
    pub winner_number: Option<String>,
    /// The final price, for a deal: at least the highest quote of the listing.
    pub price: Option<String>,
    /// Why it failed (for `failed`).
    pub reason: Option<String>,
}

pub async fn onsite_result(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    o: OnsiteResult,
) -> Result<AuctionView> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin])?;
    let now = ctx.clock.now();
    let a = load(ctx.db.pool(), id, "").await?;
    if a.phase != "onsite_pending" {
        return Err(Error::conflict(
            "auctions.not_onsite_pending",
            format!("no on-site auction is pending; the auction is {}", a.phase),
        ));
    }
    let booking = sqlx::query(
        "SELECT booking_id, starts_at FROM auction_onsite_bookings \
         WHERE section_id = $1 AND status = 'confirmed' ORDER BY starts_at DESC LIMIT 1",
    )
    .bind(&a.section_id)
    .fetch_optional(ctx.db.pool())
    .await?;
    let Some(booking) = booking else {
        return Err(Error::conflict(
            "auctions.onsite_not_booked",
            "no confirmed venues booking (purpose auction) for this section",
        ));
    };
    let booking_id: String = booking.try_get(0)?;
    if from_micros(booking.try_get(1)?) > now {
        return Err(Error::conflict(
            "auctions.onsite_not_held",
            "the on-site auction has not started yet",
        ));
    }
    let result = o.result.as_deref().unwrap_or("deal");
    let mut v = Vec::new();
    let mut tx;
    match result {
        "failed" => {
            let reason = o.reason.as_deref().map(str::trim).unwrap_or("");
            if reason.is_empty() {
                return Err(Error::field(
                    "reason",
                    "auctions.onsite_failure_reason",
                    "a failed on-site auction states why",
                ));
            }
            tx = ctx.db.begin().await?;
            if !set_phase(&mut tx, &a, "onsite_pending", "failed", "onsite_failed").await? {
                tx.rollback().await?;
                return Err(relist_race());
            }
            fail(
                &mut tx,
                &ctx.db,
                &a,
                now,
                "auctions.auction.failed",
                "onsite_failed",
            )
            .await?;
        }
        "deal" => {
            let number = o.winner_number.as_deref().unwrap_or("").trim().to_string();
            let winner = if number.is_empty() {
                None
            } else {
                sqlx::query(
                    "SELECT org_id FROM auction_bidders WHERE section_id = $1 AND number = $2",
                )
                .bind(&a.section_id)
                .bind(&number)
                .fetch_optional(ctx.db.pool())
                .await?
                .map(|r| r.try_get::<String, _>(0))
                .transpose()?
            };
            if winner.is_none() {
                v.push(FieldError::new(
                    "winner_number",
                    "auctions.winner_number",
                    "the winner is a bidder number (竞买号) of this section",
                ));
            }
            let price = match &o.price {
                Some(p) => money_field(&mut v, "price", p),
                None => {
                    v.push(FieldError::new("price", "required", "the final price"));
                    None
                }
            };
            if let (Some(p), Some(c)) = (&price, a.current_fen) {
                if p.fen() < c {
                    v.push(FieldError::new(
                        "price",
                        "auctions.onsite_price_below_highest",
                        format!(
                            "the on-site price is at least the listing's highest quote {}",
                            Money::from_fen(c)
                        ),
                    ));
                }
            }
            let (Some(winner), Some(price), true) = (winner, price, v.is_empty()) else {
                return Err(Error::Validation(v));
            };
            tx = ctx.db.begin().await?;
            if rules::auction_is_deal(Some(price.fen()), a.reserve_fen) {
                let res = sqlx::query(
                    "UPDATE auctions SET current_fen = $1, leader_org_id = $2, phase = 'deal', outcome = 'deal', \
                     version = version + 1 WHERE id = $3 AND phase = 'onsite_pending' AND version = $4",
                )
                .bind(price.fen())
                .bind(&winner)
                .bind(id)
                .bind(a.version)
                .execute(&mut *tx)
                .await?;
                if res.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Err(relist_race());
                }
                sqlx::query(
                    "INSERT INTO auction_bids (auction_id, seq, id, org_id, number, price_fen, phase, at, ends_at, round) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'onsite', $7, $7, $8)",
                )
                .bind(id)
                .bind(a.version + 1)
                .bind(ids::new_id())
                .bind(&winner)
                .bind(&number)
                .bind(price.fen())
                .bind(to_micros(now))
                .bind(a.round)
                .execute(&mut *tx)
                .await?;
                let mut won = a.clone();
                won.current_fen = Some(price.fen());
                won.leader_org_id = Some(winner);
                confirm_deal(&mut tx, &ctx.db, &won, now, "onsite").await?;
            } else {
                if !set_phase(&mut tx, &a, "onsite_pending", "failed", "reserve_not_met").await? {
                    tx.rollback().await?;
                    return Err(relist_race());
                }
                let mut low = a.clone();
                low.current_fen = Some(price.fen());
                fail(
                    &mut tx,
                    &ctx.db,
                    &low,
                    now,
                    "auctions.auction.failed",
                    "reserve_not_met",
                )
                .await?;
            }
        }
        _ => {
            return Err(Error::field(
                "result",
                "auctions.onsite_result",
                "deal or failed",
            ))
        }
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "auctions.onsite.recorded",
            "auction",
            id,
            json!({"auction_id": id, "section_id": a.section_id, "project_id": a.project_id,
                   "market": a.market, "booking_id": booking_id, "result": result,
                   "winner_number": o.winner_number, "price": o.price, "reason": o.reason,
                   "recorded_at": now.to_rfc3339()}),
        ),
    )
    .await?;
    let answer = view_on(&mut tx, now, actor, id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    CHANGED.notify_waiters();
    Ok(answer)
}

// --- live stream

/// What a watcher sees after each change.
pub async fn live_state(ctx: &Ctx, id: &str, org: Option<&str>) -> Result<Value> {
    let shared = shared_state(ctx, id).await?;
    let my = match org {
        Some(o) => my_number(ctx, &shared.section_id, o).await?,
        None => None,
    };
    Ok(compose_state(&shared, my.as_deref(), org, ctx.clock.now()))
}

/// The part of an auction's live state that is the same for every watcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedState {
    pub section_id: String,
    pub phase: String,
    pub version: i64,
    pub current_fen: Option<i64>,
    pub ends_at: Timestamp,
    pub leader_org_id: Option<String>,
}

impl SharedState {
    pub fn over(&self) -> bool {
        self.phase == "deal" || self.phase == "failed"
    }
}

/// Read the shared live state of an auction (one row).
pub async fn shared_state(ctx: &Ctx, id: &str) -> Result<SharedState> {
    let a = load(ctx.db.pool(), id, "").await?;
    Ok(SharedState {
        section_id: a.section_id,
        phase: a.phase,
        version: a.version,
        current_fen: a.current_fen,
        ends_at: a.ends_at,
        leader_org_id: a.leader_org_id,
    })
}

/// The bidder number (竞买号) of an organization in a section, if it has one.
pub async fn my_number(ctx: &Ctx, section_id: &str, org_id: &str) -> Result<Option<String>> {
    bidder_number(ctx.db.pool(), section_id, org_id).await
}

/// The `state` event a watcher sees: the shared state plus its own number and status.
pub fn compose_state(
    a: &SharedState,
    my: Option<&str>,
    org: Option<&str>,
    now: Timestamp,
) -> Value {
    let over = a.over();
    let status = match (
        my,
        a.leader_org_id.as_deref() == org && org.is_some(),
        over,
        a.phase.as_str(),
    ) {
        (None, _, _, _) => "watching",
        (Some(_), true, true, "deal") => "won",
        (Some(_), _, true, _) => "lost",
        (Some(_), true, false, _) => "leading",
        (Some(_), false, false, _) if a.current_fen.is_some() => "outbid",
        _ => "not_bidding",
    };
    json!({
        "phase": a.phase,
        "version": a.version,
        "current_price": a.current_fen.map(|f| Money::from_fen(f).to_string()),
        "ends_at": a.ends_at.to_rfc3339(),
        "time_left_secs": (a.ends_at - now).num_seconds().max(0),
        "my_number": my,
        "my_status": status,
        "over": over,
    })
}

/// Bids after `after` in order (the SSE log; `seq` is the event id).
pub async fn bids_after(ctx: &Ctx, id: &str, after: i64) -> Result<Vec<(i64, Value)>> {
    let rows = sqlx::query(
        "SELECT seq, number, price_fen, phase, at, ends_at FROM auction_bids WHERE auction_id = $1 AND seq > $2 ORDER BY seq LIMIT 500",
    )
    .bind(id)
    .bind(after)
    .fetch_all(ctx.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let seq: i64 = r.try_get(0)?;
            Ok((
                seq,
                json!({"seq": seq, "number": r.try_get::<String, _>(1)?,
                       "price": Money::from_fen(r.try_get(2)?).to_string(),
                       "phase": r.try_get::<String, _>(3)?,
                       "at": from_micros(r.try_get(4)?).to_rfc3339(),
                       "ends_at": from_micros(r.try_get(5)?).to_rfc3339()}),
            ))
        })
        .collect()
}

/// Check the caller may watch (any staff, supervisor, or a bidder).
pub async fn check_watch(ctx: &Ctx, actor: &Actor, id: &str) -> Result<()> {
    actor.require(&WATCHERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    let a = load(&mut *conn, id, "").await?;
    transferor_only(&mut conn, actor, &a.section_id).await
}

/// Who may follow a listing: staff, admin, supervisors, bidders, and the transferor (转让方) —
/// a tenderer or agency organization — of its own sections only ([`transferor_only`]).
pub const WATCHERS: [ggzy_identity::Role; 6] = [
    ggzy_identity::Role::Staff,
    ggzy_identity::Role::Admin,
    ggzy_identity::Role::Supervisor,
    ggzy_identity::Role::Bidder,
    ggzy_identity::Role::Tenderer,
    ggzy_identity::Role::Agency,
];

/// A tenderer or agency follows only the listings of the sections its organization registered
/// (issue 21: the transferor got 403 on its own auction); it sees what a watching bidder sees —
/// prices and the bid sequence by bidder number (竞买号), never who bid.
async fn transferor_only(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    section_id: &str,
) -> Result<()> {
    use ggzy_identity::Role;
    if !(actor.is(Role::Tenderer) || actor.is(Role::Agency)) {
        return Ok(());
    }
    match &actor.org_id {
        Some(o) if crate::property::is_transferor(conn, section_id, o).await? => Ok(()),
        _ => Err(Error::forbidden(
            "only the organization that registered this section's project follows its listing",
        )),
    }
}

// --- the staff's list

/// One listing in the staff's list: the view and the section's name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingLine {
    pub name: String,
    #[serde(flatten)]
    pub view: AuctionView,
}

/// Every listing, the latest first (staff, admin, supervisor): the staff page's list.
pub async fn list_listings(ctx: &Ctx, actor: &Actor) -> Result<Vec<ListingLine>> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    let rows = sqlx::query(
        "SELECT a.id, COALESCE(s.name, '') FROM auctions a LEFT JOIN auction_sections s \
         ON s.section_id = a.section_id ORDER BY a.listing_end DESC, a.id LIMIT 200",
    )
    .fetch_all(ctx.db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get(0)?;
        out.push(ListingLine {
            name: r.try_get(1)?,
            view: view(ctx, actor, &id).await?,
        });
    }
    Ok(out)
}

// --- the staff's queue of re-listings

/// A re-listing waiting for its approval (32号令 第十八条: a floor below 90% of the appraisal needs a
/// second user's approval), as the staff's queue shows it.
#[derive(Debug, Clone)]
pub struct PendingRelist {
    pub auction_id: String,
    pub section_id: String,
    /// The section's name (this area's copy from `projects.section.registered`).
    pub section_name: String,
    pub market: String,
    /// `extend` or `lower_floor`.
    pub kind: String,
    pub round: i64,
    pub listing_start: Timestamp,
    pub listing_end: Timestamp,
    pub starting_price: Money,
    pub previous_starting_price: Money,
    pub appraisal_value: Option<Money>,
    pub requested_by: String,
    pub requested_at: Timestamp,
}

/// Re-listings waiting for approval, oldest first (staff, admin).
pub async fn pending_relists(ctx: &Ctx, actor: &Actor) -> Result<Vec<PendingRelist>> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin])?;
    let rows = sqlx::query(
        "SELECT r.auction_id, a.section_id, COALESCE(s.name, ''), a.market, r.kind, r.round, \
         r.listing_start, r.listing_end, r.starting_fen, r.previous_starting_fen, a.appraisal_fen, \
         r.requested_by, r.requested_at \
         FROM auction_relists r JOIN auctions a ON a.id = r.auction_id \
         LEFT JOIN auction_sections s ON s.section_id = a.section_id \
         WHERE r.status = 'pending_approval' ORDER BY r.requested_at, r.id",
    )
    .fetch_all(ctx.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PendingRelist {
                auction_id: r.try_get(0)?,
                section_id: r.try_get(1)?,
                section_name: r.try_get(2)?,
                market: r.try_get(3)?,
                kind: r.try_get(4)?,
                round: r.try_get(5)?,
                listing_start: from_micros(r.try_get(6)?),
                listing_end: from_micros(r.try_get(7)?),
                starting_price: Money::from_fen(r.try_get(8)?),
                previous_starting_price: Money::from_fen(r.try_get(9)?),
                appraisal_value: r.try_get::<Option<i64>, _>(10)?.map(Money::from_fen),
                requested_by: r.try_get(11)?,
                requested_at: from_micros(r.try_get(12)?),
            })
        })
        .collect()
}
