//! Deposit rules as pure functions and data, each with its legal source (no I/O).
//!
//! 实施条例 = 招标投标法实施条例; 政采条例 = 政府采购法实施条例; 87号令 = 政府采购货物和服务招标投标管理办法.

use chrono::NaiveDate;
use ggzy_core::calendar::{BusinessCalendar, Reckoned};
use ggzy_core::ident::Market;
use ggzy_core::period::{self, Days};
use ggzy_core::{Money, Timestamp};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

/// Canonical form of a bank account number: digits and letters only (banks print spaces and dashes).
pub fn normalize_account(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Why a receipt could not be credited to a deposit (it is held as unmatched and returned).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnmatchedReason {
    /// The virtual sub-account named by the bank is not one we issued.
    UnknownAccount,
    /// Construction deposits in cash must come from the bidder's basic account (基本账户),
    /// 实施条例 26; the money came from another account.
    NotBasicAccount,
}

impl UnmatchedReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            UnmatchedReason::UnknownAccount => "unknown_account",
            UnmatchedReason::NotBasicAccount => "not_basic_account",
        }
    }
}

/// Decide whether a transfer into a bidder's virtual account is credited to its deposit.
/// `basic_account` is the bidder's registered basic account (None when not on record).
pub fn accept_transfer(
    market: Market,
    payer_account: &str,
    basic_account: Option<&str>,
) -> Result<(), UnmatchedReason> {
    // 实施条例 26: 依法必须进行招标的项目的境内投标单位，以现金或者支票形式提交的投标保证金应当从其
    // 基本账户转出. Applies to the construction (工程建设) market.
    if market == Market::Construction {
        let from = normalize_account(payer_account);
        match basic_account.map(normalize_account) {
            Some(basic) if !basic.is_empty() && basic == from => Ok(()),
            _ => Err(UnmatchedReason::NotBasicAccount),
        }
    } else {
        Ok(())
    }
}

/// A credited transfer as seen by the validity rule.
#[derive(Debug, Clone)]
pub struct Credit {
    pub fen: i64,
    /// Value time (起息/到账时间) reported by the bank.
    pub value_at: Timestamp,
    /// False when the money was held as unmatched (e.g. not from the basic account).
    pub accepted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DepositStatus {
    Valid,
    /// Nothing received.
    Missing,
    /// Something received, but it does not make a valid deposit (see the reason).
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub status: DepositStatus,
    /// Rule code of the first reason the deposit is not valid.
    pub reason: Option<&'static str>,
    /// Fen counted as the deposit (at most the required amount).
    pub counted_fen: i64,
    /// Accepted fen beyond the counted deposit (overpayment, late money): refundable.
    pub excess_fen: i64,
}

/// Deposit validity for one bidder and one section.
///
/// Only accepted money whose value time is strictly before the bid deadline counts (money arriving
/// at or after the deadline cannot make a bid valid: the deposit is part of the bid, 招标投标法 29 /
/// 实施条例 26); less than required is not valid; more counts the required amount and the rest is
/// refundable.
pub fn assess(required_fen: i64, deadline: Timestamp, credits: &[Credit]) -> Assessment {
    let accepted: i64 = credits.iter().filter(|c| c.accepted).map(|c| c.fen).sum();
    let on_time: i64 = credits
        .iter()
        .filter(|c| c.accepted && c.value_at < deadline)
        .map(|c| c.fen)
        .sum();
    if on_time >= required_fen {
        let counted = required_fen.max(0);
        return Assessment {
            status: DepositStatus::Valid,
            reason: None,
            counted_fen: counted,
            excess_fen: accepted - counted,
        };
    }
    if credits.is_empty() {
        return Assessment {
            status: DepositStatus::Missing,
            reason: Some("deposit.missing"),
            counted_fen: 0,
            excess_fen: 0,
        };
    }
    let reason = if credits.iter().any(|c| !c.accepted) {
        "deposit.not_basic_account"
    } else if credits.iter().any(|c| c.value_at >= deadline) {
        "deposit.after_deadline"
    } else {
        "deposit.underpaid"
    };
    Assessment {
        status: DepositStatus::Invalid,
        reason: Some(reason),
        counted_fen: 0,
        excess_fen: accepted,
    }
}

/// Why a deposit is refunded; each case has its own period and source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundCase {
    /// Construction, after the contract is signed: winner and losers.
    ConstructionContractSigned,
    /// Construction, bid withdrawn before the deadline.
    ConstructionWithdrawal,
    /// Government procurement, unsuccessful supplier: from the award notice.
    ProcurementLoser,
    /// Government procurement, winning supplier: from contract signing.
    ProcurementWinner,
    /// Government procurement, withdrawal or termination.
    ProcurementWithdrawal,
    /// Construction, the tender terminated or failed: promptly.
    ConstructionTermination,
    /// Land, the listing or auction ended (deal or failure): every bidder but the winner
    /// (国土资源部令第39号 第二十一条).
    LandAuctionEnded,
    /// Property, the listing or online bidding ended (deal or failure): every bidder but the
    /// winner (32号令 gives no period; the exchange's value, see [`REFUND_PERIODS`]).
    PropertyAuctionEnded,
    /// Land tendered (招标出让): the unsuccessful bidders once the award is made — 5 working
    /// days, without interest (国土资源部令第39号 第二十一条), not the procurement rule; the winner
    /// only for what it paid beyond the deposit converted into the price.
    LandTenderLoser,
}

