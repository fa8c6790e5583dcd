//! Contracts of the projects area (项目与标段) that other areas consume.

use crate::contract;
use chrono::{DateTime, Utc};
use ggzy_core::ident::Market;
use ggzy_core::Money;

contract! {
    /// A section (标段) is registered with the centre (its project approved, or a re-tender's new
    /// section). Every area keeping a copy of sections learns it here.
    SectionRegistered = "projects.section.registered", version 1, aggregate "section" by section_id {
        section_id: String,
        /// Position in the project, from 1.
        no: i64,
        name: String,
        /// 估算价 (construction) or 预算金额 (procurement).
        estimated_price: Money,
        /// Bid deposit (投标保证金) required.
        deposit: Money,
        /// When tender documents are first issued (招标文件开始发出).
        #[serde(with = "crate::time")]
        docs_issue_at: DateTime<Utc>,
        #[serde(with = "crate::time")]
        docs_sale_end_at: DateTime<Utc>,
        /// Bid deadline (投标截止时间).
        #[serde(with = "crate::time")]
        bid_deadline: DateTime<Utc>,
        #[serde(with = "crate::time")]
        opening_at: DateTime<Utc>,
        /// Section state at registration (`registered`).
        state: String,
        /// `works`, `goods`, `survey_design`, `services`; none for land and property.
        subject: Option<String>,
        project_id: String,
        /// Unified trading code (统一交易编码) of the project.
        project_code: Option<String>,
        project_name: String,
        market: Market,
        /// Procurement method (招标/采购方式), projects' `Procedure`.
        procedure: String,
        tenderer_uscc: String,
        /// The organization that registered the project (tenderer or its agency).
        owner_org_id: String,
        /// Bid validity (投标有效期) in days from the bid deadline, when the tender documents state
        /// it (实施条例 25); deposits check guarantees against it (实施条例 26).
        #[serde(default)]
        bid_validity_days: Option<i64>,
    }
}

contract! {
    /// The bid deadline passed: the section is closed for bids.
    SectionClosed = "projects.section.closed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        #[serde(default, with = "crate::time::option")]
        deadline: Option<DateTime<Utc>>,
        /// Registrations at the deadline.
        registrations: Option<i64>,
    }
}

contract! {
    /// The bid deadline (and opening) moved: a clarification or a suspension's time given back.
    SectionDeadlineChanged = "projects.section.deadline_changed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        #[serde(default, with = "crate::time::option")]
        old_deadline: Option<DateTime<Utc>>,
        #[serde(with = "crate::time")]
        new_deadline: DateTime<Utc>,
        #[serde(default, with = "crate::time::option")]
        old_opening_at: Option<DateTime<Utc>>,
        #[serde(default, with = "crate::time::option")]
        new_opening_at: Option<DateTime<Utc>>,
        /// Seconds of suspension given back (suspension only).
        suspended_seconds: Option<i64>,
        remedy_case_id: Option<String>,
        /// The clarification announcement that moved it (clarification only).
        announcement_id: Option<String>,
    }
}

contract! {
    /// A bidder organization registered for a section (投标报名).
    RegistrationCreated = "projects.registration.created", version 1, aggregate "section" by section_id {
        registration_id: String,
        section_id: String,
        project_id: Option<String>,
        org_id: String,
        uscc: Option<String>,
    }
}

contract! {
    /// The award is confirmed (中标结果确认): winner, price and the contract's due date.
    AwardConfirmed = "projects.award.confirmed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        winner_org_id: String,
        winner_name: Option<String>,
        /// The award notice's number (中标通知书编号).
        notice_no: Option<String>,
        /// The winning price.
        price: Option<Money>,
        #[serde(default, with = "crate::time::option")]
        awarded_at: Option<DateTime<Utc>>,
        /// Every organization that bid (their deposits are refunded).
        #[serde(default)]
        bidder_org_ids: Vec<String>,
        /// Procurement method (招标/采购方式) of the section.
        #[serde(default)]
        procedure: Option<String>,
    }
}

contract! {
    /// The contract is signed (合同签订).
    ContractSigned = "projects.contract.signed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        winner_org_id: Option<String>,
        #[serde(default, with = "crate::time::option")]
        signed_at: Option<DateTime<Utc>>,
        /// The contract amount (合同金额).
        #[serde(default)]
        amount: Option<Money>,
    }
}

