//! Registration rules: the legal minimum periods and caps a project must respect before it can be
//! registered. Pure functions, no I/O. The numbers are data ([`MarketRules`], stored per region,
//! market and procedure in `project_rules`); [`MarketRules::national`] holds the national defaults.
//!
//! Counting convention: the platform's one convention (`ggzy_core::period`): a period of "N days
//! from D" starts the day after D (民法典 201); its last day is `D + N` calendar days or the N-th
//! working day after D, moved to the next working day when it is a day off (民法典 203); the later
//! date must be on or after that last day. Dates in Asia/Shanghai. A year without a holiday
//! schedule is counted with weekends only (never a refusal for missing data).

use chrono::NaiveDate;
use ggzy_core::calendar::BusinessCalendar;
use ggzy_core::ident::Market;
use ggzy_core::time::local_date;
use ggzy_core::{FieldError, Money, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod registration;

pub use registration::*;

/// Procurement method (招标/采购方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// 公开招标
    OpenTender,
    /// 邀请招标
    InvitedTender,
    /// Sold by quotes through the auctions area: 挂牌出让 / 拍卖出让 (land, 国土资源部令第39号) and
    /// 挂牌 / 网络竞价 / 拍卖 (property, 国资委 财政部令第32号). No sealed bids and no opening (开标):
    /// bidders register (报名) until the bid deadline (= the listing end) and the auctions area
    /// runs the listing or auction; its deal (`auctions.deal.confirmed`) concludes the section.
    Listing,
    /// 竞争性谈判 (政府采购法 第三十八条; 政府采购非招标采购方式管理办法, 财政部令第74号): sealed first
    /// responses, rounds of negotiation, final quotes; the lowest compliant final quote wins.
    CompetitiveNegotiation,
    /// 竞争性磋商 (竞争性磋商采购方式管理暂行办法, 财库〔2014〕214号): rounds of consultation, final
    /// quotes, comprehensive scoring (综合评分法).
    CompetitiveConsultation,
    /// 询价 (政府采购法 第四十条; 74号令): one sealed quote per supplier that cannot be changed; the
    /// lowest compliant price wins.
    Inquiry,
    /// 单一来源 (政府采购法 第三十九条; 74号令): publicity ≥ 5 working days, then negotiation with the
    /// one supplier.
    SingleSource,
    /// 公开招标 with prequalification (资格预审, 招标投标法实施条例 第十五条至第二十一条): a
    /// prequalification announcement and documents, applications, a review; only the qualified
    /// applicants register and bid (construction).
    PrequalifiedTender,
    /// 拍卖出让 of land-use rights (国土资源部令第39号 第十五条、第十六条): no listing period; the live
    /// auction (auctions area) starts ≥ 20 days after the announcement, the highest bid wins when
    /// it reaches the reserve price (底价), else the auction is terminated (流拍).
    LandAuction,
    /// 矿业权挂牌出让 (mining rights, land market with the mining periods: announcement ≥ 20
    /// working days, listing ≥ 10 working days; docs/procedures.md "Mining rights").
    MiningListing,
    /// 矿业权拍卖出让 (mining rights by live auction, announcement ≥ 20 working days).
    MiningAuction,
    /// 企业增资 (增资扩股, 企业国有资产交易监督管理办法 国资委 财政部令第32号 第三章; property
    /// market): disclosure ≥ 40 working days, investor applications with deposits, selection by the
    /// disclosed criteria (a scored decision, crate ggzy-auctions `capital_increase`), the
    /// capital-increase agreement and the result publicity ≥ 5 working days.
    CapitalIncrease,
    /// 企业资产转让 (32号令 第四章; property market): a listing whose disclosure period depends on
    /// the floor (≥ 10 working days above CNY 1 m up to 10 m, ≥ 20 above 10 m; crate ggzy-auctions
    /// `asset_transfer`); otherwise run like a property listing.
    AssetTransfer,
    /// 矿业权招标出让 (mining rights by sealed-bid tender, land market): the sealed-bid path of a
    /// land tender (registration, sealed bids, opening with ≥ 3 bids, evaluation, award) with the
    /// mining periods: the tender announcement ≥ 20 working days before the bid deadline
    /// ([`MINING_TENDER_ANNOUNCEMENT_RULE`]), the result publicity ≥ 10 working days (publishing),
    /// and no land-use contract (国土资发〔2010〕34号 is a land rule). docs/procedures.md "Land
    /// auction and mining rights".
    MiningTender,
}
ggzy_core::text_enum!(
    Procedure,
    |s: &str| Procedure::parse(s).map_err(|e| e.message),
    Procedure::as_str
);

