//! Regional overrides of `remedy_rules` (issue 20), the way `ggzy_projects::regional` does it for
//! the projects rules tables: the administrator sets one value of one national row for the
//! platform's region (`Settings::region`), citing the regional document; a region may be stricter
//! than the law, never laxer:
//!
//! - `raise_days` — the raiser's period (counted from its registration, the date it knew, the
//!   answer it escalates, or the single-source publicity's start) is a legal **minimum**: a region
//!   may lengthen it, never shorten it (`rules.override_below_legal_minimum`). Rows whose
//!   `raise_days` is not the raiser's period (counted back from a deadline, on the spot, during the
//!   candidate publicity, before a listing closes) have no overridable `raise_days`.
//! - `answer_days`, `accept_days`, `decide_days` — time limits for the tenderer / purchaser /
//!   supervisor to act: legal **maximums**, a region may lower them, never raise them
//!   (`rules.override_above_legal_maximum`), as `objection_answer_days` in projects.
//!
//! Each override is a row of `remedy_rule_overrides` (migration 0243). The use cases read the
//! national row and apply the region's overrides ([`apply`]): the value, and the rule's `source`
//! becomes `"<regional document> (<field> = <value>); <national source>"`, so a refusal cites the
//! regional document. Events `remedies.rules.override_set`, `remedies.rules.override_removed`.

use crate::rules::{Kind, RaiseFrom, RemedyRule, Target};
use crate::store::rules as store;
use ggzy_core::regional::{self, Overridable, Override, RegionalValue};
use ggzy_core::{Error, Result};
use ggzy_events::remedies::{RulesOverrideRemoved, RulesOverrideSet};
use ggzy_events::Contract as _;
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which way a region may move a value (shared by every rules table: `ggzy_core::regional`).
pub use ggzy_core::regional::Bound;

/// One overridable value of a `remedy_rules` row (column, bound, sanity range, labels).
pub type RemedyField = Overridable<'static>;

pub const FIELDS: [RemedyField; 4] = [
    RemedyField {
        field: "raise_days",
        bound: Bound::AtLeast,
        range: (1, 365),
        zh: "提出期限（日）",
        en: "period to raise it (days)",
    },
    RemedyField {
        field: "answer_days",
        bound: Bound::AtMost,
        range: (0, 365),
        zh: "答复期限（日）",
        en: "time to answer (days)",
    },
    RemedyField {
        field: "accept_days",
        bound: Bound::AtMost,
        range: (1, 365),
        zh: "受理审查期限（日）",
        en: "time to accept or refuse (days)",
    },
    RemedyField {
        field: "decide_days",
        bound: Bound::AtMost,
        range: (1, 365),
        zh: "处理决定期限（日）",
        en: "time to decide (days)",
    },
];

pub fn field_of(field: &str) -> Option<&'static RemedyField> {
    FIELDS.iter().find(|f| f.field == field)
}

/// The national value of `field` in `rule`, when the row has one a region may override.
pub fn national_value(rule: &RemedyRule, field: &str) -> Option<i64> {
    match field {
        "raise_days" => matches!(
            rule.raise_from,
            RaiseFrom::Registered
                | RaiseFrom::Known
                | RaiseFrom::AfterAnswer
                | RaiseFrom::DuringPublicity
        )
        .then_some(i64::from(rule.raise.n)),
        "answer_days" => rule.answer.map(|d| i64::from(d.n)),
        "accept_days" => rule.accept.map(|d| i64::from(d.n)),
        "decide_days" => rule.decide.map(|d| i64::from(d.n)),
        _ => None,
    }
}

/// Is `value` allowed for a region, given the national `legal` value? Pure
/// (`ggzy_core::regional::check_value`).
pub fn check_value(f: &RemedyField, legal: i64, value: i64, legal_source: &str) -> Result<()> {
    regional::check_value(*f, legal, value, legal_source)
}

