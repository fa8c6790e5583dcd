//! Unit tests of `rules` (moved from the parent module).

use super::*;
use proptest::prelude::*;
use rust_decimal_macros::dec;

fn formula() -> PriceFormula {
    PriceFormula {
        base: BaseRule::Mean {
            k: dec!(0.02),
            drop_extremes_from: Some(5),
        },
        kind: PriceFormulaKind::Deviation,
        e_above: Some(dec!(1)),
        e_below: Some(dec!(0.5)),
    }
}

fn gp() -> PriceFormula {
    PriceFormula {
        kind: PriceFormulaKind::LowestRatio,
        base: BaseRule::Lowest,
        e_above: None,
        e_below: None,
    }
}

#[test]
fn lowest_ratio_scores_the_87_order_example() {
    // 87号令 第五十五条: 投标报价得分 = 评标基准价 / 投标报价 × 价格分值. Base 9 480 000.50
    // (the lowest); 9 650 000.00 → 0.98238… × 30 = 29.4715… → 29.47.
    let s = price_score(&gp(), dec!(30), dec!(9650000.00), dec!(9480000.50));
    assert_eq!(s.score, dec!(29.47));
    assert_eq!(s.e, None);
    let lowest = price_score(&gp(), dec!(30), dec!(9480000.50), dec!(9480000.50));
    assert_eq!(lowest.score, dec!(30.00));
}

#[test]
fn lowest_ratio_takes_the_lowest_base_and_no_e() {
    let mut m = comprehensive();
    m.price_formula = Some(PriceFormula {
        kind: PriceFormulaKind::LowestRatio,
        e_above: Some(dec!(1)),
        ..formula()
    });
    let rules: Vec<String> = m
        .validate()
        .unwrap_err()
        .0
        .into_iter()
        .map(|e| e.rule)
        .collect();
    assert_eq!(
        rules,
        [
            "price_formula.ratio_takes_no_e",
            "price_formula.ratio_takes_no_e",
            "price_formula.ratio_base_lowest"
        ]
    );
    m.price_formula = Some(gp());
    assert!(m.validate().is_ok());
    m.price_formula = Some(PriceFormula {
        e_below: None,
        ..formula()
    });
    assert_eq!(
        m.validate().unwrap_err().0[0].rule,
        "price_formula.e_required"
    );
    assert_eq!(
        required_price_formula("procurement"),
        Some(PriceFormulaKind::LowestRatio)
    );
    assert_eq!(required_price_formula("construction"), None);
}

fn comprehensive() -> MethodSpec {
    MethodSpec {
        method: Method::Comprehensive,
        criteria: vec![
            Criterion {
                code: "price".into(),
                name: "投标报价".into(),
                max_points: dec!(30),
                is_price: true,
                guidance: String::new(),
            },
            Criterion {
                code: "technical".into(),
                name: "技术".into(),
                max_points: dec!(50),
                is_price: false,
                guidance: "施工组织设计".into(),
            },
            Criterion {
                code: "commercial".into(),
                name: "商务".into(),
                max_points: dec!(20),
                is_price: false,
                guidance: "业绩、信誉".into(),
            },
        ],
        price_formula: Some(formula()),
        drop_member_extremes_from: None,
        outlier_share: None,
        ceiling_price: None,
        abnormally_low_share: None,
        tie_break: vec![],
        sme_deduction: None,
        change_notice_id: None,
    }
}

fn rules_of(e: Violations) -> Vec<String> {
    e.0.into_iter().map(|f| f.rule).collect()
}

#[test]
fn criteria_summing_to_100_are_accepted_and_99_99_is_refused() {
    assert!(comprehensive().validate().is_ok());
    let mut s = comprehensive();
    s.criteria[2].max_points = dec!(19.99);
    assert_eq!(
        rules_of(s.validate().unwrap_err()),
        vec!["criteria.sum_100"]
    );
}