contract! {
    /// The section failed (流标): too few bids, qualified or compliant suppliers, or a remedy.
    SectionFailed = "projects.section.failed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        reason: Option<String>,
        #[serde(default, with = "crate::time::option")]
        failed_at: Option<DateTime<Utc>>,
        /// Bids received (`too_few_bids`).
        #[serde(default)]
        bid_count: Option<i64>,
        /// Suppliers that passed the qualification or compliance review (`too_few_qualified`).
        #[serde(default)]
        qualified_count: Option<i64>,
        /// The rule's legal basis.
        #[serde(default)]
        basis: Option<String>,
    }
}

contract! {
    /// The section is terminated (终止).
    SectionTerminated = "projects.section.terminated", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        reason: Option<String>,
        #[serde(default, with = "crate::time::option")]
        terminated_at: Option<DateTime<Utc>>,
    }
}

contract! {
    /// A bidder withdrew its bid before the deadline (撤回投标文件).
    BidWithdrawn = "projects.bid.withdrawn", version 1, aggregate "section" by section_id {
        bid_id: String,
        section_id: String,
        project_id: Option<String>,
        org_id: String,
        market: Option<String>,
        version: Option<i64>,
    }
}

contract! {
    /// A bid was revoked at opening (not decrypted in time).
    BidRevoked = "projects.bid.revoked", version 1, aggregate "section" by section_id {
        bid_id: String,
        section_id: String,
        org_id: String,
        /// Why (`not_decrypted`).
        reason: String,
        /// The rule's legal basis.
        basis: Option<String>,
    }
}

contract! {
    /// The tender documents are issued: bidding is open until the deadline.
    SectionBiddingOpened = "projects.section.bidding_opened", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        #[serde(with = "crate::time")]
        bid_deadline: DateTime<Utc>,
        state: Option<String>,
        announcement_id: Option<String>,
    }
}

contract! {
    /// A bid (its encrypted file) was submitted before the deadline.
    BidSubmitted = "projects.bid.submitted", version 1, aggregate "section" by section_id {
        bid_id: String,
        section_id: String,
        project_id: Option<String>,
        org_id: Option<String>,
        version: Option<i64>,
    }
}

contract! {
    /// The opening record (开标记录) is recorded: the entries read out at the opening.
    OpeningRecorded = "projects.opening.recorded", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        /// The entries of the record (projects' `OpeningEntry`), kept as given.
        #[serde(default)]
        entries: serde_json::Value,
        decrypted_bids: Option<i64>,
        /// When the bids were opened.
        #[serde(default, with = "crate::time::option")]
        opened_at: Option<DateTime<Utc>>,
    }
}

contract! {
    /// The written contract was not signed within 30 days of the award notice (招标投标法 第四十六条;
    /// 政府采购法 第四十六条): raised once by the section's contract timer.
    ContractOverdue = "projects.contract.overdue", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        winner_org_id: Option<String>,
        #[serde(with = "crate::time")]
        awarded_at: DateTime<Utc>,
        #[serde(with = "crate::time")]
        due_at: DateTime<Utc>,
        /// The due instant was counted with weekends only (a year without holiday schedule).
        #[serde(default)]
        due_at_provisional: bool,
        basis: Option<String>,
    }
}

/// One section of a project as the project events carry it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProjectSection {
    pub section_id: String,
    /// Position in the project, from 1.
    pub no: i64,
    pub name: String,
    pub estimated_price: Money,
    pub deposit: Money,
    #[serde(with = "crate::time")]
    pub docs_issue_at: DateTime<Utc>,
    #[serde(with = "crate::time")]
    pub docs_sale_end_at: DateTime<Utc>,
    #[serde(with = "crate::time")]
    pub bid_deadline: DateTime<Utc>,
    #[serde(with = "crate::time")]
    pub opening_at: DateTime<Utc>,
    pub state: String,
    pub subject: Option<String>,
    #[serde(default)]
    pub bid_validity_days: Option<i64>,
}

contract! {
    /// A project (with its sections) is drafted by its tenderer or agency.
    ProjectCreated = "projects.project.created", version 1, aggregate "project" by project_id {
        project_id: String,
        /// Unified trading code (统一交易编码), set on registration.
        code: Option<String>,
        name: String,
        market: Market,
        procedure: String,
        region: String,
        tenderer_uscc: String,
        tenderer_name: String,
        owner_org_id: String,
        /// The project's status (`draft` …).
        status: String,
        sections: Vec<crate::projects::ProjectSection>,
    }
}

contract! {
    /// A draft project (with its sections) is edited.
    ProjectUpdated = "projects.project.updated", version 1, aggregate "project" by project_id {
        project_id: String,
        code: Option<String>,
        name: String,
        market: Market,
        procedure: String,
        region: String,
        tenderer_uscc: String,
        tenderer_name: String,
        owner_org_id: String,
        status: String,
        sections: Vec<crate::projects::ProjectSection>,
    }
}

