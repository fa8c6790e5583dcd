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

/// A section whose prequalification applications deadline a change notice postponed
/// (招标投标法实施条例 第二十一条: fewer than 3 days before the applications were due).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrequalificationPostponement {
    pub section_id: String,
    #[serde(with = "crate::time")]
    pub old_applications_due_at: DateTime<Utc>,
    #[serde(with = "crate::time")]
    pub new_applications_due_at: DateTime<Utc>,
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
        /// Written as chrono writes an instant (`2026-03-20T03:30:00Z`, a fraction when there is
        /// one), like every instant of the announcement's fields.
        #[serde(default)]
        published_at: Option<DateTime<Utc>>,
        /// Sections a change notice postponed, with their new deadlines (absent when none).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        postpone: Vec<crate::publishing::Postponement>,
        /// Sections whose open prequalification round a change notice postponed (absent when
        /// none).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        prequalification_postpone: Vec<crate::publishing::PrequalificationPostponement>,
        /// The announcement's id again (the same as `announcement_id`).
        #[serde(default)]
        id: Option<String>,
        #[serde(default)]
        region: Option<String>,
        #[serde(default)]
        title: Option<String>,
        /// `published`.
        #[serde(default)]
        status: Option<String>,
        /// Version of the text, from 1.
        #[serde(default)]
        version: Option<i64>,
        /// The announcement a correction replaces.
        #[serde(default)]
        original_id: Option<String>,
        /// When it was scheduled to go out.
        #[serde(default)]
        publish_at: Option<DateTime<Utc>>,
        #[serde(default)]
        withdraw_reason: Option<String>,
    }
}

/// An announcement as its lifecycle events carry it (flattened into the payload next to
/// `announcement_id`). Declared once: `publishing.announcement.created`, `.submitted`,
/// `.approved`, `.scheduled`, `.withdrawn` and `.returned` are one contract each (the producer
/// picks the type by the transition), sharing these fields. Instants are written as chrono writes
/// them (`2026-03-20T03:30:00Z`, a fraction when there is one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementFields {
    /// The announcement's id (the same as `announcement_id`).
    pub id: String,
    pub market: String,
    /// The announcement type (`tender`, `change`, `candidates`, `result` …).
    #[serde(rename = "type")]
    pub kind: String,
    pub region: String,
    pub project_id: Option<String>,
    pub section_ids: Vec<String>,
    pub title: String,
    /// `draft`, `submitted`, `approved`, `scheduled`, `published` or `withdrawn`.
    pub status: String,
    /// Version of the text, from 1.
    pub version: i64,
    /// The announcement a correction replaces.
    pub original_id: Option<String>,
    pub publish_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub withdraw_reason: Option<String>,
}

contract! {
    /// An announcement was drafted: by its owner, or by the platform from a lifecycle event of
    /// another area (an auto-draft: then `source_event` and `source_event_type` name that event).
    AnnouncementCreated = "publishing.announcement.created", version 1, aggregate "announcement" by announcement_id {
        announcement_id: String,
        /// The announcement's fields (flattened into the payload).
        #[serde(flatten)]
        announcement: crate::publishing::AnnouncementFields,
        /// Id of the event an auto-draft came from (absent for an owner's draft).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_event: Option<String>,
        /// Type of that event.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_event_type: Option<String>,
    }
}

contract! {
    /// The owner submitted an announcement for the staff's approval.
    AnnouncementSubmitted = "publishing.announcement.submitted", version 1, aggregate "announcement" by announcement_id {
        announcement_id: String,
        /// The announcement's fields (flattened into the payload).
        #[serde(flatten)]
        announcement: crate::publishing::AnnouncementFields,
    }
}

contract! {
    /// Staff approved a submitted announcement.
    AnnouncementApproved = "publishing.announcement.approved", version 1, aggregate "announcement" by announcement_id {
        announcement_id: String,
        /// The announcement's fields (flattened into the payload).
        #[serde(flatten)]
        announcement: crate::publishing::AnnouncementFields,
    }
}

contract! {
    /// An approved announcement is scheduled to go out at `publish_at`.
    AnnouncementScheduled = "publishing.announcement.scheduled", version 1, aggregate "announcement" by announcement_id {
        announcement_id: String,
        /// The announcement's fields (flattened into the payload).
        #[serde(flatten)]
        announcement: crate::publishing::AnnouncementFields,
    }
}

contract! {
    /// A published announcement was withdrawn (its text stays readable, with `withdraw_reason`).
    AnnouncementWithdrawn = "publishing.announcement.withdrawn", version 1, aggregate "announcement" by announcement_id {
        announcement_id: String,
        /// The announcement's fields (flattened into the payload).
        #[serde(flatten)]
        announcement: crate::publishing::AnnouncementFields,
    }
}

contract! {
    /// An announcement went back to draft: staff returned it to its owner (`reason`), or its legal
    /// periods no longer held when it was due to go out (`violations`).
    AnnouncementReturned = "publishing.announcement.returned", version 1, aggregate "announcement" by announcement_id {
        announcement_id: String,
        /// The announcement's fields (flattened into the payload).
        #[serde(flatten)]
        announcement: crate::publishing::AnnouncementFields,
        /// Why staff returned it (absent when the publishing time's check returned it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// The rules its periods broke at the publishing time (absent when staff returned it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        violations: Option<Vec<ggzy_core::FieldError>>,
    }
}

contract! {
    /// A date of a published announcement moved after it went out (the candidate publicity's end,
    /// re-derived when a holiday schedule was imported): the public text is not rewritten; its
    /// owner and staff are told to publish a correction (更正公告).
    AnnouncementDateOutdated = "publishing.announcement.date_outdated", version 1, aggregate "announcement" by id {
        id: String,
        section_id: String,
        /// The field that moved (`publicity_end_at`).
        field: String,
        /// The date as published (`null` when projects did not say).
        #[serde(with = "crate::time::option")]
        published: Option<DateTime<Utc>>,
        /// The date now.
        #[serde(with = "crate::time")]
        now: DateTime<Utc>,
        /// The legal basis of the new date.
        basis: Option<String>,
        /// What to do (`publish a correction (更正公告)`).
        action: String,
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
        AnnouncementCreated::entry(),
        AnnouncementSubmitted::entry(),
        AnnouncementApproved::entry(),
        AnnouncementScheduled::entry(),
        AnnouncementWithdrawn::entry(),
        AnnouncementReturned::entry(),
        AnnouncementDateOutdated::entry(),
    ]
}
