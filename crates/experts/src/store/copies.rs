//! The area's copies of other areas' facts, kept by the `experts.events` consumer:
//! `expert_orgs` (identity's organizations, written through [`ggzy_store::copies::OrgCopy`]),
//! `expert_users` (identity's accounts), `expert_sections` and `expert_section_bidders` (the
//! sections' parties, publicity and result), `expert_section_names` (what the draw pages show)
//! and `expert_section_terms` (market, procedure and budget).

use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};

// ---------------------------------------------------------------------------------------------
// expert_orgs, expert_users.

/// The USCC of the organization `org_id`.
pub(crate) async fn org_uscc(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT uscc FROM expert_orgs WHERE id = $1")
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Record (or refresh) a user account of `identity.user.created`.
pub(crate) async fn upsert_user(
    tx: &mut Tx,
    id: &str,
    username: &str,
    role: &str,
    org_id: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_users (id, username, role, org_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET username = excluded.username, role = excluded.role, \
         org_id = excluded.org_id",
    )
    .bind(id)
    .bind(username)
    .bind(role)
    .bind(org_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Has the account `user_id` arrived (outside any transaction)?
pub(crate) async fn user_known(db: &Db, user_id: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM expert_users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?
        .is_some())
}

/// The role of the account `user_id`.
pub(crate) async fn user_role(tx: &mut Tx, user_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT role FROM expert_users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// The username of the account `user_id`.
pub(crate) async fn username(tx: &mut Tx, user_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT username FROM expert_users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

// ---------------------------------------------------------------------------------------------
// expert_sections, expert_section_bidders.

/// One section's parties as the experts area keeps them (avoidance screens by them).
pub(crate) struct SectionParties<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) project_id: &'a str,
    pub(crate) tenderer_uscc: &'a str,
    pub(crate) owner_org_id: &'a str,
}

/// Record (or refresh) the section's project and parties.
pub(crate) async fn upsert_section(tx: &mut Tx, s: SectionParties<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_sections (section_id, project_id, tenderer_uscc, owner_org_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (section_id) DO UPDATE SET project_id = excluded.project_id, \
         tenderer_uscc = excluded.tenderer_uscc, owner_org_id = excluded.owner_org_id",
    )
    .bind(s.section_id)
    .bind(s.project_id)
    .bind(s.tenderer_uscc)
    .bind(s.owner_org_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The section's result is determined at `at` (a section not known yet is recorded with it).
pub(crate) async fn mark_determined(
    tx: &mut Tx,
    section_id: &str,
    project_id: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_sections (section_id, project_id, tenderer_uscc, determined_at) \
         VALUES ($1, $2, '', $3) ON CONFLICT (section_id) DO UPDATE SET determined_at = excluded.determined_at",
    )
    .bind(section_id)
    .bind(project_id)
    .bind(to_micros(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The section's evaluation result is publicized from `at` (a section not known yet is recorded
/// with it).
pub(crate) async fn mark_publicized(
    tx: &mut Tx,
    section_id: &str,
    project_id: Option<&str>,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_sections (section_id, project_id, tenderer_uscc, publicized_at) \
         VALUES ($1, $2, '', $3) ON CONFLICT (section_id) DO UPDATE SET publicized_at = excluded.publicized_at",
    )
    .bind(section_id)
    .bind(project_id)
    .bind(to_micros(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// When the section's result was determined: `None` for a section not known, `Some(None)` for
/// one not determined yet.
pub(crate) async fn determined_at(db: &Db, section_id: &str) -> Result<Option<Option<i64>>> {
    Ok(
        sqlx::query_scalar("SELECT determined_at FROM expert_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// When the section's evaluation result was publicized (as [`determined_at`]).
pub(crate) async fn publicized_at(db: &Db, section_id: &str) -> Result<Option<Option<i64>>> {
    Ok(
        sqlx::query_scalar("SELECT publicized_at FROM expert_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// A section's tenderer and owner (its organization's USCC and kind, when known).
#[derive(sqlx::FromRow)]
pub(crate) struct SectionPartiesRow {
    pub(crate) tenderer_uscc: String,
    pub(crate) owner_uscc: Option<String>,
    pub(crate) owner_kind: Option<String>,
}

pub(crate) async fn section_parties(
    tx: &mut Tx,
    section_id: &str,
) -> Result<Option<SectionPartiesRow>> {
    Ok(sqlx::query_as(
        "SELECT s.tenderer_uscc, o.uscc AS owner_uscc, o.kind AS owner_kind FROM expert_sections s \
         LEFT JOIN expert_orgs o ON o.id = s.owner_org_id WHERE s.section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// A bidder registered for the section (once).
pub(crate) async fn add_section_bidder(tx: &mut Tx, section_id: &str, uscc: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_section_bidders (section_id, uscc) VALUES ($1, $2) \
         ON CONFLICT (section_id, uscc) DO NOTHING",
    )
    .bind(section_id)
    .bind(uscc)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The registered bidders of the section, by USCC.
pub(crate) async fn section_bidders(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT uscc FROM expert_section_bidders WHERE section_id = $1 ORDER BY uscc",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// expert_section_names, expert_section_terms.

/// A section's names as the draw pages show them.
#[derive(sqlx::FromRow)]
pub(crate) struct SectionNameRow {
    pub(crate) project_code: Option<String>,
    pub(crate) project_name: String,
    pub(crate) section_name: String,
}

/// The names of the section (outside any transaction).
pub(crate) async fn section_names(db: &Db, section_id: &str) -> Result<Option<SectionNameRow>> {
    Ok(sqlx::query_as(
        "SELECT project_code, project_name, section_name FROM expert_section_names WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(db.pool())
    .await?)
}

/// A row of `expert_section_terms` (the budget a decimal string, as projects announced it).
#[derive(sqlx::FromRow)]
pub(crate) struct TermsRow {
    pub(crate) market: String,
    pub(crate) procedure: String,
    pub(crate) budget: Option<String>,
}

pub(crate) async fn terms(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<TermsRow>> {
    Ok(sqlx::query_as(
        "SELECT market, procedure, budget FROM expert_section_terms WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}
