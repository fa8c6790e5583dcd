//! Regional rule overrides (issue 22, item 4). The legal periods and caps live in the rules tables
//! `project_rules`, `opening_rules` and `award_rules`, one national row (`region = 'CN'`) per
//! market (and procedure), each value with its citation. A region may be stricter than the law —
//! lengthen a minimum period, lower a cap — never laxer: an override below a national minimum or
//! above a national maximum is refused with a rule id naming the law.
//!
//! The administrator sets one value at a time for the platform's configured region
//! (`Settings::region`, the region every project is registered in), citing the regional document.
//! Each override is a row of `rule_overrides` (migration 0131); the region's row of the rules table
//! is rebuilt in the same transaction from the national row with every override of that key
//! applied (value and citation), so the use cases that already read "the region's row, else the
//! national one" (`service::load_rules`, `opening::load_rules`, `award::load_rules`) take it at
//! once. Removing the last override of a key deletes the region's row: back to national.
//! Events: `projects.rules.override_set`, `projects.rules.override_removed`.

use crate::service::NATIONAL;
use axum::extract::State;
use axum::http::StatusCode;
use ggzy_core::http::Json;
use ggzy_core::regional::{self, Overridable, Override, RegionalValue};
use ggzy_core::{Error, Result};
use ggzy_events::projects::{RulesOverrideRemoved, RulesOverrideSet};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Which way a region may move a value (shared by every rules table: `ggzy_core::regional`).
pub use ggzy_core::regional::Bound;

/// The rules tables whose values a region may override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RulesTable {
    ProjectRules,
    OpeningRules,
    AwardRules,
}

impl RulesTable {
    pub fn as_str(&self) -> &'static str {
        match self {
            RulesTable::ProjectRules => "project_rules",
            RulesTable::OpeningRules => "opening_rules",
            RulesTable::AwardRules => "award_rules",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            RulesTable::ProjectRules,
            RulesTable::OpeningRules,
            RulesTable::AwardRules,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
    pub(crate) fn has_procedure(&self) -> bool {
        matches!(self, RulesTable::ProjectRules)
    }
    /// Every column of the table after `region`, in a fixed order (the copy of the national row).
    pub(crate) fn columns(&self) -> &'static str {
        match self {
            RulesTable::ProjectRules => {
                "market, procedure, deadline_min_days, deadline_working, deadline_source, \
                 doc_sale_min_days, doc_sale_working, doc_sale_source, deposit_cap_bp, \
                 deposit_cap_source, opening_at_deadline, opening_source"
            }
            RulesTable::OpeningRules => {
                "market, min_bids, min_bids_source, decryption_window_minutes, window_source"
            }
            RulesTable::AwardRules => {
                "market, max_candidates, max_candidates_source, publicity_min_days, \
                 publicity_source, objection_answer_days, objection_source, contract_days, \
                 contract_source"
            }
        }
    }
}

/// One overridable value of a rules table.
#[derive(Debug, Clone, Copy)]
pub struct RuleField {
    pub table: RulesTable,
    pub field: &'static str,
    /// The column holding the value's citation.
    pub source_column: &'static str,
    pub bound: Bound,
    /// Lowest and highest value accepted at all (a sanity range, not law).
    pub range: (i64, i64),
    pub zh: &'static str,
    pub en: &'static str,
}

/// Every value a region may override: the legal periods and caps of the three rules tables.
pub const FIELDS: [RuleField; 8] = [
    RuleField {
        table: RulesTable::ProjectRules,
        field: "deadline_min_days",
        source_column: "deadline_source",
        bound: Bound::AtLeast,
        range: (1, 365),
        zh: "提交投标文件最短期限（日）",
        en: "minimum bid period (days)",
    },
    RuleField {
        table: RulesTable::ProjectRules,
        field: "doc_sale_min_days",
        source_column: "doc_sale_source",
        bound: Bound::AtLeast,
        range: (0, 365),
        zh: "招标文件发售最短期限（日）",
        en: "minimum tender-document sale period (days)",
    },
    RuleField {
        table: RulesTable::ProjectRules,
        field: "deposit_cap_bp",
        source_column: "deposit_cap_source",
        bound: Bound::AtMost,
        range: (0, 10_000),
        zh: "投标保证金上限（基点，1% = 100）",
        en: "bid deposit cap (basis points, 1% = 100)",
    },
    RuleField {
        table: RulesTable::OpeningRules,
        field: "min_bids",
        source_column: "min_bids_source",
        bound: Bound::AtLeast,
        range: (1, 100),
        zh: "开标最少投标人数",
        en: "fewest bids to open",
    },
    RuleField {
        table: RulesTable::AwardRules,
        field: "max_candidates",
        source_column: "max_candidates_source",
        bound: Bound::AtMost,
        range: (1, 100),
        zh: "中标候选人最多人数",
        en: "most award candidates",
    },
    RuleField {
        table: RulesTable::AwardRules,
        field: "publicity_min_days",
        source_column: "publicity_source",
        bound: Bound::AtLeast,
        range: (1, 60),
        zh: "中标候选人公示最短期限（日）",
        en: "minimum candidate publicity (days)",
    },
    RuleField {
        table: RulesTable::AwardRules,
        field: "objection_answer_days",
        source_column: "objection_source",
        bound: Bound::AtMost,
        range: (1, 60),
        zh: "异议答复期限（日）",
        en: "time to answer an objection (days)",
    },
    RuleField {
        table: RulesTable::AwardRules,
        field: "contract_days",
        source_column: "contract_source",
        bound: Bound::AtMost,
        range: (1, 365),
        zh: "签订合同期限（日）",
        en: "time to sign the contract (days)",
    },
];

