//! Project registration use cases. Each write runs in one transaction that also records its domain
//! events; the statements are in [`crate::store::projects`].

use crate::model::{
    project_transition, transition, ProjectAction, ProjectStatus, SectionAction, SectionState,
};
use crate::rules::{
    check_registration, DayKind, MarketRules, MinPeriod, Procedure, ProjectInput, SectionInput,
    Subject,
};
use crate::store::projects as store;
use chrono::{DateTime, Utc};
use ggzy_core::error::Violations;
use ggzy_core::events::NewEvent;
use ggzy_core::ident::{Market, ProjectCode, RegionCode, Uscc};
use ggzy_core::time::{local_date, to_micros};
use ggzy_core::{ids, Error, FieldError as FieldErr, Money, Result, Timestamp};
use ggzy_events::projects::SectionRegistered;
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, expect_one, Ctx, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod registration;

pub use registration::*;

/// Region key of the national default rules in `project_rules`.
pub const NATIONAL: &str = "CN";
const MAX_SECTIONS: usize = 100;

/// A project as written by the tenderer or agency (create and edit).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ProjectDraft {
    pub name: String,
    /// `construction`, `procurement`, `land` or `property`.
    pub market: String,
    /// `open_tender`, `invited_tender` or `listing` (挂牌/拍卖/网络竞价; land and property only).
    pub procedure: String,
    /// Unified social credit code of the tenderer (招标人/采购人), GB 32100-2015.
    #[schema(
        pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        max_length = 18
    )]
    pub tenderer_uscc: String,
    pub tenderer_name: String,
    pub sections: Vec<SectionDraft>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SectionDraft {
    pub name: String,
    /// 估算价 (construction) or 预算金额 (procurement), CNY.
    pub estimated_price: Money,
    /// Bid deposit (投标保证金), CNY.
    pub deposit: Money,
    /// When tender documents are first issued (招标文件开始发出).
    pub docs_issue_at: DateTime<Utc>,
    pub docs_sale_end_at: DateTime<Utc>,
    pub bid_deadline: DateTime<Utc>,
    pub opening_at: DateTime<Utc>,
    /// What the section buys: `works` (施工), `goods` (货物), `survey_design` (勘察设计) or
    /// `services` (服务). Optional: construction defaults to works, procurement to goods; land and
    /// property sections name none. Sets the deposit's absolute ceiling (rules::DEPOSIT_CEILINGS).
    #[serde(default)]
    pub subject: Option<String>,
    /// Bid validity (投标有效期) in days from the bid deadline, as the tender documents state it
    /// (招标投标法实施条例 25). Optional; 1–365 (rules::BID_VALIDITY_MAX_DAYS). Deposits check a
    /// bank guarantee against it (实施条例 26).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub bid_validity_days: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Section {
    pub id: String,
    /// Position in the project, from 1.
    pub no: i64,
    pub name: String,
    pub estimated_price: Money,
    pub deposit: Money,
    pub docs_issue_at: DateTime<Utc>,
    pub docs_sale_end_at: DateTime<Utc>,
    pub bid_deadline: DateTime<Utc>,
    pub opening_at: DateTime<Utc>,
    pub state: SectionState,
    /// What the section buys (None for land and property).
    pub subject: Option<Subject>,
    /// Bid validity (投标有效期) in days, when the tender documents state it.
    pub bid_validity_days: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    pub id: String,
    /// Unified trading code (统一交易编码), set on registration.
    pub code: Option<String>,
    pub name: String,
    pub market: Market,
    pub procedure: Procedure,
    pub region: String,
    pub tenderer_uscc: String,
    pub tenderer_name: String,
    pub owner_org_id: String,
    pub status: ProjectStatus,
    /// Why staff returned the project, while it is a draft again.
    pub return_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub registered_at: Option<DateTime<Utc>>,
    pub sections: Vec<Section>,
}

struct Checked {
    name: String,
    market: Market,
    procedure: Procedure,
    tenderer_uscc: Uscc,
    tenderer_name: String,
}

