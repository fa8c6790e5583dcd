//! `TestApp`: spawns the real application (router, middleware, background workers) on a random
//! port against a fresh database — a SQLite file in a temporary directory, or, when
//! `GGZY_TEST_DATABASE_URL` is set, a new PostgreSQL database created for the test and dropped after.
//! The clock is a manual clock so tests can cross legal periods of days without waiting.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed run.

pub mod browser;
pub mod fixtures;
pub mod pages;

use ggzy::background::{self, Background};
use ggzy::{build_router, AppOptions};
use ggzy_core::calendar::BusinessCalendar;
use ggzy_core::{Clock, Timestamp};
use ggzy_store::ctx::Settings;
use ggzy_store::{migrate, Ctx, Db, DbOptions, Engine};
use serde_json::{json, Value};
use sqlx::Connection;
use std::time::Duration;

pub const DEMO_PASSWORD: &str = "demo-password-123";

/// How long a test instance waits for a request head (`--header-timeout`; shorter than the
/// default so the slow-header test is quick).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// The tests' HTTP client. A test server closes a connection idle for [`HEADER_TIMEOUT`] (the
/// header read timeout also covers the wait for a keep-alive connection's next request); a client
/// reusing such a connection as the server closes it gets "connection closed before message
/// completed". So the client drops connections idle for half that time.
pub fn test_client() -> reqwest::Client {
    test_client_builder().build().expect("client")
}

/// [`test_client`]'s settings, to add to.
pub fn test_client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_idle_timeout(HEADER_TIMEOUT / 2)
}

/// Monday 2026-03-02 09:00 Asia/Shanghai: a working day with calendar data around it.
pub fn default_start() -> Timestamp {
    ggzy_core::time::at_local(
        chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
        9,
        0,
        0,
    )
}

/// How long a test waits for something another area, a timer or the browser does on its own.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// The tries of a wait for something that happens on its own (a consumer catching up, a timer, a
/// page updating): one per iteration until [`PATIENCE`] has passed; the caller sleeps between
/// tries and breaks out on success. A fixed number of tries gave up after a few seconds when the
/// machine was busy (CI on 2 cores), which made tests fail that were right.
pub fn patience() -> impl Iterator<Item = ()> {
    let until = std::time::Instant::now() + PATIENCE;
    std::iter::from_fn(move || (std::time::Instant::now() < until).then_some(()))
}

/// A fresh, migrated database for one test.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var("GGZY_TEST_DATABASE_URL")
            .ok()
            .filter(|s| !s.is_empty())
        {
            Some(admin_url) => {
                let name = format!("ggzy_t_{}", uuid::Uuid::new_v4().simple());
                let template = pg_template(&admin_url).await;
                let mut c = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .expect("connect to GGZY_TEST_DATABASE_URL");
                sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    .execute(&mut c)
                    .await
                    .expect("create test database");
                c.close().await.ok();
                let url = replace_db_name(&admin_url, &name);
                let db = connect_migrated(&url).await;
                TestDb {
                    db,
                    url,
                    _dir: None,
                    pg_admin: Some((admin_url, name)),
                }
            }
            None => {
                let dir = tempfile::tempdir().expect("tempdir");
                let file = dir.path().join("test.db");
                std::fs::copy(sqlite_template().await, &file).expect("copy the template database");
                let url = format!("sqlite://{}", file.display());
                let db = Db::connect(&url, &test_db_options(16))
                    .await
                    .expect("connect");
                migrate::run(&db).await.expect("migrate");
                TestDb {
                    db,
                    url,
                    _dir: Some(dir),
                    pg_admin: None,
                }
            }
        }
    }

    pub fn engine(&self) -> Engine {
        self.db.engine()
    }

    pub async fn drop_db(self) {
        self.db.close().await;
        if let Some((admin, name)) = &self.pg_admin {
            if let Ok(mut c) = sqlx::PgConnection::connect(admin).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c)
                    .await;
            }
        }
    }
}

/// A digest of the embedded migrations of `engine`: the name of the migrated template that tests
/// copy, so a template made by older code is never used.
fn migrations_digest(engine: Engine) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for m in migrate::migrations_for(engine) {
        h.update(m.version.to_be_bytes());
        h.update(&m.checksum);
    }
    hex::encode(&h.finalize()[..8])
}

