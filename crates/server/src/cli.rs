//! Command line: `ggzy serve | migrate | demo | user create | audit verify`.

use crate::app::{build_router, AppOptions};
use crate::background::{self, Background};
use clap::{Args, Parser, Subcommand};
use ggzy_core::calendar::BusinessCalendar;
use ggzy_core::events::ActorRef;
use ggzy_core::Clock;
use ggzy_store::ctx::Settings;
use ggzy_store::{migrate, Ctx, Db, DbOptions};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "ggzy",
    version,
    about = "ggzy — public resource trading platform (公共资源交易平台)"
)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Database URL: sqlite://PATH (embedded, created on first run) or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "GGZY_DATABASE_URL",
        default_value = "sqlite://data/ggzy.db",
        global = true
    )]
    pub database_url: String,
    /// Connections in the pool (PostgreSQL, default 16; readers on SQLite, default 8: each SQLite
    /// connection keeps its own copy of the schema and statements, docs/benchmarks.md "Memory").
    #[arg(long, env = "GGZY_DB_MAX_CONNECTIONS", global = true)]
    pub db_max_connections: Option<u32>,
    /// SQLite: each connection's page cache in KiB (SQLite's default 2,000).
    #[arg(
        long,
        env = "GGZY_SQLITE_CACHE_KIB",
        default_value_t = 2000,
        global = true
    )]
    pub sqlite_cache_kib: u32,
    /// SQLite: soft limit of SQLite's heap for the whole process in MiB (0: none).
    #[arg(
        long,
        env = "GGZY_SQLITE_HEAP_LIMIT_MIB",
        default_value_t = 0,
        global = true
    )]
    pub sqlite_heap_limit_mib: u32,
    /// SQLite: commits share the sync of the write-ahead log (group commit; `false`: each commit
    /// syncs it itself).
    #[arg(
        long,
        env = "GGZY_SQLITE_GROUP_COMMIT",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub sqlite_group_commit: bool,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Serve the HTTP API, pages and background workers.
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate,
    /// Fill an empty database with one organization and user per role; print their logins.
    Demo {
        /// Password for every demo user (random per user if not given; at least 10 characters).
        #[arg(long, env = "GGZY_DEMO_PASSWORD")]
        demo_password: Option<String>,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Audit chain tools.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Expert draw tools.
    Draw {
        #[command(subcommand)]
        cmd: ggzy_experts::cli::DrawCmd,
    },
    /// Bidder tools: seal a bid package, upload it, submit the key at opening.
    Bid {
        #[command(subcommand)]
        cmd: ggzy_projects::bidder::BidCmd,
    },
    /// Holiday schedules (docs/calendar.md).
    Calendar {
        #[command(subcommand)]
        cmd: CalendarCmd,
    },
    /// Consumer events parked after repeated failures.
    Events {
        #[command(subcommand)]
        cmd: EventsCmd,
    },
    /// Archives of ended trades (docs/archives.md).
    Archive {
        #[command(subcommand)]
        cmd: ArchiveCmd,
    },
}

#[derive(Subcommand, Debug)]
pub enum ArchiveCmd {
    /// Check a downloaded archive bundle offline: the manifest's signature, the checkpoint's
    /// signature, every event's inclusion proof, every document's SHA-256 (exit code 1 if not).
    Verify {
        /// The bundle (GET /api/v1/archives/{id}/bundle).
        file: std::path::PathBuf,
        /// The log's verifier key (`verifier_key` of GET /api/v1/audit/log-key), or a file holding it.
        #[arg(long)]
        key: String,
    },
}

