//! Contracts of the monitoring area (监督预警): its alerts and its rule configuration.
//!
//! Every `monitoring.alert.*` event carries the alert as it is after the change ([`AlertState`]);
//! the events of an action on it (by a supervisor, or by the system when its cause went away) add
//! the action's note and who acted ([`AlertAction`]). The verb of the event is chosen by the code
//! (a `match` on the action), so each concrete name has its own contract type, a newtype over the
//! shared payload declared once: [`AlertRaised`] over [`AlertState`]; [`AlertAcknowledged`],
//! [`AlertResolved`], [`AlertDismissed`] and [`AlertNoted`] over [`AlertAction`].

use crate::{Contract, Entry, Field};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The aggregate of the alert events.
pub const ALERT: &str = "alert";

/// An alert as it is after the change: the payload of every `monitoring.alert.*` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    pub alert_id: String,
    /// The rule that raised it (`collusion.same_ip` …).
    pub rule_id: String,
    /// `low`, `medium` or `high`.
    pub severity: String,
    /// What the alert is about (a section, an expert, a refund …), the rule's subject key.
    pub subject: String,
    /// Identifies the signal within the subject (one alert per rule, subject and signal).
    pub signal_key: String,
    pub section_id: Option<String>,
    pub project_id: Option<String>,
    /// `open`, `acknowledged`, `resolved` or `dismissed`.
    pub status: String,
    /// Who handles the case (a user name).
    pub assignee: Option<String>,
    pub message_zh: String,
    pub message_en: String,
    /// The event ids and values the rule saw. Open JSON: each of the ~30 rules records its own
    /// evidence (counts, prices, shared IPs, event ids …); it is shown to supervisors as is and
    /// never interpreted by another area.
    pub evidence: Value,
}

/// An action on an alert: the alert after it, the action's note and who acted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertAction {
    #[serde(flatten)]
    pub alert: AlertState,
    /// The supervisor's note (empty for an acknowledgement without one), or why the system
    /// resolved it.
    pub note: String,
    /// The supervisor's user name, or `system`.
    pub by: String,
}

fn field(name: &'static str, ty: &'static str, doc: &'static str) -> Field {
    Field { name, ty, doc }
}

fn alert_fields() -> Vec<Field> {
    vec![
        field("alert_id", "String", ""),
        field("rule_id", "String", "The rule that raised it."),
        field("severity", "String", "`low`, `medium` or `high`."),
        field(
            "subject",
            "String",
            "What the alert is about, the rule's subject key.",
        ),
        field(
            "signal_key",
            "String",
            "Identifies the signal within the subject.",
        ),
        field("section_id", "Option<String>", ""),
        field("project_id", "Option<String>", ""),
        field(
            "status",
            "String",
            "`open`, `acknowledged`, `resolved` or `dismissed`.",
        ),
        field(
            "assignee",
            "Option<String>",
            "Who handles the case (a user name).",
        ),
        field("message_zh", "String", ""),
        field("message_en", "String", ""),
        field(
            "evidence",
            "Value",
            "The event ids and values the rule saw (open JSON: each rule its own).",
        ),
    ]
}

fn action_fields() -> Vec<Field> {
    let mut v = alert_fields();
    v.push(field(
        "note",
        "String",
        "The note (empty for an acknowledgement without one), or why the system resolved it.",
    ));
    v.push(field(
        "by",
        "String",
        "The supervisor's user name, or `system`.",
    ));
    v
}

/// One contract per concrete alert event: a newtype over the shared payload.
macro_rules! alert_contract {
    ($(#[doc = $doc:literal])* $ty:ident($payload:ident) = $name:literal, $fields:ident) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $ty(pub $payload);

        impl Contract for $ty {
            const NAME: &'static str = $name;
            const VERSION: u32 = 1;
            const AGGREGATE: &'static str = ALERT;
            fn aggregate_id(&self) -> String {
                self.0.alert_id().to_string()
            }
        }

        impl $ty {
            /// This contract in the catalogue (`docs/events.md`).
            pub fn entry() -> Entry {
                Entry {
                    name: $name,
                    version: 1,
                    aggregate: ALERT,
                    doc: concat!($($doc, "\n"),*),
                    fields: $fields(),
                }
            }
        }
    };
}

impl AlertState {
    fn alert_id(&self) -> &str {
        &self.alert_id
    }
}

impl AlertAction {
    fn alert_id(&self) -> &str {
        &self.alert.alert_id
    }
}

alert_contract! {
    /// A rule raised an alert (a new signal for its subject; the same signal again only refreshes
    /// the evidence, without an event).
    AlertRaised(AlertState) = "monitoring.alert.raised", alert_fields
}

alert_contract! {
    /// A supervisor acknowledged an open alert (it is assigned: to the caller unless named).
    AlertAcknowledged(AlertAction) = "monitoring.alert.acknowledged", action_fields
}

alert_contract! {
    /// A supervisor resolved an alert (what was found), or the system did because its cause went
    /// away (`by`: `system`).
    AlertResolved(AlertAction) = "monitoring.alert.resolved", action_fields
}

alert_contract! {
    /// A supervisor dismissed an alert (why it is not a problem).
    AlertDismissed(AlertAction) = "monitoring.alert.dismissed", action_fields
}

alert_contract! {
    /// A supervisor added a note to an open or acknowledged alert.
    AlertNoted(AlertAction) = "monitoring.alert.noted", action_fields
}

crate::contract! {
    /// A supervisor changed a monitoring rule (enabled, severity, thresholds).
    RuleUpdated = "monitoring.rule.updated", version 1, aggregate "monitoring_rule" by rule_id {
        rule_id: String,
        enabled: bool,
        /// `low`, `medium` or `high`.
        severity: String,
        /// Integer thresholds (counts, days, basis points) by name, after the change.
        params: BTreeMap<String, i64>,
    }
}

crate::contract! {
    /// The deadline to publish a mining-right deal's result (结果公示: 24:00 Beijing of the 5th
    /// working day after the deal day, 矿业权出让交易规则) passed and monitoring had not seen the
    /// result announcement published: written by monitoring's own timer
    /// (`monitoring.mining_publication_due`). The monitoring consumer reads it in log order and
    /// raises `mining.result_publication_overdue` unless the publication came first.
    MiningPublicationDeadlinePassed = "monitoring.mining_publication.deadline_passed", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: Option<String>,
        /// The section's procedure (`mining_listing`, `mining_auction`, `mining_tender` …).
        procedure: String,
        /// The deal: `auctions.deal.confirmed`'s `deal_id`, or the id of the
        /// `projects.award.confirmed` event of a tender.
        deal_ref: String,
        #[serde(with = "crate::time")]
        deal_at: DateTime<Utc>,
        /// 24:00 (Beijing) of the last day to publish.
        #[serde(with = "crate::time")]
        due_at: DateTime<Utc>,
        /// The working days the rule gave (5 by default).
        working_days: i64,
        /// The deadline counted a year without a holiday schedule (weekends only).
        provisional: bool,
        /// The rule's source.
        basis: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        AlertRaised::entry(),
        AlertAcknowledged::entry(),
        AlertResolved::entry(),
        AlertDismissed::entry(),
        AlertNoted::entry(),
        RuleUpdated::entry(),
        MiningPublicationDeadlinePassed::entry(),
    ]
}
