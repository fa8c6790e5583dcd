//! Scheduling, building, listing, reading and disposing of archives (docs/archives.md).
//!
//! - [`crate::projection::ArchiveTrigger`] (consumer `archives.trigger`) sees the event that ends a trade and inserts
//!   one `archive_jobs` row per section (the first end wins) with `archives.archive.scheduled`.
//! - [`run_loop`] / [`build_due`]: every instance looks for due jobs and claims one with a lease
//!   (conditional UPDATE: one instance wins); the build reads the sealed log, the Merkle tree and
//!   the file store outside any transaction, stores the bundle, then marks the job done, inserts
//!   the `archives` row and emits `archives.archive.created` in one transaction guarded by the
//!   lease owner — a second builder's bundle is dropped.
//! - [`list`], [`get`], [`bundle_bytes`]: staff and supervisors read; [`dispose`]: staff dispose of
//!   an archive after its retention period (the bundle file is removed, the row stays as a record
//!   with `archives.archive.disposed`).

use crate::bundle::{self, ArchivedDocument, ArchivedEvent, Manifest};
use crate::rules::{self, Retention};
use crate::store::{self, Job};
use chrono::NaiveDate;
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::sql::{At, Flag, MaybeAt};
use ggzy_core::time::{at_local, local_date, to_micros};
use ggzy_core::{ids, Error, FieldError, Result};
use ggzy_events::archives::{ArchiveCreated, ArchiveDisposed};
use ggzy_events::projects::{BidDecrypted, BidSubmitted};
use ggzy_events::publishing::AttachmentAdded;
use ggzy_events::{Contract, NamedSections};
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, tlog, Ctx, Db};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Aggregates followed one step from the trade's own events: events about the same
/// announcement, auction, deposit account, draw, session… belong to the trade.
const LINKED_AGGREGATES: [&str; 10] = [
    "announcement",
    "auction",
    "deposit_account",
    "deposit_forfeiture",
    "deposit_guarantee",
    "deposit_refund",
    "deposit_transfer",
    "expert_draw",
    "session",
    "booking",
];

/// Who reads archives.
pub const READERS: [Role; 2] = [Role::Staff, Role::Supervisor];

/// Build the archives that are due. Returns how many this instance built.
pub async fn build_due(ctx: &Ctx) -> Result<usize> {
    let now = ctx.clock.now();
    let rows = store::due_jobs(&ctx.db, now).await?;
    let me = &ctx.settings.instance;
    let mut built = 0;
    for job in rows {
        let claimed = store::claim_job(
            &ctx.db,
            &job.section_id,
            me,
            now + chrono::Duration::minutes(10),
            now,
        )
        .await?;
        if !claimed {
            continue;
        }
        match build_one(ctx, &job).await {
            Ok(true) => built += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(section_id = %job.section_id, error = %e, "archive build failed; retried later");
                store::job_failed(
                    &ctx.db,
                    &job.section_id,
                    me,
                    &e.to_string(),
                    now + chrono::Duration::minutes(1),
                )
                .await?;
            }
        }
    }
    Ok(built)
}

