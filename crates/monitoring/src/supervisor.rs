//! The supervisors' pages (`/supervisor/…`, issue 22 item 3): the live dashboard with
//! organizations by name, alert cases handled on the page (acknowledge, note, resolve, dismiss),
//! evidence as text with links to the events, a section's full history, the audit-chain check with
//! the latest transparency checkpoint, the daily reports and the rule catalogue with thresholds
//! editable within their bounds.
//!
//! Every page is one call to the same use case as the API (`alerts::handle`, `alerts::update_rule`,
//! `stats::generate_report`, `outbox::verify_chain`); forms are CSRF-checked by the frame
//! ([`CsrfForm`]) and a refusal is shown next to the field it names with its rule id.
//!
//! Names: monitoring keeps its own copy of organization names (`mon_orgs`, from
//! `identity.organization.registered`); it never reads identity's tables. Before a section's bid
//! deadline the bidders behind an alert are withheld (招标投标法 第二十二条, docs/security.md):
//! their ids are replaced by "withheld" and the evidence and the events tracing a bidder are shown
//! redacted, exactly as the API's log views (`ggzy_store::disclosure`).

use crate::alerts::{self, Action, Alert, AlertFilter, HandleAlert};
use crate::page::{self, DashboardPage};
use crate::rules::{self, RuleConfig, RuleOverride, Severity};
use crate::stats::{self, StatsParams};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use ggzy_core::events::Event;
use ggzy_core::{Error, Result};
use ggzy_identity::Role;
use ggzy_store::{disclosure, outbox, tlog, Ctx};
use ggzy_web::fmt::beijing_time;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;
use serde_json::Value;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Who uses these pages.
const SUPERVISOR: [Role; 1] = [Role::Supervisor];

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/supervisor", get(home))
        .route("/supervisor/alerts", get(alerts_page))
        .route("/supervisor/alerts/{id}", get(alert_page))
        .route("/supervisor/alerts/{id}/{action}", post(alert_action))
        .route("/supervisor/events/{id}", get(event_page))
        .route("/supervisor/sections/{id}", get(section_page))
        .route("/supervisor/audit", get(audit_page))
        .route("/supervisor/reports", get(reports_page).post(build_report))
        .route("/supervisor/rules", get(rules_page))
        .route("/supervisor/rules/{id}", get(rule_page).post(rule_save))
}

fn links(l: Lang) -> Vec<(&'static str, &'static str)> {
    vec![
        ("/supervisor/alerts", l.t("预警处置", "Alert cases")),
        ("/supervisor/remedies", l.t("投诉处理", "Complaints")),
        (
            "/supervisor/award-reports",
            l.t("招标投标情况书面报告", "Written reports"),
        ),
        ("/supervisor/rules", l.t("预警规则", "Rule catalogue")),
        ("/supervisor/audit", l.t("审计链校验", "Audit chain check")),
        ("/supervisor/reports", l.t("日报", "Daily reports")),
        (
            "/staff/capital-increases",
            l.t("企业增资", "Capital increases"),
        ),
    ]
}

// ------------------------------------------------------------------ names

/// Organization names monitoring knows, by id, with whether the organization is a bidder-side
/// one (withheld before the deadline).
pub struct Names {
    orgs: HashMap<String, (String, bool)>,
}

impl Names {
    pub async fn load(ctx: &Ctx) -> Result<Names> {
        let rows = sqlx::query("SELECT id, name, kind FROM mon_orgs")
            .fetch_all(ctx.db.pool())
            .await?;
        let mut orgs = HashMap::with_capacity(rows.len());
        for r in rows {
            let kind: Option<String> = r.try_get(2)?;
            let bidder_side = !matches!(
                kind.as_deref(),
                Some("tenderer" | "agency" | "centre" | "supervisor" | "bank")
            );
            orgs.insert(r.try_get(0)?, (r.try_get(1)?, bidder_side));
        }
        Ok(Names { orgs })
    }

    /// The name of an organization id, or what to show instead before the deadline.
    fn name(&self, id: &str, reveal: bool, l: Lang) -> Option<String> {
        let (name, bidder_side) = self.orgs.get(id)?;
        Some(if reveal || !bidder_side {
            name.clone()
        } else {
            l.t(
                "（投标人身份截止前保密）",
                "(bidder withheld until the deadline)",
            )
            .to_string()
        })
    }

