//! The land market's own steps: `land_listing_terms` (eligibility review and continuation, 39号令
//! 第二十条), `land_eligibility` (竞买资格确认), `land_continue_requests` (要求继续竞价),
//! `land_announcements` and `land_relist_approvals` (re-listing, 39号令 第十条), and
//! `land_contracts`, `land_contract_payments`, `land_contract_overdue` (the contract step after a
//! deal, 国土资发〔2010〕34号).

use crate::land::Terms;
use chrono::NaiveDate;
use ggzy_core::sql::{At, Day, Flag, MaybeDay};
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::{Db, Tx};

// land_listing_terms

pub(crate) async fn insert_terms(tx: &mut Tx, auction_id: &str, t: &Terms) -> Result<()> {
    sqlx::query(
        "INSERT INTO land_listing_terms (auction_id, eligibility_review, continuation) VALUES ($1, $2, $3)",
    )
    .bind(auction_id)
    .bind(Flag(t.eligibility_review))
    .bind(t.continuation.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The listing's land terms, if it has any (any executor).
pub(crate) async fn terms<'e, E>(exec: E, auction_id: &str) -> Result<Option<Terms>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as(
        "SELECT eligibility_review, continuation FROM land_listing_terms WHERE auction_id = $1",
    )
    .bind(auction_id)
    .fetch_optional(exec)
    .await?)
}

// land_eligibility

/// Confirm `org_id`'s eligibility once; `false` when it was already confirmed.
pub(crate) async fn insert_eligibility(
    tx: &mut Tx,
    auction_id: &str,
    org_id: &str,
    confirmed_by: &str,
    at: Timestamp,
) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO land_eligibility (auction_id, org_id, confirmed_by, confirmed_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (auction_id, org_id) DO NOTHING",
    )
    .bind(auction_id)
    .bind(org_id)
    .bind(confirmed_by)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The bidder numbers of the section whose eligibility for the listing is confirmed, in order.
pub(crate) async fn eligible_numbers(
    conn: &mut sqlx::AnyConnection,
    auction_id: &str,
    section_id: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT b.number FROM land_eligibility x JOIN auction_bidders b ON b.org_id = x.org_id \
         AND b.section_id = $2 WHERE x.auction_id = $1 AND b.number IS NOT NULL ORDER BY b.number",
    )
    .bind(auction_id)
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// How many numbered bidders of the section had their eligibility confirmed at or before `at`.
pub(crate) async fn eligible_count_at(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    auction_id: &str,
    at: Timestamp,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM auction_bidders b WHERE b.section_id = $1 \
         AND b.number IS NOT NULL AND EXISTS (SELECT 1 FROM land_eligibility e \
         WHERE e.auction_id = $2 AND e.org_id = b.org_id AND e.confirmed_at <= $3)",
    )
    .bind(section_id)
    .bind(auction_id)
    .bind(At(at))
    .fetch_one(&mut *conn)
    .await?)
}

// land_continue_requests

/// Did a bidder that quoted in the round, other than `leader_org_id`, ask to continue?
pub(crate) async fn continue_asked(
    tx: &mut Tx,
    auction_id: &str,
    round: i64,
    leader_org_id: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 FROM land_continue_requests c WHERE c.auction_id = $1 AND c.round = $2 \
         AND c.org_id <> $3 AND EXISTS (SELECT 1 FROM auction_bids b WHERE b.auction_id = c.auction_id \
         AND b.round = c.round AND b.org_id = c.org_id)",
    )
    .bind(auction_id)
    .bind(round)
    .bind(leader_org_id)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

/// The bidder numbers of the section that asked to continue in the round, in order.
pub(crate) async fn continue_numbers(
    conn: &mut sqlx::AnyConnection,
    auction_id: &str,
    section_id: &str,
    round: i64,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT b.number FROM land_continue_requests x JOIN auction_bidders b ON b.org_id = x.org_id \
         AND b.section_id = $2 WHERE x.auction_id = $1 AND x.round = $3 AND b.number IS NOT NULL ORDER BY b.number",
    )
    .bind(auction_id)
    .bind(section_id)
    .bind(round)
    .fetch_all(&mut *conn)
    .await?)
}

