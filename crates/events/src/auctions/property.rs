//! Contracts of a property deal's payment of the price (交易价款, 《企业国有资产交易监督管理办法》
//! 国资委 财政部令第32号 第二十八条 — article to verify): the schedule opened with the deal's terms,
//! each payment staff record, and a step found unmet at the end of its due day.

use crate::contract;
use chrono::NaiveDate;
use ggzy_core::Money;

contract! {
    /// A property deal's payment schedule opens with its recorded terms: one sum within 5 working
    /// days of the contract taking effect, or ≥ 30 % first in that time and the balance by its
    /// date, with interest at the one-year LPR for the deferred period (32号令 第二十八条).
    PropertyPaymentScheduled = "auctions.property_payment.scheduled", version 1, aggregate "auction" by auction_id {
        deal_id: String,
        auction_id: String,
        section_id: String,
        /// The buyer (受让方) that pays.
        buyer_org_id: String,
        price: Money,
        /// `lump_sum` (一次付清) or `instalments` (分期付款).
        payment: String,
        /// Last day of the whole price (lump sum) or of the first payment (Beijing date).
        first_due_date: NaiveDate,
        /// What the first step must reach: the price, or the first payment.
        first_required: Money,
        /// Instalments: the balance's last day, moved off a day off (民法典 第二百零三条).
        balance_due_date: Option<NaiveDate>,
        /// Instalments: the annual rate of the deferred-payment interest, percent (`"3.00"`).
        interest_rate: Option<String>,
        /// The rule's source.
        source: String,
    }
}

contract! {
    /// A payment of a property deal's price is recorded by staff.
    PropertyPaymentRecorded = "auctions.property_payment.recorded", version 1, aggregate "auction" by auction_id {
        deal_id: String,
        auction_id: String,
        payment_id: String,
        amount: Money,
        /// The payment's value date.
        paid_on: NaiveDate,
        /// What is paid in all with this payment, the converted deposit included.
        paid_total: Money,
    }
}

contract! {
    /// A step of a property deal's payment was not met by the end of its due day (24:00 Beijing):
    /// the whole price (`price`), the first payment (`first_payment`) or the balance (`balance`).
    /// Raised once per step.
    PropertyPaymentOverdue = "auctions.property_payment.overdue", version 1, aggregate "auction" by auction_id {
        deal_id: String,
        auction_id: String,
        section_id: String,
        /// The buyer (受让方) that owes the step.
        buyer_org_id: String,
        /// `price`, `first_payment` or `balance`.
        step: String,
        /// The step's last day (Beijing date).
        due_date: NaiveDate,
        /// What had to be paid in all by then.
        required: Money,
        /// What is still owed of the step (required minus what was paid by the due day).
        owed: Money,
        /// The rule's source.
        source: String,
    }
}

/// This file's contracts, for the catalogue.
pub(super) fn entries() -> Vec<crate::Entry> {
    vec![
        PropertyPaymentScheduled::entry(),
        PropertyPaymentRecorded::entry(),
        PropertyPaymentOverdue::entry(),
    ]
}
