//! The red-flag rules, pure: a catalogue of rules as data (enabled, severity, integer parameters,
//! legal source), overridable per rule in the `monitoring_rules` table, and one function per rule that
//! turns facts taken from the event log into a [`Finding`] that explains itself — the rule, the
//! evidence (event ids and values) and a sentence in Chinese and in English.
//!
//! Money is handled in integer fen and ratios in basis points: no float anywhere.

use chrono::{DateTime, Utc};
use ggzy_core::money::Money;
use ggzy_core::time::local_date;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 串通投标 (招标投标法实施条例 第四十条 and platform practice).
    Collusion,
    /// Process red flags (in the spirit of the OCDS red-flag indicators).
    Process,
    /// Broken legal duties (overdue refund, unsigned contract, on-site violations…).
    Compliance,
    /// Expert committee signals.
    Experts,
}

/// One rule as configured: the catalogue default with the override of `monitoring_rules` applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RuleConfig {
    pub id: String,
    pub category: Category,
    pub enabled: bool,
    pub severity: Severity,
    /// Integer thresholds (counts, days, basis points).
    pub params: BTreeMap<String, i64>,
    /// The law or practice the rule comes from.
    pub source: String,
    pub title_zh: String,
    pub title_en: String,
}

// Rule ids (stable: they key alerts and overrides).
pub const SAME_IP: &str = "collusion.same_ip";
pub const SAME_DEVICE: &str = "collusion.same_device";
pub const SAME_FILE_CREATOR: &str = "collusion.same_file_creator";
pub const SAME_PAYER_ACCOUNT: &str = "collusion.same_payer_account";
pub const SAME_PROJECT_MANAGER: &str = "collusion.same_project_manager";
pub const SAME_REPRESENTATIVE: &str = "collusion.same_representative";
pub const IDENTICAL_PRICES: &str = "collusion.identical_prices";
pub const PRICE_PROGRESSION: &str = "collusion.price_progression";
pub const SINGLE_VALID_BID: &str = "process.single_valid_bid";
pub const SHORT_BIDDING_PERIOD: &str = "process.short_bidding_period";
pub const DEADLINE_MOVED_AFTER_BIDS: &str = "process.deadline_moved_after_bids";
pub const PRICE_NEAR_ESTIMATE: &str = "process.price_near_estimate";
pub const LOWEST_BID_NOT_WINNER: &str = "process.lowest_bid_not_winner";
pub const ALL_BUT_WINNER_DISQUALIFIED: &str = "process.all_but_winner_disqualified";
pub const REPEAT_WINNER: &str = "process.repeat_winner";
pub const REPEAT_EXPERT: &str = "experts.repeat_draw_for_tenderer";
pub const CONTRACT_OVERDUE: &str = "compliance.contract_overdue";
pub const REFUND_OVERDUE: &str = "compliance.refund_overdue";
pub const VENUE_VIOLATION: &str = "compliance.venue_violation";
pub const OBJECTION_OVERDUE: &str = "compliance.objection_overdue";
/// An objection / challenge not answered, or a complaint not accepted or decided, in time
/// (`remedies.case.overdue`, crates/remedies).
pub const REMEDY_OVERDUE: &str = "compliance.remedy_overdue";
/// The written report of the tender result not filed with the supervisor within 15 days of the
/// award (招标投标法 第四十七条; `projects.award_report.overdue`, crates/projects/src/award_report.rs).
pub const AWARD_REPORT_OVERDUE: &str = "compliance.award_report_overdue";
pub const SHORT_PUBLICITY: &str = "compliance.short_publicity";
pub const SCORE_OUTLIER: &str = "experts.score_outlier";
pub const LOW_RATINGS: &str = "experts.low_ratings";
pub const CALENDAR_YEAR_MISSING: &str = "calendar.year_missing";
pub const CONSUMER_EVENT_PARKED: &str = "consumer.event_parked";
pub const CALENDAR_PERIOD_TOO_SHORT: &str = "calendar.period_too_short";
/// A land contract step (signing, first payment, final payment) missed its due date
/// (`auctions.land_contract.overdue`, crates/auctions/src/land_contract.rs).
pub const LAND_CONTRACT_OVERDUE: &str = "compliance.land_contract_overdue";

struct Def {
    id: &'static str,
    category: Category,
    severity: Severity,
    params: &'static [(&'static str, i64)],
    source: &'static str,
    zh: &'static str,
    en: &'static str,
}

