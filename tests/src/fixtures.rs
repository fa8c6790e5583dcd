//! Fixtures shared by the API tests: events emitted as another area would, waiting for a consumer,
//! reading the outbox, and a construction project brought through the real API to the state a test
//! starts from (registered, open for bidding, bidders registered). Each helper asserts every status
//! on its way, so a fixture that goes wrong fails the test that uses it.

use crate::TestApp;
use chrono::{DateTime, Utc};
use ggzy_core::events::{ActorRef, NewEvent};
use ggzy_store::consumer;
use serde_json::{json, Value};
use sqlx::Row;
use std::time::Duration;

/// The demo tenderer's organization (91110000802100433B, 大连市市政建设管理处).
pub const TENDERER_USCC: &str = "91110000802100433B";
pub const TENDERER_NAME: &str = "大连市市政建设管理处";

/// Dev default of GGZY_BANK_HMAC_KEY (docs/deposits.md): the key bank callbacks are signed with.
pub const BANK_KEY: &[u8] = b"ggzy-dev-bank-hmac-key";

/// HMAC-SHA256 of `msg` under `key`, lower-case hex (the bank callbacks' `X-Signature`).
pub fn hmac_sha256_hex(key: &[u8], msg: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
    mac.update(msg);
    hex::encode(mac.finalize().into_bytes())
}

/// The answer has `status` and names `rule` (a conflict or refusal of the whole request).
#[track_caller]
pub fn assert_rule(s: u16, v: &Value, status: u16, rule: &str) {
    assert_eq!((s, v["rule"].as_str()), (status, Some(rule)), "{v}");
}

/// The answer has `status` and its first field error names `rule`.
#[track_caller]
pub fn assert_first_error(s: u16, v: &Value, status: u16, rule: &str) {
    assert_eq!(
        (s, v["errors"][0]["rule"].as_str()),
        (status, Some(rule)),
        "{v}"
    );
}

/// The answer is a 409 whose detail mentions `what` (e.g. the state the resource is in).
#[track_caller]
pub fn assert_conflict(s: u16, v: &Value, what: &str) {
    assert_eq!(s, 409, "{v}");
    assert!(
        v["detail"].as_str().unwrap_or_default().contains(what),
        "{v}"
    );
}

/// An RFC 3339 time as a UTC instant.
pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("RFC 3339 time")
        .with_timezone(&Utc)
}

/// An open-tender project of the demo tenderer with one section: estimate 10,000,000.00, deposit
/// 200,000.00 (2 %), documents issued 2026-03-02 09:00 and sold until `docs_sale_end_at`, bids due
/// and opened at `deadline`.
pub fn one_section_project(
    name: &str,
    market: &str,
    docs_sale_end_at: &str,
    deadline: &str,
) -> Value {
    json!({
        "name": name,
        "market": market,
        "procedure": "open_tender",
        "tenderer_uscc": TENDERER_USCC,
        "tenderer_name": TENDERER_NAME,
        "sections": [{
            "name": "一标段",
            "estimated_price": "10000000.00",
            "deposit": "200000.00",
            "docs_issue_at": "2026-03-02T09:00:00+08:00",
            "docs_sale_end_at": docs_sale_end_at,
            "bid_deadline": deadline,
            "opening_at": deadline,
        }],
    })
}

/// The road project most tests use: construction, documents sold until Monday 2026-03-09 17:00
/// (the 5th day, Saturday 03-07, is a day off: 民法典 203).
pub fn road_project(name: &str, deadline: &str) -> Value {
    one_section_project(name, "construction", "2026-03-09T17:00:00+08:00", deadline)
}

/// A project registered through the API (created by the tenderer, submitted, approved by staff).
pub struct Registered {
    pub project_id: String,
    pub section_id: String,
    /// Tokens of the demo tenderer and staff user.
    pub tenderer: String,
    pub staff: String,
    /// The approval's answer (the project with its sections).
    pub approved: Value,
}

