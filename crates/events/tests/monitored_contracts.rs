//! Round trips of the contracts that monitoring, archives and remedies consume (issue 17): each
//! decodes the payload its producer wrote before the contract (hand-built JSON, as the producer's
//! `json!` wrote it) and survives encode → decode.
#![allow(clippy::unwrap_used)] // a test target: a failed unwrap is a failed test

use chrono::NaiveDate;
use ggzy_core::Money;
use ggzy_events::auctions::ListingPeriodsRechecked;
use ggzy_events::calendar::{ScheduleImported, YearMissing};
use ggzy_events::consumer::{EventParked, EventReplayed};
use ggzy_events::deposits::{DepositForfeited, RefundInstructed, TransferReceived};
use ggzy_events::evaluation::ScoreOutlier;
use ggzy_events::experts::ExpertRated;
use ggzy_events::projects::*;
use ggzy_events::publishing::{AnnouncementPeriodsRechecked, AttachmentAdded, BrokenPeriod};
use ggzy_events::remedies::CaseOverdue;
use ggzy_events::venues::ViolationRecorded;
use ggzy_events::{Contract, NamedSections};
use serde_json::{json, Value};

mod common;
use common::{ev, m, round_trip, t};

#[test]
fn projects_opening_contracts_round_trip() {
    round_trip(
        SectionOpened {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            market: Some("construction".into()),
            opening_at: t(1),
            bid_count: Some(3),
            decryption_deadline: Some(t(2)),
            window_basis: Some("电子招标投标办法 第三十条".into()),
        },
        json!({"section_id": "s1", "project_id": "p1", "market": "construction",
               "opening_at": t(1).to_rfc3339(), "bid_count": 3,
               "decryption_deadline": t(2).to_rfc3339(), "window_basis": "电子招标投标办法 第三十条"}),
        "s1",
    );
    let docs = json!([{"n": 1, "name": "技术标.pdf", "media_type": "application/pdf", "size": 10,
                       "sha256": "ab", "offset": 0}]);
    round_trip(
        BidDecrypted {
            bid_id: "b1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
            decryption: "decrypted".into(),
            suite: "aes-256-gcm".into(),
            document_authors: vec!["张三".into()],
            document_software: vec!["WPS".into()],
            plaintext_key: Some("plain/b1.bin".into()),
            documents: vec![ggzy_events::projects::DecryptedDocument {
                n: 1,
                name: "技术标.pdf".into(),
                media_type: "application/pdf".into(),
                size: 10,
                sha256: "ab".into(),
                offset: 0,
            }],
            sme: None,
        },
        json!({"bid_id": "b1", "section_id": "s1", "org_id": "o1", "decryption": "decrypted",
               "suite": "aes-256-gcm", "document_authors": ["张三"], "document_software": ["WPS"],
               "plaintext_key": "plain/b1.bin", "documents": docs, "sme": null}),
        "s1",
    );
    // The entries of an opening record, as projects' `OpeningEntry` writes them.
    let rec = OpeningRecorded::decode(&ev(
        OpeningRecorded::NAME,
        "section",
        "s1",
        json!({"section_id": "s1", "project_id": "p1", "market": "construction",
               "opened_at": t(1).to_rfc3339(), "entries": [
            {"bid_id": "b1", "org_id": "o1", "org_name": "甲", "uscc": "911", "price": "100.00",
             "decryption": "decrypted", "deposit": "valid", "suite": "sm4-gcm"},
            {"bid_id": "b2", "org_id": "o2", "org_name": "乙", "uscc": "912", "price": null,
             "decryption": "not_decrypted", "deposit": "missing", "suite": null}]}),
    ))
    .unwrap();
    assert_eq!(rec.opened_at, Some(t(1)));
    let entries = &rec.entries;
    assert_eq!(entries[0].price, Some(m("100.00")));
    assert_eq!(entries[1].price, None);
    assert_eq!(entries[1].deposit, "missing");
    // An entry that does not match is a decode error (the consumer parks the event).
    assert!(OpeningRecorded::decode(&ev(
        OpeningRecorded::NAME,
        "section",
        "s1",
        json!({"section_id": "s1", "entries": [{"org_id": "o1"}]}),
    ))
    .is_err());
}

