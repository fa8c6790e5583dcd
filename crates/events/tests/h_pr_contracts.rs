//! Round trips of the contracts of the projects area's events that were emitted as raw JSON before
//! (issue 17): each decodes the payload its producer wrote (hand-built JSON, as the producer's
//! `json!` built it), encodes to exactly that payload, and survives encode → decode.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed run.

use chrono::NaiveDate;
use ggzy_core::ident::Market;
use ggzy_core::FieldError;
use ggzy_events::projects::*;
use ggzy_events::Contract;
use serde_json::json;
use std::collections::BTreeMap;

mod common;
use common::{ev, m, round_trip, round_trip_exact, t};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

// ---- procurement ----------------------------------------------------------------------------

#[test]
fn procurement_report_received_round_trips() {
    round_trip_exact(
        ProcurementReportReceived {
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "procurement".into(),
            report_ref: "R-1".into(),
            report_at: t(1),
            candidate_count: 3,
            report_send_due_at: t(2),
            report_send_due_at_provisional: false,
            basis: "财政部令第87号 第六十八条".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "market": "procurement",
               "report_ref": "R-1", "report_at": t(1).to_rfc3339(), "candidate_count": 3,
               "report_send_due_at": t(2).to_rfc3339(),
               "report_send_due_at_provisional": false, "basis": "财政部令第87号 第六十八条"}),
        "s1",
    );
}

#[test]
fn procurement_report_sent_round_trips() {
    round_trip_exact(
        ProcurementReportSent {
            section_id: "s1".into(),
            project_id: "p1".into(),
            sent_at: t(3),
            due_at: t(2),
            late: true,
            confirm_due_at: t(9),
            confirm_due_at_provisional: true,
            basis: "政府采购法实施条例 第四十三条".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "sent_at": t(3).to_rfc3339(),
               "due_at": t(2).to_rfc3339(), "late": true, "confirm_due_at": t(9).to_rfc3339(),
               "confirm_due_at_provisional": true, "basis": "政府采购法实施条例 第四十三条"}),
        "s1",
    );
}

#[test]
fn procurement_winner_confirmed_round_trips() {
    round_trip_exact(
        ProcurementWinnerConfirmed {
            section_id: "s1".into(),
            project_id: "p1".into(),
            confirmed_at: t(4),
            deemed: false,
            announce_due_at: t(6),
            announce_due_at_provisional: false,
            show_working_days: 1,
            basis: "a".into(),
            show_basis: "b".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "confirmed_at": t(4).to_rfc3339(),
               "deemed": false, "announce_due_at": t(6).to_rfc3339(),
               "announce_due_at_provisional": false, "show_working_days": 1,
               "basis": "a", "show_basis": "b"}),
        "s1",
    );
}

#[test]
fn procurement_result_announced_round_trips() {
    round_trip_exact(
        ProcurementResultAnnounced {
            section_id: "s1".into(),
            project_id: "p1".into(),
            announcement_id: "a1".into(),
            published_at: t(5),
            due_at: t(6),
            late: false,
        },
        json!({"section_id": "s1", "project_id": "p1", "announcement_id": "a1",
               "published_at": t(5).to_rfc3339(), "due_at": t(6).to_rfc3339(), "late": false}),
        "s1",
    );
}

#[test]
fn procurement_contract_announced_and_filed_round_trip() {
    round_trip_exact(
        ProcurementContractAnnounced {
            section_id: "s1".into(),
            project_id: "p1".into(),
            announcement_ref: "CA-1".into(),
            announced_at: t(7),
            due_at: t(8),
            late: false,
            basis: "政府采购法实施条例 第五十条".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "announcement_ref": "CA-1",
               "announced_at": t(7).to_rfc3339(), "due_at": t(8).to_rfc3339(), "late": false,
               "basis": "政府采购法实施条例 第五十条"}),
        "s1",
    );
    round_trip_exact(
        ProcurementContractFiled {
            section_id: "s1".into(),
            project_id: "p1".into(),
            filing_ref: "F-1".into(),
            filed_at: t(9),
            basis: "政府采购法 第四十七条".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "filing_ref": "F-1",
               "filed_at": t(9).to_rfc3339(), "basis": "政府采购法 第四十七条"}),
        "s1",
    );
}

