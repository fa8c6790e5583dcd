//! Read models of the bidder's workbench (投标人工作台): one call per page.

use crate::store::workbench as store;
use chrono::{DateTime, Utc};
use ggzy_core::error::Violations;
use ggzy_core::ident::Market;
use ggzy_core::{Error, Money, Result};
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
    let uscc = store::org_uscc(&ctx.db, &org).await?;
    let Some(uscc) = uscc else {
        return Ok(vec![]);
    };
    let rows = store::invitations(&ctx.db, &uscc, &org, ctx.clock.now()).await?;
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
    let rows = store::open_sections(
        &ctx.db,
        &org,
        ctx.clock.now(),
        market.map(|m| m.as_str()).unwrap_or_default(),
    )
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
    let r = store::receipts_section(&ctx.db, &org, section_id)
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
    let r = store::opening_view(&ctx.db, &org, section_id)
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
    let r = store::result_section(&ctx.db, &org, section_id)
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
