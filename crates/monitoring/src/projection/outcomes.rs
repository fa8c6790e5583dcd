//! Signals from outcomes: openings, awards, expert draws, scores and ratings, venue sessions.

use super::*;

pub(super) async fn opening_recorded(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
) -> Result<()> {
    let o = OpeningRecorded::decode(ev)?;
    let s = o.section_id.as_str();
    ensure_section(tx, Sec::of(s, &o.project_id, &o.market), now).await?;
    let entries = entries_of(&o.entries);
    let opened = o.opened_at.unwrap_or(ev.occurred_at);
    store::sections::set_opened(tx, s, opened, now).await?;
    store::sections::delete_bids(tx, s).await?;
    for e in &entries {
        store::sections::insert_bid(
            tx,
            store::sections::NewBid {
                section_id: s,
                org_id: &e.org_id,
                org_name: &e.org_name,
                price_fen: e.price_fen,
                valid: e.valid,
                event_id: &ev.id,
            },
        )
        .await?;
    }
    let c = catalogue(tx).await?;
    let mut found = Vec::new();
    if let Some(r) = c.active(rules::IDENTICAL_PRICES) {
        found.extend(rules::identical_prices(r, &entries, &ev.id));
    }
    if let Some(r) = c.active(rules::PRICE_PROGRESSION) {
        found.extend(rules::price_progression(r, &entries, &ev.id));
    }
    if let Some(r) = c.active(rules::SINGLE_VALID_BID) {
        found.extend(rules::single_valid_bid(r, &entries, &ev.id));
    }
    for f in found {
        raise_for(tx, db, now, &c, s, f).await?;
    }
    Ok(())
}

pub(super) async fn award_confirmed(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
) -> Result<()> {
    let a = AwardConfirmed::decode(ev)?;
    let (s, winner) = (a.section_id.as_str(), a.winner_org_id.as_str());
    ensure_section(tx, Sec::of(s, &a.project_id, &a.market), now).await?;
    let price = a.price.map(|p| p.fen());
    let awarded = a.awarded_at.unwrap_or(ev.occurred_at);
    store::sections::set_award(
        tx,
        store::sections::Award {
            section_id: s,
            winner_org_id: winner,
            award_fen: price,
            awarded_at: awarded,
            award_event_id: &ev.id,
            market: a.market.as_deref().filter(|m| !m.is_empty()),
            now,
        },
    )
    .await?;
    // A tender's award is the deal of a mining section (矿业权招标出让): its result is due.
    let deal = super::publication::Deal {
        section_id: s,
        project_id: a.project_id.as_deref(),
        procedure: a.procedure.as_deref(),
        deal_ref: &ev.id,
        deal_at: awarded,
    };
    super::publication::deal(tx, db, now, deal, ev).await?;
    let row = store::sections::estimate(tx, s).await?;
    let (estimate, tenderer) = (row.estimate_fen, row.tenderer);
    let rows = store::sections::bids(tx, s).await?;
    let mut entries = Vec::new();
    let mut opening_event: Option<String> = None;
    for r in rows {
        entries.push(BidEntry {
            org_id: r.org_id,
            org_name: r.org_name,
            price_fen: r.price_fen,
            valid: r.valid,
        });
        opening_event = Some(r.event_id);
    }
    let mut evs: Vec<&str> = vec![ev.id.as_str()];
    if let Some(o) = &opening_event {
        evs.insert(0, o.as_str());
    }
    let c = catalogue(tx).await?;
    let mut found = Vec::new();
    if let (Some(r), Some(price), Some(est)) =
        (c.active(rules::PRICE_NEAR_ESTIMATE), price, estimate)
    {
        found.extend(rules::price_near_estimate(r, price, est, &ev.id));
    }
    if let Some(r) = c.active(rules::LOWEST_BID_NOT_WINNER) {
        found.extend(rules::lowest_bid_not_winner(r, &entries, winner, &evs));
    }
    if let Some(r) = c.active(rules::ALL_BUT_WINNER_DISQUALIFIED) {
        found.extend(rules::all_but_winner_disqualified(
            r, &entries, winner, &evs,
        ));
    }
    if let (Some(r), Some(tenderer)) = (c.active(rules::REPEAT_WINNER), tenderer) {
        let since = awarded - chrono::Duration::days(r.param("window_days"));
        let rows =
            store::sections::awards_to(tx, (tenderer.as_str(), winner), since, awarded).await?;
        let mut sections = Vec::new();
        let mut events = Vec::new();
        for row in rows {
            sections.push(row.section_id);
            events.push(row.award_event_id.unwrap_or_default());
        }
        found.extend(rules::repeat_winner(
            r, &tenderer, winner, &sections, &events,
        ));
    }
    for f in found {
        raise_for(tx, db, now, &c, s, f).await?;
    }
    Ok(())
}

