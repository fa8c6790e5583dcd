//! Contracts of the publishing area (信息发布) that other areas consume.

use crate::contract;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A section whose bid deadline a change notice (变更公告) postponed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Postponement {
    pub section_id: String,
    #[serde(default, with = "crate::time::option")]
    pub old_deadline: Option<DateTime<Utc>>,
    #[serde(with = "crate::time")]
    pub new_deadline: DateTime<Utc>,
    #[serde(default, with = "crate::time::option")]
    pub old_opening_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::time::option")]
    pub new_opening_at: Option<DateTime<Utc>>,
}

contract! {
    /// An announcement (公告) is published.
    AnnouncementPublished = "publishing.announcement.published", version 1, aggregate "announcement" by announcement_id {
        announcement_id: String,
        /// The announcement type (`tender`, `change`, `candidates`, `result` …).
        #[serde(rename = "type")]
        kind: String,
        market: Option<String>,
        project_id: Option<String>,
        #[serde(default)]
        section_ids: Vec<String>,
        #[serde(default, with = "crate::time::option")]
        published_at: Option<DateTime<Utc>>,
        /// Sections a change notice postponed, with their new deadlines.
        #[serde(default)]
        postpone: Vec<crate::publishing::Postponement>,
    }
}

/// A legal-period rule a period breaks, as the validation error names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokenPeriod {
    pub field: String,
    pub rule: String,
    pub message: String,
}

contract! {
    /// A published announcement's legal periods, counted provisionally, were checked again (a
    /// holiday schedule was imported): `ok`, or the rules they now break.
    AnnouncementPeriodsRechecked = "publishing.announcement.periods_rechecked", version 1, aggregate "announcement" by id {
        id: String,
        #[serde(rename = "type")]
        kind: String,
        status: String,
        #[serde(with = "crate::time")]
        checked_at: DateTime<Utc>,
        ok: bool,
        #[serde(default)]
        broken: Vec<crate::publishing::BrokenPeriod>,
        /// Still counted with weekends only for some year.
        #[serde(default)]
        provisional: bool,
        #[serde(default)]
        missing_years: Vec<i32>,
    }
}

contract! {
    /// A document was attached to an announcement (its bytes in the file store under its digest).
    AttachmentAdded = "publishing.attachment.added", version 1, aggregate "announcement" by announcement_id {
        announcement_id: String,
        attachment_id: String,
        name: String,
        size: i64,
        /// SHA-256 of the bytes (the file-store key `announcements/<sha256>`).
        sha256: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        AnnouncementPublished::entry(),
        AnnouncementPeriodsRechecked::entry(),
        AttachmentAdded::entry(),
    ]
}
