use super::*;
use ggzy_core::time::at_local;
use proptest::prelude::*;
use rust_decimal_macros::dec;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn cal() -> BusinessCalendar {
    BusinessCalendar::official()
}

/// A valid construction section: issued Mon 2026-03-02 09:00; the 5th day (Sat 03-07) and the
/// 20th day (Sun 03-22) are days off, so sale and bid period run to the Mondays after them
/// (民法典 203): sale until Mon 03-09, deadline Mon 03-23.
fn section() -> SectionInput {
    let deadline = at_local(d("2026-03-23"), 9, 30, 0);
    SectionInput {
        estimated_price: Money::parse(dec!(10000000.00)).unwrap(),
        deposit: Money::parse(dec!(200000.00)).unwrap(),
        docs_issue_at: at_local(d("2026-03-02"), 9, 0, 0),
        docs_sale_end_at: at_local(d("2026-03-09"), 17, 0, 0),
        bid_deadline: deadline,
        opening_at: deadline,
        subject: Some(Subject::Works),
    }
}

fn input(market: Market, s: SectionInput) -> ProjectInput {
    ProjectInput {
        market,
        procedure: Procedure::OpenTender,
        sections: vec![s],
    }
}

fn check(market: Market, s: SectionInput) -> Result<(), Vec<FieldError>> {
    let rules = MarketRules::national(market, Procedure::OpenTender).unwrap();
    check_registration(&rules, &cal(), &input(market, s))
}

fn rules_of(r: Result<(), Vec<FieldError>>) -> Vec<String> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.rule)
        .collect()
}

#[test]
fn a_valid_construction_section_is_accepted() {
    assert_eq!(check(Market::Construction, section()), Ok(()));
}

#[test]
fn a_construction_deadline_19_days_after_issue_is_refused() {
    let mut s = section();
    // Day 20 is Sun 03-22, a day off: the last day of the period is Mon 03-23 (民法典 203),
    // so a deadline on the Sunday is refused (and the 19th day all the more).
    s.bid_deadline = at_local(d("2026-03-22"), 23, 59, 59);
    s.opening_at = s.bid_deadline;
    assert_eq!(
        rules_of(check(Market::Construction, s.clone())),
        vec!["construction.deadline_min_days"]
    );
    s.bid_deadline = at_local(d("2026-03-21"), 9, 30, 0);
    s.opening_at = s.bid_deadline;
    let errs = check(Market::Construction, s).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].field, "sections[0].bid_deadline");
    assert_eq!(errs[0].rule, "construction.deadline_min_days");
    assert!(
        errs[0].message.contains("招标投标法 第二十四条"),
        "{}",
        errs[0].message
    );
}

#[test]
fn a_construction_deadline_20_days_after_issue_is_accepted() {
    let mut s = section();
    // Early morning of the last day (Mon 03-23, the 20th day Sun 03-22 moved by 民法典 203)
    // still counts: periods are counted in dates.
    s.bid_deadline = at_local(d("2026-03-23"), 0, 0, 0);
    s.opening_at = s.bid_deadline;
    assert_eq!(check(Market::Construction, s), Ok(()));
}

#[test]
fn a_procurement_deadline_19_days_refused_and_20_accepted() {
    let mut s = section();
    s.docs_sale_end_at = at_local(d("2026-03-09"), 17, 0, 0);
    // Day 20 is Sun 03-22: refused; the last day is Mon 03-23 (民法典 203).
    s.bid_deadline = at_local(d("2026-03-22"), 9, 30, 0);
    s.opening_at = s.bid_deadline;
    assert_eq!(
        rules_of(check(Market::Procurement, s.clone())),
        vec!["procurement.deadline_min_days"]
    );
    s.bid_deadline = at_local(d("2026-03-23"), 9, 30, 0);
    s.opening_at = s.bid_deadline;
    assert_eq!(check(Market::Procurement, s), Ok(()));
}

#[test]
fn a_deposit_of_2_01_percent_is_refused() {
    let mut s = section();
    s.deposit = Money::parse(dec!(201000.00)).unwrap();
    let errs = check(Market::Construction, s).unwrap_err();
    assert_eq!(errs[0].field, "sections[0].deposit");
    assert_eq!(errs[0].rule, "construction.deposit_cap");
    assert!(errs[0].message.contains("实施条例 第二十六条"));
}

