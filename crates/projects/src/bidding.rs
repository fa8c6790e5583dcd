//! Bidding lifecycle of a section after registration: opening it for bidding, the durable deadline
//! timer that closes it, bidder registration (投标报名) with the joint-bidding bar (实施条例 34) and
//! the sanctions list, and the organizations projection this area keeps from identity's events.

use crate::model::{transition, SectionAction, SectionState};
use crate::rules::{
    joint_bid_bar, registration_open, sanction_active, Party, Relation, SanctionKind,
    JOINT_BID_BAR_SOURCE, REGISTRATION_DEADLINE_SOURCE,
};
use crate::service::set_section_state;
use crate::store::{bids, registrations, sections as section_rows};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::error::Violations;
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::ident::{Market, Uscc};
use ggzy_core::time::{display_local, local_date};
use ggzy_core::{ids, Clock, Error, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::unique::{UniqueExt, UniqueKey};
use ggzy_store::{emit, Ctx, Db, Tx};

const RELATION_PAIR: UniqueKey = UniqueKey::new(
    "org_relations_pair_key",
    "org_relations",
    &["org_id", "related_uscc", "kind"],
);
const REGISTRATION_ORG: UniqueKey = UniqueKey::new(
    "section_registrations_org_key",
    "section_registrations",
    &["section_id", "org_id"],
);
use ggzy_events::identity::OrganizationRegistered;
use ggzy_events::projects::{
    BidVoided, OrgRelationDeclared, OrgRelationRemoved, OrgRelationVerified, SanctionEnded,
    SanctionListed,
};
use ggzy_events::Contract;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod registration;
mod relations;
mod sanctions;
mod sections;

pub use registration::*;
pub use relations::*;
pub use sanctions::*;
pub use sections::*;

/// Timer kind that closes a section at its bid deadline.
pub const DEADLINE_TIMER: &str = "projects.section.deadline";

fn deadline_key(section_id: &str) -> String {
    format!("{DEADLINE_TIMER}:{section_id}")
}

// ---------------------------------------------------------------------------------------------
// Organizations projection.

/// Keeps `project_orgs` from `identity.organization.registered`.
pub struct OrganizationsProjection;

#[async_trait::async_trait]
impl Consumer for OrganizationsProjection {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "projects.organizations",
            &[OrganizationRegistered::NAME],
        )
    }

    /// Decoded through the contract: an event that does not decode fails the consumer, which
    /// parks it with an alert after its retries (ggzy-events crate docs) — never skipped.
    async fn handle(&self, tx: &mut Tx, _db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        use ggzy_store::copies::{OrgCopy, OrgField};
        // The projects area's copy: who may register (interested parties, 实施条例 34), who bid.
        const ORGS: OrgCopy = OrgCopy {
            table: "project_orgs",
            columns: &[
                ("id", OrgField::Id),
                ("uscc", OrgField::Uscc),
                ("name", OrgField::Name),
                ("kind", OrgField::Kind),
                ("legal_representative", OrgField::LegalRepresentative),
                ("legal_representative_id", OrgField::LegalRepresentativeId),
                ("region", OrgField::Region),
                ("updated_at", OrgField::UpdatedAt),
            ],
            blank_is_null: false,
        };
        let o = OrganizationRegistered::decode(ev)?;
        ORGS.upsert(tx, &o, clock.now()).await
    }
}

async fn load_org(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<registrations::OrgRow>> {
    registrations::org(conn, id).await
}

fn unknown_org(id: &str) -> Error {
    Error::conflict(
        "organization.unknown",
        format!("organization {id} is not (yet) known to the projects area; retry shortly"),
    )
}

#[cfg(test)]
mod own_project_tests {
    use super::own_project_bar;

    #[test]
    fn the_projects_own_organization_and_the_tenderer_may_not_register_anyone_else_may() {
        let t = "91110000802100433B";
        assert!(own_project_bar("ORG-A", "91210200MB0000001X", "ORG-A", t)
            .unwrap()
            .contains("第十三条"));
        assert!(own_project_bar("ORG-B", t, "ORG-A", t)
            .unwrap()
            .contains("第三十四条"));
        // The USCC compares case-insensitively (letters are upper case by GB 32100).
        assert!(own_project_bar("ORG-B", &t.to_lowercase(), "ORG-A", t).is_some());
        assert_eq!(
            own_project_bar("ORG-B", "91210200MB0000001X", "ORG-A", t),
            None
        );
    }
}
