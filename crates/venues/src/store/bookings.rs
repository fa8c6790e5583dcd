//! `venue_bookings`, `booking_slots` and `venue_sections`.

use crate::rules::Purpose;
use crate::service::Booking;
use ggzy_core::sql::{At, MaybeAt};
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};

/// The columns of a booking as [`BookingDbRow`] reads them.
const BOOKING_COLS: &str = "id, room_id, section_id, purpose, starts_at, ends_at, status, committee_size, staff_count, hold_until, created_org, conflict";

/// A `venue_bookings` row as stored ([`BOOKING_COLS`]).
#[derive(sqlx::FromRow)]
pub(crate) struct BookingDbRow {
    id: String,
    room_id: String,
    section_id: String,
    purpose: Purpose,
    #[sqlx(try_from = "At")]
    starts_at: Timestamp,
    #[sqlx(try_from = "At")]
    ends_at: Timestamp,
    status: String,
    committee_size: i64,
    staff_count: i64,
    #[sqlx(try_from = "MaybeAt")]
    hold_until: Option<Timestamp>,
    created_org: Option<String>,
    conflict: Option<String>,
}

impl BookingDbRow {
    /// The booking and the organisation that made it.
    pub(crate) fn split(self) -> (Booking, Option<String>) {
        (
            Booking {
                id: self.id,
                room_id: self.room_id,
                section_id: self.section_id,
                purpose: self.purpose,
                start: self.starts_at,
                end: self.ends_at,
                status: self.status,
                committee_size: self.committee_size,
                staff_count: self.staff_count,
                hold_until: self.hold_until,
                conflict: self.conflict,
            },
            self.created_org,
        )
    }
}

/// One booking, with any executor (the pool or a transaction).
pub(crate) async fn booking<'e, E>(exec: E, id: &str) -> Result<Option<BookingDbRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as(&format!(
        "SELECT {BOOKING_COLS} FROM venue_bookings WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?)
}

/// Every booking starting in `[from, to)` (µs), cancelled ones included, by room and time.
pub(crate) async fn bookings_starting(db: &Db, from: i64, to: i64) -> Result<Vec<BookingDbRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {BOOKING_COLS} FROM venue_bookings WHERE starts_at >= $1 AND starts_at < $2 \
         ORDER BY room_id, starts_at"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?)
}

/// The live bookings starting in `[from, to)` (µs), by time and room.
pub(crate) async fn live_bookings_starting(
    db: &Db,
    from: i64,
    to: i64,
) -> Result<Vec<BookingDbRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {BOOKING_COLS} FROM venue_bookings WHERE starts_at >= $1 AND starts_at < $2 \
         AND status <> 'cancelled' ORDER BY starts_at, room_id"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?)
}

/// The room's live bookings not ended at `now` (µs), in time order.
pub(crate) async fn live_bookings_of_room(
    tx: &mut Tx,
    room_id: &str,
    now: i64,
) -> Result<Vec<BookingDbRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {BOOKING_COLS} FROM venue_bookings WHERE room_id = $1 AND status <> 'cancelled' \
         AND ends_at > $2 ORDER BY starts_at"
    ))
    .bind(room_id)
    .bind(now)
    .fetch_all(&mut **tx)
    .await?)
}

/// The live bookings flagged with a conflict, in time order.
pub(crate) async fn conflicted_bookings(db: &Db) -> Result<Vec<BookingDbRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {BOOKING_COLS} FROM venue_bookings WHERE conflict IS NOT NULL AND status <> 'cancelled' \
         ORDER BY starts_at"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// The section's live opening bookings, in time order.
pub(crate) async fn opening_bookings_of_section(
    tx: &mut Tx,
    section_id: &str,
) -> Result<Vec<BookingDbRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {BOOKING_COLS} FROM venue_bookings WHERE section_id = $1 AND purpose = 'opening' \
         AND status IN ('tentative', 'confirmed') ORDER BY starts_at, id"
    ))
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// Start and end (µs) of a booking.
#[derive(sqlx::FromRow)]
pub(crate) struct IntervalRow {
    pub(crate) starts_at: i64,
    pub(crate) ends_at: i64,
}

