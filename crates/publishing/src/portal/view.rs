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
use sqlx::Row;
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

/// How a structured field is shown.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Money,
    Instant,
    Bool,
    Count,
    /// A coded value translated by the function (the code itself is never shown).
    Code(fn(&str, Lang) -> Option<&'static str>),
    /// An organization's id: shown as its name, only when no name field says it already.
    Org,
    /// Internal: never shown (ids, flags for the workflow).
    Hidden,
}

struct FieldDef {
    key: &'static str,
    zh: &'static str,
    en: &'static str,
    kind: Kind,
}

const fn f(key: &'static str, zh: &'static str, en: &'static str, kind: Kind) -> FieldDef {
    FieldDef { key, zh, en, kind }
}

fn procedure(code: &str, l: Lang) -> Option<&'static str> {
    Some(match code {
        "open_tender" => l.t("公开招标", "Open tender"),
        "invited_tender" => l.t("邀请招标", "Invited tender"),
        "listing" => l.t("挂牌/拍卖", "Listing / auction"),
        "prequalified_tender" => l.t("公开招标（资格预审）", "Open tender with prequalification"),
        _ => return None,
    })
}

fn via(code: &str, l: Lang) -> Option<&'static str> {
    Some(match code {
        "auction" => l.t("网络竞价", "Online auction"),
        "listing" => l.t("挂牌", "Listing"),
        _ => return None,
    })
}

fn failure_kind(code: &str, l: Lang) -> Option<&'static str> {
    Some(match code {
        "failed" => l.t("流标（流拍）", "Failed"),
        "terminated" => l.t("终止", "Terminated"),
        _ => return None,
    })
}

/// Reasons the platform writes as codes; a reason typed by a person is shown as written.
fn reason(code: &str, l: Lang) -> Option<&'static str> {
    Some(match code {
        "too_few_bids" => l.t(
            "投标人少于法定最低数量",
            "Fewer bids than the legal minimum",
        ),
        "too_few_qualified" => l.t(
            "通过资格审查或符合性审查的供应商不足三家（废标）",
            "Fewer than three qualified or compliant suppliers (procurement failed)",
        ),
        "no_quote" => l.t("挂牌期限内无人报价", "No valid quote during the listing"),
        "reserve_not_met" => l.t(
            "最高报价低于保留价",
            "Highest quote below the reserve price",
        ),
        _ => return None,
    })
}

fn decryption(code: &str, l: Lang) -> Option<&'static str> {
    Some(match code {
        "decrypted" => l.t("已解密", "Decrypted"),
        "not_decrypted" | "revoked" => l.t("未解密（撤销）", "Not decrypted (revoked)"),
        "sealed" => l.t("未解密", "Sealed"),
        _ => return None,
    })
}

fn deposit(code: &str, l: Lang) -> Option<&'static str> {
    Some(match code {
        "valid" => l.t("有效", "Valid"),
        "missing" => l.t("未缴纳", "Not paid"),
        "invalid" => l.t("无效", "Invalid"),
        "unknown" => l.t("未确认", "Not confirmed"),
        _ => return None,
    })
}

fn trading_method(code: &str, l: Lang) -> Option<&'static str> {
    Some(match code {
        "listing" => l.t("挂牌", "Listing"),
        "auction" => l.t("拍卖", "Auction"),
        "online_auction" => l.t("网络竞价", "Online auction"),
        "tender" => l.t("招标", "Tender"),
        _ => return None,
    })
}

