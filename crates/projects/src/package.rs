//! The sealed bid package (电子投标文件加密格式, `ggzy-bid/1`), documented in docs/bid-package.md.
//!
//! A package names its suite — AES-256-GCM with SHA-256, or the national commercial suite SM4-GCM
//! with SM3 (国密, GB/T 32907 / GB/T 32905, GCM as in RFC 8998) — and encrypts the plaintext in
//! segments (the STREAM construction), so both sides work in bounded memory whatever the size.
//! No I/O beyond the `Read`/`Write` given; the server and the `ggzy bid` tool share this code.

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, AesGcm, Nonce};
use ggzy_core::money::Money;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sm3::Sm3;
use std::io::{Read, Write};

/// First bytes of every package.
pub const MAGIC: &[u8; 8] = b"GGZYBID1";
/// Plaintext bytes per segment; each ciphertext segment is this plus the 16-byte tag (the last
/// one may be shorter).
pub const SEGMENT: usize = 64 * 1024;
const TAG: usize = 16;
const PREFIX: usize = 7;
/// Largest manifest accepted (bytes of JSON).
pub const MAX_MANIFEST: usize = 1024 * 1024;
/// `format` of the manifest.
pub const FORMAT: &str = "ggzy-bid/1";

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// Cipher suite named in the package header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// AES-256-GCM, 32-byte key, digests SHA-256.
    Aes256GcmSha256,
    /// SM4-GCM (国密), 16-byte key, digests SM3.
    Sm4GcmSm3,
}

impl Suite {
    pub const ALL: [Suite; 2] = [Suite::Aes256GcmSha256, Suite::Sm4GcmSm3];

    /// The name written in the header.
    pub fn name(&self) -> &'static str {
        match self {
            Suite::Aes256GcmSha256 => "AES-256-GCM+SHA-256",
            Suite::Sm4GcmSm3 => "SM4-GCM+SM3",
        }
    }

    pub fn from_name(s: &str) -> Option<Suite> {
        Suite::ALL.into_iter().find(|x| x.name() == s)
    }

    /// Short names for the command line: `aes` or `sm4`.
    pub fn from_short(s: &str) -> Option<Suite> {
        match s.to_ascii_lowercase().as_str() {
            "aes" => Some(Suite::Aes256GcmSha256),
            "sm4" => Some(Suite::Sm4GcmSm3),
            _ => Suite::from_name(s),
        }
    }

    pub fn key_len(&self) -> usize {
        match self {
            Suite::Aes256GcmSha256 => 32,
            Suite::Sm4GcmSm3 => 16,
        }
    }

    /// The suite's hash of `data`, lowercase hex (64 digits for both).
    pub fn digest_hex(&self, data: &[u8]) -> String {
        let mut h = Hasher::new(*self);
        h.update(data);
        h.finish()
    }

    /// The package header: magic, suite-name length (1 byte), suite name. It is also the
    /// associated data of every segment, so the suite cannot be swapped.
    pub fn header(&self) -> Vec<u8> {
        let mut h = MAGIC.to_vec();
        h.push(self.name().len() as u8);
        h.extend_from_slice(self.name().as_bytes());
        h
    }
}

/// The suite's hash, incrementally.
pub enum Hasher {
    Sha256(Sha256),
    Sm3(Sm3),
}

impl Hasher {
    pub fn new(suite: Suite) -> Hasher {
        match suite {
            Suite::Aes256GcmSha256 => Hasher::Sha256(Sha256::new()),
            Suite::Sm4GcmSm3 => Hasher::Sm3(Sm3::new()),
        }
    }
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sm3(h) => h.update(data),
        }
    }
    pub fn finish(self) -> String {
        match self {
            Hasher::Sha256(h) => hex::encode(h.finalize()),
            Hasher::Sm3(h) => hex::encode(h.finalize()),
        }
    }
}

enum Cipher {
    Aes(Box<Aes256Gcm>),
    Sm4(Box<Sm4Gcm>),
}

impl Cipher {
    fn new(suite: Suite, key: &[u8]) -> Result<Cipher, PackageError> {
        if key.len() != suite.key_len() {
            return Err(PackageError::KeyLength {
                expected: suite.key_len(),
                got: key.len(),
            });
        }
        Ok(match suite {
            Suite::Aes256GcmSha256 => Cipher::Aes(Box::new(
                Aes256Gcm::new_from_slice(key).map_err(|_| PackageError::Malformed("key"))?,
            )),
            Suite::Sm4GcmSm3 => Cipher::Sm4(Box::new(
                Sm4Gcm::new_from_slice(key).map_err(|_| PackageError::Malformed("key"))?,
            )),
        })
    }

