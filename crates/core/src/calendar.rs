//! Business calendar for mainland China: calendar days and working days (工作日).
//!
//! Working days skip weekends and official holidays and include the official make-up working days
//! (调休上班). The schedule is published each year by the State Council General Office. The years
//! compiled into the binary (`crates/core/calendar/cn-YYYY.toml`) are the initial content; the
//! schedules an administrator imports at run time (stored in the database, see `ggzy_store::calendar`)
//! replace or add years in the same live [`BusinessCalendar`] without a release.
//!
//! Two kinds of arithmetic:
//! - strict (`is_working_day`, `add_working_days`, `working_days_between`): a year without a
//!   schedule is [`CalendarError::NoData`];
//! - never-stopping (`*_reckoned`): a year without a schedule is counted with weekends only and the
//!   result is [`Reckoned::provisional`], naming the missing years, so that the caller stores the
//!   mark with the result and re-derives it when the year is loaded (docs/calendar.md).
//!
//! A `BusinessCalendar` is a cheap handle: clones share the same schedules, so replacing a year
//! through one handle is seen by every holder (the server's `Ctx`, consumers, the HTTP routes).

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("no holiday schedule is loaded for {0}; working days in that year cannot be computed")]
    NoData(i32),
    #[error("invalid calendar file: {0}")]
    Invalid(String),
}

/// One year's schedule as loaded, with where it came from.
#[derive(Debug, Clone)]
pub struct YearSchedule {
    pub year: i32,
    /// Days off (放假) by holiday name, weekends inside the periods included.
    pub holidays: BTreeMap<String, Vec<NaiveDate>>,
    /// Weekend days that are working days (调休上班).
    pub workdays: Vec<NaiveDate>,
    /// The TOML text it was parsed from (kept so that it can be shown and stored as is).
    pub toml: String,
    /// `compiled-in`, or what the importer named (file name, notice).
    pub source: String,
    /// 0 for the compiled-in data; the database version (1, 2, …) for imports.
    pub version: i64,
    off: HashSet<NaiveDate>,
    on: HashSet<NaiveDate>,
}

#[derive(serde::Deserialize)]
struct YearFile {
    year: i32,
    #[serde(default)]
    workdays: Vec<NaiveDate>,
    #[serde(default)]
    holidays: BTreeMap<String, Vec<NaiveDate>>,
}

impl YearSchedule {
    /// Parse and validate a schedule in the shipped TOML format: every date in the named year, no
    /// day both a holiday and a make-up working day, make-up days on weekends only, holidays named.
    /// Every problem is reported, not only the first.
    pub fn parse(src: &str, source: &str, version: i64) -> Result<YearSchedule, CalendarError> {
        let f: YearFile = toml::from_str(src).map_err(|e| CalendarError::Invalid(e.to_string()))?;
        let mut problems = Vec::new();
        if !(1990..=2200).contains(&f.year) {
            problems.push(format!("year {} is out of range", f.year));
        }
        let mut on = HashSet::new();
        for d in &f.workdays {
            if d.year() != f.year {
                problems.push(format!("workday {d} is not in {}", f.year));
            }
            if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                problems.push(format!(
                    "workday {d} is a {:?}: make-up working days (调休上班) are weekend days",
                    d.weekday()
                ));
            }
            on.insert(*d);
        }
        let mut off = HashSet::new();
        for (name, days) in &f.holidays {
            if name.trim().is_empty() {
                problems.push("a holiday has an empty name".to_string());
            }
            for d in days {
                if d.year() != f.year {
                    problems.push(format!("holiday {d} ({name}) is not in {}", f.year));
                }
                if on.contains(d) {
                    problems.push(format!("{d} is both a holiday and a workday"));
                }
                off.insert(*d);
            }
        }
        if !problems.is_empty() {
            problems.sort();
            problems.dedup();
            return Err(CalendarError::Invalid(problems.join("; ")));
        }
        Ok(YearSchedule {
            year: f.year,
            holidays: f.holidays,
            workdays: f.workdays,
            toml: src.to_string(),
            source: source.to_string(),
            version,
            off,
            on,
        })
    }

    fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.on.contains(&d) {
            return true;
        }
        if self.off.contains(&d) {
            return false;
        }
        !is_weekend(d)
    }

    /// Whether `d` is an official holiday (a day off of a named holiday, not only a weekend).
    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        self.off.contains(&d)
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// A value computed from the calendar, with the years that had no schedule. When `missing` is not
/// empty the value was computed with weekends only for those years: it is *provisional* and must be
/// stored and shown as such, and recomputed when the schedule is loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reckoned<T> {
    pub value: T,
    pub missing: BTreeSet<i32>,
}

