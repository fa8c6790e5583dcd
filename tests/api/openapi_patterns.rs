//! The OpenAPI document states the code formats the server enforces on request bodies (issue 22
//! item 6): every USCC (GB 32100-2015) and resident ID (GB 11643-1999) input carries its pattern
//! and length, including the items of arrays of USCCs, so generated requests (schemathesis) reach
//! the operation instead of being refused for a malformed code.

use ggzy_api_tests::TestApp;
use serde_json::Value;

const USCC: &str = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$";
const RID: &str = "^[0-9]{17}[0-9X]$";

/// The schema of `name`'s property `prop`, following one `$ref` (and an array's items when `items`).
fn prop<'a>(doc: &'a Value, name: &str, prop: &str, items: bool) -> &'a Value {
    let schemas = &doc["components"]["schemas"];
    let resolve = |v: &'a Value| -> &'a Value {
        let v = match v.get("oneOf").and_then(|o| o.as_array()) {
            // Option<T> of a referenced type: [{"type":"null"}, {"$ref": …}]
            Some(alts) => alts.iter().find(|a| a.get("$ref").is_some()).unwrap_or(v),
            None => v,
        };
        match v["$ref"].as_str() {
            Some(r) => &schemas[r.rsplit('/').next().unwrap()],
            None => v,
        }
    };
    let p = resolve(&schemas[name]["properties"][prop]);
    if items {
        resolve(&p["items"])
    } else {
        p
    }
}

#[tokio::test]
async fn every_uscc_and_resident_id_input_carries_its_pattern() {
    let app = TestApp::spawn().await;
    let (s, doc) = app.get(None, "/api/openapi.json").await;
    assert_eq!(s, 200);
    for (schema, field, items, pattern) in [
        ("NewSanction", "uscc", false, USCC),
        ("NewRelation", "related_uscc", false, USCC),
        ("ProjectDraft", "tenderer_uscc", false, USCC),
        ("NewOrganization", "uscc", false, USCC),
        ("NewExpert", "employer_uscc", false, USCC),
        ("NewExpert", "resident_id", false, RID),
        ("NewExpert", "conflicts", true, USCC),
        ("DrawRequest", "tenderer_uscc", false, USCC),
        ("DrawRequest", "bidder_usccs", true, USCC),
        ("DrawSpec", "tenderer_uscc", false, USCC),
        ("DrawSpec", "agency_uscc", false, USCC),
        ("DrawSpec", "bidder_usccs", true, USCC),
        ("ExpertIdentity", "resident_id", false, RID),
        ("NewPerson", "resident_id", false, RID),
        ("DoorRequest", "resident_id", false, RID),
    ] {
        let p = prop(&doc, schema, field, items);
        assert_eq!(p["pattern"], pattern, "{schema}.{field}: {p}");
    }
    for (schema, field) in [
        ("NewSanction", "uscc"),
        ("ProjectDraft", "tenderer_uscc"),
        ("DoorRequest", "resident_id"),
    ] {
        assert_eq!(
            prop(&doc, schema, field, false)["maxLength"],
            18,
            "{schema}.{field}"
        );
    }
    // An invitation never creates an administrator (the server refuses `admin` whatever the
    // organization): the schema's enum leaves it out.
    let roles = prop(&doc, "NewInvitation", "role", false)["enum"].clone();
    let roles: Vec<&str> = roles
        .as_array()
        .expect("role enum")
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        roles.contains(&"bidder") && roles.contains(&"staff"),
        "{roles:?}"
    );
    assert!(!roles.contains(&"admin"), "{roles:?}");
    app.stop().await;
}

/// The schema's pointer `ptr` (under `#/components/schemas/`) as a validator over the whole document.
fn validator(doc: &Value, ptr: &str) -> jsonschema::Validator {
    let mut root = doc.clone();
    root["$ref"] = Value::String(format!("#/components/schemas/{ptr}"));
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .unwrap_or_else(|e| panic!("{ptr}: {e}"))
}

