//! Sealed bids (电子投标文件, 不见面开标): a registered bidder uploads its encrypted bid package
//! before the bid deadline and receives a receipt (回执) signed by the server with Ed25519.
//!
//! The server never sees the plaintext before opening: it stores the ciphertext as `bids/<id>.bid` in
//! the file store (local directory or S3-compatible object storage, [`ggzy_store::files`]), its SHA-256, and the plaintext digest the client declares. The package format
//! ([`crate::package`], suites AES-256-GCM+SHA-256 and SM4-GCM+SM3) is documented in
//! docs/bid-package.md; opening (开标) is [`crate::opening`].

use crate::model::SectionState;
use crate::package::{read_header, PackageError, Suite};
use crate::rules::registration_open;
use crate::store::bids::{self as store, MyBidRow, ReceiptRow};
use crate::store::{registrations, sections};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use ggzy_core::ident::ResidentId;
use ggzy_core::time::display_local;
use ggzy_core::{ids, Error, Result};
use ggzy_events::projects::{BidSubmitted, BidWithdrawn};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::files::FileStore;
use ggzy_store::note::LogSigner;
use ggzy_store::{emit, Ctx};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// Default largest sealed bid package accepted (bytes); `GGZY_BID_MAX_BYTES` overrides it.
pub const DEFAULT_MAX_BID_BYTES: u64 = 50 * 1024 * 1024;

/// The largest bid package accepted: `GGZY_BID_MAX_BYTES` or [`DEFAULT_MAX_BID_BYTES`].
pub fn max_bid_bytes() -> u64 {
    std::env::var("GGZY_BID_MAX_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MAX_BID_BYTES)
}

/// 招标投标法 第二十八条: bids delivered after the deadline set in the tender documents are refused
/// (电子招标投标办法 第二十六条 for electronic bids: the system refuses uploads after it).
pub const BID_DEADLINE_SOURCE: &str = "招标投标法 第二十八条; 电子招标投标办法 第二十六条";

/// sha256 of `data`, lowercase hex (the ciphertext hash in receipts).
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

// ---------------------------------------------------------------------------------------------
// Server signing key.
//
// The receipt key is read from `--receipt-key-file` / `GGZY_RECEIPT_SIGNING_KEY` into
// `Settings::receipt_signer` and never stored in the database (docs/bids.md). Keys that signed
// receipts before (the database-held key of migration 0006, whose secret migration 0046 erased)
// stay published by their public half so old receipts still verify.

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The key id receipts name: `receipt-ed25519-<signed-note key id of the key, hex>`.
pub fn receipt_key_id(key: &LogSigner) -> String {
    format!("receipt-ed25519-{}", hex::encode(key.key_id()))
}

/// The configured receipt signing key; 503 when the server has none.
pub fn signing_key(ctx: &Ctx) -> Result<&LogSigner> {
    ctx.settings.receipt_signer.as_ref().ok_or_else(|| {
        Error::Unavailable(
            "no receipt signing key is configured (--receipt-key-file or GGZY_RECEIPT_SIGNING_KEY): \
             bids cannot be received"
                .into(),
        )
    })
}

/// A published verification key.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicKey {
    pub key_id: String,
    pub algorithm: String,
    /// The 32-byte Ed25519 public key, base64.
    pub public_key: String,
    /// When it was first published (the current key: when it was first seen by this database).
    pub created_at: DateTime<Utc>,
    /// Whether new receipts are signed with it (false: a key of earlier receipts).
    pub current: bool,
}

/// The current receipt key and every earlier one (public halves only).
pub async fn public_keys(ctx: &Ctx) -> Result<Vec<PublicKey>> {
    let current = ctx
        .settings
        .receipt_signer
        .as_ref()
        .map(|k| (receipt_key_id(k), b64(&k.public_key())));
    let rows = store::server_keys(&ctx.db).await?;
    let mut out = rows
        .into_iter()
        .map(|r| PublicKey {
            current: current.as_ref().is_some_and(|(id, _)| *id == r.id),
            key_id: r.id,
            algorithm: r.algorithm,
            public_key: r.public_key,
            created_at: r.created_at,
        })
        .collect::<Vec<_>>();
    if let Some((id, public)) = current {
        if !out.iter().any(|k| k.key_id == id) {
            out.push(PublicKey {
                key_id: id,
                algorithm: "ed25519".into(),
                public_key: public,
                created_at: ctx.clock.now(),
                current: true,
            });
        }
    }
    Ok(out)
}

