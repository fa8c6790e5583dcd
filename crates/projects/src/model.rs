//! The lifecycles of this area, each in one place: the section (标段) state machine and the small
//! registration lifecycle of the project. No I/O.

use ggzy_core::{Error, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// State of a section (标段), from drafting to the signed contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectionState {
    Draft,
    /// 登记确认: the project has its unified trading code.
    Registered,
    /// Tender announcement published.
    Announced,
    /// Bids are being accepted.
    Bidding,
    /// The bid deadline has passed.
    Closed,
    Opening,
    Evaluating,
    /// Candidates publicized (中标候选人公示).
    Publicizing,
    Awarded,
    Contracted,
    /// 流标 (e.g. fewer than three bids, 实施条例 44); the section may be re-tendered as a new one.
    Failed,
    Terminated,
}

/// What can happen to a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectionAction {
    Register,
    Announce,
    OpenBidding,
    CloseBidding,
    StartOpening,
    StartEvaluation,
    Publicize,
    Award,
    SignContract,
    Fail,
    Terminate,
    /// A listing section (挂牌/拍卖/网络竞价) sold by the auctions area: closed → awarded on the
    /// confirmed deal (成交确认), without opening, evaluation or candidate publicity.
    ConcludeDeal,
    /// A supervisor's complaint decision voided the result (中标结果无效; crates/remedies): the
    /// section goes back to evaluation from the candidate publicity or the award.
    Reevaluate,
}

impl SectionState {
    pub const ALL: [SectionState; 12] = [
        SectionState::Draft,
        SectionState::Registered,
        SectionState::Announced,
        SectionState::Bidding,
        SectionState::Closed,
        SectionState::Opening,
        SectionState::Evaluating,
        SectionState::Publicizing,
        SectionState::Awarded,
        SectionState::Contracted,
        SectionState::Failed,
        SectionState::Terminated,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SectionState::Draft => "draft",
            SectionState::Registered => "registered",
            SectionState::Announced => "announced",
            SectionState::Bidding => "bidding",
            SectionState::Closed => "closed",
            SectionState::Opening => "opening",
            SectionState::Evaluating => "evaluating",
            SectionState::Publicizing => "publicizing",
            SectionState::Awarded => "awarded",
            SectionState::Contracted => "contracted",
            SectionState::Failed => "failed",
            SectionState::Terminated => "terminated",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        SectionState::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| Error::internal(format!("unknown section state '{s}'")))
    }

    /// No action leaves these states.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            SectionState::Contracted | SectionState::Failed | SectionState::Terminated
        )
    }
}

ggzy_core::text_enum!(SectionState, SectionState::parse, SectionState::as_str);

impl SectionAction {
    pub const ALL: [SectionAction; 13] = [
        SectionAction::Register,
        SectionAction::Announce,
        SectionAction::OpenBidding,
        SectionAction::CloseBidding,
        SectionAction::StartOpening,
        SectionAction::StartEvaluation,
        SectionAction::Publicize,
        SectionAction::Award,
        SectionAction::SignContract,
        SectionAction::Fail,
        SectionAction::Terminate,
        SectionAction::ConcludeDeal,
        SectionAction::Reevaluate,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SectionAction::Register => "register",
            SectionAction::Announce => "announce",
            SectionAction::OpenBidding => "open bidding",
            SectionAction::CloseBidding => "close bidding",
            SectionAction::StartOpening => "start opening",
            SectionAction::StartEvaluation => "start evaluation",
            SectionAction::Publicize => "publicize candidates",
            SectionAction::Award => "award",
            SectionAction::SignContract => "sign the contract",
            SectionAction::Fail => "fail",
            SectionAction::Terminate => "terminate",
            SectionAction::ConcludeDeal => "conclude the deal",
            SectionAction::Reevaluate => "evaluate again",
        }
    }
}

