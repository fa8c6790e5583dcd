//! The property market's demo trade: a published disclosure (信息披露) with two buyers.

use super::*;

impl Seeder {
    /// A property disclosure (信息披露) published 2026-05-06, until 06-05; two buyers registered.
    pub(super) async fn property(&mut self) -> anyhow::Result<()> {
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
}