/// Remember the public half (only) of the key that signs a receipt, in the upload's transaction,
/// so receipts stay verifiable after the key is rotated.
async fn remember_public_key(
    tx: &mut ggzy_store::Tx,
    key: &LogSigner,
    now: DateTime<Utc>,
) -> Result<()> {
    store::remember_public_key(tx, &receipt_key_id(key), &b64(&key.public_key()), now).await
}

// ---------------------------------------------------------------------------------------------
// Upload, replace, withdraw.

/// The facts a receipt attests; `signed` in [`BidReceipt`] is exactly this serialized as JSON.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReceiptBody {
    pub bid_id: String,
    pub section_id: String,
    pub org_id: String,
    pub version: i64,
    /// Server clock when the upload completed.
    pub received_at: DateTime<Utc>,
    /// Digest of the plaintext declared by the bidder (SHA-256 or SM3 per suite), hex.
    pub plaintext_digest: String,
    /// sha256(ciphertext) computed by the server, hex.
    pub ciphertext_sha256: String,
    pub size: i64,
}

/// The receipt (回执): `signature` is Ed25519 by key `key_id` (see `GET /api/keys`) over the UTF-8
/// bytes of `signed`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidReceipt {
    pub receipt: ReceiptBody,
    pub signed: String,
    /// base64.
    pub signature: String,
    pub key_id: String,
    pub algorithm: String,
}

/// Headers accompanying an upload.
#[derive(Debug, Clone, Default)]
pub struct UploadMeta {
    pub plaintext_digest: String,
    pub device_fingerprint: Option<String>,
    pub file_creator: Option<String>,
    pub ip: String,
    /// `X-Project-Manager-Id`: resident id of the proposed project manager (项目经理).
    pub project_manager_id: Option<String>,
    /// `X-Representative-Id`: resident id of the authorized representative (授权委托人).
    pub representative_id: Option<String>,
}

/// How an upload or withdrawal holds the section row (PostgreSQL; SQLite's single writer excludes all).
#[derive(Clone, Copy)]
enum Lock {
    None,
    /// `FOR SHARE`: uploads of different bidders proceed in parallel, while the closing transaction
    /// (which UPDATEs the section row) waits for them and any upload starting after it re-reads the
    /// committed row and is refused by the state check. Same-bidder ordering is by its registration row.
    Share,
    /// `FOR UPDATE`: excludes every other upload of the section (withdrawal).
    Update,
}

impl Lock {
    fn hold(self) -> sections::Hold {
        match self {
            Lock::None => sections::Hold::None,
            Lock::Share => sections::Hold::Share,
            Lock::Update => sections::Hold::Update,
        }
    }
}

type SectionInfo = sections::BiddingRow;

async fn section_info(
    ctx: &Ctx,
    conn: &mut sqlx::AnyConnection,
    id: &str,
    lock: Lock,
) -> Result<SectionInfo> {
    sections::bidding_row(conn, &ctx.db, id, lock.hold())
        .await?
        .ok_or_else(|| Error::not_found(format!("section {id}")))
}

/// The checks an upload or withdrawal must pass at instant `now`.
async fn check_may_bid(
    ctx: &Ctx,
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    org_id: &str,
    now: DateTime<Utc>,
    lock: Lock,
) -> Result<SectionInfo> {
    let s = section_info(ctx, conn, section_id, lock).await?;
    let registered = registrations::registration_id(conn, section_id, org_id)
        .await?
        .is_some();
    check_open(conn, section_id, &s, registered, now).await?;
    Ok(s)
}

