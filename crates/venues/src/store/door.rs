//! The door: `venue_presence`, `venue_door_log` and `venue_violations`.

use crate::rules::PersonRole;
use ggzy_core::sql::{At, Flag};
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};

/// Where a person is inside.
#[derive(sqlx::FromRow)]
pub(crate) struct PresenceRow {
    pub(crate) room_id: String,
    pub(crate) booking_id: String,
    pub(crate) name: String,
    pub(crate) role: PersonRole,
    #[sqlx(try_from = "Flag")]
    pub(crate) isolated: bool,
}

/// The person's presence inside, if any.
pub(crate) async fn presence(tx: &mut Tx, resident_id: &str) -> Result<Option<PresenceRow>> {
    Ok(sqlx::query_as(
        "SELECT room_id, booking_id, name, role, isolated FROM venue_presence WHERE resident_id = $1",
    )
    .bind(resident_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// A roster line of a booking taking place at the door.
#[derive(sqlx::FromRow)]
pub(crate) struct AdmissionRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) role: PersonRole,
}

/// The live bookings of the room started by `starts_by` and not ended at `now` (µs) whose roster
/// names the person, in time order.
pub(crate) async fn admissions(
    tx: &mut Tx,
    room_id: &str,
    resident_id: &str,
    starts_by: i64,
    now: i64,
) -> Result<Vec<AdmissionRow>> {
    Ok(sqlx::query_as(
        "SELECT b.id, r.name, r.role FROM venue_bookings b JOIN venue_roster r ON r.booking_id = b.id \
         WHERE b.room_id = $1 AND b.status <> 'cancelled' AND r.resident_id = $2 \
         AND b.starts_at <= $3 AND b.ends_at > $4 ORDER BY b.starts_at",
    )
    .bind(room_id)
    .bind(resident_id)
    .bind(starts_by)
    .bind(now)
    .fetch_all(&mut **tx)
    .await?)
}

/// The person leaves wherever he was.
pub(crate) async fn delete_presence(tx: &mut Tx, resident_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM venue_presence WHERE resident_id = $1")
        .bind(resident_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The person leaves the room.
pub(crate) async fn delete_presence_in(
    tx: &mut Tx,
    resident_id: &str,
    room_id: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM venue_presence WHERE resident_id = $1 AND room_id = $2")
        .bind(resident_id)
        .bind(room_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A person entering a room for a booking.
pub(crate) struct Entering<'a> {
    pub(crate) resident_id: &'a str,
    pub(crate) room_id: &'a str,
    pub(crate) booking_id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) role: PersonRole,
    pub(crate) isolated: bool,
    pub(crate) entered_at: i64,
}

pub(crate) async fn insert_presence(tx: &mut Tx, p: Entering<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_presence (resident_id, room_id, booking_id, name, role, isolated, entered_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(p.resident_id)
    .bind(p.room_id)
    .bind(p.booking_id)
    .bind(p.name)
    .bind(p.role.as_str())
    .bind(i64::from(p.isolated))
    .bind(p.entered_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many people are inside the room.
pub(crate) async fn headcount_in_room(tx: &mut Tx, room_id: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM venue_presence WHERE room_id = $1",
        )
        .bind(room_id)
        .fetch_one(&mut **tx)
        .await?,
    )
}

/// How many people of the booking are still inside.
pub(crate) async fn headcount_of_booking(db: &Db, booking_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM venue_presence WHERE booking_id = $1",
    )
    .bind(booking_id)
    .fetch_one(db.pool())
    .await?)
}

/// A person inside a room.
#[derive(sqlx::FromRow)]
pub(crate) struct OccupantRow {
    pub(crate) name: String,
    pub(crate) role: PersonRole,
    pub(crate) booking_id: String,
    #[sqlx(try_from = "At")]
    pub(crate) entered_at: Timestamp,
}

/// The people inside the room, in the order they entered.
pub(crate) async fn occupants(db: &Db, room_id: &str) -> Result<Vec<OccupantRow>> {
    Ok(sqlx::query_as(
        "SELECT name, role, booking_id, entered_at FROM venue_presence WHERE room_id = $1 ORDER BY entered_at",
    )
    .bind(room_id)
    .fetch_all(db.pool())
    .await?)
}

// venue_door_log

/// One door attempt as logged.
pub(crate) struct DoorLogEntry<'a> {
    pub(crate) id: String,
    pub(crate) room_id: &'a str,
    pub(crate) booking_id: Option<String>,
    pub(crate) resident_id: &'a str,
    pub(crate) name: Option<String>,
    pub(crate) role: Option<String>,
    pub(crate) direction: &'a str,
    pub(crate) allowed: bool,
    pub(crate) reason: Option<String>,
    pub(crate) at: i64,
}

pub(crate) async fn insert_door_log(tx: &mut Tx, e: DoorLogEntry<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_door_log (id, room_id, booking_id, resident_id, name, role, direction, allowed, reason, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(e.id)
    .bind(e.room_id)
    .bind(e.booking_id)
    .bind(e.resident_id)
    .bind(e.name)
    .bind(e.role)
    .bind(e.direction)
    .bind(i64::from(e.allowed))
    .bind(e.reason)
    .bind(e.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A door attempt as the session report reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct DoorLogRow {
    #[sqlx(try_from = "At")]
    pub(crate) at: Timestamp,
    pub(crate) name: Option<String>,
    pub(crate) role: Option<String>,
    pub(crate) resident_id: String,
    pub(crate) direction: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) allowed: bool,
    pub(crate) reason: Option<String>,
}

/// The booking's door attempts, and those of nobody's booking at the room in `[from, to)` (µs).
pub(crate) async fn door_log(
    db: &Db,
    booking_id: &str,
    room_id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<DoorLogRow>> {
    Ok(sqlx::query_as(
        "SELECT at, name, role, resident_id, direction, allowed, reason FROM venue_door_log \
         WHERE booking_id = $1 OR (booking_id IS NULL AND room_id = $2 AND at >= $3 AND at < $4) \
         ORDER BY at, id",
    )
    .bind(booking_id)
    .bind(room_id)
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?)
}

// venue_violations

/// A violation as recorded.
pub(crate) struct NewViolation<'a> {
    pub(crate) id: &'a str,
    pub(crate) session_id: Option<String>,
    pub(crate) room_id: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) person_role: Option<String>,
    pub(crate) resident_id: &'a str,
    pub(crate) detail: &'a str,
    pub(crate) at: i64,
}

pub(crate) async fn insert_violation(tx: &mut Tx, v: NewViolation<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_violations (id, session_id, room_id, kind, person_role, resident_id, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(v.id)
    .bind(v.session_id)
    .bind(v.room_id)
    .bind(v.kind)
    .bind(v.person_role)
    .bind(v.resident_id)
    .bind(v.detail)
    .bind(v.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A violation as the session report reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct ViolationRow {
    #[sqlx(try_from = "At")]
    pub(crate) at: Timestamp,
    pub(crate) kind: String,
    pub(crate) person_role: Option<String>,
    pub(crate) detail: String,
}

/// The session's violations in time order.
pub(crate) async fn violations_of(db: &Db, session_id: &str) -> Result<Vec<ViolationRow>> {
    Ok(sqlx::query_as(
        "SELECT at, kind, person_role, detail FROM venue_violations WHERE session_id = $1 ORDER BY at, id",
    )
    .bind(session_id)
    .fetch_all(db.pool())
    .await?)
}
