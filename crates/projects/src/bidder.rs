//! The bidder's side (`ggzy bid seal | upload | open-key`): build and encrypt a bid package with a
//! fresh key, upload it, and hand the key over at opening. HTTPS (or HTTP) through the workspace's
//! reqwest with rustls.

use crate::package::{self, Document, Manifest, Suite};
use base64::Engine as _;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// `ggzy bid …`
#[derive(clap::Subcommand, Debug)]
pub enum BidCmd {
    /// Build a bid package (manifest with the price + documents), encrypt it with a fresh random
    /// key, write the key file and print the digest and the key.
    Seal {
        /// The bid price (decimal, at most 2 places), sealed inside the package.
        #[arg(long)]
        price: String,
        /// Cipher suite: `aes` (AES-256-GCM + SHA-256) or `sm4` (SM4-GCM + SM3, 国密).
        #[arg(long, default_value = "aes")]
        suite: String,
        /// The package to write.
        #[arg(long)]
        out: PathBuf,
        /// Where to write the key (default: the package path with `.key` appended).
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// SME declaration (中小企业声明函, 财库〔2020〕46号): `medium`, `small` or `micro`, sealed
        /// in the manifest with the price.
        #[arg(long)]
        sme: Option<String>,
        /// With --sme: every good or service offered comes from small or micro enterprises.
        #[arg(long, requires = "sme")]
        sme_by_small_micro: bool,
        /// Documents to include (商务标, 技术标, …).
        files: Vec<PathBuf>,
    },
    /// Upload a sealed package for a section (the digest comes from the key file or --digest).
    Upload {
        /// Base URL of the platform, e.g. http://127.0.0.1:8080
        #[arg(long, env = "GGZY_URL")]
        url: String,
        /// Bearer token of the bidder's session.
        #[arg(long, env = "GGZY_TOKEN")]
        token: String,
        #[arg(long)]
        section: String,
        #[arg(long)]
        key_file: Option<PathBuf>,
        #[arg(long)]
        digest: Option<String>,
        package: PathBuf,
    },
    /// Submit the package key at opening (during the decryption window).
    OpenKey {
        #[arg(long, env = "GGZY_URL")]
        url: String,
        #[arg(long, env = "GGZY_TOKEN")]
        token: String,
        #[arg(long)]
        section: String,
        #[arg(long)]
        key_file: PathBuf,
    },
}

/// Contents of a key file (JSON). Keep it secret until the opening.
#[derive(Clone, Serialize, Deserialize)]
pub struct KeyFile {
    pub format: String,
    pub suite: String,
    /// base64.
    pub key: String,
    /// The plaintext digest to declare in `X-Bid-Digest`.
    pub digest: String,
    pub package: String,
}

impl KeyFile {
    /// The raw key bytes.
    pub fn key_bytes(&self) -> Result<Vec<u8>, String> {
        base64::engine::general_purpose::STANDARD
            .decode(self.key.trim())
            .map_err(|_| "the key file's key is not base64".to_string())
    }
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "KeyFile {{ suite: {}, digest: {}, key: <redacted> }}",
            self.suite, self.digest
        )
    }
}

/// What [`seal_files`] produced.
#[derive(Debug, Clone)]
pub struct SealOutput {
    pub suite: Suite,
    pub digest: String,
    pub package_len: u64,
    pub key_file: PathBuf,
    pub key_b64: String,
}

fn hash_file(suite: Suite, path: &Path) -> Result<(u64, String), String> {
    let mut f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut h = package::Hasher::new(suite);
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((size, h.finish()))
}

/// Build and seal a package from `files` with a fresh random key; writes the package to `out` and
/// the key file (mode 0600 on Unix) to `key_file`.
pub fn seal_files(
    suite: Suite,
    price: &str,
    files: &[PathBuf],
    out: &Path,
    key_file: &Path,
) -> Result<SealOutput, String> {
    seal_files_declared(suite, price, None, files, out, key_file)
}

