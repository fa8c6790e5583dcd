//! Opening (开标, 不见面开标): at the opening time a durable timer opens the section — fewer bids than
//! the rules require fail it (流标) — then each bidder submits its key within the decryption window;
//! the platform decrypts the stored package, checks its digest and reads the sealed price. When the
//! window ends or every bid is decrypted, bids not decrypted count as revoked and the opening record
//! (开标记录) is stored, published as `projects.opening.recorded`, and the section moves to
//! evaluation. Keys are never stored nor logged; prices exist only after decryption.

use crate::model::{transition, SectionAction, SectionState};
use crate::package::{self, PackageError};
use crate::rules::registration_open;
use crate::service::set_section_state;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use ggzy_core::events::{ActorRef, Event, NewEvent};
use ggzy_core::http::{Json, Path};
use ggzy_core::time::{display_local, from_micros, to_micros};
use ggzy_core::{Clock, Error, Money, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, expect_one, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Timer kind that opens a section at its opening time.
pub const OPENING_TIMER: &str = "projects.section.opening";
/// Timer kind that closes the decryption window.
pub const WINDOW_TIMER: &str = "projects.opening.window";

fn opening_key(section_id: &str) -> String {
    format!("{OPENING_TIMER}:{section_id}")
}

fn window_key(section_id: &str) -> String {
    format!("{WINDOW_TIMER}:{section_id}")
}

// ---------------------------------------------------------------------------------------------
// Rules (pure).

/// 招标投标法 第二十八条 / 实施条例 第四十四条: with fewer than three bidders the tenderer does not
/// open the bids and tenders again (流标).
pub const MIN_BIDS_SOURCE: &str = "招标投标法 第二十八条; 招标投标法实施条例 第四十四条";
/// 电子招标投标办法 第三十条: bidders decrypt online within the time the tender documents set;
/// 第三十一条: a bid not decrypted through the bidder's fault counts as revoked (撤销).
pub const WINDOW_SOURCE: &str = "电子招标投标办法 第三十条、第三十一条";
/// After the opening, fewer valid bids than the minimum is not a 流标 by law: 评标委员会和评标方法暂行规定
/// 第二十七条 lets the evaluation committee decide whether the bids lack competition (它可以否决全部投标)
/// and 招标投标法 第四十二条 puts rejecting all bids on the committee. The opening only flags it.
pub const BELOW_MIN_SOURCE: &str =
    "评标委员会和评标方法暂行规定 第二十七条; 招标投标法 第四十二条 (the evaluation committee decides)";

/// Opening rules of a market (rows of `opening_rules`, national defaults in [`OpeningRules::national`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OpeningRules {
    pub min_bids: i64,
    pub min_bids_source: String,
    pub decryption_window_minutes: i64,
    pub window_source: String,
}

impl OpeningRules {
    /// Three bids at least, a 30-minute decryption window.
    pub fn national() -> OpeningRules {
        OpeningRules {
            min_bids: 3,
            min_bids_source: MIN_BIDS_SOURCE.into(),
            decryption_window_minutes: 30,
            window_source: WINDOW_SOURCE.into(),
        }
    }

    /// Does a section with `bid_count` current bids open (else it fails, 流标)?
    pub fn opens(&self, bid_count: i64) -> bool {
        bid_count >= self.min_bids
    }

    /// After revocations, do fewer than `min_bids` decrypted bids remain? Informational only: the
    /// committee decides on the lack of competition ([`BELOW_MIN_SOURCE`]).
    pub fn below_min_after_opening(&self, decrypted_bids: i64) -> bool {
        decrypted_bids < self.min_bids
    }

    /// End of the decryption window of an opening started at `opened_at` (its first refused second).
    pub fn window_ends(&self, opened_at: Timestamp) -> Timestamp {
        opened_at + chrono::Duration::minutes(self.decryption_window_minutes)
    }
}

/// How late the opening timer may fire and still count the window from the announced opening time.
pub const OPENING_LATENESS_TOLERANCE_SECS: i64 = 60;

/// Start of the decryption window: the announced opening time when the timer fires on time (it
/// fires a moment after it); after an outage longer than the tolerance, the second it fires, so
/// bidders still get the whole window.
pub fn window_start(opening_at: Timestamp, fired_at: Timestamp) -> Timestamp {
    if fired_at.timestamp() - opening_at.timestamp() <= OPENING_LATENESS_TOLERANCE_SECS {
        opening_at
    } else {
        DateTime::from_timestamp(fired_at.timestamp(), 0).unwrap_or(fired_at)
    }
}

/// Is a key accepted at `now` for a window ending at `ends_at`? In whole seconds of the server clock,
/// like the bid deadline: the last second before it accepted, its own second refused.
pub fn key_accepted(now: Timestamp, ends_at: Timestamp) -> bool {
    registration_open(now, ends_at)
}

async fn load_rules(
    conn: &mut sqlx::AnyConnection,
    region: &str,
    market: &str,
) -> Result<OpeningRules> {
    let r = sqlx::query(
        "SELECT min_bids, min_bids_source, decryption_window_minutes, window_source FROM opening_rules \
         WHERE market = $1 AND (region = $2 OR region = 'CN') \
         ORDER BY CASE WHEN region = 'CN' THEN 1 ELSE 0 END LIMIT 1",
    )
    .bind(market)
    .bind(region)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match r {
        Some(r) => OpeningRules {
            min_bids: r.try_get(0)?,
            min_bids_source: r.try_get(1)?,
            decryption_window_minutes: r.try_get(2)?,
            window_source: r.try_get(3)?,
        },
        None => OpeningRules::national(),
    })
}

// ---------------------------------------------------------------------------------------------
// Scheduling the opening.

/// Schedule (or move, while pending) the opening timer of a section at its stored opening time.
/// Called when the section starts bidding and whenever its deadline or opening time changes.
/// A listing section (挂牌/拍卖/网络竞价) has no sealed-bid opening: nothing is scheduled.
pub async fn schedule_opening(tx: &mut Tx, section_id: &str, now: Timestamp) -> Result<()> {
    if let Some(p) = crate::service::section_procedure(tx, section_id).await? {
        if !p.has_sealed_bids() {
            return Ok(());
        }
    }
    let r = sqlx::query("SELECT opening_at, state FROM sections WHERE id = $1")
        .bind(section_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {section_id}")))?;
    let state = SectionState::parse(&r.try_get::<String, _>(1)?)?;
    if !matches!(state, SectionState::Bidding | SectionState::Closed) {
        return Ok(());
    }
    timers::schedule(
        tx,
        OPENING_TIMER,
        &opening_key(section_id),
        from_micros(r.try_get(0)?),
        json!({"section_id": section_id}),
        now,
    )
    .await
}

/// Keeps the opening timer on the section's opening time: schedules it when a section starts
/// bidding (whichever way: staff action or published tender announcement) and moves it when the
/// deadline or opening time changes.
pub struct OpeningSchedule;

#[async_trait::async_trait]
impl Consumer for OpeningSchedule {
    fn name(&self) -> &'static str {
        "projects.opening_schedule"
    }

    fn wants(&self, event_type: &str) -> bool {
        matches!(
            event_type,
            "projects.section.bidding_opened" | "projects.section.deadline_changed"
        )
    }

    async fn handle(&self, tx: &mut Tx, _db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let Some(id) = ev.payload["section_id"].as_str() else {
            tracing::warn!(event = %ev.id, "section event without section_id; skipped");
            return Ok(());
        };
        match schedule_opening(tx, id, clock.now()).await {
            Err(Error::NotFound(_)) => Ok(()),
            r => r,
        }
    }
}

