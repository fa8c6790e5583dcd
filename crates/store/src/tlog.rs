//! The transparency log over the sealed events (docs/transparency-log.md): the Merkle tree the
//! sealer grows ([`grow_tree`], called in the sealing transaction), tree heads and proofs read from
//! the stored complete subtrees, signed checkpoints (published by a cron job on one instance), and
//! the independent verification of the whole log against a saved checkpoint ([`verify_against`]).

use crate::merkle::{self, Hash, NodeId};
use crate::note::{self, Checkpoint, LogSigner, NoteVerifier};
use crate::ExecuteWrite;
use crate::{Db, Tx};
use ggzy_core::error::FieldError;
use ggzy_core::events::{Canonical, Event};
use ggzy_core::sql::At;
use ggzy_core::time::to_micros;
use ggzy_core::{Error, Result, Timestamp};
use serde::Serialize;
use std::collections::HashMap;

/// The canonical bytes of a sealed event (what its leaf and its chain hash cover).
pub fn event_bytes(ev: &Event) -> Vec<u8> {
    Canonical {
        seq: ev.seq,
        id: &ev.id,
        event_type: &ev.event_type,
        aggregate_type: &ev.aggregate_type,
        aggregate_id: &ev.aggregate_id,
        actor: &ev.actor,
        actor_org: ev.actor_org.as_deref(),
        occurred_at_us: to_micros(ev.occurred_at),
        payload: &ev.payload,
    }
    .bytes()
}

/// The log's origin line: the public host and path of `public_url` followed by `/ggzy`
/// (`https://ggzy.example.gov.cn/` → `ggzy.example.gov.cn/ggzy`).
pub fn origin_from_url(public_url: &str) -> String {
    let s = public_url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(public_url);
    let s = s
        .split(['?', '#'])
        .next()
        .unwrap_or(s)
        .trim_end_matches('/');
    let s: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '+')
        .collect();
    if s.is_empty() {
        "ggzy".into()
    } else {
        format!("{s}/ggzy")
    }
}

fn to_hex(h: &Hash) -> String {
    hex::encode(h)
}

fn from_hex(s: &str) -> Result<Hash> {
    hex::decode(s)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| Error::internal("stored Merkle hash is not 32 bytes of hex"))
}

/// Read stored nodes (any executor: the sealer's transaction or the read pool).
async fn load_nodes_tx(tx: &mut Tx, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(64) {
        let (sql, filter) = nodes_query(chunk);
        let q = filter.bind_as(sqlx::query_as::<_, NodeRow>(&sql));
        for r in q.fetch_all(&mut **tx).await? {
            out.insert((r.level as u32, r.idx as u64), from_hex(&r.hash)?);
        }
    }
    Ok(out)
}

async fn load_nodes(db: &Db, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(64) {
        let (sql, filter) = nodes_query(chunk);
        let q = filter.bind_as(sqlx::query_as::<_, NodeRow>(&sql));
        for r in q.fetch_all(db.pool()).await? {
            out.insert((r.level as u32, r.idx as u64), from_hex(&r.hash)?);
        }
    }
    Ok(out)
}

/// A stored Merkle node (`merkle_nodes`).
#[derive(sqlx::FromRow)]
struct NodeRow {
    level: i64,
    idx: i64,
    hash: String,
}

fn nodes_query(ids: &[NodeId]) -> (String, crate::filter::Filter) {
    let mut f = crate::filter::Filter::any();
    for (l, i) in ids {
        f.and("(level = ? AND idx = ?)", [*l as i64, *i as i64]);
    }
    (
        format!(
            "SELECT level, idx, hash FROM merkle_nodes WHERE {}",
            f.condition()
        ),
        f,
    )
}

