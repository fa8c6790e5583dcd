//! The tenderer's (or agency's) evaluation-method page (`/tenderer/sections/{id}/evaluation-method`):
//! the declared method and its price formula in words, and a GOV.UK-pattern form to declare it —
//! method (评标办法), scoring criteria with their maximum points (评分因素及分值), the price formula
//! (价格分计算公式) and its parameters, the members' aggregation.
//!
//! One page = one use case: the page reads [`service::method_for_owner`] and posts to
//! [`service::declare_method`], the API's `PUT /api/v1/sections/{id}/evaluation-method`. The page
//! itself only turns typed text into the API's `MethodSpec` (a number that cannot be read is
//! refused with the rule id the API gives for the same JSON: `type`, `required`); every other rule
//! is the use case's, shown next to its field with its rule id. Once the use case refuses to
//! change the method (it is fixed by the issued documents, `method.fixed_by_documents`), the page says why and
//! shows the method read-only — the page never decides the freeze itself.

use crate::pages::{formula_lines, method_label};
use crate::rules::{
    BaseRule, Criterion, Method, MethodSpec, PriceFormula, PriceFormulaKind, TieRule,
};
use crate::service::{self, MethodView};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ggzy_core::{Error, FieldError};
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::frame::{error_page, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;
use std::str::FromStr;

const ROLES: &[Role] = &[Role::Tenderer, Role::Agency];
/// Criterion rows the form offers at least (one more is added on request, up to [`MAX_ROWS`]).
const MIN_ROWS: usize = 4;
const MAX_ROWS: usize = 12;
const ROW_FIELDS: [&str; 5] = ["code", "name", "max_points", "is_price", "guidance"];

pub fn router() -> Router<Ctx> {
    Router::new().route(
        "/tenderer/sections/{id}/evaluation-method",
        get(show).post(declare),
    )
}

fn market_label(m: &str, l: Lang) -> &'static str {
    match m {
        "construction" => l.t("工程建设", "Construction"),
        "procurement" => l.t("政府采购", "Government procurement"),
        "land" => l.t("土地使用权", "Land use rights"),
        "property" => l.t("产权", "Property rights"),
        _ => l.t("其他", "Other"),
    }
}

/// The page's back link: the tenderer's section page when the project is known (`?project=`).
fn back_href(project: &str, section: &str) -> String {
    let ok = !project.is_empty()
        && project.len() <= 64
        && project
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        format!("/tenderer/projects/{project}/sections/{section}")
    } else {
        "/tenderer".to_string()
    }
}

struct CriterionRow {
    name: String,
    max_points: String,
    is_price: bool,
    guidance: String,
}

#[derive(Template)]
#[template(path = "tenderer/method.html")]
struct MethodPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    form: FormState,
    section_id: String,
    project: String,
    back: String,
    market: &'static str,
    required_formula: Option<&'static str>,
    /// The declared method in words, its criteria and formula lines.
    current: Option<&'static str>,
    criteria: Vec<CriterionRow>,
    formula: Vec<String>,
    aggregation: Vec<String>,
    /// The use case's refusal to change the method: (detail, rule).
    frozen: Option<(String, String)>,
    saved: bool,
    rows: usize,
    methods: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    bases: Vec<(String, String)>,
    yes_no: Vec<(String, String)>,
    ties: Vec<(String, String)>,
}

impl MethodPage<'_> {
    fn cf(&self, i: &usize, f: &str) -> String {
        format!("criteria[{i}].{f}")
    }
}

