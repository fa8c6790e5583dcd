//! `mon_alerts` (one per rule, subject and signal: `mon_alerts_signal_key`), `mon_alert_notes`
//! (who did what with an alert, and why) and `monitoring_rules` (the supervisors' rule overrides).

use crate::rules::AlertStatus;
use ggzy_core::sql::{At, Flag, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::filter::Filter;
use ggzy_store::{Db, Tx};
use sqlx::AnyConnection;

pub(crate) const ALERT_COLS: &str =
    "id, rule_id, severity, subject, signal_key, section_id, project_id, status, assignee, \
    evidence, message_zh, message_en, raised_at, acknowledged_at, closed_at, updated_at";

/// One row of [`ALERT_COLS`].
#[derive(sqlx::FromRow)]
pub(crate) struct AlertRow {
    pub(crate) id: String,
    pub(crate) rule_id: String,
    /// An unknown stored severity reads as medium.
    pub(crate) severity: String,
    pub(crate) subject: String,
    pub(crate) signal_key: String,
    pub(crate) section_id: Option<String>,
    pub(crate) project_id: Option<String>,
    pub(crate) status: AlertStatus,
    pub(crate) assignee: Option<String>,
    /// JSON text (unreadable text shows as `null`).
    pub(crate) evidence: String,
    pub(crate) message_zh: String,
    pub(crate) message_en: String,
    #[sqlx(try_from = "At")]
    pub(crate) raised_at: Timestamp,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) acknowledged_at: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) closed_at: Option<Timestamp>,
    #[sqlx(try_from = "At")]
    pub(crate) updated_at: Timestamp,
}

/// A new alert (status `open`, raised and updated `at`).
pub(crate) struct NewAlert<'a> {
    pub(crate) id: &'a str,
    pub(crate) rule_id: &'a str,
    pub(crate) severity: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) signal_key: &'a str,
    pub(crate) section_id: Option<String>,
    pub(crate) project_id: Option<String>,
    pub(crate) evidence: &'a str,
    pub(crate) message_zh: &'a str,
    pub(crate) message_en: &'a str,
    pub(crate) at: Timestamp,
}

/// Inserts the alert unless the same signal is known for the subject; the rows changed.
pub(crate) async fn insert(tx: &mut Tx, a: NewAlert<'_>) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO mon_alerts (id, rule_id, severity, subject, signal_key, section_id, project_id, status, \
         assignee, evidence, message_zh, message_en, raised_at, acknowledged_at, closed_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', NULL, $8, $9, $10, $11, NULL, NULL, $11) \
         ON CONFLICT (rule_id, subject, signal_key) DO NOTHING",
    )
    .bind(a.id)
    .bind(a.rule_id)
    .bind(a.severity)
    .bind(a.subject)
    .bind(a.signal_key)
    .bind(a.section_id)
    .bind(a.project_id)
    .bind(a.evidence)
    .bind(a.message_zh)
    .bind(a.message_en)
    .bind(to_micros(a.at))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Which alert: rule, subject and signal.
#[derive(Clone, Copy)]
pub(crate) struct Signal<'a> {
    pub(crate) rule_id: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) signal_key: &'a str,
}

