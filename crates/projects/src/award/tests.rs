use super::*;
use chrono::NaiveDate;
use serde_json::json;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn publicity_of_two_days_is_refused_three_accepted() {
    let r = AwardRules::national(Market::Construction);
    let e = check_publicity_days(&r, 2).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.rule.as_str()),
        ("publicity_days", "publicity.min_days")
    );
    assert!(e.message.contains("第五十四条"), "{}", e.message);
    assert_eq!(check_publicity_days(&r, 3).unwrap(), 3);
    assert_eq!(check_publicity_days(&r, 60).unwrap(), 60);
    assert_eq!(
        check_publicity_days(&r, 61).unwrap_err().rule,
        "publicity.max_days"
    );
}

#[test]
fn a_regional_minimum_moves_the_boundary() {
    let r = AwardRules {
        publicity_min_days: 5,
        ..AwardRules::national(Market::Land)
    };
    assert!(check_publicity_days(&r, 4).is_err());
    assert_eq!(check_publicity_days(&r, 5).unwrap(), 5);
}

#[test]
fn periods_start_the_next_day_and_end_at_midnight() {
    let cal = BusinessCalendar::official();
    // Monday 2026-03-02 10:00 + 3 days → ends Thursday 24:00 (= Friday 00:00) Shanghai.
    let start = at_local(d(2026, 3, 2), 10, 0, 0);
    assert_eq!(
        period_end(&cal, start, 3).value,
        at_local(d(2026, 3, 6), 0, 0, 0)
    );
    // Late in the evening changes nothing: the first day is never counted.
    let late = at_local(d(2026, 3, 2), 23, 59, 59);
    assert_eq!(
        period_end(&cal, late, 3).value,
        at_local(d(2026, 3, 6), 0, 0, 0)
    );
    // 30 days for the contract across a month end: day 30 is Sun 04-19, a day off, so the
    // period ends with Mon 04-20 (民法典 203).
    assert_eq!(
        period_end(&cal, at_local(d(2026, 3, 20), 15, 0, 0), 30).value,
        at_local(d(2026, 4, 21), 0, 0, 0)
    );
}

#[test]
fn a_publicity_whose_last_day_is_qingming_ends_on_the_next_working_day() {
    let cal = BusinessCalendar::official();
    // The docs' example: publicity from Fri 2026-04-03, 3 days → 04-06 (清明) → ends 04-07 24:00.
    let start = at_local(d(2026, 4, 3), 10, 0, 0);
    assert_eq!(
        period_end(&cal, start, 3).value,
        at_local(d(2026, 4, 8), 0, 0, 0)
    );
    // One day earlier: Thu 04-02 + 3 = Sun 04-05 (清明) → Tue 04-07 too.
    let start = at_local(d(2026, 4, 2), 10, 0, 0);
    assert_eq!(
        period_end(&cal, start, 3).value,
        at_local(d(2026, 4, 8), 0, 0, 0)
    );
    // Tue 03-31 + 3 = Fri 04-03, a working day: unchanged.
    let start = at_local(d(2026, 3, 31), 10, 0, 0);
    assert_eq!(
        period_end(&cal, start, 3).value,
        at_local(d(2026, 4, 4), 0, 0, 0)
    );
}

#[test]
fn a_period_reaching_a_year_without_schedule_is_provisional_until_the_year_is_installed() {
    let cal = BusinessCalendar::official();
    assert!(
        !cal.has_year(2027),
        "the test needs 2027 without a compiled-in schedule"
    );
    let start = at_local(d(2026, 12, 28), 10, 0, 0);
    // Inside 2026: exact (Thu 12-31).
    let e = period_end(&cal, start, 3);
    assert_eq!(e.value, at_local(d(2027, 1, 1), 0, 0, 0));
    assert!(!e.provisional());
    // 4 days → Fri 2027-01-01: with weekends only a working day, so the period ends with it.
    let e = period_end(&cal, start, 4);
    assert_eq!(e.value, at_local(d(2027, 1, 2), 0, 0, 0));
    assert_eq!(e.missing.iter().copied().collect::<Vec<_>>(), vec![2027]);
    // The schedule arrives: 01-01 is a holiday, 01-02/03 the weekend → Mon 01-04 (民法典 203).
    cal.install(
        ggzy_core::calendar::YearSchedule::parse(
            "year = 2027\nworkdays = []\n[holidays]\n\"元旦\" = [\"2027-01-01\"]\n",
            "test",
            1,
        )
        .unwrap(),
    );
    let e = period_end(&cal, start, 4);
    assert_eq!(e.value, at_local(d(2027, 1, 5), 0, 0, 0));
    assert!(!e.provisional());
}

#[test]
fn contract_on_day_30_is_on_time_day_31_late() {
    let cal = BusinessCalendar::official();
    // Awarded Wed 03-18: day 30 is Fri 04-17, a working day.
    let awarded = at_local(d(2026, 3, 18), 15, 0, 0);
    let due = period_end(&cal, awarded, 30).value;
    assert!(!contract_late(d(2026, 3, 18), due));
    assert!(!contract_late(d(2026, 4, 17), due)); // day 30
    assert!(contract_late(d(2026, 4, 18), due)); // day 31
}

#[test]
fn performance_security_of_10_00_percent_is_allowed_10_01_refused() {
    let amount = Money::parse_str("1000000.00").unwrap();
    let ok = Money::parse_str("100000.00").unwrap();
    let over = Money::parse_str("100100.00").unwrap();
    assert!(performance_security_allowed(ok, amount));
    assert!(!performance_security_allowed(over, amount));
    // A fen above the cap of an odd amount: 9,480,000.50 → 948,000.05 allowed, .06 refused.
    let odd = Money::parse_str("9480000.50").unwrap();
    assert!(performance_security_allowed(
        Money::parse_str("948000.05").unwrap(),
        odd
    ));
    assert!(!performance_security_allowed(
        Money::parse_str("948000.06").unwrap(),
        odd
    ));
}

#[test]
fn national_rules_cite_their_sources() {
    for m in Market::ALL {
        let r = AwardRules::national(m);
        assert_eq!(
            (
                r.max_candidates,
                r.publicity_min_days,
                r.objection_answer_days,
                r.contract_days
            ),
            (3, 3, 3, 30)
        );
        assert!(r.publicity_source.contains("第五十四条"));
        assert!(r.contract_source.contains("第四十六条"));
    }
}

#[test]
fn decimals_accept_strings_and_numbers() {
    assert_eq!(decimal_of(&json!("12.50")).as_deref(), Some("12.50"));
    assert_eq!(decimal_of(&json!(95.5)).as_deref(), Some("95.5"));
    assert_eq!(decimal_of(&json!("abc")), None);
    assert_eq!(decimal_of(&json!(null)), None);
}
