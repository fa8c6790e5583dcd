//! The remedies pages (issue 20): the supervisor's complaint queue and case page
//! (`/supervisor/remedies…`: accept, refuse, decide), the bidder's cases and the raise form
//! (`/bidder/remedies…`, `/bidder/sections/{id}/remedies/new`: close, escalate) and the tenderer's /
//! agency's answer queue (`/tenderer/remedies…`: answer, with the new bid deadline).
//!
//! Every page is one call to the same use case as the API (`service::*`); forms are CSRF-checked by
//! the frame ([`CsrfForm`]) and a refusal is shown next to the field it names with its rule id, or
//! in the summary (e.g. 409 `remedy.answer_pending`), with the use case's status.

use crate::rules::{Decision, Kind, State as CaseState, Target};
use crate::service::{
    self, AcceptInput, AnswerInput, Case, DecideInput, EscalateInput, RaiseInput, RefuseInput,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ggzy_core::{Error, Result};
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt::beijing_time;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use std::collections::HashMap;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/supervisor/remedies", get(supervisor_queue))
        .route("/bidder/remedies", get(bidder_cases))
        .route("/tenderer/remedies", get(tenderer_queue))
        .route("/supervisor/remedies/{id}", get(case_supervisor))
        .route("/bidder/remedies/{id}", get(case_bidder))
        .route("/tenderer/remedies/{id}", get(case_tenderer))
        .route("/supervisor/remedies/{id}/{action}", post(act_supervisor))
        .route("/bidder/remedies/{id}/{action}", post(act_bidder))
        .route("/tenderer/remedies/{id}/{action}", post(act_tenderer))
        .route(
            "/bidder/sections/{id}/remedies/new",
            get(raise_page).post(raise_post),
        )
        .merge(crate::admin_pages::router())
        // The case forms take one attachment per submission (at most 10 MiB, refused with
        // `remedy.attachment_too_large` by the use case); only a far larger body stops here.
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::attachments::MAX_BYTES + 256 * 1024,
        ))
}

// ------------------------------------------------------------------ case forms with files

/// A case form as posted: urlencoded, or `multipart/form-data` with files (the raise and escalate
/// forms, GOV.UK file upload pattern, no script). The CSRF token is checked before anything else
/// is looked at; a form that cannot be read changes nothing.
pub struct CaseForm {
    pub actor: PageActor,
    /// Text fields in order (`attachment_ids` may repeat), without `csrf`.
    pub fields: Vec<(String, String)>,
    /// Chosen files: `(file name, bytes)`; an empty file input is not a file.
    pub files: Vec<(String, axum::body::Bytes)>,
}

impl CaseForm {
    fn map(&self) -> HashMap<String, String> {
        self.fields.iter().cloned().collect()
    }
    /// The ids of attachments already uploaded in an earlier submission of this form.
    fn carried(&self) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, v)| k == "attachment_ids" && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }
    /// The fields shown back on a re-rendered form (trimmed; not the carried ids).
    fn values(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter(|(k, _)| k != "attachment_ids" && k != "action")
            .map(|(k, v)| (k.clone(), v.trim().to_string()))
            .collect()
    }
}

impl axum::extract::FromRequest<Ctx> for CaseForm {
    type Rejection = Response;

    async fn from_request(
        req: axum::extract::Request,
        ctx: &Ctx,
    ) -> std::result::Result<Self, Response> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = req.into_parts();
        let actor = PageActor::from_request_parts(&mut parts, ctx).await?;
        let unreadable = |actor: &PageActor| {
            frame::error_page(
                &actor.chrome,
                &Error::bad_request("the form could not be read"),
            )
        };
        let multipart = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let req = axum::extract::Request::from_parts(parts, body);
        let mut fields = Vec::new();
        let mut files = Vec::new();
        if multipart {
            let mut mp = axum::extract::Multipart::from_request(req, ctx)
                .await
                .map_err(|_| unreadable(&actor))?;
            while let Some(field) = mp.next_field().await.map_err(|_| unreadable(&actor))? {
                let name = field.name().unwrap_or("").to_string();
                let file_name = field.file_name().map(str::to_string);
                let bytes = field.bytes().await.map_err(|_| unreadable(&actor))?;
                match file_name {
                    Some(f) if name == "file" => {
                        if !(f.is_empty() && bytes.is_empty()) {
                            files.push((f, bytes));
                        }
                    }
                    _ => fields.push((
                        name,
                        String::from_utf8(bytes.to_vec()).map_err(|_| unreadable(&actor))?,
                    )),
                }
            }
        } else {
            let axum::extract::Form(f) =
                axum::extract::Form::<Vec<(String, String)>>::from_request(req, ctx)
                    .await
                    .map_err(|_| unreadable(&actor))?;
            fields = f;
        }
        let csrf = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        actor.check_csrf(&csrf)?;
        fields.retain(|(k, _)| k != "csrf");
        Ok(CaseForm {
            actor,
            fields,
            files,
        })
    }
}