/// Every structured field the platform knows, in the order a reader expects them; a field not in
/// this catalogue is not shown on the page (it stays in the JSON API): an untranslated key is no
/// label for a reader.
const FIELDS: &[FieldDef] = &[
    f("project_name", "项目名称", "Project", Kind::Text),
    f("project_code", "项目编号", "Project code", Kind::Text),
    f("subject", "交易标的", "Subject", Kind::Text),
    f("parcel", "宗地", "Parcel", Kind::Text),
    f("transferor", "出让人（转让方）", "Transferor", Kind::Text),
    f("procedure", "交易方式", "Procedure", Kind::Code(procedure)),
    f(
        "trading_method",
        "交易方式",
        "Trading method",
        Kind::Code(trading_method),
    ),
    f("scope", "招标范围", "Scope", Kind::Text),
    f("scale", "建设规模", "Scale", Kind::Text),
    f("funding", "资金来源", "Funding", Kind::Text),
    f("estimated_price", "估算价", "Estimated price", Kind::Money),
    f("budget", "预算金额", "Budget", Kind::Money),
    f(
        "qualification_requirements",
        "资格要求",
        "Qualification requirements",
        Kind::Text,
    ),
    f(
        "bidder_qualification",
        "竞买人资格",
        "Who may bid",
        Kind::Text,
    ),
    f(
        "buyer_qualification",
        "受让方资格条件",
        "Buyer qualification",
        Kind::Text,
    ),
    f("approval", "批准情况", "Approval", Kind::Text),
    f(
        "consortium_accepted",
        "是否接受联合体",
        "Consortium accepted",
        Kind::Bool,
    ),
    f(
        "documents_access",
        "文件获取方式",
        "Obtaining the documents",
        Kind::Text,
    ),
    f(
        "docs_available_at",
        "文件获取开始时间",
        "Documents available from",
        Kind::Instant,
    ),
    f(
        "announcement_end_at",
        "公告期限届满",
        "Announcement period ends",
        Kind::Instant,
    ),
    f(
        "bid_deadline",
        "投标截止时间",
        "Bid deadline",
        Kind::Instant,
    ),
    f("opening_at", "开标时间", "Opening time", Kind::Instant),
    f(
        "submission_method",
        "递交方式",
        "Submission method",
        Kind::Text,
    ),
    f("start_price", "起始价", "Starting price", Kind::Money),
    f("floor_price", "转让底价", "Floor price", Kind::Money),
    f("deposit", "保证金", "Deposit", Kind::Money),
    f(
        "trading_start_at",
        "交易开始时间",
        "Trading starts",
        Kind::Instant,
    ),
    f(
        "disclosure_end_at",
        "披露截止时间",
        "Disclosure ends",
        Kind::Instant,
    ),
    f("change_summary", "变更内容", "What changes", Kind::Text),
    f(
        "new_bid_deadline",
        "新的投标截止时间",
        "New bid deadline",
        Kind::Instant,
    ),
    f("opened_at", "开标时间", "Opened at", Kind::Instant),
    f(
        "publicity_start_at",
        "公示开始",
        "Publicity starts",
        Kind::Instant,
    ),
    f(
        "publicity_end_at",
        "公示结束",
        "Publicity ends",
        Kind::Instant,
    ),
    f(
        "evaluation_summary",
        "评标情况",
        "Evaluation summary",
        Kind::Text,
    ),
    f("objection_method", "异议方式", "How to object", Kind::Text),
    f("winner", "中标（成交）人", "Winner", Kind::Text),
    f("winner_org_id", "中标（成交）人", "Winner", Kind::Org),
    f("winner_number", "竞买号", "Bidder number", Kind::Text),
    f("price", "中标（成交）价", "Price", Kind::Money),
    f("highest_price", "最高报价", "Highest quote", Kind::Money),
    f("via", "成交方式", "Sold by", Kind::Code(via)),
    f("awarded_at", "确定时间", "Awarded at", Kind::Instant),
    f("deal_at", "成交时间", "Deal concluded at", Kind::Instant),
    f("kind", "类别", "Kind", Kind::Code(failure_kind)),
    f("reason", "原因", "Reason", Kind::Code(reason)),
    f("bid_count", "投标人数", "Number of bids", Kind::Count),
    f("failed_at", "时间", "Time", Kind::Instant),
    f("basis", "依据", "Legal basis", Kind::Text),
    f(
        "tenderer_contact",
        "招标人（出让人）联系方式",
        "Contact",
        Kind::Text,
    ),
    f("platform_url", "发布平台", "Platform", Kind::Text),
    f("deal_id", "", "", Kind::Hidden),
    f("refuse_if_short", "", "", Kind::Hidden),
    f("attachments", "", "", Kind::Hidden),
];

/// A labelled fact of the announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub label: &'static str,
    pub value: Shown,
}

/// A table of the announcement (candidates, bids).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub id: &'static str,
    pub caption: &'static str,
    pub columns: Vec<&'static str>,
    /// Which columns hold amounts (right-aligned).
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<Shown>>,
}

/// Organization names by id (this area's copy of organizations).
pub type Names = HashMap<String, String>;

/// A text value fit for a reader: trimmed, and never an internal id.
fn text_of(v: &Value, l: Lang) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => (if *b {
            l.t("是", "Yes")
        } else {
            l.t("否", "No")
        })
        .to_string(),
        _ => return None,
    };
    (!s.is_empty() && !is_uuid(&s)).then_some(s)
}

