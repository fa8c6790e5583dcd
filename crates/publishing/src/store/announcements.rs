//! `announcements` (every announcement in every state, migrations 0008, 0012, 0080, 0100, 0105,
//! 0248) and `announcement_versions` (the text of each version, migration 0008).

use crate::rules::{AnnouncementType, BodyFormat};
use crate::service::{Announcement, Status, MAX_OWN};
use ggzy_core::sql::{At, Flag, MaybeAt};
use ggzy_core::{Result, Timestamp};
use ggzy_store::filter::Filter;
use ggzy_store::{Db, Tx};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// announcements: whole rows.

/// The columns of an announcement as [`AnnouncementRow`] reads them (alias `a`).
const COLS: &str = "a.id, a.market, a.ann_type, a.region, a.title, a.body_md, a.body_html, a.fields, \
    a.original_id, a.status, a.version, a.publish_at, a.published_at, a.withdrawn_at, a.withdraw_reason, \
    a.created_at, a.updated_at, a.owner_org_id, a.project_id, a.section_ids, a.body_format, \
    a.source_event, a.source_fields, a.postpone, a.return_reason, a.periods_provisional, a.prequal_postpone";

/// One row of [`COLS`]. The JSON columns are read leniently (unreadable text reads as null or
/// empty), as they always were.
#[derive(sqlx::FromRow)]
pub(crate) struct AnnouncementRow {
    id: String,
    market: String,
    ann_type: AnnouncementType,
    region: String,
    title: String,
    body_md: String,
    body_html: String,
    fields: String,
    original_id: Option<String>,
    status: Status,
    version: i64,
    #[sqlx(try_from = "MaybeAt")]
    publish_at: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    published_at: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    withdrawn_at: Option<Timestamp>,
    withdraw_reason: Option<String>,
    #[sqlx(try_from = "At")]
    created_at: Timestamp,
    #[sqlx(try_from = "At")]
    updated_at: Timestamp,
    owner_org_id: Option<String>,
    project_id: Option<String>,
    section_ids: String,
    body_format: BodyFormat,
    source_event: Option<String>,
    source_fields: Option<String>,
    postpone: Option<String>,
    prequal_postpone: Option<String>,
    return_reason: Option<String>,
    #[sqlx(try_from = "Flag")]
    periods_provisional: bool,
}

impl From<AnnouncementRow> for Announcement {
    fn from(r: AnnouncementRow) -> Announcement {
        Announcement {
            id: r.id,
            market: r.market,
            ann_type: r.ann_type,
            region: r.region,
            title: r.title,
            body_markdown: r.body_md,
            body_html: r.body_html,
            fields: serde_json::from_str(&r.fields).unwrap_or(Value::Null),
            original_id: r.original_id,
            status: r.status,
            version: r.version,
            publish_at: r.publish_at,
            published_at: r.published_at,
            withdrawn_at: r.withdrawn_at,
            withdraw_reason: r.withdraw_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
            owner_org_id: r.owner_org_id,
            changes: vec![],
            versions: vec![],
            project_id: r.project_id,
            section_ids: serde_json::from_str(&r.section_ids).unwrap_or_default(),
            body_format: r.body_format,
            attachments: vec![],
            source_event: r.source_event,
            source_fields: r.source_fields.and_then(|f| serde_json::from_str(&f).ok()),
            postpone: r
                .postpone
                .and_then(|f| serde_json::from_str(&f).ok())
                .unwrap_or_default(),
            prequalification_postpone: r
                .prequal_postpone
                .and_then(|f| serde_json::from_str(&f).ok())
                .unwrap_or_default(),
            return_reason: r.return_reason,
            periods_provisional: r.periods_provisional,
        }
    }
}

/// One announcement, with any executor (the pool, a connection or a transaction).
pub(crate) async fn announcement<'e, E>(exec: E, id: &str) -> Result<Option<AnnouncementRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as(&format!(
        "SELECT {COLS} FROM announcements a WHERE a.id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?)
}

