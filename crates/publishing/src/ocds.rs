//! Open Contracting Data Standard 1.1 (OCDS): one release per change of a contracting process, a
//! release package feed and compiled records (docs/ocds.md).
//!
//! A contracting process is one project, its sections (标段) are lots (lots extension):
//! `ocid = <prefix>-<project_id>`, the prefix from `Settings::ocid_prefix` (`GGZY_OCDS_PREFIX`).
//! Releases are written in the transaction of the change they describe — a tender or change
//! notice going out ([`record_announcement`]), an opening, disqualification, award, contract,
//! failure or termination arriving as an event (`crate::lifecycle`) — and stored without their
//! ocid, which is added when they are served, so the prefix is configuration. A former section
//! ocid (before migration 0125 re-keyed the releases) redirects to its project's record.
//!
//! Mapping (tag ← source): `tender` ← published tender/prequalification announcement;
//! `tenderAmendment` ← published change notice (postponed deadline in `tender.tenderPeriod`);
//! `tenderUpdate` ← `projects.opening.recorded` (tenderers, `numberOfTenderers`, bids; never before
//! the deadline), `evaluation.bid.rejected` (bid disqualified), `projects.section.failed` (lot
//! unsuccessful); `tenderCancellation` ← `projects.section.terminated`; `award` ←
//! `projects.award.confirmed`; `contract` ← `projects.contract.signed`. Parties are identified by
//! their USCC ([`USCC_SCHEME`]); the packages declare the bids and lots extensions ([`EXTENSIONS`]).

use crate::rules::AnnouncementType;
use crate::service::{Announcement, Postpone, SectionInfo};
use crate::store;
use crate::store::ocds::BidStatus;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use ggzy_core::http::{Json, Path, Query};
use ggzy_core::ident::Market;
use ggzy_core::money::Money;
use ggzy_core::sql::Json as JsonText;
use ggzy_core::time::to_micros;
use ggzy_core::{ids, Error, Result};
use ggzy_events::projects::{AwardConfirmed, OpeningEntry};
use ggzy_store::{Ctx, Tx};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(releases))
        .routes(routes!(record))
}

/// OCDS `Value`: the amount as a JSON number (the schema's type), computed from the decimal.
fn value(amount: Option<&str>) -> Option<Value> {
    let m = Money::parse_str(amount?.trim()).ok()?;
    let n: serde_json::Number = m.amount().to_string().parse().ok()?;
    Some(json!({"amount": n, "currency": "CNY"}))
}

/// `open_tender` → `open`, `invited_tender` → `selective` (OCDS method codelist).
fn method(procedure: Option<&str>) -> Option<&'static str> {
    match procedure? {
        "open_tender" => Some("open"),
        "invited_tender" => Some("selective"),
        // Only the applicants found qualified (资格预审) may bid: OCDS "selective".
        "prequalified_tender" => Some("selective"),
        _ => None,
    }
}

fn category(market: &str) -> Option<&'static str> {
    match Market::parse(market).ok()? {
        Market::Construction => Some("works"),
        _ => None,
    }
}

/// The identifier scheme of the unified social credit code (统一社会信用代码, GB 32100-2015) that
/// identifies every party: the buyer, the tenderers and the suppliers. `CN-USCC` follows the
/// org-id.guide rule for a list without an entry of its own (country + registry abbreviation);
/// docs/publishing.md says why.
pub const USCC_SCHEME: &str = "CN-USCC";

/// The extensions the packages use, declared in their `extensions` array (the official
/// `extension.json` of each, pinned to the 1.1.5 tag): bids (`bids.details`, `bids.statistics`,
/// `awards[].relatedBid`) and lots (`tender.lots`, `relatedLots`).
pub const EXTENSIONS: [&str; 2] = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
];

/// A party and its reference: identified by its USCC when known (`id` `CN-USCC-<code>`,
/// `identifier {scheme, id, legalName}`), else by the platform's id.
fn party(uscc: Option<&str>, fallback_id: &str, name: &str, roles: &[&str]) -> (Value, Value) {
    let uscc = uscc.map(str::trim).filter(|u| !u.is_empty());
    let id = match uscc {
        Some(u) => format!("{USCC_SCHEME}-{u}"),
        None => fallback_id.to_string(),
    };
    let mut p = json!({"id": id, "name": name, "roles": roles});
    if let Some(u) = uscc {
        p["identifier"] = json!({"scheme": USCC_SCHEME, "id": u, "legalName": name});
    }
    (p, json!({"id": id, "name": name}))
}

