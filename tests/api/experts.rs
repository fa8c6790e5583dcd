//! Unified expert pool (统一专家库管理): registration, CSV import, committed random draws, secrecy of
//! the committee, reveal and verification.

use ggzy_api_tests::{into_parts, TestApp};
use ggzy_core::ident::{ResidentId, Uscc};
use serde_json::{json, Value};

fn uscc(n: u32) -> String {
    Uscc::with_check(&format!("91210200{n:09}"))
        .expect("uscc")
        .as_str()
        .to_string()
}

fn rid(n: u32) -> String {
    ResidentId::with_check(&format!("21020219750101{n:03}"))
        .expect("resident id")
        .as_str()
        .to_string()
}

const TENDERER: u32 = 1;
const AGENCY: u32 = 2;
const BIDDER: u32 = 3;

fn expert(n: u32, employer: u32) -> Value {
    json!({
        "name": format!("专家{n}"),
        "resident_id": rid(n),
        "employer_uscc": uscc(employer),
        "employer_name": format!("单位{employer}"),
        "specialties": ["A08.02"],
        "title": "senior",
        "years": 12,
        "region": "210200",
        "phone": "13800000000",
    })
}

async fn add(app: &TestApp, staff: &str, body: Value) -> String {
    let (s, v) = app.post(Some(staff), "/api/v1/experts", body).await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().expect("id").to_string()
}

fn draw_request(section: &str, count: u32, backups: u32) -> Value {
    json!({
        "section_id": section,
        "tenderer_uscc": uscc(TENDERER),
        "agency_uscc": uscc(AGENCY),
        "bidder_usccs": [uscc(BIDDER), uscc(4)],
        "session_start": "2026-03-20T09:00:00+08:00",
        "session_end": "2026-03-20T17:00:00+08:00",
        "specialties": [{"specialty": "A08.02", "count": count, "backups": backups}],
    })
}

async fn import(app: &TestApp, token: &str, ct: &str, body: String) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/experts/import"))
        .bearer_auth(token)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .expect("request");
    into_parts(r).await
}

#[tokio::test]
async fn staff_register_experts_and_supervisors_read_them_masked() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    add(&app, &staff, expert(1, 100)).await;

    let (s, v) = app
        .post(Some(&staff), "/api/v1/experts", expert(1, 101))
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "expert.duplicate_resident_id");

    let mut bad = expert(2, 100);
    bad["resident_id"] = json!("210202197501010020");
    bad["specialties"] = json!(["A8"]);
    let (s, v) = app.post(Some(&staff), "/api/v1/experts", bad).await;
    assert_eq!(s, 422, "{v}");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"resident_id") && fields.contains(&"specialties[0]"),
        "{v}"
    );

    let tenderer = app.login("tenderer").await;
    let (s, _) = app
        .post(Some(&tenderer), "/api/v1/experts", expert(3, 100))
        .await;
    assert_eq!(s, 403);
    let (s, _) = app.get(Some(&tenderer), "/api/v1/experts").await;
    assert_eq!(s, 403);

    let sup = app.login("supervisor").await;
    let (s, v) = app.get(Some(&sup), "/api/v1/experts").await;
    assert_eq!(s, 200, "{v}");
    assert!(v[0]["resident_id"].as_str().unwrap().contains("****"));
    let (_, v) = app.get(Some(&staff), "/api/v1/experts").await;
    assert_eq!(v[0]["resident_id"], rid(1));
    app.stop().await;
}

#[tokio::test]
async fn a_csv_import_with_one_bad_row_imports_nothing_and_names_the_row() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    let header =
        "name,resident_id,employer_uscc,employer_name,specialties,title,years,region,phone,conflicts";
    let row = |n: u32, rid_s: &str| {
        format!(
            "专家{n},{rid_s},{},单位{n},A08.02;B01,senior,10,210200,13800000000,{}",
            uscc(200 + n),
            uscc(TENDERER)
        )
    };
    let bad = format!(
        "{header}\n{}\n{}\n",
        row(1, &rid(1)),
        row(2, "210202197501010020")
    );
    let (s, v) = import(&app, &staff, "text/csv", bad).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "rows[3].resident_id", "{v}");
    let (_, list) = app.get(Some(&staff), "/api/v1/experts").await;
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing imported");

    let (s, _) = import(&app, &staff, "application/json", "[]".into()).await;
    assert_eq!(s, 415);

    let good = format!("{header}\r\n{}\r\n{}\r\n", row(1, &rid(1)), row(2, &rid(2)));
    let (s, v) = import(&app, &staff, "text/csv; charset=utf-8", good).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["imported"], 2);
    let (_, list) = app.get(Some(&staff), "/api/v1/experts").await;
    assert_eq!(list[0]["specialties"], json!(["A08.02", "B01"]));
    assert_eq!(list[0]["conflicts"], json!([uscc(TENDERER)]));
    app.stop().await;
}

