//! Pure rules of listings and online auctions: legal periods, increments, extension, outcomes.

use chrono::Duration;
use ggzy_core::calendar::BusinessCalendar;
use ggzy_core::period::{self, Days};
use ggzy_core::time::local_date;
use ggzy_core::{FieldError, Money, Timestamp};
use std::collections::BTreeSet;

/// The years a check had to count with weekends only because their holiday schedule is not loaded
/// (`ggzy_core::calendar::Reckoned::missing`): the outcome is provisional (issue 16) and is checked
/// again when the year is imported. Every check adds to it; none fails for want of data.
pub type Missing = BTreeSet<i32>;

/// Legal periods and defaults (data; the national values of [`AuctionRules::national`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuctionRules {
    /// 《招标拍卖挂牌出让国有建设用地使用权规定》(国土资源部令第39号) 第十条: the transfer
    /// announcement is published at least 20 days before the tender, auction or listing starts.
    pub land_announcement_days: i64,
    /// 39号令 第十九条: the listing period (挂牌时间) is not less than 10 days.
    pub land_listing_days: i64,
    /// 《企业国有资产交易监督管理办法》(国资委 财政部令第32号) 第十三条: formal disclosure of a
    /// property transfer lasts at least 20 working days.
    pub property_disclosure_working_days: u32,
    /// Exchange rules (common practice): a bid in the last N minutes extends the end to the bid
    /// time + N minutes (延时竞价); default 5.
    pub extension_minutes: i64,
    /// 《企业国有资产交易监督管理办法》(32号令), no buyer at the end of the disclosure (domain rules
    /// §7): the disclosure may be extended, by at least 5 working days each time.
    pub property_extension_working_days: u32,
    /// 国资发产权规〔2025〕17号 第十六条 (read in a secondary copy; to verify): the formal disclosure
    /// ended without a buyer and only the floor (转让底价) is changed: the new disclosure lasts at
    /// least 5 working days (10 under 国资发产权规〔2022〕39号). An asset transfer follows the transfer's
    /// procedure (资产转让的具体工作流程参照企业国有产权转让的相关规定执行).
    pub property_lowered_floor_working_days: u32,
    /// 32号令 第十八条 (domain rules §7): a new floor price (转让底价) below 90% of the appraisal
    /// (评估结果) needs the written approval of the approving body. Basis points of the appraisal.
    pub floor_approval_bp: i64,
    /// 《关于加强房地产用地供应和监管有关问题的通知》(国土资发〔2010〕34号) 第五条 (article as we
    /// read it; to verify): 土地出让竞买保证金不得低于出让最低价的20% — the land bidding deposit
    /// (竞买保证金) is at least 20 % of the starting price, with no upper cap. Basis points.
    pub land_deposit_min_bp: i64,
}

impl AuctionRules {
    pub fn national() -> Self {
        AuctionRules {
            land_announcement_days: 20,
            land_listing_days: 10,
            property_disclosure_working_days: ggzy_core::property::TRANSFER_DISCLOSURE_WORKING_DAYS,
            extension_minutes: 5,
            property_extension_working_days: 5,
            property_lowered_floor_working_days: 5,
            floor_approval_bp: 9_000,
            land_deposit_min_bp: 2_000,
        }
    }
}

/// 国土资发〔2010〕34号: a land listing's deposit (the section's, set by the announcement) must be
/// at least 20 % of its starting price (`deposit × 10000 ≥ starting × bp`, exactly); no upper cap.
pub fn check_land_deposit(
    r: &AuctionRules,
    deposit_fen: i64,
    starting_fen: i64,
) -> Option<FieldError> {
    (i128::from(deposit_fen) * 10_000 < i128::from(starting_fen) * i128::from(r.land_deposit_min_bp))
        .then(|| {
            FieldError::new(
                "starting_price",
                "auctions.land_deposit_min",
                format!(
                    "the land bidding deposit (竞买保证金) {} must be at least {}% of the starting price {} \
                     (国土资发〔2010〕34号)",
                    ggzy_core::Money::from_fen(deposit_fen),
                    r.land_deposit_min_bp / 100,
                    ggzy_core::Money::from_fen(starting_fen)
                ),
            )
        })
}

/// A period of `n` days by the platform's convention (`ggzy_core::period`): from the day after
/// `from`'s Beijing date (民法典 201); `to`'s Beijing date must be the N-th day or later. Land periods are dates, not
/// multiples of 24 hours (issue 16), like every other area's.
pub(crate) fn reaches(
    cal: &BusinessCalendar,
    from: Timestamp,
    to: Timestamp,
    p: Days,
    missing: &mut Missing,
) -> bool {
    let r = period::reaches_day(cal, local_date(from), local_date(to), p);
    missing.extend(r.missing);
    r.value
}