contract! {
    /// A project is approved (registered with the centre); each of its sections is also
    /// announced by `projects.section.registered`.
    ProjectApproved = "projects.project.approved", version 1, aggregate "project" by project_id {
        project_id: String,
        code: Option<String>,
        name: String,
        market: Market,
        procedure: String,
        region: String,
        tenderer_uscc: String,
        tenderer_name: String,
        owner_org_id: String,
        status: String,
        sections: Vec<crate::projects::ProjectSection>,
    }
}

/// One candidate of a candidate publicity (中标候选人公示).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PublicizedCandidate {
    /// Rank, from 1.
    pub rank: i64,
    pub org_id: String,
    pub org_name: String,
    pub uscc: String,
    /// The candidate's bid price.
    pub price: Money,
    /// The evaluation score, when the method scores.
    pub score: Option<String>,
}

contract! {
    /// The winning candidates are publicized (中标候选人公示, 实施条例 54): the ranked candidates
    /// and the publicity period.
    CandidatesPublicized = "projects.candidates.publicized", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        market: String,
        procedure: String,
        /// The evaluation report the candidates come from.
        report_ref: String,
        /// Where the result came from (`evaluation`, `nontender` …).
        source: String,
        candidates: Vec<crate::projects::PublicizedCandidate>,
        /// Length of the publicity in days (calendar or working days, by market).
        publicity_days: i64,
        #[serde(with = "crate::time")]
        publicity_starts_at: DateTime<Utc>,
        #[serde(with = "crate::time")]
        publicity_ends_at: DateTime<Utc>,
        /// The end was counted with weekends only (a year without holiday schedule).
        #[serde(default)]
        publicity_ends_at_provisional: bool,
        /// The rule of the period.
        basis: String,
    }
}

contract! {
    /// A due date derived from a provisional calendar (weekends only) was derived again once the
    /// year's holiday schedule was imported (民法典 203).
    DueDateRederived = "projects.due_date.rederived", version 1, aggregate "section" by section_id {
        /// Which date (`publicity_end`, `contract_due`, `objection_reply` …).
        what: String,
        section_id: String,
        project_id: String,
        /// The objection whose reply is due (objection replies only).
        objection_id: Option<String>,
        section_state: String,
        /// The period's start.
        #[serde(with = "crate::time")]
        start: DateTime<Utc>,
        days: i64,
        #[serde(with = "crate::time")]
        previous_due_at: DateTime<Utc>,
        #[serde(with = "crate::time")]
        due_at: DateTime<Utc>,
        /// Still provisional (some year of the period has no schedule yet).
        provisional: bool,
        #[serde(default)]
        missing_years: Vec<i32>,
        /// The overdue alert had already been raised on the old date.
        #[serde(default)]
        overdue_alert_raised: bool,
        basis: String,
    }
}

contract! {
    /// A complaint decision voided the result (投诉处理决定, 实施条例 81): the section is evaluated
    /// again.
    SectionReturnedToEvaluation = "projects.section.returned_to_evaluation", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        previous_state: Option<String>,
        state: Option<String>,
        /// `remedy_result_void`.
        reason: String,
        remedy_case_id: Option<String>,
        /// The decision's legal basis, as the remedy decision gave it.
        #[serde(default)]
        decision_basis: Option<serde_json::Value>,
        /// The voided result was archived (kept in the history).
        #[serde(default)]
        voided_result: bool,
        #[serde(default, with = "crate::time::option")]
        at: Option<DateTime<Utc>>,
    }
}

/// One entry of an opening record (开标记录) as `projects.opening.recorded` carries it in
/// `entries` (projects' `OpeningEntry`; further members are ignored).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OpeningEntry {
    pub bid_id: String,
    pub org_id: String,
    pub org_name: String,
    pub uscc: String,
    /// The sealed price as read at decryption (a decimal string); none when not decrypted.
    #[serde(default)]
    pub price: Option<String>,
    /// `decrypted`, `not_decrypted`, `digest_mismatch` or `withdrawn_platform_fault`.
    pub decryption: String,
    /// `valid`, `missing`, `invalid` or `unknown`.
    pub deposit: String,
}

impl OpeningRecorded {
    /// The record's entries, typed (absent or null: none).
    pub fn entry_list(&self) -> Result<Vec<OpeningEntry>, String> {
        if self.entries.is_null() {
            return Ok(Vec::new());
        }
        serde_json::from_value(self.entries.clone()).map_err(|e| format!("entries: {e}"))
    }
}
