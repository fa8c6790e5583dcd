//! Unit tests of `lifecycle` (moved from the parent module).

use super::*;

fn lot() -> SectionInfo {
    SectionInfo {
        section_id: "s1".into(),
        project_id: "p1".into(),
        project_code: None,
        project_name: "甘井子区 2026-01 号地块".into(),
        section_name: "一号标的".into(),
        market: "land".into(),
        procedure: None,
        tenderer_name: None,
        tenderer_uscc: None,
        owner_org_id: None,
        estimated_price: None,
        docs_issue_at: None,
        bid_deadline: None,
        opening_at: None,
        prequal_due: None,
        prequal_docs_issue: None,
        prequal_sale_end: None,
    }
}

#[test]
fn a_deal_notice_locks_subject_buyer_price_and_deal_time_and_is_unique_per_deal() {
    // The producer's wire JSON, decoded through the contract.
    let wire = json!({"deal_id": "d1", "auction_id": "a1", "section_id": "s1",
                      "winner_org_id": "o1", "winner_number": "002",
                      "price": "1030000.00", "confirmed_at": "2026-04-01T01:15:00+00:00", "via": "auction"});
    let p = DealConfirmed::decode_payload(1, &wire).unwrap();
    let d = deal(&lot(), &p, Some("大连某置业有限公司".into()), &[]);
    assert_eq!(d.ann_type, AnnouncementType::Deal);
    for k in AnnouncementType::Deal.required_fields() {
        assert!(d.source[*k].is_string(), "{k} locked: {}", d.source);
    }
    assert_eq!(d.source["subject"], "甘井子区 2026-01 号地块一号标的");
    assert_eq!(d.source["winner"], "大连某置业有限公司");
    assert_eq!(d.source["price"], "1030000.00");
    assert_eq!(d.source["deal_at"], "2026-04-01T01:15:00+00:00");
    assert_eq!(d.key.as_deref(), Some("deal:d1"));
    assert!(d.body.contains("网络竞价") && d.body.contains("1,030,000.00 元"));
    // The deal time is Beijing time for the reader, never the event's RFC 3339 text.
    assert!(
        d.body.contains("2026-04-01 09:15") && !d.body.contains("01:15:00"),
        "{}",
        d.body
    );
    // A buyer this area never saw is left for the tenderer to fill in (required at submission).
    let d = deal(&lot(), &p, None, &[]);
    assert!(d.source.get("winner").is_none(), "{}", d.source);
}

#[test]
fn a_failed_listing_drafts_a_failure_notice_with_the_reason() {
    let wire = json!({"auction_id": "a1", "section_id": "s1", "reason": "no_quote",
                      "failed_at": "2026-03-30T01:00:00+00:00", "highest_price": null});
    let f = ListingFailed::decode_payload(1, &wire).unwrap();
    let p = AuctionFailed::from(f);
    let d = auction_failure(&lot(), &p);
    assert_eq!(d.ann_type, AnnouncementType::Failure);
    for k in AnnouncementType::Failure.required_fields() {
        assert!(!d.source[*k].is_null(), "{k}: {}", d.source);
    }
    assert_eq!(d.key.as_deref(), Some("auction:a1:failed"));
    assert!(d.title.ends_with("流拍公告") && d.body.contains("无人报价"));
    // A live auction terminated at its start for want of bidders (39号令 第十六条) says so.
    let p = AuctionFailed {
        reason: Some("too_few_bidders".into()),
        ..p
    };
    let d = auction_failure(&lot(), &p);
    assert!(d.body.contains("竞买人不足"), "{}", d.body);
    assert_eq!(d.source["reason"], "too_few_bidders");
}

#[test]
fn event_values_cannot_break_the_markdown_table() {
    assert_eq!(cell(&json!("甲|乙\n丙")), "甲\\|乙 丙");
    assert_eq!(cell(&Value::Null), "—");
    assert_eq!(cell(&json!(3)), "3");
}
