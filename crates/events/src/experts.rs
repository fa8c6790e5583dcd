//! Contracts of the experts area (统一专家库管理) that other areas consume.

use crate::contract;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One expert of a committee as events name him.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawnExpert {
    pub expert_id: String,
    pub name: String,
    /// The login of the expert, when linked (`null` otherwise).
    pub user_id: Option<String>,
    /// Absent where the producer does not name it (the member who left, the experts told of a
    /// cancellation or a move).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialty: Option<String>,
}

contract! {
    /// A committee was drawn (随机抽取) for a section: the members (not the backups). Its instants
    /// are written to whole seconds with `Z`.
    DrawCompleted = "experts.draw.completed", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        session_id: Option<String>,
        /// Attempt number of the section's draws, from 1.
        attempt: Option<i64>,
        /// How many members were drawn.
        #[serde(default)]
        members: Option<u64>,
        /// How many backups were drawn.
        #[serde(default)]
        backups: Option<u64>,
        /// How many experts of the pool were eligible (the snapshot the seed drew from).
        #[serde(default)]
        eligible: Option<u64>,
        /// How many experts of the pool were screened out.
        #[serde(default)]
        excluded: Option<u64>,
        /// Screened-out experts by reason (`declared_conflict`, `booked` …): how many had each (an
        /// expert with two reasons counts under both).
        #[serde(default)]
        exclusion_counts: Option<std::collections::BTreeMap<String, u64>>,
        /// sha256 of the result (members and backups), hex.
        #[serde(default)]
        result_digest: Option<String>,
        /// The drawn members.
        #[serde(default)]
        experts: Vec<crate::experts::DrawnExpert>,
        #[serde(default, with = "crate::time::secs::option")]
        confirm_by: Option<DateTime<Utc>>,
        #[serde(default, with = "crate::time::secs::option")]
        session_start: Option<DateTime<Utc>>,
        #[serde(default, with = "crate::time::secs::option")]
        session_end: Option<DateTime<Utc>>,
    }
}

contract! {
    /// A member left the committee (declined, timed out, recused) and a backup took his seat
    /// (实施条例 48).
    MemberReplaced = "experts.member.replaced", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        session_id: Option<String>,
        /// The member who left (the same as `replaced.expert_id`).
        expert_id: Option<String>,
        /// His name (the same as `replaced.name`).
        #[serde(default)]
        name: Option<String>,
        /// His login, when linked.
        #[serde(default)]
        user_id: Option<String>,
        /// Why he left (`declined`, `timed_out`, `recused`).
        reason: Option<String>,
        specialty: Option<String>,
        /// The replacement's confirmation deadline (whole seconds, `Z`).
        #[serde(default, with = "crate::time::secs::option")]
        confirm_by: Option<DateTime<Utc>>,
        replaced: crate::experts::DrawnExpert,
        replacement: crate::experts::DrawnExpert,
        /// The roster change for the session: the replacement alone.
        #[serde(default)]
        experts: Vec<crate::experts::DrawnExpert>,
    }
}

contract! {
    /// An expert record changed (e.g. linked to the login the expert uses).
    ExpertUpdated = "experts.expert.updated", version 1, aggregate "expert" by expert_id {
        expert_id: String,
        user_id: Option<String>,
        username: Option<String>,
        /// What changed (`account_linked`).
        change: Option<String>,
    }
}

contract! {
    /// A two-step draw was requested: the centre's secret is committed (`sha256(s_c)`), the seed
    /// is not yet fixed (issue 24). Read back by the draw's public verification.
    DrawCommitted = "experts.draw.committed", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        session_id: Option<String>,
        /// sha256 of the centre's secret, 64 hex digits.
        centre_commitment: String,
        /// The seed layout (`contributed-v1`).
        scheme: Option<String>,
    }
}

