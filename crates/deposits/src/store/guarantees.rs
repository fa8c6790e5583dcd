//! `deposit_guarantees` (保函 instead of cash: active → released | forfeited) and
//! `deposit_forfeitures` (proposed → approved | rejected, four eyes).

use crate::rules::GuaranteeStatus;
use ggzy_core::sql::{At, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::{Db, Tx};
use sqlx::AnyConnection;

/// A new guarantee (status `active`; dates `YYYY-MM-DD`). Its unique keys:
/// `deposit_guarantees_number_key` (kind, issuer, number) and
/// `deposit_guarantees_org_section_key` (section, organization).
pub(crate) struct NewGuarantee<'a> {
    pub(crate) id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) issuer: &'a str,
    pub(crate) number: &'a str,
    pub(crate) amount: Money,
    pub(crate) valid_from: String,
    pub(crate) valid_until: String,
    pub(crate) verification_code: &'a str,
    pub(crate) bid_validity_days: i64,
    pub(crate) recorded_by: &'a str,
    pub(crate) at: Timestamp,
}

pub(crate) async fn insert_guarantee(tx: &mut Tx, g: NewGuarantee<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO deposit_guarantees (id, section_id, org_id, kind, issuer, number, amount_fen, valid_from, valid_until, \
         verification_code, bid_validity_days, status, recorded_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'active',$12,$13)",
    )
    .bind(g.id)
    .bind(g.section_id)
    .bind(g.org_id)
    .bind(g.kind)
    .bind(g.issuer)
    .bind(g.number)
    .bind(g.amount)
    .bind(g.valid_from)
    .bind(g.valid_until)
    .bind(g.verification_code)
    .bind(g.bid_validity_days)
    .bind(g.recorded_by)
    .bind(to_micros(g.at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A `deposit_guarantees` row as [`of_section`] reads it (dates `YYYY-MM-DD`).
#[derive(sqlx::FromRow)]
pub(crate) struct GuaranteeRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) org_id: String,
    pub(crate) kind: String,
    pub(crate) issuer: String,
    pub(crate) number: String,
    pub(crate) amount_fen: Money,
    pub(crate) valid_from: String,
    pub(crate) valid_until: String,
    pub(crate) bid_validity_days: i64,
    pub(crate) status: GuaranteeStatus,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
}

/// The guarantees of a section (of one organization, or `""`: of all), oldest first.
pub(crate) async fn of_section(
    db: &Db,
    section_id: &str,
    org_id: &str,
) -> Result<Vec<GuaranteeRow>> {
    Ok(sqlx::query_as(
        "SELECT id, section_id, org_id, kind, issuer, number, amount_fen, valid_from, valid_until, bid_validity_days, \
         status, created_at FROM deposit_guarantees WHERE section_id = $1 AND ($2 = '' OR org_id = $2) ORDER BY created_at, id",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

/// The organization's active guarantee for the section: its amount and when it was recorded.
#[derive(sqlx::FromRow)]
pub(crate) struct ActiveGuaranteeRow {
    pub(crate) amount_fen: Money,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
}

pub(crate) async fn active(
    c: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<ActiveGuaranteeRow>> {
    Ok(sqlx::query_as(
        "SELECT amount_fen, created_at FROM deposit_guarantees WHERE section_id = $1 AND org_id = $2 AND status = 'active'",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *c)
    .await?)
}

/// The amount of the organization's active guarantee for the section, if it has one.
pub(crate) async fn active_amount(
    c: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<Money>> {
    Ok(sqlx::query_scalar(
        "SELECT amount_fen FROM deposit_guarantees WHERE section_id = $1 AND org_id = $2 AND status = 'active'",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *c)
    .await?)
}

/// The active guarantee as its release names it.
#[derive(sqlx::FromRow)]
pub(crate) struct ReleasedRow {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) issuer: String,
    pub(crate) number: String,
    pub(crate) amount_fen: Money,
}

pub(crate) async fn active_for_release(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
) -> Result<Option<ReleasedRow>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, issuer, number, amount_fen FROM deposit_guarantees WHERE section_id = $1 AND org_id = $2 AND status = 'active'",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Releases the active guarantee `id`; the rows changed (0: no longer active).
pub(crate) async fn mark_released(tx: &mut Tx, id: &str, now: Timestamp) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE deposit_guarantees SET status = 'released', closed_at = $1 WHERE id = $2 AND status = 'active'",
    )
    .bind(to_micros(now))
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Calls (forfeits) the organization's active guarantee for the section; the rows changed (0: no
/// longer active).
pub(crate) async fn mark_forfeited(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
    now: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE deposit_guarantees SET status = 'forfeited', closed_at = $1 WHERE section_id = $2 AND org_id = $3 AND status = 'active'",
    )
    .bind(to_micros(now))
    .bind(section_id)
    .bind(org_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Where a forfeiture stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ForfeitureStatus {
    Proposed,
    Approved,
    Rejected,
}

impl ForfeitureStatus {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            ForfeitureStatus::Proposed => "proposed",
            ForfeitureStatus::Approved => "approved",
            ForfeitureStatus::Rejected => "rejected",
        }
    }
    fn parse(s: &str) -> std::result::Result<ForfeitureStatus, String> {
        match s {
            "proposed" => Ok(ForfeitureStatus::Proposed),
            "approved" => Ok(ForfeitureStatus::Approved),
            "rejected" => Ok(ForfeitureStatus::Rejected),
            other => Err(format!("not a forfeiture status: {other}")),
        }
    }
}

ggzy_core::text_enum!(
    ForfeitureStatus,
    ForfeitureStatus::parse,
    ForfeitureStatus::as_str
);

const FORFEITURE_COLS: &str =
    "id, section_id, org_id, ground, reason, status, amount_fen, form, proposed_by, proposed_at, \
    decided_by, decided_at";

/// One row of [`FORFEITURE_COLS`].
#[derive(sqlx::FromRow)]
pub(crate) struct ForfeitureRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) org_id: String,
    pub(crate) ground: String,
    pub(crate) reason: String,
    pub(crate) status: ForfeitureStatus,
    pub(crate) amount_fen: Money,
    pub(crate) form: String,
    pub(crate) proposed_by: String,
    #[sqlx(try_from = "At")]
    pub(crate) proposed_at: Timestamp,
    pub(crate) decided_by: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) decided_at: Option<Timestamp>,
}

