//! The archive bundle (pure): its manifest, its signature and its container, and the offline
//! verification of a downloaded bundle (docs/archives.md "Format").
//!
//! A bundle is a POSIX ustar file (readable with `tar -xf`), written deterministically (mode 0644,
//! owner 0, mtime 0):
//!
//! ```text
//! manifest.json       what the archive holds: the trade, its events with their inclusion proofs,
//!                     its documents with their SHA-256, the checkpoint, the retention period
//! manifest.sig        a signed note (C2SP signed-note, Ed25519, the log's key) over
//!                     "ggzy-archive/1\n<archive id>\n<SHA-256 of manifest.json, hex>\n"
//! checkpoint.note     the signed checkpoint of the transparency log the proofs lead to
//! documents/NNN-…     every document, byte for byte as the file store holds it
//! ```
//!
//! [`verify`] checks the signature of the manifest, the checkpoint's signature, every event's
//! leaf, chain hash and inclusion proof, every document's digest and size, and that the container
//! is exactly what the writer produces from its entries (so no byte of the file, headers and
//! padding included, can change without failing).

use ggzy_core::events::{chain_hash, Canonical};
use ggzy_store::merkle::{self, Hash};
use ggzy_store::note::{self, LogSigner, NoteVerifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Format name, first line of the signed statement.
pub const FORMAT: &str = "ggzy-archive/1";
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.sig";
pub const CHECKPOINT: &str = "checkpoint.note";

/// The trade an archive is about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = ArchiveSubject)]
pub struct Subject {
    pub section_id: String,
    pub project_id: String,
    pub market: String,
}

/// The event that ended the trade.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Ending {
    pub event_type: String,
    pub seq: i64,
    /// RFC 3339 instant of the event.
    pub at: String,
    /// Its date in Asia/Shanghai (the retention period counts from it).
    pub date: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RetentionInfo {
    pub years: i64,
    /// Last day of the period (Asia/Shanghai); disposal is allowed from the next day.
    pub retain_until: String,
    pub basis: String,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CheckpointInfo {
    pub tree_size: u64,
    /// Tree head, lowercase hex.
    pub root_hash: String,
    /// The signed note (also stored as `checkpoint.note`).
    pub note: String,
}

/// One sealed event of the trade, with what is needed to recompute its leaf and chain hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ArchivedEvent {
    pub seq: i64,
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub actor: String,
    pub actor_org: Option<String>,
    pub occurred_at_us: i64,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
    /// SHA-256(0x00 ‖ canonical bytes), hex.
    pub leaf_hash: String,
    /// RFC 9162 inclusion proof of leaf `seq - 1` in the checkpoint's tree, hex.
    pub inclusion_proof: Vec<String>,
}

impl ArchivedEvent {
    pub fn canonical(&self) -> Vec<u8> {
        Canonical {
            seq: self.seq,
            id: &self.id,
            event_type: &self.event_type,
            aggregate_type: &self.aggregate_type,
            aggregate_id: &self.aggregate_id,
            actor: &self.actor,
            actor_org: self.actor_org.as_deref(),
            occurred_at_us: self.occurred_at_us,
            payload: &self.payload,
        }
        .bytes()
    }
}

/// One document of the trade as the file store holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ArchivedDocument {
    /// Entry name in the bundle (`documents/NNN-…`); `None` when the file store no longer had it.
    pub path: Option<String>,
    /// `sealed_bid`, `decrypted_bid` or `attachment`.
    pub kind: String,
    /// File-store key.
    pub key: String,
    /// The event that references it.
    pub event_seq: i64,
    pub name: String,
    /// SHA-256 of the bytes in the bundle, hex.
    pub sha256: Option<String>,
    pub size: Option<u64>,
    /// The digest the referencing event states, when it states one (equal to `sha256`: a
    /// mismatch stops the archive from being built).
    pub event_sha256: Option<String>,
}

