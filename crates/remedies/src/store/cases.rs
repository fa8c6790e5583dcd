//! `remedy_cases`: the cases and their steps.

use crate::rules::{Decision, Kind, State, Target};
use ggzy_core::sql::{At, Flag, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::Tx;

pub(crate) const CASE_COLUMNS: &str =
    "id, kind, market, section_id, target, raised_by_org, grounds, \
    attachments, raised_at, raise_deadline, known_on, state, parent_id, child_id, answer, \
    answered_at, answer_due, changes_documents, new_bid_deadline, accept_due, accepted_at, \
    refusal_reason, decide_due, decision, decision_reason, decided_at, suspending, suspend_until, \
    source, provisional";

/// One row of [`CASE_COLUMNS`].
#[derive(sqlx::FromRow)]
pub(crate) struct CaseRow {
    pub(crate) id: String,
    pub(crate) kind: Kind,
    pub(crate) market: String,
    pub(crate) section_id: String,
    pub(crate) target: Target,
    pub(crate) raised_by_org: String,
    pub(crate) grounds: String,
    /// JSON list of file ids (unreadable text reads as none).
    pub(crate) attachments: String,
    #[sqlx(try_from = "At")]
    pub(crate) raised_at: Timestamp,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) raise_deadline: Option<Timestamp>,
    /// `YYYY-MM-DD` (unreadable text reads as none).
    pub(crate) known_on: Option<String>,
    pub(crate) state: State,
    pub(crate) parent_id: Option<String>,
    pub(crate) child_id: Option<String>,
    pub(crate) answer: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) answered_at: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) answer_due: Option<Timestamp>,
    #[sqlx(try_from = "Flag")]
    pub(crate) changes_documents: bool,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) new_bid_deadline: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) accept_due: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) accepted_at: Option<Timestamp>,
    pub(crate) refusal_reason: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) decide_due: Option<Timestamp>,
    pub(crate) decision: Option<Decision>,
    pub(crate) decision_reason: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) decided_at: Option<Timestamp>,
    #[sqlx(try_from = "Flag")]
    pub(crate) suspending: bool,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) suspend_until: Option<Timestamp>,
    pub(crate) source: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) provisional: bool,
}

/// The case `id` (`lock`: the engine's `FOR UPDATE` or "").
pub(crate) async fn case_row(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    lock: &str,
) -> Result<Option<CaseRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {CASE_COLUMNS} FROM remedy_cases WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Who raised the case and about which section: `(section_id, raised_by_org)`.
#[derive(sqlx::FromRow)]
pub(crate) struct CasePartyRow {
    pub(crate) section_id: String,
    pub(crate) raised_by_org: String,
}

pub(crate) async fn case_party(
    conn: &mut sqlx::AnyConnection,
    case_id: &str,
) -> Result<Option<CasePartyRow>> {
    Ok(
        sqlx::query_as("SELECT section_id, raised_by_org FROM remedy_cases WHERE id = $1")
            .bind(case_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// The cases of a section, oldest first.
pub(crate) async fn cases_of_section(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<CaseRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {CASE_COLUMNS} FROM remedy_cases WHERE section_id = $1 ORDER BY raised_at, id"
    ))
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The cases an organization raised, newest first.
pub(crate) async fn cases_raised_by(db: &ggzy_store::Db, org: &str) -> Result<Vec<CaseRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {CASE_COLUMNS} FROM remedy_cases WHERE raised_by_org = $1 ORDER BY raised_at DESC, id"
    ))
    .bind(org)
    .fetch_all(db.pool())
    .await?)
}

/// Complaints waiting for acceptance or a decision, oldest first.
pub(crate) async fn open_complaints(db: &ggzy_store::Db) -> Result<Vec<CaseRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {CASE_COLUMNS} FROM remedy_cases WHERE kind = 'complaint' AND state IN ('raised', 'investigating') \
         ORDER BY raised_at, id"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// Objections and challenges against the sections of `org` waiting for its answer, oldest first.
pub(crate) async fn awaiting_answer_of(db: &ggzy_store::Db, org: &str) -> Result<Vec<CaseRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {CASE_COLUMNS} FROM remedy_cases WHERE kind <> 'complaint' AND state = 'raised' \
         AND section_id IN (SELECT section_id FROM rem_sections WHERE owner_org_id = $1) \
         ORDER BY raised_at, id"
    ))
    .bind(org)
    .fetch_all(db.pool())
    .await?)
}

/// A new case as [`insert_case`] writes it (state `raised`, `updated_at` = `raised_at`).
pub(crate) struct CaseInsert<'a> {
    pub(crate) id: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) market: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) target: &'a str,
    pub(crate) raised_by_org: &'a str,
    pub(crate) raised_by_user: &'a str,
    pub(crate) grounds: &'a str,
    pub(crate) attachments: &'a str,
    pub(crate) raised_at: Timestamp,
    pub(crate) raise_deadline: Option<Timestamp>,
    pub(crate) known_on: Option<String>,
    pub(crate) parent_id: Option<&'a str>,
    pub(crate) answer_due: Option<Timestamp>,
    pub(crate) accept_due: Option<Timestamp>,
    pub(crate) suspending: bool,
    pub(crate) source: &'a str,
    pub(crate) provisional: bool,
}

