//! The capital-increase agreement (增资协议), the deal, and the result publicity.

use super::*;
use crate::store::capital as store;

/// Record the capital-increase agreement (staff, admin, or the enterprise itself) and start the
/// result publicity; the agreement is the deal (`auctions.deal.confirmed`, `via:
/// "capital_increase"`) with every selected investor: the first as the winner, the others as
/// `co_winners`, the price the total of their amounts.
pub async fn agree(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    input: AgreementInput,
) -> Result<CapitalIncreaseView> {
    let r = CapitalIncreaseRules::national();
    let (mut tx, ci, now) = managed(
        ctx,
        actor,
        id,
        NeedsPhase {
            phase: CapitalPhase::Selected,
            rule: "capital.not_selected",
            refusal: |phase| {
                format!("the agreement follows the investor's selection (phase {phase})")
            },
        },
    )
    .await?;
    let sel = store::selected(&mut tx, id).await?;
    let investor: String = sel.investor_org_id;
    let amount_fen: i64 = sel.amount_fen;
    let decided_at = sel.decided_at;
    let mut v = Vec::new();
    let no = input.agreement_no.trim();
    if no.is_empty() || no.chars().count() > 100 {
        v.push(FieldError::new(
            "agreement_no",
            "capital.agreement_no",
            "the agreement's number, at most 100 characters",
        ));
    }
    let today = local_date(now);
    if input.signed_on < local_date(decided_at) || input.signed_on > today {
        v.push(FieldError::new(
            "signed_on",
            "capital.agreement_signed_on",
            format!(
                "signed on or after the selection ({}) and not after today ({today})",
                local_date(decided_at)
            ),
        ));
    }
    let end = input.publicity_end.with_timezone(&chrono::Utc);
    let mut missing = crate::rules::Missing::new();
    v.extend(check_publicity(&r, &ctx.calendar, now, end, &mut missing));
    if !v.is_empty() {
        return Err(Error::Validation(v));
    }
    let deal_id = ids::new_id();
    store::insert_agreement(
        &mut tx,
        id,
        &store::NewAgreement {
            deal_id: &deal_id,
            agreement_no: no,
            signed_on: input.signed_on,
            amount_fen,
            publicity_start: now,
            publicity_end: end,
            recorded_by: &actor.user_id,
            recorded_at: now,
        },
    )
    .await?;
    store::mark_agreed(&mut tx, id).await?;
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
    // Every selected investor, best first (the first is `investor`), with its bidder number.
    let investors = store::investors_with_numbers(&mut tx, id, &ci.section_id).await?;
    let number = investors.first().and_then(|i| i.number.clone());
    let bidders = crate::store::sections::numbered_bidders(&mut tx, &ci.section_id).await?;
    let losers: Vec<String> = bidders
        .iter()
        .filter(|o| !investors.iter().any(|i| i.org_id == **o))
        .cloned()
        .collect();
    let several = investors.len() > 1;
    let selected: Option<Vec<SelectedInvestor>> = several.then(|| {
        investors
            .iter()
            .map(|i| SelectedInvestor {
                org_id: i.org_id.clone(),
                amount: Money::from_fen(i.amount_fen),
                total: points_str(i.total_centi),
            })
            .collect()
    });
    let co_winners: Option<Vec<CoWinner>> = several.then(|| {
        investors[1..]
            .iter()
            .map(|i| CoWinner {
                org_id: i.org_id.clone(),
                number: i.number.clone(),
                amount: Money::from_fen(i.amount_fen),
            })
            .collect()
    });
    let price = Money::from_fen(amount_fen);
    ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        CapitalIncreaseAgreed {
            capital_increase_id: id.to_string(),
            deal_id: deal_id.clone(),
            section_id: ci.section_id.clone(),
            project_id: ci.project_id.clone(),
            investor_org_id: investor.clone(),
            amount: price,
            amount_sought: Money::from_fen(ci.amount_sought_fen),
            agreement_no: no.to_string(),
            signed_on: input.signed_on,
            publicity_start: now,
            publicity_end: end,
            source: r.publicity_source.to_string(),
            investors: selected,
        }
        .encode(),
    )
    .await?;
    // The agreement is the deal: deposits settle it, publishing drafts the result announcement,
    // projects concludes the section (the same consumers as a listing's deal).
    ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        CapitalIncreaseDealConfirmed {
            deal_id,
            auction_id: id.to_string(),
            capital_increase_id: id.to_string(),
            section_id: ci.section_id.clone(),
            project_id: ci.project_id.clone(),
            market: "property".into(),
            winner_org_id: investor.clone(),
            winner_number: number.unwrap_or_default(),
            price,
            via: "capital_increase".into(),
            confirmed_at: now,
            publicity_start_at: now,
            publicity_end_at: end,
            bidder_org_ids: bidders,
            loser_org_ids: losers,
            co_winners,
        }
        .encode(),
    )
    .await?;
    let answer = view_of(&mut tx, id).await?;
    ctx.db.commit_answering(tx, 201, &answer, now).await?;
    Ok(answer)
}
