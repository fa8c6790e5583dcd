//! Announcement types, their required structured fields and the legal periods: data with
//! citations, no I/O.

use chrono::{DateTime, Utc};
use ggzy_core::calendar::{BusinessCalendar, Reckoned};
use ggzy_core::error::Violations;
use ggzy_core::ident::Market;
use ggzy_core::period::{self, Days};
use ggzy_core::time::local_date;
use ggzy_core::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnnouncementType {
    /// 招标公告
    #[default]
    Tender,
    /// 资格预审公告
    Prequalification,
    /// 变更/澄清公告
    Change,
    /// 开标记录
    OpeningRecord,
    /// 中标候选人公示
    CandidatePublicity,
    /// 中标/成交结果公告
    Award,
    /// 流标/终止公告
    Failure,
    /// 出让公告
    LandTransfer,
    /// 产权转让信息预披露 (32号令 第十三条)
    PropertyPredisclosure,
    /// 产权转让信息披露
    PropertyDisclosure,
    /// 成交公告
    Deal,
}

impl AnnouncementType {
    pub const ALL: [AnnouncementType; 11] = [
        Self::Tender,
        Self::Prequalification,
        Self::Change,
        Self::OpeningRecord,
        Self::CandidatePublicity,
        Self::Award,
        Self::Failure,
        Self::LandTransfer,
        Self::PropertyPredisclosure,
        Self::PropertyDisclosure,
        Self::Deal,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Tender => "tender",
            Self::Prequalification => "prequalification",
            Self::Change => "change",
            Self::OpeningRecord => "opening_record",
            Self::CandidatePublicity => "candidate_publicity",
            Self::Award => "award",
            Self::Failure => "failure",
            Self::LandTransfer => "land_transfer",
            Self::PropertyPredisclosure => "property_predisclosure",
            Self::PropertyDisclosure => "property_disclosure",
            Self::Deal => "deal",
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            Self::Tender => "招标公告",
            Self::Prequalification => "资格预审公告",
            Self::Change => "变更/澄清公告",
            Self::OpeningRecord => "开标记录",
            Self::CandidatePublicity => "中标候选人公示",
            Self::Award => "中标/成交结果公告",
            Self::Failure => "流标/终止公告",
            Self::LandTransfer => "出让公告",
            Self::PropertyPredisclosure => "产权转让信息预披露",
            Self::PropertyDisclosure => "产权转让信息披露",
            Self::Deal => "成交公告",
        }
    }
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                FieldError::new("", "announcement.type_unknown", "unknown announcement type")
            })
    }

    /// The structured fields (keys of `fields`) this type must state, with the legal source.
    pub fn required_fields(&self) -> &'static [&'static str] {
        match self {
            // 《招标公告和公示信息发布管理办法》(10号令) 第5条: the prequalification announcement
            // states when and how its documents are obtained (a window: 实施条例 第16条 counts the
            // sale) and the applications deadline, instead of the bid deadline.
            Self::Prequalification => &[
                "project_name",
                "scope",
                "scale",
                "funding",
                "qualification_requirements",
                "consortium_accepted",
                "documents_access",
                "docs_available_at",
                "docs_sale_end_at",
                "applications_due_at",
                "submission_method",
                "tenderer_contact",
                "platform_url",
            ],
            // 10号令 第5条.
            Self::Tender => &[
                "project_name",
                "scope",
                "scale",
                "funding",
                "qualification_requirements",
                "consortium_accepted",
                "documents_access",
                "docs_available_at",
                "bid_deadline",
                "submission_method",
                "tenderer_contact",
                "platform_url",
            ],
            // 10号令 第6条.
            Self::CandidatePublicity => &[
                "candidates",
                "evaluation_summary",
                "objection_method",
                "publicity_start_at",
                "publicity_end_at",
            ],
            // 招标投标法 第23条; 实施条例 第21条: what changes, and for which sections.
            Self::Change => &["project_name", "change_summary"],
            // 电子招标投标办法 (20号令, verify article): names, prices and the items the documents require.
            Self::OpeningRecord => &["project_name", "opened_at", "bids"],
            // 87号令 第69条 (procurement) / 招标投标法 第45条: who won, at what price, who tendered.
            Self::Award => &[
                "project_name",
                "project_code",
                "winner",
                "price",
                "tenderer_contact",
            ],
            // 32号令 (deal result publicized): subject, buyer and price.
            Self::Deal => &["subject", "winner", "price"],
            // 实施条例 第44条 / 第31条: the reason and its basis.
            Self::Failure => &["project_name", "reason"],
            // 招标拍卖挂牌出让国有建设用地使用权规定 (39号令) 第11条 (verify article).
            Self::LandTransfer => &[
                "transferor",
                "parcel",
                "bidder_qualification",
                "documents_access",
                "trading_method",
                "start_price",
                "deposit",
                "docs_available_at",
                "trading_start_at",
            ],
            // 32号令 第十三条: the pre-disclosure of a transfer that moves the actual control of the
            // enterprise, within 10 working days of the transfer's approval.
            Self::PropertyPredisclosure => &[
                "subject",
                "transferor",
                "approval",
                "approved_on",
                "predisclosure_end_at",
            ],
            // 企业国有资产交易监督管理办法 (32号令) 第15条 (verify article).
            Self::PropertyDisclosure => &[
                "subject",
                "transferor",
                "approval",
                "buyer_qualification",
                "floor_price",
                "disclosure_end_at",
            ],
        }
    }
}

