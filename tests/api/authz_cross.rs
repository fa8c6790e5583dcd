//! Cross-organization authorization: every operation of the served OpenAPI document, called by a
//! user of the *wrong* organization for each organization role (tenderer2, agency2, bidder2 — the
//! second tenderer, agency and bidder organizations of the demo data) and anonymously, against real
//! resources of the first organizations (a project and section of `tenderer` with `bidder1`
//! registered, a draft announcement with an attachment, a relation `bidder1` declared, a booking of
//! `agency`). Staff, supervisors and admin are centre-wide and have no "other organization".
//!
//! The operations come from `/api/openapi.json`, not from a hand list; what each operation must do
//! for a stranger is declared in [`CROSS`] (one entry for every operation that admits an
//! organization role and names a resource in its path) or follows from the role table of
//! `authz.rs`:
//! - the caller's role is not admitted (authz `TABLE`) → 401/403/404 (the role check);
//! - `owned`: the path names the first organization's resource → 403 or 404, nothing else;
//! - `mine`: the operation acts on the caller's own organization's part of the resource (its own
//!   bid, registration, deposit) → a read answers nothing of the victim's (no victim marker in
//!   the body), a write is refused (4xx) because the stranger has nothing there;
//! - `list` (default for operations without a resource in the path): a 2xx answer carries no marker
//!   of the victim's confidential resources (ids of the unpublished project, draft announcement,
//!   attachment, relation, booking, registration, bidder1's organization);
//! - `skip:<why>`: not called, because it legitimately changes something for the caller (creates
//!   its own project, registers for an open section, signs out).
//!
//! After the walk nothing may have changed: the event log (every write emits an event in its
//! transaction) has the same number of events and the victims' resources read back the same.

use crate::authz::{operations, parse, Op, MISSING_ID, TABLE};
use ggzy_api_tests::{fixtures::road_project, into_parts, TestApp};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The strangers: (role, user of the second organization of that role).
const STRANGERS: [(&str, &str); 3] = [
    ("tenderer", "tenderer2"),
    ("agency", "agency2"),
    ("bidder", "bidder2"),
];

