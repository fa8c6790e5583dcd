//! The tenderer's and agency's pages (`/tenderer/…`): their organization's projects with state and
//! next deadline, a project's timeline, registering a project and its sections with the legal
//! checks shown next to each field (the API's use cases and rule ids), and a section's candidate
//! publicity, objections (异议) to answer, the award (中标通知) and the contract (合同).
//! Each form posts to the same use case as the API (docs/web.md, "Tenderers and agencies").

use crate::award::{self, AwardInput, ContractInput};
use crate::service::{self, Project, ProjectDraft, Section, SectionDraft};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use ggzy_core::http::Path;
use ggzy_core::{Error, FieldError, Money};
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt;
use ggzy_web::frame::{error_page, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;
use std::collections::HashMap;

/// Who works on these pages: the tenderer (招标人/采购人) and its agency (招标代理机构).
const ROLES: &[Role] = &[Role::Tenderer, Role::Agency];

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/tenderer", get(home))
        .route("/tenderer/projects/new", get(new_project))
        .route("/tenderer/projects", post(create_project))
        .route(
            "/tenderer/projects/{id}",
            get(project_page).post(save_project),
        )
        .route("/tenderer/projects/{id}/edit", get(edit_project))
        .route("/tenderer/projects/{id}/sections/{sid}", get(section_page))
        .route(
            "/tenderer/projects/{id}/sections/{sid}/award",
            post(confirm_award),
        )
        .route(
            "/tenderer/projects/{id}/sections/{sid}/contract",
            post(record_contract),
        )
        .route(
            "/tenderer/projects/{id}/sections/{sid}/retender",
            post(retender_section),
        )
}

/// A market's name for people.
pub fn market_label(m: &str, l: Lang) -> &'static str {
    super::market_label(m, l)
}

pub fn procedure_label(p: &str, l: Lang) -> &'static str {
    match p {
        "open_tender" => l.t("公开招标", "Open tender"),
        "invited_tender" => l.t("邀请招标", "Invited tender"),
        "listing" => l.t("挂牌/拍卖/网络竞价", "Listing / auction"),
        "competitive_negotiation" => l.t("竞争性谈判", "Competitive negotiation"),
        "competitive_consultation" => l.t("竞争性磋商", "Competitive consultation"),
        "inquiry" => l.t("询价", "Inquiry"),
        "single_source" => l.t("单一来源", "Single source"),

        "prequalified_tender" => l.t("公开招标（资格预审）", "Open tender with prequalification"),
        "land_auction" => l.t("拍卖出让", "Land auction"),
        "mining_listing" => l.t("矿业权挂牌出让", "Mining-right listing"),
        "mining_auction" => l.t("矿业权拍卖出让", "Mining-right auction"),
        "capital_increase" => l.t("企业增资", "Capital increase"),
        "asset_transfer" => l.t("资产转让", "Asset transfer"),
        _ => l.t("其他", "Other"),
    }
}

pub fn project_status_label(s: &str, l: Lang) -> &'static str {
    match s {
        "draft" => l.t("草稿", "Draft"),
        "submitted" => l.t("待登记确认", "Awaiting registration"),
        "registered" => l.t("已登记", "Registered"),
        _ => l.t("其他", "Other"),
    }
}

pub fn section_state_label(s: &str, l: Lang) -> &'static str {
    match s {
        "draft" => l.t("草稿", "Draft"),
        "registered" => l.t("已登记", "Registered"),
        "announced" => l.t("已发布公告", "Announced"),
        "bidding" => l.t("投标中", "Bidding"),
        "closed" => l.t("投标截止", "Closed"),
        "opening" => l.t("开标中", "Opening"),
        "evaluating" => l.t("评标中", "Evaluating"),
        "publicizing" => l.t("中标候选人公示中", "Candidates publicized"),
        "awarded" => l.t("已定标", "Awarded"),
        "contracted" => l.t("已签订合同", "Contract signed"),
        "failed" => l.t("流标", "Failed"),
        "terminated" => l.t("已终止", "Terminated"),
        _ => l.t("其他", "Other"),
    }
}

fn state_str<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// One step of a section's timeline.
pub struct Step {
    pub label: &'static str,
    pub at: DateTime<Utc>,
    pub past: bool,
}

impl Step {
    pub fn shown(&self) -> String {
        fmt::beijing_time(&self.at)
    }
    pub fn attr(&self) -> String {
        fmt::datetime_attr(&self.at)
    }
}

