//! Forfeiture (没收投标保证金): one staff member proposes with a ground and a reason, a different
//! staff member or admin approves (four-eyes rule); the deposit moves to `forfeited` in one
//! balanced entry (cash) or the guarantee is called (no cash moves).

use crate::ledger::{Account, AccountType, Entry};
use crate::lifecycle::liability_balance;
use crate::service::{post_entry, section_info};
use chrono::{DateTime, Utc};
use ggzy_core::{ids, Error, Money, Result};
use ggzy_events::deposits::{ForfeitureProposed, ForfeitureRejected};
use ggzy_events::Contract as _;
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Grounds on which a deposit may be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ground {
    /// 实施条例 35: 投标截止后投标人撤销投标文件的，招标人可以不退还投标保证金.
    RevokedAfterDeadline,
    /// 实施条例 74: 中标人无正当理由不与招标人订立合同…取消其中标资格，投标保证金不予退还.
    RefusedToSign,
    /// 实施条例 74: 在签订合同时向招标人提出附加条件、或者不按照招标文件要求提交履约保证金.
    RefusedPerformanceSecurity,
    /// 电子招标投标办法 (20号令) 31 with the tender documents: 因投标人原因未能解密 is treated as
    /// revoking the bid (实施条例 35).
    NotDecrypted,
}

impl Ground {
    pub fn as_str(&self) -> &'static str {
        match self {
            Ground::RevokedAfterDeadline => "revoked_after_deadline",
            Ground::RefusedToSign => "refused_to_sign",
            Ground::RefusedPerformanceSecurity => "refused_performance_security",
            Ground::NotDecrypted => "not_decrypted",
        }
    }
    pub fn basis(&self) -> &'static str {
        match self {
            Ground::RevokedAfterDeadline => "实施条例 35",
            Ground::RefusedToSign | Ground::RefusedPerformanceSecurity => "实施条例 74",
            Ground::NotDecrypted => "实施条例 35; 20号令 31",
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ForfeitureProposal {
    pub section_id: String,
    pub org_id: String,
    pub ground: Ground,
    /// Why, in the words of the record (required, at most 2000 characters).
    #[schema(pattern = "\\S", max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Forfeiture {
    pub id: String,
    pub section_id: String,
    pub org_id: String,
    pub ground: String,
    pub basis: String,
    pub reason: String,
    /// `proposed`, `approved` or `rejected`.
    pub status: String,
    pub amount: Money,
    /// `cash` or `guarantee`.
    pub form: String,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

use crate::store;
use crate::store::guarantees::{ForfeitureRow, ForfeitureStatus};

fn row(r: ForfeitureRow) -> Forfeiture {
    let ground = r.ground;
    let basis = [
        Ground::RevokedAfterDeadline,
        Ground::RefusedToSign,
        Ground::RefusedPerformanceSecurity,
        Ground::NotDecrypted,
    ]
    .into_iter()
    .find(|g| g.as_str() == ground)
    .map(|g| g.basis())
    .unwrap_or("");
    Forfeiture {
        id: r.id,
        section_id: r.section_id,
        org_id: r.org_id,
        ground,
        basis: basis.to_string(),
        reason: r.reason,
        status: r.status.as_str().to_string(),
        amount: r.amount_fen,
        form: r.form,
        proposed_by: r.proposed_by,
        proposed_at: r.proposed_at,
        decided_by: r.decided_by,
        decided_at: r.decided_at,
    }
}

/// A forfeiture read in the change's transaction, whose answer it is.
async fn get_on(tx: &mut ggzy_store::Tx, id: &str) -> Result<Forfeiture> {
    let r = store::guarantees::forfeiture(tx, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("forfeiture {id}")))?;
    Ok(row(r))
}

/// Staff propose keeping a bidder's deposit.
#[tracing::instrument(skip_all, fields(section_id = %p.section_id))]
pub async fn propose(ctx: &Ctx, actor: &Actor, p: ForfeitureProposal) -> Result<Forfeiture> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let reason = p.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Error::field(
            "reason",
            "required",
            "a forfeiture needs its reason (at most 2000 characters)",
        ));
    }
    let section_id = p.section_id.trim();
    let org_id = p.org_id.trim();
    let sec = section_info(ctx.db.pool(), section_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {section_id}")))?;
    let mut c = ctx.db.pool().acquire().await?;
    let cash = liability_balance(
        &mut c,
        AccountType::DepositLiability,
        &format!("{org_id}/{section_id}"),
    )
    .await?;
    let guarantee = store::guarantees::active_amount(&mut c, section_id, org_id).await?;
    drop(c);
    // The deposit is what is kept; money paid beyond it is still refunded.
    let (form, amount) = if cash > 0 {
        ("cash", cash.min(sec.deposit_fen))
    } else if guarantee.is_some() {
        ("guarantee", sec.deposit_fen)
    } else {
        return Err(Error::conflict(
            "forfeiture.nothing_held",
            "no deposit of this bidder is held for the section",
        ));
    };
    let id = ids::new_id();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    store::guarantees::insert_forfeiture(
        &mut tx,
        store::guarantees::NewForfeiture {
            id: &id,
            section_id,
            org_id,
            ground: p.ground.as_str(),
            reason,
            amount_fen: amount,
            form,
            proposed_by: &actor.user_id,
            at: now,
        },
    )
    .await
    .map_err(|e| match e {
        Error::Conflict { .. } => Error::conflict(
            "forfeiture.open",
            "a forfeiture of this deposit is already proposed or approved",
        ),
        e => e,
    })?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ForfeitureProposed {
            forfeiture_id: id.clone(),
            section_id: section_id.into(),
            org_id: org_id.into(),
            ground: p.ground.as_str().into(),
            basis: p.ground.basis().into(),
            reason: reason.into(),
            amount: Money::from_fen(amount),
            form: form.into(),
        }
        .encode(),
    )
    .await?;
    let f = get_on(&mut tx, &id).await?;
    ctx.db.commit_answering(tx, 201, &f, now).await?;
    Ok(f)
}