    /// `text` with every organization id replaced by its name (or "withheld").
    pub fn humanize(&self, text: &str, reveal: bool, l: Lang) -> String {
        let mut out = String::with_capacity(text.len());
        let mut token = String::new();
        let flush = |token: &mut String, out: &mut String| {
            if !token.is_empty() {
                // `dev-<id>`, `b-<id>`: the dashes around an id are not part of it.
                let core = token.trim_matches('-');
                let lead = token.len() - token.trim_start_matches('-').len();
                match self.name(core, reveal, l) {
                    Some(n) => {
                        out.push_str(&token[..lead]);
                        out.push_str(&n);
                        out.push_str(&token[lead + core.len()..]);
                    }
                    None => out.push_str(token),
                }
                token.clear();
            }
        };
        for ch in text.chars() {
            if ch.is_ascii_hexdigit() || ch == '-' {
                token.push(ch);
            } else {
                flush(&mut token, &mut out);
                out.push(ch);
            }
        }
        flush(&mut token, &mut out);
        out
    }
}

/// An alert's sentence as a supervisor may read it now: organization ids by name; before the
/// deadline a collusion finding (the shared address, device, account… and the bidders sharing
/// it) is withheld altogether, the rest with the bidders withheld.
pub fn shown_message(names: &Names, a: &Alert, reveal: bool, l: Lang) -> String {
    if !reveal && a.rule_id.starts_with("collusion.") {
        return l
            .t(
                "共同特征及涉及的投标人在投标截止前保密",
                "the shared trace and the bidders sharing it are withheld until the bid deadline",
            )
            .to_string();
    }
    names.humanize(message(a, l), reveal, l)
}

/// Sections among `ids` whose deadline has passed (identities may be shown).
async fn closed(ctx: &Ctx, ids: impl Iterator<Item = String>) -> Result<BTreeSet<String>> {
    let ids: BTreeSet<String> = ids.collect();
    disclosure::closed_sections(&ctx.db, &ids).await
}

/// The dashboard's alert list with names (or "withheld") and, for a supervisor, links to the cases.
pub async fn name_alerts(
    ctx: &Ctx,
    l: Lang,
    alerts: &[Alert],
    v: &mut DashboardPage,
) -> Result<()> {
    let names = Names::load(ctx).await?;
    let open = closed(ctx, alerts.iter().filter_map(|a| a.section_id.clone())).await?;
    for (row, a) in v.alerts.iter_mut().zip(alerts) {
        let reveal = a.section_id.as_ref().is_some_and(|s| open.contains(s));
        row.message = shown_message(&names, a, reveal, l);
    }
    Ok(())
}

/// A section as people name it: project code and section name (monitoring's own copy).
async fn section_label(ctx: &Ctx, id: &str) -> Result<Option<String>> {
    let r = sqlx::query(
        "SELECT project_code, project_name, section_name FROM mon_sections WHERE section_id = $1",
    )
    .bind(id)
    .fetch_optional(ctx.db.pool())
    .await?;
    Ok(match r {
        Some(r) => {
            let parts: Vec<String> = [
                r.try_get::<Option<String>, _>(0)?,
                r.try_get::<Option<String>, _>(1)?,
                r.try_get::<Option<String>, _>(2)?,
            ]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        }
        None => None,
    })
}

// ------------------------------------------------------------------ home

/// `GET /supervisor`: the live dashboard (as `/monitoring`) with the supervisor's pages linked
/// and the alerts leading to their cases.
async fn home(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let l = a.chrome.lang;
    let data = async {
        let d = stats::dashboard(&ctx, &a.actor).await?;
        let st = stats::stats(&ctx.db, &StatsParams::default()).await?;
        let mut v = page::view(l, &d, &st);
        name_alerts(&ctx, l, &d.latest_alerts, &mut v).await?;
        for row in &mut v.alerts {
            row.href = Some(format!("/supervisor/alerts/{}", row.id));
        }
        v.links = links(l);
        Ok::<_, Error>(v)
    }
    .await;
    match data {
        Ok(v) => frame::page(&a.chrome, l.t("监管工作台", "Supervisor's workbench"), &v),
        Err(e) => a.error(e).into_response(),
    }
}

// ------------------------------------------------------------------ alerts

fn severity_label(s: Severity, l: Lang) -> &'static str {
    match s {
        Severity::High => l.t("高", "high"),
        Severity::Medium => l.t("中", "medium"),
        Severity::Low => l.t("低", "low"),
    }
}

fn status_label(s: &str, l: Lang) -> &'static str {
    match s {
        "open" => l.t("待处理", "open"),
        "acknowledged" => l.t("处理中", "acknowledged"),
        "resolved" => l.t("已处理（属实）", "resolved"),
        "dismissed" => l.t("已排除", "dismissed"),
        _ => l.t("其他", "other"),
    }
}