#[test]
fn procurement_deemed_award_refused_round_trips() {
    round_trip_exact(
        ProcurementDeemedAwardRefused {
            section_id: "s1".into(),
            project_id: "p1".into(),
            rule: Some("award.objection_pending".into()),
            detail: "an objection is unanswered".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "rule": "award.objection_pending",
               "detail": "an objection is unanswered"}),
        "s1",
    );
    // A refusal about fields has no rule: null, as `Problem::rule` wrote it.
    round_trip_exact(
        ProcurementDeemedAwardRefused {
            section_id: "s1".into(),
            project_id: "p1".into(),
            rule: None,
            detail: "x: y".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "rule": null, "detail": "x: y"}),
        "s1",
    );
}

#[test]
fn procurement_overdue_alerts_round_trip() {
    let wire = json!({"section_id": "s1", "project_id": "p1", "due_at": t(2).to_rfc3339(),
                      "basis": "b"});
    round_trip_exact(
        ProcurementReportOverdue(ProcurementOverdue {
            section_id: "s1".into(),
            project_id: "p1".into(),
            due_at: t(2),
            basis: "b".into(),
        }),
        wire.clone(),
        "s1",
    );
    round_trip_exact(
        ProcurementResultAnnouncementOverdue(ProcurementOverdue {
            section_id: "s1".into(),
            project_id: "p1".into(),
            due_at: t(2),
            basis: "b".into(),
        }),
        wire.clone(),
        "s1",
    );
    round_trip_exact(
        ProcurementContractAnnouncementOverdue(ProcurementOverdue {
            section_id: "s1".into(),
            project_id: "p1".into(),
            due_at: t(2),
            basis: "b".into(),
        }),
        wire,
        "s1",
    );
    // One payload, three names: each contract refuses the others' events.
    let e = ev(
        ProcurementReportOverdue::NAME,
        "section",
        "s1",
        json!({"section_id": "s1", "project_id": "p1", "due_at": t(2).to_rfc3339(), "basis": "b"}),
    );
    assert!(ProcurementResultAnnouncementOverdue::decode(&e).is_err());
}

#[test]
fn qualification_rejected_round_trips() {
    round_trip_exact(
        QualificationRejected {
            section_id: "s1".into(),
            project_id: "p1".into(),
            org_id: "o1".into(),
            reason: Some("资质不符".into()),
            basis: "财政部令第87号 第四十四条".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "org_id": "o1", "reason": "资质不符",
               "basis": "财政部令第87号 第四十四条"}),
        "s1",
    );
}

// ---- non-tender methods ---------------------------------------------------------------------

#[test]
fn nontender_round_recorded_round_trips() {
    round_trip_exact(
        NontenderRoundRecorded {
            section_id: "s1".into(),
            project_id: "p1".into(),
            procedure: "competitive_negotiation".into(),
            round_no: 2,
            final_round: true,
            quote_count: 3,
        },
        json!({"section_id": "s1", "project_id": "p1", "procedure": "competitive_negotiation",
               "round_no": 2, "final_round": true, "quote_count": 3}),
        "s1",
    );
}

#[test]
fn nontender_tie_drawn_round_trips() {
    let keys: BTreeMap<String, String> = [("o1", "aa"), ("o2", "bb")]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    round_trip_exact(
        NontenderTieDrawn {
            section_id: "s1".into(),
            procedure: "inquiry".into(),
            seed: "seed".into(),
            rule: ggzy_core::lot::RULE.into(),
            groups: vec![LotGroup {
                order: vec!["o1".into(), "o2".into()],
                keys,
            }],
            basis: "issue 21".into(),
        },
        json!({"seed": "seed", "rule": ggzy_core::lot::RULE,
               "groups": [{"order": ["o1", "o2"], "keys": {"o1": "aa", "o2": "bb"}}],
               "basis": "issue 21", "section_id": "s1", "procedure": "inquiry"}),
        "s1",
    );
}

