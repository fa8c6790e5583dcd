//! The listings and auctions themselves: `auctions` (one row per section: listing → auction →
//! deal | failed, its `version` ordering the bids), `auction_bids` (the ordered bid log, seq =
//! version) and `auction_relists` (re-listing requests and their decisions).

use ggzy_core::sql::{At, Flag, MaybeAt};
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::{Db, Tx};

pub(crate) use crate::rules::Phase;

/// An `auctions` row as stored ([`COLS`]).
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct AuctionRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) project_id: String,
    pub(crate) market: String,
    pub(crate) phase: Phase,
    #[sqlx(try_from = "At")]
    pub(crate) listing_start: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) listing_end: Timestamp,
    pub(crate) free_bid_secs: i64,
    pub(crate) extension_secs: i64,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) auction_start: Option<Timestamp>,
    #[sqlx(try_from = "At")]
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
    #[sqlx(try_from = "Flag")]
    pub(crate) periods_provisional: bool,
    /// `listing` (first round) or the re-listing kind the current round was checked as.
    pub(crate) period_kind: String,
}

/// The columns of an auction as [`AuctionRow`] reads them.
pub(crate) const COLS: &str =
    "id, section_id, project_id, market, phase, listing_start, listing_end, free_bid_secs, \
    extension_secs, auction_start, ends_at, starting_fen, increment_fen, reserve_fen, current_fen, \
    leader_org_id, version, outcome, round, final_auction, appraisal_fen, periods_provisional, \
    period_kind";

/// One auction, with any executor (`lock`: the engine's lock clause or "").
pub(crate) async fn auction<'e, E>(exec: E, id: &str, lock: &str) -> Result<Option<AuctionRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query_as::<_, AuctionRow>(&format!(
            "SELECT {COLS} FROM auctions WHERE id = $1{lock}"
        ))
        .bind(id)
        .fetch_optional(exec)
        .await?,
    )
}

/// What decides whether `org_id` may bid on an auction now, read in one statement: the auction,
/// the organization's bidder number (竞买号) in its section, the listing's land terms
/// (eligibility review) with the organization's confirmed eligibility (竞买资格确认), and the
/// minimum of bidders of the section's procedure (`auction_procedure_rules`). A bid is a round
/// trip the next bid waits for; these were five reads (docs/benchmarks.md, "One auction").
#[derive(sqlx::FromRow)]
pub(crate) struct BidAdmission {
    #[sqlx(flatten)]
    pub(crate) auction: AuctionRow,
    /// The organization's bidder number; `None`: it has none (yet).
    pub(crate) my_number: Option<String>,
    /// The listing's `eligibility_review` term; `None`: the listing has no land terms.
    pub(crate) eligibility_review: Option<i64>,
    /// 1 when the organization's eligibility is confirmed for this listing, else 0.
    pub(crate) eligible: i64,
    /// The procedure's minimum of bidders (`None`: no row or no minimum) and its source.
    pub(crate) min_bidders: Option<i64>,
    pub(crate) min_source: Option<String>,
}

/// [`BidAdmission`] of auction `id` for `org_id` (`None`: no such auction).
pub(crate) async fn bid_admission<'e, E>(
    exec: E,
    id: &str,
    org_id: &str,
) -> Result<Option<BidAdmission>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as(&format!(
        "SELECT x.*, \
           (SELECT b.number FROM auction_bidders b \
             WHERE b.section_id = x.section_id AND b.org_id = $2 AND b.number IS NOT NULL) AS my_number, \
           t.eligibility_review, \
           CAST(CASE WHEN EXISTS (SELECT 1 FROM land_eligibility e WHERE e.auction_id = x.id AND e.org_id = $2) \
             THEN 1 ELSE 0 END AS BIGINT) AS eligible, \
           r.min_bidders, r.source AS min_source \
         FROM (SELECT {COLS} FROM auctions WHERE id = $1) x \
         LEFT JOIN land_listing_terms t ON t.auction_id = x.id \
         LEFT JOIN auction_sections s ON s.section_id = x.section_id \
         LEFT JOIN auction_procedure_rules r ON r.market = s.market AND r.procedure = s.procedure"
    ))
    .bind(id)
    .bind(org_id)
    .fetch_optional(exec)
    .await?)
}