fn action_label(s: &str, l: Lang) -> &'static str {
    match s {
        "acknowledge" => l.t("受理", "acknowledged"),
        "resolve" => l.t("办结（属实）", "resolved"),
        "dismiss" => l.t("排除", "dismissed"),
        "note" => l.t("备注", "note"),
        _ => l.t("系统", "system"),
    }
}

/// An alert as listed.
pub struct AlertItem {
    pub id: String,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub title: String,
    pub message: String,
    pub section: String,
    pub status_label: &'static str,
    pub raised: String,
}

#[derive(Template)]
#[template(path = "supervisor/alerts.html")]
struct AlertsPage<'a> {
    l: Lang,
    status: &'a str,
    statuses: Vec<(&'static str, &'static str)>,
    items: Vec<AlertItem>,
}

#[derive(Debug, Deserialize, Default)]
struct AlertsQuery {
    #[serde(default)]
    status: String,
}

/// `GET /supervisor/alerts?status=`: the cases, newest first (default: still to handle).
async fn alerts_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Query(q): Query<AlertsQuery>,
) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let l = a.chrome.lang;
    let status = match q.status.as_str() {
        "" | "pending" => "pending",
        "open" | "acknowledged" | "resolved" | "dismissed" | "all" => q.status.as_str(),
        _ => {
            return a
                .error(Error::field(
                    "status",
                    "monitoring.status_unknown",
                    "status is open, acknowledged, resolved or dismissed",
                ))
                .into_response()
        }
    };
    let data = async {
        let mut list = Vec::new();
        let wanted: Vec<Option<&str>> = match status {
            "pending" => vec![Some("open"), Some("acknowledged")],
            "all" => vec![None],
            s => vec![Some(s)],
        };
        for s in wanted {
            let f = AlertFilter {
                status: s.map(str::to_string),
                limit: Some(200),
                ..Default::default()
            };
            list.extend(alerts::list(&ctx, &a.actor, &f).await?);
        }
        list.sort_by(|x, y| y.raised_at.cmp(&x.raised_at).then(y.id.cmp(&x.id)));
        let names = Names::load(&ctx).await?;
        let cat = alerts::load_catalogue(&ctx.db).await?;
        let open = closed(&ctx, list.iter().filter_map(|x| x.section_id.clone())).await?;
        let mut items = Vec::with_capacity(list.len());
        for x in &list {
            let reveal = x.section_id.as_ref().is_some_and(|s| open.contains(s));
            let section = match &x.section_id {
                Some(s) => section_label(&ctx, s).await?.unwrap_or_else(|| "—".into()),
                None => "—".into(),
            };
            items.push(AlertItem {
                id: x.id.clone(),
                severity: x.severity.as_str(),
                severity_label: severity_label(x.severity, l),
                title: rule_title(cat.get(&x.rule_id), &x.rule_id, l),
                message: shown_message(&names, x, reveal, l),
                section,
                status_label: status_label(&x.status, l),
                raised: beijing_time(&x.raised_at),
            });
        }
        Ok::<_, Error>(items)
    }
    .await;
    match data {
        Ok(items) => {
            let p = AlertsPage {
                l,
                status,
                statuses: vec![
                    ("pending", l.t("待处理和处理中", "Open and acknowledged")),
                    ("open", l.t("待处理", "Open")),
                    ("acknowledged", l.t("处理中", "Acknowledged")),
                    ("resolved", l.t("已处理（属实）", "Resolved")),
                    ("dismissed", l.t("已排除", "Dismissed")),
                    ("all", l.t("全部", "All")),
                ],
                items,
            };
            frame::page(&a.chrome, l.t("预警处置", "Alert cases"), &p)
        }
        Err(e) => a.error(e).into_response(),
    }
}

fn message(a: &Alert, l: Lang) -> &str {
    if l.is_en() {
        &a.message_en
    } else {
        &a.message_zh
    }
}

fn rule_title(r: Option<&RuleConfig>, id: &str, l: Lang) -> String {
    match r {
        Some(r) if l.is_en() => r.title_en.clone(),
        Some(r) => r.title_zh.clone(),
        None => id.to_string(),
    }
}

/// One line of evidence as text: a label, the value in words, and links to events.
pub struct EvidenceLine {
    pub label: String,
    pub text: String,
    pub links: Vec<(String, String)>,
}