/// The room's live bookings overlapping `[from, to)` (µs).
pub(crate) async fn live_intervals_of_room(
    db: &Db,
    room_id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<IntervalRow>> {
    Ok(sqlx::query_as::<_, IntervalRow>(
        "SELECT starts_at, ends_at FROM venue_bookings WHERE room_id = $1 AND status <> 'cancelled' \
         AND starts_at < $2 AND ends_at > $3",
    )
    .bind(room_id)
    .bind(to)
    .bind(from)
    .fetch_all(db.pool())
    .await?)
}

/// Start and end of a booking.
#[derive(sqlx::FromRow)]
pub(crate) struct WindowRow {
    #[sqlx(try_from = "At")]
    pub(crate) starts_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) ends_at: Timestamp,
}

/// The window of an existing booking.
pub(crate) async fn window(tx: &mut Tx, id: &str) -> Result<WindowRow> {
    Ok(
        sqlx::query_as("SELECT starts_at, ends_at FROM venue_bookings WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// The live bookings of the room started by `starts_by` and not ended at `now` (µs), in time
/// order.
pub(crate) async fn live_booking_ids_at(
    tx: &mut Tx,
    room_id: &str,
    starts_by: i64,
    now: i64,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM venue_bookings WHERE room_id = $1 AND status <> 'cancelled' AND starts_at <= $2 \
         AND ends_at > $3 ORDER BY starts_at, id",
    )
    .bind(room_id)
    .bind(starts_by)
    .bind(now)
    .fetch_all(&mut **tx)
    .await?)
}

/// The booking's status, if it exists.
pub(crate) async fn status(tx: &mut Tx, id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT status FROM venue_bookings WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// A booking as written (times in µs).
pub(crate) struct NewBookingRow<'a> {
    pub(crate) id: &'a str,
    pub(crate) room_id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) committee_size: i64,
    pub(crate) staff_count: i64,
    pub(crate) created_by: &'a str,
    pub(crate) created_org: Option<String>,
    pub(crate) created_at: i64,
}

