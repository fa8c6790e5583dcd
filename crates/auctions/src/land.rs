//! Land listings (国有建设用地使用权挂牌出让) under 39号令 第二十条:
//! - eligibility (竞买资格): on every land listing or auction (land and mining-right procedures),
//!   staff confirm each numbered bidder (`POST /api/v1/auctions/{id}/eligibility` `{org_id}`) before
//!   it may quote or bid; an earlier quote is refused with 409 `auctions.eligibility_not_confirmed`
//!   (39号令 第二十条: 竞买资格 is confirmed before quoting). A land listing cannot opt out
//!   (`eligibility_review: false` → 422 `auctions.eligibility_required`);
//! - the listing end (挂牌期满): on a listing created with `continuation: "on_request"`, two or more
//!   quoting bidders go on to the live auction (现场竞价, or the online one) only when a quoting bidder
//!   other than the highest asked to continue (`POST /api/v1/auctions/{id}/continue`, 要求继续竞价);
//!   otherwise the highest quote wins (when it reaches the reserve price), else the listing fails.
//!
//! Both are per-listing terms kept in `land_listing_terms` (migrations/0195). Every land listing
//! created since migration 0250 has a row with `eligibility_review` = 1; a listing without a row (a
//! land listing created before, or a property listing) keeps the earlier behaviour (every bidder with
//! a number quotes; several quoting bidders always go on to the auction).

use crate::rules::ListingOutcome;
use crate::service::{self, AuctionRow, AuctionView};
use crate::store::land as store;
use axum::extract::State;
use ggzy_core::http::{Json, Path};
use ggzy_core::Timestamp;
use ggzy_core::{Error, FieldError, Result};
use ggzy_events::auctions::{ContinueRequested, EligibilityConfirmed, LandFloorApprovalRecorded};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::uow::Uow;
use ggzy_store::{emit, Ctx, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The source of both rules, quoted in messages and docs.
pub const ARTICLE_20: &str =
    "《招标拍卖挂牌出让国有建设用地使用权规定》(国土资源部令第39号) 第二十条";

/// How several quoting bidders at the end of a listing are settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Continuation {
    /// Always on to the auction (the behaviour before these terms).
    Automatic,
    /// On to the auction only when a bidder asked to continue (39号令 第二十条).
    OnRequest,
}

impl Continuation {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "automatic" => Some(Self::Automatic),
            "on_request" => Some(Self::OnRequest),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Automatic => "automatic",
            Self::OnRequest => "on_request",
        }
    }
}

ggzy_core::text_enum!(
    Continuation,
    |s: &str| Continuation::parse(s).ok_or("unknown continuation"),
    |c: &Continuation| c.as_str()
);

/// 39号令 第二十条 (二)(三): with several quoting bidders and nobody asking to continue, the highest
/// quote wins unless it is below the reserve price (底价); no quote at all fails.
pub fn settle_by_quotes(highest: Option<i64>, reserve: Option<i64>) -> ListingOutcome {
    match highest {
        Some(h) if reserve.is_none_or(|r| h >= r) => ListingOutcome::Deal,
        _ => ListingOutcome::Failed,
    }
}

/// The final outcome of a listing's end: `listing_outcome` from the rules, narrowed by the
/// continuation terms (`asked` = a quoting bidder other than the highest asked to continue).
pub fn end_outcome(
    base: ListingOutcome,
    continuation: Continuation,
    asked: bool,
    highest: Option<i64>,
    reserve: Option<i64>,
) -> ListingOutcome {
    match (base, continuation, asked) {
        (ListingOutcome::Auction, Continuation::OnRequest, false) => {
            settle_by_quotes(highest, reserve)
        }
        (o, _, _) => o,
    }
}

/// The land terms of a listing as everyone sees them (numbers, never names).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LandView {
    /// Staff confirm each bidder's eligibility (竞买资格) before it quotes.
    pub eligibility_review: bool,
    /// `automatic` or `on_request` (39号令 第二十条).
    pub continuation: String,
    /// Bidder numbers whose eligibility staff confirmed.
    pub eligible_numbers: Vec<String>,
    /// Bidder numbers that asked to continue in the current round.
    pub continue_numbers: Vec<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Terms {
    #[sqlx(try_from = "ggzy_core::sql::Flag")]
    pub eligibility_review: bool,
    pub continuation: Continuation,
}