#[test]
fn projects_award_contracts_round_trip() {
    round_trip(
        CandidatesPublicized {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            market: Some("construction".into()),
            procedure: Some("open".into()),
            report_ref: Some("r1".into()),
            source: Some("evaluation".into()),
            candidates: vec![PublicizedCandidate {
                rank: 1,
                org_id: "o1".into(),
                org_name: "甲".into(),
                uscc: "911".into(),
                price: m("100.00"),
                score: Some("90.5".into()),
            }],
            publicity_days: Some(3),
            publicity_starts_at: t(1),
            publicity_ends_at: t(2),
            publicity_ends_at_provisional: false,
            basis: Some("实施条例 54".into()),
        },
        json!({"section_id": "s1", "project_id": "p1", "market": "construction",
               "procedure": "open", "report_ref": "r1", "source": "evaluation",
               "candidates": [{"rank": 1, "org_id": "o1", "org_name": "甲", "uscc": "911",
                               "price": "100.00", "score": "90.5"}],
               "publicity_days": 3, "publicity_starts_at": t(1).to_rfc3339(),
               "publicity_ends_at": t(2).to_rfc3339(), "publicity_ends_at_provisional": false,
               "basis": "实施条例 54"}),
        "s1",
    );
    round_trip(
        AwardReportOverdue {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            awarded_at: t(1),
            due_at: t(2),
            due_at_provisional: true,
            basis: Some("招标投标法 第四十七条".into()),
        },
        json!({"section_id": "s1", "project_id": "p1", "awarded_at": t(1).to_rfc3339(),
               "due_at": t(2).to_rfc3339(), "due_at_provisional": true,
               "basis": "招标投标法 第四十七条"}),
        "s1",
    );
    // What projects wrote before issue 20 removed the producer (still in old logs).
    round_trip(
        ObjectionOverdue {
            objection_id: "ob1".into(),
            section_id: "s1".into(),
            org_id: Some("o2".into()),
            due_at: t(2),
            due_at_provisional: false,
            basis: Some("招标投标法实施条例 第五十四条".into()),
        },
        json!({"objection_id": "ob1", "section_id": "s1", "org_id": "o2",
               "due_at": t(2).to_rfc3339(), "due_at_provisional": false,
               "basis": "招标投标法实施条例 第五十四条"}),
        "s1",
    );
    round_trip(
        SectionConcluded {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            market: Some("land".into()),
            outcome: Some("deal".into()),
            deal_id: Some("d1".into()),
            winner_org_id: Some("o1".into()),
            price: Some(m("1000.00")),
            via: Some("listing".into()),
            confirmed_at: Some(t(1)),
            concluded_at: Some(t(2)),
            state: Some("concluded".into()),
        },
        json!({"section_id": "s1", "project_id": "p1", "market": "land", "outcome": "deal",
               "deal_id": "d1", "winner_org_id": "o1", "price": "1000.00", "via": "listing",
               "confirmed_at": t(1).to_rfc3339(), "concluded_at": t(2).to_rfc3339(),
               "state": "concluded"}),
        "s1",
    );
    round_trip(
        DueDateRederived {
            what: "publicity_end".into(),
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            objection_id: None,
            section_state: Some("publicizing".into()),
            start: Some(t(1)),
            days: Some(3),
            previous_due_at: Some(t(2)),
            due_at: t(3),
            provisional: false,
            missing_years: vec![],
            overdue_alert_raised: false,
            basis: Some("民法典 第二百零三条".into()),
        },
        json!({"what": "publicity_end", "section_id": "s1", "project_id": "p1",
               "objection_id": null, "section_state": "publicizing", "start": t(1).to_rfc3339(),
               "days": 3, "previous_due_at": t(2).to_rfc3339(), "due_at": t(3).to_rfc3339(),
               "provisional": false, "missing_years": [], "overdue_alert_raised": false,
               "basis": "民法典 第二百零三条"}),
        "s1",
    );
    round_trip(
        SectionReturnedToEvaluation {
            section_id: "s1".into(),
            project_id: "p1".into(),
            previous_state: "publicizing".into(),
            state: "evaluating".into(),
            reason: "remedy_result_void".into(),
            remedy_case_id: "c1".into(),
            decision_basis: Some("政府采购质疑和投诉办法 第三十二条".into()),
            voided_result: true,
            at: t(1),
        },
        json!({"section_id": "s1", "project_id": "p1", "previous_state": "publicizing",
               "state": "evaluating", "reason": "remedy_result_void", "remedy_case_id": "c1",
               "decision_basis": "政府采购质疑和投诉办法 第三十二条", "voided_result": true,
               "at": t(1).to_rfc3339()}),
        "s1",
    );
}

