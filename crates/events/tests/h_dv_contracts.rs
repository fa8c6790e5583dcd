//! Round trips of the contracts added for the events the deposits, evaluation, monitoring, venues
//! and remedies areas still wrote as raw JSON (issue 17): each producer's payload, as its `json!`
//! wrote it before the contract, decodes to the type, and the type encodes to exactly that JSON
//! (`round_trip_exact`: the wire did not change) and decodes back to itself.
#![allow(clippy::unwrap_used)] // a test target: a failed unwrap is a failed test

use chrono::NaiveDate;
use ggzy_events::deposits::*;
use serde_json::json;

mod common;
use common::{m, round_trip_exact, t};

fn d(y: i32, mo: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, mo, day).unwrap()
}

#[test]
fn deposits_account_contracts_round_trip() {
    round_trip_exact(
        DepositConverted {
            conversion_id: "c1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
            deal_id: "d1".into(),
            amount: m("200000.00"),
            price: m("1500000.00"),
            remaining_price: m("1300000.00"),
            basis: "39号令 第二十一条".into(),
        },
        json!({"conversion_id": "c1", "section_id": "s1", "org_id": "o1", "deal_id": "d1",
               "amount": "200000.00", "price": "1500000.00", "remaining_price": "1300000.00",
               "basis": "39号令 第二十一条"}),
        "o1/s1",
    );
    for round in [Some(2), None] {
        round_trip_exact(
            RefundHeld {
                section_id: "s1".into(),
                org_id: "o1".into(),
                reason: "relisted".into(),
                auction_id: "a1".into(),
                round,
            },
            json!({"section_id": "s1", "org_id": "o1", "reason": "relisted", "auction_id": "a1",
                   "round": round}),
            "o1/s1",
        );
    }
    round_trip_exact(
        RefundDueRederived {
            section_id: "s1".into(),
            org_id: "o1".into(),
            refund_case: "procurement_loser".into(),
            event_date: d(2027, 1, 4),
            previous_due_date: d(2027, 1, 11),
            due_date: d(2027, 1, 13),
            provisional: false,
            basis: "政府采购法实施条例 第三十三条".into(),
        },
        json!({"section_id": "s1", "org_id": "o1", "refund_case": "procurement_loser",
               "event_date": "2027-01-04", "previous_due_date": "2027-01-11",
               "due_date": "2027-01-13", "provisional": false,
               "basis": "政府采购法实施条例 第三十三条"}),
        "o1/s1",
    );
}

#[test]
fn deposits_contracts_round_trip() {
    round_trip_exact(
        AccountIssued {
            id: "acc1".into(),
            account_no: "3301000000000001".into(),
            org_id: "o1".into(),
            section_id: "s1".into(),
            deposit: m("80000.00"),
        },
        json!({"id": "acc1", "account_no": "3301000000000001", "org_id": "o1",
               "section_id": "s1", "deposit": "80000.00"}),
        "acc1",
    );
    round_trip_exact(
        ForfeitureProposed {
            forfeiture_id: "f1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
            ground: "withdrawn_after_deadline".into(),
            basis: "实施条例 第三十五条".into(),
            reason: "撤销投标文件".into(),
            amount: m("80000.00"),
            form: "cash".into(),
        },
        json!({"forfeiture_id": "f1", "section_id": "s1", "org_id": "o1",
               "ground": "withdrawn_after_deadline", "basis": "实施条例 第三十五条",
               "reason": "撤销投标文件", "amount": "80000.00", "form": "cash"}),
        "f1",
    );
    round_trip_exact(
        ForfeitureRejected {
            forfeiture_id: "f1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
        },
        json!({"forfeiture_id": "f1", "section_id": "s1", "org_id": "o1"}),
        "f1",
    );
    round_trip_exact(
        GuaranteeRecorded {
            guarantee_id: "g1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
            kind: "bank_guarantee".into(),
            issuer: "某银行".into(),
            number: "BG-1".into(),
            amount: m("80000.00"),
            valid_from: d(2026, 3, 1),
            valid_until: d(2026, 9, 1),
            bid_validity_days: 90,
        },
        json!({"guarantee_id": "g1", "section_id": "s1", "org_id": "o1",
               "kind": "bank_guarantee", "issuer": "某银行", "number": "BG-1",
               "amount": "80000.00", "valid_from": "2026-03-01", "valid_until": "2026-09-01",
               "bid_validity_days": 90}),
        "g1",
    );
    round_trip_exact(
        GuaranteeReleased {
            guarantee_id: "g1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
            kind: "bank_guarantee".into(),
            issuer: "某银行".into(),
            number: "BG-1".into(),
            amount: "8000000".into(),
            reason: "construction_contract_signed".into(),
        },
        json!({"guarantee_id": "g1", "section_id": "s1", "org_id": "o1",
               "kind": "bank_guarantee", "issuer": "某银行", "number": "BG-1",
               "amount": "8000000", "reason": "construction_contract_signed"}),
        "g1",
    );
    round_trip_exact(
        ReconciliationCompleted {
            reconciliation_id: "r1".into(),
            date: d(2026, 3, 10),
            lines: 12,
            differences: 1,
            difference_total: m("0.50"),
            clean: false,
        },
        json!({"reconciliation_id": "r1", "date": "2026-03-10", "lines": 12, "differences": 1,
               "difference_total": "0.50", "clean": false}),
        "r1",
    );
    for (org, section) in [(Some("o1"), Some("s1")), (None, None)] {
        round_trip_exact(
            RefundPaid {
                refund_id: "rf1".into(),
                org_id: org.map(Into::into),
                section_id: section.map(Into::into),
                amount: m("80000.00"),
                interest: m("12.34"),
                bank_txn_id: "TXN1".into(),
                paid_at: t(3),
                late: true,
            },
            json!({"refund_id": "rf1", "org_id": org, "section_id": section,
                   "amount": "80000.00", "interest": "12.34", "bank_txn_id": "TXN1",
                   "paid_at": t(3).to_rfc3339(), "late": true}),
            "rf1",
        );
    }
    round_trip_exact(
        RefundRetried {
            refund_id: "rf1".into(),
            attempt: 2,
        },
        json!({"refund_id": "rf1", "attempt": 2}),
        "rf1",
    );
}
