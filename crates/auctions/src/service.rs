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
        )
    }

    async fn handle(&self, tx: &mut Tx, _db: &Db, _clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        match ev.event_type.as_str() {
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
            _ => {}
        }
        Ok(())
    }
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
    pub starting_price: String,
    /// Increment (增价幅度), decimal string.
    pub increment: String,
    /// Reserve price (保留价), kept secret until the end.
    pub reserve_price: Option<String>,
    /// Free-bid period of the online auction (自由竞价), minutes; default 10.
    pub free_bid_minutes: Option<i64>,
    /// Extension period (延时周期), minutes; default 5.
    pub extension_minutes: Option<i64>,
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
    /// `listing`, `auction`, `deal` or `failed`.
    pub phase: String,
    pub listing_start: String,
    pub listing_end: String,
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
    pub bids: Vec<BidView>,
}

#[derive(Debug, Clone)]
struct AuctionRow {
    id: String,
    section_id: String,
    project_id: String,
    market: String,
    phase: String,
    listing_start: Timestamp,
    listing_end: Timestamp,
    free_bid_secs: i64,
    extension_secs: i64,
    auction_start: Option<Timestamp>,
    ends_at: Timestamp,
    starting_fen: i64,
    increment_fen: i64,
    reserve_fen: Option<i64>,
    current_fen: Option<i64>,
    leader_org_id: Option<String>,
    version: i64,
    outcome: Option<String>,
}

const COLS: &str =
    "id, section_id, project_id, market, phase, listing_start, listing_end, free_bid_secs, \
    extension_secs, auction_start, ends_at, starting_fen, increment_fen, reserve_fen, current_fen, \
    leader_org_id, version, outcome";

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
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin])?;
    let r = AuctionRules::national();
    let sec = sqlx::query(
        "SELECT project_id, market, announced_at FROM auction_sections WHERE section_id = $1",
    )
    .bind(&nl.section_id)
    .fetch_optional(ctx.db.pool())
    .await?
    .ok_or_else(|| Error::not_found("section"))?;
    let project_id: String = sec.try_get(0)?;
    let market: String = sec.try_get(1)?;
    let announced: Option<i64> = sec.try_get(2)?;
    let mut v = Vec::new();
    let start = nl.listing_start.with_timezone(&chrono::Utc);
    let end = nl.listing_end.with_timezone(&chrono::Utc);
    if end <= start {
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
        ("land", Some(a)) => v.extend(rules::check_land_schedule(&r, a, start, end)),
        ("property", Some(a)) => v.extend(rules::check_property_schedule(
            &r,
            &ctx.calendar,
            a,
            start,
            end,
        )),
        _ => v.push(FieldError::new(
            "section_id",
            "auctions.market",
            "listings and auctions are for the land and property markets",
        )),
    }
    let starting = money_field(&mut v, "starting_price", &nl.starting_price);
    let increment = money_field(&mut v, "increment", &nl.increment);
    let reserve = match &nl.reserve_price {
        Some(p) => money_field(&mut v, "reserve_price", p).map(Some),
        None => Some(None),
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
    let (Some(starting), Some(increment), Some(reserve), true) =
        (starting, increment, reserve, v.is_empty())
    else {
        return Err(Error::Validation(v));
    };
    let now = ctx.clock.now();
    let id = ids::new_id();
    let mut tx = ctx.db.begin().await?;
    let res = sqlx::query(&format!(
        "INSERT INTO auctions ({COLS}, created_at, created_by) VALUES \
         ($1, $2, $3, $4, 'listing', $5, $6, $7, $8, NULL, $9, $10, $11, $12, NULL, NULL, 0, NULL, $13, $14) \
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
    .bind(to_micros(end))
    .bind(starting.fen())
    .bind(increment.fen())
    .bind(reserve.map(|m| m.fen()))
    .bind(to_micros(now))
    .bind(&actor.user_id)
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() != 1 {
        tx.rollback().await?;
        return Err(Error::conflict(
            "auctions.one_listing_per_section",
            "the section already has a listing",
        ));
    }
    timers::schedule(
        &mut tx,
        LISTING_TIMER,
        &format!("auction-listing:{id}"),
        end,
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
                   "starting_price": starting.to_string(), "increment": increment.to_string()}),
        ),
    )
    .await?;
    ctx.db.commit(tx).await?;
    view(ctx, actor, &id).await
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
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor, Role::Bidder])?;
    let a = load(ctx.db.pool(), id, "").await?;
    let my_number = match &actor.org_id {
        Some(o) => bidder_number(ctx.db.pool(), &a.section_id, o).await?,
        None => None,
    };
    let rows = sqlx::query(
        "SELECT seq, number, price_fen, phase, at FROM auction_bids WHERE auction_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(ctx.db.pool())
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
    Ok(AuctionView {
        time_left_secs: (a.ends_at - ctx.clock.now()).num_seconds().max(0),
        id: a.id,
        section_id: a.section_id,
        project_id: a.project_id,
        market: a.market,
        phase: a.phase,
        listing_start: a.listing_start.to_rfc3339(),
        listing_end: a.listing_end.to_rfc3339(),
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
    let price = Money::parse_str(price).map_err(|mut e| {
        e.field = "price".into();
        Error::Validation(vec![e])
    })?;
    let now = ctx.clock.now();
    let a = load(ctx.db.pool(), id, "").await?;
    let number = bidder_number(ctx.db.pool(), &a.section_id, &org)
        .await?
        .ok_or_else(|| {
            Error::forbidden(
                "only registered bidders with a valid deposit (竞买保证金) have a bidder number",
            )
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
        "INSERT INTO auction_bids (auction_id, seq, id, org_id, number, price_fen, phase, at, ends_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
                   "extended": new_end != a.ends_at}),
        ),
    )
    .await?;
    ctx.db.commit(tx).await?;
    CHANGED.notify_waiters();
    Ok(BidAccepted {
        seq,
        number,
        price: price.to_string(),
        ends_at: new_end.to_rfc3339(),
    })
}

