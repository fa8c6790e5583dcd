//! The deposit ledger as a pure double-entry model (no I/O). Amounts are integer fen.
//!
//! Every movement is one journal entry whose lines balance (Σ debits = Σ credits); balances are
//! derived from the lines, never edited. The database stores exactly these entries and lines
//! (`deposit_journal_entries`, `deposit_journal_lines`); the service builds them with the
//! constructors below so that an unbalanced entry cannot be written.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

/// Account types of the deposit ledger. `Debit`-normal accounts are assets and expenses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    /// Money at the bank in the centre's deposit account (asset).
    BankClearing,
    /// Deposit held for one bidder organization and one section (liability).
    DepositLiability,
    /// Received money that cannot be attributed to a valid deposit (liability, to be returned).
    Unmatched,
    /// Deposits due back to the payer, not yet paid out (liability).
    RefundsPayable,
    /// Interest owed to bidders on refunded deposits (liability), 实施条例 57.
    InterestPayable,
    /// Interest cost borne by the centre (expense).
    InterestExpense,
    /// Deposits kept under 实施条例 35 / 74 (income to the tenderer's side).
    Forfeited,
    /// The winner's bidding deposit (竞买保证金) converted into part of the price of a land or
    /// property deal (成交价款), held for the transferor (liability, per section):
    /// 国土资源部令第39号 第二十一条 (抵作土地出让价款).
    PricePayment,
}

impl AccountType {
    pub const ALL: [AccountType; 8] = [
        AccountType::BankClearing,
        AccountType::DepositLiability,
        AccountType::Unmatched,
        AccountType::RefundsPayable,
        AccountType::InterestPayable,
        AccountType::InterestExpense,
        AccountType::Forfeited,
        AccountType::PricePayment,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            AccountType::BankClearing => "bank_clearing",
            AccountType::DepositLiability => "deposit_liability",
            AccountType::Unmatched => "unmatched",
            AccountType::RefundsPayable => "refunds_payable",
            AccountType::InterestPayable => "interest_payable",
            AccountType::InterestExpense => "interest_expense",
            AccountType::Forfeited => "forfeited",
            AccountType::PricePayment => "price_payment",
        }
    }

    pub fn parse(s: &str) -> Option<AccountType> {
        AccountType::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Assets and expenses grow with debits; liabilities and income with credits.
    pub fn debit_normal(&self) -> bool {
        matches!(
            self,
            AccountType::BankClearing | AccountType::InterestExpense
        )
    }
}

/// One ledger account: a type and, for per-party accounts, a key (e.g. `org_id/section_id`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Account {
    pub kind: AccountType,
    pub key: String,
}