/// Append `leaves` (leaf numbers `size`, `size + 1`, …) to the tree inside the sealing
/// transaction `tx`, storing every complete subtree that comes into existence.
pub(crate) async fn grow_tree(tx: &mut Tx, size: u64, leaves: &[Hash]) -> Result<()> {
    if leaves.is_empty() {
        return Ok(());
    }
    let ids = merkle::frontier_ids(size);
    let found = load_nodes_tx(tx, &ids).await?;
    let mut frontier: HashMap<u32, Hash> = HashMap::new();
    for id in &ids {
        let h = found
            .get(id)
            .ok_or_else(|| Error::internal(format!("Merkle node {id:?} missing")))?;
        frontier.insert(id.0, *h);
    }
    let mut rows: Vec<(NodeId, Hash)> = Vec::with_capacity(leaves.len() * 2);
    for (k, leaf) in leaves.iter().enumerate() {
        rows.extend(merkle::append(size + k as u64, *leaf, &mut frontier));
    }
    for chunk in rows.chunks(300) {
        let mut sql = String::from("INSERT INTO merkle_nodes (level, idx, hash) VALUES ");
        for k in 0..chunk.len() {
            if k > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${}, ${})", 3 * k + 1, 3 * k + 2, 3 * k + 3));
        }
        let mut q = sqlx::query(&sql);
        for ((l, i), h) in chunk {
            q = q.bind(*l as i64).bind(*i as i64).bind(to_hex(h));
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Number of leaves in the stored tree.
pub async fn tree_size(db: &Db) -> Result<u64> {
    let size: i64 = sqlx::query_scalar("SELECT tree_size FROM event_chain WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    Ok(size.max(0) as u64)
}

fn proof_error(field: &str, rule: &str, message: String) -> Error {
    Error::Validation(vec![FieldError::new(field, rule, message)])
}

/// The tree head of the first `size` leaves, from the stored nodes.
pub async fn root_at(db: &Db, size: u64) -> Result<Hash> {
    let current = tree_size(db).await?;
    if size > current {
        return Err(proof_error(
            "tree_size",
            "audit.tree_size_too_large",
            format!("the log has {current} entries"),
        ));
    }
    let mut ids = Vec::new();
    merkle::nodes_for_range(0, size, &mut ids);
    let nodes = load_nodes(db, &ids).await?;
    merkle::range_hash(0, size, &nodes).ok_or_else(|| Error::internal("Merkle node missing"))
}

/// An inclusion proof (RFC 9162 §2.1.3), hashes in lowercase hex.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InclusionProof {
    /// The event's sequence number (leaf index + 1).
    pub seq: i64,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// SHA-256(0x00 ‖ canonical event bytes).
    pub leaf_hash: String,
    /// The tree head of `tree_size` leaves.
    pub root_hash: String,
    pub proof: Vec<String>,
}

/// The inclusion proof of event `seq` in the tree of `size` leaves (latest when `None`).
pub async fn inclusion_proof(db: &Db, seq: i64, size: Option<u64>) -> Result<InclusionProof> {
    let current = tree_size(db).await?;
    let size = size.unwrap_or(current);
    if size == 0 || size > current {
        return Err(proof_error(
            "tree_size",
            "audit.tree_size_out_of_range",
            format!("tree_size must be between 1 and {current}"),
        ));
    }
    if seq < 1 || seq as u64 > size {
        return Err(proof_error(
            "seq",
            "audit.seq_out_of_range",
            format!("seq must be between 1 and the tree size {size}"),
        ));
    }
    let m = seq as u64 - 1;
    let ranges = merkle::inclusion_ranges(m, size);
    let mut ids = merkle::nodes_for_ranges(&ranges);
    merkle::nodes_for_range(0, size, &mut ids);
    ids.push((0, m));
    let nodes = load_nodes(db, &ids).await?;
    let missing = || Error::internal("Merkle node missing");
    let proof = ranges
        .iter()
        .map(|&(a, b)| merkle::range_hash(a, b, &nodes).map(|h| to_hex(&h)))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(missing)?;
    Ok(InclusionProof {
        seq,
        leaf_index: m,
        tree_size: size,
        leaf_hash: to_hex(nodes.get(&(0, m)).ok_or_else(missing)?),
        root_hash: to_hex(&merkle::range_hash(0, size, &nodes).ok_or_else(missing)?),
        proof,
    })
}

/// A consistency proof (RFC 9162 §2.1.4), hashes in lowercase hex.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    pub old_size: u64,
    pub new_size: u64,
    pub old_root: String,
    pub new_root: String,
    pub proof: Vec<String>,
}

/// The proof that the tree of `new` leaves extends the tree of `old` leaves.
pub async fn consistency_proof(db: &Db, old: u64, new: Option<u64>) -> Result<ConsistencyProof> {
    let current = tree_size(db).await?;
    let new = new.unwrap_or(current);
    if new > current {
        return Err(proof_error(
            "new",
            "audit.tree_size_out_of_range",
            format!("new must be at most the tree size {current}"),
        ));
    }
    if old > new {
        return Err(proof_error(
            "old",
            "audit.old_after_new",
            format!("old must be at most new ({new})"),
        ));
    }
    let ranges = merkle::consistency_ranges(old, new);
    let mut ids = merkle::nodes_for_ranges(&ranges);
    merkle::nodes_for_range(0, old, &mut ids);
    merkle::nodes_for_range(0, new, &mut ids);
    let nodes = load_nodes(db, &ids).await?;
    let h = |a, b| {
        merkle::range_hash(a, b, &nodes)
            .map(|h| to_hex(&h))
            .ok_or_else(|| Error::internal("Merkle node missing"))
    };
    Ok(ConsistencyProof {
        old_size: old,
        new_size: new,
        old_root: h(0, old)?,
        new_root: h(0, new)?,
        proof: ranges
            .iter()
            .map(|&(a, b)| h(a, b))
            .collect::<Result<Vec<_>>>()?,
    })
}

/// A published checkpoint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublishedCheckpoint {
    pub tree_size: u64,
    /// The tree head, lowercase hex (base64 in the note).
    pub root_hash: String,
    pub origin: String,
    pub key_name: String,
    pub published_at: chrono::DateTime<chrono::Utc>,
    /// The signed note, exactly as `GET /api/v1/audit/checkpoint` serves it.
    pub note: String,
}

