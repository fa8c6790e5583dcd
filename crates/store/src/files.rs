//! Uploaded files (sealed bids, announcement attachments), stored where every instance reaches them.
//!
//! The backend is chosen by URL, like the database:
//! - a plain path or `file:///path`: a local directory (one node, or a share mounted on every node);
//! - `s3://bucket?endpoint=http://host:port&region=…`: S3-compatible object storage (a cluster).
//!   Credentials come from the usual `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (/
//!   `AWS_SESSION_TOKEN`) variables and never appear in the URL, so the URL may be logged.
//!
//! Keys are `/`-separated relative names (`bids/<id>.bid`); on the local backend they are paths
//! below the directory, so the layout of existing data directories is unchanged.
//!
//! Writes of uploads go to a temporary key first and are moved into place with [`FileStore::rename`]
//! when the database row that points to them commits: a row never points to a missing file, and a
//! failed upload leaves at most an orphan temporary object.

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use ggzy_core::{Error, Result};
use object_store::ObjectStore;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// Where files live; cheap to clone.
#[derive(Clone)]
pub struct FileStore {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Local(PathBuf),
    Object {
        store: Arc<dyn ObjectStore>,
        url: String,
    },
    /// A URL that could not be used; every operation answers 500 with the reason (the server
    /// refuses to start with such a URL, see `FileStore::from_url`).
    Unavailable(String),
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Size and SHA-256 of what [`FileStore::put_stream`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub size: u64,
    /// Lowercase hex.
    pub sha256: String,
}

/// A file on the local disk holding an object's bytes (for readers that need `std::io::Read`).
/// A temporary download is removed when this is dropped; a local-backend file is used in place.
pub struct LocalFile {
    path: PathBuf,
    temporary: bool,
}

impl LocalFile {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LocalFile {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A fresh path in the system temporary directory; the caller removes it.
pub fn temp_path(what: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "ggzy-{what}-{}.part",
        uuid::Uuid::new_v4().simple()
    ))
}

fn internal(what: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("file store {what}: {e}"))
}

fn object_err(what: &str, key: &str, e: object_store::Error) -> Error {
    match e {
        object_store::Error::NotFound { .. } => Error::not_found(format!("file {key}")),
        e => internal(what, e),
    }
}

fn check_key(key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && !key.starts_with('/')
        && key
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != "..");
    if ok {
        Ok(())
    } else {
        Err(Error::internal(format!("file store: bad key {key:?}")))
    }
}

impl FileStore {
    /// A local directory (created on first write).
    pub fn local(dir: impl Into<PathBuf>) -> Self {
        FileStore {
            backend: Backend::Local(dir.into()),
        }
    }