/// Every auction whose current round's periods were checked provisionally, by id.
pub(crate) async fn provisional_auctions(tx: &mut Tx) -> Result<Vec<AuctionRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLS} FROM auctions WHERE periods_provisional = 1 ORDER BY id"
    ))
    .fetch_all(&mut **tx)
    .await?)
}

/// A new listing (`phase` `listing`) or live auction (`auction`, with its start).
pub(crate) struct NewAuction<'a> {
    pub(crate) id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) project_id: &'a str,
    pub(crate) market: &'a str,
    pub(crate) phase: Phase,
    pub(crate) listing_start: Timestamp,
    pub(crate) listing_end: Timestamp,
    pub(crate) free_bid_secs: i64,
    pub(crate) extension_secs: i64,
    pub(crate) auction_start: Option<Timestamp>,
    pub(crate) ends_at: Timestamp,
    pub(crate) starting: Money,
    pub(crate) increment: Money,
    pub(crate) reserve: Option<Money>,
    pub(crate) final_auction: &'a str,
    pub(crate) appraisal: Option<Money>,
    pub(crate) periods_provisional: bool,
    pub(crate) created_at: Timestamp,
    pub(crate) created_by: &'a str,
}

/// Insert the section's listing; `false` when the section already has one.
pub(crate) async fn insert_auction(tx: &mut Tx, n: &NewAuction<'_>) -> Result<bool> {
    let res = sqlx::query(&format!(
        "INSERT INTO auctions ({COLS}, created_at, created_by) VALUES \
         ($1, $2, $3, $4, $18, $5, $6, $7, $8, $19, $9, $10, $11, $12, NULL, NULL, 0, NULL, 1, $15, $16, $17, 'listing', $13, $14) \
         ON CONFLICT (section_id) DO NOTHING"
    ))
    .bind(n.id)
    .bind(n.section_id)
    .bind(n.project_id)
    .bind(n.market)
    .bind(At(n.listing_start))
    .bind(At(n.listing_end))
    .bind(n.free_bid_secs)
    .bind(n.extension_secs)
    .bind(At(n.ends_at))
    .bind(n.starting)
    .bind(n.increment)
    .bind(n.reserve.map(|m| m.fen()))
    .bind(At(n.created_at))
    .bind(n.created_by)
    .bind(n.final_auction)
    .bind(n.appraisal.map(|m| m.fen()))
    .bind(Flag(n.periods_provisional))
    .bind(n.phase)
    .bind(n.auction_start.map(ggzy_core::time::to_micros))
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// What a bid saw of the auction: the row must still be at `version` in `phase` and open at
/// `now` for the bid to take it.
pub(crate) struct Seen {
    pub(crate) version: i64,
    pub(crate) phase: Phase,
    pub(crate) now: Timestamp,
}

/// The bid order: move the row to the new highest bid only if it is still as the bid `seen` it;
/// `false` when another change got there first.
pub(crate) async fn take_bid(
    tx: &mut Tx,
    id: &str,
    price: Money,
    org_id: &str,
    ends_at: Timestamp,
    seen: Seen,
) -> Result<bool> {
    let Seen {
        version,
        phase,
        now,
    } = seen;
    let res = sqlx::query(
        "UPDATE auctions SET current_fen = $1, leader_org_id = $2, version = version + 1, ends_at = $3 \
         WHERE id = $4 AND version = $5 AND phase = $6 AND ends_at > $7",
    )
    .bind(price)
    .bind(org_id)
    .bind(At(ends_at))
    .bind(id)
    .bind(version)
    .bind(phase)
    .bind(At(now))
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Move the auction from phase `from` to `to` with its outcome, if it is still at `version`.
pub(crate) async fn set_phase(
    tx: &mut Tx,
    id: &str,
    version: i64,
    from: Phase,
    to: Phase,
    outcome: &str,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE auctions SET phase = $1, outcome = $2, version = version + 1 WHERE id = $3 AND phase = $4 AND version = $5",
    )
    .bind(to)
    .bind(outcome)
    .bind(id)
    .bind(from)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The listing goes on to the online auction from `start` to `ends`, if still at `version`.
pub(crate) async fn start_auction(
    tx: &mut Tx,
    id: &str,
    version: i64,
    start: Timestamp,
    ends: Timestamp,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE auctions SET phase = 'auction', auction_start = $1, ends_at = $2 \
         WHERE id = $3 AND phase = 'listing' AND version = $4",
    )
    .bind(At(start))
    .bind(At(ends))
    .bind(id)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The on-site auction's deal at `price` to `winner`, if still pending at `version`.
pub(crate) async fn onsite_deal(
    tx: &mut Tx,
    id: &str,
    version: i64,
    price: Money,
    winner: &str,
) -> Result<bool> {
    let res = sqlx::query(
        "UPDATE auctions SET current_fen = $1, leader_org_id = $2, phase = 'deal', outcome = 'deal', \
         version = version + 1 WHERE id = $3 AND phase = 'onsite_pending' AND version = $4",
    )
    .bind(price)
    .bind(winner)
    .bind(id)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Open the next round of `rl` (no quote, no leader), if the auction is still in `from` at
/// `version`.
pub(crate) async fn open_round(
    tx: &mut Tx,
    id: &str,
    from: Phase,
    version: i64,
    rl: &RelistRow,
    periods_provisional: bool,
) -> Result<bool> {
    let res = sqlx::query(
        "UPDATE auctions SET phase = 'listing', round = $1, listing_start = $2, listing_end = $3, \
         ends_at = $3, starting_fen = $4, reserve_fen = $5, current_fen = NULL, leader_org_id = NULL, \
         auction_start = NULL, outcome = NULL, version = version + 1, periods_provisional = $9, \
         period_kind = $10 WHERE id = $6 AND phase = $7 AND version = $8",
    )
    .bind(rl.round)
    .bind(At(rl.listing_start))
    .bind(At(rl.listing_end))
    .bind(rl.starting_fen)
    .bind(rl.reserve_fen)
    .bind(id)
    .bind(from)
    .bind(version)
    .bind(Flag(periods_provisional))
    .bind(&rl.kind)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

pub(crate) async fn set_provisional(tx: &mut Tx, id: &str, provisional: bool) -> Result<()> {
    sqlx::query("UPDATE auctions SET periods_provisional = $1 WHERE id = $2")
        .bind(Flag(provisional))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One line of the staff's list of listings: the auction and its section's name.
#[derive(sqlx::FromRow)]
pub(crate) struct ListingLineRow {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// Every listing, the latest listing end first (at most 200).
pub(crate) async fn listing_lines(db: &Db) -> Result<Vec<ListingLineRow>> {
    Ok(sqlx::query_as(
        "SELECT a.id, COALESCE(s.name, '') AS name FROM auctions a LEFT JOIN auction_sections s \
         ON s.section_id = a.section_id ORDER BY a.listing_end DESC, a.id LIMIT 200",
    )
    .fetch_all(db.pool())
    .await?)
}

/// One listing in the bidder's list, with the caller's standing when it applied.
#[derive(sqlx::FromRow)]
pub(crate) struct BidderListRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) name: String,
    pub(crate) market: String,
    pub(crate) phase: Phase,
    #[sqlx(try_from = "At")]
    pub(crate) ends_at: Timestamp,
    pub(crate) starting_fen: Money,
    #[sqlx(try_from = "ggzy_core::sql::MaybeMoney")]
    pub(crate) current_fen: Option<Money>,
    #[sqlx(try_from = "ggzy_core::sql::MaybeMoney")]
    pub(crate) deposit_fen: Option<Money>,
    pub(crate) registered: Option<i64>,
    pub(crate) deposit_valid: Option<i64>,
    pub(crate) number: Option<String>,
}

/// The land and property listings, newest end first (at most 200), with `org_id`'s standing.
pub(crate) async fn bidder_listings(db: &Db, org_id: &str) -> Result<Vec<BidderListRow>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.section_id, COALESCE(s.name, '') AS name, a.market, a.phase, a.ends_at, \
                a.starting_fen, a.current_fen, s.deposit_fen, \
                b.registered, b.deposit_valid, b.number \
         FROM auctions a \
         LEFT JOIN auction_sections s ON s.section_id = a.section_id \
         LEFT JOIN auction_bidders b ON b.section_id = a.section_id AND b.org_id = $1 \
         ORDER BY a.ends_at DESC, a.id LIMIT 200",
    )
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

/// The listings of the sections `org_id` registered, newest end first (at most 200).
pub(crate) async fn owned_listings(
    db: &Db,
    org_id: &str,
) -> Result<Vec<crate::enterprise_pages::OwnListing>> {
    Ok(sqlx::query_as(
        "SELECT a.id, s.name, a.market, a.phase, a.ends_at FROM auctions a \
         JOIN auction_sections s ON s.section_id = a.section_id \
         WHERE s.owner_org_id = $1 ORDER BY a.ends_at DESC, a.id LIMIT 200",
    )
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

// auction_bids

/// A new entry of the bid log.
pub(crate) struct NewBid<'a> {
    pub(crate) auction_id: &'a str,
    pub(crate) seq: i64,
    pub(crate) id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) number: &'a str,
    pub(crate) price: Money,
    pub(crate) phase: &'a str,
    pub(crate) at: Timestamp,
    pub(crate) ends_at: Timestamp,
    pub(crate) round: i64,
}

pub(crate) async fn insert_bid(tx: &mut Tx, b: &NewBid<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO auction_bids (auction_id, seq, id, org_id, number, price_fen, phase, at, ends_at, round) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(b.auction_id)
    .bind(b.seq)
    .bind(b.id)
    .bind(b.org_id)
    .bind(b.number)
    .bind(b.price)
    .bind(b.phase)
    .bind(At(b.at))
    .bind(At(b.ends_at))
    .bind(b.round)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The on-site auction's result as the round's last bid (phase `onsite`, ending when made).
pub(crate) async fn insert_onsite_bid(tx: &mut Tx, b: &NewBid<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO auction_bids (auction_id, seq, id, org_id, number, price_fen, phase, at, ends_at, round) \
         VALUES ($1, $2, $3, $4, $5, $6, 'onsite', $7, $7, $8)",
    )
    .bind(b.auction_id)
    .bind(b.seq)
    .bind(b.id)
    .bind(b.org_id)
    .bind(b.number)
    .bind(b.price)
    .bind(At(b.at))
    .bind(b.round)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A bid as watchers see it (by number, never by name).
#[derive(sqlx::FromRow)]
pub(crate) struct BidRow {
    pub(crate) seq: i64,
    pub(crate) number: String,
    pub(crate) price_fen: Money,
    pub(crate) phase: String,
    #[sqlx(try_from = "At")]
    pub(crate) at: Timestamp,
}

/// The bids of a round, in order.
pub(crate) async fn bids_of_round(
    conn: &mut sqlx::AnyConnection,
    auction_id: &str,
    round: i64,
) -> Result<Vec<BidRow>> {
    Ok(sqlx::query_as(
        "SELECT seq, number, price_fen, phase, at FROM auction_bids WHERE auction_id = $1 AND round = $2 ORDER BY seq",
    )
    .bind(auction_id)
    .bind(round)
    .fetch_all(&mut *conn)
    .await?)
}

/// A bid of the SSE log.
#[derive(sqlx::FromRow)]
pub(crate) struct BidLogRow {
    pub(crate) seq: i64,
    pub(crate) number: String,
    pub(crate) price_fen: Money,
    pub(crate) phase: String,
    #[sqlx(try_from = "At")]
    pub(crate) at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) ends_at: Timestamp,
}

/// The bids after `after` in order, at most 500.
pub(crate) async fn bids_after(db: &Db, auction_id: &str, after: i64) -> Result<Vec<BidLogRow>> {
    Ok(sqlx::query_as(
        "SELECT seq, number, price_fen, phase, at, ends_at FROM auction_bids WHERE auction_id = $1 AND seq > $2 ORDER BY seq LIMIT 500",
    )
    .bind(auction_id)
    .bind(after)
    .fetch_all(db.pool())
    .await?)
}

/// The organizations that quoted in a round.
pub(crate) async fn quoting_orgs(tx: &mut Tx, auction_id: &str, round: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT org_id FROM auction_bids WHERE auction_id = $1 AND round = $2",
    )
    .bind(auction_id)
    .bind(round)
    .fetch_all(&mut **tx)
    .await?)
}

/// The bidder numbers that quoted in a round, in order.
pub(crate) async fn quoting_numbers(
    tx: &mut Tx,
    auction_id: &str,
    round: i64,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT b.number FROM auction_bids b WHERE b.auction_id = $1 AND b.round = $2 ORDER BY b.number",
    )
    .bind(auction_id)
    .bind(round)
    .fetch_all(&mut **tx)
    .await?)
}

