//! Publishing use cases. Each write runs in one transaction with its domain events; the portable
//! SQL of this area lives here, the engine-specific part in [`crate::store`].

use crate::rules::{
    check_fields, check_periods, clarification_effect, render_body, AnnouncementType, BodyFormat,
    DeadlineEffect,
};
use crate::store;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use ggzy_core::error::Violations;
use ggzy_core::events::{ActorRef, NewEvent};
use ggzy_core::ident::Market;
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{ids, Clock, Error, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, expect_one, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use utoipa::ToSchema;

/// Timer kind that publishes a scheduled announcement.
pub const PUBLISH_TIMER: &str = "publishing.announcement.publish";
const MAX_PAGE: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Draft,
    Submitted,
    Approved,
    Scheduled,
    Published,
    Withdrawn,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
            Status::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Result<Status> {
        [
            Status::Draft,
            Status::Submitted,
            Status::Approved,
            Status::Scheduled,
            Status::Published,
            Status::Withdrawn,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
        .ok_or_else(|| Error::internal(format!("unknown announcement status {s}")))
    }
    /// Visible to anyone without login: published text, and withdrawn text with its reason.
    pub fn is_public(&self) -> bool {
        matches!(self, Status::Published | Status::Withdrawn)
    }
}

/// An announcement as written by a tenderer, agency or staff.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AnnouncementDraft {
    /// `construction`, `procurement`, `land` or `property`.
    #[schema(pattern = "^(construction|procurement|land|property)$")]
    pub market: String,
    /// `tender`, `prequalification`, `change`, `opening_record`, `candidate_publicity`, `award`,
    /// `failure`, `land_transfer`, `property_disclosure` or `deal`.
    #[serde(rename = "type")]
    #[schema(
        pattern = "^(tender|prequalification|change|opening_record|candidate_publicity|award|failure|land_transfer|property_disclosure|deal)$"
    )]
    pub ann_type: String,
    #[schema(min_length = 1, max_length = 300, pattern = "\\S")]
    pub title: String,
    /// Markdown; rendered to sanitized HTML.
    #[schema(min_length = 1, pattern = "\\S")]
    pub body: String,
    /// The type's structured fields (see docs/publishing.md).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub fields: Value,
    /// For a change notice: the published announcement it amends.
    pub original_id: Option<String>,
    /// Region code; the platform's region when absent.
    pub region: Option<String>,
    /// The registered project this announcement is about (from `projects.project.approved`).
    pub project_id: Option<String>,
    /// Its sections concerned; all of the project's when absent. A change notice inherits its
    /// original's project and sections.
    pub section_ids: Option<Vec<String>>,
    /// `markdown` (default) or `html`; either is sanitized (no script, no `on*` attributes).
    pub body_format: Option<BodyFormat>,
}

/// A file attached to an announcement, identified by its SHA-256.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the content, verified on upload.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// A deadline moved by a published change notice (as in `publishing.announcement.published`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Postpone {
    pub section_id: String,
    pub old_deadline: DateTime<Utc>,
    pub new_deadline: DateTime<Utc>,
    pub old_opening_at: DateTime<Utc>,
    pub new_opening_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Version {
    pub version: i64,
    pub title: String,
    pub body_html: String,
    pub fields: Value,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Announcement {
    pub id: String,
    pub market: String,
    #[serde(rename = "type")]
    pub ann_type: AnnouncementType,
    pub region: String,
    pub title: String,
    /// The text as written (Markdown, or HTML when `body_format` is `html`): the same field name
    /// as in a draft, so a client reads, edits and writes back `body`.
    #[serde(rename = "body")]
    pub body_markdown: String,
    /// `body` rendered and sanitized.
    pub body_html: String,
    pub fields: Value,
    pub original_id: Option<String>,
    pub status: Status,
    pub version: i64,
    pub publish_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdraw_reason: Option<String>,
    /// Why staff returned it to its owner, while it is a draft again (cleared on the next submit).
    pub return_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Change notices published against this announcement.
    pub changes: Vec<String>,
    /// Every version of the text, oldest first (on single reads).
    pub versions: Vec<Version>,
    pub project_id: Option<String>,
    pub section_ids: Vec<String>,
    pub body_format: BodyFormat,
    /// Files attached, each with its SHA-256 (on single reads).
    pub attachments: Vec<Attachment>,
    /// Id of the lifecycle event an auto-draft came from.
    pub source_event: Option<String>,
    /// Fields taken from that event; an edit may not change them.
    pub source_fields: Option<Value>,
    /// Deadlines this change notice moved when it was published.
    pub postpone: Vec<Postpone>,
    /// The legal periods were checked while a year they reach had no holiday schedule (weekends
    /// only): provisional until the year is imported and they are checked again (issue 16).
    pub periods_provisional: bool,
    #[serde(skip)]
    pub owner_org_id: Option<String>,
}

const COLS: &str = "a.id, a.market, a.ann_type, a.region, a.title, a.body_md, a.body_html, a.fields, \
    a.original_id, a.status, a.version, a.publish_at, a.published_at, a.withdrawn_at, a.withdraw_reason, \
    a.created_at, a.updated_at, a.owner_org_id, a.project_id, a.section_ids, a.body_format, \
    a.source_event, a.source_fields, a.postpone, a.return_reason, a.periods_provisional";

fn opt_time(r: &ggzy_store::Row, i: usize) -> Result<Option<DateTime<Utc>>> {
    Ok(r.try_get::<Option<i64>, _>(i)?.map(from_micros))
}

fn from_row(r: &ggzy_store::Row) -> Result<Announcement> {
    let fields: String = r.try_get(7)?;
    Ok(Announcement {
        id: r.try_get(0)?,
        market: r.try_get(1)?,
        ann_type: AnnouncementType::parse(&r.try_get::<String, _>(2)?)
            .map_err(|e| Error::internal(e.message))?,
        region: r.try_get(3)?,
        title: r.try_get(4)?,
        body_markdown: r.try_get(5)?,
        body_html: r.try_get(6)?,
        fields: serde_json::from_str(&fields).unwrap_or(Value::Null),
        original_id: r.try_get(8)?,
        status: Status::parse(&r.try_get::<String, _>(9)?)?,
        version: r.try_get(10)?,
        publish_at: opt_time(r, 11)?,
        published_at: opt_time(r, 12)?,
        withdrawn_at: opt_time(r, 13)?,
        withdraw_reason: r.try_get(14)?,
        created_at: from_micros(r.try_get(15)?),
        updated_at: from_micros(r.try_get(16)?),
        owner_org_id: r.try_get(17)?,
        changes: vec![],
        versions: vec![],
        project_id: r.try_get(18)?,
        section_ids: serde_json::from_str(&r.try_get::<String, _>(19)?).unwrap_or_default(),
        body_format: BodyFormat::parse(&r.try_get::<String, _>(20)?),
        attachments: vec![],
        source_event: r.try_get(21)?,
        source_fields: r
            .try_get::<Option<String>, _>(22)?
            .and_then(|f| serde_json::from_str(&f).ok()),
        postpone: r
            .try_get::<Option<String>, _>(23)?
            .and_then(|f| serde_json::from_str(&f).ok())
            .unwrap_or_default(),
        return_reason: r.try_get(24)?,
        periods_provisional: r.try_get::<i64, _>(25)? != 0,
    })
}

pub(crate) async fn load(tx: &mut Tx, db: &Db, id: &str, lock: bool) -> Result<Announcement> {
    let sql = format!(
        "SELECT {COLS} FROM announcements a WHERE a.id = $1{}",
        if lock { db.for_update() } else { "" }
    );
    let r = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| Error::not_found(format!("announcement {id}")))?;
    from_row(&r)
}

