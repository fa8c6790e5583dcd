//! Read models of the bidder's workbench (投标人工作台): one call per page.

use chrono::{DateTime, Utc};
use ggzy_core::error::Violations;
use ggzy_core::ident::Market;
use ggzy_core::sql::{At, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Error, Money, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use serde::Serialize;
use utoipa::ToSchema;

/// An invitation the caller's organization received (投标邀请书 of an invited tender, 招标投标法
/// 第十七条; or a non-tender procurement's invitation by random draw or written recommendation,
/// 财政部令第74号 第十二条): only invited organizations may register for these sections.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidInvitation {
    pub section_id: String,
    pub project_id: String,
    pub project_code: Option<String>,
    pub project_name: String,
    pub section_name: String,
    pub market: String,
    pub procedure: String,
    /// The section's state: registration opens when it is `bidding`.
    pub state: String,
    pub bid_deadline: DateTime<Utc>,
    /// `letter` (投标邀请书), `draw` (随机抽取), `purchaser` or `expert` (书面推荐).
    pub source: String,
    pub invited_at: DateTime<Utc>,
    /// When the caller's organization registered, if it did.
    pub registered_at: Option<DateTime<Utc>>,
}

/// [`BidInvitation`] as read.
#[derive(sqlx::FromRow)]
struct InvitationRow {
    section_id: String,
    project_id: String,
    code: Option<String>,
    project_name: String,
    section_name: String,
    market: String,
    procedure: String,
    state: String,
    #[sqlx(try_from = "At")]
    bid_deadline: Timestamp,
    source: String,
    #[sqlx(try_from = "At")]
    invited_at: Timestamp,
    #[sqlx(try_from = "MaybeAt")]
    registered_at: Option<Timestamp>,
}

/// The invitations of the caller's organization (bidder), by its unified social credit code as
/// the projects area knows it, soonest deadline first: sections not yet past their bid deadline
/// (registered, announced or bidding). An organization not yet known to the projects area has
/// none.
pub async fn my_invitations(ctx: &Ctx, actor: &Actor) -> Result<Vec<BidInvitation>> {
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let uscc: Option<String> = sqlx::query_scalar("SELECT uscc FROM project_orgs WHERE id = $1")
        .bind(&org)
        .fetch_optional(ctx.db.pool())
        .await?;
    let Some(uscc) = uscc else {
        return Ok(vec![]);
    };
    let rows: Vec<InvitationRow> = sqlx::query_as(
        "SELECT s.id AS section_id, p.id AS project_id, p.code, p.name AS project_name, \
         s.name AS section_name, p.market, p.procedure, s.state, s.bid_deadline, i.source, \
         i.invited_at, r.created_at AS registered_at \
         FROM (SELECT section_id, 'letter' AS source, invited_at FROM section_invitees WHERE uscc = $1 \
               UNION ALL \
               SELECT section_id, source, invited_at FROM nontender_invitees WHERE uscc = $1) i \
         JOIN sections s ON s.id = i.section_id JOIN projects p ON p.id = s.project_id \
         LEFT JOIN section_registrations r ON r.section_id = s.id AND r.org_id = $2 \
         WHERE s.state IN ('registered', 'announced', 'bidding') AND s.bid_deadline > $3 \
         ORDER BY s.bid_deadline, s.id LIMIT 200",
    )
    .bind(&uscc)
    .bind(&org)
    .bind(to_micros(ctx.clock.now()))
    .fetch_all(ctx.db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| BidInvitation {
            section_id: r.section_id,
            project_id: r.project_id,
            project_code: r.code,
            project_name: r.project_name,
            section_name: r.section_name,
            market: r.market,
            procedure: r.procedure,
            state: r.state,
            bid_deadline: r.bid_deadline,
            source: r.source,
            invited_at: r.invited_at,
            registered_at: r.registered_at,
        })
        .collect())
}

/// A section open for registration, with the caller's registration if it has one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenSection {
    pub section_id: String,
    pub project_id: String,
    /// Unified trading code (统一交易编码).
    pub project_code: Option<String>,
    pub project_name: String,
    pub section_no: i64,
    pub section_name: String,
    pub market: String,
    pub procedure: String,
    pub deposit: Money,
    /// Registration closes strictly before this instant (server clock).
    pub bid_deadline: DateTime<Utc>,
    pub opening_at: DateTime<Utc>,
    /// When the caller's organization registered, if it did.
    pub registered_at: Option<DateTime<Utc>>,
}

