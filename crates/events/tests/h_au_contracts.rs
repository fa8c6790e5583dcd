//! Round trips of the contracts of the auctions, archives and identity areas and of the server's
//! audit record (issue 17: every emitted event through a type). Each wire below is the payload
//! the producer's `json!` wrote before the contract (the same expressions: `to_rfc3339()`,
//! `Money::to_string()`, `NaiveDate::to_string()` …); it decodes to the struct, and the struct
//! encodes to exactly that payload under the same name, aggregate type and id.
#![allow(clippy::unwrap_used)] // a test target: a failed unwrap is a failed test

use chrono::{Duration, NaiveDate};
use ggzy_events::Contract;
use serde_json::json;

mod common;
use common::{ev, m, round_trip_exact as round_trip, t};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn a_listing_created_round_trips_as_a_listing_and_as_a_live_auction() {
    use ggzy_events::auctions::ListingCreated;
    let listing = ListingCreated {
        auction_id: "a1".into(),
        section_id: "s1".into(),
        project_id: "p1".into(),
        market: "land".into(),
        listing_start: t(1),
        listing_end: t(9),
        starting_price: m("1000000.00"),
        increment: m("10000.00"),
        final_auction: "online".into(),
        appraisal_value: None,
        periods_provisional: false,
        eligibility_review: Some(true),
        continuation: Some("on_request".into()),
        procedure: Some("listing".into()),
        auction_start: None,
    };
    round_trip(
        listing.clone(),
        json!({"auction_id": "a1", "section_id": "s1", "project_id": "p1", "market": "land",
               "listing_start": t(1).to_rfc3339(), "listing_end": t(9).to_rfc3339(),
               "starting_price": "1000000.00", "increment": "10000.00", "final_auction": "online",
               "appraisal_value": null, "periods_provisional": false,
               "eligibility_review": true, "continuation": "on_request",
               "procedure": "listing", "auction_start": null}),
        "a1",
    );
    round_trip(
        ListingCreated {
            market: "property".into(),
            listing_end: t(1),
            appraisal_value: Some(m("900000.00")),
            periods_provisional: true,
            eligibility_review: None,
            continuation: None,
            procedure: None,
            auction_start: Some(t(1)),
            ..listing
        },
        json!({"auction_id": "a1", "section_id": "s1", "project_id": "p1", "market": "property",
               "listing_start": t(1).to_rfc3339(), "listing_end": t(1).to_rfc3339(),
               "starting_price": "1000000.00", "increment": "10000.00", "final_auction": "online",
               "appraisal_value": "900000.00", "periods_provisional": true,
               "eligibility_review": null, "continuation": null,
               "procedure": null, "auction_start": t(1).to_rfc3339()}),
        "a1",
    );
}

#[test]
fn the_live_auction_quotes_and_the_onsite_auction_round_trip() {
    use ggzy_events::auctions::{AuctionStarted, BidAccepted, OnsitePending, OnsiteRecorded};
    // Instants with a fraction of a second are written as `to_rfc3339` wrote them.
    let start = t(2) + Duration::microseconds(123_456);
    round_trip(
        AuctionStarted {
            auction_id: "a1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "land".into(),
            auction_start: start,
            free_bid_end: start + Duration::seconds(600),
            ends_at: start + Duration::seconds(900),
            current_price: Some(m("1010000.00")),
        },
        json!({"auction_id": "a1", "section_id": "s1", "project_id": "p1", "market": "land",
               "auction_start": start.to_rfc3339(),
               "free_bid_end": (start + Duration::seconds(600)).to_rfc3339(),
               "ends_at": (start + Duration::seconds(900)).to_rfc3339(),
               "current_price": "1010000.00"}),
        "a1",
    );
    round_trip(
        BidAccepted {
            auction_id: "a1".into(),
            section_id: "s1".into(),
            seq: 7,
            bid_id: "b7".into(),
            org_id: "o1".into(),
            number: "003".into(),
            price: m("1020000.00"),
            phase: "auction".into(),
            at: t(3),
            ends_at: t(4),
            extended: true,
            round: 2,
        },
        json!({"auction_id": "a1", "section_id": "s1", "seq": 7, "bid_id": "b7", "org_id": "o1",
               "number": "003", "price": "1020000.00", "phase": "auction",
               "at": t(3).to_rfc3339(), "ends_at": t(4).to_rfc3339(), "extended": true,
               "round": 2}),
        "a1",
    );
    round_trip(
        OnsitePending {
            auction_id: "a1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "land".into(),
            listing_end: t(9),
            current_price: None,
            competing_numbers: vec!["001".into(), "002".into()],
            bidder_org_ids: vec!["o1".into(), "o2".into()],
        },
        json!({"auction_id": "a1", "section_id": "s1", "project_id": "p1", "market": "land",
               "listing_end": t(9).to_rfc3339(), "current_price": null,
               "competing_numbers": ["001", "002"], "bidder_org_ids": ["o1", "o2"]}),
        "a1",
    );
    // The price and number as staff typed them (not normalized).
    round_trip(
        OnsiteRecorded {
            auction_id: "a1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "land".into(),
            booking_id: "bk1".into(),
            result: "deal".into(),
            winner_number: Some(" 002".into()),
            price: Some("1050000".into()),
            reason: None,
            recorded_at: t(10),
        },
        json!({"auction_id": "a1", "section_id": "s1", "project_id": "p1", "market": "land",
               "booking_id": "bk1", "result": "deal", "winner_number": " 002",
               "price": "1050000", "reason": null, "recorded_at": t(10).to_rfc3339()}),
        "a1",
    );
}