fn buyer(s: &SectionInfo) -> (Value, Value) {
    let fallback = s
        .owner_org_id
        .clone()
        .unwrap_or_else(|| format!("tenderer-{}", s.project_id));
    let name = s
        .tenderer_name
        .clone()
        .unwrap_or_else(|| s.project_name.clone());
    party(
        s.tenderer_uscc.as_deref(),
        &fallback,
        &name,
        &["buyer", "procuringEntity"],
    )
}

/// The contracting process a section belongs to: its project (one ocid per project, the sections
/// are its lots); a section whose project publishing never learnt stands alone.
pub(crate) fn process_key(s: &SectionInfo) -> &str {
    if s.project_id.is_empty() {
        &s.section_id
    } else {
        &s.project_id
    }
}

/// Every section (lot) of the section's project as publishing knows them.
async fn lots_of(tx: &mut Tx, s: &SectionInfo) -> Result<Vec<SectionInfo>> {
    if s.project_id.is_empty() {
        return Ok(vec![s.clone()]);
    }
    let all = crate::store::sections::project_sections(tx, &s.project_id).await?;
    Ok(if all.is_empty() { vec![s.clone()] } else { all })
}

fn base(s: &SectionInfo, tag: &str, release_id: &str, date: DateTime<Utc>) -> Value {
    let (party, reference) = buyer(s);
    json!({
        "id": release_id,
        "date": date.to_rfc3339(),
        "tag": [tag],
        "initiationType": "tender",
        "language": "zh",
        "parties": [party],
        "buyer": reference,
    })
}

/// The tender of the project: `value` is the sum of its sections' estimated prices (absent when
/// one of them has none).
fn tender_core(s: &SectionInfo, lots: &[SectionInfo]) -> Map<String, Value> {
    let mut t = Map::new();
    t.insert("id".into(), json!(process_key(s)));
    t.insert("title".into(), json!(s.project_name));
    if let Some(c) = &s.project_code {
        t.insert("description".into(), json!(c));
    }
    if let Some(m) = method(s.procedure.as_deref()) {
        t.insert("procurementMethod".into(), json!(m));
    }
    if let Some(p) = &s.procedure {
        t.insert("procurementMethodDetails".into(), json!(p));
    }
    if let Some(c) = category(&s.market) {
        t.insert("mainProcurementCategory".into(), json!(c));
    }
    let total = lots.iter().try_fold(Money::ZERO, |acc, l| {
        let m = Money::parse_str(l.estimated_price.as_deref()?.trim()).ok()?;
        acc.checked_add(m)
    });
    if let Some(v) = total.and_then(|m| value(Some(&m.amount().to_string()))) {
        t.insert("value".into(), v);
    }
    t
}

/// One section as a lot (lots extension), with its status when the release changes it.
fn lot(s: &SectionInfo, status: Option<&str>) -> Value {
    let mut l = json!({"id": s.section_id, "title": s.section_name});
    if let Some(v) = value(s.estimated_price.as_deref()) {
        l["value"] = v;
    }
    if let Some(st) = status {
        l["status"] = json!(st);
    }
    l
}

fn document(a: &Announcement, kind: &str) -> Value {
    json!({
        "id": a.id,
        "documentType": kind,
        "title": a.title,
        "datePublished": a.published_at.map(|t| t.to_rfc3339()),
        "format": "text/html",
        "language": "zh",
    })
}

async fn save_release(
    tx: &mut Tx,
    s: &SectionInfo,
    tag: &str,
    at: DateTime<Utc>,
    release: &Value,
    source: &str,
) -> Result<()> {
    store::ocds::insert_release(
        tx,
        store::ocds::NewRelease {
            id: &ids::new_id(),
            process: process_key(s),
            section_id: &s.section_id,
            market: &s.market,
            tag,
            released_at: to_micros(at),
            release,
            source,
        },
    )
    .await
}

