//! `award_rules`, `section_awards` and `section_terminations` (migrations 0011, 0111), with the
//! section and project columns the award path reads of `sections` and `projects`.

use crate::model::SectionState;
use chrono::NaiveDate;
use ggzy_core::ident::Market;
use ggzy_core::sql::{At, Day, Flag, MaybeAt, MaybeMoney};
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::{Db, Tx};

// award_rules

/// An `award_rules` row.
#[derive(sqlx::FromRow)]
pub(crate) struct AwardRulesRow {
    pub(crate) max_candidates: i64,
    pub(crate) max_candidates_source: String,
    pub(crate) publicity_min_days: i64,
    pub(crate) publicity_source: String,
    pub(crate) objection_answer_days: i64,
    pub(crate) objection_source: String,
    pub(crate) contract_days: i64,
    pub(crate) contract_source: String,
}

/// The award rules of a market in a region: the region's row, else the `national` one.
pub(crate) async fn rules(
    conn: &mut sqlx::AnyConnection,
    region: &str,
    market: Market,
    national: &str,
) -> Result<Option<AwardRulesRow>> {
    Ok(sqlx::query_as(
        "SELECT max_candidates, max_candidates_source, publicity_min_days, publicity_source, \
         objection_answer_days, objection_source, contract_days, contract_source \
         FROM award_rules WHERE market = $1 AND (region = $2 OR region = $3) \
         ORDER BY CASE WHEN region = $3 THEN 1 ELSE 0 END LIMIT 1",
    )
    .bind(market.as_str())
    .bind(region)
    .bind(national)
    .fetch_optional(&mut *conn)
    .await?)
}

// sections and projects, as the award path sees them

/// The section and project columns of [`section`].
#[derive(sqlx::FromRow)]
pub(crate) struct SecRow {
    pub(crate) project_id: String,
    pub(crate) code: Option<String>,
    pub(crate) section_no: i64,
    pub(crate) market: Market,
    pub(crate) procedure: String,
    pub(crate) region: String,
    pub(crate) owner_org_id: String,
    pub(crate) state: SectionState,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) opening_at: Timestamp,
}

