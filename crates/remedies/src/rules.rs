//! Pure rules of remedies (no I/O): the kinds, targets and states of a case, the state machine,
//! and the legal periods of a [`RemedyRule`] (one row of `remedy_rules`, migration 0140) computed
//! with the shared counting convention ([`ggzy_core::period`]: 民法典 201 and 203).

use chrono::NaiveDate;
use ggzy_core::calendar::{BusinessCalendar, Reckoned};
use ggzy_core::error::{Error, Result};
use ggzy_core::period::{self, DayKind, Days};
use ggzy_core::time::{local_date, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a case is (异议 / 质疑 / 投诉).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 异议: to the tenderer / agency (construction, land, property).
    Objection,
    /// 质疑: to the purchaser / agency (government procurement).
    Challenge,
    /// 投诉: to the supervising (construction) or finance (procurement) department.
    Complaint,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Objection => "objection",
            Kind::Challenge => "challenge",
            Kind::Complaint => "complaint",
        }
    }
    pub fn parse(s: &str) -> Result<Kind> {
        match s {
            "objection" => Ok(Kind::Objection),
            "challenge" => Ok(Kind::Challenge),
            "complaint" => Ok(Kind::Complaint),
            _ => Err(Error::field(
                "kind",
                "remedy.kind",
                "kind is objection, challenge or complaint",
            )),
        }
    }
}

ggzy_core::text_enum!(Kind, Kind::parse, |k: &Kind| k.as_str());

/// What a case is raised against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The prequalification or tender / procurement documents.
    Documents,
    /// The procedure (a step other than the opening and the result).
    Process,
    /// The bid opening.
    Opening,
    /// The evaluation result / the award.
    Result,
    /// A land or property listing (挂牌) or disclosure (信息披露).
    Listing,
    /// A land or property deal (成交).
    Deal,
    /// The prequalification documents (资格预审文件, 实施条例 22).
    Prequalification,
    /// The single-source publicity (单一来源公示, 74号令 第三十九条).
    Publicity,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Documents => "documents",
            Target::Process => "process",
            Target::Opening => "opening",
            Target::Result => "result",
            Target::Listing => "listing",
            Target::Deal => "deal",
            Target::Prequalification => "prequalification",
            Target::Publicity => "publicity",
        }
    }
    pub fn parse(s: &str) -> Result<Target> {
        match s {
            "documents" => Ok(Target::Documents),
            "process" => Ok(Target::Process),
            "opening" => Ok(Target::Opening),
            "result" => Ok(Target::Result),
            "listing" => Ok(Target::Listing),
            "deal" => Ok(Target::Deal),
            "prequalification" => Ok(Target::Prequalification),
            "publicity" => Ok(Target::Publicity),
            _ => Err(Error::field(
                "target",
                "remedy.target",
                "target is documents, process, opening, result, listing, deal, \
                 prequalification or publicity",
            )),
        }
    }
    /// What a suspension ordered by a case against this target stops in the section.
    pub fn suspension_scope(self) -> &'static str {
        match self {
            Target::Documents | Target::Listing => "bidding",
            Target::Opening | Target::Process | Target::Publicity => "procedure",
            Target::Result | Target::Deal => "award",
            Target::Prequalification => "prequalification",
        }
    }
    /// Raised against a public notice (the prequalification announcement and documents, the
    /// single-source publicity): any supplier may raise it — 实施条例 22 "潜在投标人或者其他利害关系人",
    /// 74号令 第三十九条 "任何供应商、单位或者个人" — not only one that obtained the documents.
    pub fn open_to_any_supplier(self) -> bool {
        matches!(self, Target::Prequalification | Target::Publicity)
    }
}

ggzy_core::text_enum!(Target, Target::parse, |t: &Target| t.as_str());

/// The state of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Raised, waiting for the answer (objection, challenge) or the acceptance review (complaint).
    Raised,
    /// Answered by the tenderer / agency / purchaser.
    Answered,
    /// Escalated to a complaint (the complaint is its own case, `child_id`).
    Escalated,
    /// Complaint accepted by the supervisor (受理): under investigation.
    Investigating,
    /// Complaint not accepted (不予受理), with the reason. Final.
    Refused,
    /// Complaint decided (处理决定). Final.
    Decided,
    /// Closed by the raiser after the answer. Final.
    Closed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Raised => "raised",
            State::Answered => "answered",
            State::Escalated => "escalated",
            State::Investigating => "investigating",
            State::Refused => "refused",
            State::Decided => "decided",
            State::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Result<State> {
        Ok(match s {
            "raised" => State::Raised,
            "answered" => State::Answered,
            "escalated" => State::Escalated,
            "investigating" => State::Investigating,
            "refused" => State::Refused,
            "decided" => State::Decided,
            "closed" => State::Closed,
            _ => return Err(Error::internal(format!("stored case state '{s}'"))),
        })
    }
    /// Still waiting for someone to act.
    pub fn is_open(self) -> bool {
        matches!(self, State::Raised | State::Answered | State::Investigating)
    }
}

