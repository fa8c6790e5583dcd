//! Publishing use cases. Each write runs in one transaction with its domain events; the SQL of
//! this area lives in [`crate::store`].

use crate::rules::{
    check_fields, clarification_effect, render_body, AnnouncementType, BodyFormat, DeadlineEffect,
};
use crate::store;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use ggzy_core::error::Violations;
use ggzy_core::events::ActorRef;
use ggzy_core::ident::Market;
use ggzy_core::time::to_micros;
use ggzy_core::{ids, Clock, Error, Result, Timestamp};
use ggzy_events::publishing::{
    AnnouncementApproved, AnnouncementCreated, AnnouncementFields, AnnouncementScheduled,
    AnnouncementSubmitted, AnnouncementWithdrawn,
};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, expect_one, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
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

ggzy_core::text_enum!(Status, Status::parse, Status::as_str);

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

/// A prequalification applications deadline moved by a published change notice (实施条例 第二十一条;
/// as in `publishing.announcement.published`'s `prequalification_postpone`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PrequalPostpone {
    pub section_id: String,
    pub old_applications_due_at: DateTime<Utc>,
    pub new_applications_due_at: DateTime<Utc>,
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
    /// Prequalification applications deadlines this change notice moved when it was published.
    pub prequalification_postpone: Vec<PrequalPostpone>,
    /// The legal periods were checked while a year they reach had no holiday schedule (weekends
    /// only): provisional until the year is imported and they are checked again (issue 16).
    pub periods_provisional: bool,
    #[serde(skip)]
    pub owner_org_id: Option<String>,
}

pub(crate) async fn load(tx: &mut Tx, db: &Db, id: &str, lock: bool) -> Result<Announcement> {
    let r = if lock {
        store::announcements::announcement_for_update(tx, db, id).await?
    } else {
        store::announcements::announcement(&mut **tx, id).await?
    };
    let r = r.ok_or_else(|| Error::not_found(format!("announcement {id}")))?;
    Ok(Announcement::from(r))
}

/// The announcement as its lifecycle events carry it.
pub(crate) fn fields(a: &Announcement) -> AnnouncementFields {
    AnnouncementFields {
        id: a.id.clone(),
        market: a.market.clone(),
        kind: a.ann_type.as_str().to_string(),
        region: a.region.clone(),
        project_id: a.project_id.clone(),
        section_ids: a.section_ids.clone(),
        title: a.title.clone(),
        status: a.status.as_str().to_string(),
        version: a.version,
        original_id: a.original_id.clone(),
        publish_at: a.publish_at,
        published_at: a.published_at,
        withdraw_reason: a.withdraw_reason.clone(),
    }
}

/// A lifecycle step of an announcement that its event only reports (`publishing.announcement.<verb>`,
/// the announcement's fields and nothing else): each is its own contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Created,
    Submitted,
    Approved,
    Scheduled,
    Withdrawn,
}

pub(crate) async fn event(
    tx: &mut Tx,
    db: &Db,
    who: &ActorRef,
    at: Timestamp,
    step: Step,
    a: &Announcement,
) -> Result<()> {
    let (announcement_id, announcement) = (a.id.clone(), fields(a));
    let ev = match step {
        Step::Created => AnnouncementCreated {
            announcement_id,
            announcement,
            source_event: None,
            source_event_type: None,
        }
        .encode(),
        Step::Submitted => AnnouncementSubmitted {
            announcement_id,
            announcement,
        }
        .encode(),
        Step::Approved => AnnouncementApproved {
            announcement_id,
            announcement,
        }
        .encode(),
        Step::Scheduled => AnnouncementScheduled {
            announcement_id,
            announcement,
        }
        .encode(),
        Step::Withdrawn => AnnouncementWithdrawn {
            announcement_id,
            announcement,
        }
        .encode(),
    };
    emit(tx, db, who, at, ev).await?;
    Ok(())
}

pub(crate) async fn write_version(tx: &mut Tx, a: &Announcement, now: i64) -> Result<()> {
    store::announcements::upsert_version(tx, a, now).await
}

pub(crate) fn can_edit(actor: &Actor, a: &Announcement) -> bool {
    matches!(actor.role, Role::Staff | Role::Admin)
        || (a.owner_org_id.is_some() && a.owner_org_id == actor.org_id)
}

