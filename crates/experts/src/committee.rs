//! The committee after the draw: running a draw (from staff or from a venues session), confirmation
//! with a durable deadline, replacement from the ordered backups (实施条例 48), moving and cancelling
//! with the session, publicity, ratings and automatic suspension, and the consumer of other areas'
//! events. All SQL of these tables lives here; every change writes its event in its transaction.

use crate::draw::{self, CommitteeRules, DrawParties, PoolRules};
use crate::notify::{self, Notice};
use crate::rules::{self, ConfirmRules, Standby, SuspensionRules, VenueDrawSpec};
use crate::service::{self, StoredRequest};
use chrono::{DateTime, Utc};
use ggzy_core::events::{ActorRef, Event, NewEvent};
use ggzy_core::time::{from_micros, local_date, to_micros};
use ggzy_core::{ids, Clock, Error, FieldError, Money, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::unique::{UniqueExt, UniqueKey};
use ggzy_store::{emit, Ctx, Db, Tx};

const DRAWS_ONE_ACTIVE: UniqueKey = UniqueKey::new(
    "expert_draws_one_active",
    "expert_draws",
    &["section_id", "status"],
);
const DRAWS_ATTEMPT: UniqueKey = UniqueKey::new(
    "expert_draws_attempt_key",
    "expert_draws",
    &["section_id", "attempt"],
);
const RATINGS_ONCE: UniqueKey = UniqueKey::new(
    "expert_ratings_once_key",
    "expert_ratings",
    &["draw_id", "expert_id", "rater_user_id"],
);
const EXPERTS_USER_ID: UniqueKey = UniqueKey::new("experts_user_id_key", "experts", &["user_id"]);
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Place named in notices when a staff draw does not give one.
pub const DEFAULT_PLACE: &str = "公共资源交易中心评标区（具体评标室另行通知）";
/// Timer kind of the confirmation deadline.
pub const CONFIRM_TIMER: &str = "experts.confirm_deadline";

const STAFF: &[Role] = &[Role::Staff, Role::Admin];

fn timer_key(draw_id: &str, expert_id: &str) -> String {
    format!("experts.confirm:{draw_id}:{expert_id}")
}

/// A light syntactic check: one `@`, something before it, a dot in the domain, no spaces.
pub fn plausible_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

fn rfc3339(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// What notices and events need of an expert.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub user_id: Option<String>,
}

async fn person(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Person> {
    let r = sqlx::query("SELECT name, phone, email, user_id FROM experts WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found("expert"))?;
    Ok(Person {
        name: r.try_get("name")?,
        phone: r.try_get("phone")?,
        email: r.try_get("email")?,
        user_id: r.try_get("user_id")?,
    })
}

fn person_json(id: &str, p: &Person) -> Value {
    json!({ "expert_id": id, "name": p.name, "user_id": p.user_id })
}

/// The state of one drawn member or backup.
#[derive(Debug, Clone)]
pub(crate) struct MemberRow {
    pub name: String,
    pub specialty: String,
    pub kind: String,
    pub position: i64,
    pub status: String,
    pub confirm_by: Option<Timestamp>,
    pub replaces: Option<String>,
    pub replaced_by: Option<String>,
    pub reason: Option<String>,
}

pub(crate) async fn member_rows<'e, E>(exec: E, draw_id: &str) -> Result<HashMap<String, MemberRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let mut out = HashMap::new();
    for r in sqlx::query(
        "SELECT m.expert_id, e.name, m.specialty, m.kind, m.position, m.status, m.confirm_by, m.replaces, \
         m.replaced_by, m.reason FROM expert_draw_members m JOIN experts e ON e.id = m.expert_id \
         WHERE m.draw_id = $1",
    )
    .bind(draw_id)
    .fetch_all(exec)
    .await?
    {
        out.insert(
            r.try_get::<String, _>("expert_id")?,
            MemberRow {
                name: r.try_get("name")?,
                specialty: r.try_get("specialty")?,
                kind: r.try_get("kind")?,
                position: r.try_get("position")?,
                status: r.try_get("status")?,
                confirm_by: r.try_get::<Option<i64>, _>("confirm_by")?.map(from_micros),
                replaces: r.try_get("replaces")?,
                replaced_by: r.try_get("replaced_by")?,
                reason: r.try_get("reason")?,
            },
        );
    }
    Ok(out)
}

/// Has the result of this section been determined (`projects.award.confirmed`)? Until then the
/// committee's names are confidential (招标投标法 第三十七条: 评标委员会成员的名单在中标结果确定前应当保密);
/// the candidate publicity does not determine the result.
pub async fn determined(db: &Db, section_id: &str) -> Result<bool> {
    let r = sqlx::query("SELECT determined_at FROM expert_sections WHERE section_id = $1")
        .bind(section_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(match r {
        Some(r) => r.try_get::<Option<i64>, _>("determined_at")?.is_some(),
        None => false,
    })
}

/// 招标投标法 第三十七条 (confidential until the result is determined); 财政部令第87号 第六十九条 (the
/// procurement result announcement lists the evaluation experts).
pub const DISCLOSURE_SOURCE: &str = "招标投标法 第三十七条; 财政部令第87号 第六十九条";

/// `projects.award.confirmed`: the result is determined — the section's committee is no longer
/// confidential. Records it and emits `experts.committee.disclosed` with the names of the experts
/// serving on the section's active committee (members not declined, timed out or recused;
/// replacements included), which
/// publishing puts in the procurement result announcement.
async fn result_determined(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    ev: &Event,
) -> Result<()> {
    let p = &ev.payload;
    let Some(section) = p["section_id"].as_str() else {
        return Ok(());
    };
    let at = time_of(&p["awarded_at"]).unwrap_or(ev.occurred_at);
    sqlx::query(
        "INSERT INTO expert_sections (section_id, project_id, tenderer_uscc, determined_at) \
         VALUES ($1, $2, '', $3) ON CONFLICT (section_id) DO UPDATE SET determined_at = excluded.determined_at",
    )
    .bind(section)
    .bind(p["project_id"].as_str().unwrap_or_default())
    .bind(to_micros(at))
    .execute(&mut **tx)
    .await?;
    let draw: Option<String> = sqlx::query(
        "SELECT id FROM expert_draws WHERE section_id = $1 AND status = 'active' ORDER BY attempt DESC LIMIT 1",
    )
    .bind(section)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| r.try_get(0))
    .transpose()?;
    let mut experts = Vec::new();
    if let Some(d) = &draw {
        for r in sqlx::query(
            "SELECT e.name, m.specialty FROM expert_draw_members m JOIN experts e ON e.id = m.expert_id \
             WHERE m.draw_id = $1 AND m.status IN ('pending', 'confirmed') ORDER BY m.position, e.name",
        )
        .bind(d)
        .fetch_all(&mut **tx)
        .await?
        {
            experts.push(json!({"name": r.try_get::<String, _>(0)?,
                                "specialty": r.try_get::<String, _>(1)?}));
        }
    }
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "experts.committee.disclosed",
            "section",
            section,
            json!({"section_id": section, "project_id": p["project_id"], "market": p["market"],
                   "draw_id": draw, "experts": experts, "determined_at": at.to_rfc3339(),
                   "basis": DISCLOSURE_SOURCE}),
        ),
    )
    .await?;
    Ok(())
}

