//! The deposits area's consumer (issue 17, item 3): its copies of the sections and organizations
//! (`deposit_sections`, `deposit_orgs`) from `projects.section.registered` and
//! `identity.organization.registered`, and the section lifecycle's events ([`crate::lifecycle`]).

use async_trait::async_trait;
use ggzy_core::events::Event;
use ggzy_core::{Clock, Result};
use ggzy_events::identity::OrganizationRegistered;
use ggzy_events::projects::SectionRegistered;
use ggzy_events::Contract;
use ggzy_store::consumer::Consumer;
use ggzy_store::copies::OrgField;
use ggzy_store::{Db, Tx};

/// Keeps `deposit_sections` and `deposit_orgs` from `projects.section.registered` and
/// `identity.organization.registered`.
pub struct Projection;

pub const SECTION_REGISTERED: &str = SectionRegistered::NAME;
pub const ORG_REGISTERED: &str = OrganizationRegistered::NAME;

#[async_trait]
impl Consumer for Projection {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "deposits.projection",
            &[SECTION_REGISTERED, ORG_REGISTERED],
        )
    }

    /// Its own events and the lifecycle's ([`crate::lifecycle::WANTS`]).
    fn wants(&self, event_type: &str) -> bool {
        event_type == SECTION_REGISTERED
            || event_type == ORG_REGISTERED
            || crate::lifecycle::WANTS.contains(&event_type)
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        if crate::lifecycle::WANTS.contains(&ev.event_type.as_str()) {
            return crate::lifecycle::handle(tx, db, clock, ev).await;
        }
        if ev.event_type == SECTION_REGISTERED {
            let sec = SectionRegistered::decode(ev)?;
            SECTIONS.upsert(tx, &sec, clock.now()).await?;
        } else {
            let org = OrganizationRegistered::decode(ev)?;
            ORGS.upsert(tx, &org, clock.now()).await?;
        }
        Ok(())
    }
}

/// The deposits area's copy of the sections: the deposit required, the deadline, and the bid
/// validity (投标有效期) in days when the section states it (guarantees are checked against it).
const SECTIONS: ggzy_store::copies::SectionCopy = {
    use ggzy_store::copies::{OnRepeat, SectionCopy, SectionField as F};
    SectionCopy {
        table: "deposit_sections",
        columns: &[
            ("section_id", F::SectionId),
            ("project_id", F::ProjectId),
            ("market", F::Market),
            ("deposit_fen", F::DepositFen),
            ("bid_deadline", F::BidDeadline),
            ("updated_at", F::UpdatedAt),
            ("bid_validity_days", F::BidValidityDays),
        ],
        on_repeat: OnRepeat::Update,
        blank_is_null: false,
    }
};

/// The deposits area's copy of the organizations (the basic account the deposits must come from).
const ORGS: ggzy_store::copies::OrgCopy = ggzy_store::copies::OrgCopy {
    table: "deposit_orgs",
    columns: &[
        ("org_id", OrgField::Id),
        ("uscc", OrgField::Uscc),
        ("name", OrgField::Name),
        ("basic_account_no", OrgField::BasicAccountNo),
        ("updated_at", OrgField::UpdatedAt),
    ],
    blank_is_null: false,
};
