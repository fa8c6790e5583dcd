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

/// Where an alert stands: raised (`open`), taken up by a supervisor (`acknowledged`), closed as
/// founded (`resolved`) or as unfounded (`dismissed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Open,
    Acknowledged,
    Resolved,
    Dismissed,
}

impl AlertStatus {
    pub const ALL: [AlertStatus; 4] = [
        AlertStatus::Open,
        AlertStatus::Acknowledged,
        AlertStatus::Resolved,
        AlertStatus::Dismissed,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Resolved => "resolved",
            AlertStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<AlertStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Still waiting for a supervisor's decision (open or acknowledged).
    pub fn is_pending(&self) -> bool {
        matches!(self, AlertStatus::Open | AlertStatus::Acknowledged)
    }
}

ggzy_core::text_enum!(
    AlertStatus,
    |s: &str| AlertStatus::parse(s).ok_or("not an alert status"),
    AlertStatus::as_str
);

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
/// A property deal's price (交易价款) not paid by its due day: the whole price or the first payment
/// (5 working days after the contract took effect) or the balance (`auctions.property_payment.overdue`,
/// crates/auctions/src/property_payment).
pub const PROPERTY_PAYMENT_OVERDUE: &str = "compliance.property_payment_overdue";
/// A mining-right deal's result (结果公示) not published by 24:00 of the 5th working day after the
/// deal (矿业权出让交易规则): monitoring keeps the deadline itself (`rules::publication`).
pub const MINING_RESULT_PUBLICATION_OVERDUE: &str = "mining.result_publication_overdue";

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
    // 企业国有资产交易监督管理办法 (32号令) 第二十八条 (article to verify): 交易价款原则上应当自合同生效之日起
    // 5个工作日内一次付清; 分期付款的首期付款不低于总价款的30%, 并在合同生效之日起5个工作日内支付, 其余款项付款
    // 期限不得超过1年. The auctions area raises the step when it is late.
    Def {
        id: PROPERTY_PAYMENT_OVERDUE,
        category: Category::Compliance,
        severity: Severity::High,
        params: &[],
        source: "企业国有资产交易监督管理办法 (国资委 财政部令第32号) 第二十八条 (条款待核实)",
        zh: "产权交易价款逾期未付",
        en: "Property deal price payment overdue",
    },
    // 矿业权出让交易规则 (自然资源部 自然资规〔2023〕1号), as the provincial online trading rules apply
    // it: 成交后5个工作日内公示出让结果 (article not verified — secondary, like every mining row of
    // docs/procedures.md). Counted as every period (民法典 201/203, `ggzy_core::period`): the deal
    // day does not count, the 5th working day after it (calendar with 调休) ends at 24:00 Beijing.
    Def {
        id: MINING_RESULT_PUBLICATION_OVERDUE,
        category: Category::Compliance,
        severity: Severity::High,
        params: &[("working_days", MINING_RESULT_PUBLISH_WORKING_DAYS)],
        source: "矿业权出让交易规则 (自然资规〔2023〕1号; 条款未核实, 省级网上交易规则 — secondary); 民法典 第二百零一条、第二百零三条",
        zh: "矿业权出让成交后5个工作日内未公示出让结果",
        en: "Mining-right deal result not published within 5 working days of the deal",
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
        // A publication deadline in working days: at least one, at most six weeks of them.
        "working_days" => (1, 30),
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

// The rule functions, one module per family (the catalogue above names them).
mod collusion;
mod compliance;
mod experts;
mod process;
pub mod publication;
pub use self::collusion::*;
pub use self::compliance::*;
pub use self::experts::*;
pub use self::process::*;
pub use self::publication::MINING_RESULT_PUBLISH_WORKING_DAYS;

#[cfg(test)]
mod tests;
