//! Bidding lifecycle of a section after registration: opening it for bidding, the durable deadline
//! timer that closes it, bidder registration (投标报名) with the joint-bidding bar (实施条例 34) and
//! the sanctions list, and the organizations projection this area keeps from identity's events.

use crate::model::{transition, SectionAction, SectionState};
use crate::rules::{
    joint_bid_bar, registration_open, sanction_active, Party, Relation, SanctionKind,
    JOINT_BID_BAR_SOURCE, REGISTRATION_DEADLINE_SOURCE,
};
use crate::service::set_section_state;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::error::Violations;
use ggzy_core::events::{ActorRef, Event, NewEvent};
use ggzy_core::ident::{Market, Uscc};
use ggzy_core::time::{display_local, from_micros, local_date, to_micros};
use ggzy_core::{ids, Clock, Error, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::unique::{UniqueExt, UniqueKey};
use ggzy_store::{emit, Ctx, Db, Tx};

const RELATION_PAIR: UniqueKey = UniqueKey::new(
    "org_relations_pair_key",
    "org_relations",
    &["org_id", "related_uscc", "kind"],
);
const REGISTRATION_ORG: UniqueKey = UniqueKey::new(
    "section_registrations_org_key",
    "section_registrations",
    &["section_id", "org_id"],
);
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

/// Timer kind that closes a section at its bid deadline.
pub const DEADLINE_TIMER: &str = "projects.section.deadline";

fn deadline_key(section_id: &str) -> String {
    format!("{DEADLINE_TIMER}:{section_id}")
}

// ---------------------------------------------------------------------------------------------
// Organizations projection.

/// Keeps `project_orgs` from `identity.organization.registered`.
pub struct OrganizationsProjection;

#[async_trait::async_trait]
impl Consumer for OrganizationsProjection {
    fn name(&self) -> &'static str {
        "projects.organizations"
    }

    fn wants(&self, event_type: &str) -> bool {
        event_type == "identity.organization.registered"
    }

    async fn handle(&self, tx: &mut Tx, _db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let s = |k: &str| p[k].as_str().map(str::to_string);
        let (Some(id), Some(uscc), Some(name)) = (s("id"), s("uscc"), s("name")) else {
            tracing::warn!(event = %ev.id, "organization event without id/uscc/name; skipped");
            return Ok(());
        };
        sqlx::query(
            "INSERT INTO project_orgs (id, uscc, name, kind, legal_representative, legal_representative_id, \
             region, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (id) DO UPDATE SET uscc = excluded.uscc, name = excluded.name, kind = excluded.kind, \
             legal_representative = excluded.legal_representative, \
             legal_representative_id = excluded.legal_representative_id, region = excluded.region, \
             updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(uscc)
        .bind(name)
        .bind(s("kind").unwrap_or_default())
        .bind(s("legal_representative"))
        .bind(s("legal_representative_id"))
        .bind(s("region"))
        .bind(to_micros(clock.now()))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

struct Org {
    id: String,
    uscc: String,
    name: String,
}

async fn load_org(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Option<Org>> {
    let r = sqlx::query("SELECT id, uscc, name FROM project_orgs WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match r {
        Some(r) => Some(Org {
            id: r.try_get(0)?,
            uscc: r.try_get(1)?,
            name: r.try_get(2)?,
        }),
        None => None,
    })
}

fn unknown_org(id: &str) -> Error {
    Error::conflict(
        "organization.unknown",
        format!("organization {id} is not (yet) known to the projects area; retry shortly"),
    )
}

// ---------------------------------------------------------------------------------------------
// Controlling relations (控股/管理关系).

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewRelation {
    /// USCC of the other organization.
    #[schema(
        pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        max_length = 18
    )]
    pub related_uscc: String,
    /// `control` (控股) or `management` (管理).
    #[schema(pattern = "^(control|management)$")]
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgRelation {
    pub id: String,
    pub org_id: String,
    pub related_uscc: String,
    pub kind: String,
    /// `declared` (by the organization itself, not yet counted) or `verified` (by staff: counts for
    /// the joint-bidding bar at the deadline).
    pub status: String,
    pub created_at: DateTime<Utc>,
}

fn relation_row(r: &sqlx::any::AnyRow) -> Result<OrgRelation> {
    Ok(OrgRelation {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        related_uscc: r.try_get(2)?,
        kind: r.try_get(3)?,
        status: r.try_get(4)?,
        created_at: from_micros(r.try_get(5)?),
    })
}

const RELATION_COLS: &str = "id, org_id, related_uscc, kind, status, created_at";

fn may_manage_relations(actor: &Actor, org_id: &str) -> Result<()> {
    actor.require(&[Role::Bidder, Role::Staff])?;
    if actor.role == Role::Bidder && actor.org_id.as_deref() != Some(org_id) {
        return Err(Error::forbidden(
            "a bidder declares, reads and removes relations of its own organization only",
        ));
    }
    Ok(())
}

/// The relations an organization declared (the organization's bidders, staff).
pub async fn list_relations(ctx: &Ctx, actor: &Actor, org_id: &str) -> Result<Vec<OrgRelation>> {
    may_manage_relations(actor, org_id)?;
    let rows = sqlx::query(&format!(
        "SELECT {RELATION_COLS} FROM org_relations WHERE org_id = $1 ORDER BY created_at, id"
    ))
    .bind(org_id)
    .fetch_all(ctx.db.pool())
    .await?;
    rows.iter().map(relation_row).collect()
}

async fn load_relation(
    tx: &mut Tx,
    db: &Db,
    org_id: &str,
    relation_id: &str,
) -> Result<OrgRelation> {
    let r = sqlx::query(&format!(
        "SELECT {RELATION_COLS} FROM org_relations WHERE id = $1 AND org_id = $2{}",
        db.for_update()
    ))
    .bind(relation_id)
    .bind(org_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| Error::not_found(format!("relation {relation_id}")))?;
    relation_row(&r)
}

/// Staff verified a declared relation (a staff step): from now on it counts for the joint-bidding
/// bar at the deadline of every section both organizations bid for.
pub async fn verify_relation(
    ctx: &Ctx,
    actor: &Actor,
    org_id: &str,
    relation_id: &str,
) -> Result<OrgRelation> {
    actor.require(&[Role::Staff])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let mut rel = load_relation(&mut tx, &ctx.db, org_id, relation_id).await?;
    if rel.status == "verified" {
        return Err(Error::conflict(
            "relation.already_verified",
            "this relation is already verified",
        ));
    }
    sqlx::query(
        "UPDATE org_relations SET status = 'verified', reviewed_by = $1, reviewed_at = $2 WHERE id = $3",
    )
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .bind(relation_id)
    .execute(&mut *tx)
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.org_relation.verified",
            "organization",
            org_id,
            json!({"id": relation_id, "org_id": org_id, "related_uscc": rel.related_uscc, "kind": rel.kind}),
        ),
    )
    .await?;
    rel.status = "verified".into();
    ctx.db.commit_answering(tx, 200, &rel, now).await?;
    Ok(rel)
}

