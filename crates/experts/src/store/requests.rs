//! `expert_draw_requests` (two-step draws: the centre's and the supervisor's commitments, the fixed
//! checkpoint, the secrets), and the reads of the store crate's `events` and `log_checkpoints`
//! that fix a request's checkpoint and verify a contributed draw.

use super::draws::json_text;
use crate::service::StoredRequest;
use ggzy_core::sql::{At, Json, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::ExecuteWrite;
use ggzy_store::{Db, Tx};

/// The state of a two-step draw request (`expert_draw_requests.status`, migration 0120).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestStatus {
    /// Waiting for the supervisor's commitment, the checkpoint or the reveal.
    Open,
    Drawn,
    Abandoned,
}

impl RequestStatus {
    pub(crate) fn parse(s: &str) -> std::result::Result<Self, String> {
        match s {
            "open" => Ok(RequestStatus::Open),
            "drawn" => Ok(RequestStatus::Drawn),
            "abandoned" => Ok(RequestStatus::Abandoned),
            other => Err(format!("not a draw request status: {other}")),
        }
    }
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Drawn => "drawn",
            RequestStatus::Abandoned => "abandoned",
        }
    }
}

ggzy_core::text_enum!(RequestStatus, RequestStatus::parse, RequestStatus::as_str);

/// The columns of an `expert_draw_requests` row as [`RequestRow`] reads it.
const COLUMNS: &str =
    "id, section_id, status, request, place, created_by, created_at, centre_commitment, \
    centre_secret, centre_event_id, supervisor_id, supervisor_commitment, supervisor_event_id, \
    supervisor_committed_at, checkpoint_size, checkpoint_root, checkpoint_note, supervisor_secret, \
    closed_at, closed_reason, session_id";

/// One row of `expert_draw_requests`.
#[derive(sqlx::FromRow)]
pub(crate) struct RequestRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) status: RequestStatus,
    #[sqlx(try_from = "Json<StoredRequest>")]
    pub(crate) request: StoredRequest,
    pub(crate) place: String,
    pub(crate) created_by: String,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
    pub(crate) centre_commitment: String,
    pub(crate) centre_secret: String,
    pub(crate) centre_event_id: String,
    pub(crate) supervisor_id: Option<String>,
    pub(crate) supervisor_commitment: Option<String>,
    pub(crate) supervisor_event_id: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) supervisor_committed_at: Option<Timestamp>,
    pub(crate) checkpoint_size: Option<i64>,
    pub(crate) checkpoint_root: Option<String>,
    pub(crate) checkpoint_note: Option<String>,
    pub(crate) supervisor_secret: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) closed_at: Option<Timestamp>,
    pub(crate) closed_reason: Option<String>,
    pub(crate) session_id: Option<String>,
}

/// The request `id`, on a connection or the pool.
pub(crate) async fn request<'e, E>(exec: E, id: &str) -> Result<Option<RequestRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM expert_draw_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?)
}

/// The open requests of a venues session (normally at most one).
pub(crate) async fn open_requests_of_session(
    tx: &mut Tx,
    session_id: &str,
) -> Result<Vec<RequestRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM expert_draw_requests WHERE session_id = $1 AND status = 'open' ORDER BY id"
    ))
    .bind(session_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// The latest 200 requests, newest first (outside any transaction).
pub(crate) async fn latest_requests(db: &Db) -> Result<Vec<RequestRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM expert_draw_requests ORDER BY created_at DESC, id LIMIT 200"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// Has the section an open request?
pub(crate) async fn section_has_open_request(tx: &mut Tx, section_id: &str) -> Result<bool> {
    Ok(
        sqlx::query(
            "SELECT id FROM expert_draw_requests WHERE section_id = $1 AND status = 'open'",
        )
        .bind(section_id)
        .fetch_optional(&mut **tx)
        .await?
        .is_some(),
    )
}

/// Has the venues session a request (any state)?
pub(crate) async fn session_has_request(tx: &mut Tx, session_id: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT id FROM expert_draw_requests WHERE session_id = $1")
            .bind(session_id)
            .fetch_optional(&mut **tx)
            .await?
            .is_some(),
    )
}

/// A request as [`insert_request`] opens it.
pub(crate) struct NewRequest<'a> {
    pub(crate) id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) request: &'a StoredRequest,
    pub(crate) place: &'a str,
    pub(crate) created_by: &'a str,
    pub(crate) created_at: Timestamp,
    pub(crate) centre_commitment: &'a str,
    pub(crate) centre_secret: &'a str,
    pub(crate) centre_event_id: &'a str,
    pub(crate) session_id: Option<&'a str>,
}

