//! Benchmark (not a test): the deadline rush (截止前集中投标) against a running `ggzy serve` or a
//! cluster behind nginx. N bidders register for one section, pay their deposit (the bank's signed
//! transfer callback into each bidder's virtual account) and upload a sealed bid in the last
//! seconds before the deadline; the program reports throughput and p50/p99 per step, then proves
//! that nothing was lost: after the deadline every bidder submits its key at the opening and the
//! opening record (开标记录) must list exactly the acknowledged bids, each decrypted to the price
//! it sealed, with a valid deposit — and none accepted after the deadline.
//!
//! ```text
//! ggzy serve --demo --demo-password demo-password-123 &
//! cargo run --release -p ggzy-api-tests --example rush -- --url http://127.0.0.1:8080 \
//!     --password demo-password-123 --bidders 1000 --concurrency 200 --window 120 \
//!     --readers 8 --pid node1=1234 --pid node2=1235
//! ```
//!
//! Setup (not timed as the rush): the admin creates N bidder organizations, staff invite one bidder
//! user into each and the invitation is accepted (identity API), every bidder logs in, the demo tenderer registers a construction project whose
//! deadline is `--window` seconds away, staff approve it and open it for bidding, and every
//! package is sealed beforehand (AES-256-GCM, as a bidder's tool would). The rush: every bidder
//! task registers (投标报名), opens its virtual account, gets paid by the bank and uploads. Every
//! write carries an `Idempotency-Key` and is retried with the same key on a transport error, 502,
//! 503 or 504 (what a real client does when an instance dies). `--late N` bidders (default 2 %)
//! register and pay in the rush but upload one second after the deadline: all must be refused.
//! `--readers N` tasks read the public announcement list, search and portal during the rush.
//! `--pid name=pid` samples that server process's resident memory (RSS, Linux /proc) every 100 ms
//! and reports its lifetime peak (`VmHWM`, which includes the logins before the rush).
//! `--login-concurrency N` signs the bidders in N at a time (default: `--concurrency`, at most 64);
//! `--client-addresses` makes each bidder sign in, register, open its account and upload from its
//! own address (`X-Forwarded-For: 10.x.y.z`; the server must trust the loopback proxy,
//! `--trusted-proxies 127.0.0.1`), as bidders do — from one address the sign-in throttle would
//! count them all as one client, and every bid would share one address, which the supervisors'
//! same-address rule (`collusion.same_ip`) flags.
//! `--started-file F` is written when the rush starts (for a side benchmark to start with it) and
//! `--hold S` keeps the readers and the sampler going at least S seconds after the start.
#![allow(clippy::unwrap_used)] // Benchmark code: a failed unwrap is a failed run.

use base64::Engine as _;
use ggzy_core::ident::Uscc;
use ggzy_projects::package::{plaintext, seal, Suite};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The bank key `serve --demo` accepts when `GGZY_BANK_HMAC_KEY` is not set.
const DEV_BANK_KEY: &str = "ggzy-dev-bank-hmac-key";

struct Args {
    url: String,
    password: String,
    bidders: usize,
    concurrency: usize,
    doc_bytes: usize,
    window_secs: i64,
    late: Option<usize>,
    readers: usize,
    pids: Vec<(String, u32)>,
    bank_key: String,
    json_out: Option<String>,
    started_file: Option<String>,
    hold_secs: u64,
    login_concurrency: usize,
    client_addresses: bool,
}

const USAGE: &str = "use --url --password --bidders --concurrency --doc-bytes --window SECS --late N \
                     --readers N --pid NAME=PID (repeatable) --bank-key KEY --json FILE --started-file FILE --hold SECS --login-concurrency N --client-addresses";

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        url: "http://127.0.0.1:8080".into(),
        password: std::env::var("GGZY_DEMO_PASSWORD").unwrap_or_default(),
        bidders: 500,
        concurrency: 0,
        doc_bytes: 64 * 1024,
        window_secs: 120,
        late: None,
        readers: 0,
        pids: Vec::new(),
        bank_key: std::env::var("GGZY_BANK_HMAC_KEY").unwrap_or_else(|_| DEV_BANK_KEY.into()),
        json_out: None,
        started_file: None,
        hold_secs: 0,
        login_concurrency: 0,
        client_addresses: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || {
            it.next()
                .ok_or_else(|| anyhow::anyhow!("{k} needs a value"))
        };
        match k.as_str() {
            "--url" => a.url = v()?,
            "--password" => a.password = v()?,
            "--bidders" => a.bidders = v()?.parse()?,
            "--concurrency" => a.concurrency = v()?.parse()?,
            "--login-concurrency" => a.login_concurrency = v()?.parse()?,
            "--client-addresses" => a.client_addresses = true,
            "--doc-bytes" => a.doc_bytes = v()?.parse()?,
            "--window" => a.window_secs = v()?.parse()?,
            "--late" => a.late = Some(v()?.parse()?),
            "--readers" => a.readers = v()?.parse()?,
            "--bank-key" => a.bank_key = v()?,
            "--json" => a.json_out = Some(v()?),
            "--started-file" => a.started_file = Some(v()?),
            "--hold" => a.hold_secs = v()?.parse()?,
            "--pid" => {
                let s = v()?;
                let (name, pid) = s
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--pid wants NAME=PID, got {s}"))?;
                a.pids.push((name.to_string(), pid.parse()?));
            }
            other => anyhow::bail!("unknown argument {other}; {USAGE}"),
        }
    }
    if a.concurrency == 0 {
        a.concurrency = a.bidders;
    }
    anyhow::ensure!(a.bidders >= 2, "--bidders: at least 2");
    anyhow::ensure!(
        a.password.len() >= 10,
        "--password: the demo password (GGZY_DEMO_PASSWORD) of admin, tenderer, staff and bank"
    );
    anyhow::ensure!(
        a.window_secs >= 10,
        "--window: seconds from creating the section to its deadline (≥ 10)"
    );
    Ok(a)
}