#[test]
fn a_deposit_of_exactly_2_percent_is_accepted() {
    let mut s = section();
    s.deposit = Money::parse(dec!(200000.00)).unwrap();
    assert_eq!(check(Market::Construction, s), Ok(()));
    // One fen above the cap is refused.
    let mut s = section();
    s.deposit = Money::parse(dec!(200000.01)).unwrap();
    assert_eq!(
        rules_of(check(Market::Construction, s)),
        vec!["construction.deposit_cap"]
    );
}

#[test]
fn a_procurement_deposit_above_2_percent_of_budget_is_refused() {
    let mut s = section();
    s.docs_sale_end_at = at_local(d("2026-03-09"), 17, 0, 0);
    s.deposit = Money::parse(dec!(201000.00)).unwrap();
    let errs = check(Market::Procurement, s).unwrap_err();
    assert_eq!(errs[0].rule, "procurement.deposit_cap");
    assert!(errs[0].message.contains("政府采购法实施条例 第三十三条"));
}

#[test]
fn a_construction_document_sale_of_4_days_is_refused_and_5_accepted() {
    let mut s = section();
    s.docs_sale_end_at = at_local(d("2026-03-06"), 17, 0, 0);
    let errs = check(Market::Construction, s.clone()).unwrap_err();
    assert_eq!(errs[0].field, "sections[0].docs_sale_end_at");
    assert_eq!(errs[0].rule, "construction.doc_sale_min_days");
    assert!(errs[0].message.contains("实施条例 第十六条"));
    // Day 5 is Sat 03-07, a day off: the sale runs to Mon 03-09 (民法典 203).
    s.docs_sale_end_at = at_local(d("2026-03-08"), 23, 59, 59);
    assert_eq!(
        rules_of(check(Market::Construction, s.clone())),
        vec!["construction.doc_sale_min_days"]
    );
    s.docs_sale_end_at = at_local(d("2026-03-09"), 0, 0, 0);
    assert_eq!(check(Market::Construction, s), Ok(()));
}

#[test]
fn procurement_document_sale_counts_working_days_across_qingming() {
    // Issued Wed 2026-04-01. Qingming holiday Sat 04-04 .. Mon 04-06. Working days after 04-01:
    // Thu 04-02 (1), Fri 04-03 (2), Tue 04-07 (3), Wed 04-08 (4), Thu 04-09 (5).
    let issue = at_local(d("2026-04-01"), 9, 0, 0);
    let deadline = at_local(d("2026-04-30"), 9, 30, 0);
    let mut s = SectionInput {
        docs_issue_at: issue,
        docs_sale_end_at: at_local(d("2026-04-08"), 17, 0, 0),
        bid_deadline: deadline,
        opening_at: deadline,
        ..section()
    };
    let errs = check(Market::Procurement, s.clone()).unwrap_err();
    assert_eq!(errs[0].rule, "procurement.doc_sale_min_days");
    assert!(errs[0].message.contains("5 working days"));
    assert!(errs[0].message.contains("第87号 第十六条"));
    s.docs_sale_end_at = at_local(d("2026-04-09"), 9, 0, 0);
    assert_eq!(check(Market::Procurement, s.clone()), Ok(()));
    // Construction counts 5 calendar days: day 5 is Mon 04-06 (清明), so the sale runs to Tue
    // 04-07 (民法典 203).
    s.docs_sale_end_at = at_local(d("2026-04-06"), 9, 0, 0);
    assert_eq!(
        rules_of(check(Market::Construction, s.clone())),
        vec!["construction.doc_sale_min_days"]
    );
    s.docs_sale_end_at = at_local(d("2026-04-07"), 9, 0, 0);
    assert_eq!(check(Market::Construction, s), Ok(()));
}

#[test]
fn procurement_document_sale_across_labour_day_is_counted_in_working_days() {
    let cal = cal();
    // Whatever the official schedule, the fifth working day after 04-29 is later than 05-04.
    let fifth = cal.add_working_days(d("2026-04-29"), 5).unwrap();
    assert!(fifth > d("2026-05-04"));
    let issue = at_local(d("2026-04-29"), 9, 0, 0);
    let deadline = at_local(d("2026-05-29"), 9, 30, 0);
    let mut s = SectionInput {
        docs_issue_at: issue,
        docs_sale_end_at: at_local(d("2026-05-04"), 17, 0, 0),
        bid_deadline: deadline,
        opening_at: deadline,
        ..section()
    };
    assert_eq!(
        rules_of(check(Market::Procurement, s.clone())),
        vec!["procurement.doc_sale_min_days"]
    );
    s.docs_sale_end_at = at_local(fifth, 9, 0, 0);
    assert_eq!(check(Market::Procurement, s), Ok(()));
}