/// The fields every re-listing event carries (the producer's former `relist_payload`).
fn relist_wire(extra: serde_json::Value) -> serde_json::Value {
    let mut p = json!({"auction_id": "a1", "relist_id": "r1", "section_id": "s1",
        "project_id": "p1", "market": "property", "kind": "lower_floor", "round": 2,
        "listing_start": t(1).to_rfc3339(), "listing_end": t(9).to_rfc3339(),
        "starting_price": "800000.00", "previous_starting_price": "1000000.00",
        "appraisal_value": "1000000.00", "requested_by": "u1"});
    for (k, v) in extra.as_object().unwrap() {
        p[k] = v.clone();
    }
    p
}

#[test]
fn the_re_listing_events_round_trip_with_the_rounds_fields() {
    use ggzy_events::auctions::{
        FloorConsentRecorded, ListingRelisted, RelistApproved, RelistRefused,
    };
    round_trip(
        ListingRelisted {
            auction_id: "a1".into(),
            relist_id: Some("r1".into()),
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            market: Some("property".into()),
            kind: Some("lower_floor".into()),
            round: Some(2),
            bidder_org_ids: vec!["o1".into()],
            listing_start: Some(t(1)),
            listing_end: Some(t(9)),
            starting_price: Some(m("800000.00")),
            previous_starting_price: Some(m("1000000.00")),
            appraisal_value: Some(m("1000000.00")),
            requested_by: Some("u1".into()),
            reserve_set: Some(false),
            approved_by: None,
            periods_provisional: Some(false),
        },
        relist_wire(json!({"reserve_set": false, "bidder_org_ids": ["o1"],
                           "approved_by": null, "periods_provisional": false})),
        "a1",
    );
    // An event from before the added fields still decodes (additive change, same version).
    let old = ListingRelisted::decode(&ev(
        ListingRelisted::NAME,
        "auction",
        "a1",
        json!({"auction_id": "a1", "section_id": "s1", "bidder_org_ids": ["o1"]}),
    ))
    .unwrap();
    assert_eq!(
        (old.listing_start, old.starting_price, old.reserve_set),
        (None, None, None)
    );
    round_trip(
        FloorConsentRecorded {
            auction_id: "a1".into(),
            relist_id: "r1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "property".into(),
            kind: "lower_floor".into(),
            round: 2,
            listing_start: t(1),
            listing_end: t(9),
            starting_price: m("800000.00"),
            previous_starting_price: m("1000000.00"),
            appraisal_value: Some(m("1000000.00")),
            requested_by: "u1".into(),
            threshold_bp: 9000,
            required: true,
            approving_body: "大连市国资委".into(),
            signed_by: "张三".into(),
            consented_on: day("2026-03-19"),
            file_name: "同意函.pdf".into(),
            sha256: "ab".repeat(32),
            size_bytes: 1234,
        },
        relist_wire(json!({"threshold_bp": 9000, "required": true,
                           "approving_body": "大连市国资委", "signed_by": "张三",
                           "consented_on": "2026-03-19", "file_name": "同意函.pdf",
                           "sha256": "ab".repeat(32), "size_bytes": 1234})),
        "a1",
    );
    let mut no_appraisal = relist_wire(json!({"decided_by": "u2", "reason": null}));
    no_appraisal["appraisal_value"] = json!(null);
    round_trip(
        RelistApproved {
            auction_id: "a1".into(),
            relist_id: "r1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "property".into(),
            kind: "lower_floor".into(),
            round: 2,
            listing_start: t(1),
            listing_end: t(9),
            starting_price: m("800000.00"),
            previous_starting_price: m("1000000.00"),
            appraisal_value: None,
            requested_by: "u1".into(),
            decided_by: "u2".into(),
            reason: None,
        },
        no_appraisal,
        "a1",
    );
    round_trip(
        RelistRefused {
            auction_id: "a1".into(),
            relist_id: "r1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "property".into(),
            kind: "lower_floor".into(),
            round: 2,
            listing_start: t(1),
            listing_end: t(9),
            starting_price: m("800000.00"),
            previous_starting_price: m("1000000.00"),
            appraisal_value: Some(m("1000000.00")),
            requested_by: "u1".into(),
            decided_by: "u2".into(),
            reason: "底价过低".into(),
        },
        relist_wire(json!({"decided_by": "u2", "reason": "底价过低"})),
        "a1",
    );
}

