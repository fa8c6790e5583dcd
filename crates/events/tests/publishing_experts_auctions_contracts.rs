//! Round trips of the contracts that publishing, experts and auctions consume (issue 17): each
//! decodes the payload its producer wrote before the contract (hand-built JSON, as in the
//! producer's old `json!`) and survives encode → decode.
#![allow(clippy::unwrap_used)] // a test target: a failed unwrap is a failed test

use ggzy_core::events::Event;
use ggzy_core::ident::Market;
use ggzy_core::Money;
use ggzy_events::Contract;
use serde_json::{json, Value};

mod common;
use common::{round_trip_exact as round_trip, t};

fn event(name: &str, payload: Value) -> Event {
    common::ev(name, "x", "x", payload)
}

#[test]
fn venues_room_and_booking_events_round_trip() {
    use ggzy_events::venues::*;
    round_trip(
        RoomCreated {
            room_id: "r1".into(),
            kind: "evaluation".into(),
            name: "评标室一".into(),
            capacity: 12,
            isolated: true,
            networks: vec!["10.0.1.0/24".into()],
        },
        json!({"room_id": "r1", "kind": "evaluation", "name": "评标室一", "capacity": 12,
               "isolated": true, "networks": ["10.0.1.0/24"]}),
        "r1",
    );
    let wire = json!({"booking_id": "b1", "room_id": "r1", "section_id": "s1",
                      "purpose": "auction", "start": t(1).to_rfc3339(), "end": t(2).to_rfc3339(),
                      "status": "tentative"});
    macro_rules! booking {
        ($t:ident) => {
            round_trip(
                $t {
                    booking_id: "b1".into(),
                    room_id: "r1".into(),
                    section_id: "s1".into(),
                    purpose: "auction".into(),
                    start: t(1),
                    end: t(2),
                    status: "tentative".into(),
                },
                wire.clone(),
                "b1",
            )
        };
    }
    booking!(BookingCreated);
    booking!(BookingConfirmed);
    booking!(BookingCancelled);
    booking!(BookingExpired);
    let mut moved = wire.clone();
    moved["old_start"] = json!(t(3).to_rfc3339());
    moved["old_end"] = json!(t(4).to_rfc3339());
    moved["old_room_id"] = json!("r0");
    moved["reason"] = json!("deadline_changed");
    round_trip(
        BookingMoved {
            booking_id: "b1".into(),
            room_id: "r1".into(),
            section_id: "s1".into(),
            purpose: "auction".into(),
            start: t(1),
            end: t(2),
            status: "tentative".into(),
            old_start: t(3),
            old_end: t(4),
            old_room_id: "r0".into(),
            reason: Some("deadline_changed".into()),
        },
        moved,
        "b1",
    );
}

#[test]
fn identity_user_created_round_trips_with_and_without_invitation() {
    use ggzy_events::identity::UserCreated;
    let u = UserCreated {
        id: "u1".into(),
        username: "zhang".into(),
        role: "expert".into(),
        org_id: Some("o1".into()),
        invitation_id: None,
        invited_by: None,
    };
    round_trip(
        u.clone(),
        json!({"id": "u1", "username": "zhang", "role": "expert", "org_id": "o1"}),
        "u1",
    );
    round_trip(
        UserCreated {
            invitation_id: Some("i1".into()),
            invited_by: Some("u0".into()),
            ..u
        },
        json!({"id": "u1", "username": "zhang", "role": "expert", "org_id": "o1",
               "invitation_id": "i1", "invited_by": "u0"}),
        "u1",
    );
}

#[test]
fn project_events_round_trip() {
    use ggzy_events::projects::{
        ProjectApproved, ProjectCreated, ProjectSection, ProjectSnapshot, ProjectSubmitted,
        ProjectUpdated,
    };
    let section = ProjectSection {
        section_id: "s1".into(),
        no: 1,
        name: "一标段".into(),
        estimated_price: Money::from_fen(100_000_000),
        deposit: Money::from_fen(2_000_000),
        docs_issue_at: t(1),
        docs_sale_end_at: t(2),
        bid_deadline: t(3),
        opening_at: t(3),
        state: "registered".into(),
        subject: Some("works".into()),
        bid_validity_days: None,
    };
    let wire = json!({"project_id": "p1", "code": "E2102000001", "name": "某道路工程",
        "market": "construction", "procedure": "open_tender", "region": "210200",
        "tenderer_uscc": "91210200MA0000001Y", "tenderer_name": "某公司", "owner_org_id": "o1",
        "status": "registered",
        "sections": [{"section_id": "s1", "no": 1, "name": "一标段",
            "estimated_price": "1000000.00", "deposit": "20000.00",
            "docs_issue_at": t(1).to_rfc3339(), "docs_sale_end_at": t(2).to_rfc3339(),
            "bid_deadline": t(3).to_rfc3339(), "opening_at": t(3).to_rfc3339(),
            "state": "registered", "subject": "works", "bid_validity_days": null}]});
    macro_rules! project {
        ($t:ident) => {
            round_trip(
                $t(ProjectSnapshot {
                    project_id: "p1".into(),
                    code: Some("E2102000001".into()),
                    name: "某道路工程".into(),
                    market: Market::Construction,
                    procedure: "open_tender".into(),
                    region: "210200".into(),
                    tenderer_uscc: "91210200MA0000001Y".into(),
                    tenderer_name: "某公司".into(),
                    owner_org_id: "o1".into(),
                    status: "registered".into(),
                    sections: vec![section.clone()],
                }),
                wire.clone(),
                "p1",
            )
        };
    }
    project!(ProjectCreated);
    project!(ProjectUpdated);
    project!(ProjectApproved);
    project!(ProjectSubmitted);
    // Any of them reads as the one snapshot.
    let approved = event("projects.project.approved", wire.clone());
    assert_eq!(
        ProjectSnapshot::of(&approved).unwrap().sections,
        vec![section.clone()]
    );
    let other = event("projects.section.closed", wire.clone());
    assert!(ProjectSnapshot::of(&other).is_err());
}

