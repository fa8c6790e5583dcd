//! Group commit on SQLite: commits share their fsync (issue 23).
//!
//! SQLite has one writer. With `synchronous = FULL` every `COMMIT` syncs the write-ahead log
//! while it holds the writer, so 100 requests in flight queue for 100 syncs one after the other.
//! With group commit on (the default) the writer connection runs with `synchronous = NORMAL`: a
//! `COMMIT` writes its frames to the WAL file and returns without syncing, and the writer is free
//! for the next transaction at once. [`Db::commit`](crate::Db::commit) then waits until the WAL is
//! synced up to its commit: one `fdatasync` of the `-wal` file at a time, and whoever committed
//! while it ran is covered by the next one. Only then is the write acknowledged, so an acknowledged
//! write is never lost, exactly as with `FULL`.
//!
//! Why this holds: a commit's frames are written to the WAL file (in the kernel's page cache)
//! before its `COMMIT` returns; its number is taken after that, and a sync covers every number
//! taken before it started. `fdatasync` of the file persists all of it, from any descriptor. SQLite
//! recovers a WAL up to its first invalid frame, so after a power loss the database holds a prefix
//! of the commits that includes every synced one. Checkpoints keep SQLite's own syncs under
//! `NORMAL` (the WAL before, the database after), and a WAL file that no longer exists was
//! checkpointed into the synced database file.
//!
//! Each transaction still commits on its own: isolation is unchanged. The one difference: another
//! reader may see a commit in the short time before its sync (never the committing request's
//! client, who waits). A power loss in that window can lose such a commit, which was never
//! acknowledged. If a sync fails, the instance stops acknowledging writes (every later commit
//! answers 503) until it is restarted, as PostgreSQL does after a failed fsync: the kernel may
//! have dropped the pages it could not write, and a second fsync could wrongly succeed.
//!
//! `DbOptions::sqlite_group_commit = false` (`GGZY_SQLITE_GROUP_COMMIT=false`) keeps `FULL` and
//! one sync per commit (the benchmark's comparison). PostgreSQL is not concerned: it syncs its WAL
//! before a commit is visible, and groups those flushes itself.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Group commit figures of a SQLite database since it was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupStats {
    /// `fdatasync`s of the write-ahead log made to acknowledge commits.
    pub syncs: u64,
    /// Commits acknowledged through them.
    pub acknowledged: u64,
}

/// The shared WAL sync of one SQLite database (see the module docs).
#[derive(Default)]
pub(crate) struct WalSync {
    /// The `-wal` file; `None`: group commit off (or an in-memory database): `FULL` syncs.
    wal: Option<PathBuf>,
    /// Commits whose `COMMIT` returned, numbered from 1.
    committed: AtomicU64,
    /// Every commit numbered up to this is durable.
    synced: AtomicU64,
    /// One sync at a time; those who wait for it are covered by the next.
    turn: tokio::sync::Mutex<()>,
    /// A sync failed: nothing is acknowledged any more (module docs).
    failed: AtomicBool,
    syncs: AtomicU64,
    acknowledged: AtomicU64,
}

impl WalSync {
    /// Group commit on for the database at `path` (its WAL file is `path-wal`).
    pub(crate) fn for_database(path: &str) -> Self {
        WalSync {
            wal: Some(PathBuf::from(format!("{path}-wal"))),
            ..Default::default()
        }
    }

    /// The `synchronous` setting of the writer connection.
    pub(crate) fn synchronous(&self) -> &'static str {
        if self.wal.is_some() {
            "NORMAL"
        } else {
            "FULL"
        }
    }

    pub(crate) fn stats(&self) -> GroupStats {
        GroupStats {
            syncs: self.syncs.load(Ordering::SeqCst),
            acknowledged: self.acknowledged.load(Ordering::SeqCst),
        }
    }

    /// Right after a `COMMIT` returned: wait until it is durable (at once with group commit off,
    /// or on PostgreSQL, where the `COMMIT` itself was).
    pub(crate) async fn after_commit(&self) -> ggzy_core::Result<()> {
        let Some(wal) = &self.wal else {
            return Ok(());
        };
        // Numbered after the `COMMIT` returned: a sync that starts later covers it.
        let n = self.committed.fetch_add(1, Ordering::SeqCst) + 1;
        loop {
            self.check()?;
            if self.synced.load(Ordering::SeqCst) >= n {
                self.acknowledged.fetch_add(1, Ordering::SeqCst);
                return Ok(());
            }
            let _turn = self.turn.lock().await;
            self.check()?;
            if self.synced.load(Ordering::SeqCst) >= n {
                continue;
            }
            // Every commit numbered so far has its frames in the file: this sync covers them.
            let upto = self.committed.load(Ordering::SeqCst);
            let path = wal.clone();
            let synced = tokio::task::spawn_blocking(move || sync_file(&path))
                .await
                .map_err(|e| ggzy_core::Error::internal(format!("WAL sync task: {e}")))?;
            if let Err(e) = synced {
                self.failed.store(true, Ordering::SeqCst);
                tracing::error!(error = %e, "SQLite: syncing the write-ahead log failed; no write is acknowledged until the instance is restarted");
                return Err(ggzy_core::Error::Unavailable(format!(
                    "the write could not be made durable (syncing the write-ahead log failed: {e})"
                )));
            }
            self.syncs.fetch_add(1, Ordering::SeqCst);
            self.synced.fetch_max(upto, Ordering::SeqCst);
        }
    }

    fn check(&self) -> ggzy_core::Result<()> {
        if self.failed.load(Ordering::SeqCst) {
            return Err(ggzy_core::Error::Unavailable(
                "writes are not acknowledged: an earlier sync of the write-ahead log failed; \
                 restart the instance"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// `fdatasync` the WAL file. Gone: it was checkpointed into the (synced) database and removed.
fn sync_file(path: &std::path::Path) -> std::io::Result<()> {
    match std::fs::File::open(path) {
        Ok(f) => f.sync_data(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}
