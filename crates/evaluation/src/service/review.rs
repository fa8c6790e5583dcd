//! Stage 1: compliance / qualification review.

use super::*;

/// One review item of one bid (e.g. 资格审查: 营业执照, 资质; 符合性审查: 投标有效期, 工期).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewItem {
    pub item: String,
    pub pass: bool,
    /// Required when the item fails: the reason goes into the report.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BidReview {
    pub org_id: String,
    pub items: Vec<ReviewItem>,
}

/// A member's review of every opened bid, submitted once.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReviewInput {
    pub bids: Vec<BidReview>,
}

pub async fn submit_review(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ReviewInput,
) -> Result<Workbench> {
    actor.require(&[Role::Expert])?;
    let (mut tx, sec, me) = member_tx(ctx, actor, section_id).await?;
    let (_, bids) = ready_for_committee(&sec)?;
    if let Some(from) = &me.review_carried_from {
        return Err(Error::conflict(
            "review.done_by_replaced_member",
            format!(
                "the member you replaced ({from}) submitted the review; it stays counted for your seat"
            ),
        ));
    }
    if me.reviewed {
        return Err(Error::conflict(
            "review.already_submitted",
            "your review of this section is already submitted",
        ));
    }
    let mut v = ggzy_core::error::Violations::new();
    check_coverage(
        &mut v,
        "review",
        &bids.iter().map(|b| b.org_id.as_str()).collect::<Vec<_>>(),
        &input
            .bids
            .iter()
            .map(|r| r.org_id.as_str())
            .collect::<Vec<_>>(),
        "opened bid",
    );
    for (i, r) in input.bids.iter().enumerate() {
        if r.items.is_empty() {
            v.push(
                format!("bids[{i}].items"),
                "review.items_required",
                "at least one review item",
            );
        }
        for (j, it) in r.items.iter().enumerate() {
            if it.item.trim().is_empty() {
                v.push(
                    format!("bids[{i}].items[{j}].item"),
                    "review.item_required",
                    "the item reviewed is required",
                );
            }
            if !it.pass && it.reason.as_deref().map(str::trim).unwrap_or("").is_empty() {
                v.push(
                    format!("bids[{i}].items[{j}].reason"),
                    "review.reason_required",
                    "a failed item needs its reason (评标规定 第二十三条)",
                );
            }
        }
    }
    v.into_result()?;
    let now = ctx.clock.now();
    for r in &input.bids {
        let pass = r.items.iter().all(|i| i.pass);
        let items = serde_json::to_string(&r.items).map_err(|e| Error::internal(e.to_string()))?;
        crate::store::committee::insert_review(
            &mut tx,
            section_id,
            &me.expert_id,
            &r.org_id,
            pass,
            items,
            to_micros(now),
        )
        .await?;
    }
    let by = actor.actor_ref();
    stage_submitted(
        &mut tx,
        ctx,
        &by,
        now,
        section_id,
        &me.expert_id,
        Stage::Review,
    )
    .await?;
    let members = load_members(&mut tx, section_id).await?;
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    if members.iter().all(|m| m.reviewed) {
        let sc = screening(&mut tx, &sec, &members, &bids).await?;
        for org in &p.rejected {
            let (ground, basis) = sc.ground(org);
            let rejected = ggzy_events::evaluation::BidRejected {
                section_id: section_id.to_string(),
                org_id: org.clone(),
                ground: ground.into(),
                basis: basis.into(),
            };
            emit(
                &mut tx,
                &ctx.db,
                &by,
                now,
                ggzy_events::Contract::encode(&rejected),
            )
            .await?;
        }
        // The bidder proves an abnormally low price reasonable in writing (a clarification).
        for f in &sc.flagged {
            let low = PriceAbnormallyLow {
                section_id: section_id.into(),
                org_id: f.org_id.clone(),
                price: f.price.to_string(),
                others_mean: rules::round2(f.others_mean).to_string(),
                threshold: rules::round2(f.threshold).to_string(),
                basis: rules::ABNORMALLY_LOW_SOURCE.into(),
            };
            section_event(&mut tx, ctx, &by, now, &low).await?;
        }
        draw_ties_when_final(&mut tx, ctx, &by, now, &sec, &bids).await?;
    }
    let wb = Workbench::of(sec, members, bids, p);
    ctx.db.commit_answering(tx, 200, &wb, now).await?;
    Ok(wb)
}
