//! The attachments of a case's grounds as stored documents: a party uploads a PDF or an image
//! (`POST /api/v1/sections/{id}/remedies/attachments`, at most [`MAX_BYTES`]); the server
//! recognises the type from the content, stores the bytes through the file store and records their
//! SHA-256; raising (or escalating) a case names the attachment ids, which must be the raiser's own,
//! of the same section and not claimed by another case (422 `remedy.attachment_unknown`). The case
//! lists them with their digests; the bytes are read by the parties to the case (its raiser, the
//! project's tenderer or agency), staff, supervisors and admin.

use crate::service::{load_section_public, party_of};
use crate::store::attachments::{self as store, AttachmentRow};
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use ggzy_core::error::{Error, Violations};
use ggzy_core::ids;
use ggzy_core::{Result, Timestamp};
use ggzy_events::remedies::AttachmentUploaded;
use ggzy_events::Contract as _;
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx, Tx};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The size cap of one attachment (10 MiB).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// A stored attachment as a case shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[schema(as = RemedyAttachment)]
pub struct Attachment {
    pub id: String,
    pub file_name: String,
    /// `application/pdf`, `image/png` or `image/jpeg`, recognised from the content.
    pub content_type: String,
    pub size: i64,
    /// SHA-256 of the stored bytes, lowercase hex, computed by the server.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

impl From<AttachmentRow> for Attachment {
    fn from(r: AttachmentRow) -> Attachment {
        Attachment {
            id: r.id,
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            uploaded_at: r.uploaded_at,
        }
    }
}

/// The type of an attachment from its first bytes: PDF, PNG or JPEG; anything else is refused.
pub fn sniff(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// The file name shown: trimmed, at most 200 characters, no path separators or control characters.
pub fn check_name(v: &mut Violations, name: Option<&str>) -> String {
    let n = name.unwrap_or("").trim();
    if n.is_empty()
        || n.chars().count() > 200
        || n.chars().any(|c| c == '/' || c == '\\' || c.is_control())
    {
        v.push(
            "name",
            "remedy.attachment_name",
            "a file name of 1 to 200 characters without path separators is required",
        );
    }
    n.to_string()
}

fn storage_key(section_id: &str, id: &str) -> String {
    format!("remedies/{section_id}/{id}")
}

/// A party stores an attachment for a case it is about to raise about `section_id`.
pub async fn upload(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    name: Option<&str>,
    data: Bytes,
) -> Result<Attachment> {
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("a bidder acts for its organization"))?;
    {
        let mut conn = ctx.db.pool().acquire().await?;
        let public = load_section_public(&mut conn, section_id).await?;
        if !public && !party_of(&mut conn, section_id, &org).await? {
            return Err(Error::forbidden(
                "only a bidder or supplier that obtained the documents of this section may attach files to a case about it",
            ));
        }
    }
    let mut v = Violations::new();
    let file_name = check_name(&mut v, name);
    let content_type = if data.is_empty() {
        v.push("file", "remedy.attachment_empty", "the file is empty");
        ""
    } else if data.len() > MAX_BYTES {
        v.push(
            "file",
            "remedy.attachment_too_large",
            format!("an attachment is at most {} MiB", MAX_BYTES / 1024 / 1024),
        );
        ""
    } else {
        sniff(&data).unwrap_or_else(|| {
            v.push(
                "file",
                "remedy.attachment_type",
                "an attachment is a PDF, PNG or JPEG file",
            );
            ""
        })
    };
    v.into_result()?;
    let id = ids::new_id();
    let sha = hex::encode(Sha256::digest(&data));
    let size = i64::try_from(data.len()).map_err(|_| Error::internal("attachment size"))?;
    let key = storage_key(section_id, &id);
    ctx.files.put_bytes(&key, data).await?;
    let now = ctx.clock.now();
    let stored = record(
        ctx,
        actor,
        (&org, section_id),
        StoredFile {
            id: &id,
            file_name: &file_name,
            content_type,
            size,
            sha: &sha,
            key: &key,
        },
        now,
    )
    .await;
    if stored.is_err() {
        // Nothing refers to the bytes: remove them (best effort; the error is the answer).
        let _ = ctx.files.delete(&key).await;
    }
    stored
}

/// A stored upload: its id, what the uploader called it, its type, size, SHA-256 and storage key.
struct StoredFile<'a> {
    id: &'a str,
    file_name: &'a str,
    content_type: &'a str,
    size: i64,
    sha: &'a str,
    key: &'a str,
}

