//! Round trips of the experts' and publishing's own events (issue 17, branch h-ep): each decodes
//! the exact JSON its producer wrote before the contract (the old `json!`, rebuilt by hand here)
//! and encodes back to exactly that JSON.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed run.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use ggzy_core::FieldError;
use ggzy_events::experts::*;
use ggzy_events::publishing::*;
use ggzy_events::Contract;
use serde_json::{json, Value};

mod common;
use common::{round_trip_exact as round_trip, t};

/// An instant as the experts producers write most of theirs (`rfc3339_opts(Secs, true)`).
fn secs(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn expert(id: &str, user: Option<&str>, specialty: Option<&str>) -> DrawnExpert {
    DrawnExpert {
        expert_id: id.into(),
        name: format!("专家{id}"),
        user_id: user.map(str::to_string),
        specialty: specialty.map(str::to_string),
    }
}

#[test]
fn secs_instants_keep_their_wire_and_accept_any_offset() {
    let wire = json!({"expert_id": "x1", "session_id": null, "kind": "phone_in_room",
                      "at": "2026-03-20T01:30:00Z", "source_event_id": "e9"});
    let v = ExpertViolationRecorded {
        expert_id: "x1".into(),
        session_id: None,
        kind: "phone_in_room".into(),
        at: t(1),
        source_event_id: "e9".into(),
    };
    round_trip(v.clone(), wire, "x1");
    // `+00:00` (as `to_rfc3339` writes) decodes too; a fraction of a second is not written.
    let other = json!({"expert_id": "x1", "session_id": null, "kind": "phone_in_room",
                       "at": t(1).to_rfc3339(), "source_event_id": "e9"});
    assert_eq!(
        ExpertViolationRecorded::decode_payload(1, &other).unwrap(),
        v
    );
    let mut fraction = v.clone();
    fraction.at = t(1) + chrono::Duration::milliseconds(250);
    assert_eq!(fraction.encode().payload["at"], "2026-03-20T01:30:00Z");
}

#[test]
fn draw_completed_and_member_replaced_carry_everything_the_producer_writes() {
    round_trip(
        DrawCompleted {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: None,
            attempt: Some(2),
            members: Some(2),
            backups: Some(1),
            eligible: Some(12),
            excluded: Some(3),
            exclusion_counts: Some([("booked".to_string(), 2), ("suspended".into(), 1)].into()),
            result_digest: Some("ab".repeat(32)),
            experts: vec![
                expert("x1", Some("u1"), Some("A01")),
                expert("x2", None, Some("A02")),
            ],
            confirm_by: Some(t(2)),
            session_start: Some(t(5)),
            session_end: Some(t(9)),
        },
        json!({"draw_id": "d1", "section_id": "s1", "session_id": null, "attempt": 2,
               "members": 2, "backups": 1, "eligible": 12, "excluded": 3,
               "exclusion_counts": {"booked": 2, "suspended": 1},
               "result_digest": "ab".repeat(32),
               "experts": [{"expert_id": "x1", "name": "专家x1", "user_id": "u1", "specialty": "A01"},
                           {"expert_id": "x2", "name": "专家x2", "user_id": null, "specialty": "A02"}],
               "confirm_by": secs(t(2)), "session_start": secs(t(5)), "session_end": secs(t(9))}),
        "d1",
    );
    let replacement = expert("x3", None, Some("A01"));
    round_trip(
        MemberReplaced {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: Some("v1".into()),
            expert_id: Some("x1".into()),
            name: Some("专家x1".into()),
            user_id: Some("u1".into()),
            reason: Some("timed_out".into()),
            specialty: Some("A01".into()),
            confirm_by: Some(t(3)),
            replaced: expert("x1", Some("u1"), None),
            replacement: replacement.clone(),
            experts: vec![replacement],
        },
        json!({"draw_id": "d1", "section_id": "s1", "session_id": "v1", "expert_id": "x1",
               "name": "专家x1", "user_id": "u1", "reason": "timed_out", "specialty": "A01",
               "confirm_by": secs(t(3)),
               "replaced": {"expert_id": "x1", "name": "专家x1", "user_id": "u1"},
               "replacement": {"expert_id": "x3", "name": "专家x3", "user_id": null, "specialty": "A01"},
               "experts": [{"expert_id": "x3", "name": "专家x3", "user_id": null, "specialty": "A01"}]}),
        "d1",
    );
}

#[test]
fn draw_requested_round_trips() {
    round_trip(
        DrawRequested {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: Some("v1".into()),
            attempt: 1,
            commitment: "c".repeat(64),
            snapshot_digest: "f".repeat(64),
            scheme: Some("contributed-v1".into()),
            specialties: vec![DrawSpecialty {
                specialty: "A01".into(),
                count: 4,
                backups: 2,
            }],
            representatives: 1,
            session_start: t(5),
            session_end: t(9),
        },
        json!({"draw_id": "d1", "section_id": "s1", "session_id": "v1", "attempt": 1,
               "commitment": "c".repeat(64), "snapshot_digest": "f".repeat(64),
               "scheme": "contributed-v1",
               "specialties": [{"specialty": "A01", "count": 4, "backups": 2}],
               "representatives": 1, "session_start": secs(t(5)), "session_end": secs(t(9))}),
        "d1",
    );
}

#[test]
fn draw_failed_names_every_problem() {
    round_trip(
        DrawFailed {
            session_id: "v1".into(),
            section_id: "s1".into(),
            errors: vec![FieldError::new(
                "specialties[0].count",
                "draw.too_few_experts",
                "A01: 2 short",
            )],
        },
        json!({"session_id": "v1", "section_id": "s1",
               "errors": [{"field": "specialties[0].count", "rule": "draw.too_few_experts",
                           "message": "A01: 2 short"}]}),
        "s1",
    );
}

#[test]
fn two_step_draw_events_round_trip() {
    round_trip(
        SupervisorRevealed {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            supervisor_secret: "5".repeat(64),
            checkpoint_size: 42,
            checkpoint_root: "7".repeat(64),
        },
        json!({"draw_id": "d1", "section_id": "s1", "supervisor_secret": "5".repeat(64),
               "checkpoint_size": 42, "checkpoint_root": "7".repeat(64)}),
        "d1",
    );
    round_trip(
        DrawAbandoned {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            reason: "session_cancelled".into(),
            session_id: None,
            centre_commitment: "c".repeat(64),
            centre_secret: "9".repeat(64),
            supervisor_id: None,
            supervisor_committed: false,
        },
        json!({"draw_id": "d1", "section_id": "s1", "reason": "session_cancelled",
               "session_id": null, "centre_commitment": "c".repeat(64),
               "centre_secret": "9".repeat(64), "supervisor_id": null,
               "supervisor_committed": false}),
        "d1",
    );
    // The request keeps `to_rfc3339` (`+00:00`) instants.
    round_trip(
        DrawRequestRescheduled {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: "v1".into(),
            session_start: t(6),
            session_end: t(8),
            place: "评标室二".into(),
        },
        json!({"draw_id": "d1", "section_id": "s1", "session_id": "v1",
               "session_start": t(6).to_rfc3339(), "session_end": t(8).to_rfc3339(),
               "place": "评标室二"}),
        "d1",
    );
}

#[test]
fn draw_rescheduled_names_the_experts_told() {
    round_trip(
        DrawRescheduled {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: "v1".into(),
            session_start: t(6),
            session_end: t(8),
            place: "评标室二".into(),
            notified: vec![expert("x1", Some("u1"), None), expert("x2", None, None)],
        },
        json!({"draw_id": "d1", "section_id": "s1", "session_id": "v1",
               "session_start": secs(t(6)), "session_end": secs(t(8)), "place": "评标室二",
               "notified": [{"expert_id": "x1", "name": "专家x1", "user_id": "u1"},
                            {"expert_id": "x2", "name": "专家x2", "user_id": null}]}),
        "d1",
    );
    // The cancellation's list has the same shape (no specialty key).
    let cancelled = DrawCancelled {
        draw_id: "d1".into(),
        section_id: "s1".into(),
        session_id: "v1".into(),
        reason: "session_cancelled".into(),
        notified: vec![expert("x1", None, None)],
    };
    assert_eq!(
        cancelled.encode().payload["notified"],
        json!([{"expert_id": "x1", "name": "专家x1", "user_id": null}])
    );
}

/// The members' common part (`member_event` of the producer) and `extra`.
fn member(extra: Value) -> Value {
    let mut v = json!({"draw_id": "d1", "section_id": "s1", "session_id": "v1",
                       "expert_id": "x1", "name": "专家x1", "user_id": null});
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    v
}

#[test]
fn member_events_round_trip() {
    round_trip(
        MemberConfirmed {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: Some("v1".into()),
            expert_id: "x1".into(),
            name: "专家x1".into(),
            user_id: None,
            specialty: "A01".into(),
        },
        member(json!({"specialty": "A01"})),
        "d1",
    );
    round_trip(
        MemberDeclined(MemberLeft {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: Some("v1".into()),
            expert_id: "x1".into(),
            name: "专家x1".into(),
            user_id: None,
            status: "timed_out".into(),
            reason: "no answer before the confirmation deadline".into(),
        }),
        member(json!({"status": "timed_out",
                      "reason": "no answer before the confirmation deadline"})),
        "d1",
    );
    round_trip(
        MemberRecused(MemberLeft {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: Some("v1".into()),
            expert_id: "x1".into(),
            name: "专家x1".into(),
            user_id: None,
            status: "recused".into(),
            reason: "与投标人有利害关系".into(),
        }),
        member(json!({"status": "recused", "reason": "与投标人有利害关系"})),
        "d1",
    );
    round_trip(
        MemberUnreplaced {
            draw_id: "d1".into(),
            section_id: "s1".into(),
            session_id: Some("v1".into()),
            expert_id: "x1".into(),
            name: "专家x1".into(),
            user_id: None,
            specialty: "A01".into(),
            short_by: 1,
            reason: "declined".into(),
        },
        member(json!({"specialty": "A01", "short_by": 1, "reason": "declined"})),
        "d1",
    );
}

#[test]
fn expert_events_round_trip() {
    round_trip(
        ExpertRegistered {
            expert_id: "x1".into(),
            name: "张三".into(),
            employer_uscc: "91210200MA0000001X".into(),
            specialties: vec!["A01".into(), "B02".into()],
            title: "senior".into(),
            years: 12,
            region: "210200".into(),
            status: "active".into(),
            procurement_pool: true,
        },
        json!({"expert_id": "x1", "name": "张三", "employer_uscc": "91210200MA0000001X",
               "specialties": ["A01", "B02"], "title": "senior", "years": 12,
               "region": "210200", "status": "active", "procurement_pool": true}),
        "x1",
    );
    round_trip(
        ExpertPoolChanged {
            expert_id: "x1".into(),
            procurement_pool: false,
        },
        json!({"expert_id": "x1", "procurement_pool": false}),
        "x1",
    );
    round_trip(
        ExpertSuspended {
            expert_id: "x1".into(),
            reason: SuspensionRule::Violations {
                count: 2,
                window_days: 365,
            },
            text: "2 venue violations within 365 days".into(),
            from: t(1),
            until: t(1) + chrono::Duration::days(180),
            automatic: true,
        },
        json!({"expert_id": "x1",
               "reason": {"rule": "violations", "count": 2, "window_days": 365},
               "text": "2 venue violations within 365 days",
               "from": secs(t(1)), "until": secs(t(1) + chrono::Duration::days(180)),
               "automatic": true}),
        "x1",
    );
    let low = json!({"rule": "low_ratings", "count": 3, "window_days": 365});
    assert_eq!(
        serde_json::from_value::<SuspensionRule>(low).unwrap(),
        SuspensionRule::LowRatings {
            count: 3,
            window_days: 365
        }
    );
    round_trip(
        RelationRecorded {
            expert_id: "x1".into(),
            relation_id: "r1".into(),
            kind: "employment".into(),
            org_uscc: Some("91210200MA0000001X".into()),
            market: None,
            since: NaiveDate::from_ymd_opt(2021, 3, 1),
            until: None,
            recorded_by_role: "expert".into(),
        },
        json!({"expert_id": "x1", "relation_id": "r1", "kind": "employment",
               "org_uscc": "91210200MA0000001X", "market": null, "since": "2021-03-01",
               "until": null, "recorded_by_role": "expert"}),
        "x1",
    );
}

fn fields(status: &str) -> AnnouncementFields {
    AnnouncementFields {
        id: "a1".into(),
        market: "construction".into(),
        kind: "tender".into(),
        region: "210200".into(),
        project_id: None,
        section_ids: vec!["s1".into()],
        title: "招标公告".into(),
        status: status.into(),
        version: 2,
        original_id: None,
        publish_at: Some(t(4)),
        published_at: None,
        withdraw_reason: None,
    }
}

/// The old `service::payload(&a)` of [`fields`], with `extra`: instants as chrono serializes them.
fn announcement(status: &str, extra: Value) -> Value {
    let mut v = json!({"id": "a1", "announcement_id": "a1", "market": "construction",
                       "type": "tender", "region": "210200", "project_id": null,
                       "section_ids": ["s1"], "title": "招标公告", "status": status, "version": 2,
                       "original_id": null, "publish_at": t(4), "published_at": null,
                       "withdraw_reason": null});
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    v
}

#[test]
fn announcement_lifecycle_events_round_trip() {
    round_trip(
        AnnouncementCreated {
            announcement_id: "a1".into(),
            announcement: fields("draft"),
            source_event: None,
            source_event_type: None,
        },
        announcement("draft", json!({})),
        "a1",
    );
    round_trip(
        AnnouncementCreated {
            announcement_id: "a1".into(),
            announcement: fields("draft"),
            source_event: Some("e7".into()),
            source_event_type: Some("projects.candidates.publicized".into()),
        },
        announcement(
            "draft",
            json!({"source_event": "e7", "source_event_type": "projects.candidates.publicized"}),
        ),
        "a1",
    );
    macro_rules! plain {
        ($t:ident, $status:literal) => {
            round_trip(
                $t {
                    announcement_id: "a1".into(),
                    announcement: fields($status),
                },
                announcement($status, json!({})),
                "a1",
            )
        };
    }
    plain!(AnnouncementSubmitted, "submitted");
    plain!(AnnouncementApproved, "approved");
    plain!(AnnouncementScheduled, "scheduled");
    let mut withdrawn = fields("withdrawn");
    withdrawn.withdraw_reason = Some("项目终止".into());
    withdrawn.published_at = Some(t(5) + chrono::Duration::microseconds(1500));
    round_trip(
        AnnouncementWithdrawn {
            announcement_id: "a1".into(),
            announcement: withdrawn,
        },
        announcement(
            "withdrawn",
            json!({"withdraw_reason": "项目终止",
                   "published_at": t(5) + chrono::Duration::microseconds(1500)}),
        ),
        "a1",
    );
    round_trip(
        AnnouncementReturned {
            announcement_id: "a1".into(),
            announcement: fields("draft"),
            reason: Some("附件缺失".into()),
            violations: None,
        },
        announcement("draft", json!({"reason": "附件缺失"})),
        "a1",
    );
    let broken = FieldError::new("bid_deadline", "construction.deadline_min_days", "20 days");
    round_trip(
        AnnouncementReturned {
            announcement_id: "a1".into(),
            announcement: fields("draft"),
            reason: None,
            violations: Some(vec![broken.clone()]),
        },
        announcement("draft", json!({"violations": [broken]})),
        "a1",
    );
}

#[test]
fn announcement_published_carries_the_whole_announcement() {
    let wire = announcement("published", json!({"published_at": t(4)}));
    let published = |postpone: Vec<Postponement>| AnnouncementPublished {
        announcement_id: "a1".into(),
        kind: "tender".into(),
        market: Some("construction".into()),
        project_id: None,
        section_ids: vec!["s1".into()],
        published_at: Some(t(4)),
        postpone,
        prequalification_postpone: vec![],
        id: Some("a1".into()),
        region: Some("210200".into()),
        title: Some("招标公告".into()),
        status: Some("published".into()),
        version: Some(2),
        original_id: None,
        publish_at: Some(t(4)),
        withdraw_reason: None,
    };
    // No postponement: the key is absent, as the producer wrote it.
    round_trip(published(vec![]), wire.clone(), "a1");
    let mut with = wire;
    with["postpone"] = json!([{"section_id": "s1", "old_deadline": t(1).to_rfc3339(),
                               "new_deadline": t(6).to_rfc3339(),
                               "old_opening_at": t(1).to_rfc3339(),
                               "new_opening_at": t(6).to_rfc3339()}]);
    round_trip(
        published(vec![Postponement {
            section_id: "s1".into(),
            old_deadline: Some(t(1)),
            new_deadline: t(6),
            old_opening_at: Some(t(1)),
            new_opening_at: Some(t(6)),
        }]),
        with,
        "a1",
    );
}

#[test]
fn a_change_notice_during_prequalification_carries_the_moved_applications_deadline() {
    let mut wire = announcement("published", json!({"published_at": t(4)}));
    wire["prequalification_postpone"] = json!([{"section_id": "s1",
        "old_applications_due_at": t(5).to_rfc3339(),
        "new_applications_due_at": t(7).to_rfc3339()}]);
    let ev = AnnouncementPublished {
        announcement_id: "a1".into(),
        kind: "tender".into(),
        market: Some("construction".into()),
        project_id: None,
        section_ids: vec!["s1".into()],
        published_at: Some(t(4)),
        postpone: vec![],
        prequalification_postpone: vec![PrequalificationPostponement {
            section_id: "s1".into(),
            old_applications_due_at: t(5),
            new_applications_due_at: t(7),
        }],
        id: Some("a1".into()),
        region: Some("210200".into()),
        title: Some("招标公告".into()),
        status: Some("published".into()),
        version: Some(2),
        original_id: None,
        publish_at: Some(t(4)),
        withdraw_reason: None,
    };
    round_trip(ev, wire, "a1");
}

#[test]
fn date_outdated_round_trips() {
    round_trip(
        AnnouncementDateOutdated {
            id: "a1".into(),
            section_id: "s1".into(),
            field: "publicity_end_at".into(),
            published: Some(t(3)),
            now: t(7),
            basis: Some("民法典 第二百零三条".into()),
            action: "publish a correction (更正公告)".into(),
        },
        json!({"id": "a1", "section_id": "s1", "field": "publicity_end_at",
               "published": t(3).to_rfc3339(), "now": t(7).to_rfc3339(),
               "basis": "民法典 第二百零三条", "action": "publish a correction (更正公告)"}),
        "a1",
    );
    round_trip(
        AnnouncementDateOutdated {
            id: "a1".into(),
            section_id: "s1".into(),
            field: "publicity_end_at".into(),
            published: None,
            now: t(7),
            basis: None,
            action: "publish a correction (更正公告)".into(),
        },
        json!({"id": "a1", "section_id": "s1", "field": "publicity_end_at", "published": null,
               "now": t(7).to_rfc3339(), "basis": null,
               "action": "publish a correction (更正公告)"}),
        "a1",
    );
}