/// [`seal_files`] with an optional SME declaration (中小企业声明函) in the manifest.
pub fn seal_files_declared(
    suite: Suite,
    price: &str,
    sme: Option<package::SmeDeclaration>,
    files: &[PathBuf],
    out: &Path,
    key_file: &Path,
) -> Result<SealOutput, String> {
    if let Some(d) = &sme {
        if !package::SME_SCALES.contains(&d.scale.as_str()) {
            return Err(format!("--sme '{}': use medium, small or micro", d.scale));
        }
    }
    if package::parse_price(price).is_none() {
        return Err(format!(
            "--price '{price}' must be a non-negative decimal with at most 2 places"
        ));
    }
    let mut documents = Vec::new();
    for f in files {
        let (size, digest) = hash_file(suite, f)?;
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| f.display().to_string());
        documents.push(Document { name, size, digest });
    }
    let manifest = Manifest {
        sme,
        format: package::FORMAT.into(),
        // Always a fresh random salt: the digest must not reveal the price (docs/bid-package.md).
        salt: package::new_salt(),
        price: price.into(),
        currency: "CNY".into(),
        documents,
    };
    let head = manifest.head();
    let expected = head.len() as u64 + manifest.documents.iter().map(|d| d.size).sum::<u64>();
    let mut plain: Box<dyn Read> = Box::new(std::io::Cursor::new(head));
    for f in files {
        let file = std::fs::File::open(f).map_err(|e| format!("{}: {e}", f.display()))?;
        plain = Box::new(plain.chain(file));
    }
    let mut key = vec![0u8; suite.key_len()];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let mut prefix = [0u8; 7];
    rand::rngs::OsRng.fill_bytes(&mut prefix);
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let info = package::seal_stream(suite, &key, &prefix, plain, std::io::BufWriter::new(file))
        .map_err(|e| e.to_string())?;
    if info.plaintext_len != expected {
        let _ = std::fs::remove_file(out);
        return Err("a document changed while it was being sealed; try again".into());
    }
    let key_b64 = base64::engine::general_purpose::STANDARD.encode(&key);
    let kf = KeyFile {
        format: "ggzy-bid-key/1".into(),
        suite: suite.name().into(),
        key: key_b64.clone(),
        digest: info.digest.clone(),
        package: out.display().to_string(),
    };
    write_secret(
        key_file,
        &serde_json::to_vec_pretty(&kf).map_err(|e| e.to_string())?,
    )?;
    Ok(SealOutput {
        suite,
        digest: info.digest,
        package_len: info.package_len,
        key_file: key_file.to_path_buf(),
        key_b64,
    })
}

fn write_secret(path: &Path, data: &[u8]) -> Result<(), String> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(data)
        .map_err(|e| format!("{}: {e}", path.display()))
}

pub fn read_key_file(path: &Path) -> Result<KeyFile, String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&text)
        .map_err(|e| format!("{}: not a ggzy key file: {e}", path.display()))
}

/// A response: status and body text.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