pub(crate) fn payload(a: &Announcement) -> Value {
    json!({
        "id": a.id, "announcement_id": a.id, "market": a.market, "type": a.ann_type.as_str(),
        "region": a.region, "project_id": a.project_id, "section_ids": a.section_ids,
        "title": a.title, "status": a.status.as_str(), "version": a.version,
        "original_id": a.original_id,
        "publish_at": a.publish_at, "published_at": a.published_at,
        "withdraw_reason": a.withdraw_reason,
    })
}

pub(crate) async fn event(
    tx: &mut Tx,
    db: &Db,
    who: &ActorRef,
    at: Timestamp,
    verb: &str,
    a: &Announcement,
) -> Result<()> {
    emit(
        tx,
        db,
        who,
        at,
        NewEvent::new(
            format!("publishing.announcement.{verb}"),
            "announcement",
            &a.id,
            payload(a),
        ),
    )
    .await?;
    Ok(())
}

struct Checked {
    market: Market,
    ann_type: AnnouncementType,
    title: String,
    body_html: String,
    fields: String,
}

fn check_draft(d: &AnnouncementDraft) -> Result<Checked> {
    let mut v = Violations::new();
    let market = v.take("market", Market::parse(d.market.trim()));
    let ann_type = v.take("type", AnnouncementType::parse(d.ann_type.trim()));
    let title = d.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 300 {
        v.push(
            "title",
            "required",
            "title is required (at most 300 characters)",
        );
    }
    if d.body.trim().is_empty() {
        v.push("body", "required", "body is required");
    }
    if !d.fields.is_object() && !d.fields.is_null() {
        v.push(
            "fields",
            "announcement.fields_object",
            "fields must be an object",
        );
    }
    if let Some(t) = ann_type {
        check_fields(t, &d.fields, &mut v);
        if t == AnnouncementType::Change && d.original_id.as_deref().unwrap_or("").is_empty() {
            v.push(
                "original_id",
                "announcement.change_needs_original",
                "a change notice links to the announcement it amends (10号令; 20号令)",
            );
        }
    }
    v.into_result()?;
    match (market, ann_type) {
        (Some(market), Some(ann_type)) => Ok(Checked {
            market,
            ann_type,
            title,
            body_html: render_body(d.body_format.unwrap_or_default(), &d.body),
            fields: d.fields.to_string(),
        }),
        _ => Err(Error::internal("draft checked")),
    }
}

/// The original a change notice amends must be published; returns its project and sections.
async fn check_original(
    tx: &mut Tx,
    original: Option<&str>,
) -> Result<Option<(Option<String>, Vec<String>)>> {
    let Some(o) = original.filter(|o| !o.is_empty()) else {
        return Ok(None);
    };
    let r = sqlx::query("SELECT status, project_id, section_ids FROM announcements WHERE id = $1")
        .bind(o)
        .fetch_optional(&mut **tx)
        .await?;
    match r {
        Some(r) if r.try_get::<String, _>(0)? == "published" => {
            let sections: String = r.try_get(2)?;
            Ok(Some((
                r.try_get(1)?,
                serde_json::from_str(&sections).unwrap_or_default(),
            )))
        }
        _ => Err(Error::field(
            "original_id",
            "announcement.original_unpublished",
            "a change notice amends a published announcement",
        )),
    }
}

/// One section as publishing knows it from the projects events.
#[derive(Debug, Clone)]
pub struct SectionInfo {
    pub section_id: String,
    pub project_id: String,
    pub project_code: Option<String>,
    pub project_name: String,
    pub section_name: String,
    pub market: String,
    pub procedure: Option<String>,
    pub tenderer_name: Option<String>,
    pub tenderer_uscc: Option<String>,
    pub owner_org_id: Option<String>,
    pub estimated_price: Option<String>,
    pub docs_issue_at: Option<DateTime<Utc>>,
    pub bid_deadline: Option<DateTime<Utc>>,
    pub opening_at: Option<DateTime<Utc>>,
}

