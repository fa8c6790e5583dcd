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
