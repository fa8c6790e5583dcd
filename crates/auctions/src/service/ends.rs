//! Ends: the durable listing-end and auction-end timers, deal and failure.

use super::*;
use crate::store;
use ggzy_events::auctions::{
    AuctionFailed, AuctionStarted, DealConfirmed, ListingFailed, OnsitePending,
};
use ggzy_events::Contract;

pub(super) fn system() -> ActorRef {
    ActorRef::system("auctions")
}

/// Bidders that quoted in the current round.
async fn distinct_bidders(tx: &mut Tx, id: &str, round: i64) -> Result<Vec<String>> {
    store::auctions::quoting_orgs(tx, id, round).await
}

pub(super) async fn numbered_bidders(tx: &mut Tx, section_id: &str) -> Result<Vec<String>> {
    store::sections::numbered_bidders(tx, section_id).await
}

/// Deal (成交确认书): record it and tell the other areas (deposits refunds losers and converts the
/// winner's deposit; publishing drafts the deal announcement).
pub(super) async fn confirm_deal(
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
    store::deals::insert_deal(
        tx,
        &store::deals::NewDeal {
            id: &deal_id,
            auction_id: &a.id,
            section_id: &a.section_id,
            winner_org_id: &winner,
            winner_number: &number,
            price_fen: price,
            via,
            confirmed_at: now,
        },
    )
    .await?;
    if a.market == "land" && !crate::land_auction::is_mining(tx, &a.section_id).await? {
        // 国土资发〔2010〕34号: the contract step follows the deal (crate::land_contract); a
        // mining right's contract is not a land-use contract (crate::land_auction).
        crate::land_contract::open(
            &mut ggzy_store::uow::Uow::within(tx, db, ActorRef::system("auctions"), now),
            &deal_id,
            &a.id,
            &a.section_id,
            &winner,
            price,
        )
        .await?;
    }
    let bidders = numbered_bidders(tx, &a.section_id).await?;
    let losers: Vec<&String> = bidders.iter().filter(|o| **o != winner).collect();
    emit(
        tx,
        db,
        &system(),
        now,
        DealConfirmed {
            deal_id: deal_id.clone(),
            auction_id: a.id.clone(),
            section_id: a.section_id.clone(),
            project_id: Some(a.project_id.clone()),
            market: Some(a.market.clone()),
            winner_org_id: winner.clone(),
            winner_number: Some(number.clone()),
            price: Money::from_fen(price),
            via: Some(via.to_string()),
            confirmed_at: Some(now),
            loser_org_ids: losers.into_iter().cloned().collect(),
            bidder_org_ids: bidders,
            co_winners: None,
        }
        .encode(),
    )
    .await?;
    Ok(())
}

pub(super) async fn fail(
    tx: &mut Tx,
    db: &Db,
    a: &AuctionRow,
    now: Timestamp,
    event: &str,
    reason: &str,
) -> Result<()> {
    let bidders = numbered_bidders(tx, &a.section_id).await?;
    emit(tx, db, &system(), now, {
        // A listing's and an auction's failure carry the same fields (two contracts, one
        // shape: consumers tell a 流拍 of a listing from one of an auction by the name).
        let failed = AuctionFailed {
            auction_id: a.id.clone(),
            section_id: a.section_id.clone(),
            project_id: Some(a.project_id.clone()),
            market: Some(a.market.clone()),
            reason: Some(reason.to_string()),
            failed_at: Some(now),
            highest_price: a.current_fen.map(Money::from_fen),
            bidder_org_ids: bidders,
        };
        if event == ListingFailed::NAME {
            ListingFailed::from(failed).encode()
        } else {
            failed.encode()
        }
    })
    .await?;
    Ok(())
}

pub(super) async fn set_phase(
    tx: &mut Tx,
    a: &AuctionRow,
    from: Phase,
    to: Phase,
    outcome: &str,
) -> Result<bool> {
    store::auctions::set_phase(tx, &a.id, a.version, from, to, outcome).await
}

