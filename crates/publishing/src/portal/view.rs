//! View models of the public announcement page: an announcement of any of the ten types turned into
//! what a reader reads — labelled facts in the reader's language, amounts as money (元, thousands
//! separators), instants in Beijing time with a valid `<time datetime>`, parties by name, the
//! candidates and bids as tables — never raw JSON, internal ids or untranslated keys.
//!
//! The pure part ([`facts`], [`money`], [`Shown`]) is unit-tested; [`announcement`] is the one
//! call a page makes: it reads the announcement through the publishing service, the linked change
//! notices and original, and the names of organizations from this area's own copy
//! (`publishing_orgs`, kept from `identity.organization.registered`).

use super::type_label;
use crate::rules::AnnouncementType;
use crate::service::{self, Announcement};
use chrono::{DateTime, Utc};
use ggzy_core::money::Money;
use ggzy_core::Result;
use ggzy_store::Ctx;
use ggzy_web::lang::{url_encode, Lang};
use serde_json::Value;
use std::collections::HashMap;

/// One value as shown: its text, and for an instant the machine-readable `datetime`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    pub text: String,
    /// `<time datetime>` value (Beijing offset, whole seconds) when the value is an instant.
    pub datetime: Option<String>,
    /// An amount: right-aligned in tables.
    pub money: bool,
}

impl Shown {
    pub fn text(s: impl Into<String>) -> Shown {
        Shown {
            text: s.into(),
            ..Shown::default()
        }
    }
    pub fn time(t: DateTime<Utc>) -> Shown {
        Shown {
            text: when(t),
            datetime: Some(datetime_attr(t)),
            money: false,
        }
    }
    pub fn money(m: Money) -> Shown {
        Shown {
            text: money(m),
            datetime: None,
            money: true,
        }
    }
}

/// Beijing time for people, to the minute: `2026-03-22 09:00` (the frame's format).
pub fn when(t: DateTime<Utc>) -> String {
    ggzy_web::fmt::beijing_time(&t)
}

/// A valid HTML `datetime` value: Beijing offset, whole seconds (the frame's format).
pub fn datetime_attr(t: DateTime<Utc>) -> String {
    ggzy_web::fmt::datetime_attr(&t)
}

/// An amount in yuan with thousands separators: `9,876,543.21 元` (the frame's format).
pub fn money(m: Money) -> String {
    ggzy_web::fmt::money(&m)
}

fn parse_instant(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn parse_money(v: &Value) -> Option<Money> {
    match v {
        Value::String(s) => Money::parse_str(s.trim()).ok(),
        Value::Number(n) => Money::parse_str(&n.to_string()).ok(),
        _ => None,
    }
}

/// Does this text look like an internal identifier (a UUID)?
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

mod fields;
pub use self::fields::*;

/// A link to another announcement.
#[derive(Debug, Clone)]
pub struct AnnLink {
    pub id: String,
    pub title: String,
    pub published: Option<Shown>,
    /// For a change notice: what it changes.
    pub summary: Option<String>,
    /// For a change notice: the deadline it set.
    pub new_deadline: Option<Shown>,
}

/// The deadline a tender page states now: the original, or the latest one a published change
/// notice moved it to.
#[derive(Debug, Clone)]
pub struct Deadline {
    pub current: Shown,
    /// The announced deadline, when a change notice moved it.
    pub original: Option<Shown>,
    /// The change notice that set the current deadline.
    pub changed_by: Option<AnnLink>,
}

/// The current deadline of `a` given its published change notices (oldest first): the latest
/// notice that moved it wins — its `postpone[].new_deadline`, else its own `new_bid_deadline`.
pub fn current_deadline(a: &Announcement, changes: &[(Announcement, AnnLink)]) -> Option<Deadline> {
    let original = parse_instant(&a.fields["bid_deadline"]);
    let moved = changes
        .iter()
        .filter(|(c, _)| c.withdrawn_at.is_none())
        .filter_map(|(c, link)| {
            let to = c
                .postpone
                .iter()
                .map(|p| p.new_deadline)
                .max()
                .or_else(|| parse_instant(&c.fields["new_bid_deadline"]))?;
            Some((c.published_at, to, link))
        })
        .max_by_key(|(published, _, _)| *published);
    match (original, moved) {
        (_, Some((_, to, link))) => Some(Deadline {
            current: Shown::time(to),
            original: original.filter(|o| *o != to).map(Shown::time),
            changed_by: Some(link.clone()),
        }),
        (Some(o), None) => Some(Deadline {
            current: Shown::time(o),
            original: None,
            changed_by: None,
        }),
        (None, None) => None,
    }
}

/// An attachment as listed: name, link to the public download, size and SHA-256.
#[derive(Debug, Clone)]
pub struct AttachmentView {
    pub name: String,
    pub href: String,
    pub size: String,
    pub sha256: String,
}

/// One row of the version history.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub version: i64,
    pub at: Shown,
    pub title: String,
}