/// Structural checks of a draft (the legal periods are checked on submission).
fn check_draft(d: &ProjectDraft) -> Result<Checked> {
    let mut v = Violations::new();
    let name = d.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        v.push(
            "name",
            "required",
            "name is required (at most 200 characters)",
        );
    }
    let market = v.take("market", Market::parse(d.market.trim()));
    let procedure = v.take("procedure", Procedure::parse(d.procedure.trim()));
    let uscc = v.take("tenderer_uscc", Uscc::parse(&d.tenderer_uscc));
    let tenderer_name = d.tenderer_name.trim().to_string();
    if tenderer_name.is_empty() || tenderer_name.chars().count() > 200 {
        v.push(
            "tenderer_name",
            "required",
            "tenderer name is required (at most 200 characters)",
        );
    }
    if d.sections.is_empty() {
        v.push(
            "sections",
            "project.sections_required",
            "a project needs at least one section (标段)",
        );
    }
    if d.sections.len() > MAX_SECTIONS {
        v.push(
            "sections",
            "project.sections_max",
            format!("at most {MAX_SECTIONS} sections"),
        );
    }
    for (i, s) in d.sections.iter().enumerate() {
        let n = s.name.trim().chars().count();
        if n == 0 || n > 200 {
            v.push(
                format!("sections[{i}].name"),
                "required",
                "section name is required (at most 200 characters)",
            );
        }
    }
    for (i, s) in d.sections.iter().enumerate() {
        if let Err(e) = crate::rules::check_bid_validity(s.bid_validity_days) {
            v.push(
                format!("sections[{i}].bid_validity_days"),
                e.rule,
                e.message,
            );
        }
    }
    if let (Some(m), Some(p)) = (market, procedure) {
        if let Err(e) = p.check_market(m) {
            v.push(e.field, e.rule, e.message);
        }
    }
    if let Some(m) = market {
        for (i, s) in d.sections.iter().enumerate() {
            if let Err(e) = section_subject(m, s) {
                v.push(format!("sections[{i}].subject"), e.rule, e.message);
            }
        }
    }
    v.into_result()?;
    match (market, procedure, uscc) {
        (Some(market), Some(procedure), Some(tenderer_uscc)) => Ok(Checked {
            name,
            market,
            procedure,
            tenderer_uscc,
            tenderer_name,
        }),
        _ => Err(Error::internal("draft checked")),
    }
}

/// The subject a draft section buys: the named one if the market allows it, else the market's
/// default (works for construction, goods for procurement, none for land and property).
fn section_subject(
    market: Market,
    s: &SectionDraft,
) -> std::result::Result<Option<Subject>, FieldErr> {
    match s.subject.as_deref().map(str::trim) {
        None | Some("") => Ok(Subject::default_for(market)),
        Some(name) => {
            let k = Subject::parse(name)?;
            if k.allowed_in(market) {
                Ok(Some(k))
            } else {
                Err(FieldErr::new(
                    "subject",
                    "section.subject_market",
                    format!(
                        "a {} section cannot buy {} (construction: works, goods, survey_design, services; \
                         procurement: works, goods, services; land and property: none)",
                        market.as_str(),
                        k.as_str()
                    ),
                ))
            }
        }
    }
}

fn own_org(actor: &Actor) -> Result<String> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))
}

#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn create(ctx: &Ctx, actor: &Actor, draft: ProjectDraft) -> Result<Project> {
    let org = own_org(actor)?;
    let c = check_draft(&draft)?;
    let id = ids::new_id();
    let now = to_micros(ctx.clock.now());
    let mut tx = ctx.db.begin().await?;
    store::insert_project(
        &mut tx,
        &store::NewProject {
            id: &id,
            name: &c.name,
            market: c.market.as_str(),
            procedure: c.procedure.as_str(),
            region: &ctx.settings.region,
            tenderer_uscc: c.tenderer_uscc.as_str(),
            tenderer_name: &c.tenderer_name,
            owner_org_id: &org,
            created_by: &actor.user_id,
            at: now,
        },
    )
    .await?;
    write_sections(&mut tx, &id, c.market, &draft.sections, now).await?;
    let p = load(&mut tx, &id).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        ctx.clock.now(),
        project_event("projects.project.created", &p)?,
    )
    .await?;
    ctx.db
        .commit_answering(tx, 201, &p, ctx.clock.now())
        .await?;
    Ok(p)
}

