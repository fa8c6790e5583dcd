//! Live stream: the state watchers see and who may watch.

use super::*;

/// What a watcher sees after each change.
pub async fn live_state(ctx: &Ctx, id: &str, org: Option<&str>) -> Result<Value> {
    let shared = shared_state(ctx, id).await?;
    let my = match org {
        Some(o) => my_number(ctx, &shared.section_id, o).await?,
        None => None,
    };
    Ok(compose_state(&shared, my.as_deref(), org, ctx.clock.now()))
}

/// The part of an auction's live state that is the same for every watcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedState {
    pub section_id: String,
    pub phase: Phase,
    pub version: i64,
    pub current_fen: Option<i64>,
    pub ends_at: Timestamp,
    pub leader_org_id: Option<String>,
}

impl SharedState {
    pub fn over(&self) -> bool {
        self.phase.is_over()
    }
}

/// Read the shared live state of an auction (one row).
pub async fn shared_state(ctx: &Ctx, id: &str) -> Result<SharedState> {
    let a = load(ctx.db.pool(), id, "").await?;
    Ok(SharedState {
        section_id: a.section_id,
        phase: a.phase,
        version: a.version,
        current_fen: a.current_fen,
        ends_at: a.ends_at,
        leader_org_id: a.leader_org_id,
    })
}

/// The bidder number (竞买号) of an organization in a section, if it has one.
pub async fn my_number(ctx: &Ctx, section_id: &str, org_id: &str) -> Result<Option<String>> {
    bidder_number(ctx.db.pool(), section_id, org_id).await
}

/// The `state` event a watcher sees: the shared state plus its own number and status.
/// Whole seconds left until the auction's end at `now` (0 once it passed).
pub fn time_left_secs(a: &SharedState, now: Timestamp) -> i64 {
    (a.ends_at - now).num_seconds().max(0)
}

pub fn compose_state(
    a: &SharedState,
    my: Option<&str>,
    org: Option<&str>,
    now: Timestamp,
) -> Value {
    let over = a.over();
    let status = match (
        my,
        a.leader_org_id.as_deref() == org && org.is_some(),
        over,
        a.phase,
    ) {
        (None, _, _, _) => "watching",
        (Some(_), true, true, Phase::Deal) => "won",
        (Some(_), _, true, _) => "lost",
        (Some(_), true, false, _) => "leading",
        (Some(_), false, false, _) if a.current_fen.is_some() => "outbid",
        _ => "not_bidding",
    };
    json!({
        "phase": a.phase,
        "version": a.version,
        "current_price": a.current_fen.map(|f| Money::from_fen(f).to_string()),
        "ends_at": a.ends_at.to_rfc3339(),
        "time_left_secs": time_left_secs(a, now),
        "my_number": my,
        "my_status": status,
        "over": over,
    })
}

/// Bids after `after` in order (the SSE log; `seq` is the event id).
pub async fn bids_after(ctx: &Ctx, id: &str, after: i64) -> Result<Vec<(i64, Value)>> {
    let rows = crate::store::auctions::bids_after(&ctx.db, id, after).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.seq,
                json!({"seq": r.seq, "number": r.number,
                       "price": r.price_fen.to_string(),
                       "phase": r.phase,
                       "at": r.at.to_rfc3339(),
                       "ends_at": r.ends_at.to_rfc3339()}),
            )
        })
        .collect())
}

/// Check the caller may watch (any staff, supervisor, or a bidder).
pub async fn check_watch(ctx: &Ctx, actor: &Actor, id: &str) -> Result<()> {
    actor.require(&WATCHERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    let a = load(&mut *conn, id, "").await?;
    transferor_only(&mut conn, actor, &a.section_id).await
}

/// Who may follow a listing: staff, admin, supervisors, bidders, and the transferor (转让方) —
/// a tenderer or agency organization — of its own sections only ([`transferor_only`]).
pub const WATCHERS: [ggzy_identity::Role; 6] = [
    ggzy_identity::Role::Staff,
    ggzy_identity::Role::Admin,
    ggzy_identity::Role::Supervisor,
    ggzy_identity::Role::Bidder,
    ggzy_identity::Role::Tenderer,
    ggzy_identity::Role::Agency,
];

/// A tenderer or agency follows only the listings of the sections its organization registered
/// (issue 21: the transferor got 403 on its own auction); it sees what a watching bidder sees —
/// prices and the bid sequence by bidder number (竞买号), never who bid.
pub(super) async fn transferor_only(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    section_id: &str,
) -> Result<()> {
    use ggzy_identity::Role;
    if !(actor.is(Role::Tenderer) || actor.is(Role::Agency)) {
        return Ok(());
    }
    match &actor.org_id {
        Some(o) if crate::property::is_transferor(conn, section_id, o).await? => Ok(()),
        _ => Err(Error::forbidden(
            "only the organization that registered this section's project follows its listing",
        )),
    }
}