ggzy_core::text_enum!(State, State::parse, |s: &State| s.as_str());

/// What someone does to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Answer,
    Close,
    Escalate,
    Accept,
    Refuse,
    Decide,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Answer,
        Action::Close,
        Action::Escalate,
        Action::Accept,
        Action::Refuse,
        Action::Decide,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Answer => "answer",
            Action::Close => "close",
            Action::Escalate => "escalate",
            Action::Accept => "accept",
            Action::Refuse => "refuse",
            Action::Decide => "decide",
        }
    }
}

/// The state machine: objection / challenge raised → answered → closed | escalated (also escalated
/// straight from raised once the answer period passed unanswered, 政采法 55); complaint raised →
/// investigating | refused, investigating → decided. Anything else is 409
/// `remedy.illegal_transition` naming the state.
pub fn transition(kind: Kind, from: State, action: Action) -> Result<State> {
    use Action as A;
    use State as S;
    let complaint = kind == Kind::Complaint;
    let to = match (complaint, from, action) {
        (false, S::Raised, A::Answer) => Some(S::Answered),
        (false, S::Answered, A::Close) => Some(S::Closed),
        (false, S::Raised | S::Answered, A::Escalate) => Some(S::Escalated),
        (true, S::Raised, A::Accept) => Some(S::Investigating),
        (true, S::Raised, A::Refuse) => Some(S::Refused),
        (true, S::Investigating, A::Decide) => Some(S::Decided),
        _ => None,
    };
    to.ok_or_else(|| {
        Error::conflict(
            "remedy.illegal_transition",
            format!(
                "the {} is {}; it cannot be {}ed here",
                kind.as_str(),
                from.as_str(),
                action.as_str()
            ),
        )
    })
}

/// A complaint decision (处理决定) and its effect on the section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 驳回投诉: the complaint is unfounded; the section continues.
    Dismissed,
    /// 责令改正: the tenderer / purchaser must correct; the section continues (the correction is
    /// theirs: a change notice, a new evaluation report…).
    CorrectionOrdered,
    /// 中标/成交结果无效: the section goes back to evaluation (实施条例 81; 政采法 73).
    ResultVoid,
    /// 重新招标/采购: the section fails and is tendered again.
    Retender,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Dismissed => "dismissed",
            Decision::CorrectionOrdered => "correction_ordered",
            Decision::ResultVoid => "result_void",
            Decision::Retender => "retender",
        }
    }
    /// A stored decision code.
    pub fn parse(s: &str) -> Result<Decision> {
        Ok(match s {
            "dismissed" => Decision::Dismissed,
            "correction_ordered" => Decision::CorrectionOrdered,
            "result_void" => Decision::ResultVoid,
            "retender" => Decision::Retender,
            _ => return Err(Error::internal(format!("stored decision '{s}'"))),
        })
    }
}

ggzy_core::text_enum!(Decision, Decision::parse, |d: &Decision| d.as_str());

/// How the period for raising a case is counted (`remedy_rules.raise_from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RaiseFrom {
    BeforeDeadline,
    Registered,
    Known,
    DuringOpening,
    BeforeClose,
    AfterAnswer,
    /// 实施条例 22: up to `raise` days before the prequalification applications are due.
    BeforeApplicationsDue,
    /// 74号令 第三十八条、第三十九条: during the single-source publicity.
    DuringPublicity,
    /// 实施条例 第五十四条: during the candidate publicity (中标候选人公示), strictly before its end.
    DuringCandidatePublicity,
}