#[test]
fn bid_rejected_round_trips_and_needs_its_org() {
    use ggzy_events::evaluation::BidRejected;
    round_trip(
        BidRejected {
            section_id: "s1".into(),
            org_id: "o1".into(),
            ground: "abnormally_low".into(),
            basis: "实施条例 第五十一条".into(),
        },
        json!({"section_id": "s1", "org_id": "o1", "ground": "abnormally_low",
               "basis": "实施条例 第五十一条"}),
        "s1",
    );
    let bad = event(
        BidRejected::NAME,
        json!({"section_id": "s1", "ground": "x", "basis": "y"}),
    );
    assert!(BidRejected::decode(&bad).is_err());
}

#[test]
fn committee_disclosed_round_trips() {
    use ggzy_events::experts::{CommitteeDisclosed, DisclosedExpert};
    round_trip(
        CommitteeDisclosed {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            market: Some("procurement".into()),
            draw_id: Some("d1".into()),
            experts: vec![DisclosedExpert {
                name: "张三".into(),
                specialty: "A01".into(),
            }],
            determined_at: t(1),
            basis: "招标投标法 第三十七条".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "market": "procurement",
               "draw_id": "d1", "experts": [{"name": "张三", "specialty": "A01"}],
               "determined_at": t(1).to_rfc3339(), "basis": "招标投标法 第三十七条"}),
        "s1",
    );
}

#[test]
fn deal_terms_and_preemption_round_trip() {
    use ggzy_events::auctions::{
        DealTermsRecorded, PreemptionBuyer, PreemptionRecorded, PreemptionWaiver,
    };
    round_trip(
        DealTermsRecorded {
            auction_id: "a1".into(),
            deal_id: "d1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "property".into(),
            winner_number: Some("002".into()),
            price: Money::from_fen(103_000_000),
            publicity_start: t(1),
            publicity_end: t(2),
            contract_effective_on: "2026-03-27".into(),
            payment: "instalments".into(),
            first_payment: Some(Money::from_fen(31_000_000)),
            balance_due_on: Some("2027-03-26".into()),
            security: Some("银行保函".into()),
            periods_provisional: false,
        },
        json!({"auction_id": "a1", "deal_id": "d1", "section_id": "s1", "project_id": "p1",
               "market": "property", "winner_number": "002", "price": "1030000.00",
               "publicity_start": t(1).to_rfc3339(), "publicity_end": t(2).to_rfc3339(),
               "contract_effective_on": "2026-03-27", "payment": "instalments",
               "first_payment": "310000.00", "balance_due_on": "2027-03-26",
               "security": "银行保函", "periods_provisional": false}),
        "a1",
    );
    round_trip(
        PreemptionRecorded {
            auction_id: "a1".into(),
            deal_id: "d1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "property".into(),
            price: Money::from_fen(103_000_000),
            buyer: "shareholders".into(),
            winner_number: None,
            buyers: vec![PreemptionBuyer {
                name: "乙公司".into(),
                uscc: Some("91210200MA0000002Y".into()),
                share_percent: Some("100.00".into()),
                amount: Some(Money::from_fen(103_000_000)),
            }],
            waived: vec![PreemptionWaiver {
                name: "丙公司".into(),
                uscc: None,
                sha256: "ab".into(),
                deemed: true,
            }],
        },
        json!({"auction_id": "a1", "deal_id": "d1", "section_id": "s1", "project_id": "p1",
               "market": "property", "price": "1030000.00", "buyer": "shareholders",
               "winner_number": null,
               "buyers": [{"name": "乙公司", "uscc": "91210200MA0000002Y",
                           "share_percent": "100.00", "amount": "1030000.00"}],
               "waived": [{"name": "丙公司", "uscc": null, "sha256": "ab", "deemed": true}]}),
        "a1",
    );
}