/// What schemathesis found refused although the schema admitted it (docs/testing.md, the
/// classification): blank text where the server requires text, a `date-time` that is `""` (in
/// OpenAPI 3.1 `format` is only an annotation), codes without their pattern, free strings where the
/// server takes one of a few words. Each bad value is one the server refused in that run; each good
/// value is one the server accepts. The schema now says the same.
#[tokio::test]
async fn the_schema_refuses_what_the_server_refuses_for_its_form() {
    use serde_json::json;
    let app = TestApp::spawn().await;
    let (s, doc) = app.get(None, "/api/openapi.json").await;
    assert_eq!(s, 200);
    let cases: &[(&str, Value, Value)] = &[
        (
            "Approval",
            json!({"publish_at": ""}),
            json!({"publish_at": "2026-12-07T09:00:00+08:00"}),
        ),
        (
            "Approval",
            json!({"publish_at": "2026-12-07 09:00"}),
            json!({"publish_at": "2026-12-07T01:00:00.125Z"}),
        ),
        (
            "AnnouncementReturn",
            json!({"reason": "  "}),
            json!({"reason": "缺少资格条件"}),
        ),
        (
            "Withdrawal",
            json!({"reason": ""}),
            json!({"reason": "项目终止"}),
        ),
        (
            "AnnouncementDraft/properties/type",
            json!("notice"),
            json!("candidate_publicity"),
        ),
        (
            "AnnouncementDraft/properties/market",
            json!("mining"),
            json!("land"),
        ),
        (
            "AnnouncementDraft/properties/fields",
            json!("x"),
            json!({"project_name": "道路"}),
        ),
        (
            "NewListing/properties/starting_price",
            json!("1e5"),
            json!("100000.00"),
        ),
        (
            "NewListing/properties/extension_minutes",
            json!(0),
            json!(5),
        ),
        (
            "NewListing/properties/final_auction",
            json!("phone"),
            json!("onsite"),
        ),
        (
            "RelistRequest/properties/kind",
            json!("again"),
            json!("lower_floor"),
        ),
        (
            "RelistRequest/properties/listing_start",
            json!(""),
            json!("2026-12-07T09:00:00+08:00"),
        ),
        ("RelistRefusal", json!({}), json!({"reason": "底价过低"})),
        (
            "NewGuarantee/properties/issuer",
            json!(" "),
            json!("中国银行大连分行"),
        ),
        (
            "NewExpert/properties/region",
            json!("002100"),
            json!("210200"),
        ),
        (
            "NewExpert/properties/phone",
            json!("12345"),
            json!("13812345678"),
        ),
        (
            "NewExpert/properties/status",
            json!("away"),
            json!("suspended"),
        ),
        (
            "NewExpert/properties/specialties",
            json!(["a08"]),
            json!(["A08.02"]),
        ),
        (
            "NewExpert/properties/suspended_from",
            json!(""),
            json!(null),
        ),
        (
            "SpecialtyCount/properties/specialty",
            json!("A08.02.01.03.04"),
            json!("A08"),
        ),
        (
            "NewRelation/properties/kind",
            json!("friend"),
            json!("control"),
        ),
        (
            "NewSanction/properties/kind",
            json!("banned"),
            json!("dishonest"),
        ),
        (
            "NewSanction/properties/from",
            json!(""),
            json!("2026-12-31"),
        ),
        (
            "FaultDeclarationInput/properties/fault",
            json!("bidder"),
            json!("ca"),
        ),
        (
            "RaiseInput/properties/kind",
            json!("appeal"),
            json!("challenge"),
        ),
        (
            "RaiseInput/properties/target",
            json!("price"),
            json!("documents"),
        ),
        (
            "RaiseInput/properties/known_on",
            json!(""),
            json!("2026-12-04"),
        ),
        (
            "NewOrganization/properties/region",
            json!("21020"),
            json!("210200"),
        ),
        (
            "NewUser/properties/password",
            json!("short"),
            json!("long-enough-password"),
        ),
        (
            "NewUser/properties/username",
            json!("a b"),
            json!("bidder.one"),
        ),
        (
            "KeySubmission/properties/key",
            json!("AB=="),
            json!("AAAAAAAAAAAAAAAAAAAAAA=="),
        ),
        (
            "NewOverride/properties/field",
            json!("anything"),
            json!("deadline_min_days"),
        ),
        (
            "OverrideRemoval/properties/reason",
            json!(""),
            json!("恢复国家标准"),
        ),
        (
            "RaiseInput",
            json!({"kind": "objection", "target": "result", "grounds": "\n"}),
            json!({"kind": "objection", "target": "result", "grounds": "评分有误"}),
        ),
        (
            "NewExpertRelation/properties/kind",
            json!("friend"),
            json!("kinship"),
        ),
        (
            "NewExpertRelation",
            json!({"kind": "employment"}),
            json!({"kind": "employment", "org_name": "某设计院", "source": "社保缴纳记录"}),
        ),
        (
            "NewInterestedParty/properties/relation",
            json!("friend"),
            json!("shareholding"),
        ),
        (
            "NewListing/properties/continuation",
            json!("always"),
            json!("on_request"),
        ),
    ];
    for (ptr, bad, good) in cases {
        let v = validator(&doc, ptr);
        assert!(!v.is_valid(bad), "{ptr}: the schema admits {bad}");
        assert!(v.is_valid(good), "{ptr}: the schema refuses {good}");
    }
    // The date-time pattern admits only what the server's parser reads.
    let v = validator(&doc, "Approval/properties/publish_at");
    for s in [
        "2026-12-07T09:00:00+08:00",
        "2026-12-07T01:00:00Z",
        "2026-12-07T01:00:00.123456789-05:30",
        "0001-01-01T00:00:00Z",
    ] {
        assert!(v.is_valid(&json!(s)), "{s}");
        serde_json::from_value::<chrono::DateTime<chrono::Utc>>(json!(s))
            .unwrap_or_else(|e| panic!("{s}: the pattern admits what the server refuses: {e}"));
    }
    // Every date and date-time string of the document carries a pattern.
    fn walk(v: &Value, path: &str, missing: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if matches!(
                    m.get("format").and_then(Value::as_str),
                    Some("date" | "date-time")
                ) && m.get("pattern").is_none()
                {
                    missing.push(path.to_string());
                }
                for (k, c) in m {
                    walk(c, &format!("{path}/{k}"), missing);
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    walk(c, &format!("{path}/{i}"), missing);
                }
            }
            _ => {}
        }
    }
    let mut missing = Vec::new();
    walk(&doc, "", &mut missing);
    assert!(missing.is_empty(), "dates without a pattern: {missing:?}");
    app.stop().await;
}