#[test]
fn the_land_market_steps_round_trip() {
    use ggzy_events::auctions::{
        ContinueRequested, EligibilityConfirmed, LandContractOpened, LandContractPaymentRecorded,
        LandContractSigned, LandFloorApprovalRecorded,
    };
    round_trip(
        EligibilityConfirmed {
            auction_id: "a1".into(),
            section_id: "s1".into(),
            org_id: "o1".into(),
            number: "001".into(),
            confirmed_by: "staff1".into(),
            confirmed_at: t(2),
        },
        json!({"auction_id": "a1", "section_id": "s1", "org_id": "o1", "number": "001",
               "confirmed_by": "staff1", "confirmed_at": t(2).to_rfc3339()}),
        "a1",
    );
    round_trip(
        ContinueRequested {
            auction_id: "a1".into(),
            section_id: "s1".into(),
            number: "001".into(),
            round: 1,
            requested_at: t(3),
        },
        json!({"auction_id": "a1", "section_id": "s1", "number": "001", "round": 1,
               "requested_at": t(3).to_rfc3339()}),
        "a1",
    );
    round_trip(
        LandFloorApprovalRecorded {
            auction_id: "a1".into(),
            section_id: "s1".into(),
            relist_id: "r1".into(),
            document: "大政地〔2026〕12号".into(),
            approved_by: "大连市人民政府".into(),
            starting_price: m("800000.00"),
            previous_starting_price: m("1000000.00"),
            recorded_by: "staff1".into(),
            recorded_at: t(4),
        },
        json!({"auction_id": "a1", "section_id": "s1", "relist_id": "r1",
               "document": "大政地〔2026〕12号", "approved_by": "大连市人民政府",
               "starting_price": "800000.00", "previous_starting_price": "1000000.00",
               "recorded_by": "staff1", "recorded_at": t(4).to_rfc3339()}),
        "a1",
    );
    round_trip(
        LandContractOpened {
            deal_id: "d1".into(),
            auction_id: "a1".into(),
            section_id: "s1".into(),
            winner_org_id: "o1".into(),
            price: m("1200000.00"),
            sign_due_date: day("2026-04-03"),
            source: "国土资发〔2010〕34号".into(),
        },
        json!({"deal_id": "d1", "auction_id": "a1", "section_id": "s1", "winner_org_id": "o1",
               "price": "1200000.00", "sign_due_date": "2026-04-03",
               "source": "国土资发〔2010〕34号"}),
        "a1",
    );
    round_trip(
        LandContractSigned {
            deal_id: "d1".into(),
            auction_id: "a1".into(),
            section_id: "s1".into(),
            contract_no: "DL-2026-001".into(),
            signed_on: day("2026-04-01"),
            late: false,
            first_due_date: day("2026-05-01"),
            final_due_date: day("2027-04-01"),
            first_minimum: m("600000.00"),
        },
        json!({"deal_id": "d1", "auction_id": "a1", "section_id": "s1",
               "contract_no": "DL-2026-001", "signed_on": "2026-04-01", "late": false,
               "first_due_date": "2026-05-01", "final_due_date": "2027-04-01",
               "first_minimum": "600000.00"}),
        "a1",
    );
    round_trip(
        LandContractPaymentRecorded {
            deal_id: "d1".into(),
            auction_id: "a1".into(),
            payment_id: "pay1".into(),
            amount: m("600000.00"),
            paid_on: day("2026-04-20"),
            paid_total: m("600000.00"),
        },
        json!({"deal_id": "d1", "auction_id": "a1", "payment_id": "pay1",
               "amount": "600000.00", "paid_on": "2026-04-20", "paid_total": "600000.00"}),
        "a1",
    );
}