#[test]
fn lowest_price_takes_no_criteria_and_comprehensive_needs_one_price_criterion() {
    let mut s = comprehensive();
    s.method = Method::LowestEvaluatedPrice;
    assert!(rules_of(s.validate().unwrap_err()).contains(&"method.lowest_price_no_criteria".into()));
    let mut s = comprehensive();
    s.criteria[0].is_price = false;
    s.criteria[0].guidance = "x".into();
    assert!(rules_of(s.validate().unwrap_err()).contains(&"criteria.one_price".into()));
    let mut s = comprehensive();
    s.price_formula = None;
    assert!(rules_of(s.validate().unwrap_err()).contains(&"price_formula.required".into()));
}

#[test]
fn k_must_be_below_one() {
    let mut s = comprehensive();
    s.price_formula.as_mut().unwrap().base = BaseRule::Mean {
        k: dec!(0.99),
        drop_extremes_from: None,
    };
    assert!(s.validate().is_ok());
    s.price_formula.as_mut().unwrap().base = BaseRule::Mean {
        k: dec!(1),
        drop_extremes_from: None,
    };
    assert_eq!(
        rules_of(s.validate().unwrap_err()),
        vec!["price_formula.k_range"]
    );
}

#[test]
fn worked_example_mean_base_and_scores() {
    // The three bids of the API tests: 9 650 000.00, 9 480 000.50, 9 720 000.00; K = 2 %.
    let prices = [dec!(9650000.00), dec!(9480000.50), dec!(9720000.00)];
    let b = base_price(&formula().base, &prices).unwrap();
    // mean = 28 850 000.50 / 3 = 9 616 666.8333…; × 0.98 = 9 424 333.4966… → 9 424 333.50
    assert!(b.dropped.is_empty(), "3 bids < 5: nothing dropped");
    assert_eq!(b.base, dec!(9424333.50));
    let s1 = price_score(&formula(), dec!(30), dec!(9650000.00), b.base);
    // |225 666.50| / 9 424 333.50 × 100 = 2.39451…; × 1 → 30 − 2.39451 = 27.60549 → 27.61
    assert_eq!(s1.score, dec!(27.61));
    assert_eq!(s1.e, Some(dec!(1)));
    let s2 = price_score(&formula(), dec!(30), dec!(9480000.50), b.base);
    // 55 667.00 / 9 424 333.50 × 100 = 0.59067…; × 1 → 29.40933 → 29.41
    assert_eq!(s2.score, dec!(29.41));
    let s3 = price_score(&formula(), dec!(30), dec!(9720000.00), b.base);
    // 295 666.50 / 9 424 333.50 × 100 = 3.13727…  → 26.86273 → 26.86
    assert_eq!(s3.score, dec!(26.86));
}

#[test]
fn below_the_base_uses_e_below() {
    let s = price_score(&formula(), dec!(30), dec!(90), dec!(100));
    assert_eq!(s.e, Some(dec!(0.5)));
    assert_eq!(s.score, dec!(25.00));
    let s = price_score(&formula(), dec!(30), dec!(110), dec!(100));
    assert_eq!(s.score, dec!(20.00));
}

#[test]
fn extremes_are_dropped_from_n_bids_not_below() {
    let rule = BaseRule::Mean {
        k: dec!(0),
        drop_extremes_from: Some(5),
    };
    let four = [dec!(1), dec!(2), dec!(3), dec!(10)];
    assert_eq!(base_price(&rule, &four).unwrap().base, dec!(4.00));
    let five = [dec!(1), dec!(2), dec!(3), dec!(4), dec!(100)];
    let b = base_price(&rule, &five).unwrap();
    assert_eq!(b.dropped, vec![dec!(1), dec!(100)]);
    assert_eq!(b.base, dec!(3.00));
    assert_eq!(
        base_price(&BaseRule::Lowest, &five).unwrap().base,
        dec!(1.00)
    );
    assert!(base_price(&BaseRule::Lowest, &[]).is_none());
}

#[test]
fn rounding_is_half_up_at_two_places() {
    assert_eq!(round2(dec!(1.005)), dec!(1.01));
    assert_eq!(round2(dec!(1.0049)), dec!(1.00));
    assert_eq!(round2(dec!(-1.005)), dec!(-1.01));
    assert_eq!(round2(dec!(51)).to_string(), "51.00");
}