/// The catalogue with its national defaults.
const CATALOGUE: &[Def] = &[
    // Platform operation: a date was computed for a year without a holiday schedule (weekends
    // only, provisional); resolved by the import of that year (docs/calendar.md).
    Def {
        id: CALENDAR_YEAR_MISSING,
        category: Category::Compliance,
        severity: Severity::High,
        params: &[],
        source: "国务院办公厅 年度节假日安排通知 (平台运行: 节假日数据缺失)",
        zh: "缺少年度节假日安排，相关期限为临时计算",
        en: "Holiday schedule missing: dates in that year are provisional",
    },
    // A legal period checked provisionally (a year without a holiday schedule counted with
    // weekends only) turned out too short once the year's schedule was imported: the announcement
    // or listing stays published, staff decide (extend, re-publish) — docs/calendar.md.
    Def {
        id: CALENDAR_PERIOD_TOO_SHORT,
        category: Category::Compliance,
        severity: Severity::High,
        params: &[],
        source: "民法典 第二百零三条; 国务院办公厅 年度节假日安排通知 (期限重新核验)",
        zh: "节假日安排导入后重新核验，法定期限不足",
        en: "A legal period is too short once the holiday schedule was imported",
    },
    // Platform operation: a consumer failed on an event repeatedly and parked it (replayable).
    Def {
        id: CONSUMER_EVENT_PARKED,
        category: Category::Compliance,
        severity: Severity::High,
        params: &[],
        source: "平台运行 (consumer.event.parked)",
        zh: "事件处理多次失败，已暂存待重放",
        en: "An event failed repeatedly and was parked for replay",
    },
    // 实施条例 40 and platform practice: bid files of different bidders uploaded from one address.
    Def {
        id: SAME_IP,
        category: Category::Collusion,
        severity: Severity::High,
        params: &[("min_bidders", 2)],
        source: "招标投标法实施条例 第四十条 (平台实践: 同一IP上传)",
        zh: "不同投标人从同一IP地址上传投标文件",
        en: "Bids of different bidders uploaded from the same IP address",
    },
    // Same bidding-client machine (MAC/disk/CPU ids): 实施条例 40(1)(2).
    Def {
        id: SAME_DEVICE,
        category: Category::Collusion,
        severity: Severity::High,
        params: &[("min_bidders", 2)],
        source: "招标投标法实施条例 第四十条第（一）（二）项 (平台实践: 同一机器码)",
        zh: "不同投标人的投标文件来自同一设备",
        en: "Bids of different bidders made on the same device",
    },
    // 实施条例 40(1): 不同投标人的投标文件由同一单位或者个人编制.
    Def {
        id: SAME_FILE_CREATOR,
        category: Category::Collusion,
        severity: Severity::High,
        params: &[("min_bidders", 2)],
        source: "招标投标法实施条例 第四十条第（一）项",
        zh: "不同投标人的投标文件由同一制作人编制",
        en: "Bid documents of different bidders name the same author in their metadata",
    },
    // 实施条例 40(6): 不同投标人的投标保证金从同一单位或者个人的账户转出.
    Def {
        id: SAME_PAYER_ACCOUNT,
        category: Category::Collusion,
        severity: Severity::High,
        params: &[("min_bidders", 2)],
        source: "招标投标法实施条例 第四十条第（六）项",
        zh: "不同投标人的投标保证金从同一账户转出",
        en: "Deposits of different bidders paid from the same account",
    },
    // 实施条例 40(3): 不同投标人的投标文件载明的项目管理成员为同一人.
    Def {
        id: SAME_PROJECT_MANAGER,
        category: Category::Collusion,
        severity: Severity::High,
        params: &[("min_bidders", 2)],
        source: "招标投标法实施条例 第四十条第（三）项",
        zh: "不同投标人的项目经理为同一人",
        en: "Different bidders name the same project manager",
    },
    // 实施条例 40(2): 不同投标人委托同一单位或者个人办理投标事宜.
    Def {
        id: SAME_REPRESENTATIVE,
        category: Category::Collusion,
        severity: Severity::High,
        params: &[("min_bidders", 2)],
        source: "招标投标法实施条例 第四十条第（二）项",
        zh: "不同投标人委托同一人办理投标事宜",
        en: "Different bidders use the same authorized representative",
    },
    // 实施条例 40(4): 不同投标人的投标文件异常一致或者投标报价呈规律性差异.
    Def {
        id: IDENTICAL_PRICES,
        category: Category::Collusion,
        severity: Severity::High,
        params: &[("min_bidders", 2)],
        source: "招标投标法实施条例 第四十条第（四）项",
        zh: "不同投标人报价完全相同",
        en: "Different bidders offered identical prices",
    },
    Def {
        id: PRICE_PROGRESSION,
        category: Category::Collusion,
        severity: Severity::Medium,
        params: &[("min_bids", 3)],
        source: "招标投标法实施条例 第四十条第（四）项",
        zh: "投标报价呈规律性差异",
        en: "Bid prices follow a regular progression",
    },
    Def {
        id: SINGLE_VALID_BID,
        category: Category::Process,
        severity: Severity::Medium,
        params: &[],
        source: "OCDS red flags: single bid received",
        zh: "仅有一个有效投标",
        en: "Only one valid bid",
    },
    // 招标投标法 24: 自招标文件开始发出之日起至提交投标文件截止之日止，最短不得少于二十日.
    Def {
        id: SHORT_BIDDING_PERIOD,
        category: Category::Process,
        severity: Severity::Low,
        params: &[("min_days", 20), ("margin_days", 0)],
        source: "招标投标法 第二十四条; 政府采购法 第三十五条",
        zh: "投标期限处于法定最短期限或更短",
        en: "Bidding period at the legal minimum or shorter",
    },
    Def {
        id: DEADLINE_MOVED_AFTER_BIDS,
        category: Category::Process,
        severity: Severity::Medium,
        params: &[("min_bids", 1)],
        source: "招标投标法实施条例 第二十一条; OCDS red flags",
        zh: "已收到投标文件后变更截止时间",
        en: "Bid deadline moved after bids had arrived",
    },
    Def {
        id: PRICE_NEAR_ESTIMATE,
        category: Category::Process,
        severity: Severity::Medium,
        params: &[("ratio_bp", 9900)],
        source: "OCDS red flags: winning bid very close to estimated price",
        zh: "中标价格接近招标估算价",
        en: "Winning price close to the estimated price",
    },
    Def {
        id: LOWEST_BID_NOT_WINNER,
        category: Category::Process,
        severity: Severity::Low,
        params: &[],
        source: "OCDS red flags: lowest bid disqualified or not awarded",
        zh: "最低报价未中标",
        en: "The lowest bid did not win",
    },
    Def {
        id: ALL_BUT_WINNER_DISQUALIFIED,
        category: Category::Process,
        severity: Severity::High,
        params: &[("min_bids", 3)],
        source: "OCDS red flags: all bids except the winner disqualified",
        zh: "除中标人外其余投标均被否决",
        en: "Every bid but the winner's was disqualified",
    },
    Def {
        id: REPEAT_WINNER,
        category: Category::Process,
        severity: Severity::Medium,
        params: &[("count", 3), ("window_days", 365)],
        source: "OCDS red flags: same supplier wins repeatedly for one buyer",
        zh: "同一招标人的项目反复由同一单位中标",
        en: "The same bidder keeps winning for one tenderer",
    },
    // 招标投标法 37 / 实施条例 46: 评标专家应当随机抽取; the same expert again and again on one
    // tenderer's committees defeats the randomness the law requires.
    Def {
        id: REPEAT_EXPERT,
        category: Category::Experts,
        severity: Severity::Medium,
        params: &[("count", 3), ("window_days", 365)],
        source: "招标投标法 第三十七条; 招标投标法实施条例 第四十六条",
        zh: "同一专家反复被抽中参加同一招标人的评标",
        en: "The same expert keeps being drawn for one tenderer",
    },
    // 招标投标法实施条例 49: 评标委员会成员应当依照招标投标法和本条例的规定，按照招标文件规定的评标标准和
    // 方法，客观、公正地对投标文件提出评审意见. A member far from the committee on the same bids is the
    // platform's signal for a closer look (the evaluation area decides "far": its outlier share).
    Def {
        id: SCORE_OUTLIER,
        category: Category::Experts,
        severity: Severity::Medium,
        params: &[],
        source: "招标投标法实施条例 第四十九条; 评标委员会和评标方法暂行规定 第十三条",
        zh: "评标专家评分明显偏离评标委员会均值",
        en: "An evaluator's scores deviate markedly from the committee's mean",
    },
    // 招标投标法实施条例 72 and 评标专家和评标专家库管理暂行办法 15: experts who do not evaluate objectively
    // and fairly are dealt with; repeated low ratings by tenderers and supervisors are the record of it.
    Def {
        id: LOW_RATINGS,
        category: Category::Experts,
        severity: Severity::Medium,
        params: &[("count", 3), ("window_days", 365), ("max_score", 2)],
        source: "招标投标法实施条例 第七十二条; 评标专家和评标专家库管理暂行办法 第十五条",
        zh: "评标专家多次被评为低分",
        en: "An expert was rated low repeatedly",
    },
    // 招标投标法 46: 自中标通知书发出之日起三十日内订立书面合同.
    Def {
        id: CONTRACT_OVERDUE,
        category: Category::Compliance,
        severity: Severity::High,
        params: &[],
        source: "招标投标法 第四十六条",
        zh: "中标后三十日内未签订合同",
        en: "Contract not signed within 30 days of the award",
    },
    // 实施条例 57: 最迟应当在书面合同签订后5日内退还投标保证金及银行同期存款利息.
    Def {
        id: REFUND_OVERDUE,
        category: Category::Compliance,
        severity: Severity::Medium,
        params: &[],
        source: "招标投标法实施条例 第三十五条、第五十七条; 政府采购法实施条例 第三十三条",
        zh: "投标保证金逾期未退还",
        en: "Deposit refund overdue",
    },
    Def {
        id: VENUE_VIOLATION,
        category: Category::Compliance,
        severity: Severity::Medium,
        params: &[],
        source: "场所管理规定 (venues.violation.recorded)",
        zh: "开评标现场违规",
        en: "On-site violation in a trading venue",
    },
    // 实施条例 54: 招标人应当自收到异议之日起3日内作出答复.
    Def {
        id: OBJECTION_OVERDUE,
        category: Category::Compliance,
        severity: Severity::Medium,
        params: &[],
        source: "招标投标法实施条例 第二十二条、第五十四条",
        zh: "异议逾期未答复",
        en: "Objection not answered in time",
    },
    // Remedies (crates/remedies): the answer (实施条例 22: 3 days; 政采法 53: 7 working days), the
    // acceptance review (实施条例 61: 3 working days; 94号令 21: 5 working days) or the decision
    // (实施条例 61; 政采法 56: 30 working days) not given when due.
    Def {
        id: REMEDY_OVERDUE,
        category: Category::Compliance,
        severity: Severity::High,
        params: &[],
        source: "招标投标法实施条例 第二十二条、第六十一条; 政府采购法 第五十三条、第五十六条; 财政部令第94号 第二十一条",
        zh: "异议、质疑答复或投诉受理、处理逾期",
        en: "Objection / challenge answer or complaint acceptance / decision overdue",
    },
    // 招标投标法 47: 招标人应当自确定中标人之日起十五日内，向有关行政监督部门提交招标投标情况的书面报告.
    Def {
        id: AWARD_REPORT_OVERDUE,
        category: Category::Compliance,
        severity: Severity::High,
        params: &[],
        source: "招标投标法 第四十七条",
        zh: "确定中标人后十五日内未提交招标投标情况书面报告",
        en: "Written report of the tender result not filed within 15 days of the award",
    },
    // 实施条例 54: 依法必须进行招标的项目，招标人应当自收到评标报告之日起3日内公示中标候选人，公示期不得少于3日.
    Def {
        id: SHORT_PUBLICITY,
        category: Category::Compliance,
        severity: Severity::Medium,
        params: &[("min_days", 3)],
        source: "招标投标法实施条例 第五十四条",
        zh: "中标候选人公示期少于法定期限",
        en: "Candidate publicity shorter than the legal minimum",
    },
    // 国土资发〔2010〕34号: 成交后10个工作日内签订出让合同; 合同签订后1个月内缴纳出让价款50%首付款, 余款
    // 按合同约定及时缴纳, 最迟付款时间不得超过一年. The auctions area raises the step when it is late.
    Def {
        id: LAND_CONTRACT_OVERDUE,
        category: Category::Compliance,
        severity: Severity::High,
        params: &[],
        source: "国土资源部关于加强房地产用地供应和监管有关问题的通知 (国土资发〔2010〕34号)",
        zh: "土地出让合同签订或价款缴纳逾期",
        en: "Land contract signing or payment overdue",
    },
];

