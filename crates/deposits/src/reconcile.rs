//! Reconciliation (对账) of the bank's daily statement against the ledger: every bank transaction
//! on either side is matched by the bank's transaction id; every difference is listed. The parser
//! and the matcher are pure; [`import`] stores the result and records an event.

use crate::store;
use chrono::NaiveDate;
use ggzy_core::time::at_local;
use ggzy_core::{ids, Error, FieldError, Money, Result};
use ggzy_events::deposits::ReconciliationCompleted;
use ggzy_events::Contract as _;
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = MovementDirection)]
pub enum Direction {
    /// Money into the centre's deposit account.
    In,
    /// Money out (refunds).
    Out,
}

/// One line of the bank's statement (or one ledger movement with a bank transaction id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub bank_txn_id: String,
    pub direction: Direction,
    pub fen: i64,
    pub account: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Difference {
    /// `missing_in_ledger`, `missing_in_statement`, `amount_mismatch`, `direction_mismatch`,
    /// `duplicate_in_statement`.
    pub kind: String,
    pub bank_txn_id: String,
    pub statement_amount: Option<Money>,
    pub ledger_amount: Option<Money>,
    pub direction: Option<Direction>,
    pub account: Option<String>,
}

/// Columns the statement must have (header line, any order; more columns are ignored).
pub const COLUMNS: [&str; 5] = ["date", "bank_txn_id", "direction", "amount", "account"];

fn split_csv_line(line: &str) -> Vec<String> {
    // RFC 4180 fields: quoted fields may hold commas and doubled quotes.
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim().to_string()).collect()
}

