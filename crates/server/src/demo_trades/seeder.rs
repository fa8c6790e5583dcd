//! The seeding: the seeder, its sessions, the clock travel, the timeline and the steps every market shares.

use super::*;

pub(super) const SPECIALTIES: [&str; 4] = ["A08.02", "A08.01", "B01", "C03"];
pub(super) const EMPLOYERS: [&str; 10] = [
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
pub(super) const BASIC: [(&str, &str); 3] = [
    ("bidder1", "21050161000000000004"),
    ("bidder2", "21050161000000000005"),
    ("bidder3", "21050161000000000006"),
];

pub(super) fn uscc(n: u32) -> String {
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

pub(super) fn resident_id(n: u32) -> String {
    ResidentId::with_check(&format!("21020219700101{n:03}"))
        .map(|r| r.as_str().to_string())
        .unwrap_or_default()
}

pub(super) struct Tender {
    pub(super) market: &'static str,
    pub(super) name: &'static str,
    pub(super) stage: Stage,
    pub(super) project_id: String,
    pub(super) section_id: String,
    pub(super) prices: Vec<(String, String)>,
}

pub struct Seeder {
    /// Committee draws made so far (each result's draw takes the next specialty).
    pub(super) draws: usize,
    pub(super) ctx: Ctx,
    pub(super) api: Api,
    pub(super) passwords: HashMap<String, String>,
    pub(super) tokens: HashMap<String, String>,
    pub(super) actors: HashMap<String, Value>,
    pub trades: Vec<SeededTrade>,
    pub experts: usize,
}

impl Seeder {
    pub(super) fn new(ctx: &Ctx, router: Router, logins: &[DemoLogin]) -> Self {
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
    pub(super) async fn t(&mut self, user: &str) -> anyhow::Result<String> {
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

    pub(super) fn org(&self, user: &str) -> String {
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

    pub(super) async fn run(&mut self) -> anyhow::Result<()> {
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
    pub(super) async fn register(&mut self, body: Value) -> anyhow::Result<(String, String)> {
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
    pub(super) async fn announce(
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
                // Publishing waits for its copy of the project, then says "not yet" (409).
                s == 409 && v.to_string().contains("announcement.project_not_caught_up")
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

    pub(super) async fn wait_section(
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
        let keys: Vec<String> = sqlx::query_scalar::<_, Option<String>>(
            "SELECT status FROM demo_sealed_bids WHERE section_id = $1",
        )
        .bind(section)
        .fetch_all(self.ctx.db.pool())
        .await?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
        bail!(
            "section {section} stayed {last}, expected {state} at {} (demo keys: {keys:?})",
            self.ctx.clock.now()
        )
    }

    /// `user` registers for `section` and pays its deposit into the virtual account by a signed
    /// bank callback.
    pub(super) async fn register_and_pay(
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
}

/// Bids (org, price) lowest price first: the committee's ranking under the lowest evaluated price
/// method (经评审的最低投标价法).
pub(super) fn ranked(prices: &[(String, String)]) -> Vec<(String, String)> {
    let mut v = prices.to_vec();
    v.sort_by_key(|p| p.1.parse::<rust_decimal::Decimal>().unwrap_or_default());
    v
}
