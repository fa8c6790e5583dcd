//! Domain events: every state change writes one in the same transaction as the change (outbox).
//! Other areas react to them; nobody reads another area's tables.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An event about to be recorded. The store adds id, actor, time and, once sealed, sequence and hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewEvent {
    /// Dotted type, `<area>.<aggregate>.<verb>`, e.g. `projects.section.registered`.
    pub event_type: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub payload: serde_json::Value,
}

impl NewEvent {
    pub fn new(
        event_type: impl Into<String>,
        aggregate_type: impl Into<String>,
        aggregate_id: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            event_type: event_type.into(),
            aggregate_type: aggregate_type.into(),
            aggregate_id: aggregate_id.into(),
            payload,
        }
    }
}

/// Who caused a change: a user, a machine client, or the platform itself (timers, jobs).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct ActorRef {
    /// `user:<id>`, `system:<job>`.
    pub id: String,
    pub org_id: Option<String>,
}

impl ActorRef {
    pub fn system(job: &str) -> Self {
        ActorRef {
            id: format!("system:{job}"),
            org_id: None,
        }
    }
    pub fn user(user_id: &str, org_id: Option<&str>) -> Self {
        ActorRef {
            id: format!("user:{user_id}"),
            org_id: org_id.map(str::to_string),
        }
    }
}

/// A recorded, sealed event as consumers and the changes feed see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// Position in the sealed log; the feed cursor.
    pub seq: i64,
    pub id: String,
    pub event_type: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub actor: String,
    pub actor_org: Option<String>,
    /// When the change was committed (server clock), RFC 3339 UTC.
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub payload: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The payload member that marks an event shown with the bidder's identity withheld (ggzy-store's
/// `disclosure::redacted`): its value says why.
pub const REDACTED_FIELD: &str = "redacted";

impl Event {
    /// Is this event shown redacted (its payload cut to the kept fields, see [`REDACTED_FIELD`])?
    pub fn is_redacted(&self) -> bool {
        self.payload
            .as_object()
            .is_some_and(|m| m.contains_key(REDACTED_FIELD))
    }
}

/// The fields of an event that the hash chain covers.
#[derive(Debug, Clone, Copy)]
pub struct Canonical<'a> {
    pub seq: i64,
    pub id: &'a str,
    pub event_type: &'a str,
    pub aggregate_type: &'a str,
    pub aggregate_id: &'a str,
    pub actor: &'a str,
    pub actor_org: Option<&'a str>,
    pub occurred_at_us: i64,
    pub payload: &'a serde_json::Value,
}

impl Canonical<'_> {
    /// Canonical bytes for the hash chain: JSON with keys in sorted order (serde_json's map is
    /// ordered), no whitespace, time as integer microseconds. The sequence number is included so
    /// that reordering sealed events breaks the chain.
    pub fn bytes(&self) -> Vec<u8> {
        let v = serde_json::json!({
            "seq": self.seq,
            "id": self.id,
            "type": self.event_type,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "actor": self.actor,
            "actor_org": self.actor_org,
            "occurred_at_us": self.occurred_at_us,
            "payload": self.payload,
        });
        serde_json::to_vec(&v).unwrap_or_default()
    }
}

/// `sha256(prev_hash ‖ canonical_bytes(event))`, hex.
pub fn chain_hash(prev_hash: &str, canonical: &[u8]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical);
    hex::encode(h.finalize())
}

/// The hash before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
