//! Contracts of government procurement's award path (政府采购: report, confirmation, result and
//! contract announcements, filing) and of the purchaser's qualification review.

use crate::contract;
use chrono::{DateTime, Utc};

contract! {
    /// The committee's report reached the procurement path (from the evaluation result): the
    /// agency must send it to the purchaser by `report_send_due_at`.
    ProcurementReportReceived = "projects.procurement.report_received", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        /// `procurement`.
        market: String,
        /// The evaluation report's reference.
        report_ref: String,
        #[serde(with = "crate::time")]
        report_at: DateTime<Utc>,
        /// Ranked candidates in the report.
        candidate_count: i64,
        #[serde(with = "crate::time")]
        report_send_due_at: DateTime<Utc>,
        /// The due date counts working days of a year without holiday data yet.
        report_send_due_at_provisional: bool,
        basis: String,
    }
}

contract! {
    /// The report was sent to (received by) the purchaser: its confirmation period starts.
    ProcurementReportSent = "projects.procurement.report_sent", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        #[serde(with = "crate::time")]
        sent_at: DateTime<Utc>,
        /// The sending deadline.
        #[serde(with = "crate::time")]
        due_at: DateTime<Utc>,
        /// Sent after the deadline.
        late: bool,
        /// The purchaser's confirmation deadline.
        #[serde(with = "crate::time")]
        confirm_due_at: DateTime<Utc>,
        confirm_due_at_provisional: bool,
        basis: String,
    }
}

contract! {
    /// The purchaser confirmed the winner (or it was deemed confirmed): the result announcement
    /// period starts.
    ProcurementWinnerConfirmed = "projects.procurement.winner_confirmed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        #[serde(with = "crate::time")]
        confirmed_at: DateTime<Utc>,
        /// The first candidate was deemed the winner (the purchaser did not confirm in time).
        deemed: bool,
        #[serde(with = "crate::time")]
        announce_due_at: DateTime<Utc>,
        announce_due_at_provisional: bool,
        /// How many working days the result announcement stays published.
        show_working_days: i64,
        basis: String,
        show_basis: String,
    }
}

contract! {
    /// The result announcement (中标/成交结果公告) of a procurement section was published.
    ProcurementResultAnnounced = "projects.procurement.result_announced", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        announcement_id: String,
        #[serde(with = "crate::time")]
        published_at: DateTime<Utc>,
        /// The announcement deadline (the epoch when none was recorded).
        #[serde(with = "crate::time")]
        due_at: DateTime<Utc>,
        late: bool,
    }
}

contract! {
    /// The contract announcement (合同公告, 政采条例 第五十条) is recorded.
    ProcurementContractAnnounced = "projects.procurement.contract_announced", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        announcement_ref: String,
        #[serde(with = "crate::time")]
        announced_at: DateTime<Utc>,
        #[serde(with = "crate::time")]
        due_at: DateTime<Utc>,
        late: bool,
        basis: String,
    }
}

contract! {
    /// The contract's filing (备案, 政府采购法 第四十七条) is recorded.
    ProcurementContractFiled = "projects.procurement.contract_filed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        /// The finance department's filing reference (备案号).
        filing_ref: String,
        #[serde(with = "crate::time")]
        filed_at: DateTime<Utc>,
        basis: String,
    }
}

contract! {
    /// The confirmation period ended but the first candidate could not be deemed the winner (an
    /// unanswered objection, a suspension …): the refusal as the award use case answered it.
    ProcurementDeemedAwardRefused = "projects.procurement.deemed_award_refused", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        /// The rule the award broke (null for a refusal about fields).
        rule: Option<String>,
        detail: String,
    }
}

crate::payload! {
    /// The three overdue alerts of the procurement path carry the same payload; one contract type
    /// per name (the timer handler picks it), so each name has its own entry in the catalogue.
    ProcurementOverdue {
        section_id: String,
        project_id: String,
        /// The missed deadline (the epoch when none was recorded).
        #[serde(with = "crate::time")]
        due_at: DateTime<Utc>,
        basis: String,
    }
}

contract! {
    /// The report was not sent to the purchaser in time: raised once by the report timer.
    ProcurementReportOverdue = "projects.procurement.report_overdue", version 1, aggregate "section" by section_id, payload ProcurementOverdue;
}

contract! {
    /// The result was not announced in time: raised once by the announcement timer.
    ProcurementResultAnnouncementOverdue = "projects.procurement.result_announcement_overdue", version 1, aggregate "section" by section_id, payload ProcurementOverdue;
}

contract! {
    /// The contract was not announced in time: raised once by the contract announcement timer.
    ProcurementContractAnnouncementOverdue = "projects.procurement.contract_announcement_overdue", version 1, aggregate "section" by section_id, payload ProcurementOverdue;
}

contract! {
    /// A supplier was found not qualified in the purchaser's qualification review (资格审查,
    /// 财政部令第87号 第四十四条): the supplier is told, with the reason.
    QualificationRejected = "projects.qualification.rejected", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        org_id: String,
        /// The reviewer's reason (trimmed; may be empty).
        reason: Option<String>,
        basis: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        ProcurementReportReceived::entry(),
        ProcurementReportSent::entry(),
        ProcurementWinnerConfirmed::entry(),
        ProcurementResultAnnounced::entry(),
        ProcurementContractAnnounced::entry(),
        ProcurementContractFiled::entry(),
        ProcurementDeemedAwardRefused::entry(),
        ProcurementReportOverdue::entry(),
        ProcurementResultAnnouncementOverdue::entry(),
        ProcurementContractAnnouncementOverdue::entry(),
        QualificationRejected::entry(),
    ]
}
