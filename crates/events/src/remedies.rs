//! Contracts of the remedies area (异议与投诉) that other areas consume.

use crate::contract;
use chrono::{DateTime, Utc};

/// The rule id every area answers with while a remedy case suspends a section
/// ([`CaseSuspended`] until [`CaseResumed`]).
pub const SUSPENDED_RULE: &str = "section.suspended_by_remedy";

/// The 409 an area answers while remedy case `case` suspends `what` (`the section`, `the
/// evaluation` …): 实施条例 第二十二条、第六十二条; 政府采购法 第五十七条.
pub fn suspended(case: &str, what: &str) -> ggzy_core::Error {
    ggzy_core::Error::conflict(
        SUSPENDED_RULE,
        format!(
            "{what} is suspended by remedy case {case} until it is answered or decided \
             (招标投标法实施条例 第二十二条、第六十二条; 政府采购法 第五十七条)"
        ),
    )
}

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

contract! {
    /// An objection, challenge or complaint is raised about a section. The raiser is the event's
    /// actor, never in the payload (competitors read the case only anonymised).
    CaseRaised = "remedies.case.raised", version 1, aggregate "remedy_case" by case_id {
        case_id: String,
        section_id: String,
        market: String,
        /// `objection`, `challenge`, `complaint` …
        kind: String,
        /// What the case is about: `documents`, `opening`, `result`, `process` …
        target: String,
        /// The case this one escalates.
        parent_id: Option<String>,
        #[serde(with = "crate::time")]
        raised_at: DateTime<Utc>,
        grounds: String,
        #[serde(default, with = "crate::time::option")]
        answer_due: Option<DateTime<Utc>>,
        #[serde(default, with = "crate::time::option")]
        accept_due: Option<DateTime<Utc>>,
        /// The case suspends the procedure (a `remedies.case.suspended` follows).
        suspends: bool,
        /// The rule's legal basis.
        source: String,
    }
}

contract! {
    /// The tenderer (or purchaser) answered an objection or a challenge.
    CaseAnswered = "remedies.case.answered", version 1, aggregate "remedy_case" by case_id {
        case_id: String,
        section_id: String,
        market: String,
        kind: String,
        target: String,
        answer: String,
        /// The answer changes the tender documents.
        changes_documents: bool,
        /// The bid deadline the answer sets (a change notice), if any.
        #[serde(default, with = "crate::time::option")]
        new_bid_deadline: Option<DateTime<Utc>>,
        /// Answered after the answer period.
        late: bool,
        /// Unified trading code of the section's project.
        project_code: String,
    }
}

contract! {
    /// A case suspends the section's procedure (实施条例 22, 62; 政府采购法 57) until resumed.
    CaseSuspended = "remedies.case.suspended", version 1, aggregate "remedy_case" by case_id {
        case_id: String,
        section_id: String,
        /// What is suspended: `bidding`, `procedure`, `award` or `prequalification`.
        scope: String,
        source: String,
        /// The suspension's end set by the supervisor (政府采购法 57: at most 30 days), if any.
        #[serde(default, with = "crate::time::option")]
        until: Option<DateTime<Utc>>,
    }
}

contract! {
    /// A case's suspension ends (answered, decided, or its maximum length reached).
    CaseResumed = "remedies.case.resumed", version 1, aggregate "remedy_case" by case_id {
        case_id: String,
        section_id: String,
        scope: String,
        /// `answered`, `decided`, `max_days` …
        reason: String,
        /// The bid deadline the answer set, if any.
        #[serde(default, with = "crate::time::option")]
        new_bid_deadline: Option<DateTime<Utc>>,
    }
}

contract! {
    /// The supervisor decided a complaint (处理决定).
    CaseDecided = "remedies.case.decided", version 1, aggregate "remedy_case" by case_id {
        case_id: String,
        section_id: String,
        market: String,
        /// `dismissed`, `result_void`, `retender` …
        decision: String,
        reason: String,
        /// The case's legal basis.
        source: String,
        /// Decided after the decision period.
        late: bool,
    }
}

contract! {
    /// A bidder uploaded an attachment (evidence) for an objection or a complaint about a section.
    AttachmentUploaded = "remedies.attachment.uploaded", version 1, aggregate "remedy_attachment" by attachment_id {
        attachment_id: String,
        section_id: String,
        content_type: String,
        /// Bytes.
        size: i64,
        /// SHA-256 of the content (hex).
        sha256: String,
    }
}