/// The same signal again: the open or acknowledged alert takes the newest evidence and messages.
pub(crate) async fn refresh(
    tx: &mut Tx,
    s: Signal<'_>,
    (evidence, message_zh, message_en): (&str, &str, &str),
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE mon_alerts SET evidence = $1, message_zh = $2, message_en = $3, updated_at = $4 \
         WHERE rule_id = $5 AND subject = $6 AND signal_key = $7 AND status IN ('open', 'acknowledged')",
    )
    .bind(evidence)
    .bind(message_zh)
    .bind(message_en)
    .bind(to_micros(now))
    .bind(s.rule_id)
    .bind(s.subject)
    .bind(s.signal_key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The open or acknowledged alert takes new evidence (JSON text).
pub(crate) async fn set_evidence(
    tx: &mut Tx,
    s: Signal<'_>,
    evidence: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE mon_alerts SET evidence = $1, updated_at = $2 \
         WHERE rule_id = $3 AND subject = $4 AND signal_key = $5 AND status IN ('open', 'acknowledged')",
    )
    .bind(evidence)
    .bind(to_micros(now))
    .bind(s.rule_id)
    .bind(s.subject)
    .bind(s.signal_key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The alert's stored evidence (JSON text), whatever its status.
pub(crate) async fn evidence(tx: &mut Tx, s: Signal<'_>) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT evidence FROM mon_alerts WHERE rule_id = $1 AND subject = $2 AND signal_key = $3",
    )
    .bind(s.rule_id)
    .bind(s.subject)
    .bind(s.signal_key)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Resolves the open or acknowledged alert of the signal (its cause went away), without a note.
pub(crate) async fn resolve_signal(tx: &mut Tx, s: Signal<'_>, now: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE mon_alerts SET status = 'resolved', closed_at = $1, updated_at = $1 \
         WHERE rule_id = $2 AND subject = $3 AND signal_key = $4 AND status IN ('open', 'acknowledged')",
    )
    .bind(to_micros(now))
    .bind(s.rule_id)
    .bind(s.subject)
    .bind(s.signal_key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The alert `id` (on a connection, or the transaction of a change).
pub(crate) async fn alert(c: &mut AnyConnection, id: &str) -> Result<Option<AlertRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ALERT_COLS} FROM mon_alerts WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?)
}

/// The alerts the filter selects, newest first, at most `limit` (the filter's conditions are
/// constant SQL; its values are bound).
pub(crate) async fn list(db: &Db, filter: &Filter, limit: i64) -> Result<Vec<AlertRow>> {
    let sql = format!(
        "SELECT {ALERT_COLS} FROM mon_alerts{} ORDER BY raised_at DESC, id DESC LIMIT {limit}",
        filter.where_clause()
    );
    let q = filter.bind_as(sqlx::query_as::<_, AlertRow>(&sql));
    Ok(q.fetch_all(db.pool()).await?)
}

/// The open or acknowledged alerts of `rule_id` on `subject`.
pub(crate) async fn open_of(tx: &mut Tx, rule_id: &str, subject: &str) -> Result<Vec<AlertRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ALERT_COLS} FROM mon_alerts WHERE rule_id = $1 AND subject = $2 AND status IN ('open', 'acknowledged')"
    ))
    .bind(rule_id)
    .bind(subject)
    .fetch_all(&mut **tx)
    .await?)
}

/// An alert's new state after a person's action.
pub(crate) struct Handled {
    pub(crate) status: AlertStatus,
    pub(crate) assignee: Option<String>,
    pub(crate) acknowledged_at: Option<Timestamp>,
    pub(crate) closed_at: Option<Timestamp>,
    pub(crate) now: Timestamp,
}

/// Moves the alert from `from`; the rows changed (0: it changed meanwhile).
pub(crate) async fn set_handled(
    tx: &mut Tx,
    id: &str,
    from: AlertStatus,
    h: Handled,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE mon_alerts SET status = $1, assignee = $2, acknowledged_at = $3, closed_at = $4, updated_at = $5 \
         WHERE id = $6 AND status = $7",
    )
    .bind(h.status)
    .bind(h.assignee)
    .bind(h.acknowledged_at.map(to_micros))
    .bind(h.closed_at.map(to_micros))
    .bind(to_micros(h.now))
    .bind(id)
    .bind(from)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Resolves the alert by the system from `from`; the rows changed (0: it changed meanwhile).
pub(crate) async fn set_resolved(
    tx: &mut Tx,
    id: &str,
    from: AlertStatus,
    now: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE mon_alerts SET status = 'resolved', closed_at = $1, updated_at = $1 WHERE id = $2 AND status = $3",
    )
    .bind(to_micros(now))
    .bind(id)
    .bind(from)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// A note on an alert.
pub(crate) struct NewNote<'a> {
    pub(crate) id: &'a str,
    pub(crate) alert_id: &'a str,
    pub(crate) author: &'a str,
    pub(crate) action: &'a str,
    pub(crate) body: &'a str,
    pub(crate) at: Timestamp,
}