/// Has the evaluation result of this section been publicized (`projects.candidates.publicized`)?
pub async fn publicized(db: &Db, section_id: &str) -> Result<bool> {
    let r = sqlx::query("SELECT publicized_at FROM expert_sections WHERE section_id = $1")
        .bind(section_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(match r {
        Some(r) => r.try_get::<Option<i64>, _>("publicized_at")?.is_some(),
        None => false,
    })
}

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
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_draw_seeded(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    created_by: &str,
    req: &StoredRequest,
    session_id: Option<&str>,
    place: &str,
    fixed: FixedSeed,
) -> Result<String> {
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
    if let Some(active) =
        sqlx::query("SELECT id FROM expert_draws WHERE section_id = $1 AND status = 'active'")
            .bind(&req.section_id)
            .fetch_optional(&mut **tx)
            .await?
    {
        return Err(service::active_draw_exists(
            &active.try_get::<String, _>("id")?,
        ));
    }
    let seed = fixed.seed;
    let seed_hex = hex::encode(seed);
    let commitment = fixed.commitment.clone();
    let pool = service::load_pool(db, tx).await?;
    let (snapshot, excluded) = draw::screen(&pool, &parties, &PoolRules::default());
    let committee = draw::select(seed, &snapshot, &req.specialties)
        .map_err(|short| Error::Validation(short.iter().map(|s| s.to_field_error()).collect()))?;
    let digest = draw::snapshot_digest(&snapshot);
    let attempt: i64 =
        sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM expert_draws WHERE section_id = $1")
            .bind(&req.section_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get::<i64, _>("n")?
            + 1;
    let id = fixed.draw_id.clone();
    sqlx::query(
        "INSERT INTO expert_draws (id, section_id, attempt, request, tenderer_uscc, session_start, session_end, \
         commitment, seed, snapshot, snapshot_digest, exclusions, result, created_by, created_at, session_id, \
         room_name, status, scheme) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'active', $18)",
    )
    .bind(&id)
    .bind(&req.section_id)
    .bind(attempt)
    .bind(json!(req).to_string())
    .bind(&req.tenderer_uscc)
    .bind(to_micros(req.session_start))
    .bind(to_micros(req.session_end))
    .bind(&commitment)
    .bind(&seed_hex)
    .bind(String::from_utf8_lossy(&draw::canonical_snapshot(&snapshot)).to_string())
    .bind(&digest)
    .bind(json!(excluded).to_string())
    .bind(json!(committee).to_string())
    .bind(created_by)
    .bind(to_micros(now))
    .bind(session_id)
    .bind(place)
    .bind(fixed.scheme)
    .execute(&mut **tx)
    .await
    .on_unique(&DRAWS_ONE_ACTIVE, || service::active_draw_exists(""))
    .on_unique(&DRAWS_ATTEMPT, service::concurrent_draw)?;
    let confirm_by = ConfirmRules::default().deadline(now, req.session_start);
    let mut drawn = Vec::new();
    for (i, m) in committee.members.iter().enumerate() {
        book(tx, &id, &m.expert_id, req, now).await?;
        sqlx::query(
            "INSERT INTO expert_draw_members (draw_id, expert_id, specialty, kind, position, status, confirm_by, updated_at) \
             VALUES ($1, $2, $3, 'member', $4, 'pending', $5, $6)",
        )
        .bind(&id)
        .bind(&m.expert_id)
        .bind(&m.specialty)
        .bind(i as i64)
        .bind(to_micros(confirm_by))
        .bind(to_micros(now))
        .execute(&mut **tx)
        .await?;
        let p = person(tx, &m.expert_id).await?;
        ask_to_confirm(tx, &id, &m.expert_id, &p, req, place, confirm_by, now).await?;
        let mut j = person_json(&m.expert_id, &p);
        j["specialty"] = json!(m.specialty);
        drawn.push(j);
    }
    for (i, b) in committee.backups.iter().enumerate() {
        sqlx::query(
            "INSERT INTO expert_draw_members (draw_id, expert_id, specialty, kind, position, status, updated_at) \
             VALUES ($1, $2, $3, 'backup', $4, 'standby', $5)",
        )
        .bind(&id)
        .bind(&b.expert_id)
        .bind(&b.specialty)
        .bind(i as i64)
        .bind(to_micros(now))
        .execute(&mut **tx)
        .await?;
    }
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "experts.draw.requested",
            "expert_draw",
            &id,
            json!({
                "draw_id": id, "section_id": req.section_id, "session_id": session_id, "attempt": attempt,
                "commitment": commitment, "snapshot_digest": digest, "scheme": fixed.scheme,
                "specialties": req.specialties, "representatives": req.representatives,
                "session_start": rfc3339(req.session_start), "session_end": rfc3339(req.session_end),
            }),
        ),
    )
    .await?;
    // The venues roster needs the names (cross-area contract); the event log is readable by staff
    // and supervisors only, and the result is also fixed by its digest.
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            "experts.draw.completed",
            "expert_draw",
            &id,
            json!({
                "draw_id": id, "section_id": req.section_id, "session_id": session_id, "attempt": attempt,
                "members": committee.members.len(), "backups": committee.backups.len(),
                "eligible": snapshot.len(), "excluded": excluded.len(),
                "exclusion_counts": draw::exclusion_counts(&excluded),
                "result_digest": service::result_digest(&committee),
                "experts": drawn, "confirm_by": rfc3339(confirm_by),
                "session_start": rfc3339(req.session_start), "session_end": rfc3339(req.session_end),
            }),
        ),
    )
    .await?;
    Ok(id)
}