/// The manifest (`manifest.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Manifest {
    pub format: String,
    pub archive_id: String,
    pub subject: Subject,
    pub ended: Ending,
    /// RFC 3339 instant of the build.
    pub built_at: String,
    pub retention: RetentionInfo,
    pub checkpoint: CheckpointInfo,
    /// The name of the key that signs the manifest and the checkpoint.
    pub key_name: String,
    pub events: Vec<ArchivedEvent>,
    pub documents: Vec<ArchivedDocument>,
}

pub fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// The text the manifest signature covers.
pub fn statement(archive_id: &str, manifest_sha256: &str) -> String {
    format!("{FORMAT}\n{archive_id}\n{manifest_sha256}\n")
}

/// The bundle's bytes and digests.
pub struct Built {
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub manifest_json: String,
    pub manifest_sha256: String,
}

/// Write the bundle: the manifest, its signature, the checkpoint, then each document whose bytes
/// are given (`docs[i]` belongs to the manifest document with `path == Some(name)`).
pub fn build(manifest: &Manifest, docs: Vec<(String, Vec<u8>)>, signer: &LogSigner) -> Built {
    let manifest_json = serde_json::to_string_pretty(manifest).unwrap_or_default() + "\n";
    let manifest_sha256 = sha256_hex(manifest_json.as_bytes());
    let sig = signer.sign_note(&statement(&manifest.archive_id, &manifest_sha256));
    let mut entries = vec![
        (MANIFEST.to_string(), manifest_json.clone().into_bytes()),
        (SIGNATURE.to_string(), sig.into_bytes()),
        (
            CHECKPOINT.to_string(),
            manifest.checkpoint.note.clone().into_bytes(),
        ),
    ];
    entries.extend(docs);
    let bytes = tar::write(&entries);
    Built {
        sha256: sha256_hex(&bytes),
        bytes,
        manifest_json,
        manifest_sha256,
    }
}

/// Result of [`verify`].
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    pub ok: bool,
    pub archive_id: Option<String>,
    pub events: usize,
    pub documents: usize,
    pub tree_size: u64,
    /// Everything wrong, in the order found.
    pub problems: Vec<String>,
}

