//! `expert_draws`, `expert_draw_members` and `expert_assignments`: the draws, their members and
//! ordered backups, and the bookings later draws avoid.

use crate::draw::{self, EligibleExpert, Excluded};
use crate::service::StoredRequest;
use ggzy_core::sql::{At, Json, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::Tx;

/// A JSON column's text as these tables have always stored it (`serde_json::Value`'s rendering:
/// object keys sorted).
pub(crate) fn json_text<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::json!(v).to_string()
}

// ---------------------------------------------------------------------------------------------
// expert_draws.

/// The state of a draw (`expert_draws.status`): `active`, or `cancelled` with its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DrawStatus {
    Active,
    Cancelled,
}

impl DrawStatus {
    pub(crate) fn parse(s: &str) -> std::result::Result<Self, String> {
        match s {
            "active" => Ok(DrawStatus::Active),
            "cancelled" => Ok(DrawStatus::Cancelled),
            other => Err(format!("not a draw status: {other}")),
        }
    }
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            DrawStatus::Active => "active",
            DrawStatus::Cancelled => "cancelled",
        }
    }
}

ggzy_core::text_enum!(DrawStatus, DrawStatus::parse, DrawStatus::as_str);

/// A drawn expert's place on the draw (`expert_draw_members.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberKind {
    /// On the committee as drawn.
    Member,
    /// An ordered backup (备选专家).
    Backup,
}

impl MemberKind {
    pub(crate) fn parse(s: &str) -> std::result::Result<Self, String> {
        match s {
            "member" => Ok(MemberKind::Member),
            "backup" => Ok(MemberKind::Backup),
            other => Err(format!("not a member kind: {other}")),
        }
    }
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            MemberKind::Member => "member",
            MemberKind::Backup => "backup",
        }
    }
}

ggzy_core::text_enum!(MemberKind, MemberKind::parse, MemberKind::as_str);

/// The state of a drawn member or backup (`expert_draw_members.status`, migration 0015).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberStatus {
    /// Asked to confirm.
    Pending,
    Confirmed,
    Declined,
    /// No answer before the confirmation deadline.
    TimedOut,
    Recused,
    /// A backup not called.
    Standby,
    /// A backup that could no longer serve when its turn came.
    Skipped,
    /// Cancelled with the session.
    Cancelled,
}

impl MemberStatus {
    const ALL: [MemberStatus; 8] = [
        MemberStatus::Pending,
        MemberStatus::Confirmed,
        MemberStatus::Declined,
        MemberStatus::TimedOut,
        MemberStatus::Recused,
        MemberStatus::Standby,
        MemberStatus::Skipped,
        MemberStatus::Cancelled,
    ];
    pub(crate) fn parse(s: &str) -> std::result::Result<Self, String> {
        MemberStatus::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("not a member status: {s}"))
    }
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            MemberStatus::Pending => "pending",
            MemberStatus::Confirmed => "confirmed",
            MemberStatus::Declined => "declined",
            MemberStatus::TimedOut => "timed_out",
            MemberStatus::Recused => "recused",
            MemberStatus::Standby => "standby",
            MemberStatus::Skipped => "skipped",
            MemberStatus::Cancelled => "cancelled",
        }
    }
    /// Serving on the committee: pending or confirmed.
    pub(crate) fn is_serving(&self) -> bool {
        matches!(self, MemberStatus::Pending | MemberStatus::Confirmed)
    }
    /// The draw called the expert (he is not a standby or skipped backup).
    pub(crate) fn was_called(&self) -> bool {
        !matches!(self, MemberStatus::Standby | MemberStatus::Skipped)
    }
}

ggzy_core::text_enum!(MemberStatus, MemberStatus::parse, MemberStatus::as_str);

/// A draw as stored; its JSON columns typed.
#[derive(sqlx::FromRow)]
pub(crate) struct DrawRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) session_id: Option<String>,
    pub(crate) room_name: Option<String>,
    pub(crate) status: DrawStatus,
    pub(crate) attempt: i64,
    #[sqlx(try_from = "Json<StoredRequest>")]
    pub(crate) request: StoredRequest,
    pub(crate) commitment: String,
    pub(crate) seed: String,
    pub(crate) snapshot: Json<Vec<EligibleExpert>>,
    pub(crate) snapshot_digest: String,
    #[sqlx(rename = "exclusions")]
    pub(crate) excluded: Json<Vec<Excluded>>,
    #[sqlx(try_from = "Json<draw::Committee>")]
    pub(crate) result: draw::Committee,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) revealed_at: Option<Timestamp>,
    /// `None` (centre-only seed) or `contributed-v1` (crate::contrib).
    pub(crate) scheme: Option<String>,
}