/// One announcement, its row locked until the transaction ends (PostgreSQL; SQLite's single
/// writer on SQLite).
pub(crate) async fn announcement_for_update(
    tx: &mut Tx,
    db: &Db,
    id: &str,
) -> Result<Option<AnnouncementRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLS} FROM announcements a WHERE a.id = $1{}",
        db.for_update()
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The public list the filter selects: `from` replaces `announcements a` (the search index's
/// join), ordered by `at_col` and `id_col` descending, at most `limit`. A search (`searching`) is
/// sent unprepared: PostgreSQL then plans it with its terms (how frequent each is decides the
/// walk), where a cached generic plan cannot know them (docs/benchmarks.md, "Portal search on
/// PostgreSQL: generic plans").
pub(crate) async fn list_public(
    db: &Db,
    from: &str,
    filter: &Filter,
    (at_col, id_col): (&str, &str),
    limit: i64,
    searching: bool,
) -> Result<Vec<AnnouncementRow>> {
    let sql = format!(
        "SELECT {COLS} FROM {from}{} ORDER BY {at_col} DESC, {id_col} DESC LIMIT {limit}",
        filter.where_clause(),
    );
    let q = filter.bind_as(sqlx::query_as::<_, AnnouncementRow>(&sql).persistent(!searching));
    Ok(q.fetch_all(db.pool()).await?)
}

/// The organization's announcements, most recently changed first; an empty `status`, `ann_type`
/// or `project_id` does not filter.
pub(crate) async fn list_own(
    db: &Db,
    org_id: &str,
    status: &str,
    ann_type: &str,
    project_id: &str,
) -> Result<Vec<AnnouncementRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLS} FROM announcements a WHERE a.owner_org_id = $1 AND ($2 = '' OR a.status = $2) \
         AND ($3 = '' OR a.ann_type = $3) AND ($4 = '' OR a.project_id = $4) \
         ORDER BY a.updated_at DESC, a.id DESC LIMIT {MAX_OWN}"
    ))
    .bind(org_id)
    .bind(status)
    .bind(ann_type)
    .bind(project_id)
    .fetch_all(db.pool())
    .await?)
}

/// The submitted announcements, oldest change first (at most 500).
pub(crate) async fn list_submitted(db: &Db) -> Result<Vec<AnnouncementRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLS} FROM announcements a WHERE a.status = 'submitted' \
         ORDER BY a.updated_at, a.id LIMIT 500"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// The announcements whose legal periods were checked provisionally, by id.
pub(crate) async fn provisional(tx: &mut Tx) -> Result<Vec<AnnouncementRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLS} FROM announcements a WHERE a.periods_provisional = 1 ORDER BY a.id"
    ))
    .fetch_all(&mut **tx)
    .await?)
}

/// How many announcements are submitted and wait for approval.
pub(crate) async fn count_submitted(db: &Db) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM announcements WHERE status = 'submitted'")
            .fetch_one(db.pool())
            .await?,
    )
}

/// How many announcements are published.
pub(crate) async fn count_published(db: &Db) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM announcements WHERE status = 'published'")
            .fetch_one(db.pool())
            .await?,
    )
}

// ---------------------------------------------------------------------------------------------
// announcements: drafts.

/// A new draft (version 1): written by its author, or drafted from an event (`source`).
pub(crate) struct NewDraft<'a> {
    pub(crate) id: &'a str,
    pub(crate) market: &'a str,
    pub(crate) ann_type: AnnouncementType,
    pub(crate) region: &'a str,
    pub(crate) title: &'a str,
    pub(crate) body_md: &'a str,
    pub(crate) body_html: &'a str,
    /// JSON text.
    pub(crate) fields: &'a str,
    pub(crate) original_id: Option<&'a str>,
    pub(crate) owner_org_id: Option<&'a str>,
    pub(crate) created_by: &'a str,
    pub(crate) now: i64,
    pub(crate) project_id: Option<String>,
    /// JSON list.
    pub(crate) section_ids: &'a str,
    pub(crate) body_format: BodyFormat,
    /// The event a drafted announcement comes from; `None` for an author's draft.
    pub(crate) source: Option<DraftSource<'a>>,
}

