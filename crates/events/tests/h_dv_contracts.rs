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
            amount: m("80000.00"),
            reason: "construction_contract_signed".into(),
        },
        json!({"guarantee_id": "g1", "section_id": "s1", "org_id": "o1",
               "kind": "bank_guarantee", "issuer": "某银行", "number": "BG-1",
               "amount": "80000.00", "reason": "construction_contract_signed", "v": 2}),
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

#[test]
fn evaluation_document_contracts_round_trip() {
    use ggzy_events::evaluation::{DocumentIntegrityFailed, DocumentRead};
    for stored in [Some("cd"), None] {
        round_trip_exact(
            DocumentIntegrityFailed {
                section_id: "s1".into(),
                bid_id: "b1".into(),
                org_id: "o1".into(),
                n: 2,
                name: "技术标.pdf".into(),
                sha256: "ab".into(),
                stored_sha256: stored.map(Into::into),
                missing: stored.is_none(),
            },
            json!({"section_id": "s1", "bid_id": "b1", "org_id": "o1", "n": 2,
                   "name": "技术标.pdf", "sha256": "ab", "stored_sha256": stored,
                   "missing": stored.is_none()}),
            "s1",
        );
    }
    for expert in [Some("e1"), None] {
        round_trip_exact(
            DocumentRead {
                section_id: "s1".into(),
                bid_id: "b1".into(),
                org_id: "o1".into(),
                org_name: "甲公司".into(),
                n: 1,
                name: "商务标.pdf".into(),
                size: 1024,
                sha256: "ab".into(),
                reader: "u1".into(),
                role: "expert".into(),
                expert_id: expert.map(Into::into),
                read_at: 1_774_000_000_000_000,
            },
            json!({"section_id": "s1", "bid_id": "b1", "org_id": "o1", "org_name": "甲公司",
                   "n": 1, "name": "商务标.pdf", "size": 1024, "sha256": "ab", "reader": "u1",
                   "role": "expert", "expert_id": expert, "read_at": 1_774_000_000_000_000_i64}),
            "s1",
        );
    }
}

#[test]
fn evaluation_section_contracts_round_trip() {
    use ggzy_events::evaluation::*;
    let method = json!({"method": "comprehensive", "criteria": [{"code": "tech", "points": "60"}],
                        "price_formula": {"kind": "lowest_is_full", "e_above": "2"}});
    round_trip_exact(
        MethodDeclared {
            section_id: "s1".into(),
            method: method.clone(),
        },
        json!({"section_id": "s1", "method": method}),
        "s1",
    );
    let rule = "each tied bid's key is the SHA-256 (hex) of \"<seed>:<org_id>\"; the lower key ranks first";
    round_trip_exact(
        TieDrawn {
            section_id: "s1".into(),
            tie_break: vec!["higher_non_price".into(), "lower_price".into()],
            basis: "a tie the documents' rules leave is broken by lot, recorded with its seed (issue 21)"
                .into(),
            seed: "00ff".into(),
            rule: rule.into(),
            groups: vec![DrawnTieGroup {
                order: vec!["o2".into(), "o1".into()],
                keys: [("o1".to_string(), "9a".to_string()), ("o2".into(), "1b".into())]
                    .into_iter()
                    .collect(),
            }],
        },
        json!({"section_id": "s1", "tie_break": ["higher_non_price", "lower_price"],
               "basis": "a tie the documents' rules leave is broken by lot, recorded with its seed (issue 21)",
               "seed": "00ff", "rule": rule,
               "groups": [{"order": ["o2", "o1"], "keys": {"o1": "9a", "o2": "1b"}}]}),
        "s1",
    );
    round_trip_exact(
        PriceCheckRecorded {
            section_id: "s1".into(),
            org_id: "o1".into(),
            reasonable: false,
            expert_id: "e1".into(),
            basis: "评标委员会和评标方法暂行规定 第二十一条".into(),
        },
        json!({"section_id": "s1", "org_id": "o1", "reasonable": false, "expert_id": "e1",
               "basis": "评标委员会和评标方法暂行规定 第二十一条"}),
        "s1",
    );
    for dissent in [Some("不同意"), None] {
        round_trip_exact(
            ReportMemberSigned {
                section_id: "s1".into(),
                expert_id: "e1".into(),
                dissent: dissent.map(Into::into),
                refused: dissent.is_some(),
            },
            json!({"section_id": "s1", "expert_id": "e1", "dissent": dissent,
                   "refused": dissent.is_some()}),
            "s1",
        );
    }
    round_trip_exact(
        ClarificationRequested {
            clarification_id: "c1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
            reply_by: t(5),
        },
        json!({"clarification_id": "c1", "section_id": "s1", "org_id": "o1",
               "reply_by": t(5).to_rfc3339()}),
        "s1",
    );
    round_trip_exact(
        ClarificationAnswered {
            clarification_id: "c1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
        },
        json!({"clarification_id": "c1", "section_id": "s1", "org_id": "o1"}),
        "s1",
    );
    round_trip_exact(
        ChairElected {
            section_id: "s1".into(),
            expert_id: "e1".into(),
        },
        json!({"section_id": "s1", "expert_id": "e1"}),
        "s1",
    );
    round_trip_exact(
        PriceAbnormallyLow {
            section_id: "s1".into(),
            org_id: "o1".into(),
            price: "600000".into(),
            others_mean: "1000000.00".into(),
            threshold: "800000.00".into(),
            basis: "87号令 第六十条".into(),
        },
        json!({"section_id": "s1", "org_id": "o1", "price": "600000",
               "others_mean": "1000000.00", "threshold": "800000.00", "basis": "87号令 第六十条"}),
        "s1",
    );
    round_trip_exact(
        ReviewSubmitted {
            section_id: "s1".into(),
            expert_id: "e1".into(),
        },
        json!({"section_id": "s1", "expert_id": "e1"}),
        "s1",
    );
    round_trip_exact(
        ScoresSubmitted {
            section_id: "s1".into(),
            expert_id: "e1".into(),
        },
        json!({"section_id": "s1", "expert_id": "e1"}),
        "s1",
    );
}