/// [`check_may_bid`] for a section `s` already read (and held) and the bidder's registration
/// already looked up, in the order of its refusals.
async fn check_open(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    s: &SectionInfo,
    registered: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    crate::service::require_sealed_bids(conn, section_id).await?;
    // 实施条例 22: the bidding is suspended until the objection is answered (or a complaint's
    // suspension ends); named before the deadline check, since the deadline moves on resuming.
    crate::suspension::ensure_not_suspended(conn, section_id).await?;
    if !registration_open(now, s.bid_deadline) {
        return Err(Error::conflict(
            "bid.after_deadline",
            format!(
                "bids are accepted until the bid deadline {} only ({BID_DEADLINE_SOURCE})",
                display_local(s.bid_deadline)
            ),
        ));
    }
    if s.state != SectionState::Bidding {
        return Err(Error::conflict(
            "bid.section_not_bidding",
            format!(
                "section is in state {}; bids are accepted only while it is bidding",
                s.state.as_str()
            ),
        ));
    }
    if !registered {
        return Err(Error::conflict(
            "bid.not_registered",
            "your organization is not registered for this section (投标报名)",
        ));
    }
    Ok(())
}

/// Key of a bid file in the file store ([`ggzy_store::files`]): `bids/<name>`.
fn bid_key(name: &str) -> String {
    format!("bids/{name}")
}

fn valid_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn receipt_of(row: ReceiptRow) -> Result<BidReceipt> {
    let signed = row.receipt;
    let receipt: ReceiptBody = serde_json::from_str(&signed)
        .map_err(|e| Error::internal(format!("stored receipt: {e}")))?;
    Ok(BidReceipt {
        receipt,
        signed,
        signature: row.signature,
        key_id: row.key_id,
        algorithm: "ed25519".into(),
    })
}

/// Whether the upload created a new version or repeated the current one (idempotent retry).
pub enum Uploaded {
    Created(BidReceipt),
    Repeated(BidReceipt),
}

/// Deletes a temporary file-store key when dropped (also when the request's future is dropped).
struct DeleteOnDrop {
    files: FileStore,
    key: String,
}

impl Drop for DeleteOnDrop {
    fn drop(&mut self) {
        let files = self.files.clone();
        let key = std::mem::take(&mut self.key);
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let _ = files.delete(&key).await;
            });
        }
    }
}

/// Stream `body` to a temporary object in the file store, hashing it; refuses more than `limit`
/// bytes. Returns the temporary key, the SHA-256 and the size.
async fn spool<S, E>(files: &FileStore, body: S, limit: u64) -> Result<(String, String, u64)>
where
    S: futures::Stream<Item = std::result::Result<axum::body::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let tmp = bid_key(&format!("upload-{}.part", ids::new_id()));
    let mut size: u64 = 0;
    let checked = body.map(move |chunk| {
        let chunk = chunk.map_err(|e| Error::bad_request(format!("upload interrupted: {e}")))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(Error::PayloadTooLarge(format!(
                "a bid package may have at most {limit} bytes"
            )));
        }
        Ok(chunk)
    });
    let stored = files.put_stream(&tmp, checked).await?;
    if stored.size == 0 {
        let _ = files.delete(&tmp).await;
        return Err(Error::bad_request("the bid package is empty"));
    }
    Ok((tmp, stored.sha256, stored.size))
}

/// The suite named in the header of the spooled package; 422 `bid.package_format` otherwise.
async fn package_suite(files: &FileStore, key: &str) -> Result<Suite> {
    // Magic (8) + name length (1) + name (at most 255).
    let head = files.get_head(key, 264).await?;
    read_header(&mut std::io::Cursor::new(&head[..]))
        .map(|(s, _)| s)
        .map_err(|e| match e {
            PackageError::Io(e) => Error::internal(format!("package header: {e}")),
            e => Error::field(
                "body",
                "bid.package_format",
                format!("{e}; a bid package starts with the GGZYBID1 header naming its suite (docs/bid-package.md)"),
            ),
        })
}

