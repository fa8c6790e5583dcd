//! Typed contracts of every domain event the platform writes.
//!
//! Areas talk only through events (see ARCHITECTURE.md). Every event has one Rust type here —
//! whether another area consumes it or only the audit log, the archives and monitoring's views read
//! it —, in the module of the area that writes it: its dotted name ([`Contract::NAME`]), its version ([`Contract::VERSION`]) and
//! its payload as a serde struct. Producers build the payload through the type and call
//! [`Contract::encode`]; consumers call [`Contract::decode`]. A renamed or retyped field is then a
//! compile error in the producer and the consumer alike, not a silent `null` in production.
//! No area builds an event by hand (`NewEvent::new`): the test `every_event_typed` reads the areas'
//! sources and names any place that does.
//!
//! # Versioning rule
//!
//! - **Additive change** (a new field): the field is an `Option` (with `#[serde(default)]`), so
//!   events already in the log still decode, and consumers that do not know it ignore it (unknown
//!   fields are accepted on decode). The version does not change.
//! - **Breaking change** (a field removed, renamed, retyped or made required): the type's
//!   `VERSION` goes up by one, new payloads carry `"v": <version>` ([`VERSION_FIELD`]) and the
//!   type's [`Contract::upcast`] — written next to the type — rewrites a payload of every older
//!   version into the current shape. A payload without `"v"` is version 1. Events in the log are
//!   never edited (they are hash-chained).
//!
//! # An event a consumer cannot decode
//!
//! [`Contract::decode`] answers a [`DecodeError`]; a consumer turns it into an error
//! (`From<DecodeError> for ggzy_core::Error`, an internal error) and returns it. The consumer
//! machinery (ggzy-store `consumer.rs`) then retries, and after three failures parks the event
//! (`parked_events`, event `consumer.event.parked`, an alert) and moves on; `replay` re-runs it
//! once fixed. A consumer never writes `""` for a missing required field and never skips an event
//! silently.
//!
//! The catalogue in `docs/events.md` is generated from these types
//! (`cargo run -p ggzy-events --example catalogue`); a test fails when it is stale.

use ggzy_core::events::{Event, NewEvent};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub mod archives;
pub mod auctions;
pub mod audit;
pub mod calendar;
mod catalogue;
pub mod consumer;
pub mod deposits;
pub mod evaluation;
pub mod experts;
pub mod identity;
pub mod monitoring;
pub mod projects;
pub mod publishing;
pub mod remedies;
pub mod time;
pub mod venues;

pub use catalogue::{catalogue, markdown, Entry, Field};

/// The payload member that carries the version of a breaking-changed contract (absent: 1).
pub const VERSION_FIELD: &str = "v";