#[test]
fn aggregation_drops_extremes_only_from_the_configured_count() {
    let v = [dec!(80), dec!(70), dec!(90), dec!(60), dec!(100)];
    assert_eq!(aggregate(&v, None), dec!(80.00));
    assert_eq!(aggregate(&v[..4], Some(5)), dec!(75.00));
    assert_eq!(aggregate(&v, Some(5)), dec!(80.00));
    let w = [dec!(10), dec!(11), dec!(12), dec!(13), dec!(40)];
    assert_eq!(aggregate(&w, Some(5)), dec!(12.00));
    assert_eq!(aggregate(&[dec!(1), dec!(2), dec!(2)], None), dec!(1.67));
}

#[test]
fn outlier_boundary_is_strictly_more_than_the_share() {
    assert!(!is_outlier(dec!(120), dec!(100), dec!(0.2)));
    assert!(is_outlier(dec!(120.01), dec!(100), dec!(0.2)));
    assert!(is_outlier(dec!(79.99), dec!(100), dec!(0.2)));
}

#[test]
fn the_session_window_includes_its_start_and_end_and_nothing_outside() {
    let start = chrono::DateTime::parse_from_rfc3339("2026-04-07T09:00:00+08:00")
        .unwrap()
        .to_utc();
    let end = start + chrono::Duration::hours(8);
    let us = chrono::Duration::microseconds(1);
    assert!(within_session(start, start, end));
    assert!(within_session(end, start, end));
    assert!(!within_session(start - us, start, end));
    assert!(!within_session(end + us, start, end));
}

#[test]
fn majority_rejection_needs_more_than_half() {
    assert!(!rejected_by_majority(1, 3));
    assert!(rejected_by_majority(2, 3));
    assert!(!rejected_by_majority(2, 4));
    assert!(rejected_by_majority(3, 5));
}

fn r(o: &str, p: Decimal, t: Decimal, n: Decimal) -> Rankable {
    Rankable {
        org_id: o.into(),
        price: p,
        total: Some(t),
        non_price: n,
    }
}

fn ids(r: &Ranking) -> Vec<&str> {
    r.ranked.iter().map(|x| x.org_id.as_str()).collect()
}

#[test]
fn ties_follow_the_documents_rules_in_order_then_the_lot_never_the_org_id() {
    let bids = vec![
        r("a", dec!(100), dec!(90), dec!(60)),
        r("b", dec!(99), dec!(90), dec!(50)),
        r("c", dec!(99), dec!(90), dec!(61)),
        r("d", dec!(50), dec!(91), dec!(61)),
    ];
    let lower_then_higher = [TieRule::LowerPrice, TieRule::HigherNonPrice];
    let out = rank(
        Method::Comprehensive,
        bids.clone(),
        &lower_then_higher,
        None,
    );
    assert_eq!(ids(&out), ["d", "c", "b", "a"]);
    assert!(out.lots.is_empty());
    // Higher technical first: a (60) before b (50); c (61) first of the three.
    let out = rank(
        Method::Comprehensive,
        bids.clone(),
        &[TieRule::HigherNonPrice],
        None,
    );
    assert_eq!(ids(&out), ["d", "c", "a", "b"]);
    // No documents' rule: the three at 90 are one lot group; the draw orders them by their keys.
    let out = rank(Method::Comprehensive, bids.clone(), &[], None);
    assert_eq!(out.lots, vec![vec!["a", "b", "c"]]);
    let seed = "5eed";
    let drawn = rank(Method::Comprehensive, bids, &[], Some(seed));
    let mut keyed = vec!["a", "b", "c"];
    keyed.sort_by_key(|o| lot_key(seed, o));
    assert_eq!(ids(&drawn)[0], "d");
    assert_eq!(&ids(&drawn)[1..], keyed.as_slice());
    assert_eq!(
        drawn.lots,
        vec![keyed.iter().map(|s| s.to_string()).collect::<Vec<_>>()]
    );
    // Lowest evaluated price: equal prices tie.
    let lep = vec![
        r("z", dec!(10), dec!(0), dec!(0)),
        r("y", dec!(10), dec!(0), dec!(0)),
    ];
    let out = rank(
        Method::LowestEvaluatedPrice,
        lep,
        &[TieRule::LowerPrice],
        None,
    );
    assert_eq!(out.lots, vec![vec!["z", "y"]]);
}

