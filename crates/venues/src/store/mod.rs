//! Every SQL statement of the venues area, one `pub(crate)` function per statement (issue 17,
//! item 2): the use cases ([`crate::service`], [`crate::sessions`], [`crate::calendar`]) keep the
//! decisions — validation, rules, events, timers, access checks — and call these for their reads
//! and writes, in the same order inside their transactions as before.
//!
//! The area owns these tables (migrations 0007, 0013, 0035), fed only by its own
//! use cases and by the other areas' events it consumes; no other area reads them:
//!
//! - [`rooms`]: `venue_rooms` and `venue_blocks` (the rooms and their blocked periods);
//! - [`bookings`]: `venue_bookings`, `booking_slots` (one row per booked 15-minute slot: the
//!   primary key refuses an overlap) and `venue_sections` (the area's copy of the sections'
//!   names and opening times);
//! - [`door`]: `venue_presence`, `venue_door_log` and `venue_violations` (the door, who is inside,
//!   what went wrong);
//! - [`sessions`]: `venue_sessions`, `venue_session_experts`, `venue_expert_accounts` and
//!   `venue_roster` (evaluation sessions, the drawn experts, their accounts, the door roster).

pub(crate) mod bookings;
pub(crate) mod door;
pub(crate) mod rooms;
pub(crate) mod sessions;
