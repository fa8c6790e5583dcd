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
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The request conflicts with the current state (409), e.g. an illegal state transition or a
    /// duplicate. `rule` names what was broken.
    #[error("conflict ({rule}): {detail}")]
    Conflict { rule: String, detail: String },
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
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound(what.into())
    }
    pub fn forbidden(why: impl Into<String>) -> Self {
        Error::Forbidden(why.into())
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
            Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn to_problem(&self) -> Problem {
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
                d.clone(),
                None,
                vec![],
            ),
            Error::NotFound(d) => ("not-found", "Resource not found", d.clone(), None, vec![]),
            Error::Conflict { rule, detail } => (
                "conflict",
                "Conflicts with the current state",
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
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_else(|_| b"{}".to_vec());
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let mut res = problem_response(&self.to_problem());
        if let Error::TooManyRequests {
            retry_after_secs, ..
        } = &self
        {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if let Error::Unavailable(_) = &self {
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
            sqlx::Error::RowNotFound => Error::NotFound("row not found".into()),
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

/// Map a named database constraint to a precise client error.
pub trait ResultExt<T> {
    fn on_constraint(self, name: &str, f: impl FnOnce() -> Error) -> Result<T>;
}

impl<T, E: Into<Error>> ResultExt<T> for std::result::Result<T, E> {
    fn on_constraint(self, name: &str, f: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|e| {
            let e: Error = e.into();
            match &e {
                Error::Conflict { rule, .. } if rule.ends_with(name) || rule.contains(name) => f(),
                _ => e,
            }
        })
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