/// Why an event could not be decoded into its contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The event is of another type than the contract.
    WrongType { expected: &'static str, got: String },
    /// The payload's version is newer than this build knows, or has no upcaster.
    UnknownVersion { event_type: String, version: u64 },
    /// The payload does not match the contract (a required field missing, a wrong type …).
    Payload {
        event_type: String,
        seq: i64,
        detail: String,
    },
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::WrongType { expected, got } => {
                write!(f, "expected a {expected} event, got {got}")
            }
            DecodeError::UnknownVersion {
                event_type,
                version,
            } => write!(f, "{event_type}: unknown payload version {version}"),
            DecodeError::Payload {
                event_type,
                seq,
                detail,
            } => write!(f, "{event_type} (seq {seq}): undecodable payload: {detail}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// An undecodable event is an internal error: the consumer fails, the machinery parks the event.
impl From<DecodeError> for ggzy_core::Error {
    fn from(e: DecodeError) -> Self {
        ggzy_core::Error::internal(format!("event contract: {e}"))
    }
}

/// One event type's contract. Implemented through [`contract!`](crate::contract).
pub trait Contract: Serialize + DeserializeOwned + Sized {
    /// Dotted type, `<area>.<aggregate>.<verb>`.
    const NAME: &'static str;
    /// Current payload version (see the crate docs for the rule).
    const VERSION: u32;
    /// The aggregate the event is about (`section`, `organization` …).
    const AGGREGATE: &'static str;

    /// The aggregate's id, taken from the payload.
    fn aggregate_id(&self) -> String;

    /// Rewrites a payload of an older `version` into the current shape. Version 1 contracts have
    /// nothing to upcast; a breaking change overrides this next to the type.
    fn upcast(version: u64, payload: Value) -> Result<Value, u64> {
        if version == u64::from(Self::VERSION) {
            Ok(payload)
        } else {
            Err(version)
        }
    }

    /// The event to emit, its payload built from the type.
    fn encode(&self) -> NewEvent {
        let mut payload = serde_json::to_value(self).unwrap_or(Value::Null);
        if Self::VERSION > 1 {
            if let Value::Object(m) = &mut payload {
                m.insert(VERSION_FIELD.into(), Value::from(Self::VERSION));
            }
        }
        NewEvent::new(Self::NAME, Self::AGGREGATE, self.aggregate_id(), payload)
    }

    /// The payload of a recorded event, upcast to the current version and typed.
    fn decode(ev: &Event) -> Result<Self, DecodeError> {
        if ev.event_type != Self::NAME {
            return Err(DecodeError::WrongType {
                expected: Self::NAME,
                got: ev.event_type.clone(),
            });
        }
        Self::decode_payload(ev.seq, &ev.payload)
    }

    /// [`Contract::decode`] of a bare payload (`seq` only names it in errors).
    fn decode_payload(seq: i64, payload: &Value) -> Result<Self, DecodeError> {
        let version = payload
            .get(VERSION_FIELD)
            .and_then(Value::as_u64)
            .unwrap_or(1);
        let current =
            Self::upcast(version, payload.clone()).map_err(|v| DecodeError::UnknownVersion {
                event_type: Self::NAME.into(),
                version: v,
            })?;
        serde_json::from_value(current).map_err(|e| DecodeError::Payload {
            event_type: Self::NAME.into(),
            seq,
            detail: e.to_string(),
        })
    }
}

/// Declares one contract: the payload struct, its [`Contract`] impl and its catalogue entry.
///
/// ```ignore
/// contract! {
///     /// What the event says.
///     SectionClosed = "projects.section.closed", version 1, aggregate "section" by section_id {
///         /// Field docs.
///         section_id: String,
///     }
/// }
/// ```
#[macro_export]
macro_rules! contract {
    (
        $(#[doc = $doc:literal])*
        $ty:ident = $name:literal, version $version:literal, aggregate $agg:literal by $id:ident $(. $sub:ident)*, payload $p:ty $(;)?
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $ty(pub $p);

        impl std::ops::Deref for $ty {
            type Target = $p;
            fn deref(&self) -> &$p {
                &self.0
            }
        }

        impl $crate::Contract for $ty {
            const NAME: &'static str = $name;
            const VERSION: u32 = $version;
            const AGGREGATE: &'static str = $agg;
            fn aggregate_id(&self) -> String {
                self.0.$id$(.$sub)*.to_string()
            }
        }

        impl $ty {
            /// This contract in the catalogue (`docs/events.md`).
            pub fn entry() -> $crate::Entry {
                $crate::Entry {
                    name: $name,
                    version: $version,
                    aggregate: $agg,
                    doc: concat!($($doc, "\n"),*),
                    fields: <$p as $crate::Payload>::fields(),
                }
            }
        }
    };
    (
        $(#[doc = $doc:literal])*
        $ty:ident = $name:literal, version $version:literal, $(upcast $up:path,)? aggregate $agg:literal by $id:ident $(. $sub:ident)* {
            $(
                $(#[doc = $fdoc:literal])*
                $(#[serde($($sattr:tt)*)])*
                $field:ident : $fty:ty
            ),* $(,)?
        }
    ) => {
        // The payload struct and its catalogue members, declared once by `payload!`.
        $crate::payload! {
            $(#[doc = $doc])*
            $ty {
                $(
                    $(#[doc = $fdoc])*
                    $(#[serde($($sattr)*)])*
                    $field: $fty
                ),*
            }
        }

        impl $crate::Contract for $ty {
            const NAME: &'static str = $name;
            const VERSION: u32 = $version;
            const AGGREGATE: &'static str = $agg;
            fn aggregate_id(&self) -> String {
                self.$id$(.$sub)*.to_string()
            }
            $(
                fn upcast(version: u64, payload: serde_json::Value) -> Result<serde_json::Value, u64> {
                    $up(version, payload)
                }
            )?
        }

        impl $ty {
            /// This contract in the catalogue (`docs/events.md`).
            pub fn entry() -> $crate::Entry {
                $crate::Entry {
                    name: $name,
                    version: $version,
                    aggregate: $agg,
                    doc: concat!($($doc, "\n"),*),
                    fields: <$ty as $crate::Payload>::fields(),
                }
            }
        }
    };
}

/// Describes a payload shared by several contracts in the catalogue (implemented by [`payload!`]).
pub trait Payload {
    /// The payload's members as the catalogue lists them.
    fn fields() -> Vec<Field>;
}

/// Declares a payload that several events carry unchanged: the serde struct and its catalogue
/// members. Each event is then declared with `contract! { X = "…", version 1, aggregate "…" by
/// member, payload Shared; }` — a transparent wrapper whose payload *is* the shared struct (it
/// dereferences to it), so the members are written once and every name keeps its own type.
#[macro_export]
macro_rules! payload {
    (
        $(#[doc = $doc:literal])*
        $ty:ident {
            $(
                $(#[doc = $fdoc:literal])*
                $(#[serde($($sattr:tt)*)])*
                $field:ident : $fty:ty
            ),* $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $ty {
            $(
                $(#[doc = $fdoc])*
                $(#[serde($($sattr)*)])*
                pub $field: $fty,
            )*
        }

        impl $crate::Payload for $ty {
            fn fields() -> Vec<$crate::Field> {
                vec![$(
                    $crate::Field {
                        name: stringify!($field),
                        ty: stringify!($fty),
                        doc: concat!($($fdoc, " "),*),
                    }
                ),*]
            }
        }
    };
}

/// The sections a payload names by the platform's common members (`section_id`, or `section_ids`
/// for an event about several), whatever its type: what archives use to tell which trade an event
/// belongs to. A payload without them (or with them of another shape) names none.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct NamedSections {
    #[serde(default)]
    pub section_id: Option<String>,
    #[serde(default)]
    pub section_ids: Option<Vec<String>>,
}

impl NamedSections {
    /// The sections `ev`'s payload names.
    pub fn of(ev: &Event) -> Self {
        let section_id = serde_json::from_value::<SectionIdOnly>(ev.payload.clone())
            .ok()
            .and_then(|s| s.section_id);
        let section_ids = serde_json::from_value::<SectionIdsOnly>(ev.payload.clone())
            .ok()
            .and_then(|s| s.section_ids);
        NamedSections {
            section_id,
            section_ids,
        }
    }
}

#[derive(serde::Deserialize)]
struct SectionIdOnly {
    #[serde(default)]
    section_id: Option<String>,
}

#[derive(serde::Deserialize)]
struct SectionIdsOnly {
    #[serde(default)]
    section_ids: Option<Vec<String>>,
}