fn aggregation_lines(l: Lang, spec: &MethodSpec) -> Vec<String> {
    let mut out = vec![match spec.drop_member_extremes_from {
        Some(n) => match l {
            Lang::Zh => format!("专家评分汇总：评分专家不少于 {n} 人时去掉一个最高分和一个最低分后取平均值"),
            Lang::En => format!("Members' scores: with at least {n} members the highest and the lowest are left out, then averaged"),
        },
        None => l
            .t(
                "专家评分汇总：取全部评分专家的算术平均值",
                "Members' scores: the mean of every member's score",
            )
            .to_string(),
    }];
    let share = spec.outlier_share() * Decimal::ONE_HUNDRED;
    out.push(match l {
        Lang::Zh => format!("某专家的总分偏离委员会平均分超过 {}% 时标记为异常评分", share.normalize()),
        Lang::En => format!(
            "A member's total deviating from the committee mean by more than {}% is marked as an outlier",
            share.normalize()
        ),
    });
    if let Some(c) = spec.ceiling_price {
        out.push(match l {
            Lang::Zh => format!("最高投标限价 {c} 元：高于限价的投标被否决（招标投标法实施条例第五十一条）"),
            Lang::En => format!("Ceiling price CNY {c}: a bid above it is rejected (Regulations on the Tendering Law, art. 51)"),
        });
    }
    let low = spec
        .abnormally_low_share
        .unwrap_or(crate::rules::DEFAULT_ABNORMALLY_LOW_SHARE)
        * Decimal::ONE_HUNDRED;
    out.push(match l {
        Lang::Zh => format!("报价低于其他有效投标平均价的 {}% 时，投标人须书面证明其报价合理，不能证明的否决其投标", low.normalize()),
        Lang::En => format!("A price below {}% of the mean of the other valid bids must be proved reasonable in writing, else the bid is rejected", low.normalize()),
    });
    out.push(match (l, spec.tie_break.is_empty()) {
        (Lang::Zh, true) => "得分（或价格）相同时抽签决定，抽签种子记入评标记录".to_string(),
        (Lang::En, true) => "A tie is broken by lot, its seed recorded".to_string(),
        (_, false) => {
            let names: Vec<&str> = spec.tie_break.iter().map(|t| tie_label(l, *t)).collect();
            match l {
                Lang::Zh => format!("得分相同时依次按：{}；仍相同的抽签决定", names.join("、")),
                Lang::En => format!("A tie goes by: {}; still tied, by lot", names.join(", ")),
            }
        }
    });
    if let Some(d) = spec.sme_deduction {
        let pct = (d * Decimal::ONE_HUNDRED).normalize();
        out.push(match l {
            Lang::Zh => format!("小微企业报价扣除 {pct}% 后参与价格评审（财库〔2020〕46号）"),
            Lang::En => format!(
                "A small or micro enterprise's price is reduced by {pct}% for the price score"
            ),
        });
    }
    out
}

fn tie_label(l: Lang, t: TieRule) -> &'static str {
    match t {
        TieRule::LowerPrice => l.t("投标报价低者优先", "the lower price first"),
        TieRule::HigherNonPrice => l.t(
            "技术商务得分高者优先",
            "the higher technical and commercial score first",
        ),
    }
}

/// The tie rules a form value names (`lower_price,higher_non_price`), `None` for an unknown one.
fn ties_of(raw: &str) -> Option<Vec<TieRule>> {
    raw.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| match s {
            "lower_price" => Some(TieRule::LowerPrice),
            "higher_non_price" => Some(TieRule::HigherNonPrice),
            _ => None,
        })
        .collect()
}

