//! Deposit use cases. Each write runs in one transaction that also records its domain events and
//! its journal entry; the SQL of this area is in [`crate::store`].

use crate::ledger::{Account, AccountType, Entry};
use crate::rules::{accept_transfer, assess, Credit, DepositStatus, UnmatchedReason};
use crate::store;
use crate::store::accounts::TransferStatus;
use chrono::{DateTime, Utc};
use ggzy_core::ident::Market;
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{ids, Clock, Error, Money, Result, Timestamp};
use ggzy_events::deposits::DepositValid;
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

// ---------------------------------------------------------------------------------------------
// The area's copy of a section (kept by [`crate::projection::Projection`]).

pub(crate) struct SectionInfo {
    pub market: Market,
    pub deposit_fen: i64,
    pub bid_deadline: Timestamp,
    pub bid_validity_days: Option<i64>,
}

pub(crate) async fn section_info<'e, E>(exec: E, section_id: &str) -> Result<Option<SectionInfo>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let Some(r) = store::sections::section(exec, section_id).await? else {
        return Ok(None);
    };
    let market = r.market;
    Ok(Some(SectionInfo {
        market: Market::parse(&market)
            .map_err(|_| Error::internal(format!("unknown market '{market}'")))?,
        deposit_fen: r.deposit_fen,
        bid_deadline: r.bid_deadline,
        bid_validity_days: r.bid_validity_days,
    }))
}

// ---------------------------------------------------------------------------------------------
// Virtual sub-accounts.

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VirtualAccount {
    pub id: String,
    /// Virtual sub-account number (虚拟子账号) the bidder transfers its deposit to.
    pub account_no: String,
    pub org_id: String,
    pub section_id: String,
    /// Deposit required for the section.
    pub deposit: Money,
    pub bid_deadline: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

async fn find_account(
    db: &Db,
    org_id: &str,
    section_id: &str,
) -> Result<Option<(String, String, Timestamp)>> {
    let r = store::accounts::find_account(db, org_id, section_id).await?;
    Ok(r.map(|r| (r.id, r.account_no, r.created_at)))
}

/// Readable, unique virtual account number: the centre's region code, a 10-digit sequence and a
/// Luhn check digit (catches a mistyped digit at the bank counter).
pub fn account_number(region: &str, seq: i64) -> String {
    let body = format!("{region}{seq:010}");
    format!("{body}{}", luhn_digit(&body))
}

fn luhn_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// A bidder gets (or creates, once) its virtual sub-account for a section.
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn open_account(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
) -> Result<(VirtualAccount, bool)> {
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let sec = section_info(ctx.db.pool(), section_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {section_id}")))?;
    let make = |id: String, no: String, at: Timestamp| VirtualAccount {
        id,
        account_no: no,
        org_id: org.clone(),
        section_id: section_id.to_string(),
        deposit: Money::from_fen(sec.deposit_fen),
        bid_deadline: sec.bid_deadline,
        created_at: at,
    };
    if let Some((id, no, at)) = find_account(&ctx.db, &org, section_id).await? {
        return Ok((make(id, no, at), false));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let seq = store::accounts::next_account_seq(&mut tx).await?;
    let id = ids::new_id();
    let no = account_number(&ctx.settings.region, seq);
    let n = store::accounts::insert_account(
        &mut tx,
        store::accounts::NewAccount {
            id: &id,
            account_no: &no,
            org_id: &org,
            section_id,
            created_by: &actor.user_id,
            at: now,
        },
    )
    .await?;
    if n == 0 {
        // Created concurrently by another request of the same bidder.
        tx.rollback().await?;
        let (id, no, at) = find_account(&ctx.db, &org, section_id)
            .await?
            .ok_or_else(|| Error::internal("virtual account vanished"))?;
        return Ok((make(id, no, at), false));
    }
    // Stored to the microsecond: answer what a later read returns.
    let acc = make(id.clone(), no.clone(), from_micros(to_micros(now)));
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::deposits::AccountIssued {
            id: id.clone(),
            account_no: no.clone(),
            org_id: org.clone(),
            section_id: section_id.into(),
            deposit: acc.deposit,
        }
        .encode(),
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &acc, now).await?;
    Ok((acc, true))
}

// ---------------------------------------------------------------------------------------------
// Bank transfers.

/// One incoming transfer as the bank reports it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TransferNotice {
    /// The bank's transaction id (流水号): the idempotency key.
    pub transaction_id: String,
    /// Virtual sub-account credited.
    pub account_no: String,
    pub payer_account_no: String,
    pub payer_name: String,
    pub amount: Money,
    /// Value time (到账时间).
    pub value_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransferOutcome {
    pub transfer_id: String,
    /// `credited` or `unmatched`.
    pub status: String,
    pub reason: Option<String>,
    /// True when this transaction id had already been booked (nothing changed).
    pub duplicate: bool,
}

pub(crate) async fn credits_of<'e, E>(
    exec: E,
    org_id: &str,
    section_id: &str,
) -> Result<Vec<Credit>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = store::accounts::credits(exec, org_id, section_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| Credit {
            fen: r.amount_fen.fen(),
            value_at: r.value_at,
            accepted: r.status == TransferStatus::Credited,
        })
        .collect())
}

