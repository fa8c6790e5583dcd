//! Evaluation methods and scoring rules as data, and the pure computations on them (no I/O).
//!
//! Sources: 评标委员会和评标方法暂行规定 (七部委12号令, "评标规定") — 第二十九条 the methods
//! (经评审的最低投标价法, 综合评估法 or others allowed by law); 第三十一条 lowest evaluated
//! price ranks by evaluated price, ascending; 第三十四条/第三十五条 comprehensive scoring weighs the
//! criteria the tender documents fixed and ranks by total score; 第二十三条 a bid not meeting the
//! substantive requirements is rejected (否决投标); 第四十二条 every member signs the report, a
//! dissent is stated in writing; 第四十五条 at most three ranked candidates. 87号令 (政府采购货物和
//! 服务招标投标管理办法) 第五十五条 fixes the government-procurement price score as
//! (base / bid) × max with the lowest valid price as base (低价优先法): the formula kind
//! `lowest_ratio`, required for comprehensive scoring in the procurement market.
//!
//! Rounding (documented, applied once at each shown result): every score and the base price are
//! rounded to 2 decimal places, half away from zero ("half-up"); intermediate values stay exact
//! `rust_decimal` (28 significant digits).

use ggzy_core::error::Violations;
use rust_decimal::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The method the tender documents fix (评标规定 第二十九条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 经评审的最低投标价法: among compliant bids, the lowest evaluated price ranks first (第三十一条).
    LowestEvaluatedPrice,
    /// 综合评估法: criteria with maximum points summing to 100 (第三十四条).
    Comprehensive,
}

/// How the base price (评标基准价) is found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BaseRule {
    /// Mean of the valid bids × (1 − k); the highest and the lowest are dropped first when there
    /// are at least `drop_extremes_from` valid bids (absent: never dropped).
    Mean {
        /// 0 ≤ K < 1 (`price_formula.k_range`).
        #[schema(value_type = String, pattern = "^0(\\.[0-9]{1,8})?$", example = "0.02")]
        k: Decimal,
        /// At least 3 (`price_formula.drop_from_min`).
        #[serde(default)]
        #[schema(minimum = 3, maximum = 1000)]
        drop_extremes_from: Option<i64>,
    },
    /// The lowest valid bid price.
    Lowest,
}

/// Which price score formula the documents fix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PriceFormulaKind {
    /// `max − |bid − base| / base × 100 × E`, E = `e_above` above the base and `e_below` below
    /// it, floored at 0 (construction tender documents' usual formula).
    #[default]
    Deviation,
    /// 低价优先法: `base / bid × max` with the lowest valid price as the base — the lowest bid
    /// gets the full price points (87号令 第五十五条; required in government procurement).
    LowestRatio,
}

/// The price score formula of the comprehensive method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PriceFormula {
    /// `deviation` (default) or `lowest_ratio`.
    #[serde(default)]
    pub kind: PriceFormulaKind,
    pub base: BaseRule,
    /// Points deducted per percent above the base (deviation formula only; not negative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,6}(\\.[0-9]{1,8})?$", example = "1")]
    pub e_above: Option<Decimal>,
    /// Points deducted per percent below the base (deviation formula only; not negative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,6}(\\.[0-9]{1,8})?$", example = "0.5")]
    pub e_below: Option<Decimal>,
}

/// The price formula a market requires, when a law fixes it: government procurement scores the
/// price by the lowest-price ratio (87号令 第五十五条: 综合评分法中的价格分统一采用低价优先法).
pub fn required_price_formula(market: &str) -> Option<PriceFormulaKind> {
    (market == "procurement").then_some(PriceFormulaKind::LowestRatio)
}

/// One scoring criterion (评分因素) of the comprehensive method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Criterion {
    /// Short code, unique within the method (`price`, `technical`, `commercial`, `credit`, …).
    #[schema(pattern = "^[a-z0-9_]{1,40}$")]
    pub code: String,
    #[schema(pattern = "\\S")]
    pub name: String,
    /// Positive, at most 2 decimals (`criterion.max_points`); all criteria sum to 100.
    #[schema(value_type = String, pattern = "^[0-9]{1,3}(\\.[0-9]{1,2})?$", example = "30")]
    pub max_points: Decimal,
    /// The price criterion is computed by the formula, never scored by hand.
    #[serde(default)]
    pub is_price: bool,
    /// Scoring guidance for the members (评分标准), required for non-price criteria.
    #[serde(default)]
    pub guidance: String,
}