/// Did `org_id` quote in the round? (`auction_bids`)
pub(crate) async fn quoted_in_round(
    tx: &mut Tx,
    auction_id: &str,
    round: i64,
    org_id: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 FROM auction_bids WHERE auction_id = $1 AND round = $2 AND org_id = $3",
    )
    .bind(auction_id)
    .bind(round)
    .bind(org_id)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

/// Note `org_id`'s request to continue once; `false` when it was already noted.
pub(crate) async fn insert_continue_request(
    tx: &mut Tx,
    auction_id: &str,
    round: i64,
    org_id: &str,
    at: Timestamp,
) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO land_continue_requests (auction_id, round, org_id, requested_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (auction_id, round, org_id) DO NOTHING",
    )
    .bind(auction_id)
    .bind(round)
    .bind(org_id)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

// land_announcements, land_relist_approvals

/// Keep a land transfer announcement of a section once.
pub(crate) async fn insert_announcement(
    tx: &mut Tx,
    section_id: &str,
    announcement_id: &str,
    published_at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO land_announcements (section_id, announcement_id, published_at) VALUES ($1, $2, $3) \
         ON CONFLICT (section_id, announcement_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(announcement_id)
    .bind(At(published_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The latest announcement of the section published after `after` (µs), if any.
pub(crate) async fn latest_announcement_after(
    db: &Db,
    section_id: &str,
    after: Timestamp,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT MAX(published_at) FROM land_announcements WHERE section_id = $1 AND published_at > $2",
    )
    .bind(section_id)
    .bind(At(after))
    .fetch_one(db.pool())
    .await?)
}

/// The government's approval of a re-listing's lower starting price.
pub(crate) async fn insert_relist_approval(
    tx: &mut Tx,
    relist_id: &str,
    auction_id: &str,
    document: &str,
    approved_by: &str,
    recorded_by: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO land_relist_approvals (relist_id, auction_id, document, approved_by, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(relist_id)
    .bind(auction_id)
    .bind(document)
    .bind(approved_by)
    .bind(recorded_by)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// land_contracts, land_contract_payments, land_contract_overdue

/// A `land_contracts` row as stored ([`CONTRACT_COLS`]).
#[derive(sqlx::FromRow)]
pub(crate) struct ContractRow {
    pub(crate) deal_id: String,
    pub(crate) auction_id: String,
    pub(crate) section_id: String,
    #[sqlx(rename = "winner_org_id")]
    pub(crate) winner: String,
    #[sqlx(rename = "price_fen")]
    pub(crate) price: i64,
    #[sqlx(try_from = "At")]
    pub(crate) deal_at: Timestamp,
    #[sqlx(rename = "sign_due_date", try_from = "Day")]
    pub(crate) sign_due: NaiveDate,
    pub(crate) contract_no: Option<String>,
    #[sqlx(try_from = "MaybeDay")]
    pub(crate) signed_on: Option<NaiveDate>,
    #[sqlx(rename = "first_due_date", try_from = "MaybeDay")]
    pub(crate) first_due: Option<NaiveDate>,
    #[sqlx(rename = "final_due_date", try_from = "MaybeDay")]
    pub(crate) final_due: Option<NaiveDate>,
    #[sqlx(rename = "paid_fen")]
    pub(crate) paid: i64,
}

/// The columns of a contract as [`ContractRow`] reads them.
const CONTRACT_COLS: &str =
    "deal_id, auction_id, section_id, winner_org_id, price_fen, deal_at, sign_due_date, \
                    contract_no, signed_on, first_due_date, final_due_date, paid_fen";

/// A deal's contract as it opens (not signed, nothing paid).
pub(crate) struct NewContract<'a> {
    pub(crate) deal_id: &'a str,
    pub(crate) auction_id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) winner: &'a str,
    pub(crate) price_fen: i64,
    pub(crate) deal_at: Timestamp,
    pub(crate) sign_due: NaiveDate,
}

/// Open the contract of a deal.
pub(crate) async fn insert_contract(tx: &mut Tx, c: &NewContract<'_>) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO land_contracts ({CONTRACT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, NULL, NULL, 0)"
    ))
    .bind(c.deal_id)
    .bind(c.auction_id)
    .bind(c.section_id)
    .bind(c.winner)
    .bind(c.price_fen)
    .bind(At(c.deal_at))
    .bind(Day(c.sign_due))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The latest contract of the auction (`lock`: the engine's lock clause or "").
pub(crate) async fn contract_of_auction(
    conn: &mut sqlx::AnyConnection,
    auction_id: &str,
    lock: &str,
) -> Result<Option<ContractRow>> {
    Ok(sqlx::query_as::<_, ContractRow>(&format!(
        "SELECT {CONTRACT_COLS} FROM land_contracts WHERE auction_id = $1 ORDER BY deal_at DESC LIMIT 1{lock}"
    ))
    .bind(auction_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The contract of a deal, locked.
pub(crate) async fn contract_of_deal_locked(
    tx: &mut Tx,
    db: &Db,
    deal_id: &str,
) -> Result<Option<ContractRow>> {
    Ok(sqlx::query_as::<_, ContractRow>(&format!(
        "SELECT {CONTRACT_COLS} FROM land_contracts WHERE deal_id = $1{}",
        db.for_update()
    ))
    .bind(deal_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The signed contract: its number, signing day and the payment due days.
pub(crate) async fn sign(
    tx: &mut Tx,
    deal_id: &str,
    contract_no: &str,
    signed_on: NaiveDate,
    signed_by: &str,
    first_due: NaiveDate,
    final_due: NaiveDate,
) -> Result<()> {
    sqlx::query(
        "UPDATE land_contracts SET contract_no = $1, signed_on = $2, signed_by = $3, first_due_date = $4, \
         final_due_date = $5 WHERE deal_id = $6",
    )
    .bind(contract_no)
    .bind(Day(signed_on))
    .bind(signed_by)
    .bind(Day(first_due))
    .bind(Day(final_due))
    .bind(deal_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A recorded payment of the price (of a land contract, or of a property deal's schedule).
#[derive(sqlx::FromRow)]
pub(crate) struct PaymentRow {
    pub(crate) amount_fen: Money,
    pub(crate) paid_on: String,
}

/// The contract's payments, by value date and recording.
pub(crate) async fn payments(
    conn: &mut sqlx::AnyConnection,
    deal_id: &str,
) -> Result<Vec<PaymentRow>> {
    Ok(sqlx::query_as(
        "SELECT amount_fen, paid_on FROM land_contract_payments WHERE deal_id = $1 ORDER BY paid_on, recorded_at",
    )
    .bind(deal_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Record a payment and add it to the contract's paid total.
pub(crate) async fn insert_payment(
    tx: &mut Tx,
    id: &str,
    deal_id: &str,
    amount: Money,
    paid_on: NaiveDate,
    recorded_by: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO land_contract_payments (id, deal_id, amount_fen, paid_on, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(deal_id)
    .bind(amount)
    .bind(Day(paid_on))
    .bind(recorded_by)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE land_contracts SET paid_fen = paid_fen + $1 WHERE deal_id = $2")
        .bind(amount)
        .bind(deal_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What was paid by the end of `due` (value dates on or before it; nothing without a due day).
pub(crate) async fn paid_by(tx: &mut Tx, deal_id: &str, due: Option<NaiveDate>) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM land_contract_payments WHERE deal_id = $1 AND paid_on <= $2",
    )
    .bind(deal_id)
    .bind(due.map(|d| d.to_string()).unwrap_or_default())
    .fetch_one(&mut **tx)
    .await?)
}

/// The steps found overdue, in the order raised.
pub(crate) async fn overdue_steps(
    conn: &mut sqlx::AnyConnection,
    deal_id: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT step FROM land_contract_overdue WHERE deal_id = $1 ORDER BY raised_at, step",
    )
    .bind(deal_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Note a step overdue once; `false` when it was already noted.
pub(crate) async fn insert_overdue(
    tx: &mut Tx,
    deal_id: &str,
    step: &str,
    at: Timestamp,
) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO land_contract_overdue (deal_id, step, raised_at) VALUES ($1, $2, $3) \
         ON CONFLICT (deal_id, step) DO NOTHING",
    )
    .bind(deal_id)
    .bind(step)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}
