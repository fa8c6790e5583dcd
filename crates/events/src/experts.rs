//! Contracts of the experts area (统一专家库管理) that other areas consume.

use crate::contract;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One expert of a committee as events name him.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawnExpert {
    pub expert_id: String,
    pub name: String,
    /// The login of the expert, when linked.
    pub user_id: Option<String>,
    pub specialty: Option<String>,
}

contract! {
    /// A committee was drawn (随机抽取) for a section: the members (not the backups).
    DrawCompleted = "experts.draw.completed", version 1, aggregate "expert_draw" by draw_id {
        draw_id: String,
        section_id: String,
        session_id: Option<String>,
        /// Attempt number of the section's draws, from 1.
        attempt: Option<i64>,
        /// The drawn members.
        #[serde(default)]
        experts: Vec<crate::experts::DrawnExpert>,
        #[serde(default, with = "crate::time::option")]
        confirm_by: Option<DateTime<Utc>>,
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
        /// Why he left (`declined`, `timed_out`, `recused`).
        reason: Option<String>,
        specialty: Option<String>,
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
    ]
}
