//! Running a draw: screening, seeded selection, bookings and the confirmation requests.

use super::*;
use ggzy_events::experts::{DrawCompleted, DrawRequested, DrawSpecialty};
use ggzy_store::uow::Uow;

/// The seed of a draw and what it is published as.
pub(crate) struct FixedSeed {
    pub draw_id: String,
    pub seed: [u8; 32],
    /// sha256(seed) for a centre-only draw; sha256(s_c) for a contributed one.
    pub commitment: String,
    /// `None` (centre-only) or [`draw::SCHEME_CONTRIBUTED_V1`].
    pub scheme: Option<&'static str>,
}

/// Screen, select with the seed given and record a draw with its members, confirmation timers,
/// queued notices and events, all inside `tx`. Every draw is two-step: the seed is derived from
/// every contribution (crate::contrib). Nothing is written when the pool is short: the error names
/// each short specialty and by how many (`draw.too_few_experts`).
pub(crate) async fn run_draw_seeded(
    u: &mut Uow<'_>,
    created_by: &str,
    req: &StoredRequest,
    session_id: Option<&str>,
    place: &str,
    fixed: FixedSeed,
) -> Result<String> {
    let db = u.db;
    let now = u.now;
    let parties = DrawParties {
        tenderer_uscc: req.tenderer_uscc.clone(),
        agency_uscc: req.agency_uscc.clone(),
        bidder_usccs: req.bidder_usccs.clone(),
        session_start: req.session_start,
        session_end: req.session_end,
        now,
        today: local_date(now),
        procurement: req.is_procurement(),
        market: req.market.clone(),
    };
    // One active draw per section: a second one would let the operator draw until a committee
    // suits it (issue 24 item 9). The partial unique index of migration 0047 settles races.
    if let Some(active) = store::draws::active_draw_of_section(u.tx(), &req.section_id).await? {
        return Err(service::active_draw_exists(&active));
    }
    let seed = fixed.seed;
    let seed_hex = hex::encode(seed);
    let commitment = fixed.commitment.clone();
    let pool = service::load_pool(db, u.tx()).await?;
    let (snapshot, excluded) = draw::screen(&pool, &parties, &PoolRules::default());
    let committee = draw::select(seed, &snapshot, &req.specialties)
        .map_err(|short| Error::Validation(short.iter().map(|s| s.to_field_error()).collect()))?;
    let digest = draw::snapshot_digest(&snapshot);
    let attempt: i64 = store::draws::draw_count(u.tx(), &req.section_id).await? + 1;
    let id = fixed.draw_id.clone();
    store::draws::insert_draw(
        u.tx(),
        store::draws::NewDraw {
            id: &id,
            section_id: &req.section_id,
            attempt,
            request: req,
            tenderer_uscc: &req.tenderer_uscc,
            session_start: req.session_start,
            session_end: req.session_end,
            commitment: &commitment,
            seed: &seed_hex,
            snapshot: String::from_utf8_lossy(&draw::canonical_snapshot(&snapshot)).to_string(),
            snapshot_digest: &digest,
            excluded: &excluded,
            result: &committee,
            created_by,
            created_at: now,
            session_id,
            room_name: place,
            scheme: fixed.scheme,
        },
    )
    .await
    .on_unique(&DRAWS_ONE_ACTIVE, || service::active_draw_exists(""))
    .on_unique(&DRAWS_ATTEMPT, service::concurrent_draw)?;
    let confirm_by = ConfirmRules::default().deadline(now, req.session_start);
    let mut drawn = Vec::new();
    for (i, m) in committee.members.iter().enumerate() {
        book(u.tx(), &id, &m.expert_id, req, now).await?;
        store::draws::insert_member(
            u.tx(),
            &id,
            &m.expert_id,
            &m.specialty,
            i as i64,
            confirm_by,
            now,
        )
        .await?;
        let p = person(u.tx(), &m.expert_id).await?;
        ask_to_confirm(u.tx(), (&id, &m.expert_id), &p, req, place, confirm_by, now).await?;
        drawn.push(drawn_expert(&m.expert_id, &p, Some(&m.specialty)));
    }
    for (i, b) in committee.backups.iter().enumerate() {
        store::draws::insert_backup(u.tx(), &id, &b.expert_id, &b.specialty, i as i64, now).await?;
    }
    u.emit(
        DrawRequested {
            draw_id: id.clone(),
            section_id: req.section_id.clone(),
            session_id: session_id.map(str::to_string),
            attempt,
            commitment: commitment.clone(),
            snapshot_digest: digest.clone(),
            scheme: fixed.scheme.map(str::to_string),
            specialties: req
                .specialties
                .iter()
                .map(|s| DrawSpecialty {
                    specialty: s.specialty.clone(),
                    count: s.count,
                    backups: s.backups,
                })
                .collect(),
            representatives: req.representatives,
            session_start: req.session_start,
            session_end: req.session_end,
        }
        .encode(),
    )
    .await?;
    // The venues roster needs the names (cross-area contract); the event log is readable by staff
    // and supervisors only, and the result is also fixed by its digest.
    let count = |n: usize| Some(n as u64);
    u.emit(
        DrawCompleted {
            draw_id: id.clone(),
            section_id: req.section_id.clone(),
            session_id: session_id.map(str::to_string),
            attempt: Some(attempt),
            members: count(committee.members.len()),
            backups: count(committee.backups.len()),
            eligible: count(snapshot.len()),
            excluded: count(excluded.len()),
            exclusion_counts: Some(
                draw::exclusion_counts(&excluded)
                    .into_iter()
                    .map(|(k, n)| (k, n as u64))
                    .collect(),
            ),
            result_digest: Some(service::result_digest(&committee)),
            experts: drawn,
            confirm_by: Some(confirm_by),
            session_start: Some(req.session_start),
            session_end: Some(req.session_end),
        }
        .encode(),
    )
    .await?;
    Ok(id)
}

/// Book an expert for the draw's session (later draws avoid overlapping sessions and recent tenderers).
pub(super) async fn book(
    tx: &mut Tx,
    draw_id: &str,
    expert_id: &str,
    req: &StoredRequest,
    now: Timestamp,
) -> Result<()> {
    store::draws::insert_assignment(
        tx,
        draw_id,
        expert_id,
        &req.tenderer_uscc,
        (req.session_start, req.session_end),
        now,
    )
    .await
}

/// Schedule the confirmation deadline and queue the notice.
pub(super) async fn ask_to_confirm(
    tx: &mut Tx,
    (draw_id, expert_id): (&str, &str),
    p: &Person,
    req: &StoredRequest,
    place: &str,
    confirm_by: Timestamp,
    now: Timestamp,
) -> Result<()> {
    // Due just after the deadline: an answer at the deadline instant itself is still in time.
    timers::schedule(
        tx,
        CONFIRM_TIMER,
        &timer_key(draw_id, expert_id),
        confirm_by + chrono::Duration::microseconds(1),
        json!(ConfirmTimerPayload {
            draw_id: draw_id.to_string(),
            expert_id: expert_id.to_string(),
        }),
        now,
    )
    .await?;
    let (subject, body) = notify::compose(
        Notice::Drawn { confirm_by },
        req.session_start,
        req.session_end,
        place,
    );
    notify::enqueue(
        tx,
        now,
        draw_id,
        expert_id,
        &p.phone,
        p.email.as_deref(),
        (&subject, &body),
    )
    .await
}