/// Book an expert for the draw's session (later draws avoid overlapping sessions and recent tenderers).
async fn book(
    tx: &mut Tx,
    draw_id: &str,
    expert_id: &str,
    req: &StoredRequest,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO expert_assignments (draw_id, expert_id, tenderer_uscc, session_start, session_end, drawn_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(draw_id)
    .bind(expert_id)
    .bind(&req.tenderer_uscc)
    .bind(to_micros(req.session_start))
    .bind(to_micros(req.session_end))
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Schedule the confirmation deadline and queue the notice.
#[allow(clippy::too_many_arguments)]
async fn ask_to_confirm(
    tx: &mut Tx,
    draw_id: &str,
    expert_id: &str,
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
        json!({ "draw_id": draw_id, "expert_id": expert_id }),
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
        &subject,
        &body,
    )
    .await
}

fn member_event(d: &service::DrawRow, expert_id: &str, p: &Person, extra: Value) -> Value {
    let mut v = json!({
        "draw_id": d.id, "section_id": d.section_id, "session_id": d.session_id,
        "expert_id": expert_id, "name": p.name, "user_id": p.user_id,
    });
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

/// Take `out_id` off the committee (it declined, stayed silent or recused) and call the next backup
/// of the same specialty that may still serve: the first in the order the seeded selection produced,
/// re-screened against today's pool (a backup booked elsewhere meanwhile, suspended or on leave is
/// skipped with its reasons recorded). Returns the replacement, or `None` when no backup is left
/// (`experts.member.unreplaced`, the section needs a re-draw).
async fn replace(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    d: &service::DrawRow,
    out_id: &str,
    reason: &str,
) -> Result<Option<String>> {
    sqlx::query("DELETE FROM expert_assignments WHERE draw_id = $1 AND expert_id = $2")
        .bind(&d.id)
        .bind(out_id)
        .execute(&mut **tx)
        .await?;
    let rows = member_rows(&mut **tx, &d.id).await?;
    let Some(out) = rows.get(out_id) else {
        return Err(Error::not_found("member"));
    };
    let specialty = out.specialty.clone();
    let mut standby: Vec<(i64, String)> = rows
        .iter()
        .filter(|(_, r)| r.kind == "backup" && r.status == "standby" && r.specialty == specialty)
        .map(|(id, r)| (r.position, id.clone()))
        .collect();
    standby.sort();
    let req = &d.request;
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
    let pool = service::load_pool(db, tx).await?;
    let by_id: HashMap<&str, &draw::Candidate> = pool.iter().map(|c| (c.id.as_str(), c)).collect();
    let list: Vec<Standby> = standby
        .iter()
        .map(|(_, id)| Standby {
            expert_id: id.clone(),
            specialty: specialty.clone(),
            reasons: match by_id.get(id.as_str()) {
                Some(c) => draw::exclusions(c, &parties, &PoolRules::default())
                    .iter()
                    .map(|x| json!(x).to_string())
                    .collect(),
                None => vec!["not in the pool".into()],
            },
        })
        .collect();
    let chosen = rules::next_backup(&list, &specialty).map(|s| s.expert_id.clone());
    for s in list
        .iter()
        .take_while(|s| Some(&s.expert_id) != chosen.as_ref())
    {
        sqlx::query(
            "UPDATE expert_draw_members SET status = 'skipped', reason = $1, updated_at = $2 \
             WHERE draw_id = $3 AND expert_id = $4 AND status = 'standby'",
        )
        .bind(s.reasons.join("; "))
        .bind(to_micros(now))
        .bind(&d.id)
        .bind(&s.expert_id)
        .execute(&mut **tx)
        .await?;
    }
    let out_person = person(tx, out_id).await?;
    let Some(new_id) = chosen else {
        emit(
            tx,
            db,
            by,
            now,
            NewEvent::new(
                "experts.member.unreplaced",
                "expert_draw",
                &d.id,
                member_event(
                    d,
                    out_id,
                    &out_person,
                    json!({ "specialty": specialty, "short_by": 1, "reason": reason }),
                ),
            ),
        )
        .await?;
        return Ok(None);
    };
    let place = d.room_name.clone().unwrap_or_else(|| DEFAULT_PLACE.into());
    let confirm_by = ConfirmRules::default().deadline(now, req.session_start);
    let n = sqlx::query(
        "UPDATE expert_draw_members SET status = 'pending', confirm_by = $1, replaces = $2, updated_at = $3 \
         WHERE draw_id = $4 AND expert_id = $5 AND status = 'standby'",
    )
    .bind(to_micros(confirm_by))
    .bind(out_id)
    .bind(to_micros(now))
    .bind(&d.id)
    .bind(&new_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    ggzy_store::expect_one(
        n,
        "draw.concurrent",
        "the backup was called at the same time",
    )?;
    sqlx::query(
        "UPDATE expert_draw_members SET replaced_by = $1, updated_at = $2 WHERE draw_id = $3 AND expert_id = $4",
    )
    .bind(&new_id)
    .bind(to_micros(now))
    .bind(&d.id)
    .bind(out_id)
    .execute(&mut **tx)
    .await?;
    book(tx, &d.id, &new_id, req, now).await?;
    let p = person(tx, &new_id).await?;
    ask_to_confirm(tx, &d.id, &new_id, &p, req, &place, confirm_by, now).await?;
    let mut j = person_json(&new_id, &p);
    j["specialty"] = json!(specialty);
    let mut payload = member_event(
        d,
        out_id,
        &out_person,
        json!({ "reason": reason, "specialty": specialty, "confirm_by": rfc3339(confirm_by) }),
    );
    payload["replaced"] = person_json(out_id, &out_person);
    payload["replacement"] = j;
    // The roster of the session (venues) swaps exactly these two.
    payload["experts"] = json!([payload["replacement"].clone()]);
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new("experts.member.replaced", "expert_draw", &d.id, payload),
    )
    .await?;
    Ok(Some(new_id))
}

/// An expert's own view of a draw that called them: only time, place and their state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignment {
    pub draw_id: String,
    pub session_id: Option<String>,
    pub session_start: DateTime<Utc>,
    pub session_end: DateTime<Utc>,
    pub place: String,
    pub status: String,
    pub confirm_by: Option<DateTime<Utc>>,
    /// The reason the expert (or staff, for a recusal) gave when the expert left the draw.
    pub reason: Option<String>,
}

pub(crate) async fn expert_of(conn: &mut sqlx::AnyConnection, actor: &Actor) -> Result<String> {
    let r = sqlx::query("SELECT id FROM experts WHERE user_id = $1")
        .bind(&actor.user_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::forbidden("this account is not linked to an expert of the pool"))?;
    Ok(r.try_get("id")?)
}

/// The draws that called the logged-in expert (not standby backups), newest session first.
pub async fn my_assignments(ctx: &Ctx, actor: &Actor) -> Result<Vec<Assignment>> {
    actor.require(&[Role::Expert])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let expert = expert_of(&mut conn, actor).await?;
    assignments_of(&mut conn, &expert).await
}

/// The assignments of `expert` (read on `conn`, which may be the transaction of a change).
async fn assignments_of(conn: &mut sqlx::AnyConnection, expert: &str) -> Result<Vec<Assignment>> {
    let rows = sqlx::query(
        "SELECT d.id, d.session_id, d.session_start, d.session_end, d.room_name, m.status, m.confirm_by, m.reason \
         FROM expert_draw_members m JOIN expert_draws d ON d.id = m.draw_id \
         WHERE m.expert_id = $1 AND m.status NOT IN ('standby', 'skipped') ORDER BY d.session_start DESC",
    )
    .bind(expert)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Assignment {
                draw_id: r.try_get("id")?,
                session_id: r.try_get("session_id")?,
                session_start: from_micros(r.try_get("session_start")?),
                session_end: from_micros(r.try_get("session_end")?),
                place: r
                    .try_get::<Option<String>, _>("room_name")?
                    .unwrap_or_else(|| DEFAULT_PLACE.into()),
                status: r.try_get("status")?,
                confirm_by: r.try_get::<Option<i64>, _>("confirm_by")?.map(from_micros),
                reason: r.try_get("reason")?,
            })
        })
        .collect()
}