/// `ggzy archive verify`: prints the outcome; returns the exit code.
pub fn archive(cmd: ArchiveCmd) -> anyhow::Result<i32> {
    match cmd {
        ArchiveCmd::Verify { file, key } => {
            let key_text = match std::fs::read_to_string(&key) {
                Ok(k) => k,
                Err(_) => key,
            };
            let verifier = ggzy_store::note::NoteVerifier::parse(&key_text)
                .map_err(|e| anyhow::anyhow!("--key: {e}"))?;
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let r = ggzy_archives::bundle::verify(&bytes, &verifier);
            if r.ok {
                println!(
                    "archive {} OK: signature, {} events proven against the signed checkpoint of {} entries, {} documents",
                    r.archive_id.unwrap_or_default(),
                    r.events,
                    r.tree_size,
                    r.documents
                );
                Ok(0)
            } else {
                println!("archive FAILED verification:");
                for p in &r.problems {
                    println!("  - {p}");
                }
                Ok(1)
            }
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum CalendarCmd {
    /// Import schedule files (cn-YYYY.toml format) into the database: a new version per changed
    /// year, seen by every running instance within seconds.
    Import {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Print the schedule of a year as the platform uses it (source, version, TOML).
    Show { year: i32 },
}

#[derive(Subcommand, Debug)]
pub enum EventsCmd {
    /// List parked events not yet replayed successfully.
    Parked,
    /// Replay a parked event through its consumer.
    Replay { consumer: String, seq: i64 },
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Create a user (e.g. the first admin).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        /// Password (at least 10 characters); read from GGZY_USER_PASSWORD if not given.
        #[arg(long, env = "GGZY_USER_PASSWORD")]
        password: String,
        /// Organization id the user belongs to (not needed for admin).
        #[arg(long)]
        org_id: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Walk the event hash chain and print the first broken link (exit code 1 if broken). With
    /// --checkpoint: also prove that the current log extends that saved signed checkpoint
    /// (signature, then the root of the first N events recomputed from the events themselves).
    Verify {
        /// A signed checkpoint saved earlier (the body of GET /api/v1/audit/checkpoint).
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
        /// The log's verifier key (`verifier_key` of GET /api/v1/audit/log-key) in a file;
        /// default: the key of --log-key-file / GGZY_LOG_SIGNING_KEY.
        #[arg(long)]
        key: Option<std::path::PathBuf>,
        #[command(flatten)]
        log_key: LogKeyArgs,
    },
    /// Generate an Ed25519 signing key for checkpoints or receipts: writes the private key to
    /// --out (mode 0600) and prints the verifier key.
    Keygen {
        /// Key name (for the log: its origin, e.g. ggzy.example.gov.cn/ggzy).
        #[arg(long)]
        name: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Sign and store a checkpoint of the current log now (the server does it every two minutes).
    Checkpoint {
        #[command(flatten)]
        log_key: LogKeyArgs,
        /// Public base URL (the checkpoint's origin line).
        #[arg(long, env = "GGZY_PUBLIC_URL", default_value = DEFAULT_PUBLIC_URL)]
        public_url: String,
    },
}

/// Where the log's signing key comes from (never the database).
#[derive(Args, Debug, Clone, Default)]
pub struct LogKeyArgs {
    /// File with the Ed25519 key that signs the audit log's checkpoints
    /// (`PRIVATE+KEY+…` from `ggzy audit keygen`, or a 32-byte seed in base64/hex).
    #[arg(long, env = "GGZY_LOG_KEY_FILE")]
    pub log_key_file: Option<std::path::PathBuf>,
    /// The same key given directly in the environment.
    #[arg(
        long = "log-signing-key",
        env = "GGZY_LOG_SIGNING_KEY",
        hide_env_values = true
    )]
    pub log_signing_key: Option<String>,
}

/// Where the bid receipts' signing key comes from (never the database).
#[derive(Args, Debug, Clone, Default)]
pub struct ReceiptKeyArgs {
    /// File with the Ed25519 key that signs bid receipts (回执).
    #[arg(long, env = "GGZY_RECEIPT_KEY_FILE")]
    pub receipt_key_file: Option<std::path::PathBuf>,
    /// The same key given directly in the environment.
    #[arg(
        long = "receipt-signing-key",
        env = "GGZY_RECEIPT_SIGNING_KEY",
        hide_env_values = true
    )]
    pub receipt_signing_key: Option<String>,
}

/// Read a signing key from a file or from the value given; `Ok(None)` when neither is set.
pub fn load_signer(
    file: Option<&std::path::Path>,
    value: Option<&str>,
    default_name: &str,
    what: &str,
) -> anyhow::Result<Option<ggzy_store::note::LogSigner>> {
    let text = match (file, value.filter(|v| !v.trim().is_empty())) {
        (Some(_), Some(_)) => anyhow::bail!("{what}: give a key file or a key value, not both"),
        (Some(f), None) => std::fs::read_to_string(f)
            .map_err(|e| anyhow::anyhow!("{what}: cannot read {}: {e}", f.display()))?,
        (None, Some(v)) => v.to_string(),
        (None, None) => return Ok(None),
    };
    ggzy_store::note::LogSigner::parse(&text, default_name)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("{what}: {e}"))
}