/// A text value; an instant written in one is shown in Beijing time (people type RFC 3339 into
/// free fields too).
fn text_or_time(v: &Value, l: Lang) -> Option<Shown> {
    if let Some(t) = parse_instant(v) {
        return Some(Shown::time(t));
    }
    text_of(v, l).map(Shown::text)
}

fn shown(kind: Kind, v: &Value, names: &Names, l: Lang) -> Option<Shown> {
    match kind {
        Kind::Hidden => None,
        Kind::Text => text_or_time(v, l),
        Kind::Money => parse_money(v)
            .map(Shown::money)
            .or_else(|| text_of(v, l).map(Shown::text)),
        Kind::Instant => parse_instant(v)
            .map(Shown::time)
            .or_else(|| text_of(v, l).map(Shown::text)),
        Kind::Bool => match v {
            Value::Bool(b) => Some(Shown::text(if *b {
                l.t("是", "Yes")
            } else {
                l.t("否", "No")
            })),
            other => text_of(other, l).map(Shown::text),
        },
        Kind::Count => match v {
            Value::Number(n) => Some(Shown::text(n.to_string())),
            other => text_of(other, l).map(Shown::text),
        },
        Kind::Code(tr) => {
            let s = v.as_str()?.trim();
            tr(s, l)
                .map(Shown::text)
                .or_else(|| text_of(v, l).filter(|t| !is_code(t)).map(Shown::text))
        }
        Kind::Org => v
            .as_str()
            .and_then(|id| names.get(id))
            .map(|n| Shown::text(n.clone())),
    }
}

/// A machine code (`snake_case` ASCII) rather than words: not shown untranslated.
fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.contains('_')
}

/// The labelled facts of `fields`, in catalogue order: known keys only, internal ids and empty
/// values left out, the winner's id only when no winner name is given.
pub fn facts(fields: &Value, names: &Names, l: Lang) -> Vec<Fact> {
    let Some(obj) = fields.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in FIELDS {
        let Some(v) = obj.get(d.key) else { continue };
        if matches!(d.kind, Kind::Org) && obj.get("winner").and_then(|w| text_of(w, l)).is_some() {
            continue;
        }
        if let Some(value) = shown(d.kind, v, names, l) {
            out.push(Fact {
                label: l.t(d.zh, d.en),
                value,
            });
        }
    }
    out
}

struct Column {
    keys: &'static [&'static str],
    zh: &'static str,
    en: &'static str,
    kind: Kind,
}

const fn col(
    keys: &'static [&'static str],
    zh: &'static str,
    en: &'static str,
    kind: Kind,
) -> Column {
    Column { keys, zh, en, kind }
}

/// Columns of the bids of an opening record (开标记录): names, prices and the items the opening
/// reads out.
const BID_COLUMNS: &[Column] = &[
    col(
        &["org_name", "name", "org_id"],
        "投标人",
        "Bidder",
        Kind::Text,
    ),
    col(
        &["uscc"],
        "统一社会信用代码",
        "Unified social credit code",
        Kind::Text,
    ),
    col(&["price"], "投标报价", "Bid price", Kind::Money),
    col(
        &["decryption"],
        "解密情况",
        "Decryption",
        Kind::Code(decryption),
    ),
    col(&["deposit"], "保证金", "Deposit", Kind::Code(deposit)),
    col(&["duration"], "工期", "Duration", Kind::Text),
    col(&["quality"], "质量", "Quality", Kind::Text),
];

/// Columns of the candidates of a candidate publicity (10号令 第6条).
const CANDIDATE_COLUMNS: &[Column] = &[
    col(&["rank"], "排名", "Rank", Kind::Count),
    col(
        &["name", "org_name", "org_id"],
        "中标候选人",
        "Candidate",
        Kind::Text,
    ),
    col(&["price"], "投标报价", "Bid price", Kind::Money),
    col(&["quality"], "质量", "Quality", Kind::Text),
    col(&["duration"], "工期（交货期）", "Duration", Kind::Text),
    col(
        &["project_manager"],
        "项目负责人",
        "Project manager",
        Kind::Text,
    ),
    col(
        &["certificate_no"],
        "证书编号",
        "Certificate no.",
        Kind::Text,
    ),
    col(
        &["qualification_response"],
        "资格响应情况",
        "Qualification response",
        Kind::Text,
    ),
];

/// One cell: the first key with a value; an organization id (`org_id`) becomes its name.
fn cell(row: &Value, c: &Column, names: &Names, l: Lang) -> Option<Shown> {
    c.keys.iter().find_map(|k| {
        let v = row.get(*k)?;
        if k.ends_with("org_id") {
            return shown(Kind::Org, v, names, l);
        }
        shown(c.kind, v, names, l)
    })
}