contract! {
    /// The raiser, satisfied with the answer, closed the case.
    CaseClosed = "remedies.case.closed", version 1, aggregate "remedy_case" by case_id {
        case_id: String,
        section_id: String,
    }
}

contract! {
    /// An answered objection is escalated to a complaint to the supervisor (投诉).
    CaseEscalated = "remedies.case.escalated", version 1, aggregate "remedy_case" by case_id {
        /// The case escalated (the objection).
        case_id: String,
        section_id: String,
        /// The new complaint case.
        complaint_id: String,
    }
}

contract! {
    /// The supervisor accepted a complaint (受理): the decision is due by a date, and the
    /// procedure may be suspended.
    CaseAccepted = "remedies.case.accepted", version 1, aggregate "remedy_case" by case_id {
        case_id: String,
        section_id: String,
        market: String,
        /// The decision's due time; null when the rule sets none.
        #[serde(default, with = "crate::time::option")]
        decide_due: Option<DateTime<Utc>>,
        /// The supervisor suspends the procedure with the acceptance.
        suspend: bool,
        /// The suspension's end; null when none.
        #[serde(default, with = "crate::time::option")]
        suspend_until: Option<DateTime<Utc>>,
        /// Accepted after the acceptance period.
        late: bool,
    }
}

contract! {
    /// The supervisor refused to accept a complaint (不予受理), with the reason.
    CaseRefused = "remedies.case.refused", version 1, aggregate "remedy_case" by case_id {
        case_id: String,
        section_id: String,
        reason: String,
    }
}

/// Declares a contract about one overridable value of the remedy rules: its aggregate is
/// `remedy_rules`, id `<region>:<market>:<kind>:<target>:<field>` (made of five fields, so the
/// [`Contract`](crate::Contract) impl is written here instead of through
/// [`contract!`](crate::contract)).
macro_rules! rules_contract {
    (
        $(#[doc = $doc:literal])*
        $ty:ident = $name:literal {
            $(
                $(#[doc = $fdoc:literal])*
                $field:ident : $fty:ty
            ),* $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $ty {
            $(
                $(#[doc = $fdoc])*
                pub $field: $fty,
            )*
        }

        impl crate::Contract for $ty {
            const NAME: &'static str = $name;
            const VERSION: u32 = 1;
            const AGGREGATE: &'static str = "remedy_rules";
            fn aggregate_id(&self) -> String {
                format!(
                    "{}:{}:{}:{}:{}",
                    self.region, self.market, self.kind, self.target, self.field
                )
            }
        }

        impl $ty {
            /// This contract in the catalogue (`docs/events.md`).
            pub fn entry() -> crate::Entry {
                crate::Entry {
                    name: $name,
                    version: 1,
                    aggregate: "remedy_rules",
                    doc: concat!(
                        $($doc, "\n",)*
                        "Aggregate id `<region>:<market>:<kind>:<target>:<field>`.\n"
                    ),
                    fields: vec![$(
                        crate::Field {
                            name: stringify!($field),
                            ty: stringify!($fty),
                            doc: concat!($($fdoc, " "),*),
                        }
                    ),*],
                }
            }
        }
    };
}

rules_contract! {
    /// An admin set the platform region's value of one remedy period (an answer or decision
    /// period …) in place of the national one, citing the regional rule.
    RulesOverrideSet = "remedies.rules.override_set" {
        region: String,
        market: String,
        /// `objection`, `complaint` …
        kind: String,
        /// `documents`, `opening`, `result` …
        target: String,
        /// The value overridden (`answer_days` …).
        field: String,
        /// The region's value.
        value: i64,
        /// The national value it replaces.
        national_value: i64,
        /// The national rule's source.
        national_source: String,
        /// The regional rule the override cites.
        citation: String,
    }
}

rules_contract! {
    /// An admin removed the region's override of one remedy period: the national value applies
    /// again.
    RulesOverrideRemoved = "remedies.rules.override_removed" {
        region: String,
        market: String,
        kind: String,
        target: String,
        field: String,
        /// The national value that applies again.
        national_value: i64,
        /// Why it was removed.
        reason: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        CaseOverdue::entry(),
        CaseRaised::entry(),
        CaseAnswered::entry(),
        CaseSuspended::entry(),
        CaseResumed::entry(),
        CaseDecided::entry(),
        AttachmentUploaded::entry(),
        CaseClosed::entry(),
        CaseEscalated::entry(),
        CaseAccepted::entry(),
        CaseRefused::entry(),
        RulesOverrideSet::entry(),
        RulesOverrideRemoved::entry(),
    ]
}
