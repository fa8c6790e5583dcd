//! Shared vocabulary of the platform. Nothing in this crate performs I/O except reading the embedded
//! holiday data; every type here is a validated value ("parse, don't validate").

pub mod calendar;
pub mod error;
pub mod events;
pub mod http;
pub mod ident;
pub mod ids;
pub mod lot;
pub mod money;
pub mod period;
pub mod property;
pub mod regional;
pub mod sql;
pub mod time;

pub use error::{Error, FieldError, Result, ResultExt};
pub use money::Money;
pub use time::{Clock, Timestamp};