impl Procedure {
    pub const ALL: [Procedure; 14] = [
        Procedure::OpenTender,
        Procedure::InvitedTender,
        Procedure::Listing,
        Procedure::CompetitiveNegotiation,
        Procedure::CompetitiveConsultation,
        Procedure::Inquiry,
        Procedure::SingleSource,
        Procedure::PrequalifiedTender,
        Procedure::LandAuction,
        Procedure::MiningListing,
        Procedure::MiningAuction,
        Procedure::CapitalIncrease,
        Procedure::AssetTransfer,
        Procedure::MiningTender,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Procedure::OpenTender => "open_tender",
            Procedure::InvitedTender => "invited_tender",
            Procedure::Listing => "listing",
            Procedure::CompetitiveNegotiation => "competitive_negotiation",
            Procedure::CompetitiveConsultation => "competitive_consultation",
            Procedure::Inquiry => "inquiry",
            Procedure::SingleSource => "single_source",
            Procedure::PrequalifiedTender => "prequalified_tender",
            Procedure::LandAuction => "land_auction",
            Procedure::MiningListing => "mining_listing",
            Procedure::MiningAuction => "mining_auction",
            Procedure::CapitalIncrease => "capital_increase",
            Procedure::AssetTransfer => "asset_transfer",
            Procedure::MiningTender => "mining_tender",
        }
    }

    /// Procurement's non-tender methods (非招标采购方式: 74号令, 财库〔2014〕214号), module
    /// `crate::nontender`.
    pub fn is_non_tender(&self) -> bool {
        matches!(
            self,
            Procedure::CompetitiveNegotiation
                | Procedure::CompetitiveConsultation
                | Procedure::Inquiry
                | Procedure::SingleSource
        )
    }

    /// Does this procedure receive sealed bids and open them (开标)?
    pub fn has_sealed_bids(&self) -> bool {
        !matches!(
            self,
            Procedure::Listing
                | Procedure::LandAuction
                | Procedure::MiningListing
                | Procedure::MiningAuction
                | Procedure::CapitalIncrease
                | Procedure::AssetTransfer
        )
    }

    /// Land auction (拍卖出让) and the mining-right procedures (the listing and the auction run in
    /// the auctions area, the tender on the sealed-bid path of this area), land market only
    /// (mining rights are a subject of the land market, docs/procedures.md).
    pub fn is_land_only(&self) -> bool {
        matches!(
            self,
            Procedure::LandAuction
                | Procedure::MiningListing
                | Procedure::MiningAuction
                | Procedure::MiningTender
        )
    }

    /// Listing (挂牌/拍卖/网络竞价) exists only for land-use rights (39号令) and state property
    /// (32号令); construction and procurement are tendered (招标投标法 / 政府采购法).
    pub fn check_market(&self, market: Market) -> Result<(), FieldError> {
        if *self == Procedure::Listing && !matches!(market, Market::Land | Market::Property) {
            return Err(FieldError::new(
                "procedure",
                "procedure.market",
                format!(
                    "procedure listing (挂牌/拍卖/网络竞价) is only for the land and property markets, not {}",
                    market.as_str()
                ),
            ));
        }
        if self.is_non_tender() && market != Market::Procurement {
            return Err(FieldError::new(
                "procedure",
                "procedure.market",
                format!(
                    "procedure {} is a government procurement method (政府采购法 第二十六条) and only for the procurement market, not {}",
                    self.as_str(),
                    market.as_str()
                ),
            ));
        }
        // 企业增资 and 企业资产转让 are state-owned property transactions (32号令 第二条).
        if matches!(self, Procedure::CapitalIncrease | Procedure::AssetTransfer)
            && market != Market::Property
        {
            return Err(FieldError::new(
                "procedure",
                "procedure.market",
                format!(
                    "procedure {} is a state-owned property transaction (32号令 第二条) and only for the property market, not {}",
                    self.as_str(),
                    market.as_str()
                ),
            ));
        }
        // Prequalification's stages are rows for construction only (procedure_stages, 0185).
        if *self == Procedure::PrequalifiedTender && market != Market::Construction {
            return Err(FieldError::new(
                "procedure",
                "procedure.market",
                format!(
                    "procedure prequalified_tender (资格预审) is only for the construction market, not {}",
                    market.as_str()
                ),
            ));
        }
        if self.is_land_only() && market != Market::Land {
            return Err(FieldError::new(
                "procedure",
                "procedure.market",
                format!(
                    "procedure {} (拍卖出让 / 矿业权出让) is only for the land market, not {}",
                    self.as_str(),
                    market.as_str()
                ),
            ));
        }
        Ok(())
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Procedure::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                FieldError::new(
                    "",
                    "procedure.unknown",
                    "procedure must be one of open_tender, invited_tender, listing, competitive_negotiation, competitive_consultation, inquiry, single_source, prequalified_tender, land_auction, mining_listing, mining_auction, capital_increase, asset_transfer, mining_tender",
                )
            })
    }
}

