//! Contracts of the deposits area (投标保证金) that other areas consume.
//!
//! Their aggregate is one bidder's deposit for one section (`deposit_account`, id
//! `<org_id>/<section_id>`), an id made of two fields, so [`Contract`] is implemented by hand here
//! instead of through [`contract!`](crate::contract).

use crate::{Contract, Entry, Field};
use ggzy_core::Money;
use serde::{Deserialize, Serialize};

/// The aggregate of both contracts.
pub const AGGREGATE: &str = "deposit_account";

fn account_id(org_id: &str, section_id: &str) -> String {
    format!("{org_id}/{section_id}")
}

/// At the bid deadline the deposit status of one participant of a section is fixed, once; the
/// opening record shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepositStatusFixed {
    pub section_id: String,
    pub org_id: String,
    /// `valid`, `missing` or `invalid`.
    pub status: String,
    /// Rule code of the first reason the deposit is not valid.
    pub reason: Option<String>,
    /// `cash`, `guarantee` or `none`.
    pub form: Option<String>,
    /// Amount counted as the deposit (at most the required amount).
    pub counted: Option<Money>,
}

impl Contract for DepositStatusFixed {
    const NAME: &'static str = "deposits.deposit.status_fixed";
    const VERSION: u32 = 1;
    const AGGREGATE: &'static str = AGGREGATE;
    fn aggregate_id(&self) -> String {
        account_id(&self.org_id, &self.section_id)
    }
}

impl DepositStatusFixed {
    /// This contract in the catalogue (`docs/events.md`).
    pub fn entry() -> Entry {
        Entry {
            name: Self::NAME,
            version: Self::VERSION,
            aggregate: AGGREGATE,
            doc:
                "At the bid deadline the deposit status of one participant of a section is fixed, \
                  once; the opening record shows it. Aggregate id `<org_id>/<section_id>`.\n",
            fields: vec![
                field("section_id", "String", ""),
                field("org_id", "String", ""),
                field("status", "String", "`valid`, `missing` or `invalid`."),
                field(
                    "reason",
                    "Option<String>",
                    "Rule code of the first reason the deposit is not valid.",
                ),
                field("form", "Option<String>", "`cash`, `guarantee` or `none`."),
                field(
                    "counted",
                    "Option<Money>",
                    "Amount counted as the deposit (at most the required amount).",
                ),
            ],
        }
    }
}

/// A participant's deposit became valid before the deadline (money received or a guarantee).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepositValid {
    pub org_id: String,
    pub section_id: String,
    /// Amount counted as the deposit.
    pub deposit: Option<Money>,
    /// Accepted money beyond the counted deposit (refundable).
    pub excess: Option<Money>,
}

impl Contract for DepositValid {
    const NAME: &'static str = "deposits.deposit.valid";
    const VERSION: u32 = 1;
    const AGGREGATE: &'static str = AGGREGATE;
    fn aggregate_id(&self) -> String {
        account_id(&self.org_id, &self.section_id)
    }
}

impl DepositValid {
    /// This contract in the catalogue (`docs/events.md`).
    pub fn entry() -> Entry {
        Entry {
            name: Self::NAME,
            version: Self::VERSION,
            aggregate: AGGREGATE,
            doc: "A participant's deposit became valid before the deadline (money received or a \
                  guarantee). Aggregate id `<org_id>/<section_id>`.\n",
            fields: vec![
                field("org_id", "String", ""),
                field("section_id", "String", ""),
                field("deposit", "Option<Money>", "Amount counted as the deposit."),
                field(
                    "excess",
                    "Option<Money>",
                    "Accepted money beyond the counted deposit (refundable).",
                ),
            ],
        }
    }
}

fn field(name: &'static str, ty: &'static str, doc: &'static str) -> Field {
    Field { name, ty, doc }
}