/// The worker of one instance: builds due archives every few polls until shut down.
pub async fn run_loop(
    ctx: Ctx,
    poll: std::time::Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let every = (poll * 4).max(std::time::Duration::from_millis(100));
    loop {
        if let Err(e) = build_due(&ctx).await {
            tracing::warn!(error = %e, "archive worker failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Does the event name a section other than `section_id` (and not this one)?
fn names_other_section(ev: &Event, section_id: &str) -> bool {
    let named = NamedSections::of(ev);
    if let Some(s) = named.section_id {
        return s != section_id;
    }
    if let Some(a) = named.section_ids {
        return !a.iter().any(|s| s == section_id);
    }
    false
}

/// Every sealed event up to `size` that belongs to the trade, in log order: events about the
/// section, events naming it, events about or naming the project that name no other section,
/// and events about the aggregates those events concern ([`LINKED_AGGREGATES`]).
pub async fn trade_events(
    db: &Db,
    section_id: &str,
    project_id: &str,
    size: u64,
) -> Result<Vec<Event>> {
    let like = |s: &str| format!("%{s}%");
    let mut found: BTreeMap<i64, Event> = BTreeMap::new();
    for ev in store::events_where(
        db,
        size,
        "aggregate_id = $2 OR payload LIKE $3",
        &[section_id.to_string(), like(section_id)],
    )
    .await?
    {
        found.insert(ev.seq, ev);
    }
    for ev in store::events_where(
        db,
        size,
        "aggregate_id = $2 OR payload LIKE $3",
        &[project_id.to_string(), like(project_id)],
    )
    .await?
    {
        if ev.aggregate_id == section_id || !names_other_section(&ev, section_id) {
            found.insert(ev.seq, ev);
        }
    }
    let linked: BTreeSet<String> = found
        .values()
        .filter(|e| LINKED_AGGREGATES.contains(&e.aggregate_type.as_str()))
        .map(|e| e.aggregate_id.clone())
        .collect();
    for id in linked {
        for ev in store::events_where(db, size, "aggregate_id = $2", &[id]).await? {
            found.insert(ev.seq, ev);
        }
    }
    Ok(found.into_values().collect())
}

/// The documents the events reference, in log order: sealed bid packages (as stored, with the
/// digest the upload event states), decrypted copies made at the opening, announcement attachments.
/// Each event is read through its contract: an undecodable one fails the build (retried, not
/// archived without its document).
#[allow(clippy::type_complexity)]
fn referenced_documents(
    events: &[Event],
) -> Result<Vec<(String, String, String, i64, Option<String>)>> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for ev in events {
        let doc = match ev.event_type.as_str() {
            BidSubmitted::NAME => {
                let b = BidSubmitted::decode(ev)?;
                let id = b.bid_id;
                Some((
                    "sealed_bid",
                    format!("bids/{id}.bid"),
                    format!("{id}.bid"),
                    b.ciphertext_sha256,
                ))
            }
            BidDecrypted::NAME => BidDecrypted::decode(ev)?.plaintext_key.map(|k| {
                let name = k.rsplit('/').next().unwrap_or(&k).to_string();
                ("decrypted_bid", k, name, None)
            }),
            AttachmentAdded::NAME => {
                let a = AttachmentAdded::decode(ev)?;
                let name = Some(a.name)
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "attachment".into());
                Some((
                    "attachment",
                    format!("announcements/{}", a.sha256),
                    name,
                    Some(a.sha256),
                ))
            }
            _ => None,
        };
        if let Some((kind, key, name, digest)) = doc {
            if seen.insert(key.clone()) {
                out.push((kind.to_string(), key, name, ev.seq, digest));
            }
        }
    }
    Ok(out)
}

/// The retention period of `market` from the rules table (the national default without a row).
pub async fn retention_of(db: &Db, market: &str) -> Result<Retention> {
    let r = store::retention_row(db, market).await?;
    Ok(match r {
        Some(r) => Retention {
            market: market.to_string(),
            years: r.years,
            basis: r.basis,
            confirmed: r.confirmed,
        },
        None => rules::national(market),
    })
}

/// Build one claimed job. `Ok(false)`: another instance finished it first.
async fn build_one(ctx: &Ctx, job: &Job) -> Result<bool> {
    let signer = ctx.settings.log_signer.as_ref().ok_or_else(|| {
        Error::Unavailable("no log signing key: archives cannot be signed".into())
    })?;
    let verifier =
        ggzy_store::note::NoteVerifier::parse(&signer.verifier_key()).map_err(Error::internal)?;
    let now = ctx.clock.now();
    let origin = ctx.settings.log_origin();
    tlog::publish_checkpoint(&ctx.db, signer, &origin, now).await?;
    let cp = tlog::latest_checkpoint(&ctx.db)
        .await?
        .ok_or_else(|| Error::internal("no checkpoint of the log yet"))?;
    if (cp.tree_size as i64) < job.end_seq {
        return Err(Error::internal(
            "the latest checkpoint does not cover the trade's end",
        ));
    }
    if verifier.open(&cp.note).is_err() {
        return Err(Error::internal(
            "the latest checkpoint is not signed by the current log key; waiting for the next one",
        ));
    }
    let size = cp.tree_size;
    let events = trade_events(&ctx.db, &job.section_id, &job.project_id, size).await?;
    let mut archived = Vec::with_capacity(events.len());
    for ev in &events {
        let proof = tlog::inclusion_proof(&ctx.db, ev.seq, Some(size)).await?;
        archived.push(ArchivedEvent {
            seq: ev.seq,
            id: ev.id.clone(),
            event_type: ev.event_type.clone(),
            aggregate_type: ev.aggregate_type.clone(),
            aggregate_id: ev.aggregate_id.clone(),
            actor: ev.actor.clone(),
            actor_org: ev.actor_org.clone(),
            occurred_at_us: to_micros(ev.occurred_at),
            payload: ev.payload.clone(),
            prev_hash: ev.prev_hash.clone(),
            hash: ev.hash.clone(),
            leaf_hash: proof.leaf_hash,
            inclusion_proof: proof.proof,
        });
    }
    let mut documents = Vec::new();
    let mut contents = Vec::new();
    for (i, (kind, key, name, seq, digest)) in
        referenced_documents(&events)?.into_iter().enumerate()
    {
        let (path, sha, size) = if ctx.files.exists(&key).await? {
            let bytes = ctx.files.get_bytes(&key).await?;
            let sha = bundle::sha256_hex(&bytes);
            if let Some(d) = &digest {
                if !d.eq_ignore_ascii_case(&sha) {
                    return Err(Error::internal(format!(
                        "file {key} does not match the digest its event {seq} states"
                    )));
                }
            }
            let path = bundle::entry_name(i + 1, &name);
            let len = bytes.len() as u64;
            contents.push((path.clone(), bytes.to_vec()));
            (Some(path), Some(sha), Some(len))
        } else {
            (None, None, None)
        };
        documents.push(ArchivedDocument {
            path,
            kind,
            key,
            event_seq: seq,
            name,
            sha256: sha,
            size,
            event_sha256: digest.map(|d| d.to_ascii_lowercase()),
        });
    }
    let retention = retention_of(&ctx.db, &job.market).await?;
    let ended_on = local_date(job.ended_at);
    let until = rules::retain_until(ended_on, retention.years);
    let disposable_from = at_local(until.succ_opt().unwrap_or(until), 0, 0, 0);
    let archive_id = ids::new_id();
    let manifest = Manifest {
        format: bundle::FORMAT.into(),
        archive_id: archive_id.clone(),
        subject: bundle::Subject {
            section_id: job.section_id.clone(),
            project_id: job.project_id.clone(),
            market: job.market.clone(),
        },
        ended: bundle::Ending {
            event_type: job.end_event_type.clone(),
            seq: job.end_seq,
            at: job.ended_at.to_rfc3339(),
            date: ended_on.to_string(),
        },
        built_at: now.to_rfc3339(),
        retention: bundle::RetentionInfo {
            years: retention.years,
            retain_until: until.to_string(),
            basis: retention.basis.clone(),
            confirmed: retention.confirmed,
        },
        checkpoint: bundle::CheckpointInfo {
            tree_size: size,
            root_hash: cp.root_hash.clone(),
            note: cp.note.clone(),
        },
        key_name: signer.name().to_string(),
        events: archived,
        documents,
    };
    let built = bundle::build(&manifest, contents, signer);
    let key = format!("archives/{archive_id}.tar");
    let bundle_size = built.bytes.len() as i64;
    ctx.files
        .put_bytes(&key, bytes::Bytes::from(built.bytes))
        .await?;
    let mut tx = ctx.db.begin().await?;
    let won = store::job_done(
        &mut tx,
        &job.section_id,
        &ctx.settings.instance,
        &archive_id,
    )
    .await?;
    if !won {
        drop(tx);
        let _ = ctx.files.delete(&key).await;
        return Ok(false);
    }
    store::insert_archive(
        &mut tx,
        store::ArchiveInsert {
            id: &archive_id,
            section_id: &job.section_id,
            project_id: &job.project_id,
            market: &job.market,
            end_event_type: &job.end_event_type,
            end_seq: job.end_seq,
            ended_at: job.ended_at,
            ended_on: ended_on.to_string(),
            retention_years: retention.years,
            retention_basis: &retention.basis,
            retention_confirmed: retention.confirmed,
            retain_until: until.to_string(),
            disposable_from,
            tree_size: size as i64,
            root_hash: &cp.root_hash,
            checkpoint_note: &cp.note,
            event_count: manifest.events.len() as i64,
            document_count: manifest.documents.len() as i64,
            manifest: &built.manifest_json,
            manifest_sha256: &built.manifest_sha256,
            bundle_key: &key,
            bundle_sha256: &built.sha256,
            bundle_size,
            key_name: signer.name(),
            verifier_key: signer.verifier_key(),
            built_at: now,
        },
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &ActorRef::system("archives.builder"),
        now,
        ArchiveCreated {
            archive_id: archive_id.clone(),
            section_id: job.section_id.clone(),
            project_id: job.project_id.clone(),
            market: job.market.clone(),
            ended_by: job.end_event_type.clone(),
            retain_until: until,
            retention_years: retention.years,
            basis: retention.basis.clone(),
            tree_size: size,
            events: manifest.events.len() as u64,
            documents: manifest.documents.len() as u64,
            bundle_sha256: built.sha256.clone(),
            manifest_sha256: built.manifest_sha256.clone(),
        }
        .encode(),
    )
    .await?;
    ctx.db.commit(tx).await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Reading.

/// An archive as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ArchiveSummary {
    pub id: String,
    pub section_id: String,
    pub project_id: String,
    pub market: String,
    #[sqlx(rename = "end_event_type")]
    pub ended_by: String,
    #[sqlx(try_from = "At")]
    pub ended_at: chrono::DateTime<chrono::Utc>,
    /// Asia/Shanghai date of the end.
    pub ended_on: String,
    pub retention_years: i64,
    pub retention_basis: String,
    #[sqlx(try_from = "Flag")]
    pub retention_confirmed: bool,
    /// Last day of the retention period.
    pub retain_until: String,
    pub event_count: i64,
    pub document_count: i64,
    pub tree_size: i64,
    pub bundle_sha256: String,
    pub bundle_size: i64,
    pub manifest_sha256: String,
    /// The verifier key of the signature (`ggzy archive verify --key`).
    pub verifier_key: String,
    #[sqlx(try_from = "At")]
    pub built_at: chrono::DateTime<chrono::Utc>,
    #[sqlx(try_from = "MaybeAt")]
    pub disposed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub disposal_reason: Option<String>,
}

/// One archive with its manifest.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArchiveDetail {
    #[serde(flatten)]
    pub archive: ArchiveSummary,
    pub manifest: Manifest,
}

/// Filters of the archive list.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct ArchiveFilter {
    /// construction, procurement, land or property.
    pub market: Option<String>,
    pub project_id: Option<String>,
    /// Ended on or after this date (Asia/Shanghai, YYYY-MM-DD).
    pub ended_from: Option<String>,
    /// Ended on or before this date (Asia/Shanghai, YYYY-MM-DD).
    pub ended_to: Option<String>,
}

