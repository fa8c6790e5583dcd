//! GOV.UK-pattern forms: every field has a label, an optional hint, and — after a refused submit —
//! the error message next to it naming the API's rule id; an error summary at the top links to each
//! field (`#f-<field>`). [`FormState::from_error`] turns the core [`Error`] a use case returned (the
//! same problem details the API answers: `errors[{field, rule, message}]`) into that state, so a
//! page shows exactly what the API would have said.
//!
//! In a template: `{{ form.summary(lang) }}` first, then `{{ form.field("price", label) }}` (with
//! builder methods `.hint(…)`, `.kind("number")`, `.required()`, `.autocomplete(…)`,
//! `.options(…)`). These components render through their own escaping templates and are marked
//! [`askama::filters::HtmlSafe`], so no `|safe` is needed.

use crate::lang::Lang;
use askama::Template;
use ggzy_core::{Error, FieldError};
use std::collections::HashMap;

/// The state of one form: values to show again and the broken rules of the last submit.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: Vec<FieldError>,
    /// A refusal that is not about one field (e.g. a state conflict), with its rule id.
    pub problem: Option<Problem>,
}

#[derive(Debug, Clone)]
pub struct Problem {
    pub title: String,
    pub detail: String,
    pub rule: Option<String>,
}

/// The `id` of a field's control: `sections[0].deposit` → `f-sections-0-deposit`.
pub fn field_id(name: &str) -> String {
    let mut s = String::from("f-");
    let mut dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            s.push(c);
            dash = false;
        } else if !dash {
            s.push('-');
            dash = true;
        }
    }
    while s.ends_with('-') {
        s.pop();
    }
    s
}

impl FormState {
    pub fn new() -> Self {
        Self::default()
    }

    /// Values to show again (never pass a password here).
    pub fn with_values<I, K, V>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.values
            .extend(values.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The form state for an error a use case returned: field errors next to their fields, any
    /// other refusal in the summary with its rule id. Internal errors say only that something
    /// failed (their cause is logged by the caller, never shown).
    pub fn from_error(e: &Error) -> Self {
        let p = e.to_problem();
        let mut s = FormState::new();
        s.errors = p.errors.clone();
        let general = match e {
            Error::Validation(_) => false,
            Error::BadRequest { errors, .. } => errors.is_empty(),
            _ => true,
        };
        if general {
            s.problem = Some(Problem {
                title: p.title,
                detail: p.detail,
                rule: p.rule,
            });
        }
        s
    }

    /// Add one field error (e.g. a page-side check before calling the use case).
    pub fn push(&mut self, field: &str, rule: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, rule, message));
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty() && self.problem.is_none()
    }

    pub fn error(&self, field: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| e.field == field)
    }

    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }

    /// The error summary (renders nothing when there is no error).
    pub fn summary(&self, lang: impl std::borrow::Borrow<Lang>) -> ErrorSummary<'_> {
        ErrorSummary {
            form: self,
            lang: *lang.borrow(),
        }
    }

    /// A text input named `name` with its label, the submitted value and its error, if any.
    pub fn field<'a>(&'a self, name: &'a str, label: &'a str) -> Field<'a> {
        Field {
            id: field_id(name),
            name,
            label,
            hint: None,
            kind: "text",
            value: self.value(name).to_string(),
            error: self.error(name),
            required: false,
            autocomplete: None,
            options: Vec::new(),
            lang: Lang::Zh,
            extra_class: "",
        }
    }
}

/// One labelled form control.
#[derive(Template)]
#[template(path = "form/field.html")]
pub struct Field<'a> {
    pub id: String,
    pub name: &'a str,
    pub label: &'a str,
    pub hint: Option<&'a str>,
    /// `text`, `password`, `number`, `date`, `datetime-local`, `file`, `email`, `textarea`, `select`.
    pub kind: &'a str,
    pub value: String,
    pub error: Option<&'a FieldError>,
    pub required: bool,
    pub autocomplete: Option<&'a str>,
    /// `(value, label)` of a `select`.
    pub options: Vec<(String, String)>,
    pub lang: Lang,
    pub extra_class: &'a str,
}

