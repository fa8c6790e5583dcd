use super::*;
use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal_macros::dec;

fn t(h: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 10, h, 0, 0).unwrap()
}

fn rid(birth: &str) -> ResidentId {
    ResidentId::with_check(&format!("210202{birth}123")).unwrap()
}

fn uscc(n: u32) -> String {
    ggzy_core::ident::Uscc::with_check(&format!("91210200{n:09}"))
        .unwrap()
        .as_str()
        .to_string()
}

fn cand(id: &str, employer: u32) -> Candidate {
    Candidate {
        id: id.into(),
        resident_id: rid("19700101"),
        employer_uscc: uscc(employer),
        specialties: vec!["A08.02".into()],
        title: Title::Senior,
        years: 10,
        status: Status::Active,
        conflicts: vec![],
        leaves: vec![],
        assignments: vec![],
        procurement_pool: false,
        relations: vec![],
    }
}

fn parties() -> DrawParties {
    DrawParties {
        tenderer_uscc: uscc(1),
        agency_uscc: Some(uscc(2)),
        bidder_usccs: vec![uscc(3), uscc(4)],
        session_start: t(1),
        session_end: t(9),
        now: t(0),
        today: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
        procurement: false,
        market: Some("construction".into()),
    }
}

fn snapshot(n: usize) -> Vec<EligibleExpert> {
    (0..n)
        .map(|i| EligibleExpert {
            id: format!("e{i:03}"),
            employer_uscc: uscc(100 + i as u32),
            specialties: vec!["A08.02".into()],
        })
        .collect()
}

fn req(count: u32, backups: u32) -> Vec<SpecialtyCount> {
    vec![SpecialtyCount {
        specialty: "A08.02".into(),
        count,
        backups,
    }]
}

#[test]
fn every_reason_of_an_excluded_expert_is_listed() {
    let p = parties();
    let mut c = cand("x", 3);
    c.conflicts = vec![uscc(1), uscc(4)];
    c.status = Status::Suspended {
        from: None,
        until: Some(t(5)),
    };
    c.resident_id = rid("19560310"); // 70 on 2026-03-10
    c.leaves = vec![(t(8), t(12))];
    c.assignments = vec![Assignment {
        draw_id: "d1".into(),
        tenderer_uscc: uscc(1),
        session_start: t(0),
        session_end: t(2),
        drawn_at: t(0) - chrono::Duration::days(89),
    }];
    c.title = Title::Intermediate;
    c.years = 7;
    let r = exclusions(&c, &p, &PoolRules::default());
    assert_eq!(
        r,
        vec![
            Exclusion::EmployedByParty {
                party: Party::Bidder,
                uscc: uscc(3)
            },
            Exclusion::DeclaredConflict {
                party: Party::Tenderer,
                uscc: uscc(1)
            },
            Exclusion::DeclaredConflict {
                party: Party::Bidder,
                uscc: uscc(4)
            },
            Exclusion::Suspended,
            Exclusion::Retired { age: 70 },
            Exclusion::OnLeave,
            Exclusion::Booked {
                draw_id: "d1".into()
            },
            Exclusion::RecentlyDrawn {
                draw_id: "d1".into()
            },
            Exclusion::TitleNotSenior,
            Exclusion::TooFewYears { years: 7, min: 8 },
        ]
    );
}

#[test]
fn the_employers_of_tenderer_and_agency_are_avoided() {
    let p = parties();
    assert_eq!(
        exclusions(&cand("a", 1), &p, &PoolRules::default()),
        vec![Exclusion::EmployedByParty {
            party: Party::Tenderer,
            uscc: uscc(1)
        }]
    );
    assert_eq!(
        exclusions(&cand("b", 2), &p, &PoolRules::default()),
        vec![Exclusion::EmployedByParty {
            party: Party::Agency,
            uscc: uscc(2)
        }]
    );
}

