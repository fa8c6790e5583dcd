//! Refund instructions, retries and overdue alerts (the daily job).

use super::*;

// Refund instructions, retries, overdue alerts (the daily job).

/// An instruction not confirmed by the bank this long after it was sent is sent again.
pub const RETRY_AFTER_HOURS: i64 = 20;

pub(super) fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| Error::internal(format!("date '{s}': {e}")))
}

/// Balance of a credit-normal account (credits − debits).
pub(crate) async fn liability_balance(
    c: &mut AnyConnection,
    kind: AccountType,
    key: &str,
) -> Result<i64> {
    let r = store::ledger::balance(c, kind.as_str(), key).await?;
    Ok(r.credit - r.debit)
}

/// What the daily job did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct JobReport {
    pub unmatched_instructed: usize,
    pub deposits_instructed: usize,
    pub guarantees_released: usize,
    pub retried: usize,
    pub overdue: usize,
}

/// Deposit refunds: one instruction per settled deposit with money left (not while a forfeiture
/// is proposed), guarantees released, unconfirmed instructions re-sent, late ones reported.
///
/// `as_of` is the firing this run is for: a firing caught up after a restart (or after a clock
/// jump) does the work that firing would have done — settlements and unmatched transfers recorded
/// by then — and nothing that happened later (a deal or a failed listing after 09:30 is refunded
/// by the next morning's firing, which leaves staff the time to re-list and hold the deposits).
#[tracing::instrument(skip_all)]
pub async fn run_refund_job(db: &Db, clock: &Clock, as_of: Timestamp) -> Result<JobReport> {
    let as_of = as_of.min(clock.now());
    let mut rep = JobReport {
        unmatched_instructed: crate::service::build_refund_instructions(db, clock, as_of).await?,
        ..JobReport::default()
    };
    let by = ActorRef::system("deposits.refunds");
    let rows = store::settlements::due_for_job(db, as_of).await?;
    for r in rows {
        let store::settlements::SettlementRow {
            section_id,
            org_id,
            refund_case: case,
            due_date: due,
            basis,
            provisional,
        } = r;
        if instruct_deposit_refund(
            db,
            clock,
            &by,
            (&section_id, &org_id),
            &case,
            (&due, provisional),
            &basis,
        )
        .await?
        {
            rep.deposits_instructed += 1;
        }
        if release_guarantee(db, clock, &by, &section_id, &org_id, &case).await? {
            rep.guarantees_released += 1;
        }
    }
    let now = clock.now();
    let today = local_date(now);
    // Re-send what the bank has not confirmed.
    let cutoff = now - chrono::Duration::hours(RETRY_AFTER_HOURS);
    let stale = store::refunds::stale(db, cutoff).await?;
    for r in stale {
        let store::refunds::StaleRow { id, attempts } = r;
        let mut tx = db.begin().await?;
        let n = store::refunds::mark_resent(&mut tx, &id, attempts, now).await?;
        if n == 1 {
            emit(
                &mut tx,
                db,
                &by,
                now,
                ggzy_events::deposits::RefundRetried {
                    refund_id: id.clone(),
                    attempt: attempts + 1,
                }
                .encode(),
            )
            .await?;
            db.commit(tx).await?;
            rep.retried += 1;
        } else {
            tx.rollback().await?;
        }
    }
    // Past the legal due date and still unpaid: one alert per refund.
    let late = store::refunds::unpaid_not_overdue(db).await?;
    for r in late {
        let due = date(&r.due_date)?;
        if due >= today {
            continue;
        }
        let id = r.id;
        let mut tx = db.begin().await?;
        let n = store::refunds::mark_overdue(&mut tx, &id, now).await?;
        if n != 1 {
            tx.rollback().await?;
            continue;
        }
        let org_id = r.org_id;
        let section_id = r.section_id;
        emit(
            &mut tx,
            db,
            &by,
            now,
            ggzy_events::deposits::RefundOverdue {
                refund_id: id.clone(),
                org_id,
                section_id,
                amount: r.amount_fen,
                interest: r.interest_fen,
                due_date: due,
                basis: r.basis,
                reason: r.reason,
                days_late: (today - due).num_days(),
            }
            .encode(),
        )
        .await?;
        db.commit(tx).await?;
        rep.overdue += 1;
    }
    Ok(rep)
}