#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn create(ctx: &Ctx, actor: &Actor, d: AnnouncementDraft) -> Result<Announcement> {
    actor.require(&[Role::Tenderer, Role::Agency, Role::Staff])?;
    let c = check_draft(&d)?;
    links_projected(ctx, &d).await?;
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
    store::announcements::insert_draft(
        &mut tx,
        store::announcements::NewDraft {
            id: &id,
            market: c.market.as_str(),
            ann_type: c.ann_type,
            region: &region,
            title: &c.title,
            body_md: &d.body,
            body_html: &c.body_html,
            fields: &c.fields,
            original_id: d.original_id.as_deref().filter(|o| !o.is_empty()),
            owner_org_id: actor.org_id.as_deref(),
            created_by: &actor.user_id,
            now: to_micros(now),
            project_id,
            section_ids: &json!(section_ids).to_string(),
            body_format: d.body_format.unwrap_or_default(),
            source: None,
        },
    )
    .await?;
    let a = load(&mut tx, &ctx.db, &id, false).await?;
    write_version(&mut tx, &a, to_micros(now)).await?;
    event(&mut tx, &ctx.db, &actor.actor_ref(), now, Step::Created, &a).await?;
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
    links_projected(ctx, &d).await?;
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
    let n = store::announcements::update_draft(
        &mut tx,
        id,
        store::announcements::DraftEdit {
            market: c.market.as_str(),
            ann_type: c.ann_type,
            title: &c.title,
            body_md: &d.body,
            body_html: &c.body_html,
            fields: &c.fields,
            original_id: d.original_id.as_deref().filter(|o| !o.is_empty()),
            now: to_micros(now),
            project_id,
            section_ids: &json!(section_ids).to_string(),
            body_format: d.body_format.unwrap_or_default(),
        },
    )
    .await?;
    expect_one(n, "announcement.not_draft", "only a draft can be edited")?;
    let a = load(&mut tx, &ctx.db, id, false).await?;
    write_version(&mut tx, &a, to_micros(now)).await?;
    ctx.db.commit_answering(tx, 200, &a, now).await?;
    Ok(a)
}

mod draft;
mod queries;
mod sections;
mod workflow;
use self::draft::*;
pub use self::queries::*;
pub use self::sections::*;
pub use self::workflow::*;

/// The periods of `a` at `at`: its market's (`check_periods`) and, for a deal announcement, those
/// its sections' procedures add (`check_procedure_periods`: a mining-right deal's result publicity;
/// `check_procedure_fields`: an asset transfer's disclosure sets no buyer conditions).
pub(crate) async fn check_all_periods(
    conn: &mut sqlx::AnyConnection,
    db: &Db,
    a: &Announcement,
    market: Market,
    at: DateTime<Utc>,
    v: &mut ggzy_core::error::Violations,
) -> Result<std::collections::BTreeSet<i32>> {
    let property = matches!(
        a.ann_type,
        AnnouncementType::PropertyDisclosure | AnnouncementType::PropertyPredisclosure
    );
    let procedures = if property {
        procedures_of(conn, a).await?
    } else {
        vec![]
    };
    let predisclosed_at = match (&a.project_id, a.ann_type) {
        (Some(project), AnnouncementType::PropertyDisclosure) => {
            store::announcements::first_published_at(
                conn,
                project,
                AnnouncementType::PropertyPredisclosure,
            )
            .await?
        }
        _ => None,
    };
    let mut missing = crate::rules::check_periods_of(
        a.ann_type,
        market,
        crate::rules::Related {
            procedures: &procedures,
            predisclosed_at,
        },
        &a.fields,
        at,
        db.calendar(),
        v,
    );
    if a.ann_type == AnnouncementType::Prequalification {
        for (section_id, round) in prequal_rounds(conn, &a.section_ids).await? {
            crate::rules::check_prequalification_round(&a.fields, &section_id, &round, v);
        }
    }
    if a.ann_type == AnnouncementType::PropertyDisclosure {
        for procedure in &procedures {
            crate::rules::check_procedure_fields(a.ann_type, procedure, &a.fields, v);
        }
        let ends = predisclosure_ends(conn, a.project_id.as_deref()).await?;
        crate::rules::check_predisclosure_done(&a.fields, &ends, at, v);
    }
    if a.ann_type == AnnouncementType::Deal {
        for procedure in procedures_of(conn, a).await? {
            missing.extend(crate::rules::check_procedure_periods(
                a.ann_type,
                &procedure,
                &a.fields,
                at,
                db.calendar(),
                v,
            ));
        }
    }
    Ok(missing)
}

