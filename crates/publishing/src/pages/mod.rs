//! Signed-in pages of the publishing area (the public portal is [`crate::portal`]).

pub mod tenderer;
