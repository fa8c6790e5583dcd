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

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        ScoreOutlier::entry(),
        ReportSigned::entry(),
        BidRejected::entry(),
    ]
}
