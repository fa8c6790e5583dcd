//! `mon_sections`, `mon_bids`, `mon_sessions` and `mon_orgs`: monitoring's own copies of the
//! sections, their opening records, the venue sessions and the organizations' names.

use ggzy_core::sql::{At, Flag, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};

/// Makes sure a section row exists (an area may tell about a section monitoring has not seen).
pub(crate) async fn ensure(
    tx: &mut Tx,
    section_id: &str,
    project_id: Option<&str>,
    market: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO mon_sections (section_id, project_id, market, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (section_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(project_id)
    .bind(market)
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The opening time, unless one is known already.
pub(crate) async fn set_opening_if_unknown(
    tx: &mut Tx,
    section_id: &str,
    opening_at: Timestamp,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE mon_sections SET opened_at = COALESCE(opened_at, $1), updated_at = $2 WHERE section_id = $3")
        .bind(to_micros(opening_at))
        .bind(to_micros(now))
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The opening time, as the opening record tells it.
pub(crate) async fn set_opened(
    tx: &mut Tx,
    section_id: &str,
    opened: Timestamp,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE mon_sections SET opened_at = $1, updated_at = $2 WHERE section_id = $3")
        .bind(to_micros(opened))
        .bind(to_micros(now))
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The first bid's time, unless one is known already.
pub(crate) async fn set_first_bid(
    tx: &mut Tx,
    section_id: &str,
    at: Timestamp,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE mon_sections SET first_bid_at = COALESCE(first_bid_at, $1), updated_at = $2 WHERE section_id = $3")
        .bind(to_micros(at))
        .bind(to_micros(now))
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// When the section's documents were issued (the row must exist).
pub(crate) async fn docs_issue_at(tx: &mut Tx, section_id: &str) -> Result<Option<Timestamp>> {
    Ok(sqlx::query_scalar::<_, MaybeAt>(
        "SELECT docs_issue_at FROM mon_sections WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?
    .into())
}

/// The deadline moved (and the opening, when the event tells it).
pub(crate) async fn set_deadline(
    tx: &mut Tx,
    section_id: &str,
    (bid_deadline, opening_at): (Timestamp, Option<Timestamp>),
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE mon_sections SET bid_deadline = $1, opening_at = COALESCE($2, opening_at), updated_at = $3 WHERE section_id = $4")
        .bind(to_micros(bid_deadline))
        .bind(opening_at.map(to_micros))
        .bind(to_micros(now))
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The award as `projects.award.confirmed` tells it.
pub(crate) struct Award<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) winner_org_id: &'a str,
    pub(crate) award_fen: Option<i64>,
    pub(crate) awarded_at: Timestamp,
    pub(crate) award_event_id: &'a str,
    /// Kept when the section's market is known already.
    pub(crate) market: Option<&'a str>,
    pub(crate) now: Timestamp,
}

pub(crate) async fn set_award(tx: &mut Tx, a: Award<'_>) -> Result<()> {
    sqlx::query(
        "UPDATE mon_sections SET winner_org_id = $1, award_fen = $2, awarded_at = $3, award_event_id = $4, \
         market = COALESCE(market, $5), updated_at = $6 WHERE section_id = $7",
    )
    .bind(a.winner_org_id)
    .bind(a.award_fen)
    .bind(to_micros(a.awarded_at))
    .bind(a.award_event_id)
    .bind(a.market)
    .bind(to_micros(a.now))
    .bind(a.section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The section's estimate and tenderer.
#[derive(sqlx::FromRow)]
pub(crate) struct EstimateRow {
    pub(crate) estimate_fen: Option<i64>,
    pub(crate) tenderer: Option<String>,
}

/// The section's estimate and tenderer (the row must exist).
pub(crate) async fn estimate(tx: &mut Tx, section_id: &str) -> Result<EstimateRow> {
    Ok(
        sqlx::query_as("SELECT estimate_fen, tenderer FROM mon_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// The section's tenderer (the row must exist).
pub(crate) async fn tenderer(tx: &mut Tx, section_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT tenderer FROM mon_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// An award of a section, with its event.
#[derive(sqlx::FromRow)]
pub(crate) struct AwardEventRow {
    pub(crate) section_id: String,
    pub(crate) award_event_id: Option<String>,
}

/// The sections of `tenderer` awarded to `winner` in `[since, until]`, oldest first.
pub(crate) async fn awards_to(
    tx: &mut Tx,
    (tenderer, winner): (&str, &str),
    since: Timestamp,
    until: Timestamp,
) -> Result<Vec<AwardEventRow>> {
    Ok(sqlx::query_as(
        "SELECT section_id, award_event_id FROM mon_sections WHERE tenderer = $1 AND winner_org_id = $2 \
         AND awarded_at >= $3 AND awarded_at <= $4 ORDER BY awarded_at, section_id",
    )
    .bind(tenderer)
    .bind(winner)
    .bind(to_micros(since))
    .bind(to_micros(until))
    .fetch_all(&mut **tx)
    .await?)
}

/// The section's project, when known.
pub(crate) async fn project_id(tx: &mut Tx, section_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT project_id FROM mon_sections WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .flatten())
}

/// The section's procedure, when known.
pub(crate) async fn procedure(tx: &mut Tx, section_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT procedure FROM mon_sections WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .flatten())
}

/// What people call a section.
#[derive(sqlx::FromRow)]
pub(crate) struct LabelRow {
    pub(crate) project_code: Option<String>,
    pub(crate) project_name: Option<String>,
    pub(crate) section_name: Option<String>,
}

pub(crate) async fn label(db: &Db, section_id: &str) -> Result<Option<LabelRow>> {
    Ok(sqlx::query_as(
        "SELECT project_code, project_name, section_name FROM mon_sections WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(db.pool())
    .await?)
}

/// Forgets the section's opening record (a new one replaces it).
pub(crate) async fn delete_bids(tx: &mut Tx, section_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM mon_bids WHERE section_id = $1")
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One entry of an opening record (`event_id`: the record's event).
pub(crate) struct NewBid<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) org_name: &'a str,
    pub(crate) price_fen: Option<i64>,
    pub(crate) valid: bool,
    pub(crate) event_id: &'a str,
}

pub(crate) async fn insert_bid(tx: &mut Tx, b: NewBid<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO mon_bids (section_id, org_id, org_name, price_fen, valid, event_id) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (section_id, org_id) DO NOTHING",
    )
    .bind(b.section_id)
    .bind(b.org_id)
    .bind(b.org_name)
    .bind(b.price_fen)
    .bind(Flag(b.valid))
    .bind(b.event_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A `mon_bids` row.
#[derive(sqlx::FromRow)]
pub(crate) struct BidRow {
    pub(crate) org_id: String,
    pub(crate) org_name: String,
    pub(crate) price_fen: Option<i64>,
    #[sqlx(try_from = "Flag")]
    pub(crate) valid: bool,
    pub(crate) event_id: String,
}

/// The section's opening record, by organization.
pub(crate) async fn bids(tx: &mut Tx, section_id: &str) -> Result<Vec<BidRow>> {
    Ok(sqlx::query_as("SELECT org_id, org_name, price_fen, valid, event_id FROM mon_bids WHERE section_id = $1 ORDER BY org_id")
        .bind(section_id)
        .fetch_all(&mut **tx)
        .await?)
}

/// A venue session (blank kind: keep the known one; `None`: keep the known section and room).
pub(crate) struct NewSession<'a> {
    pub(crate) session_id: &'a str,
    pub(crate) section_id: Option<String>,
    pub(crate) kind: &'a str,
    pub(crate) room_name: Option<String>,
    pub(crate) starts_at: Timestamp,
    pub(crate) ends_at: Timestamp,
}

pub(crate) async fn upsert_session(tx: &mut Tx, s: NewSession<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO mon_sessions (session_id, section_id, kind, room_name, starts_at, ends_at, cancelled) \
         VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT (session_id) DO UPDATE SET \
         section_id = COALESCE(excluded.section_id, mon_sessions.section_id), \
         kind = CASE WHEN excluded.kind = '' THEN mon_sessions.kind ELSE excluded.kind END, \
         room_name = COALESCE(excluded.room_name, mon_sessions.room_name), starts_at = excluded.starts_at, \
         ends_at = excluded.ends_at",
    )
    .bind(s.session_id)
    .bind(s.section_id)
    .bind(s.kind)
    .bind(s.room_name)
    .bind(to_micros(s.starts_at))
    .bind(to_micros(s.ends_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn cancel_session(tx: &mut Tx, session_id: &str) -> Result<()> {
    sqlx::query("UPDATE mon_sessions SET cancelled = 1 WHERE session_id = $1")
        .bind(session_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The section of a session, when known.
pub(crate) async fn session_section(tx: &mut Tx, session_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT section_id FROM mon_sessions WHERE session_id = $1",
    )
    .bind(session_id)
    .fetch_optional(&mut **tx)
    .await?
    .flatten())
}

/// An organization's name and kind.
#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: Option<String>,
}

/// Every organization monitoring knows.
pub(crate) async fn orgs(db: &Db) -> Result<Vec<OrgRow>> {
    Ok(sqlx::query_as("SELECT id, name, kind FROM mon_orgs")
        .fetch_all(db.pool())
        .await?)
}

/// A section opening in a period (dashboard).
#[derive(sqlx::FromRow)]
pub(crate) struct OpeningRow {
    pub(crate) section_id: Option<String>,
    pub(crate) section_name: Option<String>,
    pub(crate) project_code: Option<String>,
    #[sqlx(try_from = "At")]
    pub(crate) opening_at: Timestamp,
}

/// The sections opening in `[from, to)`, in order.
pub(crate) async fn openings_between(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<OpeningRow>> {
    Ok(sqlx::query_as(
        "SELECT section_id, section_name, project_code, opening_at FROM mon_sections \
         WHERE opening_at >= $1 AND opening_at < $2 ORDER BY opening_at, section_id",
    )
    .bind(to_micros(from))
    .bind(to_micros(to))
    .fetch_all(db.pool())
    .await?)
}

/// A session with its section (dashboard).
#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    pub(crate) section_id: Option<String>,
    pub(crate) section_name: Option<String>,
    pub(crate) project_code: Option<String>,
    #[sqlx(try_from = "At")]
    pub(crate) starts_at: Timestamp,
    pub(crate) room_name: Option<String>,
    pub(crate) kind: String,
    #[sqlx(try_from = "At")]
    pub(crate) ends_at: Timestamp,
}

/// The sessions not cancelled that overlap `[from, to)`, in order.
pub(crate) async fn sessions_between(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT s.section_id, m.section_name, m.project_code, s.starts_at, s.room_name, s.kind, s.ends_at \
         FROM mon_sessions s LEFT JOIN mon_sections m ON m.section_id = s.section_id \
         WHERE s.cancelled = 0 AND s.starts_at < $2 AND s.ends_at > $1 ORDER BY s.starts_at, s.session_id",
    )
    .bind(to_micros(from))
    .bind(to_micros(to))
    .fetch_all(db.pool())
    .await?)
}

/// A section for the statistics.
#[derive(sqlx::FromRow)]
pub(crate) struct SectionStatRow {
    pub(crate) section_id: String,
    pub(crate) section_name: Option<String>,
    pub(crate) market: Option<String>,
    pub(crate) estimate_fen: Option<i64>,
    pub(crate) award_fen: Option<i64>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) awarded_at: Option<Timestamp>,
}

/// Every section, by id.
pub(crate) async fn for_stats(db: &Db) -> Result<Vec<SectionStatRow>> {
    Ok(sqlx::query_as(
        "SELECT section_id, section_name, market, estimate_fen, award_fen, awarded_at FROM mon_sections ORDER BY section_id",
    )
    .fetch_all(db.pool())
    .await?)
}

/// A section opened in a period (daily report).
#[derive(sqlx::FromRow)]
pub(crate) struct OpenedRow {
    pub(crate) section_id: String,
    pub(crate) section_name: Option<String>,
    #[sqlx(try_from = "At")]
    pub(crate) opened_at: Timestamp,
}

pub(crate) async fn opened_between(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<OpenedRow>> {
    Ok(sqlx::query_as(
        "SELECT section_id, section_name, opened_at FROM mon_sections WHERE opened_at >= $1 AND opened_at < $2 ORDER BY opened_at",
    )
    .bind(to_micros(from))
    .bind(to_micros(to))
    .fetch_all(db.pool())
    .await?)
}

/// A section awarded in a period (daily report).
#[derive(sqlx::FromRow)]
pub(crate) struct AwardRow {
    pub(crate) section_id: String,
    pub(crate) market: Option<String>,
    pub(crate) award_fen: Option<i64>,
}

pub(crate) async fn awarded_between(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<AwardRow>> {
    Ok(sqlx::query_as(
        "SELECT section_id, market, award_fen FROM mon_sections WHERE awarded_at >= $1 AND awarded_at < $2 ORDER BY awarded_at",
    )
    .bind(to_micros(from))
    .bind(to_micros(to))
    .fetch_all(db.pool())
    .await?)
}