#[test]
fn monitoring_contracts_round_trip() {
    use ggzy_events::monitoring::*;
    let state = |status: &str, section: Option<&str>| AlertState {
        alert_id: "al1".into(),
        rule_id: "collusion.same_ip".into(),
        severity: "high".into(),
        subject: "section:s1".into(),
        signal_key: "10.0.0.1".into(),
        section_id: section.map(Into::into),
        project_id: None,
        status: status.into(),
        assignee: (status != "open").then(|| "sup1".into()),
        message_zh: "同一IP".into(),
        message_en: "same IP".into(),
        evidence: json!({"ip": "10.0.0.1", "event_ids": ["e1", "e2"]}),
    };
    let wire = |status: &str, section: Option<&str>| {
        json!({"alert_id": "al1", "rule_id": "collusion.same_ip", "severity": "high",
               "subject": "section:s1", "signal_key": "10.0.0.1", "section_id": section,
               "project_id": null, "status": status,
               "assignee": (status != "open").then_some("sup1"),
               "message_zh": "同一IP", "message_en": "same IP",
               "evidence": {"ip": "10.0.0.1", "event_ids": ["e1", "e2"]}})
    };
    for section in [Some("s1"), None] {
        round_trip_exact(
            AlertRaised(state("open", section)),
            wire("open", section),
            "al1",
        );
    }
    let with = |status: &str, note: &str, by: &str| {
        let mut w = wire(status, Some("s1"));
        w["note"] = json!(note);
        w["by"] = json!(by);
        (
            AlertAction {
                alert: state(status, Some("s1")),
                note: note.into(),
                by: by.into(),
            },
            w,
        )
    };
    let (a, w) = with("acknowledged", "", "sup1");
    round_trip_exact(AlertAcknowledged(a), w, "al1");
    let (a, w) = with("resolved", "已核实", "sup1");
    round_trip_exact(AlertResolved(a), w, "al1");
    let (a, w) = with("resolved", "holiday schedule imported", "system");
    round_trip_exact(AlertResolved(a), w, "al1");
    let (a, w) = with("dismissed", "不是问题", "sup1");
    round_trip_exact(AlertDismissed(a), w, "al1");
    let (a, w) = with("acknowledged", "跟进中", "sup1");
    round_trip_exact(AlertNoted(a), w, "al1");
    round_trip_exact(
        RuleUpdated {
            rule_id: "process.single_valid_bid".into(),
            enabled: true,
            severity: "medium".into(),
            params: [("min_bidders".to_string(), 3)].into_iter().collect(),
        },
        json!({"rule_id": "process.single_valid_bid", "enabled": true, "severity": "medium",
               "params": {"min_bidders": 3}}),
        "process.single_valid_bid",
    );
}