/// Evidence values as text: organization ids by name, event ids as links, lists joined.
fn evidence_lines(ev: &Value, names: &Names, reveal: bool, l: Lang) -> Vec<EvidenceLine> {
    let Some(obj) = ev.as_object() else {
        return vec![];
    };
    let mut out = Vec::new();
    for (k, v) in obj {
        let label = evidence_label(k, l);
        let is_event = k == "event_id" || k == "event_ids" || k.ends_with("_event_ids");
        let values: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        if is_event {
            let links = values
                .iter()
                .filter_map(|v| v.as_str())
                .enumerate()
                .map(|(i, id)| {
                    (
                        format!("/supervisor/events/{id}"),
                        format!("{} {}", l.t("事件", "event"), i + 1),
                    )
                })
                .collect();
            out.push(EvidenceLine {
                label,
                text: String::new(),
                links,
            });
            continue;
        }
        let words: Vec<String> = values
            .iter()
            .map(|v| match v {
                Value::String(s) => names.humanize(s, reveal, l),
                Value::Null => "—".into(),
                other => names.humanize(&other.to_string(), reveal, l),
            })
            .collect();
        let links = if k == "section_ids" {
            values
                .iter()
                .filter_map(|v| v.as_str())
                .map(|s| {
                    (
                        format!("/supervisor/sections/{s}"),
                        l.t("标段全过程", "section history").to_string(),
                    )
                })
                .collect()
        } else {
            vec![]
        };
        out.push(EvidenceLine {
            label,
            text: words.join(l.t("、", ", ")),
            links,
        });
    }
    out
}

fn evidence_label(k: &str, l: Lang) -> String {
    let t = match k {
        "value" => l.t("共同特征值", "shared value"),
        "org_ids" => l.t("涉及单位", "organizations"),
        "event_id" | "event_ids" => l.t("依据事件", "events"),
        "price" | "price_fen" => l.t("报价", "price"),
        "prices" => l.t("报价", "prices"),
        "tenderer" => l.t("招标人", "tenderer"),
        "winner_org_id" => l.t("中标单位", "winner"),
        "awards" => l.t("中标次数", "awards"),
        "window_days" => l.t("统计天数", "window (days)"),
        "section_ids" => l.t("涉及标段", "sections"),
        "expert_id" => l.t("专家", "expert"),
        "days" => l.t("天数", "days"),
        _ => return k.replace('_', " "),
    };
    t.to_string()
}

pub struct NoteRow {
    pub at: String,
    pub author: String,
    pub action: &'static str,
    pub body: String,
}

#[derive(Template)]
#[template(path = "supervisor/alert.html")]
struct AlertPage<'a> {
    c: &'a Chrome,
    l: Lang,
    id: String,
    title: String,
    source: String,
    severity: &'static str,
    severity_label: &'static str,
    status_label: &'static str,
    message: String,
    section: Option<(String, String)>,
    raised: String,
    assignee: String,
    reveal: bool,
    evidence: Vec<EvidenceLine>,
    notes: Vec<NoteRow>,
    can_acknowledge: bool,
    can_note: bool,
    can_close: bool,
    form: FormState,
}

async fn render_alert(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    form: FormState,
) -> Response {
    let l = a.chrome.lang;
    let d = match alerts::get(ctx, &a.actor, id).await {
        Ok(d) => d,
        Err(e) => return frame::error_page(&a.chrome, &e),
    };
    let data = async {
        let names = Names::load(ctx).await?;
        let reveal = match &d.alert.section_id {
            Some(s) => closed(ctx, std::iter::once(s.clone())).await?.contains(s),
            None => false,
        };
        let section = match &d.alert.section_id {
            Some(s) => Some((
                s.clone(),
                section_label(ctx, s)
                    .await?
                    .unwrap_or_else(|| l.t("标段", "section").to_string()),
            )),
            None => None,
        };
        Ok::<_, Error>((names, reveal, section))
    }
    .await;
    let (names, reveal, section) = match data {
        Ok(x) => x,
        Err(e) => return frame::error_page(&a.chrome, &e),
    };
    let x = &d.alert;
    // Before the deadline the evidence names bidders: shown as the log views show it, withheld.
    let evidence = if reveal {
        evidence_lines(&x.evidence, &names, true, l)
    } else {
        let mut kept = serde_json::Map::new();
        if let Some(o) = x.evidence.as_object() {
            for (k, v) in o {
                if k == "event_id" || k == "event_ids" || k == "section_ids" {
                    kept.insert(k.clone(), v.clone());
                }
            }
        }
        evidence_lines(&Value::Object(kept), &names, false, l)
    };
    let p = AlertPage {
        c: &a.chrome,
        l,
        id: x.id.clone(),
        title: rule_title(d.rule.as_ref(), &x.rule_id, l),
        source: d
            .rule
            .as_ref()
            .map(|r| r.source.clone())
            .unwrap_or_default(),
        severity: x.severity.as_str(),
        severity_label: severity_label(x.severity, l),
        status_label: status_label(&x.status, l),
        message: shown_message(&names, x, reveal, l),
        section,
        raised: beijing_time(&x.raised_at),
        assignee: x.assignee.clone().unwrap_or_else(|| "—".into()),
        reveal,
        evidence,
        notes: d
            .notes
            .iter()
            .map(|n| NoteRow {
                at: beijing_time(&n.at),
                author: n.author.clone(),
                action: action_label(&n.action, l),
                body: n.body.clone(),
            })
            .collect(),
        can_acknowledge: x.status == "open",
        can_note: x.status == "open" || x.status == "acknowledged",
        can_close: x.status == "open" || x.status == "acknowledged",
        form,
    };
    page_status(&a.chrome, status, l.t("预警", "Alert"), &p)
}