/// The form's values for a declared method (the form starts from what is declared).
fn values_of(spec: &MethodSpec) -> Vec<(String, String)> {
    let method = match spec.method {
        Method::LowestEvaluatedPrice => "lowest_evaluated_price",
        Method::Comprehensive => "comprehensive",
    };
    let mut v = vec![("method".to_string(), method.to_string())];
    for (i, c) in spec.criteria.iter().enumerate() {
        let k = |f: &str| format!("criteria[{i}].{f}");
        v.push((k("code"), c.code.clone()));
        v.push((k("name"), c.name.clone()));
        v.push((k("max_points"), c.max_points.to_string()));
        v.push((k("is_price"), if c.is_price { "1" } else { "0" }.into()));
        v.push((k("guidance"), c.guidance.clone()));
    }
    if let Some(f) = &spec.price_formula {
        let kind = match f.kind {
            PriceFormulaKind::Deviation => "deviation",
            PriceFormulaKind::LowestRatio => "lowest_ratio",
        };
        v.push(("price_formula.kind".into(), kind.into()));
        match &f.base {
            BaseRule::Mean {
                k,
                drop_extremes_from,
            } => {
                v.push(("price_formula.base".into(), "mean".into()));
                v.push(("price_formula.base.k".into(), k.to_string()));
                if let Some(n) = drop_extremes_from {
                    v.push((
                        "price_formula.base.drop_extremes_from".into(),
                        n.to_string(),
                    ));
                }
            }
            BaseRule::Lowest => v.push(("price_formula.base".into(), "lowest".into())),
        }
        if let Some(e) = f.e_above {
            v.push(("price_formula.e_above".into(), e.to_string()));
        }
        if let Some(e) = f.e_below {
            v.push(("price_formula.e_below".into(), e.to_string()));
        }
    }
    if let Some(n) = spec.drop_member_extremes_from {
        v.push(("drop_member_extremes_from".into(), n.to_string()));
    }
    if let Some(s) = spec.outlier_share {
        v.push(("outlier_share".into(), s.to_string()));
    }
    if let Some(c) = spec.ceiling_price {
        v.push(("ceiling_price".into(), c.to_string()));
    }
    if let Some(s) = spec.abnormally_low_share {
        v.push(("abnormally_low_share".into(), s.to_string()));
    }
    let ties: Vec<&str> = spec
        .tie_break
        .iter()
        .map(|t| match t {
            TieRule::LowerPrice => "lower_price",
            TieRule::HigherNonPrice => "higher_non_price",
        })
        .collect();
    v.push(("tie_break".into(), ties.join(",")));
    if let Some(d) = spec.sme_deduction {
        v.push(("sme_deduction".into(), d.to_string()));
    }
    v
}

