use super::*;
use crate::rules::{check_registration, ProjectInput, SectionInput};
use ggzy_core::calendar::BusinessCalendar;
use ggzy_core::time::at_local;

fn q(org: &str, yuan: &str) -> Quote {
    Quote {
        org_id: org.into(),
        price: Money::parse_str(yuan).unwrap(),
    }
}

fn cal() -> BusinessCalendar {
    ggzy_core::calendar::BusinessCalendar::official()
}

fn input(p: Procedure, issue: Timestamp, sale_end: Timestamp, deadline: Timestamp) -> ProjectInput {
    ProjectInput {
        market: Market::Procurement,
        procedure: p,
        sections: vec![SectionInput {
            estimated_price: Money::parse_str("1000000.00").unwrap(),
            deposit: Money::parse_str("20000.00").unwrap(),
            docs_issue_at: issue,
            docs_sale_end_at: sale_end,
            bid_deadline: deadline,
            opening_at: deadline,
            subject: Some(Subject::Goods),
        }],
    }
}

fn t(y: i32, m: u32, d: u32, h: u32) -> Timestamp {
    at_local(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(), h, 0, 0)
}

fn rules_of(r: Result2) -> Vec<String> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.rule)
        .collect()
}
type Result2 = std::result::Result<(), Vec<ggzy_core::FieldError>>;

/// Issued Thursday 2026-04-02; 清明 04-04..06 (Sat–Mon): working days 04-03, 04-07, 04-08.
#[test]
fn negotiation_and_inquiry_need_3_working_days_across_qingming() {
    let c = cal();
    for p in [Procedure::CompetitiveNegotiation, Procedure::Inquiry] {
        let r = registration_rules(p);
        let issue = t(2026, 4, 2, 9);
        let ok = input(p, issue, issue, t(2026, 4, 8, 9));
        assert!(check_registration(&r, &c, &ok).is_ok(), "{p:?}");
        let early = input(p, issue, issue, t(2026, 4, 7, 17));
        assert_eq!(
            rules_of(check_registration(&r, &c, &early)),
            vec!["procurement.deadline_min_days"]
        );
    }
}

#[test]
fn consultation_needs_10_days_and_5_working_days_of_sale() {
    let c = cal();
    let r = registration_rules(Procedure::CompetitiveConsultation);
    // Issued Wednesday 2026-04-01: sale 04-02, 03, 07, 08, 09 → ends Thursday 04-09; 10 days
    // end Saturday 04-11, a day off, so the last day moves to Monday 04-13 (民法典 203).
    let issue = t(2026, 4, 1, 9);
    let ok = input(
        Procedure::CompetitiveConsultation,
        issue,
        t(2026, 4, 9, 17),
        t(2026, 4, 13, 9),
    );
    assert!(check_registration(&r, &c, &ok).is_ok());
    let bad = input(
        Procedure::CompetitiveConsultation,
        issue,
        t(2026, 4, 8, 17),
        t(2026, 4, 11, 17),
    );
    let got = rules_of(check_registration(&r, &c, &bad));
    assert!(
        got.contains(&"procurement.deadline_min_days".to_string()),
        "{got:?}"
    );
    assert!(
        got.contains(&"procurement.doc_sale_min_days".to_string()),
        "{got:?}"
    );
}

#[test]
fn single_source_publicity_is_5_working_days() {
    let c = cal();
    let r = registration_rules(Procedure::SingleSource);
    // Publicity from Thursday 04-02: 04-03, 07, 08, 09, 10 → Friday 04-10.
    let issue = t(2026, 4, 2, 9);
    let ok = input(Procedure::SingleSource, issue, issue, t(2026, 4, 10, 9));
    assert!(check_registration(&r, &c, &ok).is_ok());
    let bad = input(Procedure::SingleSource, issue, issue, t(2026, 4, 9, 17));
    assert_eq!(
        rules_of(check_registration(&r, &c, &bad)),
        vec!["procurement.deadline_min_days"]
    );
}

#[test]
fn the_methods_belong_to_procurement_and_match_national() {
    for p in Procedure::ALL.into_iter().filter(|p| p.is_non_tender()) {
        assert!(p.check_market(Market::Construction).is_err());
        assert!(p.check_market(Market::Procurement).is_ok());
        assert_eq!(
            MarketRules::national(Market::Procurement, p),
            Some(registration_rules(p))
        );
        assert!(min_suppliers(p).is_some());
    }
    assert_eq!(min_suppliers(Procedure::SingleSource).unwrap().0, 1);
    assert!(!negotiates(Procedure::Inquiry));
}

#[test]
fn the_lowest_price_wins_and_ties_go_to_the_lot_never_the_org_id() {
    let r = rank_by_price(
        &[
            q("a", "300.00"),
            q("b", "100.00"),
            q("c", "200.00"),
            q("d", "400"),
        ],
        None,
    );
    assert!(r.lots.is_empty());
    let orgs: Vec<&str> = r.ranked.iter().map(|r| r.org_id.as_str()).collect();
    assert_eq!(orgs, ["b", "c", "a"]);
    let quotes = [q("a", "100.00"), q("b", "100.00"), q("c", "200.00")];
    assert_eq!(rank_by_price(&quotes, None).lots, [["a", "b"]]);
    // With a seed the tied pair follows the keys SHA-256(seed:org), whatever the ids: find a
    // seed that puts "b" before "a" (so the order is not the ids').
    let seed = (0..64)
        .map(|i| format!("{i:064x}"))
        .find(|s| ggzy_core::lot::key(s, "b") < ggzy_core::lot::key(s, "a"))
        .unwrap();
    let r = rank_by_price(&quotes, Some(&seed));
    let orgs: Vec<&str> = r.ranked.iter().map(|r| r.org_id.as_str()).collect();
    assert_eq!(orgs, ["b", "a", "c"]);
    assert_eq!(r.lots, [["b", "a"]]);
    // A tie below the first three does not matter; one across the third place does.
    let five = |e: &str| {
        [
            q("a", "1"),
            q("b", "2"),
            q("c", "3"),
            q("d", "4"),
            q("e", e),
        ]
    };
    assert!(rank_by_price(&five("4"), None).lots.is_empty());
    assert_eq!(rank_by_price(&five("3"), None).lots, [["c", "e"]]);
}

