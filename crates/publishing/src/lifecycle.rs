//! Publishing follows the trading lifecycle from the projects area's events: it keeps its own copy
//! of projects and sections (titles, markets, tenderer, deadlines), drafts the opening record,
//! candidate publicity, award and failure notices from the events — so the numbers are never
//! retyped — and writes the OCDS opening, disqualification (`evaluation.bid.rejected`), award,
//! contract and failure releases.
//!
//! An auto-draft belongs to the tenderer's organization, keeps the event's values in
//! `source_fields` (an edit may add to them, never change them) and goes through the ordinary
//! workflow: the tenderer completes the fields the event does not carry, submits, staff approve.
//!
//! Land and property trades: `auctions.deal.confirmed` drafts the deal announcement (成交公告) with
//! the subject, the buyer's name (from this area's copy of organizations, `publishing_orgs`, fed by
//! `identity.organization.registered` in the same log order), the price and the deal time;
//! `auctions.listing.failed` / `auctions.auction.failed` draft a failure notice (流拍公告).

use crate::rules::{render_markdown, AnnouncementType};
use crate::service::{self, SectionInfo};
use chrono::{DateTime, Utc};
use ggzy_core::events::{ActorRef, Event, NewEvent};
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{ids, Clock, Result};
use ggzy_store::consumer::Consumer;
use ggzy_store::{emit, Db, Tx};
use serde_json::{json, Value};
use sqlx::Row;

const NAME: &str = "publishing.lifecycle";

pub struct LifecycleProjection;

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn micros(v: &Value) -> Option<i64> {
    time(v).map(to_micros)
}