crate::contract! {
    /// A refund instruction was not confirmed paid by the bank by the end of its due day (the
    /// period of its refund case): raised once per refund; monitoring opens a compliance alert.
    RefundOverdue = "deposits.refund.overdue", version 1, aggregate "deposit_refund" by refund_id {
        refund_id: String,
        org_id: Option<String>,
        section_id: Option<String>,
        /// The principal refunded.
        amount: Money,
        /// Interest or 超期资金占用费 owed with it.
        interest: Money,
        /// The last day on time (Beijing date).
        due_date: chrono::NaiveDate,
        /// The rule of the period (law and article).
        basis: String,
        /// The refund case (`land_tender_loser`, `procurement_loser` …).
        reason: String,
        days_late: i64,
    }
}

crate::contract! {
    /// A bank transfer to a bidder's virtual sub-account was matched to its deposit and credited.
    TransferReceived = "deposits.transfer.received", version 1, aggregate "deposit_transfer" by transfer_id {
        transfer_id: String,
        bank_txn_id: String,
        /// The bidder's virtual sub-account (the receiving side).
        account_no: String,
        amount: Money,
        #[serde(with = "crate::time")]
        value_at: chrono::DateTime<chrono::Utc>,
        org_id: Option<String>,
        section_id: Option<String>,
        /// Why it is not (fully) counted, when so.
        reason: Option<String>,
        /// The paying account (monitoring's same-payer signal, 实施条例 40).
        payer_account_no: String,
        payer_name: String,
    }
}

crate::contract! {
    /// Money is to be paid back to a payer (a deposit refund, or money that was not a deposit).
    RefundInstructed = "deposits.refund.instructed", version 1, aggregate "deposit_refund" by id {
        id: String,
        /// The transfer returned (money that was not a deposit only).
        transfer_id: Option<String>,
        /// None for money that matched no bidder's deposit.
        org_id: Option<String>,
        section_id: Option<String>,
        /// The account paid back (the account that paid).
        payee_account_no: String,
        amount: Money,
        interest: Money,
        /// The refund case.
        reason: Option<String>,
        /// The rule of the period (refund of a deposit only).
        basis: Option<String>,
        /// The last day on time (Beijing date).
        due_date: Option<chrono::NaiveDate>,
        #[serde(default)]
        due_date_provisional: bool,
    }
}

/// A deposit is forfeited (不予退还), approved by a second staff member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepositForfeited {
    pub forfeiture_id: String,
    pub section_id: String,
    pub org_id: String,
    pub amount: Money,
    pub reason: String,
    pub ground: String,
    pub basis: String,
    /// `cash` or `guarantee`.
    pub form: String,
    pub proposed_by: String,
    pub approved_by: Option<String>,
}

impl Contract for DepositForfeited {
    const NAME: &'static str = "deposits.deposit.forfeited";
    const VERSION: u32 = 1;
    const AGGREGATE: &'static str = AGGREGATE;
    fn aggregate_id(&self) -> String {
        account_id(&self.org_id, &self.section_id)
    }
}

impl DepositForfeited {
    /// This contract in the catalogue (`docs/events.md`).
    pub fn entry() -> Entry {
        Entry {
            name: Self::NAME,
            version: Self::VERSION,
            aggregate: AGGREGATE,
            doc: "A deposit is forfeited (不予退还), approved by a second staff member. Aggregate id \
                  `<org_id>/<section_id>`.\n",
            fields: vec![
                field("forfeiture_id", "String", ""),
                field("section_id", "String", ""),
                field("org_id", "String", ""),
                field("amount", "Money", "The amount forfeited."),
                field("reason", "String", "Why, in the words of the record."),
                field("ground", "String", "The ground (rule code)."),
                field("basis", "String", "The law and article."),
                field("form", "String", "`cash` or `guarantee`."),
                field("proposed_by", "String", ""),
                field("approved_by", "Option<String>", ""),
            ],
        }
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        RefundOverdue::entry(),
        DepositStatusFixed::entry(),
        DepositValid::entry(),
        TransferReceived::entry(),
        RefundInstructed::entry(),
        DepositForfeited::entry(),
    ]
}
