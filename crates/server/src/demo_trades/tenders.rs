//! Construction and procurement tenders: registration, announcement, sealed bids and results.

use super::*;

impl Seeder {
    pub(super) async fn tender(
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
    pub(super) async fn result(&mut self, t: &Tender) -> anyhow::Result<()> {
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
        // The projects area learns the committee from the experts area's event: it waits for it,
        // then says "not yet" (409); retry until it has.
        self.api
            .post_until(
                &staff,
                &format!("/api/v1/sections/{}/evaluation-result", t.section_id),
                body,
                |s, v| s == 409 && v.to_string().contains("result.committee_not_caught_up"),
            )
            .await?;
        Ok(())
    }
}
