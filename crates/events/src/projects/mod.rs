//! Contracts of the projects area (项目与标段): the events it emits, each through its type.
//!
//! This file holds the section, bid, award and project contracts other areas consume; the
//! submodules hold the rest, one per part of the area (their types are re-exported here, so
//! `ggzy_events::projects::X` names every contract of the area).

use crate::contract;
use chrono::{DateTime, Utc};
use ggzy_core::ident::Market;
use ggzy_core::Money;

pub mod award;
pub mod bidding;
pub mod lifecycle;
pub mod nontender;
pub mod procurement;
pub mod sanctions;

pub use award::*;
pub use bidding::*;
pub use lifecycle::*;
pub use nontender::*;
pub use procurement::*;
pub use sanctions::*;

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
        /// The project's region (行政区划 code), as its registration states it. Added after version 1
        /// was first emitted: absent from earlier events.
        #[serde(default)]
        region: Option<String>,
        /// The tenderer's (招标人/采购人/出让人) name. Added after version 1 was first emitted: absent
        /// from earlier events.
        #[serde(default)]
        tenderer_name: Option<String>,
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
        /// The winner's rank among the candidates.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        winner_rank: Option<i64>,
        /// Why a candidate other than the first won.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// The contract deadline (30 days, 招标投标法 第四十六条).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[serde(with = "crate::time::option")]
        contract_due_at: Option<DateTime<Utc>>,
        /// The deadline counts working days of a year without holiday data yet.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contract_due_at_provisional: Option<bool>,
        /// A deemed award (procurement: the purchaser did not confirm in time).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deemed: Option<bool>,
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
        /// The awarded price.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        award_price: Option<Money>,
        /// The date written on the contract.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signed_on: Option<String>,
        /// When the platform recorded it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[serde(with = "crate::time::option")]
        recorded_at: Option<DateTime<Utc>>,
        /// The contract deadline of the award.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[serde(with = "crate::time::option")]
        due_at: Option<DateTime<Utc>>,
        /// The deadline counts working days of a year without holiday data yet.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due_at_provisional: Option<bool>,
        /// Signed after the deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        late: Option<bool>,
        /// The performance security (履约保证金).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        performance_security: Option<Money>,
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
        /// The procedure of a non-tender method (`too_few_compliant`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        procedure: Option<String>,
        /// The review stage that failed the section (`qualification`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stage: Option<String>,
        /// The minimum of bids the rule asks (`too_few_bids`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_bids: Option<i64>,
        /// Bids opened (`too_few_qualified`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        opened_count: Option<i64>,
        /// Bids rejected in the review (`too_few_qualified`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rejected_count: Option<i64>,
        /// The minimum of qualified suppliers (`too_few_qualified`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_qualified: Option<i64>,
        /// Compliant responses (`too_few_compliant`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        compliant_count: Option<i64>,
        /// The minimum of suppliers of the method (`too_few_compliant`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_suppliers: Option<i64>,
        /// The state the section was in (a complaint decision: `remedy_retender`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous_state: Option<String>,
        /// The section's state after it (a complaint decision only, as the next fields: those
        /// events carry them in place of the counts and instant above, which are then null).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<String>,
        /// The remedies case whose decision (`retender`) ended the section.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remedy_case_id: Option<String>,
        /// The legal basis of the decision (the remedies case's source).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decision_basis: Option<String>,
        /// A result was archived (always false for a re-tender decision).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        voided_result: Option<bool>,
        /// When the decision took effect.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[serde(with = "crate::time::option")]
        at: Option<DateTime<Utc>>,
    }
}

