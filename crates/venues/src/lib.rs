//! Unified venue management (统一开评标场所管理) and on-site personnel (统一现场人员管理).
//!
//! Rooms are booked in 15-minute slots; every slot of a live booking is a row of `booking_slots`
//! keyed by (room, slot start), so two bookings can never overlap: the database refuses the second
//! insert, whatever the number of instances or concurrent requests. The door (门禁) lets in only
//! people on the roster of a booking taking place now.
//!
//! Invariants: `rules` does no I/O; every state change writes its domain event in the same
//! transaction; this area reads no other area's tables (sections come from
//! `projects.section.registered`).

pub mod calendar;
pub mod http;
pub mod pages;
pub mod rules;
pub mod service;
pub mod sessions;
mod store;

/// This area's background work — consumers, timers, cron jobs, loops — registered here, next to
/// the code it runs; the server assembles every area's (crates/server/src/background.rs).
pub fn workers(w: &mut ggzy_store::workers::Workers) {
    w.consumer(service::SectionsProjection)
        .consumer(sessions::SessionExperts)
        .timer(service::HOLD_TIMER, service::HoldExpiry);
}