impl RefundCase {
    pub fn as_str(&self) -> &'static str {
        match self {
            RefundCase::ConstructionContractSigned => "construction_contract_signed",
            RefundCase::ConstructionWithdrawal => "construction_withdrawal",
            RefundCase::ProcurementLoser => "procurement_loser",
            RefundCase::ProcurementWinner => "procurement_winner",
            RefundCase::ProcurementWithdrawal => "procurement_withdrawal",
            RefundCase::ConstructionTermination => "construction_termination",
            RefundCase::LandAuctionEnded => "land_auction_ended",
            RefundCase::PropertyAuctionEnded => "property_auction_ended",
            RefundCase::LandTenderLoser => "land_tender_loser",
        }
    }

    pub fn parse(s: &str) -> Option<RefundCase> {
        REFUND_PERIODS
            .iter()
            .map(|p| p.case)
            .find(|c| c.as_str() == s)
    }
}

/// What happened to the bidder's participation, as far as refunds are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundTrigger {
    /// The award (中标/成交通知书) was issued.
    Award,
    /// The contract was signed.
    ContractSigned,
    /// The bidder withdrew its bid before the deadline.
    Withdrawal,
    /// The section was terminated or failed (流标).
    Termination,
    /// A land or property listing / auction ended: deal (成交) or failure (流拍).
    AuctionEnded,
}

/// Which refund period applies to one bidder after `trigger` (None: not refundable yet).
/// Land and property deposits follow the procurement periods until those markets get their own
/// (39号令 / 32号令 periods are to be verified, see docs/deposits.md).
pub fn refund_case(market: Market, trigger: RefundTrigger, is_winner: bool) -> Option<RefundCase> {
    use RefundCase as C;
    use RefundTrigger as T;
    match (market, trigger) {
        // 实施条例 57: winner and losers alike, after the contract.
        (Market::Construction, T::Award) => None,
        (Market::Construction, T::ContractSigned) => Some(C::ConstructionContractSigned),
        (Market::Construction, T::Withdrawal) => Some(C::ConstructionWithdrawal),
        (Market::Construction, T::Termination) => Some(C::ConstructionTermination),
        // Listings and auctions exist only in the land and property markets.
        (Market::Land, T::AuctionEnded) => Some(C::LandAuctionEnded),
        (Market::Property, T::AuctionEnded) => Some(C::PropertyAuctionEnded),
        (_, T::AuctionEnded) => None,
        // 39号令 21: the other bidders of a land tender are refunded within 5 working days after
        // the activity ends (the award), without interest; the winner's deposit becomes part of
        // the price at the award, and only what it paid beyond it is refunded, on the same terms
        // (the caller leaves the winner out when nothing is left). Nothing waits for the contract.
        (Market::Land, T::Award) => Some(C::LandTenderLoser),
        (Market::Land, T::ContractSigned) => None,
        (_, T::Award) if is_winner => None,
        (_, T::Award) => Some(C::ProcurementLoser),
        (_, T::ContractSigned) => Some(C::ProcurementWinner),
        (_, T::Withdrawal) | (_, T::Termination) => Some(C::ProcurementWithdrawal),
    }
}