/// Releases for a published announcement about known sections: `tender` for a tender or
/// prequalification announcement, `tenderAmendment` for a change notice — one per project the
/// notice covers, its sections as lots. `tenderPeriod.endDate` is the earliest deadline of those
/// lots (the lots extension has no tender period per lot).
pub(crate) async fn record_announcement(
    tx: &mut Tx,
    a: &Announcement,
    postpone: &[Postpone],
) -> Result<()> {
    let (tag, kind) = match a.ann_type {
        AnnouncementType::Tender | AnnouncementType::Prequalification => ("tender", "tenderNotice"),
        AnnouncementType::Change => ("tenderAmendment", "clarifications"),
        _ => return Ok(()),
    };
    let Some(at) = a.published_at else {
        return Ok(());
    };
    let linked = crate::service::sections(tx, &a.section_ids).await?;
    let mut groups: Vec<(String, Vec<SectionInfo>)> = Vec::new();
    for s in linked {
        let key = process_key(&s).to_string();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(s),
            None => groups.push((key, vec![s])),
        }
    }
    for (key, covered) in groups {
        let s = &covered[0];
        let lots = lots_of(tx, s).await?;
        let rid = format!("{tag}-{}", a.id);
        let mut r = base(s, tag, &rid, at);
        let mut t = tender_core(s, &lots);
        t.insert("documents".into(), json!([document(a, kind)]));
        if tag == "tender" {
            t.insert("status".into(), json!("active"));
            t.insert("submissionMethod".into(), json!(["electronicSubmission"]));
            let start = a
                .fields
                .get("docs_available_at")
                .and_then(Value::as_str)
                .and_then(|x| DateTime::parse_from_rfc3339(x).ok())
                .map(|x| x.with_timezone(&Utc).max(at))
                .unwrap_or(at);
            let mut period = json!({"startDate": start.to_rfc3339()});
            if let Some(d) = covered.iter().filter_map(|c| c.bid_deadline).min() {
                period["endDate"] = json!(d.to_rfc3339());
            }
            t.insert("tenderPeriod".into(), period);
            t.insert(
                "lots".into(),
                json!(covered
                    .iter()
                    .map(|c| lot(c, Some("active")))
                    .collect::<Vec<_>>()),
            );
        } else {
            let description = a
                .fields
                .get("change_summary")
                .and_then(Value::as_str)
                .unwrap_or(&a.title);
            t.insert(
                "amendments".into(),
                json!([{"id": a.id, "date": at.to_rfc3339(), "description": description,
                        "rationale": a.title}]),
            );
            if let Some(d) = postpone
                .iter()
                .filter(|p| covered.iter().any(|c| c.section_id == p.section_id))
                .map(|p| p.new_deadline)
                .min()
            {
                t.insert("tenderPeriod".into(), json!({"endDate": d.to_rfc3339()}));
            }
        }
        r["tender"] = Value::Object(t);
        save_release(tx, s, tag, at, &r, &format!("{}:{key}", a.id)).await?;
    }
    Ok(())
}

/// A bid as the platform knows it at the opening: `valid` when decrypted and priced with a
/// deposit not found missing or invalid (the `process.single_valid_bid` rule's reading, docs/
/// monitoring.md), else `disqualified`.
fn opening_status(e: &OpeningEntry) -> BidStatus {
    let decrypted = e.decryption == "decrypted";
    let priced = e.price.is_some();
    let deposit_bad = matches!(e.deposit.as_str(), "missing" | "invalid");
    if decrypted && priced && !deposit_bad {
        BidStatus::Valid
    } else {
        BidStatus::Disqualified
    }
}

/// Per-lot bid statistics (bids extension): bidders and valid bids of the section.
async fn statistics(tx: &mut Tx, section_id: &str) -> Result<Value> {
    let rows = store::ocds::bid_statuses(tx, section_id).await?;
    let mut valid = 0i64;
    for status in &rows {
        if *status == BidStatus::Valid {
            valid += 1;
        }
    }
    Ok(json!([
        {"id": format!("{section_id}-bidders"), "measure": "bidders",
         "value": rows.len(), "relatedLot": section_id},
        {"id": format!("{section_id}-validBids"), "measure": "validBids",
         "value": valid, "relatedLot": section_id},
    ]))
}

