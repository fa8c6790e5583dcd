//! `expert_notifications`: the notices' outbox, written in the use cases' transactions and sent
//! by the notifier outside any transaction (claimed with a lease).

use crate::notify::Notification;
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::ExecuteWrite;
use ggzy_store::{Db, Tx};

/// A notice to one recipient as [`enqueue`] queues it.
pub(crate) struct NewNotification<'a> {
    pub(crate) id: &'a str,
    pub(crate) draw_id: &'a str,
    pub(crate) expert_id: &'a str,
    /// `sms` or `email`.
    pub(crate) channel: &'a str,
    pub(crate) recipient: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) body: &'a str,
    pub(crate) at: Timestamp,
}

/// Queue a notice, due now.
pub(crate) async fn enqueue(tx: &mut Tx, n: NewNotification<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_notifications (id, draw_id, expert_id, channel, recipient, subject, body, \
         status, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8)",
    )
    .bind(n.id)
    .bind(n.draw_id)
    .bind(n.expert_id)
    .bind(n.channel)
    .bind(n.recipient)
    .bind(n.subject)
    .bind(n.body)
    .bind(to_micros(n.at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Up to 50 notices due at `now` on the given channels (one or two kinds: `sms`, `email`):
/// pending and due, or claimed by a sender whose lease ran out; the earliest first.
pub(crate) async fn due(db: &Db, kinds: &[&str], now: Timestamp) -> Result<Vec<String>> {
    let (Some(first), second) = (kinds.first(), kinds.get(1)) else {
        return Ok(vec![]);
    };
    Ok(sqlx::query_scalar(
        "SELECT id FROM expert_notifications WHERE channel IN ($2, $3) AND \
         ((status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND locked_until < $1)) \
         ORDER BY next_attempt_at, id LIMIT 50",
    )
    .bind(to_micros(now))
    .bind(*first)
    .bind(*second.unwrap_or(first))
    .fetch_all(db.pool())
    .await?)
}

/// Claim a due notice until `until` (a lease); the rows changed (0: someone else claimed it).
pub(crate) async fn claim(db: &Db, id: &str, now: Timestamp, until: Timestamp) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE expert_notifications SET status = 'sending', locked_until = $1 WHERE id = $2 AND \
         ((status = 'pending' AND next_attempt_at <= $3) OR (status = 'sending' AND locked_until < $3))",
    )
    .bind(to_micros(until))
    .bind(id)
    .bind(to_micros(now))
    .execute_write(db)
    .await?
    .rows_affected())
}

/// A claimed notification as the sender reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct Outgoing {
    pub(crate) channel: String,
    pub(crate) recipient: String,
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) attempts: i64,
}

pub(crate) async fn outgoing(db: &Db, id: &str) -> Result<Outgoing> {
    Ok(sqlx::query_as(
        "SELECT channel, recipient, subject, body, attempts FROM expert_notifications WHERE id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?)
}

/// The notice was sent at `at`, after `attempts` attempts.
pub(crate) async fn mark_sent(db: &Db, id: &str, attempts: i64, at: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE expert_notifications SET status = 'sent', attempts = $1, sent_at = $2, \
         locked_until = NULL, last_error = NULL WHERE id = $3",
    )
    .bind(attempts)
    .bind(to_micros(at))
    .bind(id)
    .execute_write(db)
    .await?;
    Ok(())
}

/// The attempt failed: `pending` again from `next_attempt_at`, or `failed` for good.
pub(crate) async fn mark_failed_attempt(
    db: &Db,
    id: &str,
    status: &str,
    attempts: i64,
    next_attempt_at: Timestamp,
    error: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE expert_notifications SET status = $1, attempts = $2, next_attempt_at = $3, \
         locked_until = NULL, last_error = $4 WHERE id = $5",
    )
    .bind(status)
    .bind(attempts)
    .bind(to_micros(next_attempt_at))
    .bind(error)
    .bind(id)
    .execute_write(db)
    .await?;
    Ok(())
}

/// The draw's notices, in the order queued, on a connection or the pool.
pub(crate) async fn of_draw<'e, E>(exec: E, draw_id: &str) -> Result<Vec<Notification>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as(
        "SELECT id, expert_id, channel, subject, body, status, attempts, last_error, created_at \
         FROM expert_notifications WHERE draw_id = $1 ORDER BY created_at, id",
    )
    .bind(draw_id)
    .fetch_all(exec)
    .await?)
}