#[test]
fn venues_contracts_round_trip() {
    use ggzy_events::venues::*;
    round_trip_exact(
        BookingConflict {
            booking_id: "bk1".into(),
            section_id: "s1".into(),
            room_id: "r1".into(),
            room_name: "开标室一".into(),
            start: t(1),
            end: t(2),
            new_opening_at: t(4),
            rule: "booking.overlap".into(),
            detail: "booking.overlap: cannot follow the new opening time".into(),
        },
        json!({"booking_id": "bk1", "section_id": "s1", "room_id": "r1", "room_name": "开标室一",
               "start": t(1).to_rfc3339(), "end": t(2).to_rfc3339(),
               "new_opening_at": t(4).to_rfc3339(), "rule": "booking.overlap",
               "detail": "booking.overlap: cannot follow the new opening time"}),
        "bk1",
    );
    round_trip_exact(
        ExpertAccountLinked {
            expert_id: "x1".into(),
            username: "expert1".into(),
        },
        json!({"expert_id": "x1", "username": "expert1"}),
        "x1",
    );
    round_trip_exact(
        RoomBlocked {
            room_id: "r1".into(),
            block_id: "bl1".into(),
            start: t(1),
            end: t(3),
            reason: "检修".into(),
        },
        json!({"room_id": "r1", "block_id": "bl1", "start": t(1).to_rfc3339(),
               "end": t(3).to_rfc3339(), "reason": "检修"}),
        "r1",
    );
    round_trip_exact(
        RoomUpdated {
            room_id: "r1".into(),
            name: "评标室二".into(),
            changed: ChangedRoomFields {
                name: Some("评标室二".into()),
                capacity: Some(12),
                equipment: Some(vec!["camera".into()]),
                isolated: Some(true),
                opens: Some("08:30".into()),
                closes: Some("18:00".into()),
                ..Default::default()
            },
        },
        json!({"room_id": "r1", "name": "评标室二",
               "changed": {"name": "评标室二", "capacity": 12, "equipment": ["camera"],
                           "isolated": true, "opens": "08:30", "closes": "18:00"}}),
        "r1",
    );
    round_trip_exact(
        RoomUpdated {
            room_id: "r1".into(),
            name: "评标室二".into(),
            changed: ChangedRoomFields {
                kind: Some("evaluation_room".into()),
                floor: Some(3),
                ..Default::default()
            },
        },
        json!({"room_id": "r1", "name": "评标室二",
               "changed": {"kind": "evaluation_room", "floor": 3}}),
        "r1",
    );
    round_trip_exact(
        RosterAdded {
            booking_id: "bk1".into(),
            person_id: "p1".into(),
            role: "bidder_rep".into(),
            name: "张三".into(),
            resident_id: "1101**********1234".into(),
        },
        json!({"booking_id": "bk1", "person_id": "p1", "role": "bidder_rep", "name": "张三",
               "resident_id": "1101**********1234"}),
        "bk1",
    );
    round_trip_exact(
        SessionExpertAdded {
            session_id: "se1".into(),
            expert_id: "x1".into(),
            on_door_roster: true,
        },
        json!({"session_id": "se1", "expert_id": "x1", "on_door_roster": true}),
        "se1",
    );
    round_trip_exact(
        DoorAllowed(DoorPassage {
            room_id: "r1".into(),
            direction: "in".into(),
            resident_id: "1101**********1234".into(),
            booking_id: Some("bk1".into()),
            role: Some("expert".into()),
            phone_deposited: true,
            reason: None,
        }),
        json!({"room_id": "r1", "direction": "in", "resident_id": "1101**********1234",
               "booking_id": "bk1", "role": "expert", "phone_deposited": true, "reason": null}),
        "r1",
    );
    round_trip_exact(
        DoorRefused(DoorPassage {
            room_id: "r1".into(),
            direction: "in".into(),
            resident_id: "1101**********1234".into(),
            booking_id: None,
            role: None,
            phone_deposited: false,
            reason: Some("door.not_on_roster".into()),
        }),
        json!({"room_id": "r1", "direction": "in", "resident_id": "1101**********1234",
               "booking_id": null, "role": null, "phone_deposited": false,
               "reason": "door.not_on_roster"}),
        "r1",
    );
}

