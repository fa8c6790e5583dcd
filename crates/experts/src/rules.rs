//! Pure rules of the committee's life after the draw: confirmation deadline, which backup replaces a
//! member, how a venue's draw spec becomes a request, and automatic suspension. No I/O.

use crate::draw::SpecialtyCount;
use ggzy_core::{FieldError, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Confirmation of drawn experts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConfirmRules {
    /// Minutes a drawn expert has to confirm or decline; silence counts as declining and the next
    /// backup is called (实施条例 48: 评标委员会成员 … 应当依法重新确定/由备选专家替补; the period is
    /// local practice, commonly 30–120 minutes by telephone confirmation).
    pub confirm_minutes: i64,
}

impl Default for ConfirmRules {
    fn default() -> Self {
        ConfirmRules {
            confirm_minutes: 120,
        }
    }
}

impl ConfirmRules {
    /// The confirmation deadline: `confirm_minutes` after the notice, but never after the session
    /// starts (an expert who has not confirmed by then is replaced before the evaluation).
    pub fn deadline(&self, notified_at: Timestamp, session_start: Timestamp) -> Timestamp {
        (notified_at + chrono::Duration::minutes(self.confirm_minutes)).min(session_start)
    }

    /// Is an answer at `at` in time for `deadline`? The deadline itself is still in time.
    pub fn in_time(deadline: Timestamp, at: Timestamp) -> bool {
        at <= deadline
    }
}

/// Automatic suspension (暂停抽取) from ratings and venue violations.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SuspensionRules {
    /// A rating at or below this score is a low rating.
    pub low_score_max: i64,
    /// This many low ratings within `window_days` suspend the expert (专家库办法 15/16: 评价与动态
    /// 管理, 对评价较差的暂停抽取; the thresholds are local practice and configurable).
    pub low_ratings: i64,
    /// This many venue violations within `window_days` suspend the expert (实施条例 71: 评标委员会
    /// 成员违规 … 取消担任评标委员会成员的资格; the pool suspends at once pending the decision).
    pub violations: i64,
    /// The look-back window (12 months).
    pub window_days: i64,
    /// How long the automatic suspension lasts.
    pub suspend_days: i64,
}

impl Default for SuspensionRules {
    fn default() -> Self {
        SuspensionRules {
            low_score_max: 2,
            low_ratings: 3,
            violations: 1,
            window_days: 365,
            suspend_days: 365,
        }
    }
}

/// Why an expert is suspended automatically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum SuspendReason {
    LowRatings { count: i64, window_days: i64 },
    Violations { count: i64, window_days: i64 },
}

impl SuspendReason {
    /// The reason as `experts.expert.suspended` carries it (the same JSON).
    pub fn rule(&self) -> ggzy_events::experts::SuspensionRule {
        use ggzy_events::experts::SuspensionRule;
        match *self {
            SuspendReason::LowRatings { count, window_days } => {
                SuspensionRule::LowRatings { count, window_days }
            }
            SuspendReason::Violations { count, window_days } => {
                SuspensionRule::Violations { count, window_days }
            }
        }
    }

    pub fn text(&self) -> String {
        match self {
            SuspendReason::LowRatings { count, window_days } => {
                format!("{count} low ratings within {window_days} days")
            }
            SuspendReason::Violations { count, window_days } => {
                format!("{count} venue violations within {window_days} days")
            }
        }
    }
}

impl SuspensionRules {
    /// `ratings` and `violations` are the instants of the expert's rating scores / violations.
    pub fn check(
        &self,
        now: Timestamp,
        ratings: &[(i64, Timestamp)],
        violations: &[Timestamp],
    ) -> Option<SuspendReason> {
        let since = now - chrono::Duration::days(self.window_days);
        let low = ratings
            .iter()
            .filter(|(s, at)| *s <= self.low_score_max && *at > since)
            .count() as i64;
        let v = violations.iter().filter(|at| **at > since).count() as i64;
        if v >= self.violations {
            Some(SuspendReason::Violations {
                count: v,
                window_days: self.window_days,
            })
        } else if low >= self.low_ratings {
            Some(SuspendReason::LowRatings {
                count: low,
                window_days: self.window_days,
            })
        } else {
            None
        }
    }
}

/// A rating score: 1 to 5.
pub fn check_score(score: i64) -> Result<i64, FieldError> {
    if (1..=5).contains(&score) {
        Ok(score)
    } else {
        Err(FieldError::new(
            "score",
            "rating.score",
            "a rating is a whole number from 1 to 5",
        ))
    }
}

/// A backup as the replacement sees it.
#[derive(Debug, Clone)]
pub struct Standby {
    pub expert_id: String,
    pub specialty: String,
    /// Every reason the backup may not serve now (re-screened at replacement time); empty = may serve.
    pub reasons: Vec<String>,
}

/// The backup that replaces a member of `specialty`: the first one, in the order the seeded
/// selection produced them, of the same specialty that may still serve. Deterministic from the
/// (verified) backup order plus the recorded reasons of the skipped ones.
pub fn next_backup<'a>(backups: &'a [Standby], specialty: &str) -> Option<&'a Standby> {
    backups
        .iter()
        .find(|b| b.specialty == specialty && b.reasons.is_empty())
}