/// `METHOD path` → `roles: class; roles: class`, roles among `anonymous tenderer agency bidder`
/// (`*` = all four). Only needed where a stranger's role is admitted and the path names a
/// resource, or to skip a write.
const CROSS: &[(&str, &str)] = &[
    // The caller's own session.
    ("POST /api/v1/auth/logout", "*: skip:ends the caller's own session"),
    ("POST /api/v1/auth/login", "*: skip:signs the caller in"),
    // Creates a project in the caller's own organization (owner = caller's organization).
    ("POST /api/v1/projects", "*: skip:creates the caller's own project"),
    ("GET /api/v1/projects/{id}", "*: owned"),
    // Public by nature: the holiday calendar and the feed files (checked for the victim's ids).
    ("GET /api/v1/calendar/{year}", "*: list"),
    ("GET /feeds/{file}", "*: list"),
    // The OCDS record of a section nobody announced yet is nobody's business.
    ("GET /api/v1/ocds/records/{ocid}", "*: owned"),
    ("PUT /api/v1/projects/{id}", "*: owned"),
    ("POST /api/v1/projects/{id}/submit", "*: owned"),
    ("POST /api/v1/projects/{id}/approve", "*: owned"),
    ("POST /api/v1/projects/{id}/return", "*: owned"),
    ("POST /api/v1/sections/{id}/open-bidding", "*: owned"),
    // Any bidder may register for a section open for bidding (招标投标法 第二十六条 … open tender).
    (
        "POST /api/v1/sections/{id}/registrations",
        "anonymous tenderer agency: owned; bidder: skip:any bidder may register for an open section",
    ),
    (
        "GET /api/v1/sections/{id}/registrations",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    ("POST /api/v1/organizations/{id}/relations", "*: owned"),
    ("GET /api/v1/organizations/{id}/relations", "*: owned"),
    (
        "DELETE /api/v1/organizations/{id}/relations/{relation_id}",
        "*: owned",
    ),
    (
        "POST /api/v1/organizations/{id}/relations/{relation_id}/verify",
        "*: owned",
    ),
    ("GET /api/v1/organizations/{id}", "*: owned"),
    ("POST /api/v1/organizations/{id}/invitations", "*: owned"),
    ("POST /api/v1/users/{id}/disable", "*: owned"),
    ("PUT /api/v1/users/{id}/roles", "*: owned"),
    ("POST /api/v1/sanctions/{id}/end", "*: owned"),
    ("PUT /api/v1/sections/{id}/bids/mine", "*: mine"),
    ("DELETE /api/v1/sections/{id}/bids/mine", "*: mine"),
    ("GET /api/v1/sections/{id}/bids/mine", "*: mine"),
    ("GET /api/v1/sections/{id}/bids/mine/receipts", "*: mine"),
    ("POST /api/v1/sections/{id}/bids/mine/key", "*: mine"),
    (
        "GET /api/v1/sections/{id}/opening",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    ("POST /api/v1/sections/{id}/evaluation-result", "*: owned"),
    (
        "GET /api/v1/sections/{id}/evaluation-result",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    // Bidders and other interested parties may object (实施条例 第六十条); the section's
    // bidding is under way, so the objection itself is checked by the projects area.
    (
        "POST /api/v1/sections/{id}/objections",
        "anonymous tenderer agency: owned; bidder: skip:interested parties may object (实施条例 第六十条)",
    ),
    (
        "GET /api/v1/sections/{id}/objections",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    ("POST /api/v1/objections/{id}/answer", "*: owned"),
    ("POST /api/v1/sections/{id}/award", "*: owned"),
    (
        "GET /api/v1/sections/{id}/award",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    ("POST /api/v1/sections/{id}/contract", "*: owned"),
    ("POST /api/v1/sections/{id}/terminate", "*: owned"),
    (
        "POST /api/v1/announcements",
        "*: skip:creates the caller's own draft (another organization's project is refused: security::an_agency_cannot_announce_another_organizations_project)",
    ),
    ("GET /api/v1/announcements/{id}", "*: owned"),
    ("PUT /api/v1/announcements/{id}", "*: owned"),
    ("POST /api/v1/announcements/{id}/submit", "*: owned"),
    ("POST /api/v1/announcements/{id}/approve", "*: owned"),
    ("POST /api/v1/announcements/{id}/withdraw", "*: owned"),
    ("POST /api/v1/announcements/{id}/attachments", "*: owned"),
    (
        "GET /api/v1/announcements/{id}/attachments/{attachment_id}",
        "*: owned",
    ),
    (
        "POST /api/v1/deposits/accounts",
        "*: skip:a bidder opens its own deposit account for a section",
    ),
    (
        "POST /api/v1/deposits/guarantees",
        "*: skip:a bidder records its own guarantee",
    ),
    // The draw's commitment is public (anyone may verify a draw); the committee is confidential
    // until publicized (招标投标法 第三十七条), checked in experts.rs.
    ("GET /api/v1/experts/draws/{id}", "*: mine"),
    ("GET /api/v1/experts/draws/{id}/verify", "*: mine"),
    ("POST /api/v1/experts/draws/{id}/ratings", "*: owned"),
    // Auctions of land and property are public sales; a stranger's bid is refused for want of a
    // registration and deposit.
    ("GET /api/v1/auctions/{id}", "*: mine"),
    ("GET /api/v1/auctions/{id}/stream", "*: mine"),
    ("POST /api/v1/auctions/{id}/bids", "*: owned"),
    ("PUT /api/v1/sections/{id}/evaluation-method", "*: owned"),
    (
        "GET /api/v1/sections/{id}/evaluation/clarifications",
        "*: mine",
    ),
    (
        "POST /api/v1/evaluation/clarifications/{id}/answer",
        "*: owned",
    ),
    (
        "POST /api/v1/sessions",
        "*: skip:books an evaluation session for the caller's own section",
    ),
    (
        "POST /api/v1/bookings",
        "*: skip:books a room for the caller's own organization",
    ),
    ("GET /api/v1/sessions/{id}", "*: owned"),
    ("POST /api/v1/sessions/{id}/move", "*: owned"),
    ("POST /api/v1/sessions/{id}/cancel", "*: owned"),
    ("POST /api/v1/bookings/{id}/move", "*: owned"),
    ("POST /api/v1/bookings/{id}/confirm", "*: owned"),
    ("POST /api/v1/bookings/{id}/cancel", "*: owned"),
    ("POST /api/v1/bookings/{id}/roster", "*: owned"),
    ("GET /api/v1/bookings/{id}/roster", "*: owned"),
    ("GET /api/v1/bookings/{id}/report", "*: owned"),
];

#[derive(Debug, Clone, PartialEq)]
enum Class {
    Owned,
    Mine,
    List,
    Skip(String),
}

fn classes(spec: &str) -> BTreeMap<String, Class> {
    let mut out = BTreeMap::new();
    for part in spec.split("; ") {
        let (roles, class) = part.split_once(": ").expect("roles: class");
        let class = match class {
            "owned" => Class::Owned,
            "mine" => Class::Mine,
            "list" => Class::List,
            c => Class::Skip(
                c.strip_prefix("skip:")
                    .unwrap_or_else(|| panic!("unknown class {c}"))
                    .to_string(),
            ),
        };
        let roles: Vec<&str> = if roles == "*" {
            vec!["anonymous", "tenderer", "agency", "bidder"]
        } else {
            roles.split_whitespace().collect()
        };
        for r in roles {
            out.insert(r.to_string(), class.clone());
        }
    }
    out
}

/// The first organizations' resources.
struct Victim {
    project: String,
    section: String,
    tenderer_org: String,
    bidder_org: String,
    registration: String,
    relation: String,
    announcement: String,
    attachment: String,
    booking: String,
    /// The OCDS id of the section (`<prefix>-<section id>`).
    ocid: String,
}

impl Victim {
    /// Ids no stranger may see anywhere (the section id is left out: a stranger names it in
    /// its own requests and answers may echo it).
    fn markers(&self) -> Vec<&str> {
        vec![
            &self.project,
            &self.bidder_org,
            &self.registration,
            &self.relation,
            &self.announcement,
            &self.attachment,
            &self.booking,
        ]
    }

    /// The value of path parameter `name` of `template` for a caller of `role`: the victim's
    /// resource where one exists, else the placeholder (`None` then: nothing real was tried).
    fn path_value(&self, template: &str, name: &str, role: &str) -> Option<String> {
        let prefix = template.split(&format!("{{{name}}}")).next().unwrap_or("");
        let v = match (prefix, name) {
            (p, "id") if p.ends_with("/projects/") => &self.project,
            (p, "id") if p.ends_with("/sections/") => &self.section,
            (p, "id") if p.ends_with("/organizations/") => {
                if role == "bidder" {
                    &self.bidder_org
                } else {
                    &self.tenderer_org
                }
            }
            (_, "relation_id") => &self.relation,
            (p, "id") if p.ends_with("/announcements/") => &self.announcement,
            (_, "attachment_id") => &self.attachment,
            (p, "id") if p.ends_with("/bookings/") => &self.booking,
            (_, "ocid") => &self.ocid,
            _ => return None,
        };
        Some(v.clone())
    }
}

async fn setup(app: &TestApp) -> Victim {
    let reg = app
        .bidding_section(
            road_project("跨组织授权测试工程", "2026-03-23T09:30:00+08:00"),
            &["bidder1"],
        )
        .await;
    let tenderer_org = app.org_of(&reg.tenderer).await;
    let bidder1 = app.login("bidder1").await;
    let bidder_org = app.org_of(&bidder1).await;
    let regs = app
        .get_expect(
            &bidder1,
            &format!("/api/v1/sections/{}/registrations", reg.section_id),
            200,
        )
        .await;
    let registration = regs
        .as_array()
        .and_then(|a| a.first())
        .or_else(|| regs["items"].as_array().and_then(|a| a.first()))
        .and_then(|r| r["id"].as_str())
        .unwrap_or_else(|| panic!("bidder1's registration: {regs}"))
        .to_string();
    let bidder3 = app.login("bidder3").await;
    let org3 = app.org_of(&bidder3).await;
    let o3 = app
        .get_expect(&bidder3, &format!("/api/v1/organizations/{org3}"), 200)
        .await;
    let rel = app
        .post_expect(
            &bidder1,
            &format!("/api/v1/organizations/{bidder_org}/relations"),
            json!({"related_uscc": o3["uscc"], "kind": "control"}),
            201,
        )
        .await;
    let relation = rel["id"].as_str().expect("relation id").to_string();

    // A draft announcement of the project, with an attachment (publishing learns the project from
    // its events).
    app.seal().await;
    let mut body = json!({
        "market": "construction", "type": "tender", "title": "跨组织授权测试公告",
        "body": "## 招标条件",
        "project_id": reg.project_id,
        "section_ids": [reg.section_id],
        "fields": {
            "project_name": "跨组织授权测试工程", "scope": "道路改造 3.2 公里", "scale": "估算价 1000 万元",
            "funding": "财政资金", "qualification_requirements": "市政公用工程施工总承包三级及以上",
            "consortium_accepted": false, "documents_access": "登录平台免费下载",
            "docs_available_at": "2026-03-02T09:00:00+08:00", "bid_deadline": "2026-03-23T09:30:00+08:00",
            "submission_method": "电子投标", "tenderer_contact": "大连市市政建设管理处，0411-00000000",
            "platform_url": "https://ggzy.example.cn",
        },
    });
    let mut drafted = None;
    for _ in 0..300 {
        let (s, v) = app
            .post(Some(&reg.tenderer), "/api/v1/announcements", body.clone())
            .await;
        if s == 422 && v.to_string().contains("announcement.project_unknown") {
            tokio::time::sleep(Duration::from_millis(30)).await;
            continue;
        }
        drafted = Some((s, v));
        break;
    }
    let (s, a) = drafted.expect("publishing never learnt the project");
    if s != 201 {
        // Older drafts do not link sections: without them.
        body.as_object_mut().expect("object").remove("section_ids");
        let (s2, a2) = app
            .post(Some(&reg.tenderer), "/api/v1/announcements", body)
            .await;
        assert_eq!(s2, 201, "{a} / {a2}");
    }
    let announcement = a["id"].as_str().expect("announcement id").to_string();
    let pdf = b"%PDF-1.4\n% cross-organization test\n".to_vec();
    let r = app
        .client
        .post(app.url(&format!(
            "/api/v1/announcements/{announcement}/attachments?name=tender.pdf"
        )))
        .bearer_auth(&reg.tenderer)
        .header("content-type", "application/pdf")
        .body(pdf)
        .send()
        .await
        .expect("upload");
    let (s, att) = into_parts(r).await;
    assert_eq!(s, 201, "{att}");
    let attachment = att["id"].as_str().expect("attachment id").to_string();

    // A booking of the first agency.
    let agency = app.login("agency").await;
    let room = app
        .post_expect(
            &reg.staff,
            "/api/v1/rooms",
            json!({"kind": "negotiation_room", "name": "谈判室 909", "floor": 9, "capacity": 8}),
            201,
        )
        .await;
    let b = app
        .post_expect(
            &agency,
            "/api/v1/bookings",
            json!({"room_id": room["id"], "section_id": reg.section_id, "purpose": "negotiation",
                   "start": "2026-03-04T09:00:00+08:00", "end": "2026-03-04T11:00:00+08:00"}),
            201,
        )
        .await;
    let booking = b["id"].as_str().expect("booking id").to_string();
    app.seal().await;
    Victim {
        ocid: format!("{}-{}", app.ctx.settings.ocid_prefix, reg.section_id),
        project: reg.project_id,
        section: reg.section_id,
        tenderer_org,
        bidder_org,
        registration,
        relation,
        announcement,
        attachment,
        booking,
    }
}

/// Status, content type and body of one call; a streaming answer (SSE) is not read.
async fn call(app: &TestApp, op: &Op, token: Option<&str>) -> (u16, String, String) {
    let method = reqwest::Method::from_bytes(op.method.as_bytes()).expect("method");
    let mut rb = app
        .client
        .request(method, app.url(&op.path))
        .query(&op.query)
        .timeout(Duration::from_secs(30));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some((ct, bytes)) = &op.body {
        rb = rb.header("content-type", ct).body(bytes.clone());
    }
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    let ct = ggzy_api_tests::content_type(&r);
    let text = if ct.starts_with("text/event-stream") {
        String::new()
    } else {
        r.text().await.unwrap_or_default()
    };
    (status, ct, text)
}

/// What the owners read of their resources (compared before and after the walk).
async fn owners_view(app: &TestApp, v: &Victim) -> Vec<(u16, Value)> {
    let tenderer = app.login("tenderer").await;
    let bidder1 = app.login("bidder1").await;
    let agency = app.login("agency").await;
    let bidder_org = &v.bidder_org;
    vec![
        app.get(Some(&tenderer), &format!("/api/v1/projects/{}", v.project))
            .await,
        app.get(
            Some(&tenderer),
            &format!("/api/v1/announcements/{}", v.announcement),
        )
        .await,
        app.get(
            Some(&bidder1),
            &format!("/api/v1/organizations/{bidder_org}/relations"),
        )
        .await,
        app.get(
            Some(&bidder1),
            &format!("/api/v1/sections/{}/registrations", v.section),
        )
        .await,
        app.get(
            Some(&agency),
            &format!("/api/v1/bookings/{}/roster", v.booking),
        )
        .await,
    ]
}

/// `op` with the victim's ids in its path and query; whether a real resource was named.
fn aimed(op: &Op, v: &Victim, role: &str) -> (Op, bool) {
    let template = op.key.split_once(' ').expect("METHOD path").1;
    let mut path = template.to_string();
    let mut real = false;
    while let Some(start) = path.find('{') {
        let end = path[start..].find('}').expect("closing brace") + start;
        let name = path[start + 1..end].to_string();
        let value = match v.path_value(template, &name, role) {
            Some(x) => {
                real = true;
                x
            }
            None => match name.as_str() {
                "day" => "2026-03-02".into(),
                "ocid" => "ocds-placeholder-1".into(),
                "file" => "placeholder.xml".into(),
                "year" => "2026".into(),
                _ => MISSING_ID.into(),
            },
        };
        path.replace_range(start..=end, &value);
    }
    let query = op
        .query
        .iter()
        .map(|(k, val)| match k.as_str() {
            "section_id" => (k.clone(), v.section.clone()),
            "project_id" => (k.clone(), v.project.clone()),
            _ => (k.clone(), val.clone()),
        })
        .collect();
    (
        Op {
            key: op.key.clone(),
            method: op.method.clone(),
            path,
            query,
            body: op.body.clone(),
        },
        real,
    )
}

#[tokio::test]
async fn no_operation_lets_another_organization_read_or_change_a_resource() {
    let app = TestApp::spawn().await;
    let victim = setup(&app).await;
    let (s, doc) = app.get(None, "/api/openapi.json").await;
    assert_eq!(s, 200);
    let table: BTreeMap<&str, _> = TABLE.iter().map(|(k, v)| (*k, parse(v))).collect();
    let cross: BTreeMap<&str, BTreeMap<String, Class>> =
        CROSS.iter().map(|(k, v)| (*k, classes(v))).collect();
    assert_eq!(cross.len(), CROSS.len(), "duplicate entries in CROSS");

    let ops = operations(&doc);
    let keys: BTreeSet<&str> = ops.iter().map(|o| o.key.as_str()).collect();
    let stale: Vec<&&str> = cross.keys().filter(|k| !keys.contains(**k)).collect();
    assert!(
        stale.is_empty(),
        "CROSS entries the document no longer has: {stale:#?}"
    );

    let mut tokens = vec![("anonymous", None)];
    for (role, user) in STRANGERS {
        tokens.push((role, Some(app.login(user).await)));
    }
    let before_view = owners_view(&app, &victim).await;
    app.seal().await;
    let before_events = app.scalar_i64("SELECT COUNT(*) FROM events").await;

    let mut failures = Vec::new();
    let mut undeclared = BTreeSet::new();
    let (mut calls, mut real_calls) = (0, 0);
    for op in &ops {
        let exp = table
            .get(op.key.as_str())
            .unwrap_or_else(|| panic!("{} has no entry in authz TABLE", op.key));
        let has_path_id = op.key.contains('{');
        for (role, token) in &tokens {
            let admitted = if token.is_none() {
                exp.public
            } else {
                exp.roles.contains(*role)
            };
            let class = match cross.get(op.key.as_str()).and_then(|c| c.get(*role)) {
                Some(c) => c.clone(),
                None if !admitted => Class::Owned,
                None if !has_path_id => Class::List,
                None => {
                    undeclared.insert(format!("{} ({role})", op.key));
                    continue;
                }
            };
            if let Class::Skip(_) = class {
                continue;
            }
            let (aimed_op, real) = aimed(op, &victim, role);
            let (status, ct, text) = call(&app, &aimed_op, token.as_deref()).await;
            calls += 1;
            if real {
                real_calls += 1;
            }
            let mut fail = |why: &str| {
                failures.push(format!(
                    "{} as {role} on {}: {why} (got {status} {ct}: {text})",
                    op.key, aimed_op.path
                ))
            };
            if status >= 500 {
                fail("5xx");
                continue;
            }
            match class {
                Class::Owned => {
                    let ok = if token.is_none() && !exp.public {
                        status == 401
                    } else if real {
                        status == 403 || status == 404
                    } else {
                        // A placeholder id names nothing: any refusal tells the stranger nothing.
                        (400..500).contains(&status) && status != 401
                    };
                    if !ok {
                        fail("another organization's resource: expected 403 or 404");
                    }
                }
                Class::Mine if op.method != "GET" => {
                    if status < 400 {
                        fail("a stranger has nothing of its own here: expected a refusal");
                    }
                }
                Class::Mine | Class::List => {
                    if status < 300 && !text.is_empty() {
                        if let Some(m) = victim.markers().into_iter().find(|m| text.contains(m)) {
                            fail(&format!("the answer shows the victim's {m}"));
                        }
                    }
                }
                Class::Skip(_) => unreachable!(),
            }
        }
    }
    assert!(
        undeclared.is_empty(),
        "operations that admit an organization role and name a resource need a CROSS entry: {undeclared:#?}"
    );
    eprintln!("cross-organization walk: {calls} calls, {real_calls} on real resources");
    app.seal().await;
    let after_events = app.scalar_i64("SELECT COUNT(*) FROM events").await;
    let after_view = owners_view(&app, &victim).await;
    assert!(
        failures.is_empty(),
        "{} of {calls} calls broke cross-organization authorization:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        before_events, after_events,
        "the strangers' calls changed the event log"
    );
    assert_eq!(before_view, after_view, "the victims' resources changed");
    // Every call of the walk counts; the victims' real resources were named in many of them.
    assert!(calls >= 3 * TABLE.len(), "{calls} calls");
    assert!(real_calls >= 100, "{real_calls} calls on real resources");
    app.stop().await;
}

/// Found by the walk: `PUT /api/v1/projects/{id}` validated the body before it looked at whose
/// project it was, so another organization's tenderer got 422 with the rule list (learning that the
/// project exists) instead of 403. Now ownership is checked first; the owner still gets the 422.
#[tokio::test]
async fn editing_another_organizations_project_is_refused_before_the_body_is_read() {
    let app = TestApp::spawn().await;
    let tenderer = app.login("tenderer").await;
    let p = app
        .post_expect(
            &tenderer,
            "/api/v1/projects",
            road_project("他人项目", "2026-03-23T09:30:00+08:00"),
            201,
        )
        .await;
    let id = p["id"].as_str().expect("id");
    let path = format!("/api/v1/projects/{id}");
    for stranger in ["tenderer2", "agency2"] {
        let t = app.login(stranger).await;
        // A body that parses but breaks the project rules (was: 422 with the rule list).
        let mut bad = road_project("他人项目", "2026-03-23T09:30:00+08:00");
        bad["market"] = json!("nope");
        bad["sections"] = json!([]);
        let (s, v) = app.put(Some(&t), &path, bad).await;
        assert_eq!(s, 403, "{stranger}: {v}");
        let mut edit = road_project("改名", "2026-03-23T09:30:00+08:00");
        edit["name"] = json!("被他人改名");
        let (s, v) = app.put(Some(&t), &path, edit).await;
        assert_eq!(s, 403, "{stranger}: {v}");
    }
    let mut bad = road_project("他人项目", "2026-03-23T09:30:00+08:00");
    bad["market"] = json!("nope");
    let (s, v) = app.put(Some(&tenderer), &path, bad).await;
    assert_eq!(s, 422, "the owner is told what is wrong: {v}");
    let (_, now) = app.get(Some(&tenderer), &path).await;
    assert_eq!(now["name"], "他人项目", "{now}");
    app.stop().await;
}