/// What a section buys (标的类别): the deposit's absolute ceiling depends on it in the construction
/// market (工程建设项目施工 / 货物 / 勘察设计招标投标办法), the minimum price weight in procurement
/// (87号令 55). Absent in a draft: the market's default ([`Subject::default_for`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// 施工 (works)
    Works,
    /// 货物 (goods)
    Goods,
    /// 勘察设计 (survey and design)
    SurveyDesign,
    /// 服务 (services, e.g. 监理 in construction)
    Services,
}
ggzy_core::text_enum!(
    Subject,
    |s: &str| Subject::parse(s).map_err(|e| e.message),
    Subject::as_str
);

impl Subject {
    pub const ALL: [Subject; 4] = [
        Subject::Works,
        Subject::Goods,
        Subject::SurveyDesign,
        Subject::Services,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Subject::Works => "works",
            Subject::Goods => "goods",
            Subject::SurveyDesign => "survey_design",
            Subject::Services => "services",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Subject::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                FieldError::new(
                    "",
                    "section.subject_unknown",
                    "subject must be one of works, goods, survey_design, services",
                )
            })
    }

    /// The subject of a section that names none: construction works (施工), procurement goods
    /// (货物: the stricter price weight); land and property sections have no subject.
    pub fn default_for(market: Market) -> Option<Subject> {
        match market {
            Market::Construction => Some(Subject::Works),
            Market::Procurement => Some(Subject::Goods),
            Market::Land | Market::Property => None,
        }
    }

    /// Which subjects a market's sections may name.
    pub fn allowed_in(&self, market: Market) -> bool {
        match market {
            Market::Construction => true,
            Market::Procurement => {
                matches!(self, Subject::Works | Subject::Goods | Subject::Services)
            }
            Market::Land | Market::Property => false,
        }
    }
}

/// An absolute ceiling of the bid deposit (in addition to the percentage cap of [`MarketRules`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepositCeiling {
    pub market: Market,
    pub subject: Subject,
    /// Yuan (whole CNY).
    pub max_yuan: i64,
    pub source: &'static str,
}

/// The absolute deposit ceilings (data). Construction works and goods: 2 % of the estimated price
/// **and** at most CNY 800,000; survey and design: at most CNY 100,000. Services (监理 etc.) and the
/// procurement market have the percentage cap only (政采条例 33).
pub const DEPOSIT_CEILINGS: [DepositCeiling; 3] = [
    // 工程建设项目施工招标投标办法 (七部委30号令, 2013年修订) 第三十七条: 投标保证金不得超过项目
    // 估算价的百分之二，但最高不得超过八十万元人民币.
    DepositCeiling {
        market: Market::Construction,
        subject: Subject::Works,
        max_yuan: 800_000,
        source: "工程建设项目施工招标投标办法 第三十七条 (2013年修订)",
    },
    // 工程建设项目货物招标投标办法 (七部委27号令, 2013年修订): the same 2 % / CNY 800,000 ceiling.
    // Article number to verify against the official text (第二十七条 in the 2013 revision as we read it).
    DepositCeiling {
        market: Market::Construction,
        subject: Subject::Goods,
        max_yuan: 800_000,
        source: "工程建设项目货物招标投标办法 第二十七条 (2013年修订; article to verify)",
    },
    // 工程建设项目勘察设计招标投标办法 (八部委2号令, 2013年修订): 保证金数额不得超过勘察设计估算费用的
    // 百分之二，最多不超过十万元人民币. Article number to verify (第二十四条 as we read it).
    DepositCeiling {
        market: Market::Construction,
        subject: Subject::SurveyDesign,
        max_yuan: 100_000,
        source: "工程建设项目勘察设计招标投标办法 第二十四条 (2013年修订; article to verify)",
    },
];

