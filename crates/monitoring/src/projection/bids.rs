//! Collusion signals (串通投标) from bids: traces each bidder leaves (address, device, file creator,
//! payer account), submitted and decrypted bids, deposits received.

use super::*;

pub(super) async fn distinct_orgs(tx: &mut Tx, section_id: &str, kind: &str) -> Result<i64> {
    let rows = store::traces::distinct_orgs(tx, section_id, kind).await?;
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
    store::traces::insert(
        tx,
        store::traces::NewTrace {
            section_id,
            kind,
            value,
            org_id,
            event_id: &ev.id,
            at: ev.occurred_at,
        },
    )
    .await
}

pub(super) async fn traces(
    tx: &mut Tx,
    section_id: &str,
    kind: &str,
    value: &str,
) -> Result<Vec<Trace>> {
    let rows = store::traces::same(tx, section_id, kind, value).await?;
    Ok(rows
        .into_iter()
        .map(|r| Trace {
            org_id: r.org_id,
            event_id: r.event_id,
        })
        .collect())
}

/// Record a trace and check whether another bidder of the section left the same one.
pub(super) async fn shared(
    u: &mut Uow<'_>,
    c: &Catalogue,
    rule_id: &str,
    kind: &str,
    (section_id, org_id): (&str, &str),
    value: Option<&str>,
    ev: &Event,
) -> Result<()> {
    let db = u.db;
    let now = u.now;
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
    add_trace(u.tx(), section_id, kind, value, org_id, ev).await?;
    let Some(rule) = c.active(rule_id) else {
        return Ok(());
    };
    let t = traces(u.tx(), section_id, kind, value).await?;
    if let Some(f) = rules::shared_trace(rule, value, &t) {
        raise_for(u.tx(), db, now, c, section_id, f).await?;
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
    let d = BidDecrypted::decode(ev)?;
    if d.document_authors.is_empty() {
        return Ok(());
    }
    let (s, o) = (d.section_id.as_str(), d.org_id.as_str());
    ensure_section(tx, Sec::new(s), now).await?;
    let c = catalogue(tx).await?;
    for a in &d.document_authors {
        shared(
            &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
            &c,
            rules::SAME_FILE_CREATOR,
            "creator",
            (s, o),
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
    let b = BidSubmitted::decode(ev)?;
    let s = b.section_id.as_str();
    let Some(o) = b.org_id.as_deref().filter(|o| !o.is_empty()) else {
        return Err(ggzy_core::Error::internal(format!(
            "projects.bid.submitted (seq {}): no org_id",
            ev.seq
        )));
    };
    ensure_section(tx, Sec::of(s, &b.project_id, &None), now).await?;
    store::sections::set_first_bid(tx, s, ev.occurred_at, now).await?;
    add_trace(tx, s, "bid", "submitted", o, ev).await?;
    let c = catalogue(tx).await?;
    // No same-file-creator check here: the upload tool's `X-File-Creator` header is the same stamp
    // on every honest upload; the authors come from the documents at opening ([`bid_decrypted`]).
    // Project manager and representative: sent when the bidding client declares them
    // (实施条例 40(2)(3)).
    let checks = [
        (rules::SAME_IP, "ip", &b.ip),
        (rules::SAME_DEVICE, "device", &b.device_fingerprint),
        (
            rules::SAME_PROJECT_MANAGER,
            "manager",
            &b.project_manager_id,
        ),
        (
            rules::SAME_REPRESENTATIVE,
            "representative",
            &b.representative_id,
        ),
    ];
    for (rule, kind, value) in checks {
        shared(
            &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
            &c,
            rule,
            kind,
            (s, o),
            value.as_deref(),
            ev,
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn deposit_add(
    tx: &mut Tx,
    s: &str,
    o: &str,
    received: i64,
    released: i64,
) -> Result<()> {
    store::traces::deposit_add(tx, (s, o), received, released).await
}

/// Money going back (a refund) or kept (a forfeiture) leaves the deposit; a refund goes back to
/// the account that paid: a late but certain payer trace.
pub(super) async fn deposit_released(
    u: &mut Uow<'_>,
    s: &str,
    o: &str,
    amount: Money,
    payee_account_no: Option<&str>,
    ev: &Event,
) -> Result<()> {
    deposit_add(u.tx(), s, o, 0, amount.fen()).await?;
    if let Some(payee) = payee_account_no.filter(|p| !p.is_empty()) {
        let c = catalogue(u.tx()).await?;
        shared(
            u,
            &c,
            rules::SAME_PAYER_ACCOUNT,
            "payer",
            (s, o),
            Some(payee),
            ev,
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn transfer_received(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
) -> Result<()> {
    let t = TransferReceived::decode(ev)?;
    // Credited (received) means matched to a bidder's deposit of a section.
    let (Some(s), Some(o)) = (t.section_id.as_deref(), t.org_id.as_deref()) else {
        return Err(ggzy_core::Error::internal(format!(
            "deposits.transfer.received (seq {}): no section_id or org_id",
            ev.seq
        )));
    };
    ensure_section(tx, Sec::new(s), now).await?;
    deposit_add(tx, s, o, t.amount.fen(), 0).await?;
    // `account_no` is the bidder's virtual sub-account (the receiving side); the paying account is
    // `payer_account_no`.
    let c = catalogue(tx).await?;
    shared(
        &mut Uow::within(tx, db, ActorRef::system(CONSUMER), now),
        &c,
        rules::SAME_PAYER_ACCOUNT,
        "payer",
        (s, o),
        Some(t.payer_account_no.as_str()),
        ev,
    )
    .await
}

/// The opening record's entries as the price rules read them: a bid counts (`valid`) when it was
/// decrypted, has a price and its deposit is not missing or invalid.
pub(super) fn entries_of(entries: &[OpeningEntry]) -> Vec<BidEntry> {
    entries
        .iter()
        .map(|e| {
            let decrypted = e.decryption == "decrypted";
            let deposit_ok = !matches!(e.deposit.as_str(), "missing" | "invalid");
            let price = if decrypted {
                e.price.map(|p| p.fen())
            } else {
                None
            };
            BidEntry {
                org_id: e.org_id.clone(),
                org_name: Some(e.org_name.as_str())
                    .filter(|n| !n.is_empty())
                    .unwrap_or(&e.org_id)
                    .to_string(),
                valid: price.is_some() && deposit_ok,
                price_fen: price,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(org: &str, price: Option<&str>, decryption: &str, deposit: &str) -> OpeningEntry {
        OpeningEntry {
            bid_id: format!("b-{org}"),
            org_id: org.into(),
            org_name: org.to_uppercase(),
            uscc: String::new(),
            price: price.map(|p| Money::parse_str(p).unwrap()),
            decryption: decryption.into(),
            deposit: deposit.into(),
            suite: None,
            fault: None,
        }
    }

    #[test]
    fn opening_entries_are_valid_only_when_decrypted_priced_and_deposited() {
        let e = entries_of(&[
            entry("a", Some("100.00"), "decrypted", "valid"),
            entry("b", None, "not_decrypted", "valid"),
            entry("c", Some("90.00"), "decrypted", "missing"),
            entry("d", Some("95.00"), "digest_mismatch", "valid"),
        ]);
        assert_eq!(e.iter().filter(|e| e.valid).count(), 1);
        assert_eq!(e[2].price_fen, Some(9000));
        assert_eq!(e[3].price_fen, None);
    }
}