#[test]
fn nontender_ranked_round_trips() {
    round_trip_exact(
        NontenderRanked {
            section_id: "s1".into(),
            project_id: "p1".into(),
            procedure: "competitive_consultation".into(),
            report_ref: "R-2".into(),
            ranking: vec![
                NontenderRank {
                    org_id: "o1".into(),
                    price: m("100.00"),
                    score: Some("91.5".into()),
                },
                NontenderRank {
                    org_id: "o2".into(),
                    price: m("120.50"),
                    score: None,
                },
            ],
            non_compliant: vec![NonCompliant {
                org_id: "o3".into(),
                reason: "超预算".into(),
            }],
            basis: "b".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "procedure": "competitive_consultation",
               "report_ref": "R-2",
               "ranking": [{"org_id": "o1", "price": "100.00", "score": "91.5"},
                           {"org_id": "o2", "price": "120.50", "score": null}],
               "non_compliant": [{"org_id": "o3", "reason": "超预算"}], "basis": "b"}),
        "s1",
    );
}

// ---- bidding --------------------------------------------------------------------------------

#[test]
fn invitation_interested_party_and_prequalification_notice_round_trip() {
    round_trip_exact(
        InvitationSent {
            section_id: "s1".into(),
            project_id: "p1".into(),
            uscc: "91110000100000000X".into(),
            name: "甲公司".into(),
            basis: "招标投标法 第十七条".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "uscc": "91110000100000000X",
               "name": "甲公司", "basis": "招标投标法 第十七条"}),
        "s1",
    );
    round_trip_exact(
        InterestedPartyDeclared {
            section_id: "s1".into(),
            project_id: "p1".into(),
            uscc: "91110000100000000X".into(),
            relation: "control".into(),
            basis: "招标投标法实施条例 第三十四条".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "uscc": "91110000100000000X",
               "relation": "control", "basis": "招标投标法实施条例 第三十四条"}),
        "s1",
    );
    round_trip_exact(
        PrequalificationNotice {
            section_id: "s1".into(),
            project_id: "p1".into(),
            prequalification_id: "q1".into(),
            org_id: "o1".into(),
            qualified: false,
            reason: "".into(),
            basis: "招标投标法实施条例 第十九条".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "prequalification_id": "q1",
               "org_id": "o1", "qualified": false, "reason": "",
               "basis": "招标投标法实施条例 第十九条"}),
        "s1",
    );
}

#[test]
fn bid_voided_round_trips() {
    round_trip_exact(
        BidVoided {
            section_id: "s1".into(),
            project_id: "p1".into(),
            org_id: "o1".into(),
            bid_id: None,
            reason: "bid.joint_relation".into(),
            detail: "related".into(),
            basis: "招标投标法实施条例 第三十四条".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "org_id": "o1", "bid_id": null,
               "reason": "bid.joint_relation", "detail": "related",
               "basis": "招标投标法实施条例 第三十四条"}),
        "s1",
    );
}

#[test]
fn bid_faults_round_trip() {
    round_trip_exact(
        BidFaultDeclared {
            bid_id: "b1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
            fault: "ca".into(),
            reason: "CA down".into(),
            declared_by: "u1".into(),
            decryption: "withdrawn_platform_fault".into(),
            basis: "电子招标投标办法 第三十一条".into(),
        },
        json!({"bid_id": "b1", "section_id": "s1", "org_id": "o1", "fault": "ca",
               "reason": "CA down", "declared_by": "u1", "decryption": "withdrawn_platform_fault",
               "basis": "电子招标投标办法 第三十一条"}),
        "s1",
    );
    round_trip_exact(
        BidStorageFault {
            bid_id: "b1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
            decryption: "withdrawn_platform_fault".into(),
            receipt_ciphertext_sha256: "aa".into(),
            stored_ciphertext_sha256: "bb".into(),
            basis: "电子招标投标办法 第三十一条".into(),
        },
        json!({"bid_id": "b1", "section_id": "s1", "org_id": "o1",
               "decryption": "withdrawn_platform_fault", "receipt_ciphertext_sha256": "aa",
               "stored_ciphertext_sha256": "bb", "basis": "电子招标投标办法 第三十一条"}),
        "s1",
    );
}