ggzy_core::text_enum!(
    AnnouncementType,
    |s: &str| AnnouncementType::parse(s).map_err(|e| e.message),
    |t: &AnnouncementType| t.as_str()
);

/// Fields each candidate in a candidate publicity must state (10号令 第6条).
pub const CANDIDATE_FIELDS: [&str; 8] = [
    "rank",
    "name",
    "price",
    "quality",
    "duration",
    "project_manager",
    "certificate_no",
    "qualification_response",
];

fn present(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        _ => true,
    }
}

/// Every missing required field, named one by one (`fields.<key>`).
pub fn check_fields(t: AnnouncementType, fields: &Value, v: &mut Violations) {
    for k in t.required_fields() {
        if !present(fields.get(*k)) {
            v.push(
                format!("fields.{k}"),
                "announcement.field_required",
                format!("a {} must state `{k}`", t.label()),
            );
        }
    }
    if t == AnnouncementType::CandidatePublicity {
        if let Some(Value::Array(cs)) = fields.get("candidates") {
            for (i, c) in cs.iter().enumerate() {
                for k in CANDIDATE_FIELDS {
                    if !present(c.get(k)) {
                        v.push(
                            format!("fields.candidates[{i}].{k}"),
                            "announcement.field_required",
                            format!("each candidate must state `{k}` (10号令 第6条)"),
                        );
                    }
                }
            }
        }
    }
}

/// Legal minimum periods (data, with their sources).
#[derive(Debug, Clone, Copy)]
pub struct Periods {
    /// 招标投标法 第24条 / 政府采购法 第35条: from the day documents are available to the bid
    /// deadline at least 20 days.
    pub tender_min_days: i64,
    /// 招标投标法实施条例 第54条: candidate publicity at least 3 days.
    pub publicity_min_days: i64,
    /// 政府采购货物和服务招标投标管理办法 (87号令) 第16条: the procurement tender announcement
    /// period is 5 working days.
    pub procurement_announcement_working_days: u32,
    /// 招标投标法 第23条; 实施条例 第21条; 87号令 第27条: a clarification or amendment that may affect
    /// the bids goes out at least 15 days before the bid deadline, else the deadline is postponed.
    pub clarification_min_days: i64,
    /// 招标投标法实施条例 第21条: a clarification or amendment of the prequalification documents
    /// (资格预审文件) that may affect the applications goes out at least 3 days before the
    /// applications are due, else that deadline is postponed.
    pub prequalification_clarification_min_days: i64,
    /// 招标投标法实施条例 第16条: the prequalification documents are sold for at least 5 days.
    pub prequalification_sale_min_days: u32,
    /// 招标投标法实施条例 第17条: applications are due at least 5 days after the sale ends.
    pub prequalification_application_min_days: u32,
    /// 39号令 第10条: a land transfer announcement at least 20 days before trading starts.
    pub land_transfer_min_days: i64,
    /// 32号令 第十三条: a transfer that moves the actual control of the target enterprise (实际控制权
    /// 发生转移) is pre-disclosed (信息预披露) for at least 20 working days …
    pub property_predisclosure_working_days: u32,
    /// … starting within 10 working days of the transfer's approval (获批后10个工作日内).
    pub property_predisclosure_after_approval_working_days: u32,
}