/// The absolute ceiling for a section of `market` buying `subject`, if any.
pub fn deposit_ceiling(market: Market, subject: Option<Subject>) -> Option<DepositCeiling> {
    let subject = subject?;
    DEPOSIT_CEILINGS
        .iter()
        .copied()
        .find(|c| c.market == market && c.subject == subject)
}

/// Whether a period counts calendar days (日) or working days (工作日).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RuleDayKind)]
pub enum DayKind {
    Calendar,
    Working,
}

/// A minimum period with the legal source that sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MinPeriod {
    pub days: u32,
    pub kind: DayKind,
    pub source: String,
}

/// The registration rules of one market and procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MarketRules {
    pub market: Market,
    pub procedure: Procedure,
    /// From the day tender documents are first issued to the bid deadline.
    pub deadline_min: MinPeriod,
    /// Tender documents on sale (发售期): from first issue to the end of sale.
    pub doc_sale_min: MinPeriod,
    /// Bid deposit cap in basis points of the estimated price / budget (200 = 2%).
    pub deposit_cap_bp: u32,
    pub deposit_cap_source: String,
    /// Bid opening must happen at the bid deadline.
    pub opening_at_deadline: bool,
    pub opening_source: String,
}

fn period(days: u32, kind: DayKind, source: &str) -> MinPeriod {
    MinPeriod {
        days,
        kind,
        source: source.to_string(),
    }
}