/// Everything the announcement page shows.
#[derive(Debug, Clone)]
pub struct Detail {
    pub id: String,
    pub title: String,
    pub ann_type: AnnouncementType,
    pub type_label: &'static str,
    pub market: String,
    pub market_label: &'static str,
    pub region: String,
    pub published: Option<Shown>,
    pub version: i64,
    pub withdrawn: Option<(Shown, String)>,
    /// For a change notice: the announcement it amends.
    pub amends: Option<AnnLink>,
    /// For a tender (or pre-qualification) announcement: its deadline now.
    pub deadline: Option<Deadline>,
    /// Sanitized HTML of the body (ammonia, at writing), headings demoted below the page's.
    pub body_html: String,
    pub facts: Vec<Fact>,
    pub tables: Vec<Table>,
    pub attachments: Vec<AttachmentView>,
    pub changes: Vec<AnnLink>,
    pub versions: Vec<VersionRow>,
}

/// Names of organizations from this area's copy.
async fn names(ctx: &Ctx, ids: &[String]) -> Result<Names> {
    let mut out = Names::new();
    for id in ids {
        let r = crate::store::sections::org_name(ctx.db.pool(), id).await?;
        if let Some(n) = r {
            if !n.trim().is_empty() {
                out.insert(id.clone(), n);
            }
        }
    }
    Ok(out)
}

fn link(a: &Announcement) -> AnnLink {
    AnnLink {
        id: a.id.clone(),
        title: a.title.clone(),
        published: a.published_at.map(Shown::time),
        summary: a.fields["change_summary"]
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        new_deadline: a
            .postpone
            .iter()
            .map(|p| p.new_deadline)
            .max()
            .or_else(|| parse_instant(&a.fields["new_bid_deadline"]))
            .map(Shown::time),
    }
}

/// The body sits under the page's `<h1>` and the section's `<h2>`: its own `h1`/`h2` become `h3`
/// so the heading outline stays in order (WCAG 1.3.1).
pub fn demote_headings(html: &str) -> String {
    html.replace("<h1", "<h3")
        .replace("</h1>", "</h3>")
        .replace("<h2", "<h3")
        .replace("</h2>", "</h3>")
}