impl TestApp {
    /// A committee draw the only way there is (two-step, docs/experts.md): `staff` request it
    /// (`POST /api/v1/experts/draw-requests` with `request`), then [`Self::complete_draw_request`]
    /// by `supervisor`. Answers `(201, draw)`, or the status and body of the first step that
    /// refused (a refused request writes nothing; a refused reveal, e.g. `draw.too_few_experts`,
    /// leaves the request abandoned by `staff`, as the centre would, so the section can be
    /// requested again).
    pub async fn two_step_draw(
        &self,
        staff: &str,
        supervisor: &str,
        request: Value,
    ) -> (u16, Value) {
        let (s, r) = self
            .post(Some(staff), "/api/v1/experts/draw-requests", request)
            .await;
        if s != 201 {
            return (s, r);
        }
        let id = r["id"].as_str().expect("draw request id").to_string();
        let (s, d) = self.complete_draw_request(supervisor, &id).await;
        if s != 201 {
            self.post_expect(
                staff,
                &format!("/api/v1/experts/draw-requests/{id}/abandon"),
                json!({"reason": format!("the draw was refused: {}", d["detail"])}),
                200,
            )
            .await;
        }
        (s, d)
    }

    /// Steps 2 and 3 of an open draw request by `supervisor`: commit sha256 of a secret, then
    /// reveal it (the draw runs). The commitment is asserted; the reveal's status and body are
    /// answered (`201` and the draw).
    pub async fn complete_draw_request(&self, supervisor: &str, id: &str) -> (u16, Value) {
        use sha2::{Digest, Sha256};
        let secret = Sha256::digest(format!("fixture supervisor secret {id}").as_bytes());
        let c = self
            .post_expect(
                supervisor,
                &format!("/api/v1/experts/draw-requests/{id}/supervisor-commitment"),
                json!({"commitment": hex::encode(Sha256::digest(secret))}),
                200,
            )
            .await;
        assert_eq!(c["waiting_for"], "supervisor_reveal", "{c}");
        self.post(
            Some(supervisor),
            &format!("/api/v1/experts/draw-requests/{id}/supervisor-reveal"),
            json!({"secret": hex::encode(secret)}),
        )
        .await
    }

    /// The draw request venues' session `session_id` opened (the `experts.events` consumer must
    /// have read `venues.session.scheduled`), as `GET /api/v1/experts/draw-requests` lists it.
    pub async fn draw_request_of_session(&self, reader: &str, session_id: &str) -> Option<Value> {
        let list = self
            .get_expect(reader, "/api/v1/experts/draw-requests", 200)
            .await;
        list.as_array()
            .expect("draw requests")
            .iter()
            .find(|r| r["session_id"] == session_id)
            .cloned()
    }

    /// POST with a token and assert the status; the answer's body.
    pub async fn post_expect(&self, token: &str, path: &str, body: Value, status: u16) -> Value {
        let (s, v) = self.post(Some(token), path, body).await;
        assert_eq!(s, status, "POST {path}: {v}");
        v
    }

    /// GET with a token and assert the status; the answer's body.
    pub async fn get_expect(&self, token: &str, path: &str, status: u16) -> Value {
        let (s, v) = self.get(Some(token), path).await;
        assert_eq!(s, status, "GET {path}: {v}");
        v
    }

    /// POST `{}` to every `(token, path)` at the same time; the answers in the order they came.
    pub async fn post_all_at_once(&self, calls: Vec<(String, String)>) -> Vec<(u16, Value)> {
        let mut set = tokio::task::JoinSet::new();
        for (token, path) in calls {
            let request = self
                .client
                .post(self.url(&path))
                .bearer_auth(token)
                .json(&json!({}));
            set.spawn(
                async move { crate::into_parts(request.send().await.expect("request")).await },
            );
        }
        let mut answers = Vec::new();
        while let Some(r) = set.join_next().await {
            answers.push(r.expect("request task"));
        }
        answers
    }