/// The dated steps of a section, in order, each marked past or upcoming.
pub fn steps(s: &Section, now: DateTime<Utc>, l: Lang) -> Vec<Step> {
    let mut v = vec![
        Step {
            label: l.t("招标文件开始发出", "Documents issued"),
            at: s.docs_issue_at,
            past: false,
        },
        Step {
            label: l.t("招标文件发售截止", "Document sale ends"),
            at: s.docs_sale_end_at,
            past: false,
        },
        Step {
            label: l.t("投标截止", "Bid deadline"),
            at: s.bid_deadline,
            past: false,
        },
        Step {
            label: l.t("开标", "Bid opening"),
            at: s.opening_at,
            past: false,
        },
    ];
    for x in &mut v {
        x.past = x.at <= now;
    }
    v
}

/// The next dated step of any section of a project (`None` when every one has passed).
pub fn next_deadline(p: &Project, now: DateTime<Utc>, l: Lang) -> Option<(String, Step)> {
    p.sections
        .iter()
        .flat_map(|s| {
            steps(s, now, l)
                .into_iter()
                .filter(|x| !x.past)
                .map(move |x| (s.name.clone(), x))
        })
        .min_by_key(|(_, x)| x.at)
}

// ---------------------------------------------------------------------------------------------
// Home.

struct HomeRow {
    id: String,
    name: String,
    code: String,
    market: &'static str,
    status: &'static str,
    sections: Vec<(String, &'static str)>,
    next: Option<(String, Step)>,
}

#[derive(Template)]
#[template(path = "tenderer/home.html")]
struct HomePage {
    lang: Lang,
    rows: Vec<HomeRow>,
}

/// `GET /tenderer`: the organization's projects with their registration status, the state of each
/// section and the next deadline.
async fn home(State(ctx): State<Ctx>, a: PageActor) -> Result<Response, Response> {
    a.require(ROLES)?;
    let l = a.chrome.lang;
    let list = service::list(&ctx, &a.actor, &service::ListFilter::default())
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    let now = ctx.clock.now();
    let rows = list
        .iter()
        .map(|p| HomeRow {
            id: p.id.clone(),
            name: p.name.clone(),
            code: p.code.clone().unwrap_or_default(),
            market: market_label(p.market.as_str(), l),
            status: project_status_label(p.status.as_str(), l),
            sections: p
                .sections
                .iter()
                .map(|s| (s.name.clone(), section_state_label(&state_str(&s.state), l)))
                .collect(),
            next: next_deadline(p, now, l),
        })
        .collect();
    let page = HomePage { lang: l, rows };
    Ok(page_status(
        &a.chrome,
        StatusCode::OK,
        l.t("招标人工作台", "Tenderer's workbench"),
        &page,
    ))
}

// ---------------------------------------------------------------------------------------------
// Registering a project and its sections.

const SECTION_FIELDS: [&str; 7] = [
    "name",
    "estimated_price",
    "deposit",
    "docs_issue_at",
    "docs_sale_end_at",
    "bid_deadline",
    "opening_at",
];
const TIME_FIELDS: [&str; 4] = [
    "docs_issue_at",
    "docs_sale_end_at",
    "bid_deadline",
    "opening_at",
];
const MAX_SECTIONS: usize = 100;

#[derive(Template)]
#[template(path = "tenderer/project_form.html")]
struct ProjectForm<'a> {
    c: &'a Chrome,
    lang: Lang,
    form: FormState,
    /// Where the form posts: `/tenderer/projects` (new) or `/tenderer/projects/{id}` (a draft).
    action: String,
    sections: usize,
    markets: Vec<(String, String)>,
    procedures: Vec<(String, String)>,
    /// A draft saved but refused at submission, or returned by staff.
    saved_draft: bool,
    return_reason: Option<String>,
}

impl ProjectForm<'_> {
    fn sf(&self, i: &usize, f: &str) -> String {
        format!("sections[{i}].{f}")
    }
}