impl RuleField {
    /// What the shared checks need of the field.
    pub fn overridable(&self) -> Overridable<'static> {
        Overridable {
            field: self.field,
            bound: self.bound,
            range: self.range,
            zh: self.zh,
            en: self.en,
        }
    }
}

pub fn field_of(table: RulesTable, field: &str) -> Option<&'static RuleField> {
    FIELDS.iter().find(|f| f.table == table && f.field == field)
}

/// Is `value` allowed for a region, given the national `legal` value? Pure
/// (`ggzy_core::regional::check_value`).
pub fn check_value(f: &RuleField, legal: i64, value: i64, legal_source: &str) -> Result<()> {
    regional::check_value(f.overridable(), legal, value, legal_source)
}

/// A value of the rules as the platform's region sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleEntry {
    pub table: RulesTable,
    pub market: String,
    /// The procedure (`project_rules` only; empty otherwise).
    pub procedure: String,
    /// The value: national (with its law and article), the region's, in effect.
    #[serde(flatten)]
    pub value: RegionalValue,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionalRules {
    /// The platform's configured region (`Settings::region`).
    pub region: String,
    pub entries: Vec<RuleEntry>,
}

use crate::store::regional as store;

async fn national_rows(
    conn: &mut sqlx::AnyConnection,
    f: &RuleField,
) -> Result<Vec<(String, String, i64, String)>> {
    let rows = store::rows_of_field(conn, f, NATIONAL).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.market, r.procedure, r.value, r.source))
        .collect())
}

/// The national value of each overridable field, with the platform region's overrides (admin).
pub async fn regional_rules(ctx: &Ctx, actor: &Actor) -> Result<RegionalRules> {
    actor.require(&[Role::Admin])?;
    let region = ctx.settings.region.clone();
    let mut conn = ctx.db.pool().acquire().await?;
    let overrides = store::overrides_of(&mut conn, &region).await?;
    let mut entries = Vec::new();
    for f in &FIELDS {
        for (market, procedure, value, source) in national_rows(&mut conn, f).await? {
            let o = overrides
                .iter()
                .find(|o| {
                    o.rules_table == f.table.as_str()
                        && o.market == market
                        && o.procedure == procedure
                        && o.field == f.field
                })
                .map(|o| Override {
                    value: o.value,
                    citation: o.citation.clone(),
                    set_at: o.set_at,
                });
            entries.push(RuleEntry {
                table: f.table,
                market,
                procedure,
                value: RegionalValue::new(f.overridable(), value, source, o),
            });
        }
    }
    Ok(RegionalRules { region, entries })
}

