//! Key submission: a bidder's decryption key opens its stored package.

use super::*;
use ggzy_events::projects::BidStorageFault;
use ggzy_events::Contract;

// Key submission.

/// A bidder's decryption key.
#[derive(Clone, Deserialize, ToSchema)]
pub struct KeySubmission {
    /// The package key, base64 (32 bytes for AES-256-GCM, 16 for SM4-GCM).
    #[schema(pattern = "^([A-Za-z0-9+/]{21}[AQgw]==|[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)$")]
    pub key: String,
}

/// The key never reaches a log, even through `{:?}`.
impl std::fmt::Debug for KeySubmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeySubmission { key: <redacted> }")
    }
}

/// What the key did to the caller's bid.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyOutcome {
    pub bid_id: String,
    /// `decrypted`, `digest_mismatch` (the key opened the package but its content differs from
    /// the declared digest; final) or `withdrawn_platform_fault` (the stored ciphertext no longer
    /// matches the receipt: the platform's fault, the bid is deemed withdrawn, not revoked; final).
    pub decryption: String,
    /// The caller's own sealed price, once decrypted.
    pub price: Option<String>,
    pub suite: String,
    /// Whether this was the last bid and the opening record is now produced.
    pub opening_recorded: bool,
}

pub(super) struct BidFile {
    id: String,
    file_name: String,
    digest: String,
    size: i64,
    decryption: String,
    suite: String,
    /// sha256 of the ciphertext as received (in the signed receipt).
    ciphertext_sha256: String,
}