pub(crate) async fn insert_case(tx: &mut Tx, c: CaseInsert<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO remedy_cases (id, kind, market, section_id, target, raised_by_org, \
         raised_by_user, grounds, attachments, raised_at, raise_deadline, known_on, state, \
         parent_id, answer_due, accept_due, suspending, source, provisional, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'raised', $13, $14, $15, $16, \
         $17, $18, $10)",
    )
    .bind(c.id)
    .bind(c.kind)
    .bind(c.market)
    .bind(c.section_id)
    .bind(c.target)
    .bind(c.raised_by_org)
    .bind(c.raised_by_user)
    .bind(c.grounds)
    .bind(c.attachments)
    .bind(to_micros(c.raised_at))
    .bind(c.raise_deadline.map(to_micros))
    .bind(c.known_on)
    .bind(c.parent_id)
    .bind(c.answer_due.map(to_micros))
    .bind(c.accept_due.map(to_micros))
    .bind(i64::from(c.suspending))
    .bind(c.source)
    .bind(i64::from(c.provisional))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The answer of a case in state `from` (its suspension ends).
pub(crate) struct AnswerUpdate<'a> {
    pub(crate) to: State,
    pub(crate) answer: &'a str,
    pub(crate) at: Timestamp,
    pub(crate) by: &'a str,
    pub(crate) changes_documents: bool,
    pub(crate) new_bid_deadline: Option<Timestamp>,
}

pub(crate) async fn mark_answered(
    tx: &mut Tx,
    id: &str,
    from: State,
    a: AnswerUpdate<'_>,
) -> Result<()> {
    sqlx::query(
        "UPDATE remedy_cases SET state = $1, answer = $2, answered_at = $3, answered_by = $4, \
         changes_documents = $5, new_bid_deadline = $6, suspending = 0, updated_at = $3 \
         WHERE id = $7 AND state = $8",
    )
    .bind(a.to.as_str())
    .bind(a.answer)
    .bind(to_micros(a.at))
    .bind(a.by)
    .bind(i64::from(a.changes_documents))
    .bind(a.new_bid_deadline.map(to_micros))
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The case no longer suspends the section.
pub(crate) async fn clear_suspending(tx: &mut Tx, id: &str) -> Result<()> {
    sqlx::query("UPDATE remedy_cases SET suspending = 0 WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The suspension of a case ended by itself at `now`.
pub(crate) async fn end_suspension(tx: &mut Tx, id: &str, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE remedy_cases SET suspending = 0, updated_at = $1 WHERE id = $2")
        .bind(to_micros(now))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Moves a case from `from` to `to`; the rows changed (0: it changed concurrently).
pub(crate) async fn set_state(
    tx: &mut Tx,
    id: &str,
    from: State,
    to: State,
    now: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE remedy_cases SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
    )
    .bind(to.as_str())
    .bind(to_micros(now))
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The case escalated to the complaint `child_id`.
pub(crate) async fn mark_escalated(
    tx: &mut Tx,
    id: &str,
    (from, to): (State, State),
    child_id: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE remedy_cases SET state = $1, child_id = $2, updated_at = $3 WHERE id = $4 AND state = $5")
        .bind(to.as_str())
        .bind(child_id)
        .bind(to_micros(now))
        .bind(id)
        .bind(from.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The acceptance of a complaint.
pub(crate) struct AcceptUpdate {
    pub(crate) to: State,
    pub(crate) at: Timestamp,
    pub(crate) decide_due: Option<Timestamp>,
    pub(crate) suspending: bool,
    pub(crate) suspend_until: Option<Timestamp>,
    pub(crate) provisional: bool,
}

pub(crate) async fn mark_accepted(
    tx: &mut Tx,
    id: &str,
    from: State,
    a: AcceptUpdate,
) -> Result<()> {
    sqlx::query(
        "UPDATE remedy_cases SET state = $1, accepted_at = $2, decide_due = $3, suspending = $4, \
         suspend_until = $5, provisional = $6, updated_at = $2 WHERE id = $7 AND state = $8",
    )
    .bind(a.to.as_str())
    .bind(to_micros(a.at))
    .bind(a.decide_due.map(to_micros))
    .bind(i64::from(a.suspending))
    .bind(a.suspend_until.map(to_micros))
    .bind(i64::from(a.provisional))
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The refusal of a complaint, with its reason.
pub(crate) async fn mark_refused(
    tx: &mut Tx,
    id: &str,
    (from, to): (State, State),
    reason: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE remedy_cases SET state = $1, refusal_reason = $2, updated_at = $3 WHERE id = $4 AND state = $5",
    )
    .bind(to.as_str())
    .bind(reason)
    .bind(to_micros(now))
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The decision on a complaint, with its reason.
pub(crate) async fn mark_decided(
    tx: &mut Tx,
    id: &str,
    (from, to): (State, State),
    (decision, reason): (Decision, &str),
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE remedy_cases SET state = $1, decision = $2, decision_reason = $3, decided_at = $4, \
         updated_at = $4 WHERE id = $5 AND state = $6",
    )
    .bind(to.as_str())
    .bind(decision.as_str())
    .bind(reason)
    .bind(to_micros(now))
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
