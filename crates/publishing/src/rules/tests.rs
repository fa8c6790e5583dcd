use super::*;
use chrono::TimeZone;
use serde_json::json;

fn at(d: u32) -> String {
    Utc.with_ymd_and_hms(2026, 3, d, 1, 0, 0)
        .single()
        .expect("t")
        .to_rfc3339()
}

fn tender(deadline_day: u32) -> Value {
    json!({"docs_available_at": at(2), "bid_deadline": at(deadline_day)})
}

fn errs(t: AnnouncementType, f: &Value) -> Vec<String> {
    let mut v = Violations::new();
    let pub_at = Utc
        .with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("t");
    check_periods(
        t,
        Market::Construction,
        f,
        pub_at,
        &BusinessCalendar::official(),
        &mut v,
    );
    match v.into_result() {
        Ok(()) => vec![],
        Err(ggzy_core::Error::Validation(es)) => es.into_iter().map(|e| e.rule).collect(),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_tender_period_of_20_days_is_allowed_and_19_refused() {
    // Documents from Mon 03-02: day 20 is Sun 03-22, a day off, so the period's last day is
    // Mon 03-23 (民法典 203): 03-23 is the first allowed deadline, 03-22 is refused.
    assert!(errs(AnnouncementType::Tender, &tender(23)).is_empty());
    assert_eq!(
        errs(AnnouncementType::Tender, &tender(22)),
        vec!["announcement.tender_period"]
    );
    assert_eq!(
        errs(AnnouncementType::Tender, &tender(21)),
        vec!["announcement.tender_period"]
    );
}

#[test]
fn prequalification_documents_are_sold_5_days_and_applications_due_5_days_after() {
    let pq = |sale_end: u32, due: u32| {
        json!({"docs_available_at": at(2), "docs_sale_end_at": at(sale_end),
               "applications_due_at": at(due)})
    };
    let t = AnnouncementType::Prequalification;
    // From Monday 03-02 the 5th day is Saturday 03-07, a day off: the sale's last day is Monday
    // 03-09; from 03-09 the 5th day is Saturday 03-14 → Monday 03-16.
    assert!(errs(t, &pq(9, 16)).is_empty());
    assert_eq!(
        errs(t, &pq(8, 16)),
        vec!["announcement.prequalification_sale_period"]
    );
    assert_eq!(
        errs(t, &pq(9, 15)),
        vec!["announcement.prequalification_application_period"]
    );
    // The tender period is not a prequalification announcement's rule: no bid deadline is asked.
    assert!(!AnnouncementType::Prequalification
        .required_fields()
        .contains(&"bid_deadline"));
}

#[test]
fn a_mining_deal_is_publicized_until_24_00_of_its_10th_working_day() {
    let cal = BusinessCalendar::official();
    let publish = Utc
        .with_ymd_and_hms(2026, 3, 2, 2, 0, 0)
        .single()
        .expect("t");
    let rules = |procedure: &str, t: AnnouncementType, f: &Value| {
        let mut v = Violations::new();
        check_procedure_periods(t, procedure, f, publish, &cal, &mut v);
        match v.into_result() {
            Ok(()) => vec![],
            Err(ggzy_core::Error::Validation(es)) => {
                es.into_iter().map(|e| e.rule).collect::<Vec<_>>()
            }
            Err(e) => panic!("{e}"),
        }
    };
    // Published Monday 03-02: the 10th working day is Monday 03-16 (weekends skipped).
    let f = |end: &str| json!({"publicity_start_at": at(2), "publicity_end_at": end});
    let last = f("2026-03-17T00:00:00+08:00");
    let short = f("2026-03-16T23:59:59+08:00");
    // The mining tender's result is drafted as a deal announcement too (its award).
    for p in ["mining_listing", "mining_auction", "mining_tender"] {
        assert!(rules(p, AnnouncementType::Deal, &last).is_empty());
        assert_eq!(
            rules(p, AnnouncementType::Deal, &short),
            vec!["announcement.mining_result_publicity"]
        );
        assert_eq!(
            rules(p, AnnouncementType::Deal, &json!({})),
            vec!["announcement.field_required", "announcement.field_required"]
        );
    }
    // A land listing's deal and a mining failure notice carry no such period.
    assert!(rules("listing", AnnouncementType::Deal, &short).is_empty());
    assert!(rules("open_tender", AnnouncementType::Deal, &short).is_empty());
    assert!(rules("mining_listing", AnnouncementType::Failure, &json!({})).is_empty());
    // The draft's end: 10 working days after the 5th working day after the deal (Mon 03-09),
    // i.e. 24:00 of Monday 03-23.
    assert_eq!(
        mining_publicity_end(&cal, publish).to_rfc3339(),
        "2026-03-23T16:00:00+00:00"
    );
}

#[test]
fn candidate_publicity_must_reach_24_00_of_its_third_day() {
    // From Mon 03-02 09:00 Beijing: day 3 is Thu 03-05; the publicity must last until 24:00 of it.
    let ok = json!({"publicity_start_at": at(2), "publicity_end_at": "2026-03-06T00:00:00+08:00"});
    let short =
        json!({"publicity_start_at": at(2), "publicity_end_at": "2026-03-05T23:59:59+08:00"});
    let midnight =
        json!({"publicity_start_at": at(2), "publicity_end_at": "2026-03-05T00:00:00+08:00"});
    assert!(errs(AnnouncementType::CandidatePublicity, &ok).is_empty());
    for f in [
        short,
        midnight,
        json!({"publicity_start_at": at(2), "publicity_end_at": at(5)}),
    ] {
        assert_eq!(
            errs(AnnouncementType::CandidatePublicity, &f),
            vec!["announcement.publicity_period"]
        );
    }
}

#[test]
fn candidate_publicity_ending_on_qingming_runs_to_the_next_working_day() {
    // From Fri 04-03: day 3 is Mon 04-06 (清明), so it must reach 24:00 of Tue 04-07.
    let start = "2026-04-03T10:00:00+08:00";
    let mut v = Violations::new();
    let f = json!({"publicity_start_at": start, "publicity_end_at": "2026-04-08T00:00:00+08:00"});
    let pub_at = DateTime::parse_from_rfc3339(start)
        .unwrap()
        .with_timezone(&Utc);
    let cal = BusinessCalendar::official();
    check_periods(
        AnnouncementType::CandidatePublicity,
        Market::Construction,
        &f,
        pub_at,
        &cal,
        &mut v,
    );
    assert!(v.is_empty());
    let f = json!({"publicity_start_at": start, "publicity_end_at": "2026-04-07T00:00:00+08:00"});
    let mut v = Violations::new();
    check_periods(
        AnnouncementType::CandidatePublicity,
        Market::Construction,
        &f,
        pub_at,
        &cal,
        &mut v,
    );
    assert!(
        !v.is_empty(),
        "ending with 04-06 (清明) is one working day short"
    );
}

#[test]
fn a_procurement_announcement_runs_5_working_days_to_24_00() {
    let cal = BusinessCalendar::official();
    let pub_at = Utc
        .with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("t");
    let check = |end: &str| {
        let mut f = tender(23);
        f["announcement_end_at"] = json!(end);
        let mut v = Violations::new();
        let missing = check_periods(
            AnnouncementType::Tender,
            Market::Procurement,
            &f,
            pub_at,
            &cal,
            &mut v,
        );
        assert!(missing.is_empty());
        v.is_empty()
    };
    // Monday 2 March + 5 working days = Monday 9 March, until 24:00.
    assert!(check("2026-03-10T00:00:00+08:00"));
    assert!(!check("2026-03-09T23:59:59+08:00"));
    assert!(!check("2026-03-06T12:00:00+08:00"));
}

#[test]
fn without_next_years_schedule_the_checks_count_weekends_only_and_report_the_year() {
    // Symptoms of issue 16: a property disclosure reaching into 2027 was refused, a procurement
    // announcement passed unchecked. Now both are counted with weekends only (provisional).
    let cal = BusinessCalendar::official();
    let pub_at = DateTime::parse_from_rfc3339("2026-12-07T10:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc);
    let disclose = |end: &str| {
        let mut v = Violations::new();
        let f = json!({"disclosure_end_at": end});
        let m = check_periods(
            AnnouncementType::PropertyDisclosure,
            Market::Property,
            &f,
            pub_at,
            &cal,
            &mut v,
        );
        (v.is_empty(), m)
    };
    // Dec 8–31: 18 working days; 2027-01-01 (Fri, no schedule: a weekday) 19; Mon 01-04 20.
    // The disclosure must last until 24:00 of 01-04.
    assert_eq!(
        disclose("2027-01-05T00:00:00+08:00"),
        (true, BTreeSet::from([2027]))
    );
    assert_eq!(
        disclose("2027-01-04T23:59:59+08:00"),
        (false, BTreeSet::from([2027]))
    );
    let proc = |end: &str| {
        let mut v = Violations::new();
        let f = json!({"docs_available_at": "2026-12-28T10:00:00+08:00",
                       "bid_deadline": "2027-01-20T09:00:00+08:00", "announcement_end_at": end});
        let pub_at = DateTime::parse_from_rfc3339("2026-12-28T10:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let m = check_periods(
            AnnouncementType::Tender,
            Market::Procurement,
            &f,
            pub_at,
            &cal,
            &mut v,
        );
        (v.is_empty(), m)
    };
    // From Mon 12-28: 29, 30, 31, 01-01, 01-04 → until 24:00 of 2027-01-04; earlier is refused.
    assert_eq!(
        proc("2027-01-05T00:00:00+08:00"),
        (true, BTreeSet::from([2027]))
    );
    assert_eq!(
        proc("2027-01-04T12:00:00+08:00"),
        (false, BTreeSet::from([2027]))
    );
}

#[test]
fn every_missing_field_is_named() {
    let mut v = Violations::new();
    check_fields(
        AnnouncementType::Tender,
        &json!({"project_name": "x"}),
        &mut v,
    );
    let Err(ggzy_core::Error::Validation(es)) = v.into_result() else {
        panic!("expected violations")
    };
    assert_eq!(
        es.len(),
        AnnouncementType::Tender.required_fields().len() - 1
    );
    assert!(es.iter().any(|e| e.field == "fields.platform_url"));
}

fn t(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0)
        .single()
        .expect("t")
}

#[test]
fn a_clarification_15_days_before_the_deadline_keeps_it_and_14_postpones_it() {
    let pub_at = t(2, 1);
    // 17 March is 15 days after 2 March: kept.
    assert_eq!(
        clarification_effect(pub_at, t(17, 1), t(17, 1), None, false),
        DeadlineEffect::Keep
    );
    // 16 March is 14 days: postponed to publish + 15 days, opening follows.
    assert_eq!(
        clarification_effect(pub_at, t(16, 1), t(16, 2), None, false),
        DeadlineEffect::Postpone {
            new_deadline: t(17, 1),
            new_opening_at: t(17, 2)
        }
    );
    // Refused instead when the tenderer chose so.
    assert_eq!(
        clarification_effect(pub_at, t(16, 1), t(16, 1), None, true),
        DeadlineEffect::TooShort
    );
    // The notice's own later date wins when it is later than the minimum.
    assert_eq!(
        clarification_effect(pub_at, t(16, 1), t(16, 1), Some(t(20, 1)), true),
        DeadlineEffect::Postpone {
            new_deadline: t(20, 1),
            new_opening_at: t(20, 1)
        }
    );
    // …and is raised to the minimum when it is not.
    assert_eq!(
        clarification_effect(pub_at, t(10, 1), t(10, 1), Some(t(12, 1)), false),
        DeadlineEffect::Postpone {
            new_deadline: t(17, 1),
            new_opening_at: t(17, 1)
        }
    );
}

#[test]
fn a_land_transfer_needs_20_days_and_a_property_disclosure_20_working_days() {
    // Day 20 is Sun 03-22: the announcement runs to Mon 03-23 (民法典 203).
    let ok = json!({"trading_start_at": at(23)});
    let short = json!({"trading_start_at": at(22)});
    assert!(errs(AnnouncementType::LandTransfer, &ok).is_empty());
    assert_eq!(
        errs(AnnouncementType::LandTransfer, &short),
        vec!["announcement.land_transfer_period"]
    );
    // Monday 2 March + 20 working days = Monday 30 March, until its 24:00.
    let ok = json!({"disclosure_end_at": "2026-03-31T00:00:00+08:00"});
    let short = json!({"disclosure_end_at": "2026-03-30T23:59:59+08:00"});
    assert!(errs(AnnouncementType::PropertyDisclosure, &ok).is_empty());
    assert_eq!(
        errs(AnnouncementType::PropertyDisclosure, &short),
        vec!["announcement.disclosure_period"]
    );
}

#[test]
fn html_bodies_lose_script_and_event_handlers_too() {
    let h = render_body(
        BodyFormat::Html,
        "<p onclick=\"x()\">公告</p><script>alert(1)</script><img src=\"a.png\" onerror=\"y()\">",
    );
    assert!(!h.contains("script"), "{h}");
    assert!(!h.contains("onclick") && !h.contains("onerror"), "{h}");
    assert!(h.contains("<p>公告</p>"), "{h}");
}

#[test]
fn script_and_event_handlers_are_stripped() {
    let h = render_markdown(
        "# 公告\n\n<script>alert(1)</script><img src=\"x.png\" onerror=\"alert(1)\">\n\n[a](javascript:alert(1)) <a href=\"javascript:alert(2)\" onclick=\"x()\">b</a>",
    );
    assert!(!h.contains("<script"), "{h}");
    assert!(!h.contains("onerror"), "{h}");
    assert!(!h.contains("href=\"javascript"), "{h}");
    assert!(!h.contains("onclick"), "{h}");
    assert!(h.contains("<h1>公告</h1>"), "{h}");
}

#[test]
fn a_prequalification_clarification_3_days_before_the_applications_keeps_them_and_2_postpone_them()
{
    let pub_at = t(10, 1);
    // Applications due 13 March: 3 days after 10 March, kept.
    assert_eq!(
        prequalification_clarification_effect(pub_at, t(13, 1), None, false),
        DueEffect::Keep
    );
    // Due 12 March: 2 days, postponed to the 13th at the same hour.
    assert_eq!(
        prequalification_clarification_effect(pub_at, t(12, 1), None, false),
        DueEffect::Postpone(t(13, 1))
    );
    // The last instant of the 12th counts as the 12th (dates in Asia/Shanghai: 15:59:59 UTC).
    let late = Utc
        .with_ymd_and_hms(2026, 3, 12, 15, 59, 59)
        .single()
        .expect("late");
    assert_eq!(
        prequalification_clarification_effect(pub_at, late, None, false),
        DueEffect::Postpone(
            Utc.with_ymd_and_hms(2026, 3, 13, 15, 59, 59)
                .single()
                .expect("due")
        )
    );
    // Refused when the tenderer chose so; its own later date applies.
    assert_eq!(
        prequalification_clarification_effect(pub_at, t(12, 1), None, true),
        DueEffect::TooShort
    );
    assert_eq!(
        prequalification_clarification_effect(pub_at, t(12, 1), Some(t(16, 1)), true),
        DueEffect::Postpone(t(16, 1))
    );
    // An own date earlier than the minimum is raised to it.
    assert_eq!(
        prequalification_clarification_effect(pub_at, t(11, 1), Some(t(12, 1)), false),
        DueEffect::Postpone(t(13, 1))
    );
}

#[test]
fn an_asset_transfer_disclosure_sets_no_buyer_conditions_unless_a_law_requires_them() {
    let rules = |procedure: &str, f: Value| {
        let mut v = Violations::new();
        check_procedure_fields(AnnouncementType::PropertyDisclosure, procedure, &f, &mut v);
        match v.into_result() {
            Ok(()) => vec![],
            Err(ggzy_core::Error::Validation(es)) => es
                .into_iter()
                .map(|e| (e.field, e.rule))
                .collect::<Vec<_>>(),
            Err(e) => panic!("{e}"),
        }
    };
    // "None" stated: accepted; a condition: refused on the field, with the rule.
    for none in ["无", " 不设 ", "none"] {
        assert!(rules("asset_transfer", json!({"buyer_qualification": none})).is_empty());
    }
    assert_eq!(
        rules(
            "asset_transfer",
            json!({"buyer_qualification": "依法存续的企业法人"})
        ),
        vec![(
            "fields.buyer_qualification".to_string(),
            "announcement.asset_transfer_buyer_conditions".to_string()
        )]
    );
    // A condition a law requires, named: accepted.
    assert!(rules(
        "asset_transfer",
        json!({"buyer_qualification": "具有危险化学品经营许可证",
               "buyer_qualification_basis": "危险化学品安全管理条例 第三十三条"})
    )
    .is_empty());
    // A transfer of property rights (产权转让) may set conditions; other announcement types are
    // not concerned.
    assert!(rules(
        "listing",
        json!({"buyer_qualification": "依法存续的企业法人"})
    )
    .is_empty());
    let mut v = Violations::new();
    check_procedure_fields(
        AnnouncementType::Deal,
        "asset_transfer",
        &json!({"buyer_qualification": "依法存续的企业法人"}),
        &mut v,
    );
    assert!(v.is_empty());
}

#[test]
fn a_prequalification_announcement_states_its_rounds_instants_to_the_second() {
    let t = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    };
    let round = PrequalRound {
        docs_issue_at: t("2026-03-02T09:00:00+08:00"),
        docs_sale_end_at: t("2026-03-09T17:00:00+08:00"),
        applications_due_at: t("2026-03-16T09:00:00+08:00"),
    };
    let check = |fields: Value| {
        let mut v = Violations::new();
        check_prequalification_round(&fields, "s1", &round, &mut v);
        match v.into_result() {
            Ok(()) => vec![],
            Err(ggzy_core::Error::Validation(es)) => es
                .into_iter()
                .map(|e| (e.field.to_string(), e.rule.to_string()))
                .collect(),
            Err(e) => panic!("{e}"),
        }
    };
    // The same instants, written in UTC or in Beijing time; docs_available_at may be left out.
    assert!(check(json!({"docs_sale_end_at": "2026-03-09T09:00:00Z",
                         "applications_due_at": "2026-03-16T09:00:00+08:00"}))
    .is_empty());
    // One second off either way is another instant.
    for (key, off) in [
        ("applications_due_at", "2026-03-16T09:00:01+08:00"),
        ("docs_sale_end_at", "2026-03-09T16:59:59+08:00"),
        ("docs_available_at", "2026-03-02T08:59:59+08:00"),
    ] {
        let mut f = json!({"docs_available_at": "2026-03-02T09:00:00+08:00",
                           "docs_sale_end_at": "2026-03-09T17:00:00+08:00",
                           "applications_due_at": "2026-03-16T09:00:00+08:00"});
        f[key] = json!(off);
        assert_eq!(
            check(f),
            vec![(
                format!("fields.{key}"),
                "announcement.prequalification_round_mismatch".to_string()
            )]
        );
    }
}

#[test]
fn a_predisclosure_lasts_20_working_days_and_starts_within_10_working_days_of_the_approval() {
    let f =
        |end: &str, approved: &str| json!({"predisclosure_end_at": end, "approved_on": approved});
    // Published Monday 03-02 09:00: 20 working days end on Monday 03-30, at its 24:00.
    assert!(errs(
        AnnouncementType::PropertyPredisclosure,
        &f("2026-03-31T00:00:00+08:00", "2026-02-10")
    )
    .is_empty());
    assert_eq!(
        errs(
            AnnouncementType::PropertyPredisclosure,
            &f("2026-03-30T23:59:59+08:00", "2026-02-10")
        ),
        vec!["announcement.predisclosure_period"]
    );
    // Approved Tuesday 02-10: its 10th working day is 03-02 across 春节 (02-15..23 off) with the
    // make-up Saturdays 02-14 and 02-28 counted: published on 03-02 in time. Approved Monday
    // 02-09: the 10th working day was Saturday 02-28 (a make-up working day), so 03-02 is late.
    assert_eq!(
        errs(
            AnnouncementType::PropertyPredisclosure,
            &f("2026-03-31T00:00:00+08:00", "2026-02-09")
        ),
        vec!["announcement.predisclosure_after_approval"]
    );
    assert_eq!(
        errs(
            AnnouncementType::PropertyPredisclosure,
            &f("2026-03-31T00:00:00+08:00", "2026-02-30")
        ),
        vec!["announcement.date_invalid"]
    );
}

#[test]
fn a_control_transfer_is_formally_disclosed_once_its_predisclosure_has_ended() {
    let t = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    };
    let rules = |fields: Value, ends: &[DateTime<Utc>]| {
        let mut v = Violations::new();
        check_predisclosure_done(&fields, ends, t("2026-04-01T09:00:00+08:00"), &mut v);
        match v.into_result() {
            Ok(()) => vec![],
            Err(ggzy_core::Error::Validation(es)) => es.into_iter().map(|e| e.rule).collect(),
            Err(e) => panic!("{e}"),
        }
    };
    let yes = json!({"control_transfer": true});
    // No control transfer declared: no pre-disclosure needed.
    assert!(rules(json!({}), &[]).is_empty());
    assert!(rules(json!({"control_transfer": false}), &[]).is_empty());
    assert_eq!(
        rules(yes.clone(), &[]),
        vec!["announcement.predisclosure_required"]
    );
    // Ended exactly when the formal disclosure goes out: fine; one second later: not yet.
    assert!(rules(yes.clone(), &[t("2026-04-01T09:00:00+08:00")]).is_empty());
    assert_eq!(
        rules(yes.clone(), &[t("2026-04-01T09:00:01+08:00")]),
        vec!["announcement.predisclosure_not_ended"]
    );
    assert_eq!(
        rules(json!({"control_transfer": "yes"}), &[]),
        vec!["announcement.field_invalid"]
    );
}