#[test]
fn age_69_serves_and_age_70_is_retired() {
    let p = parties();
    let mut c = cand("a", 50);
    c.resident_id = rid("19560311"); // turns 70 the day after
    assert!(exclusions(&c, &p, &PoolRules::default()).is_empty());
    c.resident_id = rid("19560310");
    assert_eq!(
        exclusions(&c, &p, &PoolRules::default()),
        vec![Exclusion::Retired { age: 70 }]
    );
}

#[test]
fn eight_years_and_a_senior_title_qualify_seven_years_do_not() {
    let p = parties();
    let mut c = cand("a", 50);
    c.years = 8;
    assert!(exclusions(&c, &p, &PoolRules::default()).is_empty());
    c.years = 7;
    assert_eq!(
        exclusions(&c, &p, &PoolRules::default()),
        vec![Exclusion::TooFewYears { years: 7, min: 8 }]
    );
    c.years = 8;
    c.title = Title::FullSenior;
    assert!(exclusions(&c, &p, &PoolRules::default()).is_empty());
    c.title = Title::Intermediate;
    assert_eq!(
        exclusions(&c, &p, &PoolRules::default()),
        vec![Exclusion::TitleNotSenior]
    );
}

#[test]
fn the_recent_window_boundary_is_exclusive_of_its_start() {
    let p = parties();
    let rules = PoolRules::default();
    let mut c = cand("a", 50);
    let a = |days| Assignment {
        draw_id: "d".into(),
        tenderer_uscc: uscc(1),
        session_start: t(0) - chrono::Duration::days(days),
        session_end: t(0) - chrono::Duration::days(days) + chrono::Duration::hours(1),
        drawn_at: t(0) - chrono::Duration::days(days),
    };
    c.assignments = vec![a(90)];
    assert!(exclusions(&c, &p, &rules).is_empty());
    c.assignments = vec![a(89)];
    assert_eq!(
        exclusions(&c, &p, &rules),
        vec![Exclusion::RecentlyDrawn {
            draw_id: "d".into()
        }]
    );
}

#[test]
fn a_session_touching_another_end_to_start_is_not_overlapping() {
    let p = parties();
    let mut c = cand("a", 50);
    c.leaves = vec![(t(9), t(12))];
    assert!(exclusions(&c, &p, &PoolRules::default()).is_empty());
    c.leaves = vec![(t(0), t(1))];
    assert!(exclusions(&c, &p, &PoolRules::default()).is_empty());
    c.leaves = vec![(t(0), t(2))];
    assert_eq!(
        exclusions(&c, &p, &PoolRules::default()),
        vec![Exclusion::OnLeave]
    );
}

#[test]
fn committee_size_boundaries_of_the_bidding_law() {
    let r = CommitteeRules::default();
    assert!(r.check(5, 0, None).is_empty());
    assert_eq!(r.check(3, 0, None)[0].rule, "committee.min_members");
    let e = r.check(4, 0, None);
    assert!(e.iter().any(|e| e.rule == "committee.min_members"));
    assert!(e.iter().any(|e| e.rule == "committee.odd_members"));
    assert_eq!(r.check(6, 0, None)[0].rule, "committee.odd_members");
    // 2/3 experts: 4 of 6 would do but 6 is even; 5 of 7 is fine, 4 of 7 is not.
    assert!(r.check(5, 2, None).is_empty());
    assert_eq!(r.check(4, 3, None)[0].rule, "committee.expert_share");
    assert!(r.check(4, 1, None).is_empty()); // 4/5 ≥ 2/3
    assert_eq!(r.check(3, 2, None)[0].rule, "committee.expert_share");
}

#[test]
fn procurement_over_ten_million_needs_seven() {
    let r = CommitteeRules::default();
    let below = Money::parse(dec!(9999999.99)).unwrap();
    let at = Money::parse(dec!(10000000.00)).unwrap();
    assert!(r.check(5, 0, Some(below)).is_empty());
    assert_eq!(
        r.check(5, 0, Some(at))[0].rule,
        "committee.gp_large_min_members"
    );
    assert!(r.check(7, 0, Some(at)).is_empty());
}