impl Account {
    pub fn new(kind: AccountType, key: impl Into<String>) -> Self {
        Account {
            kind,
            key: key.into(),
        }
    }
    pub fn bank() -> Self {
        Account::new(AccountType::BankClearing, "")
    }
    /// The deposit of one bidder organization for one section.
    pub fn liability(org_id: &str, section_id: &str) -> Self {
        Account::new(
            AccountType::DepositLiability,
            format!("{org_id}/{section_id}"),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub account: Account,
    pub debit: i64,
    pub credit: i64,
}

impl Line {
    pub fn debit(account: Account, fen: i64) -> Self {
        Line {
            account,
            debit: fen,
            credit: 0,
        }
    }
    pub fn credit(account: Account, fen: i64) -> Self {
        Line {
            account,
            debit: 0,
            credit: fen,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerError {
    Empty,
    /// A line with a negative amount, or both sides, or neither.
    BadLine,
    Unbalanced {
        debit: i64,
        credit: i64,
    },
    Overflow,
    /// The entry would take a liability account below zero.
    Overdrawn(Account),
}

impl std::fmt::Display for LedgerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LedgerError::Empty => write!(f, "a journal entry needs lines"),
            LedgerError::BadLine => write!(f, "each line is a positive debit or a positive credit"),
            LedgerError::Unbalanced { debit, credit } => {
                write!(
                    f,
                    "entry does not balance: debits {debit} fen, credits {credit} fen"
                )
            }
            LedgerError::Overflow => write!(f, "amount overflow"),
            LedgerError::Overdrawn(a) => {
                write!(f, "account {}:{} would go negative", a.kind.as_str(), a.key)
            }
        }
    }
}

/// A journal entry whose lines are known to balance (the only way to get one is [`Entry::new`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub memo: String,
    lines: Vec<Line>,
}

impl Entry {
    pub fn new(memo: impl Into<String>, lines: Vec<Line>) -> Result<Entry, LedgerError> {
        if lines.is_empty() {
            return Err(LedgerError::Empty);
        }
        let (mut d, mut c) = (0i64, 0i64);
        for l in &lines {
            let ok = (l.debit > 0 && l.credit == 0) || (l.credit > 0 && l.debit == 0);
            if !ok {
                return Err(LedgerError::BadLine);
            }
            d = d.checked_add(l.debit).ok_or(LedgerError::Overflow)?;
            c = c.checked_add(l.credit).ok_or(LedgerError::Overflow)?;
        }
        if d != c {
            return Err(LedgerError::Unbalanced {
                debit: d,
                credit: c,
            });
        }
        Ok(Entry {
            memo: memo.into(),
            lines,
        })
    }

    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Money received at the bank for `to` (a deposit liability or the unmatched account).
    pub fn receipt(to: Account, fen: i64) -> Result<Entry, LedgerError> {
        Entry::new(
            "receipt",
            vec![Line::debit(Account::bank(), fen), Line::credit(to, fen)],
        )
    }

    /// A deposit (or unmatched money) becomes due back to its payer.
    pub fn refund_due(from: Account, fen: i64) -> Result<Entry, LedgerError> {
        let payable = Account::new(AccountType::RefundsPayable, from.key.clone());
        Entry::new(
            "refund_due",
            vec![Line::debit(from, fen), Line::credit(payable, fen)],
        )
    }

    /// Interest accrued on a refunded deposit (实施条例 57: 银行同期存款利息).
    pub fn interest_accrued(key: &str, fen: i64) -> Result<Entry, LedgerError> {
        Entry::new(
            "interest_accrued",
            vec![
                Line::debit(Account::new(AccountType::InterestExpense, ""), fen),
                Line::credit(Account::new(AccountType::InterestPayable, key), fen),
            ],
        )
    }

    /// The bank paid a refund out.
    pub fn refund_paid(key: &str, fen: i64) -> Result<Entry, LedgerError> {
        Entry::new(
            "refund_paid",
            vec![
                Line::debit(Account::new(AccountType::RefundsPayable, key), fen),
                Line::credit(Account::bank(), fen),
            ],
        )
    }

    /// The bank's demand-deposit interest on the held money, passed through to the bidder
    /// (实施条例 57: 银行同期存款利息): money at the bank, owed to the payee.
    pub fn interest_credited(key: &str, fen: i64) -> Result<Entry, LedgerError> {
        Entry::new(
            "interest_credited",
            vec![
                Line::debit(Account::bank(), fen),
                Line::credit(Account::new(AccountType::InterestPayable, key), fen),
            ],
        )
    }

    /// The bank confirmed paying a refund: principal and interest leave the bank in one entry.
    pub fn refund_payout(key: &str, principal: i64, interest: i64) -> Result<Entry, LedgerError> {
        let mut lines = vec![Line::debit(
            Account::new(AccountType::RefundsPayable, key),
            principal,
        )];
        if interest > 0 {
            lines.push(Line::debit(
                Account::new(AccountType::InterestPayable, key),
                interest,
            ));
        }
        let total = principal
            .checked_add(interest)
            .ok_or(LedgerError::Overflow)?;
        lines.push(Line::credit(Account::bank(), total));
        Entry::new("refund_paid", lines)
    }