fn form_page(
    a: &PageActor,
    status: StatusCode,
    form: FormState,
    action: String,
    sections: usize,
    saved_draft: bool,
    return_reason: Option<String>,
) -> Response {
    let l = a.chrome.lang;
    let markets = ["construction", "procurement", "land", "property"]
        .iter()
        .map(|m| (m.to_string(), market_label(m, l).to_string()))
        .collect();
    let procedures = [
        "open_tender",
        "invited_tender",
        "listing",
        "competitive_negotiation",
        "competitive_consultation",
        "inquiry",
        "single_source",
        "prequalified_tender",
        "land_auction",
        "mining_listing",
        "mining_auction",
        "capital_increase",
        "asset_transfer",
    ]
    .iter()
    .map(|p| (p.to_string(), procedure_label(p, l).to_string()))
    .collect();
    let page = ProjectForm {
        c: &a.chrome,
        lang: l,
        form,
        action,
        sections: sections.clamp(1, MAX_SECTIONS),
        markets,
        procedures,
        saved_draft,
        return_reason,
    };
    page_status(
        &a.chrome,
        status,
        l.t("登记项目", "Register a project"),
        &page,
    )
}

/// `datetime-local` value (Beijing time) of an instant.
fn local_input(t: &DateTime<Utc>) -> String {
    t.with_timezone(&ggzy_core::time::shanghai())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A `datetime-local` (or `YYYY-MM-DD HH:MM`) value read as Beijing time.
fn parse_local(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let n = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())?;
    ggzy_core::time::shanghai()
        .from_local_datetime(&n)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The form's values of a project (to edit a draft).
fn values_of(p: &Project) -> HashMap<String, String> {
    let mut v = HashMap::new();
    v.insert("name".into(), p.name.clone());
    v.insert("market".into(), p.market.as_str().to_string());
    v.insert("procedure".into(), p.procedure.as_str().to_string());
    v.insert("tenderer_uscc".into(), p.tenderer_uscc.clone());
    v.insert("tenderer_name".into(), p.tenderer_name.clone());
    for (i, s) in p.sections.iter().enumerate() {
        let k = |f: &str| format!("sections[{i}].{f}");
        v.insert(k("name"), s.name.clone());
        v.insert(k("estimated_price"), s.estimated_price.to_string());
        v.insert(k("deposit"), s.deposit.to_string());
        v.insert(k("docs_issue_at"), local_input(&s.docs_issue_at));
        v.insert(k("docs_sale_end_at"), local_input(&s.docs_sale_end_at));
        v.insert(k("bid_deadline"), local_input(&s.bid_deadline));
        v.insert(k("opening_at"), local_input(&s.opening_at));
    }
    v
}

/// The number of section rows a form's values hold.
fn section_count(v: &HashMap<String, String>) -> usize {
    v.keys()
        .filter_map(|k| k.strip_prefix("sections["))
        .filter_map(|k| k.split(']').next()?.parse::<usize>().ok())
        .map(|i| i + 1)
        .max()
        .unwrap_or(1)
        .min(MAX_SECTIONS)
}

/// The draft the API's use case takes, read from the form. A value that cannot even be read
/// (an amount that is not a number, a missing time) is refused here with the rule id the API
/// gives for the same JSON (`money.*`, `required`, `type`); everything else — the legal periods,
/// the deposit cap, the USCC check character — is the use case's.
fn draft_of(v: &HashMap<String, String>) -> Result<ProjectDraft, Error> {
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    let mut errs = Vec::new();
    let mut sections = Vec::new();
    for i in 0..section_count(v) {
        let k = |f: &str| format!("sections[{i}].{f}");
        let money = |f: &str, errs: &mut Vec<FieldError>| {
            let raw = get(&k(f));
            if raw.trim().is_empty() {
                errs.push(FieldError::new(k(f), "required", "enter an amount in yuan"));
                return Money::ZERO;
            }
            Money::parse_str(raw.trim().replace(',', "").as_str()).unwrap_or_else(|e| {
                errs.push(FieldError::new(k(f), e.rule, e.message));
                Money::ZERO
            })
        };
        let estimated_price = money("estimated_price", &mut errs);
        let deposit = money("deposit", &mut errs);
        let mut times = Vec::new();
        for f in TIME_FIELDS {
            let raw = get(&k(f));
            match parse_local(&raw) {
                Some(t) => times.push(t),
                None => {
                    let (rule, msg) = if raw.trim().is_empty() {
                        ("required", "enter a date and time (Beijing time)")
                    } else {
                        (
                            "type",
                            "not a date and time (YYYY-MM-DD HH:MM, Beijing time)",
                        )
                    };
                    errs.push(FieldError::new(k(f), rule, msg));
                    times.push(DateTime::<Utc>::MIN_UTC);
                }
            }
        }
        sections.push(SectionDraft {
            name: get(&k("name")),
            estimated_price,
            deposit,
            docs_issue_at: times[0],
            docs_sale_end_at: times[1],
            bid_deadline: times[2],
            opening_at: times[3],
            // Optional (the market's default when the form has no such field).
            subject: Some(get(&k("subject"))).filter(|v| !v.trim().is_empty()),
            // The page has no such field yet: the API states it (optional).
            bid_validity_days: None,
        });
    }
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    Ok(ProjectDraft {
        name: get("name"),
        market: get("market"),
        procedure: get("procedure"),
        tenderer_uscc: get("tenderer_uscc"),
        tenderer_name: get("tenderer_name"),
        sections,
    })
}

/// The submitted form without its CSRF token and buttons.
fn form_values(pairs: Vec<(String, String)>) -> (HashMap<String, String>, String) {
    let mut action = String::new();
    let mut v = HashMap::new();
    for (k, val) in pairs {
        match k.as_str() {
            "csrf" => {}
            "action" => action = val,
            _ => {
                // Only the project's own fields are kept (never echo arbitrary names).
                let known = [
                    "name",
                    "market",
                    "procedure",
                    "tenderer_uscc",
                    "tenderer_name",
                ]
                .contains(&k.as_str())
                    || k.strip_prefix("sections[")
                        .and_then(|r| r.split_once("]."))
                        .is_some_and(|(i, f)| {
                            i.parse::<usize>().is_ok_and(|i| i < MAX_SECTIONS)
                                && SECTION_FIELDS.contains(&f)
                        });
                if known {
                    v.insert(k, val);
                }
            }
        }
    }
    (v, action)
}

/// `GET /tenderer/projects/new`: the registration form (one section; more with "add a section").
async fn new_project(a: PageActor) -> Result<Response, Response> {
    a.require(ROLES)?;
    let mut f = FormState::new();
    f.values.insert("procedure".into(), "open_tender".into());
    Ok(form_page(
        &a,
        StatusCode::OK,
        f,
        "/tenderer/projects".into(),
        1,
        false,
        None,
    ))
}

/// `GET /tenderer/projects/{id}/edit`: a draft (refused at submission, or returned by staff).
async fn edit_project(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    a.require(ROLES)?;
    let p = service::get(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    let f = FormState::new().with_values(values_of(&p));
    Ok(form_page(
        &a,
        StatusCode::OK,
        f,
        format!("/tenderer/projects/{id}"),
        p.sections.len(),
        true,
        p.return_reason.clone(),
    ))
}

/// `POST /tenderer/projects` (CSRF-checked): create the draft (`service::create`, as `POST
/// /api/v1/projects`) and submit it (`service::submit`, as `POST …/submit`). A draft refused at
/// submission is kept and shown again with each broken rule next to its field.
async fn create_project(
    State(ctx): State<Ctx>,
    f: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, Response> {
    save(&ctx, f, None).await
}

/// `POST /tenderer/projects/{id}` (CSRF-checked): replace the draft (`service::update`) and submit.
async fn save_project(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, Response> {
    save(&ctx, f, Some(id)).await
}

async fn save(
    ctx: &Ctx,
    f: CsrfForm<Vec<(String, String)>>,
    id: Option<String>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(ROLES)?;
    let (values, action) = form_values(f.form);
    let target = match &id {
        Some(id) => format!("/tenderer/projects/{id}"),
        None => "/tenderer/projects".into(),
    };
    let n = section_count(&values);
    if action == "add_section" {
        let f = FormState::new().with_values(values);
        return Ok(form_page(
            &a,
            StatusCode::OK,
            f,
            target,
            n + 1,
            id.is_some(),
            None,
        ));
    }
    let refused = |e: &Error, target: String, saved: bool, values: HashMap<String, String>| {
        form_page(
            &a,
            StatusCode::UNPROCESSABLE_ENTITY.max(e.status()),
            FormState::from_error(e).with_values(values),
            target,
            n,
            saved,
            None,
        )
    };
    let draft = match draft_of(&values) {
        Ok(d) => d,
        Err(e) => return Ok(refused(&e, target, id.is_some(), values)),
    };
    let saved = match &id {
        Some(id) => service::update(ctx, &a.actor, id, draft).await,
        None => service::create(ctx, &a.actor, draft).await,
    };
    let p = match saved {
        Ok(p) => p,
        Err(e @ (Error::Forbidden(_) | Error::NotFound(_))) => {
            return Err(error_page(&a.chrome, &e))
        }
        Err(e) => return Ok(refused(&e, target, id.is_some(), values)),
    };
    match service::submit(ctx, &a.actor, &p.id).await {
        Ok(p) => Ok(see_other(&format!(
            "/tenderer/projects/{}?submitted=1",
            p.id
        ))),
        Err(e) => Ok(refused(
            &e,
            format!("/tenderer/projects/{}", p.id),
            true,
            values,
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// A project's timeline.

struct SectionView {
    id: String,
    no: i64,
    name: String,
    state: &'static str,
    estimated_price: String,
    deposit: String,
    steps: Vec<Step>,
}

#[derive(Template)]
#[template(path = "tenderer/project.html")]
struct ProjectPage<'a> {
    lang: Lang,
    p: &'a Project,
    market: &'static str,
    procedure: &'static str,
    status: &'static str,
    submitted_now: bool,
    submitted_at: Option<String>,
    registered_at: Option<String>,
    sections: Vec<SectionView>,
    /// The stages of a non-tender procurement method (empty for the others).
    method_stages: Vec<crate::nontender::StageView>,
}

#[derive(Debug, Deserialize, Default)]
struct ProjectQuery {
    #[serde(default)]
    submitted: String,
}

/// `GET /tenderer/projects/{id}`: the project's registration status (with staff's return reason)
/// and each section's state and dated steps; another organization's project is refused (403).
async fn project_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
    Query(q): Query<ProjectQuery>,
) -> Result<Response, Response> {
    a.require(ROLES)?;
    let l = a.chrome.lang;
    let p = service::get(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    let now = ctx.clock.now();
    let sections = p
        .sections
        .iter()
        .map(|s| SectionView {
            id: s.id.clone(),
            no: s.no,
            name: s.name.clone(),
            state: section_state_label(&state_str(&s.state), l),
            estimated_price: fmt::money(&s.estimated_price),
            deposit: fmt::money(&s.deposit),
            steps: steps(s, now, l),
        })
        .collect();
    let page = ProjectPage {
        lang: l,
        p: &p,
        market: market_label(p.market.as_str(), l),
        procedure: procedure_label(p.procedure.as_str(), l),
        status: project_status_label(p.status.as_str(), l),
        submitted_now: q.submitted == "1",
        submitted_at: p.submitted_at.as_ref().map(fmt::beijing_time),
        registered_at: p.registered_at.as_ref().map(fmt::beijing_time),
        sections,
        method_stages: crate::nontender::stages(p.procedure, l),
    };
    Ok(page_status(&a.chrome, StatusCode::OK, &p.name, &page))
}

// ---------------------------------------------------------------------------------------------
// A section: candidate publicity, objections (a link to the remedies pages), award and contract.

struct CandidateView {
    rank: i64,
    org_id: String,
    name: String,
    price: String,
    score: String,
}

struct AwardView {
    notice_no: String,
    winner: String,
    price: String,
    awarded_at: String,
    contract_due_at: String,
    contract_due_at_provisional: bool,
    contract: Option<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "tenderer/section.html")]
struct SectionPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    p: &'a Project,
    s: &'a Section,
    state: &'static str,
    /// Start, end and whether the end is provisional (a year without a holiday schedule).
    publicity: Option<(String, String, bool)>,
    candidates: Vec<CandidateView>,
    award: Option<AwardView>,
    can_award: bool,
    can_contract: bool,
    form: FormState,
    notice: Option<&'static str>,
    /// Re-tender after 流标 (crate::retender): the links both ways and whether the button shows.
    retender: crate::retender::RetenderLinks,
    can_retender: bool,
    /// The procedures a re-tender may change to: (value, label), the current one first.
    retender_procedures: Vec<(String, String)>,
}

#[derive(Debug, Deserialize, Default)]
struct SectionQuery {
    #[serde(default)]
    done: String,
}

/// Read what the section page shows; the project is read through `service::get`, which refuses
/// another organization's project (403), and the section must be one of its own (404).
#[allow(clippy::too_many_arguments)]
async fn render_section(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    sid: &str,
    status: StatusCode,
    form: FormState,
    done: &str,
) -> Result<Response, Response> {
    let l = a.chrome.lang;
    let err = |e: Error| error_page(&a.chrome, &e);
    let p = service::get(ctx, &a.actor, id).await.map_err(err)?;
    let s = p
        .sections
        .iter()
        .find(|s| s.id == sid)
        .ok_or_else(|| err(Error::not_found(format!("section {sid} of this project"))))?;
    let publicity = match award::get_publicity(ctx, &a.actor, sid).await {
        Ok(x) => Some(x),
        Err(Error::NotFound(_)) => None,
        Err(e) => return Err(err(e)),
    };
    let award = match award::get_award(ctx, &a.actor, sid).await {
        Ok(x) => Some(x),
        Err(Error::NotFound(_)) => None,
        Err(e) => return Err(err(e)),
    };
    let retender = crate::retender::get_links(ctx, &a.actor, sid)
        .await
        .map_err(err)?;
    let state = state_str(&s.state);
    let notice = match done {
        "awarded" => Some(l.t(
            "已定标，中标通知书已生成。",
            "Awarded; the award notice is issued.",
        )),
        "contracted" => Some(l.t("合同已登记。", "The contract is recorded.")),
        "retendered" => Some(l.t(
            "已重新招标登记，新标段见下方链接。",
            "Tendered again; the new section is linked below.",
        )),
        _ => None,
    };
    let can_retender = state == "failed" && retender.retendered_by.is_none();
    let retender_procedures = std::iter::once(p.procedure)
        .chain(
            crate::rules::Procedure::ALL
                .into_iter()
                .filter(|x| *x != p.procedure && x.check_market(p.market).is_ok()),
        )
        .map(|x| {
            (
                x.as_str().to_string(),
                procedure_label(x.as_str(), l).to_string(),
            )
        })
        .collect();
    let page = SectionPage {
        c: &a.chrome,
        lang: l,
        p: &p,
        s,
        state: section_state_label(&state, l),
        publicity: publicity.as_ref().map(|x| {
            (
                fmt::beijing_time(&x.publicity_starts_at),
                fmt::beijing_time(&x.publicity_ends_at),
                x.publicity_ends_at_provisional,
            )
        }),
        candidates: publicity
            .as_ref()
            .map(|x| {
                x.candidates
                    .iter()
                    .map(|c| CandidateView {
                        rank: c.rank,
                        org_id: c.org_id.clone(),
                        name: c.org_name.clone(),
                        price: fmt::money(&c.price),
                        score: c.score.clone().unwrap_or_else(|| "—".into()),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        award: award.as_ref().map(|w| AwardView {
            notice_no: w.notice_no.clone(),
            winner: w.winner_name.clone(),
            price: fmt::money(&w.price),
            awarded_at: fmt::beijing_time(&w.awarded_at),
            contract_due_at: fmt::beijing_time(&w.contract_due_at),
            contract_due_at_provisional: w.contract_due_at_provisional,
            contract: w.contract.as_ref().map(|c| {
                (
                    c.signed_on.format("%Y-%m-%d").to_string(),
                    fmt::money(&c.amount),
                    c.late,
                )
            }),
        }),
        can_award: state == "publicizing",
        can_contract: state == "awarded",
        form,
        notice,
        retender,
        can_retender,
        retender_procedures,
    };
    Ok(page_status(&a.chrome, status, &s.name, &page))
}

/// `GET /tenderer/projects/{id}/sections/{sid}`.
async fn section_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path((id, sid)): Path<(String, String)>,
    Query(q): Query<SectionQuery>,
) -> Result<Response, Response> {
    a.require(ROLES)?;
    render_section(
        &ctx,
        &a,
        &id,
        &sid,
        StatusCode::OK,
        FormState::new(),
        &q.done,
    )
    .await
}

fn section_href(id: &str, sid: &str, done: &str) -> String {
    format!("/tenderer/projects/{id}/sections/{sid}?done={done}")
}

#[derive(Debug, Deserialize)]
struct AwardForm {
    #[serde(default)]
    winner_org_id: String,
    #[serde(default)]
    reason: String,
}

/// `POST …/award` (CSRF-checked): `award::confirm_award` (定标, 中标通知书), as `POST
/// /api/v1/sections/{id}/award`; the first candidate unless another is chosen with a reason.
async fn confirm_award(
    State(ctx): State<Ctx>,
    Path((id, sid)): Path<(String, String)>,
    f: CsrfForm<AwardForm>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(ROLES)?;
    let p = service::get(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    if !p.sections.iter().any(|s| s.id == sid) {
        return Err(error_page(
            &a.chrome,
            &Error::not_found(format!("section {sid} of this project")),
        ));
    }
    let input = AwardInput {
        winner_org_id: Some(f.form.winner_org_id.clone()).filter(|w| !w.is_empty()),
        reason: Some(f.form.reason.clone()).filter(|r| !r.trim().is_empty()),
    };
    match award::confirm_award(&ctx, &a.actor, &sid, input).await {
        Ok(_) => Ok(see_other(&section_href(&id, &sid, "awarded"))),
        Err(e) => {
            let form = FormState::from_error(&e).with_values([
                ("winner_org_id", f.form.winner_org_id),
                ("reason", f.form.reason),
            ]);
            render_section(&ctx, &a, &id, &sid, e.status(), form, "").await
        }
    }
}

#[derive(Debug, Deserialize)]
struct ContractForm {
    #[serde(default)]
    signed_on: String,
    #[serde(default)]
    amount: String,
}

/// `POST …/contract` (CSRF-checked): `award::record_contract`, as `POST
/// /api/v1/sections/{id}/contract`.
async fn record_contract(
    State(ctx): State<Ctx>,
    Path((id, sid)): Path<(String, String)>,
    f: CsrfForm<ContractForm>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(ROLES)?;
    let p = service::get(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    if !p.sections.iter().any(|s| s.id == sid) {
        return Err(error_page(
            &a.chrome,
            &Error::not_found(format!("section {sid} of this project")),
        ));
    }
    let values = [
        ("signed_on", f.form.signed_on.clone()),
        ("amount", f.form.amount.clone()),
    ];
    let mut errs = Vec::new();
    let signed_on = NaiveDate::parse_from_str(f.form.signed_on.trim(), "%Y-%m-%d")
        .map_err(|_| {
            errs.push(FieldError::new(
                "signed_on",
                if f.form.signed_on.trim().is_empty() {
                    "required"
                } else {
                    "type"
                },
                "enter the signing date (YYYY-MM-DD)",
            ))
        })
        .ok();
    let amount = Money::parse_str(&f.form.amount.replace(',', ""))
        .map_err(|e| errs.push(FieldError::new("amount", e.rule, e.message)))
        .ok();
    let result = match (signed_on, amount) {
        (Some(signed_on), Some(amount)) if errs.is_empty() => {
            award::record_contract(
                &ctx,
                &a.actor,
                &sid,
                ContractInput {
                    signed_on,
                    amount,
                    performance_security: None,
                },
            )
            .await
        }
        _ => Err(Error::Validation(errs)),
    };
    match result {
        Ok(_) => Ok(see_other(&section_href(&id, &sid, "contracted"))),
        Err(e) => {
            let form = FormState::from_error(&e).with_values(values);
            render_section(&ctx, &a, &id, &sid, e.status(), form, "").await
        }
    }
}

#[derive(Debug, Deserialize)]
struct RetenderForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    docs_issue_at: String,
    #[serde(default)]
    docs_sale_end_at: String,
    #[serde(default)]
    bid_deadline: String,
    #[serde(default)]
    procedure: String,
    #[serde(default)]
    approval_document: String,
    #[serde(default)]
    approved_by: String,
    #[serde(default)]
    approved_on: String,
}

/// `POST …/retender` (CSRF-checked): `retender::retender` (重新招标 after 流标), as `POST
/// /api/v1/sections/{id}/retender`; the bids are opened at the deadline. Goes to the new section.
async fn retender_section(
    State(ctx): State<Ctx>,
    Path((id, sid)): Path<(String, String)>,
    f: CsrfForm<RetenderForm>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(ROLES)?;
    let p = service::get(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    if !p.sections.iter().any(|s| s.id == sid) {
        return Err(error_page(
            &a.chrome,
            &Error::not_found(format!("section {sid} of this project")),
        ));
    }
    let r = &f.form;
    let values = [
        ("reason", r.reason.clone()),
        ("docs_issue_at", r.docs_issue_at.clone()),
        ("docs_sale_end_at", r.docs_sale_end_at.clone()),
        ("bid_deadline", r.bid_deadline.clone()),
        ("procedure", r.procedure.clone()),
        ("approval_document", r.approval_document.clone()),
        ("approved_by", r.approved_by.clone()),
        ("approved_on", r.approved_on.clone()),
    ];
    let mut errs = Vec::new();
    let mut time = |field: &str, v: &str| {
        let t = parse_local(v);
        if t.is_none() {
            errs.push(FieldError::new(
                field,
                if v.trim().is_empty() {
                    "required"
                } else {
                    "type"
                },
                "enter a date and time (Beijing time)",
            ));
        }
        t
    };
    let issue = time("docs_issue_at", &r.docs_issue_at);
    let sale_end = time("docs_sale_end_at", &r.docs_sale_end_at);
    let deadline = time("bid_deadline", &r.bid_deadline);
    // When the page refuses the times itself the use case is not called: name the missing reason
    // too, so one submit lists everything wrong (the use case's rule, the same message).
    if !errs.is_empty() && r.reason.trim().is_empty() {
        errs.push(FieldError::new(
            "reason",
            "required",
            "the reason of the re-tender (1–2000 characters)",
        ));
    }
    let procedure = Some(r.procedure.trim().to_string()).filter(|x| !x.is_empty());
    let changed = procedure
        .as_deref()
        .is_some_and(|x| x != p.procedure.as_str());
    let approval = if changed {
        let on = NaiveDate::parse_from_str(r.approved_on.trim(), "%Y-%m-%d").ok();
        match on {
            Some(approved_on) => Some(crate::retender::Approval {
                document: r.approval_document.clone(),
                approved_by: r.approved_by.clone(),
                approved_on,
            }),
            None if r.approved_on.trim().is_empty() => None,
            None => {
                errs.push(FieldError::new(
                    "approved_on",
                    "type",
                    "enter the approval's date (YYYY-MM-DD)",
                ));
                None
            }
        }
    } else {
        None
    };
    let result = match (issue, sale_end, deadline) {
        (Some(docs_issue_at), Some(docs_sale_end_at), Some(bid_deadline)) if errs.is_empty() => {
            crate::retender::retender(
                &ctx,
                &a.actor,
                &sid,
                crate::retender::NewRetender {
                    reason: r.reason.clone(),
                    docs_issue_at,
                    docs_sale_end_at,
                    bid_deadline,
                    opening_at: bid_deadline,
                    procedure,
                    approval,
                },
            )
            .await
        }
        _ => Err(Error::Validation(errs)),
    };
    match result {
        Ok(r) => Ok(see_other(&section_href(&id, &r.section.id, "retendered"))),
        Err(e) => {
            // The API names the approval's fields `approval.*`; the form's are flat.
            let e = match e {
                Error::Validation(v) => Error::Validation(
                    v.into_iter()
                        .map(|mut x| {
                            x.field = match x.field.as_str() {
                                "approval" | "approval.document" => "approval_document".into(),
                                "approval.approved_by" => "approved_by".into(),
                                "approval.approved_on" => "approved_on".into(),
                                _ => x.field,
                            };
                            x
                        })
                        .collect(),
                ),
                e => e,
            };
            let form = FormState::from_error(&e).with_values(values);
            render_section(&ctx, &a, &id, &sid, e.status(), form, "").await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_beijing_time() {
        let t = parse_local("2026-04-03T09:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-04-03T01:30:00+00:00");
        assert_eq!(parse_local("2026-04-03 09:30"), Some(t));
        assert_eq!(local_input(&t), "2026-04-03T09:30");
        assert_eq!(parse_local("next week"), None);
    }

    #[test]
    fn unreadable_values_are_refused_with_the_api_rule_ids() {
        let mut v = HashMap::new();
        v.insert(
            "sections[0].estimated_price".to_string(),
            "1.234".to_string(),
        );
        v.insert("sections[0].deposit".to_string(), String::new());
        v.insert("sections[0].docs_issue_at".to_string(), "soon".to_string());
        let Err(Error::Validation(e)) = draft_of(&v) else {
            panic!("refused")
        };
        let rule = |f: &str| e.iter().find(|x| x.field == f).map(|x| x.rule.clone());
        assert_eq!(
            rule("sections[0].estimated_price").as_deref(),
            Some("money.max_two_decimals")
        );
        assert_eq!(rule("sections[0].deposit").as_deref(), Some("required"));
        assert_eq!(rule("sections[0].docs_issue_at").as_deref(), Some("type"));
        assert_eq!(
            rule("sections[0].bid_deadline").as_deref(),
            Some("required")
        );
    }

    #[test]
    fn only_the_projects_fields_are_kept_and_rows_counted() {
        let (v, action) = form_values(vec![
            ("csrf".into(), "t".into()),
            ("action".into(), "add_section".into()),
            ("name".into(), "路".into()),
            ("sections[2].name".into(), "三标段".into()),
            ("sections[0].evil".into(), "x".into()),
            ("other".into(), "x".into()),
        ]);
        assert_eq!(action, "add_section");
        assert_eq!(v.len(), 2);
        assert_eq!(section_count(&v), 3);
    }
}
