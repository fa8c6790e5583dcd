//! Holiday schedules as data at run time (docs/calendar.md).
//!
//! `calendar_schedules` keeps every imported version of every year (append-only); the newest
//! version of a year replaces the compiled-in schedule of that year in the live
//! [`BusinessCalendar`] of every instance: [`refresh`] compares the table's generation (its row
//! count, which only grows) with what the instance loaded, and reloads on a difference. It runs
//! after every import on the importing instance, at start, and every few seconds in the
//! background (`Background`), so an import made on one instance is seen by all of them.
//!
//! A computation that needed a year without a schedule calls [`note_missing`] in its own
//! transaction: the first time a year is missed, `calendar.year.missing` is emitted (monitoring
//! raises the alert `calendar.year_missing`); the import of that year marks it resolved and emits
//! `calendar.schedule.imported`, which monitoring uses to resolve the alert and the areas use to
//! re-derive their provisional results.

use crate::{emit, emit_when_changed, Db, Tx};
use ggzy_core::calendar::{BusinessCalendar, YearSchedule, COMPILED_IN};
use ggzy_core::events::ActorRef;
use ggzy_core::sql::At;
use ggzy_core::time::to_micros;
use ggzy_core::{Error, FieldError, Result, Timestamp};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use utoipa::ToSchema;

/// A schedule was imported (payload: year, version, source, sha256, previous_version).
pub const IMPORTED: &str = <ggzy_events::calendar::ScheduleImported as ggzy_events::Contract>::NAME;
/// A computation needed a year without a schedule (payload: year, needed_by).
pub const YEAR_MISSING: &str = <ggzy_events::calendar::YearMissing as ggzy_events::Contract>::NAME;

/// One stored version of a year's schedule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoredVersion {
    pub year: i32,
    pub version: i64,
    pub source: String,
    pub sha256: String,
    #[schema(value_type = String, format = DateTime)]
    pub imported_at: Timestamp,
    pub imported_by: String,
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn invalid(field: &str, rule: &str, msg: impl Into<String>) -> Error {
    Error::Validation(vec![FieldError::new(field, rule, msg.into())])
}

/// Parse, validate and store a new version of a year's schedule, emit `calendar.schedule.imported`
/// and mark the year no longer missing, in one transaction; then reload this instance's calendar.
/// `year` (from the URL) must match the file's `year`. Importing the text of the current version
/// again changes nothing and returns it.
pub async fn import(
    db: &Db,
    actor: &ActorRef,
    now: Timestamp,
    year: Option<i32>,
    toml_text: &str,
    source: &str,
) -> Result<StoredVersion> {
    import_answering(db, actor, now, year, toml_text, source, None).await
}

/// How an API answers an import: the JSON body (200) made from the year as now stored (with its
/// new version) and every stored version, newest first.
pub type ImportAnswer<'a> =
    &'a (dyn Fn(YearSchedule, Vec<StoredVersion>) -> Result<String> + Send + Sync);