/// Every rule as configured.
#[derive(Debug, Clone)]
pub struct Catalogue {
    rules: BTreeMap<String, RuleConfig>,
}

/// An override of one rule (from `monitoring_rules` or the API).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct RuleOverride {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
    #[serde(default)]
    pub params: BTreeMap<String, i64>,
}

impl Default for Catalogue {
    fn default() -> Self {
        Self::national()
    }
}

impl Catalogue {
    pub fn national() -> Catalogue {
        let rules = CATALOGUE
            .iter()
            .map(|d| {
                (
                    d.id.to_string(),
                    RuleConfig {
                        id: d.id.to_string(),
                        category: d.category,
                        enabled: true,
                        severity: d.severity,
                        params: d.params.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
                        source: d.source.to_string(),
                        title_zh: d.zh.to_string(),
                        title_en: d.en.to_string(),
                    },
                )
            })
            .collect();
        Catalogue { rules }
    }

    pub fn all(&self) -> impl Iterator<Item = &RuleConfig> {
        self.rules.values()
    }

    pub fn get(&self, id: &str) -> Option<&RuleConfig> {
        self.rules.get(id)
    }

    /// The rule if it is enabled.
    pub fn active(&self, id: &str) -> Option<&RuleConfig> {
        self.rules.get(id).filter(|r| r.enabled)
    }

    /// Apply an override; unknown rules, unknown parameters and negative values are refused with
    /// the field and rule they break.
    pub fn apply(
        &mut self,
        id: &str,
        o: &RuleOverride,
    ) -> Result<(), (String, &'static str, String)> {
        let r = self.rules.get_mut(id).ok_or_else(|| {
            (
                "rule_id".to_string(),
                "monitoring.rule_unknown",
                format!("no rule '{id}'"),
            )
        })?;
        for (k, v) in &o.params {
            if !r.params.contains_key(k) {
                return Err((
                    format!("params.{k}"),
                    "monitoring.param_unknown",
                    format!("rule '{id}' has no parameter '{k}'"),
                ));
            }
            if *v < 0 {
                return Err((
                    format!("params.{k}"),
                    "monitoring.param_negative",
                    "parameters are non-negative integers".into(),
                ));
            }
            let (lo, hi) = param_bounds(k);
            if *v < lo || *v > hi {
                return Err((
                    format!("params.{k}"),
                    "monitoring.param_out_of_bounds",
                    format!("'{k}' is between {lo} and {hi}"),
                ));
            }
        }
        if let Some(e) = o.enabled {
            r.enabled = e;
        }
        if let Some(s) = o.severity {
            r.severity = s;
        }
        for (k, v) in &o.params {
            r.params.insert(k.clone(), *v);
        }
        Ok(())
    }
}

/// The values a supervisor may give a threshold (inclusive): beyond them a rule either flags every
/// trade (a "repeat" of one, a shared trace of one bidder) or none at all.
pub fn param_bounds(name: &str) -> (i64, i64) {
    match name {
        // A shared trace or a repeat needs two parties or two occurrences.
        "min_bidders" | "count" => (2, 100),
        "min_bids" => (1, 100),
        "window_days" => (1, 3650),
        "min_days" => (0, 365),
        "margin_days" => (0, 30),
        // Basis points of the estimate: 0–100 %.
        "ratio_bp" => (0, 10_000),
        "max_score" => (0, 100),
        _ => (0, 1_000_000),
    }
}

