//! Authorization matrix: every operation of the OpenAPI document × every role (and anonymous).
//!
//! The expected answer comes from a declaration, not from observed behaviour: [`TABLE`] lists, for
//! every `METHOD path` of the document, the roles its handler admits (read from each handler's
//! `actor.require(&[…])` in crates/*/src/http.rs and the service functions they call). The test
//! fails when the document has an operation without an entry (naming it) and when the table has an
//! entry the document no longer has.
//!
//! Each operation is called with placeholder path ids and a minimal request generated from its
//! schema (required fields only), so that request parsing passes and the role check decides.
//! Asserted for every call: never 5xx; every error is `application/problem+json`; anonymous gets
//! 401 on every secured operation; an admitted role gets anything but 401/403; a refused role gets
//! 403 (or 404 where the entry says so: the handler looks the resource up before checking who
//! may read it, so a stranger learns nothing either way).

use ggzy_api_tests::{TestApp, DEMO_PASSWORD};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The roles, each with the demo user that holds it.
const ROLES: [(&str, &str); 8] = [
    ("admin", "admin"),
    ("staff", "staff"),
    ("tenderer", "tenderer"),
    ("agency", "agency"),
    ("bidder", "bidder1"),
    ("expert", "expert1"),
    ("supervisor", "supervisor"),
    ("bank", "bank"),
];