/// Upsert one section from a project or section payload (`project` carries the project's own
/// fields when the section comes inside `projects.project.approved`).
async fn upsert_section(tx: &mut Tx, project: &Value, s: &Value, now: i64) -> Result<()> {
    let pick = |k: &str| -> Option<String> {
        s[k].as_str()
            .or_else(|| project[k].as_str())
            .map(str::to_string)
    };
    let Some(section_id) = pick("section_id") else {
        return Ok(());
    };
    let Some(project_id) = pick("project_id") else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO publishing_sections (section_id, project_id, project_code, project_name, section_name, \
         market, procedure, region, tenderer_name, tenderer_uscc, owner_org_id, estimated_price, docs_issue_at, \
         bid_deadline, opening_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (section_id) DO UPDATE SET project_id = excluded.project_id, \
         project_code = COALESCE(excluded.project_code, publishing_sections.project_code), \
         project_name = excluded.project_name, section_name = excluded.section_name, market = excluded.market, \
         procedure = COALESCE(excluded.procedure, publishing_sections.procedure), \
         region = COALESCE(excluded.region, publishing_sections.region), \
         tenderer_name = COALESCE(excluded.tenderer_name, publishing_sections.tenderer_name), \
         tenderer_uscc = COALESCE(excluded.tenderer_uscc, publishing_sections.tenderer_uscc), \
         owner_org_id = COALESCE(excluded.owner_org_id, publishing_sections.owner_org_id), \
         estimated_price = COALESCE(excluded.estimated_price, publishing_sections.estimated_price), \
         docs_issue_at = COALESCE(excluded.docs_issue_at, publishing_sections.docs_issue_at), \
         bid_deadline = COALESCE(excluded.bid_deadline, publishing_sections.bid_deadline), \
         opening_at = COALESCE(excluded.opening_at, publishing_sections.opening_at), \
         updated_at = excluded.updated_at",
    )
    .bind(&section_id)
    .bind(&project_id)
    .bind(pick("project_code").or_else(|| project["code"].as_str().map(str::to_string)))
    .bind(
        pick("project_name")
            .or_else(|| project["name"].as_str().map(str::to_string))
            .unwrap_or_default(),
    )
    .bind(s["name"].as_str().unwrap_or_default())
    .bind(pick("market").unwrap_or_default())
    .bind(pick("procedure"))
    .bind(pick("region"))
    .bind(pick("tenderer_name"))
    .bind(pick("tenderer_uscc"))
    .bind(pick("owner_org_id"))
    .bind(s["estimated_price"].as_str().map(str::to_string))
    .bind(micros(&s["docs_issue_at"]))
    .bind(micros(&s["bid_deadline"]))
    .bind(micros(&s["opening_at"]))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The section an event is about, from the projection; a minimal stand-in when the projection
/// has not seen it (the event's own ids and market still hold).
async fn section_of(tx: &mut Tx, p: &Value) -> Result<Option<SectionInfo>> {
    let Some(id) = p["section_id"].as_str() else {
        return Ok(None);
    };
    if let Some(s) = service::sections(tx, &[id.to_string()])
        .await?
        .into_iter()
        .next()
    {
        return Ok(Some(s));
    }
    Ok(Some(SectionInfo {
        section_id: id.to_string(),
        project_id: p["project_id"].as_str().unwrap_or_default().to_string(),
        project_code: None,
        project_name: p["project_id"].as_str().unwrap_or(id).to_string(),
        section_name: String::new(),
        market: p["market"].as_str().unwrap_or("construction").to_string(),
        procedure: p["procedure"].as_str().map(str::to_string),
        tenderer_name: None,
        tenderer_uscc: None,
        owner_org_id: None,
        estimated_price: None,
        docs_issue_at: None,
        bid_deadline: None,
        opening_at: None,
    }))
}

/// Markdown table cell: a value from an event, with `|` and line breaks neutralised.
fn cell(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    };
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// An instant from an event, in Beijing time for the reader (`2026-04-03 09:30`).
fn cell_time(v: &Value) -> String {
    match time(v) {
        Some(t) => crate::portal::view::when(t),
        None => cell(v),
    }
}

/// An amount from an event, as money (`9,876,543.21 元`).
fn cell_money(v: &Value) -> String {
    match v
        .as_str()
        .and_then(|s| ggzy_core::money::Money::parse_str(s).ok())
    {
        Some(m) => crate::portal::view::money(m),
        None => cell(v),
    }
}

/// A bid's decryption state in words.
fn decryption_text(v: &Value) -> &'static str {
    match v.as_str() {
        Some("decrypted") => "已解密",
        Some("not_decrypted") | Some("revoked") => "未解密（撤销）",
        _ => "—",
    }
}

/// A bidder's deposit state at the opening in words.
fn deposit_text(v: &Value) -> &'static str {
    match v.as_str() {
        Some("valid") => "有效",
        Some("missing") => "未缴纳",
        Some("invalid") => "无效",
        _ => "未确认",
    }
}

mod drafts;
use self::drafts::*;

