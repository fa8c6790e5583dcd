//! Time: the server clock decides. Instants are UTC, stored as microseconds since the Unix epoch
//! (an integer on every engine), and shown in Asia/Shanghai (UTC+8, no daylight saving since 1991).

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use std::sync::{Arc, Mutex};

pub type Timestamp = DateTime<Utc>;

pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

pub fn to_micros(t: Timestamp) -> i64 {
    t.timestamp_micros()
}

pub fn from_micros(us: i64) -> Timestamp {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

/// The calendar date of an instant in Asia/Shanghai.
pub fn local_date(t: Timestamp) -> NaiveDate {
    t.with_timezone(&shanghai()).date_naive()
}

/// Format for people: `2026-03-02 09:30:00` in Asia/Shanghai.
pub fn display_local(t: Timestamp) -> String {
    t.with_timezone(&shanghai())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The instant of a Shanghai wall-clock time.
pub fn at_local(date: NaiveDate, h: u32, m: u32, s: u32) -> Timestamp {
    let naive = date.and_hms_opt(h, m, s).unwrap_or_default();
    shanghai()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The server clock. Production uses the system clock; tests drive a manual clock so that legal
/// periods of days can be crossed without waiting.
#[derive(Clone)]
pub struct Clock(ClockKind);

#[derive(Clone)]
enum ClockKind {
    System,
    /// Manual time plus how far real time has run since it was set, so that timers still advance.
    Manual(Arc<Mutex<(Timestamp, std::time::Instant)>>),
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            ClockKind::System => f.write_str("Clock::System"),
            ClockKind::Manual(_) => f.write_str("Clock::Manual"),
        }
    }
}

impl Clock {
    pub fn system() -> Self {
        Clock(ClockKind::System)
    }

    /// A clock that starts at `t` and runs at real speed from there; `set`/`advance` jump it.
    pub fn manual(t: Timestamp) -> Self {
        Clock(ClockKind::Manual(Arc::new(Mutex::new((
            t,
            std::time::Instant::now(),
        )))))
    }

    pub fn now(&self) -> Timestamp {
        match &self.0 {
            ClockKind::System => Utc::now(),
            ClockKind::Manual(m) => {
                let g = m.lock().unwrap_or_else(|e| e.into_inner());
                let elapsed = chrono::Duration::from_std(g.1.elapsed()).unwrap_or_default();
                // Truncate to microseconds: that is what the database stores.
                from_micros(to_micros(g.0 + elapsed))
            }
        }
    }

    pub fn is_manual(&self) -> bool {
        matches!(self.0, ClockKind::Manual(_))
    }

    /// Jump a manual clock to `t` (no effect on the system clock).
    pub fn set(&self, t: Timestamp) {
        if let ClockKind::Manual(m) = &self.0 {
            *m.lock().unwrap_or_else(|e| e.into_inner()) = (t, std::time::Instant::now());
        }
    }

    pub fn advance(&self, d: chrono::Duration) {
        let now = self.now();
        self.set(now + d);
    }
}
