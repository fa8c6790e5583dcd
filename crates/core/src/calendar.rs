//! Business calendar for mainland China: calendar days and working days (工作日).
//!
//! Working days skip weekends and official holidays and include the official make-up working days
//! (调休上班). The schedule is published each year by the State Council General Office; it is kept as
//! one data file per year (`crates/core/calendar/cn-YYYY.toml`). Arithmetic that reaches a year with no file
//! fails with [`CalendarError::NoData`] instead of guessing.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::{BTreeMap, HashSet};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("no holiday schedule is loaded for {0}; working days in that year cannot be computed")]
    NoData(i32),
    #[error("invalid calendar file: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Default)]
struct Year {
    holidays: HashSet<NaiveDate>,
    workdays: HashSet<NaiveDate>,
}

#[derive(Debug, Clone, Default)]
pub struct BusinessCalendar {
    years: BTreeMap<i32, Year>,
}

#[derive(serde::Deserialize)]
struct YearFile {
    year: i32,
    #[serde(default)]
    workdays: Vec<NaiveDate>,
    #[serde(default)]
    holidays: BTreeMap<String, Vec<NaiveDate>>,
}

/// The schedules shipped with the binary (copied from the official notices).
const EMBEDDED: &[&str] = &[
    include_str!("../calendar/cn-2025.toml"),
    include_str!("../calendar/cn-2026.toml"),
];

impl BusinessCalendar {
    /// The embedded official schedules.
    pub fn official() -> Self {
        let mut c = BusinessCalendar::default();
        for src in EMBEDDED {
            // The embedded files are checked by a unit test; a broken one is a build defect.
            c.load_toml(src).expect("embedded calendar parses");
        }
        c
    }

    /// Adds (or replaces) one year from a TOML file in the shipped format.
    pub fn load_toml(&mut self, src: &str) -> Result<i32, CalendarError> {
        let f: YearFile = toml::from_str(src).map_err(|e| CalendarError::Invalid(e.to_string()))?;
        let mut y = Year::default();
        for d in f.workdays {
            if d.year() != f.year {
                return Err(CalendarError::Invalid(format!(
                    "workday {d} is not in {}",
                    f.year
                )));
            }
            y.workdays.insert(d);
        }
        for (_, days) in f.holidays {
            for d in days {
                if y.workdays.contains(&d) {
                    return Err(CalendarError::Invalid(format!(
                        "{d} is both a holiday and a workday"
                    )));
                }
                y.holidays.insert(d);
            }
        }
        self.years.insert(f.year, y);
        Ok(f.year)
    }

    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        let y = self
            .years
            .get(&d.year())
            .ok_or(CalendarError::NoData(d.year()))?;
        if y.workdays.contains(&d) {
            return Ok(true);
        }
        if y.holidays.contains(&d) {
            return Ok(false);
        }
        Ok(!matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
    }

    /// Calendar days ("日"): `d + n`.
    pub fn add_days(&self, d: NaiveDate, n: u32) -> NaiveDate {
        d.checked_add_days(Days::new(n as u64)).unwrap_or(d)
    }

    /// The n-th working day after `d` (not counting `d` itself). `n = 0` returns `d`.
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut cur = d;
        let mut left = n;
        while left > 0 {
            cur = cur
                .succ_opt()
                .ok_or(CalendarError::NoData(cur.year() + 1))?;
            if self.is_working_day(cur)? {
                left -= 1;
            }
        }
        Ok(cur)
    }

    /// Number of working days in `(from, to]`.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        let mut n = 0;
        let mut cur = from;
        while cur < to {
            cur = cur
                .succ_opt()
                .ok_or(CalendarError::NoData(cur.year() + 1))?;
            if self.is_working_day(cur)? {
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn embedded_schedules_load() {
        assert_eq!(BusinessCalendar::official().years(), vec![2025, 2026]);
    }

    #[test]
    fn a_make_up_saturday_is_a_working_day() {
        let c = BusinessCalendar::official();
        assert!(c.is_working_day(d("2026-02-14")).unwrap()); // Saturday, 调休上班
        assert!(!c.is_working_day(d("2026-02-21")).unwrap()); // Saturday inside Spring Festival
        assert!(!c.is_working_day(d("2026-02-16")).unwrap()); // Monday, Spring Festival
        assert!(c.is_working_day(d("2026-02-24")).unwrap()); // Tuesday after
    }

    #[test]
    fn five_working_days_across_national_day() {
        let c = BusinessCalendar::official();
        // 2026-09-30 (Wed) + 5 working days: Oct 1-7 off, Oct 8 Thu, 9 Fri, 10 Sat (调休), 12 Mon, 13 Tue.
        assert_eq!(
            c.add_working_days(d("2026-09-30"), 5).unwrap(),
            d("2026-10-13")
        );
        assert_eq!(
            c.working_days_between(d("2026-09-30"), d("2026-10-13"))
                .unwrap(),
            5
        );
    }

    #[test]
    fn a_year_without_a_schedule_is_an_error() {
        let c = BusinessCalendar::official();
        assert_eq!(
            c.is_working_day(d("2027-01-04")),
            Err(CalendarError::NoData(2027))
        );
        assert_eq!(
            c.add_working_days(d("2026-12-30"), 5),
            Err(CalendarError::NoData(2027))
        );
    }

    #[test]
    fn a_day_both_holiday_and_workday_is_refused() {
        let mut c = BusinessCalendar::default();
        let bad =
            "year = 2030\nworkdays = [\"2030-01-05\"]\n[holidays]\n\"x\" = [\"2030-01-05\"]\n";
        assert!(matches!(c.load_toml(bad), Err(CalendarError::Invalid(_))));
    }
}
