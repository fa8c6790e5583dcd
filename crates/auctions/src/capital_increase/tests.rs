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
fn after_a_predisclosure_the_formal_disclosure_lasts_20_working_days_and_both_40() {
    let cal = BusinessCalendar::official();
    let r = CapitalIncreaseRules::national();
    // Pre-disclosed Monday 2026-03-02, formally announced Monday 03-30: the 20th working day of
    // the formal disclosure and the 40th from the pre-disclosure are both Tuesday 04-28 (清明
    // 04-04..06).
    let pre = at_local(d("2026-03-02"), 9, 0, 0);
    let a = at_local(d("2026-03-30"), 9, 0, 0);
    let ok = period::end_of_day(d("2026-04-28"));
    let mut m = crate::rules::Missing::new();
    assert!(check_disclosure(&r, &cal, a, Some(pre), a, ok, &mut m).is_empty());
    let v = check_disclosure(
        &r,
        &cal,
        a,
        Some(pre),
        a,
        ok - chrono::Duration::seconds(1),
        &mut m,
    );
    let rules: Vec<&str> = v.iter().map(|e| e.rule.as_str()).collect();
    assert_eq!(
        rules,
        [
            "capital.disclosure_period",
            "capital.combined_disclosure_period"
        ]
    );
    // Announced a week after the pre-disclosure: 20 working days formally (to 04-07) are not
    // enough, the 40 together (to 04-28) decide.
    let a = at_local(d("2026-03-09"), 9, 0, 0);
    let v = check_disclosure(
        &r,
        &cal,
        a,
        Some(pre),
        a,
        period::end_of_day(d("2026-04-07")),
        &mut m,
    );
    let rules: Vec<&str> = v.iter().map(|e| e.rule.as_str()).collect();
    assert_eq!(rules, ["capital.combined_disclosure_period"]);
    assert!(check_disclosure(&r, &cal, a, Some(pre), a, ok, &mut m).is_empty());
    // Without the pre-disclosure the same formal window is 20 working days short of 40.
    let v = check_disclosure(
        &r,
        &cal,
        a,
        None,
        a,
        period::end_of_day(d("2026-04-07")),
        &mut m,
    );
    assert_eq!(v[0].rule, "capital.disclosure_period");
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
    assert!(check_disclosure(&r, &cal, a, None, a, ok, &mut m).is_empty());
    let v = check_disclosure(
        &r,
        &cal,
        a,
        None,
        a,
        ok - chrono::Duration::seconds(1),
        &mut m,
    );
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
        check_failure(
            CapitalPhase::Disclosure,
            end,
            end,
            0,
            " 未征集到意向投资方 "
        )
        .unwrap(),
        "未征集到意向投资方"
    );
    // One second before the end: the disclosure still runs.
    let before = end - chrono::Duration::seconds(1);
    assert_eq!(
        rule(check_failure(CapitalPhase::Disclosure, before, end, 0, "x")),
        "capital.disclosure_running"
    );
    // One qualified investor: the enterprise selects it instead.
    assert_eq!(
        rule(check_failure(CapitalPhase::Disclosure, end, end, 1, "x")),
        "capital.has_investor"
    );
    assert_eq!(
        rule(check_failure(CapitalPhase::Selected, end, end, 0, "x")),
        "capital.closed"
    );
    assert_eq!(
        rule(check_failure(CapitalPhase::Failed, end, end, 0, "x")),
        "capital.closed"
    );
    assert_eq!(
        rule(check_failure(CapitalPhase::Disclosure, end, end, 0, "  ")),
        "capital.failure_reason"
    );
    let long = "字".repeat(2001);
    assert_eq!(
        rule(check_failure(CapitalPhase::Disclosure, end, end, 0, &long)),
        "capital.failure_reason"
    );
    assert!(check_failure(CapitalPhase::Disclosure, end, end, 0, &"字".repeat(2000)).is_ok());
}

fn scored(o: &str, amount_fen: i64, total_centi: i64) -> Scored {
    Scored {
        org_id: o.into(),
        amount_fen,
        points: vec![],
        total_centi,
    }
}

