//! `mon_traces` (what each bidder or expert left on a section: address, device, file creator,
//! payer account, registrations, bids, draws, low ratings) and `mon_deposits` (deposits received
//! and released per bidder).

use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};

/// The organizations that left a trace of `kind` on the section (each once).
pub(crate) async fn distinct_orgs(
    tx: &mut Tx,
    section_id: &str,
    kind: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT org_id FROM mon_traces WHERE section_id = $1 AND kind = $2",
    )
    .bind(section_id)
    .bind(kind)
    .fetch_all(&mut **tx)
    .await?)
}

/// A trace (a repeat keeps the first).
pub(crate) struct NewTrace<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) value: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) event_id: &'a str,
    pub(crate) at: Timestamp,
}

pub(crate) async fn insert(tx: &mut Tx, t: NewTrace<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO mon_traces (section_id, kind, value, org_id, event_id, at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (section_id, kind, value, org_id) DO NOTHING",
    )
    .bind(t.section_id)
    .bind(t.kind)
    .bind(t.value)
    .bind(t.org_id)
    .bind(t.event_id)
    .bind(to_micros(t.at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Who left a trace, and in which event.
#[derive(sqlx::FromRow)]
pub(crate) struct TraceRow {
    pub(crate) org_id: String,
    pub(crate) event_id: String,
}

/// The traces of one kind and value on the section, oldest first.
pub(crate) async fn same(
    tx: &mut Tx,
    section_id: &str,
    kind: &str,
    value: &str,
) -> Result<Vec<TraceRow>> {
    Ok(sqlx::query_as(
        "SELECT org_id, event_id FROM mon_traces WHERE section_id = $1 AND kind = $2 AND value = $3 ORDER BY at, org_id",
    )
    .bind(section_id)
    .bind(kind)
    .bind(value)
    .fetch_all(&mut **tx)
    .await?)
}

/// The events of the expert's low ratings since `since`, oldest first.
pub(crate) async fn low_ratings_since(
    tx: &mut Tx,
    expert_id: &str,
    since: Timestamp,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT event_id FROM mon_traces WHERE kind = 'low_rating' AND value = $1 AND at >= $2 ORDER BY at, event_id",
    )
    .bind(expert_id)
    .bind(to_micros(since))
    .fetch_all(&mut **tx)
    .await?)
}

/// A section of the tenderer the expert was drawn for, with the first such event.
#[derive(sqlx::FromRow)]
pub(crate) struct ExpertSectionRow {
    pub(crate) section_id: String,
    pub(crate) event_id: String,
}

/// The tenderer's sections the expert was drawn for since `since`, by section.
pub(crate) async fn expert_sections(
    tx: &mut Tx,
    (expert_id, tenderer): (&str, &str),
    since: Timestamp,
) -> Result<Vec<ExpertSectionRow>> {
    Ok(sqlx::query_as(
        "SELECT t.section_id, MIN(t.event_id) AS event_id FROM mon_traces t JOIN mon_sections m ON m.section_id = t.section_id \
         WHERE t.kind = 'expert' AND t.value = $1 AND m.tenderer = $2 AND t.at >= $3 \
         GROUP BY t.section_id ORDER BY t.section_id",
    )
    .bind(expert_id)
    .bind(tenderer)
    .bind(to_micros(since))
    .fetch_all(&mut **tx)
    .await?)
}

/// A bidder of a section (registered or bid).
#[derive(sqlx::FromRow)]
pub(crate) struct BidderRow {
    pub(crate) section_id: String,
    pub(crate) org_id: String,
}

/// Every (section, organization) that registered or bid.
pub(crate) async fn bidders(db: &Db) -> Result<Vec<BidderRow>> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT section_id, org_id FROM mon_traces WHERE kind IN ('registration', 'bid')",
    )
    .fetch_all(db.pool())
    .await?)
}

/// Adds money received and released to a bidder's deposit of a section.
pub(crate) async fn deposit_add(
    tx: &mut Tx,
    (section_id, org_id): (&str, &str),
    received_fen: i64,
    released_fen: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO mon_deposits (section_id, org_id, received_fen, released_fen) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (section_id, org_id) DO UPDATE SET received_fen = mon_deposits.received_fen + excluded.received_fen, \
         released_fen = mon_deposits.released_fen + excluded.released_fen",
    )
    .bind(section_id)
    .bind(org_id)
    .bind(received_fen)
    .bind(released_fen)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A bidder's deposit as monitoring counts it.
#[derive(sqlx::FromRow)]
pub(crate) struct HeldRow {
    pub(crate) received_fen: i64,
    pub(crate) released_fen: i64,
}

pub(crate) async fn deposits(db: &Db) -> Result<Vec<HeldRow>> {
    Ok(
        sqlx::query_as("SELECT received_fen, released_fen FROM mon_deposits")
            .fetch_all(db.pool())
            .await?,
    )
}