/// The draw `id`.
pub(crate) async fn draw(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Option<DrawRow>> {
    Ok(sqlx::query_as(
        "SELECT id, section_id, attempt, request, commitment, seed, snapshot, snapshot_digest, exclusions, \
         result, created_at, revealed_at, session_id, room_name, status, scheme FROM expert_draws WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The section's active draw, if any.
pub(crate) async fn active_draw_of_section(
    tx: &mut Tx,
    section_id: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, String>(
        "SELECT id FROM expert_draws WHERE section_id = $1 AND status = 'active'",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The section's latest active draw (by attempt), if any.
pub(crate) async fn latest_active_draw_of_section(
    tx: &mut Tx,
    section_id: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM expert_draws WHERE section_id = $1 AND status = 'active' ORDER BY attempt DESC LIMIT 1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// How many draws the section had (any state).
pub(crate) async fn draw_count(tx: &mut Tx, section_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM expert_draws WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// Is a draw recorded for the venues session?
pub(crate) async fn session_has_draw(tx: &mut Tx, session_id: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT id FROM expert_draws WHERE session_id = $1")
            .bind(session_id)
            .fetch_optional(&mut **tx)
            .await?
            .is_some(),
    )
}

/// The session's active draws, oldest first.
pub(crate) async fn active_draws_of_session(tx: &mut Tx, session_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM expert_draws WHERE session_id = $1 AND status = 'active' ORDER BY created_at",
    )
    .bind(session_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// A draw as [`insert_draw`] records it (active).
pub(crate) struct NewDraw<'a> {
    pub(crate) id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) attempt: i64,
    pub(crate) request: &'a StoredRequest,
    pub(crate) tenderer_uscc: &'a str,
    pub(crate) session_start: Timestamp,
    pub(crate) session_end: Timestamp,
    pub(crate) commitment: &'a str,
    pub(crate) seed: &'a str,
    /// The canonical snapshot (JSON text, as its digest was computed).
    pub(crate) snapshot: String,
    pub(crate) snapshot_digest: &'a str,
    pub(crate) excluded: &'a [Excluded],
    pub(crate) result: &'a draw::Committee,
    pub(crate) created_by: &'a str,
    pub(crate) created_at: Timestamp,
    pub(crate) session_id: Option<&'a str>,
    pub(crate) room_name: &'a str,
    pub(crate) scheme: Option<&'a str>,
}

/// Record a draw (the caller maps the one-active-draw and attempt unique keys).
pub(crate) async fn insert_draw(tx: &mut Tx, d: NewDraw<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_draws (id, section_id, attempt, request, tenderer_uscc, session_start, session_end, \
         commitment, seed, snapshot, snapshot_digest, exclusions, result, created_by, created_at, session_id, \
         room_name, status, scheme) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'active', $18)",
    )
    .bind(d.id)
    .bind(d.section_id)
    .bind(d.attempt)
    .bind(json_text(d.request))
    .bind(d.tenderer_uscc)
    .bind(to_micros(d.session_start))
    .bind(to_micros(d.session_end))
    .bind(d.commitment)
    .bind(d.seed)
    .bind(d.snapshot)
    .bind(d.snapshot_digest)
    .bind(json_text(d.excluded))
    .bind(json_text(d.result))
    .bind(d.created_by)
    .bind(to_micros(d.created_at))
    .bind(d.session_id)
    .bind(d.room_name)
    .bind(d.scheme)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reveal the draw's seed at `at`, once; the rows changed (0: already revealed).
pub(crate) async fn mark_revealed(tx: &mut Tx, id: &str, at: Timestamp) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE expert_draws SET revealed_at = $1 WHERE id = $2 AND revealed_at IS NULL",
    )
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The session moved: the draw takes the new time, place and request.
pub(crate) async fn move_draw(
    tx: &mut Tx,
    id: &str,
    start: Timestamp,
    end: Timestamp,
    room_name: &str,
    request: &StoredRequest,
) -> Result<()> {
    sqlx::query(
        "UPDATE expert_draws SET session_start = $1, session_end = $2, room_name = $3, request = $4 WHERE id = $5",
    )
    .bind(to_micros(start))
    .bind(to_micros(end))
    .bind(room_name)
    .bind(json_text(request))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Cancel an active draw with its session.
pub(crate) async fn cancel_draw(tx: &mut Tx, id: &str, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE expert_draws SET status = 'cancelled', cancelled_at = $1 WHERE id = $2 AND status = 'active'")
        .bind(to_micros(at))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// expert_draw_members.

/// The state of one drawn member or backup.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct MemberRow {
    pub(crate) expert_id: String,
    pub(crate) name: String,
    pub(crate) specialty: String,
    pub(crate) kind: MemberKind,
    pub(crate) position: i64,
    pub(crate) status: MemberStatus,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) confirm_by: Option<Timestamp>,
    pub(crate) replaces: Option<String>,
    pub(crate) replaced_by: Option<String>,
    pub(crate) reason: Option<String>,
}

/// Every member and backup of the draw, with the expert's name.
pub(crate) async fn members(
    conn: &mut sqlx::AnyConnection,
    draw_id: &str,
) -> Result<Vec<MemberRow>> {
    Ok(sqlx::query_as(
        "SELECT m.expert_id, e.name, m.specialty, m.kind, m.position, m.status, m.confirm_by, m.replaces, \
         m.replaced_by, m.reason FROM expert_draw_members m JOIN experts e ON e.id = m.expert_id \
         WHERE m.draw_id = $1",
    )
    .bind(draw_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// A drawn member as the committee disclosure names him.
#[derive(sqlx::FromRow)]
pub(crate) struct DisclosedRow {
    pub(crate) name: String,
    pub(crate) specialty: String,
}

/// The experts serving on the draw (pending or confirmed), in the order drawn.
pub(crate) async fn serving_names(tx: &mut Tx, draw_id: &str) -> Result<Vec<DisclosedRow>> {
    Ok(sqlx::query_as(
        "SELECT e.name, m.specialty FROM expert_draw_members m JOIN experts e ON e.id = m.expert_id \
         WHERE m.draw_id = $1 AND m.status IN ('pending', 'confirmed') ORDER BY m.position, e.name",
    )
    .bind(draw_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// A drawn member, asked to confirm by `confirm_by`.
pub(crate) async fn insert_member(
    tx: &mut Tx,
    draw_id: &str,
    expert_id: &str,
    specialty: &str,
    position: i64,
    confirm_by: Timestamp,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_draw_members (draw_id, expert_id, specialty, kind, position, status, confirm_by, updated_at) \
         VALUES ($1, $2, $3, 'member', $4, 'pending', $5, $6)",
    )
    .bind(draw_id)
    .bind(expert_id)
    .bind(specialty)
    .bind(position)
    .bind(to_micros(confirm_by))
    .bind(to_micros(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A drawn backup, on standby.
pub(crate) async fn insert_backup(
    tx: &mut Tx,
    draw_id: &str,
    expert_id: &str,
    specialty: &str,
    position: i64,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_draw_members (draw_id, expert_id, specialty, kind, position, status, updated_at) \
         VALUES ($1, $2, $3, 'backup', $4, 'standby', $5)",
    )
    .bind(draw_id)
    .bind(expert_id)
    .bind(specialty)
    .bind(position)
    .bind(to_micros(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A backup still on standby is skipped with the reasons it can no longer serve.
pub(crate) async fn skip_backup(
    tx: &mut Tx,
    draw_id: &str,
    expert_id: &str,
    reason: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE expert_draw_members SET status = 'skipped', reason = $1, updated_at = $2 \
         WHERE draw_id = $3 AND expert_id = $4 AND status = 'standby'",
    )
    .bind(reason)
    .bind(to_micros(at))
    .bind(draw_id)
    .bind(expert_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A backup on standby is called to replace `replaces`; the rows changed (0: not on standby).
pub(crate) async fn call_backup(
    tx: &mut Tx,
    draw_id: &str,
    expert_id: &str,
    replaces: &str,
    confirm_by: Timestamp,
    at: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE expert_draw_members SET status = 'pending', confirm_by = $1, replaces = $2, updated_at = $3 \
         WHERE draw_id = $4 AND expert_id = $5 AND status = 'standby'",
    )
    .bind(to_micros(confirm_by))
    .bind(replaces)
    .bind(to_micros(at))
    .bind(draw_id)
    .bind(expert_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The member who left is replaced by `replaced_by`.
pub(crate) async fn set_replaced_by(
    tx: &mut Tx,
    draw_id: &str,
    expert_id: &str,
    replaced_by: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE expert_draw_members SET replaced_by = $1, updated_at = $2 WHERE draw_id = $3 AND expert_id = $4",
    )
    .bind(replaced_by)
    .bind(to_micros(at))
    .bind(draw_id)
    .bind(expert_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A pending member confirms; the rows changed (0: not pending).
pub(crate) async fn confirm_member(
    tx: &mut Tx,
    draw_id: &str,
    expert_id: &str,
    at: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE expert_draw_members SET status = 'confirmed', updated_at = $1 \
         WHERE draw_id = $2 AND expert_id = $3 AND status = 'pending'",
    )
    .bind(to_micros(at))
    .bind(draw_id)
    .bind(expert_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// A serving member (pending or confirmed) leaves with `status` and the reason; the rows changed
/// (0: not serving).
pub(crate) async fn withdraw_member(
    tx: &mut Tx,
    draw_id: &str,
    expert_id: &str,
    status: MemberStatus,
    reason: &str,
    at: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE expert_draw_members SET status = $1, reason = $2, updated_at = $3 \
         WHERE draw_id = $4 AND expert_id = $5 AND status IN ('pending', 'confirmed')",
    )
    .bind(status)
    .bind(reason)
    .bind(to_micros(at))
    .bind(draw_id)
    .bind(expert_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Every member and backup still in play is cancelled with the draw.
pub(crate) async fn cancel_members(tx: &mut Tx, draw_id: &str, at: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE expert_draw_members SET status = 'cancelled', updated_at = $1 \
         WHERE draw_id = $2 AND status IN ('pending', 'confirmed', 'standby')",
    )
    .bind(to_micros(at))
    .bind(draw_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One draw that called an expert (not as a standby or skipped backup).
#[derive(sqlx::FromRow)]
pub(crate) struct CalledRow {
    /// The draw.
    pub(crate) id: String,
    pub(crate) session_id: Option<String>,
    #[sqlx(try_from = "At")]
    pub(crate) session_start: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) session_end: Timestamp,
    pub(crate) room_name: Option<String>,
    pub(crate) status: MemberStatus,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) confirm_by: Option<Timestamp>,
    pub(crate) reason: Option<String>,
}

/// The draws that called the expert, newest session first.
pub(crate) async fn calls_of_expert(
    conn: &mut sqlx::AnyConnection,
    expert_id: &str,
) -> Result<Vec<CalledRow>> {
    Ok(sqlx::query_as(
        "SELECT d.id, d.session_id, d.session_start, d.session_end, d.room_name, m.status, m.confirm_by, m.reason \
         FROM expert_draw_members m JOIN expert_draws d ON d.id = m.draw_id \
         WHERE m.expert_id = $1 AND m.status NOT IN ('standby', 'skipped') ORDER BY d.session_start DESC",
    )
    .bind(expert_id)
    .fetch_all(&mut *conn)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// expert_assignments.

/// A booking of an expert.
#[derive(sqlx::FromRow)]
pub(crate) struct AssignmentRow {
    pub(crate) draw_id: String,
    pub(crate) expert_id: String,
    pub(crate) tenderer_uscc: String,
    #[sqlx(try_from = "At")]
    pub(crate) session_start: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) session_end: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) drawn_at: Timestamp,
}

/// Every booking of the pool.
pub(crate) async fn assignments(tx: &mut Tx) -> Result<Vec<AssignmentRow>> {
    Ok(sqlx::query_as(
        "SELECT draw_id, expert_id, tenderer_uscc, session_start, session_end, drawn_at FROM expert_assignments",
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// Book the expert for the draw's session.
pub(crate) async fn insert_assignment(
    tx: &mut Tx,
    draw_id: &str,
    expert_id: &str,
    tenderer_uscc: &str,
    (session_start, session_end): (Timestamp, Timestamp),
    drawn_at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_assignments (draw_id, expert_id, tenderer_uscc, session_start, session_end, drawn_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(draw_id)
    .bind(expert_id)
    .bind(tenderer_uscc)
    .bind(to_micros(session_start))
    .bind(to_micros(session_end))
    .bind(to_micros(drawn_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The expert's booking for the draw goes (he left the committee).
pub(crate) async fn delete_assignment(tx: &mut Tx, draw_id: &str, expert_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM expert_assignments WHERE draw_id = $1 AND expert_id = $2")
        .bind(draw_id)
        .bind(expert_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Every booking of the draw goes (the draw was cancelled).
pub(crate) async fn delete_assignments(tx: &mut Tx, draw_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM expert_assignments WHERE draw_id = $1")
        .bind(draw_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The draw's bookings take the session's new time.
pub(crate) async fn move_assignments(
    tx: &mut Tx,
    draw_id: &str,
    start: Timestamp,
    end: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE expert_assignments SET session_start = $1, session_end = $2 WHERE draw_id = $3",
    )
    .bind(to_micros(start))
    .bind(to_micros(end))
    .bind(draw_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