/// The `MethodSpec` the API's use case takes, read from the form, and the values to show again
/// (criterion rows left wholly empty are dropped and the others renumbered, so the use case's
/// `criteria[i]` errors name the rows as shown). A number that cannot be read is refused here with
/// the rule the API gives for the same JSON (`type`; `required` for a missing maximum).
fn spec_of(v: &HashMap<String, String>) -> (Result<MethodSpec, Error>, Vec<(String, String)>) {
    let get = |k: &str| v.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let mut errs: Vec<FieldError> = Vec::new();
    let mut shown: Vec<(String, String)> = Vec::new();
    let dec = |field: &str, raw: &str, errs: &mut Vec<FieldError>| -> Option<Decimal> {
        if raw.is_empty() {
            return None;
        }
        match Decimal::from_str(&raw.replace(',', "")) {
            Ok(d) => Some(d),
            Err(_) => {
                errs.push(FieldError::new(
                    field,
                    "type",
                    "enter a decimal number, e.g. 0.5",
                ));
                None
            }
        }
    };
    let int = |field: &str, raw: &str, errs: &mut Vec<FieldError>| -> Option<i64> {
        if raw.is_empty() {
            return None;
        }
        match raw.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errs.push(FieldError::new(field, "type", "enter a whole number"));
                None
            }
        }
    };

    let method = match get("method").as_str() {
        "lowest_evaluated_price" => Some(Method::LowestEvaluatedPrice),
        "comprehensive" => Some(Method::Comprehensive),
        "" => {
            errs.push(FieldError::new(
                "method",
                "required",
                "choose the evaluation method",
            ));
            None
        }
        _ => {
            errs.push(FieldError::new(
                "method",
                "enum.unknown_value",
                "choose one of the methods listed",
            ));
            None
        }
    };
    shown.push(("method".into(), get("method")));

    let mut criteria = Vec::new();
    for i in 0..MAX_ROWS {
        let raw: Vec<String> = ROW_FIELDS
            .iter()
            .map(|f| get(&format!("criteria[{i}].{f}")))
            .collect();
        let empty = raw
            .iter()
            .enumerate()
            .all(|(j, s)| s.is_empty() || (ROW_FIELDS[j] == "is_price" && s == "0"));
        if empty {
            continue;
        }
        let n = criteria.len();
        let k = |f: &str| format!("criteria[{n}].{f}");
        for (j, f) in ROW_FIELDS.iter().enumerate() {
            shown.push((k(f), raw[j].clone()));
        }
        let max_points = if raw[2].is_empty() {
            errs.push(FieldError::new(
                k("max_points"),
                "required",
                "enter the maximum points",
            ));
            Decimal::ZERO
        } else {
            dec(&k("max_points"), &raw[2], &mut errs).unwrap_or_default()
        };
        criteria.push(Criterion {
            code: raw[0].clone(),
            name: raw[1].clone(),
            max_points,
            is_price: raw[3] == "1",
            guidance: raw[4].clone(),
        });
    }

    let keep = |k: &str, shown: &mut Vec<(String, String)>| {
        let s = get(k);
        shown.push((k.to_string(), s.clone()));
        s
    };
    let kind = keep("price_formula.kind", &mut shown);
    let base = keep("price_formula.base", &mut shown);
    let k_raw = keep("price_formula.base.k", &mut shown);
    let drop_raw = keep("price_formula.base.drop_extremes_from", &mut shown);
    let above = keep("price_formula.e_above", &mut shown);
    let below = keep("price_formula.e_below", &mut shown);
    let member_drop = keep("drop_member_extremes_from", &mut shown);
    let outlier = keep("outlier_share", &mut shown);

    let price_formula = match kind.as_str() {
        "" => None,
        "deviation" | "lowest_ratio" => {
            let base = match base.as_str() {
                "lowest" => Some(BaseRule::Lowest),
                "mean" => {
                    let k = if k_raw.is_empty() {
                        errs.push(FieldError::new(
                            "price_formula.base.k",
                            "required",
                            "enter K (0 for the plain mean)",
                        ));
                        None
                    } else {
                        dec("price_formula.base.k", &k_raw, &mut errs)
                    };
                    let drop = int(
                        "price_formula.base.drop_extremes_from",
                        &drop_raw,
                        &mut errs,
                    );
                    k.map(|k| BaseRule::Mean {
                        k,
                        drop_extremes_from: drop,
                    })
                }
                _ => {
                    errs.push(FieldError::new(
                        "price_formula.base",
                        "required",
                        "choose how the base price is found",
                    ));
                    None
                }
            };
            let e_above = dec("price_formula.e_above", &above, &mut errs);
            let e_below = dec("price_formula.e_below", &below, &mut errs);
            base.map(|base| PriceFormula {
                kind: if kind == "deviation" {
                    PriceFormulaKind::Deviation
                } else {
                    PriceFormulaKind::LowestRatio
                },
                base,
                e_above,
                e_below,
            })
        }
        _ => {
            errs.push(FieldError::new(
                "price_formula.kind",
                "enum.unknown_value",
                "choose one of the formulas listed",
            ));
            None
        }
    };
    let drop_member_extremes_from = int("drop_member_extremes_from", &member_drop, &mut errs);
    let outlier_share = dec("outlier_share", &outlier, &mut errs);
    let ceiling_raw = keep("ceiling_price", &mut shown);
    let ceiling_price = dec("ceiling_price", &ceiling_raw, &mut errs);
    let low_raw = keep("abnormally_low_share", &mut shown);
    let abnormally_low_share = dec("abnormally_low_share", &low_raw, &mut errs);
    let sme_raw = keep("sme_deduction", &mut shown);
    let sme_deduction = dec("sme_deduction", &sme_raw, &mut errs);
    let ties_raw = keep("tie_break", &mut shown);
    let tie_break = ties_of(&ties_raw).unwrap_or_else(|| {
        errs.push(FieldError::new(
            "tie_break",
            "enum.unknown_value",
            "choose one of the tie rules listed",
        ));
        vec![]
    });

    let out = match (errs.is_empty(), method) {
        (true, Some(method)) => Ok(MethodSpec {
            method,
            criteria,
            price_formula,
            drop_member_extremes_from,
            outlier_share,
            ceiling_price,
            abnormally_low_share,
            tie_break,
            sme_deduction,
            change_notice_id: None,
        }),
        _ => Err(Error::Validation(errs)),
    };
    (out, shown)
}