/// A refund period: `days` counted from the day after the event, calendar or working days.
#[derive(Debug, Clone, Copy)]
pub struct RefundPeriod {
    pub case: RefundCase,
    pub days: u32,
    pub working: bool,
    /// Whether bank interest for the days held is paid with the refund.
    pub interest: bool,
    /// Whether a late refund owes the 超期资金占用费 (87号令 38) for the days after the due date.
    pub late_fee: bool,
    pub source: &'static str,
}

/// The refund periods (data).
pub const REFUND_PERIODS: [RefundPeriod; 9] = [
    // 实施条例 57: 招标人最迟应当在书面合同签订后5日内向中标人和未中标的投标人退还投标保证金及银行同期存款利息.
    RefundPeriod {
        case: RefundCase::ConstructionContractSigned,
        days: 5,
        working: false,
        interest: true,
        late_fee: false,
        source: "实施条例 57",
    },
    // 实施条例 35: 投标人撤回已提交的投标文件…招标人已收取投标保证金的，应当自收到投标人书面撤回通知之日起5日内退还.
    RefundPeriod {
        case: RefundCase::ConstructionWithdrawal,
        days: 5,
        working: false,
        interest: true,
        late_fee: false,
        source: "实施条例 35",
    },
    // 政采条例 33 / 87号令 38: 自中标通知书发出之日起5个工作日内退还未中标供应商的投标保证金.
    RefundPeriod {
        case: RefundCase::ProcurementLoser,
        days: 5,
        working: true,
        // 政采条例 33 / 87号令 38 pay no interest on a timely refund; a late one owes the
        // 超期资金占用费 (87号令 38), not 实施条例 57's bank interest (a construction rule).
        interest: false,
        late_fee: true,
        source: "政采条例 33; 87号令 38",
    },
    // 政采条例 33 / 87号令 38: 自政府采购合同签订之日起5个工作日内退还中标供应商的投标保证金.
    RefundPeriod {
        case: RefundCase::ProcurementWinner,
        days: 5,
        working: true,
        // 政采条例 33 / 87号令 38 pay no interest on a timely refund; a late one owes the
        // 超期资金占用费 (87号令 38), not 实施条例 57's bank interest (a construction rule).
        interest: false,
        late_fee: true,
        source: "政采条例 33; 87号令 38",
    },
    // 87号令 38: 撤回投标文件、终止采购活动的，自收到通知/终止之日起5个工作日内退还.
    RefundPeriod {
        case: RefundCase::ProcurementWithdrawal,
        days: 5,
        working: true,
        // 政采条例 33 / 87号令 38 pay no interest on a timely refund; a late one owes the
        // 超期资金占用费 (87号令 38), not 实施条例 57's bank interest (a construction rule).
        interest: false,
        late_fee: true,
        source: "87号令 38",
    },
    // 实施条例 31: 招标人终止招标的…已经收取投标保证金的，招标人应当及时退还所收取的投标保证金及银行同期存款利息.
    // 及时 has no number; the centre's rule is the next working day (data, change here).
    RefundPeriod {
        case: RefundCase::ConstructionTermination,
        days: 1,
        working: true,
        interest: true,
        late_fee: false,
        source: "实施条例 31",
    },
    // 国土资源部令第39号 第二十一条: 中标人、竞得人支付的投标、竞买保证金，抵作土地出让价款；其他投标人、
    // 竞买人支付的投标、竞买保证金，出让人必须在招标拍卖挂牌活动结束后5个工作日内予以退还，不计利息.
    // (domain-rules §7 marks the 39号令 values "verify".) A failed listing also ends the activity.
    RefundPeriod {
        case: RefundCase::LandAuctionEnded,
        days: 5,
        working: true,
        interest: false,
        late_fee: false,
        source: "国土资源部令第39号 第二十一条",
    },
    // 32号令 sets no refund period for the deposits of unsuccessful buyers; the exchange's rule
    // (data, change here): 5 working days after the deal or failure, with the bank interest as for
    // other deposits (to be verified against the exchange's trading rules).
    RefundPeriod {
        case: RefundCase::PropertyAuctionEnded,
        days: 5,
        working: true,
        interest: true,
        late_fee: false,
        source: "国资委 财政部令第32号 (no period stated; exchange rule: 5 working days)",
    },
    // 国土资源部令第39号 第二十一条: 其他投标人…支付的投标…保证金，出让人必须在招标…活动结束后5个工作日内
    // 予以退还，不计利息. The tender ends with the award (中标通知).
    RefundPeriod {
        case: RefundCase::LandTenderLoser,
        days: 5,
        working: true,
        interest: false,
        late_fee: false,
        source: "国土资源部令第39号 第二十一条",
    },
];

