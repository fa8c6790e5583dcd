//! Round trips of the contracts that evaluation, venues and experts consume: each decodes the
//! payload its producer writes today (hand-built JSON) and survives encode → decode.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed run.

use ggzy_events::experts::{DrawCompleted, DrawnExpert, ExpertUpdated, MemberReplaced};
use ggzy_events::projects::{BidSubmitted, OpeningRecorded, SectionBiddingOpened};
use ggzy_events::publishing::{AnnouncementPublished, Postponement};
use ggzy_events::venues::{RoomNetworksChanged, SessionCancelled, SessionMoved, SessionScheduled};
use ggzy_events::Contract;
use serde_json::json;

mod common;
use common::{round_trip, t};

fn expert(id: &str, user: Option<&str>, specialty: Option<&str>) -> DrawnExpert {
    DrawnExpert {
        expert_id: id.into(),
        name: format!("专家{id}"),
        user_id: user.map(str::to_string),
        specialty: specialty.map(str::to_string),
    }
}

#[test]
fn section_bidding_opened_round_trips() {
    round_trip(
        SectionBiddingOpened {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            bid_deadline: t(1),
            state: Some("bidding".into()),
            announcement_id: None,
        },
        json!({"section_id": "s1", "project_id": "p1", "bid_deadline": t(1).to_rfc3339(),
               "state": "bidding"}),
        "s1",
    );
}

#[test]
fn bid_submitted_round_trips() {
    round_trip(
        BidSubmitted {
            bid_id: "b1".into(),
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            org_id: Some("o1".into()),
            version: Some(2),
            ciphertext_sha256: Some("ab".into()),
            device_fingerprint: None,
            file_creator: None,
            ip: None,
            project_manager_id: None,
            representative_id: None,
            replaces: None,
            size: Some(10),
        },
        json!({"bid_id": "b1", "section_id": "s1", "project_id": "p1", "org_id": "o1",
               "version": 2, "replaces": null, "ciphertext_sha256": "ab", "size": 10}),
        "s1",
    );
}

#[test]
fn opening_recorded_round_trips() {
    use ggzy_core::Money;
    use ggzy_events::projects::OpeningEntry;
    let objection = json!({"case_id": "c1", "raised_at": "2026-03-20T01:40:00Z", "grounds": "g",
                           "answer": null, "answered_at": null, "answered_late": false,
                           "source": "招标投标法实施条例 第四十四条"});
    let fault = json!({"bid_id": "b2", "section_id": "s1", "org_id": "o2", "fault": "ca",
                       "reason": "CA down", "declared_by": "u1",
                       "declared_at": "2026-03-20T01:50:00Z", "basis": "电子招标投标办法 第三十一条"});
    round_trip(
        OpeningRecorded {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            market: Some("construction".into()),
            entries: vec![
                OpeningEntry {
                    bid_id: "b1".into(),
                    org_id: "o1".into(),
                    org_name: "甲".into(),
                    uscc: "91210200MA0000001X".into(),
                    price: Some(Money::from_fen(10_000)),
                    decryption: "decrypted".into(),
                    deposit: "valid".into(),
                    suite: Some("aes-256-gcm+sha-256".into()),
                    fault: None,
                },
                OpeningEntry {
                    bid_id: "b2".into(),
                    org_id: "o2".into(),
                    org_name: "乙".into(),
                    uscc: "91210200MA0000002X".into(),
                    price: None,
                    decryption: "withdrawn_platform_fault".into(),
                    deposit: "unknown".into(),
                    suite: None,
                    fault: Some(fault.clone()),
                },
            ],
            decrypted_bids: Some(1),
            opened_at: Some(t(1)),
            decryption_deadline: Some(t(2)),
            recorded_at: Some(t(2)),
            min_bids: Some(3),
            below_min_bids: Some(true),
            below_min_bids_basis: Some("实施条例 第四十四条".into()),
            objections: vec![objection.clone()],
        },
        // What projects wrote before the contract: the record (opening/record.rs), its instants
        // in RFC 3339, an entry's `fault` only when declared.
        json!({"section_id": "s1", "project_id": "p1", "market": "construction",
               "opened_at": t(1).to_rfc3339(), "decryption_deadline": t(2).to_rfc3339(),
               "recorded_at": t(2).to_rfc3339(),
               "entries": [
                   {"bid_id": "b1", "org_id": "o1", "org_name": "甲", "uscc": "91210200MA0000001X",
                    "price": "100.00", "decryption": "decrypted", "deposit": "valid",
                    "suite": "aes-256-gcm+sha-256"},
                   {"bid_id": "b2", "org_id": "o2", "org_name": "乙", "uscc": "91210200MA0000002X",
                    "price": null, "decryption": "withdrawn_platform_fault", "deposit": "unknown",
                    "suite": null, "fault": fault}],
               "decrypted_bids": 1, "min_bids": 3, "below_min_bids": true,
               "below_min_bids_basis": "实施条例 第四十四条", "objections": [objection]}),
        "s1",
    );
    // An entry without its bid or organization does not decode (parked), never a blank.
    let wire = json!({"section_id": "s1", "entries": [{"bid_id": "b1", "org_name": "甲"}]});
    assert!(OpeningRecorded::decode_payload(7, &wire).is_err());
}