/// A section's evaluation method with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MethodSpec {
    pub method: Method,
    /// Criteria of the comprehensive method (empty for the lowest evaluated price).
    #[serde(default)]
    pub criteria: Vec<Criterion>,
    /// The price formula of the comprehensive method.
    #[serde(default)]
    pub price_formula: Option<PriceFormula>,
    /// Aggregate members' scores dropping the highest and the lowest when at least this many
    /// members scored (absent: plain mean).
    #[serde(default)]
    #[schema(minimum = 3, maximum = 1000)]
    pub drop_member_extremes_from: Option<i64>,
    /// A member's total for a bid deviating from the committee mean by more than this share
    /// (0.2 = 20 %) is marked as an outlier. Default [`DEFAULT_OUTLIER_SHARE`].
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^0\\.[0-9]{0,7}[1-9][0-9]{0,7}$", example = "0.2")]
    pub outlier_share: Option<Decimal>,
    /// The ceiling price (最高投标限价) the documents set, CNY with at most 2 places: a bid above
    /// it is rejected (实施条例 第五十一条(五); 87号令 第六十三条(四)). Absent: none set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,13}(\\.[0-9]{1,2})?$", example = "9700000.00")]
    pub ceiling_price: Option<Decimal>,
    /// A price below this share of the mean of the other compliant bids is abnormally low: the
    /// committee records whether the bidder proved it reasonable (评标规定 第二十一条; 87号令 第六十条).
    /// Absent: [`DEFAULT_ABNORMALLY_LOW_SHARE`] (a regional parameter; the law names no figure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^0\\.[0-9]{1,8}$", example = "0.8")]
    pub abnormally_low_share: Option<Decimal>,
    /// How the documents break a tie, in order (e.g. `higher_non_price`, then `lower_price`); a tie
    /// they leave is broken by lot, a random draw recorded with its seed (`evaluation.tie.drawn`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tie_break: Vec<TieRule>,
    /// Government procurement: the share deducted from a small or micro enterprise's price for the
    /// price score (财库〔2020〕46号 第九条 as raised by 财库〔2022〕19号: goods and services 10–20 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^0\\.[0-9]{1,8}$", example = "0.1")]
    pub sme_deduction: Option<Decimal>,
    /// After the tender documents were issued the method changes only through a published change
    /// notice (变更公告) naming the section, at least 15 days before the bid deadline (评标规定
    /// 第十七条; 招标投标法 第二十三条): its announcement id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_notice_id: Option<String>,
}

/// A tie-breaking rule the documents may declare (applied in the declared order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TieRule {
    /// The lower bid price first.
    LowerPrice,
    /// The higher score of the hand-scored criteria (technical, commercial …) first.
    HigherNonPrice,
}

impl TieRule {
    /// The rule's name as the documents declare it (its serde name).
    pub fn as_str(&self) -> &'static str {
        match self {
            TieRule::LowerPrice => "lower_price",
            TieRule::HigherNonPrice => "higher_non_price",
        }
    }
}

/// Points of all criteria together (评标规定 第三十四条 weighs criteria; the 100-point scale is the
/// tender documents' convention this platform enforces).
pub const TOTAL_POINTS: Decimal = Decimal::ONE_HUNDRED;

/// Default outlier threshold: 20 % from the committee mean (a monitoring signal, not a legal cap).
pub fn default_outlier_share() -> Decimal {
    Decimal::new(2, 1)
}

/// At most this many ranked candidates go to the report (评标规定 第四十五条).
pub const MAX_CANDIDATES: usize = 3;