/// Apply the region's overrides to a national rule (value and citation).
pub(crate) async fn apply(
    conn: &mut sqlx::AnyConnection,
    region: &str,
    rule: &mut RemedyRule,
) -> Result<()> {
    let rows =
        store::overrides_of_rule(conn, region, (&rule.market, rule.kind, rule.target)).await?;
    let mut cited = Vec::new();
    for r in rows {
        let field = r.field;
        let value = u32::try_from(r.value).map_err(|_| Error::internal("stored override value"))?;
        let citation = r.citation;
        match field.as_str() {
            "raise_days" => rule.raise.n = value,
            "answer_days" => {
                if let Some(d) = rule.answer.as_mut() {
                    d.n = value
                }
            }
            "accept_days" => {
                if let Some(d) = rule.accept.as_mut() {
                    d.n = value
                }
            }
            "decide_days" => {
                if let Some(d) = rule.decide.as_mut() {
                    d.n = value
                }
            }
            other => {
                return Err(Error::internal(format!(
                    "remedy_rule_overrides: unknown field {other}"
                )))
            }
        }
        cited.push(format!("{citation} ({field} = {value})"));
    }
    if !cited.is_empty() {
        rule.source = format!("{}; national: {}", cited.join("; "), rule.source);
    }
    Ok(())
}

/// An overridable value of the remedy rules as the platform's region sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RemedyRuleEntry {
    pub market: String,
    pub kind: Kind,
    pub target: Target,
    /// `calendar` or `working` days.
    pub day_kind: ggzy_core::period::DayKind,
    /// The value: national (with the law and article of the national row), the region's, in
    /// effect.
    #[serde(flatten)]
    pub value: RegionalValue,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionalRemedyRules {
    /// The platform's configured region (`Settings::region`).
    pub region: String,
    pub entries: Vec<RemedyRuleEntry>,
}

fn day_kind_of(rule: &RemedyRule, field: &str) -> ggzy_core::period::DayKind {
    match field {
        "answer_days" => rule.answer.map(|d| d.kind),
        "accept_days" => rule.accept.map(|d| d.kind),
        "decide_days" => rule.decide.map(|d| d.kind),
        _ => None,
    }
    .unwrap_or(rule.raise.kind)
}

/// Every overridable value of the national rows, with the platform region's overrides (admin).
pub async fn regional_rules(ctx: &Ctx, actor: &Actor) -> Result<RegionalRemedyRules> {
    actor.require(&[Role::Admin])?;
    let region = ctx.settings.region.clone();
    let mut conn = ctx.db.pool().acquire().await?;
    let national = crate::service::national_rules(&mut conn).await?;
    let ov = store::overrides_in(&mut conn, &region).await?;
    let mut entries = Vec::new();
    for rule in &national {
        for f in &FIELDS {
            let Some(value) = national_value(rule, f.field) else {
                continue;
            };
            let mut o = None;
            for r in &ov {
                if r.market == rule.market
                    && r.kind == rule.kind.as_str()
                    && r.target == rule.target.as_str()
                    && r.field == f.field
                {
                    o = Some(Override {
                        value: r.value,
                        citation: r.citation.clone(),
                        set_at: r.set_at,
                    });
                }
            }
            entries.push(RemedyRuleEntry {
                market: rule.market.clone(),
                kind: rule.kind,
                target: rule.target,
                day_kind: day_kind_of(rule, f.field),
                value: RegionalValue::new(*f, value, rule.source.clone(), o),
            });
        }
    }
    Ok(RegionalRemedyRules { region, entries })
}

/// Sets the platform region's value of one field of one `remedy_rules` row.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewRemedyOverride {
    pub market: String,
    pub kind: String,
    pub target: String,
    /// `raise_days`, `answer_days`, `accept_days` or `decide_days`.
    pub field: String,
    pub value: i64,
    /// The regional document that sets it (name, 文号 and article).
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub citation: String,
}

/// Removes the platform region's value: the national one applies again.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RemedyOverrideRemoval {
    pub market: String,
    pub kind: String,
    pub target: String,
    pub field: String,
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// The field and the national rule a key names (locked: changes of one row queue); 422 naming
/// the field otherwise.
async fn resolve(
    ctx: &Ctx,
    tx: &mut ggzy_store::Tx,
    market: &str,
    kind: &str,
    target: &str,
    field: &str,
) -> Result<(&'static RemedyField, RemedyRule, i64)> {
    let f = field_of(field).ok_or_else(|| {
        Error::field(
            "field",
            "rules.field_unknown",
            format!(
                "remedy_rules has no overridable value '{field}'; one of: raise_days, answer_days, \
                 accept_days, decide_days"
            ),
        )
    })?;
    let kind = Kind::parse(kind)?;
    let target = Target::parse(target)?;
    let rule = crate::service::national_rule(tx, ctx.db.for_update(), market, kind, target)
        .await?
        .ok_or_else(|| {
            Error::field(
                "market",
                "rules.no_national_row",
                format!(
                    "remedy_rules has no row for {market} {} against the {}",
                    kind.as_str(),
                    target.as_str()
                ),
            )
        })?;
    let legal = national_value(&rule, f.field).ok_or_else(|| {
        Error::field(
            "field",
            "rules.field_not_applicable",
            format!(
                "this rule has no {} a region may change ({})",
                f.en, rule.source
            ),
        )
    })?;
    Ok((f, rule, legal))
}