#[test]
fn draw_completed_round_trips() {
    round_trip(
        DrawCompleted {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: Some("v1".into()),
            attempt: Some(1),
            members: Some(2),
            backups: Some(1),
            eligible: None,
            excluded: None,
            exclusion_counts: None,
            result_digest: Some("ff".into()),
            experts: vec![
                expert("x1", Some("u1"), Some("A01")),
                expert("x2", None, None),
            ],
            confirm_by: Some(t(2)),
            session_start: None,
            session_end: None,
        },
        json!({"draw_id": "d1", "section_id": "s1", "session_id": "v1", "attempt": 1,
               "members": 2, "backups": 1, "result_digest": "ff",
               "experts": [{"expert_id": "x1", "name": "专家x1", "user_id": "u1", "specialty": "A01"},
                           {"expert_id": "x2", "name": "专家x2", "user_id": null}],
               "confirm_by": t(2).to_rfc3339()}),
        "d1",
    );
}

#[test]
fn member_replaced_round_trips() {
    let replacement = expert("x3", Some("u3"), Some("A01"));
    round_trip(
        MemberReplaced {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: Some("v1".into()),
            expert_id: Some("x1".into()),
            name: Some("专家x1".into()),
            user_id: Some("u1".into()),
            reason: Some("declined".into()),
            specialty: Some("A01".into()),
            confirm_by: Some(t(2)),
            replaced: expert("x1", Some("u1"), None),
            replacement: replacement.clone(),
            experts: vec![replacement],
        },
        json!({"draw_id": "d1", "section_id": "s1", "session_id": "v1", "expert_id": "x1",
               "name": "专家x1", "user_id": "u1", "reason": "declined", "specialty": "A01",
               "confirm_by": t(2).to_rfc3339(),
               "replaced": {"expert_id": "x1", "name": "专家x1", "user_id": "u1"},
               "replacement": {"expert_id": "x3", "name": "专家x3", "user_id": "u3", "specialty": "A01"},
               "experts": [{"expert_id": "x3", "name": "专家x3", "user_id": "u3", "specialty": "A01"}]}),
        "d1",
    );
}

#[test]
fn expert_updated_round_trips() {
    round_trip(
        ExpertUpdated {
            expert_id: "x1".into(),
            user_id: Some("u1".into()),
            username: Some("zhang".into()),
            change: Some("account_linked".into()),
        },
        json!({"expert_id": "x1", "user_id": "u1", "username": "zhang", "change": "account_linked"}),
        "x1",
    );
}

#[test]
fn session_scheduled_round_trips() {
    round_trip(
        SessionScheduled {
            session_id: "v1".into(),
            section_id: "s1".into(),
            kind: "evaluation".into(),
            room_id: Some("r1".into()),
            room_name: Some("评标室1".into()),
            room_networks: Some(vec!["10.0.0.0/8".into()]),
            start: t(1),
            end: t(9),
            suggested: Some(false),
            draw_id: None,
            draw: Some(json!({"committee_size": 5})),
        },
        json!({"session_id": "v1", "section_id": "s1", "kind": "evaluation", "room_id": "r1",
               "room_name": "评标室1", "room_networks": ["10.0.0.0/8"],
               "start": t(1).to_rfc3339(), "end": t(9).to_rfc3339(), "suggested": false,
               "draw": {"committee_size": 5}}),
        "v1",
    );
}

