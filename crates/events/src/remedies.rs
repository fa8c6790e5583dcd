//! Contracts of the remedies area (异议与投诉) that other areas consume.

use crate::contract;
use chrono::{DateTime, Utc};

contract! {
    /// An answer, an acceptance review or a decision of a case was not given when due: raised once
    /// by the case's due timer.
    CaseOverdue = "remedies.case.overdue", version 1, aggregate "remedy_case" by case_id {
        case_id: String,
        section_id: String,
        market: Option<String>,
        /// `objection` or `complaint`.
        kind: String,
        /// `answer`, `acceptance` or `decision`.
        step: String,
        #[serde(with = "crate::time")]
        due_at: DateTime<Utc>,
        /// The rule of the period.
        source: Option<String>,
    }
}
