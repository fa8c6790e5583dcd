//! Black-box API tests: one binary, one file per capability. Each test spawns the real app against
//! a fresh database (SQLite, or PostgreSQL when GGZY_TEST_DATABASE_URL is set).

mod auction_settlement;
mod auctions;
mod authz;
mod award;
mod bids;
mod calendar;
mod demo;
mod deposits;
mod evaluation;
mod expert_web;
mod experts;
mod faults;
mod foundation;
mod lifecycle;
mod monitoring;
mod monitoring_signals;
mod ocds;
mod opening;
mod oversight_pages;
mod portal;
mod projects;
mod projects_registration;
mod publishing;
mod security;
mod trades;
mod transparency;
mod venues;
mod web;
