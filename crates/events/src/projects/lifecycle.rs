//! Contracts of a project's life (created, updated, submitted, returned, approved: one
//! snapshot) and of the regional rule overrides the projects area keeps.

use super::ProjectSection;
use crate::contract;
use ggzy_core::ident::Market;

crate::payload! {
    /// A project with its sections as every project event carries it (created, updated,
    /// approved, submitted, returned): what other areas keep of a project. Declared once; each
    /// event's payload *is* the snapshot (`ProjectReturned` adds its reason).
    ProjectSnapshot {
        project_id: String,
        /// Unified trading code (统一交易编码), set on registration.
        code: Option<String>,
        name: String,
        market: Market,
        procedure: String,
        region: String,
        tenderer_uscc: String,
        tenderer_name: String,
        owner_org_id: String,
        /// The project's status (`draft` …).
        status: String,
        sections: Vec<ProjectSection>,
    }
}

impl ProjectSnapshot {
    /// The project of any project event that carries the snapshot; another event is a
    /// [`DecodeError::WrongType`](crate::DecodeError::WrongType).
    pub fn of(ev: &ggzy_core::events::Event) -> Result<Self, crate::DecodeError> {
        use crate::Contract;
        match ev.event_type.as_str() {
            ProjectCreated::NAME => ProjectCreated::decode(ev).map(|p| p.0),
            ProjectUpdated::NAME => ProjectUpdated::decode(ev).map(|p| p.0),
            ProjectApproved::NAME => ProjectApproved::decode(ev).map(|p| p.0),
            ProjectSubmitted::NAME => ProjectSubmitted::decode(ev).map(|p| p.0),
            ProjectReturned::NAME => ProjectReturned::decode(ev).map(|p| p.project),
            other => Err(crate::DecodeError::WrongType {
                expected: "a projects.project.* event",
                got: other.to_string(),
            }),
        }
    }
}

contract! {
    /// A project (with its sections) is drafted by its tenderer or agency.
    ProjectCreated = "projects.project.created", version 1, aggregate "project" by project_id, payload ProjectSnapshot;
}

contract! {
    /// A draft project (with its sections) is edited.
    ProjectUpdated = "projects.project.updated", version 1, aggregate "project" by project_id, payload ProjectSnapshot;
}

contract! {
    /// A project is approved (registered with the centre); each of its sections is also
    /// announced by `projects.section.registered`.
    ProjectApproved = "projects.project.approved", version 1, aggregate "project" by project_id, payload ProjectSnapshot;
}

contract! {
    /// A draft project (with its sections) is submitted for registration (登记).
    ProjectSubmitted = "projects.project.submitted", version 1, aggregate "project" by project_id, payload ProjectSnapshot;
}

contract! {
    /// Staff returned a submitted project to its author (a draft again), with the reason.
    ProjectReturned = "projects.project.returned", version 1, aggregate "project" by project.project_id {
        /// The project's members, flattened into the payload: those of `projects.project.created`.
        #[serde(flatten)]
        project: ProjectSnapshot,
        /// Why staff returned it.
        reason: String,
    }
}

// The two rule override events are keyed by the overridden value
// (`<table>:<region>:<market>:<procedure>:<field>`), not by one payload member, so their
// `Contract` impl is written out instead of through `contract!`.

/// The platform region's override of one rules value was set (admin): stricter than or equal to
/// the national value.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RulesOverrideSet {
    /// The rules table (`project_rules` …).
    pub table: String,
    pub region: String,
    pub market: String,
    /// The procedure (`project_rules` only; empty otherwise).
    pub procedure: String,
    pub field: String,
    pub value: i64,
    pub national_value: i64,
    pub national_source: String,
    /// The regional document that sets it (name and 文号).
    pub citation: String,
}

/// The platform region's override of one rules value was removed (admin): the national value
/// applies again.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RulesOverrideRemoved {
    pub table: String,
    pub region: String,
    pub market: String,
    pub procedure: String,
    pub field: String,
    pub national_value: i64,
    pub reason: String,
}

macro_rules! rules_override {
    ($ty:ident, $name:literal, $doc:literal, [$(($f:ident, $fty:literal, $fdoc:literal)),* $(,)?]) => {
        impl crate::Contract for $ty {
            const NAME: &'static str = $name;
            const VERSION: u32 = 1;
            const AGGREGATE: &'static str = "rules";
            fn aggregate_id(&self) -> String {
                format!(
                    "{}:{}:{}:{}:{}",
                    self.table, self.region, self.market, self.procedure, self.field
                )
            }
        }

        impl $ty {
            /// This contract in the catalogue (`docs/events.md`).
            pub fn entry() -> crate::Entry {
                crate::Entry {
                    name: $name,
                    version: 1,
                    aggregate: "rules",
                    doc: $doc,
                    fields: vec![$(crate::Field { name: stringify!($f), ty: $fty, doc: $fdoc }),*],
                }
            }
        }
    };
}

rules_override!(
    RulesOverrideSet,
    "projects.rules.override_set",
    "The platform region's override of one rules value was set (admin): stricter than or equal to \
     the national value. Aggregate id: `<table>:<region>:<market>:<procedure>:<field>`.\n",
    [
        (table, "String", "The rules table (`project_rules` …)."),
        (region, "String", ""),
        (market, "String", ""),
        (
            procedure,
            "String",
            "The procedure (`project_rules` only; empty otherwise)."
        ),
        (field, "String", ""),
        (value, "i64", ""),
        (national_value, "i64", ""),
        (national_source, "String", ""),
        (
            citation,
            "String",
            "The regional document that sets it (name and 文号)."
        ),
    ]
);

rules_override!(
    RulesOverrideRemoved,
    "projects.rules.override_removed",
    "The platform region's override of one rules value was removed (admin): the national value \
     applies again. Aggregate id: `<table>:<region>:<market>:<procedure>:<field>`.\n",
    [
        (table, "String", ""),
        (region, "String", ""),
        (market, "String", ""),
        (procedure, "String", ""),
        (field, "String", ""),
        (national_value, "i64", ""),
        (reason, "String", "Why the override was removed."),
    ]
);

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        ProjectCreated::entry(),
        ProjectUpdated::entry(),
        ProjectApproved::entry(),
        ProjectSubmitted::entry(),
        ProjectReturned::entry(),
        RulesOverrideSet::entry(),
        RulesOverrideRemoved::entry(),
    ]
}