/// Round a shown result: 2 places, half away from zero.
/// The result always carries exactly 2 places ("51.00"), as it is shown on the report.
pub fn round2(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

impl MethodSpec {
    /// Check the spec; every broken field is named.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        if let Some(n) = self.drop_member_extremes_from {
            if n < 3 {
                v.push(
                    "drop_member_extremes_from",
                    "aggregation.drop_from_min",
                    "dropping the highest and lowest member needs at least 3 members",
                );
            }
        }
        if let Some(s) = self.outlier_share {
            if s <= Decimal::ZERO || s >= Decimal::ONE {
                v.push(
                    "outlier_share",
                    "outlier.share_range",
                    "outlier share must be greater than 0 and less than 1",
                );
            }
        }
        if let Some(c) = self.ceiling_price {
            if c <= Decimal::ZERO || c.scale() > 2 {
                v.push(
                    "ceiling_price",
                    "ceiling.amount",
                    "the ceiling price is a positive amount with at most 2 decimals",
                );
            }
        }
        if let Some(s) = self.abnormally_low_share {
            if s <= Decimal::ZERO || s >= Decimal::ONE {
                v.push(
                    "abnormally_low_share",
                    "abnormally_low.share_range",
                    "the abnormally-low share must be greater than 0 and less than 1",
                );
            }
        }
        for (i, t) in self.tie_break.iter().enumerate() {
            if self.tie_break[..i].contains(t) {
                v.push(
                    format!("tie_break[{i}]"),
                    "tie_break.duplicate",
                    "each tie-breaking rule appears once",
                );
            }
            if *t == TieRule::HigherNonPrice && self.method != Method::Comprehensive {
                v.push(
                    format!("tie_break[{i}]"),
                    "tie_break.needs_scores",
                    "the lowest evaluated price method has no hand-scored criteria to break a tie",
                );
            }
        }
        if let Some(n) = &self.change_notice_id {
            if n.trim().is_empty() || n.len() > 100 {
                v.push(
                    "change_notice_id",
                    "method.change_notice_format",
                    "the change notice's announcement id: 1–100 characters",
                );
            }
        }
        match self.method {
            Method::LowestEvaluatedPrice => {
                if !self.criteria.is_empty() {
                    v.push(
                        "criteria",
                        "method.lowest_price_no_criteria",
                        "the lowest evaluated price method ranks by price and takes no scoring criteria (评标规定 第三十一条)",
                    );
                }
            }
            Method::Comprehensive => {
                if self.criteria.is_empty() {
                    v.push(
                        "criteria",
                        "criteria.required",
                        "comprehensive scoring needs its criteria (评标规定 第三十四条)",
                    );
                }
                let mut sum = Decimal::ZERO;
                for (i, c) in self.criteria.iter().enumerate() {
                    let f = |n: &str| format!("criteria[{i}].{n}");
                    let code_ok = !c.code.is_empty()
                        && c.code.len() <= 40
                        && c.code
                            .chars()
                            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
                    if !code_ok {
                        v.push(
                            f("code"),
                            "criterion.code_format",
                            "code: 1–40 of a-z, 0-9, _",
                        );
                    }
                    if self.criteria[..i].iter().any(|o| o.code == c.code) {
                        v.push(f("code"), "criterion.duplicate", "codes must be unique");
                    }
                    if c.name.trim().is_empty() {
                        v.push(f("name"), "criterion.name_required", "name is required");
                    }
                    if c.max_points <= Decimal::ZERO || c.max_points.scale() > 2 {
                        v.push(
                            f("max_points"),
                            "criterion.max_points",
                            "max points must be positive with at most 2 decimals",
                        );
                    }
                    if !c.is_price && c.guidance.trim().is_empty() {
                        v.push(
                            f("guidance"),
                            "criterion.guidance_required",
                            "a criterion scored by the members needs its scoring guidance",
                        );
                    }
                    sum += c.max_points;
                }
                let prices = self.criteria.iter().filter(|c| c.is_price).count();
                if prices != 1 {
                    v.push(
                        "criteria",
                        "criteria.one_price",
                        "exactly one criterion must be the price criterion",
                    );
                }
                if sum != TOTAL_POINTS {
                    v.push(
                        "criteria",
                        "criteria.sum_100",
                        format!("maximum points must sum to 100, not {sum}"),
                    );
                }
                match &self.price_formula {
                    None => v.push(
                        "price_formula",
                        "price_formula.required",
                        "comprehensive scoring needs its price formula",
                    ),
                    Some(p) => {
                        for (field, e) in [("e_above", p.e_above), ("e_below", p.e_below)] {
                            let f = format!("price_formula.{field}");
                            match (p.kind, e) {
                                (PriceFormulaKind::Deviation, None) => v.push(
                                    f,
                                    "price_formula.e_required",
                                    "the deviation formula needs E above and below the base",
                                ),
                                (PriceFormulaKind::Deviation, Some(e)) if e < Decimal::ZERO => v
                                    .push(
                                        f,
                                        "price_formula.e_nonnegative",
                                        "E must not be negative",
                                    ),
                                (PriceFormulaKind::LowestRatio, Some(_)) => v.push(
                                    f,
                                    "price_formula.ratio_takes_no_e",
                                    "the lowest-price ratio (87号令 第五十五条) takes no E",
                                ),
                                _ => {}
                            }
                        }
                        if p.kind == PriceFormulaKind::LowestRatio && p.base != BaseRule::Lowest {
                            v.push(
                                "price_formula.base",
                                "price_formula.ratio_base_lowest",
                                "the lowest-price ratio takes the lowest valid price as its base (87号令 第五十五条)",
                            );
                        }
                        if let BaseRule::Mean {
                            k,
                            drop_extremes_from,
                        } = &p.base
                        {
                            if *k < Decimal::ZERO || *k >= Decimal::ONE {
                                v.push(
                                    "price_formula.base.k",
                                    "price_formula.k_range",
                                    "K must be at least 0 and less than 1",
                                );
                            }
                            if drop_extremes_from.is_some_and(|n| n < 3) {
                                v.push(
                                    "price_formula.base.drop_extremes_from",
                                    "price_formula.drop_from_min",
                                    "dropping the highest and lowest bid needs at least 3 bids",
                                );
                            }
                        }
                    }
                }
            }
        }
        if v.is_empty() {
            Ok(())
        } else {
            Err(v)
        }
    }

    pub fn outlier_share(&self) -> Decimal {
        self.outlier_share.unwrap_or_else(default_outlier_share)
    }

    /// The criteria members score by hand.
    pub fn scored_criteria(&self) -> impl Iterator<Item = &Criterion> {
        self.criteria.iter().filter(|c| !c.is_price)
    }

    pub fn price_criterion(&self) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.is_price)
    }
}