/// utoipa names a component after its Rust type and keeps only one schema per name: two request
/// types with the same name in two crates silently share one schema (the re-tender `Approval`
/// replaced publishing's announcement `Approval` this way). Every `ToSchema` type name is unique
/// in the workspace, or renamed with `#[schema(as = …)]`.
#[test]
fn no_two_schema_types_share_a_component_name() {
    use std::collections::BTreeMap;
    fn rs_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                rs_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    let mut files = Vec::new();
    rs_files(&root, &mut files);
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim_start();
            let Some(rest) = t
                .strip_prefix("pub struct ")
                .or_else(|| t.strip_prefix("pub enum "))
                .or_else(|| t.strip_prefix("pub(crate) struct "))
                .or_else(|| t.strip_prefix("struct "))
            else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // The attributes right above the item.
            let mut derives_schema = false;
            let mut renamed = None;
            for a in lines[..i].iter().rev() {
                let a = a.trim();
                if !(a.starts_with("#[")
                    || a.starts_with("///")
                    || a.starts_with("//")
                    || a.ends_with(")]")
                    || a.starts_with(')')
                    || a.ends_with(','))
                {
                    break;
                }
                if a.contains("ToSchema") && a.contains("derive") {
                    derives_schema = true;
                }
                if let Some(x) = a.split("as = ").nth(1) {
                    renamed = Some(
                        x.chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect::<String>(),
                    );
                }
            }
            if derives_schema {
                names
                    .entry(renamed.unwrap_or(name))
                    .or_default()
                    .push(f.display().to_string());
            }
        }
    }
    let dup: Vec<_> = names.iter().filter(|(_, v)| v.len() > 1).collect();
    assert!(dup.is_empty(), "schema names used twice: {dup:#?}");
}