/// A `log_checkpoints` row as stored ([`CP_COLUMNS`]).
#[derive(sqlx::FromRow)]
struct CheckpointRow {
    tree_size: i64,
    root_hash: String,
    origin: String,
    key_name: String,
    note: String,
    #[sqlx(try_from = "At")]
    published_at: Timestamp,
}

impl From<CheckpointRow> for PublishedCheckpoint {
    fn from(r: CheckpointRow) -> PublishedCheckpoint {
        PublishedCheckpoint {
            tree_size: r.tree_size.max(0) as u64,
            root_hash: r.root_hash,
            origin: r.origin,
            key_name: r.key_name,
            note: r.note,
            published_at: r.published_at,
        }
    }
}

const CP_COLUMNS: &str = "tree_size, root_hash, origin, key_name, note, published_at";

/// Sign and store a checkpoint of the current tree unless the latest one already covers it.
/// Returns the new checkpoint. Safe on several instances: one row per tree size.
pub async fn publish_checkpoint(
    db: &Db,
    signer: &LogSigner,
    origin: &str,
    now: Timestamp,
) -> Result<Option<PublishedCheckpoint>> {
    let size = tree_size(db).await?;
    if size == 0 {
        return Ok(None);
    }
    if let Some(latest) = latest_checkpoint(db).await? {
        if latest.tree_size >= size {
            return Ok(None);
        }
    }
    let root = root_at(db, size).await?;
    let text = Checkpoint {
        origin: origin.to_string(),
        size,
        root,
    }
    .text();
    let signed = signer.sign_note(&text);
    let r = sqlx::query(
        "INSERT INTO log_checkpoints (tree_size, root_hash, origin, key_name, note, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tree_size) DO NOTHING",
    )
    .bind(size as i64)
    .bind(to_hex(&root))
    .bind(origin)
    .bind(signer.name())
    .bind(&signed)
    .bind(to_micros(now))
    .execute_write(db)
    .await?;
    if r.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(Some(PublishedCheckpoint {
        tree_size: size,
        root_hash: to_hex(&root),
        origin: origin.to_string(),
        key_name: signer.name().to_string(),
        published_at: now,
        note: signed,
    }))
}

pub async fn latest_checkpoint(db: &Db) -> Result<Option<PublishedCheckpoint>> {
    let r: Option<CheckpointRow> = sqlx::query_as(&format!(
        "SELECT {CP_COLUMNS} FROM log_checkpoints ORDER BY tree_size DESC LIMIT 1"
    ))
    .fetch_optional(db.pool())
    .await?;
    Ok(r.map(PublishedCheckpoint::from))
}

