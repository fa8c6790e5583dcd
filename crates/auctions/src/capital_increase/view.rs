//! The capital increase as staff, supervisors and the enterprise see it.

use super::*;
use crate::store::capital as store;

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
    let r = store::increase_view(&mut *conn, id)
        .await?
        .ok_or_else(|| Error::not_found("capital increase"))?;
    let section_id: String = r.section_id;
    let criteria = store::criteria(&mut *conn, id).await?;
    let selection = match store::selection(&mut *conn, id).await? {
        None => None,
        Some(s) => {
            let rows = store::scores(&mut *conn, id, &section_id).await?;
            let mut by_org: BTreeMap<String, InvestorPoints> = BTreeMap::new();
            for row in rows {
                let e = by_org.entry(row.org_id).or_insert((
                    row.amount_fen,
                    row.number,
                    BTreeMap::new(),
                ));
                e.2.insert(row.criterion, row.points_centi);
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
            let winner: String = s.investor_org_id;
            let chosen = store::chosen_investors(&mut *conn, id).await?;
            // The selected investors first (in their order), then the others by total.
            let place = |o: &str| chosen.iter().position(|c| c == o).unwrap_or(chosen.len());
            let total_of = |v: &ScoreView| parse_points(&v.total).unwrap_or(0);
            scores.sort_by(|a, b| {
                place(&a.org_id)
                    .cmp(&place(&b.org_id))
                    .then(total_of(b).cmp(&total_of(a)))
            });
            let investors: Vec<SelectedInvestorView> = scores
                .iter()
                .filter(|v| chosen.contains(&v.org_id))
                .map(|v| SelectedInvestorView {
                    org_id: v.org_id.clone(),
                    bidder_number: v.bidder_number.clone(),
                    amount: v.amount.clone(),
                    total: v.total.clone(),
                })
                .collect();
            for (i, sc) in scores.iter_mut().enumerate() {
                sc.rank = i as i64 + 1;
            }
            Some(SelectionView {
                investor_org_id: winner,
                amount: s.amount_fen.to_string(),
                investors,
                total: points_str(s.total_centi),
                lot_seed: s.lot_seed,
                notes: s.notes,
                decided_at: s.decided_at.to_rfc3339(),
                scores,
            })
        }
    };
    let agreement = store::agreement(&mut *conn, id)
        .await?
        .map(|a| AgreementView {
            deal_id: a.deal_id,
            agreement_no: a.agreement_no,
            signed_on: a.signed_on,
            amount: a.amount_fen.to_string(),
            publicity_start: a.publicity_start.to_rfc3339(),
            publicity_end: a.publicity_end.to_rfc3339(),
        });
    Ok(CapitalIncreaseView {
        id: id.to_string(),
        section_id,
        project_id: r.project_id,
        phase: r.phase,
        disclosure_start: r.disclosure_start.to_rfc3339(),
        disclosure_end: r.disclosure_end.to_rfc3339(),
        amount_sought: r.amount_sought_fen.to_string(),
        investors_sought: r.investors_sought,
        amount_minimum: r.amount_minimum_fen.map(|m| Money::from_fen(m).to_string()),
        method: r.method,
        criteria,
        periods_provisional: r.periods_provisional,
        selection,
        agreement,
        failure: r.failed_at.map(|at| FailureView {
            reason: r.failure_reason.unwrap_or_default(),
            failed_at: at.to_rfc3339(),
        }),
    })
}