impl RuleConfig {
    pub fn param(&self, name: &str) -> i64 {
        self.params.get(name).copied().unwrap_or(0)
    }
}

/// What a rule found: enough to open an alert and explain it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule_id: String,
    /// Identifies the signal inside its subject: the same key on the same section is the same alert.
    pub signal_key: String,
    pub evidence: Value,
    pub message_zh: String,
    pub message_en: String,
}

fn finding(rule: &RuleConfig, key: String, evidence: Value, zh: String, en: String) -> Finding {
    Finding {
        rule_id: rule.id.clone(),
        signal_key: key,
        evidence,
        message_zh: zh,
        message_en: en,
    }
}

fn yuan(fen: i64) -> String {
    Money::from_fen(fen).to_string()
}

// ------------------------------------------------------------------ collusion

/// A trace a bidder left on a section: an upload address, a device, a file creator, a payer account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub org_id: String,
    pub event_id: String,
}

/// Values that identify nothing (a client that did not send the field).
pub fn is_blank_trace(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || v.eq_ignore_ascii_case("unknown") || v == "-"
}

/// Same IP / device / file creator / payer account across different bidders of one section.
pub fn shared_trace(rule: &RuleConfig, value: &str, traces: &[Trace]) -> Option<Finding> {
    if is_blank_trace(value) {
        return None;
    }
    let orgs: BTreeSet<&str> = traces.iter().map(|t| t.org_id.as_str()).collect();
    if (orgs.len() as i64) < rule.param("min_bidders").max(2) {
        return None;
    }
    let what = match rule.id.as_str() {
        SAME_IP => ("IP地址", "IP address"),
        SAME_DEVICE => ("设备指纹", "device fingerprint"),
        SAME_FILE_CREATOR => ("文件制作人", "file creator"),
        SAME_PROJECT_MANAGER => ("项目经理", "project manager"),
        SAME_REPRESENTATIVE => ("授权代表", "authorized representative"),
        _ => ("付款账户", "payer account"),
    };
    let list: Vec<&str> = orgs.iter().copied().collect();
    let events: Vec<&str> = traces.iter().map(|t| t.event_id.as_str()).collect();
    Some(finding(
        rule,
        value.to_string(),
        json!({"value": value, "org_ids": list, "event_ids": events}),
        format!(
            "{}家投标人使用同一{}（{}）：{}",
            orgs.len(),
            what.0,
            value,
            list.join("、")
        ),
        format!(
            "{} bidders share the same {} ({}): {}",
            orgs.len(),
            what.1,
            value,
            list.join(", ")
        ),
    ))
}

/// One entry of an opening record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidEntry {
    pub org_id: String,
    pub org_name: String,
    /// Price in fen, when the bid was decrypted.
    pub price_fen: Option<i64>,
    /// Decrypted, deposit not missing or invalid, and priced.
    pub valid: bool,
}

/// Different bidders with exactly the same price (one finding per repeated price).
pub fn identical_prices(rule: &RuleConfig, entries: &[BidEntry], event_id: &str) -> Vec<Finding> {
    let mut by_price: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
    for e in entries {
        if let Some(p) = e.price_fen {
            by_price.entry(p).or_default().insert(e.org_id.as_str());
        }
    }
    let min = rule.param("min_bidders").max(2);
    by_price
        .into_iter()
        .filter(|(_, orgs)| orgs.len() as i64 >= min)
        .map(|(p, orgs)| {
            let list: Vec<&str> = orgs.into_iter().collect();
            finding(
                rule,
                format!("price:{p}"),
                json!({"price": yuan(p), "org_ids": list, "event_ids": [event_id]}),
                format!("{}家投标人报价均为{}元", list.len(), yuan(p)),
                format!("{} bidders offered exactly {} CNY", list.len(), yuan(p)),
            )
        })
        .collect()
}

/// The longest run of sorted distinct prices with a constant difference or a constant ratio.
/// Returns (kind, run) where kind is "difference" or "ratio".
pub fn longest_progression(prices: &[i64]) -> Option<(&'static str, Vec<i64>)> {
    let set: BTreeSet<i64> = prices.iter().copied().filter(|p| *p > 0).collect();
    let p: Vec<i64> = set.into_iter().collect();
    if p.len() < 3 {
        return None;
    }
    let mut best: Option<(&'static str, Vec<i64>)> = None;
    let mut consider = |kind: &'static str, run: &[i64]| {
        if run.len() >= 3 && best.as_ref().is_none_or(|(_, b)| run.len() > b.len()) {
            best = Some((kind, run.to_vec()));
        }
    };
    // Constant difference.
    let mut start = 0;
    for i in 2..=p.len() {
        let continues = i < p.len() && p[i] - p[i - 1] == p[i - 1] - p[i - 2];
        if !continues {
            consider("difference", &p[start..i]);
            start = i - 1;
        }
    }
    // Constant ratio, exactly: a[i]² = a[i-1]·a[i+1] in integers.
    let mut start = 0;
    for i in 2..=p.len() {
        let continues = i < p.len()
            && (p[i - 1] as i128) * (p[i - 1] as i128) == (p[i - 2] as i128) * (p[i] as i128);
        if !continues {
            if i - start >= 3 {
                consider("ratio", &p[start..i]);
            }
            start = i - 1;
        }
    }
    best
}

/// Prices in a regular progression across at least `min_bids` bids.
pub fn price_progression(
    rule: &RuleConfig,
    entries: &[BidEntry],
    event_id: &str,
) -> Option<Finding> {
    let prices: Vec<i64> = entries.iter().filter_map(|e| e.price_fen).collect();
    let (kind, run) = longest_progression(&prices)?;
    if (run.len() as i64) < rule.param("min_bids").max(3) {
        return None;
    }
    let shown: Vec<String> = run.iter().map(|p| yuan(*p)).collect();
    let orgs: Vec<&str> = entries
        .iter()
        .filter(|e| e.price_fen.is_some_and(|p| run.contains(&p)))
        .map(|e| e.org_id.as_str())
        .collect();
    let (zh_kind, step) = if kind == "difference" {
        ("等差", yuan(run[1] - run[0]))
    } else {
        ("等比", format!("{}/{}", yuan(run[1]), yuan(run[0])))
    };
    Some(finding(
        rule,
        "progression".into(),
        json!({"kind": kind, "step": step, "prices": shown, "org_ids": orgs, "event_ids": [event_id]}),
        format!(
            "{}个报价呈{}规律（{}）：{}",
            run.len(),
            zh_kind,
            step,
            shown.join("、")
        ),
        format!(
            "{} prices form a constant {} ({}): {}",
            run.len(),
            kind,
            step,
            shown.join(", ")
        ),
    ))
}

