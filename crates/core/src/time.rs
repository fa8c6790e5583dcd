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
    /// A sandbox's accelerated time: the simulated epoch plus `scale` × the real time run since.
    Scaled(Arc<Mutex<(Timestamp, std::time::Instant, u32)>>),
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
            ClockKind::Scaled(_) => write!(f, "Clock::Scaled(x{})", self.scale()),
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

    /// A sandbox clock (演示环境): starts at the simulated instant `epoch` and runs `scale` times
    /// faster than real time (1440: a day passes in a minute). `set`/`advance` jump it like a
    /// manual clock; it never runs backwards by itself.
    pub fn scaled(epoch: Timestamp, scale: u32) -> Self {
        Clock(ClockKind::Scaled(Arc::new(Mutex::new((
            epoch,
            std::time::Instant::now(),
            scale.max(1),
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
            ClockKind::Scaled(m) => {
                let g = m.lock().unwrap_or_else(|e| e.into_inner());
                scaled_now(&g)
            }
        }
    }

    pub fn is_manual(&self) -> bool {
        matches!(self.0, ClockKind::Manual(_))
    }

    /// How many times faster than real time this clock runs (1 for the system and manual clocks).
    pub fn scale(&self) -> u32 {
        match &self.0 {
            ClockKind::Scaled(m) => m.lock().unwrap_or_else(|e| e.into_inner()).2,
            _ => 1,
        }
    }

    /// Change a scaled clock's speed from now on (no jump; no effect on other clocks). The demo
    /// seeding runs at real speed, then the sandbox's scale applies.
    pub fn set_scale(&self, scale: u32) {
        if let ClockKind::Scaled(m) = &self.0 {
            let mut g = m.lock().unwrap_or_else(|e| e.into_inner());
            *g = (scaled_now(&g), std::time::Instant::now(), scale.max(1));
        }
    }

    /// A real duration expressed on this clock (`scale` × `d`): how much simulated time passes
    /// while `d` of real time does.
    pub fn simulated(&self, d: std::time::Duration) -> std::time::Duration {
        d.saturating_mul(self.scale())
    }

    /// The real time it takes this clock to move by `d` (`d` / `scale`): what a loop that waits
    /// for a simulated instant should sleep.
    pub fn real(&self, d: std::time::Duration) -> std::time::Duration {
        d / self.scale()
    }

    /// Jump a manual or scaled clock to `t` (no effect on the system clock).
    pub fn set(&self, t: Timestamp) {
        match &self.0 {
            ClockKind::Manual(m) => {
                *m.lock().unwrap_or_else(|e| e.into_inner()) = (t, std::time::Instant::now());
            }
            ClockKind::Scaled(m) => {
                let mut g = m.lock().unwrap_or_else(|e| e.into_inner());
                *g = (t, std::time::Instant::now(), g.2);
            }
            ClockKind::System => {}
        }
    }

    pub fn advance(&self, d: chrono::Duration) {
        let now = self.now();
        self.set(now + d);
    }
}

/// Epoch + scale × real time since the anchor, truncated to microseconds (what the database stores).
fn scaled_now(g: &(Timestamp, std::time::Instant, u32)) -> Timestamp {
    let elapsed = chrono::Duration::from_std(g.1.elapsed() * g.2).unwrap_or(chrono::Duration::MAX);
    from_micros(to_micros(g.0.checked_add_signed(elapsed).unwrap_or(g.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_scaled_clock_runs_scale_times_faster_from_its_epoch() {
        let epoch = at("2026-06-01T01:00:00Z");
        let c = Clock::scaled(epoch, 1440);
        assert_eq!(c.scale(), 1440);
        let t0 = c.now();
        assert!(
            t0 >= epoch && t0 < epoch + chrono::Duration::seconds(10),
            "{t0}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
        // 50 ms of real time are at least 72 s on the scaled clock (and far less than a day).
        let run = c.now() - epoch;
        assert!(run >= chrono::Duration::seconds(72), "{run}");
        assert!(run < chrono::Duration::hours(24), "{run}");
        // Microseconds, as the database stores them.
        assert_eq!(c.now().timestamp_subsec_nanos() % 1000, 0);
    }

    #[test]
    fn a_scaled_clock_jumps_like_a_manual_one_and_keeps_its_scale() {
        let c = Clock::scaled(at("2026-06-01T01:00:00Z"), 60);
        let later = at("2026-07-01T01:00:00Z");
        c.set(later);
        let now = c.now();
        assert!(
            now >= later && now < later + chrono::Duration::seconds(60),
            "{now}"
        );
        assert_eq!(c.scale(), 60);
        assert_eq!(
            c.real(std::time::Duration::from_secs(60)),
            std::time::Duration::from_secs(1)
        );
        assert_eq!(
            c.simulated(std::time::Duration::from_secs(1)),
            std::time::Duration::from_secs(60)
        );
        assert_eq!(Clock::system().scale(), 1);
        assert_eq!(Clock::manual(later).scale(), 1);
    }

    #[test]
    fn a_new_scale_applies_from_now_without_a_jump() {
        let c = Clock::scaled(at("2026-06-01T01:00:00Z"), 1);
        let before = c.now();
        c.set_scale(1440);
        assert_eq!(c.scale(), 1440);
        let after = c.now();
        assert!(
            after >= before && after - before < chrono::Duration::seconds(60),
            "{before} {after}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(c.now() - after >= chrono::Duration::seconds(72));
    }

    #[test]
    fn scale_zero_is_taken_as_real_time() {
        assert_eq!(Clock::scaled(at("2026-06-01T01:00:00Z"), 0).scale(), 1);
    }
}