impl MarketRules {
    /// The national defaults, or `None` for a market/procedure without registration rules here
    /// (land and property: only the open tender, seeded by migrations/0011_award.sql)
    /// (land and property rights follow their own announcement rules).
    pub fn national(market: Market, procedure: Procedure) -> Option<MarketRules> {
        procedure.check_market(market).ok()?;
        match market {
            Market::Construction => Some(MarketRules {
                market,
                procedure,
                // 招标投标法 24: 自招标文件开始发出之日起至投标人提交投标文件截止之日止，最短不得少于二十日.
                deadline_min: period(20, DayKind::Calendar, "招标投标法 第二十四条"),
                // 实施条例 16: 资格预审文件或者招标文件的发售期不得少于5日.
                doc_sale_min: period(5, DayKind::Calendar, "招标投标法实施条例 第十六条"),
                // 实施条例 26: 投标保证金不得超过招标项目估算价的2%.
                deposit_cap_bp: 200,
                deposit_cap_source: "招标投标法实施条例 第二十六条".into(),
                // 招标投标法 34: 开标应当在招标文件确定的提交投标文件截止时间的同一时间公开进行.
                opening_at_deadline: true,
                opening_source: "招标投标法 第三十四条".into(),
            }),
            Market::Procurement if procedure.is_non_tender() => {
                Some(crate::nontender::registration_rules(procedure))
            }
            Market::Procurement => Some(MarketRules {
                market,
                procedure,
                // 政采法 35 / 87号令 18: 自招标文件开始发出之日起至投标人提交投标文件截止之日止，不得少于20日.
                deadline_min: period(
                    20,
                    DayKind::Calendar,
                    "政府采购法 第三十五条; 财政部令第87号 第十八条",
                ),
                // 87号令 16: 招标文件的提供期限自开始之日起不得少于5个工作日.
                doc_sale_min: period(5, DayKind::Working, "财政部令第87号 第十六条"),
                // 政采条例 33: 投标保证金不得超过采购项目预算金额的2%.
                deposit_cap_bp: 200,
                deposit_cap_source: "政府采购法实施条例 第三十三条".into(),
                // 87号令 39 follows 招标投标法 34: opening at the deadline.
                opening_at_deadline: true,
                opening_source: "招标投标法 第三十四条; 财政部令第87号 第三十九条".into(),
            }),
            // Tendered land (招标出让) and property (招投标): only the open tender; listing, auctions
            // and the other procedures follow their own rules (issue 10). Deposits are set by the
            // announcement (no statutory cap: 10000 bp).
            Market::Land if procedure == Procedure::OpenTender => Some(MarketRules {
                market,
                procedure,
                // 39号令 10: 出让人应当至少在投标开始日前20日发布招标出让公告.
                deadline_min: period(20, DayKind::Calendar, "国土资源部令第39号 第十条"),
                doc_sale_min: period(
                    0,
                    DayKind::Calendar,
                    "国土资源部令第39号 (set by the announcement)",
                ),
                deposit_cap_bp: 10_000,
                deposit_cap_source: "国土资源部令第39号 (set by the announcement)".into(),
                opening_at_deadline: true,
                opening_source: "招标投标法 第三十四条".into(),
            }),
            Market::Property if procedure == Procedure::OpenTender => Some(MarketRules {
                market,
                procedure,
                // 32号令 13: 信息披露期不少于20个工作日.
                deadline_min: period(20, DayKind::Working, "国资委 财政部令第32号 第十三条"),
                doc_sale_min: period(
                    0,
                    DayKind::Calendar,
                    "国资委 财政部令第32号 (set by the disclosure)",
                ),
                deposit_cap_bp: 10_000,
                deposit_cap_source: "国资委 财政部令第32号 (set by the disclosure)".into(),
                opening_at_deadline: true,
                opening_source: "招标投标法 第三十四条".into(),
            }),
            // Listing (挂牌/拍卖/网络竞价): registration (报名) closes at the listing end, which is the
            // section's bid deadline; no sealed-bid opening, so the opening time is not tied to it.
            Market::Land if procedure == Procedure::Listing => Some(MarketRules {
                market,
                procedure,
                // 39号令 10: 出让人应当至少在挂牌开始日前20日发布挂牌出让公告; the listing end (the
                // registration deadline) is therefore at least 20 days after the announcement.
                deadline_min: period(20, DayKind::Calendar, "国土资源部令第39号 第十条"),
                doc_sale_min: period(
                    0,
                    DayKind::Calendar,
                    "国土资源部令第39号 (set by the announcement)",
                ),
                deposit_cap_bp: 10_000,
                deposit_cap_source: "国土资源部令第39号 (set by the announcement)".into(),
                opening_at_deadline: false,
                opening_source: "国土资源部令第39号 (listing: no sealed-bid opening)".into(),
            }),
            Market::Property if procedure == Procedure::Listing => Some(MarketRules {
                market,
                procedure,
                // 32号令 13: 正式披露信息的时间不少于20个工作日; registration runs to its end.
                deadline_min: period(20, DayKind::Working, "国资委 财政部令第32号 第十三条"),
                doc_sale_min: period(
                    0,
                    DayKind::Calendar,
                    "国资委 财政部令第32号 (set by the disclosure)",
                ),
                deposit_cap_bp: 10_000,
                deposit_cap_source: "国资委 财政部令第32号 (set by the disclosure)".into(),
                opening_at_deadline: false,
                opening_source: "国资委 财政部令第32号 (listing: no sealed-bid opening)".into(),
            }),
            // 拍卖出让 (39号令 第十条): registration (报名) closes before the auction; the auctions
            // area checks the auction start ≥ 20 days after the announcement.
            Market::Land if procedure == Procedure::LandAuction => Some(MarketRules {
                market,
                procedure,
                deadline_min: period(0, DayKind::Calendar, "国土资源部令第39号 第十条 (the auction ≥ 20 days after the announcement, checked by the auctions area)"),
                doc_sale_min: period(0, DayKind::Calendar, "国土资源部令第39号 (set by the announcement)"),
                deposit_cap_bp: 10_000,
                deposit_cap_source: "国土资源部令第39号 (set by the announcement)".into(),
                opening_at_deadline: false,
                opening_source: "国土资源部令第39号 (auction: no sealed-bid opening)".into(),
            }),
            // 矿业权挂牌出让: registration runs to the listing end, ≥ 20 working days after the
            // announcement (the announcement period alone; the listing adds ≥ 10 working days,
            // checked by the auctions area). Source state: docs/procedures.md "Mining rights".
            Market::Land if procedure == Procedure::MiningListing => Some(MarketRules {
                market,
                procedure,
                deadline_min: period(20, DayKind::Working, "矿业权出让交易规则 (自然资规〔2023〕1号) — article not verified"),
                doc_sale_min: period(0, DayKind::Calendar, "矿业权出让交易规则 (set by the announcement)"),
                deposit_cap_bp: 10_000,
                deposit_cap_source: "矿业权出让交易规则 (set by the announcement)".into(),
                opening_at_deadline: false,
                opening_source: "矿业权出让交易规则 (listing: no sealed-bid opening)".into(),
            }),
            Market::Land if procedure == Procedure::MiningAuction => Some(MarketRules {
                market,
                procedure,
                deadline_min: period(0, DayKind::Calendar, "矿业权出让交易规则 (the auction ≥ 20 working days after the announcement, checked by the auctions area)"),
                doc_sale_min: period(0, DayKind::Calendar, "矿业权出让交易规则 (set by the announcement)"),
                deposit_cap_bp: 10_000,
                deposit_cap_source: "矿业权出让交易规则 (set by the announcement)".into(),
                opening_at_deadline: false,
                opening_source: "矿业权出让交易规则 (auction: no sealed-bid opening)".into(),
            }),
            // 矿业权招标出让: the sealed-bid path of a land tender with the mining announcement
            // period: the tender announcement (出让公告, with the tender documents: `docs_issue_at`)
            // at least 20 working days before the bid deadline — the value and the source of
            // mining_listing's announcement rule (auctions `MiningRules`), checked here under
            // [`MINING_TENDER_ANNOUNCEMENT_RULE`]. Opening at the deadline as every tender.
            Market::Land if procedure == Procedure::MiningTender => Some(MarketRules {
                market,
                procedure,
                deadline_min: period(
                    20,
                    DayKind::Working,
                    MINING_TENDER_ANNOUNCEMENT_SOURCE,
                ),
                doc_sale_min: period(
                    0,
                    DayKind::Calendar,
                    "矿业权出让交易规则 (set by the announcement)",
                ),
                deposit_cap_bp: 10_000,
                deposit_cap_source: "矿业权出让交易规则 (set by the announcement)".into(),
                opening_at_deadline: true,
                opening_source: "招标投标法 第三十四条".into(),
            }),
            // 企业增资: registration (意向投资方 applications) runs to the end of the disclosure,
            // at least 40 working days (32号令 第三十九条).
            Market::Property if procedure == Procedure::CapitalIncrease => Some(MarketRules {
                market,
                procedure,
                deadline_min: period(40, DayKind::Working, "国资委 财政部令第32号 第三十九条"),
                doc_sale_min: period(
                    0,
                    DayKind::Calendar,
                    "国资委 财政部令第32号 (set by the disclosure)",
                ),
                deposit_cap_bp: 10_000,
                deposit_cap_source: "国资委 财政部令第32号 (set by the disclosure)".into(),
                opening_at_deadline: false,
                opening_source: "国资委 财政部令第32号 (capital increase: no sealed-bid opening)"
                    .into(),
            }),
            // 企业资产转让: the disclosure period depends on the floor, known when the listing is
            // created (ggzy-auctions `asset_transfer`); registration itself has no minimum here.
            Market::Property if procedure == Procedure::AssetTransfer => Some(MarketRules {
                market,
                procedure,
                deadline_min: period(
                    0,
                    DayKind::Working,
                    "国资委 财政部令第32号 第四章 (by the floor, checked with the listing)",
                ),
                doc_sale_min: period(
                    0,
                    DayKind::Calendar,
                    "国资委 财政部令第32号 (set by the disclosure)",
                ),
                deposit_cap_bp: 10_000,
                deposit_cap_source: "国资委 财政部令第32号 (set by the disclosure)".into(),
                opening_at_deadline: false,
                opening_source: "国资委 财政部令第32号 (asset transfer: no sealed-bid opening)"
                    .into(),
            }),
            Market::Land | Market::Property => None,
        }
    }