#[test]
fn projects_prequalification_contracts_round_trip() {
    round_trip(
        PrequalificationOpened {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            prequalification_id: "q1".into(),
            round: 1,
            docs_issue_at: t(1),
            docs_sale_end_at: t(2),
            applications_due_at: t(3),
            basis: Some("招标投标法实施条例 第十五条、第十六条、第十七条".into()),
        },
        json!({"section_id": "s1", "project_id": "p1", "prequalification_id": "q1", "round": 1,
               "docs_issue_at": t(1).to_rfc3339(), "docs_sale_end_at": t(2).to_rfc3339(),
               "applications_due_at": t(3).to_rfc3339(),
               "basis": "招标投标法实施条例 第十五条、第十六条、第十七条"}),
        "s1",
    );
    round_trip(
        PrequalificationApplied {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            prequalification_id: "q1".into(),
            org_id: "o1".into(),
            uscc: Some("911".into()),
        },
        json!({"section_id": "s1", "project_id": "p1", "prequalification_id": "q1",
               "org_id": "o1", "uscc": "911"}),
        "s1",
    );
    round_trip(
        PrequalificationReviewed {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            prequalification_id: "q1".into(),
            round: 1,
            state: "passed".into(),
            qualified: 3,
            min_qualified: 3,
            reviewer: "committee".into(),
            basis: Some("实施条例 19".into()),
        },
        json!({"section_id": "s1", "project_id": "p1", "prequalification_id": "q1", "round": 1,
               "state": "passed", "qualified": 3, "min_qualified": 3, "reviewer": "committee",
               "basis": "实施条例 19"}),
        "s1",
    );
    round_trip(
        PrequalificationDeadlineChanged {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            prequalification_id: "q1".into(),
            old_applications_due_at: Some(t(1)),
            applications_due_at: t(3),
            suspended_seconds: Some(7200),
            remedy_case_id: Some("c1".into()),
            basis: Some("招标投标法实施条例 第二十二条".into()),
        },
        json!({"section_id": "s1", "project_id": "p1", "prequalification_id": "q1",
               "old_applications_due_at": t(1).to_rfc3339(),
               "applications_due_at": t(3).to_rfc3339(), "suspended_seconds": 7200,
               "remedy_case_id": "c1", "basis": "招标投标法实施条例 第二十二条"}),
        "s1",
    );
}

