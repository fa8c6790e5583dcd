//! Black-box API tests: one binary, one file per capability. Each test spawns the real app against
//! a fresh database (SQLite, or PostgreSQL when GGZY_TEST_DATABASE_URL is set).

mod auction_pages;
mod auction_settlement;
mod auctions;
mod authz;
mod authz_cross;
mod award;
mod bidder_web;
mod bids;
mod calendar;
mod calendar_marks;
mod demo;
mod deposits;
mod evaluation;
mod expert_web;
mod experts;
mod faults;
mod foundation;
mod idempotent_answers;
mod lifecycle;
mod monitoring;
mod monitoring_signals;
mod ocds;
mod opening;
mod portal;
mod projects;
mod projects_registration;
mod publishing;
mod security;
mod staff_venues;
mod staff_web;
mod tenderer_web;
mod trades;
mod transparency;
mod venues;
mod web;
