//! Bidder registration (投标报名): the deadline, sanctions and the joint-bid bar.

use super::*;

// Bidder registration (投标报名).

/// Registration closes at the bid deadline: 招标投标法 第二十八条 (anything arriving after the
/// deadline is refused) and 电子招标投标办法 (the platform rejects it). Counted in whole seconds of
/// the server clock: registering in the deadline's second or later is refused.
pub const REGISTRATION_DEADLINE_SOURCE: &str = "招标投标法 第二十八条; 电子招标投标办法";

/// Units whose legal representative is the same person, or with a controlling or management
/// relation, may not bid for the same section (实施条例 34).
pub const JOINT_BID_BAR_SOURCE: &str = "招标投标法实施条例 第三十四条";

/// Is registration still open at `now` for a section whose bid deadline is `deadline`?
pub fn registration_open(now: Timestamp, deadline: Timestamp) -> bool {
    now.timestamp() < deadline.timestamp()
}

/// Kind of a sanctions listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SanctionKind {
    /// 禁止参与投标 for a period (招标投标法 53, 54; 实施条例 67, 68: 取消投标资格).
    Debarred,
    /// 失信 listed (失信被执行人 / 严重失信主体名单).
    Dishonest,
}

impl SanctionKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            SanctionKind::Debarred => "debarred",
            SanctionKind::Dishonest => "dishonest",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            SanctionKind::Debarred => "禁止参与投标 (debarred)",
            SanctionKind::Dishonest => "失信名单 (dishonest)",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s {
            "debarred" => Ok(SanctionKind::Debarred),
            "dishonest" => Ok(SanctionKind::Dishonest),
            _ => Err(FieldError::new(
                "",
                "enum.unknown_value",
                "kind must be one of debarred, dishonest",
            )),
        }
    }
}

ggzy_core::text_enum!(
    SanctionKind,
    |s: &str| SanctionKind::parse(s).map_err(|e| e.message),
    SanctionKind::as_str
);

/// A listing is in force on every local date from `from` to `to`, both included; the day after
/// `to` the organization may register again.
pub fn sanction_active(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> bool {
    from <= today && today <= to
}

/// A bidder as the joint-bidding bar sees it.
#[derive(Debug, Clone)]
pub struct Party {
    pub org_id: String,
    pub uscc: String,
    /// Resident ID of the legal representative, when known.
    pub legal_representative_id: Option<String>,
}

/// A declared relation: `org_id` controls or manages (or is controlled by) the unit `related_uscc`.
#[derive(Debug, Clone)]
pub struct Relation {
    pub org_id: String,
    pub related_uscc: String,
}

/// Why an applicant may not bid beside an already registered bidder (实施条例 34).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JointBidBar {
    SameLegalRepresentative,
    ControllingRelation,
}

impl JointBidBar {
    pub fn rule(&self) -> &'static str {
        match self {
            JointBidBar::SameLegalRepresentative => "joint_bid.same_legal_representative",
            JointBidBar::ControllingRelation => "joint_bid.controlling_relation",
        }
    }

    /// The reason recorded when the bids are voided at the deadline; it names the other party only
    /// as "another bidder of this section".
    pub fn message(&self) -> String {
        match self {
            JointBidBar::SameLegalRepresentative => format!(
                "another bidder of this section had the same legal representative (单位负责人): the bids of both are void ({JOINT_BID_BAR_SOURCE})"
            ),
            JointBidBar::ControllingRelation => format!(
                "another bidder of this section had a verified controlling or management relation (控股/管理关系) with this organization: the bids of both are void ({JOINT_BID_BAR_SOURCE})"
            ),
        }
    }
}

/// The first bar between `applicant` and any of `others` (registered bidders of the section).
pub fn joint_bid_bar(
    applicant: &Party,
    others: &[Party],
    relations: &[Relation],
) -> Option<JointBidBar> {
    for o in others.iter().filter(|o| o.org_id != applicant.org_id) {
        if let (Some(a), Some(b)) = (
            &applicant.legal_representative_id,
            &o.legal_representative_id,
        ) {
            if a == b {
                return Some(JointBidBar::SameLegalRepresentative);
            }
        }
    }
    for o in others.iter().filter(|o| o.org_id != applicant.org_id) {
        let related = relations.iter().any(|r| {
            (r.org_id == applicant.org_id && r.related_uscc == o.uscc)
                || (r.org_id == o.org_id && r.related_uscc == applicant.uscc)
        });
        if related {
            return Some(JointBidBar::ControllingRelation);
        }
    }
    None
}