    /// POST `{}` to `/api/v1/projects/{id}/{step}` (`submit`, `approve`, …) with a token.
    pub async fn project_step(&self, token: &str, id: &str, step: &str) -> (u16, Value) {
        self.post_empty(token, &format!("/api/v1/projects/{id}/{step}"))
            .await
    }

    /// POST `{}` to `path` with a token.
    pub async fn post_empty(&self, token: &str, path: &str) -> (u16, Value) {
        self.post(Some(token), path, json!({})).await
    }

    /// A bank callback: POST the JSON `body` to `path` with the bank's token, `X-Timestamp: ts`
    /// and `X-Signature` = HMAC-SHA256 of `"{ts}.{body}"` under `key`.
    pub async fn bank_post(
        &self,
        token: &str,
        path: &str,
        body: &str,
        ts: i64,
        key: &[u8],
    ) -> (u16, Value) {
        let ts = ts.to_string();
        let sig = hmac_sha256_hex(key, format!("{ts}.{body}").as_bytes());
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .header("X-Timestamp", ts)
            .header("X-Signature", sig)
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        crate::into_parts(r).await
    }

    /// A transfer callback signed now with [`BANK_KEY`].
    pub async fn bank_transfer(&self, bank: &str, body: &Value) -> (u16, Value) {
        let now = self.clock().now().timestamp();
        self.bank_post(
            bank,
            "/api/v1/bank/callbacks/transfers",
            &body.to_string(),
            now,
            BANK_KEY,
        )
        .await
    }