/// `METHOD path` → who is admitted: `public` (no login), `any` (every logged-in role) or a list of
/// role names, then optional flags:
/// - `|404`: a refused role may get 404 instead of 403 (the resource is looked up first; a stranger
///   cannot tell a missing id from a forbidden one);
/// - `|member`: an admitted role may still get 403 for the placeholder resource because a second
///   check follows the role check (own organization, linked expert account, committee member) —
///   but never the role refusal itself ("role '…' may not do this");
/// - `|signed`: an admitted role may get 401 naming a missing signature header (bank callbacks are
///   HMAC-signed on top of the bank's login).
pub(crate) const TABLE: &[(&str, &str)] = &[
    // server (crates/server/src/ops.rs)
    ("GET /healthz", "public"),
    ("GET /readyz", "public"),
    ("GET /api/v1/clock", "public"),
    ("GET /api/v1/calendar/{year}", "public"),
    ("PUT /api/v1/calendar/{year}", "admin"),
    ("GET /api/v1/admin/parked-events", "admin"),
    (
        "POST /api/v1/admin/parked-events/{consumer}/{seq}/replay",
        "admin",
    ),
    ("GET /api/v1/audit/checkpoint", "public"),
    ("GET /api/v1/audit/checkpoints", "public"),
    ("GET /api/v1/audit/log-key", "public"),
    ("GET /api/v1/audit/proof/consistency", "public"),
    ("GET /api/v1/audit/proof/inclusion", "public"),
    ("GET /audit/checkpoints.rss", "public"),
    ("GET /api/events", "supervisor admin"),
    ("GET /api/v1/audit/verify", "supervisor admin"),
    ("GET /api/v1/audit/events", "supervisor admin"),
    ("POST /api/v1/audit/disclosures", "supervisor"),
    // identity (crates/identity/src/http.rs)
    ("POST /api/v1/auth/login", "public"),
    ("POST /api/v1/auth/logout", "any"),
    ("GET /api/v1/auth/me", "any"),
    ("POST /api/v1/organizations", "admin staff"),
    ("GET /api/v1/organizations", "admin staff supervisor"),
    // Others read only their own organization (a placeholder id is never theirs).
    ("GET /api/v1/organizations/{id}", "admin staff supervisor"),
    ("POST /api/v1/users", "admin"),
    ("GET /api/v1/users", "admin"),
    ("POST /api/v1/users/{id}/disable", "admin"),
    ("PUT /api/v1/users/{id}/roles", "admin"),
    // Staff, or a member of the organization (the placeholder id has no members).
    ("POST /api/v1/organizations/{id}/invitations", "staff"),
    ("POST /api/v1/invitations/accept", "public"),
    // projects (crates/projects/src/http.rs, service.rs: own_org, may_read)
    ("POST /api/v1/projects", "tenderer agency"),
    (
        "GET /api/v1/projects",
        "admin staff supervisor tenderer agency",
    ),
    // service::get loads the project before may_read: strangers get 404 for a missing id.
    (
        "GET /api/v1/projects/{id}",
        "admin staff supervisor tenderer agency |404",
    ),
    ("PUT /api/v1/projects/{id}", "tenderer agency"),
    ("POST /api/v1/projects/{id}/submit", "tenderer agency"),
    ("POST /api/v1/projects/{id}/approve", "staff"),
    ("POST /api/v1/projects/{id}/return", "staff"),
    ("POST /api/v1/sections/{id}/open-bidding", "staff agency"),
    ("POST /api/v1/sections/{id}/registrations", "bidder"),
    // Procedures as data, invitations, prequalification, re-tender (issue 21; procedure_http.rs).
    ("GET /api/v1/procedures", "public"),
    (
        "POST /api/v1/sections/{id}/invitations",
        "tenderer agency staff",
    ),
    (
        "GET /api/v1/sections/{id}/invitations",
        "tenderer agency staff supervisor",
    ),
    (
        "POST /api/v1/sections/{id}/interested-parties",
        "tenderer agency staff",
    ),
    (
        "GET /api/v1/sections/{id}/interested-parties",
        "tenderer agency staff supervisor",
    ),
    (
        "POST /api/v1/sections/{id}/prequalification",
        "tenderer agency staff",
    ),
    (
        "GET /api/v1/sections/{id}/prequalification",
        "tenderer agency staff supervisor bidder",
    ),
    (
        "POST /api/v1/sections/{id}/prequalification/applications",
        "bidder",
    ),
    (
        "POST /api/v1/sections/{id}/prequalification/review",
        "tenderer agency staff",
    ),
    (
        "POST /api/v1/sections/{id}/retender",
        "tenderer agency staff",
    ),
    (
        "GET /api/v1/sections/{id}/retender",
        "tenderer agency staff supervisor",
    ),
    (
        "GET /api/v1/sections/{id}/registrations",
        "bidder tenderer agency staff supervisor",
    ),
    ("POST /api/v1/sanctions", "supervisor admin"),
    ("POST /api/v1/sanctions/{id}/end", "supervisor admin"),
    ("GET /api/v1/rule-overrides", "admin"),
    ("PUT /api/v1/rule-overrides", "admin"),
    ("POST /api/v1/rule-overrides/remove", "admin"),
    ("GET /api/v1/sanctions", "staff admin supervisor"),
    (
        "POST /api/v1/organizations/{id}/relations",
        "bidder staff |member",
    ),
    (
        "GET /api/v1/organizations/{id}/relations",
        "bidder staff |member",
    ),
    (
        "DELETE /api/v1/organizations/{id}/relations/{relation_id}",
        "bidder staff |member|404",
    ),
    (
        "POST /api/v1/organizations/{id}/relations/{relation_id}/verify",
        "staff|404",
    ),
    ("PUT /api/v1/sections/{id}/bids/mine", "bidder"),
    ("DELETE /api/v1/sections/{id}/bids/mine", "bidder"),
    ("GET /api/v1/sections/{id}/bids/mine", "bidder|404"),
    ("GET /api/v1/sections/{id}/bids/mine/receipts", "bidder|404"),
    ("GET /api/v1/bidder/invitations", "bidder"),
    ("GET /api/keys", "public"),
    // projects: opening.rs
    ("POST /api/v1/sections/{id}/bids/mine/key", "bidder"),
    (
        "GET /api/v1/sections/{id}/opening",
        "bidder tenderer agency staff supervisor",
    ),
    // Platform / CA fault declarations (电子招标投标办法 31), centre staff only.
    (
        "POST /api/v1/sections/{id}/opening/fault-declarations",
        "staff",
    ),
    // projects: award.rs (READERS = admin staff tenderer agency bidder supervisor)
    (
        "POST /api/v1/sections/{id}/evaluation-result",
        "staff agency",
    ),
    (
        "GET /api/v1/sections/{id}/evaluation-result",
        "admin staff tenderer agency bidder supervisor",
    ),
    ("POST /api/v1/sections/{id}/award", "tenderer agency"),
    (
        "GET /api/v1/sections/{id}/award",
        "admin staff tenderer agency bidder supervisor",
    ),
    ("POST /api/v1/sections/{id}/contract", "tenderer agency"),
    ("POST /api/v1/sections/{id}/terminate", "tenderer agency"),
    // projects: procurement.rs (government procurement's award path, issue 20)
    (
        "GET /api/v1/sections/{id}/procurement-award",
        "admin staff tenderer agency supervisor",
    ),
    (
        "POST /api/v1/sections/{id}/procurement-award/report-sent",
        "tenderer agency",
    ),
    (
        "POST /api/v1/sections/{id}/procurement-award/contract-announcement",
        "tenderer agency",
    ),
    (
        "POST /api/v1/sections/{id}/procurement-award/filing",
        "tenderer agency",
    ),
    // projects: award_report.rs (the written report to the supervisor, 招标投标法 47, issue 20)
    (
        "GET /api/v1/sections/{id}/award-report",
        "admin staff tenderer agency supervisor",
    ),
    ("POST /api/v1/sections/{id}/award-report", "tenderer agency"),
    ("GET /api/v1/award-reports", "admin staff supervisor"),
    // projects: qualification.rs (the purchaser's qualification review, issue 20)
    (
        "GET /api/v1/sections/{id}/qualification-review",
        "admin staff tenderer agency bidder supervisor",
    ),
    (
        "PUT /api/v1/sections/{id}/qualification-review",
        "tenderer agency",
    ),
    // projects: nontender.rs (procurement's non-tender methods, issue 21)
    (
        "GET /api/v1/sections/{id}/negotiation",
        "admin staff tenderer agency supervisor",
    ),
    ("POST /api/v1/sections/{id}/negotiation", "staff agency"),
    (
        "POST /api/v1/sections/{id}/nontender-result",
        "staff agency",
    ),
    (
        "POST /api/v1/sections/{id}/consultation-exception",
        "tenderer agency staff",
    ),
    (
        "GET /api/v1/sections/{id}/consultation-exception",
        "tenderer agency staff supervisor",
    ),
    (
        "POST /api/v1/sections/{id}/supplier-invitation",
        "tenderer agency staff",
    ),
    (
        "GET /api/v1/sections/{id}/supplier-invitation",
        "tenderer agency staff supervisor",
    ),
    // publishing (crates/publishing/src/http.rs, attachments.rs, ocds.rs)
    ("POST /api/v1/announcements", "tenderer agency staff"),
    ("GET /api/v1/announcements", "public"),
    ("GET /api/v1/announcements/mine", "tenderer agency"),
    ("GET /api/v1/announcements/{id}", "public"),
    ("PUT /api/v1/announcements/{id}", "tenderer agency staff"),
    (
        "POST /api/v1/announcements/{id}/submit",
        "tenderer agency staff",
    ),
    ("POST /api/v1/announcements/{id}/approve", "staff"),
    ("POST /api/v1/announcements/{id}/withdraw", "staff"),
    ("POST /api/v1/announcements/{id}/return", "staff"),
    (
        "POST /api/v1/announcements/{id}/attachments",
        "tenderer agency staff",
    ),
    (
        "GET /api/v1/announcements/{id}/attachments/{attachment_id}",
        "public",
    ),
    ("GET /feeds/{file}", "public"),
    ("GET /api/v1/ocds/releases", "public"),
    ("GET /api/v1/ocds/records/{ocid}", "public"),
    // deposits (crates/deposits/src/http.rs)
    ("POST /api/v1/deposits/accounts", "bidder"),
    ("POST /api/v1/bank/callbacks/transfers", "bank |signed"),
    ("POST /api/v1/bank/callbacks/refunds", "bank |signed"),
    ("GET /api/v1/deposits/status", "staff supervisor bidder"),
    (
        "GET /api/v1/deposits/ledger/trial-balance",
        "staff supervisor admin",
    ),
    ("POST /api/v1/deposits/guarantees", "bidder staff"),
    ("GET /api/v1/deposits/guarantees", "staff supervisor bidder"),
    (
        "GET /api/v1/deposits/refunds",
        "staff supervisor admin bank",
    ),
    (
        "GET /api/v1/deposits/refunds/days",
        "staff supervisor admin",
    ),
    (
        "GET /api/v1/deposits/refunds/file",
        "staff supervisor admin",
    ),
    ("POST /api/v1/deposits/forfeitures", "staff admin"),
    ("GET /api/v1/deposits/forfeitures", "staff supervisor admin"),
    (
        "POST /api/v1/deposits/forfeitures/{id}/approve",
        "staff admin",
    ),
    (
        "POST /api/v1/deposits/forfeitures/{id}/reject",
        "staff admin",
    ),
    ("GET /api/v1/deposits/revocations", "staff supervisor admin"),
    ("POST /api/v1/deposits/reconciliations", "staff"),
    // experts (crates/experts/src/http.rs)
    ("POST /api/v1/experts", "staff admin"),
    ("GET /api/v1/experts", "staff admin supervisor"),
    ("POST /api/v1/experts/import", "staff admin"),
    ("POST /api/v1/experts/draws", "staff admin"),
    (
        "GET /api/v1/experts/draws/{id}",
        "staff admin supervisor tenderer agency bidder",
    ),
    ("POST /api/v1/experts/draws/{id}/reveal", "staff admin"),
    ("GET /api/v1/experts/draws/{id}/verify", "any"),
    ("POST /api/v1/experts/draw-requests", "staff admin"),
    (
        "GET /api/v1/experts/draw-requests",
        "staff admin supervisor",
    ),
    (
        "GET /api/v1/experts/draw-requests/{id}",
        "staff admin supervisor",
    ),
    (
        "POST /api/v1/experts/draw-requests/{id}/supervisor-commitment",
        "supervisor",
    ),
    (
        "POST /api/v1/experts/draw-requests/{id}/supervisor-reveal",
        "supervisor",
    ),
    (
        "POST /api/v1/experts/draw-requests/{id}/abandon",
        "staff admin",
    ),
    ("PUT /api/v1/experts/{id}/account", "staff admin"),
    ("GET /api/v1/experts/me/assignments", "expert |member"),
    ("PUT /api/v1/experts/{id}/procurement-pool", "staff admin"),
    ("POST /api/v1/experts/{id}/relations", "staff admin"),
    (
        "GET /api/v1/experts/{id}/relations",
        "staff admin supervisor",
    ),
    ("POST /api/v1/experts/me/relations", "expert |member"),
    ("POST /api/v1/experts/draws/{id}/confirm", "expert |member"),
    ("POST /api/v1/experts/draws/{id}/decline", "expert |member"),
    ("POST /api/v1/experts/draws/{id}/recusal", "expert |member"),
    (
        "POST /api/v1/experts/draws/{id}/members/{expert_id}/recuse",
        "staff admin",
    ),
    (
        "POST /api/v1/experts/draws/{id}/ratings",
        "tenderer supervisor",
    ),
    // monitoring (crates/monitoring/src/http.rs: readers() = supervisor staff admin,
    // WATCHERS = supervisor admin)
    ("GET /api/v1/monitoring/alerts", "supervisor staff admin"),
    (
        "GET /api/v1/monitoring/alerts/{id}",
        "supervisor staff admin",
    ),
    (
        "POST /api/v1/monitoring/alerts/{id}/acknowledge",
        "supervisor",
    ),
    ("POST /api/v1/monitoring/alerts/{id}/resolve", "supervisor"),
    ("POST /api/v1/monitoring/alerts/{id}/dismiss", "supervisor"),
    ("POST /api/v1/monitoring/alerts/{id}/notes", "supervisor"),
    ("GET /api/v1/monitoring/rules", "supervisor staff admin"),
    ("PUT /api/v1/monitoring/rules/{id}", "supervisor"),
    ("GET /api/v1/monitoring/stats", "supervisor staff admin"),
    ("GET /api/v1/monitoring/dashboard", "supervisor admin"),
    ("GET /api/v1/monitoring/stream", "supervisor admin"),
    ("GET /api/v1/monitoring/reports", "supervisor staff admin"),
    ("POST /api/v1/monitoring/reports/{day}", "supervisor"),
    (
        "GET /api/v1/monitoring/reports/{day}",
        "supervisor staff admin",
    ),
    ("GET /api/v1/monitoring/audit/events", "supervisor admin"),
    ("GET /api/v1/monitoring/audit/verify", "supervisor admin"),
    (
        "GET /api/v1/monitoring/sections/{id}/history",
        "supervisor admin",
    ),
    // archives (crates/archives/src/http.rs, service.rs: READERS)
    ("GET /api/v1/archives", "staff supervisor"),
    ("GET /api/v1/archives/retention", "staff supervisor"),
    ("GET /api/v1/archives/{id}", "staff supervisor"),
    ("GET /api/v1/archives/{id}/bundle", "staff supervisor"),
    ("POST /api/v1/archives/{id}/dispose", "staff"),
    // auctions (crates/auctions/src/http.rs)
    ("POST /api/v1/auctions", "staff admin"),
    ("POST /api/v1/auctions/live", "staff admin"),
    (
        "GET /api/v1/auctions/{id}",
        "staff admin supervisor bidder tenderer agency",
    ),
    ("POST /api/v1/auctions/{id}/bids", "bidder"),
    ("POST /api/v1/auctions/{id}/relist", "staff admin"),
    ("POST /api/v1/auctions/{id}/relist/approve", "staff admin"),
    ("POST /api/v1/auctions/{id}/relist/refuse", "staff admin"),
    ("POST /api/v1/auctions/{id}/onsite-result", "staff admin"),
    ("POST /api/v1/auctions/{id}/eligibility", "staff admin"),
    ("POST /api/v1/auctions/{id}/continue", "bidder"),
    (
        "GET /api/v1/auctions/{id}/contract",
        "staff admin supervisor bidder",
    ),
    ("POST /api/v1/auctions/{id}/contract/sign", "staff admin"),
    (
        "POST /api/v1/auctions/{id}/contract/payments",
        "staff admin",
    ),
    ("POST /api/v1/auctions/{id}/deal/terms", "staff admin"),
    (
        "GET /api/v1/auctions/{id}/deal/terms",
        "staff admin supervisor",
    ),
    ("POST /api/v1/auctions/{id}/deal/preemption", "staff admin"),
    // Paying a property deal's price (crates/auctions/src/property_payment): the buyer and the
    // transferor read their own deal's schedule (404 for the placeholder).
    (
        "GET /api/v1/property-deals/{deal_id}/schedule",
        "staff admin supervisor bidder tenderer agency",
    ),
    (
        "POST /api/v1/property-deals/{deal_id}/payments",
        "staff admin",
    ),
    // 企业增资 (crates/auctions/src/capital_increase.rs): the enterprise reads its own (404 else).
    // The enterprise opens its own capital increase (404 for another enterprise's section).
    (
        "POST /api/v1/capital-increases",
        "staff admin tenderer agency",
    ),
    (
        "GET /api/v1/capital-increases/{id}",
        "staff admin supervisor tenderer agency",
    ),
    // The enterprise records its own selection and agreement (404 for another enterprise).
    (
        "POST /api/v1/capital-increases/{id}/selection",
        "staff admin tenderer agency",
    ),
    (
        "POST /api/v1/capital-increases/{id}/agreement",
        "staff admin tenderer agency",
    ),
    (
        "POST /api/v1/capital-increases/{id}/failure",
        "staff admin tenderer agency",
    ),
    (
        "GET /api/v1/capital-increases",
        "staff admin supervisor tenderer agency",
    ),
    ("GET /api/v1/capital-increases/mine", "bidder"),
    (
        "GET /api/v1/capital-increases/{id}/investors",
        "staff admin supervisor tenderer agency",
    ),
    (
        "GET /api/v1/auctions/{id}/deal/preemption",
        "staff admin supervisor",
    ),
    (
        "GET /api/v1/auctions/sections/{section_id}/bidders",
        "staff admin supervisor",
    ),
    (
        "GET /api/v1/auctions/{id}/stream",
        "staff admin supervisor bidder tenderer agency",
    ),
    // remedies (crates/remedies/src/http.rs)
    ("POST /api/v1/sections/{id}/remedies", "bidder"),
    (
        "GET /api/v1/sections/{id}/remedies",
        "admin staff supervisor tenderer agency bidder |404",
    ),
    ("GET /api/v1/remedies/rules", "any"),
    ("GET /api/v1/remedies/mine", "bidder"),
    ("GET /api/v1/remedies/complaints", "supervisor staff admin"),
    (
        "GET /api/v1/remedies/{id}",
        "admin staff supervisor tenderer agency bidder |404",
    ),
    ("POST /api/v1/remedies/{id}/answer", "tenderer agency"),
    ("POST /api/v1/remedies/{id}/close", "bidder"),
    ("POST /api/v1/remedies/{id}/escalate", "bidder"),
    ("POST /api/v1/remedies/{id}/accept", "supervisor"),
    ("POST /api/v1/remedies/{id}/refuse", "supervisor"),
    ("POST /api/v1/remedies/{id}/decide", "supervisor"),
    ("POST /api/v1/sections/{id}/remedies/attachments", "bidder"),
    ("GET /api/v1/remedy-rule-overrides", "admin"),
    ("PUT /api/v1/remedy-rule-overrides", "admin"),
    ("POST /api/v1/remedy-rule-overrides/remove", "admin"),
    (
        "GET /api/v1/remedies/{id}/attachments/{attachment_id}",
        "admin staff supervisor tenderer agency bidder |404",
    ),
    // evaluation (crates/evaluation/src/http.rs: READERS = expert staff supervisor admin)
    (
        "PUT /api/v1/sections/{id}/evaluation-method",
        "tenderer agency",
    ),
    (
        "GET /api/v1/sections/{id}/evaluation",
        "expert staff supervisor admin |member",
    ),
    (
        "PUT /api/v1/sections/{id}/evaluation/reviews/mine",
        "expert",
    ),
    ("PUT /api/v1/sections/{id}/evaluation/scores/mine", "expert"),
    (
        "GET /api/v1/sections/{id}/evaluation/scores/mine",
        "expert |member",
    ),
    (
        "GET /api/v1/sections/{id}/evaluation/scores",
        "expert staff supervisor admin |member",
    ),
    (
        "GET /api/v1/sections/{id}/evaluation/report",
        "expert staff supervisor admin |member",
    ),
    (
        "GET /api/v1/sections/{id}/evaluation/bids",
        "expert staff supervisor admin |member",
    ),
    (
        "GET /api/v1/sections/{id}/evaluation/bids/{bid_id}/documents/{n}",
        "expert staff supervisor admin |member",
    ),
    (
        "POST /api/v1/sections/{id}/evaluation/report/sign",
        "expert",
    ),
    (
        "POST /api/v1/sections/{id}/evaluation/chair-votes",
        "expert |member",
    ),
    (
        "POST /api/v1/sections/{id}/evaluation/price-checks",
        "expert |member",
    ),
    (
        "POST /api/v1/sections/{id}/evaluation/clarifications",
        "expert |member",
    ),
    (
        "GET /api/v1/sections/{id}/evaluation/clarifications",
        "expert staff supervisor admin bidder |member",
    ),
    (
        "POST /api/v1/evaluation/clarifications/{id}/answer",
        "bidder |member",
    ),
    // venues (crates/venues/src/http.rs)
    ("POST /api/v1/bookings/{id}/move", "staff agency"),
    ("GET /api/v1/bookings/conflicts", "staff admin"),
    ("GET /api/v1/bookings/week", "staff admin agency supervisor"),
    ("GET /api/v1/rooms/utilization", "staff admin supervisor"),
    ("POST /api/v1/sessions", "staff agency"),
    ("GET /api/v1/sessions/{id}", "staff agency supervisor"),
    ("POST /api/v1/sessions/{id}/move", "staff agency"),
    ("POST /api/v1/sessions/{id}/cancel", "staff agency"),
    (
        "POST /api/v1/sessions/{id}/experts/{expert_id}/identity",
        "staff",
    ),
    ("PUT /api/v1/expert-accounts/{expert_id}", "staff admin"),
    ("GET /api/v1/my/sessions", "expert"),
    ("POST /api/v1/rooms", "staff admin"),
    ("GET /api/v1/rooms", "staff admin agency supervisor"),
    ("GET /api/v1/rooms/free", "staff admin agency supervisor"),
    ("POST /api/v1/rooms/{id}/blocks", "staff admin"),
    ("PUT /api/v1/rooms/{id}/networks", "staff admin"),
    ("PATCH /api/v1/rooms/{id}", "staff admin"),
    ("POST /api/v1/bookings", "staff agency"),
    ("GET /api/v1/bookings", "staff admin agency supervisor"),
    ("POST /api/v1/bookings/{id}/confirm", "staff agency"),
    ("POST /api/v1/bookings/{id}/cancel", "staff agency"),
    ("POST /api/v1/bookings/{id}/roster", "staff agency"),
    (
        "GET /api/v1/bookings/{id}/roster",
        "staff agency supervisor",
    ),
    ("POST /api/v1/rooms/{id}/door", "staff"),
    ("GET /api/v1/rooms/{id}/occupancy", "staff supervisor"),
    (
        "GET /api/v1/bookings/{id}/report",
        "staff supervisor agency",
    ),
];

