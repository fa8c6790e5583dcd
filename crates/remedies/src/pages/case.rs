//! One case: its page on each side (history, actions) and the actions posted from it.

use super::*;

// ------------------------------------------------------------------ one case

/// One line of the case's history.
struct Step {
    at: String,
    what: String,
}

#[derive(Template)]
#[template(path = "remedies/case.html")]
struct CasePage<'a> {
    c: &'a Chrome,
    l: Lang,
    base: &'static str,
    case: &'a Case,
    section: String,
    kind: &'static str,
    target: &'static str,
    state: &'static str,
    due: String,
    overdue: bool,
    steps: Vec<Step>,
    form: FormState,
    /// Forms shown: `answer`, `close`, `escalate`, `accept`, `refuse`, `decide`.
    can: Vec<&'static str>,
    decisions: Vec<(String, String)>,
    /// Attachments uploaded on this form and not yet claimed by the escalation.
    pending: Vec<crate::attachments::Attachment>,
}

impl CasePage<'_> {
    fn may(&self, action: &str) -> bool {
        self.can.contains(&action)
    }
    /// A yes/no select's options (`false` first).
    fn no_yes(&self, no: &str, yes: &str) -> Vec<(String, String)> {
        vec![
            ("false".to_string(), no.to_string()),
            ("true".to_string(), yes.to_string()),
        ]
    }
}

fn steps(c: &Case, l: Lang) -> Vec<Step> {
    let mut s = vec![Step {
        at: beijing_time(&c.raised_at),
        what: format!(
            "{}：{}",
            l.t("提出", "Raised"),
            c.grounds.chars().take(200).collect::<String>()
        ),
    }];
    if let Some(t) = c.answered_at {
        s.push(Step {
            at: beijing_time(&t),
            what: format!(
                "{}：{}",
                l.t("答复", "Answered"),
                c.answer.clone().unwrap_or_default()
            ),
        });
    }
    if let Some(t) = c.new_bid_deadline {
        s.push(Step {
            at: beijing_time(&t),
            what: l.t("新的投标截止时间", "New bid deadline").to_string(),
        });
    }
    if let Some(t) = c.accepted_at {
        s.push(Step {
            at: beijing_time(&t),
            what: if c.state == CaseState::Refused {
                format!(
                    "{}：{}",
                    l.t("不予受理", "Refused"),
                    c.refusal_reason.clone().unwrap_or_default()
                )
            } else {
                l.t("受理", "Accepted").to_string()
            },
        });
    }
    if let (Some(t), Some(d)) = (c.decided_at, c.decision) {
        s.push(Step {
            at: beijing_time(&t),
            what: format!(
                "{}（{}）：{}",
                l.t("处理决定", "Decision"),
                decision_label(d, l),
                c.decision_reason.clone().unwrap_or_default()
            ),
        });
    }
    s
}

fn can(side: Side, c: &Case) -> Vec<&'static str> {
    let complaint = c.kind == Kind::Complaint;
    match (side, c.state) {
        (Side::Supervisor, CaseState::Raised) if complaint => vec!["accept", "refuse"],
        (Side::Supervisor, CaseState::Investigating) => vec!["decide"],
        (Side::Tenderer, CaseState::Raised) if !complaint => vec!["answer"],
        (Side::Bidder, CaseState::Answered) if c.child_id.is_none() => vec!["close", "escalate"],
        _ => Vec::new(),
    }
}

async fn render_case(
    ctx: &Ctx,
    a: &PageActor,
    side: Side,
    id: &str,
    status: StatusCode,
    form: Option<FormState>,
    pending: Vec<crate::attachments::Attachment>,
) -> Response {
    let l = a.chrome.lang;
    let case = match service::get(ctx, &a.actor, id).await {
        Ok(c) => c,
        Err(e) => return a.error(e).into_response(),
    };
    let code = service::section_code(ctx, &case.section_id)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let due = due_of(&case);
    let tpl = CasePage {
        c: &a.chrome,
        l,
        base: side.base(),
        section: format!("{code} · {}", case.section_id),
        kind: kind_label(case.kind, l),
        target: target_label(case.target, l),
        state: state_label(case.state, l),
        due: due.map(|d| beijing_time(&d)).unwrap_or_default(),
        overdue: due.is_some_and(|d| d <= ctx.clock.now()),
        steps: steps(&case, l),
        form: form.unwrap_or_default(),
        can: can(side, &case),
        decisions: [
            Decision::Dismissed,
            Decision::CorrectionOrdered,
            Decision::ResultVoid,
            Decision::Retender,
        ]
        .iter()
        .map(|d| (d.as_str().to_string(), decision_label(*d, l).to_string()))
        .collect(),
        case: &case,
        pending,
    };
    page_status(&a.chrome, status, l.t("救济案件", "Remedy case"), &tpl)
}

async fn case_page(ctx: Ctx, a: PageActor, side: Side, id: String) -> Response {
    if let Err(r) = a.require(side.roles()) {
        return r;
    }
    render_case(&ctx, &a, side, &id, StatusCode::OK, None, Vec::new()).await
}

