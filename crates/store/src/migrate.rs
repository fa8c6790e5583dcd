//! Migrations in `migrations/` (embedded in the binary), applied by sqlx's migrator with its
//! checksums and its lock (PostgreSQL advisory lock, so N instances starting together apply once).
//!
//! File names: `NNNN_name.sql` holds portable SQL for both engines; an engine-specific migration is
//! `NNNN_name.sqlite.sql` / `NNNN_name.postgres.sql` (for the few things the dialects do differently,
//! such as full-text indexes). A landed migration is never edited: add a new one.

use crate::{Db, Engine};
use ggzy_core::{Error, Result};
use include_dir::{include_dir, Dir};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::borrow::Cow;

static MIGRATIONS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../migrations");

/// The migrations that apply to `engine`, in version order.
pub fn migrations_for(engine: Engine) -> Vec<Migration> {
    let mut out = Vec::new();
    for f in MIGRATIONS.files() {
        let name = f
            .path()
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let (stem, only) = if let Some(s) = stem.strip_suffix(".sqlite") {
            (s, Some(Engine::Sqlite))
        } else if let Some(s) = stem.strip_suffix(".postgres") {
            (s, Some(Engine::Postgres))
        } else {
            (stem, None)
        };
        if only.is_some_and(|e| e != engine) {
            continue;
        }
        let Some((ver, desc)) = stem.split_once('_') else {
            continue;
        };
        let Ok(version) = ver.parse::<i64>() else {
            continue;
        };
        let sql = f.contents_utf8().unwrap_or_default();
        out.push(Migration::new(
            version,
            Cow::Owned(desc.replace('_', " ")),
            MigrationType::Simple,
            Cow::Owned(sql.to_string()),
            false,
        ));
    }
    out.sort_by_key(|m| m.version);
    out
}

fn migrator(engine: Engine) -> Migrator {
    Migrator {
        migrations: Cow::Owned(migrations_for(engine)),
        ..Migrator::DEFAULT
    }
}

pub async fn run(db: &Db) -> Result<()> {
    let m = migrator(db.engine());
    let mut conn = db.begin_raw().await?;
    m.run(&mut *conn)
        .await
        .map_err(|e| Error::internal(format!("migration failed: {e}")))?;
    Ok(())
}

/// Every embedded migration has been applied (for `/readyz`).
pub async fn check_applied(db: &Db) -> Result<()> {
    use sqlx::Row;
    let want = migrations_for(db.engine());
    let rows = sqlx::query("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_all(db.pool())
        .await
        .map_err(|_| Error::Unavailable("migrations have not been applied".into()))?;
    let have: std::collections::HashSet<i64> = rows
        .iter()
        .filter_map(|r| r.try_get::<i64, _>("version").ok())
        .collect();
    let missing: Vec<i64> = want
        .iter()
        .map(|m| m.version)
        .filter(|v| !have.contains(v))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Unavailable(format!(
            "migrations not applied: {missing:?}"
        )))
    }
}

impl Db {
    /// A connection from the write pool (migrations run outside our transaction helper).
    pub(crate) async fn begin_raw(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.inner_write().acquire().await?)
    }
}