/// Check a bundle offline with the log's verifier key.
pub fn verify(bytes: &[u8], verifier: &NoteVerifier) -> Report {
    let mut r = Report::default();
    let entries = match tar::read(bytes) {
        Ok(e) => e,
        Err(e) => {
            r.problems.push(format!("container: {e}"));
            return r;
        }
    };
    if tar::write(&entries) != bytes {
        r.problems
            .push("container: the file is not the bundle as written (bytes were changed)".into());
    }
    let get = |name: &str| entries.iter().find(|(n, _)| n == name).map(|(_, b)| b);
    let (Some(mbytes), Some(sig), Some(cp_note)) = (get(MANIFEST), get(SIGNATURE), get(CHECKPOINT))
    else {
        r.problems
            .push("container: manifest.json, manifest.sig or checkpoint.note is missing".into());
        return r;
    };
    let manifest: Manifest = match serde_json::from_slice(mbytes) {
        Ok(m) => m,
        Err(e) => {
            r.problems.push(format!("manifest.json: {e}"));
            return r;
        }
    };
    r.archive_id = Some(manifest.archive_id.clone());
    r.events = manifest.events.len();
    r.documents = manifest.documents.len();
    if manifest.format != FORMAT {
        r.problems
            .push(format!("manifest: unknown format '{}'", manifest.format));
    }
    // 1. The signature over the manifest's digest.
    let want = statement(&manifest.archive_id, &sha256_hex(mbytes));
    match std::str::from_utf8(sig)
        .map_err(|e| e.to_string())
        .and_then(|s| verifier.open(s))
    {
        Ok(text) if text == want => {}
        Ok(_) => r
            .problems
            .push("manifest.sig: signs another manifest (digest or archive id differ)".into()),
        Err(e) => r.problems.push(format!("manifest.sig: {e}")),
    }
    // 2. The checkpoint: signed by the same key, the same one the manifest names.
    let cp = match std::str::from_utf8(cp_note)
        .map_err(|e| e.to_string())
        .and_then(|s| note::open_checkpoint(s, verifier))
    {
        Ok(cp) => Some(cp),
        Err(e) => {
            r.problems.push(format!("checkpoint.note: {e}"));
            None
        }
    };
    if cp_note.as_slice() != manifest.checkpoint.note.as_bytes() {
        r.problems
            .push("checkpoint.note differs from the manifest's checkpoint".into());
    }
    if let Some(cp) = &cp {
        r.tree_size = cp.size;
        if cp.size != manifest.checkpoint.tree_size
            || hex::encode(cp.root) != manifest.checkpoint.root_hash
        {
            r.problems
                .push("manifest: tree size or root differs from the signed checkpoint".into());
        }
    }
    // 3. Every event: leaf, chain hash, inclusion proof.
    let mut last_seq = 0i64;
    for ev in &manifest.events {
        if ev.seq <= last_seq {
            r.problems
                .push(format!("event {}: not in log order", ev.seq));
        }
        last_seq = ev.seq;
        let canonical = ev.canonical();
        let leaf = merkle::leaf_hash(&canonical);
        if hex::encode(leaf) != ev.leaf_hash {
            r.problems.push(format!(
                "event {}: leaf hash does not match its content",
                ev.seq
            ));
        }
        if chain_hash(&ev.prev_hash, &canonical) != ev.hash {
            r.problems.push(format!(
                "event {}: chain hash does not match its content",
                ev.seq
            ));
        }
        let Some(cp) = &cp else { continue };
        let proof: Option<Vec<Hash>> = ev
            .inclusion_proof
            .iter()
            .map(|h| hex::decode(h).ok().and_then(|v| v.try_into().ok()))
            .collect();
        let included = ev.seq >= 1
            && (ev.seq as u64) <= cp.size
            && proof.is_some_and(|p| {
                merkle::verify_inclusion(ev.seq as u64 - 1, cp.size, &leaf, &p, &cp.root)
            });
        if !included {
            r.problems.push(format!(
                "event {}: the inclusion proof does not lead to the checkpoint's root",
                ev.seq
            ));
        }
    }
    // 4. Every document: present with its digest and size; nothing else in the container.
    let mut expected: Vec<&str> = vec![MANIFEST, SIGNATURE, CHECKPOINT];
    for d in &manifest.documents {
        let Some(path) = &d.path else { continue };
        expected.push(path);
        match get(path) {
            None => r.problems.push(format!("document {path}: missing")),
            Some(b) => {
                if Some(sha256_hex(b)) != d.sha256 {
                    r.problems.push(format!(
                        "document {path}: SHA-256 does not match the manifest"
                    ));
                }
                if Some(b.len() as u64) != d.size {
                    r.problems
                        .push(format!("document {path}: size does not match the manifest"));
                }
            }
        }
        if d.event_sha256.is_some() && d.event_sha256 != d.sha256 {
            r.problems.push(format!(
                "document {path}: differs from the digest its event states"
            ));
        }
    }
    for (n, _) in &entries {
        if !expected.contains(&n.as_str()) {
            r.problems.push(format!("container: unexpected entry {n}"));
        }
    }
    r.ok = r.problems.is_empty();
    r
}

/// The `manifest.json` of a bundle (no checks).
pub fn read_manifest(bytes: &[u8]) -> Result<Manifest, String> {
    let entries = tar::read(bytes)?;
    let m = entries
        .iter()
        .find(|(n, _)| n == MANIFEST)
        .ok_or("no manifest.json")?;
    serde_json::from_slice(&m.1).map_err(|e| e.to_string())
}

/// A safe entry name for a document: ASCII letters, digits, `.`, `-`, `_`; at most 100 bytes.
pub fn entry_name(index: usize, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.');
    let mut s = format!("documents/{index:03}-{clean}");
    s.truncate(99);
    s
}

