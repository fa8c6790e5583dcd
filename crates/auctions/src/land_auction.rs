//! Land auction (拍卖出让) and mining-right transfers (矿业权出让) as procedures of the land market
//! (issue 21). The section's procedure (`projects.procedure`, learnt from
//! `projects.section.registered`) decides:
//!
//! - `land_auction`: no listing period; a live auction (the engine's `auction` phase: starting
//!   price, increments, extensions) starts at least 20 days after the transfer announcement
//!   (国土资源部令第39号 第十条). At its end the highest bid wins when it reaches the reserve price
//!   (底价), else the auction is terminated (流拍, 39号令 第十六条). A deal opens the land contract
//!   step (crate::land_contract). Fewer than 3 eligible bidders at the start terminate it before
//!   any bid ([`start_shortfall`]; 第十六条 as believed of its 2002 text, unconfirmed for the
//!   2007 text: a rule row of `auction_procedure_rules`, docs/procedures.md).
//! - `mining_listing`: a listing whose announcement period is ≥ 20 working days and whose listing
//!   period is ≥ 10 working days ([`MiningRules`]).
//! - `mining_auction`: a live auction ≥ 20 working days after the announcement.
//!
//! Mining rights are a *subject* of the land market (procedures, not a market value): the centre
//! runs them in the same land trading system (出让公告, 竞买保证金, 挂牌 / 拍卖, 成交确认); only the
//! periods differ, and those are procedure data (docs/procedures.md "Mining rights").

use crate::rules::{self, AuctionRules, Missing};
use crate::service::{self, AuctionView, NewListing};
use axum::extract::State;
use axum::http::StatusCode;
use ggzy_core::calendar::BusinessCalendar;
use ggzy_core::http::Json;
use ggzy_core::period::Days;
use ggzy_core::{Error, FieldError, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The mining-right periods (矿业权出让交易规则, 自然资源部 自然资规〔2023〕1号). The rules in force
/// were identified from a secondary source (the ministry's 2023 consultation notice refers to
/// them by number); their articles could not be read here, so each value carries the state of
/// its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiningRules {
    /// Auction and listing: the transfer announcement (出让公告) at least N working days before
    /// the auction or the listing starts. Secondary (provincial online rules; the 2011 trial
    /// rules 国土资发〔2011〕242号 said 20 days).
    pub announcement_working_days: u32,
    /// The listing (挂牌) period, at least N working days. Secondary (provincial online rules).
    pub listing_working_days: u32,
    /// The result publicity (结果公示): published within N working days of the deal …
    pub publicity_within_working_days: u32,
    /// … for at least N working days. Secondary (provincial online rules).
    pub publicity_working_days: u32,
    pub source: &'static str,
}

impl MiningRules {
    pub fn national() -> Self {
        MiningRules {
            announcement_working_days: 20,
            listing_working_days: 10,
            publicity_within_working_days: 5,
            publicity_working_days: 10,
            source:
                "矿业权出让交易规则 (自然资规〔2023〕1号; articles not verified, values secondary)",
        }
    }
}

/// How the auctions area runs a section, by its procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `listing` of land or property (and sections learnt before the procedure was recorded).
    Listing,
    LandAuction,
    MiningListing,
    MiningAuction,
}

impl Kind {
    pub fn of(market: &str, procedure: &str) -> Kind {
        match (market, procedure) {
            ("land", "land_auction") => Kind::LandAuction,
            ("land", "mining_listing") => Kind::MiningListing,
            ("land", "mining_auction") => Kind::MiningAuction,
            _ => Kind::Listing,
        }
    }

    /// Does the procedure run as a live auction from its start (拍卖) rather than a listing?
    pub fn is_live(self) -> bool {
        matches!(self, Kind::LandAuction | Kind::MiningAuction)
    }

    /// Does the procedure have its own periods ([`Kind::check_schedule`])?
    pub fn own_schedule(self) -> bool {
        self != Kind::Listing
    }

