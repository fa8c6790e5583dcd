//! On-site auction (现场竞价): the result recorded by staff.

use super::*;
use crate::store;
use ggzy_events::auctions::OnsiteRecorded;
use ggzy_events::Contract;

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
    if a.phase != Phase::OnsitePending {
        return Err(Error::conflict(
            "auctions.not_onsite_pending",
            format!("no on-site auction is pending; the auction is {}", a.phase),
        ));
    }
    let booking = store::sections::confirmed_onsite_booking(&ctx.db, &a.section_id).await?;
    let Some(booking) = booking else {
        return Err(Error::conflict(
            "auctions.onsite_not_booked",
            "no confirmed venues booking (purpose auction) for this section",
        ));
    };
    let booking_id: String = booking.booking_id;
    if booking.starts_at > now {
        return Err(Error::conflict(
            "auctions.onsite_not_held",
            "the on-site auction has not started yet",
        ));
    }
    let result = o.result.as_deref().unwrap_or("deal");
    let record = rules::onsite_record(o.result.as_deref(), o.reason.as_deref())
        .map_err(|e| Error::Validation(vec![e]))?;
    let mut v = Vec::new();
    let mut tx;
    match record {
        rules::OnsiteRecord::Failed => {
            tx = ctx.db.begin().await?;
            if !set_phase(
                &mut tx,
                &a,
                Phase::OnsitePending,
                Phase::Failed,
                "onsite_failed",
            )
            .await?
            {
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
        rules::OnsiteRecord::Deal => {
            let number = o.winner_number.as_deref().unwrap_or("").trim().to_string();
            let winner = if number.is_empty() {
                None
            } else {
                store::sections::org_of_number(&ctx.db, &a.section_id, &number).await?
            };
            if winner.is_none() {
                v.push(FieldError::new(
                    "winner_number",
                    "auctions.winner_number",
                    "the winner is a bidder number (竞买号) of this section",
                ));
            }
            let price = rules::onsite_price(o.price.as_deref(), a.current_fen, &mut v);
            let (Some(winner), Some(price), true) = (winner, price, v.is_empty()) else {
                return Err(Error::Validation(v));
            };
            tx = ctx.db.begin().await?;
            if rules::auction_is_deal(Some(price.fen()), a.reserve_fen) {
                let dealt =
                    store::auctions::onsite_deal(&mut tx, id, a.version, price, &winner).await?;
                if !dealt {
                    tx.rollback().await?;
                    return Err(relist_race());
                }
                store::auctions::insert_onsite_bid(
                    &mut tx,
                    &store::auctions::NewBid {
                        auction_id: id,
                        seq: a.version + 1,
                        id: &ids::new_id(),
                        org_id: &winner,
                        number: &number,
                        price,
                        phase: "onsite",
                        at: now,
                        ends_at: now,
                        round: a.round,
                    },
                )
                .await?;
                let mut won = a.clone();
                won.current_fen = Some(price.fen());
                won.leader_org_id = Some(winner);
                confirm_deal(&mut tx, &ctx.db, &won, now, "onsite").await?;
            } else {
                if !set_phase(
                    &mut tx,
                    &a,
                    Phase::OnsitePending,
                    Phase::Failed,
                    "reserve_not_met",
                )
                .await?
                {
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
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        OnsiteRecorded {
            auction_id: id.to_string(),
            section_id: a.section_id.clone(),
            project_id: a.project_id.clone(),
            market: a.market.clone(),
            booking_id,
            result: result.to_string(),
            winner_number: o.winner_number.clone(),
            price: o.price.clone(),
            reason: o.reason.clone(),
            recorded_at: now,
        }
        .encode(),
    )
    .await?;
    let answer = view_on(&mut tx, now, actor, id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    CHANGED.notify_waiters();
    Ok(answer)
}
