//! `rem_sections` and `rem_parties`: the area's copy of the sections and of their parties, kept
//! from the projects area's events (the projection, crates/remedies/src/service/projection.rs).

use ggzy_core::sql::{At, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::Tx;

/// No open prequalification round any more.
pub(crate) async fn clear_prequal_due(tx: &mut Tx, section_id: &str) -> Result<()> {
    sqlx::query("UPDATE rem_sections SET prequal_due = NULL WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The open prequalification round's applications deadline.
pub(crate) async fn set_prequal_due(
    tx: &mut Tx,
    section_id: &str,
    due_at: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE rem_sections SET prequal_due = $1 WHERE section_id = $2")
        .bind(to_micros(due_at))
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn set_deadline(
    tx: &mut Tx,
    section_id: &str,
    bid_deadline: Timestamp,
    opening_at: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE rem_sections SET bid_deadline = $1, opening_at = $2 WHERE section_id = $3")
        .bind(to_micros(bid_deadline))
        .bind(to_micros(opening_at))
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn set_publicity_ends(
    tx: &mut Tx,
    section_id: &str,
    ends: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE rem_sections SET publicity_ends = $1 WHERE section_id = $2")
        .bind(to_micros(ends))
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The candidates are publicized until `ends`.
pub(crate) async fn mark_publicizing(tx: &mut Tx, section_id: &str, ends: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE rem_sections SET stage = 'publicizing', publicity_ends = $1 WHERE section_id = $2",
    )
    .bind(to_micros(ends))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn set_stage(tx: &mut Tx, section_id: &str, stage: &str) -> Result<()> {
    sqlx::query("UPDATE rem_sections SET stage = $1 WHERE section_id = $2")
        .bind(stage)
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// `org_id` became a party of the section at `at` (a repeat keeps the first).
pub(crate) async fn insert_party(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO rem_parties (section_id, org_id, registered_at) VALUES ($1, $2, $3) \
         ON CONFLICT (section_id, org_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(org_id)
    .bind(to_micros(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub(crate) struct SecRow {
    pub(crate) market: String,
    pub(crate) project_code: String,
    pub(crate) owner_org_id: String,
    pub(crate) stage: String,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: Timestamp,
    pub(crate) procedure: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) docs_issue_at: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) prequal_due: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) publicity_ends: Option<Timestamp>,
}

pub(crate) async fn section(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Option<SecRow>> {
    Ok(sqlx::query_as(
        "SELECT market, project_code, owner_org_id, stage, bid_deadline, procedure, docs_issue_at, \
         prequal_due, publicity_ends FROM rem_sections WHERE section_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// When `org_id` became a party of the section (`None`: it is not one).
pub(crate) async fn party_since(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<Timestamp>> {
    Ok(sqlx::query_scalar::<_, At>(
        "SELECT registered_at FROM rem_parties WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?
    .map(Timestamp::from))
}

#[derive(sqlx::FromRow)]
pub(crate) struct PartySectionRow {
    pub(crate) section_id: String,
    pub(crate) project_code: String,
}

/// The sections `org` is a party of, newest first.
pub(crate) async fn sections_of_party(
    db: &ggzy_store::Db,
    org: &str,
) -> Result<Vec<PartySectionRow>> {
    Ok(sqlx::query_as(
        "SELECT p.section_id, s.project_code FROM rem_parties p \
         JOIN rem_sections s ON s.section_id = p.section_id \
         WHERE p.org_id = $1 ORDER BY p.registered_at DESC, p.section_id",
    )
    .bind(org)
    .fetch_all(db.pool())
    .await?)
}

pub(crate) async fn section_code(db: &ggzy_store::Db, section_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT project_code FROM rem_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(db.pool())
            .await?,
    )
}
