//! The capital increase as staff, supervisors and the enterprise see it.

use super::*;
use ggzy_core::sql::{At, Flag, MaybeAt};

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
    let r: IncreaseRow = sqlx::query_as(
        "SELECT section_id, project_id, CASE WHEN failed_at IS NOT NULL THEN 'failed' ELSE phase END AS phase, disclosure_start, disclosure_end, \
         amount_sought_fen, method, periods_provisional, failed_at, failure_reason, \
         investors_sought, amount_minimum_fen FROM capital_increases WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("capital increase"))?;
    let section_id: String = r.section_id;
    let criteria: Vec<Criterion> = sqlx::query_as(
        "SELECT name, weight FROM capital_increase_criteria WHERE capital_increase_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let selection = match sqlx::query_as::<_, SelectionRow>(
        "SELECT investor_org_id, amount_fen, total_centi, lot_seed, notes, decided_at \
         FROM capital_increase_selections WHERE capital_increase_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    {
        None => None,
        Some(s) => {
            let rows: Vec<ScoreRow> = sqlx::query_as(
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
            let chosen: Vec<String> = sqlx::query_scalar(
                "SELECT org_id FROM capital_increase_investors WHERE capital_increase_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
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
    let agreement = sqlx::query_as::<_, AgreementRow>(
        "SELECT deal_id, agreement_no, signed_on, amount_fen, publicity_start, publicity_end \
         FROM capital_increase_agreements WHERE capital_increase_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
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

#[derive(sqlx::FromRow)]
struct IncreaseRow {
    section_id: String,
    project_id: String,
    phase: String,
    #[sqlx(try_from = "At")]
    disclosure_start: Timestamp,
    #[sqlx(try_from = "At")]
    disclosure_end: Timestamp,
    amount_sought_fen: Money,
    method: String,
    #[sqlx(try_from = "Flag")]
    periods_provisional: bool,
    #[sqlx(try_from = "MaybeAt")]
    failed_at: Option<Timestamp>,
    failure_reason: Option<String>,
    investors_sought: i64,
    amount_minimum_fen: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct SelectionRow {
    investor_org_id: String,
    amount_fen: Money,
    total_centi: i64,
    lot_seed: Option<String>,
    notes: String,
    #[sqlx(try_from = "At")]
    decided_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct ScoreRow {
    org_id: String,
    amount_fen: i64,
    criterion: String,
    points_centi: i64,
    number: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AgreementRow {
    deal_id: String,
    agreement_no: String,
    signed_on: String,
    amount_fen: Money,
    #[sqlx(try_from = "At")]
    publicity_start: Timestamp,
    #[sqlx(try_from = "At")]
    publicity_end: Timestamp,
}