// ------------------------------------------------------------------ process

pub fn single_valid_bid(
    rule: &RuleConfig,
    entries: &[BidEntry],
    event_id: &str,
) -> Option<Finding> {
    let valid: Vec<&BidEntry> = entries.iter().filter(|e| e.valid).collect();
    if valid.len() != 1 {
        return None;
    }
    Some(finding(
        rule,
        "single_valid_bid".into(),
        json!({"bids": entries.len(), "valid_bids": 1, "org_ids": [valid[0].org_id], "event_ids": [event_id]}),
        format!(
            "开标记录{}份投标中仅{}一份有效",
            entries.len(),
            valid[0].org_name
        ),
        format!(
            "Only one of {} bids is valid ({})",
            entries.len(),
            valid[0].org_name
        ),
    ))
}

/// Calendar days from the issue of tender documents to the bid deadline, as dates in Shanghai
/// (招标投标法 24 counts days, not hours).
pub fn bidding_days(issue: DateTime<Utc>, deadline: DateTime<Utc>) -> i64 {
    (local_date(deadline) - local_date(issue)).num_days()
}

/// A bidding period at the legal minimum or shorter: the deadline's date is on or before the
/// period's last day by the platform's convention (`ggzy_core::period::last_day`: counted from the
/// day after the issue, 民法典 201; a last day that is a day off moves to the next working day,
/// 民法典 203) — so a deadline on the Monday after a 20th day that is a Sunday is at the minimum.
pub fn short_bidding_period(
    rule: &RuleConfig,
    cal: &ggzy_core::calendar::BusinessCalendar,
    issue: DateTime<Utc>,
    deadline: DateTime<Utc>,
    event_id: &str,
) -> Option<Finding> {
    let days = bidding_days(issue, deadline);
    let limit = rule.param("min_days") + rule.param("margin_days");
    let last = ggzy_core::period::last_day(
        cal,
        local_date(issue),
        ggzy_core::period::Days::calendar(u32::try_from(limit.max(0)).unwrap_or(0)),
    )
    .value;
    if local_date(deadline) > last {
        return None;
    }
    Some(finding(
        rule,
        format!("deadline:{}", deadline.to_rfc3339()),
        json!({"docs_issue_at": issue.to_rfc3339(), "bid_deadline": deadline.to_rfc3339(),
               "days": days, "min_days": rule.param("min_days"), "event_ids": [event_id]}),
        format!(
            "投标期限仅{}日（法定最短{}日）",
            days,
            rule.param("min_days")
        ),
        format!(
            "Bidding period of {} days (legal minimum {} days)",
            days,
            rule.param("min_days")
        ),
    ))
}

pub fn deadline_moved_after_bids(
    rule: &RuleConfig,
    bids_received: i64,
    old_deadline: &str,
    new_deadline: &str,
    event_id: &str,
) -> Option<Finding> {
    if bids_received < rule.param("min_bids").max(1) {
        return None;
    }
    Some(finding(
        rule,
        format!("deadline:{new_deadline}"),
        json!({"bids_received": bids_received, "old_deadline": old_deadline,
               "new_deadline": new_deadline, "event_ids": [event_id]}),
        format!("已收到{bids_received}份投标文件后，截止时间由{old_deadline}改为{new_deadline}"),
        format!("Deadline moved from {old_deadline} to {new_deadline} after {bids_received} bid(s) arrived"),
    ))
}

/// Winner's price ≥ `ratio_bp`/10000 of the estimate (exact integer comparison).
pub fn price_near_estimate(
    rule: &RuleConfig,
    price_fen: i64,
    estimate_fen: i64,
    event_id: &str,
) -> Option<Finding> {
    if estimate_fen <= 0 {
        return None;
    }
    let bp = rule.param("ratio_bp");
    if (price_fen as i128) * 10_000 < (estimate_fen as i128) * (bp as i128) {
        return None;
    }
    let ratio_bp = (price_fen as i128) * 10_000 / (estimate_fen as i128);
    let pct = format!("{}.{:02}", ratio_bp / 100, ratio_bp % 100);
    Some(finding(
        rule,
        "award".into(),
        json!({"price": yuan(price_fen), "estimate": yuan(estimate_fen), "ratio_percent": pct,
               "threshold_percent": format!("{}.{:02}", bp / 100, bp % 100), "event_ids": [event_id]}),
        format!(
            "中标价{}元为估算价{}元的{}%",
            yuan(price_fen),
            yuan(estimate_fen),
            pct
        ),
        format!(
            "Winning price {} CNY is {}% of the estimate {} CNY",
            yuan(price_fen),
            pct,
            yuan(estimate_fen)
        ),
    ))
}

pub fn lowest_bid_not_winner(
    rule: &RuleConfig,
    entries: &[BidEntry],
    winner_org_id: &str,
    event_ids: &[&str],
) -> Option<Finding> {
    let lowest = entries.iter().filter_map(|e| e.price_fen).min()?;
    let winner_price = entries
        .iter()
        .find(|e| e.org_id == winner_org_id)
        .and_then(|e| e.price_fen);
    if winner_price == Some(lowest) {
        return None;
    }
    let low: Vec<&BidEntry> = entries
        .iter()
        .filter(|e| e.price_fen == Some(lowest))
        .collect();
    let disq = low.iter().all(|e| !e.valid);
    let names: Vec<&str> = low.iter().map(|e| e.org_name.as_str()).collect();
    Some(finding(
        rule,
        "award".into(),
        json!({"lowest_price": yuan(lowest), "lowest_org_ids": low.iter().map(|e| &e.org_id).collect::<Vec<_>>(),
               "lowest_disqualified": disq, "winner_org_id": winner_org_id,
               "winner_price": winner_price.map(yuan), "event_ids": event_ids}),
        format!(
            "最低报价{}元（{}）{}，未中标",
            yuan(lowest),
            names.join("、"),
            if disq { "被否决" } else { "有效" }
        ),
        format!(
            "The lowest bid, {} CNY ({}), {} and did not win",
            yuan(lowest),
            names.join(", "),
            if disq {
                "was disqualified"
            } else {
                "was valid"
            }
        ),
    ))
}

pub fn all_but_winner_disqualified(
    rule: &RuleConfig,
    entries: &[BidEntry],
    winner_org_id: &str,
    event_ids: &[&str],
) -> Option<Finding> {
    if (entries.len() as i64) < rule.param("min_bids").max(2) {
        return None;
    }
    let winner_valid = entries.iter().any(|e| e.org_id == winner_org_id && e.valid);
    let others_invalid = entries
        .iter()
        .filter(|e| e.org_id != winner_org_id)
        .all(|e| !e.valid);
    if !(winner_valid && others_invalid) {
        return None;
    }
    Some(finding(
        rule,
        "award".into(),
        json!({"bids": entries.len(), "winner_org_id": winner_org_id, "event_ids": event_ids}),
        format!("{}份投标中除中标人外全部被否决", entries.len()),
        format!(
            "All {} bids except the winner's were disqualified",
            entries.len() - 1
        ),
    ))
}