/// The serve-time signing keys: the configured ones; with `--demo` and no key, a fresh random
/// key each start (loudly announced); otherwise none.
pub fn serve_signer(
    configured: Option<ggzy_store::note::LogSigner>,
    demo: bool,
    name: &str,
    what: &str,
    without: &str,
) -> anyhow::Result<Option<ggzy_store::note::LogSigner>> {
    if configured.is_some() {
        return Ok(configured);
    }
    if demo {
        let k = ggzy_store::note::LogSigner::generate(name).map_err(anyhow::Error::msg)?;
        let warning = format!(
            "WARNING: --demo without a {what}: using an EPHEMERAL key generated for this run \
             (verifier {}). Signatures made now cannot be checked after a restart. Never run \
             production like this.",
            k.verifier_key()
        );
        tracing::warn!("{warning}");
        eprintln!("\n*** {warning} ***\n");
        return Ok(Some(k));
    }
    tracing::warn!("no {what}: {without}");
    eprintln!("WARNING: no {what}: {without}");
    Ok(None)
}

/// `--public-url` when none is given.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GGZY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Run a sandbox (演示环境): on an empty database, mark it a sandbox for good and seed demo
    /// logins and trades in every stage of every market (through the real use cases); print the
    /// logins, the demo bank key and where to start. A sandbox database is only ever served with
    /// --demo; its clock is simulated (it starts on 2026-06-01 09:00 Shanghai time).
    #[arg(long, env = "GGZY_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,
    /// Accelerated time for a sandbox (needs --demo): the simulated clock runs N times faster than
    /// real time (1440: a day per minute) — deadlines, openings, timers, countdowns, cron. Stored
    /// with the sandbox, so a restart continues where it stopped; refused on a database that is
    /// not a sandbox.
    #[arg(long, env = "GGZY_TIME_SCALE", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub time_scale: Option<u32>,
    /// Password for every demo user (random if not given).
    #[arg(long, env = "GGZY_DEMO_PASSWORD")]
    pub demo_password: Option<String>,
    /// Directory for uploaded files (sealed bids, attachments).
    #[arg(long, env = "GGZY_FILES_DIR", default_value = "data/files")]
    pub files_dir: std::path::PathBuf,
    /// Files on another backend instead of --files-dir: `s3://bucket?endpoint=…&region=…` (S3-compatible
    /// object storage shared by a cluster; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)
    /// or `file:///path`.
    #[arg(long, env = "GGZY_FILES_URL")]
    pub files_url: Option<String>,
    /// Region code of the centre (GB/T 2260), prefix of trading codes.
    #[arg(long, env = "GGZY_REGION", default_value = "210200")]
    pub region: String,
    /// Name of this instance (claims, logs); random if not given.
    #[arg(long, env = "GGZY_INSTANCE")]
    pub instance: Option<String>,
    /// Seconds before a request is answered 503.
    #[arg(long, env = "GGZY_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,
    /// Largest JSON request body in bytes.
    #[arg(long, env = "GGZY_BODY_LIMIT", default_value_t = 2 * 1024 * 1024)]
    pub body_limit: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed, as CIDR blocks or addresses
    /// (`127.0.0.1,10.0.0.0/8`). The client address is the right-most hop that is not one of them;
    /// none given: the socket peer, whatever the header says.
    #[arg(long, env = "GGZY_TRUSTED_PROXIES", value_delimiter = ',', num_args = 0..)]
    pub trusted_proxies: Vec<String>,
    /// Bearer token a remote Prometheus presents for `/metrics` (otherwise loopback clients only).
    #[arg(long, env = "GGZY_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Seconds a client may take to send a request's head (request line and headers).
    #[arg(long, env = "GGZY_HEADER_TIMEOUT", default_value_t = 10)]
    pub header_timeout: u64,
    /// Log as JSON lines.
    #[arg(long, env = "GGZY_LOG_JSON", value_parser = clap::builder::BoolishValueParser::new())]
    pub log_json: bool,
    /// Public base URL of the portal (feed links).
    #[arg(long, env = "GGZY_PUBLIC_URL", default_value = DEFAULT_PUBLIC_URL)]
    pub public_url: String,
    /// OCDS ocid prefix (`ocds-` + 6 characters registered with the Open Contracting Partnership).
    #[arg(long, env = "GGZY_OCDS_PREFIX", default_value = "ocds-ggzy01")]
    pub ocds_prefix: String,
    /// Background poll interval in milliseconds (fallback to notifications).
    #[arg(long, env = "GGZY_POLL_MS", default_value_t = 500)]
    pub poll_ms: u64,
    /// Extra holiday schedule files (cn-YYYY.toml) beyond the embedded official ones.
    #[arg(long, env = "GGZY_CALENDAR_DIR")]
    pub calendar_dir: Option<std::path::PathBuf>,
    /// HMAC key of the bank's signed callbacks; without it they answer 503 (the dev key only with --demo).
    #[arg(long, env = "GGZY_BANK_HMAC_KEY", hide_env_values = true)]
    pub bank_hmac_key: Option<String>,
    /// Password hashes (argon2id, 19 MiB each) computed at once; default: available parallelism.
    #[arg(long, env = "GGZY_LOGIN_HASH_SLOTS", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub login_hash_slots: Option<u32>,
    /// Sign-ins that may wait for a hashing slot before the next ones answer 503.
    #[arg(long, env = "GGZY_LOGIN_HASH_QUEUE", default_value_t = 256)]
    pub login_hash_queue: usize,
    /// Seconds a sign-in waits for a hashing slot before it answers 503.
    #[arg(long, env = "GGZY_LOGIN_HASH_WAIT_SECS", default_value_t = 5)]
    pub login_hash_wait_secs: u64,
    #[command(flatten)]
    pub log_key: LogKeyArgs,
    #[command(flatten)]
    pub receipt_key: ReceiptKeyArgs,
}