#[derive(Clone)]
struct Api {
    c: reqwest::Client,
    base: String,
}

/// The answer of one write after its retries.
struct Answer {
    status: u16,
    body: Value,
    retries: u32,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut rb = self.c.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await?;
        let s = r.status().as_u16();
        let text = r.text().await?;
        Ok((
            s,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    async fn post(&self, token: Option<&str>, path: &str, body: Value) -> anyhow::Result<Value> {
        let (s, v) = self
            .call(reqwest::Method::POST, token, path, Some(body))
            .await?;
        anyhow::ensure!((200..300).contains(&s), "POST {path}: {s} {v}");
        Ok(v)
    }

    /// Sign in; a full hashing pool (503) or the address throttle (429) answers at once with
    /// `Retry-After`: wait and try again (at most 60 times).
    async fn login(&self, user: &str, pw: &str) -> anyhow::Result<String> {
        self.login_from(user, pw, None).await
    }

    /// [`Api::login`] as a client at `addr` behind a trusted proxy (`X-Forwarded-For`).
    async fn login_from(&self, user: &str, pw: &str, addr: Option<&str>) -> anyhow::Result<String> {
        let mut tries = 0;
        loop {
            let mut rb = self
                .c
                .post(format!("{}/api/v1/auth/login", self.base))
                .json(&json!({"username": user, "password": pw}));
            if let Some(a) = addr {
                rb = rb.header("X-Forwarded-For", a);
            }
            let r = rb.send().await?;
            let s = r.status().as_u16();
            let text = r.text().await?;
            let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
            if (s == 503 || s == 429) && tries < 60 {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(250 * tries.min(8))).await;
                continue;
            }
            anyhow::ensure!(s == 200, "login {user}: {s} {v}");
            return v["token"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| anyhow::anyhow!("login {user}: no token"));
        }
    }

    /// A write with an idempotency key, retried with the same key while the answer is a
    /// transport error, 502/503/504 or 409 `idempotency.in_progress` (at most 20 attempts).
    async fn write(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        key: &str,
    ) -> Answer {
        let mut retries = 0;
        loop {
            let r = build(&self.c).header("Idempotency-Key", key).send().await;
            let retry = match r {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let text = r.text().await.unwrap_or_default();
                    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
                    let busy = status == 409 && body["rule"] == "idempotency.in_progress";
                    if !(matches!(status, 502..=504) || busy) || retries >= 20 {
                        return Answer {
                            status,
                            body,
                            retries,
                        };
                    }
                    true
                }
                Err(e) if retries >= 20 => {
                    return Answer {
                        status: 0,
                        body: Value::String(e.to_string()),
                        retries,
                    }
                }
                Err(_) => true,
            };
            debug_assert!(retry);
            retries += 1;
            tokio::time::sleep(Duration::from_millis(100 * u64::from(retries.min(10)))).await;
        }
    }
}

/// Latencies of one step (client side, including retries).
#[derive(Default)]
struct Step {
    ok: Vec<Duration>,
    errors: usize,
    retries: u32,
    first_error: Option<String>,
}

impl Step {
    fn pct(&self, p: f64) -> Duration {
        if self.ok.is_empty() {
            return Duration::ZERO;
        }
        let mut v = self.ok.clone();
        v.sort();
        let i = ((p / 100.0) * (v.len() as f64)).ceil() as usize;
        v[i.clamp(1, v.len()) - 1]
    }

