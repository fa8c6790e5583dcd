//! Attachments of announcements: uploaded to a draft, stored content-addressed as
//! `announcements/<sha256>` in the file store (local directory or S3, [`ggzy_store::files`]), listed with their SHA-256 and served with it, so a reader can
//! verify the file is the one published.

use crate::service::{self, Attachment, Status};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use ggzy_core::http::{Json, Path, Query};
use ggzy_core::{ids, Error, Result};
use ggzy_identity::http::MaybeActor;
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(upload_attachment))
        .routes(routes!(download_attachment))
}

pub(crate) async fn list(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    announcement_id: &str,
) -> Result<Vec<Attachment>> {
    let rows = crate::store::attachments::list(conn, announcement_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| Attachment {
            id: r.id,
            name: r.name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            created_at: r.created_at,
        })
        .collect())
}

/// Media types a browser may show in the page (passive formats that run no script). Everything
/// else (HTML, SVG, XML, JavaScript, office files, …) is served as a download.
const INLINE_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
];

/// Whether an attachment of this declared type is served `inline`.
pub fn shown_inline(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    INLINE_TYPES.contains(&essence.as_str())
}

/// `Content-Disposition` (RFC 6266) with an ASCII fallback name and the UTF-8 name (RFC 8187).
pub fn content_disposition(inline: bool, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' && c != '%' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// Key of an attachment in the file store ([`ggzy_store::files`]).
fn key(sha256: &str) -> String {
    format!("announcements/{sha256}")
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct UploadParams {
    /// File name shown to readers (no `/` or `\`; `attachment.name`).
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = "^[^/\\\\]*[^/\\\\\\s][^/\\\\]*$"
    )]
    pub name: String,
    /// Hex SHA-256 the client computed; the upload is refused if the content does not match.
    #[param(pattern = "^[0-9a-fA-F]{64}$")]
    pub sha256: Option<String>,
}

/// Attach a file to a draft (owner, staff). Published announcements are immutable.
#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn upload(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    p: &UploadParams,
    content_type: &str,
    body: &[u8],
) -> Result<Attachment> {
    actor.require(&[Role::Tenderer, Role::Agency, Role::Staff])?;
    let name = p.name.trim();
    let mut v = ggzy_core::error::Violations::new();
    if name.is_empty() || name.chars().count() > 200 || name.contains(['/', '\\']) {
        v.push(
            "name",
            "attachment.name",
            "a file name of 1–200 characters without path separators",
        );
    }
    if body.is_empty() {
        v.push("body", "required", "the file is empty");
    }
    let sha = hex::encode(Sha256::digest(body));
    if let Some(want) = &p.sha256 {
        if !want.trim().eq_ignore_ascii_case(&sha) {
            v.push(
                "sha256",
                "attachment.sha256_mismatch",
                format!("the content's SHA-256 is {sha}"),
            );
        }
    }
    v.into_result()?;
    // Refuse before anything is written (checked again under the row lock below).
    let cur = service::get(ctx, Some(actor), id).await?;
    if !service::can_edit(actor, &cur) {
        return Err(Error::not_found(format!("announcement {id}")));
    }
    if cur.status != Status::Draft {
        return Err(Error::conflict(
            "announcement.immutable",
            "files are attached to a draft; published text is immutable",
        ));
    }
    // Content-addressed: the same file twice is one file; written before the row commits, so a
    // row never points to a missing file (an orphan file after a failed commit is harmless).
    // The file store writes atomically (temporary file + rename, or one object PUT).
    if !ctx.files.exists(&key(&sha)).await? {
        ctx.files
            .put_bytes(&key(&sha), Bytes::copy_from_slice(body))
            .await?;
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let a = service::load(&mut tx, &ctx.db, id, true).await?;
    if !service::can_edit(actor, &a) {
        return Err(Error::not_found(format!("announcement {id}")));
    }
    if a.status != Status::Draft {
        return Err(Error::conflict(
            "announcement.immutable",
            "files are attached to a draft; published text is immutable",
        ));
    }
    let att = Attachment {
        id: ids::new_id(),
        name: name.to_string(),
        content_type: content_type.to_string(),
        size: body.len() as i64,
        sha256: sha,
        created_at: now,
    };
    crate::store::attachments::insert(
        &mut tx,
        crate::store::attachments::NewAttachment {
            id: &att.id,
            announcement_id: id,
            name: &att.name,
            content_type: &att.content_type,
            size: att.size,
            sha256: &att.sha256,
            created_at: now,
        },
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::Contract::encode(&ggzy_events::publishing::AttachmentAdded {
            announcement_id: id.to_string(),
            attachment_id: att.id.clone(),
            name: att.name.clone(),
            size: att.size,
            sha256: att.sha256.clone(),
        }),
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &att, now).await?;
    Ok(att)
}

/// Attach a file to a draft announcement (owner, staff): the raw body is the file; `sha256`, when
/// given, must match the content.
#[utoipa::path(post, path = "/api/v1/announcements/{id}/attachments", tag = "publishing",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "announcement id"), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 404), (status = 409, description = "not a draft"),
              (status = 422, description = "empty, bad name or SHA-256 mismatch")))]
