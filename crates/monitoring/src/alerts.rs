//! Alerts and their handling (cases): open → acknowledged → resolved | dismissed, with an assignee,
//! notes and times. One alert per (rule, subject, signal): `mon_alerts_signal_key` makes a second one
//! impossible whatever the number of instances. Every change is an event `monitoring.alert.*`.

use crate::rules::{AlertStatus, Catalogue, Finding, RuleConfig, RuleOverride, Severity};
use chrono::{DateTime, Utc};
use ggzy_core::events::ActorRef;
use ggzy_core::{ids, Error, Result};
use ggzy_events::monitoring::{
    AlertAcknowledged, AlertAction, AlertDismissed, AlertNoted, AlertRaised, AlertResolved,
    AlertState, RuleUpdated,
};
use ggzy_events::Contract as _;
use ggzy_identity::{Actor, Role};
use ggzy_store::filter::Filter;
use ggzy_store::{emit, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Alert {
    pub id: String,
    pub rule_id: String,
    pub severity: Severity,
    /// The section, or `session:<id>` for a venue violation of an unknown section.
    pub subject: String,
    pub signal_key: String,
    pub section_id: Option<String>,
    pub project_id: Option<String>,
    pub status: AlertStatus,
    pub assignee: Option<String>,
    /// Event ids and values the rule saw.
    pub evidence: Value,
    pub message_zh: String,
    pub message_en: String,
    pub raised_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Note {
    pub id: String,
    pub author: String,
    /// acknowledge | resolve | dismiss | note
    pub action: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertDetail {
    #[serde(flatten)]
    pub alert: Alert,
    pub notes: Vec<Note>,
    /// The rule as configured now (source, titles).
    pub rule: Option<RuleConfig>,
}

use crate::store;
use crate::store::alerts::AlertRow;

fn alert_from_row(r: AlertRow) -> Alert {
    Alert {
        id: r.id,
        rule_id: r.rule_id,
        severity: Severity::parse(&r.severity).unwrap_or(Severity::Medium),
        subject: r.subject,
        signal_key: r.signal_key,
        section_id: r.section_id,
        project_id: r.project_id,
        status: r.status,
        assignee: r.assignee,
        evidence: serde_json::from_str(&r.evidence).unwrap_or(Value::Null),
        message_zh: r.message_zh,
        message_en: r.message_en,
        raised_at: r.raised_at,
        acknowledged_at: r.acknowledged_at,
        closed_at: r.closed_at,
        updated_at: r.updated_at,
    }
}

/// The alert as the `monitoring.alert.*` events carry it (after the change).
fn alert_state(a: &Alert) -> AlertState {
    AlertState {
        alert_id: a.id.clone(),
        rule_id: a.rule_id.clone(),
        severity: a.severity.as_str().into(),
        subject: a.subject.clone(),
        signal_key: a.signal_key.clone(),
        section_id: a.section_id.clone(),
        project_id: a.project_id.clone(),
        status: a.status.as_str().into(),
        assignee: a.assignee.clone(),
        message_zh: a.message_zh.clone(),
        message_en: a.message_en.clone(),
        evidence: a.evidence.clone(),
    }
}

/// The alert after a person's or the system's action, with its note and who acted.
fn alert_action(a: &Alert, note: &str, by: &str) -> AlertAction {
    AlertAction {
        alert: alert_state(a),
        note: note.into(),
        by: by.into(),
    }
}

/// Where an alert belongs.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub subject: String,
    pub section_id: Option<String>,
    pub project_id: Option<String>,
}

impl Subject {
    /// A subject outside any section or project (an expert, a session, another aggregate).
    pub fn detached(subject: String) -> Subject {
        Subject {
            subject,
            section_id: None,
            project_id: None,
        }
    }
}

/// Open an alert for a finding unless the same signal is already known for the subject (then only
/// its evidence is refreshed). Returns the new alert's id.
#[tracing::instrument(skip_all, fields(rule_id = %f.rule_id, subject = %subject.subject))]
pub async fn raise(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    rule: &RuleConfig,
    subject: &Subject,
    f: Finding,
) -> Result<Option<String>> {
    let id = ids::new_id();
    let evidence = f.evidence.to_string();
    let inserted = store::alerts::insert(
        tx,
        store::alerts::NewAlert {
            id: &id,
            rule_id: &f.rule_id,
            severity: rule.severity.as_str(),
            subject: &subject.subject,
            signal_key: &f.signal_key,
            section_id: subject.section_id.clone(),
            project_id: subject.project_id.clone(),
            evidence: &evidence,
            message_zh: &f.message_zh,
            message_en: &f.message_en,
            at: now,
        },
    )
    .await?;
    if inserted == 0 {
        // The same signal again (a third bidder on the same IP…): keep one alert, newest evidence.
        store::alerts::refresh(
            tx,
            store::alerts::Signal {
                rule_id: &f.rule_id,
                subject: &subject.subject,
                signal_key: &f.signal_key,
            },
            (
                evidence.as_str(),
                f.message_zh.as_str(),
                f.message_en.as_str(),
            ),
            now,
        )
        .await?;
        return Ok(None);
    }
    let a = load_in(tx, &id).await?;
    emit(
        tx,
        db,
        &ActorRef::system("monitoring"),
        now,
        AlertRaised(alert_state(&a)).encode(),
    )
    .await?;
    Ok(Some(id))
}

async fn load_in(tx: &mut Tx, id: &str) -> Result<Alert> {
    let r = store::alerts::alert(tx, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("alert {id}")))?;
    Ok(alert_from_row(r))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct AlertFilter {
    /// open | acknowledged | resolved | dismissed
    #[param(pattern = "^(open|acknowledged|resolved|dismissed)$")]
    pub status: Option<String>,
    /// low | medium | high
    #[param(pattern = "^(low|medium|high)$")]
    pub severity: Option<String>,
    /// A rule id, e.g. `collusion.same_ip`, or a category prefix `collusion.`.
    pub rule: Option<String>,
    pub section_id: Option<String>,
    pub project_id: Option<String>,
    /// At most this many (1–500, default 100), newest first.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

pub fn readers() -> [Role; 3] {
    [Role::Supervisor, Role::Staff, Role::Admin]
}

pub async fn list(ctx: &Ctx, actor: &Actor, f: &AlertFilter) -> Result<Vec<Alert>> {
    actor.require(&readers())?;
    let mut filter = Filter::all();
    if let Some(s) = &f.status {
        let Some(status) = AlertStatus::parse(s) else {
            return Err(Error::field(
                "status",
                "monitoring.status_unknown",
                "status is open, acknowledged, resolved or dismissed",
            ));
        };
        filter.eq("status", status.as_str());
    }
    if let Some(s) = &f.severity {
        if Severity::parse(s).is_none() {
            return Err(Error::field(
                "severity",
                "monitoring.severity_unknown",
                "severity is low, medium or high",
            ));
        }
        filter.eq("severity", s);
    }
    if let Some(r) = &f.rule {
        if r.ends_with('.') {
            filter.and(
                "rule_id LIKE ?",
                [format!("{}%", r.replace(['%', '_'], ""))],
            );
        } else {
            filter.eq("rule_id", r);
        }
    }
    if let Some(s) = &f.section_id {
        filter.eq("section_id", s);
    }
    if let Some(s) = &f.project_id {
        filter.eq("project_id", s);
    }
    let limit = f.limit.unwrap_or(100).clamp(1, 500);
    let rows = store::alerts::list(&ctx.db, &filter, limit).await?;
    Ok(rows.into_iter().map(alert_from_row).collect())
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> Result<AlertDetail> {
    actor.require(&readers())?;
    let mut conn = ctx.db.pool().acquire().await?;
    detail_on(&mut conn, &ctx.db, id).await
}

/// An alert with its notes, read on `conn` (which may be the transaction of a change whose
/// answer it is).
async fn detail_on(conn: &mut sqlx::AnyConnection, db: &Db, id: &str) -> Result<AlertDetail> {
    let r = store::alerts::alert(conn, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("alert {id}")))?;
    let alert = alert_from_row(r);
    let rows = store::alerts::notes(conn, id).await?;
    let notes = rows
        .into_iter()
        .map(|r| Note {
            id: r.id,
            author: r.author,
            action: r.action,
            body: r.body,
            at: r.at,
        })
        .collect();
    let rule = load_catalogue(db).await?.get(&alert.rule_id).cloned();
    Ok(AlertDetail { alert, notes, rule })
}

/// What a supervisor does with an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Acknowledge,
    Resolve,
    Dismiss,
    Note,
}

impl Action {
    fn as_str(&self) -> &'static str {
        match self {
            Action::Acknowledge => "acknowledge",
            Action::Resolve => "resolve",
            Action::Dismiss => "dismiss",
            Action::Note => "note",
        }
    }
}

/// The alert state machine: which states an action starts from and where it leads.
pub fn transition(from: AlertStatus, action: Action) -> std::result::Result<AlertStatus, Error> {
    use AlertStatus::{Acknowledged, Dismissed, Open, Resolved};
    let to = match (from, action) {
        (Open, Action::Acknowledge) => Acknowledged,
        (Open | Acknowledged, Action::Resolve) => Resolved,
        (Open | Acknowledged, Action::Dismiss) => Dismissed,
        (Open | Acknowledged, Action::Note) => from,
        _ => {
            return Err(Error::conflict(
                "monitoring.alert_illegal_transition",
                format!(
                    "an alert that is '{}' cannot be {}d",
                    from.as_str(),
                    action.as_str()
                ),
            ))
        }
    };
    Ok(to)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct HandleAlert {
    /// Who handles the case (a user name); acknowledging without one assigns the caller.
    pub assignee: Option<String>,
    /// Required to resolve or dismiss (what was found or why it is not a problem).
    pub note: Option<String>,
}

#[tracing::instrument(skip_all, fields(alert_id = %id, action = ?action))]
pub async fn handle(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    action: Action,
    input: HandleAlert,
) -> Result<AlertDetail> {
    actor.require(&[Role::Supervisor])?;
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .unwrap_or("")
        .to_string();
    let needs_note = matches!(action, Action::Resolve | Action::Dismiss | Action::Note);
    if needs_note && note.is_empty() {
        return Err(Error::field(
            "note",
            "required",
            "a note is required to resolve, dismiss or comment on an alert",
        ));
    }
    if note.chars().count() > 4000 {
        return Err(Error::field("note", "too_long", "at most 4000 characters"));
    }
    if let Some(a) = &input.assignee {
        if a.trim().is_empty() || a.chars().count() > 100 {
            return Err(Error::field(
                "assignee",
                "invalid",
                "a user name of 1–100 characters",
            ));
        }
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let cur = load_in(&mut tx, id).await?;
    let to = transition(cur.status, action)?;
    let assignee = match action {
        Action::Acknowledge => Some(
            input
                .assignee
                .clone()
                .unwrap_or_else(|| actor.username.clone()),
        ),
        _ => input.assignee.clone().or(cur.assignee.clone()),
    };
    let (ack, closed) = match action {
        Action::Acknowledge => (Some(now), None),
        Action::Resolve | Action::Dismiss => (cur.acknowledged_at, Some(now)),
        Action::Note => (cur.acknowledged_at, None),
    };
    let n = store::alerts::set_handled(
        &mut tx,
        id,
        cur.status,
        store::alerts::Handled {
            status: to,
            assignee,
            acknowledged_at: ack,
            closed_at: closed,
            now,
        },
    )
    .await?;
    ggzy_store::expect_one(
        n,
        "monitoring.alert_changed",
        "the alert changed meanwhile; reload and retry",
    )?;
    if !note.is_empty() || action == Action::Acknowledge {
        store::alerts::insert_note(
            &mut tx,
            store::alerts::NewNote {
                id: &ids::new_id(),
                alert_id: id,
                author: &actor.username,
                action: action.as_str(),
                body: &note,
                at: now,
            },
        )
        .await?;
    }
    let after = load_in(&mut tx, id).await?;
    // One contract per verb (`monitoring.alert.acknowledged` …), the same payload.
    let done = alert_action(&after, &note, &actor.username);
    let event = match action {
        Action::Acknowledge => AlertAcknowledged(done).encode(),
        Action::Resolve => AlertResolved(done).encode(),
        Action::Dismiss => AlertDismissed(done).encode(),
        Action::Note => AlertNoted(done).encode(),
    };
    emit(&mut tx, &ctx.db, &actor.actor_ref(), now, event).await?;
    let detail = detail_on(&mut tx, &ctx.db, id).await?;
    ctx.db.commit_answering(tx, 200, &detail, now).await?;
    Ok(detail)
}

/// Resolve, in the caller's transaction, every open or acknowledged alert of `rule_id` on `subject`
/// because its cause went away (e.g. the missing holiday schedule was imported). Returns how many.
pub async fn resolve_by_system(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    rule_id: &str,
    subject: &str,
    why: &str,
) -> Result<usize> {
    let rows = store::alerts::open_of(tx, rule_id, subject).await?;
    let mut n = 0;
    for r in rows {
        let a = alert_from_row(r);
        let done = store::alerts::set_resolved(tx, &a.id, a.status, now).await?;
        if done != 1 {
            continue;
        }
        store::alerts::insert_note(
            tx,
            store::alerts::NewNote {
                id: &ids::new_id(),
                alert_id: &a.id,
                author: "system",
                action: "resolve",
                body: why,
                at: now,
            },
        )
        .await?;
        let after = load_in(tx, &a.id).await?;
        emit(
            tx,
            db,
            &ActorRef::system("monitoring"),
            now,
            AlertResolved(alert_action(&after, why, "system")).encode(),
        )
        .await?;
        n += 1;
    }
    Ok(n)
}

// ------------------------------------------------------------------ rule configuration

async fn overrides(conn: &mut sqlx::AnyConnection) -> Result<Vec<(String, RuleOverride)>> {
    let rows = store::alerts::overrides(conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.rule_id,
                RuleOverride {
                    enabled: Some(r.enabled),
                    severity: Severity::parse(&r.severity),
                    params: serde_json::from_str(&r.params).unwrap_or_default(),
                },
            )
        })
        .collect())
}

