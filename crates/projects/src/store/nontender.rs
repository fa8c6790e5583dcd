//! The non-tender methods' tables: `negotiation_rounds` (migration 0190), `nontender_lots` (0176),
//! `nontender_exceptions`, `nontender_invitations` and `nontender_invitees` (0247), with what the
//! methods read of `sections`, `bids`, `section_review_rejections` and
//! `section_interested_parties`.

use ggzy_core::sql::{At, Flag};
use ggzy_core::{Result, Timestamp};
use ggzy_store::Tx;

// sections and bids

/// The section's subject code, if any (the section exists).
pub(crate) async fn subject(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT subject FROM sections WHERE id = $1")
            .bind(section_id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// The section's budget (estimated price), fen (the section exists).
pub(crate) async fn budget_fen(tx: &mut Tx, section_id: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT estimated_price_fen FROM sections WHERE id = $1")
            .bind(section_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// An opened response's supplier and price.
#[derive(sqlx::FromRow)]
pub(crate) struct OpenedQuoteRow {
    pub(crate) org_id: String,
    pub(crate) price_fen: Option<i64>,
}

/// The opened (decrypted) current responses not rejected in the review, by organization.
pub(crate) async fn opened_quotes(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<OpenedQuoteRow>> {
    Ok(sqlx::query_as(
        "SELECT b.org_id, b.price_fen FROM bids b WHERE b.section_id = $1 AND b.status = 'current' \
         AND b.decryption = 'decrypted' AND NOT EXISTS (SELECT 1 FROM section_review_rejections r \
         WHERE r.section_id = b.section_id AND r.org_id = b.org_id) ORDER BY b.org_id",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The organizations the tenderer declared as interested parties of the section.
pub(crate) async fn interested_usccs(tx: &mut Tx, section_id: &str) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT uscc FROM section_interested_parties WHERE section_id = $1")
            .bind(section_id)
            .fetch_all(&mut **tx)
            .await?,
    )
}

// negotiation_rounds

/// A row of `negotiation_rounds`; `quotes` is JSON text `[[org_id, fen], …]`.
#[derive(sqlx::FromRow)]
pub(crate) struct RoundRow {
    pub(crate) round_no: i64,
    pub(crate) notes: String,
    pub(crate) quotes: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) final_round: bool,
    pub(crate) recorded_by: String,
    #[sqlx(try_from = "At")]
    pub(crate) recorded_at: Timestamp,
}

/// The section's rounds in order.
pub(crate) async fn rounds(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<RoundRow>> {
    Ok(sqlx::query_as(
        "SELECT round_no, notes, quotes, final_round, recorded_by, recorded_at FROM negotiation_rounds \
         WHERE section_id = $1 ORDER BY round_no",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// A round as recorded (`quotes`: JSON text).
pub(crate) struct NewRound<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) round_no: i64,
    pub(crate) notes: &'a str,
    pub(crate) quotes: &'a str,
    pub(crate) final_round: bool,
    pub(crate) recorded_by: &'a str,
    pub(crate) recorded_at: Timestamp,
}

pub(crate) async fn insert_round(tx: &mut Tx, r: NewRound<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO negotiation_rounds (section_id, round_no, notes, quotes, final_round, \
         recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.section_id)
    .bind(r.round_no)
    .bind(r.notes)
    .bind(r.quotes)
    .bind(Flag(r.final_round))
    .bind(r.recorded_by)
    .bind(At(r.recorded_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// nontender_lots

/// Store a fresh lot seed unless the section has one.
pub(crate) async fn insert_lot(
    tx: &mut Tx,
    section_id: &str,
    seed: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO nontender_lots (section_id, seed, drawn_at) VALUES ($1, $2, $3) \
         ON CONFLICT (section_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(seed)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The section's lot seed (drawn).
pub(crate) async fn lot_seed(tx: &mut Tx, section_id: &str) -> Result<String> {
    Ok(
        sqlx::query_scalar("SELECT seed FROM nontender_lots WHERE section_id = $1")
            .bind(section_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

// nontender_exceptions

/// The ground code of the section's declared 2-supplier exception, if any.
pub(crate) async fn exception_ground(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT ground FROM nontender_exceptions WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Declare the exception unless one is declared; the rows changed (0 or 1).
pub(crate) async fn insert_exception(
    tx: &mut Tx,
    section_id: &str,
    ground: &str,
    reason: &str,
    by: &str,
    at: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO nontender_exceptions (section_id, ground, reason, declared_by, declared_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (section_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(ground)
    .bind(reason)
    .bind(by)
    .bind(At(at))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// A `nontender_exceptions` row.
#[derive(sqlx::FromRow)]
pub(crate) struct ExceptionRow {
    pub(crate) ground: String,
    pub(crate) reason: String,
    #[sqlx(try_from = "At")]
    pub(crate) declared_at: Timestamp,
}

pub(crate) async fn exception(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<ExceptionRow>> {
    Ok(sqlx::query_as(
        "SELECT ground, reason, declared_at FROM nontender_exceptions WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

// nontender_invitations and nontender_invitees

/// The method code of the section's declared invitation, if any.
pub(crate) async fn invitation_method(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT method FROM nontender_invitations WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Remove the section's invitation and its invitees (invitees first).
pub(crate) async fn delete_invitation(tx: &mut Tx, section_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM nontender_invitees WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM nontender_invitations WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An invitation as declared (`pool_suppliers`: JSON text).
pub(crate) struct NewInvitation<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) method: &'a str,
    pub(crate) pool: Option<&'a str>,
    pub(crate) pool_suppliers: Option<String>,
    pub(crate) seed: Option<&'a str>,
    pub(crate) draw_count: Option<i64>,
    pub(crate) declared_by: &'a str,
    pub(crate) declared_at: Timestamp,
}

pub(crate) async fn insert_invitation(tx: &mut Tx, i: NewInvitation<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO nontender_invitations (section_id, method, pool, pool_suppliers, seed, \
         draw_count, declared_by, declared_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(i.section_id)
    .bind(i.method)
    .bind(i.pool)
    .bind(i.pool_suppliers)
    .bind(i.seed)
    .bind(i.draw_count)
    .bind(i.declared_by)
    .bind(At(i.declared_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An invited supplier as recorded.
pub(crate) struct NewInvitee<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) uscc: &'a str,
    pub(crate) name: &'a str,
    pub(crate) source: &'a str,
    pub(crate) recommender: Option<&'a str>,
    pub(crate) draw_key: Option<&'a str>,
    pub(crate) invited_at: Timestamp,
}

pub(crate) async fn insert_invitee(tx: &mut Tx, i: NewInvitee<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO nontender_invitees (section_id, uscc, name, source, recommender, \
         draw_key, invited_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(i.section_id)
    .bind(i.uscc)
    .bind(i.name)
    .bind(i.source)
    .bind(i.recommender)
    .bind(i.draw_key)
    .bind(At(i.invited_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A `nontender_invitations` row.
#[derive(sqlx::FromRow)]
pub(crate) struct InvitationRow {
    pub(crate) method: String,
    pub(crate) pool: Option<String>,
    pub(crate) pool_suppliers: Option<String>,
    pub(crate) seed: Option<String>,
    pub(crate) draw_count: Option<i64>,
}

pub(crate) async fn invitation(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<InvitationRow>> {
    Ok(sqlx::query_as(
        "SELECT method, pool, pool_suppliers, seed, draw_count FROM nontender_invitations \
         WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A `nontender_invitees` row.
#[derive(sqlx::FromRow)]
pub(crate) struct InviteeRow {
    pub(crate) uscc: String,
    pub(crate) name: String,
    pub(crate) source: String,
    pub(crate) recommender: Option<String>,
    pub(crate) draw_key: Option<String>,
}

/// The section's invitees by draw key.
pub(crate) async fn invitees(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<InviteeRow>> {
    Ok(sqlx::query_as(
        "SELECT uscc, name, source, recommender, draw_key FROM nontender_invitees \
         WHERE section_id = $1 ORDER BY draw_key, uscc",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Is the organization invited to the section?
pub(crate) async fn is_invitee(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    uscc: &str,
) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM nontender_invitees WHERE section_id = $1 AND uscc = $2")
            .bind(section_id)
            .bind(uscc)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}
