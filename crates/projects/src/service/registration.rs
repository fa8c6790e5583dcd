//! Submitting a draft for registration, staff confirmation (登记确认) and return to draft.

use super::*;

#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn submit(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Project> {
    own_org(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let cur = load_locked(ctx, &mut tx, id).await?;
    actor.require_org(&cur.owner_org_id)?;
    let next = project_transition(cur.status, ProjectAction::Submit)?;
    let rules = load_rules(&mut tx, &cur.region, cur.market, cur.procedure)
        .await?
        .ok_or_else(|| {
            Error::field(
                "market",
                "market.registration_unsupported",
                format!(
                    "no registration rules for {} / {}",
                    cur.market.as_str(),
                    cur.procedure.as_str()
                ),
            )
        })?;
    let input = ProjectInput {
        market: cur.market,
        procedure: cur.procedure,
        sections: cur
            .sections
            .iter()
            .map(|s| SectionInput {
                estimated_price: s.estimated_price,
                deposit: s.deposit,
                docs_issue_at: s.docs_issue_at,
                docs_sale_end_at: s.docs_sale_end_at,
                bid_deadline: s.bid_deadline,
                opening_at: s.opening_at,
                subject: s.subject,
            })
            .collect(),
    };
    check_registration(&rules, &ctx.calendar, &input).map_err(Error::Validation)?;
    let n = store::submit(&mut tx, id, next, now).await?;
    expect_one(
        n,
        "project.illegal_transition",
        "project is no longer a draft",
    )?;
    let p = load(&mut tx, id).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        project_event(ggzy_events::projects::ProjectSubmitted::NAME, &p)?,
    )
    .await?;
    ctx.db.commit_answering(tx, 200, &p, now).await?;
    Ok(p)
}

/// Staff confirm the registration (登记确认): allocate the unified trading code, register sections.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn approve(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Project> {
    actor.require(&[Role::Staff])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let cur = load_locked(ctx, &mut tx, id).await?;
    let next = project_transition(cur.status, ProjectAction::Approve)?;
    let region = RegionCode::parse(&cur.region).map_err(|_| {
        Error::internal(format!(
            "project region '{}' is not a region code",
            cur.region
        ))
    })?;
    let year = chrono::Datelike::year(&local_date(now));
    let seq = store::next_code_seq(
        &mut tx,
        region.as_str(),
        cur.market.as_str(),
        i64::from(year),
    )
    .await?;
    let seq = u32::try_from(seq).map_err(|_| Error::internal("project code sequence overflow"))?;
    let code = ProjectCode::new(&region, cur.market, year, seq);
    let n = store::register(&mut tx, id, next, code.as_str(), now).await?;
    expect_one(
        n,
        "project.illegal_transition",
        "project is no longer submitted",
    )?;
    for s in &cur.sections {
        let to = transition(s.state, SectionAction::Register)?;
        set_section_state(&mut tx, &s.id, s.state, to, now).await?;
    }
    let p = load(&mut tx, id).await?;
    let by = actor.actor_ref();
    emit(
        &mut tx,
        &ctx.db,
        &by,
        now,
        project_event("projects.project.approved", &p)?,
    )
    .await?;
    for s in &p.sections {
        emit(
            &mut tx,
            &ctx.db,
            &by,
            now,
            section_registered(&p, s).encode(),
        )
        .await?;
    }
    ctx.db.commit_answering(tx, 200, &p, now).await?;
    Ok(p)
}

/// Staff return a submitted project to its author with a reason; it becomes a draft again.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn return_to_draft(ctx: &Ctx, actor: &Actor, id: &str, reason: &str) -> Result<Project> {
    actor.require(&[Role::Staff])?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Error::field(
            "reason",
            "required",
            "a reason is required (at most 2000 characters)",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let cur = load_locked(ctx, &mut tx, id).await?;
    let next = project_transition(cur.status, ProjectAction::Return)?;
    let n = store::return_to_draft(&mut tx, id, next, reason, now).await?;
    expect_one(
        n,
        "project.illegal_transition",
        "project is no longer submitted",
    )?;
    let p = load(&mut tx, id).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        project_returned(&p, reason).encode(),
    )
    .await?;
    ctx.db.commit_answering(tx, 200, &p, now).await?;
    Ok(p)
}
