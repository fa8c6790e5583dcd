//! The capital-increase agreement (增资协议), the deal, and the result publicity.

use super::*;

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
            phase: "selected",
            rule: "capital.not_selected",
            refusal: |phase| {
                format!("the agreement follows the investor's selection (phase {phase})")
            },
        },
    )
    .await?;
    #[derive(sqlx::FromRow)]
    struct Selected {
        investor_org_id: String,
        amount_fen: i64,
        #[sqlx(try_from = "ggzy_core::sql::At")]
        decided_at: Timestamp,
    }
    let sel: Selected = sqlx::query_as(
        "SELECT investor_org_id, amount_fen, decided_at FROM capital_increase_selections \
         WHERE capital_increase_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
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
    sqlx::query(
        "INSERT INTO capital_increase_agreements (capital_increase_id, deal_id, agreement_no, \
         signed_on, amount_fen, publicity_start, publicity_end, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(&deal_id)
    .bind(no)
    .bind(input.signed_on.to_string())
    .bind(amount_fen)
    .bind(to_micros(now))
    .bind(to_micros(end))
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE capital_increases SET phase = 'agreed' WHERE id = $1 AND phase = 'selected'",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
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
    let investors: Vec<(String, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT i.org_id, i.amount_fen, i.total_centi, b.number FROM capital_increase_investors i \
         LEFT JOIN auction_bidders b ON b.section_id = $2 AND b.org_id = i.org_id \
         WHERE i.capital_increase_id = $1 ORDER BY i.seq",
    )
    .bind(id)
    .bind(&ci.section_id)
    .fetch_all(&mut *tx)
    .await?;
    let number = investors.first().and_then(|i| i.3.clone());
    let bidders: Vec<String> = sqlx::query_scalar(
        "SELECT org_id FROM auction_bidders WHERE section_id = $1 AND number IS NOT NULL ORDER BY number",
    )
    .bind(&ci.section_id)
    .fetch_all(&mut *tx)
    .await?;
    let losers: Vec<String> = bidders
        .iter()
        .filter(|o| !investors.iter().any(|i| i.0 == **o))
        .cloned()
        .collect();
    let several = investors.len() > 1;
    let selected: Option<Vec<SelectedInvestor>> = several.then(|| {
        investors
            .iter()
            .map(|i| SelectedInvestor {
                org_id: i.0.clone(),
                amount: Money::from_fen(i.1),
                total: points_str(i.2),
            })
            .collect()
    });
    let co_winners: Option<Vec<CoWinner>> = several.then(|| {
        investors[1..]
            .iter()
            .map(|i| CoWinner {
                org_id: i.0.clone(),
                number: i.3.clone(),
                amount: Money::from_fen(i.1),
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