/// The national catalogue with the stored overrides applied (an override no longer valid is
/// skipped with a warning rather than stopping monitoring).
pub async fn load_catalogue_in(conn: &mut sqlx::AnyConnection) -> Result<Catalogue> {
    let mut c = Catalogue::national();
    for (id, o) in overrides(conn).await? {
        if let Err(e) = c.apply(&id, &o) {
            tracing::warn!(rule = %id, problem = %e.2, "stored rule override ignored");
        }
    }
    Ok(c)
}

pub async fn load_catalogue(db: &Db) -> Result<Catalogue> {
    let mut conn = db.pool().acquire().await?;
    load_catalogue_in(&mut conn).await
}

pub async fn list_rules(ctx: &Ctx, actor: &Actor) -> Result<Vec<RuleConfig>> {
    actor.require(&readers())?;
    Ok(load_catalogue(&ctx.db).await?.all().cloned().collect())
}

/// Change a rule (supervisor): enabled, severity, thresholds. Recorded as `monitoring.rule.updated`.
#[tracing::instrument(skip_all, fields(rule_id = %id))]
pub async fn update_rule(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    o: RuleOverride,
) -> Result<RuleConfig> {
    actor.require(&[Role::Supervisor])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let mut c = load_catalogue_in(&mut tx).await?;
    c.apply(id, &o)
        .map_err(|(field, rule, msg)| Error::field(&field, rule, &msg))?;
    let r = c
        .get(id)
        .cloned()
        .ok_or_else(|| Error::not_found(format!("rule {id}")))?;
    store::alerts::upsert_rule(
        &mut tx,
        store::alerts::RuleSet {
            rule_id: id,
            enabled: r.enabled,
            severity: r.severity.as_str(),
            params: serde_json::to_string(&r.params).map_err(|e| Error::internal(e.to_string()))?,
            at: now,
            by: &actor.username,
        },
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        RuleUpdated {
            rule_id: id.into(),
            enabled: r.enabled,
            severity: r.severity.as_str().into(),
            params: r.params.clone(),
        }
        .encode(),
    )
    .await?;
    ctx.db.commit_answering(tx, 200, &r, now).await?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_moves_open_acknowledged_then_closes_once() {
        use AlertStatus::{Acknowledged, Dismissed, Open, Resolved};
        assert_eq!(
            transition(Open, Action::Acknowledge).ok(),
            Some(Acknowledged)
        );
        assert_eq!(
            transition(Acknowledged, Action::Resolve).ok(),
            Some(Resolved)
        );
        assert_eq!(transition(Open, Action::Dismiss).ok(), Some(Dismissed));
        assert_eq!(
            transition(Acknowledged, Action::Note).ok(),
            Some(Acknowledged)
        );
        for closed in [Resolved, Dismissed] {
            for a in [
                Action::Acknowledge,
                Action::Resolve,
                Action::Dismiss,
                Action::Note,
            ] {
                assert!(transition(closed, a).is_err(), "{closed:?} {a:?}");
            }
        }
        assert!(transition(Acknowledged, Action::Acknowledge).is_err());
    }

    #[test]
    fn every_alert_status_reads_back_from_its_text() {
        for s in AlertStatus::ALL {
            assert_eq!(AlertStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        assert_eq!(AlertStatus::parse("closed"), None);
    }
}
