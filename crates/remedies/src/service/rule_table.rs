//! The remedy rules table (national rules and the rule views).

use super::*;

const RULE_COLUMNS: &str = "market, kind, target, raise_from, raise_days, raise_day_kind, \
    answer_days, answer_day_kind, accept_days, accept_day_kind, decide_days, decide_day_kind, \
    decide_from, suspends, suspend_max_days, escalates_to, requires_prior, source, confirmed";

fn opt_days(r: &sqlx::any::AnyRow, n: usize, k: usize) -> Result<Option<Days>> {
    let d: Option<i64> = r.try_get(n)?;
    let kind: Option<String> = r.try_get(k)?;
    match (d, kind) {
        (Some(d), Some(kind)) => Ok(Some(days(d, &kind)?)),
        _ => Ok(None),
    }
}

fn rule_row(r: &sqlx::any::AnyRow) -> Result<RemedyRule> {
    let opt_kind = |v: Option<String>| v.map(|k| Kind::parse(&k)).transpose();
    Ok(RemedyRule {
        market: r.try_get(0)?,
        kind: Kind::parse(&r.try_get::<String, _>(1)?)?,
        target: Target::parse(&r.try_get::<String, _>(2)?)?,
        raise_from: RaiseFrom::parse(&r.try_get::<String, _>(3)?)?,
        raise: days(r.try_get(4)?, &r.try_get::<String, _>(5)?)?,
        answer: opt_days(r, 6, 7)?,
        accept: opt_days(r, 8, 9)?,
        decide: opt_days(r, 10, 11)?,
        decide_from_raised: r.try_get::<Option<String>, _>(12)?.as_deref() == Some("raised"),
        suspends: Suspends::parse(&r.try_get::<String, _>(13)?)?,
        suspend_max_days: r
            .try_get::<Option<i64>, _>(14)?
            .and_then(|d| u32::try_from(d).ok()),
        escalates_to: opt_kind(r.try_get(15)?)?,
        requires_prior: opt_kind(r.try_get(16)?)?,
        source: r.try_get(17)?,
        confirmed: r.try_get::<i64, _>(18)? != 0,
    })
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
    sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM remedy_rules WHERE market = $1 AND kind = $2 AND target = $3{lock}"
    ))
    .bind(market)
    .bind(kind.as_str())
    .bind(target.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| rule_row(&r))
    .transpose()
}

/// Every national row.
pub(crate) async fn national_rules(conn: &mut sqlx::AnyConnection) -> Result<Vec<RemedyRule>> {
    let rows = sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM remedy_rules ORDER BY market, kind, target"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(rule_row).collect()
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
    let rows = sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM remedy_rules ORDER BY market, kind, target"
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut rule = rule_row(r)?;
        crate::regional::apply(&mut conn, &ctx.settings.region, &mut rule).await?;
        out.push(RuleView {
            market: rule.market.clone(),
            kind: rule.kind,
            target: rule.target,
            raise_from: r.try_get(3)?,
            raise_days: rule.raise.n,
            raise_day_kind: rule.raise.kind,
            answer_days: rule.answer.map(|d| d.n),
            accept_days: rule.accept.map(|d| d.n),
            decide_days: rule.decide.map(|d| d.n),
            suspends: r.try_get(13)?,
            suspend_max_days: rule.suspend_max_days,
            escalates_to: rule.escalates_to,
            requires_prior: rule.requires_prior,
            source: rule.source,
            confirmed: rule.confirmed,
        });
    }
    Ok(out)
}
