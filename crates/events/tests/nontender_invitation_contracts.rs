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

#[test]
fn nontender_suppliers_invited_round_trips() {
    round_trip_exact(
        NontenderSuppliersInvited {
            section_id: "s1".into(),
            project_id: "p1".into(),
            procedure: "inquiry".into(),
            method: "draw".into(),
            invitees: vec![NontenderInvitee {
                uscc: "u1".into(),
                name: "甲".into(),
                source: "draw".into(),
                recommender: None,
                draw_key: Some("aa".into()),
            }],
            pool: Some("省政府采购供应商库".into()),
            pool_suppliers: vec!["u1".into(), "u2".into()],
            seed: Some("seed".into()),
            rule: Some("r".into()),
            basis: "财政部令第74号 第十二条".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "procedure": "inquiry", "method": "draw",
               "invitees": [{"uscc": "u1", "name": "甲", "source": "draw", "recommender": null,
                             "draw_key": "aa"}],
               "pool": "省政府采购供应商库", "pool_suppliers": ["u1", "u2"], "seed": "seed",
               "rule": "r", "basis": "财政部令第74号 第十二条"}),
        "s1",
    );
    round_trip_exact(
        NontenderSuppliersInvited {
            section_id: "s1".into(),
            project_id: "p1".into(),
            procedure: "competitive_negotiation".into(),
            method: "recommendation".into(),
            invitees: vec![NontenderInvitee {
                uscc: "u1".into(),
                name: "甲".into(),
                source: "expert".into(),
                recommender: Some("专家甲".into()),
                draw_key: None,
            }],
            pool: None,
            pool_suppliers: vec![],
            seed: None,
            rule: None,
            basis: "b".into(),
        },
        json!({"section_id": "s1", "project_id": "p1", "procedure": "competitive_negotiation",
               "method": "recommendation",
               "invitees": [{"uscc": "u1", "name": "甲", "source": "expert", "recommender": "专家甲",
                             "draw_key": null}],
               "pool": null, "pool_suppliers": [], "seed": null, "rule": null, "basis": "b"}),
        "s1",
    );
}
