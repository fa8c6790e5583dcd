//! The one counting convention of legal periods counted in days, used by every area.
//!
//! - 民法典 第二百零一条: 按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算 — a period of N
//!   days starts the day after the event; its last day is the event's date + N (calendar days) or
//!   the N-th working day after it (working days, see [`crate::calendar`]).
//! - 民法典 第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日。期间的
//!   最后一日的截止时间为二十四时 — a last day that is a day off (an official holiday, or a weekend
//!   day that is not a make-up working day) moves to the first working day after it, and the period
//!   ends at 24:00 Beijing time of its last day (= 00:00 of the next day).
//! - 203 also applies to minimum lengths measured to a day ([`reaches_day`]): the later date must be
//!   on or after the (moved) last day.
//! - A minimum period that ends with a publicity or disclosure must reach 24:00 of its last day: an
//!   end at 00:00 of day N is 24:00 of day N−1, so it is one day short.
//!
//! Dates are Asia/Shanghai dates of the instants. Land and property periods use the same rule (a
//! period of days, not a multiple of 24 hours). Every function returns a [`Reckoned`] value: it is
//! provisional when a year it touched has no holiday schedule (weekends only).

use crate::calendar::{BusinessCalendar, Reckoned};
use crate::time::{at_local, local_date, Timestamp};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Whether a period counts calendar days (日) or working days (工作日).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Calendar,
    Working,
}

/// A period of `n` days of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    pub n: u32,
    pub kind: DayKind,
}

impl Days {
    pub const fn calendar(n: u32) -> Days {
        Days {
            n,
            kind: DayKind::Calendar,
        }
    }
    pub const fn working(n: u32) -> Days {
        Days {
            n,
            kind: DayKind::Working,
        }
    }
}

impl std::fmt::Display for Days {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            DayKind::Calendar => write!(f, "{} days", self.n),
            DayKind::Working => write!(f, "{} working days", self.n),
        }
    }
}

/// The last day of a period of `p` that starts with an event on `event_date` (201 and 203).
pub fn last_day(cal: &BusinessCalendar, event_date: NaiveDate, p: Days) -> Reckoned<NaiveDate> {
    match p.kind {
        // The N-th working day is a working day already (n = 0: the event's own day, rolled).
        DayKind::Working if p.n > 0 => cal.add_working_days_reckoned(event_date, p.n),
        _ => cal.roll_to_working_day(cal.add_days(event_date, p.n)),
    }
}

/// 24:00 Beijing time of `d` (the instant 00:00 of the next day).
pub fn end_of_day(d: NaiveDate) -> Timestamp {
    at_local(d.succ_opt().unwrap_or(d), 0, 0, 0)
}

/// The Beijing date on which an instant that ends a period falls: an end at exactly 00:00 is
/// 24:00 of the day before.
pub fn day_of_end(end: Timestamp) -> NaiveDate {
    local_date(end - chrono::Duration::microseconds(1))
}

/// When a period of `p` that starts with an event at `event_at` ends: 24:00 Beijing time of its
/// last day.
pub fn ends_at(cal: &BusinessCalendar, event_at: Timestamp, p: Days) -> Reckoned<Timestamp> {
    last_day(cal, local_date(event_at), p).map(end_of_day)
}

/// A minimum period measured to a day ("自…之日起至…之日止，不得少于 N 日"): the later date must be
/// on or after the period's last day (201), and a last day that is a day off (an official holiday
/// or a weekend day that is not a make-up working day) moves to the first working day after it
/// (203): a 20-day bid period whose 20th day is a Sunday needs the deadline on Monday or later.
pub fn reaches_day(
    cal: &BusinessCalendar,
    from: NaiveDate,
    to: NaiveDate,
    p: Days,
) -> Reckoned<bool> {
    last_day(cal, from, p).map(|m| to >= m)
}

