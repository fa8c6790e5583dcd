//! Storage faults injected on purpose (tests, drills): SQLite only.
//!
//! A read-only mount or a full disk is a property of the *files*, so every connection that opens
//! them sees it. SQLite can simulate both per connection (`PRAGMA query_only`, `PRAGMA
//! max_page_count`), but the store replaces its writer connection when a failed statement left it
//! inside a transaction sqlx no longer tracks (docs/faults.md, bug 2) — and exactly a full disk
//! does that. A pragma set on one connection by hand is then lost with it, and the "disk" has
//! space again for the fresh connection. [`Db::inject_sqlite_fault`] therefore keeps the fault in
//! the `Db` and the writer pool's connect hook applies it to every new writer connection, the way
//! a real full disk would refuse the new connection too.
//!
//! Nothing here runs unless a fault is injected; PostgreSQL has no per-connection equivalent (its
//! outage is `deploy/faults/pg-restart.sh`).

use crate::{Db, Engine};
use ggzy_core::{Error, Result};
use sqlx::Executor;
use std::sync::{Arc, Mutex};

/// A fault of the SQLite database files, as every writer connection sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteFault {
    /// A read-only mount: every write answers SQLITE_READONLY.
    ReadOnly,
    /// A full disk: the database cannot grow past the number of pages it has when the fault is
    /// injected, so the first write that needs a new page fails with SQLITE_FULL.
    DiskFull,
}

/// The fault currently injected, as the connect hook applies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    ReadOnly,
    /// The page limit fixed at injection, and the limit to restore when the fault is lifted.
    DiskFull {
        max_pages: i64,
        restore: i64,
    },
}

impl Applied {
    fn statement(self) -> String {
        match self {
            Applied::ReadOnly => "PRAGMA query_only = ON".to_string(),
            Applied::DiskFull { max_pages, .. } => format!("PRAGMA max_page_count = {max_pages}"),
        }
    }

    fn lift(self) -> String {
        match self {
            Applied::ReadOnly => "PRAGMA query_only = OFF".to_string(),
            Applied::DiskFull { restore, .. } => format!("PRAGMA max_page_count = {restore}"),
        }
    }
}

/// Shared between the `Db` and its writer pool's connect hook.
pub(crate) type FaultState = Arc<Mutex<Option<Applied>>>;

/// The writer pool's connect hook: a new writer connection sees the injected fault.
pub(crate) async fn apply_on_connect(
    conn: &mut sqlx::AnyConnection,
    state: &FaultState,
) -> std::result::Result<(), sqlx::Error> {
    let applied = *state.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(a) = applied {
        conn.execute(a.statement().as_str()).await?;
    }
    Ok(())
}

impl Db {
    /// Inject `fault` into the SQLite database (or lift the current one with `None`): applied to
    /// the live writer connection and to every writer connection opened while it lasts. Lifting it
    /// resets the live writer connection in place (it is not replaced, so whatever state a fault
    /// left on it is what the next write meets). For tests and drills; PostgreSQL refuses it.
    pub async fn inject_sqlite_fault(&self, fault: Option<SqliteFault>) -> Result<()> {
        if self.engine() != Engine::Sqlite {
            return Err(Error::bad_request(
                "storage faults can be injected on SQLite only",
            ));
        }
        // Holding the single writer connection: no other writer connection can be opened (and
        // miss the change) until it is released.
        let mut conn = self.inner_write().acquire().await?;
        let state = self.fault_state();
        let current = *state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(a) = current {
            conn.execute(a.lift().as_str()).await?;
        }
        let next = match fault {
            None => None,
            Some(SqliteFault::ReadOnly) => Some(Applied::ReadOnly),
            Some(SqliteFault::DiskFull) => {
                let max_pages: i64 = sqlx::query_scalar("PRAGMA page_count")
                    .fetch_one(&mut *conn)
                    .await?;
                let restore: i64 = sqlx::query_scalar("PRAGMA max_page_count")
                    .fetch_one(&mut *conn)
                    .await?;
                Some(Applied::DiskFull { max_pages, restore })
            }
        };
        *state.lock().unwrap_or_else(|p| p.into_inner()) = next;
        if let Some(a) = next {
            conn.execute(a.statement().as_str()).await?;
        }
        Ok(())
    }
}