/// Check a land listing's schedule (39号令 10, 19). Returns every broken rule.
pub fn check_land_schedule(
    r: &AuctionRules,
    cal: &BusinessCalendar,
    announced_at: Timestamp,
    start: Timestamp,
    end: Timestamp,
    missing: &mut Missing,
) -> Vec<FieldError> {
    let mut v = Vec::new();
    if !reaches(
        cal,
        announced_at,
        start,
        Days::calendar(r.land_announcement_days as u32),
        missing,
    ) {
        v.push(FieldError::new(
            "listing_start",
            "auctions.land_announcement_period",
            format!(
                "the listing starts at least {} days after the transfer announcement (39号令 第十条)",
                r.land_announcement_days
            ),
        ));
    }
    v.extend(check_land_listing(r, cal, start, end, missing));
    v
}

/// 39号令 第十九条: a land listing (also a re-listing) lasts at least N days: its end's date is
/// at least the N-th day after its start's date (203 applied).
pub fn check_land_listing(
    r: &AuctionRules,
    cal: &BusinessCalendar,
    start: Timestamp,
    end: Timestamp,
    missing: &mut Missing,
) -> Option<FieldError> {
    (!reaches(
        cal,
        start,
        end,
        Days::calendar(r.land_listing_days as u32),
        missing,
    ))
    .then(|| {
        FieldError::new(
            "listing_end",
            "auctions.land_listing_period",
            format!(
                "a land listing lasts at least {} days (39号令 第十九条)",
                r.land_listing_days
            ),
        )
    })
}

/// Check a property disclosure's schedule (32号令 13): from the announcement (its day not counted)
/// the listing lasts until at least 24:00 Beijing time of the N-th working day.
pub fn check_property_schedule(
    r: &AuctionRules,
    cal: &BusinessCalendar,
    announced_at: Timestamp,
    start: Timestamp,
    end: Timestamp,
    missing: &mut Missing,
) -> Vec<FieldError> {
    let mut v = Vec::new();
    if start < announced_at {
        v.push(FieldError::new(
            "listing_start",
            "auctions.disclosure_before_listing",
            "the listing starts after the disclosure announcement",
        ));
    }
    // A disclosure lasts until 24:00 of its N-th working day (`period::reaches_end`). A year
    // without a holiday schedule counts weekends only (never a refusal for missing data).
    let reached = period::reaches_end(
        cal,
        announced_at,
        end,
        Days::working(r.property_disclosure_working_days),
    );
    missing.extend(reached.missing);
    if !reached.value {
        v.push(FieldError::new(
            "listing_end",
            "auctions.property_disclosure_period",
            format!(
                "formal disclosure lasts at least {} working days (32号令 第十三条)",
                r.property_disclosure_working_days
            ),
        ));
    }
    v
}

