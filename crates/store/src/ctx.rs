//! The state every area's routes and use cases receive.

use crate::files::FileStore;
use crate::note::LogSigner;
use crate::Db;
use ggzy_core::calendar::BusinessCalendar;
use ggzy_core::Clock;
use std::sync::Arc;

/// Settings the areas read (the server fills them from flags and `GGZY_*` variables).
#[derive(Debug, Clone)]
pub struct Settings {
    /// This instance's name in claims and logs.
    pub instance: String,
    /// Region code of the centre (行政区划代码), prefix of unified trading codes.
    pub region: String,
    /// Directory for uploaded files (sealed bids, attachments).
    pub files_dir: std::path::PathBuf,
    /// Where files live when not in `files_dir`: `s3://bucket?endpoint=…` or `file:///path`
    /// (see [`crate::files::FileStore::from_url`]); `None`: the local directory `files_dir`.
    pub files_url: Option<String>,
    /// Lifetime of bearer tokens.
    pub token_ttl: chrono::Duration,
    /// Failed logins allowed per account (and per address ×5) in `login_window` before throttling.
    pub login_max_failures: u32,
    pub login_window: chrono::Duration,
    /// Password hashes computed at once (argon2id, 19 MiB each): bounds the memory sign-ins use.
    /// Default: the machine's available parallelism (`--login-hash-slots`).
    pub login_hash_slots: usize,
    /// Sign-ins that may wait for a hashing slot; beyond that they answer 503 at once
    /// (`--login-hash-queue`). A waiting sign-in holds no hashing memory.
    pub login_hash_queue: usize,
    /// Longest wait for a hashing slot before a sign-in answers 503 (`--login-hash-wait-secs`).
    pub login_hash_wait: std::time::Duration,
    /// Prefix of OCDS ids.
    pub ocid_prefix: String,
    /// Public base URL (links in feeds).
    pub public_url: String,
    /// HMAC key of the bank's signed callbacks (deposits). `None`: those routes answer 503.
    /// `Settings::default()` is the development setup and carries the public dev key
    /// [`DEV_BANK_HMAC_KEY`]; `serve` takes `GGZY_BANK_HMAC_KEY` and allows the dev key only with `--demo`.
    pub bank_hmac_key: Option<SecretString>,
    /// This database is a sandbox (演示环境, `serve --demo`): pages show a banner, API answers carry
    /// `X-GGZY-Sandbox`, OCDS and RSS outputs are marked.
    pub sandbox: bool,
    /// Ed25519 key that signs the transparency log's checkpoints (docs/transparency-log.md). Read
    /// from `--log-key-file` or `GGZY_LOG_SIGNING_KEY`, never from the database. `None`: no
    /// checkpoints are published (and `/healthz` says so). `Settings::default()` carries the public
    /// development key [`dev_log_signer`]; `serve` never keeps it.
    pub log_signer: Option<LogSigner>,
    /// Ed25519 key that signs bid receipts (回执), from `--receipt-key-file` or
    /// `GGZY_RECEIPT_SIGNING_KEY`. `None`: bid uploads answer 503. Default: the public development
    /// key [`dev_receipt_signer`]; `serve` never keeps it.
    pub receipt_signer: Option<LogSigner>,
}

/// Public development key of the log checkpoints (tests only: anybody can sign with it).
pub fn dev_log_signer() -> LogSigner {
    use sha2::Digest;
    let seed: [u8; 32] = sha2::Sha256::digest(b"ggzy-dev-log-signing-key").into();
    LogSigner::new("ggzy-dev-log", ed25519_dalek::SigningKey::from_bytes(&seed))
        .expect("constant key name is valid")
}

/// Public development key of bid receipts (tests only).
pub fn dev_receipt_signer() -> LogSigner {
    use sha2::Digest;
    let seed: [u8; 32] = sha2::Sha256::digest(b"ggzy-dev-receipt-signing-key").into();
    LogSigner::new(
        "ggzy-dev-receipts",
        ed25519_dalek::SigningKey::from_bytes(&seed),
    )
    .expect("constant key name is valid")
}

impl Settings {
    /// The origin line of this log's checkpoints (`<public host>/ggzy`).
    pub fn log_origin(&self) -> String {
        crate::tlog::origin_from_url(&self.public_url)
    }
}

/// Public development key of the bank callbacks (tests, `--demo`); never accepted in production.
pub const DEV_BANK_HMAC_KEY: &str = "ggzy-dev-bank-hmac-key";

/// A secret that never reaches logs (`Debug` prints `[redacted]`).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(s: impl Into<String>) -> Self {
        SecretString(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            instance: format!("ggzy-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
            region: "210200".into(),
            files_dir: std::path::PathBuf::from("data/files"),
            files_url: None,
            token_ttl: chrono::Duration::hours(12),
            login_max_failures: 5,
            login_window: chrono::Duration::minutes(15),
            login_hash_slots: default_hash_slots(),
            login_hash_queue: 256,
            login_hash_wait: std::time::Duration::from_secs(5),
            ocid_prefix: "ocds-ggzy00".into(),
            public_url: "http://127.0.0.1:8080".into(),
            bank_hmac_key: Some(SecretString::new(DEV_BANK_HMAC_KEY)),
            sandbox: false,
            log_signer: Some(dev_log_signer()),
            receipt_signer: Some(dev_receipt_signer()),
        }
    }
}

/// One password hash at a time per core the process may use (at least 1).
pub fn default_hash_slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[derive(Clone)]
pub struct Ctx {
    pub db: Db,
    pub clock: Clock,
    pub calendar: Arc<BusinessCalendar>,
    pub settings: Arc<Settings>,
    /// Uploaded files, on the backend the settings name.
    pub files: FileStore,
}

impl Ctx {
    /// `calendar` is the initial content (compiled-in years, `--calendar-dir`); it becomes the
    /// content of `db`'s live calendar, which stored schedules then overlay (`calendar::refresh`).
    pub fn new(db: Db, clock: Clock, calendar: BusinessCalendar, settings: Settings) -> Self {
        db.calendar().replace_with(&calendar);
        let calendar = db.calendar().clone();
        let files = FileStore::from_settings_or_unavailable(&settings);
        Ctx {
            files,
            db,
            clock,
            calendar: Arc::new(calendar),
            settings: Arc::new(settings),
        }
    }
}