/// The base price with everything that went into it (shown on the report).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BaseComputation {
    pub rule: BaseRule,
    #[schema(value_type = Vec<String>)]
    pub valid_prices: Vec<Decimal>,
    /// Prices left out (the highest and the lowest) under `drop_extremes_from`.
    #[schema(value_type = Vec<String>)]
    pub dropped: Vec<Decimal>,
    /// The exact mean (absent for `Lowest`).
    #[schema(value_type = Option<String>)]
    pub mean: Option<Decimal>,
    /// The base, rounded to 2 places half-up.
    #[schema(value_type = String)]
    pub base: Decimal,
}

/// Base price of `prices` (valid bids only); `None` without any valid bid.
pub fn base_price(rule: &BaseRule, prices: &[Decimal]) -> Option<BaseComputation> {
    if prices.is_empty() {
        return None;
    }
    let mut sorted = prices.to_vec();
    sorted.sort();
    match rule {
        BaseRule::Lowest => Some(BaseComputation {
            rule: rule.clone(),
            valid_prices: prices.to_vec(),
            dropped: vec![],
            mean: None,
            base: round2(sorted[0]),
        }),
        BaseRule::Mean {
            k,
            drop_extremes_from,
        } => {
            let drop = drop_extremes_from.is_some_and(|n| n >= 3 && sorted.len() as i64 >= n);
            let (kept, dropped) = if drop {
                (
                    sorted[1..sorted.len() - 1].to_vec(),
                    vec![sorted[0], sorted[sorted.len() - 1]],
                )
            } else {
                (sorted.clone(), vec![])
            };
            let sum: Decimal = kept.iter().copied().sum();
            let mean = sum / Decimal::from(kept.len());
            Some(BaseComputation {
                rule: rule.clone(),
                valid_prices: prices.to_vec(),
                dropped,
                mean: Some(mean),
                base: round2(mean * (Decimal::ONE - *k)),
            })
        }
    }
}