    /// Every seeded (market, procedure) pair with its national defaults.
    pub fn all_national() -> Vec<MarketRules> {
        Market::ALL
            .into_iter()
            .flat_map(|m| {
                Procedure::ALL
                    .into_iter()
                    .filter_map(move |p| MarketRules::national(m, p))
            })
            .collect()
    }

    fn rule(&self, name: &str) -> String {
        if self.procedure == Procedure::MiningTender && name == "deadline_min_days" {
            return MINING_TENDER_ANNOUNCEMENT_RULE.to_string();
        }
        format!("{}.{name}", self.market.as_str())
    }
}

/// The rule id of a mining tender's announcement period (矿业权招标出让: the tender announcement at
/// least 20 working days before the bid deadline), on `sections[i].bid_deadline` at registration.
pub const MINING_TENDER_ANNOUNCEMENT_RULE: &str = "procedure.mining_announcement_period";

/// Its source, as mining_listing's announcement rule states it (migration 0230): the rules were
/// identified from a secondary source, the article not verified; the value is that of provincial
/// online rules (secondary), the same 20 working days as the listing and the auction.
pub const MINING_TENDER_ANNOUNCEMENT_SOURCE: &str =
    "矿业权出让交易规则 (自然资规〔2023〕1号) — article not verified";

