//! The administrator's page of a rules table's regional values (地方规则), shared by the areas
//! that let a region override legal values (`ggzy_core::regional`): the projects rules tables
//! (`/admin/rules`, crates/server) and the remedy periods (`/admin/remedy-rules`, remedies).
//!
//! One table — the row's key columns, the value and its bound, the national value and article,
//! the region's value and document, the value in effect, a form to go back to the national value
//! with a reason — and one form to set a value, citing the regional document. The area supplies
//! the texts, the key columns of each row and the use cases; a refusal is shown next to the field
//! with its rule id (GOV.UK pattern), a refused removal in the summary above the table.

use crate::frame::{page_status, see_other};
use crate::{Chrome, FormState, Lang};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use ggzy_core::regional::{Bound, RegionalValue};
use ggzy_core::{Error, Result};
use serde::Deserialize;

/// The texts and paths of one area's page, in the page's language.
pub struct RegionalTexts {
    /// Page title and heading (the region follows the heading).
    pub title: &'static str,
    /// Links after "back to administration": (href, label).
    pub links: Vec<(&'static str, &'static str)>,
    pub hint: &'static str,
    /// The table's `id`.
    pub table_id: &'static str,
    /// The heads of the key columns that come before the value.
    pub key_heads: Vec<&'static str>,
    /// Where the set form posts; the removal form posts to `<action>/remove`.
    pub action: &'static str,
    pub set_heading: &'static str,
    pub value_label: &'static str,
    pub citation_label: &'static str,
}

/// One row of the table.
pub struct RegionalRow {
    /// The value's key as the forms post it (`data-rule` of the row).
    pub key: String,
    /// The key columns' cells.
    pub cells: Vec<String>,
    pub label: String,
    pub bound: &'static str,
    pub national: i64,
    pub source: String,
    pub over: Option<(i64, String)>,
    pub effective: i64,
}

impl RegionalRow {
    pub fn new(key: String, cells: Vec<String>, label: String, v: &RegionalValue, l: Lang) -> Self {
        RegionalRow {
            key,
            cells,
            label,
            bound: bound_label(v.bound, l),
            national: v.national_value,
            source: v.national_source.clone(),
            over: v
                .override_value
                .map(|x| (x, v.override_citation.clone().unwrap_or_default())),
            effective: v.effective_value,
        }
    }
}

/// Which way the region may move the value, as the table says it.
pub fn bound_label(b: Bound, l: Lang) -> &'static str {
    match b {
        Bound::AtLeast => l.t("不少于（可延长）", "at least (may be lengthened)"),
        Bound::AtMost => l.t("不超过（可缩短）", "at most (may be lowered)"),
    }
}

/// The label of a value in the user's language.
pub fn value_label(v: &RegionalValue, l: Lang) -> &str {
    if l == Lang::Zh {
        &v.label_zh
    } else {
        &v.label_en
    }
}

#[derive(Template)]
#[template(path = "regional/rules.html")]
struct RegionalPage<'a> {
    c: &'a Chrome,
    l: Lang,
    t: &'a RegionalTexts,
    region: &'a str,
    rows: Vec<RegionalRow>,
    form: FormState,
    key_options: Vec<(String, String)>,
    /// The key, detail and rule of a removal that was refused.
    row_problem: Option<(String, String, String)>,
}

/// The page of `region`'s values, with the set form's state and a refused removal, under
/// `status`. The set form offers every row, named by its key columns and label.
pub fn render(
    c: &Chrome,
    status: StatusCode,
    texts: &RegionalTexts,
    region: &str,
    rows: Vec<RegionalRow>,
    form: FormState,
    row_problem: Option<(String, String, String)>,
) -> Response {
    let key_options = rows
        .iter()
        .map(|r| {
            (
                r.key.clone(),
                format!("{} · {}", r.cells.join(" · "), r.label),
            )
        })
        .collect();
    let p = RegionalPage {
        c,
        l: c.lang,
        t: texts,
        region,
        rows,
        form,
        key_options,
        row_problem,
    };
    page_status(c, status, texts.title, &p)
}

/// The set form as posted.
#[derive(Debug, Deserialize)]
pub struct OverrideForm {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub citation: String,
}

impl OverrideForm {
    /// The posted values, shown again with a refusal.
    pub fn values(&self) -> [(&'static str, String); 3] {
        [
            ("key", self.key.clone()),
            ("value", self.value.clone()),
            ("citation", self.citation.clone()),
        ]
    }

    /// The value as a whole number (`integer.format` otherwise).
    pub fn number(&self) -> Result<i64> {
        self.value
            .trim()
            .parse()
            .map_err(|_| Error::field("value", "integer.format", "a whole number is required"))
    }
}

/// The removal form as posted (one per row with an override).
#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub reason: String,
}

/// The key a form names, parsed by the area; `required` on `key` when it names none.
pub fn key_of<K>(key: &str, parse: impl FnOnce(&str) -> Option<K>) -> Result<K> {
    parse(key).ok_or_else(|| Error::field("key", "required", "choose the value to override"))
}

/// After a set: back to the page, or what to render with the refusal (status and form state).
pub fn after_set<T>(
    result: Result<T>,
    back: &str,
    values: [(&'static str, String); 3],
) -> std::result::Result<Response, (StatusCode, FormState)> {
    match result {
        Ok(_) => Ok(see_other(back)),
        Err(e) => Err((e.status(), FormState::from_error(&e).with_values(values))),
    }
}

/// After a removal: back to the page, or what to render with the refusal (status and the row's
/// problem: key, detail, rule).
pub fn after_remove(
    result: Result<()>,
    back: &str,
    key: String,
) -> std::result::Result<Response, (StatusCode, (String, String, String))> {
    match result {
        Ok(()) => Ok(see_other(back)),
        Err(e) => {
            let p = e.to_problem();
            let rule = p
                .rule
                .clone()
                .or_else(|| p.errors.first().map(|e| e.rule.clone()))
                .unwrap_or_default();
            let detail = p
                .errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or(p.detail);
            Err((e.status(), (key, detail, rule)))
        }
    }
}
