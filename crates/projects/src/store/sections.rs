//! The `sections` rows (and their `projects`) as bidding, bids and opening read and change them.

use crate::model::SectionState;
use crate::rules::Procedure;
use chrono::{DateTime, Utc};
use ggzy_core::ident::Market;
use ggzy_core::sql::At;
use ggzy_core::time::to_micros;
use ggzy_core::Result;
use ggzy_store::Db;
use sqlx::AnyConnection;

/// A section with its project's parties, market and procedure, as bidding reads it (a
/// registration decides everything it needs of the section and project from this one read).
#[derive(sqlx::FromRow)]
pub(crate) struct SectionOwnerRow {
    pub(crate) id: String,
    pub(crate) project_id: String,
    pub(crate) state: SectionState,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: DateTime<Utc>,
    pub(crate) owner_org_id: String,
    pub(crate) tenderer_uscc: String,
    pub(crate) market: Market,
    pub(crate) procedure: Procedure,
}

/// Section `id` with its project's parties, market and procedure, held as `hold` says.
pub(crate) async fn section_with_owner(
    conn: &mut AnyConnection,
    db: &Db,
    id: &str,
    hold: Hold,
) -> Result<Option<SectionOwnerRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT s.id, s.project_id, s.state, s.bid_deadline, p.owner_org_id, p.tenderer_uscc, \
         p.market, p.procedure FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = $1{}",
        match hold {
            Hold::None => "",
            Hold::Share => db.for_share(),
            Hold::Update => db.for_update(),
        }
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A section's state and project.
#[derive(sqlx::FromRow)]
pub(crate) struct StateProjectRow {
    pub(crate) state: SectionState,
    pub(crate) project_id: String,
}

/// Section `id`'s state and project, locked.
pub(crate) async fn state_project_for_update(
    conn: &mut AnyConnection,
    db: &Db,
    id: &str,
) -> Result<Option<StateProjectRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT state, project_id FROM sections WHERE id = $1{}",
        db.for_update()
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Move the section from `from` to `to` unless it moved meanwhile; the rows changed (0 or 1).
pub(crate) async fn move_state(
    conn: &mut AnyConnection,
    id: &str,
    from: SectionState,
    to: SectionState,
    at: DateTime<Utc>,
) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE sections SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
            .bind(to.as_str())
            .bind(to_micros(at))
            .bind(id)
            .bind(from.as_str())
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

/// How a registration, upload or withdrawal holds the section row (PostgreSQL; SQLite's single
/// writer excludes all).
#[derive(Clone, Copy)]
pub(crate) enum Hold {
    None,
    /// `FOR SHARE`.
    Share,
    /// `FOR UPDATE`.
    Update,
}

/// A section as an upload reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct BiddingRow {
    pub(crate) project_id: String,
    pub(crate) state: SectionState,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: DateTime<Utc>,
}

/// Section `id` as an upload reads it, held as `hold` says.
pub(crate) async fn bidding_row(
    conn: &mut AnyConnection,
    db: &Db,
    id: &str,
    hold: Hold,
) -> Result<Option<BiddingRow>> {
    Ok(match hold {
        Hold::None => {
            sqlx::query_as("SELECT project_id, state, bid_deadline FROM sections WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        }
        Hold::Share => {
            sqlx::query_as(&format!(
                "SELECT project_id, state, bid_deadline FROM sections WHERE id = $1{}",
                db.for_share()
            ))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
        }
        Hold::Update => {
            sqlx::query_as(&format!(
                "SELECT project_id, state, bid_deadline FROM sections WHERE id = $1{}",
                db.for_update()
            ))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
        }
    })
}

/// Whether section `id` exists.
pub(crate) async fn exists(db: &Db, id: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM sections WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .is_some())
}

/// A section with its project's market, region and owner, as the opening reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct OpeningSectionRow {
    pub(crate) project_id: String,
    pub(crate) state: SectionState,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: DateTime<Utc>,
    #[sqlx(try_from = "At")]
    pub(crate) opening_at: DateTime<Utc>,
    pub(crate) market: String,
    pub(crate) region: String,
    pub(crate) owner_org_id: String,
}

/// Section `id` as the opening reads it, locked for update when `lock`.
pub(crate) async fn opening_section(
    conn: &mut AnyConnection,
    db: &Db,
    id: &str,
    lock: bool,
) -> Result<Option<OpeningSectionRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT s.project_id, s.state, s.bid_deadline, s.opening_at, p.market, p.region, p.owner_org_id \
         FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = $1{}",
        if lock { db.for_update() } else { "" }
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A section's opening time and state.
#[derive(sqlx::FromRow)]
pub(crate) struct OpeningAtRow {
    #[sqlx(try_from = "At")]
    pub(crate) opening_at: DateTime<Utc>,
    pub(crate) state: SectionState,
}

pub(crate) async fn opening_at(conn: &mut AnyConnection, id: &str) -> Result<Option<OpeningAtRow>> {
    Ok(
        sqlx::query_as("SELECT opening_at, state FROM sections WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// A section's state, project, bid deadline and opening time.
#[derive(sqlx::FromRow)]
pub(crate) struct SectionTimesRow {
    pub(crate) state: SectionState,
    pub(crate) project_id: String,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: DateTime<Utc>,
    #[sqlx(try_from = "At")]
    pub(crate) opening_at: DateTime<Utc>,
}

/// Section `id`'s times, locked.
pub(crate) async fn times_for_update(
    conn: &mut AnyConnection,
    db: &Db,
    id: &str,
) -> Result<Option<SectionTimesRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT state, project_id, bid_deadline, opening_at FROM sections WHERE id = $1{}",
        db.for_update()
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Move the section's bid deadline and opening time.
pub(crate) async fn set_deadline_and_opening(
    conn: &mut AnyConnection,
    id: &str,
    bid_deadline: DateTime<Utc>,
    opening_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE sections SET bid_deadline = $1, opening_at = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(to_micros(bid_deadline))
    .bind(to_micros(opening_at))
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether section `id` exists (inside a transaction).
pub(crate) async fn exists_in(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT id FROM sections WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

/// How many projects await registration approval.
pub(crate) async fn submitted_projects(db: &Db) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE status = 'submitted'")
            .fetch_one(db.pool())
            .await?,
    )
}

/// A listed section as a confirmed deal reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct DealSectionRow {
    pub(crate) state: SectionState,
    pub(crate) project_id: String,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: DateTime<Utc>,
    pub(crate) market: String,
}

/// Section `id` with its project's market, locked (it must exist).
pub(crate) async fn deal_section_for_update(
    conn: &mut AnyConnection,
    db: &Db,
    id: &str,
) -> Result<DealSectionRow> {
    Ok(sqlx::query_as(&format!(
        "SELECT s.state, s.project_id, s.bid_deadline, p.market FROM sections s \
         JOIN projects p ON p.id = s.project_id WHERE s.id = $1{}",
        db.for_update()
    ))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?)
}
