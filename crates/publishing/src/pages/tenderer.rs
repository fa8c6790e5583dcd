//! The tenderer's and agency's announcements (`/tenderer/announcements…`): every announcement of
//! their organization in every state — including the ones the platform drafts itself from the
//! projects' lifecycle (opening record, candidate publicity, award, failure, deal) — with its
//! state; drafting and editing with the type's structured fields, each refusal next to its field
//! with the API's rule id; a preview rendered as the portal renders it; submission for approval.
//! Each form posts to the same use case as the API (`service::create`, `update`, `submit`,
//! `list_own`).

use crate::portal::view::{self, Detail};
use crate::portal::{market_label, type_label};
use crate::rules::AnnouncementType;
use crate::service::{self, Announcement, AnnouncementDraft, OwnFilter, Status};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDateTime, TimeZone};
use ggzy_core::http::Path;
use ggzy_core::time::shanghai;
use ggzy_core::{Error, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use ggzy_web::fmt;
use ggzy_web::frame::{error_page, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

const ROLES: &[Role] = &[Role::Tenderer, Role::Agency];

pub fn router() -> Router<Ctx> {
    Router::new()
        .route(
            "/tenderer/announcements",
            get(list_page).post(create_announcement),
        )
        .route("/tenderer/announcements/new", get(new_page))
        .route(
            "/tenderer/announcements/{id}",
            get(preview_page).post(update_announcement),
        )
        .route("/tenderer/announcements/{id}/edit", get(edit_page))
        .route(
            "/tenderer/announcements/{id}/submit",
            post(submit_announcement),
        )
}

pub fn status_label(s: Status, l: Lang) -> &'static str {
    match s {
        Status::Draft => l.t("草稿", "Draft"),
        Status::Submitted => l.t("待审核", "Awaiting approval"),
        Status::Approved => l.t("已审核", "Approved"),
        Status::Scheduled => l.t("定时发布", "Scheduled"),
        Status::Published => l.t("已发布", "Published"),
        Status::Withdrawn => l.t("已撤回", "Withdrawn"),
    }
}

/// A structured field's label: the portal's catalogue, else the key itself.
fn label_of(key: &str, l: Lang) -> String {
    view::field_label(key, l)
        .map(str::to_string)
        .unwrap_or_else(|| key.to_string())
}

/// Fields entered as a date and time (Beijing time) and stored as RFC 3339.
fn is_time(key: &str) -> bool {
    key.ends_with("_at") || key.ends_with("deadline")
}

/// Fields entered as yes / no and stored as a boolean.
fn is_bool(key: &str) -> bool {
    key == "consortium_accepted"
}

// ---------------------------------------------------------------------------------------------
// The list.

struct Row_ {
    id: String,
    title: String,
    type_label: &'static str,
    market: &'static str,
    status: &'static str,
    updated: String,
    published: Option<String>,
    auto: bool,
    withdraw_reason: Option<String>,
    /// Why staff returned it (until it is submitted again).
    return_reason: Option<String>,
}

#[derive(Template)]
#[template(path = "tenderer/announcements.html")]
struct ListPage {
    lang: Lang,
    rows: Vec<Row_>,
    project_id: String,
    notice: Option<&'static str>,
}

#[derive(Debug, Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    project_id: String,
    #[serde(default)]
    submitted: String,
}

/// `GET /tenderer/announcements[?project_id=]`: `service::list_own`, as `GET
/// /api/v1/announcements/mine`.
async fn list_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Query(q): Query<ListQuery>,
) -> std::result::Result<Response, Response> {
    a.require(ROLES)?;
    let l = a.chrome.lang;
    let f = OwnFilter {
        project_id: Some(q.project_id.clone()).filter(|p| !p.is_empty()),
        ..OwnFilter::default()
    };
    let list = service::list_own(&ctx, &a.actor, &f)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    let rows = list
        .iter()
        .map(|x| Row_ {
            id: x.id.clone(),
            title: x.title.clone(),
            type_label: type_label(x.ann_type, l),
            market: market_label(&x.market, l),
            status: status_label(x.status, l),
            updated: fmt::beijing_time(&x.updated_at),
            published: x.published_at.as_ref().map(fmt::beijing_time),
            auto: x.source_event.is_some(),
            withdraw_reason: x.withdraw_reason.clone(),
            return_reason: x.return_reason.clone(),
        })
        .collect();
    let page = ListPage {
        lang: l,
        rows,
        project_id: q.project_id,
        notice: (q.submitted == "1").then(|| {
            l.t(
                "公告已提交，等待交易中心审核。",
                "Submitted; the centre will review it.",
            )
        }),
    };
    Ok(page_status(
        &a.chrome,
        StatusCode::OK,
        l.t("我的公告", "My announcements"),
        &page,
    ))
}