contract! {
    /// A supervisor committed the secret of his own (`sha256(s_s)`) to a two-step draw. Read back
    /// by the draw's public verification.
    SupervisorCommitted = "experts.draw.supervisor_committed", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        supervisor_id: Option<String>,
        /// sha256 of the supervisor's secret, 64 hex digits.
        supervisor_commitment: String,
    }
}

contract! {
    /// A draw's seed was revealed: anyone recomputes the committee from the stored snapshot. A
    /// two-step draw also publishes the centre's secret and its scheme (absent otherwise).
    DrawRevealed = "experts.draw.revealed", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        /// The seed, hex.
        seed: String,
        /// sha256 of the seed, hex, as recorded before the result was seen.
        commitment: String,
        /// The centre's secret of a two-step draw.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        centre_secret: Option<String>,
        /// `contributed-v1` for a two-step draw.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scheme: Option<String>,
    }
}

contract! {
    /// A drawn expert was rated after the evaluation (1–5) by the tenderer, staff or a supervisor.
    ExpertRated = "experts.expert.rated", version 1, aggregate "expert" by expert_id {
        rating_id: String,
        draw_id: String,
        section_id: String,
        expert_id: String,
        /// The rater's role.
        rater_role: String,
        score: i64,
    }
}

contract! {
    /// A draw no longer stands: its session was cancelled, the members told.
    DrawCancelled = "experts.draw.cancelled", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        session_id: String,
        /// `session_cancelled`.
        reason: String,
        /// The members and backups told of the cancellation.
        #[serde(default)]
        notified: Vec<crate::experts::DrawnExpert>,
    }
}

/// An expert as a committee disclosure names him: name and specialty only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisclosedExpert {
    pub name: String,
    pub specialty: String,
}

contract! {
    /// The result of a section is determined (`projects.award.confirmed`): its committee is no
    /// longer confidential (招标投标法 37; 财政部令第87号 69). Names the experts serving on the
    /// section's active committee; publishing puts them in the procurement result announcement.
    CommitteeDisclosed = "experts.committee.disclosed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        /// The section's active draw, when it had one.
        draw_id: Option<String>,
        #[serde(default)]
        experts: Vec<crate::experts::DisclosedExpert>,
        #[serde(with = "crate::time")]
        determined_at: DateTime<Utc>,
        basis: String,
    }
}

// --- The experts area's own events (issue 17: every emitted event through a contract). Unless
// said otherwise their instants are written to whole seconds with `Z` (`crate::time::secs`).

/// How many experts (and backups) of one specialty a draw asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawSpecialty {
    pub specialty: String,
    pub count: u32,
    #[serde(default)]
    pub backups: u32,
}

contract! {
    /// A committee is being drawn for a section: what the draw asks for and what it commits to
    /// before the result is seen (the commitment and the digest of the pool snapshot). Written
    /// just before `experts.draw.completed`, in the same transaction.
    DrawRequested = "experts.draw.requested", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        /// The venues session, for a draw it scheduled.
        session_id: Option<String>,
        /// Attempt number of the section's draws, from 1.
        attempt: i64,
        /// sha256 of the seed (centre-only) or of the centre's secret (two-step draw), hex.
        commitment: String,
        /// sha256 of the canonical pool snapshot the seed draws from, hex.
        snapshot_digest: String,
        /// `contributed-v1` for a two-step draw, `null` otherwise.
        scheme: Option<String>,
        specialties: Vec<crate::experts::DrawSpecialty>,
        /// How many representatives of the tenderer sit on the committee.
        representatives: u32,
        #[serde(with = "crate::time::secs")]
        session_start: DateTime<Utc>,
        #[serde(with = "crate::time::secs")]
        session_end: DateTime<Utc>,
    }
}

contract! {
    /// A venues session asked for a draw that cannot be made (section unknown to the area, size
    /// rules, too few experts): every problem named, so the venue staff see why.
    DrawFailed = "experts.draw.failed", version 1, aggregate "section" by section_id {
        session_id: String,
        section_id: String,
        /// The broken rules, as a validation error names them.
        errors: Vec<ggzy_core::FieldError>,
    }
}

