//! Benchmark (not a test): the deadline rush (截止前集中投标). N bidders register for one section and
//! upload sealed bids concurrently against a running `ggzy serve`, and the program reports the
//! throughput and p50/p99 latency of each step.
//!
//! ```text
//! ggzy serve --demo --demo-password demo-password-123 &
//! cargo run --release -p ggzy-api-tests --bin rush -- --url http://127.0.0.1:8080 \
//!     --password demo-password-123 --bidders 1000 --concurrency 1000
//! ```
//!
//! Setup (not timed as the rush): the admin creates N bidder organizations and users through the
//! identity API, every bidder logs in, the demo tenderer registers a construction project whose
//! deadline is a few minutes away, staff approve it and open it for bidding, and every package is
//! sealed beforehand (AES-256-GCM, as a bidder's tool would). The rush: every bidder at once
//! registers (投标报名) and uploads its sealed bid (PUT …/bids/mine), as in the last minute before
//! the deadline.

use ggzy_core::ident::Uscc;
use ggzy_projects::package::{plaintext, seal, Suite};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

struct Args {
    url: String,
    password: String,
    bidders: usize,
    concurrency: usize,
    doc_bytes: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        url: "http://127.0.0.1:8080".into(),
        password: std::env::var("GGZY_DEMO_PASSWORD").unwrap_or_default(),
        bidders: 500,
        concurrency: 0,
        doc_bytes: 64 * 1024,
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
            "--doc-bytes" => a.doc_bytes = v()?.parse()?,
            other => anyhow::bail!(
                "unknown argument {other}; use --url --password --bidders --concurrency --doc-bytes"
            ),
        }
    }
    if a.concurrency == 0 {
        a.concurrency = a.bidders;
    }
    anyhow::ensure!(
        a.password.len() >= 10,
        "--password: the demo password (GGZY_DEMO_PASSWORD) of admin, tenderer and staff"
    );
    Ok(a)
}

#[derive(Clone)]
struct Api {
    c: reqwest::Client,
    base: String,
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

