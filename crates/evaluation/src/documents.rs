//! The opened bids' documents for the committee (issue 18): the section's decrypted bids with their
//! documents (name, media type, size, SHA-256) and the download of one document.
//!
//! The evaluation area reads no other area's tables: it learns the documents from
//! `projects.bid.decrypted` (emitted at the opening, after the bid deadline, with the file-store key
//! of the decrypted copy and each document's byte range, size and SHA-256) into `eval_bid_documents`,
//! and reads the bytes from the file store. Every read checks the bytes against the SHA-256 recorded
//! at decryption before anything is served: a mismatch (or a missing copy) is a platform fault, never
//! served, answered 500 with the rule `evaluation.document_integrity` and recorded as
//! `evaluation.document.integrity_failed`. Every download is recorded as `evaluation.document.read`
//! (who read which document) in the audit chain.
//!
//! Who reads: the committee's active members (not replaced) from the session's start — during the
//! session and after it, never before (409 `evaluation.outside_session`) — and from the room's
//! terminal networks (the routes' gate, 403 `evaluation.room_network`); centre staff, supervisors and
//! admins, who read the evaluation anyway ([`service::require_reader`]). Everyone else: 403.

use crate::service::{self, Sec};
use crate::store::bids;
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{Error, Result};
use ggzy_events::evaluation::{DocumentIntegrityFailed, DocumentRead};
use ggzy_events::projects::BidDecrypted;
use ggzy_events::Contract as _;
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx, Tx};
use serde::Serialize;
use utoipa::ToSchema;

/// Keep the documents of a decrypted bid (`projects.bid.decrypted` with `documents`); a bid that
/// was not decrypted carries none. Idempotent.
pub(crate) async fn project(tx: &mut Tx, b: &BidDecrypted, now: i64) -> Result<()> {
    if b.decryption != "decrypted" {
        return Ok(());
    }
    let Some(key) = b.plaintext_key.as_deref() else {
        return Ok(());
    };
    let (bid_id, sid, org) = (b.bid_id.as_str(), b.section_id.as_str(), b.org_id.as_str());
    let bid = bids::DecryptedBid {
        bid_id,
        section_id: sid,
        org_id: org,
        file_key: key,
    };
    for d in &b.documents {
        bids::insert_document(tx, &bid, d, now).await?;
    }
    Ok(())
}

/// One document of an opened bid.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidDocument {
    /// 1-based position in the bid's manifest; the last path segment of the download.
    pub n: i64,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    /// Hex SHA-256 of the document's bytes, computed at decryption and checked on every read.
    pub sha256: String,
    /// The API download route.
    pub href: String,
}

/// An opened (decrypted) bid of the opening record with its documents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidDocuments {
    pub bid_id: String,
    pub org_id: String,
    pub org_name: String,
    /// The price of the opening record.
    pub price: Option<String>,
    pub documents: Vec<BidDocument>,
}

/// The opened bids of the opening record (none before it) with their documents.
pub(crate) async fn of_section(tx: &mut Tx, sec: &Sec) -> Result<Vec<BidDocuments>> {
    let mut out = vec![];
    for e in sec.entries.iter().flatten() {
        if e.decryption != "decrypted" {
            continue;
        }
        let bid_id = e.bid_id.clone();
        let rows = bids::documents_of_bid(tx, &sec.section_id, &bid_id).await?;
        let documents = rows
            .into_iter()
            .map(|r| BidDocument {
                n: r.n,
                name: r.name,
                media_type: r.media_type,
                size: r.size,
                sha256: r.sha256,
                href: format!(
                    "/api/v1/sections/{}/evaluation/bids/{bid_id}/documents/{}",
                    sec.section_id, r.n
                ),
            })
            .collect::<Vec<_>>();
        out.push(BidDocuments {
            org_id: e.org_id.clone(),
            org_name: e.org_name.clone(),
            price: e.price.as_ref().map(|p| p.to_string()),
            bid_id,
            documents,
        });
    }
    Ok(out)
}

/// A member reads the documents from the session's start on (during the session and after it);
/// without a scheduled session there is no time box, as for the rest of the evaluation.
fn session_started(sec: &Sec, now: ggzy_core::Timestamp) -> Result<()> {
    if let Some((start, end)) = sec.session {
        let (start, end) = (from_micros(start), from_micros(end));
        if now < start {
            return Err(Error::conflict(
                "evaluation.outside_session",
                format!(
                    "the committee reads the bids from the start of its session, {} to {}",
                    start.to_rfc3339(),
                    end.to_rfc3339()
                ),
            ));
        }
    }
    Ok(())
}