pub fn refund_period(case: RefundCase) -> RefundPeriod {
    REFUND_PERIODS
        .iter()
        .copied()
        .find(|p| p.case == case)
        .unwrap_or(REFUND_PERIODS[0])
}

/// What part of the winner's deposit becomes part of the deal price: the deposit held, at most
/// the required amount (money paid beyond it is refunded like a loser's deposit). Land: 39号令 21
/// (竞得人支付的竞买保证金，抵作土地出让价款); property: the same practice of the exchanges
/// (保证金转为交易价款, 32号令; verify).
pub fn conversion_amount(held_fen: i64, required_fen: i64) -> i64 {
    held_fen.min(required_fen).max(0)
}

/// Legal basis of the conversion of the winner's deposit into part of the price.
pub fn conversion_basis(market: Market) -> &'static str {
    match market {
        Market::Land => "国土资源部令第39号 第二十一条 (竞买保证金抵作土地出让价款)",
        _ => "国资委 财政部令第32号 (交易保证金转为交易价款; exchange rule, verify)",
    }
}

/// The last day on which the refund is still on time, by the platform's counting convention
/// (`ggzy_core::period`: from the day after the event, 民法典 201; a last day off moves to the next
/// working day, 民法典 203). Never fails: a year without a holiday schedule is counted with
/// weekends only and the date is provisional (re-derived when the schedule is imported).
pub fn refund_due(
    case: RefundCase,
    event_date: NaiveDate,
    cal: &BusinessCalendar,
) -> Reckoned<NaiveDate> {
    let p = refund_period(case);
    let days = if p.working {
        Days::working(p.days)
    } else {
        Days::calendar(p.days)
    };
    period::last_day(cal, event_date, days)
}

/// One row of the dated demand-deposit rate table: the annual rate in force from `from`.
#[derive(Debug, Clone, Copy)]
pub struct RatePeriod {
    pub from: (i32, u32, u32),
    /// Annual rate as a decimal fraction: mantissa × 10^-scale (0.35% = mantissa 35, scale 4).
    pub mantissa: i64,
    pub scale: u32,
    pub source: &'static str,
}

/// PBOC benchmark rate for RMB demand deposits (活期存款基准利率), used as 银行同期存款利息 (实施条例 57).
pub const DEMAND_DEPOSIT_RATES: [RatePeriod; 3] = [
    RatePeriod {
        from: (2011, 7, 7),
        mantissa: 50,
        scale: 4,
        source: "中国人民银行 2011-07-07 存贷款基准利率调整",
    },
    RatePeriod {
        from: (2012, 6, 8),
        mantissa: 40,
        scale: 4,
        source: "中国人民银行 2012-06-08 存贷款基准利率调整",
    },
    RatePeriod {
        from: (2012, 7, 6),
        mantissa: 35,
        scale: 4,
        source: "中国人民银行 2012-07-06 存贷款基准利率调整 (unchanged through 2015-10-24)",
    },
];