/// The opening release (`projects.opening.recorded`, tag `tenderUpdate`): the tenderers as
/// parties identified by their USCC, `tender.tenderers` and `tender.numberOfTenderers` (distinct
/// tenderers over every opened lot of the project), one bid per entry of the opening record
/// (`bids.details`: id, tenderers, opened price, status, `relatedLots`) and per-lot statistics.
///
/// Nothing about bids before the deadline (招标投标法 第二十二条, 第三十四条): an opening whose
/// time or event falls before the section's bid deadline, or of a section whose deadline
/// publishing does not know, writes nothing.
pub(crate) async fn record_opening(
    tx: &mut Tx,
    s: &SectionInfo,
    event_id: &str,
    opened: Option<DateTime<Utc>>,
    entries: &[OpeningEntry],
    occurred: DateTime<Utc>,
) -> Result<()> {
    let (Some(opened), Some(deadline)) = (opened, s.bid_deadline) else {
        tracing::warn!(event = %event_id, "opening without opening time or known deadline: no OCDS release");
        return Ok(());
    };
    if opened < deadline || occurred < deadline {
        tracing::warn!(event = %event_id, "opening dated before the bid deadline: no OCDS release");
        return Ok(());
    }
    let lots = lots_of(tx, s).await?;
    // Dated when the record was published (the event), so a `since` harvester receives it.
    let mut r = base(s, "tenderUpdate", &format!("opening-{event_id}"), occurred);
    let mut details = Vec::new();
    for e in entries {
        let (org, bid) = (e.org_id.as_str(), e.bid_id.as_str());
        let name = Some(e.org_name.as_str())
            .filter(|n| !n.is_empty())
            .unwrap_or(org);
        let (tenderer, reference) = party(Some(&e.uscc), org, name, &["tenderer"]);
        let status = opening_status(e);
        store::ocds::insert_bid(
            tx,
            store::ocds::NewBid {
                section_id: &s.section_id,
                org_id: org,
                process: process_key(s),
                bid_id: bid,
                party_id: reference["id"].as_str().unwrap_or(org),
                party_name: name,
                status,
            },
        )
        .await?;
        if let Some(parties) = r["parties"].as_array_mut() {
            if !parties.iter().any(|x| x["id"] == tenderer["id"]) {
                parties.push(tenderer);
            }
        }
        let mut b = json!({"id": bid, "status": status.as_str(), "tenderers": [reference],
                           "relatedLots": [s.section_id]});
        if let Some(v) = value(e.price.map(|m| m.to_string()).as_deref()) {
            b["value"] = v;
        }
        details.push(b);
    }
    let rows = store::ocds::parties_of_process(tx, process_key(s)).await?;
    let mut tenderers = Vec::new();
    for row in rows {
        let (id, name) = (row.party_id, row.party_name);
        tenderers.push(json!({"id": id, "name": name}));
    }
    let mut t = tender_core(s, &lots);
    t.insert("numberOfTenderers".into(), json!(tenderers.len()));
    t.insert("tenderers".into(), json!(tenderers));
    t.insert("lots".into(), json!([lot(s, None)]));
    r["tender"] = Value::Object(t);
    r["bids"] = json!({"details": details, "statistics": statistics(tx, &s.section_id).await?});
    save_release(
        tx,
        s,
        "tenderUpdate",
        occurred,
        &r,
        &format!("opening:{}", s.section_id),
    )
    .await
}

/// A bid disqualified by the evaluation committee (`evaluation.bid.rejected`): a `tenderUpdate`
/// release with the bid's new status and the lot's statistics. A bid this area never published
/// (no opening release) changes nothing.
pub(crate) async fn record_disqualification(
    tx: &mut Tx,
    s: &SectionInfo,
    event_id: &str,
    org_id: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let n = store::ocds::disqualify_bid(tx, &s.section_id, org_id).await?;
    if n == 0 {
        return Ok(());
    }
    let bid = store::ocds::bid_id(tx, &s.section_id, org_id).await?;
    let lots = lots_of(tx, s).await?;
    let mut r = base(s, "tenderUpdate", &format!("disqualified-{event_id}"), at);
    let mut t = tender_core(s, &lots);
    t.insert("lots".into(), json!([lot(s, None)]));
    r["tender"] = Value::Object(t);
    r["bids"] = json!({"details": [{"id": bid, "status": "disqualified"}],
                       "statistics": statistics(tx, &s.section_id).await?});
    save_release(tx, s, "tenderUpdate", at, &r, &format!("event:{event_id}")).await
}