/// Submit the caller organization's key for its current bid while the decryption window is open.
/// A wrong key is refused (422 `opening.wrong_key`) and changes nothing; the bidder may retry.
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn submit_key(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: KeySubmission,
) -> Result<KeyOutcome> {
    actor.require(&[Role::Bidder])?;
    let org_id = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let key = base64::engine::general_purpose::STANDARD
        .decode(input.key.trim())
        .map_err(|_| Error::field("key", "opening.key_format", "the key must be base64"))?;
    let now = ctx.clock.now();
    let bid = {
        let mut conn = ctx.db.pool().acquire().await?;
        let s = load_section(&mut conn, &ctx.db, section_id, false).await?;
        crate::service::require_sealed_bids(&mut conn, section_id).await?;
        crate::suspension::ensure_not_suspended(&mut conn, section_id).await?;
        check_window(&mut conn, section_id, &s, now).await?;
        let r = store::bids::current_bid_file(&mut conn, section_id, &org_id)
            .await?
            .ok_or_else(|| Error::not_found("your organization has no bid in this opening"))?;
        BidFile {
            id: r.id,
            file_name: r.file_name,
            digest: r.plaintext_digest,
            size: r.size,
            decryption: r.decryption,
            suite: r.suite.unwrap_or_default(),
            ciphertext_sha256: r.ciphertext_sha256,
        }
    };
    if bid.decryption == "void_joint_bid" {
        return Err(Error::conflict(
            "opening.bid_void",
            "your bid was void at the bid deadline (实施条例 第三十四条: a bidder of this section had the same \
             legal representative or a verified controlling relation with your organization)",
        ));
    }
    if bid.decryption != "sealed" {
        return Err(Error::conflict(
            "opening.already_decrypted",
            format!("your bid was already opened ({})", bid.decryption),
        ));
    }
    // The ciphertext from the file store (read in place from a local directory, streamed to a
    // temporary file from object storage); the plaintext is written to a local temporary file and
    // stored as `bids/<id>.plain` when the decryption commits.
    let src = ctx
        .files
        .local_copy(&format!("bids/{}", bid.file_name))
        .await?;
    let local_tmp = ggzy_store::files::temp_path("plain");
    let tmp = format!("bids/{}.{}.plain.part", bid.id, ggzy_core::ids::new_id());
    let dest = format!("bids/{}.plain", bid.id);
    let size = u64::try_from(bid.size).map_err(|_| Error::internal("bid size"))?;
    let digest = bid.digest.clone();
    let tmp2 = local_tmp.clone();
    let receipt_hash = bid.ciphertext_sha256.clone();
    // Decrypt outside any transaction (SQLite has one writer), in bounded memory, off the runtime.
    // First the stored ciphertext is checked against the hash in the bidder's receipt: a file the
    // platform altered or lost must not make the right key look wrong (issue 24, item 13).
    let opened = tokio::task::spawn_blocking(move || {
        let stored = {
            use sha2::Digest;
            let mut f =
                std::fs::File::open(src.path()).map_err(|e| PackageError::Io(e.to_string()))?;
            let mut h = sha2::Sha256::new();
            std::io::copy(&mut f, &mut h).map_err(|e| PackageError::Io(e.to_string()))?;
            hex::encode(h.finalize())
        };
        if !stored.eq_ignore_ascii_case(&receipt_hash) {
            return Ok(Err(stored));
        }
        let input = std::fs::File::open(src.path()).map_err(|e| PackageError::Io(e.to_string()))?;
        // Owner-only: the plaintext of a bid is nobody else's business on this machine.
        let out = ggzy_store::files::private_file_blocking(&tmp2)
            .map_err(|e| PackageError::Io(e.to_string()))?;
        package::open_stream(
            &key,
            std::io::BufReader::new(input),
            size,
            &digest,
            std::io::BufWriter::new(out),
        )
        .map(|o| {
            // Authoring metadata and the committee's index of the documents, read from the
            // plaintext just written.
            let metas = document_metas(&tmp2, &o);
            Ok((o, metas))
        })
    })
    .await
    .map_err(|e| Error::internal(format!("decryption task: {e}")))?;
    let opened = match opened {
        Ok(Err(stored_hash)) => {
            let _ = tokio::fs::remove_file(&local_tmp).await;
            return storage_fault(ctx, actor, now, section_id, &bid, &org_id, &stored_hash).await;
        }
        Ok(Ok(o)) => Ok(o),
        Err(e) => Err(e),
    };
    let mut metas = Vec::new();
    let mut documents = Vec::new();
    let mut sme = None;
    let (decryption, manifest_price, suite) = match opened {
        Ok((o, (m, d))) => {
            metas = m;
            documents = d;
            let price = package::parse_price(&o.manifest.price)
                .ok_or_else(|| Error::internal("manifest price checked"))?;
            sme = o.manifest.sme.clone();
            ("decrypted", Some(price), o.suite.name().to_string())
        }
        Err(PackageError::DigestMismatch) => ("digest_mismatch", None, bid.suite.clone()),
        Err(e) => {
            let _ = tokio::fs::remove_file(&local_tmp).await;
            return Err(match e {
                PackageError::Authentication => Error::field(
                    "key",
                    "opening.wrong_key",
                    format!("{e}; nothing changed, you may retry until the decryption window ends ({WINDOW_SOURCE})"),
                ),
                PackageError::KeyLength { .. } => Error::field("key", "opening.key_length", e.to_string()),
                PackageError::Io(e) => Error::internal(format!("opening bid {}: {e}", bid.id)),
                e => Error::field(
                    "key",
                    "opening.package_invalid",
                    format!("{e}; the package cannot be read (docs/bid-package.md)"),
                ),
            });
        }
    };
    if decryption == "decrypted" {
        let stored = ctx.files.put_file(&tmp, &local_tmp).await;
        let _ = tokio::fs::remove_file(&local_tmp).await;
        stored?;
    } else {
        let _ = tokio::fs::remove_file(&local_tmp).await;
    }
    let result = record_decryption(
        ctx,
        (&metas, &documents),
        actor,
        now,
        Decrypted {
            section_id,
            bid_id: &bid.id,
            org_id: &org_id,
            decryption,
            price: manifest_price,
            sme: sme.as_ref(),
            suite: &suite,
            tmp: &tmp,
            dest: &dest,
        },
    )
    .await;
    if result.is_err() {
        let _ = ctx.files.delete(&tmp).await;
    }
    result
}

pub(super) fn distinct<'a>(values: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    let mut v: Vec<&String> = Vec::new();
    for x in values {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

/// One document of a decrypted bid as the committee reads it: its place inside the stored
/// plaintext (`bids/<id>.plain`: manifest head, then the documents in manifest order), its size,
/// the SHA-256 of its bytes (computed at decryption; the evaluation area checks it on every read)
/// and a media type from its first bytes or, failing that, its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlainDocument {
    /// 1-based position in the manifest.
    pub n: usize,
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    /// Byte offset of the document inside the stored plaintext.
    pub offset: u64,
}

fn owned(v: Vec<&String>) -> Vec<String> {
    v.into_iter().cloned().collect()
}

/// A decrypted document as `projects.bid.decrypted` carries it.
fn decrypted_document(d: &PlainDocument) -> Result<ggzy_events::projects::DecryptedDocument> {
    let int = |v: u64| i64::try_from(v).map_err(|_| Error::internal(format!("document size {v}")));
    Ok(ggzy_events::projects::DecryptedDocument {
        n: int(d.n as u64)?,
        name: d.name.clone(),
        media_type: d.media_type.clone(),
        size: int(d.size)?,
        sha256: d.sha256.clone(),
        offset: int(d.offset)?,
    })
}