#[test]
fn opening_at_another_time_than_the_deadline_is_refused() {
    let mut s = section();
    s.opening_at = s.bid_deadline + chrono::Duration::minutes(30);
    let errs = check(Market::Construction, s).unwrap_err();
    assert_eq!(errs[0].field, "sections[0].opening_at");
    assert_eq!(errs[0].rule, "construction.opening_at_deadline");
    assert!(errs[0].message.contains("第三十四条"));
}

#[test]
fn every_broken_rule_is_reported() {
    let mut s = section();
    s.docs_sale_end_at = at_local(d("2026-03-04"), 17, 0, 0);
    s.bid_deadline = at_local(d("2026-03-10"), 9, 0, 0);
    s.deposit = Money::parse(dec!(300000.00)).unwrap();
    let ok = section();
    let rules = MarketRules::national(Market::Construction, Procedure::OpenTender).unwrap();
    let input = ProjectInput {
        market: Market::Construction,
        procedure: Procedure::OpenTender,
        sections: vec![ok, s],
    };
    let errs = check_registration(&rules, &cal(), &input).unwrap_err();
    let got: Vec<(String, String)> = errs.into_iter().map(|e| (e.field, e.rule)).collect();
    assert_eq!(
        got,
        vec![
            (
                "sections[1].docs_sale_end_at".into(),
                "construction.doc_sale_min_days".into()
            ),
            (
                "sections[1].bid_deadline".into(),
                "construction.deadline_min_days".into()
            ),
            (
                "sections[1].opening_at".into(),
                "construction.opening_at_deadline".into()
            ),
            (
                "sections[1].deposit".into(),
                "construction.deposit_cap".into()
            ),
        ]
    );
}

#[test]
fn a_project_without_sections_is_refused() {
    let rules = MarketRules::national(Market::Construction, Procedure::OpenTender).unwrap();
    let input = ProjectInput {
        market: Market::Construction,
        procedure: Procedure::OpenTender,
        sections: vec![],
    };
    let errs = check_registration(&rules, &cal(), &input).unwrap_err();
    assert_eq!(errs[0].rule, "project.sections_required");
}

#[test]
fn a_regional_override_is_applied() {
    let mut rules = MarketRules::national(Market::Construction, Procedure::OpenTender).unwrap();
    rules.deadline_min.days = 25;
    rules.deadline_min.source = "大连市规定".into();
    let errs =
        check_registration(&rules, &cal(), &input(Market::Construction, section())).unwrap_err();
    assert_eq!(errs[0].rule, "construction.deadline_min_days");
    assert!(errs[0].message.contains("25 days") && errs[0].message.contains("大连市规定"));
}

#[test]
fn land_and_property_have_defaults_for_the_open_tender_only() {
    let land = MarketRules::national(Market::Land, Procedure::OpenTender).unwrap();
    assert_eq!(land.deadline_min.days, 20);
    assert!(land.deadline_min.source.contains("第39号 第十条"));
    let property = MarketRules::national(Market::Property, Procedure::OpenTender).unwrap();
    assert_eq!(property.deadline_min.kind, DayKind::Working);
    assert!(property.deadline_min.source.contains("第32号 第十三条"));
    assert!(MarketRules::national(Market::Land, Procedure::InvitedTender).is_none());
    assert!(MarketRules::national(Market::Property, Procedure::InvitedTender).is_none());
    // construction and procurement: open and invited tender; land and property: open tender
    // and listing; procurement also its 4 non-tender methods (crate::nontender); construction
    // also the prequalified tender (issue 21); land also the land auction and the three mining
    // procedures; property also the capital increase and the asset transfer (issue 21).
    assert_eq!(MarketRules::all_national().len(), 19);
    assert!(MarketRules::national(Market::Construction, Procedure::Listing).is_none());
}

fn listing_check(market: Market, s: SectionInput) -> Result<(), Vec<FieldError>> {
    let rules = MarketRules::national(market, Procedure::Listing).unwrap();
    let input = ProjectInput {
        market,
        procedure: Procedure::Listing,
        sections: vec![s],
    };
    check_registration(&rules, &cal(), &input)
}

