//! A property deal's price paid: `property_payment_schedules`, `property_payments`,
//! `property_payment_overdue`, `property_deposit_credits` (this area's copy of the converted
//! deposits) and `property_interest_rates` (migration 0250).

use chrono::NaiveDate;
use ggzy_core::sql::{At, Day, MaybeDay};
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::Tx;

/// The columns of a schedule (with its deal's instant) as [`ScheduleRow`] reads them.
const SCHEDULE_COLS: &str =
    "s.deal_id, s.auction_id, s.section_id, s.buyer_org_id, s.price_fen, s.payment, \
    s.contract_effective_on, s.first_due_date, s.first_required_fen, s.balance_due_date, \
    s.interest_rate_id, s.interest_rate_percent, s.interest_day_basis, d.confirmed_at AS deal_at";

/// A deal's payment schedule as stored, with the instant of the deal.
#[derive(sqlx::FromRow)]
pub(crate) struct ScheduleRow {
    pub(crate) deal_id: String,
    pub(crate) auction_id: String,
    pub(crate) section_id: String,
    pub(crate) buyer_org_id: String,
    pub(crate) price_fen: i64,
    /// `lump_sum` or `instalments`.
    pub(crate) payment: String,
    #[sqlx(try_from = "Day")]
    pub(crate) contract_effective_on: NaiveDate,
    #[sqlx(try_from = "Day")]
    pub(crate) first_due_date: NaiveDate,
    pub(crate) first_required_fen: i64,
    #[sqlx(try_from = "MaybeDay")]
    pub(crate) balance_due_date: Option<NaiveDate>,
    pub(crate) interest_rate_id: Option<String>,
    pub(crate) interest_rate_percent: Option<String>,
    pub(crate) interest_day_basis: Option<i64>,
    #[sqlx(try_from = "At")]
    pub(crate) deal_at: Timestamp,
}

