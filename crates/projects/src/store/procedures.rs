//! `procedure_stages` (procedures as data, migration 0185), `section_invitees` and
//! `section_interested_parties` (migration 0186), with the section and project columns the
//! procedure stages read.

use crate::model::SectionState;
use crate::rules::Procedure;
use ggzy_core::ident::Market;
use ggzy_core::sql::{At, Flag};
use ggzy_core::{Result, Timestamp};
use ggzy_store::Tx;

// procedure_stages

const STAGE_COLS: &str =
    "market, procedure, seq, stage, period_days, period_working, period_from, min_count, source";

/// A `procedure_stages` row ([`STAGE_COLS`]).
#[derive(sqlx::FromRow)]
pub(crate) struct ProcedureStageRow {
    pub(crate) market: String,
    pub(crate) procedure: String,
    pub(crate) seq: i64,
    pub(crate) stage: String,
    pub(crate) period_days: Option<i64>,
    #[sqlx(try_from = "Flag")]
    pub(crate) period_working: bool,
    pub(crate) period_from: Option<String>,
    pub(crate) min_count: Option<i64>,
    pub(crate) source: String,
}

/// The stages of a procedure of a market, in order.
pub(crate) async fn stages(
    conn: &mut sqlx::AnyConnection,
    market: Market,
    procedure: Procedure,
) -> Result<Vec<ProcedureStageRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {STAGE_COLS} FROM procedure_stages WHERE market = $1 AND procedure = $2 ORDER BY seq"
    ))
    .bind(market.as_str())
    .bind(procedure.as_str())
    .fetch_all(&mut *conn)
    .await?)
}

/// Every stage of every procedure, by market, procedure and order.
pub(crate) async fn all_stages(db: &ggzy_store::Db) -> Result<Vec<ProcedureStageRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {STAGE_COLS} FROM procedure_stages ORDER BY market, procedure, seq"
    ))
    .fetch_all(db.pool())
    .await?)
}

// sections and projects

/// The section and project columns of [`section_info`].
#[derive(sqlx::FromRow)]
pub(crate) struct SectionInfoRow {
    pub(crate) project_id: String,
    pub(crate) market: Market,
    pub(crate) procedure: Procedure,
    pub(crate) owner_org_id: String,
    pub(crate) tenderer_uscc: String,
    pub(crate) state: SectionState,
}

/// The section with its project.
pub(crate) async fn section_info(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<SectionInfoRow>> {
    Ok(sqlx::query_as(
        "SELECT s.id, s.project_id, p.market, p.procedure, p.owner_org_id, p.tenderer_uscc, s.state \
         FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The same, with `lock` the engine's lock clause (`Db::for_update`, known only at run time
/// here: the callers hold the `Db`).
pub(crate) async fn section_info_locked(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    lock: &str,
) -> Result<Option<SectionInfoRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT s.id, s.project_id, p.market, p.procedure, p.owner_org_id, p.tenderer_uscc, s.state \
         FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = $1{lock}"
    ))
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

// section_invitees

/// A `section_invitees` row.
#[derive(sqlx::FromRow)]
pub(crate) struct InviteeRow {
    pub(crate) uscc: String,
    pub(crate) name: String,
    #[sqlx(try_from = "At")]
    pub(crate) invited_at: Timestamp,
}

/// The section's invitees in the order invited.
pub(crate) async fn invitees(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<InviteeRow>> {
    Ok(sqlx::query_as(
        "SELECT uscc, name, invited_at FROM section_invitees WHERE section_id = $1 ORDER BY invited_at, uscc",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Remove the section's invitees (the list is issued again).
pub(crate) async fn delete_invitees(tx: &mut Tx, section_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM section_invitees WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn insert_invitee(
    tx: &mut Tx,
    section_id: &str,
    uscc: &str,
    name: &str,
    by: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO section_invitees (section_id, uscc, name, invited_by, invited_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(section_id)
    .bind(uscc)
    .bind(name)
    .bind(by)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Is the organization invited to the section?
pub(crate) async fn is_invitee(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    uscc: &str,
) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM section_invitees WHERE section_id = $1 AND uscc = $2")
            .bind(section_id)
            .bind(uscc)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

/// How many organizations the section invites.
pub(crate) async fn invitee_count(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM section_invitees WHERE section_id = $1")
            .bind(section_id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

// section_interested_parties

/// The organizations declared as interested parties of the section.
pub(crate) async fn interested_usccs(tx: &mut Tx, section_id: &str) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT uscc FROM section_interested_parties WHERE section_id = $1")
            .bind(section_id)
            .fetch_all(&mut **tx)
            .await?,
    )
}

/// Is the organization a declared interested party of the section?
pub(crate) async fn is_interested_party(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    uscc: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT relation FROM section_interested_parties WHERE section_id = $1 AND uscc = $2",
    )
    .bind(section_id)
    .bind(uscc)
    .fetch_optional(&mut *conn)
    .await?
    .is_some())
}

/// An interested party as declared.
pub(crate) struct NewInterestedParty<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) uscc: &'a str,
    pub(crate) relation: &'a str,
    pub(crate) detail: Option<&'a str>,
    pub(crate) declared_by: &'a str,
    pub(crate) declared_at: Timestamp,
}

/// Declare the party unless it is declared on the section; the rows changed (0 or 1).
pub(crate) async fn insert_interested_party(tx: &mut Tx, p: NewInterestedParty<'_>) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO section_interested_parties (section_id, uscc, relation, detail, declared_by, declared_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (section_id, uscc) DO NOTHING",
    )
    .bind(p.section_id)
    .bind(p.uscc)
    .bind(p.relation)
    .bind(p.detail)
    .bind(p.declared_by)
    .bind(At(p.declared_at))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// A `section_interested_parties` row.
#[derive(sqlx::FromRow)]
pub(crate) struct InterestedPartyRow {
    pub(crate) uscc: String,
    pub(crate) relation: String,
    pub(crate) detail: Option<String>,
    #[sqlx(try_from = "At")]
    pub(crate) declared_at: Timestamp,
}

/// The section's interested parties in the order declared.
pub(crate) async fn interested_parties(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<InterestedPartyRow>> {
    Ok(sqlx::query_as(
        "SELECT uscc, relation, detail, declared_at FROM section_interested_parties \
         WHERE section_id = $1 ORDER BY declared_at, uscc",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}