/// The migrated SQLite template of this code's migrations (made once, then every test copies the
/// file instead of running some two hundred migrations). Built under a unique name and renamed into
/// place, so parallel test processes never see half a template.
async fn sqlite_template() -> &'static std::path::Path {
    static T: tokio::sync::OnceCell<std::path::PathBuf> = tokio::sync::OnceCell::const_new();
    T.get_or_init(|| async {
        let path = std::env::temp_dir().join(format!(
            "ggzy-test-template-{}.db",
            migrations_digest(Engine::Sqlite)
        ));
        if !path.exists() {
            let building = std::env::temp_dir().join(format!(
                "ggzy-test-template-{}.building",
                uuid::Uuid::new_v4().simple()
            ));
            let url = format!("sqlite://{}", building.display());
            let db = Db::connect(&url, &DbOptions::default())
                .await
                .expect("connect the template");
            migrate::run(&db).await.expect("migrate the template");
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(db.pool())
                .await
                .expect("checkpoint the template");
            db.close().await;
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
            }
            std::fs::rename(&building, &path).expect("put the template in place");
        }
        path
    })
    .await
    .as_path()
}

/// The migrated PostgreSQL template database of this code's migrations; each test's database is
/// `CREATE DATABASE … TEMPLATE` of it (a file copy on the server). Built under a unique name and
/// renamed, so concurrent test processes on one server agree on one complete template.
async fn pg_template(admin_url: &str) -> &'static str {
    static T: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    T.get_or_init(|| async {
        let name = format!("ggzy_tpl_{}", migrations_digest(Engine::Postgres));
        let mut c = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect to GGZY_TEST_DATABASE_URL");
        let exists: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_optional(&mut c)
                .await
                .expect("look for the template");
        if exists.is_none() {
            let building = format!("ggzy_tpb_{}", uuid::Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {building}"))
                .execute(&mut c)
                .await
                .expect("create the template");
            let db = connect_migrated(&replace_db_name(admin_url, &building)).await;
            db.close().await;
            let renamed = sqlx::query(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut c)
                .await;
            if renamed.is_err() {
                // Another process put its template in place first: use that one.
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                    .execute(&mut c)
                    .await;
            }
        }
        c.close().await.ok();
        name
    })
    .await
    .as_str()
}

/// A test's pool: `max_connections`, and a connection waited for as long as a test waits for
/// anything (CI runs both engines' suites side by side on two cores; the production default of
/// 10 s is for a server, whose callers retry).
fn test_db_options(max_connections: u32) -> DbOptions {
    DbOptions {
        max_connections,
        acquire_timeout: PATIENCE,
        ..DbOptions::default()
    }
}

/// A pool of 20 connections to `url`, migrated (migrations are idempotent).
async fn connect_migrated(url: &str) -> Db {
    let db = Db::connect(url, &test_db_options(20))
        .await
        .expect("connect");
    migrate::run(&db).await.expect("migrate");
    db
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let cut = base
        .rfind('/')
        .filter(|&i| i > "postgres://".len())
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..cut], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The process-wide metrics recorder (the `metrics` macros write to one global recorder).
fn metrics_handle() -> metrics_exporter_prometheus::PrometheusHandle {
    static H: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> =
        std::sync::OnceLock::new();
    H.get_or_init(|| {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .install_recorder()
            .unwrap_or_else(|_| {
                metrics_exporter_prometheus::PrometheusBuilder::new()
                    .build_recorder()
                    .handle()
            })
    })
    .clone()
}

pub struct TestApp {
    pub addr: String,
    pub ctx: Ctx,
    pub client: reqwest::Client,
    pub db: Option<TestDb>,
    bg: Option<Background>,
    server: tokio::task::JoinHandle<()>,
    /// Reverse proxies the instance believes (`--trusted-proxies`); none by default.
    proxies: ggzy::middleware::TrustedProxies,
    /// A sandbox's demo run (seeded trades, the demo worker), for [`TestApp::spawn_demo`].
    pub demo: Option<ggzy::demo_trades::DemoRun>,
}

impl TestApp {
    /// A running app with the demo organizations and users (password [`DEMO_PASSWORD`]).
    pub async fn spawn() -> TestApp {
        Self::spawn_at(default_start()).await
    }

    pub async fn spawn_at(start: Timestamp) -> TestApp {
        Self::spawn_with(start, |_| {}).await
    }