pub fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("GGZY_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let b = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        b.json().try_init()
    } else {
        b.try_init()
    };
}

/// SQLite reader connections unless `GGZY_DB_MAX_CONNECTIONS` says otherwise: 8 held the rush's
/// peak at 144 MiB against 148–155 MiB with 16, at the same or a higher rate (docs/benchmarks.md).
const SQLITE_READERS: u32 = 8;

pub async fn connect(args: &DbArgs) -> anyhow::Result<Db> {
    let db = Db::connect(
        &args.database_url,
        &DbOptions {
            max_connections: args.db_max_connections.unwrap_or(
                if args.database_url.starts_with("sqlite:") {
                    SQLITE_READERS
                } else {
                    16
                },
            ),
            sqlite_cache_kib: args.sqlite_cache_kib,
            sqlite_heap_limit_mib: args.sqlite_heap_limit_mib,
            sqlite_group_commit: args.sqlite_group_commit,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot open database {}: {e}",
            ggzy_store::redact(&args.database_url)
        )
    })?;
    Ok(db)
}

pub fn load_calendar(dir: Option<&std::path::Path>) -> anyhow::Result<BusinessCalendar> {
    let cal = BusinessCalendar::official();
    if let Some(dir) = dir {
        for entry in std::fs::read_dir(dir)? {
            let p = entry?.path();
            if p.extension().is_some_and(|e| e == "toml") {
                let y = cal.load_toml(&std::fs::read_to_string(&p)?)?;
                tracing::info!(year = y, file = %p.display(), "holiday schedule loaded");
            }
        }
    }
    Ok(cal)
}

pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.cmd {
        Cmd::Bid { cmd } => ggzy_projects::bidder::run(cmd)
            .await
            .map_err(anyhow::Error::msg),
        Cmd::Draw { cmd } => {
            init_tracing(false);
            ggzy_experts::cli::run(&plain_ctx(&cli.db).await?, cmd).await
        }
        Cmd::Serve(args) => {
            init_tracing(args.log_json);
            serve(cli.db, *args).await?;
            Ok(0)
        }
        Cmd::Migrate => {
            init_tracing(false);
            let db = connect(&cli.db).await?;
            migrate::run(&db).await?;
            println!(
                "migrations applied to {}",
                ggzy_store::redact(&cli.db.database_url)
            );
            Ok(0)
        }
        Cmd::Demo { demo_password } => {
            init_tracing(false);
            let ctx = plain_ctx(&cli.db).await?;
            match crate::demo::seed(&ctx, demo_password.as_deref()).await? {
                Some(l) => crate::demo::print_logins(&l),
                None => println!("the database already has users; demo data not added"),
            }
            ggzy_store::outbox::seal_all(&ctx.db).await?;
            Ok(0)
        }
        Cmd::User {
            cmd:
                UserCmd::Create {
                    username,
                    role,
                    password,
                    org_id,
                },
        } => {
            init_tracing(false);
            let ctx = plain_ctx(&cli.db).await?;
            let role = ggzy_identity::Role::parse(&role)?;
            let u = ggzy_identity::service::create_user(
                &ctx,
                &ActorRef::system("cli"),
                ggzy_identity::service::NewUser {
                    username,
                    display_name: None,
                    password,
                    role,
                    org_id,
                },
            )
            .await?;
            ggzy_store::outbox::seal_all(&ctx.db).await?;
            println!(
                "created user {} ({}) id {}",
                u.username,
                u.role.as_str(),
                u.id
            );
            Ok(0)
        }
        Cmd::Calendar { cmd } => {
            init_tracing(false);
            let ctx = plain_ctx(&cli.db).await?;
            match cmd {
                CalendarCmd::Import { files } => {
                    crate::calendar::import_files(&ctx, &files).await?;
                    Ok(0)
                }
                CalendarCmd::Show { year } => {
                    ggzy_store::calendar::refresh(&ctx.db).await?;
                    match crate::calendar::show(&ctx.calendar, year) {
                        Some(t) => {
                            println!("{t}");
                            Ok(0)
                        }
                        None => {
                            println!("no holiday schedule for {year}");
                            Ok(1)
                        }
                    }
                }
            }
        }
        Cmd::Events { cmd } => {
            init_tracing(false);
            let ctx = plain_ctx(&cli.db).await?;
            match cmd {
                EventsCmd::Parked => {
                    for p in ggzy_store::consumer::parked(&ctx.db, true).await? {
                        println!(
                            "{} #{} {} parked {}: {}",
                            p.consumer, p.seq, p.event_type, p.parked_at, p.error
                        );
                    }
                    Ok(0)
                }
                EventsCmd::Replay { consumer, seq } => {
                    let p = crate::calendar::replay(&ctx, &consumer, seq)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    let ok = p.replay_outcome.as_deref() == Some("ok");
                    println!(
                        "{} #{}: {}",
                        p.consumer,
                        p.seq,
                        p.replay_outcome.unwrap_or_default()
                    );
                    Ok(if ok { 0 } else { 1 })
                }
            }
        }
        Cmd::Audit { cmd } => {
            init_tracing(false);
            audit(&cli.db, cmd).await
        }
        Cmd::Archive { cmd } => archive(cmd),
    }
}

