//! Experts on the roster: identity checks at the door, the experts a draw names (the
//! `SessionExperts` consumer), linking an expert to an account, and the evaluators' own sessions.

use super::*;
use crate::store::sessions as store;
use ggzy_events::experts::{DrawCompleted, DrawnExpert, ExpertUpdated, MemberReplaced};

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExpertIdentity {
    /// The resident ID on the expert's identity card, checked by staff at the desk.
    #[schema(pattern = "^[0-9]{17}[0-9X]$", max_length = 18)]
    pub resident_id: String,
}

/// Staff record the identity card of a drawn expert whose number the draw event did not carry;
/// the expert is then on the door roster of the session.
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn verify_expert(
    ctx: &Ctx,
    actor: &Actor,
    session_id: &str,
    expert_id: &str,
    input: ExpertIdentity,
) -> Result<()> {
    actor.require(&[Role::Staff])?;
    let rid = ResidentId::parse(&input.resident_id)
        .map_err(|e| crate::service::with_field("resident_id", e))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let name = store::drawn_expert_name(&mut tx, session_id, expert_id)
        .await?
        .ok_or_else(|| {
            Error::not_found(format!("drawn expert {expert_id} of session {session_id}"))
        })?;
    put_expert(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        session_id,
        &Drawn {
            expert_id: expert_id.into(),
            name,
            resident_id: Some(rid.as_str().to_string()),
            user_id: None,
            username: None,
        },
        None,
    )
    .await?;
    ggzy_store::idempotency::answer_in_tx(&mut tx, 204, "", now).await?;
    ctx.db.commit(tx).await?;
    Ok(())
}

pub(super) struct Drawn {
    expert_id: String,
    name: String,
    resident_id: Option<String>,
    user_id: Option<String>,
    username: Option<String>,
}

