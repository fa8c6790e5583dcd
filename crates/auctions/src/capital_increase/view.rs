//! The capital increase as staff, supervisors and the enterprise see it.

use super::*;

/// The capital increase (staff, admin, supervisor; the enterprise that registered the project
/// reads its own — 404 for anyone else).
pub async fn view(ctx: &Ctx, actor: &Actor, id: &str) -> Result<CapitalIncreaseView> {
    actor.require(&[
        Role::Staff,
        Role::Admin,
        Role::Supervisor,
        Role::Tenderer,
        Role::Agency,
    ])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let ci = load(&mut conn, id, "").await?;
    if matches!(actor.role, Role::Tenderer | Role::Agency) {
        let org = actor.org_id.as_deref().unwrap_or_default();
        if !crate::property::is_transferor(&mut conn, &ci.section_id, org).await? {
            return Err(Error::not_found("capital increase"));
        }
    }
    view_of(&mut conn, id).await
}

pub(super) async fn view_of(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<CapitalIncreaseView> {
    let r = sqlx::query(
        "SELECT section_id, project_id, phase, disclosure_start, disclosure_end, amount_sought_fen, \
         method, periods_provisional FROM capital_increases WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("capital increase"))?;
    let section_id: String = r.try_get(0)?;
    let criteria: Vec<Criterion> = sqlx::query(
        "SELECT name, weight FROM capital_increase_criteria WHERE capital_increase_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Criterion {
            name: r.try_get(0)?,
            weight: r.try_get(1)?,
        })
    })
    .collect::<Result<_>>()?;
    let selection = match sqlx::query(
        "SELECT investor_org_id, amount_fen, total_centi, lot_seed, notes, decided_at \
         FROM capital_increase_selections WHERE capital_increase_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    {
        None => None,
        Some(s) => {
            let rows = sqlx::query(
                "SELECT c.org_id, c.amount_fen, c.criterion, c.points_centi, b.number \
                 FROM capital_increase_scores c LEFT JOIN auction_bidders b \
                 ON b.section_id = $2 AND b.org_id = c.org_id \
                 WHERE c.capital_increase_id = $1 ORDER BY c.org_id, c.criterion",
            )
            .bind(id)
            .bind(&section_id)
            .fetch_all(&mut *conn)
            .await?;
            let mut by_org: BTreeMap<String, InvestorPoints> = BTreeMap::new();
            for row in &rows {
                let e = by_org.entry(row.try_get(0)?).or_insert((
                    row.try_get(1)?,
                    row.try_get(4)?,
                    BTreeMap::new(),
                ));
                e.2.insert(row.try_get(2)?, row.try_get(3)?);
            }
            let mut scores: Vec<ScoreView> = by_org
                .into_iter()
                .map(|(org_id, (amount, number, pts))| ScoreView {
                    org_id,
                    bidder_number: number,
                    amount: Money::from_fen(amount).to_string(),
                    total: points_str(pts.values().sum()),
                    points: pts.into_iter().map(|(k, p)| (k, points_str(p))).collect(),
                    rank: 0,
                })
                .collect();
            let winner: String = s.try_get(0)?;
            let total_of = |v: &ScoreView| parse_points(&v.total).unwrap_or(0);
            scores.sort_by(|a, b| {
                (b.org_id == winner)
                    .cmp(&(a.org_id == winner))
                    .then(total_of(b).cmp(&total_of(a)))
            });
            for (i, sc) in scores.iter_mut().enumerate() {
                sc.rank = i as i64 + 1;
            }
            Some(SelectionView {
                investor_org_id: winner,
                amount: Money::from_fen(s.try_get(1)?).to_string(),
                total: points_str(s.try_get(2)?),
                lot_seed: s.try_get(3)?,
                notes: s.try_get(4)?,
                decided_at: from_micros(s.try_get(5)?).to_rfc3339(),
                scores,
            })
        }
    };
    let agreement = sqlx::query(
        "SELECT deal_id, agreement_no, signed_on, amount_fen, publicity_start, publicity_end \
         FROM capital_increase_agreements WHERE capital_increase_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(|a| -> Result<AgreementView> {
        Ok(AgreementView {
            deal_id: a.try_get(0)?,
            agreement_no: a.try_get(1)?,
            signed_on: a.try_get(2)?,
            amount: Money::from_fen(a.try_get(3)?).to_string(),
            publicity_start: from_micros(a.try_get(4)?).to_rfc3339(),
            publicity_end: from_micros(a.try_get(5)?).to_rfc3339(),
        })
    })
    .transpose()?;
    Ok(CapitalIncreaseView {
        id: id.to_string(),
        section_id,
        project_id: r.try_get(1)?,
        phase: r.try_get(2)?,
        disclosure_start: from_micros(r.try_get(3)?).to_rfc3339(),
        disclosure_end: from_micros(r.try_get(4)?).to_rfc3339(),
        amount_sought: Money::from_fen(r.try_get(5)?).to_string(),
        method: r.try_get(6)?,
        criteria,
        periods_provisional: r.try_get::<i64, _>(7)? != 0,
        selection,
        agreement,
    })
}
