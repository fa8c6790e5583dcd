//! Demo trades in every stage of every market, seeded through the real HTTP API (in-process calls
//! to the same router the server answers with; never SQL into an area's tables), and the demo
//! worker that keeps them moving in a sandbox.
//!
//! The seeding runs once, when `serve --demo` marks an empty database a sandbox. It travels the
//! sandbox clock through the trades' history — land and property announcements on 2026-04-30, the
//! tenders' announcements, registrations, deposits (signed bank callbacks) and sealed bids on
//! 2026-05-06, the openings of 2026-05-26, results, publicity, award and contract — and stops the
//! clock at [`crate::sandbox::demo_start`] (Monday 2026-06-01 09:00), where:
//! - construction: one tender open for bids closing that day at 14:00 (its sealed bids' keys are
//!   kept by the demo, see [`run_key_worker`]), one open until 06-22, one in evaluation, one in
//!   candidate publicity, one awarded with its contract;
//! - procurement: open for bids, in evaluation, in candidate publicity, awarded with its contract;
//! - land: a listing (挂牌) with quotes until 06-12, and a listing that ended at 08:50 with two
//!   quotes, so its online auction (网络竞价, 2 hours of free bidding then 5-minute extensions) is live;
//! - property: a published disclosure (信息披露) with two registered buyers;
//! - an expert pool of 64 experts in 4 specialties at 14 employers (4 of them at the demo tenderer
//!   and bidders, so every draw shows avoidance), 8 expert logins (expert1…8) at 6 employers linked
//!   to their expert records; rooms and bookings for the coming week; and the
//!   monitoring alerts the trades' own events raise.

use crate::background::{self, Background};
use crate::demo::{self, DemoLogin};
use anyhow::{anyhow, bail, Context as _};
use axum::body::Body;
use axum::http::{Method, Request};
use axum::Router;
use base64::Engine as _;
use ggzy_core::ident::{ResidentId, Uscc};
use ggzy_core::time::{at_local, to_micros};
use ggzy_core::Timestamp;
use ggzy_identity::{Actor, Role};
use ggzy_projects::package::{plaintext, seal, Suite};
use ggzy_store::Ctx;
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// A Shanghai wall-clock instant of the demo's history.
fn sh(y: i32, m: u32, d: u32, h: u32, min: u32) -> Timestamp {
    at_local(
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default(),
        h,
        min,
        0,
    )
}

fn rfc(t: Timestamp) -> String {
    t.with_timezone(&ggzy_core::time::shanghai()).to_rfc3339()
}

/// Where the seeding starts: land transfer announcements (20 days before their listings).
fn seed_at() -> Timestamp {
    sh(2026, 4, 30, 9, 0)
}
/// Tender announcements, registrations, deposits and sealed bids.
fn tenders_at() -> Timestamp {
    sh(2026, 5, 6, 9, 0)
}
/// Bid deadline and opening of the trades that are past their opening on 06-01.
fn past_deadline() -> Timestamp {
    sh(2026, 5, 26, 9, 30)
}
/// Bid deadline and opening of the live tender (the sandbox starts at 06-01 09:00).
pub fn live_deadline() -> Timestamp {
    sh(2026, 6, 1, 14, 0)
}
fn future_deadline() -> Timestamp {
    sh(2026, 6, 22, 9, 30)
}

/// The stage a seeded trade is left in on 2026-06-01 09:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Open for bids, closing today at 14:00 (bids sealed, keys kept by the demo).
    BiddingLive,
    /// Open for bids until 06-22.
    Bidding,
    Evaluating,
    Publicizing,
    Contracted,
    /// Land / property listing open for quotes.
    Listing,
    /// Listing ended with two quotes: the online auction is live.
    Auction,
    /// Property disclosure published, buyers registered.
    Disclosure,
}

impl Stage {
    pub fn as_str(&self) -> &'static str {
        match self {
            Stage::BiddingLive => "bidding (closes today 14:00)",
            Stage::Bidding => "bidding",
            Stage::Evaluating => "evaluating",
            Stage::Publicizing => "publicizing",
            Stage::Contracted => "contracted",
            Stage::Listing => "listing (quotes)",
            Stage::Auction => "online auction",
            Stage::Disclosure => "disclosure",
        }
    }
}

/// How long a seeding step waits for another area's projection or a timer before it gives up. A
/// fixed number of tries (15 s) was too short on a busy machine: the demo then failed to start.
const CATCH_UP: Duration = Duration::from_secs(180);

/// The tries of a step that waits for another area or a timer: one per iteration until [`CATCH_UP`]
/// has passed (the caller sleeps between tries).
fn patience() -> impl Iterator<Item = ()> {
    let until = std::time::Instant::now() + CATCH_UP;
    std::iter::from_fn(move || (std::time::Instant::now() < until).then_some(()))
}

/// One seeded trade.
#[derive(Debug, Clone)]
pub struct SeededTrade {
    pub market: &'static str,
    pub name: String,
    pub stage: Stage,
    pub project_id: String,
    pub section_id: String,
    pub auction_id: Option<String>,
}

/// What a demo start did and what keeps running.
pub struct DemoRun {
    pub logins: Option<Vec<DemoLogin>>,
    pub trades: Vec<SeededTrade>,
    pub experts: usize,
    pub seeded_in: Option<Duration>,
    shutdown: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
    ctx: Ctx,
}

impl DemoRun {
    /// Stop the demo worker and save the sandbox clock.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for h in self.handles {
            let _ = tokio::time::timeout(Duration::from_secs(5), h).await;
        }
        let _ = crate::sandbox::save(&self.ctx.db, &self.ctx.clock).await;
    }

    /// The start-up text: everything a demo user needs.
    pub fn welcome(&self, public_url: &str) -> String {
        let mut s = String::new();
        let scale = self.ctx.clock.scale();
        s.push_str(&format!(
            "\n== ggzy SANDBOX (演示环境) — simulated data, simulated time ==\n\
             simulated now: {} (Asia/Shanghai), time scale x{scale}{}\n",
            ggzy_core::time::display_local(self.ctx.clock.now()),
            if scale > 1 {
                format!(
                    " (a simulated day passes every {:.1} real minutes)",
                    1440.0 / f64::from(scale)
                )
            } else {
                " (real speed; restart with --time-scale 1440 to watch a day pass per minute)"
                    .into()
            }
        ));
        if let Some(l) = &self.logins {
            s.push_str(&demo::logins_text(l));
            // expert4…8 (five more employers) are created by the seeding below with expert1's
            // password (`Seeder::experts`), after `demo::seed` made the list above.
            if let Some(e1) = l.iter().find(|x| x.username == "expert1") {
                for n in 4..=8 {
                    s.push_str(&format!(
                        "  {:<11} {:<20} {}\n",
                        format!("expert{n}"),
                        e1.password,
                        e1.role.as_str()
                    ));
                }
            }
        } else {
            s.push_str("logins: unchanged since the sandbox was created (see its first start)\n");
        }
        if let Some(key) = &self.ctx.settings.bank_hmac_key {
            s.push_str(&format!(
                "demo bank key (HMAC-SHA256 of \"{{X-Timestamp}}.{{body}}\" → X-Signature, login `bank`): {}\n",
                key.expose()
            ));
        }
        if let Some(d) = self.seeded_in {
            s.push_str(&format!(
                "seeded {} trades and {} experts in {:.1} s:\n",
                self.trades.len(),
                self.experts,
                d.as_secs_f64()
            ));
            for t in &self.trades {
                s.push_str(&format!(
                    "  {:<12} {:<29} PROJECT={} SECTION={}{}  {}\n",
                    t.market,
                    t.stage.as_str(),
                    t.project_id,
                    t.section_id,
                    t.auction_id
                        .as_deref()
                        .map(|a| format!(" AUCTION={a}"))
                        .unwrap_or_default(),
                    t.name
                ));
            }
        }
        s.push_str(&format!(
            "sign in {public_url}/login · portal {public_url}/ · API {public_url}/api/docs · \
             clock {public_url}/api/v1/clock · dashboard {public_url}/monitoring (sign in as `supervisor`)\n\
             the demo worker submits the seeded bidders' keys at each opening; see docs/demo.md\n"
        ));
        s
    }

    pub fn print_welcome(&self, public_url: &str) {
        println!("{}", self.welcome(public_url));
    }
}