/// Insert a tentative booking of `purpose`, held until `hold_until` (µs).
pub(crate) async fn insert_tentative(
    tx: &mut Tx,
    b: NewBookingRow<'_>,
    purpose: Purpose,
    hold_until: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_bookings (id, room_id, section_id, purpose, starts_at, ends_at, status, committee_size, \
         staff_count, hold_until, created_by, created_org, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'tentative', $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(b.id)
    .bind(b.room_id)
    .bind(b.section_id)
    .bind(purpose.as_str())
    .bind(b.start)
    .bind(b.end)
    .bind(b.committee_size)
    .bind(b.staff_count)
    .bind(hold_until)
    .bind(b.created_by)
    .bind(b.created_org)
    .bind(b.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Insert the confirmed booking of an evaluation session.
pub(crate) async fn insert_evaluation(tx: &mut Tx, b: NewBookingRow<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_bookings (id, room_id, section_id, purpose, starts_at, ends_at, status, committee_size, \
         staff_count, hold_until, created_by, created_org, created_at, updated_at) \
         VALUES ($1, $2, $3, 'evaluation', $4, $5, 'confirmed', $6, $7, NULL, $8, $9, $10, $10)",
    )
    .bind(b.id)
    .bind(b.room_id)
    .bind(b.section_id)
    .bind(b.start)
    .bind(b.end)
    .bind(b.committee_size)
    .bind(b.staff_count)
    .bind(b.created_by)
    .bind(b.created_org)
    .bind(b.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Confirm a tentative booking; the rows changed (0: not tentative).
pub(crate) async fn confirm(tx: &mut Tx, id: &str, at: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE venue_bookings SET status = 'confirmed', hold_until = NULL, updated_at = $1 \
         WHERE id = $2 AND status = 'tentative'",
    )
    .bind(at)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Cancel a live booking; the rows changed (0: already cancelled).
pub(crate) async fn cancel(tx: &mut Tx, id: &str, at: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE venue_bookings SET status = 'cancelled', hold_until = NULL, updated_at = $1 \
         WHERE id = $2 AND status IN ('tentative', 'confirmed')",
    )
    .bind(at)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Move a live booking to `room_id` and `[start, end)` (µs), clearing its conflict flag.
pub(crate) async fn relocate(
    tx: &mut Tx,
    id: &str,
    room_id: &str,
    start: i64,
    end: i64,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE venue_bookings SET room_id = $1, starts_at = $2, ends_at = $3, conflict = NULL, updated_at = $4 \
         WHERE id = $5 AND status IN ('tentative', 'confirmed')",
    )
    .bind(room_id)
    .bind(start)
    .bind(end)
    .bind(at)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Flag the booking with why it could not follow its section.
pub(crate) async fn set_conflict(tx: &mut Tx, id: &str, why: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE venue_bookings SET conflict = $1, updated_at = $2 WHERE id = $3")
        .bind(why)
        .bind(at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// booking_slots

/// Take one slot for the booking; a slot already taken is the database's conflict (the failed
/// statement is returned to the caller).
pub(crate) async fn insert_slot(
    tx: &mut Tx,
    room_id: &str,
    slot: i64,
    booking_id: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO booking_slots (room_id, slot_start, booking_id) VALUES ($1, $2, $3)")
        .bind(room_id)
        .bind(slot)
        .bind(booking_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Take one slot unless it is taken (no failed statement); the rows changed (0: taken).
pub(crate) async fn claim_slot(
    tx: &mut Tx,
    room_id: &str,
    slot: i64,
    booking_id: &str,
) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO booking_slots (room_id, slot_start, booking_id) VALUES ($1, $2, $3) \
         ON CONFLICT (room_id, slot_start) DO NOTHING",
    )
    .bind(room_id)
    .bind(slot)
    .bind(booking_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Release one slot the booking holds.
pub(crate) async fn release_slot(
    tx: &mut Tx,
    room_id: &str,
    slot: i64,
    booking_id: &str,
) -> Result<()> {
    sqlx::query(
        "DELETE FROM booking_slots WHERE room_id = $1 AND slot_start = $2 AND booking_id = $3",
    )
    .bind(room_id)
    .bind(slot)
    .bind(booking_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Release every slot of the booking.
pub(crate) async fn release_slots(tx: &mut Tx, booking_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM booking_slots WHERE booking_id = $1")
        .bind(booking_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Release the booking's slots outside `room_id` and `[start, end)` (µs).
pub(crate) async fn release_slots_outside(
    tx: &mut Tx,
    booking_id: &str,
    room_id: &str,
    start: i64,
    end: i64,
) -> Result<()> {
    sqlx::query(
        "DELETE FROM booking_slots WHERE booking_id = $1 AND (room_id <> $2 OR slot_start < $3 OR slot_start >= $4)",
    )
    .bind(booking_id)
    .bind(room_id)
    .bind(start)
    .bind(end)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The slot starts (µs) the booking holds.
pub(crate) async fn slots_of(tx: &mut Tx, booking_id: &str) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT slot_start FROM booking_slots WHERE booking_id = $1")
            .bind(booking_id)
            .fetch_all(&mut **tx)
            .await?,
    )
}

/// The rooms with a slot taken in `[from, to)` (µs).
pub(crate) async fn busy_rooms(db: &Db, from: i64, to: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT room_id FROM booking_slots WHERE slot_start >= $1 AND slot_start < $2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?)
}

// venue_sections

/// The section's opening time, if the section is known, with any executor.
pub(crate) async fn section_opening<'e, E>(exec: E, section_id: &str) -> Result<Option<At>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query_scalar("SELECT opening_at FROM venue_sections WHERE section_id = $1")
            .bind(section_id)
            .fetch_optional(exec)
            .await?,
    )
}

/// The section's new opening time.
pub(crate) async fn set_section_opening(
    tx: &mut Tx,
    section_id: &str,
    opening_at: i64,
    at: i64,
) -> Result<()> {
    sqlx::query("UPDATE venue_sections SET opening_at = $1, updated_at = $2 WHERE section_id = $3")
        .bind(opening_at)
        .bind(at)
        .bind(section_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A section's name.
#[derive(sqlx::FromRow)]
pub(crate) struct SectionNameRow {
    pub(crate) section_id: String,
    pub(crate) name: String,
}

/// Every known section's name (no order).
pub(crate) async fn section_names(db: &Db) -> Result<Vec<SectionNameRow>> {
    Ok(
        sqlx::query_as::<_, SectionNameRow>("SELECT section_id, name FROM venue_sections")
            .fetch_all(db.pool())
            .await?,
    )
}
