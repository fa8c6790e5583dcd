//! Reading: one case, the lists and the raise options.

use super::*;
use crate::store::{cases, sections};

/// One case, as the caller may see it.
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Case> {
    let mut conn = ctx.db.pool().acquire().await?;
    let case = load_case(&ctx.db, &mut conn, id, false).await?;
    let sec = load_section(&mut conn, &case.section_id).await?;
    // A supplier that objected to a public notice without being a party sees its own case.
    let own =
        actor.role == Role::Bidder && actor.org_id.is_some() && actor.org_id == case.raised_by_org;
    let sight = match sight(&mut conn, actor, &sec, &case.section_id).await {
        Err(_) if own => Sight::OwnOnly,
        r => r?,
    };
    Ok(shown(case, actor, sight))
}

/// The cases of a section (parties, tenderer / agency, staff, supervisors).
pub async fn list_by_section(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Vec<Case>> {
    let mut conn = ctx.db.pool().acquire().await?;
    let sec = load_section(&mut conn, section_id).await?;
    let sight = sight(&mut conn, actor, &sec, section_id).await?;
    let rows = cases::cases_of_section(&mut conn, section_id).await?;
    Ok(cases_with_files(&mut conn, rows)
        .await?
        .into_iter()
        .map(|c| shown(c, actor, sight))
        .collect())
}

/// The cases the caller's organization raised.
pub async fn list_mine(ctx: &Ctx, actor: &Actor) -> Result<Vec<Case>> {
    actor.require(&[Role::Bidder])?;
    let org = actor.org_id.clone().unwrap_or_default();
    let rows = cases::cases_raised_by(&ctx.db, &org).await?;
    let mut conn = ctx.db.pool().acquire().await?;
    cases_with_files(&mut conn, rows).await
}

/// The supervisors' queue: complaints waiting for acceptance or a decision, oldest first.
pub async fn open_complaints(ctx: &Ctx, actor: &Actor) -> Result<Vec<Case>> {
    actor.require(&[Role::Supervisor, Role::Staff, Role::Admin])?;
    let rows = cases::open_complaints(&ctx.db).await?;
    let mut conn = ctx.db.pool().acquire().await?;
    cases_with_files(&mut conn, rows).await
}

/// The tenderer's / agency's queue: objections and challenges against its own sections waiting
/// for its answer, oldest first.
pub async fn awaiting_answer(ctx: &Ctx, actor: &Actor) -> Result<Vec<Case>> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let org = actor.org_id.clone().unwrap_or_default();
    let rows = cases::awaiting_answer_of(&ctx.db, &org).await?;
    let mut conn = ctx.db.pool().acquire().await?;
    cases_with_files(&mut conn, rows).await
}

/// What a bidder may raise about a section (its pages' form): the section's project code, market
/// and that market's rules. Only a party of the section (as [`raise`] requires).
pub async fn raise_options(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
) -> Result<(String, String, Vec<RuleView>)> {
    actor.require(&[Role::Bidder])?;
    let org = actor.org_id.clone().unwrap_or_default();
    let mut conn = ctx.db.pool().acquire().await?;
    let sec = load_section(&mut conn, section_id).await?;
    let party = party_since(&mut conn, section_id, &org).await?.is_some();
    drop(conn);
    let rules: Vec<RuleView> = list_rules(ctx)
        .await?
        .into_iter()
        .filter(|r| r.market == sec.market && (party || r.target.open_to_any_supplier()))
        // The public notices this section has: a single-source publicity, an open
        // prequalification round.
        .filter(|r| match r.target {
            Target::Publicity => sec.procedure == "single_source",
            Target::Prequalification => sec.prequal_due.is_some(),
            _ => true,
        })
        .collect();
    if !party && rules.is_empty() {
        return Err(Error::forbidden(
            "only a bidder or supplier that obtained the documents of this section may raise a case",
        ));
    }
    Ok((sec.project_code, sec.market, rules))
}

/// The sections the caller's organization is a party of (obtained the documents), newest first:
/// `(section id, project code)`, where it may raise a case.
pub async fn my_sections(ctx: &Ctx, actor: &Actor) -> Result<Vec<(String, String)>> {
    actor.require(&[Role::Bidder])?;
    let org = actor.org_id.clone().unwrap_or_default();
    let rows = sections::sections_of_party(&ctx.db, &org).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.section_id, r.project_code))
        .collect())
}

/// The project code of a section, for the pages' lists.
pub async fn section_code(ctx: &Ctx, section_id: &str) -> Result<Option<String>> {
    sections::section_code(&ctx.db, section_id).await
}