/// 财政部令第87号 第六十九条: 中标、成交结果公告期限为1个工作日.
pub const PROCUREMENT_RESULT_WORKING_DAYS: u32 = 1;

pub const PERIODS: Periods = Periods {
    tender_min_days: 20,
    publicity_min_days: 3,
    procurement_announcement_working_days: 5,
    clarification_min_days: 15,
    prequalification_clarification_min_days: 3,
    prequalification_sale_min_days: 5,
    prequalification_application_min_days: 5,
    land_transfer_min_days: 20,
    property_predisclosure_working_days: 20,
    property_predisclosure_after_approval_working_days: 10,
};

/// Whole calendar days from the local date of `a` to the local date of `b`.
fn days_between(a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
    (local_date(b) - local_date(a)).num_days()
}

/// A `YYYY-MM-DD` field: `None` when absent (the required-field rule reports it).
fn date_field(fields: &Value, k: &str) -> Option<Result<chrono::NaiveDate, ()>> {
    let s = fields.get(k)?.as_str()?;
    Some(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ()))
}

fn time_field(fields: &Value, k: &str, v: &mut Violations) -> Option<DateTime<Utc>> {
    let s = fields.get(k)?.as_str()?;
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            v.push(
                format!("fields.{k}"),
                "announcement.time_invalid",
                format!("`{k}` must be an RFC 3339 time"),
            );
            None
        }
    }
}

/// 矿业权出让交易规则 (自然资源部 自然资规〔2023〕1号) as the provincial online trading rules apply it
/// (secondary: the articles are not verified, docs/procedures.md): a mining-right deal's result is
/// published within 5 working days of the deal and shown for at least 10 working days (结果公示).
pub const MINING_RESULT_PUBLICITY_WORKING_DAYS: u32 = 10;
/// The same rules: the result is published within 5 working days of the deal.
pub const MINING_RESULT_PUBLISH_WORKING_DAYS: u32 = 5;

/// A mining-right procedure of the land market (矿业权挂牌 / 拍卖 / 招标出让). A mining tender's
/// result is drafted from its award (`projects.award.confirmed`) as a land deal announcement
/// (成交公告), so the same result publicity applies to it.
pub fn is_mining(procedure: &str) -> bool {
    matches!(
        procedure,
        "mining_listing" | "mining_auction" | "mining_tender"
    )
}

/// The periods a section's procedure adds to its market's (`check_periods`): a mining-right deal
/// announcement (成交公示; of a listing, an auction or a tender's award) states its publicity, which runs from its publication (or a later stated
/// start) until 24:00 of the 10th working day at least. Returns the years counted without a
/// holiday schedule.
/// What a property disclosure of an asset transfer (企业资产转让) may say of its buyers: no
/// qualification conditions (资格条件) — 除国家法律法规或相关规定另有要求的外，资产转让不得对受让方设置资格条件
/// (国资委 财政部令第32号 第五十一条 as we read it, article to verify; a municipal copy of the
/// rule — its 第十二条 — has the same words: secondary). `buyer_qualification` states "none"
/// (one of these words) unless the announcement names the law or regulation that requires a
/// condition (`buyer_qualification_basis`).
pub const ASSET_TRANSFER_NO_CONDITIONS: &[&str] = &["无", "不设", "不设资格条件", "none"];