fn render(
    a: &PageActor,
    view: &MethodView,
    project: &str,
    (status, form): (StatusCode, FormState),
    rows: usize,
    refusal: Option<&Error>,
    saved: bool,
) -> Response {
    let l = a.chrome.lang;
    let spec = view.method.as_ref();
    let frozen = refusal.or(view.frozen.as_ref()).map(|e| {
        let p = e.to_problem();
        (p.detail, p.rule.unwrap_or_default())
    });
    let page = MethodPage {
        c: &a.chrome,
        lang: l,
        form,
        section_id: view.section_id.clone(),
        project: project.to_string(),
        back: back_href(project, &view.section_id),
        market: market_label(&view.market, l),
        required_formula: view.required_formula.map(|k| match k {
            PriceFormulaKind::LowestRatio => l.t(
                "政府采购项目采用综合评分法时，价格分统一采用低价优先法（政府采购货物和服务招标投标管理办法第五十五条）。",
                "In government procurement the comprehensive method scores the price by the lowest-price ratio (MOF Order 87, art. 55).",
            ),
            PriceFormulaKind::Deviation => "",
        }),
        current: spec.map(|s| method_label(l, s.method)),
        criteria: spec
            .map(|s| {
                s.criteria
                    .iter()
                    .map(|c| CriterionRow {
                        name: c.name.clone(),
                        max_points: c.max_points.to_string(),
                        is_price: c.is_price,
                        guidance: c.guidance.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        formula: spec.map(|s| formula_lines(l, s)).unwrap_or_default(),
        aggregation: spec.map(|s| aggregation_lines(l, s)).unwrap_or_default(),
        frozen,
        saved,
        rows: rows.clamp(MIN_ROWS, MAX_ROWS),
        methods: vec![
            ("".into(), l.t("请选择", "Choose").into()),
            (
                "comprehensive".into(),
                l.t("综合评估法", "Comprehensive scoring").into(),
            ),
            (
                "lowest_evaluated_price".into(),
                l.t("经评审的最低投标价法", "Lowest evaluated price").into(),
            ),
        ],
        kinds: vec![
            (
                "".into(),
                l.t("不适用（最低投标价法）", "None (lowest evaluated price)").into(),
            ),
            (
                "deviation".into(),
                l.t("偏差率扣分法", "Deviation from the base").into(),
            ),
            (
                "lowest_ratio".into(),
                l.t("低价优先法", "Lowest-price ratio").into(),
            ),
        ],
        bases: vec![
            (
                "mean".into(),
                l.t("有效投标价平均值 × (1 − K)", "Mean of valid bids × (1 − K)").into(),
            ),
            (
                "lowest".into(),
                l.t("最低有效投标价", "Lowest valid bid").into(),
            ),
        ],
        yes_no: vec![
            ("0".into(), l.t("否（专家打分）", "No (scored by the members)").into()),
            ("1".into(), l.t("是（按公式计算）", "Yes (computed by the formula)").into()),
        ],
        ties: vec![
            ("".into(), l.t("抽签决定", "By lot").into()),
            (
                "higher_non_price".into(),
                tie_label(l, TieRule::HigherNonPrice).into(),
            ),
            ("lower_price".into(), tie_label(l, TieRule::LowerPrice).into()),
            (
                "higher_non_price,lower_price".into(),
                l.t(
                    "技术商务得分高者优先，再按报价低者优先",
                    "The higher technical and commercial score, then the lower price",
                )
                .into(),
            ),
            (
                "lower_price,higher_non_price".into(),
                l.t(
                    "报价低者优先，再按技术商务得分高者优先",
                    "The lower price, then the higher technical and commercial score",
                )
                .into(),
            ),
        ],
    };
    let title = l.t("评标办法", "Evaluation method");
    page_status(&a.chrome, status, title, &page)
}

#[derive(Debug, Default, Deserialize)]
struct ShowQuery {
    #[serde(default)]
    project: String,
    #[serde(default)]
    saved: Option<String>,
}

/// `GET /tenderer/sections/{id}/evaluation-method`: one read, [`service::method_for_owner`].
async fn show(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, Response> {
    a.require(ROLES)?;
    let view = service::method_for_owner(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    let values = view.method.as_ref().map(values_of).unwrap_or_default();
    let rows = view.method.as_ref().map_or(0, |s| s.criteria.len() + 1);
    let form = FormState::new().with_values(values);
    Ok(render(
        &a,
        &view,
        &q.project,
        (StatusCode::OK, form),
        rows,
        None,
        q.saved.is_some(),
    ))
}

/// `POST /tenderer/sections/{id}/evaluation-method` (CSRF-checked): [`service::declare_method`],
/// as `PUT /api/v1/sections/{id}/evaluation-method`. "Add a criterion" re-renders with one more
/// row and declares nothing.
async fn declare(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(ROLES)?;
    let v: HashMap<String, String> = f.form.into_iter().filter(|(k, _)| k != "csrf").collect();
    let project = v.get("project").cloned().unwrap_or_default();
    let (spec, shown) = spec_of(&v);
    let rows = shown
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("criteria["))
        .filter_map(|k| k.split(']').next()?.parse::<usize>().ok())
        .max()
        .map_or(0, |i| i + 1);
    if v.get("action").map(String::as_str) == Some("add_criterion") {
        let view = service::method_for_owner(&ctx, &a.actor, &id)
            .await
            .map_err(|e| error_page(&a.chrome, &e))?;
        let form = FormState::new().with_values(shown);
        return Ok(render(
            &a,
            &view,
            &project,
            (StatusCode::OK, form),
            (rows + 1).max(MIN_ROWS + 1),
            None,
            false,
        ));
    }
    let result = match spec {
        Ok(spec) => service::declare_method(&ctx, &a.actor, &id, spec)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            let q = if back_href(&project, &id) == "/tenderer" {
                String::new()
            } else {
                format!("&project={project}")
            };
            Ok(see_other(&format!(
                "/tenderer/sections/{id}/evaluation-method?saved=1{q}"
            )))
        }
        Err(e) => {
            // The owner's own checks (403, 404) come before anything is shown.
            let view = service::method_for_owner(&ctx, &a.actor, &id)
                .await
                .map_err(|e| error_page(&a.chrome, &e))?;
            if e.status() == StatusCode::CONFLICT || view.frozen.is_some() {
                // The use case refuses to change the method (now, or whatever else was wrong
                // with this post, as it stands frozen): say why, show it read-only.
                return Ok(render(
                    &a,
                    &view,
                    &project,
                    (e.status(), FormState::new()),
                    0,
                    Some(&e),
                    false,
                ));
            }
            let form = FormState::from_error(&e).with_values(shown);
            Ok(render(
                &a,
                &view,
                &project,
                (e.status(), form),
                rows + 1,
                None,
                false,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn empty_rows_are_dropped_and_the_rest_renumbered() {
        let (spec, shown) = spec_of(&form(&[
            ("method", "comprehensive"),
            ("criteria[0].code", "price"),
            ("criteria[0].name", "报价"),
            ("criteria[0].max_points", "40"),
            ("criteria[0].is_price", "1"),
            ("criteria[1].is_price", "0"),
            ("criteria[2].code", "tech"),
            ("criteria[2].name", "技术"),
            ("criteria[2].max_points", "60"),
            ("criteria[2].is_price", "0"),
            ("criteria[2].guidance", "方案"),
            ("price_formula.kind", "lowest_ratio"),
            ("price_formula.base", "lowest"),
        ]));
        let spec = spec.expect("readable");
        assert_eq!(spec.criteria.len(), 2);
        assert_eq!(spec.criteria[1].code, "tech");
        assert!(spec.criteria[0].is_price);
        assert!(shown.contains(&("criteria[1].code".into(), "tech".into())));
        assert!(spec.validate().is_ok());
    }

    #[test]
    fn unreadable_numbers_are_named_with_the_apis_rules() {
        let (spec, _) = spec_of(&form(&[
            ("method", "comprehensive"),
            ("criteria[0].code", "price"),
            ("criteria[0].max_points", "四十"),
            ("price_formula.kind", "deviation"),
            ("price_formula.base", "mean"),
            ("price_formula.base.k", ""),
            ("price_formula.e_above", "x"),
        ]));
        let Err(Error::Validation(errs)) = spec else {
            panic!("refused")
        };
        let got: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.rule.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("criteria[0].max_points", "type"),
                ("price_formula.base.k", "required"),
                ("price_formula.e_above", "type"),
            ]
        );
        let (spec, _) = spec_of(&form(&[]));
        assert!(matches!(spec, Err(Error::Validation(e)) if e[0].rule == "required"));
    }
}