contract! {
    /// A two-step draw's supervisor revealed his secret: the seed follows from the published
    /// values, and the draw runs in the same transaction.
    SupervisorRevealed = "experts.draw.supervisor_revealed", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        /// The supervisor's secret s_s, 64 hex digits.
        supervisor_secret: String,
        /// Size of the signed audit checkpoint fixed after the supervisor's commitment.
        checkpoint_size: i64,
        /// Root hash of that checkpoint, hex.
        checkpoint_root: String,
    }
}

contract! {
    /// An open two-step draw request was abandoned (staff, or its venues session was cancelled:
    /// `session_cancelled`). The centre's secret is published with it: it can no longer seed
    /// anything, and anyone can check it against the commitment.
    DrawAbandoned = "experts.draw.abandoned", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        reason: String,
        session_id: Option<String>,
        /// sha256 of the centre's secret, hex.
        centre_commitment: String,
        /// The centre's secret s_c, 64 hex digits.
        centre_secret: String,
        /// The supervisor who committed, if one did.
        supervisor_id: Option<String>,
        supervisor_committed: bool,
    }
}

contract! {
    /// Venues moved the session of an open draw request: the request takes the new time and
    /// place. Its instants are written as `to_rfc3339` (`+00:00`).
    DrawRequestRescheduled = "experts.draw.request_rescheduled", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        session_id: String,
        #[serde(with = "crate::time")]
        session_start: DateTime<Utc>,
        #[serde(with = "crate::time")]
        session_end: DateTime<Utc>,
        place: String,
    }
}

contract! {
    /// Venues moved the session of a drawn committee: the draw takes the new time and place, the
    /// serving members are told.
    DrawRescheduled = "experts.draw.rescheduled", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        session_id: String,
        #[serde(with = "crate::time::secs")]
        session_start: DateTime<Utc>,
        #[serde(with = "crate::time::secs")]
        session_end: DateTime<Utc>,
        place: String,
        /// The pending and confirmed members told of the move (without specialty).
        #[serde(default)]
        notified: Vec<crate::experts::DrawnExpert>,
    }
}

contract! {
    /// A drawn member confirmed he will serve.
    MemberConfirmed = "experts.member.confirmed", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        session_id: Option<String>,
        expert_id: String,
        name: String,
        /// His login, when linked.
        user_id: Option<String>,
        specialty: String,
    }
}

crate::payload! {
    /// A member who leaves a committee before it sits: declined, timed out or recused.
    MemberLeft {
        draw_id: String,
        section_id: String,
        session_id: Option<String>,
        expert_id: String,
        name: String,
        /// His login, when linked.
        user_id: Option<String>,
        /// `declined`, `timed_out` or `recused`.
        status: String,
        reason: String,
    }
}

contract! {
    /// A drawn member declined (`status` `declined`, his reason) or gave no answer before the
    /// confirmation deadline (`status` `timed_out`); a backup is called next
    /// (`experts.member.replaced` or `experts.member.unreplaced`). Same payload as
    /// `experts.member.recused`.
    MemberDeclined = "experts.member.declined", version 1, aggregate "expert_draw" by draw_id, payload MemberLeft;
}

contract! {
    /// A member recused himself or staff recorded that he must (实施条例 48); a backup is called
    /// next.
    MemberRecused = "experts.member.recused", version 1, aggregate "expert_draw" by draw_id, payload MemberLeft;
}

contract! {
    /// A member left and no backup of his specialty may serve: the section needs a re-draw.
    MemberUnreplaced = "experts.member.unreplaced", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        session_id: Option<String>,
        /// The member who left.
        expert_id: String,
        name: String,
        user_id: Option<String>,
        specialty: String,
        /// How many members the committee now lacks in that specialty.
        short_by: i64,
        /// Why he left (`declined`, `timed_out`, `recused`).
        reason: String,
    }
}