/// Stores the form's files as attachments of a case about `section_id` (the API's use case,
/// `attachments::upload`: PDF/PNG/JPEG by content, 10 MiB, SHA-256). `Ok(ids)` of the carried and
/// the new attachments; a refused file is named on the `file` field with its rule id.
async fn store_files(
    ctx: &Ctx,
    f: &CaseForm,
    section_id: &str,
    form: &mut FormState,
) -> Result<Vec<String>> {
    let mut ids = f.carried();
    for (name, bytes) in &f.files {
        match crate::attachments::upload(ctx, &f.actor.actor, section_id, Some(name), bytes.clone())
            .await
        {
            Ok(att) => ids.push(att.id),
            Err(Error::Validation(errs)) => {
                for e in errs {
                    form.push("file", &e.rule, format!("{name}: {}", e.message));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(ids)
}

/// The attachments a re-rendered form lists and carries (hidden `attachment_ids`).
async fn pending(
    ctx: &Ctx,
    a: &PageActor,
    section_id: &str,
    ids: &[String],
) -> Vec<crate::attachments::Attachment> {
    let org = a.actor.org_id.clone().unwrap_or_default();
    crate::attachments::unclaimed(ctx, &org, section_id, ids)
        .await
        .unwrap_or_default()
}

/// The three sides of a case, each with its own pages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Supervisor,
    Bidder,
    Tenderer,
}

impl Side {
    fn roles(self) -> &'static [Role] {
        match self {
            Side::Supervisor => &[Role::Supervisor],
            Side::Bidder => &[Role::Bidder],
            Side::Tenderer => &[Role::Tenderer, Role::Agency],
        }
    }
    fn base(self) -> &'static str {
        match self {
            Side::Supervisor => "/supervisor/remedies",
            Side::Bidder => "/bidder/remedies",
            Side::Tenderer => "/tenderer/remedies",
        }
    }
    fn actions(self) -> &'static [&'static str] {
        match self {
            Side::Supervisor => &["accept", "refuse", "decide"],
            Side::Bidder => &["close", "escalate"],
            Side::Tenderer => &["answer"],
        }
    }
}

fn kind_label(k: Kind, l: Lang) -> &'static str {
    match k {
        Kind::Objection => l.t("异议", "objection"),
        Kind::Challenge => l.t("质疑", "challenge"),
        Kind::Complaint => l.t("投诉", "complaint"),
    }
}

fn target_label(t: Target, l: Lang) -> &'static str {
    match t {
        Target::Documents => l.t("招标（采购）文件", "documents"),
        Target::Process => l.t("招标（采购）过程", "procedure"),
        Target::Opening => l.t("开标", "opening"),
        Target::Result => l.t("评标（成交）结果", "result"),
        Target::Listing => l.t("挂牌 / 信息披露", "listing"),
        Target::Deal => l.t("成交", "deal"),
        Target::Prequalification => l.t("资格预审文件", "prequalification documents"),
        Target::Publicity => l.t("单一来源公示", "single-source publicity"),
    }
}

fn state_label(s: CaseState, l: Lang) -> &'static str {
    match s {
        CaseState::Raised => l.t("待处理", "raised"),
        CaseState::Answered => l.t("已答复", "answered"),
        CaseState::Escalated => l.t("已转投诉", "escalated"),
        CaseState::Investigating => l.t("已受理，调查中", "accepted, investigating"),
        CaseState::Refused => l.t("不予受理", "refused"),
        CaseState::Decided => l.t("已作出处理决定", "decided"),
        CaseState::Closed => l.t("已结束", "closed"),
    }
}

fn decision_label(d: Decision, l: Lang) -> &'static str {
    match d {
        Decision::Dismissed => l.t("驳回投诉", "dismissed"),
        Decision::CorrectionOrdered => l.t("责令改正", "correction ordered"),
        Decision::ResultVoid => l.t("中标（成交）结果无效", "result void"),
        Decision::Retender => l.t("重新招标（采购）", "retender"),
    }
}

/// The due date that matters now: the answer, the acceptance review or the decision.
fn due_of(c: &Case) -> Option<DateTime<Utc>> {
    match c.state {
        CaseState::Raised if c.kind == Kind::Complaint => c.accept_due,
        CaseState::Raised => c.answer_due,
        CaseState::Investigating => c.decide_due,
        _ => None,
    }
}