#[test]
fn a_sale_with_no_minimum_may_start_and_end_on_a_saturday() {
    // Land: the documents' sale is set by the announcement (0 days). Issued and ending on Saturday
    // 2026-03-07: accepted (no period, so no last day to move to Monday); ending before the issue
    // is still refused.
    let mut s = section();
    s.docs_issue_at = at_local(d("2026-03-07"), 9, 0, 0);
    s.docs_sale_end_at = at_local(d("2026-03-07"), 17, 0, 0);
    s.bid_deadline = at_local(d("2026-03-27"), 9, 0, 0);
    s.opening_at = s.bid_deadline + chrono::Duration::days(5);
    assert_eq!(listing_check(Market::Land, s.clone()), Ok(()));
    s.docs_sale_end_at = at_local(d("2026-03-06"), 17, 0, 0);
    assert!(listing_check(Market::Land, s).is_err());
}

#[test]
fn a_land_listing_ending_20_days_after_the_announcement_is_accepted_and_19_refused() {
    let mut s = section();
    s.docs_sale_end_at = s.docs_issue_at;
    // Issued Mon 2026-03-02: day 20 is Sun 03-22, so the period runs to Mon 03-23 (民法典
    // 203): a listing end on the Sunday is refused, on the Monday accepted.
    s.bid_deadline = at_local(d("2026-03-22"), 23, 59, 59);
    // No sealed-bid opening: the opening time need not equal the deadline.
    s.opening_at = s.bid_deadline + chrono::Duration::days(5);
    let errs = listing_check(Market::Land, s.clone()).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].field, "sections[0].bid_deadline");
    assert_eq!(errs[0].rule, "land.deadline_min_days");
    assert!(
        errs[0].message.contains("第39号 第十条"),
        "{}",
        errs[0].message
    );
    s.bid_deadline = at_local(d("2026-03-23"), 0, 0, 0);
    assert_eq!(listing_check(Market::Land, s), Ok(()));
}

#[test]
fn a_property_listing_counts_20_working_days() {
    let cal = cal();
    let mut s = section();
    s.docs_sale_end_at = s.docs_issue_at;
    let twentieth = cal.add_working_days(d("2026-03-02"), 20).unwrap();
    let day_before = twentieth.pred_opt().unwrap();
    s.bid_deadline = at_local(day_before, 18, 0, 0);
    s.opening_at = s.bid_deadline;
    let errs = listing_check(Market::Property, s.clone()).unwrap_err();
    assert_eq!(errs[0].rule, "property.deadline_min_days");
    assert!(errs[0].message.contains("20 working days"));
    assert!(errs[0].message.contains("第32号 第十三条"));
    s.bid_deadline = at_local(twentieth, 9, 0, 0);
    assert_eq!(listing_check(Market::Property, s), Ok(()));
}

#[test]
fn listing_is_only_for_land_and_property_and_has_no_sealed_bids() {
    for m in [Market::Land, Market::Property] {
        assert_eq!(Procedure::Listing.check_market(m), Ok(()));
        assert!(MarketRules::national(m, Procedure::Listing).is_some());
    }
    for m in [Market::Construction, Market::Procurement] {
        let e = Procedure::Listing.check_market(m).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.rule.as_str()),
            ("procedure", "procedure.market")
        );
        assert_eq!(Procedure::OpenTender.check_market(m), Ok(()));
    }
    assert!(!Procedure::Listing.has_sealed_bids());
    assert!(Procedure::OpenTender.has_sealed_bids() && Procedure::InvitedTender.has_sealed_bids());
    assert_eq!(Procedure::parse("listing").unwrap(), Procedure::Listing);
}

// --- 矿业权招标出让 (mining_tender)

/// A mining tender's section announced (documents issued) Monday 2026-03-16 09:00, its bid
/// deadline and opening at `deadline`.
fn mining_section(deadline: Timestamp) -> SectionInput {
    SectionInput {
        docs_issue_at: at_local(d("2026-03-16"), 9, 0, 0),
        docs_sale_end_at: at_local(d("2026-03-16"), 9, 0, 0),
        bid_deadline: deadline,
        opening_at: deadline,
        subject: None,
        ..section()
    }
}