fn relation(kind: RelationKind, org: Option<u32>, until: Option<&str>) -> PersonRelation {
    PersonRelation {
        kind,
        org_uscc: org.map(uscc),
        market: None,
        since: None,
        until: until.map(|u| u.parse().unwrap()),
    }
}

/// 政采条例 9: a relation within the past 3 years. Today is 2026-03-10: an employment that ended
/// 2023-03-11 (3 years minus a day ago) or 2023-03-10 (exactly 3 years ago) still counts; one that
/// ended 2023-03-09 (3 years and a day ago) does not.
#[test]
fn a_past_employment_counts_for_three_years_and_not_a_day_more() {
    let p = parties();
    let rules = PoolRules::default();
    let mut c = cand("a", 50);
    let bidder = |kind| Exclusion::Related {
        kind,
        party: Some(Party::Bidder),
        uscc: None,
    };
    for until in ["2023-03-11", "2023-03-10"] {
        c.relations = vec![relation(RelationKind::Employment, Some(3), Some(until))];
        assert_eq!(
            exclusions(&c, &p, &rules),
            vec![bidder(RelationKind::Employment)],
            "{until}"
        );
    }
    c.relations = vec![relation(
        RelationKind::Employment,
        Some(3),
        Some("2023-03-09"),
    )];
    assert!(exclusions(&c, &p, &rules).is_empty());
    // Directorship and control the same; an ongoing one always counts.
    c.relations = vec![
        relation(RelationKind::Directorship, Some(4), Some("2023-03-10")),
        relation(RelationKind::Control, Some(1), None),
    ];
    assert_eq!(
        exclusions(&c, &p, &rules),
        vec![
            Exclusion::Related {
                kind: RelationKind::Control,
                party: Some(Party::Tenderer),
                uscc: Some(uscc(1)),
            },
            bidder(RelationKind::Directorship),
        ]
    );
    // A relation with an organization that is no party does not matter.
    c.relations = vec![relation(RelationKind::Employment, Some(77), None)];
    assert!(exclusions(&c, &p, &rules).is_empty());
}

#[test]
fn kinship_counts_while_it_lasts_and_a_future_relation_not_yet() {
    let p = parties();
    let rules = PoolRules::default();
    let mut c = cand("a", 50);
    c.relations = vec![relation(RelationKind::Kinship, Some(4), Some("2026-03-10"))];
    assert_eq!(
        exclusions(&c, &p, &rules),
        vec![Exclusion::Related {
            kind: RelationKind::Kinship,
            party: Some(Party::Bidder),
            uscc: None,
        }]
    );
    c.relations = vec![relation(RelationKind::Kinship, Some(4), Some("2026-03-09"))];
    assert!(exclusions(&c, &p, &rules).is_empty());
    let mut future = relation(RelationKind::Employment, Some(3), None);
    future.since = Some("2026-03-11".parse().unwrap());
    c.relations = vec![future];
    assert!(exclusions(&c, &p, &rules).is_empty());
}

#[test]
fn department_staff_avoid_the_markets_their_department_supervises() {
    let mut p = parties();
    let rules = PoolRules::default();
    let mut c = cand("a", 50);
    let mut d = relation(RelationKind::SupervisingDepartment, None, None);
    d.market = Some("procurement".into());
    c.relations = vec![d.clone()];
    assert!(exclusions(&c, &p, &rules).is_empty());
    p.market = Some("procurement".into());
    let dept = Exclusion::Related {
        kind: RelationKind::SupervisingDepartment,
        party: None,
        uscc: None,
    };
    assert_eq!(exclusions(&c, &p, &rules), vec![dept.clone()]);
    d.market = None;
    p.market = Some("land".into());
    c.relations = vec![d];
    assert_eq!(exclusions(&c, &p, &rules), vec![dept]);
}