/// Open a request (the caller maps the one-open-request unique key).
pub(crate) async fn insert_request(tx: &mut Tx, r: NewRequest<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_draw_requests (id, section_id, request, place, created_by, created_at, \
         centre_commitment, centre_secret, centre_event_id, status, session_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10)",
    )
    .bind(r.id)
    .bind(r.section_id)
    .bind(json_text(r.request))
    .bind(r.place)
    .bind(r.created_by)
    .bind(to_micros(r.created_at))
    .bind(r.centre_commitment)
    .bind(r.centre_secret)
    .bind(r.centre_event_id)
    .bind(r.session_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An open request takes the session's new time (in `request`) and place.
pub(crate) async fn reschedule(
    tx: &mut Tx,
    id: &str,
    request: &StoredRequest,
    place: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE expert_draw_requests SET request = $1, place = $2 WHERE id = $3 AND status = 'open'",
    )
    .bind(json_text(request))
    .bind(place)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The supervisor's commitment on an open request none committed to yet; the rows changed (0:
/// closed or already committed).
pub(crate) async fn set_supervisor_commitment(
    tx: &mut Tx,
    id: &str,
    supervisor_id: &str,
    commitment: &str,
    event_id: &str,
    at: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE expert_draw_requests SET supervisor_id = $1, supervisor_commitment = $2, \
         supervisor_event_id = $3, supervisor_committed_at = $4 \
         WHERE id = $5 AND status = 'open' AND supervisor_commitment IS NULL",
    )
    .bind(supervisor_id)
    .bind(commitment)
    .bind(event_id)
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Fix the checkpoint on the request, once (a later one is never chosen); written outside any
/// transaction.
pub(crate) async fn fix_checkpoint(db: &Db, id: &str, cp: CheckpointRow) -> Result<()> {
    sqlx::query(
        "UPDATE expert_draw_requests SET checkpoint_size = $1, checkpoint_root = $2, checkpoint_note = $3 \
         WHERE id = $4 AND checkpoint_size IS NULL",
    )
    .bind(cp.tree_size)
    .bind(cp.root_hash)
    .bind(cp.note)
    .bind(id)
    .execute_write(db)
    .await?;
    Ok(())
}

/// The supervisor revealed: the open request is drawn; the rows changed (0: closed meanwhile).
pub(crate) async fn mark_drawn(
    tx: &mut Tx,
    id: &str,
    supervisor_secret: &str,
    at: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE expert_draw_requests SET supervisor_secret = $1, status = 'drawn', closed_at = $2 \
         WHERE id = $3 AND status = 'open'",
    )
    .bind(supervisor_secret)
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The open request is abandoned with the reason; the rows changed (0: closed meanwhile).
pub(crate) async fn mark_abandoned(
    tx: &mut Tx,
    id: &str,
    reason: &str,
    at: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE expert_draw_requests SET status = 'abandoned', closed_at = $1, closed_reason = $2 \
         WHERE id = $3 AND status = 'open'",
    )
    .bind(to_micros(at))
    .bind(reason)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

// ---------------------------------------------------------------------------------------------
// events, log_checkpoints (the store crate's; read only).

/// The sequence number of the event `id` (`None` while it is not sealed; the event must exist).
pub(crate) async fn event_seq(db: &Db, event_id: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT seq FROM events WHERE id = $1")
        .bind(event_id)
        .fetch_one(db.pool())
        .await?)
}

/// The sequence number of an `events` row (NULL while it is not sealed).
#[derive(sqlx::FromRow)]
struct SealedSeq {
    seq: Option<i64>,
}

/// The event `id` as stored: its `seq` (typed; `None` while it is not sealed) and the row, which
/// `outbox::event_from_row` reads as the event.
pub(crate) async fn event_row(
    db: &Db,
    event_id: &str,
) -> Result<Option<(Option<i64>, ggzy_store::Row)>> {
    let Some(r) = sqlx::query(
        "SELECT seq, id, event_type, aggregate_type, aggregate_id, actor, actor_org, occurred_at, payload, \
         prev_hash, hash FROM events WHERE id = $1",
    )
    .bind(event_id)
    .fetch_optional(db.pool())
    .await?
    else {
        return Ok(None);
    };
    let SealedSeq { seq } = sqlx::FromRow::from_row(&r)?;
    Ok(Some((seq, r)))
}

/// A signed audit checkpoint.
#[derive(sqlx::FromRow)]
pub(crate) struct CheckpointRow {
    pub(crate) tree_size: i64,
    pub(crate) root_hash: String,
    pub(crate) note: String,
}

/// The first signed checkpoint covering the event numbered `seq`.
pub(crate) async fn covering_checkpoint(db: &Db, seq: i64) -> Result<Option<CheckpointRow>> {
    Ok(sqlx::query_as(
        "SELECT tree_size, root_hash, note FROM log_checkpoints WHERE tree_size >= $1 \
         ORDER BY tree_size LIMIT 1",
    )
    .bind(seq)
    .fetch_optional(db.pool())
    .await?)
}
