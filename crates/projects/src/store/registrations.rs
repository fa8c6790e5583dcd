//! Who may bid: `project_orgs` (the area's copy of organizations), `section_registrations`
//! (投标报名), `org_relations` (declared controlling relations) and `sanctions` (the sanctions list).

use crate::rules::SanctionKind;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::sql::{At, Day, MaybeDay};
use ggzy_core::time::to_micros;
use ggzy_core::Result;
use ggzy_store::Db;
use sqlx::AnyConnection;

// project_orgs

/// An organization as registration reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    pub(crate) id: String,
    pub(crate) uscc: String,
    pub(crate) name: String,
}

/// The area's copy of organization `id`.
pub(crate) async fn org(conn: &mut AnyConnection, id: &str) -> Result<Option<OrgRow>> {
    Ok(
        sqlx::query_as("SELECT id, uscc, name FROM project_orgs WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

// section_registrations

/// The registration of `org_id` for the section, if any.
pub(crate) async fn registration_id(
    conn: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM section_registrations WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Lock the bidder's registration row (it orders the bidder's own uploads); its id, if any.
pub(crate) async fn lock_registration(
    conn: &mut AnyConnection,
    db: &Db,
    section_id: &str,
    org_id: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT id FROM section_registrations WHERE section_id = $1 AND org_id = $2{}",
        db.for_update()
    ))
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A new registration.
pub(crate) struct NewRegistration<'a> {
    pub(crate) id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) uscc: &'a str,
    pub(crate) org_name: &'a str,
    pub(crate) registered_by: &'a str,
    pub(crate) at: DateTime<Utc>,
}

/// Insert a registration (the unique key `section_registrations_org_key` refuses a second one;
/// the caller maps it).
pub(crate) async fn insert_registration(
    conn: &mut AnyConnection,
    r: &NewRegistration<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO section_registrations (id, section_id, org_id, uscc, org_name, registered_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.id)
    .bind(r.section_id)
    .bind(r.org_id)
    .bind(r.uscc)
    .bind(r.org_name)
    .bind(r.registered_by)
    .bind(to_micros(r.at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A row of `section_registrations` as the registration list reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct RegistrationRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) org_id: String,
    pub(crate) uscc: String,
    pub(crate) org_name: String,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: DateTime<Utc>,
}

/// The section's registrations, oldest first; only `own`'s when `own` is not empty.
pub(crate) async fn registrations(
    conn: &mut AnyConnection,
    section_id: &str,
    own: &str,
) -> Result<Vec<RegistrationRow>> {
    Ok(sqlx::query_as(
        "SELECT id, section_id, org_id, uscc, org_name, created_at FROM section_registrations \
         WHERE section_id = $1 AND ($2 = '' OR org_id = $2) ORDER BY created_at, id",
    )
    .bind(section_id)
    .bind(own)
    .fetch_all(&mut *conn)
    .await?)
}

/// How many organizations registered for the section.
pub(crate) async fn registration_count(conn: &mut AnyConnection, section_id: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM section_registrations WHERE section_id = $1")
            .bind(section_id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// A registered bidder as the joint-bidding bar sees it.
#[derive(sqlx::FromRow)]
pub(crate) struct PartyRow {
    pub(crate) org_id: String,
    pub(crate) uscc: String,
    pub(crate) legal_representative_id: Option<String>,
}

/// The section's registered bidders with their legal representatives, oldest first.
pub(crate) async fn parties(conn: &mut AnyConnection, section_id: &str) -> Result<Vec<PartyRow>> {
    Ok(sqlx::query_as(
        "SELECT g.org_id, g.uscc, o.legal_representative_id FROM section_registrations g \
         LEFT JOIN project_orgs o ON o.id = g.org_id WHERE g.section_id = $1 ORDER BY g.created_at, g.id",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

// org_relations

/// A verified relation between two registered bidders.
#[derive(sqlx::FromRow)]
pub(crate) struct VerifiedRelationRow {
    pub(crate) org_id: String,
    pub(crate) related_uscc: String,
}

/// Verified relations declared by a registered bidder of the section about another one.
pub(crate) async fn verified_relations_among_registered(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Vec<VerifiedRelationRow>> {
    Ok(sqlx::query_as(
        "SELECT r.org_id, r.related_uscc FROM org_relations r \
         JOIN section_registrations g ON g.org_id = r.org_id AND g.section_id = $1 \
         JOIN section_registrations h ON h.uscc = r.related_uscc AND h.section_id = $1 \
         WHERE r.status = 'verified'",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// A declared relation.
#[derive(sqlx::FromRow)]
pub(crate) struct RelationRow {
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) related_uscc: String,
    pub(crate) kind: String,
    pub(crate) status: String,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: DateTime<Utc>,
}

const RELATION_COLS: &str = "id, org_id, related_uscc, kind, status, created_at";

/// The organization's relations, oldest first.
pub(crate) async fn relations_of(db: &Db, org_id: &str) -> Result<Vec<RelationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RELATION_COLS} FROM org_relations WHERE org_id = $1 ORDER BY created_at, id"
    ))
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

/// Relation `id` of the organization, locked.
pub(crate) async fn relation_for_update(
    conn: &mut AnyConnection,
    db: &Db,
    org_id: &str,
    id: &str,
) -> Result<Option<RelationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RELATION_COLS} FROM org_relations WHERE id = $1 AND org_id = $2{}",
        db.for_update()
    ))
    .bind(id)
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Staff verified the relation.
pub(crate) async fn verify_relation(
    conn: &mut AnyConnection,
    id: &str,
    reviewed_by: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE org_relations SET status = 'verified', reviewed_by = $1, reviewed_at = $2 WHERE id = $3",
    )
    .bind(reviewed_by)
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn delete_relation(conn: &mut AnyConnection, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM org_relations WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A new relation (`reviewed_by` set when declared by staff, then verified at once).
pub(crate) struct NewRelation<'a> {
    pub(crate) id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) related_uscc: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) declared_by: &'a str,
    pub(crate) at: DateTime<Utc>,
    pub(crate) status: &'a str,
    pub(crate) reviewed_by: Option<&'a str>,
}

/// Insert a relation (the unique key `org_relations_pair_key` refuses a duplicate; the caller
/// maps it).
pub(crate) async fn insert_relation(conn: &mut AnyConnection, r: &NewRelation<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO org_relations (id, org_id, related_uscc, kind, declared_by, created_at, status, \
         reviewed_by, reviewed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(r.id)
    .bind(r.org_id)
    .bind(r.related_uscc)
    .bind(r.kind)
    .bind(r.declared_by)
    .bind(to_micros(r.at))
    .bind(r.status)
    .bind(r.reviewed_by)
    .bind(r.reviewed_by.map(|_| to_micros(r.at)))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// sanctions

/// A `sanctions` row.
#[derive(sqlx::FromRow)]
pub(crate) struct SanctionRow {
    pub(crate) id: String,
    pub(crate) uscc: String,
    pub(crate) kind: SanctionKind,
    pub(crate) reason: String,
    pub(crate) source_document: String,
    pub(crate) from_date: Day,
    pub(crate) to_date: Day,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: DateTime<Utc>,
    /// `all` or the markets, comma-separated.
    pub(crate) markets: String,
    #[sqlx(try_from = "MaybeDay")]
    pub(crate) ended_last_day: Option<NaiveDate>,
    pub(crate) end_reason: Option<String>,
}

const SANCTION_COLS: &str =
    "id, uscc, kind, reason, source_document, from_date, to_date, created_at, markets, ended_last_day, end_reason";

/// The sanctions of an organization, by first day.
pub(crate) async fn sanctions_of(conn: &mut AnyConnection, uscc: &str) -> Result<Vec<SanctionRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SANCTION_COLS} FROM sanctions WHERE uscc = $1 ORDER BY from_date"
    ))
    .bind(uscc)
    .fetch_all(&mut *conn)
    .await?)
}