fn mining_check(s: SectionInput) -> Result<(), Vec<FieldError>> {
    let rules = MarketRules::national(Market::Land, Procedure::MiningTender).unwrap();
    let input = ProjectInput {
        market: Market::Land,
        procedure: Procedure::MiningTender,
        sections: vec![s],
    };
    check_registration(&rules, &cal(), &input)
}

#[test]
fn a_mining_tender_deadline_is_20_working_days_after_its_announcement_across_qingming() {
    // 20 working days after Monday 03-16, 清明 (Saturday 04-04 to Monday 04-06) not counted: the
    // 20th is Tuesday 04-14. A deadline at 23:59:59 of Monday 04-13 is refused, at 00:00 of
    // Tuesday 04-14 accepted (the same days as mining_listing's announcement rule).
    let errs = mining_check(mining_section(at_local(d("2026-04-13"), 23, 59, 59))).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].field, "sections[0].bid_deadline");
    assert_eq!(errs[0].rule, MINING_TENDER_ANNOUNCEMENT_RULE);
    assert_eq!(errs[0].rule, "procedure.mining_announcement_period");
    assert!(
        errs[0].message.contains("20 working days"),
        "{}",
        errs[0].message
    );
    assert!(
        errs[0].message.contains("自然资规〔2023〕1号"),
        "{}",
        errs[0].message
    );
    assert_eq!(
        mining_check(mining_section(at_local(d("2026-04-14"), 0, 0, 0))),
        Ok(())
    );
    // A tender opens at its deadline (招标投标法 34), as a land tender.
    let mut s = mining_section(at_local(d("2026-04-14"), 9, 30, 0));
    s.opening_at = s.bid_deadline + chrono::Duration::hours(1);
    assert_eq!(rules_of(mining_check(s)), vec!["land.opening_at_deadline"]);
    // The land tender's own rule is 20 calendar days: the same deadline is fine there, and the
    // mining rule id is only the mining tender's.
    let land = MarketRules::national(Market::Land, Procedure::OpenTender).unwrap();
    assert_eq!(land.rule("deadline_min_days"), "land.deadline_min_days");
}

#[test]
fn a_mining_tender_is_a_sealed_bid_procedure_of_the_land_market_only() {
    let p = Procedure::MiningTender;
    assert_eq!(Procedure::parse("mining_tender").unwrap(), p);
    assert_eq!(p.as_str(), "mining_tender");
    assert!(Procedure::ALL.contains(&p));
    assert!(p.has_sealed_bids() && p.is_land_only() && !p.is_non_tender());
    assert_eq!(p.check_market(Market::Land), Ok(()));
    for m in [Market::Construction, Market::Procurement, Market::Property] {
        let e = p.check_market(m).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.rule.as_str()),
            ("procedure", "procedure.market")
        );
        assert!(MarketRules::national(m, p).is_none());
    }
    let r = MarketRules::national(Market::Land, p).unwrap();
    assert_eq!(
        (r.deadline_min.days, r.deadline_min.kind),
        (20, DayKind::Working)
    );
    assert!(r.opening_at_deadline);
}

proptest! {
    /// Any mining tender deadline is accepted exactly from 00:00 of the 20th working day after
    /// the announcement's day on (the calendar's count), refused the second before.
    #[test]
    fn a_mining_tender_deadline_is_accepted_from_the_20th_working_day(
        issue_offset in 0i64..300,
        hour in 0u32..24,
    ) {
        let cal = cal();
        let issue = d("2026-01-05") + chrono::Duration::days(issue_offset);
        let last = cal.add_working_days_reckoned(issue, 20).value;
        let mut s = mining_section(at_local(last, 0, 0, 0));
        s.docs_issue_at = at_local(issue, hour, 0, 0);
        // The sale (no minimum here) ends the day before the 20th working day: a sale ending on
        // the issue's own day is refused when that day is a day off (a 0-day period's last day
        // moves to the next working day, 民法典 203) — not this rule.
        s.docs_sale_end_at = at_local(last, 0, 0, 0) - chrono::Duration::seconds(1);
        prop_assert_eq!(mining_check(s.clone()), Ok(()));
        s.bid_deadline = at_local(last, 0, 0, 0) - chrono::Duration::seconds(1);
        s.opening_at = s.bid_deadline;
        prop_assert_eq!(rules_of(mining_check(s)), vec![MINING_TENDER_ANNOUNCEMENT_RULE.to_string()]);
    }
}