struct SectionRow {
    project_id: String,
    state: SectionState,
    bid_deadline: Timestamp,
    opening_at: Timestamp,
    market: String,
    region: String,
    owner_org_id: String,
}

async fn load_section(
    conn: &mut sqlx::AnyConnection,
    db: &Db,
    id: &str,
    lock: bool,
) -> Result<SectionRow> {
    let r = sqlx::query(&format!(
        "SELECT s.project_id, s.state, s.bid_deadline, s.opening_at, p.market, p.region, p.owner_org_id \
         FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = $1{}",
        if lock { db.for_update() } else { "" }
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found(format!("section {id}")))?;
    Ok(SectionRow {
        project_id: r.try_get(0)?,
        state: SectionState::parse(&r.try_get::<String, _>(1)?)?,
        bid_deadline: from_micros(r.try_get(2)?),
        opening_at: from_micros(r.try_get(3)?),
        market: r.try_get(4)?,
        region: r.try_get(5)?,
        owner_org_id: r.try_get(6)?,
    })
}

async fn move_state(
    tx: &mut Tx,
    id: &str,
    from: SectionState,
    action: SectionAction,
    now: Timestamp,
) -> Result<SectionState> {
    let to = transition(from, action)?;
    set_section_state(tx, id, from, to, now).await?;
    Ok(to)
}

/// Handler for [`OPENING_TIMER`]: closed → opening (or → failed with too few bids).
pub struct SectionOpening;

#[async_trait::async_trait]
impl TimerHandler for SectionOpening {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let Some(id) = timer.payload["section_id"].as_str() else {
            return Err(Error::internal("opening timer without section_id"));
        };
        let now = clock.now();
        // No opening while a remedy suspends the section; resuming schedules it again
        // (crate::suspension).
        if crate::suspension::is_suspended(tx, id).await? {
            tracing::info!(
                section_id = id,
                "opening time reached while suspended by a remedy"
            );
            return Ok(());
        }
        let s = match load_section(tx, db, id, true).await {
            Err(Error::NotFound(_)) => return Ok(()),
            r => r?,
        };
        // A timer left from before the section became a listing: nothing to open (its deadline
        // timer closes it; the auctions area sells it).
        if let Some(p) = crate::service::section_procedure(tx, id).await? {
            if !p.has_sealed_bids() {
                tracing::info!(section_id = id, "listing section: no sealed-bid opening");
                return Ok(());
            }
        }
        let mut state = s.state;
        if state == SectionState::Bidding {
            if registration_open(now, s.bid_deadline) {
                // The deadline moved later without the timer following; retry until it passes.
                return Err(Error::internal(format!(
                    "section {id} is still bidding until {}",
                    display_local(s.bid_deadline)
                )));
            }
            // The deadline timer fires at the same instant; close here so the order does not matter.
            crate::bidding::close_section(tx, db, now, id, s.bid_deadline).await?;
            state = SectionState::Closed;
        }
        if state != SectionState::Closed {
            return Ok(());
        }
        if now.timestamp() < s.opening_at.timestamp() {
            return Err(Error::internal(format!(
                "section {id} opens at {}",
                display_local(s.opening_at)
            )));
        }
        let bid_count: i64 =
            // Bids voided at the deadline (实施条例 34, bidding::void_joint_bids) do not count.
            sqlx::query("SELECT COUNT(*) FROM bids WHERE section_id = $1 AND status = 'current' AND decryption <> 'void_joint_bid'")
                .bind(id)
                .fetch_one(&mut **tx)
                .await?
                .try_get(0)?;
        let mut rules = load_rules(tx, &s.region, &s.market).await?;
        // Procurement's non-tender methods have their own minimum (single source: its one
        // supplier; the others 3, ending the procedure: crate::nontender::min_suppliers).
        let procedure = crate::service::section_procedure(tx, id).await?;
        if let Some((min, source)) = procedure.and_then(crate::nontender::min_suppliers) {
            rules.min_bids = min;
            rules.min_bids_source = source.to_string();
        }
        let system = ActorRef::system(OPENING_TIMER);
        if !rules.opens(bid_count) {
            move_state(tx, id, state, SectionAction::Fail, now).await?;
            emit(
                tx,
                db,
                &system,
                now,
                NewEvent::new(
                    "projects.section.failed",
                    "section",
                    id,
                    json!({"section_id": id, "project_id": s.project_id, "market": s.market,
                           "reason": "too_few_bids", "bid_count": bid_count,
                           "min_bids": rules.min_bids, "basis": rules.min_bids_source,
                           "failed_at": now.to_rfc3339()}),
                ),
            )
            .await?;
            return Ok(());
        }
        move_state(tx, id, state, SectionAction::StartOpening, now).await?;
        let opened = window_start(s.opening_at, now);
        let ends = rules.window_ends(opened);
        sqlx::query(
            "INSERT INTO bid_openings (section_id, state, started_at, window_ends_at) \
             VALUES ($1, 'decrypting', $2, $3) ON CONFLICT (section_id) DO NOTHING",
        )
        .bind(id)
        .bind(to_micros(opened))
        .bind(to_micros(ends))
        .execute(&mut **tx)
        .await?;
        timers::schedule(
            tx,
            WINDOW_TIMER,
            &window_key(id),
            ends,
            json!({"section_id": id}),
            now,
        )
        .await?;
        emit(
            tx,
            db,
            &system,
            now,
            NewEvent::new(
                "projects.section.opened",
                "section",
                id,
                json!({"section_id": id, "project_id": s.project_id, "market": s.market,
                       "opening_at": opened.to_rfc3339(), "bid_count": bid_count,
                       "decryption_deadline": ends.to_rfc3339(),
                       "window_basis": rules.window_source}),
            ),
        )
        .await?;
        Ok(())
    }
}

/// Handler for [`WINDOW_TIMER`]: the decryption window is over; record the opening.
pub struct DecryptionWindow;

#[async_trait::async_trait]
impl TimerHandler for DecryptionWindow {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let Some(id) = timer.payload["section_id"].as_str() else {
            return Err(Error::internal("window timer without section_id"));
        };
        let s = load_section(tx, db, id, true).await?;
        if s.state != SectionState::Opening {
            return Ok(());
        }
        finalize(tx, db, clock.now(), id, &s, &ActorRef::system(WINDOW_TIMER)).await
    }
}

// ---------------------------------------------------------------------------------------------
// The opening record.

