//! Collusion signals (串通投标) from bids: traces each bidder leaves (address, device, file creator,
//! payer account), submitted and decrypted bids, deposits received.

use super::*;

pub(super) async fn distinct_orgs(tx: &mut Tx, section_id: &str, kind: &str) -> Result<i64> {
    let rows =
        sqlx::query("SELECT DISTINCT org_id FROM mon_traces WHERE section_id = $1 AND kind = $2")
            .bind(section_id)
            .bind(kind)
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.len() as i64)
}

pub(super) async fn add_trace(
    tx: &mut Tx,
    section_id: &str,
    kind: &str,
    value: &str,
    org_id: &str,
    ev: &Event,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO mon_traces (section_id, kind, value, org_id, event_id, at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (section_id, kind, value, org_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(kind)
    .bind(value)
    .bind(org_id)
    .bind(&ev.id)
    .bind(to_micros(ev.occurred_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn traces(
    tx: &mut Tx,
    section_id: &str,
    kind: &str,
    value: &str,
) -> Result<Vec<Trace>> {
    let rows = sqlx::query(
        "SELECT org_id, event_id FROM mon_traces WHERE section_id = $1 AND kind = $2 AND value = $3 ORDER BY at, org_id",
    )
    .bind(section_id)
    .bind(kind)
    .bind(value)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Trace {
                org_id: r.try_get(0)?,
                event_id: r.try_get(1)?,
            })
        })
        .collect()
}

/// Record a trace and check whether another bidder of the section left the same one.
#[allow(clippy::too_many_arguments)]
pub(super) async fn shared(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    c: &Catalogue,
    rule_id: &str,
    kind: &str,
    section_id: &str,
    org_id: &str,
    value: Option<&str>,
    ev: &Event,
) -> Result<()> {
    let Some(value) = value.map(str::trim).filter(|v| !rules::is_blank_trace(v)) else {
        return Ok(());
    };
    // Values come from bidders' clients: a long one is keyed by its digest so that it always fits
    // the index (a refused insert would stop the consumer).
    let digest;
    let value = if value.len() > 128 {
        digest = format!("sha256:{}", ggzy_core::ids::sha256_hex(value.as_bytes()));
        digest.as_str()
    } else {
        value
    };
    add_trace(tx, section_id, kind, value, org_id, ev).await?;
    let Some(rule) = c.active(rule_id) else {
        return Ok(());
    };
    let t = traces(tx, section_id, kind, value).await?;
    if let Some(f) = rules::shared_trace(rule, value, &t) {
        raise_for(tx, db, now, c, section_id, f).await?;
    }
    Ok(())
}

/// 实施条例 40(1) on the authors read from the decrypted documents' own metadata (PDF `/Author`,
/// OOXML `dc:creator` / `cp:lastModifiedBy`): two bidders whose documents name the same author.
pub(super) async fn bid_decrypted(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
) -> Result<()> {
    let p = &ev.payload;
    let (Some(s), Some(o)) = (str_of(p, "section_id"), str_of(p, "org_id")) else {
        return Ok(());
    };
    let authors: Vec<String> = p["document_authors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if authors.is_empty() {
        return Ok(());
    }
    ensure_section(tx, s, p, now).await?;
    let c = catalogue(tx).await?;
    for a in &authors {
        shared(
            tx,
            db,
            now,
            &c,
            rules::SAME_FILE_CREATOR,
            "creator",
            s,
            o,
            Some(a),
            ev,
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn bid_submitted(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
) -> Result<()> {
    let p = &ev.payload;
    let (Some(s), Some(o)) = (str_of(p, "section_id"), str_of(p, "org_id")) else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    sqlx::query("UPDATE mon_sections SET first_bid_at = COALESCE(first_bid_at, $1), updated_at = $2 WHERE section_id = $3")
        .bind(to_micros(ev.occurred_at))
        .bind(to_micros(now))
        .bind(s)
        .execute(&mut **tx)
        .await?;
    add_trace(tx, s, "bid", "submitted", o, ev).await?;
    let c = catalogue(tx).await?;
    shared(
        tx,
        db,
        now,
        &c,
        rules::SAME_IP,
        "ip",
        s,
        o,
        str_of(p, "ip"),
        ev,
    )
    .await?;
    shared(
        tx,
        db,
        now,
        &c,
        rules::SAME_DEVICE,
        "device",
        s,
        o,
        str_of(p, "device_fingerprint"),
        ev,
    )
    .await?;
    // No same-file-creator check here: the upload tool's `X-File-Creator` header is the same stamp
    // on every honest upload; the authors come from the documents at opening ([`bid_decrypted`]).
    // Optional fields: sent when the bidding client declares them (实施条例 40(2)(3)).
    let manager = str_of(p, "project_manager_id").or(str_of(p, "project_manager"));
    shared(
        tx,
        db,
        now,
        &c,
        rules::SAME_PROJECT_MANAGER,
        "manager",
        s,
        o,
        manager,
        ev,
    )
    .await?;
    let rep = str_of(p, "representative_id").or(str_of(p, "representative"));
    shared(
        tx,
        db,
        now,
        &c,
        rules::SAME_REPRESENTATIVE,
        "representative",
        s,
        o,
        rep,
        ev,
    )
    .await?;
    Ok(())
}

pub(super) async fn deposit_add(
    tx: &mut Tx,
    s: &str,
    o: &str,
    received: i64,
    released: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO mon_deposits (section_id, org_id, received_fen, released_fen) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (section_id, org_id) DO UPDATE SET received_fen = mon_deposits.received_fen + excluded.received_fen, \
         released_fen = mon_deposits.released_fen + excluded.released_fen",
    )
    .bind(s)
    .bind(o)
    .bind(received)
    .bind(released)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn transfer_received(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
) -> Result<()> {
    let p = &ev.payload;
    let (Some(s), Some(o)) = (str_of(p, "section_id"), str_of(p, "org_id")) else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    if let Some(fen) = fen_of(p, "amount") {
        deposit_add(tx, s, o, fen, 0).await?;
    }
    // `account_no` is the bidder's virtual sub-account (the receiving side); the paying account is
    // `payer_account_no`.
    let account = str_of(p, "payer_account_no");
    let c = catalogue(tx).await?;
    shared(
        tx,
        db,
        now,
        &c,
        rules::SAME_PAYER_ACCOUNT,
        "payer",
        s,
        o,
        account,
        ev,
    )
    .await
}

pub(super) fn entries_of(p: &Value) -> Vec<BidEntry> {
    p.get("entries")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    let org = str_of(e, "org_id")?;
                    let price = fen_of(e, "price");
                    let decrypted = str_of(e, "decryption").is_none_or(|d| d == "decrypted");
                    let deposit_ok = !matches!(str_of(e, "deposit"), Some("missing" | "invalid"));
                    let price = if decrypted { price } else { None };
                    Some(BidEntry {
                        org_id: org.to_string(),
                        org_name: str_of(e, "org_name").unwrap_or(org).to_string(),
                        valid: price.is_some()
                            && deposit_ok
                            && e.get("valid").and_then(Value::as_bool) != Some(false),
                        price_fen: price,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_entries_are_valid_only_when_decrypted_priced_and_deposited() {
        let p = json!({"entries": [
            {"org_id": "a", "org_name": "A", "price": "100.00", "decryption": "decrypted", "deposit": "valid"},
            {"org_id": "b", "org_name": "B", "price": null, "decryption": "not_decrypted", "deposit": "valid"},
            {"org_id": "c", "org_name": "C", "price": "90.00", "decryption": "decrypted", "deposit": "missing"},
            {"org_id": "d", "org_name": "D", "price": "95.00", "decryption": "digest_mismatch", "deposit": "valid"}
        ]});
        let e = entries_of(&p);
        assert_eq!(e.iter().filter(|e| e.valid).count(), 1);
        assert_eq!(e[2].price_fen, Some(9000));
        assert_eq!(e[3].price_fen, None);
    }
}
