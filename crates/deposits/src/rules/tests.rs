use super::*;
use ggzy_core::time::at_local;
use rust_decimal_macros::dec;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const BASIC: &str = "21050161000000000004";

#[test]
fn construction_cash_from_the_basic_account_is_accepted() {
    assert_eq!(
        accept_transfer(
            Market::Construction,
            "2105 0161 0000 0000 0004",
            Some(BASIC)
        ),
        Ok(())
    );
}

#[test]
fn construction_cash_from_another_account_is_held_unmatched() {
    assert_eq!(
        accept_transfer(Market::Construction, "21050161000000000005", Some(BASIC)),
        Err(UnmatchedReason::NotBasicAccount)
    );
    assert_eq!(
        accept_transfer(Market::Construction, BASIC, None),
        Err(UnmatchedReason::NotBasicAccount)
    );
}

#[test]
fn procurement_money_need_not_come_from_the_basic_account() {
    assert_eq!(
        accept_transfer(Market::Procurement, "621700000000", Some(BASIC)),
        Ok(())
    );
}

fn deadline() -> Timestamp {
    at_local(d("2026-03-23"), 9, 30, 0)
}

fn credit(fen: i64, at: Timestamp) -> Credit {
    Credit {
        fen,
        value_at: at,
        accepted: true,
    }
}

#[test]
fn exactly_the_required_amount_before_the_deadline_is_valid() {
    let one_us_before = deadline() - chrono::Duration::microseconds(1);
    let a = assess(20_000_000, deadline(), &[credit(20_000_000, one_us_before)]);
    assert_eq!(a.status, DepositStatus::Valid);
    assert_eq!((a.counted_fen, a.excess_fen), (20_000_000, 0));
}

#[test]
fn one_fen_short_is_underpaid() {
    let a = assess(
        20_000_000,
        deadline(),
        &[credit(19_999_999, deadline() - chrono::Duration::hours(1))],
    );
    assert_eq!(a.status, DepositStatus::Invalid);
    assert_eq!(a.reason, Some("deposit.underpaid"));
    assert_eq!(a.excess_fen, 19_999_999);
}

#[test]
fn overpayment_counts_the_required_amount_and_the_rest_is_refundable() {
    let a = assess(
        20_000_000,
        deadline(),
        &[credit(20_000_001, deadline() - chrono::Duration::hours(1))],
    );
    assert_eq!(a.status, DepositStatus::Valid);
    assert_eq!((a.counted_fen, a.excess_fen), (20_000_000, 1));
}

#[test]
fn money_with_value_time_at_the_deadline_does_not_count() {
    let a = assess(100, deadline(), &[credit(100, deadline())]);
    assert_eq!(a.status, DepositStatus::Invalid);
    assert_eq!(a.reason, Some("deposit.after_deadline"));
    let b = assess(
        100,
        deadline(),
        &[
            credit(60, deadline() - chrono::Duration::seconds(1)),
            credit(40, deadline()),
        ],
    );
    assert_eq!(b.status, DepositStatus::Invalid);
}

#[test]
fn nothing_received_is_missing_and_unmatched_money_is_invalid() {
    assert_eq!(assess(100, deadline(), &[]).status, DepositStatus::Missing);
    let a = assess(
        100,
        deadline(),
        &[Credit {
            fen: 100,
            value_at: deadline() - chrono::Duration::days(1),
            accepted: false,
        }],
    );
    assert_eq!(
        (a.status, a.reason),
        (DepositStatus::Invalid, Some("deposit.not_basic_account"))
    );
    assert_eq!(a.excess_fen, 0);
}

