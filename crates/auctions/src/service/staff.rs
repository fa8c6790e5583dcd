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
    let rows = sqlx::query(
        "SELECT a.id, COALESCE(s.name, '') FROM auctions a LEFT JOIN auction_sections s \
         ON s.section_id = a.section_id ORDER BY a.listing_end DESC, a.id LIMIT 200",
    )
    .fetch_all(ctx.db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get(0)?;
        out.push(ListingLine {
            name: r.try_get(1)?,
            view: view(ctx, actor, &id).await?,
        });
    }
    Ok(out)
}

// --- the staff's queue of re-listings

/// A re-listing waiting for its approval (32号令 第十八条: a floor below 90% of the appraisal needs a
/// second user's approval), as the staff's queue shows it.
#[derive(Debug, Clone)]
pub struct PendingRelist {
    pub auction_id: String,
    pub section_id: String,
    /// The section's name (this area's copy from `projects.section.registered`).
    pub section_name: String,
    pub market: String,
    /// `extend` or `lower_floor`.
    pub kind: String,
    pub round: i64,
    pub listing_start: Timestamp,
    pub listing_end: Timestamp,
    pub starting_price: Money,
    pub previous_starting_price: Money,
    pub appraisal_value: Option<Money>,
    pub requested_by: String,
    pub requested_at: Timestamp,
}

/// Re-listings waiting for approval, oldest first (staff, admin).
pub async fn pending_relists(ctx: &Ctx, actor: &Actor) -> Result<Vec<PendingRelist>> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin])?;
    let rows = sqlx::query(
        "SELECT r.auction_id, a.section_id, COALESCE(s.name, ''), a.market, r.kind, r.round, \
         r.listing_start, r.listing_end, r.starting_fen, r.previous_starting_fen, a.appraisal_fen, \
         r.requested_by, r.requested_at \
         FROM auction_relists r JOIN auctions a ON a.id = r.auction_id \
         LEFT JOIN auction_sections s ON s.section_id = a.section_id \
         WHERE r.status = 'pending_approval' ORDER BY r.requested_at, r.id",
    )
    .fetch_all(ctx.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PendingRelist {
                auction_id: r.try_get(0)?,
                section_id: r.try_get(1)?,
                section_name: r.try_get(2)?,
                market: r.try_get(3)?,
                kind: r.try_get(4)?,
                round: r.try_get(5)?,
                listing_start: from_micros(r.try_get(6)?),
                listing_end: from_micros(r.try_get(7)?),
                starting_price: Money::from_fen(r.try_get(8)?),
                previous_starting_price: Money::from_fen(r.try_get(9)?),
                appraisal_value: r.try_get::<Option<i64>, _>(10)?.map(Money::from_fen),
                requested_by: r.try_get(11)?,
                requested_at: from_micros(r.try_get(12)?),
            })
        })
        .collect()
}