/// The forfeiture `id` (inside the transaction that changed it).
pub(crate) async fn forfeiture(tx: &mut Tx, id: &str) -> Result<Option<ForfeitureRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {FORFEITURE_COLS} FROM deposit_forfeitures WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The forfeiture `id`, locked for its decision.
pub(crate) async fn forfeiture_for_update(
    tx: &mut Tx,
    db: &Db,
    id: &str,
) -> Result<Option<ForfeitureRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {FORFEITURE_COLS} FROM deposit_forfeitures WHERE id = $1{}",
        db.for_update()
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// A proposed forfeiture. At most one open per deposit: a second breaks a unique key.
pub(crate) struct NewForfeiture<'a> {
    pub(crate) id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) ground: &'a str,
    pub(crate) reason: &'a str,
    pub(crate) amount_fen: i64,
    pub(crate) form: &'a str,
    pub(crate) proposed_by: &'a str,
    pub(crate) at: Timestamp,
}

pub(crate) async fn insert_forfeiture(tx: &mut Tx, f: NewForfeiture<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO deposit_forfeitures (id, section_id, org_id, ground, reason, status, amount_fen, form, proposed_by, proposed_at) \
         VALUES ($1,$2,$3,$4,$5,'proposed',$6,$7,$8,$9)",
    )
    .bind(f.id)
    .bind(f.section_id)
    .bind(f.org_id)
    .bind(f.ground)
    .bind(f.reason)
    .bind(f.amount_fen)
    .bind(f.form)
    .bind(f.proposed_by)
    .bind(to_micros(f.at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Decides a proposed forfeiture; the rows changed (0: decided concurrently).
pub(crate) async fn mark_decided(
    tx: &mut Tx,
    id: &str,
    to: ForfeitureStatus,
    by: &str,
    now: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE deposit_forfeitures SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status = 'proposed'",
    )
    .bind(to)
    .bind(by)
    .bind(to_micros(now))
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The amount actually kept.
pub(crate) async fn set_forfeited_amount(tx: &mut Tx, id: &str, amount_fen: i64) -> Result<()> {
    sqlx::query("UPDATE deposit_forfeitures SET amount_fen = $1 WHERE id = $2")
        .bind(amount_fen)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The forfeitures of a section (`""`: of every section), oldest first.
pub(crate) async fn forfeitures(db: &Db, section_id: &str) -> Result<Vec<ForfeitureRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {FORFEITURE_COLS} FROM deposit_forfeitures WHERE ($1 = '' OR section_id = $1) ORDER BY proposed_at, id"
    ))
    .bind(section_id)
    .fetch_all(db.pool())
    .await?)
}

/// How many forfeitures wait for a decision.
pub(crate) async fn count_proposed(db: &Db) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM deposit_forfeitures WHERE status = 'proposed'")
            .fetch_one(db.pool())
            .await?,
    )
}