impl<T> Reckoned<T> {
    pub fn exact(value: T) -> Self {
        Reckoned {
            value,
            missing: BTreeSet::new(),
        }
    }
    pub fn provisional(&self) -> bool {
        !self.missing.is_empty()
    }
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reckoned<U> {
        Reckoned {
            value: f(self.value),
            missing: self.missing,
        }
    }
    /// Combine with another reckoning (its missing years join this one's).
    pub fn and<U>(mut self, other: Reckoned<U>) -> (Reckoned<T>, U) {
        self.missing.extend(other.missing);
        (self, other.value)
    }
}

#[derive(Debug, Default)]
struct Schedules {
    years: BTreeMap<i32, YearSchedule>,
    /// Loaded generation of the database content (see `ggzy_store::calendar::refresh`).
    generation: i64,
}

#[derive(Debug, Clone, Default)]
pub struct BusinessCalendar {
    inner: Arc<RwLock<Schedules>>,
}

/// The schedules shipped with the binary (copied from the official notices).
const EMBEDDED: &[(&str, &str)] = &[
    ("cn-2025.toml", include_str!("../calendar/cn-2025.toml")),
    ("cn-2026.toml", include_str!("../calendar/cn-2026.toml")),
];

/// `source` of the compiled-in years.
pub const COMPILED_IN: &str = "compiled-in";

impl BusinessCalendar {
    /// A new calendar holding the embedded official schedules.
    pub fn official() -> Self {
        let c = BusinessCalendar::default();
        for (_, src) in EMBEDDED {
            // The embedded files are checked by a unit test; a broken one is a build defect.
            c.load_toml(src).expect("embedded calendar parses");
        }
        c
    }

    /// The compiled-in schedule of `year`, if any.
    pub fn embedded(year: i32) -> Option<YearSchedule> {
        EMBEDDED
            .iter()
            .filter_map(|(_, src)| YearSchedule::parse(src, COMPILED_IN, 0).ok())
            .find(|y| y.year == year)
    }

    /// A calendar that shares nothing with this one (a snapshot).
    pub fn snapshot(&self) -> Self {
        let g = self.read();
        let c = BusinessCalendar::default();
        {
            let mut w = c.write();
            w.years = g.years.clone();
            w.generation = g.generation;
        }
        c
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Schedules> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Schedules> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds (or replaces) one year from a TOML file in the shipped format (source `compiled-in`,
    /// version 0: the initial content).
    pub fn load_toml(&self, src: &str) -> Result<i32, CalendarError> {
        let y = YearSchedule::parse(src, COMPILED_IN, 0)?;
        let year = y.year;
        self.install(y);
        Ok(year)
    }

    /// Adds or replaces one year.
    pub fn install(&self, y: YearSchedule) {
        self.write().years.insert(y.year, y);
    }

    /// Replace this calendar's content with `other`'s (the server's initial content); the stored
    /// schedules are loaded again on the next refresh (generation reset).
    pub fn replace_with(&self, other: &BusinessCalendar) {
        if Arc::ptr_eq(&self.inner, &other.inner) {
            return;
        }
        let years = other.read().years.clone();
        let mut w = self.write();
        w.years = years;
        w.generation = 0;
    }

    /// The generation of database content last loaded (0: none).
    pub fn generation(&self) -> i64 {
        self.read().generation
    }
    pub fn set_generation(&self, g: i64) {
        self.write().generation = g;
    }

    pub fn years(&self) -> Vec<i32> {
        self.read().years.keys().copied().collect()
    }

    pub fn has_year(&self, year: i32) -> bool {
        self.read().years.contains_key(&year)
    }

    /// The schedule of one year as loaded.
    pub fn year(&self, year: i32) -> Option<YearSchedule> {
        self.read().years.get(&year).cloned()
    }

    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        self.read()
            .years
            .get(&d.year())
            .map(|y| y.is_working_day(d))
            .ok_or(CalendarError::NoData(d.year()))
    }

    /// Whether `d` is a working day; for a year without a schedule, whether it is a weekday
    /// (provisional).
    pub fn is_working_day_reckoned(&self, d: NaiveDate) -> Reckoned<bool> {
        match self.read().years.get(&d.year()) {
            Some(y) => Reckoned::exact(y.is_working_day(d)),
            None => Reckoned {
                value: !is_weekend(d),
                missing: BTreeSet::from([d.year()]),
            },
        }
    }

    /// Calendar days ("日"): `d + n`.
    pub fn add_days(&self, d: NaiveDate, n: u32) -> NaiveDate {
        d.checked_add_days(Days::new(n as u64)).unwrap_or(d)
    }

    /// The n-th working day after `d` (not counting `d` itself). `n = 0` returns `d`.
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let r = self.add_working_days_reckoned(d, n);
        match r.missing.first() {
            Some(y) => Err(CalendarError::NoData(*y)),
            None => Ok(r.value),
        }
    }

