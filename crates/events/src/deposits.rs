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