/// Checkpoints, newest first, with a tree size below `before` (all when `None`).
pub async fn checkpoints(
    db: &Db,
    before: Option<u64>,
    limit: i64,
) -> Result<Vec<PublishedCheckpoint>> {
    let rows: Vec<CheckpointRow> = sqlx::query_as(&format!(
        "SELECT {CP_COLUMNS} FROM log_checkpoints WHERE tree_size < $1 ORDER BY tree_size DESC LIMIT $2"
    ))
    .bind(before.map(|b| b.min(i64::MAX as u64) as i64).unwrap_or(i64::MAX))
    .bind(limit.clamp(1, 1000))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(PublishedCheckpoint::from).collect())
}

/// Outcome of checking the log against a saved checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogCheck {
    pub ok: bool,
    pub checkpoint_size: u64,
    pub log_size: u64,
    /// What is wrong, when not ok.
    pub problem: Option<String>,
}

/// Prove that the current log extends `checkpoint_note` (a signed checkpoint saved earlier):
/// check its signature with `verifier`, recompute every leaf from the events themselves (not from
/// the stored tree), and compare the head of the first N leaves with the saved root. Also checks
/// that the stored tree the server answers proofs from agrees with the events.
pub async fn verify_against(
    db: &Db,
    checkpoint_note: &str,
    verifier: &NoteVerifier,
) -> Result<LogCheck> {
    let cp = match note::open_checkpoint(checkpoint_note, verifier) {
        Ok(cp) => cp,
        Err(e) => {
            return Ok(LogCheck {
                ok: false,
                checkpoint_size: note::read_checkpoint_unverified(checkpoint_note)
                    .map(|c| c.size)
                    .unwrap_or(0),
                log_size: 0,
                problem: Some(format!("checkpoint signature: {e}")),
            })
        }
    };
    // Stream the events through a compact range (memory O(log n)), noting the head at N.
    let mut frontier: HashMap<u32, Hash> = HashMap::new();
    let mut log_size = 0u64;
    let mut root_at_checkpoint = (cp.size == 0).then(merkle::empty_root);
    let mut cursor = 0i64;
    let mut problem: Option<String> = None;
    'read: loop {
        let batch = crate::outbox::read_after(db.pool(), cursor, 2000).await?;
        if batch.is_empty() {
            break;
        }
        for ev in &batch {
            if ev.seq != cursor + 1 {
                problem = Some(format!(
                    "sequence gap: expected {}, found {}",
                    cursor + 1,
                    ev.seq
                ));
                break 'read;
            }
            merkle::append(log_size, merkle::leaf_hash(&event_bytes(ev)), &mut frontier);
            log_size += 1;
            if log_size == cp.size {
                root_at_checkpoint = merkle::root_from_frontier(log_size, &frontier);
            }
            cursor = ev.seq;
        }
    }
    let fail = |p: String| LogCheck {
        ok: false,
        checkpoint_size: cp.size,
        log_size,
        problem: Some(p),
    };
    if let Some(p) = problem {
        return Ok(fail(p));
    }
    if log_size < cp.size {
        return Ok(fail(format!(
            "the log has {log_size} events but the checkpoint covers {}: entries were removed",
            cp.size
        )));
    }
    if root_at_checkpoint != Some(cp.root) {
        return Ok(fail(format!(
            "the first {} events do not hash to the checkpoint's root: history was rewritten",
            cp.size
        )));
    }
    // The stored tree (what proofs are answered from) must agree with the events.
    let stored_size = tree_size(db).await?;
    if stored_size != log_size {
        return Ok(fail(format!(
            "the stored tree has {stored_size} leaves, the log {log_size} events"
        )));
    }
    if root_at(db, log_size).await?
        != merkle::root_from_frontier(log_size, &frontier).unwrap_or_default()
    {
        return Ok(fail(
            "the stored Merkle tree does not match the events".into(),
        ));
    }
    Ok(LogCheck {
        ok: true,
        checkpoint_size: cp.size,
        log_size,
        problem: None,
    })
}