/// The assignment of `expert` on `draw_id`, read inside the change's transaction: the answer a
/// keyed request stores with its change (`Db::commit_answering`).
async fn assignment_in(tx: &mut ggzy_store::Tx, expert: &str, draw_id: &str) -> Result<Assignment> {
    assignments_of(tx, expert)
        .await?
        .into_iter()
        .find(|a| a.draw_id == draw_id)
        .ok_or_else(|| Error::not_found("assignment"))
}

/// A drawn expert confirms (before the deadline; the deadline itself is still in time).
#[tracing::instrument(skip_all)]
pub async fn confirm(ctx: &Ctx, actor: &Actor, draw_id: &str) -> Result<Assignment> {
    actor.require(&[Role::Expert])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let expert = expert_of(&mut tx, actor).await?;
    let d = service::load_draw_in(&mut tx, draw_id).await?;
    let rows = member_rows(&mut *tx, draw_id).await?;
    let Some(m) = rows
        .get(&expert)
        .filter(|m| m.status != "standby" && m.status != "skipped")
    else {
        return Err(Error::not_found("assignment"));
    };
    if m.status != "pending" {
        return Err(Error::conflict(
            "member.not_pending",
            format!("nothing to confirm: the assignment is {}", m.status),
        ));
    }
    if let Some(by) = m.confirm_by {
        if !ConfirmRules::in_time(by, now) {
            return Err(Error::conflict(
                "member.confirm_deadline_passed",
                "the confirmation deadline has passed; a backup is being called",
            ));
        }
    }
    let n = sqlx::query(
        "UPDATE expert_draw_members SET status = 'confirmed', updated_at = $1 \
         WHERE draw_id = $2 AND expert_id = $3 AND status = 'pending'",
    )
    .bind(to_micros(now))
    .bind(draw_id)
    .bind(&expert)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    ggzy_store::expect_one(n, "member.not_pending", "the assignment changed meanwhile")?;
    timers::cancel(&mut tx, &timer_key(draw_id, &expert)).await?;
    let p = person(&mut tx, &expert).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "experts.member.confirmed",
            "expert_draw",
            draw_id,
            member_event(&d, &expert, &p, json!({ "specialty": m.specialty })),
        ),
    )
    .await?;
    let answer = assignment_in(&mut tx, &expert, draw_id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReasonInput {
    /// At most 500 characters, not blank.
    #[schema(pattern = "\\S", max_length = 500)]
    pub reason: String,
}

fn check_reason(r: &str) -> Result<String> {
    let r = r.trim();
    if r.is_empty() || r.chars().count() > 500 {
        return Err(Error::field(
            "reason",
            "required",
            "a reason is required (at most 500 characters)",
        ));
    }
    Ok(r.to_string())
}

/// Take a serving member off: `declined` (the expert), `recused` (实施条例 48) or `timed_out`.
#[allow(clippy::too_many_arguments)]
async fn withdraw(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    d: &service::DrawRow,
    expert: &str,
    status: &str,
    reason: &str,
) -> Result<Option<String>> {
    if d.status != "active" {
        return Err(Error::conflict(
            "draw.cancelled",
            "the draw was cancelled with its session",
        ));
    }
    let n = sqlx::query(
        "UPDATE expert_draw_members SET status = $1, reason = $2, updated_at = $3 \
         WHERE draw_id = $4 AND expert_id = $5 AND status IN ('pending', 'confirmed')",
    )
    .bind(status)
    .bind(reason)
    .bind(to_micros(now))
    .bind(&d.id)
    .bind(expert)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    ggzy_store::expect_one(
        n,
        "member.not_serving",
        "the expert is not a pending or confirmed member of this draw",
    )?;
    timers::cancel(tx, &timer_key(&d.id, expert)).await?;
    let p = person(tx, expert).await?;
    let event = if status == "recused" {
        "experts.member.recused"
    } else {
        "experts.member.declined"
    };
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new(
            event,
            "expert_draw",
            &d.id,
            member_event(d, expert, &p, json!({ "status": status, "reason": reason })),
        ),
    )
    .await?;
    replace(tx, db, now, by, d, expert, status).await
}

/// A drawn expert declines (before the session ends); the next backup is called.
#[tracing::instrument(skip_all)]
pub async fn decline(
    ctx: &Ctx,
    actor: &Actor,
    draw_id: &str,
    input: ReasonInput,
) -> Result<Assignment> {
    withdraw_self(ctx, actor, draw_id, input, "declined").await
}

/// A drawn expert recuses himself (主动回避) with the reason: a member with an interest in a bidder
/// must step aside of his own accord (实施条例 第四十六条 第四款: 评标委员会成员与投标人有利害关系的，
/// 应当主动回避), and is replaced the same way as any member who must recuse (实施条例 第四十八条).
/// Allowed while the expert is a pending or confirmed member of an active draw; the reason goes
/// into `experts.member.recused` and the draw's record.
#[tracing::instrument(skip_all)]
pub async fn recuse_self(
    ctx: &Ctx,
    actor: &Actor,
    draw_id: &str,
    input: ReasonInput,
) -> Result<Assignment> {
    withdraw_self(ctx, actor, draw_id, input, "recused").await
}