pub(super) async fn case_supervisor(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Response {
    case_page(ctx, a, Side::Supervisor, id).await
}
pub(super) async fn case_bidder(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Response {
    case_page(ctx, a, Side::Bidder, id).await
}
pub(super) async fn case_tenderer(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Response {
    case_page(ctx, a, Side::Tenderer, id).await
}

pub(super) fn field(f: &HashMap<String, String>, k: &str) -> String {
    f.get(k).map(|v| v.trim().to_string()).unwrap_or_default()
}

/// A Beijing `datetime-local` value (`2026-04-20T09:30`) as an instant.
fn parse_local(v: &str) -> Option<DateTime<Utc>> {
    let t = NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    Some(ggzy_core::time::at_local(
        t.date(),
        chrono::Timelike::hour(&t),
        chrono::Timelike::minute(&t),
        chrono::Timelike::second(&t),
    ))
}

/// Calls the action's use case; `Ok(Some(id))` names a new case to go to (escalation).
async fn run_action(
    ctx: &Ctx,
    a: &PageActor,
    action: &str,
    id: &str,
    f: &HashMap<String, String>,
    attachments: &[String],
    form: &mut FormState,
) -> Result<Option<String>> {
    let actor = &a.actor;
    let l = a.chrome.lang;
    match action {
        "answer" => {
            let raw = field(f, "new_bid_deadline");
            let new_bid_deadline = if raw.is_empty() {
                None
            } else {
                match parse_local(&raw) {
                    Some(t) => Some(t),
                    None => {
                        form.push(
                            "new_bid_deadline",
                            "date.format",
                            l.t(
                                "请输入北京时间，如 2026-04-20T09:30",
                                "Enter a Beijing time such as 2026-04-20T09:30",
                            ),
                        );
                        return Ok(None);
                    }
                }
            };
            let input = AnswerInput {
                answer: field(f, "answer"),
                changes_documents: field(f, "changes_documents") == "true",
                new_bid_deadline,
            };
            service::answer(ctx, actor, id, input).await.map(|_| None)
        }
        "close" => service::close(ctx, actor, id).await.map(|_| None),
        "escalate" => {
            let input = EscalateInput {
                grounds: field(f, "grounds"),
                attachments: attachments.to_vec(),
            };
            service::escalate(ctx, actor, id, input)
                .await
                .map(|c| Some(c.id))
        }
        "accept" => {
            let input = AcceptInput {
                suspend: field(f, "suspend") == "true",
            };
            service::accept(ctx, actor, id, input).await.map(|_| None)
        }
        "refuse" => {
            let input = RefuseInput {
                reason: field(f, "reason"),
            };
            service::refuse(ctx, actor, id, input).await.map(|_| None)
        }
        "decide" => {
            let decision: Decision =
                match serde_json::from_value(serde_json::Value::String(field(f, "decision"))) {
                    Ok(d) => d,
                    Err(_) => {
                        form.push(
                            "decision",
                            "remedy.decision_unknown",
                            l.t("请选择处理决定", "Choose a decision"),
                        );
                        return Ok(None);
                    }
                };
            let input = DecideInput {
                decision,
                reason: field(f, "reason"),
            };
            service::decide(ctx, actor, id, input).await.map(|_| None)
        }
        _ => Err(Error::not_found(format!("action {action}"))),
    }
}

async fn act(
    ctx: Ctx,
    side: Side,
    id: String,
    action: String,
    f: CsrfForm<HashMap<String, String>>,
) -> Response {
    let fields = f.form.into_iter().filter(|(k, _)| k != "csrf").collect();
    act_with(
        ctx,
        side,
        id,
        action,
        CaseForm {
            actor: f.actor,
            fields,
            files: Vec::new(),
        },
    )
    .await
}

async fn act_with(ctx: Ctx, side: Side, id: String, action: String, f: CaseForm) -> Response {
    let a = &f.actor;
    if let Err(r) = a.require(side.roles()) {
        return r;
    }
    if !side.actions().contains(&action.as_str()) {
        return a
            .error(Error::not_found(format!("action {action}")))
            .into_response();
    }
    let values = f.values();
    let mut form = FormState::new().with_values(values.clone());
    let map = f.map();
    // The escalation's attachments: stored first (as `POST …/remedies/attachments`), then named
    // by the complaint; a refused file re-renders the form and nothing is escalated.
    let mut ids = Vec::new();
    let mut section = String::new();
    if action == "escalate" {
        let case = match service::get(&ctx, &a.actor, &id).await {
            Ok(c) => c,
            Err(e) => return a.error(e).into_response(),
        };
        section = case.section_id;
        ids = match store_files(&ctx, &f, &section, &mut form).await {
            Ok(ids) => ids,
            Err(e) => {
                let status = e.status();
                let form = FormState::from_error(&e).with_values(values);
                return render_case(&ctx, a, side, &id, status, Some(form), Vec::new()).await;
            }
        };
        if !form.is_ok() || map.get("action").map(String::as_str) == Some("upload") {
            let files = pending(&ctx, a, &section, &ids).await;
            let status = if form.is_ok() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return render_case(&ctx, a, side, &id, status, Some(form), files).await;
        }
    }
    match run_action(&ctx, a, &action, &id, &map, &ids, &mut form).await {
        Ok(_) if !form.is_ok() => {
            let files = pending(&ctx, a, &section, &ids).await;
            render_case(
                &ctx,
                a,
                side,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(form),
                files,
            )
            .await
        }
        Ok(Some(new_id)) => see_other(&format!("{}/{new_id}", side.base())),
        Ok(None) => see_other(&format!("{}/{id}", side.base())),
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values(values);
            let files = pending(&ctx, a, &section, &ids).await;
            render_case(&ctx, a, side, &id, status, Some(form), files).await
        }
    }
}

pub(super) async fn act_supervisor(
    State(ctx): State<Ctx>,
    Path((id, action)): Path<(String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> Response {
    act(ctx, Side::Supervisor, id, action, f).await
}
pub(super) async fn act_bidder(
    State(ctx): State<Ctx>,
    Path((id, action)): Path<(String, String)>,
    f: CaseForm,
) -> Response {
    act_with(ctx, Side::Bidder, id, action, f).await
}
pub(super) async fn act_tenderer(
    State(ctx): State<Ctx>,
    Path((id, action)): Path<(String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> Response {
    act(ctx, Side::Tenderer, id, action, f).await
}