contract! {
    /// An expert was registered in the pool. The resident ID is personal data: the event names
    /// the expert by id, never the number.
    ExpertRegistered = "experts.expert.registered", version 1, aggregate "expert" by expert_id {
        expert_id: String,
        name: String,
        employer_uscc: String,
        /// Specialty codes.
        specialties: Vec<String>,
        /// Professional title (`full_senior`, `senior` …).
        title: String,
        /// Years of practice.
        years: i64,
        /// Region code.
        region: String,
        /// `active`, `suspended` …
        status: String,
        /// In the government procurement pool (政采条例 39).
        procurement_pool: bool,
    }
}

contract! {
    /// Staff put an expert in or out of the procurement pool (政采条例 39).
    ExpertPoolChanged = "experts.expert.pool_changed", version 1, aggregate "expert" by expert_id {
        expert_id: String,
        procurement_pool: bool,
    }
}

/// The rule that suspended an expert automatically, and by how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum SuspensionRule {
    /// `count` low ratings within `window_days`.
    LowRatings { count: i64, window_days: i64 },
    /// `count` venue violations within `window_days`.
    Violations { count: i64, window_days: i64 },
}

contract! {
    /// An expert was suspended automatically (low ratings, venue violations) until `until`.
    ExpertSuspended = "experts.expert.suspended", version 1, aggregate "expert" by expert_id {
        expert_id: String,
        reason: crate::experts::SuspensionRule,
        /// `reason` in words.
        text: String,
        #[serde(with = "crate::time::secs")]
        from: DateTime<Utc>,
        #[serde(with = "crate::time::secs")]
        until: DateTime<Utc>,
        /// Always `true` (a rule, not staff, suspended him).
        automatic: bool,
    }
}

contract! {
    /// A relation of an expert (employment, kinship …) was recorded by staff or declared by the
    /// expert; draws avoid it. The event names the kind, the organization's code and the period,
    /// never the principal's name.
    RelationRecorded = "experts.relation.recorded", version 1, aggregate "expert" by expert_id {
        expert_id: String,
        relation_id: String,
        /// `employment`, `directorship`, `control`, `kinship`, `supervising_department`.
        kind: String,
        org_uscc: Option<String>,
        /// The market it is limited to; `null` = every market.
        market: Option<String>,
        /// First day (`YYYY-MM-DD`).
        since: Option<chrono::NaiveDate>,
        /// Last day (`YYYY-MM-DD`); `null` = ongoing.
        until: Option<chrono::NaiveDate>,
        /// `staff` or `expert`.
        recorded_by_role: String,
    }
}

contract! {
    /// A venue violation (`venues.violation.recorded`) was attributed to an expert of the pool;
    /// counted by the automatic suspension rule.
    ExpertViolationRecorded = "experts.violation.recorded", version 1, aggregate "expert" by expert_id {
        expert_id: String,
        session_id: Option<String>,
        /// What happened (`phone_in_room` …).
        kind: String,
        #[serde(with = "crate::time::secs")]
        at: DateTime<Utc>,
        /// The id of the `venues.violation.recorded` event.
        source_event_id: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        DrawCompleted::entry(),
        MemberReplaced::entry(),
        ExpertUpdated::entry(),
        DrawCommitted::entry(),
        SupervisorCommitted::entry(),
        DrawRevealed::entry(),
        ExpertRated::entry(),
        DrawCancelled::entry(),
        CommitteeDisclosed::entry(),
        DrawRequested::entry(),
        DrawFailed::entry(),
        SupervisorRevealed::entry(),
        DrawAbandoned::entry(),
        DrawRequestRescheduled::entry(),
        DrawRescheduled::entry(),
        MemberConfirmed::entry(),
        MemberDeclined::entry(),
        MemberRecused::entry(),
        MemberUnreplaced::entry(),
        ExpertRegistered::entry(),
        ExpertPoolChanged::entry(),
        ExpertSuspended::entry(),
        RelationRecorded::entry(),
        ExpertViolationRecorded::entry(),
    ]
}