/// The section state machine. An illegal move is a 409 naming the current state.
pub fn transition(from: SectionState, action: SectionAction) -> Result<SectionState> {
    use SectionAction as A;
    use SectionState as S;
    let to = match (from, action) {
        (S::Draft, A::Register) => Some(S::Registered),
        (S::Registered, A::Announce) => Some(S::Announced),
        (S::Announced, A::OpenBidding) => Some(S::Bidding),
        (S::Bidding, A::CloseBidding) => Some(S::Closed),
        (S::Closed, A::StartOpening) => Some(S::Opening),
        (S::Opening, A::StartEvaluation) => Some(S::Evaluating),
        (S::Evaluating, A::Publicize) => Some(S::Publicizing),
        (S::Publicizing, A::Award) => Some(S::Awarded),
        (S::Awarded, A::SignContract) => Some(S::Contracted),
        // Listing: the deal confirmed by the auctions area after registration closed.
        (S::Closed, A::ConcludeDeal) => Some(S::Awarded),
        // A complaint decision voided the result (crates/remedies).
        (S::Publicizing | S::Awarded, A::Reevaluate) => Some(S::Evaluating),
        // 流标: too few bids at the deadline or at opening, every bid rejected in evaluation, or
        // the candidates all fall away during publicity.
        (
            S::Announced | S::Bidding | S::Closed | S::Opening | S::Evaluating | S::Publicizing,
            A::Fail,
        ) => Some(S::Failed),
        (s, A::Terminate) if !s.is_final() => Some(S::Terminated),
        _ => None,
    };
    to.ok_or_else(|| {
        Error::conflict(
            "section.illegal_transition",
            format!(
                "section is in state {}; cannot {}",
                from.as_str(),
                action.as_str()
            ),
        )
    })
}

/// Registration status of a project (the sections carry the trading lifecycle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// Being written by the tenderer or agency; also after staff return it.
    Draft,
    /// Waiting for staff (登记审核).
    Submitted,
    /// 登记确认: code allocated, sections registered.
    Registered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    Edit,
    Submit,
    Approve,
    Return,
}

impl ProjectStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ProjectStatus::Draft => "draft",
            ProjectStatus::Submitted => "submitted",
            ProjectStatus::Registered => "registered",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "draft" => Ok(ProjectStatus::Draft),
            "submitted" => Ok(ProjectStatus::Submitted),
            "registered" => Ok(ProjectStatus::Registered),
            _ => Err(Error::internal(format!("unknown project status '{s}'"))),
        }
    }
}

impl ProjectAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            ProjectAction::Edit => "edit",
            ProjectAction::Submit => "submit",
            ProjectAction::Approve => "approve",
            ProjectAction::Return => "return",
        }
    }
}

