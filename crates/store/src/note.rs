//! Signed checkpoints of the event log: the C2SP `tlog-checkpoint` text inside a C2SP `signed-note`,
//! signed with Ed25519 — the formats of Go's `golang.org/x/mod/sumdb/note` and of Certificate
//! Transparency's static logs, so standard tools verify them.
//!
//! ```text
//! example.gov.cn/ggzy            origin
//! 1234                           tree size (leaves = sealed events)
//! qz3Ntr9k0W8b…=                 base64 tree head (RFC 6962 MTH)
//!                                empty line
//! — example.gov.cn/ggzy AbCdEf…  "— " key name, base64(4-byte key id ‖ 64-byte signature)
//! ```
//!
//! Key id = first 4 bytes of `SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key)`. Keys are written as
//! `PRIVATE+KEY+<name>+<id hex>+<base64(0x01 ‖ seed)>` (signer) and `<name>+<id hex>+<base64(0x01 ‖
//! public key)>` (verifier). The signer key is read from a file or the environment only
//! ([`LogSigner::parse`]); it is never stored in the database.

use crate::merkle::Hash;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

const ALG_ED25519: u8 = 0x01;

/// An Ed25519 signing key with its note key name. `Debug` never prints the secret.
#[derive(Clone)]
pub struct LogSigner {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogSigner")
            .field("name", &self.name)
            .field("verifier", &self.verifier_key())
            .finish()
    }
}

fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// A key name must be non-empty and free of spaces, `+` and control characters (signed-note).
pub fn valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '+')
}

impl LogSigner {
    pub fn new(name: &str, key: SigningKey) -> Result<LogSigner, String> {
        if !valid_key_name(name) {
            return Err(format!("invalid key name '{name}'"));
        }
        Ok(LogSigner {
            name: name.to_string(),
            key,
        })
    }

    /// A fresh random key (development: `serve --demo`, `audit keygen`).
    pub fn generate(name: &str) -> Result<LogSigner, String> {
        LogSigner::new(name, SigningKey::generate(&mut rand::rngs::OsRng))
    }

    /// Read a key: `PRIVATE+KEY+<name>+<id>+<base64(0x01 ‖ seed)>` (the name in it wins), or a bare
    /// 32-byte seed in base64 or hex named `default_name`.
    pub fn parse(text: &str, default_name: &str) -> Result<LogSigner, String> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix("PRIVATE+KEY+") {
            let parts: Vec<&str> = rest.splitn(3, '+').collect();
            let [name, id_hex, data] = parts[..] else {
                return Err("a signer key is PRIVATE+KEY+<name>+<id>+<base64 key>".into());
            };
            let bytes = B64
                .decode(data)
                .map_err(|e| format!("signer key: base64: {e}"))?;
            if bytes.len() != 33 || bytes[0] != ALG_ED25519 {
                return Err("signer key: not an Ed25519 key (0x01 ‖ 32 bytes)".into());
            }
            let seed: [u8; 32] = bytes[1..].try_into().map_err(|_| "signer key length")?;
            let signer = LogSigner::new(name, SigningKey::from_bytes(&seed))?;
            if hex::encode(signer.key_id()) != id_hex.to_ascii_lowercase() {
                return Err("signer key: key id does not match name and key".into());
            }
            return Ok(signer);
        }
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|e| e.to_string())?
        } else {
            B64.decode(text)
                .map_err(|_| "signing key: expected PRIVATE+KEY+…, or 32 bytes in base64 or hex")?
        };
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "signing key: the seed must be 32 bytes".to_string())?;
        LogSigner::new(default_name, SigningKey::from_bytes(&seed))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    pub fn key_id(&self) -> [u8; 4] {
        key_id(&self.name, &self.public_key())
    }

    /// `<name>+<id hex>+<base64(0x01 ‖ public key)>`.
    pub fn verifier_key(&self) -> String {
        let mut v = vec![ALG_ED25519];
        v.extend_from_slice(&self.public_key());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id()),
            B64.encode(v)
        )
    }

    /// `PRIVATE+KEY+<name>+<id hex>+<base64(0x01 ‖ seed)>` (what `audit keygen` writes).
    pub fn signer_key(&self) -> String {
        let mut v = vec![ALG_ED25519];
        v.extend_from_slice(&self.key.to_bytes());
        format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            hex::encode(self.key_id()),
            B64.encode(v)
        )
    }

    /// Sign raw bytes (receipts use the same key type).
    pub fn sign_bytes(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg).to_bytes()
    }

    /// The signed note of `text` (which must end with a newline).
    pub fn sign_note(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes()).to_bytes();
        let mut blob = self.key_id().to_vec();
        blob.extend_from_slice(&sig);
        format!("{text}\n\u{2014} {} {}\n", self.name, B64.encode(blob))
    }
}

/// A verifier key parsed from `<name>+<id>+<base64(0x01 ‖ public key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    pub name: String,
    pub id: [u8; 4],
    pub key: [u8; 32],
}

impl NoteVerifier {
    pub fn parse(text: &str) -> Result<NoteVerifier, String> {
        let parts: Vec<&str> = text.trim().splitn(3, '+').collect();
        let [name, id_hex, data] = parts[..] else {
            return Err("a verifier key is <name>+<id>+<base64 key>".into());
        };
        let bytes = B64
            .decode(data)
            .map_err(|e| format!("verifier key: base64: {e}"))?;
        if bytes.len() != 33 || bytes[0] != ALG_ED25519 {
            return Err("verifier key: not an Ed25519 key".into());
        }
        let key: [u8; 32] = bytes[1..].try_into().map_err(|_| "verifier key length")?;
        let id = key_id(name, &key);
        if hex::encode(id) != id_hex.to_ascii_lowercase() {
            return Err("verifier key: key id does not match name and key".into());
        }
        Ok(NoteVerifier {
            name: name.to_string(),
            id,
            key,
        })
    }