#[test]
fn a_procurement_draw_takes_only_the_procurement_pool() {
    let mut p = parties();
    let rules = PoolRules::default();
    let mut c = cand("a", 50);
    assert!(exclusions(&c, &p, &rules).is_empty());
    p.procurement = true;
    assert_eq!(
        exclusions(&c, &p, &rules),
        vec![Exclusion::NotInProcurementPool]
    );
    c.procurement_pool = true;
    assert!(exclusions(&c, &p, &rules).is_empty());
    let mut out = cand("b", 51);
    out.relations = vec![relation(RelationKind::Kinship, Some(3), None)];
    let (_, excluded) = screen(&[c, out, cand("c", 52)], &p, &rules);
    let counts = exclusion_counts(&excluded);
    assert_eq!(counts.get("not_in_procurement_pool"), Some(&2));
    assert_eq!(counts.get("related_kinship"), Some(&1));
}

/// 政采法 38, 40: a negotiation, inquiry or consultation panel is ≥ 3, odd, experts ≥ 2/3.
#[test]
fn panel_size_boundaries_of_the_procurement_law() {
    let r = CommitteeRules::default();
    for proc in PANEL_PROCEDURES {
        let p = Some(proc);
        assert!(r.check_for(p, 3, 0, None).is_empty());
        // Sizes at the top of u32 are counted, never overflowed (a schemathesis 500: experts
        // saturated at u32::MAX plus representatives panicked), and refused above the ceiling.
        assert_eq!(
            r.check_for(p, u32::MAX, 107_421, None)[0].rule,
            "committee.max_members"
        );
        assert!(r.check_for(p, 99, 0, None).is_empty());
        assert_eq!(r.check_for(p, 99, 2, None)[0].rule, "committee.max_members");
        assert_eq!(
            r.check_for(Some("open_tender"), u32::MAX, u32::MAX, None)[0].rule,
            "committee.max_members"
        );
        assert!(r.check_for(Some("open_tender"), 99, 0, None).is_empty());
        assert_eq!(
            r.check_for(Some("open_tender"), 100, 1, None)[0].rule,
            "committee.max_members"
        );
        assert!(r.check_for(p, 2, 1, None).is_empty());
        assert_eq!(r.check_for(p, 2, 0, None)[0].rule, "panel.min_members");
        assert_eq!(r.check_for(p, 4, 0, None)[0].rule, "panel.odd_members");
        assert_eq!(r.check_for(p, 1, 2, None)[0].rule, "panel.expert_share");
    }
    // Open tender keeps the committee rule: 3 members are too few.
    assert_eq!(
        r.check_for(Some("open_tender"), 3, 0, None)[0].rule,
        "committee.min_members"
    );
    assert_eq!(
        r.check_for(None, 3, 0, None)[0].rule,
        "committee.min_members"
    );
}

#[test]
fn a_revealed_seed_reproduces_the_committee() {
    let s = snapshot(30);
    let seed = [7u8; 32];
    let c = select(seed, &s, &req(5, 2)).unwrap();
    assert_eq!(c.members.len(), 5);
    assert_eq!(c.backups.len(), 2);
    assert_eq!(select(seed, &s, &req(5, 2)).unwrap(), c);
    let v = verify(
        &seed,
        &commitment(&seed),
        &s,
        &snapshot_digest(&s),
        &req(5, 2),
        &c,
    );
    assert!(v.valid, "{v:?}");
    assert_ne!(select([8u8; 32], &s, &req(5, 2)).unwrap(), c);
}

#[test]
fn a_changed_snapshot_changes_the_digest_and_fails_verification() {
    let s = snapshot(30);
    let seed = [9u8; 32];
    let c = select(seed, &s, &req(5, 0)).unwrap();
    let digest = snapshot_digest(&s);
    let mut changed = s.clone();
    changed.remove(0);
    assert_ne!(snapshot_digest(&changed), digest);
    let v = verify(&seed, &commitment(&seed), &changed, &digest, &req(5, 0), &c);
    assert!(!v.snapshot_digest_matches);
    assert!(!v.valid);
    let v = verify(&[1u8; 32], &commitment(&seed), &s, &digest, &req(5, 0), &c);
    assert!(!v.commitment_matches && !v.valid);
}