#[test]
fn org_relations_round_trip() {
    round_trip_exact(
        OrgRelationDeclared {
            id: "r1".into(),
            org_id: "o1".into(),
            uscc: "91110000100000000X".into(),
            related_uscc: "91110000200000000Y".into(),
            kind: "control".into(),
            status: "declared".into(),
        },
        json!({"id": "r1", "org_id": "o1", "uscc": "91110000100000000X",
               "related_uscc": "91110000200000000Y", "kind": "control", "status": "declared"}),
        "o1",
    );
    round_trip_exact(
        OrgRelationVerified {
            id: "r1".into(),
            org_id: "o1".into(),
            related_uscc: "91110000200000000Y".into(),
            kind: "control".into(),
        },
        json!({"id": "r1", "org_id": "o1", "related_uscc": "91110000200000000Y",
               "kind": "control"}),
        "o1",
    );
    round_trip_exact(
        OrgRelationRemoved {
            id: "r1".into(),
            org_id: "o1".into(),
            related_uscc: "91110000200000000Y".into(),
            kind: "management".into(),
            status: "verified".into(),
        },
        json!({"id": "r1", "org_id": "o1", "related_uscc": "91110000200000000Y",
               "kind": "management", "status": "verified"}),
        "o1",
    );
}

// ---- result and award -----------------------------------------------------------------------

#[test]
fn award_report_filed_round_trips() {
    round_trip_exact(
        AwardReportFiled {
            section_id: "s1".into(),
            project_id: "p1".into(),
            report_no: "BG-1".into(),
            filed_at: t(3),
            due_at: t(2),
            late: true,
            basis: "招标投标法 第四十七条".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "report_no": "BG-1",
               "filed_at": t(3).to_rfc3339(), "due_at": t(2).to_rfc3339(), "late": true,
               "basis": "招标投标法 第四十七条"}),
        "s1",
    );
}

#[test]
fn evaluation_result_rejected_round_trips() {
    round_trip_exact(
        EvaluationResultRejected {
            section_id: "s1".into(),
            report_id: "rep1".into(),
            event_id: "e9".into(),
            rule: None,
            detail: "ranking[0].price: bad".into(),
            errors: vec![FieldError {
                field: "ranking[0].price".into(),
                rule: "money.format".into(),
                message: "bad".into(),
            }],
        },
        json!({"section_id": "s1", "report_id": "rep1", "event_id": "e9", "rule": null,
               "detail": "ranking[0].price: bad",
               "errors": [{"field": "ranking[0].price", "rule": "money.format",
                           "message": "bad"}]}),
        "s1",
    );
}

#[test]
fn section_retendered_round_trips() {
    round_trip_exact(
        SectionRetendered {
            section_id: "s1".into(),
            new_section_id: "s2".into(),
            project_id: "p1".into(),
            reason: "流标".into(),
            old_procedure: "open_tender".into(),
            new_procedure: "competitive_negotiation".into(),
            approval: Some(RetenderApproval {
                document: "财采〔2026〕1号".into(),
                approved_by: "财政局".into(),
                approved_on: day("2026-03-19"),
                basis: "政府采购法 第三十七条".into(),
            }),
            basis: "政府采购法 第三十六条".into(),
        },
        json!({"section_id": "s1", "new_section_id": "s2", "project_id": "p1", "reason": "流标",
               "old_procedure": "open_tender", "new_procedure": "competitive_negotiation",
               "approval": {"document": "财采〔2026〕1号", "approved_by": "财政局",
                            "approved_on": "2026-03-19", "basis": "政府采购法 第三十七条"},
               "basis": "政府采购法 第三十六条"}),
        "s1",
    );
    round_trip_exact(
        SectionRetendered {
            section_id: "s1".into(),
            new_section_id: "s2".into(),
            project_id: "p1".into(),
            reason: "流标".into(),
            old_procedure: "open_tender".into(),
            new_procedure: "open_tender".into(),
            approval: None,
            basis: "b".into(),
        },
        json!({"section_id": "s1", "new_section_id": "s2", "project_id": "p1", "reason": "流标",
               "old_procedure": "open_tender", "new_procedure": "open_tender",
               "approval": null, "basis": "b"}),
        "s1",
    );
}

// ---- complaint decisions on failed and terminated sections -----------------------------------