/// One bid in the opening record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpeningEntry {
    pub bid_id: String,
    pub org_id: String,
    pub org_name: String,
    pub uscc: String,
    /// The sealed price, read at decryption; null when not decrypted.
    pub price: Option<String>,
    /// `decrypted`, `not_decrypted` (revoked: the bidder's fault, 电子招标投标办法 第三十一条),
    /// `digest_mismatch` or `withdrawn_platform_fault` (not the bidder's fault: deemed withdrawn,
    /// see `fault`).
    pub decryption: String,
    /// `valid`, `missing`, `invalid` or `unknown` (as known from the deposits area).
    pub deposit: String,
    /// Cipher suite of the package.
    pub suite: Option<String>,
    /// The centre's declaration that the bid was not decrypted because of the platform or the CA
    /// (`decryption: withdrawn_platform_fault`, 电子招标投标办法 第三十一条), with its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<FaultDeclaration>,
}

/// 开标记录.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpeningRecord {
    pub section_id: String,
    pub project_id: String,
    pub market: String,
    pub opened_at: DateTime<Utc>,
    pub decryption_deadline: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub entries: Vec<OpeningEntry>,
    /// Bids decrypted with a matching digest (the bids left for evaluation).
    #[serde(default)]
    pub decrypted_bids: i64,
    /// The market's `opening_rules.min_bids` at the time of the record.
    #[serde(default)]
    pub min_bids: i64,
    /// Informational flag: `decrypted_bids < min_bids` after revocations. The section still goes to
    /// evaluation; whether the bids lack competition is the committee's decision ([`BELOW_MIN_SOURCE`]).
    #[serde(default)]
    pub below_min_bids: bool,
    #[serde(default)]
    pub below_min_bids_basis: Option<String>,
    /// Objections raised at the opening and their on-the-spot answers (实施条例 第四十四条),
    /// kept from the remedies events ([`crate::opening_objections`]); read live, so an answer
    /// given after the record was closed shows too.
    #[serde(default)]
    pub objections: Vec<crate::opening_objections::OpeningObjection>,
}

async fn finalize(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    section_id: &str,
    s: &SectionRow,
    by: &ActorRef,
) -> Result<()> {
    let o = sqlx::query(
        "SELECT state, started_at, window_ends_at FROM bid_openings WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(o) = o else { return Ok(()) };
    if o.try_get::<String, _>(0)? != "decrypting" {
        return Ok(());
    }
    let opened_at = from_micros(o.try_get(1)?);
    let deadline = from_micros(o.try_get(2)?);
    let deposits: std::collections::HashMap<String, String> =
        sqlx::query("SELECT org_id, status FROM opening_deposits WHERE section_id = $1")
            .bind(section_id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_>>()?;
    let rows = sqlx::query(
        "SELECT b.id, b.org_id, b.decryption, b.price_fen, r.org_name, r.uscc, b.suite FROM bids b \
         LEFT JOIN section_registrations r ON r.section_id = b.section_id AND r.org_id = b.org_id \
         WHERE b.section_id = $1 AND b.status = 'current' ORDER BY b.received_at, b.id",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut faults: std::collections::HashMap<String, FaultDeclaration> =
        std::collections::HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT {FAULT_COLS} FROM opening_fault_declarations WHERE section_id = $1"
    ))
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?
    {
        let d = fault_row(&r)?;
        faults.insert(d.bid_id.clone(), d);
    }
    let mut entries = Vec::new();
    for r in &rows {
        let bid_id: String = r.try_get(0)?;
        let org_id: String = r.try_get(1)?;
        let decryption: String = r.try_get(2)?;
        let price: Option<i64> = r.try_get(3)?;
        let decryption = match decryption.as_str() {
            "decrypted" => "decrypted",
            "digest_mismatch" => "digest_mismatch",
            // Not the bidder's fault: deemed withdrawn, never revoked.
            PLATFORM_FAULT => PLATFORM_FAULT,
            // Void at the deadline (实施条例 34): never opened, not revoked.
            "void_joint_bid" => "void_joint_bid",
            _ => {
                // 电子招标投标办法 第三十一条: not decrypted through the bidder's fault → revoked.
                sqlx::query(
                    "UPDATE bids SET decryption = 'revoked', updated_at = $1 \
                     WHERE id = $2 AND decryption = 'sealed'",
                )
                .bind(to_micros(now))
                .bind(&bid_id)
                .execute(&mut **tx)
                .await?;
                emit(
                    tx,
                    db,
                    by,
                    now,
                    NewEvent::new(
                        "projects.bid.revoked",
                        "section",
                        section_id,
                        json!({"bid_id": bid_id, "section_id": section_id, "org_id": org_id,
                               "reason": "not_decrypted", "basis": WINDOW_SOURCE}),
                    ),
                )
                .await?;
                "not_decrypted"
            }
        };
        let fault = faults.remove(&bid_id);
        entries.push(OpeningEntry {
            deposit: deposits
                .get(&org_id)
                .cloned()
                .unwrap_or_else(|| "unknown".into()),
            bid_id,
            org_id,
            org_name: r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
            uscc: r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
            price: match (decryption, price) {
                ("decrypted", Some(fen)) => Some(Money::from_fen(fen).to_string()),
                _ => None,
            },
            decryption: decryption.into(),
            suite: r.try_get(6)?,
            fault,
        });
    }
    let rules = load_rules(tx, &s.region, &s.market).await?;
    let decrypted_bids = i64::try_from(
        entries
            .iter()
            .filter(|e| e.decryption == "decrypted")
            .count(),
    )
    .map_err(|_| Error::internal("bid count"))?;
    let below_min_bids = rules.below_min_after_opening(decrypted_bids);
    let record = OpeningRecord {
        decrypted_bids,
        min_bids: rules.min_bids,
        below_min_bids,
        below_min_bids_basis: below_min_bids.then(|| BELOW_MIN_SOURCE.to_string()),
        section_id: section_id.into(),
        project_id: s.project_id.clone(),
        market: s.market.clone(),
        opened_at,
        decryption_deadline: deadline,
        recorded_at: now,
        entries,
        objections: crate::opening_objections::list(tx, section_id).await?,
    };
    let text = serde_json::to_string(&record).map_err(|e| Error::internal(e.to_string()))?;
    let n = sqlx::query(
        "UPDATE bid_openings SET state = 'closed', closed_at = $1, record = $2 \
         WHERE section_id = $3 AND state = 'decrypting'",
    )
    .bind(to_micros(now))
    .bind(&text)
    .bind(section_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    expect_one(n, "opening.closed", "the opening was recorded concurrently")?;
    move_state(
        tx,
        section_id,
        SectionState::Opening,
        SectionAction::StartEvaluation,
        now,
    )
    .await?;
    timers::cancel(tx, &window_key(section_id)).await?;
    let mut payload = serde_json::to_value(&record).map_err(|e| Error::internal(e.to_string()))?;
    payload["opened_at"] = json!(opened_at.to_rfc3339());
    payload["decryption_deadline"] = json!(deadline.to_rfc3339());
    payload["recorded_at"] = json!(now.to_rfc3339());
    emit(
        tx,
        db,
        by,
        now,
        NewEvent::new("projects.opening.recorded", "section", section_id, payload),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Key submission.

/// A bidder's decryption key.
#[derive(Clone, Deserialize, ToSchema)]
pub struct KeySubmission {
    /// The package key, base64 (32 bytes for AES-256-GCM, 16 for SM4-GCM).
    #[schema(pattern = "^([A-Za-z0-9+/]{21}[AQgw]==|[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)$")]
    pub key: String,
}

/// The key never reaches a log, even through `{:?}`.
impl std::fmt::Debug for KeySubmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeySubmission { key: <redacted> }")
    }
}

/// What the key did to the caller's bid.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyOutcome {
    pub bid_id: String,
    /// `decrypted`, `digest_mismatch` (the key opened the package but its content differs from
    /// the declared digest; final) or `withdrawn_platform_fault` (the stored ciphertext no longer
    /// matches the receipt: the platform's fault, the bid is deemed withdrawn, not revoked; final).
    pub decryption: String,
    /// The caller's own sealed price, once decrypted.
    pub price: Option<String>,
    pub suite: String,
    /// Whether this was the last bid and the opening record is now produced.
    pub opening_recorded: bool,
}

struct BidFile {
    id: String,
    file_name: String,
    digest: String,
    size: i64,
    decryption: String,
    suite: String,
    /// sha256 of the ciphertext as received (in the signed receipt).
    ciphertext_sha256: String,
}

/// Decryption state of a bid whose stored ciphertext no longer matches its receipt: the platform
/// lost or altered the file, so the bid was not decrypted for a reason other than the bidder —
/// deemed withdrawn (视为撤回), not revoked (电子招标投标办法 第三十一条).
pub const PLATFORM_FAULT: &str = "withdrawn_platform_fault";

/// 电子招标投标办法 第三十一条 (a bid not decrypted for a reason other than the bidder is deemed
/// withdrawn, and the bidder may claim its direct loss from the party at fault).
pub const PLATFORM_FAULT_SOURCE: &str = "电子招标投标办法 第三十一条";

/// A declaration of a platform or CA fault (what staff send).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FaultDeclarationInput {
    /// The bid that cannot be decrypted.
    #[schema(min_length = 1, pattern = "\\S")]
    pub bid_id: String,
    /// `platform` (the trading platform failed: service down, file store) or `ca` (the
    /// certificate authority's service failed, so the bidder could not use its key).
    #[schema(pattern = "^(platform|ca)$")]
    pub fault: String,
    /// What happened (recorded in the opening record), 1–1000 characters.
    #[schema(min_length = 1, max_length = 1000, pattern = "\\S")]
    pub reason: String,
}

