//! The rule catalogue pages: every rule with its legal source, and the form that overrides one.

use super::*;

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
pub(super) struct RulesPage {
    l: Lang,
    rows: Vec<RuleRow>,
}

/// `GET /supervisor/rules`: the catalogue as configured.
pub(super) async fn rules_page(State(ctx): State<Ctx>, a: PageActor) -> Response {
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

pub(super) fn param_label(k: &str, l: Lang) -> String {
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
pub(super) struct RulePage<'a> {
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

pub(super) async fn render_rule(
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
pub(super) async fn rule_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    render_rule(&ctx, &a, &id, StatusCode::OK, None).await
}

/// `POST /supervisor/rules/{id}`: `alerts::update_rule` (bounds in `rules::param_bounds`).
pub(super) async fn rule_save(
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
