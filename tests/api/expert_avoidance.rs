//! Issue 21 (experts): the committee size follows from the section the projects area registered
//! (87号令 47; 政采法 38, 40), procurement draws take only the procurement pool (政采条例 39), and
//! person-level relations (政采条例 9; 评标规定 12) exclude experts for the section's registered
//! bidders without naming them.

use ggzy_api_tests::fixtures::assert_first_error;
use ggzy_api_tests::TestApp;
use ggzy_core::ident::{ResidentId, Uscc};
use serde_json::{json, Value};

fn uscc(n: u32) -> String {
    Uscc::with_check(&format!("91210200{n:09}"))
        .expect("uscc")
        .as_str()
        .to_string()
}

fn expert(n: u32, in_pool: bool) -> Value {
    json!({
        "name": format!("回避专家{n}"),
        "resident_id": ResidentId::with_check(&format!("21020219760101{n:03}")).expect("rid").as_str(),
        "employer_uscc": uscc(500 + n),
        "employer_name": format!("单位{n}"),
        "specialties": ["A08.02"],
        "title": "senior",
        "years": 12,
        "region": "210200",
        "phone": "13800000000",
        "procurement_pool": in_pool,
    })
}

async fn add_expert(app: &TestApp, staff: &str, n: u32, in_pool: bool) -> String {
    let v = app
        .post_expect(staff, "/api/v1/experts", expert(n, in_pool), 201)
        .await;
    v["id"].as_str().expect("expert id").to_string()
}

/// `projects.section.registered` as the projects area emits it (market, procedure, budget).
async fn section(app: &TestApp, id: &str, procedure: &str, budget: &str) {
    let mut s = ggzy_api_tests::fixtures::section_registered(
        id,
        "procurement",
        "0.00",
        "2026-03-20T01:30:00Z",
    );
    s.project_id = format!("P-{id}");
    s.project_name = "采购测试项目".into();
    s.name = "一包".into();
    s.procedure = procedure.into();
    s.estimated_price = ggzy_core::Money::parse_str(budget).expect("budget");
    s.tenderer_uscc = uscc(1);
    app.emit(
        "projects.section.registered",
        "section",
        id,
        ggzy_events::Contract::encode(&s).payload,
    )
    .await;
}

fn request(section: &str, count: u32, backups: u32) -> Value {
    json!({
        "section_id": section,
        "tenderer_uscc": uscc(1),
        "session_start": "2026-03-20T09:00:00+08:00",
        "session_end": "2026-03-20T17:00:00+08:00",
        "specialties": [{"specialty": "A08.02", "count": count, "backups": backups}],
    })
}

async fn open_requests(app: &TestApp, staff: &str) -> usize {
    let list = app
        .get_expect(staff, "/api/v1/experts/draw-requests", 200)
        .await;
    list.as_array().expect("requests").len()
}

/// 87号令 47 from the section's registered budget: CNY 9,999,999.99 → 5 allowed; CNY 10,000,000.00
/// (the real registration of a procurement project) → 5 refused, a typed lower budget refused,
/// 8 refused (odd), 7 allowed. An inquiry (询价) panel: 3 allowed, 4 refused (政采法 38, 40).
#[tokio::test]
async fn the_committee_size_follows_the_sections_registered_budget_and_procedure() {
    let app = TestApp::spawn().await;
    let at_limit = crate::award::registered_section(&app, "procurement").await;
    let staff = at_limit.staff.clone();
    section(&app, "SEC-BELOW", "open_tender", "9999999.99").await;
    section(&app, "SEC-INQUIRY", "inquiry", "800000.00").await;
    app.drain_consumer("experts.events").await;

    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draw-requests",
            request("SEC-BELOW", 5, 0),
        )
        .await;
    assert_eq!(s, 201, "{v}");

    let sid = at_limit.section_id.as_str();
    let before = open_requests(&app, &staff).await;
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draw-requests",
            request(sid, 5, 0),
        )
        .await;
    assert_first_error(s, &v, 422, "committee.gp_large_min_members");
    // Typing a lower budget does not lower the requirement: the section's own budget decides.
    let mut typed = request(sid, 5, 0);
    typed["procurement_budget"] = json!("9999999.99");
    let (s, v) = app
        .post(Some(&staff), "/api/v1/experts/draw-requests", typed)
        .await;
    assert_eq!(s, 422, "{v}");
    let rules: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["rule"].as_str())
        .collect();
    assert!(rules.contains(&"draw.budget_mismatch"), "{v}");
    assert!(rules.contains(&"committee.gp_large_min_members"), "{v}");
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draw-requests",
            request(sid, 8, 0),
        )
        .await;
    assert_first_error(s, &v, 422, "committee.odd_members");
    // Sizes far out of range are refused, not overflowed (schemathesis found a 500: two counts
    // of 2,147,483,647 plus representatives); 99 members is the platform's ceiling, and 99 backups.
    let mut huge = request(sid, 2_147_483_647, 0);
    huge["specialties"]
        .as_array_mut()
        .unwrap()
        .push(json!({"specialty": "A08.03", "count": 2_147_483_647u32, "backups": 0}));
    huge["representatives"] = json!(107_421);
    let (s, v) = app
        .post(Some(&staff), "/api/v1/experts/draw-requests", huge)
        .await;
    assert_first_error(s, &v, 422, "committee.max_members");
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draw-requests",
            request(sid, 101, 0),
        )
        .await;
    assert_first_error(s, &v, 422, "committee.max_members");
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draw-requests",
            request(sid, 7, 100),
        )
        .await;
    assert_first_error(s, &v, 422, "draw.max_backups");
    assert_eq!(
        open_requests(&app, &staff).await,
        before,
        "a refusal writes nothing"
    );
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draw-requests",
            request(sid, 7, 0),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["request"]["procurement_budget"], "10000000.00", "{v}");
    assert_eq!(v["request"]["market"], "procurement", "{v}");

    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draw-requests",
            request("SEC-INQUIRY", 4, 0),
        )
        .await;
    assert_first_error(s, &v, 422, "panel.odd_members");
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draw-requests",
            request("SEC-INQUIRY", 3, 0),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    app.stop().await;
}

