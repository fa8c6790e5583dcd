//! Request extractors whose rejections answer problem+json (axum's own answer in plain text).
//! Areas use `ggzy_core::http::{Json, Query, Path}` instead of axum's.

use crate::error::{Error, FieldError};
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A JSON body. Unlike `axum::Json`, a body whose top level is an array is refused when the target
/// type is a struct or map: serde's derived `Deserialize` accepts a struct written as a sequence of
/// its fields (`[false, null, {}]`), which no client means and which skips every field name.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !json_content_type(req.headers()) {
            return Err(Error::UnsupportedMediaType(
                "expected a body with Content-Type: application/json".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge("the request body exceeds the size limit".into())
            } else {
                Error::bad_request(e.body_text())
            }
        })?;
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if first == Some(b'[') && expects_object::<T>() {
            return Err(Error::Validation(vec![FieldError::new(
                "body",
                "json.object_required",
                "the body must be a JSON object, not an array",
            )]));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(v)) => Ok(Json(v)),
            // JSON has one number type: `2.0` is the integer 2 (JSON Schema says so too), but
            // serde refuses it for an integer field. Read such a body again with every integral
            // number written as an integer; any other error stands as it was.
            Err(JsonRejection::JsonDataError(e))
                if e.body_text().contains("invalid type: floating point") =>
            {
                let integral = serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .map(integral_numbers_as_integers)
                    .and_then(|v| serde_json::to_vec(&v).ok());
                match integral {
                    Some(b) => Ok(Json(axum::Json::<T>::from_bytes(&b)?.0)),
                    None => Err(JsonRejection::JsonDataError(e).into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Read a JSON body already held as bytes (e.g. a signed callback whose signature covers the raw
/// bytes) with the same refusals as [`Json`]: 422 naming the field's path and the rule (a
/// deserializer's tagged rule such as `money.max_two_decimals`, else `type` / `required` / …).
pub fn from_json_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    axum::Json::<T>::from_bytes(bytes)
        .map(|axum::Json(v)| v)
        .map_err(Error::from)
}

/// Every number with no fractional part (within ±2^53, where a double is exact) as an integer.
fn integral_numbers_as_integers(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => {
                Value::Number((f as i64).into())
            }
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(integral_numbers_as_integers).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (k, integral_numbers_as_integers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// `application/json` or any `application/*+json`, as axum accepts.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Whether `T`'s `Deserialize` asks for a struct or a map at the top level (found by letting it
/// ask a probe that answers nothing).
pub fn expects_object<T: DeserializeOwned>() -> bool {
    let mut asked = false;
    let _ = T::deserialize(Probe { asked: &mut asked });
    asked
}

struct Probe<'a> {
    asked: &'a mut bool,
}

#[derive(Debug)]
struct ProbeDone;

impl std::fmt::Display for ProbeDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("probe")
    }
}
impl std::error::Error for ProbeDone {}
impl serde::de::Error for ProbeDone {
    fn custom<M: std::fmt::Display>(_msg: M) -> Self {
        ProbeDone
    }
}

impl<'de> serde::Deserializer<'de> for Probe<'_> {
    type Error = ProbeDone;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _v: V) -> Result<V::Value, ProbeDone> {
        Err(ProbeDone)
    }
    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        _v: V,
    ) -> Result<V::Value, ProbeDone> {
        *self.asked = true;
        Err(ProbeDone)
    }
    fn deserialize_map<V: serde::de::Visitor<'de>>(self, _v: V) -> Result<V::Value, ProbeDone> {
        *self.asked = true;
        Err(ProbeDone)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct enum identifier ignored_any
    }
}

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

/// The Content-Security-Policy of every answer that does not set its own: no script at all, no
/// plugins, no framing, resources only from this origin. Inline `<style>` blocks are allowed
/// (server-rendered pages use them; with `img-src`/`font-src`/`connect-src` limited to this origin
/// injected CSS has no channel out).
pub const DEFAULT_CSP: &str =
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// [`DEFAULT_CSP`] plus the inline scripts carrying `nonce` (a page with its own script, e.g. the
/// monitoring dashboard; the nonce is fresh per answer).
pub fn csp_with_script_nonce(nonce: &str) -> String {
    format!("{DEFAULT_CSP}; script-src 'nonce-{nonce}'")
}

/// A fresh CSP nonce (128 random bits, hex).
pub fn new_nonce() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

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
                let mut fe = field_from_text(&text, rule);
                // A deserializer that checks a rule (e.g. `Money`: `money.max_two_decimals`)
                // names it in its message (`crate::error::tag_rule`).
                if let Some((msg, rule)) = crate::error::untag_rule(&fe.message) {
                    let (msg, rule) = (msg.to_string(), rule.to_string());
                    fe.message = msg;
                    fe.rule = rule;
                }
                Error::Validation(vec![fe])
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

#[cfg(test)]
mod tests {
    use super::expects_object;
    use std::collections::BTreeMap;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Rule {
        enabled: Option<bool>,
    }

    #[test]
    fn integral_numbers_become_integers_and_fractions_stay() {
        let v = serde_json::json!({"a": 2.0, "b": [3.0, 2.5, -7.0], "c": "4.0", "d": 1e300});
        let out = super::integral_numbers_as_integers(v);
        assert_eq!(out["a"], serde_json::json!(2));
        assert!(out["a"].is_i64());
        assert_eq!(out["b"], serde_json::json!([3, 2.5, -7]));
        assert_eq!(out["c"], "4.0");
        assert!(out["d"].is_f64(), "too large to be exact stays a float");
    }

    #[test]
    fn structs_and_maps_expect_objects_others_do_not() {
        assert!(expects_object::<Rule>());
        assert!(expects_object::<BTreeMap<String, i64>>());
        assert!(!expects_object::<Vec<Rule>>());
        assert!(!expects_object::<serde_json::Value>());
        assert!(!expects_object::<String>());
    }
}