#[test]
fn session_moved_round_trips() {
    round_trip(
        SessionMoved {
            session_id: "v1".into(),
            section_id: Some("s1".into()),
            draw_id: Some("d1".into()),
            start: t(2),
            end: t(10),
            room_id: Some("r2".into()),
            room_name: Some("评标室2".into()),
            room_networks: Some(vec![]),
        },
        json!({"session_id": "v1", "section_id": "s1", "draw_id": "d1",
               "start": t(2).to_rfc3339(), "end": t(10).to_rfc3339(),
               "room_id": "r2", "room_name": "评标室2", "room_networks": []}),
        "v1",
    );
}

#[test]
fn session_cancelled_round_trips() {
    round_trip(
        SessionCancelled {
            session_id: "v1".into(),
            section_id: Some("s1".into()),
            draw_id: None,
        },
        json!({"session_id": "v1", "section_id": "s1", "draw_id": null}),
        "v1",
    );
}

#[test]
fn room_networks_changed_round_trips() {
    round_trip(
        RoomNetworksChanged {
            room_id: "r1".into(),
            networks: vec!["127.0.0.0/8".into()],
        },
        json!({"room_id": "r1", "networks": ["127.0.0.0/8"]}),
        "r1",
    );
}

#[test]
fn announcement_published_round_trips() {
    round_trip(
        AnnouncementPublished {
            announcement_id: "a1".into(),
            kind: "change".into(),
            market: Some("construction".into()),
            project_id: Some("p1".into()),
            section_ids: vec!["s1".into()],
            published_at: Some(t(3)),
            postpone: vec![Postponement {
                section_id: "s1".into(),
                old_deadline: Some(t(1)),
                new_deadline: t(5),
                old_opening_at: Some(t(1)),
                new_opening_at: Some(t(5)),
            }],
            prequalification_postpone: vec![],
            id: Some("a1".into()),
            region: None,
            title: Some("变更公告".into()),
            status: Some("published".into()),
            version: None,
            original_id: None,
            publish_at: None,
            withdraw_reason: None,
        },
        json!({"id": "a1", "announcement_id": "a1", "market": "construction", "type": "change",
               "project_id": "p1", "section_ids": ["s1"], "title": "变更公告", "status": "published",
               "published_at": "2026-03-20T03:30:00Z",
               "postpone": [{"section_id": "s1", "old_deadline": t(1).to_rfc3339(),
                             "new_deadline": t(5).to_rfc3339(), "old_opening_at": t(1).to_rfc3339(),
                             "new_opening_at": t(5).to_rfc3339()}]}),
        "a1",
    );
}

// --- split17p: the deposits contracts the projects area's opening record consumes.

#[test]
fn deposit_status_fixed_round_trips() {
    use ggzy_core::Money;
    use ggzy_events::deposits::DepositStatusFixed;
    round_trip(
        DepositStatusFixed {
            section_id: "s1".into(),
            org_id: "o1".into(),
            status: "invalid".into(),
            reason: Some("deposit.wrong_account".into()),
            form: Some("cash".into()),
            counted: Some(Money::from_fen(0)),
        },
        json!({"section_id": "s1", "org_id": "o1", "status": "invalid",
               "reason": "deposit.wrong_account", "form": "cash", "counted": "0.00"}),
        "o1/s1",
    );
}

#[test]
fn deposit_valid_round_trips_and_needs_its_ids() {
    use ggzy_core::Money;
    use ggzy_events::deposits::DepositValid;
    round_trip(
        DepositValid {
            org_id: "o1".into(),
            section_id: "s1".into(),
            deposit: Some(Money::from_fen(2_000_000)),
            excess: Some(Money::from_fen(150)),
        },
        json!({"org_id": "o1", "section_id": "s1", "deposit": "20000.00", "excess": "1.50"}),
        "o1/s1",
    );
    // No org_id: undecodable (the consumer fails and the event is parked), never a default.
    assert!(DepositValid::decode_payload(7, &json!({"section_id": "s1"})).is_err());
}

