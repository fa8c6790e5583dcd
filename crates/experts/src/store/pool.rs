//! `experts`, `expert_conflicts`, `expert_leaves`, `expert_relations`, `expert_ratings` and
//! `expert_violations`: the pool and what screening and automatic suspension read of it.

use crate::draw::{PoolStatus, RelationKind, Title};
use chrono::NaiveDate;
use ggzy_core::sql::{At, Flag, Json, MaybeAt, MaybeDay};
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};

// ---------------------------------------------------------------------------------------------
// experts, expert_conflicts, expert_leaves.

/// An expert as [`insert_expert`] registers him (checked by the use case).
pub(crate) struct NewExpertRow<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) resident_id: &'a str,
    pub(crate) employer_uscc: &'a str,
    pub(crate) employer_name: &'a str,
    pub(crate) specialties: &'a [String],
    pub(crate) title: Title,
    pub(crate) years: i64,
    pub(crate) region: &'a str,
    pub(crate) phone: &'a str,
    pub(crate) status: PoolStatus,
    pub(crate) suspended_reason: Option<String>,
    pub(crate) suspended_from: Option<Timestamp>,
    pub(crate) suspended_until: Option<Timestamp>,
    pub(crate) email: Option<String>,
    pub(crate) procurement_pool: bool,
    pub(crate) at: Timestamp,
}

/// Registers an expert (the caller maps the resident ID's unique key).
pub(crate) async fn insert_expert(tx: &mut Tx, e: NewExpertRow<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO experts (id, name, resident_id, employer_uscc, employer_name, specialties, title, \
         years, region, phone, status, suspended_reason, suspended_from, suspended_until, created_at, updated_at, email, \
         procurement_pool) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17)",
    )
    .bind(e.id)
    .bind(e.name)
    .bind(e.resident_id)
    .bind(e.employer_uscc)
    .bind(e.employer_name)
    .bind(Json(e.specialties))
    .bind(e.title.as_str())
    .bind(e.years)
    .bind(e.region)
    .bind(e.phone)
    .bind(e.status)
    .bind(e.suspended_reason)
    .bind(e.suspended_from.map(to_micros))
    .bind(e.suspended_until.map(to_micros))
    .bind(to_micros(e.at))
    .bind(e.email)
    .bind(Flag(e.procurement_pool))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An organization the expert declared a conflict of interest with.
pub(crate) async fn insert_conflict(tx: &mut Tx, expert_id: &str, org_uscc: &str) -> Result<()> {
    sqlx::query("INSERT INTO expert_conflicts (expert_id, org_uscc) VALUES ($1, $2)")
        .bind(expert_id)
        .bind(org_uscc)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A leave of the expert.
pub(crate) async fn insert_leave(
    tx: &mut Tx,
    id: &str,
    expert_id: &str,
    starts_at: Timestamp,
    ends_at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_leaves (id, expert_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(expert_id)
    .bind(to_micros(starts_at))
    .bind(to_micros(ends_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Is an expert with this resident ID in the pool?
pub(crate) async fn resident_id_taken(tx: &mut Tx, resident_id: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT id FROM experts WHERE resident_id = $1")
        .bind(resident_id)
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

/// The columns of an `experts` row as [`ExpertRow`] reads it.
const EXPERT_COLUMNS: &str = "id, name, resident_id, employer_uscc, employer_name, specialties, \
    title, years, region, phone, status, suspended_reason, suspended_from, suspended_until, email, \
    user_id, procurement_pool";

/// One row of the `experts` table.
#[derive(sqlx::FromRow)]
pub(crate) struct ExpertRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) resident_id: String,
    pub(crate) employer_uscc: String,
    pub(crate) employer_name: String,
    pub(crate) specialties: Json<Vec<String>>,
    pub(crate) title: Title,
    pub(crate) years: i64,
    pub(crate) region: String,
    pub(crate) phone: String,
    pub(crate) status: PoolStatus,
    pub(crate) suspended_reason: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) suspended_from: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) suspended_until: Option<Timestamp>,
    pub(crate) email: Option<String>,
    pub(crate) user_id: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub(crate) procurement_pool: bool,
}

/// Every expert of the pool, by name.
pub(crate) async fn experts(conn: &mut sqlx::AnyConnection) -> Result<Vec<ExpertRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {EXPERT_COLUMNS} FROM experts ORDER BY name, id"
    ))
    .fetch_all(&mut *conn)
    .await?)
}