#[test]
fn the_method_changes_after_issue_only_by_a_notice_15_days_before_the_deadline() {
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let deadline = Some(t("2026-04-03T09:30:00+08:00"));
    let now = t("2026-03-19T23:59:59+08:00");
    assert_eq!(method_change(false, false, false, now, None), Ok(()));
    assert_eq!(
        method_change(true, false, false, now, deadline),
        Err("method.fixed_by_documents")
    );
    assert_eq!(
        method_change(false, true, false, now, None),
        Err("method.fixed_by_documents")
    );
    // 03-19 → 04-03 is 15 days: the last day allowed; 03-20 is 14 days: refused.
    assert_eq!(method_change(true, true, true, now, deadline), Ok(()));
    assert_eq!(
        method_change(true, true, true, t("2026-03-20T00:00:00+08:00"), deadline),
        Err("method.change_too_late")
    );
}

#[test]
fn a_bid_at_the_ceiling_stands_and_one_fen_above_is_rejected() {
    assert!(!above_ceiling(dec!(9700000.00), dec!(9700000.00)));
    assert!(above_ceiling(dec!(9700000.01), dec!(9700000.00)));
    let mut m = comprehensive();
    m.ceiling_price = Some(dec!(0));
    assert_eq!(rules_of(m.validate().unwrap_err()), ["ceiling.amount"]);
    m.ceiling_price = Some(dec!(1.001));
    assert_eq!(rules_of(m.validate().unwrap_err()), ["ceiling.amount"]);
    m.ceiling_price = Some(dec!(1.01));
    assert!(m.validate().is_ok());
}

#[test]
fn a_price_at_the_threshold_is_not_abnormally_low_and_one_fen_below_is() {
    // Others' mean 100.00; share 0.8 → threshold 80.00.
    let bids = |p: Decimal| {
        vec![
            ("a".to_string(), dec!(90)),
            ("b".to_string(), dec!(110)),
            ("low".to_string(), p),
        ]
    };
    assert!(abnormally_low(&bids(dec!(80.00)), DEFAULT_ABNORMALLY_LOW_SHARE).is_empty());
    let f = abnormally_low(&bids(dec!(79.99)), DEFAULT_ABNORMALLY_LOW_SHARE);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].org_id, "low");
    assert_eq!(f[0].others_mean, dec!(100));
    assert_eq!(f[0].threshold, dec!(80.0));
    assert!(abnormally_low(&[("x".into(), dec!(1))], dec!(0.8)).is_empty());
    let mut m = comprehensive();
    m.abnormally_low_share = Some(dec!(1));
    assert_eq!(
        rules_of(m.validate().unwrap_err()),
        ["abnormally_low.share_range"]
    );
}

#[test]
fn procurement_price_weight_30_for_goods_10_for_services_none_for_works() {
    let with_price = |p: Decimal| {
        let mut m = comprehensive();
        m.criteria[0].max_points = p;
        m.criteria[1].max_points = dec!(80) - p;
        m.price_formula = Some(gp());
        m
    };
    assert!(with_price(dec!(30.00))
        .validate_for("procurement", Some("goods"))
        .is_ok());
    assert!(with_price(dec!(30.00))
        .validate_for("procurement", None)
        .is_ok());
    assert_eq!(
        rules_of(
            with_price(dec!(29.99))
                .validate_for("procurement", Some("goods"))
                .unwrap_err()
        ),
        ["price_weight.minimum"]
    );
    assert!(with_price(dec!(10.00))
        .validate_for("procurement", Some("services"))
        .is_ok());
    assert_eq!(
        rules_of(
            with_price(dec!(9.99))
                .validate_for("procurement", Some("services"))
                .unwrap_err()
        ),
        ["price_weight.minimum"]
    );
    assert!(with_price(dec!(5))
        .validate_for("procurement", Some("works"))
        .is_ok());
    assert!(with_price(dec!(5))
        .validate_for("construction", Some("works"))
        .is_ok());
}

