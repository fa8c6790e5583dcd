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
//!
//! A second walk ([`setup_later`]) does the same against the later stages of a trade: a
//! clarification, a guarantee, an expert draw, an evaluation session and an auction of the first
//! organizations, so that no route of those kinds is tested with a placeholder id only.

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
    // Issue 21: a section's invitations, interested parties, prequalification and re-tender are
    // its project's; a bidder applies to and reads its own prequalification only.
    ("POST /api/v1/sections/{id}/invitations", "*: owned"),
    ("GET /api/v1/sections/{id}/invitations", "*: owned"),
    ("POST /api/v1/sections/{id}/interested-parties", "*: owned"),
    ("GET /api/v1/sections/{id}/interested-parties", "*: owned"),
    ("POST /api/v1/sections/{id}/prequalification", "*: owned"),
    (
        "GET /api/v1/sections/{id}/prequalification",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    (
        "POST /api/v1/sections/{id}/prequalification/applications",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    ("POST /api/v1/sections/{id}/prequalification/review", "*: owned"),
    ("POST /api/v1/sections/{id}/retender", "*: owned"),
    ("GET /api/v1/sections/{id}/retender", "*: owned"),
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
    // The candidates are publicized (实施条例 第五十四条): once under publicity the result is
    // everyone's to read (the later-stage walk); before it, 404.
    (
        "GET /api/v1/sections/{id}/evaluation-result",
        "anonymous: owned; tenderer agency bidder: mine",
    ),
    ("POST /api/v1/sections/{id}/award", "*: owned"),
    (
        "GET /api/v1/sections/{id}/award",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    ("POST /api/v1/sections/{id}/contract", "*: owned"),
    ("POST /api/v1/sections/{id}/terminate", "*: owned"),
    ("GET /api/v1/sections/{id}/procurement-award", "*: owned"),
    (
        "POST /api/v1/sections/{id}/procurement-award/report-sent",
        "*: owned",
    ),
    (
        "POST /api/v1/sections/{id}/procurement-award/contract-announcement",
        "*: owned",
    ),
    (
        "POST /api/v1/sections/{id}/procurement-award/filing",
        "*: owned",
    ),
    ("GET /api/v1/sections/{id}/award-report", "*: owned"),
    ("POST /api/v1/sections/{id}/award-report", "*: owned"),
    (
        "GET /api/v1/sections/{id}/qualification-review",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    ("PUT /api/v1/sections/{id}/qualification-review", "*: owned"),
    ("GET /api/v1/sections/{id}/negotiation", "*: owned"),
    ("POST /api/v1/sections/{id}/negotiation", "*: owned"),
    ("POST /api/v1/sections/{id}/nontender-result", "*: owned"),
    ("POST /api/v1/sections/{id}/consultation-exception", "*: owned"),
    ("GET /api/v1/sections/{id}/consultation-exception", "*: owned"),
    ("POST /api/v1/sections/{id}/supplier-invitation", "*: owned"),
    ("GET /api/v1/sections/{id}/supplier-invitation", "*: owned"),
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
    // registration and deposit. A tenderer or agency follows only its own project's listings
    // (the transferor, issue 21).
    (
        "GET /api/v1/auctions/{id}",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    (
        "GET /api/v1/auctions/{id}/stream",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    ("POST /api/v1/auctions/{id}/bids", "*: owned"),
    // A stranger has no bidder number on the section: refused before anything is read.
    ("POST /api/v1/auctions/{id}/continue", "*: owned"),
    // The land contract is the winner's (and the centre's).
    ("GET /api/v1/auctions/{id}/contract", "*: owned"),
    // A property deal's payment schedule is the buyer's and the transferor's (and the centre's).
    ("GET /api/v1/property-deals/{deal_id}/schedule", "*: owned"),
    // A capital increase is the enterprise's (and the centre's).
    ("GET /api/v1/capital-increases/{id}", "*: owned"),
    ("GET /api/v1/capital-increases/{id}/investors", "*: owned"),
    ("POST /api/v1/capital-increases/{id}/selection", "*: owned"),
    ("POST /api/v1/capital-increases/{id}/agreement", "*: owned"),
    ("POST /api/v1/capital-increases/{id}/failure", "*: owned"),
    // Remedies: only the section's bidders raise and read its cases (the raiser of another
    // bidder's case anonymised); a bidder of the later-stage trade is one. The case routes are
    // walked with placeholder ids here and with real cases in remedies.rs.
    (
        "POST /api/v1/sections/{id}/remedies",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    (
        "GET /api/v1/sections/{id}/remedies",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    ("GET /api/v1/remedies/{id}", "*: owned"),
    ("POST /api/v1/remedies/{id}/answer", "*: owned"),
    ("POST /api/v1/remedies/{id}/close", "*: owned"),
    ("POST /api/v1/remedies/{id}/escalate", "*: owned"),
    // Attachments: a stranger uploads nothing to a section it is no party of, and reads no case's.
    (
        "POST /api/v1/sections/{id}/remedies/attachments",
        "anonymous tenderer agency: owned; bidder: mine",
    ),
    (
        "GET /api/v1/remedies/{id}/attachments/{attachment_id}",
        "*: owned",
    ),
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
    /// Path values by resource kind: `project`, `section`, `registration`, `relation`,
    /// `announcement`, `attachment`, `booking`, `ocid` (`<prefix>-<section id>`), and in the
    /// later-stage walk `draw`, `auction`, `auction_section`, `clarification`,
    /// `session`, `guarantee`.
    ids: BTreeMap<&'static str, String>,
    tenderer_org: String,
    bidder_org: String,
    /// Ids no stranger may see anywhere (the section id is left out: a stranger names it in
    /// its own requests and answers may echo it).
    markers: Vec<String>,
    /// What the owners read of their resources, compared before and after the walk: (user, path).
    views: Vec<(&'static str, String)>,
}

impl Victim {
    fn markers(&self) -> impl Iterator<Item = &str> {
        self.markers.iter().map(String::as_str)
    }

    /// The resource kind and value of path parameter `name` of `template` for a caller of
    /// `role`: the victim's resource where one exists, else `None` (the placeholder: nothing
    /// real was tried).
    fn path_value(&self, template: &str, name: &str, role: &str) -> Option<(&'static str, String)> {
        let prefix = template.split(&format!("{{{name}}}")).next().unwrap_or("");
        let kind = match (prefix, name) {
            (p, "id") if p.ends_with("/projects/") => "project",
            (p, "id") if p.ends_with("/sections/") => "section",
            (p, "id") if p.ends_with("/organizations/") => {
                let org = if role == "bidder" {
                    &self.bidder_org
                } else {
                    &self.tenderer_org
                };
                return Some(("organization", org.clone()));
            }
            (_, "relation_id") => "relation",
            (p, "id") if p.ends_with("/announcements/") => "announcement",
            (_, "attachment_id") => "attachment",
            (p, "id") if p.ends_with("/bookings/") => "booking",
            (_, "ocid") => "ocid",
            (p, "id") if p.ends_with("/experts/draws/") => "draw",
            (p, "id") if p.ends_with("/auctions/") => "auction",
            (p, "section_id") if p.ends_with("/auctions/sections/") => "auction_section",
            (p, "id") if p.ends_with("/evaluation/clarifications/") => "clarification",
            (p, "id") if p.ends_with("/sessions/") => "session",
            (_, "expert_id") => "expert",
            (p, "id") if p.ends_with("/deposits/forfeitures/") => "forfeiture",
            _ => return None,
        };
        self.ids.get(kind).map(|v| (kind, v.clone()))
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
    for () in ggzy_api_tests::patience() {
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
    let ocid = format!("{}-{}", app.ctx.settings.ocid_prefix, reg.section_id);
    let ids = BTreeMap::from([
        ("project", reg.project_id.clone()),
        ("section", reg.section_id.clone()),
        ("registration", registration.clone()),
        ("relation", relation.clone()),
        ("announcement", announcement.clone()),
        ("attachment", attachment.clone()),
        ("booking", booking.clone()),
        ("ocid", ocid),
    ]);
    Victim {
        markers: vec![
            reg.project_id.clone(),
            bidder_org.clone(),
            registration,
            relation,
            announcement.clone(),
            attachment,
            booking.clone(),
        ],
        views: vec![
            ("tenderer", format!("/api/v1/projects/{}", reg.project_id)),
            ("tenderer", format!("/api/v1/announcements/{announcement}")),
            (
                "bidder1",
                format!("/api/v1/organizations/{bidder_org}/relations"),
            ),
            (
                "bidder1",
                format!("/api/v1/sections/{}/registrations", reg.section_id),
            ),
            ("agency", format!("/api/v1/bookings/{booking}/roster")),
        ],
        ids,
        tenderer_org,
        bidder_org,
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
    let mut tokens: BTreeMap<&str, String> = BTreeMap::new();
    let mut out = Vec::new();
    for (user, path) in &v.views {
        if !tokens.contains_key(user) {
            tokens.insert(user, app.login(user).await);
        }
        out.push(app.get(Some(&tokens[user]), path).await);
    }
    out
}

/// `op` with the victim's ids in its path and query; whether a real resource was named.
/// The kinds of the real resources named (empty: only placeholders).
fn aimed(op: &Op, v: &Victim, role: &str) -> (Op, Vec<&'static str>) {
    let template = op.key.split_once(' ').expect("METHOD path").1;
    let mut path = template.to_string();
    let mut real = Vec::new();
    while let Some(start) = path.find('{') {
        let end = path[start..].find('}').expect("closing brace") + start;
        let name = path[start + 1..end].to_string();
        let value = match v.path_value(template, &name, role) {
            Some((kind, x)) => {
                real.push(kind);
                x
            }
            None => match name.as_str() {
                "day" => "2026-03-02".into(),
                "ocid" => "ocds-placeholder-1".into(),
                "file" => "placeholder.xml".into(),
                // A document's index within its bid (an integer).
                "n" => "0".into(),
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
            "section_id" | "project_id" => {
                let kind = if k == "section_id" {
                    "section"
                } else {
                    "project"
                };
                match v.ids.get(kind) {
                    Some(id) => (k.clone(), id.clone()),
                    None => (k.clone(), val.clone()),
                }
            }
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

/// What a walk did: calls made, calls naming a real resource, the kinds of real resources named.
struct Walked {
    calls: usize,
    real_calls: usize,
    kinds: BTreeSet<&'static str>,
}

/// Call every operation of the served document as each stranger against `victim`'s resources,
/// check each answer against its class, and check that nothing changed.
async fn walk(app: &TestApp, victim: &Victim) -> Walked {
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
    let before_view = owners_view(app, victim).await;
    app.seal().await;
    let before_events = app.scalar_i64("SELECT COUNT(*) FROM events").await;

    let mut failures = Vec::new();
    let mut undeclared = BTreeSet::new();
    let (mut calls, mut real_calls) = (0, 0);
    let mut kinds = BTreeSet::new();
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
            let (aimed_op, named) = aimed(op, victim, role);
            let real = !named.is_empty();
            let (status, ct, text) = call(app, &aimed_op, token.as_deref()).await;
            calls += 1;
            if real {
                real_calls += 1;
                kinds.extend(named);
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
                        if let Some(m) = victim.markers().find(|m| text.contains(m)) {
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
    let after_view = owners_view(app, victim).await;
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
    Walked {
        calls,
        real_calls,
        kinds,
    }
}

#[tokio::test]
async fn no_operation_lets_another_organization_read_or_change_a_resource() {
    let app = TestApp::spawn().await;
    let victim = setup(&app).await;
    let Walked {
        calls, real_calls, ..
    } = walk(&app, &victim).await;
    // Every call of the walk counts; the victims' real resources were named in many of them.
    assert!(calls >= 3 * TABLE.len(), "{calls} calls");
    assert!(real_calls >= 100, "{real_calls} calls on real resources");
    app.stop().await;
}

/// Wait until the background workers are quiet (timers the setup's clock moves made due, and the
/// consumers of their events): the walk compares the event log before and after.
async fn settle(app: &TestApp) {
    let mut last = -1;
    for () in ggzy_api_tests::patience() {
        app.seal().await;
        let n = app.scalar_i64("SELECT COUNT(*) FROM events").await;
        if n == last {
            return;
        }
        last = n;
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    panic!("the event log never settled");
}

/// A USCC with its check character, for the avoidance lists of an expert draw.
fn uscc(n: u32) -> String {
    ggzy_core::ident::Uscc::with_check(&format!("91210200{n:09}"))
        .expect("uscc")
        .as_str()
        .to_string()
}

/// The later stages of a trade, each owned by the first organizations: a section of `tenderer`
/// evaluated and under candidate publicity, a clarification the
/// committee asked `bidder1`, `bidder1`'s electronic guarantee (电子保函), a real expert draw of
/// the section, an evaluation session booked by `agency`, and a land listing (挂牌) with its online
/// auction where `bidder1` is the only registered bidder. `bidder2` and `bidder3` bid in the same
/// section: the walk's `bidder2` is a competitor of the victim there, not only an outsider.
async fn setup_later(app: &TestApp) -> Victim {
    use crate::award::{
        open_and_decrypt, open_by_staff, register_and_bid, registered_section, submit_result,
    };
    let mut t = registered_section(app, "construction").await;
    let sid = t.section_id.clone();
    crate::evaluation::caught_up(app).await;
    let (s, v) = app
        .put(
            Some(&t.tenderer),
            &format!("/api/v1/sections/{sid}/evaluation-method"),
            json!({"method": "lowest_evaluated_price"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    open_by_staff(app, &t).await;
    register_and_bid(app, &mut t).await;
    let g = app
        .post_expect(
            &t.bidders[0].token,
            "/api/v1/deposits/guarantees",
            json!({"section_id": sid, "kind": "electronic_guarantee", "issuer": "中国人民财产保险大连分公司",
                   "number": "EG-WALK-0001", "amount": "200000.00", "valid_from": "2026-03-02",
                   "valid_until": "2026-08-31", "verification_code": "7F3K-99QX", "bid_validity_days": 90}),
            201,
        )
        .await;
    let guarantee = g["id"].as_str().expect("guarantee id").to_string();

    // A land listing with its auction; bidder1 registered and paid the deposit.
    let lot = crate::auctions::lot(app, "land", 1).await;
    let auction = crate::auctions::create(
        app,
        crate::auctions::listing(
            &lot.sid,
            lot.announced_at + chrono::Duration::days(21),
            10,
            None,
        ),
    )
    .await;

    // Deadline, opening, decryption: the section is evaluating.
    open_and_decrypt(app, &mut t).await;
    // The committee as the experts area announces it, inside its session window (venues).
    let mut members = Vec::new();
    let mut experts = Vec::new();
    for (user, id) in [("expert1", "EXP-1"), ("expert2", "EXP-2")] {
        let token = app.login(user).await;
        let (s, me) = app.get(Some(&token), "/api/v1/auth/me").await;
        assert_eq!(s, 200, "{me}");
        members.push(json!({"expert_id": id, "name": format!("专家{user}"),
                            "user_id": me["user_id"], "specialty": "A010101"}));
        experts.push(token);
    }
    members.push(json!({"expert_id": "EXP-9", "name": "缺席专家", "user_id": null}));
    app.emit(
        "experts.draw.completed",
        "test",
        "draw-walk",
        json!({"draw_id": "draw-walk", "section_id": sid, "session_id": "session-walk",
               "experts": members}),
    )
    .await;
    let now = app.clock().now();
    app.emit(
        "venues.session.scheduled",
        "test",
        "session-walk",
        json!({"session_id": "session-walk", "section_id": sid, "kind": "evaluation",
               "room_id": "r1", "room_name": "评标室1", "draw_id": "draw-walk",
               "start": (now - chrono::Duration::minutes(1)).to_rfc3339(),
               "end": (now + chrono::Duration::hours(8)).to_rfc3339(), "draw": null}),
    )
    .await;
    crate::evaluation::caught_up(app).await;
    let chair_url = format!("/api/v1/sections/{sid}/evaluation/chair-votes");
    for token in &experts {
        let (s, w) = app
            .post(Some(token), &chair_url, json!({"expert_id": "EXP-2"}))
            .await;
        assert_eq!(s, 200, "{w}");
    }
    let c = app
        .post_expect(
            &experts[0],
            &format!("/api/v1/sections/{sid}/evaluation/clarifications"),
            json!({"org_id": t.bidders[0].org_id, "question": "请说明项目经理的在岗承诺",
                   "reply_by": (now + chrono::Duration::days(1)).to_rfc3339()}),
            201,
        )
        .await;
    let clarification = c["id"].as_str().expect("clarification id").to_string();

    // The result under publicity. (A result objection is a remedies case since rem20e: its
    // routes are walked above with placeholder ids and with real cases in remedies.rs.)
    let (s, v) = submit_result(app, &t, 3).await;
    assert_eq!(s, 201, "{v}");

    // A real draw of the section's experts (the staff's request to the experts area).
    for n in 0..5u32 {
        let rid =
            ggzy_core::ident::ResidentId::with_check(&format!("21020219750101{:03}", 700 + n))
                .expect("resident id");
        app.post_expect(
            &t.staff,
            "/api/v1/experts",
            json!({"name": format!("走查专家{n}"), "resident_id": rid.as_str(),
                   "employer_uscc": uscc(700 + n), "employer_name": format!("单位{n}"),
                   "specialties": ["A08.02"], "title": "senior", "years": 12,
                   "region": "210200", "phone": "13800000000"}),
            201,
        )
        .await;
    }
    let sup = app.login("supervisor").await;
    let (s, d) = app
        .two_step_draw(
            &t.staff,
            &sup,
            json!({"section_id": sid, "tenderer_uscc": uscc(1), "agency_uscc": uscc(2),
                   "bidder_usccs": [uscc(3)],
                   "session_start": "2026-04-10T09:00:00+08:00",
                   "session_end": "2026-04-10T17:00:00+08:00",
                   "specialties": [{"specialty": "A08.02", "count": 5, "backups": 0}]}),
        )
        .await;
    assert_eq!(s, 201, "{d}");
    let draw = d["id"].as_str().expect("draw id").to_string();
    let expert = d["members"][0]["expert_id"]
        .as_str()
        .expect("a drawn expert")
        .to_string();

    // An evaluation session of the section booked by the first agency.
    let agency = app.login("agency").await;
    let room = app
        .post_expect(
            &t.staff,
            "/api/v1/rooms",
            json!({"kind": "evaluation_room", "name": "评标室 走查", "floor": 5, "capacity": 9,
                   "isolated": true}),
            201,
        )
        .await;
    let session = app
        .post_expect(
            &agency,
            "/api/v1/sessions",
            json!({"section_id": sid, "room_id": room["id"], "start": "2026-04-10T09:00:00+08:00",
                   "end": "2026-04-10T17:00:00+08:00", "committee_size": 3, "draw": null}),
            201,
        )
        .await;
    let session = session["id"].as_str().expect("session id").to_string();
    // A forfeiture of bidder1's guarantee proposed by staff (staff-only routes name it).
    let f = app
        .post_expect(
            &t.staff,
            "/api/v1/deposits/forfeitures",
            json!({"section_id": sid, "org_id": t.bidders[0].org_id, "ground": "refused_to_sign",
                   "reason": "中标人无正当理由不与招标人订立合同 (实施条例第七十四条)"}),
            201,
        )
        .await;
    let forfeiture = f["id"].as_str().expect("forfeiture id").to_string();
    settle(app).await;

    let tenderer_org = app.org_of(&t.tenderer).await;
    let bidder_org = t.bidders[0].org_id.clone();
    Victim {
        ids: BTreeMap::from([
            ("project", t.project_id.clone()),
            ("section", sid.clone()),
            ("draw", draw.clone()),
            ("auction", auction.clone()),
            ("auction_section", lot.sid.clone()),
            ("clarification", clarification.clone()),
            ("session", session.clone()),
            ("guarantee", guarantee.clone()),
            ("expert", expert.clone()),
            ("forfeiture", forfeiture.clone()),
        ]),
        // The candidate publicity is public (project, section and candidates' organizations
        // appear in it); the draw and the auction are public by nature (verification, public
        // sale). The clarification, the guarantee and the session are not.
        markers: vec![clarification, guarantee, session.clone(), forfeiture],
        views: vec![
            ("tenderer", format!("/api/v1/projects/{}", t.project_id)),
            (
                "bidder1",
                format!("/api/v1/sections/{sid}/evaluation/clarifications"),
            ),
            (
                "bidder1",
                format!("/api/v1/deposits/guarantees?section_id={sid}"),
            ),
            ("staff", format!("/api/v1/experts/draws/{draw}")),
            (
                "staff",
                format!("/api/v1/auctions/sections/{}/bidders", lot.sid),
            ),
            ("agency", format!("/api/v1/sessions/{session}")),
        ],
        tenderer_org,
        bidder_org,
    }
}

/// The walk again on the later stages of a trade: every operation naming a
/// clarification, an expert draw (and its ratings), an auction and its bidders, an evaluation
/// session, and the lists that could show a clarification, guarantee or session —
/// with real ids of the first organizations (they were placeholders before).
#[tokio::test]
async fn no_operation_lets_another_organization_touch_a_later_stage_resource() {
    let app = TestApp::spawn().await;
    let victim = setup_later(&app).await;
    let w = walk(&app, &victim).await;
    eprintln!("later-stage kinds named: {:?}", w.kinds);
    for kind in [
        "section",
        "draw",
        "auction",
        "auction_section",
        "clarification",
        "session",
        "expert",
        "forfeiture",
    ] {
        assert!(w.kinds.contains(kind), "no call named the victim's {kind}");
    }
    assert!(
        w.real_calls >= 100,
        "{} calls on real resources",
        w.real_calls
    );
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

/// Found by the later-stage walk: answering a clarification validated the body before it looked at
/// whom the clarification asked, so another bidder of the section got 422 with the answer rules
/// (learning that the clarification exists) instead of 403; and a quote on an auction was checked
/// for its price format before the caller's bidder number, so a bidder that never registered got
/// 422 instead of 403. Now whose it is comes first; the bidder asked (registered) still gets the 422.
#[tokio::test]
async fn another_bidder_is_refused_before_its_clarification_answer_or_quote_is_read() {
    let app = TestApp::spawn().await;
    let v = setup_later(&app).await;
    let url = format!(
        "/api/v1/evaluation/clarifications/{}/answer",
        v.ids["clarification"]
    );
    let bidder2 = app.login("bidder2").await;
    for body in [
        json!({}),
        json!({"answer": " "}),
        json!({"answer": "项目经理全程在岗", "price": "1.00"}),
        json!({"answer": "项目经理全程在岗"}),
    ] {
        let (s, r) = app.post(Some(&bidder2), &url, body.clone()).await;
        assert_eq!(s, 403, "{body}: {r}");
    }
    let bidder1 = app.login("bidder1").await;
    let (s, r) = app.post(Some(&bidder1), &url, json!({"answer": " "})).await;
    assert_eq!(s, 422, "the bidder asked is told what is wrong: {r}");
    assert_eq!(r["errors"][0]["rule"], "clarification.answer_length", "{r}");

    let quote = format!("/api/v1/auctions/{}/bids", v.ids["auction"]);
    for price in ["placeholder", "-1", "1000000.00"] {
        let (s, r) = app
            .post(Some(&bidder2), &quote, json!({"price": price}))
            .await;
        assert_eq!(s, 403, "{price}: {r}");
    }
    let (s, r) = app
        .post(Some(&bidder1), &quote, json!({"price": "placeholder"}))
        .await;
    assert_eq!(s, 422, "the registered bidder is told what is wrong: {r}");
    settle(&app).await;
    let n = app.scalar_i64("SELECT COUNT(*) FROM events").await;
    let (s, clar) = app
        .get(
            Some(&bidder1),
            &format!(
                "/api/v1/sections/{}/evaluation/clarifications",
                v.ids["section"]
            ),
        )
        .await;
    assert_eq!(s, 200, "{clar}");
    assert!(
        clar.to_string().contains(&v.ids["clarification"])
            && !clar.to_string().contains("全程在岗"),
        "unanswered: {clar}"
    );
    settle(&app).await;
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM events").await,
        n,
        "nothing changed"
    );
    app.stop().await;
}
