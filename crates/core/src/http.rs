//! Request extractors whose rejections answer problem+json (axum's own answer in plain text).
//! Areas use `ggzy_core::http::{Json, Query, Path}` instead of axum's.

use crate::error::{Error, FieldError};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::FromRequest;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub struct Query<T>(pub T);

#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Error))]
pub struct Path<T>(pub T);

/// Split serde_path_to_error's "path: message" text into a field error.
fn field_from_text(text: &str, rule: &str) -> FieldError {
    // axum prefixes "Failed to deserialize ...: "; serde_path_to_error writes "path: message".
    let t = text
        .split_once("target type: ")
        .map(|(_, r)| r)
        .unwrap_or(text);
    let t = t.split_once("query string: ").map(|(_, r)| r).unwrap_or(t);
    match t.split_once(": ") {
        Some((path, msg)) if !path.contains(' ') => FieldError::new(path, rule, msg),
        _ => {
            // "missing field `x`" names the field inside the message.
            let field = t
                .split('`')
                .nth(1)
                .filter(|_| t.contains("missing field"))
                .unwrap_or("");
            FieldError::new(if field.is_empty() { "body" } else { field }, rule, t)
        }
    }
}

impl From<JsonRejection> for Error {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => {
                let text = e.body_text();
                let rule = if text.contains("unknown variant") {
                    "enum.unknown_value"
                } else if text.contains("missing field") {
                    "required"
                } else {
                    "type"
                };
                Error::Validation(vec![field_from_text(&text, rule)])
            }
            JsonRejection::JsonSyntaxError(e) => Error::BadRequest {
                detail: format!("malformed JSON: {}", e.body_text()),
                errors: vec![FieldError::new("body", "json.syntax", e.body_text())],
            },
            JsonRejection::MissingJsonContentType(_) => Error::UnsupportedMediaType(
                "expected a body with Content-Type: application/json".into(),
            ),
            JsonRejection::BytesRejection(e) => {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    Error::PayloadTooLarge("the request body exceeds the size limit".into())
                } else {
                    Error::bad_request(e.body_text())
                }
            }
            other => Error::bad_request(other.body_text()),
        }
    }
}

impl From<QueryRejection> for Error {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        Error::BadRequest {
            detail: format!("bad query string: {text}"),
            errors: vec![field_from_text(&text, "query")],
        }
    }
}

impl From<PathRejection> for Error {
    fn from(r: PathRejection) -> Self {
        let text = r.body_text();
        Error::BadRequest {
            detail: format!("bad path parameter: {text}"),
            errors: vec![FieldError::new("path", "path", text)],
        }
    }
}
