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
use ggzy_store::consumer::Consumer;
use ggzy_store::{Db, Tx};
use serde_json::{json, Value};
use sqlx::Row;

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
    "identity.organization.registered",
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
            "identity.organization.registered" => org_registered(tx, ev).await,
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
                let s = str_of(p, "section_id").unwrap_or(&ev.aggregate_id);
                let detail = format!(
                    "标段/section {s}, awarded {}, due {}",
                    str_of(p, "awarded_at").unwrap_or("?"),
                    str_of(p, "due_at").unwrap_or("?")
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
                let s = str_of(p, "section_id");
                let deal = str_of(p, "deal_id").unwrap_or("?");
                let step = str_of(p, "step").unwrap_or("?");
                let detail = format!(
                    "deal {deal}: {step} due {}, winner {}, required {}, paid {}",
                    str_of(p, "due_date").unwrap_or("?"),
                    str_of(p, "winner_org_id").unwrap_or("?"),
                    str_of(p, "required").unwrap_or("-"),
                    str_of(p, "paid").unwrap_or("?")
                );
                compliance(
                    tx,
                    db,
                    now,
                    rules::LAND_CONTRACT_OVERDUE,
                    s,
                    format!("land_contract:{deal}:{step}"),
                    &detail,
                    ev,
                )
                .await
            }
            "deposits.refund.overdue" => {
                let s = str_of(p, "section_id");
                let o = str_of(p, "org_id").unwrap_or("?");
                let detail = format!(
                    "org {o}, amount {}, due {}",
                    str_of(p, "amount").unwrap_or("?"),
                    str_of(p, "due_date").or(str_of(p, "due_at")).unwrap_or("?")
                );
                compliance(
                    tx,
                    db,
                    now,
                    rules::REFUND_OVERDUE,
                    s,
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
async fn org_registered(tx: &mut Tx, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let (Some(id), Some(name)) = (str_of(p, "id"), str_of(p, "name")) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO mon_orgs (id, name, uscc, kind) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, uscc = excluded.uscc, kind = excluded.kind",
    )
    .bind(id)
    .bind(name)
    .bind(str_of(p, "uscc"))
    .bind(str_of(p, "kind"))
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

async fn distinct_orgs(tx: &mut Tx, section_id: &str, kind: &str) -> Result<i64> {
    let rows =
        sqlx::query("SELECT DISTINCT org_id FROM mon_traces WHERE section_id = $1 AND kind = $2")
            .bind(section_id)
            .bind(kind)
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.len() as i64)
}

async fn add_trace(
    tx: &mut Tx,
    section_id: &str,
    kind: &str,
    value: &str,
    org_id: &str,
    ev: &Event,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO mon_traces (section_id, kind, value, org_id, event_id, at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (section_id, kind, value, org_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(kind)
    .bind(value)
    .bind(org_id)
    .bind(&ev.id)
    .bind(to_micros(ev.occurred_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn traces(tx: &mut Tx, section_id: &str, kind: &str, value: &str) -> Result<Vec<Trace>> {
    let rows = sqlx::query(
        "SELECT org_id, event_id FROM mon_traces WHERE section_id = $1 AND kind = $2 AND value = $3 ORDER BY at, org_id",
    )
    .bind(section_id)
    .bind(kind)
    .bind(value)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Trace {
                org_id: r.try_get(0)?,
                event_id: r.try_get(1)?,
            })
        })
        .collect()
}

/// Record a trace and check whether another bidder of the section left the same one.
#[allow(clippy::too_many_arguments)]
async fn shared(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    c: &Catalogue,
    rule_id: &str,
    kind: &str,
    section_id: &str,
    org_id: &str,
    value: Option<&str>,
    ev: &Event,
) -> Result<()> {
    let Some(value) = value.map(str::trim).filter(|v| !rules::is_blank_trace(v)) else {
        return Ok(());
    };
    // Values come from bidders' clients: a long one is keyed by its digest so that it always fits
    // the index (a refused insert would stop the consumer).
    let digest;
    let value = if value.len() > 128 {
        digest = format!("sha256:{}", ggzy_core::ids::sha256_hex(value.as_bytes()));
        digest.as_str()
    } else {
        value
    };
    add_trace(tx, section_id, kind, value, org_id, ev).await?;
    let Some(rule) = c.active(rule_id) else {
        return Ok(());
    };
    let t = traces(tx, section_id, kind, value).await?;
    if let Some(f) = rules::shared_trace(rule, value, &t) {
        raise_for(tx, db, now, c, section_id, f).await?;
    }
    Ok(())
}

/// 实施条例 40(1) on the authors read from the decrypted documents' own metadata (PDF `/Author`,
/// OOXML `dc:creator` / `cp:lastModifiedBy`): two bidders whose documents name the same author.
async fn bid_decrypted(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let (Some(s), Some(o)) = (str_of(p, "section_id"), str_of(p, "org_id")) else {
        return Ok(());
    };
    let authors: Vec<String> = p["document_authors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if authors.is_empty() {
        return Ok(());
    }
    ensure_section(tx, s, p, now).await?;
    let c = catalogue(tx).await?;
    for a in &authors {
        shared(
            tx,
            db,
            now,
            &c,
            rules::SAME_FILE_CREATOR,
            "creator",
            s,
            o,
            Some(a),
            ev,
        )
        .await?;
    }
    Ok(())
}

async fn bid_submitted(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let (Some(s), Some(o)) = (str_of(p, "section_id"), str_of(p, "org_id")) else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    sqlx::query("UPDATE mon_sections SET first_bid_at = COALESCE(first_bid_at, $1), updated_at = $2 WHERE section_id = $3")
        .bind(to_micros(ev.occurred_at))
        .bind(to_micros(now))
        .bind(s)
        .execute(&mut **tx)
        .await?;
    add_trace(tx, s, "bid", "submitted", o, ev).await?;
    let c = catalogue(tx).await?;
    shared(
        tx,
        db,
        now,
        &c,
        rules::SAME_IP,
        "ip",
        s,
        o,
        str_of(p, "ip"),
        ev,
    )
    .await?;
    shared(
        tx,
        db,
        now,
        &c,
        rules::SAME_DEVICE,
        "device",
        s,
        o,
        str_of(p, "device_fingerprint"),
        ev,
    )
    .await?;
    // No same-file-creator check here: the upload tool's `X-File-Creator` header is the same stamp
    // on every honest upload; the authors come from the documents at opening ([`bid_decrypted`]).
    // Optional fields: sent when the bidding client declares them (实施条例 40(2)(3)).
    let manager = str_of(p, "project_manager_id").or(str_of(p, "project_manager"));
    shared(
        tx,
        db,
        now,
        &c,
        rules::SAME_PROJECT_MANAGER,
        "manager",
        s,
        o,
        manager,
        ev,
    )
    .await?;
    let rep = str_of(p, "representative_id").or(str_of(p, "representative"));
    shared(
        tx,
        db,
        now,
        &c,
        rules::SAME_REPRESENTATIVE,
        "representative",
        s,
        o,
        rep,
        ev,
    )
    .await?;
    Ok(())
}

async fn deposit_add(tx: &mut Tx, s: &str, o: &str, received: i64, released: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO mon_deposits (section_id, org_id, received_fen, released_fen) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (section_id, org_id) DO UPDATE SET received_fen = mon_deposits.received_fen + excluded.received_fen, \
         released_fen = mon_deposits.released_fen + excluded.released_fen",
    )
    .bind(s)
    .bind(o)
    .bind(received)
    .bind(released)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn transfer_received(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let (Some(s), Some(o)) = (str_of(p, "section_id"), str_of(p, "org_id")) else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    if let Some(fen) = fen_of(p, "amount") {
        deposit_add(tx, s, o, fen, 0).await?;
    }
    // `account_no` is the bidder's virtual sub-account (the receiving side); the paying account is
    // `payer_account_no`.
    let account = str_of(p, "payer_account_no");
    let c = catalogue(tx).await?;
    shared(
        tx,
        db,
        now,
        &c,
        rules::SAME_PAYER_ACCOUNT,
        "payer",
        s,
        o,
        account,
        ev,
    )
    .await
}

fn entries_of(p: &Value) -> Vec<BidEntry> {
    p.get("entries")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    let org = str_of(e, "org_id")?;
                    let price = fen_of(e, "price");
                    let decrypted = str_of(e, "decryption").is_none_or(|d| d == "decrypted");
                    let deposit_ok = !matches!(str_of(e, "deposit"), Some("missing" | "invalid"));
                    let price = if decrypted { price } else { None };
                    Some(BidEntry {
                        org_id: org.to_string(),
                        org_name: str_of(e, "org_name").unwrap_or(org).to_string(),
                        valid: price.is_some()
                            && deposit_ok
                            && e.get("valid").and_then(Value::as_bool) != Some(false),
                        price_fen: price,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn opening_recorded(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let Some(s) = str_of(p, "section_id") else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    let entries = entries_of(p);
    let opened = time_of(p, "opened_at").unwrap_or(ev.occurred_at);
    sqlx::query("UPDATE mon_sections SET opened_at = $1, updated_at = $2 WHERE section_id = $3")
        .bind(to_micros(opened))
        .bind(to_micros(now))
        .bind(s)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM mon_bids WHERE section_id = $1")
        .bind(s)
        .execute(&mut **tx)
        .await?;
    for e in &entries {
        sqlx::query(
            "INSERT INTO mon_bids (section_id, org_id, org_name, price_fen, valid, event_id) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (section_id, org_id) DO NOTHING",
        )
        .bind(s)
        .bind(&e.org_id)
        .bind(&e.org_name)
        .bind(e.price_fen)
        .bind(i64::from(e.valid))
        .bind(&ev.id)
        .execute(&mut **tx)
        .await?;
    }
    let c = catalogue(tx).await?;
    let mut found = Vec::new();
    if let Some(r) = c.active(rules::IDENTICAL_PRICES) {
        found.extend(rules::identical_prices(r, &entries, &ev.id));
    }
    if let Some(r) = c.active(rules::PRICE_PROGRESSION) {
        found.extend(rules::price_progression(r, &entries, &ev.id));
    }
    if let Some(r) = c.active(rules::SINGLE_VALID_BID) {
        found.extend(rules::single_valid_bid(r, &entries, &ev.id));
    }
    for f in found {
        raise_for(tx, db, now, &c, s, f).await?;
    }
    Ok(())
}

async fn award_confirmed(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let (Some(s), Some(winner)) = (str_of(p, "section_id"), str_of(p, "winner_org_id")) else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    let price = fen_of(p, "price");
    let awarded = time_of(p, "awarded_at").unwrap_or(ev.occurred_at);
    sqlx::query(
        "UPDATE mon_sections SET winner_org_id = $1, award_fen = $2, awarded_at = $3, award_event_id = $4, \
         market = COALESCE(market, $5), updated_at = $6 WHERE section_id = $7",
    )
    .bind(winner)
    .bind(price)
    .bind(to_micros(awarded))
    .bind(&ev.id)
    .bind(str_of(p, "market"))
    .bind(to_micros(now))
    .bind(s)
    .execute(&mut **tx)
    .await?;
    let row = sqlx::query("SELECT estimate_fen, tenderer FROM mon_sections WHERE section_id = $1")
        .bind(s)
        .fetch_one(&mut **tx)
        .await?;
    let estimate: Option<i64> = row.try_get(0)?;
    let tenderer: Option<String> = row.try_get(1)?;
    let rows = sqlx::query("SELECT org_id, org_name, price_fen, valid, event_id FROM mon_bids WHERE section_id = $1 ORDER BY org_id")
        .bind(s)
        .fetch_all(&mut **tx)
        .await?;
    let mut entries = Vec::new();
    let mut opening_event: Option<String> = None;
    for r in &rows {
        entries.push(BidEntry {
            org_id: r.try_get(0)?,
            org_name: r.try_get(1)?,
            price_fen: r.try_get(2)?,
            valid: r.try_get::<i64, _>(3)? != 0,
        });
        opening_event = Some(r.try_get(4)?);
    }
    let mut evs: Vec<&str> = vec![ev.id.as_str()];
    if let Some(o) = &opening_event {
        evs.insert(0, o.as_str());
    }
    let c = catalogue(tx).await?;
    let mut found = Vec::new();
    if let (Some(r), Some(price), Some(est)) =
        (c.active(rules::PRICE_NEAR_ESTIMATE), price, estimate)
    {
        found.extend(rules::price_near_estimate(r, price, est, &ev.id));
    }
    if let Some(r) = c.active(rules::LOWEST_BID_NOT_WINNER) {
        found.extend(rules::lowest_bid_not_winner(r, &entries, winner, &evs));
    }
    if let Some(r) = c.active(rules::ALL_BUT_WINNER_DISQUALIFIED) {
        found.extend(rules::all_but_winner_disqualified(
            r, &entries, winner, &evs,
        ));
    }
    if let (Some(r), Some(tenderer)) = (c.active(rules::REPEAT_WINNER), tenderer) {
        let since = awarded - chrono::Duration::days(r.param("window_days"));
        let rows = sqlx::query(
            "SELECT section_id, award_event_id FROM mon_sections WHERE tenderer = $1 AND winner_org_id = $2 \
             AND awarded_at >= $3 AND awarded_at <= $4 ORDER BY awarded_at, section_id",
        )
        .bind(&tenderer)
        .bind(winner)
        .bind(to_micros(since))
        .bind(to_micros(awarded))
        .fetch_all(&mut **tx)
        .await?;
        let mut sections = Vec::new();
        let mut events = Vec::new();
        for row in &rows {
            sections.push(row.try_get::<String, _>(0)?);
            events.push(row.try_get::<Option<String>, _>(1)?.unwrap_or_default());
        }
        found.extend(rules::repeat_winner(
            r, &tenderer, winner, &sections, &events,
        ));
    }
    for f in found {
        raise_for(tx, db, now, &c, s, f).await?;
    }
    Ok(())
}

/// Each drawn expert leaves a trace on the section; the tenderer's other sections tell how often.
async fn score_outlier(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let (Some(s), Some(expert)) = (str_of(p, "section_id"), str_of(p, "expert_id")) else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    let c = catalogue(tx).await?;
    let Some(rule) = c.active(rules::SCORE_OUTLIER).cloned() else {
        return Ok(());
    };
    let f = rules::score_outlier(
        &rule,
        expert,
        str_of(p, "org_id").unwrap_or("?"),
        str_of(p, "member_total").unwrap_or("?"),
        str_of(p, "committee_mean").unwrap_or("?"),
        &ev.id,
    );
    raise_for(tx, db, now, &c, s, f).await
}

/// Low ratings are kept as traces (one per rating) and counted over the rule's window.
async fn expert_rated(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let (Some(s), Some(expert), Some(score)) = (
        str_of(p, "section_id"),
        str_of(p, "expert_id"),
        p.get("score").and_then(Value::as_i64),
    ) else {
        return Ok(());
    };
    let c = catalogue(tx).await?;
    let Some(rule) = c.active(rules::LOW_RATINGS).cloned() else {
        return Ok(());
    };
    if !rules::is_low_rating(&rule, score) {
        return Ok(());
    }
    ensure_section(tx, s, p, now).await?;
    let rating = str_of(p, "rating_id").unwrap_or(&ev.id);
    add_trace(tx, s, "low_rating", expert, rating, ev).await?;
    let since = ev.occurred_at - chrono::Duration::days(rule.param("window_days"));
    let rows = sqlx::query(
        "SELECT event_id FROM mon_traces WHERE kind = 'low_rating' AND value = $1 AND at >= $2 ORDER BY at, event_id",
    )
    .bind(expert)
    .bind(to_micros(since))
    .fetch_all(&mut **tx)
    .await?;
    let events = rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if let Some(f) = rules::low_ratings(&rule, expert, &events) {
        let subj = Subject::detached(format!("expert:{expert}"));
        alerts::raise(tx, db, now, &rule, &subj, f).await?;
    }
    Ok(())
}

async fn draw_completed(tx: &mut Tx, db: &Db, now: DateTime<Utc>, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let Some(s) = str_of(p, "section_id") else {
        return Ok(());
    };
    ensure_section(tx, s, p, now).await?;
    let experts: Vec<(String, String)> = p
        .get("experts")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    let id = str_of(e, "expert_id")?;
                    Some((id.to_string(), str_of(e, "name").unwrap_or(id).to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    for (id, _) in &experts {
        add_trace(tx, s, "expert", id, "-", ev).await?;
    }
    let tenderer: Option<String> =
        sqlx::query("SELECT tenderer FROM mon_sections WHERE section_id = $1")
            .bind(s)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
    let c = catalogue(tx).await?;
    let (Some(rule), Some(tenderer)) = (c.active(rules::REPEAT_EXPERT).cloned(), tenderer) else {
        return Ok(());
    };
    let since = ev.occurred_at - chrono::Duration::days(rule.param("window_days"));
    for (id, name) in experts {
        let rows = sqlx::query(
            "SELECT t.section_id, MIN(t.event_id) FROM mon_traces t JOIN mon_sections m ON m.section_id = t.section_id \
             WHERE t.kind = 'expert' AND t.value = $1 AND m.tenderer = $2 AND t.at >= $3 \
             GROUP BY t.section_id ORDER BY t.section_id",
        )
        .bind(&id)
        .bind(&tenderer)
        .bind(to_micros(since))
        .fetch_all(&mut **tx)
        .await?;
        let mut sections = Vec::new();
        let mut events = Vec::new();
        for r in &rows {
            sections.push(r.try_get::<String, _>(0)?);
            events.push(r.try_get::<String, _>(1)?);
        }
        if let Some(f) = rules::repeat_expert(&rule, &tenderer, &id, &name, &sections, &events) {
            raise_for(tx, db, now, &c, s, f).await?;
        }
    }
    Ok(())
}

async fn session_upsert(tx: &mut Tx, ev: &Event) -> Result<()> {
    let p = &ev.payload;
    let (Some(sid), Some(start), Some(end)) = (
        str_of(p, "session_id"),
        time_of(p, "start"),
        time_of(p, "end"),
    ) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO mon_sessions (session_id, section_id, kind, room_name, starts_at, ends_at, cancelled) \
         VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT (session_id) DO UPDATE SET \
         section_id = COALESCE(excluded.section_id, mon_sessions.section_id), \
         kind = CASE WHEN excluded.kind = '' THEN mon_sessions.kind ELSE excluded.kind END, \
         room_name = COALESCE(excluded.room_name, mon_sessions.room_name), starts_at = excluded.starts_at, \
         ends_at = excluded.ends_at",
    )
    .bind(sid)
    .bind(str_of(p, "section_id"))
    .bind(str_of(p, "kind").unwrap_or(""))
    .bind(str_of(p, "room_name"))
    .bind(to_micros(start))
    .bind(to_micros(end))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_entries_are_valid_only_when_decrypted_priced_and_deposited() {
        let p = json!({"entries": [
            {"org_id": "a", "org_name": "A", "price": "100.00", "decryption": "decrypted", "deposit": "valid"},
            {"org_id": "b", "org_name": "B", "price": null, "decryption": "not_decrypted", "deposit": "valid"},
            {"org_id": "c", "org_name": "C", "price": "90.00", "decryption": "decrypted", "deposit": "missing"},
            {"org_id": "d", "org_name": "D", "price": "95.00", "decryption": "digest_mismatch", "deposit": "valid"}
        ]});
        let e = entries_of(&p);
        assert_eq!(e.iter().filter(|e| e.valid).count(), 1);
        assert_eq!(e[2].price_fen, Some(9000));
        assert_eq!(e[3].price_fen, None);
    }
}