enum Body<'a> {
    Bytes(&'a [u8]),
    File(&'a Path),
}

/// One request through the workspace's reqwest (rustls): `https://` as well as `http://`, so the
/// bearer token and, at opening, the bid key never travel in clear over a network.
async fn request(
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Body<'_>,
) -> Result<Response, String> {
    if !(base.starts_with("https://") || base.starts_with("http://")) {
        return Err(format!(
            "--url {base}: use https://… (or http:// on a trusted network)"
        ));
    }
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let client = reqwest::Client::builder()
        .user_agent(concat!("ggzy-bid/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let mut req = client
        .request(method, &url)
        .bearer_auth(token)
        .header("Accept", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    // A package is at most the server's limit (50 MiB by default): read whole, sent with its length.
    let bytes = match body {
        Body::Bytes(b) => b.to_vec(),
        Body::File(p) => tokio::fs::read(p)
            .await
            .map_err(|e| format!("{}: {e}", p.display()))?,
    };
    let r = req
        .body(bytes)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = r.status().as_u16();
    let body = r.text().await.map_err(|e| format!("{url}: {e}"))?;
    Ok(Response { status, body })
}

/// `PUT /api/v1/sections/{section}/bids/mine` with the package file streamed from disk.
pub async fn upload(
    url: &str,
    token: &str,
    section: &str,
    digest: &str,
    package: &Path,
) -> Result<Response, String> {
    request(
        url,
        "PUT",
        &format!("/api/v1/sections/{section}/bids/mine"),
        token,
        &[
            ("Content-Type", "application/octet-stream"),
            ("X-Bid-Digest", digest),
            (
                "X-File-Creator",
                concat!("ggzy-bid/", env!("CARGO_PKG_VERSION")),
            ),
        ],
        Body::File(package),
    )
    .await
}

/// `POST /api/v1/sections/{section}/bids/mine/key` with the key from `key_file`.
pub async fn open_key(
    url: &str,
    token: &str,
    section: &str,
    key_file: &Path,
) -> Result<Response, String> {
    let kf = read_key_file(key_file)?;
    let body = serde_json::json!({"key": kf.key}).to_string();
    request(
        url,
        "POST",
        &format!("/api/v1/sections/{section}/bids/mine/key"),
        token,
        &[("Content-Type", "application/json")],
        Body::Bytes(body.as_bytes()),
    )
    .await
}

fn report(r: Response) -> i32 {
    println!("HTTP {}", r.status);
    println!("{}", r.body);
    if (200..300).contains(&r.status) {
        0
    } else {
        1
    }
}

/// Run a `ggzy bid` command; the exit code, or an error message.
pub async fn run(cmd: BidCmd) -> Result<i32, String> {
    match cmd {
        BidCmd::Seal {
            price,
            suite,
            out,
            key_file,
            sme,
            sme_by_small_micro,
            files,
        } => {
            let suite = Suite::from_short(&suite)
                .ok_or_else(|| format!("--suite '{suite}': use aes or sm4"))?;
            let key_file = key_file.unwrap_or_else(|| {
                let mut p = out.clone().into_os_string();
                p.push(".key");
                PathBuf::from(p)
            });
            let sme = sme.map(|scale| package::SmeDeclaration {
                scale,
                by_small_micro: sme_by_small_micro,
            });
            let o = seal_files_declared(suite, &price, sme, &files, &out, &key_file)?;
            println!("package: {} ({} bytes)", out.display(), o.package_len);
            println!("suite: {}", o.suite.name());
            println!("digest: {}", o.digest);
            println!("key: {}", o.key_b64);
            println!("key file: {}", o.key_file.display());
            println!("Keep the key secret until the opening; submit it with `ggzy bid open-key`.");
            Ok(0)
        }
        BidCmd::Upload {
            url,
            token,
            section,
            key_file,
            digest,
            package,
        } => {
            let digest = match (digest, key_file) {
                (Some(d), _) => d,
                (None, Some(k)) => read_key_file(&k)?.digest,
                (None, None) => return Err("give --key-file or --digest".into()),
            };
            Ok(report(
                upload(&url, &token, &section, &digest, &package).await?,
            ))
        }
        BidCmd::OpenKey {
            url,
            token,
            section,
            key_file,
        } => Ok(report(open_key(&url, &token, &section, &key_file).await?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_files_open_with_the_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("商务标.pdf");
        let b = dir.path().join("技术标.pdf");
        std::fs::write(&a, vec![1u8; 70_000]).unwrap();
        std::fs::write(&b, b"tech").unwrap();
        for suite in Suite::ALL {
            let out = dir.path().join("pkg.bid");
            let kf = dir.path().join("pkg.bid.key");
            let o = seal_files(suite, "123.45", &[a.clone(), b.clone()], &out, &kf).unwrap();
            let k = read_key_file(&kf).unwrap();
            assert_eq!(k.digest, o.digest);
            let key = base64::engine::general_purpose::STANDARD
                .decode(&k.key)
                .unwrap();
            assert_eq!(key.len(), suite.key_len());
            let pkg = std::fs::read(&out).unwrap();
            let opened = package::open(&key, &pkg, &o.digest).unwrap();
            assert_eq!(opened.manifest.price, "123.45");
            assert_eq!(opened.manifest.documents.len(), 2);
            assert_eq!(opened.manifest.documents[0].name, "商务标.pdf");
            assert_eq!(opened.manifest.documents[0].size, 70_000);
            assert_eq!(opened.suite, suite);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&kf).unwrap().permissions().mode();
                assert_eq!(mode & 0o077, 0, "key file readable by others: {mode:o}");
            }
        }
        // Two seals never share a key.
        let k1 = seal_files(
            Suite::Aes256GcmSha256,
            "1.00",
            &[],
            &dir.path().join("x"),
            &dir.path().join("x.key"),
        )
        .unwrap();
        let k2 = seal_files(
            Suite::Aes256GcmSha256,
            "1.00",
            &[],
            &dir.path().join("y"),
            &dir.path().join("y.key"),
        )
        .unwrap();
        assert_ne!(k1.key_b64, k2.key_b64);
        assert!(seal_files(
            Suite::Aes256GcmSha256,
            "1.234",
            &[],
            &dir.path().join("z"),
            &dir.path().join("z.key")
        )
        .is_err());
    }

    #[tokio::test]
    async fn https_is_spoken_and_other_schemes_are_refused() {
        let e = request("ftp://example.org", "GET", "/x", "t", &[], Body::Bytes(b""))
            .await
            .unwrap_err();
        assert!(e.contains("use https://"), "{e}");
        // An https URL is attempted (here: nothing listens on the port), not refused as before.
        let e = request(
            "https://127.0.0.1:1",
            "GET",
            "/x",
            "t",
            &[],
            Body::Bytes(b""),
        )
        .await
        .unwrap_err();
        assert!(e.starts_with("https://127.0.0.1:1/x: "), "{e}");
        assert!(!e.contains("only http://"), "{e}");
    }
}
