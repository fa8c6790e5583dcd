//! Contracts of the evaluation area (评标) that other areas consume.

use crate::contract;
use chrono::{DateTime, Utc};

contract! {
    /// Scoring is complete and one member's total for one bidder is far from the committee's mean
    /// (more than the method's outlier share): a signal for monitoring.
    ScoreOutlier = "evaluation.score.outlier", version 1, aggregate "section" by section_id {
        section_id: String,
        expert_id: String,
        org_id: String,
        /// The member's total for the bidder (decimal).
        member_total: String,
        /// The committee's mean total for the bidder (decimal).
        committee_mean: String,
        /// The share of the mean beyond which a total is an outlier (decimal).
        share: Option<String>,
    }
}

/// One recommended candidate of a signed report, in ranking order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RankedCandidate {
    /// 1 = best.
    pub rank: i64,
    pub org_id: String,
    pub org_name: String,
    /// The evaluated bid's price, decimal string with 2 places.
    pub price: String,
    /// The committee's score (decimal string), none for a lowest-price method.
    pub score: Option<String>,
}

contract! {
    /// Every member signed the evaluation report (评标报告): the ranked candidates go to the
    /// projects area, which starts the candidate publicity.
    ReportSigned = "evaluation.report.signed", version 1, aggregate "section" by section_id {
        section_id: String,
        report_id: String,
        /// The documents' evaluation method: `lowest_evaluated_price` or `comprehensive`.
        method: String,
        #[serde(with = "crate::time")]
        signed_at: DateTime<Utc>,
        /// Recommended candidates, at most 3, best first.
        ranking: Vec<crate::evaluation::RankedCandidate>,
        /// Organizations whose bids the committee rejected.
        #[serde(default)]
        rejected: Vec<String>,
    }
}

contract! {
    /// The committee rejected a bid: by the majority of its review, above the ceiling price, or an
    /// abnormally low price not proved reasonable.
    BidRejected = "evaluation.bid.rejected", version 1, aggregate "section" by section_id {
        section_id: String,
        org_id: String,
        /// `review`, `above_ceiling` or `abnormally_low`.
        ground: String,
        /// The rule's legal basis.
        basis: String,
    }
}

contract! {
    /// A stored bid document did not match the SHA-256 recorded at the opening (or is missing):
    /// it is not served; a platform fault, the operators are alerted.
    DocumentIntegrityFailed = "evaluation.document.integrity_failed", version 1, aggregate "section" by section_id {
        section_id: String,
        bid_id: String,
        org_id: String,
        /// The document's number in the bid.
        n: i64,
        name: String,
        /// The SHA-256 recorded at the opening (hex).
        sha256: String,
        /// The SHA-256 of the stored copy (hex); null when the copy is missing.
        stored_sha256: Option<String>,
        /// The stored copy is missing.
        missing: bool,
    }
}

contract! {
    /// A committee member (or staff, a supervisor) read a bid document; its bytes matched their
    /// SHA-256.
    DocumentRead = "evaluation.document.read", version 1, aggregate "section" by section_id {
        section_id: String,
        bid_id: String,
        org_id: String,
        org_name: String,
        /// The document's number in the bid.
        n: i64,
        name: String,
        /// Bytes.
        size: i64,
        sha256: String,
        /// The reader's user id.
        reader: String,
        /// The reader's role (`expert`, `staff` …).
        role: String,
        /// The reader's seat on the committee; null for a reader who is not a member.
        expert_id: Option<String>,
        /// When, in microseconds since the Unix epoch (UTC), as the producer always wrote it.
        read_at: i64,
    }
}

contract! {
    /// The evaluation method of a section is declared (or changed through a change notice).
    MethodDeclared = "evaluation.method.declared", version 1, aggregate "section" by section_id {
        section_id: String,
        /// The method as declared: the evaluation area's `MethodSpec` document (method, criteria,
        /// price formula, tie rules …) as its API takes it. Kept as JSON here: it is the
        /// evaluation's own rich, evolving document (validated and stored by evaluation), recorded
        /// for the audit trail; no other area reads it.
        method: serde_json::Value,
    }
}

