//! The auction as a watcher sees it: views, the auction row, bidder numbers.

use super::*;
use crate::store;

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
    pub phase: crate::rules::Phase,
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

pub(crate) use crate::store::auctions::AuctionRow;

pub(super) async fn load<'e, E>(exec: E, id: &str, lock: &str) -> Result<AuctionRow>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    store::auctions::auction(exec, id, lock)
        .await?
        .ok_or_else(|| Error::not_found("auction"))
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

pub(super) async fn bidder_number<'e, E>(
    exec: E,
    section_id: &str,
    org_id: &str,
) -> Result<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    store::sections::bidder_number(exec, section_id, org_id).await
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
    let rows = store::auctions::bids_of_round(&mut *conn, id, a.round).await?;
    let bids: Vec<BidView> = rows
        .into_iter()
        .map(|r| BidView {
            seq: r.seq,
            number: r.number,
            price: r.price_fen.to_string(),
            phase: r.phase,
            at: r.at.to_rfc3339(),
        })
        .collect();
    let leader_number = bids.last().map(|b| b.number.clone());
    let over = a.phase.is_over();
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
    let r = store::sections::live_onsite_booking(&mut *conn, section_id).await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(OnsiteView {
        booking_id: r.booking_id,
        room_id: r.room_id,
        room_name: r.room_name,
        start: r.starts_at.to_rfc3339(),
        end: r.ends_at.to_rfc3339(),
        status: r.status,
    }))
}

pub(super) use crate::store::auctions::RelistRow;

async fn relist_view(
    conn: &mut sqlx::AnyConnection,
    auction_id: &str,
) -> Result<Option<RelistView>> {
    let r = store::auctions::latest_relist(&mut *conn, auction_id).await?;
    let Some(r) = r else { return Ok(None) };
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