/// One row of a queue.
struct Row {
    href: String,
    section: String,
    kind: &'static str,
    target: &'static str,
    state: &'static str,
    raised: String,
    due: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "remedies/list.html")]
struct ListPage<'a> {
    l: Lang,
    title: &'a str,
    intro: &'a str,
    rows: Vec<Row>,
    /// The bidder's sections, each with its raise link: `(section id, project code)`.
    sections: Vec<(String, String)>,
}

async fn rows(ctx: &Ctx, side: Side, l: Lang, cases: Vec<Case>) -> Result<Vec<Row>> {
    let now = ctx.clock.now();
    let mut codes: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(cases.len());
    for c in cases {
        if !codes.contains_key(&c.section_id) {
            let code = service::section_code(ctx, &c.section_id)
                .await?
                .unwrap_or_default();
            codes.insert(c.section_id.clone(), code);
        }
        let due = due_of(&c);
        out.push(Row {
            href: format!("{}/{}", side.base(), c.id),
            section: format!("{} · {}", codes[&c.section_id], c.section_id),
            kind: kind_label(c.kind, l),
            target: target_label(c.target, l),
            state: state_label(c.state, l),
            raised: beijing_time(&c.raised_at),
            due: due.map(|d| beijing_time(&d)).unwrap_or_default(),
            overdue: due.is_some_and(|d| d <= now),
        });
    }
    Ok(out)
}

async fn list(ctx: Ctx, a: PageActor, side: Side) -> Response {
    if let Err(r) = a.require(side.roles()) {
        return r;
    }
    let l = a.chrome.lang;
    let cases = match side {
        Side::Supervisor => service::open_complaints(&ctx, &a.actor).await,
        Side::Bidder => service::list_mine(&ctx, &a.actor).await,
        Side::Tenderer => service::awaiting_answer(&ctx, &a.actor).await,
    };
    let rows = match cases {
        Ok(c) => rows(&ctx, side, l, c).await,
        Err(e) => Err(e),
    };
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return a.error(e).into_response(),
    };
    let sections = if side == Side::Bidder {
        match service::my_sections(&ctx, &a.actor).await {
            Ok(s) => s,
            Err(e) => return a.error(e).into_response(),
        }
    } else {
        Vec::new()
    };
    let (title, intro) = match side {
        Side::Supervisor => (
            l.t("投诉处理", "Complaints"),
            l.t(
                "待受理审查和待作出处理决定的投诉，最早的在前；逾期的标红。",
                "Complaints waiting for the acceptance review or a decision, oldest first; overdue ones are marked.",
            ),
        ),
        Side::Bidder => (
            l.t("我的异议、质疑和投诉", "My objections, challenges and complaints"),
            l.t(
                "在标段页面提出；答复后可结束或转为投诉。",
                "Raise one from a section; once answered, close it or escalate it to a complaint.",
            ),
        ),
        Side::Tenderer => (
            l.t("待答复的异议和质疑", "Objections and challenges to answer"),
            l.t(
                "针对本单位标段、等待答复的异议和质疑，最早的在前。",
                "Objections and challenges against your sections waiting for your answer, oldest first.",
            ),
        ),
    };
    let tpl = ListPage {
        l,
        title,
        intro,
        rows,
        sections,
    };
    frame::page(&a.chrome, title, &tpl)
}

async fn supervisor_queue(State(ctx): State<Ctx>, a: PageActor) -> Response {
    list(ctx, a, Side::Supervisor).await
}
async fn bidder_cases(State(ctx): State<Ctx>, a: PageActor) -> Response {
    list(ctx, a, Side::Bidder).await
}
async fn tenderer_queue(State(ctx): State<Ctx>, a: PageActor) -> Response {
    list(ctx, a, Side::Tenderer).await
}

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

async fn case_supervisor(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    case_page(ctx, a, Side::Supervisor, id).await
}
async fn case_bidder(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    case_page(ctx, a, Side::Bidder, id).await
}
async fn case_tenderer(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    case_page(ctx, a, Side::Tenderer, id).await
}