fn date_of(field: &str, s: &str) -> std::result::Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "archive.date_format", "a date is written YYYY-MM-DD"))
}

/// Archives, most recently ended first (staff, supervisors).
pub async fn list(ctx: &Ctx, actor: &Actor, f: &ArchiveFilter) -> Result<Vec<ArchiveSummary>> {
    actor.require(&READERS)?;
    let mut v = ggzy_core::error::Violations::new();
    let from = f
        .ended_from
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| v.take("ended_from", date_of("ended_from", s)));
    let to = f
        .ended_to
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| v.take("ended_to", date_of("ended_to", s)));
    if let Some(m) = f.market.as_deref().filter(|s| !s.is_empty()) {
        if ggzy_core::ident::Market::parse(m).is_err() {
            v.push(
                "market",
                "archive.market",
                "market is construction, procurement, land or property",
            );
        }
    }
    if let (Some(a), Some(b)) = (from, to) {
        if a > b {
            v.push("ended_to", "archive.range", "ended_to is before ended_from");
        }
    }
    v.into_result()?;
    let mut filter = ggzy_store::filter::Filter::all();
    if let Some(m) = f.market.as_deref().filter(|s| !s.is_empty()) {
        filter.eq("market", m);
    }
    if let Some(p) = f.project_id.as_deref().filter(|s| !s.is_empty()) {
        filter.eq("project_id", p);
    }
    if let Some(d) = from {
        filter.and("ended_on >= ?", [ggzy_core::sql::Day(d)]);
    }
    if let Some(d) = to {
        filter.and("ended_on <= ?", [ggzy_core::sql::Day(d)]);
    }
    store::archives_where(&ctx.db, &filter).await
}