// --- split17e: the experts area's own commitment and reveal events, read back by the public
// verification of a draw (crates/experts `contrib::verify_report`) and built through the contracts.

#[test]
fn draw_committed_round_trips() {
    use ggzy_events::experts::DrawCommitted;
    round_trip(
        DrawCommitted {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: None,
            centre_commitment: "ab".repeat(32),
            scheme: Some("contributed-v1".into()),
        },
        json!({"draw_id": "d1", "section_id": "s1", "session_id": null,
               "centre_commitment": "ab".repeat(32), "scheme": "contributed-v1"}),
        "d1",
    );
}

#[test]
fn supervisor_committed_round_trips() {
    use ggzy_events::experts::SupervisorCommitted;
    round_trip(
        SupervisorCommitted {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            supervisor_id: Some("u9".into()),
            supervisor_commitment: "cd".repeat(32),
        },
        json!({"draw_id": "d1", "section_id": "s1", "supervisor_id": "u9",
               "supervisor_commitment": "cd".repeat(32)}),
        "d1",
    );
}

#[test]
fn draw_revealed_round_trips_and_a_centre_only_draw_has_no_scheme() {
    use ggzy_events::experts::DrawRevealed;
    let centre_only = DrawRevealed {
        draw_id: "d1".into(),
        section_id: "s1".into(),
        seed: "01".repeat(32),
        commitment: "ef".repeat(32),
        centre_secret: None,
        scheme: None,
    };
    // The payload of a centre-only draw carries neither member (as before the contract).
    let p = centre_only.encode().payload;
    assert!(
        p.get("centre_secret").is_none() && p.get("scheme").is_none(),
        "{p}"
    );
    round_trip(
        centre_only,
        json!({"draw_id": "d1", "section_id": "s1", "seed": "01".repeat(32),
               "commitment": "ef".repeat(32)}),
        "d1",
    );
    round_trip(
        DrawRevealed {
            draw_id: "d2".into(),
            section_id: "s1".into(),
            seed: "02".repeat(32),
            commitment: "ee".repeat(32),
            centre_secret: Some("03".repeat(32)),
            scheme: Some("contributed-v1".into()),
        },
        json!({"draw_id": "d2", "section_id": "s1", "seed": "02".repeat(32),
               "commitment": "ee".repeat(32), "centre_secret": "03".repeat(32),
               "scheme": "contributed-v1"}),
        "d2",
    );
}

#[test]
fn a_commitment_event_without_its_commitment_does_not_decode() {
    use ggzy_events::experts::{DrawCommitted, SupervisorCommitted};
    let wire = json!({"draw_id": "d1", "section_id": "s1"});
    assert!(DrawCommitted::decode_payload(7, &wire).is_err());
    assert!(SupervisorCommitted::decode_payload(7, &wire).is_err());
}

#[test]
fn land_contract_overdue_round_trips() {
    use ggzy_core::Money;
    use ggzy_events::auctions::LandContractOverdue;
    round_trip(
        LandContractOverdue {
            deal_id: "d1".into(),
            auction_id: "a1".into(),
            section_id: "s1".into(),
            winner_org_id: "o1".into(),
            step: "first_payment".into(),
            due_date: chrono::NaiveDate::from_ymd_opt(2026, 5, 18),
            required: Some(Money::from_fen(50_000_000)),
            paid: Money::from_fen(49_999_999),
            source: "国土资发〔2010〕34号".into(),
        },
        // What auctions wrote before the contract (land_contract.rs).
        json!({"deal_id": "d1", "auction_id": "a1", "section_id": "s1", "winner_org_id": "o1",
               "step": "first_payment", "due_date": "2026-05-18", "required": "500000.00",
               "paid": "499999.99", "source": "国土资发〔2010〕34号"}),
        "a1",
    );
}