/// [`import`] that also stores the API's answer (`answer`) in the import's transaction, so a
/// keyed retry after a lost answer replays it (`idempotency::answer_in_tx`).
pub async fn import_answering(
    db: &Db,
    actor: &ActorRef,
    now: Timestamp,
    year: Option<i32>,
    toml_text: &str,
    source: &str,
    answer: Option<ImportAnswer<'_>>,
) -> Result<StoredVersion> {
    let source = source.trim();
    if source.is_empty() || source.chars().count() > 200 {
        return Err(invalid(
            "source",
            "calendar.source_required",
            "name where the schedule comes from (the State Council notice or the file), at most 200 characters",
        ));
    }
    if toml_text.len() > 64 * 1024 {
        return Err(invalid(
            "toml",
            "calendar.too_large",
            "a schedule is at most 64 KiB",
        ));
    }
    let parsed = YearSchedule::parse(toml_text, source, 0)
        .map_err(|e| invalid("toml", "calendar.invalid", e.to_string()))?;
    if let Some(y) = year {
        if y != parsed.year {
            return Err(invalid(
                "year",
                "calendar.year_mismatch",
                format!("the file is for {}, not {y}", parsed.year),
            ));
        }
    }
    let sha = sha256_hex(toml_text);
    let mut tx = db.begin().await?;
    // A write first: on SQLite the transaction takes the write lock now (waiting for another
    // process's writer, e.g. the CLI beside a running server) instead of failing to upgrade a read
    // lock. Rolled back with everything else when the import changes nothing.
    sqlx::query(
        "UPDATE calendar_missing SET resolved_at = $1 WHERE year = $2 AND resolved_at IS NULL",
    )
    .bind(to_micros(now))
    .bind(parsed.year as i64)
    .execute(&mut *tx)
    .await?;
    let cur: Option<CurrentRow> = sqlx::query_as(
        "SELECT version, sha256 FROM calendar_schedules WHERE year = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(parsed.year as i64)
    .fetch_optional(&mut *tx)
    .await?;
    let (prev_version, prev_sha) = match cur {
        Some(r) => (r.version, r.sha256),
        None => (0, String::new()),
    };
    if prev_sha == sha {
        tx.rollback().await?;
        return versions(db, parsed.year)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::internal("calendar version vanished"));
    }
    let version = prev_version + 1;
    let inserted = sqlx::query(
        "INSERT INTO calendar_schedules (year, version, source, toml, sha256, imported_at, imported_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (year, version) DO NOTHING",
    )
    .bind(parsed.year as i64)
    .bind(version)
    .bind(source)
    .bind(toml_text)
    .bind(&sha)
    .bind(to_micros(now))
    .bind(&actor.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(Error::conflict(
            "calendar.concurrent_import",
            format!(
                "another import of {} committed first; read it and retry",
                parsed.year
            ),
        ));
    }
    let holidays: usize = parsed.holidays.values().map(Vec::len).sum();
    emit(
        &mut tx,
        db,
        actor,
        now,
        ggzy_events::Contract::encode(&ggzy_events::calendar::ScheduleImported {
            year: parsed.year,
            version,
            previous_version: prev_version,
            source: source.to_string(),
            sha256: sha.clone(),
            holiday_days: i64::try_from(holidays).unwrap_or(i64::MAX),
            workdays: i64::try_from(parsed.workdays.len()).unwrap_or(i64::MAX),
        }),
    )
    .await?;
    if let Some(answer) = answer {
        let stored = YearSchedule::parse(toml_text, source, version)
            .map_err(|e| invalid("toml", "calendar.invalid", e.to_string()))?;
        let history = versions_on(&mut *tx, parsed.year).await?;
        let body = answer(stored, history)?;
        crate::idempotency::answer_in_tx(&mut tx, 200, &body, now).await?;
    }
    db.commit(tx).await?;
    refresh(db).await?;
    Ok(StoredVersion {
        year: parsed.year,
        version,
        source: source.to_string(),
        sha256: sha,
        imported_at: now,
        imported_by: actor.id.clone(),
    })
}

/// Every stored version of a year, newest first.
pub async fn versions(db: &Db, year: i32) -> Result<Vec<StoredVersion>> {
    versions_on(db.pool(), year).await
}

async fn versions_on<'e, E>(exec: E, year: i32) -> Result<Vec<StoredVersion>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows: Vec<VersionRow> = sqlx::query_as(
        "SELECT year, version, source, sha256, imported_at, imported_by FROM calendar_schedules \
         WHERE year = $1 ORDER BY version DESC",
    )
    .bind(year as i64)
    .fetch_all(exec)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StoredVersion {
            year: r.year as i32,
            version: r.version,
            source: r.source,
            sha256: r.sha256,
            imported_at: r.imported_at,
            imported_by: r.imported_by,
        })
        .collect())
}

/// The newest stored version of a year (its number and SHA-256).
#[derive(sqlx::FromRow)]
struct CurrentRow {
    version: i64,
    sha256: String,
}

/// A `calendar_schedules` row without its text.
#[derive(sqlx::FromRow)]
struct VersionRow {
    year: i64,
    version: i64,
    source: String,
    sha256: String,
    #[sqlx(try_from = "At")]
    imported_at: Timestamp,
    imported_by: String,
}

/// The newest schedule of a year, as [`refresh`] installs it.
#[derive(sqlx::FromRow)]
struct ScheduleRow {
    year: i64,
    version: i64,
    source: String,
    toml: String,
}