/// A formal disclosure of a transfer that moves the actual control of the target enterprise
/// (`control_transfer: true`) follows its pre-disclosure (32号令 第十三条: 预披露 and 正式披露 in
/// stages): a published pre-disclosure of the same project must exist
/// (`announcement.predisclosure_required`) and have ended — its `predisclosure_end_at` at or
/// before the formal disclosure goes out (`announcement.predisclosure_not_ended`; that the formal
/// disclosure waits for the end is our reading of "分阶段"). `predisclosure_ends`: the ends of the
/// project's published pre-disclosures.
pub fn check_predisclosure_done(
    fields: &Value,
    predisclosure_ends: &[DateTime<Utc>],
    publish_at: DateTime<Utc>,
    v: &mut Violations,
) {
    match fields.get("control_transfer") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => match predisclosure_ends.iter().max() {
            None => v.push(
                "fields.control_transfer",
                "announcement.predisclosure_required",
                "a transfer that moves the actual control of the enterprise is pre-disclosed for at least 20 working days first (32号令 第十三条): publish the project's pre-disclosure (property_predisclosure)",
            ),
            Some(end) if *end > publish_at => v.push(
                "fields.control_transfer",
                "announcement.predisclosure_not_ended",
                format!(
                    "the project's pre-disclosure runs until {} (Beijing time); the formal disclosure follows it",
                    ggzy_core::time::display_local(*end)
                ),
            ),
            Some(_) => {}
        },
        Some(_) => v.push(
            "fields.control_transfer",
            "announcement.field_invalid",
            "`control_transfer` is true or false",
        ),
    }
}

/// The round a prequalification announcement (资格预审公告) announces, as the projects area opened
/// it for one section: the documents from `docs_issue_at` until `docs_sale_end_at`, applications
/// until `applications_due_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrequalRound {
    pub docs_issue_at: DateTime<Utc>,
    pub docs_sale_end_at: DateTime<Utc>,
    pub applications_due_at: DateTime<Utc>,
}

/// A prequalification announcement states the dates of the round it announces (10号令 第5条: the
/// time to obtain the documents and the deadline for applications): each of its
/// `docs_available_at` (when stated), `docs_sale_end_at` and `applications_due_at` must be the
/// round's instant (`announcement.prequalification_round_mismatch`, naming the field and the
/// round's value in Beijing time). A field missing or unreadable is the period rules' to report.
pub fn check_prequalification_round(
    fields: &Value,
    section_id: &str,
    round: &PrequalRound,
    v: &mut Violations,
) {
    for (key, want) in [
        ("docs_available_at", round.docs_issue_at),
        ("docs_sale_end_at", round.docs_sale_end_at),
        ("applications_due_at", round.applications_due_at),
    ] {
        let Some(stated) = fields
            .get(key)
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        else {
            continue;
        };
        if stated.with_timezone(&Utc) != want {
            v.push(
                format!("fields.{key}"),
                "announcement.prequalification_round_mismatch",
                format!(
                    "the prequalification round of section {section_id} has {key} {} (Beijing \
                     time); the announcement states {}",
                    ggzy_core::time::display_local(want),
                    ggzy_core::time::display_local(stated.with_timezone(&Utc)),
                ),
            );
        }
    }
}

/// The fields a section's procedure adds to an announcement's rules: an asset transfer's
/// disclosure sets no qualification conditions on the buyer ([`ASSET_TRANSFER_NO_CONDITIONS`]).
pub fn check_procedure_fields(
    t: AnnouncementType,
    procedure: &str,
    fields: &Value,
    v: &mut Violations,
) {
    if t != AnnouncementType::PropertyDisclosure || procedure != "asset_transfer" {
        return;
    }
    let q = fields
        .get("buyer_qualification")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if q.is_empty()
        || ASSET_TRANSFER_NO_CONDITIONS.contains(&q)
        || present(fields.get("buyer_qualification_basis"))
    {
        return;
    }
    v.push(
        "fields.buyer_qualification",
        "announcement.asset_transfer_buyer_conditions",
        "an asset transfer (企业资产转让) sets no qualification conditions on the buyer (state 无) \
         unless a law or regulation requires them (name it in buyer_qualification_basis; \
         国资委 财政部令第32号 第五十一条, article to verify)",
    );
}