    /// The winner's deposit becomes part of the deal price (成交价款) of the section
    /// (国土资源部令第39号 第二十一条: 竞得人支付的竞买保证金，抵作土地出让价款).
    pub fn convert_to_price(
        from: Account,
        section_id: &str,
        fen: i64,
    ) -> Result<Entry, LedgerError> {
        let price = Account::new(AccountType::PricePayment, section_id);
        Entry::new(
            "convert_to_price",
            vec![Line::debit(from, fen), Line::credit(price, fen)],
        )
    }

    /// A deposit is kept (实施条例 35, 74).
    pub fn forfeit(from: Account, fen: i64) -> Result<Entry, LedgerError> {
        let kept = Account::new(AccountType::Forfeited, from.key.clone());
        Entry::new(
            "forfeit",
            vec![Line::debit(from, fen), Line::credit(kept, fen)],
        )
    }
}

/// Derived state: the balance of every account (debits − credits), from the posted entries.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    entries: Vec<Entry>,
    balances: BTreeMap<Account, i64>,
    /// Bank transaction ids already booked: a repeated receipt is a no-op.
    seen: BTreeSet<String>,
}

impl Ledger {
    pub fn new() -> Self {
        Ledger::default()
    }

    /// Signed balance, debits − credits.
    pub fn raw_balance(&self, a: &Account) -> i64 {
        self.balances.get(a).copied().unwrap_or(0)
    }

