//! Use cases of the bidder's land and property pages (`/bidder/auctions…`, [`crate::pages`]): the
//! listings a bidder can follow with its own standing, one auction as its bidder sees it, and the
//! deal confirmation (成交确认书) of the winner. Like the API, they read only this area's tables
//! (what it learnt from projects, deposits and publishing events) and never show another
//! bidder's organization: bids are shown by bidder number (竞买号) only.

use crate::service::{self, AuctionView};
use ggzy_core::sql::{At, Flag};
use ggzy_core::{Error, Money, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;

/// The caller's own application (竞买申请 / 受让申请) in a section, as the auctions area knows it.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Standing {
    /// Registered (报名) through projects.
    #[sqlx(try_from = "Flag")]
    pub registered: bool,
    /// The deposit (保证金) is valid (deposits).
    #[sqlx(try_from = "Flag")]
    pub deposit_valid: bool,
    /// The bidder number (竞买号), once registered with a valid deposit; shown only to its holder.
    pub number: Option<String>,
}

/// One listing in the bidder's list.
#[derive(Debug, Clone)]
pub struct ListItem {
    pub auction_id: String,
    pub section_id: String,
    pub name: String,
    pub market: String,
    pub phase: crate::rules::Phase,
    pub ends_at: Timestamp,
    pub starting_price: Money,
    pub current_price: Option<Money>,
    pub deposit: Option<Money>,
    /// `None` when the caller never applied for this section.
    pub standing: Option<Standing>,
}

/// The land and property listings, newest end first (at most 200), with the caller's standing.
pub async fn listings(ctx: &Ctx, actor: &Actor) -> Result<Vec<ListItem>> {
    actor.require(&[Role::Bidder])?;
    let org = actor.org_id.clone().unwrap_or_default();
    let rows = crate::store::auctions::bidder_listings(&ctx.db, &org).await?;
    Ok(rows
        .into_iter()
        .map(|r| ListItem {
            auction_id: r.id,
            section_id: r.section_id,
            name: r.name,
            market: r.market,
            phase: r.phase,
            ends_at: r.ends_at,
            starting_price: r.starting_fen,
            current_price: r.current_fen,
            deposit: r.deposit_fen,
            standing: r.registered.map(|reg| Standing {
                registered: reg == 1,
                deposit_valid: r.deposit_valid == Some(1),
                number: r.number,
            }),
        })
        .collect())
}

/// The deal confirmation (成交确认书), shown to the winner only.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DealConfirmation {
    pub id: String,
    pub auction_id: String,
    pub section_id: String,
    pub winner_number: String,
    #[sqlx(rename = "price_fen")]
    pub price: Money,
    /// `listing`, `auction` or `onsite`.
    pub via: String,
    #[sqlx(try_from = "At")]
    pub confirmed_at: Timestamp,
}

/// One auction as its bidder sees it.
#[derive(Debug, Clone)]
pub struct BidderAuction {
    /// The same view as `GET /api/v1/auctions/{id}` (numbers, never names).
    pub view: AuctionView,
    pub name: String,
    pub deposit: Option<Money>,
    pub standing: Option<Standing>,
    /// The lowest price the caller may quote now (first quote: the starting price; then the
    /// current highest plus the increment).
    pub next_min: Money,
    /// The caller's deal confirmation, when it won.
    pub deal: Option<DealConfirmation>,
    /// The server clock when this was read.
    pub now: Timestamp,
}

/// One auction for its bidder page: the API's view, the caller's standing and, for the winner,
/// the deal confirmation.
pub async fn bidder_auction(ctx: &Ctx, actor: &Actor, id: &str) -> Result<BidderAuction> {
    actor.require(&[Role::Bidder])?;
    let view = service::view(ctx, actor, id).await?;
    let org = actor.org_id.clone().unwrap_or_default();
    let sec = crate::store::sections::section_page(&ctx.db, &view.section_id).await?;
    let (name, deposit) = match sec {
        Some(r) => (r.name, r.deposit_fen),
        None => (String::new(), None),
    };
    let standing = crate::store::sections::standing_of(&ctx.db, &view.section_id, &org).await?;
    let deal = crate::store::deals::deal_of_winner(&ctx.db, id, &org).await?;
    let next_min = next_min(&view)?;
    Ok(BidderAuction {
        view,
        name,
        deposit,
        standing,
        next_min,
        deal,
        now: ctx.clock.now(),
    })
}

/// The lowest acceptable quote of a view (`auctions.increment`): the starting price first, then
/// the current highest plus the increment.
pub fn next_min(v: &AuctionView) -> Result<Money> {
    let parse = |s: &str| Money::parse_str(s).map_err(|e| Error::internal(e.message));
    let inc = parse(&v.increment)?;
    Ok(match v.current_price.as_deref() {
        Some(c) => Money::from_fen(parse(c)?.fen() + inc.fen()),
        None => parse(&v.starting_price)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(start: &str, inc: &str, current: Option<&str>) -> AuctionView {
        AuctionView {
            id: "a".into(),
            section_id: "s".into(),
            project_id: "p".into(),
            market: "land".into(),
            phase: crate::rules::Phase::Listing,
            round: 1,
            final_auction: "online".into(),
            appraisal_value: None,
            listing_start: String::new(),
            listing_end: String::new(),
            periods_provisional: false,
            auction_start: None,
            ends_at: String::new(),
            time_left_secs: 0,
            starting_price: start.into(),
            increment: inc.into(),
            current_price: current.map(str::to_string),
            leader_number: None,
            reserve_set: false,
            reserve_price: None,
            extension_minutes: 5,
            outcome: None,
            my_number: None,
            bids: Vec::new(),
            onsite: None,
            relist: None,
            land: None,
        }
    }

    #[test]
    fn the_lowest_quote_is_the_start_first_then_the_highest_plus_the_increment() {
        let v = view("1000000.00", "10000.00", None);
        assert_eq!(next_min(&v).unwrap().to_string(), "1000000.00");
        let v = view("1000000.00", "10000.00", Some("1010000.00"));
        assert_eq!(next_min(&v).unwrap().to_string(), "1020000.00");
        // Exact in fen: no floating point.
        let v = view("0.10", "0.20", Some("0.30"));
        assert_eq!(next_min(&v).unwrap().to_string(), "0.50");
    }
}