/// Validate the land terms of a new listing; `None` for a property listing. A land (or
/// mining-right) listing always reviews eligibility (竞买资格确认 before quoting, 39号令 第二十条):
/// the default is `true` and `false` is refused; `continuation` defaults to `automatic`.
pub(crate) fn check_terms(
    market: &str,
    eligibility_review: Option<bool>,
    continuation: Option<&str>,
    v: &mut Vec<FieldError>,
) -> Option<Terms> {
    if market != "land" {
        if eligibility_review.is_some() || continuation.is_some() {
            let field = if eligibility_review.is_some() {
                "eligibility_review"
            } else {
                "continuation"
            };
            v.push(FieldError::new(
                field,
                "auctions.land_terms_land_only",
                "eligibility review and continuation are terms of a land listing (39号令 第二十条)",
            ));
        }
        return None;
    }
    let cont = match continuation {
        None => Some(Continuation::Automatic),
        Some(c) => {
            let p = Continuation::parse(c);
            if p.is_none() {
                v.push(FieldError::new(
                    "continuation",
                    "auctions.continuation",
                    "automatic or on_request (39号令 第二十条)",
                ));
            }
            p
        }
    };
    if eligibility_review == Some(false) {
        v.push(FieldError::new(
            "eligibility_review",
            "auctions.eligibility_required",
            format!("the centre confirms each bidder's eligibility (竞买资格) before it quotes ({ARTICLE_20})"),
        ));
        return None;
    }
    Some(Terms {
        eligibility_review: true,
        continuation: cont?,
    })
}

pub(crate) async fn insert_terms(tx: &mut Tx, auction_id: &str, t: &Terms) -> Result<()> {
    store::insert_terms(tx, auction_id, t).await
}

pub(crate) async fn terms<'e, E>(exec: E, auction_id: &str) -> Result<Option<Terms>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    store::terms(exec, auction_id).await
}

/// A quote or bid by `org` needs its eligibility confirmed when the listing says so (every land
/// listing or auction since migration 0250): in the listing and in the auction that follows it or
/// is the procedure (拍卖出让).
/// `review`: the listing's eligibility review (`false`: none, or no land terms); `eligible`:
/// the bidder's eligibility is confirmed.
pub(crate) fn may_quote(review: bool, eligible: bool) -> Result<()> {
    if !review || eligible {
        Ok(())
    } else {
        Err(Error::conflict(
            "auctions.eligibility_not_confirmed",
            "the bidder's eligibility (竞买资格) is not confirmed by the centre yet; quotes wait for it",
        ))
    }
}

/// The listing end: narrows `base` by the listing's continuation terms.
pub(crate) async fn listing_end_outcome(
    tx: &mut Tx,
    a: &AuctionRow,
    base: ListingOutcome,
) -> Result<ListingOutcome> {
    if base != ListingOutcome::Auction {
        return Ok(base);
    }
    let Some(t) = terms(&mut **tx, &a.id).await? else {
        return Ok(base);
    };
    // A request counts when it comes from a bidder that quoted in this round and is not the
    // highest (the highest has nothing to continue for).
    let asked =
        store::continue_asked(tx, &a.id, a.round, a.leader_org_id.as_deref().unwrap_or("")).await?;
    Ok(end_outcome(
        base,
        t.continuation,
        asked,
        a.current_fen,
        a.reserve_fen,
    ))
}