/// Parse the statement of `date`: every line must be of that date. Errors name the line.
pub fn parse_statement(
    csv: &str,
    date: NaiveDate,
) -> std::result::Result<Vec<Movement>, Vec<FieldError>> {
    let mut lines = csv
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_start_matches('\u{feff}')))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(vec![FieldError::new(
            "statement",
            "csv.header",
            format!(
                "the statement needs a header line with {}",
                COLUMNS.join(",")
            ),
        )]);
    };
    let names: Vec<String> = split_csv_line(header)
        .into_iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let mut idx = [0usize; 5];
    let mut errs = Vec::new();
    for (k, col) in COLUMNS.iter().enumerate() {
        match names.iter().position(|n| n == col) {
            Some(i) => idx[k] = i,
            None => errs.push(FieldError::new(
                "statement",
                "csv.header",
                format!("column '{col}' is missing"),
            )),
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let mut out = Vec::new();
    for (no, line) in lines {
        let f = split_csv_line(line);
        let get = |k: usize| f.get(idx[k]).map(String::as_str).unwrap_or("");
        let field = format!("statement[line {no}]");
        match NaiveDate::parse_from_str(get(0), "%Y-%m-%d") {
            Ok(d) if d == date => {}
            Ok(d) => errs.push(FieldError::new(
                &field,
                "statement.other_date",
                format!("line of {d} in the statement of {date}"),
            )),
            Err(_) => errs.push(FieldError::new(
                &field,
                "csv.date",
                "date must be YYYY-MM-DD",
            )),
        }
        let txn = get(1).to_string();
        if txn.is_empty() {
            errs.push(FieldError::new(&field, "required", "bank_txn_id is empty"));
        }
        let direction = match get(2).to_ascii_lowercase().as_str() {
            "in" | "credit" | "c" | "贷" => Some(Direction::In),
            "out" | "debit" | "d" | "借" => Some(Direction::Out),
            _ => {
                errs.push(FieldError::new(
                    &field,
                    "csv.direction",
                    "direction must be in or out",
                ));
                None
            }
        };
        let amount = match Money::parse_str(get(3)) {
            Ok(m) if !m.is_zero() => Some(m),
            _ => {
                errs.push(FieldError::new(
                    &field,
                    "csv.amount",
                    "amount must be a positive decimal with at most 2 places",
                ));
                None
            }
        };
        if let (Some(direction), Some(amount)) = (direction, amount) {
            out.push(Movement {
                bank_txn_id: txn,
                direction,
                fen: amount.fen(),
                account: get(4).to_string(),
            });
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// Match the statement against the ledger's movements of the same day by bank transaction id.
pub fn reconcile(statement: &[Movement], ledger: &[Movement]) -> Vec<Difference> {
    let mut diffs = Vec::new();
    let mut seen: BTreeMap<&str, &Movement> = BTreeMap::new();
    for s in statement {
        if seen.insert(s.bank_txn_id.as_str(), s).is_some() {
            diffs.push(Difference {
                kind: "duplicate_in_statement".into(),
                bank_txn_id: s.bank_txn_id.clone(),
                statement_amount: Some(Money::from_fen(s.fen)),
                ledger_amount: None,
                direction: Some(s.direction),
                account: Some(s.account.clone()),
            });
        }
    }
    let ours: BTreeMap<&str, &Movement> =
        ledger.iter().map(|m| (m.bank_txn_id.as_str(), m)).collect();
    for (txn, s) in &seen {
        match ours.get(txn) {
            None => diffs.push(Difference {
                kind: "missing_in_ledger".into(),
                bank_txn_id: txn.to_string(),
                statement_amount: Some(Money::from_fen(s.fen)),
                ledger_amount: None,
                direction: Some(s.direction),
                account: Some(s.account.clone()),
            }),
            Some(l) if l.direction != s.direction || l.fen != s.fen => diffs.push(Difference {
                kind: if l.direction != s.direction {
                    "direction_mismatch"
                } else {
                    "amount_mismatch"
                }
                .into(),
                bank_txn_id: txn.to_string(),
                statement_amount: Some(Money::from_fen(s.fen)),
                ledger_amount: Some(Money::from_fen(l.fen)),
                direction: Some(l.direction),
                account: Some(l.account.clone()),
            }),
            Some(_) => {}
        }
    }
    for (txn, l) in &ours {
        if !seen.contains_key(txn) {
            diffs.push(Difference {
                kind: "missing_in_statement".into(),
                bank_txn_id: txn.to_string(),
                statement_amount: None,
                ledger_amount: Some(Money::from_fen(l.fen)),
                direction: Some(l.direction),
                account: Some(l.account.clone()),
            });
        }
    }
    diffs
}

/// The ledger's bank movements of one (Shanghai) day: transfers by value time, refunds by the
/// time the bank reported paying them.
async fn ledger_movements(ctx: &Ctx, date: NaiveDate) -> Result<Vec<Movement>> {
    let from = at_local(date, 0, 0, 0);
    let to = at_local(date.succ_opt().unwrap_or(date), 0, 0, 0);
    let mut out = Vec::new();
    let rows = store::accounts::transfers_valued(&ctx.db, from, to).await?;
    for r in rows {
        out.push(Movement {
            bank_txn_id: r.bank_txn_id,
            direction: Direction::In,
            fen: r.amount_fen.fen(),
            account: r.account_no,
        });
    }
    let rows = store::refunds::paid_between(&ctx.db, from, to).await?;
    for r in rows {
        out.push(Movement {
            bank_txn_id: r.paid_bank_txn_id,
            direction: Direction::Out,
            fen: r.amount_fen.fen() + r.interest_fen.fen(),
            account: r.payee_account_no,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reconciliation {
    pub id: String,
    pub date: NaiveDate,
    pub statement_lines: usize,
    pub ledger_movements: usize,
    pub differences: Vec<Difference>,
    /// Σ |statement − ledger| over the differences; zero on a clean day.
    pub difference_total: Money,
    pub clean: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct ReconcileQuery {
    /// Statement date (YYYY-MM-DD, Shanghai).
    pub date: NaiveDate,
}

/// Import one day's statement (CSV) and reconcile it (staff).
#[tracing::instrument(skip_all, fields(date = %date))]
pub async fn import(
    ctx: &Ctx,
    actor: &Actor,
    date: NaiveDate,
    csv: &str,
) -> Result<Reconciliation> {
    actor.require(&[Role::Staff])?;
    let statement = parse_statement(csv, date).map_err(Error::Validation)?;
    let ledger = ledger_movements(ctx, date).await?;
    let differences = reconcile(&statement, &ledger);
    let total: i64 = differences
        .iter()
        .map(|d| {
            let s = d.statement_amount.map(|m| m.fen()).unwrap_or(0);
            let l = d.ledger_amount.map(|m| m.fen()).unwrap_or(0);
            (s - l).abs()
        })
        .sum();
    let rec = Reconciliation {
        id: ids::new_id(),
        date,
        statement_lines: statement.len(),
        ledger_movements: ledger.len(),
        clean: differences.is_empty(),
        difference_total: Money::from_fen(total),
        differences,
    };
    let now = ctx.clock.now();
    let diffs =
        serde_json::to_string(&rec.differences).map_err(|e| Error::internal(e.to_string()))?;
    let mut tx = ctx.db.begin().await?;
    store::ledger::insert_reconciliation(
        &mut tx,
        store::ledger::NewReconciliation {
            id: &rec.id,
            statement_date: date.to_string(),
            line_count: rec.statement_lines as i64,
            difference_count: rec.differences.len() as i64,
            differences: diffs,
            statement: csv,
            imported_by: &actor.user_id,
            imported_at: now,
        },
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ReconciliationCompleted {
            reconciliation_id: rec.id.clone(),
            date,
            lines: rec.statement_lines as u64,
            differences: rec.differences.len() as u64,
            difference_total: rec.difference_total,
            clean: rec.clean,
        }
        .encode(),
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &rec, now).await?;
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
    }

    fn m(txn: &str, dir: Direction, fen: i64) -> Movement {
        Movement {
            bank_txn_id: txn.into(),
            direction: dir,
            fen,
            account: "A".into(),
        }
    }

    #[test]
    fn a_statement_parses_with_columns_in_any_order_and_quoted_fields() {
        let csv = "amount,date,bank_txn_id,direction,account,counterparty_name\n\
                   \"200,000.00\",2026-03-10,T1,in,210,x\n";
        // A thousands separator is not a valid amount: named with its line.
        let e = parse_statement(csv, d()).unwrap_err();
        assert_eq!(e[0].field, "statement[line 2]");
        assert_eq!(e[0].rule, "csv.amount");
        let csv = "\u{feff}date,bank_txn_id,direction,amount,account,counterparty_name\n\
                   2026-03-10,T1,in,200000.00,210,\"大连, 某公司\"\n\n";
        assert_eq!(
            parse_statement(csv, d()).unwrap(),
            vec![Movement {
                bank_txn_id: "T1".into(),
                direction: Direction::In,
                fen: 20_000_000,
                account: "210".into()
            }]
        );
    }

    #[test]
    fn a_line_of_another_day_or_a_missing_column_is_refused() {
        let e = parse_statement(
            "date,bank_txn_id,direction,amount,account\n2026-03-11,T,in,1.00,a",
            d(),
        )
        .unwrap_err();
        assert_eq!(e[0].rule, "statement.other_date");
        let e = parse_statement("date,bank_txn_id,amount,account\n", d()).unwrap_err();
        assert_eq!(e[0].rule, "csv.header");
    }

    #[test]
    fn a_clean_day_has_no_differences() {
        let s = vec![m("T1", Direction::In, 100), m("R1", Direction::Out, 50)];
        assert!(reconcile(&s, &s.clone()).is_empty());
        assert!(reconcile(&[], &[]).is_empty());
    }

    #[test]
    fn every_difference_is_listed() {
        let s = vec![
            m("T1", Direction::In, 100),
            m("T2", Direction::In, 100),
            m("T3", Direction::In, 100),
            m("T3", Direction::In, 100),
            m("T5", Direction::Out, 7),
        ];
        let l = vec![
            m("T1", Direction::In, 100),
            m("T2", Direction::In, 99),
            m("T3", Direction::In, 100),
            m("T4", Direction::In, 5),
            m("T5", Direction::In, 7),
        ];
        let kinds: Vec<(String, String)> = reconcile(&s, &l)
            .into_iter()
            .map(|d| (d.kind, d.bank_txn_id))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("duplicate_in_statement".into(), "T3".into()),
                ("amount_mismatch".into(), "T2".into()),
                ("direction_mismatch".into(), "T5".into()),
                ("missing_in_statement".into(), "T4".into()),
            ]
        );
        let only_bank = reconcile(&[m("X", Direction::In, 1)], &[]);
        assert_eq!(only_bank[0].kind, "missing_in_ledger");
    }
}