// auction_relists

/// An `auction_relists` row as stored ([`RELIST_COLS`]).
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct RelistRow {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) round: i64,
    #[sqlx(try_from = "At")]
    pub(crate) listing_start: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) listing_end: Timestamp,
    pub(crate) starting_fen: i64,
    pub(crate) previous_starting_fen: i64,
    pub(crate) reserve_fen: Option<i64>,
    pub(crate) requested_by: String,
    pub(crate) decided_by: Option<String>,
    pub(crate) reason: Option<String>,
}

/// The columns of a re-listing as [`RelistRow`] reads them.
pub(crate) const RELIST_COLS: &str =
    "id, kind, status, round, listing_start, listing_end, starting_fen, \
    previous_starting_fen, reserve_fen, requested_by, decided_by, reason";

/// A new re-listing request (not decided).
pub(crate) async fn insert_relist(
    tx: &mut Tx,
    rl: &RelistRow,
    auction_id: &str,
    requested_at: Timestamp,
) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO auction_relists ({RELIST_COLS}, auction_id, requested_at) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, $11, $12)"
    ))
    .bind(&rl.id)
    .bind(&rl.kind)
    .bind(&rl.status)
    .bind(rl.round)
    .bind(At(rl.listing_start))
    .bind(At(rl.listing_end))
    .bind(rl.starting_fen)
    .bind(rl.previous_starting_fen)
    .bind(rl.reserve_fen)
    .bind(&rl.requested_by)
    .bind(auction_id)
    .bind(At(requested_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The auction's latest re-listing, if any.
pub(crate) async fn latest_relist(
    conn: &mut sqlx::AnyConnection,
    auction_id: &str,
) -> Result<Option<RelistRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RELIST_COLS} FROM auction_relists WHERE auction_id = $1 \
         ORDER BY requested_at DESC, id DESC LIMIT 1"
    ))
    .bind(auction_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The auction's re-listing waiting for approval, if any.
pub(crate) async fn pending_relist(db: &Db, auction_id: &str) -> Result<Option<RelistRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RELIST_COLS} FROM auction_relists WHERE auction_id = $1 AND status = 'pending_approval'"
    ))
    .bind(auction_id)
    .fetch_optional(db.pool())
    .await?)
}