/// Remove a relation (the declaring organization's bidder, or staff). Sections whose deadline has
/// passed were decided with the relations in force then.
pub async fn remove_relation(
    ctx: &Ctx,
    actor: &Actor,
    org_id: &str,
    relation_id: &str,
) -> Result<()> {
    may_manage_relations(actor, org_id)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let rel = load_relation(&mut tx, &ctx.db, org_id, relation_id).await?;
    sqlx::query("DELETE FROM org_relations WHERE id = $1")
        .bind(relation_id)
        .execute(&mut *tx)
        .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.org_relation.removed",
            "organization",
            org_id,
            json!({"id": relation_id, "org_id": org_id, "related_uscc": rel.related_uscc,
                   "kind": rel.kind, "status": rel.status}),
        ),
    )
    .await?;
    ggzy_store::idempotency::answer_in_tx(&mut tx, 204, "", now).await?;
    ctx.db.commit(tx).await?;
    Ok(())
}

/// Declare a relation of `org_id` with another unit (bidder for its own organization, staff any).
#[tracing::instrument(skip_all, fields(org_id = %org_id))]
pub async fn declare_relation(
    ctx: &Ctx,
    actor: &Actor,
    org_id: &str,
    input: NewRelation,
) -> Result<OrgRelation> {
    may_manage_relations(actor, org_id)?;
    let mut v = Violations::new();
    let uscc = v.take("related_uscc", Uscc::parse(&input.related_uscc));
    if !matches!(input.kind.as_str(), "control" | "management") {
        v.push(
            "kind",
            "enum.unknown_value",
            "kind must be one of control, management",
        );
    }
    v.into_result()?;
    let uscc = uscc.ok_or_else(|| Error::internal("uscc checked"))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let org = load_org(&mut tx, org_id)
        .await?
        .ok_or_else(|| unknown_org(org_id))?;
    if org.uscc == uscc.as_str() {
        return Err(Error::field(
            "related_uscc",
            "relation.self",
            "an organization cannot declare a relation with itself",
        ));
    }
    let id = ids::new_id();
    // Declared by the organization itself it waits for staff; declared by staff it is verified.
    let status = if actor.role == Role::Staff {
        "verified"
    } else {
        "declared"
    };
    sqlx::query(
        "INSERT INTO org_relations (id, org_id, related_uscc, kind, declared_by, created_at, status, \
         reviewed_by, reviewed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(uscc.as_str())
    .bind(&input.kind)
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .bind(status)
    .bind((status == "verified").then(|| actor.user_id.clone()))
    .bind((status == "verified").then(|| to_micros(now)))
    .execute(&mut *tx)
    .await
    .on_unique(&RELATION_PAIR, || {
        Error::conflict("relation.duplicate", "this relation is already declared")
    })?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.org_relation.declared",
            "organization",
            org_id,
            json!({"id": id, "org_id": org_id, "uscc": org.uscc, "related_uscc": uscc.as_str(),
                   "kind": input.kind, "status": status}),
        ),
    )
    .await?;
    let rel = OrgRelation {
        id,
        org_id: org_id.to_string(),
        related_uscc: uscc.to_string(),
        kind: input.kind,
        status: status.into(),
        created_at: now,
    };
    ctx.db.commit_answering(tx, 201, &rel, now).await?;
    Ok(rel)
}