/// Replace the draft's fields and sections. Sections are matched by position, so their ids stay
/// stable across edits; sections removed from a draft were never registered or published.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn update(ctx: &Ctx, actor: &Actor, id: &str, draft: ProjectDraft) -> Result<Project> {
    own_org(actor)?;
    let now = to_micros(ctx.clock.now());
    let mut tx = ctx.db.begin().await?;
    let cur = load_locked(ctx, &mut tx, id).await?;
    // Whose project it is comes before what the body says: another organization learns nothing
    // from a validation answer (cross-organization matrix, tests/api/authz_cross.rs).
    actor.require_org(&cur.owner_org_id)?;
    let c = check_draft(&draft)?;
    project_transition(cur.status, ProjectAction::Edit)?;
    let n = store::update_draft(
        &mut tx,
        id,
        &store::DraftFields {
            name: &c.name,
            market: c.market.as_str(),
            procedure: c.procedure.as_str(),
            tenderer_uscc: c.tenderer_uscc.as_str(),
            tenderer_name: &c.tenderer_name,
        },
        now,
    )
    .await?;
    expect_one(
        n,
        "project.illegal_transition",
        "project is no longer a draft",
    )?;
    store::delete_draft_sections_after(&mut tx, id, draft.sections.len() as i64).await?;
    write_sections(&mut tx, id, c.market, &draft.sections, now).await?;
    let p = load(&mut tx, id).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        ctx.clock.now(),
        project_event("projects.project.updated", &p)?,
    )
    .await?;
    ctx.db
        .commit_answering(tx, 200, &p, ctx.clock.now())
        .await?;
    Ok(p)
}

