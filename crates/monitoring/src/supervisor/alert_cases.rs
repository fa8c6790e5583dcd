//! Alert cases (预警处置): the list, one alert with its evidence and notes, and the actions on it.

use super::*;
use crate::rules::AlertStatus;

pub(super) fn severity_label(s: Severity, l: Lang) -> &'static str {
    match s {
        Severity::High => l.t("高", "high"),
        Severity::Medium => l.t("中", "medium"),
        Severity::Low => l.t("低", "low"),
    }
}

pub(super) fn status_label(s: AlertStatus, l: Lang) -> &'static str {
    match s {
        AlertStatus::Open => l.t("待处理", "open"),
        AlertStatus::Acknowledged => l.t("处理中", "acknowledged"),
        AlertStatus::Resolved => l.t("已处理（属实）", "resolved"),
        AlertStatus::Dismissed => l.t("已排除", "dismissed"),
    }
}

pub(super) fn action_label(s: &str, l: Lang) -> &'static str {
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
pub(super) struct AlertsPage<'a> {
    l: Lang,
    status: &'a str,
    statuses: Vec<(&'static str, &'static str)>,
    items: Vec<AlertItem>,
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct AlertsQuery {
    #[serde(default)]
    status: String,
}

/// `GET /supervisor/alerts?status=`: the cases, newest first (default: still to handle).
pub(super) async fn alerts_page(
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
                status_label: status_label(x.status, l),
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

pub(super) fn message(a: &Alert, l: Lang) -> &str {
    if l.is_en() {
        &a.message_en
    } else {
        &a.message_zh
    }
}

pub(super) fn rule_title(r: Option<&RuleConfig>, id: &str, l: Lang) -> String {
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
pub(super) fn evidence_lines(
    ev: &Value,
    names: &Names,
    reveal: bool,
    l: Lang,
) -> Vec<EvidenceLine> {
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

pub(super) fn evidence_label(k: &str, l: Lang) -> String {
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
        // A mining-right result's publication deadline (rules::publication).
        "deal_at" => l.t("成交时间", "deal at"),
        "due_at" => l.t("公示期限（24:00）", "deadline (24:00)"),
        "last_day" => l.t("最后一个工作日", "last working day"),
        "working_days" => l.t("工作日数", "working days"),
        "published_at" => l.t("公示时间", "published at"),
        "late_seconds" => l.t("逾期秒数", "seconds late"),
        "late_working_days" => l.t("逾期工作日数", "working days late"),
        "procedure" => l.t("交易方式", "procedure"),
        "source" => l.t("依据", "source"),
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
pub(super) struct AlertPage<'a> {
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

pub(super) async fn render_alert(
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
        status_label: status_label(x.status, l),
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
        can_acknowledge: x.status == AlertStatus::Open,
        can_note: x.status.is_pending(),
        can_close: x.status.is_pending(),
        form,
    };
    page_status(&a.chrome, status, l.t("预警", "Alert"), &p)
}

/// `GET /supervisor/alerts/{id}`: the case: evidence as text, notes, and what may be done next.
pub(super) async fn alert_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    render_alert(&ctx, &a, &id, StatusCode::OK, FormState::new()).await
}

#[derive(Debug, Deserialize)]
pub(super) struct NoteForm {
    #[serde(default)]
    note: String,
}

/// `POST /supervisor/alerts/{id}/{acknowledge|note|resolve|dismiss}`: `alerts::handle`.
pub(super) async fn alert_action(
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