    /// The backend named by `url`: a plain path, `file:///path` or `s3://bucket?endpoint=…&region=…`.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, query) = rest.split_once('?').unwrap_or((rest, ""));
            let bucket = bucket.trim_end_matches('/');
            anyhow::ensure!(
                !bucket.is_empty() && !bucket.contains('/'),
                "files URL {url}: s3://BUCKET?endpoint=… (no path below the bucket)"
            );
            let mut b = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                b = match k {
                    "endpoint" => {
                        // Plain HTTP only when the operator wrote http:// (a local MinIO/moto).
                        let allow_http = v.starts_with("http://");
                        b.with_endpoint(v).with_allow_http(allow_http)
                    }
                    "region" => b.with_region(v),
                    _ => anyhow::bail!(
                        "files URL {url}: unknown parameter {k} (endpoint, region are understood)"
                    ),
                };
            }
            let store = b
                .build()
                .map_err(|e| anyhow::anyhow!("files URL {url}: {e}"))?;
            return Ok(FileStore {
                backend: Backend::Object {
                    store: Arc::new(store),
                    url: url.to_string(),
                },
            });
        }
        if let Some(path) = url.strip_prefix("file://") {
            anyhow::ensure!(
                path.starts_with('/'),
                "files URL {url}: file:///absolute/path"
            );
            return Ok(FileStore::local(path));
        }
        anyhow::ensure!(
            !url.is_empty() && !url.contains("://"),
            "files URL {url}: a directory, file:///path or s3://bucket?endpoint=…"
        );
        Ok(FileStore::local(url))
    }

    /// From the settings: `files_url` when set, else the directory `files_dir`.
    pub fn from_settings(s: &crate::ctx::Settings) -> anyhow::Result<Self> {
        match s.files_url.as_deref().filter(|u| !u.is_empty()) {
            Some(u) => FileStore::from_url(u),
            None => Ok(FileStore::local(&s.files_dir)),
        }
    }

    /// Like [`FileStore::from_settings`], but never fails: a bad URL makes every operation fail.
    pub fn from_settings_or_unavailable(s: &crate::ctx::Settings) -> Self {
        FileStore::from_settings(s).unwrap_or_else(|e| FileStore {
            backend: Backend::Unavailable(e.to_string()),
        })
    }

    /// For logs: the directory or the URL (which holds no credentials).
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Local(d) => format!("local directory {}", d.display()),
            Backend::Object { url, .. } => format!("object store {url}"),
            Backend::Unavailable(e) => format!("unavailable ({e})"),
        }
    }

    fn local_path(&self, key: &str) -> Result<Option<PathBuf>> {
        check_key(key)?;
        match &self.backend {
            Backend::Local(d) => Ok(Some(d.join(key))),
            Backend::Object { .. } => Ok(None),
            Backend::Unavailable(e) => Err(Error::internal(format!("file store unavailable: {e}"))),
        }
    }

    fn object(&self) -> Result<&Arc<dyn ObjectStore>> {
        match &self.backend {
            Backend::Object { store, .. } => Ok(store),
            Backend::Local(_) => Err(Error::internal("file store: not an object store")),
            Backend::Unavailable(e) => Err(Error::internal(format!("file store unavailable: {e}"))),
        }
    }

    /// Stream `body` to `key`, computing its SHA-256 while writing. An error of the stream (e.g.
    /// the caller's size limit) is returned as is, and nothing is left at `key`.
    pub async fn put_stream<S>(&self, key: &str, body: S) -> Result<Stored>
    where
        S: Stream<Item = Result<Bytes>> + Unpin,
    {
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let body = body.inspect_ok(|c| {
            hasher.update(c);
            size += c.len() as u64;
        });
        match self.local_path(key)? {
            Some(path) => put_local(&path, body).await?,
            None => {
                let path = object_store::path::Path::from(key);
                let mut w = object_store::buffered::BufWriter::new(self.object()?.clone(), path);
                if let Err(e) = write_all(&mut w, body).await {
                    let _ = w.abort().await;
                    return Err(e);
                }
                w.shutdown().await.map_err(|e| internal("put", e))?;
            }
        }
        Ok(Stored {
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    /// Write `data` to `key` (replacing it), atomically for readers.
    pub async fn put_bytes(&self, key: &str, data: Bytes) -> Result<()> {
        match self.local_path(key)? {
            Some(path) => {
                let body = futures::stream::iter([Ok(data)]);
                put_local(&path, body).await
            }
            None => self
                .object()?
                .put(&object_store::path::Path::from(key), data.into())
                .await
                .map(|_| ())
                .map_err(|e| object_err("put", key, e)),
        }
    }

    /// Copy a local file to `key`, streaming.
    pub async fn put_file(&self, key: &str, src: &Path) -> Result<Stored> {
        let f = tokio::fs::File::open(src)
            .await
            .map_err(|e| internal("open", e))?;
        let body = tokio_util_stream(f);
        self.put_stream(key, body).await
    }

    /// The bytes of `key` as a stream.
    pub async fn get_stream(&self, key: &str) -> Result<BoxStream<'static, Result<Bytes>>> {
        match self.local_path(key)? {
            Some(path) => {
                let f = tokio::fs::File::open(&path).await.map_err(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        Error::not_found(format!("file {key}"))
                    } else {
                        internal("open", e)
                    }
                })?;
                Ok(tokio_util_stream(f).boxed())
            }
            None => {
                let r = self
                    .object()?
                    .get(&object_store::path::Path::from(key))
                    .await
                    .map_err(|e| object_err("get", key, e))?;
                let k = key.to_string();
                Ok(r.into_stream()
                    .map_err(move |e| object_err("get", &k, e))
                    .boxed())
            }
        }
    }

    /// The whole of `key` in memory (small files: attachments).
    pub async fn get_bytes(&self, key: &str) -> Result<Bytes> {
        let mut s = self.get_stream(key).await?;
        let mut out = Vec::new();
        while let Some(c) = s.next().await {
            out.extend_from_slice(&c?);
        }
        Ok(Bytes::from(out))
    }

    /// At most the first `n` bytes of `key` (e.g. a package header).
    pub async fn get_head(&self, key: &str, n: usize) -> Result<Bytes> {
        let mut s = self.get_stream(key).await?;
        let mut out = Vec::new();
        while out.len() < n {
            match s.next().await {
                Some(c) => out.extend_from_slice(&c?),
                None => break,
            }
        }
        out.truncate(n);
        Ok(Bytes::from(out))
    }

    /// A local file with the bytes of `key`: the file itself on the local backend, a temporary
    /// download (removed on drop) on an object store.
    pub async fn local_copy(&self, key: &str) -> Result<LocalFile> {
        if let Some(path) = self.local_path(key)? {
            if tokio::fs::metadata(&path).await.is_err() {
                return Err(Error::not_found(format!("file {key}")));
            }
            return Ok(LocalFile {
                path,
                temporary: false,
            });
        }
        let file = LocalFile {
            path: temp_path("download"),
            temporary: true,
        };
        let body = self.get_stream(key).await?;
        put_local(file.path(), body).await?;
        Ok(file)
    }

    /// Move `from` to `to` (replacing `to`): commits a temporary upload.
    pub async fn rename(&self, from: &str, to: &str) -> Result<()> {
        match (self.local_path(from)?, self.local_path(to)?) {
            (Some(a), Some(b)) => tokio::fs::rename(&a, &b)
                .await
                .map_err(|e| internal("rename", e)),
            _ => self
                .object()?
                .rename(
                    &object_store::path::Path::from(from),
                    &object_store::path::Path::from(to),
                )
                .await
                .map_err(|e| object_err("rename", from, e)),
        }
    }

    /// Remove `key`; a missing key is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.local_path(key)? {
            Some(p) => match tokio::fs::remove_file(&p).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(internal("delete", e)),
                _ => Ok(()),
            },
            None => match self
                .object()?
                .delete(&object_store::path::Path::from(key))
                .await
            {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(internal("delete", e)),
            },
        }
    }

    /// Whether `key` exists.
    pub async fn exists(&self, key: &str) -> Result<bool> {
        match self.local_path(key)? {
            Some(p) => Ok(tokio::fs::metadata(&p).await.is_ok()),
            None => match self
                .object()?
                .head(&object_store::path::Path::from(key))
                .await
            {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(internal("head", e)),
            },
        }
    }
}

