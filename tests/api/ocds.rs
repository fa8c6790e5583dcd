//! OCDS 1.1 (Open Contracting Data Standard): one release per change of a contracting process and
//! the compiled record, validated against the official 1.1.5 schemas and codelists kept in
//! tests/fixtures/ocds (no network).

use crate::publishing::{
    change, create, emit_event, publish_linked, register, submit_approve, Registered,
};
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

const SCHEMA_BASE: &str = "https://standard.open-contracting.org/schema/1__1__5/";

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/ocds/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

/// Errors of `doc` against a package schema, with the release schemas it `$ref`s served locally.
fn schema_errors(package_schema: &str, doc: &Value) -> Vec<String> {
    let registry = jsonschema::Registry::new()
        .add(
            format!("{SCHEMA_BASE}release-schema.json"),
            fixture("release-schema.json"),
        )
        .expect("release schema")
        .add(
            format!("{SCHEMA_BASE}versioned-release-validation-schema.json"),
            fixture("versioned-release-validation-schema.json"),
        )
        .expect("versioned schema")
        .prepare()
        .expect("registry");
    let schema = fixture(package_schema);
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .with_registry(&registry)
        .build(&schema)
        .expect("validator");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn validate(package_schema: &str, doc: &Value) {
    let errors = schema_errors(package_schema, doc);
    assert!(errors.is_empty(), "{package_schema}: {errors:#?}\n{doc:#}");
    // The check can fail: a release without its ocid and with an unknown tag is refused.
    let mut broken = doc.clone();
    let r = if broken["releases"].is_array() {
        &mut broken["releases"][0]
    } else {
        &mut broken["records"][0]["compiledRelease"]
    };
    if let Some(o) = r.as_object_mut() {
        o.remove("ocid");
        o.insert("tag".into(), json!(["notATag"]));
        assert!(schema_errors(package_schema, &broken).len() >= 2);
    }
}

/// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let (mut out, mut rec, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => rec.push(std::mem::take(&mut field)),
            ('\n', false) => {
                rec.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut rec));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !rec.is_empty() {
        rec.push(field);
        out.push(rec);
    }
    out
}

