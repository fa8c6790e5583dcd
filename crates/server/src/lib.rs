//! The server crate only assembles: every area's routes, the shared middleware, background
//! workers (event sealer, consumers, timers, cron) and the command line.

pub mod admin_pages;
pub mod admin_rules;
pub mod app;
pub mod background;
pub mod calendar;
pub mod cli;
pub mod demo;
pub mod demo_trades;
pub mod listen;
pub mod middleware;
pub mod ops;
pub mod sandbox;
pub mod staff;

pub use app::{build_router, AppOptions};
pub use background::Background;
