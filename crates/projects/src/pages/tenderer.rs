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

mod form;
mod section;

use form::*;
use section::*;

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
        "mining_tender" => l.t("矿业权招标出让", "Mining-right tender"),
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
