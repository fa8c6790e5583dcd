//! `ocds_releases` (the OCDS releases as served, keyed by their process, migrations 0012 and
//! 0125) and `publishing_ocds_bids` (the bids an opening release published, per section and
//! organization, migration 0125).

use ggzy_core::sql::Json;
use ggzy_core::Result;
use ggzy_store::filter::Filter;
use ggzy_store::{Db, Tx};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// ocds_releases.

/// A release to store (its ocid is the process key; the prefix is added when served).
pub(crate) struct NewRelease<'a> {
    pub(crate) id: &'a str,
    pub(crate) process: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) market: &'a str,
    pub(crate) tag: &'a str,
    pub(crate) released_at: i64,
    pub(crate) release: &'a Value,
    /// What the release comes from: the same source stores nothing twice.
    pub(crate) source: &'a str,
}

/// Store a release, unless one from the same source is stored.
pub(crate) async fn insert_release(tx: &mut Tx, r: NewRelease<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO ocds_releases (id, ocid, section_id, market, tag, released_at, release, source) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (source) DO NOTHING",
    )
    .bind(r.id)
    .bind(r.process)
    .bind(r.section_id)
    .bind(r.market)
    .bind(r.tag)
    .bind(r.released_at)
    .bind(r.release.to_string())
    .bind(r.source)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored release (the JSON text is read by its column).
#[derive(sqlx::FromRow)]
pub(crate) struct ReleaseRow {
    pub(crate) id: String,
    pub(crate) ocid: String,
    pub(crate) released_at: i64,
    pub(crate) release: Json<Value>,
}

/// The releases the filter selects, oldest first, at most `limit` (the filter's conditions are
/// constant SQL; its values are bound).
pub(crate) async fn releases(db: &Db, filter: &Filter, limit: i64) -> Result<Vec<ReleaseRow>> {
    let sql = format!(
        "SELECT id, ocid, released_at, release FROM ocds_releases{} \
         ORDER BY released_at, id LIMIT {limit}",
        filter.where_clause()
    );
    let q = filter.bind_as(sqlx::query_as::<_, ReleaseRow>(&sql));
    Ok(q.fetch_all(db.pool()).await?)
}

/// Every release of a process, oldest first.
pub(crate) async fn releases_of_process(db: &Db, process: &str) -> Result<Vec<Json<Value>>> {
    Ok(sqlx::query_scalar(
        "SELECT release FROM ocds_releases WHERE ocid = $1 ORDER BY released_at, id",
    )
    .bind(process)
    .fetch_all(db.pool())
    .await?)
}

/// The process a former section ocid moved to (releases keyed by the section before migration
/// 0125 re-keyed them by project).
pub(crate) async fn moved_process(db: &Db, section_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT ocid FROM ocds_releases WHERE section_id = $1 AND ocid <> $1 LIMIT 1",
    )
    .bind(section_id)
    .fetch_optional(db.pool())
    .await?)
}

// ---------------------------------------------------------------------------------------------
// publishing_ocds_bids.

/// A bid's state as its releases show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BidStatus {
    Valid,
    Disqualified,
}

impl BidStatus {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            BidStatus::Valid => "valid",
            BidStatus::Disqualified => "disqualified",
        }
    }
    fn parse(s: &str) -> std::result::Result<BidStatus, &'static str> {
        match s {
            "valid" => Ok(BidStatus::Valid),
            "disqualified" => Ok(BidStatus::Disqualified),
            _ => Err("valid or disqualified"),
        }
    }
}

ggzy_core::text_enum!(BidStatus, BidStatus::parse, BidStatus::as_str);

/// The states of the section's published bids (no order).
pub(crate) async fn bid_statuses(tx: &mut Tx, section_id: &str) -> Result<Vec<BidStatus>> {
    Ok(
        sqlx::query_scalar("SELECT status FROM publishing_ocds_bids WHERE section_id = $1")
            .bind(section_id)
            .fetch_all(&mut **tx)
            .await?,
    )
}

/// A bid of an opening release.
pub(crate) struct NewBid<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) process: &'a str,
    pub(crate) bid_id: &'a str,
    pub(crate) party_id: &'a str,
    pub(crate) party_name: &'a str,
    pub(crate) status: BidStatus,
}

/// Record a bid of an opening, unless the organization's bid on the section is recorded.
pub(crate) async fn insert_bid(tx: &mut Tx, b: NewBid<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO publishing_ocds_bids (section_id, org_id, project_id, bid_id, party_id, \
         party_name, status) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (section_id, org_id) DO NOTHING",
    )
    .bind(b.section_id)
    .bind(b.org_id)
    .bind(b.process)
    .bind(b.bid_id)
    .bind(b.party_id)
    .bind(b.party_name)
    .bind(b.status.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A tenderer party of a process.
#[derive(sqlx::FromRow)]
pub(crate) struct PartyRow {
    pub(crate) party_id: String,
    pub(crate) party_name: String,
}

/// The distinct tenderer parties of the process's bids, by id.
pub(crate) async fn parties_of_process(tx: &mut Tx, process: &str) -> Result<Vec<PartyRow>> {
    Ok(sqlx::query_as(
        "SELECT party_id, MIN(party_name) AS party_name FROM publishing_ocds_bids WHERE project_id = $1 \
         GROUP BY party_id ORDER BY party_id",
    )
    .bind(process)
    .fetch_all(&mut **tx)
    .await?)
}

/// The organization's bid on the section is disqualified; how many rows changed (0: never
/// published).
pub(crate) async fn disqualify_bid(tx: &mut Tx, section_id: &str, org_id: &str) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE publishing_ocds_bids SET status = 'disqualified' WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The organization's published bid on the section (its bid id and party name).
#[derive(sqlx::FromRow)]
pub(crate) struct BidRow {
    pub(crate) bid_id: String,
    pub(crate) party_name: String,
}

/// The organization's published bid on the section, if any.
pub(crate) async fn bid(tx: &mut Tx, section_id: &str, org_id: &str) -> Result<Option<BidRow>> {
    Ok(sqlx::query_as(
        "SELECT bid_id, party_name FROM publishing_ocds_bids WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The id of the organization's published bid on the section (which must exist).
pub(crate) async fn bid_id(tx: &mut Tx, section_id: &str, org_id: &str) -> Result<String> {
    Ok(sqlx::query_scalar(
        "SELECT bid_id FROM publishing_ocds_bids WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// The party id of the organization's published bid on the section, if any.
pub(crate) async fn party_id(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT party_id FROM publishing_ocds_bids WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut **tx)
    .await?)
}