#[test]
fn refund_overdue_and_contract_overdue_round_trip() {
    use ggzy_core::Money;
    use ggzy_events::deposits::RefundOverdue;
    use ggzy_events::projects::ContractOverdue;
    round_trip(
        RefundOverdue {
            refund_id: "r1".into(),
            org_id: Some("o1".into()),
            section_id: Some("s1".into()),
            amount: Money::from_fen(36_000_000),
            interest: Money::from_fen(5_220),
            due_date: chrono::NaiveDate::from_ymd_opt(2026, 5, 11).unwrap(),
            basis: "政采条例 33; 87号令 38".into(),
            reason: "procurement_loser".into(),
            days_late: 1,
        },
        // What deposits wrote before the contract (lifecycle/refund_job.rs).
        json!({"refund_id": "r1", "org_id": "o1", "section_id": "s1", "amount": "360000.00",
               "interest": "52.20", "due_date": "2026-05-11", "basis": "政采条例 33; 87号令 38",
               "reason": "procurement_loser", "days_late": 1}),
        "r1",
    );
    round_trip(
        ContractOverdue {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            winner_org_id: Some("o1".into()),
            awarded_at: t(1),
            due_at: t(2),
            due_at_provisional: false,
            basis: Some("招标投标法 第四十六条".into()),
        },
        // What projects wrote before the contract (award/notice.rs).
        json!({"section_id": "s1", "project_id": "p1", "winner_org_id": "o1",
               "awarded_at": t(1).to_rfc3339(), "due_at": t(2).to_rfc3339(),
               "due_at_provisional": false, "basis": "招标投标法 第四十六条"}),
        "s1",
    );
}

// --- split17proj: the contracts the projects, evaluation and venues areas consume (and venues'
// own moved booking), each from what its producer wrote before the contract.

#[test]
fn bid_decrypted_round_trips() {
    use ggzy_events::projects::{BidDecrypted, DecryptedDocument, SmeDeclaration};
    round_trip(
        BidDecrypted {
            bid_id: "b1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
            decryption: "decrypted".into(),
            suite: "sm4-gcm+sm3".into(),
            document_authors: vec!["张三".into()],
            document_software: vec![],
            plaintext_key: Some("plain/b1".into()),
            documents: vec![DecryptedDocument {
                n: 1,
                name: "商务标.pdf".into(),
                media_type: "application/pdf".into(),
                size: 1024,
                sha256: "ab".repeat(32),
                offset: 0,
            }],
            sme: Some(SmeDeclaration {
                scale: "small".into(),
                by_small_micro: true,
            }),
        },
        json!({"bid_id": "b1", "section_id": "s1", "org_id": "o1", "decryption": "decrypted",
               "suite": "sm4-gcm+sm3", "document_authors": ["张三"], "document_software": [],
               "plaintext_key": "plain/b1",
               "documents": [{"n": 1, "name": "商务标.pdf", "media_type": "application/pdf",
                              "size": 1024, "sha256": "ab".repeat(32), "offset": 0}],
               "sme": {"scale": "small", "by_small_micro": true}}),
        "s1",
    );
    // Not decrypted: no key, no documents, no declaration.
    round_trip(
        BidDecrypted {
            bid_id: "b2".into(),
            section_id: "s1".into(),
            org_id: "o2".into(),
            decryption: "digest_mismatch".into(),
            suite: "aes-256-gcm+sha-256".into(),
            document_authors: vec![],
            document_software: vec![],
            plaintext_key: None,
            documents: vec![],
            sme: None,
        },
        json!({"bid_id": "b2", "section_id": "s1", "org_id": "o2", "decryption": "digest_mismatch",
               "suite": "aes-256-gcm+sha-256", "document_authors": [], "document_software": [],
               "plaintext_key": null, "documents": [], "sme": null}),
        "s1",
    );
}