#[test]
fn a_capital_increase_round_trips_and_its_deal_is_a_deal_confirmed_for_consumers() {
    use ggzy_events::auctions::{
        CapitalCriterion, CapitalIncreaseAgreed, CapitalIncreaseDealConfirmed,
        CapitalIncreaseOpened, CapitalIncreaseSelected, DealConfirmed, RankedInvestor,
        SelectionLot,
    };
    round_trip(
        CapitalIncreaseOpened {
            capital_increase_id: "c1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "property".into(),
            disclosure_start: t(1),
            disclosure_end: t(9),
            amount_sought: m("5000000.00"),
            method: "comprehensive_evaluation".into(),
            criteria: vec![
                CapitalCriterion {
                    name: "投资金额".into(),
                    weight: 60,
                },
                CapitalCriterion {
                    name: "产业协同".into(),
                    weight: 40,
                },
            ],
            source: "国资委 财政部令第32号 第三十九条".into(),
            investors_sought: None,
            amount_minimum: None,
        },
        json!({"capital_increase_id": "c1", "section_id": "s1", "project_id": "p1",
               "market": "property", "disclosure_start": t(1).to_rfc3339(),
               "disclosure_end": t(9).to_rfc3339(), "amount_sought": "5000000.00",
               "method": "comprehensive_evaluation",
               "criteria": [{"name": "投资金额", "weight": 60}, {"name": "产业协同", "weight": 40}],
               "source": "国资委 财政部令第32号 第三十九条"}),
        "c1",
    );
    let selected = CapitalIncreaseSelected {
        capital_increase_id: "c1".into(),
        section_id: "s1".into(),
        project_id: "p1".into(),
        investor_org_id: "o2".into(),
        amount: m("5200000.00"),
        total: "87.50".into(),
        ranking: vec![
            RankedInvestor {
                org_id: "o2".into(),
                total: "87.50".into(),
            },
            RankedInvestor {
                org_id: "o1".into(),
                total: "87.50".into(),
            },
        ],
        lot: Some(SelectionLot {
            seed: "ff".repeat(16),
            tied: vec!["o1".into(), "o2".into()],
            rule: "lot rule".into(),
        }),
        source: "32号令".into(),
        investors: None,
    };
    let wire = json!({"capital_increase_id": "c1", "section_id": "s1", "project_id": "p1",
                      "investor_org_id": "o2", "amount": "5200000.00", "total": "87.50",
                      "ranking": [{"org_id": "o2", "total": "87.50"},
                                  {"org_id": "o1", "total": "87.50"}],
                      "lot": {"seed": "ff".repeat(16), "tied": ["o1", "o2"], "rule": "lot rule"},
                      "source": "32号令"});
    round_trip(selected.clone(), wire.clone(), "c1");
    let mut no_tie = wire;
    no_tie["lot"] = json!(null);
    round_trip(
        CapitalIncreaseSelected {
            lot: None,
            ..selected
        },
        no_tie,
        "c1",
    );
    round_trip(
        CapitalIncreaseAgreed {
            capital_increase_id: "c1".into(),
            deal_id: "d1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            investor_org_id: "o2".into(),
            amount: m("5200000.00"),
            amount_sought: m("5000000.00"),
            agreement_no: "ZZ-001".into(),
            signed_on: day("2026-03-20"),
            publicity_start: t(10),
            publicity_end: t(10) + Duration::days(7),
            source: "32号令 第四十五条".into(),
            investors: None,
        },
        json!({"capital_increase_id": "c1", "deal_id": "d1", "section_id": "s1",
               "project_id": "p1", "investor_org_id": "o2", "amount": "5200000.00",
               "amount_sought": "5000000.00", "agreement_no": "ZZ-001",
               "signed_on": "2026-03-20", "publicity_start": t(10).to_rfc3339(),
               "publicity_end": (t(10) + Duration::days(7)).to_rfc3339(),
               "source": "32号令 第四十五条"}),
        "c1",
    );
    let deal = CapitalIncreaseDealConfirmed {
        deal_id: "d1".into(),
        auction_id: "c1".into(),
        capital_increase_id: "c1".into(),
        section_id: "s1".into(),
        project_id: "p1".into(),
        market: "property".into(),
        winner_org_id: "o2".into(),
        winner_number: "".into(),
        price: m("5200000.00"),
        via: "capital_increase".into(),
        confirmed_at: t(10),
        publicity_start_at: t(10),
        publicity_end_at: t(11),
        bidder_org_ids: vec!["o1".into(), "o2".into()],
        loser_org_ids: vec!["o1".into()],
        co_winners: None,
    };
    let wire = json!({"deal_id": "d1", "auction_id": "c1", "capital_increase_id": "c1",
                      "section_id": "s1", "project_id": "p1", "market": "property",
                      "winner_org_id": "o2", "winner_number": "", "price": "5200000.00",
                      "via": "capital_increase", "confirmed_at": t(10).to_rfc3339(),
                      "publicity_start_at": t(10).to_rfc3339(),
                      "publicity_end_at": t(11).to_rfc3339(),
                      "bidder_org_ids": ["o1", "o2"], "loser_org_ids": ["o1"]});
    round_trip(deal.clone(), wire.clone(), "c1");
    // The same event name as a listing's deal, recorded under the capital increase.
    let e = deal.encode();
    assert_eq!(
        (e.event_type.as_str(), e.aggregate_type.as_str()),
        (DealConfirmed::NAME, "capital_increase")
    );
    // Its consumers (deposits, publishing, projects) decode it as a DealConfirmed.
    let as_deal =
        DealConfirmed::decode(&ev(DealConfirmed::NAME, "capital_increase", "c1", wire)).unwrap();
    assert_eq!(as_deal, DealConfirmed::from(deal));
}