/// Reload the newest stored version of every year into `db`'s live calendar when the table changed
/// since the last load. Years only compiled in stay as they are. Returns whether it reloaded.
pub async fn refresh(db: &Db) -> Result<bool> {
    let cal = db.calendar();
    let generation: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calendar_schedules")
        .fetch_one(db.pool())
        .await?;
    if generation == cal.generation() {
        return Ok(false);
    }
    let rows: Vec<ScheduleRow> = sqlx::query_as(
        "SELECT s.year, s.version, s.source, s.toml FROM calendar_schedules s \
         WHERE s.version = (SELECT MAX(t.version) FROM calendar_schedules t WHERE t.year = s.year)",
    )
    .fetch_all(db.pool())
    .await?;
    for r in &rows {
        match YearSchedule::parse(&r.toml, &r.source, r.version) {
            Ok(y) => cal.install(y),
            // Validated at import; a row changed by hand is logged and the previous data kept.
            Err(e) => {
                tracing::error!(year = r.year, error = %e, "stored calendar invalid")
            }
        }
    }
    cal.set_generation(generation);
    Ok(true)
}

/// Background loop: [`refresh`] every `every` (imports made on other instances).
pub async fn refresh_loop(
    db: Db,
    every: std::time::Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = refresh(&db).await {
            tracing::warn!(error = %e, "calendar refresh failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Record, in the caller's transaction, that `needed_by` computed a provisional result because the
/// `years` have no schedule. The first time a year is missed, `calendar.year.missing` is emitted.
pub async fn note_missing(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    years: &BTreeSet<i32>,
    needed_by: &str,
) -> Result<()> {
    for y in years {
        let q = sqlx::query(
            "INSERT INTO calendar_missing (year, first_needed_at, needed_by, resolved_at) \
             VALUES ($1, $2, $3, NULL) ON CONFLICT (year) DO NOTHING",
        )
        .bind(*y as i64)
        .bind(to_micros(now))
        .bind(needed_by);
        emit_when_changed(tx, db, &ActorRef::system("calendar"), now, q, || {
            ggzy_events::Contract::encode(&ggzy_events::calendar::YearMissing {
                year: *y,
                needed_by: needed_by.to_string(),
                message: Some(format!("no holiday schedule for {y}: working days counted with weekends only (provisional) until it is imported")),
            })
        })
        .await?;
    }
    Ok(())
}

/// Years that a computation needed and that are still without a schedule.
pub async fn missing_years(db: &Db) -> Result<Vec<i32>> {
    let rows: Vec<i64> = sqlx::query_scalar(
        "SELECT year FROM calendar_missing WHERE resolved_at IS NULL ORDER BY year",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|y| y as i32).collect())
}

/// The schedule warning of `/healthz` and the dashboard: from 1 November (Beijing date of `now`),
/// next year's schedule should be loaded; and any year a computation needed without data.
pub async fn warnings(db: &Db, cal: &BusinessCalendar, now: Timestamp) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if let Some(w) = next_year_warning(cal, now) {
        out.push(w);
    }
    for y in missing_years(db).await? {
        out.push(format!(
            "calendar.year_missing: dates in {y} were computed with weekends only (provisional); import the {y} schedule"
        ));
    }
    Ok(out)
}

/// From 1 November, the next year's schedule is due (the State Council publishes it in November or
/// December).
pub fn next_year_warning(cal: &BusinessCalendar, now: Timestamp) -> Option<String> {
    use chrono::Datelike;
    let today = ggzy_core::time::local_date(now);
    let next = today.year() + 1;
    (today.month() >= 11 && !cal.has_year(next)).then(|| {
        format!(
            "calendar.next_year_missing: no holiday schedule for {next} is loaded; import it (ggzy calendar import / PUT /api/v1/calendar/{next}) as soon as the State Council publishes it"
        )
    })
}

/// Where the current schedule of a year comes from, for `GET /api/v1/calendar/{year}`.
pub fn origin(y: &YearSchedule) -> &str {
    if y.version == 0 {
        COMPILED_IN
    } else {
        &y.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_year_warning_starts_on_1_november_beijing_time() {
        let cal = BusinessCalendar::official();
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        // 2026-10-31 23:59:59 Beijing: no warning; 2026-11-01 00:00 Beijing: warning.
        assert!(next_year_warning(&cal, at("2026-10-31T23:59:59+08:00")).is_none());
        assert!(next_year_warning(&cal, at("2026-11-01T00:00:00+08:00")).is_some());
        // 2025-11: the 2026 schedule is compiled in.
        assert!(next_year_warning(&cal, at("2025-11-15T00:00:00+08:00")).is_none());
    }
}