    /// [`Self::add_working_days`] that never fails: weekends only in years without a schedule.
    pub fn add_working_days_reckoned(&self, d: NaiveDate, n: u32) -> Reckoned<NaiveDate> {
        let g = self.read();
        let mut missing = BTreeSet::new();
        let mut cur = d;
        let mut left = n;
        while left > 0 {
            let Some(next) = cur.succ_opt() else { break };
            cur = next;
            let working = match g.years.get(&cur.year()) {
                Some(y) => y.is_working_day(cur),
                None => {
                    missing.insert(cur.year());
                    !is_weekend(cur)
                }
            };
            if working {
                left -= 1;
            }
        }
        Reckoned {
            value: cur,
            missing,
        }
    }

    /// Number of working days in `(from, to]`.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        let r = self.working_days_between_reckoned(from, to);
        match r.missing.first() {
            Some(y) => Err(CalendarError::NoData(*y)),
            None => Ok(r.value),
        }
    }

    /// [`Self::working_days_between`] that never fails: weekends only in years without a schedule.
    pub fn working_days_between_reckoned(&self, from: NaiveDate, to: NaiveDate) -> Reckoned<u32> {
        let g = self.read();
        let mut missing = BTreeSet::new();
        let mut n = 0;
        let mut cur = from;
        while cur < to {
            let Some(next) = cur.succ_opt() else { break };
            cur = next;
            let working = match g.years.get(&cur.year()) {
                Some(y) => y.is_working_day(cur),
                None => {
                    missing.insert(cur.year());
                    !is_weekend(cur)
                }
            };
            if working {
                n += 1;
            }
        }
        Reckoned { value: n, missing }
    }

    /// 民法典 第二百零三条 first sentence: a period whose last day is a statutory day off
    /// (法定休假日: an official holiday, or a weekend day that is not a make-up working day) ends
    /// on the first working day after it. Returns `d` itself when it is a working day.
    pub fn roll_to_working_day(&self, d: NaiveDate) -> Reckoned<NaiveDate> {
        let mut missing = BTreeSet::new();
        let mut cur = d;
        // A run of days off is never longer than a few weeks; 60 bounds a corrupt schedule.
        for _ in 0..60 {
            let w = self.is_working_day_reckoned(cur);
            missing.extend(w.missing.iter().copied());
            if w.value {
                break;
            }
            match cur.succ_opt() {
                Some(n) => cur = n,
                None => break,
            }
        }
        Reckoned {
            value: cur,
            missing,
        }
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
        assert_eq!(
            BusinessCalendar::embedded(2026).unwrap().source,
            COMPILED_IN
        );
        assert!(BusinessCalendar::embedded(2027).is_none());
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
    fn a_year_without_a_schedule_is_an_error_for_strict_arithmetic() {
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
    fn a_year_without_a_schedule_counts_weekends_only_and_is_provisional() {
        let c = BusinessCalendar::official();
        // 2026-12-28 Mon + 5: Tue 29, Wed 30, Thu 31 (2026 data), then 2027: Fri 01-01 (no data:
        // a weekday), Mon 01-04.
        let r = c.add_working_days_reckoned(d("2026-12-28"), 5);
        assert_eq!(r.value, d("2027-01-04"));
        assert!(r.provisional());
        assert_eq!(r.missing, BTreeSet::from([2027]));
        // Entirely inside a loaded year: exact.
        let r = c.add_working_days_reckoned(d("2026-12-21"), 5);
        assert_eq!(r.value, d("2026-12-28"));
        assert!(!r.provisional());
        let n = c.working_days_between_reckoned(d("2026-12-31"), d("2027-01-08"));
        assert_eq!(n.value, 6);
        assert!(n.provisional());
    }

    #[test]
    fn loading_a_year_is_seen_by_every_clone_and_makes_results_exact() {
        let c = BusinessCalendar::official();
        let other = c.clone();
        let y2027 = "year = 2027\nworkdays = []\n[holidays]\n\"元旦\" = [\"2027-01-01\"]\n";
        other.install(YearSchedule::parse(y2027, "test", 1).unwrap());
        let r = c.add_working_days_reckoned(d("2026-12-28"), 5);
        assert_eq!(r.value, d("2027-01-05")); // 01-01 is now a holiday
        assert!(!r.provisional());
        // A snapshot is independent.
        let snap = c.snapshot();
        c.install(
            YearSchedule::parse(&y2027.replace("\"2027-01-01\"", "\"2027-01-04\""), "t", 2)
                .unwrap(),
        );
        assert_eq!(snap.year(2027).unwrap().version, 1);
        assert_eq!(c.year(2027).unwrap().version, 2);
    }

    #[test]
    fn a_day_both_holiday_and_workday_is_refused() {
        let bad =
            "year = 2030\nworkdays = [\"2030-01-05\"]\n[holidays]\n\"x\" = [\"2030-01-05\"]\n";
        let e = YearSchedule::parse(bad, "t", 1).unwrap_err();
        assert!(
            e.to_string().contains("both a holiday and a workday"),
            "{e}"
        );
    }

    #[test]
    fn dates_outside_the_year_and_weekday_make_up_days_are_refused() {
        let bad = "year = 2030\nworkdays = [\"2031-01-04\", \"2030-01-07\"]\n[holidays]\n\"x\" = [\"2029-12-31\"]\n";
        let e = YearSchedule::parse(bad, "t", 1).unwrap_err().to_string();
        assert!(e.contains("workday 2031-01-04 is not in 2030"), "{e}");
        assert!(e.contains("workday 2030-01-07 is a Mon"), "{e}");
        assert!(e.contains("holiday 2029-12-31 (x) is not in 2030"), "{e}");
        assert!(YearSchedule::parse("year = \"x\"", "t", 1).is_err());
    }

    #[test]
    fn civil_code_203_moves_a_last_day_off_to_the_next_working_day() {
        let c = BusinessCalendar::official();
        // 清明 2026-04-04..06 (Sat–Mon): a period ending on 04-06 ends on Tue 04-07.
        assert_eq!(
            c.roll_to_working_day(d("2026-04-06")).value,
            d("2026-04-07")
        );
        assert_eq!(
            c.roll_to_working_day(d("2026-04-04")).value,
            d("2026-04-07")
        );
        // The last working day before it stays.
        assert_eq!(
            c.roll_to_working_day(d("2026-04-03")).value,
            d("2026-04-03")
        );
        // An ordinary Saturday goes to Monday; a make-up Saturday (调休) is a working day.
        assert_eq!(
            c.roll_to_working_day(d("2026-03-07")).value,
            d("2026-03-09")
        );
        assert_eq!(
            c.roll_to_working_day(d("2026-02-14")).value,
            d("2026-02-14")
        );
        // National Day: 10-01..07 off, Thu 10-08 the first working day.
        assert_eq!(
            c.roll_to_working_day(d("2026-10-01")).value,
            d("2026-10-08")
        );
        // Into a year without data: weekends only, provisional.
        let r = c.roll_to_working_day(d("2027-01-02"));
        assert_eq!(r.value, d("2027-01-04"));
        assert!(r.provisional());
    }
}