/// Start a sandbox: seed (when `seed_now`) and start the background workers, the demo worker and
/// the clock saver. `router` is the app the server answers with (seeding calls it in-process).
pub async fn start(
    ctx: &Ctx,
    router: &Router,
    password: Option<&str>,
    seed_now: bool,
    poll: Duration,
) -> anyhow::Result<(Background, DemoRun)> {
    let mut logins = None;
    // Seed at real speed: the history's steps happen at their simulated instants, whatever the
    // scale; the sandbox's scale applies from 2026-06-01 09:00.
    let scale = ctx.clock.scale();
    if seed_now {
        ctx.clock.set_scale(1);
        // History first: the demo organizations exist before the first trade.
        ctx.clock.set(seed_at());
        logins = demo::seed(ctx, password).await?;
        if logins.is_none() {
            println!(
                "demo: the sandbox was created but its seeding did not finish (users exist, their \
                 passwords are unknown now); serving it without demo trades"
            );
        }
    }
    let bg = Background::start(ctx, background::workers(), poll).await?;
    let (tx, rx) = watch::channel(false);
    let mut handles = vec![tokio::spawn(run_key_worker(
        ctx.clone(),
        poll.max(Duration::from_millis(20)),
        rx.clone(),
    ))];
    let mut trades = Vec::new();
    let mut experts = 0;
    let mut seeded_in = None;
    if let Some(l) = &logins {
        let t0 = std::time::Instant::now();
        let mut seeder = Seeder::new(ctx, router.clone(), l);
        let out = seeder.run().await;
        if let Err(e) = out {
            ctx.clock.set_scale(scale);
            let _ = tx.send(true);
            bg.stop().await;
            return Err(e.context("seeding the demo trades"));
        }
        trades = seeder.trades;
        experts = seeder.experts;
        if ctx.clock.now() < crate::sandbox::demo_start() {
            ctx.clock.set(crate::sandbox::demo_start());
        }
        ctx.clock.set_scale(scale);
        seeded_in = Some(t0.elapsed());
    }
    ctx.clock.set_scale(scale);
    if seed_now {
        crate::sandbox::mark_seeded(&ctx.db, &ctx.clock).await?;
    }
    crate::sandbox::save(&ctx.db, &ctx.clock).await?;
    handles.push(tokio::spawn(crate::sandbox::run_saver(
        ctx.db.clone(),
        ctx.clock.clone(),
        rx,
    )));
    Ok((
        bg,
        DemoRun {
            logins,
            trades,
            experts,
            seeded_in,
            shutdown: tx,
            handles,
            ctx: ctx.clone(),
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// The demo worker: seeded bidders submit their keys during each decryption window.

/// Keep a seeded sealed bid's key for the demo worker (the demo's own table).
async fn keep_key(ctx: &Ctx, section_id: &str, actor: &Value, key: &[u8]) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO demo_sealed_bids (section_id, user_id, username, display_name, org_id, key_b64, status, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) \
         ON CONFLICT (section_id, org_id) DO UPDATE SET key_b64 = excluded.key_b64, status = 'pending'",
    )
    .bind(section_id)
    .bind(actor["user_id"].as_str().unwrap_or_default())
    .bind(actor["username"].as_str().unwrap_or_default())
    .bind(actor["display_name"].as_str().unwrap_or_default())
    .bind(actor["org_id"].as_str().unwrap_or_default())
    .bind(base64::engine::general_purpose::STANDARD.encode(key))
    .bind(to_micros(ctx.clock.now()))
    .execute(ctx.db.pool_for_write())
    .await?;
    Ok(())
}

/// Submit every kept key whose opening is on (`submit_key`, the bidder's own use case), once.
pub async fn submit_due_keys(ctx: &Ctx) -> anyhow::Result<usize> {
    let rows = sqlx::query(
        "SELECT section_id, user_id, username, display_name, org_id, key_b64 FROM demo_sealed_bids \
         WHERE status = 'pending' ORDER BY section_id, org_id",
    )
    .fetch_all(ctx.db.pool())
    .await?;
    // Every key of the moment at once: a bidder gives its key in parallel with the others, and a
    // slow decryption (an SM4 package in a debug build) must not make the next one miss the window
    // (30 simulated minutes are about a second of real time at ×1440).
    let mut jobs = Vec::new();
    for r in rows {
        let section: String = r.try_get(0)?;
        let org: String = r.try_get(4)?;
        let actor = Actor {
            user_id: r.try_get(1)?,
            username: r.try_get(2)?,
            display_name: r.try_get(3)?,
            role: Role::Bidder,
            org_id: Some(org.clone()),
        };
        let key: String = r.try_get(5)?;
        jobs.push(async move {
            let out = ggzy_projects::opening::submit_key(
                ctx,
                &actor,
                &section,
                ggzy_projects::opening::KeySubmission { key },
            )
            .await;
            (section, org, out)
        });
    }
    let mut done = 0;
    for (section, org, out) in futures::future::join_all(jobs).await {
        let status = match out {
            Ok(_) => "submitted".to_string(),
            // The key is in already (an earlier attempt whose answer this worker did not see, or
            // another instance's worker): the bid is open, which is what submitting meant.
            Err(ggzy_core::Error::Conflict { rule, .. }) if rule == "opening.already_decrypted" => {
                "submitted".to_string()
            }
            // Not yet: the opening has not started.
            Err(ggzy_core::Error::Conflict { rule, .. }) if rule == "opening.not_open" => continue,
            // Over: the window closed.
            // The reason stays with the row (`given_up: …`), for whoever wonders why a seeded
            // opening did not complete.
            Err(ggzy_core::Error::Conflict { rule, detail }) if rule == "opening.window_closed" => {
                tracing::info!(section = %section, org = %org, reason = %detail, "demo key not submitted");
                format!("given_up: {detail} (at {})", ctx.clock.now())
            }
            Err(ggzy_core::Error::NotFound(detail)) => {
                tracing::info!(section = %section, org = %org, reason = %detail, "demo key not submitted");
                format!("given_up: {detail}")
            }
            Err(e) => {
                tracing::warn!(section = %section, org = %org, error = %e, "demo key submission failed; retrying");
                continue;
            }
        };
        sqlx::query(
            "UPDATE demo_sealed_bids SET status = $1, updated_at = $2 WHERE section_id = $3 AND org_id = $4",
        )
        .bind(status)
        .bind(to_micros(ctx.clock.now()))
        .bind(&section)
        .bind(&org)
        .execute(ctx.db.pool_for_write())
        .await?;
        done += 1;
    }
    Ok(done)
}

/// The demo worker loop: look for openings every `poll` (real time).
pub async fn run_key_worker(ctx: Ctx, poll: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = submit_due_keys(&ctx).await {
            tracing::warn!(error = %e, "demo key worker");
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = shutdown.changed() => return,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// In-process HTTP.

/// The app's router called in-process, as a client would call it over HTTP.
#[derive(Clone)]
pub struct Api {
    router: Router,
}

impl Api {
    pub fn new(router: Router) -> Self {
        Api { router }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, String)],
        body: Body,
    ) -> anyhow::Result<(u16, Value)> {
        let mut rb = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            rb = rb.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            rb = rb.header(*k, v);
        }
        let mut req = rb.body(body)?;
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                0,
            ))));
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let status = resp.status().as_u16();
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .map_err(|e| anyhow!("{e}"))?
            .to_bytes();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Ok((status, v))
    }

    pub async fn json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<(u16, Value)> {
        self.send(
            method,
            path,
            token,
            &[("content-type", "application/json".into())],
            Body::from(body.to_string()),
        )
        .await
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> anyhow::Result<(u16, Value)> {
        self.send(Method::GET, path, token, &[], Body::empty())
            .await
    }

    /// POST and require a 2xx answer.
    pub async fn post_ok(&self, token: &str, path: &str, body: Value) -> anyhow::Result<Value> {
        let (s, v) = self.json(Method::POST, path, Some(token), &body).await?;
        if !(200..300).contains(&s) {
            bail!("POST {path}: {s} {v}");
        }
        Ok(v)
    }

    /// POST until the answer is not `retry(status, body)` (another area catching up), see [`patience`].
    pub async fn post_until(
        &self,
        token: &str,
        path: &str,
        body: Value,
        retry: impl Fn(u16, &Value) -> bool,
    ) -> anyhow::Result<Value> {
        for () in patience() {
            let (s, v) = self.json(Method::POST, path, Some(token), &body).await?;
            if retry(s, &v) {
                tokio::time::sleep(Duration::from_millis(30)).await;
                continue;
            }
            if !(200..300).contains(&s) {
                bail!("POST {path}: {s} {v}");
            }
            return Ok(v);
        }
        bail!("POST {path}: the platform never caught up")
    }

    pub async fn get_ok(&self, token: &str, path: &str) -> anyhow::Result<Value> {
        let (s, v) = self.get(Some(token), path).await?;
        if s != 200 {
            bail!("GET {path}: {s} {v}");
        }
        Ok(v)
    }
}