/// The caller may read this section's bid documents: staff, supervisors and admins; an active
/// member from the session's start. Returns the section and the member's expert id.
async fn reader(
    tx: &mut Tx,
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
) -> Result<(Sec, Option<String>)> {
    actor.require(&[Role::Expert, Role::Staff, Role::Supervisor, Role::Admin])?;
    service::require_reader(tx, actor, section_id).await?;
    let sec = service::load_sec(tx, &ctx.db, section_id, false).await?;
    let expert = if actor.role == Role::Expert {
        session_started(&sec, ctx.clock.now())?;
        Some(
            service::require_member(tx, actor, section_id)
                .await?
                .expert_id,
        )
    } else {
        None
    };
    Ok((sec, expert))
}

/// The section's opened bids with their documents (`GET …/evaluation/bids`).
pub async fn list(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Vec<BidDocuments>> {
    let mut tx = ctx.db.begin().await?;
    let (sec, _) = reader(&mut tx, ctx, actor, section_id).await?;
    let out = of_section(&mut tx, &sec).await?;
    tx.rollback().await?;
    Ok(out)
}

/// A document ready to serve: its bytes (an unlinked private temporary file, checked against the
/// recorded SHA-256) and what the answer's headers say.
pub struct Download {
    pub name: String,
    pub media_type: String,
    pub sha256: String,
    pub size: u64,
    pub file: tokio::fs::File,
}

/// The stored copy does not match the SHA-256 recorded at decryption (or is gone): a platform
/// fault. Nothing is served.
#[derive(Debug, Clone)]
pub struct IntegrityFault {
    pub detail: String,
}

/// The bytes of `size` at `offset` of `src` copied to a private temporary file while hashed; the
/// file is returned open for reading and already unlinked, with the hex SHA-256 of what was read.
fn copy_range(
    src: &std::path::Path,
    offset: u64,
    size: u64,
) -> std::io::Result<(std::fs::File, String, u64)> {
    use sha2::Digest;
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut f = std::fs::File::open(src)?;
    f.seek(SeekFrom::Start(offset))?;
    let tmp = ggzy_store::files::temp_path("bid-document");
    let out = ggzy_store::files::private_file_blocking(&tmp);
    let result = (|| {
        let mut out = std::io::BufWriter::new(out?);
        let mut h = sha2::Sha256::new();
        let mut left = f.take(size);
        let mut buf = vec![0u8; 64 * 1024];
        let mut read = 0u64;
        loop {
            let n = left.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            out.write_all(&buf[..n])?;
            read += n as u64;
        }
        out.flush()?;
        let file = std::fs::File::open(&tmp)?;
        Ok((file, hex::encode(h.finalize()), read))
    })();
    // Unlinked at once: the open file stays readable, nothing is left behind.
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Read document `n` of `bid_id` for the caller: the checks of [`list`], the bytes checked against
/// their SHA-256, the read recorded (`evaluation.document.read`). A mismatch is returned as
/// `Ok(Err(IntegrityFault))` after `evaluation.document.integrity_failed` is recorded.
pub async fn read(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    bid_id: &str,
    n: i64,
) -> Result<std::result::Result<Download, IntegrityFault>> {
    let mut tx = ctx.db.begin().await?;
    let (sec, expert) = reader(&mut tx, ctx, actor, section_id).await?;
    // Only a bid the opening record lists as decrypted, of this section.
    let entry = sec
        .entries
        .iter()
        .flatten()
        .find(|e| e.bid_id == bid_id && e.decryption == "decrypted")
        .cloned()
        .ok_or_else(|| Error::not_found(format!("opened bid {bid_id} in section {section_id}")))?;
    let d = bids::document(&mut tx, section_id, bid_id, n)
        .await?
        .ok_or_else(|| Error::not_found(format!("document {n} of bid {bid_id}")))?;
    tx.rollback().await?;
    let (size, offset) = (
        u64::try_from(d.size).map_err(|_| Error::internal("document size"))?,
        u64::try_from(d.offset).map_err(|_| Error::internal("document offset"))?,
    );
    let by = actor.actor_ref();
    let checked = match ctx.files.local_copy(&d.file_key).await {
        Ok(src) => {
            let r = tokio::task::spawn_blocking(move || copy_range(src.path(), offset, size))
                .await
                .map_err(|e| Error::internal(format!("document read task: {e}")))?
                .map_err(|e| Error::internal(format!("document {n} of bid {bid_id}: {e}")))?;
            if r.2 == size && r.1 == d.sha256 {
                Ok(r.0)
            } else {
                Err(Some(r.1))
            }
        }
        Err(Error::NotFound(_)) => Err(None),
        Err(e) => return Err(e),
    };
    let now = ctx.clock.now();
    let file = match checked {
        Ok(f) => f,
        Err(stored) => {
            tracing::error!(
                bid_id,
                n,
                section_id,
                "stored bid document does not match its SHA-256"
            );
            let mut tx = ctx.db.begin().await?;
            emit(
                &mut tx,
                &ctx.db,
                &by,
                now,
                DocumentIntegrityFailed {
                    section_id: section_id.into(),
                    bid_id: bid_id.into(),
                    org_id: d.org_id.clone(),
                    n,
                    name: d.name.clone(),
                    sha256: d.sha256.clone(),
                    missing: stored.is_none(),
                    stored_sha256: stored,
                }
                .encode(),
            )
            .await?;
            ctx.db.commit(tx).await?;
            return Ok(Err(IntegrityFault {
                detail: format!(
                    "the stored copy of document {n} ({}) of this bid does not match the SHA-256 recorded at \
                     the opening ({}); it is not served. This is a platform fault, not the bidder's: \
                     the operators are alerted",
                    d.name, d.sha256
                ),
            }));
        }
    };
    let mut tx = ctx.db.begin().await?;
    emit(
        &mut tx,
        &ctx.db,
        &by,
        now,
        DocumentRead {
            section_id: section_id.into(),
            bid_id: bid_id.into(),
            org_id: d.org_id.clone(),
            org_name: entry.org_name.clone(),
            n,
            name: d.name.clone(),
            size: d.size,
            sha256: d.sha256.clone(),
            reader: actor.user_id.clone(),
            role: actor.role.as_str().into(),
            expert_id: expert,
            read_at: to_micros(now),
        }
        .encode(),
    )
    .await?;
    ctx.db.commit(tx).await?;
    Ok(Ok(Download {
        name: d.name,
        media_type: d.media_type,
        sha256: d.sha256,
        size,
        file: tokio::fs::File::from_std(file),
    }))
}

/// `Content-Disposition: attachment` (RFC 6266) with an ASCII fallback name and the UTF-8 name
/// (RFC 8187).
pub fn content_disposition(name: &str) -> String {
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
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The answer serving a checked document: the stored media type (never one the browser renders as
/// a page: HTML and script types are sent as `application/octet-stream`), `attachment`, `nosniff`,
/// a sandboxing CSP, `ETag` and `Repr-Digest` with the SHA-256.
pub fn response(d: Download) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use base64::Engine as _;
    let stream = futures::stream::try_unfold(d.file, |mut f| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 * 1024];
        let n = f.read(&mut buf).await?;
        if n == 0 {
            return Ok::<_, std::io::Error>(None);
        }
        buf.truncate(n);
        Ok(Some((buf, f)))
    });
    let mut r = axum::response::Response::new(axum::body::Body::from_stream(stream));
    let h = r.headers_mut();
    let lower = d.media_type.to_ascii_lowercase();
    let ct = HeaderValue::from_str(&d.media_type)
        .ok()
        .filter(|_| !lower.contains("html") && !lower.contains("script") && !lower.contains("xml"));
    h.insert(
        header::CONTENT_TYPE,
        ct.unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&d.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(d.size));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", d.sha256)) {
        h.insert(header::ETAG, v);
    }
    if let Ok(raw) = hex::decode(&d.sha256) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        if let Ok(v) = HeaderValue::from_str(&format!("sha-256=:{b64}:")) {
            h.insert("repr-digest", v);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::{content_disposition, copy_range};

    #[test]
    fn the_disposition_is_an_attachment_with_the_utf8_name() {
        assert_eq!(
            content_disposition("商务标.pdf"),
            "attachment; filename=\"___.pdf\"; filename*=UTF-8''%E5%95%86%E5%8A%A1%E6%A0%87.pdf"
        );
        assert!(content_disposition("a\"b.txt").starts_with("attachment; filename=\"a_b.txt\""));
    }

    #[test]
    fn a_range_is_copied_and_hashed_exactly() {
        let p = ggzy_store::files::temp_path("range-test");
        std::fs::write(&p, b"headAAAABBBBBBtail").unwrap();
        let (mut f, sha, n) = copy_range(&p, 8, 6).unwrap();
        let mut got = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut got).unwrap();
        assert_eq!(got, b"BBBBBB");
        assert_eq!(n, 6);
        use sha2::Digest;
        assert_eq!(sha, hex::encode(sha2::Sha256::digest(b"BBBBBB")));
        // A range past the end reads what is there: the caller compares the length.
        let (_, _, n) = copy_range(&p, 14, 10).unwrap();
        assert_eq!(n, 4);
        std::fs::remove_file(&p).unwrap();
    }
}