pub async fn audit(db: &DbArgs, cmd: AuditCmd) -> anyhow::Result<i32> {
    match cmd {
        AuditCmd::Keygen { name, out } => {
            let k = ggzy_store::note::LogSigner::generate(&name).map_err(anyhow::Error::msg)?;
            write_private(&out, &format!("{}\n", k.signer_key()))?;
            println!("private key written to {}", out.display());
            println!("verifier key: {}", k.verifier_key());
            Ok(0)
        }
        AuditCmd::Checkpoint {
            log_key,
            public_url,
        } => {
            let origin = ggzy_store::tlog::origin_from_url(&public_url);
            let signer = load_signer(
                log_key.log_key_file.as_deref(),
                log_key.log_signing_key.as_deref(),
                &origin,
                "log signing key",
            )?
            .ok_or_else(|| anyhow::anyhow!("give --log-key-file or GGZY_LOG_SIGNING_KEY"))?;
            let ctx = plain_ctx(db).await?;
            ggzy_store::outbox::seal_all(&ctx.db).await?;
            match ggzy_store::tlog::publish_checkpoint(&ctx.db, &signer, &origin, ctx.clock.now())
                .await?
            {
                Some(cp) => print!("{}", cp.note),
                None => println!("the latest checkpoint already covers the whole log"),
            }
            Ok(0)
        }
        AuditCmd::Verify {
            checkpoint,
            key,
            log_key,
        } => {
            let ctx = plain_ctx(db).await?;
            ggzy_store::outbox::seal_all(&ctx.db).await?;
            let r = ggzy_store::outbox::verify_chain(&ctx.db).await?;
            let mut code = 0;
            match r.broken_at {
                None => println!(
                    "audit chain OK: {} events, head {} {}",
                    r.checked, r.head_seq, r.head_hash
                ),
                Some(seq) => {
                    println!(
                        "audit chain BROKEN at seq {seq}: {} ({} events verified before it)",
                        r.problem.unwrap_or_default(),
                        r.checked
                    );
                    code = 1;
                }
            }
            let Some(cp_file) = checkpoint else {
                return Ok(code);
            };
            let note = std::fs::read_to_string(&cp_file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", cp_file.display()))?;
            let verifier = match key {
                Some(k) => ggzy_store::note::NoteVerifier::parse(
                    &std::fs::read_to_string(&k)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", k.display()))?,
                )
                .map_err(anyhow::Error::msg)?,
                None => {
                    let s = load_signer(
                        log_key.log_key_file.as_deref(),
                        log_key.log_signing_key.as_deref(),
                        "ggzy",
                        "log signing key",
                    )?
                    .ok_or_else(|| {
                        anyhow::anyhow!("give --key (the verifier key) or the log signing key")
                    })?;
                    ggzy_store::note::NoteVerifier::parse(&s.verifier_key())
                        .map_err(anyhow::Error::msg)?
                }
            };
            let c = ggzy_store::tlog::verify_against(&ctx.db, &note, &verifier).await?;
            if c.ok {
                println!(
                    "checkpoint OK: the log ({} events) extends the signed checkpoint of {} events",
                    c.log_size, c.checkpoint_size
                );
            } else {
                println!(
                    "checkpoint FAILED: {} (checkpoint {} events, log {} events)",
                    c.problem.unwrap_or_default(),
                    c.checkpoint_size,
                    c.log_size
                );
                code = 1;
            }
            Ok(code)
        }
    }
}

/// Write a secret file readable by its owner only.
fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

async fn plain_ctx(args: &DbArgs) -> anyhow::Result<Ctx> {
    let db = connect(args).await?;
    migrate::run(&db).await?;
    Ok(Ctx::new(
        db,
        Clock::system(),
        BusinessCalendar::official(),
        Settings {
            log_signer: None,
            receipt_signer: None,
            ..Settings::default()
        },
    ))
}

/// The base URL the start-up text points a demo user to: `--public-url` when it was set, else the
/// address this instance listens on (an unspecified address is reached on the loopback).
fn welcome_base(args: &ServeArgs) -> String {
    if args.public_url != DEFAULT_PUBLIC_URL {
        return args.public_url.trim_end_matches('/').to_string();
    }
    let mut addr = args.listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    format!("http://{addr}")
}

pub async fn serve(dbargs: DbArgs, args: ServeArgs) -> anyhow::Result<()> {
    let db = connect(&dbargs).await?;
    migrate::run(&db).await?;
    // Public announcements published before the portal search index existed are indexed once
    // (idempotent; concurrent instances skip what another one indexed).
    let indexed = ggzy_publishing::store::backfill(&db).await?;
    if indexed > 0 {
        tracing::info!(indexed, "portal search index backfilled");
    }
    let mut settings = Settings {
        region: args.region.clone(),
        files_dir: args.files_dir.clone(),
        files_url: args.files_url.clone(),
        public_url: args.public_url.clone(),
        ocid_prefix: args.ocds_prefix.clone(),
        ..Settings::default()
    };
    if let Some(i) = &args.instance {
        settings.instance = i.clone();
    }
    if let Some(n) = args.login_hash_slots {
        settings.login_hash_slots = n as usize;
    }
    settings.login_hash_queue = args.login_hash_queue;
    settings.login_hash_wait = std::time::Duration::from_secs(args.login_hash_wait_secs);
    // Signing keys come from a file or the environment, never from the database; the development
    // keys of Settings::default() are never kept.
    let origin = settings.log_origin();
    settings.log_signer = serve_signer(
        load_signer(
            args.log_key.log_key_file.as_deref(),
            args.log_key.log_signing_key.as_deref(),
            &origin,
            "--log-key-file / GGZY_LOG_SIGNING_KEY",
        )?,
        args.demo,
        &origin,
        "log signing key",
        "the audit log's checkpoints are not published (see /healthz)",
    )?;
    settings.receipt_signer = serve_signer(
        load_signer(
            args.receipt_key.receipt_key_file.as_deref(),
            args.receipt_key.receipt_signing_key.as_deref(),
            "ggzy-receipts",
            "--receipt-key-file / GGZY_RECEIPT_SIGNING_KEY",
        )?,
        args.demo,
        "ggzy-receipts",
        "receipt signing key",
        "bid uploads answer 503 until one is configured",
    )?;
    settings.bank_hmac_key =
        ggzy_deposits::http::serve_bank_key(args.bank_hmac_key.as_deref(), args.demo)
            .map_err(anyhow::Error::msg)?;
    ggzy_core::ident::RegionCode::parse(&settings.region)
        .map_err(|e| anyhow::anyhow!("--region: {}", e.message))?;
    let files = ggzy_store::files::FileStore::from_settings(&settings)?;
    tracing::info!(files = %files.describe(), "file store");
    if settings.files_url.as_deref().unwrap_or("").is_empty() {
        std::fs::create_dir_all(&settings.files_dir)?;
    }
    let calendar = load_calendar(args.calendar_dir.as_deref())?;
    let mode = crate::sandbox::prepare(&db, args.demo, args.time_scale).await?;
    let clock = match &mode {
        crate::sandbox::Mode::Sandbox { clock, .. } => clock.clone(),
        _ => Clock::system(),
    };
    settings.sandbox = matches!(mode, crate::sandbox::Mode::Sandbox { .. });
    let ctx = Ctx::new(db.clone(), clock, calendar, settings);
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder()?;
    let trusted_proxies = crate::middleware::TrustedProxies::parse(&args.trusted_proxies.join(","))
        .map_err(|e| anyhow::anyhow!("--trusted-proxies: {e}"))?;
    let app = build_router(
        ctx.clone(),
        AppOptions {
            request_timeout: Duration::from_secs(args.request_timeout),
            body_limit: args.body_limit,
            trusted_proxies,
            metrics_token: args.metrics_token.clone(),
            metrics,
        },
    );
    let poll = crate::sandbox::poll_for(&ctx.clock, Duration::from_millis(args.poll_ms));
    let mut demo_run = None;
    let bg = match &mode {
        crate::sandbox::Mode::Sandbox { fresh, seeded, .. } => {
            let (bg, run) = crate::demo_trades::start(
                &ctx,
                &app,
                args.demo_password.as_deref(),
                *fresh || !*seeded,
                poll,
            )
            .await?;
            demo_run = Some(run);
            bg
        }
        crate::sandbox::Mode::LegacyDemo => {
            println!(
                "demo: this database already held data before it was served with --demo, so it is \
                 not a sandbox: real time, no demo trades; logins unchanged"
            );
            Background::start(&ctx, background::workers(), poll).await?
        }
        crate::sandbox::Mode::Production => {
            Background::start(&ctx, background::workers(), poll).await?
        }
    };
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(listen = %args.listen, db = %ggzy_store::redact(&dbargs.database_url), instance = %ctx.settings.instance, "serving");
    println!(
        "ggzy serving on http://{} (database {})",
        args.listen,
        ggzy_store::redact(&dbargs.database_url)
    );
    if let Some(run) = &demo_run {
        run.print_welcome(&welcome_base(&args));
    }
    crate::listen::serve(
        listener,
        app,
        crate::listen::ListenOptions {
            header_timeout: Duration::from_secs(args.header_timeout.max(1)),
            ..Default::default()
        },
        shutdown_signal(),
    )
    .await?;
    tracing::info!("shutting down background workers");
    if let Some(run) = demo_run {
        run.stop().await;
    }
    bg.stop().await;
    db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