/// One section (标段) as the rules see it.
#[derive(Debug, Clone)]
pub struct SectionInput {
    /// 估算价 (construction) or 预算金额 (procurement).
    pub estimated_price: Money,
    pub deposit: Money,
    /// When tender documents are first issued (招标文件开始发出).
    pub docs_issue_at: Timestamp,
    /// When document sale ends.
    pub docs_sale_end_at: Timestamp,
    pub bid_deadline: Timestamp,
    pub opening_at: Timestamp,
    /// What the section buys (None: the market has no subjects, land and property).
    pub subject: Option<Subject>,
}

#[derive(Debug, Clone)]
pub struct ProjectInput {
    pub market: Market,
    pub procedure: Procedure,
    pub sections: Vec<SectionInput>,
}

/// Is `to` at least `p` after `from` (201 and 203, `ggzy_core::period::reaches_day`)? A minimum of
/// 0 days is no period at all (the land and property sale "set by the announcement"): it has no
/// last day for 第二百零三条 to move off a day off, so `to` on `from`'s own day is enough even
/// when that day is a Saturday.
fn meets(cal: &BusinessCalendar, p: &MinPeriod, from: NaiveDate, to: NaiveDate) -> bool {
    if p.days == 0 {
        return to >= from;
    }
    let days = match p.kind {
        DayKind::Calendar => ggzy_core::period::Days::calendar(p.days),
        DayKind::Working => ggzy_core::period::Days::working(p.days),
    };
    ggzy_core::period::reaches_day(cal, from, to, days).value
}

fn describe(p: &MinPeriod) -> String {
    match p.kind {
        DayKind::Calendar => format!("{} days", p.days),
        DayKind::Working => format!("{} working days", p.days),
    }
}

