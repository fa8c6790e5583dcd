//! Contracts of the identity area: every event it emits.

use crate::{contract, Contract, DecodeError};
use chrono::{DateTime, Utc};
use ggzy_core::events::Event;

contract! {
    /// An organization is registered on the platform. Areas keep their own copy of what they
    /// need (USCC, name, legal representative, basic account).
    OrganizationRegistered = "identity.organization.registered", version 1, aggregate "organization" by id {
        id: String,
        /// Unified social credit code (统一社会信用代码).
        uscc: String,
        name: String,
        /// `tenderer`, `agency`, `bidder`, `centre`, `bank`, `supervisor`, `expert_employer`.
        kind: String,
        legal_representative: Option<String>,
        /// Resident ID of the legal representative, when given.
        legal_representative_id: Option<String>,
        basic_account_bank: Option<String>,
        /// Basic deposit account (基本账户) number: deposits must come from it.
        basic_account_no: Option<String>,
        region: Option<String>,
    }
}

contract! {
    /// A user account is created (by an administrator, or by accepting an invitation).
    UserCreated = "identity.user.created", version 1, aggregate "user" by id {
        id: String,
        username: String,
        /// The role (`staff`, `tenderer`, `expert` …).
        role: String,
        /// The user's organization (none for an administrator).
        org_id: Option<String>,
        /// The invitation accepted, when the user came by one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        invitation_id: Option<String>,
        /// Who issued that invitation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        invited_by: Option<String>,
    }
}

contract! {
    /// An account is invited into an organization; the code is shown once to the issuer.
    InvitationIssued = "identity.invitation.issued", version 1, aggregate "organization" by org_id {
        invitation_id: String,
        org_id: String,
        /// The role the account will have.
        role: String,
        /// The user who issued it.
        issued_by: String,
        /// When the invitation lapses, written in chrono's own format (RFC 3339 in UTC with `Z`
        /// and the fraction of a second when there is one), as the producer always wrote it.
        expires_at: DateTime<Utc>,
    }
}

contract! {
    /// An account is disabled (administrator): its tokens stop working at once.
    UserDisabled = "identity.user.disabled", version 1, aggregate "user" by id {
        id: String,
    }
}

contract! {
    /// An account's password is reset (administrator); its sessions are revoked.
    UserPasswordReset = "identity.user.password_reset", version 1, aggregate "user" by id {
        id: String,
    }
}

contract! {
    /// An account's role is changed (administrator). An account has one role; the lists hold it.
    UserRolesChanged = "identity.user.roles_changed", version 1, aggregate "user" by id {
        id: String,
        username: String,
        /// The account's organization (`null`: none).
        org_id: Option<String>,
        old_roles: Vec<String>,
        new_roles: Vec<String>,
        removed: Vec<String>,
        added: Vec<String>,
    }
}

/// A user logged in (`identity.user.logged_in`, aggregate `user`). The payload names the user by
/// `username` only; the user's id is the event's aggregate id, not a payload member, so this
/// contract is written by hand rather than with [`contract!`]: `user_id` is skipped in the payload
/// and [`Contract::decode`] fills it from the event's aggregate id (a bare payload, decoded with
/// [`Contract::decode_payload`], leaves it empty).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UserLoggedIn {
    /// The user (the event's aggregate id; not in the payload).
    #[serde(skip)]
    pub user_id: String,
    pub username: String,
    /// The client's address as the server saw it.
    pub ip: String,
}

impl Contract for UserLoggedIn {
    const NAME: &'static str = "identity.user.logged_in";
    const VERSION: u32 = 1;
    const AGGREGATE: &'static str = "user";

    fn aggregate_id(&self) -> String {
        self.user_id.clone()
    }

    fn decode(ev: &Event) -> Result<Self, DecodeError> {
        if ev.event_type != Self::NAME {
            return Err(DecodeError::WrongType {
                expected: Self::NAME,
                got: ev.event_type.clone(),
            });
        }
        let mut me = Self::decode_payload(ev.seq, &ev.payload)?;
        me.user_id = ev.aggregate_id.clone();
        Ok(me)
    }
}

impl UserLoggedIn {
    /// This contract in the catalogue (`docs/events.md`).
    pub fn entry() -> crate::Entry {
        crate::Entry {
            name: Self::NAME,
            version: Self::VERSION,
            aggregate: Self::AGGREGATE,
            doc: "A user logged in. The user's id is the event's aggregate id (not in the payload).\n",
            fields: vec![
                crate::Field {
                    name: "username",
                    ty: "String",
                    doc: "",
                },
                crate::Field {
                    name: "ip",
                    ty: "String",
                    doc: "The client's address as the server saw it.",
                },
            ],
        }
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        OrganizationRegistered::entry(),
        UserCreated::entry(),
        InvitationIssued::entry(),
        UserDisabled::entry(),
        UserPasswordReset::entry(),
        UserRolesChanged::entry(),
        UserLoggedIn::entry(),
    ]
}