/// A minimum period that ends with a publicity or disclosure: from an event at `from` it must last
/// until at least 24:00 of its last day.
pub fn reaches_end(
    cal: &BusinessCalendar,
    from: Timestamp,
    to: Timestamp,
    p: Days,
) -> Reckoned<bool> {
    ends_at(cal, from, p).map(|end| to >= end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_period_starts_the_day_after_the_event_and_ends_at_24_00_beijing() {
        let c = BusinessCalendar::official();
        // Event Monday 2026-03-02 at 09:00: 3 days → Thu 03-05, ends 03-06 00:00 Beijing.
        let e = ends_at(&c, at_local(d("2026-03-02"), 9, 0, 0), Days::calendar(3));
        assert_eq!(e.value, at_local(d("2026-03-06"), 0, 0, 0));
        assert!(!e.provisional());
        // An event at 23:59:59 counts from the same next day.
        let e2 = ends_at(&c, at_local(d("2026-03-02"), 23, 59, 59), Days::calendar(3));
        assert_eq!(e2.value, e.value);
        // An event at 00:00 of 03-03 counts from 03-04.
        let e3 = ends_at(&c, at_local(d("2026-03-03"), 0, 0, 0), Days::calendar(3));
        assert_eq!(e3.value, at_local(d("2026-03-07"), 0, 0, 0));
    }

    #[test]
    fn publicity_ending_on_qingming_ends_on_the_next_working_day() {
        let c = BusinessCalendar::official();
        // Published Fri 2026-04-03: 3 days → Mon 04-06 (清明) → Tue 04-07, ends 04-08 00:00.
        let e = ends_at(&c, at_local(d("2026-04-03"), 10, 0, 0), Days::calendar(3));
        assert_eq!(e.value, end_of_day(d("2026-04-07")));
        // Published Tue 03-31: 3 days → Fri 04-03, a working day: unchanged.
        let e = ends_at(&c, at_local(d("2026-03-31"), 10, 0, 0), Days::calendar(3));
        assert_eq!(e.value, end_of_day(d("2026-04-03")));
    }

    #[test]
    fn a_publicity_must_reach_24_00_of_its_last_day() {
        let c = BusinessCalendar::official();
        let from = at_local(d("2026-03-02"), 9, 0, 0);
        // Last allowed: 24:00 of 03-05 (= 00:00 of 03-06).
        assert!(
            reaches_end(
                &c,
                from,
                at_local(d("2026-03-06"), 0, 0, 0),
                Days::calendar(3)
            )
            .value
        );
        // First refused: one second earlier; and 00:00 of 03-05 is 24:00 of 03-04 (day 2).
        assert!(
            !reaches_end(
                &c,
                from,
                at_local(d("2026-03-05"), 23, 59, 59),
                Days::calendar(3)
            )
            .value
        );
        assert!(
            !reaches_end(
                &c,
                from,
                at_local(d("2026-03-05"), 0, 0, 0),
                Days::calendar(3)
            )
            .value
        );
        assert_eq!(
            day_of_end(at_local(d("2026-03-05"), 0, 0, 0)),
            d("2026-03-04")
        );
        assert_eq!(
            day_of_end(at_local(d("2026-03-05"), 0, 0, 1)),
            d("2026-03-05")
        );
    }

    #[test]
    fn a_minimum_period_to_a_day_needs_the_nth_day_after_the_event() {
        let c = BusinessCalendar::official();
        // Documents issued Wed 2026-09-10: 20 days → Wed 09-30; 09-29 is one short.
        assert!(reaches_day(&c, d("2026-09-10"), d("2026-09-30"), Days::calendar(20)).value);
        assert!(!reaches_day(&c, d("2026-09-10"), d("2026-09-29"), Days::calendar(20)).value);
        // 203 applies to a minimum length too: from Fri 09-11, day 20 is Thu 10-01 (National Day,
        // days off to Wed 10-07): the last day is Thu 10-08.
        assert!(reaches_day(&c, d("2026-09-11"), d("2026-10-08"), Days::calendar(20)).value);
        assert!(!reaches_day(&c, d("2026-09-11"), d("2026-10-07"), Days::calendar(20)).value);
        assert!(!reaches_day(&c, d("2026-09-11"), d("2026-10-01"), Days::calendar(20)).value);
    }

    #[test]
    fn a_minimum_period_ending_on_a_sunday_runs_to_monday() {
        let c = BusinessCalendar::official();
        // From Mon 2026-03-02, day 20 is Sun 03-22: the last day is Mon 03-23.
        assert!(reaches_day(&c, d("2026-03-02"), d("2026-03-23"), Days::calendar(20)).value);
        assert!(!reaches_day(&c, d("2026-03-02"), d("2026-03-22"), Days::calendar(20)).value);
        // Day 20 on Sat 03-21 also moves to Mon 03-23 (Sunday is a day off as well).
        assert!(!reaches_day(&c, d("2026-03-01"), d("2026-03-22"), Days::calendar(20)).value);
        assert!(reaches_day(&c, d("2026-03-01"), d("2026-03-23"), Days::calendar(20)).value);
        // A weekend day that is a make-up working day is not moved: Sat 2026-10-10.
        assert!(reaches_day(&c, d("2026-09-30"), d("2026-10-10"), Days::calendar(10)).value);
        assert!(!reaches_day(&c, d("2026-09-30"), d("2026-10-09"), Days::calendar(10)).value);
        // A year without a schedule: weekends only, provisional.
        let r = reaches_day(&c, d("2026-12-13"), d("2027-01-04"), Days::calendar(20));
        assert!(r.value);
        assert!(r.provisional());
        assert!(!reaches_day(&c, d("2026-12-13"), d("2027-01-03"), Days::calendar(20)).value);
    }

    #[test]
    fn working_day_periods_end_on_the_nth_working_day() {
        let c = BusinessCalendar::official();
        // Event Wed 2026-09-30 + 5 working days: Tue 10-13.
        assert_eq!(
            last_day(&c, d("2026-09-30"), Days::working(5)).value,
            d("2026-10-13")
        );
        assert!(reaches_day(&c, d("2026-09-30"), d("2026-10-13"), Days::working(5)).value);
        assert!(!reaches_day(&c, d("2026-09-30"), d("2026-10-12"), Days::working(5)).value);
        // Into 2027 without a schedule: provisional.
        let r = last_day(&c, d("2026-12-28"), Days::working(5));
        assert_eq!(r.value, d("2027-01-04"));
        assert!(r.provisional());
    }

    #[test]
    fn days_display() {
        assert_eq!(Days::calendar(3).to_string(), "3 days");
        assert_eq!(Days::working(20).to_string(), "20 working days");
    }
}