/// `GET /supervisor/alerts/{id}`: the case: evidence as text, notes, and what may be done next.
async fn alert_page(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    render_alert(&ctx, &a, &id, StatusCode::OK, FormState::new()).await
}

#[derive(Debug, Deserialize)]
struct NoteForm {
    #[serde(default)]
    note: String,
}

/// `POST /supervisor/alerts/{id}/{acknowledge|note|resolve|dismiss}`: `alerts::handle`.
async fn alert_action(
    State(ctx): State<Ctx>,
    Path((id, action)): Path<(String, String)>,
    f: CsrfForm<NoteForm>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let act = match action.as_str() {
        "acknowledge" => Action::Acknowledge,
        "note" => Action::Note,
        "resolve" => Action::Resolve,
        "dismiss" => Action::Dismiss,
        _ => return frame::error_page(&a.chrome, &Error::not_found("no such action")),
    };
    let note = f.form.note.trim().to_string();
    let mut form = FormState::new().with_values([("note", note.clone())]);
    if act == Action::Note && note.is_empty() {
        form.push(
            "note",
            "monitoring.note_required",
            a.chrome.t("请填写备注", "Write the note"),
        );
        return render_alert(&ctx, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, form).await;
    }
    let input = HandleAlert {
        assignee: None,
        note: (!note.is_empty()).then_some(note.clone()),
    };
    match alerts::handle(&ctx, &a.actor, &id, act, input).await {
        Ok(_) => see_other(&format!("/supervisor/alerts/{id}")),
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values([("note", note)]);
            render_alert(&ctx, &a, &id, status, form).await
        }
    }
}

// ------------------------------------------------------------------ events and history

/// An event as a table row in words.
pub struct EventRow {
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub event_type: String,
    pub actor: String,
    pub redacted: bool,
    pub fields: Vec<(String, String)>,
    pub hash: String,
}

fn event_row(e: &Event, names: &Names, l: Lang) -> EventRow {
    let redacted = e.payload.get("redacted").is_some();
    // An event shown complete (not redacted) is one overseers may read with identities.
    let fields = match e.payload.as_object() {
        Some(o) => o
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), names.humanize(&text, true, l))
            })
            .collect(),
        None => vec![],
    };
    let actor = match &e.actor_org {
        Some(o) => format!(
            "{} ({})",
            e.actor,
            names.name(o, true, l).unwrap_or_else(|| o.clone())
        ),
        None => e.actor.clone(),
    };
    EventRow {
        seq: e.seq,
        id: e.id.clone(),
        at: ggzy_web::fmt::beijing_time_s(&e.occurred_at),
        event_type: e.event_type.clone(),
        actor,
        redacted,
        fields,
        hash: e.hash.clone(),
    }
}

#[derive(Template)]
#[template(path = "supervisor/event.html")]
struct EventPage {
    l: Lang,
    e: EventRow,
    section: Option<String>,
}

/// `GET /supervisor/events/{id}`: one sealed event, as the log views show it to overseers.
async fn event_page(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let l = a.chrome.lang;
    let data = async {
        let seq: Option<i64> =
            sqlx::query("SELECT seq FROM events WHERE id = $1 AND seq IS NOT NULL")
                .bind(&id)
                .fetch_optional(ctx.db.pool())
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        let seq = seq.ok_or_else(|| Error::not_found(format!("event {id}")))?;
        let evs = outbox::read_after(ctx.db.pool(), seq - 1, 1).await?;
        let shown = disclosure::for_overseers(&ctx.db, evs).await?;
        let e = shown
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found(format!("event {id}")))?;
        let names = Names::load(&ctx).await?;
        Ok::<_, Error>((disclosure::section_of(&e), event_row(&e, &names, l)))
    }
    .await;
    match data {
        Ok((section, e)) => frame::page(
            &a.chrome,
            l.t("事件", "Event"),
            &EventPage { l, e, section },
        ),
        Err(err) => a.error(err).into_response(),
    }
}

#[derive(Template)]
#[template(path = "supervisor/section.html")]
struct SectionPage {
    l: Lang,
    id: String,
    label: String,
    rows: Vec<EventRow>,
    chain_ok: bool,
}