    async fn login(&self, user: &str, pw: &str) -> anyhow::Result<String> {
        let v = self
            .post(
                None,
                "/api/v1/auth/login",
                json!({"username": user, "password": pw}),
            )
            .await?;
        v["token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow::anyhow!("login {user}: no token"))
    }
}

/// Latencies of one step.
#[derive(Default)]
struct Step {
    ok: Vec<Duration>,
    errors: usize,
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
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn run_tag() -> String {
    // Two characters of the USCC alphabet, random per run, so runs on one database never collide.
    const ALPHA: &[u8] = b"ABCDEFGHJKLMNPQRTUWXY";
    let u = uuid::Uuid::new_v4();
    let b = u.as_bytes();
    format!(
        "{}{}",
        ALPHA[b[0] as usize % ALPHA.len()] as char,
        ALPHA[b[1] as usize % ALPHA.len()] as char
    )
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
    let admin = api.login("admin", &a.password).await?;
    let tag = run_tag();
    let user_pw = format!("rush-{}", uuid::Uuid::new_v4().simple());

    // Setup: bidder organizations and users (8 at a time: password hashing is the cost here).
    let t0 = Instant::now();
    let sem = Arc::new(Semaphore::new(8));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..a.bidders {
        let (api, admin, tag, pw, sem) = (
            api.clone(),
            admin.clone(),
            tag.clone(),
            user_pw.clone(),
            sem.clone(),
        );
        set.spawn(async move {
            let _p = sem.acquire().await?;
            let uscc = Uscc::with_check(&format!("91210200{tag}{i:07}"))
                .ok_or_else(|| anyhow::anyhow!("uscc"))?;
            let org = api
                .post(
                    Some(&admin),
                    "/api/v1/organizations",
                    json!({"uscc": uscc.to_string(), "name": format!("压测投标人{tag}{i:05}有限公司"),
                           "kind": "bidder", "legal_representative": format!("法人{tag}{i}"),
                           "basic_account_bank": "中国建设银行大连分行",
                           "basic_account_no": format!("21050161{i:012}"), "region": "210200"}),
                )
                .await?;
            let org_id = org["id"].as_str().unwrap_or_default().to_string();
            let username = format!("rush{}{i:05}", tag.to_lowercase());
            api.post(
                Some(&admin),
                "/api/v1/users",
                json!({"username": username, "password": pw, "role": "bidder", "org_id": org_id}),
            )
            .await?;
            anyhow::Ok((i, username))
        });
    }
    let mut users = vec![String::new(); a.bidders];
    while let Some(r) = set.join_next().await {
        let (i, u) = r??;
        users[i] = u;
    }
    eprintln!(
        "setup: {} bidder organizations and users in {:.1}s",
        a.bidders,
        t0.elapsed().as_secs_f64()
    );

    // Project with a deadline a few minutes away (documents issued 21 days ago).
    let tenderer = api.login("tenderer", &a.password).await?;
    let staff = api.login("staff", &a.password).await?;
    let now = chrono::Utc::now();
    let deadline = now + chrono::Duration::minutes(15);
    let p = api
        .post(
            Some(&tenderer),
            "/api/v1/projects",
            json!({"name": format!("截止前集中投标压测 {tag}"), "market": "construction",
                   "procedure": "open_tender", "tenderer_uscc": "91110000802100433B",
                   "tenderer_name": "大连市市政建设管理处",
                   "sections": [{"name": "一标段", "estimated_price": "10000000.00", "deposit": "200000.00",
                       "docs_issue_at": (now - chrono::Duration::days(21)).to_rfc3339(),
                       "docs_sale_end_at": (now - chrono::Duration::days(14)).to_rfc3339(),
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

    // Logins (timed, but before the rush) and sealed packages.
    let mut login = Step::default();
    let t_login = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    let sem = Arc::new(Semaphore::new(a.concurrency.min(64)));
    for (i, u) in users.iter().enumerate() {
        let (api, u, pw, sem) = (api.clone(), u.clone(), user_pw.clone(), sem.clone());
        set.spawn(async move {
            let _p = sem.acquire().await?;
            let t = Instant::now();
            let r = api.login(&u, &pw).await;
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
            Err(e) => {
                login.errors += 1;
                login.first_error.get_or_insert(e.to_string());
            }
        }
    }
    let login_wall = t_login.elapsed();
    let doc = vec![b'x'; a.doc_bytes];
    let packages: Vec<(Vec<u8>, String)> = (0..a.bidders)
        .map(|i| {
            let price = format!("{}.{:02}", 9_000_000 + i * 7, i % 100);
            let key = [(i % 251) as u8 + 1; 32];
            let mut prefix = [0u8; 7];
            prefix[..4].copy_from_slice(&(i as u32).to_be_bytes());
            let plain = plaintext(
                Suite::Aes256GcmSha256,
                &price,
                &[("投标文件.pdf", doc.as_slice())],
            );
            let s = seal(Suite::Aes256GcmSha256, &key, &prefix, &plain)
                .map_err(|e| anyhow::anyhow!("seal: {e:?}"))?;
            Ok((s.ciphertext, s.digest))
        })
        .collect::<anyhow::Result<_>>()?;
    // The projects area learns organizations from identity's events: wait until it knows the
    // last one created (events are handled in order) before the rush starts.
    let last = a.bidders - 1;
    for attempt in 0.. {
        let (s, v) = api
            .call(
                reqwest::Method::POST,
                Some(&tokens[last]),
                &format!("/api/v1/sections/{sid}/registrations"),
                Some(json!({})),
            )
            .await?;
        if s == 201 {
            break;
        }
        anyhow::ensure!(
            s == 409 && v["rule"] == "organization.unknown" && attempt < 600,
            "warm-up registration: {s} {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The rush.
    let sem = Arc::new(Semaphore::new(a.concurrency));
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for (i, (ct, digest)) in packages.into_iter().enumerate() {
        let (api, token, sid, sem) = (api.clone(), tokens[i].clone(), sid.clone(), sem.clone());
        set.spawn(async move {
            let _p = sem.acquire().await?;
            let mut reg = None;
            if i != last {
                let t = Instant::now();
                let r = api
                    .call(
                        reqwest::Method::POST,
                        Some(&token),
                        &format!("/api/v1/sections/{sid}/registrations"),
                        Some(json!({})),
                    )
                    .await;
                reg = Some(match r {
                    Ok((201, _)) => Ok(t.elapsed()),
                    Ok((s, v)) => Err(format!("{s} {v}")),
                    Err(e) => Err(e.to_string()),
                });
            }
            let t = Instant::now();
            let r = api
                .c
                .put(format!("{}/api/v1/sections/{sid}/bids/mine", api.base))
                .bearer_auth(&token)
                .header("content-type", "application/octet-stream")
                .header("X-Bid-Digest", digest)
                .header("X-Device-Fingerprint", format!("rush-device-{i}"))
                .body(ct)
                .send()
                .await;
            let up = match r {
                Ok(r) if r.status().as_u16() == 201 => {
                    let _ = r.bytes().await;
                    Ok(t.elapsed())
                }
                Ok(r) => Err(format!(
                    "{} {}",
                    r.status(),
                    r.text().await.unwrap_or_default()
                )),
                Err(e) => Err(e.to_string()),
            };
            anyhow::Ok((reg, up))
        });
    }
    let (mut reg, mut up) = (Step::default(), Step::default());
    while let Some(r) = set.join_next().await {
        let (r, u) = r??;
        for (step, res) in [(&mut reg, r), (&mut up, Some(u))] {
            match res {
                Some(Ok(d)) => step.ok.push(d),
                Some(Err(e)) => {
                    step.errors += 1;
                    step.first_error.get_or_insert(e);
                }
                None => {}
            }
        }
    }
    let wall = start.elapsed();

    println!(
        "bidders {}  concurrency {}  package {} bytes  server {}",
        a.bidders, a.concurrency, a.doc_bytes, a.url
    );
    println!("| step | ok | errors | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    for (name, s) in [
        ("login (before the rush)", &login),
        ("register", &reg),
        ("upload sealed bid", &up),
    ] {
        println!(
            "| {name} | {} | {} | {} | {} | {} |",
            s.ok.len(),
            s.errors,
            ms(s.pct(50.0)),
            ms(s.pct(99.0)),
            ms(s.pct(100.0))
        );
        if let Some(e) = &s.first_error {
            println!("  first error of {name}: {e}");
        }
    }
    println!(
        "logins: {:.1}/s; rush: {} bids accepted in {:.2}s = {:.1} bids/s (register + upload)",
        login.ok.len() as f64 / login_wall.as_secs_f64(),
        up.ok.len(),
        wall.as_secs_f64(),
        up.ok.len() as f64 / wall.as_secs_f64()
    );
    Ok(())
}