    /// The bidder's virtual deposit account for the section, asked for until the deposits area
    /// has seen the section (answers other than 404 are returned as they are).
    pub async fn deposit_account(&self, token: &str, section_id: &str) -> (u16, Value) {
        for () in crate::patience() {
            let (s, v) = self
                .post(
                    Some(token),
                    "/api/v1/deposits/accounts",
                    json!({"section_id": section_id}),
                )
                .await;
            if s != 404 {
                return (s, v);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the deposits projection never saw section {section_id}");
    }

    /// A new organization `org` (created by the admin) with one user `username` of `role`
    /// (password [`crate::DEMO_PASSWORD`]); the user's token.
    pub async fn org_with_user(&self, org: Value, username: &str, role: &str) -> String {
        let admin = self.login("admin").await;
        let o = self
            .post_expect(&admin, "/api/v1/organizations", org, 201)
            .await;
        self.user_in_org(o["id"].as_str().expect("org id"), username, role)
            .await;
        self.login(username).await
    }

    /// A user of organization `org_id` the way the platform creates one outside the centre: staff
    /// issue an invitation, the organization's person accepts it with password [`crate::DEMO_PASSWORD`].
    /// Returns the user.
    pub async fn user_in_org(&self, org_id: &str, username: &str, role: &str) -> Value {
        let staff = self.login("staff").await;
        let inv = self
            .post_expect(
                &staff,
                &format!("/api/v1/organizations/{org_id}/invitations"),
                json!({"role": role}),
                201,
            )
            .await;
        let (s, u) = self
            .post(
                None,
                "/api/v1/invitations/accept",
                json!({"code": inv["code"], "username": username, "password": crate::DEMO_PASSWORD}),
            )
            .await;
        assert_eq!(s, 201, "accept invitation: {u}");
        u
    }

    /// When the pending timer `key` is due (`None` when there is none pending).
    pub async fn timer_due(&self, key: &str) -> Option<ggzy_core::Timestamp> {
        ggzy_store::timers::pending_due(&self.ctx.db, key)
            .await
            .expect("timer")
    }

    /// POST `{}` to `/api/v1/announcements/{id}/{step}` (`submit`, `approve`, …) with a token.
    pub async fn announcement_step(&self, token: &str, id: &str, step: &str) -> (u16, Value) {
        self.post_empty(token, &format!("/api/v1/announcements/{id}/{step}"))
            .await
    }

    /// A drafted announcement submitted by the demo tenderer and approved by staff: published at
    /// once (both answers asserted).
    pub async fn release_announcement(&self, id: &str) {
        let tenderer = self.login("tenderer").await;
        let staff = self.login("staff").await;
        let (s, v) = self.announcement_step(&tenderer, id, "submit").await;
        assert_eq!(s, 200, "{v}");
        let (s, v) = self.announcement_step(&staff, id, "approve").await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["status"], "published", "{v}");
    }

    /// The holder of `token` registers its organization for `section` (201).
    pub async fn register_for(&self, token: &str, section: &str) -> Value {
        self.post_expect(
            token,
            &format!("/api/v1/sections/{section}/registrations"),
            json!({}),
            201,
        )
        .await
    }

    /// The audit log's events about one aggregate, as `token` reads them.
    pub async fn audit_of(&self, token: &str, aggregate_id: &str) -> (u16, Value) {
        self.get(
            Some(token),
            &format!("/api/v1/audit/events?aggregate_id={aggregate_id}"),
        )
        .await
    }

    /// The organization of the user holding `token` (from `/api/v1/auth/me`).
    pub async fn org_of(&self, token: &str) -> String {
        let me = self.get_expect(token, "/api/v1/auth/me", 200).await;
        me["org_id"].as_str().expect("org_id").to_string()
    }

    /// Emit an event as another area would (actor `system:test`); the event id.
    pub async fn emit(
        &self,
        event_type: &str,
        aggregate: &str,
        id: &str,
        payload: Value,
    ) -> String {
        self.emit_as("test", event_type, aggregate, id, payload)
            .await
    }

    /// [`TestApp::emit`] with a named system actor.
    pub async fn emit_as(
        &self,
        actor: &str,
        event_type: &str,
        aggregate: &str,
        id: &str,
        payload: Value,
    ) -> String {
        let db = &self.ctx.db;
        let mut tx = db.begin().await.expect("begin");
        let event_id = ggzy_store::outbox::emit(
            &mut tx,
            db,
            &ActorRef::system(actor),
            self.clock().now(),
            NewEvent::new(event_type, aggregate, id, payload),
        )
        .await
        .expect("emit");
        db.commit(tx).await.expect("commit");
        event_id
    }

    /// The first column of the one row `sql` answers, as an integer (e.g. a `COUNT(*)`).
    pub async fn scalar_i64(&self, sql: &str) -> i64 {
        sqlx::query(sql)
            .fetch_one(self.ctx.db.pool())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .try_get(0)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The first column of every row `sql` answers (with `binds` for `$1`, `$2`, …) as text.
    pub async fn strings(&self, sql: &str, binds: &[&str]) -> Vec<String> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_all(self.ctx.db.pool())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .iter()
            .map(|r| r.try_get(0).unwrap_or_else(|e| panic!("{sql}: {e}")))
            .collect()
    }

    /// Seal pending events; the sequence number of the last one (0 when there is none).
    pub async fn sealed_head(&self) -> i64 {
        self.seal().await;
        sqlx::query("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM events")
            .fetch_one(self.ctx.db.pool())
            .await
            .expect("head of the events")
            .try_get(0)
            .expect("seq")
    }

    /// Whether consumer `c` has handled every event up to `seq` that it wants (its background
    /// loop moves its stored cursor over the others later: `consumer::caught_up`).
    async fn consumer_at(&self, c: &dyn consumer::Consumer, seq: i64) -> bool {
        consumer::caught_up(&self.ctx.db, c, seq)
            .await
            .expect("position")
    }

    /// Seal, then run the consumer `name` here until it has handled every sealed event (the
    /// background worker would within a poll interval; this does not wait for it).
    pub async fn drain_consumer(&self, name: &str) {
        let last = self.sealed_head().await;
        let c = registered_consumer(name);
        for () in crate::patience() {
            consumer::drain(&self.ctx.db, self.clock(), c.as_ref())
                .await
                .expect("drain");
            if self.consumer_at(c.as_ref(), last).await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{name} did not catch up");
    }

    /// Seal, then wait (at most 10 s) until the background worker of consumer `name` has handled
    /// every sealed event.
    pub async fn wait_consumer(&self, name: &str) {
        let last = self.sealed_head().await;
        let c = registered_consumer(name);
        for () in crate::patience() {
            if self.consumer_at(c.as_ref(), last).await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let err: Option<String> =
            sqlx::query("SELECT last_error FROM consumer_cursors WHERE consumer = $1")
                .bind(name)
                .fetch_optional(self.ctx.db.pool())
                .await
                .expect("cursor")
                .and_then(|r| r.try_get(0).ok());
        panic!("{name} did not catch up within 10 s: {err:?}");
    }

    /// Seal, then the payloads of every event of `event_type`, in order.
    pub async fn events_of(&self, event_type: &str) -> Vec<Value> {
        self.seal().await;
        ggzy_store::outbox::read_after(self.ctx.db.pool(), 0, 1_000_000)
            .await
            .expect("events")
            .into_iter()
            .filter(|e| e.event_type == event_type)
            .map(|e| e.payload)
            .collect()
    }

    /// The project `body` created by the demo tenderer, submitted and approved by staff.
    pub async fn register_project(&self, body: Value) -> Registered {
        let tenderer = self.login("tenderer").await;
        let staff = self.login("staff").await;
        let p = self
            .post_expect(&tenderer, "/api/v1/projects", body, 201)
            .await;
        let id = p["id"].as_str().expect("project id").to_string();
        self.post_expect(
            &tenderer,
            &format!("/api/v1/projects/{id}/submit"),
            json!({}),
            200,
        )
        .await;
        let approved = self
            .post_expect(
                &staff,
                &format!("/api/v1/projects/{id}/approve"),
                json!({}),
                200,
            )
            .await;
        Registered {
            project_id: id,
            section_id: approved["sections"][0]["id"]
                .as_str()
                .expect("section id")
                .to_string(),
            tenderer,
            staff,
            approved,
        }
    }

    /// A land or property lot sold by listing: [`Self::register_project`] with `project`, then the
    /// transfer announcement / disclosure `announcement` (its `project_id` and `section_ids` are
    /// filled in) drafted by the tenderer — retried while publishing has not yet learnt the project
    /// from its events — submitted and approved by staff, so it is published at once; projects'
    /// consumer of the published announcement then opens the section for registration. The
    /// registered project and the announcement's `published_at`.
    pub async fn announced_listing(
        &self,
        project: Value,
        mut announcement: Value,
    ) -> (Registered, DateTime<Utc>) {
        let reg = self.register_project(project).await;
        self.seal().await;
        announcement["project_id"] = json!(reg.project_id);
        announcement["section_ids"] = json!([reg.section_id]);
        let mut drafted = None;
        for () in crate::patience() {
            let (s, v) = self
                .post(
                    Some(&reg.tenderer),
                    "/api/v1/announcements",
                    announcement.clone(),
                )
                .await;
            if !(s == 422 && v.to_string().contains("announcement.project_unknown")) {
                drafted = Some((s, v));
                break;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        let (s, a) = drafted.expect("publishing never learnt the project");
        assert_eq!(s, 201, "{a}");
        let id = a["id"].as_str().expect("announcement id").to_string();
        let (s, v) = self.announcement_step(&reg.tenderer, &id, "submit").await;
        assert_eq!(s, 200, "{v}");
        let (s, v) = self.announcement_step(&reg.staff, &id, "approve").await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["status"], "published", "{v}");
        let published_at = at(v["published_at"].as_str().expect("published_at"));
        self.seal().await;
        (reg, published_at)
    }

    /// Staff open the section for bidding (the answer says `bidding`).
    pub async fn open_bidding(&self, staff: &str, section: &str) {
        let v = self
            .post_expect(
                staff,
                &format!("/api/v1/sections/{section}/open-bidding"),
                json!({}),
                200,
            )
            .await;
        assert_eq!(v["state"], "bidding", "{v}");
    }

    /// The demo bidders `names` register for `section` (once the projects area knows them).
    pub async fn register_bidders(&self, section: &str, names: &[&str]) {
        self.drain_consumer("projects.organizations").await;
        for b in names {
            let t = self.login(b).await;
            self.register_for(&t, section).await;
        }
    }

    /// The project `body` registered, its section open for bidding and `bidders` registered.
    pub async fn bidding_section(&self, body: Value, bidders: &[&str]) -> Registered {
        let r = self.register_project(body).await;
        self.open_bidding(&r.staff, &r.section_id).await;
        self.register_bidders(&r.section_id, bidders).await;
        r
    }

    /// Staff confirm the eligibility (竞买资格确认) of every numbered bidder of a land listing or
    /// auction, as the centre does before quoting (39号令 第二十条; every land listing requires it,
    /// docs/procedures.md). Each confirmation must answer 200. Returns how many were confirmed
    /// (0 for a property listing, which has no such step).
    pub async fn confirm_land_bidders(&self, auction_id: &str) -> usize {
        let staff = self.login("staff").await;
        let a = self
            .get_expect(&staff, &format!("/api/v1/auctions/{auction_id}"), 200)
            .await;
        if a["market"] != "land" {
            return 0;
        }
        let sid = a["section_id"].as_str().expect("section_id");
        let bidders = self
            .get_expect(
                &staff,
                &format!("/api/v1/auctions/sections/{sid}/bidders"),
                200,
            )
            .await;
        let mut n = 0;
        for b in bidders.as_array().expect("bidders").iter() {
            if b["number"].is_string() {
                let org = b["org_id"].as_str().expect("org_id");
                self.post_expect(
                    &staff,
                    &format!("/api/v1/auctions/{auction_id}/eligibility"),
                    json!({"org_id": org}),
                    200,
                )
                .await;
                n += 1;
            }
        }
        n
    }
}

/// A `projects.section.registered` event of a section known to other areas only through its event,
/// built from the contract type (ggzy-events) so a renamed or new required field breaks the test
/// build instead of parking the hand-written payload. Tests adjust the fields they need and emit
/// `.encode().payload`. Defaults: section no. 1 named after its id, project `PRJ-<id>`, documents
/// issued 20 days before the deadline, opening at the deadline, no bid validity.
pub fn section_registered(
    section_id: &str,
    market: &str,
    deposit: &str,
    bid_deadline: &str,
) -> ggzy_events::projects::SectionRegistered {
    let deadline = DateTime::parse_from_rfc3339(bid_deadline)
        .expect("an RFC 3339 deadline")
        .with_timezone(&Utc);
    let market = ggzy_core::ident::Market::parse(market).expect("a market");
    ggzy_events::projects::SectionRegistered {
        section_id: section_id.to_string(),
        no: 1,
        name: format!("标段 {section_id}"),
        estimated_price: ggzy_core::Money::parse_str("10000000.00").expect("money"),
        deposit: ggzy_core::Money::parse_str(deposit).expect("money"),
        docs_issue_at: deadline - chrono::Duration::days(20),
        docs_sale_end_at: deadline - chrono::Duration::days(15),
        bid_deadline: deadline,
        opening_at: deadline,
        state: "registered".to_string(),
        subject: None,
        project_id: format!("PRJ-{section_id}"),
        project_code: None,
        project_name: format!("项目 {section_id}"),
        market,
        procedure: "open_tender".to_string(),
        tenderer_uscc: TENDERER_USCC.to_string(),
        owner_org_id: "ORG-TEST-OWNER".to_string(),
        bid_validity_days: None,
        region: Some("210200".to_string()),
        tenderer_name: Some(format!("招标人 {section_id}")),
    }
}

/// The consumer the server registers under `name` (`ggzy::background::workers`).
fn registered_consumer(name: &str) -> std::sync::Arc<dyn consumer::Consumer> {
    ggzy::background::workers()
        .consumers
        .iter()
        .find(|c| c.name() == name)
        .unwrap_or_else(|| panic!("{name} consumer registered"))
        .clone()
}