// ---------------------------------------------------------------------------------------------
// Sanctions list.

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewSanction {
    /// USCC of the sanctioned organization.
    #[schema(
        pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        max_length = 18
    )]
    pub uscc: String,
    /// `debarred` (禁止参与投标) or `dishonest` (失信).
    #[schema(pattern = "^(debarred|dishonest)$")]
    pub kind: String,
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
    /// The decision that imposes it (处理决定书 / 文号).
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub source_document: String,
    /// First day in force (Asia/Shanghai date).
    pub from: NaiveDate,
    /// Last day in force, included.
    pub to: NaiveDate,
    /// The markets it covers; absent or empty = every market.
    #[serde(default)]
    pub markets: Option<Vec<Market>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sanction {
    pub id: String,
    pub uscc: String,
    pub kind: SanctionKind,
    pub reason: String,
    pub source_document: String,
    pub from: NaiveDate,
    /// Last day in force as decided (see `ended_last_day` for an early end).
    pub to: NaiveDate,
    /// Every market when true; otherwise `markets`.
    pub all_markets: bool,
    /// The markets it covers (all four when `all_markets`).
    pub markets: Vec<Market>,
    /// Ended early: the new last day in force (before `from` = never in force).
    pub ended_last_day: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Sanction {
    fn describe(&self) -> String {
        format!(
            "the organization is on the sanctions list: {}, reason: {}, source: {}, period {} to {}, markets: {}",
            self.kind.label(),
            self.reason,
            self.source_document,
            self.from,
            self.last_day(),
            self.scope_text()
        )
    }

    /// The last day in force: the decided one, or the early end's.
    pub fn last_day(&self) -> NaiveDate {
        self.ended_last_day.map_or(self.to, |d| d.min(self.to))
    }

    pub fn covers(&self, market: Market) -> bool {
        self.all_markets || self.markets.contains(&market)
    }

    /// In force for `market` on the local date `day`.
    pub fn bars(&self, market: Market, day: NaiveDate) -> bool {
        self.covers(market) && sanction_active(self.from, self.last_day(), day)
    }

    pub fn scope_text(&self) -> String {
        if self.all_markets {
            "all".into()
        } else {
            self.markets
                .iter()
                .map(Market::as_str)
                .collect::<Vec<_>>()
                .join(",")
        }
    }
}

/// Who keeps the sanctions list: supervisors (who decide them) and the platform administrator.
const SANCTION_KEEPERS: [Role; 2] = [Role::Supervisor, Role::Admin];

#[tracing::instrument(skip_all)]
pub async fn create_sanction(ctx: &Ctx, actor: &Actor, input: NewSanction) -> Result<Sanction> {
    actor.require(&SANCTION_KEEPERS)?;
    let mut v = Violations::new();
    let uscc = v.take("uscc", Uscc::parse(&input.uscc));
    let kind = v.take("kind", SanctionKind::parse(&input.kind));
    let reason = input.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 2000 {
        v.push(
            "reason",
            "required",
            "a reason is required (at most 2000 characters)",
        );
    }
    let source = input.source_document.trim().to_string();
    if source.is_empty() || source.chars().count() > 500 {
        v.push(
            "source_document",
            "required",
            "the source document is required (at most 500 characters)",
        );
    }
    if input.to < input.from {
        v.push(
            "to",
            "sanction.period_order",
            "the last day must not be before the first day",
        );
    }
    v.into_result()?;
    let (Some(uscc), Some(kind)) = (uscc, kind) else {
        return Err(Error::internal("sanction checked"));
    };
    let chosen = input.markets.unwrap_or_default();
    let markets: Vec<Market> = Market::ALL
        .into_iter()
        .filter(|m| chosen.contains(m))
        .collect();
    let all_markets = markets.is_empty() || markets.len() == Market::ALL.len();
    let now = ctx.clock.now();
    let s = Sanction {
        id: ids::new_id(),
        uscc: uscc.to_string(),
        kind,
        reason,
        source_document: source,
        from: input.from,
        to: input.to,
        all_markets,
        markets: if all_markets {
            Market::ALL.to_vec()
        } else {
            markets
        },
        ended_last_day: None,
        end_reason: None,
        created_at: now,
    };
    let mut tx = ctx.db.begin().await?;
    sqlx::query(
        "INSERT INTO sanctions (id, uscc, kind, reason, source_document, from_date, to_date, created_by, created_at, markets) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&s.id)
    .bind(&s.uscc)
    .bind(s.kind.as_str())
    .bind(&s.reason)
    .bind(&s.source_document)
    .bind(s.from.to_string())
    .bind(s.to.to_string())
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .bind(s.scope_text())
    .execute(&mut *tx)
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "sanctions.listed",
            "sanction",
            &s.id,
            json!({"id": s.id, "uscc": s.uscc, "kind": s.kind.as_str(), "reason": s.reason,
                   "source_document": s.source_document, "from": s.from.to_string(), "to": s.to.to_string(),
                   "markets": s.scope_text()}),
        ),
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &s, now).await?;
    Ok(s)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SanctionEnd {
    /// The new last day in force (Asia/Shanghai date, included): before the decided last day and
    /// not before yesterday (registrations already refused are not rewritten).
    pub last_day: NaiveDate,
    /// Why it ends early (e.g. the decision revoked on review: 复议/诉讼 文号).
    pub reason: String,
}

/// End a sanction early (supervisor, admin) with a reason: from the day after `last_day` the
/// organization may register again.
#[tracing::instrument(skip_all, fields(sanction = %id))]
pub async fn end_sanction(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    input: SanctionEnd,
) -> Result<Sanction> {
    actor.require(&SANCTION_KEEPERS)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = sqlx::query(&format!(
        "SELECT {SANCTION_COLS} FROM sanctions WHERE id = $1{}",
        ctx.db.for_update()
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found(format!("sanction {id}")))?;
    let mut s = sanction_row(&r)?;
    if s.ended_last_day.is_some() {
        return Err(Error::conflict(
            "sanction.already_ended",
            format!(
                "this sanction already ended early (last day {})",
                s.last_day()
            ),
        ));
    }
    let mut v = Violations::new();
    let reason = input.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 2000 {
        v.push(
            "reason",
            "required",
            "a reason is required (at most 2000 characters)",
        );
    }
    if input.last_day >= s.to {
        v.push(
            "last_day",
            "sanction.end_not_early",
            format!(
                "an early end must come before the decided last day {}",
                s.to
            ),
        );
    }
    let yesterday = local_date(now) - chrono::Duration::days(1);
    if input.last_day < yesterday {
        v.push(
            "last_day",
            "sanction.end_in_past",
            format!(
                "the new last day may not be before {yesterday} (yesterday): past refusals stand"
            ),
        );
    }
    v.into_result()?;
    let n = sqlx::query(
        "UPDATE sanctions SET ended_last_day = $1, end_reason = $2, ended_by = $3, ended_at = $4 \
         WHERE id = $5 AND ended_last_day IS NULL",
    )
    .bind(input.last_day.to_string())
    .bind(&reason)
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(Error::conflict(
            "sanction.already_ended",
            "this sanction already ended early",
        ));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "sanctions.ended",
            "sanction",
            id,
            json!({"id": id, "uscc": s.uscc, "last_day": input.last_day.to_string(),
                   "decided_last_day": s.to.to_string(), "reason": reason}),
        ),
    )
    .await?;
    s.ended_last_day = Some(input.last_day);
    s.end_reason = Some(reason);
    ctx.db.commit_answering(tx, 200, &s, now).await?;
    Ok(s)
}