/// The expert `id` (none or one row).
pub(crate) async fn expert(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Vec<ExpertRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {EXPERT_COLUMNS} FROM experts WHERE id = $1"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Lock the pool's rows so that draws serialize (PostgreSQL; SQLite has one writer anyway): two
/// draws at once could book the same expert for overlapping sessions.
pub(crate) async fn lock_pool(tx: &mut Tx, db: &Db) -> Result<()> {
    sqlx::query(&format!(
        "SELECT id FROM experts ORDER BY id{}",
        db.for_update()
    ))
    .fetch_all(&mut **tx)
    .await?;
    Ok(())
}

/// An organization an expert declared a conflict with.
#[derive(sqlx::FromRow)]
pub(crate) struct ConflictRow {
    pub(crate) expert_id: String,
    pub(crate) org_uscc: String,
}

/// Every declared conflict of the pool, by organization.
pub(crate) async fn conflicts(conn: &mut sqlx::AnyConnection) -> Result<Vec<ConflictRow>> {
    Ok(
        sqlx::query_as("SELECT expert_id, org_uscc FROM expert_conflicts ORDER BY org_uscc")
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// A leave of an expert.
#[derive(sqlx::FromRow)]
pub(crate) struct LeaveRow {
    pub(crate) expert_id: String,
    #[sqlx(try_from = "At")]
    pub(crate) starts_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) ends_at: Timestamp,
}

/// Every leave of the pool, earliest first.
pub(crate) async fn leaves(conn: &mut sqlx::AnyConnection) -> Result<Vec<LeaveRow>> {
    Ok(
        sqlx::query_as(
            "SELECT expert_id, starts_at, ends_at FROM expert_leaves ORDER BY starts_at",
        )
        .fetch_all(&mut *conn)
        .await?,
    )
}

/// What notices and events need of an expert.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) phone: String,
    pub(crate) email: Option<String>,
    pub(crate) user_id: Option<String>,
}

pub(crate) async fn person(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Option<Person>> {
    Ok(
        sqlx::query_as("SELECT name, phone, email, user_id FROM experts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// The expert `id` if he is in the pool.
pub(crate) async fn expert_id(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT id FROM experts WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// The expert linked to the login `user_id`.
pub(crate) async fn expert_of_user(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM experts WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Link the expert to a login (or unlink) and set the e-mail; the rows changed (0: no such
/// expert). The caller maps the user id's unique key.
pub(crate) async fn set_account(
    tx: &mut Tx,
    expert_id: &str,
    user_id: Option<&str>,
    email: Option<&str>,
    at: Timestamp,
) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE experts SET user_id = $1, email = $2, updated_at = $3 WHERE id = $4")
            .bind(user_id)
            .bind(email)
            .bind(to_micros(at))
            .bind(expert_id)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}

/// Put the expert in or out of the procurement pool; the rows changed (0: no such expert).
pub(crate) async fn set_procurement_pool(
    tx: &mut Tx,
    expert_id: &str,
    procurement_pool: bool,
    at: Timestamp,
) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE experts SET procurement_pool = $1, updated_at = $2 WHERE id = $3")
            .bind(Flag(procurement_pool))
            .bind(to_micros(at))
            .bind(expert_id)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}

/// The statement suspending an active expert for `[from, until)` with the reason — once: an expert
/// no longer active is not changed (run by `emit_when_changed`).
pub(crate) fn suspend_active<'q>(
    expert_id: &'q str,
    reason: String,
    from: Timestamp,
    until: Timestamp,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(
        "UPDATE experts SET status = 'suspended', suspended_reason = $1, suspended_from = $2, \
         suspended_until = $3, updated_at = $2 WHERE id = $4 AND status = 'active'",
    )
    .bind(reason)
    .bind(to_micros(from))
    .bind(to_micros(until))
    .bind(expert_id)
}

// ---------------------------------------------------------------------------------------------
// expert_ratings, expert_violations.

/// A rating as [`insert_rating`] records it.
pub(crate) struct NewRating<'a> {
    pub(crate) id: &'a str,
    pub(crate) draw_id: &'a str,
    pub(crate) expert_id: &'a str,
    pub(crate) rater_user_id: &'a str,
    pub(crate) rater_role: &'a str,
    pub(crate) score: i64,
    pub(crate) comment: &'a str,
    pub(crate) at: Timestamp,
}

/// Record a rating (the caller maps the once-per-rater unique key).
pub(crate) async fn insert_rating(tx: &mut Tx, r: NewRating<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_ratings (id, draw_id, expert_id, rater_user_id, rater_role, score, comment, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(r.id)
    .bind(r.draw_id)
    .bind(r.expert_id)
    .bind(r.rater_user_id)
    .bind(r.rater_role)
    .bind(r.score)
    .bind(r.comment)
    .bind(to_micros(r.at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A rating given to an expert.
#[derive(sqlx::FromRow)]
pub(crate) struct RatingRow {
    pub(crate) score: i64,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
}

/// The expert's ratings given after `since`.
pub(crate) async fn ratings_since(
    tx: &mut Tx,
    expert_id: &str,
    since: Timestamp,
) -> Result<Vec<RatingRow>> {
    Ok(sqlx::query_as(
        "SELECT score, created_at FROM expert_ratings WHERE expert_id = $1 AND created_at > $2",
    )
    .bind(expert_id)
    .bind(to_micros(since))
    .fetch_all(&mut **tx)
    .await?)
}

/// When the expert's violations after `since` happened.
pub(crate) async fn violations_since(
    tx: &mut Tx,
    expert_id: &str,
    since: Timestamp,
) -> Result<Vec<Timestamp>> {
    Ok(sqlx::query_scalar::<_, At>(
        "SELECT at FROM expert_violations WHERE expert_id = $1 AND at > $2",
    )
    .bind(expert_id)
    .bind(to_micros(since))
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(Timestamp::from)
    .collect())
}

/// A violation a venue recorded, as [`insert_violation`] writes it.
pub(crate) struct NewViolation<'q> {
    pub(crate) id: String,
    pub(crate) expert_id: &'q str,
    pub(crate) session_id: Option<&'q str>,
    pub(crate) kind: &'q str,
    pub(crate) at: Timestamp,
    pub(crate) source_event_id: &'q str,
}

/// The statement recording a violation once per source event (a redelivered event changes
/// nothing; run by `emit_when_changed`).
pub(crate) fn insert_violation(
    v: NewViolation<'_>,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(
        "INSERT INTO expert_violations (id, expert_id, session_id, kind, at, source_event_id) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source_event_id) DO NOTHING",
    )
    .bind(v.id)
    .bind(v.expert_id)
    .bind(v.session_id)
    .bind(v.kind)
    .bind(to_micros(v.at))
    .bind(v.source_event_id)
}

// ---------------------------------------------------------------------------------------------
// expert_relations.

/// The columns of an `expert_relations` row as [`RelationRow`] reads it.
const RELATION_COLUMNS: &str = "id, expert_id, kind, org_uscc, org_name, person_name, detail, \
    market, since_date, until_date, source, recorded_by_role, recorded_at";

/// An `expert_relations` row as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct RelationRow {
    pub(crate) id: String,
    pub(crate) expert_id: String,
    pub(crate) kind: RelationKind,
    pub(crate) org_uscc: Option<String>,
    pub(crate) org_name: String,
    pub(crate) person_name: Option<String>,
    pub(crate) detail: Option<String>,
    pub(crate) market: Option<String>,
    #[sqlx(try_from = "MaybeDay")]
    pub(crate) since_date: Option<NaiveDate>,
    #[sqlx(try_from = "MaybeDay")]
    pub(crate) until_date: Option<NaiveDate>,
    pub(crate) source: String,
    pub(crate) recorded_by_role: String,
    #[sqlx(try_from = "At")]
    pub(crate) recorded_at: Timestamp,
}

/// Every relation of the pool, in the order recorded.
pub(crate) async fn relations(conn: &mut sqlx::AnyConnection) -> Result<Vec<RelationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RELATION_COLUMNS} FROM expert_relations ORDER BY recorded_at, id"
    ))
    .fetch_all(&mut *conn)
    .await?)
}