proptest! {
    /// deposit ≤ 2% of the estimated price is accepted; one fen more is refused (services).
    #[test]
    fn deposit_at_or_below_the_cap_is_accepted_and_above_refused(price_fen in 1i64..=10_000_000_000_000, frac in 0u32..=10_000) {
        let price = Money::from_fen(price_fen);
        let cap_fen = price_fen * 2 / 100; // floor of 2% in fen
        let below = Money::from_fen(cap_fen * i64::from(frac) / 10_000);
        let mut s = section();
        // Services (监理): the percentage cap only, no absolute ceiling (see the next property).
        s.subject = Some(Subject::Services);
        s.estimated_price = price;
        s.deposit = below;
        prop_assert_eq!(check(Market::Construction, s.clone()), Ok(()));
        s.deposit = Money::from_fen(cap_fen + 1);
        prop_assert_eq!(rules_of(check(Market::Construction, s)), vec!["construction.deposit_cap".to_string()]);
    }

    /// Works: the deposit is the lower of 2 % and CNY 800,000 — whatever the price, a deposit
    /// within both is accepted and one fen above the lower one is refused.
    #[test]
    fn a_works_deposit_is_capped_by_the_lower_of_2_percent_and_800000(price_fen in 1i64..=100_000_000_000_000) {
        let pct_cap = price_fen * 2 / 100;
        let cap = pct_cap.min(80_000_000);
        let mut s = section();
        s.estimated_price = Money::from_fen(price_fen);
        s.deposit = Money::from_fen(cap);
        prop_assert_eq!(check(Market::Construction, s.clone()), Ok(()));
        s.deposit = Money::from_fen(cap + 1);
        prop_assert!(check(Market::Construction, s).is_err());
    }
}

#[test]
fn a_works_or_goods_deposit_of_800000_is_accepted_and_one_fen_more_refused() {
    for subject in [Subject::Works, Subject::Goods] {
        let mut s = section();
        s.subject = Some(subject);
        s.estimated_price = Money::parse(dec!(100000000.00)).unwrap(); // 2 % = 2,000,000
        s.deposit = Money::parse(dec!(800000.00)).unwrap();
        assert_eq!(check(Market::Construction, s.clone()), Ok(()));
        s.deposit = Money::parse(dec!(800000.01)).unwrap();
        let errs = check(Market::Construction, s).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].field, "sections[0].deposit");
        assert_eq!(errs[0].rule, "construction.deposit_ceiling");
        assert!(errs[0].message.contains("800000"), "{}", errs[0].message);
    }
}

#[test]
fn a_survey_design_deposit_of_100000_is_accepted_and_one_fen_more_refused() {
    let mut s = section();
    s.subject = Some(Subject::SurveyDesign);
    s.estimated_price = Money::parse(dec!(10000000.00)).unwrap(); // 2 % = 200,000
    s.deposit = Money::parse(dec!(100000.00)).unwrap();
    assert_eq!(check(Market::Construction, s.clone()), Ok(()));
    s.deposit = Money::parse(dec!(100000.01)).unwrap();
    let errs = check(Market::Construction, s).unwrap_err();
    assert_eq!(errs[0].rule, "construction.deposit_ceiling");
    assert!(errs[0].message.contains("勘察设计"), "{}", errs[0].message);
    // Services (监理) and procurement: the percentage cap only.
    assert!(deposit_ceiling(Market::Construction, Some(Subject::Services)).is_none());
    assert!(deposit_ceiling(Market::Procurement, Some(Subject::Goods)).is_none());
    assert!(deposit_ceiling(Market::Land, None).is_none());
}

#[test]
fn subjects_by_market() {
    assert_eq!(
        Subject::default_for(Market::Construction),
        Some(Subject::Works)
    );
    assert_eq!(
        Subject::default_for(Market::Procurement),
        Some(Subject::Goods)
    );
    assert_eq!(Subject::default_for(Market::Land), None);
    assert!(!Subject::SurveyDesign.allowed_in(Market::Procurement));
    assert!(!Subject::Goods.allowed_in(Market::Land));
    assert!(Subject::SurveyDesign.allowed_in(Market::Construction));
    for k in Subject::ALL {
        assert_eq!(Subject::parse(k.as_str()).unwrap(), k);
    }
    assert!(Subject::parse("labour").is_err());
}