/// The expert takes himself off a draw that called him (`declined` or `recused`).
async fn withdraw_self(
    ctx: &Ctx,
    actor: &Actor,
    draw_id: &str,
    input: ReasonInput,
    status: &str,
) -> Result<Assignment> {
    actor.require(&[Role::Expert])?;
    let reason = check_reason(&input.reason)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let expert = expert_of(&mut tx, actor).await?;
    let d = service::load_draw_in(&mut tx, draw_id).await?;
    let rows = member_rows(&mut *tx, draw_id).await?;
    if rows
        .get(&expert)
        .filter(|m| m.status != "standby" && m.status != "skipped")
        .is_none()
    {
        return Err(Error::not_found("assignment"));
    }
    withdraw(
        &mut tx,
        &ctx.db,
        now,
        &actor.actor_ref(),
        &d,
        &expert,
        status,
        &reason,
    )
    .await?;
    let answer = assignment_in(&mut tx, &expert, draw_id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

/// Staff record that a member must recuse (实施条例 48: 评标委员会成员 … 回避 … 应当依法重新确定),
/// e.g. a conflict discovered during the evaluation; the next backup is called the same way.
#[tracing::instrument(skip_all)]
pub async fn recuse(
    ctx: &Ctx,
    actor: &Actor,
    draw_id: &str,
    expert_id: &str,
    input: ReasonInput,
) -> Result<service::Draw> {
    actor.require(STAFF)?;
    let reason = check_reason(&input.reason)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let d = service::load_draw_in(&mut tx, draw_id).await?;
    withdraw(
        &mut tx,
        &ctx.db,
        now,
        &actor.actor_ref(),
        &d,
        expert_id,
        "recused",
        &reason,
    )
    .await?;
    let answer = service::get_draw_in(&mut tx, actor, draw_id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

/// The confirmation deadline: a member still `pending` is treated as declining (`timed_out`).
pub struct ConfirmDeadline;

#[async_trait::async_trait]
impl TimerHandler for ConfirmDeadline {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, t: &Timer) -> Result<()> {
        let draw_id = t.payload["draw_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let expert = t.payload["expert_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let d = service::load_draw_in(tx, &draw_id).await?;
        let rows = member_rows(&mut **tx, &draw_id).await?;
        if d.status != "active" || rows.get(&expert).map(|m| m.status.as_str()) != Some("pending") {
            return Ok(());
        }
        withdraw(
            tx,
            db,
            clock.now(),
            &ActorRef::system(CONFIRM_TIMER),
            &d,
            &expert,
            "timed_out",
            "no answer before the confirmation deadline",
        )
        .await?;
        Ok(())
    }
}

/// Members who are pending or confirmed (they get the move and cancel notices).
fn serving(rows: &HashMap<String, MemberRow>) -> Vec<String> {
    let mut v: Vec<String> = rows
        .iter()
        .filter(|(_, r)| r.status == "pending" || r.status == "confirmed")
        .map(|(id, _)| id.clone())
        .collect();
    v.sort();
    v
}

async fn draws_of_session(tx: &mut Tx, session_id: &str) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT id FROM expert_draws WHERE session_id = $1 AND status = 'active' ORDER BY created_at",
    )
    .bind(session_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>("id")?))
        .collect()
}

async fn session_moved(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    p: &Value,
) -> Result<()> {
    let session_id = p["session_id"].as_str().unwrap_or_default();
    let (Some(start), Some(end)) = (time_of(&p["start"]), time_of(&p["end"])) else {
        return Ok(());
    };
    let place = p["room_name"].as_str().map(str::to_string);
    crate::contrib::session_moved(tx, db, now, by, session_id, start, end, place.as_deref())
        .await?;
    for draw_id in draws_of_session(tx, session_id).await? {
        let d = service::load_draw_in(tx, &draw_id).await?;
        let mut req = d.request.clone();
        req.session_start = start;
        req.session_end = end;
        let place = place
            .clone()
            .or(d.room_name.clone())
            .unwrap_or_else(|| DEFAULT_PLACE.into());
        sqlx::query(
            "UPDATE expert_draws SET session_start = $1, session_end = $2, room_name = $3, request = $4 WHERE id = $5",
        )
        .bind(to_micros(start))
        .bind(to_micros(end))
        .bind(&place)
        .bind(json!(req).to_string())
        .bind(&draw_id)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "UPDATE expert_assignments SET session_start = $1, session_end = $2 WHERE draw_id = $3",
        )
        .bind(to_micros(start))
        .bind(to_micros(end))
        .bind(&draw_id)
        .execute(&mut **tx)
        .await?;
        let rows = member_rows(&mut **tx, &draw_id).await?;
        let (subject, body) = notify::compose(Notice::Moved, start, end, &place);
        let mut told = Vec::new();
        for e in serving(&rows) {
            let per = person(tx, &e).await?;
            notify::enqueue(
                tx,
                now,
                &draw_id,
                &e,
                &per.phone,
                per.email.as_deref(),
                &subject,
                &body,
            )
            .await?;
            told.push(person_json(&e, &per));
        }
        emit(
            tx,
            db,
            by,
            now,
            NewEvent::new(
                "experts.draw.rescheduled",
                "expert_draw",
                &draw_id,
                json!({ "draw_id": draw_id, "section_id": d.section_id, "session_id": session_id,
                        "session_start": rfc3339(start), "session_end": rfc3339(end),
                        "place": place, "notified": told }),
            ),
        )
        .await?;
    }
    Ok(())
}

async fn session_cancelled(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    p: &Value,
) -> Result<()> {
    let session_id = p["session_id"].as_str().unwrap_or_default();
    crate::contrib::session_cancelled(tx, db, now, by, session_id).await?;
    for draw_id in draws_of_session(tx, session_id).await? {
        let d = service::load_draw_in(tx, &draw_id).await?;
        let rows = member_rows(&mut **tx, &draw_id).await?;
        let told_ids = serving(&rows);
        sqlx::query("UPDATE expert_draws SET status = 'cancelled', cancelled_at = $1 WHERE id = $2 AND status = 'active'")
            .bind(to_micros(now))
            .bind(&draw_id)
            .execute(&mut **tx)
            .await?;
        // The experts are free again: their booking of this session goes.
        sqlx::query("DELETE FROM expert_assignments WHERE draw_id = $1")
            .bind(&draw_id)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "UPDATE expert_draw_members SET status = 'cancelled', updated_at = $1 \
             WHERE draw_id = $2 AND status IN ('pending', 'confirmed', 'standby')",
        )
        .bind(to_micros(now))
        .bind(&draw_id)
        .execute(&mut **tx)
        .await?;
        let place = d.room_name.clone().unwrap_or_else(|| DEFAULT_PLACE.into());
        let (subject, body) = notify::compose(
            Notice::Cancelled,
            d.request.session_start,
            d.request.session_end,
            &place,
        );
        let mut told = Vec::new();
        for e in told_ids {
            timers::cancel(tx, &timer_key(&draw_id, &e)).await?;
            let per = person(tx, &e).await?;
            notify::enqueue(
                tx,
                now,
                &draw_id,
                &e,
                &per.phone,
                per.email.as_deref(),
                &subject,
                &body,
            )
            .await?;
            told.push(person_json(&e, &per));
        }
        emit(
            tx,
            db,
            by,
            now,
            NewEvent::new(
                "experts.draw.cancelled",
                "expert_draw",
                &draw_id,
                json!({ "draw_id": draw_id, "section_id": d.section_id, "session_id": session_id,
                        "reason": "session_cancelled", "notified": told }),
            ),
        )
        .await?;
    }
    Ok(())
}