#[test]
fn a_complaint_decision_fails_or_terminates_with_its_facts() {
    // The remedies path wrote the facts of `projects.section.returned_to_evaluation` under these
    // names; the contracts carry them (the members it did not write are null now).
    let failed = SectionFailed {
        previous_state: Some("evaluating".into()),
        state: Some("failed".into()),
        remedy_case_id: Some("c1".into()),
        decision_basis: Some("招标投标法实施条例 第八十一条".into()),
        voided_result: Some(false),
        at: Some(t(4)),
        market: None,
        failed_at: None,
        ..SectionFailed::new("s1", "p1", "", "remedy_retender", t(4))
    };
    let before = json!({"section_id": "s1", "project_id": "p1", "previous_state": "evaluating",
                        "state": "failed", "reason": "remedy_retender", "remedy_case_id": "c1",
                        "decision_basis": "招标投标法实施条例 第八十一条",
                        "voided_result": false, "at": t(4).to_rfc3339()});
    round_trip(failed.clone(), before.clone(), "s1");
    let mut now = before.clone();
    for k in [
        "market",
        "failed_at",
        "bid_count",
        "qualified_count",
        "basis",
    ] {
        now[k] = serde_json::Value::Null;
    }
    assert_eq!(failed.encode().payload, now);

    let terminated = SectionTerminated {
        section_id: "s1".into(),
        project_id: Some("p1".into()),
        market: None,
        reason: Some("remedy_retender".into()),
        terminated_at: None,
        previous_state: Some("awarded".into()),
        state: Some("terminated".into()),
        remedy_case_id: Some("c1".into()),
        decision_basis: Some("b".into()),
        voided_result: Some(false),
        at: Some(t(4)),
    };
    let before = json!({"section_id": "s1", "project_id": "p1", "previous_state": "awarded",
                        "state": "terminated", "reason": "remedy_retender",
                        "remedy_case_id": "c1", "decision_basis": "b", "voided_result": false,
                        "at": t(4).to_rfc3339()});
    round_trip(terminated.clone(), before.clone(), "s1");
    let mut now = before;
    now["market"] = serde_json::Value::Null;
    now["terminated_at"] = serde_json::Value::Null;
    assert_eq!(terminated.encode().payload, now);
}

// ---- projects and rules ---------------------------------------------------------------------

fn section_json() -> serde_json::Value {
    json!({"section_id": "s1", "no": 1, "name": "一标段", "estimated_price": "1000.00",
           "deposit": "20.00", "docs_issue_at": t(1).to_rfc3339(),
           "docs_sale_end_at": t(2).to_rfc3339(), "bid_deadline": t(3).to_rfc3339(),
           "opening_at": t(3).to_rfc3339(), "state": "draft", "subject": "works",
           "bid_validity_days": null})
}

fn section() -> ProjectSection {
    ProjectSection {
        section_id: "s1".into(),
        no: 1,
        name: "一标段".into(),
        estimated_price: m("1000.00"),
        deposit: m("20.00"),
        docs_issue_at: t(1),
        docs_sale_end_at: t(2),
        bid_deadline: t(3),
        opening_at: t(3),
        state: "draft".into(),
        subject: Some("works".into()),
        bid_validity_days: None,
    }
}

#[test]
fn project_submitted_and_returned_round_trip() {
    let project = json!({"project_id": "p1", "code": null, "name": "道路工程",
                         "market": "construction", "procedure": "open_tender",
                         "region": "110000", "tenderer_uscc": "91110000100000000X",
                         "tenderer_name": "甲", "owner_org_id": "o1", "status": "submitted",
                         "sections": [section_json()]});
    round_trip_exact(
        ProjectSubmitted(ProjectSnapshot {
            project_id: "p1".into(),
            code: None,
            name: "道路工程".into(),
            market: Market::Construction,
            procedure: "open_tender".into(),
            region: "110000".into(),
            tenderer_uscc: "91110000100000000X".into(),
            tenderer_name: "甲".into(),
            owner_org_id: "o1".into(),
            status: "submitted".into(),
            sections: vec![section()],
        }),
        project.clone(),
        "p1",
    );
    // `returned`: the project as every project event carries it (`#[serde(flatten)]` before),
    // and the reason.
    let mut returned = project;
    returned["status"] = json!("draft");
    returned["reason"] = json!("缺少招标文件");
    round_trip_exact(
        ProjectReturned {
            project: ProjectSnapshot {
                project_id: "p1".into(),
                code: None,
                name: "道路工程".into(),
                market: Market::Construction,
                procedure: "open_tender".into(),
                region: "110000".into(),
                tenderer_uscc: "91110000100000000X".into(),
                tenderer_name: "甲".into(),
                owner_org_id: "o1".into(),
                status: "draft".into(),
                sections: vec![section()],
            },
            reason: "缺少招标文件".into(),
        },
        returned,
        "p1",
    );
}

