//! The state every area's routes and use cases receive.

use crate::files::FileStore;
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
    /// Prefix of OCDS ids.
    pub ocid_prefix: String,
    /// Public base URL (links in feeds).
    pub public_url: String,
    /// HMAC key of the bank's signed callbacks (deposits). `None`: those routes answer 503.
    /// `Settings::default()` is the development setup and carries the public dev key
    /// [`DEV_BANK_HMAC_KEY`]; `serve` takes `GGZY_BANK_HMAC_KEY` and allows the dev key only with `--demo`.
    pub bank_hmac_key: Option<SecretString>,
    /// A sandbox (demo) instance: every page shows a banner saying so, with the simulated date of
    /// the server clock, so nobody mistakes it for the real trading platform. Default `false`.
    pub sandbox: bool,
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
            ocid_prefix: "ocds-ggzy00".into(),
            public_url: "http://127.0.0.1:8080".into(),
            bank_hmac_key: Some(SecretString::new(DEV_BANK_HMAC_KEY)),
            sandbox: false,
        }
    }
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
    pub fn new(db: Db, clock: Clock, calendar: BusinessCalendar, settings: Settings) -> Self {
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
