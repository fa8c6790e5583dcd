//! Instants some producers write to whole seconds with `Z`
//! (`to_rfc3339_opts(SecondsFormat::Secs, true)`, e.g. `2026-03-20T12:30:00Z`): kept so on the wire
//! (a fraction of a second is dropped, as the producer always did); any RFC 3339 instant is
//! accepted on decode.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserializer, Serializer};

pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    super::deserialize(d)
}

/// The same for an optional instant (`null` or absent: `None`).
pub mod option {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        crate::time::option::deserialize(d)
    }
}