#[test]
fn rules_overrides_round_trip_keyed_by_the_value() {
    round_trip_exact(
        RulesOverrideSet {
            table: "project_rules".into(),
            region: "110000".into(),
            market: "construction".into(),
            procedure: "open_tender".into(),
            field: "publicity_min_days".into(),
            value: 5,
            national_value: 3,
            national_source: "招标投标法实施条例 第五十四条".into(),
            citation: "京发〔2026〕1号".into(),
        },
        json!({"table": "project_rules", "region": "110000", "market": "construction",
               "procedure": "open_tender", "field": "publicity_min_days", "value": 5,
               "national_value": 3, "national_source": "招标投标法实施条例 第五十四条",
               "citation": "京发〔2026〕1号"}),
        "project_rules:110000:construction:open_tender:publicity_min_days",
    );
    round_trip_exact(
        RulesOverrideRemoved {
            table: "award_rules".into(),
            region: "110000".into(),
            market: "procurement".into(),
            procedure: "".into(),
            field: "report_days".into(),
            national_value: 15,
            reason: "撤销".into(),
        },
        json!({"table": "award_rules", "region": "110000", "market": "procurement",
               "procedure": "", "field": "report_days", "national_value": 15, "reason": "撤销"}),
        "award_rules:110000:procurement::report_days",
    );
}

// ---- sanctions ------------------------------------------------------------------------------

#[test]
fn sanctions_round_trip() {
    round_trip_exact(
        SanctionListed {
            id: "x1".into(),
            uscc: "91110000100000000X".into(),
            kind: "debarred".into(),
            reason: "串通投标".into(),
            source_document: "京监〔2026〕3号".into(),
            from: day("2026-03-01"),
            to: day("2027-02-28"),
            markets: "construction,procurement".into(),
        },
        json!({"id": "x1", "uscc": "91110000100000000X", "kind": "debarred", "reason": "串通投标",
               "source_document": "京监〔2026〕3号", "from": "2026-03-01", "to": "2027-02-28",
               "markets": "construction,procurement"}),
        "x1",
    );
    round_trip_exact(
        SanctionEnded {
            id: "x1".into(),
            uscc: "91110000100000000X".into(),
            last_day: day("2026-03-20"),
            decided_last_day: day("2027-02-28"),
            reason: "复议撤销".into(),
        },
        json!({"id": "x1", "uscc": "91110000100000000X", "last_day": "2026-03-20",
               "decided_last_day": "2027-02-28", "reason": "复议撤销"}),
        "x1",
    );
}

#[test]
fn every_new_contract_is_in_the_catalogue() {
    let names: Vec<&str> = ggzy_events::catalogue().iter().map(|e| e.name).collect();
    for n in [
        ProcurementReportReceived::NAME,
        ProcurementReportSent::NAME,
        ProcurementWinnerConfirmed::NAME,
        ProcurementResultAnnounced::NAME,
        ProcurementContractAnnounced::NAME,
        ProcurementContractFiled::NAME,
        ProcurementDeemedAwardRefused::NAME,
        ProcurementReportOverdue::NAME,
        ProcurementResultAnnouncementOverdue::NAME,
        ProcurementContractAnnouncementOverdue::NAME,
        QualificationRejected::NAME,
        NontenderRoundRecorded::NAME,
        NontenderTieDrawn::NAME,
        NontenderRanked::NAME,
        InvitationSent::NAME,
        InterestedPartyDeclared::NAME,
        PrequalificationNotice::NAME,
        BidVoided::NAME,
        BidFaultDeclared::NAME,
        BidStorageFault::NAME,
        OrgRelationDeclared::NAME,
        OrgRelationVerified::NAME,
        OrgRelationRemoved::NAME,
        AwardReportFiled::NAME,
        EvaluationResultRejected::NAME,
        SectionRetendered::NAME,
        ProjectSubmitted::NAME,
        ProjectReturned::NAME,
        RulesOverrideSet::NAME,
        RulesOverrideRemoved::NAME,
        SanctionListed::NAME,
        SanctionEnded::NAME,
    ] {
        assert_eq!(names.iter().filter(|x| **x == n).count(), 1, "{n}");
    }
}
