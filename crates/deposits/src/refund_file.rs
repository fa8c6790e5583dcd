//! The daily refund instructions as the bank receives them. The refund job
//! (`deposits.refund_instructions`, docs/deposits.md) writes the day's instructions; staff list
//! them per instruction day (the Beijing date the instruction was created) and download the day's
//! file: CSV (RFC 4180, UTF-8, header line), one line per instruction, the amounts in yuan with
//! two places — principal, interest and the total the bank pays.

use crate::lifecycle::Refund;
use crate::store;
use crate::store::refunds::RefundStatus;
use chrono::NaiveDate;
use ggzy_core::time::{at_local, local_date};
use ggzy_core::{Error, Money, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One instruction day: how many instructions and how much they pay in total.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundDay {
    /// Instruction day (Beijing date), `YYYY-MM-DD`.
    pub date: NaiveDate,
    pub count: i64,
    /// Still to be paid by the bank.
    pub instructed: i64,
    /// Σ principal + interest.
    pub total: Money,
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct RefundDayQuery {
    /// Instruction day (Beijing date), `YYYY-MM-DD`.
    pub date: NaiveDate,
}

/// The columns of the bank's file, in order.
pub const FILE_COLUMNS: [&str; 10] = [
    "refund_id",
    "payee_account_no",
    "payee_name",
    "amount",
    "interest",
    "total",
    "due_date",
    "reason",
    "basis",
    "status",
];

/// The instruction days, newest first (staff, supervisor, admin).
pub async fn days(ctx: &Ctx, actor: &Actor) -> Result<Vec<RefundDay>> {
    actor.require(&[Role::Staff, Role::Supervisor, Role::Admin])?;
    let rows = store::refunds::all_for_days(&ctx.db).await?;
    let mut out: Vec<RefundDay> = Vec::new();
    for r in rows {
        let day = local_date(r.created_at);
        let fen: i64 = r.amount_fen.fen() + r.interest_fen.fen();
        let open = r.status == RefundStatus::Instructed;
        match out.last_mut().filter(|d| d.date == day) {
            Some(d) => {
                d.count += 1;
                d.instructed += i64::from(open);
                d.total = Money::from_fen(d.total.fen() + fen);
            }
            None => out.push(RefundDay {
                date: day,
                count: 1,
                instructed: i64::from(open),
                total: Money::from_fen(fen),
            }),
        }
    }
    out.reverse();
    Ok(out)
}

/// The instructions created on `date` (Beijing), in order (staff, supervisor, admin).
pub async fn of_day(ctx: &Ctx, actor: &Actor, date: NaiveDate) -> Result<Vec<Refund>> {
    actor.require(&[Role::Staff, Role::Supervisor, Role::Admin])?;
    let start = at_local(date, 0, 0, 0);
    let end = at_local(
        date.succ_opt()
            .ok_or_else(|| Error::field("date", "date.range", "date out of range"))?,
        0,
        0,
        0,
    );
    let rows = store::refunds::created_between(&ctx.db, start, end).await?;
    Ok(rows.into_iter().map(Refund::from).collect())
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The bank's file of these instructions (pure).
pub fn file(refunds: &[Refund]) -> String {
    let mut out = FILE_COLUMNS.join(",");
    out.push_str("\r\n");
    for r in refunds {
        let line = [
            r.id.clone(),
            r.payee_account_no.clone(),
            r.payee_name.clone(),
            r.amount.to_string(),
            r.interest.to_string(),
            r.total.to_string(),
            r.due_date.clone(),
            r.reason.clone(),
            r.basis.clone(),
            r.status.clone(),
        ];
        out.push_str(&line.iter().map(|s| field(s)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// The day's file (staff, supervisor, admin): the use case behind the API and the page download.
pub async fn day_file(ctx: &Ctx, actor: &Actor, date: NaiveDate) -> Result<String> {
    Ok(file(&of_day(ctx, actor, date).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refund(name: &str) -> Refund {
        Refund {
            id: "R1".into(),
            org_id: None,
            section_id: None,
            payee_account_no: "6222 0001".into(),
            payee_name: name.into(),
            amount: Money::parse_str("200000.00").unwrap(),
            interest: Money::parse_str("12.34").unwrap(),
            total: Money::parse_str("200012.34").unwrap(),
            interest_computation: serde_json::Value::Null,
            reason: "construction_contract_signed".into(),
            basis: "实施条例 57".into(),
            due_date: "2026-03-10".into(),
            due_date_provisional: false,
            status: "instructed".into(),
            attempts: 1,
            overdue: false,
            paid_at: None,
            paid_bank_txn_id: None,
        }
    }

    #[test]
    fn the_file_has_a_header_and_quotes_what_needs_quoting() {
        let f = file(&[refund("大连某公司"), refund("A, \"B\" Ltd")]);
        let lines: Vec<&str> = f.split("\r\n").collect();
        assert_eq!(lines[0], FILE_COLUMNS.join(","));
        assert_eq!(
            lines[1],
            "R1,6222 0001,大连某公司,200000.00,12.34,200012.34,2026-03-10,construction_contract_signed,实施条例 57,instructed"
        );
        assert!(lines[2].starts_with("R1,6222 0001,\"A, \"\"B\"\" Ltd\",200000.00"));
        assert_eq!(lines.len(), 4, "a line break ends every line");
    }
}