#[test]
fn a_failed_capital_increase_round_trips_and_is_a_listing_failed_for_consumers() {
    use ggzy_events::auctions::{
        CapitalIncreaseFailed, CapitalIncreaseListingFailed, ListingFailed,
    };
    round_trip(
        CapitalIncreaseFailed {
            capital_increase_id: "c1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "property".into(),
            outcome: "no_investor".into(),
            reason: "信息披露期满未征集到意向投资方".into(),
            failed_at: t(10),
            registered_org_ids: vec!["o1".into()],
            source: "32号令 (to verify)".into(),
        },
        json!({"capital_increase_id": "c1", "section_id": "s1", "project_id": "p1",
               "market": "property", "outcome": "no_investor",
               "reason": "信息披露期满未征集到意向投资方", "failed_at": t(10).to_rfc3339(),
               "registered_org_ids": ["o1"], "source": "32号令 (to verify)"}),
        "c1",
    );
    let failed = CapitalIncreaseListingFailed {
        auction_id: "c1".into(),
        capital_increase_id: "c1".into(),
        section_id: "s1".into(),
        project_id: "p1".into(),
        market: "property".into(),
        reason: "no_investor".into(),
        failed_at: t(10),
        highest_price: None,
        bidder_org_ids: vec!["o1".into()],
    };
    let wire = json!({"auction_id": "c1", "capital_increase_id": "c1", "section_id": "s1",
                      "project_id": "p1", "market": "property", "reason": "no_investor",
                      "failed_at": t(10).to_rfc3339(), "highest_price": null,
                      "bidder_org_ids": ["o1"]});
    round_trip(failed.clone(), wire.clone(), "c1");
    let e = failed.encode();
    assert_eq!(
        (e.event_type.as_str(), e.aggregate_type.as_str()),
        (ListingFailed::NAME, "capital_increase")
    );
    // Its consumers (deposits, publishing) decode it as a ListingFailed.
    let as_failed =
        ListingFailed::decode(&ev(ListingFailed::NAME, "capital_increase", "c1", wire)).unwrap();
    assert_eq!(as_failed, ListingFailed::from(failed));
}