/// The auction an end timer is for, locked, when it is still in `phase` and its end has come.
/// `None` when the phase moved on, or when the end is later than the timer (a late timer of an
/// earlier round, or an extension): then the current end gets its timer (`kind`, `key`) again.
async fn due_auction(
    tx: &mut Tx,
    db: &Db,
    clock: &Clock,
    timer: &Timer,
    phase: Phase,
    kind: &str,
    key: impl Fn(&AuctionRow) -> String,
) -> Result<Option<AuctionRow>> {
    let id = AuctionDue::of(timer)?.auction_id;
    let a = load(&mut **tx, &id, db.for_update()).await?;
    if a.phase != phase {
        return Ok(None);
    }
    let now = clock.now();
    if a.ends_at > now {
        timers::schedule(tx, kind, &key(&a), a.ends_at, AuctionDue::payload(&id), now).await?;
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
        let due = due_auction(tx, db, clock, timer, Phase::Listing, LISTING_TIMER, |a| {
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
                if set_phase(tx, &a, Phase::Listing, Phase::Failed, reason).await? {
                    fail(tx, db, &a, now, "auctions.listing.failed", reason).await?;
                }
            }
            ListingOutcome::Deal => {
                if set_phase(tx, &a, Phase::Listing, Phase::Deal, "deal").await? {
                    confirm_deal(tx, db, &a, now, "listing").await?;
                }
            }
            ListingOutcome::Auction if a.final_auction == "onsite" => {
                // 39号令 第二十条: several bidders still competing go to an on-site auction; staff
                // book a room through venues and record the result.
                if set_phase(tx, &a, Phase::Listing, Phase::OnsitePending, "onsite").await? {
                    let numbers = store::auctions::quoting_numbers(tx, &id, a.round).await?;
                    emit(
                        tx,
                        db,
                        &system(),
                        now,
                        OnsitePending {
                            auction_id: id.clone(),
                            section_id: a.section_id.clone(),
                            project_id: a.project_id.clone(),
                            market: a.market.clone(),
                            listing_end: a.listing_end,
                            current_price: a.current_fen.map(Money::from_fen),
                            competing_numbers: numbers,
                            bidder_org_ids: bidders,
                        }
                        .encode(),
                    )
                    .await?;
                }
            }
            ListingOutcome::Auction => {
                let start = a.listing_end.max(now);
                let ends = start + Duration::seconds(a.free_bid_secs + a.extension_secs);
                let started =
                    store::auctions::start_auction(tx, &id, a.version, start, ends).await?;
                if started {
                    timers::schedule(
                        tx,
                        AUCTION_TIMER,
                        &end_key(&id, ends),
                        ends,
                        AuctionDue::payload(&id),
                        now,
                    )
                    .await?;
                    emit(
                        tx,
                        db,
                        &system(),
                        now,
                        AuctionStarted {
                            auction_id: id.clone(),
                            section_id: a.section_id.clone(),
                            project_id: a.project_id.clone(),
                            market: a.market.clone(),
                            auction_start: start,
                            free_bid_end: start + Duration::seconds(a.free_bid_secs),
                            ends_at: ends,
                            current_price: a.current_fen.map(Money::from_fen),
                        }
                        .encode(),
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
        let due = due_auction(tx, db, clock, timer, Phase::Auction, AUCTION_TIMER, |a| {
            end_key(&a.id, a.ends_at)
        });
        let Some(a) = due.await? else {
            return Ok(());
        };
        let now = clock.now();
        // An auction short of bidders at its start ends so even when its end came first.
        if terminate_if_short(tx, db, &a, now).await? {
            CHANGED.notify_waiters();
            return Ok(());
        }
        if rules::auction_is_deal(a.current_fen, a.reserve_fen) {
            if set_phase(tx, &a, Phase::Auction, Phase::Deal, "deal").await? {
                confirm_deal(tx, db, &a, now, "auction").await?;
            }
        } else if set_phase(tx, &a, Phase::Auction, Phase::Failed, "reserve_not_met").await? {
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

/// 39号令 第十六条 (2002 text; unconfirmed for the 2007 text): a live auction whose bidders at the
/// start are fewer than its procedure's minimum ([`crate::land_auction::start_shortfall`]) is
/// terminated before any bid: phase `failed`, outcome `too_few_bidders`, `auctions.auction.failed`
/// (deposits refund every bidder, publishing drafts the 流拍 notice); its end timer is cancelled.
/// `true` when it was terminated here.
pub(super) async fn terminate_if_short(
    tx: &mut Tx,
    db: &Db,
    a: &AuctionRow,
    now: Timestamp,
) -> Result<bool> {
    if a.phase != Phase::Auction {
        return Ok(false);
    }
    let Some(short) = crate::land_auction::start_shortfall(tx, a, now).await? else {
        return Ok(false);
    };
    if !set_phase(tx, a, Phase::Auction, Phase::Failed, rules::TOO_FEW_BIDDERS).await? {
        return Ok(false);
    }
    tracing::info!(
        auction_id = %a.id,
        eligible = short.eligible,
        min = short.min,
        "live auction terminated at its start: too few bidders"
    );
    timers::cancel(tx, &end_key(&a.id, a.ends_at)).await?;
    fail(tx, db, a, now, AuctionFailed::NAME, rules::TOO_FEW_BIDDERS).await?;
    Ok(true)
}

/// The start of a live auction (拍卖会, durable timer at `auction_start`): counts its bidders
/// against the procedure's minimum and terminates it when they are too few.
pub struct AuctionStart;

#[async_trait::async_trait]
impl TimerHandler for AuctionStart {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let id = AuctionDue::of(timer)?.auction_id;
        let a = load(&mut **tx, &id, db.for_update()).await?;
        if terminate_if_short(tx, db, &a, clock.now()).await? {
            CHANGED.notify_waiters();
        }
        Ok(())
    }
}

/// The start timer of a live auction.
pub(super) fn start_key(id: &str) -> String {
    format!("auction-start:{id}")
}
