//! The platform's error type and its one mapping to `application/problem+json` (RFC 9457).
//!
//! Every area returns [`Error`] (or its own error converted into it); the HTTP edge turns it into a
//! problem document with `type`, `title`, `status`, `detail` and, for input errors, `errors: [{field, rule}]`
//! naming each broken rule. Internal errors are logged with their cause and answered without it.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One broken rule on one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the offending field, e.g. `sections[0].deposit`.
    pub field: String,
    /// Machine-readable rule id, e.g. `uscc.check_character` or `construction.deadline_min_days`.
    pub rule: String,
    /// Human-readable explanation, including the legal source where a law sets the rule.
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
            message: message.into(),
        }
    }
}

/// The problem document (RFC 9457) every error answers with.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The rule that was broken, for errors that are not about one field (e.g. a state machine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input parsed but broke one or more rules (422).
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    /// Input could not be read at all: malformed JSON, wrong type, bad query string (400).
    #[error("bad request: {detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The caller may not do this (403); the [`Reason`] may name the rule (`Error::forbidden_by`).
    #[error("forbidden: {0}")]
    Forbidden(Reason),
    /// No such resource for this caller (404); the [`Reason`] may name the rule (`Error::not_found_by`).
    #[error("not found: {0}")]
    NotFound(Reason),
    /// The request conflicts with the current state (409), e.g. an illegal state transition or a
    /// duplicate. `rule` names what was broken.
    #[error("conflict ({rule}): {detail}")]
    Conflict { rule: String, detail: String },
    /// 409 with `Retry-After`: the request depends on another area's copy of a fact that has not
    /// caught up with a write made a moment ago (areas react to events asynchronously). Retrying
    /// after the given seconds succeeds once the copy is there — unlike a 422, nothing is wrong
    /// with the input.
    #[error("not caught up yet ({rule}): {detail}")]
    Behind {
        rule: String,
        detail: String,
        retry_after_secs: u64,
    },
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("too many requests: {detail}")]
    TooManyRequests {
        detail: String,
        retry_after_secs: u64,
    },
    /// A dependency (the database) is unavailable; the client may retry (503).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
    /// An error answered with extension members (RFC 9457 §3.2) next to the standard ones, e.g. the
    /// outbid conflict's `current_price`. Built with [`Error::with_member`]; status, rule and
    /// headers are the inner error's.
    #[error("{0}")]
    Extended(Box<Extended>),
}

/// The detail of a [`Error::Forbidden`] or [`Error::NotFound`], with the rule id when one applies.
/// Reads as the detail text (`Deref<Target = str>`, `Display`), so code matching
/// `Error::Forbidden(m) if m.contains(..)` keeps working.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reason {
    pub detail: String,
    pub rule: Option<String>,
}

impl Reason {
    pub fn new(detail: impl Into<String>) -> Self {
        Reason {
            detail: detail.into(),
            rule: None,
        }
    }
    pub fn with_rule(rule: impl Into<String>, detail: impl Into<String>) -> Self {
        Reason {
            detail: detail.into(),
            rule: Some(rule.into()),
        }
    }
}