fn rate_start(r: &RatePeriod) -> NaiveDate {
    NaiveDate::from_ymd_opt(r.from.0, r.from.1, r.from.2).unwrap_or(NaiveDate::MIN)
}

/// The annual demand-deposit rate in force on `d` (zero before the table starts).
pub fn rate_on(d: NaiveDate) -> Decimal {
    DEMAND_DEPOSIT_RATES
        .iter()
        .rev()
        .find(|r| rate_start(r) <= d)
        .map(|r| Decimal::new(r.mantissa, r.scale))
        .unwrap_or(Decimal::ZERO)
}

/// One rate period of an interest computation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InterestSlice {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: i64,
    /// Annual rate as a decimal fraction (0.0035 = 0.35 %).
    #[schema(value_type = String)]
    pub rate: Decimal,
    /// principal × rate × days / 360, unrounded.
    #[schema(value_type = String)]
    pub amount: Decimal,
}

/// How a refund's interest was computed (shown with each refund).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InterestComputation {
    pub principal: Money,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub slices: Vec<InterestSlice>,
    /// Σ slices, unrounded.
    #[schema(value_type = String)]
    pub exact: Decimal,
    /// Rounded once to the fen, half up.
    pub interest: Money,
    /// What the amount is: `interest` (银行同期存款利息, 实施条例 57), `late_fee` (超期资金占用费,
    /// 87号令 38) or `none` (the refund's rule pays nothing beyond the principal).
    pub kind: &'static str,
    pub rule: &'static str,
}

/// [`interest`] with every step shown.
pub fn interest_computation(
    principal: Money,
    from: NaiveDate,
    to: NaiveDate,
) -> InterestComputation {
    let mut slices = Vec::new();
    let mut total = Decimal::ZERO;
    let mut cur = from;
    while cur < to {
        let next_change = DEMAND_DEPOSIT_RATES
            .iter()
            .map(rate_start)
            .filter(|s| *s > cur)
            .min()
            .unwrap_or(to)
            .min(to);
        let days = (next_change - cur).num_days();
        let rate = rate_on(cur);
        let amount = principal.amount() * rate * Decimal::from(days) / Decimal::from(360);
        total += amount;
        slices.push(InterestSlice {
            from: cur,
            to: next_change,
            days,
            rate,
            amount,
        });
        cur = next_change;
    }
    InterestComputation {
        principal,
        from,
        to,
        slices,
        exact: total,
        interest: Money::round_fen(total).unwrap_or(Money::ZERO),
        kind: "interest",
        rule: "实施条例 57 银行同期存款利息: principal × 活期 rate × days / 360 per rate period, rounded once to the fen half up",
    }
}

/// The computation shown for a refund paid without interest (国土资源部令第39号 第二十一条:
/// 其他竞买人支付的竞买保证金…予以退还，不计利息).
pub fn no_interest(principal: Money, from: NaiveDate, to: NaiveDate) -> InterestComputation {
    nothing_owed(
        principal,
        from,
        to,
        "国土资源部令第39号 第二十一条: 不计利息 (refunded without interest)",
    )
}

/// The computation shown for a refund whose rule pays nothing beyond the principal.
pub fn nothing_owed(
    principal: Money,
    from: NaiveDate,
    to: NaiveDate,
    rule: &'static str,
) -> InterestComputation {
    InterestComputation {
        principal,
        from,
        to,
        slices: Vec::new(),
        exact: Decimal::ZERO,
        interest: Money::ZERO,
        kind: "none",
        rule,
    }
}

/// The rule shown with a procurement refund paid on time: the principal only.
pub const PROCUREMENT_ON_TIME_RULE: &str =
    "政府采购法实施条例 第三十三条; 财政部令第87号 第三十八条: refunded on time, principal only (no interest)";

