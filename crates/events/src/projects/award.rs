//! Contracts around the result and the award: an evaluation result refused, the written report
//! on the award filed, a failed section tendered again.

use crate::contract;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::FieldError;

contract! {
    /// The written report on the award (书面报告, 招标投标法 第四十七条) was filed.
    AwardReportFiled = "projects.award_report.filed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        report_no: String,
        #[serde(with = "crate::time")]
        filed_at: DateTime<Utc>,
        #[serde(with = "crate::time")]
        due_at: DateTime<Utc>,
        /// Filed after the deadline.
        late: bool,
        basis: String,
    }
}

contract! {
    /// The committee's signed report (`evaluation.report.signed`) could not become the section's
    /// result: the refusal as the result use case answered it.
    EvaluationResultRejected = "projects.evaluation.result_rejected", version 1, aggregate "section" by section_id {
        section_id: String,
        /// The evaluation report's id.
        report_id: String,
        /// The id of the `evaluation.report.signed` event.
        event_id: String,
        /// The rule refused (null for a refusal about fields).
        rule: Option<String>,
        detail: String,
        /// The fields refused, each with its rule.
        errors: Vec<FieldError>,
    }
}

/// The approval of a changed method when a failed section is tendered again.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RetenderApproval {
    /// The approving document (批复文号 or title).
    pub document: String,
    pub approved_by: String,
    pub approved_on: NaiveDate,
    /// The rule that asks for the approval.
    pub basis: String,
}

contract! {
    /// A failed section was tendered again (重新招标/采购) as a new section (also announced by
    /// `projects.section.registered`), perhaps with another method.
    SectionRetendered = "projects.section.retendered", version 1, aggregate "section" by section_id {
        /// The failed section.
        section_id: String,
        new_section_id: String,
        project_id: String,
        reason: String,
        old_procedure: String,
        new_procedure: String,
        /// The approval of the changed method (null when the method did not change).
        approval: Option<crate::projects::RetenderApproval>,
        basis: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        AwardReportFiled::entry(),
        EvaluationResultRejected::entry(),
        SectionRetendered::entry(),
    ]
}