/// The candidate publicity's end moved (projects re-derived it when a holiday schedule was
/// imported, 民法典 203): the platform's candidate-publicity announcement of the section follows.
/// Not yet published (draft, returned, submitted): its end field, the locked source value and the
/// body's period line take the new end. Already published: the public text is not rewritten
/// behind the reader's back; `publishing.announcement.date_outdated` tells its owner and staff to
/// publish a correction (更正公告).
async fn publicity_end_moved(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let (Some(section_id), Some(new_end)) = (p["section_id"].as_str(), p["due_at"].as_str()) else {
        return Ok(());
    };
    let old_end = p["previous_due_at"].clone();
    let rows = sqlx::query(
        "SELECT id, status, fields, source_fields, body_md, section_ids FROM announcements \
         WHERE ann_type = $1 AND status IN ('draft', 'returned', 'submitted', 'published') ORDER BY id",
    )
    .bind(AnnouncementType::CandidatePublicity.as_str())
    .fetch_all(&mut **tx)
    .await?;
    for r in rows {
        let ids: Value = serde_json::from_str(&r.try_get::<String, _>(5)?).unwrap_or_default();
        if !ids
            .as_array()
            .into_iter()
            .flatten()
            .any(|v| v == section_id)
        {
            continue;
        }
        let id: String = r.try_get(0)?;
        let status: String = r.try_get(1)?;
        if status == "published" {
            emit(
                tx,
                db,
                &ActorRef::system(NAME),
                now,
                NewEvent::new(
                    "publishing.announcement.date_outdated",
                    "announcement",
                    &id,
                    json!({"id": id, "section_id": section_id, "field": "publicity_end_at",
                           "published": old_end, "now": new_end, "basis": p["basis"],
                           "action": "publish a correction (更正公告)"}),
                ),
            )
            .await?;
            continue;
        }
        let mut fields: Value =
            serde_json::from_str(&r.try_get::<String, _>(2)?).unwrap_or_default();
        let source: Option<String> = r.try_get(3)?;
        let mut source: Value = source
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(Value::Null);
        fields["publicity_end_at"] = json!(new_end);
        if source.is_object() {
            source["publicity_end_at"] = json!(new_end);
        }
        let body: String = r.try_get(4)?;
        let body = body.replace(&cell_time(&old_end), &cell_time(&json!(new_end)));
        sqlx::query(
            "UPDATE announcements SET fields = $1, source_fields = $2, body_md = $3, body_html = $4, \
             updated_at = $5 WHERE id = $6",
        )
        .bind(fields.to_string())
        .bind(if source.is_null() { None } else { Some(source.to_string()) })
        .bind(&body)
        .bind(render_markdown(&body))
        .bind(to_micros(now))
        .bind(&id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// `auctions.deal.terms_recorded` (property, 32号令): the deal announcement (成交公告) still in
/// draft takes the recorded publicity period (公示期, ≥ 5 working days) as fields and a line of its
/// body; a submitted or published one is left as it is (the terms follow the deal, a correction
/// would be a new announcement).
async fn deal_publicity(tx: &mut Tx, now: DateTime<Utc>, p: &Value) -> Result<()> {
    let (Some(deal_id), Some(start), Some(end)) = (
        p["deal_id"].as_str(),
        p["publicity_start"].as_str(),
        p["publicity_end"].as_str(),
    ) else {
        return Ok(());
    };
    let r = sqlx::query(
        "SELECT id, fields, source_fields, body_md FROM announcements \
         WHERE source_event = $1 AND status IN ('draft', 'returned')",
    )
    .bind(format!("deal:{deal_id}:deal"))
    .fetch_optional(&mut **tx)
    .await?;
    let Some(r) = r else { return Ok(()) };
    let id: String = r.try_get(0)?;
    let mut fields: Value = serde_json::from_str(&r.try_get::<String, _>(1)?).unwrap_or_default();
    let source: Option<String> = r.try_get(2)?;
    let mut source: Value = source
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    for v in [&mut fields, &mut source] {
        if v.is_object() {
            v["publicity_start_at"] = json!(start);
            v["publicity_end_at"] = json!(end);
        }
    }
    let body: String = r.try_get(3)?;
    let body = format!(
        "{body}\n公示期（publicity）：{} 至 {}（不少于 5 个工作日）\n",
        cell_time(&json!(start)),
        cell_time(&json!(end))
    );
    sqlx::query(
        "UPDATE announcements SET fields = $1, source_fields = $2, body_md = $3, body_html = $4, \
         updated_at = $5 WHERE id = $6",
    )
    .bind(fields.to_string())
    .bind(if source.is_null() {
        None
    } else {
        Some(source.to_string())
    })
    .bind(&body)
    .bind(render_markdown(&body))
    .bind(to_micros(now))
    .bind(&id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `experts.committee.disclosed` for a procurement section: the result is determined, and its
/// result announcement lists the evaluation experts (财政部令第87号 第六十九条). The award draft(s)
/// of the section not yet submitted get the names as a locked field and a table in the body; the
/// names come from the experts area's event, never from its tables.
async fn experts_disclosed(tx: &mut Tx, now: DateTime<Utc>, p: &Value) -> Result<()> {
    let Some(section_id) = p["section_id"].as_str() else {
        return Ok(());
    };
    let experts: Vec<Value> = p["experts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| json!({"name": e["name"], "specialty": e["specialty"]}))
        .collect();
    let rows = sqlx::query(
        "SELECT id, fields, source_fields, body_md, section_ids FROM announcements \
         WHERE ann_type = $1 AND status IN ('draft', 'returned') AND project_id = $2 ORDER BY id",
    )
    .bind(AnnouncementType::Award.as_str())
    .bind(p["project_id"].as_str().unwrap_or_default())
    .fetch_all(&mut **tx)
    .await?;
    for r in rows {
        let ids: Value = serde_json::from_str(&r.try_get::<String, _>(4)?).unwrap_or_default();
        if !ids
            .as_array()
            .into_iter()
            .flatten()
            .any(|v| v == section_id)
        {
            continue;
        }
        let id: String = r.try_get(0)?;
        let mut fields: Value =
            serde_json::from_str(&r.try_get::<String, _>(1)?).unwrap_or_default();
        let source: Option<String> = r.try_get(2)?;
        let mut source: Value = source
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_else(|| json!({}));
        fields["experts"] = json!(experts);
        source["experts"] = json!(experts);
        let mut body: String = r.try_get(3)?;
        if !body.contains("评审专家名单") {
            body.push_str("\n### 评审专家名单\n\n| 姓名 | 专业 |\n|---|---|\n");
            for e in &experts {
                body.push_str(&format!(
                    "| {} | {} |\n",
                    cell(&e["name"]),
                    cell(&e["specialty"])
                ));
            }
        }
        sqlx::query(
            "UPDATE announcements SET fields = $1, source_fields = $2, body_md = $3, body_html = $4, \
             updated_at = $5 WHERE id = $6",
        )
        .bind(fields.to_string())
        .bind(source.to_string())
        .bind(&body)
        .bind(render_markdown(&body))
        .bind(to_micros(now))
        .bind(&id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl Consumer for LifecycleProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn wants(&self, event_type: &str) -> bool {
        matches!(
            event_type,
            "projects.project.approved"
                | "projects.section.registered"
                | "projects.section.deadline_changed"
                | "projects.opening.recorded"
                | "evaluation.bid.rejected"
                | "projects.candidates.publicized"
                | "projects.award.confirmed"
                | "projects.contract.signed"
                | "projects.section.failed"
                | "projects.section.terminated"
                | "identity.organization.registered"
                | "auctions.deal.confirmed"
                | "auctions.deal.preemption_recorded"
                | "auctions.deal.terms_recorded"
                | "auctions.listing.failed"
                | "auctions.auction.failed"
                | "projects.due_date.rederived"
                | "experts.committee.disclosed"
                | "projects.section.returned_to_evaluation"
                | ggzy_store::calendar::IMPORTED
        )
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let now = clock.now();
        match ev.event_type.as_str() {
            ggzy_store::calendar::IMPORTED => {
                service::recheck_provisional(tx, db, now).await?;
            }
            "experts.committee.disclosed" => {
                if p["market"] == "procurement" {
                    experts_disclosed(tx, now, p).await?;
                }
            }
            "projects.section.returned_to_evaluation" => {
                crate::voided::withdraw_result(tx, db, now, ev).await?;
            }
            "auctions.deal.terms_recorded" => {
                deal_publicity(tx, now, p).await?;
            }
            "projects.due_date.rederived" => {
                if p["what"] == "publicity_end" {
                    publicity_end_moved(tx, db, now, ev).await?;
                }
            }
            "projects.project.approved" => {
                for s in p["sections"].as_array().into_iter().flatten() {
                    upsert_section(tx, p, s, to_micros(now)).await?;
                }
            }
            "projects.section.registered" => {
                upsert_section(tx, &json!({}), p, to_micros(now)).await?;
            }
            "identity.organization.registered" => {
                if let (Some(id), Some(name)) = (p["id"].as_str(), p["name"].as_str()) {
                    sqlx::query(
                        "INSERT INTO publishing_orgs (org_id, uscc, name, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (org_id) DO UPDATE SET uscc = excluded.uscc, name = excluded.name, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(id)
                    .bind(p["uscc"].as_str().unwrap_or_default())
                    .bind(name)
                    .bind(to_micros(now))
                    .execute(&mut **tx)
                    .await?;
                }
            }
            "projects.section.deadline_changed" => {
                if let (Some(id), Some(d), Some(o)) = (
                    p["section_id"].as_str(),
                    micros(&p["new_deadline"]),
                    micros(&p["new_opening_at"]),
                ) {
                    sqlx::query(
                        "UPDATE publishing_sections SET bid_deadline = $1, opening_at = $2, updated_at = $3 \
                         WHERE section_id = $4",
                    )
                    .bind(d)
                    .bind(o)
                    .bind(to_micros(now))
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                }
            }
            other => {
                let Some(s) = section_of(tx, p).await? else {
                    tracing::warn!(event = %ev.id, "lifecycle event without section_id; skipped");
                    return Ok(());
                };
                // Auto-drafts are dated by the event; releases by when the change happened.
                let at = from_micros(to_micros(ev.occurred_at));
                match other {
                    "projects.opening.recorded" => {
                        create_draft(tx, db, now, ev, &s, opening_record(&s, p)).await?;
                        crate::ocds::record_opening(tx, &s, &ev.id, p, at).await?;
                    }
                    "evaluation.bid.rejected" => {
                        if let Some(org) = p["org_id"].as_str() {
                            crate::ocds::record_disqualification(tx, &s, &ev.id, org, at).await?;
                        }
                    }
                    "projects.candidates.publicized" => {
                        create_draft(tx, db, now, ev, &s, candidate_publicity(&s, p)).await?
                    }
                    "projects.award.confirmed" => {
                        create_draft(tx, db, now, ev, &s, award(&s, p)).await?;
                        let at = time(&p["awarded_at"]).unwrap_or(at);
                        crate::ocds::record_award(tx, &s, &ev.id, p, at).await?;
                    }
                    // Land and property trades: drafts only (OCDS releases are for procurement,
                    // docs/publishing.md).
                    "auctions.deal.confirmed" => {
                        let winner = p["winner_org_id"].as_str().unwrap_or_default();
                        let name = match p["winner_name"].as_str().filter(|n| !n.is_empty()) {
                            Some(n) => Some(n.to_string()),
                            None => org_name(tx, winner).await?,
                        };
                        let mut d = deal(&s, p, name);
                        if s.procedure.as_deref().is_some_and(crate::rules::is_mining) {
                            drafts::mining_publicity(&mut d, db.calendar(), p, now);
                        }
                        create_draft(tx, db, now, ev, &s, d).await?;
                    }
                    "auctions.deal.preemption_recorded" => {
                        create_draft(tx, db, now, ev, &s, preemption(&s, p)).await?;
                    }
                    "auctions.listing.failed" | "auctions.auction.failed" => {
                        create_draft(tx, db, now, ev, &s, auction_failure(&s, p)).await?;
                    }
                    "projects.contract.signed" => {
                        let at = time(&p["signed_at"]).unwrap_or(at);
                        crate::ocds::record_contract(tx, &s, &ev.id, p, at).await?;
                    }
                    "projects.section.failed" | "projects.section.terminated" => {
                        let terminated = other == "projects.section.terminated";
                        create_draft(tx, db, now, ev, &s, failure(&s, p, terminated)).await?;
                        crate::ocds::record_failure(tx, &s, &ev.id, terminated, at).await?;
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
