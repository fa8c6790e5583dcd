//! Listing refunds and the bank's confirmation.

use super::*;

// Listing refunds and the bank's confirmation.

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Refund {
    pub id: String,
    pub org_id: Option<String>,
    pub section_id: Option<String>,
    pub payee_account_no: String,
    pub payee_name: String,
    pub amount: Money,
    pub interest: Money,
    /// Principal + interest: what the bank pays.
    pub total: Money,
    /// How the interest was computed (empty for returned unmatched money).
    #[schema(value_type = Object)]
    pub interest_computation: serde_json::Value,
    /// Refund case (e.g. `construction_contract_signed`) or why unmatched money is returned.
    pub reason: String,
    /// Legal source of the due date.
    pub basis: String,
    pub due_date: String,
    /// The due date was computed while its year had no holiday schedule (weekends only); it is
    /// re-derived when the schedule is imported (docs/calendar.md).
    pub due_date_provisional: bool,
    /// `instructed` or `paid`.
    pub status: String,
    pub attempts: i64,
    pub overdue: bool,
    pub paid_at: Option<DateTime<Utc>>,
    pub paid_bank_txn_id: Option<String>,
}

use crate::store::refunds::{RefundRow, RefundStatus};

impl From<RefundRow> for Refund {
    fn from(r: RefundRow) -> Refund {
        Refund {
            id: r.id,
            org_id: r.org_id,
            section_id: r.section_id,
            payee_account_no: r.payee_account_no,
            payee_name: r.payee_name,
            amount: r.amount_fen,
            interest: r.interest_fen,
            total: Money::from_fen(r.amount_fen.fen() + r.interest_fen.fen()),
            interest_computation: serde_json::from_str(&r.interest_basis)
                .unwrap_or(serde_json::Value::Null),
            reason: r.reason,
            basis: r.basis,
            due_date: r.due_date,
            status: r.status.as_str().to_string(),
            attempts: r.attempts,
            overdue: r.overdue_at.is_some(),
            paid_at: r.paid_at,
            paid_bank_txn_id: r.paid_bank_txn_id,
            due_date_provisional: r.provisional,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct RefundQuery {
    /// Only this section's refunds.
    pub section_id: Option<String>,
    /// `instructed` or `paid`.
    pub status: Option<String>,
}

/// Refunds with their computation (staff, supervisor, admin: all; bank: the pending ones).
#[tracing::instrument(skip_all)]
pub async fn list_refunds(ctx: &Ctx, actor: &Actor, q: &RefundQuery) -> Result<Vec<Refund>> {
    actor.require(&[Role::Staff, Role::Supervisor, Role::Admin, Role::Bank])?;
    let status = if actor.role == Role::Bank {
        Some("instructed".to_string())
    } else {
        q.status.clone()
    };
    let rows = store::refunds::list(
        &ctx.db,
        &q.section_id.clone().unwrap_or_default(),
        &status.unwrap_or_default(),
    )
    .await?;
    Ok(rows.into_iter().map(Refund::from).collect())
}

/// The bank confirms it paid a refund instruction.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RefundConfirmation {
    pub refund_id: String,
    /// The bank's transaction id of the payment (流水号).
    pub bank_txn_id: String,
    /// Amount paid: principal + interest of the instruction.
    pub amount: Money,
    pub paid_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConfirmationOutcome {
    pub refund: Refund,
    /// True when this confirmation had already been booked (nothing changed).
    pub duplicate: bool,
}

/// Book the bank's confirmation once: the refund becomes paid and principal and interest leave
/// the bank in one journal entry. A repeat (same bank transaction id) changes nothing.
#[tracing::instrument(skip_all, fields(refund_id = %c.refund_id))]
pub async fn confirm_refund(
    ctx: &Ctx,
    actor: &Actor,
    c: RefundConfirmation,
) -> Result<ConfirmationOutcome> {
    actor.require(&[Role::Bank])?;
    let txn = c.bank_txn_id.trim().to_string();
    if txn.is_empty() || txn.chars().count() > 100 {
        return Err(Error::field(
            "bank_txn_id",
            "required",
            "the bank transaction id is required (at most 100 characters)",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = store::refunds::for_update(&mut tx, &ctx.db, c.refund_id.trim()).await?;
    let Some(r) = r else {
        tx.rollback().await?;
        return Err(Error::not_found(format!("refund {}", c.refund_id.trim())));
    };
    let ledger_key = r.ledger_key;
    let paid = r.refund.status == RefundStatus::Paid;
    let refund = Refund::from(r.refund);
    if paid {
        tx.rollback().await?;
        if refund.paid_bank_txn_id.as_deref() == Some(txn.as_str()) {
            return Ok(ConfirmationOutcome {
                refund,
                duplicate: true,
            });
        }
        return Err(Error::conflict(
            "refund.already_paid",
            "this refund was already paid under another bank transaction id",
        ));
    }
    if c.amount != refund.total {
        tx.rollback().await?;
        return Err(Error::field(
            "amount",
            "refund.amount_mismatch",
            format!(
                "the instruction is for {} (principal + interest)",
                refund.total
            ),
        ));
    }
    let n = store::refunds::mark_paid(&mut tx, &refund.id, c.paid_at, &txn)
        .await
        .map_err(|e| match e {
            // The only unique key this update can break: the bank's transaction id.
            Error::Conflict { .. } => Error::conflict(
                "refund.bank_txn_reused",
                "this bank transaction id already confirmed another refund",
            ),
            e => e,
        })?;
    if n != 1 {
        tx.rollback().await?;
        return Err(Error::conflict(
            "refund.already_paid",
            "refund already paid",
        ));
    }
    let entry = Entry::refund_payout(&ledger_key, refund.amount.fen(), refund.interest.fen())
        .map_err(|e| Error::internal(e.to_string()))?;
    post_entry(&mut tx, &entry, None, now).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::deposits::RefundPaid {
            refund_id: refund.id.clone(),
            org_id: refund.org_id.clone(),
            section_id: refund.section_id.clone(),
            amount: refund.amount,
            interest: refund.interest,
            bank_txn_id: txn.clone(),
            paid_at: c.paid_at,
            late: rules_late(&refund.due_date, c.paid_at),
        }
        .encode(),
    )
    .await?;
    let r = store::refunds::get(&mut tx, &refund.id).await?;
    let outcome = ConfirmationOutcome {
        refund: Refund::from(r),
        duplicate: false,
    };
    ctx.db.commit_answering(tx, 200, &outcome, now).await?;
    Ok(outcome)
}

pub(super) fn rules_late(due: &str, paid_at: Timestamp) -> bool {
    date(due).map(|d| local_date(paid_at) > d).unwrap_or(false)
}

/// The refund rules are re-exported for callers that show due dates.
pub use rules::RefundCase;

/// The refunds of one organization for one section (the bidder's own, for its deposit page).
pub(crate) async fn refunds_of(ctx: &Ctx, org_id: &str, section_id: &str) -> Result<Vec<Refund>> {
    let rows = store::refunds::of_org(&ctx.db, org_id, section_id).await?;
    Ok(rows.into_iter().map(Refund::from).collect())
}
