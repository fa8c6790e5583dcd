//! Bidder registration (投标报名).

use super::*;
use ggzy_events::projects::RegistrationCreated;

// Bidder registration (投标报名).

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Registration {
    pub id: String,
    pub section_id: String,
    pub org_id: String,
    pub uscc: String,
    pub org_name: String,
    pub registered_at: DateTime<Utc>,
}

/// 实施条例 13: 招标代理机构不得在所代理的招标项目中投标; 实施条例 34: a unit with an interest in the
/// tenderer that may affect fairness may not bid — the tenderer itself first of all. The
/// organization that registered the project (the tenderer or its agency) and the tenderer named by
/// its USCC may not register for its sections. Returns why, or None.
pub fn own_project_bar(
    org_id: &str,
    org_uscc: &str,
    owner_org_id: &str,
    tenderer_uscc: &str,
) -> Option<String> {
    if org_id == owner_org_id {
        Some(
            "your organization registered this project (tenderer or its agency): it may not bid on it \
             (招标投标法实施条例 第十三条、第三十四条)"
                .into(),
        )
    } else if org_uscc.eq_ignore_ascii_case(tenderer_uscc) {
        Some(
            "your organization is the tenderer of this project: it may not bid on it \
             (招标投标法实施条例 第三十四条)"
                .into(),
        )
    } else {
        None
    }
}

/// Register the caller's organization for a section (bidder).
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn register(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Registration> {
    actor.require(&[Role::Bidder])?;
    let org_id = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    // A shared lock on the section row, as an upload takes: the close of bidding, a change of the
    // deadline or of the section's state (each an UPDATE of that row or `FOR UPDATE`) waits for
    // the registrations in flight, and a registration that starts after one re-reads the changed
    // row and is refused below. Registrations of different bidders do not wait for each other:
    // nothing here reads another registration (the joint-bidding bar is decided at the deadline,
    // below; a duplicate is refused by the unique key). On SQLite the single writer excludes all.
    let s = load_section(ctx, &mut tx, section_id, section_rows::Hold::Share).await?;
    if !registration_open(now, s.bid_deadline) {
        return Err(Error::conflict(
            "registration.after_deadline",
            format!(
                "registration closed at the bid deadline {} ({REGISTRATION_DEADLINE_SOURCE})",
                display_local(s.bid_deadline)
            ),
        ));
    }
    if s.state != SectionState::Bidding {
        return Err(Error::conflict(
            "registration.section_not_bidding",
            format!(
                "section is in state {}; registration is open only while it is bidding",
                s.state.as_str()
            ),
        ));
    }
    let org = load_org(&mut tx, &org_id)
        .await?
        .ok_or_else(|| unknown_org(&org_id))?;
    let dup = registrations::registration_id(&mut tx, section_id, &org_id).await?;
    if dup.is_some() {
        return Err(Error::conflict(
            "registration.duplicate",
            "your organization is already registered for this section",
        ));
    }
    let today = local_date(now);
    let market = s.market;
    if let Some(why) = own_project_bar(&org.id, &org.uscc, &s.owner_org_id, &s.tenderer_uscc) {
        return Err(Error::conflict("registration.own_project", why));
    }
    // Who may register by the procedure's stages (invitees, qualified applicants) and the
    // tenderer's declared interested parties (crate::procedures, issue 21).
    crate::procedures::registration_bar(
        &mut tx,
        section_id,
        (s.market, s.procedure),
        &org.uscc,
        &org.id,
    )
    .await?;
    // A negotiation, inquiry or consultation whose suppliers were drawn or recommended: only
    // they register (财政部令第74号 第十二条; 财库〔2014〕214号 第六条).
    crate::nontender::invitation::registration_bar(&mut tx, section_id, &org.uscc).await?;
    let rows = registrations::sanctions_of(&mut tx, &org.uscc).await?;
    for r in rows {
        let sanction = sanction_row(r)?;
        // Only a sanction whose scope covers the section's market and whose period (as ended
        // early, if it was) includes today bars the registration.
        if sanction.bars(market, today) {
            return Err(Error::conflict(
                "registration.sanctioned",
                sanction.describe(),
            ));
        }
    }
    // No joint-bidding check here: refusing the later of two related bidders let a bidder bar a
    // competitor and told it, before the deadline, that the other had registered (招标投标法 第二十二条).
    // The bar of 实施条例 34 is decided at the deadline for every registration at once
    // ([`void_joint_bids`]).
    let reg = Registration {
        id: ids::new_id(),
        section_id: section_id.to_string(),
        org_id: org.id.clone(),
        uscc: org.uscc.clone(),
        org_name: org.name.clone(),
        registered_at: now,
    };
    registrations::insert_registration(
        &mut tx,
        &registrations::NewRegistration {
            id: &reg.id,
            section_id: &reg.section_id,
            org_id: &reg.org_id,
            uscc: &reg.uscc,
            org_name: &reg.org_name,
            registered_by: &actor.user_id,
            at: now,
        },
    )
    .await
    .on_unique(&REGISTRATION_ORG, || {
        Error::conflict(
            "registration.duplicate",
            "your organization is already registered for this section",
        )
    })?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        RegistrationCreated {
            registration_id: reg.id.clone(),
            section_id: section_id.to_string(),
            project_id: Some(s.project_id.clone()),
            org_id: reg.org_id.clone(),
            uscc: Some(reg.uscc.clone()),
        }
        .encode(),
    )
    .await?;
    // The answer (201 + the registration) is stored with the change: a retried
    // `Idempotency-Key` replays it even when the instance died before answering.
    ctx.db.commit_answering(tx, 201, &reg, now).await?;
    Ok(reg)
}

/// What a caller may see of a section's registrations.
pub enum Visible {
    List(Vec<Registration>),
    /// The tenderer/agency asked before the deadline: the list stays confidential until then.
    ConfidentialUntil(DateTime<Utc>),
}

/// Registrations of a section: a bidder sees only its own; the project's tenderer/agency the list
/// once the bid deadline has passed; staff and supervisors always. 招标投标法 第二十二条: the
/// tenderer may not disclose the names or number of potential bidders, so before the deadline the
/// platform does not even show them to it.
pub async fn list_registrations(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Visible> {
    actor.require(&[
        Role::Bidder,
        Role::Tenderer,
        Role::Agency,
        Role::Staff,
        Role::Supervisor,
    ])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let s = load_section(ctx, &mut conn, section_id, section_rows::Hold::None).await?;
    let own = match actor.role {
        Role::Staff | Role::Supervisor => String::new(),
        Role::Bidder => actor
            .org_id
            .clone()
            .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?,
        _ => {
            if actor.org_id.as_deref() != Some(s.owner_org_id.as_str()) {
                return Err(Error::forbidden(
                    "this project belongs to another organization",
                ));
            }
            if registration_open(ctx.clock.now(), s.bid_deadline) {
                return Ok(Visible::ConfidentialUntil(s.bid_deadline));
            }
            String::new()
        }
    };
    let rows = registrations::registrations(&mut conn, section_id, &own).await?;
    let list = rows
        .into_iter()
        .map(|r| Registration {
            id: r.id,
            section_id: r.section_id,
            org_id: r.org_id,
            uscc: r.uscc,
            org_name: r.org_name,
            registered_at: r.created_at,
        })
        .collect::<Vec<_>>();
    Ok(Visible::List(list))
}