pub fn check_procedure_periods(
    t: AnnouncementType,
    procedure: &str,
    fields: &Value,
    publish_at: DateTime<Utc>,
    cal: &BusinessCalendar,
    v: &mut Violations,
) -> BTreeSet<i32> {
    let mut missing = BTreeSet::new();
    if t != AnnouncementType::Deal || !is_mining(procedure) {
        return missing;
    }
    for k in ["publicity_start_at", "publicity_end_at"] {
        if !present(fields.get(k)) {
            v.push(
                format!("fields.{k}"),
                "announcement.field_required",
                "a mining-right deal announcement states its publicity period (结果公示, 矿业权出让交易规则)",
            );
        }
    }
    let s = time_field(fields, "publicity_start_at", v);
    let e = time_field(fields, "publicity_end_at", v);
    if let (Some(s), Some(e)) = (s, e) {
        let r = period::reaches_end(
            cal,
            s.max(publish_at),
            e,
            Days::working(MINING_RESULT_PUBLICITY_WORKING_DAYS),
        );
        missing.extend(r.missing.iter().copied());
        if !r.value {
            v.push(
                "fields.publicity_end_at",
                "announcement.mining_result_publicity",
                format!(
                    "a mining-right deal is publicized for at least {MINING_RESULT_PUBLICITY_WORKING_DAYS} working days from its publication, until 24:00 of the last one (矿业权出让交易规则, 自然资规〔2023〕1号; 民法典 第203条)"
                ),
            );
        }
    }
    missing
}

/// The end a mining deal's draft proposes for its publicity: 10 working days counted from the
/// last day it may be published (the 5th working day after the deal), so that the draft is valid
/// whenever it is published on time; staff may shorten it down to the legal minimum.
pub fn mining_publicity_end(cal: &BusinessCalendar, deal_at: DateTime<Utc>) -> DateTime<Utc> {
    period::ends_at(
        cal,
        deal_at,
        Days::working(MINING_RESULT_PUBLISH_WORKING_DAYS + MINING_RESULT_PUBLICITY_WORKING_DAYS),
    )
    .value
}

/// The legal periods, checked at approval and again at publishing with `publish_at` the moment the
/// announcement goes out (documents cannot be available before the public knows of them).
///
/// Every period follows the platform's counting convention (`ggzy_core::period`): counted from the
/// day after the start (民法典 201); a last day that is a day off moves to the next working day
/// (民法典 203); a publicity or disclosure must last until 24:00 Beijing time of its last day (an end
/// at 00:00 of day N is day N−1). Returns the years whose holiday schedule was missing: the check
/// then used weekends only (never "no data = pass" nor "no data = refuse"), and the caller records
/// the result as provisional.
pub fn check_periods(
    t: AnnouncementType,
    market: Market,
    fields: &Value,
    publish_at: DateTime<Utc>,
    cal: &BusinessCalendar,
    v: &mut Violations,
) -> BTreeSet<i32> {
    check_periods_of(t, market, Related::default(), fields, publish_at, cal, v)
}

/// The minimum disclosure of a property disclosure announcement, with its source, by the
/// procedures of the sections it concerns (the longest when several): a transfer of property
/// rights (`listing`, or no section known) 20 working days (32号令 第十三条); an asset transfer by
/// its floor (`floor_price`: [`AssetTransferRules`](ggzy_core::property::AssetTransferRules) —
/// 20 above CNY 10 m, 10 from 1 m, none below; an unreadable floor counts as above); a capital
/// increase 40. `None`: no national minimum.
pub fn property_disclosure_working_days(
    procedures: &[String],
    fields: &Value,
) -> Option<(u32, &'static str)> {
    use ggzy_core::property as prop;
    let transfer = (prop::TRANSFER_DISCLOSURE_WORKING_DAYS, "32号令 第十三条");
    if procedures.is_empty() {
        return Some(transfer);
    }
    procedures
        .iter()
        .filter_map(|procedure| match procedure.as_str() {
            "asset_transfer" => {
                let r = prop::AssetTransferRules::national();
                let floor = fields
                    .get("floor_price")
                    .and_then(Value::as_str)
                    .and_then(|f| ggzy_core::Money::parse_str(f).ok())
                    .map_or(i64::MAX, |m| m.fen());
                r.disclosure_working_days(floor).map(|d| (d, r.source))
            }
            "capital_increase" => Some((
                prop::CAPITAL_INCREASE_DISCLOSURE_WORKING_DAYS,
                "32号令 第三十九条 (article to verify)",
            )),
            _ => Some(transfer),
        })
        .max_by_key(|(d, _)| *d)
}

