//! Listings (挂牌): creating a listing or a live auction of a section.

use super::*;
use crate::store;
use ggzy_events::auctions::ListingCreated;
use ggzy_events::Contract;

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

pub(super) use rules::money_field;

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
    let sec = store::sections::listing_section(&ctx.db, &nl.section_id)
        .await?
        .ok_or_else(|| Error::not_found("section"))?;
    let store::sections::ListingSectionRow {
        project_id,
        market,
        announced_at: announced,
        deposit_fen,
        procedure,
    } = sec;
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
        (Phase::Auction, Some(start), ends)
    } else {
        (Phase::Listing, None, end)
    };
    let mut tx = ctx.db.begin().await?;
    let inserted = store::auctions::insert_auction(
        &mut tx,
        &store::auctions::NewAuction {
            id: &id,
            section_id: &nl.section_id,
            project_id: &project_id,
            market: &market,
            phase,
            listing_start: start,
            listing_end: end,
            free_bid_secs: free * 60,
            extension_secs: ext * 60,
            auction_start,
            ends_at: ends,
            starting,
            increment,
            reserve,
            final_auction: &final_auction,
            appraisal,
            periods_provisional: !missing.is_empty(),
            created_at: now,
            created_by: &actor.user_id,
        },
    )
    .await?;
    if !inserted {
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
        AuctionDue::payload(&id),
        now,
    )
    .await?;
    if live {
        // The start: the procedure's minimum of bidders (crate::land_auction::start_shortfall).
        timers::schedule(
            &mut tx,
            AUCTION_START_TIMER,
            &start_key(&id),
            start,
            AuctionDue::payload(&id),
            now,
        )
        .await?;
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ListingCreated {
            auction_id: id.clone(),
            section_id: nl.section_id.clone(),
            project_id: project_id.clone(),
            market: market.clone(),
            listing_start: start,
            listing_end: end,
            starting_price: starting,
            increment,
            final_auction: final_auction.clone(),
            appraisal_value: appraisal,
            periods_provisional: !missing.is_empty(),
            eligibility_review: land_terms.as_ref().map(|t| t.eligibility_review),
            continuation: land_terms
                .as_ref()
                .map(|t| t.continuation.as_str().to_string()),
            procedure: procedure.clone(),
            auction_start: auction_start.map(|_| start),
        }
        .encode(),
    )
    .await?;
    let answer = view_on(&mut tx, now, actor, &id).await?;
    ctx.db.commit_answering(tx, 201, &answer, now).await?;
    Ok(answer)
}