impl SectionFailed {
    /// A failure (流标/废标) of `section_id` for `reason` at `failed_at`, with none of the
    /// reason's counts (set those with struct update syntax).
    pub fn new(
        section_id: &str,
        project_id: &str,
        market: &str,
        reason: &str,
        failed_at: DateTime<Utc>,
    ) -> Self {
        SectionFailed {
            section_id: section_id.to_string(),
            project_id: Some(project_id.to_string()),
            market: Some(market.to_string()),
            reason: Some(reason.to_string()),
            failed_at: Some(failed_at),
            bid_count: None,
            qualified_count: None,
            basis: None,
            procedure: None,
            stage: None,
            min_bids: None,
            opened_count: None,
            rejected_count: None,
            min_qualified: None,
            compliant_count: None,
            min_suppliers: None,
            previous_state: None,
            state: None,
            remedy_case_id: None,
            decision_basis: None,
            voided_result: None,
            at: None,
        }
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
        /// The state the section was in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous_state: Option<String>,
        /// The section's state after it (a complaint decision only, as the next fields: those
        /// events carry them in place of the counts and instant above, which are then null).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<String>,
        /// The remedies case whose decision (`retender`) ended the section.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remedy_case_id: Option<String>,
        /// The legal basis of the decision (the remedies case's source).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decision_basis: Option<String>,
        /// A result was archived (always false for a re-tender decision).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        voided_result: Option<bool>,
        /// When the decision took effect.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[serde(with = "crate::time::option")]
        at: Option<DateTime<Utc>>,
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
        /// Digest of the sealed package as stored.
        ciphertext_sha256: Option<String>,
        /// The bidding client's device fingerprint (monitoring: same device, 实施条例 40).
        device_fingerprint: Option<String>,
        /// The upload tool's file-creator stamp.
        file_creator: Option<String>,
        /// The address the bid came from (monitoring: same IP).
        ip: Option<String>,
        /// The project manager's resident id, when the bidding client declares it (实施条例 40(2)).
        project_manager_id: Option<String>,
        /// The representative's resident id, when declared (实施条例 40(3)).
        representative_id: Option<String>,
        /// The bid this version replaces (a resubmission).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<String>,
        /// Size of the sealed package in bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<i64>,
    }
}

contract! {
    /// The opening record (开标记录) is recorded: the entries read out at the opening.
    OpeningRecorded = "projects.opening.recorded", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        /// The entries of the record, one per bid.
        #[serde(default)]
        entries: Vec<crate::projects::OpeningEntry>,
        /// Bids decrypted with a matching digest (the bids left for evaluation).
        decrypted_bids: Option<i64>,
        /// When the opening began.
        #[serde(default, with = "crate::time::option")]
        opened_at: Option<DateTime<Utc>>,
        /// The end of the decryption window.
        #[serde(default, with = "crate::time::option")]
        decryption_deadline: Option<DateTime<Utc>>,
        #[serde(default, with = "crate::time::option")]
        recorded_at: Option<DateTime<Utc>>,
        /// The market's `opening_rules.min_bids` at the time of the record.
        min_bids: Option<i64>,
        /// `decrypted_bids < min_bids` (informational: the section still goes to evaluation).
        below_min_bids: Option<bool>,
        below_min_bids_basis: Option<String>,
        /// Objections raised at the opening and their answers (projects' `OpeningObjection`),
        /// kept as given.
        #[serde(default)]
        objections: Vec<serde_json::Value>,
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

contract! {
    /// The opening started at the opening time (开标): the decryption window is open until
    /// `decryption_deadline`.
    SectionOpened = "projects.section.opened", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        /// When the opening started.
        #[serde(with = "crate::time")]
        opening_at: DateTime<Utc>,
        /// Current bids at the opening.
        bid_count: Option<i64>,
        /// End of the bidders' decryption window.
        #[serde(default, with = "crate::time::option")]
        decryption_deadline: Option<DateTime<Utc>>,
        /// Where the window's length comes from.
        window_basis: Option<String>,
    }
}

/// One candidate of a publicity (中标候选人).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PublicizedCandidate {
    pub rank: i64,
    pub org_id: String,
    pub org_name: String,
    pub uscc: String,
    pub price: Money,
    pub score: Option<String>,
}

contract! {
    /// The evaluation's candidates are publicized (中标候选人公示) for `publicity_days`.
    CandidatesPublicized = "projects.candidates.publicized", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        procedure: Option<String>,
        /// The evaluation report's reference.
        report_ref: Option<String>,
        /// `evaluation` or the staff's entry.
        source: Option<String>,
        /// Ranked candidates.
        #[serde(default)]
        candidates: Vec<crate::projects::PublicizedCandidate>,
        publicity_days: Option<i64>,
        #[serde(with = "crate::time")]
        publicity_starts_at: DateTime<Utc>,
        #[serde(with = "crate::time")]
        publicity_ends_at: DateTime<Utc>,
        /// The end was counted with weekends only (a year without holiday schedule).
        #[serde(default)]
        publicity_ends_at_provisional: bool,
        basis: Option<String>,
    }
}

contract! {
    /// The written report on the award (书面报告, 招标投标法 第四十七条) was not filed within 15 days
    /// of the award: raised once by the section's report timer.
    AwardReportOverdue = "projects.award_report.overdue", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        #[serde(with = "crate::time")]
        awarded_at: DateTime<Utc>,
        #[serde(with = "crate::time")]
        due_at: DateTime<Utc>,
        #[serde(default)]
        due_at_provisional: bool,
        basis: Option<String>,
    }
}

