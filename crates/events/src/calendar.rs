//! Contracts of the platform's holiday calendar (written by ggzy-store's `calendar`).

use crate::contract;

contract! {
    /// A computation needed a year without holiday schedule and counted working days with
    /// weekends only (provisional); emitted once per year until a schedule is imported.
    YearMissing = "calendar.year.missing", version 1, aggregate "calendar" by year {
        year: i32,
        /// What needed it (`publishing.legal_periods` …).
        needed_by: String,
        message: Option<String>,
    }
}

contract! {
    /// A year's holiday schedule (国务院办公厅 放假安排) was imported, a new version of it.
    ScheduleImported = "calendar.schedule.imported", version 1, aggregate "calendar" by year {
        year: i32,
        version: i64,
        /// 0 for the first import of the year.
        previous_version: i64,
        source: String,
        sha256: String,
        holiday_days: i64,
        workdays: i64,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![YearMissing::entry(), ScheduleImported::entry()]
}
