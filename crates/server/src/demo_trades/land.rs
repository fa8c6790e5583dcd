//! The land market's demo trade: a listing (挂牌) and its online auction.

use super::*;

impl Seeder {
    /// A land lot sold by listing: registered, its transfer announcement published (2026-04-30),
    /// bidder1 and bidder2 registered and paid, the listing created by staff (from 05-20 to
    /// `end`). Returns the auction id.
    pub(super) async fn land(
        &mut self,
        name: &str,
        end: Timestamp,
        stage: Stage,
    ) -> anyhow::Result<String> {
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
}