    /// [`TestApp::spawn_at`] with settings changed by `configure` (e.g. no bank key).
    pub async fn spawn_with(start: Timestamp, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let tdb = TestDb::new().await;
        let files = tempfile::tempdir().expect("tempdir").keep();
        let mut settings = Settings {
            files_dir: files,
            // e.g. s3://bucket?endpoint=http://127.0.0.1:PORT to run the tests on object storage.
            files_url: std::env::var("GGZY_TEST_FILES_URL").ok(),
            instance: format!("test-{}", uuid::Uuid::new_v4().simple()),
            // A busy test machine makes each sign-in's hash slow: a sign-in waits for its hashing
            // slot as long as a test waits for anything (the 503 of a full pool has its own test).
            login_hash_wait: PATIENCE,
            ..Settings::default()
        };
        configure(&mut settings);
        let ctx = Ctx::new(
            tdb.db.clone(),
            Clock::manual(start),
            BusinessCalendar::official(),
            settings,
        );
        ggzy::demo::seed(&ctx, Some(DEMO_PASSWORD))
            .await
            .expect("demo seed");
        let proxies = ggzy::middleware::TrustedProxies::default();
        let (bg, server, addr) = Self::serve(&ctx, &proxies).await;
        TestApp {
            addr,
            ctx,
            client: test_client(),
            db: Some(tdb),
            bg: Some(bg),
            server,
            proxies,
            demo: None,
        }
    }

    /// [`TestApp::spawn`] behind reverse proxies at `cidrs` (`--trusted-proxies`).
    pub async fn spawn_behind_proxies(cidrs: &str) -> TestApp {
        let mut app = Self::spawn().await;
        app.proxies = ggzy::middleware::TrustedProxies::parse(cidrs).expect("proxy CIDRs");
        app.restart().await;
        app
    }

    /// Restart this app behind reverse proxies at `cidrs` (`--trusted-proxies`), keeping its
    /// settings (e.g. after [`TestApp::spawn_with`]).
    pub async fn trust_proxies(&mut self, cidrs: &str) {
        self.proxies = ggzy::middleware::TrustedProxies::parse(cidrs).expect("proxy CIDRs");
        self.restart().await;
    }

    /// The app as `serve --demo --time-scale <scale>` runs it, on a fresh database: the sandbox
    /// mark, the scaled clock, the demo logins (password [`DEMO_PASSWORD`]) and trades seeded
    /// through the API, the demo worker, the sandbox poll interval.
    pub async fn spawn_demo(scale: u32) -> TestApp {
        let tdb = TestDb::new().await;
        let mut app = Self::start_demo(tdb, Some(scale)).await;
        app.client = test_client();
        app
    }

