//! The monitoring consumer: follows every area's events, keeps the monitoring area's own copy of
//! what the rules need (sections, bidders' traces, opening records, deposits, sessions) and raises
//! alerts in the same transaction as the cursor move — an alert is raised exactly once per signal.

use crate::alerts::{self, Subject};
use crate::rules::{self, BidEntry, Catalogue, Finding, Trace};
use chrono::{DateTime, Utc};
use ggzy_core::events::Event;
use ggzy_core::money::Money;
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{Clock, Result};
use ggzy_events::auctions::LandContractOverdue;
use ggzy_events::deposits::RefundOverdue;
use ggzy_events::identity::OrganizationRegistered;
use ggzy_events::projects::ContractOverdue;
use ggzy_events::Contract;
use ggzy_store::consumer::Consumer;
use ggzy_store::{Db, Tx};
use serde_json::{json, Value};
use sqlx::Row;

mod bids;
mod outcomes;
use self::bids::*;
use self::outcomes::*;

pub const CONSUMER: &str = "monitoring.signals";

/// The event types monitoring reads (everything else only advances the cursor).
pub const WANTED: &[&str] = &[
    "calendar.year.missing",
    "calendar.schedule.imported",
    "publishing.announcement.periods_rechecked",
    "auctions.listing.periods_rechecked",
    "consumer.event.parked",
    "consumer.event.replayed",
    "projects.section.registered",
    "projects.section.deadline_changed",
    "projects.section.opened",
    "projects.registration.created",
    "projects.bid.submitted",
    "projects.bid.decrypted",
    "projects.opening.recorded",
    "projects.award.confirmed",
    "projects.candidates.publicized",
    "projects.contract.overdue",
    "projects.award_report.overdue",
    "projects.objection.overdue",
    "remedies.case.overdue",
    "auctions.land_contract.overdue",
    "deposits.transfer.received",
    "deposits.refund.instructed",
    "deposits.deposit.forfeited",
    "deposits.refund.overdue",
    "experts.draw.completed",
    "venues.session.scheduled",
    "venues.session.moved",
    "venues.session.cancelled",
    "venues.violation.recorded",
    "evaluation.score.outlier",
    "experts.expert.rated",
    OrganizationRegistered::NAME,
];

pub struct MonitoringConsumer;

