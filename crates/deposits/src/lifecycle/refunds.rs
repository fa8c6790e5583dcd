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

pub(crate) const REFUND_COLS: &str = "id, org_id, section_id, payee_account_no, payee_name, amount_fen, interest_fen, \
    interest_basis, reason, basis, due_date, status, attempts, overdue_at, paid_at, paid_bank_txn_id, provisional";

/// One row of [`REFUND_COLS`].
#[derive(sqlx::FromRow)]
pub(crate) struct RefundRow {
    id: String,
    org_id: Option<String>,
    section_id: Option<String>,
    payee_account_no: String,
    payee_name: String,
    amount_fen: i64,
    interest_fen: i64,
    /// The interest computation as JSON text (unreadable text shows as `null`).
    interest_basis: String,
    reason: String,
    basis: String,
    due_date: String,
    status: String,
    attempts: i64,
    overdue_at: Option<i64>,
    #[sqlx(try_from = "MaybeAt")]
    paid_at: Option<Timestamp>,
    paid_bank_txn_id: Option<String>,
    #[sqlx(try_from = "Flag")]
    provisional: bool,
}

impl From<RefundRow> for Refund {
    fn from(r: RefundRow) -> Refund {
        Refund {
            id: r.id,
            org_id: r.org_id,
            section_id: r.section_id,
            payee_account_no: r.payee_account_no,
            payee_name: r.payee_name,
            amount: Money::from_fen(r.amount_fen),
            interest: Money::from_fen(r.interest_fen),
            total: Money::from_fen(r.amount_fen + r.interest_fen),
            interest_computation: serde_json::from_str(&r.interest_basis)
                .unwrap_or(serde_json::Value::Null),
            reason: r.reason,
            basis: r.basis,
            due_date: r.due_date,
            status: r.status,
            attempts: r.attempts,
            overdue: r.overdue_at.is_some(),
            paid_at: r.paid_at,
            paid_bank_txn_id: r.paid_bank_txn_id,
            due_date_provisional: r.provisional,
        }
    }
}

/// A refund with the ledger key it is paid from.
#[derive(sqlx::FromRow)]
struct RefundLedgerRow {
    #[sqlx(flatten)]
    refund: RefundRow,
    ledger_key: String,
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
    let rows: Vec<RefundRow> = sqlx::query_as(&format!(
        "SELECT {REFUND_COLS} FROM deposit_refunds WHERE ($1 = '' OR section_id = $1) AND ($2 = '' OR status = $2) \
         ORDER BY created_at, id"
    ))
    .bind(q.section_id.clone().unwrap_or_default())
    .bind(status.unwrap_or_default())
    .fetch_all(ctx.db.pool())
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
    let r: Option<RefundLedgerRow> = sqlx::query_as(&format!(
        "SELECT {REFUND_COLS}, ledger_key FROM deposit_refunds WHERE id = $1{}",
        ctx.db.for_update()
    ))
    .bind(c.refund_id.trim())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(r) = r else {
        tx.rollback().await?;
        return Err(Error::not_found(format!("refund {}", c.refund_id.trim())));
    };
    let ledger_key = r.ledger_key;
    let refund = Refund::from(r.refund);
    if refund.status == "paid" {
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
    let n = sqlx::query(
        "UPDATE deposit_refunds SET status = 'paid', paid_at = $1, paid_bank_txn_id = $2 WHERE id = $3 AND status = 'instructed'",
    )
    .bind(to_micros(c.paid_at))
    .bind(&txn)
    .bind(&refund.id)
    .execute(&mut *tx)
    .await
    .map_err(|e| match Error::from(e) {
        // The only unique key this update can break: the bank's transaction id.
        Error::Conflict { .. } => Error::conflict(
            "refund.bank_txn_reused",
            "this bank transaction id already confirmed another refund",
        ),
        e => e,
    })?
    .rows_affected();
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
    let r: RefundRow = sqlx::query_as(&format!(
        "SELECT {REFUND_COLS} FROM deposit_refunds WHERE id = $1"
    ))
    .bind(&refund.id)
    .fetch_one(&mut *tx)
    .await?;
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
    let rows: Vec<RefundRow> = sqlx::query_as(&format!(
        "SELECT {REFUND_COLS} FROM deposit_refunds WHERE section_id = $1 AND org_id = $2 \
         ORDER BY created_at, id"
    ))
    .bind(section_id)
    .bind(org_id)
    .fetch_all(ctx.db.pool())
    .await?;
    Ok(rows.into_iter().map(Refund::from).collect())
}
