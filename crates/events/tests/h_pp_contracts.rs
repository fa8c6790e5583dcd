//! Round trips of the contracts of a property deal's payment of the price (issue 21, 32号令 第二十八条):
//! each wire is what crates/auctions/src/property_payment writes; it decodes to the struct and the
//! struct encodes to exactly that payload under the same name, aggregate type and id.
#![allow(clippy::unwrap_used)] // a test target: a failed unwrap is a failed test

use chrono::NaiveDate;
use serde_json::json;

mod common;
use common::{m, round_trip_exact as round_trip};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn a_property_payment_schedule_round_trips_lump_sum_and_instalments() {
    use ggzy_events::auctions::PropertyPaymentScheduled;
    round_trip(
        PropertyPaymentScheduled {
            deal_id: "d1".into(),
            auction_id: "a1".into(),
            section_id: "s1".into(),
            buyer_org_id: "o1".into(),
            price: m("1000000.00"),
            payment: "instalments".into(),
            first_due_date: day("2026-04-08"),
            first_required: m("300000.00"),
            balance_due_date: Some(day("2027-04-01")),
            interest_rate: Some("3.00".into()),
            source: "32号令 第二十八条".into(),
        },
        json!({"deal_id": "d1", "auction_id": "a1", "section_id": "s1", "buyer_org_id": "o1",
               "price": "1000000.00", "payment": "instalments", "first_due_date": "2026-04-08",
               "first_required": "300000.00", "balance_due_date": "2027-04-01",
               "interest_rate": "3.00", "source": "32号令 第二十八条"}),
        "a1",
    );
    round_trip(
        PropertyPaymentScheduled {
            deal_id: "d1".into(),
            auction_id: "a1".into(),
            section_id: "s1".into(),
            buyer_org_id: "o1".into(),
            price: m("1000000.00"),
            payment: "lump_sum".into(),
            first_due_date: day("2026-04-08"),
            first_required: m("1000000.00"),
            balance_due_date: None,
            interest_rate: None,
            source: "32号令 第二十八条".into(),
        },
        json!({"deal_id": "d1", "auction_id": "a1", "section_id": "s1", "buyer_org_id": "o1",
               "price": "1000000.00", "payment": "lump_sum", "first_due_date": "2026-04-08",
               "first_required": "1000000.00", "balance_due_date": null,
               "interest_rate": null, "source": "32号令 第二十八条"}),
        "a1",
    );
}

#[test]
fn a_property_payment_and_its_overdue_step_round_trip() {
    use ggzy_events::auctions::{PropertyPaymentOverdue, PropertyPaymentRecorded};
    round_trip(
        PropertyPaymentRecorded {
            deal_id: "d1".into(),
            auction_id: "a1".into(),
            payment_id: "p1".into(),
            amount: m("200000.00"),
            paid_on: day("2026-04-08"),
            paid_total: m("300000.00"),
        },
        json!({"deal_id": "d1", "auction_id": "a1", "payment_id": "p1", "amount": "200000.00",
               "paid_on": "2026-04-08", "paid_total": "300000.00"}),
        "a1",
    );
    round_trip(
        PropertyPaymentOverdue {
            deal_id: "d1".into(),
            auction_id: "a1".into(),
            section_id: "s1".into(),
            buyer_org_id: "o1".into(),
            step: "balance".into(),
            due_date: day("2027-04-01"),
            required: m("1000000.00"),
            owed: m("0.01"),
            source: "32号令 第二十八条".into(),
        },
        json!({"deal_id": "d1", "auction_id": "a1", "section_id": "s1", "buyer_org_id": "o1",
               "step": "balance", "due_date": "2027-04-01", "required": "1000000.00",
               "owed": "0.01", "source": "32号令 第二十八条"}),
        "a1",
    );
}
