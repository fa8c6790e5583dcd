//! Contracts of the deposits area (投标保证金) that other areas consume.
//!
//! Their aggregate is one bidder's deposit for one section (`deposit_account`, id
//! `<org_id>/<section_id>`), an id made of two fields, so [`Contract`] is implemented by hand here
//! instead of through [`contract!`](crate::contract).

use crate::{Contract, Entry, Field};
use ggzy_core::Money;
use serde::{Deserialize, Serialize};

/// The aggregate of the contracts about one bidder's deposit for one section.
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

/// Declares a contract whose aggregate is one bidder's deposit for one section
/// (`deposit_account`, id `<org_id>/<section_id>`): the payload struct (it must have `org_id` and
/// `section_id` string fields), its [`Contract`] impl and its catalogue entry — what
/// [`contract!`](crate::contract) does for an aggregate id that is one field.
macro_rules! account_contract {
    (
        $(#[doc = $doc:literal])*
        $ty:ident = $name:literal {
            $(
                $(#[doc = $fdoc:literal])*
                $(#[serde($($sattr:tt)*)])*
                $field:ident : $fty:ty
            ),* $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $ty {
            $(
                $(#[doc = $fdoc])*
                $(#[serde($($sattr)*)])*
                pub $field: $fty,
            )*
        }

        impl Contract for $ty {
            const NAME: &'static str = $name;
            const VERSION: u32 = 1;
            const AGGREGATE: &'static str = AGGREGATE;
            fn aggregate_id(&self) -> String {
                account_id(&self.org_id, &self.section_id)
            }
        }

        impl $ty {
            /// This contract in the catalogue (`docs/events.md`).
            pub fn entry() -> Entry {
                Entry {
                    name: $name,
                    version: 1,
                    aggregate: AGGREGATE,
                    doc: concat!($($doc, "\n",)* "Aggregate id `<org_id>/<section_id>`.\n"),
                    fields: vec![$(
                        field(stringify!($field), stringify!($fty), concat!($($fdoc, " "),*))
                    ),*],
                }
            }
        }
    };
}

account_contract! {
    /// The winner's deposit, up to the required amount, became part of the price (抵作价款), once
    /// per deal.
    DepositConverted = "deposits.deposit.converted" {
        conversion_id: String,
        section_id: String,
        /// The winner.
        org_id: String,
        deal_id: String,
        /// The deposit converted.
        amount: Money,
        /// The deal's price.
        price: Money,
        /// What the winner still owes of the price (never below zero).
        remaining_price: Money,
        /// The rule of the conversion (law and article).
        basis: String,
    }
}

account_contract! {
    /// A settled refund not yet instructed is withdrawn because the failed listing was re-listed
    /// (重新挂牌): the bidder's deposit stays for the next round.
    RefundHeld = "deposits.refund.held" {
        section_id: String,
        org_id: String,
        /// `relisted`.
        reason: String,
        auction_id: String,
        /// The re-listing round, when the auctions area named it (null otherwise).
        round: Option<i64>,
    }
}

account_contract! {
    /// A holiday schedule was imported and a provisional refund due date was computed again with
    /// it (the settlement and its unpaid instructions take the new date).
    RefundDueRederived = "deposits.refund_due.rederived" {
        section_id: String,
        org_id: String,
        /// The refund case (`land_tender_loser`, `procurement_loser` …).
        refund_case: String,
        /// The day the refund period starts from (Beijing date).
        event_date: chrono::NaiveDate,
        /// The due date before.
        previous_due_date: chrono::NaiveDate,
        /// The due date now.
        due_date: chrono::NaiveDate,
        /// Still provisional (another year of the period has no schedule).
        provisional: bool,
        /// The rule of the period (law and article).
        basis: String,
    }
}

crate::contract! {
    /// A bidder's virtual sub-account (虚拟子账户) for a section is issued, on its first request.
    /// The aggregate id is the account's own id (not `<org_id>/<section_id>`).
    AccountIssued = "deposits.account.issued", version 1, aggregate "deposit_account" by id {
        /// The account's id.
        id: String,
        /// The virtual sub-account number the bidder pays into.
        account_no: String,
        org_id: String,
        section_id: String,
        /// The deposit the section requires.
        deposit: Money,
    }
}

crate::contract! {
    /// Staff propose to forfeit a bidder's deposit (不予退还); a second staff member approves
    /// (`deposits.deposit.forfeited`) or rejects it.
    ForfeitureProposed = "deposits.forfeiture.proposed", version 1, aggregate "deposit_forfeiture" by forfeiture_id {
        forfeiture_id: String,
        section_id: String,
        org_id: String,
        /// The ground (rule code).
        ground: String,
        /// The ground's law and article.
        basis: String,
        /// Why, in the words of the record.
        reason: String,
        /// The amount to keep: the cash held up to the required deposit, or the deposit.
        amount: Money,
        /// `cash` or `guarantee`.
        form: String,
    }
}

crate::contract! {
    /// The second staff member rejected a proposed forfeiture (the deposit is refunded as usual).
    ForfeitureRejected = "deposits.forfeiture.rejected", version 1, aggregate "deposit_forfeiture" by forfeiture_id {
        forfeiture_id: String,
        section_id: String,
        org_id: String,
    }
}

crate::contract! {
    /// A bank or insurance guarantee (保函) is recorded as a bidder's deposit for a section.
    GuaranteeRecorded = "deposits.guarantee.recorded", version 1, aggregate "deposit_guarantee" by guarantee_id {
        guarantee_id: String,
        section_id: String,
        org_id: String,
        /// `bank_guarantee`, `guarantee_insurance` or `electronic_guarantee`.
        kind: String,
        /// The issuing bank or insurer.
        issuer: String,
        /// The guarantee's number.
        number: String,
        /// The amount guaranteed.
        amount: Money,
        valid_from: chrono::NaiveDate,
        valid_until: chrono::NaiveDate,
        /// The bid validity period it covers, in days (0: not given).
        bid_validity_days: i64,
    }
}

crate::contract! {
    /// A guarantee is released (returned to the bidder) when the section's refund case is settled.
    GuaranteeReleased = "deposits.guarantee.released", version 2, upcast guarantee_released_v1, aggregate "deposit_guarantee" by guarantee_id {
        guarantee_id: String,
        section_id: String,
        org_id: String,
        kind: String,
        issuer: String,
        number: String,
        /// The amount guaranteed (yuan, two places). Older version-1 events wrote it in fen (分)
        /// as an integer string (`"8000000"` for 80 000.00 CNY); `guarantee_released_v1` converts it.
        amount: Money,
        /// The refund case that released it.
        reason: String,
    }
}

/// Upcaster of `deposits.guarantee.released`. Version 1 had no type for `amount`: until the stored
/// money became a type (ggzy_core::sql, December 2026) the producer wrote the fen (分) as an
/// integer string (`"20000000"`), since then yuan with two places (`"200000.00"`, the way every
/// money member is written, which version 2 makes the contract). A version-1 amount without a
/// decimal point is therefore fen and is converted; one with a point is already yuan.
fn guarantee_released_v1(
    version: u64,
    mut payload: serde_json::Value,
) -> Result<serde_json::Value, u64> {
    match version {
        2 => Ok(payload),
        1 => {
            let amount = payload
                .get("amount")
                .and_then(serde_json::Value::as_str)
                .ok_or(version)?
                .to_string();
            if !amount.contains('.') {
                let fen = amount.parse::<i64>().map_err(|_| version)?;
                payload["amount"] = serde_json::Value::from(Money::from_fen(fen).to_string());
            }
            Ok(payload)
        }
        other => Err(other),
    }
}

crate::contract! {
    /// One day's bank statement was imported and reconciled with the deposit ledger.
    ReconciliationCompleted = "deposits.reconciliation.completed", version 1, aggregate "deposit_reconciliation" by reconciliation_id {
        reconciliation_id: String,
        /// The statement's day.
        date: chrono::NaiveDate,
        /// Lines in the statement.
        lines: u64,
        /// How many differences were found.
        differences: u64,
        /// Σ |statement − ledger| over the differences; zero on a clean day.
        difference_total: Money,
        /// No difference.
        clean: bool,
    }
}

crate::contract! {
    /// The bank confirmed a refund paid (principal and interest left the bank).
    RefundPaid = "deposits.refund.paid", version 1, aggregate "deposit_refund" by refund_id {
        refund_id: String,
        /// None (null) for money that matched no bidder's deposit.
        org_id: Option<String>,
        section_id: Option<String>,
        /// The principal.
        amount: Money,
        interest: Money,
        /// The bank's transaction id of the payment (流水号).
        bank_txn_id: String,
        #[serde(with = "crate::time")]
        paid_at: chrono::DateTime<chrono::Utc>,
        /// Paid after the due date (Beijing date).
        late: bool,
    }
}

crate::contract! {
    /// A refund instruction the bank had not confirmed was sent again.
    RefundRetried = "deposits.refund.retried", version 1, aggregate "deposit_refund" by refund_id {
        refund_id: String,
        /// The attempt this is (2 for the first retry).
        attempt: i64,
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
        DepositConverted::entry(),
        RefundHeld::entry(),
        RefundDueRederived::entry(),
        AccountIssued::entry(),
        ForfeitureProposed::entry(),
        ForfeitureRejected::entry(),
        GuaranteeRecorded::entry(),
        GuaranteeReleased::entry(),
        ReconciliationCompleted::entry(),
        RefundPaid::entry(),
        RefundRetried::entry(),
    ]
}