/// The venue area's draw spec: `specialties:[{code,count}]`, a total number of `backups` and the
/// `committee_size` (members = experts + tenderer representatives).
#[derive(Debug, Clone, Deserialize)]
pub struct VenueDrawSpec {
    pub specialties: Vec<VenueSpecialty>,
    #[serde(default)]
    pub backups: u32,
    #[serde(default)]
    pub committee_size: Option<u32>,
    #[serde(default)]
    pub budget: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VenueSpecialty {
    pub code: String,
    pub count: u32,
}

/// Per-specialty counts from a venue spec: the total backups are dealt one at a time to the
/// specialties in code order (round robin), so every specialty gets a backup before any gets two.
/// Representatives = committee size − experts (0 when the size is not given).
pub fn from_venue_spec(spec: &VenueDrawSpec) -> (Vec<SpecialtyCount>, u32) {
    let mut out: Vec<SpecialtyCount> = Vec::new();
    for s in &spec.specialties {
        match out.iter_mut().find(|o| o.specialty == s.code.trim()) {
            Some(o) => o.count = o.count.saturating_add(s.count),
            None => out.push(SpecialtyCount {
                specialty: s.code.trim().to_string(),
                count: s.count,
                backups: 0,
            }),
        }
    }
    out.sort_by(|a, b| a.specialty.cmp(&b.specialty));
    if !out.is_empty() {
        for i in 0..spec.backups as usize {
            let n = out.len();
            out[i % n].backups = out[i % n].backups.saturating_add(1);
        }
    }
    let experts: u32 = out.iter().fold(0u32, |a, s| a.saturating_add(s.count));
    let reps = spec
        .committee_size
        .map(|c| c.saturating_sub(experts))
        .unwrap_or(0);
    (out, reps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(d: u32, h: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
    }

    #[test]
    fn the_confirmation_deadline_is_the_window_or_the_session_start() {
        let r = ConfirmRules::default();
        assert_eq!(r.deadline(at(1, 0), at(5, 0)), at(1, 2));
        assert_eq!(r.deadline(at(1, 0), at(1, 1)), at(1, 1));
        assert!(ConfirmRules::in_time(at(1, 2), at(1, 2)));
        assert!(!ConfirmRules::in_time(
            at(1, 2),
            at(1, 2) + chrono::Duration::seconds(1)
        ));
    }

    #[test]
    fn three_low_ratings_within_a_year_suspend_two_do_not() {
        let r = SuspensionRules::default();
        let now = at(20, 0);
        let two = vec![(2, at(1, 0)), (1, at(2, 0)), (5, at(3, 0))];
        assert_eq!(r.check(now, &two, &[]), None);
        let mut three = two.clone();
        three.push((2, at(4, 0)));
        assert_eq!(
            r.check(now, &three, &[]),
            Some(SuspendReason::LowRatings {
                count: 3,
                window_days: 365
            })
        );
    }

    #[test]
    fn a_score_of_three_is_not_low_and_old_ratings_fall_out_of_the_window() {
        let r = SuspensionRules::default();
        let now = at(20, 0);
        let threes = vec![(3, at(1, 0)), (3, at(2, 0)), (3, at(3, 0))];
        assert_eq!(r.check(now, &threes, &[]), None);
        let year = chrono::Duration::days(365);
        // Exactly 365 days old: outside the window (the window is the open interval after now − 365 d).
        let old = vec![(1, now - year), (1, at(2, 0)), (1, at(3, 0))];
        assert_eq!(r.check(now, &old, &[]), None);
        let inside = vec![
            (1, now - year + chrono::Duration::seconds(1)),
            (1, at(2, 0)),
            (1, at(3, 0)),
        ];
        assert!(r.check(now, &inside, &[]).is_some());
    }

    #[test]
    fn one_violation_within_the_window_suspends() {
        let r = SuspensionRules::default();
        let now = at(20, 0);
        assert_eq!(r.check(now, &[], &[]), None);
        assert_eq!(
            r.check(now, &[], &[at(19, 0)]),
            Some(SuspendReason::Violations {
                count: 1,
                window_days: 365
            })
        );
        assert_eq!(
            r.check(now, &[], &[now - chrono::Duration::days(365)]),
            None
        );
    }

    #[test]
    fn scores_outside_one_to_five_are_refused() {
        assert!(check_score(0).is_err());
        assert_eq!(check_score(1), Ok(1));
        assert_eq!(check_score(5), Ok(5));
        assert!(check_score(6).is_err());
    }

    #[test]
    fn the_next_backup_is_the_first_of_the_same_specialty_that_may_serve() {
        let b = |id: &str, s: &str, r: &[&str]| Standby {
            expert_id: id.into(),
            specialty: s.into(),
            reasons: r.iter().map(|x| x.to_string()).collect(),
        };
        let list = vec![
            b("x1", "A01", &[]),
            b("y1", "A08.02", &["booked"]),
            b("y2", "A08.02", &[]),
            b("y3", "A08.02", &[]),
        ];
        assert_eq!(
            next_backup(&list, "A08.02").map(|s| s.expert_id.as_str()),
            Some("y2")
        );
        assert_eq!(
            next_backup(&list, "A01").map(|s| s.expert_id.as_str()),
            Some("x1")
        );
        assert!(next_backup(&list, "B02").is_none());
    }

    #[test]
    fn venue_backups_are_dealt_round_robin_in_code_order() {
        let spec = VenueDrawSpec {
            specialties: vec![
                VenueSpecialty {
                    code: "B02".into(),
                    count: 2,
                },
                VenueSpecialty {
                    code: "A08.02".into(),
                    count: 3,
                },
            ],
            backups: 3,
            committee_size: Some(7),
            budget: None,
        };
        let (s, reps) = from_venue_spec(&spec);
        assert_eq!(reps, 2);
        assert_eq!(s[0].specialty, "A08.02");
        assert_eq!((s[0].count, s[0].backups), (3, 2));
        assert_eq!((s[1].count, s[1].backups), (2, 1));
    }
}