/// What an announcement is drafted from: the same source drafts nothing twice.
pub(crate) struct DraftSource<'a> {
    /// `event id:announcement type` (unique).
    pub(crate) event: &'a str,
    /// JSON text: the fields taken from the event (locked).
    pub(crate) fields: &'a str,
}

/// Store a new draft (version 1), unless a draft from the same source exists; how many rows were
/// written (an author's draft, which has no source, is always written).
pub(crate) async fn insert_draft(tx: &mut Tx, d: NewDraft<'_>) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO announcements (id, market, ann_type, region, title, body_md, body_html, fields, \
         original_id, status, version, owner_org_id, created_by, created_at, updated_at, project_id, \
         section_ids, body_format, source_event, source_fields) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', 1, $10, $11, $12, $12, $13, $14, $15, \
         $16, $17) ON CONFLICT (source_event) DO NOTHING",
    )
    .bind(d.id)
    .bind(d.market)
    .bind(d.ann_type.as_str())
    .bind(d.region)
    .bind(d.title)
    .bind(d.body_md)
    .bind(d.body_html)
    .bind(d.fields)
    .bind(d.original_id)
    .bind(d.owner_org_id)
    .bind(d.created_by)
    .bind(d.now)
    .bind(d.project_id)
    .bind(d.section_ids)
    .bind(d.body_format.as_str())
    .bind(d.source.as_ref().map(|s| s.event))
    .bind(d.source.as_ref().map(|s| s.fields))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// A draft's new text.
pub(crate) struct DraftEdit<'a> {
    pub(crate) market: &'a str,
    pub(crate) ann_type: AnnouncementType,
    pub(crate) title: &'a str,
    pub(crate) body_md: &'a str,
    pub(crate) body_html: &'a str,
    /// JSON text.
    pub(crate) fields: &'a str,
    pub(crate) original_id: Option<&'a str>,
    pub(crate) now: i64,
    pub(crate) project_id: Option<String>,
    /// JSON list.
    pub(crate) section_ids: &'a str,
    pub(crate) body_format: BodyFormat,
}