// ---------------------------------------------------------------------------------------------
// The seeding.

const SPECIALTIES: [&str; 4] = ["A08.02", "A08.01", "B01", "C03"];
const EMPLOYERS: [&str; 10] = [
    "大连理工大学",
    "大连市市政设计研究院有限责任公司",
    "大连海事大学",
    "辽宁省交通规划设计院有限公司",
    "大连市建筑设计研究院有限公司",
    "东北财经大学",
    "大连交通大学",
    "中国建筑东北设计研究院大连分院",
    "大连市政府采购评审中心",
    "辽宁师范大学",
];
/// Bidders' basic accounts (基本账户), as `demo::seed` registered them.
const BASIC: [(&str, &str); 3] = [
    ("bidder1", "21050161000000000004"),
    ("bidder2", "21050161000000000005"),
    ("bidder3", "21050161000000000006"),
];

fn uscc(n: u32) -> String {
    Uscc::with_check(&format!("91210200MA{n:07}"))
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// A public body's code (统一社会信用代码, "11" 机关) for the demo trades' tenderers.
fn public_uscc(n: u32) -> String {
    Uscc::with_check(&format!("1121020000{n:07}"))
        .map(|u| u.to_string())
        .unwrap_or_default()
}

fn resident_id(n: u32) -> String {
    ResidentId::with_check(&format!("21020219700101{n:03}"))
        .map(|r| r.as_str().to_string())
        .unwrap_or_default()
}

struct Tender {
    market: &'static str,
    name: &'static str,
    stage: Stage,
    project_id: String,
    section_id: String,
    prices: Vec<(String, String)>,
}

pub struct Seeder {
    /// Committee draws made so far (each result's draw takes the next specialty).
    draws: usize,
    ctx: Ctx,
    api: Api,
    passwords: HashMap<String, String>,
    tokens: HashMap<String, String>,
    actors: HashMap<String, Value>,
    pub trades: Vec<SeededTrade>,
    pub experts: usize,
}

impl Seeder {
    fn new(ctx: &Ctx, router: Router, logins: &[DemoLogin]) -> Self {
        Seeder {
            draws: 0,
            ctx: ctx.clone(),
            api: Api::new(router),
            passwords: logins
                .iter()
                .map(|l| (l.username.clone(), l.password.clone()))
                .collect(),
            tokens: HashMap::new(),
            actors: HashMap::new(),
            trades: Vec::new(),
            experts: 0,
        }
    }

    /// The session token of `user` (logged in once per clock jump: sessions last 12 hours).
    async fn t(&mut self, user: &str) -> anyhow::Result<String> {
        if let Some(t) = self.tokens.get(user) {
            return Ok(t.clone());
        }
        let pw = self
            .passwords
            .get(user)
            .ok_or_else(|| anyhow!("no demo login {user}"))?;
        let (s, v) = self
            .api
            .json(
                Method::POST,
                "/api/v1/auth/login",
                None,
                &json!({"username": user, "password": pw}),
            )
            .await?;
        if s != 200 {
            bail!("login {user}: {s} {v}");
        }
        let t = v["token"]
            .as_str()
            .ok_or_else(|| anyhow!("login {user}: no token"))?
            .to_string();
        if !self.actors.contains_key(user) {
            let me = self.api.get_ok(&t, "/api/v1/auth/me").await?;
            self.actors.insert(user.to_string(), me);
        }
        self.tokens.insert(user.to_string(), t.clone());
        Ok(t)
    }

    fn org(&self, user: &str) -> String {
        self.actors
            .get(user)
            .and_then(|a| a["org_id"].as_str())
            .unwrap_or_default()
            .to_string()
    }

    /// Move the sandbox clock (the timers due meanwhile fire) and forget the sessions.
    async fn travel(&mut self, to: Timestamp) {
        self.ctx.clock.set(to);
        self.tokens.clear();
        ggzy_store::outbox::seal_all(&self.ctx.db).await.ok();
    }

    async fn run(&mut self) -> anyhow::Result<()> {
        // 2026-04-30: the land transfer announcements and their listings.
        for u in [
            "admin", "staff", "tenderer", "bidder1", "bidder2", "bidder3", "bank",
        ] {
            self.t(u).await?;
        }
        self.experts().await.context("expert pool")?;
        let land_quotes = self
            .land(
                "大连市甘井子区 GJZ2026-05 号地块国有建设用地使用权",
                sh(2026, 6, 12, 17, 0),
                Stage::Listing,
            )
            .await
            .context("land listing")?;
        let land_auction = self
            .land(
                "大连市金州区 JZ2026-03 号地块国有建设用地使用权",
                sh(2026, 6, 1, 8, 50),
                Stage::Auction,
            )
            .await
            .context("land auction")?;

        // 2026-05-06: the tenders and the property disclosure.
        self.travel(tenders_at()).await;
        // Each trade has its own tenderer (招标人/采购人), as a centre's trades do; the demo tenderer's
        // login registers them all as their agent (the project's owner organization).
        let plan: [(&'static str, &'static str, Stage, &'static str); 9] = [
            (
                "construction",
                "大连湾海底隧道接线道路工程（演示）",
                Stage::BiddingLive,
                "大连市市政建设管理处",
            ),
            (
                "construction",
                "旅顺口区污水管网改造工程（演示）",
                Stage::Bidding,
                "大连市旅顺口区住房和城乡建设局",
            ),
            (
                "construction",
                "中山区学校校舍抗震加固工程（演示）",
                Stage::Evaluating,
                "大连市中山区教育局",
            ),
            (
                "construction",
                "西岗区老旧小区改造工程（演示）",
                Stage::Publicizing,
                "大连市西岗区住房和城乡建设局",
            ),
            (
                "construction",
                "沙河口区市政道路大修工程（演示）",
                Stage::Contracted,
                "大连市沙河口区城市建设管理局",
            ),
            (
                "procurement",
                "市第三人民医院医疗设备采购（演示）",
                Stage::Bidding,
                "大连市第三人民医院",
            ),
            (
                "procurement",
                "市教育局多媒体教室设备采购（演示）",
                Stage::Evaluating,
                "大连市教育局",
            ),
            (
                "procurement",
                "市公安局执法记录仪采购（演示）",
                Stage::Publicizing,
                "大连市公安局",
            ),
            (
                "procurement",
                "市政务服务中心物业服务采购（演示）",
                Stage::Contracted,
                "大连市政务服务中心",
            ),
        ];
        let mut tenders = Vec::new();
        for (i, (market, name, stage, owner)) in plan.into_iter().enumerate() {
            let owner_uscc = if i == 0 {
                uscc(2)
            } else {
                public_uscc(i as u32)
            };
            tenders.push(
                self.tender(market, name, stage, (&owner_uscc, owner))
                    .await
                    .with_context(|| format!("tender {name}"))?,
            );
        }
        self.property().await.context("property disclosure")?;

        // 2026-05-25: quotes on the land listings.
        self.travel(sh(2026, 5, 25, 10, 0)).await;
        for (id, prices) in [
            (&land_quotes, ["52000000.00", "52500000.00"]),
            (&land_auction, ["31000000.00", "31500000.00"]),
        ] {
            for (user, price) in ["bidder1", "bidder2"].into_iter().zip(prices) {
                let t = self.t(user).await?;
                self.api
                    .post_ok(
                        &t,
                        &format!("/api/v1/auctions/{id}/bids"),
                        json!({"price": price}),
                    )
                    .await
                    .with_context(|| format!("quote of {user}"))?;
            }
        }

        // 2026-05-26 09:30: the past trades' deadline and opening; the demo worker submits keys.
        self.travel(past_deadline() + chrono::Duration::seconds(1))
            .await;
        for t in tenders.iter().filter(|t| {
            matches!(
                t.stage,
                Stage::Evaluating | Stage::Publicizing | Stage::Contracted
            )
        }) {
            self.wait_state(t, "evaluating").await?;
        }

        // 15:00: the committees' results of the two trades that end awarded.
        self.travel(sh(2026, 5, 26, 15, 0)).await;
        for t in tenders.iter().filter(|t| t.stage == Stage::Contracted) {
            self.result(t).await?;
        }
        // 05-31 10:00: publicity over (3 days, 实施条例 54): award and contract.
        self.travel(sh(2026, 5, 31, 10, 0)).await;
        for t in tenders.iter().filter(|t| t.stage == Stage::Contracted) {
            let tok = self.t("tenderer").await?;
            let winner_price = ranked(&t.prices)
                .first()
                .map(|p| p.1.clone())
                .unwrap_or_default();
            self.api
                .post_ok(
                    &tok,
                    &format!("/api/v1/sections/{}/award", t.section_id),
                    json!({}),
                )
                .await?;
            self.api
                .post_ok(
                    &tok,
                    &format!("/api/v1/sections/{}/contract", t.section_id),
                    json!({"signed_on": "2026-05-31", "amount": winner_price}),
                )
                .await?;
        }
        // 06-01 08:00: results of the trades in publicity (it ends 06-04).
        self.travel(sh(2026, 6, 1, 8, 0)).await;
        for t in tenders.iter().filter(|t| t.stage == Stage::Publicizing) {
            self.result(t).await?;
        }
        self.venues(&tenders).await.context("rooms and bookings")?;
        self.travel(crate::sandbox::demo_start()).await;
        // The listing that ended at 08:50 starts its online auction (its timer) before anyone looks.
        let live = self
            .trades
            .iter()
            .find(|t| t.stage == Stage::Auction)
            .map(|t| {
                (
                    t.project_id.clone(),
                    t.section_id.clone(),
                    t.auction_id.clone(),
                )
            });
        if let Some((project, section, Some(auction))) = live {
            self.wait_section(&project, &section, "closed").await?;
            let staff = self.t("staff").await?;
            let mut phase = Value::Null;
            for () in patience() {
                phase = self
                    .api
                    .get_ok(&staff, &format!("/api/v1/auctions/{auction}"))
                    .await?["phase"]
                    .clone();
                if phase == "auction" {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            if phase != "auction" {
                bail!("the land auction {auction} did not start: {phase}");
            }
        }
        for t in tenders {
            self.trades.push(SeededTrade {
                market: t.market,
                name: t.name.to_string(),
                stage: t.stage,
                project_id: t.project_id,
                section_id: t.section_id,
                auction_id: None,
            });
        }
        Ok(())
    }

    /// The project `body` registered by the tenderer and approved by staff: (project, section).
    async fn register(&mut self, body: Value) -> anyhow::Result<(String, String)> {
        let tenderer = self.t("tenderer").await?;
        let staff = self.t("staff").await?;
        let p = self
            .api
            .post_ok(&tenderer, "/api/v1/projects", body)
            .await?;
        let id = p["id"].as_str().unwrap_or_default().to_string();
        self.api
            .post_ok(
                &tenderer,
                &format!("/api/v1/projects/{id}/submit"),
                json!({}),
            )
            .await?;
        let a = self
            .api
            .post_ok(&staff, &format!("/api/v1/projects/{id}/approve"), json!({}))
            .await?;
        let sid = a["sections"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Ok((id, sid))
    }

    /// An announcement drafted by the tenderer (retried until publishing knows the project),
    /// submitted and approved by staff: published at once.
    async fn announce(
        &mut self,
        mut ann: Value,
        project: &str,
        section: &str,
    ) -> anyhow::Result<()> {
        ggzy_store::outbox::seal_all(&self.ctx.db).await.ok();
        ann["project_id"] = json!(project);
        ann["section_ids"] = json!([section]);
        let tenderer = self.t("tenderer").await?;
        let staff = self.t("staff").await?;
        let a = self
            .api
            .post_until(&tenderer, "/api/v1/announcements", ann, |s, v| {
                s == 422 && v.to_string().contains("announcement.project_unknown")
            })
            .await?;
        let id = a["id"].as_str().unwrap_or_default().to_string();
        self.api
            .post_ok(
                &tenderer,
                &format!("/api/v1/announcements/{id}/submit"),
                json!({}),
            )
            .await?;
        let v = self
            .api
            .post_ok(
                &staff,
                &format!("/api/v1/announcements/{id}/approve"),
                json!({}),
            )
            .await?;
        if v["status"] != "published" {
            bail!("announcement {id} not published: {v}");
        }
        ggzy_store::outbox::seal_all(&self.ctx.db).await.ok();
        Ok(())
    }

    async fn section_state(&mut self, project: &str, section: &str) -> anyhow::Result<String> {
        let staff = self.t("staff").await?;
        let p = self
            .api
            .get_ok(&staff, &format!("/api/v1/projects/{project}"))
            .await?;
        Ok(p["sections"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["id"] == section))
            .and_then(|s| s["state"].as_str())
            .unwrap_or_default()
            .to_string())
    }

    async fn wait_state(&mut self, t: &Tender, state: &str) -> anyhow::Result<()> {
        self.wait_section(&t.project_id, &t.section_id, state).await
    }

    async fn wait_section(
        &mut self,
        project: &str,
        section: &str,
        state: &str,
    ) -> anyhow::Result<()> {
        let mut last = String::new();
        // Openings decrypt every bid (slow on a busy machine).
        for () in patience() {
            ggzy_store::outbox::seal_all(&self.ctx.db).await.ok();
            last = self.section_state(project, section).await?;
            if last == state {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let keys: Vec<String> =
            sqlx::query("SELECT status FROM demo_sealed_bids WHERE section_id = $1")
                .bind(section)
                .fetch_all(self.ctx.db.pool())
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0).unwrap_or_default())
                .collect();
        bail!(
            "section {section} stayed {last}, expected {state} at {} (demo keys: {keys:?})",
            self.ctx.clock.now()
        )
    }

    /// `user` registers for `section` and pays its deposit into the virtual account by a signed
    /// bank callback.
    async fn register_and_pay(
        &mut self,
        user: &str,
        basic: &str,
        section: &str,
        deposit: &str,
    ) -> anyhow::Result<()> {
        let tok = self.t(user).await?;
        self.api
            .post_until(
                &tok,
                &format!("/api/v1/sections/{section}/registrations"),
                json!({}),
                |s, _| s == 409 || s == 404,
            )
            .await
            .with_context(|| format!("{user} registers"))?;
        ggzy_store::outbox::seal_all(&self.ctx.db).await.ok();
        let acc = self
            .api
            .post_until(
                &tok,
                "/api/v1/deposits/accounts",
                json!({"section_id": section}),
                |s, _| s == 404,
            )
            .await?;
        let body = json!({
            "transaction_id": format!("DEMO-{section}-{user}"),
            "account_no": acc["account_no"],
            "payer_account_no": basic,
            "payer_name": self.actors.get(user).and_then(|a| a["display_name"].as_str()).unwrap_or(user),
            "amount": deposit,
            "value_at": rfc(self.ctx.clock.now()),
        })
        .to_string();
        let bank = self.t("bank").await?;
        let key = self
            .ctx
            .settings
            .bank_hmac_key
            .as_ref()
            .ok_or_else(|| anyhow!("no bank key"))?
            .expose()
            .to_string();
        let ts = self.ctx.clock.now().timestamp().to_string();
        let sig = ggzy_deposits::http::sign(key.as_bytes(), &ts, body.as_bytes());
        let (s, v) = self
            .api
            .send(
                Method::POST,
                "/api/v1/bank/callbacks/transfers",
                Some(&bank),
                &[
                    ("content-type", "application/json".into()),
                    ("x-timestamp", ts),
                    ("x-signature", sig),
                ],
                Body::from(body),
            )
            .await?;
        if !(200..300).contains(&s) {
            bail!("bank callback for {user}: {s} {v}");
        }
        Ok(())
    }

    async fn tender(
        &mut self,
        market: &'static str,
        name: &'static str,
        stage: Stage,
        owner: (&str, &str),
    ) -> anyhow::Result<Tender> {
        let deadline = match stage {
            Stage::BiddingLive => live_deadline(),
            Stage::Bidding => future_deadline(),
            _ => past_deadline(),
        };
        let (estimate, deposit) = if market == "construction" {
            ("12800000.00", "200000.00")
        } else {
            ("3600000.00", "50000.00")
        };
        let issue = tenders_at();
        let sale_end = sh(2026, 5, 15, 17, 0);
        let body = json!({
            "name": name, "market": market, "procedure": "open_tender",
            "tenderer_uscc": owner.0, "tenderer_name": owner.1,
            "sections": [{"name": "一标段", "estimated_price": estimate, "deposit": deposit,
                "docs_issue_at": rfc(issue), "docs_sale_end_at": rfc(sale_end),
                "bid_deadline": rfc(deadline), "opening_at": rfc(deadline)}],
        });
        let (project_id, section_id) = self.register(body).await?;
        // The method is fixed by the documents issued with the announcement (评标规定 第十七条):
        // declared before it is published.
        self.declare_method(market, &section_id)
            .await
            .context("the evaluation method")?;
        let mut fields = json!({
            "project_name": name,
            "scope": if market == "construction" { "施工总承包，详见招标文件" } else { "货物及安装服务，详见采购文件" },
            "scale": format!("估算价 {estimate} 元"),
            "funding": "财政资金",
            "qualification_requirements": if market == "construction" { "市政公用工程施工总承包二级及以上" } else { "具有独立承担民事责任的能力（政府采购法 第22条）" },
            "consortium_accepted": false,
            "documents_access": "登录平台免费下载",
            "docs_available_at": rfc(issue),
            "bid_deadline": rfc(deadline),
            "submission_method": "电子投标（加密投标文件）",
            "tenderer_contact": format!("{}，大连市，0411-00000000；代理：大连诚信招标代理有限公司", owner.1),
            "platform_url": self.ctx.settings.public_url,
        });
        if market == "procurement" {
            fields["announcement_end_at"] = json!(rfc(sale_end));
        }
        let title = if market == "construction" {
            format!("{name}招标公告")
        } else {
            format!("{name}公开招标公告")
        };
        self.announce(
            json!({"market": market, "type": "tender", "title": title,
                   "body": format!("## 招标条件\n\n{name}已由大连市发展和改革委员会批准建设，资金已落实。\n\n*演示环境（SANDBOX）数据。*"),
                   "fields": fields}),
            &project_id,
            &section_id,
        )
        .await?;
        self.wait_section(&project_id, &section_id, "bidding")
            .await?;
        let mut prices: Vec<(String, String)> = Vec::new();
        if stage != Stage::Bidding {
            let base: i64 = if market == "construction" {
                12_400_000
            } else {
                3_420_000
            };
            for (i, (user, basic)) in BASIC.iter().enumerate() {
                self.register_and_pay(user, basic, &section_id, deposit)
                    .await?;
                let mut price = format!("{}.00", base + (i as i64 * 37 - 40) * 1000);
                let mut device = format!("demo-device-{user}");
                // Red flags for the supervisors' dashboard, raised by monitoring from the trades'
                // own events: identical prices (construction) and one device uploading two bids
                // (procurement) in the trades under evaluation.
                if stage == Stage::Evaluating && i == 2 {
                    if market == "construction" {
                        price = prices[1].1.clone();
                    } else {
                        device = "demo-device-bidder2".into();
                    }
                }
                self.upload_bid(user, &section_id, &price, i, &device)
                    .await?;
                prices.push((self.org(user), price));
            }
        } else {
            // Open for bids until 06-22: two bidders registered and paid, no bid yet.
            for (user, basic) in BASIC.iter().take(2) {
                self.register_and_pay(user, basic, &section_id, deposit)
                    .await?;
            }
        }
        Ok(Tender {
            market,
            name,
            stage,
            project_id,
            section_id,
            prices,
        })
    }

    /// The tenderer declares the section's evaluation method (评标办法) before the tender documents
    /// are issued (the announcement is published), through the
    /// API the tenderer's method page uses: the comprehensive method (综合评估法) for both markets —
    /// construction with a base price at the mean of the bids less 2 % (deviation scoring),
    /// procurement with the lowest-price ratio its rules require (87号令 第五十五条). Retried while
    /// the evaluation area has not yet learnt the section from the projects area's events.
    async fn declare_method(&mut self, market: &str, section_id: &str) -> anyhow::Result<()> {
        let (criteria, formula) = if market == "construction" {
            (
                json!([
                    {"code": "price", "name": "投标报价", "max_points": "30", "is_price": true},
                    {"code": "technical", "name": "技术标", "max_points": "50",
                     "guidance": "施工组织设计、工期与进度计划、质量与安全保证措施"},
                    {"code": "commercial", "name": "商务标", "max_points": "20",
                     "guidance": "类似工程业绩、企业信誉、财务状况"},
                ]),
                json!({"base": {"kind": "mean", "k": "0.02", "drop_extremes_from": 5},
                       "e_above": "1", "e_below": "0.5"}),
            )
        } else {
            (
                json!([
                    {"code": "price", "name": "价格", "max_points": "30", "is_price": true},
                    {"code": "technical", "name": "技术与服务方案", "max_points": "50",
                     "guidance": "技术参数响应、实施与售后服务方案"},
                    {"code": "commercial", "name": "商务", "max_points": "20",
                     "guidance": "同类项目业绩、履约能力"},
                ]),
                json!({"kind": "lowest_ratio", "base": {"kind": "lowest"}}),
            )
        };
        let body = json!({"method": "comprehensive", "criteria": criteria,
                          "price_formula": formula, "outlier_share": "0.2"});
        let tenderer = self.t("tenderer").await?;
        let path = format!("/api/v1/sections/{section_id}/evaluation-method");
        for () in patience() {
            let (s, v) = self
                .api
                .json(Method::PUT, &path, Some(&tenderer), &body)
                .await?;
            if s == 404 {
                ggzy_store::outbox::seal_all(&self.ctx.db).await.ok();
                tokio::time::sleep(Duration::from_millis(30)).await;
                continue;
            }
            if s != 200 {
                bail!("PUT {path}: {s} {v}");
            }
            return Ok(());
        }
        bail!("PUT {path}: the evaluation area never learnt the section")
    }

    /// `user` seals a bid package with a fresh key (kept by the demo) and uploads it.
    async fn upload_bid(
        &mut self,
        user: &str,
        section: &str,
        price: &str,
        i: usize,
        device: &str,
    ) -> anyhow::Result<()> {
        let (suite, klen) = if i == 1 {
            (Suite::Sm4GcmSm3, 16)
        } else {
            (Suite::Aes256GcmSha256, 32)
        };
        let key = hex::decode(ggzy_core::ids::random_hex(klen))?;
        let mut prefix = [0u8; 7];
        prefix.copy_from_slice(&hex::decode(ggzy_core::ids::random_hex(7))?);
        let doc = format!("%PDF-1.7 投标文件（演示） {user} {price}");
        let plain = plaintext(suite, price, &[("投标文件.pdf", doc.as_bytes())]);
        let sealed = seal(suite, &key, &prefix, &plain).map_err(|e| anyhow!("{e}"))?;
        let tok = self.t(user).await?;
        let (s, v) = self
            .api
            .send(
                Method::PUT,
                &format!("/api/v1/sections/{section}/bids/mine"),
                Some(&tok),
                &[
                    ("content-type", "application/octet-stream".into()),
                    ("x-bid-digest", sealed.digest.clone()),
                    ("x-device-fingerprint", device.to_string()),
                ],
                Body::from(sealed.ciphertext),
            )
            .await?;
        if s != 201 {
            bail!("{user} uploads a bid: {s} {v}");
        }
        let actor = self.actors.get(user).cloned().unwrap_or_default();
        keep_key(&self.ctx, section, &actor, &key).await
    }

    /// Staff enter the committee's result (lowest price first), publicity 3 days.
    async fn result(&mut self, t: &Tender) -> anyhow::Result<()> {
        let staff = self.t("staff").await?;
        let ranking: Vec<Value> = ranked(&t.prices)
            .into_iter()
            .zip(["94.50", "91.00", "88.25"])
            .map(|((org, price), score)| json!({"org_id": org, "price": price, "score": score}))
            .collect();
        // The committee is drawn from the pool first (a result names its committee, 招标投标法 37):
        // a real draw for a session starting within the hour, each trade in its own specialty.
        let (_, p) = self
            .api
            .get(Some(&staff), &format!("/api/v1/projects/{}", t.project_id))
            .await?;
        let tenderer_uscc = p["tenderer_uscc"].as_str().unwrap_or_default().to_string();
        // Avoidance (回避) of every party: the agency and the bidders' own experts too.
        let admin = self.t("admin").await?;
        let (_, orgs) = self.api.get(Some(&admin), "/api/v1/organizations").await?;
        let bidder_usccs: Vec<Value> = orgs
            .as_array()
            .or_else(|| orgs["items"].as_array())
            .map(|a| {
                a.iter()
                    .filter(|o| o["kind"] == "bidder")
                    .map(|o| o["uscc"].clone())
                    .collect()
            })
            .unwrap_or_default();
        let agency_uscc = ggzy_core::ident::Uscc::with_check("91210200MA0000003")
            .map(|u| u.to_string())
            .unwrap_or_default();
        self.draws += 1;
        let specialty = ["A08.02", "A08.01", "B01", "C03"][self.draws % 4];
        let now = self.ctx.clock.now();
        // A draw the operator cannot steer (docs/experts.md): staff request it (the centre's secret
        // committed), the supervisor commits a secret of their own, then reveals it and the draw runs.
        let request = self
            .api
            .post_ok(
                &staff,
                "/api/v1/experts/draw-requests",
                json!({"section_id": t.section_id, "tenderer_uscc": tenderer_uscc,
                       "agency_uscc": agency_uscc, "bidder_usccs": bidder_usccs,
                       "session_start": rfc(now + chrono::Duration::hours(1)),
                       "session_end": rfc(now + chrono::Duration::hours(6)),
                       "specialties": [{"specialty": specialty, "count": 5, "backups": 2}]}),
            )
            .await
            .context("the committee's draw request")?;
        let request_id = request["id"].as_str().unwrap_or_default().to_string();
        let supervisor = self.t("supervisor").await?;
        let secret = ggzy_core::ids::random_hex(32);
        let commitment = ggzy_core::ids::sha256_hex(&hex::decode(&secret)?);
        self.api
            .post_ok(
                &supervisor,
                &format!("/api/v1/experts/draw-requests/{request_id}/supervisor-commitment"),
                json!({ "commitment": commitment }),
            )
            .await
            .context("the supervisor's commitment")?;
        let draw = self
            .api
            .post_ok(
                &supervisor,
                &format!("/api/v1/experts/draw-requests/{request_id}/supervisor-reveal"),
                json!({ "secret": secret }),
            )
            .await
            .context("the committee's draw")?;
        let body = json!({"report_ref": format!("PBBG-DEMO-{}", &t.section_id[t.section_id.len().saturating_sub(6)..]),
                          "ranking": ranking, "publicity_days": 3, "committee_draw_id": draw["id"]});
        // The projects area learns the committee from the experts area's event: retry until it has.
        self.api
            .post_until(
                &staff,
                &format!("/api/v1/sections/{}/evaluation-result", t.section_id),
                body,
                |s, v| s == 422 && v.to_string().contains("result.committee_unknown"),
            )
            .await?;
        Ok(())
    }

    /// A land lot sold by listing: registered, its transfer announcement published (2026-04-30),
    /// bidder1 and bidder2 registered and paid, the listing created by staff (from 05-20 to
    /// `end`). Returns the auction id.
    async fn land(&mut self, name: &str, end: Timestamp, stage: Stage) -> anyhow::Result<String> {
        let start = sh(2026, 5, 20, 10, 0);
        let deposit = "6000000.00";
        let project = json!({"name": name, "market": "land", "procedure": "listing",
            "tenderer_uscc": "91110000802100433B", "tenderer_name": "大连市自然资源局",
            "sections": [{"name": "地块", "estimated_price": "30000000.00", "deposit": deposit,
                "docs_issue_at": rfc(seed_at()), "docs_sale_end_at": rfc(sh(2026, 5, 8, 17, 0)),
                "bid_deadline": rfc(end), "opening_at": rfc(end)}]});
        let (project_id, section_id) = self.register(project).await?;
        self.announce(
            json!({"market": "land", "type": "land_transfer", "title": format!("{name}挂牌出让公告"),
                "body": "经大连市人民政府批准，大连市自然资源局决定以挂牌方式出让下列地块。\n\n*演示环境（SANDBOX）数据。*",
                "fields": {"transferor": "大连市自然资源局", "parcel": name,
                    "bidder_qualification": "中华人民共和国境内外的法人和其他组织", "documents_access": "平台下载",
                    "trading_method": "挂牌", "start_price": "30000000.00", "deposit": deposit,
                    "docs_available_at": rfc(seed_at()), "trading_start_at": rfc(start)}}),
            &project_id,
            &section_id,
        )
        .await?;
        self.wait_section(&project_id, &section_id, "bidding")
            .await?;
        for (user, basic) in BASIC.iter().take(2) {
            self.register_and_pay(user, basic, &section_id, deposit)
                .await?;
        }
        let staff = self.t("staff").await?;
        let a = self
            .api
            .post_until(
                &staff,
                "/api/v1/auctions",
                json!({"section_id": section_id, "listing_start": rfc(start), "listing_end": rfc(end),
                       "starting_price": "30000000.00", "increment": "500000.00",
                       "free_bid_minutes": 120, "extension_minutes": 5, "appraisal_value": "30000000.00"}),
                |s, v| s == 404 || (s == 422 && v.to_string().contains("auctions.announcement_published")),
            )
            .await?;
        let id = a["id"].as_str().unwrap_or_default().to_string();
        // 竞买资格确认 (39号令 第二十条): staff confirm both bidders before they quote (once the
        // auctions area numbered them).
        for (user, _) in BASIC.iter().take(2) {
            let org = self.org(user);
            self.api
                .post_until(
                    &staff,
                    &format!("/api/v1/auctions/{id}/eligibility"),
                    json!({"org_id": org}),
                    |s, v| s == 422 && v.to_string().contains("auctions.eligibility_bidder"),
                )
                .await
                .with_context(|| format!("eligibility of {user}"))?;
        }
        self.trades.push(SeededTrade {
            market: "land",
            name: name.to_string(),
            stage,
            project_id,
            section_id,
            auction_id: Some(id.clone()),
        });
        Ok(id)
    }

    /// A property disclosure (信息披露) published 2026-05-06, until 06-05; two buyers registered.
    async fn property(&mut self) -> anyhow::Result<()> {
        let name = "大连港湾物流有限公司 100% 股权转让（演示）";
        let end = sh(2026, 6, 5, 18, 0);
        let deposit = "1000000.00";
        let project = json!({"name": name, "market": "property", "procedure": "listing",
            "tenderer_uscc": uscc(300), "tenderer_name": "大连港湾集团有限公司",
            "sections": [{"name": "100% 股权", "estimated_price": "18000000.00", "deposit": deposit,
                "docs_issue_at": rfc(tenders_at()), "docs_sale_end_at": rfc(sh(2026, 5, 15, 17, 0)),
                "bid_deadline": rfc(end), "opening_at": rfc(end)}]});
        let (project_id, section_id) = self.register(project).await?;
        self.announce(
            json!({"market": "property", "type": "property_disclosure", "title": format!("{name}信息披露公告"),
                "body": "转让方拟转让所持标的企业 100% 股权。\n\n*演示环境（SANDBOX）数据。*",
                "fields": {"subject": "大连港湾物流有限公司 100% 股权", "transferor": "大连港湾集团有限公司",
                    "approval": "大连市国资委批复（演示）", "buyer_qualification": "依法存续的企业法人",
                    "floor_price": "18000000.00", "disclosure_end_at": rfc(end)}}),
            &project_id,
            &section_id,
        )
        .await?;
        self.wait_section(&project_id, &section_id, "bidding")
            .await?;
        for (user, basic) in BASIC.iter().take(2) {
            self.register_and_pay(user, basic, &section_id, deposit)
                .await?;
        }
        self.trades.push(SeededTrade {
            market: "property",
            name: name.to_string(),
            stage: Stage::Disclosure,
            project_id,
            section_id,
            auction_id: None,
        });
        Ok(())
    }

    /// 60 experts in 4 specialties at 10 employers (two specialties each, so every specialty has 3
    /// experts at each of the 10 employers: three draws of up to 10 for one tenderer in a row still
    /// find one per employer after the recently-drawn avoidance), and 4 at the demo tenderer and
    /// bidders (always avoided);
    /// logins expert1…3 (大连理工大学, from `demo::seed`) and expert4…8 (five more employers)
    /// linked to expert records.
    async fn experts(&mut self) -> anyhow::Result<()> {
        let admin = self.t("admin").await?;
        let staff = self.t("staff").await?;
        // Employer organizations for the new expert logins (大连理工大学 is demo::seed's "experts").
        let mut login_orgs: Vec<(String, String)> = Vec::new();
        for (k, n) in (4..=8u32).enumerate() {
            let o = self
                .api
                .post_ok(
                    &admin,
                    "/api/v1/organizations",
                    json!({"uscc": uscc(100 + k as u32 + 1), "name": EMPLOYERS[k + 1], "kind": "expert_employer",
                           "region": "210200"}),
                )
                .await?;
            let username = format!("expert{n}");
            let pw = self
                .passwords
                .get("expert1")
                .cloned()
                .unwrap_or_else(|| ggzy_core::ids::random_hex(8));
            // Accounts outside the centre come from an invitation (the administrator creates centre
            // accounts only, docs/security.md): staff invite, the expert accepts.
            let org_id = o["id"].as_str().unwrap_or_default().to_string();
            let inv = self
                .api
                .post_ok(
                    &staff,
                    &format!("/api/v1/organizations/{org_id}/invitations"),
                    json!({"role": "expert"}),
                )
                .await?;
            let accept = json!({"code": inv["code"], "username": username, "password": pw});
            let (s, v) = self
                .api
                .json(Method::POST, "/api/v1/invitations/accept", None, &accept)
                .await?;
            if s != 201 {
                bail!("POST /api/v1/invitations/accept: {s} {v}");
            }
            self.passwords.insert(username.clone(), pw);
            login_orgs.push((username, o["id"].as_str().unwrap_or_default().to_string()));
        }
        let mut linked = 0;
        // Four more work for the demo tenderer and bidders: every draw for a demo trade must
        // avoid them (回避, 招标投标法 37 / 实施条例 46), and its answer names why.
        let conflicted: [(u32, &str); 4] = [
            (2, "大连市市政建设管理处"),
            (4, "大连第一建筑工程有限公司"),
            (5, "辽宁路桥建设集团有限公司"),
            (6, "大连海湾市政工程有限公司"),
        ];
        for n in 0..64u32 {
            let employer = (n % 10) as usize;
            // 大连理工大学 is demo uscc 9; the others 101…109.
            let (employer_uscc, employer_name) = if n >= 60 {
                let (u, name) = conflicted[(n - 60) as usize];
                (uscc(u), name)
            } else if employer == 0 {
                (uscc(9), EMPLOYERS[0])
            } else {
                (uscc(100 + employer as u32), EMPLOYERS[employer])
            };
            let specialties: Vec<&str> = if n >= 60 {
                SPECIALTIES.to_vec()
            } else {
                vec![
                    SPECIALTIES[(n % 4) as usize],
                    SPECIALTIES[((n + 1) % 4) as usize],
                ]
            };
            let body = json!({
                "name": format!("{}{}", ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"][(n % 8) as usize],
                                ["建国", "海波", "丽娟", "志强", "晓东", "文静", "国庆", "雪梅", "振华", "立新", "春生"][(n / 4 % 11) as usize]),
                "resident_id": resident_id(n + 1),
                "employer_uscc": employer_uscc,
                "employer_name": employer_name,
                "specialties": specialties,
                "title": if n % 3 == 0 { "full_senior" } else { "senior" },
                "years": 8 + (n % 17),
                "region": "210200",
                "phone": format!("1390411{n:04}"),
                // The government procurement pool (政采条例 39): every employer keeps experts of
                // every specialty in it (n < 40); experts 40…59 are in the general pool only.
                "procurement_pool": !(40..60).contains(&n),
            });
            let e = self.api.post_ok(&staff, "/api/v1/experts", body).await?;
            self.experts += 1;
            // expert1…3 at employer 0 (n = 0, 10, 20); expert4…8 at employers 1…5 (n = 1…5).
            let login = match n {
                0 => Some("expert1".to_string()),
                10 => Some("expert2".to_string()),
                20 => Some("expert3".to_string()),
                1..=5 => Some(format!("expert{}", n + 3)),
                _ => None,
            };
            if let Some(username) = login {
                let tok = self.t(&username).await?;
                let me = self.api.get_ok(&tok, "/api/v1/auth/me").await?;
                let id = e["id"].as_str().unwrap_or_default();
                let body = json!({"user_id": me["user_id"], "email": format!("{username}@demo.ggzy.example.cn")});
                let mut answer = (0, Value::Null);
                for () in patience() {
                    // The experts area learns the login from identity's event: retry until it has.
                    ggzy_store::outbox::seal_all(&self.ctx.db).await.ok();
                    answer = self
                        .api
                        .json(
                            Method::PUT,
                            &format!("/api/v1/experts/{id}/account"),
                            Some(&staff),
                            &body,
                        )
                        .await?;
                    if answer.0 == 200 || !(answer.0 == 404 || answer.0 == 422) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
                if answer.0 != 200 {
                    bail!("link {username} to expert {id}: {} {}", answer.0, answer.1);
                }
                linked += 1;
            }
        }
        if linked != 8 {
            bail!("{linked} expert logins linked, expected 8");
        }
        let _ = login_orgs;
        Ok(())
    }

    /// Rooms (opening hall, isolated evaluation rooms, negotiation room, auction hall) and their
    /// bookings for the coming week (June 1–5): the live tender's opening and evaluation, the
    /// evaluation of the tender in evaluation, a negotiation and the land auction's hall.
    async fn venues(&mut self, tenders: &[Tender]) -> anyhow::Result<()> {
        let staff = self.t("staff").await?;
        let mut rooms = HashMap::new();
        for (key, body) in [
            (
                "hall",
                json!({"kind": "opening_hall", "name": "开标厅 A", "floor": 1, "capacity": 80,
                            "equipment": ["projector", "recording"], "opens": "08:00", "closes": "18:00"}),
            ),
            (
                "eval1",
                json!({"kind": "evaluation_room", "name": "评标室 501", "floor": 5, "capacity": 12,
                             "isolated": true, "equipment": ["terminals", "recording", "signal_shielding"],
                             "opens": "08:00", "closes": "20:00"}),
            ),
            (
                "eval2",
                json!({"kind": "evaluation_room", "name": "评标室 502", "floor": 5, "capacity": 9,
                             "isolated": true, "equipment": ["terminals", "recording"],
                             "opens": "08:00", "closes": "20:00"}),
            ),
            (
                "nego",
                json!({"kind": "negotiation_room", "name": "谈判室 301", "floor": 3, "capacity": 10,
                            "equipment": ["projector"], "opens": "08:00", "closes": "18:00"}),
            ),
            (
                "auction",
                json!({"kind": "auction_hall", "name": "拍卖厅", "floor": 2, "capacity": 120,
                               "equipment": ["screen", "recording"], "opens": "08:00", "closes": "18:00"}),
            ),
        ] {
            let r = self.api.post_ok(&staff, "/api/v1/rooms", body).await?;
            rooms.insert(key, r["id"].as_str().unwrap_or_default().to_string());
        }
        let sec = |stage: Stage, market: &str| {
            tenders
                .iter()
                .find(|t| t.stage == stage && t.market == market)
                .map(|t| t.section_id.clone())
                .unwrap_or_default()
        };
        let land = self
            .trades
            .iter()
            .find(|t| t.market == "land")
            .map(|t| t.section_id.clone())
            .unwrap_or_default();
        let bookings = [
            (
                "hall",
                sec(Stage::BiddingLive, "construction"),
                "opening",
                sh(2026, 6, 1, 14, 0),
                sh(2026, 6, 1, 16, 0),
                0,
                0,
                true,
            ),
            (
                "eval1",
                sec(Stage::BiddingLive, "construction"),
                "evaluation",
                sh(2026, 6, 2, 9, 0),
                sh(2026, 6, 2, 17, 0),
                7,
                2,
                true,
            ),
            (
                "eval2",
                sec(Stage::Evaluating, "construction"),
                "evaluation",
                sh(2026, 6, 1, 9, 0),
                sh(2026, 6, 1, 17, 0),
                5,
                2,
                true,
            ),
            (
                "eval2",
                sec(Stage::Evaluating, "procurement"),
                "evaluation",
                sh(2026, 6, 3, 9, 0),
                sh(2026, 6, 3, 17, 0),
                5,
                1,
                true,
            ),
            (
                "nego",
                sec(Stage::Bidding, "procurement"),
                "negotiation",
                sh(2026, 6, 4, 10, 0),
                sh(2026, 6, 4, 12, 0),
                0,
                0,
                false,
            ),
            (
                "auction",
                land,
                "auction",
                sh(2026, 6, 5, 9, 30),
                sh(2026, 6, 5, 11, 30),
                0,
                0,
                false,
            ),
        ];
        for (room, section, purpose, start, end, committee, staff_n, confirm) in bookings {
            let b = self
                .api
                .post_ok(
                    &staff,
                    "/api/v1/bookings",
                    json!({"room_id": rooms[room], "section_id": section, "purpose": purpose,
                           "start": rfc(start), "end": rfc(end),
                           "committee_size": committee, "staff_count": staff_n}),
                )
                .await
                .with_context(|| format!("booking {room} {purpose}"))?;
            if confirm {
                let id = b["id"].as_str().unwrap_or_default();
                self.api
                    .post_ok(&staff, &format!("/api/v1/bookings/{id}/confirm"), json!({}))
                    .await?;
            }
        }
        Ok(())
    }
}

/// Bids (org, price) lowest price first: the committee's ranking under the lowest evaluated price
/// method (经评审的最低投标价法).
fn ranked(prices: &[(String, String)]) -> Vec<(String, String)> {
    let mut v = prices.to_vec();
    v.sort_by_key(|p| p.1.parse::<rust_decimal::Decimal>().unwrap_or_default());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeline_respects_the_legal_periods() {
        // Construction / procurement: at least 20 days from documents to deadline.
        assert!(past_deadline() - tenders_at() >= chrono::Duration::days(20));
        assert!(live_deadline() - tenders_at() >= chrono::Duration::days(20));
        // Land: the listing starts 20 days after the announcement and lasts 10 days.
        assert!(sh(2026, 5, 20, 10, 0) - seed_at() >= chrono::Duration::days(20));
        assert!(sh(2026, 6, 1, 8, 50) - sh(2026, 5, 20, 10, 0) >= chrono::Duration::days(10));
        // The live tender closes after the sandbox starts.
        assert!(live_deadline() > crate::sandbox::demo_start());
    }
}