pub(crate) async fn post_entry(
    tx: &mut Tx,
    entry: &Entry,
    transfer_id: Option<&str>,
    at: Timestamp,
) -> Result<String> {
    let id = ids::new_id();
    store::ledger::insert_entry(tx, &id, &entry.memo, transfer_id, at).await?;
    for (i, l) in entry.lines().iter().enumerate() {
        store::ledger::insert_line(
            tx,
            store::ledger::NewLine {
                id: &ids::new_id(),
                entry_id: &id,
                line_no: i as i64 + 1,
                account_type: l.account.kind.as_str(),
                account_key: &l.account.key,
                debit_fen: l.debit,
                credit_fen: l.credit,
            },
        )
        .await?;
    }
    Ok(id)
}

async fn existing_transfer(ctx: &Ctx, bank_txn_id: &str) -> Result<TransferOutcome> {
    let r = store::accounts::booked(&ctx.db, bank_txn_id).await?;
    Ok(TransferOutcome {
        transfer_id: r.id,
        status: r.status.as_str().to_string(),
        reason: r.reason,
        duplicate: true,
    })
}

/// Book one bank transfer exactly once per bank transaction id.
#[tracing::instrument(skip_all, fields(bank_txn_id = %n.transaction_id))]
pub async fn receive_transfer(
    ctx: &Ctx,
    actor: &Actor,
    n: TransferNotice,
) -> Result<TransferOutcome> {
    actor.require(&[Role::Bank])?;
    let txn = n.transaction_id.trim().to_string();
    if txn.is_empty() || txn.chars().count() > 100 {
        return Err(Error::field(
            "transaction_id",
            "required",
            "the bank transaction id is required (at most 100 characters)",
        ));
    }
    if n.amount.is_zero() {
        return Err(Error::field(
            "amount",
            "money.positive",
            "amount must be positive",
        ));
    }
    let fen = n.amount.fen();
    let now = ctx.clock.now();
    let by = actor.actor_ref();
    let mut tx = ctx.db.begin().await?;
    // Who the virtual account belongs to, and whether the money is acceptable as a deposit.
    // Locking the virtual account serializes transfers into it, so that exactly one of two
    // concurrent partial payments sees the deposit become valid.
    let acc = store::accounts::owner_for_update(&mut tx, &ctx.db, n.account_no.trim()).await?;
    let (org_id, section_id, sec, verdict) = match acc {
        None => (None, None, None, Err(UnmatchedReason::UnknownAccount)),
        Some(r) => {
            let store::accounts::AccountOwnerRow { org_id, section_id } = r;
            let sec = section_info(&mut *tx, &section_id)
                .await?
                .ok_or_else(|| Error::internal("virtual account of an unknown section"))?;
            let basic = store::sections::basic_account(&mut tx, &org_id).await?;
            let v = accept_transfer(sec.market, &n.payer_account_no, basic.as_deref());
            (Some(org_id), Some(section_id), Some(sec), v)
        }
    };
    let (status, reason) = match verdict {
        Ok(()) => (TransferStatus::Credited, None),
        Err(r) => (TransferStatus::Unmatched, Some(r.as_str())),
    };
    let before = match (&org_id, &section_id) {
        (Some(o), Some(s)) => Some(credits_of(&mut *tx, o, s).await?),
        _ => None,
    };
    let transfer_id = ids::new_id();
    let inserted = store::accounts::insert_transfer(
        &mut tx,
        store::accounts::NewTransfer {
            id: &transfer_id,
            bank_txn_id: &txn,
            account_no: n.account_no.trim(),
            payer_account_no: n.payer_account_no.trim(),
            payer_name: n.payer_name.trim(),
            amount: n.amount,
            value_at: n.value_at,
            received_at: now,
            status,
            reason,
            org_id: org_id.as_deref(),
            section_id: section_id.as_deref(),
        },
    )
    .await?;
    if inserted == 0 {
        // A replay of a booked transaction: credit once, answer what was booked.
        tx.rollback().await?;
        return existing_transfer(ctx, &txn).await;
    }
    let to = match (&org_id, &section_id, status) {
        (Some(o), Some(s), TransferStatus::Credited) => Account::liability(o, s),
        (Some(o), Some(s), _) => Account::new(AccountType::Unmatched, format!("{o}/{s}")),
        _ => Account::new(AccountType::Unmatched, format!("txn:{txn}")),
    };
    let entry = Entry::receipt(to, fen).map_err(|e| Error::internal(e.to_string()))?;
    post_entry(&mut tx, &entry, Some(&transfer_id), now).await?;
    let transfer = ggzy_events::deposits::TransferReceived {
        transfer_id: transfer_id.to_string(),
        bank_txn_id: txn.to_string(),
        account_no: n.account_no.trim().to_string(),
        amount: n.amount,
        value_at: n.value_at,
        org_id: org_id.clone(),
        section_id: section_id.clone(),
        reason: reason.map(str::to_string),
        // The paying account (not the virtual sub-account): monitoring's same-payer signal.
        payer_account_no: n.payer_account_no.trim().to_string(),
        payer_name: n.payer_name.trim().to_string(),
    };
    let event = if status == TransferStatus::Credited {
        ggzy_events::Contract::encode(&transfer)
    } else {
        // The same payload, under the name of a transfer that matched no deposit.
        let mut e = ggzy_events::Contract::encode(&transfer);
        e.event_type = "deposits.transfer.unmatched".into();
        e
    };
    emit(&mut tx, &ctx.db, &by, now, event).await?;
    if let (Some(o), Some(s), Some(sec), Some(before), TransferStatus::Credited) =
        (&org_id, &section_id, &sec, before, status)
    {
        let was = assess(sec.deposit_fen, sec.bid_deadline, &before).status;
        // The credits after this transfer: those read before it (the virtual account's row lock
        // keeps them unchanged) and this one, as stored (to the microsecond).
        let mut after = before;
        after.push(Credit {
            fen,
            value_at: from_micros(to_micros(n.value_at)),
            accepted: true,
        });
        let now_a = assess(sec.deposit_fen, sec.bid_deadline, &after);
        if was != DepositStatus::Valid && now_a.status == DepositStatus::Valid {
            emit(
                &mut tx,
                &ctx.db,
                &by,
                now,
                DepositValid {
                    org_id: o.clone(),
                    section_id: s.clone(),
                    deposit: Some(Money::from_fen(now_a.counted_fen)),
                    excess: Some(Money::from_fen(now_a.excess_fen)),
                }
                .encode(),
            )
            .await?;
        }
    }
    let outcome = TransferOutcome {
        transfer_id,
        status: status.as_str().to_string(),
        reason: reason.map(str::to_string),
        duplicate: false,
    };
    // The bank's retry with the same `Idempotency-Key` replays this answer even when the
    // instance died before sending it.
    ctx.db.commit_answering(tx, 200, &outcome, now).await?;
    Ok(outcome)
}