/// A new sanction (`markets`: `all` or the markets, comma-separated).
pub(crate) struct NewSanction<'a> {
    pub(crate) id: &'a str,
    pub(crate) uscc: &'a str,
    pub(crate) kind: SanctionKind,
    pub(crate) reason: &'a str,
    pub(crate) source_document: &'a str,
    pub(crate) from: NaiveDate,
    pub(crate) to: NaiveDate,
    pub(crate) created_by: &'a str,
    pub(crate) at: DateTime<Utc>,
    pub(crate) markets: &'a str,
}

pub(crate) async fn insert_sanction(conn: &mut AnyConnection, s: &NewSanction<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO sanctions (id, uscc, kind, reason, source_document, from_date, to_date, created_by, created_at, markets) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(s.id)
    .bind(s.uscc)
    .bind(s.kind.as_str())
    .bind(s.reason)
    .bind(s.source_document)
    .bind(s.from.to_string())
    .bind(s.to.to_string())
    .bind(s.created_by)
    .bind(to_micros(s.at))
    .bind(s.markets)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sanction `id`, locked.
pub(crate) async fn sanction_for_update(
    conn: &mut AnyConnection,
    db: &Db,
    id: &str,
) -> Result<Option<SanctionRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SANCTION_COLS} FROM sanctions WHERE id = $1{}",
        db.for_update()
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// End the sanction early unless it already was; the rows changed (0 or 1).
pub(crate) async fn end_sanction(
    conn: &mut AnyConnection,
    id: &str,
    last_day: NaiveDate,
    reason: &str,
    ended_by: &str,
    at: DateTime<Utc>,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE sanctions SET ended_last_day = $1, end_reason = $2, ended_by = $3, ended_at = $4 \
         WHERE id = $5 AND ended_last_day IS NULL",
    )
    .bind(last_day.to_string())
    .bind(reason)
    .bind(ended_by)
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// The newest 1000 sanctions, of one organization when `uscc` is given.
pub(crate) async fn latest_sanctions(db: &Db, uscc: Option<&str>) -> Result<Vec<SanctionRow>> {
    Ok(match uscc {
        Some(u) => {
            sqlx::query_as(&format!(
                "SELECT {SANCTION_COLS} FROM sanctions WHERE uscc = $1 \
                 ORDER BY created_at DESC, id DESC LIMIT 1000"
            ))
            .bind(u)
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query_as(&format!(
                "SELECT {SANCTION_COLS} FROM sanctions ORDER BY created_at DESC, id DESC LIMIT 1000"
            ))
            .fetch_all(db.pool())
            .await?
        }
    })
}
