//! Termination (终止招标).

use super::*;
use ggzy_events::projects::SectionTerminated;
use ggzy_events::Contract;

// Termination (终止招标).

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TerminateInput {
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Termination {
    pub section_id: String,
    pub previous_state: SectionState,
    pub state: SectionState,
    pub reason: String,
    pub terminated_at: DateTime<Utc>,
}

/// Terminate a section (the project's tenderer or agency, with a reason): any state but a final
/// one → terminated, event `projects.section.terminated`; its pending timers are cancelled.
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn terminate(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: TerminateInput,
) -> Result<Termination> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let mut v = Violations::new();
    let reason = required_text(&mut v, "reason", &input.reason, 2000);
    v.into_result()?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&ctx.db, &mut tx, section_id, true).await?;
    require_owner(actor, &sec)?;
    let next = transition(sec.state, SectionAction::Terminate)?;
    crate::store::award::insert_termination(&mut tx, section_id, &reason, &actor.user_id, now)
        .await?;
    set_state(&mut tx, section_id, sec.state, next, now).await?;
    timers::cancel(
        &mut tx,
        &format!("{}:{section_id}", crate::bidding::DEADLINE_TIMER),
    )
    .await?;
    timers::cancel(&mut tx, &contract_key(section_id)).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        SectionTerminated {
            section_id: section_id.to_string(),
            project_id: Some(sec.project_id.clone()),
            market: Some(sec.market.as_str().to_string()),
            reason: Some(reason.to_string()),
            terminated_at: Some(now),
            previous_state: Some(sec.state.as_str().to_string()),
            state: None,
            remedy_case_id: None,
            decision_basis: None,
            voided_result: None,
            at: None,
        }
        .encode(),
    )
    .await?;
    let t = Termination {
        section_id: section_id.to_string(),
        previous_state: sec.state,
        state: next,
        reason,
        terminated_at: now,
    };
    ctx.db.commit_answering(tx, 200, &t, now).await?;
    Ok(t)
}