/// Replace a draft's text (a new version); how many rows changed (0: no longer a draft).
pub(crate) async fn update_draft(tx: &mut Tx, id: &str, d: DraftEdit<'_>) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE announcements SET market = $1, ann_type = $2, title = $3, body_md = $4, body_html = $5, \
         fields = $6, original_id = $7, version = version + 1, updated_at = $8, project_id = $10, \
         section_ids = $11, body_format = $12 WHERE id = $9 AND status = 'draft'",
    )
    .bind(d.market)
    .bind(d.ann_type.as_str())
    .bind(d.title)
    .bind(d.body_md)
    .bind(d.body_html)
    .bind(d.fields)
    .bind(d.original_id)
    .bind(d.now)
    .bind(id)
    .bind(d.project_id)
    .bind(d.section_ids)
    .bind(d.body_format.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// A change notice's original: its state, project and sections.
#[derive(sqlx::FromRow)]
pub(crate) struct OriginalRow {
    pub(crate) status: Status,
    pub(crate) project_id: Option<String>,
    /// JSON list of section ids (unreadable text reads as none).
    pub(crate) section_ids: String,
}

pub(crate) async fn original(tx: &mut Tx, id: &str) -> Result<Option<OriginalRow>> {
    Ok(
        sqlx::query_as("SELECT status, project_id, section_ids FROM announcements WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// An announcement's type and sections.
#[derive(sqlx::FromRow)]
pub(crate) struct KindRow {
    pub(crate) ann_type: AnnouncementType,
    /// JSON list of section ids (unreadable text reads as none).
    pub(crate) section_ids: String,
}

/// The announcement's type and sections, outside any transaction.
pub(crate) async fn kind(db: &Db, id: &str) -> Result<Option<KindRow>> {
    Ok(
        sqlx::query_as("SELECT ann_type, section_ids FROM announcements WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// The `fields` (JSON text) of the project's published announcements of a type.
pub(crate) async fn published_fields(
    conn: &mut sqlx::AnyConnection,
    project_id: &str,
    ann_type: AnnouncementType,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT fields FROM announcements WHERE project_id = $1 AND ann_type = $2 \
         AND status = 'published'",
    )
    .bind(project_id)
    .bind(ann_type.as_str())
    .fetch_all(&mut *conn)
    .await?)
}

/// When the project's first announcement of `ann_type` was published, if one was.
pub(crate) async fn first_published_at(
    conn: &mut sqlx::AnyConnection,
    project_id: &str,
    ann_type: AnnouncementType,
) -> Result<Option<Timestamp>> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(published_at) FROM announcements WHERE project_id = $1 AND ann_type = $2 \
         AND status = 'published'",
    )
    .bind(project_id)
    .bind(ann_type.as_str())
    .fetch_one(&mut *conn)
    .await?;
    Ok(at.map(ggzy_core::time::from_micros))
}

/// The published or withdrawn change notices of an announcement, in publishing order.
pub(crate) async fn changes(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM announcements WHERE original_id = $1 AND status IN ('published', 'withdrawn') \
         ORDER BY published_at",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// announcements: the workflow's transitions.

/// `from` → `to`; how many rows changed (0: not in `from`).
pub(crate) async fn set_status(
    tx: &mut Tx,
    id: &str,
    from: Status,
    to: Status,
    now: i64,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE announcements SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

pub(crate) async fn clear_return_reason(tx: &mut Tx, id: &str) -> Result<()> {
    sqlx::query("UPDATE announcements SET return_reason = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Whether the legal periods were checked provisionally (a year without a holiday schedule).
pub(crate) async fn set_periods_provisional(
    tx: &mut Tx,
    id: &str,
    provisional: bool,
) -> Result<()> {
    sqlx::query("UPDATE announcements SET periods_provisional = $1 WHERE id = $2")
        .bind(Flag(provisional))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn set_publish_at(tx: &mut Tx, id: &str, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE announcements SET publish_at = $1 WHERE id = $2")
        .bind(At(at))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A scheduled announcement goes out, with the deadlines it moved (JSON text, `None` for none);
/// how many rows changed (0: no longer scheduled).
pub(crate) async fn mark_published(
    tx: &mut Tx,
    id: &str,
    now: Timestamp,
    postpone: Option<String>,
    prequal_postpone: Option<String>,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE announcements SET status = 'published', published_at = $1, updated_at = $1, \
         postpone = $3, prequal_postpone = $4 WHERE id = $2 AND status = 'scheduled'",
    )
    .bind(At(now))
    .bind(id)
    .bind(postpone)
    .bind(prequal_postpone)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// A scheduled announcement goes back to draft; how many rows changed.
pub(crate) async fn unschedule(tx: &mut Tx, id: &str, now: Timestamp) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE announcements SET status = 'draft', updated_at = $1 WHERE id = $2 AND status = 'scheduled'",
    )
    .bind(At(now))
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// A submitted announcement goes back to its owner as a draft, with the reason; how many rows
/// changed.
pub(crate) async fn return_to_owner(
    tx: &mut Tx,
    id: &str,
    reason: &str,
    now: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE announcements SET status = 'draft', return_reason = $1, updated_at = $2 \
         WHERE id = $3 AND status = 'submitted'",
    )
    .bind(reason)
    .bind(At(now))
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// A published announcement is withdrawn with the reason; how many rows changed.
pub(crate) async fn withdraw(tx: &mut Tx, id: &str, reason: &str, now: Timestamp) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE announcements SET status = 'withdrawn', withdrawn_at = $1, withdraw_reason = $2, \
         updated_at = $1 WHERE id = $3 AND status = 'published'",
    )
    .bind(At(now))
    .bind(reason)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// An announcement still in `status` goes back to draft.
pub(crate) async fn back_to_draft(
    tx: &mut Tx,
    id: &str,
    status: Status,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE announcements SET status = 'draft', updated_at = $1 WHERE id = $2 AND status = $3",
    )
    .bind(At(now))
    .bind(id)
    .bind(status.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An announcement's id and state.
#[derive(sqlx::FromRow)]
pub(crate) struct IdStatusRow {
    pub(crate) id: String,
    pub(crate) status: Status,
}

/// The candidate publicity and result announcements naming the section, not withdrawn, oldest
/// first. `section_ids` is a JSON array of ids (no quote in an id): the quoted id matches one
/// element.
pub(crate) async fn results_of_section(tx: &mut Tx, section_id: &str) -> Result<Vec<IdStatusRow>> {
    Ok(sqlx::query_as(
        "SELECT id, status FROM announcements WHERE ann_type IN ('candidate_publicity', 'award') \
         AND section_ids LIKE $1 AND status <> 'withdrawn' ORDER BY created_at",
    )
    .bind(format!("%\"{section_id}\"%"))
    .fetch_all(&mut **tx)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// announcements: auto-drafts the lifecycle rewrites. The JSON text columns are read leniently by
// the callers (unreadable text reads as empty), as always.

/// An auto-draft's text: its fields, the locked source fields and the body.
#[derive(sqlx::FromRow)]
pub(crate) struct DraftTextRow {
    pub(crate) id: String,
    pub(crate) fields: String,
    pub(crate) source_fields: Option<String>,
    pub(crate) body_md: String,
}

/// [`DraftTextRow`] with the sections it concerns (JSON list).
#[derive(sqlx::FromRow)]
pub(crate) struct SectionDraftRow {
    pub(crate) id: String,
    pub(crate) fields: String,
    pub(crate) source_fields: Option<String>,
    pub(crate) body_md: String,
    pub(crate) section_ids: String,
}

/// [`SectionDraftRow`] with its state.
#[derive(sqlx::FromRow)]
pub(crate) struct PublicityDraftRow {
    pub(crate) id: String,
    pub(crate) status: Status,
    pub(crate) fields: String,
    pub(crate) source_fields: Option<String>,
    pub(crate) body_md: String,
    pub(crate) section_ids: String,
}

/// The announcements of a type in draft, submitted or published (`returned` is named as it
/// always was, though a returned announcement is a draft), by id.
pub(crate) async fn unwithdrawn_of_type(
    tx: &mut Tx,
    ann_type: AnnouncementType,
) -> Result<Vec<PublicityDraftRow>> {
    Ok(sqlx::query_as(
        "SELECT id, status, fields, source_fields, body_md, section_ids FROM announcements \
         WHERE ann_type = $1 AND status IN ('draft', 'returned', 'submitted', 'published') ORDER BY id",
    )
    .bind(ann_type.as_str())
    .fetch_all(&mut **tx)
    .await?)
}

/// The auto-drafts of a type still in draft, by id.
pub(crate) async fn open_auto_drafts(
    tx: &mut Tx,
    ann_type: AnnouncementType,
) -> Result<Vec<SectionDraftRow>> {
    Ok(sqlx::query_as(
        "SELECT id, fields, source_fields, body_md, section_ids FROM announcements \
         WHERE ann_type = $1 AND status IN ('draft', 'returned') AND source_event IS NOT NULL \
         ORDER BY id",
    )
    .bind(ann_type.as_str())
    .fetch_all(&mut **tx)
    .await?)
}

/// The auto-draft from `source_event`, while still in draft.
pub(crate) async fn open_draft_of_source(
    tx: &mut Tx,
    source_event: &str,
) -> Result<Option<DraftTextRow>> {
    Ok(sqlx::query_as(
        "SELECT id, fields, source_fields, body_md FROM announcements \
         WHERE source_event = $1 AND status IN ('draft', 'returned')",
    )
    .bind(source_event)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The project's drafts of a type, by id.
pub(crate) async fn open_drafts_of_project(
    tx: &mut Tx,
    ann_type: AnnouncementType,
    project_id: &str,
) -> Result<Vec<SectionDraftRow>> {
    Ok(sqlx::query_as(
        "SELECT id, fields, source_fields, body_md, section_ids FROM announcements \
         WHERE ann_type = $1 AND status IN ('draft', 'returned') AND project_id = $2 ORDER BY id",
    )
    .bind(ann_type.as_str())
    .bind(project_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// A draft's rewritten text: fields and source fields (JSON text), body and its HTML.
pub(crate) async fn set_draft_text(
    tx: &mut Tx,
    id: &str,
    (fields, source_fields): (String, Option<String>),
    (body_md, body_html): (&str, String),
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE announcements SET fields = $1, source_fields = $2, body_md = $3, body_html = $4, \
         updated_at = $5 WHERE id = $6",
    )
    .bind(fields)
    .bind(source_fields)
    .bind(body_md)
    .bind(body_html)
    .bind(At(now))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// announcement_versions.

/// Store (or replace) the announcement's current version.
pub(crate) async fn upsert_version(tx: &mut Tx, a: &Announcement, now: i64) -> Result<()> {
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

/// A row of `announcement_versions`.
#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    pub(crate) version: i64,
    pub(crate) title: String,
    pub(crate) body_html: String,
    /// JSON text (unreadable text reads as null).
    pub(crate) fields: String,
    #[sqlx(try_from = "At")]
    pub(crate) at: Timestamp,
}

/// Every version of the announcement, oldest first.
pub(crate) async fn versions(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Vec<VersionRow>> {
    Ok(sqlx::query_as(
        "SELECT version, title, body_html, fields, at FROM announcement_versions \
         WHERE announcement_id = $1 ORDER BY version",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Bulk seeding (the portal benchmark).

/// A published announcement of the benchmark's data set.
pub(crate) struct SeedRow {
    pub(crate) id: String,
    pub(crate) market: &'static str,
    pub(crate) ann_type: &'static str,
    pub(crate) region: &'static str,
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) body_html: String,
    pub(crate) fields: String,
    pub(crate) at: i64,
}

/// Insert the rows as published announcements (version 1) in two multi-row statements.
pub(crate) async fn insert_seeded(tx: &mut Tx, rows: &[SeedRow]) -> Result<()> {
    let mut sql = String::from(
        "INSERT INTO announcements (id, market, ann_type, region, title, body_md, body_html, fields, \
         status, version, created_by, publish_at, published_at, created_at, updated_at) VALUES ",
    );
    let mut vsql = String::from(
        "INSERT INTO announcement_versions (announcement_id, version, title, body_html, fields, at) VALUES ",
    );
    for (j, _) in rows.iter().enumerate() {
        let b = j * 9;
        if j > 0 {
            sql.push(',');
            vsql.push(',');
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 'published', 1, 'bench', ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6,
            b + 7,
            b + 8,
            b + 9,
            b + 9,
            b + 9,
            b + 9
        ));
        let v = j * 5;
        vsql.push_str(&format!(
            "(${}, 1, ${}, ${}, ${}, ${})",
            v + 1,
            v + 2,
            v + 3,
            v + 4,
            v + 5
        ));
    }
    let mut q = sqlx::query(&sql);
    for r in rows {
        q = q
            .bind(&r.id)
            .bind(r.market)
            .bind(r.ann_type)
            .bind(r.region)
            .bind(&r.title)
            .bind(&r.body)
            .bind(&r.body_html)
            .bind(&r.fields)
            .bind(r.at);
    }
    q.execute(&mut **tx).await?;
    let mut q = sqlx::query(&vsql);
    for r in rows {
        q = q
            .bind(&r.id)
            .bind(&r.title)
            .bind(&r.body_html)
            .bind(&r.fields)
            .bind(r.at);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}