/// The expert's relations, in the order recorded.
pub(crate) async fn relations_of(
    conn: &mut sqlx::AnyConnection,
    expert_id: &str,
) -> Result<Vec<RelationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RELATION_COLUMNS} FROM expert_relations WHERE expert_id = $1 ORDER BY recorded_at, id"
    ))
    .bind(expert_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The relation `id`.
pub(crate) async fn relation(tx: &mut Tx, id: &str) -> Result<RelationRow> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RELATION_COLUMNS} FROM expert_relations WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?)
}

/// A relation as [`insert_relation`] records it (checked by the use case).
pub(crate) struct NewRelationRow<'a> {
    pub(crate) id: &'a str,
    pub(crate) expert_id: &'a str,
    pub(crate) kind: RelationKind,
    pub(crate) org_uscc: Option<String>,
    pub(crate) org_name: &'a str,
    pub(crate) person_name: Option<String>,
    pub(crate) detail: Option<String>,
    pub(crate) market: Option<String>,
    pub(crate) since: Option<NaiveDate>,
    pub(crate) until: Option<NaiveDate>,
    pub(crate) source: &'a str,
    pub(crate) recorded_by_role: &'a str,
    pub(crate) recorded_at: Timestamp,
    pub(crate) recorded_by: &'a str,
}

pub(crate) async fn insert_relation(tx: &mut Tx, r: NewRelationRow<'_>) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO expert_relations ({RELATION_COLUMNS}, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(r.id)
    .bind(r.expert_id)
    .bind(r.kind)
    .bind(r.org_uscc)
    .bind(r.org_name)
    .bind(r.person_name)
    .bind(r.detail)
    .bind(r.market)
    .bind(r.since.map(|d| d.to_string()))
    .bind(r.until.map(|d| d.to_string()))
    .bind(r.source)
    .bind(r.recorded_by_role)
    .bind(to_micros(r.recorded_at))
    .bind(r.recorded_by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