/// The same winner for one tenderer `count` times or more within `window_days`.
pub fn repeat_winner(
    rule: &RuleConfig,
    tenderer: &str,
    winner_org_id: &str,
    section_ids: &[String],
    event_ids: &[String],
) -> Option<Finding> {
    let n = section_ids.len() as i64;
    if n < rule.param("count").max(2) {
        return None;
    }
    let days = rule.param("window_days");
    Some(finding(
        rule,
        format!("winner:{winner_org_id}"),
        json!({"tenderer": tenderer, "winner_org_id": winner_org_id, "awards": n,
               "window_days": days, "section_ids": section_ids, "event_ids": event_ids}),
        format!("{days}日内招标人{tenderer}的{n}个标段由同一单位{winner_org_id}中标"),
        format!("{winner_org_id} won {n} sections of tenderer {tenderer} within {days} days"),
    ))
}

// ------------------------------------------------------------------ experts

/// The same expert on `count` or more committees of one tenderer within `window_days`.
pub fn repeat_expert(
    rule: &RuleConfig,
    tenderer: &str,
    expert_id: &str,
    expert_name: &str,
    section_ids: &[String],
    event_ids: &[String],
) -> Option<Finding> {
    let n = section_ids.len() as i64;
    if n < rule.param("count").max(2) {
        return None;
    }
    let days = rule.param("window_days");
    Some(finding(
        rule,
        format!("expert:{expert_id}"),
        json!({"tenderer": tenderer, "expert_id": expert_id, "expert_name": expert_name, "draws": n,
               "window_days": days, "section_ids": section_ids, "event_ids": event_ids}),
        format!("{days}日内专家{expert_name}被抽中参加招标人{tenderer}的{n}个标段评标"),
        format!("Expert {expert_name} was drawn for {n} sections of tenderer {tenderer} within {days} days"),
    ))
}

/// A member whose total deviates from the committee mean (as the evaluation area measured it).
pub fn score_outlier(
    rule: &RuleConfig,
    expert_id: &str,
    org_id: &str,
    member_total: &str,
    committee_mean: &str,
    event_id: &str,
) -> Finding {
    finding(
        rule,
        format!("outlier:{expert_id}:{org_id}"),
        json!({"expert_id": expert_id, "org_id": org_id, "member_total": member_total,
               "committee_mean": committee_mean, "event_ids": [event_id]}),
        format!("专家{expert_id}对投标人{org_id}的评分{member_total}偏离委员会均值{committee_mean}"),
        format!("Expert {expert_id} scored bidder {org_id} {member_total} against a committee mean of {committee_mean}"),
    )
}

/// Whether a rating counts as low under `rule` (score ≤ `max_score`).
pub fn is_low_rating(rule: &RuleConfig, score: i64) -> bool {
    score <= rule.param("max_score")
}

/// `count` or more low ratings of one expert within `window_days`.
pub fn low_ratings(rule: &RuleConfig, expert_id: &str, event_ids: &[String]) -> Option<Finding> {
    let n = event_ids.len() as i64;
    if n < rule.param("count").max(1) {
        return None;
    }
    let days = rule.param("window_days");
    let max = rule.param("max_score");
    Some(finding(
        rule,
        format!("expert:{expert_id}"),
        json!({"expert_id": expert_id, "low_ratings": n, "max_score": max, "window_days": days,
               "event_ids": event_ids}),
        format!("专家{expert_id}在{days}日内{n}次被评为{max}分及以下"),
        format!("Expert {expert_id} was rated {max} or lower {n} times within {days} days"),
    ))
}

// ------------------------------------------------------------------ compliance

/// Candidate publicity (公示) shorter than `min_days` whole days (24 h each) from start to end.
pub fn short_publicity(
    rule: &RuleConfig,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    event_id: &str,
) -> Option<Finding> {
    let min = rule.param("min_days");
    if ends - starts >= chrono::Duration::days(min) {
        return None;
    }
    let hours = (ends - starts).num_hours();
    Some(finding(
        rule,
        "publicity".into(),
        json!({"publicity_starts_at": starts.to_rfc3339(), "publicity_ends_at": ends.to_rfc3339(),
               "hours": hours, "min_days": min, "event_ids": [event_id]}),
        format!("中标候选人公示期仅{hours}小时，少于{min}日"),
        format!("Candidate publicity lasts {hours} hours, less than {min} days"),
    ))
}

/// A compliance event is a finding by itself; the sentence names what was overdue or violated.
pub fn compliance(rule: &RuleConfig, key: String, detail: &str, evidence: Value) -> Finding {
    finding(
        rule,
        key,
        evidence,
        format!("{}：{}", rule.title_zh, detail),
        format!("{}: {}", rule.title_en, detail),
    )
}

