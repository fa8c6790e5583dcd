//! Contracts of the non-tender procurement methods (非招标: competitive negotiation, consultation,
//! inquiry, single source): negotiation rounds, the lot that breaks a tie, the ranking.

use crate::contract;
use ggzy_core::Money;
use std::collections::BTreeMap;

contract! {
    /// A negotiation round (谈判/磋商轮次) was recorded. Prices stay out of the event: they are
    /// disclosed with the result.
    NontenderRoundRecorded = "projects.nontender.round_recorded", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        /// The procurement method (projects' `Procedure`).
        procedure: String,
        /// Position of the round, from 1.
        round_no: i64,
        /// The round of final quotes (最后报价).
        final_round: bool,
        /// Quotes recorded in the round.
        quote_count: i64,
    }
}

/// One group of tied suppliers a lot ordered.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LotGroup {
    /// Organization ids in the drawn order.
    pub order: Vec<String>,
    /// Each organization's key (hex SHA-256 of `<seed>:<org_id>`), by organization id.
    pub keys: BTreeMap<String, String>,
}

contract! {
    /// A tie the method's rules leave was broken by a recorded lot (issue 21), never by the
    /// organization id.
    NontenderTieDrawn = "projects.nontender.tie_drawn", version 1, aggregate "section" by section_id {
        section_id: String,
        procedure: String,
        /// The drawn seed.
        seed: String,
        /// How the order derives from the seed (`ggzy_core::lot::RULE`).
        rule: String,
        groups: Vec<crate::projects::LotGroup>,
        basis: String,
    }
}

/// One supplier of a non-tender ranking, in rank order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NontenderRank {
    pub org_id: String,
    pub price: Money,
    /// Comprehensive score, a decimal string (consultation only; null otherwise).
    pub score: Option<String>,
}

/// A supplier found not compliant, with the reason.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NonCompliant {
    pub org_id: String,
    pub reason: String,
}

contract! {
    /// The ranking of a non-tender method was submitted (and handed to the award path).
    NontenderRanked = "projects.nontender.ranked", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        procedure: String,
        /// The committee's or negotiating group's report reference.
        report_ref: String,
        ranking: Vec<crate::projects::NontenderRank>,
        non_compliant: Vec<crate::projects::NonCompliant>,
        basis: String,
    }
}

contract! {
    /// A consultation's 2-supplier exception was declared before bidding opens (财库〔2014〕214号
    /// 第二十一条第三款 for research and technology-transfer projects; 财库〔2015〕124号 for
    /// government-purchased services): it goes on with 2 qualified suppliers, 1 still ends it.
    NontenderExceptionDeclared = "projects.nontender.exception_declared", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        /// `research`, `technology_transfer` or `government_services`.
        ground: String,
        /// The purchaser's reason, as declared.
        reason: String,
        /// The fewest suppliers with which the consultation goes on (2).
        min_suppliers: i64,
        basis: String,
    }
}

/// One supplier invited by a draw or a written recommendation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NontenderInvitee {
    pub uscc: String,
    pub name: String,
    /// `draw`, `purchaser` or `expert`.
    pub source: String,
    /// Who signed the written recommendation (null for a draw).
    pub recommender: Option<String>,
    /// The supplier's key in the draw, hex SHA-256 of `<seed>:<uscc>` (null for a recommendation).
    pub draw_key: Option<String>,
}

contract! {
    /// How a negotiation's, inquiry's or consultation's suppliers are invited was declared before
    /// bidding opens (财政部令第74号 第十二条; 财库〔2014〕214号 第六条): `announcement` (open
    /// registration), `draw` (a random draw from a supplier database, recomputable from the seed)
    /// or `recommendation` (written recommendations by the purchaser and the experts). With a draw
    /// or recommendations only the invitees register.
    NontenderSuppliersInvited = "projects.nontender.suppliers_invited", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        procedure: String,
        /// `announcement`, `draw` or `recommendation`.
        method: String,
        invitees: Vec<crate::projects::NontenderInvitee>,
        /// Draw: the supplier database drawn from.
        pool: Option<String>,
        /// Draw: the USCCs drawn from.
        pool_suppliers: Vec<String>,
        /// Draw: the recorded seed.
        seed: Option<String>,
        /// Draw: how the invitees derive from the seed.
        rule: Option<String>,
        basis: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        NontenderRoundRecorded::entry(),
        NontenderTieDrawn::entry(),
        NontenderRanked::entry(),
        NontenderExceptionDeclared::entry(),
        NontenderSuppliersInvited::entry(),
    ]
}
