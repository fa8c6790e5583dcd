//! The opening record (开标记录).

use super::*;
use ggzy_events::projects::BidRevoked;
use ggzy_events::Contract;

// The opening record.

/// One bid in the opening record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpeningEntry {
    pub bid_id: String,
    pub org_id: String,
    pub org_name: String,
    pub uscc: String,
    /// The sealed price, read at decryption; null when not decrypted.
    pub price: Option<String>,
    /// `decrypted`, `not_decrypted` (revoked: the bidder's fault, 电子招标投标办法 第三十一条),
    /// `digest_mismatch` or `withdrawn_platform_fault` (not the bidder's fault: deemed withdrawn,
    /// see `fault`).
    pub decryption: String,
    /// `valid`, `missing`, `invalid` or `unknown` (as known from the deposits area).
    pub deposit: String,
    /// Cipher suite of the package.
    pub suite: Option<String>,
    /// The centre's declaration that the bid was not decrypted because of the platform or the CA
    /// (`decryption: withdrawn_platform_fault`, 电子招标投标办法 第三十一条), with its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<FaultDeclaration>,
}

/// 开标记录.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpeningRecord {
    pub section_id: String,
    pub project_id: String,
    pub market: String,
    pub opened_at: DateTime<Utc>,
    pub decryption_deadline: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub entries: Vec<OpeningEntry>,
    /// Bids decrypted with a matching digest (the bids left for evaluation).
    #[serde(default)]
    pub decrypted_bids: i64,
    /// The market's `opening_rules.min_bids` at the time of the record.
    #[serde(default)]
    pub min_bids: i64,
    /// Informational flag: `decrypted_bids < min_bids` after revocations. The section still goes to
    /// evaluation; whether the bids lack competition is the committee's decision ([`BELOW_MIN_SOURCE`]).
    #[serde(default)]
    pub below_min_bids: bool,
    #[serde(default)]
    pub below_min_bids_basis: Option<String>,
    /// Objections raised at the opening and their on-the-spot answers (实施条例 第四十四条),
    /// kept from the remedies events ([`crate::opening_objections`]); read live, so an answer
    /// given after the record was closed shows too.
    #[serde(default)]
    pub objections: Vec<crate::opening_objections::OpeningObjection>,
}

pub(super) async fn finalize(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    section_id: &str,
    s: &SectionRow,
    by: &ActorRef,
) -> Result<()> {
    let o = store::opening::opening(tx, section_id).await?;
    let Some(o) = o else { return Ok(()) };
    if o.state != store::opening::OpeningState::Decrypting {
        return Ok(());
    }
    let opened_at = o.started_at;
    let deadline = o.window_ends_at;
    let deposits: std::collections::HashMap<String, String> =
        store::opening::deposits(tx, section_id)
            .await?
            .into_iter()
            .map(|r| (r.org_id, r.status))
            .collect();
    let rows = store::bids::opened_bids(tx, section_id).await?;
    let mut faults: std::collections::HashMap<String, FaultDeclaration> =
        std::collections::HashMap::new();
    for d in store::opening::faults(tx, section_id).await? {
        faults.insert(d.bid_id.clone(), d);
    }
    let mut entries = Vec::new();
    for r in rows {
        let bid_id = r.id;
        let org_id = r.org_id;
        let decryption = r.decryption;
        let price: Option<i64> = r.price_fen;
        let decryption = match decryption.as_str() {
            "decrypted" => "decrypted",
            "digest_mismatch" => "digest_mismatch",
            // Not the bidder's fault: deemed withdrawn, never revoked.
            PLATFORM_FAULT => PLATFORM_FAULT,
            // Void at the deadline (实施条例 34): never opened, not revoked.
            "void_joint_bid" => "void_joint_bid",
            _ => {
                // 电子招标投标办法 第三十一条: not decrypted through the bidder's fault → revoked.
                store::bids::revoke(tx, &bid_id, now).await?;
                emit(
                    tx,
                    db,
                    by,
                    now,
                    BidRevoked {
                        bid_id: bid_id.clone(),
                        section_id: section_id.to_string(),
                        org_id: org_id.clone(),
                        reason: "not_decrypted".into(),
                        basis: Some(WINDOW_SOURCE.into()),
                    }
                    .encode(),
                )
                .await?;
                "not_decrypted"
            }
        };
        let fault = faults.remove(&bid_id);
        entries.push(OpeningEntry {
            deposit: deposits
                .get(&org_id)
                .cloned()
                .unwrap_or_else(|| "unknown".into()),
            bid_id,
            org_id,
            org_name: r.org_name.unwrap_or_default(),
            uscc: r.uscc.unwrap_or_default(),
            price: match (decryption, price) {
                ("decrypted", Some(fen)) => Some(Money::from_fen(fen).to_string()),
                _ => None,
            },
            decryption: decryption.into(),
            suite: r.suite,
            fault,
        });
    }
    let rules = load_rules(tx, &s.region, &s.market).await?;
    let decrypted_bids = i64::try_from(
        entries
            .iter()
            .filter(|e| e.decryption == "decrypted")
            .count(),
    )
    .map_err(|_| Error::internal("bid count"))?;
    let below_min_bids = rules.below_min_after_opening(decrypted_bids);
    let record = OpeningRecord {
        decrypted_bids,
        min_bids: rules.min_bids,
        below_min_bids,
        below_min_bids_basis: below_min_bids.then(|| BELOW_MIN_SOURCE.to_string()),
        section_id: section_id.into(),
        project_id: s.project_id.clone(),
        market: s.market.clone(),
        opened_at,
        decryption_deadline: deadline,
        recorded_at: now,
        entries,
        objections: crate::opening_objections::list(tx, section_id).await?,
    };
    let text = serde_json::to_string(&record).map_err(|e| Error::internal(e.to_string()))?;
    let n = store::opening::close(tx, section_id, &text, now).await?;
    expect_one(n, "opening.closed", "the opening was recorded concurrently")?;
    move_state(
        tx,
        section_id,
        SectionState::Opening,
        SectionAction::StartEvaluation,
        now,
    )
    .await?;
    timers::cancel(tx, &window_key(section_id)).await?;
    let recorded = recorded_event(&record)?;
    emit(tx, db, by, now, ggzy_events::Contract::encode(&recorded)).await?;
    Ok(())
}