#[test]
fn a_property_disclosure_lasts_by_its_procedure_and_an_asset_transfer_by_its_floor() {
    let procs = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let floor = |f: &str| json!({"floor_price": f});
    let days = |p: &[&str], f: &Value| property_disclosure_working_days(&procs(p), f).map(|d| d.0);
    assert_eq!(days(&[], &json!({})), Some(20));
    assert_eq!(days(&["listing"], &json!({})), Some(20));
    assert_eq!(days(&["capital_increase"], &json!({})), Some(40));
    // The asset transfer's bands at their edges (CNY).
    assert_eq!(days(&["asset_transfer"], &floor("10000000.01")), Some(20));
    assert_eq!(days(&["asset_transfer"], &floor("10000000.00")), Some(10));
    assert_eq!(days(&["asset_transfer"], &floor("1000000.00")), Some(10));
    assert_eq!(days(&["asset_transfer"], &floor("999999.99")), None);
    // An unreadable floor counts as the highest band; several procedures: the longest.
    assert_eq!(days(&["asset_transfer"], &floor("很多")), Some(20));
    assert_eq!(
        days(&["asset_transfer", "capital_increase"], &floor("5.00")),
        Some(40)
    );
    // Published Monday 03-02 09:00: 10 working days end Monday 03-16 at 24:00.
    let check = |end: &str, f: &str| {
        let mut v = Violations::new();
        let mut fields = floor(f);
        fields["disclosure_end_at"] = json!(end);
        check_periods_of(
            AnnouncementType::PropertyDisclosure,
            Market::Property,
            Related {
                procedures: &procs(&["asset_transfer"]),
                predisclosed_at: None,
            },
            &fields,
            Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
                .single()
                .expect("t"),
            &BusinessCalendar::official(),
            &mut v,
        );
        v.into_result().is_ok()
    };
    assert!(check("2026-03-17T00:00:00+08:00", "10000000.00"));
    assert!(!check("2026-03-16T23:59:59+08:00", "10000000.00"));
    assert!(!check("2026-03-17T00:00:00+08:00", "10000000.01"));
    assert!(check("2026-03-02T18:00:00+08:00", "999999.99"));
}