const SECTION_COLS: &str = "section_id, project_id, project_code, project_name, section_name, market, \
    procedure, tenderer_name, tenderer_uscc, owner_org_id, estimated_price, docs_issue_at, bid_deadline, \
    opening_at";

fn section_from_row(r: &ggzy_store::Row) -> Result<SectionInfo> {
    Ok(SectionInfo {
        section_id: r.try_get(0)?,
        project_id: r.try_get(1)?,
        project_code: r.try_get(2)?,
        project_name: r.try_get(3)?,
        section_name: r.try_get(4)?,
        market: r.try_get(5)?,
        procedure: r.try_get(6)?,
        tenderer_name: r.try_get(7)?,
        tenderer_uscc: r.try_get(8)?,
        owner_org_id: r.try_get(9)?,
        estimated_price: r.try_get(10)?,
        docs_issue_at: opt_time(r, 11)?,
        bid_deadline: opt_time(r, 12)?,
        opening_at: opt_time(r, 13)?,
    })
}

/// Sections of the projection, by id (absent ids are skipped).
pub(crate) async fn sections(tx: &mut Tx, ids: &[String]) -> Result<Vec<SectionInfo>> {
    let mut out = Vec::new();
    for id in ids {
        let r = sqlx::query(&format!(
            "SELECT {SECTION_COLS} FROM publishing_sections WHERE section_id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(r) = r {
            out.push(section_from_row(&r)?);
        }
    }
    Ok(out)
}

pub(crate) async fn project_sections(tx: &mut Tx, project_id: &str) -> Result<Vec<SectionInfo>> {
    let rows = sqlx::query(&format!(
        "SELECT {SECTION_COLS} FROM publishing_sections WHERE project_id = $1 ORDER BY section_id"
    ))
    .bind(project_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(section_from_row).collect()
}

/// The project and sections a draft is about: checked against publishing's copy of the registered
/// projects; a change notice inherits its original's when it names none.
async fn resolve_links(
    tx: &mut Tx,
    actor: &Actor,
    d: &AnnouncementDraft,
    market: Market,
    original: Option<(Option<String>, Vec<String>)>,
) -> Result<(Option<String>, Vec<String>)> {
    let project = d.project_id.clone().filter(|p| !p.trim().is_empty());
    let Some(project) = project else {
        if d.section_ids.as_ref().is_some_and(|s| !s.is_empty()) {
            return Err(Error::field(
                "project_id",
                "required",
                "sections are named together with their project",
            ));
        }
        return Ok(original.unwrap_or_default());
    };
    let known = project_sections(tx, &project).await?;
    let Some(first) = known.first() else {
        return Err(Error::field(
            "project_id",
            "announcement.project_unknown",
            "no registered project with this id",
        ));
    };
    let mut v = Violations::new();
    if first.market != market.as_str() {
        v.push(
            "market",
            "announcement.market_mismatch",
            format!("the project is registered in the {} market", first.market),
        );
    }
    // The project's owner is the organization that registered it: the tenderer itself or the agency
    // it entrusted (招标投标法 第十二条). An agency represents only the projects registered through it.
    if matches!(actor.role, Role::Tenderer | Role::Agency) && first.owner_org_id != actor.org_id {
        v.push(
            "project_id",
            "announcement.project_not_yours",
            "a tenderer or agency announces only projects its own organization registered",
        );
    }
    let ids = match &d.section_ids {
        Some(ids) if !ids.is_empty() => {
            for (i, id) in ids.iter().enumerate() {
                if !known.iter().any(|s| &s.section_id == id) {
                    v.push(
                        format!("section_ids[{i}]"),
                        "announcement.section_unknown",
                        "not a section of this project",
                    );
                }
            }
            ids.clone()
        }
        _ => known.iter().map(|s| s.section_id.clone()).collect(),
    };
    v.into_result()?;
    Ok((Some(project), ids))
}

/// Fields an auto-draft took from its lifecycle event must come back unchanged.
fn check_locked(source: &Value, fields: &Value, path: &str, v: &mut Violations) {
    match (source, fields) {
        (Value::Object(s), _) => {
            for (k, sv) in s {
                let p = if path.is_empty() {
                    format!("fields.{k}")
                } else {
                    format!("{path}.{k}")
                };
                check_locked(sv, fields.get(k).unwrap_or(&Value::Null), &p, v);
            }
        }
        (Value::Array(s), Value::Array(f)) if s.len() == f.len() => {
            for (i, (sv, fv)) in s.iter().zip(f).enumerate() {
                check_locked(sv, fv, &format!("{path}[{i}]"), v);
            }
        }
        (sv, fv) if sv == fv => {}
        _ => v.push(
            path,
            "announcement.field_from_event",
            "this value comes from the trading record and cannot be retyped",
        ),
    }
}

pub(crate) async fn write_version(tx: &mut Tx, a: &Announcement, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO announcement_versions (announcement_id, version, title, body_html, fields, at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (announcement_id, version) DO UPDATE SET \
         title = excluded.title, body_html = excluded.body_html, fields = excluded.fields, at = excluded.at",
    )
    .bind(&a.id)
    .bind(a.version)
    .bind(&a.title)
    .bind(&a.body_html)
    .bind(a.fields.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) fn can_edit(actor: &Actor, a: &Announcement) -> bool {
    matches!(actor.role, Role::Staff | Role::Admin)
        || (a.owner_org_id.is_some() && a.owner_org_id == actor.org_id)
}

#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn create(ctx: &Ctx, actor: &Actor, d: AnnouncementDraft) -> Result<Announcement> {
    actor.require(&[Role::Tenderer, Role::Agency, Role::Staff])?;
    let c = check_draft(&d)?;
    let id = ids::new_id();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let original = check_original(&mut tx, d.original_id.as_deref()).await?;
    let (project_id, section_ids) = resolve_links(&mut tx, actor, &d, c.market, original).await?;
    let region = d
        .region
        .clone()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| ctx.settings.region.clone());
    sqlx::query(
        "INSERT INTO announcements (id, market, ann_type, region, title, body_md, body_html, fields, \
         original_id, status, version, owner_org_id, created_by, created_at, updated_at, project_id, \
         section_ids, body_format) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', 1, $10, $11, $12, $12, $13, $14, $15)",
    )
    .bind(&id)
    .bind(c.market.as_str())
    .bind(c.ann_type.as_str())
    .bind(&region)
    .bind(&c.title)
    .bind(&d.body)
    .bind(&c.body_html)
    .bind(&c.fields)
    .bind(d.original_id.as_deref().filter(|o| !o.is_empty()))
    .bind(actor.org_id.as_deref())
    .bind(&actor.user_id)
    .bind(to_micros(now))
    .bind(project_id)
    .bind(json!(section_ids).to_string())
    .bind(d.body_format.unwrap_or_default().as_str())
    .execute(&mut *tx)
    .await?;
    let a = load(&mut tx, &ctx.db, &id, false).await?;
    write_version(&mut tx, &a, to_micros(now)).await?;
    event(&mut tx, &ctx.db, &actor.actor_ref(), now, "created", &a).await?;
    // 201 + the draft, stored with the change for a retried `Idempotency-Key`.
    ctx.db.commit_answering(tx, 201, &a, now).await?;
    Ok(a)
}

/// Replace a draft's text. Anything past draft is refused; published text is immutable (amend it
/// with a change notice).
#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn update(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    d: AnnouncementDraft,
) -> Result<Announcement> {
    actor.require(&[Role::Tenderer, Role::Agency, Role::Staff])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let cur = load(&mut tx, &ctx.db, id, true).await?;
    if !can_edit(actor, &cur) {
        return Err(Error::not_found(format!("announcement {id}")));
    }
    match cur.status {
        Status::Draft => {}
        Status::Published | Status::Withdrawn => {
            return Err(Error::conflict(
                "announcement.immutable",
                "published text is immutable: publish a change notice (变更公告) instead",
            ))
        }
        _ => {
            return Err(Error::conflict(
                "announcement.not_draft",
                "only a draft can be edited",
            ))
        }
    }
    let c = check_draft(&d)?;
    let (project_id, section_ids) = if let Some(src) = &cur.source_fields {
        // An auto-draft stays about what its event was about.
        let mut v = Violations::new();
        check_locked(src, &d.fields, "", &mut v);
        if c.ann_type != cur.ann_type || c.market.as_str() != cur.market {
            v.push(
                "type",
                "announcement.field_from_event",
                "an auto-draft keeps its type and market",
            );
        }
        v.into_result()?;
        (cur.project_id.clone(), cur.section_ids.clone())
    } else {
        let original = check_original(&mut tx, d.original_id.as_deref()).await?;
        resolve_links(&mut tx, actor, &d, c.market, original).await?
    };
    let n = sqlx::query(
        "UPDATE announcements SET market = $1, ann_type = $2, title = $3, body_md = $4, body_html = $5, \
         fields = $6, original_id = $7, version = version + 1, updated_at = $8, project_id = $10, \
         section_ids = $11, body_format = $12 WHERE id = $9 AND status = 'draft'",
    )
    .bind(c.market.as_str())
    .bind(c.ann_type.as_str())
    .bind(&c.title)
    .bind(&d.body)
    .bind(&c.body_html)
    .bind(&c.fields)
    .bind(d.original_id.as_deref().filter(|o| !o.is_empty()))
    .bind(to_micros(now))
    .bind(id)
    .bind(project_id)
    .bind(json!(section_ids).to_string())
    .bind(d.body_format.unwrap_or_default().as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one(n, "announcement.not_draft", "only a draft can be edited")?;
    let a = load(&mut tx, &ctx.db, id, false).await?;
    write_version(&mut tx, &a, to_micros(now)).await?;
    ctx.db.commit_answering(tx, 200, &a, now).await?;
    Ok(a)
}

async fn set_status(tx: &mut Tx, id: &str, from: Status, to: Status, now: Timestamp) -> Result<()> {
    let n = sqlx::query(
        "UPDATE announcements SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to.as_str())
    .bind(to_micros(now))
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    expect_one(
        n,
        "announcement.transition",
        &format!(
            "a {} announcement cannot become {}",
            from.as_str(),
            to.as_str()
        ),
    )
}

fn require_status(a: &Announcement, want: Status, action: &str) -> Result<()> {
    if a.status != want {
        return Err(Error::conflict(
            "announcement.transition",
            format!("cannot {action} a {} announcement", a.status.as_str()),
        ));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn submit(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Announcement> {
    actor.require(&[Role::Tenderer, Role::Agency, Role::Staff])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let cur = load(&mut tx, &ctx.db, id, true).await?;
    if !can_edit(actor, &cur) {
        return Err(Error::not_found(format!("announcement {id}")));
    }
    require_status(&cur, Status::Draft, "submit")?;
    // Auto-drafts start incomplete (the event carries the numbers, the tenderer the rest): the
    // required fields are checked again here, each one named.
    let mut v = Violations::new();
    check_fields(cur.ann_type, &cur.fields, &mut v);
    v.into_result()?;
    set_status(&mut tx, id, Status::Draft, Status::Submitted, now).await?;
    sqlx::query("UPDATE announcements SET return_reason = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let a = load(&mut tx, &ctx.db, id, false).await?;
    event(&mut tx, &ctx.db, &actor.actor_ref(), now, "submitted", &a).await?;
    ctx.db.commit_answering(tx, 200, &a, now).await?;
    Ok(a)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Approval {
    /// When to publish; now when absent or past.
    pub publish_at: Option<DateTime<Utc>>,
}

/// The legal periods at `at`, the moment the announcement goes out; for a change notice, the
/// deadlines it postpones (refused instead when the tenderer chose `refuse_if_short`).
async fn check_legal(
    tx: &mut Tx,
    db: &Db,
    a: &Announcement,
    at: Timestamp,
) -> Result<Vec<Postpone>> {
    let market = Market::parse(&a.market).map_err(|e| Error::internal(e.message))?;
    let mut v = Violations::new();
    // The live calendar (imports included). A year without a schedule is counted with weekends
    // only — never a false refusal, never a pass without a check — and raises the alert.
    let missing = check_periods(a.ann_type, market, &a.fields, at, db.calendar(), &mut v);
    if !missing.is_empty() && v.is_empty() {
        ggzy_store::calendar::note_missing(tx, db, at, &missing, "publishing.legal_periods")
            .await?;
    }
    // Stored with the announcement (rolled back with it when refused) and shown in its answer.
    sqlx::query("UPDATE announcements SET periods_provisional = $1 WHERE id = $2")
        .bind(i64::from(!missing.is_empty()))
        .bind(&a.id)
        .execute(&mut **tx)
        .await?;
    let mut out = Vec::new();
    if a.ann_type == AnnouncementType::Change {
        let own = match a.fields.get("new_bid_deadline").and_then(Value::as_str) {
            Some(s) => match DateTime::parse_from_rfc3339(s) {
                Ok(t) => Some(t.with_timezone(&Utc)),
                Err(_) => {
                    v.push(
                        "fields.new_bid_deadline",
                        "announcement.time_invalid",
                        "`new_bid_deadline` must be an RFC 3339 time",
                    );
                    None
                }
            },
            None => None,
        };
        let refuse = a
            .fields
            .get("refuse_if_short")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        for s in sections(tx, &a.section_ids).await? {
            let (Some(d), Some(o)) = (s.bid_deadline, s.opening_at) else {
                continue;
            };
            match clarification_effect(at, d, o, own, refuse) {
                DeadlineEffect::Keep => {}
                DeadlineEffect::TooShort => v.push(
                    "fields.new_bid_deadline",
                    "announcement.clarification_period",
                    format!(
                        "fewer than {} days before the bid deadline of {}: set a later deadline or \
                         let it be postponed (招标投标法 第23条; 实施条例 第21条; 87号令 第27条)",
                        crate::rules::PERIODS.clarification_min_days,
                        s.section_name
                    ),
                ),
                DeadlineEffect::Postpone {
                    new_deadline,
                    new_opening_at,
                } => out.push(Postpone {
                    section_id: s.section_id.clone(),
                    old_deadline: d,
                    new_deadline,
                    old_opening_at: o,
                    new_opening_at,
                }),
            }
        }
    }
    v.into_result()?;
    Ok(out)
}

fn timer_key(id: &str) -> String {
    format!("{PUBLISH_TIMER}:{id}")
}

/// Staff approve a submitted announcement and schedule it (publishing at once when no later time
/// is chosen). The legal periods are checked against the publishing time.
#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn approve(ctx: &Ctx, actor: &Actor, id: &str, ap: Approval) -> Result<Announcement> {
    actor.require(&[Role::Staff])?;
    let now = ctx.clock.now();
    let at = ap.publish_at.filter(|t| *t > now).unwrap_or(now);
    let mut tx = ctx.db.begin().await?;
    let cur = load(&mut tx, &ctx.db, id, true).await?;
    require_status(&cur, Status::Submitted, "approve")?;
    check_legal(&mut tx, &ctx.db, &cur, at).await?;
    let who = actor.actor_ref();
    set_status(&mut tx, id, Status::Submitted, Status::Approved, now).await?;
    let a = load(&mut tx, &ctx.db, id, false).await?;
    event(&mut tx, &ctx.db, &who, now, "approved", &a).await?;
    set_status(&mut tx, id, Status::Approved, Status::Scheduled, now).await?;
    sqlx::query("UPDATE announcements SET publish_at = $1 WHERE id = $2")
        .bind(to_micros(at))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let a = load(&mut tx, &ctx.db, id, false).await?;
    event(&mut tx, &ctx.db, &who, now, "scheduled", &a).await?;
    let a = if at <= now {
        publish_in(&mut tx, &ctx.db, &who, now, id).await?
    } else {
        timers::schedule(
            &mut tx,
            PUBLISH_TIMER,
            &timer_key(id),
            at,
            json!({"announcement_id": id}),
            now,
        )
        .await?;
        a
    };
    ctx.db.commit_answering(tx, 200, &a, now).await?;
    Ok(a)
}

/// Publish a scheduled announcement. Returns it unchanged if it is no longer scheduled (a repeated
/// timer firing publishes nothing twice).
async fn publish_in(
    tx: &mut Tx,
    db: &Db,
    who: &ActorRef,
    now: Timestamp,
    id: &str,
) -> Result<Announcement> {
    let cur = load(tx, db, id, true).await?;
    if cur.status != Status::Scheduled {
        return Ok(cur);
    }
    let postpone = check_legal(tx, db, &cur, now).await?;
    let n = sqlx::query(
        "UPDATE announcements SET status = 'published', published_at = $1, updated_at = $1, \
         postpone = $3 WHERE id = $2 AND status = 'scheduled'",
    )
    .bind(to_micros(now))
    .bind(id)
    .bind((!postpone.is_empty()).then(|| json!(postpone).to_string()))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n != 1 {
        return load(tx, db, id, false).await;
    }
    // Publishing's own copy follows at once, so a second notice counts from the new deadline.
    for p in &postpone {
        sqlx::query(
            "UPDATE publishing_sections SET bid_deadline = $1, opening_at = $2, updated_at = $3 \
             WHERE section_id = $4",
        )
        .bind(to_micros(p.new_deadline))
        .bind(to_micros(p.new_opening_at))
        .bind(to_micros(now))
        .bind(&p.section_id)
        .execute(&mut **tx)
        .await?;
    }
    let a = load(tx, db, id, false).await?;
    store::index(tx, id).await?;
    let mut p = payload(&a);
    if !postpone.is_empty() {
        p["postpone"] = json!(postpone
            .iter()
            .map(|x| json!({
                "section_id": x.section_id,
                "old_deadline": x.old_deadline.to_rfc3339(),
                "new_deadline": x.new_deadline.to_rfc3339(),
                "old_opening_at": x.old_opening_at.to_rfc3339(),
                "new_opening_at": x.new_opening_at.to_rfc3339(),
            }))
            .collect::<Vec<_>>());
    }
    emit(
        tx,
        db,
        who,
        now,
        NewEvent::new("publishing.announcement.published", "announcement", id, p),
    )
    .await?;
    crate::ocds::record_announcement(tx, &a, &postpone).await?;
    Ok(a)
}

/// Fires [`PUBLISH_TIMER`]: publishes the announcement, re-checking the legal periods at the actual
/// publishing time. If they no longer hold, the announcement goes back to draft
/// (`publishing.announcement.returned`) instead of going out unlawfully.
/// The calendar is the database's live one (`Db::calendar`), imports included.
#[derive(Default)]
pub struct PublishDue;

#[async_trait::async_trait]
impl TimerHandler for PublishDue {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let Some(id) = timer.payload["announcement_id"].as_str() else {
            return Err(Error::internal("publish timer without announcement_id"));
        };
        let who = ActorRef::system(PUBLISH_TIMER);
        let now = clock.now();
        match publish_in(tx, db, &who, now, id).await {
            Ok(_) => Ok(()),
            Err(Error::Validation(errs)) => {
                let n = sqlx::query(
                    "UPDATE announcements SET status = 'draft', updated_at = $1 WHERE id = $2 AND status = 'scheduled'",
                )
                .bind(to_micros(now))
                .bind(id)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if n == 1 {
                    let a = load(tx, db, id, false).await?;
                    let mut p = payload(&a);
                    p["violations"] = json!(errs);
                    emit(
                        tx,
                        db,
                        &who,
                        now,
                        NewEvent::new("publishing.announcement.returned", "announcement", id, p),
                    )
                    .await?;
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// Staff return a submitted announcement to its owner.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AnnouncementReturn {
    /// Why (required, at most 2000 characters); the owner reads it on the announcement.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// Staff return a submitted announcement to its owner with a reason: it is a draft again (the
/// owner edits and submits it anew) and `return_reason` says why.
#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn return_to_owner(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    req: AnnouncementReturn,
) -> Result<Announcement> {
    actor.require(&[Role::Staff])?;
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Error::field(
            "reason",
            "required",
            "a return states its reason (at most 2000 characters)",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let cur = load(&mut tx, &ctx.db, id, true).await?;
    require_status(&cur, Status::Submitted, "return")?;
    let n = sqlx::query(
        "UPDATE announcements SET status = 'draft', return_reason = $1, updated_at = $2 \
         WHERE id = $3 AND status = 'submitted'",
    )
    .bind(reason)
    .bind(to_micros(now))
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one(
        n,
        "announcement.transition",
        "only a submitted announcement can be returned",
    )?;
    let a = load(&mut tx, &ctx.db, id, false).await?;
    let mut p = payload(&a);
    p["reason"] = json!(reason);
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new("publishing.announcement.returned", "announcement", id, p),
    )
    .await?;
    ctx.db.commit_answering(tx, 200, &a, now).await?;
    Ok(a)
}

/// Announcements submitted and waiting for the staff's approval, oldest first (staff).
pub async fn list_submitted(ctx: &Ctx, actor: &Actor) -> Result<Vec<Announcement>> {
    actor.require(&[Role::Staff])?;
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM announcements a WHERE a.status = 'submitted' \
         ORDER BY a.updated_at, a.id LIMIT 500"
    ))
    .fetch_all(ctx.db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Withdrawal {
    #[schema(min_length = 1, pattern = "\\S")]
    pub reason: String,
}

/// Withdraw a published announcement: its text stays readable, with the reason.
#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn withdraw(ctx: &Ctx, actor: &Actor, id: &str, w: Withdrawal) -> Result<Announcement> {
    actor.require(&[Role::Staff])?;
    let reason = w.reason.trim();
    if reason.is_empty() {
        return Err(Error::field(
            "reason",
            "required",
            "a withdrawal states its reason",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let cur = load(&mut tx, &ctx.db, id, true).await?;
    require_status(&cur, Status::Published, "withdraw")?;
    let n = sqlx::query(
        "UPDATE announcements SET status = 'withdrawn', withdrawn_at = $1, withdraw_reason = $2, \
         updated_at = $1 WHERE id = $3 AND status = 'published'",
    )
    .bind(to_micros(now))
    .bind(reason)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one(
        n,
        "announcement.transition",
        "only a published announcement can be withdrawn",
    )?;
    store::index(&mut tx, id).await?;
    let a = load(&mut tx, &ctx.db, id, false).await?;
    event(&mut tx, &ctx.db, &actor.actor_ref(), now, "withdrawn", &a).await?;
    ctx.db.commit_answering(tx, 200, &a, now).await?;
    Ok(a)
}

/// One announcement with its version history and change notices. Anonymous callers see only
/// published and withdrawn ones; the owner and staff see every state.
pub async fn get(ctx: &Ctx, actor: Option<&Actor>, id: &str) -> Result<Announcement> {
    let mut conn = ctx.db.pool().acquire().await?;
    let r = sqlx::query(&format!(
        "SELECT {COLS} FROM announcements a WHERE a.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found(format!("announcement {id}")))?;
    let mut a = from_row(&r)?;
    let allowed = a.status.is_public()
        || actor.is_some_and(|x| can_edit(x, &a) || matches!(x.role, Role::Supervisor));
    if !allowed {
        return Err(Error::not_found(format!("announcement {id}")));
    }
    let vs = sqlx::query(
        "SELECT version, title, body_html, fields, at FROM announcement_versions \
         WHERE announcement_id = $1 ORDER BY version",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for v in vs {
        let f: String = v.try_get(3)?;
        a.versions.push(Version {
            version: v.try_get(0)?,
            title: v.try_get(1)?,
            body_html: v.try_get(2)?,
            fields: serde_json::from_str(&f).unwrap_or(Value::Null),
            at: from_micros(v.try_get(4)?),
        });
    }
    let cs = sqlx::query(
        "SELECT id FROM announcements WHERE original_id = $1 AND status IN ('published', 'withdrawn') \
         ORDER BY published_at",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for c in cs {
        a.changes.push(c.try_get(0)?);
    }
    a.attachments = crate::attachments::list(&mut conn, id).await?;
    Ok(a)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct PublicFilter {
    pub market: Option<String>,
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub ann_type: Option<String>,
    pub region: Option<String>,
    /// `published` (default) or `withdrawn`; other states are never public.
    #[param(pattern = "^(published|withdrawn)$")]
    pub status: Option<String>,
    /// Published at or after.
    pub from: Option<DateTime<Utc>>,
    /// Published before.
    pub to: Option<DateTime<Utc>>,
    /// Full-text query over title and body (substring match, works for Chinese).
    pub q: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page {
    pub items: Vec<Announcement>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn encode_cursor(published_at: i64, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{published_at}|{id}"))
}

fn decode_cursor(c: &str) -> Result<(i64, String)> {
    let bad = || Error::bad_request("invalid cursor");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    let (t, id) = s.split_once('|').ok_or_else(bad)?;
    Ok((t.parse().map_err(|_| bad())?, id.to_string()))
}

/// Public list, newest first, keyset pagination over (published_at, id).
pub async fn list_public(ctx: &Ctx, f: &PublicFilter) -> Result<Page> {
    let mut v = Violations::new();
    if let Some(m) = &f.market {
        v.take("market", Market::parse(m));
    }
    if let Some(t) = &f.ann_type {
        v.take("type", AnnouncementType::parse(t));
    }
    let status = f.status.clone().unwrap_or_else(|| "published".into());
    if status != "published" && status != "withdrawn" {
        v.push(
            "status",
            "announcement.status_public",
            "status is published or withdrawn",
        );
    }
    let limit = f.limit.unwrap_or(20);
    if !(1..=MAX_PAGE).contains(&limit) {
        v.push("limit", "range", format!("limit is 1 to {MAX_PAGE}"));
    }
    v.into_result()?;
    let mut wh = vec!["a.status = $1".to_string()];
    let mut binds: Vec<Bind> = vec![Bind::S(status)];
    if let Some(m) = &f.market {
        add(&mut wh, &mut binds, "a.market =", Bind::S(m.clone()));
    }
    if let Some(t) = &f.ann_type {
        add(&mut wh, &mut binds, "a.ann_type =", Bind::S(t.clone()));
    }
    if let Some(r) = &f.region {
        add(&mut wh, &mut binds, "a.region =", Bind::S(r.clone()));
    }
    if let Some(t) = f.from {
        add(
            &mut wh,
            &mut binds,
            "a.published_at >=",
            Bind::I(to_micros(t)),
        );
    }
    if let Some(t) = f.to {
        add(
            &mut wh,
            &mut binds,
            "a.published_at <",
            Bind::I(to_micros(t)),
        );
    }
    let mut from = "announcements a".to_string();
    // The search index walks its own copy of the key (same values, see store::search).
    let (mut at_col, mut id_col) = ("a.published_at", "a.id");
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let status = match &binds[0] {
            Bind::S(s) => s.clone(),
            Bind::I(_) => unreachable!("the first bind is the status"),
        };
        let search = store::search(&ctx.db, q, &status, binds.len() + 1).await?;
        binds.extend(search.values.into_iter().map(Bind::S));
        wh.push(search.condition);
        from = search.from;
        (at_col, id_col) = (search.published_at, search.id);
    }
    if let Some(c) = &f.cursor {
        let (t, id) = decode_cursor(c)?;
        let n = binds.len() + 1;
        wh.push(format!(
            "({at_col} < ${n} OR ({at_col} = ${n} AND {id_col} < ${}))",
            n + 1
        ));
        binds.push(Bind::I(t));
        binds.push(Bind::S(id));
    }
    let sql = format!(
        "SELECT {COLS} FROM {from} WHERE {} ORDER BY {at_col} DESC, {id_col} DESC LIMIT {}",
        wh.join(" AND "),
        limit + 1
    );
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = match b {
            Bind::S(s) => q.bind(s.clone()),
            Bind::I(i) => q.bind(*i),
        };
    }
    let rows = q.fetch_all(ctx.db.pool()).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items
            .last()
            .and_then(|a| a.published_at.map(|t| encode_cursor(to_micros(t), &a.id)))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// Filter of the owner's list (`GET /api/v1/announcements/mine`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct OwnFilter {
    /// `draft`, `submitted`, `approved`, `scheduled`, `published` or `withdrawn`.
    pub status: Option<String>,
    /// One announcement type (`tender`, `opening_record`, `candidate_publicity`, …).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub ann_type: Option<String>,
    /// Only the announcements about this project.
    pub project_id: Option<String>,
}

/// Most announcements one list answers.
pub const MAX_OWN: i64 = 500;

/// Every announcement the caller's organization owns, in every state, most recently changed
/// first: the ones it wrote and the ones the platform drafted itself from its projects' lifecycle
/// events (opening record, candidate publicity, award, failure, deal), which belong to the
/// section's owner organization. Tenderer and agency only; never another organization's.
pub async fn list_own(ctx: &Ctx, actor: &Actor, f: &OwnFilter) -> Result<Vec<Announcement>> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let mut v = Violations::new();
    let status = f.status.as_deref().map(str::trim).unwrap_or("");
    if !status.is_empty() && Status::parse(status).is_err() {
        v.push(
            "status",
            "enum.unknown_value",
            "status must be one of draft, submitted, approved, scheduled, published, withdrawn",
        );
    }
    let ann_type = f.ann_type.as_deref().map(str::trim).unwrap_or("");
    if !ann_type.is_empty() {
        v.take("type", AnnouncementType::parse(ann_type));
    }
    v.into_result()?;
    let sql = format!(
        "SELECT {COLS} FROM announcements a WHERE a.owner_org_id = $1 AND ($2 = '' OR a.status = $2) \
         AND ($3 = '' OR a.ann_type = $3) AND ($4 = '' OR a.project_id = $4) \
         ORDER BY a.updated_at DESC, a.id DESC LIMIT {MAX_OWN}"
    );
    let rows = sqlx::query(&sql)
        .bind(&org)
        .bind(status)
        .bind(ann_type)
        .bind(f.project_id.as_deref().map(str::trim).unwrap_or(""))
        .fetch_all(ctx.db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

enum Bind {
    S(String),
    I(i64),
}

fn add(wh: &mut Vec<String>, binds: &mut Vec<Bind>, cond: &str, b: Bind) {
    binds.push(b);
    wh.push(format!("{cond} ${}", binds.len()));
}

/// A holiday schedule was imported (`calendar.schedule.imported`): the legal periods of every
/// announcement checked provisionally are checked again with the live calendar at the time they
/// were checked against (publishing time). Each one gets `publishing.announcement.periods_rechecked`
/// with the outcome (`ok`, the rules now broken, the years still missing); the mark stays only
/// while a year is still missing. A published announcement is never unpublished by this: a period
/// now too short is reported in the event (and so to monitoring) for staff to act on.
pub(crate) async fn recheck_provisional(tx: &mut Tx, db: &Db, now: Timestamp) -> Result<()> {
    ggzy_store::calendar::refresh(db).await?;
    let sql =
        format!("SELECT {COLS} FROM announcements a WHERE a.periods_provisional = 1 ORDER BY a.id");
    let rows = sqlx::query(&sql).fetch_all(&mut **tx).await?;
    for r in rows {
        let a = from_row(&r)?;
        let Ok(market) = Market::parse(&a.market) else {
            continue;
        };
        let at = a.published_at.or(a.publish_at).unwrap_or(a.updated_at);
        let mut v = Violations::new();
        let missing = check_periods(a.ann_type, market, &a.fields, at, db.calendar(), &mut v);
        if !missing.is_empty() {
            ggzy_store::calendar::note_missing(tx, db, now, &missing, "publishing.legal_periods")
                .await?;
        }
        sqlx::query("UPDATE announcements SET periods_provisional = $1 WHERE id = $2")
            .bind(i64::from(!missing.is_empty()))
            .bind(&a.id)
            .execute(&mut **tx)
            .await?;
        let broken: Vec<Value> = match v.into_result() {
            Ok(()) => vec![],
            Err(Error::Validation(es)) => es
                .into_iter()
                .map(|e| json!({"field": e.field, "rule": e.rule, "message": e.message}))
                .collect(),
            Err(e) => return Err(e),
        };
        emit(
            tx,
            db,
            &ActorRef::system("publishing"),
            now,
            NewEvent::new(
                "publishing.announcement.periods_rechecked",
                "announcement",
                a.id.clone(),
                json!({"id": a.id, "type": a.ann_type.as_str(), "status": a.status.as_str(),
                       "checked_at": at.to_rfc3339(), "ok": broken.is_empty(), "broken": broken,
                       "provisional": !missing.is_empty(), "missing_years": missing}),
            ),
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locked(source: Value, fields: Value) -> Vec<String> {
        let mut v = Violations::new();
        check_locked(&source, &fields, "", &mut v);
        match v.into_result() {
            Ok(()) => vec![],
            Err(Error::Validation(es)) => es.into_iter().map(|e| e.field).collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn values_from_the_event_may_be_completed_but_not_retyped() {
        let src = json!({"price": "1.00", "candidates": [{"rank": 1, "price": "9.00"}]});
        // Adding fields, also inside a candidate, is fine.
        assert!(locked(
            src.clone(),
            json!({"price": "1.00", "extra": "x",
                   "candidates": [{"rank": 1, "price": "9.00", "quality": "合格"}]})
        )
        .is_empty());
        assert_eq!(
            locked(
                src.clone(),
                json!({"price": "1.00", "candidates": [{"rank": 1, "price": "8.00"}]})
            ),
            vec!["fields.candidates[0].price"]
        );
        // Removing a value or a candidate is changing it too.
        assert_eq!(
            locked(src.clone(), json!({"candidates": []})),
            vec!["fields.candidates", "fields.price"]
        );
    }
}