    /// The listing endpoint is for listings, the auction endpoint for the auction procedures.
    pub fn check_live(self, live: bool) -> Result<()> {
        match (self.is_live(), live) {
            (true, false) => Err(Error::conflict(
                "auctions.procedure_is_auction",
                "the section's procedure is an auction (拍卖出让): create it with POST /api/v1/auctions/live",
            )),
            (false, true) => Err(Error::conflict(
                "auctions.procedure_is_listing",
                "the section's procedure is a listing (挂牌): create it with POST /api/v1/auctions",
            )),
            _ => Ok(()),
        }
    }

    /// The periods of the procedure: from the announcement to the start (auction or listing),
    /// and the listing's length. Dates in Beijing time, counted by `ggzy_core::period` (民法典
    /// 第二百零一条、第二百零三条).
    pub fn check_schedule(
        self,
        cal: &BusinessCalendar,
        announced_at: Timestamp,
        start: Timestamp,
        end: Timestamp,
        missing: &mut Missing,
    ) -> Vec<FieldError> {
        let land = AuctionRules::national();
        let mining = MiningRules::national();
        let mut v = Vec::new();
        match self {
            Kind::Listing => {}
            Kind::LandAuction => {
                let days = Days::calendar(land.land_announcement_days as u32);
                if !rules::reaches(cal, announced_at, start, days, missing) {
                    v.push(FieldError::new(
                        "auction_start",
                        "auctions.land_announcement_period",
                        format!(
                            "the auction starts at least {} days after the transfer announcement \
                             (国土资源部令第39号 第十条)",
                            land.land_announcement_days
                        ),
                    ));
                }
            }
            Kind::MiningListing | Kind::MiningAuction => {
                let days = Days::working(mining.announcement_working_days);
                if !rules::reaches(cal, announced_at, start, days, missing) {
                    v.push(FieldError::new(
                        if self.is_live() {
                            "auction_start"
                        } else {
                            "listing_start"
                        },
                        "auctions.mining_announcement_period",
                        format!(
                            "a mining-right transfer starts at least {} working days after its \
                             announcement ({})",
                            mining.announcement_working_days, mining.source
                        ),
                    ));
                }
                if self == Kind::MiningListing {
                    let days = Days::working(mining.listing_working_days);
                    if !rules::reaches(cal, start, end, days, missing) {
                        v.push(FieldError::new(
                            "listing_end",
                            "auctions.mining_listing_period",
                            format!(
                                "a mining-right listing lasts at least {} working days ({})",
                                mining.listing_working_days, mining.source
                            ),
                        ));
                    }
                }
            }
        }
        v
    }
}

/// Is the section a mining-right transfer (no land-use contract step after its deal)?
pub(crate) async fn is_mining(tx: &mut ggzy_store::Tx, section_id: &str) -> Result<bool> {
    let p = crate::store::sections::procedure(tx, section_id).await?;
    Ok(matches!(
        p.as_deref(),
        Some("mining_listing" | "mining_auction")
    ))
}

/// The minimum number of bidders of the section's live auction and its source: the row of its
/// procedure in `auction_procedure_rules` (migration 0246). `None`: no row, or no minimum.
pub(crate) async fn min_bidders(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<(i64, String)>> {
    let row = crate::store::sections::procedure_rule(conn, section_id).await?;
    Ok(row.and_then(|r| r.min_bidders.map(|m| (m, r.source))))
}

/// A live auction short of bidders at its start (39号令 第十六条, 2002 text; unconfirmed for the
/// 2007 text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shortfall {
    pub min: i64,
    pub eligible: i64,
    pub source: String,
}

impl Shortfall {
    pub(crate) fn refusal(&self) -> Error {
        Error::conflict(
            "auctions.too_few_bidders",
            format!(
                "the auction is terminated: {} eligible bidder(s) at its start, fewer than {} ({})",
                self.eligible, self.min, self.source
            ),
        )
    }
}