/// A minimal deterministic POSIX ustar writer and reader (regular files only).
pub mod tar {
    const BLOCK: usize = 512;

    fn octal(field: &mut [u8], v: u64) {
        // NUL-terminated, zero-padded octal.
        let n = field.len() - 1;
        let s = format!("{:0width$o}", v, width = n);
        field[..n].copy_from_slice(&s.as_bytes()[s.len() - n..]);
        field[n] = 0;
    }

    fn header(name: &str, size: u64) -> [u8; BLOCK] {
        let mut h = [0u8; BLOCK];
        let n = name.as_bytes();
        h[..n.len().min(100)].copy_from_slice(&n[..n.len().min(100)]);
        octal(&mut h[100..108], 0o644);
        octal(&mut h[108..116], 0);
        octal(&mut h[116..124], 0);
        octal(&mut h[124..136], size);
        octal(&mut h[136..148], 0);
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| b as u32).sum();
        let s = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(s.as_bytes());
        h
    }

    pub fn write(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in entries {
            out.extend_from_slice(&header(name, data.len() as u64));
            out.extend_from_slice(data);
            let pad = (BLOCK - data.len() % BLOCK) % BLOCK;
            out.extend(std::iter::repeat_n(0u8, pad));
        }
        out.extend(std::iter::repeat_n(0u8, 2 * BLOCK));
        out
    }

    fn parse_octal(f: &[u8]) -> Result<u64, String> {
        let s: String = f
            .iter()
            .take_while(|&&b| b != 0 && b != b' ')
            .map(|&b| b as char)
            .collect();
        u64::from_str_radix(s.trim(), 8).map_err(|_| "bad octal field in a header".to_string())
    }

    pub fn read(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
        let mut out = Vec::new();
        let mut at = 0usize;
        loop {
            let h = bytes
                .get(at..at + BLOCK)
                .ok_or("truncated: no end-of-archive blocks")?;
            if h.iter().all(|&b| b == 0) {
                return Ok(out);
            }
            let name_end = h[..100].iter().position(|&b| b == 0).unwrap_or(100);
            let name = std::str::from_utf8(&h[..name_end])
                .map_err(|_| "entry name is not UTF-8")?
                .to_string();
            let size = parse_octal(&h[124..136])? as usize;
            let start = at + BLOCK;
            let data = bytes
                .get(start..start.checked_add(size).ok_or("size overflow")?)
                .ok_or_else(|| format!("truncated entry {name}"))?;
            out.push((name, data.to_vec()));
            at = start + size.div_ceil(BLOCK) * BLOCK;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_round_trips_and_is_deterministic() {
        let entries = vec![
            ("a.json".to_string(), b"{}".to_vec()),
            ("documents/001-x.bin".to_string(), vec![7u8; 1500]),
            ("empty".to_string(), Vec::new()),
        ];
        let b = tar::write(&entries);
        assert_eq!(b.len() % 512, 0);
        assert_eq!(tar::read(&b).unwrap(), entries);
        assert_eq!(tar::write(&entries), b);
    }

    fn event(seq: i64, prev: &str) -> ArchivedEvent {
        let mut e = ArchivedEvent {
            seq,
            id: format!("ev-{seq}"),
            event_type: "projects.section.failed".into(),
            aggregate_type: "section".into(),
            aggregate_id: "s1".into(),
            actor: "system:test".into(),
            actor_org: None,
            occurred_at_us: 1_000 + seq,
            payload: serde_json::json!({"section_id": "s1", "n": seq}),
            prev_hash: prev.to_string(),
            hash: String::new(),
            leaf_hash: String::new(),
            inclusion_proof: Vec::new(),
        };
        let c = e.canonical();
        e.hash = chain_hash(prev, &c);
        e.leaf_hash = hex::encode(merkle::leaf_hash(&c));
        e
    }

    /// A two-event log, its checkpoint, one document: verifies; each kind of change is caught.
    #[test]
    fn a_bundle_verifies_and_every_change_is_caught() {
        let signer = LogSigner::generate("test-log").unwrap();
        let vk = NoteVerifier::parse(&signer.verifier_key()).unwrap();
        let mut e1 = event(1, ggzy_core::events::GENESIS_HASH);
        let mut e2 = event(2, &e1.hash.clone());
        let (l1, l2) = (
            merkle::leaf_hash(&e1.canonical()),
            merkle::leaf_hash(&e2.canonical()),
        );
        let root = merkle::node_hash(&l1, &l2);
        e1.inclusion_proof = vec![hex::encode(l2)];
        e2.inclusion_proof = vec![hex::encode(l1)];
        let note = signer.sign_note(
            &note::Checkpoint {
                origin: "test/ggzy".into(),
                size: 2,
                root,
            }
            .text(),
        );
        let doc = b"sealed package bytes".to_vec();
        let path = entry_name(1, "b1.bid");
        let m = Manifest {
            format: FORMAT.into(),
            archive_id: "a1".into(),
            subject: Subject {
                section_id: "s1".into(),
                project_id: "p1".into(),
                market: "construction".into(),
            },
            ended: Ending {
                event_type: "projects.section.failed".into(),
                seq: 2,
                at: "2026-04-03T01:30:00Z".into(),
                date: "2026-04-03".into(),
            },
            built_at: "2026-04-03T01:31:00Z".into(),
            retention: RetentionInfo {
                years: 10,
                retain_until: "2036-04-03".into(),
                basis: "test".into(),
                confirmed: false,
            },
            checkpoint: CheckpointInfo {
                tree_size: 2,
                root_hash: hex::encode(root),
                note,
            },
            key_name: "test-log".into(),
            events: vec![e1, e2],
            documents: vec![ArchivedDocument {
                path: Some(path.clone()),
                kind: "sealed_bid".into(),
                key: "bids/b1.bid".into(),
                event_seq: 1,
                name: "b1.bid".into(),
                sha256: Some(sha256_hex(&doc)),
                size: Some(doc.len() as u64),
                event_sha256: Some(sha256_hex(&doc)),
            }],
        };
        let b = build(&m, vec![(path.clone(), doc.clone())], &signer);
        let r = verify(&b.bytes, &vk);
        assert!(r.ok, "{:?}", r.problems);
        assert_eq!((r.events, r.documents, r.tree_size), (2, 1, 2));
        assert_eq!(read_manifest(&b.bytes).unwrap(), m);
        // Every single byte changed fails (headers, padding, content, end blocks).
        for at in (0..b.bytes.len()).step_by(97) {
            let mut bad = b.bytes.clone();
            bad[at] ^= 0x20;
            assert!(!verify(&bad, &vk).ok, "byte {at}");
        }
        // A re-signed manifest with an edited event: the signature holds, the proof does not.
        let mut forged = m.clone();
        forged.events[0].payload = serde_json::json!({"section_id": "s1", "n": 99});
        let fb = build(&forged, vec![(path.clone(), doc.clone())], &signer);
        let r = verify(&fb.bytes, &vk);
        assert!(r.problems.iter().any(|p| p.contains("event 1")), "{r:?}");
        // A document replaced with the manifest re-signed by another key: refused.
        let other = LogSigner::generate("test-log").unwrap();
        let ob = build(&m, vec![(path, doc)], &other);
        assert!(!verify(&ob.bytes, &vk).ok);
        // Truncated.
        assert!(!verify(&b.bytes[..b.bytes.len() - 1024], &vk).ok);
    }

    #[test]
    fn entry_names_are_safe() {
        assert_eq!(entry_name(3, "../商务标.pdf"), "documents/003-____.pdf");
        assert!(entry_name(1, &"x".repeat(300)).len() < 100);
        assert_eq!(entry_name(1, "a/../../b").matches('/').count(), 1);
    }
}