/// The rule of the late-refund charge.
pub const LATE_FEE_RULE: &str = "财政部令第87号 第三十八条 超期资金占用费: principal × 中国人民银行同期贷款基准利率 \
     × 1.2 (上浮20%) × days after the due date / 360, per rate period, rounded once to the fen half up";

/// PBOC benchmark lending rate for short-term RMB loans up to one year (一年以内(含一年)贷款基准
/// 利率), the 同期贷款基准利率 of 87号令 38 for a refund late by less than a year.
pub const LOAN_BENCHMARK_RATES: [RatePeriod; 2] = [
    RatePeriod {
        from: (2015, 8, 26),
        mantissa: 460,
        scale: 4,
        source: "中国人民银行 2015-08-26 存贷款基准利率调整 (一年以内 4.60%)",
    },
    RatePeriod {
        from: (2015, 10, 24),
        mantissa: 435,
        scale: 4,
        source: "中国人民银行 2015-10-24 存贷款基准利率调整 (一年以内 4.35%; not adjusted since, \
                 the LPR reform of 2019 did not change the benchmark 87号令 names)",
    },
];

/// The annual loan benchmark rate in force on `d` (zero before the table starts).
pub fn loan_rate_on(d: NaiveDate) -> Decimal {
    LOAN_BENCHMARK_RATES
        .iter()
        .rev()
        .find(|r| rate_start(r) <= d)
        .map(|r| Decimal::new(r.mantissa, r.scale))
        .unwrap_or(Decimal::ZERO)
}

/// The 超期资金占用费 of a procurement deposit refunded after its due date (87号令 38: 逾期退还投标
/// 保证金的，除应当退还投标保证金本金外，还应当按中国人民银行同期贷款基准利率上浮20%后的利率支付
/// 超期资金占用费): the days late are those after `due` up to `refunded_on` (refunded on the due date:
/// nothing owed). Rate = loan benchmark × 1.2, per rate period, 360-day year, rounded once to the
/// fen half up.
pub fn late_fee_computation(
    principal: Money,
    due: NaiveDate,
    refunded_on: NaiveDate,
) -> InterestComputation {
    if refunded_on <= due {
        return nothing_owed(principal, due, refunded_on, PROCUREMENT_ON_TIME_RULE);
    }
    let mut slices = Vec::new();
    let mut total = Decimal::ZERO;
    let mut cur = due;
    while cur < refunded_on {
        let next_change = LOAN_BENCHMARK_RATES
            .iter()
            .map(rate_start)
            .filter(|s| *s > cur)
            .min()
            .unwrap_or(refunded_on)
            .min(refunded_on);
        let days = (next_change - cur).num_days();
        let rate = loan_rate_on(cur) * Decimal::new(12, 1);
        let amount = principal.amount() * rate * Decimal::from(days) / Decimal::from(360);
        total += amount;
        slices.push(InterestSlice {
            from: cur,
            to: next_change,
            days,
            rate,
            amount,
        });
        cur = next_change;
    }
    InterestComputation {
        principal,
        from: due,
        to: refunded_on,
        slices,
        exact: total,
        interest: Money::round_fen(total).unwrap_or(Money::ZERO),
        kind: "late_fee",
        rule: LATE_FEE_RULE,
    }
}

/// What a refund of `case` owes beyond the principal, instructed on `today`: the bank interest
/// from `held_from` (construction, property), the 超期资金占用费 after `due` (procurement), or
/// nothing (land; procurement on time).
pub fn refund_extra(
    case: RefundCase,
    principal: Money,
    held_from: NaiveDate,
    due: NaiveDate,
    today: NaiveDate,
) -> InterestComputation {
    let p = refund_period(case);
    if p.interest {
        interest_computation(principal, held_from, today)
    } else if p.late_fee {
        late_fee_computation(principal, due, today)
    } else {
        no_interest(principal, held_from, today)
    }
}