/// Once a first-round live auction has started (`now` ≥ its `auction_start`): the bidders counted
/// at the start — a bidder number (竞买号, a valid deposit) and, on an auction with eligibility
/// review (every land auction), the eligibility confirmed (竞买资格确认) at or before the start —
/// against its procedure's minimum ([`rules::auction_may_start`]). `None`: it runs (no minimum,
/// not started, or enough bidders). A confirmation after the start does not count: the auction is
/// decided at its start, by the end timer or a bid alike.
pub(crate) async fn start_shortfall(
    conn: &mut sqlx::AnyConnection,
    a: &service::AuctionRow,
    now: Timestamp,
) -> Result<Option<Shortfall>> {
    let Some(start) = counted_start(a, now) else {
        return Ok(None);
    };
    let Some((min, source)) = min_bidders(&mut *conn, &a.section_id).await? else {
        return Ok(None);
    };
    let review = crate::land::terms(&mut *conn, &a.id)
        .await?
        .is_some_and(|t| t.eligibility_review);
    shortfall_against(conn, a, start, min, source, review).await
}

/// The start of a first-round live auction that has started (`now` ≥ its `auction_start`): the
/// moment its bidders are counted ([`start_shortfall`]). `None`: nothing is counted.
pub(crate) fn counted_start(a: &service::AuctionRow, now: Timestamp) -> Option<Timestamp> {
    a.auction_start
        .filter(|&start| now >= start && a.round == 1)
}

/// [`start_shortfall`] with the procedure's minimum `min` (from `source`) and the listing's
/// eligibility review already read: counts the bidders at `start` ([`counted_start`]).
pub(crate) async fn shortfall_against(
    conn: &mut sqlx::AnyConnection,
    a: &service::AuctionRow,
    start: Timestamp,
    min: i64,
    source: String,
    review: bool,
) -> Result<Option<Shortfall>> {
    let eligible: i64 = if review {
        crate::store::land::eligible_count_at(&mut *conn, &a.section_id, &a.id, start).await?
    } else {
        crate::store::sections::numbered_count(&mut *conn, &a.section_id).await?
    };
    Ok(
        (!rules::auction_may_start(Some(min), eligible)).then_some(Shortfall {
            min,
            eligible,
            source,
        }),
    )
}

/// A terminated auction procedure is not re-listed: `relist` starts a listing round, which is
/// not the procedure the section was announced with (39号令 第十条: a new transfer needs a new
/// announcement). Listings (also `mining_listing`) are re-listed as before.
pub(crate) async fn check_relist(ctx: &Ctx, section_id: &str) -> Result<()> {
    let row = crate::store::sections::market_of(ctx.db.pool(), section_id).await?;
    let Some(crate::store::sections::MarketRow { market, procedure }) = row else {
        return Ok(());
    };
    if Kind::of(&market, procedure.as_deref().unwrap_or("")).is_live() {
        return Err(Error::conflict(
            "auctions.relist_auction_procedure",
            "a terminated auction (拍卖出让) is not re-listed as a listing: the section is \
             transferred again after a new announcement (国土资源部令第39号 第十条)",
        ));
    }
    Ok(())
}

/// A live auction (拍卖会) of a land or mining-right section whose procedure is an auction.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewAuction {
    pub section_id: String,
    /// When the auction starts (≥ 20 days after the announcement for land, ≥ 20 working days
    /// for mining rights).
    pub auction_start: chrono::DateTime<chrono::FixedOffset>,
    /// Starting price (起叫价), decimal string.
    #[schema(value_type = ggzy_core::money::Money)]
    pub starting_price: String,
    /// Increment (增价幅度), decimal string.
    #[schema(value_type = ggzy_core::money::Money)]
    pub increment: String,
    /// Reserve price (底价), kept secret until the end: a highest bid below it terminates the
    /// auction (39号令 第十六条).
    #[schema(value_type = Option<ggzy_core::money::Money>)]
    pub reserve_price: Option<String>,
    /// Free-bid period (自由竞价), minutes; default 10.
    #[schema(minimum = 0, maximum = 1440)]
    pub free_bid_minutes: Option<i64>,
    /// Extension period (延时周期, the "three calls" of an online auction), minutes; default 5.
    #[schema(minimum = 1, maximum = 60)]
    pub extension_minutes: Option<i64>,
}