/// A capital increase's formal disclosure: 40 working days, or after a pre-disclosure 20 and 40
/// together (国资发产权规〔2022〕39号, to verify); the pre-disclosure itself has no minimum.
#[test]
fn a_predisclosed_capital_increase_is_formally_disclosed_20_working_days_and_40_together() {
    let procedures = vec!["capital_increase".to_string()];
    let local = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .expect("t")
            .with_timezone(&Utc)
    };
    let rules = |t: AnnouncementType, fields: Value, publish: &str, pre: Option<&str>| {
        let mut v = Violations::new();
        check_periods_of(
            t,
            Market::Property,
            Related {
                procedures: &procedures,
                predisclosed_at: pre.map(local),
            },
            &fields,
            local(publish),
            &BusinessCalendar::official(),
            &mut v,
        );
        match v.into_result() {
            Ok(()) => vec![],
            Err(ggzy_core::Error::Validation(e)) => e.into_iter().map(|e| e.rule).collect(),
            Err(e) => panic!("{e:?}"),
        }
    };
    let formal = |end: &str| json!({"disclosure_end_at": end});
    let (pre, monday_30) = ("2026-03-02T09:00:00+08:00", "2026-03-30T09:00:00+08:00");
    // Pre-disclosed Monday 03-02, formally disclosed Monday 03-30: both periods end at 24:00 of
    // Tuesday 04-28 (清明 04-04..06).
    let t = AnnouncementType::PropertyDisclosure;
    assert!(rules(t, formal("2026-04-29T00:00:00+08:00"), monday_30, Some(pre)).is_empty());
    assert_eq!(
        rules(t, formal("2026-04-28T23:59:59+08:00"), monday_30, Some(pre)),
        [
            "announcement.disclosure_period",
            "announcement.combined_disclosure_period"
        ]
    );
    // Without the pre-disclosure the same window is 20 working days short.
    assert_eq!(
        rules(t, formal("2026-04-29T00:00:00+08:00"), monday_30, None),
        ["announcement.disclosure_period"]
    );
    // Formally disclosed a week after the pre-disclosure: 20 working days reach 04-07, the 40
    // together 04-28.
    let monday_9 = "2026-03-09T09:00:00+08:00";
    assert_eq!(
        rules(t, formal("2026-04-08T00:00:00+08:00"), monday_9, Some(pre)),
        ["announcement.combined_disclosure_period"]
    );
    // The pre-disclosure of a capital increase: no minimum of its own, no approval bound.
    let p =
        json!({"predisclosure_end_at": "2026-03-03T00:00:00+08:00", "approved_on": "2025-01-02"});
    assert!(rules(AnnouncementType::PropertyPredisclosure, p, pre, None).is_empty());
}
