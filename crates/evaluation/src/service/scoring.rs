//! Stage 2: independent scoring.

use super::*;
use crate::store::committee;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BidScore {
    pub org_id: String,
    /// Points per hand-scored criterion code (decimal strings, at most 2 places).
    #[schema(value_type = BTreeMap<String, PointsText>)]
    pub points: BTreeMap<String, Decimal>,
}

/// Points as a decimal string: not negative, at most 2 places (the criterion's maximum is checked
/// by the use case).
#[derive(ToSchema)]
#[schema(value_type = String, pattern = "^[0-9]{1,3}(\\.[0-9]{1,2})?$", example = "42.5")]
pub struct PointsText(pub String);

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ScoreInput {
    pub bids: Vec<BidScore>,
}

/// One member's scores as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberScores {
    pub expert_id: String,
    pub org_id: String,
    #[schema(value_type = BTreeMap<String, String>)]
    pub points: BTreeMap<String, Decimal>,
    #[schema(value_type = String)]
    pub total: Decimal,
}

pub async fn submit_scores(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ScoreInput,
) -> Result<Vec<MemberScores>> {
    actor.require(&[Role::Expert])?;
    let (mut tx, sec, me) = member_tx(ctx, actor, section_id).await?;
    let (spec, bids) = ready_for_committee(&sec)?;
    if spec.method != Method::Comprehensive {
        return Err(Error::conflict(
            "scoring.not_this_method",
            "the lowest evaluated price method has no scoring stage",
        ));
    }
    let members = load_members(&mut tx, section_id).await?;
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    if p.stage == "review" {
        return Err(Error::conflict(
            "scoring.review_pending",
            "scoring starts once every member finished the compliance review",
        ));
    }
    if let Some(from) = &me.scores_carried_from {
        return Err(Error::conflict(
            "scoring.done_by_replaced_member",
            format!(
                "the member you replaced ({from}) submitted the scores; they stay counted for your seat"
            ),
        ));
    }
    if me.scored {
        return Err(Error::conflict(
            "scoring.already_submitted",
            "your scores are already submitted",
        ));
    }
    let left: Vec<&OpenedBid> = bids
        .iter()
        .filter(|b| !p.rejected.contains(&b.org_id))
        .collect();
    let mut v = ggzy_core::error::Violations::new();
    check_coverage(
        &mut v,
        "scoring",
        &left.iter().map(|b| b.org_id.as_str()).collect::<Vec<_>>(),
        &input
            .bids
            .iter()
            .map(|s| s.org_id.as_str())
            .collect::<Vec<_>>(),
        "bid left after the review",
    );
    for (i, s) in input.bids.iter().enumerate() {
        for c in spec.scored_criteria() {
            match s.points.get(&c.code) {
                None => v.push(
                    format!("bids[{i}].points.{}", c.code),
                    "scoring.criterion_required",
                    format!("points for {} are required", c.name),
                ),
                Some(x) if *x < Decimal::ZERO || *x > c.max_points || x.scale() > 2 => v.push(
                    format!("bids[{i}].points.{}", c.code),
                    "scoring.points_range",
                    format!(
                        "points must be 0 to {} with at most 2 decimals",
                        c.max_points
                    ),
                ),
                Some(_) => {}
            }
        }
        for k in s.points.keys() {
            if !spec.scored_criteria().any(|c| &c.code == k) {
                v.push(
                    format!("bids[{i}].points.{k}"),
                    "scoring.unknown_criterion",
                    "not a criterion scored by the members (the price score is computed)",
                );
            }
        }
    }
    v.into_result()?;
    let now = ctx.clock.now();
    for s in &input.bids {
        let points =
            serde_json::to_string(&s.points).map_err(|e| Error::internal(e.to_string()))?;
        committee::insert_score(
            &mut tx,
            section_id,
            &me.expert_id,
            &s.org_id,
            points,
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
        Stage::Scoring,
    )
    .await?;
    let members = load_members(&mut tx, section_id).await?;
    if members.iter().all(|m| m.scored) {
        draw_ties_when_final(&mut tx, ctx, &by, now, &sec, &bids).await?;
        // Scoring complete: mark outliers for monitoring.
        let report = assemble(&mut tx, &sec, &spec, &members, &bids).await?;
        for o in report.outliers.iter() {
            let outlier = ggzy_events::evaluation::ScoreOutlier {
                section_id: section_id.to_string(),
                expert_id: o.expert_id.clone(),
                org_id: o.org_id.clone(),
                member_total: o.member_total.to_string(),
                committee_mean: o.committee_mean.to_string(),
                share: Some(spec.outlier_share().to_string()),
            };
            emit(
                &mut tx,
                &ctx.db,
                &by,
                now,
                ggzy_events::Contract::encode(&outlier),
            )
            .await?;
        }
    }
    let mine = load_scores(&mut tx, section_id, &members)
        .await?
        .into_iter()
        .filter(|s| s.expert_id == me.expert_id)
        .collect();
    ctx.db.commit_answering(tx, 200, &mine, now).await?;
    Ok(mine)
}

pub(crate) async fn load_scores(
    tx: &mut Tx,
    section_id: &str,
    members: &[Member],
) -> Result<Vec<MemberScores>> {
    let rows = committee::scores(tx, section_id).await?;
    let mut out = vec![];
    for r in rows {
        if !members.iter().any(|m| m.scores_by() == r.expert_id) {
            continue;
        }
        let points = r.points.0;
        let total = points.values().copied().sum();
        out.push(MemberScores {
            expert_id: r.expert_id,
            org_id: r.org_id,
            points,
            total,
        });
    }
    Ok(out)
}

/// The scores of a section. A member sees his own at any time; everybody's (the chair and staff
/// included) only once every member has submitted — independent scoring (招标投标法 第四十四条:
/// each member evaluates objectively and answers personally for his opinion).
pub async fn scores(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    mine_only: bool,
) -> Result<Vec<MemberScores>> {
    actor.require(&[Role::Expert, Role::Staff, Role::Supervisor, Role::Admin])?;
    let mut tx = ctx.db.begin().await?;
    require_reader(&mut tx, actor, section_id).await?;
    let members = load_members(&mut tx, section_id).await?;
    let all = load_scores(&mut tx, section_id, &members).await?;
    tx.rollback().await?;
    if mine_only {
        let me = members
            .iter()
            .find(|m| m.user_id.as_deref() == Some(actor.user_id.as_str()))
            .ok_or_else(|| Error::forbidden("only members have their own scores"))?;
        return Ok(all
            .into_iter()
            .filter(|s| s.expert_id == me.expert_id)
            .collect());
    }
    if members.is_empty() || !members.iter().all(|m| m.scored) {
        return Err(Error::conflict(
            "scores.sealed_until_all_submitted",
            format!(
                "{} of {} members submitted; nobody sees other members' scores before all have",
                members.iter().filter(|m| m.scored).count(),
                members.len()
            ),
        ));
    }
    Ok(all)
}