#[derive(Debug)]
pub(crate) struct Expect {
    pub(crate) public: bool,
    pub(crate) roles: BTreeSet<String>,
    denied_may_404: bool,
    member: bool,
    signed: bool,
}

pub(crate) fn parse(spec: &str) -> Expect {
    let mut parts = spec.split('|').map(str::trim);
    let spec = parts.next().unwrap_or_default();
    let flags: Vec<&str> = parts.collect();
    for f in &flags {
        assert!(
            ["404", "member", "signed"].contains(f),
            "unknown flag '{f}' in TABLE"
        );
    }
    let roles: BTreeSet<String> = match spec {
        "public" | "any" => ROLES.iter().map(|(r, _)| r.to_string()).collect(),
        s => s.split_whitespace().map(str::to_string).collect(),
    };
    for r in &roles {
        assert!(
            ROLES.iter().any(|(k, _)| k == r),
            "unknown role '{r}' in TABLE"
        );
    }
    Expect {
        public: spec == "public",
        roles,
        denied_may_404: flags.contains(&"404"),
        member: flags.contains(&"member"),
        signed: flags.contains(&"signed"),
    }
}

/// A placeholder id that parses as an id but names nothing.
pub(crate) const MISSING_ID: &str = "0190f000-0000-7000-8000-00000000a11d";

