use super::*;
use ggzy_core::time::at_local;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn points_have_at_most_two_decimals() {
    assert_eq!(parse_points("12.5"), Some(1250));
    assert_eq!(parse_points("0"), Some(0));
    assert_eq!(parse_points("40.05"), Some(4005));
    for bad in ["", "-1", "1.234", "1.", ".5", "1e2", "1000"] {
        assert_eq!(parse_points(bad), None, "{bad}");
    }
}

#[test]
fn criteria_weights_sum_to_100_and_names_are_distinct() {
    let c = |n: &str, w| Criterion {
        name: n.into(),
        weight: w,
    };
    assert!(check_criteria(&[c("投资金额", 40), c("产业协同", 60)]).is_empty());
    let v = check_criteria(&[c("投资金额", 40), c("产业协同", 59)]);
    assert_eq!(v[0].rule, "capital.criteria_weight_sum");
    let v = check_criteria(&[c("a", 50), c("a", 50)]);
    assert_eq!(v[0].rule, "capital.criteria_name");
    assert_eq!(check_criteria(&[])[0].rule, "capital.criteria");
}

#[test]
fn the_highest_total_wins_not_the_highest_amount_and_a_tie_goes_to_the_lot() {
    let s = |o: &str, amount, total| Scored {
        org_id: o.into(),
        amount_fen: amount,
        points: vec![],
        total_centi: total,
    };
    let (r, tied) = rank(vec![s("a", 900, 8000), s("b", 100, 8550)], "seed");
    assert_eq!(r[0].org_id, "b");
    assert!(tied.is_empty());
    // Equal totals: the lower lot key first, whatever the organization ids.
    let (r, tied) = rank(vec![s("a", 1, 9000), s("b", 1, 9000), s("c", 1, 100)], "x");
    assert_eq!(tied.len(), 2);
    let first = if ggzy_core::lot::key("x", "a") < ggzy_core::lot::key("x", "b") {
        "a"
    } else {
        "b"
    };
    assert_eq!(r[0].org_id, first);
    assert_eq!(r[2].org_id, "c");
}

#[test]
fn the_disclosure_lasts_40_working_days_and_the_publicity_5() {
    let cal = BusinessCalendar::official();
    let r = CapitalIncreaseRules::national();
    // Announced Thursday 2026-04-02 (清明 04-04..06, 劳动节 05-01..05, make-up Saturday
    // 05-09): the 40th working day is Tuesday 2026-06-02; its 24:00 is the earliest end.
    let a = at_local(d("2026-04-02"), 9, 0, 0);
    let mut m = crate::rules::Missing::new();
    let last = period::last_day(&cal, d("2026-04-02"), Days::working(40)).value;
    assert_eq!(last, d("2026-06-02"));
    let ok = period::end_of_day(last);
    assert!(check_disclosure(&r, &cal, a, a, ok, &mut m).is_empty());
    let v = check_disclosure(&r, &cal, a, a, ok - chrono::Duration::seconds(1), &mut m);
    assert_eq!(v[0].rule, "capital.disclosure_period");
    // Publicity from Tuesday 2026-03-31: 5 working days across 清明 → 24:00 of 04-08.
    let p = at_local(d("2026-03-31"), 10, 0, 0);
    let end = period::end_of_day(d("2026-04-08"));
    assert!(check_publicity(&r, &cal, p, end, &mut m).is_none());
    assert!(check_publicity(&r, &cal, p, end - chrono::Duration::seconds(1), &mut m).is_some());
}

#[test]
fn a_failure_is_recorded_from_the_disclosure_end_without_a_qualified_investor() {
    let end = at_local(d("2026-04-29"), 0, 0, 0);
    let rule = |r: Result<String>| match r {
        Err(Error::Conflict { rule, .. }) => rule,
        Err(Error::Validation(v)) => v[0].rule.clone(),
        other => panic!("{other:?}"),
    };
    // At the end exactly, nobody qualified, a reason: recorded (trimmed).
    assert_eq!(
        check_failure("disclosure", end, end, 0, " 未征集到意向投资方 ").unwrap(),
        "未征集到意向投资方"
    );
    // One second before the end: the disclosure still runs.
    let before = end - chrono::Duration::seconds(1);
    assert_eq!(
        rule(check_failure("disclosure", before, end, 0, "x")),
        "capital.disclosure_running"
    );
    // One qualified investor: the enterprise selects it instead.
    assert_eq!(
        rule(check_failure("disclosure", end, end, 1, "x")),
        "capital.has_investor"
    );
    assert_eq!(
        rule(check_failure("selected", end, end, 0, "x")),
        "capital.closed"
    );
    assert_eq!(
        rule(check_failure("failed", end, end, 0, "x")),
        "capital.closed"
    );
    assert_eq!(
        rule(check_failure("disclosure", end, end, 0, "  ")),
        "capital.failure_reason"
    );
    let long = "字".repeat(2001);
    assert_eq!(
        rule(check_failure("disclosure", end, end, 0, &long)),
        "capital.failure_reason"
    );
    assert!(check_failure("disclosure", end, end, 0, &"字".repeat(2000)).is_ok());
}