impl RaiseFrom {
    pub fn parse(s: &str) -> Result<RaiseFrom> {
        Ok(match s {
            "before_deadline" => RaiseFrom::BeforeDeadline,
            "registered" => RaiseFrom::Registered,
            "known" => RaiseFrom::Known,
            "during_opening" => RaiseFrom::DuringOpening,
            "before_close" => RaiseFrom::BeforeClose,
            "after_answer" => RaiseFrom::AfterAnswer,
            "before_applications_due" => RaiseFrom::BeforeApplicationsDue,
            "during_publicity" => RaiseFrom::DuringPublicity,
            "during_candidate_publicity" => RaiseFrom::DuringCandidatePublicity,
            _ => return Err(Error::internal(format!("stored raise_from '{s}'"))),
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            RaiseFrom::BeforeDeadline => "before_deadline",
            RaiseFrom::Registered => "registered",
            RaiseFrom::Known => "known",
            RaiseFrom::DuringOpening => "during_opening",
            RaiseFrom::BeforeClose => "before_close",
            RaiseFrom::AfterAnswer => "after_answer",
            RaiseFrom::BeforeApplicationsDue => "before_applications_due",
            RaiseFrom::DuringPublicity => "during_publicity",
            RaiseFrom::DuringCandidatePublicity => "during_candidate_publicity",
        }
    }
}

ggzy_core::text_enum!(RaiseFrom, RaiseFrom::parse, |r: &RaiseFrom| r.as_str());

/// Whether a case stops the section's activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suspends {
    /// Always, from raising until the answer (实施条例 22).
    Always,
    /// When the supervisor orders it on accepting a complaint (实施条例 62; 政采法 57).
    Supervisor,
    Never,
}