fn well_formed_id(id: &str) -> bool {
    (3..=100).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && id.chars().filter(char::is_ascii_alphanumeric).count() >= 3
}

/// `GET /supervisor/sections/{id}`: every sealed event about the section or naming it, in order,
/// as overseers may read them now; the JSON export links beside it.
async fn section_page(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let l = a.chrome.lang;
    if !well_formed_id(&id) {
        return a
            .error(Error::field(
                "id",
                "monitoring.section_id_format",
                "a section id: 3-100 characters of A-Z, a-z, 0-9, '-', '_'",
            ))
            .into_response();
    }
    let data = async {
        let mut all: BTreeMap<i64, Event> = BTreeMap::new();
        for by_aggregate in [true, false] {
            let mut after = 0;
            loop {
                let q = outbox::EventQuery {
                    after,
                    limit: 1000,
                    aggregate_id: by_aggregate.then(|| id.clone()),
                    text: (!by_aggregate).then(|| format!("\"{id}\"")),
                    ..Default::default()
                };
                let page = outbox::search(&ctx.db, &q).await?;
                let n = page.len();
                let Some(last) = page.last().map(|e| e.seq) else {
                    break;
                };
                for e in page {
                    all.insert(e.seq, e);
                }
                if n < 1000 {
                    break;
                }
                after = last;
            }
        }
        if all.is_empty() {
            return Err(Error::not_found(format!("no events about section {id}")));
        }
        let shown = disclosure::for_overseers(&ctx.db, all.into_values().collect()).await?;
        let names = Names::load(&ctx).await?;
        let chain = outbox::verify_chain(&ctx.db).await?;
        let label = section_label(&ctx, &id)
            .await?
            .unwrap_or_else(|| id.clone());
        Ok::<_, Error>(SectionPage {
            l,
            id: id.clone(),
            label,
            rows: shown.iter().map(|e| event_row(e, &names, l)).collect(),
            chain_ok: chain.broken_at.is_none(),
        })
    }
    .await;
    match data {
        Ok(p) => frame::page(&a.chrome, l.t("标段全过程", "Section history"), &p),
        Err(e) => a.error(e).into_response(),
    }
}

// ------------------------------------------------------------------ audit chain

#[derive(Template)]
#[template(path = "supervisor/audit.html")]
struct AuditPage {
    l: Lang,
    checked: bool,
    ok: bool,
    count: i64,
    head_seq: i64,
    head_hash: String,
    broken_at: Option<i64>,
    problem: String,
    checkpoint: Option<(u64, String, String, String)>,
}

#[derive(Debug, Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    verify: String,
}

/// `GET /supervisor/audit[?verify=1]`: the chain check (on request) and the latest signed
/// transparency checkpoint (docs/transparency-log.md).
async fn audit_page(State(ctx): State<Ctx>, a: PageActor, Query(q): Query<AuditQuery>) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let l = a.chrome.lang;
    let data = async {
        let checkpoint = tlog::latest_checkpoint(&ctx.db).await?.map(|c| {
            (
                c.tree_size,
                c.root_hash,
                beijing_time(&c.published_at),
                c.origin,
            )
        });
        let mut p = AuditPage {
            l,
            checked: false,
            ok: false,
            count: 0,
            head_seq: 0,
            head_hash: String::new(),
            broken_at: None,
            problem: String::new(),
            checkpoint,
        };
        if !q.verify.is_empty() {
            let r = outbox::verify_chain(&ctx.db).await?;
            p.checked = true;
            p.ok = r.broken_at.is_none();
            p.count = r.checked;
            p.head_seq = r.head_seq;
            p.head_hash = r.head_hash;
            p.broken_at = r.broken_at;
            p.problem = r.problem.unwrap_or_default();
        }
        Ok::<_, Error>(p)
    }
    .await;
    match data {
        Ok(p) => frame::page(&a.chrome, l.t("审计链校验", "Audit chain check"), &p),
        Err(e) => a.error(e).into_response(),
    }
}

// ------------------------------------------------------------------ reports

#[derive(Template)]
#[template(path = "supervisor/reports.html")]
struct ReportsPage<'a> {
    c: &'a Chrome,
    l: Lang,
    days: Vec<(String, String)>,
    form: FormState,
}

async fn render_reports(ctx: &Ctx, a: &PageActor, status: StatusCode, form: FormState) -> Response {
    let l = a.chrome.lang;
    match stats::list_reports(&ctx.db).await {
        Ok(list) => {
            let days = list
                .iter()
                .map(|r| {
                    (
                        r.day.to_string(),
                        ggzy_web::fmt::beijing_time(&r.created_at),
                    )
                })
                .collect();
            let p = ReportsPage {
                c: &a.chrome,
                l,
                days,
                form,
            };
            page_status(&a.chrome, status, l.t("日报", "Daily reports"), &p)
        }
        Err(e) => frame::error_page(&a.chrome, &e),
    }
}