fn path_value(name: &str) -> String {
    match name {
        "day" => "2026-03-02".into(),
        "ocid" => "ocds-placeholder-1".into(),
        "file" => "placeholder.xml".into(),
        // A document's index within its bid (an integer).
        "n" => "0".into(),
        _ => MISSING_ID.into(),
    }
}

fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or_default();
            &doc["components"]["schemas"][name]
        }
        None => s,
    }
}

/// A minimal value of a schema: required properties only, placeholders by type and format.
fn sample(doc: &Value, s: &Value, name: &str, depth: usize) -> Value {
    let s = resolve(doc, s);
    if depth > 8 {
        return Value::Null;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(first) = s[key].as_array().and_then(|v| {
            v.iter()
                .find(|x| x.get("type").and_then(Value::as_str) != Some("null"))
        }) {
            return sample(doc, first, name, depth + 1);
        }
    }
    if let Some(e) = s.get("example") {
        return e.clone();
    }
    if let Some(e) = s["enum"].as_array().and_then(|v| v.first()) {
        return e.clone();
    }
    let ty = match &s["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_string(),
        _ if s.get("properties").is_some() => "object".into(),
        _ => "string".into(),
    };
    match ty.as_str() {
        "object" => {
            let mut m = Map::new();
            for r in s["required"].as_array().into_iter().flatten() {
                let Some(k) = r.as_str() else { continue };
                m.insert(
                    k.to_string(),
                    sample(doc, &s["properties"][k], k, depth + 1),
                );
            }
            Value::Object(m)
        }
        "array" => json!([]),
        "integer" => json!(1),
        "number" => json!(1),
        "boolean" => json!(false),
        "null" => Value::Null,
        _ => match s["format"].as_str() {
            Some("date-time") => json!("2026-03-09T09:00:00+08:00"),
            Some("date") => json!("2026-03-09"),
            _ if name == "month" => json!("2026-03"),
            _ => json!("placeholder"),
        },
    }
}