#[test]
fn too_few_experts_names_the_specialty_and_the_shortfall() {
    let mut s = snapshot(4);
    // two share an employer: only three count
    s[1].employer_uscc = s[0].employer_uscc.clone();
    let err = select([1u8; 32], &s, &req(5, 0)).unwrap_err();
    assert_eq!(
        err,
        vec![Shortfall {
            specialty: "A08.02".into(),
            needed: 5,
            available: 3
        }]
    );
    let fe = err[0].to_field_error();
    assert!(fe.message.contains("A08.02") && fe.message.contains("short by 2"));
}

#[test]
fn specialty_codes_are_checked() {
    assert!(parse_specialty("A08.02").is_ok());
    assert!(parse_specialty("B01").is_ok());
    assert!(parse_specialty("a08.02").is_err());
    assert!(parse_specialty("A8.02").is_err());
    assert!(parse_specialty("A08.2").is_err());
}

/// Chi-square over many draws with a fixed seed sequence: every eligible expert is drawn equally
/// often. 20 experts, 5 drawn, 4000 draws → 1000 expected each; df = 19, critical value at
/// p = 0.001 is 43.82.
#[test]
fn each_eligible_expert_is_drawn_uniformly() {
    let s = snapshot(20);
    let mut freq = vec![0u64; 20];
    let n = 4000u64;
    for i in 0..n {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&i.to_le_bytes());
        let c = select(seed, &s, &req(5, 0)).unwrap();
        for m in c.members {
            let idx: usize = m.expert_id[1..].parse().unwrap();
            freq[idx] += 1;
        }
    }
    let expected = (n * 5) as f64 / 20.0;
    let chi2: f64 = freq
        .iter()
        .map(|&o| (o as f64 - expected).powi(2) / expected)
        .sum();
    assert!(chi2 < 43.82, "chi2 = {chi2}, freq = {freq:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn no_drawn_expert_violates_avoidance_and_employers_are_unique(
        seed in any::<[u8; 32]>(),
        experts in proptest::collection::vec((0u32..12, 0u32..4, any::<bool>(), 0i64..15, 0usize..3), 10..60),
    ) {
        let p = parties();
        let rules = PoolRules::default();
        let specs = ["A08.02", "B01.01", "C03"];
        let pool: Vec<Candidate> = experts.iter().enumerate().map(|(i, (emp, conflict, suspended, years, spec))| {
            let mut c = cand(&format!("e{i:03}"), *emp);
            if *conflict > 0 { c.conflicts = vec![uscc(*conflict)]; }
            if *suspended { c.status = Status::Suspended { from: None, until: None }; }
            c.years = *years;
            c.specialties = vec![specs[*spec].to_string()];
            c
        }).collect();
        let (eligible, _) = screen(&pool, &p, &rules);
        let request = vec![
            SpecialtyCount { specialty: "A08.02".into(), count: 2, backups: 1 },
            SpecialtyCount { specialty: "B01.01".into(), count: 1, backups: 0 },
        ];
        if let Ok(c) = select(seed, &eligible, &request) {
            let mut employers = BTreeSet::new();
            for pick in c.members.iter().chain(c.backups.iter()) {
                let cand = pool.iter().find(|c| c.id == pick.expert_id).unwrap();
                prop_assert!(exclusions(cand, &p, &rules).is_empty());
                prop_assert!(cand.specialties.contains(&pick.specialty));
                prop_assert!(employers.insert(cand.employer_uscc.clone()));
            }
        }
    }
}