contract! {
    /// An objection was not answered within 3 days (实施条例 22, 54). No longer emitted (objections
    /// are remedies' cases since issue 20); events already in the log are still read.
    ObjectionOverdue = "projects.objection.overdue", version 1, aggregate "section" by section_id {
        objection_id: String,
        section_id: String,
        org_id: Option<String>,
        #[serde(with = "crate::time")]
        due_at: DateTime<Utc>,
        #[serde(default)]
        due_at_provisional: bool,
        basis: Option<String>,
    }
}

/// One entry of an opening record (开标记录), as projects' `OpeningEntry` writes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OpeningEntry {
    pub bid_id: String,
    pub org_id: String,
    pub org_name: String,
    pub uscc: String,
    /// The sealed price read at decryption; none when not decrypted.
    pub price: Option<Money>,
    /// `decrypted`, `not_decrypted`, `digest_mismatch` or `withdrawn_platform_fault`.
    pub decryption: String,
    /// `valid`, `missing`, `invalid` or `unknown` (as known from the deposits area).
    pub deposit: String,
    /// Cipher suite of the package.
    #[serde(default)]
    pub suite: Option<String>,
    /// The centre's declaration of a platform or CA fault (projects' `FaultDeclaration`), kept
    /// as given; absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<serde_json::Value>,
}

contract! {
    /// A listing's or auction's deal is concluded (成交): the section ends with the deal.
    SectionConcluded = "projects.section.concluded", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        market: Option<String>,
        /// `deal`.
        outcome: Option<String>,
        deal_id: Option<String>,
        winner_org_id: Option<String>,
        price: Option<Money>,
        /// How the deal was reached (`listing`, `auction` …).
        via: Option<String>,
        #[serde(default, with = "crate::time::option")]
        confirmed_at: Option<DateTime<Utc>>,
        #[serde(default, with = "crate::time::option")]
        concluded_at: Option<DateTime<Utc>>,
        /// The section's state after it.
        state: Option<String>,
    }
}

contract! {
    /// A prequalification round (资格预审) is open: applications until `applications_due_at`.
    PrequalificationOpened = "projects.prequalification.opened", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        prequalification_id: String,
        round: i64,
        #[serde(with = "crate::time")]
        docs_issue_at: DateTime<Utc>,
        #[serde(with = "crate::time")]
        docs_sale_end_at: DateTime<Utc>,
        /// The applications deadline (实施条例 22 counts the objection period back from it).
        #[serde(with = "crate::time")]
        applications_due_at: DateTime<Utc>,
        basis: Option<String>,
    }
}

contract! {
    /// An organization applied to the open prequalification round: a party of the section.
    PrequalificationApplied = "projects.prequalification.applied", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        prequalification_id: String,
        org_id: String,
        uscc: Option<String>,
    }
}

contract! {
    /// The prequalification round is reviewed: enough qualified applicants, or failed.
    PrequalificationReviewed = "projects.prequalification.reviewed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        prequalification_id: String,
        round: i64,
        /// The round's state after the review.
        state: String,
        /// Applicants found qualified.
        qualified: i64,
        min_qualified: i64,
        /// `committee` or `tenderer`.
        reviewer: String,
        basis: Option<String>,
    }
}

contract! {
    /// The open prequalification round's applications deadline moved (a suspension's time given
    /// back).
    PrequalificationDeadlineChanged = "projects.prequalification.deadline_changed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        prequalification_id: String,
        #[serde(default, with = "crate::time::option")]
        old_applications_due_at: Option<DateTime<Utc>>,
        #[serde(with = "crate::time")]
        applications_due_at: DateTime<Utc>,
        suspended_seconds: Option<i64>,
        remedy_case_id: Option<String>,
        basis: Option<String>,
    }
}

/// One document of a decrypted bid: a byte range of the decrypted copy.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DecryptedDocument {
    /// 1-based position in the bid's manifest.
    pub n: i64,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    /// Hex SHA-256 of the document's bytes.
    pub sha256: String,
    /// Byte offset of the document inside the decrypted copy.
    pub offset: i64,
}

/// A bidder's SME declaration (中小企业声明函, 财库〔2020〕46号) sealed in its bid.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SmeDeclaration {
    /// `medium`, `small` or `micro`.
    pub scale: String,
    /// Every good or service offered comes from small or micro enterprises.
    pub by_small_micro: bool,
}