#[test]
fn construction_refund_five_calendar_days_ending_in_a_holiday_ends_on_the_next_working_day() {
    let cal = BusinessCalendar::official();
    // Signed Wednesday 2026-09-30; calendar days run through the National Day holiday, and the
    // last day (10-05, a holiday) moves to the first working day after it, 10-08 (民法典 203).
    assert_eq!(
        refund_due(
            RefundCase::ConstructionContractSigned,
            d("2026-09-30"),
            &cal
        )
        .value,
        d("2026-10-08")
    );
    // Mon 03-02 + 5 = Sat 03-07 → Mon 03-09 (203); Tue 03-03 + 5 = Sun → Mon 03-09;
    // Wed 03-04 + 5 = Mon 03-09 (a working day: unchanged); last day before: Fri 03-06 from Sun 03-01.
    assert_eq!(
        refund_due(RefundCase::ConstructionWithdrawal, d("2026-03-02"), &cal).value,
        d("2026-03-09")
    );
    assert_eq!(
        refund_due(RefundCase::ConstructionWithdrawal, d("2026-03-04"), &cal).value,
        d("2026-03-09")
    );
    assert_eq!(
        refund_due(RefundCase::ConstructionWithdrawal, d("2026-03-01"), &cal).value,
        d("2026-03-06")
    );
}

#[test]
fn procurement_refund_counts_working_days_across_the_national_day_holiday() {
    let cal = BusinessCalendar::official();
    // 2026-09-30 + 5 working days: Oct 1–7 off; Oct 8, 9, 10 (调休 Saturday), 12, 13.
    let due = refund_due(RefundCase::ProcurementLoser, d("2026-09-30"), &cal).value;
    assert_eq!(due, d("2026-10-13"));
    assert_ne!(due, d("2026-10-12")); // the 4th working day is one short
    assert_eq!(
        refund_due(RefundCase::ProcurementWinner, d("2026-04-30"), &cal).value,
        // Labour Day 5/1–5/5 off, 5/9 Saturday is a working day: 6, 7, 8, 9, 11.
        d("2026-05-11")
    );
    assert_eq!(
        refund_due(RefundCase::ProcurementWithdrawal, d("2026-03-02"), &cal).value,
        d("2026-03-09")
    );
}

#[test]
fn the_rate_table_is_dated() {
    assert_eq!(rate_on(d("2012-07-05")), dec!(0.0040));
    assert_eq!(rate_on(d("2012-07-06")), dec!(0.0035));
    assert_eq!(rate_on(d("2026-03-02")), dec!(0.0035));
    assert_eq!(rate_on(d("2011-07-06")), Decimal::ZERO);
}

#[test]
fn interest_rounds_half_a_fen_up() {
    // 360.00 × 0.35% × 30 / 360 = 0.105 → 0.11 (half up, not banker's 0.10).
    let p = Money::parse(dec!(360.00)).unwrap();
    assert_eq!(
        interest(p, d("2026-03-01"), d("2026-03-31")).to_string(),
        "0.11"
    );
    // 29 days: 0.1015 → 0.10.
    assert_eq!(
        interest(p, d("2026-03-01"), d("2026-03-30")).to_string(),
        "0.10"
    );
    // 200000.00 for 10 days: 200000 × 0.0035 × 10 / 360 = 19.4444… → 19.44.
    let big = Money::parse(dec!(200000.00)).unwrap();
    assert_eq!(
        interest(big, d("2026-03-02"), d("2026-03-12")).to_string(),
        "19.44"
    );
    assert_eq!(interest(big, d("2026-03-02"), d("2026-03-02")), Money::ZERO);
}

#[test]
fn interest_splits_at_a_rate_change() {
    // 360.00 from 2012-07-01 to 2012-07-11: 5 days at 0.40% + 5 days at 0.35% = 0.02 + 0.0175 = 0.0375 → 0.04.
    let p = Money::parse(dec!(360.00)).unwrap();
    assert_eq!(
        interest(p, d("2012-07-01"), d("2012-07-11")).to_string(),
        "0.04"
    );
}