pub(crate) async fn insert_note(tx: &mut Tx, n: NewNote<'_>) -> Result<()> {
    sqlx::query("INSERT INTO mon_alert_notes (id, alert_id, author, action, body, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(n.id)
        .bind(n.alert_id)
        .bind(n.author)
        .bind(n.action)
        .bind(n.body)
        .bind(to_micros(n.at))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A `mon_alert_notes` row.
#[derive(sqlx::FromRow)]
pub(crate) struct NoteRow {
    pub(crate) id: String,
    pub(crate) author: String,
    pub(crate) action: String,
    pub(crate) body: String,
    #[sqlx(try_from = "At")]
    pub(crate) at: Timestamp,
}

/// The alert's notes, oldest first.
pub(crate) async fn notes(c: &mut AnyConnection, alert_id: &str) -> Result<Vec<NoteRow>> {
    Ok(sqlx::query_as(
        "SELECT id, author, action, body, at FROM mon_alert_notes WHERE alert_id = $1 ORDER BY at, id",
    )
    .bind(alert_id)
    .fetch_all(&mut *c)
    .await?)
}

/// Open and acknowledged alerts per severity.
#[derive(sqlx::FromRow)]
pub(crate) struct SeverityCountRow {
    pub(crate) severity: String,
    pub(crate) n: i64,
}

pub(crate) async fn open_by_severity(db: &Db) -> Result<Vec<SeverityCountRow>> {
    Ok(sqlx::query_as("SELECT severity, COUNT(*) AS n FROM mon_alerts WHERE status IN ('open', 'acknowledged') GROUP BY severity")
        .fetch_all(db.pool())
        .await?)
}

/// Alerts raised per rule and severity.
#[derive(sqlx::FromRow)]
pub(crate) struct RuleCountRow {
    pub(crate) rule_id: String,
    pub(crate) severity: String,
    pub(crate) n: i64,
}

/// The alerts raised in `[from, to)` per rule and severity.
pub(crate) async fn raised_between(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<RuleCountRow>> {
    Ok(sqlx::query_as(
        "SELECT rule_id, severity, COUNT(*) AS n FROM mon_alerts WHERE raised_at >= $1 AND raised_at < $2 \
         GROUP BY rule_id, severity ORDER BY rule_id",
    )
    .bind(to_micros(from))
    .bind(to_micros(to))
    .fetch_all(db.pool())
    .await?)
}

/// A count per label.
#[derive(sqlx::FromRow)]
pub(crate) struct LabelCountRow {
    pub(crate) label: String,
    pub(crate) n: i64,
}

/// Every alert per status.
pub(crate) async fn by_status(db: &Db) -> Result<Vec<LabelCountRow>> {
    Ok(sqlx::query_as(
        "SELECT status AS label, COUNT(*) AS n FROM mon_alerts GROUP BY status ORDER BY status",
    )
    .fetch_all(db.pool())
    .await?)
}

/// A stored rule override.
#[derive(sqlx::FromRow)]
pub(crate) struct OverrideRow {
    pub(crate) rule_id: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) enabled: bool,
    /// An unknown stored severity keeps the catalogue's.
    pub(crate) severity: String,
    /// JSON text (unreadable text applies no parameters).
    pub(crate) params: String,
}

pub(crate) async fn overrides(c: &mut AnyConnection) -> Result<Vec<OverrideRow>> {
    Ok(sqlx::query_as(
        "SELECT rule_id, enabled, severity, params FROM monitoring_rules ORDER BY rule_id",
    )
    .fetch_all(&mut *c)
    .await?)
}

/// A rule as a supervisor set it (`params`: JSON text).
pub(crate) struct RuleSet<'a> {
    pub(crate) rule_id: &'a str,
    pub(crate) enabled: bool,
    pub(crate) severity: &'a str,
    pub(crate) params: String,
    pub(crate) at: Timestamp,
    pub(crate) by: &'a str,
}

pub(crate) async fn upsert_rule(tx: &mut Tx, r: RuleSet<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO monitoring_rules (rule_id, enabled, severity, params, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (rule_id) DO UPDATE SET enabled = excluded.enabled, \
         severity = excluded.severity, params = excluded.params, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by",
    )
    .bind(r.rule_id)
    .bind(Flag(r.enabled))
    .bind(r.severity)
    .bind(r.params)
    .bind(to_micros(r.at))
    .bind(r.by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