/// The project registration lifecycle: draft → submitted → registered, or submitted → draft when
/// staff return it with a reason.
pub fn project_transition(from: ProjectStatus, action: ProjectAction) -> Result<ProjectStatus> {
    use ProjectAction as A;
    use ProjectStatus as S;
    match (from, action) {
        (S::Draft, A::Edit) => Ok(S::Draft),
        (S::Draft, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::Approve) => Ok(S::Registered),
        (S::Submitted, A::Return) => Ok(S::Draft),
        _ => Err(Error::conflict(
            "project.illegal_transition",
            format!(
                "project is in state {}; cannot {}",
                from.as_str(),
                action.as_str()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SectionAction as A;
    use SectionState as S;

    const LEGAL: &[(S, A, S)] = &[
        (S::Draft, A::Register, S::Registered),
        (S::Registered, A::Announce, S::Announced),
        (S::Announced, A::OpenBidding, S::Bidding),
        (S::Bidding, A::CloseBidding, S::Closed),
        (S::Closed, A::StartOpening, S::Opening),
        (S::Opening, A::StartEvaluation, S::Evaluating),
        (S::Evaluating, A::Publicize, S::Publicizing),
        (S::Publicizing, A::Award, S::Awarded),
        (S::Awarded, A::SignContract, S::Contracted),
        (S::Closed, A::ConcludeDeal, S::Awarded),
        (S::Publicizing, A::Reevaluate, S::Evaluating),
        (S::Awarded, A::Reevaluate, S::Evaluating),
        (S::Announced, A::Fail, S::Failed),
        (S::Bidding, A::Fail, S::Failed),
        (S::Closed, A::Fail, S::Failed),
        (S::Opening, A::Fail, S::Failed),
        (S::Evaluating, A::Fail, S::Failed),
        (S::Publicizing, A::Fail, S::Failed),
        (S::Draft, A::Terminate, S::Terminated),
        (S::Registered, A::Terminate, S::Terminated),
        (S::Announced, A::Terminate, S::Terminated),
        (S::Bidding, A::Terminate, S::Terminated),
        (S::Closed, A::Terminate, S::Terminated),
        (S::Opening, A::Terminate, S::Terminated),
        (S::Evaluating, A::Terminate, S::Terminated),
        (S::Publicizing, A::Terminate, S::Terminated),
        (S::Awarded, A::Terminate, S::Terminated),
    ];

    #[test]
    fn every_legal_move_reaches_its_state() {
        for (from, action, to) in LEGAL {
            assert_eq!(
                transition(*from, *action).unwrap(),
                *to,
                "{from:?} --{action:?}-->"
            );
        }
    }

    #[test]
    fn every_other_move_is_a_conflict() {
        // Exhaustive: every (state, action) pair not in the table is refused.
        for from in S::ALL {
            for action in A::ALL {
                if LEGAL.iter().any(|(f, a, _)| *f == from && *a == action) {
                    continue;
                }
                match transition(from, action) {
                    Err(Error::Conflict { rule, .. }) => {
                        assert_eq!(rule, "section.illegal_transition")
                    }
                    other => panic!("{from:?} --{action:?}--> should be refused, got {other:?}"),
                }
            }
        }
    }

    #[test]
    fn an_illegal_move_names_the_current_state() {
        match transition(S::Registered, A::Register) {
            Err(Error::Conflict { rule, detail }) => {
                assert_eq!(rule, "section.illegal_transition");
                assert_eq!(detail, "section is in state registered; cannot register");
            }
            other => panic!("{other:?}"),
        }
        assert!(transition(S::Draft, A::OpenBidding).is_err());
        assert!(transition(S::Bidding, A::Award).is_err());
        assert!(transition(S::Contracted, A::Terminate).is_err());
        assert!(transition(S::Failed, A::Announce).is_err());
        assert!(transition(S::Terminated, A::Terminate).is_err());
        assert!(transition(S::Awarded, A::Fail).is_err());
        // A deal concludes a closed listing section only: not while bidding, not after opening.
        assert!(transition(S::Bidding, A::ConcludeDeal).is_err());
        assert!(transition(S::Opening, A::ConcludeDeal).is_err());
        assert!(transition(S::Awarded, A::ConcludeDeal).is_err());
    }

    #[test]
    fn final_states_allow_nothing() {
        for s in S::ALL.into_iter().filter(S::is_final) {
            assert!(A::ALL.iter().all(|a| transition(s, *a).is_err()), "{s:?}");
        }
    }

    #[test]
    fn state_names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()).unwrap(), s);
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
    }

    #[test]
    fn project_lifecycle() {
        use ProjectAction as PA;
        use ProjectStatus as PS;
        assert_eq!(project_transition(PS::Draft, PA::Edit).unwrap(), PS::Draft);
        assert_eq!(
            project_transition(PS::Draft, PA::Submit).unwrap(),
            PS::Submitted
        );
        assert_eq!(
            project_transition(PS::Submitted, PA::Approve).unwrap(),
            PS::Registered
        );
        assert_eq!(
            project_transition(PS::Submitted, PA::Return).unwrap(),
            PS::Draft
        );
        for (s, a) in [
            (PS::Draft, PA::Approve),
            (PS::Submitted, PA::Edit),
            (PS::Submitted, PA::Submit),
            (PS::Registered, PA::Approve),
            (PS::Registered, PA::Edit),
            (PS::Registered, PA::Return),
        ] {
            match project_transition(s, a) {
                Err(Error::Conflict { rule, detail }) => {
                    assert_eq!(rule, "project.illegal_transition");
                    assert!(detail.contains(s.as_str()), "{detail}");
                }
                other => panic!("{s:?} {a:?}: {other:?}"),
            }
        }
    }
}
