//! OCDS 1.1 (Open Contracting Data Standard): one release per change of a contracting process (a
//! project, its sections as lots) and the compiled record, validated against the official 1.1.5
//! schemas and codelists kept in tests/fixtures/ocds, patched with the declared extensions
//! (bids, lots) vendored in tests/fixtures/ocds/extensions (no network).

use crate::publishing::{
    change, create, emit_event, publish_linked, register, submit_approve, tender, Registered,
};
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

const SCHEMA_BASE: &str = "https://standard.open-contracting.org/schema/1__1__5/";

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/ocds/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

/// JSON Merge Patch (RFC 7386), as OCDS tooling applies an extension's `release-schema.json`.
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            let t = target.as_object_mut().expect("object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// The vendored directory of a declared extension URL (tests/fixtures/ocds/extensions/<dir>).
fn extension_dir(url: &str) -> &'static str {
    match url {
        u if u.contains("/ocds_bid_extension/v1.1.5/extension.json") => "bids",
        u if u.contains("/ocds_lots_extension/v1.1.5/extension.json") => "lots",
        u => panic!("extension {u} is not vendored in tests/fixtures/ocds/extensions"),
    }
}

/// The 1.1.5 release schema with the package's declared extensions applied, in declaration order.
fn extended_release_schema(doc: &Value) -> Value {
    let mut schema = fixture("release-schema.json");
    for url in doc["extensions"].as_array().into_iter().flatten() {
        let dir = extension_dir(url.as_str().expect("extension url"));
        merge_patch(
            &mut schema,
            &fixture(&format!("extensions/{dir}/release-schema.json")),
        );
    }
    schema
}

