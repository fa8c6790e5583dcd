//! The remedy rules table (national rules and the rule views).

use super::*;
use crate::store::rules::{self as store, RuleRow};

fn opt_days(d: Option<i64>, kind: Option<String>) -> Result<Option<Days>> {
    match (d, kind) {
        (Some(d), Some(kind)) => Ok(Some(days(d, &kind)?)),
        _ => Ok(None),
    }
}

impl RuleRow {
    fn into_rule(self) -> Result<RemedyRule> {
        Ok(RemedyRule {
            market: self.market,
            kind: self.kind,
            target: self.target,
            raise_from: self.raise_from,
            raise: days(self.raise_days, &self.raise_day_kind)?,
            answer: opt_days(self.answer_days, self.answer_day_kind)?,
            accept: opt_days(self.accept_days, self.accept_day_kind)?,
            decide: opt_days(self.decide_days, self.decide_day_kind)?,
            decide_from_raised: self.decide_from.as_deref() == Some("raised"),
            suspends: self.suspends,
            suspend_max_days: self.suspend_max_days.and_then(|d| u32::try_from(d).ok()),
            escalates_to: self.escalates_to,
            requires_prior: self.requires_prior,
            source: self.source,
            confirmed: self.confirmed,
        })
    }
}

/// The national row of (market, kind, target), optionally locked (`lock`: the engine's
/// `FOR UPDATE` or "").
pub(crate) async fn national_rule(
    conn: &mut sqlx::AnyConnection,
    lock: &str,
    market: &str,
    kind: Kind,
    target: Target,
) -> Result<Option<RemedyRule>> {
    store::rule_row(conn, lock, market, kind, target)
        .await?
        .map(RuleRow::into_rule)
        .transpose()
}

/// Every national row.
pub(crate) async fn national_rules(conn: &mut sqlx::AnyConnection) -> Result<Vec<RemedyRule>> {
    store::rule_rows(conn)
        .await?
        .into_iter()
        .map(RuleRow::into_rule)
        .collect()
}

/// The rule in effect in `region`: the national row with the region's overrides applied
/// (value and citation, [`crate::regional::apply`]).
pub(super) async fn load_rule(
    conn: &mut sqlx::AnyConnection,
    region: &str,
    market: &str,
    kind: Kind,
    target: Target,
) -> Result<Option<RemedyRule>> {
    let Some(mut rule) = national_rule(conn, "", market, kind, target).await? else {
        return Ok(None);
    };
    crate::regional::apply(conn, region, &mut rule).await?;
    Ok(Some(rule))
}

/// One row of the rules table as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleView {
    pub market: String,
    pub kind: Kind,
    pub target: Target,
    /// How the period for raising it is counted (see migration 0140).
    pub raise_from: String,
    pub raise_days: u32,
    pub raise_day_kind: ggzy_core::period::DayKind,
    pub answer_days: Option<u32>,
    pub accept_days: Option<u32>,
    pub decide_days: Option<u32>,
    /// `always`, `supervisor` (may be ordered on acceptance) or `never`.
    pub suspends: String,
    pub suspend_max_days: Option<u32>,
    pub escalates_to: Option<Kind>,
    pub requires_prior: Option<Kind>,
    pub source: String,
    /// false: the article could not be confirmed (see `source`).
    pub confirmed: bool,
}

/// The rules table in effect in the platform's region (national rows with the region's
/// overrides applied), every market.
pub async fn list_rules(ctx: &Ctx) -> Result<Vec<RuleView>> {
    let mut conn = ctx.db.pool().acquire().await?;
    let rows = store::rule_rows(&mut conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        // The national row's codes, as stored (the region overrides values only).
        let (raise_from, suspends) = (r.raise_from, r.suspends);
        let mut rule = r.into_rule()?;
        crate::regional::apply(&mut conn, &ctx.settings.region, &mut rule).await?;
        out.push(RuleView {
            market: rule.market.clone(),
            kind: rule.kind,
            target: rule.target,
            raise_from: raise_from.as_str().to_string(),
            raise_days: rule.raise.n,
            raise_day_kind: rule.raise.kind,
            answer_days: rule.answer.map(|d| d.n),
            accept_days: rule.accept.map(|d| d.n),
            decide_days: rule.decide.map(|d| d.n),
            suspends: suspends.as_str().to_string(),
            suspend_max_days: rule.suspend_max_days,
            escalates_to: rule.escalates_to,
            requires_prior: rule.requires_prior,
            source: rule.source,
            confirmed: rule.confirmed,
        });
    }
    Ok(out)
}