/// The deal's schedule (`lock`: the engine's lock clause or "").
pub(crate) async fn schedule(
    conn: &mut sqlx::AnyConnection,
    deal_id: &str,
    lock: &str,
) -> Result<Option<ScheduleRow>> {
    Ok(sqlx::query_as::<_, ScheduleRow>(&format!(
        "SELECT {SCHEDULE_COLS} FROM property_payment_schedules s JOIN auction_deals d ON d.id = s.deal_id \
         WHERE s.deal_id = $1{lock}"
    ))
    .bind(deal_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A new schedule (the rate: the row in force on the contract's effective date, if any).
pub(crate) struct NewSchedule<'a> {
    pub(crate) deal_id: &'a str,
    pub(crate) auction_id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) buyer_org_id: &'a str,
    pub(crate) price_fen: i64,
    pub(crate) payment: &'a str,
    pub(crate) contract_effective_on: NaiveDate,
    pub(crate) first_due_date: NaiveDate,
    pub(crate) first_required_fen: i64,
    pub(crate) balance_due_date: Option<NaiveDate>,
    pub(crate) rate: Option<&'a RateRow>,
    pub(crate) opened_at: Timestamp,
}

pub(crate) async fn insert_schedule(tx: &mut Tx, s: &NewSchedule<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO property_payment_schedules (deal_id, auction_id, section_id, buyer_org_id, \
         price_fen, payment, contract_effective_on, first_due_date, first_required_fen, \
         balance_due_date, interest_rate_id, interest_rate_percent, interest_day_basis, opened_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(s.deal_id)
    .bind(s.auction_id)
    .bind(s.section_id)
    .bind(s.buyer_org_id)
    .bind(s.price_fen)
    .bind(s.payment)
    .bind(Day(s.contract_effective_on))
    .bind(Day(s.first_due_date))
    .bind(s.first_required_fen)
    .bind(s.balance_due_date.map(|d| d.to_string()))
    .bind(s.rate.map(|r| r.id.clone()))
    .bind(s.rate.map(|r| r.annual_rate_percent.clone()))
    .bind(s.rate.map(|r| r.day_basis))
    .bind(At(s.opened_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An amount paid towards the price and its value date.
#[derive(sqlx::FromRow)]
pub(crate) struct PaidRow {
    pub(crate) amount_fen: i64,
    #[sqlx(try_from = "Day")]
    pub(crate) value_date: NaiveDate,
}

/// The recorded payments of the deal (value date: `paid_on`).
pub(crate) async fn payments_paid(
    conn: &mut sqlx::AnyConnection,
    deal_id: &str,
) -> Result<Vec<PaidRow>> {
    Ok(sqlx::query_as(
        "SELECT amount_fen, paid_on AS value_date FROM property_payments WHERE deal_id = $1",
    )
    .bind(deal_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// A recorded payment as the schedule lists it: the same columns as a land contract's.
pub(crate) use super::land::PaymentRow;

/// The recorded payments of the deal, by value date and recording.
pub(crate) async fn payments(
    conn: &mut sqlx::AnyConnection,
    deal_id: &str,
) -> Result<Vec<PaymentRow>> {
    Ok(sqlx::query_as(
        "SELECT amount_fen, paid_on FROM property_payments WHERE deal_id = $1 ORDER BY paid_on, recorded_at",
    )
    .bind(deal_id)
    .fetch_all(&mut *conn)
    .await?)
}

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
        "INSERT INTO property_payments (id, deal_id, amount_fen, paid_on, recorded_by, recorded_at) \
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
    Ok(())
}

/// The buyer's converted deposits of the deal (value date: the conversion day).
pub(crate) async fn deposit_credits(
    conn: &mut sqlx::AnyConnection,
    deal_id: &str,
    org_id: &str,
) -> Result<Vec<PaidRow>> {
    Ok(sqlx::query_as(
        "SELECT amount_fen, converted_on AS value_date FROM property_deposit_credits \
         WHERE deal_id = $1 AND org_id = $2",
    )
    .bind(deal_id)
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Keep a conversion once (a conversion already kept stays).
pub(crate) async fn insert_deposit_credit(
    tx: &mut Tx,
    conversion_id: &str,
    deal_id: &str,
    org_id: &str,
    amount: Money,
    converted_on: NaiveDate,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO property_deposit_credits (conversion_id, deal_id, org_id, amount_fen, \
         converted_on, received_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (conversion_id) DO NOTHING",
    )
    .bind(conversion_id)
    .bind(deal_id)
    .bind(org_id)
    .bind(amount)
    .bind(Day(converted_on))
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The steps found overdue, in the order raised.
pub(crate) async fn overdue_steps(
    conn: &mut sqlx::AnyConnection,
    deal_id: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT step FROM property_payment_overdue WHERE deal_id = $1 ORDER BY raised_at, step",
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
    owed_fen: i64,
    at: Timestamp,
) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO property_payment_overdue (deal_id, step, owed_fen, raised_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (deal_id, step) DO NOTHING",
    )
    .bind(deal_id)
    .bind(step)
    .bind(owed_fen)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A deferred-payment interest rate.
#[derive(sqlx::FromRow)]
pub(crate) struct RateRow {
    pub(crate) id: String,
    pub(crate) annual_rate_percent: String,
    pub(crate) day_basis: i64,
}

/// The one-year LPR in force on `on` (the latest effective on or before it).
pub(crate) async fn rate_in_force(tx: &mut Tx, on: NaiveDate) -> Result<Option<RateRow>> {
    Ok(sqlx::query_as(
        "SELECT id, annual_rate_percent, day_basis FROM property_interest_rates \
         WHERE kind = 'lpr_1y' AND effective_on <= $1 ORDER BY effective_on DESC LIMIT 1",
    )
    .bind(Day(on))
    .fetch_optional(&mut **tx)
    .await?)
}

/// The earliest stored one-year LPR.
pub(crate) async fn earliest_rate(tx: &mut Tx) -> Result<Option<RateRow>> {
    Ok(sqlx::query_as(
        "SELECT id, annual_rate_percent, day_basis FROM property_interest_rates \
         WHERE kind = 'lpr_1y' ORDER BY effective_on LIMIT 1",
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Where a rate comes from and whether its value was confirmed.
#[derive(sqlx::FromRow)]
pub(crate) struct RateSourceRow {
    pub(crate) source: String,
    #[sqlx(try_from = "ggzy_core::sql::Flag")]
    pub(crate) verified: bool,
}

pub(crate) async fn rate_source(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<RateSourceRow>> {
    Ok(
        sqlx::query_as("SELECT source, verified FROM property_interest_rates WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}