fn size_text(bytes: i64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// The announcement page's data, in one call: the public announcement (drafts are 404), the
/// announcement it amends, its change notices, and the organization names its fields refer to.
pub async fn announcement(ctx: &Ctx, id: &str, l: Lang) -> Result<Detail> {
    let a = service::get(ctx, None, id).await?;
    detail_of(ctx, a, l).await
}

/// The announcement page's data for a signed-in reader who may see it before it is public (its
/// owner, staff): the staff's approval queue previews a submitted announcement exactly as the
/// portal will show it. Returns the announcement too (state, return reason).
pub async fn preview(
    ctx: &Ctx,
    actor: &ggzy_identity::Actor,
    id: &str,
    l: Lang,
) -> Result<(Announcement, Detail)> {
    let a = service::get(ctx, Some(actor), id).await?;
    let d = detail_of(ctx, a.clone(), l).await?;
    Ok((a, d))
}

async fn detail_of(ctx: &Ctx, a: Announcement, l: Lang) -> Result<Detail> {
    let amends = match &a.original_id {
        Some(o) => service::get(ctx, None, o).await.ok().map(|x| link(&x)),
        None => None,
    };
    let mut changes = Vec::new();
    for c in &a.changes {
        if let Ok(x) = service::get(ctx, None, c).await {
            let l = link(&x);
            changes.push((x, l));
        }
    }
    let names = names(ctx, &org_ids(&a.fields)).await?;
    let deadline = matches!(
        a.ann_type,
        AnnouncementType::Tender | AnnouncementType::Prequalification
    )
    .then(|| current_deadline(&a, &changes))
    .flatten();
    Ok(Detail {
        id: a.id.clone(),
        title: a.title.clone(),
        ann_type: a.ann_type,
        type_label: type_label(a.ann_type, l),
        market: a.market.clone(),
        market_label: super::market_label(&a.market, l),
        region: a.region.clone(),
        published: a.published_at.map(Shown::time),
        version: a.version,
        withdrawn: a.withdrawn_at.map(|t| {
            (
                Shown::time(t),
                a.withdraw_reason.clone().unwrap_or_default(),
            )
        }),
        amends,
        deadline,
        body_html: demote_headings(&a.body_html),
        facts: facts(&a.fields, &names, l),
        tables: tables(&a.fields, &names, l),
        attachments: a
            .attachments
            .iter()
            .map(|at| AttachmentView {
                name: at.name.clone(),
                href: format!(
                    "/api/v1/announcements/{}/attachments/{}",
                    url_encode(&a.id),
                    url_encode(&at.id)
                ),
                size: size_text(at.size),
                sha256: at.sha256.clone(),
            })
            .collect(),
        changes: changes.into_iter().map(|(_, l)| l).collect(),
        versions: a
            .versions
            .iter()
            .map(|v| VersionRow {
                version: v.version,
                at: Shown::time(v.at),
                title: v.title.clone(),
            })
            .collect(),
    })
}

/// The reader's label of a structured field, when the catalogue knows it (the tenderer's
/// announcement form labels its inputs with it).
pub fn field_label(key: &str, l: Lang) -> Option<&'static str> {
    FIELDS
        .iter()
        .find(|d| d.key == key)
        .map(|d| l.t(d.zh, d.en))
}

/// An announcement in any state rendered as the portal renders a published one (the owner's
/// preview of a draft): the same facts, tables, body and versions; no change notices yet.
pub async fn preview_draft(ctx: &Ctx, a: &Announcement, l: Lang) -> Result<Detail> {
    let names = names(ctx, &org_ids(&a.fields)).await?;
    Ok(Detail {
        id: a.id.clone(),
        title: a.title.clone(),
        ann_type: a.ann_type,
        type_label: type_label(a.ann_type, l),
        market: a.market.clone(),
        market_label: super::market_label(&a.market, l),
        region: a.region.clone(),
        published: a.published_at.map(Shown::time),
        version: a.version,
        withdrawn: a.withdrawn_at.map(|t| {
            (
                Shown::time(t),
                a.withdraw_reason.clone().unwrap_or_default(),
            )
        }),
        amends: None,
        deadline: None,
        body_html: demote_headings(&a.body_html),
        facts: facts(&a.fields, &names, l),
        tables: tables(&a.fields, &names, l),
        attachments: Vec::new(),
        changes: Vec::new(),
        versions: a
            .versions
            .iter()
            .map(|v| VersionRow {
                version: v.version,
                at: Shown::time(v.at),
                title: v.title.clone(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests;