/// Set the platform region's override of one value (admin): stricter than or equal to the law.
pub async fn set_override(
    ctx: &Ctx,
    actor: &Actor,
    input: NewRemedyOverride,
) -> Result<RemedyRuleEntry> {
    actor.require(&[Role::Admin])?;
    let region = ctx.settings.region.clone();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let (f, rule, legal) = resolve(
        ctx,
        &mut tx,
        &input.market,
        &input.kind,
        &input.target,
        &input.field,
    )
    .await?;
    let citation = regional::check_override(*f, legal, input.value, &rule.source, &input.citation)?;
    store::upsert_override(
        &mut tx,
        store::OverrideWrite {
            region: &region,
            market: &rule.market,
            kind: rule.kind,
            target: rule.target,
            field: f.field,
            value: input.value,
            citation: &citation,
            set_by: &actor.user_id,
            set_at: now,
        },
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        RulesOverrideSet {
            region: region.clone(),
            market: rule.market.clone(),
            kind: rule.kind.as_str().into(),
            target: rule.target.as_str().into(),
            field: f.field.into(),
            value: input.value,
            national_value: legal,
            national_source: rule.source.clone(),
            citation: citation.clone(),
        }
        .encode(),
    )
    .await?;
    let answer = RemedyRuleEntry {
        market: rule.market.clone(),
        kind: rule.kind,
        target: rule.target,
        day_kind: day_kind_of(&rule, f.field),
        value: RegionalValue::new(
            *f,
            legal,
            rule.source.clone(),
            Some(Override {
                value: input.value,
                citation,
                set_at: now,
            }),
        ),
    };
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

/// Remove the platform region's override of one value (admin): the national value applies again.
pub async fn remove_override(ctx: &Ctx, actor: &Actor, input: RemedyOverrideRemoval) -> Result<()> {
    actor.require(&[Role::Admin])?;
    let reason = regional::check_reason(&input.reason)?;
    let region = ctx.settings.region.clone();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let (f, rule, legal) = resolve(
        ctx,
        &mut tx,
        &input.market,
        &input.kind,
        &input.target,
        &input.field,
    )
    .await?;
    let n = store::delete_override(
        &mut tx,
        &region,
        (&rule.market, rule.kind, rule.target),
        f.field,
    )
    .await?;
    if n != 1 {
        return Err(Error::not_found(format!(
            "override of {} for {} {} against the {} in region {region}",
            f.field,
            rule.market,
            rule.kind.as_str(),
            rule.target.as_str()
        )));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        RulesOverrideRemoved {
            region: region.clone(),
            market: rule.market.clone(),
            kind: rule.kind.as_str().into(),
            target: rule.target.as_str().into(),
            field: f.field.into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_raisers_period_is_only_lengthened_and_a_time_to_act_only_shortened() {
        let raise = field_of("raise_days").unwrap();
        assert!(check_value(raise, 7, 7, "政采法 52").is_ok());
        assert!(check_value(raise, 7, 10, "政采法 52").is_ok());
        let e = check_value(raise, 7, 6, "政采法 52").unwrap_err();
        assert_eq!(
            e.to_problem().errors[0].rule,
            "rules.override_below_legal_minimum"
        );
        let answer = field_of("answer_days").unwrap();
        assert!(check_value(answer, 3, 2, "实施条例 54").is_ok());
        let e = check_value(answer, 3, 4, "实施条例 54").unwrap_err();
        assert_eq!(
            e.to_problem().errors[0].rule,
            "rules.override_above_legal_maximum"
        );
        assert!(field_of("suspend_max_days").is_none());
    }
}