/// A procurement draw takes only the procurement pool, whose flag staff set; relations recorded
/// by staff or declared by the expert exclude experts for the bidder the experts area learnt from
/// `projects.registration.created` (not typed into the request), and the draw says how many were
/// left out and why without naming the bidder.
#[tokio::test]
async fn the_procurement_pool_and_recorded_relations_exclude_without_naming_the_bidder() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let tenderer = app.login("tenderer").await;
    section(&app, "SEC-AVOID", "open_tender", "3600000.00").await;
    let bidder = uscc(3);
    app.emit(
        "projects.registration.created",
        "registration",
        "REG-1",
        json!({"registration_id": "REG-1", "section_id": "SEC-AVOID", "uscc": bidder,
               "org_id": "org-bidder"}),
    )
    .await;
    app.drain_consumer("experts.events").await;

    let mut eligible = Vec::new();
    for n in 1..=5 {
        eligible.push(add_expert(&app, &staff, n, true).await);
    }
    // The flag, set by staff only.
    let general = add_expert(&app, &staff, 6, true).await;
    let path = format!("/api/v1/experts/{general}/procurement-pool");
    let (s, _) = app
        .put(Some(&tenderer), &path, json!({"procurement_pool": false}))
        .await;
    assert_eq!(s, 403);
    let (s, v) = app
        .put(Some(&staff), &path, json!({"procurement_pool": false}))
        .await;
    assert_eq!((s, &v["procurement_pool"]), (200, &json!(false)), "{v}");

    // 政采条例 9: employment within the past 3 years. Today (Asia/Shanghai) minus 3 years is the
    // earliest last day that still counts.
    let today = ggzy_core::time::local_date(app.clock().now());
    let three_years = today.checked_sub_months(chrono::Months::new(36)).unwrap();
    let recent = add_expert(&app, &staff, 7, true).await;
    let old = add_expert(&app, &staff, 8, true).await;
    eligible.push(old.clone());
    for (id, until) in [
        (&recent, three_years + chrono::Duration::days(1)),
        (&old, three_years - chrono::Duration::days(1)),
    ] {
        let v = app
            .post_expect(
                &staff,
                &format!("/api/v1/experts/{id}/relations"),
                json!({"kind": "employment", "org_uscc": bidder, "org_name": "某投标人",
                       "since": "2015-01-01", "until": until, "source": "社保缴纳记录"}),
                201,
            )
            .await;
        assert_eq!(v["recorded_by_role"], "staff", "{v}");
    }
    // Kinship declared by the expert (account linked): refused without the principal's name.
    let kin = add_expert(&app, &staff, 9, true).await;
    let token = app.login("expert1").await;
    let me = app.get_expect(&token, "/api/v1/auth/me", 200).await;
    app.put(
        Some(&staff),
        &format!("/api/v1/experts/{kin}/account"),
        json!({"user_id": me["user_id"]}),
    )
    .await;
    let declared = json!({"kind": "kinship", "org_uscc": bidder, "org_name": "某投标人",
                          "detail": "配偶", "source": "本人申报"});
    let (s, v) = app
        .post(
            Some(&token),
            "/api/v1/experts/me/relations",
            declared.clone(),
        )
        .await;
    assert_first_error(s, &v, 422, "relation.person_required");
    let none = app
        .get_expect(&staff, &format!("/api/v1/experts/{kin}/relations"), 200)
        .await;
    assert_eq!(none, json!([]), "a refused relation is not recorded");
    let mut declared = declared;
    declared["person_name"] = json!("张某");
    let v = app
        .post_expect(&token, "/api/v1/experts/me/relations", declared, 201)
        .await;
    assert_eq!(
        (&v["recorded_by_role"], &v["expert_id"]),
        (&json!("expert"), &json!(kin)),
        "{v}"
    );
    // Staff of the department supervising procurement.
    let official = add_expert(&app, &staff, 10, true).await;
    app.post_expect(
        &staff,
        &format!("/api/v1/experts/{official}/relations"),
        json!({"kind": "supervising_department", "org_name": "大连市财政局", "market": "procurement",
               "source": "任职文件"}),
        201,
    )
    .await;

    let sup = app.login("supervisor").await;
    let (s, d) = app
        .two_step_draw(&staff, &sup, request("SEC-AVOID", 5, 1))
        .await;
    assert_eq!(s, 201, "{d}");
    let mut drawn: Vec<String> = d["members"]
        .as_array()
        .unwrap()
        .iter()
        .chain(d["backups"].as_array().unwrap())
        .map(|m| m["expert_id"].as_str().unwrap().to_string())
        .collect();
    drawn.sort();
    eligible.sort();
    assert_eq!(drawn, eligible, "{d}");
    let counts = &d["exclusion_counts"];
    for key in [
        "not_in_procurement_pool",
        "related_employment",
        "related_kinship",
        "related_supervising_department",
    ] {
        assert_eq!(counts[key], 1, "{key}: {d}");
    }
    let excluded = serde_json::to_string(&d["excluded"]).unwrap();
    assert!(
        !excluded.contains(&bidder),
        "the bidder is named: {excluded}"
    );
    assert!(excluded.contains("\"party\":\"bidder\""), "{excluded}");
    app.stop().await;
}