/// A property disclosure published again from `start` (that day not counted) lasts until at least
/// 24:00 Beijing time of its `days`-th working day; otherwise the refusal `rule` on `listing_end`,
/// whose message ends with `what` (the kind of re-disclosure and its source).
fn redisclosure_period(
    cal: &BusinessCalendar,
    (start, end): (Timestamp, Timestamp),
    days: u32,
    missing: &mut Missing,
    (rule, what): (&'static str, &str),
) -> Vec<FieldError> {
    let reached = period::reaches_end(cal, start, end, Days::working(days));
    missing.extend(reached.missing);
    if reached.value {
        Vec::new()
    } else {
        vec![FieldError::new(
            "listing_end",
            rule,
            format!("{what} lasts at least {days} working days"),
        )]
    }
}

/// A property disclosure extended after no buyer came (32号令): the new period runs from its start
/// (that day not counted) until at least 24:00 Beijing time of the N-th working day.
pub fn check_property_extension(
    r: &AuctionRules,
    cal: &BusinessCalendar,
    start: Timestamp,
    end: Timestamp,
    missing: &mut Missing,
) -> Vec<FieldError> {
    redisclosure_period(
        cal,
        (start, end),
        r.property_extension_working_days,
        missing,
        (
            "auctions.property_extension_period",
            "an extended disclosure (企业国有资产交易监督管理办法 32号令)",
        ),
    )
}

/// A property disclosure published again with only a lower floor (降低底价, after a disclosure
/// without a buyer): from its start (that day not counted) until at least 24:00 Beijing time of the
/// N-th working day (国资发产权规〔2025〕17号 第十六条; to verify).
pub fn check_property_lowered_floor(
    r: &AuctionRules,
    cal: &BusinessCalendar,
    start: Timestamp,
    end: Timestamp,
    missing: &mut Missing,
) -> Vec<FieldError> {
    redisclosure_period(
        cal,
        (start, end),
        r.property_lowered_floor_working_days,
        missing,
        (
            "auctions.property_lowered_floor_period",
            "a disclosure published again with a lower floor (国资发产权规〔2025〕17号 第十六条, to verify)",
        ),
    )
}

/// 32号令 第十八条: a new floor below `floor_approval_bp` of the appraisal needs approval; exactly
/// at the threshold it does not. Exact integer arithmetic in fen.
pub fn floor_needs_approval(r: &AuctionRules, floor_fen: i64, appraisal_fen: i64) -> bool {
    i128::from(floor_fen) * 10_000 < i128::from(appraisal_fen) * i128::from(r.floor_approval_bp)
}

/// A quote (fen) is valid when it is at least the starting price (first quote) or the current
/// highest + one increment, and lies a whole number of increments above the starting price.
pub fn check_quote(
    starting: i64,
    increment: i64,
    current: Option<i64>,
    price: i64,
) -> Result<(), FieldError> {
    let min = match current {
        None => starting,
        Some(c) => c.saturating_add(increment),
    };
    if price < min {
        return Err(FieldError::new(
            "price",
            "auctions.increment",
            format!("the quote must be at least {min} fen (current highest + increment)"),
        ));
    }
    if increment <= 0 || (price - starting) % increment != 0 {
        return Err(FieldError::new(
            "price",
            "auctions.whole_increments",
            "the quote lies a whole number of increments (增价幅度) above the starting price",
        ));
    }
    Ok(())
}

/// 延时竞价: a bid strictly inside the last `n` before `ends_at` moves the end to `bid_at + n`;
/// an earlier bid leaves it.
pub fn extend(ends_at: Timestamp, bid_at: Timestamp, n: Duration) -> Timestamp {
    if bid_at > ends_at - n && bid_at + n > ends_at {
        bid_at + n
    } else {
        ends_at
    }
}

/// Where a listing (挂牌) stands: `listing` → `auction` (online, 网络竞价) or `onsite_pending`
/// (现场竞价) → `deal` | `failed`; a failed listing's re-listing request made before issue 21 waits
/// in `pending_approval`. Stored and shown as its text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Listing,
    Auction,
    OnsitePending,
    PendingApproval,
    Deal,
    Failed,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::Listing,
        Phase::Auction,
        Phase::OnsitePending,
        Phase::PendingApproval,
        Phase::Deal,
        Phase::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Listing => "listing",
            Phase::Auction => "auction",
            Phase::OnsitePending => "onsite_pending",
            Phase::PendingApproval => "pending_approval",
            Phase::Deal => "deal",
            Phase::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The listing is over: a deal, or failed.
    pub fn is_over(self) -> bool {
        matches!(self, Phase::Deal | Phase::Failed)
    }

    /// Bids are taken in this phase (within its times).
    pub fn takes_bids(self) -> bool {
        matches!(self, Phase::Listing | Phase::Auction)
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

ggzy_core::text_enum!(
    Phase,
    |s: &str| Phase::parse(s).ok_or("unknown auction phase"),
    |p: &Phase| p.as_str()
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingOutcome {
    /// No valid quote, or the only bidder's quote is below the reserve price.
    Failed,
    /// One bidder with a quote ≥ reserve: deal at the highest quote.
    Deal,
    /// Several bidders still competing: goes to an auction (39号令 第二十条, 现场/网络竞价).
    Auction,
}

/// End-of-listing decision.
pub fn listing_outcome(
    bidders: usize,
    highest: Option<i64>,
    reserve: Option<i64>,
) -> ListingOutcome {
    match (bidders, highest) {
        (0, _) | (_, None) => ListingOutcome::Failed,
        (1, Some(h)) if reserve.is_none_or(|r| h >= r) => ListingOutcome::Deal,
        (1, _) => ListingOutcome::Failed,
        _ => ListingOutcome::Auction,
    }
}

/// End-of-auction decision: a deal when the highest bid reaches the (secret) reserve price.
pub fn auction_is_deal(highest: Option<i64>, reserve: Option<i64>) -> bool {
    match highest {
        None => false,
        Some(h) => reserve.is_none_or(|r| h >= r),
    }
}

/// The outcome of a live auction terminated at its start for want of bidders (流拍).
pub const TOO_FEW_BIDDERS: &str = "too_few_bidders";

/// 39号令 第十六条 (2002 text; unconfirmed for the 2007 text): a live auction (拍卖会) starts only
/// with at least `min_bidders` eligible bidders — numbered (竞买号, a valid deposit) and with their
/// eligibility confirmed (竞买资格确认) at the start; fewer terminate it before any bid. The minimum
/// is the procedure's rule row (`auction_procedure_rules`); `None` is no minimum.
pub fn auction_may_start(min_bidders: Option<i64>, eligible: i64) -> bool {
    min_bidders.is_none_or(|m| eligible >= m)
}

/// A decimal string as a positive amount of money: the parse error (named after `field`) or
/// `money.positive` is pushed to `v` and the answer is `None`.
pub fn money_field(v: &mut Vec<FieldError>, field: &str, s: &str) -> Option<Money> {
    match Money::parse_str(s) {
        Ok(m) if m.fen() > 0 => Some(m),
        Ok(_) => {
            v.push(FieldError::new(field, "money.positive", "must be positive"));
            None
        }
        Err(mut e) => {
            e.field = field.to_string();
            v.push(e);
            None
        }
    }
}

/// The starting price (fen) of a re-listing (重新挂牌) of a listing whose floor is `current_fen`:
/// `extend` (延期) keeps the floor (a price given must be the same); `lower_floor` (降低底价) needs
/// a new positive price strictly below it. A refusal is pushed to `v` and the answer is `None`.
pub fn relist_floor(
    kind: &str,
    requested: Option<&str>,
    current_fen: i64,
    v: &mut Vec<FieldError>,
) -> Option<i64> {
    match (kind, requested) {
        ("extend", None) => Some(current_fen),
        ("extend", Some(p)) => match Money::parse_str(p) {
            Ok(m) if m.fen() == current_fen => Some(current_fen),
            _ => {
                v.push(FieldError::new(
                    "starting_price",
                    "auctions.relist_extend_keeps_floor",
                    "an extension keeps the starting price; lowering it is `lower_floor`",
                ));
                None
            }
        },
        ("lower_floor", None) => {
            v.push(FieldError::new(
                "starting_price",
                "auctions.relist_floor_required",
                "lowering the floor needs the new starting price",
            ));
            None
        }
        ("lower_floor", Some(p)) => match money_field(v, "starting_price", p) {
            Some(m) if m.fen() < current_fen => Some(m.fen()),
            Some(_) => {
                v.push(FieldError::new(
                    "starting_price",
                    "auctions.relist_floor_lower",
                    format!(
                        "the new starting price is below the current {}",
                        Money::from_fen(current_fen)
                    ),
                ));
                None
            }
            None => None,
        },
        _ => {
            v.push(FieldError::new(
                "kind",
                "auctions.relist_kind",
                "extend (延期) or lower_floor (降低底价)",
            ));
            None
        }
    }
}

/// 32号令 第十八条: a re-listing that lowers a property floor below `floor_approval_bp` of the
/// appraisal needs the approving body's written consent; an unknown appraisal (from before it was
/// recorded) always does. Extensions and the land market never do (land: 39号令 第十条 approval).
pub fn relist_needs_consent(
    r: &AuctionRules,
    market: &str,
    kind: &str,
    floor_fen: i64,
    appraisal_fen: Option<i64>,
) -> bool {
    market == "property"
        && kind == "lower_floor"
        && appraisal_fen.is_none_or(|ap| floor_needs_approval(r, floor_fen, ap))
}

/// What staff record for an on-site auction (现场竞价).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnsiteRecord {
    /// A winner and a price (default).
    Deal,
    /// It failed, for a stated reason.
    Failed,
}

/// The kind of an on-site result: `deal` (default) or `failed`, which states its reason.
pub fn onsite_record(
    result: Option<&str>,
    reason: Option<&str>,
) -> Result<OnsiteRecord, FieldError> {
    match result.unwrap_or("deal") {
        "failed" if reason.map(str::trim).unwrap_or("").is_empty() => Err(FieldError::new(
            "reason",
            "auctions.onsite_failure_reason",
            "a failed on-site auction states why",
        )),
        "failed" => Ok(OnsiteRecord::Failed),
        "deal" => Ok(OnsiteRecord::Deal),
        _ => Err(FieldError::new(
            "result",
            "auctions.onsite_result",
            "deal or failed",
        )),
    }
}

/// The on-site price of a deal: required, positive, and at least the listing's highest quote
/// `highest_fen` (the on-site auction continues the listing). A refusal is pushed to `v`.
pub fn onsite_price(
    price: Option<&str>,
    highest_fen: Option<i64>,
    v: &mut Vec<FieldError>,
) -> Option<Money> {
    let price = match price {
        Some(p) => money_field(v, "price", p),
        None => {
            v.push(FieldError::new("price", "required", "the final price"));
            None
        }
    };
    if let (Some(p), Some(c)) = (&price, highest_fen) {
        if p.fen() < c {
            v.push(FieldError::new(
                "price",
                "auctions.onsite_price_below_highest",
                format!(
                    "the on-site price is at least the listing's highest quote {}",
                    Money::from_fen(c)
                ),
            ));
        }
    }
    price
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn a_phase_reads_back_from_its_text_and_its_json_is_that_text() {
        for p in Phase::ALL {
            assert_eq!(Phase::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(Phase::parse("Deal"), None);
        let over: Vec<Phase> = Phase::ALL.into_iter().filter(|p| p.is_over()).collect();
        assert_eq!(over, [Phase::Deal, Phase::Failed]);
        let open: Vec<Phase> = Phase::ALL.into_iter().filter(|p| p.takes_bids()).collect();
        assert_eq!(open, [Phase::Listing, Phase::Auction]);
    }

    fn t(d: u32, h: u32, m: u32, s: u32) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 3, d, h, m, s).unwrap()
    }

    fn bj(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    }

    #[test]
    fn a_land_deposit_of_exactly_20_percent_is_accepted_and_one_fen_less_refused() {
        let r = AuctionRules::national();
        // Starting price 10,000,000.00: 2,000,000.00 is the last allowed deposit.
        assert!(check_land_deposit(&r, 200_000_000, 1_000_000_000).is_none());
        let e = check_land_deposit(&r, 199_999_999, 1_000_000_000).unwrap();
        assert_eq!(
            (e.field.as_str(), e.rule.as_str()),
            ("starting_price", "auctions.land_deposit_min")
        );
        assert!(e.message.contains("34号"), "{}", e.message);
        // No upper cap: a deposit of the whole price (or more) is fine.
        assert!(check_land_deposit(&r, 1_000_000_000, 1_000_000_000).is_none());
        assert!(check_land_deposit(&r, 2_000_000_000, 1_000_000_000).is_none());
    }

    proptest! {
        #[test]
        fn the_land_deposit_minimum_is_exactly_a_fifth(start in 1i64..=1_000_000_000_000_000) {
            let r = AuctionRules::national();
            let min = (start + 4) / 5; // ceil(start / 5)
            prop_assert!(check_land_deposit(&r, min, start).is_none());
            prop_assert!(check_land_deposit(&r, min - 1, start).is_some());
        }
    }

    #[test]
    fn a_period_reaching_a_year_without_schedule_is_checked_with_weekends_and_marked() {
        let r = AuctionRules::national();
        let cal = BusinessCalendar::official();
        // The compiled-in schedules end with 2026 (2027 is imported at run time).
        let start = bj("2026-12-28T09:00:00+08:00");
        let mut m = Missing::new();
        assert!(
            check_land_listing(&r, &cal, start, bj("2027-01-07T09:00:00+08:00"), &mut m).is_none()
        );
        assert_eq!(m, Missing::from([2027]));
        let mut m = Missing::new();
        assert!(
            check_land_listing(&r, &cal, start, bj("2027-01-06T23:59:59+08:00"), &mut m).is_some()
        );
        assert_eq!(m, Missing::from([2027]));
        // Inside a loaded year nothing is provisional.
        let mut m = Missing::new();
        let s = bj("2026-03-23T09:00:00+08:00");
        assert!(check_land_listing(&r, &cal, s, bj("2026-04-07T09:00:00+08:00"), &mut m).is_none());
        assert!(m.is_empty());
        let mut m = Missing::new();
        let ext =
            check_property_extension(&r, &cal, start, bj("2027-01-05T00:00:00+08:00"), &mut m);
        assert!(ext.is_empty(), "{ext:?}");
        assert_eq!(m, Missing::from([2027]));
    }

    #[test]
    fn land_listing_starts_20_days_after_the_announcement_at_the_earliest() {
        let r = AuctionRules::national();
        let cal = BusinessCalendar::official();
        // Announced Mon 2026-03-02 09:00 Beijing: day 20 is Sun 03-22 (民法典 201), a day off, so
        // the last day is Mon 03-23 (民法典 203). Dates, not multiples of 24 hours: 03-23 00:00 is
        // allowed, 03-22 23:59:59 is not.
        let ann = bj("2026-03-02T09:00:00+08:00");
        let start = bj("2026-03-23T00:00:00+08:00");
        let end = bj("2026-04-02T10:00:00+08:00");
        assert!(check_land_schedule(&r, &cal, ann, start, end, &mut Missing::new()).is_empty());
        let early = bj("2026-03-22T23:59:59+08:00");
        let v = check_land_schedule(&r, &cal, ann, early, end, &mut Missing::new());
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, "auctions.land_announcement_period");
    }

    #[test]
    fn a_land_listing_lasts_at_least_10_days() {
        let r = AuctionRules::national();
        let cal = BusinessCalendar::official();
        let ann = bj("2026-03-02T09:00:00+08:00");
        // From Mon 03-23 15:00: day 10 is Thu 04-02 — an end on 04-02 at any time is on time,
        // 04-01 23:59:59 is one day short.
        let start = bj("2026-03-23T15:00:00+08:00");
        assert!(check_land_schedule(
            &r,
            &cal,
            ann,
            start,
            bj("2026-04-02T09:00:00+08:00"),
            &mut Missing::new()
        )
        .is_empty());
        let v = check_land_schedule(
            &r,
            &cal,
            ann,
            start,
            bj("2026-04-01T23:59:59+08:00"),
            &mut Missing::new(),
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, "auctions.land_listing_period");
        // Day 10 on 清明 (from Fri 03-27: Mon 04-06) moves to Tue 04-07 (民法典 203).
        let start = bj("2026-03-27T10:00:00+08:00");
        assert!(check_land_listing(
            &r,
            &cal,
            start,
            bj("2026-04-06T23:59:59+08:00"),
            &mut Missing::new()
        )
        .is_some());
        assert!(check_land_listing(
            &r,
            &cal,
            start,
            bj("2026-04-07T09:00:00+08:00"),
            &mut Missing::new()
        )
        .is_none());
    }

    #[test]
    fn property_disclosure_lasts_20_working_days() {
        let r = AuctionRules::national();
        let cal = BusinessCalendar::official();
        // Monday 2026-03-02 (Shanghai); the 20th working day is Monday 2026-03-30, and the
        // disclosure lasts until its 24:00 (= 03-31 00:00 Beijing = 03-30 16:00 UTC).
        let ann = t(2, 1, 0, 0);
        let ok_end = t(30, 16, 0, 0);
        assert!(
            check_property_schedule(&r, &cal, ann, ann, ok_end, &mut Missing::new()).is_empty()
        );
        let short = t(30, 15, 59, 59);
        let v = check_property_schedule(&r, &cal, ann, ann, short, &mut Missing::new());
        assert_eq!(v[0].rule, "auctions.property_disclosure_period");
    }

    #[test]
    fn a_disclosure_with_a_lowered_floor_lasts_5_working_days_across_qingming() {
        let r = AuctionRules::national();
        let cal = BusinessCalendar::official();
        // From Monday 2026-03-30: 31, 1, 2, 3 April, Qingming 4-6 April, the 5th working day is
        // Tuesday 7 April; its 24:00 is 04-07 16:00 UTC.
        let start = t(30, 1, 0, 0);
        let at = |d: u32, h: u32, m: u32, s: u32| {
            chrono::Utc.with_ymd_and_hms(2026, 4, d, h, m, s).unwrap()
        };
        let ok =
            check_property_lowered_floor(&r, &cal, start, at(7, 16, 0, 0), &mut Missing::new());
        assert!(ok.is_empty());
        let v =
            check_property_lowered_floor(&r, &cal, start, at(7, 15, 59, 59), &mut Missing::new());
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, "auctions.property_lowered_floor_period");
    }

    #[test]
    fn an_extended_property_disclosure_lasts_5_working_days_across_qingming() {
        let r = AuctionRules::national();
        let cal = BusinessCalendar::official();
        // Monday 2026-03-30; 31, 1, 2, 3 April are 4 working days, 4-6 April is Qingming, so the
        // 5th working day is Tuesday 7 April: the period reaches its 24:00 (04-07 16:00 UTC).
        let start = t(30, 1, 0, 0);
        let at = |d: u32, h: u32, m: u32, s: u32| {
            chrono::Utc.with_ymd_and_hms(2026, 4, d, h, m, s).unwrap()
        };
        assert!(
            check_property_extension(&r, &cal, start, at(7, 16, 0, 0), &mut Missing::new())
                .is_empty()
        );
        let v = check_property_extension(&r, &cal, start, at(7, 15, 59, 59), &mut Missing::new());
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, "auctions.property_extension_period");
    }

    #[test]
    fn a_floor_of_exactly_90_percent_needs_no_approval_and_89_99_does() {
        let r = AuctionRules::national();
        // Appraisal 1 000 000.00 yuan = 100 000 000 fen.
        assert!(!floor_needs_approval(&r, 90_000_000, 100_000_000));
        assert!(floor_needs_approval(&r, 89_990_000, 100_000_000));
        assert!(floor_needs_approval(&r, 89_999_999, 100_000_000));
        assert!(!floor_needs_approval(&r, i64::MAX, i64::MAX));
    }

    #[test]
    fn a_quote_beats_the_highest_by_whole_increments() {
        assert!(check_quote(1000, 100, None, 1000).is_ok());
        assert!(check_quote(1000, 100, None, 999).is_err());
        assert!(check_quote(1000, 100, None, 1050).is_err());
        assert!(check_quote(1000, 100, Some(1200), 1300).is_ok());
        assert!(check_quote(1000, 100, Some(1200), 1200).is_err());
        assert!(check_quote(1000, 100, Some(1200), 1299).is_err());
        assert_eq!(
            check_quote(1000, 100, Some(1200), 1350).unwrap_err().rule,
            "auctions.whole_increments"
        );
    }

    #[test]
    fn a_bid_one_second_inside_the_last_five_minutes_extends_and_one_at_the_boundary_does_not() {
        let n = Duration::minutes(5);
        let end = t(10, 2, 0, 0);
        let inside = end - n + Duration::seconds(1);
        assert_eq!(extend(end, inside, n), inside + n);
        assert_eq!(extend(end, end - n, n), end);
        assert_eq!(extend(end, end - n - Duration::seconds(1), n), end);
    }

    #[test]
    fn the_end_of_a_listing_decides_failed_deal_or_auction() {
        assert_eq!(listing_outcome(0, None, None), ListingOutcome::Failed);
        assert_eq!(
            listing_outcome(1, Some(100), Some(100)),
            ListingOutcome::Deal
        );
        assert_eq!(
            listing_outcome(1, Some(99), Some(100)),
            ListingOutcome::Failed
        );
        assert_eq!(listing_outcome(1, Some(99), None), ListingOutcome::Deal);
        assert_eq!(
            listing_outcome(2, Some(99), Some(100)),
            ListingOutcome::Auction
        );
        assert!(auction_is_deal(Some(100), Some(100)));
        assert!(!auction_is_deal(Some(99), Some(100)));
        assert!(!auction_is_deal(None, None));
    }

    #[test]
    fn a_land_auction_starts_with_3_eligible_bidders_and_is_terminated_with_2() {
        assert!(auction_may_start(Some(3), 3));
        assert!(!auction_may_start(Some(3), 2));
        assert!(!auction_may_start(Some(3), 0));
        // No minimum (mining auctions, the auction after a listing): even nobody.
        assert!(auction_may_start(None, 0));
    }

    proptest! {
        #[test]
        fn an_auction_starts_exactly_from_its_minimum(min in 0i64..50, eligible in 0i64..100) {
            prop_assert_eq!(auction_may_start(Some(min), eligible), eligible >= min);
            prop_assert!(auction_may_start(None, eligible));
        }
    }

    proptest! {
        #[test]
        fn extension_never_shortens_and_never_exceeds_bid_plus_n(off in -3600i64..3600, mins in 1i64..30) {
            let n = Duration::minutes(mins);
            let end = t(10, 2, 0, 0);
            let bid = end + Duration::seconds(off);
            let e = extend(end, bid, n);
            prop_assert!(e >= end);
            prop_assert!(e <= std::cmp::max(end, bid + n));
        }

        #[test]
        fn an_accepted_quote_is_above_the_current_by_whole_increments(start in 1i64..1_000_000, inc in 1i64..10_000, k in 0i64..100, p in 0i64..2_000_000) {
            let current = start + k * inc;
            if check_quote(start, inc, Some(current), p).is_ok() {
                prop_assert!(p >= current + inc);
                prop_assert_eq!((p - start) % inc, 0);
            }
        }
    }
    #[test]
    fn a_relisting_extension_keeps_the_floor_and_a_lowered_floor_is_one_fen_below_at_least() {
        let mut v = Vec::new();
        // Extend: no price or the same price keeps the floor; another price is refused.
        assert_eq!(relist_floor("extend", None, 100_000, &mut v), Some(100_000));
        assert_eq!(
            relist_floor("extend", Some("1000.00"), 100_000, &mut v),
            Some(100_000)
        );
        assert!(v.is_empty());
        assert_eq!(
            relist_floor("extend", Some("999.99"), 100_000, &mut v),
            None
        );
        assert_eq!(v.pop().unwrap().rule, "auctions.relist_extend_keeps_floor");
        // Lower: one fen below is the highest allowed; the same floor is refused.
        assert_eq!(
            relist_floor("lower_floor", Some("999.99"), 100_000, &mut v),
            Some(99_999)
        );
        assert!(v.is_empty());
        assert_eq!(
            relist_floor("lower_floor", Some("1000.00"), 100_000, &mut v),
            None
        );
        assert_eq!(v.pop().unwrap().rule, "auctions.relist_floor_lower");
        assert_eq!(relist_floor("lower_floor", None, 100_000, &mut v), None);
        assert_eq!(v.pop().unwrap().rule, "auctions.relist_floor_required");
        assert_eq!(
            relist_floor("lower_floor", Some("0"), 100_000, &mut v),
            None
        );
        assert_eq!(v.pop().unwrap().rule, "money.positive");
        assert_eq!(relist_floor("raise", None, 100_000, &mut v), None);
        assert_eq!(v.pop().unwrap().rule, "auctions.relist_kind");
        assert!(v.is_empty());
    }

    #[test]
    fn a_lowered_property_floor_of_exactly_90_percent_needs_no_consent_and_one_fen_less_does() {
        let r = AuctionRules::national();
        let ap = Some(100_000_000);
        assert!(!relist_needs_consent(
            &r,
            "property",
            "lower_floor",
            90_000_000,
            ap
        ));
        assert!(relist_needs_consent(
            &r,
            "property",
            "lower_floor",
            89_999_999,
            ap
        ));
        // No appraisal recorded: always; an extension or the land market: never.
        assert!(relist_needs_consent(
            &r,
            "property",
            "lower_floor",
            99_000_000,
            None
        ));
        assert!(!relist_needs_consent(&r, "property", "extend", 1, ap));
        assert!(!relist_needs_consent(&r, "land", "lower_floor", 1, None));
    }

    #[test]
    fn an_onsite_deal_is_at_least_the_highest_quote_and_a_failure_states_why() {
        assert_eq!(onsite_record(None, None), Ok(OnsiteRecord::Deal));
        assert_eq!(onsite_record(Some("deal"), None), Ok(OnsiteRecord::Deal));
        assert_eq!(
            onsite_record(Some("failed"), Some("no bidder came")),
            Ok(OnsiteRecord::Failed)
        );
        assert_eq!(
            onsite_record(Some("failed"), Some("  ")).unwrap_err().rule,
            "auctions.onsite_failure_reason"
        );
        assert_eq!(
            onsite_record(Some("postponed"), None).unwrap_err().rule,
            "auctions.onsite_result"
        );
        let mut v = Vec::new();
        assert_eq!(
            onsite_price(Some("1000.00"), Some(100_000), &mut v).map(|m| m.fen()),
            Some(100_000)
        );
        assert!(v.is_empty());
        onsite_price(Some("999.99"), Some(100_000), &mut v);
        assert_eq!(v.pop().unwrap().rule, "auctions.onsite_price_below_highest");
        assert_eq!(onsite_price(None, None, &mut v), None);
        assert_eq!(v.pop().unwrap().rule, "required");
        assert!(v.is_empty());
    }

    proptest! {
        #[test]
        fn a_lowered_floor_is_accepted_exactly_when_positive_and_below_the_current(current in 1i64..10_000_000, p in 0i64..20_000_000) {
            let mut v = Vec::new();
            let s = Money::from_fen(p).to_string();
            let got = relist_floor("lower_floor", Some(&s), current, &mut v);
            if p > 0 && p < current {
                prop_assert_eq!(got, Some(p));
                prop_assert!(v.is_empty());
            } else {
                prop_assert_eq!(got, None);
                prop_assert_eq!(v.len(), 1);
            }
        }
    }
}
