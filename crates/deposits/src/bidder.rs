//! The bidder's view of its deposit (保证金) for one section, in one call: the virtual sub-account
//! to pay into, the amount, what the bank reported, the status by the validity rules, guarantees
//! (保函, 电子保函) given instead of cash, and refunds with their dates and interest.

use crate::guarantees::Guarantee;
use crate::lifecycle::Refund;
use crate::rules::DepositStatus;
use crate::service::{section_info, DepositStatusRow, VirtualAccount};
use chrono::{DateTime, Utc};
use ggzy_core::{Error, Money, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use serde::Serialize;
use utoipa::ToSchema;

/// One transfer the bank reported into the bidder's sub-account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceivedTransfer {
    pub bank_txn_id: String,
    pub amount: Money,
    /// Value date of the transfer (起息), as the bank reported it.
    pub value_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub payer_name: String,
    /// `credited` or `unmatched` (returned, see `reason`).
    pub status: String,
    pub reason: Option<String>,
}

/// Where the bidder's deposit stands, in the words of the workbench.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DepositStage {
    /// Nothing received and no guarantee: pay into the sub-account (or give a guarantee).
    Pending,
    /// Money arrived but does not (yet) make a valid deposit (see the status reason).
    Received,
    /// A valid deposit (cash or guarantee).
    Valid,
    /// Refunds instructed and all paid back.
    Refunded,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyDeposit {
    pub section_id: String,
    /// Deposit required for the section.
    pub required: Money,
    pub bid_deadline: DateTime<Utc>,
    /// The caller's virtual sub-account, once asked for.
    pub account: Option<VirtualAccount>,
    /// The status by the validity rules (fixed at the deadline).
    pub status: Option<DepositStatusRow>,
    pub stage: DepositStage,
    pub transfers: Vec<ReceivedTransfer>,
    pub guarantees: Vec<Guarantee>,
    pub refunds: Vec<Refund>,
    /// A guarantee may still be recorded (before the deadline).
    pub guarantee_open: bool,
}

/// The caller's deposit for a section (bidder). 404 when the section is unknown or the caller's
/// organization neither registered for it nor has an account or guarantee there.
pub async fn my_deposit(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<MyDeposit> {
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let not_found = || {
        Error::not_found(format!(
            "section {section_id} (or your organization is not registered for it)"
        ))
    };
    let sec = section_info(ctx.db.pool(), section_id)
        .await?
        .ok_or_else(not_found)?;
    let status = crate::service::section_status(ctx, actor, section_id)
        .await?
        .into_iter()
        .find(|r| r.org_id == org);
    // `section_status` lists the participants only (registered, with an account or a guarantee).
    let status = status.ok_or_else(not_found)?;
    let account = match &status.account_no {
        Some(_) => Some(
            crate::service::open_account(ctx, actor, section_id)
                .await?
                .0,
        ),
        None => None,
    };
    let rows = crate::store::accounts::received(&ctx.db, section_id, &org).await?;
    let transfers: Vec<ReceivedTransfer> = rows
        .into_iter()
        .map(|r| ReceivedTransfer {
            bank_txn_id: r.bank_txn_id,
            amount: r.amount_fen,
            value_at: r.value_at,
            received_at: r.received_at,
            payer_name: r.payer_name,
            status: r.status.as_str().to_string(),
            reason: r.reason,
        })
        .collect();
    let guarantees = crate::guarantees::list(ctx, actor, section_id).await?;
    let refunds = crate::lifecycle::refunds_of(ctx, &org, section_id).await?;
    let stage = if !refunds.is_empty() && refunds.iter().all(|r| r.status == "paid") {
        DepositStage::Refunded
    } else if status.status == DepositStatus::Valid {
        DepositStage::Valid
    } else if transfers.iter().any(|t| t.status == "credited") {
        DepositStage::Received
    } else {
        DepositStage::Pending
    };
    Ok(MyDeposit {
        section_id: section_id.to_string(),
        required: Money::from_fen(sec.deposit_fen),
        bid_deadline: sec.bid_deadline,
        guarantee_open: ctx.clock.now() < sec.bid_deadline,
        account,
        status: Some(status),
        stage,
        transfers,
        guarantees,
        refunds,
    })
}