    fn encrypt(&self, nonce: &[u8; 12], aad: &[u8], msg: &[u8]) -> Result<Vec<u8>, PackageError> {
        let p = Payload { msg, aad };
        let n = Nonce::from_slice(nonce);
        match self {
            Cipher::Aes(c) => c.encrypt(n, p),
            Cipher::Sm4(c) => c.encrypt(n, p),
        }
        .map_err(|_| PackageError::Malformed("encryption failed"))
    }

    fn decrypt(&self, nonce: &[u8; 12], aad: &[u8], msg: &[u8]) -> Result<Vec<u8>, PackageError> {
        let p = Payload { msg, aad };
        let n = Nonce::from_slice(nonce);
        match self {
            Cipher::Aes(c) => c.decrypt(n, p),
            Cipher::Sm4(c) => c.decrypt(n, p),
        }
        .map_err(|_| PackageError::Authentication)
    }
}

/// STREAM nonce of segment `i`: prefix (7 bytes) ‖ i (4 bytes, big-endian) ‖ 1 if last else 0.
fn segment_nonce(prefix: &[u8; PREFIX], i: u32, last: bool) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[..PREFIX].copy_from_slice(prefix);
    n[PREFIX..11].copy_from_slice(&i.to_be_bytes());
    n[11] = u8::from(last);
    n
}

/// Why a package could not be built or opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageError {
    /// Not a `ggzy-bid/1` package, truncated, or with a bad manifest.
    Malformed(&'static str),
    /// The header names a suite this platform does not know.
    UnknownSuite(String),
    /// The key has the wrong length for the suite.
    KeyLength {
        expected: usize,
        got: usize,
    },
    /// Wrong key, or the ciphertext was altered (GCM authentication failed).
    Authentication,
    /// Decrypted, but the plaintext digest differs from the declared one.
    DigestMismatch,
    Io(String),
}

impl std::fmt::Display for PackageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackageError::Malformed(w) => write!(f, "not a valid ggzy-bid/1 package: {w}"),
            PackageError::UnknownSuite(s) => write!(f, "unknown cipher suite '{s}'"),
            PackageError::KeyLength { expected, got } => {
                write!(
                    f,
                    "the key must have {expected} bytes for this suite, not {got}"
                )
            }
            PackageError::Authentication => {
                write!(
                    f,
                    "the key does not open the package (wrong key or altered file)"
                )
            }
            PackageError::DigestMismatch => {
                write!(
                    f,
                    "the decrypted package does not match the declared digest"
                )
            }
            PackageError::Io(e) => write!(f, "i/o: {e}"),
        }
    }
}

impl std::error::Error for PackageError {}

fn io(e: std::io::Error) -> PackageError {
    PackageError::Io(e.to_string())
}

/// One attached document, in plaintext order after the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub name: String,
    pub size: u64,
    /// The suite's hash of the document, hex.
    pub digest: String,
}

/// The manifest at the head of the plaintext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// 32 random bytes from a CSPRNG, 64 lowercase hex characters ([`new_salt`]). Required: without
    /// it a package with few or no documents has a plaintext digest (`X-Bid-Digest`) that is a hash
    /// of little more than the price, which brute force recovers in seconds (issue 24, item 2).
    #[serde(default)]
    pub salt: String,
    /// The sealed bid price, a decimal string with at most 2 places (never a float).
    pub price: String,
    #[serde(default = "cny")]
    pub currency: String,
    #[serde(default)]
    pub documents: Vec<Document>,
    /// The bidder's SME declaration (中小企业声明函), optional; sealed with the price and learnt by
    /// the evaluation only at the opening (`projects.bid.decrypted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sme: Option<SmeDeclaration>,
}

/// The SME declaration (中小企业声明函) of 政府采购促进中小企业发展管理办法 (财库〔2020〕46号)
/// 第十一条 and its annex, sealed in the manifest: the enterprise's size and whether everything it
/// offers comes from small or micro enterprises. The evaluation deducts the documents' SME price
/// deduction (46号 第九条) only for [`SmeDeclaration::deduction_applies`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmeDeclaration {
    /// `medium`, `small` or `micro` (中型、小型、微型企业, by the 中小企业划型标准).
    pub scale: String,
    /// Every good offered is made by, or the service (or works) provided by, small or micro
    /// enterprises (46号 第四条).
    pub by_small_micro: bool,
}

