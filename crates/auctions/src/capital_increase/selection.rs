//! The enterprise's selection (遴选) of the investor by the disclosed criteria.

use super::*;
use crate::store::capital as store;

/// Record the enterprise's selection (staff, admin, or the enterprise itself): after the disclosure end, every qualified
/// investor scored on every disclosed criterion; the highest total is selected — or, when the
/// disclosure seeks several investors, the best-ranked ones by [`choose`].
pub async fn select(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    input: SelectionInput,
) -> Result<CapitalIncreaseView> {
    let r = CapitalIncreaseRules::national();
    let (mut tx, ci, now) = managed(
        ctx,
        actor,
        id,
        NeedsPhase {
            phase: CapitalPhase::Disclosure,
            rule: "capital.selected",
            refusal: |phase| format!("the investor is already selected (phase {phase})"),
        },
    )
    .await?;
    if now < ci.disclosure_end {
        return Err(Error::conflict(
            "capital.disclosure_running",
            format!(
                "investors are selected after the disclosure ends ({})",
                ci.disclosure_end.to_rfc3339()
            ),
        ));
    }
    let criteria: Vec<(String, i64)> = store::criteria(&mut tx, id)
        .await?
        .into_iter()
        .map(|c| (c.name, c.weight))
        .collect();
    let qualified = crate::store::sections::numbered_bidders(&mut tx, &ci.section_id).await?;
    if qualified.is_empty() {
        return Err(Error::conflict(
            "capital.no_investor",
            "no qualified investor (意向投资方 registered with a valid deposit) applied",
        ));
    }
    let mut v = Vec::new();
    let mut scored = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, s) in input.scores.iter().enumerate() {
        if !qualified.contains(&s.org_id) || !seen.insert(s.org_id.clone()) {
            v.push(FieldError::new(
                format!("scores[{i}].org_id"),
                "capital.selection_investor",
                "a qualified investor of this capital increase (registered, deposit valid), once",
            ));
            continue;
        }
        let amount = money(&mut v, &format!("scores[{i}].amount"), &s.amount);
        let mut points = Vec::new();
        let names: std::collections::BTreeSet<&str> =
            criteria.iter().map(|(n, _)| n.as_str()).collect();
        if s.points.keys().any(|k| !names.contains(k.as_str())) || s.points.len() != names.len() {
            v.push(FieldError::new(
                format!("scores[{i}].points"),
                "capital.selection_criteria",
                format!(
                    "points for exactly the disclosed criteria: {}",
                    criteria
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            continue;
        }
        for (name, weight) in &criteria {
            match parse_points(&s.points[name]) {
                Some(p) if p <= weight * 100 => points.push((name.clone(), p)),
                _ => v.push(FieldError::new(
                    format!("scores[{i}].points.{name}"),
                    "capital.selection_points",
                    format!("between 0 and the criterion's weight {weight}, at most 2 decimals"),
                )),
            }
        }
        if let (Some(a), true) = (amount, points.len() == criteria.len()) {
            scored.push(Scored {
                org_id: s.org_id.clone(),
                amount_fen: a.fen(),
                total_centi: points.iter().map(|(_, p)| p).sum(),
                points,
            });
        }
    }
    let missing_investors: Vec<&String> = qualified.iter().filter(|o| !seen.contains(*o)).collect();
    if !missing_investors.is_empty() {
        v.push(FieldError::new(
            "scores",
            "capital.selection_incomplete",
            format!(
                "the decision scores every qualified investor; {} not scored",
                missing_investors.len()
            ),
        ));
    }
    if input.notes.trim().is_empty() || input.notes.chars().count() > 4000 {
        v.push(FieldError::new(
            "notes",
            "capital.selection_notes",
            "the record of the negotiation or evaluation (遴选记录), at most 4000 characters",
        ));
    }
    if !v.is_empty() {
        return Err(Error::Validation(v));
    }
    let seed = ids::random_hex(32);
    let (ranked, tied) = rank(scored, &seed);
    let lot_seed = (!tied.is_empty()).then(|| seed.clone());
    let n = choose(&r, &ranked, &ci.sought()).map_err(|e| Error::Validation(vec![e]))?;
    let chosen = &ranked[..n];
    let winner = chosen[0].clone();
    let total_fen: i64 = chosen.iter().map(|s| s.amount_fen).sum();
    for (seq, s) in chosen.iter().enumerate() {
        store::insert_investor(
            &mut tx,
            id,
            seq as i64,
            &s.org_id,
            s.amount_fen,
            s.total_centi,
        )
        .await?;
    }
    for s in &ranked {
        for (name, p) in &s.points {
            store::insert_score(&mut tx, id, &s.org_id, s.amount_fen, name, *p).await?;
        }
    }
    store::insert_selection(
        &mut tx,
        id,
        &store::NewSelection {
            investor_org_id: &winner.org_id,
            amount_fen: total_fen,
            total_centi: winner.total_centi,
            lot_seed: lot_seed.as_deref(),
            notes: input.notes.trim(),
            decided_by: &actor.user_id,
            decided_at: now,
        },
    )
    .await?;
    store::mark_selected(&mut tx, id).await?;
    ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        CapitalIncreaseSelected {
            capital_increase_id: id.to_string(),
            section_id: ci.section_id.clone(),
            project_id: ci.project_id.clone(),
            investor_org_id: winner.org_id.clone(),
            amount: Money::from_fen(total_fen),
            total: points_str(winner.total_centi),
            ranking: ranked
                .iter()
                .map(|s| RankedInvestor {
                    org_id: s.org_id.clone(),
                    total: points_str(s.total_centi),
                })
                .collect(),
            lot: lot_seed.as_ref().map(|s| SelectionLot {
                seed: s.clone(),
                tied: tied.clone(),
                rule: ggzy_core::lot::RULE.to_string(),
            }),
            source: r.selection_source.to_string(),
            investors: (n > 1).then(|| {
                chosen
                    .iter()
                    .map(|s| SelectedInvestor {
                        org_id: s.org_id.clone(),
                        amount: Money::from_fen(s.amount_fen),
                        total: points_str(s.total_centi),
                    })
                    .collect()
            }),
        }
        .encode(),
    )
    .await?;
    let answer = view_of(&mut tx, id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}