    fn record(&mut self, r: Result<Duration, String>, retries: u32) {
        self.retries += retries;
        match r {
            Ok(d) => self.ok.push(d),
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }

    fn json(&self) -> Value {
        json!({"ok": self.ok.len(), "errors": self.errors, "retries": self.retries,
               "p50_ms": self.pct(50.0).as_secs_f64() * 1e3, "p99_ms": self.pct(99.0).as_secs_f64() * 1e3,
               "max_ms": self.pct(100.0).as_secs_f64() * 1e3})
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn run_tag() -> String {
    // Two characters of the USCC alphabet, random per run, so runs on one database never collide.
    // Never "MA": the demo's organizations are 91210200MA… (`serve --demo`, which the cluster
    // runs), and a run that drew it failed its setup with `organization.uscc_unique`.
    const FIRST: &[u8] = b"ABCDEFGHJKLNPQRTUWXY";
    const ALPHA: &[u8] = b"ABCDEFGHJKLMNPQRTUWXY";
    let u = uuid::Uuid::new_v4();
    let b = u.as_bytes();
    format!(
        "{}{}",
        FIRST[b[0] as usize % FIRST.len()] as char,
        ALPHA[b[1] as usize % ALPHA.len()] as char
    )
}

fn hmac_hex(key: &[u8], msg: &[u8]) -> anyhow::Result<String> {
    let mut m = Hmac::<Sha256>::new_from_slice(key)?;
    m.update(msg);
    Ok(hex::encode(m.finalize().into_bytes()))
}

/// Resident set size of a process in KiB (Linux), None when it is gone.
fn rss_kib(pid: u32) -> Option<u64> {
    proc_status_kib(pid, "VmRSS:")
}

/// The peak resident set size of a process over its whole life in KiB (Linux `VmHWM`): it covers
/// the logins before the rush, which the 100 ms sampler does not watch.
fn hwm_kib(pid: u32) -> Option<u64> {
    proc_status_kib(pid, "VmHWM:")
}

fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

struct Bidder {
    username: String,
    basic_account: String,
    name: String,
    token: String,
    /// The address its requests come from (`--client-addresses`), else none: the loopback.
    addr: Option<String>,
    key: [u8; 32],
    price: String,
    ciphertext: Vec<u8>,
    digest: String,
}

/// Bidder `i`'s own address (10.0.0.0/8), sent as `X-Forwarded-For` through the trusted proxy.
fn client_address(i: usize) -> String {
    format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
}

/// What one bidder's rush produced.
#[derive(Default)]
struct Outcome {
    register: Option<(Result<Duration, String>, u32)>,
    account: Option<(Result<Duration, String>, u32)>,
    pay: Option<(Result<Duration, String>, u32)>,
    upload: Option<(Result<Duration, String>, u32)>,
    /// The acknowledged bid: (bid id, received_at).
    receipt: Option<(String, chrono::DateTime<chrono::Utc>)>,
    /// Refused because the deadline had passed (`bid.after_deadline`).
    after_deadline: bool,
    /// The answer was lost with an instance (`idempotency.answer_lost`): the opening decides.
    unknown: bool,
    late: bool,
}

fn result_of(a: &Answer, t: Instant, ok: &[u16]) -> (Result<Duration, String>, u32) {
    if ok.contains(&a.status) {
        (Ok(t.elapsed()), a.retries)
    } else {
        (Err(format!("{} {}", a.status, a.body)), a.retries)
    }
}

/// How far the platform's clock is from this machine's: a sandbox (`serve --demo`) runs a
/// simulated clock (it starts on 2026-06-01), and every deadline, document date and bank
/// timestamp the rush sends must be on the platform's time (`GET /api/v1/clock`).
static CLOCK_OFFSET: std::sync::OnceLock<chrono::Duration> = std::sync::OnceLock::new();

fn server_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
        + CLOCK_OFFSET
            .get()
            .copied()
            .unwrap_or_else(chrono::Duration::zero)
}

#[derive(Default)]
struct ReadStats {
    ok: Vec<Duration>,
    errors: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let api = Api {
        c: reqwest::Client::builder()
            .pool_max_idle_per_host(a.concurrency.max(16))
            .timeout(Duration::from_secs(120))
            .build()?,
        base: a.url.trim_end_matches('/').to_string(),
    };
    let (s, clock) = api
        .call(reqwest::Method::GET, None, "/api/v1/clock", None)
        .await?;
    anyhow::ensure!(s == 200, "GET /api/v1/clock: {s} {clock}");
    anyhow::ensure!(
        clock["scale"].as_u64().unwrap_or(1) == 1,
        "the platform's clock runs faster than real time (--time-scale): the rush needs real time"
    );
    let platform_now: chrono::DateTime<chrono::Utc> = clock["now"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("GET /api/v1/clock: no `now` in {clock}"))?
        .parse()?;
    let _ = CLOCK_OFFSET.set(platform_now - chrono::Utc::now());
    let admin = api.login("admin", &a.password).await?;
    let inviter = api.login("staff", &a.password).await?;
    let tag = run_tag();
    let user_pw = format!("rush-{}", uuid::Uuid::new_v4().simple());
    let late_n = a.late.unwrap_or((a.bidders / 50).max(1)).min(a.bidders - 1);

    // Setup: bidder organizations and users (8 at a time: password hashing is the cost here).
    let t0 = Instant::now();
    let sem = Arc::new(Semaphore::new(8));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..a.bidders {
        let (api, admin, inviter, tag, pw, sem) = (
            api.clone(),
            admin.clone(),
            inviter.clone(),
            tag.clone(),
            user_pw.clone(),
            sem.clone(),
        );
        set.spawn(async move {
            let _p = sem.acquire().await?;
            let uscc = Uscc::with_check(&format!("91210200{tag}{i:07}"))
                .ok_or_else(|| anyhow::anyhow!("uscc"))?;
            let name = format!("压测投标人{tag}{i:05}有限公司");
            let basic_account = format!("21050161{i:012}");
            let org = api
                .post(
                    Some(&admin),
                    "/api/v1/organizations",
                    json!({"uscc": uscc.to_string(), "name": name,
                           "kind": "bidder", "legal_representative": format!("法人{tag}{i}"),
                           "basic_account_bank": "中国建设银行大连分行",
                           "basic_account_no": basic_account, "region": "210200"}),
                )
                .await?;
            let org_id = org["id"].as_str().unwrap_or_default().to_string();
            let username = format!("rush{}{i:05}", tag.to_lowercase());
            // An account outside the centre comes from a one-time invitation (staff issue it, the
            // bidder's person accepts it with their own user name and password); the admin may
            // create centre accounts only (docs/security.md "Accounts").
            let inv = api
                .post(
                    Some(&inviter),
                    &format!("/api/v1/organizations/{org_id}/invitations"),
                    json!({"role": "bidder"}),
                )
                .await?;
            api.post(
                None,
                "/api/v1/invitations/accept",
                json!({"code": inv["code"], "username": username, "password": pw}),
            )
            .await?;
            anyhow::Ok((i, username, basic_account, name))
        });
    }
    let mut people = vec![(String::new(), String::new(), String::new()); a.bidders];
    while let Some(r) = set.join_next().await {
        let (i, u, acc, name) = r??;
        people[i] = (u, acc, name);
    }
    eprintln!(
        "setup: {} bidder organizations and users in {:.1}s",
        a.bidders,
        t0.elapsed().as_secs_f64()
    );

    // Logins (timed, but before the rush) and sealed packages.
    let mut login = Step::default();
    let t_login = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    let login_concurrency = if a.login_concurrency == 0 {
        a.concurrency.min(64)
    } else {
        a.login_concurrency
    };
    let sem = Arc::new(Semaphore::new(login_concurrency));
    for (i, (u, _, _)) in people.iter().enumerate() {
        let (api, u, pw, sem) = (api.clone(), u.clone(), user_pw.clone(), sem.clone());
        // Each bidder signs in from its own address (10.0.0.0/8) when asked: real bidders do,
        // and the sign-in throttle counts attempts per address.
        let addr = a.client_addresses.then(|| client_address(i));
        set.spawn(async move {
            let _p = sem.acquire().await?;
            let t = Instant::now();
            let r = api.login_from(&u, &pw, addr.as_deref()).await;
            anyhow::Ok((i, t.elapsed(), r))
        });
    }
    let mut tokens = vec![String::new(); a.bidders];
    while let Some(r) = set.join_next().await {
        let (i, d, r) = r??;
        match r {
            Ok(t) => {
                tokens[i] = t;
                login.ok.push(d);
            }
            Err(e) => login.record(Err(e.to_string()), 0),
        }
    }
    anyhow::ensure!(login.errors == 0, "logins failed: {:?}", login.first_error);
    let login_wall = t_login.elapsed();
    let doc = vec![b'x'; a.doc_bytes];
    let mut bidders = Vec::with_capacity(a.bidders);
    for (i, ((username, basic_account, name), token)) in
        people.into_iter().zip(tokens.into_iter()).enumerate()
    {
        let price = format!("{}.{:02}", 9_000_000 + i * 7, i % 100);
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        let mut prefix = [0u8; 7];
        prefix[..4].copy_from_slice(&(i as u32).to_be_bytes());
        let plain = plaintext(
            Suite::Aes256GcmSha256,
            &price,
            &[("投标文件.pdf", doc.as_slice())],
        );
        let s = seal(Suite::Aes256GcmSha256, &key, &prefix, &plain)
            .map_err(|e| anyhow::anyhow!("seal: {e:?}"))?;
        bidders.push(Bidder {
            username,
            basic_account,
            name,
            token,
            addr: a.client_addresses.then(|| client_address(i)),
            key,
            price,
            ciphertext: s.ciphertext,
            digest: s.digest,
        });
    }
    let tenderer = api.login("tenderer", &a.password).await?;
    let staff = api.login("staff", &a.password).await?;
    let bank = api.login("bank", &a.password).await?;

    // The section: documents issued 21 days ago, deadline (and opening) `--window` seconds away.
    let now = server_now();
    let deadline = now + chrono::Duration::seconds(a.window_secs);
    let p = api
        .post(
            Some(&tenderer),
            "/api/v1/projects",
            json!({"name": format!("截止前集中投标压测 {tag}"), "market": "construction",
                   "procedure": "open_tender", "tenderer_uscc": "91110000802100433B",
                   "tenderer_name": "大连市市政建设管理处",
                   // 30 days back: the 20-day minimum (招标投标法 24) is extended when its last
                   // day falls on a weekend or holiday, so 21 days fail on some days of the year.
                   "sections": [{"name": "一标段", "estimated_price": "10000000.00", "deposit": "200000.00",
                       "docs_issue_at": (now - chrono::Duration::days(30)).to_rfc3339(),
                       "docs_sale_end_at": (now - chrono::Duration::days(20)).to_rfc3339(),
                       "bid_deadline": deadline.to_rfc3339(), "opening_at": deadline.to_rfc3339()}]}),
        )
        .await?;
    let pid = p["id"].as_str().unwrap_or_default().to_string();
    api.post(
        Some(&tenderer),
        &format!("/api/v1/projects/{pid}/submit"),
        json!({}),
    )
    .await?;
    let p = api
        .post(
            Some(&staff),
            &format!("/api/v1/projects/{pid}/approve"),
            json!({}),
        )
        .await?;
    let sid = p["sections"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    api.post(
        Some(&staff),
        &format!("/api/v1/sections/{sid}/open-bidding"),
        json!({}),
    )
    .await?;

    // The projects area learns organizations from identity's events and the deposits area learns
    // the section from projects' events: wait until both caught up (events are handled in order).
    let last = &bidders[a.bidders - 1];
    for (what, path, rule, body) in [
        (
            "registration",
            format!("/api/v1/sections/{sid}/registrations"),
            "organization.unknown",
            json!({}),
        ),
        (
            "deposit account",
            "/api/v1/deposits/accounts".to_string(),
            "",
            json!({"section_id": sid}),
        ),
    ] {
        for attempt in 0.. {
            let (s, v) = api
                .call(
                    reqwest::Method::POST,
                    Some(&last.token),
                    &path,
                    Some(body.clone()),
                )
                .await?;
            if s == 201 || s == 200 {
                break;
            }
            let waiting = (s == 409 && v["rule"] == rule) || s == 404;
            anyhow::ensure!(waiting && attempt < 600, "warm-up {what}: {s} {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let left = deadline - server_now();
    eprintln!(
        "rush starts {:.1}s before the deadline ({late_n} late bidders upload 1 s after it)",
        left.num_milliseconds() as f64 / 1000.0
    );

    // Side load: public readers, and the RSS sampler.
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = tokio::task::JoinSet::new();
    for r in 0..a.readers {
        let (api, stop) = (api.clone(), stop.clone());
        readers.spawn(async move {
            let paths = [
                "/api/v1/announcements?limit=20",
                "/api/v1/announcements?q=%E5%B7%A5%E7%A8%8B&limit=20",
                "/",
                "/announcements?market=construction",
            ];
            let mut st = ReadStats::default();
            let mut k = r;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match api
                    .c
                    .get(format!("{}{}", api.base, paths[k % paths.len()]))
                    .send()
                    .await
                {
                    Ok(res) if res.status().is_success() => {
                        let _ = res.bytes().await;
                        st.ok.push(t.elapsed());
                    }
                    _ => st.errors += 1,
                }
                k += 1;
            }
            st
        });
    }
    let sampler = {
        let (stop, pids) = (stop.clone(), a.pids.clone());
        tokio::spawn(async move {
            let mut peak: HashMap<String, (u64, u64)> = HashMap::new();
            for (n, p) in &pids {
                let v = rss_kib(*p).unwrap_or(0);
                peak.insert(n.clone(), (v, v));
            }
            while !stop.load(Ordering::Relaxed) {
                for (n, p) in &pids {
                    if let (Some(v), Some(e)) = (rss_kib(*p), peak.get_mut(n)) {
                        e.1 = e.1.max(v);
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let mut end = HashMap::new();
            for (n, p) in &pids {
                end.insert(n.clone(), rss_kib(*p).unwrap_or(0));
            }
            (peak, end)
        })
    };

    // The rush.
    let sem = Arc::new(Semaphore::new(a.concurrency));
    let start = Instant::now();
    if let Some(f) = &a.started_file {
        std::fs::write(f, chrono::Utc::now().to_rfc3339())?;
    }
    let deadline_at =
        tokio::time::Instant::now() + (deadline - server_now()).to_std().unwrap_or(Duration::ZERO);
    let key = a.bank_key.clone();
    let mut set = tokio::task::JoinSet::new();
    for (i, b) in bidders.iter().enumerate() {
        let (api, sid, sem, bank, key) = (
            api.clone(),
            sid.clone(),
            sem.clone(),
            bank.clone(),
            key.clone(),
        );
        let is_last = i == a.bidders - 1;
        let late = i < late_n;
        let (token, digest, ct, acc) = (
            b.token.clone(),
            b.digest.clone(),
            b.ciphertext.clone(),
            b.basic_account.clone(),
        );
        let payer_name = b.name.clone();
        // The bidder's own requests come from its address; the bank's callback from the bank.
        let from = b.addr.clone().unwrap_or_default();
        let own = move |rb: reqwest::RequestBuilder| {
            if from.is_empty() {
                rb
            } else {
                rb.header("X-Forwarded-For", &from)
            }
        };
        set.spawn(async move {
            let mut o = Outcome {
                late,
                ..Outcome::default()
            };
            let permit = sem.acquire().await?;
            let run = uuid::Uuid::new_v4().simple().to_string();
            if !is_last {
                let t = Instant::now();
                let path = format!("{}/api/v1/sections/{sid}/registrations", api.base);
                let r = api
                    .write(
                        |c| own(c.post(&path).bearer_auth(&token).json(&json!({}))),
                        &format!("reg-{run}"),
                    )
                    .await;
                o.register = Some(result_of(&r, t, &[201]));
            }
            let t = Instant::now();
            let path = format!("{}/api/v1/deposits/accounts", api.base);
            let r = api
                .write(
                    |c| {
                        own(c
                            .post(&path)
                            .bearer_auth(&token)
                            .json(&json!({"section_id": sid})))
                    },
                    &format!("acc-{run}"),
                )
                .await;
            o.account = Some(result_of(&r, t, &[200, 201]));
            let account_no = r.body["account_no"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if !account_no.is_empty() {
                let t = Instant::now();
                let notice =
                    json!({"transaction_id": format!("RUSH{run}"), "account_no": account_no,
                    "payer_account_no": acc, "payer_name": payer_name, "amount": "200000.00",
                    "value_at": server_now().to_rfc3339()})
                    .to_string();
                let path = format!("{}/api/v1/bank/callbacks/transfers", api.base);
                let r = api
                    .write(
                        |c| {
                            let ts = server_now().timestamp().to_string();
                            let sig = hmac_hex(key.as_bytes(), format!("{ts}.{notice}").as_bytes())
                                .unwrap_or_default();
                            c.post(&path)
                                .bearer_auth(&bank)
                                .header("content-type", "application/json")
                                .header("X-Timestamp", ts)
                                .header("X-Signature", sig)
                                .body(notice.clone())
                        },
                        &format!("pay-{run}"),
                    )
                    .await;
                let credited = r.body["status"] == "credited";
                let mut res = result_of(&r, t, &[200]);
                if res.0.is_ok() && !credited {
                    res.0 = Err(format!("not credited: {}", r.body));
                }
                o.pay = Some(res);
            }
            if late {
                // Late bidders give their slot back and upload one second after the deadline.
                drop(permit);
                tokio::time::sleep_until(deadline_at + Duration::from_secs(1)).await;
            }
            let t = Instant::now();
            let path = format!("{}/api/v1/sections/{sid}/bids/mine", api.base);
            let r = api
                .write(
                    |c| {
                        own(c.put(&path))
                            .bearer_auth(&token)
                            .header("content-type", "application/octet-stream")
                            .header("X-Bid-Digest", &digest)
                            .header("X-Device-Fingerprint", format!("rush-device-{i}"))
                            .body(ct.clone())
                    },
                    &format!("bid-{run}"),
                )
                .await;
            if r.status == 201 {
                let rec = &r.body["receipt"];
                let at = rec["received_at"]
                    .as_str()
                    .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                    .map(|d| d.with_timezone(&chrono::Utc))
                    .unwrap_or_default();
                o.receipt = Some((rec["bid_id"].as_str().unwrap_or_default().to_string(), at));
            }
            o.after_deadline = r.body["rule"] == "bid.after_deadline";
            o.unknown = r.body["rule"] == "idempotency.answer_lost";
            o.upload = Some(result_of(&r, t, &[201]));
            anyhow::Ok((i, o))
        });
    }
    let mut outcomes: Vec<Option<Outcome>> = (0..a.bidders).map(|_| None).collect();
    let mut on_time_done: Option<Duration> = None;
    let mut on_time_left = a.bidders - late_n;
    // The side load (readers, RSS sampler) stops when the on-time bidders are done, but not before
    // `--hold` seconds.
    let hold = Duration::from_secs(a.hold_secs);
    let mut read_wall = None;
    let mut stopper = None;
    while let Some(r) = set.join_next().await {
        let (i, o) = r??;
        if !o.late {
            on_time_left -= 1;
            if on_time_left == 0 {
                let done = start.elapsed();
                on_time_done = Some(done);
                let end = done.max(hold);
                read_wall = Some(end);
                let stop = stop.clone();
                stopper = Some(tokio::spawn(async move {
                    tokio::time::sleep(end - done).await;
                    stop.store(true, Ordering::Relaxed);
                }));
            }
        }
        outcomes[i] = Some(o);
    }
    let wall = on_time_done.unwrap_or_else(|| start.elapsed());
    if let Some(s) = stopper {
        s.await?;
    }
    stop.store(true, Ordering::Relaxed);
    let read_wall = read_wall.unwrap_or(wall);
    let mut reads = ReadStats::default();
    while let Some(r) = readers.join_next().await {
        let r = r?;
        reads.ok.extend(r.ok);
        reads.errors += r.errors;
    }
    let (peak, end_rss) = sampler.await?;

    let (mut reg, mut acc, mut pay, mut up) = (
        Step::default(),
        Step::default(),
        Step::default(),
        Step::default(),
    );
    let (mut after_deadline, mut late_accepted, mut accepted_after, mut unknown) = (0, 0, 0, 0);
    for o in outcomes.iter().flatten() {
        for (step, res) in [
            (&mut reg, &o.register),
            (&mut acc, &o.account),
            (&mut pay, &o.pay),
        ] {
            if let Some((r, n)) = res {
                step.record(r.clone(), *n);
            }
        }
        if let Some((r, n)) = &o.upload {
            if o.late {
                up.retries += n;
            } else if !o.after_deadline {
                up.record(r.clone(), *n);
            }
        }
        after_deadline += usize::from(o.after_deadline);
        unknown += usize::from(o.unknown);
        if let Some((_, at)) = &o.receipt {
            late_accepted += usize::from(o.late);
            accepted_after += usize::from(*at >= deadline);
        }
    }
    let acked: Vec<(usize, String)> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            o.as_ref()
                .and_then(|o| o.receipt.as_ref())
                .map(|(id, _)| (i, id.clone()))
        })
        .collect();

    println!(
        "bidders {}  concurrency {}  late {}  package {} bytes  readers {}  server {}",
        a.bidders, a.concurrency, late_n, a.doc_bytes, a.readers, a.url
    );
    println!("| step | ok | errors | retries | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|---|");
    let steps = [
        ("login (before the rush)", &login),
        ("register", &reg),
        ("open virtual account", &acc),
        ("bank transfer callback", &pay),
        ("upload sealed bid", &up),
    ];
    for (name, s) in steps {
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} |",
            s.ok.len(),
            s.errors,
            s.retries,
            ms(s.pct(50.0)),
            ms(s.pct(99.0)),
            ms(s.pct(100.0))
        );
        if let Some(e) = &s.first_error {
            println!("  first error of {name}: {e}");
        }
    }
    let rate = up.ok.len() as f64 / wall.as_secs_f64();
    println!(
        "logins: {:.1}/s; rush: {} bids accepted in {:.2}s = {:.1} bidders/s (register + account + pay + upload)",
        login.ok.len() as f64 / login_wall.as_secs_f64(),
        up.ok.len(),
        wall.as_secs_f64(),
        rate
    );
    let reads_step = Step {
        ok: reads.ok,
        errors: reads.errors,
        ..Step::default()
    };
    if a.readers > 0 {
        println!(
            "public reads during the rush ({:.1}s): {} ok, {} errors, {:.1} req/s, p50 {} ms, p99 {} ms",
            read_wall.as_secs_f64(),
            reads_step.ok.len(),
            reads_step.errors,
            reads_step.ok.len() as f64 / read_wall.as_secs_f64(),
            ms(reads_step.pct(50.0)),
            ms(reads_step.pct(99.0))
        );
    }
    let mut rss = serde_json::Map::new();
    for (n, pid) in &a.pids {
        let (before, max) = peak.get(n).copied().unwrap_or_default();
        let end = end_rss.get(n).copied().unwrap_or_default();
        let hwm = hwm_kib(*pid).unwrap_or(0);
        println!(
            "RSS {n}: before {:.1} MiB, peak {:.1} MiB, after {:.1} MiB; lifetime peak (VmHWM, logins included) {:.1} MiB",
            before as f64 / 1024.0,
            max as f64 / 1024.0,
            end as f64 / 1024.0,
            hwm as f64 / 1024.0
        );
        rss.insert(
            n.clone(),
            json!({"before_kib": before, "peak_kib": max, "after_kib": end, "hwm_kib": hwm}),
        );
    }

    // The opening: wait for the deadline, every acknowledged bidder submits its key, and the
    // opening record must hold exactly the acknowledged bids with the sealed prices.
    let t_open = Instant::now();
    let mut keys = Step::default();
    let mut set = tokio::task::JoinSet::new();
    let sem = Arc::new(Semaphore::new(a.concurrency.min(100)));
    for (i, _) in &acked {
        let b = &bidders[*i];
        let (api, sid, sem, token) = (api.clone(), sid.clone(), sem.clone(), b.token.clone());
        let k = base64::engine::general_purpose::STANDARD.encode(b.key);
        set.spawn(async move {
            let _p = sem.acquire().await?;
            let path = format!("/api/v1/sections/{sid}/bids/mine/key");
            for _ in 0..3000 {
                let t = Instant::now();
                let (s, v) = api
                    .call(
                        reqwest::Method::POST,
                        Some(&token),
                        &path,
                        Some(json!({"key": k})),
                    )
                    .await?;
                if s == 409 && v["rule"] == "opening.not_open" || matches!(s, 502..=504) {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                return anyhow::Ok(if s == 200 {
                    Ok(t.elapsed())
                } else {
                    Err(format!("{s} {v}"))
                });
            }
            Ok(Err("the section never opened".to_string()))
        });
    }
    while let Some(r) = set.join_next().await {
        keys.record(r??, 0);
    }
    let record = loop {
        let (s, v) = api
            .call(
                reqwest::Method::GET,
                Some(&staff),
                &format!("/api/v1/sections/{sid}/opening"),
                None,
            )
            .await?;
        if s == 200 {
            break v;
        }
        anyhow::ensure!(
            s == 409 && t_open.elapsed() < Duration::from_secs(600),
            "opening record: {s} {v}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let entries: HashMap<String, &Value> = record["entries"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|e| (e["bid_id"].as_str().unwrap_or_default().to_string(), e))
                .collect()
        })
        .unwrap_or_default();
    let (mut missing, mut wrong) = (0, 0);
    for (i, id) in &acked {
        match entries.get(id) {
            None => missing += 1,
            Some(e) => {
                let price_ok = e["price"].as_str() == Some(bidders[*i].price.as_str());
                if !(price_ok && e["decryption"] == "decrypted" && e["deposit"] == "valid") {
                    wrong += 1;
                    if wrong <= 3 {
                        println!("  opening entry differs for {}: {e}", bidders[*i].username);
                    }
                }
            }
        }
    }
    let extra = entries.len().saturating_sub(acked.len() - missing);
    println!(
        "opening: {} keys submitted (p50 {} ms, p99 {} ms, {} errors); record lists {} bids",
        keys.ok.len(),
        ms(keys.pct(50.0)),
        ms(keys.pct(99.0)),
        keys.errors,
        entries.len()
    );
    println!(
        "verified: {} acknowledged bids, {missing} missing from the opening record, {wrong} with a wrong \
         price/decryption/deposit, {extra} not acknowledged but recorded ({unknown} answers lost with an \
         instance); {after_deadline} refused after the deadline, {late_accepted} late uploads accepted, \
         {accepted_after} receipts at or after the deadline",
        acked.len()
    );
    if let Some(path) = &a.json_out {
        let out = json!({
            "bidders": a.bidders, "concurrency": a.concurrency, "late": late_n, "readers": a.readers,
            "doc_bytes": a.doc_bytes, "url": a.url, "rush_secs": wall.as_secs_f64(),
            "bidders_per_sec": rate, "steps": {"login": login.json(), "register": reg.json(),
            "account": acc.json(), "pay": pay.json(), "upload": up.json(), "key": keys.json(),
            "reads": reads_step.json()}, "rss": rss, "acknowledged": acked.len(), "missing": missing,
            "wrong": wrong, "extra": extra, "refused_after_deadline": after_deadline,
            "late_accepted": late_accepted, "receipts_after_deadline": accepted_after,
        });
        std::fs::write(path, serde_json::to_string_pretty(&out)?)?;
    }
    anyhow::ensure!(
        missing == 0 && wrong == 0 && late_accepted == 0 && accepted_after == 0,
        "the rush lost or mis-recorded bids (see above)"
    );
    Ok(())
}