/// `GET /supervisor/reports`: stored daily reports with their CSV and HTML downloads.
async fn reports_page(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    render_reports(&ctx, &a, StatusCode::OK, FormState::new()).await
}

#[derive(Debug, Deserialize)]
struct ReportForm {
    #[serde(default)]
    day: String,
}

/// `POST /supervisor/reports`: build a day's report now (as the API's `POST …/reports/{day}`).
async fn build_report(State(ctx): State<Ctx>, f: CsrfForm<ReportForm>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let raw = f.form.day.trim().to_string();
    let result = async {
        let day = raw
            .parse::<NaiveDate>()
            .map_err(|_| Error::field("day", "format", "a date YYYY-MM-DD"))?;
        if day > ggzy_core::time::local_date(ctx.clock.now()) {
            return Err(Error::field(
                "day",
                "monitoring.report_future",
                "a report covers a day that has started",
            ));
        }
        stats::generate_report(&ctx.db, day, ctx.clock.now()).await
    }
    .await;
    match result {
        Ok(_) => see_other("/supervisor/reports"),
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values([("day", raw)]);
            render_reports(&ctx, &a, status, form).await
        }
    }
}

// ------------------------------------------------------------------ rules

pub struct RuleRow {
    pub id: String,
    pub title: String,
    pub enabled: bool,
    pub severity_label: &'static str,
    pub params: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "supervisor/rules.html")]
struct RulesPage {
    l: Lang,
    rows: Vec<RuleRow>,
}

/// `GET /supervisor/rules`: the catalogue as configured.
async fn rules_page(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let l = a.chrome.lang;
    match alerts::list_rules(&ctx, &a.actor).await {
        Ok(list) => {
            let rows = list
                .iter()
                .map(|r| RuleRow {
                    id: r.id.clone(),
                    title: rule_title(Some(r), &r.id, l),
                    enabled: r.enabled,
                    severity_label: severity_label(r.severity, l),
                    params: r
                        .params
                        .iter()
                        .map(|(k, v)| format!("{} = {v}", param_label(k, l)))
                        .collect::<Vec<_>>()
                        .join(l.t("；", "; ")),
                    source: r.source.clone(),
                })
                .collect();
            frame::page(
                &a.chrome,
                l.t("预警规则", "Rule catalogue"),
                &RulesPage { l, rows },
            )
        }
        Err(e) => a.error(e).into_response(),
    }
}

fn param_label(k: &str, l: Lang) -> String {
    let t = match k {
        "min_bidders" => l.t("最少投标人数", "minimum bidders"),
        "min_bids" => l.t("最少投标数", "minimum bids"),
        "count" => l.t("次数", "count"),
        "window_days" => l.t("统计天数", "window (days)"),
        "min_days" => l.t("最少天数", "minimum days"),
        "margin_days" => l.t("余量天数", "margin (days)"),
        "ratio_bp" => l.t("比例（万分之）", "ratio (basis points)"),
        "max_score" => l.t("最高分", "maximum score"),
        _ => return k.to_string(),
    };
    t.to_string()
}

/// A threshold field of the rule form.
pub struct ParamField {
    pub name: String,
    pub label: String,
    pub hint: String,
}

#[derive(Template)]
#[template(path = "supervisor/rule.html")]
struct RulePage<'a> {
    c: &'a Chrome,
    l: Lang,
    id: String,
    title: String,
    source: String,
    params: Vec<ParamField>,
    enabled_options: Vec<(&'static str, &'static str)>,
    severity_options: Vec<(&'static str, &'static str)>,
    form: FormState,
}