fn table(
    id: &'static str,
    caption: &'static str,
    rows: &[Value],
    cols: &[Column],
    names: &Names,
    l: Lang,
    numbered: bool,
) -> Table {
    let cells: Vec<Vec<Option<Shown>>> = rows
        .iter()
        .map(|r| cols.iter().map(|c| cell(r, c, names, l)).collect())
        .collect();
    // A column nobody filled in is left out.
    let used: Vec<bool> = (0..cols.len())
        .map(|i| cells.iter().any(|r| r[i].is_some()))
        .collect();
    let mut t = Table {
        id,
        caption,
        ..Table::default()
    };
    if numbered {
        t.columns.push(l.t("序号", "No."));
        t.numeric.push(false);
    }
    for (c, u) in cols.iter().zip(&used) {
        if *u {
            t.columns.push(l.t(c.zh, c.en));
            t.numeric.push(matches!(c.kind, Kind::Money));
        }
    }
    for (n, r) in cells.into_iter().enumerate() {
        let mut row = Vec::new();
        if numbered {
            row.push(Shown::text((n + 1).to_string()));
        }
        for (v, u) in r.into_iter().zip(&used) {
            if *u {
                row.push(v.unwrap_or_else(|| Shown::text("—")));
            }
        }
        t.rows.push(row);
    }
    t
}

/// The tables of an announcement: its candidates and its bids.
pub fn tables(fields: &Value, names: &Names, l: Lang) -> Vec<Table> {
    let mut out = Vec::new();
    if let Some(cs) = fields.get("candidates").and_then(Value::as_array) {
        let mut cs = cs.clone();
        cs.sort_by_key(|c| c.get("rank").and_then(Value::as_i64).unwrap_or(i64::MAX));
        out.push(table(
            "candidates",
            l.t("中标候选人", "Winning candidates"),
            &cs,
            CANDIDATE_COLUMNS,
            names,
            l,
            false,
        ));
    }
    if let Some(bs) = fields.get("bids").and_then(Value::as_array) {
        out.push(table(
            "bids",
            l.t("投标文件开启情况", "Bids opened"),
            bs,
            BID_COLUMNS,
            names,
            l,
            true,
        ));
    }
    out
}

