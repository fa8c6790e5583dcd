//! The staff's list of listings and queue of re-listings.

use super::*;

/// One listing in the staff's list: the view and the section's name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingLine {
    pub name: String,
    #[serde(flatten)]
    pub view: AuctionView,
}

/// Every listing, the latest first (staff, admin, supervisor): the staff page's list.
pub async fn list_listings(ctx: &Ctx, actor: &Actor) -> Result<Vec<ListingLine>> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    let rows = crate::store::auctions::listing_lines(&ctx.db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(ListingLine {
            view: view(ctx, actor, &r.id).await?,
            name: r.name,
        });
    }
    Ok(out)
}

// --- the staff's queue of re-listings

/// A re-listing waiting for its approval (32号令 第十八条: a floor below 90% of the appraisal needs a
/// second user's approval), as the staff's queue shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingRelist {
    pub auction_id: String,
    pub section_id: String,
    /// The section's name (this area's copy from `projects.section.registered`).
    pub section_name: String,
    pub market: String,
    /// `extend` or `lower_floor`.
    pub kind: String,
    pub round: i64,
    #[sqlx(try_from = "ggzy_core::sql::At")]
    pub listing_start: Timestamp,
    #[sqlx(try_from = "ggzy_core::sql::At")]
    pub listing_end: Timestamp,
    #[sqlx(rename = "starting_fen")]
    pub starting_price: Money,
    #[sqlx(rename = "previous_starting_fen")]
    pub previous_starting_price: Money,
    #[sqlx(rename = "appraisal_fen", try_from = "ggzy_core::sql::MaybeMoney")]
    pub appraisal_value: Option<Money>,
    pub requested_by: String,
    #[sqlx(try_from = "ggzy_core::sql::At")]
    pub requested_at: Timestamp,
}

/// Re-listings waiting for approval, oldest first (staff, admin).
pub async fn pending_relists(ctx: &Ctx, actor: &Actor) -> Result<Vec<PendingRelist>> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin])?;
    crate::store::auctions::pending_relists(&ctx.db).await
}