/// A recorded declaration (also an entry's `fault` in the opening record).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FaultDeclaration {
    pub bid_id: String,
    pub section_id: String,
    pub org_id: String,
    /// `platform` or `ca`.
    pub fault: String,
    pub reason: String,
    /// User id of the staff member who declared it.
    pub declared_by: String,
    pub declared_at: DateTime<Utc>,
    pub basis: String,
}

const FAULT_COLS: &str =
    "bid_id, section_id, org_id, fault, reason, declared_by, declared_at, basis";

fn fault_row(r: &sqlx::any::AnyRow) -> Result<FaultDeclaration> {
    Ok(FaultDeclaration {
        bid_id: r.try_get(0)?,
        section_id: r.try_get(1)?,
        org_id: r.try_get(2)?,
        fault: r.try_get(3)?,
        reason: r.try_get(4)?,
        declared_by: r.try_get(5)?,
        declared_at: from_micros(r.try_get(6)?),
        basis: r.try_get(7)?,
    })
}

/// The faults the centre may declare (not the bidder's own failure, which stays revoked).
pub const FAULT_KINDS: [&str; 2] = ["platform", "ca"];

/// Check a declaration's fields; every broken rule named.
pub fn check_fault_input(input: &FaultDeclarationInput) -> Result<()> {
    let mut v = ggzy_core::error::Violations::new();
    if input.bid_id.trim().is_empty() {
        v.push("bid_id", "required", "the bid that cannot be decrypted");
    }
    if !FAULT_KINDS.contains(&input.fault.trim()) {
        v.push(
            "fault",
            "opening.fault_kind",
            "platform (the trading platform failed) or ca (the certificate authority failed); a \
             bidder's own failure is not declared — its bid is revoked at the window's end",
        );
    }
    let n = input.reason.trim().chars().count();
    if n == 0 || n > 1000 {
        v.push(
            "reason",
            "opening.fault_reason",
            "what happened is recorded in the opening record (1–1000 characters)",
        );
    }
    v.into_result()
}

/// Record a platform or CA fault for a sealed bid while the decryption window is open: the bid is
/// deemed withdrawn (`withdrawn_platform_fault`) in the same transaction as the declaration and
/// its event `projects.bid.fault_declared`; the last sealed bid handled records the opening.
pub async fn declare_fault(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: FaultDeclarationInput,
) -> Result<FaultDeclaration> {
    actor.require(&[Role::Staff])?;
    check_fault_input(&input)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = load_section(&mut tx, &ctx.db, section_id, true).await?;
    crate::service::require_sealed_bids(&mut tx, section_id).await?;
    check_window(&mut tx, section_id, &s, now).await?;
    let bid = sqlx::query(
        "SELECT org_id, decryption FROM bids WHERE id = $1 AND section_id = $2 AND status = 'current'",
    )
    .bind(input.bid_id.trim())
    .bind(section_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found(format!("bid {} in this opening", input.bid_id.trim())))?;
    let org_id: String = bid.try_get(0)?;
    let state: String = bid.try_get(1)?;
    if state != "sealed" {
        return Err(Error::conflict(
            "opening.already_decrypted",
            format!("the bid is no longer sealed ({state}); only a sealed bid can be declared"),
        ));
    }
    let n = sqlx::query(
        "UPDATE bids SET decryption = $1, decrypted_at = $2, updated_at = $2 \
         WHERE id = $3 AND status = 'current' AND decryption = 'sealed'",
    )
    .bind(PLATFORM_FAULT)
    .bind(to_micros(now))
    .bind(input.bid_id.trim())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one(
        n,
        "opening.already_decrypted",
        "the bid was opened concurrently",
    )?;
    let d = FaultDeclaration {
        bid_id: input.bid_id.trim().to_string(),
        section_id: section_id.to_string(),
        org_id,
        fault: input.fault.trim().to_string(),
        reason: input.reason.trim().to_string(),
        declared_by: actor.user_id.clone(),
        declared_at: now,
        basis: PLATFORM_FAULT_SOURCE.to_string(),
    };
    sqlx::query(&format!(
        "INSERT INTO opening_fault_declarations ({FAULT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&d.bid_id)
    .bind(&d.section_id)
    .bind(&d.org_id)
    .bind(&d.fault)
    .bind(&d.reason)
    .bind(&d.declared_by)
    .bind(to_micros(now))
    .bind(&d.basis)
    .execute(&mut *tx)
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.bid.fault_declared",
            "section",
            section_id,
            json!({"bid_id": d.bid_id, "section_id": section_id, "org_id": d.org_id,
                   "fault": d.fault, "reason": d.reason, "declared_by": d.declared_by,
                   "decryption": PLATFORM_FAULT, "basis": d.basis}),
        ),
    )
    .await?;
    let sealed: i64 = sqlx::query(
        "SELECT COUNT(*) FROM bids WHERE section_id = $1 AND status = 'current' AND decryption = 'sealed'",
    )
    .bind(section_id)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    if sealed == 0 {
        finalize(&mut tx, &ctx.db, now, section_id, &s, &actor.actor_ref()).await?;
    }
    ctx.db.commit_answering(tx, 201, &d, now).await?;
    Ok(d)
}

