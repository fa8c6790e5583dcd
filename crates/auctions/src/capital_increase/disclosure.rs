//! Opening a capital increase (its disclosure) and the helpers the use cases share.

use super::*;

/// An investor's amount (fen), bidder number and points (hundredths) per criterion.
pub(super) type InvestorPoints = (i64, Option<String>, BTreeMap<String, i64>);

#[derive(sqlx::FromRow)]
pub(crate) struct Row0 {
    pub section_id: String,
    pub project_id: String,
    pub phase: String,
    #[sqlx(try_from = "ggzy_core::sql::At")]
    pub disclosure_end: Timestamp,
    pub amount_sought_fen: i64,
    pub investors_sought: i64,
    pub amount_minimum_fen: Option<i64>,
}

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
    pub phase: &'static str,
    pub rule: &'static str,
    pub refusal: fn(&str) -> String,
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
        return Err(Error::conflict(needs.rule, (needs.refusal)(&ci.phase)));
    }
    Ok((tx, ci, now))
}

pub(crate) async fn load(conn: &mut sqlx::AnyConnection, id: &str, lock: &str) -> Result<Row0> {
    sqlx::query_as::<_, Row0>(&format!(
        "SELECT section_id, project_id, CASE WHEN failed_at IS NOT NULL THEN 'failed' ELSE phase END AS phase, disclosure_end, amount_sought_fen, \
         investors_sought, amount_minimum_fen FROM capital_increases WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
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
    #[derive(sqlx::FromRow)]
    struct SectionRow {
        project_id: String,
        market: String,
        procedure: String,
        announced_at: Option<i64>,
    }
    let sec: SectionRow = sqlx::query_as(
        "SELECT project_id, market, procedure, announced_at FROM auction_sections WHERE section_id = $1",
    )
    .bind(&n.section_id)
    .fetch_optional(ctx.db.pool())
    .await?
    .ok_or_else(|| Error::not_found("section"))?;
    let SectionRow {
        project_id,
        market,
        procedure,
        announced_at: announced,
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
        Some(a) => v.extend(check_disclosure(&r, &ctx.calendar, a, start, end, &mut missing)),
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
    let res = sqlx::query(
        "INSERT INTO capital_increases (id, section_id, project_id, disclosure_start, disclosure_end, \
         amount_sought_fen, method, phase, periods_provisional, created_by, created_at, investors_sought, \
         amount_minimum_fen) VALUES ($1, $2, $3, $4, $5, $6, $7, 'disclosure', $8, $9, $10, $11, $12) \
         ON CONFLICT (section_id) DO NOTHING",
    )
    .bind(&id)
    .bind(&n.section_id)
    .bind(&project_id)
    .bind(to_micros(start))
    .bind(to_micros(end))
    .bind(sought.fen())
    .bind(&n.method)
    .bind(i64::from(!missing.is_empty()))
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .bind(investors_sought)
    .bind(minimum.map(|m| m.fen()))
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() != 1 {
        tx.rollback().await?;
        return Err(Error::conflict(
            "capital.one_per_section",
            "the section already has its capital increase",
        ));
    }
    for (i, c) in n.criteria.iter().enumerate() {
        sqlx::query(
            "INSERT INTO capital_increase_criteria (capital_increase_id, seq, name, weight) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(i as i64)
        .bind(c.name.trim())
        .bind(c.weight)
        .execute(&mut *tx)
        .await?;
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