/// Upload (or replace) the caller organization's sealed bid for a section.
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn upload<S, E>(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    meta: UploadMeta,
    body: S,
    limit: u64,
) -> Result<Uploaded>
where
    S: futures::Stream<Item = std::result::Result<axum::body::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    actor.require(&[Role::Bidder])?;
    let org_id = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    if !valid_digest(&meta.plaintext_digest) {
        return Err(Error::field(
            "X-Bid-Digest",
            "bid.digest_format",
            "X-Bid-Digest must be the digest of the plaintext (SHA-256 or SM3 per the suite), 64 hex digits",
        ));
    }
    let digest = meta.plaintext_digest.to_ascii_lowercase();
    // Declared persons are checked (GB 11643 check digit) before anything is received; they feed
    // monitoring's same-project-manager / same-representative signals (实施条例 40(2)(3)).
    let person = |field: &'static str, v: Option<String>| -> Result<Option<String>> {
        match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => ResidentId::parse(v)
                .map(|id| Some(id.as_str().to_string()))
                .map_err(|e| Error::field(field, e.rule, e.message)),
        }
    };
    let project_manager_id = person("X-Project-Manager-Id", meta.project_manager_id.clone())?;
    let representative_id = person("X-Representative-Id", meta.representative_id.clone())?;
    let short = |s: Option<String>| s.map(|v| v.chars().take(500).collect::<String>());
    // Refuse early, before receiving megabytes, when the upload can't be accepted anyway.
    {
        let mut conn = ctx.db.pool().acquire().await?;
        check_may_bid(
            ctx,
            &mut conn,
            section_id,
            &org_id,
            ctx.clock.now(),
            Lock::None,
        )
        .await?;
    }
    let key = signing_key(ctx)?.clone();
    let (tmp, ct_hash, size) = spool(&ctx.files, body, limit).await?;
    // If this request is cut off (timeout, client gone) before the package is moved in place,
    // the spooled temporary object is removed; after the move it no longer exists.
    let _cleanup = DeleteOnDrop {
        files: ctx.files.clone(),
        key: tmp.clone(),
    };
    // The package must name a suite the platform can open at opening (docs/bid-package.md).
    let suite = match package_suite(&ctx.files, &tmp).await {
        Ok(s) => s,
        Err(e) => {
            let _ = ctx.files.delete(&tmp).await;
            return Err(e);
        }
    };
    let outcome = record(
        ctx,
        actor,
        (section_id, &org_id),
        SealedFile {
            digest: &digest,
            ct_hash: &ct_hash,
            size,
            tmp: &tmp,
            suite,
        },
        UploadMeta {
            device_fingerprint: short(meta.device_fingerprint),
            file_creator: short(meta.file_creator),
            project_manager_id,
            representative_id,
            ..meta
        },
        &key,
    )
    .await;
    if !matches!(outcome, Ok(Uploaded::Created(_))) {
        let _ = ctx.files.delete(&tmp).await;
    }
    outcome
}

/// The sealed file an upload stored: its digest and ciphertext hash, size, temporary path and the
/// sealing suite.
struct SealedFile<'a> {
    digest: &'a str,
    ct_hash: &'a str,
    size: u64,
    tmp: &'a str,
    suite: Suite,
}