impl std::ops::Deref for Reason {
    type Target = str;
    fn deref(&self) -> &str {
        &self.detail
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl From<String> for Reason {
    fn from(detail: String) -> Self {
        Reason::new(detail)
    }
}

impl From<&str> for Reason {
    fn from(detail: &str) -> Self {
        Reason::new(detail)
    }
}

/// An error with problem+json extension members (see [`Error::Extended`]).
#[derive(Debug)]
pub struct Extended {
    pub error: Error,
    pub members: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Display for Extended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

/// Members a problem document always has; an extension member never replaces them.
const STANDARD_MEMBERS: [&str; 7] = [
    "type", "title", "status", "detail", "instance", "rule", "errors",
];

/// The message a deserializer gives for a broken rule: the text, then `(rule <id>)`, which the JSON
/// extractor (`crate::http::Json`) reads back as the field error's rule.
pub fn tag_rule(e: &FieldError) -> String {
    format!("{} (rule {})", e.message, e.rule)
}

/// Split a message made by [`tag_rule`] into (message, rule); text after the tag (serde_json's
/// ` at line 1 column 9`) is dropped.
pub fn untag_rule(msg: &str) -> Option<(&str, &str)> {
    let (text, rest) = msg.rsplit_once(" (rule ")?;
    let (rule, _) = rest.split_once(')')?;
    let valid = !rule.is_empty()
        && rule
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    valid.then_some((text, rule))
}

impl Error {
    pub fn field(
        field: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Validation(vec![FieldError::new(field, rule, message)])
    }
    pub fn conflict(rule: impl Into<String>, detail: impl Into<String>) -> Self {
        Error::Conflict {
            rule: rule.into(),
            detail: detail.into(),
        }
    }
    /// 409 + `Retry-After`: another area's projection has not caught up yet (see [`Error::Behind`]).
    pub fn behind(rule: impl Into<String>, detail: impl Into<String>) -> Self {
        Error::Behind {
            rule: rule.into(),
            detail: detail.into(),
            retry_after_secs: 1,
        }
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound(Reason::new(what))
    }
    /// 404 naming the rule that hides or lacks the resource (problem member `rule`).
    pub fn not_found_by(rule: impl Into<String>, what: impl Into<String>) -> Self {
        Error::NotFound(Reason::with_rule(rule, what))
    }
    pub fn forbidden(why: impl Into<String>) -> Self {
        Error::Forbidden(Reason::new(why))
    }
    /// 403 naming the rule that refuses the caller (problem member `rule`).
    pub fn forbidden_by(rule: impl Into<String>, why: impl Into<String>) -> Self {
        Error::Forbidden(Reason::with_rule(rule, why))
    }
    /// This error answered with one more problem+json extension member (RFC 9457 §3.2), e.g.
    /// `current_price` on an outbid conflict. A standard member's name (`type`, `status`, …) is
    /// ignored: extensions never change what the standard members say.
    pub fn with_member(self, name: impl Into<String>, value: impl Serialize) -> Self {
        let name = name.into();
        let value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
        let mut ext = match self {
            Error::Extended(x) => x,
            error => Box::new(Extended {
                error,
                members: serde_json::Map::new(),
            }),
        };
        if !STANDARD_MEMBERS.contains(&name.as_str()) {
            ext.members.insert(name, value);
        }
        Error::Extended(ext)
    }
    /// The extension members this error carries (empty for most errors).
    pub fn members(&self) -> Option<&serde_json::Map<String, serde_json::Value>> {
        match self {
            Error::Extended(x) => Some(&x.members),
            _ => None,
        }
    }
    /// The error without its extension members.
    pub fn inner(&self) -> &Error {
        match self {
            Error::Extended(x) => x.error.inner(),
            e => e,
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Error::BadRequest {
            detail: detail.into(),
            errors: vec![],
        }
    }
    pub fn internal(msg: impl Into<String>) -> Self {
        Error::Internal(anyhow::anyhow!(msg.into()))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict { .. } | Error::Behind { .. } => StatusCode::CONFLICT,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Error::Extended(x) => x.error.status(),
        }
    }

    pub fn to_problem(&self) -> Problem {
        if let Error::Extended(x) = self {
            return x.error.to_problem();
        }
        let status = self.status();
        let (slug, title, detail, rule, errors) = match self {
            Error::Validation(errs) => (
                "validation",
                "Request breaks one or more rules",
                errs.iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                None,
                errs.clone(),
            ),
            Error::BadRequest { detail, errors } => (
                "bad-request",
                "Malformed request",
                detail.clone(),
                None,
                errors.clone(),
            ),
            Error::Unauthorized(d) => (
                "unauthorized",
                "Authentication required",
                d.clone(),
                None,
                vec![],
            ),
            Error::Forbidden(d) => (
                "forbidden",
                "Not allowed for this caller",
                d.detail.clone(),
                d.rule.clone(),
                vec![],
            ),
            Error::NotFound(d) => (
                "not-found",
                "Resource not found",
                d.detail.clone(),
                d.rule.clone(),
                vec![],
            ),
            Error::Conflict { rule, detail } => (
                "conflict",
                "Conflicts with the current state",
                detail.clone(),
                Some(rule.clone()),
                vec![],
            ),
            Error::Behind { rule, detail, .. } => (
                "not-caught-up",
                "Not caught up yet: retry shortly",
                detail.clone(),
                Some(rule.clone()),
                vec![],
            ),
            Error::PayloadTooLarge(d) => (
                "payload-too-large",
                "Request body too large",
                d.clone(),
                None,
                vec![],
            ),
            Error::UnsupportedMediaType(d) => (
                "unsupported-media-type",
                "Unsupported media type",
                d.clone(),
                None,
                vec![],
            ),
            Error::TooManyRequests { detail, .. } => (
                "too-many-requests",
                "Too many requests",
                detail.clone(),
                None,
                vec![],
            ),
            Error::Unavailable(d) => (
                "unavailable",
                "Service temporarily unavailable",
                d.clone(),
                None,
                vec![],
            ),
            Error::Internal(_) => (
                "internal",
                "Internal server error",
                "an internal error occurred; it has been logged".to_string(),
                None,
                vec![],
            ),
            Error::Extended(_) => unreachable!("answered above"),
        };
        Problem {
            kind: format!("https://ggzy.dev/problems/{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            rule,
            errors,
        }
    }
}

/// Builds a problem+json response; used by the error type and by the server's fallback handlers.
pub fn problem_response(problem: &Problem) -> Response {
    problem_response_with(problem, None)
}

/// A problem+json response with extension members next to the standard ones (which they never
/// replace).
pub fn problem_response_with(
    problem: &Problem,
    members: Option<&serde_json::Map<String, serde_json::Value>>,
) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match (serde_json::to_value(problem), members) {
        (Ok(serde_json::Value::Object(mut doc)), Some(m)) => {
            for (k, v) in m {
                doc.entry(k.clone()).or_insert_with(|| v.clone());
            }
            serde_json::to_vec(&doc)
        }
        _ => serde_json::to_vec(problem),
    }
    .unwrap_or_else(|_| b"{}".to_vec());
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let members = self.members();
        let inner = self.inner();
        if let Error::Internal(e) = inner {
            tracing::error!(error = ?e, "internal error");
        }
        let mut res = problem_response_with(&self.to_problem(), members);
        if let Error::TooManyRequests {
            retry_after_secs, ..
        }
        | Error::Behind {
            retry_after_secs, ..
        } = inner
        {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if let Error::Unavailable(_) = inner {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        res
    }
}

/// Database errors: constraint violations are the caller's conflict (409), lost connections and
/// exhausted pools are 503 (retry), everything else is internal.
impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Error::not_found("row not found"),
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => Error::Unavailable(format!("database unavailable: {e}")),
            sqlx::Error::Database(db) => {
                let msg = db.message().to_string();
                if db.is_unique_violation() {
                    let c = db
                        .constraint()
                        .map(str::to_string)
                        .unwrap_or_else(|| unique_target(&msg));
                    Error::Conflict {
                        rule: format!("unique.{c}"),
                        detail: "a record with the same key already exists".into(),
                    }
                } else if db.is_foreign_key_violation() {
                    Error::Conflict {
                        rule: format!("foreign_key.{}", db.constraint().unwrap_or("reference")),
                        detail: "refers to a record that does not exist".into(),
                    }
                } else if db.is_check_violation() {
                    Error::Conflict {
                        rule: format!("check.{}", db.constraint().unwrap_or("constraint")),
                        detail: "breaks a database rule".into(),
                    }
                } else if is_unavailable_message(&msg, db.code().as_deref()) {
                    Error::Unavailable(format!("database busy or read-only: {msg}"))
                } else {
                    Error::Internal(anyhow::Error::new(e))
                }
            }
            _ => {
                let msg = e.to_string();
                if is_unavailable_message(&msg, None) {
                    Error::Unavailable(format!("database unavailable: {msg}"))
                } else {
                    Error::Internal(anyhow::Error::new(e))
                }
            }
        }
    }
}

/// SQLite names no constraint: its message reads `UNIQUE constraint failed: table.column`.
fn unique_target(msg: &str) -> String {
    msg.rsplit(": ").next().unwrap_or("key").replace(", ", "+")
}

fn is_unavailable_message(msg: &str, code: Option<&str>) -> bool {
    // PostgreSQL class 57 (operator intervention: admin shutdown, cannot connect now), class 08
    // (connection exception), 53 (insufficient resources); SQLite busy / read-only / disk full.
    if let Some(c) = code {
        if c.starts_with("57") || c.starts_with("08") || c.starts_with("53") {
            return true;
        }
    }
    let m = msg.to_ascii_lowercase();
    m.contains("database is locked")
        || m.contains("readonly database")
        || m.contains("read-only")
        || m.contains("disk is full")
        || m.contains("disk i/o error")
        || m.contains("connection refused")
        || m.contains("terminating connection")
        || m.contains("connection closed")
}

/// Map a database constraint violation to a precise client error.
///
/// `name` is matched exactly, never as a substring: either a whole class of violation
/// (`"unique"`, `"foreign_key"`, `"check"`) or one constraint's reported name (the rule's part
/// after `unique.` / `foreign_key.` / `check.`). A unique constraint is matched on both engines with
/// `ggzy_store::unique::UniqueKey` (SQLite reports columns, PostgreSQL the name).
pub trait ResultExt<T> {
    fn on_constraint(self, name: &str, f: impl FnOnce() -> Error) -> Result<T>;
}

impl<T, E: Into<Error>> ResultExt<T> for std::result::Result<T, E> {
    fn on_constraint(self, name: &str, f: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|e| {
            let e: Error = e.into();
            match e.inner() {
                Error::Conflict { rule, .. } if constraint_matches(rule, name) => f(),
                _ => e,
            }
        })
    }
}