    /// Start a sandbox instance on `tdb` (`--demo [--time-scale]`): seeds when the database is new.
    pub async fn start_demo(tdb: TestDb, time_scale: Option<u32>) -> TestApp {
        let mode = ggzy::sandbox::prepare(&tdb.db, true, time_scale)
            .await
            .expect("sandbox");
        let ggzy::sandbox::Mode::Sandbox {
            clock,
            fresh,
            seeded,
        } = mode
        else {
            panic!("not a sandbox: {mode:?}");
        };
        let settings = Settings {
            files_dir: tempfile::tempdir().expect("tempdir").keep(),
            files_url: std::env::var("GGZY_TEST_FILES_URL").ok(),
            instance: format!("test-{}", uuid::Uuid::new_v4().simple()),
            sandbox: true,
            login_hash_wait: PATIENCE,
            ..Settings::default()
        };
        let ctx = Ctx::new(
            tdb.db.clone(),
            clock,
            BusinessCalendar::official(),
            settings,
        );
        let router = build_router(
            ctx.clone(),
            AppOptions {
                request_timeout: Duration::from_secs(30),
                body_limit: 256 * 1024,
                trusted_proxies: Default::default(),
                metrics: metrics_handle(),
                metrics_token: None,
            },
        );
        let poll = ggzy::sandbox::poll_for(&ctx.clock, Duration::from_millis(50));
        let (bg, run) =
            ggzy::demo_trades::start(&ctx, &router, Some(DEMO_PASSWORD), fresh || !seeded, poll)
                .await
                .expect("demo start");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await;
        });
        TestApp {
            addr,
            ctx,
            client: test_client(),
            db: Some(tdb),
            bg: Some(bg),
            server,
            proxies: Default::default(),
            demo: Some(run),
        }
    }

    /// Stop a sandbox instance and start it again on the same database (a process restart of
    /// `serve --demo [--time-scale]`).
    pub async fn restart_demo(mut self, time_scale: Option<u32>) -> TestApp {
        if let Some(run) = self.demo.take() {
            run.stop().await;
        }
        if let Some(bg) = self.bg.take() {
            bg.stop().await;
        }
        self.server.abort();
        let mut tdb = self.db.take().expect("database");
        tdb.db.close().await;
        tdb.db = connect_migrated(&tdb.url).await;
        Self::start_demo(tdb, time_scale).await
    }

    /// Background workers and the HTTP server of one instance on `ctx`.
    async fn serve(
        ctx: &Ctx,
        proxies: &ggzy::middleware::TrustedProxies,
    ) -> (Background, tokio::task::JoinHandle<()>, String) {
        let bg = Background::start(ctx, background::workers(), Duration::from_millis(50))
            .await
            .expect("background");
        let metrics = metrics_handle();
        let app = build_router(
            ctx.clone(),
            AppOptions {
                request_timeout: Duration::from_secs(30),
                body_limit: 256 * 1024,
                trusted_proxies: proxies.clone(),
                metrics,
                metrics_token: None,
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let _ = ggzy::listen::serve(
                listener,
                app,
                ggzy::listen::ListenOptions {
                    header_timeout: HEADER_TIMEOUT,
                    ..Default::default()
                },
                std::future::pending(),
            )
            .await;
        });
        (bg, server, addr)
    }

    /// Stop this instance (workers, server, database pool) and start a new one on the same database
    /// and files, as a process restart would: nothing carries over but what was committed. The clock
    /// keeps running (tests may move it while the instance is down via [`TestApp::stop_instance`]).
    pub async fn restart(&mut self) {
        self.stop_instance().await;
        self.start_instance().await;
    }

    /// The first half of [`TestApp::restart`]: nothing runs until [`TestApp::start_instance`].
    pub async fn stop_instance(&mut self) {
        if let Some(bg) = self.bg.take() {
            bg.stop().await;
        }
        self.server.abort();
        self.ctx.db.close().await;
    }

    /// Reconnect to the same database (migrations are idempotent) and start workers and server.
    pub async fn start_instance(&mut self) {
        let tdb = self.db.as_mut().expect("database");
        let db = connect_migrated(&tdb.url).await;
        tdb.db = db.clone();
        let settings = Settings {
            instance: format!("test-{}", uuid::Uuid::new_v4().simple()),
            ..(*self.ctx.settings).clone()
        };
        self.ctx = Ctx::new(
            db,
            self.ctx.clock.clone(),
            BusinessCalendar::official(),
            settings,
        );
        let (bg, server, addr) = Self::serve(&self.ctx, &self.proxies).await;
        self.bg = Some(bg);
        self.server = server;
        self.addr = addr;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.addr, path)
    }

    pub fn clock(&self) -> &Clock {
        &self.ctx.clock
    }

    pub async fn login(&self, username: &str) -> String {
        let r = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("login request");
        assert_eq!(r.status(), 200, "login as {username}");
        let v: Value = r.json().await.expect("json");
        v["token"].as_str().expect("token").to_string()
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (u16, Value) {
        let mut rb = self.client.get(self.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        into_parts(rb.send().await.expect("request")).await
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
        let mut rb = self.client.post(self.url(path)).json(&body);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        into_parts(rb.send().await.expect("request")).await
    }

    pub async fn put(&self, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
        let mut rb = self.client.put(self.url(path)).json(&body);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        into_parts(rb.send().await.expect("request")).await
    }

    pub async fn delete(&self, token: Option<&str>, path: &str) -> (u16, Value) {
        let mut rb = self.client.delete(self.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        into_parts(rb.send().await.expect("request")).await
    }

    /// Seal pending events now (the background sealer would within a poll interval).
    pub async fn seal(&self) {
        ggzy_store::outbox::seal_all(&self.ctx.db)
            .await
            .expect("seal");
    }

    pub async fn stop(mut self) {
        if let Some(run) = self.demo.take() {
            run.stop().await;
        }
        if let Some(bg) = self.bg.take() {
            bg.stop().await;
        }
        self.server.abort();
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
    }
}

/// The answer's `content-type` header ("" when there is none).
pub fn content_type(r: &reqwest::Response) -> String {
    r.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

pub async fn into_parts(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let ct = content_type(&r);
    let text = r.text().await.unwrap_or_default();
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if status >= 400 {
        assert!(
            ct.starts_with("application/problem+json"),
            "error {status} must be problem+json, got '{ct}': {v}"
        );
    }
    (status, v)
}