async fn record(
    ctx: &Ctx,
    actor: &Actor,
    (section_id, org_id): (&str, &str),
    file: SealedFile<'_>,
    meta: UploadMeta,
    key: &LogSigner,
) -> Result<Uploaded> {
    let SealedFile {
        digest,
        ct_hash,
        size,
        tmp,
        suite,
    } = file;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    // A shared lock on the section row: the close of bidding (an UPDATE of that row) waits for every
    // upload in flight, and an upload that starts after the close re-reads the closed row and is
    // refused, so nothing arrives after the deadline; uploads of different bidders run in parallel
    // (docs/benchmarks.md, deadline rush). The bidder's own registration row, locked exclusively,
    // orders its own uploads (the version number and the superseded bid are decided one at a time).
    // The section and the registration are read once, under these locks, for both the repeat
    // and the checks below.
    let s = section_info(ctx, &mut tx, section_id, Lock::Share).await?;
    let registration =
        registrations::lock_registration(&mut tx, &ctx.db, section_id, org_id).await?;
    let current = store::current_bid(&mut tx, section_id, org_id).await?;
    let current = match current {
        Some(row) if row.plaintext_digest == digest && row.ciphertext_sha256 == ct_hash => {
            return Ok(Uploaded::Repeated(receipt_of(row.receipt)?));
        }
        other => other,
    };
    check_open(&mut tx, section_id, &s, registration.is_some(), now).await?;
    let max_version = store::max_version(&mut tx, section_id, org_id).await?;
    let replaced: Option<String> = current.map(|row| row.id);
    if let Some(old) = &replaced {
        store::supersede(&mut tx, old, now).await?;
    }
    let body = ReceiptBody {
        bid_id: ids::new_id(),
        section_id: section_id.to_string(),
        org_id: org_id.to_string(),
        version: max_version + 1,
        received_at: now,
        plaintext_digest: digest.to_string(),
        ciphertext_sha256: ct_hash.to_string(),
        size: i64::try_from(size).map_err(|_| Error::internal("size"))?,
    };
    let signed = serde_json::to_string(&body).map_err(|e| Error::internal(e.to_string()))?;
    let signature = b64(&key.sign_bytes(signed.as_bytes()));
    let key_id = receipt_key_id(key);
    remember_public_key(&mut tx, key, now).await?;
    let file_name = format!("{}.bid", body.bid_id);
    store::insert_bid(
        &mut tx,
        &store::NewBid {
            id: &body.bid_id,
            section_id,
            org_id,
            version: body.version,
            plaintext_digest: digest,
            ciphertext_sha256: ct_hash,
            size: body.size,
            file_name: &file_name,
            device_fingerprint: meta.device_fingerprint.as_deref(),
            file_creator: meta.file_creator.as_deref(),
            uploader_ip: &meta.ip,
            uploaded_by: &actor.user_id,
            at: now,
            receipt: &signed,
            signature: &signature,
            key_id: &key_id,
            suite: suite.name(),
            project_manager_id: meta.project_manager_id.as_deref(),
            representative_id: meta.representative_id.as_deref(),
        },
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        BidSubmitted {
            bid_id: body.bid_id.clone(),
            section_id: section_id.to_string(),
            project_id: Some(s.project_id.clone()),
            org_id: Some(org_id.to_string()),
            version: Some(body.version),
            replaces: replaced.clone(),
            // No `plaintext_digest`: before the deadline it is shown to nobody but the bidder
            // (its receipt); events are read by admin and supervisors (issue 24).
            ciphertext_sha256: Some(ct_hash.to_string()),
            size: Some(body.size),
            device_fingerprint: meta.device_fingerprint.clone(),
            file_creator: meta.file_creator.clone(),
            ip: Some(meta.ip.clone()),
            // Raw resident ids, not digests: an 18-character id is enumerable (region, birth
            // date, sequence, check digit), so a SHA-256 would hide nothing, and supervisors must
            // see who (docs/bids.md).
            project_manager_id: meta.project_manager_id.clone(),
            representative_id: meta.representative_id.clone(),
        }
        .encode(),
    )
    .await?;
    let receipt = BidReceipt {
        receipt: body,
        signed,
        signature,
        key_id,
        algorithm: "ed25519".into(),
    };
    // The answer (201 + this receipt) is stored with the change: a retry of the same
    // Idempotency-Key after the instance died before answering replays it (issue 24).
    let answer = serde_json::to_string(&receipt).map_err(|e| Error::internal(e.to_string()))?;
    ggzy_store::idempotency::answer_in_tx(&mut tx, 201, &answer, now).await?;
    // Move the file in place before committing: a failed rename aborts the transaction.
    let dest = bid_key(&file_name);
    ctx.files.rename(tmp, &dest).await?;
    if let Err(e) = ctx.db.commit(tx).await {
        let _ = ctx.files.delete(&dest).await;
        return Err(e);
    }
    Ok(Uploaded::Created(receipt))
}