async fn row(ctx: &Ctx, id: &str) -> Result<(ArchiveSummary, String, String)> {
    let r = store::archive(&ctx.db, id)
        .await?
        .ok_or_else(|| Error::not_found("archive"))?;
    Ok((r.summary, r.manifest, r.bundle_key))
}

/// One archive with its manifest (staff, supervisors).
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> Result<ArchiveDetail> {
    actor.require(&READERS)?;
    let (archive, manifest, _) = row(ctx, id).await?;
    let manifest: Manifest = serde_json::from_str(&manifest)
        .map_err(|e| Error::internal(format!("stored manifest: {e}")))?;
    Ok(ArchiveDetail { archive, manifest })
}

/// The bundle's bytes, checked against the stored digest (staff, supervisors).
pub async fn bundle_bytes(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
) -> Result<(ArchiveSummary, bytes::Bytes)> {
    actor.require(&READERS)?;
    let (archive, _, key) = row(ctx, id).await?;
    if archive.disposed_at.is_some() {
        return Err(Error::conflict(
            "archive.disposed",
            "the archive was disposed of after its retention period; only its record remains",
        ));
    }
    let bytes = ctx.files.get_bytes(&key).await?;
    if bundle::sha256_hex(&bytes) != archive.bundle_sha256 {
        return Err(Error::internal(format!(
            "archive {id}: the stored bundle does not match its digest"
        )));
    }
    Ok((archive, bytes))
}