// ---------------------------------------------------------------------------------------------
// Drafting and editing.

/// One input of the type's structured fields.
struct FieldInput {
    name: String,
    label: String,
    kind: &'static str,
    required: bool,
}

#[derive(Template)]
#[template(path = "tenderer/announcement_form.html")]
struct FormPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    form: FormState,
    action: String,
    editing: bool,
    types: Vec<(String, String)>,
    markets: Vec<(String, String)>,
    inputs: Vec<FieldInput>,
    /// Structured values the platform filled in that are not plain text (tables such as the
    /// candidates or the opened bids): shown as the portal shows them, kept as they are.
    locked: Option<Detail>,
    project_id: String,
    original_id: String,
    not_submitted: bool,
}

impl FormPage<'_> {
    fn yes_no(&self) -> Vec<(String, String)> {
        vec![
            ("true".into(), self.lang.t("是", "Yes").into()),
            ("false".into(), self.lang.t("否", "No").into()),
        ]
    }
}

/// The inputs for `t`: its required fields, then any other plain field the draft already has.
fn inputs_for(t: AnnouncementType, fields: &Value, l: Lang) -> Vec<FieldInput> {
    let mut keys: Vec<(String, bool)> = t
        .required_fields()
        .iter()
        .map(|k| (k.to_string(), true))
        .collect();
    if let Some(o) = fields.as_object() {
        for (k, v) in o {
            if !keys.iter().any(|(x, _)| x == k) && !v.is_array() && !v.is_object() {
                keys.push((k.clone(), false));
            }
        }
    }
    keys.into_iter()
        .filter(|(k, _)| !fields.get(k).is_some_and(|v| v.is_array() || v.is_object()))
        .map(|(k, required)| FieldInput {
            name: format!("fields.{k}"),
            label: label_of(&k, l),
            kind: if is_time(&k) {
                "datetime-local"
            } else if is_bool(&k) {
                "select"
            } else {
                "text"
            },
            required,
        })
        .collect()
}

/// The form's values of the structured fields: times as `datetime-local` Beijing time.
fn field_values(fields: &Value) -> Vec<(String, String)> {
    let Some(o) = fields.as_object() else {
        return Vec::new();
    };
    o.iter()
        .filter_map(|(k, v)| {
            let s = match v {
                Value::String(s) if is_time(k) => DateTime::parse_from_rfc3339(s)
                    .map(|t| {
                        t.with_timezone(&shanghai())
                            .format("%Y-%m-%dT%H:%M")
                            .to_string()
                    })
                    .unwrap_or_else(|_| s.clone()),
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some((format!("fields.{k}"), s))
        })
        .collect()
}

fn form_page(
    a: &PageActor,
    (status, form): (StatusCode, FormState),
    (action, editing): (String, bool),
    t: AnnouncementType,
    fields: &Value,
    locked: Option<Detail>,
    not_submitted: bool,
) -> Response {
    let l = a.chrome.lang;
    let page = FormPage {
        c: &a.chrome,
        lang: l,
        project_id: form.value("project_id").to_string(),
        original_id: form.value("original_id").to_string(),
        inputs: inputs_for(t, fields, l),
        form,
        action,
        editing,
        types: AnnouncementType::ALL
            .iter()
            .map(|t| (t.as_str().to_string(), type_label(*t, l).to_string()))
            .collect(),
        markets: ["construction", "procurement", "land", "property"]
            .iter()
            .map(|m| (m.to_string(), market_label(m, l).to_string()))
            .collect(),
        locked,
        not_submitted,
    };
    page_status(
        &a.chrome,
        status,
        if editing {
            l.t("修改公告", "Edit the announcement")
        } else {
            l.t("起草公告", "Draft an announcement")
        },
        &page,
    )
}

#[derive(Debug, Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    project_id: String,
    #[serde(default, rename = "type")]
    ann_type: String,
}