contract! {
    /// A bid was decrypted at the opening (or failed to be): the decrypted copy's documents, the
    /// documents' authors and software, and the bidder's SME declaration.
    BidDecrypted = "projects.bid.decrypted", version 1, aggregate "section" by section_id {
        bid_id: String,
        section_id: String,
        org_id: String,
        /// `decrypted`, `digest_mismatch` …
        decryption: String,
        suite: String,
        /// Who prepared the documents (实施条例 40(1)), from their own metadata.
        #[serde(default)]
        document_authors: Vec<String>,
        #[serde(default)]
        document_software: Vec<String>,
        /// File-store key of the decrypted copy (decrypted only).
        plaintext_key: Option<String>,
        /// The decrypted copy's documents (empty unless decrypted).
        #[serde(default)]
        documents: Vec<crate::projects::DecryptedDocument>,
        /// Null when none was declared.
        sme: Option<crate::projects::SmeDeclaration>,
    }
}

/// A supplier found not qualified in the purchaser's review, with the reason.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QualificationRejection {
    pub org_id: String,
    pub reason: Option<String>,
}

contract! {
    /// The purchaser's qualification review (资格审查, 财政部令第87号 第四十四条) is recorded: the
    /// qualified suppliers the committee evaluates.
    QualificationReviewed = "projects.qualification.reviewed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        /// `procurement`.
        market: String,
        /// Organization ids of the qualified suppliers.
        qualified: Vec<String>,
        /// The suppliers found not qualified, with the reasons.
        #[serde(default)]
        rejected: Vec<crate::projects::QualificationRejection>,
        qualified_count: i64,
        basis: String,
        #[serde(with = "crate::time")]
        reviewed_at: DateTime<Utc>,
    }
}

contract! {
    /// A provisional due date was derived again after a holiday schedule import (民法典 第二百零三条).
    DueDateRederived = "projects.due_date.rederived", version 1, aggregate "section" by section_id {
        /// Which date (`publicity_end`, `contract_due` …).
        what: String,
        section_id: String,
        project_id: Option<String>,
        objection_id: Option<String>,
        section_state: Option<String>,
        #[serde(default, with = "crate::time::option")]
        start: Option<DateTime<Utc>>,
        days: Option<i64>,
        #[serde(default, with = "crate::time::option")]
        previous_due_at: Option<DateTime<Utc>>,
        #[serde(with = "crate::time")]
        due_at: DateTime<Utc>,
        #[serde(default)]
        provisional: bool,
        #[serde(default)]
        missing_years: Vec<i32>,
        #[serde(default)]
        overdue_alert_raised: bool,
        basis: Option<String>,
    }
}

contract! {
    /// A complaint decision voided the result (`remedy_result_void`): the section goes back to the
    /// committee, the voided result kept in the history.
    SectionReturnedToEvaluation = "projects.section.returned_to_evaluation", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        previous_state: String,
        /// `evaluating`.
        state: String,
        /// `remedy_result_void`.
        reason: String,
        remedy_case_id: String,
        /// The legal basis of the decision (the remedies case's source).
        decision_basis: Option<String>,
        /// A result was archived (the voided round kept).
        voided_result: bool,
        #[serde(with = "crate::time")]
        at: DateTime<Utc>,
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

/// This module's contracts and its submodules', for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    let mut v = vec![
        SectionRegistered::entry(),
        SectionClosed::entry(),
        SectionDeadlineChanged::entry(),
        RegistrationCreated::entry(),
        AwardConfirmed::entry(),
        ContractSigned::entry(),
        SectionFailed::entry(),
        SectionTerminated::entry(),
        BidWithdrawn::entry(),
        BidRevoked::entry(),
        ContractOverdue::entry(),
        SectionBiddingOpened::entry(),
        BidSubmitted::entry(),
        OpeningRecorded::entry(),
        SectionOpened::entry(),
        BidDecrypted::entry(),
        CandidatesPublicized::entry(),
        AwardReportOverdue::entry(),
        ObjectionOverdue::entry(),
        SectionConcluded::entry(),
        PrequalificationOpened::entry(),
        PrequalificationApplied::entry(),
        PrequalificationReviewed::entry(),
        PrequalificationDeadlineChanged::entry(),
        SectionReturnedToEvaluation::entry(),
        DueDateRederived::entry(),
        QualificationReviewed::entry(),
    ];
    v.extend(award::entries());
    v.extend(bidding::entries());
    v.extend(lifecycle::entries());
    v.extend(nontender::entries());
    v.extend(procurement::entries());
    v.extend(sanctions::entries());
    v
}