/// What an announcement's periods depend on besides its own fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct Related<'a> {
    /// The procedures of the sections it concerns (a property disclosure's minimum depends on
    /// them: [`property_disclosure_working_days`]).
    pub procedures: &'a [String],
    /// When the project's first pre-disclosure (信息预披露) was published: a capital increase
    /// pre-disclosed is formally disclosed for 20 working days and 40 together
    /// ([`ggzy_core::property::capital_increase_disclosure`]).
    pub predisclosed_at: Option<DateTime<Utc>>,
}

impl Related<'_> {
    /// Every section it concerns is a capital increase (企业增资).
    fn capital_increase_only(&self) -> bool {
        !self.procedures.is_empty() && self.procedures.iter().all(|p| p == "capital_increase")
    }
}

/// [`check_periods`] knowing what the announcement relates to ([`Related`]).
pub fn check_periods_of(
    t: AnnouncementType,
    market: Market,
    rel: Related<'_>,
    fields: &Value,
    publish_at: DateTime<Utc>,
    cal: &BusinessCalendar,
    v: &mut Violations,
) -> BTreeSet<i32> {
    let p = PERIODS;
    let mut missing = BTreeSet::new();
    let mut ok = |r: Reckoned<bool>| {
        missing.extend(r.missing.iter().copied());
        r.value
    };
    match t {
        AnnouncementType::Prequalification => {
            let avail = time_field(fields, "docs_available_at", v);
            let sale_end = time_field(fields, "docs_sale_end_at", v);
            let due = time_field(fields, "applications_due_at", v);
            // 自…之日起: from the day the documents are available (not before publishing).
            if let (Some(a), Some(e)) = (avail, sale_end) {
                if !ok(period::reaches_day(
                    cal,
                    local_date(a.max(publish_at)),
                    local_date(e),
                    Days::calendar(p.prequalification_sale_min_days),
                )) {
                    v.push(
                        "fields.docs_sale_end_at",
                        "announcement.prequalification_sale_period",
                        format!(
                            "the prequalification documents are sold for at least {} days \
                             (招标投标法实施条例 第16条; 民法典 第201条、第203条)",
                            p.prequalification_sale_min_days
                        ),
                    );
                }
            }
            if let (Some(e), Some(d)) = (sale_end, due) {
                if !ok(period::reaches_day(
                    cal,
                    local_date(e),
                    local_date(d),
                    Days::calendar(p.prequalification_application_min_days),
                )) {
                    v.push(
                        "fields.applications_due_at",
                        "announcement.prequalification_application_period",
                        format!(
                            "applications are due at least {} days after the sale of the documents \
                             ends (招标投标法实施条例 第17条; 民法典 第201条、第203条)",
                            p.prequalification_application_min_days
                        ),
                    );
                }
            }
        }
        AnnouncementType::Tender => {
            let avail = time_field(fields, "docs_available_at", v);
            let deadline = time_field(fields, "bid_deadline", v);
            if let (Some(a), Some(d)) = (avail, deadline) {
                let from = a.max(publish_at);
                // 自…之日起至…之日止: the deadline's day must be the period's last day or later.
                if !ok(period::reaches_day(
                    cal,
                    local_date(from),
                    local_date(d),
                    Days::calendar(p.tender_min_days as u32),
                )) {
                    v.push(
                        "fields.bid_deadline",
                        "announcement.tender_period",
                        format!(
                            "at least {} days from when documents are available to the bid deadline \
                             (招标投标法 第24条 / 政府采购法 第35条; 民法典 第201条)",
                            p.tender_min_days
                        ),
                    );
                }
            }
            if market == Market::Procurement {
                if let Some(end) = time_field(fields, "announcement_end_at", v) {
                    if !ok(period::reaches_end(
                        cal,
                        publish_at,
                        end,
                        Days::working(p.procurement_announcement_working_days),
                    )) {
                        v.push(
                            "fields.announcement_end_at",
                            "announcement.procurement_period",
                            format!(
                                "a procurement tender announcement runs {} working days, until 24:00 of the last one (87号令 第16条)",
                                p.procurement_announcement_working_days
                            ),
                        );
                    }
                } else {
                    v.push(
                        "fields.announcement_end_at",
                        "announcement.field_required",
                        "a procurement tender announcement must state its end (87号令 第16条)",
                    );
                }
            }
        }
        // 财政部令第87号 第六十九条: a procurement result announcement (中标/成交结果公告) is shown for
        // at least 1 working day and lists the evaluation experts (评审专家名单).
        AnnouncementType::Award if market == Market::Procurement => {
            if let Some(end) = time_field(fields, "announcement_end_at", v) {
                if !ok(period::reaches_end(
                    cal,
                    publish_at,
                    end,
                    Days::working(PROCUREMENT_RESULT_WORKING_DAYS),
                )) {
                    v.push(
                        "fields.announcement_end_at",
                        "announcement.result_period",
                        format!(
                            "a procurement result announcement runs {PROCUREMENT_RESULT_WORKING_DAYS} working day, until 24:00 of it (财政部令第87号 第六十九条)"
                        ),
                    );
                }
            } else {
                v.push(
                    "fields.announcement_end_at",
                    "announcement.field_required",
                    "a procurement result announcement must state its end (财政部令第87号 第六十九条)",
                );
            }
            let listed = fields["experts"].as_array().is_some_and(|a| {
                !a.is_empty()
                    && a.iter()
                        .all(|e| e["name"].as_str().is_some_and(|n| !n.trim().is_empty()))
            });
            if !listed {
                v.push(
                    "fields.experts",
                    "announcement.experts_required",
                    "a procurement result announcement lists the evaluation experts' names (财政部令第87号 第六十九条)",
                );
            }
        }
        AnnouncementType::CandidatePublicity => {
            let s = time_field(fields, "publicity_start_at", v);
            let e = time_field(fields, "publicity_end_at", v);
            if let (Some(s), Some(e)) = (s, e) {
                if !ok(period::reaches_end(
                    cal,
                    s.max(publish_at),
                    e,
                    Days::calendar(p.publicity_min_days as u32),
                )) {
                    v.push(
                        "fields.publicity_end_at",
                        "announcement.publicity_period",
                        format!(
                            "candidate publicity lasts at least {} days, until 24:00 of the last one (招标投标法实施条例 第54条; 民法典 第203条)",
                            p.publicity_min_days
                        ),
                    );
                }
            }
        }
        AnnouncementType::LandTransfer => {
            if let Some(start) = time_field(fields, "trading_start_at", v) {
                // The same date-based rule as every other period (not a multiple of 24 hours).
                if !ok(period::reaches_day(
                    cal,
                    local_date(publish_at),
                    local_date(start),
                    Days::calendar(p.land_transfer_min_days as u32),
                )) {
                    v.push(
                        "fields.trading_start_at",
                        "announcement.land_transfer_period",
                        format!(
                            "a land transfer is announced at least {} days before trading starts (39号令 第10条)",
                            p.land_transfer_min_days
                        ),
                    );
                }
            }
        }
        // A capital increase's pre-disclosure has no minimum of its own (the 40 working days
        // count together with the formal disclosure) and no bound after an approval.
        AnnouncementType::PropertyPredisclosure if rel.capital_increase_only() => {}
        AnnouncementType::PropertyPredisclosure => {
            if let Some(end) = time_field(fields, "predisclosure_end_at", v) {
                if !ok(period::reaches_end(
                    cal,
                    publish_at,
                    end,
                    Days::working(p.property_predisclosure_working_days),
                )) {
                    v.push(
                        "fields.predisclosure_end_at",
                        "announcement.predisclosure_period",
                        format!(
                            "a pre-disclosure lasts at least {} working days, until 24:00 of the last one (32号令 第十三条)",
                            p.property_predisclosure_working_days
                        ),
                    );
                }
            }
            match date_field(fields, "approved_on") {
                Some(Ok(approved)) => {
                    let last = cal.add_working_days_reckoned(
                        approved,
                        p.property_predisclosure_after_approval_working_days,
                    );
                    missing.extend(last.missing.iter().copied());
                    if local_date(publish_at) > last.value {
                        v.push(
                            "fields.approved_on",
                            "announcement.predisclosure_after_approval",
                            format!(
                                "the pre-disclosure starts within {} working days of the transfer's approval: approved on {approved}, the last day was {} (32号令 第十三条)",
                                p.property_predisclosure_after_approval_working_days,
                                last.value
                            ),
                        );
                    }
                }
                Some(Err(())) => v.push(
                    "fields.approved_on",
                    "announcement.date_invalid",
                    "`approved_on` must be a date (YYYY-MM-DD)",
                ),
                None => {}
            }
        }
        AnnouncementType::PropertyDisclosure if rel.capital_increase_only() => {
            if let Some(end) = time_field(fields, "disclosure_end_at", v) {
                let d = ggzy_core::property::capital_increase_disclosure(
                    cal,
                    rel.predisclosed_at,
                    publish_at,
                    end,
                );
                ok(Reckoned {
                    value: d.ok(),
                    missing: d.missing.clone(),
                });
                if !d.formal_ok {
                    let source = if d.combined_ok.is_some() {
                        ggzy_core::property::CAPITAL_INCREASE_PREDISCLOSURE_SOURCE
                    } else {
                        "32号令 第三十九条 (article to verify)"
                    };
                    v.push(
                        "fields.disclosure_end_at",
                        "announcement.disclosure_period",
                        format!(
                            "this disclosure lasts at least {} working days, until 24:00 of the last one ({source})",
                            d.formal_days
                        ),
                    );
                }
                if d.combined_ok == Some(false) {
                    v.push(
                        "fields.disclosure_end_at",
                        "announcement.combined_disclosure_period",
                        format!(
                            "pre-disclosure and formal disclosure together last at least {} working days, until 24:00 of the last one ({})",
                            ggzy_core::property::CAPITAL_INCREASE_DISCLOSURE_WORKING_DAYS,
                            ggzy_core::property::CAPITAL_INCREASE_PREDISCLOSURE_SOURCE
                        ),
                    );
                }
            }
        }
        AnnouncementType::PropertyDisclosure => {
            let days = property_disclosure_working_days(rel.procedures, fields);
            if let (Some(end), Some((days, source))) =
                (time_field(fields, "disclosure_end_at", v), days)
            {
                // A disclosure must last until 24:00 of its N-th working day (an end at 00:00 of
                // day N is day N−1). A year without a schedule counts weekends only
                // (provisional), never a false refusal.
                if !ok(period::reaches_end(
                    cal,
                    publish_at,
                    end,
                    Days::working(days),
                )) {
                    v.push(
                        "fields.disclosure_end_at",
                        "announcement.disclosure_period",
                        format!(
                            "this disclosure lasts at least {days} working days, until 24:00 of the last one ({source})"
                        ),
                    );
                }
            }
        }
        _ => {}
    }
    missing
}

mod body;
mod clarification;

pub use body::{render_body, render_markdown, BodyFormat};
pub use clarification::{
    clarification_effect, prequalification_clarification_effect, DeadlineEffect, DueEffect,
};

#[cfg(test)]
mod tests;
