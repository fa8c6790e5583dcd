//! Signals from outcomes: openings, awards, expert draws, scores and ratings, venue sessions.

use super::*;

pub(super) async fn opening_recorded(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
) -> Result<()> {
    let p = &ev.payload;
    let Some(s) = str_of(p, "section_id") else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    let entries = entries_of(p);
    let opened = time_of(p, "opened_at").unwrap_or(ev.occurred_at);
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
    let p = &ev.payload;
    let (Some(s), Some(winner)) = (str_of(p, "section_id"), str_of(p, "winner_org_id")) else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    let price = fen_of(p, "price");
    let awarded = time_of(p, "awarded_at").unwrap_or(ev.occurred_at);
    sqlx::query(
        "UPDATE mon_sections SET winner_org_id = $1, award_fen = $2, awarded_at = $3, award_event_id = $4, \
         market = COALESCE(market, $5), updated_at = $6 WHERE section_id = $7",
    )
    .bind(winner)
    .bind(price)
    .bind(to_micros(awarded))
    .bind(&ev.id)
    .bind(str_of(p, "market"))
    .bind(to_micros(now))
    .bind(s)
    .execute(&mut **tx)
    .await?;
    let row = sqlx::query("SELECT estimate_fen, tenderer FROM mon_sections WHERE section_id = $1")
        .bind(s)
        .fetch_one(&mut **tx)
        .await?;
    let estimate: Option<i64> = row.try_get(0)?;
    let tenderer: Option<String> = row.try_get(1)?;
    let rows = sqlx::query("SELECT org_id, org_name, price_fen, valid, event_id FROM mon_bids WHERE section_id = $1 ORDER BY org_id")
        .bind(s)
        .fetch_all(&mut **tx)
        .await?;
    let mut entries = Vec::new();
    let mut opening_event: Option<String> = None;
    for r in &rows {
        entries.push(BidEntry {
            org_id: r.try_get(0)?,
            org_name: r.try_get(1)?,
            price_fen: r.try_get(2)?,
            valid: r.try_get::<i64, _>(3)? != 0,
        });
        opening_event = Some(r.try_get(4)?);
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
        let rows = sqlx::query(
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
        for row in &rows {
            sections.push(row.try_get::<String, _>(0)?);
            events.push(row.try_get::<Option<String>, _>(1)?.unwrap_or_default());
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
    let p = &ev.payload;
    let (Some(s), Some(expert)) = (str_of(p, "section_id"), str_of(p, "expert_id")) else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    let c = catalogue(tx).await?;
    let Some(rule) = c.active(rules::SCORE_OUTLIER).cloned() else {
        return Ok(());
    };
    let f = rules::score_outlier(
        &rule,
        expert,
        str_of(p, "org_id").unwrap_or("?"),
        str_of(p, "member_total").unwrap_or("?"),
        str_of(p, "committee_mean").unwrap_or("?"),
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
    let p = &ev.payload;
    let (Some(s), Some(expert), Some(score)) = (
        str_of(p, "section_id"),
        str_of(p, "expert_id"),
        p.get("score").and_then(Value::as_i64),
    ) else {
        return Ok(());
    };
    let c = catalogue(tx).await?;
    let Some(rule) = c.active(rules::LOW_RATINGS).cloned() else {
        return Ok(());
    };
    if !rules::is_low_rating(&rule, score) {
        return Ok(());
    }
    ensure_section(tx, s, p, now).await?;
    let rating = str_of(p, "rating_id").unwrap_or(&ev.id);
    add_trace(tx, s, "low_rating", expert, rating, ev).await?;
    let since = ev.occurred_at - chrono::Duration::days(rule.param("window_days"));
    let rows = sqlx::query(
        "SELECT event_id FROM mon_traces WHERE kind = 'low_rating' AND value = $1 AND at >= $2 ORDER BY at, event_id",
    )
    .bind(expert)
    .bind(to_micros(since))
    .fetch_all(&mut **tx)
    .await?;
    let events = rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<std::result::Result<Vec<_>, _>>()?;
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
    let p = &ev.payload;
    let Some(s) = str_of(p, "section_id") else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    let experts: Vec<(String, String)> = p
        .get("experts")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    let id = str_of(e, "expert_id")?;
                    Some((id.to_string(), str_of(e, "name").unwrap_or(id).to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    for (id, _) in &experts {
        add_trace(tx, s, "expert", id, "-", ev).await?;
    }
    let tenderer: Option<String> =
        sqlx::query("SELECT tenderer FROM mon_sections WHERE section_id = $1")
            .bind(s)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
    let c = catalogue(tx).await?;
    let (Some(rule), Some(tenderer)) = (c.active(rules::REPEAT_EXPERT).cloned(), tenderer) else {
        return Ok(());
    };
    let since = ev.occurred_at - chrono::Duration::days(rule.param("window_days"));
    for (id, name) in experts {
        let rows = sqlx::query(
            "SELECT t.section_id, MIN(t.event_id) FROM mon_traces t JOIN mon_sections m ON m.section_id = t.section_id \
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
        for r in &rows {
            sections.push(r.try_get::<String, _>(0)?);
            events.push(r.try_get::<String, _>(1)?);
        }
        if let Some(f) = rules::repeat_expert(&rule, &tenderer, &id, &name, &sections, &events) {
            raise_for(tx, db, now, &c, s, f).await?;
        }
    }
    Ok(())
}

pub(super) async fn session_upsert(tx: &mut Tx, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let (Some(sid), Some(start), Some(end)) = (
        str_of(p, "session_id"),
        time_of(p, "start"),
        time_of(p, "end"),
    ) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO mon_sessions (session_id, section_id, kind, room_name, starts_at, ends_at, cancelled) \
         VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT (session_id) DO UPDATE SET \
         section_id = COALESCE(excluded.section_id, mon_sessions.section_id), \
         kind = CASE WHEN excluded.kind = '' THEN mon_sessions.kind ELSE excluded.kind END, \
         room_name = COALESCE(excluded.room_name, mon_sessions.room_name), starts_at = excluded.starts_at, \
         ends_at = excluded.ends_at",
    )
    .bind(sid)
    .bind(str_of(p, "section_id"))
    .bind(str_of(p, "kind").unwrap_or(""))
    .bind(str_of(p, "room_name"))
    .bind(to_micros(start))
    .bind(to_micros(end))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