/// The sizes an SME declaration names.
pub const SME_SCALES: [&str; 3] = ["medium", "small", "micro"];

impl SmeDeclaration {
    /// The price deduction is for small and micro enterprises whose goods or services all come
    /// from small or micro enterprises (46号 第九条 with 第四条).
    pub fn deduction_applies(&self) -> bool {
        matches!(self.scale.as_str(), "small" | "micro") && self.by_small_micro
    }
}

fn cny() -> String {
    "CNY".into()
}

/// Hex characters of a manifest salt (32 bytes).
pub const SALT_HEX_LEN: usize = 64;

/// A fresh manifest salt: 32 bytes from the operating system's CSPRNG, lowercase hex.
pub fn new_salt() -> String {
    use rand::RngCore;
    let mut b = [0u8; SALT_HEX_LEN / 2];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Whether `s` is a well-formed salt: exactly 64 lowercase hex characters.
pub fn valid_salt(s: &str) -> bool {
    s.len() == SALT_HEX_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A sealed price: a decimal string, non-negative, at most two decimal places (fen).
pub fn parse_price(s: &str) -> Option<Money> {
    // Plain digits and one optional decimal point: no sign, exponent or spaces.
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    Money::parse_str(s).ok()
}

impl Manifest {
    /// The manifest's JSON prefixed with its length (4 bytes, big-endian): the head of the plaintext.
    pub fn head(&self) -> Vec<u8> {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let mut v = (json.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(&json);
        v
    }
}

/// Result of sealing: the plaintext digest to declare in `X-Bid-Digest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealInfo {
    pub suite: Suite,
    pub digest: String,
    pub plaintext_len: u64,
    pub package_len: u64,
}

/// Fill `buf` from `r` as far as possible; returns the bytes read (< len only at end of input).
fn fill(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Seal the plaintext read from `plain` into `out` under `key` with the 7-byte nonce `prefix`
/// (fresh and random per package). Memory: one segment.
pub fn seal_stream(
    suite: Suite,
    key: &[u8],
    prefix: &[u8; 7],
    mut plain: impl Read,
    mut out: impl Write,
) -> Result<SealInfo, PackageError> {
    let cipher = Cipher::new(suite, key)?;
    let header = suite.header();
    out.write_all(&header).map_err(io)?;
    out.write_all(prefix).map_err(io)?;
    let mut hasher = Hasher::new(suite);
    let mut total: u64 = 0;
    let mut written = (header.len() + PREFIX) as u64;
    let mut cur = vec![0u8; SEGMENT];
    let mut next = vec![0u8; SEGMENT];
    let mut n = fill(&mut plain, &mut cur).map_err(io)?;
    let mut i: u32 = 0;
    loop {
        // Look one segment ahead to know whether this one is the last.
        let m = if n == SEGMENT {
            fill(&mut plain, &mut next).map_err(io)?
        } else {
            0
        };
        let last = m == 0;
        hasher.update(&cur[..n]);
        total += n as u64;
        let ct = cipher.encrypt(&segment_nonce(prefix, i, last), &header, &cur[..n])?;
        out.write_all(&ct).map_err(io)?;
        written += ct.len() as u64;
        if last {
            break;
        }
        std::mem::swap(&mut cur, &mut next);
        n = m;
        i = i
            .checked_add(1)
            .ok_or(PackageError::Malformed("too many segments"))?;
    }
    out.flush().map_err(io)?;
    Ok(SealInfo {
        suite,
        digest: hasher.finish(),
        plaintext_len: total,
        package_len: written,
    })
}

/// Read the header of a package: its suite and the header's length.
pub fn read_header(r: &mut impl Read) -> Result<(Suite, Vec<u8>), PackageError> {
    let mut magic = [0u8; 9];
    if fill(r, &mut magic).map_err(io)? != 9 || &magic[..8] != MAGIC {
        return Err(PackageError::Malformed("missing GGZYBID1 header"));
    }
    let mut name = vec![0u8; magic[8] as usize];
    if fill(r, &mut name).map_err(io)? != name.len() {
        return Err(PackageError::Malformed("truncated header"));
    }
    let name = String::from_utf8_lossy(&name).into_owned();
    let suite = Suite::from_name(&name).ok_or(PackageError::UnknownSuite(name))?;
    Ok((suite, suite.header()))
}

/// What opening a package found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub suite: Suite,
    /// The suite's hash of the whole plaintext, hex.
    pub digest: String,
    pub manifest: Manifest,
    pub plaintext_len: u64,
}

/// Collects the manifest from the head of the plaintext while it streams by.
struct ManifestReader {
    buf: Vec<u8>,
    need: Option<usize>,
}

impl ManifestReader {
    fn feed(&mut self, data: &[u8]) -> Result<(), PackageError> {
        let want = match self.need {
            Some(n) => 4 + n,
            None => 4,
        };
        if self.buf.len() < want {
            let take = (want - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            if self.need.is_none() && self.buf.len() == 4 {
                let n = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]])
                    as usize;
                if n > MAX_MANIFEST {
                    return Err(PackageError::Malformed("manifest too large"));
                }
                self.need = Some(n);
                return self.feed(&data[take..]);
            }
        }
        Ok(())
    }

    fn finish(self, plaintext_len: u64) -> Result<Manifest, PackageError> {
        let Some(n) = self.need else {
            return Err(PackageError::Malformed("no manifest"));
        };
        if self.buf.len() != 4 + n {
            return Err(PackageError::Malformed("truncated manifest"));
        }
        let m: Manifest = serde_json::from_slice(&self.buf[4..])
            .map_err(|_| PackageError::Malformed("manifest is not valid JSON"))?;
        if m.format != FORMAT {
            return Err(PackageError::Malformed("manifest format is not ggzy-bid/1"));
        }
        if !valid_salt(&m.salt) {
            return Err(PackageError::Malformed(
                "manifest salt must be 64 lowercase hex characters (32 random bytes)",
            ));
        }
        if parse_price(&m.price).is_none() {
            return Err(PackageError::Malformed(
                "price must be a non-negative decimal with at most 2 places",
            ));
        }
        if m.sme
            .as_ref()
            .is_some_and(|d| !SME_SCALES.contains(&d.scale.as_str()))
        {
            return Err(PackageError::Malformed(
                "sme.scale must be medium, small or micro",
            ));
        }
        // Checked: declared sizes near u64::MAX must not overflow the sum (found by fuzzing).
        let docs = m
            .documents
            .iter()
            .try_fold(0u64, |sum, d| sum.checked_add(d.size));
        if docs.and_then(|d| d.checked_add(4 + n as u64)) != Some(plaintext_len) {
            return Err(PackageError::Malformed(
                "document sizes do not add up to the plaintext",
            ));
        }
        Ok(m)
    }
}