/// The media type of a bid document: recognized by its first bytes, else by its name's extension,
/// else `application/octet-stream`. Served as an attachment, never rendered by the platform.
pub fn document_media_type(name: &str, head: &[u8]) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if head.starts_with(b"%PDF-") {
        return "application/pdf";
    }
    if head.starts_with(b"PK\x03\x04") {
        return match ext.as_str() {
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "ofd" => "application/ofd",
            _ => "application/zip",
        };
    }
    match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "ofd" => "application/ofd",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// The metadata of each document of a decrypted plaintext at `path` (manifest head, then the
/// documents in manifest order) and the committee's index of them ([`PlainDocument`]); one document
/// in memory at a time. Unreadable → none.
pub(super) fn document_metas(
    path: &std::path::Path,
    o: &package::Opened,
) -> (Vec<crate::docmeta::DocMeta>, Vec<PlainDocument>) {
    use sha2::Digest;
    use std::io::{Read, Seek, SeekFrom};
    let read = || -> std::io::Result<(Vec<crate::docmeta::DocMeta>, Vec<PlainDocument>)> {
        let mut f = std::fs::File::open(path)?;
        let mut len = [0u8; 4];
        f.read_exact(&mut len)?;
        let mut offset = 4 + u64::from(u32::from_be_bytes(len));
        f.seek(SeekFrom::Start(offset))?;
        let mut out = Vec::new();
        let mut docs = Vec::new();
        for (i, d) in o.manifest.documents.iter().enumerate() {
            let mut buf = Vec::new();
            (&mut f).take(d.size).read_to_end(&mut buf)?;
            if buf.len() as u64 != d.size {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            out.push(crate::docmeta::read(&buf));
            docs.push(PlainDocument {
                n: i + 1,
                name: d.name.clone(),
                media_type: document_media_type(&d.name, &buf).to_string(),
                size: d.size,
                sha256: hex::encode(sha2::Sha256::digest(&buf)),
                offset,
            });
            offset += d.size;
        }
        Ok((out, docs))
    };
    read().unwrap_or_default()
}

/// The stored ciphertext of `bid` does not match its receipt: not the bidder's fault. The bid is
/// deemed withdrawn (`withdrawn_platform_fault`, never revoked), the event
/// `projects.bid.storage_fault` alerts supervisors and operators, and the bidder is told so
/// (`decryption: withdrawn_platform_fault`) — not that its key is wrong.
pub(super) async fn storage_fault(
    ctx: &Ctx,
    actor: &Actor,
    arrived: Timestamp,
    section_id: &str,
    bid: &BidFile,
    org_id: &str,
    stored_hash: &str,
) -> Result<KeyOutcome> {
    let now = ctx.clock.now();
    tracing::error!(bid_id = %bid.id, section_id, "stored bid file does not match its receipt");
    let mut tx = ctx.db.begin().await?;
    let s = load_section(&mut tx, &ctx.db, section_id, true).await?;
    check_window(&mut tx, section_id, &s, arrived).await?;
    let n = store::bids::set_undecrypted(&mut tx, &bid.id, PLATFORM_FAULT, now).await?;
    expect_one(
        n,
        "opening.already_decrypted",
        "your bid was opened concurrently",
    )?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        BidStorageFault {
            bid_id: bid.id.clone(),
            section_id: section_id.to_string(),
            org_id: org_id.to_string(),
            decryption: PLATFORM_FAULT.to_string(),
            receipt_ciphertext_sha256: bid.ciphertext_sha256.clone(),
            stored_ciphertext_sha256: stored_hash.to_string(),
            basis: PLATFORM_FAULT_SOURCE.to_string(),
        }
        .encode(),
    )
    .await?;
    let sealed = store::bids::sealed_count(&mut tx, section_id).await?;
    if sealed == 0 {
        finalize(&mut tx, &ctx.db, now, section_id, &s, &actor.actor_ref()).await?;
    }
    let outcome = KeyOutcome {
        bid_id: bid.id.clone(),
        decryption: PLATFORM_FAULT.into(),
        price: None,
        suite: bid.suite.clone(),
        opening_recorded: sealed == 0,
    };
    ctx.db.commit_answering(tx, 200, &outcome, now).await?;
    Ok(outcome)
}