/// Errors of `doc` against a package schema, with the release schemas it `$ref`s served locally
/// (the release schema extended by the package's declared extensions).
fn schema_errors(package_schema: &str, doc: &Value) -> Vec<String> {
    let registry = jsonschema::Registry::new()
        .add(
            format!("{SCHEMA_BASE}release-schema.json"),
            extended_release_schema(doc),
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
    // Every extension a release uses is declared in the package.
    let declared: Vec<&str> = doc["extensions"]
        .as_array()
        .expect("extensions declared")
        .iter()
        .map(|u| extension_dir(u.as_str().expect("url")))
        .collect();
    let releases: Vec<&Value> = match doc["releases"].as_array() {
        Some(r) => r.iter().collect(),
        None => doc["records"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| {
                r["releases"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .chain(std::iter::once(&r["compiledRelease"]))
            })
            .collect(),
    };
    for r in releases {
        if r.get("bids").is_some() || r["awards"].to_string().contains("relatedBid") {
            assert!(declared.contains(&"bids"), "bids used, not declared: {r}");
        }
        let text = r.to_string();
        if r["tender"].get("lots").is_some() || text.contains("relatedLot") {
            assert!(declared.contains(&"lots"), "lots used, not declared: {r}");
        }
        // statusDetails is in no declared extension.
        assert!(!text.contains("statusDetails"), "{r}");
    }
    // The extended schema checks the extensions' fields: a bid status outside bidStatus fails.
    if let Some(b) = doc["releases"]
        .as_array()
        .and_then(|rs| rs.iter().position(|r| r.get("bids").is_some()))
    {
        let mut broken = doc.clone();
        broken["releases"][b]["bids"]["details"][0]["status"] = json!("notAStatus");
        assert!(!schema_errors(package_schema, &broken).is_empty());
    }
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

/// The codes of one OCDS codelist (its `Code` column); `bids/…` names an extension's codelist.
fn codelist(name: &str) -> HashSet<String> {
    let path = match name.split_once('/') {
        Some((ext, list)) => format!(
            "{}/fixtures/ocds/extensions/{ext}/codelists/{list}.csv",
            env!("CARGO_MANIFEST_DIR")
        ),
        None => format!(
            "{}/fixtures/ocds/codelists/{name}.csv",
            env!("CARGO_MANIFEST_DIR")
        ),
    };
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
        "bids/bidStatus",
        "bids/bidStatistics",
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
    for l in t["lots"].as_array().into_iter().flatten() {
        has("tenderStatus", &l["status"]);
        has("currency", &l["value"]["currency"]);
    }
    for b in r["bids"]["details"].as_array().into_iter().flatten() {
        has("bids/bidStatus", &b["status"]);
        has("currency", &b["value"]["currency"]);
    }
    for st in r["bids"]["statistics"].as_array().into_iter().flatten() {
        has("bids/bidStatistics", &st["measure"]);
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
    let ocid = format!("{}-{}", app.ctx.settings.ocid_prefix, reg.project_id);
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
    let ocid = format!("{}-{}", app.ctx.settings.ocid_prefix, reg.project_id);
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

// ---------------------------------------------------------------------------------------------
// Issue 22 item 5: tenderers, bids and lots for red-flag tools.

const DEADLINE_APR_1: &str = "2026-04-01T09:00:00+08:00";
const BUYER_USCC: &str = "91210200MA0000000X";

/// One entry of the opening record (开标记录) as `projects.opening.recorded` carries it.
fn entry(n: u8, price: &str) -> Value {
    json!({"bid_id": format!("bid-{n}"), "org_id": format!("org-{n}"),
           "org_name": format!("大连第{n}建设有限公司"), "uscc": format!("91210200MA000000{n}Y"),
           "price": price, "decryption": "decrypted", "deposit": "valid", "suite": "aes-256-gcm"})
}

/// The projects area records the opening of `reg`'s section (publishing consumes it).
async fn opening(app: &TestApp, reg: &Registered, opened_at: &str, entries: Vec<Value>) {
    let n = entries.len();
    emit_event(
        app,
        "projects.opening.recorded",
        "section",
        &reg.section_id,
        json!({"section_id": reg.section_id, "project_id": reg.project_id,
               "market": "construction", "opened_at": opened_at, "entries": entries,
               "decrypted_bids": n, "min_bids": 3, "below_min_bids": n < 3}),
    )
    .await;
    app.drain_consumer("publishing.lifecycle").await;
}

/// The whole release package, validated (schema + extensions) and codelist-checked.
async fn served(app: &TestApp) -> Vec<Value> {
    let (s, pkg) = app.get(None, "/api/v1/ocds/releases?limit=500").await;
    assert_eq!(s, 200, "{pkg}");
    validate("release-package-schema.json", &pkg);
    let rels = pkg["releases"].as_array().expect("releases").clone();
    for r in &rels {
        check_codelists(r);
    }
    rels
}

async fn record_of(app: &TestApp, reg: &Registered) -> Value {
    let ocid = format!("{}-{}", app.ctx.settings.ocid_prefix, reg.project_id);
    let (s, pkg) = app.get(None, &format!("/api/v1/ocds/records/{ocid}")).await;
    assert_eq!(s, 200, "{pkg}");
    validate("record-package-schema.json", &pkg);
    check_codelists(&pkg["records"][0]["compiledRelease"]);
    pkg
}

/// A construction section (deadline 1 April) with its tender published, the clock past the deadline.
async fn tendered_and_past_deadline(app: &TestApp) -> Registered {
    let reg = register(app, "construction", "某道路改造工程", DEADLINE_APR_1).await;
    publish_linked(app, &reg, "某道路改造工程招标公告").await;
    app.clock().advance(chrono::Duration::days(31));
    reg
}

#[tokio::test]
async fn the_opening_publishes_tenderers_bids_and_their_number_and_evaluation_disqualifies_a_bid() {
    let app = TestApp::spawn().await;
    let reg = tendered_and_past_deadline(&app).await;
    let prices = ["9100000.00", "9350000.50", "9800000.00"];
    let entries = (1..=3u8)
        .map(|n| entry(n, prices[n as usize - 1]))
        .collect();
    opening(&app, &reg, DEADLINE_APR_1, entries).await;

    let rels = served(&app).await;
    let tags: Vec<&str> = rels
        .iter()
        .map(|r| r["tag"][0].as_str().expect("tag"))
        .collect();
    assert_eq!(tags, ["tender", "tenderUpdate"]);
    let ocid = format!("{}-{}", app.ctx.settings.ocid_prefix, reg.project_id);
    let r = &rels[1];
    assert_eq!(r["ocid"], json!(ocid));
    let t = &r["tender"];
    assert_eq!(t["numberOfTenderers"], 3, "{r:#}");
    let names: Vec<&str> = t["tenderers"]
        .as_array()
        .expect("tenderers")
        .iter()
        .map(|x| x["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "大连第1建设有限公司",
            "大连第2建设有限公司",
            "大连第3建设有限公司"
        ]
    );
    // Every tenderer is a party identified by its USCC, like the buyer.
    let parties = r["parties"].as_array().expect("parties");
    for n in 1..=3 {
        let uscc = format!("91210200MA000000{n}Y");
        let p = parties
            .iter()
            .find(|p| p["identifier"]["id"] == json!(uscc))
            .unwrap_or_else(|| panic!("tenderer {n}: {r:#}"));
        assert_eq!(p["identifier"]["scheme"], "CN-USCC");
        assert_eq!(p["id"], json!(format!("CN-USCC-{uscc}")));
        assert_eq!(p["roles"], json!(["tenderer"]));
    }
    let buyer = parties
        .iter()
        .find(|p| p["roles"].to_string().contains("buyer"))
        .expect("buyer");
    assert_eq!(
        buyer["identifier"],
        json!({"scheme": "CN-USCC", "id": BUYER_USCC,
        "legalName": "大连市市政建设管理处"})
    );
    assert_eq!(r["buyer"]["id"], json!(format!("CN-USCC-{BUYER_USCC}")));
    // Three bids, valued at the opened prices, against the section (lot).
    let bids = r["bids"]["details"].as_array().expect("bids");
    assert_eq!(bids.len(), 3);
    for (b, amount) in bids.iter().zip([9100000.0, 9350000.5, 9800000.0]) {
        assert_eq!(b["value"], json!({"amount": amount, "currency": "CNY"}));
        assert_eq!(b["status"], "valid");
        assert_eq!(b["relatedLots"], json!([reg.section_id]));
        assert_eq!(
            b["tenderers"][0]["id"]
                .as_str()
                .map(|x| x.starts_with("CN-USCC-")),
            Some(true)
        );
    }
    assert_eq!(t["lots"][0]["id"], json!(reg.section_id));

    // The committee disqualifies the second bid: a later release changes its status.
    emit_event(
        &app,
        "evaluation.bid.rejected",
        "section",
        &reg.section_id,
        ggzy_events::Contract::encode(&ggzy_events::evaluation::BidRejected {
            section_id: reg.section_id.clone(),
            org_id: "org-2".into(),
            ground: "review".into(),
            basis: "评标规定 第二十三条".into(),
        })
        .payload,
    )
    .await;
    app.drain_consumer("publishing.lifecycle").await;
    let rels = served(&app).await;
    assert_eq!(rels.len(), 3);
    assert_eq!(
        rels[2]["bids"]["details"],
        json!([{"id": "bid-2", "status": "disqualified"}])
    );
    // The winner's award points at its bid and names the same party as the tenderer.
    let mut award = json!({"section_id": reg.section_id, "project_id": reg.project_id,
        "market": "construction", "procedure": "open_tender", "winner_org_id": "org-1",
        "winner_name": "大连第1建设有限公司", "price": "9100000.00",
        "awarded_at": "2026-04-20T09:00:00+08:00"});
    award["bidder_org_ids"] = json!(["org-1", "org-2", "org-3"]);
    emit_event(
        &app,
        "projects.award.confirmed",
        "section",
        &reg.section_id,
        award,
    )
    .await;
    app.drain_consumer("publishing.lifecycle").await;

    let pkg = record_of(&app, &reg).await;
    // For the offline libcoveocds step of .ci/run (tests/ocds/libcoveocds_offline.py).
    if let Ok(dir) = std::env::var("GGZY_OCDS_PACKAGE_DIR") {
        let (_, releases) = app.get(None, "/api/v1/ocds/releases?limit=500").await;
        for (name, doc) in [
            ("release-package.json", &releases),
            ("record-package.json", &pkg),
        ] {
            std::fs::write(
                std::path::Path::new(&dir).join(name),
                serde_json::to_string_pretty(doc).expect("json"),
            )
            .expect("write package");
        }
    }
    let c = &pkg["records"][0]["compiledRelease"];
    let status: Vec<(&str, &str)> = c["bids"]["details"]
        .as_array()
        .expect("bids")
        .iter()
        .map(|b| {
            (
                b["id"].as_str().expect("id"),
                b["status"].as_str().expect("status"),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("bid-1", "valid"),
            ("bid-2", "disqualified"),
            ("bid-3", "valid")
        ]
    );
    let valid = c["bids"]["statistics"]
        .as_array()
        .expect("statistics")
        .iter()
        .find(|s| s["measure"] == "validBids")
        .expect("validBids");
    assert_eq!(valid["value"], 2);
    assert_eq!(valid["relatedLot"], json!(reg.section_id));
    let a = &c["awards"][0];
    assert_eq!(a["relatedBid"], "bid-1");
    assert_eq!(a["relatedLots"], json!([reg.section_id]));
    assert_eq!(a["suppliers"][0]["id"], "CN-USCC-91210200MA0000001Y");
    let winner = c["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .find(|p| p["id"] == "CN-USCC-91210200MA0000001Y")
        .expect("winner party");
    assert_eq!(winner["roles"], json!(["tenderer", "supplier"]));
    assert_eq!(c["tender"]["numberOfTenderers"], 3);
    assert_eq!(c["tender"]["status"], "complete");
    app.stop().await;
}

#[tokio::test]
async fn a_single_bid_section_has_one_tenderer_so_the_single_bid_flag_can_fire() {
    let app = TestApp::spawn().await;
    let reg = tendered_and_past_deadline(&app).await;
    opening(&app, &reg, DEADLINE_APR_1, vec![entry(7, "11990000.00")]).await;
    let rels = served(&app).await;
    let r = rels.last().expect("opening release");
    assert_eq!(r["tender"]["numberOfTenderers"], 1, "{r:#}");
    assert_eq!(r["bids"]["details"].as_array().map(Vec::len), Some(1));
    let bidders = r["bids"]["statistics"]
        .as_array()
        .expect("statistics")
        .iter()
        .find(|s| s["measure"] == "bidders")
        .expect("bidders");
    assert_eq!(bidders["value"], 1);
    assert_eq!(
        r["bids"]["details"][0]["value"]["amount"],
        json!(11990000.0)
    );
    app.stop().await;
}

#[tokio::test]
async fn nothing_about_bids_is_served_before_the_deadline() {
    let app = TestApp::spawn().await;
    let reg = register(&app, "construction", "某道路改造工程", DEADLINE_APR_1).await;
    publish_linked(&app, &reg, "某道路改造工程招标公告").await;
    let before = served(&app).await;
    assert_eq!(before.len(), 1);
    // An opening dated before the deadline (招标投标法 第二十二条、第三十四条) …
    let entries = vec![entry(1, "9100000.00"), entry(2, "9200000.00")];
    opening(&app, &reg, "2026-03-20T09:00:00+08:00", entries.clone()).await;
    // … or claiming the deadline while the event itself comes before it: nothing is written.
    opening(&app, &reg, DEADLINE_APR_1, entries.clone()).await;
    // The last second before the deadline is still before it.
    let last_minute = chrono::DateTime::parse_from_rfc3339("2026-04-01T08:59:59+08:00")
        .expect("time")
        .with_timezone(&chrono::Utc);
    app.clock().set(last_minute);
    opening(&app, &reg, DEADLINE_APR_1, entries.clone()).await;
    assert_eq!(served(&app).await, before);
    let ocid = format!("{}-{}", app.ctx.settings.ocid_prefix, reg.project_id);
    let (_, rec) = app.get(None, &format!("/api/v1/ocds/records/{ocid}")).await;
    assert!(
        rec["records"][0]["compiledRelease"].get("bids").is_none(),
        "{rec:#}"
    );
    assert!(!rec.to_string().contains("numberOfTenderers"));
    // At the deadline the same opening is published (the check above could fail).
    app.clock().advance(chrono::Duration::seconds(1));
    opening(&app, &reg, DEADLINE_APR_1, entries).await;
    let after = served(&app).await;
    assert_eq!(after.len(), 2);
    assert_eq!(after[1]["tender"]["numberOfTenderers"], 2);
    app.stop().await;
}

/// A project with two sections (标段), registered by the projects area as its events.
async fn two_sections(app: &TestApp) -> (String, [String; 2]) {
    let org = crate::publishing::wait_row(
        app,
        "SELECT org_id FROM users WHERE username = $1",
        "tenderer",
    )
    .await;
    let project_id = uuid::Uuid::new_v4().to_string();
    let ids = [
        uuid::Uuid::new_v4().to_string(),
        uuid::Uuid::new_v4().to_string(),
    ];
    for (i, (id, (name, price))) in ids
        .iter()
        .zip([("第1标段", "7000000.00"), ("第2标段", "5000000.50")])
        .enumerate()
    {
        let mut s = crate::publishing::registered_section(crate::publishing::Section {
            project_id: &project_id,
            section_id: id,
            no: i as i64 + 1,
            name,
            estimated_price: price,
            project_code: "210200-GC-2026-000002",
            project_name: "某片区道路工程",
            market: "construction",
            tenderer_uscc: BUYER_USCC,
            owner_org_id: &org,
            deadline: DEADLINE_APR_1,
        });
        s.deposit = ggzy_core::Money::from_fen(10_000_000);
        s.subject = Some("works".to_string());
        emit_event(
            app,
            "projects.section.registered",
            "section",
            id,
            ggzy_events::Contract::encode(&s).payload,
        )
        .await;
    }
    for id in &ids {
        crate::publishing::wait_row(
            app,
            "SELECT section_id FROM publishing_sections WHERE section_id = $1",
            id,
        )
        .await;
    }
    (project_id, ids)
}

#[tokio::test]
async fn a_two_section_project_is_one_contracting_process_with_two_lots() {
    let app = TestApp::spawn().await;
    let (project, sections) = two_sections(&app).await;
    let tenderer = app.login("tenderer").await;
    let mut body = tender("某片区道路工程招标公告", "2026-03-23T09:00:00+08:00");
    body["project_id"] = json!(project);
    body["section_ids"] = json!(sections);
    let id = create(&app, &tenderer, body).await;
    let (s, v) = submit_approve(&app, &id, json!({})).await;
    assert_eq!(s, 200, "{v}");
    app.clock().advance(chrono::Duration::days(40));
    for (i, sec) in sections.iter().enumerate() {
        emit_event(
            &app,
            "projects.award.confirmed",
            "section",
            sec,
            json!({"section_id": sec, "project_id": project, "market": "construction",
                   "procedure": "open_tender", "winner_org_id": format!("org-w{i}"),
                   "winner_name": format!("中标人{i}"), "price": "4000000.00",
                   "awarded_at": "2026-04-20T09:00:00+08:00"}),
        )
        .await;
    }
    app.drain_consumer("publishing.lifecycle").await;

    let rels = served(&app).await;
    let ocid = format!("{}-{project}", app.ctx.settings.ocid_prefix);
    let tags: Vec<&str> = rels
        .iter()
        .map(|r| r["tag"][0].as_str().expect("tag"))
        .collect();
    assert_eq!(tags, ["tender", "award", "award"]);
    assert!(rels.iter().all(|r| r["ocid"] == json!(ocid)), "{rels:#?}");
    let t = &rels[0]["tender"];
    assert_eq!(t["id"], json!(project));
    // The tender's value is the sum of the sections' estimated prices.
    assert_eq!(t["value"], json!({"amount": 12000000.5, "currency": "CNY"}));
    let lots = t["lots"].as_array().expect("lots");
    assert_eq!(lots.len(), 2);
    assert_eq!(lots[0]["value"]["amount"], json!(7000000.0));
    assert_eq!(lots[1]["value"]["amount"], json!(5000000.5));

    let r = record_of(
        &app,
        &Registered {
            project_id: project.clone(),
            section_id: sections[0].clone(),
        },
    )
    .await;
    let c = &r["records"][0]["compiledRelease"];
    let awards = c["awards"].as_array().expect("awards");
    assert_eq!(awards.len(), 2);
    for (a, sec) in awards.iter().zip(&sections) {
        assert_eq!(a["relatedLots"], json!([sec]));
    }
    let lot_status: Vec<&str> = c["tender"]["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .map(|l| l["status"].as_str().expect("status"))
        .collect();
    assert_eq!(lot_status, ["complete", "complete"]);
    if let Ok(dir) = std::env::var("GGZY_OCDS_PACKAGE_DIR") {
        let (_, releases) = app.get(None, "/api/v1/ocds/releases?limit=500").await;
        for (name, doc) in [
            ("lots-release-package.json", &releases),
            ("lots-record-package.json", &r),
        ] {
            std::fs::write(
                std::path::Path::new(&dir).join(name),
                serde_json::to_string_pretty(doc).expect("json"),
            )
            .expect("write package");
        }
    }
    // The tender of a project with several lots stays as published; each lot completes.
    assert_eq!(c["tender"]["status"], "active");
    // A section's former ocid leads to its project's record.
    let (s, old) = app
        .get(
            None,
            &format!(
                "/api/v1/ocds/records/{}-{}",
                app.ctx.settings.ocid_prefix, sections[1]
            ),
        )
        .await;
    assert_eq!(s, 200, "{old}");
    assert_eq!(old["records"][0]["ocid"], json!(ocid));
    app.stop().await;
}

#[tokio::test]
async fn a_real_opening_of_three_sealed_bids_is_published_only_after_the_deadline() {
    use crate::award::{open_and_decrypt, open_by_staff, register_and_bid, registered_section};
    let app = TestApp::spawn().await;
    let mut t = registered_section(&app, "construction").await;
    open_by_staff(&app, &t).await;
    register_and_bid(&app, &mut t).await;
    // Three sealed bids are in, the deadline has not come: nothing about them is served.
    app.drain_consumer("publishing.lifecycle").await;
    // (No tender announcement in this flow: the feed is empty, which the package schema's
    // `minItems` would refuse, so it is read without validation.)
    let (_, pkg) = app.get(None, "/api/v1/ocds/releases?limit=500").await;
    let before = pkg["releases"].as_array().expect("releases").clone();
    let text = serde_json::to_string(&before).expect("json");
    assert!(
        !text.contains("\"bids\"") && !text.contains("numberOfTenderers"),
        "{text}"
    );
    open_and_decrypt(&app, &mut t).await;
    app.drain_consumer("publishing.lifecycle").await;
    let rels = served(&app).await;
    assert_eq!(rels.len(), before.len() + 1);
    let r = rels.last().expect("opening release");
    assert_eq!(r["tag"], json!(["tenderUpdate"]));
    assert_eq!(
        r["ocid"],
        json!(format!("{}-{}", app.ctx.settings.ocid_prefix, t.project_id))
    );
    assert_eq!(r["tender"]["numberOfTenderers"], 3, "{r:#}");
    // The status follows the opening record: decrypted and priced, deposit not missing/invalid.
    let rec = crate::award::wait_event(&app, "projects.opening.recorded", &t.section_id).await;
    let mut opened: Vec<(String, f64)> = r["bids"]["details"]
        .as_array()
        .expect("bids")
        .iter()
        .map(|b| {
            let e = rec["entries"]
                .as_array()
                .expect("entries")
                .iter()
                .find(|e| e["bid_id"] == b["id"])
                .expect("entry of the bid");
            let deposit_bad = matches!(e["deposit"].as_str(), Some("missing" | "invalid"));
            assert_eq!(e["decryption"], "decrypted");
            let want = if deposit_bad { "disqualified" } else { "valid" };
            assert_eq!(b["status"], want, "{b} / {e}");
            (
                b["tenderers"][0]["name"]
                    .as_str()
                    .expect("name")
                    .to_string(),
                b["value"]["amount"].as_f64().expect("amount"),
            )
        })
        .collect();
    opened.sort_by(|a, b| a.1.total_cmp(&b.1));
    let prices: Vec<f64> = opened.iter().map(|(_, p)| *p).collect();
    assert_eq!(prices, [9480000.5, 9650000.0, 9720000.0]);
    // Every tenderer is identified by its USCC.
    for p in r["parties"].as_array().expect("parties") {
        if p["roles"] == json!(["tenderer"]) {
            assert_eq!(p["identifier"]["scheme"], "CN-USCC", "{p}");
            assert_eq!(
                p["id"],
                json!(format!(
                    "CN-USCC-{}",
                    p["identifier"]["id"].as_str().expect("id")
                ))
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn the_re_key_migration_moves_a_section_keyed_release_to_its_project() {
    let app = TestApp::spawn().await;
    let reg = register(&app, "construction", "某道路改造工程", DEADLINE_APR_1).await;
    // A release as stored before migration 0125: keyed by its section.
    let old = json!({"id": "tender-old", "date": "2026-03-02T01:00:00+00:00", "tag": ["tender"],
        "initiationType": "tender", "tender": {"id": reg.section_id, "status": "active"}});
    sqlx::query(
        "INSERT INTO ocds_releases (id, ocid, section_id, market, tag, released_at, release, source) \
         VALUES ('r-old', $1, $1, 'construction', 'tender', 1, $2, 'old:1')",
    )
    .bind(&reg.section_id)
    .bind(old.to_string())
    .execute(app.ctx.db.pool())
    .await
    .expect("insert");
    // The migration's re-key statement (its first), run again on this database.
    let sql = std::fs::read_to_string(format!(
        "{}/../migrations/0125_ocds_project_ocid.sql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("migration");
    let update: String = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    let update = update.split(';').next().expect("statement");
    assert!(
        update.trim_start().starts_with("UPDATE ocds_releases"),
        "{update}"
    );
    sqlx::query(update)
        .execute(app.ctx.db.pool())
        .await
        .expect("re-key");
    let prefix = &app.ctx.settings.ocid_prefix;
    let (s, pkg) = app
        .get(
            None,
            &format!("/api/v1/ocds/records/{prefix}-{}", reg.project_id),
        )
        .await;
    assert_eq!(s, 200, "{pkg}");
    assert_eq!(pkg["records"][0]["releases"][0]["id"], "tender-old");
    assert_eq!(
        pkg["records"][0]["releases"][0]["ocid"],
        json!(format!("{prefix}-{}", reg.project_id))
    );
    // The former ocid answers 308 to the project's record (relative Location).
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(app.url(&format!("/api/v1/ocds/records/{prefix}-{}", reg.section_id)))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 308);
    assert_eq!(
        r.headers().get("location").and_then(|l| l.to_str().ok()),
        Some(format!("/api/v1/ocds/records/{prefix}-{}", reg.project_id).as_str())
    );
    // An ocid nobody had is still 404.
    let (s, _) = app
        .get(
            None,
            &format!("/api/v1/ocds/records/{prefix}-no-such-section"),
        )
        .await;
    assert_eq!(s, 404);
    app.stop().await;
}