/// The section with its project, locked for update when `lock`.
pub(crate) async fn section(
    conn: &mut sqlx::AnyConnection,
    db: &Db,
    id: &str,
    lock: bool,
) -> Result<Option<SecRow>> {
    Ok(if lock {
        sqlx::query_as(&format!(
            "SELECT s.project_id, p.code, s.section_no, p.market, p.procedure, p.region, p.owner_org_id, \
             s.state, s.bid_deadline, s.opening_at FROM sections s JOIN projects p ON p.id = s.project_id \
             WHERE s.id = $1{}",
            db.for_update()
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    } else {
        sqlx::query_as(
            "SELECT s.project_id, p.code, s.section_no, p.market, p.procedure, p.region, p.owner_org_id, \
             s.state, s.bid_deadline, s.opening_at FROM sections s JOIN projects p ON p.id = s.project_id \
             WHERE s.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    })
}

/// The section's state (the section exists).
pub(crate) async fn section_state(tx: &mut Tx, id: &str) -> Result<SectionState> {
    Ok(
        sqlx::query_scalar("SELECT state FROM sections WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// The organizations registered for the section, in registration order.
pub(crate) async fn bidder_org_ids(tx: &mut Tx, section_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT org_id FROM section_registrations WHERE section_id = $1 ORDER BY created_at, id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

// section_awards

/// The award columns [`award`] reads, with the section's project.
#[derive(sqlx::FromRow)]
pub(crate) struct AwardRow {
    pub(crate) notice_no: String,
    pub(crate) winner_org_id: String,
    pub(crate) winner_name: String,
    pub(crate) winner_rank: i64,
    pub(crate) price_fen: Money,
    pub(crate) reason: Option<String>,
    #[sqlx(try_from = "At")]
    pub(crate) awarded_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) contract_due_at: Timestamp,
    pub(crate) contract_signed_on: Option<String>,
    #[sqlx(try_from = "MaybeMoney")]
    pub(crate) contract_amount_fen: Option<Money>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) contract_recorded_at: Option<Timestamp>,
    #[sqlx(try_from = "Flag")]
    pub(crate) contract_late: bool,
    pub(crate) project_id: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) contract_due_provisional: bool,
    #[sqlx(try_from = "MaybeMoney")]
    pub(crate) performance_security_fen: Option<Money>,
}

/// The section's award, if any.
pub(crate) async fn award(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<AwardRow>> {
    Ok(sqlx::query_as(
        "SELECT a.notice_no, a.winner_org_id, a.winner_name, a.winner_rank, a.price_fen, a.reason, \
         a.awarded_at, a.contract_due_at, a.contract_signed_on, a.contract_amount_fen, a.contract_recorded_at, \
         a.contract_late, s.project_id, a.contract_due_provisional, a.performance_security_fen FROM section_awards a \
         JOIN sections s ON s.id = a.section_id WHERE a.section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// How many of the section's results were declared void with their award (`crate::voided`).
pub(crate) async fn voided_awards(tx: &mut Tx, section_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM section_voided_results WHERE section_id = $1 AND award IS NOT NULL",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// An award as written at the award (定标).
pub(crate) struct NewAward<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) notice_no: &'a str,
    pub(crate) winner_org_id: &'a str,
    pub(crate) winner_name: &'a str,
    pub(crate) winner_rank: i64,
    pub(crate) price: Money,
    pub(crate) reason: Option<String>,
    pub(crate) awarded_by: &'a str,
    pub(crate) awarded_at: Timestamp,
    pub(crate) contract_due_at: Timestamp,
    pub(crate) contract_due_provisional: bool,
    pub(crate) contract_days: u32,
}

pub(crate) async fn insert_award(tx: &mut Tx, a: NewAward<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO section_awards (section_id, notice_no, winner_org_id, winner_name, winner_rank, price_fen, \
         reason, awarded_by, awarded_at, contract_due_at, contract_due_provisional, contract_days) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(a.section_id)
    .bind(a.notice_no)
    .bind(a.winner_org_id)
    .bind(a.winner_name)
    .bind(a.winner_rank)
    .bind(a.price)
    .bind(a.reason)
    .bind(a.awarded_by)
    .bind(At(a.awarded_at))
    .bind(At(a.contract_due_at))
    .bind(Flag(a.contract_due_provisional))
    .bind(i64::from(a.contract_days))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The signed contract as recorded on the award.
pub(crate) struct ContractFields {
    pub(crate) signed_on: NaiveDate,
    pub(crate) amount: Money,
    pub(crate) recorded_at: Timestamp,
    pub(crate) late: bool,
    pub(crate) performance_security: Option<Money>,
}

/// Record the contract on the award unless one is recorded already.
pub(crate) async fn record_contract(
    tx: &mut Tx,
    section_id: &str,
    c: ContractFields,
) -> Result<()> {
    sqlx::query(
        "UPDATE section_awards SET contract_signed_on = $1, contract_amount_fen = $2, contract_recorded_at = $3, \
         contract_late = $4, performance_security_fen = $6 WHERE section_id = $5 AND contract_signed_on IS NULL",
    )
    .bind(Day(c.signed_on))
    .bind(c.amount)
    .bind(At(c.recorded_at))
    .bind(Flag(c.late))
    .bind(section_id)
    .bind(c.performance_security.map(|m| m.fen()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Mark the contract-overdue alert raised, once, while no contract is recorded; the rows changed.
pub(crate) async fn mark_contract_overdue(tx: &mut Tx, section_id: &str) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE section_awards SET contract_overdue_alerted = 1 WHERE section_id = $1 \
         AND contract_signed_on IS NULL AND contract_overdue_alerted = 0",
    )
    .bind(section_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The award columns the contract-overdue alert reads.
#[derive(sqlx::FromRow)]
pub(crate) struct OverdueRow {
    #[sqlx(try_from = "At")]
    pub(crate) awarded_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) contract_due_at: Timestamp,
    pub(crate) winner_org_id: String,
    pub(crate) project_id: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) contract_due_provisional: bool,
}

/// The award's facts for the contract-overdue alert (the award exists).
pub(crate) async fn overdue(tx: &mut Tx, section_id: &str) -> Result<OverdueRow> {
    Ok(sqlx::query_as(
        "SELECT a.awarded_at, a.contract_due_at, a.winner_org_id, s.project_id, a.contract_due_provisional \
         FROM section_awards a JOIN sections s ON s.id = a.section_id WHERE a.section_id = $1",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// A provisional contract due time, with its section and project.
#[derive(sqlx::FromRow)]
pub(crate) struct ContractDueRow {
    pub(crate) section_id: String,
    #[sqlx(try_from = "At")]
    pub(crate) awarded_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) contract_due_at: Timestamp,
    pub(crate) contract_days: Option<i64>,
    pub(crate) contract_signed_on: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub(crate) contract_overdue_alerted: bool,
    pub(crate) project_id: String,
    pub(crate) state: SectionState,
    pub(crate) region: String,
    pub(crate) market: Market,
}

/// Every provisional contract due time, by section.
pub(crate) async fn provisional_contract_dues(tx: &mut Tx) -> Result<Vec<ContractDueRow>> {
    Ok(sqlx::query_as(
        "SELECT a.section_id, a.awarded_at, a.contract_due_at, a.contract_days, a.contract_signed_on, \
         a.contract_overdue_alerted, s.project_id, s.state, p.region, p.market FROM section_awards a \
         JOIN sections s ON s.id = a.section_id JOIN projects p ON p.id = s.project_id WHERE a.contract_due_provisional = 1 ORDER BY a.section_id",
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// Move a provisional contract due time (and the contract's lateness judged against it).
pub(crate) async fn rederive_contract_due(
    tx: &mut Tx,
    section_id: &str,
    due_at: Timestamp,
    provisional: bool,
    late: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE section_awards SET contract_due_at = $1, contract_due_provisional = $2, \
         contract_late = $3 WHERE section_id = $4 AND contract_due_provisional = 1",
    )
    .bind(At(due_at))
    .bind(Flag(provisional))
    .bind(Flag(late))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// section_terminations

pub(crate) async fn insert_termination(
    tx: &mut Tx,
    section_id: &str,
    reason: &str,
    by: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO section_terminations (section_id, reason, terminated_by, terminated_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(section_id)
    .bind(reason)
    .bind(by)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
