//! Platform and CA fault declarations (电子招标投标办法 第三十一条).

use super::*;
use ggzy_events::projects::BidFaultDeclared;
use ggzy_events::Contract;

/// Decryption state of a bid whose stored ciphertext no longer matches its receipt: the platform
/// lost or altered the file, so the bid was not decrypted for a reason other than the bidder —
/// deemed withdrawn (视为撤回), not revoked (电子招标投标办法 第三十一条).
pub const PLATFORM_FAULT: &str = "withdrawn_platform_fault";

/// 电子招标投标办法 第三十一条 (a bid not decrypted for a reason other than the bidder is deemed
/// withdrawn, and the bidder may claim its direct loss from the party at fault).
pub const PLATFORM_FAULT_SOURCE: &str = "电子招标投标办法 第三十一条";

/// A declaration of a platform or CA fault (what staff send).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FaultDeclarationInput {
    /// The bid that cannot be decrypted.
    #[schema(min_length = 1, pattern = "\\S")]
    pub bid_id: String,
    /// `platform` (the trading platform failed: service down, file store) or `ca` (the
    /// certificate authority's service failed, so the bidder could not use its key).
    #[schema(pattern = "^(platform|ca)$")]
    pub fault: String,
    /// What happened (recorded in the opening record), 1–1000 characters.
    #[schema(min_length = 1, max_length = 1000, pattern = "\\S")]
    pub reason: String,
}

/// A recorded declaration (also an entry's `fault` in the opening record).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct FaultDeclaration {
    pub bid_id: String,
    pub section_id: String,
    pub org_id: String,
    /// `platform` or `ca`.
    pub fault: String,
    pub reason: String,
    /// User id of the staff member who declared it.
    pub declared_by: String,
    #[sqlx(try_from = "At")]
    pub declared_at: DateTime<Utc>,
    pub basis: String,
}

use store::bids::OrgDecryptionRow;

/// The faults the centre may declare (not the bidder's own failure, which stays revoked).
pub const FAULT_KINDS: [&str; 2] = ["platform", "ca"];

/// Check a declaration's fields; every broken rule named.
pub fn check_fault_input(input: &FaultDeclarationInput) -> Result<()> {
    let mut v = ggzy_core::error::Violations::new();
    if input.bid_id.trim().is_empty() {
        v.push("bid_id", "required", "the bid that cannot be decrypted");
    }
    if !FAULT_KINDS.contains(&input.fault.trim()) {
        v.push(
            "fault",
            "opening.fault_kind",
            "platform (the trading platform failed) or ca (the certificate authority failed); a \
             bidder's own failure is not declared — its bid is revoked at the window's end",
        );
    }
    let n = input.reason.trim().chars().count();
    if n == 0 || n > 1000 {
        v.push(
            "reason",
            "opening.fault_reason",
            "what happened is recorded in the opening record (1–1000 characters)",
        );
    }
    v.into_result()
}

/// Record a platform or CA fault for a sealed bid while the decryption window is open: the bid is
/// deemed withdrawn (`withdrawn_platform_fault`) in the same transaction as the declaration and
/// its event `projects.bid.fault_declared`; the last sealed bid handled records the opening.
pub async fn declare_fault(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: FaultDeclarationInput,
) -> Result<FaultDeclaration> {
    actor.require(&[Role::Staff])?;
    check_fault_input(&input)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = load_section(&mut tx, &ctx.db, section_id, true).await?;
    crate::service::require_sealed_bids(&mut tx, section_id).await?;
    check_window(&mut tx, section_id, &s, now).await?;
    let bid = store::bids::current_bid_of_section(&mut tx, input.bid_id.trim(), section_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("bid {} in this opening", input.bid_id.trim())))?;
    let OrgDecryptionRow {
        org_id,
        decryption: state,
    } = bid;
    if state != "sealed" {
        return Err(Error::conflict(
            "opening.already_decrypted",
            format!("the bid is no longer sealed ({state}); only a sealed bid can be declared"),
        ));
    }
    let n = store::bids::set_undecrypted(&mut tx, input.bid_id.trim(), PLATFORM_FAULT, now).await?;
    expect_one(
        n,
        "opening.already_decrypted",
        "the bid was opened concurrently",
    )?;
    let d = FaultDeclaration {
        bid_id: input.bid_id.trim().to_string(),
        section_id: section_id.to_string(),
        org_id,
        fault: input.fault.trim().to_string(),
        reason: input.reason.trim().to_string(),
        declared_by: actor.user_id.clone(),
        declared_at: now,
        basis: PLATFORM_FAULT_SOURCE.to_string(),
    };
    store::opening::insert_fault(&mut tx, &d).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        BidFaultDeclared {
            bid_id: d.bid_id.clone(),
            section_id: section_id.to_string(),
            org_id: d.org_id.clone(),
            fault: d.fault.clone(),
            reason: d.reason.clone(),
            declared_by: d.declared_by.clone(),
            decryption: PLATFORM_FAULT.to_string(),
            basis: d.basis.clone(),
        }
        .encode(),
    )
    .await?;
    let sealed = store::bids::sealed_count(&mut tx, section_id).await?;
    if sealed == 0 {
        finalize(&mut tx, &ctx.db, now, section_id, &s, &actor.actor_ref()).await?;
    }
    ctx.db.commit_answering(tx, 201, &d, now).await?;
    Ok(d)
}
