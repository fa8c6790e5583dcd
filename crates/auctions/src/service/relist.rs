//! Re-listing (重新挂牌: 延期 or 降低底价) and its approval.

use super::*;
use crate::store;
use ggzy_events::auctions::{FloorConsentRecorded, ListingRelisted, RelistApproved, RelistRefused};
use ggzy_events::Contract;

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
        ("property", "lower_floor") => {
            rules::check_property_lowered_floor(r, cal, start, end, missing)
        }
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
    if a.phase != Phase::Failed {
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
    let starting = rules::relist_floor(
        &rq.kind,
        rq.starting_price.as_deref(),
        a.starting_fen,
        &mut v,
    );
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
            (start, end),
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
        rules::relist_needs_consent(&r, &a.market, &rq.kind, st, a.appraisal_fen)
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
    store::auctions::insert_relist(&mut tx, &rl, id, now).await?;
    if let (true, "lower_floor", Some(p)) = (a.market == "land", rq.kind.as_str(), &rq.approval) {
        crate::land::record_approval(
            &mut ggzy_store::uow::Uow::within(&mut tx, &ctx.db, actor.actor_ref(), now),
            actor,
            &a,
            &rl.id,
            starting,
            p,
        )
        .await?;
    }
    if let Some(c) = &consent {
        crate::property::record_consent(&mut tx, id, &rl.id, c, &actor.user_id, now).await?;
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            FloorConsentRecorded {
                auction_id: a.id.clone(),
                relist_id: rl.id.clone(),
                section_id: a.section_id.clone(),
                project_id: a.project_id.clone(),
                market: a.market.clone(),
                kind: rl.kind.clone(),
                round: rl.round,
                listing_start: rl.listing_start,
                listing_end: rl.listing_end,
                starting_price: Money::from_fen(rl.starting_fen),
                previous_starting_price: Money::from_fen(rl.previous_starting_fen),
                appraisal_value: a.appraisal_fen.map(Money::from_fen),
                requested_by: rl.requested_by.clone(),
                threshold_bp: r.floor_approval_bp,
                required: needs_consent,
                approving_body: c.approving_body.clone(),
                signed_by: c.signed_by.clone(),
                consented_on: c.consented_on,
                file_name: c.file_name.clone(),
                sha256: c.sha256.clone(),
                size_bytes: c.size_bytes,
            }
            .encode(),
        )
        .await?;
    }
    if !apply_relist(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        &a,
        Phase::Failed,
        &rl,
        now,
    )
    .await?
    {
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
    let rows = store::auctions::provisional_auctions(tx).await?;
    for a in rows {
        let announced = store::sections::announced_at(tx, &a.section_id).await?;
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
        store::auctions::set_provisional(tx, &a.id, !missing.is_empty()).await?;
        let broken: Vec<ggzy_events::publishing::BrokenPeriod> = broken
            .into_iter()
            .map(|e| ggzy_events::publishing::BrokenPeriod {
                field: e.field.to_string(),
                rule: e.rule.to_string(),
                message: e.message.to_string(),
            })
            .collect();
        emit(
            tx,
            db,
            &ActorRef::system("auctions"),
            now,
            ggzy_events::Contract::encode(&ggzy_events::auctions::ListingPeriodsRechecked {
                auction_id: a.id.to_string(),
                section_id: a.section_id.to_string(),
                project_id: Some(a.project_id.to_string()),
                market: Some(a.market.to_string()),
                round: a.round,
                period_kind: Some(a.period_kind.to_string()),
                listing_start: start,
                listing_end: end,
                ok: broken.is_empty(),
                broken,
                provisional: !missing.is_empty(),
                missing_years: missing.iter().copied().collect(),
            }),
        )
        .await?;
    }
    Ok(())
}

pub(super) fn relist_race() -> Error {
    Error::conflict(
        "auctions.relist_conflict",
        "the auction changed meanwhile; reload and try again",
    )
}

