//! The unit of work of a use case: its transaction, who acts and when, in one value.
//!
//! A write in an area always carries the same four things — the transaction, the database (its
//! engine decides some SQL), the acting party and the instant the server clock gave the request —
//! and emits events and schedules timers inside that transaction. [`Uow`] bundles them so a
//! use-case step takes one `&mut Uow` instead of four arguments, and its writes go through
//! [`Uow::emit`] and [`Uow::schedule`]. A use case that starts the transaction owns it
//! ([`Uow::begin`], then [`Uow::commit`] or [`Uow::commit_answering`]); a step that runs inside a
//! transaction someone else owns (an event consumer, a timer handler, a larger use case) borrows it
//! ([`Uow::within`]) and the owner commits.

use crate::{emit, timers, Db, Tx};
use ggzy_core::events::{ActorRef, NewEvent};
use ggzy_core::{Result, Timestamp};
use tracing::Instrument;

enum Slot<'a> {
    Owned(Tx),
    Borrowed(&'a mut Tx),
}

/// One use case's write: see the module docs.
pub struct Uow<'a> {
    tx: Slot<'a>,
    /// The database (engine-specific SQL, e.g. [`Db::for_update`]).
    pub db: &'a Db,
    /// Who acts (`user:<id>` or `system:<job>`), recorded on every event.
    pub by: ActorRef,
    /// The server clock's instant for this request: every deadline is checked against it.
    pub now: Timestamp,
    span: tracing::Span,
}

impl<'a> Uow<'a> {
    /// Starts a transaction owned by this unit of work (inside a tracing span named `use_case`).
    pub async fn begin(
        db: &'a Db,
        by: ActorRef,
        now: Timestamp,
        use_case: &'static str,
    ) -> Result<Uow<'a>> {
        let span = tracing::info_span!("uow", use_case, actor = %by.id);
        let tx = db.begin().await?;
        Ok(Uow {
            tx: Slot::Owned(tx),
            db,
            by,
            now,
            span,
        })
    }

    /// A unit of work inside a transaction owned by the caller (who commits it).
    pub fn within(tx: &'a mut Tx, db: &'a Db, by: ActorRef, now: Timestamp) -> Uow<'a> {
        Uow {
            tx: Slot::Borrowed(tx),
            db,
            by,
            now,
            span: tracing::Span::current(),
        }
    }

    /// The transaction, for this step's own SQL (`.execute(&mut **uow.tx())`).
    pub fn tx(&mut self) -> &mut Tx {
        match &mut self.tx {
            Slot::Owned(t) => t,
            Slot::Borrowed(t) => t,
        }
    }

    /// Records `ev` in this transaction (sealed into the log when it commits).
    pub async fn emit(&mut self, ev: NewEvent) -> Result<String> {
        let (db, by, now, span) = (self.db, self.by.clone(), self.now, self.span.clone());
        emit(self.tx(), db, &by, now, ev).instrument(span).await
    }

    /// Schedules (or moves) the timer `key` of `kind` in this transaction.
    pub async fn schedule(
        &mut self,
        kind: &str,
        key: &str,
        due_at: Timestamp,
        payload: serde_json::Value,
    ) -> Result<()> {
        let now = self.now;
        timers::schedule(self.tx(), kind, key, due_at, payload, now).await
    }

    /// Commits an owned transaction (and wakes the sealer). A borrowed one is the owner's to
    /// commit: this only ends the step.
    pub async fn commit(self) -> Result<()> {
        match self.tx {
            Slot::Owned(tx) => self.db.commit(tx).instrument(self.span).await,
            Slot::Borrowed(_) => Ok(()),
        }
    }

    /// Commits an owned transaction together with the idempotent answer of the request
    /// ([`Db::commit_answering`]).
    pub async fn commit_answering<T: serde::Serialize + ?Sized>(
        self,
        status: u16,
        value: &T,
    ) -> Result<()> {
        match self.tx {
            Slot::Owned(tx) => {
                self.db
                    .commit_answering(tx, status, value, self.now)
                    .instrument(self.span)
                    .await
            }
            Slot::Borrowed(_) => Err(ggzy_core::Error::internal(
                "commit_answering on a borrowed unit of work: the owner answers",
            )),
        }
    }
}