impl Suspends {
    pub fn parse(s: &str) -> Result<Suspends> {
        Ok(match s {
            "always" => Suspends::Always,
            "supervisor" => Suspends::Supervisor,
            "never" => Suspends::Never,
            _ => return Err(Error::internal(format!("stored suspends '{s}'"))),
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Suspends::Always => "always",
            Suspends::Supervisor => "supervisor",
            Suspends::Never => "never",
        }
    }
}

ggzy_core::text_enum!(Suspends, Suspends::parse, |s: &Suspends| s.as_str());

/// One row of `remedy_rules`.
#[derive(Debug, Clone, PartialEq)]
pub struct RemedyRule {
    pub market: String,
    pub kind: Kind,
    pub target: Target,
    pub raise_from: RaiseFrom,
    pub raise: Days,
    pub answer: Option<Days>,
    pub accept: Option<Days>,
    pub decide: Option<Days>,
    /// `accepted` (construction, 实施条例 61) or `raised` (procurement, 94号令 26).
    pub decide_from_raised: bool,
    pub suspends: Suspends,
    pub suspend_max_days: Option<u32>,
    pub escalates_to: Option<Kind>,
    pub requires_prior: Option<Kind>,
    pub source: String,
    pub confirmed: bool,
}

pub fn days(n: i64, kind: &str) -> Result<Days> {
    let n = u32::try_from(n).map_err(|_| Error::internal(format!("stored days {n}")))?;
    match kind {
        "calendar" => Ok(Days::calendar(n)),
        "working" => Ok(Days::working(n)),
        _ => Err(Error::internal(format!("stored day kind '{kind}'"))),
    }
}

/// The last instant a case may be raised at, for the periods counted forward from an event
/// (`registered`, `known`, `after_answer`): 24:00 Beijing time of the period's last day (民法典
/// 201, 203).
pub fn raise_ends(cal: &BusinessCalendar, from: Timestamp, p: Days) -> Reckoned<Timestamp> {
    period::ends_at(cal, from, p)
}

/// 实施条例 22: an objection to the documents is raised "投标截止时间10日前" — on or before the
/// Beijing date `deadline − n` (24:00 of that day). Counted backwards, a day off is not moved:
/// moving it later would shorten the 10 days the tenderer has before the deadline.
pub fn before_deadline_ends(deadline: Timestamp, p: Days) -> Timestamp {
    let last = local_date(deadline) - chrono::Duration::days(i64::from(p.n));
    period::end_of_day(last)
}

/// 74号令 第三十八条、第三十九条: the single-source publicity runs `p` (5 working days) from its start
/// (the documents' issue, counted from the next day, 民法典 201); an objection is raised until its
/// end, 24:00 of its last day.
pub fn publicity_ends(cal: &BusinessCalendar, start: Timestamp, p: Days) -> Reckoned<Timestamp> {
    period::ends_at(cal, start, p)
}

/// 74号令 第四十条: an objection to the single-source publicity is answered (the supplementary
/// review) within `p` after the publicity ends — counted from the day after its last day.
pub fn answer_after_publicity(
    cal: &BusinessCalendar,
    publicity_end: Timestamp,
    p: Days,
) -> Reckoned<Timestamp> {
    // `publicity_end` is 24:00 of the last day: one second before it is still that day.
    period::ends_at(cal, publicity_end - chrono::Duration::seconds(1), p)
}

/// Whether `at` is still within a period that ends at `ends` (exclusive: `ends` is 24:00).
pub fn in_time(at: Timestamp, ends: Timestamp) -> bool {
    at < ends
}

/// When an answer, acceptance or decision period that starts at `from` ends.
pub fn due(cal: &BusinessCalendar, from: Timestamp, p: Days) -> Reckoned<Timestamp> {
    period::ends_at(cal, from, p)
}

/// A date stated by the raiser ("known on"): not in the future.
pub fn check_known_on(known_on: NaiveDate, now: Timestamp) -> Result<()> {
    if known_on > local_date(now) {
        return Err(Error::field(
            "known_on",
            "remedy.known_on_future",
            "the date you learnt of it cannot be in the future",
        ));
    }
    Ok(())
}

/// 实施条例 21 / 87号令 27: an answer that changes the documents in a way that affects bids needs at
/// least 15 days between the change and the bid deadline, else the deadline is postponed.
pub const CHANGE_NOTICE_DAYS: u32 = 15;
pub const CHANGE_NOTICE_SOURCE: &str =
    "招标投标法 第二十三条; 招标投标法实施条例 第二十一条; 政府采购货物和服务招标投标管理办法 (87号令) 第二十七条";

/// The earliest bid deadline allowed after a change to the documents published at `answered_at`:
/// the 15th day after it (民法典 201), moved to the next working day when it is a day off (203).
pub fn earliest_deadline_after_change(
    cal: &BusinessCalendar,
    answered_at: Timestamp,
) -> Reckoned<NaiveDate> {
    period::last_day(
        cal,
        local_date(answered_at),
        Days::calendar(CHANGE_NOTICE_DAYS),
    )
}

/// The kind of day a period counts, in words for messages.
pub fn describe(p: Days) -> String {
    match p.kind {
        DayKind::Calendar => format!("{} days", p.n),
        DayKind::Working => format!("{} working days", p.n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ggzy_core::time::at_local;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn cal() -> BusinessCalendar {
        BusinessCalendar::official()
    }

    #[test]
    fn state_machine_objection_and_complaint() {
        use Action as A;
        use State as S;
        assert_eq!(
            transition(Kind::Objection, S::Raised, A::Answer).unwrap(),
            S::Answered
        );
        assert_eq!(
            transition(Kind::Challenge, S::Answered, A::Escalate).unwrap(),
            S::Escalated
        );
        assert_eq!(
            transition(Kind::Challenge, S::Raised, A::Escalate).unwrap(),
            S::Escalated
        );
        assert_eq!(
            transition(Kind::Objection, S::Answered, A::Close).unwrap(),
            S::Closed
        );
        assert_eq!(
            transition(Kind::Complaint, S::Raised, A::Accept).unwrap(),
            S::Investigating
        );
        assert_eq!(
            transition(Kind::Complaint, S::Raised, A::Refuse).unwrap(),
            S::Refused
        );
        assert_eq!(
            transition(Kind::Complaint, S::Investigating, A::Decide).unwrap(),
            S::Decided
        );
        // A complaint is never answered by the tenderer; an objection never accepted.
        assert!(transition(Kind::Complaint, S::Raised, A::Answer).is_err());
        assert!(transition(Kind::Objection, S::Raised, A::Accept).is_err());
        assert!(transition(Kind::Complaint, S::Raised, A::Decide).is_err());
        // Final states accept nothing.
        for k in [Kind::Objection, Kind::Challenge, Kind::Complaint] {
            for s in [S::Closed, S::Escalated, S::Refused, S::Decided] {
                for a in Action::ALL {
                    let e = transition(k, s, a).unwrap_err();
                    assert!(
                        matches!(e, Error::Conflict { ref rule, .. } if rule == "remedy.illegal_transition")
                    );
                }
            }
        }
    }

    #[test]
    fn construction_documents_objection_ten_days_before_the_deadline() {
        // Deadline Thursday 2026-04-30 09:30: the last day to object is 04-20 (24:00).
        let deadline = at_local(d("2026-04-30"), 9, 30, 0);
        let ends = before_deadline_ends(deadline, Days::calendar(10));
        assert_eq!(ends, at_local(d("2026-04-21"), 0, 0, 0));
        assert!(in_time(at_local(d("2026-04-20"), 23, 59, 59), ends));
        assert!(!in_time(at_local(d("2026-04-21"), 0, 0, 0), ends));
    }

    #[test]
    fn procurement_challenge_seven_working_days_across_national_day() {
        // Documents obtained Monday 2026-09-28: working days 09-29, 09-30, 10-08, 10-09,
        // 10-10 (Saturday, 调休上班), 10-12, 10-13 → the 7th is 10-13.
        let got = at_local(d("2026-09-28"), 10, 0, 0);
        let ends = raise_ends(&cal(), got, Days::working(7));
        assert!(!ends.provisional());
        assert!(in_time(at_local(d("2026-10-13"), 23, 59, 59), ends.value));
        assert!(!in_time(at_local(d("2026-10-14"), 0, 0, 0), ends.value));
    }

    #[test]
    fn construction_complaint_ten_days_last_day_off_moves() {
        // Known 2026-09-24: the 10th day is 10-04 (National Day) → 10-08 (民法典 203).
        let known = at_local(d("2026-09-24"), 0, 0, 0);
        let ends = raise_ends(&cal(), known, Days::calendar(10)).value;
        assert!(in_time(at_local(d("2026-10-08"), 23, 0, 0), ends));
        assert!(!in_time(at_local(d("2026-10-09"), 0, 0, 0), ends));
    }

    #[test]
    fn acceptance_three_working_days_and_decision_thirty() {
        // Raised Wednesday 2026-09-30: working days 10-08, 10-09, 10-10 → accepted by 10-10 24:00.
        let raised = at_local(d("2026-09-30"), 15, 0, 0);
        let acc = due(&cal(), raised, Days::working(3)).value;
        assert_eq!(acc, at_local(d("2026-10-11"), 0, 0, 0));
        // The last allowed instant and the first refused one.
        assert!(in_time(at_local(d("2026-10-10"), 23, 59, 59), acc));
        assert!(!in_time(at_local(d("2026-10-11"), 0, 0, 0), acc));
        // Procurement: 5 working days for the acceptance review → 10-08, 10-09, 10-10, 10-12,
        // 10-13.
        let acc5 = due(&cal(), raised, Days::working(5)).value;
        assert_eq!(acc5, at_local(d("2026-10-14"), 0, 0, 0));
        // 30 working days: 18 in October from 10-08 (Saturday 10-10 counts), 12 in November → 11-17.
        let dec = due(&cal(), raised, Days::working(30)).value;
        assert_eq!(dec, at_local(d("2026-11-18"), 0, 0, 0));
    }

    #[test]
    fn construction_answer_three_days() {
        let raised = at_local(d("2026-04-15"), 10, 0, 0);
        let ends = due(&cal(), raised, Days::calendar(3)).value;
        // 04-18 is a Saturday: the last day moves to Monday 04-20 (民法典 203).
        assert_eq!(ends, at_local(d("2026-04-21"), 0, 0, 0));
    }

    #[test]
    fn change_notice_needs_fifteen_days() {
        // Answered Tuesday 2026-04-14: the 15th day is Wednesday 04-29.
        let e = earliest_deadline_after_change(&cal(), at_local(d("2026-04-14"), 16, 0, 0));
        assert_eq!(e.value, d("2026-04-29"));
        // Answered 2026-09-16: the 15th day is 10-01 (National Day) → 10-08.
        let e = earliest_deadline_after_change(&cal(), at_local(d("2026-09-16"), 16, 0, 0));
        assert_eq!(e.value, d("2026-10-08"));
    }

    #[test]
    fn prequalification_objection_two_days_before_the_applications_are_due() {
        // Applications due Friday 2026-10-09 09:00: the last day is 10-07 (National Day holiday,
        // not moved: counted backwards), to 24:00.
        let due_at = at_local(d("2026-10-09"), 9, 0, 0);
        let ends = before_deadline_ends(due_at, Days::calendar(2));
        assert!(in_time(at_local(d("2026-10-07"), 23, 59, 59), ends));
        assert!(!in_time(at_local(d("2026-10-08"), 0, 0, 0), ends));
        // Answered in 3 days from 10-07: 10-10 (the make-up Saturday is a working day).
        let ans = due(
            &cal(),
            at_local(d("2026-10-07"), 20, 0, 0),
            Days::calendar(3),
        )
        .value;
        assert_eq!(ans, at_local(d("2026-10-11"), 0, 0, 0));
    }

    #[test]
    fn single_source_publicity_objection_and_its_answer_across_qingming() {
        // Publicity from Thursday 2026-04-02: working days 04-03, 04-07 (清明 04-04..06), 04-08,
        // 04-09, 04-10 → objections until Friday 04-10 24:00.
        let start = at_local(d("2026-04-02"), 9, 0, 0);
        let ends = publicity_ends(&cal(), start, Days::working(5)).value;
        assert!(in_time(at_local(d("2026-04-10"), 23, 59, 59), ends));
        assert!(!in_time(at_local(d("2026-04-11"), 0, 0, 0), ends));
        // Answered within 5 working days after the publicity: 04-13..04-17.
        let ans = answer_after_publicity(&cal(), ends, Days::working(5)).value;
        assert_eq!(ans, at_local(d("2026-04-18"), 0, 0, 0));
    }

    #[test]
    fn known_on_cannot_be_in_the_future() {
        let now = at_local(d("2026-04-14"), 16, 0, 0);
        assert!(check_known_on(d("2026-04-14"), now).is_ok());
        assert!(check_known_on(d("2026-04-15"), now).is_err());
    }

    #[test]
    fn parse_round_trips() {
        for k in [Kind::Objection, Kind::Challenge, Kind::Complaint] {
            assert_eq!(Kind::parse(k.as_str()).unwrap(), k);
        }
        for t in [
            Target::Documents,
            Target::Process,
            Target::Opening,
            Target::Result,
            Target::Listing,
            Target::Deal,
            Target::Prequalification,
            Target::Publicity,
        ] {
            assert_eq!(Target::parse(t.as_str()).unwrap(), t);
        }
        assert!(Kind::parse("appeal").is_err());
        assert!(Target::parse("x").is_err());
        for d in [
            Decision::Dismissed,
            Decision::CorrectionOrdered,
            Decision::ResultVoid,
            Decision::Retender,
        ] {
            assert_eq!(Decision::parse(d.as_str()).unwrap(), d);
            // The stored code is the API's (serde) name.
            assert_eq!(serde_json::json!(d), serde_json::json!(d.as_str()));
        }
        for r in [
            RaiseFrom::BeforeDeadline,
            RaiseFrom::Registered,
            RaiseFrom::Known,
            RaiseFrom::DuringOpening,
            RaiseFrom::BeforeClose,
            RaiseFrom::AfterAnswer,
            RaiseFrom::BeforeApplicationsDue,
            RaiseFrom::DuringPublicity,
            RaiseFrom::DuringCandidatePublicity,
        ] {
            assert_eq!(RaiseFrom::parse(r.as_str()).unwrap(), r);
        }
        for s in [Suspends::Always, Suspends::Supervisor, Suspends::Never] {
            assert_eq!(Suspends::parse(s.as_str()).unwrap(), s);
        }
        assert!(Decision::parse("x").is_err());
    }

    proptest::proptest! {
        /// Every forward period of 2026 ends at 24:00 of a working day on or after the N-th day,
        /// and the second before it is still in time.
        #[test]
        fn forward_periods_end_at_midnight_of_a_working_day(day in 0u32..300, n in 1u32..31,
                                                            working in proptest::bool::ANY) {
            let c = cal();
            let from = at_local(d("2026-01-01") + chrono::Duration::days(i64::from(day)), 10, 0, 0);
            let p = if working { Days::working(n) } else { Days::calendar(n) };
            let ends = raise_ends(&c, from, p).value;
            let last = day_of_end_date(ends);
            proptest::prop_assert!(c.is_working_day(last).unwrap());
            proptest::prop_assert!(last >= local_date(from) + chrono::Duration::days(i64::from(n)));
            proptest::prop_assert!(in_time(ends - chrono::Duration::seconds(1), ends));
            proptest::prop_assert!(!in_time(ends, ends));
        }

        /// The documents objection's last day is exactly N days before the deadline's date.
        #[test]
        fn before_deadline_is_n_days_before(day in 30u32..330, n in 1u32..20) {
            let deadline = at_local(d("2026-01-01") + chrono::Duration::days(i64::from(day)), 9, 30, 0);
            let ends = before_deadline_ends(deadline, Days::calendar(n));
            proptest::prop_assert_eq!(day_of_end_date(ends) + chrono::Duration::days(i64::from(n)),
                                      local_date(deadline));
        }
    }

    fn day_of_end_date(end: Timestamp) -> NaiveDate {
        ggzy_core::period::day_of_end(end)
    }
}
