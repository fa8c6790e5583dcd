//! Sections: open for bidding, close at the deadline.

use super::*;
use ggzy_events::projects::{SectionBiddingOpened, SectionClosed};

// Sections: open for bidding, close at the deadline.

pub(super) use section_rows::SectionOwnerRow as SectionRow;

pub(super) async fn load_section(
    ctx: &Ctx,
    conn: &mut sqlx::AnyConnection,
    id: &str,
    hold: section_rows::Hold,
) -> Result<SectionRow> {
    section_rows::section_with_owner(conn, &ctx.db, id, hold)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {id}")))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionStatus {
    pub section_id: String,
    pub project_id: String,
    pub state: SectionState,
    pub bid_deadline: DateTime<Utc>,
}

/// Open a registered section for bidding (registered → announced → bidding) and schedule the
/// deadline timer. For now an explicit action of staff (or the owning agency); once the publishing
/// area exists, publishing the tender announcement will drive these moves.
#[tracing::instrument(skip_all, fields(section_id = %id))]
pub async fn open_bidding(ctx: &Ctx, actor: &Actor, id: &str) -> Result<SectionStatus> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = load_section(ctx, &mut tx, id, section_rows::Hold::Update).await?;
    if actor.role == Role::Agency {
        actor.require_org(&s.owner_org_id)?;
    }
    let announced = transition(s.state, SectionAction::Announce)?;
    let bidding = transition(announced, SectionAction::OpenBidding)?;
    // The stages before registration (invitations, prequalification) are complete.
    crate::procedures::bidding_ready(&mut tx, &s.id).await?;
    if !registration_open(now, s.bid_deadline) {
        return Err(Error::conflict(
            "section.deadline_passed",
            format!(
                "the bid deadline {} has passed; the section cannot be opened for bidding",
                display_local(s.bid_deadline)
            ),
        ));
    }
    set_section_state(&mut tx, &s.id, s.state, bidding, now).await?;
    timers::schedule(
        &mut tx,
        DEADLINE_TIMER,
        &deadline_key(&s.id),
        s.bid_deadline,
        crate::timer_payload::SectionTimer::payload(&s.id),
        now,
    )
    .await?;
    crate::opening::schedule_opening(&mut tx, &s.id, now).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        SectionBiddingOpened {
            section_id: s.id.clone(),
            project_id: Some(s.project_id.clone()),
            bid_deadline: s.bid_deadline,
            state: Some(bidding.as_str().to_string()),
            announcement_id: None,
        }
        .encode(),
    )
    .await?;
    let st = SectionStatus {
        section_id: s.id,
        project_id: s.project_id,
        state: bidding,
        bid_deadline: s.bid_deadline,
    };
    ctx.db.commit_answering(tx, 200, &st, now).await?;
    Ok(st)
}

/// Handler for [`DEADLINE_TIMER`]: at the bid deadline, bidding → closed. A section that left
/// `bidding` meanwhile (failed, terminated) is left alone.
pub struct SectionDeadline;

#[async_trait::async_trait]
impl TimerHandler for SectionDeadline {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let section = crate::timer_payload::SectionTimer::decode(timer)?;
        let id = section.section_id.as_str();
        // A remedy suspends the bidding (实施条例 22): the section stays open; the timer is
        // scheduled again when the suspension ends (crate::suspension).
        if crate::suspension::is_suspended(tx, id).await? {
            tracing::info!(
                section_id = id,
                "deadline reached while suspended by a remedy"
            );
            return Ok(());
        }
        close_section(tx, db, clock.now(), id, timer.due_at).await
    }
}

/// bidding → closed at the deadline, with `projects.section.closed`; a section no longer bidding is
/// left alone. Used by the deadline timer and by the opening timer when both fall due together.
pub(crate) async fn close_section(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    id: &str,
    deadline: DateTime<Utc>,
) -> Result<()> {
    let r = section_rows::state_project_for_update(tx, db, id)
        .await?
        .ok_or_else(|| Error::internal(format!("deadline timer for unknown section {id}")))?;
    let section_rows::StateProjectRow { state, project_id } = r;
    if state != SectionState::Bidding {
        return Ok(());
    }
    let to = transition(state, SectionAction::CloseBidding)?;
    let n = section_rows::move_state(tx, id, state, to, now).await?;
    if n != 1 {
        return Ok(());
    }
    void_joint_bids(tx, db, now, id, &project_id).await?;
    let count = registrations::registration_count(tx, id).await?;
    emit(
        tx,
        db,
        &ActorRef::system(DEADLINE_TIMER),
        now,
        SectionClosed {
            section_id: id.to_string(),
            project_id: Some(project_id.to_string()),
            deadline: Some(deadline),
            registrations: Some(count),
        }
        .encode(),
    )
    .await?;
    Ok(())
}

use registrations::{PartyRow, VerifiedRelationRow};

impl From<PartyRow> for Party {
    fn from(r: PartyRow) -> Party {
        Party {
            org_id: r.org_id,
            uscc: r.uscc,
            legal_representative_id: r.legal_representative_id,
        }
    }
}

/// A verified relation between two registered bidders.
impl From<VerifiedRelationRow> for Relation {
    fn from(r: VerifiedRelationRow) -> Relation {
        Relation {
            org_id: r.org_id,
            related_uscc: r.related_uscc,
        }
    }
}

/// 实施条例 34 at the deadline, for every registration at once: bidders of the section with the same
/// legal representative, or with a staff-verified controlling or management relation between them,
/// may not both bid — the current bids of all of them are void (`bids.decryption = void_joint_bid`,
/// never opened, not counted for the opening), each with `projects.bid.voided` naming the reason.
/// Nothing about another bidder is disclosed before the deadline.
pub(crate) async fn void_joint_bids(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    section_id: &str,
    project_id: &str,
) -> Result<()> {
    let parties = registrations::parties(tx, section_id)
        .await?
        .into_iter()
        .map(Party::from)
        .collect::<Vec<_>>();
    if parties.len() < 2 {
        return Ok(());
    }
    // Verified relations declared by a registered bidder about another registered bidder.
    let relations = registrations::verified_relations_among_registered(tx, section_id)
        .await?
        .into_iter()
        .map(Relation::from)
        .collect::<Vec<_>>();
    let mut by_rep: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for p in &parties {
        if let Some(r) = &p.legal_representative_id {
            *by_rep.entry(r.as_str()).or_default() += 1;
        }
    }
    if relations.is_empty() && by_rep.values().all(|n| *n < 2) {
        return Ok(());
    }
    let actor = ActorRef::system(DEADLINE_TIMER);
    for p in &parties {
        let Some(bar) = joint_bid_bar(p, &parties, &relations) else {
            continue;
        };
        let bid_id = bids::current_bid_id(tx, section_id, &p.org_id).await?;
        if let Some(b) = &bid_id {
            bids::void_joint_bid(tx, b, now).await?;
        }
        emit(
            tx,
            db,
            &actor,
            now,
            BidVoided {
                section_id: section_id.to_string(),
                project_id: project_id.to_string(),
                org_id: p.org_id.clone(),
                bid_id,
                reason: bar.rule().to_string(),
                detail: bar.message(),
                basis: JOINT_BID_BAR_SOURCE.to_string(),
            }
            .encode(),
        )
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