#[test]
fn refund_cases_per_market_and_trigger() {
    use RefundTrigger as T;
    assert_eq!(refund_case(Market::Construction, T::Award, false), None);
    assert_eq!(
        refund_case(Market::Construction, T::ContractSigned, false),
        Some(RefundCase::ConstructionContractSigned)
    );
    assert_eq!(
        refund_case(Market::Procurement, T::Award, false),
        Some(RefundCase::ProcurementLoser)
    );
    assert_eq!(refund_case(Market::Procurement, T::Award, true), None);
    assert_eq!(
        refund_case(Market::Procurement, T::ContractSigned, true),
        Some(RefundCase::ProcurementWinner)
    );
    assert_eq!(
        refund_case(Market::Construction, T::Termination, false),
        Some(RefundCase::ConstructionTermination)
    );
}

#[test]
fn land_losers_are_refunded_within_5_working_days_without_interest_across_qingming() {
    let cal = BusinessCalendar::official();
    let c = refund_case(Market::Land, RefundTrigger::AuctionEnded, false);
    assert_eq!(c, Some(RefundCase::LandAuctionEnded));
    assert_eq!(
        refund_case(Market::Land, RefundTrigger::AuctionEnded, true),
        c
    );
    let p = refund_period(RefundCase::LandAuctionEnded);
    assert!(!p.interest, "39号令 21: 不计利息");
    assert_eq!(p.source, "国土资源部令第39号 第二十一条");
    // Deal Wednesday 2026-04-01: Apr 2, 3 (Thu, Fri), Qingming 4-6, then Apr 7, 8, 9.
    // 2026-04-09 is the last day on time, 2026-04-10 is late.
    let due = refund_due(RefundCase::LandAuctionEnded, d("2026-04-01"), &cal).value;
    assert_eq!(due, d("2026-04-09"));
    assert!(d("2026-04-10") > due);
    // A deal one working day later is due one working day later: Apr 3, 7, 8, 9, 10.
    assert_eq!(
        refund_due(RefundCase::LandAuctionEnded, d("2026-04-02"), &cal).value,
        d("2026-04-10")
    );
}

#[test]
fn property_bidders_are_refunded_within_5_working_days_and_auctions_only_exist_in_land_and_property(
) {
    let cal = BusinessCalendar::official();
    let c = refund_case(Market::Property, RefundTrigger::AuctionEnded, false);
    assert_eq!(c, Some(RefundCase::PropertyAuctionEnded));
    // Failure on Monday 2026-04-20 → Monday 2026-04-27 (5 working days, a weekend between).
    assert_eq!(
        refund_due(RefundCase::PropertyAuctionEnded, d("2026-04-20"), &cal).value,
        d("2026-04-27")
    );
    assert!(refund_period(RefundCase::PropertyAuctionEnded).interest);
    assert_eq!(
        refund_case(Market::Construction, RefundTrigger::AuctionEnded, false),
        None
    );
    assert_eq!(
        refund_case(Market::Procurement, RefundTrigger::AuctionEnded, false),
        None
    );
    for p in REFUND_PERIODS {
        assert_eq!(RefundCase::parse(p.case.as_str()), Some(p.case));
    }
    assert_eq!(RefundCase::parse("nope"), None);
}

#[test]
fn the_converted_part_is_the_deposit_held_up_to_the_required_amount() {
    assert_eq!(conversion_amount(20_000_000, 20_000_000), 20_000_000);
    // One fen more than required: that fen is refunded, not converted.
    assert_eq!(conversion_amount(20_000_001, 20_000_000), 20_000_000);
    assert_eq!(conversion_amount(19_999_999, 20_000_000), 19_999_999);
    assert_eq!(conversion_amount(0, 20_000_000), 0);
    assert!(conversion_basis(Market::Land).contains("第二十一条"));
    assert!(conversion_basis(Market::Property).contains("第32号"));
}

