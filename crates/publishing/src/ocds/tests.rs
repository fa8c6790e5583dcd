//! Unit tests of `ocds` (moved from the parent module).

use super::*;

#[test]
fn the_compiled_release_merges_arrays_by_id_and_keeps_the_latest_values() {
    let r1 = json!({"id": "tender-1", "date": "2026-03-02T01:00:00+00:00", "tag": ["tender"],
        "initiationType": "tender",
        "tender": {"id": "s1", "status": "active", "tenderPeriod": {"startDate": "a", "endDate": "b"}}});
    let r2 = json!({"id": "amend-1", "date": "2026-03-10T01:00:00+00:00", "tag": ["tenderAmendment"],
        "initiationType": "tender",
        "tender": {"id": "s1", "tenderPeriod": {"endDate": "c"}, "amendments": [{"id": "x"}]}});
    let r3 = json!({"id": "award-1", "date": "2026-04-01T01:00:00+00:00", "tag": ["award"],
        "initiationType": "tender", "awards": [{"id": "a1", "status": "active"}],
        "tender": {"id": "s1", "status": "complete"}});
    let c = compile("ocds-x-s1", &[r1, r2, r3]);
    assert_eq!(c["tag"], json!(["compiled"]));
    assert_eq!(c["date"], "2026-04-01T01:00:00+00:00");
    assert_eq!(c["tender"]["tenderPeriod"]["startDate"], "a");
    assert_eq!(c["tender"]["tenderPeriod"]["endDate"], "c");
    assert_eq!(c["tender"]["status"], "complete");
    assert_eq!(c["tender"]["amendments"], json!([{"id": "x"}]));
    assert_eq!(c["awards"][0]["id"], "a1");
}

#[test]
fn parties_are_identified_by_their_uscc_when_known() {
    let (p, r) = party(
        Some(" 91210200MA0000001Y "),
        "org-1",
        "甲公司",
        &["tenderer"],
    );
    assert_eq!(p["id"], "CN-USCC-91210200MA0000001Y");
    assert_eq!(
        p["identifier"],
        json!({"scheme": "CN-USCC", "id": "91210200MA0000001Y", "legalName": "甲公司"})
    );
    assert_eq!(
        r,
        json!({"id": "CN-USCC-91210200MA0000001Y", "name": "甲公司"})
    );
    for unknown in [None, Some(""), Some("  ")] {
        let (p, _) = party(unknown, "org-1", "甲公司", &["supplier"]);
        assert_eq!(p["id"], "org-1");
        assert!(p.get("identifier").is_none(), "{p}");
    }
}

#[test]
fn a_bid_is_valid_at_the_opening_only_decrypted_priced_and_with_its_deposit() {
    let e = |d: &str, price: Value, dep: &str| OpeningEntry {
        bid_id: "b1".into(),
        org_id: "o1".into(),
        org_name: "甲公司".into(),
        uscc: "91210200MA0000001Y".into(),
        price: price
            .as_str()
            .map(|p| ggzy_core::Money::parse_str(p).expect("a test price")),
        decryption: d.into(),
        deposit: dep.into(),
        suite: None,
        fault: None,
    };
    assert_eq!(
        opening_status(&e("decrypted", json!("1.00"), "valid")).as_str(),
        "valid"
    );
    assert_eq!(
        opening_status(&e("decrypted", json!("1.00"), "unknown")).as_str(),
        "valid"
    );
    assert_eq!(
        opening_status(&e("decrypted", json!("1.00"), "missing")).as_str(),
        "disqualified"
    );
    assert_eq!(
        opening_status(&e("decrypted", json!("1.00"), "invalid")).as_str(),
        "disqualified"
    );
    assert_eq!(
        opening_status(&e("decrypted", Value::Null, "valid")).as_str(),
        "disqualified"
    );
    assert_eq!(
        opening_status(&e("not_decrypted", Value::Null, "valid")).as_str(),
        "disqualified"
    );
}

#[test]
fn amounts_are_exact_decimals_and_methods_follow_the_codelist() {
    assert_eq!(
        value(Some("1234.50")),
        Some(json!({"amount": 1234.5, "currency": "CNY"}))
    );
    assert_eq!(value(Some("x")), None);
    assert_eq!(method(Some("open_tender")), Some("open"));
    assert_eq!(method(Some("invited_tender")), Some("selective"));
}