/// Decide a pending re-listing (`status`: `approved` or `refused`); `false` when it is no longer
/// pending.
pub(crate) async fn decide_relist(
    tx: &mut Tx,
    relist_id: &str,
    status: &str,
    decided_by: &str,
    at: Timestamp,
    reason: Option<&str>,
    listing_start: Timestamp,
) -> Result<bool> {
    let res = sqlx::query(
        "UPDATE auction_relists SET status = $1, decided_by = $2, decided_at = $3, reason = $4, \
         listing_start = $5 WHERE id = $6 AND status = 'pending_approval'",
    )
    .bind(status)
    .bind(decided_by)
    .bind(At(at))
    .bind(reason)
    .bind(At(listing_start))
    .bind(relist_id)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Re-listings waiting for approval, oldest first.
pub(crate) async fn pending_relists(db: &Db) -> Result<Vec<crate::service::PendingRelist>> {
    Ok(sqlx::query_as(
        "SELECT r.auction_id, a.section_id, COALESCE(s.name, '') AS section_name, a.market, r.kind, r.round, \
         r.listing_start, r.listing_end, r.starting_fen, r.previous_starting_fen, a.appraisal_fen, \
         r.requested_by, r.requested_at \
         FROM auction_relists r JOIN auctions a ON a.id = r.auction_id \
         LEFT JOIN auction_sections s ON s.section_id = a.section_id \
         WHERE r.status = 'pending_approval' ORDER BY r.requested_at, r.id",
    )
    .fetch_all(db.pool())
    .await?)
}

/// How many re-listings wait for approval.
pub(crate) async fn count_pending_relists(db: &Db) -> Result<i64> {
    Ok(
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM auction_relists WHERE status = 'pending_approval'",
        )
        .fetch_one(db.pool())
        .await?,
    )
}