#[test]
fn a_refund_due_in_a_year_without_a_schedule_is_provisional_not_an_error() {
    let cal = BusinessCalendar::official();
    // Award Mon 2026-12-28, procurement loser, 5 working days: Dec 29, 30, 31, then 2027
    // (no schedule: weekends only) Jan 1 (Fri), Jan 4 (Mon).
    let due = refund_due(RefundCase::ProcurementLoser, d("2026-12-28"), &cal);
    assert_eq!(due.value, d("2027-01-04"));
    assert!(due.provisional());
    // Last exact date: an event of 2026-12-21 ends on 2026-12-28.
    let due = refund_due(RefundCase::ProcurementLoser, d("2026-12-21"), &cal);
    assert_eq!(due.value, d("2026-12-28"));
    assert!(!due.provisional());
}

#[test]
fn land_tender_losers_get_5_working_days_without_interest_not_the_procurement_rule() {
    use RefundTrigger as T;
    assert_eq!(
        refund_case(Market::Land, T::Award, false),
        Some(RefundCase::LandTenderLoser)
    );
    // The winner's deposit is converted at the award: only an overpayment is refunded, on the
    // same terms, and the contract triggers nothing more.
    assert_eq!(
        refund_case(Market::Land, T::Award, true),
        Some(RefundCase::LandTenderLoser)
    );
    assert_eq!(refund_case(Market::Land, T::ContractSigned, true), None);
    assert_eq!(refund_case(Market::Land, T::ContractSigned, false), None);
    let p = refund_period(RefundCase::LandTenderLoser);
    assert!(!p.interest && !p.late_fee);
    assert_eq!(p.source, "国土资源部令第39号 第二十一条");
    let cal = BusinessCalendar::official();
    // Award Wednesday 2026-04-01: Apr 2, 3, (Qingming 4–6), 7, 8, 9 → 2026-04-09 is the last
    // day on time; 2026-04-10 is late.
    let due = refund_due(RefundCase::LandTenderLoser, d("2026-04-01"), &cal).value;
    assert_eq!(due, d("2026-04-09"));
    let c = refund_extra(
        RefundCase::LandTenderLoser,
        Money::parse(dec!(2000000.00)).unwrap(),
        d("2026-03-01"),
        due,
        due,
    );
    assert_eq!((c.interest, c.kind), (Money::ZERO, "none"));
    assert!(c.rule.contains("第39号 第二十一条"));
    // Procurement losers are unchanged.
    assert_eq!(
        refund_case(Market::Procurement, T::Award, false),
        Some(RefundCase::ProcurementLoser)
    );
}

#[test]
fn a_procurement_refund_on_its_due_date_owes_nothing_and_one_day_late_owes_the_late_fee() {
    let p = Money::parse(dec!(360000.00)).unwrap();
    let due = d("2026-05-11");
    for case in [
        RefundCase::ProcurementLoser,
        RefundCase::ProcurementWinner,
        RefundCase::ProcurementWithdrawal,
    ] {
        // Last day on time: nothing beyond the principal, and no construction rule cited.
        let on_time = refund_extra(case, p, d("2026-03-05"), due, due);
        assert_eq!(on_time.interest, Money::ZERO);
        assert_eq!(on_time.kind, "none");
        assert!(!on_time.rule.contains("实施条例 57"), "{}", on_time.rule);
        assert!(on_time.rule.contains("第三十三条"));
        // First day late: 360000 × 4.35% × 1.2 × 1 / 360 = 52.20.
        let late = refund_extra(case, p, d("2026-03-05"), due, d("2026-05-12"));
        assert_eq!(late.kind, "late_fee");
        assert_eq!(late.interest.to_string(), "52.20");
        assert_eq!(late.slices.len(), 1);
        assert_eq!(late.slices[0].rate, dec!(0.05220));
        assert!(late.rule.contains("第三十八条"));
        assert!(!late.rule.contains("实施条例 57"));
        assert!(!refund_period(case).source.contains("实施条例 57"));
    }
    // Ten days late: 522.00.
    assert_eq!(
        late_fee_computation(p, due, d("2026-05-21"))
            .interest
            .to_string(),
        "522.00"
    );
    // Construction keeps the bank interest of 实施条例 57 from the day the money was held.
    let c = refund_extra(
        RefundCase::ConstructionContractSigned,
        p,
        d("2026-03-01"),
        d("2026-03-31"),
        d("2026-03-31"),
    );
    assert_eq!(
        (c.kind, c.interest.to_string().as_str()),
        ("interest", "105.00")
    );
}