/// The ends (`predisclosure_end_at`) of the published pre-disclosures (产权转让信息预披露) of a
/// project; none without a project.
async fn predisclosure_ends(
    conn: &mut sqlx::AnyConnection,
    project_id: Option<&str>,
) -> Result<Vec<DateTime<Utc>>> {
    let Some(project_id) = project_id else {
        return Ok(vec![]);
    };
    let rows = store::announcements::published_fields(
        conn,
        project_id,
        AnnouncementType::PropertyPredisclosure,
    )
    .await?;
    Ok(rows
        .iter()
        .filter_map(|f| serde_json::from_str::<Value>(f).ok())
        .filter_map(|f| {
            f.get("predisclosure_end_at")
                .and_then(Value::as_str)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.with_timezone(&Utc))
        })
        .collect())
}

/// The open prequalification rounds of `section_ids` as publishing learnt them (sections without
/// an open round are left out).
pub(crate) async fn prequal_rounds(
    conn: &mut sqlx::AnyConnection,
    section_ids: &[String],
) -> Result<Vec<(String, crate::rules::PrequalRound)>> {
    let mut out = Vec::new();
    for id in section_ids {
        let r = store::sections::prequal_round(conn, id).await?;
        if let Some(store::sections::PrequalRoundRow {
            prequal_docs_issue: Some(docs_issue_at),
            prequal_sale_end: Some(docs_sale_end_at),
            prequal_due: Some(applications_due_at),
        }) = r
        {
            out.push((
                id.clone(),
                crate::rules::PrequalRound {
                    docs_issue_at,
                    docs_sale_end_at,
                    applications_due_at,
                },
            ));
        }
    }
    Ok(out)
}

/// The procedures of the sections an announcement concerns (its own, else all its project's), as
/// the publishing area learnt them (`publishing_sections`).
async fn procedures_of(conn: &mut sqlx::AnyConnection, a: &Announcement) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if a.section_ids.is_empty() {
        let Some(project) = &a.project_id else {
            return Ok(out);
        };
        out.extend(store::sections::procedures_of_project(conn, project).await?);
    } else {
        for id in &a.section_ids {
            let p = store::sections::procedure_of_section(conn, id).await?;
            if let Some(Some(p)) = p {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
    }
    Ok(out)
}

/// A holiday schedule was imported (`calendar.schedule.imported`): the legal periods of every
/// announcement checked provisionally are checked again with the live calendar at the time they
/// were checked against (publishing time). Each one gets `publishing.announcement.periods_rechecked`
/// with the outcome (`ok`, the rules now broken, the years still missing); the mark stays only
/// while a year is still missing. A published announcement is never unpublished by this: a period
/// now too short is reported in the event (and so to monitoring) for staff to act on.
pub(crate) async fn recheck_provisional(tx: &mut Tx, db: &Db, now: Timestamp) -> Result<()> {
    ggzy_store::calendar::refresh(db).await?;
    let rows = store::announcements::provisional(tx).await?;
    for r in rows {
        let a = Announcement::from(r);
        let Ok(market) = Market::parse(&a.market) else {
            continue;
        };
        let at = a.published_at.or(a.publish_at).unwrap_or(a.updated_at);
        let mut v = Violations::new();
        let missing = check_all_periods(tx, db, &a, market, at, &mut v).await?;
        if !missing.is_empty() {
            ggzy_store::calendar::note_missing(tx, db, now, &missing, "publishing.legal_periods")
                .await?;
        }
        store::announcements::set_periods_provisional(tx, &a.id, !missing.is_empty()).await?;
        let broken: Vec<ggzy_events::publishing::BrokenPeriod> = match v.into_result() {
            Ok(()) => vec![],
            Err(Error::Validation(es)) => es
                .into_iter()
                .map(|e| ggzy_events::publishing::BrokenPeriod {
                    field: e.field.to_string(),
                    rule: e.rule.to_string(),
                    message: e.message.to_string(),
                })
                .collect(),
            Err(e) => return Err(e),
        };
        emit(
            tx,
            db,
            &ActorRef::system("publishing"),
            now,
            ggzy_events::Contract::encode(&ggzy_events::publishing::AnnouncementPeriodsRechecked {
                id: a.id.clone(),
                kind: a.ann_type.as_str().to_string(),
                status: a.status.as_str().to_string(),
                checked_at: at,
                ok: broken.is_empty(),
                broken,
                provisional: !missing.is_empty(),
                missing_years: missing.iter().copied().collect(),
            }),
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