/// Which value of which national row.
#[derive(Debug, Clone)]
pub struct RuleKey {
    pub table: RulesTable,
    /// `construction`, `procurement`, `land`, `property`.
    pub market: String,
    pub procedure: Option<String>,
    pub field: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewOverride {
    pub table: RulesTable,
    /// `construction`, `procurement`, `land`, `property`.
    pub market: String,
    /// `project_rules` only (e.g. `open_tender`); omit otherwise.
    #[serde(default)]
    pub procedure: Option<String>,
    /// e.g. `publicity_min_days`.
    pub field: String,
    pub value: i64,
    /// The regional document that sets it (name and 文号).
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub citation: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OverrideRemoval {
    pub table: RulesTable,
    pub market: String,
    #[serde(default)]
    pub procedure: Option<String>,
    pub field: String,
    /// Why the region returns to the national value.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

impl NewOverride {
    pub fn new(key: RuleKey, value: i64, citation: String) -> Self {
        NewOverride {
            table: key.table,
            market: key.market,
            procedure: key.procedure,
            field: key.field,
            value,
            citation,
        }
    }
    fn key(&self) -> RuleKey {
        RuleKey {
            table: self.table,
            market: self.market.clone(),
            procedure: self.procedure.clone(),
            field: self.field.clone(),
        }
    }
}

impl OverrideRemoval {
    pub fn new(key: RuleKey, reason: String) -> Self {
        OverrideRemoval {
            table: key.table,
            market: key.market,
            procedure: key.procedure,
            field: key.field,
            reason,
        }
    }
    fn key(&self) -> RuleKey {
        RuleKey {
            table: self.table,
            market: self.market.clone(),
            procedure: self.procedure.clone(),
            field: self.field.clone(),
        }
    }
}

/// The field and the national row (value, source) a key names; 422 naming the field otherwise.
async fn resolve(
    db: &Db,
    tx: &mut Tx,
    key: &RuleKey,
) -> Result<(&'static RuleField, String, i64, String)> {
    let f = field_of(key.table, &key.field).ok_or_else(|| {
        Error::field(
            "field",
            "rules.field_unknown",
            format!(
                "{} has no overridable value '{}'; one of: {}",
                key.table.as_str(),
                key.field,
                FIELDS
                    .iter()
                    .filter(|f| f.table == key.table)
                    .map(|f| f.field)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let procedure = if f.table.has_procedure() {
        key.procedure.clone().unwrap_or_default()
    } else {
        String::new()
    };
    let row = national_rows(tx, f)
        .await?
        .into_iter()
        .find(|(m, p, _, _)| *m == key.market && *p == procedure)
        .ok_or_else(|| {
            Error::field(
                "market",
                "rules.no_national_row",
                format!(
                    "{} has no national row for market '{}'{}",
                    f.table.as_str(),
                    key.market,
                    if procedure.is_empty() {
                        String::new()
                    } else {
                        format!(" and procedure '{procedure}'")
                    }
                ),
            )
        })?;
    // Lock the national row: every change of this (table, market, procedure) — whichever value —
    // rebuilds the same regional row, so they queue here and each sees the previous one's
    // overrides (no lost override, no duplicate regional row).
    store::lock_rows(tx, db, f.table, NATIONAL, &key.market, &procedure).await?;
    Ok((f, procedure, row.2, row.3))
}

/// Rebuild the region's row of (table, market, procedure): the national row with every override
/// applied, or no row when none is left.
async fn rebuild(
    tx: &mut Tx,
    table: RulesTable,
    region: &str,
    market: &str,
    procedure: &str,
) -> Result<()> {
    store::delete_row(tx, table, region, market, procedure).await?;
    let ov = store::override_values(tx, table, region, market, procedure).await?;
    if ov.is_empty() {
        return Ok(());
    }
    store::copy_row(tx, table, region, NATIONAL, market, procedure).await?;
    for r in &ov {
        let field = &r.field;
        let Some(f) = field_of(table, field) else {
            return Err(Error::internal(format!(
                "rule_overrides: unknown field {field}"
            )));
        };
        store::set_value(tx, f, r.value, &r.citation, region, market, procedure).await?;
    }
    Ok(())
}

/// Set the platform region's override of one value (admin): stricter than or equal to the law.
#[tracing::instrument(skip_all)]
pub async fn set_override(ctx: &Ctx, actor: &Actor, input: NewOverride) -> Result<RuleEntry> {
    actor.require(&[Role::Admin])?;
    let region = ctx.settings.region.clone();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let key = input.key();
    let (f, procedure, legal, legal_source) = resolve(&ctx.db, &mut tx, &key).await?;
    let citation = regional::check_override(
        f.overridable(),
        legal,
        input.value,
        &legal_source,
        &input.citation,
    )?;
    let stored_citation = format!("{citation} (national: {legal_source})");
    store::upsert_override(
        &mut tx,
        &store::OverrideKey {
            table: f.table,
            region: &region,
            market: &key.market,
            procedure: &procedure,
            field: f.field,
        },
        input.value,
        &stored_citation,
        &actor.user_id,
        now,
    )
    .await?;
    rebuild(&mut tx, f.table, &region, &key.market, &procedure).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        RulesOverrideSet {
            table: f.table.as_str().to_string(),
            region: region.clone(),
            market: key.market.clone(),
            procedure: procedure.clone(),
            field: f.field.to_string(),
            value: input.value,
            national_value: legal,
            national_source: legal_source.clone(),
            citation: citation.clone(),
        }
        .encode(),
    )
    .await?;
    let answer = RuleEntry {
        table: f.table,
        market: key.market,
        procedure,
        value: RegionalValue::new(
            f.overridable(),
            legal,
            legal_source,
            Some(Override {
                value: input.value,
                citation: stored_citation,
                set_at: now,
            }),
        ),
    };
    // Stored with the change: a keyed retry after a lost answer replays it.
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

/// Remove the platform region's override of one value (admin): the national value applies again.
#[tracing::instrument(skip_all)]
pub async fn remove_override(ctx: &Ctx, actor: &Actor, input: OverrideRemoval) -> Result<()> {
    actor.require(&[Role::Admin])?;
    let reason = regional::check_reason(&input.reason)?;
    let region = ctx.settings.region.clone();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let key = input.key();
    let (f, procedure, legal, _) = resolve(&ctx.db, &mut tx, &key).await?;
    let n = store::delete_override(
        &mut tx,
        &store::OverrideKey {
            table: f.table,
            region: &region,
            market: &key.market,
            procedure: &procedure,
            field: f.field,
        },
    )
    .await?;
    if n != 1 {
        return Err(Error::not_found(format!(
            "override of {}.{} for {} in region {region}",
            f.table.as_str(),
            f.field,
            key.market
        )));
    }
    rebuild(&mut tx, f.table, &region, &key.market, &procedure).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        RulesOverrideRemoved {
            table: f.table.as_str().to_string(),
            region: region.clone(),
            market: key.market.clone(),
            procedure: procedure.clone(),
            field: f.field.to_string(),
            national_value: legal,
            reason: reason.clone(),
        }
        .encode(),
    )
    .await?;
    ggzy_store::idempotency::answer_in_tx(&mut tx, 204, "", now).await?;
    ctx.db.commit(tx).await?;
    Ok(())
}

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(get_rules, put_override))
        .routes(routes!(post_remove))
}

/// The national legal periods and caps of every rules table, with the platform region's
/// overrides and the value in effect (admin).
#[utoipa::path(get, path = "/api/v1/rule-overrides", tag = "projects", security(("bearer" = [])),
    responses((status = 200, body = RegionalRules), (status = 403)))]
async fn get_rules(State(ctx): State<Ctx>, actor: Actor) -> Result<Json<RegionalRules>> {
    Ok(Json(regional_rules(&ctx, &actor).await?))
}

/// Set the region's override of one value (admin): a minimum may only be lengthened, a maximum
/// only lowered (`rules.override_below_legal_minimum`, `rules.override_above_legal_maximum`).
#[utoipa::path(put, path = "/api/v1/rule-overrides", tag = "projects", security(("bearer" = [])),
    request_body = NewOverride,
    responses((status = 200, body = RuleEntry), (status = 403),
              (status = 422, description = "laxer than the law, out of range, unknown field or market, no citation")))]