/// One bid's price score with its inputs (shown on the report).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PriceScore {
    pub formula: PriceFormulaKind,
    #[schema(value_type = String)]
    pub bid: Decimal,
    #[schema(value_type = String)]
    pub base: Decimal,
    #[schema(value_type = String)]
    pub max_points: Decimal,
    /// Deviation formula: `|bid − base| / base × 100`, exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub deviation_percent: Option<Decimal>,
    /// Deviation formula: the E applied (`e_above` or `e_below`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub e: Option<Decimal>,
    /// Lowest-price ratio: `base / bid`, exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub ratio: Option<Decimal>,
    /// Rounded to 2 places half-up, floored at 0.
    #[schema(value_type = String)]
    pub score: Decimal,
}

/// The price score of `bid` against `base`, rounded to 2 places half-up, within [0, max]:
/// deviation `max − |bid − base| / base × 100 × E` floored at 0, or the lowest-price ratio
/// `base / bid × max` (87号令 第五十五条). `base` and `bid` are positive for valid bids; a
/// non-positive one scores 0 rather than dividing by it.
pub fn price_score(
    f: &PriceFormula,
    max_points: Decimal,
    bid: Decimal,
    base: Decimal,
) -> PriceScore {
    let mut s = PriceScore {
        formula: f.kind,
        bid,
        base,
        max_points,
        deviation_percent: None,
        e: None,
        ratio: None,
        score: Decimal::ZERO,
    };
    match f.kind {
        PriceFormulaKind::Deviation => {
            let diff = bid - base;
            let e = if diff > Decimal::ZERO {
                f.e_above
            } else {
                f.e_below
            }
            .unwrap_or(Decimal::ZERO);
            let deviation_percent = if base > Decimal::ZERO {
                diff.abs() / base * Decimal::ONE_HUNDRED
            } else {
                Decimal::ZERO
            };
            s.score = round2((max_points - deviation_percent * e).max(Decimal::ZERO));
            s.deviation_percent = Some(deviation_percent);
            s.e = Some(e);
        }
        PriceFormulaKind::LowestRatio => {
            let ratio = if bid > Decimal::ZERO && base > Decimal::ZERO {
                (base / bid).min(Decimal::ONE)
            } else {
                Decimal::ZERO
            };
            s.score = round2(ratio * max_points);
            s.ratio = Some(ratio);
        }
    }
    s
}

/// The committee's figure from the members' figures: the mean, or the mean without the highest
/// and the lowest when at least `drop_from` members gave one; rounded to 2 places half-up.
pub fn aggregate(values: &[Decimal], drop_from: Option<i64>) -> Decimal {
    if values.is_empty() {
        return Decimal::ZERO;
    }
    let mut v = values.to_vec();
    v.sort();
    let kept = if drop_from.is_some_and(|n| n >= 3 && v.len() as i64 >= n) {
        &v[1..v.len() - 1]
    } else {
        &v[..]
    };
    let sum: Decimal = kept.iter().copied().sum();
    round2(sum / Decimal::from(kept.len()))
}

/// Whether `value` deviates from `mean` by more than `share` of the mean.
pub fn is_outlier(value: Decimal, mean: Decimal, share: Decimal) -> bool {
    if mean <= Decimal::ZERO {
        return value > Decimal::ZERO && share < Decimal::ONE;
    }
    (value - mean).abs() / mean > share
}

/// A bid to rank.
#[derive(Debug, Clone, PartialEq)]
pub struct Rankable {
    pub org_id: String,
    pub price: Decimal,
    /// Total score (comprehensive), `None` for the lowest evaluated price.
    pub total: Option<Decimal>,
    /// Score of the hand-scored criteria (a tie-breaker of the comprehensive method).
    pub non_price: Decimal,
}