/// What publishing knows of a project of the caller's organization (from the projects events),
/// to fill in a tender announcement's fields.
async fn project_facts(ctx: &Ctx, actor: &Actor, project_id: &str) -> Result<Option<Value>> {
    let r = crate::store::sections::project_facts(&ctx.db, project_id).await?;
    let Some(r) = r else { return Ok(None) };
    let owner = r.owner_org_id;
    if owner.is_none() || owner != actor.org_id {
        return Ok(None);
    }
    let time =
        |t: Option<ggzy_core::Timestamp>| t.map(|t| t.with_timezone(&shanghai()).to_rfc3339());
    let name = r.project_name;
    let tenderer = r.tenderer_name;
    let price = r.estimated_price;
    Ok(Some(json!({
        "market": r.market,
        "project_name": name,
        "scale": price.map(|p| format!("估算价 {p} 元")),
        "docs_available_at": time(r.docs_issue_at),
        "bid_deadline": time(r.bid_deadline),
        "tenderer_contact": tenderer,
        "consortium_accepted": false,
    })))
}

/// `GET /tenderer/announcements/new[?project_id=&type=]`: a new draft, the tender announcement's
/// fields filled in from the project where publishing knows it.
async fn new_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Query(q): Query<NewQuery>,
) -> std::result::Result<Response, Response> {
    a.require(ROLES)?;
    let t = AnnouncementType::parse(&q.ann_type).unwrap_or(AnnouncementType::Tender);
    let mut f = FormState::new().with_values([
        ("type", t.as_str().to_string()),
        ("project_id", q.project_id.clone()),
    ]);
    let mut fields = json!({});
    if !q.project_id.is_empty() {
        if let Some(p) = project_facts(&ctx, &a.actor, &q.project_id)
            .await
            .map_err(|e| error_page(&a.chrome, &e))?
        {
            let name = p["project_name"].as_str().unwrap_or("").to_string();
            f = f.with_values([
                ("market", p["market"].as_str().unwrap_or("").to_string()),
                ("title", format!("{name}招标公告")),
            ]);
            if t == AnnouncementType::Tender {
                for k in [
                    "project_name",
                    "scale",
                    "docs_available_at",
                    "bid_deadline",
                    "tenderer_contact",
                    "consortium_accepted",
                ] {
                    if !p[k].is_null() {
                        fields[k] = p[k].clone();
                    }
                }
            }
        }
    }
    f = f.with_values(field_values(&fields));
    Ok(form_page(
        &a,
        (StatusCode::OK, f),
        ("/tenderer/announcements".into(), false),
        t,
        &fields,
        None,
        false,
    ))
}

/// The form's pairs, without the CSRF token; only known names are kept.
fn read_form(pairs: Vec<(String, String)>) -> HashMap<String, String> {
    pairs
        .into_iter()
        .filter(|(k, _)| {
            [
                "market",
                "type",
                "title",
                "body",
                "project_id",
                "original_id",
            ]
            .contains(&k.as_str())
                || k.strip_prefix("fields.").is_some_and(|f| {
                    !f.is_empty()
                        && f.len() <= 64
                        && f.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                })
        })
        .collect()
}

/// A `datetime-local` value (Beijing time) as RFC 3339, or the text as given (the use case then
/// names it: `announcement.time_invalid`).
fn time_value(s: &str) -> Value {
    let t = s.trim();
    let n = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok());
    match n.and_then(|n| shanghai().from_local_datetime(&n).earliest()) {
        Some(x) => Value::String(x.to_rfc3339()),
        None if t.is_empty() => Value::Null,
        None => Value::String(t.to_string()),
    }
}

/// The draft the API's use case takes. `base` is the stored announcement's fields (an edit keeps
/// the tables the platform filled in, which the form does not show as inputs).
fn draft_of(v: &HashMap<String, String>, base: &Value) -> AnnouncementDraft {
    let mut fields: Map<String, Value> = base.as_object().cloned().unwrap_or_default();
    for (k, val) in v {
        let Some(key) = k.strip_prefix("fields.") else {
            continue;
        };
        let value = if is_time(key) {
            time_value(val)
        } else if is_bool(key) {
            match val.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::Null,
            }
        } else if val.trim().is_empty() {
            Value::Null
        } else {
            Value::String(val.trim().to_string())
        };
        if value.is_null() {
            fields.remove(key);
        } else {
            fields.insert(key.to_string(), value);
        }
    }
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    let opt = |k: &str| Some(get(k)).filter(|s| !s.trim().is_empty());
    AnnouncementDraft {
        market: get("market"),
        ann_type: get("type"),
        title: get("title"),
        body: get("body"),
        fields: Value::Object(fields),
        original_id: opt("original_id"),
        region: None,
        project_id: opt("project_id"),
        section_ids: None,
        body_format: None,
    }
}