/// Open a package of `len` bytes read from `input` with `key`, writing the plaintext to `out`
/// (pass `std::io::sink()` to discard it), and check `declared_digest`. Memory: one segment plus
/// the manifest. Nothing written to `out` may be trusted unless this returns `Ok`.
pub fn open_stream(
    key: &[u8],
    mut input: impl Read,
    len: u64,
    declared_digest: &str,
    mut out: impl Write,
) -> Result<Opened, PackageError> {
    let (suite, header) = read_header(&mut input)?;
    let cipher = Cipher::new(suite, key)?;
    let mut prefix = [0u8; PREFIX];
    if fill(&mut input, &mut prefix).map_err(io)? != PREFIX {
        return Err(PackageError::Malformed("truncated nonce"));
    }
    let body = len
        .checked_sub((header.len() + PREFIX) as u64)
        .ok_or(PackageError::Malformed("truncated"))?;
    let seg = (SEGMENT + TAG) as u64;
    // Every segment, even an empty last one, carries a tag.
    let segments = body.div_ceil(seg).max(1);
    if body < TAG as u64 || (body % seg != 0 && body % seg < TAG as u64) {
        return Err(PackageError::Malformed("truncated segment"));
    }
    let segments = u32::try_from(segments).map_err(|_| PackageError::Malformed("too large"))?;
    let mut hasher = Hasher::new(suite);
    let mut manifest = ManifestReader {
        buf: Vec::new(),
        need: None,
    };
    let mut buf = vec![0u8; SEGMENT + TAG];
    let mut total: u64 = 0;
    for i in 0..segments {
        let last = i + 1 == segments;
        let want = if last {
            (body - u64::from(i) * seg) as usize
        } else {
            SEGMENT + TAG
        };
        if fill(&mut input, &mut buf[..want]).map_err(io)? != want {
            return Err(PackageError::Malformed("truncated segment"));
        }
        let plain = cipher.decrypt(&segment_nonce(&prefix, i, last), &header, &buf[..want])?;
        hasher.update(&plain);
        manifest.feed(&plain)?;
        total += plain.len() as u64;
        out.write_all(&plain).map_err(io)?;
    }
    out.flush().map_err(io)?;
    let digest = hasher.finish();
    if !digest.eq_ignore_ascii_case(declared_digest) {
        return Err(PackageError::DigestMismatch);
    }
    Ok(Opened {
        suite,
        digest,
        manifest: manifest.finish(total)?,
        plaintext_len: total,
    })
}

