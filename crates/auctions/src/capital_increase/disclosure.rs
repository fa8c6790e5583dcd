//! Opening a capital increase (its disclosure) and the helpers the use cases share.

use super::*;
use crate::store::capital as store;

/// An investor's amount (fen), bidder number and points (hundredths) per criterion.
pub(super) type InvestorPoints = (i64, Option<String>, BTreeMap<String, i64>);

pub(crate) use crate::store::capital::Row0;

impl Row0 {
    pub(super) fn sought(&self) -> Sought {
        Sought {
            amount_fen: self.amount_sought_fen,
            investors: self.investors_sought,
            minimum_fen: self.amount_minimum_fen,
        }
    }
}

/// Who records the enterprise's decisions (the selection, the agreement): the centre's staff and
/// admin, and the enterprise itself (增资企业: a tenderer or agency user of the organization that
/// registered the project). Anyone else of those roles gets 404, as for the view.
pub(crate) async fn require_recorder(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    section_id: &str,
) -> Result<()> {
    actor.require(&[Role::Staff, Role::Admin, Role::Tenderer, Role::Agency])?;
    if matches!(actor.role, Role::Tenderer | Role::Agency) {
        let org = actor.org_id.as_deref().unwrap_or_default();
        if !crate::property::is_transferor(&mut *conn, section_id, org).await? {
            return Err(Error::not_found("capital increase"));
        }
    }
    Ok(())
}

/// The phase a decision needs, and the refusal otherwise (a rule id and the message given the
/// phase found).
pub(super) struct NeedsPhase {
    pub phase: CapitalPhase,
    pub rule: &'static str,
    pub refusal: fn(CapitalPhase) -> String,
}

/// The access preamble of the enterprise's decisions (selection, agreement, failure): the role,
/// a transaction with the capital increase locked, the recorder check (staff, admin or the
/// enterprise itself; 404 for another), and the phase the decision needs.
pub(super) async fn managed(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    needs: NeedsPhase,
) -> Result<(ggzy_store::Tx, Row0, Timestamp)> {
    actor.require(&[Role::Staff, Role::Admin, Role::Tenderer, Role::Agency])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let ci = load(&mut tx, id, ctx.db.for_update()).await?;
    require_recorder(&mut tx, actor, &ci.section_id).await?;
    if ci.phase != needs.phase {
        return Err(Error::conflict(needs.rule, (needs.refusal)(ci.phase)));
    }
    Ok((tx, ci, now))
}

pub(crate) async fn load(conn: &mut sqlx::AnyConnection, id: &str, lock: &str) -> Result<Row0> {
    store::capital_increase(conn, id, lock)
        .await?
        .ok_or_else(|| Error::not_found("capital increase"))
}

pub(super) fn money(v: &mut Vec<FieldError>, field: &str, s: &str) -> Option<Money> {
    match Money::parse_str(s) {
        Ok(m) if m.fen() > 0 => Some(m),
        Ok(_) => {
            v.push(FieldError::new(field, "money.positive", "must be positive"));
            None
        }
        Err(mut e) => {
            e.field = field.to_string();
            v.push(e);
            None
        }
    }
}

/// Open the capital increase of a `capital_increase` section (staff, admin, or the enterprise —
/// 增资企业, a tenderer or agency user of the organization that registered it; 404 for another).
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    n: NewCapitalIncrease,
) -> Result<CapitalIncreaseView> {
    require_recorder(&mut *ctx.db.pool().acquire().await?, actor, &n.section_id).await?;
    let r = CapitalIncreaseRules::national();
    let sec = store::increase_section(&ctx.db, &n.section_id)
        .await?
        .ok_or_else(|| Error::not_found("section"))?;
    let store::IncreaseSectionRow {
        project_id,
        market,
        procedure,
        announced_at: announced,
        predisclosed_at,
    } = sec;
    if market != "property" || procedure != "capital_increase" {
        return Err(Error::conflict(
            "capital.procedure",
            "only a section of procedure capital_increase (企业增资, property market) is a capital increase",
        ));
    }
    let mut v = Vec::new();
    let mut missing = crate::rules::Missing::new();
    let start = n.disclosure_start.with_timezone(&chrono::Utc);
    let end = n.disclosure_end.with_timezone(&chrono::Utc);
    match announced.map(from_micros) {
        None => v.push(FieldError::new(
            "section_id",
            "capital.announcement_published",
            "the capital increase's disclosure announcement (增资公告, type property_disclosure) is not published yet",
        )),
        Some(a) => v.extend(check_disclosure(
            &r,
            &ctx.calendar,
            a,
            predisclosed_at.map(from_micros),
            start,
            end,
            &mut missing,
        )),
    }
    let sought = money(&mut v, "amount_sought", &n.amount_sought);
    if n.method != "competitive_negotiation" && n.method != "comprehensive_evaluation" {
        v.push(FieldError::new(
            "method",
            "capital.method",
            format!(
                "competitive_negotiation (竞争性谈判) or comprehensive_evaluation (综合评议) ({})",
                r.selection_source
            ),
        ));
    }
    v.extend(check_criteria(&n.criteria));
    let investors_sought = n.investors_sought.unwrap_or(1);
    let minimum = match n.amount_minimum.as_deref() {
        None => None,
        Some(m) => money(&mut v, "amount_minimum", m),
    };
    if let Some(sought) = sought {
        v.extend(check_sought(
            &r,
            investors_sought,
            sought.fen(),
            minimum.map(|m| m.fen()),
        ));
    }
    let (Some(sought), true) = (sought, v.is_empty()) else {
        return Err(Error::Validation(v));
    };
    let now = ctx.clock.now();
    let id = ids::new_id();
    let mut tx = ctx.db.begin().await?;
    let inserted = store::insert_increase(
        &mut tx,
        &store::NewIncrease {
            id: &id,
            section_id: &n.section_id,
            project_id: &project_id,
            disclosure_start: start,
            disclosure_end: end,
            amount_sought: sought,
            method: &n.method,
            periods_provisional: !missing.is_empty(),
            created_by: &actor.user_id,
            created_at: now,
            investors_sought,
            amount_minimum: minimum,
        },
    )
    .await?;
    if !inserted {
        tx.rollback().await?;
        return Err(Error::conflict(
            "capital.one_per_section",
            "the section already has its capital increase",
        ));
    }
    for (i, c) in n.criteria.iter().enumerate() {
        store::insert_criterion(&mut tx, &id, i as i64, c.name.trim(), c.weight).await?;
    }
    if !missing.is_empty() {
        ggzy_store::calendar::note_missing(
            &mut tx,
            &ctx.db,
            now,
            &missing,
            "auctions.capital_increase_period",
        )
        .await?;
    }
    ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        CapitalIncreaseOpened {
            capital_increase_id: id.clone(),
            section_id: n.section_id.clone(),
            project_id: project_id.clone(),
            market: "property".into(),
            disclosure_start: start,
            disclosure_end: end,
            amount_sought: sought,
            method: n.method.clone(),
            criteria: n
                .criteria
                .iter()
                .map(|c| CapitalCriterion {
                    name: c.name.clone(),
                    weight: c.weight,
                })
                .collect(),
            source: r.disclosure_source.to_string(),
            investors_sought: (investors_sought != 1).then_some(investors_sought),
            amount_minimum: minimum,
        }
        .encode(),
    )
    .await?;
    let answer = view_of(&mut tx, &id).await?;
    ctx.db.commit_answering(tx, 201, &answer, now).await?;
    Ok(answer)
}