/// Rank bids. Lowest evaluated price (评标规定 第三十一条): price ascending. Comprehensive (第三十五
/// 条): total descending. A tie goes to the documents' rules `tie_break` in order, then to the lot
/// ([`lot_key`] with `seed`); never to the organization id. Without a seed the groups a lot must
/// break are returned in `lots` (the caller draws the seed and ranks again).
pub fn rank(
    method: Method,
    mut bids: Vec<Rankable>,
    tie_break: &[TieRule],
    seed: Option<&str>,
) -> Ranking {
    use std::cmp::Ordering;
    let documents = |a: &Rankable, b: &Rankable| -> Ordering {
        let mut o = match method {
            Method::LowestEvaluatedPrice => a.price.cmp(&b.price),
            Method::Comprehensive => b.total.cmp(&a.total),
        };
        for t in tie_break {
            o = o.then(match t {
                TieRule::LowerPrice => a.price.cmp(&b.price),
                TieRule::HigherNonPrice => b.non_price.cmp(&a.non_price),
            });
        }
        o
    };
    bids.sort_by(|a, b| {
        documents(a, b).then_with(|| match seed {
            Some(s) => lot_key(s, &a.org_id).cmp(&lot_key(s, &b.org_id)),
            None => Ordering::Equal,
        })
    });
    let mut lots: Vec<Vec<String>> = vec![];
    let mut i = 0;
    while i < bids.len() {
        let mut j = i + 1;
        while j < bids.len() && documents(&bids[i], &bids[j]) == Ordering::Equal {
            j += 1;
        }
        if j - i > 1 {
            lots.push(bids[i..j].iter().map(|b| b.org_id.clone()).collect());
        }
        i = j;
    }
    Ranking { ranked: bids, lots }
}

/// Whether `now` lies in the evaluation session `[start, end]` (both inclusive). The committee
/// evaluates in the session the centre scheduled: the evaluation is kept strictly confidential
/// (招标投标法 第三十八条); no article fixes a time box, so holding members to the session is the
/// centre's rule.
pub fn within_session(
    now: chrono::DateTime<chrono::Utc>,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> bool {
    now >= start && now <= end
}

/// Whether the client address `ip` may work on an evaluation whose session room has the terminal
/// networks `networks` (CIDR strings, validated by venues when the room was configured): always
/// when the room has none, otherwise only from inside one of them. An entry that does not parse
/// admits nobody (fail closed). IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, a dual-stack
/// listener) count as their IPv4 address; an unknown address is outside every network.
///
/// Evaluation in a closed environment: 招标投标法 第三十八条 (the evaluation is kept strictly
/// confidential) with 电子招标投标办法 (20号令) on evaluating through the platform; no article
/// names terminal networks — restricting members to the room's networks is the centre's rule.
pub fn from_room_network(ip: &str, networks: &[String]) -> bool {
    if networks.is_empty() {
        return true;
    }
    let Ok(ip) = ip.trim().parse::<std::net::IpAddr>() else {
        return false;
    };
    let ip = ip.to_canonical();
    networks.iter().any(|n| cidr_contains(n, ip))
}

fn cidr_contains(cidr: &str, ip: std::net::IpAddr) -> bool {
    let as_bits = |a: std::net::IpAddr| match a {
        std::net::IpAddr::V4(v) => (u128::from(u32::from(v)), 32u32),
        std::net::IpAddr::V6(v) => (u128::from(v), 128u32),
    };
    let Some((net, prefix)) = cidr.split_once('/') else {
        return false;
    };
    let (Ok(net), Ok(prefix)) = (net.parse::<std::net::IpAddr>(), prefix.parse::<u32>()) else {
        return false;
    };
    let ((n, width), (a, a_width)) = (as_bits(net), as_bits(ip));
    if width != a_width || prefix > width {
        return false;
    }
    let shift = width - prefix;
    shift >= 128 || (n >> shift) == (a >> shift)
}

// ---------------------------------------------------------------------------------------------
// Issue 21: ceiling price, abnormally low prices, procurement price weight, SME deduction, ties.

/// 实施条例 第五十一条(五) (投标报价高于招标文件设定的最高投标限价 → 否决投标); 87号令 第六十三条(四)
/// (报价超过招标文件中规定的预算金额或者最高限价 → 投标无效).
pub const CEILING_SOURCE: &str =
    "招标投标法实施条例 第五十一条第(五)项; 政府采购货物和服务招标投标管理办法 (87号令) 第六十三条第(四)项";

/// A bid above the ceiling is rejected; a bid equal to it is not ("高于" / "超过").
pub fn above_ceiling(price: Decimal, ceiling: Decimal) -> bool {
    price > ceiling
}

/// 评标规定 第二十一条 (明显低于其他投标报价 … 应当要求该投标人作出书面说明并提供相关证明材料; 不能合理
/// 说明 … 否决其投标); 87号令 第六十条 (明显低于其他通过符合性审查投标人的报价 … 在评标现场合理的时间内
/// 提供书面说明 … 不能证明其报价合理性的 … 作为无效投标处理).
pub const ABNORMALLY_LOW_SOURCE: &str =
    "评标委员会和评标方法暂行规定 第二十一条; 政府采购货物和服务招标投标管理办法 (87号令) 第六十条";

/// "明显低于" has no figure in the law: below 80 % of the mean of the other compliant bids is this
/// centre's regional parameter (地方规定 — a section's documents may declare their own share).
pub const DEFAULT_ABNORMALLY_LOW_SHARE: Decimal = Decimal::from_parts(8, 0, 0, false, 1);

/// A flagged price: the bid, the mean of the others it was compared with (exact) and the threshold
/// (`share × mean`, exact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AbnormallyLow {
    pub org_id: String,
    #[schema(value_type = String)]
    pub price: Decimal,
    #[schema(value_type = String)]
    pub others_mean: Decimal,
    #[schema(value_type = String)]
    pub threshold: Decimal,
}

