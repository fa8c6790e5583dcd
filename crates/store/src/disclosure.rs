//! What admin and supervisors read of the event log before a section's bid deadline (issue 24,
//! item 7). 招标投标法 第二十二条: the names and number of potential bidders must not be disclosed
//! before the deadline. Events that trace a bidder (registration, bid upload, deposits, alerts
//! about bidders) are shown redacted until the log holds `projects.section.closed` for their
//! section: their acting user and organization and every payload field except the section and
//! project ids are withheld, and `payload.redacted` says so. Supervisors still see alerts live
//! (rule and severity); the identities behind them come from a deliberate access that names who
//! looked and why (`POST /api/v1/audit/disclosures`, event `audit.identities.disclosed`).

use ggzy_core::events::Event;
use ggzy_core::Result;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Event types (prefixes) whose payload or actor traces a potential bidder.
pub const BIDDER_TRACES: &[&str] = &[
    "projects.registration.",
    "projects.bid.submitted",
    "projects.bid.withdrawn",
    "projects.org_relation.",
    "deposits.account.issued",
    "deposits.transfer.",
    "deposits.guarantee.recorded",
    "deposits.deposit.valid",
    "monitoring.alert.",
];

/// Payload fields kept in a redacted event.
const KEPT: &[&str] = &[
    "section_id",
    "project_id",
    "alert_id",
    "rule_id",
    "severity",
    "status",
];

pub fn traces_bidder(event_type: &str) -> bool {
    BIDDER_TRACES.iter().any(|p| event_type.starts_with(p))
}

/// The section an event is about, if any.
pub fn section_of(e: &Event) -> Option<String> {
    e.payload
        .get("section_id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| (e.aggregate_type == "section").then(|| e.aggregate_id.clone()))
}

/// `e` with the bidder's identity withheld.
pub fn redacted(mut e: Event) -> Event {
    let mut kept = Map::new();
    if let Some(p) = e.payload.as_object() {
        for k in KEPT {
            if let Some(v) = p.get(*k) {
                kept.insert((*k).to_string(), v.clone());
            }
        }
    }
    kept.insert(
        ggzy_core::events::REDACTED_FIELD.into(),
        json!("bidder identities are withheld until the bid deadline (招标投标法 第二十二条)"),
    );
    e.payload = Value::Object(kept);
    e.actor = "redacted".into();
    e.actor_org = None;
    e
}

/// Sections whose deadline has passed, by the log: closed at the deadline, or already opened,
/// publicized, awarded or concluded (each comes after the deadline).
pub async fn closed_sections(db: &crate::Db, ids: &BTreeSet<String>) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for id in ids {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM events WHERE event_type IN ('projects.section.closed', \
             'projects.opening.recorded', 'projects.candidates.publicized', 'projects.award.confirmed', \
             'projects.section.concluded') AND aggregate_id = $1 AND seq IS NOT NULL",
        )
        .bind(id)
        .fetch_one(db.pool())
        .await?;
        if n > 0 {
            out.insert(id.clone());
        }
    }
    Ok(out)
}

/// The events as admin and supervisors may read them now: bidder traces of sections not yet
/// closed (and of no section at all) redacted, everything else unchanged.
pub async fn for_overseers(db: &crate::Db, events: Vec<Event>) -> Result<Vec<Event>> {
    let sections: BTreeSet<String> = events
        .iter()
        .filter(|e| traces_bidder(&e.event_type))
        .filter_map(section_of)
        .collect();
    let closed = closed_sections(db, &sections).await?;
    Ok(events
        .into_iter()
        .map(|e| {
            if !traces_bidder(&e.event_type) {
                return e;
            }
            match section_of(&e) {
                Some(s) if closed.contains(&s) => e,
                _ => redacted(e),
            }
        })
        .collect())
}

/// For a search by organization, person or text: a redacted event that matched would itself tell
/// that the searched bidder is registered, so those are left out instead.
pub async fn for_overseers_search(db: &crate::Db, events: Vec<Event>) -> Result<Vec<Event>> {
    Ok(for_overseers(db, events)
        .await?
        .into_iter()
        .filter(|e| !e.is_redacted() || !traces_bidder(&e.event_type))
        .collect())
}

/// Every bidder trace redacted (when the log cannot be asked which sections closed: fail closed).
pub fn redact_all_traces(events: Vec<Event>) -> Vec<Event> {
    events
        .into_iter()
        .map(|e| {
            if traces_bidder(&e.event_type) {
                redacted(e)
            } else {
                e
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t: &str, payload: Value) -> Event {
        Event {
            seq: 1,
            id: "e".into(),
            event_type: t.into(),
            aggregate_type: "section".into(),
            aggregate_id: "s1".into(),
            actor: "user:u1".into(),
            actor_org: Some("org-b".into()),
            occurred_at: chrono::Utc::now(),
            payload,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn a_redacted_registration_keeps_only_the_section() {
        let e = ev(
            "projects.registration.created",
            json!({"section_id": "s1", "org_id": "org-b", "uscc": "91…", "project_id": "p"}),
        );
        assert!(traces_bidder(&e.event_type));
        assert!(!e.is_redacted());
        let r = redacted(e);
        assert!(r.is_redacted());
        assert_eq!(r.payload["section_id"], "s1");
        assert_eq!(r.payload["project_id"], "p");
        assert!(r.payload.get("org_id").is_none() && r.payload.get("uscc").is_none());
        assert_eq!(r.actor, "redacted");
        assert!(r.actor_org.is_none());
        assert!(!traces_bidder("projects.section.closed"));
    }
}