/// Disposal of an archive after its retention period.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Disposal {
    /// Why the archive is disposed of (the appraisal decision, 鉴定销毁).
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub reason: String,
}

/// Dispose of an archive (staff): refused (`archive.retention`) on the last day of its retention
/// period and before; afterwards the bundle file is removed and the row keeps the record, with
/// `archives.archive.disposed`.
pub async fn dispose(ctx: &Ctx, actor: &Actor, id: &str, d: &Disposal) -> Result<ArchiveSummary> {
    actor.require(&[Role::Staff])?;
    let reason = d.reason.trim();
    let now = ctx.clock.now();
    let (archive, _, key) = row(ctx, id).await?;
    if archive.disposed_at.is_some() {
        return Err(Error::conflict(
            "archive.disposed",
            "the archive was already disposed of",
        ));
    }
    let until = date_of("retain_until", &archive.retain_until)
        .map_err(|e| Error::internal(format!("stored retain_until: {}", e.message)))?;
    let mut v = ggzy_core::error::Violations::new();
    if !rules::disposal_allowed(local_date(now), until) {
        v.push(
            "retain_until",
            "archive.retention",
            format!(
                "the archive must be kept until {until} inclusive ({} years, {}); it may be disposed of from the next day",
                archive.retention_years, archive.retention_basis
            ),
        );
    }
    if reason.is_empty() || reason.chars().count() > 500 {
        v.push(
            "reason",
            "archive.reason",
            "the reason of the disposal is required (at most 500 characters)",
        );
    }
    v.into_result()?;
    let mut tx = ctx.db.begin().await?;
    let n = store::mark_disposed(&mut tx, id, (&actor.user_id, reason), now).await?;
    if n != 1 {
        return Err(Error::conflict(
            "archive.disposed",
            "the archive was already disposed of",
        ));
    }
    emit(
        &mut tx,
        &ctx.db,
        &ActorRef::user(&actor.user_id, actor.org_id.as_deref()),
        now,
        ArchiveDisposed {
            archive_id: id.to_string(),
            section_id: archive.section_id.clone(),
            project_id: archive.project_id.clone(),
            market: archive.market.clone(),
            // The stored day, parsed above (`YYYY-MM-DD` both ways).
            retain_until: until,
            reason: reason.to_string(),
            bundle_sha256: archive.bundle_sha256.clone(),
        }
        .encode(),
    )
    .await?;
    ctx.db.commit(tx).await?;
    if let Err(e) = ctx.files.delete(&key).await {
        tracing::warn!(archive = id, error = %e, "disposed archive's bundle file not removed");
    }
    Ok(row(ctx, id).await?.0)
}

/// Pending and failed archive jobs (for the staff page and `/healthz`-style checks).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct PendingArchive {
    pub section_id: String,
    pub market: String,
    #[sqlx(rename = "end_event_type")]
    pub ended_by: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

pub async fn pending(ctx: &Ctx, actor: &Actor) -> Result<Vec<PendingArchive>> {
    actor.require(&READERS)?;
    store::pending_jobs(&ctx.db).await
}