#[test]
fn remedies_and_deposits_contracts_round_trip() {
    round_trip(
        CaseOverdue {
            case_id: "c1".into(),
            section_id: "s1".into(),
            market: Some("construction".into()),
            kind: "objection".into(),
            step: "answer".into(),
            due_at: t(2),
            source: Some("实施条例 54".into()),
        },
        json!({"case_id": "c1", "section_id": "s1", "market": "construction",
               "kind": "objection", "step": "answer", "due_at": t(2).to_rfc3339(),
               "source": "实施条例 54"}),
        "c1",
    );
    round_trip(
        TransferReceived {
            transfer_id: "tr1".into(),
            bank_txn_id: "txn1".into(),
            account_no: "21020000000000010".into(),
            amount: m("1000.00"),
            value_at: t(1),
            org_id: Some("o1".into()),
            section_id: Some("s1".into()),
            reason: None,
            payer_account_no: "6222".into(),
            payer_name: "甲公司".into(),
        },
        json!({"transfer_id": "tr1", "bank_txn_id": "txn1", "account_no": "21020000000000010",
               "amount": "1000.00", "value_at": t(1).to_rfc3339(), "org_id": "o1",
               "section_id": "s1", "reason": null, "payer_account_no": "6222",
               "payer_name": "甲公司"}),
        "tr1",
    );
    // Money that was not a deposit, returned (service.rs) …
    round_trip(
        RefundInstructed {
            id: "rf1".into(),
            transfer_id: Some("tr2".into()),
            org_id: Some("o1".into()),
            section_id: Some("s1".into()),
            payee_account_no: "6222".into(),
            amount: m("5.00"),
            interest: Money::ZERO,
            reason: Some("excess".into()),
            basis: None,
            due_date: NaiveDate::from_ymd_opt(2026, 3, 25),
            due_date_provisional: false,
        },
        json!({"id": "rf1", "transfer_id": "tr2", "org_id": "o1", "section_id": "s1",
               "payee_account_no": "6222", "amount": "5.00", "interest": "0.00",
               "reason": "excess", "due_date": "2026-03-25"}),
        "rf1",
    );
    // … and a deposit's refund (lifecycle/refund_job.rs).
    round_trip(
        RefundInstructed {
            id: "rf2".into(),
            transfer_id: None,
            org_id: Some("o1".into()),
            section_id: Some("s1".into()),
            payee_account_no: "6222".into(),
            amount: m("1000.00"),
            interest: m("1.20"),
            reason: Some("construction_contract_signed".into()),
            basis: Some("实施条例 57".into()),
            due_date: NaiveDate::from_ymd_opt(2026, 3, 25),
            due_date_provisional: true,
        },
        json!({"id": "rf2", "org_id": "o1", "section_id": "s1", "payee_account_no": "6222",
               "amount": "1000.00", "interest": "1.20",
               "reason": "construction_contract_signed", "basis": "实施条例 57",
               "due_date": "2026-03-25", "due_date_provisional": true}),
        "rf2",
    );
    round_trip(
        DepositForfeited {
            forfeiture_id: "f1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
            amount: m("1000.00"),
            reason: "withdrew after the deadline".into(),
            ground: "withdrawal_after_deadline".into(),
            basis: "实施条例 35".into(),
            form: "cash".into(),
            proposed_by: "u1".into(),
            approved_by: Some("u2".into()),
        },
        json!({"forfeiture_id": "f1", "section_id": "s1", "org_id": "o1", "amount": "1000.00",
               "reason": "withdrew after the deadline", "ground": "withdrawal_after_deadline",
               "basis": "实施条例 35", "form": "cash", "proposed_by": "u1", "approved_by": "u2"}),
        "o1/s1",
    );
}

#[test]
fn venues_evaluation_experts_contracts_round_trip() {
    round_trip(
        ViolationRecorded {
            violation_id: "v1".into(),
            session_id: Some("ses1".into()),
            room_id: "r1".into(),
            kind: "phone_in_room".into(),
            person_role: Some("expert".into()),
            resident_id: Some("2101**********1234".into()),
            expert_id: Some("x1".into()),
            user_id: None,
            detail: Some("".into()),
            at: t(1),
        },
        json!({"violation_id": "v1", "session_id": "ses1", "room_id": "r1",
               "kind": "phone_in_room", "person_role": "expert",
               "resident_id": "2101**********1234", "expert_id": "x1", "user_id": null,
               "detail": "", "at": t(1).to_rfc3339()}),
        "r1",
    );
    round_trip(
        ScoreOutlier {
            section_id: "s1".into(),
            expert_id: "x1".into(),
            org_id: "o1".into(),
            member_total: "95.00".into(),
            committee_mean: "70.00".into(),
            share: Some("0.2".into()),
        },
        json!({"section_id": "s1", "expert_id": "x1", "org_id": "o1", "member_total": "95.00",
               "committee_mean": "70.00", "share": "0.2"}),
        "s1",
    );
    round_trip(
        ExpertRated {
            rating_id: "rt1".into(),
            draw_id: "d1".into(),
            section_id: "s1".into(),
            expert_id: "x1".into(),
            rater_role: "staff".into(),
            score: 2,
        },
        json!({"rating_id": "rt1", "draw_id": "d1", "section_id": "s1", "expert_id": "x1",
               "rater_role": "staff", "score": 2}),
        "x1",
    );
}