async fn render_rule(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    form: Option<FormState>,
) -> Response {
    let l = a.chrome.lang;
    let list = match alerts::list_rules(ctx, &a.actor).await {
        Ok(x) => x,
        Err(e) => return frame::error_page(&a.chrome, &e),
    };
    let Some(r) = list.into_iter().find(|r| r.id == id) else {
        return frame::error_page(&a.chrome, &Error::not_found(format!("rule {id}")));
    };
    let form = form.unwrap_or_else(|| {
        let mut values = vec![
            (
                "enabled".to_string(),
                if r.enabled { "true" } else { "false" }.to_string(),
            ),
            ("severity".to_string(), r.severity.as_str().to_string()),
        ];
        for (k, v) in &r.params {
            values.push((format!("params.{k}"), v.to_string()));
        }
        FormState::new().with_values(values)
    });
    let params = r
        .params
        .keys()
        .map(|k| {
            let (lo, hi) = rules::param_bounds(k);
            ParamField {
                name: format!("params.{k}"),
                label: param_label(k, l),
                hint: match l {
                    Lang::Zh => format!("取值 {lo}–{hi} 的整数"),
                    Lang::En => format!("A whole number from {lo} to {hi}"),
                },
            }
        })
        .collect();
    let p = RulePage {
        c: &a.chrome,
        l,
        id: r.id.clone(),
        title: rule_title(Some(&r), &r.id, l),
        source: r.source.clone(),
        params,
        enabled_options: vec![
            ("true", l.t("启用", "enabled")),
            ("false", l.t("停用", "disabled")),
        ],
        severity_options: vec![
            ("high", l.t("高", "high")),
            ("medium", l.t("中", "medium")),
            ("low", l.t("低", "low")),
        ],
        form,
    };
    page_status(&a.chrome, status, l.t("预警规则", "Rule"), &p)
}

/// `GET /supervisor/rules/{id}`: the rule's form.
async fn rule_page(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    render_rule(&ctx, &a, &id, StatusCode::OK, None).await
}

/// `POST /supervisor/rules/{id}`: `alerts::update_rule` (bounds in `rules::param_bounds`).
async fn rule_save(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let l = a.chrome.lang;
    let values: Vec<(String, String)> = f
        .form
        .iter()
        .filter(|(k, _)| k.as_str() != "csrf")
        .map(|(k, v)| (k.clone(), v.trim().to_string()))
        .collect();
    let mut form = FormState::new().with_values(values.clone());
    let mut o = RuleOverride::default();
    for (k, v) in &values {
        match k.as_str() {
            "enabled" => o.enabled = Some(v == "true"),
            "severity" => match Severity::parse(v) {
                Some(s) => o.severity = Some(s),
                None => form.push(
                    "severity",
                    "monitoring.severity_unknown",
                    l.t("请选择严重程度", "Choose a severity"),
                ),
            },
            _ => {
                if let Some(name) = k.strip_prefix("params.") {
                    match v.parse::<i64>() {
                        Ok(n) => {
                            o.params.insert(name.to_string(), n);
                        }
                        Err(_) => form.push(
                            k,
                            "monitoring.param_integer",
                            l.t("请输入整数", "Enter a whole number"),
                        ),
                    }
                }
            }
        }
    }
    if !form.is_ok() {
        return render_rule(&ctx, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, Some(form)).await;
    }
    match alerts::update_rule(&ctx, &a.actor, &id, o).await {
        Ok(_) => see_other("/supervisor/rules"),
        Err(e) => {
            let status = e.status();
            let mut form = FormState::from_error(&e).with_values(values);
            form.values.retain(|k, _| k != "csrf");
            render_rule(&ctx, &a, &id, status, Some(form)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_names_or_are_withheld_before_the_deadline() {
        let mut orgs = HashMap::new();
        orgs.insert(
            "0190a0b1-0000-7000-8000-000000000001".to_string(),
            ("甲建设公司".to_string(), true),
        );
        orgs.insert(
            "0190a0b1-0000-7000-8000-000000000002".to_string(),
            ("某区住建局".to_string(), false),
        );
        let n = Names { orgs };
        let text = "2家：0190a0b1-0000-7000-8000-000000000001、0190a0b1-0000-7000-8000-000000000002 (10.0.0.1)";
        let shown = n.humanize(text, true, Lang::Zh);
        assert_eq!(shown, "2家：甲建设公司、某区住建局 (10.0.0.1)");
        assert_eq!(
            n.humanize("dev-0190a0b1-0000-7000-8000-000000000001-", true, Lang::Zh),
            "dev-甲建设公司-"
        );
        let withheld = n.humanize(text, false, Lang::Zh);
        assert!(!withheld.contains("甲建设公司") && !withheld.contains("0000-7000"));
        assert!(withheld.contains("某区住建局"), "{withheld}");
    }

    #[test]
    fn evidence_event_ids_become_links_and_values_text() {
        let n = Names {
            orgs: HashMap::new(),
        };
        let ev = serde_json::json!({"value": "10.0.0.1", "event_ids": ["e1", "e2"]});
        let lines = evidence_lines(&ev, &n, true, Lang::En);
        let ev_line = lines.iter().find(|x| x.label == "events").expect("events");
        assert_eq!(ev_line.links[1].0, "/supervisor/events/e2");
        let v = lines.iter().find(|x| x.label == "shared value").expect("v");
        assert_eq!(v.text, "10.0.0.1");
    }
}