/// Insert or update sections 1..=n of a draft project.
/// Move a section `from` → `to` (a conditional update: a concurrent change is a conflict).
/// The procedure of a section's project (`None` for an unknown section).
pub(crate) async fn section_procedure(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<Procedure>> {
    let r = store::section_procedure(conn, section_id).await?;
    match r {
        None => Ok(None),
        Some(r) => Procedure::parse(&r)
            .map(Some)
            .map_err(|e| Error::internal(format!("projects.procedure: {}", e.message))),
    }
}

/// 409 `bid.not_sealed_bid_procedure` for a listing section: its bidders quote through the
/// auctions area; there are no sealed bids, keys or opening (开标) here.
pub(crate) async fn require_sealed_bids(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<()> {
    match section_procedure(conn, section_id).await? {
        Some(p) if !p.has_sealed_bids() => Err(Error::conflict(
            "bid.not_sealed_bid_procedure",
            format!(
                "the section is sold by {} (挂牌/拍卖/网络竞价): quotes go to the auctions area, \
                 there are no sealed bids nor bid opening",
                p.as_str()
            ),
        )),
        _ => Ok(()),
    }
}

pub(crate) async fn set_section_state(
    tx: &mut Tx,
    id: &str,
    from: SectionState,
    to: SectionState,
    now: Timestamp,
) -> Result<()> {
    let n = crate::store::sections::move_state(tx, id, from, to, now).await?;
    expect_one(
        n,
        "section.illegal_transition",
        "section changed concurrently",
    )
}

async fn write_sections(
    tx: &mut Tx,
    project_id: &str,
    market: Market,
    sections: &[SectionDraft],
    now: i64,
) -> Result<()> {
    for (i, s) in sections.iter().enumerate() {
        let no = i as i64 + 1;
        let subject = section_subject(market, s)
            .map_err(|e| Error::field(format!("sections[{i}].subject"), e.rule, e.message))?
            .map(|k| k.as_str());
        let n = store::update_draft_section(tx, project_id, no, s, subject, now).await?;
        if n == 0 {
            store::insert_draft_section(tx, &ids::new_id(), project_id, no, s, subject, now)
                .await?;
        }
    }
    Ok(())
}

/// Submit a draft for registration: every legal rule is checked and every broken one named (422).
/// Whether `actor` may read a project of `owner_org_id`.
fn may_read(actor: &Actor, owner_org_id: &str) -> bool {
    matches!(actor.role, Role::Admin | Role::Staff | Role::Supervisor)
        || (matches!(actor.role, Role::Tenderer | Role::Agency)
            && actor.org_id.as_deref() == Some(owner_org_id))
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Project> {
    let mut conn = ctx.db.pool().acquire().await?;
    let p = load(&mut conn, id).await?;
    if !may_read(actor, &p.owner_org_id) {
        return Err(Error::forbidden(
            "this project belongs to another organization",
        ));
    }
    Ok(p)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ListFilter {
    /// `draft`, `submitted` or `registered`.
    #[param(pattern = "^(draft|submitted|registered)$")]
    pub status: Option<String>,
    /// `construction`, `procurement`, `land` or `property`.
    #[param(pattern = "^(construction|procurement|land|property)$")]
    pub market: Option<String>,
}

/// Projects the caller may see, newest first (own organization's, or all for platform roles).
pub async fn list(ctx: &Ctx, actor: &Actor, f: &ListFilter) -> Result<Vec<Project>> {
    actor.require(&[
        Role::Admin,
        Role::Staff,
        Role::Supervisor,
        Role::Tenderer,
        Role::Agency,
    ])?;
    let own = if actor.sees_everything() {
        None
    } else {
        Some(own_org(actor)?)
    };
    let mut v = Violations::new();
    let status = f.status.as_deref().map(|s| {
        ProjectStatus::parse(s).map_err(|_| {
            FieldErr::new(
                "",
                "enum.unknown_value",
                "status must be one of draft, submitted, registered",
            )
        })
    });
    let status = match status {
        Some(r) => v.take("status", r),
        None => None,
    };
    let market = match f.market.as_deref() {
        Some(m) => v.take("market", Market::parse(m)),
        None => None,
    };
    v.into_result()?;
    let mut conn = ctx.db.pool().acquire().await?;
    let ids = store::project_ids(
        &mut conn,
        &own.unwrap_or_default(),
        status.map(|s| s.as_str()).unwrap_or_default(),
        market.map(|m| m.as_str()).unwrap_or_default(),
    )
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(load(&mut conn, &id).await?);
    }
    Ok(out)
}

/// The rules for a region, market and procedure: the region's row, else the national row, else the
/// compiled-in national defaults.
pub async fn load_rules(
    conn: &mut sqlx::AnyConnection,
    region: &str,
    market: Market,
    procedure: Procedure,
) -> Result<Option<MarketRules>> {
    let row = store::rules(conn, market.as_str(), procedure.as_str(), region, NATIONAL).await?;
    let Some(r) = row else {
        return Ok(MarketRules::national(market, procedure));
    };
    let days =
        |v: i64| u32::try_from(v).map_err(|_| Error::internal("project_rules: negative period"));
    let kind = |w: bool| {
        if w {
            DayKind::Working
        } else {
            DayKind::Calendar
        }
    };
    Ok(Some(MarketRules {
        market,
        procedure,
        deadline_min: MinPeriod {
            days: days(r.deadline_min_days)?,
            kind: kind(r.deadline_working),
            source: r.deadline_source,
        },
        doc_sale_min: MinPeriod {
            days: days(r.doc_sale_min_days)?,
            kind: kind(r.doc_sale_working),
            source: r.doc_sale_source,
        },
        deposit_cap_bp: days(r.deposit_cap_bp)?,
        deposit_cap_source: r.deposit_cap_source,
        opening_at_deadline: r.opening_at_deadline,
        opening_source: r.opening_source,
    }))
}

/// Load a project inside a write transaction, locking its row on PostgreSQL.
async fn load_locked(ctx: &Ctx, tx: &mut Tx, id: &str) -> Result<Project> {
    if !store::lock_project(tx, &ctx.db, id).await? {
        return Err(Error::not_found(format!("project {id}")));
    }
    load(tx, id).await
}

pub(crate) async fn load(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Project> {
    let r = store::project(conn, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("project {id}")))?;
    let bad = |e: FieldErr| Error::internal(format!("stored project {id}: {}", e.message));
    let mut p = Project {
        id: r.id,
        code: r.code,
        name: r.name,
        market: Market::parse(&r.market).map_err(bad)?,
        procedure: r.procedure,
        region: r.region,
        tenderer_uscc: r.tenderer_uscc,
        tenderer_name: r.tenderer_name,
        owner_org_id: r.owner_org_id,
        status: ProjectStatus::parse(&r.status)?,
        return_reason: r.return_reason,
        created_at: r.created_at,
        updated_at: r.updated_at,
        submitted_at: r.submitted_at,
        registered_at: r.registered_at,
        sections: Vec::new(),
    };
    let rows = store::sections_of(conn, id).await?;
    for r in rows {
        p.sections.push(Section {
            id: r.id,
            no: r.section_no,
            name: r.name,
            estimated_price: r.estimated_price_fen,
            deposit: r.deposit_fen,
            docs_issue_at: r.docs_issue_at,
            docs_sale_end_at: r.docs_sale_end_at,
            bid_deadline: r.bid_deadline,
            opening_at: r.opening_at,
            state: SectionState::parse(&r.state)?,
            // Sections written before migration 0155 have none: the market's default.
            subject: r.subject.or_else(|| Subject::default_for(p.market)),
            bid_validity_days: r.bid_validity_days,
        });
    }
    Ok(p)
}

fn project_section(s: &Section) -> ggzy_events::projects::ProjectSection {
    ggzy_events::projects::ProjectSection {
        section_id: s.id.clone(),
        no: s.no,
        name: s.name.clone(),
        estimated_price: s.estimated_price,
        deposit: s.deposit,
        docs_issue_at: s.docs_issue_at,
        docs_sale_end_at: s.docs_sale_end_at,
        bid_deadline: s.bid_deadline,
        opening_at: s.opening_at,
        state: s.state.as_str().to_string(),
        subject: s.subject.map(|k| k.as_str().to_string()),
        bid_validity_days: s.bid_validity_days,
    }
}

/// What other areas need about a project (they keep their own copy from the events): the snapshot
/// every `projects.project.*` event carries.
pub(crate) fn project_snapshot(p: &Project) -> ggzy_events::projects::ProjectSnapshot {
    ggzy_events::projects::ProjectSnapshot {
        project_id: p.id.clone(),
        code: p.code.clone(),
        name: p.name.clone(),
        market: p.market,
        procedure: p.procedure.as_str().to_string(),
        region: p.region.clone(),
        tenderer_uscc: p.tenderer_uscc.clone(),
        tenderer_name: p.tenderer_name.clone(),
        owner_org_id: p.owner_org_id.clone(),
        status: p.status.as_str().to_string(),
        sections: p.sections.iter().map(project_section).collect(),
    }
}

/// The `projects.project.{created, updated, approved, submitted}` event, built through its
/// contract.
pub(crate) fn project_event(event: &str, p: &Project) -> Result<NewEvent> {
    use ggzy_events::projects as c;
    use ggzy_events::Contract;
    let snapshot = project_snapshot(p);
    Ok(match event {
        c::ProjectCreated::NAME => c::ProjectCreated(snapshot).encode(),
        c::ProjectUpdated::NAME => c::ProjectUpdated(snapshot).encode(),
        c::ProjectApproved::NAME => c::ProjectApproved(snapshot).encode(),
        c::ProjectSubmitted::NAME => c::ProjectSubmitted(snapshot).encode(),
        other => return Err(Error::internal(format!("no project event {other}"))),
    })
}

/// `projects.project.returned`: the project's snapshot and why staff returned it.
pub(crate) fn project_returned(
    p: &Project,
    reason: &str,
) -> ggzy_events::projects::ProjectReturned {
    ggzy_events::projects::ProjectReturned {
        project: project_snapshot(p),
        reason: reason.to_string(),
    }
}

/// The `projects.section.registered` contract of a section (built through the type, so a renamed
/// field is a compile error here and in every consumer).
pub(crate) fn section_registered(p: &Project, s: &Section) -> SectionRegistered {
    SectionRegistered {
        section_id: s.id.clone(),
        no: s.no,
        name: s.name.clone(),
        estimated_price: s.estimated_price,
        deposit: s.deposit,
        docs_issue_at: s.docs_issue_at,
        docs_sale_end_at: s.docs_sale_end_at,
        bid_deadline: s.bid_deadline,
        opening_at: s.opening_at,
        state: s.state.as_str().to_string(),
        subject: s.subject.map(|k| k.as_str().to_string()),
        project_id: p.id.clone(),
        project_code: p.code.clone(),
        project_name: p.name.clone(),
        market: p.market,
        procedure: p.procedure.as_str().to_string(),
        tenderer_uscc: p.tenderer_uscc.clone(),
        owner_org_id: p.owner_org_id.clone(),
        bid_validity_days: s.bid_validity_days,
        region: Some(p.region.clone()),
        tenderer_name: Some(p.tenderer_name.clone()),
    }
}
