//! Contracts of the land market's own steps (国土资源部令第39号, 国土资发〔2010〕34号): eligibility,
//! the request to continue, the approval of a lower re-listing price and the land contract.

use crate::contract;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::Money;

contract! {
    /// Staff confirmed a numbered bidder's eligibility (竞买资格确认) on a land listing with
    /// eligibility review.
    EligibilityConfirmed = "auctions.eligibility.confirmed", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        section_id: String,
        org_id: String,
        /// Bidder number (竞买号).
        number: String,
        /// The staff user who confirmed.
        confirmed_by: String,
        #[serde(with = "crate::time")]
        confirmed_at: DateTime<Utc>,
    }
}

contract! {
    /// A bidder that quoted in the listing asked to continue to the live auction at its end
    /// (要求继续竞价, 39号令 第二十条).
    ContinueRequested = "auctions.continue.requested", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        section_id: String,
        /// Bidder number (竞买号).
        number: String,
        round: i64,
        #[serde(with = "crate::time")]
        requested_at: DateTime<Utc>,
    }
}

contract! {
    /// The government's approval of a land re-listing's lower starting price is recorded
    /// (39号令 第十条): the document and who approved it.
    LandFloorApprovalRecorded = "auctions.land_floor_approval.recorded", version 1, aggregate "auction" by auction_id {
        auction_id: String,
        section_id: String,
        relist_id: String,
        /// The approval document (批复文号 / title).
        document: String,
        /// The approving government body or official.
        approved_by: String,
        /// The re-listing's starting price.
        starting_price: Money,
        /// The starting price of the failed round.
        previous_starting_price: Money,
        /// The staff user who recorded it.
        recorded_by: String,
        #[serde(with = "crate::time")]
        recorded_at: DateTime<Utc>,
    }
}

contract! {
    /// A land deal's contract step opens (国有建设用地使用权出让合同, 国土资发〔2010〕34号): the
    /// contract is due within 10 working days of the deal.
    LandContractOpened = "auctions.land_contract.opened", version 1, aggregate "auction" by auction_id {
        deal_id: String,
        auction_id: String,
        section_id: String,
        /// The winner (竞得人).
        winner_org_id: String,
        price: Money,
        /// The signing's last day (Beijing date).
        sign_due_date: NaiveDate,
        /// The rule's source.
        source: String,
    }
}

contract! {
    /// The land contract is signed; the payment steps are due (≥ 50 % within one month, the whole
    /// price within one year).
    LandContractSigned = "auctions.land_contract.signed", version 1, aggregate "auction" by auction_id {
        deal_id: String,
        auction_id: String,
        section_id: String,
        /// The contract number (合同编号).
        contract_no: String,
        signed_on: NaiveDate,
        /// Signed after its due day.
        late: bool,
        /// Last day of the first payment (Beijing date).
        first_due_date: NaiveDate,
        /// Last day of the whole price (Beijing date).
        final_due_date: NaiveDate,
        /// What the first payment must reach (50 % of the price).
        first_minimum: Money,
    }
}

contract! {
    /// A payment of a land contract's price is recorded.
    LandContractPaymentRecorded = "auctions.land_contract.payment_recorded", version 1, aggregate "auction" by auction_id {
        deal_id: String,
        auction_id: String,
        payment_id: String,
        amount: Money,
        /// The payment's value date.
        paid_on: NaiveDate,
        /// What is paid in all with this payment.
        paid_total: Money,
    }
}

/// This file's contracts, for the catalogue.
pub(super) fn entries() -> Vec<crate::Entry> {
    vec![
        EligibilityConfirmed::entry(),
        ContinueRequested::entry(),
        LandFloorApprovalRecorded::entry(),
        LandContractOpened::entry(),
        LandContractSigned::entry(),
        LandContractPaymentRecorded::entry(),
    ]
}