fn end_key(id: &str, at: Timestamp) -> String {
    format!("auction-end:{id}:{}", to_micros(at))
}

// --- ends

fn system() -> ActorRef {
    ActorRef::system("auctions")
}

async fn distinct_bidders(tx: &mut Tx, id: &str) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT DISTINCT org_id FROM auction_bids WHERE auction_id = $1")
        .bind(id)
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

/// End of a listing (durable timer): failed, deal, or on to the online auction.
pub struct ListingEnd;

#[async_trait::async_trait]
impl TimerHandler for ListingEnd {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let id = s(&timer.payload, "auction_id").to_string();
        let a = load(&mut **tx, &id, db.for_update()).await?;
        if a.phase != "listing" {
            return Ok(());
        }
        let now = clock.now();
        let bidders = distinct_bidders(tx, &id).await?;
        match rules::listing_outcome(bidders.len(), a.current_fen, a.reserve_fen) {
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
        let id = s(&timer.payload, "auction_id").to_string();
        let a = load(&mut **tx, &id, db.for_update()).await?;
        if a.phase != "auction" {
            return Ok(());
        }
        let now = clock.now();
        if a.ends_at > now {
            // Extended meanwhile: make sure the later end has its timer.
            timers::schedule(
                tx,
                AUCTION_TIMER,
                &end_key(&id, a.ends_at),
                a.ends_at,
                json!({"auction_id": id}),
                now,
            )
            .await?;
            return Ok(());
        }
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

// --- live stream

/// What a watcher sees after each change.
pub async fn live_state(ctx: &Ctx, id: &str, org: Option<&str>) -> Result<Value> {
    let a = load(ctx.db.pool(), id, "").await?;
    let now = ctx.clock.now();
    let over = a.phase == "deal" || a.phase == "failed";
    let my = match org {
        Some(o) => bidder_number(ctx.db.pool(), &a.section_id, o).await?,
        None => None,
    };
    let status = match (
        &my,
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
    Ok(json!({
        "phase": a.phase,
        "version": a.version,
        "current_price": a.current_fen.map(|f| Money::from_fen(f).to_string()),
        "ends_at": a.ends_at.to_rfc3339(),
        "time_left_secs": (a.ends_at - now).num_seconds().max(0),
        "my_number": my,
        "my_status": status,
        "over": over,
    }))
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
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor, Role::Bidder])?;
    load(ctx.db.pool(), id, "").await.map(|_| ())
}