impl askama::filters::HtmlSafe for Field<'_> {}

impl<'a> Field<'a> {
    pub fn hint(mut self, h: &'a str) -> Self {
        self.hint = Some(h);
        self
    }
    pub fn kind(mut self, k: &'a str) -> Self {
        self.kind = k;
        if k == "password" {
            self.value.clear();
        }
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn autocomplete(mut self, a: &'a str) -> Self {
        self.autocomplete = Some(a);
        self
    }
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.value = v.into();
        self
    }
    pub fn lang(mut self, l: impl std::borrow::Borrow<Lang>) -> Self {
        self.lang = *l.borrow();
        self
    }
    pub fn class(mut self, c: &'a str) -> Self {
        self.extra_class = c;
        self
    }
    /// A `select` with these `(value, label)` options.
    pub fn options<I, V, L>(mut self, opts: I) -> Self
    where
        I: IntoIterator<Item = (V, L)>,
        V: Into<String>,
        L: Into<String>,
    {
        self.kind = "select";
        self.options = opts
            .into_iter()
            .map(|(v, l)| (v.into(), l.into()))
            .collect();
        self
    }
    /// `aria-describedby`: the hint and the error message, when present.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// The list of everything wrong, at the top of the form, each linking to its field.
#[derive(Template)]
#[template(path = "form/summary.html")]
pub struct ErrorSummary<'a> {
    pub form: &'a FormState,
    pub lang: Lang,
}

impl askama::filters::HtmlSafe for ErrorSummary<'_> {}

impl ErrorSummary<'_> {
    fn field_id(&self, name: &str) -> String {
        field_id(name)
    }
}

/// The hidden CSRF field every state-changing form carries (see [`crate::session`]).
#[derive(Template)]
#[template(
    source = r#"<input type="hidden" name="csrf" value="{{ token }}">"#,
    ext = "html"
)]
pub struct CsrfField<'a> {
    pub token: &'a str,
}

impl askama::filters::HtmlSafe for CsrfField<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_ids_are_valid_fragment_names() {
        assert_eq!(field_id("sections[0].deposit"), "f-sections-0-deposit");
        assert_eq!(field_id("username"), "f-username");
    }

    #[test]
    fn a_validation_error_puts_each_message_and_rule_next_to_its_field() {
        let e = Error::Validation(vec![
            FieldError::new("price", "money.max_places", "two decimal places at most"),
            FieldError::new("uscc", "uscc.check_character", "wrong check character"),
        ]);
        let f = FormState::from_error(&e).with_values([("price", "1.234<script>")]);
        assert!(f.problem.is_none());
        let html = f.field("price", "报价").lang(Lang::Zh).to_string();
        assert!(
            html.contains(r#"<label class="label" for="f-price">报价</label>"#),
            "{html}"
        );
        assert!(html.contains("two decimal places at most"));
        assert!(html.contains("money.max_places"));
        assert!(html.contains(r#"aria-describedby="f-price-error""#));
        assert!(html.contains(r#"aria-invalid="true""#));
        // The submitted value is shown again, escaped.
        assert!(html.contains("1.234&#60;script&#62;") || html.contains("1.234&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        let summary = f.summary(Lang::En).to_string();
        assert!(summary.contains(r##"href="#f-price""##), "{summary}");
        assert!(summary.contains(r##"href="#f-uscc""##));
        assert!(summary.contains("There is a problem"));
    }

    #[test]
    fn a_conflict_goes_to_the_summary_with_its_rule() {
        let f = FormState::from_error(&Error::conflict(
            "registration.closed",
            "registration closed at the deadline",
        ));
        let s = f.summary(Lang::Zh).to_string();
        assert!(s.contains("registration closed at the deadline"));
        assert!(s.contains("registration.closed"));
        assert!(FormState::new()
            .summary(Lang::Zh)
            .to_string()
            .trim()
            .is_empty());
    }

    #[test]
    fn a_password_is_never_shown_again() {
        let f = FormState::new().with_values([("password", "hunter2hunter2")]);
        let html = f.field("password", "密码").kind("password").to_string();
        assert!(!html.contains("hunter2"));
    }
}
