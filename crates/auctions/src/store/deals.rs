//! What follows a deal: `auction_deals` (the deal itself, 成交), and for property deals
//! `auction_deal_terms` (publicity and payment terms), `auction_floor_consents` (the approving
//! body's consent to a lower floor on re-listing), `auction_preemptions` and
//! `auction_preemption_shareholders` (the other shareholders' pre-emption decisions).

use crate::preemption::Decision;
use crate::property::{Consent, ConsentView, DealTerms};
use ggzy_core::sql::{At, Flag, MaybeMoney};
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::{Db, Tx};

// auction_deals

/// Is there a deal `deal_id`?
pub(crate) async fn deal_exists(conn: &mut sqlx::AnyConnection, deal_id: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM auction_deals WHERE id = $1")
        .bind(deal_id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

/// The section and the winner of a deal.
#[derive(sqlx::FromRow)]
pub(crate) struct DealPartiesRow {
    pub(crate) section_id: String,
    pub(crate) winner_org_id: String,
}

pub(crate) async fn deal_parties(tx: &mut Tx, deal_id: &str) -> Result<DealPartiesRow> {
    Ok(
        sqlx::query_as("SELECT section_id, winner_org_id FROM auction_deals WHERE id = $1")
            .bind(deal_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// The market of the auction a deal closed, if the deal is known.
pub(crate) async fn market_of_deal(tx: &mut Tx, deal_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT a.market FROM auction_deals d JOIN auctions a ON a.id = d.auction_id WHERE d.id = $1",
    )
    .bind(deal_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// A listing with its deal, if any: what the steps after a property deal start from.
#[derive(sqlx::FromRow)]
pub(crate) struct DealRow {
    pub market: String,
    pub phase: crate::rules::Phase,
    pub section_id: String,
    pub project_id: String,
    pub deal_id: Option<String>,
    pub price_fen: Option<i64>,
    pub winner_number: Option<String>,
}

/// The listing `auction_id` and its deal, if the listing is known.
pub(crate) async fn listing_with_deal(db: &Db, auction_id: &str) -> Result<Option<DealRow>> {
    Ok(sqlx::query_as(
        "SELECT a.market, a.phase, a.section_id, a.project_id, d.id AS deal_id, d.price_fen, d.winner_number \
         FROM auctions a LEFT JOIN auction_deals d ON d.auction_id = a.id WHERE a.id = $1",
    )
    .bind(auction_id)
    .fetch_optional(db.pool())
    .await?)
}

// auction_deal_terms

/// A deal's recorded terms, with the deal price.
#[derive(sqlx::FromRow)]
pub(crate) struct TermsRow {
    pub(crate) deal_id: String,
    pub(crate) auction_id: String,
    pub(crate) price_fen: Money,
    #[sqlx(try_from = "At")]
    pub(crate) publicity_start: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) publicity_end: Timestamp,
    pub(crate) contract_effective_on: String,
    pub(crate) payment: String,
    #[sqlx(try_from = "MaybeMoney")]
    pub(crate) first_payment_fen: Option<Money>,
    pub(crate) balance_due_on: Option<String>,
    pub(crate) security: Option<String>,
    pub(crate) recorded_by: String,
    #[sqlx(try_from = "At")]
    pub(crate) recorded_at: Timestamp,
}

/// The terms recorded for the deal of auction `auction_id`, if any.
pub(crate) async fn terms_of_auction(
    conn: &mut sqlx::AnyConnection,
    auction_id: &str,
) -> Result<Option<TermsRow>> {
    Ok(sqlx::query_as(
        "SELECT t.deal_id, t.auction_id, d.price_fen, t.publicity_start, t.publicity_end, \
         t.contract_effective_on, t.payment, t.first_payment_fen, t.balance_due_on, t.security, \
         t.recorded_by, t.recorded_at FROM auction_deal_terms t \
         JOIN auction_deals d ON d.id = t.deal_id WHERE t.auction_id = $1",
    )
    .bind(auction_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Record a deal's terms once; `false` when they were already recorded.
pub(crate) async fn insert_terms(
    tx: &mut Tx,
    deal_id: &str,
    auction_id: &str,
    t: &DealTerms,
    recorded_by: &str,
    at: Timestamp,
) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO auction_deal_terms (deal_id, auction_id, publicity_start, publicity_end, \
         contract_effective_on, payment, first_payment_fen, balance_due_on, security, recorded_by, \
         recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (deal_id) DO NOTHING",
    )
    .bind(deal_id)
    .bind(auction_id)
    .bind(At(t.publicity_start))
    .bind(At(t.publicity_end))
    .bind(t.contract_effective_on.to_string())
    .bind(&t.payment)
    .bind(t.first_payment_fen)
    .bind(t.balance_due_on.map(|d| d.to_string()))
    .bind(&t.security)
    .bind(recorded_by)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

// auction_floor_consents

/// Store the consent of re-listing `relist_id`.
pub(crate) async fn insert_consent(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    auction_id: &str,
    relist_id: &str,
    c: &Consent,
    recorded_by: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO auction_floor_consents (id, auction_id, relist_id, approving_body, signed_by, \
         consented_on, file_name, sha256, size_bytes, content_b64, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(auction_id)
    .bind(relist_id)
    .bind(&c.approving_body)
    .bind(&c.signed_by)
    .bind(c.consented_on.to_string())
    .bind(&c.file_name)
    .bind(&c.sha256)
    .bind(c.size_bytes)
    .bind(&c.content_b64)
    .bind(recorded_by)
    .bind(At(at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The consent recorded with re-listing `relist_id`, if any.
pub(crate) async fn consent_of_relist(
    conn: &mut sqlx::AnyConnection,
    relist_id: &str,
) -> Result<Option<ConsentView>> {
    Ok(sqlx::query_as(
        "SELECT approving_body, signed_by, consented_on, file_name, sha256, size_bytes, recorded_by \
         FROM auction_floor_consents WHERE relist_id = $1",
    )
    .bind(relist_id)
    .fetch_optional(&mut *conn)
    .await?)
}

// auction_preemptions, auction_preemption_shareholders

/// Who bought by the deal's pre-emption record (`shareholders` or `auction_winner`), if recorded.
pub(crate) async fn preemption_buyer(
    conn: &mut sqlx::AnyConnection,
    deal_id: &str,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT buyer FROM auction_preemptions WHERE deal_id = $1")
            .bind(deal_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// A deal's pre-emption record, with the deal's winner number.
#[derive(sqlx::FromRow)]
pub(crate) struct PreemptionRow {
    pub(crate) deal_id: String,
    pub(crate) buyer: String,
    pub(crate) price_fen: Money,
    pub(crate) recorded_by: String,
    #[sqlx(try_from = "At")]
    pub(crate) recorded_at: Timestamp,
    pub(crate) winner_number: Option<String>,
}

pub(crate) async fn preemption_of_auction(
    conn: &mut sqlx::AnyConnection,
    auction_id: &str,
) -> Result<Option<PreemptionRow>> {
    Ok(sqlx::query_as(
        "SELECT p.deal_id, p.buyer, p.price_fen, p.recorded_by, p.recorded_at, d.winner_number \
         FROM auction_preemptions p JOIN auction_deals d ON d.id = p.deal_id \
         WHERE p.auction_id = $1",
    )
    .bind(auction_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// One shareholder's decision as recorded.
#[derive(sqlx::FromRow)]
pub(crate) struct ShareholderRow {
    pub(crate) name: String,
    pub(crate) uscc: Option<String>,
    pub(crate) decision: String,
    pub(crate) decided_on: String,
    pub(crate) file_name: String,
    pub(crate) sha256: String,
    pub(crate) size_bytes: i64,
    #[sqlx(try_from = "MaybeMoney")]
    pub(crate) share_bp: Option<Money>,
    #[sqlx(try_from = "MaybeMoney")]
    pub(crate) amount_fen: Option<Money>,
    #[sqlx(try_from = "Flag")]
    pub(crate) deemed: bool,
}

/// The shareholders' decisions of a deal, in the order given.
pub(crate) async fn shareholders(
    conn: &mut sqlx::AnyConnection,
    deal_id: &str,
) -> Result<Vec<ShareholderRow>> {
    Ok(sqlx::query_as(
        "SELECT name, uscc, decision, decided_on, file_name, sha256, size_bytes, share_bp, \
         amount_fen, deemed FROM auction_preemption_shareholders WHERE deal_id = $1 ORDER BY position",
    )
    .bind(deal_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Record a deal's pre-emption once; `false` when it was already recorded.
pub(crate) async fn insert_preemption(
    tx: &mut Tx,
    deal_id: &str,
    auction_id: &str,
    buyer: &str,
    price_fen: i64,
    recorded_by: &str,
    at: Timestamp,
) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO auction_preemptions (deal_id, auction_id, buyer, price_fen, recorded_by, \
         recorded_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (deal_id) DO NOTHING",
    )
    .bind(deal_id)
    .bind(auction_id)
    .bind(buyer)
    .bind(price_fen)
    .bind(recorded_by)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// One shareholder's decision (`position`: its place in the input).
pub(crate) async fn insert_shareholder(
    tx: &mut Tx,
    deal_id: &str,
    position: i32,
    d: &Decision,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO auction_preemption_shareholders (deal_id, position, name, uscc, decision, \
         decided_on, file_name, sha256, size_bytes, content_b64, share_bp, amount_fen, deemed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(deal_id)
    .bind(position)
    .bind(&d.name)
    .bind(&d.uscc)
    .bind(if d.exercised { "exercised" } else { "waived" })
    .bind(d.decided_on.to_string())
    .bind(&d.file_name)
    .bind(&d.sha256)
    .bind(d.size_bytes)
    .bind(&d.content_b64)
    .bind(d.share_bp)
    .bind(d.amount_fen)
    .bind(Flag(d.deemed))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A new deal (成交确认书).
pub(crate) struct NewDeal<'a> {
    pub(crate) id: &'a str,
    pub(crate) auction_id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) winner_org_id: &'a str,
    pub(crate) winner_number: &'a str,
    pub(crate) price_fen: i64,
    /// `listing`, `auction` or `onsite`.
    pub(crate) via: &'a str,
    pub(crate) confirmed_at: Timestamp,
}

pub(crate) async fn insert_deal(tx: &mut Tx, d: &NewDeal<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO auction_deals (id, auction_id, section_id, winner_org_id, winner_number, price_fen, via, confirmed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(d.id)
    .bind(d.auction_id)
    .bind(d.section_id)
    .bind(d.winner_org_id)
    .bind(d.winner_number)
    .bind(d.price_fen)
    .bind(d.via)
    .bind(At(d.confirmed_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `org_id`'s deal confirmation of auction `auction_id`, if it won.
pub(crate) async fn deal_of_winner(
    db: &Db,
    auction_id: &str,
    org_id: &str,
) -> Result<Option<crate::workbench::DealConfirmation>> {
    Ok(sqlx::query_as(
        "SELECT id, auction_id, section_id, winner_number, price_fen, via, confirmed_at \
         FROM auction_deals WHERE auction_id = $1 AND winner_org_id = $2",
    )
    .bind(auction_id)
    .bind(org_id)
    .fetch_optional(db.pool())
    .await?)
}