pub(crate) struct Op {
    pub(crate) key: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<(String, Vec<u8>)>,
}

pub(crate) fn operations(doc: &Value) -> Vec<Op> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let mut url = path.clone();
            let mut query = Vec::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default();
                match p["in"].as_str() {
                    Some("path") => url = url.replace(&format!("{{{name}}}"), &path_value(name)),
                    Some("query") if p["required"] == json!(true) => {
                        let v = match sample(doc, &p["schema"], name, 0) {
                            Value::String(s) => s,
                            v => v.to_string(),
                        };
                        query.push((name.to_string(), v));
                    }
                    _ => {}
                }
            }
            let body = op.get("requestBody").map(|rb| {
                let content = rb["content"].as_object().expect("content");
                if let Some(js) = content.get("application/json") {
                    let v = if path == "/api/v1/auth/login" {
                        // A real login, so the public answer is a success.
                        json!({"username": "bidder2", "password": DEMO_PASSWORD})
                    } else {
                        sample(doc, &js["schema"], "body", 0)
                    };
                    ("application/json".to_string(), v.to_string().into_bytes())
                } else {
                    let ct = content.keys().next().cloned().unwrap_or_default();
                    (ct, b"placeholder".to_vec())
                }
            });
            out.push(Op {
                key: format!("{} {path}", method.to_uppercase()),
                method: method.to_uppercase(),
                path: url,
                query,
                body,
            });
        }
    }
    out
}