/// Write a stream to a local path via a temporary sibling, fsync, then rename: readers never see
/// a partial file, and a failed write leaves nothing behind.
/// Create (truncate) `path` readable and writable by the owner only (mode 0600 on Unix).
pub async fn private_file(path: &Path) -> std::io::Result<tokio::fs::File> {
    let mut o = tokio::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    o.mode(0o600);
    o.open(path).await
}

/// [`private_file`] for blocking code.
pub fn private_file_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

async fn put_local<S>(path: &Path, body: S) -> Result<()>
where
    S: Stream<Item = Result<Bytes>> + Unpin,
{
    let dir = path
        .parent()
        .ok_or_else(|| Error::internal("file store: key without directory"))?;
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| internal("directory", e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    // Removes the temporary file if this future is dropped half-way (the request timed out or
    // the client went away): cancellation must not leave partial uploads behind.
    let mut guard = RemoveOnDrop(Some(tmp.clone()));
    let r: Result<()> = async {
        // Owner-only (0600): stored files include decrypted bids (issue 24, item 13).
        let mut f = private_file(&tmp)
            .await
            .map_err(|e| internal("create", e))?;
        write_all(&mut f, body).await?;
        f.flush().await.map_err(|e| internal("flush", e))?;
        f.sync_all().await.map_err(|e| internal("sync", e))?;
        drop(f);
        tokio::fs::rename(&tmp, path)
            .await
            .map_err(|e| internal("rename", e))
    }
    .await;
    if r.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    guard.0 = None;
    r
}

/// Deletes a local path when dropped, unless disarmed (`.0 = None`).
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

async fn write_all<W, S>(w: &mut W, mut body: S) -> Result<()>
where
    W: tokio::io::AsyncWrite + Unpin,
    S: Stream<Item = Result<Bytes>> + Unpin,
{
    while let Some(chunk) = body.next().await {
        w.write_all(&chunk?)
            .await
            .map_err(|e| internal("write", e))?;
    }
    Ok(())
}

/// A file as a stream of 64 KiB chunks.
fn tokio_util_stream(f: tokio::fs::File) -> impl Stream<Item = Result<Bytes>> + Unpin + Send {
    use tokio::io::AsyncReadExt;
    Box::pin(futures::stream::try_unfold(f, |mut f| async move {
        let mut buf = vec![0u8; 64 * 1024];
        let n = f.read(&mut buf).await.map_err(|e| internal("read", e))?;
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), f)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&'static [u8]]) -> impl Stream<Item = Result<Bytes>> + Unpin {
        futures::stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p)))
                .collect::<Vec<_>>(),
        )
    }

    /// Files written to a local store are the server's alone: decrypted bids must not be
    /// world-readable (issue 24, item 13).
    #[cfg(unix)]
    #[tokio::test]
    async fn local_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::local(dir.path());
        fs.put_bytes("bids/b1.plain", Bytes::from_static(b"price"))
            .await
            .unwrap();
        let mode = std::fs::metadata(dir.path().join("bids/b1.plain"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let p = dir.path().join("x.part");
        drop(private_file_blocking(&p).unwrap());
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    /// The same behaviour from every backend: streaming put with its hash, get, head, rename,
    /// a failing stream leaving nothing, delete, a local copy for `std::io::Read` users.
    pub(crate) async fn exercise(fs: &FileStore) {
        let s = fs
            .put_stream("bids/upload-1.part", chunks(&[b"0123", b"4567"]))
            .await
            .unwrap();
        assert_eq!(s.size, 8);
        assert_eq!(s.sha256, hex::encode(Sha256::digest(b"01234567")));
        fs.rename("bids/upload-1.part", "bids/b1.bid")
            .await
            .unwrap();
        assert!(!fs.exists("bids/upload-1.part").await.unwrap());
        assert!(fs.exists("bids/b1.bid").await.unwrap());
        assert_eq!(&fs.get_bytes("bids/b1.bid").await.unwrap()[..], b"01234567");
        assert_eq!(&fs.get_head("bids/b1.bid", 3).await.unwrap()[..], b"012");
        {
            let copy = fs.local_copy("bids/b1.bid").await.unwrap();
            assert_eq!(std::fs::read(copy.path()).unwrap(), b"01234567");
        }
        // A stream that fails half-way (e.g. over the size limit) leaves nothing at its key.
        let failing = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(Error::PayloadTooLarge("limit".into())),
        ]);
        let e = fs
            .put_stream("bids/upload-2.part", failing)
            .await
            .unwrap_err();
        assert_eq!(e.status().as_u16(), 413);
        assert!(!fs.exists("bids/upload-2.part").await.unwrap());
        // Bytes in, bytes out; replace; delete (twice is fine); a missing key is 404.
        fs.put_bytes("announcements/x", Bytes::from_static(b"one"))
            .await
            .unwrap();
        fs.put_bytes("announcements/x", Bytes::from_static(b"two"))
            .await
            .unwrap();
        assert_eq!(&fs.get_bytes("announcements/x").await.unwrap()[..], b"two");
        fs.delete("announcements/x").await.unwrap();
        fs.delete("announcements/x").await.unwrap();
        let e = fs.get_bytes("announcements/x").await.unwrap_err();
        assert_eq!(e.status().as_u16(), 404);
        // Bigger than one chunk of the local reader and than a small multipart part.
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let src = temp_path("test-src");
        std::fs::write(&src, &big).unwrap();
        let s = fs.put_file("bids/big.plain", &src).await.unwrap();
        std::fs::remove_file(&src).unwrap();
        assert_eq!(s.size, big.len() as u64);
        assert_eq!(&fs.get_bytes("bids/big.plain").await.unwrap()[..], &big[..]);
    }

    #[tokio::test]
    async fn local_directory_backend() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::from_url(dir.path().to_str().unwrap()).unwrap();
        exercise(&fs).await;
        // Existing data layout: the key is the path below the directory.
        assert!(dir.path().join("bids/b1.bid").is_file());
        // No temporary files left over.
        let names: Vec<String> = std::fs::read_dir(dir.path().join("bids"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        let url = format!("file://{}", dir.path().display());
        assert!(FileStore::from_url(&url)
            .unwrap()
            .describe()
            .contains("local"));
    }

    #[test]
    fn urls_and_keys() {
        assert!(FileStore::from_url("s3://b?endpoint=http://127.0.0.1:9&region=x").is_ok());
        assert!(FileStore::from_url("s3://b?colour=red").is_err());
        assert!(FileStore::from_url("s3://b/sub").is_err());
        assert!(FileStore::from_url("file://relative").is_err());
        assert!(FileStore::from_url("ftp://x").is_err());
        assert!(check_key("bids/a.bid").is_ok());
        for bad in ["", "/etc/passwd", "bids/../x", "a//b", "./a"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }

    /// Against a real S3-compatible server: `moto_server` (PyPI `moto[server]`) started here on a
    /// free port. Skipped, saying why, when it is not installed.
    #[tokio::test]
    async fn s3_backend_against_moto() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(
            std::env::var("GGZY_MOTO_SERVER").unwrap_or_else(|_| "moto_server".into()),
        )
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => {
                let why = format!("SKIPPED s3_backend_against_moto: moto_server cannot be started ({e}); pip install 'moto[server]'");
                // CI (.ci/run) installs moto and sets GGZY_REQUIRE_S3=1: there a skip would hide a failure.
                assert!(
                    std::env::var("GGZY_REQUIRE_S3").as_deref() != Ok("1"),
                    "{why}"
                );
                println!("{why}");
                return;
            }
        };
        struct Kill(std::process::Child);
        impl Drop for Kill {
            fn drop(&mut self) {
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }
        let endpoint = format!("http://127.0.0.1:{port}");
        let http = reqwest_like_wait(&endpoint).await;
        if !http {
            let _ = child.kill();
            let _ = child.wait();
            let why = format!(
                "SKIPPED s3_backend_against_moto: moto_server did not answer on {endpoint}"
            );
            // CI (.ci/run) installs moto and sets GGZY_REQUIRE_S3=1: there a skip would hide a failure.
            assert!(
                std::env::var("GGZY_REQUIRE_S3").as_deref() != Ok("1"),
                "{why}"
            );
            println!("{why}");
            return;
        }
        let _guard = Kill(child);
        // moto accepts any credentials; the bucket is created with a plain PUT (moto's S3 API).
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        create_bucket(port, "ggzy-test").await;
        let fs = FileStore::from_url(&format!(
            "s3://ggzy-test?endpoint={endpoint}&region=us-east-1"
        ))
        .unwrap();
        exercise(&fs).await;
        // A second client (another instance) sees what the first wrote.
        let other = FileStore::from_url(&format!("s3://ggzy-test?endpoint={endpoint}")).unwrap();
        assert_eq!(
            &other.get_bytes("bids/b1.bid").await.unwrap()[..],
            b"01234567"
        );
    }

    async fn reqwest_like_wait(endpoint: &str) -> bool {
        let addr = endpoint.trim_start_matches("http://").to_string();
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    }

    async fn create_bucket(port: u16, bucket: &str) {
        use tokio::io::AsyncReadExt;
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let req = format!(
            "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    }

    #[tokio::test]
    async fn an_upload_cancelled_half_way_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::local(dir.path());
        // A body that sends one chunk and then nothing, like a client that stalls.
        let body = futures::stream::iter([Ok(Bytes::from_static(b"partial"))])
            .chain(futures::stream::pending());
        let r = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            store.put_stream("bids/x.part", Box::pin(body)),
        )
        .await;
        assert!(r.is_err(), "the upload never finishes");
        let left: Vec<_> = walk(dir.path());
        assert!(left.is_empty(), "left behind: {left:?}");
    }

    fn walk(p: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(p).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
        out
    }
}