pub(crate) async fn view(
    conn: &mut sqlx::AnyConnection,
    a_id: &str,
    section_id: &str,
    round: i64,
) -> Result<Option<LandView>> {
    let Some(t) = terms(&mut *conn, a_id).await? else {
        return Ok(None);
    };
    let eligible = store::eligible_numbers(&mut *conn, a_id, section_id).await?;
    let cont = store::continue_numbers(&mut *conn, a_id, section_id, round).await?;
    Ok(Some(LandView {
        eligibility_review: t.eligibility_review,
        continuation: t.continuation.as_str().to_string(),
        eligible_numbers: eligible,
        continue_numbers: cont,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConfirmEligibility {
    /// The bidder organization (staff see it with its number in
    /// `GET /api/v1/auctions/sections/{section_id}/bidders`).
    pub org_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContinueRequest {}

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(confirm_eligibility))
        .routes(routes!(request_continue))
}

/// Confirm a numbered bidder's eligibility (竞买资格确认, staff) on a land listing with
/// `eligibility_review`; idempotent for an already confirmed bidder.
#[utoipa::path(post, path = "/api/v1/auctions/{id}/eligibility", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = ConfirmEligibility,
    responses((status = 200, body = AuctionView), (status = 403), (status = 404),
              (status = 409, description = "the listing has no eligibility review, or is over"),
              (status = 422, description = "not a numbered bidder of the section")))]
async fn confirm_eligibility(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(b): Json<ConfirmEligibility>,
) -> Result<Json<AuctionView>> {
    Ok(Json(confirm(&ctx, &actor, &id, b).await?))
}

/// Confirm a numbered bidder's eligibility (竞买资格确认; staff, admin): the use case of
/// `POST /api/v1/auctions/{id}/eligibility` and of the staff auction page.
pub async fn confirm(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    b: ConfirmEligibility,
) -> Result<AuctionView> {
    let id = id.to_string();
    actor.require(&[Role::Staff, Role::Admin])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let a = service::load_row(&mut *tx, &id, ctx.db.for_update()).await?;
    let t = terms(&mut *tx, &id).await?;
    if !t.is_some_and(|t| t.eligibility_review) {
        return Err(Error::conflict(
            "auctions.no_eligibility_review",
            "this listing was created without eligibility review",
        ));
    }
    if a.phase != crate::rules::Phase::Listing && a.phase != crate::rules::Phase::Auction {
        return Err(Error::conflict(
            "auctions.not_listing",
            "eligibility is confirmed while the listing or the auction runs",
        ));
    }
    let number = service::number_of(&mut *tx, &a.section_id, &b.org_id).await?;
    let Some(number) = number else {
        return Err(Error::Validation(vec![FieldError::new(
            "org_id",
            "auctions.eligibility_bidder",
            "a registered bidder of the section with a valid deposit (a bidder number)",
        )]));
    };
    let confirmed = store::insert_eligibility(&mut tx, &id, &b.org_id, &actor.user_id, now).await?;
    if confirmed {
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            EligibilityConfirmed {
                auction_id: id.clone(),
                section_id: a.section_id.clone(),
                org_id: b.org_id.clone(),
                number,
                confirmed_by: actor.user_id.clone(),
                confirmed_at: now,
            }
            .encode(),
        )
        .await?;
    }
    let answer = service::view_on(&mut tx, now, actor, &id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

/// Ask to continue to the live auction at the listing end (要求继续竞价, a bidder that quoted in
/// this round, while the listing runs; 39号令 第二十条). Idempotent.
#[utoipa::path(post, path = "/api/v1/auctions/{id}/continue", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = ContinueRequest,
    responses((status = 200, body = AuctionView), (status = 403), (status = 404),
              (status = 409, description = "no continuation on request, listing over, or no quote yet")))]
async fn request_continue(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(_b): Json<ContinueRequest>,
) -> Result<Json<AuctionView>> {
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("a bidder acts for its organization"))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let a = service::load_row(&mut *tx, &id, ctx.db.for_update()).await?;
    let Some(number) = service::number_of(&mut *tx, &a.section_id, &org).await? else {
        return Err(Error::forbidden(
            "only bidders of the section with a bidder number ask to continue",
        ));
    };
    if !terms(&mut *tx, &id)
        .await?
        .is_some_and(|t| t.continuation == Continuation::OnRequest)
    {
        return Err(Error::conflict(
            "auctions.continuation_not_on_request",
            "this listing goes on to the auction without a request",
        ));
    }
    if a.phase != crate::rules::Phase::Listing || now >= a.ends_at || now < a.listing_start {
        return Err(Error::conflict(
            "auctions.not_open",
            "a request to continue is made while the listing runs",
        ));
    }
    let quoted = store::quoted_in_round(&mut tx, &id, a.round, &org).await?;
    if !quoted {
        return Err(Error::conflict(
            "auctions.continue_needs_quote",
            "only a bidder that quoted in this listing asks to continue (39号令 第二十条)",
        ));
    }
    let asked = store::insert_continue_request(&mut tx, &id, a.round, &org, now).await?;
    if asked {
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            ContinueRequested {
                auction_id: id.clone(),
                section_id: a.section_id.clone(),
                number,
                round: a.round,
                requested_at: now,
            }
            .encode(),
        )
        .await?;
    }
    let answer = service::view_on(&mut tx, now, &actor, &id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(Json(answer))
}

// --- re-listing a failed land listing (39号令 第十条)

/// The government's approval of a lowered starting price of a land re-listing (a recorded
/// document and who approved it — not a second platform user).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct LandApproval {
    /// The approval document (批复文号 / title), as issued.
    pub document: String,
    /// The approving government body or official (e.g. 大连市人民政府).
    pub approved_by: String,
}

/// Record a land transfer announcement of a section (projection of
/// `publishing.announcement.published`, type `land_transfer`).
pub(crate) async fn note_announcement(
    tx: &mut Tx,
    section_id: &str,
    announcement_id: &str,
    published_at: ggzy_core::Timestamp,
) -> Result<()> {
    store::insert_announcement(tx, section_id, announcement_id, published_at).await
}

