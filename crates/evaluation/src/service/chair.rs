//! Chair election (推选组长).

use super::*;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ChairVote {
    /// The member voted for (may be oneself).
    pub expert_id: String,
}

/// A member votes for a chair; the member voted for by more than half of the committee is the
/// chair (评标规定 第九条: the chair is elected by the members — or named by the tenderer, not offered here — and votes like any member). A vote may be changed
/// until a chair is elected.
pub async fn vote_chair(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ChairVote,
) -> Result<Workbench> {
    actor.require(&[Role::Expert])?;
    let (mut tx, sec, me) = member_tx(ctx, actor, section_id).await?;
    if sec.report.is_some() {
        return Err(Error::conflict(
            "evaluation.signed",
            "the evaluation report is signed; nothing may change",
        ));
    }
    let members = load_members(&mut tx, section_id).await?;
    if chair_of(&members).is_some() {
        return Err(Error::conflict(
            "chair.already_elected",
            "the committee already elected its chair",
        ));
    }
    if !members.iter().any(|m| m.expert_id == input.expert_id) {
        return Err(Error::field(
            "expert_id",
            "chair.not_a_member",
            "the chair is elected among the committee's members",
        ));
    }
    let now = ctx.clock.now();
    crate::store::members::set_chair_vote(&mut tx, section_id, &me.expert_id, &input.expert_id)
        .await?;
    let members = load_members(&mut tx, section_id).await?;
    let chair = chair_of(&members);
    if let Some(c) = &chair {
        let elected = ChairElected {
            section_id: section_id.into(),
            expert_id: c.clone(),
        };
        section_event(&mut tx, ctx, &actor.actor_ref(), now, &elected).await?;
    }
    let bids = opened_bids(&sec);
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    let wb = Workbench::of(sec, members, bids, p);
    ctx.db.commit_answering(tx, 200, &wb, now).await?;
    Ok(wb)
}