#[test]
fn calendar_periods_and_consumer_contracts_round_trip() {
    round_trip(
        YearMissing {
            year: 2027,
            needed_by: "publishing.legal_periods".into(),
            message: Some("no holiday schedule for 2027".into()),
        },
        json!({"year": 2027, "needed_by": "publishing.legal_periods",
               "message": "no holiday schedule for 2027"}),
        "2027",
    );
    round_trip(
        ScheduleImported {
            year: 2027,
            version: 2,
            previous_version: 1,
            source: "国办发明电〔2026〕7号".into(),
            sha256: "ab".into(),
            holiday_days: 30,
            workdays: 6,
        },
        json!({"year": 2027, "version": 2, "previous_version": 1,
               "source": "国办发明电〔2026〕7号", "sha256": "ab", "holiday_days": 30,
               "workdays": 6}),
        "2027",
    );
    let broken = BrokenPeriod {
        field: "deadline".into(),
        rule: "publishing.period_too_short".into(),
        message: "20 days".into(),
    };
    round_trip(
        AnnouncementPeriodsRechecked {
            id: "a1".into(),
            kind: "tender".into(),
            status: "published".into(),
            checked_at: t(1),
            ok: false,
            broken: vec![broken.clone()],
            provisional: false,
            missing_years: vec![],
        },
        json!({"id": "a1", "type": "tender", "status": "published",
               "checked_at": t(1).to_rfc3339(), "ok": false,
               "broken": [{"field": "deadline", "rule": "publishing.period_too_short",
                           "message": "20 days"}],
               "provisional": false, "missing_years": []}),
        "a1",
    );
    round_trip(
        ListingPeriodsRechecked {
            auction_id: "au1".into(),
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            market: Some("land".into()),
            round: 2,
            period_kind: Some("listing".into()),
            listing_start: t(1),
            listing_end: t(2),
            ok: true,
            broken: vec![],
            provisional: true,
            missing_years: vec![2027],
        },
        json!({"auction_id": "au1", "section_id": "s1", "project_id": "p1", "market": "land",
               "round": 2, "period_kind": "listing", "listing_start": t(1).to_rfc3339(),
               "listing_end": t(2).to_rfc3339(), "ok": true, "broken": [],
               "provisional": true, "missing_years": [2027]}),
        "au1",
    );
    // What ggzy-store's consumer machinery writes (consumer.rs).
    round_trip(
        EventParked {
            consumer: "monitoring.signals".into(),
            seq: 42,
            event_id: "e42".into(),
            event_type: "projects.bid.submitted".into(),
            error: "internal: event contract: …".into(),
        },
        json!({"consumer": "monitoring.signals", "seq": 42, "event_id": "e42",
               "event_type": "projects.bid.submitted", "error": "internal: event contract: …"}),
        "monitoring.signals",
    );
    round_trip(
        EventReplayed {
            consumer: "monitoring.signals".into(),
            seq: 42,
            outcome: "ok".into(),
        },
        json!({"consumer": "monitoring.signals", "seq": 42, "outcome": "ok"}),
        "monitoring.signals",
    );
}

#[test]
fn attachments_and_named_sections() {
    round_trip(
        AttachmentAdded {
            announcement_id: "a1".into(),
            attachment_id: "at1".into(),
            name: "招标文件.pdf".into(),
            size: 10,
            sha256: "ab".into(),
        },
        json!({"announcement_id": "a1", "attachment_id": "at1", "name": "招标文件.pdf",
               "size": 10, "sha256": "ab"}),
        "a1",
    );
    let named = |p: Value| NamedSections::of(&ev("x.y.z", "section", "s1", p));
    assert_eq!(
        named(json!({"section_id": "s1"})).section_id.as_deref(),
        Some("s1")
    );
    assert_eq!(
        named(json!({"section_ids": ["s1", "s2"]})).section_ids,
        Some(vec!["s1".to_string(), "s2".to_string()])
    );
    assert_eq!(named(json!({"other": 1})), NamedSections::default());
    assert_eq!(named(json!({"section_id": 5})).section_id, None);
}