/// Submit the caller organization's key for its current bid while the decryption window is open.
/// A wrong key is refused (422 `opening.wrong_key`) and changes nothing; the bidder may retry.
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn submit_key(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: KeySubmission,
) -> Result<KeyOutcome> {
    actor.require(&[Role::Bidder])?;
    let org_id = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let key = base64::engine::general_purpose::STANDARD
        .decode(input.key.trim())
        .map_err(|_| Error::field("key", "opening.key_format", "the key must be base64"))?;
    let now = ctx.clock.now();
    let bid = {
        let mut conn = ctx.db.pool().acquire().await?;
        let s = load_section(&mut conn, &ctx.db, section_id, false).await?;
        crate::service::require_sealed_bids(&mut conn, section_id).await?;
        crate::suspension::ensure_not_suspended(&mut conn, section_id).await?;
        check_window(&mut conn, section_id, &s, now).await?;
        let r = sqlx::query(
            "SELECT id, file_name, plaintext_digest, size, decryption, suite, ciphertext_sha256 FROM bids \
             WHERE section_id = $1 AND org_id = $2 AND status = 'current'",
        )
        .bind(section_id)
        .bind(&org_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found("your organization has no bid in this opening"))?;
        BidFile {
            id: r.try_get(0)?,
            file_name: r.try_get(1)?,
            digest: r.try_get(2)?,
            size: r.try_get(3)?,
            decryption: r.try_get(4)?,
            suite: r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
            ciphertext_sha256: r.try_get(6)?,
        }
    };
    if bid.decryption == "void_joint_bid" {
        return Err(Error::conflict(
            "opening.bid_void",
            "your bid was void at the bid deadline (实施条例 第三十四条: a bidder of this section had the same \
             legal representative or a verified controlling relation with your organization)",
        ));
    }
    if bid.decryption != "sealed" {
        return Err(Error::conflict(
            "opening.already_decrypted",
            format!("your bid was already opened ({})", bid.decryption),
        ));
    }
    // The ciphertext from the file store (read in place from a local directory, streamed to a
    // temporary file from object storage); the plaintext is written to a local temporary file and
    // stored as `bids/<id>.plain` when the decryption commits.
    let src = ctx
        .files
        .local_copy(&format!("bids/{}", bid.file_name))
        .await?;
    let local_tmp = ggzy_store::files::temp_path("plain");
    let tmp = format!("bids/{}.{}.plain.part", bid.id, ggzy_core::ids::new_id());
    let dest = format!("bids/{}.plain", bid.id);
    let size = u64::try_from(bid.size).map_err(|_| Error::internal("bid size"))?;
    let digest = bid.digest.clone();
    let tmp2 = local_tmp.clone();
    let receipt_hash = bid.ciphertext_sha256.clone();
    // Decrypt outside any transaction (SQLite has one writer), in bounded memory, off the runtime.
    // First the stored ciphertext is checked against the hash in the bidder's receipt: a file the
    // platform altered or lost must not make the right key look wrong (issue 24, item 13).
    let opened = tokio::task::spawn_blocking(move || {
        let stored = {
            use sha2::Digest;
            let mut f =
                std::fs::File::open(src.path()).map_err(|e| PackageError::Io(e.to_string()))?;
            let mut h = sha2::Sha256::new();
            std::io::copy(&mut f, &mut h).map_err(|e| PackageError::Io(e.to_string()))?;
            hex::encode(h.finalize())
        };
        if !stored.eq_ignore_ascii_case(&receipt_hash) {
            return Ok(Err(stored));
        }
        let input = std::fs::File::open(src.path()).map_err(|e| PackageError::Io(e.to_string()))?;
        // Owner-only: the plaintext of a bid is nobody else's business on this machine.
        let out = ggzy_store::files::private_file_blocking(&tmp2)
            .map_err(|e| PackageError::Io(e.to_string()))?;
        package::open_stream(
            &key,
            std::io::BufReader::new(input),
            size,
            &digest,
            std::io::BufWriter::new(out),
        )
        .map(|o| {
            // Authoring metadata and the committee's index of the documents, read from the
            // plaintext just written.
            let metas = document_metas(&tmp2, &o);
            Ok((o, metas))
        })
    })
    .await
    .map_err(|e| Error::internal(format!("decryption task: {e}")))?;
    let opened = match opened {
        Ok(Err(stored_hash)) => {
            let _ = tokio::fs::remove_file(&local_tmp).await;
            return storage_fault(ctx, actor, now, section_id, &bid, &org_id, &stored_hash).await;
        }
        Ok(Ok(o)) => Ok(o),
        Err(e) => Err(e),
    };
    let mut metas = Vec::new();
    let mut documents = Vec::new();
    let mut sme = None;
    let (decryption, manifest_price, suite) = match opened {
        Ok((o, (m, d))) => {
            metas = m;
            documents = d;
            let price = package::parse_price(&o.manifest.price)
                .ok_or_else(|| Error::internal("manifest price checked"))?;
            sme = o.manifest.sme.clone();
            ("decrypted", Some(price), o.suite.name().to_string())
        }
        Err(PackageError::DigestMismatch) => ("digest_mismatch", None, bid.suite.clone()),
        Err(e) => {
            let _ = tokio::fs::remove_file(&local_tmp).await;
            return Err(match e {
                PackageError::Authentication => Error::field(
                    "key",
                    "opening.wrong_key",
                    format!("{e}; nothing changed, you may retry until the decryption window ends ({WINDOW_SOURCE})"),
                ),
                PackageError::KeyLength { .. } => Error::field("key", "opening.key_length", e.to_string()),
                PackageError::Io(e) => Error::internal(format!("opening bid {}: {e}", bid.id)),
                e => Error::field(
                    "key",
                    "opening.package_invalid",
                    format!("{e}; the package cannot be read (docs/bid-package.md)"),
                ),
            });
        }
    };
    if decryption == "decrypted" {
        let stored = ctx.files.put_file(&tmp, &local_tmp).await;
        let _ = tokio::fs::remove_file(&local_tmp).await;
        stored?;
    } else {
        let _ = tokio::fs::remove_file(&local_tmp).await;
    }
    let result = record_decryption(
        ctx,
        &metas,
        &documents,
        actor,
        now,
        section_id,
        &bid.id,
        &org_id,
        decryption,
        manifest_price,
        sme.as_ref(),
        &suite,
        &tmp,
        &dest,
    )
    .await;
    if result.is_err() {
        let _ = ctx.files.delete(&tmp).await;
    }
    result
}