async fn upload_attachment(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Query(p): Query<UploadParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Attachment>)> {
    actor.require(&[Role::Tenderer, Role::Agency, Role::Staff])?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream");
    Ok((
        StatusCode::CREATED,
        Json(upload(&ctx, &actor, &id, &p, ct, &body).await?),
    ))
}

/// Download an attachment (public when the announcement is); `Repr-Digest` and `ETag` carry its
/// SHA-256, and the stored file is checked against it before it is served.
#[utoipa::path(get, path = "/api/v1/announcements/{id}/attachments/{attachment_id}", tag = "publishing",
    params(("id" = String, Path, description = "announcement id"),
           ("attachment_id" = String, Path, description = "attachment id")),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404)))]
async fn download_attachment(
    State(ctx): State<Ctx>,
    MaybeActor(actor): MaybeActor,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response> {
    // Public: no role required; visibility follows the announcement's.
    let a = service::get(&ctx, actor.as_ref(), &id).await?;
    let att = a
        .attachments
        .iter()
        .find(|x| x.id == attachment_id)
        .ok_or_else(|| Error::not_found(format!("attachment {attachment_id}")))?;
    let bytes = ctx
        .files
        .get_bytes(&key(&att.sha256))
        .await
        .map_err(|e| Error::internal(format!("attachment {attachment_id} read: {e}")))?;
    let raw = Sha256::digest(&bytes);
    if hex::encode(raw) != att.sha256 {
        return Err(Error::internal(format!(
            "attachment {attachment_id} does not match its SHA-256"
        )));
    }
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    let inline = shown_inline(&att.content_type);
    let ct = if inline {
        HeaderValue::from_str(&att.content_type).ok()
    } else {
        // The uploader chose the type: only a small set of passive formats is ever rendered.
        HeaderValue::from_str(&att.content_type)
            .ok()
            .filter(|_| !att.content_type.to_ascii_lowercase().contains("html"))
    };
    h.insert(
        header::CONTENT_TYPE,
        ct.unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(inline, &att.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if !inline {
        // Even if a browser renders it anyway: no script, no plugin, no same-origin access.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'"),
        );
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", att.sha256)) {
        h.insert(header::ETAG, v);
    }
    let digest = base64::engine::general_purpose::STANDARD.encode(raw);
    if let Ok(v) = HeaderValue::from_str(&format!("sha-256=:{digest}:")) {
        h.insert("repr-digest", v);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::{content_disposition, shown_inline};

    #[test]
    fn only_passive_types_are_inline() {
        assert!(shown_inline("application/pdf"));
        assert!(shown_inline("IMAGE/PNG; charset=binary"));
        for t in [
            "text/html",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/javascript",
            "application/octet-stream",
            "text/plain",
            "",
        ] {
            assert!(!shown_inline(t), "{t}");
        }
    }

    #[test]
    fn names_are_quoted_safely() {
        assert_eq!(
            content_disposition(false, "招标文件 \"v2\".docx"),
            "attachment; filename=\"____ _v2_.docx\"; filename*=UTF-8''%E6%8B%9B%E6%A0%87%E6%96%87%E4%BB%B6%20%22v2%22.docx"
        );
    }
}
