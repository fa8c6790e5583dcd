//! `remedy_rules` (the national rows, migration 0140) and `remedy_rule_overrides` (the regions'
//! values, migration 0243).

use crate::rules::{Kind, RaiseFrom, Suspends, Target};
use ggzy_core::sql::{At, Flag};
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::Tx;

const RULE_COLUMNS: &str = "market, kind, target, raise_from, raise_days, raise_day_kind, \
    answer_days, answer_day_kind, accept_days, accept_day_kind, decide_days, decide_day_kind, \
    decide_from, suspends, suspend_max_days, escalates_to, requires_prior, source, confirmed";

/// One row of [`RULE_COLUMNS`].
#[derive(sqlx::FromRow)]
pub(crate) struct RuleRow {
    pub(crate) market: String,
    pub(crate) kind: Kind,
    pub(crate) target: Target,
    pub(crate) raise_from: RaiseFrom,
    pub(crate) raise_days: i64,
    pub(crate) raise_day_kind: String,
    pub(crate) answer_days: Option<i64>,
    pub(crate) answer_day_kind: Option<String>,
    pub(crate) accept_days: Option<i64>,
    pub(crate) accept_day_kind: Option<String>,
    pub(crate) decide_days: Option<i64>,
    pub(crate) decide_day_kind: Option<String>,
    pub(crate) decide_from: Option<String>,
    pub(crate) suspends: Suspends,
    pub(crate) suspend_max_days: Option<i64>,
    pub(crate) escalates_to: Option<Kind>,
    pub(crate) requires_prior: Option<Kind>,
    pub(crate) source: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) confirmed: bool,
}

/// The national row of (market, kind, target) (`lock`: the engine's `FOR UPDATE` or "").
pub(crate) async fn rule_row(
    conn: &mut sqlx::AnyConnection,
    lock: &str,
    market: &str,
    kind: Kind,
    target: Target,
) -> Result<Option<RuleRow>> {
    Ok(sqlx::query_as::<_, RuleRow>(&format!(
        "SELECT {RULE_COLUMNS} FROM remedy_rules WHERE market = $1 AND kind = $2 AND target = $3{lock}"
    ))
    .bind(market)
    .bind(kind.as_str())
    .bind(target.as_str())
    .fetch_optional(&mut *conn)
    .await?)
}

/// Every national row, by market, kind and target.
pub(crate) async fn rule_rows(conn: &mut sqlx::AnyConnection) -> Result<Vec<RuleRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM remedy_rules ORDER BY market, kind, target"
    ))
    .fetch_all(&mut *conn)
    .await?)
}

#[derive(sqlx::FromRow)]
pub(crate) struct FieldOverrideRow {
    pub(crate) field: String,
    pub(crate) value: i64,
    pub(crate) citation: String,
}

/// The region's overrides of one national row, by field.
pub(crate) async fn overrides_of_rule(
    conn: &mut sqlx::AnyConnection,
    region: &str,
    (market, kind, target): (&str, Kind, Target),
) -> Result<Vec<FieldOverrideRow>> {
    Ok(sqlx::query_as(
        "SELECT field, value, citation FROM remedy_rule_overrides WHERE region = $1 AND market = $2 \
         AND kind = $3 AND target = $4 ORDER BY field",
    )
    .bind(region)
    .bind(market)
    .bind(kind.as_str())
    .bind(target.as_str())
    .fetch_all(&mut *conn)
    .await?)
}

#[derive(sqlx::FromRow)]
pub(crate) struct OverrideRow {
    pub(crate) market: String,
    pub(crate) kind: String,
    pub(crate) target: String,
    pub(crate) field: String,
    pub(crate) value: i64,
    pub(crate) citation: String,
    #[sqlx(try_from = "At")]
    pub(crate) set_at: Timestamp,
}

/// Every override of the region.
pub(crate) async fn overrides_in(
    conn: &mut sqlx::AnyConnection,
    region: &str,
) -> Result<Vec<OverrideRow>> {
    Ok(sqlx::query_as(
        "SELECT market, kind, target, field, value, citation, set_at FROM remedy_rule_overrides \
         WHERE region = $1",
    )
    .bind(region)
    .fetch_all(&mut *conn)
    .await?)
}

/// One override as [`upsert_override`] writes it.
pub(crate) struct OverrideWrite<'a> {
    pub(crate) region: &'a str,
    pub(crate) market: &'a str,
    pub(crate) kind: Kind,
    pub(crate) target: Target,
    pub(crate) field: &'a str,
    pub(crate) value: i64,
    pub(crate) citation: &'a str,
    pub(crate) set_by: &'a str,
    pub(crate) set_at: Timestamp,
}

/// Sets the region's value of one field of one row (replacing the one set before).
pub(crate) async fn upsert_override(tx: &mut Tx, o: OverrideWrite<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO remedy_rule_overrides (region, market, kind, target, field, value, citation, \
         set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (region, market, kind, target, field) DO UPDATE SET value = excluded.value, \
         citation = excluded.citation, set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(o.region)
    .bind(o.market)
    .bind(o.kind.as_str())
    .bind(o.target.as_str())
    .bind(o.field)
    .bind(o.value)
    .bind(o.citation)
    .bind(o.set_by)
    .bind(to_micros(o.set_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes the region's value of one field of one row; the rows removed.
pub(crate) async fn delete_override(
    tx: &mut Tx,
    region: &str,
    (market, kind, target): (&str, Kind, Target),
    field: &str,
) -> Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM remedy_rule_overrides WHERE region = $1 AND market = $2 AND kind = $3 \
         AND target = $4 AND field = $5",
    )
    .bind(region)
    .bind(market)
    .bind(kind.as_str())
    .bind(target.as_str())
    .bind(field)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
