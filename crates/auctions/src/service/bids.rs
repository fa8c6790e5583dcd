//! Bids (报价 / 竞价): one bid at a time, ordered by the auction row's version.

use super::*;
use crate::store::auctions as store;
use ggzy_events::auctions::BidAccepted as BidAcceptedEvent;
use ggzy_events::Contract;

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

/// A quote (listing) or bid (auction) by `actor`'s organization: the use case of the API and of
/// the bidder's page. The server runs both requests on the lane (`crate::http::on_lane`,
/// `ggzy_store::lane`) from their session lookup on: the next bid waits for this one, and the
/// watchers' streams of a busy auction must not make it wait.
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
    // Everything that decides whether this caller may bid now, in one read: a bid is a round
    // trip the next bid waits for, and these were five reads (docs/benchmarks.md, "One
    // auction"). The answers are checked in the order of the rules below, so the refusal a
    // caller gets does not change.
    let adm = store::bid_admission(ctx.db.pool(), id, &org)
        .await?
        .ok_or_else(|| Error::not_found("auction"))?;
    let a = adm.auction;
    let number = adm.my_number.ok_or_else(|| {
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
    match a.phase {
        Phase::Listing if now >= a.listing_start && now < a.ends_at => {}
        Phase::Auction if a.auction_start.is_some_and(|s| now >= s) && now < a.ends_at => {}
        _ => {
            return Err(
                Error::conflict("auctions.not_open", "the auction does not take bids now").into(),
            )
        }
    }
    let review = adm.eligibility_review.is_some_and(|r| r != 0);
    // 39号令 第十六条 (2002 text): a live auction short of bidders at its start takes no bid,
    // even before its start timer has terminated it. Its bidders are counted only then.
    if a.phase == Phase::Auction {
        if let (Some(start), Some(min)) =
            (crate::land_auction::counted_start(&a, now), adm.min_bidders)
        {
            let mut conn = ctx.db.pool().acquire().await.map_err(Error::from)?;
            let source = adm.min_source.unwrap_or_default();
            let short =
                crate::land_auction::shortfall_against(&mut conn, &a, start, min, source, review)
                    .await?;
            if let Some(short) = short {
                return Err(short.refusal().into());
            }
        }
    }
    // 39号令 第二十条: on a listing with eligibility review, quotes wait for staff's confirmation.
    crate::land::may_quote(review, adm.eligible != 0)?;
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
    let new_end = if a.phase == Phase::Auction {
        rules::extend(a.ends_at, now, Duration::seconds(a.extension_secs))
    } else {
        a.ends_at
    };
    let seq = a.version + 1;
    let mut tx = ctx.db.begin().await?;
    // The bid order: only the bid that still sees this version moves the row.
    let seen = store::Seen {
        version: a.version,
        phase: a.phase,
        now,
    };
    let taken = store::take_bid(&mut tx, id, price, &org, new_end, seen).await?;
    if !taken {
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
    store::insert_bid(
        &mut tx,
        &store::NewBid {
            auction_id: id,
            seq,
            id: &bid_id,
            org_id: &org,
            number: &number,
            price,
            phase: a.phase.as_str(),
            at: now,
            ends_at: new_end,
            round: a.round,
        },
    )
    .await?;
    if new_end != a.ends_at {
        timers::cancel(&mut tx, &end_key(id, a.ends_at)).await?;
        timers::schedule(
            &mut tx,
            AUCTION_TIMER,
            &end_key(id, new_end),
            new_end,
            AuctionDue::payload(id),
            now,
        )
        .await?;
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        BidAcceptedEvent {
            auction_id: id.to_string(),
            section_id: a.section_id.clone(),
            seq,
            bid_id,
            org_id: org.clone(),
            number: number.clone(),
            price,
            phase: a.phase.as_str().to_string(),
            at: now,
            ends_at: new_end,
            extended: new_end != a.ends_at,
            round: a.round,
        }
        .encode(),
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
pub(super) fn listing_key(id: &str, round: i64) -> String {
    if round <= 1 {
        format!("auction-listing:{id}")
    } else {
        format!("auction-listing:{id}:r{round}")
    }
}

pub(super) fn end_key(id: &str, at: Timestamp) -> String {
    format!("auction-end:{id}:{}", to_micros(at))
}