// ---------------------------------------------------------------------------------------------
// Deposit status per registration (virtual account) of a section.

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepositStatusRow {
    pub org_id: String,
    /// The bidder's virtual sub-account (none when it gave a guarantee or never asked for one).
    pub account_no: Option<String>,
    pub status: DepositStatus,
    /// Rule code when not valid: `deposit.missing`, `deposit.underpaid`, `deposit.after_deadline`,
    /// `deposit.not_basic_account`.
    pub reason: Option<String>,
    /// `cash`, `guarantee` or `none`.
    pub form: String,
    pub required: Money,
    /// Amount counted as the deposit.
    pub counted: Money,
    /// Accepted money beyond the counted deposit (refundable).
    pub excess: Money,
    /// True once the bid deadline passed: the status above is the one fixed then (and shown in
    /// the opening record); money arriving later does not change it.
    pub fixed: bool,
    /// Land and property: the part of the deposit converted into the deal price (成交价款) when
    /// this organization won (国土资源部令第39号 第二十一条); 0.00 otherwise.
    pub converted: Money,
    /// The deal (成交确认书) the deposit was converted for.
    pub deal_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct StatusQuery {
    pub section_id: String,
}

#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn section_status(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
) -> Result<Vec<DepositStatusRow>> {
    actor.require(&[Role::Staff, Role::Supervisor, Role::Bidder])?;
    let mut c = ctx.db.pool().acquire().await?;
    let sec = section_info(&mut *c, section_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {section_id}")))?;
    let mut orgs = crate::lifecycle::participants(&mut c, section_id).await?;
    if actor.role == Role::Bidder {
        let org = actor
            .org_id
            .clone()
            .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
        orgs.retain(|o| *o == org);
    }
    let mut out = Vec::new();
    for org_id in orgs {
        let account_no = store::accounts::account_no(&mut c, section_id, &org_id).await?;
        let (a, form) =
            crate::lifecycle::current_assessment(&mut c, &sec, section_id, &org_id).await?;
        let conv = store::settlements::conversion(&mut c, section_id, &org_id).await?;
        let (converted, deal_id): (i64, Option<String>) = match conv {
            Some(r) => (r.amount_fen.fen(), Some(r.deal_id)),
            None => (0, None),
        };
        let fixed = store::settlements::fixed_status(&mut c, section_id, &org_id).await?;
        let row = match fixed {
            Some(f) => DepositStatusRow {
                org_id,
                account_no,
                status: f.status,
                reason: f.reason,
                form: f.form,
                required: Money::from_fen(sec.deposit_fen),
                counted: f.counted_fen,
                excess: Money::from_fen(a.excess_fen),
                fixed: true,
                converted: Money::from_fen(converted),
                deal_id,
            },
            None => DepositStatusRow {
                org_id,
                account_no,
                status: a.status,
                reason: a.reason.map(str::to_string),
                form: form.to_string(),
                required: Money::from_fen(sec.deposit_fen),
                counted: Money::from_fen(a.counted_fen),
                excess: Money::from_fen(a.excess_fen),
                fixed: false,
                converted: Money::from_fen(converted),
                deal_id,
            },
        };
        out.push(row);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Trial balance.

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrialBalanceRow {
    pub account_type: AccountType,
    pub debit: Money,
    pub credit: Money,
    /// Balance on the account type's normal side.
    pub balance: Money,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrialBalance {
    pub accounts: Vec<TrialBalanceRow>,
    pub total_debit: Money,
    pub total_credit: Money,
    pub balanced: bool,
}

#[tracing::instrument(skip_all)]
pub async fn trial_balance(ctx: &Ctx, actor: &Actor) -> Result<TrialBalance> {
    actor.require(&[Role::Staff, Role::Supervisor, Role::Admin])?;
    let rows = store::ledger::sums_by_type(&ctx.db).await?;
    let mut sums: BTreeMap<AccountType, (i64, i64)> = BTreeMap::new();
    for r in rows {
        let t = r.account_type;
        let kind =
            AccountType::parse(&t).ok_or_else(|| Error::internal(format!("account type '{t}'")))?;
        sums.insert(kind, (r.debit, r.credit));
    }
    let (mut td, mut tc) = (0i64, 0i64);
    let accounts = AccountType::ALL
        .into_iter()
        .map(|kind| {
            let (d, c) = sums.get(&kind).copied().unwrap_or((0, 0));
            td += d;
            tc += c;
            let bal = if kind.debit_normal() { d - c } else { c - d };
            TrialBalanceRow {
                account_type: kind,
                debit: Money::from_fen(d),
                credit: Money::from_fen(c),
                balance: Money::from_fen(bal),
            }
        })
        .collect();
    Ok(TrialBalance {
        accounts,
        total_debit: Money::from_fen(td),
        total_credit: Money::from_fen(tc),
        balanced: td == tc,
    })
}

// ---------------------------------------------------------------------------------------------
// Refund instructions (daily job).

/// Name of the daily job building refund instructions.
pub const REFUND_JOB: &str = "deposits.refund_instructions";

/// The daily job: 01:30 UTC = 09:30 Asia/Shanghai, before the bank's first batch.
pub fn refund_cron() -> ggzy_store::cron::CronJob {
    ggzy_store::cron::CronJob {
        name: REFUND_JOB,
        schedule: "0 30 1 * * *",
        missed: ggzy_store::cron::Missed::RunEach,
        // Cumulative up to its firing: a caught-up firing does what was due by then, in order.
        run: std::sync::Arc::new(|db, clock, firing| {
            Box::pin(async move {
                crate::lifecycle::run_refund_job(&db, &clock, firing)
                    .await
                    .map(|_| ())
            })
        }),
    }
}

/// Build one refund instruction for every unmatched transfer that has none yet: money that cannot
/// be a deposit (unknown virtual account, or construction cash not from the basic account,
/// 实施条例 26) goes back to the account it came from, the day it is found (no statutory grace
/// period applies to money that never became a deposit). Idempotent: `deposit_refunds` is unique
/// per transfer. Returns how many instructions were created.
#[tracing::instrument(skip_all)]
pub async fn build_refund_instructions(db: &Db, clock: &Clock, as_of: Timestamp) -> Result<usize> {
    let rows = store::accounts::unmatched_unrefunded(db, as_of).await?;
    let by = ggzy_core::events::ActorRef::system("deposits.refunds");
    let mut created = 0;
    for r in rows {
        let store::accounts::UnmatchedRow {
            id: transfer_id,
            bank_txn_id: txn,
            org_id,
            section_id,
            payer_account_no: payee,
            payer_name: payee_name,
            amount_fen,
            reason,
        } = r;
        let fen = amount_fen.fen();
        let reason = reason.unwrap_or_else(|| "unmatched".into());
        let now = clock.now();
        let due = ggzy_core::time::local_date(now);
        let from = match (&org_id, &section_id) {
            (Some(o), Some(s)) => Account::new(AccountType::Unmatched, format!("{o}/{s}")),
            _ => Account::new(AccountType::Unmatched, format!("txn:{txn}")),
        };
        let id = ids::new_id();
        let mut tx = db.begin().await?;
        let n = store::refunds::insert_transfer_refund(
            &mut tx,
            &transfer_id,
            store::refunds::NewRefund {
                id: &id,
                refund_key: &format!("transfer:{transfer_id}"),
                ledger_key: &from.key,
                org_id: org_id.as_deref(),
                section_id: section_id.as_deref(),
                payee_account_no: &payee,
                payee_name: &payee_name,
                amount_fen: fen,
                reason: &reason,
                basis: "实施条例 26 (not a deposit: returned to the payer)",
                due_date: &due.to_string(),
                at: now,
            },
        )
        .await?;
        if n == 0 {
            // Another instance built it.
            tx.rollback().await?;
            continue;
        }
        let entry = Entry::refund_due(from, fen).map_err(|e| Error::internal(e.to_string()))?;
        post_entry(&mut tx, &entry, Some(&transfer_id), now).await?;
        emit(
            &mut tx,
            db,
            &by,
            now,
            ggzy_events::Contract::encode(&ggzy_events::deposits::RefundInstructed {
                id: id.to_string(),
                transfer_id: Some(transfer_id.to_string()),
                org_id: org_id.clone(),
                section_id: section_id.clone(),
                payee_account_no: payee.to_string(),
                amount: Money::from_fen(fen),
                interest: Money::ZERO,
                reason: Some(reason.to_string()),
                basis: None,
                due_date: Some(due),
                due_date_provisional: false,
            }),
        )
        .await?;
        db.commit(tx).await?;
        created += 1;
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_numbers_are_readable_and_carry_a_luhn_digit() {
        assert_eq!(account_number("210200", 1), "21020000000000010");
        assert_eq!(account_number("210200", 1).len(), 17);
        assert_ne!(account_number("210200", 1), account_number("210200", 2));
        assert_eq!(luhn_digit("7992739871"), 3);
    }
}