#[test]
fn qualification_reviewed_round_trips() {
    use ggzy_events::projects::{QualificationRejection, QualificationReviewed};
    round_trip(
        QualificationReviewed {
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "procurement".into(),
            qualified: vec!["o1".into(), "o2".into()],
            rejected: vec![QualificationRejection {
                org_id: "o3".into(),
                reason: Some("资质不符".into()),
            }],
            qualified_count: 2,
            basis: "财政部令第87号 第四十四条".into(),
            reviewed_at: t(4),
        },
        json!({"section_id": "s1", "project_id": "p1", "market": "procurement",
               "qualified": ["o1", "o2"], "rejected": [{"org_id": "o3", "reason": "资质不符"}],
               "qualified_count": 2, "basis": "财政部令第87号 第四十四条",
               "reviewed_at": t(4).to_rfc3339()}),
        "s1",
    );
}

#[test]
fn section_returned_to_evaluation_round_trips() {
    use ggzy_events::projects::SectionReturnedToEvaluation;
    round_trip(
        SectionReturnedToEvaluation {
            section_id: "s1".into(),
            project_id: "p1".into(),
            previous_state: "publicizing".into(),
            state: "evaluating".into(),
            reason: "remedy_result_void".into(),
            remedy_case_id: "c1".into(),
            decision_basis: Some("招标投标法实施条例 第六十一条".into()),
            voided_result: true,
            at: t(5),
        },
        json!({"section_id": "s1", "project_id": "p1", "previous_state": "publicizing",
               "state": "evaluating", "reason": "remedy_result_void", "remedy_case_id": "c1",
               "decision_basis": "招标投标法实施条例 第六十一条", "voided_result": true,
               "at": t(5).to_rfc3339()}),
        "s1",
    );
}

#[test]
fn remedies_case_events_round_trip() {
    use ggzy_events::remedies::{
        CaseAnswered, CaseDecided, CaseRaised, CaseResumed, CaseSuspended,
    };
    round_trip(
        CaseRaised {
            case_id: "c1".into(),
            section_id: "s1".into(),
            market: "construction".into(),
            kind: "objection".into(),
            target: "opening".into(),
            parent_id: None,
            raised_at: t(1),
            grounds: "开标记录有误".into(),
            answer_due: Some(t(1)),
            accept_due: None,
            suspends: false,
            source: "招标投标法实施条例 第四十四条".into(),
        },
        json!({"case_id": "c1", "section_id": "s1", "market": "construction", "kind": "objection",
               "target": "opening", "parent_id": null, "raised_at": t(1).to_rfc3339(),
               "grounds": "开标记录有误", "answer_due": t(1).to_rfc3339(), "accept_due": null,
               "suspends": false, "source": "招标投标法实施条例 第四十四条"}),
        "c1",
    );
    round_trip(
        CaseAnswered {
            case_id: "c1".into(),
            section_id: "s1".into(),
            market: "construction".into(),
            kind: "objection".into(),
            target: "documents".into(),
            answer: "已修改".into(),
            changes_documents: true,
            new_bid_deadline: Some(t(9)),
            late: false,
            project_code: "E2102000001000001".into(),
        },
        json!({"case_id": "c1", "section_id": "s1", "market": "construction", "kind": "objection",
               "target": "documents", "answer": "已修改", "changes_documents": true,
               "new_bid_deadline": t(9).to_rfc3339(), "late": false,
               "project_code": "E2102000001000001"}),
        "c1",
    );
    // Raised: no `until`; accepted with a suspension: `until`, maybe null.
    round_trip(
        CaseSuspended {
            case_id: "c1".into(),
            section_id: "s1".into(),
            scope: "bidding".into(),
            source: "实施条例 第二十二条".into(),
            until: None,
        },
        json!({"case_id": "c1", "section_id": "s1", "scope": "bidding",
               "source": "实施条例 第二十二条"}),
        "c1",
    );
    round_trip(
        CaseSuspended {
            case_id: "c2".into(),
            section_id: "s1".into(),
            scope: "award".into(),
            source: "政府采购法 第五十七条".into(),
            until: Some(t(8)),
        },
        json!({"case_id": "c2", "section_id": "s1", "scope": "award",
               "source": "政府采购法 第五十七条", "until": t(8).to_rfc3339()}),
        "c2",
    );
    round_trip(
        CaseResumed {
            case_id: "c2".into(),
            section_id: "s1".into(),
            scope: "award".into(),
            reason: "max_days".into(),
            new_bid_deadline: None,
        },
        json!({"case_id": "c2", "section_id": "s1", "scope": "award", "reason": "max_days",
               "new_bid_deadline": null}),
        "c2",
    );
    round_trip(
        CaseDecided {
            case_id: "c3".into(),
            section_id: "s1".into(),
            market: "construction".into(),
            decision: "result_void".into(),
            reason: "评标错误".into(),
            source: "招标投标法实施条例 第六十一条".into(),
            late: false,
        },
        json!({"case_id": "c3", "section_id": "s1", "market": "construction",
               "decision": "result_void", "reason": "评标错误",
               "source": "招标投标法实施条例 第六十一条", "late": false}),
        "c3",
    );
    // A suspension without its section is undecodable (parked), never applied to "".
    assert!(
        CaseSuspended::decode_payload(7, &json!({"case_id": "c1", "scope": "bidding"})).is_err()
    );
}