/// The abnormally low prices among the compliant bids `bids` (org, price): a price strictly below
/// `share` × the mean of the other bids. With fewer than two bids nothing compares.
pub fn abnormally_low(bids: &[(String, Decimal)], share: Decimal) -> Vec<AbnormallyLow> {
    if bids.len() < 2 {
        return vec![];
    }
    let total: Decimal = bids.iter().map(|b| b.1).sum();
    let others = Decimal::from(bids.len() - 1);
    bids.iter()
        .filter_map(|(org, price)| {
            let others_mean = (total - price) / others;
            let threshold = others_mean * share;
            (*price < threshold).then(|| AbnormallyLow {
                org_id: org.clone(),
                price: *price,
                others_mean,
                threshold,
            })
        })
        .collect()
}

/// 87号令 第五十五条: 货物项目的价格分值占总分值的比重不得低于30%; 服务项目的价格分值占总分值的比重不得低于10%.
pub const PRICE_WEIGHT_SOURCE: &str = "政府采购货物和服务招标投标管理办法 (87号令) 第五十五条";

/// The minimum price points (of 100) of comprehensive scoring in `market` for what the section buys
/// (`subject`; a procurement section without one buys goods): procurement goods 30, services 10;
/// works and the other markets: what the documents fix (none).
pub fn min_price_points(market: &str, subject: Option<&str>) -> Option<Decimal> {
    if market != "procurement" {
        return None;
    }
    match subject.unwrap_or("goods") {
        "goods" => Some(Decimal::from(30)),
        "services" => Some(Decimal::from(10)),
        _ => None,
    }
}

/// 财库〔2020〕46号 (政府采购促进中小企业发展管理办法) 第九条, with the ranges raised by 财库〔2022〕19号
/// 第二条 (article to verify): a small or micro enterprise's price is deducted by the share the
/// documents declare before the price score; goods and services 10–20 %.
pub const SME_SOURCE: &str =
    "政府采购促进中小企业发展管理办法 (财库〔2020〕46号) 第九条; 财库〔2022〕19号 第二条 (article to verify)";

/// The deduction range (inclusive) for what a procurement section buys: goods and services 10–20 %;
/// none for works (the works range, 财库〔2022〕19号, is not offered here).
pub fn sme_deduction_range(market: &str, subject: Option<&str>) -> Option<(Decimal, Decimal)> {
    if market != "procurement" {
        return None;
    }
    match subject.unwrap_or("goods") {
        "goods" | "services" => Some((Decimal::new(10, 2), Decimal::new(20, 2))),
        _ => None,
    }
}

/// The price the price score uses: a small or micro enterprise's price less the declared
/// deduction, exact (财库〔2020〕46号 第九条: 用扣除后的价格参加评审); others' price as bid. The
/// ceiling, the ranking's price and the contract keep the price bid.
pub fn evaluated_price(price: Decimal, sme: bool, deduction: Option<Decimal>) -> Decimal {
    match (sme, deduction) {
        (true, Some(d)) => price * (Decimal::ONE - d),
        _ => price,
    }
}