/// Status, content type and (for errors) the body of one call.
pub(crate) async fn call(app: &TestApp, op: &Op, token: Option<&str>) -> (u16, String, String) {
    let method = reqwest::Method::from_bytes(op.method.as_bytes()).expect("method");
    let mut rb = app
        .client
        .request(method, app.url(&op.path))
        .query(&op.query)
        .timeout(std::time::Duration::from_secs(30));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some((ct, bytes)) = &op.body {
        rb = rb.header("content-type", ct).body(bytes.clone());
    }
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    let ct = ggzy_api_tests::content_type(&r);
    // Successful answers may be streams (SSE): their bodies are not read.
    let text = if status >= 400 {
        r.text().await.unwrap_or_default()
    } else {
        String::new()
    };
    (status, ct, text)
}

#[tokio::test]
async fn every_operation_answers_every_role_as_declared() {
    let app = TestApp::spawn().await;
    let (s, doc) = app.get(None, "/api/openapi.json").await;
    assert_eq!(s, 200);

    // The table and the document cover the same operations.
    let table: BTreeMap<&str, Expect> = TABLE.iter().map(|(k, v)| (*k, parse(v))).collect();
    assert_eq!(table.len(), TABLE.len(), "duplicate entries in TABLE");
    let mut in_doc = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            in_doc.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let missing: Vec<&String> = in_doc
        .iter()
        .filter(|k| !table.contains_key(k.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "operations without an entry in the authorization TABLE (add who may call them): {missing:#?}"
    );
    let stale: Vec<&&str> = table.keys().filter(|k| !in_doc.contains(**k)).collect();
    assert!(
        stale.is_empty(),
        "TABLE entries the document no longer has: {stale:#?}"
    );

    let mut tokens = Vec::new();
    for (role, user) in ROLES {
        tokens.push((role, app.login(user).await));
    }

    // Logout revokes the caller's token: call it last.
    let mut ops = operations(&doc);
    ops.sort_by_key(|o| o.path == "/api/v1/auth/logout");
    let mut failures = Vec::new();
    let mut calls = 0;
    for op in &ops {
        let key = &op.key;
        let exp = &table[key.as_str()];
        let mut callers: Vec<(&str, Option<&str>)> = vec![("anonymous", None)];
        callers.extend(tokens.iter().map(|(r, t)| (*r, Some(t.as_str()))));
        for (who, token) in callers {
            let (status, ct, text) = call(&app, op, token).await;
            calls += 1;
            let mut fail = |why: &str| {
                failures.push(format!("{key} as {who}: {why} (got {status} {ct}: {text})"))
            };
            if status >= 500 {
                fail("5xx");
                continue;
            }
            if status >= 400 && !ct.starts_with("application/problem+json") {
                fail("error is not application/problem+json");
                continue;
            }
            let admitted = if token.is_none() {
                exp.public
            } else {
                exp.roles.contains(who)
            };
            if admitted {
                let role_refusal = text.contains("may not do this");
                let second_check = exp.member && status == 403 && !role_refusal
                    || exp.signed && status == 401 && text.contains("X-");
                if (status == 401 || status == 403) && !second_check {
                    fail("admitted by the table but refused");
                }
            } else if token.is_none() {
                if status != 401 {
                    fail("anonymous must get 401");
                }
            } else if !(status == 403 || exp.denied_may_404 && status == 404) {
                fail("refused by the table: expected 403");
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {calls} calls broke the authorization matrix:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(calls >= 9 * TABLE.len());
    app.stop().await;
}