/// The checks of a land re-listing: a new transfer announcement published after the failed round
/// ended, at least 20 days before the new listing starts, and a listing of at least 10 days
/// (39号令 第十条, 第十九条); a lower starting price needs the government's approval recorded.
pub(crate) async fn check_relist(
    ctx: &Ctx,
    a: &AuctionRow,
    lowers_floor: bool,
    (start, end): (Timestamp, Timestamp),
    approval: Option<&LandApproval>,
    missing: &mut crate::rules::Missing,
    v: &mut Vec<FieldError>,
) -> Result<()> {
    let r = crate::rules::AuctionRules::national();
    let latest = store::latest_announcement_after(&ctx.db, &a.section_id, a.ends_at).await?;
    match latest {
        None => v.push(FieldError::new(
            "listing_start",
            "auctions.land_relist_announcement",
            "a failed land listing is transferred again only after a new transfer announcement \
             (出让公告) published after it failed, at least 20 days before the new listing \
             (39号令 第十条)",
        )),
        Some(at) => v.extend(crate::rules::check_land_schedule(
            &r,
            &ctx.calendar,
            ggzy_core::time::from_micros(at),
            start,
            end,
            missing,
        )),
    }
    if lowers_floor {
        let ok = approval
            .is_some_and(|p| !p.document.trim().is_empty() && !p.approved_by.trim().is_empty());
        if !ok {
            v.push(FieldError::new(
                "approval",
                "auctions.land_floor_approval",
                "a lower starting price of a land re-listing needs the government's approval: \
                 the document and who approved it (39号令 第十条; 国土资发〔2010〕34号, 地方规定)",
            ));
        }
    }
    Ok(())
}

/// Store the approval with its re-listing and tell the other areas.
pub(crate) async fn record_approval(
    u: &mut Uow<'_>,
    actor: &Actor,
    a: &AuctionRow,
    relist_id: &str,
    starting_fen: i64,
    p: &LandApproval,
) -> Result<()> {
    let now = u.now;
    store::insert_relist_approval(
        u.tx(),
        relist_id,
        &a.id,
        p.document.trim(),
        p.approved_by.trim(),
        &actor.user_id,
        now,
    )
    .await?;
    u.emit(
        LandFloorApprovalRecorded {
            auction_id: a.id.clone(),
            section_id: a.section_id.clone(),
            relist_id: relist_id.to_string(),
            document: p.document.trim().to_string(),
            approved_by: p.approved_by.trim().to_string(),
            starting_price: ggzy_core::Money::from_fen(starting_fen),
            previous_starting_price: ggzy_core::Money::from_fen(a.starting_fen),
            recorded_by: actor.user_id.clone(),
            recorded_at: now,
        }
        .encode(),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_quoting_bidders_go_on_only_when_one_asked_otherwise_the_highest_quote_wins() {
        use Continuation::*;
        use ListingOutcome::*;
        // Nobody asked: the highest quote wins at the reserve, one fen below fails.
        assert_eq!(
            end_outcome(Auction, OnRequest, false, Some(100), Some(100)),
            Deal
        );
        assert_eq!(
            end_outcome(Auction, OnRequest, false, Some(99), Some(100)),
            Failed
        );
        assert_eq!(end_outcome(Auction, OnRequest, false, Some(1), None), Deal);
        // Asked: on to the auction whatever the quotes.
        assert_eq!(
            end_outcome(Auction, OnRequest, true, Some(99), Some(100)),
            Auction
        );
        // Automatic terms, and the other outcomes, are left as they are.
        assert_eq!(
            end_outcome(Auction, Automatic, false, Some(100), None),
            Auction
        );
        assert_eq!(end_outcome(Deal, OnRequest, false, Some(1), None), Deal);
        assert_eq!(end_outcome(Failed, OnRequest, true, None, None), Failed);
    }

    #[test]
    fn land_terms_are_checked_and_belong_to_land() {
        let mut v = Vec::new();
        // Eligibility review is the land default (39号令 第二十条) and cannot be turned off.
        let t = check_terms("land", None, None, &mut v).unwrap();
        assert!(v.is_empty() && t.eligibility_review && t.continuation == Continuation::Automatic);
        assert!(check_terms("land", Some(false), None, &mut v).is_none());
        assert_eq!(
            (v[0].field.as_str(), v[0].rule.as_str()),
            ("eligibility_review", "auctions.eligibility_required")
        );
        let mut v = Vec::new();
        assert!(check_terms("property", None, None, &mut v).is_none() && v.is_empty());
        let t = check_terms("land", Some(true), Some("on_request"), &mut v).unwrap();
        assert!(t.eligibility_review && t.continuation == Continuation::OnRequest);
        assert!(check_terms("land", None, Some("sometimes"), &mut v).is_none());
        assert_eq!(v[0].rule, "auctions.continuation");
        let mut v = Vec::new();
        assert!(check_terms("property", Some(true), None, &mut v).is_none());
        assert_eq!(
            (v[0].field.as_str(), v[0].rule.as_str()),
            ("eligibility_review", "auctions.land_terms_land_only")
        );
    }
}
