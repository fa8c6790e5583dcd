//! Rooms and bookings for the demo week.

use super::*;

impl Seeder {
    /// Rooms (opening hall, isolated evaluation rooms, negotiation room, auction hall) and their
    /// bookings for the coming week (June 1–5): the live tender's opening and evaluation, the
    /// evaluation of the tender in evaluation, a negotiation and the land auction's hall.
    pub(super) async fn venues(&mut self, tenders: &[Tender]) -> anyhow::Result<()> {
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
