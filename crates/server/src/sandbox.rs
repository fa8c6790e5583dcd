//! The sandbox (演示环境): a training copy of the platform whose clock may run faster than real time.
//!
//! `serve --demo` on an empty database writes the sandbox mark (table `sandbox`, one row) before
//! anything else; from then on the database is a sandbox for good:
//! - it refuses to be served without `--demo` (a training copy never becomes production);
//! - `--time-scale N` is accepted only on a sandbox (a database holding other data refuses it);
//! - its clock is simulated: it starts at [`demo_start`], runs `scale` times faster than real time,
//!   and the simulated instant is saved every second, so a restart continues where it stopped (with
//!   the stored scale, unless `--time-scale` gives a new one).

use anyhow::{anyhow, bail};
use ggzy_core::time::{at_local, to_micros};
use ggzy_core::{Clock, Timestamp};
use ggzy_store::Db;
use ggzy_store::ExecuteWrite;
use std::time::Duration;

/// Where a new sandbox's simulated time starts: Monday 2026-06-01 09:00 Asia/Shanghai, a working
/// day inside the official holiday data, with room before it for the seeded trades' history.
pub fn demo_start() -> Timestamp {
    at_local(
        chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default(),
        9,
        0,
        0,
    )
}

/// The stored sandbox mark.
#[derive(Debug, Clone)]
pub struct Mark {
    pub scale: u32,
    /// The simulated instant last saved, and the real instant it was saved at.
    pub sim_at: Timestamp,
    pub real_at: Timestamp,
    pub seeded_at: Option<Timestamp>,
}

/// What `serve` runs on.
#[derive(Debug, Clone)]
pub enum Mode {
    /// A production platform on the system clock.
    Production,
    /// `--demo` on a database that already held data before sandboxes existed: the old demo
    /// (logins only), real time, no sandbox mark.
    LegacyDemo,
    /// A sandbox on a scaled clock. `fresh`: the mark was written by this start (seed everything).
    Sandbox {
        clock: Clock,
        fresh: bool,
        seeded: bool,
    },
}

pub async fn read(db: &Db) -> ggzy_core::Result<Option<Mark>> {
    #[derive(sqlx::FromRow)]
    struct MarkRow {
        scale: i64,
        #[sqlx(try_from = "ggzy_core::sql::At")]
        sim_at: Timestamp,
        #[sqlx(try_from = "ggzy_core::sql::At")]
        real_at: Timestamp,
        #[sqlx(try_from = "ggzy_core::sql::MaybeAt")]
        seeded_at: Option<Timestamp>,
    }
    let r: Option<MarkRow> =
        sqlx::query_as("SELECT scale, sim_at, real_at, seeded_at FROM sandbox WHERE id = 1")
            .fetch_optional(db.pool())
            .await?;
    Ok(r.map(|r| Mark {
        scale: u32::try_from(r.scale).unwrap_or(1).max(1),
        sim_at: r.sim_at,
        real_at: r.real_at,
        seeded_at: r.seeded_at,
    }))
}

async fn holds_data(db: &Db) -> ggzy_core::Result<bool> {
    // Any user means the database is in use (the first thing a platform gets is its admin).
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(db.pool())
        .await?;
    Ok(n > 0)
}