async fn put_override(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(input): Json<NewOverride>,
) -> Result<Json<RuleEntry>> {
    Ok(Json(set_override(&ctx, &actor, input).await?))
}

/// Remove the region's override of one value (admin): back to the national value.
#[utoipa::path(post, path = "/api/v1/rule-overrides/remove", tag = "projects", security(("bearer" = [])),
    request_body = OverrideRemoval,
    responses((status = 204), (status = 403), (status = 404, description = "no such override"),
              (status = 422)))]
async fn post_remove(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(input): Json<OverrideRemoval>,
) -> Result<StatusCode> {
    remove_override(&ctx, &actor, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimum_may_be_lengthened_never_shortened_and_a_maximum_only_lowered() {
        let publicity = field_of(RulesTable::AwardRules, "publicity_min_days").unwrap();
        assert!(check_value(publicity, 3, 3, "实施条例 54").is_ok());
        assert!(check_value(publicity, 3, 5, "实施条例 54").is_ok());
        let e = check_value(publicity, 3, 2, "实施条例 54").unwrap_err();
        assert_eq!(
            e.to_problem().errors[0].rule,
            "rules.override_below_legal_minimum"
        );
        let contract = field_of(RulesTable::AwardRules, "contract_days").unwrap();
        assert!(check_value(contract, 30, 30, "招标投标法 46").is_ok());
        assert!(check_value(contract, 30, 20, "招标投标法 46").is_ok());
        let e = check_value(contract, 30, 31, "招标投标法 46").unwrap_err();
        assert_eq!(
            e.to_problem().errors[0].rule,
            "rules.override_above_legal_maximum"
        );
        let e = check_value(contract, 30, 0, "x").unwrap_err();
        assert_eq!(e.to_problem().errors[0].rule, "rules.override_range");
        assert!(field_of(RulesTable::OpeningRules, "publicity_min_days").is_none());
    }
}