/// One group of tied bids broken by lot: the drawn order and each bid's key.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DrawnTieGroup {
    /// Organization ids, first ranked first.
    pub order: Vec<String>,
    /// Each tied organization's key: the SHA-256 (hex) of `"<seed>:<org_id>"`.
    pub keys: std::collections::BTreeMap<String, String>,
}

contract! {
    /// A tie the documents' rules leave is broken by lot, once the ranking is final; recorded with
    /// its seed so anyone can recompute it.
    TieDrawn = "evaluation.tie.drawn", version 1, aggregate "section" by section_id {
        section_id: String,
        /// The documents' tie rules, in order (`lower_price`, `higher_non_price`).
        tie_break: Vec<String>,
        basis: String,
        /// The random seed (hex).
        seed: String,
        /// How the keys are computed and ordered.
        rule: String,
        groups: Vec<crate::evaluation::DrawnTieGroup>,
    }
}

contract! {
    /// The committee recorded whether a bidder proved its abnormally low price reasonable.
    PriceCheckRecorded = "evaluation.price_check.recorded", version 1, aggregate "section" by section_id {
        section_id: String,
        org_id: String,
        reasonable: bool,
        /// The member who recorded it.
        expert_id: String,
        basis: String,
    }
}

contract! {
    /// A member signed the evaluation report (or refused to, stating why).
    ReportMemberSigned = "evaluation.report.member_signed", version 1, aggregate "section" by section_id {
        section_id: String,
        expert_id: String,
        /// The member's dissent or reason for refusing; null when none.
        dissent: Option<String>,
        refused: bool,
    }
}

contract! {
    /// The committee asks a bidder to clarify its bid by a time.
    ClarificationRequested = "evaluation.clarification.requested", version 1, aggregate "section" by section_id {
        clarification_id: String,
        section_id: String,
        org_id: String,
        #[serde(with = "crate::time")]
        reply_by: DateTime<Utc>,
    }
}

contract! {
    /// The bidder answered a clarification request.
    ClarificationAnswered = "evaluation.clarification.answered", version 1, aggregate "section" by section_id {
        clarification_id: String,
        section_id: String,
        org_id: String,
    }
}

contract! {
    /// The committee elected its chair (a majority of the members' votes).
    ChairElected = "evaluation.chair.elected", version 1, aggregate "section" by section_id {
        section_id: String,
        /// The chair.
        expert_id: String,
    }
}

contract! {
    /// After the review a bid's price is below the abnormally low share of the mean of the other
    /// compliant bids: the bidder is asked to prove it reasonable.
    PriceAbnormallyLow = "evaluation.price.abnormally_low", version 1, aggregate "section" by section_id {
        section_id: String,
        org_id: String,
        /// The bid's price (decimal string as computed, not rescaled).
        price: String,
        /// The mean of the other compliant bids, rounded to 2 places (decimal string).
        others_mean: String,
        /// The price below which a bid is abnormally low, rounded to 2 places (decimal string).
        threshold: String,
        basis: String,
    }
}

contract! {
    /// A member submitted the review (符合性审查) of every opened bid.
    ReviewSubmitted = "evaluation.review.submitted", version 1, aggregate "section" by section_id {
        section_id: String,
        expert_id: String,
    }
}

contract! {
    /// A member submitted the scores of every bid left after the review.
    ScoresSubmitted = "evaluation.scores.submitted", version 1, aggregate "section" by section_id {
        section_id: String,
        expert_id: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        ScoreOutlier::entry(),
        ReportSigned::entry(),
        BidRejected::entry(),
        DocumentIntegrityFailed::entry(),
        DocumentRead::entry(),
        MethodDeclared::entry(),
        TieDrawn::entry(),
        PriceCheckRecorded::entry(),
        ReportMemberSigned::entry(),
        ClarificationRequested::entry(),
        ClarificationAnswered::entry(),
        ChairElected::entry(),
        PriceAbnormallyLow::entry(),
        ReviewSubmitted::entry(),
        ScoresSubmitted::entry(),
    ]
}