fn distinct<'a>(values: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    let mut v: Vec<&String> = Vec::new();
    for x in values {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

/// One document of a decrypted bid as the committee reads it: its place inside the stored
/// plaintext (`bids/<id>.plain`: manifest head, then the documents in manifest order), its size,
/// the SHA-256 of its bytes (computed at decryption; the evaluation area checks it on every read)
/// and a media type from its first bytes or, failing that, its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlainDocument {
    /// 1-based position in the manifest.
    pub n: usize,
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    /// Byte offset of the document inside the stored plaintext.
    pub offset: u64,
}

/// The media type of a bid document: recognized by its first bytes, else by its name's extension,
/// else `application/octet-stream`. Served as an attachment, never rendered by the platform.
pub fn document_media_type(name: &str, head: &[u8]) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if head.starts_with(b"%PDF-") {
        return "application/pdf";
    }
    if head.starts_with(b"PK\x03\x04") {
        return match ext.as_str() {
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "ofd" => "application/ofd",
            _ => "application/zip",
        };
    }
    match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "ofd" => "application/ofd",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// The metadata of each document of a decrypted plaintext at `path` (manifest head, then the
/// documents in manifest order) and the committee's index of them ([`PlainDocument`]); one document
/// in memory at a time. Unreadable → none.
fn document_metas(
    path: &std::path::Path,
    o: &package::Opened,
) -> (Vec<crate::docmeta::DocMeta>, Vec<PlainDocument>) {
    use sha2::Digest;
    use std::io::{Read, Seek, SeekFrom};
    let read = || -> std::io::Result<(Vec<crate::docmeta::DocMeta>, Vec<PlainDocument>)> {
        let mut f = std::fs::File::open(path)?;
        let mut len = [0u8; 4];
        f.read_exact(&mut len)?;
        let mut offset = 4 + u64::from(u32::from_be_bytes(len));
        f.seek(SeekFrom::Start(offset))?;
        let mut out = Vec::new();
        let mut docs = Vec::new();
        for (i, d) in o.manifest.documents.iter().enumerate() {
            let mut buf = Vec::new();
            (&mut f).take(d.size).read_to_end(&mut buf)?;
            if buf.len() as u64 != d.size {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            out.push(crate::docmeta::read(&buf));
            docs.push(PlainDocument {
                n: i + 1,
                name: d.name.clone(),
                media_type: document_media_type(&d.name, &buf).to_string(),
                size: d.size,
                sha256: hex::encode(sha2::Sha256::digest(&buf)),
                offset,
            });
            offset += d.size;
        }
        Ok((out, docs))
    };
    read().unwrap_or_default()
}

/// The stored ciphertext of `bid` does not match its receipt: not the bidder's fault. The bid is
/// deemed withdrawn (`withdrawn_platform_fault`, never revoked), the event
/// `projects.bid.storage_fault` alerts supervisors and operators, and the bidder is told so
/// (`decryption: withdrawn_platform_fault`) — not that its key is wrong.
async fn storage_fault(
    ctx: &Ctx,
    actor: &Actor,
    arrived: Timestamp,
    section_id: &str,
    bid: &BidFile,
    org_id: &str,
    stored_hash: &str,
) -> Result<KeyOutcome> {
    let now = ctx.clock.now();
    tracing::error!(bid_id = %bid.id, section_id, "stored bid file does not match its receipt");
    let mut tx = ctx.db.begin().await?;
    let s = load_section(&mut tx, &ctx.db, section_id, true).await?;
    check_window(&mut tx, section_id, &s, arrived).await?;
    let n = sqlx::query(
        "UPDATE bids SET decryption = $1, decrypted_at = $2, updated_at = $2 \
         WHERE id = $3 AND status = 'current' AND decryption = 'sealed'",
    )
    .bind(PLATFORM_FAULT)
    .bind(to_micros(now))
    .bind(&bid.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one(
        n,
        "opening.already_decrypted",
        "your bid was opened concurrently",
    )?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.bid.storage_fault",
            "section",
            section_id,
            json!({"bid_id": bid.id, "section_id": section_id, "org_id": org_id,
                   "decryption": PLATFORM_FAULT, "receipt_ciphertext_sha256": bid.ciphertext_sha256,
                   "stored_ciphertext_sha256": stored_hash, "basis": PLATFORM_FAULT_SOURCE}),
        ),
    )
    .await?;
    let sealed: i64 = sqlx::query(
        "SELECT COUNT(*) FROM bids WHERE section_id = $1 AND status = 'current' AND decryption = 'sealed'",
    )
    .bind(section_id)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    if sealed == 0 {
        finalize(&mut tx, &ctx.db, now, section_id, &s, &actor.actor_ref()).await?;
    }
    let outcome = KeyOutcome {
        bid_id: bid.id.clone(),
        decryption: PLATFORM_FAULT.into(),
        price: None,
        suite: bid.suite.clone(),
        opening_recorded: sealed == 0,
    };
    ctx.db.commit_answering(tx, 200, &outcome, now).await?;
    Ok(outcome)
}

async fn check_window(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    s: &SectionRow,
    now: Timestamp,
) -> Result<Timestamp> {
    // The opening row and the section's state in one statement: the opening timer writes both in
    // one transaction, and a section row read earlier (outside a transaction, as a key submission
    // reads it) may predate that commit — "not opening yet" must not read as "window closed" to a
    // bidder whose key arrives in the opening's first instant.
    let o = sqlx::query(
        "SELECT o.state, o.window_ends_at, s.state FROM bid_openings o \
         JOIN sections s ON s.id = o.section_id WHERE o.section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (state, ends, section_state) = match o {
        Some(o) => (
            o.try_get::<String, _>(0)?,
            from_micros(o.try_get::<i64, _>(1)?),
            SectionState::parse(&o.try_get::<String, _>(2)?)?,
        ),
        None => {
            return Err(Error::conflict(
                "opening.not_open",
                format!(
                    "section is in state {}; keys are submitted during the opening, from {}",
                    s.state.as_str(),
                    display_local(s.opening_at)
                ),
            ))
        }
    };
    if state != "decrypting" || section_state != SectionState::Opening || !key_accepted(now, ends) {
        return Err(Error::conflict(
            "opening.window_closed",
            format!(
                "the decryption window ended at {} ({WINDOW_SOURCE})",
                display_local(ends)
            ),
        ));
    }
    Ok(ends)
}