/// Sections in bidding whose deadline has not passed, soonest deadline first, optionally of one
/// market (bidder).
pub async fn open_sections(
    ctx: &Ctx,
    actor: &Actor,
    market: Option<&str>,
) -> Result<Vec<OpenSection>> {
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let mut v = Violations::new();
    let market = match market.filter(|m| !m.is_empty()) {
        Some(m) => v.take("market", Market::parse(m)),
        None => None,
    };
    v.into_result()?;
    let rows: Vec<OpenSectionRow> = sqlx::query_as(
        "SELECT s.id AS section_id, p.id AS project_id, p.code, p.name AS project_name, s.section_no, \
         s.name AS section_name, p.market, p.procedure, s.deposit_fen, \
         s.bid_deadline, s.opening_at, r.created_at AS registered_at \
         FROM sections s JOIN projects p ON p.id = s.project_id \
         LEFT JOIN section_registrations r ON r.section_id = s.id AND r.org_id = $1 \
         WHERE s.state = 'bidding' AND s.bid_deadline > $2 AND ($3 = '' OR p.market = $3) \
         ORDER BY s.bid_deadline, s.id LIMIT 200",
    )
    .bind(&org)
    .bind(to_micros(ctx.clock.now()))
    .bind(market.map(|m| m.as_str()).unwrap_or_default())
    .fetch_all(ctx.db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OpenSection {
            section_id: r.section_id,
            project_id: r.project_id,
            project_code: r.code,
            project_name: r.project_name,
            section_no: r.section_no,
            section_name: r.section_name,
            market: r.market,
            procedure: r.procedure,
            deposit: r.deposit_fen,
            bid_deadline: r.bid_deadline,
            opening_at: r.opening_at,
            registered_at: r.registered_at,
        })
        .collect())
}

/// A section open for registration, with the caller's registration time.
#[derive(sqlx::FromRow)]
struct OpenSectionRow {
    section_id: String,
    project_id: String,
    code: Option<String>,
    project_name: String,
    section_no: i64,
    section_name: String,
    market: String,
    procedure: String,
    deposit_fen: Money,
    #[sqlx(try_from = "At")]
    bid_deadline: Timestamp,
    #[sqlx(try_from = "At")]
    opening_at: Timestamp,
    #[sqlx(try_from = "MaybeAt")]
    registered_at: Option<Timestamp>,
}

/// The section columns of the receipts page.
#[derive(sqlx::FromRow)]
struct ReceiptsSectionRow {
    id: String,
    code: Option<String>,
    project_name: String,
    section_name: String,
    state: String,
    #[sqlx(try_from = "At")]
    bid_deadline: Timestamp,
}

/// The section and opening columns of the opening page.
#[derive(sqlx::FromRow)]
struct OpeningViewRow {
    project_name: String,
    section_name: String,
    state: String,
    #[sqlx(try_from = "At")]
    opening_at: Timestamp,
    opening_state: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    started_at: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    window_ends_at: Option<Timestamp>,
    my_decryption: Option<String>,
}

/// The section columns of the result page.
#[derive(sqlx::FromRow)]
struct ResultSectionRow {
    project_name: String,
    section_name: String,
    state: String,
}

/// The caller's receipts (回执) for one section: the section, whether the bid may still be replaced
/// or withdrawn (in bidding, before the deadline), and every version it uploaded with its signed
/// receipt (`bids::my_receipts`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionReceipts {
    pub section_id: String,
    pub project_code: Option<String>,
    pub project_name: String,
    pub section_name: String,
    pub state: String,
    pub bid_deadline: DateTime<Utc>,
    /// True while the section is in bidding and the deadline has not passed: the bidder may seal
    /// again (replace) or withdraw.
    pub changeable: bool,
    pub bids: Vec<crate::bids::MyBid>,
}

impl SectionReceipts {
    /// The version that will be opened, if any.
    pub fn current(&self) -> Option<&crate::bids::MyBid> {
        self.bids.iter().find(|b| b.status == "current")
    }
}

/// [`SectionReceipts`] for a section the caller's organization registered for (bidder). 404 for an
/// unknown section or one it did not register for (another bidder's section shows nothing).
pub async fn section_receipts(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
) -> Result<SectionReceipts> {
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let r: ReceiptsSectionRow = sqlx::query_as(
        "SELECT s.id, p.code, p.name AS project_name, s.name AS section_name, s.state, s.bid_deadline \
         FROM sections s JOIN projects p ON p.id = s.project_id \
         JOIN section_registrations r ON r.section_id = s.id AND r.org_id = $1 \
         WHERE s.id = $2",
    )
    .bind(&org)
    .bind(section_id)
    .fetch_optional(ctx.db.pool())
    .await?
    .ok_or_else(|| {
        Error::not_found(format!(
            "section {section_id} (or your organization is not registered for it)"
        ))
    })?;
    let state = r.state;
    let bid_deadline = r.bid_deadline;
    let bids = crate::bids::my_receipts(ctx, actor, section_id).await?;
    Ok(SectionReceipts {
        section_id: r.id,
        project_code: r.code,
        project_name: r.project_name,
        section_name: r.section_name,
        changeable: state == "bidding"
            && crate::rules::registration_open(ctx.clock.now(), bid_deadline),
        state,
        bid_deadline,
        bids,
    })
}