/// The award release (`projects.award.confirmed`): the award `relatedLots` its section and
/// `relatedBid` the winner's bid when the opening was published; the supplier is the tenderer
/// party (same USCC identifier). The tender is `complete` only for a one-lot project; otherwise
/// the lot is.
pub(crate) async fn record_award(
    tx: &mut Tx,
    s: &SectionInfo,
    event_id: &str,
    p: &AwardConfirmed,
    at: DateTime<Utc>,
) -> Result<()> {
    let winner = p.winner_org_id.as_str();
    let mut name = p.winner_name.clone().unwrap_or_default();
    let mut uscc: Option<String> = None;
    let mut bid: Option<String> = None;
    if let Some(row) = store::ocds::bid(tx, &s.section_id, winner).await? {
        bid = Some(row.bid_id);
        if name.is_empty() {
            name = row.party_name;
        }
    }
    if let Some(row) = store::sections::org(tx, winner).await? {
        uscc = Some(row.uscc).filter(|u| !u.is_empty());
        if name.is_empty() {
            name = row.name;
        }
    }
    if uscc.is_none() {
        if let Some(id) = store::ocds::party_id(tx, &s.section_id, winner).await? {
            uscc = id
                .strip_prefix(&format!("{USCC_SCHEME}-"))
                .map(str::to_string);
        }
    }
    let lots = lots_of(tx, s).await?;
    let mut r = base(s, "award", &format!("award-{event_id}"), at);
    let (supplier, reference) = party(uscc.as_deref(), winner, &name, &["tenderer", "supplier"]);
    if let Some(parties) = r["parties"].as_array_mut() {
        parties.push(supplier);
    }
    let mut award = json!({
        "id": format!("{}-award", s.section_id),
        "title": format!("{} {}", s.project_name, s.section_name),
        "status": "active",
        "date": p.awarded_at.unwrap_or(at).to_rfc3339(),
        "suppliers": [reference],
        "relatedLots": [s.section_id],
    });
    if let Some(v) = value(p.price.map(|m| m.to_string()).as_deref()) {
        award["value"] = v;
    }
    if let Some(b) = bid {
        award["relatedBid"] = json!(b);
    }
    r["awards"] = json!([award]);
    let mut t = tender_core(s, &lots);
    if lots.len() <= 1 {
        t.insert("status".into(), json!("complete"));
    }
    t.insert("lots".into(), json!([lot(s, Some("complete"))]));
    r["tender"] = Value::Object(t);
    save_release(tx, s, "award", at, &r, &format!("event:{event_id}")).await
}

/// The contract release (`projects.contract.signed`), dated at the signing instant so a `since`
/// harvester receives it; its lot is the award's (`awardID` → `awards[].relatedLots`).
pub(crate) async fn record_contract(
    tx: &mut Tx,
    s: &SectionInfo,
    event_id: &str,
    signed_at: Option<DateTime<Utc>>,
    amount: Option<Money>,
    at: DateTime<Utc>,
) -> Result<()> {
    let mut r = base(s, "contract", &format!("contract-{event_id}"), at);
    let mut c = json!({
        "id": format!("{}-contract", s.section_id),
        "awardID": format!("{}-award", s.section_id),
        "title": format!("{} {}", s.project_name, s.section_name),
        "status": "active",
        "dateSigned": signed_at.unwrap_or(at).to_rfc3339(),
    });
    if let Some(v) = value(amount.map(|m| m.to_string()).as_deref()) {
        c["value"] = v;
    }
    r["contracts"] = json!([c]);
    save_release(tx, s, "contract", at, &r, &format!("event:{event_id}")).await
}

/// A failed (`tenderUpdate`, unsuccessful) or terminated (`tenderCancellation`) section: the lot's
/// status, and the tender's for a one-lot project. The reason is in the failure notice drafted
/// from the same event (no `statusDetails`: it is in no declared extension).
pub(crate) async fn record_failure(
    tx: &mut Tx,
    s: &SectionInfo,
    event_id: &str,
    terminated: bool,
    at: DateTime<Utc>,
) -> Result<()> {
    let (tag, status) = if terminated {
        ("tenderCancellation", "cancelled")
    } else {
        ("tenderUpdate", "unsuccessful")
    };
    let lots = lots_of(tx, s).await?;
    let mut r = base(s, tag, &format!("{tag}-{event_id}"), at);
    let mut t = tender_core(s, &lots);
    if lots.len() <= 1 {
        t.insert("status".into(), json!(status));
    }
    t.insert("lots".into(), json!([lot(s, Some(status))]));
    r["tender"] = Value::Object(t);
    save_release(tx, s, tag, at, &r, &format!("event:{event_id}")).await
}