#[test]
fn remedies_contracts_round_trip() {
    use ggzy_events::remedies::*;
    round_trip_exact(
        AttachmentUploaded {
            attachment_id: "at1".into(),
            section_id: "s1".into(),
            content_type: "application/pdf".into(),
            size: 2048,
            sha256: "ab".into(),
        },
        json!({"attachment_id": "at1", "section_id": "s1", "content_type": "application/pdf",
               "size": 2048, "sha256": "ab"}),
        "at1",
    );
    round_trip_exact(
        CaseClosed {
            case_id: "c1".into(),
            section_id: "s1".into(),
        },
        json!({"case_id": "c1", "section_id": "s1"}),
        "c1",
    );
    round_trip_exact(
        CaseEscalated {
            case_id: "c1".into(),
            section_id: "s1".into(),
            complaint_id: "c2".into(),
        },
        json!({"case_id": "c1", "section_id": "s1", "complaint_id": "c2"}),
        "c1",
    );
    for (decide, until) in [(Some(t(5)), Some(t(6))), (None, None)] {
        round_trip_exact(
            CaseAccepted {
                case_id: "c2".into(),
                section_id: "s1".into(),
                market: "construction".into(),
                decide_due: decide,
                suspend: until.is_some(),
                suspend_until: until,
                late: false,
            },
            json!({"case_id": "c2", "section_id": "s1", "market": "construction",
                   "decide_due": decide.map(|d| d.to_rfc3339()), "suspend": until.is_some(),
                   "suspend_until": until.map(|d| d.to_rfc3339()), "late": false}),
            "c2",
        );
    }
    round_trip_exact(
        CaseRefused {
            case_id: "c2".into(),
            section_id: "s1".into(),
            reason: "超过投诉期限".into(),
        },
        json!({"case_id": "c2", "section_id": "s1", "reason": "超过投诉期限"}),
        "c2",
    );
    round_trip_exact(
        RulesOverrideSet {
            region: "330000".into(),
            market: "construction".into(),
            kind: "objection".into(),
            target: "result".into(),
            field: "answer_days".into(),
            value: 2,
            national_value: 3,
            national_source: "实施条例 第五十四条".into(),
            citation: "浙江省招标投标条例 第X条".into(),
        },
        json!({"region": "330000", "market": "construction", "kind": "objection",
               "target": "result", "field": "answer_days", "value": 2, "national_value": 3,
               "national_source": "实施条例 第五十四条", "citation": "浙江省招标投标条例 第X条"}),
        "330000:construction:objection:result:answer_days",
    );
    round_trip_exact(
        RulesOverrideRemoved {
            region: "330000".into(),
            market: "construction".into(),
            kind: "objection".into(),
            target: "result".into(),
            field: "answer_days".into(),
            national_value: 3,
            reason: "条例修订".into(),
        },
        json!({"region": "330000", "market": "construction", "kind": "objection",
               "target": "result", "field": "answer_days", "national_value": 3,
               "reason": "条例修订"}),
        "330000:construction:objection:result:answer_days",
    );
}

/// Version 2 of `deposits.guarantee.released` carries yuan; a version-1 event already in the log
/// (fen as an integer string, no `"v"`) is upcast on decode, one fen exactly (and one already in
/// yuan is kept); a version this build
/// does not know is refused, never guessed.
#[test]
fn a_version_1_guarantee_release_in_fen_is_upcast_to_yuan() {
    use ggzy_events::deposits::GuaranteeReleased;
    use ggzy_events::{Contract, DecodeError};
    let v1 = json!({"guarantee_id": "g1", "section_id": "s1", "org_id": "o1",
                    "kind": "bank_guarantee", "issuer": "某银行", "number": "BG-1",
                    "amount": "8000001", "reason": "construction_contract_signed"});
    let got = GuaranteeReleased::decode_payload(7, &v1).unwrap();
    assert_eq!(got.amount, m("80000.01"));
    // A version-1 event written after the money column became typed already carries yuan.
    let mut v1_yuan = v1.clone();
    v1_yuan["amount"] = json!("80000.01");
    assert_eq!(
        GuaranteeReleased::decode_payload(7, &v1_yuan)
            .unwrap()
            .amount,
        m("80000.01")
    );
    assert_eq!(GuaranteeReleased::VERSION, 2);
    let mut v3 = v1.clone();
    v3["v"] = json!(3);
    assert!(matches!(
        GuaranteeReleased::decode_payload(7, &v3),
        Err(DecodeError::UnknownVersion { version: 3, .. })
    ));
}