/// Does a database conflict's rule (`unique.x`, `foreign_key.x`, `check.x`) name exactly `name`?
fn constraint_matches(rule: &str, name: &str) -> bool {
    match rule.split_once('.') {
        Some((class @ ("unique" | "foreign_key" | "check"), target)) => {
            name == class || name == target
        }
        _ => false,
    }
}

/// Collects field errors while checking a whole input, so that a refusal names every broken rule.
#[derive(Debug, Default)]
pub struct Violations(pub Vec<FieldError>);

impl Violations {
    pub fn new() -> Self {
        Self(Vec::new())
    }
    pub fn push(
        &mut self,
        field: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.0.push(FieldError::new(field, rule, message));
    }
    /// Keep the parsed value or record the parse error under `field`.
    pub fn take<T>(&mut self, field: &str, r: std::result::Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(mut e) => {
                e.field = field.to_string();
                self.0.push(e);
                None
            }
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_and_not_found_may_name_their_rule() {
        let p = Error::forbidden_by("evaluation.room_network", "outside").to_problem();
        assert_eq!(
            (p.status, p.rule.as_deref()),
            (403, Some("evaluation.room_network"))
        );
        let p = Error::not_found_by("bid.not_yours", "no such bid").to_problem();
        assert_eq!((p.status, p.rule.as_deref()), (404, Some("bid.not_yours")));
        // The old constructors and patterns keep working.
        let e = Error::forbidden("staff only");
        assert!(matches!(e, Error::Forbidden(ref m) if m.contains("staff") && m.rule.is_none()));
        assert_eq!(Error::not_found("x").to_problem().rule, None);
    }

    #[tokio::test]
    async fn extension_members_sit_next_to_the_standard_ones() {
        let e = Error::conflict("auctions.outbid", "late")
            .with_member("current_price", "1.00")
            .with_member("status", 200); // never replaces a standard member
        assert_eq!(e.status(), StatusCode::CONFLICT);
        assert!(matches!(e.inner(), Error::Conflict { .. }));
        let res = e.into_response();
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["current_price"], "1.00");
        assert_eq!(v["status"], 409);
        assert_eq!(v["rule"], "auctions.outbid");
        let retry = Error::TooManyRequests {
            detail: "wait".into(),
            retry_after_secs: 7,
        }
        .with_member("x", 1)
        .into_response();
        assert_eq!(retry.headers()[header::RETRY_AFTER], "7");
    }

    #[test]
    fn a_constraint_is_matched_exactly_never_by_substring() {
        let c = |r: &str| -> Result<()> { Err(Error::conflict(r, "dup")) };
        let hit = |r: &str, name: &str| {
            matches!(c(r).on_constraint(name, || Error::conflict("mapped", "")),
                Err(Error::Conflict { ref rule, .. }) if rule == "mapped")
        };
        assert!(hit("unique.users_username_key", "users_username_key"));
        assert!(hit("foreign_key.reference", "foreign_key"));
        assert!(!hit("unique.users_username_key", "username"));
        assert!(!hit("unique.organizations.uscc", "uscc"));
        assert!(!hit("auctions.outbid", "auctions"));
    }

    #[test]
    fn tagged_rules_are_read_back() {
        let m = tag_rule(&FieldError::new(
            "",
            "money.max_two_decimals",
            "too many places",
        ));
        assert_eq!(
            untag_rule(&format!("{m} at line 1 column 9")),
            Some(("too many places", "money.max_two_decimals"))
        );
        assert_eq!(untag_rule("plain message"), None);
        assert_eq!(untag_rule("x (rule has space)"), None);
    }
}
