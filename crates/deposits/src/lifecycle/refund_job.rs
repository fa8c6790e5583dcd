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
    let r: BalanceRow = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(credit_fen), 0) AS BIGINT) AS credit, CAST(COALESCE(SUM(debit_fen), 0) AS BIGINT) AS debit \
         FROM deposit_journal_lines WHERE account_type = $1 AND account_key = $2",
    )
    .bind(kind.as_str())
    .bind(key)
    .fetch_one(&mut *c)
    .await?;
    Ok(r.credit - r.debit)
}

#[derive(sqlx::FromRow)]
struct BalanceRow {
    credit: i64,
    debit: i64,
}

#[derive(sqlx::FromRow)]
struct SettlementRow {
    section_id: String,
    org_id: String,
    refund_case: String,
    due_date: String,
    basis: String,
    #[sqlx(try_from = "Flag")]
    provisional: bool,
}

#[derive(sqlx::FromRow)]
struct StaleRow {
    id: String,
    attempts: i64,
}

#[derive(sqlx::FromRow)]
struct LateRow {
    id: String,
    org_id: Option<String>,
    section_id: Option<String>,
    amount_fen: Money,
    interest_fen: Money,
    due_date: String,
    basis: String,
    reason: String,
}

#[derive(sqlx::FromRow)]
struct PayeeOrgRow {
    basic_account_no: Option<String>,
    name: String,
}

#[derive(sqlx::FromRow)]
struct PayerRow {
    payer_account_no: String,
    payer_name: String,
    #[sqlx(try_from = "At")]
    value_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct ReleasedRow {
    id: String,
    kind: String,
    issuer: String,
    number: String,
    amount_fen: Money,
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
    let rows: Vec<SettlementRow> = sqlx::query_as(
        "SELECT s.section_id, s.org_id, s.refund_case, s.due_date, s.basis, s.provisional FROM deposit_settlements s \
         WHERE s.created_at <= $1 AND NOT EXISTS (SELECT 1 FROM deposit_forfeitures f WHERE f.section_id = s.section_id \
         AND f.org_id = s.org_id AND f.status = 'proposed') ORDER BY s.created_at, s.section_id, s.org_id",
    )
    .bind(to_micros(as_of))
    .fetch_all(db.pool())
    .await?;
    for r in rows {
        let SettlementRow {
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
    let cutoff = to_micros(now - chrono::Duration::hours(RETRY_AFTER_HOURS));
    let stale: Vec<StaleRow> = sqlx::query_as(
        "SELECT id, attempts FROM deposit_refunds WHERE status = 'instructed' AND last_sent_at <= $1 ORDER BY id",
    )
    .bind(cutoff)
    .fetch_all(db.pool())
    .await?;
    for r in stale {
        let StaleRow { id, attempts } = r;
        let mut tx = db.begin().await?;
        let n = sqlx::query(
            "UPDATE deposit_refunds SET attempts = $1, last_sent_at = $2 WHERE id = $3 AND status = 'instructed' AND attempts = $4",
        )
        .bind(attempts + 1)
        .bind(to_micros(now))
        .bind(&id)
        .bind(attempts)
        .execute(&mut *tx)
        .await?
        .rows_affected();
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
    let late: Vec<LateRow> = sqlx::query_as(
        "SELECT id, org_id, section_id, amount_fen, interest_fen, due_date, basis, reason FROM deposit_refunds \
         WHERE status = 'instructed' AND overdue_at IS NULL ORDER BY id",
    )
    .fetch_all(db.pool())
    .await?;
    for r in late {
        let due = date(&r.due_date)?;
        if due >= today {
            continue;
        }
        let id = r.id;
        let mut tx = db.begin().await?;
        let n = sqlx::query(
            "UPDATE deposit_refunds SET overdue_at = $1 WHERE id = $2 AND status = 'instructed' AND overdue_at IS NULL",
        )
        .bind(to_micros(now))
        .bind(&id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
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
    sqlx::query(&format!(
        "SELECT id FROM deposit_accounts WHERE org_id = $1 AND section_id = $2{}",
        db.for_update()
    ))
    .bind(org_id)
    .bind(section_id)
    .fetch_optional(&mut *tx)
    .await?;
    let open = liability_balance(&mut tx, AccountType::DepositLiability, &key).await?;
    if open <= 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM deposit_refunds WHERE org_id = $1 AND section_id = $2 AND refund_key LIKE 'deposit:%'",
    )
    .bind(org_id)
    .bind(section_id)
    .fetch_one(&mut *tx)
    .await?;
    // Payee: the basic account on record, else the account the money came from.
    let org: Option<PayeeOrgRow> =
        sqlx::query_as("SELECT basic_account_no, name FROM deposit_orgs WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?;
    let payer: Vec<PayerRow> = sqlx::query_as(
        "SELECT payer_account_no, payer_name, value_at FROM deposit_transfers WHERE org_id = $1 AND section_id = $2 \
         AND status = 'credited' ORDER BY value_at, id",
    )
    .bind(org_id)
    .bind(section_id)
    .fetch_all(&mut *tx)
    .await?;
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
    let ins = sqlx::query(
        "INSERT INTO deposit_refunds (id, refund_key, ledger_key, transfer_id, org_id, section_id, payee_account_no, payee_name, \
         amount_fen, interest_fen, interest_basis, reason, basis, due_date, status, attempts, last_sent_at, created_at, provisional) \
         VALUES ($1,$2,$3,NULL,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,'instructed',1,$14,$14,$15) ON CONFLICT (refund_key) DO NOTHING",
    )
    .bind(&id)
    .bind(&refund_key)
    .bind(&key)
    .bind(org_id)
    .bind(section_id)
    .bind(&payee)
    .bind(&payee_name)
    .bind(open)
    .bind(interest)
    .bind(serde_json::to_string(&comp).map_err(|e| Error::internal(e.to_string()))?)
    .bind(case)
    .bind(basis)
    .bind(due)
    .bind(to_micros(now))
    .bind(provisional as i64)
    .execute(&mut *tx)
    .await?
    .rows_affected();
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
    let g: Option<ReleasedRow> = sqlx::query_as(
        "SELECT id, kind, issuer, number, amount_fen FROM deposit_guarantees WHERE section_id = $1 AND org_id = $2 AND status = 'active'",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(g) = g else {
        tx.rollback().await?;
        return Ok(false);
    };
    let id = g.id.clone();
    let n = sqlx::query(
        "UPDATE deposit_guarantees SET status = 'released', closed_at = $1 WHERE id = $2 AND status = 'active'",
    )
    .bind(to_micros(now))
    .bind(&id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
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