    /// Verify `note` and return its text when a signature line of this key is valid.
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, String> {
        let (text, sigs) = split_note(note)?;
        let vk = VerifyingKey::from_bytes(&self.key).map_err(|e| format!("verifier key: {e}"))?;
        for line in sigs.lines() {
            let Some(rest) = line.strip_prefix("\u{2014} ") else {
                return Err("malformed signature line".into());
            };
            let Some((name, b64)) = rest.split_once(' ') else {
                return Err("malformed signature line".into());
            };
            if name != self.name {
                continue;
            }
            let blob = B64
                .decode(b64)
                .map_err(|_| "signature: bad base64".to_string())?;
            if blob.len() != 68 || blob[..4] != self.id {
                continue;
            }
            let sig = ed25519_dalek::Signature::from_slice(&blob[4..])
                .map_err(|e| format!("signature: {e}"))?;
            return vk.verify(text.as_bytes(), &sig).map(|_| text).map_err(|_| {
                "the signature does not verify (the note was altered or signed by another key)"
                    .into()
            });
        }
        Err(format!("no signature by key '{}'", self.name))
    }
}

/// Split a signed note into its text (ending with a newline) and its signature block.
fn split_note(note: &str) -> Result<(&str, &str), String> {
    let at = note
        .find("\n\n")
        .ok_or("not a signed note (no blank line before the signatures)")?;
    let (text, sigs) = (&note[..at + 1], &note[at + 2..]);
    if sigs.is_empty() || !sigs.ends_with('\n') {
        return Err("signed note without signature lines".into());
    }
    Ok((text, sigs))
}

/// The body of a C2SP tlog-checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// `origin\nsize\nbase64(root)\n`.
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// Parse the text of a checkpoint (extension lines after the root are allowed and ignored).
    pub fn parse_text(text: &str) -> Result<Checkpoint, String> {
        let mut lines = text.split('\n');
        let origin = lines
            .next()
            .filter(|s| !s.is_empty())
            .ok_or("checkpoint: no origin line")?;
        let size_s = lines.next().ok_or("checkpoint: no size line")?;
        if size_s.is_empty()
            || !size_s.bytes().all(|b| b.is_ascii_digit())
            || (size_s.len() > 1 && size_s.starts_with('0'))
        {
            return Err("checkpoint: the size is not a decimal number".into());
        }
        let size: u64 = size_s.parse().map_err(|_| "checkpoint: size too large")?;
        let root_b64 = lines.next().ok_or("checkpoint: no root line")?;
        let root: Hash = B64
            .decode(root_b64)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or("checkpoint: the root is not 32 bytes of base64")?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }
}

/// Verify a signed checkpoint note with `verifier` and parse it.
pub fn open_checkpoint(note: &str, verifier: &NoteVerifier) -> Result<Checkpoint, String> {
    Checkpoint::parse_text(verifier.open(note)?)
}

/// Parse a signed checkpoint note without checking its signature (to read the size of a saved one).
pub fn read_checkpoint_unverified(note: &str) -> Result<Checkpoint, String> {
    Checkpoint::parse_text(split_note(note)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_open_a_checkpoint() {
        let s = LogSigner::generate("gov.example/ggzy").unwrap();
        let cp = Checkpoint {
            origin: "gov.example/ggzy".into(),
            size: 42,
            root: [7u8; 32],
        };
        let note = s.sign_note(&cp.text());
        assert!(note.starts_with("gov.example/ggzy\n42\n"));
        assert!(note.contains("\n\n\u{2014} gov.example/ggzy "));
        let v = NoteVerifier::parse(&s.verifier_key()).unwrap();
        assert_eq!(open_checkpoint(&note, &v).unwrap(), cp);
        // An edited size is refused.
        let forged = note.replacen("\n42\n", "\n43\n", 1);
        assert!(open_checkpoint(&forged, &v).is_err());
        // Another key is refused.
        let other = LogSigner::generate("gov.example/ggzy").unwrap();
        let v2 = NoteVerifier::parse(&other.verifier_key()).unwrap();
        assert!(open_checkpoint(&note, &v2).is_err());
        // The signer key round-trips.
        let again = LogSigner::parse(&s.signer_key(), "ignored").unwrap();
        assert_eq!(again.verifier_key(), s.verifier_key());
    }

    /// Known-answer test against Go's golang.org/x/mod/sumdb/note documentation example keys.
    #[test]
    fn go_note_key_format_is_accepted() {
        let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let s = LogSigner::parse(skey, "x").unwrap();
        assert_eq!(s.name(), "PeterNeumann");
        assert_eq!(s.verifier_key(), vkey);
        let text = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
        let note = s.sign_note(text);
        assert_eq!(
            note,
            format!("{text}\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
        );
        let v = NoteVerifier::parse(vkey).unwrap();
        assert_eq!(v.open(&note).unwrap(), text);
    }

    #[test]
    fn malformed_checkpoints_are_refused() {
        for bad in ["", "o\n", "o\n-1\nAA==\n", "o\n01\n", "o\n5\nnot-base64\n"] {
            assert!(Checkpoint::parse_text(bad).is_err(), "{bad:?}");
        }
    }
}
