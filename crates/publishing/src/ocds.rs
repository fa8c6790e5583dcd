//! Open Contracting Data Standard 1.1 (OCDS): one release per change of a contracting process, a
//! release package feed and compiled records.
//!
//! A contracting process is one section (标段): `ocid = <prefix>-<section_id>`, the prefix from
//! `Settings::ocid_prefix` (`GGZY_OCDS_PREFIX`). Releases are written in the transaction of the
//! change they describe — a tender or change notice going out ([`record_announcement`]), an award,
//! contract, failure or termination arriving from the projects area (`crate::lifecycle`) — and
//! stored without their ocid, which is added when they are served, so the prefix is configuration.
//!
//! Mapping (tag ← source): `tender` ← published tender/prequalification announcement;
//! `tenderAmendment` ← published change notice (postponed deadline in `tender.tenderPeriod`);
//! `tenderUpdate` ← `projects.section.failed` (status unsuccessful); `tenderCancellation` ←
//! `projects.section.terminated`; `award` ← `projects.award.confirmed`; `contract` ←
//! `projects.contract.signed`.

use crate::rules::AnnouncementType;
use crate::service::{Announcement, Postpone, SectionInfo};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use ggzy_core::http::{Json, Path, Query};
use ggzy_core::ident::Market;
use ggzy_core::money::Money;
use ggzy_core::time::to_micros;
use ggzy_core::{ids, Error, Result};
use ggzy_store::{Ctx, Tx};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sqlx::Row;
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
        _ => None,
    }
}

fn category(market: &str) -> Option<&'static str> {
    match Market::parse(market).ok()? {
        Market::Construction => Some("works"),
        _ => None,
    }
}

fn buyer(s: &SectionInfo) -> (Value, Value) {
    let id = s
        .tenderer_uscc
        .clone()
        .or_else(|| s.owner_org_id.clone())
        .unwrap_or_else(|| format!("tenderer-{}", s.project_id));
    let name = s
        .tenderer_name
        .clone()
        .unwrap_or_else(|| s.project_name.clone());
    (
        json!({"id": id, "name": name, "roles": ["buyer", "procuringEntity"]}),
        json!({"id": id, "name": name}),
    )
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

fn tender_core(s: &SectionInfo) -> Map<String, Value> {
    let mut t = Map::new();
    t.insert("id".into(), json!(s.section_id));
    t.insert(
        "title".into(),
        json!(format!("{} {}", s.project_name, s.section_name)),
    );
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
    if let Some(v) = value(s.estimated_price.as_deref()) {
        t.insert("value".into(), v);
    }
    t
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

async fn store(
    tx: &mut Tx,
    s: &SectionInfo,
    tag: &str,
    at: DateTime<Utc>,
    release: &Value,
    source: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO ocds_releases (id, ocid, section_id, market, tag, released_at, release, source) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (source) DO NOTHING",
    )
    .bind(ids::new_id())
    .bind(&s.section_id)
    .bind(&s.section_id)
    .bind(&s.market)
    .bind(tag)
    .bind(to_micros(at))
    .bind(release.to_string())
    .bind(source)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Releases for a published announcement about known sections: `tender` for a tender or
/// prequalification announcement, `tenderAmendment` for a change notice.
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
    for s in crate::service::sections(tx, &a.section_ids).await? {
        let rid = format!("{tag}-{}", a.id);
        let mut r = base(&s, tag, &rid, at);
        let mut t = tender_core(&s);
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
            if let Some(d) = s.bid_deadline {
                period["endDate"] = json!(d.to_rfc3339());
            }
            t.insert("tenderPeriod".into(), period);
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
            if let Some(p) = postpone.iter().find(|p| p.section_id == s.section_id) {
                t.insert(
                    "tenderPeriod".into(),
                    json!({"endDate": p.new_deadline.to_rfc3339()}),
                );
            }
        }
        r["tender"] = Value::Object(t);
        store(tx, &s, tag, at, &r, &format!("{}:{}", a.id, s.section_id)).await?;
    }
    Ok(())
}