/// The stored release as served: ocid from the configured prefix, document links absolute.
fn finish(ctx: &Ctx, key: &str, mut r: Value) -> Value {
    r["ocid"] = json!(ocid(ctx, key));
    let base = ctx.settings.public_url.trim_end_matches('/').to_string();
    // get_mut, not indexing: indexing a missing key would insert nulls.
    if let Some(docs) = r
        .get_mut("tender")
        .and_then(|t| t.get_mut("documents"))
        .and_then(Value::as_array_mut)
    {
        for d in docs {
            if let Some(id) = d["id"].as_str().map(str::to_string) {
                d["url"] = json!(format!("{base}/api/v1/announcements/{id}"));
            }
        }
    }
    r
}

/// The ocid of a contracting process: prefix + project id (+ section id for a section whose
/// project publishing never learnt).
pub fn ocid(ctx: &Ctx, key: &str) -> String {
    format!("{}-{key}", ctx.settings.ocid_prefix)
}

fn publisher(ctx: &Ctx) -> Value {
    json!({"name": format!("公共资源交易平台 ({}){}", ctx.settings.region, sandbox_mark(ctx))})
}

/// The marker a sandbox (演示环境) puts on every published output, so a training copy's data is
/// never mistaken for real notices ("" on a production platform).
pub fn sandbox_mark(ctx: &Ctx) -> &'static str {
    if ctx.settings.sandbox {
        " [演示环境 SANDBOX: simulated data, not a real notice]"
    } else {
        ""
    }
}