#[test]
fn sme_deduction_is_10_to_20_percent_for_procurement_goods_and_services() {
    let with = |d: Decimal| {
        let mut m = comprehensive();
        m.price_formula = Some(gp());
        m.sme_deduction = Some(d);
        m
    };
    assert!(with(dec!(0.10)).validate_for("procurement", None).is_ok());
    assert!(with(dec!(0.20))
        .validate_for("procurement", Some("services"))
        .is_ok());
    for bad in [dec!(0.0999), dec!(0.2001)] {
        assert_eq!(
            rules_of(with(bad).validate_for("procurement", None).unwrap_err()),
            ["sme.deduction_range"]
        );
    }
    assert_eq!(
        rules_of(
            with(dec!(0.1))
                .validate_for("construction", None)
                .unwrap_err()
        ),
        ["sme.not_applicable"]
    );
    assert_eq!(
        evaluated_price(dec!(100), true, Some(dec!(0.1))),
        dec!(90.0)
    );
    assert_eq!(
        evaluated_price(dec!(100), false, Some(dec!(0.1))),
        dec!(100)
    );
    assert_eq!(evaluated_price(dec!(100), true, None), dec!(100));
}

fn money() -> impl Strategy<Value = Decimal> {
    (1i64..=10_000_000_000).prop_map(|fen| Decimal::new(fen, 2))
}

