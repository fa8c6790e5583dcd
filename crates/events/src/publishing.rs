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