/// The award release (`projects.award.confirmed`).
pub(crate) async fn record_award(
    tx: &mut Tx,
    s: &SectionInfo,
    event_id: &str,
    p: &Value,
    at: DateTime<Utc>,
) -> Result<()> {
    let winner = p["winner_org_id"].as_str().unwrap_or_default();
    let name = p["winner_name"].as_str().unwrap_or_default();
    let mut r = base(s, "award", &format!("award-{event_id}"), at);
    if let Some(parties) = r["parties"].as_array_mut() {
        parties.push(json!({"id": winner, "name": name, "roles": ["supplier"]}));
    }
    let mut award = json!({
        "id": format!("{}-award", s.section_id),
        "title": format!("{} {}", s.project_name, s.section_name),
        "status": "active",
        "date": p["awarded_at"].as_str().unwrap_or(&at.to_rfc3339()),
        "suppliers": [{"id": winner, "name": name}],
    });
    if let Some(v) = value(p["price"].as_str()) {
        award["value"] = v;
    }
    r["awards"] = json!([award]);
    let mut t = tender_core(s);
    t.insert("status".into(), json!("complete"));
    r["tender"] = Value::Object(t);
    store(tx, s, "award", at, &r, &format!("event:{event_id}")).await
}

/// The contract release (`projects.contract.signed`).
pub(crate) async fn record_contract(
    tx: &mut Tx,
    s: &SectionInfo,
    event_id: &str,
    p: &Value,
    at: DateTime<Utc>,
) -> Result<()> {
    let mut r = base(s, "contract", &format!("contract-{event_id}"), at);
    let mut c = json!({
        "id": format!("{}-contract", s.section_id),
        "awardID": format!("{}-award", s.section_id),
        "title": format!("{} {}", s.project_name, s.section_name),
        "status": "active",
        "dateSigned": p["signed_at"].as_str().unwrap_or(&at.to_rfc3339()),
    });
    if let Some(v) = value(p["amount"].as_str()) {
        c["value"] = v;
    }
    r["contracts"] = json!([c]);
    store(tx, s, "contract", at, &r, &format!("event:{event_id}")).await
}

/// A failed (`tenderUpdate`, unsuccessful) or terminated (`tenderCancellation`) section.
pub(crate) async fn record_failure(
    tx: &mut Tx,
    s: &SectionInfo,
    event_id: &str,
    terminated: bool,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let (tag, status) = if terminated {
        ("tenderCancellation", "cancelled")
    } else {
        ("tenderUpdate", "unsuccessful")
    };
    let mut r = base(s, tag, &format!("{tag}-{event_id}"), at);
    let mut t = tender_core(s);
    t.insert("status".into(), json!(status));
    t.insert("statusDetails".into(), json!(reason));
    r["tender"] = Value::Object(t);
    store(tx, s, tag, at, &r, &format!("event:{event_id}")).await
}