fn field(f: &HashMap<String, String>, k: &str) -> String {
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

async fn act_supervisor(
    State(ctx): State<Ctx>,
    Path((id, action)): Path<(String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> Response {
    act(ctx, Side::Supervisor, id, action, f).await
}
async fn act_bidder(
    State(ctx): State<Ctx>,
    Path((id, action)): Path<(String, String)>,
    f: CaseForm,
) -> Response {
    act_with(ctx, Side::Bidder, id, action, f).await
}
async fn act_tenderer(
    State(ctx): State<Ctx>,
    Path((id, action)): Path<(String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> Response {
    act(ctx, Side::Tenderer, id, action, f).await
}

// ------------------------------------------------------------------ raise

/// One rule the bidder may raise under, as a line of the page.
struct RuleLine {
    kind: &'static str,
    target: &'static str,
    period: String,
    source: String,
}

#[derive(Template)]
#[template(path = "remedies/raise.html")]
struct RaisePage<'a> {
    c: &'a Chrome,
    l: Lang,
    section_id: &'a str,
    code: String,
    form: FormState,
    kinds: Vec<(String, String)>,
    targets: Vec<(String, String)>,
    rules: Vec<RuleLine>,
    /// Attachments uploaded on this form, listed with their digests and carried as hidden ids.
    pending: Vec<crate::attachments::Attachment>,
}

async fn render_raise(
    ctx: &Ctx,
    a: &PageActor,
    section_id: &str,
    status: StatusCode,
    form: FormState,
    pending: Vec<crate::attachments::Attachment>,
) -> Response {
    let l = a.chrome.lang;
    let (code, _market, rules) = match service::raise_options(ctx, &a.actor, section_id).await {
        Ok(o) => o,
        Err(e) => return a.error(e).into_response(),
    };
    // Only what the market's table offers, each once, in the table's order; a complaint that must
    // follow another case is raised by escalating that case.
    let mut kinds: Vec<(String, String)> = Vec::new();
    let mut targets: Vec<(String, String)> = Vec::new();
    for r in rules.iter().filter(|r| r.requires_prior.is_none()) {
        let k = (
            r.kind.as_str().to_string(),
            kind_label(r.kind, l).to_string(),
        );
        if !kinds.contains(&k) {
            kinds.push(k);
        }
        let t = (
            r.target.as_str().to_string(),
            target_label(r.target, l).to_string(),
        );
        if !targets.contains(&t) {
            targets.push(t);
        }
    }
    let lines = rules
        .iter()
        .map(|r| RuleLine {
            kind: kind_label(r.kind, l),
            target: target_label(r.target, l),
            period: format!(
                "{} {} ({})",
                r.raise_days,
                l.t("日", "days"),
                r.raise_from.as_str()
            ),
            source: r.source.clone(),
        })
        .collect();
    let tpl = RaisePage {
        c: &a.chrome,
        l,
        section_id,
        code,
        form,
        kinds,
        targets,
        rules: lines,
        pending,
    };
    page_status(
        &a.chrome,
        status,
        l.t("提出异议、质疑或投诉", "Raise a case"),
        &tpl,
    )
}

async fn raise_page(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&[Role::Bidder]) {
        return r;
    }
    render_raise(&ctx, &a, &id, StatusCode::OK, FormState::new(), Vec::new()).await
}

async fn raise_post(State(ctx): State<Ctx>, Path(id): Path<String>, f: CaseForm) -> Response {
    let a = &f.actor;
    if let Err(r) = a.require(&[Role::Bidder]) {
        return r;
    }
    let l = a.chrome.lang;
    let values = f.values();
    let map = f.map();
    let mut form = FormState::new().with_values(values.clone());
    // The files first (each its own stored document, as `POST …/remedies/attachments`); a refused
    // file re-renders the form with the others kept, and nothing is raised.
    let ids = match store_files(&ctx, &f, &id, &mut form).await {
        Ok(ids) => ids,
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values(values);
            return render_raise(&ctx, a, &id, status, form, Vec::new()).await;
        }
    };
    let known_raw = field(&map, "known_on");
    let known_on = if known_raw.is_empty() {
        None
    } else {
        match NaiveDate::parse_from_str(&known_raw, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                form.push(
                    "known_on",
                    "date.format",
                    l.t(
                        "请输入日期，如 2026-04-20",
                        "Enter a date such as 2026-04-20",
                    ),
                );
                None
            }
        }
    };
    if !form.is_ok() || map.get("action").map(String::as_str) == Some("upload") {
        let files = pending(&ctx, a, &id, &ids).await;
        let status = if form.is_ok() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return render_raise(&ctx, a, &id, status, form, files).await;
    }
    let input = RaiseInput {
        kind: field(&map, "kind"),
        target: field(&map, "target"),
        grounds: field(&map, "grounds"),
        attachments: ids.clone(),
        known_on,
    };
    match service::raise(&ctx, &a.actor, &id, input).await {
        Ok(c) => see_other(&format!("/bidder/remedies/{}", c.id)),
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values(values);
            let files = pending(&ctx, a, &id, &ids).await;
            render_raise(&ctx, a, &id, status, form, files).await
        }
    }
}