proptest! {
    #[test]
    fn price_score_is_within_0_and_max_with_two_places(bid in money(), base in money(),
                                                       ea in 0u32..300, eb in 0u32..300) {
        let f = PriceFormula { kind: PriceFormulaKind::Deviation, base: BaseRule::Lowest,
                               e_above: Some(Decimal::new(ea.into(), 2)),
                               e_below: Some(Decimal::new(eb.into(), 2)) };
        let s = price_score(&f, dec!(30), bid, base);
        prop_assert!(s.score >= Decimal::ZERO);
        prop_assert!(s.score <= dec!(30));
        prop_assert!(s.score.scale() <= 2);
    }

    #[test]
    fn price_score_never_rises_with_distance_from_the_base(base in money(), d1 in 0i64..1_000_000_000,
                                                            d2 in 0i64..1_000_000_000, above in any::<bool>()) {
        let f = formula();
        let (near, far) = if d1 <= d2 { (d1, d2) } else { (d2, d1) };
        let sign = if above { 1 } else { -1 };
        let bid = |d: i64| base + Decimal::new(sign * d, 2);
        prop_assume!(bid(far) > Decimal::ZERO);
        let sn = price_score(&f, dec!(30), bid(near), base).score;
        let sf = price_score(&f, dec!(30), bid(far), base).score;
        prop_assert!(sf <= sn);
    }

    #[test]
    fn lowest_ratio_gives_the_lowest_bid_full_points_and_never_rises_with_the_price(
        prices in proptest::collection::vec(money(), 1..12), max in 1u32..=10_000) {
        let max = Decimal::new(max.into(), 2);
        let f = gp();
        let base = base_price(&f.base, &prices).unwrap().base;
        let mut sorted = prices.clone();
        sorted.sort();
        let scores: Vec<Decimal> =
            sorted.iter().map(|b| price_score(&f, max, *b, base).score).collect();
        prop_assert_eq!(scores[0], round2(max));
        for w in scores.windows(2) {
            prop_assert!(w[1] <= w[0]);
        }
        for s in &scores {
            prop_assert!(*s >= Decimal::ZERO && *s <= max && s.scale() == 2);
        }
    }

    #[test]
    fn lowest_ratio_is_the_exact_quotient_rounded_once(bid in money(), base in money()) {
        prop_assume!(base <= bid);
        let s = price_score(&gp(), dec!(30), bid, base);
        prop_assert_eq!(s.ratio, Some(base / bid));
        prop_assert_eq!(s.score, round2(base / bid * dec!(30)));
    }

    #[test]
    fn the_sme_deduction_never_lowers_an_sme_score_and_never_changes_a_non_sme_score(
        prices in proptest::collection::vec((money(), any::<bool>()), 2..10),
        d in 10u32..=20) {
        let d = Decimal::new(d.into(), 2);
        let f = gp();
        let plain: Vec<Decimal> = prices.iter().map(|p| p.0).collect();
        let deducted: Vec<Decimal> =
            prices.iter().map(|p| evaluated_price(p.0, p.1, Some(d))).collect();
        let b0 = base_price(&f.base, &plain).unwrap().base;
        let b1 = base_price(&f.base, &deducted).unwrap().base;
        for (i, (price, sme)) in prices.iter().enumerate() {
            let before = price_score(&f, dec!(30), *price, b0).score;
            let after = price_score(&f, dec!(30), deducted[i], b1).score;
            prop_assert!(after >= Decimal::ZERO && after <= dec!(30));
            if *sme {
                // Its own price is lower by exactly the share; the base can only fall by less.
                prop_assert_eq!(deducted[i], *price * (Decimal::ONE - d));
                prop_assert!(deducted[i] < *price);
            } else {
                prop_assert_eq!(deducted[i], *price);
                // Others' deductions can only lower the base: a non-SME never gains.
                prop_assert!(after <= before);
            }
        }
    }

    #[test]
    fn a_lot_orders_every_tie_the_same_way_for_the_same_seed(
        n in 2usize..8, seed in "[0-9a-f]{64}") {
        let bids: Vec<Rankable> = (0..n)
            .map(|i| Rankable { org_id: format!("org-{i}"), price: dec!(10), total: Some(dec!(50)),
                                non_price: dec!(20) })
            .collect();
        let mut reversed = bids.clone();
        reversed.reverse();
        let a = rank(Method::Comprehensive, bids, &[], Some(&seed));
        let b = rank(Method::Comprehensive, reversed, &[], Some(&seed));
        prop_assert_eq!(&a.ranked, &b.ranked);
        prop_assert_eq!(a.lots.len(), 1);
        prop_assert_eq!(a.lots[0].len(), n);
    }

    #[test]
    fn mean_base_lies_between_the_lowest_and_highest(prices in proptest::collection::vec(money(), 1..12)) {
        let rule = BaseRule::Mean { k: Decimal::ZERO, drop_extremes_from: Some(5) };
        let b = base_price(&rule, &prices).unwrap();
        let lo = prices.iter().min().copied().unwrap();
        let hi = prices.iter().max().copied().unwrap();
        prop_assert!(b.base >= lo && b.base <= hi);
    }
}

#[test]
fn a_room_network_admits_its_first_and_last_address_and_refuses_the_neighbours() {
    let nets = vec!["10.20.0.0/24".to_string()];
    assert!(from_room_network("10.20.0.0", &nets));
    assert!(from_room_network("10.20.0.255", &nets));
    assert!(!from_room_network("10.19.255.255", &nets));
    assert!(!from_room_network("10.20.1.0", &nets));
    assert!(from_room_network("::ffff:10.20.0.7", &nets), "IPv4-mapped");
    assert!(!from_room_network("unknown", &nets));
    assert!(
        from_room_network("unknown", &[]),
        "no networks: not restricted"
    );
    let loopback = vec!["127.0.0.0/8".to_string()];
    assert!(from_room_network("127.0.0.1", &loopback));
    assert!(!from_room_network("127.0.0.1", &["10.0.0.0/8".to_string()]));
    let v6 = vec!["fd00::/64".to_string()];
    assert!(from_room_network("fd00::ffff:ffff:ffff:ffff", &v6));
    assert!(!from_room_network("fd00:0:0:1::", &v6));
    assert!(!from_room_network("10.20.0.1", &v6), "families differ");
    assert!(from_room_network("8.8.8.8", &["0.0.0.0/0".to_string()]));
    assert!(
        !from_room_network("10.20.0.1", &["garbage".to_string()]),
        "fail closed"
    );
}
