//! What the area learns from the other areas' events: `auction_sections` (its copy of the
//! sections: market, procedure, owner, deposit, announcement), `auction_bidders` (registration,
//! deposit and bidder number, 竞买号), `auction_rooms` and `auction_onsite_bookings` (venues'
//! rooms and the bookings of on-site auctions); and `auction_procedure_rules` (seeded by
//! migration 0246).

use ggzy_core::sql::{At, Flag};
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::{Db, Tx};

// auction_sections

/// The section's first announcement (a later one leaves it as it is).
pub(crate) async fn set_announced(tx: &mut Tx, section_id: &str, at: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE auction_sections SET announced_at = $1 WHERE section_id = $2 AND announced_at IS NULL",
    )
    .bind(At(at))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Note the section's first pre-disclosure (信息预披露) published at `at` (a later one keeps it).
pub(crate) async fn set_predisclosed(tx: &mut Tx, section_id: &str, at: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE auction_sections SET predisclosed_at = $1 WHERE section_id = $2 AND predisclosed_at IS NULL",
    )
    .bind(At(at))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Is `org_id` the section's owner (the organization that registered its project)?
pub(crate) async fn is_owner(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM auction_sections WHERE section_id = $1 AND owner_org_id = $2")
            .bind(section_id)
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

// auction_bidders

/// Make sure the bidder has a row (neither registered nor with a valid deposit yet).
pub(crate) async fn ensure_bidder(tx: &mut Tx, section_id: &str, org_id: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO auction_bidders (section_id, org_id, registered, deposit_valid) VALUES ($1, $2, 0, 0) \
         ON CONFLICT (section_id, org_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(org_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn set_registered(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
    registered: i64,
) -> Result<()> {
    sqlx::query("UPDATE auction_bidders SET registered = $1 WHERE section_id = $2 AND org_id = $3")
        .bind(registered)
        .bind(section_id)
        .bind(org_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn set_deposit_valid(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
    deposit_valid: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE auction_bidders SET deposit_valid = $1 WHERE section_id = $2 AND org_id = $3",
    )
    .bind(deposit_valid)
    .bind(section_id)
    .bind(org_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A bidder's standing: registered, deposit valid, bidder number.
#[derive(sqlx::FromRow)]
pub(crate) struct StandingRow {
    #[sqlx(try_from = "Flag")]
    pub(crate) registered: bool,
    #[sqlx(try_from = "Flag")]
    pub(crate) deposit_valid: bool,
    pub(crate) number: Option<String>,
}

pub(crate) async fn standing(tx: &mut Tx, section_id: &str, org_id: &str) -> Result<StandingRow> {
    Ok(sqlx::query_as(
        "SELECT registered, deposit_valid, number FROM auction_bidders WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// How many bidders of the section have a number.
pub(crate) async fn count_numbered(tx: &mut Tx, section_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM auction_bidders WHERE section_id = $1 AND number IS NOT NULL",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?)
}

pub(crate) async fn set_number(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
    number: &str,
) -> Result<()> {
    sqlx::query("UPDATE auction_bidders SET number = $1 WHERE section_id = $2 AND org_id = $3")
        .bind(number)
        .bind(section_id)
        .bind(org_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The section's bidders as staff see them, by number.
pub(crate) async fn bidders(db: &Db, section_id: &str) -> Result<Vec<crate::service::Bidder>> {
    Ok(sqlx::query_as(
        "SELECT org_id, number, registered, deposit_valid FROM auction_bidders WHERE section_id = $1 ORDER BY number, org_id",
    )
    .bind(section_id)
    .fetch_all(db.pool())
    .await?)
}

// auction_rooms, auction_onsite_bookings

/// Keep a venues room's name (the latest wins).
pub(crate) async fn upsert_room(tx: &mut Tx, room_id: &str, name: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO auction_rooms (room_id, name) VALUES ($1, $2) \
         ON CONFLICT (room_id) DO UPDATE SET name = excluded.name",
    )
    .bind(room_id)
    .bind(name)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A venues booking of an on-site auction as venues last reported it.
pub(crate) struct OnsiteBooking<'a> {
    pub(crate) booking_id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) room_id: &'a str,
    pub(crate) starts_at: Timestamp,
    pub(crate) ends_at: Timestamp,
    pub(crate) status: &'a str,
}

/// Keep the booking's latest room, time and status.
pub(crate) async fn upsert_onsite_booking(
    tx: &mut Tx,
    b: &OnsiteBooking<'_>,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO auction_onsite_bookings (booking_id, section_id, room_id, starts_at, ends_at, status, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (booking_id) DO UPDATE SET room_id = excluded.room_id, \
         starts_at = excluded.starts_at, ends_at = excluded.ends_at, status = excluded.status, updated_at = excluded.updated_at",
    )
    .bind(b.booking_id)
    .bind(b.section_id)
    .bind(b.room_id)
    .bind(At(b.starts_at))
    .bind(At(b.ends_at))
    .bind(b.status)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What a new listing reads of its section.
#[derive(sqlx::FromRow)]
pub(crate) struct ListingSectionRow {
    pub(crate) project_id: String,
    pub(crate) market: String,
    pub(crate) announced_at: Option<i64>,
    pub(crate) deposit_fen: Option<i64>,
    pub(crate) procedure: Option<String>,
}

pub(crate) async fn listing_section(
    db: &Db,
    section_id: &str,
) -> Result<Option<ListingSectionRow>> {
    Ok(sqlx::query_as(
        "SELECT project_id, market, announced_at, deposit_fen, procedure FROM auction_sections WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(db.pool())
    .await?)
}

/// When the section's announcement was published (µs), if it is known and published.
pub(crate) async fn announced_at(tx: &mut Tx, section_id: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar::<_, Option<i64>>(
        "SELECT announced_at FROM auction_sections WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .flatten())
}

/// The section's procedure, if the section is known and has one.
pub(crate) async fn procedure(tx: &mut Tx, section_id: &str) -> Result<Option<String>> {
    let p: Option<Option<String>> =
        sqlx::query_scalar("SELECT procedure FROM auction_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(p.flatten())
}

/// A procedure's minimum of bidders (if it has one) and its source.
#[derive(sqlx::FromRow)]
pub(crate) struct MinBiddersRow {
    pub(crate) min_bidders: Option<i64>,
    pub(crate) source: String,
}

/// The row of the section's procedure in `auction_procedure_rules`, if any.
pub(crate) async fn procedure_rule(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<MinBiddersRow>> {
    Ok(sqlx::query_as(
        "SELECT r.min_bidders, r.source FROM auction_sections s JOIN auction_procedure_rules r \
         ON r.market = s.market AND r.procedure = s.procedure WHERE s.section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The section's name and deposit as the bidder's page shows them.
#[derive(sqlx::FromRow)]
pub(crate) struct SectionPageRow {
    pub(crate) name: String,
    #[sqlx(try_from = "ggzy_core::sql::MaybeMoney")]
    pub(crate) deposit_fen: Option<Money>,
}

pub(crate) async fn section_page(db: &Db, section_id: &str) -> Result<Option<SectionPageRow>> {
    Ok(sqlx::query_as(
        "SELECT COALESCE(s.name, '') AS name, s.deposit_fen FROM auction_sections s WHERE s.section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(db.pool())
    .await?)
}

/// The bidder number of `org_id` in the section, if it has one (any executor).
pub(crate) async fn bidder_number<'e, E>(
    exec: E,
    section_id: &str,
    org_id: &str,
) -> Result<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let number: Option<Option<String>> = sqlx::query_scalar(
        "SELECT number FROM auction_bidders WHERE section_id = $1 AND org_id = $2 AND number IS NOT NULL",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(exec)
    .await?;
    Ok(number.flatten())
}

/// The organization holding bidder number `number` in the section.
pub(crate) async fn org_of_number(
    db: &Db,
    section_id: &str,
    number: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, String>(
        "SELECT org_id FROM auction_bidders WHERE section_id = $1 AND number = $2",
    )
    .bind(section_id)
    .bind(number)
    .fetch_optional(db.pool())
    .await?)
}

/// The section's numbered bidders, by number.
pub(crate) async fn numbered_bidders(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT org_id FROM auction_bidders WHERE section_id = $1 AND number IS NOT NULL ORDER BY number",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// How many of the section's bidders have a number (as a portable BIGINT).
pub(crate) async fn numbered_count(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM auction_bidders WHERE section_id = $1 AND number IS NOT NULL",
    )
    .bind(section_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Every bidder of the section (numbered or not), by organization.
pub(crate) async fn all_bidders(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT org_id FROM auction_bidders WHERE section_id = $1 ORDER BY org_id",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// `org_id`'s standing in the section, if it ever applied.
pub(crate) async fn standing_of(
    db: &Db,
    section_id: &str,
    org_id: &str,
) -> Result<Option<crate::workbench::Standing>> {
    Ok(sqlx::query_as(
        "SELECT registered, deposit_valid, number FROM auction_bidders \
         WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(db.pool())
    .await?)
}

/// The section's latest confirmed on-site booking: its id and start.
#[derive(sqlx::FromRow)]
pub(crate) struct ConfirmedBookingRow {
    pub(crate) booking_id: String,
    #[sqlx(try_from = "At")]
    pub(crate) starts_at: Timestamp,
}

pub(crate) async fn confirmed_onsite_booking(
    db: &Db,
    section_id: &str,
) -> Result<Option<ConfirmedBookingRow>> {
    Ok(sqlx::query_as(
        "SELECT booking_id, starts_at FROM auction_onsite_bookings \
         WHERE section_id = $1 AND status = 'confirmed' ORDER BY starts_at DESC LIMIT 1",
    )
    .bind(section_id)
    .fetch_optional(db.pool())
    .await?)
}

/// A live on-site booking with its room's name.
#[derive(sqlx::FromRow)]
pub(crate) struct OnsiteRow {
    pub(crate) booking_id: String,
    pub(crate) room_id: String,
    pub(crate) room_name: Option<String>,
    #[sqlx(try_from = "At")]
    pub(crate) starts_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) ends_at: Timestamp,
    pub(crate) status: String,
}

/// The section's latest live (tentative or confirmed) on-site booking.
pub(crate) async fn live_onsite_booking(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<OnsiteRow>> {
    Ok(sqlx::query_as(
        "SELECT b.booking_id, b.room_id, r.name AS room_name, b.starts_at, b.ends_at, b.status \
         FROM auction_onsite_bookings b LEFT JOIN auction_rooms r ON r.room_id = b.room_id \
         WHERE b.section_id = $1 AND b.status IN ('tentative', 'confirmed') \
         ORDER BY b.updated_at DESC, b.booking_id DESC LIMIT 1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The section's market and procedure.
#[derive(sqlx::FromRow)]
pub(crate) struct MarketRow {
    pub(crate) market: String,
    pub(crate) procedure: Option<String>,
}

/// The market and procedure of section `section_id` as the area copied it (`None`: not known to
/// the area), read through `exec` (the pool, or a consumer's transaction).
pub(crate) async fn market_of<'e, E>(exec: E, section_id: &str) -> Result<Option<MarketRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query_as("SELECT market, procedure FROM auction_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(exec)
            .await?,
    )
}