#[test]
fn draw_cancelled_round_trips() {
    use ggzy_events::experts::DrawCancelled;
    round_trip(
        DrawCancelled {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: "v1".into(),
            reason: "session_cancelled".into(),
            notified: vec![expert("x1", Some("u1"), None)],
        },
        json!({"draw_id": "d1", "section_id": "s1", "session_id": "v1",
               "reason": "session_cancelled",
               "notified": [{"expert_id": "x1", "name": "专家x1", "user_id": "u1"}]}),
        "d1",
    );
}

#[test]
fn evaluation_report_signed_and_bid_rejected_round_trip() {
    use ggzy_events::evaluation::{BidRejected, RankedCandidate, ReportSigned};
    round_trip(
        ReportSigned {
            section_id: "s1".into(),
            report_id: "PBBG-s1".into(),
            method: "comprehensive".into(),
            signed_at: t(6),
            ranking: vec![RankedCandidate {
                rank: 1,
                org_id: "o1".into(),
                org_name: "甲".into(),
                price: "9650000.00".into(),
                score: Some("91.50".into()),
            }],
            rejected: vec!["o3".into()],
        },
        json!({"section_id": "s1", "report_id": "PBBG-s1", "method": "comprehensive",
               "signed_at": t(6).to_rfc3339(),
               "ranking": [{"rank": 1, "org_id": "o1", "org_name": "甲", "price": "9650000.00",
                            "score": "91.50"}],
               "rejected": ["o3"]}),
        "s1",
    );
    round_trip(
        BidRejected {
            section_id: "s1".into(),
            org_id: "o3".into(),
            ground: "abnormally_low".into(),
            basis: "评标委员会和评标方法暂行规定 第二十一条".into(),
        },
        json!({"section_id": "s1", "org_id": "o3", "ground": "abnormally_low",
               "basis": "评标委员会和评标方法暂行规定 第二十一条"}),
        "s1",
    );
}

#[test]
fn booking_moved_round_trips() {
    use ggzy_events::venues::BookingMoved;
    let moved = |reason: Option<&str>| BookingMoved {
        booking_id: "k1".into(),
        room_id: "r2".into(),
        section_id: "s1".into(),
        purpose: "opening".into(),
        start: t(3),
        end: t(4),
        status: "confirmed".into(),
        old_start: t(1),
        old_end: t(2),
        old_room_id: "r1".into(),
        reason: reason.map(str::to_string),
    };
    let wire = json!({"booking_id": "k1", "room_id": "r2", "section_id": "s1", "purpose": "opening",
                      "start": t(3).to_rfc3339(), "end": t(4).to_rfc3339(), "status": "confirmed",
                      "old_start": t(1).to_rfc3339(), "old_end": t(2).to_rfc3339(),
                      "old_room_id": "r1"});
    // Moved by hand: no `reason` (as before the contract).
    assert!(moved(None).encode().payload.get("reason").is_none());
    round_trip(moved(None), wire.clone(), "k1");
    let mut followed = wire;
    followed["reason"] = json!("deadline_changed");
    round_trip(moved(Some("deadline_changed")), followed, "k1");
}