#[allow(clippy::too_many_arguments)]
async fn record_decryption(
    ctx: &Ctx,
    metas: &[crate::docmeta::DocMeta],
    documents: &[PlainDocument],
    actor: &Actor,
    arrived: Timestamp,
    section_id: &str,
    bid_id: &str,
    org_id: &str,
    decryption: &str,
    price: Option<Money>,
    sme: Option<&package::SmeDeclaration>,
    suite: &str,
    tmp: &str,
    dest: &str,
) -> Result<KeyOutcome> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = load_section(&mut tx, &ctx.db, section_id, true).await?;
    // Checked again under the lock: the window timer may have recorded the opening meanwhile. The
    // window is judged at the key's arrival, not after the (possibly long) decryption.
    check_window(&mut tx, section_id, &s, arrived).await?;
    let n = sqlx::query(
        "UPDATE bids SET decryption = $1, price_fen = $2, decrypted_at = $3, updated_at = $3 \
         WHERE id = $4 AND status = 'current' AND decryption = 'sealed'",
    )
    .bind(decryption)
    .bind(price.map(|p| p.fen()))
    .bind(to_micros(now))
    .bind(bid_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one(
        n,
        "opening.already_decrypted",
        "your bid was opened concurrently",
    )?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new(
            "projects.bid.decrypted",
            "section",
            section_id,
            json!({"bid_id": bid_id, "section_id": section_id, "org_id": org_id,
                   "decryption": decryption, "suite": suite,
                   // Who prepared the documents (实施条例 40(1)), from their own metadata; read by
                   // monitoring's collusion.same_file_creator (docs/bids.md).
                   "document_authors": distinct(metas.iter().flat_map(|m| m.authors.iter())),
                   "document_software": distinct(metas.iter().flat_map(|m| m.software.iter())),
                   // The committee's index of the decrypted documents (read by evaluation's
                   // projection, docs/evaluation.md "Bid documents"): emitted only here, at the
                   // opening, after the bid deadline. `plaintext_key` is the file-store key of
                   // the decrypted copy, each document a byte range of it.
                   "plaintext_key": (decryption == "decrypted").then_some(dest),
                   "documents": if decryption == "decrypted" { documents } else { &[] },
                   // The bidder's SME declaration (中小企业声明函, 财库〔2020〕46号) sealed in the
                   // manifest, learnt only now (docs/bid-package.md); read by evaluation's price
                   // deduction. Null when none was declared.
                   "sme": sme}),
        ),
    )
    .await?;
    let sealed: i64 = sqlx::query(
        "SELECT COUNT(*) FROM bids WHERE section_id = $1 AND status = 'current' AND decryption = 'sealed'",
    )
    .bind(section_id)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    if sealed == 0 {
        finalize(&mut tx, &ctx.db, now, section_id, &s, &actor.actor_ref()).await?;
    }
    if decryption == "decrypted" {
        // The decrypted package is kept for evaluation, next to the ciphertext.
        ctx.files.rename(tmp, dest).await?;
    }
    let outcome = KeyOutcome {
        bid_id: bid_id.into(),
        decryption: decryption.into(),
        price: price.map(|p| p.to_string()),
        suite: suite.into(),
        opening_recorded: sealed == 0,
    };
    if let Err(e) = ctx.db.commit_answering(tx, 200, &outcome, now).await {
        let _ = ctx.files.delete(dest).await;
        return Err(e);
    }
    Ok(outcome)
}

/// The opening record of a section: registered bidders of the section, the project's owner
/// organization (tenderer/agency), staff and supervisors; 409 `opening.not_recorded` before it exists.
pub async fn get_record(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<OpeningRecord> {
    actor.require(&[
        Role::Bidder,
        Role::Tenderer,
        Role::Agency,
        Role::Staff,
        Role::Supervisor,
    ])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let s = load_section(&mut conn, &ctx.db, section_id, false).await?;
    match actor.role {
        Role::Staff | Role::Supervisor => {}
        Role::Bidder => {
            let org = actor
                .org_id
                .clone()
                .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
            let reg = sqlx::query(
                "SELECT id FROM section_registrations WHERE section_id = $1 AND org_id = $2",
            )
            .bind(section_id)
            .bind(&org)
            .fetch_optional(&mut *conn)
            .await?;
            if reg.is_none() {
                return Err(Error::forbidden(
                    "the opening record is shown to the bidders registered for this section",
                ));
            }
        }
        _ => {
            if actor.org_id.as_deref() != Some(s.owner_org_id.as_str()) {
                return Err(Error::forbidden(
                    "this project belongs to another organization",
                ));
            }
        }
    }
    let r = sqlx::query(
        "SELECT record, window_ends_at FROM bid_openings WHERE section_id = $1 AND state = 'closed'",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| {
        Error::conflict(
            "opening.not_recorded",
            format!(
                "section is in state {}; the opening record exists once decryption has ended",
                s.state.as_str()
            ),
        )
    })?;
    let text: Option<String> = r.try_get(0)?;
    let mut record: OpeningRecord = serde_json::from_str(&text.unwrap_or_default())
        .map_err(|e| Error::internal(format!("stored opening record: {e}")))?;
    record.objections = crate::opening_objections::list(&mut conn, section_id).await?;
    Ok(record)
}

// ---------------------------------------------------------------------------------------------
// Deposit status projection.

/// Keeps `opening_deposits` from the deposits area's events: `deposits.deposit.status_fixed`
/// (authoritative) and `deposits.deposit.valid` (until the status is fixed).
pub struct DepositStatusProjection;

#[async_trait::async_trait]
impl Consumer for DepositStatusProjection {
    fn name(&self) -> &'static str {
        "projects.opening_deposits"
    }

    fn wants(&self, event_type: &str) -> bool {
        matches!(
            event_type,
            "deposits.deposit.status_fixed" | "deposits.deposit.valid"
        )
    }

    async fn handle(&self, tx: &mut Tx, _db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let p = &ev.payload;
        let (Some(section), Some(org)) = (p["section_id"].as_str(), p["org_id"].as_str()) else {
            tracing::warn!(event = %ev.id, "deposit event without section_id/org_id; skipped");
            return Ok(());
        };
        let fixed = ev.event_type == "deposits.deposit.status_fixed";
        let status = if fixed {
            p["status"]
                .as_str()
                .filter(|s| matches!(*s, "valid" | "missing" | "invalid"))
                .unwrap_or("unknown")
        } else {
            "valid"
        };
        sqlx::query(
            "INSERT INTO opening_deposits (section_id, org_id, status, reason, source, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (section_id, org_id) DO UPDATE SET \
             status = excluded.status, reason = excluded.reason, source = excluded.source, \
             updated_at = excluded.updated_at \
             WHERE excluded.source = 'status_fixed' OR opening_deposits.source <> 'status_fixed'",
        )
        .bind(section)
        .bind(org)
        .bind(status)
        .bind(p["reason"].as_str())
        .bind(if fixed { "status_fixed" } else { "valid" })
        .bind(to_micros(clock.now()))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Routes.

pub fn routes() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(post_key))
        .routes(routes!(get_opening))
        .routes(routes!(post_fault_declaration))
}