#[test]
fn the_late_fee_splits_at_a_loan_rate_change() {
    // 360.00 late from 2015-10-20 to 2015-10-30: 4 days at 4.60% × 1.2 + 6 days at 4.35% × 1.2.
    let p = Money::parse(dec!(360.00)).unwrap();
    let c = late_fee_computation(p, d("2015-10-20"), d("2015-10-30"));
    assert_eq!(c.slices.len(), 2);
    assert_eq!((c.slices[0].days, c.slices[1].days), (4, 6));
    // 360 × 0.0552 × 4 / 360 + 360 × 0.0522 × 6 / 360 = 0.2208 + 0.3132 = 0.534 → 0.53.
    assert_eq!(c.exact, dec!(0.5340));
    assert_eq!(c.interest.to_string(), "0.53");
}

proptest::proptest! {
    /// A procurement refund owes nothing up to its due date and a non-decreasing fee after it.
    #[test]
    fn the_late_fee_is_zero_on_time_and_grows_with_the_days_late(fen in 1i64..=10_000_000_000, late in 0u64..=400) {
        let p = Money::from_fen(fen);
        let due = d("2026-05-11");
        let on = due.checked_add_days(chrono::Days::new(late)).unwrap();
        let c = late_fee_computation(p, due, on);
        let next = late_fee_computation(p, due, on.succ_opt().unwrap());
        proptest::prop_assert!(next.interest >= c.interest);
        if late == 0 {
            proptest::prop_assert_eq!(c.interest, Money::ZERO);
        }
    }
}

#[test]
fn termination_is_refunded_the_next_working_day() {
    let cal = BusinessCalendar::official();
    // Terminated Wednesday 2026-09-30: the next working day is 2026-10-08.
    assert_eq!(
        refund_due(RefundCase::ConstructionTermination, d("2026-09-30"), &cal).value,
        d("2026-10-08")
    );
}

#[test]
fn interest_computation_shows_each_slice() {
    let p = Money::parse(dec!(360.00)).unwrap();
    let c = interest_computation(p, d("2012-07-01"), d("2012-07-11"));
    assert_eq!(c.slices.len(), 2);
    assert_eq!((c.slices[0].days, c.slices[1].days), (5, 5));
    assert_eq!(c.exact, dec!(0.0375));
    assert_eq!(c.interest, interest(p, d("2012-07-01"), d("2012-07-11")));
}

#[test]
fn a_guarantee_must_cover_the_bid_validity_to_its_last_day() {
    // Deadline 2026-03-23 09:30, 90 days of bid validity: through 2026-06-21.
    let end = bid_validity_end(deadline(), 90);
    assert_eq!(end, d("2026-06-21"));
    assert!(check_guarantee(100, deadline(), 90, 100, d("2026-03-01"), end).is_empty());
    let short = check_guarantee(100, deadline(), 90, 100, d("2026-03-01"), d("2026-06-20"));
    assert_eq!(short.len(), 1);
    assert_eq!(short[0].1, "guarantee.validity_short");
}

#[test]
fn a_guarantee_below_the_deposit_or_starting_after_the_deadline_is_refused() {
    let end = d("2026-12-31");
    let r = check_guarantee(100, deadline(), 90, 99, d("2026-03-23"), end);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].1, "guarantee.amount_below_deposit");
    let r = check_guarantee(100, deadline(), 90, 100, d("2026-03-24"), end);
    assert_eq!(r[0].1, "guarantee.starts_after_deadline");
}