async fn record(
    ctx: &Ctx,
    actor: &Actor,
    (org, section_id): (&str, &str),
    file: StoredFile<'_>,
    now: Timestamp,
) -> Result<Attachment> {
    let StoredFile {
        id,
        file_name,
        content_type,
        size,
        sha,
        key,
    } = file;
    let mut tx = ctx.db.begin().await?;
    store::insert_attachment(
        &mut tx,
        store::AttachmentInsert {
            id,
            section_id,
            org_id: org,
            uploaded_by: &actor.user_id,
            file_name,
            content_type,
            size,
            sha256: sha,
            storage_key: key,
            uploaded_at: now,
        },
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        AttachmentUploaded {
            attachment_id: id.into(),
            section_id: section_id.into(),
            content_type: content_type.into(),
            size,
            sha256: sha.into(),
        }
        .encode(),
    )
    .await?;
    let out = Attachment {
        id: id.to_string(),
        file_name: file_name.to_string(),
        content_type: content_type.to_string(),
        size,
        sha256: sha.to_string(),
        uploaded_at: now,
    };
    ctx.db.commit_answering(tx, 201, &out, now).await?;
    Ok(out)
}

/// Inside the raising transaction: every id in `ids` must be an attachment `org` uploaded for
/// `section_id` that no case claimed yet; they become `case_id`'s. Else 422
/// `remedy.attachment_unknown` on `attachments[i]` (the transaction is then dropped: nothing is
/// raised).
pub async fn claim(
    tx: &mut Tx,
    for_update: &str,
    ids: &[String],
    org: &str,
    section_id: &str,
    case_id: &str,
) -> Result<()> {
    let mut v = Violations::new();
    for (i, id) in ids.iter().enumerate() {
        let row = store::claim_row(tx, for_update, id).await?;
        let ok = match row {
            Some(r) => r.org_id == org && r.section_id == section_id && r.case_id.is_none(),
            None => false,
        };
        if !ok || ids[..i].contains(id) {
            v.push(
                format!("attachments[{i}]"),
                "remedy.attachment_unknown",
                "not an attachment your organization uploaded for this section and has not attached yet",
            );
        }
    }
    v.into_result()?;
    for id in ids {
        store::set_case(tx, id, case_id).await?;
    }
    Ok(())
}

/// The attachments of a case, in upload order.
pub async fn of_case(conn: &mut sqlx::AnyConnection, case_id: &str) -> Result<Vec<Attachment>> {
    let rows = store::attachments_of_case(conn, case_id).await?;
    Ok(rows.into_iter().map(Attachment::from).collect())
}

/// The attachments among `ids` that `org_id` uploaded for `section_id` and no case has claimed
/// yet (the pages carry them from one submission of a case form to the next), in upload order.
pub async fn unclaimed(
    ctx: &Ctx,
    org_id: &str,
    section_id: &str,
    ids: &[String],
) -> Result<Vec<Attachment>> {
    let mut out = Vec::new();
    let mut conn = ctx.db.pool().acquire().await?;
    for id in ids {
        let r = store::unclaimed_attachment(&mut conn, id, org_id, section_id).await?;
        if let Some(r) = r {
            out.push(Attachment::from(r));
        }
    }
    Ok(out)
}

/// The bytes of an attachment of a case: its raiser, the project's tenderer or agency, staff,
/// supervisors and admin; another bidder 403. `(attachment, bytes)`.
pub async fn download(
    ctx: &Ctx,
    actor: &Actor,
    case_id: &str,
    attachment_id: &str,
) -> Result<(Attachment, Bytes)> {
    let mut conn = ctx.db.pool().acquire().await?;
    crate::service::require_case_party(&mut conn, actor, case_id).await?;
    let key = store::storage_key(&mut conn, attachment_id, case_id).await?;
    let key = key.ok_or_else(|| Error::not_found(format!("attachment {attachment_id}")))?;
    let att = of_case(&mut conn, case_id)
        .await?
        .into_iter()
        .find(|a| a.id == attachment_id)
        .ok_or_else(|| Error::not_found(format!("attachment {attachment_id}")))?;
    drop(conn);
    let data = ctx.files.get_bytes(&key).await?;
    Ok((att, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert_eq!(sniff(b"<html>"), None);
    }

    #[test]
    fn names_without_paths() {
        let mut v = Violations::new();
        assert_eq!(check_name(&mut v, Some(" 证据.pdf ")), "证据.pdf");
        assert!(v.into_result().is_ok());
        for bad in [
            None,
            Some(""),
            Some("../x.pdf"),
            Some("a\\b.pdf"),
            Some("a\nb"),
        ] {
            let mut v = Violations::new();
            check_name(&mut v, bad);
            assert!(v.into_result().is_err(), "{bad:?}");
        }
    }
}