fn sanction_row(r: &sqlx::any::AnyRow) -> Result<Sanction> {
    let date = |s: String| {
        NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|e| Error::internal(format!("stored sanction date '{s}': {e}")))
    };
    let kind: String = r.try_get(2)?;
    let scope: String = r.try_get(8)?;
    let all_markets = scope == "all";
    let markets = if all_markets {
        Market::ALL.to_vec()
    } else {
        scope
            .split(',')
            .map(|m| {
                Market::parse(m)
                    .map_err(|_| Error::internal(format!("stored sanction market '{m}'")))
            })
            .collect::<Result<Vec<_>>>()?
    };
    Ok(Sanction {
        id: r.try_get(0)?,
        uscc: r.try_get(1)?,
        kind: SanctionKind::parse(&kind)
            .map_err(|_| Error::internal(format!("stored sanction kind '{kind}'")))?,
        reason: r.try_get(3)?,
        source_document: r.try_get(4)?,
        from: date(r.try_get(5)?)?,
        to: date(r.try_get(6)?)?,
        created_at: from_micros(r.try_get(7)?),
        all_markets,
        markets,
        ended_last_day: r.try_get::<Option<String>, _>(9)?.map(date).transpose()?,
        end_reason: r.try_get(10)?,
    })
}

const SANCTION_COLS: &str =
    "id, uscc, kind, reason, source_document, from_date, to_date, created_at, markets, ended_last_day, end_reason";