#[test]
fn consultation_scores_the_price_against_the_lowest_final_quote() {
    // Weight 30: a 100 quote gets 30, a 120 quote 25; other scores 50 and 60.
    let r = rank_by_score(
        &[
            (q("a", "100.00"), Decimal::from(50)),
            (q("b", "120.00"), Decimal::from(60)),
            (q("c", "150.00"), Decimal::from(40)),
        ],
        Decimal::from(30),
        None,
    )
    .ranked;
    assert_eq!(r[0].org_id, "b");
    assert_eq!(r[0].score, Some(Decimal::from(85)));
    assert_eq!(r[1].org_id, "a");
    assert_eq!(r[1].score, Some(Decimal::from(80)));
    assert_eq!(r[2].score, Some(Decimal::from(60)));
    // Equal totals: the lower final quote first.
    let r = rank_by_score(
        &[
            (q("a", "100.00"), Decimal::from(50)),
            (q("b", "120.00"), Decimal::from(55)),
        ],
        Decimal::from(30),
        None,
    );
    assert!(r.lots.is_empty());
    assert_eq!(r.ranked[0].org_id, "a");
}

#[test]
fn price_weight_bounds_by_subject() {
    assert_eq!(
        price_weight_range(Subject::Goods),
        (Decimal::from(30), Decimal::from(60))
    );
    assert_eq!(
        price_weight_range(Subject::Services),
        (Decimal::from(10), Decimal::from(30))
    );
}

#[test]
fn a_consultation_with_a_declared_ground_goes_on_with_two_and_ends_with_one() {
    let c = Procedure::CompetitiveConsultation;
    assert_eq!(min_suppliers_for(c, None).unwrap().0, 3);
    for g in TwoSupplierGround::ALL {
        let (min, source) = min_suppliers_for(c, Some(g)).unwrap();
        assert_eq!(min, 2, "{g:?}");
        assert_eq!(source, g.source());
        // 2 qualified go on, 1 ends (the opening's and the result's `count < min`).
        assert!(2 >= min);
        assert!(1 < min);
        assert_eq!(TwoSupplierGround::parse(g.as_str()), Some(g));
    }
    assert!(
        min_suppliers_for(c, Some(TwoSupplierGround::GovernmentServices))
            .unwrap()
            .1
            .contains("124号")
    );
    assert!(min_suppliers_for(c, Some(TwoSupplierGround::Research))
        .unwrap()
        .1
        .contains("第二十一条第三款"));
    // Only a consultation has the exception: the other methods keep their minimum.
    for p in [
        Procedure::CompetitiveNegotiation,
        Procedure::Inquiry,
        Procedure::SingleSource,
    ] {
        assert_eq!(
            min_suppliers_for(p, Some(TwoSupplierGround::Research)),
            min_suppliers(p)
        );
    }
    assert_eq!(TwoSupplierGround::parse("services"), None);
}

#[test]
fn the_purchaser_recommends_at_most_half_and_at_least_three_are_invited() {
    use invitation::{purchaser_share_ok, MIN_INVITEES};
    assert_eq!(MIN_INVITEES, 3);
    // At the limit (2 of 4, 50 %) accepted; one more purchaser's recommendation (3 of 5) refused.
    assert!(purchaser_share_ok(2, 4));
    assert!(!purchaser_share_ok(3, 5));
    assert!(purchaser_share_ok(1, 3));
    assert!(!purchaser_share_ok(2, 3));
    assert!(purchaser_share_ok(0, 3));
    for p in [
        Procedure::CompetitiveNegotiation,
        Procedure::Inquiry,
        Procedure::CompetitiveConsultation,
    ] {
        assert!(invitation::invitation_source(p).is_some());
    }
    assert!(invitation::invitation_source(Procedure::SingleSource).is_none());
    assert!(invitation::invitation_source(Procedure::InvitedTender).is_none());
}

#[test]
fn a_draw_takes_the_lowest_keys_of_the_seed_and_is_recomputable() {
    let pool: Vec<String> = (1..=6).map(|n| format!("91110000MA0000000{n}")).collect();
    let d = invitation::draw("seed-1", &pool, 3);
    assert_eq!(d.len(), 3);
    assert_eq!(d, invitation::draw("seed-1", &pool, 3));
    let mut keys: Vec<(String, String)> = pool
        .iter()
        .map(|u| (u.clone(), ggzy_core::lot::key("seed-1", u)))
        .collect();
    keys.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(d, keys[..3].to_vec());
    // The pool's order does not matter; another seed draws another way.
    let mut rev = pool.clone();
    rev.reverse();
    assert_eq!(invitation::draw("seed-1", &rev, 3), d);
    let others: Vec<_> = (0..20)
        .map(|i| invitation::draw(&format!("s{i}"), &pool, 3))
        .collect();
    assert!(others.iter().any(|o| o != &d));
}

proptest::proptest! {
    #[test]
    fn the_purchaser_share_is_at_most_half(total in 3usize..200, purchaser in 0usize..200) {
        proptest::prop_assume!(purchaser <= total);
        proptest::prop_assert_eq!(
            invitation::purchaser_share_ok(purchaser, total),
            2 * purchaser <= total
        );
    }
}