fn inputs(k: u8) -> SeedInputs {
    SeedInputs {
        centre_secret: [k; 32],
        supervisor_secret: [k.wrapping_add(1); 32],
        checkpoint_size: 42,
        checkpoint_root: [k.wrapping_add(2); 32],
        section_id: "S1".into(),
        draw_id: "d1".into(),
    }
}

/// The documented byte layout, spelled out independently of the implementation.
#[test]
fn contributed_seed_follows_the_documented_layout() {
    let i = inputs(7);
    let mut bytes = b"ggzy-expert-draw-v1\0".to_vec();
    bytes.extend([7u8; 32]);
    bytes.extend([8u8; 32]);
    bytes.extend([0, 0, 0, 0, 0, 0, 0, 42]);
    bytes.extend([9u8; 32]);
    bytes.extend([0, 0, 0, 2]);
    bytes.extend(b"S1");
    bytes.extend([0, 0, 0, 2]);
    bytes.extend(b"d1");
    let want: [u8; 32] = Sha256::digest(&bytes).into();
    assert_eq!(contributed_seed(&i), want);
    // Length prefixes keep ("S1", "d1") apart from ("S", "1d1").
    let mut j = i.clone();
    j.section_id = "S".into();
    j.draw_id = "1d1".into();
    assert_ne!(contributed_seed(&i), contributed_seed(&j));
}

fn contributed_fixture(i: &SeedInputs) -> (Vec<EligibleExpert>, String, Committee, [u8; 32]) {
    let s = snapshot(20);
    let seed = contributed_seed(i);
    let c = select(seed, &s, &req(5, 2)).unwrap();
    (s.clone(), snapshot_digest(&s), c, seed)
}

#[test]
fn a_contributed_draw_verifies_from_its_inputs() {
    let i = inputs(3);
    let (s, digest, c, seed) = contributed_fixture(&i);
    let v = verify_contributed(
        &i,
        (
            &commitment(&i.centre_secret),
            &commitment(&i.supervisor_secret),
        ),
        &seed,
        &s,
        &digest,
        &req(5, 2),
        &c,
    );
    assert!(v.valid, "{v:?}");
}

/// The server swaps its secret after the fact (keeping the published commitment): the centre's
/// commitment no longer matches; swapping the commitment too is caught by the log (service).
#[test]
fn a_substituted_centre_secret_fails_verification() {
    let i = inputs(3);
    let (s, digest, c, seed) = contributed_fixture(&i);
    let mut forged = i.clone();
    forged.centre_secret = [99; 32];
    let v = verify_contributed(
        &forged,
        (
            &commitment(&i.centre_secret),
            &commitment(&i.supervisor_secret),
        ),
        &seed,
        &s,
        &digest,
        &req(5, 2),
        &c,
    );
    assert!(!v.centre_commitment_matches && !v.seed_matches && !v.valid);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Same inputs → same committee; any single changed input → verification fails.
    #[test]
    fn same_inputs_same_committee_any_change_fails(
        k in any::<u8>(),
        which in 0usize..6,
        flip in 1u8..=255,
    ) {
        let i = inputs(k);
        let (s, digest, c, seed) = contributed_fixture(&i);
        let again = select(contributed_seed(&i.clone()), &s, &req(5, 2)).unwrap();
        prop_assert_eq!(&again, &c);
        let mut j = i.clone();
        match which {
            0 => j.centre_secret[0] ^= flip,
            1 => j.supervisor_secret[31] ^= flip,
            2 => j.checkpoint_size ^= u64::from(flip),
            3 => j.checkpoint_root[5] ^= flip,
            4 => j.section_id.push(char::from(b'a' + flip % 26)),
            _ => j.draw_id.push(char::from(b'a' + flip % 26)),
        }
        prop_assert_ne!(contributed_seed(&j), seed);
        let v = verify_contributed(&j, (&commitment(&i.centre_secret), &commitment(&i.supervisor_secret)), &seed, &s, &digest, &req(5, 2), &c);
        prop_assert!(!v.valid);
        prop_assert!(!v.seed_matches);
    }
}