/// Filters of the sanctions list (all optional).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct SanctionFilter {
    /// Only this organization.
    pub uscc: Option<String>,
    /// Only sanctions covering this market.
    pub market: Option<Market>,
    /// Only sanctions in force on this local date.
    pub in_force_on: Option<NaiveDate>,
}

pub async fn list_sanctions(ctx: &Ctx, actor: &Actor) -> Result<Vec<Sanction>> {
    list_sanctions_filtered(ctx, actor, &SanctionFilter::default()).await
}

pub async fn list_sanctions_filtered(
    ctx: &Ctx,
    actor: &Actor,
    f: &SanctionFilter,
) -> Result<Vec<Sanction>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    let rows = match &f.uscc {
        Some(u) => {
            sqlx::query(&format!(
                "SELECT {SANCTION_COLS} FROM sanctions WHERE uscc = $1 \
                 ORDER BY created_at DESC, id DESC LIMIT 1000"
            ))
            .bind(u.trim().to_uppercase())
            .fetch_all(ctx.db.pool())
            .await?
        }
        None => {
            sqlx::query(&format!(
                "SELECT {SANCTION_COLS} FROM sanctions ORDER BY created_at DESC, id DESC LIMIT 1000"
            ))
            .fetch_all(ctx.db.pool())
            .await?
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let s = sanction_row(r)?;
        if f.market.is_some_and(|m| !s.covers(m)) {
            continue;
        }
        if f.in_force_on
            .is_some_and(|d| !sanction_active(s.from, s.last_day(), d))
        {
            continue;
        }
        out.push(s);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Sections: open for bidding, close at the deadline.

struct SectionRow {
    id: String,
    project_id: String,
    state: SectionState,
    bid_deadline: DateTime<Utc>,
    owner_org_id: String,
}

async fn load_section(
    ctx: &Ctx,
    conn: &mut sqlx::AnyConnection,
    id: &str,
    lock: bool,
) -> Result<SectionRow> {
    let sql = format!(
        "SELECT s.id, s.project_id, s.state, s.bid_deadline, p.owner_org_id FROM sections s \
         JOIN projects p ON p.id = s.project_id WHERE s.id = $1{}",
        if lock { ctx.db.for_update() } else { "" }
    );
    let r = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {id}")))?;
    Ok(SectionRow {
        id: r.try_get(0)?,
        project_id: r.try_get(1)?,
        state: SectionState::parse(&r.try_get::<String, _>(2)?)?,
        bid_deadline: from_micros(r.try_get(3)?),
        owner_org_id: r.try_get(4)?,
    })
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
    let s = load_section(ctx, &mut tx, id, true).await?;
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
        json!({"section_id": s.id}),
        now,
    )
    .await?;
    crate::opening::schedule_opening(&mut tx, &s.id, now).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.section.bidding_opened",
            "section",
            &s.id,
            json!({"section_id": s.id, "project_id": s.project_id,
                   "bid_deadline": s.bid_deadline.to_rfc3339(), "state": bidding.as_str()}),
        ),
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
        let Some(id) = timer.payload["section_id"].as_str() else {
            return Err(Error::internal("deadline timer without section_id"));
        };
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
    let r = sqlx::query(&format!(
        "SELECT state, project_id FROM sections WHERE id = $1{}",
        db.for_update()
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| Error::internal(format!("deadline timer for unknown section {id}")))?;
    let state = SectionState::parse(&r.try_get::<String, _>(0)?)?;
    let project_id: String = r.try_get(1)?;
    if state != SectionState::Bidding {
        return Ok(());
    }
    let to = transition(state, SectionAction::CloseBidding)?;
    let n =
        sqlx::query("UPDATE sections SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
            .bind(to.as_str())
            .bind(to_micros(now))
            .bind(id)
            .bind(state.as_str())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    if n != 1 {
        return Ok(());
    }
    void_joint_bids(tx, db, now, id, &project_id).await?;
    let count: i64 =
        sqlx::query("SELECT COUNT(*) FROM section_registrations WHERE section_id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
    emit(
        tx,
        db,
        &ActorRef::system(DEADLINE_TIMER),
        now,
        NewEvent::new(
            "projects.section.closed",
            "section",
            id,
            json!({"section_id": id, "project_id": project_id,
                   "deadline": deadline.to_rfc3339(), "registrations": count}),
        ),
    )
    .await?;
    Ok(())
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
    let parties = sqlx::query(
        "SELECT g.org_id, g.uscc, o.legal_representative_id FROM section_registrations g \
         LEFT JOIN project_orgs o ON o.id = g.org_id WHERE g.section_id = $1 ORDER BY g.created_at, g.id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok(Party {
            org_id: r.try_get(0)?,
            uscc: r.try_get(1)?,
            legal_representative_id: r.try_get(2)?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    if parties.len() < 2 {
        return Ok(());
    }
    // Verified relations declared by a registered bidder about another registered bidder.
    let relations = sqlx::query(
        "SELECT r.org_id, r.related_uscc FROM org_relations r \
         JOIN section_registrations g ON g.org_id = r.org_id AND g.section_id = $1 \
         JOIN section_registrations h ON h.uscc = r.related_uscc AND h.section_id = $1 \
         WHERE r.status = 'verified'",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok(Relation {
            org_id: r.try_get(0)?,
            related_uscc: r.try_get(1)?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
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
        let bid = sqlx::query(
            "SELECT id FROM bids WHERE section_id = $1 AND org_id = $2 AND status = 'current'",
        )
        .bind(section_id)
        .bind(&p.org_id)
        .fetch_optional(&mut **tx)
        .await?;
        let bid_id: Option<String> = match bid {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        };
        if let Some(b) = &bid_id {
            sqlx::query(
                "UPDATE bids SET decryption = 'void_joint_bid', updated_at = $1 WHERE id = $2 AND decryption = 'sealed'",
            )
            .bind(to_micros(now))
            .bind(b)
            .execute(&mut **tx)
            .await?;
        }
        emit(
            tx,
            db,
            &actor,
            now,
            NewEvent::new(
                "projects.bid.voided",
                "section",
                section_id,
                json!({"section_id": section_id, "project_id": project_id, "org_id": p.org_id,
                       "bid_id": bid_id, "reason": bar.rule(), "detail": bar.message(),
                       "basis": JOINT_BID_BAR_SOURCE}),
            ),
        )
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
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
    // The section row lock serializes registrations of one section, so the joint-bidding bar
    // below sees every earlier registration.
    let s = load_section(ctx, &mut tx, section_id, true).await?;
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
    let dup =
        sqlx::query("SELECT id FROM section_registrations WHERE section_id = $1 AND org_id = $2")
            .bind(section_id)
            .bind(&org_id)
            .fetch_optional(&mut *tx)
            .await?;
    if dup.is_some() {
        return Err(Error::conflict(
            "registration.duplicate",
            "your organization is already registered for this section",
        ));
    }
    let today = local_date(now);
    let p = sqlx::query(
        "SELECT p.market, p.owner_org_id, p.tenderer_uscc FROM sections s JOIN projects p ON p.id = s.project_id \
         WHERE s.id = $1",
    )
    .bind(section_id)
    .fetch_one(&mut *tx)
    .await?;
    let market: String = p.try_get(0)?;
    let market = Market::parse(&market)
        .map_err(|_| Error::internal(format!("stored project market '{market}'")))?;
    let owner_org: String = p.try_get(1)?;
    let tenderer_uscc: String = p.try_get(2)?;
    if let Some(why) = own_project_bar(&org.id, &org.uscc, &owner_org, &tenderer_uscc) {
        return Err(Error::conflict("registration.own_project", why));
    }
    // Who may register by the procedure's stages (invitees, qualified applicants) and the
    // tenderer's declared interested parties (crate::procedures, issue 21).
    crate::procedures::registration_bar(&mut tx, section_id, &org.uscc, &org.id).await?;
    let rows = sqlx::query(&format!(
        "SELECT {SANCTION_COLS} FROM sanctions WHERE uscc = $1 ORDER BY from_date"
    ))
    .bind(&org.uscc)
    .fetch_all(&mut *tx)
    .await?;
    for r in &rows {
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
    sqlx::query(
        "INSERT INTO section_registrations (id, section_id, org_id, uscc, org_name, registered_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&reg.id)
    .bind(&reg.section_id)
    .bind(&reg.org_id)
    .bind(&reg.uscc)
    .bind(&reg.org_name)
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .execute(&mut *tx)
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
        NewEvent::new(
            "projects.registration.created",
            "section",
            section_id,
            json!({"registration_id": reg.id, "section_id": section_id, "project_id": s.project_id,
                   "org_id": reg.org_id, "uscc": reg.uscc}),
        ),
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
    let s = load_section(ctx, &mut conn, section_id, false).await?;
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
    let rows = sqlx::query(
        "SELECT id, section_id, org_id, uscc, org_name, created_at FROM section_registrations \
         WHERE section_id = $1 AND ($2 = '' OR org_id = $2) ORDER BY created_at, id",
    )
    .bind(section_id)
    .bind(own)
    .fetch_all(&mut *conn)
    .await?;
    let list = rows
        .iter()
        .map(|r| {
            Ok(Registration {
                id: r.try_get(0)?,
                section_id: r.try_get(1)?,
                org_id: r.try_get(2)?,
                uscc: r.try_get(3)?,
                org_name: r.try_get(4)?,
                registered_at: from_micros(r.try_get(5)?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Visible::List(list))
}

#[cfg(test)]
mod own_project_tests {
    use super::own_project_bar;

    #[test]
    fn the_projects_own_organization_and_the_tenderer_may_not_register_anyone_else_may() {
        let t = "91110000802100433B";
        assert!(own_project_bar("ORG-A", "91210200MB0000001X", "ORG-A", t)
            .unwrap()
            .contains("第十三条"));
        assert!(own_project_bar("ORG-B", t, "ORG-A", t)
            .unwrap()
            .contains("第三十四条"));
        // The USCC compares case-insensitively (letters are upper case by GB 32100).
        assert!(own_project_bar("ORG-B", &t.to_lowercase(), "ORG-A", t).is_some());
        assert_eq!(
            own_project_bar("ORG-B", "91210200MB0000001X", "ORG-A", t),
            None
        );
    }
}
