//! The bidder's raise form (`/bidder/sections/{id}/remedies/new`).

use super::*;

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

pub(super) async fn raise_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = a.require(&[Role::Bidder]) {
        return r;
    }
    render_raise(&ctx, &a, &id, StatusCode::OK, FormState::new(), Vec::new()).await
}

pub(super) async fn raise_post(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CaseForm,
) -> Response {
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
