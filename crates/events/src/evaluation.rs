//! Contracts of the evaluation area (评标) that other areas consume.

use crate::contract;

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