#[cfg(test)]
// Amounts in fen are written `<yuan>_<fen>` (100_00 is 100.00 CNY).
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn rule(id: &str) -> RuleConfig {
        Catalogue::national().get(id).cloned().expect("rule")
    }

    fn t(org: &str, ev: &str) -> Trace {
        Trace {
            org_id: org.into(),
            event_id: ev.into(),
        }
    }

    fn bid(org: &str, price: Option<i64>, valid: bool) -> BidEntry {
        BidEntry {
            org_id: org.into(),
            org_name: format!("{org} Co."),
            price_fen: price,
            valid,
        }
    }

    fn priced(prices: &[i64]) -> Vec<BidEntry> {
        prices
            .iter()
            .enumerate()
            .map(|(i, p)| bid(&format!("o{i}"), Some(*p), true))
            .collect()
    }

    #[test]
    fn every_rule_cites_a_source_and_speaks_both_languages() {
        let c = Catalogue::national();
        assert_eq!(c.all().count(), CATALOGUE.len());
        for r in c.all() {
            assert!(!r.source.is_empty() && !r.title_zh.is_empty() && !r.title_en.is_empty());
        }
    }

    #[test]
    fn two_bidders_on_one_ip_are_flagged_one_bidder_twice_is_not() {
        let r = rule(SAME_IP);
        let f = shared_trace(&r, "10.0.0.7", &[t("a", "e1"), t("b", "e2")]).expect("flagged");
        assert_eq!(f.signal_key, "10.0.0.7");
        assert_eq!(f.evidence["event_ids"], json!(["e1", "e2"]));
        assert!(f.message_zh.contains("10.0.0.7") && f.message_en.contains("same IP"));
        assert!(shared_trace(&r, "10.0.0.7", &[t("a", "e1"), t("a", "e2")]).is_none());
        assert!(shared_trace(&r, "unknown", &[t("a", "e1"), t("b", "e2")]).is_none());
    }

    #[test]
    fn shared_device_creator_and_payer_use_the_same_shape() {
        for id in [
            SAME_DEVICE,
            SAME_FILE_CREATOR,
            SAME_PAYER_ACCOUNT,
            SAME_PROJECT_MANAGER,
            SAME_REPRESENTATIVE,
        ] {
            let r = rule(id);
            assert!(
                shared_trace(&r, "X", &[t("a", "1"), t("b", "2")]).is_some(),
                "{id}"
            );
            assert!(shared_trace(&r, "X", &[t("a", "1")]).is_none(), "{id}");
        }
        let mut r = rule(SAME_PAYER_ACCOUNT);
        r.params.insert("min_bidders".into(), 3);
        assert!(shared_trace(&r, "X", &[t("a", "1"), t("b", "2")]).is_none());
        assert!(shared_trace(&r, "X", &[t("a", "1"), t("b", "2"), t("c", "3")]).is_some());
    }

    #[test]
    fn identical_prices_of_different_bidders_are_flagged() {
        let r = rule(IDENTICAL_PRICES);
        let f = identical_prices(&r, &priced(&[100_00, 100_00, 130_00]), "ev");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence["price"], "100.00");
        assert!(identical_prices(&r, &priced(&[100_00, 100_01, 130_00]), "ev").is_empty());
    }

    #[test]
    fn prices_100_110_120_are_a_progression_100_111_119_are_not() {
        let r = rule(PRICE_PROGRESSION);
        let f = price_progression(&r, &priced(&[120_00, 100_00, 110_00]), "ev").expect("flagged");
        assert_eq!(f.evidence["kind"], "difference");
        assert_eq!(f.evidence["step"], "10.00");
        assert!(price_progression(&r, &priced(&[100_00, 111_00, 119_00]), "ev").is_none());
        // Two bids are never a pattern.
        assert!(price_progression(&r, &priced(&[100_00, 110_00]), "ev").is_none());
    }

    #[test]
    fn a_constant_ratio_is_a_progression() {
        let r = rule(PRICE_PROGRESSION);
        let f = price_progression(&r, &priced(&[100_00, 110_00, 121_00]), "ev").expect("ratio");
        assert_eq!(f.evidence["kind"], "ratio");
        assert!(price_progression(&r, &priced(&[100_00, 110_00, 121_01]), "ev").is_none());
    }

    #[test]
    fn single_valid_bid_boundary() {
        let r = rule(SINGLE_VALID_BID);
        assert!(
            single_valid_bid(&r, &[bid("a", Some(1), true), bid("b", None, false)], "e").is_some()
        );
        assert!(
            single_valid_bid(&r, &[bid("a", Some(1), true), bid("b", Some(2), true)], "e")
                .is_none()
        );
        assert!(single_valid_bid(&r, &[bid("a", None, false)], "e").is_none());
    }

    #[test]
    fn bidding_period_of_20_days_is_flagged_21_is_not() {
        let r = rule(SHORT_BIDDING_PERIOD);
        let issue = Utc
            .with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
            .single()
            .expect("t");
        let cal = ggzy_core::calendar::BusinessCalendar::official();
        // Issued Mon 03-02: day 20 is Sun 03-22, so the legal minimum is Mon 03-23 (民法典 203):
        // 20 and 21 days are flagged, 22 days is not.
        let d20 = issue + chrono::Duration::days(20);
        let d21 = issue + chrono::Duration::days(21);
        let d22 = issue + chrono::Duration::days(22);
        let f = short_bidding_period(&r, &cal, issue, d20, "e").expect("20 days flagged");
        assert_eq!(f.evidence["days"], 20);
        let f = short_bidding_period(&r, &cal, issue, d21, "e").expect("the moved minimum");
        assert_eq!(f.evidence["days"], 21);
        assert!(short_bidding_period(&r, &cal, issue, d22, "e").is_none());
        // Issued Wed 03-04: day 20 is Tue 03-24, a working day: 21 days is not flagged.
        let wed = issue + chrono::Duration::days(2);
        assert!(
            short_bidding_period(&r, &cal, wed, wed + chrono::Duration::days(20), "e").is_some()
        );
        assert!(
            short_bidding_period(&r, &cal, wed, wed + chrono::Duration::days(21), "e").is_none()
        );
        // Days are Shanghai dates: 20 days and 12 hours that cross midnight are 21 dates.
        assert_eq!(bidding_days(issue, d20 + chrono::Duration::hours(15)), 21);
    }

    #[test]
    fn deadline_moved_before_any_bid_is_not_flagged() {
        let r = rule(DEADLINE_MOVED_AFTER_BIDS);
        assert!(deadline_moved_after_bids(&r, 1, "a", "b", "e").is_some());
        assert!(deadline_moved_after_bids(&r, 0, "a", "b", "e").is_none());
    }

    #[test]
    fn winner_at_99_percent_of_estimate_is_flagged_98_99_is_not() {
        let r = rule(PRICE_NEAR_ESTIMATE);
        let f = price_near_estimate(&r, 990_000_00, 1_000_000_00, "e").expect("99%");
        assert_eq!(f.evidence["ratio_percent"], "99.00");
        assert!(price_near_estimate(&r, 989_900_00, 1_000_000_00, "e").is_none());
        assert!(price_near_estimate(&r, 989_999_99, 1_000_000_00, "e").is_none());
        assert!(price_near_estimate(&r, 1, 0, "e").is_none());
    }

    #[test]
    fn lowest_bid_losing_is_flagged_and_says_whether_it_was_disqualified() {
        let r = rule(LOWEST_BID_NOT_WINNER);
        let e = [
            bid("a", Some(90), false),
            bid("b", Some(100), true),
            bid("c", Some(120), true),
        ];
        let f = lowest_bid_not_winner(&r, &e, "b", &["x"]).expect("flagged");
        assert_eq!(f.evidence["lowest_disqualified"], true);
        assert!(lowest_bid_not_winner(&r, &e, "a", &["x"]).is_none());
        // A tie at the lowest price that the winner shares is fine.
        let tie = [bid("a", Some(90), true), bid("b", Some(90), true)];
        assert!(lowest_bid_not_winner(&r, &tie, "b", &["x"]).is_none());
    }

    #[test]
    fn all_but_winner_disqualified_needs_every_other_bid_out() {
        let r = rule(ALL_BUT_WINNER_DISQUALIFIED);
        let e = [
            bid("a", Some(1), true),
            bid("b", None, false),
            bid("c", Some(2), false),
        ];
        assert!(all_but_winner_disqualified(&r, &e, "a", &["x"]).is_some());
        let e2 = [
            bid("a", Some(1), true),
            bid("b", None, false),
            bid("c", Some(2), true),
        ];
        assert!(all_but_winner_disqualified(&r, &e2, "a", &["x"]).is_none());
        assert!(all_but_winner_disqualified(&r, &e[..2], "a", &["x"]).is_none());
    }

    #[test]
    fn third_win_for_one_tenderer_is_flagged_second_is_not() {
        let r = rule(REPEAT_WINNER);
        let s = |n: usize| (0..n).map(|i| format!("s{i}")).collect::<Vec<_>>();
        assert!(repeat_winner(&r, "T", "W", &s(3), &s(3)).is_some());
        assert!(repeat_winner(&r, "T", "W", &s(2), &s(2)).is_none());
    }

    #[test]
    fn publicity_of_three_full_days_is_enough_one_second_less_is_not() {
        let r = rule(SHORT_PUBLICITY);
        let start = Utc
            .with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
            .single()
            .expect("t");
        let end = start + chrono::Duration::days(3);
        assert!(short_publicity(&r, start, end, "e").is_none());
        let f = short_publicity(&r, start, end - chrono::Duration::seconds(1), "e").expect("short");
        assert_eq!(f.evidence["hours"], 71);
    }

    #[test]
    fn a_third_low_rating_is_flagged_the_second_is_not_and_a_three_is_not_low() {
        let r = rule(LOW_RATINGS);
        let ids = |n: usize| (0..n).map(|i| format!("e{i}")).collect::<Vec<_>>();
        assert!(low_ratings(&r, "E1", &ids(2)).is_none());
        let f = low_ratings(&r, "E1", &ids(3)).expect("flagged");
        assert_eq!(f.signal_key, "expert:E1");
        assert!(is_low_rating(&r, 2) && !is_low_rating(&r, 3));
    }

    #[test]
    fn an_outlier_explains_itself_in_both_languages() {
        let f = score_outlier(&rule(SCORE_OUTLIER), "E1", "O1", "40.00", "80.00", "ev1");
        assert_eq!(f.signal_key, "outlier:E1:O1");
        assert!(f.message_zh.contains("偏离") && f.message_en.contains("committee mean"));
    }

    #[test]
    fn third_draw_of_one_expert_for_one_tenderer_is_flagged_second_is_not() {
        let r = rule(REPEAT_EXPERT);
        let s = |n: usize| (0..n).map(|i| format!("s{i}")).collect::<Vec<_>>();
        let f = repeat_expert(&r, "T", "E1", "王专家", &s(3), &s(3)).expect("flagged");
        assert_eq!(f.signal_key, "expert:E1");
        assert!(repeat_expert(&r, "T", "E1", "王专家", &s(2), &s(2)).is_none());
    }

    #[test]
    fn overrides_are_checked() {
        let mut c = Catalogue::national();
        let bad = RuleOverride {
            params: [("nope".to_string(), 1)].into(),
            ..Default::default()
        };
        assert_eq!(
            c.apply(SAME_IP, &bad).unwrap_err().1,
            "monitoring.param_unknown"
        );
        assert_eq!(
            c.apply("x.y", &RuleOverride::default()).unwrap_err().1,
            "monitoring.rule_unknown"
        );
        let ok = RuleOverride {
            enabled: Some(false),
            severity: Some(Severity::Low),
            params: [("min_bidders".to_string(), 3)].into(),
        };
        c.apply(SAME_IP, &ok).expect("applied");
        assert!(c.active(SAME_IP).is_none());
        assert_eq!(c.get(SAME_IP).map(|r| r.param("min_bidders")), Some(3));
    }

    #[test]
    fn thresholds_are_kept_within_their_bounds_at_the_edges() {
        let set = |rule: &str, k: &str, v: i64| {
            let o = RuleOverride {
                params: [(k.to_string(), v)].into(),
                ..Default::default()
            };
            Catalogue::national()
                .apply(rule, &o)
                .map_err(|e| (e.0, e.1))
        };
        // Last allowed and first refused on both sides.
        assert!(set(SAME_IP, "min_bidders", 2).is_ok());
        assert_eq!(
            set(SAME_IP, "min_bidders", 1).unwrap_err(),
            (
                "params.min_bidders".into(),
                "monitoring.param_out_of_bounds"
            )
        );
        assert!(set(SAME_IP, "min_bidders", 100).is_ok());
        assert!(set(SAME_IP, "min_bidders", 101).is_err());
        assert!(set(PRICE_NEAR_ESTIMATE, "ratio_bp", 10_000).is_ok());
        assert_eq!(
            set(PRICE_NEAR_ESTIMATE, "ratio_bp", 10_001).unwrap_err().1,
            "monitoring.param_out_of_bounds"
        );
        // Negative values keep their own rule id.
        assert_eq!(
            set(PRICE_NEAR_ESTIMATE, "ratio_bp", -1).unwrap_err().1,
            "monitoring.param_negative"
        );
    }

    proptest! {
        #[test]
        fn any_shuffled_arithmetic_run_is_found(start in 1i64..1_000_000_00, step in 1i64..1_000_000,
                                                 len in 3usize..8, seed in any::<u64>()) {
            let mut prices: Vec<i64> = (0..len as i64).map(|i| start + i * step).collect();
            // Shuffle deterministically.
            let n = prices.len();
            for i in 0..n { prices.swap(i, (seed as usize).wrapping_add(i * 7) % n); }
            let r = rule(PRICE_PROGRESSION);
            let f = price_progression(&r, &priced(&prices), "e");
            prop_assert!(f.is_some());
        }

        #[test]
        fn order_of_bids_never_changes_a_finding(prices in proptest::collection::vec(1i64..500, 0..7)) {
            let r = rule(PRICE_PROGRESSION);
            let mut rev = prices.clone();
            rev.reverse();
            prop_assert_eq!(price_progression(&r, &priced(&prices), "e"),
                            price_progression(&r, &priced(&rev), "e").map(|mut f| {
                                // org ids follow positions; compare the pattern only
                                f.evidence["org_ids"] = price_progression(&r, &priced(&prices), "e")
                                    .map(|g| g.evidence["org_ids"].clone()).unwrap_or_default();
                                f
                            }));
        }

        #[test]
        fn a_run_found_is_a_real_progression(prices in proptest::collection::vec(1i64..300, 0..8)) {
            if let Some((kind, run)) = longest_progression(&prices) {
                prop_assert!(run.len() >= 3);
                for w in run.windows(3) {
                    if kind == "difference" {
                        prop_assert_eq!(w[1] - w[0], w[2] - w[1]);
                    } else {
                        prop_assert_eq!(w[1] * w[1], w[0] * w[2]);
                    }
                }
            }
        }

        #[test]
        fn one_bidder_alone_never_shares_a_trace(n in 1usize..6) {
            let traces: Vec<Trace> = (0..n).map(|i| t("same", &format!("e{i}"))).collect();
            prop_assert!(shared_trace(&rule(SAME_DEVICE), "dev", &traces).is_none());
        }
    }
}