/// The codes of one OCDS codelist (its `Code` column).
fn codelist(name: &str) -> HashSet<String> {
    let path = format!(
        "{}/fixtures/ocds/codelists/{name}.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let recs = csv_records(&std::fs::read_to_string(&path).expect("codelist"));
    let col = recs[0]
        .iter()
        .position(|h| h == "Code")
        .expect("Code column");
    let codes: HashSet<String> = recs[1..]
        .iter()
        .filter_map(|r| r.get(col).cloned())
        .collect();
    assert!(!codes.is_empty(), "{name}");
    codes
}

/// Every closed-codelist value in a release is a code of its list.
fn check_codelists(r: &Value) {
    let lists: HashMap<&str, HashSet<String>> = [
        "releaseTag",
        "initiationType",
        "tenderStatus",
        "awardStatus",
        "contractStatus",
        "method",
        "procurementCategory",
        "partyRole",
        "documentType",
        "submissionMethod",
        "currency",
    ]
    .into_iter()
    .map(|n| (n, codelist(n)))
    .collect();
    let has = |list: &str, v: &Value| {
        if let Some(s) = v.as_str() {
            assert!(lists[list].contains(s), "{s} is not in {list}");
        }
    };
    for t in r["tag"].as_array().into_iter().flatten() {
        has("releaseTag", t);
    }
    has("initiationType", &r["initiationType"]);
    let t = &r["tender"];
    has("tenderStatus", &t["status"]);
    has("method", &t["procurementMethod"]);
    has("procurementCategory", &t["mainProcurementCategory"]);
    has("currency", &t["value"]["currency"]);
    for s in t["submissionMethod"].as_array().into_iter().flatten() {
        has("submissionMethod", s);
    }
    for d in t["documents"].as_array().into_iter().flatten() {
        has("documentType", &d["documentType"]);
    }
    for p in r["parties"].as_array().into_iter().flatten() {
        for role in p["roles"].as_array().into_iter().flatten() {
            has("partyRole", role);
        }
    }
    for a in r["awards"].as_array().into_iter().flatten() {
        has("awardStatus", &a["status"]);
        has("currency", &a["value"]["currency"]);
    }
    for c in r["contracts"].as_array().into_iter().flatten() {
        has("contractStatus", &c["status"]);
        has("currency", &c["value"]["currency"]);
    }
}

async fn lifecycle(app: &TestApp, reg: &Registered) {
    let tender = publish_linked(app, reg, "某道路改造工程招标公告").await;
    // 18 March: 14 days before the 1 April deadline, so the change notice postpones it.
    app.clock().advance(chrono::Duration::days(16));
    let tenderer = app.login("tenderer").await;
    let id = create(app, &tenderer, change(&tender, json!({}))).await;
    let (s, v) = submit_approve(app, &id, json!({})).await;
    assert_eq!(s, 200, "{v}");
    let base = json!({"section_id": reg.section_id, "project_id": reg.project_id,
                      "market": "construction"});
    let mut award = base.clone();
    for (k, v) in [
        ("procedure", json!("open_tender")),
        ("winner_org_id", json!("org-winner")),
        ("winner_name", json!("甲建设有限公司")),
        ("price", json!("9876543.21")),
        ("awarded_at", json!("2026-04-20T09:00:00+08:00")),
        ("bidder_org_ids", json!(["org-winner", "org-2", "org-3"])),
    ] {
        award[k] = v;
    }
    emit_event(
        app,
        "projects.award.confirmed",
        "section",
        &reg.section_id,
        award,
    )
    .await;
    let mut contract = base;
    for (k, v) in [
        ("winner_org_id", json!("org-winner")),
        ("amount", json!("9876543.21")),
        ("signed_at", json!("2026-05-06T09:00:00+08:00")),
    ] {
        contract[k] = v;
    }
    emit_event(
        app,
        "projects.contract.signed",
        "section",
        &reg.section_id,
        contract,
    )
    .await;
    crate::publishing::wait_row(
        app,
        "SELECT id FROM ocds_releases WHERE tag = 'contract' AND section_id = $1",
        &reg.section_id,
    )
    .await;
}

/// A construction section (deadline 2026-04-01) registered and brought through its lifecycle.
async fn road_through_contract(app: &TestApp) -> Registered {
    let reg = register(
        app,
        "construction",
        "某道路改造工程",
        "2026-04-01T09:00:00+08:00",
    )
    .await;
    lifecycle(app, &reg).await;
    reg
}

#[tokio::test]
async fn the_release_package_has_one_valid_release_per_change() {
    let app = TestApp::spawn().await;
    let reg = road_through_contract(&app).await;
    let (s, pkg) = app.get(None, "/api/v1/ocds/releases").await;
    assert_eq!(s, 200, "{pkg}");
    validate("release-package-schema.json", &pkg);
    let releases = pkg["releases"].as_array().expect("releases");
    let tags: Vec<&str> = releases
        .iter()
        .map(|r| r["tag"][0].as_str().expect("tag"))
        .collect();
    assert_eq!(tags, ["tender", "tenderAmendment", "award", "contract"]);
    let ocid = format!("{}-{}", app.ctx.settings.ocid_prefix, reg.section_id);
    for r in releases {
        assert_eq!(r["ocid"], json!(ocid));
        check_codelists(r);
    }
    assert_eq!(releases[0]["tender"]["procurementMethod"], "open");
    assert_eq!(releases[0]["tender"]["value"]["amount"], json!(12000000.0));
    assert_eq!(
        releases[1]["tender"]["tenderPeriod"]["endDate"],
        "2026-04-02T01:00:00+00:00"
    );
    assert_eq!(
        releases[2]["awards"][0]["value"]["amount"],
        json!(9876543.21)
    );
    assert_eq!(
        releases[2]["awards"][0]["suppliers"][0]["name"],
        "甲建设有限公司"
    );
    assert_eq!(
        releases[3]["contracts"][0]["awardID"],
        releases[2]["awards"][0]["id"]
    );

    // Filters: since and market.
    let (_, pkg) = app
        .get(None, "/api/v1/ocds/releases?since=2026-04-25T00:00:00Z")
        .await;
    validate("release-package-schema.json", &pkg);
    let tags: Vec<&str> = pkg["releases"]
        .as_array()
        .expect("releases")
        .iter()
        .map(|r| r["tag"][0].as_str().expect("tag"))
        .collect();
    assert_eq!(tags, ["contract"]);
    let (_, pkg) = app
        .get(None, "/api/v1/ocds/releases?market=procurement")
        .await;
    assert_eq!(pkg["releases"], json!([]));
    let (s, _) = app.get(None, "/api/v1/ocds/releases?market=moon").await;
    assert_eq!(s, 422);

    // Paging with the Link header returns each release once.
    let mut seen = Vec::new();
    let mut url = app.url("/api/v1/ocds/releases?limit=3");
    loop {
        let r = app.client.get(&url).send().await.expect("get");
        let next = r
            .headers()
            .get("link")
            .map(|l| l.to_str().expect("link").to_string());
        let v: Value = r.json().await.expect("json");
        for rel in v["releases"].as_array().expect("releases") {
            seen.push(rel["id"].as_str().expect("id").to_string());
        }
        match next {
            Some(l) => {
                let u = l
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .expect("url")
                    .to_string();
                let q = u.split_once('?').expect("query").1;
                url = app.url(&format!("/api/v1/ocds/releases?{q}"));
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 4, "{seen:?}");
    app.stop().await;
}

#[tokio::test]
async fn the_record_compiles_the_releases_of_a_contracting_process() {
    let app = TestApp::spawn().await;
    let reg = road_through_contract(&app).await;
    let ocid = format!("{}-{}", app.ctx.settings.ocid_prefix, reg.section_id);
    let (s, pkg) = app.get(None, &format!("/api/v1/ocds/records/{ocid}")).await;
    assert_eq!(s, 200, "{pkg}");
    validate("record-package-schema.json", &pkg);
    let rec = &pkg["records"][0];
    assert_eq!(rec["ocid"], json!(ocid));
    assert_eq!(rec["releases"].as_array().expect("releases").len(), 4);
    let c = &rec["compiledRelease"];
    check_codelists(c);
    assert_eq!(c["tag"], json!(["compiled"]));
    // The latest values win: the postponed deadline, the tender complete after the award.
    assert_eq!(
        c["tender"]["tenderPeriod"]["endDate"],
        "2026-04-02T01:00:00+00:00"
    );
    assert!(c["tender"]["tenderPeriod"]["startDate"].is_string());
    assert_eq!(c["tender"]["status"], "complete");
    assert_eq!(
        c["tender"]["amendments"]
            .as_array()
            .expect("amendments")
            .len(),
        1
    );
    assert_eq!(c["awards"][0]["status"], "active");
    assert_eq!(c["contracts"][0]["value"]["amount"], json!(9876543.21));
    let roles: Vec<String> = c["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .flat_map(|p| p["roles"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    assert!(roles.contains(&"buyer".to_string()) && roles.contains(&"supplier".to_string()));

    let (s, _) = app.get(None, "/api/v1/ocds/records/ocds-other-123").await;
    assert_eq!(s, 404);
    app.stop().await;
}