    /// Balance on the account's normal side (positive when the account holds money).
    pub fn balance(&self, a: &Account) -> i64 {
        let b = self.raw_balance(a);
        if a.kind.debit_normal() {
            b
        } else {
            -b
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn accounts(&self) -> impl Iterator<Item = (&Account, &i64)> {
        self.balances.iter()
    }

    /// Post an entry unless it would take a credit-normal account (a liability) below zero.
    pub fn post(&mut self, e: Entry) -> Result<(), LedgerError> {
        let mut next = self.balances.clone();
        for l in e.lines() {
            let b = next.entry(l.account.clone()).or_insert(0);
            *b = b
                .checked_add(l.debit)
                .and_then(|v| v.checked_sub(l.credit))
                .ok_or(LedgerError::Overflow)?;
        }
        for l in e.lines() {
            let b = next.get(&l.account).copied().unwrap_or(0);
            if !l.account.kind.debit_normal() && b > 0 {
                return Err(LedgerError::Overdrawn(l.account.clone()));
            }
        }
        self.balances = next;
        self.entries.push(e);
        Ok(())
    }

    /// Book a bank receipt once per bank transaction id. Returns false for a repeat.
    pub fn receive(
        &mut self,
        bank_txn_id: &str,
        to: Account,
        fen: i64,
    ) -> Result<bool, LedgerError> {
        if self.seen.contains(bank_txn_id) {
            return Ok(false);
        }
        self.post(Entry::receipt(to, fen)?)?;
        self.seen.insert(bank_txn_id.to_string());
        Ok(true)
    }

    /// Σ debits − Σ credits over every account: always zero.
    pub fn imbalance(&self) -> i64 {
        self.balances.values().sum()
    }
}

/// Per account type: total debits and credits (the trial balance).
pub fn trial_balance(l: &Ledger) -> BTreeMap<AccountType, (i64, i64)> {
    let mut out = BTreeMap::new();
    for e in l.entries() {
        for line in e.lines() {
            let t = out.entry(line.account.kind).or_insert((0i64, 0i64));
            t.0 += line.debit;
            t.1 += line.credit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_unbalanced_entry_is_refused() {
        let e = Entry::new(
            "x",
            vec![
                Line::debit(Account::bank(), 100),
                Line::credit(Account::liability("o", "s"), 99),
            ],
        );
        assert_eq!(
            e,
            Err(LedgerError::Unbalanced {
                debit: 100,
                credit: 99
            })
        );
        assert_eq!(Entry::new("x", vec![]), Err(LedgerError::Empty));
        assert_eq!(
            Entry::new("x", vec![Line::debit(Account::bank(), -1)]),
            Err(LedgerError::BadLine)
        );
    }

    #[test]
    fn a_refund_larger_than_the_deposit_is_refused() {
        let mut l = Ledger::new();
        let acc = Account::liability("o", "s");
        assert!(l.receive("t1", acc.clone(), 100).unwrap());
        assert!(matches!(
            l.post(Entry::refund_due(acc.clone(), 101).unwrap()),
            Err(LedgerError::Overdrawn(_))
        ));
        l.post(Entry::refund_due(acc.clone(), 100).unwrap())
            .unwrap();
        assert_eq!(l.balance(&acc), 0);
    }

    #[test]
    fn a_repeated_bank_transaction_is_booked_once() {
        let mut l = Ledger::new();
        let acc = Account::liability("o", "s");
        assert!(l.receive("t1", acc.clone(), 100).unwrap());
        assert!(!l.receive("t1", acc.clone(), 100).unwrap());
        assert_eq!(l.balance(&acc), 100);
        assert_eq!(l.balance(&Account::bank()), 100);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Receive {
            txn: u8,
            party: u8,
            fen: i64,
            matched: bool,
        },
        Refund {
            party: u8,
            fen: i64,
        },
        Forfeit {
            party: u8,
            fen: i64,
        },
        /// The deal: the winner's deposit (up to the required amount) becomes part of the price.
        Convert {
            party: u8,
            required: i64,
        },
        Pay {
            party: u8,
        },
        /// The lifecycle refund: the whole remaining deposit due back with interest, then paid
        /// (and a duplicate confirmation that must change nothing).
        Settle {
            party: u8,
            interest: i64,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..30, 0u8..4, 1i64..1_000_000, any::<bool>()).prop_map(
                |(txn, party, fen, matched)| {
                    Op::Receive {
                        txn,
                        party,
                        fen,
                        matched,
                    }
                }
            ),
            (0u8..4, 1i64..1_000_000).prop_map(|(party, fen)| Op::Refund { party, fen }),
            (0u8..4, 1i64..1_000_000).prop_map(|(party, fen)| Op::Forfeit { party, fen }),
            (0u8..4, 1i64..1_000_000).prop_map(|(party, required)| Op::Convert { party, required }),
            (0u8..4).prop_map(|party| Op::Pay { party }),
            (0u8..4, 0i64..500).prop_map(|(party, interest)| Op::Settle { party, interest }),
        ]
    }

    fn party_account(p: u8, matched: bool) -> Account {
        if matched {
            Account::liability(&format!("org{p}"), "s1")
        } else {
            Account::new(AccountType::Unmatched, format!("org{p}"))
        }
    }

    proptest! {
        #[test]
        fn the_ledger_always_balances_and_every_fen_ends_refunded_forfeited_or_converted_once(
            ops in proptest::collection::vec(op(), 0..80)
        ) {
            let mut l = Ledger::new();
            let mut credited = 0i64;
            // What each bank transaction id carried the first time (a repeat must change nothing).
            let mut txns: BTreeMap<u8, ()> = BTreeMap::new();
            for o in ops {
                match o {
                    Op::Receive { txn, party, fen, matched } => {
                        let first = !txns.contains_key(&txn);
                        let booked = l.receive(&format!("T{txn}"), party_account(party, matched), fen).unwrap();
                        prop_assert_eq!(booked, first);
                        if booked {
                            txns.insert(txn, ());
                            credited += fen;
                        }
                    }
                    Op::Refund { party, fen } => {
                        let acc = party_account(party, true);
                        let before = l.balance(&acc);
                        let ok = l.post(Entry::refund_due(acc, fen).unwrap()).is_ok();
                        prop_assert_eq!(ok, fen <= before);
                    }
                    Op::Forfeit { party, fen } => {
                        let acc = party_account(party, true);
                        let before = l.balance(&acc);
                        let ok = l.post(Entry::forfeit(acc, fen).unwrap()).is_ok();
                        prop_assert_eq!(ok, fen <= before);
                    }
                    Op::Convert { party, required } => {
                        let acc = party_account(party, true);
                        let before = l.balance(&acc);
                        let price = Account::new(AccountType::PricePayment, "s1");
                        let price_before = l.balance(&price);
                        let fen = before.min(required);
                        // More than the deposit held is refused.
                        prop_assert!(l.post(Entry::convert_to_price(acc.clone(), "s1", before + 1).unwrap()).is_err());
                        if fen > 0 {
                            l.post(Entry::convert_to_price(acc.clone(), "s1", fen).unwrap()).unwrap();
                            prop_assert_eq!(l.balance(&acc), before - fen);
                            prop_assert_eq!(l.balance(&price), price_before + fen);
                        }
                    }
                    Op::Settle { party, interest } => {
                        let acc = party_account(party, true);
                        let key = acc.key.clone();
                        let open = l.balance(&acc);
                        let payable = Account::new(AccountType::RefundsPayable, key.clone());
                        let already = l.balance(&payable);
                        if open > 0 {
                            l.post(Entry::refund_due(acc.clone(), open).unwrap()).unwrap();
                            if interest > 0 {
                                l.post(Entry::interest_credited(&key, interest).unwrap()).unwrap();
                            }
                            let due = l.balance(&payable);
                            let int_due = l.balance(&Account::new(AccountType::InterestPayable, key.clone()));
                            l.post(Entry::refund_payout(&key, due, int_due).unwrap()).unwrap();
                            prop_assert_eq!(l.balance(&acc), 0);
                            prop_assert_eq!(l.balance(&payable), 0);
                            // A second payout of the same refund is refused: nothing is owed any more.
                            prop_assert!(l.post(Entry::refund_payout(&key, open + already, 0).unwrap()).is_err());
                        }
                    }
                    Op::Pay { party } => {
                        let key = format!("org{party}/s1");
                        let due = l.balance(&Account::new(AccountType::RefundsPayable, key.clone()));
                        if due > 0 {
                            l.post(Entry::refund_paid(&key, due).unwrap()).unwrap();
                        }
                    }
                }
                prop_assert_eq!(l.imbalance(), 0);
                for (a, _) in l.accounts() {
                    prop_assert!(l.balance(a) >= 0, "{:?} negative", a);
                }
            }
            // Close out: every remaining deposit and unmatched receipt is refunded.
            let open: Vec<Account> = l
                .accounts()
                .filter(|(a, _)| matches!(a.kind, AccountType::DepositLiability | AccountType::Unmatched))
                .map(|(a, _)| a.clone())
                .collect();
            for a in open {
                let b = l.balance(&a);
                if b > 0 {
                    l.post(Entry::refund_due(a, b).unwrap()).unwrap();
                }
            }
            let tb = trial_balance(&l);
            let total_debit: i64 = tb.values().map(|v| v.0).sum();
            let total_credit: i64 = tb.values().map(|v| v.1).sum();
            prop_assert_eq!(total_debit, total_credit);
            let refunded: i64 = l
                .accounts()
                .filter(|(a, _)| a.kind == AccountType::RefundsPayable)
                .map(|(a, _)| l.balance(a))
                .sum::<i64>()
                + tb.get(&AccountType::RefundsPayable).map(|v| v.0).unwrap_or(0);
            let forfeited: i64 = l
                .accounts()
                .filter(|(a, _)| a.kind == AccountType::Forfeited)
                .map(|(a, _)| l.balance(a))
                .sum();
            let converted: i64 = l
                .accounts()
                .filter(|(a, _)| a.kind == AccountType::PricePayment)
                .map(|(a, _)| l.balance(a))
                .sum();
            // Refunds payable: credited = due; paid-out debits leave the account, so due = open + paid.
            // Every credited fen is refunded, forfeited or converted into the price, once.
            prop_assert_eq!(refunded + forfeited + converted, credited);
            for (a, _) in l.accounts() {
                if matches!(a.kind, AccountType::DepositLiability | AccountType::Unmatched) {
                    prop_assert_eq!(l.balance(a), 0);
                }
            }
        }
    }
}