#[async_trait::async_trait]
impl Consumer for MonitoringConsumer {
    fn name(&self) -> &'static str {
        CONSUMER
    }

    fn wants(&self, event_type: &str) -> bool {
        WANTED.contains(&event_type)
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let now = clock.now();
        let p = &ev.payload;
        match ev.event_type.as_str() {
            "projects.section.registered" => section_registered(tx, db, now, ev).await,
            OrganizationRegistered::NAME => org_registered(tx, ev).await,
            "projects.section.deadline_changed" => deadline_changed(tx, db, now, ev).await,
            "projects.section.opened" => {
                if let Some(s) = str_of(p, "section_id") {
                    ensure_section(tx, s, p, now).await?;
                    let at = time_of(p, "opening_at").unwrap_or(ev.occurred_at);
                    sqlx::query("UPDATE mon_sections SET opened_at = COALESCE(opened_at, $1), updated_at = $2 WHERE section_id = $3")
                        .bind(to_micros(at))
                        .bind(to_micros(now))
                        .bind(s)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }
            "projects.registration.created" => {
                if let (Some(s), Some(o)) = (str_of(p, "section_id"), str_of(p, "org_id")) {
                    ensure_section(tx, s, p, now).await?;
                    add_trace(tx, s, "registration", "registered", o, ev).await?;
                }
                Ok(())
            }
            "projects.bid.submitted" => bid_submitted(tx, db, now, ev).await,
            "projects.bid.decrypted" => bid_decrypted(tx, db, now, ev).await,
            "projects.opening.recorded" => opening_recorded(tx, db, now, ev).await,
            "projects.award.confirmed" => award_confirmed(tx, db, now, ev).await,
            "experts.draw.completed" => draw_completed(tx, db, now, ev).await,
            "evaluation.score.outlier" => score_outlier(tx, db, now, ev).await,
            "experts.expert.rated" => expert_rated(tx, db, now, ev).await,
            "projects.candidates.publicized" => {
                let (Some(s), Some(start), Some(end)) = (
                    str_of(p, "section_id"),
                    time_of(p, "publicity_starts_at"),
                    time_of(p, "publicity_ends_at"),
                ) else {
                    return Ok(());
                };
                ensure_section(tx, s, p, now).await?;
                let c = catalogue(tx).await?;
                if let Some(f) = c
                    .active(rules::SHORT_PUBLICITY)
                    .and_then(|r| rules::short_publicity(r, start, end, &ev.id))
                {
                    raise_for(tx, db, now, &c, s, f).await?;
                }
                Ok(())
            }
            "deposits.transfer.received" => transfer_received(tx, db, now, ev).await,
            "deposits.refund.instructed" | "deposits.deposit.forfeited" => {
                if let (Some(s), Some(o), Some(fen)) = (
                    str_of(p, "section_id"),
                    str_of(p, "org_id"),
                    fen_of(p, "amount"),
                ) {
                    deposit_add(tx, s, o, 0, fen).await?;
                    // A refund goes back to the account that paid: a late but certain payer trace.
                    if let Some(payee) = str_of(p, "payee_account_no") {
                        let c = catalogue(tx).await?;
                        let payer = Some(payee);
                        shared(
                            tx,
                            db,
                            now,
                            &c,
                            rules::SAME_PAYER_ACCOUNT,
                            "payer",
                            s,
                            o,
                            payer,
                            ev,
                        )
                        .await?;
                    }
                }
                Ok(())
            }
            "projects.contract.overdue" => {
                // Through the contract: an undecodable payload is parked with an alert.
                let o = ContractOverdue::decode(ev)?;
                let s = o.section_id.as_str();
                let detail = format!(
                    "标段/section {s}, awarded {}, due {}",
                    o.awarded_at.to_rfc3339(),
                    o.due_at.to_rfc3339()
                );
                compliance(
                    tx,
                    db,
                    now,
                    rules::CONTRACT_OVERDUE,
                    Some(s),
                    "contract".into(),
                    &detail,
                    ev,
                )
                .await
            }
            "projects.award_report.overdue" => {
                let s = str_of(p, "section_id").unwrap_or(&ev.aggregate_id);
                let detail = format!(
                    "标段/section {s}, awarded {}, written report due {} ({})",
                    str_of(p, "awarded_at").unwrap_or("?"),
                    str_of(p, "due_at").unwrap_or("?"),
                    str_of(p, "basis").unwrap_or("招标投标法 第四十七条")
                );
                compliance(
                    tx,
                    db,
                    now,
                    rules::AWARD_REPORT_OVERDUE,
                    Some(s),
                    "award_report".into(),
                    &detail,
                    ev,
                )
                .await
            }
            "projects.objection.overdue" => {
                let s = str_of(p, "section_id");
                let oid = str_of(p, "objection_id").unwrap_or(&ev.aggregate_id);
                let detail = format!(
                    "objection {oid}, due {}",
                    str_of(p, "due_at").unwrap_or("?")
                );
                compliance(
                    tx,
                    db,
                    now,
                    rules::OBJECTION_OVERDUE,
                    s,
                    format!("objection:{oid}"),
                    &detail,
                    ev,
                )
                .await
            }
            "remedies.case.overdue" => {
                let s = str_of(p, "section_id");
                let cid = str_of(p, "case_id").unwrap_or(&ev.aggregate_id);
                let detail = format!(
                    "{} {cid}: {} due {}",
                    str_of(p, "kind").unwrap_or("case"),
                    str_of(p, "step").unwrap_or("?"),
                    str_of(p, "due_at").unwrap_or("?")
                );
                compliance(
                    tx,
                    db,
                    now,
                    rules::REMEDY_OVERDUE,
                    s,
                    format!("remedy:{cid}:{}", str_of(p, "step").unwrap_or("")),
                    &detail,
                    ev,
                )
                .await
            }
            "auctions.land_contract.overdue" => {
                // Through the contract: an undecodable payload is parked with an alert.
                let o = LandContractOverdue::decode(ev)?;
                let detail = format!(
                    "deal {}: {} due {}, winner {}, required {}, paid {}",
                    o.deal_id,
                    o.step,
                    o.due_date
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "?".into()),
                    o.winner_org_id,
                    o.required
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| "-".into()),
                    o.paid
                );
                compliance(
                    tx,
                    db,
                    now,
                    rules::LAND_CONTRACT_OVERDUE,
                    Some(o.section_id.as_str()),
                    format!("land_contract:{}:{}", o.deal_id, o.step),
                    &detail,
                    ev,
                )
                .await
            }
            "deposits.refund.overdue" => {
                // Through the contract: an undecodable payload is parked with an alert.
                let r = RefundOverdue::decode(ev)?;
                let o = r.org_id.as_deref().unwrap_or("?");
                let detail = format!("org {o}, amount {}, due {}", r.amount, r.due_date);
                compliance(
                    tx,
                    db,
                    now,
                    rules::REFUND_OVERDUE,
                    r.section_id.as_deref(),
                    format!("refund:{o}"),
                    &detail,
                    ev,
                )
                .await
            }
            "calendar.year.missing" => {
                let year = p["year"].as_i64().unwrap_or_default();
                let detail = format!("{year}: {}", str_of(p, "needed_by").unwrap_or("?"));
                operational(
                    tx,
                    db,
                    now,
                    rules::CALENDAR_YEAR_MISSING,
                    format!("calendar:{year}"),
                    "missing".into(),
                    &detail,
                    ev,
                )
                .await
            }
            "calendar.schedule.imported" => {
                let year = p["year"].as_i64().unwrap_or_default();
                alerts::resolve_by_system(
                    tx,
                    db,
                    now,
                    rules::CALENDAR_YEAR_MISSING,
                    &format!("calendar:{year}"),
                    &format!(
                        "the {year} holiday schedule was imported (version {})",
                        p["version"]
                    ),
                )
                .await
                .map(|_| ())
            }
            "publishing.announcement.periods_rechecked" | "auctions.listing.periods_rechecked" => {
                period_rechecked(tx, db, now, ev).await
            }
            "consumer.event.parked" => {
                let c = str_of(p, "consumer").unwrap_or("?");
                let seq = p["seq"].as_i64().unwrap_or_default();
                let detail = format!(
                    "{c} #{seq} {}: {}",
                    str_of(p, "event_type").unwrap_or("?"),
                    str_of(p, "error").unwrap_or("?")
                );
                operational(
                    tx,
                    db,
                    now,
                    rules::CONSUMER_EVENT_PARKED,
                    format!("consumer:{c}"),
                    format!("seq:{seq}"),
                    &detail,
                    ev,
                )
                .await
            }
            "consumer.event.replayed" => {
                let c = str_of(p, "consumer").unwrap_or("?");
                let seq = p["seq"].as_i64().unwrap_or_default();
                sqlx::query(
                    "UPDATE mon_alerts SET status = 'resolved', closed_at = $1, updated_at = $1 \
                     WHERE rule_id = $2 AND subject = $3 AND signal_key = $4 AND status IN ('open', 'acknowledged')",
                )
                .bind(ggzy_core::time::to_micros(now))
                .bind(rules::CONSUMER_EVENT_PARKED)
                .bind(format!("consumer:{c}"))
                .bind(format!("seq:{seq}"))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
            "venues.session.scheduled" | "venues.session.moved" => session_upsert(tx, ev).await,
            "venues.session.cancelled" => {
                if let Some(sid) = str_of(p, "session_id") {
                    sqlx::query("UPDATE mon_sessions SET cancelled = 1 WHERE session_id = $1")
                        .bind(sid)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }
            "venues.violation.recorded" => {
                let sid = str_of(p, "session_id").unwrap_or(&ev.aggregate_id);
                let section: Option<String> =
                    sqlx::query("SELECT section_id FROM mon_sessions WHERE session_id = $1")
                        .bind(sid)
                        .fetch_optional(&mut **tx)
                        .await?
                        .and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten());
                let detail = format!(
                    "{} ({}) at {}, session {sid}, room {}",
                    str_of(p, "kind").unwrap_or("?"),
                    str_of(p, "person_role").unwrap_or("?"),
                    str_of(p, "at").unwrap_or("?"),
                    str_of(p, "room_id").unwrap_or("?")
                );
                let key = format!("violation:{}", ev.id);
                match section {
                    Some(s) => {
                        compliance(
                            tx,
                            db,
                            now,
                            rules::VENUE_VIOLATION,
                            Some(&s),
                            key,
                            &detail,
                            ev,
                        )
                        .await
                    }
                    None => {
                        let Some(rule) =
                            catalogue(tx).await?.active(rules::VENUE_VIOLATION).cloned()
                        else {
                            return Ok(());
                        };
                        let f = rules::compliance(
                            &rule,
                            key,
                            &detail,
                            json!({"payload": p, "event_ids": [ev.id]}),
                        );
                        let subj = Subject::detached(format!("session:{sid}"));
                        alerts::raise(tx, db, now, &rule, &subj, f)
                            .await
                            .map(|_| ())
                    }
                }
            }
            _ => Ok(()),
        }
    }
}