/// Check a project against `rules`; returns every broken rule, not only the first.
pub fn check_registration(
    rules: &MarketRules,
    cal: &BusinessCalendar,
    input: &ProjectInput,
) -> Result<(), Vec<FieldError>> {
    let mut errs = Vec::new();
    if input.sections.is_empty() {
        errs.push(FieldError::new(
            "sections",
            "project.sections_required",
            "a project needs at least one section (标段)",
        ));
    }
    for (i, s) in input.sections.iter().enumerate() {
        let f = |name: &str| format!("sections[{i}].{name}");
        if s.estimated_price.is_zero() {
            errs.push(FieldError::new(
                f("estimated_price"),
                "section.estimated_price_positive",
                "the estimated price (估算价/预算金额) must be greater than zero",
            ));
        }
        let issue = local_date(s.docs_issue_at);
        let deadline = local_date(s.bid_deadline);
        let sale_end = local_date(s.docs_sale_end_at);

        if s.docs_sale_end_at < s.docs_issue_at {
            errs.push(FieldError::new(
                f("docs_sale_end_at"),
                "section.sale_end_after_issue",
                "document sale must end after the documents are first issued",
            ));
        }
        if !meets(cal, &rules.doc_sale_min, issue, sale_end) {
            errs.push(FieldError::new(
                f("docs_sale_end_at"),
                rules.rule("doc_sale_min_days"),
                format!(
                    "tender documents must be on sale for at least {} from {issue} (ends {sale_end}) ({})",
                    describe(&rules.doc_sale_min),
                    rules.doc_sale_min.source
                ),
            ));
        }
        if !meets(cal, &rules.deadline_min, issue, deadline) {
            let message = if rules.procedure == Procedure::MiningTender {
                // mining_listing's wording (auctions.mining_announcement_period).
                format!(
                    "a mining-right transfer starts at least {} after its announcement: the bid \
                     deadline ({deadline}) of a mining tender, announced with its documents on \
                     {issue} ({})",
                    describe(&rules.deadline_min),
                    rules.deadline_min.source
                )
            } else {
                format!(
                    "the bid deadline ({deadline}) must be at least {} after documents are first issued ({issue}) ({})",
                    describe(&rules.deadline_min),
                    rules.deadline_min.source
                )
            };
            errs.push(FieldError::new(
                f("bid_deadline"),
                rules.rule("deadline_min_days"),
                message,
            ));
        }
        if rules.opening_at_deadline && s.opening_at != s.bid_deadline {
            errs.push(FieldError::new(
                f("opening_at"),
                rules.rule("opening_at_deadline"),
                format!(
                    "bid opening must take place at the same time as the bid deadline ({})",
                    rules.opening_source
                ),
            ));
        }
        if !deposit_within_cap(s.deposit, s.estimated_price, rules.deposit_cap_bp) {
            errs.push(FieldError::new(
                f("deposit"),
                rules.rule("deposit_cap"),
                format!(
                    "the bid deposit {} exceeds {}% of the estimated price {} ({})",
                    s.deposit,
                    Decimal::new(i64::from(rules.deposit_cap_bp), 2),
                    s.estimated_price,
                    rules.deposit_cap_source
                ),
            ));
        }
        if let Some(c) = deposit_ceiling(input.market, s.subject) {
            if s.deposit.amount() > Decimal::from(c.max_yuan) {
                errs.push(FieldError::new(
                    f("deposit"),
                    rules.rule("deposit_ceiling"),
                    format!(
                        "the bid deposit {} exceeds the ceiling of CNY {} for {} ({})",
                        s.deposit,
                        c.max_yuan,
                        c.subject.as_str(),
                        c.source
                    ),
                ));
            }
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

/// `deposit ≤ price × cap_bp / 10000`, exactly (compared as `deposit × 10000 ≤ price × cap_bp`).
pub fn deposit_within_cap(deposit: Money, price: Money, cap_bp: u32) -> bool {
    deposit.amount() * Decimal::from(10_000) <= price.amount() * Decimal::from(cap_bp)
}

#[cfg(test)]
mod registration_tests;
#[cfg(test)]
mod tests;

// --- bid validity (投标有效期)

/// Longest bid validity (投标有效期) a section may state, in days. The law sets no ceiling: the
/// tender documents state the period, counted from the bid deadline (招标投标法实施条例 25); this
/// bound is a plausibility guard against typos, the same as deposits' `MAX_BID_VALIDITY_DAYS`.
pub const BID_VALIDITY_MAX_DAYS: i64 = 365;

/// A section's stated bid validity: absent, or 1–[`BID_VALIDITY_MAX_DAYS`] whole days
/// (rule `section.bid_validity_days_range`).
pub fn check_bid_validity(days: Option<i64>) -> Result<(), FieldError> {
    match days {
        Some(d) if !(1..=BID_VALIDITY_MAX_DAYS).contains(&d) => Err(FieldError::new(
            "bid_validity_days",
            "section.bid_validity_days_range",
            format!(
                "the bid validity (投标有效期, 实施条例 25) is 1–{BID_VALIDITY_MAX_DAYS} days from the bid deadline"
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod bid_validity_tests {
    use super::*;

    #[test]
    fn bid_validity_bounds() {
        assert!(check_bid_validity(None).is_ok());
        assert!(check_bid_validity(Some(1)).is_ok());
        assert!(check_bid_validity(Some(BID_VALIDITY_MAX_DAYS)).is_ok());
        for d in [0, -1, BID_VALIDITY_MAX_DAYS + 1] {
            let e = check_bid_validity(Some(d)).unwrap_err();
            assert_eq!(e.rule, "section.bid_validity_days_range");
        }
    }
}