/// A package built in memory (small packages, tests).
#[derive(Debug, Clone)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub digest: String,
}

/// The plaintext of a package: manifest head (with a fresh random salt) then the documents, in
/// order.
pub fn plaintext(suite: Suite, price: &str, documents: &[(&str, &[u8])]) -> Vec<u8> {
    plaintext_with_salt(suite, &new_salt(), price, documents)
}

/// [`plaintext`] with the given salt (tests of the salt rule; real packages use [`new_salt`]).
pub fn plaintext_with_salt(
    suite: Suite,
    salt: &str,
    price: &str,
    documents: &[(&str, &[u8])],
) -> Vec<u8> {
    plaintext_declared(suite, salt, price, None, documents)
}

/// [`plaintext_with_salt`] with an SME declaration (中小企业声明函) in the manifest.
pub fn plaintext_declared(
    suite: Suite,
    salt: &str,
    price: &str,
    sme: Option<SmeDeclaration>,
    documents: &[(&str, &[u8])],
) -> Vec<u8> {
    let m = Manifest {
        sme,
        format: FORMAT.into(),
        salt: salt.into(),
        price: price.into(),
        currency: cny(),
        documents: documents
            .iter()
            .map(|(name, data)| Document {
                name: (*name).into(),
                size: data.len() as u64,
                digest: suite.digest_hex(data),
            })
            .collect(),
    };
    let mut v = m.head();
    for (_, d) in documents {
        v.extend_from_slice(d);
    }
    v
}

/// Seal `plaintext` in memory.
pub fn seal(
    suite: Suite,
    key: &[u8],
    prefix: &[u8; 7],
    plaintext: &[u8],
) -> Result<Sealed, PackageError> {
    let mut ciphertext = Vec::new();
    let info = seal_stream(suite, key, prefix, plaintext, &mut ciphertext)?;
    Ok(Sealed {
        ciphertext,
        digest: info.digest,
    })
}