#[test]
fn the_archive_events_round_trip() {
    use ggzy_events::archives::{ArchiveCreated, ArchiveDisposed, ArchiveScheduled};
    round_trip(
        ArchiveScheduled {
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "construction".into(),
            ended_by: "projects.section.concluded".into(),
            end_seq: 42,
        },
        json!({"section_id": "s1", "project_id": "p1", "market": "construction",
               "ended_by": "projects.section.concluded", "end_seq": 42}),
        "s1",
    );
    round_trip(
        ArchiveCreated {
            archive_id: "ar1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "construction".into(),
            ended_by: "projects.section.concluded".into(),
            retain_until: day("2041-12-31"),
            retention_years: 15,
            basis: "电子招标投标办法 第五十九条".into(),
            tree_size: 1200,
            events: 37,
            documents: 5,
            bundle_sha256: "aa".repeat(32),
            manifest_sha256: "bb".repeat(32),
        },
        json!({"archive_id": "ar1", "section_id": "s1", "project_id": "p1",
               "market": "construction", "ended_by": "projects.section.concluded",
               "retain_until": "2041-12-31", "retention_years": 15,
               "basis": "电子招标投标办法 第五十九条", "tree_size": 1200, "events": 37,
               "documents": 5, "bundle_sha256": "aa".repeat(32),
               "manifest_sha256": "bb".repeat(32)}),
        "ar1",
    );
    round_trip(
        ArchiveDisposed {
            archive_id: "ar1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            market: "construction".into(),
            retain_until: day("2041-12-31"),
            reason: "保管期满, 鉴定销毁".into(),
            bundle_sha256: "aa".repeat(32),
        },
        json!({"archive_id": "ar1", "section_id": "s1", "project_id": "p1",
               "market": "construction", "retain_until": "2041-12-31",
               "reason": "保管期满, 鉴定销毁", "bundle_sha256": "aa".repeat(32)}),
        "ar1",
    );
}

#[test]
fn the_identity_events_round_trip() {
    use ggzy_events::identity::{
        InvitationIssued, UserDisabled, UserLoggedIn, UserPasswordReset, UserRolesChanged,
    };
    // The producer serialized the instant itself (chrono's format, `Z`, with the fraction).
    let expires = t(1) + Duration::days(7) + Duration::microseconds(250_000);
    let wire = json!({"invitation_id": "i1", "org_id": "o1", "role": "bidder",
                      "issued_by": "u1", "expires_at": expires});
    assert_eq!(wire["expires_at"], "2026-03-27T01:30:00.250Z");
    round_trip(
        InvitationIssued {
            invitation_id: "i1".into(),
            org_id: "o1".into(),
            role: "bidder".into(),
            issued_by: "u1".into(),
            expires_at: expires,
        },
        wire,
        "o1",
    );
    round_trip(UserDisabled { id: "u2".into() }, json!({"id": "u2"}), "u2");
    round_trip(
        UserPasswordReset { id: "u2".into() },
        json!({"id": "u2"}),
        "u2",
    );
    round_trip(
        UserRolesChanged {
            id: "u2".into(),
            username: "zhang".into(),
            org_id: None,
            old_roles: vec!["staff".into()],
            new_roles: vec!["admin".into()],
            removed: vec!["staff".into()],
            added: vec!["admin".into()],
        },
        json!({"id": "u2", "username": "zhang", "org_id": null, "old_roles": ["staff"],
               "new_roles": ["admin"], "removed": ["staff"], "added": ["admin"]}),
        "u2",
    );
    // The user's id is the aggregate id only: decode fills it from the event.
    round_trip(
        UserLoggedIn {
            user_id: "u2".into(),
            username: "zhang".into(),
            ip: "10.0.0.7".into(),
        },
        json!({"username": "zhang", "ip": "10.0.0.7"}),
        "u2",
    );
    assert!(UserLoggedIn::decode(&ev(
        "identity.user.disabled",
        "user",
        "u2",
        json!({"username": "zhang", "ip": "10.0.0.7"})
    ))
    .is_err());
    assert!(UserLoggedIn::decode(&ev(
        UserLoggedIn::NAME,
        "user",
        "u2",
        json!({"username": "zhang"})
    ))
    .is_err());
}

