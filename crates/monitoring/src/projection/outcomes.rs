//! Signals from outcomes: openings, awards, expert draws, scores and ratings, venue sessions.

use super::*;

#[derive(sqlx::FromRow)]
struct EstimateRow {
    estimate_fen: Option<i64>,
    tenderer: Option<String>,
}

#[derive(sqlx::FromRow)]
struct BidRow {
    org_id: String,
    org_name: String,
    price_fen: Option<i64>,
    #[sqlx(try_from = "Flag")]
    valid: bool,
    event_id: String,
}

#[derive(sqlx::FromRow)]
struct AwardEventRow {
    section_id: String,
    award_event_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ExpertSectionRow {
    section_id: String,
    event_id: String,
}

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
    sqlx::query("UPDATE mon_sections SET opened_at = $1, updated_at = $2 WHERE section_id = $3")
        .bind(to_micros(opened))
        .bind(to_micros(now))
        .bind(s)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM mon_bids WHERE section_id = $1")
        .bind(s)
        .execute(&mut **tx)
        .await?;
    for e in &entries {
        sqlx::query(
            "INSERT INTO mon_bids (section_id, org_id, org_name, price_fen, valid, event_id) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (section_id, org_id) DO NOTHING",
        )
        .bind(s)
        .bind(&e.org_id)
        .bind(&e.org_name)
        .bind(e.price_fen)
        .bind(i64::from(e.valid))
        .bind(&ev.id)
        .execute(&mut **tx)
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
    sqlx::query(
        "UPDATE mon_sections SET winner_org_id = $1, award_fen = $2, awarded_at = $3, award_event_id = $4, \
         market = COALESCE(market, $5), updated_at = $6 WHERE section_id = $7",
    )
    .bind(winner)
    .bind(price)
    .bind(to_micros(awarded))
    .bind(&ev.id)
    .bind(a.market.as_deref().filter(|m| !m.is_empty()))
    .bind(to_micros(now))
    .bind(s)
    .execute(&mut **tx)
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
    let row: EstimateRow =
        sqlx::query_as("SELECT estimate_fen, tenderer FROM mon_sections WHERE section_id = $1")
            .bind(s)
            .fetch_one(&mut **tx)
            .await?;
    let (estimate, tenderer) = (row.estimate_fen, row.tenderer);
    let rows: Vec<BidRow> = sqlx::query_as("SELECT org_id, org_name, price_fen, valid, event_id FROM mon_bids WHERE section_id = $1 ORDER BY org_id")
        .bind(s)
        .fetch_all(&mut **tx)
        .await?;
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
        let rows: Vec<AwardEventRow> = sqlx::query_as(
            "SELECT section_id, award_event_id FROM mon_sections WHERE tenderer = $1 AND winner_org_id = $2 \
             AND awarded_at >= $3 AND awarded_at <= $4 ORDER BY awarded_at, section_id",
        )
        .bind(&tenderer)
        .bind(winner)
        .bind(to_micros(since))
        .bind(to_micros(awarded))
        .fetch_all(&mut **tx)
        .await?;
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
    let events: Vec<String> = sqlx::query_scalar(
        "SELECT event_id FROM mon_traces WHERE kind = 'low_rating' AND value = $1 AND at >= $2 ORDER BY at, event_id",
    )
    .bind(expert)
    .bind(to_micros(since))
    .fetch_all(&mut **tx)
    .await?;
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
    let tenderer: Option<String> =
        sqlx::query_scalar("SELECT tenderer FROM mon_sections WHERE section_id = $1")
            .bind(s)
            .fetch_one(&mut **tx)
            .await?;
    let c = catalogue(tx).await?;
    let (Some(rule), Some(tenderer)) = (c.active(rules::REPEAT_EXPERT).cloned(), tenderer) else {
        return Ok(());
    };
    let since = ev.occurred_at - chrono::Duration::days(rule.param("window_days"));
    for (id, name) in experts {
        let rows: Vec<ExpertSectionRow> = sqlx::query_as(
            "SELECT t.section_id, MIN(t.event_id) AS event_id FROM mon_traces t JOIN mon_sections m ON m.section_id = t.section_id \
             WHERE t.kind = 'expert' AND t.value = $1 AND m.tenderer = $2 AND t.at >= $3 \
             GROUP BY t.section_id ORDER BY t.section_id",
        )
        .bind(&id)
        .bind(&tenderer)
        .bind(to_micros(since))
        .fetch_all(&mut **tx)
        .await?;
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
    sqlx::query(
        "INSERT INTO mon_sessions (session_id, section_id, kind, room_name, starts_at, ends_at, cancelled) \
         VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT (session_id) DO UPDATE SET \
         section_id = COALESCE(excluded.section_id, mon_sessions.section_id), \
         kind = CASE WHEN excluded.kind = '' THEN mon_sessions.kind ELSE excluded.kind END, \
         room_name = COALESCE(excluded.room_name, mon_sessions.room_name), starts_at = excluded.starts_at, \
         ends_at = excluded.ends_at",
    )
    .bind(s.id)
    .bind(known(s.section_id))
    .bind(s.kind)
    .bind(known(s.room_name))
    .bind(to_micros(s.start))
    .bind(to_micros(s.end))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
