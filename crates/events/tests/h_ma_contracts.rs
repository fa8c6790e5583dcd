//! Round trip of the monitoring area's mining-result publication deadline (issue 21): the payload
//! its timer writes decodes to the struct and encodes back to exactly that payload.
#![allow(clippy::unwrap_used)] // a test target: a failed unwrap is a failed test

use ggzy_events::monitoring::MiningPublicationDeadlinePassed;
use serde_json::json;

mod common;
use common::{round_trip_exact, t};

#[test]
fn a_mining_publication_deadline_passed_round_trips() {
    round_trip_exact(
        MiningPublicationDeadlinePassed {
            section_id: "s1".into(),
            project_id: Some("p1".into()),
            procedure: "mining_listing".into(),
            deal_ref: "d1".into(),
            deal_at: t(1),
            due_at: t(16),
            working_days: 5,
            provisional: false,
            basis: "矿业权出让交易规则 (自然资规〔2023〕1号)".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "procedure": "mining_listing",
               "deal_ref": "d1", "deal_at": t(1).to_rfc3339(), "due_at": t(16).to_rfc3339(),
               "working_days": 5, "provisional": false,
               "basis": "矿业权出让交易规则 (自然资规〔2023〕1号)"}),
        "s1",
    );
    // A section the monitoring area knew no project of.
    round_trip_exact(
        MiningPublicationDeadlinePassed {
            section_id: "s2".into(),
            project_id: None,
            procedure: "mining_tender".into(),
            deal_ref: "e9".into(),
            deal_at: t(1),
            due_at: t(16),
            working_days: 5,
            provisional: true,
            basis: "b".into(),
        },
        json!({"section_id": "s2", "project_id": null, "procedure": "mining_tender",
               "deal_ref": "e9", "deal_at": t(1).to_rfc3339(), "due_at": t(16).to_rfc3339(),
               "working_days": 5, "provisional": true, "basis": "b"}),
        "s2",
    );
}