/// A second staff member or admin approves (or rejects) a proposed forfeiture.
#[tracing::instrument(skip_all, fields(forfeiture_id = %id))]
pub async fn decide(ctx: &Ctx, actor: &Actor, id: &str, approve: bool) -> Result<Forfeiture> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = store::guarantees::forfeiture_for_update(&mut tx, &ctx.db, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("forfeiture {id}")))?;
    let proposed = r.status == ForfeitureStatus::Proposed;
    let f = row(r);
    if !proposed {
        return Err(Error::conflict(
            "forfeiture.decided",
            format!("the forfeiture is already {}", f.status),
        ));
    }
    // Four eyes: whoever proposed may not decide.
    if f.proposed_by == actor.user_id {
        return Err(Error::conflict(
            "forfeiture.second_approver",
            "a forfeiture must be decided by a different staff member or admin than its proposer",
        ));
    }
    let status = if approve {
        ForfeitureStatus::Approved
    } else {
        ForfeitureStatus::Rejected
    };
    let n = store::guarantees::mark_decided(&mut tx, id, status, &actor.user_id, now).await?;
    if n != 1 {
        return Err(Error::conflict(
            "forfeiture.decided",
            "decided concurrently",
        ));
    }
    let mut amount = f.amount.fen();
    if approve {
        if f.form == "cash" {
            let acc = Account::liability(&f.org_id, &f.section_id);
            // Serialize with receipts and refunds of the same deposit (PostgreSQL row lock).
            store::accounts::lock_account(&mut tx, &ctx.db, &f.org_id, &f.section_id).await?;
            // What is still held (a refund may have gone out meanwhile): never more than that.
            let held = liability_balance(&mut tx, AccountType::DepositLiability, &acc.key).await?;
            amount = amount.min(held);
            if amount <= 0 {
                return Err(Error::conflict(
                    "forfeiture.nothing_held",
                    "the deposit is no longer held (already refunded)",
                ));
            }
            let entry = Entry::forfeit(acc, amount).map_err(|e| Error::internal(e.to_string()))?;
            post_entry(&mut tx, &entry, None, now).await?;
        } else {
            let n =
                store::guarantees::mark_forfeited(&mut tx, &f.section_id, &f.org_id, now).await?;
            if n != 1 {
                return Err(Error::conflict(
                    "forfeiture.nothing_held",
                    "the guarantee is no longer active (already released)",
                ));
            }
        }
        store::guarantees::set_forfeited_amount(&mut tx, id, amount).await?;
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            ggzy_events::Contract::encode(&ggzy_events::deposits::DepositForfeited {
                forfeiture_id: id.to_string(),
                section_id: f.section_id.clone(),
                org_id: f.org_id.clone(),
                amount: Money::from_fen(amount),
                reason: f.reason.clone(),
                ground: f.ground.clone(),
                basis: f.basis.clone(),
                form: f.form.clone(),
                proposed_by: f.proposed_by.clone(),
                approved_by: Some(actor.user_id.to_string()),
            }),
        )
        .await?;
    } else {
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            ForfeitureRejected {
                forfeiture_id: id.into(),
                section_id: f.section_id.clone(),
                org_id: f.org_id.clone(),
            }
            .encode(),
        )
        .await?;
    }
    let f = get_on(&mut tx, id).await?;
    ctx.db.commit_answering(tx, 200, &f, now).await?;
    Ok(f)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ForfeitureQuery {
    pub section_id: Option<String>,
}

/// Forfeitures (staff, supervisor, admin).
pub async fn list(ctx: &Ctx, actor: &Actor, section_id: Option<&str>) -> Result<Vec<Forfeiture>> {
    actor.require(&[Role::Staff, Role::Supervisor, Role::Admin])?;
    let rows = store::guarantees::forfeitures(&ctx.db, section_id.unwrap_or("")).await?;
    Ok(rows.into_iter().map(row).collect())
}

/// Bid revocations reported by projects (grounds for a proposal), for the staff's worklist.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revocation {
    pub bid_id: String,
    pub section_id: String,
    pub org_id: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

pub async fn revocations(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Vec<Revocation>> {
    actor.require(&[Role::Staff, Role::Supervisor, Role::Admin])?;
    let rows = store::sections::revocations(&ctx.db, section_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| Revocation {
            bid_id: r.bid_id,
            section_id: r.section_id,
            org_id: r.org_id,
            reason: r.reason,
            at: r.at,
        })
        .collect())
}
