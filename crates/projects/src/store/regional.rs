//! Regional overrides of the legal values: `rule_overrides` (who set which value of which
//! national row, with its citation) and the region's rows of the rules tables it rebuilds
//! (`project_rules`, `opening_rules`, `award_rules`, migration 0001 and later). The table and
//! column names come from [`crate::regional::FIELDS`] (constants of the code, never input), so
//! these statements are assembled from them.

use crate::regional::{RuleField, RulesTable};
use chrono::{DateTime, Utc};
use ggzy_core::sql::At;
use ggzy_core::time::to_micros;
use ggzy_core::Result;
use ggzy_store::Db;
use sqlx::AnyConnection;

/// A rules row's value of one field.
#[derive(sqlx::FromRow)]
pub(crate) struct NationalRow {
    pub(crate) market: String,
    pub(crate) procedure: String,
    pub(crate) value: i64,
    pub(crate) source: String,
}

/// The value of field `f` in every row of `region` (the procedure empty for tables without one).
pub(crate) async fn rows_of_field(
    conn: &mut AnyConnection,
    f: &RuleField,
    region: &str,
) -> Result<Vec<NationalRow>> {
    let proc_col = if f.table.has_procedure() {
        "procedure"
    } else {
        "''"
    };
    let sql = format!(
        "SELECT market, {proc_col} AS procedure, {} AS value, {} AS source FROM {} WHERE region = $1 \
         ORDER BY market, 2",
        f.field,
        f.source_column,
        f.table.as_str()
    );
    Ok(sqlx::query_as(&sql)
        .bind(region)
        .fetch_all(&mut *conn)
        .await?)
}

/// Lock the rows of (table, market, procedure) of `region`.
pub(crate) async fn lock_rows(
    conn: &mut AnyConnection,
    db: &Db,
    table: RulesTable,
    region: &str,
    market: &str,
    procedure: &str,
) -> Result<()> {
    let sql = format!(
        "SELECT market FROM {} WHERE region = $1 AND market = $2{}{}",
        table.as_str(),
        if table.has_procedure() {
            " AND procedure = $3"
        } else {
            ""
        },
        db.for_update()
    );
    let mut lock = sqlx::query(&sql).bind(region).bind(market);
    if table.has_procedure() {
        lock = lock.bind(procedure);
    }
    lock.fetch_all(&mut *conn).await?;
    Ok(())
}

/// Remove the region's row of (table, market, procedure).
pub(crate) async fn delete_row(
    conn: &mut AnyConnection,
    table: RulesTable,
    region: &str,
    market: &str,
    procedure: &str,
) -> Result<()> {
    let t = table.as_str();
    let proc_cond = if table.has_procedure() {
        " AND procedure = $3"
    } else {
        ""
    };
    let sql = format!("DELETE FROM {t} WHERE region = $1 AND market = $2{proc_cond}");
    let mut del = sqlx::query(&sql).bind(region).bind(market);
    if table.has_procedure() {
        del = del.bind(procedure);
    }
    del.execute(&mut *conn).await?;
    Ok(())
}

/// Copy the `from` region's row of (table, market, procedure) as the row of `region`.
pub(crate) async fn copy_row(
    conn: &mut AnyConnection,
    table: RulesTable,
    region: &str,
    from: &str,
    market: &str,
    procedure: &str,
) -> Result<()> {
    let t = table.as_str();
    let cols = table.columns();
    let sql = format!(
        "INSERT INTO {t} (region, {cols}) SELECT $1, {cols} FROM {t} WHERE region = $2 AND market = $3{}",
        if table.has_procedure() {
            " AND procedure = $4"
        } else {
            ""
        }
    );
    let mut ins = sqlx::query(&sql).bind(region).bind(from).bind(market);
    if table.has_procedure() {
        ins = ins.bind(procedure);
    }
    ins.execute(&mut *conn).await?;
    Ok(())
}