#[tokio::test]
async fn a_draw_avoids_parties_is_secret_from_them_and_verifies_after_reveal() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    // 8 eligible with distinct employers, plus one of each avoidance case.
    for n in 0..8 {
        add(&app, &staff, expert(10 + n, 100 + n)).await;
    }
    let at_tenderer = add(&app, &staff, expert(30, TENDERER)).await;
    let mut c = expert(31, 150);
    c["conflicts"] = json!([uscc(BIDDER)]);
    let conflicted = add(&app, &staff, c).await;
    let mut l = expert(32, 151);
    l["leaves"] =
        json!([{"starts_at": "2026-03-19T00:00:00+08:00", "ends_at": "2026-03-21T00:00:00+08:00"}]);
    let on_leave = add(&app, &staff, l).await;
    let mut j = expert(33, 152);
    j["title"] = json!("intermediate");
    j["years"] = json!(7);
    let junior = add(&app, &staff, j).await;

    let (s, d) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draws",
            draw_request("S-1", 5, 2),
        )
        .await;
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    assert_eq!(d["attempt"], 1);
    assert_eq!(d["members"].as_array().unwrap().len(), 5);
    assert_eq!(d["backups"].as_array().unwrap().len(), 2);
    assert_eq!(d["eligible_count"], 8);
    assert!(d["seed"].is_null(), "seed secret until revealed");
    let excluded = d["excluded"].as_array().unwrap();
    let reasons_of = |eid: &str| -> Vec<String> {
        excluded
            .iter()
            .find(|e| e["expert_id"] == eid)
            .map(|e| {
                e["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["reason"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(reasons_of(&at_tenderer), vec!["employed_by_party"]);
    assert_eq!(reasons_of(&conflicted), vec!["declared_conflict"]);
    assert_eq!(reasons_of(&on_leave), vec!["on_leave"]);
    assert_eq!(
        reasons_of(&junior),
        vec!["title_not_senior", "too_few_years"]
    );

    for who in ["tenderer", "agency", "bidder1"] {
        let t = app.login(who).await;
        let (s, _) = app
            .get(Some(&t), &format!("/api/v1/experts/draws/{id}"))
            .await;
        assert_eq!(s, 403, "{who} must not see the committee");
        let (s, _) = app
            .post(
                Some(&t),
                &format!("/api/v1/experts/draws/{id}/reveal"),
                json!({}),
            )
            .await;
        assert_eq!(s, 403);
    }
    let sup = app.login("supervisor").await;
    let (s, v) = app
        .get(Some(&sup), &format!("/api/v1/experts/draws/{id}"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["members"], d["members"]);

    let bidder = app.login("bidder1").await;
    let (s, v) = app
        .get(Some(&bidder), &format!("/api/v1/experts/draws/{id}/verify"))
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["rule"], "draw.not_revealed");

    let (s, r) = app
        .post(
            Some(&staff),
            &format!("/api/v1/experts/draws/{id}/reveal"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let seed_hex = r["seed"].as_str().unwrap();
    let seed: Vec<u8> = (0..seed_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&seed_hex[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(seed.len(), 32);
    assert_eq!(
        ggzy_core::ids::sha256_hex(&seed),
        d["commitment"].as_str().unwrap()
    );
    let (s, _) = app
        .post(
            Some(&staff),
            &format!("/api/v1/experts/draws/{id}/reveal"),
            json!({}),
        )
        .await;
    assert_eq!(s, 409);

    let (s, v) = app
        .get(Some(&bidder), &format!("/api/v1/experts/draws/{id}/verify"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["valid"], true, "{v}");

    // A re-draw of the same section is a new, numbered draw with its own events.
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draws",
            draw_request("S-1", 5, 0),
        )
        .await;
    assert_eq!(
        s, 422,
        "members of the first draw are booked for the same session: {v}"
    );
    assert_eq!(v["errors"][0]["rule"], "draw.too_few_experts");

    app.seal().await;
    let rows =
        sqlx::query("SELECT event_type, payload FROM events WHERE aggregate_id = $1 ORDER BY seq")
            .bind(&id)
            .fetch_all(app.ctx.db.pool())
            .await
            .unwrap();
    use sqlx::Row;
    let types: Vec<String> = rows
        .iter()
        .map(|r| r.get::<String, _>("event_type"))
        .collect();
    assert_eq!(
        types,
        vec![
            "experts.draw.requested",
            "experts.draw.completed",
            "experts.draw.revealed"
        ]
    );
    let requested: Value = serde_json::from_str(&rows[0].get::<String, _>("payload")).unwrap();
    assert_eq!(requested["commitment"], d["commitment"]);
    app.stop().await;
}

#[tokio::test]
async fn too_few_experts_and_committee_size_are_refused_with_the_rule() {
    let app = TestApp::spawn().await;
    let staff = app.login("staff").await;
    for n in 0..5 {
        add(&app, &staff, expert(10 + n, 100 + n)).await;
    }
    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draws",
            draw_request("S-2", 5, 2),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "specialties.A08.02");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("short by 2"),
        "{v}"
    );

    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draws",
            draw_request("S-2", 4, 0),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    let rules: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        vec!["committee.min_members", "committee.odd_members"]
    );

    let (s, v) = app
        .post(
            Some(&staff),
            "/api/v1/experts/draws",
            draw_request("S-2", 5, 0),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    app.stop().await;
}