/// A text field of a decoded payload, trimmed; blank is absent.
fn nonblank(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// One drawn expert as the experts area's events name him (no resident ID: staff check the
/// identity card at the desk, [`verify_expert`]).
fn drawn_of(e: &DrawnExpert) -> Drawn {
    Drawn {
        expert_id: e.expert_id.trim().to_string(),
        name: e.name.trim().to_string(),
        resident_id: None,
        user_id: nonblank(e.user_id.clone()),
        username: None,
    }
}

pub(super) async fn put_expert(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    now: Timestamp,
    session_id: &str,
    e: &Drawn,
    draw_id: Option<&str>,
) -> Result<()> {
    let rid = e
        .resident_id
        .as_deref()
        .and_then(|r| ResidentId::parse(r).ok());
    store::upsert_drawn_expert(
        tx,
        store::DrawnExpertRow {
            session_id,
            expert_id: &e.expert_id,
            name: &e.name,
            resident_id: rid.as_ref().map(|r| r.as_str().to_string()),
            draw_id: draw_id.map(str::to_string),
            at: to_micros(now),
        },
    )
    .await?;
    if e.user_id.is_some() || e.username.is_some() {
        link_account(
            tx,
            &e.expert_id,
            e.user_id.as_deref(),
            e.username.as_deref(),
            now,
        )
        .await?;
    }
    let mut on_roster = false;
    if let Some(rid) = &rid {
        let name = store::expert_name(tx, session_id, &e.expert_id).await?;
        store::insert_roster_expert(
            tx,
            &ids::new_id(),
            session_id,
            &name,
            rid.as_str(),
            to_micros(now),
            &e.expert_id,
        )
        .await?;
        on_roster = true;
    }
    // The committee is secret (招标投标法 第三十七条): the event names the expert by pool id only.
    emit(
        tx,
        db,
        by,
        now,
        ggzy_events::venues::SessionExpertAdded {
            session_id: session_id.into(),
            expert_id: e.expert_id.clone(),
            on_door_roster: on_roster,
        }
        .encode(),
    )
    .await?;
    Ok(())
}

pub(super) async fn link_account(
    tx: &mut Tx,
    expert_id: &str,
    user_id: Option<&str>,
    username: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    store::upsert_account(tx, expert_id, user_id, username, to_micros(now)).await
}

/// The session an expert-pool event is about: its `session_id`, else the session that carries its
/// `draw_id`, else the latest scheduled session of its section that asked for a draw.
pub(super) async fn session_of(
    tx: &mut Tx,
    session_id: Option<&str>,
    draw_id: &str,
    section_id: &str,
) -> Result<Option<String>> {
    if let Some(id) = session_id.map(str::trim).filter(|s| !s.is_empty()) {
        if session_row(tx, id).await?.is_some() {
            return Ok(Some(id.to_string()));
        }
    }
    if !draw_id.trim().is_empty() {
        let r = store::session_of_draw(tx, draw_id.trim()).await?;
        if let Some(id) = r {
            return Ok(Some(id));
        }
    }
    let section = section_id.trim();
    if !section.is_empty() {
        let r = store::sessions_awaiting_draw(tx, section).await?;
        if let Some(id) = r.into_iter().next() {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Puts drawn experts on their session's roster from `experts.draw.completed` and
/// `experts.member.replaced`, and learns expert login accounts from `experts.expert.updated`
/// (decoded through its contract, `user_id` / `username`).
pub struct SessionExperts;

#[async_trait::async_trait]
impl Consumer for SessionExperts {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "venues.session_experts",
            &[
                DrawCompleted::NAME,
                MemberReplaced::NAME,
                ExpertUpdated::NAME,
            ],
        )
    }

    /// Decoded through the contracts: an event that does not decode fails the consumer, which
    /// parks it with an alert after its retries (ggzy-events crate docs) — never skipped.
    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let now = clock.now();
        let by = ActorRef::system("venues.experts");
        match ev.event_type.as_str() {
            ExpertUpdated::NAME => {
                let u = ExpertUpdated::decode(ev)?;
                let (user, name) = (nonblank(u.user_id), nonblank(u.username));
                if user.is_some() || name.is_some() {
                    link_account(tx, &u.expert_id, user.as_deref(), name.as_deref(), now).await?;
                }
                Ok(())
            }
            DrawCompleted::NAME => {
                let d = DrawCompleted::decode(ev)?;
                let Some(session) = drawn_for(
                    tx,
                    ev,
                    now,
                    d.session_id.as_deref(),
                    &d.draw_id,
                    &d.section_id,
                )
                .await?
                else {
                    return Ok(());
                };
                for e in &d.experts {
                    put_expert(tx, db, &by, now, &session, &drawn_of(e), Some(&d.draw_id)).await?;
                }
                Ok(())
            }
            MemberReplaced::NAME => {
                let r = MemberReplaced::decode(ev)?;
                let Some(session) = drawn_for(
                    tx,
                    ev,
                    now,
                    r.session_id.as_deref(),
                    &r.draw_id,
                    &r.section_id,
                )
                .await?
                else {
                    return Ok(());
                };
                let mut out = vec![r.replaced.expert_id.clone()];
                if let Some(id) = nonblank(r.expert_id.clone()) {
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
                for id in &out {
                    store::mark_expert_replaced(tx, &session, id, to_micros(now)).await?;
                    store::delete_roster_expert(tx, &session, id).await?;
                }
                let mut seen = out.clone();
                for e in std::iter::once(&r.replacement).chain(r.experts.iter()) {
                    let e = drawn_of(e);
                    if !seen.contains(&e.expert_id) {
                        seen.push(e.expert_id.clone());
                        put_expert(tx, db, &by, now, &session, &e, Some(&r.draw_id)).await?;
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// The session a draw event is about (none: logged, nothing to do), its draw recorded on it.
async fn drawn_for(
    tx: &mut Tx,
    ev: &Event,
    now: Timestamp,
    session_id: Option<&str>,
    draw_id: &str,
    section_id: &str,
) -> Result<Option<String>> {
    let Some(session) = session_of(tx, session_id, draw_id, section_id).await? else {
        tracing::info!(event = %ev.id, "expert event for no venue session; skipped");
        return Ok(None);
    };
    store::set_draw(tx, &session, draw_id, to_micros(now)).await?;
    Ok(Some(session))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExpertAccount {
    /// The login name of the expert's account (role `expert`).
    #[schema(min_length = 1, pattern = "\\S")]
    pub username: String,
}

/// Link an expert-pool id to a login account (staff), for "my sessions" when the expert pool's
/// events do not name the account.
pub async fn link_expert_account(
    ctx: &Ctx,
    actor: &Actor,
    expert_id: &str,
    input: ExpertAccount,
) -> Result<()> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let username = input.username.trim().to_string();
    if username.is_empty() || expert_id.trim().is_empty() {
        return Err(Error::field("username", "required", "a username"));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    link_account(&mut tx, expert_id, None, Some(&username), now).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::venues::ExpertAccountLinked {
            expert_id: expert_id.into(),
            username,
        }
        .encode(),
    )
    .await?;
    ggzy_store::idempotency::answer_in_tx(&mut tx, 204, "", now).await?;
    ctx.db.commit(tx).await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MySession {
    pub session_id: String,
    pub section_id: String,
    pub room_name: String,
    pub floor: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// An evaluator's upcoming (not yet ended) sessions, found through the expert ids linked to the
/// caller's account.
pub async fn my_sessions(ctx: &Ctx, actor: &Actor) -> Result<Vec<MySession>> {
    actor.require(&[Role::Expert])?;
    let rows = store::sessions_of_account(
        &ctx.db,
        &actor.user_id,
        &actor.username,
        to_micros(ctx.clock.now()),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MySession {
            session_id: r.id,
            section_id: r.section_id,
            room_name: r.name,
            floor: r.floor,
            start: r.starts_at,
            end: r.ends_at,
        })
        .collect())
}

/// Evaluation sessions that have not ended, and those of the last 30 days, earliest first (staff,
/// admin, supervisor): the staff page's list.
pub async fn list_sessions(ctx: &Ctx, actor: &Actor) -> Result<Vec<Session>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    let since = ctx.clock.now() - chrono::Duration::days(30);
    let ids = store::session_ids_ending_after(&ctx.db, to_micros(since)).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(session_view(ctx, &id).await?);
    }
    Ok(out)
}
