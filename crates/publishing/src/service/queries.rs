//! Reading announcements: one with its history, the public list (cursor-paged) and the owner's own.

use super::*;
use ggzy_store::filter::{Filter, Value as Bound};

/// One announcement with its version history and change notices. Anonymous callers see only
/// published and withdrawn ones; the owner and staff see every state.
pub async fn get(ctx: &Ctx, actor: Option<&Actor>, id: &str) -> Result<Announcement> {
    let mut conn = ctx.db.pool().acquire().await?;
    let r = store::announcements::announcement(&mut *conn, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("announcement {id}")))?;
    let mut a = Announcement::from(r);
    let allowed = a.status.is_public()
        || actor.is_some_and(|x| can_edit(x, &a) || matches!(x.role, Role::Supervisor));
    if !allowed {
        return Err(Error::not_found(format!("announcement {id}")));
    }
    let vs = store::announcements::versions(&mut conn, id).await?;
    for v in vs {
        a.versions.push(Version {
            version: v.version,
            title: v.title,
            body_html: v.body_html,
            fields: serde_json::from_str(&v.fields).unwrap_or(Value::Null),
            at: v.at,
        });
    }
    let cs = store::announcements::changes(&mut conn, id).await?;
    a.changes.extend(cs);
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

pub(super) fn encode_cursor(published_at: i64, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{published_at}|{id}"))
}

pub(super) fn decode_cursor(c: &str) -> Result<(i64, String)> {
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
    let mut filter = Filter::all();
    filter.eq("a.status", &status);
    if let Some(m) = &f.market {
        filter.eq("a.market", m);
    }
    if let Some(t) = &f.ann_type {
        filter.eq("a.ann_type", t);
    }
    if let Some(r) = &f.region {
        filter.eq("a.region", r);
    }
    if let Some(t) = f.from {
        filter.and("a.published_at >= ?", [to_micros(t)]);
    }
    if let Some(t) = f.to {
        filter.and("a.published_at < ?", [to_micros(t)]);
    }
    let mut from = "announcements a".to_string();
    // The search index walks its own copy of the key (same values, see store::search).
    let (mut at_col, mut id_col) = ("a.published_at", "a.id");
    let searching = f.q.as_deref().is_some_and(|q| !q.trim().is_empty());
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let search = store::search(&ctx.db, q, &status, filter.next_placeholder()).await?;
        filter.and_numbered(
            search.condition,
            search.values.into_iter().map(Bound::Text).collect(),
        );
        from = search.from;
        (at_col, id_col) = (search.published_at, search.id);
    }
    if let Some(c) = &f.cursor {
        let (t, id) = decode_cursor(c)?;
        filter.and(
            &format!("({at_col} < ? OR ({at_col} = ? AND {id_col} < ?))"),
            [Bound::Int(t), Bound::Int(t), Bound::Text(id)],
        );
    }
    // A search is sent unprepared (store::announcements::list_public).
    let rows = store::announcements::list_public(
        &ctx.db,
        &from,
        &filter,
        (at_col, id_col),
        limit + 1,
        searching,
    )
    .await?;
    let mut items: Vec<Announcement> = rows.into_iter().map(Announcement::from).collect();
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
    let rows = store::announcements::list_own(
        &ctx.db,
        &org,
        status,
        ann_type,
        f.project_id.as_deref().map(str::trim).unwrap_or(""),
    )
    .await?;
    Ok(rows.into_iter().map(Announcement::from).collect())
}