/// Interest on `principal` held from `from` to `to` (days = to − from): Σ principal × rate × days
/// / 360 over each rate period, rounded once to the fen, half up (Money::round_fen). Banks count
/// demand-deposit interest on a 360-day year (人民银行 计息规则).
pub fn interest(principal: Money, from: NaiveDate, to: NaiveDate) -> Money {
    if to <= from {
        return Money::ZERO;
    }
    let mut total = Decimal::ZERO;
    let mut cur = from;
    while cur < to {
        let next_change = DEMAND_DEPOSIT_RATES
            .iter()
            .map(rate_start)
            .filter(|s| *s > cur)
            .min()
            .unwrap_or(to)
            .min(to);
        let days = (next_change - cur).num_days();
        total += principal.amount() * rate_on(cur) * Decimal::from(days) / Decimal::from(360);
        cur = next_change;
    }
    Money::round_fen(total).unwrap_or(Money::ZERO)
}

/// Forms of a guarantee accepted instead of cash (政采条例 33: 以支票、汇票、本票或者金融机构、担保机构
/// 出具的保函等非现金形式提交; 国办发〔2019〕… 推行电子保函).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GuaranteeKind {
    /// 银行保函
    BankGuarantee,
    /// 保证保险
    GuaranteeInsurance,
    /// 电子保函
    ElectronicGuarantee,
}

impl GuaranteeKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            GuaranteeKind::BankGuarantee => "bank_guarantee",
            GuaranteeKind::GuaranteeInsurance => "guarantee_insurance",
            GuaranteeKind::ElectronicGuarantee => "electronic_guarantee",
        }
    }
}

/// Where a guarantee stands: it stands in for the cash deposit (`active`), was given back to the
/// bidder (`released`) or was called in (`forfeited`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GuaranteeStatus {
    Active,
    Released,
    Forfeited,
}

impl GuaranteeStatus {
    pub const ALL: [GuaranteeStatus; 3] = [
        GuaranteeStatus::Active,
        GuaranteeStatus::Released,
        GuaranteeStatus::Forfeited,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            GuaranteeStatus::Active => "active",
            GuaranteeStatus::Released => "released",
            GuaranteeStatus::Forfeited => "forfeited",
        }
    }

    pub fn parse(s: &str) -> Option<GuaranteeStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

ggzy_core::text_enum!(
    GuaranteeStatus,
    |s: &str| GuaranteeStatus::parse(s).ok_or("not a guarantee status"),
    GuaranteeStatus::as_str
);

/// The last day the bid validity period (投标有效期) covers: it runs from the bid deadline
/// (实施条例 25: 投标有效期从提交投标文件的截止之日起算) for `days` days, the first day not counted
/// (民法典 201).
pub fn bid_validity_end(deadline: Timestamp, days: u32) -> NaiveDate {
    let start = ggzy_core::time::local_date(deadline);
    start
        .checked_add_days(chrono::Days::new(days as u64))
        .unwrap_or(start)
}

/// Check a guarantee against the section: amount at least the required deposit, validity from no
/// later than the deadline day through the end of the bid validity period (实施条例 26: 投标保证金
/// 有效期应当与投标有效期一致). Returns (field, rule, message) for each broken rule.
pub fn check_guarantee(
    required_fen: i64,
    deadline: Timestamp,
    bid_validity_days: u32,
    amount_fen: i64,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
) -> Vec<(&'static str, &'static str, String)> {
    let mut out = Vec::new();
    if amount_fen < required_fen {
        out.push((
            "amount",
            "guarantee.amount_below_deposit",
            format!(
                "the guarantee amount must be at least the required deposit {}",
                Money::from_fen(required_fen)
            ),
        ));
    }
    let deadline_day = ggzy_core::time::local_date(deadline);
    if valid_from > deadline_day {
        out.push((
            "valid_from",
            "guarantee.starts_after_deadline",
            format!("the guarantee must be in force on the bid deadline {deadline_day}"),
        ));
    }
    let end = bid_validity_end(deadline, bid_validity_days);
    if valid_until < end {
        out.push((
            "valid_until",
            "guarantee.validity_short",
            format!("the guarantee must stay valid through the end of the bid validity period {end} (实施条例 26)"),
        ));
    }
    out
}

#[cfg(test)]
mod tests;