impl MethodSpec {
    /// The checks that depend on the section: procurement's minimum price weight (87号令 第五十五条)
    /// and the SME deduction's range (财库〔2020〕46号 第九条).
    pub fn validate_for(&self, market: &str, subject: Option<&str>) -> Result<(), Violations> {
        let mut v = Violations::new();
        if let (Method::Comprehensive, Some(min), Some(price)) = (
            self.method,
            min_price_points(market, subject),
            self.price_criterion(),
        ) {
            if price.max_points < min {
                v.push(
                    "criteria",
                    "price_weight.minimum",
                    format!(
                        "the price criterion weighs {} of 100; at least {min} for {} ({PRICE_WEIGHT_SOURCE})",
                        price.max_points,
                        subject.unwrap_or("goods")
                    ),
                );
            }
        }
        if let Some(d) = self.sme_deduction {
            match sme_deduction_range(market, subject) {
                None => v.push(
                    "sme_deduction",
                    "sme.not_applicable",
                    "the SME price deduction applies to government procurement of goods and services",
                ),
                Some((lo, hi)) if d < lo || d > hi => v.push(
                    "sme_deduction",
                    "sme.deduction_range",
                    format!("the SME price deduction is {lo} to {hi} ({SME_SOURCE})"),
                ),
                Some(_) => {}
            }
            if self.method != Method::Comprehensive {
                v.push(
                    "sme_deduction",
                    "sme.needs_price_score",
                    "the SME deduction applies to the price score of comprehensive scoring",
                );
            }
        }
        if v.is_empty() {
            Ok(())
        } else {
            Err(v)
        }
    }
}

/// 评标规定 第十七条 (评标委员会应当根据招标文件规定的评标标准和方法 …): the issued documents fix
/// the method; a change to the documents reaches every recipient at least 15 days before the bid
/// deadline (招标投标法 第二十三条; 87号令 第二十七条).
pub const METHOD_FIXED_SOURCE: &str =
    "评标委员会和评标方法暂行规定 第十七条; 招标投标法 第二十三条; 政府采购货物和服务招标投标管理办法 (87号令) 第二十七条";

/// At least this many calendar days between a change of the documents and the bid deadline.
pub const CHANGE_MIN_DAYS: i64 = 15;

/// Whole calendar days from the Asia/Shanghai date of `a` to that of `b` (as publishing counts the
/// 15 days of a change notice).
pub fn days_between(a: chrono::DateTime<chrono::Utc>, b: chrono::DateTime<chrono::Utc>) -> i64 {
    (ggzy_core::time::local_date(b) - ggzy_core::time::local_date(a)).num_days()
}

/// Whether the method may change now: freely before the documents are issued (and before any bid);
/// afterwards only with a published change notice (`notice`) and at least [`CHANGE_MIN_DAYS`] days
/// before the current bid deadline. The refusal's rule id otherwise.
pub fn method_change(
    issued: bool,
    any_bid: bool,
    notice: bool,
    now: chrono::DateTime<chrono::Utc>,
    deadline: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), &'static str> {
    if !issued && !any_bid {
        return Ok(());
    }
    if !notice {
        return Err("method.fixed_by_documents");
    }
    match deadline {
        Some(d) if days_between(now, d) >= CHANGE_MIN_DAYS => Ok(()),
        Some(_) => Err("method.change_too_late"),
        None => Err("method.fixed_by_documents"),
    }
}

/// The lot breaking a tie: each tied bid's key is the SHA-256 of `seed:org_id` (hex); the lower key
/// ranks first. The seed is drawn at random once and recorded, so anyone can recompute the order.
pub fn lot_key(seed: &str, org_id: &str) -> String {
    ggzy_core::lot::key(seed, org_id)
}

/// The ranking with the ties the documents' rules left (each group in rank order).
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    pub ranked: Vec<Rankable>,
    /// Groups of organizations still tied after the documents' rules, broken by lot.
    pub lots: Vec<Vec<String>>,
}

/// A bid is rejected (否决投标, 评标规定 第二十三条) when more than half of the committee says so.
pub fn rejected_by_majority(fail_votes: usize, committee: usize) -> bool {
    fail_votes * 2 > committee
}

#[cfg(test)]
mod tests;