/// `projects.opening.recorded`: the record as its contract carries it.
fn recorded_event(r: &OpeningRecord) -> Result<ggzy_events::projects::OpeningRecorded> {
    let internal = |e: serde_json::Error| Error::internal(e.to_string());
    let entries = r
        .entries
        .iter()
        .map(|e| {
            Ok(ggzy_events::projects::OpeningEntry {
                bid_id: e.bid_id.clone(),
                org_id: e.org_id.clone(),
                org_name: e.org_name.clone(),
                uscc: e.uscc.clone(),
                price: e
                    .price
                    .as_deref()
                    .map(Money::parse_str)
                    .transpose()
                    .map_err(|x| Error::internal(format!("opening entry price: {x:?}")))?,
                decryption: e.decryption.clone(),
                deposit: e.deposit.clone(),
                suite: e.suite.clone(),
                fault: e
                    .fault
                    .as_ref()
                    .map(serde_json::to_value)
                    .transpose()
                    .map_err(internal)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ggzy_events::projects::OpeningRecorded {
        section_id: r.section_id.clone(),
        project_id: Some(r.project_id.clone()),
        market: Some(r.market.clone()),
        entries,
        decrypted_bids: Some(r.decrypted_bids),
        opened_at: Some(r.opened_at),
        decryption_deadline: Some(r.decryption_deadline),
        recorded_at: Some(r.recorded_at),
        min_bids: Some(r.min_bids),
        below_min_bids: Some(r.below_min_bids),
        below_min_bids_basis: r.below_min_bids_basis.clone(),
        objections: r
            .objections
            .iter()
            .map(serde_json::to_value)
            .collect::<std::result::Result<_, _>>()
            .map_err(internal)?,
    })
}

/// The opening record of a section: registered bidders of the section, the project's owner
/// organization (tenderer/agency), staff and supervisors; 409 `opening.not_recorded` before it exists.
pub async fn get_record(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<OpeningRecord> {
    actor.require(&[
        Role::Bidder,
        Role::Tenderer,
        Role::Agency,
        Role::Staff,
        Role::Supervisor,
    ])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let s = load_section(&mut conn, &ctx.db, section_id, false).await?;
    match actor.role {
        Role::Staff | Role::Supervisor => {}
        Role::Bidder => {
            let org = actor
                .org_id
                .clone()
                .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
            let reg = store::registrations::registration_id(&mut conn, section_id, &org).await?;
            if reg.is_none() {
                return Err(Error::forbidden(
                    "the opening record is shown to the bidders registered for this section",
                ));
            }
        }
        _ => {
            if actor.org_id.as_deref() != Some(s.owner_org_id.as_str()) {
                return Err(Error::forbidden(
                    "this project belongs to another organization",
                ));
            }
        }
    }
    let r = store::opening::record(&mut conn, section_id)
        .await?
        .ok_or_else(|| {
            Error::conflict(
                "opening.not_recorded",
                format!(
                    "section is in state {}; the opening record exists once decryption has ended",
                    s.state.as_str()
                ),
            )
        })?;
    let text = r.record;
    let mut record: OpeningRecord = serde_json::from_str(&text.unwrap_or_default())
        .map_err(|e| Error::internal(format!("stored opening record: {e}")))?;
    record.objections = crate::opening_objections::list(&mut conn, section_id).await?;
    Ok(record)
}