/// The stored release as served: ocid from the configured prefix, document links absolute.
fn finish(ctx: &Ctx, section_id: &str, mut r: Value) -> Value {
    r["ocid"] = json!(ocid(ctx, section_id));
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

pub fn ocid(ctx: &Ctx, section_id: &str) -> String {
    format!("{}-{section_id}", ctx.settings.ocid_prefix)
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
    enum B {
        S(String),
        I(i64),
    }
    let mut wh = vec!["1 = 1".to_string()];
    let mut binds: Vec<B> = Vec::new();
    if let Some(m) = &f.market {
        binds.push(B::S(m.clone()));
        wh.push(format!("market = ${}", binds.len()));
    }
    if let Some(t) = f.since {
        binds.push(B::I(to_micros(t)));
        wh.push(format!("released_at >= ${}", binds.len()));
    }
    if let Some(c) = &f.cursor {
        let (t, id) = decode_cursor(c)?;
        binds.push(B::I(t));
        binds.push(B::S(id));
        let n = binds.len();
        wh.push(format!(
            "(released_at > ${} OR (released_at = ${} AND id > ${n}))",
            n - 1,
            n - 1
        ));
    }
    let sql = format!(
        "SELECT id, section_id, released_at, release FROM ocds_releases WHERE {} \
         ORDER BY released_at, id LIMIT {}",
        wh.join(" AND "),
        limit + 1
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = match b {
            B::S(s) => q.bind(s),
            B::I(i) => q.bind(i),
        };
    }
    let rows = q.fetch_all(ctx.db.pool()).await?;
    let mut out = Vec::new();
    let mut next = None;
    for (k, r) in rows.iter().enumerate() {
        if k as i64 == limit {
            break;
        }
        let id: String = r.try_get(0)?;
        let section: String = r.try_get(1)?;
        let at: i64 = r.try_get(2)?;
        let rel: String = r.try_get(3)?;
        let rel: Value =
            serde_json::from_str(&rel).map_err(|e| Error::internal(format!("release: {e}")))?;
        out.push(finish(&ctx, &section, rel));
        if rows.len() as i64 > limit && k as i64 == limit - 1 {
            next = Some(encode_cursor(at, &id));
        }
    }
    let base = ctx.settings.public_url.trim_end_matches('/');
    let package = json!({
        "uri": format!("{base}/api/v1/ocds/releases"),
        "version": "1.1",
        "publishedDate": ctx.clock.now().to_rfc3339(),
        "publisher": publisher(&ctx),
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

/// OCDS 1.1 record package for one contracting process: every release and the compiled release.
#[utoipa::path(get, path = "/api/v1/ocds/records/{ocid}", tag = "publishing",
    params(("ocid" = String, Path, description = "`<prefix>-<section_id>`")),
    responses((status = 200, description = "OCDS 1.1 record package", content_type = "application/json"),
              (status = 404)))]
async fn record(
    State(ctx): State<Ctx>,
    _headers: HeaderMap,
    Path(ocid_param): Path<String>,
) -> Result<Json<Value>> {
    // Public: no role required.
    let not_found = || Error::not_found(format!("contracting process {ocid_param}"));
    let section = ocid_param
        .strip_prefix(&format!("{}-", ctx.settings.ocid_prefix))
        .ok_or_else(not_found)?;
    let rows = sqlx::query(
        "SELECT release FROM ocds_releases WHERE section_id = $1 ORDER BY released_at, id",
    )
    .bind(section)
    .fetch_all(ctx.db.pool())
    .await?;
    if rows.is_empty() {
        return Err(not_found());
    }
    let mut rels = Vec::new();
    for r in &rows {
        let s: String = r.try_get(0)?;
        let v: Value =
            serde_json::from_str(&s).map_err(|e| Error::internal(format!("release: {e}")))?;
        rels.push(finish(&ctx, section, v));
    }
    let base = ctx.settings.public_url.trim_end_matches('/');
    Ok(Json(json!({
        "uri": format!("{base}/api/v1/ocds/records/{ocid_param}"),
        "version": "1.1",
        "publishedDate": ctx.clock.now().to_rfc3339(),
        "publisher": publisher(&ctx),
        "records": [{
            "ocid": ocid_param,
            "compiledRelease": compile(&ocid_param, &rels),
            "releases": rels,
        }],
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_release_merges_arrays_by_id_and_keeps_the_latest_values() {
        let r1 = json!({"id": "tender-1", "date": "2026-03-02T01:00:00+00:00", "tag": ["tender"],
            "initiationType": "tender",
            "tender": {"id": "s1", "status": "active", "tenderPeriod": {"startDate": "a", "endDate": "b"}}});
        let r2 = json!({"id": "amend-1", "date": "2026-03-10T01:00:00+00:00", "tag": ["tenderAmendment"],
            "initiationType": "tender",
            "tender": {"id": "s1", "tenderPeriod": {"endDate": "c"}, "amendments": [{"id": "x"}]}});
        let r3 = json!({"id": "award-1", "date": "2026-04-01T01:00:00+00:00", "tag": ["award"],
            "initiationType": "tender", "awards": [{"id": "a1", "status": "active"}],
            "tender": {"id": "s1", "status": "complete"}});
        let c = compile("ocds-x-s1", &[r1, r2, r3]);
        assert_eq!(c["tag"], json!(["compiled"]));
        assert_eq!(c["date"], "2026-04-01T01:00:00+00:00");
        assert_eq!(c["tender"]["tenderPeriod"]["startDate"], "a");
        assert_eq!(c["tender"]["tenderPeriod"]["endDate"], "c");
        assert_eq!(c["tender"]["status"], "complete");
        assert_eq!(c["tender"]["amendments"], json!([{"id": "x"}]));
        assert_eq!(c["awards"][0]["id"], "a1");
    }

    #[test]
    fn amounts_are_exact_decimals_and_methods_follow_the_codelist() {
        assert_eq!(
            value(Some("1234.50")),
            Some(json!({"amount": 1234.5, "currency": "CNY"}))
        );
        assert_eq!(value(Some("x")), None);
        assert_eq!(method(Some("open_tender")), Some("open"));
        assert_eq!(method(Some("invited_tender")), Some("selective"));
    }
}
