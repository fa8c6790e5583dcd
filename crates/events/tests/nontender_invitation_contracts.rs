//! Round trips of the contracts of procurement's non-tender invitation and consultation exception
//! (issue 21): each decodes the payload its producer writes, encodes to exactly that payload, and
//! survives encode → decode.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed run.

use ggzy_events::projects::*;
use serde_json::json;

mod common;
use common::round_trip_exact;

#[test]
fn nontender_exception_declared_round_trips() {
    round_trip_exact(
        NontenderExceptionDeclared {
            section_id: "s1".into(),
            project_id: "p1".into(),
            ground: "research".into(),
            reason: "市场竞争不充分的科研项目".into(),
            min_suppliers: 2,
            basis: "财库〔2014〕214号 第二十一条第三款".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "ground": "research",
               "reason": "市场竞争不充分的科研项目", "min_suppliers": 2,
               "basis": "财库〔2014〕214号 第二十一条第三款"}),
        "s1",
    );
}