/// Where the opening (开标) of a section stands for the caller, in one call: the page and its live
/// stream (`/bidder/sections/{id}/opening/events`) both read this.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpeningView {
    pub section_id: String,
    pub project_name: String,
    pub section_name: String,
    /// The section's state (`bidding`, `opening`, `evaluating`, …).
    pub state: String,
    pub opening_at: DateTime<Utc>,
    /// `before` (not opened yet), `window` (the decryption window is open: give the key),
    /// `recorded` (the opening record exists) or `failed` (no opening, e.g. too few bids).
    pub phase: String,
    pub window_started_at: Option<DateTime<Utc>>,
    /// First refused instant of the decryption window.
    pub window_ends_at: Option<DateTime<Utc>>,
    /// The decryption state of the caller's current bid (`sealed`, `decrypted`, …), if it has one.
    pub my_decryption: Option<String>,
    /// The opening record (开标记录), once recorded.
    pub record: Option<crate::opening::OpeningRecord>,
}

/// [`OpeningView`] for a section the caller's organization registered for (bidder); 404 otherwise.
pub async fn opening_view(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<OpeningView> {
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let r: OpeningViewRow = sqlx::query_as(
        "SELECT p.name AS project_name, s.name AS section_name, s.state, s.opening_at, \
         o.state AS opening_state, o.started_at, o.window_ends_at, \
         (SELECT b.decryption FROM bids b WHERE b.section_id = s.id AND b.org_id = $1 AND b.status = 'current') \
         AS my_decryption \
         FROM sections s JOIN projects p ON p.id = s.project_id \
         JOIN section_registrations r ON r.section_id = s.id AND r.org_id = $1 \
         LEFT JOIN bid_openings o ON o.section_id = s.id \
         WHERE s.id = $2",
    )
    .bind(&org)
    .bind(section_id)
    .fetch_optional(ctx.db.pool())
    .await?
    .ok_or_else(|| {
        Error::not_found(format!(
            "section {section_id} (or your organization is not registered for it)"
        ))
    })?;
    let state = r.state;
    let opening_state = r.opening_state;
    let record = if opening_state.as_deref() == Some("closed") {
        Some(crate::opening::get_record(ctx, actor, section_id).await?)
    } else {
        None
    };
    let phase = match opening_state.as_deref() {
        Some("closed") => "recorded",
        Some(_) => "window",
        None if matches!(state.as_str(), "failed" | "terminated") => "failed",
        None => "before",
    };
    Ok(OpeningView {
        section_id: section_id.to_string(),
        project_name: r.project_name,
        section_name: r.section_name,
        state,
        opening_at: r.opening_at,
        phase: phase.to_string(),
        window_started_at: r.started_at,
        window_ends_at: r.window_ends_at,
        my_decryption: r.my_decryption,
        record,
    })
}

/// After the opening, for a bidder: the candidate publicity (中标候选人公示) and the award notice
/// (中标通知) — in one call. Objections (异议) are remedies cases (crates/remedies; the page links to
/// them).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultView {
    pub section_id: String,
    pub project_name: String,
    pub section_name: String,
    pub state: String,
    pub my_org_id: String,
    pub publicity: Option<crate::award::Publicity>,
    /// An objection may be raised now (the section is in its publicity period).
    pub may_object: bool,
    pub award: Option<crate::award::Award>,
}

impl ResultView {
    /// The caller's organization won.
    pub fn won(&self) -> bool {
        self.award
            .as_ref()
            .is_some_and(|a| a.winner_org_id == self.my_org_id)
    }
}

/// [`ResultView`] for a section the caller's organization registered for (bidder); 404 otherwise.
pub async fn result_view(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<ResultView> {
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let r: ResultSectionRow = sqlx::query_as(
        "SELECT p.name AS project_name, s.name AS section_name, s.state FROM sections s JOIN projects p ON p.id = s.project_id \
         JOIN section_registrations r ON r.section_id = s.id AND r.org_id = $1 WHERE s.id = $2",
    )
    .bind(&org)
    .bind(section_id)
    .fetch_optional(ctx.db.pool())
    .await?
    .ok_or_else(|| {
        Error::not_found(format!(
            "section {section_id} (or your organization is not registered for it)"
        ))
    })?;
    fn absent<T>(r: Result<T>) -> Result<Option<T>> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(Error::NotFound(_)) | Err(Error::Conflict { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
    let state = r.state;
    let publicity = absent(crate::award::get_publicity(ctx, actor, section_id).await)?;
    let award = absent(crate::award::get_award(ctx, actor, section_id).await)?;
    let now = ctx.clock.now();
    Ok(ResultView {
        section_id: section_id.to_string(),
        project_name: r.project_name,
        section_name: r.section_name,
        may_object: state == "publicizing"
            && publicity
                .as_ref()
                .is_some_and(|p| now < p.publicity_ends_at),
        state,
        my_org_id: org,
        publicity,
        award,
    })
}
