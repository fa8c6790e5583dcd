//! Registering a project and its sections.

use super::*;

// Registering a project and its sections.

pub(super) const SECTION_FIELDS: [&str; 7] = [
    "name",
    "estimated_price",
    "deposit",
    "docs_issue_at",
    "docs_sale_end_at",
    "bid_deadline",
    "opening_at",
];
pub(super) const TIME_FIELDS: [&str; 4] = [
    "docs_issue_at",
    "docs_sale_end_at",
    "bid_deadline",
    "opening_at",
];
pub(super) const MAX_SECTIONS: usize = 100;

#[derive(Template)]
#[template(path = "tenderer/project_form.html")]
pub(super) struct ProjectForm<'a> {
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

pub(super) fn form_page(
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
        "mining_tender",
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
pub(super) fn local_input(t: &DateTime<Utc>) -> String {
    t.with_timezone(&ggzy_core::time::shanghai())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A `datetime-local` (or `YYYY-MM-DD HH:MM`) value read as Beijing time.
pub(super) fn parse_local(s: &str) -> Option<DateTime<Utc>> {
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
pub(super) fn values_of(p: &Project) -> HashMap<String, String> {
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
pub(super) fn section_count(v: &HashMap<String, String>) -> usize {
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
pub(super) fn draft_of(v: &HashMap<String, String>) -> Result<ProjectDraft, Error> {
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
pub(super) fn form_values(pairs: Vec<(String, String)>) -> (HashMap<String, String>, String) {
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
pub(super) async fn new_project(a: PageActor) -> Result<Response, Response> {
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
pub(super) async fn edit_project(
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
pub(super) async fn create_project(
    State(ctx): State<Ctx>,
    f: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, Response> {
    save(&ctx, f, None).await
}

/// `POST /tenderer/projects/{id}` (CSRF-checked): replace the draft (`service::update`) and submit.
pub(super) async fn save_project(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, Response> {
    save(&ctx, f, Some(id)).await
}

pub(super) async fn save(
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