/// Every organization id the fields mention (to look their names up).
pub fn org_ids(fields: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    let mut push = |v: &Value| {
        if let Some(s) = v.as_str() {
            ids.push(s.to_string());
        }
    };
    push(&fields["winner_org_id"]);
    for list in ["candidates", "bids"] {
        for r in fields[list].as_array().into_iter().flatten() {
            push(&r["org_id"]);
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

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
        let r = sqlx::query("SELECT name FROM publishing_orgs WHERE org_id = $1")
            .bind(id)
            .fetch_optional(ctx.db.pool())
            .await?;
        if let Some(r) = r {
            let n: String = r.try_get(0)?;
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
mod tests {
    use super::*;
    use serde_json::json;

    fn m(s: &str) -> Money {
        Money::parse_str(s).expect("money")
    }

    #[test]
    fn money_has_thousands_separators_two_places_and_the_yuan_sign() {
        assert_eq!(money(m("9876543.21")), "9,876,543.21 元");
        assert_eq!(money(m("1000000")), "1,000,000.00 元");
        assert_eq!(money(m("999.5")), "999.50 元");
        assert_eq!(money(m("0")), "0.00 元");
        assert_eq!(money(m("100000")), "100,000.00 元");
    }

    #[test]
    fn datetime_attributes_are_beijing_time_without_fractions() {
        let t = DateTime::parse_from_rfc3339("2026-12-05T00:25:00.123456789+00:00")
            .expect("t")
            .with_timezone(&Utc);
        assert_eq!(datetime_attr(t), "2026-12-05T08:25:00+08:00");
        assert_eq!(when(t), "2026-12-05 08:25");
    }

    #[test]
    fn uuids_are_recognised() {
        assert!(is_uuid("0192f1c2-7d3e-7a10-9b2c-1234567890ab"));
        assert!(!is_uuid("91210200MA0000001X"));
        assert!(!is_uuid("甲建设有限公司"));
    }

    #[test]
    fn facts_translate_keys_format_money_and_time_and_leave_out_ids_and_unknown_keys() {
        let names: Names = [("o1".to_string(), "甲建设有限公司".to_string())].into();
        let fields = json!({
            "project_name": "某道路改造工程",
            "price": "9876543.21",
            "awarded_at": "2026-04-10T01:00:00Z",
            "winner_org_id": "o1",
            "deal_id": "0192f1c2-7d3e-7a10-9b2c-1234567890ab",
            "procedure": "open_tender",
            "mystery_key": "x",
            "consortium_accepted": false,
        });
        let zh = facts(&fields, &names, Lang::Zh);
        let pairs: Vec<(&str, &str)> = zh
            .iter()
            .map(|f| (f.label, f.value.text.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("项目名称", "某道路改造工程"),
                ("交易方式", "公开招标"),
                ("是否接受联合体", "否"),
                ("中标（成交）人", "甲建设有限公司"),
                ("中标（成交）价", "9,876,543.21 元"),
                ("确定时间", "2026-04-10 09:00"),
            ]
        );
        let time = zh.iter().find(|f| f.label == "确定时间").expect("time");
        assert_eq!(
            time.value.datetime.as_deref(),
            Some("2026-04-10T09:00:00+08:00")
        );
        // An unknown organization id is not shown at all.
        let none = facts(&json!({"winner_org_id": "o9"}), &Names::new(), Lang::En);
        assert!(none.is_empty());
        // A winner name wins over the id.
        let named = facts(
            &json!({"winner": "乙公司", "winner_org_id": "o1"}),
            &names,
            Lang::En,
        );
        assert_eq!(named.len(), 1);
        assert_eq!(named[0].value.text, "乙公司");
        assert_eq!(named[0].label, "Winner");
    }

    #[test]
    fn codes_are_translated_and_unknown_codes_are_not_shown() {
        let f = facts(
            &json!({"reason": "too_few_bids", "kind": "failed", "basis": "实施条例 第44条"}),
            &Names::new(),
            Lang::En,
        );
        let texts: Vec<&str> = f.iter().map(|x| x.value.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Failed",
                "Fewer bids than the legal minimum",
                "实施条例 第44条"
            ]
        );
        let typed = facts(&json!({"reason": "投标人少于3个"}), &Names::new(), Lang::Zh);
        assert_eq!(typed[0].value.text, "投标人少于3个");
        let unknown = facts(&json!({"reason": "some_new_code"}), &Names::new(), Lang::Zh);
        assert!(unknown.is_empty());
    }

    #[test]
    fn bids_and_candidates_become_tables_with_names_money_and_translated_states() {
        let names: Names = [("o2".to_string(), "乙建设有限公司".to_string())].into();
        let fields = json!({
            "bids": [
                {"bid_id": "b1", "org_id": "o1", "org_name": "甲建设有限公司", "uscc": "91210200MA0000001X",
                 "price": "9876543.21", "decryption": "decrypted", "deposit": "valid", "suite": "aes-256-gcm"},
                {"bid_id": "b2", "org_id": "o2", "org_name": "", "uscc": "91210200MA0000002X",
                 "price": null, "decryption": "not_decrypted", "deposit": "unknown"}],
            "candidates": [
                {"rank": 2, "org_id": "o2", "name": "乙建设有限公司", "price": "9900000.00"},
                {"rank": 1, "org_id": "o1", "name": "甲建设有限公司", "price": "9876543.21"}],
        });
        let ts = tables(&fields, &names, Lang::Zh);
        assert_eq!(ts.len(), 2);
        let c = &ts[0];
        assert_eq!(c.columns, ["排名", "中标候选人", "投标报价"]);
        assert_eq!(c.rows[0][1].text, "甲建设有限公司");
        assert_eq!(c.rows[0][2].text, "9,876,543.21 元");
        let b = &ts[1];
        assert_eq!(
            b.columns,
            [
                "序号",
                "投标人",
                "统一社会信用代码",
                "投标报价",
                "解密情况",
                "保证金"
            ]
        );
        assert_eq!(b.rows[0][3].text, "9,876,543.21 元");
        assert_eq!(b.rows[0][4].text, "已解密");
        // An empty name falls back to the organization's name from the projection.
        assert_eq!(b.rows[1][1].text, "乙建设有限公司");
        assert_eq!(b.rows[1][3].text, "—");
        assert_eq!(b.rows[1][5].text, "未确认");
        let all: String = ts
            .iter()
            .flat_map(|t| t.rows.iter().flatten())
            .map(|s| s.text.clone())
            .collect();
        assert!(
            !all.contains("b1") && !all.contains("aes") && !all.contains("decrypted"),
            "{all}"
        );
    }
}
