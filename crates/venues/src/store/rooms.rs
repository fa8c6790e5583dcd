//! `venue_rooms` and `venue_blocks`.

use crate::rules::{Hours, RoomKind};
use crate::service::RoomRow;
use ggzy_core::sql::{At, Flag};
use ggzy_core::{Result, Timestamp};
use ggzy_store::{Db, Tx};

/// The columns of a room as [`RoomDbRow`] reads them.
const ROOM_COLS: &str =
    "id, kind, name, floor, capacity, equipment, isolated, open_from, open_until, networks";

/// A `venue_rooms` row as stored ([`ROOM_COLS`]).
#[derive(sqlx::FromRow)]
pub(crate) struct RoomDbRow {
    id: String,
    kind: RoomKind,
    name: String,
    floor: i64,
    capacity: i64,
    equipment: String,
    #[sqlx(try_from = "Flag")]
    isolated: bool,
    open_from: i64,
    open_until: i64,
    networks: String,
}

impl From<RoomDbRow> for RoomRow {
    fn from(r: RoomDbRow) -> RoomRow {
        RoomRow {
            id: r.id,
            kind: r.kind,
            name: r.name,
            floor: r.floor,
            capacity: r.capacity,
            equipment: serde_json::from_str(&r.equipment).unwrap_or_default(),
            isolated: r.isolated,
            hours: Hours {
                from: r.open_from,
                until: r.open_until,
            },
            networks: serde_json::from_str(&r.networks).unwrap_or_default(),
        }
    }
}

/// One room, with any executor (the pool or a transaction).
pub(crate) async fn room<'e, E>(exec: E, id: &str) -> Result<Option<RoomDbRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as(&format!(
        "SELECT {ROOM_COLS} FROM venue_rooms WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?)
}

/// Every room (no order).
pub(crate) async fn all_rooms(db: &Db) -> Result<Vec<RoomDbRow>> {
    Ok(
        sqlx::query_as::<_, RoomDbRow>(&format!("SELECT {ROOM_COLS} FROM venue_rooms"))
            .fetch_all(db.pool())
            .await?,
    )
}

/// Every room by name.
pub(crate) async fn rooms_by_name(db: &Db) -> Result<Vec<RoomDbRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROOM_COLS} FROM venue_rooms ORDER BY name"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// Every room by floor and name (the calendar's order).
pub(crate) async fn rooms_by_floor(db: &Db) -> Result<Vec<RoomDbRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROOM_COLS} FROM venue_rooms ORDER BY floor, name"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// Every room, smallest first.
pub(crate) async fn rooms_by_capacity(db: &Db) -> Result<Vec<RoomDbRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROOM_COLS} FROM venue_rooms ORDER BY capacity, name"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// A room as created (`equipment`, `networks`: JSON text).
pub(crate) struct NewRoomRow<'a> {
    pub(crate) id: &'a str,
    pub(crate) kind: RoomKind,
    pub(crate) name: &'a str,
    pub(crate) floor: i64,
    pub(crate) capacity: i64,
    pub(crate) equipment: String,
    pub(crate) isolated: bool,
    pub(crate) hours: Hours,
    pub(crate) created_at: i64,
    pub(crate) networks: String,
}

/// Insert a room (a duplicate name is the database's conflict).
pub(crate) async fn insert_room(tx: &mut Tx, r: NewRoomRow<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_rooms (id, kind, name, floor, capacity, equipment, isolated, open_from, open_until, created_at, networks) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(r.id)
    .bind(r.kind.as_str())
    .bind(r.name)
    .bind(r.floor)
    .bind(r.capacity)
    .bind(r.equipment)
    .bind(i64::from(r.isolated))
    .bind(r.hours.from)
    .bind(r.hours.until)
    .bind(r.created_at)
    .bind(r.networks)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replace the room's networks (JSON text); the rows changed (0: no such room).
pub(crate) async fn set_networks(tx: &mut Tx, room_id: &str, networks: String) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE venue_rooms SET networks = $1 WHERE id = $2")
            .bind(networks)
            .bind(room_id)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}

/// The editable fields of a room (`equipment`: JSON text).
pub(crate) struct RoomFields<'a> {
    pub(crate) kind: RoomKind,
    pub(crate) name: &'a str,
    pub(crate) floor: i64,
    pub(crate) capacity: i64,
    pub(crate) equipment: String,
    pub(crate) isolated: bool,
    pub(crate) hours: Hours,
}

/// Update the room (a duplicate name is the database's conflict); the rows changed.
pub(crate) async fn update_room(tx: &mut Tx, room_id: &str, r: RoomFields<'_>) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE venue_rooms SET kind = $1, name = $2, floor = $3, capacity = $4, equipment = $5, \
         isolated = $6, open_from = $7, open_until = $8 WHERE id = $9",
    )
    .bind(r.kind.as_str())
    .bind(r.name)
    .bind(r.floor)
    .bind(r.capacity)
    .bind(r.equipment)
    .bind(i64::from(r.isolated))
    .bind(r.hours.from)
    .bind(r.hours.until)
    .bind(room_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

// venue_blocks

/// A blocked period of a room.
#[derive(sqlx::FromRow)]
pub(crate) struct BlockRow {
    pub(crate) id: String,
    #[sqlx(try_from = "At")]
    pub(crate) starts_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) ends_at: Timestamp,
    pub(crate) reason: String,
}

/// The room's blocked periods in time order.
pub(crate) async fn blocks_of(db: &Db, room_id: &str) -> Result<Vec<BlockRow>> {
    Ok(sqlx::query_as(
        "SELECT id, starts_at, ends_at, reason FROM venue_blocks WHERE room_id = $1 ORDER BY starts_at",
    )
    .bind(room_id)
    .fetch_all(db.pool())
    .await?)
}

pub(crate) async fn insert_block(
    tx: &mut Tx,
    id: &str,
    room_id: &str,
    start: i64,
    end: i64,
    reason: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO venue_blocks (id, room_id, starts_at, ends_at, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(room_id)
    .bind(start)
    .bind(end)
    .bind(reason)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A block overlapping a window.
#[derive(sqlx::FromRow)]
pub(crate) struct BlockedRow {
    pub(crate) reason: String,
    #[sqlx(try_from = "At")]
    pub(crate) starts_at: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) ends_at: Timestamp,
}

/// The first block of the room overlapping `[start, end)` (µs).
pub(crate) async fn first_block_within(
    tx: &mut Tx,
    room_id: &str,
    start: i64,
    end: i64,
) -> Result<Option<BlockedRow>> {
    Ok(sqlx::query_as(
        "SELECT reason, starts_at, ends_at FROM venue_blocks WHERE room_id = $1 AND starts_at < $2 AND ends_at > $3 \
         ORDER BY starts_at",
    )
    .bind(room_id)
    .bind(end)
    .bind(start)
    .fetch_optional(&mut **tx)
    .await?)
}