/// Each drawn expert leaves a trace on the section; the tenderer's other sections tell how often.
pub(super) async fn score_outlier(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
) -> Result<()> {
    let o = ScoreOutlier::decode(ev)?;
    let s = o.section_id.as_str();
    ensure_section(tx, Sec::new(s), now).await?;
    let c = catalogue(tx).await?;
    let Some(rule) = c.active(rules::SCORE_OUTLIER).cloned() else {
        return Ok(());
    };
    let f = rules::score_outlier(
        &rule,
        &o.expert_id,
        &o.org_id,
        &o.member_total,
        &o.committee_mean,
        &ev.id,
    );
    raise_for(tx, db, now, &c, s, f).await
}

/// Low ratings are kept as traces (one per rating) and counted over the rule's window.
pub(super) async fn expert_rated(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
) -> Result<()> {
    let r = ExpertRated::decode(ev)?;
    let (s, expert, score) = (r.section_id.as_str(), r.expert_id.as_str(), r.score);
    let c = catalogue(tx).await?;
    let Some(rule) = c.active(rules::LOW_RATINGS).cloned() else {
        return Ok(());
    };
    if !rules::is_low_rating(&rule, score) {
        return Ok(());
    }
    ensure_section(tx, Sec::new(s), now).await?;
    let rating = Some(r.rating_id.as_str())
        .filter(|r| !r.is_empty())
        .unwrap_or(&ev.id);
    add_trace(tx, s, "low_rating", expert, rating, ev).await?;
    let since = ev.occurred_at - chrono::Duration::days(rule.param("window_days"));
    let events = store::traces::low_ratings_since(tx, expert, since).await?;
    if let Some(f) = rules::low_ratings(&rule, expert, &events) {
        let subj = Subject::detached(format!("expert:{expert}"));
        alerts::raise(tx, db, now, &rule, &subj, f).await?;
    }
    Ok(())
}

pub(super) async fn draw_completed(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
) -> Result<()> {
    let d = DrawCompleted::decode(ev)?;
    let s = d.section_id.as_str();
    ensure_section(tx, Sec::new(s), now).await?;
    let experts: Vec<(String, String)> = d
        .experts
        .iter()
        .filter(|e| !e.expert_id.is_empty())
        .map(|e| {
            let name = if e.name.is_empty() {
                &e.expert_id
            } else {
                &e.name
            };
            (e.expert_id.clone(), name.clone())
        })
        .collect();
    for (id, _) in &experts {
        add_trace(tx, s, "expert", id, "-", ev).await?;
    }
    let tenderer = store::sections::tenderer(tx, s).await?;
    let c = catalogue(tx).await?;
    let (Some(rule), Some(tenderer)) = (c.active(rules::REPEAT_EXPERT).cloned(), tenderer) else {
        return Ok(());
    };
    let since = ev.occurred_at - chrono::Duration::days(rule.param("window_days"));
    for (id, name) in experts {
        let rows =
            store::traces::expert_sections(tx, (id.as_str(), tenderer.as_str()), since).await?;
        let mut sections = Vec::new();
        let mut events = Vec::new();
        for r in rows {
            sections.push(r.section_id);
            events.push(r.event_id);
        }
        if let Some(f) = rules::repeat_expert(&rule, &tenderer, &id, &name, &sections, &events) {
            raise_for(tx, db, now, &c, s, f).await?;
        }
    }
    Ok(())
}

/// A venue session as monitoring keeps it (`mon_sessions`).
pub(super) struct Session<'a> {
    pub(super) id: &'a str,
    pub(super) section_id: Option<&'a str>,
    /// Blank: keep the kind already known (a move does not tell it).
    pub(super) kind: &'a str,
    pub(super) room_name: Option<&'a str>,
    pub(super) start: DateTime<Utc>,
    pub(super) end: DateTime<Utc>,
}

pub(super) async fn session_upsert(tx: &mut Tx, s: Session<'_>) -> Result<()> {
    let known = |v: Option<&'_ str>| v.filter(|v| !v.is_empty()).map(str::to_string);
    store::sections::upsert_session(
        tx,
        store::sections::NewSession {
            session_id: s.id,
            section_id: known(s.section_id),
            kind: s.kind,
            room_name: known(s.room_name),
            starts_at: s.start,
            ends_at: s.end,
        },
    )
    .await
}