pub async fn create_auction(ctx: &Ctx, actor: &Actor, na: NewAuction) -> Result<AuctionView> {
    let nl = NewListing {
        section_id: na.section_id,
        listing_start: na.auction_start,
        listing_end: na.auction_start,
        starting_price: na.starting_price,
        increment: na.increment,
        reserve_price: na.reserve_price,
        free_bid_minutes: na.free_bid_minutes,
        extension_minutes: na.extension_minutes,
        final_auction: None,
        appraisal_value: None,
        eligibility_review: None,
        continuation: None,
    };
    service::create(ctx, actor, nl, true).await
}

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new().routes(routes!(create_live))
}

/// Create the live auction of a section whose procedure is an auction (`land_auction` 拍卖出让,
/// `mining_auction` 矿业权拍卖出让; staff). The registered bidders with a valid deposit bid by their
/// numbers from `auction_start`; at the end the highest bid wins when it reaches the reserve.
#[utoipa::path(post, path = "/api/v1/auctions/live", tag = "auctions", security(("bearer" = [])),
    request_body = NewAuction,
    responses((status = 201, body = AuctionView), (status = 403), (status = 404),
              (status = 409, description = "the section's procedure is a listing, or it already has one"),
              (status = 422, description = "a legal period, price or increment rule broken")))]
async fn create_live(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(na): Json<NewAuction>,
) -> Result<(StatusCode, Json<AuctionView>)> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let v = create_auction(&ctx, &actor, na).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn bj(y: i32, m: u32, d: u32, h: u32) -> Timestamp {
        chrono::FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&chrono::Utc)
    }

    #[test]
    fn the_procedure_decides_listing_or_auction() {
        assert_eq!(Kind::of("land", "land_auction"), Kind::LandAuction);
        assert_eq!(Kind::of("property", "land_auction"), Kind::Listing);
        assert_eq!(Kind::of("land", "listing"), Kind::Listing);
        assert!(Kind::LandAuction.check_live(true).is_ok());
        assert!(Kind::LandAuction.check_live(false).is_err());
        assert!(Kind::MiningListing.check_live(true).is_err());
        assert!(Kind::MiningListing.check_live(false).is_ok());
    }

    #[test]
    fn a_land_auction_starts_on_the_20th_day_and_a_mining_listing_after_20_working_days() {
        let cal = BusinessCalendar::official();
        let mut m = Missing::new();
        // Announced Monday 2026-03-02: the 20th day is Sunday 03-22, moved to Monday 03-23.
        let a = bj(2026, 3, 2, 9);
        let ok = Kind::LandAuction.check_schedule(&cal, a, bj(2026, 3, 23, 0), a, &mut m);
        assert!(ok.is_empty(), "{ok:?}");
        let bad = Kind::LandAuction.check_schedule(&cal, a, bj(2026, 3, 22, 23), a, &mut m);
        assert_eq!(bad[0].rule, "auctions.land_announcement_period");
        // 20 working days from Monday 03-02: Monday 03-30 (Friday 03-27 refused).
        let end = bj(2026, 4, 14, 9);
        let ok = Kind::MiningListing.check_schedule(&cal, a, bj(2026, 3, 30, 9), end, &mut m);
        assert!(ok.is_empty(), "{ok:?}");
        let bad = Kind::MiningListing.check_schedule(&cal, a, bj(2026, 3, 27, 9), end, &mut m);
        assert_eq!(bad[0].rule, "auctions.mining_announcement_period");
        // The listing: 10 working days from Monday 03-30 across 清明 (04-04..06) is Tuesday
        // 04-14; Monday 04-13 refused.
        let short = bj(2026, 4, 13, 23);
        let bad = Kind::MiningListing.check_schedule(&cal, a, bj(2026, 3, 30, 9), short, &mut m);
        assert_eq!(bad[0].rule, "auctions.mining_listing_period");
    }
}