pub(super) async fn check_window(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    s: &SectionRow,
    now: Timestamp,
) -> Result<Timestamp> {
    // The opening row and the section's state in one statement: the opening timer writes both in
    // one transaction, and a section row read earlier (outside a transaction, as a key submission
    // reads it) may predate that commit — "not opening yet" must not read as "window closed" to a
    // bidder whose key arrives in the opening's first instant.
    let o = store::opening::window(conn, section_id).await?;
    let (state, ends, section_state) = match o {
        Some(o) => (o.opening_state, o.window_ends_at, o.section_state),
        None => {
            return Err(Error::conflict(
                "opening.not_open",
                format!(
                    "section is in state {}; keys are submitted during the opening, from {}",
                    s.state.as_str(),
                    display_local(s.opening_at)
                ),
            ))
        }
    };
    if state != store::opening::OpeningState::Decrypting
        || section_state != SectionState::Opening
        || !key_accepted(now, ends)
    {
        return Err(Error::conflict(
            "opening.window_closed",
            format!(
                "the decryption window ended at {} ({WINDOW_SOURCE})",
                display_local(ends)
            ),
        ));
    }
    Ok(ends)
}

/// What one decryption produced, to be recorded: the bid, what was read from its package and
/// where the plaintext lies.
pub(super) struct Decrypted<'a> {
    pub section_id: &'a str,
    pub bid_id: &'a str,
    pub org_id: &'a str,
    /// `decrypted` or the failure kind.
    pub decryption: &'a str,
    pub price: Option<Money>,
    pub sme: Option<&'a package::SmeDeclaration>,
    pub suite: &'a str,
    /// The plaintext's temporary path and its final one.
    pub tmp: &'a str,
    pub dest: &'a str,
}

pub(super) async fn record_decryption(
    ctx: &Ctx,
    (metas, documents): (&[crate::docmeta::DocMeta], &[PlainDocument]),
    actor: &Actor,
    arrived: Timestamp,
    d: Decrypted<'_>,
) -> Result<KeyOutcome> {
    let Decrypted {
        section_id,
        bid_id,
        org_id,
        decryption,
        price,
        sme,
        suite,
        tmp,
        dest,
    } = d;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = load_section(&mut tx, &ctx.db, section_id, true).await?;
    // Checked again under the lock: the window timer may have recorded the opening meanwhile. The
    // window is judged at the key's arrival, not after the (possibly long) decryption.
    check_window(&mut tx, section_id, &s, arrived).await?;
    let n = store::bids::set_decrypted(&mut tx, bid_id, decryption, price.map(|p| p.fen()), now)
        .await?;
    expect_one(
        n,
        "opening.already_decrypted",
        "your bid was opened concurrently",
    )?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::Contract::encode(&ggzy_events::projects::BidDecrypted {
            bid_id: bid_id.into(),
            section_id: section_id.into(),
            org_id: org_id.into(),
            decryption: decryption.into(),
            suite: suite.into(),
            // Who prepared the documents (实施条例 40(1)), from their own metadata; read by
            // monitoring's collusion.same_file_creator (docs/bids.md).
            document_authors: owned(distinct(metas.iter().flat_map(|m| m.authors.iter()))),
            document_software: owned(distinct(metas.iter().flat_map(|m| m.software.iter()))),
            // The committee's index of the decrypted documents (read by evaluation's
            // projection, docs/evaluation.md "Bid documents"): emitted only here, at the
            // opening, after the bid deadline. `plaintext_key` is the file-store key of
            // the decrypted copy, each document a byte range of it.
            plaintext_key: (decryption == "decrypted").then(|| dest.to_string()),
            documents: if decryption == "decrypted" {
                documents
                    .iter()
                    .map(decrypted_document)
                    .collect::<Result<_>>()?
            } else {
                vec![]
            },
            // The bidder's SME declaration (中小企业声明函, 财库〔2020〕46号) sealed in the
            // manifest, learnt only now (docs/bid-package.md); read by evaluation's price
            // deduction. Null when none was declared.
            sme: sme.map(|s| ggzy_events::projects::SmeDeclaration {
                scale: s.scale.clone(),
                by_small_micro: s.by_small_micro,
            }),
        }),
    )
    .await?;
    let sealed = store::bids::sealed_count(&mut tx, section_id).await?;
    if sealed == 0 {
        finalize(&mut tx, &ctx.db, now, section_id, &s, &actor.actor_ref()).await?;
    }
    if decryption == "decrypted" {
        // The decrypted package is kept for evaluation, next to the ciphertext.
        ctx.files.rename(tmp, dest).await?;
    }
    let outcome = KeyOutcome {
        bid_id: bid_id.into(),
        decryption: decryption.into(),
        price: price.map(|p| p.to_string()),
        suite: suite.into(),
        opening_recorded: sealed == 0,
    };
    if let Err(e) = ctx.db.commit_answering(tx, 200, &outcome, now).await {
        let _ = ctx.files.delete(dest).await;
        return Err(e);
    }
    Ok(outcome)
}