/// Withdraw the caller organization's current bid (撤回) before the deadline.
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn withdraw(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<()> {
    actor.require(&[Role::Bidder])?;
    let org_id = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = check_may_bid(ctx, &mut tx, section_id, &org_id, now, Lock::Update).await?;
    let row = store::current_version(&mut tx, section_id, &org_id)
        .await?
        .ok_or_else(|| Error::not_found("your organization has no current bid for this section"))?;
    let (bid_id, version) = (row.id, row.version);
    store::withdraw(&mut tx, &bid_id, now).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        BidWithdrawn {
            bid_id: bid_id.to_string(),
            section_id: section_id.to_string(),
            project_id: Some(s.project_id.clone()),
            org_id: org_id.clone(),
            market: None,
            version: Some(version),
        }
        .encode(),
    )
    .await?;
    ggzy_store::idempotency::answer_in_tx(&mut tx, 204, "", now).await?;
    ctx.db.commit(tx).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Read-back: a bidder can always learn whether its bid is in (also after a lost answer).

/// One uploaded version of the caller organization's bid, with the receipt signed at upload.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyBid {
    pub bid_id: String,
    pub section_id: String,
    pub version: i64,
    /// `current` (the bid that will be opened), `superseded` (replaced by a later upload) or
    /// `withdrawn` (撤回).
    pub status: String,
    /// `sealed` until opening; then `decrypted`, `digest_mismatch`, `revoked`,
    /// `withdrawn_platform_fault`, or `void_joint_bid` (void at the deadline, 实施条例 34).
    pub decryption: String,
    pub received_at: DateTime<Utc>,
    /// Last change of `status` or `decryption`.
    pub updated_at: DateTime<Utc>,
    pub receipt: BidReceipt,
}

fn my_bid_of(row: MyBidRow) -> Result<MyBid> {
    Ok(MyBid {
        receipt: receipt_of(row.receipt)?,
        bid_id: row.id,
        section_id: row.section_id,
        version: row.version,
        status: row.status,
        decryption: row.decryption,
        received_at: row.received_at,
        updated_at: row.updated_at,
    })
}

async fn own_org(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<String> {
    actor.require(&[Role::Bidder])?;
    let org_id = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    if !sections::exists(&ctx.db, section_id).await? {
        return Err(Error::not_found(format!("section {section_id}")));
    }
    Ok(org_id)
}

/// The caller organization's latest bid version for a section: the current one, or — when it was
/// withdrawn — the withdrawn one, so that "is my bid in?" always has an answer. 404 when the organization
/// never uploaded one.
pub async fn mine(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<MyBid> {
    let org_id = own_org(ctx, actor, section_id).await?;
    let row = store::latest_of(&ctx.db, section_id, &org_id).await?;
    match row {
        Some(r) => my_bid_of(r),
        None => Err(Error::not_found(
            "your organization has uploaded no bid for this section",
        )),
    }
}

/// Every version the caller organization uploaded for a section, oldest first, each with its
/// signed receipt (replaced and withdrawn ones included). Empty when none.
pub async fn my_receipts(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Vec<MyBid>> {
    let org_id = own_org(ctx, actor, section_id).await?;
    let rows = store::versions_of(&ctx.db, section_id, &org_id).await?;
    rows.into_iter().map(my_bid_of).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_format() {
        assert!(valid_digest(&sha256_hex(b"x")));
        assert!(!valid_digest("abc"));
        assert!(!valid_digest(&"g".repeat(64)));
    }

    #[tokio::test]
    async fn spool_limit_boundary() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = || {
            futures::stream::iter(vec![
                Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"0123")),
                Ok(axum::body::Bytes::from_static(b"4567")),
            ])
        };
        let files = FileStore::local(dir.path());
        // Last allowed size: exactly the limit.
        let (key, hash, size) = spool(&files, chunks(), 8).await.unwrap();
        assert_eq!((size, hash), (8, sha256_hex(b"01234567")));
        assert_eq!(std::fs::read(dir.path().join(key)).unwrap(), b"01234567");
        // First refused: one byte over; nothing left behind but the first file.
        let e = spool(&files, chunks(), 7).await.unwrap_err();
        assert_eq!(e.status().as_u16(), 413);
        assert_eq!(
            std::fs::read_dir(dir.path().join("bids")).unwrap().count(),
            1
        );
    }
}