/// Declare that a bid cannot be decrypted because of the platform or the CA (staff, during the
/// decryption window): the bid is deemed withdrawn (撤回, `withdrawn_platform_fault`), never
/// revoked, and the declaration with its reason is part of the opening record (电子招标投标办法
/// 第三十一条). 422 `opening.fault_kind` / `opening.fault_reason`, 404 unknown bid, 409
/// `opening.window_closed` / `opening.not_open` / `opening.already_decrypted`.
#[utoipa::path(post, path = "/api/v1/sections/{id}/opening/fault-declarations", tag = "bids", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = FaultDeclarationInput,
    responses((status = 201, body = FaultDeclaration), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn post_fault_declaration(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<FaultDeclarationInput>,
) -> Result<(axum::http::StatusCode, Json<FaultDeclaration>)> {
    actor.require(&[Role::Staff])?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(declare_fault(&ctx, &actor, &id, input).await?),
    ))
}

/// Submit the caller organization's decryption key during the opening (bidder). The platform
/// decrypts the stored package, checks its digest and reads the sealed price. 422
/// `opening.wrong_key` (nothing changes; retry allowed), 409 `opening.window_closed` /
/// `opening.not_open` / `opening.already_decrypted`.
#[utoipa::path(post, path = "/api/v1/sections/{id}/bids/mine/key", tag = "bids", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")), request_body = KeySubmission,
    responses((status = 200, body = KeyOutcome), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn post_key(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<KeySubmission>,
) -> Result<Json<KeyOutcome>> {
    actor.require(&[Role::Bidder])?;
    Ok(Json(submit_key(&ctx, &actor, &id, input).await?))
}

/// The opening record (开标记录) of a section, once decryption has ended: bidders registered for
/// the section, the project's tenderer/agency, staff, supervisors. 409 `opening.not_recorded` before.
#[utoipa::path(get, path = "/api/v1/sections/{id}/opening", tag = "bids", security(("bearer" = [])),
    params(("id" = String, Path, description = "section id")),
    responses((status = 200, body = OpeningRecord), (status = 403), (status = 404), (status = 409)))]
async fn get_opening(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<OpeningRecord>> {
    actor.require(&[
        Role::Bidder,
        Role::Tenderer,
        Role::Agency,
        Role::Staff,
        Role::Supervisor,
    ])?;
    Ok(Json(get_record(&ctx, &actor, &id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(fault: &str, reason: &str) -> FaultDeclarationInput {
        FaultDeclarationInput {
            bid_id: "B1".into(),
            fault: fault.into(),
            reason: reason.into(),
        }
    }

    fn rules_of(r: Result<()>) -> Vec<String> {
        match r {
            Ok(()) => Vec::new(),
            Err(Error::Validation(v)) => v.into_iter().map(|e| e.rule).collect(),
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn only_a_platform_or_ca_fault_with_a_reason_of_1_to_1000_characters_is_declared() {
        assert!(check_fault_input(&decl("platform", "x")).is_ok());
        assert!(check_fault_input(&decl("ca", &"断".repeat(1000))).is_ok());
        assert_eq!(
            rules_of(check_fault_input(&decl("ca", &"断".repeat(1001)))),
            vec!["opening.fault_reason"]
        );
        assert_eq!(
            rules_of(check_fault_input(&decl("bidder", "  "))),
            vec!["opening.fault_kind", "opening.fault_reason"]
        );
    }

    fn at(s: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_document_index_gives_each_documents_range_and_sha256() {
        use sha2::Digest;
        let docs: [(&str, &[u8]); 3] = [
            ("商务标.pdf", b"%PDF-1.7 business"),
            ("empty.bin", b""),
            ("技术标.txt", b"technical part, 180 days"),
        ];
        let suite = package::Suite::Sm4GcmSm3;
        let plain = package::plaintext(suite, "100.00", &docs);
        let key = [7u8; 16];
        let sealed = package::seal(suite, &key, &[1; 7], &plain).unwrap();
        let opened = package::open(&key, &sealed.ciphertext, &sealed.digest).unwrap();
        let path = ggzy_store::files::temp_path("docindex-test");
        std::fs::write(&path, &plain).unwrap();
        let (metas, index) = document_metas(&path, &opened);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(metas.len(), 3);
        assert_eq!(index.len(), 3);
        for (i, (d, (name, bytes))) in index.iter().zip(docs).enumerate() {
            assert_eq!(d.n, i + 1);
            assert_eq!(d.name, name);
            assert_eq!(d.size, bytes.len() as u64);
            let start = d.offset as usize;
            assert_eq!(&plain[start..start + bytes.len()], bytes, "{name}");
            // SHA-256 of the bytes, whatever the package's own hash (SM3 here).
            assert_eq!(d.sha256, hex::encode(sha2::Sha256::digest(bytes)));
        }
        assert_eq!(index[0].media_type, "application/pdf");
        assert_eq!(index[1].media_type, "application/octet-stream");
        assert_eq!(index[2].media_type, "text/plain; charset=utf-8");
        // Recognized by the first bytes before the name.
        assert_eq!(document_media_type("x.txt", b"%PDF-1.4"), "application/pdf");
        assert_eq!(
            document_media_type("标书.docx", b"PK\x03\x04rest"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert_eq!(
            document_media_type("page.html", b"<html>"),
            "application/octet-stream"
        );
    }

    #[test]
    fn two_bids_fail_three_open() {
        let r = OpeningRules::national();
        assert!(!r.opens(0));
        assert!(!r.opens(2), "first refused: two bids (实施条例 44)");
        assert!(r.opens(3), "last allowed boundary: three bids open");
        assert!(r.min_bids_source.contains("第四十四条"));
    }

    #[test]
    fn below_the_minimum_after_revocations_is_flagged_at_two_decrypted_bids_not_three() {
        let r = OpeningRules::national();
        assert!(
            r.below_min_after_opening(2),
            "first flagged: two decrypted bids"
        );
        assert!(
            !r.below_min_after_opening(3),
            "last unflagged: three decrypted bids"
        );
        assert!(BELOW_MIN_SOURCE.contains("第二十七条"));
    }

    #[test]
    fn the_window_starts_at_the_opening_time_unless_the_timer_fired_much_later() {
        let opening = at("2026-03-22T01:30:00Z");
        assert_eq!(
            window_start(opening, at("2026-03-22T01:30:00.250Z")),
            opening
        );
        assert_eq!(
            window_start(opening, at("2026-03-22T01:31:00.900Z")),
            opening
        );
        assert_eq!(
            window_start(opening, at("2026-03-22T01:31:01.900Z")),
            at("2026-03-22T01:31:01Z")
        );
    }

    #[test]
    fn the_window_accepts_its_last_second_and_refuses_its_end() {
        let r = OpeningRules::national();
        let opened = at("2026-03-22T01:30:00Z");
        let ends = r.window_ends(opened);
        assert_eq!(ends, at("2026-03-22T02:00:00Z"));
        assert!(key_accepted(opened, ends));
        assert!(key_accepted(ends - chrono::Duration::seconds(1), ends));
        assert!(key_accepted(ends - chrono::Duration::milliseconds(1), ends));
        assert!(!key_accepted(ends, ends));
        assert!(!key_accepted(
            ends + chrono::Duration::milliseconds(999),
            ends
        ));
    }
}