pub(super) async fn instruct_deposit_refund(
    db: &Db,
    clock: &Clock,
    by: &ActorRef,
    (section_id, org_id): (&str, &str),
    case: &str,
    (due, provisional): (&str, bool),
    basis: &str,
) -> Result<bool> {
    let key = format!("{org_id}/{section_id}");
    let now = clock.now();
    let mut tx = db.begin().await?;
    // Serialize with receipts into the same virtual account (PostgreSQL; SQLite has one writer).
    store::accounts::lock_account(&mut tx, db, org_id, section_id).await?;
    let open = liability_balance(&mut tx, AccountType::DepositLiability, &key).await?;
    if open <= 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    let n = store::refunds::count_deposit_refunds(&mut tx, org_id, section_id).await?;
    // Payee: the basic account on record, else the account the money came from.
    let org = store::sections::payee_org(&mut tx, org_id).await?;
    let payer = store::accounts::payers(&mut tx, org_id, section_id).await?;
    let Some(first) = payer.first() else {
        tx.rollback().await?;
        return Ok(false);
    };
    let basic: Option<String> = match &org {
        Some(o) => o.basic_account_no.clone(),
        None => None,
    };
    let payee = match basic.filter(|b| !b.is_empty()) {
        Some(b) => b,
        None => first.payer_account_no.clone(),
    };
    let payee_name: String = match &org {
        Some(o) => o.name.clone(),
        None => first.payer_name.clone(),
    };
    // Interest for the days held: from the value date of the first credited transfer to today.
    let from = local_date(first.value_at);
    let today = local_date(now);
    // What is owed beyond the principal depends on the case: bank interest (实施条例 57), the
    // 超期资金占用费 of a late procurement refund (87号令 38), or nothing (land, 39号令 21).
    let comp = match rules::RefundCase::parse(case) {
        Some(c) => rules::refund_extra(c, Money::from_fen(open), from, date(due)?, today),
        None => interest_computation(Money::from_fen(open), from, today),
    };
    let interest = comp.interest.fen();
    let id = ids::new_id();
    let refund_key = format!("deposit:{key}:{}", n + 1);
    let ins = store::refunds::insert_deposit_refund(
        &mut tx,
        store::refunds::NewRefund {
            id: &id,
            refund_key: &refund_key,
            ledger_key: &key,
            org_id: Some(org_id),
            section_id: Some(section_id),
            payee_account_no: &payee,
            payee_name: &payee_name,
            amount_fen: open,
            reason: case,
            basis,
            due_date: due,
            at: now,
        },
        (
            interest,
            serde_json::to_string(&comp).map_err(|e| Error::internal(e.to_string()))?,
        ),
        provisional,
    )
    .await?;
    if ins == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    let entry = Entry::refund_due(Account::liability(org_id, section_id), open)
        .map_err(|e| Error::internal(e.to_string()))?;
    post_entry(&mut tx, &entry, None, now).await?;
    if interest > 0 {
        let e =
            Entry::interest_credited(&key, interest).map_err(|e| Error::internal(e.to_string()))?;
        post_entry(&mut tx, &e, None, now).await?;
    }
    emit(
        &mut tx,
        db,
        by,
        now,
        ggzy_events::Contract::encode(&ggzy_events::deposits::RefundInstructed {
            id: id.to_string(),
            transfer_id: None,
            org_id: Some(org_id.to_string()),
            section_id: Some(section_id.to_string()),
            payee_account_no: payee.clone(),
            amount: Money::from_fen(open),
            interest: Money::from_fen(interest),
            reason: Some(case.to_string()),
            basis: Some(basis.to_string()),
            due_date: Some(date(due)?),
            due_date_provisional: provisional,
        }),
    )
    .await?;
    db.commit(tx).await?;
    Ok(true)
}

pub(super) async fn release_guarantee(
    db: &Db,
    clock: &Clock,
    by: &ActorRef,
    section_id: &str,
    org_id: &str,
    case: &str,
) -> Result<bool> {
    let now = clock.now();
    let mut tx = db.begin().await?;
    let g = store::guarantees::active_for_release(&mut tx, section_id, org_id).await?;
    let Some(g) = g else {
        tx.rollback().await?;
        return Ok(false);
    };
    let id = g.id.clone();
    let n = store::guarantees::mark_released(&mut tx, &id, now).await?;
    if n != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    emit(
        &mut tx,
        db,
        by,
        now,
        ggzy_events::deposits::GuaranteeReleased {
            guarantee_id: id,
            section_id: section_id.into(),
            org_id: org_id.into(),
            kind: g.kind,
            issuer: g.issuer,
            number: g.number,
            amount: g.amount_fen,
            reason: case.into(),
        }
        .encode(),
    )
    .await?;
    db.commit(tx).await?;
    Ok(true)
}