/// Monitoring's own copy of an organization's name (`mon_orgs`), so supervisors read names.
/// Decoded through the identity contract: an undecodable payload fails the consumer and is parked
/// with an alert (crates/events), never skipped.
async fn org_registered(tx: &mut Tx, ev: &Event) -> Result<()> {
    let o = OrganizationRegistered::decode(ev)?;
    let blank_is_null = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
    sqlx::query(
        "INSERT INTO mon_orgs (id, name, uscc, kind) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, uscc = excluded.uscc, kind = excluded.kind",
    )
    .bind(&o.id)
    .bind(&o.name)
    .bind(blank_is_null(&o.uscc))
    .bind(blank_is_null(&o.kind))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn str_of<'a>(p: &'a Value, k: &str) -> Option<&'a str> {
    p.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn time_of(p: &Value, k: &str) -> Option<DateTime<Utc>> {
    str_of(p, k)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn fen_of(p: &Value, k: &str) -> Option<i64> {
    match p.get(k)? {
        Value::String(s) => Money::parse_str(s).ok().map(|m| m.fen()),
        Value::Number(n) => n
            .to_string()
            .parse()
            .ok()
            .and_then(|d| Money::parse(d).ok())
            .map(|m| m.fen()),
        _ => None,
    }
}

async fn catalogue(tx: &mut Tx) -> Result<Catalogue> {
    alerts::load_catalogue_in(tx).await
}

/// Make sure a section row exists (an area may tell about a section monitoring has not seen).
async fn ensure_section(
    tx: &mut Tx,
    section_id: &str,
    p: &Value,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO mon_sections (section_id, project_id, market, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (section_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(str_of(p, "project_id"))
    .bind(str_of(p, "market"))
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn subject_of(tx: &mut Tx, section_id: &str) -> Result<Subject> {
    let project: Option<String> =
        sqlx::query("SELECT project_id FROM mon_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(&mut **tx)
            .await?
            .and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten());
    Ok(Subject {
        subject: section_id.to_string(),
        section_id: Some(section_id.to_string()),
        project_id: project,
    })
}

async fn raise_for(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    c: &Catalogue,
    section_id: &str,
    f: Finding,
) -> Result<()> {
    let Some(rule) = c.active(&f.rule_id).cloned() else {
        return Ok(());
    };
    let subj = subject_of(tx, section_id).await?;
    alerts::raise(tx, db, now, &rule, &subj, f).await?;
    Ok(())
}

/// An alert about the platform's own operation (no section): subject and signal given.
/// A provisional legal period checked again after a holiday schedule import: too short → the
/// alert `calendar.period_too_short` on the announcement or listing round (with the broken rules);
/// fine again (a corrected schedule) → that alert is resolved by the system.
async fn period_rechecked(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let subject = match ev.event_type.as_str() {
        "auctions.listing.periods_rechecked" => format!(
            "auction:{}:{}",
            str_of(p, "auction_id").unwrap_or("?"),
            p["round"].as_i64().unwrap_or(1)
        ),
        _ => format!("announcement:{}", str_of(p, "id").unwrap_or("?")),
    };
    if p["ok"].as_bool().unwrap_or(true) {
        alerts::resolve_by_system(
            tx,
            db,
            now,
            rules::CALENDAR_PERIOD_TOO_SHORT,
            &subject,
            "checked again with the imported holiday schedule: the period is long enough",
        )
        .await?;
        return Ok(());
    }
    let broken: Vec<String> = p["broken"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            format!(
                "{} ({})",
                b["message"].as_str().unwrap_or("?"),
                b["rule"].as_str().unwrap_or("?")
            )
        })
        .collect();
    let detail = format!("{subject}: {}", broken.join("; "));
    operational(
        tx,
        db,
        now,
        rules::CALENDAR_PERIOD_TOO_SHORT,
        subject,
        "too_short".into(),
        &detail,
        ev,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn operational(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    rule_id: &str,
    subject: String,
    key: String,
    detail: &str,
    ev: &Event,
) -> Result<()> {
    let Some(rule) = catalogue(tx).await?.active(rule_id).cloned() else {
        return Ok(());
    };
    let f = rules::compliance(
        &rule,
        key,
        detail,
        json!({"payload": ev.payload, "event_ids": [ev.id]}),
    );
    alerts::raise(tx, db, now, &rule, &Subject::detached(subject), f).await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn compliance(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    rule_id: &str,
    section_id: Option<&str>,
    key: String,
    detail: &str,
    ev: &Event,
) -> Result<()> {
    let c = catalogue(tx).await?;
    let Some(rule) = c.active(rule_id).cloned() else {
        return Ok(());
    };
    let f = rules::compliance(
        &rule,
        key,
        detail,
        json!({"payload": ev.payload, "event_ids": [ev.id]}),
    );
    let subj = match section_id {
        Some(s) => {
            ensure_section(tx, s, &ev.payload, now).await?;
            subject_of(tx, s).await?
        }
        None => Subject::detached(format!("{}:{}", ev.aggregate_type, ev.aggregate_id)),
    };
    alerts::raise(tx, db, now, &rule, &subj, f).await?;
    Ok(())
}

async fn section_registered(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let Some(s) = str_of(p, "section_id") else {
        return Ok(());
    };
    let tenderer = str_of(p, "tenderer_uscc").or(str_of(p, "owner_org_id"));
    sqlx::query(
        "INSERT INTO mon_sections (section_id, project_id, project_code, project_name, section_name, market, tenderer, \
         estimate_fen, docs_issue_at, bid_deadline, opening_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (section_id) DO UPDATE SET \
         project_id = excluded.project_id, project_code = excluded.project_code, project_name = excluded.project_name, \
         section_name = excluded.section_name, market = excluded.market, tenderer = excluded.tenderer, \
         estimate_fen = excluded.estimate_fen, docs_issue_at = excluded.docs_issue_at, \
         bid_deadline = excluded.bid_deadline, opening_at = excluded.opening_at, updated_at = excluded.updated_at",
    )
    .bind(s)
    .bind(str_of(p, "project_id"))
    .bind(str_of(p, "project_code"))
    .bind(str_of(p, "project_name"))
    .bind(str_of(p, "name"))
    .bind(str_of(p, "market"))
    .bind(tenderer)
    .bind(fen_of(p, "estimated_price"))
    .bind(time_of(p, "docs_issue_at").map(to_micros))
    .bind(time_of(p, "bid_deadline").map(to_micros))
    .bind(time_of(p, "opening_at").map(to_micros))
    .bind(to_micros(now))
    .execute(&mut **tx)
    .await?;
    if let (Some(issue), Some(deadline)) = (time_of(p, "docs_issue_at"), time_of(p, "bid_deadline"))
    {
        let c = catalogue(tx).await?;
        if let Some(rule) = c.active(rules::SHORT_BIDDING_PERIOD) {
            if let Some(f) =
                rules::short_bidding_period(rule, db.calendar(), issue, deadline, &ev.id)
            {
                raise_for(tx, db, now, &c, s, f).await?;
            }
        }
    }
    Ok(())
}

async fn deadline_changed(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let (Some(s), Some(new_deadline)) = (str_of(p, "section_id"), time_of(p, "new_deadline"))
    else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    let row = sqlx::query("SELECT docs_issue_at FROM mon_sections WHERE section_id = $1")
        .bind(s)
        .fetch_one(&mut **tx)
        .await?;
    let issue: Option<i64> = row.try_get(0)?;
    sqlx::query("UPDATE mon_sections SET bid_deadline = $1, opening_at = COALESCE($2, opening_at), updated_at = $3 WHERE section_id = $4")
        .bind(to_micros(new_deadline))
        .bind(time_of(p, "new_opening_at").map(to_micros))
        .bind(to_micros(now))
        .bind(s)
        .execute(&mut **tx)
        .await?;
    let bids = distinct_orgs(tx, s, "bid").await?;
    let c = catalogue(tx).await?;
    if let Some(rule) = c.active(rules::DEADLINE_MOVED_AFTER_BIDS) {
        if let Some(f) = rules::deadline_moved_after_bids(
            rule,
            bids,
            str_of(p, "old_deadline").unwrap_or("?"),
            &new_deadline.to_rfc3339(),
            &ev.id,
        ) {
            raise_for(tx, db, now, &c, s, f).await?;
        }
    }
    if let (Some(rule), Some(issue)) = (c.active(rules::SHORT_BIDDING_PERIOD), issue) {
        if let Some(f) = rules::short_bidding_period(
            rule,
            db.calendar(),
            from_micros(issue),
            new_deadline,
            &ev.id,
        ) {
            raise_for(tx, db, now, &c, s, f).await?;
        }
    }
    Ok(())
}
