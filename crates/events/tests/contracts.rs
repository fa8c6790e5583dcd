//! Decoding policy of the contracts and the catalogue's freshness.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed run.

use chrono::{TimeZone, Utc};
use ggzy_core::events::Event;
use ggzy_core::ident::Market;
use ggzy_core::Money;
use ggzy_events::identity::OrganizationRegistered;
use ggzy_events::projects::{SectionClosed, SectionRegistered};
use ggzy_events::{Contract, DecodeError};
use serde_json::{json, Value};

fn event(event_type: &str, payload: Value) -> Event {
    Event {
        seq: 7,
        id: "e1".into(),
        event_type: event_type.into(),
        aggregate_type: "section".into(),
        aggregate_id: "s1".into(),
        actor: "system:test".into(),
        actor_org: None,
        occurred_at: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
        payload,
        prev_hash: String::new(),
        hash: String::new(),
    }
}

fn section() -> SectionRegistered {
    let t = Utc.with_ymd_and_hms(2026, 3, 20, 1, 30, 0).unwrap();
    SectionRegistered {
        section_id: "s1".into(),
        no: 1,
        name: "一标段".into(),
        estimated_price: Money::from_fen(100_000_000),
        deposit: Money::from_fen(1_000_000),
        docs_issue_at: t,
        docs_sale_end_at: t,
        bid_deadline: t,
        opening_at: t,
        state: "registered".into(),
        subject: Some("works".into()),
        project_id: "p1".into(),
        project_code: None,
        project_name: "测试".into(),
        market: Market::Construction,
        procedure: "open_tender".into(),
        tenderer_uscc: "91210200MA0000000X".into(),
        owner_org_id: "o1".into(),
        bid_validity_days: Some(90),
        region: Some("210200".into()),
        tenderer_name: Some("大连市某局".into()),
    }
}

#[test]
fn encode_then_decode_round_trips_with_the_producers_wire_format() {
    let s = section();
    let ne = s.encode();
    assert_eq!(ne.event_type, "projects.section.registered");
    assert_eq!(ne.aggregate_type, "section");
    assert_eq!(ne.aggregate_id, "s1");
    // Instants as `to_rfc3339` writes them, money as a two-place string, no version marker in v1.
    assert_eq!(ne.payload["bid_deadline"], "2026-03-20T01:30:00+00:00");
    assert_eq!(ne.payload["deposit"], "10000.00");
    assert_eq!(ne.payload["market"], "construction");
    assert!(ne.payload.get("v").is_none());
    let back = SectionRegistered::decode(&event(SectionRegistered::NAME, ne.payload)).unwrap();
    assert_eq!(back, s);
}

#[test]
fn a_missing_required_field_is_an_error_never_an_empty_string() {
    let mut p = section().encode().payload;
    p.as_object_mut().unwrap().remove("deposit");
    let err = SectionRegistered::decode(&event(SectionRegistered::NAME, p)).unwrap_err();
    match &err {
        DecodeError::Payload {
            event_type,
            seq,
            detail,
        } => {
            assert_eq!(event_type, "projects.section.registered");
            assert_eq!(*seq, 7);
            assert!(detail.contains("deposit"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    // The consumer's error: internal, so the consumer machinery parks the event.
    let e: ggzy_core::Error = err.into();
    assert!(matches!(e, ggzy_core::Error::Internal(_)), "{e:?}");
    // A wrong type is refused too (money that is not money).
    let mut p = section().encode().payload;
    p["deposit"] = json!("ten yuan");
    assert!(SectionRegistered::decode(&event(SectionRegistered::NAME, p)).is_err());
}

#[test]
fn unknown_extra_fields_and_absent_optional_fields_are_accepted() {
    let mut p = section().encode().payload;
    p["field_from_the_future"] = json!({"x": 1});
    p.as_object_mut().unwrap().remove("bid_validity_days");
    p.as_object_mut().unwrap().remove("subject");
    // Version 1 as first emitted had neither the region nor the tenderer's name.
    p.as_object_mut().unwrap().remove("region");
    p.as_object_mut().unwrap().remove("tenderer_name");
    let s = SectionRegistered::decode(&event(SectionRegistered::NAME, p)).unwrap();
    assert_eq!(s.bid_validity_days, None);
    assert_eq!(s.subject, None);
    assert_eq!((s.region, s.tenderer_name), (None, None));
    // An instant with another offset is the same instant.
    let c = SectionClosed::decode(&event(
        SectionClosed::NAME,
        json!({"section_id": "s1", "deadline": "2026-03-20T09:30:00+08:00"}),
    ))
    .unwrap();
    assert_eq!(
        c.deadline,
        Some(Utc.with_ymd_and_hms(2026, 3, 20, 1, 30, 0).unwrap())
    );
}

#[test]
fn another_event_type_or_an_unknown_version_is_refused() {
    let p = section().encode().payload;
    assert!(matches!(
        SectionRegistered::decode(&event("projects.section.closed", p.clone())),
        Err(DecodeError::WrongType { .. })
    ));
    let mut p2 = p;
    p2["v"] = json!(2);
    assert_eq!(
        SectionRegistered::decode(&event(SectionRegistered::NAME, p2)),
        Err(DecodeError::UnknownVersion {
            event_type: "projects.section.registered".into(),
            version: 2
        })
    );
    let o = OrganizationRegistered::decode(&event(
        OrganizationRegistered::NAME,
        json!({"id": "o1", "uscc": "U", "name": "N", "kind": "bidder"}),
    ))
    .unwrap();
    assert_eq!(o.basic_account_no, None);
}

#[test]
fn catalogue_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/events.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == ggzy_events::markdown(),
        "docs/events.md is stale: run `cargo run -p ggzy-events --example catalogue`"
    );
}