/// Open an in-memory package.
pub fn open(key: &[u8], package: &[u8], declared_digest: &str) -> Result<Opened, PackageError> {
    open_stream(
        key,
        package,
        package.len() as u64,
        declared_digest,
        std::io::sink(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const AES_KEY: [u8; 32] = [7; 32];
    const SM4_KEY: [u8; 16] = [5; 16];
    const PREFIX7: [u8; 7] = [9; 7];

    fn key(s: Suite) -> &'static [u8] {
        match s {
            Suite::Aes256GcmSha256 => &AES_KEY,
            Suite::Sm4GcmSm3 => &SM4_KEY,
        }
    }

    #[test]
    fn sm3_known_vectors() {
        // GB/T 32905-2016 appendix A.
        assert_eq!(
            Suite::Sm4GcmSm3.digest_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            Suite::Sm4GcmSm3.digest_hex(&b"abcd".repeat(16)),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
        assert_eq!(
            Suite::Aes256GcmSha256.digest_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sm4_block_known_vector() {
        // GB/T 32907-2016 appendix A example 1.
        use sm4::cipher::{BlockEncrypt, KeyInit as _};
        let k = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let c = sm4::Sm4::new_from_slice(&k).unwrap();
        let mut b = sm4::cipher::generic_array::GenericArray::clone_from_slice(&k);
        c.encrypt_block(&mut b);
        assert_eq!(hex::encode(b), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn sm4_gcm_known_vector() {
        // RFC 8998 appendix A.1 (SM4-GCM).
        let k = hex::decode("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let iv: [u8; 12] = hex::decode("00001234567800000000ABCD")
            .unwrap()
            .try_into()
            .unwrap();
        let aad = hex::decode("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2").unwrap();
        let pt = hex::decode(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD\
             EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        )
        .unwrap();
        let c = Cipher::new(Suite::Sm4GcmSm3, &k).unwrap();
        let ct = c.encrypt(&iv, &aad, &pt).unwrap();
        assert_eq!(
            hex::encode_upper(&ct),
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735\
             D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D\
             83DE3541E4C2B58177E065A9BF7B62EC"
        );
    }

    #[test]
    fn round_trip_both_suites_across_segment_boundaries() {
        for suite in Suite::ALL {
            // Sizes around the segment boundary, including an exact multiple (empty last segment).
            for doc_len in [0usize, 10, SEGMENT - 60, SEGMENT * 2, SEGMENT * 2 + 1] {
                let doc = vec![0x5a; doc_len];
                let plain = plaintext(suite, "9876543.21", &[("商务标.pdf", &doc)]);
                let s = seal(suite, key(suite), &PREFIX7, &plain).unwrap();
                assert_eq!(s.digest, suite.digest_hex(&plain));
                assert!(s.ciphertext.starts_with(&suite.header()));
                let mut out = Vec::new();
                let o = open_stream(
                    key(suite),
                    &s.ciphertext[..],
                    s.ciphertext.len() as u64,
                    &s.digest,
                    &mut out,
                )
                .unwrap();
                assert_eq!(out, plain, "{suite:?} {doc_len}");
                assert_eq!(o.suite, suite);
                assert_eq!(o.manifest.price, "9876543.21");
                assert_eq!(o.manifest.documents[0].size, doc_len as u64);
                let text = String::from_utf8_lossy(&s.ciphertext);
                assert!(!text.contains("9876543.21"));
            }
        }
    }

    #[test]
    fn wrong_key_refused() {
        for suite in Suite::ALL {
            let plain = plaintext(suite, "1.00", &[]);
            let s = seal(suite, key(suite), &PREFIX7, &plain).unwrap();
            let mut other = key(suite).to_vec();
            other[0] ^= 1;
            assert_eq!(
                open(&other, &s.ciphertext, &s.digest),
                Err(PackageError::Authentication)
            );
            // A key of the other suite's length is refused before decrypting.
            assert!(matches!(
                open(&[1u8; 24], &s.ciphertext, &s.digest),
                Err(PackageError::KeyLength { .. })
            ));
        }
    }

    #[test]
    fn tampering_truncation_and_suite_swap_refused() {
        let plain = plaintext(Suite::Aes256GcmSha256, "1.00", &[("a", &[1; 100])]);
        let s = seal(Suite::Aes256GcmSha256, &AES_KEY, &PREFIX7, &plain).unwrap();
        let mut t = s.ciphertext.clone();
        let last = t.len() - 1;
        t[last] ^= 1;
        assert_eq!(
            open(&AES_KEY, &t, &s.digest),
            Err(PackageError::Authentication)
        );
        // Dropping the tail of a multi-segment package is detected (last-segment flag).
        let big = plaintext(
            Suite::Aes256GcmSha256,
            "1.00",
            &[("a", &vec![1; SEGMENT * 2])],
        );
        let b = seal(Suite::Aes256GcmSha256, &AES_KEY, &PREFIX7, &big).unwrap();
        let cut = &b.ciphertext[..b.ciphertext.len() - (big.len() - 2 * SEGMENT) - TAG];
        assert!(open(&AES_KEY, cut, &b.digest).is_err());
        assert!(matches!(
            open(&AES_KEY, b"GGZYBID0xxxx", &s.digest),
            Err(PackageError::Malformed(_))
        ));
        let mut unknown = b"GGZYBID1\x03XYZ".to_vec();
        unknown.extend_from_slice(&[0; 40]);
        assert_eq!(
            open(&AES_KEY, &unknown, &s.digest),
            Err(PackageError::UnknownSuite("XYZ".into()))
        );
    }

    #[test]
    fn digest_mismatch_detected() {
        let plain = plaintext(Suite::Sm4GcmSm3, "1.00", &[]);
        let s = seal(Suite::Sm4GcmSm3, &SM4_KEY, &PREFIX7, &plain).unwrap();
        // The SHA-256 of the plaintext is not its SM3 digest.
        let wrong = Suite::Aes256GcmSha256.digest_hex(&plain);
        assert_eq!(
            open(&SM4_KEY, &s.ciphertext, &wrong),
            Err(PackageError::DigestMismatch)
        );
    }

    #[test]
    fn manifest_checks() {
        assert!(parse_price("123.45").is_some());
        assert!(parse_price("0").is_some());
        assert!(parse_price("1.234").is_none());
        assert!(parse_price("-1.00").is_none());
        assert!(parse_price("1e3").is_none());
        assert!(parse_price(" 1").is_none());
        let bad = plaintext(Suite::Aes256GcmSha256, "1.001", &[]);
        let s = seal(Suite::Aes256GcmSha256, &AES_KEY, &PREFIX7, &bad).unwrap();
        assert!(matches!(
            open(&AES_KEY, &s.ciphertext, &s.digest),
            Err(PackageError::Malformed(_))
        ));
        // Document sizes whose sum overflows u64 (wrapping to 0, i.e. "adding up"): refused.
        let m = Manifest {
            sme: None,
            format: FORMAT.into(),
            salt: new_salt(),
            price: "1.00".into(),
            currency: cny(),
            documents: [u64::MAX, 1]
                .into_iter()
                .map(|size| Document {
                    name: "a".into(),
                    size,
                    digest: String::new(),
                })
                .collect(),
        };
        let s = seal(Suite::Aes256GcmSha256, &AES_KEY, &PREFIX7, &m.head()).unwrap();
        assert!(matches!(
            open(&AES_KEY, &s.ciphertext, &s.digest),
            Err(PackageError::Malformed(_))
        ));
        // The salt: required, exactly 64 lowercase hex characters.
        let ok = plaintext_with_salt(Suite::Aes256GcmSha256, &"0a".repeat(32), "1.00", &[]);
        let s = seal(Suite::Aes256GcmSha256, &AES_KEY, &PREFIX7, &ok).unwrap();
        assert_eq!(
            open(&AES_KEY, &s.ciphertext, &s.digest)
                .unwrap()
                .manifest
                .salt,
            "0a".repeat(32)
        );
        for bad in [
            String::new(),
            "0a".repeat(31) + "0",
            "0a".repeat(32) + "0",
            "0A".repeat(32),
            "0g".repeat(32),
        ] {
            let p = plaintext_with_salt(Suite::Aes256GcmSha256, &bad, "1.00", &[]);
            let s = seal(Suite::Aes256GcmSha256, &AES_KEY, &PREFIX7, &p).unwrap();
            assert_eq!(
                open(&AES_KEY, &s.ciphertext, &s.digest),
                Err(PackageError::Malformed(
                    "manifest salt must be 64 lowercase hex characters (32 random bytes)"
                )),
                "salt {bad:?}"
            );
        }
        // A manifest written without the field at all (the old format) is refused the same way.
        let json = br#"{"format":"ggzy-bid/1","price":"1.00","currency":"CNY","documents":[]}"#;
        let mut old = (json.len() as u32).to_be_bytes().to_vec();
        old.extend_from_slice(json);
        let s = seal(Suite::Aes256GcmSha256, &AES_KEY, &PREFIX7, &old).unwrap();
        assert!(matches!(
            open(&AES_KEY, &s.ciphertext, &s.digest),
            Err(PackageError::Malformed(_))
        ));
        // Two packages of the same price get different salts, hence different digests.
        let a = seal(
            Suite::Aes256GcmSha256,
            &AES_KEY,
            &PREFIX7,
            &plaintext(Suite::Aes256GcmSha256, "1.00", &[]),
        )
        .unwrap();
        let b = seal(
            Suite::Aes256GcmSha256,
            &AES_KEY,
            &PREFIX7,
            &plaintext(Suite::Aes256GcmSha256, "1.00", &[]),
        )
        .unwrap();
        assert_ne!(a.digest, b.digest);
        assert!(valid_salt(&new_salt()));

        // Trailing bytes not declared as a document.
        let mut extra = plaintext(Suite::Aes256GcmSha256, "1.00", &[]);
        extra.push(0);
        let s = seal(Suite::Aes256GcmSha256, &AES_KEY, &PREFIX7, &extra).unwrap();
        assert!(matches!(
            open(&AES_KEY, &s.ciphertext, &s.digest),
            Err(PackageError::Malformed(_))
        ));
    }
}