/// OCDS merge of one release into the compiled state: objects merge key by key, arrays of
/// objects with `id` merge item by item, anything else is replaced; `null` removes.
fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                if v.is_null() {
                    a.remove(k);
                } else if let Some(cur) = a.get_mut(k) {
                    merge(cur, v);
                } else {
                    a.insert(k.clone(), v.clone());
                }
            }
        }
        (Value::Array(a), Value::Array(b))
            if b.iter().all(|x| x.get("id").is_some())
                && a.iter().all(|x| x.get("id").is_some()) =>
        {
            for item in b {
                match a.iter_mut().find(|x| x.get("id") == item.get("id")) {
                    Some(cur) => merge(cur, item),
                    None => a.push(item.clone()),
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// The compiled release of a contracting process from its releases, oldest first.
pub fn compile(ocid: &str, releases: &[Value]) -> Value {
    let mut c = json!({});
    for r in releases {
        let mut r = r.clone();
        if let Some(o) = r.as_object_mut() {
            // omitWhenMerged in the release schema.
            o.remove("id");
            o.remove("date");
            o.remove("tag");
        }
        merge(&mut c, &r);
    }
    let date = releases
        .last()
        .and_then(|r| r["date"].as_str())
        .unwrap_or_default()
        .to_string();
    c["ocid"] = json!(ocid);
    c["id"] = json!(format!("{ocid}-compiled"));
    c["date"] = json!(date);
    c["tag"] = json!(["compiled"]);
    c
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ReleaseFilter {
    /// Releases dated at or after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Only this market's contracting processes.
    #[param(pattern = "^(construction|procurement|land|property)$")]
    pub market: Option<String>,
    /// Opaque cursor from the `Link: rel="next"` header of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

fn encode_cursor(at: i64, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{at}|{id}"))
}

fn decode_cursor(c: &str) -> Result<(i64, String)> {
    let bad = || Error::bad_request("invalid cursor");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    let (t, id) = s.split_once('|').ok_or_else(bad)?;
    Ok((t.parse().map_err(|_| bad())?, id.to_string()))
}

/// OCDS 1.1 release package: one release per change, oldest first (public, no login).
#[utoipa::path(get, path = "/api/v1/ocds/releases", tag = "publishing", params(ReleaseFilter),
    responses((status = 200, description = "OCDS 1.1 release package", content_type = "application/json"),
              (status = 400, description = "bad cursor"), (status = 422)))]
async fn releases(State(ctx): State<Ctx>, Query(f): Query<ReleaseFilter>) -> Result<Response> {
    // Public: no role required.
    let mut v = ggzy_core::error::Violations::new();
    if let Some(m) = &f.market {
        v.take("market", Market::parse(m));
    }
    let limit = f.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        v.push("limit", "range", "limit is 1 to 500");
    }
    v.into_result()?;
    let mut filter = ggzy_store::filter::Filter::all();
    if let Some(m) = &f.market {
        filter.eq("market", m);
    }
    if let Some(t) = f.since {
        filter.and("released_at >= ?", [to_micros(t)]);
    }
    if let Some(c) = &f.cursor {
        let (t, id) = decode_cursor(c)?;
        filter.and(
            "(released_at > ? OR (released_at = ? AND id > ?))",
            [ggzy_store::filter::Value::from(t), t.into(), id.into()],
        );
    }
    let rows = store::ocds::releases(&ctx.db, &filter, limit + 1).await?;
    let n_rows = rows.len() as i64;
    let mut out = Vec::new();
    let mut next = None;
    for (k, r) in rows.into_iter().enumerate() {
        if k as i64 == limit {
            break;
        }
        let store::ocds::ReleaseRow {
            id,
            ocid: key,
            released_at: at,
            release: JsonText(rel),
        } = r;
        out.push(finish(&ctx, &key, rel));
        if n_rows > limit && k as i64 == limit - 1 {
            next = Some(encode_cursor(at, &id));
        }
    }
    let base = ctx.settings.public_url.trim_end_matches('/');
    let package = json!({
        "uri": format!("{base}/api/v1/ocds/releases"),
        "version": "1.1",
        "publishedDate": ctx.clock.now().to_rfc3339(),
        "publisher": publisher(&ctx),
        "extensions": EXTENSIONS,
        "releases": out,
    });
    let mut resp = Json(package).into_response();
    if let Some(c) = next {
        let mut link = format!("<{base}/api/v1/ocds/releases?cursor={c}&limit={limit}");
        if let Some(m) = &f.market {
            link.push_str(&format!("&market={m}"));
        }
        link.push_str(">; rel=\"next\"");
        if let Ok(v) = HeaderValue::from_str(&link) {
            resp.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(resp)
}

/// OCDS 1.1 record package for one contracting process (a project): every release and the
/// compiled release. The ocid a section had before processes were projects (`<prefix>-<section>`)
/// answers 308 to its project's record.
#[utoipa::path(get, path = "/api/v1/ocds/records/{ocid}", tag = "publishing",
    params(("ocid" = String, Path, description = "`<prefix>-<project_id>`")),
    responses((status = 200, description = "OCDS 1.1 record package", content_type = "application/json"),
              (status = 308, description = "a former section ocid: the project's record"),
              (status = 404)))]
async fn record(
    State(ctx): State<Ctx>,
    _headers: HeaderMap,
    Path(ocid_param): Path<String>,
) -> Result<Response> {
    // Public: no role required.
    let not_found = || Error::not_found(format!("contracting process {ocid_param}"));
    let key = ocid_param
        .strip_prefix(&format!("{}-", ctx.settings.ocid_prefix))
        .ok_or_else(not_found)?;
    let rows = store::ocds::releases_of_process(&ctx.db, key).await?;
    let base = ctx.settings.public_url.trim_end_matches('/');
    if rows.is_empty() {
        let moved = store::ocds::moved_process(&ctx.db, key).await?;
        let Some(to) = moved else {
            return Err(not_found());
        };
        // Relative (RFC 9110 allows it): right behind any proxy whatever `public_url` says.
        let location = format!("/api/v1/ocds/records/{}", ocid(&ctx, &to));
        let mut resp = axum::http::StatusCode::PERMANENT_REDIRECT.into_response();
        if let Ok(v) = HeaderValue::from_str(&location) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        return Ok(resp);
    }
    let mut rels = Vec::new();
    for JsonText(v) in rows {
        rels.push(finish(&ctx, key, v));
    }
    Ok(Json(json!({
        "uri": format!("{base}/api/v1/ocds/records/{ocid_param}"),
        "version": "1.1",
        "publishedDate": ctx.clock.now().to_rfc3339(),
        "publisher": publisher(&ctx),
        "extensions": EXTENSIONS,
        "records": [{
            "ocid": ocid_param,
            "compiledRelease": compile(&ocid_param, &rels),
            "releases": rels,
        }],
    }))
    .into_response())
}

#[cfg(test)]
mod tests;