#[test]
fn several_investors_are_taken_by_rank_until_the_amount_or_the_number_is_reached() {
    let r = CapitalIncreaseRules::national();
    let ranked = [
        scored("a", 3_000_000_000, 9000),
        scored("b", 2_000_000_000, 8000),
        scored("c", 4_000_000_000, 7000),
    ];
    let sought = |amount_fen, investors, minimum_fen| Sought {
        amount_fen,
        investors,
        minimum_fen,
    };
    // One investor sought: the first, whatever its amount (as before: no floor).
    assert_eq!(choose(&r, &ranked, &sought(5_000_000_000, 1, None)), Ok(1));
    // Two sought, 50 m: a + b reach it exactly — accepted.
    assert_eq!(choose(&r, &ranked, &sought(5_000_000_000, 2, None)), Ok(2));
    // One fen more sought: a + b fall one fen short, and c (third) is beyond the number.
    let e = choose(&r, &ranked, &sought(5_000_000_001, 2, None)).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.rule.as_str()),
        ("scores", "capital.selection_amount")
    );
    // The disclosure allowed less: a floor of exactly their total is accepted, one fen more not.
    assert_eq!(
        choose(&r, &ranked, &sought(6_000_000_000, 2, Some(5_000_000_000))),
        Ok(2)
    );
    assert!(choose(&r, &ranked, &sought(6_000_000_000, 2, Some(5_000_000_001))).is_err());
    // The first alone reaches the amount: only it is taken, though three are sought.
    assert_eq!(choose(&r, &ranked, &sought(3_000_000_000, 3, None)), Ok(1));
    // Three sought, 90 m: all three.
    assert_eq!(choose(&r, &ranked, &sought(9_000_000_000, 3, None)), Ok(3));
    // Fewer qualified investors than sought: all of them, if they reach the amount.
    assert_eq!(
        choose(&r, &ranked[..2], &sought(5_000_000_000, 5, None)),
        Ok(2)
    );
}

#[test]
fn the_number_sought_is_1_to_the_bound_and_the_minimum_at_most_the_amount() {
    let r = CapitalIncreaseRules::national();
    assert!(check_sought(&r, 1, 100, None).is_empty());
    assert!(check_sought(&r, r.max_investors_sought, 100, Some(100)).is_empty());
    assert_eq!(
        check_sought(&r, 0, 100, None)[0].rule,
        "capital.investors_sought"
    );
    assert_eq!(
        check_sought(&r, r.max_investors_sought + 1, 100, None)[0].rule,
        "capital.investors_sought"
    );
    assert_eq!(
        check_sought(&r, 2, 100, Some(101))[0].rule,
        "capital.amount_minimum"
    );
    assert_eq!(
        check_sought(&r, 2, 100, Some(0))[0].rule,
        "capital.amount_minimum"
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the offers: the selection is a prefix of the ranking (never skips a better
        /// total), never more than the number sought, stops as soon as the amount is reached,
        /// and is accepted exactly when its total reaches the floor.
        #[test]
        fn the_selection_is_the_ranking_s_best_prefix(
            amounts in proptest::collection::vec(1i64..5_000_000, 1..8),
            investors in 1i64..6,
            amount_fen in 1i64..20_000_000,
            minimum in proptest::option::of(1i64..20_000_000),
        ) {
            let r = CapitalIncreaseRules::national();
            let ranked: Vec<Scored> = amounts
                .iter()
                .enumerate()
                .map(|(i, a)| scored(&format!("o{i}"), *a, 10_000 - i as i64))
                .collect();
            let minimum_fen = minimum.map(|m| m.min(amount_fen));
            let s = Sought { amount_fen, investors, minimum_fen };
            // The prefix the walk takes, computed independently.
            let mut n = 0usize;
            while n < ranked.len()
                && (n as i64) < investors
                && ranked[..n].iter().map(|x| x.amount_fen).sum::<i64>() < amount_fen
            {
                n += 1;
            }
            let sum: i64 = ranked[..n].iter().map(|x| x.amount_fen).sum();
            prop_assert!(n >= 1 && n as i64 <= investors);
            match choose(&r, &ranked, &s) {
                Ok(k) => {
                    prop_assert_eq!(k, n);
                    prop_assert!(s.floor().is_none_or(|f| sum >= f));
                }
                Err(e) => {
                    prop_assert_eq!(e.rule.as_str(), "capital.selection_amount");
                    prop_assert!(sum < s.floor().unwrap());
                }
            }
        }
    }
}