#[test]
fn the_identity_disclosure_round_trips() {
    use ggzy_events::audit::IdentitiesDisclosed;
    round_trip(
        IdentitiesDisclosed {
            section_id: "s1".into(),
            reason: "投诉处理需要核实投标人身份".into(),
            user_id: "sup1".into(),
            username: "supervisor".into(),
            org_id: Some("gov1".into()),
        },
        json!({"section_id": "s1", "reason": "投诉处理需要核实投标人身份", "user_id": "sup1",
               "username": "supervisor", "org_id": "gov1"}),
        "s1",
    );
}

/// Several investors (issue 21): the additive fields round-trip, are absent (not null) with one
/// investor — the payloads above are unchanged — and a deal's `co_winners` reach consumers
/// decoding it as a `DealConfirmed`; a listing's deal payload without them decodes as before.
#[test]
fn a_capital_increase_with_several_investors_names_them_all_in_its_deal() {
    use ggzy_events::auctions::{
        CapitalIncreaseDealConfirmed, CapitalIncreaseSelected, CoWinner, DealConfirmed,
        RankedInvestor, SelectedInvestor,
    };
    let inv = |o: &str, a: &str, t: &str| SelectedInvestor {
        org_id: o.into(),
        amount: m(a),
        total: t.into(),
    };
    round_trip(
        CapitalIncreaseSelected {
            capital_increase_id: "c1".into(),
            section_id: "s1".into(),
            project_id: "p1".into(),
            investor_org_id: "o2".into(),
            amount: m("50000000.00"),
            total: "90.00".into(),
            ranking: vec![RankedInvestor {
                org_id: "o2".into(),
                total: "90.00".into(),
            }],
            lot: None,
            source: "32号令".into(),
            investors: Some(vec![
                inv("o2", "30000000.00", "90.00"),
                inv("o1", "20000000.00", "80.00"),
            ]),
        },
        json!({"capital_increase_id": "c1", "section_id": "s1", "project_id": "p1",
               "investor_org_id": "o2", "amount": "50000000.00", "total": "90.00",
               "ranking": [{"org_id": "o2", "total": "90.00"}], "lot": null, "source": "32号令",
               "investors": [{"org_id": "o2", "amount": "30000000.00", "total": "90.00"},
                             {"org_id": "o1", "amount": "20000000.00", "total": "80.00"}]}),
        "c1",
    );
    let deal = CapitalIncreaseDealConfirmed {
        deal_id: "d1".into(),
        auction_id: "c1".into(),
        capital_increase_id: "c1".into(),
        section_id: "s1".into(),
        project_id: "p1".into(),
        market: "property".into(),
        winner_org_id: "o2".into(),
        winner_number: "002".into(),
        price: m("50000000.00"),
        via: "capital_increase".into(),
        confirmed_at: t(10),
        publicity_start_at: t(10),
        publicity_end_at: t(11),
        bidder_org_ids: vec!["o1".into(), "o2".into(), "o3".into()],
        loser_org_ids: vec!["o3".into()],
        co_winners: Some(vec![CoWinner {
            org_id: "o1".into(),
            number: Some("001".into()),
            amount: m("20000000.00"),
        }]),
    };
    let wire = json!({"deal_id": "d1", "auction_id": "c1", "capital_increase_id": "c1",
                      "section_id": "s1", "project_id": "p1", "market": "property",
                      "winner_org_id": "o2", "winner_number": "002", "price": "50000000.00",
                      "via": "capital_increase", "confirmed_at": t(10).to_rfc3339(),
                      "publicity_start_at": t(10).to_rfc3339(),
                      "publicity_end_at": t(11).to_rfc3339(),
                      "bidder_org_ids": ["o1", "o2", "o3"], "loser_org_ids": ["o3"],
                      "co_winners": [{"org_id": "o1", "number": "001", "amount": "20000000.00"}]});
    round_trip(deal.clone(), wire.clone(), "c1");
    let as_deal =
        DealConfirmed::decode(&ev(DealConfirmed::NAME, "capital_increase", "c1", wire)).unwrap();
    assert_eq!(as_deal.co_winners.as_ref().map(Vec::len), Some(1));
    assert_eq!(as_deal, DealConfirmed::from(deal));
    // An old listing deal (no co_winners) decodes as before: one winner.
    let old = json!({"deal_id": "d2", "auction_id": "a1", "section_id": "s2",
                     "winner_org_id": "o1", "price": "100.00"});
    let d = DealConfirmed::decode(&ev(DealConfirmed::NAME, "auction", "a1", old)).unwrap();
    assert!(d.co_winners.is_none());
}