/// The caller's own announcement (the owner organization's, in any state); another
/// organization's is "not found" (404), as in the API.
async fn own(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Announcement> {
    let a = service::get(ctx, Some(actor), id).await?;
    if a.owner_org_id.is_none() || a.owner_org_id != actor.org_id {
        return Err(Error::not_found(format!("announcement {id}")));
    }
    Ok(a)
}

fn values_of(x: &Announcement) -> Vec<(String, String)> {
    let mut v = vec![
        ("market".to_string(), x.market.clone()),
        ("type".to_string(), x.ann_type.as_str().to_string()),
        ("title".to_string(), x.title.clone()),
        ("body".to_string(), x.body_markdown.clone()),
        (
            "project_id".to_string(),
            x.project_id.clone().unwrap_or_default(),
        ),
        (
            "original_id".to_string(),
            x.original_id.clone().unwrap_or_default(),
        ),
    ];
    v.extend(field_values(&x.fields));
    v
}

/// The tables of an auto-draft (candidates, opened bids…), rendered as on the portal.
async fn locked_of(ctx: &Ctx, x: &Announcement, l: Lang) -> Result<Option<Detail>> {
    let has_tables = x
        .fields
        .as_object()
        .is_some_and(|o| o.values().any(|v| v.is_array() || v.is_object()));
    if !has_tables {
        return Ok(None);
    }
    Ok(Some(view::preview_draft(ctx, x, l).await?))
}

async fn render_edit(
    ctx: &Ctx,
    a: &PageActor,
    x: &Announcement,
    status: StatusCode,
    form: FormState,
    not_submitted: bool,
) -> std::result::Result<Response, Response> {
    let locked = locked_of(ctx, x, a.chrome.lang)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    let t = AnnouncementType::parse(form.value("type")).unwrap_or(x.ann_type);
    Ok(form_page(
        a,
        (status, form),
        (format!("/tenderer/announcements/{}", x.id), true),
        t,
        &x.fields,
        locked,
        not_submitted,
    ))
}

/// `GET /tenderer/announcements/{id}/edit`.
async fn edit_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> std::result::Result<Response, Response> {
    a.require(ROLES)?;
    let x = own(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    let f = FormState::new().with_values(values_of(&x));
    render_edit(&ctx, &a, &x, StatusCode::OK, f, false).await
}

/// `POST /tenderer/announcements` (CSRF-checked): `service::create`, as `POST
/// /api/v1/announcements`; each refused field is shown next to its input with its rule id. The
/// "show the type's fields" button only re-renders the form for another type.
async fn create_announcement(
    State(ctx): State<Ctx>,
    f: CsrfForm<Vec<(String, String)>>,
) -> std::result::Result<Response, Response> {
    let a = f.actor;
    a.require(ROLES)?;
    let refresh = f.form.iter().any(|(k, v)| k == "action" && v == "refresh");
    let values = read_form(f.form);
    let d = draft_of(&values, &Value::Null);
    let t = AnnouncementType::parse(&d.ann_type).unwrap_or_default();
    if refresh {
        let form = FormState::new().with_values(values);
        return Ok(form_page(
            &a,
            (StatusCode::OK, form),
            ("/tenderer/announcements".into(), false),
            t,
            &d.fields,
            None,
            false,
        ));
    }
    let fields = d.fields.clone();
    match service::create(&ctx, &a.actor, d).await {
        Ok(x) => Ok(see_other(&format!("/tenderer/announcements/{}", x.id))),
        Err(e @ Error::Forbidden(_)) => Err(error_page(&a.chrome, &e)),
        Err(e) => Ok(form_page(
            &a,
            (
                StatusCode::UNPROCESSABLE_ENTITY.max(e.status()),
                FormState::from_error(&e).with_values(values),
            ),
            ("/tenderer/announcements".into(), false),
            t,
            &fields,
            None,
            false,
        )),
    }
}

/// `POST /tenderer/announcements/{id}` (CSRF-checked): `service::update`, as `PUT
/// /api/v1/announcements/{id}` (a draft only; published text is immutable).
async fn update_announcement(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<Vec<(String, String)>>,
) -> std::result::Result<Response, Response> {
    let a = f.actor;
    a.require(ROLES)?;
    let x = own(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    let refresh = f.form.iter().any(|(k, v)| k == "action" && v == "refresh");
    let values = read_form(f.form);
    if refresh {
        let form = FormState::new().with_values(values);
        return render_edit(&ctx, &a, &x, StatusCode::OK, form, false).await;
    }
    let d = draft_of(&values, &x.fields);
    match service::update(&ctx, &a.actor, &id, d).await {
        Ok(_) => Ok(see_other(&format!("/tenderer/announcements/{id}"))),
        Err(e) => {
            let form = FormState::from_error(&e).with_values(values);
            render_edit(
                &ctx,
                &a,
                &x,
                StatusCode::UNPROCESSABLE_ENTITY.max(e.status()),
                form,
                false,
            )
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Preview and submission.

#[derive(Template)]
#[template(path = "tenderer/announcement_preview.html")]
struct PreviewPage<'a> {
    c: &'a Chrome,
    l: Lang,
    d: Detail,
    x: &'a Announcement,
    status: &'static str,
    auto: bool,
}

/// `GET /tenderer/announcements/{id}`: the announcement as the portal will show it, its state,
/// the staff's withdrawal reason, and (a draft) the buttons to edit and submit.
async fn preview_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> std::result::Result<Response, Response> {
    a.require(ROLES)?;
    let l = a.chrome.lang;
    let x = own(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    let d = view::preview_draft(&ctx, &x, l)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    let page = PreviewPage {
        c: &a.chrome,
        l,
        d,
        x: &x,
        status: status_label(x.status, l),
        auto: x.source_event.is_some(),
    };
    Ok(page_status(&a.chrome, StatusCode::OK, &x.title, &page))
}

/// `POST /tenderer/announcements/{id}/submit` (CSRF-checked): `service::submit`, as `POST
/// /api/v1/announcements/{id}/submit`. An incomplete draft (e.g. an auto-draft without the
/// fields only the tenderer knows) comes back as its edit form with each missing field named.
async fn submit_announcement(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> std::result::Result<Response, Response> {
    let a = f.actor;
    a.require(ROLES)?;
    let x = own(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    match service::submit(&ctx, &a.actor, &id).await {
        Ok(_) => Ok(see_other("/tenderer/announcements?submitted=1")),
        Err(e) => {
            let mut form = FormState::from_error(&e).with_values(values_of(&x));
            if form.errors.is_empty() && form.problem.is_none() {
                form.push("", "announcement.transition", e.to_string());
            }
            render_edit(
                &ctx,
                &a,
                &x,
                StatusCode::UNPROCESSABLE_ENTITY.max(e.status()),
                form,
                true,
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_beijing_time_and_booleans_as_booleans() {
        let mut v = HashMap::new();
        v.insert(
            "fields.bid_deadline".to_string(),
            "2026-04-03T09:30".to_string(),
        );
        v.insert(
            "fields.consortium_accepted".to_string(),
            "false".to_string(),
        );
        v.insert("fields.scope".to_string(), "  道路  ".to_string());
        v.insert("fields.funding".to_string(), String::new());
        let d = draft_of(&v, &json!({"funding": "x", "bids": [{"name": "甲"}]}));
        assert_eq!(d.fields["bid_deadline"], "2026-04-03T09:30:00+08:00");
        assert_eq!(d.fields["consortium_accepted"], false);
        assert_eq!(d.fields["scope"], "道路");
        // Emptied: removed, so the use case names it as missing; tables are kept.
        assert!(d.fields.get("funding").is_none());
        assert_eq!(d.fields["bids"][0]["name"], "甲");
        assert_eq!(
            field_values(&d.fields)
                .into_iter()
                .find(|(k, _)| k == "fields.bid_deadline")
                .map(|(_, v)| v),
            Some("2026-04-03T09:30".to_string())
        );
    }

    #[test]
    fn only_known_names_are_read() {
        let v = read_form(vec![
            ("csrf".into(), "t".into()),
            ("title".into(), "t".into()),
            ("fields.scope".into(), "s".into()),
            ("fields.Bad-Key".into(), "s".into()),
            ("owner_org_id".into(), "x".into()),
        ]);
        assert_eq!(v.len(), 2);
    }
}