/// Decide how to serve `db` from `--demo` and `--time-scale`; writes the sandbox mark on the first
/// demo start of an empty database. Refusals are errors naming the rule.
pub async fn prepare(db: &Db, demo: bool, time_scale: Option<u32>) -> anyhow::Result<Mode> {
    if time_scale.is_some() && !demo {
        bail!("--time-scale runs only a sandbox: add --demo (a production clock is never scaled)");
    }
    if time_scale == Some(0) {
        bail!("--time-scale must be at least 1");
    }
    let mark = read(db).await?;
    match (demo, mark) {
        (false, Some(_)) => bail!(
            "this database is a sandbox (演示环境): its data and clock are simulated; serve it with \
             --demo, or use another database for production"
        ),
        (false, None) => Ok(Mode::Production),
        (true, Some(m)) => Ok(resume(db, m, time_scale).await?),
        (true, None) => {
            if holds_data(db).await? {
                if time_scale.is_some() {
                    bail!(
                        "--time-scale refused: this database holds data and is not a sandbox \
                         (only a database first started with --demo is one)"
                    );
                }
                return Ok(Mode::LegacyDemo);
            }
            let scale = time_scale.unwrap_or(1);
            let now = chrono::Utc::now();
            let start = demo_start();
            let inserted = sqlx::query(
                "INSERT INTO sandbox (id, created_at, scale, sim_at, real_at) VALUES (1, $1, $2, $3, $4) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(to_micros(now))
            .bind(i64::from(scale))
            .bind(to_micros(start))
            .bind(to_micros(now))
            .execute_write(db)
            .await?
            .rows_affected();
            if inserted == 0 {
                // Another instance marked it at the same moment: join that sandbox.
                let m = read(db)
                    .await?
                    .ok_or_else(|| anyhow!("sandbox mark vanished"))?;
                return Ok(resume(db, m, time_scale).await?);
            }
            Ok(Mode::Sandbox {
                clock: Clock::scaled(start, scale),
                fresh: true,
                seeded: false,
            })
        }
    }
}

async fn resume(db: &Db, m: Mark, time_scale: Option<u32>) -> ggzy_core::Result<Mode> {
    let scale = time_scale.unwrap_or(m.scale);
    if scale != m.scale {
        sqlx::query("UPDATE sandbox SET scale = $1 WHERE id = 1")
            .bind(i64::from(scale))
            .execute_write(db)
            .await?;
    }
    Ok(Mode::Sandbox {
        clock: Clock::scaled(m.sim_at, scale),
        fresh: false,
        seeded: m.seeded_at.is_some(),
    })
}

/// Save the simulated instant (so a restart continues from it).
pub async fn save(db: &Db, clock: &Clock) -> ggzy_core::Result<()> {
    sqlx::query("UPDATE sandbox SET sim_at = $1, real_at = $2 WHERE id = 1 AND sim_at <= $1")
        .bind(to_micros(clock.now()))
        .bind(to_micros(chrono::Utc::now()))
        .execute_write(db)
        .await?;
    Ok(())
}

/// Record that the demo trades were seeded (they never are again).
pub async fn mark_seeded(db: &Db, clock: &Clock) -> ggzy_core::Result<()> {
    sqlx::query("UPDATE sandbox SET seeded_at = $1 WHERE id = 1 AND seeded_at IS NULL")
        .bind(to_micros(clock.now()))
        .execute_write(db)
        .await?;
    Ok(())
}

/// Save the simulated time every second until shutdown, and once more then.
pub async fn run_saver(db: Db, clock: Clock, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => {
                let _ = save(&db, &clock).await;
                return;
            }
        }
        if let Err(e) = save(&db, &clock).await {
            tracing::warn!(error = %e, "sandbox clock not saved");
        }
    }
}

/// The background poll interval for a clock: at most one simulated minute between two looks at the
/// durable timers (so a deadline is not missed by simulated hours at a high scale), never below
/// 20 ms of real time, never above `poll`.
pub fn poll_for(clock: &Clock, poll: Duration) -> Duration {
    clock.real(Duration::from_secs(60)).clamp(
        Duration::from_millis(20),
        poll.max(Duration::from_millis(20)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poll_interval_is_one_simulated_minute_within_bounds() {
        let p = Duration::from_millis(500);
        assert_eq!(poll_for(&Clock::system(), p), p);
        assert_eq!(poll_for(&Clock::scaled(demo_start(), 60), p), p);
        assert_eq!(
            poll_for(&Clock::scaled(demo_start(), 600), p),
            Duration::from_millis(100)
        );
        let at_1440 = poll_for(&Clock::scaled(demo_start(), 1440), p);
        assert!(
            at_1440 > Duration::from_millis(41) && at_1440 < Duration::from_millis(42),
            "{at_1440:?}"
        );
        assert_eq!(
            poll_for(&Clock::scaled(demo_start(), 100_000), p),
            Duration::from_millis(20)
        );
    }

    #[test]
    fn the_demo_starts_on_a_working_monday_morning_in_shanghai() {
        assert_eq!(demo_start().to_rfc3339(), "2026-06-01T01:00:00+00:00");
    }
}
