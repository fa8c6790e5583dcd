//! The structured fields of an announcement as the portal shows them: each field's label and
//! kind, the facts list, and the bid and candidate tables.

use super::*;

/// How a structured field is shown.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
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

pub(super) struct FieldDef {
    pub(super) key: &'static str,
    pub(super) zh: &'static str,
    pub(super) en: &'static str,
    pub(super) kind: Kind,
}

pub(super) const fn f(
    key: &'static str,
    zh: &'static str,
    en: &'static str,
    kind: Kind,
) -> FieldDef {
    FieldDef { key, zh, en, kind }
}

pub(super) fn procedure(code: &str, l: Lang) -> Option<&'static str> {
    Some(match code {
        "open_tender" => l.t("公开招标", "Open tender"),
        "invited_tender" => l.t("邀请招标", "Invited tender"),
        "listing" => l.t("挂牌/拍卖", "Listing / auction"),
        "prequalified_tender" => l.t("公开招标（资格预审）", "Open tender with prequalification"),
        _ => return None,
    })
}

pub(super) fn via(code: &str, l: Lang) -> Option<&'static str> {
    Some(match code {
        "auction" => l.t("网络竞价", "Online auction"),
        "listing" => l.t("挂牌", "Listing"),
        _ => return None,
    })
}

pub(super) fn failure_kind(code: &str, l: Lang) -> Option<&'static str> {
    Some(match code {
        "failed" => l.t("流标（流拍）", "Failed"),
        "terminated" => l.t("终止", "Terminated"),
        _ => return None,
    })
}

/// Reasons the platform writes as codes; a reason typed by a person is shown as written.
pub(super) fn reason(code: &str, l: Lang) -> Option<&'static str> {
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

pub(super) fn decryption(code: &str, l: Lang) -> Option<&'static str> {
    Some(match code {
        "decrypted" => l.t("已解密", "Decrypted"),
        "not_decrypted" | "revoked" => l.t("未解密（撤销）", "Not decrypted (revoked)"),
        "sealed" => l.t("未解密", "Sealed"),
        _ => return None,
    })
}

pub(super) fn deposit(code: &str, l: Lang) -> Option<&'static str> {
    Some(match code {
        "valid" => l.t("有效", "Valid"),
        "missing" => l.t("未缴纳", "Not paid"),
        "invalid" => l.t("无效", "Invalid"),
        "unknown" => l.t("未确认", "Not confirmed"),
        _ => return None,
    })
}

pub(super) fn trading_method(code: &str, l: Lang) -> Option<&'static str> {
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
pub(super) const FIELDS: &[FieldDef] = &[
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
        "docs_sale_end_at",
        "文件获取截止时间",
        "Documents available until",
        Kind::Instant,
    ),
    f(
        "applications_due_at",
        "资格预审申请文件递交截止时间",
        "Prequalification applications due",
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
    f(
        "approved_on",
        "转让批准日期",
        "Transfer approved on",
        Kind::Text,
    ),
    f(
        "predisclosure_end_at",
        "预披露截止时间",
        "Pre-disclosure ends",
        Kind::Instant,
    ),
    f(
        "control_transfer",
        "是否导致实际控制权转移",
        "Moves the actual control",
        Kind::Bool,
    ),
    f("change_summary", "变更内容", "What changes", Kind::Text),
    f(
        "new_bid_deadline",
        "新的投标截止时间",
        "New bid deadline",
        Kind::Instant,
    ),
    f(
        "new_applications_due_at",
        "新的资格预审申请文件递交截止时间",
        "New applications deadline",
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
pub(super) fn text_of(v: &Value, l: Lang) -> Option<String> {
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
pub(super) fn text_or_time(v: &Value, l: Lang) -> Option<Shown> {
    if let Some(t) = parse_instant(v) {
        return Some(Shown::time(t));
    }
    text_of(v, l).map(Shown::text)
}

pub(super) fn shown(kind: Kind, v: &Value, names: &Names, l: Lang) -> Option<Shown> {
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
pub(super) fn is_code(s: &str) -> bool {
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

pub(super) struct Column {
    keys: &'static [&'static str],
    zh: &'static str,
    en: &'static str,
    kind: Kind,
}

pub(super) const fn col(
    keys: &'static [&'static str],
    zh: &'static str,
    en: &'static str,
    kind: Kind,
) -> Column {
    Column { keys, zh, en, kind }
}

/// Columns of the bids of an opening record (开标记录): names, prices and the items the opening
/// reads out.
pub(super) const BID_COLUMNS: &[Column] = &[
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
pub(super) const CANDIDATE_COLUMNS: &[Column] = &[
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
pub(super) fn cell(row: &Value, c: &Column, names: &Names, l: Lang) -> Option<Shown> {
    c.keys.iter().find_map(|k| {
        let v = row.get(*k)?;
        if k.ends_with("org_id") {
            return shown(Kind::Org, v, names, l);
        }
        shown(c.kind, v, names, l)
    })
}

pub(super) fn table(
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
