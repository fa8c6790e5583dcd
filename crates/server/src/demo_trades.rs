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
        // The seeding signed in about forty times; argon2's kept working memory (19 MiB a block)
        // would stay resident in an idle sandbox until the first real sign-in.
        let released = ggzy_identity::hash::release_spare_blocks();
        tracing::debug!(
            blocks = released,
            "demo: argon2 working memory released after seeding"
        );
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

mod api;
mod experts;
mod keys;
mod land;
mod property;
mod seeder;
mod tenders;
mod venues;

pub use api::*;
pub use keys::*;
pub use seeder::*;

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