/// Set field `f` (and its citation) in the region's row of (market, procedure).
pub(crate) async fn set_value(
    conn: &mut AnyConnection,
    f: &RuleField,
    value: i64,
    citation: &str,
    region: &str,
    market: &str,
    procedure: &str,
) -> Result<()> {
    let table = f.table;
    let sql = format!(
        "UPDATE {} SET {} = $1, {} = $2 WHERE region = $3 AND market = $4{}",
        table.as_str(),
        f.field,
        f.source_column,
        if table.has_procedure() {
            " AND procedure = $5"
        } else {
            ""
        }
    );
    let mut up = sqlx::query(&sql)
        .bind(value)
        .bind(citation)
        .bind(region)
        .bind(market);
    if table.has_procedure() {
        up = up.bind(procedure);
    }
    up.execute(&mut *conn).await?;
    Ok(())
}

// rule_overrides

/// A `rule_overrides` row of a region.
#[derive(sqlx::FromRow)]
pub(crate) struct OverrideRow {
    pub(crate) rules_table: String,
    pub(crate) market: String,
    pub(crate) procedure: String,
    pub(crate) field: String,
    pub(crate) value: i64,
    pub(crate) citation: String,
    #[sqlx(try_from = "At")]
    pub(crate) set_at: DateTime<Utc>,
}

/// Every override of the region.
pub(crate) async fn overrides_of(
    conn: &mut AnyConnection,
    region: &str,
) -> Result<Vec<OverrideRow>> {
    Ok(sqlx::query_as(
        "SELECT rules_table, market, procedure, field, value, citation, set_at FROM rule_overrides \
         WHERE region = $1",
    )
    .bind(region)
    .fetch_all(&mut *conn)
    .await?)
}

/// One override of a (table, market, procedure).
#[derive(sqlx::FromRow)]
pub(crate) struct OverrideValueRow {
    pub(crate) field: String,
    pub(crate) value: i64,
    pub(crate) citation: String,
}

/// The region's overrides of (table, market, procedure), by field.
pub(crate) async fn override_values(
    conn: &mut AnyConnection,
    table: RulesTable,
    region: &str,
    market: &str,
    procedure: &str,
) -> Result<Vec<OverrideValueRow>> {
    Ok(sqlx::query_as(
        "SELECT field, value, citation FROM rule_overrides WHERE rules_table = $1 AND region = $2 \
         AND market = $3 AND procedure = $4 ORDER BY field",
    )
    .bind(table.as_str())
    .bind(region)
    .bind(market)
    .bind(procedure)
    .fetch_all(&mut *conn)
    .await?)
}

/// Which override: (table, region, market, procedure, field).
pub(crate) struct OverrideKey<'a> {
    pub(crate) table: RulesTable,
    pub(crate) region: &'a str,
    pub(crate) market: &'a str,
    pub(crate) procedure: &'a str,
    pub(crate) field: &'a str,
}

/// Set (or replace) an override.
pub(crate) async fn upsert_override(
    conn: &mut AnyConnection,
    k: &OverrideKey<'_>,
    value: i64,
    citation: &str,
    set_by: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO rule_overrides (rules_table, region, market, procedure, field, value, citation, set_by, set_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (rules_table, region, market, procedure, field) DO UPDATE SET \
         value = excluded.value, citation = excluded.citation, set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(k.table.as_str())
    .bind(k.region)
    .bind(k.market)
    .bind(k.procedure)
    .bind(k.field)
    .bind(value)
    .bind(citation)
    .bind(set_by)
    .bind(to_micros(at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Remove an override; the rows removed (0 or 1).
pub(crate) async fn delete_override(conn: &mut AnyConnection, k: &OverrideKey<'_>) -> Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM rule_overrides WHERE rules_table = $1 AND region = $2 AND market = $3 \
         AND procedure = $4 AND field = $5",
    )
    .bind(k.table.as_str())
    .bind(k.region)
    .bind(k.market)
    .bind(k.procedure)
    .bind(k.field)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}