/// Open the next round: the listing starts again with no quote, the same bidders and numbers, and
/// a new end timer. Conditional on the phase and version read by the caller.
async fn apply_relist(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    a: &AuctionRow,
    from: Phase,
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
    let opened =
        store::auctions::open_round(tx, &a.id, from, a.version, rl, !missing.is_empty()).await?;
    if !opened {
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
        AuctionDue::payload(&a.id),
        now,
    )
    .await?;
    let bidders = numbered_bidders(tx, &a.section_id).await?;
    emit(
        tx,
        db,
        by,
        now,
        ListingRelisted {
            auction_id: a.id.clone(),
            relist_id: Some(rl.id.clone()),
            section_id: a.section_id.clone(),
            project_id: Some(a.project_id.clone()),
            market: Some(a.market.clone()),
            kind: Some(rl.kind.clone()),
            round: Some(rl.round),
            bidder_org_ids: bidders,
            listing_start: Some(rl.listing_start),
            listing_end: Some(rl.listing_end),
            starting_price: Some(Money::from_fen(rl.starting_fen)),
            previous_starting_price: Some(Money::from_fen(rl.previous_starting_fen)),
            appraisal_value: a.appraisal_fen.map(Money::from_fen),
            requested_by: Some(rl.requested_by.clone()),
            reserve_set: Some(rl.reserve_fen.is_some()),
            approved_by: rl.decided_by.clone(),
            periods_provisional: Some(!missing.is_empty()),
        }
        .encode(),
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
    let row = store::auctions::pending_relist(&ctx.db, id).await?;
    let (Some(mut rl), Phase::PendingApproval) = (row, a.phase) else {
        return Err(Error::conflict(
            "auctions.no_pending_relist",
            "no re-listing of this auction waits for approval",
        ));
    };
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
    let decided = store::auctions::decide_relist(
        &mut tx,
        &rl.id,
        status,
        &actor.user_id,
        now,
        (!reason.is_empty()).then_some(reason),
        rl.listing_start,
    )
    .await?;
    if !decided {
        tx.rollback().await?;
        return Err(relist_race());
    }
    // The two decisions carry the same round; a refusal always states its reason.
    let decision = if approve {
        RelistApproved {
            auction_id: a.id.clone(),
            relist_id: rl.id.clone(),
            section_id: a.section_id.clone(),
            project_id: a.project_id.clone(),
            market: a.market.clone(),
            kind: rl.kind.clone(),
            round: rl.round,
            listing_start: rl.listing_start,
            listing_end: rl.listing_end,
            starting_price: Money::from_fen(rl.starting_fen),
            previous_starting_price: Money::from_fen(rl.previous_starting_fen),
            appraisal_value: a.appraisal_fen.map(Money::from_fen),
            requested_by: rl.requested_by.clone(),
            decided_by: actor.user_id.clone(),
            reason: (!reason.is_empty()).then(|| reason.to_string()),
        }
        .encode()
    } else {
        RelistRefused {
            auction_id: a.id.clone(),
            relist_id: rl.id.clone(),
            section_id: a.section_id.clone(),
            project_id: a.project_id.clone(),
            market: a.market.clone(),
            kind: rl.kind.clone(),
            round: rl.round,
            listing_start: rl.listing_start,
            listing_end: rl.listing_end,
            starting_price: Money::from_fen(rl.starting_fen),
            previous_starting_price: Money::from_fen(rl.previous_starting_fen),
            appraisal_value: a.appraisal_fen.map(Money::from_fen),
            requested_by: rl.requested_by.clone(),
            decided_by: actor.user_id.clone(),
            reason: reason.to_string(),
        }
        .encode()
    };
    emit(&mut tx, &ctx.db, &actor.actor_ref(), now, decision).await?;
    let ok = if approve {
        apply_relist(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            &a,
            Phase::PendingApproval,
            &rl,
            now,
        )
        .await?
    } else {
        set_phase(
            &mut tx,
            &a,
            Phase::PendingApproval,
            Phase::Failed,
            "relist_refused",
        )
        .await?
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