fn time_of(v: &Value) -> Option<Timestamp> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// `venues.session.scheduled` with a draw spec: draw the committee for that session. A draw that
/// cannot be made (section unknown to this area, size rules, too few experts) is recorded as
/// `experts.draw.failed` naming every problem, so the venue staff see why.
async fn session_scheduled(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    ev: &Event,
) -> Result<()> {
    let p = &ev.payload;
    if p["draw"].is_null() {
        return Ok(());
    }
    let session_id = p["session_id"].as_str().unwrap_or_default().to_string();
    let section_id = p["section_id"].as_str().unwrap_or_default().to_string();
    // Idempotent: one draw (request) per session (a redelivered event does nothing).
    let exists = sqlx::query("SELECT id FROM expert_draws WHERE session_id = $1")
        .bind(&session_id)
        .fetch_optional(&mut **tx)
        .await?;
    let requested = sqlx::query("SELECT id FROM expert_draw_requests WHERE session_id = $1")
        .bind(&session_id)
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_some() || requested.is_some() {
        return Ok(());
    }
    let outcome = async {
        let spec: VenueDrawSpec = serde_json::from_value(p["draw"].clone()).map_err(|e| {
            Error::field("draw", "draw.spec", format!("unreadable draw spec: {e}"))
        })?;
        let (specialties, representatives) = rules::from_venue_spec(&spec);
        let section = sqlx::query(
            "SELECT s.tenderer_uscc, o.uscc AS owner_uscc, o.kind AS owner_kind FROM expert_sections s \
             LEFT JOIN expert_orgs o ON o.id = s.owner_org_id WHERE s.section_id = $1",
        )
        .bind(&section_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            Error::field(
                "section_id",
                "draw.unknown_section",
                "the section is not known to the expert area (no projects.section.registered yet)",
            )
        })?;
        let tenderer: String = section.try_get("tenderer_uscc")?;
        let owner: Option<String> = section.try_get("owner_uscc")?;
        let owner_kind: Option<String> = section.try_get("owner_kind")?;
        let agency = owner.filter(|o| *o != tenderer && owner_kind.as_deref() == Some("agency"));
        let bidders: Vec<String> = sqlx::query(
            "SELECT uscc FROM expert_section_bidders WHERE section_id = $1 ORDER BY uscc",
        )
        .bind(&section_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("uscc"))
        .collect::<std::result::Result<_, _>>()?;
        let budget = match &spec.budget {
            Some(Value::String(s)) => Some(Money::parse_str(s).map_err(|mut e| {
                e.field = "draw.budget".into();
                Error::Validation(vec![e])
            })?),
            _ => None,
        };
        let input = service::DrawRequest {
            section_id: section_id.clone(),
            tenderer_uscc: tenderer,
            agency_uscc: agency,
            bidder_usccs: bidders,
            session_start: time_of(&p["start"])
                .ok_or_else(|| Error::field("start", "required", "session start missing"))?,
            session_end: time_of(&p["end"])
                .ok_or_else(|| Error::field("end", "required", "session end missing"))?,
            specialties,
            representatives,
            procurement_budget: budget,
            place: None,
        };
        let terms = crate::relations::terms(tx, &section_id).await?;
        let req = service::check_request(&input, &CommitteeRules::default(), terms.as_ref())?;
        let place = p["room_name"].as_str().unwrap_or(DEFAULT_PLACE).to_string();
        // A session never draws with a seed the server alone chose: it opens a draw request that
        // waits for a supervisor's commitment and reveal (crate::contrib, issue 24).
        crate::contrib::open_in_tx(tx, db, now, by, "system", &req, Some(&session_id), &place)
            .await
    }
    .await;
    match outcome {
        Ok(_) => Ok(()),
        Err(Error::Validation(errs)) => {
            emit(
                tx,
                db,
                by,
                now,
                NewEvent::new(
                    "experts.draw.failed",
                    "section",
                    &section_id,
                    json!({ "session_id": session_id, "section_id": section_id,
                            "errors": errs.iter().map(|e| json!({"field": e.field, "rule": e.rule, "message": e.message})).collect::<Vec<_>>() }),
                ),
            )
            .await?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Suspend `expert` now if the rule says so (and it is active); emits `experts.expert.suspended`.
async fn maybe_suspend(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    expert: &str,
) -> Result<Option<rules::SuspendReason>> {
    let rules = SuspensionRules::default();
    let since = to_micros(now - chrono::Duration::days(rules.window_days));
    let ratings: Vec<(i64, Timestamp)> = sqlx::query(
        "SELECT score, created_at FROM expert_ratings WHERE expert_id = $1 AND created_at > $2",
    )
    .bind(expert)
    .bind(since)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("score")?, from_micros(r.try_get("created_at")?))))
    .collect::<Result<_>>()?;
    let violations: Vec<Timestamp> =
        sqlx::query("SELECT at FROM expert_violations WHERE expert_id = $1 AND at > $2")
            .bind(expert)
            .bind(since)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok(from_micros(r.try_get("at")?)))
            .collect::<Result<_>>()?;
    let Some(why) = rules.check(now, &ratings, &violations) else {
        return Ok(None);
    };
    let until = now + chrono::Duration::days(rules.suspend_days);
    let n = sqlx::query(
        "UPDATE experts SET status = 'suspended', suspended_reason = $1, suspended_from = $2, \
         suspended_until = $3, updated_at = $2 WHERE id = $4 AND status = 'active'",
    )
    .bind(why.text())
    .bind(to_micros(now))
    .bind(to_micros(until))
    .bind(expert)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 1 {
        emit(
            tx,
            db,
            by,
            now,
            NewEvent::new(
                "experts.expert.suspended",
                "expert",
                expert,
                json!({ "expert_id": expert, "reason": why, "text": why.text(),
                        "from": rfc3339(now), "until": rfc3339(until), "automatic": true }),
            ),
        )
        .await?;
    }
    Ok(Some(why))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewRating {
    pub expert_id: String,
    /// 1 (poor) to 5 (excellent).
    pub score: i64,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rating {
    pub id: String,
    pub draw_id: String,
    pub expert_id: String,
    pub rater_role: String,
    pub score: i64,
    pub comment: String,
    pub created_at: DateTime<Utc>,
    /// Set when this rating made the expert reach the automatic suspension rule.
    pub suspended: Option<rules::SuspendReason>,
}

fn already_rated() -> Error {
    Error::conflict(
        "rating.duplicate",
        "you already rated this expert for this evaluation",
    )
}

/// After the evaluation (the session has ended) the section's tenderer and the supervisors rate
/// each expert who served (confirmed).
#[tracing::instrument(skip_all)]
pub async fn rate(ctx: &Ctx, actor: &Actor, draw_id: &str, input: NewRating) -> Result<Rating> {
    actor.require(&[Role::Tenderer, Role::Supervisor])?;
    let score = rules::check_score(input.score).map_err(|e| Error::Validation(vec![e]))?;
    let comment = input.comment.trim().to_string();
    if comment.chars().count() > 1000 {
        return Err(Error::field(
            "comment",
            "rating.comment",
            "at most 1000 characters",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let d = service::load_draw_in(&mut tx, draw_id).await?;
    if actor.role == Role::Tenderer {
        let org = sqlx::query("SELECT uscc FROM expert_orgs WHERE id = $1")
            .bind(actor.org_id.clone().unwrap_or_default())
            .fetch_optional(&mut *tx)
            .await?;
        let own = match org {
            Some(r) => r.try_get::<String, _>("uscc")? == d.request.tenderer_uscc,
            None => false,
        };
        if !own {
            return Err(Error::not_found("draw"));
        }
    }
    if d.status != "active" || now < d.request.session_end {
        return Err(Error::conflict(
            "rating.too_early",
            "experts are rated after the evaluation session has ended",
        ));
    }
    let rows = member_rows(&mut *tx, draw_id).await?;
    if rows.get(&input.expert_id).map(|m| m.status.as_str()) != Some("confirmed") {
        return Err(Error::field(
            "expert_id",
            "rating.not_a_member",
            "only experts who served on this committee can be rated",
        ));
    }
    let id = ids::new_id();
    sqlx::query(
        "INSERT INTO expert_ratings (id, draw_id, expert_id, rater_user_id, rater_role, score, comment, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(draw_id)
    .bind(&input.expert_id)
    .bind(&actor.user_id)
    .bind(actor.role.as_str())
    .bind(score)
    .bind(&comment)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await
    .on_unique(&RATINGS_ONCE, already_rated)?;
    let by = actor.actor_ref();
    emit(
        &mut tx,
        &ctx.db,
        &by,
        now,
        NewEvent::new(
            "experts.expert.rated",
            "expert",
            &input.expert_id,
            json!({ "rating_id": id, "draw_id": draw_id, "section_id": d.section_id,
                    "expert_id": input.expert_id, "rater_role": actor.role.as_str(), "score": score }),
        ),
    )
    .await?;
    let suspended = maybe_suspend(&mut tx, &ctx.db, now, &by, &input.expert_id).await?;
    let rating = Rating {
        id,
        draw_id: draw_id.to_string(),
        expert_id: input.expert_id,
        rater_role: actor.role.as_str().to_string(),
        score,
        comment,
        created_at: now,
        suspended,
    };
    ctx.db.commit_answering(tx, 201, &rating, now).await?;
    Ok(rating)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AccountLink {
    /// The identity user id (role `expert`) the expert logs in with; `null` unlinks.
    pub user_id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

fn account_taken() -> Error {
    Error::conflict(
        "expert.user_taken",
        "this account is already linked to another expert",
    )
}

/// Staff link an expert record to the login the expert uses (role `expert`), and set the e-mail.
#[tracing::instrument(skip_all)]
pub async fn link_account(
    ctx: &Ctx,
    actor: &Actor,
    expert_id: &str,
    input: AccountLink,
) -> Result<service::Expert> {
    actor.require(STAFF)?;
    let mut errs: Vec<FieldError> = Vec::new();
    let email = input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    if let Some(e) = email {
        if !plausible_email(e) {
            errs.push(FieldError::new(
                "email",
                "expert.email",
                "not an e-mail address like name@example.cn",
            ));
        }
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    if let Some(u) = &input.user_id {
        let r = sqlx::query("SELECT role FROM expert_users WHERE id = $1")
            .bind(u)
            .fetch_optional(&mut *tx)
            .await?;
        match r {
            Some(r) if r.try_get::<String, _>("role")? == "expert" => {}
            Some(_) => errs.push(FieldError::new(
                "user_id",
                "expert.user_role",
                "the account must have the expert role",
            )),
            None => errs.push(FieldError::new(
                "user_id",
                "expert.user_unknown",
                "no such user account",
            )),
        }
    }
    if !errs.is_empty() {
        tx.rollback().await?;
        return Err(Error::Validation(errs));
    }
    let username: Option<String> = match &input.user_id {
        Some(u) => sqlx::query("SELECT username FROM expert_users WHERE id = $1")
            .bind(u)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("username"))
            .transpose()?,
        None => None,
    };
    let n =
        sqlx::query("UPDATE experts SET user_id = $1, email = $2, updated_at = $3 WHERE id = $4")
            .bind(input.user_id.clone())
            .bind(email)
            .bind(to_micros(now))
            .bind(expert_id)
            .execute(&mut *tx)
            .await
            .on_unique(&EXPERTS_USER_ID, account_taken)?
            .rows_affected();
    if n != 1 {
        tx.rollback().await?;
        return Err(Error::not_found("expert"));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "experts.expert.updated",
            "expert",
            expert_id,
            json!({ "expert_id": expert_id, "user_id": input.user_id, "username": username,
                    "change": "account_linked" }),
        ),
    )
    .await?;
    let answer = service::get_in(&mut tx, actor, expert_id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

/// `venues.violation.recorded` about an expert: the venue names the person by `expert_id`, or by
/// `user_id` (the login), mapped through `experts.user_id`.
async fn violation(tx: &mut Tx, db: &Db, now: Timestamp, by: &ActorRef, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    if p["person_role"].as_str() != Some("expert") {
        return Ok(());
    }
    let expert = match (p["expert_id"].as_str(), p["user_id"].as_str()) {
        (Some(e), _) => {
            sqlx::query("SELECT id FROM experts WHERE id = $1")
                .bind(e)
                .fetch_optional(&mut **tx)
                .await?
        }
        (None, Some(u)) => {
            sqlx::query("SELECT id FROM experts WHERE user_id = $1")
                .bind(u)
                .fetch_optional(&mut **tx)
                .await?
        }
        _ => None,
    };
    let Some(expert) = expert else {
        return Ok(());
    };
    let expert: String = expert.try_get("id")?;
    let at = time_of(&p["at"]).unwrap_or(ev.occurred_at);
    let n = sqlx::query(
        "INSERT INTO expert_violations (id, expert_id, session_id, kind, at, source_event_id) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source_event_id) DO NOTHING",
    )
    .bind(ids::new_id())
    .bind(&expert)
    .bind(p["session_id"].as_str())
    .bind(p["kind"].as_str().unwrap_or("unspecified"))
    .bind(to_micros(at))
    .bind(&ev.id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 1 {
        emit(
            tx,
            db,
            by,
            now,
            NewEvent::new(
                "experts.violation.recorded",
                "expert",
                &expert,
                json!({ "expert_id": expert, "session_id": p["session_id"], "kind": p["kind"],
                        "at": rfc3339(at), "source_event_id": ev.id }),
            ),
        )
        .await?;
        maybe_suspend(tx, db, now, by, &expert).await?;
    }
    Ok(())
}

async fn upsert_section(tx: &mut Tx, s: &Value, project: &Value) -> Result<()> {
    let section_id = s["section_id"].as_str().or(s["id"].as_str());
    let tenderer = s["tenderer_uscc"]
        .as_str()
        .or(project["tenderer_uscc"].as_str());
    let project_id = s["project_id"]
        .as_str()
        .or(project["project_id"].as_str())
        .unwrap_or_default();
    let owner = s["owner_org_id"]
        .as_str()
        .or(project["owner_org_id"].as_str());
    let (Some(section_id), Some(tenderer)) = (section_id, tenderer) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO expert_sections (section_id, project_id, tenderer_uscc, owner_org_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (section_id) DO UPDATE SET project_id = excluded.project_id, \
         tenderer_uscc = excluded.tenderer_uscc, owner_org_id = excluded.owner_org_id",
    )
    .bind(section_id)
    .bind(project_id)
    .bind(tenderer)
    .bind(owner)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Follows identity, projects and venues events: parties of sections (for avoidance in draws the
/// venues area requests), publicity of results (confidentiality), sessions (draw, move, cancel) and
/// venue violations (automatic suspension).
pub struct Events;

const WANTED: &[&str] = &[
    "identity.organization.registered",
    "identity.user.created",
    "projects.project.created",
    "projects.project.updated",
    "projects.project.approved",
    "projects.section.registered",
    "projects.registration.created",
    "projects.candidates.publicized",
    "projects.award.confirmed",
    "venues.session.scheduled",
    "venues.session.moved",
    "venues.session.cancelled",
    "venues.violation.recorded",
];

#[async_trait::async_trait]
impl Consumer for Events {
    fn name(&self) -> &'static str {
        "experts.events"
    }
    fn wants(&self, event_type: &str) -> bool {
        WANTED.contains(&event_type)
    }
    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let now = clock.now();
        let by = ActorRef::system("experts.events");
        match ev.event_type.as_str() {
            "identity.organization.registered" => {
                let (Some(id), Some(uscc)) = (p["id"].as_str(), p["uscc"].as_str()) else {
                    return Ok(());
                };
                sqlx::query(
                    "INSERT INTO expert_orgs (id, uscc, kind) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET uscc = excluded.uscc, kind = excluded.kind",
                )
                .bind(id)
                .bind(uscc)
                .bind(p["kind"].as_str().unwrap_or_default())
                .execute(&mut **tx)
                .await?;
            }
            "identity.user.created" => {
                let Some(id) = p["id"].as_str() else {
                    return Ok(());
                };
                sqlx::query(
                    "INSERT INTO expert_users (id, username, role, org_id) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (id) DO UPDATE SET username = excluded.username, role = excluded.role, \
                     org_id = excluded.org_id",
                )
                .bind(id)
                .bind(p["username"].as_str().unwrap_or_default())
                .bind(p["role"].as_str().unwrap_or_default())
                .bind(p["org_id"].as_str())
                .execute(&mut **tx)
                .await?;
            }
            "projects.project.created"
            | "projects.project.updated"
            | "projects.project.approved" => {
                if let Some(sections) = p["sections"].as_array() {
                    for s in sections {
                        upsert_section(tx, s, p).await?;
                    }
                }
            }
            "projects.section.registered" => {
                upsert_section(tx, p, &Value::Null).await?;
                crate::sections::remember(tx, p).await?;
                crate::relations::remember_terms(tx, p).await?;
            }
            "projects.registration.created" => {
                let (Some(section), Some(uscc)) = (p["section_id"].as_str(), p["uscc"].as_str())
                else {
                    return Ok(());
                };
                sqlx::query(
                    "INSERT INTO expert_section_bidders (section_id, uscc) VALUES ($1, $2) \
                     ON CONFLICT (section_id, uscc) DO NOTHING",
                )
                .bind(section)
                .bind(uscc)
                .execute(&mut **tx)
                .await?;
            }
            "projects.candidates.publicized" => {
                let Some(section) = p["section_id"].as_str() else {
                    return Ok(());
                };
                let at = time_of(&p["publicity_starts_at"]).unwrap_or(ev.occurred_at);
                sqlx::query(
                    "INSERT INTO expert_sections (section_id, project_id, tenderer_uscc, publicized_at) \
                     VALUES ($1, $2, '', $3) ON CONFLICT (section_id) DO UPDATE SET publicized_at = excluded.publicized_at",
                )
                .bind(section)
                .bind(p["project_id"].as_str().unwrap_or_default())
                .bind(to_micros(at))
                .execute(&mut **tx)
                .await?;
            }
            "projects.award.confirmed" => result_determined(tx, db, now, &by, ev).await?,
            "venues.session.scheduled" => session_scheduled(tx, db, now, &by, ev).await?,
            "venues.session.moved" => session_moved(tx, db, now, &by, p).await?,
            "venues.session.cancelled" => session_cancelled(tx, db, now, &by, p).await?,
            "venues.violation.recorded" => violation(tx, db, now, &by, ev).await?,
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked_loosely() {
        assert!(plausible_email("zhang.san@dlut.edu.cn"));
        assert!(!plausible_email("zhang.san"));
        assert!(!plausible_email("@dlut.edu.cn"));
        assert!(!plausible_email("a b@x.cn"));
        assert!(!plausible_email("a@cn"));
    }
}
